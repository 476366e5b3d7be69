"""The map's data: compact columnar points (the exports for researchers: render/exports.py)."""
from __future__ import annotations

import json
import math

from render.text import clean

PART_BYTES = 20_000_000  # a neighbour part's size at most: GitHub Pages refuses files over 50 MB


def points_dict(manifest, layouts: dict, map_neighbours: int, atlas: dict | None,
                labels: dict | None = None, hints: dict | None = None) -> dict:
    """Everything the map needs in one compact object (see docs/contract.md).

    The layouts were read through core/workfolder.py, which checked their rows."""
    labels, hints = labels or {}, hints or {}
    facets = {}
    for name, lay in layouts.items():
        xy = lay.xy()  # normalised by core/layout_files.py: the contract's one rule
        m = min(map_neighbours, lay.neighbours.shape[1])
        facets[name] = {
            "xy": [round(float(v), 4) for v in xy.reshape(-1)],
            "neighbours": lay.neighbours[:, :m].astype(int).tolist(),
            "similarity": [[round(float(s), 3) for s in row] for row in lay.similarity[:, :m]],
        }
    return {
        "version": 2,  # 2: the neighbour lists are in parts (points_files)
        "count": len(manifest.images),
        "ids": [im.id for im in manifest.images],
        "titles": [clean(im.title) for im in manifest.images],  # no controls, no bidi overrides (render/text.py)
        "aspect": [float(f"{im.width / im.height:.3g}") if im.height else 1.0 for im in manifest.images],
        "facets": facets,
        "default_facet": next(iter(layouts), "content"),
        "facet_order": list(layouts),
        "facet_labels": {f: labels.get(f, f) for f in layouts},
        "facet_hints": {f: hints.get(f, "") for f in layouts},
        "atlas": atlas or {},
    }


def points_json(points: dict) -> str:
    return json.dumps(points, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def points_js(points: dict) -> str:
    """The same data as a script, because fetch() of a local file fails under file://.

    json.dumps output is valid JavaScript; '<' is escaped so a title such as
    '</script>' cannot end the script element when this is ever inlined.
    """
    return f"window.LOOKALIKE_POINTS = {_script_json(points)};\n"


POINTS_VERSION = "points-v2"  # change when points_files() writes other bytes for the same inputs


def part_rows(map_neighbours: int) -> int:
    """Rows of one neighbour part: ~14 bytes a neighbour and similarity (", 12345, 0.873"),
    so that a part stays under PART_BYTES whatever the collection's size."""
    return max(1000, PART_BYTES // (14 * max(1, map_neighbours) + 8))


def data_scripts(facets: list[str], count: int, map_neighbours: int) -> list[str]:
    """The map's data scripts in load order: points.js, then each facet's neighbour parts
    (the index page names them all; points_files writes them)."""
    parts = math.ceil(count / part_rows(map_neighbours))
    return ["data/points.js"] + [f"data/points-{f}-{i}.js" for f in facets for i in range(parts)]


def points_files(manifest, layouts: dict, map_neighbours: int, atlas: dict | None,
                 labels: dict | None = None, hints: dict | None = None) -> dict[str, str | bytes]:
    """Site path -> content of the map's data files (render/stage.py writes them, and makes
    them again only when their inputs or POINTS_VERSION change).

    points.js holds everything but the neighbour lists, which are the bulk (85 % at 100k images)
    and go into parts of part_rows() rows per facet, each pushed onto its facet's `parts`:
    at 100k images with three facets one points.js was 53 MB, over Pages' limit of 50 MB."""
    return split_files(points_dict(manifest, layouts, map_neighbours, atlas, labels, hints), part_rows(map_neighbours))


def split_files(points: dict, rows: int) -> dict[str, str]:
    """points.js and the neighbour parts of rows rows each (tests/browser/sitegen.py uses it too);
    points itself is left as it was."""
    points = {**points, "facets": {name: dict(facet) for name, facet in points["facets"].items()}}
    files = {}
    for name, facet in points["facets"].items():
        nb, sim = facet.pop("neighbours"), facet.pop("similarity")
        facet["parts"] = []
        for i, start in enumerate(range(0, len(nb), rows)):
            part = {"start": start, "neighbours": nb[start:start + rows], "similarity": sim[start:start + rows]}
            files[f"data/points-{name}-{i}.js"] = (f"window.LOOKALIKE_POINTS.facets[{json.dumps(name)}].parts.push("
                                                   f"{_script_json(part)});\n")
    return {"data/points.js": points_js(points), **files}


def _script_json(value) -> str:
    return points_json(value).replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
