"""Which pages of a site can stay as they are.

Rendering 100,000 image pages takes minutes even when nothing changed (measured in
docs/benchmarks.md), so each page's file is remembered with a digest of everything it is
made from: its template context (every value the page shows), and the templates, Jinja
version and code that turn that context into HTML. A page is skipped only when that digest
matches and the file on disk is still the very file this build folder last wrote into this
output folder (size, modification time and inode).
When nothing at all changed (one key over every input, the arrays by their bytes, and the
source of the code that builds contexts), not even the contexts are built.
The state lives in the work folder, one file per output folder (core/workfolder.py,
BuildFolder.site_state), so building the same collection into two folders never mixes them up.
"""
from __future__ import annotations

import hashlib
import json
import marshal
from pathlib import Path

from core.files import write_text


def _files_digest(h, folder: Path, pattern: str):
    """Fold the names and bytes of the files under folder matching pattern into h, in a fixed order."""
    for p in sorted(Path(folder).rglob(pattern)):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode() + b"\0" + p.read_bytes())
    return h


def templates_digest(template_dir: Path) -> str:
    import jinja2
    import markupsafe

    h = hashlib.sha256(f"jinja2 {jinja2.__version__} markupsafe {markupsafe.__version__}".encode())
    return _files_digest(h, template_dir, "*").hexdigest()


def code_digest() -> str:
    """The source of the code that builds page contexts and the Jinja environment: any change
    to it renders every page anew (it changes pages in ways no context digest can see)."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent
    for folder in ("render", "embed", "core"):
        _files_digest(h, root / folder, "*.py")
    return h.hexdigest()


def _file_id(path: Path) -> list[int] | None:
    """Size, modification time and inode: a file replaced or rewritten since we wrote it
    (a checkout, a restored backup, an interrupted build, a hand edit) never matches."""
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


class PageMemo:
    """``digest(ctx)`` and ``unchanged(rel, digest)`` before rendering; ``wrote`` after; ``save()``."""

    def __init__(self, state: Path | None, out: Path, salt: str):
        self.path = Path(state) if state else None
        self.out, self.salt = Path(out), salt
        self.old: dict[str, list] = {}
        self.new: dict[str, list] = {}
        self.site_key = self._old_site_key = ""
        if self.path is not None:
            self._load()

    def _load(self) -> None:
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # none yet, or damaged: render everything
        if not isinstance(saved, dict) or saved.get("salt") != self.salt or not isinstance(saved.get("pages"), dict):
            return
        self.old = {rel: v for rel, v in saved["pages"].items()
                    if isinstance(v, list) and len(v) == 2 and isinstance(v[0], str) and isinstance(v[1], list)}
        key = saved.get("site_key")
        self._old_site_key = key if isinstance(key, str) and len(self.old) == len(saved["pages"]) else ""

    def digest(self, context: dict) -> str:
        # JSON is exact for the str (Markup included), int, float, list and dict values of a
        # context (floats as repr); records are dataclasses: their fields
        text = json.dumps(context, sort_keys=True, ensure_ascii=False, default=vars)
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]

    def site_unchanged(self, site_key: str, pages: list[str]) -> bool:
        """True when every input of every page is as last written (one key for the whole site)
        and each page file is still the very file we wrote: then no page context is even built."""
        self.site_key = site_key
        if self.path is None or not self._old_site_key or self._old_site_key != site_key \
                or set(self.old) != set(pages):
            return False
        for rel in pages:
            if not self.unchanged(rel, self.old[rel][0]):
                self.new.clear()
                return False
        return True

    def begin(self) -> None:
        """Forget the old claims on disk before the first page is written: an interrupted
        build leaves no state that could vouch for half-written pages."""
        if self.path is not None and self.path.exists():
            self.path.unlink()

    def unchanged(self, rel: str, digest: str) -> bool:
        if self.path is None:
            return False
        saved = self.old.get(rel)
        if not saved or saved[0] != digest or _file_id(self.out / rel) != saved[1]:
            return False
        self.new[rel] = saved
        return True

    def wrote(self, rel: str, digest: str, path: Path | None = None) -> None:
        """path: where the page's bytes are now, when not at its place yet (a staged copy that is
        renamed there, inode and mtime kept: render/sitefiles.py)."""
        self.new[rel] = [digest, _file_id(path or self.out / rel)]

    def save(self, site=None) -> None:
        """site: the SiteFiles whose pages these are; the memo is then written once they are in place."""
        if self.path is not None:
            text = json.dumps({"salt": self.salt, "site_key": self.site_key, "pages": self.new}, sort_keys=True)
            site.save_after(self.path, text) if site is not None else write_text(self.path, text)


def site_key(*parts) -> str:
    """One digest of everything the pages are made from: arrays by their bytes, plain values
    (str, numbers, lists, tuples, dicts) by marshal, anything else by repr. marshal is exact
    and ~3x faster than repr: the keys of a warm 100k build hash lists of 100,000 rows."""
    import numpy as np

    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            h.update(f"a{part.dtype}{part.shape}".encode())
            h.update(np.ascontiguousarray(part).data)  # no copy for C-ordered (memory-mapped) arrays
            continue
        try:
            data = b"m" + marshal.dumps(part, 2)  # version 2: no back-references, the content alone
        except ValueError:  # dataclasses, Markup
            data = b"r" + repr(part).encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little") + data)
    return h.hexdigest()
