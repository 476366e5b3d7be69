"""The map's data: compact columnar points (the exports for researchers: render/exports.py)."""
from __future__ import annotations

import json

from layout.projection import normalise


def points_dict(manifest, layouts: dict, map_neighbours: int, atlas: dict | None,
                labels: dict | None = None, hints: dict | None = None) -> dict:
    """Everything the map needs in one compact object (see docs/contract.md).

    The layouts were read through core/workfolder.py, which checked their rows."""
    labels, hints = labels or {}, hints or {}
    facets = {}
    for name, lay in layouts.items():
        xy = normalise(lay.coords)
        m = min(map_neighbours, lay.neighbours.shape[1])
        facets[name] = {
            "xy": [round(float(v), 4) for v in xy.reshape(-1)],
            "neighbours": lay.neighbours[:, :m].astype(int).tolist(),
            "similarity": [[round(float(s), 3) for s in row] for row in lay.similarity[:, :m]],
        }
    return {
        "version": 1,
        "count": len(manifest.images),
        "ids": [im.id for im in manifest.images],
        "titles": [im.title for im in manifest.images],
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
    body = points_json(points).replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"window.LOOKALIKE_POINTS = {body};\n"


POINTS_VERSION = "points-v1"  # change when points_files() writes other bytes for the same inputs


def points_files(manifest, layouts: dict, map_neighbours: int, atlas: dict | None,
                 labels: dict | None = None, hints: dict | None = None) -> dict[str, str | bytes]:
    """Site path -> content of the map's data files (render/stage.py writes them, and makes
    them again only when their inputs or POINTS_VERSION change)."""
    points = points_dict(manifest, layouts, map_neighbours, atlas, labels, hints)
    return {"data/points.js": points_js(points)}
