/* Lookalike map explorer: main.js (start-up and the read-only test hooks), the last part.
 * Namespace window.Lookalike (`lk`); load order in render/index.py EXPLORER_SCRIPTS; see docs/explorer.md.
 * Exports nothing: it attaches the input modes (registry.js), starts the map and hangs the
 * hooks on the map element (mapEl.lookalike).
 */
(function (lk) {
  "use strict";
  if (!lk) return;
  // The parts main.js itself uses (the scripts and their order are render/index.py EXPLORER_SCRIPTS).
  var parts = ["state", "view", "layers", "modes", "sheets", "layer", "draw", "card", "route", "zoom", "input"];
  for (var p = 0; p < parts.length; p++) {
    if (!lk[parts[p]]) return lk.fail("explorer script missing or broken (" + parts[p] + ")");
  }
  var state = lk.state, stats = lk.stats, view = lk.view, sheets = lk.sheets, zoom = lk.zoom;
  var root = lk.dom.root, mapEl = lk.dom.map, canvas = lk.dom.canvas, ids = lk.data.ids;

  lk.modes.list().forEach(function (m) { m.attach(canvas, state, view.requestFrame); });   // pan/zoom, hover
  root.classList.add("lk-ready");    // before measuring: the map is laid out only when ready
  if (!zoom.resize()) return lk.fail("map has no size");
  lk.route.applyHash(false);
  lk.draw();                         // first paint now, not a frame later
  if (window.ResizeObserver) new ResizeObserver(function () { zoom.resize(); }).observe(mapEl);
  else window.addEventListener("resize", zoom.resize);

  /* Read-only hooks for tests and the benchmark (an expando on the map element). */
  mapEl.lookalike = {
    stats: stats,
    project: function (id) {
      var i = lk.data.idIndex.get(id), r = canvas.getBoundingClientRect();
      return i == null ? null : { x: r.left + view.sx(i), y: r.top + view.sy(i), size: view.thumbSize(state.t.k) };
    },
    state: function () {
      var loaded = sheets.levels.map(function (l) { return l.filter(function (s) { return s.state === 2; }).length; });
      return { selected: state.selected >= 0 ? ids[state.selected] : null, hover: state.hover >= 0 ? ids[state.hover] : null,
               k: state.t.k, facet: state.facet, mode: stats.mode, visible: stats.visible, renderer: lk.gl && lk.gl.ok ? "webgl2" : "2d",
               matches: state.matches ? Array.prototype.map.call(state.matches, function (i) { return ids[i]; }) : [],
               layers: lk.layers.list().map(function (l) { return l.name; }),
               modes: lk.modes.list().map(function (m) { return m.name; }),
               sheetLevels: loaded, sheetsLoaded: loaded.reduce(function (a, b) { return a + b; }, 0),
               sheetsLoading: sheets.loading, sheetDecoder: sheets.decoder, sheetFallbacks: sheets.fallbacks,
               arr: state.arr, animating: !!state.anim,                                   // arrange.js
               sel: state.sel ? Array.prototype.map.call(state.sel.rows, function (i) { return ids[i]; }) : [] };  // selection.js
    },
    world: function (i) { return [state.pos[2 * i], state.pos[2 * i + 1]]; }   // image i's world position now
  };
})(window.Lookalike);
