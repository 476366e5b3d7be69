"""The group pages in a real browser (issue #27 item 4): axe-core and the Nu Html Checker at zero
on groups.html, a group page, a sub-group page and a member's image page; without JavaScript a
visitor goes from an image to its group and sees the members. The site: tests/test_group_pages.py's
9 pictures and hand-made groups (a hostile name among them), served under /groups/."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from pagetools import new_page, shot
from test_audit import VNU, axe

from core.workfolder import WorkFolder
from render.urls import page_path
from tests.conftest import pattern_collection, run_build
from tests.test_group_pages import CHEAP, facet_groups, render

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def grouped(www, tmp_path_factory):
    root, base = www
    tmp = tmp_path_factory.mktemp("grouped")
    coll = pattern_collection(tmp / "coll", per_kind=3)
    site = root / "groups"
    assert run_build("--collection", coll, "--out", site, "--work-dir", tmp / "work", *CHEAP) == 0
    folder = WorkFolder(tmp / "work").build(coll)
    manifest = folder.read_manifest()
    folder.write_groups(manifest, facet_groups(manifest), "test")
    render(coll, tmp / "work", site)
    stripes = [im.id for im in manifest.images if im.path.startswith("stripes/")]
    return {"dir": site, "http": f"{base}/groups/", "member": page_path(stripes[0])}


PAGES = ("groups.html", "group/content-0.html", "group/content-3.html", "group/content-1.html",
         "group/content-none.html")


@pytest.mark.parametrize("path", [*PAGES, "member", "index.html"])
def test_group_pages_have_no_accessibility_violations(page, grouped, path):
    path = grouped["member"] if path == "member" else path
    page.goto(grouped["http"] + path, wait_until="networkidle")  # the lazy thumbnails in view too
    shot(page, "group-" + path.replace("/", "-").removesuffix(".html"))
    assert axe(page) == []


def test_group_pages_pass_the_nu_html_checker(grouped):
    if not VNU.is_file() or not shutil.which("java"):
        pytest.skip("the Nu Html Checker needs npm's vnu-jar and Java (make setup installs both)")
    pages = [grouped["dir"] / p for p in (*PAGES, "group/content-2.html", grouped["member"], "index.html")]
    assert all(p.is_file() for p in pages)  # the checker passes a path that is not there
    pages = [str(p) for p in pages]
    run = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "json", *pages],
                         capture_output=True, text=True)
    messages = json.loads(run.stderr or '{"messages": []}')["messages"]
    assert [f"{m['url'].rsplit('/', 1)[-1]}: {m['message']}" for m in messages] == []


def test_without_javascript_an_image_leads_to_its_group_and_its_members(browser, grouped):
    ctx, page, errors = new_page(browser, 1280, 800, java_script_enabled=False)
    try:
        page.goto(grouped["http"] + grouped["member"])
        page.get_by_role("link", name="Thin stripes").click()
        assert page.url == grouped["http"] + "group/content-3.html"
        page.get_by_role("link", name="Stripes", exact=True).click()
        assert page.url == grouped["http"] + "group/content-0.html"
        grid = page.locator(".lk-grid img")
        assert grid.count() == 3 and all(grid.nth(i).is_visible() for i in range(3))
        page.get_by_role("link", name="All groups").click()
        assert page.url == grouped["http"] + "groups.html#groups-content"
        assert page.locator(".group-cards > li").count() == 3
    finally:
        ctx.close()
    assert errors == []
