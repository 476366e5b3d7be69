"""The map's sheets when a collection grows: each picture keeps its cell, few sheets change."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image

import render.atlas
from core.site_state import SiteState
from render.assets import atlases
from render.atlas import EMPTY_COLOR, place_cells
from render.output import SiteFiles


def test_place_cells_keeps_cells_fills_gaps_and_repacks():
    assert place_cells(["a", "b", "a", "c"]) == ["a", "b", "c"]          # fresh: row order, each once
    before = ["a", "b", "c", "d"]
    assert place_cells(["x", "a", "b", "c", "d"], before) == ["a", "b", "c", "d", "x"]  # inserted first, placed last
    assert place_cells(["a", "c", "d"], before) == ["a", None, "c", "d"]                 # a gap, nothing moves
    assert place_cells(["y", "a", "c", "d", "z"], before) == ["a", "y", "c", "d", "z"]  # the gap is filled first
    assert place_cells(["a", "b"], before) == ["a", "b"]                                  # trailing gaps go
    many = [f"p{i}" for i in range(10)]
    assert place_cells(many[:4] + many[6:], many) == many[:4] + [None] * 2 + many[6:]    # 2 of 10 empty: kept
    assert place_cells(many[:4] + many[7:], many) == many[:4] + many[7:]                 # 3 of 10: packed afresh


class _Cache:
    """The image cache's part that atlases() uses: a thumbnail per content digest."""

    def __init__(self, root: Path):
        self.dir = root / "images-v1"

    def thumb(self, sha: str) -> Path:
        return self.dir / f"{sha}.thumb.jpg"


def _picture(cache: _Cache, sha: str, rgb) -> SimpleNamespace:
    cache.dir.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (20, 16), rgb).save(cache.thumb(sha), quality=95)
    return SimpleNamespace(sha256=sha)


def _signatures(site: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(site).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted((site / "atlas").rglob("*.jpg"))}


def _atlases(site: Path, images, cache, state):
    """render.assets.atlases through a SiteFiles, committed as a build does (or undone when it fails)."""
    files = SiteFiles(site)
    try:
        made = atlases(files, images, cache, state)
    except BaseException:
        files.abort()
        raise
    files.finish()
    return made


@pytest.fixture
def small_sheets(monkeypatch):
    monkeypatch.setattr(render.atlas, "CELL", 16)
    monkeypatch.setattr(render.atlas, "SHEET", 32)   # 4 cells a sheet


def test_a_grown_collection_remakes_only_the_sheets_that_changed(tmp_path, small_sheets):
    cache, site, state = _Cache(tmp_path), tmp_path / "site", SiteState(tmp_path / "work")
    colours = {f"{i:02d}": ((i * 23) % 256, (i * 71) % 256, (i * 113) % 256) for i in range(40)}
    images = [_picture(cache, sha, rgb) for sha, rgb in list(colours.items())[:20]]   # 5 sheets
    first, made = _atlases(site, images, cache, state)
    assert made == 5 and "cells" not in first and first["count"] == 20 and len(first["sheets"]) == 5
    files = _signatures(site)
    assert len(files) == 15                                  # 5 sheets at three levels

    again, none = _atlases(site, images, cache, state)  # unchanged: nothing is written
    assert again == first and none == 0 and _signatures(site) == files

    # Two images inserted near the top of the collection (as a new folder sorts), one removed.
    grown = images[:1] + [_picture(cache, sha, colours[sha]) for sha in ("30", "31")] + images[1:7] + images[8:]
    atlas, made = _atlases(site, grown, cache, state)
    now = _signatures(site)
    changed = sorted(rel for rel in now if now[rel] != files.get(rel))
    assert made == 2
    # The first new picture fills the removed one's cell (7, sheet 1), the second goes after
    # the last cell (20, a new sheet 5): sheets 0, 2, 3 and 4 are not touched.
    assert changed == ["atlas/1.jpg", "atlas/2/1.jpg", "atlas/2/5.jpg", "atlas/4/1.jpg", "atlas/4/5.jpg", "atlas/5.jpg"]
    cells = atlas["cells"]
    assert len(cells) == len(grown) == 21 and cells[:3] == [0, 7, 20] and cells[3:9] == [1, 2, 3, 4, 5, 6]
    # Each row's colour is its own picture's, wherever its cell is.
    for row, im in enumerate(grown):
        got = tuple(int(atlas["colors"][6 * row + 2 * c:6 * row + 2 * c + 2], 16) for c in range(3))
        assert all(abs(a - b) <= 6 for a, b in zip(got, colours[im.sha256])), (row, got)
    # ... and the pixels of a cell in a sheet made again are that picture's.
    sheet = Image.open(site / "atlas" / "1.jpg").convert("RGB")
    j = cells[1] % 4   # "30" in sheet 1
    px = sheet.getpixel(((j % 2) * 16 + 8, (j // 2) * 16 + 8))
    assert all(abs(a - b) <= 8 for a, b in zip(px, colours["30"]))
    saved = json.loads(state.path("atlas").read_text())
    assert saved["cells"][7] == "30" and saved["cells"][20] == "31"


def test_empty_cells_are_background_and_a_damaged_state_remakes_all(tmp_path, small_sheets):
    cache, site, state = _Cache(tmp_path), tmp_path / "site", SiteState(tmp_path / "work")
    images = [_picture(cache, f"{i:02d}", (200, 40 + i, 40)) for i in range(10)]
    _atlases(site, images, cache, state)
    atlas, _ = _atlases(site, images[:5] + images[6:], cache, state)   # cell 5 empties
    assert atlas["cells"] == [0, 1, 2, 3, 4, 6, 7, 8, 9]
    saved = json.loads(state.path("atlas").read_text())
    assert saved["cells"][5] is None and saved["colors"][30:36] == EMPTY_COLOR
    state.path("atlas").write_text("{not json")
    before = _signatures(site)
    same, made = _atlases(site, images[:5] + images[6:], cache, state)  # unchanged: as it was
    assert made == 0 and same == atlas and _signatures(site) == before
    fresh, made = _atlases(site, images[:4] + images[6:], cache, state)  # a change, no cells known
    assert made == 2 and "cells" not in fresh   # packed afresh: 8 cells in sheets 0 and 1
    now = _signatures(site)
    assert now["atlas/1.jpg"] != before["atlas/1.jpg"] and "atlas/2.jpg" not in now


def test_a_build_stopped_while_making_sheets_leaves_none_taken_as_unchanged(tmp_path, small_sheets):
    """Sheets of another collection written, then the build stopped (a missing thumbnail
    here): the next build of the first collection must not take them as its own."""
    cache, site, state = _Cache(tmp_path), tmp_path / "site", SiteState(tmp_path / "work")
    first = [_picture(cache, f"x{i}", (250, 20 * i, 20)) for i in range(8)]   # two sheets, red-ish
    _atlases(site, first, cache, state)
    other = ([_picture(cache, f"y{i}", (20, 20 * i, 250)) for i in range(4)] + first[4:7]
             + [SimpleNamespace(sha256="gone")])
    with pytest.raises(FileNotFoundError):
        _atlases(site, other, cache, state)   # sheet 0 made with blue pictures, sheet 1 failed
    atlas, made = _atlases(site, first, cache, state)
    assert made >= 1
    sheet = Image.open(site / "atlas" / "0.jpg").convert("RGB")
    r, g, b = sheet.getpixel((8, 8))   # cell 0: first[0], (250, 0, 20) again
    assert r > 200 and b < 80, (r, g, b)
    assert atlas["colors"][:2] in ("f9", "fa", "fb", "f8", "f7")
