"""Synthetic arrangements and catalogue for the stand-in site (sitegen.py), in the shape of
docs/contract.md's data/arrangements.js and data/catalogue.js, so the explorer's arrangement
switch and selection can be tested without the build that computes them (layout/ arrangements).

grid: rows by map y, each row by map x (a stand-in, not the build's neighbourhood-keeping solver);
timeline: one column per year of meta["date"], stacked from the bottom, undated last;
groups: one block per meta["group"], largest first, shelf-packed, a row of room above each for its label.
"""
from __future__ import annotations

import json
import math
import random
import re

from PIL import Image
from sitegen import FakeImage, write_site


def _r(v: float) -> float:
    return round(float(v), 4)


def grid(xy: list[tuple[float, float]]) -> dict:
    n = len(xy)
    side = max(1, math.ceil(math.sqrt(n)))
    cell = 1.0 / side
    by_y = sorted(range(n), key=lambda i: (xy[i][1], xy[i][0], i))
    out = [(0.0, 0.0)] * n
    for r in range(0, n, side):
        for c, i in enumerate(sorted(by_y[r:r + side], key=lambda i: (xy[i][0], i))):
            out[i] = ((c + 0.5) * cell, (r // side + 0.5) * cell)
    return {"xy": [_r(v) for p in out for v in p], "cell": _r(cell)}


def year_of(text: str) -> int | None:
    m = re.search(r"\b(1[0-9]{3}|20[0-9]{2})\b", text or "")
    return int(m.group(1)) if m else None


def timeline(xy, years: list[int | None]) -> dict:
    dated = [y for y in years if y is not None]
    first, last = (min(dated), max(dated)) if dated else (0, -1)
    cols = last - first + 1 + 2  # every year, a gap, the undated column
    stacks: dict[int, list[int]] = {}
    for i, y in enumerate(years):
        stacks.setdefault(y - first if y is not None else cols - 1, []).append(i)
    tallest = max(len(v) for v in stacks.values())
    cell = 1.0 / max(cols, tallest)
    out = [(0.0, 0.0)] * len(xy)
    for col, members in stacks.items():
        for k, i in enumerate(sorted(members, key=lambda i: (xy[i][1], i))):
            out[i] = ((col + 0.5) * cell, 1.0 - (k + 0.5) * cell)
    return {"xy": [_r(v) for p in out for v in p], "cell": _r(cell), "unit": "year",
            "axis": [{"label": str(first + c), "x": _r((c + 0.5) * cell)} for c in range(last - first + 1)],
            "undated": len(stacks.get(cols - 1, [])), "undated_x": _r((cols - 0.5) * cell)}


def groups(xy, labels: list[str]) -> dict:
    members: dict[str, list[int]] = {}
    for i, g in enumerate(labels):
        members.setdefault(g, []).append(i)
    order = sorted(members, key=lambda g: (-len(members[g]), g))
    width = max(4, math.ceil(math.sqrt(len(xy) * 1.6)))  # in cells
    placed, x, y, shelf = [], 0, 1, 0
    for g in order:
        w = max(1, math.ceil(math.sqrt(len(members[g]))))
        h = math.ceil(len(members[g]) / w)
        if x and x + w > width:
            x, y, shelf = 0, y + shelf + 2, 0
        placed.append((g, x, y, w, h))
        x, shelf = x + w + 1, max(shelf, h)
    cell = 1.0 / max(width, y + shelf)
    out = [(0.0, 0.0)] * len(xy)
    blocks = []
    for g, bx, by, w, h in placed:
        for k, i in enumerate(sorted(members[g], key=lambda i: (xy[i][1], xy[i][0], i))):
            out[i] = ((bx + k % w + 0.5) * cell, (by + k // w + 0.5) * cell)
        blocks.append({"label": g, "x": _r(bx * cell), "y": _r(by * cell), "w": _r(w * cell), "h": _r(h * cell),
                       "size": len(members[g])})
    return {"xy": [_r(v) for p in out for v in p], "cell": _r(cell), "by": "column:group", "blocks": blocks}


def arrangements(points: dict, metas: list[dict]) -> dict:
    """window.LOOKALIKE_POINTS.arrangements for a points dict (sitegen.write_site) and each image's meta."""
    years = [year_of(m.get("date", "")) for m in metas]
    labels = [m.get("group") or "(none)" for m in metas]
    out: dict = {"order": ["map", "grid"] + (["timeline"] if any(years) else []) + ["groups"],
                 "labels": {"map": "Map", "grid": "Grid", "timeline": "Timeline", "groups": "By group"}}
    for f, fac in points["facets"].items():
        flat = fac["xy"]
        xy = [(flat[2 * i], flat[2 * i + 1]) for i in range(len(flat) // 2)]
        out[f] = {"grid": grid(xy), "groups": groups(xy, labels)}
        if any(years):
            out[f]["timeline"] = timeline(xy, years)
    return out


def _js(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).replace("<", "\\u003c")


def arrangements_js(arr: dict) -> str:
    return f"window.LOOKALIKE_POINTS.arrangements = {_js(arr)};\n"



# --- the site the arrangement and selection tests share ---

TARGET = "Dated 1905"
GROUPS = ["Studio Alpha"] * 20 + ["Archive Beta"] * 14 + ["Gamma"] * 6  # blocks by size


def arrange_images() -> list[FakeImage]:
    """41 images: one bright red image dated 1905 (alone in its year), the others muted, dated
    1890-1915 except 1905, five undated; three groups of 20, 14 and 6 (the red one in the 6)."""
    rnd = random.Random(7)
    out = []
    years = [y for y in range(1890, 1916) if y != 1905]
    for n in range(40):
        date = "" if n % 8 == 3 else f"c. {years[n % len(years)]}"
        rgb = (60 + (n * 37) % 90, 80 + (n * 53) % 90, 110 + (n * 29) % 90)
        out.append(FakeImage(title=f"Photo {n:02d}", xy=(rnd.uniform(0.05, 0.95), rnd.uniform(0.05, 0.95)),
                             pixels=Image.new("RGB", (64, 48) if n % 3 else (48, 64), rgb),
                             extra_xy={"colour": (rnd.uniform(0.05, 0.95), rnd.uniform(0.05, 0.95))},
                             meta={"date": date, "group": GROUPS[n], "creator": f"Maker {n % 5}"}))
    out.append(FakeImage(title=TARGET, xy=(0.5, 0.5), pixels=Image.new("RGB", (64, 64), (250, 20, 20)),
                         extra_xy={"colour": (0.2, 0.8)}, meta={"date": "1905", "group": "Gamma", "creator": "=cmd"}))
    return out


_SITES: dict = {}


def arrange_site_in(www) -> dict:
    """The arrangement site under the session's www folder, written once (the test modules'
    `arrange_site` fixtures share it)."""
    root, base = www
    if base in _SITES:
        return _SITES[base]
    site = root / "arrange"
    points = write_site(site, arrange_images(), arrangements=True)
    _SITES[base] = {"dir": site, "points": points, "http": f"{base}/arrange/index.html",
                    "file": (site / "index.html").as_uri()}
    return _SITES[base]
