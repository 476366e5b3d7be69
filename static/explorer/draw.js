/* Lookalike map explorer: draw.js (draw(): culling, dots, highlights).
 * Namespace window.Lookalike (`lk`); load order in templates/_map.html; see docs/explorer.md.
 *
 * Exports: lk.draw(), which paints one frame from lk.state and only reads it
 * (search results, state.matches, are ringed in their own colour).
 * It writes its own scratch (`fr`, the culled frame), lk.stats and, through
 * lk.layer.paint, the layer cache; it asks lk.sheets.pump for the sheets it needs.
 */
(function (lk) {
  "use strict";
  if (!lk) return;
  var state = lk.state, stats = lk.stats, view = lk.view, sheets = lk.sheets;
  var D = lk.data, N = D.N, atlas = D.atlas, cell = D.cell, perSheet = D.perSheet, cellOf = D.cellOf, colorStr = D.colorStr;
  var ctx = lk.dom.ctx, layer = lk.layer;
  var sx = view.sx, sy = view.sy, rectSize = view.rectSize, drawThumb = sheets.drawThumb;
  var THUMB_MIN = view.THUMB_MIN;

  var ACCENT = "#e3b55b";           // selection, neighbour links
  var HOVER = "#f4f1ea";            // hovered outline
  var MATCH = "#6fd3ff";            // search results (static/search.js)

  /* This frame's numbers and culling results, reused every frame (draw's own scratch). */
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
    if (fr.thumbs) { stats.mode = "thumbs"; layer.paint(fr); } else drawDots();
    drawHighlights(fr.s, fr.thumbs);    // drawn large and sharp (level 0)
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

  /* Zoomed out: one square per image; by WebGL2 in one draw call (gl.js), else written as
     pixels into an ImageData (pixelDots). */
  function drawDots() {
    stats.mode = "dots";
    var s = fr.s;
    ctx.setTransform(fr.dpr, 0, 0, fr.dpr, 0, 0);
    var r = Math.max(1.3, Math.min(4, s * 0.45));
    if (lk.gl && lk.gl.ok) lk.gl.dots(ctx, fr, r);
    else pixelDots(r);
    // About to cross into thumbnails: fetch the sheets that will be needed.
    if (sheets.list.length && s >= THUMB_MIN * 0.55) {
      for (var v = 0; v < fr.n; v++) { var c = cellOf[fr.idx[v]]; if (c >= 0) fr.wanted[(c / perSheet) | 0]++; }
    }
  }

  /* The dots as device pixels, in row order like gl.js: the canvas's own rect() and fill() of
     100,000 dots cost ~110 ms a frame in the raster step after draw() (a performance trace),
     this a few ms. Squares snap to whole pixels; hover still hit-tests the exact positions. */
  var px = { img: null, u32: null, w: 0, h: 0, col: null, bg: 0 };
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
    var u32 = px.u32, col = px.col, side = Math.max(1, Math.round(2 * r * dpr)), half = side / 2;
    var pos = state.pos, tx = fr.tx * dpr, ty = fr.ty * dpr, tk = fr.tk * dpr, idx = fr.idx, n = fr.n;
    u32.fill(px.bg);
    for (var v = 0; v < n; v++) {
      var j = idx[v], c = col[j];
      var x0 = Math.round(tx + tk * pos[2 * j] - half), y0 = Math.round(ty + tk * pos[2 * j + 1] - half);
      var x1 = Math.min(W, x0 + side), y1 = Math.min(H, y0 + side);
      if (x0 < 0) x0 = 0;
      if (y0 < 0) y0 = 0;
      for (var y = y0; y < y1; y++) {
        for (var o = y * W + x0, end = y * W + x1; o < end; o++) u32[o] = c;
      }
    }
    ctx.putImageData(px.img, 0, 0);
  }

  function ring(x, y, rad, color, width) {
    ctx.beginPath();
    ctx.arc(x, y, rad, 0, 2 * Math.PI);
    ctx.lineWidth = width; ctx.strokeStyle = color; ctx.stroke();
  }
  function outline(i, s, color, width, x, y) {
    var wh = rectSize(i, s), gap = width / 2 + 1;
    ctx.lineWidth = width; ctx.strokeStyle = color;
    ctx.strokeRect(x - wh[0] / 2 - gap, y - wh[1] / 2 - gap, wh[0] + 2 * gap, wh[1] + 2 * gap);
  }

  /* Focus image, its neighbours (lines + rings, on top of everything) and the selection. */
  function drawHighlights(s, thumbs) {
    var matches = state.matches;
    if (matches) {
      for (var q = 0; q < matches.length; q++) {
        var mi = matches[q];
        if (!fr.mark[mi]) continue;
        if (thumbs) outline(mi, s, MATCH, 2.5, sx(mi), sy(mi));
        else ring(sx(mi), sy(mi), 7, MATCH, 2.5);
      }
    }
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
        if (thumbs) { drawThumb(ctx, m, s, mx, my, false, 0); outline(m, s, ACCENT, 1.5, mx, my); }
        else { ctx.fillStyle = colorStr[m]; ctx.fillRect(mx - 3, my - 3, 6, 6); ring(mx, my, 6, ACCENT, 1.5); }
      }
    }
    var sel = state.selected;
    if (sel >= 0 && sel !== state.hover) {
      if (thumbs) { drawThumb(ctx, sel, s, sx(sel), sy(sel), false, 0); outline(sel, s, ACCENT, 2.5, sx(sel), sy(sel)); }
      else { ctx.fillStyle = colorStr[sel]; ctx.fillRect(sx(sel) - 4, sy(sel) - 4, 8, 8); ring(sx(sel), sy(sel), 9, ACCENT, 2.5); }
    }
    if (state.hover >= 0) {
      var hv = state.hover, hx = sx(hv), hy = sy(hv);
      if (thumbs) {
        drawThumb(ctx, hv, s, hx, hy, s * state.dpr > cell, 0);
        outline(hv, s, hv === sel ? ACCENT : HOVER, 2.5, hx, hy);
      } else {
        ctx.fillStyle = colorStr[hv]; ctx.fillRect(hx - 4, hy - 4, 8, 8);
        ring(hx, hy, 9, hv === sel ? ACCENT : HOVER, 2.5);
      }
    }
  }

  lk.draw = draw;
})(window.Lookalike);
