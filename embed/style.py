"""The style facet: Gram matrices of conv layers -> one short unit vector per image.

How it is painted, not what: co-activations of channels averaged over positions (so
*where* things are does not matter), as in Gatys et al. and "VGG2Vec". The Grams are
computed inside the model graph (``embed.backbones.backbone.gram_upper``); this module
turns them into one vector. Numpy only.
"""
from __future__ import annotations

import numpy as np

from embed.vectors import l2_normalise, signed_sqrt

#
# From Gram upper triangles (one block of C(C+1)/2 numbers per layer) to STYLE_DIM numbers:
#   1. signed square root of every entry (Gram entries are products of activations, heavy
#      tailed; the root is the usual "power normalisation" of second-order pooling),
#   2. L2 normalisation per layer, then a factor 1/sqrt(L): each of the L layers has the
#      same say, whatever its channel count (the full vector has unit length),
#   3. per layer, a seeded subsampled randomised Hadamard transform (SRHT): random signs,
#      fast Walsh-Hadamard transform (orthonormal), keep m_l of its outputs, times
#      sqrt(D_l / m_l). A random projection with orthogonal rows (better than a Gaussian
#      or a count-sketch: measured below) that needs O(d) memory and O(d log d) time,
#      where a dense 610,304 x 1,024 matrix (VGG19) would be 2.5 GB. The budget of
#      STYLE_DIM outputs is shared equally between layers; a layer that fits in its share
#      is kept exactly and its unused share goes to the others ("water filling"),
#   4. L2 normalisation.
# Steps 1-2 give the "full" vector (``style_full``); step 3 approximates its cosines.
# Measured on imagen (efficientnet_lite0, layers of DEFAULT_STYLE_LAYERS, 4,360 -> 1,024):
# recall@10 of reduced against full neighbours 0.824 (seeds 1, 2: 0.820 on average);
# one count-sketch into 1,024: 0.798; a dense Gaussian: 0.806; dense orthogonal per
# layer: 0.828 (recall is limited by near-ties: style neighbours of photos are close).
STYLE_DIM = 1024
STYLE_SEED = 0
STYLE_VERSION = 1  # bump when the recipe above changes (part of the cache key)


def _style_blocks(grams: list[np.ndarray]) -> list[np.ndarray]:
    """Steps 1-2: per layer signed sqrt, unit length, times 1/sqrt(L)."""
    if not grams:
        raise ValueError("style needs at least one layer's Gram matrix")
    scale = 1.0 / np.sqrt(len(grams))
    return [l2_normalise(signed_sqrt(np.asarray(g, np.float32).reshape(len(g), -1))) * np.float32(scale)
            for g in grams]


def style_full(grams: list[np.ndarray]) -> np.ndarray:
    """The unreduced style vectors (N, sum of layer sizes), unit rows: the reference for
    measuring what the reduction loses. Large (VGG19: 610,304 numbers an image)."""
    return np.concatenate(_style_blocks(grams), axis=1)


def share_budget(sizes: list[int], budget: int) -> list[int]:
    """Outputs per layer: equal shares of budget; layers smaller than their share keep all
    their numbers and leave the rest to the others. sum <= budget; m_l <= sizes[l]."""
    out = [0] * len(sizes)
    left, budget = list(range(len(sizes))), int(budget)
    while left:
        share = budget // len(left)
        small = [i for i in left if sizes[i] <= share]
        if not small:
            extra = budget - share * len(left)
            for j, i in enumerate(left):
                out[i] = share + (1 if j < extra else 0)
            break
        for i in small:
            out[i] = sizes[i]
            budget -= sizes[i]
            left.remove(i)
    return out


def fwht(x: np.ndarray) -> np.ndarray:
    """Orthonormal fast Walsh-Hadamard transform of each row; row length a power of two."""
    n, d = x.shape
    if d & (d - 1):
        raise ValueError(f"fwht needs a power-of-two length, got {d}")
    y = np.array(x, np.float32)
    h = 1
    while h < d:
        y = y.reshape(n, -1, 2, h)
        y = np.stack([y[:, :, 0] + y[:, :, 1], y[:, :, 0] - y[:, :, 1]], axis=2)
        h *= 2
    return y.reshape(n, d) * np.float32(1.0 / np.sqrt(d))


def srht(block: np.ndarray, m: int, seed: int, layer: int) -> np.ndarray:
    """(N, d) -> (N, m): E[<Px, Py>] = <x, y>, exact (P orthogonal) when m = padded d."""
    n, d = block.shape
    if m >= d:
        return np.asarray(block, np.float32)
    padded = 1 << (d - 1).bit_length()
    rng = np.random.default_rng([seed, layer, d])
    signs = rng.integers(0, 2, d).astype(np.float32) * 2 - 1
    keep = np.sort(rng.choice(padded, m, replace=False))
    x = np.zeros((n, padded), np.float32)
    x[:, :d] = block * signs
    return fwht(x)[:, keep] * np.float32(np.sqrt(padded / m))


def style_vectors(grams: list[np.ndarray], dim: int = STYLE_DIM, seed: int = STYLE_SEED) -> np.ndarray:
    """Gram upper triangles per layer (each (N, C_l(C_l+1)/2)) -> (N, dim) unit style vectors.

    When the full vector has fewer than ``dim`` numbers it is kept exactly (zero-padded).
    Rows are independent: the same image gives the same vector in any batch.
    """
    blocks = _style_blocks(grams)
    sizes = [b.shape[1] for b in blocks]
    parts = [srht(b, m, seed, i) for i, (b, m) in enumerate(zip(blocks, share_budget(sizes, dim)))]
    out = np.concatenate(parts, axis=1)
    if out.shape[1] < dim:
        out = np.pad(out, ((0, 0), (0, dim - out.shape[1])))
    return l2_normalise(out)


def gram_upper_numpy(act: np.ndarray) -> np.ndarray:
    """Reference (numpy) for ``embed.backbones.gram_upper``: (B, H, W, C) -> (B, C(C+1)/2)."""
    b, h, w, c = act.shape
    f = act.reshape(b, h * w, c).astype(np.float64)
    g = np.einsum("bpc,bpd->bcd", f, f) / (h * w)
    rows, cols = np.triu_indices(c)
    return g[:, rows, cols].astype(np.float32)

