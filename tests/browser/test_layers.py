"""The map's layers and modes (static/explorer/registry.js): the search rings and the focus
(hovered outline, selection, neighbour links) are layers of their own, and the map looks
exactly as it did when draw() painted them itself.

test_same_pixels_as_before_the_registry renders one site twice, with the explorer of OLD
(draw() a fixed sequence, input a fixed set of listeners) and with this one, and compares
screenshots of the same views pixel for pixel; the other tests look for each layer's colour
where it must be, so dropping a layer (or its line in render/index.py EXPLORER_SCRIPTS) fails.
"""
from __future__ import annotations

import io
import subprocess
import tarfile

import pytest
from conftest import REPO, dense_images, small_images
from pagetools import ARTIFACTS, map_state, new_page, open_map, project, wait_idle
from PIL import Image, ImageChops
from sitegen import write_site

pytestmark = pytest.mark.browser

OLD = "254e7d1"  # the last commit before the registry (#25 item 4): the explorer to match

MATCH, HOVER, ACCENT = (111, 211, 255), (244, 241, 234), (227, 181, 91)  # rings.js, focus.js


def _id(points, title):
    return points["ids"][points["titles"].index(title)]


def _pixels(page) -> Image.Image:
    return Image.open(io.BytesIO(page.screenshot())).convert("RGB")


def _count(img, x0, y0, x1, y1, rgb, tol):
    n = 0
    for y in range(max(0, int(y0)), min(img.height, int(y1))):
        for x in range(max(0, int(x0)), min(img.width, int(x1))):
            p = img.getpixel((x, y))
            n += all(abs(p[c] - rgb[c]) <= tol for c in range(3))
    return n


def _settle(page):
    """Sheets in, the card's pictures decoded, two frames drawn since."""
    wait_idle(page)
    page.wait_for_function("Array.from(document.querySelectorAll('#lk-card img'))"
                           ".every(i => !i.closest('[hidden]') ? i.complete : true)")
    page.wait_for_timeout(150)
    wait_idle(page)


def _thumbs_view(page, url, points):
    """Whole map (thumbnails), three search results ringed, one image selected by keyboard,
    another hovered: every highlight layer at once."""
    open_map(page, url)
    page.evaluate("ids => window.Lookalike.matches(ids)",
                  [_id(points, t) for t in ("Yellow study", "Lime", "Teal study")])
    page.locator("#lk-canvas").focus()
    page.keyboard.press("ArrowRight")         # selects the image nearest the centre
    selected = map_state(page)["selected"]
    hovered = _id(points, "Red square")
    pos = project(page, hovered)
    page.mouse.move(pos["x"] + 3, pos["y"] + 2)
    page.wait_for_function("id => document.getElementById('lk-map').lookalike.state().hover === id", arg=hovered)
    _settle(page)
    return selected, hovered


def _dots_view(page, url, points):
    """Zoomed out to dots: one image selected by the URL, search results, another hovered."""
    sel = points["ids"][310]
    open_map(page, url + f"#{sel}&z=0.50")
    assert map_state(page)["mode"] == "dots"
    page.evaluate("ids => window.Lookalike.matches(ids)", [points["ids"][i] for i in (400, 401, 432, 470)])
    hovered = points["ids"][402]
    pos = project(page, hovered)
    page.mouse.move(pos["x"], pos["y"])
    page.wait_for_function("id => document.getElementById('lk-map').lookalike.state().hover === id", arg=hovered)
    _settle(page)
    return sel, hovered


@pytest.fixture(scope="module")
def twin_sites(tmp_path_factory):
    """The same two sites written with OLD's templates and explorer, and with this tree's."""
    if subprocess.run(["git", "-C", str(REPO), "cat-file", "-e", f"{OLD}^{{commit}}"],
                      capture_output=True).returncode:
        pytest.skip(f"commit {OLD} is not in this clone (a shallow one?)")
    root = tmp_path_factory.mktemp("twins")
    old_tree = root / "old-tree"
    tar = subprocess.run(["git", "-C", str(REPO), "archive", OLD, "--", "templates", "static"],
                         capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        t.extractall(old_tree, filter="data")
    sites = {}
    for name, repo in (("old", old_tree), ("new", REPO)):
        small, dense = root / name / "small", root / name / "dense"
        sites[name] = {"small": (small, write_site(small, small_images(), repo=repo)),
                       "dense": (dense, write_site(dense, dense_images(), cells_reversed=True, repo=repo))}
    return sites


@pytest.mark.parametrize("kind", ["small", "dense"])
def test_same_pixels_as_before_the_registry(browser, twin_sites, kind):
    view = _thumbs_view if kind == "small" else _dots_view
    shots = {}
    for name in ("old", "new"):
        ctx, page, errors = new_page(browser, 1280, 800, device_scale_factor=1)
        site, points = twin_sites[name][kind]
        try:
            view(page, (site / "index.html").as_uri(), points)
            # The map's pixels: the toolbar's buttons have grown since (arrangements, selection: #28).
            page.add_style_tag(content=".lk-toolbar { visibility: hidden; }")
            shots[name] = _pixels(page)
        finally:
            ctx.close()
        assert not errors, (name, errors)
    ARTIFACTS.mkdir(exist_ok=True)
    for name, img in shots.items():
        img.save(ARTIFACTS / f"layers-{kind}-{name}.png")
    diff = ImageChops.difference(shots["old"], shots["new"])
    box = diff.getbbox()
    if box:
        diff.point(lambda v: 255 if v else 0).save(ARTIFACTS / f"layers-{kind}-diff.png")
    assert box is None, f"{sum(1 for p in diff.getdata() if p != (0, 0, 0))} pixels differ in {box}"


def test_rings_and_focus_are_layers_drawn_where_they_belong(page, small_site):
    points = small_site["points"]
    selected, hovered = _thumbs_view(page, small_site["file"], points)
    img = _pixels(page)

    def around(image_id, colour, tol=6):
        p = project(page, image_id)
        r = p["size"] / 2 + 6
        return _count(img, p["x"] - r, p["y"] - r, p["x"] + r, p["y"] + r, colour, tol)

    for title in ("Yellow study", "Lime", "Teal study"):           # the search rings layer
        assert around(_id(points, title), MATCH) > 100, title
    assert around(hovered, HOVER, tol=4) > 100                   # the focus layer: hovered outline
    assert around(selected, ACCENT) > 100                        # ... the selection
    assert around(_id(points, "Yellow study"), HOVER, tol=4) == 0  # no hover outline elsewhere

    page.evaluate("window.Lookalike.matches(null)")             # cleared: the rings go
    page.mouse.move(2, 790)
    _settle(page)
    img = _pixels(page)
    for title in ("Yellow study", "Lime", "Teal study"):
        assert around(_id(points, title), MATCH) == 0, title
    assert around(hovered, HOVER, tol=4) == 0
    st = map_state(page)
    assert st["layers"] == ["points", "arrange-labels", "search-rings", "selection", "photo-marker", "focus"]
    assert st["modes"] == ["panzoom", "hover", "lasso"]


def test_a_detached_mode_stops_listening(page, small_site):
    """A mode owns its listeners: detached, hovering does nothing; attached again, it does."""
    points = small_site["points"]
    open_map(page, small_site["file"])
    target = _id(points, "Red square")
    pos = project(page, target)
    page.evaluate("window.Lookalike.modes.get('hover').detach()")
    page.mouse.move(pos["x"], pos["y"])
    wait_idle(page)
    assert map_state(page)["hover"] is None
    page.evaluate("window.Lookalike.modes.get('hover').attach(document.getElementById('lk-canvas'), "
                  "window.Lookalike.state, window.Lookalike.view.requestFrame)")
    page.mouse.move(pos["x"] + 1, pos["y"] + 1)
    page.wait_for_function("id => document.getElementById('lk-map').lookalike.state().hover === id", arg=target)
    page.evaluate("window.Lookalike.modes.get('panzoom').detach()")       # the wheel no longer zooms
    k = map_state(page)["k"]
    page.mouse.wheel(0, -240)
    page.wait_for_timeout(200)
    assert map_state(page)["k"] == k
    page.evaluate("window.Lookalike.modes.get('panzoom').attach()")
    page.mouse.wheel(0, -240)
    page.wait_for_function("k => document.getElementById('lk-map').lookalike.state().k > k", arg=k)
