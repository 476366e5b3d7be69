/* Lookalike map explorer: labels.js (the layer "labels": group names on the map).
 * Namespace window.Lookalike (`lk`); load order in render/index.py EXPLORER_SCRIPTS; see docs/explorer.md.
 *
 * Data: LOOKALIKE_POINTS.groups[facet] (data/groups.js, render/map_extras.py): each group's label,
 * level (0 broad, 1 sub-group), size and where its name sits (x, y in the facet's [0,1] map).
 * Placement is greedy: the broad groups first, then (zoomed in to SUB_K and beyond) the sub-groups;
 * named before unnamed, larger before smaller; a name is placed where its box overlaps no name
 * placed before it, nor the hovered image, nor the card (read after the card moves: card.update is
 * wrapped to ask for one more frame when its box changed). It is placed again only when the view,
 * the facet, the hovered image or the card changed; each frame draws the placed names with a dark halo.
 * Exports: lk.labels {placed: [{label, level, id, x, y, w, h}] (boxes in CSS px), card}; lk.stats.labelMs
 * (placement and drawing, ms a frame) and lk.stats.labels (the placed list) for tests and the bench.
 */
(function (lk) {
  "use strict";
  if (!lk) return;
  var D = lk.data, state = lk.state, view = lk.view, stats = lk.stats, doc = lk.dom.doc;
  var G = D.P.groups || {};
  if (!Object.keys(G).length) return;               // no groups (older sites, groups off): no layer
  var SUB_K = 2.5;                                  // sub-group names from this zoom on
  var FONTS = ["600 15px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
               "500 12.5px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"];
  var HEIGHT = [20, 17], PAD = 4, GAP = 6;        // GAP: free space kept between two names
  var labels = lk.labels = { placed: [], card: null };
  stats.labelMs = []; stats.labels = labels.placed;
  var order = {}, widths = new Map(), key = "";

  /* A facet's groups in placement order (once per facet). */
  function orderFor(facet) {
    if (order[facet]) return order[facet];
    var g = G[facet], list = g && Array.isArray(g.list) ? g.list.slice() : [];
    list.sort(function (a, b) {
      return a.level - b.level || (b.named - a.named) || b.size - a.size || a.id - b.id;
    });
    return (order[facet] = list);
  }
  function width(ctx, text, level) {
    var k = level + "\u0000" + text, w = widths.get(k);
    if (w == null) { ctx.font = FONTS[level]; w = ctx.measureText(text).width; widths.set(k, w); }
    return w;
  }
  function hit(a, b) { return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h; }

  function place(ctx, fr) {
    var list = orderFor(state.facet), placed = [], avoid = [];
    if (labels.card) avoid.push(labels.card);
    for (var c = 0; c < chrome.length; c++) {     // the toolbar and an open panel lie over the map too
      if (chrome[c] && !chrome[c].hidden && chrome[c].offsetWidth) avoid.push(boxOf(chrome[c], 2));
    }
    if (state.hover >= 0) {
      var s = fr.thumbs ? fr.s : 14, wh = view.rectSize(state.hover, s);
      avoid.push({ x: view.sx(state.hover) - wh[0] / 2 - 2, y: view.sy(state.hover) - wh[1] / 2 - 2, w: wh[0] + 4, h: wh[1] + 4 });
    }
    var sub = fr.k >= SUB_K, w = fr.w, h = fr.h;
    for (var q = 0; q < list.length; q++) {
      var g = list[q];
      if (g.level > 0 && !sub) break;              // sorted by level: no sub-groups far out
      var x = fr.tx + fr.tk * g.x, y = fr.ty + fr.tk * g.y;
      if (x < -40 || x > w + 40 || y < -20 || y > h + 20) continue;
      var lw = width(ctx, g.label, g.level ? 1 : 0) + 2 * PAD, lh = HEIGHT[g.level ? 1 : 0];
      var box = { x: x - lw / 2, y: y - lh / 2, w: lw, h: lh };
      if (box.x < 2 || box.y < 2 || box.x + lw > w - 2 || box.y + lh > h - 2) continue;
      var free = true, wide = { x: box.x - GAP, y: box.y - GAP, w: lw + 2 * GAP, h: lh + 2 * GAP };
      for (var a = 0; a < avoid.length && free; a++) free = !hit(box, avoid[a]);
      for (var p = 0; p < placed.length && free; p++) free = !hit(wide, placed[p]);
      if (!free) continue;
      box.label = g.label; box.level = g.level; box.id = g.id; box.named = g.named;
      placed.push(box);
    }
    return placed;
  }

  function draw(ctx, st, fr) {
    var t0 = performance.now();
    // Names sit where the facet's map puts a group: not on another arrangement (state.arr, #28's arrange.js)
    if (st.anim || !G[st.facet] || (st.arr && st.arr !== "map")) { labels.placed.length = 0; return; }
    var c = labels.card;
    var now = [fr.tx, fr.ty, fr.tk, fr.w, fr.h, st.facet, st.hover, c ? [c.x, c.y, c.w, c.h].join() : "",
               chrome.map(function (e) { return e && !e.hidden ? 1 : 0; }).join("")].join();
    if (now !== key) {
      key = now;
      labels.placed = stats.labels = place(ctx, fr);
    }
    var placed = labels.placed;
    ctx.textAlign = "center"; ctx.textBaseline = "middle"; ctx.lineJoin = "round";
    ctx.strokeStyle = "rgba(20,20,22,0.92)";
    for (var level = 0; level < 2; level++) {       // one font switch a level
      ctx.font = FONTS[level]; ctx.lineWidth = level ? 3.5 : 4.5;
      for (var q = 0; q < placed.length; q++) {
        var b = placed[q];
        if (b.level !== level) continue;
        var x = b.x + b.w / 2, y = b.y + b.h / 2;
        ctx.strokeText(b.label, x, y);
        ctx.fillStyle = b.named ? (level ? "#e8e3d8" : "#ffffff") : "#b9b3a7";
        ctx.fillText(b.label, x, y);
      }
    }
    view.record(stats.labelMs, performance.now() - t0);
  }

  /* An element's box on the canvas (CSS px), with a margin. */
  function boxOf(e, m) {
    var r = e.getBoundingClientRect(), o = canvas.getBoundingClientRect();
    return { x: r.left - o.left - m, y: r.top - o.top - m, w: r.width + 2 * m, h: r.height + 2 * m };
  }
  /* The card is moved after each draw (view.js frame()): when its box changed, place again. */
  var card = lk.card, update = card.update, cardEl = doc.getElementById("lk-card"), canvas = lk.dom.canvas;
  var chrome = [".lk-toolbar", ".lk-help", "#lk-groups-panel", "#lk-filter-panel"].map(function (q) { return lk.dom.map.querySelector(q); });
  card.update = function () {
    update();
    var box = cardEl && !cardEl.hidden ? boxOf(cardEl, 4) : null;
    var old = labels.card;
    if (!box !== !old || (box && (box.x !== old.x || box.y !== old.y || box.w !== old.w || box.h !== old.h))) {
      labels.card = box;
      view.requestFrame();
    }
  };

  lk.layers.add({ name: "labels", order: 250, draw: draw });
})(window.Lookalike);
