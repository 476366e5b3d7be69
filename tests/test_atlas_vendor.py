"""render/atlas.py and render/vendor.py: no browser needed (not marked `browser`)."""
from __future__ import annotations

import shutil

import pytest
from PIL import Image

from render.atlas import write_atlases
from render.vendor import REPO_ROOT, MissingFrontendError, copy_vendor_scripts


def _thumbs(tmp_path, n):
    paths = []
    for i in range(n):
        p = tmp_path / "in" / f"{i}.png"
        p.parent.mkdir(exist_ok=True)
        size = (120, 60) if i % 2 else (50, 100)
        Image.new("RGBA" if i == 3 else "RGB", size, (i * 20 % 256, 100, 200)).save(p)
        paths.append(p)
    return paths


def test_atlas_layout_and_metadata(tmp_path):
    paths = _thumbs(tmp_path, 11)
    meta = write_atlases(paths, tmp_path / "site", cell=32, sheet=128)
    assert meta["per_row"] == 4 and meta["per_sheet"] == 16 and meta["count"] == 11
    assert meta["sheets"] == ["atlas/0.jpg"]
    assert len(meta["colors"]) == 6 * 11
    sheet = Image.open(tmp_path / "site" / "atlas" / "0.jpg")
    assert sheet.size == (128, 96)            # 11 cells -> 3 rows of 4, no empty 4th row
    # Row 1 is 120x60 -> fitted 32x16, centred vertically in cell (1, 0).
    x, y = 32 + 16, 16
    r, g, b = sheet.getpixel((x, y))
    assert abs(g - 100) < 12 and abs(b - 200) < 12
    assert sum(sheet.getpixel((x, 2))) < 100  # letterbox above it is background
    # The smaller levels the map loads far out: the same cells at 1/2 and 1/4 of the size.
    assert meta["levels"] == [{"divisor": 2, "sheets": ["atlas/2/0.jpg"]}, {"divisor": 4, "sheets": ["atlas/4/0.jpg"]}]
    for d in (2, 4):
        small = Image.open(tmp_path / "site" / "atlas" / str(d) / "0.jpg")
        assert small.size == (128 // d, 96 // d)
        r, g, b = small.getpixel((x // d, y // d))
        assert abs(g - 100) < 16 and abs(b - 200) < 16


def test_atlas_is_deterministic_and_prunes_old_sheets(tmp_path):
    paths = _thumbs(tmp_path, 40)
    site = tmp_path / "site"
    a = write_atlases(paths, site, cell=32, sheet=128)
    first = {str(p.relative_to(site)): p.read_bytes() for p in (site / "atlas").rglob("*.jpg")}
    assert len(a["sheets"]) == 3 and len(first) == 9  # three sheets at three levels
    b = write_atlases(paths, site, cell=32, sheet=128)
    assert a == b and first == {str(p.relative_to(site)): p.read_bytes() for p in (site / "atlas").rglob("*.jpg")}
    write_atlases(paths[:10], site, cell=32, sheet=128)
    assert sorted(str(p.relative_to(site)) for p in (site / "atlas").rglob("*.jpg")) == [
        "atlas/0.jpg", "atlas/2/0.jpg", "atlas/4/0.jpg"]


def test_atlas_rejects_oversized_sheets_and_missing_files(tmp_path):
    with pytest.raises(ValueError, match="4096"):
        write_atlases([], tmp_path, sheet=8192)
    with pytest.raises(FileNotFoundError, match="row 0"):
        write_atlases([tmp_path / "nope.jpg"], tmp_path)


def test_vendor_scripts_copied_in_load_order(tmp_path):
    if not (REPO_ROOT / "node_modules" / "d3-zoom").is_dir():
        pytest.skip("node_modules not installed (npm ci)")
    paths = copy_vendor_scripts(tmp_path)
    names = [p.rsplit("/", 1)[1] for p in paths]
    assert names.index("d3-selection.min.js") < names.index("d3-zoom.min.js") < names.index("d3-delaunay.min.js")
    assert all((tmp_path / p).is_file() for p in paths)


def test_vendor_missing_node_modules_says_npm_ci(tmp_path):
    with pytest.raises(MissingFrontendError, match="npm ci"):
        copy_vendor_scripts(tmp_path / "site", node_modules=tmp_path / "node_modules")
    if (REPO_ROOT / "node_modules").is_dir():
        nm = tmp_path / "nm"
        shutil.copytree(REPO_ROOT / "node_modules", nm)
        shutil.rmtree(nm / "d3-zoom")
        with pytest.raises(MissingFrontendError, match="d3-zoom.*npm ci"):
            copy_vendor_scripts(tmp_path / "site", node_modules=nm)
