#!/usr/bin/env python3
"""Benchmark: the embed stage's warm path at 100k images, per-image feature files against
one memory-mapped store per facet (issue #12, part 3), A/B in one run.

A real cold embed of 100k images takes about half an hour on 2 cores, so the feature
caches are seeded with synthetic vectors for the collection's SHA-256s instead (content
1,280, style 1,024, colour 512, tags 20 values), the same vectors for both sides:
  old  the commit before this change (git archive HEAD core embed -> a temp folder):
       cache/features/<key>/<sha[:2]>/<sha>.npy, one file per image and facet
  new  this working tree: cache/features/<key>/vectors.f32 + index.sha
Each side runs `embed.stage.run` in a subprocess of its own, alternately; the first run of
each (hashing, first features/*.npy) is not timed. The image-copy caches are seeded with
tiny copies for every image on both sides, so each side checks its copies its own way (the
old one reads a .json and looks for two files per image; the new one lists each shard folder
and reads one index). Then 1,000 new images are added and the new side embeds with a counting
stand-in model: it must be asked for exactly those 1,000.

--whole also times the whole build (`build.py`: embed, layout, render) of the unchanged
collection on the new side, after a cold one, with the settings that make 100k images fit
GitHub Pages (no image pages above 20,000 images, thumbnails only).

Usage: .venv/bin/python bench/rebuild_bench.py [--images 100000] [--repeat 3] [--added 1000]
       [--base f466ad25000b] [--keep DIR] [--whole]
"""
from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DIMS = {"content": 1280, "style": 1024, "colour": 512, "tags": 20}


def write_images(folder: Path, start: int, count: int) -> None:
    """Tiny distinct PNGs, 1,000 to a folder (random pixels: no two alike)."""
    from PIL import Image

    rng = np.random.default_rng(start)
    for i in range(start, start + count):
        path = folder / f"part{i // 1000:04d}" / f"img{i:06d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.frombytes("RGB", (8, 8), rng.bytes(192)).save(path, "PNG")


def synthetic_vectors(facet: str, n: int, seed: int) -> np.ndarray:
    """Clustered like real features (bench/layout_bench.py), so that a whole build's neighbour
    search and map behave as they would on photos; tags as embed/tags.py lays them out."""
    rng = np.random.default_rng(seed)
    if facet == "tags":  # class numbers, then descending probabilities (embed/tags.py's layout)
        classes = rng.integers(0, 1000, (n, 10)).astype(np.float32)
        return np.concatenate([classes, np.tile(np.linspace(0.5, 0.01, 10, dtype=np.float32), (n, 1))], axis=1)
    sys.path.insert(0, str(REPO))
    from bench.layout_bench import clustered

    return clustered(n, DIMS[facet], seed=seed)[0]


def cache_keys() -> dict[str, str]:
    from core.config import Settings
    from embed.backbones.registry import model_key
    from embed.facets import facet_keys
    from embed.precision import resolve
    from embed.tags import tag_cache_key

    s = Settings()
    precision, _ = resolve(s.model.name, s.model.precision)
    keys = facet_keys(s.model, s.facets, precision)
    keys["tags"] = tag_cache_key(model_key(s.model.name, s.model.weights, precision))
    return keys


def seed_caches(coll: Path, old_work: Path, new_work: Path) -> tuple[float, float]:
    """The same synthetic vectors into both kinds of cache; seconds each took to write."""
    from PIL import Image

    from core.caches import ImageCache
    from core.config import Settings
    from core.feature_store import FeatureCache
    from core.files import save_npy
    from embed.collection import scan

    shas = [c.sha256 for c in scan(coll).candidates]
    s = Settings()
    jpeg = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 120, 40)).save(jpeg, "JPEG")
    for work in (old_work, new_work):  # tiny copies (real JPEGs: render puts thumbnails on map sheets)
        images = ImageCache(work / "cache" / "images" / f"t{s.images.thumb_size}-d{s.images.display_size}-v2")
        for sha in shas:
            images.put(sha, 8, 8, jpeg.getvalue(), jpeg.getvalue())
    old_s = new_s = 0.0
    for i, (facet, key) in enumerate(cache_keys().items()):
        vectors = synthetic_vectors(facet, len(shas), i)
        t = time.perf_counter()
        for sha, v in zip(shas, vectors):
            save_npy(old_work / "cache" / "features" / key / sha[:2] / f"{sha}.npy", v)
        old_s += time.perf_counter() - t
        t = time.perf_counter()
        FeatureCache(new_work / "cache" / "features" / key).put_many(shas, vectors)
        new_s += time.perf_counter() - t
    return old_s, new_s


def run_child(side: str, tree: Path, coll: Path, work: Path, counting: bool) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(tree), "--coll", str(coll),
           "--work", str(work)] + (["--counting"] if counting else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=tree).stdout
    return json.loads(out.strip().splitlines()[-1])


def child(tree: Path, coll: Path, work: Path, counting: bool) -> None:
    """One embed in this process, from `tree`'s code; prints its timings as JSON."""
    sys.path.insert(0, str(tree))
    from core.config import Settings
    from core.workfolder import WorkFolder
    from embed import stage

    times: dict[str, float] = {}

    def timed(name, fn):
        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                times[name] = times.get(name, 0.0) + time.perf_counter() - t
        return wrapper

    stage.coll.scan = timed("scan", stage.coll.scan)
    stage.make_plan = timed("plan (feature lookup)", stage.make_plan)
    stage.Manifest.write = timed("manifest write", stage.Manifest.write)
    asked = [0]
    if counting:
        from embed import backbones

        class Counting:  # a stand-in model: counts what it is asked to embed
            def embed_batch(self, inputs):
                asked[0] += len(inputs)
                return {f: synthetic_vectors(f, len(inputs), asked[0]) for f in ("content", "style", "tags")}

        backbones.ModelSpec.load = lambda spec: Counting()
    from core.log import QUIET
    from core.views import for_step

    s = Settings()
    s.site.collection = str(coll)
    folder = WorkFolder(work).build(coll)
    t = time.perf_counter()
    report = stage.run(folder, for_step(s, "embed"), QUIET)
    times["embed total"] = time.perf_counter() - t
    print(json.dumps({"times": times, "asked": asked[0], "images": report.images, "decoded": report.decoded,
                      "embedded": report.embedded}))


def whole_build(coll: Path, root: Path, name: str) -> dict:
    """build.py on the new side (its own process, as a user runs it); wall seconds and the report."""
    config = root / "fit-pages.toml"
    config.write_text("[site]\npages_max = 20000\n\n[images]\ndisplay_copies = false\n")
    report = root / f"{name}.json"
    cmd = [sys.executable, str(REPO / "build.py"), "--collection", str(coll), "--work-dir", str(root / "w-new"),
           "--out", str(root / "site"), "--config", str(config), "--quiet", "--report", str(report)]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=REPO)
    wall = time.perf_counter() - t
    return {"wall": wall, **json.loads(report.read_text())}


def count_files(folder: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(folder))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--added", type=int, default=1000)
    ap.add_argument("--base", default="f466ad25000b", help="the last commit with the per-image cache")
    ap.add_argument("--keep", type=Path, help="work in this folder and leave it (else a temp folder)")
    ap.add_argument("--whole", action="store_true", help="also time the whole build, cold and warm")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--coll", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--counting", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args.child, args.coll, args.work, args.counting)

    root = args.keep or Path(tempfile.mkdtemp(prefix="rebuild-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    coll, old_tree = root / "coll", root / "old-tree"
    try:
        t = time.perf_counter()
        write_images(coll, 0, args.images)
        print(f"{args.images} synthetic PNGs written in {time.perf_counter() - t:.1f} s")
        old_tree.mkdir(exist_ok=True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", args.base, "core", "embed"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old_tree)], input=archive, check=True)
        sys.path.insert(0, str(REPO))
        old_s, new_s = seed_caches(coll, root / "w-old", root / "w-new")
        print(f"seeding the caches with synthetic vectors: per-image files {old_s:.1f} s, stores {new_s:.1f} s")
        for side, tree in (("old", old_tree), ("new", REPO)):  # hashes.json and features/*.npy, untimed
            run_child(side, tree, coll, root / f"w-{side}", False)
        runs: dict[str, list[dict]] = {"old": [], "new": []}
        for _ in range(args.repeat):
            for side, tree in (("old", old_tree), ("new", REPO)):
                runs[side].append(run_child(side, tree, coll, root / f"w-{side}", False))
        print(f"\nwarm embed of an unchanged {args.images}-image collection (median of {args.repeat}, seconds):")
        med = {side: {k: float(np.median([r["times"][k] for r in rs])) for k in rs[0]["times"]}
               for side, rs in runs.items()}
        for k in med["old"]:
            print(f"  {k:24s} per-image files {med['old'][k]:7.2f}   store {med['new'][k]:7.2f}   "
                  f"ratio {med['old'][k] / max(med['new'][k], 1e-9):6.1f}x")
        for side in runs:
            assert all(r["decoded"] == 0 and r["embedded"] == 0 for r in runs[side]), runs[side]
        for side, name in (("old", "per-image files"), ("new", "store")):
            print(f"  files in cache/features ({name}): {count_files(root / f'w-{side}' / 'cache' / 'features')}")

        if args.whole:
            cold = whole_build(coll, root, "cold")
            print(f"\nwhole build, cold layout and render: {cold['wall']:.1f} s wall ({cold['seconds']})")
            warm = [whole_build(coll, root, f"warm{i}") for i in range(args.repeat)]
            best = min(warm, key=lambda r: r["wall"])
            print(f"whole build of the unchanged collection, {args.repeat} runs: wall "
                  + ", ".join(f"{r['wall']:.1f}" for r in warm) + f" s; stages of the fastest: {best['seconds']}, "
                  f"{best['pages_rendered']} pages, {best['copied']} copies, {best['data_written']} data files written")
        write_images(coll, args.images, args.added)
        added = run_child("new", REPO, coll, root / "w-new", True)
        print(f"\nadding {args.added} images: the model was asked to embed {added['asked']} "
              f"({added['decoded']} decoded, {added['images']} images in the manifest, "
              f"{added['times']['embed total']:.1f} s with a stand-in model)")
        print(f"adding {args.added} images re-embeds exactly {args.added}: {added['asked'] == args.added}")
        again = run_child("new", REPO, coll, root / "w-new", True)
        print(f"the rebuild after that: asked {again['asked']}, {again['times']['embed total']:.2f} s")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
