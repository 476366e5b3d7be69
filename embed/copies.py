"""The copies made from one decode: the CNN input crop, the display copy, the thumbnail,
the small image for the colour histogram; their sizes by one rule, and their JPEG bytes."""
from __future__ import annotations

import io

import numpy as np
from PIL import Image

from core.manifest import copy_sizes, fitted_size  # noqa: F401 - the one rule, in the contract

JPEG_QUALITY = 85
SMALL_SIDE = 128  # enough pixels for a colour histogram, cheap to keep per image


CROP_FRACTION = 0.875  # the ImageNet evaluation recipe: resize to 256, centre crop 224


def model_crop(im: Image.Image, size: int) -> np.ndarray:
    """Centre square of 87.5% of the short side, resized to size x size.

    Measured on imagen (precision@4 of neighbours): 0.38 with this crop against
    0.34 for squashing the whole image, as the network was trained on crops.
    A 1-pixel strip still gives a valid input (its centre, stretched).
    """
    w, h = im.size
    side = min(w, h) * CROP_FRACTION
    left, top = (w - side) / 2, (h - side) / 2
    box = (left, top, left + side, top + side)
    return np.asarray(im.resize((size, size), Image.BICUBIC, box=box, reducing_gap=3.0))


def fit(im: Image.Image, longest: int) -> Image.Image:
    """Shrink so the longest side is at most `longest` (never enlarge, never 0 px)."""
    size = fitted_size(*im.size, longest)
    if size == im.size:
        return im
    # Pillow's own thumbnail() recipe: a box reduction to within 2x, then bicubic. Half the
    # time of LANCZOS from the full decode (docs/benchmarks.md), no visible difference.
    return im.resize(size, Image.BICUBIC, reducing_gap=2.0)


def jpeg(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return buf.getvalue()
