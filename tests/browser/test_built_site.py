"""The real pipeline's site in a real browser: built in the test from generated
images (with a hostile metadata sidecar), served under a sub-path like GitHub Pages."""
from __future__ import annotations

import re
import sys
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from conftest import ATTR, EVIL
from pagetools import open_map, project, shot
from playwright.sync_api import expect

from render.urls import page_path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

pytestmark = [pytest.mark.browser, pytest.mark.slow]
def _id(points, title):
    return points["ids"][points["titles"].index(title)]


@pytest.mark.parametrize("where", ["http", "file"])
def test_hover_and_click_on_the_real_site(page, built, where):
    open_map(page, built[where])
    image_id = _id(built["points"], "Quiet harbour")
    pos = project(page, image_id)
    page.mouse.move(pos["x"], pos["y"])
    page.locator("#lk-card").wait_for(state="visible")
    expect(page.locator("#lk-card-title")).to_have_text("Quiet harbour")
    shot(page, f"built-hover-{where}")
    page.mouse.click(pos["x"], pos["y"])
    page.wait_for_url(f"**/{page_path(image_id)}")
    assert page.locator("h1").text_content() == "Quiet harbour"
    assert page.locator("#panel-content li").count() == 30
    assert page.locator("#panel-style").is_hidden()
    page.locator('label[for="tab-style"]').click()  # tabs work without JavaScript (CSS :checked)
    assert page.locator("#panel-style").is_visible() and page.locator("#panel-content").is_hidden()
    assert page.locator("#panel-style li").count() == 30
    shot(page, f"built-image-page-style-{where}")
    page.locator('label[for="tab-content"]').click()
    assert page.locator("img").first.evaluate("img => img.naturalWidth") > 0  # the display copy loaded
    shot(page, f"built-image-page-{where}")
    page.locator("a", has_text="Show on map").first.click()
    page.wait_for_url(f"**/index.html#{image_id}*")


def test_hostile_titles_stay_inert(page, built):
    open_map(page, built["http"])
    for title in (EVIL, ATTR):
        image_id = _id(built["points"], title)
        pos = project(page, image_id)
        page.mouse.move(pos["x"], pos["y"])
        page.locator("#lk-card").wait_for(state="visible")
        expect(page.locator("#lk-card-title")).to_have_text(title)
        page.mouse.move(pos["x"] + 1, pos["y"])  # mouse events over the canvas and the shown title
    assert page.evaluate("window.pwned") is None
    image_id = _id(built["points"], EVIL)
    page.goto(built["http"].replace("index.html", page_path(image_id)))
    assert page.locator("h1").text_content() == EVIL
    page.locator("h1").hover()
    page.goto(built["http"].replace("index.html", page_path(_id(built["points"], ATTR))))
    page.locator("h1").hover()
    page.locator("img").first.hover()
    assert page.evaluate("window.pwned") is None


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        self.urls += [v for k, v in attrs if k in ("href", "src") and v]


def test_every_link_resolves_over_http_under_a_subpath(built):
    """Crawl from index.html like a visitor (and GitHub Pages under /repo/): no missing file."""
    start = built["http"]
    prefix = start.rsplit("/", 1)[0] + "/"
    seen, queue, missing = set(), [start], []
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        try:
            with urllib.request.urlopen(url) as r:
                body = r.read()
                ctype = r.headers.get("Content-Type", "")
        except OSError as exc:
            missing.append(f"{url}: {exc}")
            continue
        if "html" in ctype:
            p = _Links()
            p.feed(body.decode("utf-8"))
            for link in p.urls:
                if urlsplit(link).scheme in ("http", "https") and not link.startswith(prefix):
                    continue
                target = urljoin(url, link).split("#")[0]
                assert target.startswith(prefix), f"{url} links outside the site: {link}"
                queue.append(target)
    assert missing == []
    html = [u.removeprefix(prefix) for u in seen if u.endswith(".html")]
    groups = [u for u in html if u.startswith("group/")]  # the groups the layout found (#27), all linked
    assert sum(u.startswith("image/") for u in html) == 36  # every image page, reached by links
    orders = [u for u in html if re.fullmatch(r"list/[a-z]+/\d+\.html", u)]  # the list in other orders (#28)
    assert orders, "the Order links of the no-JavaScript list lead nowhere"
    # index.html, selection.html (#28), groups.html, and each order's pages (36 images: one page each)
    assert len(html) == 36 + 2 + (len(groups) + 1 if groups else 0) + len(orders)
    assert len(orders) == len({u.split("/")[1] for u in orders})


def test_facet_switch_on_the_real_map_keeps_selection(page, built):
    from pagetools import map_state

    image_id = _id(built["points"], "Quiet harbour")
    open_map(page, f"{built['http']}#{image_id}")
    assert page.locator("#lk-facets button").all_text_contents() == ["Subject", "Style", "Colour"]
    page.locator("#lk-facets button", has_text="Style").click()
    page.wait_for_function("location.hash.includes('facet=style')")
    page.wait_for_timeout(1200)  # the animated transition
    assert map_state(page)["facet"] == "style"
    assert page.evaluate("location.hash").startswith(f"#{image_id}")
    expect(page.locator("#lk-card-title")).to_have_text("Quiet harbour")
    # the hover card now lists the style neighbours of the image
    pos = project(page, image_id)
    page.mouse.move(pos["x"], pos["y"])
    page.locator("#lk-card").wait_for(state="visible")
    style_first = built["points"]["facets"]["style"]["neighbours"][built["points"]["ids"].index(image_id)][0]
    first_src = page.locator("#lk-card-nbrs img").first.get_attribute("src")
    assert built["points"]["ids"][style_first] in first_src
    shot(page, "built-facet-style")
