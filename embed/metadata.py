"""Optional metadata sidecar: a CSV keyed by each image's path in the collection.

Museums and archives export their catalogue as spreadsheets; we accept what
they have: UTF-8 with or without BOM, UTF-16 with BOM, or Windows-1252 (the
encoding used is reported; embed/csvtext.py), comma, semicolon or tab separated,
column names in any case. Known columns (title, creator, date, description,
source, licence, tags) get their place on the page; any other column is shown
as-is. Rows that name no image and images without a row are reported, never
silently ignored. The file is read and checked before the first image is decoded
(`load`), and refused with its line when it cannot be read as the user meant.

Paths match as spelled, else in Unicode NFC (a Mac writes "é" as e + accent, a
spreadsheet as one letter). Two files whose names differ only in that form are a
clash: each gets only a row spelled exactly like it, and the clash is reported.
"""
from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import LookalikeError
from embed import csvtext

SIDECAR_NAME = "metadata.csv"
PATH_COLUMNS = ("path", "file", "filename", "file_name", "image")
# canonical name -> accepted spellings
KNOWN = {
    "title": ("title", "name", "object_title"),
    "creator": ("creator", "artist", "author", "maker", "photographer"),
    "date": ("date", "year", "created"),
    "description": ("description", "caption", "notes"),
    "source": ("source", "source_url", "url", "link"),
    "licence": ("licence", "license", "rights"),
    "tags": ("tags", "keywords", "subjects"),
}


class MetadataError(LookalikeError):
    """The sidecar cannot be used at all (no path column, unreadable)."""


@dataclass
class Sidecar:
    file: str
    by_path: dict[str, dict[str, str]]  # path as spelled (slashes normalised) -> {column: value}
    columns: list[str]  # canonical names, in file order
    unmatched_rows: list[str] = field(default_factory=list)
    duplicate_rows: list[str] = field(default_factory=list)
    encoding: str = "UTF-8"  # as detected, in words (embed/csvtext.py)


def _norm_path(p: str) -> str:
    """The path as spelled, with / for \\ and no leading ./ (Unicode form kept: see _nfc)."""
    p = p.strip().replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    return p


def _nfc(p: str) -> str:
    return unicodedata.normalize("NFC", p)


def load(collection: Path, given: Path | None, follow_links_outside: bool = False) -> Sidecar | None:
    """The catalogue: --metadata FILE, else metadata.csv in the collection when there is one
    (not a link to a file outside it, as for images). Read (and refused, with the reason)
    before any image is decoded."""
    path = Path(given) if given is not None else Path(collection) / SIDECAR_NAME
    if given is None and path.is_symlink() and not follow_links_outside:
        inside = Path(collection).resolve()
        if inside not in path.resolve().parents:
            raise MetadataError(f"{path} is a symbolic link to a file outside the collection, which is not read; "
                                f"pass it as --metadata FILE, or set [images] follow_links_outside = true")
    if path.is_dir():
        if given is None:
            return None  # a folder that happens to be called metadata.csv is just a folder
        raise MetadataError(f"the metadata file {path} is a folder, not a CSV file; pass the CSV file itself "
                            f"(e.g. --metadata {path / SIDECAR_NAME})")
    if not path.is_file():
        if given is not None:
            raise MetadataError(f"the metadata file {path} does not exist")
        return None
    return read_sidecar(path)


def _canonical(column: str) -> str:
    c = column.strip().lower().replace(" ", "_").replace("-", "_")
    for name, spellings in KNOWN.items():
        if c in spellings:
            return name
    return column.strip()


def read_sidecar(path: Path) -> Sidecar:
    try:
        text, encoding = csvtext.decode(path, Path(path).read_bytes())
    except IsADirectoryError:
        raise MetadataError(f"the metadata file {path} is a folder, not a CSV file") from None
    except OSError as exc:
        raise MetadataError(f"cannot read metadata file {path}: {exc.strerror or exc}") from None
    except csvtext.CatalogueTextError as exc:
        raise MetadataError(str(exc)) from None
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = _rows(path, text, dialect)
    header = next(rows, None)
    if not header:
        raise MetadataError(f"metadata file {path} is empty")
    lowered = [h.strip().lower() for h in header]
    key_col = next((lowered.index(c) for c in PATH_COLUMNS if c in lowered), None)
    if key_col is None:
        raise MetadataError(f"metadata file {path} has no path column; name one column 'path' "
                            f"(the image's path inside the collection, e.g. blue/guitarist.jpg)")
    columns = [_canonical(h) for h in header]
    by_path: dict[str, dict[str, str]] = {}
    duplicates = []
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        row = row + [""] * (len(header) - len(row))
        key = _norm_path(row[key_col])
        values = {columns[i]: row[i].strip() for i in range(len(header)) if i != key_col and row[i].strip()}
        if key in by_path:
            duplicates.append(key)
        by_path[key] = values
    shown = [c for i, c in enumerate(columns) if i != key_col]
    return Sidecar(str(path), by_path, shown, duplicate_rows=duplicates, encoding=encoding)


def _rows(path: Path, text: str, dialect):
    """The CSV's rows; a malformed file is refused with the line where its trouble starts.
    A quotation mark that opens a field and is never closed would make the rest of the file
    one field: silently (up to csv's 128 KB field limit), so the last row is checked."""
    reader = csv.reader(io.StringIO(text), dialect)
    start = last = 1  # where the row being read starts; where the last row read started
    row = None
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise MetadataError(
                    f"metadata file {path}: the row that starts on line {start} has a field longer than "
                    f"{csv.field_size_limit():,} characters (it runs to line {reader.line_num}); usually a "
                    f"quotation mark (\") opens a field there and is never closed") from None
            raise MetadataError(f"metadata file {path}: line {reader.line_num} is not valid CSV ({exc})") from None
        last = start
        yield row
    if row is not None and dialect.quotechar and reader.line_num > last:  # the last row spans several lines
        tail = text[_offset(text, last):]
        try:
            list(csv.reader(io.StringIO(tail), dialect, strict=True))
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise MetadataError(
                    f"metadata file {path}: the quotation mark (\") that opens a field on line {last} is never "
                    f"closed, so every line after it would be read as that one field; close it") from None


def _offset(text: str, line: int) -> int:
    """Where line `line` (1-based) starts in text."""
    at = 0
    for _ in range(line - 1):
        at = text.find("\n", at) + 1
    return at


def attach(sidecar: Sidecar | None, records) -> dict:
    """Give each record its row (matched by path or by any identical copy's path; as spelled,
    else in NFC unless another file has the same NFC form: then only as spelled).

    Returns a report: {file, encoding, rows, described, images_without_row, unmatched_rows,
    duplicate_rows, name_clashes}.
    """
    if sidecar is None:
        return {}
    forms: dict[str, list[str]] = {}  # NFC form -> the files' paths with it
    for rec in records:
        for p in [rec.path] + list(rec.also):
            forms.setdefault(_nfc(_norm_path(p)), []).append(p)
    rows_by_form: dict[str, str] = {}
    for key in sidecar.by_path:
        rows_by_form[_nfc(key)] = key  # two rows differing only in form: the last, as for duplicates
    used: set[str] = set()
    without = []
    for rec in records:
        keys = []
        for p in [rec.path] + list(rec.also):
            spelled, form = _norm_path(p), _nfc(_norm_path(p))
            if spelled in sidecar.by_path:
                keys.append(spelled)
            elif form in rows_by_form and len(forms[form]) == 1:
                keys.append(rows_by_form[form])
        used.update(keys)  # a row naming any copy of an image is a used row
        if keys:
            rec.meta = dict(sidecar.by_path[keys[0]])
            if rec.meta.get("title"):
                rec.title = rec.meta["title"]
        else:
            without.append(rec.path)
    unmatched = sorted(k for k in sidecar.by_path if k not in used)
    return {
        "file": sidecar.file,
        "encoding": sidecar.encoding,
        "rows": len(sidecar.by_path),
        "described": len(records) - len(without),
        "images_without_row": without,
        "unmatched_rows": unmatched,
        "duplicate_rows": sidecar.duplicate_rows,
        "name_clashes": sorted(sorted(paths) for paths in forms.values() if len(paths) > 1),
    }
