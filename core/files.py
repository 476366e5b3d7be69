"""Atomic writes: a reader (or an interrupted build) never sees half a file."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return True


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
