"""Class-focused similarity: "similar as a golden retriever", not just similar.

The re-weighting trick of the semantic-search design Lookalike grew from: multiply each
image's pooled features by the classifier weights of one class, w_c (1280,), so that each
dimension counts as much as it counts towards that class, and compare the results by
cosine. Two photos of golden retrievers come close because of what makes them golden
retrievers to the model, not because of the lawn they share. Each image gets the nearest
images as its own top class (its first tag); one weighted matrix per distinct class.

Exact (brute force, in blocks): cost = classes x N x D for the weighting plus N x N x D for
the products, about a second at 1,000 images and minutes at 100,000 (said in the summary).
"""
from __future__ import annotations

import numpy as np

FOCUSED_VERSION = 1
K = 12  # images listed per page under "Similar as <class>"
EXACT_MAX = 20_000  # above this many images, each class is searched among the images tagged with it


def focused_neighbours(content: np.ndarray, top_class: np.ndarray, weights: np.ndarray, k: int = K,
                       pools: dict | None = None, block: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """(N, k) rows and cosines of each image's nearest images, features weighted by the
    classifier weights of its top class; rows without a class (or a pool to search) are -1.

    cos_c(i, j) = sum_d x_id x_jd w_cd^2 / (|x_i * w_c| |x_j * w_c|): the weighting goes on
    the query side only, and every image's weighted norm for every class is one product,
    (x * x) @ (W * W), so no weighted copy of the matrix is ever made. `pools`: class ->
    the rows to search (default: all rows).
    """
    n = len(content)
    k = max(0, min(k, n - 1))
    rows = np.full((n, k), -1, np.int32)
    sims = np.zeros((n, k), np.float32)
    if k == 0:
        return rows, sims
    x = np.asarray(content, np.float32)
    w2 = np.square(weights, dtype=np.float32)
    classes = np.unique(top_class[top_class >= 0])
    norms = np.sqrt(np.maximum(np.square(x) @ w2[:, classes], 1e-24))  # (N, classes)
    for ci, c in enumerate(classes):
        members = np.flatnonzero(top_class == c)
        pool = np.arange(n) if pools is None else np.asarray(pools.get(int(c), members), np.int64)
        if len(pool) < 2:
            continue
        xp = x if pools is None else x[pool]  # no copy of the whole matrix per class
        kk = min(k, len(pool) - 1)
        for a in range(0, len(members), block):
            q = members[a:a + block]
            s = ((x[q] * w2[:, c]) @ xp.T) / (norms[q, ci][:, None] * norms[pool, ci][None, :])
            s[pool[None, :] == q[:, None]] = -np.inf  # not itself
            part = np.argpartition(-s, kk - 1, axis=1)[:, :kk] if kk < len(pool) else np.argsort(-s, axis=1)[:, :kk]
            best = np.take_along_axis(s, part, axis=1)
            order = np.lexsort((part, -best), axis=1)
            rows[q, :kk] = pool[np.take_along_axis(part, order, axis=1)]
            sims[q, :kk] = np.take_along_axis(best, order, axis=1)
    return rows, sims


def tag_pools(tags: list[list[dict]]) -> dict:
    """class -> the rows whose tags include it (the search pools above EXACT_MAX images)."""
    pools: dict = {}
    for row, image_tags in enumerate(tags):
        for t in image_tags:
            pools.setdefault(t["class"], []).append(row)
    return pools
