/* Lookalike map explorer: hover.js (the hover mode: the pointer over the map).
 * Namespace window.Lookalike (`lk`); load order in render/index.py EXPLORER_SCRIPTS; see docs/explorer.md.
 *
 * One object owning its listeners on the canvas: a mouse or pen hovers the image under it
 * (the card follows the pointer), a click opens it; touch has no hover: the first tap selects,
 * a second tap on the selection opens it. Handlers only change state (or go through lk.route)
 * and call requestFrame.
 * Exports: the mode "hover".
 */
(function (lk) {
  "use strict";
  if (!lk) return;
  var view = lk.view, stats = lk.stats, hitTest = view.hitTest;
  var canvas = null, state = null, requestFrame = null;

  var on = {
    pointerdown: function (e) { state.pointerType = e.pointerType || "mouse"; },
    pointermove: function (e) {
      state.pointerType = e.pointerType || "mouse";
      if (e.pointerType === "touch") return;
      var t0 = performance.now();
      state.pointer = { x: e.offsetX, y: e.offsetY };
      var hv = state.pointerDown || e.buttons ? -1 : hitTest(e.offsetX, e.offsetY, view.HIT_MOUSE);
      if (hv !== state.hover) {
        state.hover = hv; state.cardDirty = true;
        canvas.style.cursor = hv >= 0 ? "pointer" : "";
        requestFrame();
      } else if (hv >= 0) {
        state.cardDirty = true; requestFrame();       // card follows the pointer
      }
      view.record(stats.hoverMs, performance.now() - t0);
    },
    pointerleave: function (e) {
      if (e.pointerType === "touch") return;
      state.pointer = null;
      if (state.hover >= 0) { state.hover = -1; state.cardDirty = true; canvas.style.cursor = ""; requestFrame(); }
    },
    click: function (e) {
      var route = lk.route;
      if (state.pointerType === "touch") {
        // Touch has no hover: first tap selects, a second tap on it opens.
        var i = hitTest(e.offsetX, e.offsetY, view.HIT_TOUCH);
        if (i >= 0 && i === state.selected) route.open(i);
        else route.select(i, { announce: true });
        return;
      }
      var j = hitTest(e.offsetX, e.offsetY, view.HIT_MOUSE);
      if (j >= 0) route.open(j);
    }
  };

  lk.modes.add({
    name: "hover",
    attach: function (c, st, rf) {
      canvas = c; state = st; requestFrame = rf;
      Object.keys(on).forEach(function (type) { canvas.addEventListener(type, on[type]); });
    },
    detach: function () {
      if (!canvas) return;
      Object.keys(on).forEach(function (type) { canvas.removeEventListener(type, on[type]); });
      if (state.hover >= 0) { state.hover = -1; state.cardDirty = true; canvas.style.cursor = ""; requestFrame(); }
      canvas = null;
    }
  });
})(window.Lookalike);
