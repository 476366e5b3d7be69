"""The site's files that are not pages: image copies, originals, d3, our static files, map sheets.

Each is copied from where an earlier stage or `npm ci` left it, through render/sitefiles.py
SiteFiles, which records every file so that stale files of an earlier build (and nothing
else) can be removed; render/outputs.py lists them.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from core.names import on_disk
from render.urls import media_path, original_path, thumb_path

STATIC = Path(__file__).resolve().parent.parent / "static"


class ImageCopies:
    """The thumbnails and display copies a site publishes, copied from the content-addressed
    cache and keyed by the image's SHA-256 (render/keyed.py): an unchanged image costs one
    stat of its site file, no read and no compare. A small original publishes its
    thumbnail only: the display copy would be the same picture (render/pages.py display_copy)."""

    def __init__(self, images, image_cache, opts, state):
        from render.pages import display_copy

        self.state, self.cache = state, image_cache
        self.plan: list[tuple[str, str, bool]] = []  # (site path, image sha, display copy?)
        # A copy's key: the image, and the recipe of its copies (the cache folder names their
        # sizes; `colour`, an embedded profile's conversion): either changes the picture.
        self.keys: dict[str, str] = {im.sha256: f"{image_cache.dir.name}/{im.sha256}" + (
            f":{im.colour}" if getattr(im, "colour", "") else "") for im in images}
        for im in images:
            thumb = thumb_path(im.id)
            self.plan.append((thumb, im.sha256, False))
            if opts.display_copies and display_copy(im, opts)[0] != thumb:
                self.plan.append((media_path(im.id), im.sha256, True))

    def source(self, sha: str, display: bool) -> Path:
        return self.cache.display(sha) if display else self.cache.thumb(sha)

    def bytes_by_folder(self) -> dict[str, int]:
        """Bytes the copies will take, by top folder: what the last build recorded, else the cache file's size."""
        saved = self.state.read("copies") if self.state is not None else {}
        out: dict[str, int] = {}
        for rel, sha, display in self.plan:
            entry = saved.get(rel)
            ok = isinstance(entry, list) and len(entry) > 1 and entry[0] == self.keys[sha] and isinstance(entry[1], int)
            size = entry[1] if ok else _size(self.source(sha, display))
            top = rel.split("/", 1)[0]
            out[top] = out.get(top, 0) + size
        return out


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def copy_originals(site, collection: Path, images, warn) -> list[str]:
    """Stream each original (it may be huge) unless an identical copy is already there."""
    for im in images:
        rel = original_path(im)
        try:
            site.copy(rel, on_disk(collection / im.path), im.sha256)
        except OSError as exc:  # the original is gone or unreadable (a full disk is a WriteError)
            warn(f"original of {im.path} not copied: {exc.strerror or exc}")
    return []


def vendor_scripts(site, warn) -> list[str]:
    """d3 from node_modules; without it the site is the thumbnail grid, and the note says why."""
    from render.vendor import MissingFrontendError, copy_vendor_scripts

    try:
        scripts = copy_vendor_scripts(site.out, put=site.put)
    except MissingFrontendError as exc:
        warn(f"map disabled, the site shows a thumbnail grid instead: {exc}")
        return []
    return scripts


def static_names() -> list[str]:
    """The site paths of static/ that a build writes: ours, and the d3 modules."""
    from render.vendor import MODULES

    return [f"static/{p.relative_to(STATIC).as_posix()}" for p in sorted(STATIC.rglob("*")) if p.is_file()] + \
        [f"static/vendor/{name}.min.js" for name in MODULES]


def static_files() -> list[tuple[str, bytes]]:
    """(site path, bytes) of our static files."""
    return [("static/" + p.relative_to(STATIC).as_posix(), p.read_bytes()) for p in sorted(STATIC.rglob("*"))
            if p.is_file()]


ATLAS_VERSION = "atlas-v3"  # change when render/atlas.py makes other bytes for the same thumbnails


def atlases(site, images, image_cache, state, log=None) -> tuple[dict, int]:
    """Sprite sheets, each made again only when the pictures in its cells changed: the atlas's
    metadata (points["atlas"]) and how many sheets were made this time.

    Each picture keeps its cell from build to build (render/atlas.py place_cells), so adding
    images to a large collection remakes the sheets they land in, not every sheet after the
    first insertion. The cells, each sheet's key and the cells' colours are kept in the work
    folder (`state`, core/site_state.py: the records "atlas" and "atlas-made"); a sheet is reused
    while its key matches and its files are in the site. points["atlas"]["cells"] maps rows to
    cells where that is not the identity.
    """
    from core.log import QUIET
    from render.atlas import CELL, EMPTY_COLOR, SHEET, place_cells, sheet_files, write_atlases

    pictures = [im.sha256 for im in images]
    colour = {im.sha256: im.colour for im in images if getattr(im, "colour", "")}  # converted profiles: other pixels
    # An unchanged collection: the last atlas as it was, from a small file (the cells' record
    # is 6.7 MB at 100,000 images and placing them again 0.1 s: a warm build's budget is 10 s).
    digest = hashlib.sha256("\n".join([ATLAS_VERSION, image_cache.dir.name] + pictures + sorted(
        f"{p}:{c}" for p, c in colour.items())).encode()).hexdigest()
    last = state.read("atlas-made", lambda v: v["digest"] == digest and isinstance(v["atlas"], dict) and all(
        (site.out / f).is_file() for f in _sheet_files(v["atlas"]))) if state is not None else {}
    if last:  # else none, damaged, or another collection's: the sheets are checked one by one below
        site.keep(*_sheet_files(last["atlas"]))
        return last["atlas"], 0

    saved = state.read("atlas", lambda v: _valid_atlas(v, image_cache.dir.name)) if state is not None else {}
    cells = place_cells(pictures, saved.get("cells"))
    per_sheet = (SHEET // CELL) ** 2
    spans = [range(s, min(len(cells), s + per_sheet)) for s in range(0, len(cells), per_sheet)]  # cells of sheet n
    keys = [hashlib.sha256("\n".join([ATLAS_VERSION, image_cache.dir.name, str(CELL), str(SHEET)]
                                     + [(cells[j] or "") + (":" + colour[cells[j]] if cells[j] in colour else "")
                                        for j in span]).encode()).hexdigest() for span in spans]
    old_keys, old_colors = saved.get("keys", []), saved.get("colors", "")
    keep = {n: [old_colors[6 * j:6 * j + 6] for j in span] for n, span in enumerate(spans)
            if n < len(old_keys) and old_keys[n] == keys[n] and all((site.out / f).is_file() for f in sheet_files(n))}
    remade = len(keys) - len(keep)

    def record(keys: list, colors: str) -> dict:
        return {"version": ATLAS_VERSION, "cache": image_cache.dir.name, "cells": cells, "keys": keys, "colors": colors}

    if state is not None and remade:
        # Before any sheet is overwritten, the record stops vouching for those about to be: a
        # build stopped half-way must not leave a sheet that a later one takes as unchanged.
        state.forget("atlas-made")
        state.write("atlas", record([key if n in keep else None for n, key in enumerate(keys)], "".join(
            "".join(keep[n]) if n in keep else EMPTY_COLOR * len(span) for n, span in enumerate(spans))))
    thumbs = [None] * len(cells)  # paths only for the sheets to make: 100,000 of them took 0.5 s
    for n, span in enumerate(spans):
        if n not in keep:
            for j in span:
                thumbs[j] = image_cache.thumb(cells[j]) if cells[j] else None
    progress = (log or QUIET if remade else QUIET).progress("map sheets", len(cells), unit="thumbs")
    atlas = write_atlases(thumbs, site.out, CELL, SHEET, on_sheet=progress.advance, keep=keep, put=site.put)
    progress.close()
    if state is not None and (remade or saved.get("cells") != cells):  # once the sheets are in place
        site.save_after(state.path("atlas"), state.text(record(keys, atlas["colors"])))
    site.keep(*_sheet_files(atlas))
    cell_of = {p: j for j, p in enumerate(cells) if p is not None}
    row_cells = [cell_of[p] for p in pictures]
    colors = atlas["colors"]
    atlas["colors"] = "".join(colors[6 * c:6 * c + 6] for c in row_cells)  # the map reads one a row
    atlas["count"] = len(images)
    if row_cells != list(range(len(images))):
        atlas["cells"] = row_cells
    if state is not None:
        site.save_after(state.path("atlas-made"), state.text({"digest": digest, "atlas": atlas}))
    return atlas, remade


def _valid_atlas(saved: dict, cache: str) -> bool:
    """The last build's cells, keys and colours are whole, of this version and image cache (else
    the sheets are made again)."""
    cells, keys, colors = saved.get("cells"), saved.get("keys"), saved.get("colors")
    return saved.get("version") == ATLAS_VERSION and saved.get("cache") == cache and isinstance(cells, list) \
        and isinstance(keys, list) and isinstance(colors, str) and len(colors) == 6 * len(cells) \
        and all(c is None or isinstance(c, str) for c in cells)


def _sheet_files(atlas: dict) -> list[str]:
    """Every sheet of the atlas: the full ones and their smaller levels (atlas/2/, atlas/4/)."""
    return list(atlas.get("sheets", [])) + [s for level in atlas.get("levels", []) for s in level["sheets"]]


def favicon(images, image_cache) -> bytes:
    """favicon.png: the first four images of the collection, 2 x 2, cropped square (64 px).

    A site with no icon logs a 404 on every page; one made from the collection says whose it is."""
    import io

    from PIL import Image, ImageOps

    tile, icon = 32, Image.new("RGB", (64, 64), (20, 20, 22))
    for n, im in enumerate(images[:4]):
        with Image.open(image_cache.thumb(im.sha256)) as thumb:
            square = ImageOps.fit(thumb.convert("RGB"), (tile, tile), Image.BICUBIC)
        icon.paste(square, ((n % 2) * tile, (n // 2) * tile))
    if len(images) == 1:
        icon = icon.crop((0, 0, tile, tile)).resize((64, 64), Image.NEAREST)
    buf = io.BytesIO()
    icon.save(buf, "PNG", optimize=True)
    return buf.getvalue()
