"""The map page and the no-JavaScript list of every image, a page of GRID_PAGE at a time.

One page of a 100,000-image grid was 27 MB of HTML; 500 a page is ~100 kB and 200 pages,
index.html holding the first (templates/_grid.html). Without image pages (above [site]
pages_max) the list and the map link each image to its picture instead.
"""
from __future__ import annotations

from render.list_orders import MAP, order_path, page_sections
from render.pages import PageOptions, display_copy, preview, root_of, sizes_of
from render.urls import absolute_url, list_path, media_path, page_path, relative_url, thumb_path

GRID_PAGE = 500  # images a page of the no-JavaScript list: ~100 kB of HTML, 200 pages at 100,000

# The map explorer's scripts, static/explorer/<name>.js, in load order: the one list of them
# (templates/_map.html loops over it; docs/explorer.md says what each does). A new layer or mode
# is one file that registers itself (registry.js) and its name here, after draw and before main.
EXPLORER_SCRIPTS = ("data", "view", "registry", "gl", "sheets", "layer", "draw", "rings", "focus",
                    "card", "route", "zoom", "hover", "input",
                    "panels", "labels", "groups", "filters",  # group names, groups and filters (#27)
                    "arrange", "selection", "selexport", "lasso",  # arrangements, selection (#28)
                    "photoquery",  # find look-alikes of your photo (#29)
                    "main")


def explorer_scripts(static_url: str) -> list[str]:
    """The explorer's script URLs, for pages whose static/ folder is at static_url."""
    return [f"{static_url}explorer/{name}.js" for name in EXPLORER_SCRIPTS]


def display_template(opts: PageOptions) -> str:
    """Where the map links an image to when the site has no image pages: its picture."""
    return (media_path if opts.display_copies else thumb_path)("{id}").replace("{i/", "{shard}/")


def _grid_rows(images, opts: PageOptions, page: str) -> list[dict]:
    root = root_of(page)
    rows = []
    for im in images:
        w, h = sizes_of(im, opts)[1]
        target = page_path(im.id) if opts.image_pages else display_copy(im, opts)[0]
        rows.append({"id": im.id, "title": im.title, "page_url": root + target,
                     "thumb_url": root + thumb_path(im.id), "width": w, "height": h})
    return rows


def grid_context(images, opts: PageOptions, number: int, order=None, orders=()) -> dict:
    """Page `number` (1-based) of the image list: its images, and links to the first, the last
    and the pages around it (a pager of a dozen links, however many pages there are). order: a
    render/list_orders.py ListOrder (None: map order, index.html and list/<n>.html); orders: all of
    them, for the Order nav (none: no nav)."""
    count = max(1, -(-len(images) // GRID_PAGE))
    path = list_path if order is None else (lambda n: order_path(order.slug, n))  # noqa: E731
    page = path(number)
    url = lambda n: relative_url(page, path(n)) + ("#lk-grid" if path(n) == "index.html" else "")  # noqa: E731
    show = sorted({1, count, *range(max(1, number - 2), min(count, number + 2) + 1)})
    pages, last = [], 0
    for n in show:
        if n > last + 1:
            pages.append({"gap": True})
        pages.append({"gap": False, "number": n, "url": url(n), "current": n == number})
        last = n
    first = (number - 1) * GRID_PAGE
    all_ = f"All {len(images)} images" + (f" {order.phrase}" if order is not None else "")
    heading = (("The image" if len(images) == 1 else all_) if count == 1 else
               f"{all_}: {first + 1}-{min(len(images), first + GRID_PAGE)} (page {number} of {count})")
    sections = [{"heading": title, "continued": continued,
                 "images": _grid_rows([images[r] for r in order.rows[lo:hi]] if order is not None else images[lo:hi],
                                      opts, page)}
                for lo, hi, title, continued in page_sections(order, first, min(GRID_PAGE, len(images) - first))]
    nav = [{"label": o.label if o is not None else MAP, "current": o is order,
            "url": relative_url(page, list_path(1) if o is None else order_path(o.slug, 1))
            + ("#lk-grid" if o is None else "")} for o in (None, *orders)] if orders else []
    return {"sections": sections, "heading": heading, "pages": pages, "orders": nav,
            "prev_url": url(number - 1) if number > 1 else "", "next_url": url(number + 1) if number < count else ""}


def list_pages(images, orders=()) -> list[tuple[str, int, object]]:
    """(path, number, order) of list/2.html ... (the first page of the list is on index.html), then
    every page of each other order: list/<slug>/1.html ..."""
    count = -(-len(images) // GRID_PAGE)
    return [(list_path(n), n, None) for n in range(2, count + 1)] + [
        (order_path(o.slug, n), n, o) for o in orders for n in range(1, count + 1)]


def list_context(images, opts: PageOptions, number: int, order=None, orders=()) -> dict:
    page = list_path(number) if order is None else order_path(order.slug, number)
    return {"page": page, "root": root_of(page), "grid": grid_context(images, opts, number, order, orders),
            "style_url": relative_url(page, "static/style.css"),
            "canonical": absolute_url(opts.base_url, page), "og_image": ""}


def index_context(images, opts: PageOptions, vendor_scripts: list[str], data_scripts: list[str],
                  orders=()) -> dict:
    page = "index.html"
    return {
        "page": page,
        "root": "",
        "grid": grid_context(images, opts, 1, None, orders),
        "vendor_scripts": [relative_url(page, s) for s in vendor_scripts],
        "data_scripts": data_scripts,  # data/points.js and its neighbour parts (render/data.py)
        # the explorer fills in {shard} and {id} (static/explorer/data.js); render/urls.py says where files live
        "page_url_template": page_path("{id}").replace("{i/", "{shard}/") if opts.image_pages
        else display_template(opts),
        "thumb_url_template": thumb_path("{id}").replace("{i/", "{shard}/"),
        "explorer_scripts": explorer_scripts("static/"),
        "explorer_css_url": "static/explorer.css",
        "style_url": "static/style.css",
        "canonical": absolute_url(opts.base_url, page),
        "image_count": len(images),
        **(preview(images[0], opts, page) if images else {"og_image": ""}),
    }
