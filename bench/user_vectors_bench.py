#!/usr/bin/env python3
"""Benchmark: reading your own vectors ([facets] vectors, embed/user_vectors.py) at scale (issue #29.5).

One run: N synthetic paths and D-dimensional float32 vectors written as .npy + paths CSV, as
Parquet (a list column) and, for a tenth of N, as a wide CSV (a column per dimension); each
read and checked (load: format, NaN, zero rows, unit length) and matched to a stand-in scan of
the same paths (pick), in turn, `--rounds` times interleaved. Prints the median seconds of each
form and images a second. (The wide CSV parses a Python float per cell: for small sets only.)

Usage: .venv/bin/python bench/user_vectors_bench.py [--images 100000] [--dim 512] [--rounds 3]
"""
from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from core.log import QUIET  # noqa: E402
from embed import user_vectors  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    import pyarrow as pa
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "coll").mkdir()
        paths = [f"box{i // 1000:03d}/img{i:06d}.jpg" for i in range(a.images)]
        vectors = np.random.default_rng(0).normal(size=(a.images, a.dim)).astype(np.float32)
        np.save(root / "clip.npy", vectors)
        with open(root / "clip.csv", "w", newline="") as f:
            csv.writer(f).writerows([["path"]] + [[p] for p in paths])
        pq.write_table(pa.table({"path": paths, "vector": pa.FixedSizeListArray.from_arrays(
            pa.array(vectors.reshape(-1)), a.dim)}), root / "clip.parquet")
        small = a.images // 10
        with open(root / "wide.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["path"] + [f"v{j}" for j in range(a.dim)])
            w.writerows([p] + [f"{x:.6g}" for x in v] for p, v in zip(paths[:small], vectors[:small]))
        forms = {"npy + paths csv": ("clip.npy", a.images), "parquet": ("clip.parquet", a.images),
                 "wide csv": ("wide.csv", small)}
        times: dict[str, list[float]] = {k: [] for k in forms}
        for _ in range(a.rounds):
            for form, (name, n) in forms.items():
                facets = SimpleNamespace(vectors=str(root / name), vectors_paths="", vectors_name="clip")
                scan = SimpleNamespace(candidates=[SimpleNamespace(path=p, also=[]) for p in paths[:n]], ignored=[])
                t = time.perf_counter()
                uv = user_vectors.load(facets, root / "coll", root, QUIET)
                _, rows, _ = user_vectors.pick(uv, scan, root / "coll", QUIET)
                times[form].append(time.perf_counter() - t)
                assert len(rows) == n
        print(f"{a.images:,} images x {a.dim} dimensions (wide csv: {small:,}), median of {a.rounds} interleaved")
        for form, (_, n) in forms.items():
            s = statistics.median(times[form])
            print(f"  {form:16s} {s:7.2f} s   {n / s:10,.0f} images/s")


if __name__ == "__main__":
    main()
