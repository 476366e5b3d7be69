"""A facet of the author's own vectors ([facets] vectors, --model none) on the real site, in a browser:
its button and tab carry its name, it opens the map, and switching to it and back goes by the URL."""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pytest
from pagetools import map_state, open_map, shot, wait_idle
from playwright.sync_api import expect

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def own_site(www, tmp_path_factory):
    from tests.conftest import pattern_collection, read_points, run_build

    root, base = www
    work = tmp_path_factory.mktemp("own")
    coll = pattern_collection(work / "coll", 6)
    paths = sorted(p.relative_to(coll).as_posix() for p in coll.rglob("*.jpg"))
    kind = np.array([["stripes", "checks", "disc"].index(p.split("/")[0]) for p in paths])
    rng = np.random.default_rng(0)
    vectors = np.eye(3)[kind] * 4 + rng.normal(size=(len(paths), 3)) * 0.3  # three clear clusters
    np.save(work / "clip-vit.npy", vectors)
    with open(work / "clip-vit.csv", "w", newline="") as f:
        csv.writer(f).writerows([["path"]] + [[p] for p in paths])
    with open(work / "xy.csv", "w", newline="") as f:  # the clusters side by side, as another tool laid them out
        csv.writer(f).writerows([["path", "x", "y"]] + [[p, 3 * k + i % 2, i % 3] for i, (p, k) in
                                                        enumerate(zip(paths, kind))])
    site = root / "own"
    assert run_build("--collection", coll, "--out", site, "--work-dir", work / "work", "--model", "none",
                     "--vectors", work / "clip-vit.npy", "--coordinates", work / "xy.csv", "--quiet") == 0
    return {"points": read_points(site), "http": f"{base}/own/index.html"}


def test_own_facet_has_its_name_on_the_map_and_the_image_page(page, own_site):
    open_map(page, own_site["http"])
    buttons = page.locator("#lk-facets button")
    expect(buttons).to_have_text(["clip-vit", "Colour"])
    assert buttons.nth(0).get_attribute("aria-pressed") == "true"
    assert map_state(page)["facet"] == "clip-vit"
    wait_idle(page)
    shot(page, "own-facet-map")
    buttons.nth(1).click()
    page.wait_for_function("document.getElementById('lk-map').lookalike.state().facet === 'colour'")
    page.wait_for_function("location.hash.includes('facet=colour')")  # the view is in the URL
    page.goto(own_site["http"] + "#facet=clip-vit")  # a shared link to the default facet opens on it
    page.wait_for_function("document.getElementById('lk-map').lookalike.state().facet === 'clip-vit'")

    points = own_site["points"]
    first = points["ids"][0]
    page.goto(own_site["http"].replace("index.html", f"image/{first[:2]}/{first}.html"))
    expect(page.locator('label[for="tab-clip-vit"]')).to_have_text("clip-vit")
    expect(page.locator("#panel-clip-vit .facet-hint")).to_contain_text("Similar by clip-vit: vectors this site")
    expect(page.locator("#panel-clip-vit")).to_be_visible()  # the first tab shows, by position (style.css)
    expect(page.locator("#panel-colour")).to_be_hidden()
    # its neighbours under the author's vectors are its own cluster (six pictures of a kind)
    kind = points["titles"][0].split()[0]  # "checks 0"
    names = page.locator("#panel-clip-vit li").all_text_contents()
    assert len(names) == 17 and all(kind in n for n in names[:5]), names
    shot(page, "own-facet-image-page")
    page.locator('label[for="tab-colour"]').click()
    expect(page.locator("#panel-colour")).to_be_visible()
    expect(page.locator("#panel-clip-vit")).to_be_hidden()
