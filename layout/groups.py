"""Groups of similar images on a facet's map: HDBSCAN (PyPI `hdbscan`) at two levels.

    found = find(xy, min_size)                      # a fresh clustering: Levels
    kept = carry(previous, prev_ids, ids, xy)       # the last groups, new images assigned: Levels | None

What it runs on, chosen by measurement (bench/groups_bench.py, docs/benchmarks.md): the 2-D map
coordinates, not PCA-reduced vectors. On the 960 paintings (by artist) and the 4,317 flowers HDBSCAN
on the map agrees better with the labels (NMI, ARI) and leaves fewer images out of every group
than on 50 principal components, where density is too even to split; and groups then are the
islands a visitor sees on the map.

- Level 0, broad groups: HDBSCAN, excess of mass, min_cluster_size = `min_size` (auto: max(5,
  round(sqrt(N) / 2)), 16 for 1,000 images, 33 for 4,317, 158 for 100,000), min_samples 5 (a smaller
  min_samples leaves fewer images out), max_cluster_size half of the images (MAX_SHARE: without
  it, excess of mass made one group of 692 of the 1,000 imagen photos, a name for nothing).
  -1 = in no group: counted and shown, never forced.
- Level 1, sub-groups: inside each broad group of at least SUB_FACTOR x min_size and SUB_MIN members, HDBSCAN
  again on its members, min_cluster_size = min_samples = max(5, round(sqrt(size))) (smoother than
  level 0); kept when it splits the group in two or more that together hold at least SUB_COVER
  (half) of its members. Measured on generated blobs (4 seeds): two touching round blobs split
  with 51-75 % of their points in sub-groups; one round blob of 50, 200 or 800 points, which
  HDBSCAN sometimes cuts in noise, never had more than 38 % in its pieces.
- Membership strength: HDBSCAN's probabilities. Group ids start at 1, level 0 first, each level in
  order of size (largest first), then of first member: the same input gives the same groups.
- Stability (carry): when the map kept its points (new images placed into it), each image of the
  last build keeps its groups; a new image joins the group most of its VOTERS nearest old images
  on the map belong to (a majority of VOTERS // 2 + 1, counting "no group" as a vote), strength =
  the share of votes times their mean strength. The stage clusters afresh instead on --relayout,
  when the map was laid out afresh, when the settings changed, or when more than CHANGE_MAX of the
  images are new or gone since the groups were made.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MIN_SAMPLES = 5
SUB_FACTOR = 4
SUB_MIN = 100  # nor in a group smaller than this: 50 points of one round blob can split by chance
SUB_COVER = 0.5  # sub-groups are kept when together they hold at least this share of the group
SMALL = 20  # fewer images than this: no groups
VOTERS = 5
MAX_SHARE = 0.5  # no broad group holds more than half of the images (hdbscan max_cluster_size)
CHANGE_MAX = 0.2
BLOCK = 8192  # rows of vectors read at once


@dataclass
class Levels:
    of: list[np.ndarray]        # per level (N,) int32, -1 = none
    strength: list[np.ndarray]  # per level (N,) float32
    parent: dict                # sub-group id -> broad group id


def auto_min_size(n: int, setting: int = 0) -> int:
    return setting if setting > 0 else max(5, round(math.sqrt(n) / 2))


def _hdbscan(points: np.ndarray, min_size: int, min_samples: int, largest: int = 0) -> tuple[np.ndarray, np.ndarray]:
    if len(points) < max(min_size, 2) + 1:
        return np.full(len(points), -1, np.int32), np.zeros(len(points), np.float32)
    import hdbscan

    model = hdbscan.HDBSCAN(min_cluster_size=min_size, min_samples=min_samples, max_cluster_size=largest,
                            core_dist_n_jobs=1)
    model.fit(np.asarray(points, np.float64))
    return model.labels_.astype(np.int32), np.nan_to_num(model.probabilities_).astype(np.float32)


def _ordered(labels: np.ndarray) -> list[np.ndarray]:
    """Members of each label, largest group first, then by first member row."""
    groups = [np.flatnonzero(labels == g) for g in np.unique(labels[labels >= 0])]
    return sorted(groups, key=lambda m: (-len(m), int(m[0])))


def find(xy: np.ndarray, min_size: int) -> Levels:
    n = len(xy)
    of0, st0 = np.full(n, -1, np.int32), np.zeros(n, np.float32)
    of1, st1 = np.full(n, -1, np.int32), np.zeros(n, np.float32)
    labels, probs = _hdbscan(xy, min_size, min(MIN_SAMPLES, min_size), max(int(MAX_SHARE * n), 2 * min_size))
    broad = _ordered(labels)
    for gid, members in enumerate(broad, 1):
        of0[members], st0[members] = gid, probs[members]
    next_id, parent = len(broad) + 1, {}
    for gid, members in enumerate(broad, 1):
        if len(members) < max(SUB_FACTOR * min_size, SUB_MIN):
            continue
        size = max(5, round(math.sqrt(len(members))))
        sub, sub_probs = _hdbscan(xy[members], size, size)
        parts = _ordered(sub)
        if len(parts) < 2 or (sub >= 0).mean() < SUB_COVER:
            continue
        for part in parts:
            rows = members[part]
            of1[rows], st1[rows] = next_id, sub_probs[part]
            parent[next_id] = gid
            next_id += 1
    return Levels([of0, of1], [st0, st1], parent)


def carry(prev: Levels, prev_ids: list[str], ids: list[str], xy: np.ndarray) -> Levels | None:
    """The last groups for the images still here, new images by the vote of their nearest old
    neighbours on the map; None when too much changed (CHANGE_MAX) or nothing is kept."""
    where = {i: r for r, i in enumerate(prev_ids)}
    old_rows = np.array([where.get(i, -1) for i in ids], np.int64)
    kept = np.flatnonzero(old_rows >= 0)
    changed = (len(ids) - len(kept)) + (len(prev_ids) - len(kept))
    if len(kept) == 0 or changed > CHANGE_MAX * max(len(prev_ids), 1):
        return None
    n = len(ids)
    of = [np.full(n, -1, np.int32) for _ in prev.of]
    strength = [np.zeros(n, np.float32) for _ in prev.of]
    for level in range(len(prev.of)):
        of[level][kept] = prev.of[level][old_rows[kept]]
        strength[level][kept] = prev.strength[level][old_rows[kept]]
    new = np.flatnonzero(old_rows < 0)
    if len(new):
        from scipy.spatial import cKDTree

        k = min(VOTERS, len(kept))
        _, near = cKDTree(np.asarray(xy[kept], np.float64)).query(np.asarray(xy[new], np.float64), k=k)
        near = kept[np.asarray(near).reshape(len(new), k)]
        for level in range(len(of)):
            for row, voters in zip(new, near):
                gid, votes = _vote(of[level][voters])
                if gid >= 0 and votes >= k // 2 + 1:
                    if level > 0 and prev.parent.get(int(gid)) != int(of[0][row]):
                        continue  # a sub-group only inside the broad group it was given
                    chosen = voters[of[level][voters] == gid]
                    of[level][row] = gid
                    strength[level][row] = votes / k * float(strength[level][chosen].mean())
    return Levels(of, strength, dict(prev.parent))


def _vote(groups: np.ndarray) -> tuple[int, int]:
    values, counts = np.unique(groups, return_counts=True)
    best = int(np.argmax(counts))  # ties: the smaller id (np.unique sorts)
    return int(values[best]), int(counts[best])


def face(rows: np.ndarray, vectors: np.ndarray) -> int:
    """The medoid by cosine: the member most similar to all the others (on unit vectors, the one
    with the largest dot product with the members' sum). Ties: the first row. Read in blocks, so a
    group of 50,000 members never holds their vectors in memory at once."""
    rows = np.sort(rows)
    total = np.zeros(vectors.shape[1], np.float64)
    for a in range(0, len(rows), BLOCK):
        total += _unit(vectors[rows[a:a + BLOCK]]).sum(axis=0)
    scores = np.concatenate([_unit(vectors[rows[a:a + BLOCK]]) @ total.astype(np.float32)
                             for a in range(0, len(rows), BLOCK)])
    return int(rows[int(np.argmax(scores))])


def _unit(v) -> np.ndarray:
    v = np.asarray(v, np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.where(norms > 0, norms, 1.0)


def anchor(rows: np.ndarray, xy: np.ndarray) -> tuple[float, float]:
    """Where the group's label sits: the member nearest the members' median map position (always
    on the group, even when its shape is bent), normalised like FacetLayout.xy()."""
    pts = xy[rows]
    d = ((pts - np.median(pts, axis=0)) ** 2).sum(axis=1)
    x, y = pts[int(np.argmin(d))]
    return round(float(x), 4), round(float(y), 4)
