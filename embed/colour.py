"""The colour facet: which colours, in what amounts (a soft histogram in CIE Lab). Numpy only."""
from __future__ import annotations

import numpy as np

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

