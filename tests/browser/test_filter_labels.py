"""The search box's filter menus on a real (colour-only) build: a catalogue column named
"Tom & Jerry" is labelled so, never "Tom &amp; Jerry", and a column named "a:b" has its
menu and filters (issue #24, finding 14)."""
import pytest

from tests.test_safety_small import HEADER, ROWS, build_site

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def labelled(www):
    root, base = www
    site_root = root / "labels"
    rc, stdout = build_site(site_root, ROWS, HEADER, ["p0.png", "p1.png", "p2.png", "p3.png"])
    assert rc == 0, stdout
    return f"{base}/labels/site/index.html"


def test_filter_menus_show_labels_as_written_and_filter(page, labelled):
    page.goto(labelled)
    page.focus("#lk-q")  # loads Pagefind and its filters
    page.wait_for_function("document.querySelectorAll('#lk-search-filters label').length >= 2")
    page.wait_for_timeout(300)
    labels = [t.strip() for t in page.eval_on_selector_all(
        "#lk-search-filters label", "els => els.map(e => e.firstChild.textContent)")]
    assert labels == ["Creator", "Tom & Jerry", "a:b"], labels
    options = page.eval_on_selector_all("#lk-search-filters option", "els => els.map(e => e.textContent)")
    assert "y & z (2)" in options and "Tom & Jerry (2)" in options
    assert not [o for o in options + labels if "&amp;" in o]
    page.select_option("#lk-search-filters select >> nth=2", "x1")  # a:b = x1: "two" and the first
    page.wait_for_function("document.getElementById('lk-search-status').textContent.length > 0")
    page.wait_for_timeout(300)
    titles = sorted(t.strip() for t in page.locator("#lk-search-results a").all_inner_texts())
    assert titles == ["Esc and override\u200f", "two"], titles
