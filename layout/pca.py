"""Principal components: the t-SNE initialisation (layout/neighbours.py Graph.pca2)."""
from __future__ import annotations

import numpy as np

PCA_SAMPLE = 20000  # rows used to fit the projection


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



def project(vectors: np.ndarray, mean: np.ndarray, comps: np.ndarray) -> np.ndarray:
    out = np.empty((len(vectors), comps.shape[1]), np.float32)
    shift = (mean.astype(np.float32) @ comps)
    for a in range(0, len(vectors), 8192):
        out[a:a + 8192] = np.asarray(vectors[a:a + 8192], np.float32) @ comps - shift
    return out

