#!/usr/bin/env python3
"""Benchmark: the embed engines on the same images, in one run: local (threads, processes)
against Ray Data on a local Ray, end to end with fresh caches and the model load included.

TensorFlow is imported before the timings (the local engines would otherwise pay it in the
first run only; a Ray model worker is a fresh process and pays it every time, a real cost).
Each engine runs at two sizes, so its time splits into a fixed cost (start-up: the model
load, and for Ray its cluster and workers) and a cost per image (the slope), the figure
that matters for a large collection. Starting and stopping a local Ray alone is timed too.

Usage: .venv/bin/python bench/engine_bench.py [--set imagen|flowers] [--sizes 250,1000] [--facets content]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", default="imagen")
    ap.add_argument("--data", default=os.environ.get("LOOKALIKE_DATA", REPO.parent / "shared" / "data"))
    ap.add_argument("--sizes", default="250,1000", help="two collection sizes: fixed cost and cost per image")
    ap.add_argument("--facets", default="content")
    ap.add_argument("--engines", default="local-threads,local-processes,ray")
    args = ap.parse_args()
    import ray

    from core.config import EmbedSection, Settings
    from core.console import quiet_libraries
    from core.log import QUIET
    from core.views import for_step
    from core.workfolder import WorkFolder
    from embed import stage as embed_stage
    from embed.collection import scan

    coll = Path(args.data) / args.set
    small, large = (int(x) for x in args.sizes.split(","))
    cands = scan(coll).candidates[:large]
    settings = Settings()
    settings.facets.enabled = args.facets.split(",")
    print(f"{args.set}: {small} and {len(cands)} images, facets {args.facets}; {os.cpu_count()} cores")
    from embed import backbones

    backbones.load_backbone(settings.model.name, settings.model.weights)  # TensorFlow imported once, here
    t = time.perf_counter()
    ray.init(include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    ray.shutdown()
    print(f"  start + stop a local Ray alone: {time.perf_counter() - t:.1f} s")
    slopes = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in (small, len(cands)):
            src = Path(tmp) / f"coll-{size}"
            for c in cands[:size]:
                (src / c.path).parent.mkdir(parents=True, exist_ok=True)
                os.symlink(coll / c.path, src / c.path)
        for name in args.engines.split(","):
            engine = EmbedSection(engine="ray") if name == "ray" else EmbedSection(decode=name.split("-")[1])
            times = []
            for size in (small, len(cands)):
                src = Path(tmp) / f"coll-{size}"
                work = WorkFolder(Path(tmp) / f"work-{name}-{size}")
                t = time.perf_counter()
                with quiet_libraries(work.library_log):
                    settings.embed, settings.site.collection = engine, str(src)
                    report = embed_stage.run(work.build(src), for_step(settings, "embed"), QUIET)
                times.append(time.perf_counter() - t)
            per_image = (times[1] - times[0]) / (len(cands) - small)
            slopes[name] = per_image
            print(f"  {name:<16} {small}: {times[0]:5.1f} s  {len(cands)}: {times[1]:5.1f} s  ->  fixed "
                  f"{times[0] - small * per_image:4.1f} s + {1000 * per_image:5.1f} ms/image "
                  f"({1 / per_image:5.1f} img/s steady; {report.embed_engine})")
    base = slopes.get("local-threads")
    if base:
        print("steady-state cost per image against local-threads: " + ", ".join(
            f"{name} {slope / base:.2f}x" for name, slope in slopes.items() if name != "local-threads"))

if __name__ == "__main__":
    main()
