/* Lookalike map explorer: draw.js (draw(): culling, then every layer in order; the points layer).
 * Namespace window.Lookalike (`lk`); load order in render/index.py EXPLORER_SCRIPTS; see docs/explorer.md.
 *
 * Exports: lk.draw(), which paints one frame from lk.state and only reads it: it culls the
 * frame (`fr`, its own scratch), then calls each layer of lk.layers (registry.js) with
 * (ctx, state, fr), lowest order first. It registers the first layer itself, "points" (the dots,
 * or the cached thumbnails of layer.js), and exports lk.marks {ring, outline}, the shapes the
 * other layers draw with (rings.js, focus.js).
 * It writes its own scratch, lk.stats and, through lk.layer.paint, the layer cache; it asks
 * lk.sheets.pump for the sheets it needs.
 */
(function (lk) {
  "use strict";
  if (!lk) return;
  var state = lk.state, stats = lk.stats, view = lk.view, sheets = lk.sheets;
  var D = lk.data, N = D.N, atlas = D.atlas, perSheet = D.perSheet, cellOf = D.cellOf;
  var ctx = lk.dom.ctx, layer = lk.layer, layers = lk.layers.list();
  var rectSize = view.rectSize;
  var THUMB_MIN = view.THUMB_MIN;

  /* This frame's numbers and culling results, reused every frame (draw's own scratch; the
     layers get it as `frame` and only read it). */
  var fr = {
    w: 0, h: 0, k: 1, dpr: 1, s: 0, thumbs: false, tx: 0, ty: 0, tk: 0,
    n: 0, idx: new Int32Array(N), mark: new Uint8Array(N),
    level: 0,                                       // atlas level of the thumbnails (sheets.levelFor)
    load: 0,                                        // the level whose sheets are fetched now
    wanted: new Float64Array(sheets.list.length)    // visible images per sheet not yet loaded at `load`
  };

  function draw() {
    var t0 = performance.now();
    cull();
    stats.visible = fr.n;
    stats.mode = fr.thumbs ? "thumbs" : "dots";
    if (!fr.thumbs) prefetch();
    for (var l = 0; l < layers.length; l++) layers[l].draw(ctx, state, fr);
    if (sheets.list.length) sheets.pump(fr.wanted, fr.load);

    var dt = performance.now() - t0;
    view.record(stats.drawMs, dt);
    stats.draws++;
    if (stats.firstDrawMs === null) {
      stats.firstDrawMs = performance.now();
      if (performance.mark) performance.mark("lookalike-first-draw");
    }
  }

  /* Only what is on screen is drawn: fills fr.idx / fr.mark, and fr.wanted in thumbnail mode. */
  function cull() {
    var t = state.t, k = t.k, w = fr.w = state.w, h = fr.h = state.h;
    fr.k = k; fr.dpr = state.dpr;
    var s = fr.s = view.thumbSize(k);
    var thumbs = fr.thumbs = s >= THUMB_MIN && atlas;
    var level = fr.level = sheets.levelFor(s * fr.dpr);
    // From disk a full sheet is decoded on the main thread (~30 ms, a dropped frame): while the
    // view moves the next level (a quarter of the pixels) is fetched to stand in, drawn until
    // the full sheets come once the motion settles. Over http(s) they decode off the thread.
    var load = fr.load = level === 0 && state.moving && sheets.decoder === "img" && sheets.levels.length > 1 ? 1 : level;
    var margin = thumbs ? s : 8, list = sheets.levels[load] || sheets.list, countSheets = thumbs && list.length;
    var full = load !== level ? sheets.levels[level] : null;   // already sharp: no stand-in fetched
    var nv = 0, pos = state.pos, tk = fr.tk = k * state.fit, tx = fr.tx = t.x + k * state.ox, ty = fr.ty = t.y + k * state.oy;
    var idx = fr.idx, mark = fr.mark, wanted = fr.wanted;
    if (list.length) wanted.fill(0);
    for (var i = 0; i < N; i++) {
      var x = tx + tk * pos[2 * i], y = ty + tk * pos[2 * i + 1];
      var on = x > -margin && x < w + margin && y > -margin && y < h + margin;
      mark[i] = on ? 1 : 0;
      if (on) {
        idx[nv++] = i;
        if (countSheets && cellOf[i] >= 0) {
          var si = (cellOf[i] / perSheet) | 0;
          if (list[si].state !== 2 && !(full && full[si].state === 2)) wanted[si]++;
        }
      }
    }
    fr.n = nv;
  }

  /* Dots about to cross into thumbnails: fetch the sheets that will be needed. */
  function prefetch() {
    if (sheets.list.length && fr.s >= THUMB_MIN * 0.55) {
      for (var v = 0; v < fr.n; v++) { var c = cellOf[fr.idx[v]]; if (c >= 0) fr.wanted[(c / perSheet) | 0]++; }
    }
  }

  /* The points layer. Zoomed in: the cached thumbnails (layer.js). Zoomed out: one square per
     image; by WebGL2 in one draw call (gl.js), else written as pixels into an ImageData. */
  function drawPoints(g, st, f) {
    if (f.thumbs) { layer.paint(f); return; }
    g.setTransform(f.dpr, 0, 0, f.dpr, 0, 0);
    var r = Math.max(1.3, Math.min(4, f.s * 0.45));
    if (lk.gl && lk.gl.ok) lk.gl.dots(g, f, r);
    else pixelDots(r);
  }

  /* The dots as device pixels, in row order like gl.js: the canvas's own rect() and fill() of
     100,000 dots cost ~110 ms a frame in the raster step after draw() (a performance trace),
     this a few ms. Squares snap to whole pixels; hover still hit-tests the exact positions. */
  var px = { img: null, u32: null, w: 0, h: 0, col: null, bg: 0, dim: null, side: 1 };
  function pixelDots(r) {
    var dpr = fr.dpr, W = Math.round(fr.w * dpr), H = Math.round(fr.h * dpr);
    if (!px.img || px.w !== W || px.h !== H) {
      px.img = ctx.createImageData(W, H); px.w = W; px.h = H;
      px.u32 = new Uint32Array(px.img.data.buffer);
    }
    if (!px.col) {  // RGBA bytes read as one little- or big-endian 32-bit word
      var little = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1, rgb = D.dotRGB;
      var pack = function (r8, g8, b8) {
        return (little ? (255 << 24) | (b8 << 16) | (g8 << 8) | r8 : (r8 << 24) | (g8 << 16) | (b8 << 8) | 255) >>> 0;
      };
      px.col = new Uint32Array(N);
      for (var i = 0; i < N; i++) px.col[i] = pack(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]);
      px.bg = pack(view.BG_RGB[0], view.BG_RGB[1], view.BG_RGB[2]);
    }
    var col = px.col;
    px.side = Math.max(1, Math.round(2 * r * dpr));
    px.u32.fill(px.bg);
    var mask = state.mask;            // filters.js: images outside the filter dimmed, drawn first
    if (mask && !px.dim) px.dim = dimmed(px.col, littleEndian(), px.bg);
    for (var pass = mask ? 0 : 1; pass < 2; pass++) pixelPass(mask, pass, pass ? col : px.dim);
    ctx.putImageData(px.img, 0, 0);
  }
  /* One pass of the dots: pass 0 those outside the mask (in their dim colour), 1 the others. */
  function pixelPass(mask, pass, col) {
    var dpr = fr.dpr, W = px.w, H = px.h, u32 = px.u32, side = px.side, half = side / 2;
    var pos = state.pos, tx = fr.tx * dpr, ty = fr.ty * dpr, tk = fr.tk * dpr, idx = fr.idx, n = fr.n;
    for (var v = 0; v < n; v++) {
      var j = idx[v], c = col[j];
      if (mask && mask[j] !== pass) continue;
      var x0 = Math.round(tx + tk * pos[2 * j] - half), y0 = Math.round(ty + tk * pos[2 * j + 1] - half);
      var x1 = Math.min(W, x0 + side), y1 = Math.min(H, y0 + side);
      if (x0 < 0) x0 = 0;
      if (y0 < 0) y0 = 0;
      for (var y = y0; y < y1; y++) {
        for (var o = y * W + x0, end = y * W + x1; o < end; o++) u32[o] = c;
      }
    }
  }
  function littleEndian() { return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1; }
  /* Each dot's colour a fifth of the way from the ground: a dimmed dot still shows where it is. */
  function dimmed(col, le, bg) {
    var out = new Uint32Array(col.length), sh = le ? [0, 8, 16] : [24, 16, 8];
    for (var i = 0; i < col.length; i++) {
      var c = col[i], w = 0;
      for (var k = 0; k < 3; k++) {
        var a = (c >>> sh[k]) & 255, b = (bg >>> sh[k]) & 255;
        w |= ((b + (a - b) * 0.22) & 255) << sh[k];
      }
      out[i] = (w | (le ? 255 << 24 : 255)) >>> 0;
    }
    return out;
  }

  /* Shapes the highlight layers draw with, in CSS px (the transform is the frame's dpr). */
  function ring(g, x, y, rad, color, width) {
    g.beginPath();
    g.arc(x, y, rad, 0, 2 * Math.PI);
    g.lineWidth = width; g.strokeStyle = color; g.stroke();
  }
  /* The outline around image i drawn at longest side s, centred on (x, y). */
  function outline(g, i, s, color, width, x, y) {
    var wh = rectSize(i, s), gap = width / 2 + 1;
    g.lineWidth = width; g.strokeStyle = color;
    g.strokeRect(x - wh[0] / 2 - gap, y - wh[1] / 2 - gap, wh[0] + 2 * gap, wh[1] + 2 * gap);
  }

  lk.layers.add({ name: "points", order: 100, draw: drawPoints });
  lk.marks = { ring: ring, outline: outline };
  lk.draw = draw;
})(window.Lookalike);
