"""Group names on the map, the Groups panel and the facet filters (issue #27 items 3, 5, 7) on a
stand-in site of 2,500 images in four coloured clusters with known groups, catalogue fields and
dates (data/groups.js and data/filters.js made by render/map_extras.py)."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from pagetools import new_page, open_map, project, shot, wait_idle
from PIL import Image
from sitegen import FakeImage, map_extras, write_site

from core.group_files import FacetGroups, Group
from core.years import year_span

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parents[2]
SIDE = 25  # each cluster a SIDE x SIDE grid: 2,500 images, dots at the first view
CLUSTERS = [("Reds", (220, 30, 30)), ("Greens", (30, 180, 60)), ("Blues", (40, 70, 220)), ("", (230, 200, 40))]
SPELL = ("{y}", "c. {y}", "{y}-{z}", "{d}0s", "")
API = "document.getElementById('lk-map').lookalike"
NO_WEBGL2 = """HTMLCanvasElement.prototype.getContext = (orig => function (type, opts) {
  return type === "webgl2" ? null : orig.call(this, type, opts); })(HTMLCanvasElement.prototype.getContext);"""


def _site_inputs():
    images, metas, tops, of0, of1 = [], [], [], [], []
    for c, (name, rgb) in enumerate(CLUSTERS):
        ox, oy = 0.04 + 0.5 * (c % 2), 0.04 + 0.5 * (c // 2)
        for r in range(SIDE):
            for q in range(SIDE):
                i = len(images)
                xy = (ox + 0.42 * q / (SIDE - 1), oy + 0.42 * r / (SIDE - 1))
                images.append(FakeImage(f"{name or 'Yellows'} {r}-{q}", xy, Image.new("RGB", (8, 6), rgb)))
                y = 1800 + i % 200
                metas.append({"creator": "Ann" if i % 2 == 0 else "Bob", "kind": ["oil", "ink", "print"][i % 3],
                              "date": SPELL[i % 5].format(y=y, z=y + 4, d=y // 10), "title": f"t{i}"})
                tops.append(["dog", "cat", "boat"][(i // 7) % 3])
                ungrouped = r == 0 and q < 3  # three images of each cluster in no group
                of0.append(-1 if ungrouped else c)
                of1.append(-1 if ungrouped else 4 + 2 * c + (q >= SIDE // 2))
    n = len(images)
    groups = []
    for c, (name, _) in enumerate(CLUSTERS):
        ox, oy = 0.04 + 0.5 * (c % 2), 0.04 + 0.5 * (c // 2)
        face = of0.index(c)
        groups.append(Group(c, 0, of0.count(c), face, None, name, "tags" if name else "", ox + 0.21, oy + 0.21))
        for half in (0, 1):
            gid = 4 + 2 * c + half
            sub = f"{name or 'yellow'} {'east' if half else 'west'}"
            groups.append(Group(gid, 1, of1.count(gid), of1.index(gid), c, sub, "tags", ox + (0.31 if half else 0.1),
                                oy + 0.21))
    fg = FacetGroups("content", groups, [np.array(of0, np.int32), np.array(of1, np.int32)],
                     [np.ones(n, np.float32)] * 2)
    return images, metas, tops, fg


@pytest.fixture(scope="module")
def grouped(www):
    root, base = www
    images, metas, tops, fg = _site_inputs()
    site = root / "grouped"
    points = write_site(site, images, k=4, grid_max=500, extras=map_extras(metas, tops, {"content": fg}))
    filters = json.loads((site / "data" / "filters.js").read_text("utf-8").split(" = ", 1)[1].rstrip(";\n"))
    return {"dir": site, "points": points, "metas": metas, "fg": fg, "filters": filters,
            "http": f"{base}/grouped/index.html", "file": (site / "index.html").as_uri()}


def _pixels(page) -> Image.Image:
    return Image.open(io.BytesIO(page.screenshot())).convert("RGB")


def _overlap(a, b) -> bool:
    return (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
            and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"])


def _labels(page) -> list[dict]:
    return page.evaluate(f"{API}.stats.labels")


def _dot(rgb):
    return tuple((max(v, 40) >> 5) * 32 + 16 for v in rgb)  # static/explorer/data.js dotRGB


BG = (20, 20, 22)


def _dim(rgb):
    return tuple(int(b + (a - b) * 0.22) for a, b in zip(_dot(rgb), BG))


def _close(p, q, tol=14) -> bool:
    return max(abs(a - b) for a, b in zip(p, q)) <= tol


def _check_mask(page, grouped, matches, sample=range(0, 2500, 37)):
    """Every sampled image's dot: its colour when it matches, dimmed when not (both exact)."""
    img, boxes = _pixels(page), _labels(page)
    canvas = page.locator("#lk-canvas").bounding_box()
    checked = 0
    for i in sample:
        p = project(page, grouped["points"]["ids"][i])
        x, y = p["x"] - canvas["x"], p["y"] - canvas["y"]
        if any(b["x"] - 6 <= x <= b["x"] + b["w"] + 6 and b["y"] - 6 <= y <= b["y"] + b["h"] + 6 for b in boxes):
            continue  # under a group's name
        rgb = CLUSTERS[i // SIDE ** 2][1]
        got = img.getpixel((int(p["x"]), int(p["y"])))
        want = _dot(rgb) if matches(i) else _dim(rgb)
        assert _close(got, want), (i, matches(i), got, want)
        checked += 1
    assert checked >= 40


def test_group_names_are_placed_without_overlap_and_sub_groups_come_zoomed_in(page, grouped):
    open_map(page, grouped["http"])
    wait_idle(page)
    far = _labels(page)
    shot(page, "groups-labels-far")
    assert sorted(b["label"] for b in far) == ["Blues", "Greens", "Group 3", "Reds"]
    assert all(not _overlap(a, b) for n, a in enumerate(far) for b in far[n + 1:])
    img, canvas = _pixels(page), page.locator("#lk-canvas").bounding_box()
    for b in far:  # the name is drawn: white text pixels inside its box (no dot is white)
        box = (canvas["x"] + b["x"], canvas["y"] + b["y"], canvas["x"] + b["x"] + b["w"], canvas["y"] + b["y"] + b["h"])
        white = sum(1 for x in range(int(box[0]), int(box[2])) for y in range(int(box[1]), int(box[3]))
                    if min(img.getpixel((x, y))) >= (200 if b["named"] else 150))
        assert white >= 15, (b, white)
    # Zoomed in on the red cluster (a shared view): its sub-groups are named too, beside it.
    page.goto("about:blank")
    open_map(page, grouped["http"] + "#z=3.00&c=0.2500,0.2500")
    wait_idle(page)
    near = _labels(page)
    shot(page, "groups-labels-near")
    assert sorted(b["label"] for b in near) == ["Reds", "Reds east", "Reds west"]
    assert {b["level"] for b in near} == {0, 1}
    assert all(not _overlap(a, b) for n, a in enumerate(near) for b in near[n + 1:])
    # Hover an image up and left of "Reds east": the card, beside the pointer, would cover that
    # name, so it goes; no name lies under the card or the hovered image.
    p = project(page, grouped["points"]["ids"][11 * SIDE + 13])
    page.mouse.move(p["x"], p["y"])
    page.locator("#lk-card").wait_for(state="visible")
    page.wait_for_timeout(300)
    card, canvas = page.locator("#lk-card").bounding_box(), page.locator("#lk-canvas").bounding_box()
    rect = {"x": card["x"] - canvas["x"], "y": card["y"] - canvas["y"], "w": card["width"], "h": card["height"]}
    hovered = {"x": p["x"] - canvas["x"] - 4, "y": p["y"] - canvas["y"] - 4, "w": 8, "h": 8}
    boxes = _labels(page)
    shot(page, "groups-labels-card")
    assert "Reds east" not in [b["label"] for b in boxes] and "Reds west" in [b["label"] for b in boxes]
    assert not [b["label"] for b in boxes if _overlap(b, rect) or _overlap(b, hovered)]
    page.mouse.move(canvas["x"] + 5, canvas["y"] + canvas["height"] - 5)  # away: the name comes back
    page.locator("#lk-card").wait_for(state="hidden")
    page.wait_for_timeout(200)
    assert "Reds east" in [b["label"] for b in _labels(page)]


@pytest.mark.parametrize("renderer", ["2d", "webgl2"])
def test_a_filter_dims_exactly_the_images_without_the_value(browser, grouped, renderer):
    ctx, page, errors = new_page(browser, 1280, 800, device_scale_factor=1)
    page.add_init_script(NO_WEBGL2 if renderer == "2d" else "window.LOOKALIKE_WEBGL_FROM = 0;")
    try:
        open_map(page, grouped["file" if renderer == "2d" else "http"])  # from disk too: the data are scripts
        assert page.evaluate(f"{API}.state().renderer") == renderer
        page.click("#lk-filter-btn")
        cols = [c["key"] for c in grouped["filters"]["columns"]]
        assert cols == ["meta:creator", "meta:kind", "years", "tag", "group:content"]
        page.locator("#lk-filter-panel label", has_text="Ann").locator("input").check()
        page.click("#lk-filter-btn")  # closed: the whole map shows
        wait_idle(page)
        shot(page, f"filters-ann-{renderer}")
        _check_mask(page, grouped, lambda i: grouped["metas"][i]["creator"] == "Ann")
        # OR within a column, AND across: (oil or print) and Ann; the counts follow.
        page.click("#lk-filter-btn")
        for kind in ("oil", "print"):
            page.locator("#lk-filter-panel label", has_text=kind).locator("input").check()
        want = [i for i, m in enumerate(grouped["metas"]) if m["creator"] == "Ann" and m["kind"] in ("oil", "print")]
        status = page.locator("#lk-filter-panel .lk-panel-status").text_content()
        assert status.startswith(f"{len(want):,} of 2,500 images match"), status
        bob = page.locator("#lk-filter-panel label", has_text="Bob").locator(".lk-count").text_content()
        assert int(bob) == sum(1 for m in grouped["metas"] if m["creator"] == "Bob" and m["kind"] in ("oil", "print"))
        page.click("#lk-filter-btn")
        wait_idle(page)
        _check_mask(page, grouped, lambda i: i in set(want))
        # The "All images" list keeps only the matching ones of its page.
        hidden = page.eval_on_selector_all("#lk-grid .lk-grid > li", "els => els.map(e => e.hidden)")
        assert [not h for h in hidden] == [i in set(want) for i in range(500)]
    finally:
        ctx.close()
    assert errors == []


def test_year_range_and_a_shared_url_restore_the_filters_and_the_open_group(browser, page, grouped):
    open_map(page, grouped["http"])
    page.click("#lk-filter-btn")
    page.fill("#lk-filter-panel input[data-side='0']", "1900")
    page.fill("#lk-filter-panel input[data-side='1']", "1949")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # change fires

    def in_range(i):
        s = year_span(grouped["metas"][i]["date"])
        return s is not None and s[0] <= 1949 and s[1] >= 1900
    want = sum(1 for i in range(2500) if in_range(i))
    status = page.locator("#lk-filter-panel .lk-panel-status").text_content()
    assert status.startswith(f"{want:,} of 2,500 images match"), status
    shot(page, "filters-years-panel")
    page.click("#lk-filter-btn")
    wait_idle(page)
    _check_mask(page, grouped, in_range)
    # Open a group from the panel: the map flies to it and rings its members.
    page.click("#lk-groups-btn")
    page.locator("#lk-groups-panel button.lk-group", has_text="Blues").first.click()
    page.wait_for_timeout(900)
    wait_idle(page)
    shot(page, "groups-open-blues")
    k = page.evaluate(f"{API}.state().k")
    assert k > 1.4
    page.wait_for_timeout(400)  # the hash is written 250 ms after the last change
    url = page.url
    assert "group=content-2" in url and "&f=" in url
    ctx, other, errors = new_page(browser, 1280, 800, device_scale_factor=1)
    try:
        open_map(other, url)
        wait_idle(other)
        assert abs(other.evaluate(f"{API}.state().k") - k) < 0.05
        other.click("#lk-filter-btn")
        assert other.locator("#lk-filter-panel .lk-panel-status").text_content().startswith(f"{want:,} of 2,500")
        assert other.input_value("#lk-filter-panel input[data-side='0']") == "1900"
        other.click("#lk-groups-btn")
        assert other.locator("#lk-groups-panel button[aria-pressed='true']").text_content().startswith("Blues")
        shot(other, "groups-shared-url")
    finally:
        ctx.close()
    assert errors == []


def test_panels_pass_axe_and_the_nu_checker(page, grouped):
    from test_audit import AXE, VNU, axe

    if not AXE.is_file():
        pytest.skip(f"axe-core is not installed ({AXE}); run npm ci")
    open_map(page, grouped["http"])
    page.click("#lk-groups-btn")
    page.locator("#lk-groups-panel button.lk-group", has_text="Reds").first.click()
    page.wait_for_timeout(700)
    # An open group shows its sub-groups; one opens like a group (its id in the URL).
    subs = page.locator("#lk-groups-panel .lk-subgroups:not([hidden]) button.lk-group")
    assert [t.split("\n")[0] for t in subs.all_inner_texts()] == ["Reds east", "Reds west"]  # larger first
    subs.nth(0).click()
    page.wait_for_timeout(700)
    assert "group=content-5" in page.url
    assert page.locator("#lk-groups-panel button[aria-pressed='true']").all_inner_texts()[0].startswith("Reds east")
    assert subs.count() == 2  # still open under its broad group
    shot(page, "groups-sub-group")
    page.click("#lk-filter-btn")
    page.locator("#lk-filter-panel label", has_text="Ann").locator("input").check()
    # The panels as the scripts filled them, in a page of their own for the Nu checker (the live
    # page holds the card's <img>, which gets its src on the first hover, and later axe's script).
    live = page.evaluate("""() => ['.lk-toolbar', '#lk-groups-panel', '#lk-filter-panel']
        .map(q => document.querySelector(q).outerHTML).join('\\n')""")
    shot(page, "audit-filters-panel")
    assert axe(page) == []
    page.click("#lk-groups-btn")
    shot(page, "audit-groups-panel")
    assert axe(page) == []
    if not VNU.is_file() or not shutil.which("java"):
        pytest.skip("the Nu Html Checker needs npm's vnu-jar and Java")
    out = grouped["dir"] / "panels.html"
    out.write_text('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Panels</title></head><body>'
                   f'<main><h1>Panels</h1>{live}'
                   '<ul id="lk-grid"></ul><section id="lk-map"></section></main></body></html>', "utf-8")
    run = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "json",
                          str(grouped["dir"] / "index.html"), str(out)], capture_output=True, text=True)
    messages = json.loads(run.stderr or '{"messages": []}')["messages"]
    assert [m["message"] for m in messages] == []
