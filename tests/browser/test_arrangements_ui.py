"""The arrangement switch on the map (static/explorer/arrange.js) over the stand-in arrangements of
tests/browser/arrangegen.py (the shape of docs/contract.md's data/arrangements.js): the timeline puts
an image dated 1905 in the 1905 column, the grid puts no two images in one cell, the switch animates
and is kept in the URL, and facets, hover and search rings work the same in every arrangement."""
from __future__ import annotations

import pytest
from arrangegen import TARGET, arrange_site_in
from pagetools import map_state, open_map, project, shot, wait_idle

pytestmark = pytest.mark.browser

@pytest.fixture(scope="session")
def arrange_site(www):
    return arrange_site_in(www)


def switch(page, name: str):
    page.click(f"#lk-arrange button[data-arr='{name}']")
    page.wait_for_function(f"document.getElementById('lk-map').lookalike.state().arr === '{name}' && "
                           "!document.getElementById('lk-map').lookalike.state().animating")
    wait_idle(page)


def ids_by_title(points) -> dict:
    return dict(zip(points["titles"], points["ids"]))


def arrangement(page, name: str, facet: str = "content") -> dict:
    return page.evaluate(f"window.LOOKALIKE_POINTS.arrangements[{facet!r}][{name!r}]")


def test_timeline_puts_1905_in_its_column(page, arrange_site):
    open_map(page, arrange_site["file"])  # from disk: the arrangements come by a <script> element
    assert page.locator("#lk-arrange button").all_inner_texts() == ["Map", "Grid", "Timeline", "By group"]
    switch(page, "timeline")
    assert "arr=timeline" in page.evaluate("location.hash")
    tl = arrangement(page, "timeline")
    tick = next(t for t in tl["axis"] if t["label"] == "1905")
    pos = project(page, ids_by_title(arrange_site["points"])[TARGET])
    box = page.locator("#lk-canvas").bounding_box()
    fit = page.evaluate("(() => { const r = document.getElementById('lk-canvas').getBoundingClientRect();"
                        " return {w: r.width, h: r.height}; })()")
    # The 1905 column's centre on screen (k = 1: world x -> ox + fit * x), and the image on it.
    pad = 48 if min(fit["w"], fit["h"]) >= 500 else 16
    side = min(fit["w"], fit["h"]) - 2 * pad
    column_x = box["x"] + (fit["w"] - side) / 2 + side * tick["x"]
    assert abs(pos["x"] - column_x) < 1.0
    img = shot(page, "arrange-timeline")
    from PIL import Image as PILImage
    px = PILImage.open(img).convert("RGB").getpixel((round(pos["x"]), round(pos["y"])))
    assert px[0] > 200 and px[1] < 80 and px[2] < 80, px       # the red image is drawn there
    # Its neighbours in the column are other years: no other image at that x.
    others = [project(page, i) for i in arrange_site["points"]["ids"]]
    assert sum(abs(o["x"] - column_x) < pos["size"] / 2 for o in others) == 1


def test_grid_has_one_image_per_cell(page, arrange_site):
    open_map(page, arrange_site["http"])
    switch(page, "grid")
    st = map_state(page)
    points = [project(page, i) for i in arrange_site["points"]["ids"]]
    size = points[0]["size"]
    cell = arrangement(page, "grid")["cell"]
    for a in range(len(points)):
        for b in range(a + 1, len(points)):
            dx, dy = abs(points[a]["x"] - points[b]["x"]), abs(points[a]["y"] - points[b]["y"])
            assert max(dx, dy) > size, (a, b)      # drawn squares never overlap
    cells = {(round(p["x"] / (size / 0.9)), round(p["y"] / (size / 0.9))) for p in points}
    assert len(cells) == len(points) and cell > 0 and st["mode"] == "thumbs"
    shot(page, "arrange-grid")


def test_switch_animates_keeps_facet_and_hover(page, arrange_site):
    open_map(page, arrange_site["http"])
    ids = ids_by_title(arrange_site["points"])
    before = project(page, ids[TARGET])
    page.click("#lk-arrange button[data-arr='groups']")
    page.wait_for_timeout(250)                    # mid-animation: between the old and the new place
    mid = project(page, ids[TARGET])
    page.wait_for_function("!document.getElementById('lk-map').lookalike.state().animating")
    after = project(page, ids[TARGET])
    assert abs(mid["x"] - before["x"]) > 2 and abs(mid["x"] - after["x"]) > 2
    page.mouse.move(after["x"], after["y"])           # hover finds it in its new place
    page.wait_for_function(f"document.getElementById('lk-map').lookalike.state().hover === {ids[TARGET]!r}")
    page.mouse.move(before["x"], before["y"])         # ... and nothing where it was
    page.wait_for_timeout(100)
    assert map_state(page)["hover"] != ids[TARGET]
    # The facet switch keeps the arrangement: the image goes to the other facet's block place.
    page.click("#lk-facets button[data-facet='colour']")
    page.wait_for_function("!document.getElementById('lk-map').lookalike.state().animating")
    gb = arrangement(page, "groups", "colour")
    i = arrange_site["points"]["ids"].index(ids[TARGET])
    assert map_state(page)["arr"] == "groups" and "facet=colour" in page.evaluate("location.hash")
    assert page.evaluate(f"document.getElementById('lk-map').lookalike.world({i})") == pytest.approx(
        gb["xy"][2 * i:2 * i + 2], abs=1e-6)
    # Hover finds the image in its new place; search rings follow it.
    pos = project(page, ids[TARGET])
    page.mouse.move(pos["x"], pos["y"])
    page.wait_for_function(f"document.getElementById('lk-map').lookalike.state().hover === {ids[TARGET]!r}")
    page.evaluate(f"window.Lookalike.matches([{ids[TARGET]!r}])")
    wait_idle(page)
    shot(page, "arrange-groups-hover")
    # Back to the map by the hash (the back button's way).
    page.evaluate("location.hash = ''")
    page.wait_for_function("document.getElementById('lk-map').lookalike.state().arr === 'map'")


def test_a_shared_link_opens_in_its_arrangement(page, arrange_site):
    open_map(page, arrange_site["http"] + "#arr=groups")
    page.wait_for_function("document.getElementById('lk-map').lookalike.state().arr === 'groups' && "
                           "!document.getElementById('lk-map').lookalike.state().animating")
    wait_idle(page)
    assert page.locator("#lk-arrange button[aria-pressed='true']").inner_text() == "By group"
    shot(page, "arrange-groups")
