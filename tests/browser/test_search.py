"""The search box on the built site (Pagefind): a machine tag, a broader word, a catalogue
field, a filter, flying to a result, the image pages' box, and the file:// explanation."""
import csv
import gzip
import io
from collections import Counter
from pathlib import Path

import pytest

from render.urls import page_path

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def ids_by_tag(built) -> dict[str, set[str]]:
    """label -> ids of the images tagged with it (data/tags.csv.gz names images by id)."""
    rows = csv.DictReader(io.StringIO(gzip.decompress((built["dir"] / "data" / "tags.csv.gz").read_bytes()).decode()))
    out: dict[str, set[str]] = {}
    for r in rows:
        out.setdefault(r["label"], set()).add(r["image"])
    return out


def search(page, text):
    page.fill("#lk-q", text)
    page.wait_for_function("document.getElementById('lk-search-status').textContent.length > 0")
    page.wait_for_timeout(300)


def test_a_machine_tag_rings_its_images_and_enter_flies_to_one(page, built):
    tags = ids_by_tag(built)
    label, _ = Counter({k: len(v) for k, v in tags.items()}).most_common(1)[0]
    page.goto(built["http"])
    page.wait_for_function("document.documentElement.classList.contains('lk-ready')")
    search(page, label)
    state = page.evaluate("document.getElementById('lk-map').lookalike.state()")
    assert set(state["matches"]) >= tags[label], (label, state["matches"])
    status = page.inner_text("#lk-search-status")
    assert "match" in status and "ringed on the map" in status
    assert page.locator("#lk-search-results li").count() == len(state["matches"]) or \
        page.locator("#lk-search-results li").count() == 24
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "search-tag.png"))
    page.click(".site-tagline")  # working elsewhere folds the list away; the rings stay
    assert not page.is_visible("#lk-search-results")
    assert page.evaluate("document.getElementById('lk-map').lookalike.state()")["matches"] == state["matches"]
    page.focus("#lk-q")
    assert page.is_visible("#lk-search-results")
    first = page.get_attribute("#lk-search-results a", "data-id")
    page.press("#lk-q", "Enter")
    page.wait_for_function(f"document.getElementById('lk-map').lookalike.state().selected === '{first}'")
    assert page.evaluate("location.hash").startswith("#" + first)
    assert page.js_errors == []


def test_a_catalogue_value_and_a_broader_word_find_their_images(page, built):
    page.goto(built["http"])
    search(page, "Painter")
    titles = page.locator("#lk-search-results a").all_inner_texts()
    assert [t.strip() for t in titles] == ["Quiet harbour"]
    page.screenshot(path=str(SHOTS / "search-creator.png"))
    # Filters: the creator menu narrows to the same image without a query
    page.fill("#lk-q", "")
    page.wait_for_timeout(300)
    page.select_option("#lk-search-filters select >> nth=0", index=1)
    page.wait_for_function("document.getElementById('lk-search-status').textContent.length > 0")
    assert page.locator("#lk-search-results li").count() >= 1


def test_the_image_pages_have_the_box_and_open_a_result(page, built):
    tags = ids_by_tag(built)
    label = next(iter(sorted(tags)))
    one = next(iter(sorted(tags[label])))
    page.goto(built["http"].replace("index.html", page_path(one)))
    search(page, label)
    href = page.get_attribute("#lk-search-results a", "href")
    assert href.startswith("../../image/") and href.endswith(".html")
    page.press("#lk-q", "Enter")
    page.wait_for_url("**/image/*/*.html")
    page.screenshot(path=str(SHOTS / "search-image-page.png"))
    assert page.js_errors == []


def test_from_disk_the_box_says_why_and_offers_the_list(page, built):
    page.goto(built["file"])
    search(page, "anything")
    status = page.inner_text("#lk-search-status")
    assert "served" in status and "list of all images" in status
    assert page.get_attribute("#lk-search-status a", "href").endswith("index.html#lk-grid")
    page.screenshot(path=str(SHOTS / "search-file.png"))


def test_only_the_search_library_is_published_not_pagefinds_own_interfaces(built):
    """static/search.js is the interface; the searches above run on pagefind.js alone."""
    folder = built["dir"] / "pagefind"
    names = {p.name for p in folder.iterdir() if p.is_file()}
    assert {"pagefind.js", "pagefind-entry.json"} <= names
    assert not [n for n in names if n.startswith(("pagefind-ui", "pagefind-modular-ui", "pagefind-component-ui",
                                                  "pagefind-highlight"))], sorted(names)
    assert any((folder / "fragment").iterdir())
