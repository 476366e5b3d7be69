"""Guard the output folder: never write into the collection, never write into a folder that is
not ours unless --force says so, and then never over a file Lookalike did not write.

A site of ours is known by its record of what Lookalike wrote there (render/sitefiles.py RECORD,
or the journal of a build that did not finish; the lists older versions kept, in the work
folder or in the site, count once). Nothing is taken as ours because of its name.
"""
from __future__ import annotations

import os
from pathlib import Path

from render.sitefiles import JOURNAL, LEGACY, RECORD, OutputError, SiteFiles  # noqa: F401 - re-exported

MARKER = LEGACY  # the name tests and older code know
GENERATOR_TAG = b'<meta name="generator" content="Lookalike">'
# The top-level names under which a build writes files; static/ holds other files of the user's.
OWN_FOLDERS = ("image", "thumbs", "media", "originals", "list", "atlas", "data", "pagefind")
OWN_FILES = ("index.html", "favicon.png")


def check_output(out: Path, collection: Path, force: bool = False, state=None) -> None:
    """state: the work folder's SiteState of this output (or the path of its legacy list)."""
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
    if not out_r.is_dir() or not any(out_r.iterdir()) or _ours(out_r, state):
        return
    if not force:
        earlier = ""
        if _generator_tagged(out_r):
            earlier = (f" (its index.html says Lookalike, but the list of what Lookalike wrote there, "
                       f"{RECORD}, is missing, so its files cannot be told from yours)")
        raise OutputError(f"the output folder {out} is not empty and was not made by Lookalike{earlier}; "
                          f"choose an empty or new folder, or pass --force to write beside what is there "
                          f"(--force never deletes or overwrites a file Lookalike did not write)")
    clash = foreign_files(out_r)
    if clash:
        named = ", ".join(clash[:12]) + (f" and {len(clash) - 12:,} more" if len(clash) > 12 else "")
        raise OutputError(f"--force: the output folder {out} already holds files where Lookalike writes its "
                          f"own, and Lookalike did not write them: {named}. Nothing was written; move them "
                          f"away or choose another --out")


def _ours(out: Path, state) -> bool:
    legacy = getattr(state, "legacy", state)  # a SiteState, or the path of its legacy list
    return any(p.is_file() for p in (out / RECORD, out / JOURNAL, out / LEGACY)) or \
        (legacy is not None and Path(legacy).is_file())


def _generator_tagged(out: Path) -> bool:
    try:
        with open(out / "index.html", "rb") as f:
            return GENERATOR_TAG in f.read(4096)
    except OSError:
        return False


def foreign_files(out: Path) -> list[str]:
    """Files of a folder that Lookalike did not make that lie where a build writes its own: the
    folders it fills (image/, data/, ...), index.html, favicon.png, its static files; a
    .nojekyll that is not empty. Other files (a README, a CNAME, static/logo.png) are no clash."""
    from render.assets import static_names

    out = Path(out)
    ours_static = set(static_names())
    clash = []
    for entry in sorted(out.iterdir()):
        name = entry.name
        if name in OWN_FILES or (name == ".nojekyll" and (entry.is_symlink() or not entry.is_file()
                                                           or entry.stat().st_size)):
            clash.append(name)
        elif name in OWN_FOLDERS or name == "static":
            if entry.is_symlink() or not entry.is_dir():
                clash.append(name)
                continue
            for dirpath, dirnames, names in os.walk(entry):
                dirnames.sort()
                for n in sorted(names):
                    rel = Path(dirpath, n).relative_to(out).as_posix()
                    if name != "static" or rel in ours_static:
                        clash.append(rel)
    return clash


def remember_sizes(state, sizes: dict, images: int) -> None:
    """What each top folder of the site took, for the next build's estimate (render/budget.py)."""
    if state is not None:
        state.write("sizes", {"images": images, "folders": sizes["folders"]})


def previous_sizes(state) -> dict:
    """{"images": N, "folders": {top: {files, bytes}}} of the last build, or {}."""
    if state is None:
        return {}
    return state.read("sizes", lambda v: isinstance(v["folders"], dict) and isinstance(v["images"], int) and v["images"]
                      and all(isinstance(f["bytes"], int) for f in v["folders"].values()))


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
