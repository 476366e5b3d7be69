#!/usr/bin/env python3
"""Benchmark: indexing image pages with Pagefind's Python API, the library's service against
render/search.py's, which reads the binary's answers as they come (one run, same pages).

The library's service reads one answer per 100 ms, and Lookalike adds pages one at a time
(sorted, for a stable index), so its time grows by 0.1 s a page.

Usage: .venv/bin/python bench/search_bench.py [--pages 1000] [--site DIR]
  --site: index that built site's image/ pages instead of synthetic ones
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import render.search as search  # noqa: E402


def synthetic(out: Path, n: int) -> list[str]:
    rels = []
    for i in range(n):
        rel = f"image/{i % 256:02x}/{i:012x}.html"
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        kind = ("tulip", "daisy", "rose", "sunflower")[i % 4]
        (out / rel).write_text(f"<html lang='en'><body><main data-pagefind-body><h1>Photo {i}</h1><p>A {kind}, "
                               f"number {i}, from the {kind} folder.</p><span data-pagefind-filter='tag'>{kind}</span>"
                               "</main></body></html>", encoding="utf-8")
        rels.append(rel)
    return rels


async def index(out: Path, pages: list[str], target: Path, stock: bool) -> None:
    if not stock:
        return await search._index(lambda rel: out / rel, pages, target)
    from pagefind.service import PagefindService

    async with PagefindService() as service:
        idx = await service.create_index({"output_path": str(target)})
        for rel in pages:
            await idx.add_html_file(content=(out / rel).read_text(encoding="utf-8"), url="/" + rel)
        await idx.write_files()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--site", type=Path)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        out = args.site or tmp / "site"
        pages = sorted(str(p.relative_to(out)) for p in out.glob("image/*/*.html")) if args.site \
            else synthetic(out, args.pages)
        seconds = {}
        for name, stock in (("render/search.py", False), ("pagefind.service", True)):
            t0 = time.perf_counter()
            asyncio.run(index(out, pages, tmp / name.replace("/", "_"), stock))
            seconds[name] = time.perf_counter() - t0
            print(f"{name:<17} {len(pages):,} pages in {seconds[name]:.1f} s", flush=True)
        print(f"ratio: {seconds['pagefind.service'] / seconds['render/search.py']:.0f}x")


if __name__ == "__main__":
    main()
