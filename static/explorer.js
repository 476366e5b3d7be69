/* Lookalike map explorer.
 *
 * One canvas, one draw() that paints everything from `state`; event handlers
 * only change state and ask for a frame. d3-zoom owns pan/zoom, d3-delaunay
 * answers "which image is under the pointer". Data comes from
 * window.LOOKALIKE_POINTS (data/points.js, a <script>, so file:// works).
 * Titles are data: they only ever reach the DOM through textContent / alt.
 */
(function () {
  "use strict";
  if (window.performance && performance.mark) performance.mark("lookalike-start");

  var doc = document;
  var root = doc.documentElement;
  var mapEl = doc.getElementById("lk-map");
  var canvas = doc.getElementById("lk-canvas");

  /* Give up visibly: the thumbnail grid in the HTML is the fallback. */
  function fail(reason) {
    root.classList.remove("lk-js", "lk-ready");
    root.classList.add("lk-failed");
    if (mapEl) mapEl.hidden = true;
    if (window.console) console.warn("Lookalike map unavailable: " + reason);
  }

  var P = window.LOOKALIKE_POINTS;
  var d3 = window.d3;
  if (!mapEl || !canvas) return fail("map markup missing");
  if (!P || !P.count || !P.ids || !P.facets) return fail("data/points.js missing or empty");
  if (!d3 || !d3.zoom || !d3.Delaunay || !d3.select) return fail("d3 scripts missing (run npm ci and rebuild)");
  var ctx = canvas.getContext && canvas.getContext("2d", { alpha: false });
  if (!ctx) return fail("canvas not supported");

  /* ---------- constants ---------- */
  var BG = "#141416";
  var ACCENT = "#e3b55b";           // selection, neighbour links
  var HOVER = "#f4f1ea";            // hovered outline
  var THUMB_MIN = 16;               // below this drawn size (CSS px) images are dots
  var HIT_MOUSE = 6;                // px around a dot that still counts as "on it"
  var HIT_TOUCH = 22;
  var MAX_CONCURRENT_SHEETS = 4;
  var HIRES_MAX_VISIBLE = 160;      // individual thumbs/<id>.jpg only when few are on screen
  var HIRES_CACHE = 400;
  var CARD_NEIGHBOURS = 6;
  var REDUCED_MOTION = window.matchMedia && matchMedia("(prefers-reduced-motion: reduce)").matches;

  /* ---------- data ---------- */
  var N = P.count | 0;
  var ids = P.ids, titles = P.titles || [], aspect = P.aspect || [];
  var idIndex = new Map();
  for (var n = 0; n < N; n++) idIndex.set(ids[n], n);
  // JSON objects are written with sorted keys, so the build gives the order explicitly.
  var facetNames = (P.facet_order || Object.keys(P.facets)).filter(function (f) {
    var xy = P.facets[f] && P.facets[f].xy;
    return xy && xy.length === 2 * N;
  });
  if (!facetNames.length) return fail("no facet with " + N + " positions");
  var defaultFacet = facetNames.indexOf(P.default_facet) >= 0 ? P.default_facet : facetNames[0];
  // The default facet's button comes first; the others keep the data's order.
  facetNames.sort(function (a, b) { return (b === defaultFacet) - (a === defaultFacet); });
  var pageTpl = mapEl.getAttribute("data-page-url") || "image/{id}.html";
  var thumbTpl = mapEl.getAttribute("data-thumb-url") || "thumbs/{id}.jpg";
  function pageUrl(i) { return pageTpl.replace("{id}", ids[i]); }
  function thumbUrl(i) { return thumbTpl.replace("{id}", ids[i]); }
  function titleOf(i) { return titles[i] != null && titles[i] !== "" ? String(titles[i]) : ids[i]; }

  var atlas = P.atlas || null;
  var cell = atlas ? atlas.cell : 0, perRow = atlas ? atlas.per_row : 0, perSheet = atlas ? atlas.per_sheet : 0;

  /* Mean colour per image (atlas.colors, 6 hex digits a row): dots and placeholders. */
  var rgb = new Uint8Array(3 * N);
  var colorStr = new Array(N);
  (function () {
    var cs = atlas && typeof atlas.colors === "string" && atlas.colors.length === 6 * N ? atlas.colors : null;
    for (var i = 0; i < N; i++) {
      var r = 170, g = 166, b = 158;
      if (cs) {
        r = parseInt(cs.substr(6 * i, 2), 16); g = parseInt(cs.substr(6 * i + 2, 2), 16); b = parseInt(cs.substr(6 * i + 4, 2), 16);
      }
      rgb[3 * i] = r; rgb[3 * i + 1] = g; rgb[3 * i + 2] = b;
      colorStr[i] = "rgb(" + r + "," + g + "," + b + ")";
    }
  })();

  /* Dots are drawn one fill() per colour bucket (512 buckets) instead of one
     per image: 20k fillStyle changes a frame would cost more than the rects. */
  var bucketOrder = new Int32Array(N), bucketStart = [], bucketColor = [];
  (function () {
    var key = new Int32Array(N), counts = new Int32Array(513);
    for (var i = 0; i < N; i++) {
      // Lift dark means a little so dots stay visible on the dark ground.
      var r = Math.max(rgb[3 * i], 40), g = Math.max(rgb[3 * i + 1], 40), b = Math.max(rgb[3 * i + 2], 40);
      key[i] = ((r >> 5) << 6) | ((g >> 5) << 3) | (b >> 5);
      counts[key[i] + 1]++;
    }
    for (var k = 1; k < 513; k++) counts[k] += counts[k - 1];
    var fillPos = counts.slice();
    for (i = 0; i < N; i++) bucketOrder[fillPos[key[i]]++] = i;
    for (k = 0; k < 512; k++) {
      if (counts[k + 1] > counts[k]) {
        bucketStart.push(counts[k], counts[k + 1]);
        bucketColor.push("rgb(" + (((k >> 6) & 7) * 32 + 16) + "," + (((k >> 3) & 7) * 32 + 16) + "," + ((k & 7) * 32 + 16) + ")");
      }
    }
  })();

  /* ---------- state ---------- */
  var state = {
    w: 0, h: 0, dpr: 1,
    fit: 1, ox: 0, oy: 0,           // world [0,1] -> base px (k = 1 shows the whole map)
    t: d3.zoomIdentity,
    facet: defaultFacet,
    pos: new Float64Array(P.facets[defaultFacet].xy),   // current world positions (animated)
    hover: -1,
    selected: -1,
    pointer: null,                  // {x, y} CSS px inside the canvas, mouse/pen only
    pointerDown: false,
    hoverStale: false,
    cardDirty: true,
    anim: null,
    keyboard: false
  };
  var delaunays = {};               // per facet, built once from a flat Float64Array
  function delaunayFor(f) {
    if (!delaunays[f]) delaunays[f] = new d3.Delaunay(Float64Array.from(P.facets[f].xy));
    return delaunays[f];
  }
  var delaunay = delaunayFor(state.facet);
  var lastFound = 0;

  var stats = { firstDrawMs: null, draws: 0, drawMs: [], hoverMs: [], mode: "", visible: 0, layer: "" };
  function record(list, v) { list.push(v); if (list.length > 2000) list.shift(); }

  /* ---------- geometry ---------- */
  function baseSize() {
    // Nominal drawn size at k = 1: about the mean spacing of the points.
    return Math.min(110, state.fit * 0.8 / Math.sqrt(N));
  }
  function maxThumb() { return Math.max(150, Math.min(300, state.fit * 0.3)); }
  function thumbSize(k) { return Math.min(maxThumb(), baseSize() * k); }
  function maxZoom() { return Math.max(8, 2.5 * maxThumb() / baseSize()); }
  function sx(i) { var t = state.t; return t.x + t.k * (state.ox + state.fit * state.pos[2 * i]); }
  function sy(i) { var t = state.t; return t.y + t.k * (state.oy + state.fit * state.pos[2 * i + 1]); }
  function worldX(px) { return ((px - state.t.x) / state.t.k - state.ox) / state.fit; }
  function worldY(py) { return ((py - state.t.y) / state.t.k - state.oy) / state.fit; }
  /* Drawn rectangle of image i: longest side = s, aspect kept. */
  function rectSize(i, s) {
    var a = +aspect[i] || 1;
    return a >= 1 ? [s, s / a] : [s * a, s];
  }

  /* ---------- hit testing ---------- */
  function contains(i, x, y, s, pad) {
    var wh = rectSize(i, s);
    return Math.abs(x - sx(i)) <= wh[0] / 2 + pad && Math.abs(y - sy(i)) <= wh[1] / 2 + pad;
  }
  /* find() always returns some point, so check the screen distance (or the
     drawn thumbnail) before calling it a hit. */
  function hitTest(x, y, radius) {
    if (state.anim) return -1;
    var i = delaunay.find(worldX(x), worldY(y), lastFound);
    if (i < 0 || i == null) return -1;
    lastFound = i;
    var s = thumbSize(state.t.k);
    var dx = sx(i) - x, dy = sy(i) - y;
    if (dx * dx + dy * dy <= radius * radius) return i;
    if (s >= THUMB_MIN) {
      if (contains(i, x, y, s, 1)) return i;
      // A wide neighbour's thumbnail may cover the pointer although its centre is farther.
      for (var it = delaunay.neighbors(i), r = it.next(); !r.done; r = it.next()) {
        if (contains(r.value, x, y, s, 0)) return r.value;
      }
    }
    return -1;
  }

  /* ---------- atlas sheets (lazy) ---------- */
  var sheets = atlas ? atlas.sheets.map(function (url) { return { url: url, state: 0, img: null }; }) : [];
  var sheetsLoading = 0;
  var sheetWanted = new Float64Array(sheets.length);
  function loadSheet(s) {
    var sh = sheets[s];
    sh.state = 1; sheetsLoading++;
    var img = new Image();
    img.decoding = "async";
    function done(ok, bitmap) {
      sheetsLoading--;
      sh.state = ok ? 2 : 3;
      sh.img = ok ? (bitmap || img) : null;
      sh.levels = ok ? [sh.img] : null;
      // Make the small copies later, one step per frame, not inside a frame.
      if (ok) queueLevels(sh);
      layerDirty = true;
      requestFrame();
    }
    function loaded() {
      // An ImageBitmap is decoded once, up front, instead of on every draw.
      if (window.createImageBitmap) {
        createImageBitmap(img).then(function (b) { done(true, b); }, function () { done(true, null); });
      } else done(true, null);
    }
    img.onerror = function () { done(false); };
    img.src = sh.url;
    // decode() decodes off the main thread where supported (works from file:// too).
    if (img.decode) img.decode().then(loaded, function () { if (img.complete && img.naturalWidth) loaded(); else done(false); });
    else img.onload = loaded;
  }
  /* Half-size copies of a sheet (cells of cell/2, cell/4 px), made once, one
     halving per task between frames: small thumbnails drawn from a source near
     their size are both sharper and far cheaper than shrinking 64 px cells
     thousands of times a frame. Until a copy exists the next larger one is used. */
  var levelQueue = [], levelTimer = 0, wantLevel = 0;
  function queueLevels(sh) { levelQueue.push(sh); scheduleLevelStep(); }
  function scheduleLevelStep() {
    if (!levelTimer && levelQueue.length) levelTimer = setTimeout(levelStep, 0);
  }
  function levelStep() {
    levelTimer = 0;
    var sh = levelQueue[0];
    if (!sh) return;
    if (sh.levels.length <= 2) {
      var prev = sh.levels[sh.levels.length - 1];
      var c = doc.createElement("canvas");
      c.width = Math.max(1, Math.ceil(prev.width / 2));
      c.height = Math.max(1, Math.ceil(prev.height / 2));
      var g = c.getContext("2d");
      g.imageSmoothingEnabled = true;
      g.imageSmoothingQuality = "high";
      g.drawImage(prev, 0, 0, c.width, c.height);
      sh.levels.push(c);
      if (wantLevel >= sh.levels.length - 1) { layerDirty = true; requestFrame(); }
    }
    if (sh.levels.length > 2) levelQueue.shift();
    // The next step waits for the next frame (frame() calls scheduleLevelStep).
  }
  function sheetLevel(sh, level) {
    var lv = sh.levels;
    return lv[level < lv.length ? level : lv.length - 1];
  }
  function pumpSheets() {
    while (sheetsLoading < MAX_CONCURRENT_SHEETS) {
      var best = -1;
      for (var s = 0; s < sheets.length; s++) {
        if (sheets[s].state === 0 && sheetWanted[s] > 0 && (best < 0 || sheetWanted[s] > sheetWanted[best])) best = s;
      }
      if (best < 0) return;
      loadSheet(best);
    }
  }

  /* Individual thumbnails for the few images on screen when zoomed in past the atlas resolution. */
  var hires = new Map();
  function hiresImage(i) {
    var e = hires.get(i);
    if (e) { hires.delete(i); hires.set(i, e); return e.ok ? e.img : null; }
    e = { img: new Image(), ok: false };
    e.img.decoding = "async";
    e.img.onload = function () { e.ok = true; layerDirty = true; requestFrame(); };
    e.img.src = thumbUrl(i);
    hires.set(i, e);
    if (hires.size > HIRES_CACHE) hires.delete(hires.keys().next().value);
    return null;
  }

  /* ---------- drawing ---------- */
  var visIdx = new Int32Array(N);
  var drawLevel = 0;                // atlas level for this frame (0 = full cells)
  var visMark = new Uint8Array(N);

  /* The thumbnail layer is drawn into an offscreen canvas and reused: 1:1 while
     nothing moves (hover, selection), scaled and shifted while the view moves, with
     only the newly exposed edges drawn live. It is redrawn in full when the motion
     settles, when it would be stretched too far, or when sheets arrive. */
  var layer = null, lctx = null, layerT = null, layerDirty = true;
  var moving = false, settleTimer = 0;
  var SETTLE_MS = 150, LAYER_MIN_COVER = 0.6;
  function markMoving() {
    moving = true;
    clearTimeout(settleTimer);
    settleTimer = setTimeout(function () { moving = false; requestFrame(); }, SETTLE_MS);
  }

  function drawThumb(g, i, s, x, y, useHires) {
    var ar = +aspect[i] || 1;       // inline rectSize(): no allocation in the hot loop
    var dw = ar >= 1 ? s : s * ar, dh = ar >= 1 ? s / ar : s;
    var dx = x - dw / 2, dy = y - dh / 2;
    var img = useHires ? hiresImage(i) : null;
    if (img) { g.drawImage(img, dx, dy, dw, dh); return true; }
    var sh = atlas ? sheets[(i / perSheet) | 0] : null;
    if (sh && sh.state === 2) {
      var c = i % perSheet;
      var fw = ar >= 1 ? cell : Math.max(1, Math.round(cell * ar));
      var fh = ar >= 1 ? Math.max(1, Math.round(cell / ar)) : cell;
      // 1 px inset hides rounding differences against the fitted cell and JPEG bleed.
      var inset = fw > 6 && fh > 6 ? 1 : 0;
      var lv = sh.levels, level = drawLevel < lv.length ? drawLevel : lv.length - 1, f = 1 / (1 << level);
      g.drawImage(lv[level],
        ((c % perRow) * cell + ((cell - fw) >> 1) + inset) * f, (((c / perRow) | 0) * cell + ((cell - fh) >> 1) + inset) * f,
        (fw - 2 * inset) * f, (fh - 2 * inset) * f, dx, dy, dw, dh);
      return true;
    }
    g.fillStyle = colorStr[i];
    g.fillRect(dx, dy, dw, dh);
    return false;
  }

  function draw() {
    var t0 = performance.now();
    var w = state.w, h = state.h, k = state.t.k, dpr = state.dpr;
    var s = thumbSize(k);
    var thumbs = s >= THUMB_MIN && atlas;
    var margin = thumbs ? s : 8;
    // Cull: only what is on screen is drawn.
    var nv = 0, pos = state.pos, tk = k * state.fit, tx = state.t.x + k * state.ox, ty = state.t.y + k * state.oy;
    if (sheets.length) sheetWanted.fill(0);
    for (var i = 0; i < N; i++) {
      var x = tx + tk * pos[2 * i], y = ty + tk * pos[2 * i + 1];
      var on = x > -margin && x < w + margin && y > -margin && y < h + margin;
      visMark[i] = on ? 1 : 0;
      if (on) {
        visIdx[nv++] = i;
        if (thumbs && sheets.length) { var si = (i / perSheet) | 0; if (sheets[si].state !== 2) sheetWanted[si]++; }
      }
    }
    stats.visible = nv;

    if (thumbs) {
      stats.mode = "thumbs";
      var useHires = nv <= HIRES_MAX_VISIBLE && s * dpr > cell * 1.15;
      // Smallest level whose cells are still at least the drawn size (device px).
      drawLevel = 0;
      while (drawLevel < 2 && cell / (2 << drawLevel) >= s * dpr) drawLevel++;
      wantLevel = drawLevel;
      var L = layerT, r = L ? k / L.k : 0, cover = 0, cx0 = 0, cy0 = 0;
      var reuse = !layerDirty && L && !state.anim && L.cw === canvas.width && L.ch === canvas.height && L.pos === state.pos;
      if (reuse && !(r === 1 && L.x === state.t.x && L.y === state.t.y)) {
        // Moved: reuse the stretched layer only while in motion and not stretched too far.
        cx0 = state.t.x - r * L.x; cy0 = state.t.y - r * L.y;
        var ix0 = Math.max(0, cx0), iy0 = Math.max(0, cy0), ix1 = Math.min(w, cx0 + r * w), iy1 = Math.min(h, cy0 + r * h);
        cover = Math.max(0, ix1 - ix0) * Math.max(0, iy1 - iy0) / (w * h);
        reuse = moving && !useHires && r >= 0.5 && r <= 2 && cover >= LAYER_MIN_COVER;
      } else cover = 1;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      if (reuse) {
        stats.layer = cover === 1 && r === 1 ? "same" : "moved";
        if (cover < 1) { ctx.fillStyle = BG; ctx.fillRect(0, 0, canvas.width, canvas.height); }
        ctx.imageSmoothingEnabled = true;
        ctx.imageSmoothingQuality = "low";
        if (stats.layer === "same") ctx.drawImage(layer, 0, 0);
        else ctx.drawImage(layer, cx0 * dpr, cy0 * dpr, layer.width * r, layer.height * r);
        ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
        if (cover < 1) {
          // Newly exposed edges: draw just the thumbnails that reach into them, clipped.
          ctx.save();
          ctx.beginPath();
          ctx.rect(0, 0, w, h);
          ctx.rect(ix0, iy0, ix1 - ix0, iy1 - iy0);
          ctx.clip("evenodd");
          var hs = s / 2 + 1;
          for (var v = 0; v < nv; v++) {
            i = visIdx[v]; x = tx + tk * pos[2 * i]; y = ty + tk * pos[2 * i + 1];
            if (x - hs < ix0 || x + hs > ix1 || y - hs < iy0 || y + hs > iy1) drawThumb(ctx, i, s, x, y, false);
          }
          ctx.restore();
        }
      } else {
        stats.layer = "full";
        if (!layer) { layer = doc.createElement("canvas"); }
        if (layer.width !== canvas.width || layer.height !== canvas.height) {
          layer.width = canvas.width; layer.height = canvas.height;
          lctx = layer.getContext("2d", { alpha: false });
        }
        if (!lctx) lctx = layer.getContext("2d", { alpha: false });
        lctx.setTransform(dpr, 0, 0, dpr, 0, 0);
        lctx.fillStyle = BG;
        lctx.fillRect(0, 0, w, h);
        lctx.imageSmoothingEnabled = true;
        lctx.imageSmoothingQuality = "low";
        for (v = 0; v < nv; v++) {
          i = visIdx[v];
          drawThumb(lctx, i, s, tx + tk * pos[2 * i], ty + tk * pos[2 * i + 1], useHires);
        }
        layerT = { k: k, x: state.t.x, y: state.t.y, cw: canvas.width, ch: canvas.height, pos: state.pos };
        layerDirty = false;
        ctx.drawImage(layer, 0, 0);
        ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      }
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = "low";
    } else {
      stats.mode = "dots";
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.fillStyle = BG;
      ctx.fillRect(0, 0, w, h);
      var r = Math.max(1.3, Math.min(4, s * 0.45));
      for (var b = 0; b < bucketColor.length; b++) {
        ctx.fillStyle = bucketColor[b];
        ctx.beginPath();
        for (var q = bucketStart[2 * b], end = bucketStart[2 * b + 1]; q < end; q++) {
          i = bucketOrder[q];
          if (visMark[i]) ctx.rect(tx + tk * pos[2 * i] - r, ty + tk * pos[2 * i + 1] - r, 2 * r, 2 * r);
        }
        ctx.fill();
      }
      // About to cross into thumbnails: fetch the sheets that will be needed.
      if (sheets.length && s >= THUMB_MIN * 0.55) {
        for (var v2 = 0; v2 < nv; v2++) sheetWanted[(visIdx[v2] / perSheet) | 0]++;
      }
    }
    drawLevel = 0;                  // highlights are drawn large and sharp
    drawHighlights(s, thumbs);
    if (sheets.length) pumpSheets();

    var dt = performance.now() - t0;
    record(stats.drawMs, dt);
    stats.draws++;
    if (stats.firstDrawMs === null) {
      stats.firstDrawMs = performance.now();
      if (performance.mark) performance.mark("lookalike-first-draw");
    }
  }

  function focusIndex() { return state.hover >= 0 ? state.hover : state.selected; }

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
    var f = focusIndex();
    var fac = P.facets[state.facet];
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
        if (thumbs) { drawThumb(ctx, m, s, mx, my, false); outline(m, s, ACCENT, 1.5, mx, my); }
        else { ctx.fillStyle = colorStr[m]; ctx.fillRect(mx - 3, my - 3, 6, 6); ring(mx, my, 6, ACCENT, 1.5); }
      }
    }
    var sel = state.selected;
    if (sel >= 0 && sel !== state.hover) {
      if (thumbs) { drawThumb(ctx, sel, s, sx(sel), sy(sel), false); outline(sel, s, ACCENT, 2.5, sx(sel), sy(sel)); }
      else { ctx.fillStyle = colorStr[sel]; ctx.fillRect(sx(sel) - 4, sy(sel) - 4, 8, 8); ring(sx(sel), sy(sel), 9, ACCENT, 2.5); }
    }
    if (state.hover >= 0) {
      var hv = state.hover, hx = sx(hv), hy = sy(hv);
      if (thumbs) {
        drawThumb(ctx, hv, s, hx, hy, s * state.dpr > cell);
        outline(hv, s, hv === sel ? ACCENT : HOVER, 2.5, hx, hy);
      } else {
        ctx.fillStyle = colorStr[hv]; ctx.fillRect(hx - 4, hy - 4, 8, 8);
        ring(hx, hy, 9, hv === sel ? ACCENT : HOVER, 2.5);
      }
    }
  }

  /* ---------- frame scheduling ---------- */
  var frameRequested = false;
  function requestFrame() {
    if (!frameRequested) { frameRequested = true; requestAnimationFrame(frame); }
  }
  function frame() {
    frameRequested = false;
    if (state.hoverStale) {
      state.hoverStale = false;
      var hv = state.pointer && !state.pointerDown ? hitTest(state.pointer.x, state.pointer.y, HIT_MOUSE) : -1;
      if (hv !== state.hover) { state.hover = hv; state.cardDirty = true; }
    }
    draw();
    if (state.cardDirty) { state.cardDirty = false; updateCard(); }
    scheduleLevelStep();
  }

  /* ---------- card ---------- */
  var card = doc.getElementById("lk-card");
  var cardLink = doc.getElementById("lk-card-link");
  var cardImg = doc.getElementById("lk-card-img");
  var cardTitle = doc.getElementById("lk-card-title");
  var cardSub = doc.getElementById("lk-card-sub");
  var cardNbrs = doc.getElementById("lk-card-nbrs");
  var live = doc.getElementById("lk-live");
  var cardShown = -1;

  function nbrItem() {
    var li = doc.createElement("li"), a = doc.createElement("a"), img = doc.createElement("img"), sp = doc.createElement("span");
    img.decoding = "async"; img.alt = "";
    a.appendChild(img); a.appendChild(sp); li.appendChild(a);
    return li;
  }

  function fillCard(i) {
    if (cardShown === i) return;
    cardShown = i;
    cardLink.href = pageUrl(i);
    cardImg.src = thumbUrl(i);
    var a = +aspect[i] || 1;
    cardImg.style.aspectRatio = String(a);
    cardTitle.textContent = titleOf(i);
    var fac = P.facets[state.facet];
    var nb = fac.neighbours && fac.neighbours[i] ? fac.neighbours[i].slice(0, CARD_NEIGHBOURS) : [];
    var sim = fac.similarity && fac.similarity[i] ? fac.similarity[i] : [];
    cardSub.textContent = nb.length ? "Most similar" + (facetNames.length > 1 ? " (" + state.facet + ")" : "") : "";
    while (cardNbrs.children.length < nb.length) cardNbrs.appendChild(nbrItem());
    for (var j = 0; j < cardNbrs.children.length; j++) {
      var li = cardNbrs.children[j];
      if (j >= nb.length) { li.hidden = true; continue; }
      var m = nb[j];
      li.hidden = false;
      var link = li.firstChild;
      link.href = pageUrl(m);
      link.title = titleOf(m);
      link.firstChild.src = thumbUrl(m);
      link.firstChild.alt = titleOf(m);
      link.lastChild.textContent = sim[j] != null ? Number(sim[j]).toFixed(2) : "";
    }
  }

  /* Hover: the card floats beside the pointer, flipped so it never covers it.
     Selection without hover: it docks in a corner and its links are clickable. */
  function updateCard() {
    var i = focusIndex();
    if (i < 0) { card.hidden = true; cardShown = -1; return; }
    fillCard(i);
    card.hidden = false;
    var floating = state.hover >= 0 && state.pointer;
    card.classList.toggle("lk-card-floating", !!floating);
    card.classList.toggle("lk-card-docked", !floating);
    if (floating) {
      var cw = card.offsetWidth, ch = card.offsetHeight, gap = 18;
      var px = state.pointer.x, py = state.pointer.y;
      var x = px + gap + cw <= state.w ? px + gap : px - gap - cw;
      var y = py + gap + ch <= state.h ? py + gap : py - gap - ch;
      if (x < 4) x = Math.max(4, Math.min(state.w - cw - 4, px + gap));
      if (y < 4) {
        // Not enough room above or below: sit beside the pointer at the top.
        y = 4;
        if (px >= x - gap && px <= x + cw + gap) x = px + gap + cw <= state.w ? px + gap : Math.max(4, px - gap - cw);
      }
      card.style.transform = "translate(" + Math.round(x) + "px," + Math.round(y) + "px)";
    } else {
      card.style.transform = "";
    }
  }

  function announce(i) {
    if (!live) return;
    live.textContent = i >= 0 ? titleOf(i) + ". Press Enter to open." : "";
  }

  /* ---------- selection, navigation, hash ---------- */
  function select(i, opts) {
    if (i === state.selected) return;
    state.selected = i;
    state.cardDirty = true;
    if (opts && opts.announce) announce(i);
    scheduleHash();
    requestFrame();
  }
  function open(i) {
    if (i < 0) return;
    state.selected = i;
    writeHash();                      // back button returns to this view with i selected
    window.location.href = pageUrl(i);
  }

  var hashTimer = 0, lastHash = null;
  function scheduleHash() { clearTimeout(hashTimer); hashTimer = setTimeout(writeHash, 250); }
  function viewHashParts() {
    var t = state.t, parts = [];
    var atHome = Math.abs(t.k - 1) < 1e-3 && Math.abs(t.x) < 0.5 && Math.abs(t.y) < 0.5;
    if (!atHome) {
      parts.push("z=" + t.k.toFixed(2));
      parts.push("c=" + worldX(state.w / 2).toFixed(4) + "," + worldY(state.h / 2).toFixed(4));
    }
    return parts;
  }
  function writeHash() {
    clearTimeout(hashTimer);
    var parts = [];
    if (state.selected >= 0) parts.push(ids[state.selected]);
    parts = parts.concat(viewHashParts());
    if (state.facet !== defaultFacet) parts.push("facet=" + encodeURIComponent(state.facet));
    var h = parts.length ? "#" + parts.join("&") : "";
    if (h === (location.hash || "")) { lastHash = h; return; }
    lastHash = h;
    try { history.replaceState(history.state, "", h || location.pathname + location.search); } catch (e) { /* sandboxed */ }
  }
  function parseHash(h) {
    var out = { id: -1, z: null, c: null, facet: null };
    (h || "").replace(/^#/, "").split("&").forEach(function (tok) {
      if (!tok) return;
      var eq = tok.indexOf("=");
      if (eq < 0) { var i = idIndex.get(decodeURIComponent(tok)); if (i != null) out.id = i; return; }
      var key = tok.slice(0, eq), val = decodeURIComponent(tok.slice(eq + 1));
      if (key === "z" && isFinite(parseFloat(val))) out.z = parseFloat(val);
      else if (key === "c") {
        var c = val.split(",").map(parseFloat);
        if (c.length === 2 && isFinite(c[0]) && isFinite(c[1])) out.c = c;
      } else if (key === "facet" && facetNames.indexOf(val) >= 0) out.facet = val;
    });
    return out;
  }
  /* Transform that puts world point (wx, wy) at the screen centre at zoom k. */
  function transformAt(wx, wy, k) {
    k = Math.max(zoom.scaleExtent()[0], Math.min(zoom.scaleExtent()[1], k));
    return d3.zoomIdentity.translate(state.w / 2 - k * (state.ox + state.fit * wx), state.h / 2 - k * (state.oy + state.fit * wy)).scale(k);
  }
  /* Zoom at which an image is drawn at a comfortable size. */
  function closeUpZoom() { return Math.max(1, Math.min(maxZoom(), 96 / baseSize())); }
  function applyHash(animate) {
    var hs = parseHash(location.hash);
    if (hs.facet && hs.facet !== state.facet) setFacet(hs.facet, false);
    if (hs.id >= 0) { state.selected = hs.id; state.cardDirty = true; }
    var target = null;
    if (hs.z != null) {
      var c = hs.c || (hs.id >= 0 ? [state.pos[2 * hs.id], state.pos[2 * hs.id + 1]] : [0.5, 0.5]);
      target = transformAt(c[0], c[1], hs.z);
    } else if (hs.id >= 0) {
      target = transformAt(state.pos[2 * hs.id], state.pos[2 * hs.id + 1], closeUpZoom());
    }
    if (target) setTransform(target, animate);
    lastHash = location.hash;
    requestFrame();
  }

  /* ---------- zoom ---------- */
  var sel = d3.select(canvas);
  var zoom = d3.zoom()
    .filter(function (event) {
      // A double-click on an image is a click (it opens the page), not a zoom.
      if (event.type === "dblclick" && state.hover >= 0) return false;
      return (!event.ctrlKey || event.type === "wheel") && !event.button;
    })
    .on("start", function (event) {
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
      scheduleHash();
      requestFrame();
    });

  function setTransform(t, animate) {
    if (animate && !REDUCED_MOTION) sel.transition().duration(550).call(zoom.transform, t);
    else sel.call(zoom.transform, t);
  }
  function zoomBy(f) {
    var c = state.selected >= 0 ? [sx(state.selected), sy(state.selected)] : [state.w / 2, state.h / 2];
    if (REDUCED_MOTION) sel.call(zoom.scaleBy, f, c);
    else sel.transition().duration(300).call(zoom.scaleBy, f, c);
  }
  /* Keep the keyboard selection on screen by panning (never zooming). */
  function reveal(i) {
    var x = sx(i), y = sy(i), m = Math.min(120, state.w / 4, state.h / 4);
    if (x >= m && x <= state.w - m && y >= m && y <= state.h - m) return;
    var t = state.t;
    var nt = d3.zoomIdentity.translate(t.x + state.w / 2 - x, t.y + state.h / 2 - y).scale(t.k);
    if (REDUCED_MOTION) sel.call(zoom.transform, nt);
    else sel.transition().duration(250).call(zoom.transform, nt);
  }

  /* ---------- layout / resize ---------- */
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
    zoom.scaleExtent([0.5, maxZoom()])
      .translateExtent([[-w * 0.5, -h * 0.5], [w * 1.5, h * 1.5]])
      .extent([[0, 0], [w, h]]);
    if (hadSize && isFinite(wc)) sel.call(zoom.transform, transformAt(wc, hc, k));
    requestFrame();
    return true;
  }

  /* ---------- facets ---------- */
  function setFacet(name, animate) {
    if (name === state.facet || facetNames.indexOf(name) < 0) return;
    var from = Float64Array.from(state.pos), to = Float64Array.from(P.facets[name].xy);
    state.facet = name;
    delaunay = delaunayFor(name);
    lastFound = 0;
    state.hover = -1;
    state.cardDirty = true; cardShown = -1;
    facetButtons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.getAttribute("data-facet") === name)); });
    scheduleHash();
    if (!animate || REDUCED_MOTION || !d3.timer) { state.pos = to; requestFrame(); followSelection(); return; }
    if (state.anim) state.anim.stop();
    var ease = d3.easeCubicInOut || function (x) { return x; }, dur = 800;
    state.anim = d3.timer(function (elapsed) {
      var u = ease(Math.min(1, elapsed / dur)), p = state.pos;
      for (var q = 0; q < p.length; q++) p[q] = from[q] + (to[q] - from[q]) * u;
      if (elapsed >= dur) { state.anim.stop(); state.anim = null; state.pos = to; followSelection(); }
      draw();
    });
  }
  function followSelection() { if (state.selected >= 0) reveal(state.selected); }
  var facetBox = doc.getElementById("lk-facets");
  var facetButtons = [];
  if (facetBox && facetNames.length > 1) {
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
  function nearestToCentre() {
    var i = delaunay.find(worldX(state.w / 2), worldY(state.h / 2), lastFound);
    return i == null ? 0 : i;
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
      var next = cur < 0 ? nearestToCentre() : step(cur, d[0], d[1]);
      if (next >= 0) { select(next, { announce: true }); reveal(next); }
    } else if (e.key === "Enter") {
      var i = state.selected >= 0 ? state.selected : state.hover;
      if (i >= 0) { e.preventDefault(); open(i); }
    } else if (e.key === "Escape") {
      if (state.selected >= 0 || state.hover >= 0) { e.preventDefault(); state.hover = -1; select(-1, { announce: true }); }
    } else if (e.key === "+" || e.key === "=") { e.preventDefault(); zoomBy(2); }
    else if (e.key === "-" || e.key === "_") { e.preventDefault(); zoomBy(0.5); }
    else if (e.key === "0") { e.preventDefault(); setTransform(d3.zoomIdentity, true); }
  });

  /* ---------- pointer ---------- */
  var lastPointerType = "mouse";
  canvas.addEventListener("pointerdown", function (e) { lastPointerType = e.pointerType || "mouse"; });
  canvas.addEventListener("pointermove", function (e) {
    lastPointerType = e.pointerType || "mouse";
    if (e.pointerType === "touch") return;
    var t0 = performance.now();
    state.pointer = { x: e.offsetX, y: e.offsetY };
    var hv = state.pointerDown || e.buttons ? -1 : hitTest(e.offsetX, e.offsetY, HIT_MOUSE);
    if (hv !== state.hover) {
      state.hover = hv; state.cardDirty = true;
      canvas.style.cursor = hv >= 0 ? "pointer" : "";
      requestFrame();
    } else if (hv >= 0) {
      state.cardDirty = true; requestFrame();       // card follows the pointer
    }
    record(stats.hoverMs, performance.now() - t0);
  });
  canvas.addEventListener("pointerleave", function (e) {
    if (e.pointerType === "touch") return;
    state.pointer = null;
    if (state.hover >= 0) { state.hover = -1; state.cardDirty = true; canvas.style.cursor = ""; requestFrame(); }
  });
  canvas.addEventListener("click", function (e) {
    if (lastPointerType === "touch") {
      // Touch has no hover: first tap selects, a second tap on it opens.
      var i = hitTest(e.offsetX, e.offsetY, HIT_TOUCH);
      if (i >= 0 && i === state.selected) open(i);
      else select(i, { announce: true });
      return;
    }
    var j = hitTest(e.offsetX, e.offsetY, HIT_MOUSE);
    if (j >= 0) open(j);
  });
  canvas.addEventListener("focus", function () {
    // Keyboard arrival: show where the keyboard is without moving anything.
    state.cardDirty = true; requestFrame();
  });

  /* ---------- controls ---------- */
  function on(id, fn) { var b = doc.getElementById(id); if (b) b.addEventListener("click", fn); }
  on("lk-zoom-in", function () { zoomBy(2); });
  on("lk-zoom-out", function () { zoomBy(0.5); });
  on("lk-reset", function () { setTransform(d3.zoomIdentity, true); });
  on("lk-list", function () {
    var show = !root.classList.contains("lk-show-grid");
    root.classList.toggle("lk-show-grid", show);
    this.setAttribute("aria-expanded", String(show));
    this.textContent = show ? "Hide list" : "All images";
    if (show) { var g = doc.getElementById("lk-grid"); if (g) g.scrollIntoView({ behavior: REDUCED_MOTION ? "auto" : "smooth" }); }
  });
  window.addEventListener("hashchange", function () {
    if (location.hash !== lastHash) applyHash(true);
  });

  /* ---------- start ---------- */
  sel.call(zoom);
  root.classList.add("lk-ready");    // before measuring: the map is laid out only when ready
  if (!resize()) return fail("map has no size");
  applyHash(false);
  draw();                            // first paint now, not a frame later
  if (window.ResizeObserver) new ResizeObserver(function () { resize(); }).observe(mapEl);
  else window.addEventListener("resize", resize);

  /* Read-only hooks for tests and the benchmark (an expando, not a global). */
  mapEl.lookalike = {
    stats: stats,
    project: function (id) {
      var i = idIndex.get(id), r = canvas.getBoundingClientRect();
      return i == null ? null : { x: r.left + sx(i), y: r.top + sy(i), size: thumbSize(state.t.k) };
    },
    state: function () {
      return { selected: state.selected >= 0 ? ids[state.selected] : null, hover: state.hover >= 0 ? ids[state.hover] : null,
               k: state.t.k, facet: state.facet, mode: stats.mode, visible: stats.visible,
               sheetsLoaded: sheets.filter(function (s) { return s.state === 2; }).length, sheetsLoading: sheetsLoading };
    }
  };
})();
