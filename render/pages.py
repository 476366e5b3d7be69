"""The pages: the Jinja environment and the context of the map page and of each image page.

Contexts hold every value a page shows (escaped once where it repeats), so a digest of a
context says whether its page can change (context_digest, render/keyed.py).
"""
from __future__ import annotations

import hashlib
import json
import posixpath
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from core.manifest import copy_sizes
from core.summary import count
from render.search import hidden_words
from render.text import clean, filter_name, safe_link
from render.urls import absolute_url, media_path, original_path, page_path, relative_url, thumb_path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class PageOptions:
    """What pages depend on besides the data: [site] base_url, [images] copy_originals,
    and the sizes of the image copies that embed made (from the manifest)."""
    base_url: str
    copy_originals: bool
    thumb_size: int
    display_size: int
    display_copies: bool = True  # [images] display_copies: false publishes the thumbnails only
    image_pages: bool = True  # false above [site] pages_max images: the map links to the picture


def display_copy(im, opts: PageOptions) -> tuple[str, tuple[int, int]]:
    """(site path, size) of the copy an image page shows: the display copy, or the thumbnail
    when that is the same picture (a small original: both have its size, so the same bytes
    would be published twice) or when the site publishes thumbnails only. Without image
    pages the map links every image to media/ (one URL template), so nothing is shared then."""
    if not opts.display_copies:
        return thumb_path(im.id), sizes_of(im, opts)[1]
    display, thumb = sizes_of(im, opts)
    if display == thumb and opts.image_pages:
        return thumb_path(im.id), thumb
    return media_path(im.id), display


def _finalize(value):
    """Every value a template prints: text without control characters or bidi overrides
    (render/text.py); HTML made by our code (Markup) and numbers as they are."""
    return clean(value) if isinstance(value, str) and not isinstance(value, Markup) else value


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.filters["filter_name"] = filter_name  # a Pagefind filter's name (render/text.py)
    env.filters["count"] = count  # "1 image", "2 images" (core/summary.py)
    return env


def sizes_of(im, opts: PageOptions) -> tuple[tuple, tuple]:
    """(display, thumbnail) pixel sizes of an image's copies, by the rule that made them."""
    return copy_sizes(im.width, im.height, opts.thumb_size, opts.display_size)


LABELS = {"creator": "Creator", "date": "Date", "source": "Source", "licence": "Licence", "tags": "Tags"}


def _facts(meta: dict) -> list[dict]:
    """Catalogue fields for the page: known ones first, in a fixed order, then the rest as-is."""
    facts = []
    for key in ("creator", "date", "source", "licence", "tags"):
        if meta.get(key):
            value = meta[key]
            facts.append({"label": LABELS[key], "value": value, "filter": key != "source",
                          "link": safe_link(value) if key == "source" else ""})
    for key, value in meta.items():
        if key not in LABELS and key not in ("title", "description"):  # short values become search filters
            facts.append({"label": key, "value": value, "link": "",
                          "filter": len(value) <= 80 and not safe_link(value)})
    return facts


UPSCALE_TO = 320  # CSS px: a smaller original is shown at a whole multiple of its size, pixelated
SMALL_THUMB = 96  # thumbnails smaller than this on both sides are scaled up pixelated in grids


def preview(im, opts: PageOptions, page: str) -> dict:
    """Link-preview image (og:image): the display copy, absolute when [site] base_url is set."""
    path, (dw, dh) = display_copy(im, opts)
    url = absolute_url(opts.base_url, path) or relative_url(page, path)
    return {"og_image": url, "og_image_width": dw, "og_image_height": dh, "og_image_alt": im.title}


FACET_LABELS = {"content": "Subject", "style": "Style", "colour": "Colour", "blend": "Blend"}
# What each facet means, in a visitor's words: the map's switcher ("Arrange by ...", and the
# line under it) and each image page's tabs ("Similar by ...") show them.
FACET_HINTS = {
    "content": "subject: what is depicted (people, animals, objects, places), whatever the style",
    "style": "style: brushwork, texture and manner, whatever the subject",
    "colour": "colour: the palette and how much of each colour, whatever is shown",
    "blend": "a mix of the other kinds of similarity, weighted by this site's author",
}


def facet_hint(facet: str) -> str:
    """A facet's words; a facet of the author's own vectors ([facets] vectors) has the name they gave it."""
    return FACET_HINTS.get(facet) or f"{facet}: vectors this site's author computed with their own model"


class Cards:
    """Each image's neighbour card (link, thumbnail, title) as escaped HTML, made once per
    depth of page instead of once per appearance: an image is listed on ~90 pages, and
    escaping it each time was most of the render stage (docs/benchmarks.md). Links go
    through the site's root (`../../image/ab/<id>.html`), so every page at one depth
    shares the cards, whichever of the 256 shard folders it is in."""

    def __init__(self, images, opts: PageOptions):
        self.images, self.opts = images, opts
        self._by_root: dict[str, list] = {}

    def for_page(self, page: str) -> list:
        root = root_of(page)
        if root not in self._by_root:
            cards = []
            for other in self.images:
                w, h = sizes_of(other, self.opts)[1]
                crisp = Markup(' class="px"') if max(w, h) < SMALL_THUMB else ""
                cards.append(Markup(
                    '<a href="{}"><img src="{}" alt="" loading="lazy" width="{}" height="{}"{}>'
                    '<span class="thumb-title"><bdi>{}</bdi></span>'
                ).format(root + page_path(other.id), root + thumb_path(other.id), w, h, crisp, clean(other.title)))
            self._by_root[root] = cards
        return self._by_root[root]


def root_of(page: str) -> str:
    """The site's root as seen from `page`: '' at the top, '../../' from image/ab/."""
    folder = posixpath.dirname(page)
    return posixpath.relpath(".", folder) + "/" if folder else ""


class PageInputs:
    """What every image page is made from: the images, their layouts and features, the options,
    focused: (rows, sims) of the class-focused neighbours (layout/focused.py), if any, and
    group_links(i, page): the groups image i is in (render/group_pages.py member_links), if any."""

    def __init__(self, images, layouts: dict, features: dict, opts: PageOptions, focused: tuple | None = None,
                 group_links=None):
        self.images, self.layouts, self.features, self.opts, self.focused = images, layouts, features, opts, focused
        self.cards, self.group_links = Cards(images, opts), group_links


def context_digest(context: dict, salt: str = "") -> str:
    """What a page shows, and what turns it into HTML (salt: the templates and code), as one key.
    JSON is exact for the str (Markup included), int, float, list and dict values of a context
    (floats as repr); records are dataclasses: their fields."""
    text = json.dumps(context, sort_keys=True, ensure_ascii=False, default=vars)
    return hashlib.sha256((salt + "\0" + text).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def image_context(i: int, page: str, inputs: PageInputs) -> dict:
    images, layouts, features, opts, focused = (inputs.images, inputs.layouts, inputs.features, inputs.opts,
                                                inputs.focused)
    im = images[i]
    card_of = inputs.cards.for_page(page)
    focus = [(int(j), float(s)) for j, s in zip(*(a[i] for a in focused)) if j >= 0] \
        if focused is not None and im.tags else []
    shown = [f for f in layouts if f in features] if len(layouts) > 1 or focus else []
    # "why is this similar": the pair's similarity in every facet of the site, one product per facet
    listed = np.unique(np.concatenate([np.asarray(lay.neighbours[i], np.int64) for lay in layouts.values()]
                                      + [np.array([j for j, _ in focus], np.int64)]))
    pair = {f: dict(zip(listed.tolist(), (np.asarray(features[f][listed]) @ np.asarray(features[f][i])).tolist()))
            for f in shown}
    sections = []
    for facet, lay in layouts.items():
        nbrs = []
        for j, sim in zip(lay.neighbours[i], lay.similarity[i]):
            j = int(j)
            # labels escaped (only known facet names are admitted today), the rest digits
            why = Markup(" &middot; ".join(f"{escape(FACET_LABELS.get(f, f))} {pair[f][j]:.2f}"
                                           for f in shown if f != facet))
            nbrs.append({"id": images[j].id, "card": card_of[j], "similarity": float(sim), "why": why})
        sections.append({"facet": facet, "label": FACET_LABELS.get(facet, facet),
                         "hint": facet_hint(facet), "neighbours": nbrs})
    if focus:
        label = im.tags[0]["label"]
        why = lambda j: Markup(" &middot; ".join(  # noqa: E731
            f"{escape(FACET_LABELS.get(f, f))} {pair[f][j]:.2f}" for f in shown))
        sections.append({"facet": "focused", "label": f"As {label}", "neighbours": [
            {"id": images[j].id, "card": card_of[j], "similarity": sim, "why": why(j)} for j, sim in focus],
            "hint": f"what makes it a {label} to the model (its content features weighted by the "
                    f"classifier's weights for {label})"})
    shown, (dw, dh) = display_copy(im, opts)
    up = -(-UPSCALE_TO // max(dw, dh, 1)) if max(dw, dh) < UPSCALE_TO else 1  # tiny originals: whole pixels
    return {
        "facts": _facts(im.meta),
        "groups": inputs.group_links(i, page) if inputs.group_links else [],
        "search_words": hidden_words(im.tags) if im.tags else "",
        "search_thumb": thumb_path(im.id),  # from the site's root: static/search.js resolves it
        "description": im.meta.get("description", ""),
        "page": page,
        "root": root_of(page),
        "image": im,
        "display_url": relative_url(page, shown),
        "display_width": dw * up,
        "display_height": dh * up,
        "display_class": "upscaled px" if up >= 3 else "upscaled" if up > 1 else "",  # px: kept pixel-sharp
        "map_url": relative_url(page, "index.html", im.id),
        "home_url": relative_url(page, "index.html"),
        "style_url": relative_url(page, "static/style.css"),
        "sections": sections,
        "neighbours": sections[0]["neighbours"] if sections else [],
        "prev_url": relative_url(page, page_path(images[i - 1].id)) if len(images) > 1 else "",
        "next_url": relative_url(page, page_path(images[(i + 1) % len(images)].id)) if len(images) > 1 else "",
        **preview(im, opts, page),
        "original_url": relative_url(page, original_path(im)) if opts.copy_originals else "",
        "canonical": absolute_url(opts.base_url, page),
    }

