"""data/arrangements.js: the map's other arrangements (grid, timeline, blocks), for the explorer to
load when a visitor first switches (the index page does not name it: it costs nothing until then).

    window.LOOKALIKE_POINTS.arrangements = {"order": ["map", "grid", "timeline", "groups"] (those made),
      "labels": {kind: label}, "<facet>": {"grid": {"xy", "cell"}, "timeline": {"xy", "cell", "unit",
      "axis": [{"label", "x"}], "undated", "undated_x"}, "groups": {"xy", "cell", "by",
      "blocks": [{"label", "x", "y", "w", "h", "size"}]}}}

xy: flat [x0, y0, x1, y1, ...] in manifest row order, in [0, 1]^2 like facets.xy, 4 decimals; cell: a
cell's side in those units (an image's thumbnail fits in it). The layout stage made them
(layout/arrangements.py; core/arrangement_files.py); this module only writes them, compactly and
in one order, so the same arrangements give the same bytes. Labels from the catalogue go through
render/text.py clean; the explorer shows them as text, never as HTML.
"""
from __future__ import annotations

import json

from render.memo import site_key
from render.text import clean

PATH = "data/arrangements.js"
VERSION = "arrangements-v1"  # change when the same arrangements give other bytes
LABELS = {"map": "Similarity map", "grid": "Grid", "timeline": "Timeline", "groups": "By group"}


def by_label(by: str) -> str:
    """The switch's words for the blocks: "By group", "By artist" (a catalogue column), "By tag"."""
    if by.startswith("column:"):
        return "By " + clean(by.removeprefix("column:"))
    return "By tag" if by == "tag" else LABELS["groups"]


def order(arrangements: dict) -> list[str]:
    """The switch's kinds: "map" and those made for any facet, in KINDS order; [] when none was made
    (render/stage.py Build.arrangement_order: the index page offers no switch then)."""
    made = {a.kind for items in arrangements.values() for a in items}
    kinds = [k for k in ("grid", "timeline", "groups") if k in made]
    return ["map"] + kinds if kinds else []


def arrangements_dict(arrangements: dict) -> dict:
    """arrangements: facet -> [core/arrangement_files.py Arrangement] (empty when layout made none)."""
    out: dict = {}
    labels = dict(LABELS)
    for facet, items in arrangements.items():
        out[facet] = {}
        for a in items:
            entry = {"xy": [round(float(v), 4) for v in a.xy.reshape(-1)], "cell": round(a.cell, 6)}
            if a.kind == "timeline":
                entry.update(unit=a.extra["unit"], undated=int(a.extra["undated"]),
                             axis=[{"label": clean(str(t["label"])), "x": round(t["x"], 4)} for t in a.extra["axis"]])
                if "undated_x" in a.extra:
                    entry["undated_x"] = round(a.extra["undated_x"], 4)
            elif a.kind == "groups":
                entry.update(by=clean(a.extra["by"]), blocks=[
                    {"label": clean(str(b["label"])), "size": int(b["size"]),
                     **{k: round(float(b[k]), 4) for k in ("x", "y", "w", "h")}} for b in a.extra["blocks"]])
                labels.setdefault("_groups", by_label(a.extra["by"]))
            out[facet][a.kind] = entry
    labels["groups"] = labels.pop("_groups", LABELS["groups"])
    kinds = order(arrangements) or ["map"]
    return {"order": kinds, "labels": {k: labels[k] for k in kinds}, **out}


def arrangements_js(arrangements: dict) -> str:
    """The script: JSON with sorted keys and no spaces, '<' and the line separators escaped so
    that a label can never end a script element."""
    text = json.dumps(arrangements_dict(arrangements), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"window.LOOKALIKE_POINTS.arrangements = {text};\n"


def key(arrangements: dict) -> str:
    """What the file is made from: every arrangement's array and record."""
    return site_key(VERSION, *[part for facet, items in arrangements.items() for a in items
                               for part in (facet, a.kind, a.xy, a.cell, json.dumps(a.extra, sort_keys=True))])
