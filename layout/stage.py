"""The layout stage: features -> neighbours, similarities, 2-D coordinates.

Results are cached in the build folder under a key made of the feature bytes
and the settings that shape them, so an unchanged rebuild skips t-SNE entirely.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.files import load_npy, save_npy, write_text
from core.progress import say
from layout import neighbours as nn
from layout.projection import project


@dataclass
class FacetLayout:
    neighbours: np.ndarray  # (N, k) int32 rows
    similarity: np.ndarray  # (N, k) float32 cosine
    coords: np.ndarray  # (N, 2) float32 raw t-SNE
    cached: bool = False
    notes: list[str] = field(default_factory=list)


def run_layout(facet: str, features: np.ndarray, build_dir: Path, settings, quiet: bool = False) -> FacetLayout:
    n = len(features)
    k = min(settings.k, max(n - 1, 0))
    params = {"k": k, "trees": settings.trees, "perplexity": settings.perplexity, "seed": settings.seed, "v": 1}
    key = _key(features, params)
    paths = {name: build_dir / name / f"{facet}.npy" for name in ("neighbours", "similarity", "coords")}
    key_file = build_dir / "layout" / f"{facet}.key"
    notes: list[str] = []
    if settings.k > k:
        notes.append(f"neighbours: k = {settings.k} is more than the other {n - 1} images; using k = {k}")
    if key_file.exists() and key_file.read_text() == key and all(p.exists() for p in paths.values()):
        try:
            loaded = {name: load_npy(p) for name, p in paths.items()}
            say(f"layout[{facet}]: reusing cached neighbours and map", quiet)
            return FacetLayout(loaded["neighbours"], loaded["similarity"], loaded["coords"], True, notes)
        except (OSError, ValueError):
            pass  # damaged cache: recompute below
    say(f"layout[{facet}]: {n} images, k = {k}, Annoy with {settings.trees} trees", quiet)
    if n >= 2:
        index = nn.build_index(features, settings.trees, settings.seed)
        rows, sims = nn.nearest(index, n, k)
        nn.save_index(index, build_dir / "annoy" / f"{facet}.ann")
    else:
        rows, sims = np.zeros((n, 0), np.int32), np.zeros((n, 0), np.float32)
    say(f"layout[{facet}]: t-SNE map (perplexity {settings.perplexity:g}, seed {settings.seed})", quiet)
    coords = project(features, settings.perplexity, settings.seed, notes=notes)
    for note in notes:
        say(note, quiet)
    for name, arr in (("neighbours", rows), ("similarity", sims), ("coords", coords)):
        save_npy(paths[name], arr)
    write_text(key_file, key)
    return FacetLayout(rows, sims, coords, False, notes)


def _key(features: np.ndarray, params: dict) -> str:
    h = hashlib.sha256(np.ascontiguousarray(features, np.float32).tobytes())
    h.update(json.dumps(params, sort_keys=True).encode())
    return h.hexdigest()
