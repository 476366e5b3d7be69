/* Lookalike map explorer: sheets.js (atlas sheets, their levels, hires thumbs).
 * Namespace window.Lookalike (`lk`); load order in templates/_map.html; see docs/explorer.md.
 *
 * Exports: lk.sheets {list, pump(wanted), scheduleLevelStep(), drawThumb(g, i, s, x, y, useHires, level);
 *   own mutable: loading, levelQueue, levelTimer, hires}.
 * When pixels arrive it marks lk.layer (layer.js) dirty and asks for a frame;
 * it reads lk.layer.level, the atlas level the last thumbnail frame used.
 */
(function (lk) {
  "use strict";
  if (!lk) return;
  var D = lk.data, doc = lk.dom.doc, atlas = D.atlas, aspect = D.aspect, colorStr = D.colorStr;
  var cell = D.cell, perRow = D.perRow, perSheet = D.perSheet;
  var requestFrame = lk.view.requestFrame;

  var MAX_CONCURRENT_SHEETS = 4;
  var HIRES_CACHE = 400;

  var sheets = lk.sheets = {
    list: atlas ? atlas.sheets.map(function (url) { return { url: url, state: 0, img: null }; }) : [],
    loading: 0,                     // sheets being fetched or decoded
    levelQueue: [],                 // loaded sheets still missing their half-size copies
    levelTimer: 0,
    hires: new Map()                // row -> {img, ok}, least recently used first
  };
  var list = sheets.list;

  /* New pixels: the cached thumbnail layer is out of date. */
  function repaint() { lk.layer.dirty = true; requestFrame(); }

  /* ---------- atlas sheets (lazy) ---------- */
  function loadSheet(s) {
    var sh = list[s];
    sh.state = 1; sheets.loading++;
    var img = new Image();
    img.decoding = "async";
    function done(ok, bitmap) {
      sheets.loading--;
      sh.state = ok ? 2 : 3;
      sh.img = ok ? (bitmap || img) : null;
      sh.levels = ok ? [sh.img] : null;
      // Make the small copies later, one step per frame, not inside a frame.
      if (ok) queueLevels(sh);
      repaint();
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
  function queueLevels(sh) { sheets.levelQueue.push(sh); scheduleLevelStep(); }
  function scheduleLevelStep() {
    if (!sheets.levelTimer && sheets.levelQueue.length) sheets.levelTimer = setTimeout(levelStep, 0);
  }
  function levelStep() {
    sheets.levelTimer = 0;
    var sh = sheets.levelQueue[0];
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
      if (lk.layer.level >= sh.levels.length - 1) repaint();
    }
    if (sh.levels.length > 2) sheets.levelQueue.shift();
    // The next step waits for the next frame (frame() calls scheduleLevelStep).
  }
  /* Start loads, most wanted first; wanted[s] = visible images that need sheet s. */
  function pump(wanted) {
    while (sheets.loading < MAX_CONCURRENT_SHEETS) {
      var best = -1;
      for (var s = 0; s < list.length; s++) {
        if (list[s].state === 0 && wanted[s] > 0 && (best < 0 || wanted[s] > wanted[best])) best = s;
      }
      if (best < 0) return;
      loadSheet(best);
    }
  }

  /* Individual thumbnails for the few images on screen when zoomed in past the atlas resolution. */
  function hiresImage(i) {
    var hires = sheets.hires, e = hires.get(i);
    if (e) { hires.delete(i); hires.set(i, e); return e.ok ? e.img : null; }
    e = { img: new Image(), ok: false };
    e.img.decoding = "async";
    e.img.onload = function () { e.ok = true; repaint(); };
    e.img.src = D.thumbUrl(i);
    hires.set(i, e);
    if (hires.size > HIRES_CACHE) hires.delete(hires.keys().next().value);
    return null;
  }

  /* Image i at longest side s centred on (x, y): its own thumbnail, else its atlas
     cell from sheet level `level` (0 = full cells), else its mean colour. */
  function drawThumb(g, i, s, x, y, useHires, level) {
    var ar = +aspect[i] || 1;       // inline rectSize(): no allocation in the hot loop
    var dw = ar >= 1 ? s : s * ar, dh = ar >= 1 ? s / ar : s;
    var dx = x - dw / 2, dy = y - dh / 2;
    var img = useHires ? hiresImage(i) : null;
    if (img) { g.drawImage(img, dx, dy, dw, dh); return true; }
    var sh = atlas ? list[(i / perSheet) | 0] : null;
    if (sh && sh.state === 2) {
      var c = i % perSheet;
      var fw = ar >= 1 ? cell : Math.max(1, Math.round(cell * ar));
      var fh = ar >= 1 ? Math.max(1, Math.round(cell / ar)) : cell;
      // 1 px inset hides rounding differences against the fitted cell and JPEG bleed.
      var inset = fw > 6 && fh > 6 ? 1 : 0;
      var lv = sh.levels, lvl = level < lv.length ? level : lv.length - 1, f = 1 / (1 << lvl);
      g.drawImage(lv[lvl],
        ((c % perRow) * cell + ((cell - fw) >> 1) + inset) * f, (((c / perRow) | 0) * cell + ((cell - fh) >> 1) + inset) * f,
        (fw - 2 * inset) * f, (fh - 2 * inset) * f, dx, dy, dw, dh);
      return true;
    }
    g.fillStyle = colorStr[i];
    g.fillRect(dx, dy, dw, dh);
    return false;
  }

  sheets.pump = pump;
  sheets.scheduleLevelStep = scheduleLevelStep;
  sheets.drawThumb = drawThumb;
})(window.Lookalike);
