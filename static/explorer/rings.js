/* Lookalike map explorer: rings.js (the search rings layer).
 * Namespace window.Lookalike (`lk`); load order in render/index.py EXPLORER_SCRIPTS; see docs/explorer.md.
 *
 * Images found by search (state.matches) are ringed in their own colour: a ring round the dot,
 * an outline round the thumbnail; only those on screen (the frame's culling marks).
 * Exports: the layer "search-rings" (order 200, over the points, under the focus), and
 * lk.matches(ids), which static/search.js calls: image ids to ring, or null to clear.
 */
(function (lk) {
  "use strict";
  if (!lk) return;
  var view = lk.view, sx = view.sx, sy = view.sy, marks = lk.marks;

  var MATCH = "#6fd3ff";            // search results (static/search.js)

  function draw(ctx, state, frame) {
    var matches = state.matches;
    if (!matches) return;
    for (var q = 0; q < matches.length; q++) {
      var mi = matches[q];
      if (!frame.mark[mi]) continue;
      if (frame.thumbs) marks.outline(ctx, mi, frame.s, MATCH, 2.5, sx(mi), sy(mi));
      else marks.ring(ctx, sx(mi), sy(mi), 7, MATCH, 2.5);
    }
  }

  lk.layers.add({ name: "search-rings", order: 200, draw: draw });

  lk.matches = function (list) {
    if (!lk.dom.root.classList.contains("lk-ready")) return;   // the map did not start (main.js)
    var found = [];
    (list || []).forEach(function (id) { var i = lk.data.idIndex.get(id); if (i != null) found.push(i); });
    lk.state.matches = list ? Int32Array.from(found) : null;
    view.requestFrame();
  };
})(window.Lookalike);
