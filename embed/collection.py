"""Find the images of a collection, hash them, and say what is left out and why.

Identity is content: an image's id is the first 12 hex characters of its
SHA-256, so renames keep ids and two copies of one file are one image (both
names are reported). Walks are sorted, so row order is reproducible.
"""
from __future__ import annotations

import errno
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from PIL import features

from core.errors import InputError
from core.files import sha256_file, write_text
from core.names import display_path
from embed import filetypes
from embed.regular_file import file_kind

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp",
                    ".jp2", ".j2k"}
if features.check("avif"):
    IMAGE_EXTENSIONS.add(".avif")
UNSUPPORTED_EXTENSIONS = {k: v for k, v in filetypes.UNSUPPORTED_EXTENSIONS.items() if k not in IMAGE_EXTENSIONS}
if ".avif" not in IMAGE_EXTENSIONS:
    UNSUPPORTED_EXTENSIONS[".avif"] = "AVIF image, which this installation cannot read (Pillow without AVIF)"
SKIPPED_DIRS = {"__MACOSX", "node_modules", "_site", ".lookalike", "$RECYCLE.BIN", "System Volume Information"}


@dataclass
class Candidate:
    path: str  # relative to the collection, posix separators; printable (see display_path)
    sha256: str
    size: int
    also: list[str] = field(default_factory=list)  # other paths with identical bytes
    source: str = ""  # the name on disk, when it differs from `path` (a file name that is not UTF-8)

    def __post_init__(self):
        self.source = self.source or self.path

    @property
    def id(self) -> str:
        return self.sha256[:12]

    def full_path(self, root: Path) -> Path:
        """The file to open: `root / path` except for names that are not valid UTF-8."""
        return Path(root) / self.source


@dataclass
class Scan:
    candidates: list[Candidate]
    skipped: list[dict]  # {path, reason}: image files that cannot be used
    ignored: list[str]  # left out on purpose: not images by extension (metadata.csv, README...),
    #                     hidden files, and hidden or system folders (listed once, as "name/")


OUTSIDE_LINK = ("symbolic link to a file outside the collection: not read, so it is never published "
                "([images] follow_links_outside = true uses it)")


def scan(root: Path, hash_cache: Path | None = None, follow_links_outside: bool = False) -> Scan:
    """Walk root (sorted), hash image files, group identical content.

    Never blocks and never raises for one odd entry: named pipes, sockets and devices,
    broken or looping symbolic links, links to files outside the collection (unless
    follow_links_outside), unreadable files and folders are reported in `skipped` with a
    reason; hidden entries are listed in `ignored`.
    """
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"collection folder {root} does not exist or is not a folder")
    inside = os.path.join(os.path.realpath(root), "")  # a link's target must start with this
    known = _load_hash_cache(hash_cache)
    fresh: dict[str, list] = {}
    by_sha: dict[str, Candidate] = {}
    skipped: list[dict] = []
    ignored: list[str] = []
    for rel, full in _walk(root, skipped, ignored):
        shown = display_path(rel)
        suffix = os.path.splitext(rel)[1].lower()
        if suffix in UNSUPPORTED_EXTENSIONS:
            skipped.append({"path": shown, "reason": UNSUPPORTED_EXTENSIONS[suffix]})
            continue
        if suffix not in IMAGE_EXTENSIONS:
            ignored.append(shown)
            continue
        problem, st = _unusable(full, None if follow_links_outside else inside)
        if problem:
            skipped.append({"path": shown, "reason": problem})
            continue
        try:
            stamp = [st.st_size, st.st_mtime_ns]
            entry = known.get(rel)
            sha = entry[2] if isinstance(entry, list) and len(entry) == 3 and entry[:2] == stamp else sha256_file(full)
            fresh[rel] = stamp + [sha]
        except PermissionError:
            skipped.append({"path": shown,
                            "reason": "cannot read file: permission denied (check the file's permissions)"})
            continue
        except OSError as exc:
            skipped.append({"path": shown, "reason": f"cannot read file: {(exc.strerror or str(exc)).lower()}"})
            continue
        if sha in by_sha:
            by_sha[sha].also.append(shown)
        else:
            by_sha[sha] = Candidate(shown, sha, st.st_size, source=rel)
    if hash_cache is not None and fresh != known:  # unchanged: not even serialised (100k entries)
        write_text(hash_cache, json.dumps(fresh, sort_keys=True, separators=(",", ":")))
    candidates = sorted(by_sha.values(), key=lambda c: c.path)
    return Scan(candidates, sorted(skipped, key=lambda x: x["path"]), sorted(ignored))


def _unusable(full: str, inside: str | None = None) -> tuple[str, os.stat_result | None]:
    """Why this directory entry cannot be an image file ('' when it is a regular file with
    bytes), and its stat (one per file: 100k files are scanned on every build; a second only
    for links). `inside`: the collection's real path and a separator, when a link must
    point into it."""
    try:
        st = os.lstat(full)
        link = stat.S_ISLNK(st.st_mode)
        if link:
            st = os.stat(full)  # follows the link
    except FileNotFoundError:
        if os.path.islink(full):
            return f"broken symbolic link: its target {display_path(os.readlink(full))} does not exist", None
        return "file disappeared during the build", None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop (the link points back to itself)", None
        if exc.errno == errno.EACCES:
            return "cannot read file: permission denied (check the file's permissions)", None
        return f"cannot read file: {(exc.strerror or str(exc)).lower()}", None
    if not stat.S_ISREG(st.st_mode):
        return f"not a regular file ({file_kind(st.st_mode)}), so it is not read", st
    if link and inside is not None and not os.path.realpath(full).startswith(inside):
        return OUTSIDE_LINK, st
    if st.st_size == 0:
        return "empty file (0 bytes)", st
    return "", st


def _walk(root: Path, skipped: list[dict], ignored: list[str]):
    """Yield (relative posix path, full path as a str) for every visible entry that is not a
    folder, sorted. Paths are joined as strings: pathlib took half of a 100k-file scan."""

    def unreadable_folder(exc: OSError) -> None:
        rel = Path(exc.filename).relative_to(root).as_posix() if exc.filename else "?"
        reason = "permission denied" if isinstance(exc, PermissionError) else (exc.strerror or str(exc)).lower()
        skipped.append({"path": display_path(rel) + "/", "reason": f"cannot open folder: {reason}"})

    inside = os.path.join(os.path.realpath(root), "")
    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable_folder, followlinks=False):
        base = os.path.relpath(dirpath, root)
        prefix = "" if base == os.curdir else base.replace(os.sep, "/") + "/"
        keep = []
        for d in sorted(dirnames):
            full = os.path.join(dirpath, d)
            rel = display_path(prefix + d)
            if d.startswith(".") or d in SKIPPED_DIRS:
                ignored.append(rel + "/")  # hidden folders, macOS resource forks, our own outputs
                continue
            if os.path.islink(full):
                target = os.path.join(os.path.realpath(full), "")
                where = "" if target.startswith(inside) else " outside the collection"
                skipped.append({"path": rel + "/", "reason": f"symbolic link to a folder{where} (not followed)"})
                continue
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            rel = prefix + name
            if name.startswith(".") or name in ("Thumbs.db", "desktop.ini"):
                ignored.append(display_path(rel))  # hidden files, ._AppleDouble, .DS_Store
                continue
            yield rel, full


def _load_hash_cache(path: Path | None) -> dict:
    if path is None or not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}  # a damaged cache only costs re-hashing


def readable_title(rel_path: str) -> str:
    """'blue_period/old-guitarist_1903.jpg' -> 'old guitarist 1903'."""
    name = rel_path.rpartition("/")[2]  # string operations: Path() cost 1.2 s of a warm 100k build
    dot = name.rfind(".")
    stem = name[:dot] if 0 < dot < len(name) - 1 else name  # Path.stem: a leading or trailing dot is no suffix
    words = stem.replace("_", " ").replace("-", " ").split()
    return " ".join(words) or stem


def unique_titles(paths: list[str]) -> list[str]:
    """Titles from file names; names shared by several images get as much of their folder as
    tells them apart: 'airplane/0000.png', 'cat/0000.png' -> 'airplane / 0000', 'cat / 0000'."""
    titles = [readable_title(p) for p in paths]
    depth = {i: 0 for i in range(len(paths))}
    while True:
        seen: dict[str, list[int]] = {}
        for i, t in enumerate(titles):
            seen.setdefault(t, []).append(i)
        clashes = [i for group in seen.values() if len(group) > 1 for i in group]
        grown = False
        for i in clashes:
            folders = Path(paths[i]).parent.parts
            if depth[i] < len(folders):
                depth[i] += 1
                titles[i] = " / ".join(list(folders[len(folders) - depth[i]:]) + [readable_title(paths[i])])
                grown = True
        if not grown:  # folders exhausted (cat.jpg and cat.png, a_b.png and a-b.png): the names as they are
            left = set(clashes)
            return [paths[i] if i in left else t for i, t in enumerate(titles)]
