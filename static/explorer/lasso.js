/* Lookalike map explorer: lasso.js (the mode "lasso": draw round images to select them).
 * Namespace window.Lookalike (`lk`); load order in render/index.py EXPLORER_SCRIPTS; see docs/explorer.md.
 *
 * One object owning its listeners, as datamapplot's lasso_selection.js: a freehand lasso while
 * the toolbar's Select button (#lk-lasso) is pressed or with Alt held, a rectangle with Shift held,
 * in any arrangement. The path being drawn is state.lasso {rect, pts: [x0, y0, x1, y1, ...] CSS px},
 * drawn by selection.js's layer; on release the images whose current positions (state.pos, on
 * screen) fall inside are the selection (lk.selection.set). The pointerdown is taken before
 * d3-zoom sees it (no pan), and the click that ends a drag opens no image. Escape drops the lasso
 * being drawn, or turns the toggle off.
 * Exports: the mode "lasso", lk.lasso {inside(pts, x, y), toggle(on); own mutable: on}.
 */
(function (lk) {
  "use strict";
  if (!lk) return;
  var view = lk.view, doc = lk.dom.doc;
  var canvas = null, state = null, requestFrame = null, dragged = false;
  var api = lk.lasso = { on: false, inside: inside, toggle: toggle };
  var button = doc.getElementById("lk-lasso");

  /* Even-odd ray casting: is (x, y) inside the polygon pts (flat x, y pairs)? */
  function inside(pts, x, y) {
    var c = false;
    for (var i = 0, j = pts.length - 2; i < pts.length; j = i, i += 2) {
      var xi = pts[i], yi = pts[i + 1], xj = pts[j], yj = pts[j + 1];
      if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) c = !c;
    }
    return c;
  }
  function polygon(l) {
    if (!l.rect) return l.pts;
    var p = l.pts, x0 = p[0], y0 = p[1], x1 = p[p.length - 2], y1 = p[p.length - 1];
    return [x0, y0, x1, y0, x1, y1, x0, y1];
  }
  function rowsIn(pts) {
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity, out = [];
    for (var q = 0; q < pts.length; q += 2) {
      x0 = Math.min(x0, pts[q]); x1 = Math.max(x1, pts[q]); y0 = Math.min(y0, pts[q + 1]); y1 = Math.max(y1, pts[q + 1]);
    }
    for (var i = 0; i < lk.data.N; i++) {
      var x = view.sx(i), y = view.sy(i);
      if (x >= x0 && x <= x1 && y >= y0 && y <= y1 && inside(pts, x, y)) out.push(i);
    }
    return out;
  }

  var on = {
    pointerdown: function (e) {
      if (e.button !== 0 || !(api.on || e.altKey || e.shiftKey) || state.anim) return;
      e.preventDefault(); e.stopImmediatePropagation();  // no compatibility mousedown: d3-zoom does not pan
      canvas.setPointerCapture(e.pointerId);
      state.lasso = { rect: e.shiftKey && !api.on, pts: [e.offsetX, e.offsetY] };
      state.pointerDown = true; state.hover = -1; state.cardDirty = true;
      dragged = false;
      requestFrame();
    },
    pointermove: function (e) {
      var l = state.lasso;
      if (!l) return;
      var p = l.pts, dx = e.offsetX - p[p.length - 2], dy = e.offsetY - p[p.length - 1];
      if (l.rect) { if (p.length > 2) p.length = 2; p.push(e.offsetX, e.offsetY); }
      else if (dx * dx + dy * dy >= 9) p.push(e.offsetX, e.offsetY);   // a point every 3 px
      dragged = dragged || p.length > 4 || (l.rect && Math.abs(dx) + Math.abs(dy) > 4);
      requestFrame();
    },
    pointerup: function () {
      var l = state.lasso;
      if (!l) return;
      state.lasso = null; state.pointerDown = false; state.hoverStale = true;
      var pts = polygon(l);
      if (dragged && pts.length >= 6) lk.selection.set(rowsIn(pts), { announce: true });
      requestFrame();
    },
    pointercancel: function () { if (state.lasso) { state.lasso = null; state.pointerDown = false; requestFrame(); } },
    click: function (e) {            // the click that ends a drag opens nothing
      if (dragged) { dragged = false; e.stopImmediatePropagation(); e.preventDefault(); }
    }
  };

  /* Escape drops the lasso being drawn, else turns the Select toggle off. */
  function key(e) {
    if (e.key !== "Escape" || !canvas) return;
    if (state.lasso) { state.lasso = null; state.pointerDown = false; dragged = true; requestFrame(); e.stopPropagation(); }
    else if (api.on) toggle(false);
  }
  function toggle(v) {
    api.on = v == null ? !api.on : !!v;
    if (button) button.setAttribute("aria-pressed", String(api.on));
    if (canvas) canvas.style.cursor = api.on ? "crosshair" : "";
  }
  if (button) button.addEventListener("click", function () { toggle(); });

  lk.modes.add({
    name: "lasso",
    attach: function (c, st, rf) {
      canvas = c; state = st; requestFrame = rf;
      // Capture: before the hover mode's click and d3-zoom's own listeners on the same canvas.
      Object.keys(on).forEach(function (type) { canvas.addEventListener(type, on[type], true); });
      window.addEventListener("keydown", key, true);
    },
    detach: function () {
      if (!canvas) return;
      Object.keys(on).forEach(function (type) { canvas.removeEventListener(type, on[type], true); });
      window.removeEventListener("keydown", key, true);
      state.lasso = null; canvas = null;
    }
  });
})(window.Lookalike);
