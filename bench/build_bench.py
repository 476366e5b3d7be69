#!/usr/bin/env python3
"""Benchmark: the whole build of a real collection, cold then warm, in one run.

Prints seconds per stage for both builds, the warm/cold ratio, whether the
warm output is byte-identical, and leave-one-out precision@k of the content
neighbours by label (imagen: the class in the file name; flowers: the folder).

Usage: .venv/bin/python bench/build_bench.py [--set imagen|flowers] [--data DIR] [-- build flags...]
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

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from core.workfolder import WorkFolder  # noqa: E402


def build(coll: Path, out: Path, work: Path, report: Path, env: dict, extra: list[str]) -> tuple[dict, float]:
    t = time.perf_counter()
    subprocess.run([sys.executable, str(REPO / "build.py"), "--collection", str(coll), "--out", str(out),
                    "--work-dir", str(work), "--report", str(report), "--quiet", *extra], check=True, env=env)
    return json.loads(report.read_text()), time.perf_counter() - t


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def label_of(collection: str, path: str) -> str:
    if collection == "flowers":
        return path.split("/", 1)[0]  # flowers/<species>/<file>
    return path.rsplit("_", 1)[1].rsplit(".", 1)[0]  # imagen: <n>_<class>.jpg


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("LOOKALIKE_DATA", REPO.parent / "shared" / "data"))
    ap.add_argument("--set", default="imagen", choices=("imagen", "flowers"))
    ap.add_argument("extra", nargs="*", help="more build.py flags, after --")
    args = ap.parse_args()
    coll = Path(args.data) / args.set
    if not coll.is_dir():
        sys.exit(f"no {args.set} collection at {coll}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = dict(os.environ, LOOKALIKE_CACHE=str(tmp / "weights-cache"))  # cold: convert weights too
        r1, wall1 = build(coll, tmp / "site", tmp / "work", tmp / "r1.json", env, args.extra)
        first = snapshot(tmp / "site")
        r2, wall2 = build(coll, tmp / "site", tmp / "work", tmp / "r2.json", env, args.extra)
        identical = snapshot(tmp / "site") == first
        folder = WorkFolder(tmp / "work").build(coll)
        manifest = folder.read_manifest()
        labels = [label_of(args.set, im.path) for im in manifest.images]
        nb = folder.read_layout(manifest, "content").neighbours
        prec = {k: float(np.mean([[labels[j] == labels[i] for j in row[:k]] for i, row in enumerate(nb)]))
                for k in (1, 4, 10)}
    print(f"{args.set}: machine {os.cpu_count()} cores; model {r1['model']} ({r1.get('precision', 'float32')})")
    print(f"images: {r1['images']}, skipped {len(r1['skipped'])}, output {r1['output_bytes'] / 1e6:.1f} MB")
    print("stage      cold s   warm s")
    for stage in ("embed", "layout", "render", "total"):
        print(f"{stage:<9} {r1['seconds'][stage]:7.1f}  {r2['seconds'][stage]:7.1f}")
    print(f"wall (incl. start-up) {wall1:.1f} s cold, {wall2:.1f} s warm: warm is {wall1 / wall2:.1f}x faster")
    print(f"embed throughput cold: {r1['images'] / r1['seconds']['embed']:.1f} images/s")
    print(f"warm output byte-identical: {identical}")
    chance = max(labels.count(x) for x in set(labels)) / len(labels)
    print(f"precision@k (largest class {chance:.3f} of the images): "
          + ", ".join(f"@{k} {v:.3f}" for k, v in prec.items()))


if __name__ == "__main__":
    main()
