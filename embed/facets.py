"""Facets: the kinds of similarity an image can be compared by.

* ``content`` – what is depicted: the backbone's pooled penultimate features
  (``embed.models.Backbone.embed``).
* ``style``   – how it is painted: Gram matrices of early and middle conv layers
  (co-activations of channels averaged over positions, so *where* things are does not
  matter), as in Gatys et al. and "VGG2Vec". The Grams are computed inside the model
  graph (``embed.models.gram_upper``); this module turns them into one short vector.
* ``colour``  – which colours, in what amounts: a soft n x n x n histogram of the whole
  image in CIE Lab.

Every facet's vectors are float32 rows of unit length, so the cosine is a dot product
and Annoy's angular distance applies. ``blend`` mixes facets with weights.

Numpy only: no Keras here (the style model lives in embed/models.py).
"""
from __future__ import annotations

import hashlib
import json

import numpy as np

FACETS = ("content", "style", "colour")

# --- style ---------------------------------------------------------------------------
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


def signed_sqrt(x: np.ndarray) -> np.ndarray:
    return (np.sign(x) * np.sqrt(np.abs(x))).astype(np.float32)


def l2_normalise(v: np.ndarray) -> np.ndarray:
    """Rows to unit length (all-zero rows stay zero)."""
    v = np.asarray(v, np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return (v / np.maximum(norms, 1e-12)).astype(np.float32)


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
    """Reference (numpy) for ``embed.models.gram_upper``: (B, H, W, C) -> (B, C(C+1)/2)."""
    b, h, w, c = act.shape
    f = act.reshape(b, h * w, c).astype(np.float64)
    g = np.einsum("bpc,bpd->bcd", f, f) / (h * w)
    rows, cols = np.triu_indices(c)
    return g[:, rows, cols].astype(np.float32)


# --- colour --------------------------------------------------------------------------
#
# A histogram of all pixels of the small decoded image (whole image, longest side <= 128)
# in CIE Lab (perceptual: equal steps look about equally different), n bins per axis.
# L* in [0, 100] is binned linearly; a* and b* are companded, a / (|a| + AB_SCALE), to
# (-1, 1): linear near grey, where most real pixels are (half the range is |a| < 20),
# and no saturated colour is clamped onto a border bin. Soft binning: every pixel is
# shared between the 2 x 2 x 2 nearest bin centres (trilinear weights), so a colour on a
# bin border is not split arbitrarily and near colours give near vectors.
# Vector = sqrt(histogram / pixel count): unit length, and the cosine of two vectors is
# the Bhattacharyya coefficient of the two colour distributions (1 = same distribution).
#
# Measured precision@10 (bench/facets_bench.py data; demo palette labels / flowers 500):
#   Lab companded 20, 8 bins, soft   0.984 / 0.393   <- default
#   Lab clamped to +-80 (soft/hard)  0.958 / 0.384,  0.907 / 0.394
#   Lab clamped to +-40, soft        0.978 / 0.396   (6 / 10 bins: 0.973 / 0.980)
#   RGB soft / hard                  0.953 / 0.385,  0.944 / 0.392
#   HSV soft / hard                  0.982 / 0.390,  0.934 / 0.403 (hue does not wrap)
COLOUR_BINS = 8
COLOUR_SPACE = "lab"
COLOUR_SOFT = True
AB_SCALE = 20.0
COLOUR_VERSION = 1
COLOUR_SPACES = ("lab", "rgb", "hsv")


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """uint8 sRGB (..., 3) -> CIE L*a*b* (D65), float32 (..., 3)."""
    c = np.asarray(rgb, np.float32) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124564, 0.3575761, 0.1804375],
                  [0.2126729, 0.7151522, 0.0721750],
                  [0.0193339, 0.1191920, 0.9503041]], np.float32)
    xyz = lin @ m.T / np.array([0.95047, 1.0, 1.08883], np.float32)
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])],
                    axis=-1).astype(np.float32)


def _unit_coords(rgb: np.ndarray, space: str) -> np.ndarray:
    """Pixels (P, 3) as coordinates in [0, 1] per axis of the chosen space."""
    if space == "rgb":
        return rgb.astype(np.float32) / 255.0
    if space == "lab":
        lab = srgb_to_lab(rgb)
        ab = lab[:, 1:] / (np.abs(lab[:, 1:]) + np.float32(AB_SCALE))
        return np.clip(np.concatenate([lab[:, :1] / 100.0, (ab + 1) / 2], axis=1), 0.0, 1.0)
    if space == "hsv":
        from PIL import Image

        hsv = np.asarray(Image.fromarray(rgb.reshape(1, -1, 3)).convert("HSV"), np.float32)
        return hsv.reshape(-1, 3) / 255.0
    raise ValueError(f"unknown colour space {space!r}; choose one of: {', '.join(COLOUR_SPACES)}")


def colour_histogram(rgb: np.ndarray, bins: int = COLOUR_BINS, space: str = COLOUR_SPACE,
                     soft: bool = COLOUR_SOFT) -> np.ndarray:
    """uint8 (H, W, 3) -> (bins**3,) float32 histogram that sums to 1 (index = (i*bins + j)*bins + k)."""
    px = np.asarray(rgb)
    if px.dtype != np.uint8 or px.ndim != 3 or px.shape[2] != 3 or px.size == 0:
        raise ValueError(f"colour needs a non-empty uint8 (H, W, 3) array, got {px.dtype} {px.shape}")
    u = _unit_coords(px.reshape(-1, 3), space) * bins  # bin i covers [i, i + 1)
    if not soft:
        idx = np.minimum(u.astype(np.intp), bins - 1)
        flat = (idx[:, 0] * bins + idx[:, 1]) * bins + idx[:, 2]
        hist = np.bincount(flat, minlength=bins ** 3).astype(np.float64)
    else:
        t = u - 0.5  # position relative to bin centres
        i0 = np.floor(t).astype(np.intp)
        frac = t - i0
        hist = np.zeros(bins ** 3, np.float64)
        for corner in range(8):
            bits = [(corner >> a) & 1 for a in range(3)]
            idx = np.clip(i0 + bits, 0, bins - 1)
            w = np.prod(np.where(bits, frac, 1.0 - frac), axis=1)
            hist += np.bincount((idx[:, 0] * bins + idx[:, 1]) * bins + idx[:, 2], weights=w,
                                minlength=bins ** 3)
    return (hist / hist.sum()).astype(np.float32)


def colour_vector(rgb: np.ndarray, bins: int = COLOUR_BINS, space: str = COLOUR_SPACE,
                  soft: bool = COLOUR_SOFT) -> np.ndarray:
    """sqrt of the histogram: unit length; cosine of two = Bhattacharyya coefficient."""
    return np.sqrt(colour_histogram(rgb, bins, space, soft)).astype(np.float32)


def colour_vectors(images, bins: int = COLOUR_BINS, space: str = COLOUR_SPACE,
                   soft: bool = COLOUR_SOFT) -> np.ndarray:
    """A sequence of uint8 (H, W, 3) arrays (e.g. ``Decoded.small_rgb``) -> (N, bins**3)."""
    out = [colour_vector(im, bins, space, soft) for im in images]
    return np.stack(out) if out else np.zeros((0, bins ** 3), np.float32)


# --- blend ---------------------------------------------------------------------------

def blend(vectors: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """Mix facets: cosine(blend_i, blend_j) = sum_f w_f cos_f(i, j) / sum_f w_f.

    Each facet's rows are first made unit length (v_f), then
        b = concat_f sqrt(w_f / W) v_f,   W = sum_f w_f,
    so |b|^2 = sum_f w_f / W = 1 and  b_i . b_j = sum_f (w_f / W) (v_f,i . v_f,j):
    a weight means what it says, whatever each facet's dimension. A facet with weight 0
    (or missing from ``weights``) is left out; the result is then renormalised (a no-op
    unless some facet had an all-zero row). Facets are concatenated in sorted name order.
    """
    bad = {f: w for f, w in weights.items() if not np.isfinite(w) or w < 0}
    if bad:
        raise ValueError(f"blend weights must be finite and >= 0, got {bad}")
    used = sorted(f for f, w in weights.items() if w > 0)
    missing = [f for f in used if f not in vectors]
    if missing:
        raise ValueError(f"blend weights name facets without vectors: {missing}; have {sorted(vectors)}")
    if not used:
        raise ValueError(f"blend needs a positive weight on at least one facet, got {weights}")
    rows = {len(vectors[f]) for f in used}
    if len(rows) != 1:
        raise ValueError(f"facet row counts differ: { {f: len(vectors[f]) for f in used} }")
    total = float(sum(weights[f] for f in used))
    parts = [l2_normalise(vectors[f]) * np.float32(np.sqrt(weights[f] / total)) for f in used]
    return l2_normalise(np.concatenate(parts, axis=1))


# --- cache keys ----------------------------------------------------------------------

def facet_params(facet: str, model_name: str | None = None, style_layers=None) -> dict:
    """The settings that decide a facet's vectors, with today's defaults filled in."""
    if facet == "content":
        return {}
    if facet == "style":
        if style_layers is None:
            from embed.models import DEFAULT_STYLE_LAYERS  # no keras import at module level there

            style_layers = DEFAULT_STYLE_LAYERS[model_name]
        return {"layers": list(style_layers), "dim": STYLE_DIM, "seed": STYLE_SEED, "version": STYLE_VERSION}
    if facet == "colour":
        from embed.images import SMALL_SIDE

        return {"bins": COLOUR_BINS, "space": COLOUR_SPACE, "soft": COLOUR_SOFT, "ab_scale": AB_SCALE,
                "small_side": SMALL_SIDE, "version": COLOUR_VERSION}
    raise ValueError(f"unknown facet {facet!r}; choose one of: {', '.join(FACETS)}")


def facet_cache_key(facet: str, model_key: str, params: dict) -> str:
    """Feature-cache folder name for a facet: changes whenever its vectors would change.

    content: the model key itself (today's cache stays valid);
    style:   model key + digest of params (layers, dim, seed, recipe version);
    colour:  independent of the model: ``colour-<space><bins>-<digest of params>``.
    """
    if facet not in FACETS:
        raise ValueError(f"unknown facet {facet!r}; choose one of: {', '.join(FACETS)}")
    if facet == "content":
        return model_key
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:10]
    if facet == "style":
        return f"{model_key}-style-{digest}"
    return f"colour-{params.get('space', COLOUR_SPACE)}{params.get('bins', COLOUR_BINS)}-{digest}"
