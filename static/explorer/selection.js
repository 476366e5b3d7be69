/* Lookalike map explorer: selection.js (the kept selection: its layer, its panel, its link).
 * Namespace window.Lookalike (`lk`); load order in render/index.py EXPLORER_SCRIPTS; see docs/explorer.md.
 *
 * state.sel is {rows: Int32Array ascending, mask: Uint8Array(N), code: its hash part once written}
 * or null. The lasso mode (lasso.js) and "Select found" (the search results, state.matches; else
 * the open group's members, state.group.rows; else the rows the filters keep, state.mask: groups.js
 * and filters.js of #27) fill it. The layer "selection" (order 250) outlines the selected images on
 * screen and draws the lasso being drawn. The panel #lk-sel shows the count and the first
 * thumbnails; its buttons export CSV and JSON (selexport.js), open selection.html (the list page,
 * which reads the same hash part) and copy the link. The hash part "sel" is the rows, ascending, as
 * gaps in LEB128 varints, base64url: 1,699 characters for 1,000 random rows of 100,000.
 * Exports: lk.selection {set(rows, opts), clear(), rows(), encode(rows), decode(text), matching()}.
 */
(function (lk) {
  "use strict";
  if (!lk) return;
  var state = lk.state, view = lk.view, D = lk.data, N = D.N, doc = lk.dom.doc;
  var sx = view.sx, sy = view.sy;
  var SEL = "#8be07a";              // selected images (search rings are blue, the focus gold)
  var SHOWN = 24;                   // thumbnails in the panel
  var panel = doc.getElementById("lk-sel");
  function $(id) { return doc.getElementById(id); }

  /* ---------- the link: rows as delta varints, base64url ---------- */
  function encode(rows) {
    var bytes = [], prev = -1;
    for (var q = 0; q < rows.length; q++) {
      var d = rows[q] - prev - 1; prev = rows[q];
      while (d >= 128) { bytes.push((d & 127) | 128); d = Math.floor(d / 128); }
      bytes.push(d);
    }
    var bin = "";
    for (var b = 0; b < bytes.length; b += 8192) bin += String.fromCharCode.apply(null, bytes.slice(b, b + 8192));
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function decode(text) {
    var bin;
    try { bin = atob(String(text).replace(/-/g, "+").replace(/_/g, "/")); } catch (e) { return []; }
    var out = [], prev = -1, d = 0, mul = 1;
    for (var q = 0; q < bin.length; q++) {
      var c = bin.charCodeAt(q);
      d += (c & 127) * mul; mul *= 128;
      if (c < 128) { prev += d + 1; if (prev >= N) break; out.push(prev); d = 0; mul = 1; }
    }
    return out;
  }

  /* ---------- the selection ---------- */
  function set(rows, opts) {
    var mask = new Uint8Array(N), list = [];
    for (var q = 0; q < rows.length; q++) { var r = rows[q]; if (r >= 0 && r < N && !mask[r]) { mask[r] = 1; list.push(r); } }
    list.sort(function (a, b) { return a - b; });
    state.sel = list.length ? { rows: Int32Array.from(list), mask: mask } : null;
    showPanel();
    if (opts && opts.announce) say(list.length ? count(list.length) + " selected" : "Selection cleared");
    if (!(opts && opts.fromHash)) lk.route.scheduleHash();
    view.requestFrame();
  }
  function clear() { set([], { announce: true }); }
  function rows() { return state.sel ? Array.prototype.slice.call(state.sel.rows) : []; }
  function count(n) { return n + (n === 1 ? " image" : " images"); }
  function say(t) { var live = $("lk-live"); if (live) live.textContent = t; }
  /* What "Select found" takes: the search results, else the open group's members (groups.js:
     state.group.rows), else the rows the filters keep (filters.js: state.mask, 1 = matches). */
  function source() {
    if (state.matches && state.matches.length) return "found";
    if (state.group && state.group.rows && state.group.rows.length) return "group";
    return state.mask && state.mask.length === N ? "filtered" : "";
  }
  function matching() {
    var kind = source(), out = [];
    if (kind === "found") return Array.prototype.slice.call(state.matches);
    if (kind === "group") return Array.prototype.slice.call(state.group.rows);
    if (kind === "filtered") for (var i = 0; i < N; i++) if (state.mask[i]) out.push(i);
    return out;
  }

  /* ---------- the panel ---------- */
  function showPanel() {
    if (!panel) return;
    var sel = state.sel, list = $("lk-sel-thumbs");
    panel.hidden = !sel;
    if (!sel) return;
    $("lk-sel-count").textContent = count(sel.rows.length) + " selected" +
      (sel.rows.length > SHOWN ? " (the first " + SHOWN + " shown)" : "");
    while (list.firstChild) list.removeChild(list.firstChild);
    for (var q = 0; q < Math.min(SHOWN, sel.rows.length); q++) {
      var i = sel.rows[q], li = doc.createElement("li"), a = doc.createElement("a"), img = doc.createElement("img");
      a.href = D.pageUrl(i); img.src = D.thumbUrl(i); img.alt = D.titleOf(i); img.loading = "lazy";
      var wh = view.rectSize(i, 56); img.width = Math.round(wh[0]); img.height = Math.round(wh[1]);
      a.appendChild(img); li.appendChild(a); list.appendChild(li);
    }
    var link = $("lk-sel-list");
    if (sel.code == null) sel.code = encode(sel.rows);
    if (link) link.href = (link.getAttribute("data-base") || "selection.html") + "#sel=" + sel.code;
  }
  function on(id, fn) { var b = $(id); if (b) b.addEventListener("click", fn); }
  on("lk-sel-clear", clear);
  on("lk-sel-csv", function () { if (state.sel && lk.selexport) lk.selexport.download(rows(), "csv"); });
  on("lk-sel-json", function () { if (state.sel && lk.selexport) lk.selexport.download(rows(), "json"); });
  on("lk-sel-share", function () {
    lk.route.writeHash();
    var url = location.href;
    var done = function () { say("Link copied: it opens the map with these " + count(rows().length) + " selected"); };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(url).then(done, function () { say("The address bar holds the link"); });
    else say("The address bar holds the link");
  });
  var found = $("lk-sel-match");
  on("lk-sel-match", function () { set(matching(), { announce: true }); });
  function updateFound() {
    if (!found) return;
    var n = matching().length;
    found.hidden = !n;
    found.textContent = "Select " + source() + " (" + n + ")";
  }
  var matches = lk.matches;
  if (matches) lk.matches = function (list) { matches(list); updateFound(); };
  /* The group and filter panels change state without telling this part: a frame that sees another
     source than the last updates the button after itself (draw only reads; the DOM waits). */
  var seen = [null, null, -1];
  function watch(st) {
    if (st.matches === seen[0] && st.group === seen[1] && st.maskVersion === seen[2]) return;
    seen = [st.matches, st.group, st.maskVersion];
    setTimeout(updateFound, 0);
  }
  lk.selection = { set: set, clear: clear, rows: rows, encode: encode, decode: decode, matching: matching,
                   updateFound: updateFound };

  /* ---------- the layer: outlines, and the lasso being drawn ---------- */
  function draw(ctx, st, fr) {
    watch(st);
    var sel = st.sel;
    if (sel) {
      var r = sel.rows, mark = fr.mark;
      ctx.beginPath();
      for (var q = 0; q < r.length; q++) {
        var i = r[q];
        if (!mark[i]) continue;
        if (fr.thumbs) { var wh = view.rectSize(i, fr.s); ctx.rect(sx(i) - wh[0] / 2 - 2, sy(i) - wh[1] / 2 - 2, wh[0] + 4, wh[1] + 4); }
        else ctx.rect(sx(i) - 4, sy(i) - 4, 8, 8);
      }
      ctx.lineWidth = 2; ctx.strokeStyle = SEL; ctx.stroke();
    }
    var l = st.lasso;
    if (l && l.pts.length >= 4) {
      var p = l.pts;
      ctx.beginPath();
      if (l.rect) ctx.rect(p[0], p[1], p[p.length - 2] - p[0], p[p.length - 1] - p[1]);
      else { ctx.moveTo(p[0], p[1]); for (var k = 2; k < p.length; k += 2) ctx.lineTo(p[k], p[k + 1]); ctx.closePath(); }
      ctx.fillStyle = "rgba(139,224,122,0.12)"; ctx.fill();
      ctx.setLineDash([6, 4]); ctx.lineWidth = 1.5; ctx.strokeStyle = SEL; ctx.stroke(); ctx.setLineDash([]);
    }
  }
  lk.layers.add({ name: "selection", order: 250, draw: draw });

  lk.route.addPart({
    key: "sel",
    write: function () {             // encoded once per selection (every pan's hash write asks again)
      if (state.sel && state.sel.code == null) state.sel.code = encode(state.sel.rows);
      return state.sel ? state.sel.code : null;
    },
    read: function (v) { set(v ? decode(v) : [], { fromHash: true }); }
  });
})(window.Lookalike);
