"""`python build.py query`: the nearest images to some images, or to some words, printed.

    python build.py query --collection picasso/ new-photo.jpg [more.jpg ...] [-n 10]
    python build.py query --collection picasso/ --text "dog on a beach" [--method conse]

Reads the work folder of a finished build (manifest, features, the saved Annoy index) and
the same settings (site.toml, flags), so the query image goes through the same decode and
model as the collection did. Prints rank, score, the image's path in the collection and its
page (an address under [site] base_url when set, else the file in the site folder).
"""
from __future__ import annotations

from pathlib import Path

from core.errors import InputError
from core.summary import count, shown


def run(args, cfg, work, log) -> list[dict]:
    """The hits of each query: {query, rank, score, path, page, matched}, and {query, error}
    for a query image that cannot be used (the others are still answered)."""
    from embed.precision import resolve as resolve_precision
    from render.urls import absolute_url, page_path

    if not args.images and not args.text:
        raise InputError("nothing to look for: give image files, or --text \"words\"")
    check_top(args.top)
    folder = work.build(Path(cfg.site.collection))
    manifest = folder.read_manifest()

    def page(row: int) -> str:
        rel = page_path(manifest.images[row].id)
        return absolute_url(cfg.site.base_url, rel) if cfg.site.base_url else str(Path(cfg.site.output) / rel)

    hits: list[dict] = []
    if args.images:
        from query.by_image import check_model, embed_query_images, nearest

        precision, _ = resolve_precision(cfg.model.name, cfg.model.precision)
        check_model(manifest, cfg.model, precision)
        paths = [Path(p) for p in args.images]
        log.info(f"query: {count(len(paths), 'image')} through {cfg.model.name}")
        vectors, errors = embed_query_images(paths, cfg.model, cfg.images, cfg.facets, precision)
        for i, path in enumerate(paths):
            if i in errors:  # this image only: the others still answer, and the exit status says so
                hits.append({"query": str(path), "error": errors[i]})
                continue
            for rank, (row, cos) in enumerate(nearest(folder, manifest, "content", vectors[i], args.top), start=1):
                hits.append({"query": str(path), "rank": rank, "score": round(cos, 4),
                             "path": manifest.images[row].path, "page": page(row), "matched": []})
    if args.text:
        if "none" in manifest.tagger:
            raise InputError(f"this collection has no tags to search ({manifest.tagger['none']})")
        if args.method == "conse":
            from query.conse import rank_by_conse as rank_text
        else:
            from query.by_text import rank_by_words as rank_text
        for rank, (row, score, matched) in enumerate(rank_text(manifest, args.text)[: args.top], start=1):
            hits.append({"query": args.text, "rank": rank, "score": round(score, 4),
                         "path": manifest.images[row].path, "page": page(row), "matched": matched})
    return hits


def check_top(top) -> None:
    """-n/--top: how many images a query lists, 1 or more."""
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise InputError(f"-n/--top is the number of images to list for each query: it must be 1 or more, "
                         f"not {top}")


def failed(hits: list[dict]) -> list[dict]:
    """The queries that could not be answered (an image that cannot be decoded): build.py
    exits with status 1 when there is any, after printing the answers of the others."""
    return [h for h in hits if "error" in h]


def print_hits(hits: list[dict], log) -> None:
    last = None
    for h in hits:
        if "error" in h:
            log.error(f"query image {shown(h['query'])}: {h['error']}")
            continue
        if h["query"] != last:
            print(f"{shown(h['query'])}:")
            last = h["query"]
        why = f"  ({', '.join(h['matched'])})" if h["matched"] else ""
        print(f"  {h['rank']:>3}  {h['score']:.3f}  {shown(h['path'])}  "
              f"{shown(h['page'])}{why}")  # escapes, not controls
    if not [h for h in hits if "error" not in h]:
        print("no matching images")
