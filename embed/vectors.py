"""Unit rows: the form every facet's vectors take, so cosine is a dot product."""
from __future__ import annotations

import numpy as np


def signed_sqrt(x: np.ndarray) -> np.ndarray:
    return (np.sign(x) * np.sqrt(np.abs(x))).astype(np.float32)


def l2_normalise(v: np.ndarray) -> np.ndarray:
    """Rows to unit length (all-zero rows stay zero)."""
    v = np.asarray(v, np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return (v / np.maximum(norms, 1e-12)).astype(np.float32)

