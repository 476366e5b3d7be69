"""Guard the output folder: never write into the collection, never clobber a
folder that is not ours, and remove only files that an earlier build wrote.

A marker file lists what the last build wrote; stale pages of images that
left the collection are removed, anything else in the folder is left alone.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from core.files import write_text

MARKER = ".lookalike-site.json"


class OutputError(Exception):
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


def folder_size(out: Path) -> int:
    return sum(p.stat().st_size for p in Path(out).rglob("*") if p.is_file())
