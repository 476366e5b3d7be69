"""One tested helper for every link: relative URLs, so a site works from disk,
from a local server, and under a sub-path such as https://user.github.io/repo/;
and the one place that says where each kind of file lives in the site."""
from __future__ import annotations

import posixpath
from functools import lru_cache
from pathlib import PurePosixPath
from urllib.parse import quote


def relative_url(from_page: str, target: str, fragment: str = "") -> str:
    """URL of site path `target` as seen from site page `from_page` (both posix, site-relative).

    Characters such as '#' and '?' in `target` are part of the path and get quoted;
    a fragment is passed separately.

    >>> relative_url("image/ab/abc.html", "thumbs/ab/abc.jpg")
    '../../thumbs/ab/abc.jpg'
    """
    rel = _relative(posixpath.dirname(from_page) or ".", target)
    return rel + ("#" + quote(fragment, safe="=&") if fragment else "")


@lru_cache(maxsize=1 << 16)
def _relative(start: str, target: str) -> str:
    # every image page lives in image/, so the same (folder, target) pairs recur thousands of times
    return quote(posixpath.relpath(target, start), safe="/")


def absolute_url(base_url: str, target: str) -> str:
    """Absolute URL for link previews (Open Graph), or '' when no base_url is set."""
    if not base_url:
        return ""
    return base_url.rstrip("/") + "/" + quote(target, safe="/")


# Where each kind of file lives in the site (posix, site-relative). Per-image files are
# sharded by the id's first two hex characters: 256 folders, so a 100,000-image site has
# ~400 files a folder, well under GitHub's 3,000 (and quick to list in any file browser).

def shard(image_id: str) -> str:
    return image_id[:2]


def page_path(image_id: str) -> str:
    return f"image/{shard(image_id)}/{image_id}.html"


def thumb_path(image_id: str) -> str:
    return f"thumbs/{shard(image_id)}/{image_id}.jpg"


def media_path(image_id: str) -> str:
    return f"media/{shard(image_id)}/{image_id}.jpg"


def original_path(im) -> str:
    return f"originals/{shard(im.id)}/{im.id}{PurePosixPath(im.path).suffix.lower()}"


def list_path(number: int) -> str:
    """Page `number` (1-based) of the no-JavaScript image list; the first is the index itself."""
    return "index.html" if number <= 1 else f"list/{number}.html"
