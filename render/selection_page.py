"""selection.html: the list of a selection made on the map (templates/selection.html,
static/selection-page.js). One page for every selection: the rows are in its hash, so it is
static and works from disk; it reads ids and titles from data/points.js."""
from __future__ import annotations

from render.index import display_template
from render.pages import PageOptions
from render.urls import absolute_url, page_path, thumb_path

PATH = "selection.html"


def selection_context(opts: PageOptions) -> dict:
    return {
        "page": PATH, "root": "", "style_url": "static/style.css", "og_image": "",
        "canonical": absolute_url(opts.base_url, PATH),
        "page_url_template": page_path("{id}").replace("{i/", "{shard}/") if opts.image_pages
        else display_template(opts),
        "thumb_url_template": thumb_path("{id}").replace("{i/", "{shard}/"),
    }
