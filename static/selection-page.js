/* Lookalike: selection.html, the list of a selection made on the map.
 * The rows come from the hash (#sel=<rows as delta varints, base64url>, static/explorer/selection.js
 * writes them), ids and titles from data/points.js (window.LOOKALIKE_POINTS). Titles reach the
 * page only through textContent and alt. The link back opens the map with the same selection.
 */
(function () {
  "use strict";
  var doc = document, box = doc.getElementById("lk-selection"), P = window.LOOKALIKE_POINTS;
  var list = doc.getElementById("lk-selection-list"), heading = doc.getElementById("lk-selection-heading");
  if (!box || !list) return;
  if (!P || !P.ids) { heading.textContent = "The site's data (data/points.js) could not be loaded."; return; }
  var N = P.ids.length, m = /(?:^#|&)sel=([A-Za-z0-9_-]*)/.exec(location.hash), rows = [];
  if (m) {
    var bin = "";
    try { bin = atob(m[1].replace(/-/g, "+").replace(/_/g, "/")); } catch (e) { bin = ""; }
    for (var q = 0, prev = -1, d = 0, mul = 1; q < bin.length; q++) {
      var c = bin.charCodeAt(q);
      d += (c & 127) * mul; mul *= 128;
      if (c < 128) { prev += d + 1; if (prev >= N) break; rows.push(prev); d = 0; mul = 1; }
    }
  }
  function fill(tpl, id) { return tpl.replace("{shard}", id.slice(0, 2)).replace("{id}", id); }
  var pageTpl = box.getAttribute("data-page-url"), thumbTpl = box.getAttribute("data-thumb-url");
  heading.textContent = rows.length ? rows.length + (rows.length === 1 ? " selected image" : " selected images")
                                    : "No images selected (the link holds no selection)";
  if (m) doc.getElementById("lk-selection-map").href += "#sel=" + m[1];
  rows.forEach(function (i) {
    var id = P.ids[i], title = P.titles && P.titles[i] ? String(P.titles[i]) : id, a = P.aspect ? +P.aspect[i] || 1 : 1;
    var li = doc.createElement("li"), link = doc.createElement("a"), img = doc.createElement("img"), span = doc.createElement("span");
    link.href = fill(pageTpl, id); img.src = fill(thumbTpl, id); img.alt = ""; img.loading = "lazy";
    img.width = a >= 1 ? 160 : Math.round(160 * a); img.height = a >= 1 ? Math.round(160 / a) : 160;
    span.textContent = title;
    link.appendChild(img); link.appendChild(span); li.appendChild(link); list.appendChild(li);
  });
})();
