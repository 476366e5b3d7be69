"""Which pages of a site can stay as they are.

Rendering 100,000 image pages takes minutes even when nothing changed (measured in
docs/benchmarks.md), so each page's file is remembered with a digest of everything it is
made from: its template context (every value the page shows) and the templates and Jinja
version that turn that context into HTML. A page is skipped only when that digest and the
file's size on disk both match what this build folder last wrote into this output folder.
When nothing at all changed (one key over every input, the arrays by their bytes, and the
source of the code that builds contexts), not even the contexts are built.
The state lives in the work folder, one file per output folder, so building the same
collection into two folders never mixes them up.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from core.files import write_text


def state_dir_for(state_dir: Path | None, out: Path) -> Path | None:
    """Per-output-folder state: what is in one site folder says nothing about another."""
    if state_dir is None:
        return None
    return Path(state_dir) / "sites" / hashlib.sha256(str(Path(out).resolve()).encode()).hexdigest()[:12]


def templates_digest(template_dir: Path) -> str:
    import jinja2
    import markupsafe

    h = hashlib.sha256(f"jinja2 {jinja2.__version__} markupsafe {markupsafe.__version__}".encode())
    for p in sorted(Path(template_dir).rglob("*")):
        if p.is_file():
            h.update(p.relative_to(template_dir).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


class PageMemo:
    """``digest(ctx)`` and ``unchanged(rel, digest)`` before rendering; ``wrote`` after; ``save()``."""

    def __init__(self, site_state: Path | None, out: Path, salt: str):
        self.path = site_state / "pages.json" if site_state else None
        self.out, self.salt = Path(out), salt
        self.old: dict[str, list] = {}
        self.new: dict[str, list] = {}
        self.site_key = self._old_site_key = ""
        if self.path is not None and self.path.is_file():
            try:
                saved = json.loads(self.path.read_text(encoding="utf-8"))
                if saved.get("salt") == salt:
                    self.old, self._old_site_key = saved["pages"], saved.get("site_key", "")
            except (OSError, ValueError, KeyError, TypeError):
                self.old = {}  # damaged state: render everything

    def digest(self, context: dict) -> str:
        # JSON is exact for the str (Markup included), int, float, list and dict values of a
        # context (floats as repr); records are dataclasses: their fields
        text = json.dumps(context, sort_keys=True, ensure_ascii=False, default=vars)
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]

    def site_unchanged(self, site_key: str, pages: list[str]) -> bool:
        """True when every input of every page is as last written (one key for the whole site)
        and each page file is still there with its size: then no page context is even built."""
        self.site_key = site_key
        if self.path is None or self._old_site_key != site_key or set(self.old) != set(pages):
            return False
        for rel in pages:
            if not self.unchanged(rel, self.old[rel][0]):
                self.new.clear()
                return False
        return True

    def unchanged(self, rel: str, digest: str) -> bool:
        if self.path is None:
            return False
        saved = self.old.get(rel)
        if not saved or saved[0] != digest:
            return False
        try:
            same = (self.out / rel).stat().st_size == saved[1]
        except OSError:
            return False
        if same:
            self.new[rel] = saved
        return same

    def wrote(self, rel: str, digest: str, size: int) -> None:
        self.new[rel] = [digest, size]

    def save(self) -> None:
        if self.path is not None:
            write_text(self.path, json.dumps({"salt": self.salt, "site_key": self.site_key, "pages": self.new},
                                             sort_keys=True))


def site_key(*parts) -> str:
    """One digest of everything the pages are made from: arrays by their bytes, the rest by repr,
    and the source of the code that turns them into page contexts (a code change renders anew)."""
    import numpy as np

    h = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent
    for folder in ("render", "embed", "core"):
        for p in sorted((root / folder).glob("*.py")):
            h.update(p.read_bytes())
    for part in parts:
        if isinstance(part, np.ndarray):
            h.update(f"{part.dtype}{part.shape}".encode())
            h.update(np.ascontiguousarray(part).tobytes())
        else:
            h.update(repr(part).encode("utf-8", "surrogatepass"))
    return h.hexdigest()
