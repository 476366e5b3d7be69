/* Lookalike map explorer: data.js (checks, data, colours).
 *
 * The explorer is a few classic scripts (not ES modules, so file:// works),
 * loaded in the order of render/index.py EXPLORER_SCRIPTS and sharing one namespace object,
 * window.Lookalike, called `lk` inside every part (docs/explorer.md).
 * One canvas, one draw() that paints everything from `lk.state`; event handlers
 * only change state and ask for a frame. d3-zoom owns pan/zoom, d3-delaunay
 * answers "which image is under the pointer". Data comes from
 * window.LOOKALIKE_POINTS (data/points.js, a <script>, so file:// works).
 * Titles are data: they only ever reach the DOM through textContent / alt.
 *
 * This part publishes window.Lookalike only when the page has what the map
 * needs; otherwise it calls fail() and every later part, finding no namespace,
 * does nothing.
 * Exports (read-only): lk.fail(reason), lk.d3, lk.dom {doc, root, map, canvas, ctx},
 *   lk.data {P, N, ids, titles, aspect, idIndex, facetNames, defaultFacet, atlas,
 *   cell, perRow, perSheet, cellOf, colorStr, dotRGB,
 *   pageUrl(i), thumbUrl(i), titleOf(i)}.
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

  var N = P.count | 0;
  /* Neighbour lists come in parts (data/points-<facet>-<i>.js, render/data.py: no file over
     Pages' 50 MB); rows of a part that failed to load have no neighbours, the map still works. */
  Object.keys(P.facets).forEach(function (f) {
    var fac = P.facets[f], parts = fac && fac.parts;
    if (!parts) return;
    var nb = new Array(N), sim = new Array(N);
    parts.forEach(function (p) {
      for (var r = 0; r < p.neighbours.length && p.start + r < N; r++) {
        nb[p.start + r] = p.neighbours[r]; sim[p.start + r] = p.similarity[r];
      }
    });
    fac.neighbours = nb; fac.similarity = sim; delete fac.parts;
  });
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
  // {shard} is the id's first two characters: pages and thumbnails live in 256 folders
  // (render/urls.py), so that no folder of a 100,000-image site holds more than 3,000 files.
  function fill(tpl, i) { return tpl.replace("{shard}", ids[i].slice(0, 2)).replace("{id}", ids[i]); }
  function pageUrl(i) { return fill(pageTpl, i); }
  function thumbUrl(i) { return fill(thumbTpl, i); }
  function titleOf(i) { return titles[i] != null && titles[i] !== "" ? String(titles[i]) : ids[i]; }

  var atlas = P.atlas || null;
  var cell = atlas ? atlas.cell : 0, perRow = atlas ? atlas.per_row : 0, perSheet = atlas ? atlas.per_sheet : 0;
  /* Each image's atlas cell: the row itself, unless the build kept cells from an earlier one
     (atlas.cells, render/atlas.py place_cells: a grown collection remakes few sheets). */
  var cellOf = new Int32Array(N);
  (function () {
    var cells = atlas && Array.isArray(atlas.cells) && atlas.cells.length === N ? atlas.cells : null;
    var nCells = atlas && Array.isArray(atlas.sheets) ? atlas.sheets.length * perSheet : 0;
    for (var i = 0; i < N; i++) {
      var c = cells ? cells[i] : i;
      cellOf[i] = c >= 0 && c < nCells && c === (c | 0) ? c : -1;  // -1: no cell, the mean colour stands in
    }
  })();

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

  /* Each image's dot colour: its mean colour lifted off the dark ground and rounded to one of
     512 shades (a dot is a few pixels: the shade reads, the exact colour does not). Both dot
     renderers (draw.js pixels, gl.js WebGL2) paint these. */
  var dotRGB = new Uint8Array(3 * N);
  for (var i = 0; i < N; i++) {
    for (var c = 0; c < 3; c++) dotRGB[3 * i + c] = (Math.max(rgb[3 * i + c], 40) >> 5) * 32 + 16;
  }

  window.Lookalike = {
    fail: fail,
    d3: d3,
    dom: { doc: doc, root: root, map: mapEl, canvas: canvas, ctx: ctx },
    data: {
      P: P, N: N, ids: ids, titles: titles, aspect: aspect, idIndex: idIndex,
      facetNames: facetNames, defaultFacet: defaultFacet,
      atlas: atlas, cell: cell, perRow: perRow, perSheet: perSheet, cellOf: cellOf,
      colorStr: colorStr, dotRGB: dotRGB,
      pageUrl: pageUrl, thumbUrl: thumbUrl, titleOf: titleOf
    }
  };
})();
