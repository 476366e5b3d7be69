"""Fixtures for the map explorer's browser tests (Playwright + Debian Chromium).

Sites are written by the stand-in writer in sitegen.py (contract-shaped, small)
and served both from file:// and from a local HTTP server under /repo/, the way
GitHub Pages serves a project site.
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
for p in (str(REPO), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

from sitegen import FakeImage, serve, write_site  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# 12 images on a 4 x 3 grid, each a clearly different solid colour.
COLOURS = [
    ("Red square", (220, 30, 30)), ("Green field", (30, 180, 60)), ("Blue hour", (40, 70, 220)),
    ("Yellow study", (240, 220, 40)), ("Magenta night", (220, 40, 200)), ("Cyan sea", (40, 210, 220)),
    ("Orange still life", (245, 140, 30)), ("Violet portrait", (120, 50, 190)), ("White on white", (245, 245, 245)),
    ("Lime", (160, 230, 40)), ('<img src=x onerror="document.title=1"> & "Quoted"', (240, 120, 170)),
    ("Teal study", (20, 130, 130)),
]


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: needs headless Chromium at /usr/bin/chromium (Playwright)")


def small_images() -> list[FakeImage]:
    out = []
    for n, (title, rgb) in enumerate(COLOURS):
        col, row = n % 4, n // 4
        size = (160, 120) if n % 3 else (120, 160)   # landscape and portrait
        out.append(FakeImage(title=title, xy=(0.1 + 0.8 * col / 3, 0.15 + 0.35 * row),
                             pixels=Image.new("RGB", size, rgb),
                             extra_xy={"colour": (0.1 + 0.8 * (3 - col) / 3, 0.85 - 0.35 * row)}))
    return out


TARGET_TITLE = "Half magenta, half cyan"


def dense_images(side: int = 30) -> list[FakeImage]:
    """side^2 muted images on a grid; the centre one is half magenta / half cyan,
    so its mean colour (the dot) contains neither pure colour but its thumbnail does."""
    out = []
    for r in range(side):
        for c in range(side):
            x, y = 0.02 + 0.96 * c / (side - 1), 0.02 + 0.96 * r / (side - 1)
            if (r, c) == (side // 2, side // 2):
                im = Image.new("RGB", (64, 64), (255, 0, 255))
                ImageDraw.Draw(im).rectangle([32, 0, 63, 63], fill=(0, 255, 255))
                title = TARGET_TITLE
            else:
                im = Image.new("RGB", (64, 48), (70 + 2 * c, 70 + 2 * r, 95))
                title = f"Grey {r}-{c}"
            out.append(FakeImage(title=title, xy=(x, y), pixels=im))
    return out


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Chromium not installed at /usr/bin/chromium (apt-get install chromium); "
                    "browser tests never download a browser")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def www(tmp_path_factory):
    """Folder served over HTTP; sites live in sub-folders (e.g. /repo/)."""
    root = tmp_path_factory.mktemp("www")
    with serve(root) as base:
        yield root, base


@pytest.fixture(scope="session")
def small_site(www):
    root, base = www
    site = root / "repo"
    points = write_site(site, small_images())
    return {"dir": site, "points": points, "file": (site / "index.html").as_uri(), "http": f"{base}/repo/index.html"}


@pytest.fixture(scope="session")
def dense_site(www):
    root, base = www
    site = root / "dense"
    points = write_site(site, dense_images(), cells_reversed=True)  # the map must find each image's cell
    return {"dir": site, "points": points, "file": (site / "index.html").as_uri(), "http": f"{base}/dense/index.html"}


@pytest.fixture(params=["file", "http"])
def index_url(request, small_site):
    """The small site's index.html, from disk and from http://.../repo/."""
    return small_site[request.param]


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, device_scale_factor=1)
    ctx.set_default_timeout(10000)
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.js_errors = errors
    yield pg
    ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


EVIL = "</script><script>window.pwned=1</script>"
ATTR = '" onmouseover="window.pwned=2" x="'


@pytest.fixture(scope="session")
def built(www, tmp_path_factory):
    """The real pipeline's site of 36 generated images with a hostile sidecar, under /pages/repo/."""
    from demo.generate import generate
    from tests.conftest import run_build

    root, base = www
    tmp = tmp_path_factory.mktemp("built")
    coll = tmp / "coll"
    paths = generate(coll, count=36, seed=5, size=160)
    rel = sorted(p.relative_to(coll).as_posix() for p in paths)
    with open(coll / "metadata.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "title", "creator"])
        w.writerow([rel[0], EVIL, "<b>nobody</b>"])
        w.writerow([rel[1], ATTR, "x"])
        w.writerow([rel[2], "Quiet harbour", "A. Painter"])
    site = root / "pages" / "repo"
    assert run_build("--collection", coll, "--out", site, "--work-dir", tmp / "work", "--quiet") == 0
    from tests.conftest import read_points

    points = read_points(site)
    return {"dir": site, "points": points, "http": f"{base}/pages/repo/index.html",
            "file": (site / "index.html").as_uri()}
