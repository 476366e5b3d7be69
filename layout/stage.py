"""The layout stage: features/<facet>.npy -> neighbours, similarities and 2-D coordinates.

    run(folder, settings, log) -> LayoutReport   (settings: the layout view, [neighbours] and [map])

One neighbour search serves both outputs: the k nearest per image for the pages and
the 3 x perplexity nearest that t-SNE needs (layout/neighbours.py measures its recall on
a sample against brute force; the report carries the figure). Each facet's result is
kept under a key of the feature bytes and the settings that shape it ([neighbours] k and
trees, [map] perplexity and seed; nothing else), so an unchanged rebuild skips t-SNE.
Features are read memory-mapped and in blocks. What the user should know (k or the perplexity
lowered, why a map was laid out afresh) goes to log.warning, so it reaches the summary once,
from a cached layout too (its record keeps the warnings it was made with).
Last, each facet's other arrangements (grid, timeline, blocks: layout/arrangements.py), cached too.
"""
from __future__ import annotations

import hashlib
import json
import os
import time

import numpy as np

from core.reports import FacetLayoutReport, LayoutReport
from core.workfolder import BuildFolder, FacetLayout, StageOrderError
from layout import arrangements, placement, user_coords
from layout import neighbours as nn
from layout.projection import MIN_TSNE, TSNE_ITERATIONS, graph_size, map_warnings, project
from layout.search.recall import RECALL_SAMPLE

MAP_VERSION = 1  # of what a map record means: placing into a map of another version lays it out afresh


def run(folder: BuildFolder, settings, log) -> LayoutReport:
    start = time.perf_counter()
    manifest = folder.read_manifest()
    reports = [_facet(folder, manifest, facet, settings, log) for facet in manifest.facets]
    _groups(folder, manifest, reports, settings, log)
    focused = _focused(folder, manifest, log)
    arranged = arrangements.run(folder, manifest, settings.map, log)  # after the groups: blocks may follow them
    return LayoutReport(reports, time.perf_counter() - start, focused, arranged)


def _groups(folder: BuildFolder, manifest, reports, settings, log) -> None:
    """Groups of similar images on each facet's map, named (layout/group_step.py)."""
    from layout.group_step import facet_groups, namer_for

    namer = namer_for(manifest)
    for report in reports:
        report.groups = facet_groups(folder, manifest, report.facet, report, settings, namer, log)


def _focused(folder: BuildFolder, manifest, log) -> dict:
    """Class-focused neighbours (layout/focused.py) for images with a tag; {} when there are no
    tags or content vectors. Returns what the summary says: images, classes, seconds."""
    weights = folder.read_classifier() if "content" in manifest.facets and "none" not in manifest.tagger else None
    if weights is None:
        return {}
    from layout.focused import EXACT_MAX, FOCUSED_VERSION, K, focused_neighbours, tag_pools

    top = np.array([im.tags[0]["class"] if im.tags else -1 for im in manifest.images], np.int64)
    content = folder.read_features(manifest, "content")
    key = _key(folder, "content", content,
               {"classes": top.tolist(), "k": K, "v": FOCUSED_VERSION, "weights": float(weights.sum())})
    tagged, classes = int((top >= 0).sum()), int(len(np.unique(top[top >= 0])))
    saved = folder.focused_key()
    if saved is not None and saved.endswith(":" + key) and folder.read_focused(manifest) is not None:
        return {"images": tagged, "classes": classes, "seconds": 0.0, "cached": True}
    t = time.perf_counter()
    log.info(f"layout[focused]: {tagged} images, similar as their top class ({classes} classes)")
    pools = tag_pools([im.tags for im in manifest.images]) if len(manifest) > EXACT_MAX else None
    rows, sims = focused_neighbours(content, top, weights, pools=pools)
    folder.write_focused(manifest, rows, sims, key)
    return {"images": tagged, "classes": classes, "seconds": round(time.perf_counter() - t, 2), "cached": False}


def _facet(folder: BuildFolder, manifest, facet: str, settings, log) -> FacetLayoutReport:
    neighbours, map = settings.neighbours, settings.map
    features = folder.read_features(manifest, facet)
    n = len(features)
    k = min(neighbours.k, max(n - 1, 0))
    params = {"k": k, "perplexity": map.perplexity, "seed": map.seed, "v": 4, "trees": neighbours.trees,
              "target_recall": nn.TARGET_RECALL, "full_max": nn.ANNOY_FULL_MAX, "shape": list(features.shape)}
    if map.coordinates:  # your own map: its bytes join the key ([map] coordinates, layout/user_coords.py)
        params["coordinates"] = user_coords.digest(map.coordinates)
    key = _key(folder, facet, features, params)
    if neighbours.k > k:
        log.warning(f"neighbours: k = {neighbours.k} is more than the other {n - 1} images; using k = {k}")
    stats = folder.layout_stats(facet)
    if folder.layout_key(facet) == key and not (map.relayout and stats.get("placed")):
        try:
            folder.read_layout(manifest, facet)
            log.info(f"layout[{facet}]: reusing cached neighbours and map")
            for note in stats.get("notes", []):  # what was said when it was made holds still
                log.warning(note)
            return FacetLayoutReport(facet, k, True, stats.get("recall"), stats.get("method", "annoy"),
                                     stats.get("search_k", 0), map_how="cached")
        except (OSError, ValueError, StageOrderError):
            pass  # damaged arrays, or made for other rows: recompute below
    k_graph = max(k, graph_size(n, map.perplexity))
    engine = f"Annoy, {neighbours.trees} trees" if n <= nn.ANNOY_FULL_MAX else "FAISS IVF"
    log.info(f"layout[{facet}]: {n} images, the {k_graph} nearest of each ({engine}): {k} for the pages, "
             f"{k_graph} for the map (t-SNE uses 3 x perplexity)" if k_graph > k else
             f"layout[{facet}]: {n} images, the {k} nearest of each ({engine})")
    unit = _unit_rows(features)
    graph = nn.knn_graph(unit, k_graph, seed=map.seed, trees=neighbours.trees, recall_k=k)
    folder.write_annoy(facet, graph.index)
    if graph.recall is not None:
        how = (f"Annoy {neighbours.trees} trees, search_k {graph.search_k}" if graph.method == "annoy"
               else f"FAISS IVF, {graph.method.removeprefix('faiss-ivf ')}, above {nn.ANNOY_FULL_MAX:,} images")
        log.info(f"neighbours[{facet}]: recall@{k} {graph.recall:.3f} against exact search on "
                 f"{min(n, RECALL_SAMPLE)} images ({how})")
    coords, prints, placed, warnings = _map(folder, manifest, facet, unit, graph, map, log)
    layout = FacetLayout(graph.rows[:, :k].copy(), graph.sims[:, :k].copy(), coords)
    stats = {"recall": graph.recall, "search_k": graph.search_k, "method": graph.method,
             "notes": [n for n in warnings if n != placed.why_afresh],  # why it was laid out afresh is this
             "map_settings": _map_settings(map), "placed": placed.placed}   # build's news, not the next one's
    folder.write_layout(manifest, facet, layout, key, stats, prints)
    how = "given" if map.coordinates else "t-SNE" if placed.old_of_row is None else "placed" if placed.added else "kept"
    return FacetLayoutReport(facet, k, False, graph.recall, graph.method, graph.search_k, map_how=how,
                             placed=placed.added, kept=placed.kept, removed=placed.removed)


def _map_settings(map) -> dict:
    """What shapes a map (a change lays it out afresh); k and trees do not; your own map does."""
    given = {"coordinates": user_coords.digest(map.coordinates)} if map.coordinates else {}
    return {"perplexity": map.perplexity, "seed": map.seed, "v": MAP_VERSION, **given}


def _map(folder, manifest, facet, unit, graph, map, log):
    """The facet's 2-D coordinates: the last map with the new images placed into it, or a fresh
    t-SNE (layout/placement.py decides). Returns coords, fingerprints, the Placement, and the
    warnings said (kept in the layout's record, to be said again when it is reused)."""
    prints = placement.fingerprints(unit)
    if map.coordinates:
        coords = user_coords.place(map.coordinates, manifest, graph, facet, folder.work.root.parent, log)
        return coords, prints, placement.Placement(None), []
    previous = folder.previous_map(facet)
    decision = placement.decide(previous, [im.sha256 for im in manifest.images], prints, _map_settings(map),
                                map.relayout, MIN_TSNE)
    if decision.old_of_row is not None:
        if decision.why_afresh:
            log.warning(decision.why_afresh)
        log.info(f"layout[{facet}]: {decision.added} new images placed into the map of the {decision.kept} already "
                 f"on it (openTSNE transform); those keep their places")
        with log.progress(f"place {facet}", placement.ITERATIONS if decision.added else 0,
                          unit="iterations") as progress:
            coords = placement.place(unit, graph, decision, previous, map.seed, n_jobs=os.cpu_count() or 1,
                                     on_progress=progress.advance)
        return coords, prints, decision, [decision.why_afresh] if decision.why_afresh else []
    warnings = [decision.why_afresh] * bool(decision.why_afresh) + map_warnings(len(unit), map.perplexity)
    for warning in warnings:  # before the progress bar, not through it
        log.warning(warning)
    with log.progress(f"map {facet}", TSNE_ITERATIONS if len(unit) >= MIN_TSNE else 0,
                      unit="iterations") as progress:
        coords = project(unit, map.perplexity, map.seed, graph=graph, on_progress=progress.advance)
    return coords, prints, decision, warnings


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


def _key(folder: BuildFolder, facet: str, features: np.ndarray, params: dict) -> str:
    """What the layout is made from: embed's stamp of features/<facet>.npy (which store rows it
    holds; reading it costs nothing) or, without one, the hash of the array's bytes (1.1 GB for
    three facets at 100k images: seconds of every warm build), and the settings."""
    stamp = folder.features_key(facet)
    h = hashlib.sha256()
    if stamp:
        h.update(b"stamp:" + stamp.encode())
    else:
        arr = np.ascontiguousarray(features, np.float32)  # no copy for a float32 (memory-mapped) matrix
        for a in range(0, len(arr), 4096):  # hash in blocks: no second copy of the matrix in memory
            h.update(np.ascontiguousarray(arr[a:a + 4096]).data)
    h.update(json.dumps(params, sort_keys=True).encode())
    return h.hexdigest()
