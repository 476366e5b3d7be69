/* Lookalike map explorer: zoom.js (d3-zoom, view transforms, resize).
 * Namespace window.Lookalike (`lk`); load order in render/index.py EXPLORER_SCRIPTS; see docs/explorer.md.
 *
 * Exports: lk.zoom {behavior (the d3-zoom), canvasSel (d3.select(canvas)), REDUCED_MOTION,
 *   setTransform(t, animate), zoomBy(f), reveal(i), transformAt(wx, wy, k), resize();
 *   own mutable: settleTimer, stepTo, steps}. Motion sets state.moving until it settles.
 */
(function (lk) {
  "use strict";
  if (!lk) return;
  var d3 = lk.d3, state = lk.state, view = lk.view, route = lk.route;
  var canvas = lk.dom.canvas, mapEl = lk.dom.map;
  var sx = view.sx, sy = view.sy, worldX = view.worldX, worldY = view.worldY;
  var requestFrame = view.requestFrame;

  var REDUCED_MOTION = window.matchMedia && matchMedia("(prefers-reduced-motion: reduce)").matches;
  var SETTLE_MS = 150;

  // own mutable: settleTimer; stepTo, steps (the zoom a run of +/- steps is heading for)
  var zoom = lk.zoom = { settleTimer: 0, stepTo: 0, steps: 0, REDUCED_MOTION: REDUCED_MOTION };

  function markMoving() {
    state.moving = true;
    clearTimeout(zoom.settleTimer);
    zoom.settleTimer = setTimeout(function () { state.moving = false; requestFrame(); }, SETTLE_MS);
  }

  var canvasSel = d3.select(canvas);
  var behavior = d3.zoom()
    .filter(function (event) {
      // A double-click on an image is a click (it opens the page), not a zoom.
      if (event.type === "dblclick" && state.hover >= 0) return false;
      return (!event.ctrlKey || event.type === "wheel") && !event.button;
    })
    .on("start", function (event) {
      if (event.sourceEvent) zoom.stepTo = 0;  // the visitor's own wheel or drag: steps start afresh
      if (event.sourceEvent && event.sourceEvent.type !== "wheel") state.pointerDown = true;
    })
    .on("zoom", function (event) {
      state.t = event.transform;
      markMoving();
      state.hoverStale = true;
      requestFrame();
    })
    .on("end", function () {
      state.pointerDown = false;
      state.hoverStale = true;
      route.scheduleHash();
      requestFrame();
    });

  function setTransform(t, animate) {
    if (animate && !REDUCED_MOTION) canvasSel.transition().duration(550).call(behavior.transform, t);
    else canvasSel.call(behavior.transform, t);
  }
  /* Zoom steps (+/- keys and buttons) compound from where the last step is going, not from
     where its animation happens to be: three quick presses of + zoom 2 x 2 x 2. */
  function zoomBy(f) {
    var c = state.selected >= 0 ? [sx(state.selected), sy(state.selected)] : [state.w / 2, state.h / 2];
    var ext = behavior.scaleExtent();
    var k = Math.max(ext[0], Math.min(ext[1], (zoom.stepTo || state.t.k) * f));
    if (REDUCED_MOTION) { canvasSel.call(behavior.scaleTo, k, c); return; }
    var step = ++zoom.steps;
    zoom.stepTo = k;
    canvasSel.transition().duration(300).call(behavior.scaleTo, k, c)
      .on("end interrupt", function () { if (zoom.steps === step) zoom.stepTo = 0; });
  }
  /* Keep the keyboard selection on screen by panning (never zooming). */
  function reveal(i) {
    var x = sx(i), y = sy(i), m = Math.min(120, state.w / 4, state.h / 4);
    if (x >= m && x <= state.w - m && y >= m && y <= state.h - m) return;
    var t = state.t;
    var nt = d3.zoomIdentity.translate(t.x + state.w / 2 - x, t.y + state.h / 2 - y).scale(t.k);
    if (REDUCED_MOTION) canvasSel.call(behavior.transform, nt);
    else canvasSel.transition().duration(250).call(behavior.transform, nt);
  }
  /* Transform that puts world point (wx, wy) at the screen centre at zoom k. */
  function transformAt(wx, wy, k) {
    k = Math.max(behavior.scaleExtent()[0], Math.min(behavior.scaleExtent()[1], k));
    return d3.zoomIdentity.translate(state.w / 2 - k * (state.ox + state.fit * wx), state.h / 2 - k * (state.oy + state.fit * wy)).scale(k);
  }

  /* Fit the map to its box (keeping the centre and zoom); false while it has no size. */
  function resize() {
    var top = mapEl.getBoundingClientRect().top + window.scrollY;
    if (top >= 0 && top < window.innerHeight / 2) mapEl.style.setProperty("--lk-top", top + "px");
    var w = canvas.clientWidth, h = canvas.clientHeight;
    if (!w || !h) return false;
    var wc = worldX(state.w / 2), hc = worldY(state.h / 2), k = state.t.k;
    var hadSize = state.w > 0;
    state.dpr = window.devicePixelRatio || 1;
    state.w = w; state.h = h;
    canvas.width = Math.round(w * state.dpr);
    canvas.height = Math.round(h * state.dpr);
    var pad = Math.min(w, h) < 500 ? 16 : 48;
    state.fit = Math.max(10, Math.min(w, h) - 2 * pad);
    state.ox = (w - state.fit) / 2;
    state.oy = (h - state.fit) / 2;
    behavior.scaleExtent([0.5, view.maxZoom()])
      .translateExtent([[-w * 0.5, -h * 0.5], [w * 1.5, h * 1.5]])
      .extent([[0, 0], [w, h]]);
    if (hadSize && isFinite(wc)) canvasSel.call(behavior.transform, transformAt(wc, hc, k));
    requestFrame();
    return true;
  }

  /* The pan/zoom mode: d3-zoom's listeners on the canvas (wheel, drag, pinch, double-click). */
  lk.modes.add({
    name: "panzoom",
    attach: function () { canvasSel.call(behavior); },
    detach: function () { canvasSel.on(".zoom", null); }
  });

  zoom.behavior = behavior; zoom.canvasSel = canvasSel;
  zoom.setTransform = setTransform; zoom.zoomBy = zoomBy; zoom.reveal = reveal;
  zoom.transformAt = transformAt; zoom.resize = resize;
})(window.Lookalike);
