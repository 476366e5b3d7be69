/* Lookalike map explorer: groups.js (the Groups panel, the open group, the layer "group-rings").
 * Namespace window.Lookalike (`lk`); load order in render/index.py EXPLORER_SCRIPTS; see docs/explorer.md.
 *
 * Data: LOOKALIKE_POINTS.groups[facet] (data/groups.js): per level each row's group, and the list.
 * The panel lists the facet's broad groups (face, name, size; "not in a group" counted; an open one
 * shows its sub-groups under it), a click
 * opens one: state.group = {facet, id, level, rows} (its members), the view flies to the box of
 * their positions and the layer "group-rings" (order 210) rings those on screen like the search
 * rings. The URL keeps it: group=<facet>-<id>. Exports: lk.groups {open(facet, id, animate), close()}.
 */
(function (lk) {
  "use strict";
  if (!lk) return;
  var D = lk.data, N = D.N, state = lk.state, view = lk.view, doc = lk.dom.doc;
  var G = D.P.groups || {}, RING = "#ffd166";
  var btn = doc.getElementById("lk-groups-btn"), panel = doc.getElementById("lk-groups-panel");
  state.group = null;
  var api = lk.groups = { open: function () {}, close: function () {} };
  if (!btn || !panel || !Object.keys(G).some(function (f) { return G[f] && G[f].list && G[f].list.length; })) return;
  var shownFacet = null, listEl = null, headEl = null;

  function find(facet, id) {
    var g = G[facet];
    return g ? g.list.filter(function (x) { return x.id === id; })[0] || null : null;
  }
  function members(facet, grp) {
    var of = G[facet].levels[grp.level].of, rows = [];
    for (var i = 0; i < N && i < of.length; i++) if (of[i] === grp.id) rows.push(i);
    return Int32Array.from(rows);
  }
  /* The view that shows the members: the box of their positions (the middle 96 %, so that a
     stray member does not zoom the map out), with a margin. */
  function flyTo(rows, animate) {
    if (!rows.length) return;
    var xs = [], ys = [];
    for (var q = 0; q < rows.length; q++) { xs.push(state.pos[2 * rows[q]]); ys.push(state.pos[2 * rows[q] + 1]); }
    xs.sort(function (a, b) { return a - b; }); ys.sort(function (a, b) { return a - b; });
    var lo = Math.floor(rows.length * 0.02), hi = rows.length - 1 - lo;
    var x0 = xs[lo], x1 = xs[hi], y0 = ys[lo], y1 = ys[hi];
    var bw = Math.max(1e-3, x1 - x0) * state.fit, bh = Math.max(1e-3, y1 - y0) * state.fit;
    var free = freeArea();
    var k = Math.max(1, Math.min(view.maxZoom(), 0.7 * Math.min(free.w / bw, free.h / bh)));
    // The box's centre at the free area's centre (transformAt puts a point at the map's centre).
    var cx = (x0 + x1) / 2 - (free.x + free.w / 2 - state.w / 2) / (k * state.fit);
    var cy = (y0 + y1) / 2 - (free.y + free.h / 2 - state.h / 2) / (k * state.fit);
    lk.zoom.setTransform(lk.zoom.transformAt(cx, cy, k), animate);
  }
  /* The part of the map the open panel leaves free: right of it (beside the map's left edge),
     or above it (a phone's bottom sheet). */
  function freeArea() {
    var a = { x: 0, y: 0, w: state.w, h: state.h };
    if (panel.hidden || !panel.offsetWidth) return a;
    var left = panel.offsetLeft + panel.offsetWidth, top = panel.offsetTop;
    if (left < state.w * 0.5) { a.x = left; a.w = state.w - left; } else if (top > state.h * 0.3) a.h = top;
    return a;
  }
  function open(facet, id, animate, fly) {
    var grp = find(facet, id);
    if (!grp) return close();
    if (facet !== state.facet && D.facetNames.indexOf(facet) >= 0) lk.input.setFacet(facet, false);
    state.group = { facet: facet, id: id, level: grp.level, label: grp.label, rows: members(facet, grp) };
    if (fly !== false) flyTo(state.group.rows, animate);
    mark();
    lk.route.scheduleHash();
    view.requestFrame();
  }
  function close() {
    if (!state.group) return;
    state.group = null;
    mark();
    lk.route.scheduleHash();
    view.requestFrame();
  }

  /* ---------- the panel ---------- */
  function el(tag, cls, text) {
    var e = doc.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function fill() {
    if (shownFacet === state.facet && listEl) return;
    shownFacet = state.facet;
    panel.textContent = "";
    var g = G[state.facet], head = el("div", "lk-panel-head");
    head.appendChild(el("h2", "lk-panel-title", "Groups"));
    panel.appendChild(head);
    headEl = el("p", "lk-panel-status");
    panel.appendChild(headEl);
    listEl = el("ul", "lk-groups");
    panel.appendChild(listEl);
    if (!g) { headEl.textContent = "No groups in this arrangement."; return; }
    var broad = g.list.filter(function (x) { return x.level === 0; });
    headEl.textContent = broad.length + " groups" + (g.ungrouped ? " \u00b7 " + g.ungrouped.toLocaleString("en") +
      " images not in a group" : "") + (D.facetNames.length > 1 ? " (" + state.facet + ")" : "");
    broad.forEach(function (x) {
      var li = item(x), subs = g.list.filter(function (y) { return y.level > 0 && y.parent === x.id; });
      if (subs.length) {                            // its sub-groups, shown while it (or one of them) is open
        var ul = el("ul", "lk-subgroups");
        ul.hidden = true; ul.setAttribute("data-parent", x.id);
        subs.forEach(function (y) { ul.appendChild(item(y)); });
        li.appendChild(ul);
      }
      listEl.appendChild(li);
    });
    mark();
  }
  /* One group's line: a button (face, name, size) that opens it, and a link to its page. */
  function item(x) {
    var li = el("li"), b = el("button", "lk-group"), img = el("img"), name = el("bdi", "lk-group-name", x.label);
    b.type = "button"; b.setAttribute("data-group", x.id);
    b.setAttribute("aria-pressed", "false");
    img.src = D.thumbUrl(x.face); img.alt = ""; img.loading = "lazy"; img.width = 40; img.height = 40;
    b.appendChild(img); b.appendChild(name); b.appendChild(el("span", "lk-count", x.size.toLocaleString("en")));
    if (!x.named) b.classList.add("lk-group-unnamed");
    b.addEventListener("click", function () {
      if (state.group && state.group.facet === state.facet && state.group.id === x.id) close();
      else open(state.facet, x.id, true);
    });
    li.appendChild(b);
    if (x.page) {
      var a = el("a", "lk-group-page", "page");
      a.href = x.page; a.setAttribute("aria-label", "Page of the group " + x.label);
      li.appendChild(a);
    }
    return li;
  }
  function mark() {
    if (!listEl) return;
    var grp = state.group && state.group.facet === shownFacet ? find(shownFacet, state.group.id) : null;
    var top = grp ? (grp.level > 0 ? grp.parent : grp.id) : null;
    Array.prototype.forEach.call(listEl.querySelectorAll("button[data-group]"), function (b) {
      b.setAttribute("aria-pressed", String(!!grp && String(grp.id) === b.getAttribute("data-group")));
    });
    Array.prototype.forEach.call(listEl.querySelectorAll("ul[data-parent]"), function (ul) {
      ul.hidden = top === null || String(top) !== ul.getAttribute("data-parent");
    });
  }
  btn.addEventListener("click", fill);                // before the panel opens (panels.js listens after)
  var facets = doc.getElementById("lk-facets");
  if (facets) facets.addEventListener("click", function () { if (!panel.hidden) fill(); });

  /* ---------- the layer: the open group's members ringed ---------- */
  function drawRings(ctx, st, fr) {
    var grp = st.group;
    if (!grp || st.anim) return;
    var rows = grp.rows, sx = view.sx, sy = view.sy;
    if (fr.thumbs) {
      for (var q = 0; q < rows.length; q++) if (fr.mark[rows[q]]) lk.marks.outline(ctx, rows[q], fr.s, RING, 2, sx(rows[q]), sy(rows[q]));
      return;
    }
    ctx.beginPath();                                // one path: thousands of members cost one stroke
    for (var v = 0; v < rows.length; v++) {
      var i = rows[v];
      if (!fr.mark[i]) continue;
      var x = sx(i), y = sy(i);
      ctx.moveTo(x + 6, y); ctx.arc(x, y, 6, 0, 2 * Math.PI);
    }
    ctx.lineWidth = 2; ctx.strokeStyle = RING; ctx.stroke();
  }
  lk.layers.add({ name: "group-rings", order: 210, draw: drawRings });

  lk.route.addPart({
    key: "group",
    write: function () { return state.group ? state.group.facet + "-" + state.group.id : null; },
    read: function (value, animate) {
      var m = value ? /^(.+)-(\d+)$/.exec(value) : null;
      if (!m) { close(); return; }
      if (state.group && state.group.facet === m[1] && state.group.id === +m[2]) return;
      open(m[1], +m[2], animate);
    }
  });
  api.open = open; api.close = close;
  lk.panels.add(btn, panel);
})(window.Lookalike);
