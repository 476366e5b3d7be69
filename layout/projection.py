"""2-D map coordinates with openTSNE, safe for collections of any size.

t-SNE needs perplexity < (N - 1) / 3; a setting that is too high for a small
collection is lowered with a message rather than failing. Below five images
t-SNE has nothing to optimise, so a PCA projection places them.
"""
from __future__ import annotations

import numpy as np

MIN_TSNE = 5


def project(vectors: np.ndarray, perplexity: float, seed: int, n_jobs: int = 1,
            notes: list[str] | None = None) -> np.ndarray:
    """(N, 2) float32 coordinates, deterministic for a given seed."""
    notes = notes if notes is not None else []
    n = len(vectors)
    if n == 0:
        return np.zeros((0, 2), np.float32)
    if n < MIN_TSNE:
        if n > 1:
            notes.append(f"map: {n} images are too few for t-SNE; placed by PCA instead")
        return _pca2(vectors)
    limit = (n - 1) / 3.0
    if perplexity >= limit:
        lowered = max(1.0, np.floor(limit * 10) / 10 - 0.1)
        notes.append(f"map: perplexity {perplexity:g} is too high for {n} images; lowered to {lowered:g}")
        perplexity = lowered
    from openTSNE import TSNE

    tsne = TSNE(
        n_components=2, perplexity=perplexity, metric="cosine", random_state=seed,
        n_jobs=n_jobs, initialization="pca", verbose=False,
        neighbors="exact" if n < 1000 else "annoy",
        negative_gradient_method="bh" if n < 10000 else "fft",
    )
    return np.asarray(tsne.fit(vectors.astype(np.float64)), dtype=np.float32)


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


def normalise(coords: np.ndarray) -> np.ndarray:
    """Fit coordinates into [0, 1] x [0, 1] keeping the aspect, centred."""
    if len(coords) == 0:
        return coords.astype(np.float32)
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    span = float(max(hi - lo)) or 1.0
    centred = (coords - (lo + hi) / 2.0) / span + 0.5
    return centred.astype(np.float32)
