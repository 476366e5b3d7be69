"""2-D map coordinates with openTSNE, safe for collections of any size.

The map reuses the neighbour graph of layout/neighbours.py (exact cosine
similarities of the full vectors, 3 x perplexity neighbours per image), so
openTSNE never searches neighbours itself; it starts from the first two
principal components, and uses FFT-interpolated gradients from 10,000 images
(Barnes-Hut below). Both cores are used; openTSNE sums its gradient terms in
fixed per-thread chunks, and the byte-identical output of repeated runs is
checked by tests/test_projection.py and bench/layout_bench.py.

t-SNE needs perplexity < (N - 1) / 3; a setting that is too high for a small
collection is lowered with a message rather than failing. Below five images
t-SNE has nothing to optimise, so a PCA projection places them.
"""
from __future__ import annotations

import os

import numpy as np

from core.layout_files import normalise  # noqa: F401 - the map as render draws it (core: the contract)

MIN_TSNE = 5
FFT_FROM = 10000
EXAGGERATION_ITERS, ITERS = 250, 500  # openTSNE's defaults: the two phases of the optimisation
TSNE_ITERATIONS = EXAGGERATION_ITERS + ITERS
PROGRESS_EVERY = 25  # iterations between progress updates


def graph_size(n: int, perplexity: float) -> int:
    """Neighbours per image that t-SNE uses at this perplexity (openTSNE's 3 x perplexity)."""
    return max(0, min(n - 1, int(3 * effective_perplexity(n, perplexity))))


def effective_perplexity(n: int, perplexity: float) -> float:
    limit = (n - 1) / 3.0
    if n >= MIN_TSNE and perplexity >= limit:
        return max(1.0, np.floor(limit * 10) / 10 - 0.1)
    return perplexity


def map_warnings(n: int, perplexity: float) -> list[str]:
    """What project() warns about for n images at this perplexity (PCA instead, a lowered perplexity)."""
    if n < MIN_TSNE:
        return [f"map: {n} images are too few for t-SNE; placed by PCA instead"] if n > 1 else []
    lowered = effective_perplexity(n, perplexity)
    return [f"map: perplexity {perplexity:g} is too high for {n} images; lowered to {lowered:g}"] \
        if lowered != perplexity else []


def project(vectors: np.ndarray, perplexity: float, seed: int, n_jobs: int | None = None,
            log=None, graph=None, on_progress=None) -> np.ndarray:
    """(N, 2) float32 coordinates, deterministic for a given seed.

    log: the build's reporter (core/log.py), told map_warnings() as warnings.
    graph: a layout.neighbours.Graph of the same (unit) vectors with at least
    graph_size(N, perplexity) neighbours; computed here when not given.
    on_progress(iterations): told every PROGRESS_EVERY of the TSNE_ITERATIONS iterations.
    """
    from layout import neighbours as nn

    n = len(vectors)
    n_jobs = n_jobs or os.cpu_count() or 1
    for warning in map_warnings(n, perplexity) if log is not None else ():
        log.warning(warning)
    if n == 0:
        return np.zeros((0, 2), np.float32)
    if n < MIN_TSNE:
        return _pca2(vectors)
    perplexity = effective_perplexity(n, perplexity)
    k = graph_size(n, perplexity)
    if graph is None or graph.rows.shape[1] < k:
        unit = _unit(vectors)
        graph = nn.knn_graph(unit, k, seed=seed, n_jobs=n_jobs)
    from openTSNE import TSNE
    from openTSNE.affinity import PerplexityBasedNN
    from openTSNE.nearest_neighbors import PrecomputedNeighbors

    rows = np.ascontiguousarray(graph.rows[:, :k], np.int64)
    # openTSNE's "cosine" metric works on Annoy's angular distance sqrt(2 - 2 cos): same here
    dist = np.sqrt(np.maximum(0.0, 2.0 - 2.0 * graph.sims[:, :k].astype(np.float64)))
    affinities = PerplexityBasedNN(perplexity=perplexity, knn_index=PrecomputedNeighbors(rows, dist),
                                   n_jobs=n_jobs, random_state=seed)
    init = graph.pca2.astype(np.float64)
    spread = init[:, 0].std()
    if not np.all(np.isfinite(init)) or spread == 0:
        init = np.random.default_rng(seed).normal(size=(n, 2))
        spread = init[:, 0].std()
    init = init / spread * 1e-4  # openTSNE's recommended initial scale
    progress = {}
    if on_progress is not None:
        def tell(iteration, error, embedding):  # openTSNE's callback: returning True would stop it
            on_progress(PROGRESS_EVERY)
            return False
        progress = {"callbacks": tell, "callbacks_every_iters": PROGRESS_EVERY}
    tsne = TSNE(n_components=2, n_jobs=n_jobs, random_state=seed, verbose=False,
                early_exaggeration_iter=EXAGGERATION_ITERS, n_iter=ITERS,
                negative_gradient_method="bh" if n < FFT_FROM else "fft", **progress)
    return np.asarray(tsne.fit(affinities=affinities, initialization=init), dtype=np.float32)


def _unit(vectors: np.ndarray) -> np.ndarray:
    v = np.asarray(vectors, np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.where(norms > 0, norms, 1.0)


def _pca2(vectors: np.ndarray) -> np.ndarray:
    x = vectors - vectors.mean(axis=0)
    out = np.zeros((len(x), 2), np.float32)
    if len(x) < 2 or not np.any(x):
        return out
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    comps = u[:, :2] * s[:2]
    for c in range(comps.shape[1]):  # fix the sign so reruns agree
        if comps[np.argmax(np.abs(comps[:, c])), c] < 0:
            comps[:, c] = -comps[:, c]
    out[:, : comps.shape[1]] = comps
    return out
