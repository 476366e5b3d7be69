/* Lookalike map explorer: sheets.js (atlas sheets, their levels, hires thumbs).
 * Namespace window.Lookalike (`lk`); load order in render/index.py EXPLORER_SCRIPTS; see docs/explorer.md.
 *
 * Exports: lk.sheets {levels, list, levelFor(px), pump(wanted, level),
 *   drawThumb(g, i, s, x, y, useHires, level); decoder ("fetch" | "img"); own mutable: loading, hires, fallbacks}.
 * levels[0] are the full sheets (cells of `cell` px), levels[1] and [2] the build's smaller
 * copies (atlas/2/, atlas/4/: render/atlas.py), each sheet loaded only when a frame needs it
 * at that level: far out the small ones, the full ones only once zoomed in.
 * When pixels arrive it marks lk.layer (layer.js) dirty and asks for a frame.
 */
(function (lk) {
  "use strict";
  if (!lk) return;
  var D = lk.data, doc = lk.dom.doc, atlas = D.atlas, aspect = D.aspect, colorStr = D.colorStr;
  var cell = D.cell, perRow = D.perRow, perSheet = D.perSheet, cellOf = D.cellOf;
  var requestFrame = lk.view.requestFrame;

  var MAX_CONCURRENT_SHEETS = 4;
  var HIRES_CACHE = 400;

  function entries(urls) { return urls.map(function (url) { return { url: url, state: 0, img: null }; }); }
  var levels = !atlas ? [] : [entries(atlas.sheets)].concat((atlas.levels || []).filter(function (l, n) {
    return l.divisor === 2 << n && l.sheets.length === atlas.sheets.length;  // 2, then 4: each halves the last
  }).map(function (l) { return entries(l.sheets); }));
  var sheets = lk.sheets = {
    levels: levels,
    list: levels[0] || [],          // the full sheets
    loading: 0,                     // sheets being fetched or decoded
    hires: new Map()                // row -> {img, ok}, least recently used first
  };

  /* New pixels: the cached thumbnail layer is out of date. */
  function repaint() { lk.layer.dirty = true; requestFrame(); }

  /* The level for thumbnails of px device pixels: the smallest cells still at least that big. */
  function levelFor(px) {
    var level = 0;
    while (level < levels.length - 1 && cell / (2 << level) >= px) level++;
    return level;
  }

  /* ---------- atlas sheets (lazy) ---------- */
  /* Over http(s) (GitHub Pages, a local server) a sheet's bytes are fetched and decoded by
     createImageBitmap(blob), which browsers do off the main thread. From file:// fetch is
     refused, and an <img> turned into a bitmap is decoded on the main thread (about 30 ms
     for a 2048 px sheet, a dropped frame while zooming); that path stays as the fallback. */
  var decodeOffThread = /^https?:$/.test(window.location.protocol) && !!window.fetch && !!window.createImageBitmap;
  sheets.decoder = decodeOffThread ? "fetch" : "img";
  sheets.fallbacks = 0;             // fetched sheets that went on by <img> (a failed fetch or decode)

  function loadByImage(url, whenDone) {
    var img = new Image(), called = false;
    img.decoding = "async";
    function done(result) { if (!called) { called = true; whenDone(result); } }  // onerror and decode() both may say so
    function loaded() {
      // An ImageBitmap is decoded once, up front, instead of on every draw.
      if (window.createImageBitmap) createImageBitmap(img).then(done, function () { done(img); });
      else done(img);
    }
    img.onerror = function () { done(null); };
    img.src = url;
    if (img.decode) img.decode().then(loaded, function () { if (img.complete && img.naturalWidth) loaded(); else done(null); });
    else img.onload = loaded;
  }
  function loadByFetch(url, done) {
    fetch(url).then(function (r) {
      if (!r.ok) throw new Error(r.status + " " + url);
      return r.blob();
    }).then(function (b) { return createImageBitmap(b); })
      .then(done, function () { sheets.fallbacks++; loadByImage(url, done); });  // the <img> path decides
  }
  function loadSheet(sh) {
    sh.state = 1; sheets.loading++;
    (decodeOffThread ? loadByFetch : loadByImage)(sh.url, function (img) {
      sheets.loading--;
      sh.state = img ? 2 : 3;
      sh.img = img;
      repaint();
    });
  }
  /* Start loads at `level`, most wanted first; wanted[s] = visible images that need sheet s. */
  function pump(wanted, level) {
    var list = levels[level] || sheets.list;
    while (sheets.loading < MAX_CONCURRENT_SHEETS) {
      var best = -1;
      for (var s = 0; s < list.length; s++) {
        if (list[s].state === 0 && wanted[s] > 0 && (best < 0 || wanted[s] > wanted[best])) best = s;
      }
      if (best < 0) return;
      loadSheet(list[best]);
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
    // The sheet at this level, else another level already loaded: larger cells first (sharper).
    var ci = cellOf[i], si = (ci / perSheet) | 0, sh = null, lvl = 0, L;
    if (ci >= 0) {
      for (L = Math.min(level, levels.length - 1); L >= 0 && !sh; L--) if (levels[L][si].state === 2) { sh = levels[L][si]; lvl = L; }
      for (L = level + 1; L < levels.length && !sh; L++) if (levels[L][si].state === 2) { sh = levels[L][si]; lvl = L; }
    }
    if (sh) {
      var c = ci % perSheet;
      var fw = ar >= 1 ? cell : Math.max(1, Math.round(cell * ar));
      var fh = ar >= 1 ? Math.max(1, Math.round(cell / ar)) : cell;
      // 1 px inset hides rounding differences against the fitted cell and JPEG bleed.
      var inset = fw > 6 && fh > 6 ? 1 : 0, f = 1 / (1 << lvl);
      g.drawImage(sh.img,
        ((c % perRow) * cell + ((cell - fw) >> 1) + inset) * f, (((c / perRow) | 0) * cell + ((cell - fh) >> 1) + inset) * f,
        (fw - 2 * inset) * f, (fh - 2 * inset) * f, dx, dy, dw, dh);
      return true;
    }
    g.fillStyle = colorStr[i];
    g.fillRect(dx, dy, dw, dh);
    return false;
  }

  sheets.pump = pump;
  sheets.levelFor = levelFor;
  sheets.drawThumb = drawThumb;
})(window.Lookalike);
