"""Guard the output folder: never write into the collection, never clobber a
folder that is not ours, and remove only files that an earlier build wrote.

A marker file lists what the last build wrote; stale pages of images that
left the collection are removed, anything else in the folder is left alone.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from core.errors import LookalikeError
from core.files import write_bytes, write_text

MARKER = ".lookalike-site.json"


class OutputError(LookalikeError):
    """The output folder is unsafe to write; the message says why and what to do."""


def check_output(out: Path, collection: Path, force: bool = False) -> None:
    out_r, coll_r = Path(out).resolve(), Path(collection).resolve()
    if out_r == coll_r:
        raise OutputError(f"the output folder {out} is the collection itself; choose another --out")
    if coll_r in out_r.parents:
        raise OutputError(f"the output folder {out} lies inside the collection {collection}; "
                          f"choose an --out outside it so the collection is never modified")
    if out_r in coll_r.parents:
        raise OutputError(f"the output folder {out} contains the collection {collection}; "
                          f"choose another --out (the build replaces files in it)")
    if out_r.exists() and not out_r.is_dir():
        raise OutputError(f"the output path {out} exists and is not a folder")
    if out_r.is_dir() and any(out_r.iterdir()) and not (out_r / MARKER).exists() and not force:
        raise OutputError(f"the output folder {out} is not empty and was not made by Lookalike; "
                          f"choose an empty or new folder, or pass --force to write into it "
                          f"(nothing already there is deleted)")


class SiteFiles:
    """The output folder as this build writes it: every file put (atomically, untouched when its
    bytes are the same) or kept is recorded, so finish() removes only what an earlier build
    wrote and this one did not."""

    def __init__(self, out: Path):
        self.out = Path(out)
        self.written: set[str] = set()

    def put(self, rel: str, data: bytes | str) -> None:
        (write_text if isinstance(data, str) else write_bytes)(self.out / rel, data)
        self.written.add(rel)

    def keep(self, *rels: str) -> None:
        self.written.update(rels)


def previous_files(out: Path) -> set[str]:
    try:
        return set(json.loads((Path(out) / MARKER).read_text())["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def finish(out: Path, written: set[str]) -> list[str]:
    """Remove files the previous build wrote that this one did not; record this build's files."""
    out = Path(out)
    removed = []
    for rel in sorted(previous_files(out) - written):
        path = out / rel
        if path.is_file() and not path.is_symlink():
            os.unlink(path)
            removed.append(rel)
    write_text(out / MARKER, json.dumps({"files": sorted(written), "generator": "lookalike"}, indent=0) + "\n")
    return removed


PAGES_SITE_LIMIT = 1_000_000_000  # GitHub Pages: published sites may be no larger than 1 GB
PAGES_FILE_LIMIT = 100_000_000  # GitHub refuses files over 100 MB in a push


# What makes each part of the site big, and the setting that shrinks it.
_FOLDER_ADVICE = {
    "media": "lower [images] display_size",
    "thumbs": "lower [images] thumb_size",
    "originals": "turn off copy_originals (originals over 100 MB cannot be published on Pages)",
    "image": "lower [neighbours] k or list fewer facets (each page shows k neighbours per facet)",
    "data": "lower [neighbours] k and map_neighbours, or list fewer facets",
    "atlas": "lower the number of images (the map's thumbnail sheets grow with it)",
}
_FILE_ADVICE = {
    "data/neighbours.csv": "lower [neighbours] k or list fewer facets (k rows per image and facet)",
    "data/points.json": "lower [neighbours] map_neighbours or list fewer facets",
    "data/points.js": "lower [neighbours] map_neighbours or list fewer facets",
}


def size_report(out: Path) -> dict:
    """Bytes and files per top-level folder, the largest file, and GitHub Pages warnings
    that name the part that is too big and the setting that shrinks it."""
    out = Path(out)
    folders: dict[str, dict] = {}
    largest = ("", 0)
    too_big: list[tuple[str, int]] = []
    total = 0
    for p in out.rglob("*"):
        if not p.is_file():
            continue
        size = p.stat().st_size
        total += size
        rel = p.relative_to(out)
        top = rel.parts[0] if len(rel.parts) > 1 else "."
        entry = folders.setdefault(top, {"files": 0, "bytes": 0})
        entry["files"] += 1
        entry["bytes"] += size
        if size > largest[1]:
            largest = (rel.as_posix(), size)
        if size > PAGES_FILE_LIMIT:
            too_big.append((rel.as_posix(), size))
    warnings = []
    if total > PAGES_SITE_LIMIT:
        parts = sorted(folders, key=lambda f: -folders[f]["bytes"])[:2]
        advice = "; ".join(f"{f + '/' if f != '.' else 'the top level'} is {folders[f]['bytes'] / 1e9:.2f} GB: "
                           f"{_FOLDER_ADVICE.get(f, 'split the collection')}" for f in parts)
        warnings.append(f"the site is {total / 1e9:.2f} GB, over GitHub Pages' 1 GB limit; {advice} "
                        f"(or host it on your own web server, which has no such limit)")
    for rel, size in sorted(too_big):
        top = rel.split("/", 1)[0] if "/" in rel else "."
        advice = _FILE_ADVICE.get(rel) or _FOLDER_ADVICE.get(top, "split the collection")
        warnings.append(f"{rel} is {size / 1e6:.0f} MB, over GitHub's 100 MB file limit: {advice}")
    return {"bytes": total, "folders": folders, "largest": {"path": largest[0], "bytes": largest[1]},
            "warnings": warnings}
