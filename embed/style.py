"""The style facet: channel statistics of conv layers -> one short unit vector per image.

How it is painted, not what: statistics of a layer's activations averaged over positions (so
*where* things are does not matter). Two kinds, both computed inside the model graph
(``embed.backbones.backbone``) so the big activations never reach numpy:

* ``moments:<layer>`` – each channel's mean and standard deviation over positions (the
  statistics adaptive instance normalisation transfers; Huang & Belongie 2017),
* ``gram:<layer>`` (or a bare layer name) – the Gram matrix of channel co-activations
  (Gatys et al., "VGG2Vec"), as its upper triangle.

This module turns them into one vector (``style_recipe_vectors``). Numpy only.

Recipe 2 (STYLE_VERSION 2, the default since issue 26 "Style that finds the painter"), when
any ``moments:`` layer is named:
  1. per moments layer, the mean vector and the std vector are each made unit length (no
     power normalisation: it measured worse), each of the 2L blocks weighted 1/sqrt(2L);
     when they are more than STYLE_DIM - GRAM_DIM_WITH_MOMENTS numbers (VGG, ResNet), they
     are sketched (SRHT, below) into that many, shared between blocks; then unit length;
  2. the Gram layers, reduced as in recipe 1 below to GRAM_DIM_WITH_MOMENTS numbers, times
     GRAM_WEIGHT (so they carry GRAM_WEIGHT^2 / (1 + GRAM_WEIGHT^2) = 11% of the cosine);
  3. concatenated, zero-padded to STYLE_DIM, unit length.
For efficientnet_lite0: moments of block4c_add, block5c_add, block6d_add (80 + 112 + 192
channels: 768 numbers, kept exactly) + the Gram of block4c_add (3,240 numbers sketched to 256):
1,024 numbers. Why these: docs/benchmarks.md ("Style that finds the painter") and the table
in embed/backbones/registry.py.

Recipe 1 (the seed's; still what a list of bare layer names gives, e.g. VGG-19's five
layers of Gatys et al.): Gram matrices only, reduced to STYLE_DIM as follows.
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
# Measured on imagen (efficientnet_lite0, the seed's SEED_STYLE_LAYERS, 4,360 -> 1,024):
# recall@10 of reduced against full neighbours 0.824 (seeds 1, 2: 0.820 on average);
# one count-sketch into 1,024: 0.798; a dense Gaussian: 0.806; dense orthogonal per
# layer: 0.828 (recall is limited by near-ties: style neighbours of photos are close).
STYLE_DIM = 1024
STYLE_SEED = 0
STYLE_VERSION = 2  # bump when the recipe changes (part of the cache key): 1 Grams only, 2 moments + Gram
GRAM_DIM_WITH_MOMENTS = 256  # numbers of the Gram part next to moments (recipe 2)
GRAM_WEIGHT = 0.35  # length of the Gram part against the unit moments part (recipe 2)
STYLE_KINDS = ("moments", "gram")


def parse_style_layer(entry: str) -> tuple[str, str]:
    """"moments:block4c_add" -> ("moments", "block4c_add"); a bare name is a Gram layer
    (the seed's lists, e.g. ``style_layers = ["block1_conv2", ...]``, mean what they meant)."""
    kind, sep, layer = str(entry).partition(":")
    if not sep:
        return "gram", kind
    if kind not in STYLE_KINDS or not layer:
        raise ValueError(f"style layer {entry!r}: write a layer name, or 'moments:<layer>' / 'gram:<layer>'")
    return kind, layer


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



# --- recipe 2: moments (+ Gram) ------------------------------------------------------

def _split(entries, outputs) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The graph's outputs, one per entry, sorted into (moments (N, 2C) each, Grams)."""
    entries, outputs = list(entries), list(outputs)
    if len(entries) != len(outputs):
        raise ValueError(f"{len(entries)} style layers but {len(outputs)} outputs")
    if not entries:
        raise ValueError("style needs at least one layer")
    kinds = [parse_style_layer(e)[0] for e in entries]
    moments = [np.asarray(o, np.float32) for o, k in zip(outputs, kinds) if k == "moments"]
    grams = [o for o, k in zip(outputs, kinds) if k == "gram"]
    return moments, grams


def _moment_blocks(moments: list[np.ndarray]) -> list[np.ndarray]:
    """Step 1: per layer mean and std (the two halves of its output) each unit, times 1/sqrt(2L)."""
    scale = np.float32(1.0 / np.sqrt(2 * len(moments)))
    out = []
    for m in moments:
        if m.shape[1] % 2:
            raise ValueError(f"a moments output has {m.shape[1]} numbers: expected mean and std, C each")
        c = m.shape[1] // 2
        out += [l2_normalise(m[:, :c]) * scale, l2_normalise(m[:, c:]) * scale]
    return out


def _moments_part(moments: list[np.ndarray], budget: int, seed: int) -> np.ndarray:
    blocks = _moment_blocks(moments)
    sizes = [b.shape[1] for b in blocks]
    if sum(sizes) <= budget:
        return l2_normalise(np.concatenate(blocks, axis=1))
    # layer ids from 1000 on: never the same random signs as a Gram layer's
    parts = [srht(b, m, seed, 1000 + i) for i, (b, m) in enumerate(zip(blocks, share_budget(sizes, budget)))]
    return l2_normalise(np.concatenate(parts, axis=1))


def style_recipe_vectors(entries, outputs, dim: int = STYLE_DIM, seed: int = STYLE_SEED) -> np.ndarray:
    """The style graph's outputs (one per entry of ``entries``, e.g.
    ``DEFAULT_STYLE_LAYERS[model]``) -> (N, dim) unit style vectors.

    Only Gram layers: recipe 1 (``style_vectors``). With moments layers: recipe 2 (see the
    top of this module). Rows are independent: the same image gives the same vector in any batch.
    """
    moments, grams = _split(entries, outputs)
    if not moments:
        return style_vectors(grams, dim, seed)
    gdim = GRAM_DIM_WITH_MOMENTS if grams else 0
    parts = [_moments_part(moments, dim - gdim, seed)]
    if grams:
        parts.append(style_vectors(grams, gdim, seed) * np.float32(GRAM_WEIGHT))
    out = np.concatenate(parts, axis=1)
    if out.shape[1] < dim:
        out = np.pad(out, ((0, 0), (0, dim - out.shape[1])))
    return l2_normalise(out)


def style_recipe_full(entries, outputs) -> np.ndarray:
    """Unreduced counterpart of ``style_recipe_vectors`` (moments and Grams kept whole, same
    weights): the reference for measuring what the sketch loses."""
    moments, grams = _split(entries, outputs)
    if not moments:
        return style_full(grams)
    parts = [l2_normalise(np.concatenate(_moment_blocks(moments), axis=1))]
    if grams:
        parts.append(l2_normalise(style_full(grams)) * np.float32(GRAM_WEIGHT))
    return l2_normalise(np.concatenate(parts, axis=1))


def moments_numpy(act: np.ndarray) -> np.ndarray:
    """Reference (numpy) for ``embed.backbones.backbone.channel_moments``: (B, H, W, C) ->
    (B, 2C), each channel's mean then each channel's (population) standard deviation."""
    b, h, w, c = act.shape
    f = act.reshape(b, h * w, c).astype(np.float64)
    return np.concatenate([f.mean(1), f.std(1)], axis=1).astype(np.float32)
