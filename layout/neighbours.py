"""k nearest neighbours by cosine similarity with Annoy: integer ids are manifest rows.

Annoy proposes candidates, exact cosine on the full vectors ranks them: every
similarity reported is exact and only the candidate set is approximate. Each build
measures recall@k on a sample of images against brute force and widens Annoy's
search (search_k) until it reaches TARGET_RECALL, so the recall printed in the
summary is a measurement, not a promise.

Above ANNOY_FULL_MAX images a k-means cell search takes over (same exact re-scoring,
same measured recall): on two cores Annoy needs 0.44-0.70 x the time of brute force for
recall 0.93-0.97 at 100,000 images, the cells 0.04 x (docs/benchmarks.md).

Everything is seeded and built single-threaded (Annoy's threaded build is not
reproducible); queries run in threads into fixed rows, so the same vectors and
seed give byte-identical neighbour lists. Vectors may be memory-mapped.
The Annoy index is saved in the work folder for later queries.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

ANNOY_FULL_MAX = 20000  # up to this many images Annoy finds the neighbours; above, the cell search
PCA_DIMS = 64  # principal components kept (t-SNE initialisation, cell search)
PCA_SAMPLE = 20000  # rows used to fit the projection
TARGET_RECALL = 0.95
RECALL_SAMPLE = 200
BLOCK = 1024


@dataclass
class Graph:
    rows: np.ndarray  # (N, k) int32 neighbour rows, nearest first, self excluded
    sims: np.ndarray  # (N, k) float32 exact cosine similarity
    method: str  # "annoy", or "cells<probes>/<count>" above ANNOY_FULL_MAX
    pca2: np.ndarray  # (N, 2) float32 first two principal components (t-SNE initialisation)
    recall: float | None  # measured recall@k on a sample (None when k = 0)
    search_k: int  # Annoy nodes inspected per query in the final pass
    index: object = None  # the Annoy index (save with save_index)


def knn_graph(vectors: np.ndarray, k: int, seed: int = 0, trees: int = 50, n_jobs: int | None = None,
              recall_k: int | None = None, target_recall: float = TARGET_RECALL,
              full_max: int = ANNOY_FULL_MAX) -> Graph:
    """The k nearest neighbours of every row (unit vectors: cosine = dot product).

    Starts with Annoy's default search (trees * candidates nodes) and doubles search_k
    until recall@recall_k, measured on RECALL_SAMPLE rows against brute force, reaches
    target_recall (or the search has become exhaustive). Above full_max rows the cell
    search does the same with more cells probed.
    """
    with single_blas_thread():
        return _knn_graph(vectors, k, seed, trees, n_jobs or os.cpu_count() or 1, recall_k, target_recall,
                          full_max)


def _knn_graph(vectors, k, seed, trees, n_jobs, recall_k, target_recall, full_max) -> Graph:
    n, d = vectors.shape
    k = max(0, min(k, n - 1))
    mean, comps = pca_basis(vectors, min(PCA_DIMS, d, max(n - 1, 1)), seed)
    y = _project(vectors, mean, comps)
    pca2 = np.zeros((n, 2), np.float32)
    pca2[:, : min(2, y.shape[1])] = y[:, :2]
    if k == 0:
        return Graph(np.zeros((n, 0), np.int32), np.zeros((n, 0), np.float32), "annoy", pca2, None, 0)
    check = max(1, min(recall_k or k, k))
    if n > full_max:
        return _cell_graph(vectors, k, seed, n_jobs, check, target_recall, mean, comps, pca2)
    search = _AnnoySearch(vectors, trees, seed)
    candidates = min(n - 1, k + 20)
    search_k = trees * (candidates + 1)  # Annoy's own default
    while True:  # widen the search until the measured recall reaches the target
        rows, sims = search.query(vectors, k, candidates, search_k, n_jobs)
        recall = recall_at_k(vectors, rows[:, :check], sims[:, :check], RECALL_SAMPLE, seed, n_jobs)
        if recall is None or recall >= target_recall or search_k >= trees * n:
            return Graph(rows, sims, "annoy", pca2, recall, search_k, search.index)
        search_k *= 2
        candidates = min(n - 1, candidates * 2)


class _AnnoySearch:
    """A seeded Annoy forest over `space`; queries re-rank candidates on the full vectors."""

    def __init__(self, space, trees: int, seed: int):
        from annoy import AnnoyIndex

        self.index = AnnoyIndex(space.shape[1], "angular")
        self.index.set_seed(seed)
        for a in range(0, len(space), 8192):
            block = np.asarray(space[a:a + 8192], np.float32)
            for i, v in enumerate(block, start=a):
                self.index.add_item(i, v)
        self.index.build(trees, n_jobs=1)

    def query(self, vectors, k: int, candidates: int, search_k: int, n_jobs: int):
        """Top k of each row: Annoy's candidates ordered by exact cosine (then row)."""
        n = len(vectors)
        rows = np.zeros((n, k), np.int32)
        sims = np.zeros((n, k), np.float32)
        block = 256

        def work(a: int) -> None:
            q = np.arange(a, min(n, a + block))
            cand = np.full((len(q), candidates + 1), -1, np.int64)
            for r, i in enumerate(q):  # Annoy releases the GIL while it searches
                found = self.index.get_nns_by_item(int(i), candidates + 1, search_k=search_k)
                cand[r, : len(found)] = found
            rows[q], sims[q] = _rank(vectors, q, cand, k)

        with ThreadPoolExecutor(max(1, n_jobs)) as pool:
            list(pool.map(work, range(0, n, block)))
        short = np.flatnonzero((rows < 0).any(axis=1))
        if len(short):  # Annoy returned too few candidates (tiny forests): exact for those rows
            rows[short], sims[short] = exact_nearest(vectors, k, rows_of=short)
        return rows, sims


def _rank(vecs, q: np.ndarray, cand: np.ndarray, k: int):
    """Order each query's candidates by (-cosine in vecs, row); self and padding (-1) drop out."""
    valid = (cand >= 0) & (cand != q[:, None])
    safe = np.where(valid, cand, 0)
    s = np.einsum("bd,bcd->bc", np.asarray(vecs[q], np.float32),
                  np.asarray(vecs[safe.reshape(-1)], np.float32).reshape(*safe.shape, -1))
    s[~valid] = -np.inf
    order = np.lexsort((safe, -s), axis=1)[:, :k]
    rows = np.where(np.take_along_axis(valid, order, axis=1), np.take_along_axis(safe, order, axis=1), -1)
    return rows.astype(np.int32), np.clip(np.take_along_axis(s, order, axis=1), -1.0, 1.0).astype(np.float32)


def save_index(graph: Graph, path) -> None:
    """Keep the Annoy index for later queries (nothing to keep after a cell search)."""
    from pathlib import Path

    if graph.index is None:
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    graph.index.save(str(tmp))
    graph.index.unload()
    os.replace(tmp, path)


def exact_nearest(vectors: np.ndarray, k: int, block: int = BLOCK, rows_of: np.ndarray | None = None,
                  n_jobs: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Brute-force cosine neighbours in blocks of matrix products (memory O(n_jobs * block * N)).

    rows_of: optional subset of query rows (default: all). Ties go to the lower row.
    Blocks run in n_jobs threads with one BLAS thread each (same bytes for any n_jobs).
    """
    n = len(vectors)
    k = max(0, min(k, n - 1))
    queries = np.arange(n) if rows_of is None else np.asarray(rows_of)
    out_r = np.zeros((len(queries), k), np.int32)
    out_s = np.zeros((len(queries), k), np.float32)
    if k == 0:
        return out_r, out_s
    full = np.asarray(vectors, np.float32)
    ids = np.arange(n)

    def work(a: int) -> None:
        q = queries[a:a + block]
        s = np.asarray(vectors[q], np.float32) @ full.T
        s[np.arange(len(q)), q] = -np.inf
        out_r[a:a + len(q)], out_s[a:a + len(q)] = _top(s, ids, k)

    with single_blas_thread(), ThreadPoolExecutor(max(1, n_jobs)) as pool:
        list(pool.map(work, range(0, len(queries), block)))
    return out_r, out_s


def recall_at_k(vectors: np.ndarray, rows: np.ndarray, sims: np.ndarray, sample: int = RECALL_SAMPLE,
                seed: int = 0, n_jobs: int = 1) -> float | None:
    """Share of the true k nearest found, on `sample` rows checked by brute force.

    Tie-safe: a found neighbour counts when its similarity reaches the true k-th.
    """
    n, k = rows.shape
    if n < 2 or k == 0:
        return None
    q = np.sort(np.random.default_rng(seed).choice(n, min(sample, n), replace=False))
    _, true_sims = exact_nearest(vectors, k, block=64, rows_of=q, n_jobs=n_jobs)
    kth = true_sims[:, -1:] - 1e-6
    return float(np.mean(sims[q] >= kth))


def pca_basis(vectors: np.ndarray, dims: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (D, dims) principal axes, fitted on a seeded sample; signs fixed."""
    n, d = vectors.shape
    dims = max(0, min(dims, d))
    if n == 0 or dims == 0:
        return np.zeros(d, np.float64), np.zeros((d, dims), np.float32)
    take = np.arange(n) if n <= PCA_SAMPLE else np.sort(
        np.random.default_rng(seed).choice(n, PCA_SAMPLE, replace=False))
    mean = np.zeros(d, np.float64)
    for a in range(0, len(take), 8192):
        mean += np.asarray(vectors[take[a:a + 8192]], np.float64).sum(axis=0)
    mean /= len(take)
    cov = np.zeros((d, d), np.float64)
    m32 = mean.astype(np.float32)
    for a in range(0, len(take), 8192):
        b = np.asarray(vectors[take[a:a + 8192]], np.float32) - m32
        cov += (b.T @ b).astype(np.float64)
    try:
        from scipy.linalg import eigh

        _, vecs = eigh(cov, subset_by_index=[d - dims, d - 1])
    except ImportError:
        _, vecs = np.linalg.eigh(cov)
        vecs = vecs[:, d - dims:]
    comps = vecs[:, ::-1]
    signs = np.sign(comps[np.argmax(np.abs(comps), axis=0), np.arange(dims)])
    signs[signs == 0] = 1
    return mean, (comps * signs).astype(np.float32)


@contextmanager
def single_blas_thread():
    """One BLAS thread: on shared cores OpenBLAS' own threads spin and slow small products
    several-fold; we parallelise over blocks instead."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(1, user_api="blas"):
        yield


def _project(vectors: np.ndarray, mean: np.ndarray, comps: np.ndarray) -> np.ndarray:
    out = np.empty((len(vectors), comps.shape[1]), np.float32)
    shift = (mean.astype(np.float32) @ comps)
    for a in range(0, len(vectors), 8192):
        out[a:a + 8192] = np.asarray(vectors[a:a + 8192], np.float32) @ comps - shift
    return out


def _top(s: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top k columns of each row of s, ordered by (-similarity, id); ids[j] names column j."""
    if s.shape[1] > k:
        part = np.argpartition(-s, k - 1, axis=1)[:, :k]
    else:
        part = np.broadcast_to(np.arange(s.shape[1]), s.shape).copy()
    vals = np.take_along_axis(s, part, axis=1)
    cand = ids[part]
    order = np.lexsort((cand, -vals), axis=1)
    rows = np.take_along_axis(cand, order, axis=1).astype(np.int32)
    sims = np.clip(np.take_along_axis(vals, order, axis=1), -1.0, 1.0).astype(np.float32)
    return rows, sims


# --- cell search, for collections above ANNOY_FULL_MAX -------------------------------
# Measured at 100,000 x 1,280-d on 2 cores (docs/benchmarks.md): Annoy needs
# search_k ~ 8,000 for recall 0.95, i.e. 0.44-0.70 x brute force; these k-means cells
# do it in 0.04 x, because their work is a few large matrix products.

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
                rows[self.order[qa:qb]], sims[self.order[qa:qb]] = _top(s, self.order[cand], k)

        with ThreadPoolExecutor(max(1, n_jobs)) as pool:
            list(pool.map(work, range(self.count)))
        return rows, sims


def _cell_graph(vectors, k, seed, n_jobs, check, target_recall, mean, comps, pca2) -> Graph:
    y = _project(vectors, mean, comps[:, :CELL_PCA_DIMS])
    cells = _Cells(vectors, y, seed)
    probes = max(1, min(DEFAULT_PROBES, cells.count))
    while True:  # widen the search until the measured recall reaches the target
        rows, sims = cells.search(k, probes, n_jobs)
        recall = recall_at_k(vectors, rows[:, :check], sims[:, :check], RECALL_SAMPLE, seed, n_jobs)
        if recall is None or recall >= target_recall or probes >= cells.count:
            return Graph(rows, sims, f"cells{probes}/{cells.count}", pca2, recall, 0)
        probes = min(cells.count, probes * 2)
