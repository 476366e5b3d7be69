/* Lookalike map explorer: selexport.js (the selection as a CSV or JSON file).
 * Namespace window.Lookalike (`lk`); load order in render/index.py EXPLORER_SCRIPTS; see docs/explorer.md.
 *
 * The catalogue (data/catalogue.js: window.LOOKALIKE_CATALOGUE {columns, paths, rows}, in manifest
 * row order, render/catalogue_data.py) is loaded by a <script> element on the first export, so
 * the map never pays for it. CSV: id, path, title and every catalogue column, one row per selected
 * image in row order; a text cell a spreadsheet would read as a formula (=, +, -, @, tab, CR)
 * gets a leading quote, as render/exports.py does. JSON: a list of objects with the same keys.
 * Without the catalogue (an older site) the files hold id and title.
 * Exports: lk.selexport {download(rows, "csv" | "json"), table(rows) -> {header, rows}, csv(table)}.
 */
(function (lk) {
  "use strict";
  if (!lk) return;
  var D = lk.data, doc = lk.dom.doc;
  var waiting = [], tried = false;

  function load(then) {
    if (tried && !waiting.length) { then(window.LOOKALIKE_CATALOGUE || null); return; }
    waiting.push(then);
    if (waiting.length > 1) return;
    var s = doc.createElement("script"), panel = doc.getElementById("lk-sel");
    s.src = (panel && panel.getAttribute("data-catalogue")) || "data/catalogue.js";
    s.onload = s.onerror = function () {
      tried = true;
      var list = waiting; waiting = [];
      list.forEach(function (f) { f(window.LOOKALIKE_CATALOGUE || null); });
    };
    doc.head.appendChild(s);
  }

  function table(rows, cat) {
    var ok = cat && cat.rows && cat.rows.length === D.N, cols = ok ? (cat.columns || []) : [];
    var header = ok ? ["id", "path", "title"].concat(cols) : ["id", "title"];
    var out = rows.map(function (i) {
      var base = [D.ids[i]];
      if (ok) base.push(cat.paths[i] == null ? "" : String(cat.paths[i]));
      base.push(D.titles[i] == null ? "" : String(D.titles[i]));
      if (ok) for (var c = 0; c < cols.length; c++) base.push(cat.rows[i][c] == null ? "" : String(cat.rows[i][c]));
      return base;
    });
    return { header: header, rows: out };
  }
  var NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
  function cell(v) {
    if (/^[=+\-@\t\r]/.test(v) && !NUMBER.test(v)) v = "'" + v;
    return /[",\n\r]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
  }
  function csv(t) {
    return [t.header].concat(t.rows).map(function (r) { return r.map(cell).join(","); }).join("\n") + "\n";
  }
  function json(t) {
    return JSON.stringify(t.rows.map(function (r) {
      var o = {};
      t.header.forEach(function (h, c) { o[h] = r[c]; });
      return o;
    }), null, 1) + "\n";
  }
  function save(text, name, type) {
    var a = doc.createElement("a"), url = URL.createObjectURL(new Blob([text], { type: type }));
    a.href = url; a.download = name; a.hidden = true;
    doc.body.appendChild(a); a.click(); doc.body.removeChild(a);
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }
  function download(rows, kind) {
    load(function (cat) {
      var t = table(rows, cat), name = "selection-" + rows.length + (kind === "json" ? ".json" : ".csv");
      if (kind === "json") save(json(t), name, "application/json");
      else save(csv(t), name, "text/csv;charset=utf-8");
    });
  }
  lk.selexport = { download: download, table: table, csv: csv };
})(window.Lookalike);
