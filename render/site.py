"""The render stage: manifest + layouts + templates + static files -> the site folder.

A read phase gathers everything, then a write phase writes each file
atomically; files whose bytes are unchanged are left alone, so an unchanged
rebuild is byte-identical and a gh-pages diff shows only what really changed.
"""
from __future__ import annotations

import filecmp
import os
import posixpath
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from core.files import write_bytes, write_text
from core.progress import Progress, say
from render import data as site_data
from render import output
from render.memo import PageMemo, code_digest, site_key, state_dir_for, templates_digest
from render.urls import absolute_url, relative_url

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "templates"
STATIC = REPO / "static"


@dataclass
class RenderResult:
    files: int
    removed: list[str]
    notes: list[str] = field(default_factory=list)


def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def page_path(image_id: str) -> str:
    return f"image/{image_id}.html"


def thumb_path(image_id: str) -> str:
    return f"thumbs/{image_id}.jpg"


def media_path(image_id: str) -> str:
    return f"media/{image_id}.jpg"


def original_path(im) -> str:
    return f"originals/{im.id}{Path(im.path).suffix.lower()}"


def render_site(out: Path, manifest, layouts: dict, image_cache, settings, quiet: bool = False,
                collection: Path | None = None, features: dict | None = None,
                state_dir: Path | None = None) -> RenderResult:
    """Write the whole site into `out` (already checked by render.output.check_output)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    site_state = state_dir_for(state_dir, out)  # what this work folder last wrote into this output folder
    env = environment()
    written: set[str] = set()
    notes: list[str] = []

    def put(rel: str, data: bytes | str) -> None:
        (write_text if isinstance(data, str) else write_bytes)(out / rel, data)
        written.add(rel)

    images = manifest.images
    # Image files: copied from the content-addressed cache, never re-encoded.
    copying = Progress("images", len(images), unit="images", quiet=quiet)
    for im in images:
        put(thumb_path(im.id), image_cache.thumb(im.sha256).read_bytes())
        put(media_path(im.id), image_cache.display(im.sha256).read_bytes())
        if settings.copy_originals and collection is not None:
            _copy_original(Path(collection), im, out, written, notes)
        copying.advance()
    copying.close()

    # Third-party JS and thumbnail atlases for the map.
    vendor_scripts = _vendor(out, written, notes)
    atlas = _atlases(out, images, image_cache, site_state, quiet)
    written.update(atlas.get("sheets", []))

    points = site_data.points_dict(manifest, layouts, settings.map_neighbours, atlas, FACET_LABELS, FACET_HINTS)
    put("data/points.json", site_data.points_json(points) + "\n")
    put("data/points.js", site_data.points_js(points))
    put("data/neighbours.csv", site_data.neighbours_csv(manifest, layouts))
    for rel in _static_files():
        put(rel, (STATIC / Path(rel).relative_to("static")).read_bytes())
    put(".nojekyll", "")

    common = {"site_title": settings.title, "site_description": settings.description}
    index_ctx = _index_context(images, settings, vendor_scripts)
    put("index.html", env.get_template("index.html").render(**common, **index_ctx))
    image_tpl = env.get_template("image.html")
    cards = _Cards(images, settings)
    memo = PageMemo(site_state, out, templates_digest(TEMPLATES) + code_digest())
    pages = [page_path(im.id) for im in images]
    feats = features or {}
    key = site_key(common, sorted((k, v) for k, v in vars(settings).items() if k != "origin"), images,
                   *[a for f, lay in layouts.items() for a in (f, lay.neighbours, lay.similarity)],
                   *[a for f in sorted(feats) for a in (f, np.asarray(feats[f]))])
    if memo.site_unchanged(key, pages):
        say(f"render: all {len(pages)} image pages unchanged", quiet)
        written.update(pages)
        images_to_render = []
    else:
        images_to_render = images
        memo.begin()
    progress = Progress("render", len(images_to_render), unit="pages", quiet=quiet)
    for i, im in enumerate(images_to_render):
        page = page_path(im.id)
        ctx = {**common, **_image_context(i, im, images, layouts, features or {}, settings, page, cards)}
        digest = memo.digest(ctx)
        if memo.unchanged(page, digest):  # same inputs, same templates, file still as written
            written.add(page)
        else:
            put(page, image_tpl.render(**ctx))
            memo.wrote(page, digest)
        progress.advance()
    progress.close()
    memo.save()
    removed = output.finish(out, written)
    return RenderResult(len(written), removed, notes)


def _copy_original(collection: Path, im, out: Path, written: set[str], notes: list[str]) -> None:
    """Stream the original (it may be huge) unless an identical copy is already there."""
    from embed.names import on_disk

    rel = original_path(im)
    src, dst = on_disk(collection / im.path), out / rel
    try:
        if not (dst.exists() and dst.stat().st_size == src.stat().st_size and filecmp.cmp(src, dst, shallow=False)):
            dst.parent.mkdir(parents=True, exist_ok=True)
            tmp = dst.with_name(f".{dst.name}.tmp")
            shutil.copyfile(src, tmp)
            os.replace(tmp, dst)
        written.add(rel)
    except OSError as exc:
        notes.append(f"original of {im.path} not copied: {exc.strerror or exc}")


def _vendor(out: Path, written: set[str], notes: list[str]) -> list[str]:
    from render.vendor import MissingFrontendError, copy_vendor_scripts

    try:
        scripts = copy_vendor_scripts(out)
    except MissingFrontendError as exc:
        notes.append(f"map disabled, the site shows a thumbnail grid instead: {exc}")
        return []
    written.update(scripts)
    return scripts


def _atlases(out: Path, images, image_cache, state_dir: Path | None, quiet: bool = True) -> dict:
    """Sprite sheets, rebuilt only when the images (by content, in row order) changed.

    The sheets are made from the cached thumbnails; an unchanged build would decode
    every thumbnail again for identical bytes, so the last key and metadata are kept
    in the work folder and reused while the sheets are still in the site.
    """
    import hashlib
    import json

    from render.atlas import write_atlases

    key = hashlib.sha256("\n".join(["atlas-v1", image_cache.dir.name] + [im.sha256 for im in images]).encode())
    state = Path(state_dir) / "atlas.json" if state_dir else None
    if state is not None and state.exists():
        try:
            saved = json.loads(state.read_text())
            if saved["key"] == key.hexdigest() and all((out / s).is_file() for s in saved["atlas"]["sheets"]):
                return saved["atlas"]
        except (OSError, ValueError, KeyError, TypeError):
            pass  # damaged state: rebuild the sheets
    progress = Progress("map sheets", len(images), unit="thumbs", quiet=quiet)
    atlas = write_atlases([image_cache.thumb(im.sha256) for im in images], out, on_sheet=progress.advance)
    progress.close()
    if state is not None:
        write_text(state, json.dumps({"key": key.hexdigest(), "atlas": atlas}, sort_keys=True))
    return atlas


def _static_files() -> list[str]:
    return sorted(p.relative_to(REPO).as_posix() for p in STATIC.rglob("*") if p.is_file())


def _sizes(im, settings) -> tuple[tuple, tuple]:
    """(display, thumbnail) pixel sizes of an image's copies, by the rule that made them."""
    from embed.images import copy_sizes

    return copy_sizes(im.width, im.height, settings.thumb_size, settings.display_size)


LABELS = {"creator": "Creator", "date": "Date", "source": "Source", "licence": "Licence", "tags": "Tags"}


def _facts(meta: dict) -> list[dict]:
    """Catalogue fields for the page: known ones first, in a fixed order, then the rest as-is."""
    from embed.metadata import safe_link

    facts = []
    for key in ("creator", "date", "source", "licence", "tags"):
        if meta.get(key):
            value = meta[key]
            facts.append({"label": LABELS[key], "value": value,
                          "link": safe_link(value) if key == "source" else ""})
    for key, value in meta.items():
        if key not in LABELS and key not in ("title", "description"):
            facts.append({"label": key, "value": value, "link": ""})
    return facts


def _index_context(images, settings, vendor_scripts: list[str]) -> dict:
    page = "index.html"
    rows = []
    for im in images:
        w, h = _sizes(im, settings)[1]
        rows.append({"id": im.id, "title": im.title, "page_url": relative_url(page, page_path(im.id)),
                     "thumb_url": relative_url(page, thumb_path(im.id)), "width": w, "height": h})
    return {
        "page": page,
        "root": "",
        "images": rows,
        "vendor_scripts": [relative_url(page, s) for s in vendor_scripts],
        "points_js_url": "data/points.js",
        "explorer_js_url": "static/explorer.js",
        "explorer_css_url": "static/explorer.css",
        "style_url": "static/style.css",
        "og_image": (absolute_url(settings.base_url, thumb_path(images[0].id)) or thumb_path(images[0].id))
        if images else "",
        "canonical": absolute_url(settings.base_url, page),
        "image_count": len(images),
    }


FACET_LABELS = {"content": "Subject", "style": "Style", "colour": "Colour", "blend": "Blend"}
FACET_HINTS = {
    "content": "what is depicted (CNN content features)",
    "style": "texture and brushwork (Gram matrices of CNN activations)",
    "colour": "palette (colour histogram)",
    "blend": "a weighted mix of the facets",
}


class _Cards:
    """Each image's neighbour card (link, thumbnail, title) as escaped HTML, made once per
    folder of pages instead of once per appearance: an image is listed on ~90 pages, and
    escaping it each time was most of the render stage (docs/benchmarks.md)."""

    def __init__(self, images, settings):
        self.images, self.settings = images, settings
        self._by_folder: dict[str, list] = {}

    def for_page(self, page: str) -> list:
        folder = posixpath.dirname(page)
        if folder not in self._by_folder:
            cards = []
            for other in self.images:
                w, h = _sizes(other, self.settings)[1]
                cards.append(Markup(
                    '<a href="{}"><img src="{}" alt="" loading="lazy" width="{}" height="{}">'
                    '<span class="thumb-title">{}</span>'
                ).format(relative_url(page, page_path(other.id)), relative_url(page, thumb_path(other.id)),
                         w, h, other.title))
            self._by_folder[folder] = cards
        return self._by_folder[folder]


def _image_context(i: int, im, images, layouts: dict, features: dict, settings, page: str,
                   cards: "_Cards | None" = None) -> dict:
    cards = cards or _Cards(images, settings)
    card_of = cards.for_page(page)
    shown = [f for f in layouts if f in features] if len(layouts) > 1 else []
    # "why is this similar": the pair's similarity in every facet of the site, one product per facet
    listed = np.unique(np.concatenate([np.asarray(lay.neighbours[i], np.int64) for lay in layouts.values()]))
    pair = {f: dict(zip(listed.tolist(), (np.asarray(features[f][listed]) @ np.asarray(features[f][i])).tolist()))
            for f in shown}
    sections = []
    for facet, lay in layouts.items():
        nbrs = []
        for j, sim in zip(lay.neighbours[i], lay.similarity[i]):
            j = int(j)
            # labels escaped (only known facet names are admitted today), the rest digits
            why = Markup(" &middot; ".join(f"{escape(FACET_LABELS.get(f, f))} {pair[f][j]:.2f}" for f in shown if f != facet))
            nbrs.append({"id": images[j].id, "card": card_of[j], "similarity": float(sim), "why": why})
        sections.append({"facet": facet, "label": FACET_LABELS.get(facet, facet),
                         "hint": FACET_HINTS.get(facet, ""), "neighbours": nbrs})
    dw, dh = _sizes(im, settings)[0]
    return {
        "facts": _facts(im.meta),
        "description": im.meta.get("description", ""),
        "page": page,
        "root": posixpath.relpath(".", posixpath.dirname(page)) + "/",
        "image": im,
        "display_url": relative_url(page, media_path(im.id)),
        "display_width": dw,
        "display_height": dh,
        "map_url": relative_url(page, "index.html", im.id),
        "home_url": relative_url(page, "index.html"),
        "style_url": relative_url(page, "static/style.css"),
        "sections": sections,
        "neighbours": sections[0]["neighbours"] if sections else [],
        "prev_url": relative_url(page, page_path(images[i - 1].id)) if len(images) > 1 else "",
        "next_url": relative_url(page, page_path(images[(i + 1) % len(images)].id)) if len(images) > 1 else "",
        "og_image": absolute_url(settings.base_url, thumb_path(im.id)) or relative_url(page, thumb_path(im.id)),
        "original_url": relative_url(page, original_path(im)) if settings.copy_originals else "",
        "canonical": absolute_url(settings.base_url, page),
    }

