/* Lookalike map explorer: route.js (selection, opening pages, the URL hash).
 * Namespace window.Lookalike (`lk`); load order in render/index.py EXPLORER_SCRIPTS; see docs/explorer.md.
 *
 * The hash is "#<id>&z=<zoom>&c=<x>,<y>&facet=<name>", each part optional, then the parts
 * that later scripts add with addPart (filters, the open group, the arrangement, the selection).
 * Exports: lk.route {select(i, opts), open(i), scheduleHash(), writeHash(), parseHash(h),
 *   applyHash(animate), onHashChange(), addPart(part); own mutable: timer, last}.
 * A part is {key, write() -> string or null (null: not in the hash), read(value or null, animate)}:
 *   its value goes through encodeURIComponent; read(null) means "absent" (back to the default),
 *   so the back button and a shared link restore every part. Parts keep the order they were added.
 * applyHash uses lk.input.setFacet and lk.zoom (later parts) when it runs.
 */
(function (lk) {
  "use strict";
  if (!lk) return;
  var state = lk.state, view = lk.view, D = lk.data;
  var ids = D.ids, facetNames = D.facetNames;
  var requestFrame = view.requestFrame;

  var route = lk.route = {
    timer: 0,                       // pending writeHash
    last: null                      // the hash last written or applied (hashchange ignores it)
  };
  var hashParts = [];                // addPart: [{key, write, read}]
  var OWN_KEYS = ["z", "c", "facet"];
  function addPart(part) {
    if (!part || !part.key || OWN_KEYS.indexOf(part.key) >= 0 || typeof part.write !== "function" ||
        typeof part.read !== "function" || hashParts.some(function (p) { return p.key === part.key; })) {
      throw new Error("Lookalike: a hash part needs a new key, write() and read(value, animate)");
    }
    hashParts.push(part);
    return part;
  }

  function select(i, opts) {
    if (i === state.selected) return;
    state.selected = i;
    state.cardDirty = true;
    if (opts && opts.announce) lk.card.announce(i);
    scheduleHash();
    requestFrame();
  }
  function open(i) {
    if (i < 0) return;
    state.selected = i;
    writeHash();                      // back button returns to this view with i selected
    remember(i);                      // ... and so does the page's "Show on map" link
    window.location.href = D.pageUrl(i);
  }

  /* The view a visitor left the map with, kept for this tab (sessionStorage): "Show on map"
     on that image's page (index.html#<id>, no zoom) brings them back to it, not to a default. */
  var KEY = "lookalike-view:" + location.pathname.replace(/index\.html$/, "");  // "/repo/" = "/repo/index.html"
  function remember(i) {
    try { sessionStorage.setItem(KEY, JSON.stringify({ id: ids[i], hash: location.hash })); } catch (e) { /* private mode */ }
  }
  function remembered(id) {
    try {
      var v = JSON.parse(sessionStorage.getItem(KEY) || "null");
      return v && v.id === id ? parseHash(v.hash) : null;
    } catch (e) { return null; }
  }

  // Leaving by any link (the card's, on a phone or with the keyboard) keeps the view too.
  window.addEventListener("pagehide", function () {
    if (state.selected >= 0) { writeHash(); remember(state.selected); }
  });

  function scheduleHash() { clearTimeout(route.timer); route.timer = setTimeout(writeHash, 250); }
  function viewHashParts() {
    var t = state.t, parts = [];
    var atHome = Math.abs(t.k - 1) < 1e-3 && Math.abs(t.x) < 0.5 && Math.abs(t.y) < 0.5;
    if (!atHome) {
      parts.push("z=" + t.k.toFixed(2));
      parts.push("c=" + view.worldX(state.w / 2).toFixed(4) + "," + view.worldY(state.h / 2).toFixed(4));
    }
    return parts;
  }
  function writeHash() {
    clearTimeout(route.timer);
    var parts = [];
    if (state.selected >= 0) parts.push(ids[state.selected]);
    parts = parts.concat(viewHashParts());
    if (state.facet !== D.defaultFacet) parts.push("facet=" + encodeURIComponent(state.facet));
    hashParts.forEach(function (p) {
      var v = p.write();
      if (v != null && v !== "") parts.push(p.key + "=" + encodeURIComponent(v));
    });
    var h = parts.length ? "#" + parts.join("&") : "";
    if (h === (location.hash || "")) { route.last = h; return; }
    route.last = h;
    try { history.replaceState(history.state, "", h || location.pathname + location.search); } catch (e) { /* sandboxed */ }
  }
  function parseHash(h) {
    var out = { id: -1, z: null, c: null, facet: null, parts: {} };
    (h || "").replace(/^#/, "").split("&").forEach(function (tok) {
      if (!tok) return;
      var eq = tok.indexOf("=");
      if (eq < 0) { var i = D.idIndex.get(decodeURIComponent(tok)); if (i != null) out.id = i; return; }
      var key = tok.slice(0, eq), val = decodeURIComponent(tok.slice(eq + 1));
      if (key === "z" && isFinite(parseFloat(val))) out.z = parseFloat(val);
      else if (key === "c") {
        var c = val.split(",").map(parseFloat);
        if (c.length === 2 && isFinite(c[0]) && isFinite(c[1])) out.c = c;
      } else if (key === "facet" && facetNames.indexOf(val) >= 0) out.facet = val;
      else if (OWN_KEYS.indexOf(key) < 0) out.parts[key] = val;
    });
    return out;
  }
  /* Zoom at which an image is drawn at a comfortable size. */
  function closeUpZoom() { return Math.max(1, Math.min(view.maxZoom(), 96 / view.baseSize())); }
  function applyHash(animate) {
    var hs = parseHash(location.hash), zoom = lk.zoom;
    if (hs.id >= 0 && hs.z == null) {  // a link to an image: where the visitor last left it, if they did
      var back = remembered(ids[hs.id]);
      if (back && back.id === hs.id && back.z != null) {
        hs.z = back.z; hs.c = back.c;
        if (!hs.facet && back.facet) hs.facet = back.facet;  // the coordinates are that facet's
        Object.keys(back.parts).forEach(function (k) { if (!(k in hs.parts)) hs.parts[k] = back.parts[k]; });
      }
    }
    if (hs.facet && hs.facet !== state.facet) lk.input.setFacet(hs.facet, false);
    if (hs.id >= 0) { state.selected = hs.id; state.cardDirty = true; }
    hashParts.forEach(function (p) {
      p.read(Object.prototype.hasOwnProperty.call(hs.parts, p.key) ? hs.parts[p.key] : null, animate);
    });
    var target = null;
    if (hs.z != null) {
      var c = hs.c || (hs.id >= 0 ? [state.pos[2 * hs.id], state.pos[2 * hs.id + 1]] : [0.5, 0.5]);
      target = zoom.transformAt(c[0], c[1], hs.z);
    } else if (hs.id >= 0) {
      target = zoom.transformAt(state.pos[2 * hs.id], state.pos[2 * hs.id + 1], closeUpZoom());
    }
    if (target) zoom.setTransform(target, animate);
    route.last = location.hash;
    requestFrame();
  }
  function onHashChange() {
    if (location.hash !== route.last) applyHash(true);
  }

  route.select = select; route.open = open;
  route.scheduleHash = scheduleHash; route.writeHash = writeHash;
  route.parseHash = parseHash; route.applyHash = applyHash; route.onHashChange = onHashChange;
  route.addPart = addPart;
})(window.Lookalike);
