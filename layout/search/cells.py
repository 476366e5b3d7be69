"""k-means cell search, for collections above ANNOY_FULL_MAX (layout/neighbours.py).

Measured at 100,000 x 1,280-d on 2 cores (docs/benchmarks.md): Annoy needs
search_k ~ 8,000 for recall 0.95, i.e. 0.44-0.70 x brute force; these k-means cells
do it in 0.04 x, because their work is a few large matrix products.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from layout.pca import PCA_DIMS, project
from layout.search.exact import BLOCK, top
from layout.search.recall import RECALL_SAMPLE, recall_at_k

CELL_PCA_DIMS = PCA_DIMS  # dimensions of the projection the cells are made in
KMEANS_ITERS = 10
DEFAULT_PROBES = 8  # cells searched per cell at first; recall@30 0.99 on 100k clustered vectors


def _kmeans(y: np.ndarray, cells: int, seed: int) -> np.ndarray:
    """Lloyd's k-means from seeded points; returns (cells, dims) centroids."""
    rng = np.random.default_rng(seed)
    cent = y[np.sort(rng.choice(len(y), cells, replace=False))].astype(np.float32)
    for _ in range(KMEANS_ITERS):
        lab = _assign(y, cent)
        counts = np.bincount(lab, minlength=cells)
        order = np.argsort(lab, kind="stable")
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        keep = counts > 0  # an empty cell keeps its old centroid
        sums = np.add.reduceat(y[order].astype(np.float64), starts[keep], axis=0)
        cent[keep] = (sums / counts[keep, None]).astype(np.float32)
    return cent


def _assign(y: np.ndarray, cent: np.ndarray) -> np.ndarray:
    c2 = (cent * cent).sum(axis=1)
    lab = np.empty(len(y), np.int64)
    for a in range(0, len(y), 16384):
        lab[a:a + 16384] = np.argmin(c2 - 2.0 * (y[a:a + 16384] @ cent.T), axis=1)
    return lab


class _Cells:
    """k-means cells of the projected rows, with the rows regrouped cell by cell."""

    def __init__(self, vectors, y, seed):
        n = len(vectors)
        self.count = max(2, int(round(np.sqrt(n))))
        cent = _kmeans(y, self.count, seed)
        lab = _assign(y, cent)
        self.order = np.argsort(lab, kind="stable")  # grouped by cell, ascending rows within one
        self.starts = np.searchsorted(lab[self.order], np.arange(self.count + 1))
        self.vecs = np.asarray(vectors[self.order], np.float32)  # one gather: each cell is a slice
        cd = ((cent[:, None, :] - cent[None, :, :]) ** 2).sum(-1)
        self.near = np.lexsort((np.broadcast_to(np.arange(self.count), cd.shape), cd), axis=1)

    def search(self, k: int, probes: int, n_jobs: int):
        n = len(self.order)
        sizes = np.diff(self.starts)
        rows = np.zeros((n, k), np.int32)
        sims = np.zeros((n, k), np.float32)

        def work(c: int) -> None:
            a, b = self.starts[c], self.starts[c + 1]
            if a == b:
                return
            m = max(probes, int(np.searchsorted(np.cumsum(sizes[self.near[c]]), k + 1)) + 1)
            slices = [(self.starts[p], self.starts[p + 1]) for p in np.sort(self.near[c][:m])]
            cand = np.concatenate([np.arange(s, e) for s, e in slices])
            for qa in range(a, b, BLOCK):  # query rows in chunks: memory stays O(BLOCK * candidates)
                qb = min(b, qa + BLOCK)
                q = self.vecs[qa:qb]
                s = np.concatenate([q @ self.vecs[s0:e0].T for s0, e0 in slices], axis=1)
                s[np.arange(qb - qa), np.searchsorted(cand, np.arange(qa, qb))] = -np.inf  # not yourself
                rows[self.order[qa:qb]], sims[self.order[qa:qb]] = top(s, self.order[cand], k)

        with ThreadPoolExecutor(max(1, n_jobs)) as pool:
            list(pool.map(work, range(self.count)))
        return rows, sims


def cell_search(vectors, k, seed, n_jobs, check, target_recall, mean, comps):
    """(rows, sims, method, recall): probes more cells until the measured recall reaches the target."""
    y = project(vectors, mean, comps[:, :CELL_PCA_DIMS])
    cells = _Cells(vectors, y, seed)
    probes = max(1, min(DEFAULT_PROBES, cells.count))
    while True:  # widen the search until the measured recall reaches the target
        rows, sims = cells.search(k, probes, n_jobs)
        recall = recall_at_k(vectors, rows[:, :check], sims[:, :check], RECALL_SAMPLE, seed, n_jobs)
        if recall is None or recall >= target_recall or probes >= cells.count:
            return rows, sims, f"cells{probes}/{cells.count}", recall
        probes = min(cells.count, probes * 2)
