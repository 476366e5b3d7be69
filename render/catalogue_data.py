"""data/catalogue.js: each image's path and catalogue columns, for the map's selection export.

The map loads it only when a visitor exports a selection (static/explorer/selexport.js adds a
<script> element, so file:// works), and writes CSV and JSON from it: id, path, title and every
catalogue column. Shape (docs/contract.md):

    window.LOOKALIKE_CATALOGUE = {"columns": [name...], "paths": [path per row],
                                  "rows": [[cell per column] per row]}   (manifest row order)

Columns are the catalogue sidecar's, in the order they first appear (less id, path and title,
which the export has already); a row without a value has "". Values are written as they are
(the export is data; the spreadsheet guard is applied when the CSV is made in the browser, as
render/exports.py does for its CSVs); '<' and the two line separators are escaped so no value
can end the script element.
"""
from __future__ import annotations

import json

from render.memo import site_key
from render.text import clean

PATH = "data/catalogue.js"
VERSION = "catalogue-v1"  # change when catalogue_js writes other bytes for the same inputs


OWN = ("id", "path", "title")  # the export's first three columns: a catalogue column of that name is not repeated


def columns_of(metas: list[dict]) -> list[str]:
    seen: dict[str, None] = {}
    for meta in metas:
        for name in meta:
            if str(name).strip().lower() not in OWN:
                seen.setdefault(str(name), None)
    return list(seen)


def catalogue_dict(paths: list[str], metas: list[dict]) -> dict:
    columns = columns_of(metas)
    rows = [["" if meta.get(c) is None else clean(str(meta.get(c))) for c in columns] for meta in metas]
    return {"columns": [clean(c) for c in columns], "paths": [clean(str(p)) for p in paths], "rows": rows}


def catalogue_js(paths: list[str], metas: list[dict]) -> str:
    text = json.dumps(catalogue_dict(paths, metas), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"window.LOOKALIKE_CATALOGUE = {text};\n"


def files(manifest) -> list[tuple]:
    """(site path, key, make) of data/catalogue.js (render/outputs.py makes it again only when its key changed)."""
    paths, metas = [im.path for im in manifest.images], [dict(im.meta or {}) for im in manifest.images]
    key = site_key(VERSION, paths, [sorted(m.items()) for m in metas], [list(m) for m in metas])
    return [(PATH, key, lambda: catalogue_js(paths, metas))]
