/* Lookalike map explorer: input.js (facet switch and its animation, keyboard, buttons).
 * Namespace window.Lookalike (`lk`); load order in render/index.py EXPLORER_SCRIPTS; see docs/explorer.md.
 *
 * Handlers only change lk.state and ask for a frame (or go through lk.route / lk.zoom).
 * The pointer is the hover mode (hover.js), pan and zoom the panzoom mode (zoom.js).
 * Exports: lk.input {setFacet(name, animate)}.
 */
(function (lk) {
  "use strict";
  if (!lk) return;
  var d3 = lk.d3, state = lk.state, view = lk.view, route = lk.route, zoom = lk.zoom;
  var D = lk.data, N = D.N, P = D.P, facetNames = D.facetNames;
  var doc = lk.dom.doc, root = lk.dom.root, canvas = lk.dom.canvas;
  var requestFrame = view.requestFrame, select = route.select, open = route.open;
  var REDUCED_MOTION = zoom.REDUCED_MOTION;

  /* ---------- facets ---------- */
  var facetButtons = [];
  function setFacet(name, animate) {
    if (name === state.facet || facetNames.indexOf(name) < 0) return;
    var from = Float64Array.from(state.pos), to = Float64Array.from(view.xyFor(name));  // in the arrangement shown
    state.facet = name;
    view.delaunayFor(name);           // built now, not on the first hover after the switch
    view.lastFound = 0;
    state.hover = -1;
    state.cardDirty = true;           // the card refills itself: it notes the facet it shows
    facetButtons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.getAttribute("data-facet") === name)); });
    showFacetHint();
    route.scheduleHash();
    if (!animate || REDUCED_MOTION) { state.anim = null; state.pos = to; requestFrame(); followSelection(); return; }
    // Animated: view.js's frame() calls step() before each draw while state.anim is set.
    var ease = d3.easeCubicInOut || function (x) { return x; }, dur = 800, start = -1;
    state.anim = {
      step: function (now) {
        if (start < 0) start = now;
        var elapsed = now - start, u = ease(Math.min(1, elapsed / dur)), p = state.pos;
        for (var q = 0; q < p.length; q++) p[q] = from[q] + (to[q] - from[q]) * u;
        if (elapsed >= dur) { state.anim = null; state.pos = to; followSelection(); }
      }
    };
    requestFrame();
  }
  function followSelection() { if (state.selected >= 0) zoom.reveal(state.selected); }
  /* What the current arrangement means, in words, at the start of the help line under the map
     (the buttons' titles say it too, but a title is never seen on a touch screen). */
  var facetHint = null, helpLine = doc.getElementById("lk-help");
  function showFacetHint() {
    var hint = P.facet_hints && P.facet_hints[state.facet];
    if (!facetHint) return;
    facetHint.textContent = hint ? "Arranged by " + hint + " \u00b7 " : "";
  }
  var facetBox = doc.getElementById("lk-facets");
  if (facetBox && facetNames.length > 1) {
    if (helpLine) {
      facetHint = doc.createElement("span");
      facetHint.id = "lk-facet-hint";
      helpLine.insertBefore(facetHint, helpLine.firstChild);
    }
    facetNames.forEach(function (f) {
      var b = doc.createElement("button");
      b.type = "button"; b.className = "lk-btn lk-btn-text lk-facet";
      b.setAttribute("data-facet", f);
      b.setAttribute("aria-pressed", String(f === state.facet));
      b.textContent = (P.facet_labels && P.facet_labels[f]) || f.charAt(0).toUpperCase() + f.slice(1);
      if (P.facet_hints && P.facet_hints[f]) b.title = "Arrange by " + P.facet_hints[f];
      b.addEventListener("click", function () { setFacet(f, true); });
      facetBox.appendChild(b);
      facetButtons.push(b);
    });
    facetBox.hidden = false;
    showFacetHint();
  }

  /* ---------- keyboard ---------- */
  /* Nearest image in a direction: within a 45 degree cone first, else a half plane. */
  function step(i, dx, dy) {
    var x0 = state.pos[2 * i], y0 = state.pos[2 * i + 1], best = -1, bestScore = Infinity, bestWide = -1, bestWideScore = Infinity;
    for (var j = 0; j < N; j++) {
      if (j === i) continue;
      var ex = state.pos[2 * j] - x0, ey = state.pos[2 * j + 1] - y0;
      var along = ex * dx + ey * dy, across = Math.abs(ex * dy - ey * dx);
      if (along <= 1e-9) continue;
      var score = along + 2 * across;
      if (across <= along) { if (score < bestScore) { bestScore = score; best = j; } }
      else if (score < bestWideScore) { bestWideScore = score; bestWide = j; }
    }
    return best >= 0 ? best : bestWide;
  }
  canvas.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var dirs = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    var d = dirs[e.key];
    state.keyboard = true;
    if (d) {
      e.preventDefault();
      state.hover = -1; state.pointer = null;
      var cur = state.selected;
      var next = cur < 0 ? view.nearestToCentre() : step(cur, d[0], d[1]);
      if (next >= 0) { select(next, { announce: true }); zoom.reveal(next); }
    } else if (e.key === "Enter") {
      var i = state.selected >= 0 ? state.selected : state.hover;
      if (i >= 0) { e.preventDefault(); open(i); }
    } else if (e.key === "Escape") {
      if (state.selected >= 0 || state.hover >= 0) { e.preventDefault(); state.hover = -1; select(-1, { announce: true }); }
    } else if (e.key === "+" || e.key === "=") { e.preventDefault(); zoom.zoomBy(2); }
    else if (e.key === "-" || e.key === "_") { e.preventDefault(); zoom.zoomBy(0.5); }
    else if (e.key === "0") { e.preventDefault(); zoom.setTransform(d3.zoomIdentity, true); }
  });

  canvas.addEventListener("focus", function () {
    // Keyboard arrival: show where the keyboard is without moving anything.
    state.cardDirty = true; requestFrame();
  });

  /* ---------- controls ---------- */
  function on(id, fn) { var b = doc.getElementById(id); if (b) b.addEventListener("click", fn); }
  on("lk-zoom-in", function () { zoom.zoomBy(2); });
  on("lk-zoom-out", function () { zoom.zoomBy(0.5); });
  on("lk-reset", function () { zoom.setTransform(d3.zoomIdentity, true); });
  on("lk-list", function () {
    var show = !root.classList.contains("lk-show-grid");
    root.classList.toggle("lk-show-grid", show);
    this.setAttribute("aria-expanded", String(show));
    this.textContent = show ? "Hide list" : "All images";
    if (show) { var g = doc.getElementById("lk-grid"); if (g) g.scrollIntoView({ behavior: REDUCED_MOTION ? "auto" : "smooth" }); }
  });
  window.addEventListener("hashchange", route.onHashChange);

  lk.input = { setFacet: setFacet };
})(window.Lookalike);
