"""The three arrangements' shapes: where each image's cell is, in cell units (one cell = one image).

    grid(xy)                      -> Placed   a square grid, the map's neighbourhoods kept (arrange_fit.fit)
    timeline(xy, years)           -> Placed   a column per year or decade, stacks in the map's 1-D order
    blocks(xy, codes, labels)     -> Placed   a block per value, largest first, shelves of a square

Cell (c, r) has its centre at (c + 0.5, r + 0.5); y grows downwards, as on the map's canvas.
normalised() fits the whole box (cells, gaps and label rows) into [0, 1]^2 keeping its aspect,
as core/layout_files.py normalise fits the map, and gives the cell's side in those units.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from layout.arrange_fit import fit, hilbert_order

YEARS_MAX = 50  # a timeline spanning at most this many years has a column per year, else per decade
ASPECT = 1.5  # width / height the timeline and the blocks aim at (a screen, roughly)
MAX_BLOCKS = 40  # values beyond the 40 largest go into one block, "other values"


@dataclass
class Placed:
    pos: np.ndarray  # (N, 2) float64 cell centres, in cells
    box: tuple  # (width, height) of everything, in cells
    extra: dict = field(default_factory=dict)  # in cells; normalised() converts x, y, w, h


def grid(xy: np.ndarray, block: int | None = None) -> Placed:
    """As many cells as images, in rows of `cols` (the last one shorter), cols / rows about the
    map's own aspect; each image in the cell the block-wise assignment gives it."""
    n = len(xy)
    w, h = np.ptp(xy, axis=0) if n else (1.0, 1.0)
    cols = max(1, min(n, round(math.sqrt(n * (w / h if h > 0 else 1.0)))))
    rows = -(-n // cols)
    cells = _rows_of(n, cols)
    at = fit(xy, cells, **({"block": block} if block else {}))
    return Placed(cells[at], (cols, rows), {"cols": cols, "rows": rows})


def _rows_of(n: int, cols: int) -> np.ndarray:
    """The first n cells of rows `cols` wide, row by row from the top: (n, 2) centres."""
    i = np.arange(n)
    return np.stack([i % cols, i // cols], axis=1).astype(np.float64) + 0.5


def timeline_unit(first: int, last: int) -> str:
    """"year" when the dates span at most YEARS_MAX years, else "decade"."""
    return "year" if last - first + 1 <= YEARS_MAX else "decade"


def timeline(xy: np.ndarray, years: list) -> Placed:
    """years: the year of each image (core/years.py year_of) or None. One column per year or decade
    from the first to the last (empty ones too: time runs evenly), all as wide, stacked from the
    bottom in the map's 1-D order, snaking; the undated images in a column of their own on the right,
    as tall as the tallest at most."""
    n = len(xy)
    dated = np.array([y is not None for y in years], bool)
    ys = np.array([y if y is not None else 0 for y in years], np.int64)
    first, last = int(ys[dated].min()), int(ys[dated].max())
    unit = timeline_unit(first, last)
    key = ys - first if unit == "year" else ys // 10 - first // 10
    columns = int(key[dated].max()) + 1
    counts = np.bincount(key[dated], minlength=columns)
    tallest = int(counts.max())
    w = max(1, round(math.sqrt(ASPECT * tallest / columns)))
    gap = w / 4  # between columns: a quarter of one, so that columns one image wide stay apart
    pitch, height = w + gap, -(-tallest // w)
    order = hilbert_order(xy)
    pos = np.zeros((n, 2), np.float64)
    for c in range(columns):
        members = order[dated[order] & (key[order] == c)]
        pos[members] = _stack(len(members), c * pitch, w, height)
    axis = [{"label": str(first + c) if unit == "year" else f"{(first // 10 + c) * 10}s",
             "x": c * pitch + w / 2} for c in range(columns)]
    width, undated = columns * pitch - gap, int((~dated).sum())
    extra = {"unit": unit, "axis": axis, "undated": undated, "columns": columns, "first": first, "last": last}
    if undated:
        wu, x0 = max(w, -(-undated // height)), width + pitch  # wide enough to be no taller
        pos[order[~dated[order]]] = _stack(undated, x0, wu, height)
        extra["undated_x"], width = x0 + wu / 2, x0 + wu
    return Placed(pos, (width, height), extra)


def _stack(count: int, x0: float, w: int, height: int) -> np.ndarray:
    """`count` cells w wide standing on the floor y = height, row by row upwards, snaking
    (left to right, then right to left), so that neighbours in the order stay side by side."""
    i = np.arange(count)
    r, c = i // w, i % w
    c = np.where(r % 2 == 1, w - 1 - c, c)
    return np.stack([x0 + c + 0.5, height - r - 0.5], axis=1)


def blocks(xy: np.ndarray, codes: np.ndarray, labels: list[str], none_label: str) -> Placed:
    """codes: (N,) value of each image as an index into labels, -1 for none. One block per value,
    ordered by size (then label), those beyond MAX_BLOCKS as one "other values" block, the images
    without a value last; each block about square, its images fitted onto its cells as in the
    grid; blocks on shelves, left to right, about ASPECT wide, with a gap (for the label) above each."""
    n = len(xy)
    codes = np.asarray(codes, np.int64)
    sizes = np.bincount(codes[codes >= 0], minlength=len(labels))
    ranked = sorted((v for v in range(len(labels)) if sizes[v]), key=lambda v: (-sizes[v], labels[v], v))
    groups = [(labels[v], np.flatnonzero(codes == v)) for v in ranked[:MAX_BLOCKS]]
    if len(ranked) > MAX_BLOCKS:
        rest = np.isin(codes, ranked[MAX_BLOCKS:])
        groups.append((f"{len(ranked) - MAX_BLOCKS} other values", np.flatnonzero(rest)))
    if (codes < 0).any():
        groups.append((none_label, np.flatnonzero(codes < 0)))
    gap = max(1, round(math.sqrt(n) / 20))
    shapes = [(max(1, math.ceil(math.sqrt(len(m)))), len(m)) for _, m in groups]
    shapes = [(w, -(-size // w)) for w, size in shapes]
    area = sum((w + gap) * (h + gap) for w, h in shapes)
    target = max(max(w for w, _ in shapes), math.sqrt(area * ASPECT))
    pos, out = np.zeros((n, 2), np.float64), []
    for (label, members), (x, top, w, h) in zip(groups, _pack(shapes, gap, target)):
        cells = _rows_of(len(members), w) + [x, top]
        pos[members] = cells[fit(xy[members], cells)]
        out.append({"label": label, "x": x, "y": top, "w": w, "h": h, "size": int(len(members))})
    width = max(b["x"] + b["w"] for b in out)
    return Placed(pos, (width, max(b["y"] + b["h"] for b in out) + gap), {"blocks": out, "gap": gap})


def _pack(shapes: list[tuple[int, int]], gap: int, target: float) -> list[tuple[int, int, int, int]]:
    """(x, top, w, h) of each block, in order: shelves `target` wide, left to right; a block goes
    under the last one of its shelf when it is no wider and the shelf is tall enough there, so the
    small blocks fill the room beside the large ones. Each block has a gap above it (its label)."""
    placed, y, shelf, x_end, column = [], 0, 0, 0, None  # column: [x, w, filled height]
    for w, h in shapes:
        need = gap + h
        if column is not None and w <= column[1] and column[2] + need <= shelf:
            placed.append((column[0], y + column[2] + gap, w, h))
            column[2] += need
            continue
        if column is not None and x_end + w > target:  # a new shelf
            y, shelf, x_end = y + shelf, 0, 0
        column = [x_end, w, need]
        placed.append((x_end, y + gap, w, h))
        x_end, shelf = x_end + w + gap, max(shelf, need)
    return placed


def normalised(placed: Placed) -> tuple[np.ndarray, float, dict]:
    """(xy (N, 2) float32 in [0, 1]^2, the cell's side, extra with its x / y / w / h in those units):
    the box fitted like the map (its longer side is 1, centred on the other)."""
    bw, bh = placed.box
    span = float(max(bw, bh)) or 1.0
    off = np.array([(span - bw) / 2, (span - bh) / 2])

    def x(v):
        return (v + off[0]) / span

    xy = ((placed.pos + off) / span).astype(np.float32)
    extra = dict(placed.extra)
    if "axis" in extra:
        extra["axis"] = [{"label": a["label"], "x": x(a["x"])} for a in extra["axis"]]
    if "undated_x" in extra:
        extra["undated_x"] = x(extra["undated_x"])
    if "blocks" in extra:
        extra["blocks"] = [{**b, "x": x(b["x"]), "y": (b["y"] + off[1]) / span, "w": b["w"] / span,
                            "h": b["h"] / span} for b in extra["blocks"]]
    return xy, 1.0 / span, extra
