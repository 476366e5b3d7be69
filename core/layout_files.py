"""The layout stage's files in a build folder: neighbours, similarities, coordinates, the map record.

A part of core/workfolder.py's BuildFolder (which spells every work-folder path), split out because
the map record that lets a growing collection keep its map (layout/placement.py) made it long.
Every writer puts its arrays first and its key last, so a build killed in between recomputes.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import StageOrderError
from core.files import load_npy, save_npy, write_bytes, write_text
from core.manifest import Manifest

LAYOUT_ARRAYS = ("neighbours", "similarity", "coords")


@dataclass
class FacetLayout:
    """What layout wrote for one facet, as render reads it."""
    neighbours: np.ndarray  # (N, k) int32 rows
    similarity: np.ndarray  # (N, k) float32 cosine
    coords: np.ndarray  # (N, 2) float32 raw t-SNE

    def xy(self) -> np.ndarray:
        """The map's coordinates normalised into [0, 1] x [0, 1] (aspect kept): what the site draws."""
        return normalise(self.coords)


@dataclass
class PreviousMap:
    """What the last layout of a facet placed: coordinates, whose they are, and how
    (layout/placement.py places new images into it; read from the work folder here)."""
    coords: np.ndarray  # (M, 2) float32
    shas: list[str]  # image SHA-256 of each row
    prints: np.ndarray  # (M, 2) float32 fingerprint of each row's vector (fingerprints())
    settings: dict  # what shapes a map: perplexity, seed, version
    placed: int  # images placed by transform since the map was last laid out afresh


def normalise(coords: np.ndarray) -> np.ndarray:
    """Fit coordinates into [0, 1] x [0, 1] keeping the aspect, centred: the map as render draws it."""
    if len(coords) == 0:
        return coords.astype(np.float32)
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    span = float(max(hi - lo)) or 1.0
    centred = (coords - (lo + hi) / 2.0) / span + 0.5
    return centred.astype(np.float32)


class LayoutFiles:
    """Readers and writers of layout/, neighbours/, similarity/, coords/, annoy/ and focused/."""
    path: Path

    def annoy_path(self, facet: str) -> Path:
        return self.path / "annoy" / f"{facet}.ann"

    def write_annoy(self, facet: str, index) -> None:
        """Keep the Annoy index for later queries (none above ANNOY_FULL_MAX, where FAISS finds the neighbours)."""
        if index is None:
            return
        path = self.annoy_path(facet)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        index.save(str(tmp))
        index.unload()
        os.replace(tmp, path)

    def _array_path(self, name: str, facet: str) -> Path:
        return self.path / name / f"{facet}.npy"

    def layout_key(self, facet: str) -> str | None:
        """The key the facet's layout was last made with, when all its arrays are there."""
        key_file = self.path / "layout" / f"{facet}.key"
        if not key_file.is_file() or not all(self._array_path(a, facet).is_file() for a in LAYOUT_ARRAYS):
            return None
        return key_file.read_text()

    def write_layout(self, manifest: Manifest, facet: str, layout: FacetLayout, key: str, stats: dict,
                     prints: np.ndarray | None = None) -> None:
        """Arrays first, the key last: a build killed in between recomputes, never trusts half.
        The stats record which images, in which row order, the arrays describe, and a digest of
        the map record (coords, image ids, fingerprints) that the next build may place new images into."""
        for name in LAYOUT_ARRAYS:
            array = getattr(layout, name)
            manifest.check_rows(array, f"{name}/{facet}")
            save_npy(self._array_path(name, facet), array)
        stats = dict(stats, rows=rows_digest(manifest))
        if prints is not None:
            manifest.check_rows(prints, f"layout/{facet}.prints")
            ids = manifest.sha_bytes()
            save_npy(self.path / "layout" / f"{facet}.prints.npy", np.asarray(prints, np.float32))
            write_bytes(self.path / "layout" / f"{facet}.ids", ids)
            stats["map_record"] = _map_digest(layout.coords, ids, prints)
        write_text(self.path / "layout" / f"{facet}.json", json.dumps(stats, sort_keys=True) + "\n")
        write_text(self.path / "layout" / f"{facet}.key", key)

    def previous_map(self, facet: str) -> PreviousMap | None:
        """The facet's last map, whatever images it was for, or None when there is none whole
        (a build killed while writing one leaves a record whose digest does not match)."""
        stats = self.layout_stats(facet)
        try:
            coords = load_npy(self._array_path("coords", facet))
            prints = load_npy(self.path / "layout" / f"{facet}.prints.npy")
            ids = (self.path / "layout" / f"{facet}.ids").read_bytes()
        except (OSError, ValueError):
            return None
        if stats.get("map_record") != _map_digest(coords, ids, prints):
            return None
        shas = [ids[i:i + 32].hex() for i in range(0, len(ids), 32)]
        return PreviousMap(coords, shas, prints, stats.get("map_settings"), int(stats.get("placed", 0)))

    def read_layout(self, manifest: Manifest, facet: str) -> FacetLayout:
        if self.layout_key(facet) is None:
            raise StageOrderError(f"no {facet} layout in {self.path}: run `python build.py layout` first")
        arrays = {name: load_npy(self._array_path(name, facet)) for name in LAYOUT_ARRAYS}
        for name, array in arrays.items():
            manifest.check_rows(array, f"{name}/{facet}")
        if self.layout_stats(facet).get("rows") != rows_digest(manifest):  # same count, other images
            raise StageOrderError(f"the {facet} layout in {self.path} is for other images than the manifest "
                                  f"lists (embed ran since): run `python build.py layout` first")
        return FacetLayout(**arrays)

    def focused_key(self) -> str | None:
        """"<rows digest>:<key>" of the class-focused neighbours last written, or None."""
        path = self.path / "focused" / "key"
        return path.read_text() if path.is_file() else None

    def write_focused(self, manifest: Manifest, rows: np.ndarray, sims: np.ndarray, key: str) -> None:
        """Arrays first, the key last (as write_layout)."""
        for name, array in (("rows", rows), ("sims", sims)):
            manifest.check_rows(array, f"focused/{name}")
            save_npy(self.path / "focused" / f"{name}.npy", array)
        write_text(self.path / "focused" / "key", f"{rows_digest(manifest)}:{key}")

    def read_focused(self, manifest: Manifest) -> tuple[np.ndarray, np.ndarray] | None:
        """(rows, sims) of the class-focused neighbours, or None when layout made none for
        these images (render alone after an embed shows none rather than other images')."""
        key = self.focused_key()
        if key is None or not key.startswith(rows_digest(manifest) + ":"):
            return None
        rows, sims = (load_npy(self.path / "focused" / f"{n}.npy") for n in ("rows", "sims"))
        manifest.check_rows(rows, "focused/rows")
        return rows, sims

    def layout_stats(self, facet: str) -> dict:
        try:
            stats = json.loads((self.path / "layout" / f"{facet}.json").read_text())
        except (OSError, ValueError):
            return {}
        return stats if isinstance(stats, dict) else {}


def _map_digest(coords: np.ndarray, ids: bytes, prints: np.ndarray) -> str:
    h = hashlib.sha256(ids)
    for array in (coords, prints):
        h.update(np.ascontiguousarray(array, np.float32).data)
    return h.hexdigest()[:16]


def rows_digest(manifest: Manifest) -> str:
    """Which images, in which row order: arrays made for other rows must never be read as these."""
    return hashlib.sha256("\n".join(im.sha256 for im in manifest.images).encode()).hexdigest()[:16]
