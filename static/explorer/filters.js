/* Lookalike map explorer: filters.js (the facet filters: the panel, the mask, the layer "dim").
 * Namespace window.Lookalike (`lk`); load order in render/index.py EXPLORER_SCRIPTS; see docs/explorer.md.
 *
 * Data: LOOKALIKE_POINTS.filters (data/filters.js, render/map_extras.py): columns of kind "values"
 * (values, and per value its ascending rows: an inverted list) or "years" (first / last year per row).
 * A visitor ticks values and sets a year range; AND across columns, OR within one. The result is
 * state.mask (Uint8Array, 1 = matches, null = no filter) with state.maskCount and state.maskVersion
 * (one more at each change); draw.js and gl.js dim the dots outside it, the layer "dim" (order 150)
 * the thumbnails. The counts beside each value are of the images the other columns let through.
 * The URL keeps the choice: f=<column>~<value>.<value>!<column>~<from>_<to> (indices into the data).
 * Exports: lk.filters {accepts(id), active(), set(choice), choice(); own mutable: chosen, years}.
 * A change fires "lookalike:filters" on document (static/search.js narrows its results then).
 */
(function (lk) {
  "use strict";
  if (!lk) return;
  var state = lk.state, view = lk.view, D = lk.data, N = D.N, doc = lk.dom.doc;
  var F = D.P.filters, cols = F && Array.isArray(F.columns) ? F.columns : [];
  var btn = doc.getElementById("lk-filter-btn"), panel = doc.getElementById("lk-filter-panel");
  state.mask = null; state.maskCount = N; state.maskVersion = 0;
  lk.stats.filterMs = [];                           // the mask, the counts and the list at each change
  var api = lk.filters = { chosen: {}, years: {}, accepts: function () { return true; },
                           active: function () { return false; } };
  if (!cols.length || !btn || !panel) return;

  var sat = new Uint8Array(N), mask = new Uint8Array(N), DIM = "rgba(20,20,22,0.82)";
  var counts = [];                                  // per column: the count spans of its values
  var status = null, yearInputs = {};

  function yearOk(c, r, range) {
    var a = c.first[r], b = c.last[r];
    return a != null && (range[1] == null || a <= range[1]) && (range[0] == null || b >= range[0]);
  }
  function activeCols() {
    return cols.map(function (c, ci) { return ci; }).filter(function (ci) {
      return cols[ci].kind === "years" ? !!api.years[ci] : !!(api.chosen[ci] && api.chosen[ci].length);
    });
  }
  /* sat[r]: how many active columns row r satisfies; it matches when it satisfies them all. */
  function compute() {
    var act = activeCols(), A = act.length;
    sat.fill(0);
    act.forEach(function (ci) {
      var c = cols[ci];
      if (c.kind === "years") { for (var r = 0; r < N; r++) if (yearOk(c, r, api.years[ci])) sat[r]++; return; }
      api.chosen[ci].forEach(function (v) { var rows = c.rows[v]; for (var q = 0; q < rows.length; q++) sat[rows[q]]++; });
    });
    var n = 0;
    for (var r = 0; r < N; r++) { mask[r] = sat[r] === A ? 1 : 0; n += mask[r]; }
    state.mask = A ? mask : null;
    state.maskCount = A ? n : N;
    state.maskVersion++;
    // Each value's count: rows that have it and pass every other column (its own choice left out).
    cols.forEach(function (c, ci) {
      if (c.kind !== "values") return;
      var own = act.indexOf(ci) >= 0, need = A - (own ? 1 : 0), picked = own ? api.chosen[ci] : [];
      c.rows.forEach(function (rows, v) {
        var minus = picked.indexOf(v) >= 0 ? 1 : 0, k = 0;
        for (var q = 0; q < rows.length; q++) if (sat[rows[q]] - minus >= need) k++;
        var span = counts[ci][v], text = String(k);
        if (span.textContent !== text) {         // the DOM only where a count changed
          span.textContent = text;
          if ((k === 0) !== span.parentNode.classList.contains("lk-zero")) span.parentNode.classList.toggle("lk-zero", k === 0);
        }
      });
    });
    status.textContent = A ? state.maskCount.toLocaleString("en") + " of " + N.toLocaleString("en") + " images match"
                           : N.toLocaleString("en") + " images; tick values to light up the ones that have them";
    btn.textContent = A ? "Filters (" + A + ")" : "Filters";
  }

  /* The "All images" list (#lk-grid, this page's part of it): items outside the filter hidden. */
  var grid = null, note = null;
  function narrowList() {
    if (!grid) {
      grid = Array.prototype.map.call(doc.querySelectorAll("#lk-grid .lk-grid > li"), function (li) {
        var img = li.querySelector("img"), m = img && /([0-9a-f]{12})\.\w+$/.exec(img.getAttribute("src") || "");
        return { li: li, id: m ? m[1] : "" };
      });
      var heading = doc.querySelector("#lk-grid .lk-grid-heading");
      if (heading) { note = el("p", "lk-grid-note"); note.hidden = true; heading.parentNode.insertBefore(note, heading.nextSibling); }
    }
    var shown = 0;
    grid.forEach(function (g) { var ok = api.accepts(g.id); g.li.hidden = !ok; shown += ok ? 1 : 0; });
    if (note) {
      note.hidden = !state.mask;
      note.textContent = state.mask ? "Filtered: " + shown + " of the " + grid.length + " images listed here match (" +
        state.maskCount.toLocaleString("en") + " in all)." : "";
    }
  }

  function changed() {
    var t0 = performance.now();
    compute();
    narrowList();
    view.record(lk.stats.filterMs, performance.now() - t0);
    view.requestFrame();
    lk.route.scheduleHash();
    doc.dispatchEvent(new CustomEvent("lookalike:filters"));
  }

  /* ---------- the panel ---------- */
  function el(tag, cls, text) {
    var e = doc.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function build() {
    var head = el("div", "lk-panel-head");
    head.appendChild(el("h2", "lk-panel-title", "Filters"));
    var clear = el("button", "lk-btn lk-btn-text lk-panel-clear", "Clear");
    clear.type = "button";
    clear.addEventListener("click", function () { set({}); });
    head.appendChild(clear);
    panel.appendChild(head);
    status = el("p", "lk-panel-status");
    status.setAttribute("aria-live", "polite");
    panel.appendChild(status);
    cols.forEach(function (c, ci) {
      var fs = el("fieldset", "lk-filter"), legend = el("legend", "", c.label);
      fs.appendChild(legend);
      counts[ci] = [];
      if (c.kind === "years") { years(fs, c, ci); panel.appendChild(fs); return; }
      c.values.forEach(function (v, vi) {
        var label = el("label", "lk-filter-value"), box = el("input"), name = el("bdi", "", v), n = el("span", "lk-count");
        box.type = "checkbox"; box.setAttribute("data-col", ci); box.setAttribute("data-value", vi);
        box.addEventListener("change", function () {
          var list = api.chosen[ci] || (api.chosen[ci] = []), at = list.indexOf(vi);
          if (box.checked && at < 0) list.push(vi);
          if (!box.checked && at >= 0) list.splice(at, 1);
          changed();
        });
        label.appendChild(box); label.appendChild(name); label.appendChild(n);
        counts[ci][vi] = n;
        fs.appendChild(label);
      });
      panel.appendChild(fs);
    });
  }
  function years(fs, c, ci) {
    var lo = Infinity, hi = -Infinity, undated = 0;
    for (var r = 0; r < N; r++) {
      if (c.first[r] == null) { undated++; continue; }
      if (c.first[r] < lo) lo = c.first[r];
      if (c.last[r] > hi) hi = c.last[r];
    }
    var row = el("div", "lk-years"), inputs = [];
    ["From", "To"].forEach(function (word, side) {
      var label = el("label", "lk-year", word + " "), input = el("input");
      input.type = "number"; input.step = "1"; input.inputMode = "numeric";
      if (isFinite(lo)) { input.min = String(lo); input.max = String(hi); input.placeholder = String(side ? hi : lo); }
      input.setAttribute("data-col", ci); input.setAttribute("data-side", side);
      input.addEventListener("change", function () { readYears(ci); });
      label.appendChild(input); row.appendChild(label); inputs.push(input);
    });
    yearInputs[ci] = inputs;
    fs.appendChild(row);
    if (undated) fs.appendChild(el("p", "lk-panel-note", undated.toLocaleString("en") + " undated: left out when a range is set"));
  }
  function readYears(ci) {
    var v = yearInputs[ci].map(function (i) { var n = parseInt(i.value, 10); return isFinite(n) ? n : null; });
    api.years[ci] = v[0] == null && v[1] == null ? null : v;
    changed();
  }

  /* Set the whole choice ({chosen: {col: [values]}, years: {col: [from, to]}}) and show it. */
  function set(choice) {
    api.chosen = {}; api.years = {};
    Object.keys(choice.chosen || {}).forEach(function (ci) {
      var c = cols[ci];
      if (!c || c.kind !== "values") return;
      api.chosen[ci] = choice.chosen[ci].filter(function (v) { return v >= 0 && v < c.values.length; });
    });
    Object.keys(choice.years || {}).forEach(function (ci) { if (cols[ci] && cols[ci].kind === "years") api.years[ci] = choice.years[ci]; });
    Array.prototype.forEach.call(panel.querySelectorAll("input[type=checkbox]"), function (b) {
      var list = api.chosen[b.getAttribute("data-col")] || [];
      b.checked = list.indexOf(+b.getAttribute("data-value")) >= 0;
    });
    Object.keys(yearInputs).forEach(function (ci) {
      var v = api.years[ci] || [null, null];
      yearInputs[ci].forEach(function (i, side) { i.value = v[side] == null ? "" : String(v[side]); });
    });
    changed();
  }

  /* ---------- the URL: f=0~1.3!4~1890_1910 ---------- */
  function write() {
    return activeCols().map(function (ci) {
      if (cols[ci].kind === "years") {
        var y = api.years[ci];
        return ci + "~" + (y[0] == null ? "" : y[0]) + "_" + (y[1] == null ? "" : y[1]);
      }
      return ci + "~" + api.chosen[ci].slice().sort(function (a, b) { return a - b; }).join(".");
    }).join("!") || null;
  }
  function read(value) {
    var choice = { chosen: {}, years: {} };
    (value || "").split("!").forEach(function (tok) {
      var m = /^(\d+)~(.*)$/.exec(tok), c = m && cols[+m[1]];
      if (!c) return;
      if (c.kind === "years") {
        var y = m[2].split("_").map(function (s) { var n = parseInt(s, 10); return isFinite(n) ? n : null; });
        if (y.length === 2 && (y[0] != null || y[1] != null)) choice.years[m[1]] = y;
      } else {
        choice.chosen[m[1]] = m[2].split(".").map(Number).filter(function (v) { return v === (v | 0); });
      }
    });
    if (value || activeCols().length) set(choice);
  }

  /* ---------- the layer "dim": thumbnails outside the filter under a veil ---------- */
  function drawDim(ctx, st, fr) {
    var m = st.mask;
    if (!m || !fr.thumbs) return;             // dots are dimmed by draw.js / gl.js themselves
    var sx = view.sx, sy = view.sy, s = fr.s;
    ctx.beginPath();
    for (var v = 0; v < fr.n; v++) {
      var i = fr.idx[v];
      if (m[i]) continue;
      var wh = view.rectSize(i, s);
      ctx.rect(sx(i) - wh[0] / 2 - 0.5, sy(i) - wh[1] / 2 - 0.5, wh[0] + 1, wh[1] + 1);
    }
    ctx.fillStyle = DIM; ctx.fill();
  }
  lk.layers.add({ name: "dim", order: 150, draw: drawDim });

  api.accepts = function (id) { var i = D.idIndex.get(id); return !state.mask || (i != null && state.mask[i] === 1); };
  api.active = function () { return !!state.mask; };
  api.set = set;
  api.choice = function () { return { chosen: api.chosen, years: api.years, write: write() }; };
  build();
  compute();
  btn.hidden = false;
  lk.panels.add(btn, panel);
  lk.route.addPart({ key: "f", write: write, read: read });
})(window.Lookalike);
