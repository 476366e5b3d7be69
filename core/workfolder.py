"""The work folder: every path of it, its readers and writers, and the row checks.

Stages talk only through these files, so each can be re-run alone, a build resumes,
and the deploy folder never carries caches. No other module spells a work-folder path.

    .lookalike/                           WorkFolder (default next to the config file)
      cache/features/<key>/                      FeatureCache: one memory-mapped array per facet key
        vectors.f32 index.sha store.json lock      rows, their SHA-256s, dim and id (core/feature_store.py)
      cache/images/t<T>-d<D>-v2/<sha[:2]>/       ImageCache: <sha>.thumb.jpg .display.jpg .json
      logs/libraries.log                         TensorFlow's, absl's... own lines (without --verbose)
      builds/<collection>-<hash8>/               BuildFolder: one per collection
        hashes.json                  path, size, mtime -> SHA-256 (skips re-hashing)
        manifest.json                the contract: row i = image i (core/manifest.py)
        manifest.key                 its content's digest: an unchanged manifest is not written again
        features/<facet>.npy         (N, D) float32 unit rows                  embed ->
        features/<facet>.key         which store rows the .npy holds (unchanged: not rewritten)
        neighbours/<facet>.npy       (N, k) int32 rows, nearest first          layout ->
        similarity/<facet>.npy       (N, k) float32 cosine                     layout ->
        coords/<facet>.npy           (N, 2) float32 t-SNE coordinates          layout ->
        annoy/<facet>.ann            the Annoy index, for later queries        layout
        layout/<facet>.key|json      what the layout was made from; its recall and notes
        layout/<facet>.ids|prints.npy  whose each map point is, and its vector's fingerprint:
                                     the next build places new images into this map (layout/placement.py)
        classifier.npy               (D, 1000) float32 ImageNet head weights (tags)   embed ->
        focused/rows|sims.npy, .key  class-focused neighbours (layout/focused.py)  layout ->
        groups/<facet>.json          groups of similar images, named (core/group_files.py)  layout ->
        arrangements/<facet>.json, <facet>-<kind>.npy  grid, timeline, blocks (core/arrangement_files.py)  layout ->
        sites/<hash12>/<record>.json   what render keeps about one output folder (core/site_state.py SiteState)

The layout stage's readers and writers are in core/layout_files.py, core/group_files.py and
core/arrangement_files.py (BuildFolder inherits them).
"""
from __future__ import annotations

import hashlib
import re
import stat
from pathlib import Path

import numpy as np

from core.arrangement_files import Arrangement, ArrangementFiles  # noqa: F401
from core.caches import ImageCache  # noqa: F401 - the work folder hands them out
from core.errors import StageOrderError  # noqa: F401 - stages import it from here
from core.feature_store import FeatureCache  # noqa: F401
from core.files import load_npy, save_npy, write_text
from core.group_files import FacetGroups, Group, GroupFiles  # noqa: F401
from core.layout_files import FacetLayout, LayoutFiles  # noqa: F401
from core.manifest import Manifest
from core.site_state import SiteState


class WorkFolder:
    def __init__(self, root: Path):
        self.root = Path(root)

    def feature_cache(self, key: str) -> "FeatureCache":
        return FeatureCache(self.root / "cache" / "features" / key)

    def image_cache(self, thumb_size: int, display_size: int) -> "ImageCache":
        # v2: bicubic with reducing_gap (embed/copies.py); a new recipe gets a new folder
        return ImageCache(self.root / "cache" / "images" / f"t{thumb_size}-d{display_size}-v2")

    @property
    def colour_profiles(self) -> Path:
        """Which images' embedded colour profiles were looked at (embed/profiles.py ProfileRecord)."""
        return self.root / "cache" / "colour-profiles.json"

    @property
    def library_log(self) -> Path:
        """Where TensorFlow's and other libraries' own log lines go in a normal build (core/console.py)."""
        return self.root / "logs" / "libraries.log"

    def build(self, collection: Path) -> "BuildFolder":
        """One stage folder per collection, named readably and uniquely."""
        resolved = Path(collection).resolve()
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", resolved.name).strip("-") or "collection"
        digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:8]
        return BuildFolder(self, self.root / "builds" / f"{slug}-{digest}")


class BuildFolder(LayoutFiles, GroupFiles, ArrangementFiles):
    def __init__(self, work: WorkFolder, path: Path):
        self.work, self.path = work, Path(path)
        self.hashes = self.path / "hashes.json"
        self.manifest_path = self.path / "manifest.json"
        self._manifest: tuple | None = None  # (file signature, Manifest) last written or read

    # --- manifest and features (embed writes, layout and render read) ---------------------

    def write_manifest(self, manifest: Manifest) -> None:
        """Written only when its content changed: at 100k images serialising it took ~2 s of
        an unchanged rebuild. manifest.key holds the digest of what manifest.json was last
        written with, and that file's signature; it is removed before the manifest is written
        and written after, so a build killed in between leaves none, and a manifest someone
        edited (another signature) is written again."""
        digest = manifest.digest()
        saved = self._manifest_key_path.read_text().split() if self._manifest_key_path.is_file() else []
        if saved[:1] != [digest] or saved[1:] != [str(v) for v in self._manifest_signature() or ()]:
            self._manifest_key_path.unlink(missing_ok=True)
            manifest.write(self.manifest_path)
            write_text(self._manifest_key_path, " ".join([digest, *map(str, self._manifest_signature())]))
        self._manifest = (self._manifest_signature(), manifest)

    @property
    def _manifest_key_path(self) -> Path:
        return self.path / "manifest.key"

    def read_manifest(self) -> Manifest:
        """The manifest, parsed once per build: the stages of one build share this folder,
        and at 100k images each parse took ~2 s. Read-only for the stages that get it; a file
        changed on disk since (another process) is read again."""
        signature = self._manifest_signature()
        if signature is None:
            raise StageOrderError(f"no manifest in {self.path}: run `python build.py embed` for this collection "
                                  f"first (or the whole build, `python build.py --collection ...`)")
        if self._manifest is None or self._manifest[0] != signature:
            self._manifest = (signature, Manifest.read(self.manifest_path))
        return self._manifest[1]

    def _manifest_signature(self) -> tuple | None:
        try:
            st = self.manifest_path.stat()
        except OSError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns) if stat.S_ISREG(st.st_mode) else None

    def features_path(self, facet: str) -> Path:
        return self.path / "features" / f"{facet}.npy"

    def features_key(self, facet: str) -> str | None:
        """What features/<facet>.npy was last written from (embed's stamp), or None when
        there is no stamp or the array is gone or cut short (then embed writes it again)."""
        try:
            key = self._features_key_path(facet).read_text()
            np.load(self.features_path(facet), mmap_mode="r", allow_pickle=False)  # the header and the size
            return key
        except (OSError, ValueError):
            return None

    def _features_key_path(self, facet: str) -> Path:
        return self.path / "features" / f"{facet}.key"

    def write_features(self, manifest: Manifest, facet: str, matrix: np.ndarray, key: str | None = None) -> None:
        """The key goes first and comes back last: a build killed in between leaves none,
        so the next one writes the array again rather than trust it."""
        manifest.check_rows(matrix, f"features/{facet}")
        self._features_key_path(facet).unlink(missing_ok=True)
        save_npy(self.features_path(facet), matrix)
        if key is not None:
            write_text(self._features_key_path(facet), key)

    def read_features(self, manifest: Manifest, facet: str) -> np.ndarray:
        """(N, D) float32, memory-mapped: a 100k x 1,280 matrix is not read until used."""
        path = self.features_path(facet)
        if not path.is_file():
            raise StageOrderError(f"no {facet} vectors in {self.path}: run `python build.py embed` again")
        matrix = np.load(path, mmap_mode="r", allow_pickle=False)
        manifest.check_rows(matrix, f"features/{facet}")
        return matrix

    def write_classifier(self, weights: np.ndarray) -> None:
        save_npy(self.path / "classifier.npy", np.asarray(weights, np.float32))

    def has_classifier(self) -> bool:
        return (self.path / "classifier.npy").is_file()

    def read_classifier(self) -> np.ndarray | None:
        path = self.path / "classifier.npy"
        return load_npy(path) if path.is_file() else None

    # --- render's memory of each output folder ----------------------------------------------

    def site_state(self, out: Path) -> SiteState:
        """What render keeps about one output folder (core/site_state.py), one folder per output
        folder: one site says nothing about another."""
        digest = hashlib.sha256(str(Path(out).resolve()).encode()).hexdigest()[:12]
        return SiteState(self.path / "sites" / digest)
