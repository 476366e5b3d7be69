"""The compact index the photo query searches in the visitor's browser (static/photo_query.js).

The content vectors (unit length, 1,280 numbers for the default model) are centred on their
mean, optionally turned onto their first principal axes, and stored as int8 with one scale per
dimension. The browser scores a photo's vector q against row i as

    q . mean + sum_d (R q)_d * scale_d * code_id      (R: the principal axes, or none)

which estimates the cosine q . x_i (the centring moves every score by the same q . mean, so
the order is that of q . x_i, up to what the dimensions dropped and the rounding lose).

The shape is chosen from the collection's size (the rule): every dimension in int8 while the
codes fit FULL_BYTES (12,500 images of 1,280 dimensions: recall@10 about 0.99), else the first
PCA_DIMS principal axes (256 bytes an image: about 0.90-0.93 on imagen). `recall_at_10` measures
the index against the full vectors on the collection itself and the build summary says it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FULL_BYTES = 16_000_000  # the codes of the full vectors up to this size (a phone's download: 16 MB)
PCA_DIMS = 256
PART_BYTES = 16_000_000  # codes split into files of at most this (GitHub's 50 MB file limit, and fetch progress)
RECALL_QUERIES = 300  # images of the collection used as queries to measure recall@10
_CHUNK = 4096


@dataclass(frozen=True)
class CompactIndex:
    mean: np.ndarray  # (D,) float32
    axes: np.ndarray | None  # (d, D) float32 principal axes, None: all D dimensions
    scales: np.ndarray  # (d,) float32
    codes: np.ndarray  # (N, d) int8

    @property
    def dims(self) -> int:
        return int(self.codes.shape[1])

    def scores(self, query: np.ndarray) -> np.ndarray:
        """(N,) estimated cosines of each row to the query rows: (Q, D) -> (Q, N), as the browser computes them."""
        q = np.atleast_2d(np.asarray(query, np.float32))
        z = q if self.axes is None else q @ self.axes.T
        z = z * self.scales
        out = np.empty((len(q), len(self.codes)), np.float32)
        for start in range(0, len(self.codes), _CHUNK):
            out[:, start:start + _CHUNK] = z @ self.codes[start:start + _CHUNK].astype(np.float32).T
        return out + (q @ self.mean)[:, None]


def choose_dims(rows: int, dims: int) -> int:
    """The rule: every dimension while the int8 codes fit FULL_BYTES, else PCA_DIMS axes."""
    return dims if rows * dims <= FULL_BYTES else min(PCA_DIMS, dims)


def make_index(features: np.ndarray, dims: int | None = None) -> CompactIndex:
    """The compact index of (N, D) unit vectors (deterministic: same vectors, same bytes)."""
    n, full = features.shape
    dims = choose_dims(n, full) if dims is None else dims
    mean = np.zeros(full, np.float64)
    for start in range(0, n, _CHUNK):
        mean += np.asarray(features[start:start + _CHUNK], np.float64).sum(axis=0)
    mean /= max(n, 1)
    axes = None if dims >= full else _principal_axes(features, mean, dims)
    projected = [_project(np.asarray(features[s:s + _CHUNK], np.float64) - mean, axes) for s in range(0, n, _CHUNK)]
    y = np.concatenate(projected) if projected else np.zeros((0, dims))
    top = np.abs(y).max(axis=0) if n else np.ones(dims)
    scales = np.where(top > 0, top / 127.0, 1.0)
    codes = np.clip(np.rint(y / scales), -127, 127).astype(np.int8)
    return CompactIndex(mean.astype(np.float32), None if axes is None else axes.astype(np.float32),
                        scales.astype(np.float32), codes)


def _project(x: np.ndarray, axes: np.ndarray | None) -> np.ndarray:
    return x if axes is None else x @ axes.T


def _principal_axes(features: np.ndarray, mean: np.ndarray, dims: int) -> np.ndarray:
    """The first `dims` eigenvectors of the covariance, each signed so its largest entry is positive."""
    full = features.shape[1]
    cov = np.zeros((full, full), np.float64)
    for start in range(0, len(features), _CHUNK):
        x = np.asarray(features[start:start + _CHUNK], np.float64) - mean
        cov += x.T @ x
    values, vectors = np.linalg.eigh(cov)
    axes = vectors[:, np.argsort(-values, kind="stable")[:dims]].T
    signs = np.sign(axes[np.arange(len(axes)), np.abs(axes).argmax(axis=1)])
    return axes * np.where(signs == 0, 1.0, signs)[:, None]


def recall_at_10(features: np.ndarray, index: CompactIndex, queries: int = RECALL_QUERIES, seed: int = 0) -> float:
    """Mean share of each sampled image's 10 nearest (by the full vectors, itself left out) that
    the compact index also ranks in its first 10; 1.0 for a collection of 11 images or fewer."""
    n = len(features)
    k = min(10, n - 1)
    if k < 1:
        return 1.0
    rows = np.sort(np.random.default_rng(seed).choice(n, size=min(queries, n), replace=False))
    q = np.asarray(features[rows], np.float32)
    exact = np.empty((len(rows), n), np.float32)
    for start in range(0, n, _CHUNK):
        exact[:, start:start + _CHUNK] = q @ np.asarray(features[start:start + _CHUNK], np.float32).T
    approx = index.scores(q)
    found = 0
    for j, row in enumerate(rows):
        exact[j, row] = approx[j, row] = -np.inf  # itself: trivially first in both
        want = set(np.argpartition(-exact[j], k)[:k].tolist())
        got = set(np.argpartition(-approx[j], k)[:k].tolist())
        found += len(want & got)
    return found / (k * len(rows))


def parts(index: CompactIndex, part_bytes: int = PART_BYTES) -> list[bytes]:
    """The codes as files of whole rows, each at most part_bytes."""
    per = max(1, part_bytes // max(1, index.dims))
    raw = np.ascontiguousarray(index.codes)
    return [raw[start:start + per].tobytes() for start in range(0, max(1, len(raw)), per)]


def header(index: CompactIndex) -> bytes:
    """float32 little-endian: the mean (D), the scales (d), then the axes (d x D) when reduced."""
    pieces = [index.mean, index.scales] + ([] if index.axes is None else [index.axes.ravel()])
    return b"".join(np.asarray(p, "<f4").tobytes() for p in pieces)
