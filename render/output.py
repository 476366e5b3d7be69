"""Guard the output folder: never write into the collection, never clobber a
folder that is not ours, and remove only files that an earlier build wrote.

What the last build wrote into a folder is listed in the work folder
(core/workfolder.py site_state "files.json"), not in the site: build state is never
published. Stale pages of images that left the collection are removed, anything else
in the folder is left alone. A site of ours is recognised by that list, by the list
that versions before 0.9 kept in the site itself (MARKER, read once and removed),
or by the generator tag of its index.html when the work folder is gone.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

from core.errors import LookalikeError
from core.files import write_bytes, write_text

MARKER = ".lookalike-site.json"  # where earlier versions listed their files, inside the site
GENERATOR_TAG = b'<meta name="generator" content="Lookalike">'


class OutputError(LookalikeError):
    """The output folder is unsafe to write; the message says why and what to do."""


def check_output(out: Path, collection: Path, force: bool = False, state: Path | None = None) -> None:
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
    if out_r.is_dir() and any(out_r.iterdir()) and not _ours(out_r, state) and not force:
        raise OutputError(f"the output folder {out} is not empty and was not made by Lookalike; "
                          f"choose an empty or new folder, or pass --force to write into it "
                          f"(nothing already there is deleted)")


def _ours(out: Path, state: Path | None) -> bool:
    if (state is not None and state.is_file()) or (out / MARKER).is_file():
        return True
    try:
        with open(out / "index.html", "rb") as f:
            return GENERATOR_TAG in f.read(4096)
    except OSError:
        return False


class SiteFiles:
    """The output folder as this build writes it: every file put (atomically, untouched when its
    bytes are the same) or kept is recorded, so finish() removes only what an earlier build
    wrote and this one did not. `state` is the work-folder file that lists them."""

    def __init__(self, out: Path, state: Path | None = None):
        self.out = Path(out)
        self.state = state
        self.written: set[str] = set()
        self.previous = previous_files(self.out, state)

    def put(self, rel: str, data: bytes | str) -> None:
        (write_text if isinstance(data, str) else write_bytes)(self.out / rel, data)
        self.written.add(rel)

    def keep(self, *rels: str) -> None:
        self.written.update(rels)


# The names Lookalike gives what it writes (render/urls.py, render/exports.py, render/atlas.py,
# render/search.py), flat (before 0.9) and sharded. Only used when the list of what the last
# build wrote is gone (a new work folder, a site copied elsewhere) and the site is ours by its
# generator tag: then files with these names are taken as ours, and nothing else.
OWN_NAMES = re.compile(r"^(?:(?:image|thumbs|media|originals)/(?:[0-9a-f]{2}/)?[0-9a-f]{12}(?:\.[A-Za-z0-9]+)?"
                       r"|list/\d+\.html|atlas/(?:[24]/)?\d+\.(?:jpg|webp|png)|pagefind/.+|static/.+"
                       r"|data/(?:points\.json|points\.js|neighbours\.csv|tags\.csv|images\.csv\.gz"
                       r"|neighbours-[a-z]+\.csv\.gz|tags\.csv\.gz))$")


def previous_files(out: Path, state: Path | None = None) -> set[str]:
    """What the last build wrote: the work folder's list, and the one an older version left in
    the site; without either, in a site of ours, the files that bear our names (OWN_NAMES)."""
    out = Path(out)
    files: set[str] = set()
    listed = False
    for path in ([state] if state is not None else []) + [out / MARKER]:
        try:
            files.update(json.loads(path.read_text())["files"])
            listed = True
        except (OSError, ValueError, KeyError, TypeError):
            pass
    if not listed and state is not None and _ours(out, None):
        for dirpath, _, names in os.walk(out):
            rel_dir = Path(dirpath).relative_to(out).as_posix()
            for name in names:
                rel = name if rel_dir == "." else f"{rel_dir}/{name}"
                if OWN_NAMES.match(rel):
                    files.add(rel)
    return files


def finish(out: Path, written: set[str], state: Path | None = None, previous: set[str] | None = None) -> list[str]:
    """Remove files the previous build wrote that this one did not; record this build's files
    in `state` (the work folder). The list an older version kept in the site goes too."""
    out = Path(out)
    removed = []
    for rel in sorted((previous_files(out, state) if previous is None else previous) - written):
        path = out / rel
        if path.is_file() and not path.is_symlink():
            os.unlink(path)
            removed.append(rel)
            _prune(out, path.parent)
    if state is not None:
        write_text(state, json.dumps({"files": sorted(written), "generator": "lookalike"}, indent=0) + "\n")
        legacy = out / MARKER
        if legacy.is_file() and not legacy.is_symlink() and MARKER not in written:
            os.unlink(legacy)
    return removed


def _prune(out: Path, folder: Path) -> None:
    """Remove folders a removal left empty (old flat image/ folders become shard folders)."""
    while folder != out and out in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _sizes_path(state: Path) -> Path:
    return state.with_name(state.stem + "-sizes.json")


def remember_sizes(state: Path | None, sizes: dict, images: int) -> None:
    """What each top folder of the site took, for the next build's estimate (render/budget.py)."""
    if state is not None:
        write_text(_sizes_path(state), json.dumps({"images": images, "folders": sizes["folders"]}, sort_keys=True))


def previous_sizes(state: Path | None) -> dict:
    """{"images": N, "folders": {top: {files, bytes}}} of the last build, or {}."""
    try:
        saved = json.loads(_sizes_path(state).read_text()) if state is not None else {}
        return saved if isinstance(saved.get("folders"), dict) and saved.get("images") else {}
    except (OSError, ValueError, AttributeError):
        return {}


def size_report(out: Path) -> dict:
    """Bytes and files per top-level folder, files per folder, the largest file, and the
    GitHub Pages warnings (render/budget.py) that name the budget exceeded, by how much,
    and the setting that shrinks it. `bytes` is what Pages counts (the files' sizes);
    `disk_bytes` what they take on this disk (whole blocks: small files take more)."""
    from render import budget

    out = Path(out)
    folders: dict[str, dict] = {}
    in_folder: dict[str, int] = {}
    big: dict[str, int] = {}
    largest = ("", 0)
    total = disk = 0
    for dirpath, dirnames, filenames in os.walk(out):
        dirnames.sort()
        rel_dir = Path(dirpath).relative_to(out).as_posix()
        top = rel_dir.split("/", 1)[0] if rel_dir != "." else "."
        if filenames:
            in_folder[rel_dir] = len(filenames)
        entry = folders.setdefault(top, {"files": 0, "bytes": 0}) if filenames else None
        for name in filenames:
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            size = st.st_size
            total += size
            disk += getattr(st, "st_blocks", 0) * 512 or size
            entry["files"] += 1
            entry["bytes"] += size
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if size > largest[1]:
                largest = (rel, size)
            if size > budget.FILE_BYTES:
                big[rel] = size
    warnings = budget.check(total, {f: v["bytes"] for f, v in folders.items()}, in_folder, big)
    return {"bytes": total, "disk_bytes": disk, "folders": folders, "files_in_folder": in_folder,
            "largest": {"path": largest[0], "bytes": largest[1]}, "warnings": warnings}
