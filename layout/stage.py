"""The layout stage: features -> neighbours, similarities, 2-D coordinates.

One neighbour search serves both outputs: the k nearest per image for the pages
and the 3 x perplexity nearest that t-SNE needs (layout/neighbours.py measures
its recall on a sample against brute force; the build summary shows it).
Results are cached in the build folder under a key made of the feature bytes
and the settings that shape them, so an unchanged rebuild skips t-SNE entirely.
`features` may be memory-mapped (np.load(path, mmap_mode="r")): it is read in blocks.
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
from layout.projection import graph_size, project


@dataclass
class FacetLayout:
    neighbours: np.ndarray  # (N, k) int32 rows
    similarity: np.ndarray  # (N, k) float32 cosine
    coords: np.ndarray  # (N, 2) float32 raw t-SNE
    cached: bool = False
    notes: list[str] = field(default_factory=list)
    recall: float | None = None  # neighbour recall@k measured on a sample (1.0 = exact search)


def run_layout(facet: str, features: np.ndarray, build_dir: Path, settings, quiet: bool = False) -> FacetLayout:
    n = len(features)
    k = min(settings.k, max(n - 1, 0))
    params = {"k": k, "perplexity": settings.perplexity, "seed": settings.seed, "v": 2,
              "trees": settings.trees, "target_recall": nn.TARGET_RECALL, "full_max": nn.ANNOY_FULL_MAX,
              "shape": list(features.shape)}
    key = _key(features, params)
    paths = {name: build_dir / name / f"{facet}.npy" for name in ("neighbours", "similarity", "coords")}
    key_file = build_dir / "layout" / f"{facet}.key"
    stats_file = build_dir / "layout" / f"{facet}.json"
    notes: list[str] = []
    if settings.k > k:
        notes.append(f"neighbours: k = {settings.k} is more than the other {n - 1} images; using k = {k}")
    if key_file.exists() and key_file.read_text() == key and all(p.exists() for p in paths.values()):
        try:
            loaded = {name: load_npy(p) for name, p in paths.items()}
            stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
            say(f"layout[{facet}]: reusing cached neighbours and map", quiet)
            notes += stats.get("notes", [])
            return FacetLayout(loaded["neighbours"], loaded["similarity"], loaded["coords"], True, notes,
                               stats.get("recall"))
        except (OSError, ValueError):
            pass  # damaged cache: recompute below
    k_graph = max(k, graph_size(n, settings.perplexity))
    engine = f"Annoy, {settings.trees} trees" if n <= nn.ANNOY_FULL_MAX else "cell search"
    say(f"layout[{facet}]: {n} images, {k_graph} nearest each ({engine})", quiet)
    unit = _unit_rows(features)
    graph = nn.knn_graph(unit, k_graph, seed=settings.seed, trees=settings.trees, recall_k=k)
    rows, sims = graph.rows[:, :k].copy(), graph.sims[:, :k].copy()
    nn.save_index(graph, build_dir / "annoy" / f"{facet}.ann")
    if graph.recall is not None:
        notes.append(f"neighbours[{facet}]: recall@{k} {graph.recall:.3f} against exact search on "
                     f"{min(n, nn.RECALL_SAMPLE)} images ("
                     + (f"Annoy {settings.trees} trees, search_k {graph.search_k})" if graph.method == "annoy"
                        else f"cell search {graph.method[5:]} cells per cell, above {nn.ANNOY_FULL_MAX:,} images)"))
    say(f"layout[{facet}]: t-SNE map (perplexity {settings.perplexity:g}, seed {settings.seed})", quiet)
    coords = project(unit, settings.perplexity, settings.seed, notes=notes, graph=graph)
    for note in notes:
        say(note, quiet)
    for name, arr in (("neighbours", rows), ("similarity", sims), ("coords", coords)):
        save_npy(paths[name], arr)
    write_text(stats_file, json.dumps({"recall": graph.recall, "search_k": graph.search_k, "method": graph.method,
                                       "notes": [x for x in notes if not x.startswith("neighbours: k =")]},
                                      sort_keys=True) + "\n")
    write_text(key_file, key)
    return FacetLayout(rows, sims, coords, False, notes, graph.recall)


def _unit_rows(features: np.ndarray) -> np.ndarray:
    """The matrix itself when its rows are unit length (the contract: no copy of a memory map),
    else a normalised copy, so that cosine = dot product for every facet."""
    for a in range(0, len(features), 8192):
        norms = np.linalg.norm(np.asarray(features[a:a + 8192], np.float32), axis=1)
        if np.any(np.abs(norms - 1.0) > 1e-3):
            v = np.asarray(features, np.float32)
            n = np.linalg.norm(v, axis=1, keepdims=True)
            return (v / np.where(n > 0, n, 1.0)).astype(np.float32)
    return features


def _key(features: np.ndarray, params: dict) -> str:
    h = hashlib.sha256()
    arr = np.ascontiguousarray(features, np.float32)  # no copy for a float32 (memory-mapped) matrix
    for a in range(0, len(arr), 4096):  # hash in blocks: no second copy of the matrix in memory
        h.update(np.ascontiguousarray(arr[a:a + 4096]).data)
    h.update(json.dumps(params, sort_keys=True).encode())
    return h.hexdigest()
