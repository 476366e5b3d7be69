#!/usr/bin/env python3
"""Layout at scale: neighbours + t-SNE map on clustered synthetic vectors.

    .venv/bin/python bench/layout_bench.py                      # 10k, 30k, 100k (+ exact)
    .venv/bin/python bench/layout_bench.py --sizes 20000 --sklearn --repeat
    .venv/bin/python bench/layout_bench.py --sizes 100000 --annoy
    nice .venv/bin/python bench/layout_bench.py --arrangements --sizes 100000 --maps coords/*.npy --blocks 1024
                    # grid, timeline, blocks (layout/arrangements.py) on a synthetic 2-D map of each
                    # size and on real maps (coords/<facet>.npy of a work folder): seconds and how
                    # many of each image's 10 map neighbours the grid keeps, against a sort by x then y

Every measurement runs in its own subprocess so its peak memory (VmHWM) is its own.
The vectors are written once to a temporary .npy and memory-mapped, as a build does.
Figures are printed (and --json FILE writes them); nothing is asserted.

The synthetic vectors imitate real CNN features: 1,280-d, unit length, a flat
spectrum (variance of component i ~ i^-0.8, as measured on the imagen features:
256 components hold ~80% of the variance), clusters of ~100 inside super-clusters
of ~2,000, and nearest-neighbour similarities like real photos' (top-1 ~0.64,
30th ~0.57 against ~0.03 between random pairs).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

K = 30
PERPLEXITY = 30.0
SEED = 42
TREES = int(os.environ.get("LOOKALIKE_BENCH_TREES", "50"))  # the site.toml default


def clustered(n: int, d: int = 1280, seed: int = 0, alpha: float = 0.4, noise: float = 3.0):
    """(n, d) float32 unit vectors and their cluster labels."""
    rng = np.random.default_rng(seed)
    n_super, n_clu = max(2, n // 2000), max(2, n // 100)
    spec = (np.arange(1, d + 1, dtype=np.float64) ** -alpha).astype(np.float32)
    spec /= np.sqrt((spec ** 2).sum())
    sup = rng.standard_normal((n_super, d), dtype=np.float32) * spec * 3.0
    clu = sup[rng.integers(0, n_super, n_clu)] + rng.standard_normal((n_clu, d), dtype=np.float32) * spec * 1.5
    lab = rng.integers(0, n_clu, n)
    q, _ = np.linalg.qr(rng.standard_normal((d, d)).astype(np.float32))  # no axis is special
    x = np.empty((n, d), np.float32)
    for a in range(0, n, 8192):
        b = min(n, a + 8192)
        blk = (clu[lab[a:b]] + rng.standard_normal((b - a, d), dtype=np.float32) * spec * noise) @ q
        x[a:b] = blk / np.linalg.norm(blk, axis=1, keepdims=True)
    return x, lab


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def label_accuracy(xy: np.ndarray, labels: np.ndarray, k: int = 10, sample: int = 2000) -> float:
    """Share of each sampled point's k nearest in 2-D that share its cluster."""
    q = np.random.default_rng(0).choice(len(xy), min(sample, len(xy)), replace=False)
    hits = []
    for a in range(0, len(q), 100):  # in chunks: memory stays small
        qq = q[a:a + 100]
        d = ((xy[qq, None, :] - xy[None, :, :]) ** 2).sum(-1)
        d[np.arange(len(qq)), qq] = np.inf
        nb = np.argpartition(d, k, axis=1)[:, :k]
        hits.append(labels[nb] == labels[qq, None])
    return float(np.mean(np.concatenate(hits)))


# ---- one measurement, run in a child process -------------------------------------------------

def child(task: str, data: str, out: str, repeat: bool) -> None:
    from layout import neighbours as nn
    from layout.projection import graph_size, project
    from layout.search.exact import exact_nearest

    x = np.load(data, mmap_mode="r")
    labels = np.load(data.replace(".npy", ".labels.npy"))
    n = len(x)
    res: dict = {"task": task, "n": n}
    if task == "ours":
        t = time.perf_counter()
        g = nn.knn_graph(x, graph_size(n, PERPLEXITY), seed=SEED, trees=TREES, recall_k=K)
        res["neighbours_s"] = time.perf_counter() - t
        res["recall_sampled"] = g.recall
        res["search_k"] = g.search_k
        res["method"] = g.method
        np.save(out + ".rows.npy", g.rows[:, :K])
        np.save(out + ".sims.npy", g.sims[:, :K])
        t = time.perf_counter()
        xy = project(x, PERPLEXITY, SEED, graph=g)
        res["map_s"] = time.perf_counter() - t
        res["total_s"] = res["neighbours_s"] + res["map_s"]
        res["peak_mb"] = vm_hwm_mb()  # before the checks below, which are not part of a build
        res["map_label_accuracy"] = label_accuracy(xy, labels)
        if repeat:
            g2 = nn.knn_graph(x, graph_size(n, PERPLEXITY), seed=SEED, trees=TREES, recall_k=K)
            xy2 = project(x, PERPLEXITY, SEED, graph=g2)
            res["deterministic"] = bool(g.rows.tobytes() == g2.rows.tobytes() and xy.tobytes() == xy2.tobytes())
    elif task == "exact":
        t = time.perf_counter()
        _, sims = exact_nearest(x, K, n_jobs=os.cpu_count() or 1)
        res["exact_s"] = time.perf_counter() - t
        np.save(out + ".exact_sims.npy", sims)
    elif task == "annoy":  # for comparison: plain Annoy on the full vectors, no re-ranking
        from concurrent.futures import ThreadPoolExecutor

        from annoy import AnnoyIndex

        trees, search_k = 10, 8000
        t = time.perf_counter()
        index = AnnoyIndex(x.shape[1], "angular")
        index.set_seed(SEED)
        for i in range(n):
            index.add_item(i, x[i])
        index.build(trees, n_jobs=1)
        res["annoy_build_s"] = time.perf_counter() - t
        q = np.sort(np.random.default_rng(1).choice(n, 400, replace=False))
        t = time.perf_counter()
        with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            found = list(pool.map(lambda i: index.get_nns_by_item(int(i), K + 1, search_k=search_k), q))
        res["annoy_query_all_s_estimated"] = (time.perf_counter() - t) * n / len(q)
        res["annoy_total_s_estimated"] = res["annoy_build_s"] + res["annoy_query_all_s_estimated"]
        _, true = exact_nearest(x, K, rows_of=q, n_jobs=2)
        hits = [np.sum(np.asarray(x[[j for j in f if j != i][:K]]) @ np.asarray(x[i]) >= true[r, -1] - 1e-6)
                for r, (i, f) in enumerate(zip(q, found))]
        res["annoy_recall"] = float(np.sum(hits) / (K * len(q)))
        res["annoy_params"] = f"trees={trees} search_k={search_k}"
    elif task == "sklearn":
        from sklearn.manifold import TSNE

        t = time.perf_counter()
        xy = TSNE(n_components=2, perplexity=PERPLEXITY, metric="cosine", init="pca",
                  random_state=SEED, n_jobs=os.cpu_count()).fit_transform(np.asarray(x))
        res["sklearn_tsne_s"] = time.perf_counter() - t
        res["sklearn_label_accuracy"] = label_accuracy(xy, labels)
    res.setdefault("peak_mb", vm_hwm_mb())
    Path(out + ".json").write_text(json.dumps(res))


def run_child(task: str, data: Path, tmp: Path, repeat: bool = False) -> dict:
    out = str(tmp / f"{task}-{data.stem}")
    subprocess.run([sys.executable, __file__, "--child", task, str(data), out] + (["--repeat"] if repeat else []),
                   check=True)
    res = json.loads(Path(out + ".json").read_text())
    print(f"  {task:8s} " + ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                                      for k, v in res.items() if k not in ("task", "n")), flush=True)
    return res


def map_2d(n: int, seed: int = 0) -> np.ndarray:
    """A t-SNE-like map: clusters of ~300 points of varied spread."""
    rng = np.random.default_rng(seed)
    k = max(2, n // 300)
    centres, spread = rng.normal(0, 10, (k, 2)), rng.uniform(0.3, 2.0, k)
    lab = rng.integers(0, k, n)
    return (centres[lab] + rng.normal(0, 1, (n, 2)) * spread[lab, None]).astype(np.float32)


def arrangements(sizes: list[int], maps: list[str], blocks: list[int]) -> list[dict]:
    """Each arrangement timed on one core's worth of work (nothing in it is parallel); with
    `blocks`, the grid again with each of those block sizes, in the same run (the ratios hold)."""
    from core.arrangement_files import Arrangement
    from core.layout_files import normalise
    from layout import arrange_fit, arrange_shapes
    from render.arrangements_data import arrangements_js

    inputs = [(f"synthetic {n:,}", map_2d(n)) for n in sizes] + [(m, np.load(m)) for m in maps]
    rows = []
    for name, coords in inputs:
        xy = normalise(coords).astype(np.float64)
        n, rng = len(xy), np.random.default_rng(1)
        years = [None if rng.random() < 0.1 else int(y) for y in rng.integers(1850, 1990, n)]  # 10 % undated
        codes = np.minimum(rng.zipf(1.6, n) - 1, 59)  # 60 values of very unequal sizes
        row, made = {"map": name, "n": n}, []
        for kind, make in (("grid", lambda: arrange_shapes.grid(xy)),
                           ("timeline", lambda: arrange_shapes.timeline(xy, years)),
                           ("groups", lambda: arrange_shapes.blocks(xy, codes, [f"v{i}" for i in range(60)], "none"))):
            t = time.perf_counter()
            placed = make()
            row[f"{kind}_s"] = round(time.perf_counter() - t, 2)
            placed.extra.setdefault("by", "column:v")
            made.append(Arrangement(kind, *arrange_shapes.normalised(placed)))
            if kind == "grid":
                naive = arrange_fit.sorted_grid(xy, placed.extra["cols"])
                row["grid_kept"] = round(arrange_fit.neighbourhood_kept(xy, placed.pos), 3)
                row["naive_kept"] = round(arrange_fit.neighbourhood_kept(xy, naive), 3)
                row["distinct_cells"] = len({tuple(p) for p in placed.pos.tolist()}) == n
        row["js_bytes_per_image"] = round(len(arrangements_js({"content": made}).encode()) / n, 1)
        for b in blocks:
            t = time.perf_counter()
            placed = arrange_shapes.grid(xy, block=b)
            row[f"grid_block{b}_s"] = round(time.perf_counter() - t, 2)
            row[f"grid_block{b}_kept"] = round(arrange_fit.neighbourhood_kept(xy, placed.pos), 3)
        print("  " + ", ".join(f"{k}={v}" for k, v in row.items()), flush=True)
        rows.append(row)
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="10000,30000,100000")
    p.add_argument("--no-exact", action="store_true", help="skip brute force (slow at 100k)")
    p.add_argument("--annoy", action="store_true", help="also time Annoy (trees=10, search_k=8000)")
    p.add_argument("--sklearn", action="store_true", help="also time scikit-learn's TSNE")
    p.add_argument("--repeat", action="store_true", help="run ours twice and compare bytes")
    p.add_argument("--arrangements", action="store_true", help="time grid, timeline and blocks instead")
    p.add_argument("--maps", nargs="*", default=[], metavar="NPY", help="real maps for --arrangements")
    p.add_argument("--blocks", default="", help="--arrangements: also the grid with these block sizes, e.g. 1024,2048")
    p.add_argument("--json", metavar="FILE")
    p.add_argument("--child", nargs=3, metavar=("TASK", "DATA", "OUT"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        return child(*args.child, repeat=args.repeat)
    print(f"layout bench: {os.cpu_count()} cores, python {sys.version.split()[0]}, numpy {np.__version__}")
    if args.arrangements:
        results = arrangements([int(s) for s in args.sizes.split(",")], args.maps,
                               [int(b) for b in args.blocks.split(",") if b])
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
        return
    results = []
    with tempfile.TemporaryDirectory(prefix="layout-bench-") as tmp:
        tmp = Path(tmp)
        for n in (int(s) for s in args.sizes.split(",")):
            x, lab = clustered(n)
            data = tmp / f"x{n}.npy"
            np.save(data, x)
            np.save(tmp / f"x{n}.labels.npy", lab)
            del x
            print(f"n = {n:,} clustered vectors, 1280-d float32 (memory-mapped)", flush=True)
            row = {"n": n, **run_child("ours", data, tmp, args.repeat)}
            if not args.no_exact:
                row.update({f"exact_{k}" if k == "peak_mb" else k: v
                            for k, v in run_child("exact", data, tmp).items() if k not in ("task", "n")})
                ours = np.load(str(tmp / f"ours-{data.stem}") + ".sims.npy")
                exact = np.load(str(tmp / f"exact-{data.stem}") + ".exact_sims.npy")
                row["recall_all"] = float(np.mean(ours >= exact[:, -1:] - 1e-6))
                row["neighbours_vs_exact"] = row["neighbours_s"] / row["exact_s"]
                print(f"  recall@{K} over all {n:,} points: {row['recall_all']:.4f}; neighbours take "
                      f"{row['neighbours_vs_exact']:.3f} x the time of brute force", flush=True)
            if args.annoy:
                row.update({f"annoy_{k}" if k == "peak_mb" else k: v
                            for k, v in run_child("annoy", data, tmp).items() if k not in ("task", "n")})
            if args.sklearn:
                row.update({f"sklearn_{k}" if k == "peak_mb" else k: v
                            for k, v in run_child("sklearn", data, tmp).items() if k not in ("task", "n")})
                print(f"  ours (neighbours + map) {row['total_s']:.1f} s vs scikit-learn TSNE "
                      f"{row['sklearn_tsne_s']:.1f} s: {row['sklearn_tsne_s'] / row['total_s']:.1f}x", flush=True)
            results.append(row)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
