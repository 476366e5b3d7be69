"""Recall@k of a neighbour search, measured on a sample against brute force."""
from __future__ import annotations

import numpy as np

from layout.search.exact import exact_nearest

RECALL_SAMPLE = 200


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

