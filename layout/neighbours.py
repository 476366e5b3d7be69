"""k nearest neighbours with Annoy: integer ids are manifest rows.

Annoy's angular distance d between unit vectors is sqrt(2 - 2 cos), so the
cosine users see is 1 - d^2 / 2. Builds are seeded and single-threaded, so the
same vectors give the same index and the same neighbour lists.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np


def build_index(vectors: np.ndarray, trees: int, seed: int):
    from annoy import AnnoyIndex

    index = AnnoyIndex(vectors.shape[1], "angular")
    index.set_seed(seed)
    for i, v in enumerate(vectors):
        index.add_item(i, v)
    index.build(trees, n_jobs=1)
    return index


def nearest(index, n: int, k: int, search_k: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """(N, k) neighbour rows (self excluded, nearest first) and cosine similarities."""
    k = max(0, min(k, n - 1))
    rows = np.zeros((n, k), np.int32)
    sims = np.zeros((n, k), np.float32)
    for i in range(n):
        ids, dists = index.get_nns_by_item(i, k + 1, search_k=search_k, include_distances=True)
        pairs = [(j, d) for j, d in zip(ids, dists) if j != i][:k]
        if len(pairs) < k:  # Annoy can return fewer on tiny forests: fall back to exact
            pairs = _exact_row(index, n, i, k)
        rows[i] = [j for j, _ in pairs]
        sims[i] = [1.0 - d * d / 2.0 for _, d in pairs]
    return rows, np.clip(sims, -1.0, 1.0)


def _exact_row(index, n: int, i: int, k: int):
    pairs = sorted(((index.get_distance(i, j), j) for j in range(n) if j != i))
    return [(j, d) for d, j in pairs[:k]]


def exact_nearest(vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Brute-force cosine neighbours (unit vectors), for checks and small sets."""
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    k = max(0, min(k, len(vectors) - 1))
    order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    return order.astype(np.int32), np.take_along_axis(sims, order, axis=1).astype(np.float32)


def save_index(index, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    index.save(str(tmp))
    index.unload()
    tmp.replace(path)
