/* Lookalike map explorer: registry.js (the layers a frame draws, the modes that own input).
 * Namespace window.Lookalike (`lk`); load order in render/index.py EXPLORER_SCRIPTS; see docs/explorer.md.
 *
 * Exports: lk.layers {add(layer), get(name), list()}, lk.modes {add(mode), get(name), list()}.
 * A layer is {name, order, draw(ctx, state, frame)}: it draws one thing, reading lk.state and
 *   draw.js's culled frame only; draw() calls every layer once a frame, lowest order first
 *   (the dots or thumbnails 100, search rings 200, the focus 300).
 * A mode is {name, attach(canvas, state, requestFrame), detach()}: one object owning its
 *   listeners; its handlers only change state and call requestFrame. main.js attaches every
 *   mode, in the order they were added (pan/zoom, hover).
 * Adding a layer or a mode: one file that calls add(), plus its name in EXPLORER_SCRIPTS.
 */
(function (lk) {
  "use strict";
  if (!lk) return;

  function registry(kind, needs, ordered) {
    var items = [];
    return {
      add: function (item) {
        if (!item || !item.name || items.some(function (x) { return x.name === item.name; }) ||
            needs.some(function (f) { return typeof item[f] !== "function"; })) {
          throw new Error("Lookalike: a " + kind + " needs a new name and " + needs.join(", "));
        }
        // In place (draw.js keeps the list): after every item of the same or a lower order.
        var at = items.length;
        if (ordered) while (at > 0 && (items[at - 1].order || 0) > (item.order || 0)) at--;
        items.splice(at, 0, item);
        return item;
      },
      get: function (name) { return items.filter(function (x) { return x.name === name; })[0] || null; },
      list: function () { return items; }   // the live list: read it, never change it
    };
  }

  lk.layers = registry("layer", ["draw"], true);
  lk.modes = registry("mode", ["attach", "detach"], false);
})(window.Lookalike);
