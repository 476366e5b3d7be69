/* Lookalike map explorer: photoquery.js (the layer "photo-marker": where a visitor's photo would sit).
 * Namespace window.Lookalike (`lk`); load order in render/index.py EXPLORER_SCRIPTS; see docs/explorer.md.
 *
 * static/photo_query.js embeds a visitor's photo and finds its nearest images; it then calls
 * lk.photo({rows, sims}) (rows: the nearest images' rows, best first; sims: their similarities)
 * or lk.photo(null) to clear. The marker sits at the similarity-weighted mean of the first
 * PLACE_AMONG rows' current positions (state.pos), so it follows the points when the facet
 * changes, and the map flies there. Exports: the layer (order 250: over the search rings,
 * under the focus) and lk.photo.
 */
(function (lk) {
  "use strict";
  if (!lk) return;
  var view = lk.view, state = lk.state, PLACE_AMONG = 5;
  var MARK = "#ffd24a";

  /* World position of the photo: weights sharpened (sim^8) so the nearest images pull hardest. */
  function where(photo) {
    var x = 0, y = 0, total = 0, n = Math.min(PLACE_AMONG, photo.rows.length);
    for (var j = 0; j < n; j++) {
      var i = photo.rows[j], w = Math.pow(Math.max(photo.sims[j], 0.01), 8);
      x += w * state.pos[2 * i]; y += w * state.pos[2 * i + 1]; total += w;
    }
    return total > 0 ? [x / total, y / total] : null;
  }

  function draw(ctx, st) {
    var photo = st.photo, at = photo && where(photo);
    if (!at) return;
    var t = st.t, px = t.x + t.k * (st.ox + st.fit * at[0]), py = t.y + t.k * (st.oy + st.fit * at[1]);
    var n = Math.min(PLACE_AMONG, photo.rows.length);
    ctx.globalAlpha = 1;
    ctx.lineWidth = 1.5; ctx.strokeStyle = MARK; ctx.setLineDash([4, 3]);
    ctx.beginPath();
    for (var j = 0; j < n; j++) { ctx.moveTo(px, py); ctx.lineTo(view.sx(photo.rows[j]), view.sy(photo.rows[j])); }
    ctx.stroke();
    ctx.setLineDash([]);
    // a pin: a filled disc with a dark edge and a white centre, legible on dots and thumbnails
    ctx.beginPath(); ctx.arc(px, py, 11, 0, 2 * Math.PI);
    ctx.fillStyle = MARK; ctx.fill();
    ctx.lineWidth = 3; ctx.strokeStyle = "#141416"; ctx.stroke();
    ctx.beginPath(); ctx.arc(px, py, 4, 0, 2 * Math.PI); ctx.fillStyle = "#141416"; ctx.fill();
  }

  lk.layers.add({ name: "photo-marker", order: 250, draw: draw });

  lk.photo = function (found) {
    if (!lk.dom.root.classList.contains("lk-ready")) return null;   // the map did not start (main.js)
    state.photo = found && found.rows.length ? { rows: Int32Array.from(found.rows), sims: Float64Array.from(found.sims) } : null;
    var at = state.photo && where(state.photo);
    if (at) lk.zoom.setTransform(lk.zoom.transformAt(at[0], at[1], Math.max(state.t.k, 4)), true);
    view.requestFrame();
    return at;
  };
})(window.Lookalike);
