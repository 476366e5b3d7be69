"""Small helpers the browser tests share: open the map, ask it where an image is."""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def new_page(browser, width: int, height: int, **context):
    """A page in a context of its own, and the list its uncaught errors go to; the caller
    closes the context."""
    ctx = browser.new_context(viewport={"width": width, "height": height}, **context)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    return ctx, page, errors


def open_map(page, url: str):
    page.goto(url)
    page.wait_for_function("document.documentElement.classList.contains('lk-ready')")
    page.wait_for_function("document.getElementById('lk-map').lookalike.stats.draws > 0")


def project(page, image_id: str) -> dict:
    return page.evaluate("id => document.getElementById('lk-map').lookalike.project(id)", image_id)


def map_state(page) -> dict:
    return page.evaluate("document.getElementById('lk-map').lookalike.state()")


def wait_idle(page):
    """No transition running, no sheets loading, a frame drawn since."""
    page.wait_for_function("document.getElementById('lk-map').lookalike.state().sheetsLoading === 0")
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
