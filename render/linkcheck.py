"""Crawl a built site from disk: every href/src must resolve to a file inside it.

The deploy command refuses a site where one does not; the tests use it on every build."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.urls.append(value)


def links_of(page: Path) -> list[str]:
    p = _Links()
    p.feed(page.read_text(encoding="utf-8"))
    return p.urls


def broken_links(site: Path) -> list[str]:
    """'page -> url' for every local link of every HTML page that points at no file."""
    site = site.resolve()
    broken = []
    for page in sorted(site.rglob("*.html")):
        for url in links_of(page):
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or url.startswith("#"):
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if site not in target.parents or not target.is_file():
                broken.append(f"{page.relative_to(site)} -> {url}")
    return broken
