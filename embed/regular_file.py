"""Open a file only when it is a regular file, and say why not otherwise.

A museum export holds every kind of odd file: a named pipe called x.jpg must not hang the
build, so the file is stat-ed first and opened only when it is a regular file. Problems with
the file itself (gone, permission denied, not a regular file) are ImageReadError, which says
nothing about the content and so must not be cached as "bad content" (embed/images.py).
"""
from __future__ import annotations

import os
import stat

from core.names import on_disk


class ImageReadError(OSError):
    """The file cannot be read at all (missing, not a regular file, permission denied).

    Not a statement about the content: callers must not cache it against the hash."""


def open_regular(path):
    """Open a regular file for reading, or raise ImageReadError saying why not (never blocks)."""
    path = on_disk(path)  # a shown name such as caf\xe9.jpg (not UTF-8 on disk) still opens
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ImageReadError(f"file not found (removed or renamed during the build?): {path}") from None
    except OSError as exc:
        raise ImageReadError(f"cannot read file: {(exc.strerror or str(exc)).lower()}") from None
    if not stat.S_ISREG(st.st_mode):
        raise ImageReadError(f"not a regular file ({file_kind(st.st_mode)})")
    try:
        return open(path, "rb")
    except PermissionError:
        raise ImageReadError("cannot read file: permission denied (check the file's permissions)") from None
    except OSError as exc:
        raise ImageReadError(f"cannot read file: {(exc.strerror or str(exc)).lower()}") from None


def file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISDIR(mode):
        return "folder"
    return "special file"

