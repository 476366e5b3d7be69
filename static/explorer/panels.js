/* Lookalike map explorer: panels.js (the toolbar's panels: Groups, Filters).
 * Namespace window.Lookalike (`lk`); load order in render/index.py EXPLORER_SCRIPTS; see docs/explorer.md.
 *
 * Exports: lk.panels {add(button, panel), open(panel), close()}: a toolbar button opens its panel
 * (aria-expanded), one panel at a time; Escape inside a panel closes it and returns to its button.
 */
(function (lk) {
  "use strict";
  if (!lk) return;
  var items = [];
  function show(item, open) {
    item.panel.hidden = !open;
    item.button.setAttribute("aria-expanded", String(open));
    item.button.classList.toggle("lk-btn-open", open);
  }
  function open(panel) { items.forEach(function (it) { show(it, it.panel === panel); }); lk.view.requestFrame(); }
  function close() { items.forEach(function (it) { show(it, false); }); lk.view.requestFrame(); }
  function add(button, panel) {
    var item = { button: button, panel: panel };
    items.push(item);
    button.addEventListener("click", function () { if (panel.hidden) open(panel); else close(); });
    panel.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { e.preventDefault(); close(); button.focus(); }
    });
    show(item, false);
    button.hidden = false;
  }
  lk.panels = { add: add, open: open, close: close };
})(window.Lookalike);
