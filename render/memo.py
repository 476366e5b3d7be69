"""The digests render's keys are made of (render/keyed.py keeps them, render/outputs.py makes them).

Rendering 100,000 image pages takes minutes even when nothing changed (measured in
docs/benchmarks.md), so each page is keyed by a digest of everything it is made from: its
template context (every value the page shows: render/pages.py context_digest), and the
templates, Jinja version and code that turn that context into HTML (templates_digest,
code_digest). When nothing at all changed (one key over every input, the arrays by their bytes:
site_key), not even the contexts are built.
"""
from __future__ import annotations

import hashlib
import marshal
from pathlib import Path


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
    for folder in ("render", "core"):  # render imports nothing else (tests/test_imports.py)
        _files_digest(h, root / folder, "*.py")
    return h.hexdigest()


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
