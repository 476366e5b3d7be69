/* Lookalike map explorer: view.js (state, geometry, hit testing, frames).
 * Namespace window.Lookalike (`lk`), created by data.js; load order in render/index.py EXPLORER_SCRIPTS;
 * see docs/explorer.md.
 *
 * Exports: lk.state (all view/interaction state; handlers write it, draw() reads it),
 *   lk.stats (read-only figures for tests and the bench),
 *   lk.view {BG, BG_RGB, THUMB_MIN, HIT_MOUSE, HIT_TOUCH, record, baseSize, maxThumb, thumbSize,
 *   maxZoom, sx, sy, worldX, worldY, rectSize, focusIndex, xyFor, delaunayFor, hitTest,
 *   nearestToCentre, requestFrame; own mutable: lastFound, frameRequested}.
 * frame() steps state.anim, then calls lk.draw and lk.card.update (later parts).
 */
(function (lk) {
  "use strict";
  if (!lk) return;
  var D = lk.data, N = D.N, aspect = D.aspect, P = D.P;

  var BG = "#141416";               // the map's ground
  var BG_RGB = BG.match(/[0-9a-f]{2}/gi).map(function (h) { return parseInt(h, 16); });  // its bytes: the dots
  var THUMB_MIN = 16;               // below this drawn size (CSS px) images are dots
  var HIT_MOUSE = 6;                // px around a dot that still counts as "on it"
  var HIT_TOUCH = 22;

  var state = lk.state = {
    w: 0, h: 0, dpr: 1,
    fit: 1, ox: 0, oy: 0,           // world [0,1] -> base px (k = 1 shows the whole map)
    t: lk.d3.zoomIdentity,
    facet: D.defaultFacet,
    pos: new Float64Array(P.facets[D.defaultFacet].xy),   // current world positions (animated)
    hover: -1,
    selected: -1,
    matches: null,                  // Int32Array of images found by search (lk.matches), or null
    pointer: null,                  // {x, y} CSS px inside the canvas, mouse/pen only
    pointerDown: false,
    pointerType: "mouse",           // of the last pointer event (touch taps select first)
    hoverStale: false,
    cardDirty: true,
    anim: null,                     // {step(now)} while the points move (input.js setFacet), else null
    moving: false,                  // pan/zoom under way (settles SETTLE_MS after the last)
    keyboard: false,
    arr: "map",                     // the arrangement shown (arrange.js): "map", "grid", "timeline", "groups"
    cell: 0.8 / Math.sqrt(N),       // nominal drawn size in world units (arrange.js: the arrangement's cell)
    sel: null,                      // the kept selection (selection.js): {rows: Int32Array sorted, mask: Uint8Array}
    lasso: null                     // the lasso or rectangle being drawn (lasso.js): {rect, pts: [x, y, ...] CSS px}
  };
  var view = lk.view = {
    lastFound: 0,                   // last hit: where the next Delaunay search starts
    frameRequested: false
  };

  lk.stats = { firstDrawMs: null, draws: 0, drawMs: [], hoverMs: [], mode: "", visible: 0, layer: "" };
  function record(list, v) { list.push(v); if (list.length > 2000) list.shift(); }

  /* ---------- geometry ---------- */
  function baseSize() {
    // Nominal drawn size at k = 1: about the mean spacing of the points (state.cell: an arrangement's cell).
    return Math.min(110, state.fit * state.cell);
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
  function focusIndex() { return state.hover >= 0 ? state.hover : state.selected; }

  /* ---------- hit testing ---------- */
  var delaunays = {};               // per facet and arrangement, built once from a flat Float64Array
  /* Facet f's positions in the arrangement shown (arrange.js, a later part: its grid, timeline...). */
  function xyFor(f) { return (lk.arrange && lk.arrange.xyFor(f)) || P.facets[f].xy; }
  function delaunayFor(f) {
    var key = f + "\n" + state.arr;
    if (!delaunays[key]) {
      var xy = Float64Array.from(xyFor(f));
      // An arrangement is a lattice, many points on one circle: Delaunator took 8 s for a 100,000-image
      // timeline, 0.45 s once each point moves by up to 5e-8 (a thousandth of a pixel on screen).
      if (state.arr !== "map") {
        for (var q = 0, s = 1; q < xy.length; q++) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; xy[q] += 1e-7 * (s / 4294967296 - 0.5); }
      }
      delaunays[key] = new lk.d3.Delaunay(xy);
    }
    return delaunays[key];
  }
  delaunayFor(state.facet);
  function contains(i, x, y, s, pad) {
    var wh = rectSize(i, s);
    return Math.abs(x - sx(i)) <= wh[0] / 2 + pad && Math.abs(y - sy(i)) <= wh[1] / 2 + pad;
  }
  /* find() always returns some point, so check the screen distance (or the
     drawn thumbnail) before calling it a hit. */
  function hitTest(x, y, radius) {
    if (state.anim) return -1;
    var delaunay = delaunayFor(state.facet);
    var i = delaunay.find(worldX(x), worldY(y), view.lastFound);
    if (i < 0 || i == null) return -1;
    view.lastFound = i;
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
  function nearestToCentre() {
    var i = delaunayFor(state.facet).find(worldX(state.w / 2), worldY(state.h / 2), view.lastFound);
    return i == null ? 0 : i;
  }

  /* ---------- frame scheduling ---------- */
  function requestFrame() {
    if (!view.frameRequested) { view.frameRequested = true; requestAnimationFrame(frame); }
  }
  function frame(now) {
    view.frameRequested = false;
    if (state.anim) {               // an animation (the facet switch) moves the points first
      state.anim.step(now);
      if (state.anim) requestFrame();
    }
    if (state.hoverStale) {
      state.hoverStale = false;
      var hv = state.pointer && !state.pointerDown ? hitTest(state.pointer.x, state.pointer.y, HIT_MOUSE) : -1;
      if (hv !== state.hover) { state.hover = hv; state.cardDirty = true; }
    }
    lk.draw();
    if (state.cardDirty) { state.cardDirty = false; lk.card.update(); }
  }

  view.BG = BG; view.BG_RGB = BG_RGB; view.THUMB_MIN = THUMB_MIN; view.HIT_MOUSE = HIT_MOUSE; view.HIT_TOUCH = HIT_TOUCH;
  view.record = record;
  view.baseSize = baseSize; view.maxThumb = maxThumb; view.thumbSize = thumbSize; view.maxZoom = maxZoom;
  view.sx = sx; view.sy = sy; view.worldX = worldX; view.worldY = worldY; view.rectSize = rectSize;
  view.focusIndex = focusIndex;
  view.delaunayFor = delaunayFor; view.xyFor = xyFor; view.hitTest = hitTest; view.nearestToCentre = nearestToCentre;
  view.requestFrame = requestFrame;
})(window.Lookalike);
