/* Lookalike map explorer: arrange.js (arrangements: the map, a grid, a timeline, blocks by group).
 * Namespace window.Lookalike (`lk`); load order in render/index.py EXPLORER_SCRIPTS; see docs/explorer.md.
 *
 * An arrangement is another set of world positions per facet, computed at build time and shipped
 * in data/arrangements.js (window.LOOKALIKE_POINTS.arrangements, docs/contract.md), loaded by a
 * <script> element when the visitor first switches (file:// works). Switching moves every image
 * from where it is to its new place (state.anim, ~600 ms, eased), the drawn size follows the
 * arrangement's cell (state.cell), and the hover Delaunay of the new positions is built at the
 * end. The switch (#lk-arrange, its kinds in data-order) sits next to the facet buttons; the
 * arrangement is the hash part "arr". The layer "arrange-labels" (order 150) draws the timeline's
 * axis and the blocks' labels.
 * Exports: lk.arrange {xyFor(facet), set(name, animate), load(then); own mutable: data, pending}.
 */
(function (lk) {
  "use strict";
  if (!lk) return;
  var state = lk.state, view = lk.view, route = lk.route, zoom = lk.zoom, D = lk.data, N = D.N;
  var doc = lk.dom.doc, box = doc.getElementById("lk-arrange");
  var NAMES = { map: "Map", grid: "Grid", timeline: "Timeline", groups: "By group" };
  var DURATION = 600;
  var order = box ? (box.getAttribute("data-order") || "").split(/\s+/).filter(function (n) { return NAMES[n]; }) : [];
  var api = lk.arrange = { data: null, pending: null, xyFor: xyFor, set: set, load: load };
  var buttons = [], waiting = [], cache = {};

  /* This facet's positions in arrangement `name` (the one shown by default), or null: the map's. */
  function of(f, name) {
    var all = api.data, a = all && all[f] && all[f][name || state.arr];
    return a && a.xy && a.xy.length === 2 * N ? a : null;
  }
  function xyFor(f) { var a = state.arr === "map" ? null : of(f); return a ? a.xy : null; }
  function cellFor(f, name) {
    var a = name === "map" ? null : of(f, name);
    return a && a.cell > 0 ? 0.9 * a.cell : 0.8 / Math.sqrt(N);
  }

  function load(then) {
    if (api.data) { then(true); return; }
    waiting.push(then);
    if (waiting.length > 1) return;
    var s = doc.createElement("script");
    s.src = box.getAttribute("data-src") || "data/arrangements.js";
    s.onload = s.onerror = function () {
      var P = window.LOOKALIKE_POINTS || {};
      api.data = P.arrangements || null;
      var ok = !!api.data, labels = (api.data && api.data.labels) || {};
      buttons.forEach(function (b) {
        var n = b.getAttribute("data-arr");
        if (labels[n]) b.textContent = String(labels[n]);
        b.removeAttribute("aria-busy");
      });
      if (!ok) notice("The other arrangements could not be loaded (data/arrangements.js).");
      var list = waiting; waiting = [];
      list.forEach(function (f) { f(ok); });
    };
    doc.head.appendChild(s);
  }
  function notice(text) { var live = doc.getElementById("lk-live"); if (live) live.textContent = text; }

  function set(name, animate) {
    if (order.indexOf(name) < 0) name = "map";
    api.pending = name;
    if (name !== "map" && !api.data) {
      buttons.forEach(function (b) { if (b.getAttribute("data-arr") === name) b.setAttribute("aria-busy", "true"); });
      load(function () { if (api.pending === name) set(name, animate); });
      return;
    }
    if (name === state.arr) return;
    var from = Float64Array.from(state.pos), cell0 = state.cell;
    state.arr = name;
    var to = Float64Array.from(view.xyFor(state.facet)), cell1 = cellFor(state.facet, name);
    state.hover = -1; state.cardDirty = true; view.lastFound = 0;
    buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.getAttribute("data-arr") === name)); });
    lk.dom.map.setAttribute("data-arr", name);   // explorer.css: the help line makes room for the timeline's axis
    route.scheduleHash();
    var dur = animate && !zoom.REDUCED_MOTION ? DURATION : 0;
    var ease = lk.d3.easeCubicInOut || function (x) { return x; }, start = -1;
    // Even a jump goes through state.anim for two frames: gl.js sends positions while it is set.
    state.anim = {
      step: function (now) {
        if (start < 0) start = now;
        var elapsed = now - start, u = dur ? ease(Math.min(1, elapsed / dur)) : 1, p = state.pos;
        for (var q = 0; q < p.length; q++) p[q] = from[q] + (to[q] - from[q]) * u;
        state.cell = cell0 + (cell1 - cell0) * u;
        if (elapsed >= dur && (dur || elapsed > 0)) {
          state.anim = null; state.pos = to; state.cell = cell1;
          zoom.behavior.scaleExtent([0.5, view.maxZoom()]);
          if (lk.layer) lk.layer.dirty = true;
          setTimeout(function () {              // hover finds the images in their new places (not in a frame:
            view.delaunayFor(state.facet);      // ~0.4 s at 100,000 images)
            state.hoverStale = true; view.requestFrame();
          }, 0);
          if (state.selected >= 0) zoom.reveal(state.selected);
        }
      }
    };
    view.requestFrame();
  }

  /* ---------- the layer: the timeline's axis, the blocks' labels ---------- */
  var FONT = "13px system-ui, -apple-system, 'Segoe UI', sans-serif";
  function bottomOf(f, a) {             // lowest image edge of an arrangement (world y): the axis sits under it
    var key = f + "/" + state.arr;
    if (cache[key] == null) {
      var m = 0;
      for (var i = 1; i < a.xy.length; i += 2) if (a.xy[i] > m) m = a.xy[i];
      cache[key] = m + (a.cell || 0) / 2;
    }
    return cache[key];
  }
  function text(ctx, s, x, y) {
    ctx.lineWidth = 4; ctx.strokeStyle = view.BG; ctx.strokeText(s, x, y);
    ctx.fillStyle = "#ece8df"; ctx.fillText(s, x, y);
  }
  function fitText(ctx, s, w) {
    if (ctx.measureText(s).width <= w) return s;
    while (s.length > 1 && ctx.measureText(s + "\u2026").width > w) s = s.slice(0, -1);
    return s.length > 1 ? s + "\u2026" : "";
  }
  function drawLabels(ctx, st, fr) {
    if (st.arr === "map" || st.anim) return;
    var a = of(st.facet);
    if (!a) return;
    var X = function (x) { return fr.tx + fr.tk * x; }, Y = function (y) { return fr.ty + fr.tk * y; };
    ctx.font = FONT; ctx.lineJoin = "round";
    if (a.axis) {
      var y = Math.max(6, Math.min(st.h - 22, Y(bottomOf(st.facet, a)) + 6)), right = -Infinity;
      ctx.textAlign = "center"; ctx.textBaseline = "top";
      var ticks = a.axis.slice();
      if (a.undated && a.undated_x != null) ticks.push({ label: "undated (" + a.undated + ")", x: a.undated_x });
      for (var t = 0; t < ticks.length; t++) {
        var x = X(ticks[t].x), s = String(ticks[t].label), w = ctx.measureText(s).width;
        if (x < -w || x > st.w + w || x - w / 2 < right + 10) continue;   // off screen, or too close to the last
        text(ctx, s, x, y); right = x + w / 2;
      }
    }
    if (a.blocks) {
      ctx.textAlign = "left"; ctx.textBaseline = "bottom";
      for (var b = 0; b < a.blocks.length; b++) {
        var bl = a.blocks[b], x0 = X(bl.x), y0 = Y(bl.y), bw = fr.tk * bl.w, bh = fr.tk * bl.h;
        if (bw < 24 || x0 > st.w || y0 > st.h + 20 || x0 + bw < 0 || y0 + bh < 0) continue;
        ctx.lineWidth = 1; ctx.strokeStyle = "rgba(236,232,223,0.28)"; ctx.strokeRect(x0 - 2, y0 - 2, bw + 4, bh + 4);
        // Zoomed into a block, its label stays in view while the block does (on the right half, under the toolbar).
        var lx = Math.max(x0, Math.min(8, x0 + bw - 60)), top = lx < st.w / 2 ? 20 : 68;
        var ly = Math.max(y0 - 4, Math.min(top, y0 + bh - 4));
        var label = fitText(ctx, String(bl.label) + " \u00b7 " + bl.size, Math.max(x0 + bw - lx, 24));
        if (label) text(ctx, label, lx, ly);
      }
    }
  }
  lk.layers.add({ name: "arrange-labels", order: 150, draw: drawLabels });

  /* ---------- the switch ---------- */
  if (box && order.length > 1) {
    order.forEach(function (n) {
      var b = doc.createElement("button");
      b.type = "button"; b.className = "lk-btn lk-btn-text lk-arr";
      b.setAttribute("data-arr", n);
      b.setAttribute("aria-pressed", String(n === "map"));
      b.textContent = NAMES[n];
      b.addEventListener("click", function () { set(n, true); });
      box.appendChild(b); buttons.push(b);
    });
    box.hidden = false;
  }
  route.addPart({
    key: "arr",
    write: function () { return state.arr === "map" ? null : state.arr; },
    read: function (v, animate) { if (order.length > 1 || v == null) set(v || "map", animate); }
  });
})(window.Lookalike);
