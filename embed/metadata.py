"""Optional metadata sidecar: a CSV keyed by each image's path in the collection.

Museums and archives export their catalogue as spreadsheets; we accept what
they have: UTF-8 with or without BOM, comma, semicolon or tab separated,
column names in any case. Known columns (title, creator, date, description,
source, licence, tags) get their place on the page; any other column is shown
as-is. Rows that name no image and images without a row are reported, never
silently ignored.
"""
from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import LookalikeError

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
    by_path: dict[str, dict[str, str]]  # normalised path -> {column: value}
    columns: list[str]  # canonical names, in file order
    unmatched_rows: list[str] = field(default_factory=list)
    duplicate_rows: list[str] = field(default_factory=list)


def _norm_path(p: str) -> str:
    p = unicodedata.normalize("NFC", p.strip().replace("\\", "/"))
    while p.startswith("./"):
        p = p[2:]
    return p


def _canonical(column: str) -> str:
    c = column.strip().lower().replace(" ", "_").replace("-", "_")
    for name, spellings in KNOWN.items():
        if c in spellings:
            return name
    return column.strip()


def read_sidecar(path: Path) -> Sidecar:
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        text = Path(path).read_bytes().decode("cp1252", errors="replace")  # old Excel exports
    except OSError as exc:
        raise MetadataError(f"cannot read metadata file {path}: {exc.strerror or exc}") from None
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
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
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        row = row + [""] * (len(header) - len(row))
        key = _norm_path(row[key_col])
        values = {columns[i]: row[i].strip() for i in range(len(header)) if i != key_col and row[i].strip()}
        if key in by_path:
            duplicates.append(key)
        by_path[key] = values
    shown = [c for i, c in enumerate(columns) if i != key_col]
    return Sidecar(str(path), by_path, shown, duplicate_rows=duplicates)


def attach(sidecar: Sidecar | None, records) -> dict:
    """Give each record its row (matched by path or by any identical copy's path).

    Returns a report: {file, rows, described, images_without_row, unmatched_rows}.
    """
    if sidecar is None:
        return {}
    used: set[str] = set()
    without = []
    for rec in records:
        keys = [k for k in (_norm_path(p) for p in [rec.path] + list(rec.also)) if k in sidecar.by_path]
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
        "rows": len(sidecar.by_path),
        "described": len(records) - len(without),
        "images_without_row": without,
        "unmatched_rows": unmatched,
        "duplicate_rows": sidecar.duplicate_rows,
    }


def safe_link(url: str) -> str:
    """Only http(s) URLs become links: a 'javascript:' source must stay text."""
    u = url.strip()
    return u if u.lower().startswith(("http://", "https://")) else ""
