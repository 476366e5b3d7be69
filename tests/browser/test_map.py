"""The map explorer in a real browser: what a visitor sees and where clicks lead."""
from __future__ import annotations

import io

import pytest
from conftest import COLOURS, TARGET_TITLE
from pagetools import map_state, new_page, open_map, project, shot, wait_idle
from PIL import Image
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _id(points, title):
    return points["ids"][points["titles"].index(title)]


def _pixels(page) -> Image.Image:
    return Image.open(io.BytesIO(page.screenshot())).convert("RGB")


def _count_near(img, box, rgb, tol=40):
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    n = 0
    for y in range(max(0, y0), min(img.height, y1)):
        for x in range(max(0, x0), min(img.width, x1)):
            p = img.getpixel((x, y))
            if all(abs(p[c] - rgb[c]) <= tol for c in range(3)):
                n += 1
    return n


def test_hover_shows_title_and_nothing_far_away(page, index_url, small_site):
    open_map(page, index_url)
    title = "Blue hour"
    pos = project(page, _id(small_site["points"], title))
    page.mouse.move(pos["x"] + 2, pos["y"] + 1)
    card = page.locator("#lk-card")
    card.wait_for(state="visible")
    expect(page.locator("#lk-card-title")).to_have_text(title)
    # The card never covers the pointer.
    box = card.bounding_box()
    assert not (box["x"] <= pos["x"] + 2 <= box["x"] + box["width"]
                and box["y"] <= pos["y"] + 1 <= box["y"] + box["height"])
    # Its neighbours are listed with their similarity.
    assert page.locator("#lk-card-nbrs li:not([hidden])").count() >= 3
    kind = "file" if index_url.startswith("file:") else "http"
    shot(page, f"hover-{kind}")
    # Far from every point (the empty band between the map's left edge and the first column).
    page.mouse.move(8, 400)
    card.wait_for(state="hidden")
    assert map_state(page)["hover"] is None


def test_click_opens_image_page(page, index_url, small_site):
    open_map(page, index_url)
    title = "Green field"
    image_id = _id(small_site["points"], title)
    pos = project(page, image_id)
    page.mouse.click(pos["x"], pos["y"])
    page.wait_for_url(f"**/image/{image_id}.html")
    assert page.locator("#title").text_content() == title
    # The way back lands on the map with that image selected.
    page.go_back()
    page.wait_for_function("document.documentElement.classList.contains('lk-ready')")
    assert map_state(page)["selected"] == image_id


def test_works_under_a_subpath(page, small_site):
    open_map(page, small_site["http"])
    assert "/repo/" in page.url
    # Every resource came from under /repo/ (no root-relative URL).
    urls = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert urls and all("/repo/" in u for u in urls), urls
    assert page.locator("#lk-grid").is_hidden()


def test_hash_opens_with_image_selected(page, index_url, small_site):
    title = "Orange still life"
    image_id = _id(small_site["points"], title)
    open_map(page, f"{index_url}#{image_id}")
    assert map_state(page)["selected"] == image_id
    page.locator("#lk-card").wait_for(state="visible")
    expect(page.locator("#lk-card-title")).to_have_text(title)
    # Centred on it.
    pos = project(page, image_id)
    canvas = page.locator("#lk-canvas").bounding_box()
    assert abs(pos["x"] - (canvas["x"] + canvas["width"] / 2)) < 2
    assert abs(pos["y"] - (canvas["y"] + canvas["height"] / 2)) < 2
    shot(page, "hash-selected")


def test_view_is_kept_in_hash(page, small_site):
    open_map(page, small_site["http"])
    page.mouse.move(640, 400)
    page.mouse.wheel(0, -600)
    page.wait_for_function("location.hash.includes('z=')")
    k = map_state(page)["k"]
    url = page.url
    page.goto("about:blank")
    open_map(page, url)
    assert abs(map_state(page)["k"] - k) < 0.01


def test_titles_are_text_never_html(page, small_site):
    evil = COLOURS[10][0]
    open_map(page, small_site["http"])
    pos = project(page, _id(small_site["points"], evil))
    page.mouse.move(pos["x"], pos["y"])
    page.locator("#lk-card").wait_for(state="visible")
    expect(page.locator("#lk-card-title")).to_have_text(evil)
    assert page.locator("#lk-card img[src='x']").count() == 0
    assert page.title() != "1"


def _zoom_to_thumbnails(page, pos):
    """Two wheel steps in at `pos`, until the map draws thumbnails, the pointer then moved off."""
    page.mouse.move(pos["x"], pos["y"])
    for _ in range(2):
        page.mouse.wheel(0, -500)
        page.wait_for_timeout(80)
    page.wait_for_function("document.getElementById('lk-map').lookalike.state().mode === 'thumbs'")
    page.mouse.move(5, 5)   # no hover outline on top of the target
    wait_idle(page)


@pytest.mark.parametrize("over, decoder", [("http", "fetch"), ("file", "img")])
def test_zoom_in_turns_dots_into_thumbnails(browser, dense_site, over, decoder):
    """From a server the sheets are fetched and decoded off the main thread; from disk,
    where fetch is refused, by <img>: both show each image's own pixels."""
    ctx = browser.new_context(viewport={"width": 600, "height": 450})
    page = ctx.new_page()
    try:
        open_map(page, dense_site[over])
        image_id = _id(dense_site["points"], TARGET_TITLE)
        assert map_state(page)["mode"] == "dots"
        assert map_state(page)["sheetDecoder"] == decoder
        pos = project(page, image_id)
        before = _pixels(page)
        shot(page, "zoom-before")
        half = 20
        box_l = (pos["x"] - half, pos["y"] - half, pos["x"], pos["y"] + half)
        box_r = (pos["x"], pos["y"] - half, pos["x"] + half, pos["y"] + half)
        assert _count_near(before, box_l, (255, 0, 255)) < 10
        assert _count_near(before, box_r, (0, 255, 255)) < 10

        _zoom_to_thumbnails(page, pos)
        pos = project(page, image_id)
        size = pos["size"]
        assert size > 24
        after = _pixels(page)
        shot(page, "zoom-after")
        q = size / 2 - 3
        box_l = (pos["x"] - q, pos["y"] - q, pos["x"] - 2, pos["y"] + q)
        box_r = (pos["x"] + 2, pos["y"] - q, pos["x"] + q, pos["y"] + q)
        area = (q - 2) * 2 * q
        assert _count_near(after, box_l, (255, 0, 255)) > 0.6 * area
        assert _count_near(after, box_r, (0, 255, 255)) > 0.6 * area
        st = map_state(page)
        assert st["sheetsLoaded"] > 0 and st["sheetFallbacks"] == 0  # the atlas drew them, as `decoder` loaded them
        # Closer still: the full sheets come (from disk only once the motion has settled).
        page.mouse.move(pos["x"], pos["y"])
        page.mouse.wheel(0, -500)
        page.wait_for_function("document.getElementById('lk-map').lookalike.state().sheetLevels[0] > 0")
        assert project(page, image_id)["size"] > 40
    finally:
        ctx.close()


@pytest.mark.parametrize("over", ["http", "file"])
def test_broken_atlas_sheets_leave_each_image_its_colour(browser, dense_site, tmp_path_factory, over):
    """Sheets that do not decode (a truncated upload, a bad copy) are given up, counted, and
    the images keep their mean colour: nothing waits for them for ever."""
    import shutil

    www_root = dense_site["dir"].parent
    site = www_root / "dense-broken"
    if not site.exists():
        shutil.copytree(dense_site["dir"], site)
        for sheet in (site / "atlas").rglob("*.jpg"):
            sheet.write_bytes(b"\xff\xd8 not a JPEG any more")
    url = (site.joinpath("index.html").as_uri() if over == "file"
           else dense_site["http"].replace("/dense/", "/dense-broken/"))
    ctx, page, errors = new_page(browser, 600, 450)
    try:
        open_map(page, url)
        image_id = _id(dense_site["points"], TARGET_TITLE)
        pos = project(page, image_id)
        _zoom_to_thumbnails(page, pos)
        st = map_state(page)
        assert st["sheetsLoaded"] == 0 and st["sheetsLoading"] == 0
        if over == "http":
            assert st["sheetFallbacks"] > 0    # each fetched sheet that failed went on to <img>, and failed there
        pos = project(page, image_id)
        colour = page.evaluate("id => window.Lookalike.data.colorStr[window.Lookalike.data.idIndex.get(id)]", image_id)
        rgb = tuple(int(v) for v in colour[4:-1].split(","))
        q = pos["size"] / 2 - 4
        box = (pos["x"] - q, pos["y"] - q / 2, pos["x"] + q, pos["y"] + q / 2)
        assert _count_near(_pixels(page), box, rgb, tol=12) > 0.8 * (2 * q) * q
        assert not errors
    finally:
        ctx.close()


def test_keyboard_walks_to_neighbours(page, small_site):
    points = small_site["points"]
    open_map(page, small_site["http"])
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "lk-canvas"
    label = page.get_attribute("#lk-canvas", "aria-label")
    assert "Arrow keys" in label
    page.keyboard.press("ArrowRight")          # first arrow: the image nearest the centre
    first = map_state(page)["selected"]
    assert first is not None
    i = points["ids"].index(first)
    page.keyboard.press("ArrowRight")
    second = map_state(page)["selected"]
    j = points["ids"].index(second)
    xy = points["facets"]["content"]["xy"]
    assert xy[2 * j] > xy[2 * i], "ArrowRight moved to an image on the right"
    assert abs(xy[2 * j + 1] - xy[2 * i + 1]) < 0.01, "...in the same row of the grid"
    page.locator("#lk-card").wait_for(state="visible")
    # the card and the live region are updated on the next animation frame
    expect(page.locator("#lk-card-title")).to_have_text(points["titles"][j])
    page.wait_for_function("t => document.getElementById('lk-live').textContent.startsWith(t)",
                           arg=points["titles"][j])
    page.keyboard.press("ArrowDown")
    k = points["ids"].index(map_state(page)["selected"])
    assert xy[2 * k + 1] > xy[2 * j + 1]
    shot(page, "keyboard-selected")
    page.keyboard.press("Escape")
    assert map_state(page)["selected"] is None
    page.locator("#lk-card").wait_for(state="hidden")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Enter")
    page.wait_for_url("**/image/*.html")


def test_facet_switch_keeps_selection(page, small_site):
    points = small_site["points"]
    image_id = _id(points, "Red square")
    open_map(page, f"{small_site['http']}#{image_id}")
    buttons = page.locator("#lk-facets button")
    assert buttons.count() == 2
    other = _id(points, "Blue hour")
    before = project(page, other)["x"] - project(page, image_id)["x"]
    page.locator("#lk-facets button[data-facet='colour']").click()
    page.wait_for_function("location.hash.includes('facet=colour')")
    page.wait_for_timeout(1000)   # the 0.8 s transition
    st = map_state(page)
    assert st["facet"] == "colour" and st["selected"] == image_id
    assert page.get_attribute("#lk-facets button[data-facet='colour']", "aria-pressed") == "true"
    after = project(page, other)["x"] - project(page, image_id)["x"]
    assert before > 50 and after < -50, "the layout changed: Blue hour is now left of Red square"
    # The selection stayed in view.
    pos, box = project(page, image_id), page.locator("#lk-canvas").bounding_box()
    assert box["x"] < pos["x"] < box["x"] + box["width"] and box["y"] < pos["y"] < box["y"] + box["height"]
    # Reload keeps the facet.
    page.reload()
    page.wait_for_function("document.documentElement.classList.contains('lk-ready')")
    assert map_state(page)["facet"] == "colour"


def test_reset_button_restores_whole_map(page, small_site):
    open_map(page, small_site["http"])
    page.locator("#lk-zoom-in").click()
    page.wait_for_function("document.getElementById('lk-map').lookalike.state().k > 1.9")
    page.get_by_role("button", name="Reset view").click()
    page.wait_for_function("Math.abs(document.getElementById('lk-map').lookalike.state().k - 1) < 0.01")


def test_grid_fallback_without_javascript(browser, small_site):
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    try:
        page.goto(small_site["file"])
        grid = page.locator("#lk-grid")
        assert grid.is_visible()
        assert page.locator("#lk-map").is_hidden()
        links = page.locator("#lk-grid a")
        assert links.count() == len(COLOURS)
        hrefs = {links.nth(i).get_attribute("href") for i in range(links.count())}
        assert hrefs == {f"image/{i}.html" for i in small_site["points"]["ids"]}
        shot(page, "fallback-nojs")
    finally:
        ctx.close()


def test_grid_comes_back_when_data_is_missing(browser, small_site):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    try:
        page.route("**/data/points.js", lambda route: route.abort())
        page.goto(small_site["http"])
        page.wait_for_load_state("load")
        assert page.locator("#lk-grid").is_visible()
        assert page.locator("#lk-map").is_hidden()
    finally:
        ctx.close()


def test_hidpi_canvas_is_sharp(browser, small_site):
    ctx = browser.new_context(viewport={"width": 800, "height": 600}, device_scale_factor=2)
    page = ctx.new_page()
    try:
        open_map(page, small_site["http"])
        w, cw = page.evaluate("[document.getElementById('lk-canvas').width, "
                              "document.getElementById('lk-canvas').clientWidth]")
        assert w == 2 * cw
        wait_idle(page)
        shot(page, "hidpi-overview")
    finally:
        ctx.close()



NO_WEBGL2 = """HTMLCanvasElement.prototype.getContext = (orig => function (type, opts) {
  return type === "webgl2" ? null : orig.call(this, type, opts); })(HTMLCanvasElement.prototype.getContext);"""


def test_dots_are_drawn_by_webgl2_and_look_the_same_without_it(browser, dense_site):
    """The zoomed-out map is one WebGL2 draw call (static/explorer/gl.js; from 20,000 images, here
    forced); a browser without WebGL2 gets the 2-D canvas dots. Both show each image's dot in its
    colour, on the ground."""
    seen = {}
    for renderer in ("webgl2", "2d"):
        ctx, page, errors = new_page(browser, 600, 450, device_scale_factor=1)
        page.add_init_script(NO_WEBGL2 if renderer == "2d" else "window.LOOKALIKE_WEBGL_FROM = 0;")
        try:
            open_map(page, dense_site["http"])
            wait_idle(page)
            state = map_state(page)
            assert state["mode"] == "dots" and state["renderer"] == renderer
            img = _pixels(page)
            shot(page, f"dots-{renderer}")
            points = dense_site["points"]
            seen[renderer] = []
            for title in ("Grey 3-4", "Grey 20-25", "Grey 29-0", "Grey 10-17"):
                p = project(page, _id(points, title))
                seen[renderer].append((img.getpixel((int(p["x"]), int(p["y"]))),
                                       img.getpixel((int(p["x"]) + 7, int(p["y"]) + 7))))
        finally:
            ctx.close()
        assert errors == []
    for (dot_gl, gap_gl), (dot_2d, gap_2d) in zip(seen["webgl2"], seen["2d"]):
        assert max(abs(a - b) for a, b in zip(dot_gl, dot_2d)) <= 12, (dot_gl, dot_2d)
        assert max(dot_gl) >= 70  # a dot, not the ground (20, 20, 22)
        assert max(abs(a - b) for a, b in zip(gap_gl, (20, 20, 22))) <= 6 and gap_gl == gap_2d


def test_a_small_map_keeps_the_2d_canvas_where_it_is_faster(page, index_url):
    open_map(page, index_url)
    assert map_state(page)["renderer"] == "2d"
