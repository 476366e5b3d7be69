#!/usr/bin/env python3
"""Neighbour engines, in one run: Annoy, FAISS IVF and brute force, recall@30 and seconds.

    .venv/bin/python bench/knn_bench.py                       # 20k and 100k
    .venv/bin/python bench/knn_bench.py --sizes 20000 --big 1000000

Vectors: bench/layout_bench.py's clustered synthetic unit vectors, here 256-d. Annoy
and FAISS run as layout/neighbours.py runs them (knn_graph: exact re-ranking, search
widened until the sampled recall reaches TARGET_RECALL, the PCA and recall sampling
included); brute force is layout/search/exact.py. Recall@30 is measured on every row
against brute force (tie-safe). Times are also given as ratios to brute force, on the
same cores in the same run. --big N: FAISS only, recall on a 1,000-query sample
against brute force on those queries (brute force on all N rows would take hours).
Figures are printed; nothing is asserted.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

K = 30


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def full_run(n: int, d: int, jobs: int) -> None:
    from layout_bench import clustered

    from layout import neighbours as nn
    from layout.search.exact import exact_nearest

    v, _ = clustered(n, d)
    (e_rows, e_sims), t_exact = timed(lambda: exact_nearest(v, K, n_jobs=jobs))
    kth = e_sims[:, -1:] - 1e-6
    print(f"{n:>9,}  {'brute force':<34} recall@30 1.000  {t_exact:8.1f} s  1.00 x")
    for name, full_max in (("annoy", 10 ** 9), ("faiss", 0)):
        g, t = timed(lambda: nn.knn_graph(v, K, seed=0, n_jobs=jobs, goal=nn.Goal(annoy_max=full_max)))
        method = f"annoy 50 trees, search_k {g.search_k}" if g.method == "annoy" else g.method
        recall = float(np.mean(g.sims >= kth))
        print(f"{n:>9,}  {method:<34} recall@30 {recall:.3f}  {t:8.1f} s  {t / t_exact:.2f} x"
              f"  (sampled {g.recall:.3f})", flush=True)


def big_run(n: int, d: int, jobs: int, sample: int = 1000) -> None:
    from layout_bench import clustered

    from layout.search.exact import exact_nearest, rank
    from layout.search.faiss import FaissIVFSearch, omp_threads

    v, _ = clustered(n, d)
    q = np.sort(np.random.default_rng(1).choice(n, sample, replace=False))
    (_, e_sims), t_exact = timed(lambda: exact_nearest(v, K, rows_of=q, n_jobs=jobs))
    print(f"{n:>9,}  {'brute force, ' + str(sample) + ' queries':<34} recall@30 1.000  {t_exact:8.1f} s"
          f"  (all rows ~{t_exact * n / sample:,.0f} s)")
    search, t_build = timed(lambda: FaissIVFSearch(v, seed=0))
    print(f"{n:>9,}  faiss build (train + add, 1 thread) nlist {search.nlist:<6}       {t_build:8.1f} s", flush=True)
    for nprobe in (8, 16, 32):
        search.index.nprobe = nprobe

        def query():
            with omp_threads(jobs):
                _, cand = search.index.search(np.ascontiguousarray(v[q]), K + 21)
            return rank(v, q, cand, K)

        (_, sims), t = timed(query)
        recall = float(np.mean(sims >= e_sims[:, -1:] - 1e-6))
        print(f"{n:>9,}  faiss nprobe {nprobe:<3}, {sample} queries{'':<9} recall@30 {recall:.3f}  {t:8.2f} s"
              f"  {t / t_exact:.3f} x  (all rows ~{t_build + t * n / sample:,.0f} s with the build)", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="20000,100000")
    ap.add_argument("--big", type=int, default=0, help="also FAISS vs brute force on 1,000 queries at this size")
    ap.add_argument("--dims", type=int, default=256)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    print(f"{args.dims}-d clustered unit vectors, k = {K}, {args.jobs} threads, {os.cpu_count()} cores")
    for n in (int(s) for s in args.sizes.split(",") if s):
        full_run(n, args.dims, args.jobs)
    if args.big:
        big_run(args.big, args.dims, args.jobs)


if __name__ == "__main__":
    main()
