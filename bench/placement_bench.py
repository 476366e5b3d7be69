#!/usr/bin/env python3
"""A grown collection: placing the new images into the last map against laying it out afresh.

    .venv/bin/python bench/placement_bench.py                     # 10k + 100, 100k + 1,000
    .venv/bin/python bench/placement_bench.py --sizes 20000 --added 0.05

Clustered synthetic vectors (bench/layout_bench.py's, like real CNN features). A map of N
images is made as a build would (neighbour graph, openTSNE); then N x --added images arrive,
the neighbour graph of all of them is made (a build needs it for the pages either way), and
the map is (a) placed into with layout/placement.py and (b) laid out afresh with t-SNE.
Printed per size: seconds of each and their ratio, how far any old point moved, and the
share of each new point's 10 nearest old points on the map that are of its own cluster,
beside the same share for the points of the fresh map. One run each; nothing is asserted.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.layout_bench import PERPLEXITY, SEED, TREES, K, clustered  # noqa: E402


def _graph(unit):
    from layout import neighbours as nn
    from layout.projection import graph_size

    return nn.knn_graph(unit, max(K, graph_size(len(unit), PERPLEXITY)), seed=SEED, trees=TREES, recall_k=K)


def _own_cluster(xy_from, labels_from, xy_ref, labels_ref, k=10, exclude_self=False):
    from scipy.spatial import cKDTree

    _, near = cKDTree(xy_ref).query(xy_from, k=k + int(exclude_self))
    near = near[:, int(exclude_self):]
    return float((labels_ref[near] == labels_from[:, None]).mean())


def one(n: int, added: float) -> dict:
    from layout import placement as pl
    from layout.projection import project

    m = max(1, int(n * added))
    x, labels = clustered(n + m, seed=1)
    new_rows = np.random.default_rng(2).choice(n + m, m, replace=False)
    is_new = np.zeros(n + m, bool)
    is_new[new_rows] = True
    old_x, old_labels = x[~is_new], labels[~is_new]
    shas = [f"{i:064x}" for i in range(n + m)]
    old_shas = [s for s, new in zip(shas, is_new) if not new]
    settings = {"perplexity": PERPLEXITY, "seed": SEED, "v": 1}

    t = time.perf_counter()
    old_map = project(old_x, PERPLEXITY, SEED, graph=_graph(old_x))
    first = time.perf_counter() - t
    previous = pl.PreviousMap(old_map, old_shas, pl.fingerprints(old_x), settings, 0)
    t = time.perf_counter()
    graph = _graph(x)
    graph_s = time.perf_counter() - t

    t = time.perf_counter()
    decision = pl.decide(previous, shas, pl.fingerprints(x), settings, False, 5)
    placed = pl.place(x, graph, decision, previous, SEED, n_jobs=os.cpu_count() or 1)
    place_s = time.perf_counter() - t
    t = time.perf_counter()
    fresh = project(x, PERPLEXITY, SEED, graph=graph)
    fresh_s = time.perf_counter() - t

    moved = float(np.abs(placed[~is_new] - old_map).max())
    sample = np.random.default_rng(3).choice(n, min(n, 2000), replace=False)
    return dict(n=n, added=m, first_map_s=round(first, 1), graph_s=round(graph_s, 1), place_s=round(place_s, 2),
                fresh_s=round(fresh_s, 1), ratio=round(place_s / fresh_s, 3), old_moved=moved,
                new_own_cluster=round(_own_cluster(placed[is_new], labels[is_new], placed[~is_new], old_labels), 3),
                fresh_own_cluster=round(_own_cluster(fresh[~is_new][sample], old_labels[sample], fresh[~is_new],
                                                     old_labels, exclude_self=True), 3),
                fresh_new_own_cluster=round(_own_cluster(fresh[is_new], labels[is_new], fresh[~is_new],
                                                         old_labels), 3))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    ap.add_argument("--added", type=float, default=0.01, help="new images, as a share of the old (default 0.01)")
    args = ap.parse_args()
    print(f"{'old':>8} {'new':>6} {'place s':>8} {'fresh t-SNE s':>13} {'ratio':>6} {'old moved':>9} "
          f"{'new: own cluster':>16} {'fresh map':>9} {'fresh, new':>10}")
    for n in args.sizes:
        r = one(n, args.added)
        print(f"{r['n']:>8,} {r['added']:>6,} {r['place_s']:>8.2f} {r['fresh_s']:>13.1f} {r['ratio']:>6.3f} "
              f"{r['old_moved']:>9.1g} {r['new_own_cluster']:>16.3f} {r['fresh_own_cluster']:>9.3f} "
              f"{r['fresh_new_own_cluster']:>10.3f}   (first map {r['first_map_s']} s, graph {r['graph_s']} s)",
              flush=True)


if __name__ == "__main__":
    main()
