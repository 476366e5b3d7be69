"""The site's record of the files Lookalike wrote there (render/sitefiles.py writes it).

RECORD lists each file the last finished build wrote with the first 16 hex digits of its
SHA-256; JOURNAL, the files a build that did not finish was writing; the plain lists of older
versions (LEGACY in the site, files.json in the work folder) are read once, without digests.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from core import files

RECORD = ".lookalike-files.json"
JOURNAL = ".lookalike-files.journal"
LEGACY = ".lookalike-site.json"  # versions before 0.9 listed their files here, without digests


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def file_digest(path: Path) -> str | None:
    try:
        return files.sha256_file(path)[:16]
    except OSError:
        return None


def tmp_of(path: Path) -> Path:
    return path.with_name(f".{path.name}.lookalike-tmp")


def read_record(out: Path, legacy: Path | None = None) -> dict[str, set[str]]:
    """{site path: the digests Lookalike wrote there}: the record, the journal of a build that did
    not finish, and the plain lists of older versions (work folder, or LEGACY in the site), whose
    files count as ours while not modified after the list was written ("<" + its mtime_ns)."""
    known: dict[str, set[str]] = {}
    try:
        record = json.loads((out / RECORD).read_text(encoding="utf-8"))["files"]
        for rel, d in record.items() if isinstance(record, dict) else ():
            if isinstance(rel, str) and isinstance(d, str):
                known.setdefault(rel, set()).add(d)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    try:
        for line in (out / JOURNAL).read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                rel, d = json.loads(line)
                known.setdefault(str(rel), set()).add(str(d))
            except (ValueError, TypeError):
                continue  # the line a kill cut short
    except OSError:
        pass
    for path in [p for p in (legacy, out / LEGACY) if p is not None]:
        try:
            listed, stamp = json.loads(path.read_text())["files"], f"<{path.stat().st_mtime_ns}"
            for rel in listed:
                known.setdefault(str(rel), set()).add(stamp)
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return {rel: ds for rel, ds in known.items() if _inside(rel)}


def _inside(rel: str) -> bool:
    parts = rel.split("/")
    return bool(rel) and not rel.startswith("/") and ".." not in parts and "" not in parts and "\0" not in rel


def is_ours(st: os.stat_result, known: set[str], path: Path) -> bool:
    """The file at path is still what Lookalike wrote there (by digest, or by an old list's time)."""
    stamps = [int(d[1:]) for d in known if d.startswith("<")]
    if stamps and st.st_mtime_ns <= max(stamps):
        return True
    digests = {d for d in known if not d.startswith("<")}
    return bool(digests) and file_digest(path) in digests
