"""FAISS inverted-file search, for collections above ANNOY_FULL_MAX (layout/neighbours.py).

At 100,000 images Annoy takes longer than brute force for recall 0.95; an IVF index
takes about half as long, and at 1,000,000 its queries take 0.02-0.05 x brute force's
(bench/knn_bench.py).
Inner product on unit vectors is cosine. FAISS only proposes candidates: they are
re-ranked by exact cosine (layout/search/exact.py), like Annoy's, so every similarity
is exact and ties go to the lower row.

Reproducible: the training sample and FAISS' k-means are seeded, and training and
adding run on one OpenMP thread; queries are independent, so their thread count does
not change a byte.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np

from layout.search.exact import exact_nearest, rank

TRAIN_PER_LIST = 40  # training points per inverted list (fewer where N < 40 nlist: all rows)
KMEANS_ITERS = 10
ADD_BLOCK = 65536
QUERY_BLOCK = 8192
RANK_BLOCK = 512


def lists_for(n: int) -> int:
    """nlist ~ 4 sqrt(N), the usual FAISS rule (566 at 20,000 images, 1,265 at 100,000)."""
    return max(1, min(n, int(round(4 * np.sqrt(n)))))


@contextmanager
def omp_threads(count: int):
    """FAISS' OpenMP thread count for the duration (a process-wide setting: put it back)."""
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(max(1, count))
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


class FaissIVFSearch:
    """An IndexIVFFlat (inner product) over `space`, trained on a seeded sample of its rows."""

    def __init__(self, space, seed: int):
        import faiss

        n, d = space.shape
        self.nlist = lists_for(n)
        self.index = faiss.IndexIVFFlat(faiss.IndexFlatIP(d), d, self.nlist, faiss.METRIC_INNER_PRODUCT)
        self.index.cp.seed = seed
        self.index.cp.niter = KMEANS_ITERS
        self.index.cp.min_points_per_centroid = 1  # just above 20,000 rows there are ~35 a list: fine, no warning
        sample = np.sort(np.random.default_rng(seed).choice(n, min(n, TRAIN_PER_LIST * self.nlist),
                                                            replace=False))
        with omp_threads(1):
            self.index.train(np.ascontiguousarray(space[sample], np.float32))
            for a in range(0, n, ADD_BLOCK):  # ids are rows: added in order
                self.index.add(np.ascontiguousarray(space[a:a + ADD_BLOCK], np.float32))

    def query(self, vectors, k: int, candidates: int, nprobe: int, n_jobs: int):
        """Top k of each row: the index's `candidates` (+ self) ordered by exact cosine (then row)."""
        n = len(vectors)
        rows = np.zeros((n, k), np.int32)
        sims = np.zeros((n, k), np.float32)
        self.index.nprobe = min(nprobe, self.nlist)
        with omp_threads(n_jobs), ThreadPoolExecutor(max(1, n_jobs)) as pool:
            for a in range(0, n, QUERY_BLOCK):
                b = min(n, a + QUERY_BLOCK)
                _, cand = self.index.search(np.ascontiguousarray(vectors[a:b], np.float32), candidates + 1)

                def work(c: int, a=a, b=b, cand=cand) -> None:
                    q = np.arange(a + c, min(b, a + c + RANK_BLOCK))
                    rows[q], sims[q] = rank(vectors, q, cand[c:c + len(q)], k)

                list(pool.map(work, range(0, b - a, RANK_BLOCK)))
        short = np.flatnonzero((rows < 0).any(axis=1))
        if len(short):  # the probed lists held too few rows: exact for those
            rows[short], sims[short] = exact_nearest(vectors, k, rows_of=short)
        return rows, sims
