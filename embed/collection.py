"""Find the images of a collection, hash them, and say what is left out and why.

Identity is content: an image's id is the first 12 hex characters of its
SHA-256, so renames keep ids and two copies of one file are one image (both
names are reported). Walks are sorted, so row order is reproducible.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from core.files import write_text

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".jpe", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp"}
SKIPPED_DIRS = {"__MACOSX", "node_modules", "_site", ".lookalike"}


@dataclass
class Candidate:
    path: str  # relative to the collection, posix separators
    sha256: str
    size: int
    also: list[str] = field(default_factory=list)  # other paths with identical bytes

    @property
    def id(self) -> str:
        return self.sha256[:12]


@dataclass
class Scan:
    candidates: list[Candidate]
    skipped: list[dict]  # {path, reason}
    ignored: list[str]  # files that are not images by extension (metadata.csv, README...)


def scan(root: Path, hash_cache: Path | None = None) -> Scan:
    """Walk root (sorted), hash image files, group identical content."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"collection folder {root} does not exist or is not a folder")
    known = _load_hash_cache(hash_cache)
    fresh: dict[str, list] = {}
    by_sha: dict[str, Candidate] = {}
    skipped: list[dict] = []
    ignored: list[str] = []
    for rel, full in _walk(root, skipped):
        if Path(rel).suffix.lower() not in IMAGE_EXTENSIONS:
            ignored.append(rel)
            continue
        try:
            st = full.stat()
            if st.st_size == 0:
                skipped.append({"path": rel, "reason": "empty file (0 bytes)"})
                continue
            stamp = [st.st_size, st.st_mtime_ns]
            entry = known.get(rel)
            sha = entry[2] if entry and entry[:2] == stamp else _sha256(full)
            fresh[rel] = stamp + [sha]
        except OSError as exc:
            skipped.append({"path": rel, "reason": f"cannot read file: {exc.strerror or exc}"})
            continue
        if sha in by_sha:
            by_sha[sha].also.append(rel)
        else:
            by_sha[sha] = Candidate(rel, sha, st.st_size)
    if hash_cache is not None:
        write_text(hash_cache, json.dumps(fresh, sort_keys=True, separators=(",", ":")))
    candidates = sorted(by_sha.values(), key=lambda c: c.path)
    return Scan(candidates, skipped, ignored)


def _walk(root: Path, skipped: list[dict]):
    """Yield (relative posix path, full path) for every visible file, sorted."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        keep = []
        for d in sorted(dirnames):
            full = here / d
            rel = full.relative_to(root).as_posix()
            if d.startswith(".") or d in SKIPPED_DIRS:
                continue  # hidden folders, macOS resource forks, our own outputs
            if full.is_symlink():
                skipped.append({"path": rel + "/", "reason": "symbolic link to a folder (not followed)"})
                continue
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            if name.startswith("."):
                continue  # hidden files, ._AppleDouble, .DS_Store
            full = here / name
            rel = full.relative_to(root).as_posix()
            if full.is_symlink() and not full.exists():
                skipped.append({"path": rel, "reason": "broken symbolic link"})
                continue
            yield rel, full


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _load_hash_cache(path: Path | None) -> dict:
    if path is None or not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}  # a damaged cache only costs re-hashing


def readable_title(rel_path: str) -> str:
    """'blue_period/old-guitarist_1903.jpg' -> 'old guitarist 1903'."""
    stem = Path(rel_path).stem
    words = stem.replace("_", " ").replace("-", " ").split()
    return " ".join(words) or stem
