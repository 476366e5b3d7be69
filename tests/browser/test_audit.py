"""Real auditors on the real site: axe-core in Chromium (the map with a card open, an image
page) and the Nu Html Checker on every page. Both come from npm (package-lock.json)."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from pagetools import open_map, project, shot

from render.urls import page_path

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
pytestmark = [pytest.mark.browser, pytest.mark.slow]


def axe(page) -> list[dict]:
    if not AXE.is_file():
        pytest.skip(f"axe-core is not installed ({AXE}); run npm ci")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


def test_map_with_a_card_open_has_no_accessibility_violations(page, built):
    open_map(page, built["http"])
    image_id = built["points"]["ids"][3]
    pos = project(page, image_id)
    page.mouse.move(pos["x"], pos["y"])
    page.locator("#lk-card").wait_for(state="visible")
    shot(page, "audit-map-card")
    assert axe(page) == []


def test_image_page_has_no_accessibility_violations(page, built):
    page.goto(built["http"].replace("index.html", page_path(built["points"]["ids"][3])))
    shot(page, "audit-image-page")
    assert axe(page) == []


def test_the_list_in_another_order_has_no_accessibility_violations(page, built):
    orders = sorted(p.relative_to(built["dir"]).as_posix() for p in built["dir"].glob("list/*/1.html"))
    if not orders:
        pytest.skip("the layout made no arrangement, so the list has no other order")
    page.goto(built["http"].replace("index.html", orders[0]))
    assert page.locator('.lk-orders [aria-current="true"]').count() == 1
    shot(page, "audit-list-order")
    assert axe(page) == []


def test_every_page_passes_the_nu_html_checker(built):
    if not VNU.is_file() or not shutil.which("java"):
        pytest.skip("the Nu Html Checker needs npm's vnu-jar and Java (make setup installs both)")
    pages = [str(p) for p in sorted(built["dir"].rglob("*.html"))]
    run = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "json", *pages],
                         capture_output=True, text=True)
    messages = json.loads(run.stderr or '{"messages": []}')["messages"]
    names = [Path(p).relative_to(built["dir"]).as_posix() for p in pages]
    # 36 image pages, index.html, selection.html (#28), and the groups the layout found (#27): groups.html,
    # a page a group and one for the images in none; every one of them checked
    assert sum(n.startswith("image/") for n in names) == 36 and {"index.html", "selection.html"} <= set(names)
    groups = [n for n in names if n.startswith("group/")]
    # and the list in each arrangement's order (render/list_orders.py): one page each of 36 images
    orders = [n for n in names if n.startswith("list/")]
    assert set(orders) <= {"list/grid/1.html", "list/date/1.html", "list/group/1.html"}
    assert len(names) == 38 + len(orders) + (len(groups) + 1 if groups else 0)
    assert ("groups.html" in names) == bool(groups)
    assert [f"{m['url'].rsplit('/', 1)[-1]}: {m['message']}" for m in messages] == []
