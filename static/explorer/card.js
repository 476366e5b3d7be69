/* Lookalike map explorer: card.js (the hover card, screen-reader announcements).
 * Namespace window.Lookalike (`lk`); load order in render/index.py EXPLORER_SCRIPTS; see docs/explorer.md.
 *
 * Exports: lk.card {update(), announce(i); own mutable: shown, shownFacet (what the card holds)}.
 */
(function (lk) {
  "use strict";
  if (!lk) return;
  var doc = lk.dom.doc, state = lk.state, D = lk.data;
  var pageUrl = D.pageUrl, thumbUrl = D.thumbUrl, titleOf = D.titleOf;

  var CARD_NEIGHBOURS = 6;
  var SMALL_PX = 96;                // thumbnails below this (both sides) are drawn pixelated

  var cardEl = doc.getElementById("lk-card");
  var cardLink = doc.getElementById("lk-card-link");
  // The card's picture is made here: an <img> without a src in the HTML is invalid.
  var cardImg = doc.createElement("img");
  cardImg.className = "lk-card-img"; cardImg.id = "lk-card-img"; cardImg.alt = "";
  cardLink.insertBefore(cardImg, cardLink.firstChild);
  var cardTitle = doc.getElementById("lk-card-title");
  var cardSub = doc.getElementById("lk-card-sub");
  var cardNbrs = doc.getElementById("lk-card-nbrs");
  var live = doc.getElementById("lk-live");
  var card = lk.card = {
    shown: -1,                      // image the card is filled for (-1: none)
    shownFacet: null                // ... and under which facet (the neighbours differ)
  };

  /* Thumbnails of tiny originals (a 32 px icon) are scaled up like the others, pixels kept sharp. */
  function keepCrisp(img) {
    img.addEventListener("load", function () {
      img.classList.toggle("lk-px", img.naturalWidth < SMALL_PX && img.naturalHeight < SMALL_PX);
    });
  }
  keepCrisp(cardImg);

  function nbrItem() {
    var li = doc.createElement("li"), a = doc.createElement("a"), img = doc.createElement("img"), sp = doc.createElement("span");
    img.decoding = "async"; img.alt = "";
    keepCrisp(img);
    a.appendChild(img); a.appendChild(sp); li.appendChild(a);
    return li;
  }

  function fillCard(i) {
    if (card.shown === i && card.shownFacet === state.facet) return;
    card.shown = i;
    card.shownFacet = state.facet;
    cardLink.href = pageUrl(i);
    cardImg.src = thumbUrl(i);
    var a = +D.aspect[i] || 1;
    cardImg.style.aspectRatio = String(a);
    cardTitle.textContent = titleOf(i);
    var fac = D.P.facets[state.facet];
    var nb = fac.neighbours && fac.neighbours[i] ? fac.neighbours[i].slice(0, CARD_NEIGHBOURS) : [];
    var sim = fac.similarity && fac.similarity[i] ? fac.similarity[i] : [];
    cardSub.textContent = nb.length ? "Most similar" + (D.facetNames.length > 1 ? " (" + state.facet + ")" : "") : "";
    while (cardNbrs.children.length < nb.length) cardNbrs.appendChild(nbrItem());
    for (var j = 0; j < cardNbrs.children.length; j++) {
      var li = cardNbrs.children[j];
      if (j >= nb.length) { li.hidden = true; continue; }
      var m = nb[j];
      li.hidden = false;
      var link = li.firstChild;
      link.href = pageUrl(m);
      link.title = titleOf(m);
      link.firstChild.src = thumbUrl(m);
      link.firstChild.alt = titleOf(m);
      link.lastChild.textContent = sim[j] != null ? Number(sim[j]).toFixed(2) : "";
    }
  }

  /* Hover: the card floats beside the pointer, flipped so it never covers it.
     Selection without hover: it docks in a corner and its links are clickable. */
  function updateCard() {
    var i = lk.view.focusIndex();
    if (i < 0) { cardEl.hidden = true; card.shown = -1; return; }
    fillCard(i);
    cardEl.hidden = false;
    var floating = state.hover >= 0 && state.pointer;
    cardEl.classList.toggle("lk-card-floating", !!floating);
    cardEl.classList.toggle("lk-card-docked", !floating);
    if (floating) {
      var cw = cardEl.offsetWidth, ch = cardEl.offsetHeight, gap = 18;
      var px = state.pointer.x, py = state.pointer.y;
      var x = px + gap + cw <= state.w ? px + gap : px - gap - cw;
      var y = py + gap + ch <= state.h ? py + gap : py - gap - ch;
      if (x < 4) x = Math.max(4, Math.min(state.w - cw - 4, px + gap));
      if (y < 4) {
        // Not enough room above or below: sit beside the pointer at the top.
        y = 4;
        if (px >= x - gap && px <= x + cw + gap) x = px + gap + cw <= state.w ? px + gap : Math.max(4, px - gap - cw);
      }
      cardEl.style.transform = "translate(" + Math.round(x) + "px," + Math.round(y) + "px)";
    } else {
      cardEl.style.transform = "";
    }
  }

  function announce(i) {
    if (!live) return;
    live.textContent = i >= 0 ? titleOf(i) + ". Press Enter to open." : "";
  }

  card.update = updateCard;
  card.announce = announce;
})(window.Lookalike);
