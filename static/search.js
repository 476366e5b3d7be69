/* Lookalike site search: the box in the page header, over Pagefind's index (pagefind/).
 *
 * Typing lists the matching images (title, thumbnail) and, on the map page, rings them on
 * the map (window.Lookalike.matches); Enter or a click on a result flies the map to it
 * (index.html#<id>) or, on an image page, opens its page. Catalogue fields and machine tags
 * are Pagefind filters, offered as menus. From file:// Pagefind cannot load (browsers refuse
 * modules there), so the box says so and points to the list of all images instead.
 */
(function () {
  "use strict";
  var form = document.getElementById("lk-search");
  if (!form) return;
  var input = document.getElementById("lk-q"), status = document.getElementById("lk-search-status");
  var list = document.getElementById("lk-search-results"), filtersEl = document.getElementById("lk-search-filters");
  var root = form.getAttribute("data-root") || "", onMap = form.getAttribute("data-on-map") === "true";
  var SHOWN = 24, RINGED = 200, pagefind = null, loading = null, timer = 0, seq = 0, first = null;
  var chosen = {};  // filter name -> value
  form.hidden = false;

  function say(text, link) {
    status.textContent = text;
    if (link) {
      var a = document.createElement("a");
      a.href = link.href; a.textContent = link.text;
      status.appendChild(document.createTextNode(" ")); status.appendChild(a);
    }
  }
  function cannotSearch(why) {
    say(why, { href: form.getAttribute("data-list-url"), text: "Browse the list of all images instead." });
    form.classList.add("lk-search-off");
  }
  function load() {
    if (pagefind) return Promise.resolve(pagefind);
    if (location.protocol === "file:") {
      return Promise.reject(new Error("Search works when the site is served (GitHub Pages, or " +
                                      "python -m http.server in its folder), not from a file on disk."));
    }
    if (!loading) {
      var url = new URL(root + "pagefind/pagefind.js", location.href).href;
      loading = import(url).then(function (pf) {
        return Promise.resolve(pf.options({ baseUrl: new URL(root || "./", location.href).pathname })).then(function () {
          pagefind = pf;
          showFilters();
          return pf;
        });
      }).catch(function () {
        loading = null;
        throw new Error("The search index could not be loaded.");
      });
    }
    return loading;
  }

  // A filter's name is its label percent-encoded (render/text.py filter_name): Pagefind
  // neither decodes "&amp;" in a name nor keeps a ':' or ',' in one.
  function labelOf(name) { try { return decodeURIComponent(name); } catch (e) { return name; } }

  function showFilters() {
    pagefind.filters().then(function (all) {
      Object.keys(all).sort(function (a, b) { return labelOf(a) < labelOf(b) ? -1 : labelOf(a) > labelOf(b) ? 1 : 0; })
        .forEach(function (name) {
        var values = Object.keys(all[name]);
        if (values.length < 2 || values.length > 400) return;  // one value filters nothing; huge menus help no one
        var label = document.createElement("label"), sel = document.createElement("select");
        label.className = "lk-search-filter";
        label.appendChild(document.createTextNode(labelOf(name) + " "));
        var any = document.createElement("option");
        any.value = ""; any.textContent = "any";
        sel.appendChild(any);
        values.sort(function (a, b) { return all[name][b] - all[name][a] || (a < b ? -1 : 1); }).forEach(function (v) {
          var o = document.createElement("option");
          o.value = v; o.textContent = v + " (" + all[name][v] + ")";
          sel.appendChild(o);
        });
        sel.addEventListener("change", function () { if (sel.value) chosen[name] = sel.value; else delete chosen[name]; run(); });
        label.appendChild(sel);
        filtersEl.appendChild(label);
      });
    });
  }

  function pageOf(id) { return root + "image/" + id.slice(0, 2) + "/" + id + ".html"; }  // render/urls.py page_path
  function fly(id) {
    if (onMap) { location.hash = id; var c = document.getElementById("lk-canvas"); if (c) c.focus(); }
    else location.href = pageOf(id);
  }

  function run() {
    var q = input.value.trim(), mine = ++seq, filters = Object.keys(chosen).length ? chosen : null;
    if (!q && !filters) {
      list.textContent = ""; status.textContent = ""; first = null;
      if (onMap && window.Lookalike && window.Lookalike.matches) window.Lookalike.matches(null);
      return;
    }
    load().then(function (pf) {
      return pf.search(q || null, filters ? { filters: filters } : {});
    }).then(function (found) {
      if (mine !== seq) return null;
      var results = found.results.slice(0, RINGED);
      return Promise.all(results.map(function (r) { return r.data(); })).then(function (data) {
        if (mine !== seq) return;
        show(found.results.length, data);
      });
    }).catch(function (err) { if (mine === seq) cannotSearch(err.message); });
  }

  // The map's filters (static/explorer/filters.js) narrow the results: of those loaded, the ones they let through.
  function mapFilters() { var lk = onMap && window.Lookalike; return lk && lk.filters && lk.filters.active() ? lk.filters : null; }
  if (onMap) document.addEventListener("lookalike:filters", function () { if (input.value.trim() || Object.keys(chosen).length) run(); });

  function show(total, data) {
    list.textContent = "";
    var mf = mapFilters(), loaded = data.length;
    if (mf) data = data.filter(function (d) { return mf.accepts(d.meta.id); });
    first = data.length ? data[0].meta.id : null;
    say(mf ? data.length + " of " + (loaded < total ? "the first " + loaded + " of " : "") + total +
             (total === 1 ? " image" : " images") + " matching pass the map's filters" + (data.length ? ", ringed on the map" : "")
           : total ? total + (total === 1 ? " image matches" : " images match") + (onMap && total ? ", ringed on the map" : "")
              : "No image matches.");
    data.slice(0, SHOWN).forEach(function (d) {
      var li = document.createElement("li"), a = document.createElement("a"), img = document.createElement("img");
      a.href = onMap ? "#" + d.meta.id : pageOf(d.meta.id);
      a.setAttribute("data-id", d.meta.id);
      img.src = root + d.meta.image; img.alt = ""; img.loading = "lazy"; img.width = 48; img.height = 48;
      a.appendChild(img);
      a.appendChild(document.createTextNode(d.meta.title || d.meta.id));
      li.appendChild(a);
      list.appendChild(li);
    });
    if (onMap && window.Lookalike && window.Lookalike.matches) {
      window.Lookalike.matches(data.map(function (d) { return d.meta.id; }));
    }
  }

  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 150); });
  input.addEventListener("focus", function () { load().catch(function (err) { cannotSearch(err.message); }); }, { once: true });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); if (first) fly(first); }
    if (e.key === "Escape") { input.value = ""; run(); }
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  // The list drops over the page: it folds away when the visitor works elsewhere (the rings
  // on the map stay) and comes back when the box is used again.
  document.addEventListener("pointerdown", function (e) { if (!form.contains(e.target)) list.hidden = true; });
  input.addEventListener("focus", function () { list.hidden = false; });
  input.addEventListener("input", function () { list.hidden = false; });
  list.addEventListener("click", function (e) {
    var a = e.target.closest ? e.target.closest("a[data-id]") : null;
    if (a && onMap) { e.preventDefault(); fly(a.getAttribute("data-id")); }
  });
})();
