"""What render keeps between builds about one output folder: records under sites/<hash12>/.

A part of core/workfolder.py (BuildFolder.site_state hands it out). Each record is one JSON
object, <name>.json, read by one reader: a record that is missing, not JSON, not an object or
not what its reader expects is {} — "nothing known, make it again", never an error. What the
records hold is render's business (render/keyed.py: each file's key and stat; the atlas's
cells); where they are and how they are read and written is this module's.

    copies.json      the image copies' keys, sizes and mtimes           (render/keyed.py: one record
    points.json      the map's data (points.js and its neighbour parts)    an output of render/outputs.py)
    exports.json     the researchers' exports (data/*.csv.gz)
    lists.json       the list pages (list/<n>.html)
    pages.json       the image pages (each keyed by a digest of its context; with its inode)
    atlas.json       the map sheets' cells, keys and colours (render/assets.py atlases)
    atlas-made.json  the last atlas as the map reads it, for an unchanged collection
    sizes.json       what each top folder of the site took (the next build's estimate: render/output.py)
    files.json       the plain list of the site's files kept by versions before 0.9 (read only)

A record that vouches for site files is written once they are in place (SiteFiles.save_after),
never by a build that failed; the atlas's also before its sheets change (its cells survive a
stopped build, its keys stop vouching for the sheets being replaced). Work folders of earlier
versions: records of another form read as nothing known, so their files are made again once
(the same bytes, left untouched by SiteFiles); their files-sizes.json is no longer read.
"""
from __future__ import annotations

import json
from pathlib import Path

from core.files import write_text

RECORDS = ("copies", "points", "exports", "lists", "pages", "atlas", "atlas-made", "sizes")
LEGACY = "files"  # versions before 0.9 listed the site's files here, without digests


class SiteState:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.json"

    @property
    def legacy(self) -> Path:
        """The plain list of older versions (render/siterecord.py reads it once, without digests)."""
        return self.path(LEGACY)

    def read(self, name: str, valid=None) -> dict:
        """The record's object, or {} when it is missing, damaged, or `valid(value)` says no."""
        try:
            value = json.loads(self.path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(value, dict):
            return {}
        try:
            return value if valid is None or valid(value) else {}
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            return {}

    @staticmethod
    def text(value: dict) -> str:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def write(self, name: str, value: dict) -> None:
        write_text(self.path(name), self.text(value))

    def forget(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)
