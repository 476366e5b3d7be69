#!/usr/bin/env python3
"""Lookalike: turn a folder of images into a static website explorable by similarity.

    python build.py --collection picasso/            # writes _site/

Stages: embed (images -> vectors), layout (neighbours + map), render (site).
This file only parses arguments, runs the stages and prints the summary;
heavy libraries are imported by the stages, so --help is instant.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
import traceback
from pathlib import Path

from core import config
from core.files import save_npy, write_text
from core.progress import say


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="build.py",
        description="Build a static website where similar images sit together.",
        epilog="Settings come from site.toml (see the comments there); flags override it.",
    )
    p.add_argument("--collection", metavar="DIR", help="folder of images ([site] collection)")
    p.add_argument("--out", metavar="DIR", help="output folder (default _site; [site] output)")
    p.add_argument("--config", metavar="FILE", help="settings file (default ./site.toml when present)")
    p.add_argument("--model", help="backbone: efficientnet_lite0 (default, works offline), "
                                   "inception_v3, vgg16, vgg19, resnet50, mobilenet_v2")
    p.add_argument("--weights", help='"imagenet" (default), "none" (architecture only), or a weights file')
    p.add_argument("--batch-size", type=int, help="images per model call")
    p.add_argument("--workers", type=int, help="decode threads (0 = all cores)")
    p.add_argument("--precision", choices=("auto", "float32", "bfloat16"),
                   help="model arithmetic (default auto: bfloat16 only where measured faster)")
    p.add_argument("-k", "--neighbours", dest="k", type=int, help="neighbours per image (default 30)")
    p.add_argument("--trees", type=int, help="Annoy trees (more = more exact, slower)")
    p.add_argument("--perplexity", type=float, help="t-SNE perplexity (lowered for small collections)")
    p.add_argument("--seed", type=int, help="random seed for Annoy and t-SNE")
    p.add_argument("--facets", help='comma-separated facets, e.g. "content,style" ([facets] enabled; '
                                    'default content,style,colour)')
    p.add_argument("--title", help="site title")
    p.add_argument("--metadata", metavar="FILE", help="CSV sidecar keyed by path (default: metadata.csv "
                                                      "in the collection, when present)")
    p.add_argument("--base-url", help="public URL of the site, for link previews (optional)")
    p.add_argument("--work-dir", metavar="DIR", help="caches and stage outputs (default .lookalike/ "
                                                     "next to the config, or in the current folder)")
    p.add_argument("--report", metavar="FILE", help="also write the build summary as JSON")
    p.add_argument("--copy-originals", action="store_true", default=None,
                   help="publish the original files too, linked from each page")
    p.add_argument("--force", action="store_true", help="write into a non-empty folder not made by Lookalike")
    p.add_argument("--strict", action="store_true", help="exit with status 1 when any file was skipped")
    p.add_argument("--quiet", action="store_true", help="only print the summary and errors")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    return p.parse_args(argv)


def resolve_settings(args) -> tuple[config.Settings, Path]:
    """Settings and the folder that relative paths in the config file are relative to."""
    cfg_path = Path(args.config) if args.config else (Path("site.toml") if Path("site.toml").exists() else None)
    settings = config.load(cfg_path)
    base = cfg_path.resolve().parent if cfg_path else Path.cwd()
    for attr in ("collection", "output", "work_dir", "metadata"):
        value = getattr(settings, attr)
        if value and settings.origin.get(attr):  # from the file: relative to the file
            setattr(settings, attr, str(base / value))
    config.override(
        settings, collection=args.collection, output=args.out, model=args.model, weights=args.weights,
        batch_size=args.batch_size, workers=args.workers, precision=args.precision, k=args.k, trees=args.trees,
        perplexity=args.perplexity, seed=args.seed, title=args.title, base_url=args.base_url,
        work_dir=args.work_dir, metadata=args.metadata, copy_originals=args.copy_originals,
        facets=[f.strip() for f in args.facets.split(",") if f.strip()] if args.facets else None,
    )
    config.check_consistency(settings)
    if not settings.collection:
        raise config.ConfigError("no collection given: pass --collection DIR or set [site] collection in site.toml")
    return settings, base


def build_dir_for(work: Path, collection: Path) -> Path:
    """One stage folder per collection, named readably and uniquely."""
    resolved = collection.resolve()
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", resolved.name).strip("-") or "collection"
    return work / "builds" / f"{slug}-{hashlib.sha256(str(resolved).encode()).hexdigest()[:8]}"


def run(args) -> dict:
    settings, base = resolve_settings(args)
    collection = Path(settings.collection)
    out = Path(settings.output)
    work = Path(settings.work_dir) if settings.work_dir else base / ".lookalike"
    if not collection.is_dir():
        raise FileNotFoundError(f"the collection folder {collection} does not exist or is not a folder")
    from render import output

    output.check_output(out, collection, force=args.force)
    seconds: dict[str, float] = {}
    quiet = args.quiet

    t = time.perf_counter()
    from embed.stage import run_embed

    build_dir = build_dir_for(work, collection)
    emb = run_embed(collection, work / "cache", settings, hash_cache=build_dir / "hashes.json", quiet=quiet)
    manifest = emb.manifest
    _attach_metadata(manifest, collection, settings)
    manifest.write(build_dir / "manifest.json")
    features = dict(emb.features)
    if settings.blend and manifest.images:
        from embed.facets import blend

        features["blend"] = blend({f: features[f] for f in settings.blend if f in features}, settings.blend)
    for facet, matrix in features.items():
        manifest.check_rows(matrix, f"features/{facet}")
        save_npy(build_dir / "features" / f"{facet}.npy", matrix)
    seconds["embed"] = time.perf_counter() - t
    if not manifest.images:
        raise EmptyCollectionError(collection, manifest)

    t = time.perf_counter()
    from layout.stage import run_layout

    layouts = {facet: run_layout(facet, matrix, build_dir, settings, quiet) for facet, matrix in features.items()}
    seconds["layout"] = time.perf_counter() - t

    t = time.perf_counter()
    from embed.cache import ImageCache
    from render.site import render_site

    image_cache = ImageCache(work / "cache", settings.thumb_size, settings.display_size)
    rendered = render_site(out, manifest, layouts, image_cache, settings, quiet, collection=collection,
                           features=features, state_dir=build_dir)
    seconds["render"] = time.perf_counter() - t
    seconds["total"] = sum(seconds.values())
    sizes = output.size_report(out)

    notes = [n for lay in layouts.values() for n in lay.notes] + rendered.notes
    return {
        "images": len(manifest.images),
        "skipped": manifest.skipped,
        "duplicates": [{"path": im.path, "same_as": im.also} for im in manifest.images if im.also],
        "ignored": manifest.ignored,
        "metadata": manifest.metadata,
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
        "decoded": emb.decoded,
        "embedded": emb.embedded,
        "layout_cached": all(lay.cached for lay in layouts.values()),
        "model": manifest.model,
        "precision": emb.precision,
        "k": int(next(iter(layouts.values())).neighbours.shape[1]),
        "facets": list(layouts),
        "notes": notes,
        "removed_stale_files": len(rendered.removed),
        "output": str(out),
        "output_bytes": sizes["bytes"],
        "output_folders": sizes["folders"],
        "warnings": sizes["warnings"],
        "output_files": rendered.files,
        "work_dir": str(work),
    }


def _attach_metadata(manifest, collection: Path, settings) -> None:
    """Titles and catalogue fields from the sidecar CSV, if there is one."""
    from embed import metadata

    path = Path(settings.metadata) if settings.metadata else collection / metadata.SIDECAR_NAME
    if not path.is_file():
        if settings.metadata:
            raise FileNotFoundError(f"the metadata file {path} does not exist")
        return
    sidecar = metadata.read_sidecar(path)
    manifest.metadata = metadata.attach(sidecar, manifest.images)
    try:
        rel = path.resolve().relative_to(collection.resolve()).as_posix()
        manifest.ignored = [p for p in manifest.ignored if p != rel]  # the sidecar is used, not ignored
    except ValueError:
        pass


class EmptyCollectionError(Exception):
    def __init__(self, collection: Path, manifest):
        reasons = "".join(f"\n  {s['path']}: {s['reason']}" for s in manifest.skipped[:20])
        super().__init__(
            f"no usable images in {collection} (looked for .jpg .png .gif .bmp .tif .webp files)"
            + (f"; {len(manifest.skipped)} skipped:{reasons}" if manifest.skipped else "")
        )


def summary_text(report: dict) -> str:
    s = report["seconds"]
    lines = [
        f"Lookalike: {report['images']} images -> {report['output']}/ in {s['total']:.1f} s",
        f"  embed   {s['embed']:7.1f} s   {report['decoded']} decoded, {report['embedded']} embedded, "
        f"the rest from the cache ({report['model']})",
        f"  layout  {s['layout']:7.1f} s   {report['k']} neighbours each, facets: {', '.join(report['facets'])}"
        + (" (cached)" if report["layout_cached"] else ""),
        f"  render  {s['render']:7.1f} s   {report['output_files']} files, "
        f"{report['output_bytes'] / 1e6:.1f} MB",
    ]
    folders = report.get("output_folders") or {}
    if folders:  # where the bytes are, biggest first: what to shrink when a host has limits
        lines.append("          " + ", ".join(
            f"{name + '/' if name != '.' else 'top level'} {f['files']} file{'s' if f['files'] != 1 else ''} "
            f"{f['bytes'] / 1e6:.1f} MB"
            for name, f in sorted(folders.items(), key=lambda kv: -kv[1]["bytes"])))
    if report["skipped"]:
        lines.append(f"  skipped {len(report['skipped'])} file(s):")
        lines += [f"    {x['path']}: {x['reason']}" for x in report["skipped"][:50]]
        if len(report["skipped"]) > 50:
            lines.append(f"    ... and {len(report['skipped']) - 50} more (see --report)")
    if report["duplicates"]:
        lines.append(f"  identical files shown once: {len(report['duplicates'])}")
        lines += [f"    {d['path']} = {', '.join(d['same_as'])}" for d in report["duplicates"][:20]]
    if report["ignored"]:
        lines.append(f"  left out (not images, hidden or system files): {len(report['ignored'])}, "
                     f"e.g. {report['ignored'][0]}")
    md = report.get("metadata")
    if md:
        lines.append(f"  metadata {md['file']}: {md['described']} of {report['images']} images described")
        if md["images_without_row"]:
            lines.append(f"    {len(md['images_without_row'])} image(s) have no row, e.g. {md['images_without_row'][0]}")
        if md["unmatched_rows"]:
            lines.append(f"    {len(md['unmatched_rows'])} row(s) name no image: "
                         + ", ".join(md["unmatched_rows"][:5]) + (" ..." if len(md["unmatched_rows"]) > 5 else ""))
        if md["duplicate_rows"]:
            lines.append(f"    {len(md['duplicate_rows'])} path(s) appear in several rows (the last row is used)")
    recall = [n for n in report["notes"] if n.startswith("neighbours[") and "recall@" in n]
    if recall:  # one line for all facets: "recall@30 vs exact: content 1.000, style 0.998"
        parts = [f"{n[11:n.index(']')]} {n.split()[2]}" for n in recall]
        lines.append(f"  neighbour recall@{report['k']} against exact search (up to 200 images checked): " + ", ".join(parts))
    lines += [f"  note: {n}" for n in report["notes"] if n not in recall]
    lines += [f"  WARNING: {w}" for w in report.get("warnings", [])]
    out = report["output"]
    lines.append(f"  open {out}/index.html, or serve it: python -m http.server -d {out} 8000")
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        report = run(args)
    except KeyboardInterrupt:
        print("\nlookalike: interrupted; finished work is cached, run the same command to resume.", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - one place turns errors into a message and a status
        if args.debug:
            traceback.print_exc()
        known = _is_known(exc)
        print(f"lookalike: error: {exc}" if known else
              f"lookalike: unexpected error: {type(exc).__name__}: {exc}\n(run again with --debug for details)",
              file=sys.stderr)
        return 2
    print(summary_text(report))
    if args.report:
        write_text(Path(args.report), json.dumps(report, indent=1, sort_keys=True) + "\n")
    if args.strict and report["skipped"]:
        say(f"lookalike: --strict: {len(report['skipped'])} file(s) skipped", False)
        return 1
    return 0


def _is_known(exc: Exception) -> bool:
    from core.config import ConfigError

    names = {"ModelError", "OutputError", "RowMismatchError", "MissingFrontendError", "MetadataError"}
    return isinstance(exc, (ConfigError, FileNotFoundError, EmptyCollectionError)) or type(exc).__name__ in names


if __name__ == "__main__":
    sys.exit(main())
