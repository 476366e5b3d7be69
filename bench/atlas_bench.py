#!/usr/bin/env python3
"""Benchmark: the map's sheets when images are added to a large collection (issue #12, part 3).

Before, the atlas had one key for all its sheets, and image i was cell i: adding images
anywhere but at the end made every sheet again (126 s of the 101k rebuild's render stage).
Now each picture keeps its cell (render/atlas.py place_cells) and each sheet has its own key
(render/assets.py atlases), so only the sheets that gain or lose pictures are made.

One run: N synthetic thumbnails (64 x 48 gradients) in a stand-in image cache; the sheets
made cold; then `--added` images inserted a third of the way into the rows (as a new folder
sorts) and the sheets made again, incrementally and, on a copy of the site, from nothing
(what any change cost before). Prints seconds, sheets written and the ratio.

Usage: .venv/bin/python bench/atlas_bench.py [--images 100000] [--added 1000] [--keep DIR]
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from core.site_state import SiteState  # noqa: E402
from render.assets import atlases  # noqa: E402
from render.output import SiteFiles  # noqa: E402


class Cache:
    def __init__(self, root: Path):
        self.dir = root / "images-bench"

    def thumb(self, sha: str) -> Path:
        return self.dir / sha[:2] / f"{sha}.thumb.jpg"


def thumbnails(cache: Cache, shas: list[str], seed: int) -> None:
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0, 1, 64)[None, :, None]
    for sha in shas:
        path = cache.thumb(sha)
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        a, b = rng.integers(20, 235, (2, 3))
        px = a * (1 - ramp) + b * ramp + rng.normal(0, 6, (48, 64, 3))
        Image.fromarray(np.clip(px, 0, 255).astype(np.uint8)).save(path, quality=85)


def sheets_written(site: Path, since: float) -> int:
    return sum(1 for p in (site / "atlas").glob("*.jpg") if p.stat().st_mtime > since)


def timed(site: Path, images, cache, state) -> tuple[float, int]:
    t0, wall = time.perf_counter(), time.time()
    files = SiteFiles(site)
    atlases(files, images, cache, state)
    files.finish()  # changed sheets are renamed into place when the site is committed
    return time.perf_counter() - t0, sheets_written(site, wall - 1e-3)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=100_000)
    ap.add_argument("--added", type=int, default=1_000)
    ap.add_argument("--keep", type=Path, help="keep the thumbnails and sites here (reused when there)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = (args.keep or Path(tmp)).resolve()
        cache = Cache(root)
        old = [f"{i:064x}" for i in range(args.images)]
        new = [f"{args.images + i:064x}" for i in range(args.added)]
        t0 = time.perf_counter()
        thumbnails(cache, old + new, seed=5)
        print(f"{args.images + args.added:,} thumbnails ready in {time.perf_counter() - t0:.1f} s")
        site, state = root / "site", SiteState(root / "work")
        for p in (site, state.path("atlas"), state.path("atlas-made")):
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
        before = [SimpleNamespace(sha256=s) for s in old]
        cold, n_cold = timed(site, before, cache, state)
        print(f"cold: {cold:.1f} s, {n_cold} sheets (x3 levels)")
        unchanged, n_unchanged = timed(site, before, cache, state)
        print(f"unchanged: {unchanged:.2f} s, {n_unchanged} sheet files changed")
        at = args.images // 3
        grown = before[:at] + [SimpleNamespace(sha256=s) for s in new] + before[at:]
        fresh_site = root / "site-fresh"
        shutil.rmtree(fresh_site, ignore_errors=True)
        shutil.copytree(site, fresh_site)
        incremental, n_inc = timed(site, grown, cache, state)
        from_nothing, n_all = timed(fresh_site, grown, cache, None)  # no saved cells: every sheet, as before
        print(f"{args.added:,} images inserted at row {at:,}: kept cells {incremental:.1f} s ({n_inc} sheet files "
              f"changed), every sheet made again {from_nothing:.1f} s ({n_all} changed, the rest the same bytes): "
              f"{from_nothing / incremental:.0f}x")


if __name__ == "__main__":
    main()
