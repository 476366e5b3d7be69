"""The site's files that are not pages: image copies, originals, d3, our static files, map sheets.

Each is copied from where an earlier stage or `npm ci` left it, through render/output.py's
SiteFiles, which records every file so that stale files of an earlier build (and nothing
else) can be removed.
"""
from __future__ import annotations

import filecmp
import hashlib
import json
import os
import shutil
from pathlib import Path

from core.files import write_text
from core.progress import Progress
from render.keyed import KeyedFiles
from render.urls import media_path, original_path, thumb_path

STATIC = Path(__file__).resolve().parent.parent / "static"


class ImageCopies:
    """The thumbnails and display copies a site publishes, copied from the content-addressed
    cache and keyed by the image's SHA-256 (render/keyed.py): an unchanged image costs one
    stat of its site file, no read and no compare. A small original publishes its
    thumbnail only: the display copy would be the same picture (render/pages.py display_copy)."""

    def __init__(self, images, image_cache, opts, state: Path | None):
        from render.pages import display_copy

        self.state, self.cache = state, image_cache
        self.plan: list[tuple[str, str, bool]] = []  # (site path, image sha, display copy?)
        for im in images:
            thumb = thumb_path(im.id)
            self.plan.append((thumb, im.sha256, False))
            if opts.display_copies and display_copy(im, opts)[0] != thumb:
                self.plan.append((media_path(im.id), im.sha256, True))

    def _source(self, sha: str, display: bool) -> Path:
        return self.cache.display(sha) if display else self.cache.thumb(sha)

    def bytes_by_folder(self) -> dict[str, int]:
        """Bytes the copies will take, by top folder: what the last build recorded, else the cache file's size."""
        saved = KeyedFiles.read_state(self.state)
        out: dict[str, int] = {}
        for rel, sha, display in self.plan:
            entry = saved.get(rel)
            size = entry[1] if entry and entry[0] == sha else _size(self._source(sha, display))
            top = rel.split("/", 1)[0]
            out[top] = out.get(top, 0) + size
        return out

    def write(self, site, quiet: bool) -> int:
        """Copy what changed; returns how many files were copied."""
        files = KeyedFiles(site, self.state)
        progress = Progress("images", len(self.plan), unit="files", quiet=quiet)
        for rel, sha, display in self.plan:
            files.put(rel, sha, lambda sha=sha, display=display: self._source(sha, display).read_bytes())
            progress.advance()
        progress.close()
        files.save()
        return len(files.made)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def copy_originals(site, collection: Path, images, notes: list[str]) -> None:
    """Stream each original (it may be huge) unless an identical copy is already there."""
    from embed.names import on_disk

    for im in images:
        rel = original_path(im)
        src, dst = on_disk(collection / im.path), site.out / rel
        try:
            if not (dst.exists() and dst.stat().st_size == src.stat().st_size and filecmp.cmp(src, dst, shallow=False)):
                dst.parent.mkdir(parents=True, exist_ok=True)
                tmp = dst.with_name(f".{dst.name}.tmp")
                shutil.copyfile(src, tmp)
                os.replace(tmp, dst)
            site.keep(rel)
        except OSError as exc:
            notes.append(f"original of {im.path} not copied: {exc.strerror or exc}")


def vendor_scripts(site, notes: list[str]) -> list[str]:
    """d3 from node_modules; without it the site is the thumbnail grid, and the note says why."""
    from render.vendor import MissingFrontendError, copy_vendor_scripts

    try:
        scripts = copy_vendor_scripts(site.out)
    except MissingFrontendError as exc:
        notes.append(f"map disabled, the site shows a thumbnail grid instead: {exc}")
        return []
    site.keep(*scripts)
    return scripts


def static_files(site) -> None:
    for p in sorted(STATIC.rglob("*")):
        if p.is_file():
            site.put("static/" + p.relative_to(STATIC).as_posix(), p.read_bytes())


def atlases(site, images, image_cache, state: Path | None, quiet: bool = True) -> dict:
    """Sprite sheets, rebuilt only when the images (by content, in row order) changed.

    The sheets are made from the cached thumbnails; an unchanged build would decode
    every thumbnail again for identical bytes, so the last key and metadata are kept
    in the work folder (`state`) and reused while the sheets are still in the site.
    """
    from render.atlas import write_atlases

    key = hashlib.sha256("\n".join(["atlas-v2", image_cache.dir.name] + [im.sha256 for im in images]).encode())
    atlas = None
    if state is not None and state.exists():
        try:
            saved = json.loads(state.read_text())
            if saved["key"] == key.hexdigest() and all((site.out / s).is_file() for s in _sheet_files(saved["atlas"])):
                atlas = saved["atlas"]
        except (OSError, ValueError, KeyError, TypeError):
            pass  # damaged state: rebuild the sheets
    if atlas is None:
        progress = Progress("map sheets", len(images), unit="thumbs", quiet=quiet)
        atlas = write_atlases([image_cache.thumb(im.sha256) for im in images], site.out,
                               on_sheet=progress.advance)
        progress.close()
        if state is not None:
            write_text(state, json.dumps({"key": key.hexdigest(), "atlas": atlas}, sort_keys=True))
    site.keep(*_sheet_files(atlas))
    return atlas


def _sheet_files(atlas: dict) -> list[str]:
    """Every sheet of the atlas: the full ones and their smaller levels (atlas/2/, atlas/4/)."""
    return list(atlas.get("sheets", [])) + [s for level in atlas.get("levels", []) for s in level["sheets"]]


def favicon(site, images, image_cache) -> None:
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
    site.put("favicon.png", buf.getvalue())
