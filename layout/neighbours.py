"""k nearest neighbours by cosine similarity with Annoy: integer ids are manifest rows.

Annoy proposes candidates, exact cosine on the full vectors ranks them: every
similarity reported is exact and only the candidate set is approximate. Each build
measures recall@k on a sample of images against brute force and widens Annoy's
search (search_k) until it reaches TARGET_RECALL, so the recall printed in the
summary is a measurement, not a promise. Above ANNOY_FULL_MAX images the index is
built on a PCA projection (PCA_DIMS), which keeps the all-points k = 30 graph at
100,000 images well under a third of brute force (docs/benchmarks.md).

Everything is seeded and built single-threaded (Annoy's threaded build is not
reproducible); queries run in threads into fixed rows, so the same vectors and
seed give byte-identical neighbour lists. Vectors may be memory-mapped.
The index is saved in the work folder for later queries (with the PCA basis, if any).
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

ANNOY_FULL_MAX = 20000  # up to this many images the index and the ranking use the full vectors
PCA_DIMS = 128  # above that: the dimensions of the projection the index is built and ranked on
PCA_SAMPLE = 20000  # rows used to fit the projection
CANDIDATE_FACTOR = 2  # Annoy candidates per query = 2k + 10, re-ranked exactly
TARGET_RECALL = 0.95
RECALL_SAMPLE = 200
BLOCK = 1024


@dataclass
class Graph:
    rows: np.ndarray  # (N, k) int32 neighbour rows, nearest first, self excluded
    sims: np.ndarray  # (N, k) float32 exact cosine similarity
    method: str  # "annoy" (or "annoy-pca<d>")
    pca2: np.ndarray  # (N, 2) float32 first two principal components (t-SNE initialisation)
    recall: float | None  # measured recall@k on a sample (None when k = 0)
    search_k: int  # Annoy nodes inspected per query in the final pass
    index: object = None  # the Annoy index (save with save_index)
    basis: np.ndarray | None = None  # (D, PCA_DIMS) axes when the index holds projections v @ basis


def knn_graph(vectors: np.ndarray, k: int, seed: int = 0, trees: int = 50, n_jobs: int | None = None,
              recall_k: int | None = None, target_recall: float = TARGET_RECALL,
              full_max: int = ANNOY_FULL_MAX, exact_k: int | None = None) -> Graph:
    """The k nearest neighbours of every row (unit vectors: cosine = dot product).

    Starts with Annoy's default search (trees * candidates nodes) and doubles search_k
    until recall@recall_k, measured on RECALL_SAMPLE rows against brute force, reaches
    target_recall (or the search has become exhaustive).
    """
    with single_blas_thread():
        return _knn_graph(vectors, k, seed, trees, n_jobs or os.cpu_count() or 1, recall_k, target_recall,
                          full_max, exact_k)


def _knn_graph(vectors, k, seed, trees, n_jobs, recall_k, target_recall, full_max, exact_k) -> Graph:
    n, d = vectors.shape
    k = max(0, min(k, n - 1))
    mean, comps = pca_basis(vectors, min(PCA_DIMS, d, max(n - 1, 1)), seed)
    y = _project(vectors, mean, comps)
    pca2 = np.zeros((n, 2), np.float32)
    pca2[:, : min(2, y.shape[1])] = y[:, :2]
    if k == 0:
        return Graph(np.zeros((n, 0), np.int32), np.zeros((n, 0), np.float32), "annoy", pca2, None, 0)
    use_pca = n > full_max and d > PCA_DIMS
    space = _project(vectors, np.zeros_like(mean), comps) if use_pca else vectors  # uncentred: dots kept
    search = _AnnoySearch(space, trees, seed)
    candidates = min(n - 1, CANDIDATE_FACTOR * (exact_k or k) + 10, k + 100) if use_pca else min(n - 1, k + 20)
    candidates = max(candidates, k)
    search_k = trees * (candidates + 1)  # Annoy's own default
    check = max(1, min(recall_k or k, k))
    while True:  # widen the search until the measured recall reaches the target
        rows, sims = search.query(space, vectors if use_pca else None, k, exact_k or k, candidates, search_k,
                                  n_jobs)
        recall = recall_at_k(vectors, rows[:, :check], sims[:, :check], RECALL_SAMPLE, seed, n_jobs)
        if recall is None or recall >= target_recall or search_k >= trees * n:
            method = f"annoy-pca{comps.shape[1]}" if use_pca else "annoy"
            return Graph(rows, sims, method, pca2, recall, search_k, search.index, comps if use_pca else None)
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

    def query(self, space, full, k: int, exact_k: int, candidates: int, search_k: int, n_jobs: int):
        """Top k by cosine in `space`; with `full` (PCA case) the first exact_k are re-scored and
        re-sorted on the full vectors, so page neighbours carry exact similarities."""
        n = len(space)
        rows = np.zeros((n, k), np.int32)
        sims = np.zeros((n, k), np.float32)
        block = 256

        def work(a: int) -> None:
            q = np.arange(a, min(n, a + block))
            cand = np.full((len(q), candidates + 1), -1, np.int64)
            for r, i in enumerate(q):  # Annoy releases the GIL while it searches
                found = self.index.get_nns_by_item(int(i), candidates + 1, search_k=search_k)
                cand[r, : len(found)] = found
            if full is None or not exact_k:
                rows[q], sims[q] = _rank(space, q, cand, k)
                return
            # PCA case: shortlist 2 * exact_k + 10 by projected cosine, pick the exact_k best by
            # exact cosine; the rest of the k (map graph only) keep their projected order.
            width = min(cand.shape[1] - 1, max(k, 2 * exact_k + 10))
            p_rows, p_sims = _rank(space, q, cand, width)
            top = min(exact_k, k)
            e_rows, e_sims = _rank(full, q, p_rows[:, : 2 * exact_k + 10].astype(np.int64), top)
            rows[q, :top], sims[q, :top] = e_rows, e_sims
            if k > top:
                chosen = (p_rows[:, :, None] == e_rows[:, None, :]).any(axis=2)
                order = np.argsort(chosen, axis=1, kind="stable")[:, : k - top]  # unchosen first, in order
                rows[q, top:] = np.take_along_axis(p_rows, order, axis=1)
                sims[q, top:] = np.take_along_axis(p_sims, order, axis=1)

        with ThreadPoolExecutor(max(1, n_jobs)) as pool:
            list(pool.map(work, range(0, n, block)))
        short = np.flatnonzero((rows < 0).any(axis=1))
        if len(short):  # Annoy returned too few candidates (tiny forests): exact for those rows
            rows[short], sims[short] = exact_nearest(full if full is not None else space, k, rows_of=short)
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
    """Keep the Annoy index (and the PCA basis it was built on) for later queries."""
    from pathlib import Path

    if graph.index is None:
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    graph.index.save(str(tmp))
    graph.index.unload()
    os.replace(tmp, path)
    if graph.basis is not None:
        from core.files import save_npy

        save_npy(path.with_suffix(".pca.npy"), graph.basis)


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
