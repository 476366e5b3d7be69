"""A minimal stand-in site writer for the browser tests and the explorer bench.

It follows docs/contract.md (data/points.js and its parts, thumbs/, atlas/, image/<id>.html)
and renders index.html from a tiny stand-in base that includes templates/_map.html,
so the explorer can be tested before (and independently of) render/stage.py.
Kept deliberately small: the real site writer is render/stage.py.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import http.server
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from PIL import Image

from core.summary import count
from render.atlas import write_atlases
from render.data import data_scripts, part_rows, split_files
from render.index import explorer_scripts
from render.map_extras import SCRIPTS as EXTRA_SCRIPTS
from render.map_extras import extras_files
from render.vendor import copy_vendor_scripts

REPO = Path(__file__).resolve().parents[2]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # the page went on before a sheet came
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(root: Path):
    """`root` over HTTP on a free local port, as a static host serves it: yields the base URL."""
    server = _Server(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()

STANDIN_INDEX = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ site_title }}</title>
<style>html,body{margin:0;background:#141416;color:#ece8df;font-family:system-ui,sans-serif}
header{padding:10px 16px;font-size:15px}h1{margin:0;font-size:inherit}</style></head>
<body><header><h1>{{ site_title }}</h1></header>
<main>{% include "_map.html" %}</main></body></html>
"""


@dataclass
class FakeImage:
    title: str
    xy: tuple[float, float]
    pixels: Image.Image
    extra_xy: dict[str, tuple[float, float]] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)  # catalogue columns (arrangements: "date", "group")

    @property
    def id(self) -> str:
        return hashlib.sha256(self.title.encode("utf-8")).hexdigest()[:12]


def _neighbours(xys: list[tuple[float, float]], k: int):
    """Map neighbours by distance on the layout: good enough as stand-in similarity.
    Chunked so 20,000 points (the bench) stay within memory."""
    import numpy as np

    pts = np.asarray(xys, dtype=np.float64)
    order_all, sims_all = [], []
    for start in range(0, len(pts), 1000):
        chunk = pts[start:start + 1000]
        d = np.sqrt(((chunk[:, None, :] - pts[None, :, :]) ** 2).sum(-1))
        d[np.arange(len(chunk)), np.arange(start, start + len(chunk))] = np.inf
        part = (np.argpartition(d, k, axis=1)[:, :k] if k < len(pts) - 1
                else np.tile(np.arange(len(pts)), (len(chunk), 1)))
        dk = np.take_along_axis(d, part, axis=1)
        o = np.lexsort((part, dk), axis=1)
        part, dk = np.take_along_axis(part, o, axis=1)[:, :k], np.take_along_axis(dk, o, axis=1)[:, :k]
        order_all.append(part)
        sims_all.append(np.round(1.0 - dk / 2.0, 3))
    return np.concatenate(order_all).tolist(), np.concatenate(sims_all).tolist()


def copy_explorer(dest: Path, repo: Path = REPO) -> None:
    """Copy the explorer (static/explorer.css and the scripts in static/explorer/) into dest/static/.
    repo: the tree to take them from (a test compares another version's explorer)."""
    for src in [repo / "static" / "explorer.css", *sorted((repo / "static" / "explorer").glob("*.js"))]:
        out = Path(dest) / src.relative_to(repo)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(src.read_bytes())


def refresh_explorer(dest: Path) -> None:
    """A written site's explorer made this tree's again: the scripts, and index.html's tags for
    them (the list is render/index.py EXPLORER_SCRIPTS, which may have changed since)."""
    copy_explorer(dest)
    index = Path(dest) / "index.html"
    tags = "".join(f'\n<script src="{src}"></script>' for src in explorer_scripts("static/"))
    text, n = re.subn(r'(?:\n<script src="static/explorer/[\w-]+\.js"></script>)+', lambda m: tags,
                      index.read_text("utf-8"), count=1)
    if not n:
        raise ValueError(f"no explorer scripts in {index}")
    index.write_text(text, "utf-8")


def write_site(dest: Path, images: list[FakeImage], site_title: str = "Test collection",
               default_facet: str = "content", k: int = 6, image_pages: bool = True,
               grid_max: int | None = None, cells_reversed: bool = False, repo: Path = REPO,
               extras: dict | None = None, arrangements: bool = False) -> dict:
    """Write a complete static site for `images` into dest; return points dict.

    cells_reversed: the atlas holds the images last row first, with atlas["cells"] saying
    where, as the atlas of a grown collection does (render/atlas.py place_cells).
    repo: the tree whose templates/ and static/explorer* make the map (this one by default).
    extras: data/groups.js and data/filters.js (site path -> text: map_extras below);
    arrangements: also data/arrangements.js (arrangegen.py's stand-ins), data/catalogue.js, selection.html."""
    dest = Path(dest)
    (dest / "thumbs").mkdir(parents=True, exist_ok=True)
    (dest / "data").mkdir(exist_ok=True)
    (dest / "image").mkdir(exist_ok=True)
    thumb_paths = []
    for im in images:
        p = dest / "thumbs" / f"{im.id}.jpg"
        im.pixels.save(p, "JPEG", quality=90)
        thumb_paths.append(p)
    order = list(range(len(images)))[::-1] if cells_reversed else None  # cell j holds row order[j]
    atlas = write_atlases([thumb_paths[r] for r in order] if order else thumb_paths, dest)
    if order:
        cells = [0] * len(order)
        for j, r in enumerate(order):
            cells[r] = j
        atlas["colors"] = "".join(atlas["colors"][6 * c:6 * c + 6] for c in cells)
        atlas["cells"] = cells
    vendor = copy_vendor_scripts(dest)

    facet_names = [default_facet] + sorted({f for im in images for f in im.extra_xy})
    facets = {}
    for f in facet_names:
        xys = [im.xy if f == default_facet else im.extra_xy[f] for im in images]
        nb, sim = _neighbours(xys, min(k, len(images) - 1))
        facets[f] = {"xy": [round(c, 4) for xy in xys for c in xy], "neighbours": nb, "similarity": sim}
    points = {
        "version": 1,
        "count": len(images),
        "ids": [im.id for im in images],
        "titles": [im.title for im in images],
        "aspect": [round(im.pixels.width / im.pixels.height, 3) for im in images],
        "facets": facets,
        "default_facet": default_facet,
        "atlas": atlas,
    }
    rows = [{"id": im.id, "title": im.title, "page_url": f"image/{im.id}.html",
             "thumb_url": f"thumbs/{im.id}.jpg", "width": im.pixels.width, "height": im.pixels.height}
            for im in images]
    extra = _arrangements(dest, points, images) if arrangements else None
    write_map_site(dest, points, rows, site_title, k, grid_max, vendor, repo, extras, extra)
    if image_pages:
        for im in images:
            (dest / "image" / f"{im.id}.html").write_text(
                f'<!doctype html><meta charset="utf-8"><title>{html.escape(im.title)}</title>'
                f'<h1 id="title">{html.escape(im.title)}</h1><a href="../index.html#{im.id}">Back to the map</a>',
                "utf-8")
    (dest / ".nojekyll").write_text("")
    return points


def _arrangements(dest: Path, points: dict, images: list[FakeImage]) -> dict:
    """The files of #28 (arrangements, catalogue); the template values that go with them."""
    from arrangegen import arrangements, arrangements_js

    from render.catalogue_data import catalogue_js
    arr = arrangements(points, [im.meta for im in images])
    (dest / "data" / "arrangements.js").write_text(arrangements_js(arr), "utf-8")
    (dest / "data" / "catalogue.js").write_text(catalogue_js([f"photos/{im.title}.jpg" for im in images],
                                                             [im.meta for im in images]), "utf-8")
    return {"arrangements": arr["order"], "selection_page": True}


def write_map_site(dest: Path, points: dict, rows: list[dict], site_title: str, k: int,
                   grid_max: int | None = None, vendor: list | None = None, repo: Path = REPO,
                   extras: dict | None = None, extra: dict | None = None) -> None:
    """The map's data files (as a build splits them), index.html and the explorer for a points
    dict; `rows` are the grid's images. bench/explorer_bench.py uses it alone at 1M points."""
    dest = Path(dest)
    (dest / "data").mkdir(parents=True, exist_ok=True)
    vendor = vendor if vendor is not None else copy_vendor_scripts(dest)
    for rel, content in split_files(points, part_rows(k)).items():  # points.js and neighbour parts
        (dest / rel).write_text(content, "utf-8")
    for rel, content in (extras or {}).items():  # data/groups.js, data/filters.js
        (dest / rel).write_text(content, "utf-8")
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.DictLoader({"index.html": STANDIN_INDEX}),
                                    jinja2.FileSystemLoader(repo / "templates")]),
        autoescape=True,
    )
    env.filters["count"] = count  # "12 images", as render/pages.py's environment has it
    ctx = {
        "site_title": site_title,
        "images": rows[:grid_max],
        "grid": {"images": rows[:grid_max], "heading": f"All {points['count']} images", "pages": [],
                 "prev_url": "", "next_url": ""},
        "image_count": points["count"],
        "page_url_template": "image/{id}.html",  # flat here: the stand-in site writes flat files
        "thumb_url_template": "thumbs/{id}.jpg",
        "data_scripts": data_scripts(list(points["facets"]), points["count"], k) + (EXTRA_SCRIPTS if extras else []),
        "vendor_scripts": vendor,
        "explorer_scripts": explorer_scripts("static/"),
        "static_url": "static/",  # templates from before EXPLORER_SCRIPTS (tests/browser/test_layers.py) need it
        "explorer_css_url": "static/explorer.css",
        **(extra or {}),
    }
    (dest / "index.html").write_text(env.get_template("index.html").render(ctx), "utf-8")
    if ctx.get("selection_page"):  # templates/selection.html as the build renders it
        (dest / "selection.html").write_text(env.get_template("selection.html").render(
            {**ctx, "root": "", "style_url": "static/style.css", "site_description": "", "canonical": "",
             "og_image": ""}), "utf-8")
        (dest / "static" / "style.css").write_bytes((repo / "static" / "style.css").read_bytes())
        (dest / "static" / "selection-page.js").write_bytes((repo / "static" / "selection-page.js").read_bytes())
    copy_explorer(dest, repo)


def map_extras(metas: list[dict], tops: list[str], groups: dict | None = None,
               image_pages: bool = True) -> dict[str, str]:
    """data/groups.js and data/filters.js as render/map_extras.py makes them, for images with
    these catalogue fields (metas), top machine tags (tops: "" for none) and groups (facet ->
    core/group_files.py FacetGroups)."""
    from types import SimpleNamespace

    images = [SimpleNamespace(meta=m, tags=[{"label": t}] if t else []) for m, t in zip(metas, tops)]
    return extras_files(SimpleNamespace(images=images), groups or {}, image_pages)


GROUP_WORDS = ("harbours", "portraits", "dogs", "still lifes", "mountains", "flowers", "horses", "ships",
               "churches", "birds", "gardens", "interiors", "bridges", "forests", "the sea", "winter")


def synthetic_extras(xy, label, facet: str = "content", seed: int = 3) -> dict[str, str]:
    """Groups (the clusters: level 0; the big ones split east and west: level 1; 4 % not in a
    group), catalogue columns (creator, kind, a date in museum spellings) and top tags for a
    synthetic site of clustered points (bench/explorer_bench.py), by render/map_extras.py."""
    import numpy as np

    from core.group_files import FacetGroups, Group

    rng = np.random.default_rng(seed)
    xy, label = np.asarray(xy, float).reshape(-1, 2), np.asarray(label)
    n = len(label)
    kinds = ("painting", "print", "drawing", "photograph", "sculpture", "textile", "ceramic", "book")
    creator = (label * 7 + rng.integers(0, 3, n)) % 40
    year = 1800 + (label * 13) % 200 + rng.integers(0, 10, n)
    spell = rng.integers(0, 5, n)
    spellings = ("", "{y}", "c. {y}", "{y}-{z}", "{d}0s")
    dates = [spellings[s].format(y=y, z=y + 5, d=y // 10) for y, s in zip(year.tolist(), spell.tolist())]
    metas = [{"creator": f"Artist {c:02d}", "kind": kinds[(lab + k) % 8], "date": d}
             for c, lab, k, d in zip(creator.tolist(), label.tolist(), rng.integers(0, 2, n).tolist(), dates)]
    tops = [f"tag {t}" for t in (label % 80).tolist()]
    of0 = np.where(rng.random(n) < 0.04, -1, label).astype(np.int32)
    of1 = np.full(n, -1, np.int32)
    groups, next_id = [], int(label.max()) + 1
    for g in sorted(set(of0.tolist()) - {-1}):
        rows = np.flatnonzero(of0 == g)
        cx, cy = xy[rows].mean(0)
        groups.append(Group(g, 0, len(rows), int(rows[0]), None, GROUP_WORDS[g % 16].capitalize() if g % 5 else "",
                            "machine tags", float(cx), float(cy)))
        if len(rows) >= 300:
            for side in (0, 1):
                sub = rows[(xy[rows, 0] >= cx) == bool(side)]
                of1[sub] = next_id
                sx, sy = xy[sub].mean(0)
                name = f"{GROUP_WORDS[g % 16]} {'east' if side else 'west'}"
                groups.append(Group(next_id, 1, len(sub), int(sub[0]), g, name, "machine tags", float(sx), float(sy)))
                next_id += 1
    fg = FacetGroups(facet, groups, [of0, of1], [np.ones(n, np.float32), np.ones(n, np.float32)])
    return map_extras(metas, tops, {facet: fg})
