"""Annoy, the product's neighbour engine: a seeded forest, candidates re-ranked exactly.

Integer ids are manifest rows. Built single-threaded (Annoy's threaded build is not
reproducible); queries run in threads into fixed rows, so the same vectors and seed
give byte-identical lists. The index is kept in the work folder for later queries
(core/workfolder.py).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from layout.search.exact import exact_nearest, rank


class AnnoySearch:
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
            rows[q], sims[q] = rank(vectors, q, cand, k)

        with ThreadPoolExecutor(max(1, n_jobs)) as pool:
            list(pool.map(work, range(0, n, block)))
        short = np.flatnonzero((rows < 0).any(axis=1))
        if len(short):  # Annoy returned too few candidates (tiny forests): exact for those rows
            rows[short], sims[short] = exact_nearest(vectors, k, rows_of=short)
        return rows, sims
