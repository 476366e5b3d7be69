"""Decode each image once, upright and in RGB, at no more resolution than needed.

One decode feeds the CNN input, the thumbnail and the display copy, in sRGB (an embedded
colour profile is converted: embed/profiles.py). JPEGs use
Pillow's draft mode (DCT scaling), so a 24-megapixel photo is decoded at an
eighth of its size when that still covers the largest output we write; other
formats are box-reduced right after decoding, before any colour conversion.

Robustness rules (a museum export holds every kind of odd file):
- only regular files are opened (a named pipe called x.jpg must not hang the build;
  embed/regular_file.py);
- the pixel limit is checked from the header, before any pixel is decoded, and
  names the size ("too many pixels (52,000 x 40,000)"); it counts the pixels that
  really have to be held in memory, so a huge baseline JPEG decoded at 1/8 scale passes;
- at most one large image is decoded at a time, so memory stays bounded with many threads;
- every failure inside Pillow becomes an ImageDecodeError with a plain-language reason;
  problems with the file itself (gone, permission denied) are ImageReadError, which
  says nothing about the content and so must not be cached as "bad content".
"""
from __future__ import annotations

import threading
import warnings
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile

from embed.copies import SMALL_SIDE, fit, jpeg, model_crop
from embed.filetypes import describe_unreadable, format_name
from embed.profiles import source_profile, to_srgb
from embed.regular_file import open_regular

ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file is reported, not half-drawn
# decode() checks the size itself, from the header, thread-safely, with a reason that names
# the size; Pillow's global check (a warning, then an error at twice the limit) is replaced.
Image.MAX_IMAGE_PIXELS = None
# Damaged EXIF is common and harmless here (we only read the orientation); keep logs quiet.
warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")

BACKGROUND = (255, 255, 255)  # transparent areas are shown on white, like a page
MAX_PIXELS = 200_000_000  # default [images] max_pixels: about 0.8 GB for the largest decode
BIG_PIXELS = 16_000_000  # decodes above this run one at a time (memory stays bounded)
_BIG_DECODE = threading.Lock()  # replaced by one lock shared by all decode processes


def share_big_decode_lock(lock) -> None:
    """Initializer of a decode worker process: big decodes wait for each other across processes."""
    global _BIG_DECODE
    _BIG_DECODE = lock

# Formats decode() opens. Others that Pillow knows are refused on purpose: EPS would
# start Ghostscript on a file that merely claims to be an image.
# (MPO, the multi-picture JPEG of some cameras, is opened by the JPEG plugin.)
Image.init()
FORMATS = tuple(f for f in ("JPEG", "PNG", "GIF", "TIFF", "WEBP", "BMP", "DIB", "JPEG2000", "AVIF",
                            "PPM", "TGA", "ICO", "PCX", "SGI", "QOI", "PSD") if f in Image.OPEN)


class ImageDecodeError(Exception):
    """The file's content cannot be used as an image; the message is the reason users see."""


@dataclass
class Decoded:
    width: int  # original size, after EXIF rotation
    height: int
    model_input: np.ndarray | None  # (S, S, 3) uint8, or None when not asked for
    small_rgb: np.ndarray  # whole image, longest side <= SMALL_SIDE, uint8 (colour facet)
    thumb_jpeg: bytes
    display_jpeg: bytes


def decode(path, model_size: int | None, thumb_size: int, display_size: int,
           max_pixels: int | None = None) -> Decoded:
    """Open path once and produce everything later stages need from its pixels."""
    limit = MAX_PIXELS if max_pixels is None else max_pixels
    f = open_regular(path)
    fmt = None
    with f:
        head = f.read(512)
        f.seek(0)
        try:
            with Image.open(f, formats=FORMATS) as im:
                fmt = im.format
                rgb, width, height, profile = _load_upright(im, display_size, limit)
        except ImageDecodeError:
            raise
        except Image.UnidentifiedImageError:
            raise ImageDecodeError(describe_unreadable(head, Path(path).suffix)) from None
        except MemoryError:
            raise ImageDecodeError(f"not enough memory to decode this {format_name(fmt, Path(path).suffix)}; "
                                   f"lower [images] max_pixels or use fewer workers") from None
        except OSError as exc:  # Pillow's way of saying truncated / broken data stream
            name = format_name(fmt, Path(path).suffix)
            raise ImageDecodeError(f"damaged or truncated {name}: {_pillow_says(exc)}") from None
        except Exception as exc:  # noqa: BLE001 - malformed files raise anything (struct.error, KeyError...)
            name = format_name(fmt, Path(path).suffix)
            raise ImageDecodeError(f"damaged {name} file, it cannot be decoded: {_pillow_says(exc)}") from None
    display = to_srgb(fit(rgb, display_size), profile)  # an RGB profile: at display size, 4x fewer pixels
    thumb = fit(display, thumb_size)
    model_input = model_crop(display, model_size) if model_size else None
    small = np.asarray(fit(thumb, SMALL_SIDE))
    return Decoded(width, height, model_input, small, jpeg(thumb), jpeg(display))


def too_many_pixels(width: int, height: int, limit: int) -> str:
    return (f"too many pixels ({width:,} x {height:,}): the limit is {limit:,} pixels; "
            f"raise [images] max_pixels to allow it")


def _load_upright(im: Image.Image, display_size: int, limit: int) -> tuple[Image.Image, int, int, object]:
    """First frame, decoded small, in RGB, upright; the original upright size; and the RGB
    profile its pixels are still in (None: sRGB already; embed/profiles.py)."""
    if getattr(im, "n_frames", 1) > 1:
        im.seek(0)  # animated GIF/WebP, multi-page TIFF: the first frame stands for the file
    w, h = im.size
    if w < 1 or h < 1:
        raise ImageDecodeError(f"the image has no pixels ({w} x {h})")
    orientation = _orientation(im)
    width, height = (h, w) if orientation in (5, 6, 7, 8) else (w, h)
    if im.format in ("JPEG", "MPO") and not im.info.get("progressive"):
        # Baseline JPEG: DCT scaling decodes at 1/2..1/8 size. Progressive JPEGs keep all
        # coefficients in memory whatever the scale, so they count at full size.
        im.draft("RGB", (display_size, display_size))
    cost = im.size[0] * im.size[1]
    if cost > limit:
        raise ImageDecodeError(too_many_pixels(width, height, limit))
    with _BIG_DECODE if cost > BIG_PIXELS else nullcontext():
        im.load()
        small = _reduce(im, display_size)
        profile = source_profile(im.mode, im.info.get("icc_profile"))  # the file's own mode, as needs_conversion
        if profile is not None and small.mode in ("L", "CMYK"):  # converted before they become RGB
            small, profile = to_srgb(small, profile), None
        rgb = to_rgb(small)
    return _transpose(rgb, orientation), width, height, profile


def _orientation(im: Image.Image) -> int:
    try:
        value = im.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001 - broken EXIF must not lose the image
        return 1
    if isinstance(value, (tuple, list)) and value:
        value = value[0]
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


_TRANSPOSE = {
    2: [Image.Transpose.FLIP_LEFT_RIGHT], 3: [Image.Transpose.ROTATE_180], 4: [Image.Transpose.FLIP_TOP_BOTTOM],
    5: [Image.Transpose.TRANSPOSE], 6: [Image.Transpose.ROTATE_270], 7: [Image.Transpose.TRANSVERSE],
    8: [Image.Transpose.ROTATE_90],
}


def _transpose(im: Image.Image, orientation: int) -> Image.Image:
    for method in _TRANSPOSE.get(orientation, []):
        im = im.transpose(method)
    return im


def _reduce(im: Image.Image, display_size: int) -> Image.Image:
    """Cheap integer box reduction right after decoding, keeping the longest side >= display_size."""
    factor = max(im.size) // display_size
    if factor < 2:
        return im
    if im.mode.startswith("I;16"):
        im = _grey16_to_l(im)
    elif im.mode not in ("L", "LA", "RGB", "RGBA", "CMYK", "I", "F", "RGBX", "YCbCr"):
        im = to_rgb(im)  # palette and 1-bit pixels must not be averaged as numbers
    return im.reduce(factor)


def _grey16_to_l(im: Image.Image) -> Image.Image:
    arr = np.asarray(im).astype(np.uint16, copy=False)
    return Image.fromarray((arr >> 8).astype(np.uint8), "L")


def to_rgb(im: Image.Image) -> Image.Image:
    """Any mode (16-bit, palette+transparency, grey+alpha, CMYK...) to 8-bit RGB on white."""
    if im.mode.startswith("I;16"):
        im = _grey16_to_l(im)
    elif im.mode == "I":
        arr = np.asarray(im)
        hi = int(arr.max()) if arr.size else 0
        lo = int(arr.min()) if arr.size else 0
        if lo >= 0 and hi <= 255:
            out = arr
        elif lo >= 0 and hi <= 65535:
            out = arr // 257  # 16-bit data stored as 32-bit integers
        else:
            out = (arr.astype(np.float64) - lo) * (255.0 / ((hi - lo) or 1))
        im = Image.fromarray(np.clip(out, 0, 255).astype(np.uint8), "L")
    elif im.mode == "F":
        arr = np.nan_to_num(np.asarray(im, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
        lo, hi = (float(arr.min()), float(arr.max())) if arr.size else (0.0, 0.0)
        im = Image.fromarray(((arr - lo) * (255.0 / ((hi - lo) or 1.0))).astype(np.uint8), "L")
    if im.mode == "P" and "transparency" in im.info:
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA", "La", "RGBa", "PA"):
        im = im.convert("RGBA")
        base = Image.new("RGB", im.size, BACKGROUND)
        base.paste(im, mask=im.getchannel("A"))
        return base
    try:
        return im.convert("RGB")  # CMYK (Pillow handles Adobe's inverted JPEGs), L, P, YCbCr...
    except ValueError:
        raise ImageDecodeError(f"colour mode {im.mode} is not supported: save the image as RGB") from None


def _pillow_says(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."
