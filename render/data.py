"""Data files of the site: the map's compact columnar points, and a CSV for researchers."""
from __future__ import annotations

import csv
import io
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


def neighbours_csv(manifest, layouts: dict) -> str:
    """facet,image,rank,neighbour,similarity; images named by their path in the collection."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["facet", "image", "rank", "neighbour", "similarity"])
    paths = [im.path for im in manifest.images]
    for name, lay in layouts.items():
        for i, (row, sims) in enumerate(zip(lay.neighbours, lay.similarity)):
            for rank, (j, s) in enumerate(zip(row, sims), start=1):
                writer.writerow([name, paths[i], rank, paths[int(j)], f"{float(s):.4f}"])
    return buf.getvalue()


def tags_csv(manifest) -> str:
    """image,rank,label,wordnet_id,probability: the classifier's tags (embed/tags.py), best first."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["image", "rank", "label", "wordnet_id", "probability"])
    for im in manifest.images:
        for rank, t in enumerate(im.tags, start=1):
            writer.writerow([im.path, rank, t["label"], t["wnid"], f"{t['p']:.4f}"])
    return buf.getvalue()
