"""What visitors reported: quick zoom steps, the card on a phone, the way back to the map,
focus that can be seen."""
from __future__ import annotations

import pytest
from pagetools import map_state, open_map, project, shot, wait_idle

from render.urls import page_path

pytestmark = pytest.mark.browser


def test_three_quick_plus_presses_zoom_by_eight(page, small_site):
    open_map(page, small_site["http"])
    page.locator("#lk-canvas").focus()
    for _ in range(3):
        page.keyboard.press("+")
        page.wait_for_timeout(100)  # faster than the 300 ms animation of each step
    page.wait_for_function("Math.abs(document.getElementById('lk-map').lookalike.state().k - 8) < 0.01")
    assert abs(map_state(page)["k"] - 8) < 0.01


def test_keyboard_focus_on_the_map_is_visible(page, small_site):
    open_map(page, small_site["http"])
    page.locator("#lk-canvas").focus()
    page.keyboard.press("ArrowRight")  # keyboard focus: :focus-visible
    wait_idle(page)
    shot(page, "focus-visible-map")
    box = page.locator("#lk-canvas").bounding_box()
    png = page.screenshot(clip={"x": box["x"] + 200, "y": box["y"] + box["height"] - 2, "width": 1, "height": 1})
    from io import BytesIO

    from PIL import Image

    r, g, b = Image.open(BytesIO(png)).convert("RGB").getpixel((0, 0))
    assert (r, g, b) != (20, 20, 22) and r > 150 and g > 120  # the accent outline, over the canvas


def test_the_card_on_a_phone_leaves_the_map_visible(browser, built):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, has_touch=True,
                              is_mobile=True)
    page = ctx.new_page()
    try:
        open_map(page, built["http"])
        pos = project(page, built["points"]["ids"][5])
        page.touchscreen.tap(pos["x"], pos["y"])  # first tap selects: the card docks
        page.locator("#lk-card").wait_for(state="visible")
        shot(page, "phone-card")
        card = page.locator("#lk-card").bounding_box()
        assert card["height"] < 0.2 * 844, card  # it covered the lower third
        assert card["y"] > 844 * 0.7
    finally:
        ctx.close()


def test_show_on_map_returns_to_the_view_the_visitor_left(page, built):
    image_id = built["points"]["ids"][7]
    open_map(page, built["http"] + f"#{image_id}")  # centred on the image, selected
    page.locator("#lk-canvas").focus()
    for _ in range(2):  # the visitor zooms in further around it...
        page.keyboard.press("+")
        page.wait_for_timeout(400)
    wait_idle(page)
    left = map_state(page)["k"]
    page.keyboard.press("Enter")  # ...opens its page...
    page.wait_for_url(f"**/{page_path(image_id)}")
    page.locator("a", has_text="Show on map").first.click()  # ...and comes back by the page's link
    page.wait_for_url(f"**/index.html#{image_id}*")
    page.wait_for_function("document.documentElement.classList.contains('lk-ready')")
    wait_idle(page)
    back = map_state(page)
    assert back["selected"] == image_id and abs(back["k"] - left) < 0.02, (left, back)
