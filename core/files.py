"""Atomic writes: a reader (or an interrupted build) never sees half a file.

Every byte Lookalike writes goes through _open and _write_all here, and a failure (full disk,
read-only folder, permission denied) is raised as WriteError, whose message names the file and
says what to do: build.py prints it and exits 1.
"""
from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from core.errors import LookalikeError


class WriteError(LookalikeError):
    """A file could not be written (full disk, read-only, permission denied): path and errno kept."""

    def __init__(self, path: Path, exc: OSError, done: str = ""):
        self.path, self.errno = Path(path), exc.errno
        super().__init__(f"could not write {path}: {_why(exc)}{done}")


def _why(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full (no space left on device); free some space, or choose a folder on another disk"
    if exc.errno == errno.EROFS:
        return "the file system is read-only; choose a folder you can write to"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied; make the folder writable for this user, or choose another one"
    return f"{exc.strerror or exc}"


def _open(path, flags: int) -> int:
    """The one door through which Lookalike creates or opens a file for writing (tests mock it)."""
    return os.open(path, flags, 0o666)


def _write_all(fd: int, data) -> None:
    """Every byte of data into fd (tests mock it to fill the disk at a chosen write)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _umask() -> int:
    try:  # Linux says it without changing it
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0)  # elsewhere the only way to read it; set straight back (at import)
    os.umask(mask)
    return mask


# Mode of every file we write: what open() would give (0644 under the usual umask 022).
# mkstemp's 0600 would make a published site unreadable to the web server's user.
FILE_MODE = 0o666 & ~_umask()


def write_bytes(path: Path, data: bytes) -> bool:
    """Write data to path via temp file + rename. Returns False when the file
    already held exactly these bytes (left untouched, so mtimes stay stable)."""
    path = Path(path)
    try:
        st = path.stat()
        if st.st_size == len(data) and path.read_bytes() == data:
            _add_read_bits(path, st.st_mode)
            return False
    except OSError:
        pass
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            _write_all(fd, data)
            os.fchmod(fd, FILE_MODE)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException as exc:
        _discard(tmp, path, exc)
        raise
    return True


def write_staged(tmp: Path, data: bytes, path: Path) -> None:
    """Write data whole into tmp (a name of path's folder that the caller owns), not yet
    at path: render/sitefiles.py renames it there when the whole site is written."""
    _to_tmp(tmp, path, lambda fd: _write_all(fd, data))


def copy_staged(tmp: Path, src: Path, path: Path) -> None:
    """write_staged for a file streamed from src (an original may be large)."""
    def stream(fd: int) -> None:
        with open(src, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                _write_all(fd, chunk)
    _to_tmp(tmp, path, stream)


def _to_tmp(tmp: Path, path: Path, fill) -> None:
    try:
        Path(tmp).parent.mkdir(parents=True, exist_ok=True)
        fd = _open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0))
        try:
            fill(fd)
            os.fchmod(fd, FILE_MODE)
        finally:
            os.close(fd)
    except BaseException as exc:
        _discard(tmp, path, exc)
        raise


def _discard(tmp, path: Path, exc: BaseException) -> None:
    """A write that failed leaves no temporary file; a system error becomes a WriteError
    naming the file the user knows (the caller re-raises anything else)."""
    if tmp is not None:
        try:
            os.unlink(tmp)
        except OSError:
            pass
    if isinstance(exc, OSError) and not isinstance(exc, WriteError):
        raise WriteError(path, exc) from exc


def rename(tmp: Path, path: Path) -> None:
    """os.replace, failing as WriteError."""
    try:
        os.replace(tmp, path)
    except OSError as exc:
        raise WriteError(path, exc) from exc


def append_line(fd: int, line: str, path: Path) -> None:
    """One line to a journal opened with open_append (whole lines: a kill leaves at most the last cut)."""
    try:
        _write_all(fd, (line + "\n").encode("utf-8"))
    except OSError as exc:
        raise WriteError(path, exc) from exc


def open_append(path: Path) -> int:
    try:
        return _open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise WriteError(path, exc) from exc


def _add_read_bits(path: Path, mode: int) -> None:
    """Sites written before the 0600 fix get the read bits the umask allows; nothing else
    about a mode someone chose is changed, and a file we may not chmod is left as it is."""
    wanted = FILE_MODE & 0o444
    if mode & wanted != wanted:
        try:
            os.chmod(path, (mode & 0o7777) | wanted)
        except OSError:
            pass


def write_text(path: Path, text: str) -> bool:
    return write_bytes(path, text.encode("utf-8"))


def save_npy(path: Path, array) -> bool:
    """np.save through an atomic write (bytes are deterministic for a given array)."""
    import io

    import numpy as np

    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return write_bytes(path, buf.getvalue())


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MB chunks (image ids, weight-file cache keys)."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_npy(path: Path):
    import numpy as np

    return np.load(path, allow_pickle=False)
