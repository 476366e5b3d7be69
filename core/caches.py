"""The image-copy cache of the work folder (its folder is chosen by core/workfolder.py).

    ImageCache     <folder>/<sha[:2]>/<sha>.thumb.jpg .display.jpg .json   copies and size, per size setting

Keyed by the SHA-256 of each file's bytes: a renamed image costs nothing, an edited one
only itself. A damaged or missing entry reads as missing and is computed again. The
vectors live in core/feature_store.py.
"""
from __future__ import annotations

import json
from pathlib import Path

from core.files import write_bytes, write_text


class ImageCache:
    """Thumbnail, display copy and original size of each image, per size setting."""

    def __init__(self, folder: Path):
        self.dir = Path(folder)

    def thumb(self, sha: str) -> Path:
        return self.dir / sha[:2] / f"{sha}.thumb.jpg"

    def display(self, sha: str) -> Path:
        return self.dir / sha[:2] / f"{sha}.display.jpg"

    def _meta(self, sha: str) -> Path:
        return self.dir / sha[:2] / f"{sha}.json"

    def meta(self, sha: str) -> dict | None:
        """{width, height} when every derivative is present, {error} for content that
        cannot be decoded (the bytes decide that, so it is not retried), else None."""
        try:
            meta = json.loads(self._meta(sha).read_text())
        except (OSError, ValueError):
            return None
        if "error" in meta:
            return meta
        return meta if self.thumb(sha).exists() and self.display(sha).exists() else None

    def put_error(self, sha: str, reason: str) -> None:
        write_text(self._meta(sha), json.dumps({"error": reason}, sort_keys=True))

    def put(self, sha: str, width: int, height: int, thumb_jpeg: bytes, display_jpeg: bytes) -> None:
        write_bytes(self.thumb(sha), thumb_jpeg)
        write_bytes(self.display(sha), display_jpeg)
        write_text(self._meta(sha), json.dumps({"height": height, "width": width}, sort_keys=True))
