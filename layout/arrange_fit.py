"""Fit map positions onto cells: the engine of the grid and of the group blocks (layout/arrangements.py).

    fit(points, cells) -> at      image i goes to cell at[i]; every cell gets exactly one image

One assignment of 100,000 points to 100,000 cells is out of reach of any exact solver (a dense cost
matrix of 80 GB), so the problem is cut into blocks first, as a k-d tree cuts space: the cells are
split along their longer side at the median line, the points along the same axis at the same
share, and so on until a block holds at most BLOCK cells. Each block is then solved exactly
(PyPI `lapjv`, Jonker-Volgenant: the least total squared distance between the block's points,
stretched over the block's cells, and those cells). The cuts keep what the map keeps at large
scale (left stays left, dense regions get more cells), the assignment what it keeps at small scale.
Deterministic: stable sorts, ties broken by row, and an exact solver.

Also here: the map's 1-D order (a Hilbert curve through it: the timeline's stacks), the
neighbourhood figure (how many of an image's map neighbours stay its neighbours) and the naive
grid it is measured against.
"""
from __future__ import annotations

import numpy as np

BLOCK = 512  # cells of one exact assignment: at 100k in one run, 512 kept 0.587 in 14 s, 1,024 0.590 in 18 s
NEIGHBOURS = 10  # the neighbourhood figure: an image's 10 nearest on the map among its 10 nearest in the grid


def fit(points: np.ndarray, cells: np.ndarray, block: int = BLOCK, on_block=None) -> np.ndarray:
    """(n,) int64: the cell of each point. points, cells: (n, 2), as many cells as points."""
    points, cells = np.asarray(points, np.float64), np.asarray(cells, np.float64)
    if len(points) != len(cells):
        raise ValueError(f"{len(points)} points for {len(cells)} cells: fit() needs one cell per point")
    at = np.zeros(len(points), np.int64)
    todo = [(np.arange(len(points)), np.arange(len(cells)))]
    while todo:
        pi, ci = todo.pop()
        if len(pi) <= block:
            at[pi] = ci[_solve(points[pi], cells[ci])]
            if on_block:
                on_block(len(pi))
            continue
        todo.extend(_cut(points, cells, pi, ci))
    return at


def _cut(points, cells, pi, ci):
    """Two halves: the cells on either side of their median line along their longer side, and as
    many points, taken in order along the same axis."""
    c = cells[ci]
    extent = c.max(axis=0) - c.min(axis=0)
    axis = int(extent[1] > extent[0])
    line = np.sort(c[:, axis])[len(c) // 2]
    first = int((c[:, axis] < line).sum())
    if first == 0:  # every cell on one line along this axis: cut inside it
        first = len(c) // 2
    corder = np.lexsort((ci, c[:, 1 - axis], c[:, axis]))
    p = points[pi]
    porder = np.lexsort((pi, p[:, 1 - axis], p[:, axis]))
    return [(pi[porder[:first]], ci[corder[:first]]), (pi[porder[first:]], ci[corder[first:]])]


def _solve(p: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The exact assignment of one block: each point's rank along x and along y, stretched over
    the cells' box, then the least total squared distance. Returns, for each point, the index of
    its cell in c. Ranks rather than the coordinates themselves: as good a figure (0.580 against
    0.581 at 100k) and 4 x faster, as evenly spread points make the assignment easy."""
    n = len(p)
    if n == 1:
        return np.zeros(1, np.int64)
    from lapjv import lapjv

    ranks = np.empty_like(p)
    for axis in (0, 1):
        ranks[np.lexsort((np.arange(n), p[:, axis])), axis] = np.arange(n) / (n - 1)
    clo, chi = c.min(axis=0), c.max(axis=0)
    q = ranks * (chi - clo) + clo
    cost = ((q[:, None, :] - c[None, :, :]) ** 2).sum(axis=-1)
    cost += np.arange(n)[None, :] * 1e-9  # equal costs: the lower cell, always
    row_to_col = lapjv(np.ascontiguousarray(cost))[0]
    return np.asarray(row_to_col, np.int64)


def hilbert_order(xy: np.ndarray, bits: int = 16) -> np.ndarray:
    """The rows in the order a Hilbert curve through the map meets them: neighbours along it
    are neighbours on the map (ties by row)."""
    xy = np.asarray(xy, np.float64)
    if len(xy) == 0:
        return np.zeros(0, np.int64)
    n = 1 << bits
    lo, span = xy.min(axis=0), max(float(np.ptp(xy, axis=0).max()), 1e-12)
    q = np.clip(((xy - lo) / span * (n - 1)).round(), 0, n - 1).astype(np.int64)
    x, y, d = q[:, 0].copy(), q[:, 1].copy(), np.zeros(len(q), np.int64)
    s = n >> 1
    while s > 0:
        rx, ry = (x & s) > 0, (y & s) > 0
        d += s * s * ((3 * rx.astype(np.int64)) ^ ry.astype(np.int64))
        flip = ~ry & rx
        x = np.where(flip, n - 1 - x, x)
        y = np.where(flip, n - 1 - y, y)
        x, y = np.where(~ry, y, x), np.where(~ry, x, y)
        s >>= 1
    return np.lexsort((np.arange(len(d)), d))


def sorted_grid(xy: np.ndarray, cols: int) -> np.ndarray:
    """The naive grid the neighbourhood figure is compared with: the images sorted by x into
    columns of `rows` images, each column sorted by y. Returns (n, 2) cell positions (col, row)."""
    n = len(xy)
    rows = -(-n // cols) if n else 0
    by_x = np.lexsort((np.arange(n), xy[:, 1], xy[:, 0]))
    out = np.zeros((n, 2), np.float64)
    for c in range(cols):
        members = by_x[c * rows:(c + 1) * rows]
        members = members[np.lexsort((members, xy[members, 1]))]
        out[members, 0] = c
        out[members, 1] = np.arange(len(members))
    return out


def neighbourhood_kept(before: np.ndarray, after: np.ndarray, k: int = NEIGHBOURS, sample: int = 5000,
                       seed: int = 0) -> float:
    """Share of each image's k nearest in `before` (the map) that are among its k nearest in
    `after` (an arrangement), over a seeded sample of images (all of them up to `sample`)."""
    from scipy.spatial import cKDTree

    n = len(before)
    if n <= k:
        return 1.0
    rows = np.arange(n) if n <= sample else np.sort(np.random.default_rng(seed).choice(n, sample, replace=False))
    _, a = cKDTree(before).query(before[rows], k + 1)
    _, b = cKDTree(after).query(after[rows], k + 1)
    hits = sum(len(set([j for j in x if j != r][:k]) & set([j for j in y if j != r][:k]))
               for r, x, y in zip(rows, a, b))
    return hits / (k * len(rows))
