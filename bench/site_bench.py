#!/usr/bin/env python3
"""Benchmark: render a site for a large synthetic collection (default 100,000 images).

Everything the render stage needs is made up: manifest records with realistic sizes and
titles, k random neighbours per facet, random map coordinates, one small placeholder JPEG
for every thumbnail and display copy. It measures what only depends on the number of
images: seconds to write the pages and the map's data, and the bytes and files per folder,
and shows the GitHub Pages warnings a user would get. Image folders (media/, thumbs/,
atlas/) hold placeholders here; their real size is projected from bytes per image
measured on a real build (--media-kb / --thumb-kb, defaults from imagen; the sheets at
render/budget.py ATLAS_BYTES_PER_IMAGE).

Usage: .venv/bin/python bench/site_bench.py [--images 100000] [--out DIR] [--keep]
"""
from __future__ import annotations

import argparse
import hashlib
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=100_000)
    ap.add_argument("--facets", default="content,style,colour")
    ap.add_argument("--k", type=int, default=30)
    ap.add_argument("--out", help="folder for the site and its cache (default: a temp folder, removed)")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--media-kb", type=float, default=29.2, help="display copy KB per image (imagen: 29.2)")
    ap.add_argument("--thumb-kb", type=float, default=12.4, help="thumbnail KB per image (imagen: 12.4)")
    ap.add_argument("--pages-max", type=int, default=0, help="[site] pages_max (0: a page per image)")
    ap.add_argument("--thumbs-only", action="store_true", help="[images] display_copies = false")
    ap.add_argument("--no-search", action="store_true", help="leave Pagefind out (it indexes 100,000 pages slowly)")
    args = ap.parse_args()
    from PIL import Image

    from core.config import Settings
    from core.log import QUIET, Log
    from core.manifest import ImageRecord, Manifest
    from core.views import for_step
    from core.workfolder import FacetLayout, WorkFolder
    from render import budget, output
    from render import stage as render

    n, k = args.images, args.k
    root = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="site-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    settings = Settings()
    facets = args.facets.split(",")
    settings.site.output = str(root / "site")
    settings.site.pages_max = args.pages_max
    settings.images.display_copies = not args.thumbs_only
    if args.no_search:
        from render import search

        search.available = lambda: "left out by --no-search"
    folder = WorkFolder(root / "work").build(Path("/synthetic"))
    t0 = time.perf_counter()

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 60)).save(buf, "JPEG", quality=80)
    placeholder = buf.getvalue()
    cache = folder.work.image_cache(settings.images.thumb_size, settings.images.display_size)
    images = []
    for i in range(n):
        sha = hashlib.sha256(f"image {i}".encode()).hexdigest()
        cache.dir.joinpath(sha[:2]).mkdir(parents=True, exist_ok=True)
        for path in (cache.thumb(sha), cache.display(sha)):
            path.write_bytes(placeholder)
        w, h = (4000, 3000) if i % 3 else (3000, 4000)
        images.append(ImageRecord(id=sha[:12], sha256=sha, path=f"box-{i // 1000:03d}/IMG_{i:06d}.jpg",
                                  title=f"Photograph {i:06d}, box {i // 1000}", width=w, height=h,
                                  bytes=2_500_000, meta={"creator": "Unknown", "date": str(1900 + i % 120)}))
    manifest = Manifest(collection="/synthetic", model="synthetic", images=images, facets=facets,
                        copies={"thumb_size": settings.images.thumb_size, "display_size": settings.images.display_size})
    folder.write_manifest(manifest)  # what embed and layout would have left in the work folder
    for facet in facets:
        nb = rng.integers(0, n - 1, (n, k), dtype=np.int32)
        nb += nb >= np.arange(n, dtype=np.int32)[:, None]  # never itself
        sims = np.sort(rng.uniform(0.2, 0.9, (n, k)).astype(np.float32), axis=1)[:, ::-1]
        layout = FacetLayout(nb, np.ascontiguousarray(sims), rng.normal(size=(n, 2)).astype(np.float32))
        folder.write_layout(manifest, facet, layout, "synthetic", {})
        f = rng.normal(size=(n, 32)).astype(np.float32)
        folder.write_features(manifest, facet, f / np.linalg.norm(f, axis=1, keepdims=True))
    t_setup = time.perf_counter() - t0

    t = time.perf_counter()
    result = render.run(folder, for_step(settings, "render", force=True), Log())
    t_render = time.perf_counter() - t
    t = time.perf_counter()
    sizes = output.size_report(root / "site")
    t_report = time.perf_counter() - t
    t = time.perf_counter()
    render.run(folder, for_step(settings, "render", force=False), QUIET)
    t_again = time.perf_counter() - t

    print(f"{n:,} images, facets {', '.join(facets)}, k = {k}; setup {t_setup:.0f} s")
    print(f"render: {t_render:.1f} s ({t_render / n * 1000:.2f} ms per image), {result.files:,} files; "
          f"unchanged rerender {t_again:.1f} s; size report {t_report:.1f} s")
    projected = 0.0
    for name, f in sorted(sizes["folders"].items(), key=lambda kv: -kv[1]["bytes"]):
        note = ""
        if name == "media":
            note, real = f"  (placeholders; at {args.media_kb} KB each: {n * args.media_kb / 1e6:.2f} GB)", \
                n * args.media_kb * 1e3
        elif name == "thumbs":
            note, real = f"  (placeholders; at {args.thumb_kb} KB each: {n * args.thumb_kb / 1e6:.2f} GB)", \
                n * args.thumb_kb * 1e3
        elif name == "atlas":  # sheets of placeholders compress to nothing; real photos' do not
            real = n * budget.ATLAS_BYTES_PER_IMAGE
            note = (f"  (placeholders; at {budget.ATLAS_BYTES_PER_IMAGE:,} bytes an image, "
                    f"all levels: {real / 1e9:.2f} GB)")
        else:
            real = f["bytes"]
        projected += real
        print(f"  {name + '/':<10} {f['files']:>8,} files {f['bytes'] / 1e6:>9.1f} MB{note}")
    fullest = max(sizes["files_in_folder"].items(), key=lambda kv: kv[1])
    print(f"  fullest folder: {fullest[0]}/ {fullest[1]:,} files; on disk {sizes['disk_bytes'] / 1e9:.2f} GB")
    print(f"  largest file: {sizes['largest']['path']} {sizes['largest']['bytes'] / 1e6:.1f} MB; "
          f"site {sizes['bytes'] / 1e9:.2f} GB as written, ~{projected / 1e9:.2f} GB with real images")
    for w in sizes["warnings"]:
        print(f"  WARNING: {w}")
    if not (args.keep or args.out):
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
