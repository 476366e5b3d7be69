"""Content-addressed caches for vectors and image derivatives.

Keyed by (content hash, model key or sizes), so editing one image or switching
the model invalidates exactly what changed. Entries are written atomically, so
a build killed half-way resumes from whatever finished.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from core.files import load_npy, save_npy, write_bytes, write_text


class FeatureCache:
    def __init__(self, root: Path, key: str):
        self.dir = Path(root) / "features" / key

    def _path(self, sha: str) -> Path:
        return self.dir / sha[:2] / f"{sha}.npy"

    def get(self, sha: str) -> np.ndarray | None:
        try:
            return load_npy(self._path(sha))
        except (OSError, ValueError):
            return None  # missing or damaged: recompute

    def put(self, sha: str, vector: np.ndarray) -> None:
        save_npy(self._path(sha), np.asarray(vector, np.float32))


class ImageCache:
    """Thumbnail, display copy and original size of each image, per size setting."""

    def __init__(self, root: Path, thumb_size: int, display_size: int):
        # v2: bicubic with reducing_gap (embed/images.py _fit); a new recipe gets a new folder
        self.dir = Path(root) / "images" / f"t{thumb_size}-d{display_size}-v2"

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
