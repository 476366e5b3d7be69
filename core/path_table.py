"""Tables a user brings, keyed by each image's path: their own vectors (embed/user_vectors.py)
and their own map (layout/user_coords.py). Read, checked, and matched to the images by path.

Both are untrusted files: a path is opened only when it is a regular file (never a pipe or a
device), never reaches a command line, and every refusal names the file and the row. Paths
match as the manifest spells them (relative to the collection, posix), with \\ read as / and
a leading ./ dropped; an absolute path inside the collection counts as its relative path; an
image's identical copies (ImageRecord.also) match it too.
"""
from __future__ import annotations

import csv
import io
import os
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.errors import LookalikeError

PATH_COLUMNS = ("path", "file", "filename", "file_name", "image")  # as the metadata sidecar's


class TableError(LookalikeError):
    """A user's vectors or coordinates file cannot be used; the message names the file and row."""


def regular_file(path: Path, what: str) -> Path:
    """The path, when it is a regular file (links followed); else TableError saying why not."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise TableError(f"the {what} file {path} does not exist") from None
    except OSError as exc:
        raise TableError(f"cannot read the {what} file {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise TableError(f"the {what} file {path} is not a regular file (a folder, pipe or device)")
    return Path(path)


def say_where(path: Path, folders, what: str, log) -> None:
    """A file outside the folders this build was given (the collection, the work folder's, the
    current folder) is read, and said so: the setting is the user's, and a settings file that came
    with a collection says what it sets (core/cli.py)."""
    real = Path(path).resolve()
    if not any(real.is_relative_to(Path(f).resolve()) for f in (*folders, ".")):
        log.notice(f"{what}: reading {real}, which is outside the collection, the work folder's folder and "
                   f"the current folder")


def norm_path(p: str, root: Path | None = None) -> str:
    """A row's path as the manifest spells it."""
    p = str(p).strip().replace("\\", "/")
    if root is not None and p.startswith("/"):
        try:
            p = Path(os.path.normpath(p)).relative_to(root).as_posix()
        except ValueError:
            return p  # outside the collection: matches nothing, and is reported
    while p.startswith("./"):
        p = p[2:]
    return p


def read_csv(path: Path, what: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(line number, cells)]) of a UTF-8 CSV file (comma, semicolon or tab) that has
    a header row; blank lines are left out."""
    data = regular_file(path, what).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise TableError(f"the {what} file {path} is not UTF-8 text (line {line}, byte 0x{data[exc.start]:02X}); "
                         f"write it as UTF-8 CSV") from None
    if "\x00" in text:
        raise TableError(f"the {what} file {path} has a NUL byte: it is not a CSV text file")
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows = []
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise TableError(f"the {what} file {path}: line {reader.line_num} is not valid CSV ({exc})") from None
    if not rows:
        raise TableError(f"the {what} file {path} is empty")
    return [c.strip() for c in rows[0][1]], rows[1:]


def path_column(names: list[str], path: Path, what: str) -> int:
    """Which column holds the images' paths: the first named path, file, filename, file_name or image."""
    lowered = [n.strip().lower() for n in names]
    for name in PATH_COLUMNS:
        if name in lowered:
            return lowered.index(name)
    raise TableError(f"the {what} file {path} has no path column: name one column 'path' (the image's path "
                     f"inside the collection, e.g. blue/guitarist.jpg); its columns are {', '.join(names[:10])}")


def numbers(path: Path, what: str, rows: list[tuple[int, list[str]]], columns: list[int],
            names: list[str]) -> np.ndarray:
    """The cells of `columns` of each row as float64 (len(rows), len(columns)); a short or long
    row, a cell that is no number, NaN or infinity is refused with its line."""
    out = np.empty((len(rows), len(columns)), np.float64)
    for r, (line, cells) in enumerate(rows):
        if len(cells) != len(names):
            raise TableError(f"the {what} file {path}: line {line} has {len(cells)} cells where the header has "
                             f"{len(names)} (every row needs a value in every column)")
        for j, c in enumerate(columns):
            try:
                out[r, j] = float(cells[c])
            except ValueError:
                raise TableError(f"the {what} file {path}: line {line}, column {names[c]!r}: {cells[c][:40]!r} "
                                 f"is not a number") from None
        if not np.isfinite(out[r]).all():
            raise TableError(f"the {what} file {path}: line {line} holds NaN or infinity; every value must be a "
                             f"finite number")
    return out


def check_finite(matrix: np.ndarray, path: Path, what: str, row_name) -> None:
    """Refuse NaN and infinity, naming the first row that holds one (row_name(i): "row 3", "line 5")."""
    for a in range(0, len(matrix), 65536):
        bad = ~np.isfinite(matrix[a:a + 65536]).all(axis=1)  # in the file's own type: no copy
        if bad.any():
            raise TableError(f"the {what} file {path}: {row_name(a + int(np.argmax(bad)))} holds NaN or infinity; "
                             f"every value must be a finite number")


@dataclass
class Match:
    row_of: np.ndarray  # per image, the table's row that gives its values (-1: none)
    missing: list[str] = field(default_factory=list)  # images without a row (their paths)
    unmatched: list[str] = field(default_factory=list)  # rows that name no image (as spelled)


def match(paths: list[str], images: list[tuple[str, list[str]]], path: Path, what: str, row_name) -> Match:
    """Each image's row, by its path or an identical copy's (`images`: (path, also) in row order).
    A path given twice is refused (which row would it be?); a path in another Unicode form
    (NFC/NFD) than the image's matches it."""
    by: dict[str, int] = {}
    for i, p in enumerate(paths):
        if p in by:
            raise TableError(f"the {what} file {path}: {p!r} is given twice ({row_name(by[p])} and {row_name(i)})")
        by[p] = i
    nfc = {unicodedata.normalize("NFC", p): i for p, i in by.items()}
    row_of = np.full(len(images), -1, np.int64)
    used = np.zeros(len(paths), bool)
    for k, (first, also) in enumerate(images):
        for p in [first, *also]:
            i = by.get(p, nfc.get(unicodedata.normalize("NFC", p), -1))
            if i >= 0:
                used[i] = True
                if row_of[k] < 0:
                    row_of[k] = i
    return Match(row_of, [first for (first, _), r in zip(images, row_of) if r < 0],
                 [paths[i] for i in np.flatnonzero(~used)])


def listed(names: list[str], most: int = 5) -> str:
    """'a.jpg, b.jpg, c.jpg and 4 more': what a warning names."""
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")
