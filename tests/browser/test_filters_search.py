"""The map's filters narrow the search box's results (static/search.js, static/explorer/filters.js)
on a real (colour-only) build with a catalogue: Pagefind answers, the filters keep what matches."""
import pytest
from pagetools import shot

from tests.test_safety_small import HEADER, ROWS, build_site

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def catalogued(www):
    root, base = www
    site_root = root / "catalogued"
    rc, stdout = build_site(site_root, ROWS, HEADER, ["p0.png", "p1.png", "p2.png", "p3.png"])
    assert rc == 0, stdout
    return f"{base}/catalogued/site/index.html"


def _titles(page):
    return sorted(t.strip() for t in page.locator("#lk-search-results a").all_inner_texts())


def test_map_filters_narrow_the_search_results(page, catalogued):
    page.goto(catalogued)
    page.wait_for_function("document.documentElement.classList.contains('lk-ready')")
    page.focus("#lk-q")  # loads Pagefind and its filters
    page.wait_for_function("document.querySelectorAll('#lk-search-filters label').length >= 2")
    page.select_option("#lk-search-filters select >> nth=2", "x1")  # a:b = x1: "two" and the first
    page.wait_for_function("document.getElementById('lk-search-status').textContent.length > 0")
    page.wait_for_timeout(300)
    assert _titles(page) == ["Esc and override\u200f", "two"]
    page.focus("#lk-filter-btn")  # by the keyboard: the results list lies over the toolbar
    page.keyboard.press("Enter")
    labels = page.eval_on_selector_all("#lk-filter-panel legend", "els => els.map(e => e.textContent)")
    assert labels == ["Creator", "a:b", "Tom & Jerry"]  # 2 values each, filled in 3 of the 4 images
    ann = page.locator("#lk-filter-panel label", has_text="Ann").locator("input")
    ann.focus()
    page.keyboard.press("Space")
    page.wait_for_function("document.getElementById('lk-search-status').textContent.indexOf('filters') >= 0")
    page.wait_for_timeout(300)
    assert _titles(page) == ["two"]
    shot(page, "filters-search")
    assert page.locator("#lk-search-status").text_content().startswith("1 of 2 images matching pass the map's filters")
    assert len(page.evaluate("document.getElementById('lk-map').lookalike.state().matches")) == 1
    ann.focus()
    page.keyboard.press("Space")
    page.wait_for_function("document.getElementById('lk-search-status').textContent.indexOf('filters') < 0")
    assert _titles(page) == ["Esc and override\u200f", "two"]
