"""The folders a build is given, checked against each other before any work.

The collection is only ever read; the work folder holds caches and build state that must
never be published; the output is published as it is. So: the work folder never lies
inside the collection (its thumbnails would become images on the next build) nor inside
the output (it would be deployed, local paths and all), and the collection never lies
inside the work folder (deleting that folder to reclaim space would delete the images).
Where the output may lie is checked by render/output.py check_output, called right after.
"""
from __future__ import annotations

import os
from pathlib import Path

from core.errors import LookalikeError

WORK_NAME = ".lookalike"


def lookalike_cache_dir() -> Path:
    """Lookalike's cache shared by all projects (converted weights, the WordNet copy), outside
    any repository or site."""
    base = os.environ.get("LOOKALIKE_CACHE") or os.environ.get("XDG_CACHE_HOME")
    return Path(base or Path.home() / ".cache") / ("" if os.environ.get("LOOKALIKE_CACHE") else "lookalike")


class FolderError(LookalikeError):
    """Two of the folders a build is given overlap in a way that would lose or publish files."""


def _inside(inner: Path, outer: Path) -> bool:
    """inner is outer or lies below it (both resolved)."""
    return inner == outer or outer in inner.parents


def work_path(cfg, base: Path, log) -> Path:
    """[build] work_dir (--work-dir), else the default below, said in one line when it moved."""
    if cfg.build.work_dir:
        return Path(cfg.build.work_dir)
    root, note = default_work(base, Path(cfg.site.collection))
    if note:
        log.info(note)
    return root


def default_work(base: Path, collection: Path) -> tuple[Path, str]:
    """The work folder when none is given: .lookalike/ next to the config file (or in the
    current folder), unless that lands inside the collection (a site.toml kept in the
    collection, a build run from inside it): then .lookalike/ next to the collection.
    Returns the folder and a line for the user ('' when there is nothing to say)."""
    work = Path(base) / WORK_NAME
    coll = Path(collection).resolve()
    if not _inside(work.resolve(), coll) or coll.parent == coll:
        return work, ""
    moved = coll.parent / WORK_NAME
    note = f"work folder: {moved} (next to the collection: nothing is ever written inside it)"
    if (coll / WORK_NAME).is_dir():
        note += f"; {coll / WORK_NAME}, left by an earlier version, is no longer used and can be deleted"
    return moved, note


def check_folders(collection: Path, work: Path, out: Path | None = None) -> None:
    """Refuse overlapping folders, naming both and saying why; `out` is None when no stage
    of this command writes the site."""
    coll_r, work_r = Path(collection).resolve(), Path(work).resolve()
    if _inside(work_r, coll_r):
        raise FolderError(f"the work folder {work} lies inside the collection {collection}: the collection is "
                          f"never written to, and the cached thumbnails there would become images on the next "
                          f"build; choose a --work-dir ([build] work_dir) outside the collection")
    if work_r in coll_r.parents:
        raise FolderError(f"the collection {collection} lies inside the work folder {work}: deleting the work "
                          f"folder to reclaim space would delete the images; choose a --work-dir "
                          f"([build] work_dir) beside the collection, not around it")
    if out is not None and _inside(work_r, Path(out).resolve()):
        raise FolderError(f"the work folder {work} lies inside the output folder {out}: it would be published "
                          f"and deployed with the site (caches, logs, local paths); choose a --work-dir "
                          f"([build] work_dir) outside the output folder")
    if out is not None and Path(out).resolve() != work_r and work_r in Path(out).resolve().parents:
        raise FolderError(f"the output folder {out} lies inside the work folder {work}: deleting the work "
                          f"folder to reclaim space would delete the site; choose an --out outside it")
