/* Lookalike map explorer: layer.js (the cached thumbnail layer).
 * Namespace window.Lookalike (`lk`); load order in render/index.py EXPLORER_SCRIPTS; see docs/explorer.md.
 *
 * The thumbnail layer is drawn into an offscreen canvas and reused: 1:1 while
 * nothing moves (hover, selection), scaled and shifted while the view moves, with
 * only the newly exposed edges drawn live. It is redrawn in full when the motion
 * settles, when it would be stretched too far, or when sheets arrive.
 * Exports: lk.layer {paint(f): thumbnails of draw()'s culled frame f onto the canvas;
 *   own mutable: dirty (sheets.js sets it), canvas, ctx, t}.
 */
(function (lk) {
  "use strict";
  if (!lk) return;
  var state = lk.state, stats = lk.stats, drawThumb = lk.sheets.drawThumb, cell = lk.data.cell;
  var doc = lk.dom.doc, canvas = lk.dom.canvas, ctx = lk.dom.ctx;

  var BG = lk.view.BG;
  var HIRES_MAX_VISIBLE = 160;      // individual thumbs/<id>.jpg only when few are on screen
  var LAYER_MIN_COVER = 0.6;

  var layer = lk.layer = {
    dirty: true,                    // must be redrawn in full before reuse
    canvas: null, ctx: null,
    t: null                         // the view it was drawn for
  };
  /* How the view moved since the layer was drawn (scratch, refilled every frame). */
  var mv = { r: 0, cover: 1, cx0: 0, cy0: 0, ix0: 0, iy0: 0, ix1: 0, iy1: 0 };

  function paint(f) {
    var s = f.s, dpr = f.dpr;
    var useHires = f.n <= HIRES_MAX_VISIBLE && s * dpr > cell * 1.15;
    var level = f.level;  // smallest cells still at least the drawn size (sheets.levelFor)
    var reuse = canReuse(f, useHires);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    if (reuse) blit(f, level); else redraw(f, level, useHires);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "low";
  }

  /* May the cached layer stand in for this frame? Also measures how it moved (mv). */
  function canReuse(f, useHires) {
    var L = layer.t, t = state.t, w = f.w, h = f.h, r = mv.r = L ? f.k / L.k : 0;
    mv.cover = 1; mv.cx0 = 0; mv.cy0 = 0;
    var reuse = !layer.dirty && L && !state.anim && L.cw === canvas.width && L.ch === canvas.height && L.pos === state.pos;
    if (reuse && !(r === 1 && L.x === t.x && L.y === t.y)) {
      // Moved: reuse the stretched layer only while in motion and not stretched too far.
      var cx0 = mv.cx0 = t.x - r * L.x, cy0 = mv.cy0 = t.y - r * L.y;
      var ix0 = mv.ix0 = Math.max(0, cx0), iy0 = mv.iy0 = Math.max(0, cy0);
      var ix1 = mv.ix1 = Math.min(w, cx0 + r * w), iy1 = mv.iy1 = Math.min(h, cy0 + r * h);
      mv.cover = Math.max(0, ix1 - ix0) * Math.max(0, iy1 - iy0) / (w * h);
      reuse = state.moving && !useHires && r >= 0.5 && r <= 2 && mv.cover >= LAYER_MIN_COVER;
    }
    return reuse;
  }

  function blit(f, level) {
    var dpr = f.dpr, r = mv.r, cover = mv.cover, lc = layer.canvas;
    stats.layer = cover === 1 && r === 1 ? "same" : "moved";
    if (cover < 1) { ctx.fillStyle = BG; ctx.fillRect(0, 0, canvas.width, canvas.height); }
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "low";
    if (stats.layer === "same") ctx.drawImage(lc, 0, 0);
    else ctx.drawImage(lc, mv.cx0 * dpr, mv.cy0 * dpr, lc.width * r, lc.height * r);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (cover < 1) drawEdges(f, level);
  }

  /* Newly exposed edges: draw just the thumbnails that reach into them, clipped. */
  function drawEdges(f, level) {
    var ix0 = mv.ix0, iy0 = mv.iy0, ix1 = mv.ix1, iy1 = mv.iy1;
    var s = f.s, pos = state.pos, tx = f.tx, ty = f.ty, tk = f.tk, idx = f.idx, nv = f.n;
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, 0, f.w, f.h);
    ctx.rect(ix0, iy0, ix1 - ix0, iy1 - iy0);
    ctx.clip("evenodd");
    var hs = s / 2 + 1;
    for (var v = 0; v < nv; v++) {
      var i = idx[v], x = tx + tk * pos[2 * i], y = ty + tk * pos[2 * i + 1];
      if (x - hs < ix0 || x + hs > ix1 || y - hs < iy0 || y + hs > iy1) drawThumb(ctx, i, s, x, y, false, level);
    }
    ctx.restore();
  }

  function redraw(f, level, useHires) {
    var dpr = f.dpr, t = state.t;
    stats.layer = "full";
    if (!layer.canvas) { layer.canvas = doc.createElement("canvas"); }
    var lc = layer.canvas;
    if (lc.width !== canvas.width || lc.height !== canvas.height) {
      lc.width = canvas.width; lc.height = canvas.height;
      layer.ctx = lc.getContext("2d", { alpha: false });
    }
    if (!layer.ctx) layer.ctx = lc.getContext("2d", { alpha: false });
    var g = layer.ctx;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = BG;
    g.fillRect(0, 0, f.w, f.h);
    g.imageSmoothingEnabled = true;
    g.imageSmoothingQuality = "low";
    var s = f.s, pos = state.pos, tx = f.tx, ty = f.ty, tk = f.tk, idx = f.idx, nv = f.n;
    for (var v = 0; v < nv; v++) {
      var i = idx[v];
      drawThumb(g, i, s, tx + tk * pos[2 * i], ty + tk * pos[2 * i + 1], useHires, level);
    }
    layer.t = { k: f.k, x: t.x, y: t.y, cw: canvas.width, ch: canvas.height, pos: state.pos };
    layer.dirty = false;
    ctx.drawImage(lc, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  }

  layer.paint = paint;
})(window.Lookalike);
