"""Embedded colour profiles: pixels converted to sRGB at decode, and the caches told once.

A photo saved in Adobe RGB or Display P3 (or a CMYK scan, a greyscale with a dot-gain
profile) stores numbers that mean other colours than the same numbers in sRGB, which is
what the model was trained on, what the colour histogram bins and what a browser assumes
for our JPEG copies (they carry no profile). embed/images.py decodes every image once, and
`to_srgb` converts its pixels there with LittleCMS (Pillow's ImageCms), so the CNN input,
the colour vector, the thumbnail and the display copy all see the same, right colours.

Images without a profile, or with an sRGB one (most cameras embed "sRGB IEC61966-2.1"), are
not touched: their pixels, copies and cached vectors stay byte for byte what they were.

The caches are keyed by the file's SHA-256, and vectors made before this conversion existed
are wrong only for the few images with another profile. Changing every cache key would
embed the whole collection again; instead `ProfileRecord` (one small file in the work
folder) remembers which images were looked at: an image it does not know has its header
read once (no pixels decoded), and an image with a profile to convert has its cached
copies and vectors made again, once per cache (each facet's vectors, each size of copies).
"""
from __future__ import annotations

import functools
import io
import json
from dataclasses import dataclass
from pathlib import Path

RECIPE = "srgb-1"  # the conversion below; a new recipe converts every profiled image again
_SRGB_D50 = ((0.4360, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7139))
_MODES = {"RGB ": ("RGB", "RGBA", "RGBX"), "GRAY": ("L",), "CMYK": ("CMYK",)}  # profile space -> modes
_SRGB = None


def _srgb():
    global _SRGB
    if _SRGB is None:
        from PIL import ImageCms

        _SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return _SRGB


@dataclass(frozen=True)
class Profile:
    """An embedded profile to convert from: its bytes and colour space ("RGB ", "GRAY", "CMYK")."""
    icc: bytes
    space: str


def source_profile(mode: str, icc: bytes | None) -> Profile | None:
    """The embedded profile to convert from, or None: no profile, a damaged one (the numbers
    are used as they are, as browsers do), one that is sRGB already, or one that does not
    describe this mode's pixels (an RGB profile on a palette image)."""
    if not icc:
        return None
    space = _space_to_convert(bytes(icc))
    return Profile(bytes(icc), space) if space and mode in _MODES.get(space, ()) else None


@functools.lru_cache(maxsize=64)
def _space_to_convert(icc: bytes) -> str:
    """The profile's colour space, "" when there is nothing to convert (a collection shares
    a few profiles: each is read once)."""
    from PIL import ImageCms

    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc)).profile
        space = profile.xcolor_space
    except Exception:  # noqa: BLE001 - a damaged profile must not lose the image
        return ""
    return "" if space == "RGB " and _is_srgb(profile) else space


def _is_srgb(p) -> bool:
    """An RGB profile whose primaries are sRGB's (its name varies: "sRGB IEC61966-2.1",
    "sRGB built-in", "sRGB2014", ...)."""
    try:
        colorants = (p.red_colorant[0], p.green_colorant[0], p.blue_colorant[0])
        return all(abs(a - b) < 0.003 for got, want in zip(colorants, _SRGB_D50) for a, b in zip(got, want))
    except Exception:  # noqa: BLE001 - a profile without colorants (a lookup-table profile) is converted
        return False


@functools.lru_cache(maxsize=16)
def _transform(icc: bytes, in_mode: str, out_mode: str):
    """LittleCMS's transform from the profile to sRGB, built once per profile and mode (33 ms
    each). Without LittleCMS's one-pixel cache: decode threads share the transform."""
    from PIL import ImageCms

    return ImageCms.buildTransform(ImageCms.ImageCmsProfile(io.BytesIO(icc)), _srgb(), in_mode, out_mode,
                                   renderingIntent=ImageCms.Intent.PERCEPTUAL, flags=ImageCms.Flags.NOCACHE)


def to_srgb(im, profile: Profile | None):
    """The decoded image in sRGB (RGB, or RGBA when it has alpha), or `im` itself when
    `profile` (source_profile of the file) is None. embed/images.py converts greyscale and
    CMYK pixels before they become RGB, and RGB ones once they are reduced to the display
    copy's size (a 12-megapixel photo: 0.3 s of LittleCMS at decode size, a quarter of it there)."""
    if profile is None or im.mode not in _MODES[profile.space]:
        return im
    from PIL import ImageCms

    try:
        return ImageCms.applyTransform(im, _transform(profile.icc, im.mode, "RGBA" if im.mode == "RGBA" else "RGB"))
    except Exception:  # noqa: BLE001 - LittleCMS refused this profile: the pixels as they are
        return im


def needs_conversion(path) -> bool:
    """Whether the file's embedded profile is one to_srgb converts: its header only."""
    from PIL import Image

    from embed.images import FORMATS
    from embed.regular_file import open_regular

    try:
        with open_regular(path) as f, Image.open(f, formats=FORMATS) as im:
            return source_profile(im.mode, im.info.get("icc_profile")) is not None
    except Exception:  # noqa: BLE001 - unreadable: decoding it will say why
        return False


class ProfileRecord:
    """<work>/cache/colour-profiles.json: the images whose profile was looked at.

    "plain": SHA-256s with nothing to convert; "converted": SHA-256 -> the caches (a facet
    key, a copies folder) that hold what was made from the converted pixels."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.plain: set[str] = set()
        self.converted: dict[str, list[str]] = {}
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
            if saved.get("recipe") == RECIPE:
                self.plain = set(saved["plain"])
                self.converted = {k: list(v) for k, v in saved["converted"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # none yet or damaged: images are looked at again (their headers only)
        self.changed = False

    def stale(self, sha: str, full_path) -> list[str] | None:
        """None when the image has nothing to convert, else the caches already made from its
        converted pixels (those not listed must be made again)."""
        if sha in self.plain:
            return None
        if sha not in self.converted:
            self.changed = True
            if not needs_conversion(full_path):
                self.plain.add(sha)
                return None
            self.converted[sha] = []
        return self.converted[sha]

    def made(self, sha: str, caches: list[str]) -> None:
        """The caches `caches` now hold what was made from the image's converted pixels."""
        if sha in self.converted:
            self.converted[sha] = sorted(set(self.converted[sha]) | set(caches))
            self.changed = True

    def computed(self, plan, caches: dict, image_cache) -> None:
        """After the embed stage's jobs ran: what each job made from converted pixels (a job
        that failed made nothing), then save."""
        failed = {s["path"] for s in plan.skipped}
        for job in plan.jobs:
            if job.cand.sha256 in self.converted and job.cand.path not in failed:
                self.made(job.cand.sha256, [caches[f].dir.name for f in job.missing if f in caches]
                          + ([image_cache.dir.name] if job.need_images else []))
        self.save()

    def recipe(self, sha: str) -> str:
        """The manifest's `colour` of an image: RECIPE when its pixels were converted, else ""."""
        return RECIPE if sha in self.converted else ""

    def save(self) -> None:
        if not self.changed:
            return
        from core.files import write_text

        write_text(self.path, json.dumps({"recipe": RECIPE, "plain": sorted(self.plain),
                                          "converted": self.converted}, sort_keys=True, separators=(",", ":")))
        self.changed = False
