"""One tested helper for every link: relative URLs, so a site works from disk,
from a local server, and under a sub-path such as https://user.github.io/repo/."""
from __future__ import annotations

import posixpath
from urllib.parse import quote


def relative_url(from_page: str, target: str) -> str:
    """URL of site path `target` as seen from site page `from_page` (both posix, site-relative).

    >>> relative_url("image/abc.html", "thumbs/abc.jpg")
    '../thumbs/abc.jpg'
    """
    start = posixpath.dirname(from_page) or "."
    fragment = ""
    if "#" in target:
        target, fragment = target.split("#", 1)
        fragment = "#" + quote(fragment, safe="=&")
    rel = posixpath.relpath(target, start) if target else posixpath.basename(from_page)
    return quote(rel, safe="/") + fragment


def absolute_url(base_url: str, target: str) -> str:
    """Absolute URL for link previews (Open Graph), or '' when no base_url is set."""
    if not base_url:
        return ""
    return base_url.rstrip("/") + "/" + quote(target, safe="/")
