"""Brute-force cosine neighbours, and the exact ranking every engine's candidates get.

The reference that recall is measured against, and the last step of every search:
candidates are ordered by exact cosine (ties to the lower row), so every similarity
shown is exact and only the candidate set is approximate.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np

BLOCK = 1024


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
        out_r[a:a + len(q)], out_s[a:a + len(q)] = top(s, ids, k)

    with single_blas_thread(), ThreadPoolExecutor(max(1, n_jobs)) as pool:
        list(pool.map(work, range(0, len(queries), block)))
    return out_r, out_s



def rank(vecs, q: np.ndarray, cand: np.ndarray, k: int):
    """Order each query's candidates by (-cosine in vecs, row); self and padding (-1) drop out."""
    valid = (cand >= 0) & (cand != q[:, None])
    safe = np.where(valid, cand, 0)
    s = np.einsum("bd,bcd->bc", np.asarray(vecs[q], np.float32),
                  np.asarray(vecs[safe.reshape(-1)], np.float32).reshape(*safe.shape, -1))
    s[~valid] = -np.inf
    order = np.lexsort((safe, -s), axis=1)[:, :k]
    rows = np.where(np.take_along_axis(valid, order, axis=1), np.take_along_axis(safe, order, axis=1), -1)
    return rows.astype(np.int32), np.clip(np.take_along_axis(s, order, axis=1), -1.0, 1.0).astype(np.float32)



def top(s: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
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

