"""File names as reports show them, and back to the file on disk.

A name that is not valid UTF-8 (Latin-1 or CP437 from an old Windows zip) cannot be
written to JSON, HTML or a UTF-8 terminal as it is. It is shown with the odd bytes
spelled out ("caf\\xe9.jpg"), which stays unique and readable, and `on_disk` maps that
form back to the file, so stages that only know the shown path can still open it.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

_ESCAPED_BYTE = re.compile(r"\\x([89a-f][0-9a-f])")


def display_path(rel: str) -> str:
    """Printable form of a path from os.walk: undecodable bytes become \\xNN."""
    try:
        rel.encode("utf-8")
        return rel
    except UnicodeEncodeError:
        return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def on_disk(path) -> Path:
    """The file behind `path`, which may hold a shown name (root / display_path(rel))."""
    path = Path(path)
    text = str(path)
    if "\\x" not in text or os.path.lexists(path):
        return path
    raw = _ESCAPED_BYTE.sub(lambda m: chr(0xDC00 + int(m.group(1), 16)), text)
    return Path(raw) if os.path.lexists(raw) else path
