"""The image-copy cache of the work folder (its folder is chosen by core/workfolder.py).

    ImageCache     <folder>/<sha[:2]>/<sha>.thumb.jpg .display.jpg .json   copies and size, per size setting
                   <folder>/index.json   the sizes of the .json files, so a warm build reads one file

Keyed by the SHA-256 of each file's bytes: a renamed image costs nothing, an edited one
only itself. A damaged or missing entry reads as missing and is computed again. The
vectors live in core/feature_store.py.
"""
from __future__ import annotations

import json
import os
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

    def metas(self, shas: list[str]) -> list[dict | None]:
        """For each image: {width, height} when every derivative is present, {error} for content
        that cannot be decoded (the bytes decide that, so it is not retried), else None.
        One listing per shard folder and one index of the sizes, where
        reading each image's .json and checking its two copies cost three file operations an image
        (100k images: 300k). The .json files stay the truth: the index only saves reading them, and
        an entry counts only while its files are listed."""
        index, grew = self._read_index(), False
        listed: dict[str, set] = {}
        out: list[dict | None] = []
        for sha in shas:
            names = listed.get(sha[:2])
            if names is None:
                try:
                    names = listed[sha[:2]] = set(os.listdir(self.dir / sha[:2]))
                except OSError:
                    names = listed[sha[:2]] = set()
            meta = index.get(sha) if f"{sha}.json" in names else None
            if meta is None and f"{sha}.json" in names:
                meta = self._read_meta(sha)
                if meta is not None:
                    index[sha], grew = meta, True
            if meta is not None and "error" not in meta and not (
                    f"{sha}.thumb.jpg" in names and f"{sha}.display.jpg" in names):
                meta = None
            out.append(meta)
        if grew:
            write_text(self.dir / "index.json", json.dumps(index, sort_keys=True, separators=(",", ":")))
        return out

    def _read_meta(self, sha: str) -> dict | None:
        try:
            meta = json.loads(self._meta(sha).read_text())
        except (OSError, ValueError):
            return None
        return meta if isinstance(meta, dict) else None

    def _read_index(self) -> dict:
        try:
            index = json.loads((self.dir / "index.json").read_text())
        except (OSError, ValueError):
            return {}
        return index if isinstance(index, dict) else {}

    def put_error(self, sha: str, reason: str) -> None:
        write_text(self._meta(sha), json.dumps({"error": reason}, sort_keys=True))

    def put(self, sha: str, width: int, height: int, thumb_jpeg: bytes, display_jpeg: bytes) -> None:
        write_bytes(self.thumb(sha), thumb_jpeg)
        write_bytes(self.display(sha), display_jpeg)
        write_text(self._meta(sha), json.dumps({"height": height, "width": width}, sort_keys=True))
