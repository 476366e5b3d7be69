/* Lookalike map explorer: focus.js (the focus layer: the image in focus, its neighbours, the selection).
 * Namespace window.Lookalike (`lk`); load order in render/index.py EXPLORER_SCRIPTS; see docs/explorer.md.
 *
 * On top of everything, drawn large and sharp (atlas level 0): lines from the image in focus
 * (hovered, else selected) to its neighbours under the current facet, each neighbour ringed
 * (outlined when thumbnails), the selection in the accent colour and the hovered image outlined.
 * Exports: the layer "focus" (order 300).
 */
(function (lk) {
  "use strict";
  if (!lk) return;
  var D = lk.data, colorStr = D.colorStr, cell = D.cell;
  var view = lk.view, sx = view.sx, sy = view.sy, drawThumb = lk.sheets.drawThumb;
  var ring = lk.marks.ring, outline = lk.marks.outline;

  var ACCENT = "#e3b55b";           // selection, neighbour links
  var HOVER = "#f4f1ea";            // hovered outline

  function draw(ctx, state, frame) {
    var s = frame.s, thumbs = frame.thumbs;
    var f = view.focusIndex();
    var fac = D.P.facets[state.facet];
    if (f >= 0 && fac.neighbours && fac.neighbours[f]) {
      var nb = fac.neighbours[f], sim = fac.similarity ? fac.similarity[f] : null;
      var fx = sx(f), fy = sy(f);
      ctx.lineCap = "round";
      for (var j = 0; j < nb.length; j++) {
        var a = sim ? Math.max(0.25, Math.min(0.9, sim[j])) : 0.6;
        ctx.globalAlpha = a;
        ctx.beginPath(); ctx.moveTo(fx, fy); ctx.lineTo(sx(nb[j]), sy(nb[j]));
        ctx.lineWidth = 1.25; ctx.strokeStyle = ACCENT; ctx.stroke();
      }
      ctx.globalAlpha = 1;
      for (j = 0; j < nb.length; j++) {
        var m = nb[j], mx = sx(m), my = sy(m);
        if (thumbs) { drawThumb(ctx, m, s, mx, my, false, 0); outline(ctx, m, s, ACCENT, 1.5, mx, my); }
        else { ctx.fillStyle = colorStr[m]; ctx.fillRect(mx - 3, my - 3, 6, 6); ring(ctx, mx, my, 6, ACCENT, 1.5); }
      }
    }
    var sel = state.selected;
    if (sel >= 0 && sel !== state.hover) {
      if (thumbs) { drawThumb(ctx, sel, s, sx(sel), sy(sel), false, 0); outline(ctx, sel, s, ACCENT, 2.5, sx(sel), sy(sel)); }
      else { ctx.fillStyle = colorStr[sel]; ctx.fillRect(sx(sel) - 4, sy(sel) - 4, 8, 8); ring(ctx, sx(sel), sy(sel), 9, ACCENT, 2.5); }
    }
    if (state.hover >= 0) {
      var hv = state.hover, hx = sx(hv), hy = sy(hv);
      if (thumbs) {
        drawThumb(ctx, hv, s, hx, hy, s * state.dpr > cell, 0);
        outline(ctx, hv, s, hv === sel ? ACCENT : HOVER, 2.5, hx, hy);
      } else {
        ctx.fillStyle = colorStr[hv]; ctx.fillRect(hx - 4, hy - 4, 8, 8);
        ring(ctx, hx, hy, 9, hv === sel ? ACCENT : HOVER, 2.5);
      }
    }
  }

  lk.layers.add({ name: "focus", order: 300, draw: draw });
})(window.Lookalike);
