"""The contract between stages: which file is row i, and what was left out.

The manifest is the only map from rows to files. Every stage checks that the
arrays it reads have one row per manifest image; a mismatch is a loud error,
never a silent shift. It also says what the embed stage made for the later
stages (which facets, in which order; the sizes of the image copies), so that
layout and render can run alone on what embed wrote.
"""
from __future__ import annotations

import hashlib
import json
import marshal
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import LookalikeError
from core.files import write_text

VERSION = 2


def fitted_size(width: int, height: int, longest: int) -> tuple[int, int]:
    """Size of a copy whose longest side is at most `longest` (never enlarged, never 0 px).

    The one rule for display copies and thumbnails; pages use it for width/height attributes.
    """
    scale = longest / max(width, height, 1)
    if scale >= 1:
        return width, height
    return max(1, round(width * scale)), max(1, round(height * scale))


def copy_sizes(width: int, height: int, thumb_size: int, display_size: int) -> tuple[tuple, tuple]:
    """(display, thumbnail) sizes as decode() makes them: the thumbnail comes from the display copy."""
    display = fitted_size(width, height, display_size)
    return display, fitted_size(*display, thumb_size)


class RowMismatchError(LookalikeError):
    """An array does not have one row per image of the manifest."""


@dataclass
class ImageRecord:
    id: str
    sha256: str
    path: str  # relative to the collection (posix); the first of identical files
    title: str
    width: int
    height: int
    bytes: int
    also: list[str] = field(default_factory=list)  # identical copies under other names
    meta: dict = field(default_factory=dict)  # columns of the metadata sidecar row, if any
    tags: list = field(default_factory=list)  # [{label, wnid, p, class}] most probable first (embed/tags.py)
    colour: str = ""  # how its embedded colour profile was converted ("srgb-1", embed/profiles.py), "" if not


_RECORD_KEYS = sorted(ImageRecord.__dataclass_fields__)  # "also" first: to_json splits the lines by it


@dataclass
class Manifest:
    collection: str
    model: str
    images: list[ImageRecord]
    skipped: list[dict] = field(default_factory=list)  # {path, reason}
    ignored: list[str] = field(default_factory=list)  # not image files
    metadata: dict = field(default_factory=dict)  # sidecar report: rows, unmatched, images without row
    facets: list[str] = field(default_factory=list)  # feature arrays written, in the site's order
    copies: dict = field(default_factory=dict)  # {"thumb_size", "display_size"} of the image copies
    tagger: dict = field(default_factory=dict)  # {"classes", "top", "floor"}, or {"none": why not}
    vectors: dict = field(default_factory=dict)  # your own vectors' facet: name, file, rows, unmatched (user_vectors)
    version: int = VERSION

    def __len__(self) -> int:
        return len(self.images)

    def check_rows(self, array, what: str) -> None:
        if len(array) != len(self.images):
            raise RowMismatchError(
                f"{what} has {len(array)} rows but the manifest lists {len(self.images)} images; "
                f"the work folder is inconsistent: run `python build.py embed` (or the whole build) again"
            )

    def sha_bytes(self) -> bytes:
        """The images' SHA-256s, 32 bytes each in row order: what stamps and map records name."""
        return b"".join(bytes.fromhex(im.sha256) for im in self.images)

    def to_json(self) -> str:
        """Sorted keys, one image a line: readable, diffable, and written by one call of json's
        C encoder (asdict() and an indented dump took ~8 s at 100k images, a call per image 2.4 s).
        An image's own keys are sorted, but what is inside them keeps its order: `meta` holds the
        catalogue's columns in the catalogue's order, which the pages show, so a stage that reads
        this file back sees what the stage that wrote it had (sort_keys would sort them)."""
        head = {k: v for k, v in vars(self).items() if k != "images"}
        head["images"] = "\0images"  # a place holder no file name can hold (NUL), filled below
        top = json.dumps(head, sort_keys=True, indent=1, ensure_ascii=False)
        rows = json.dumps([{k: d[k] for k in _RECORD_KEYS} for d in map(vars, self.images)],
                          ensure_ascii=False)[1:-1]
        # Each image starts with its first key, "also"; a quote inside a string is escaped, so
        # '}, {"also": ' with a bare quote only ever falls between two images.
        rows = rows.replace('}, {"also": ', '},\n  {"also": ')
        return top.replace('"\\u0000images"', "[\n  " + rows + "\n ]" if rows else "[]", 1)

    def digest(self) -> str:
        """SHA-256 of the whole content, by marshal (0.4 s at 100k images, where to_json takes
        ~2 s): equal digests mean equal manifests, as marshal's bytes give the content back.
        Version 2 writes no back-references, so the bytes do not depend on which objects happen
        to be shared. The same content may still give another digest (another Python, dicts
        filled in another order): that costs one needless write, never a missed one."""
        content = {**vars(self), "images": [vars(im) for im in self.images]}
        return hashlib.sha256(marshal.dumps(content, 2)).hexdigest()

    def write(self, path: Path) -> None:
        write_text(path, self.to_json() + "\n")

    @classmethod
    def read(cls, path: Path) -> "Manifest":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("version") != VERSION:
            raise RowMismatchError(f"{path} has manifest version {data.get('version')}, expected {VERSION}; "
                                   f"run `python build.py embed` (or the whole build) again")
        data["images"] = [ImageRecord(**r) for r in data["images"]]
        return cls(**data)
