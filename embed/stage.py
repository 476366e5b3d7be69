"""The embed stage: collection folder -> manifest.json + features/<facet>.npy in the build folder.

    run(folder, settings, log) -> EmbedReport

Reads the collection and the caches, writes the manifest (rows, skipped files, metadata
sidecar, what the later stages need) and one row-aligned matrix per facet (blend included).
`settings` is the embed step's view (core/views.py for_step): [site] collection and metadata,
[model], [embed], [images], [facets], [tags]; `log` is the build's reporter (core/log.py).
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np

from core.commit_group import CommitGroup
from core.errors import InputError, LookalikeError
from core.manifest import ImageRecord, Manifest
from core.reports import EmbedReport
from core.workfolder import BuildFolder
from embed import collection as coll
from embed import runner, user_vectors
from embed.annotations import attach_metadata, attach_tags, tag_counts, why_untagged
from embed.backbones.registry import model_key
from embed.facets import blend, facet_keys
from embed.plan import MODEL_FACETS, Plan, make_plan
from embed.precision import resolve as resolve_precision
from embed.profiles import ProfileRecord
from embed.reader import Decoder, Keeper
from embed.runtimes import choose as choose_runtime
from embed.tags import tag_cache_key


class EmptyCollectionError(LookalikeError):
    def __init__(self, collection: Path, manifest: Manifest):
        reasons = "".join(f"\n  {s['path']}: {s['reason']}" for s in manifest.skipped[:20])
        super().__init__(f"no usable images in {collection} (looked for .jpg .png .gif .bmp .tif .webp files)"
                         + (f"; {len(manifest.skipped)} skipped:{reasons}" if manifest.skipped else ""))


def check(folder: BuildFolder, settings, log) -> dict:
    """Before any step works: the collection is a folder."""
    collection = Path(settings.site.collection)
    if not collection.is_dir():
        raise InputError(f"the collection folder {collection} does not exist or is not a folder")
    return {}


def run(folder: BuildFolder, settings, log) -> EmbedReport:
    start = time.perf_counter()
    model, images, facets, tags = settings.model, settings.images, settings.facets, settings.tags
    root = Path(settings.site.collection)
    from embed import metadata as catalogue

    metadata = Path(settings.site.metadata) if settings.site.metadata else None
    sidecar = catalogue.load(root, metadata, images.follow_links_outside)  # checked before any decode
    mine = user_vectors.load(facets, root, folder.work.root.parent, log)  # [facets] vectors: checked too
    scan = coll.scan(root, folder.hashes, images.follow_links_outside)
    if mine:  # images without a vector are left out, with that reason (user_vectors.py)
        gone, mine_rows, mine_report = user_vectors.pick(mine, scan, root, log)
        scan.skipped.extend(gone)
    precision, why_precision = resolve_precision(model.name, model.precision)
    keys = facet_keys(model, facets, precision)
    caches = {facet: folder.work.feature_cache(key) for facet, key in keys.items()}
    no_tags = why_untagged(model, keys, tags)
    if no_tags is None:
        caches["tags"] = folder.work.feature_cache(tag_cache_key(model_key(model.name, model.weights, precision)))
    image_cache = folder.work.image_cache(images.thumb_size, images.display_size)
    profiles = ProfileRecord(folder.work.colour_profiles)
    plan = make_plan(scan, root, caches, image_cache, profiles)
    stores = CommitGroup(caches.values())  # an image's facets are committed in the same round
    try:
        embedded, engine_used, runtime = _compute(plan, caches, image_cache, settings, (precision, why_precision),
                                         len(scan.candidates), log)
    finally:  # what was computed is kept, Ctrl-C or not
        stores.flush()
    profiles.computed(plan, caches, image_cache)  # after the vectors are on disk, never before

    rows = plan.rows if not plan.jobs else {  # rows are added only where something was to compute
        facet: cache.rows([c.sha256 for c in scan.candidates]) for facet, cache in caches.items()}
    records, kept = _records(scan, plan, {f: rows[f] for f in keys})
    for r in records:
        r.colour = profiles.recipe(r.sha256)
    rows = {facet: found[kept] for facet, found in rows.items()}  # facet -> store row of each record
    if no_tags is None:
        attach_tags(records, caches["tags"], rows["tags"], tags)
    manifest = Manifest(collection=str(root.resolve()), model=keys.get("content") or (
        "none" if model.name == "none" else model_key(model.name, model.weights, precision)), images=records,
        skipped=sorted(plan.skipped, key=lambda s: s["path"]), ignored=scan.ignored,
        facets=([mine.name] if mine else []) + list(keys) + (["blend"] if facets.blend and records else []),
        copies={"thumb_size": images.thumb_size, "display_size": images.display_size},
        tagger={"none": no_tags} if no_tags else {"classes": "imagenet-1k", "top": tags.top, "floor": tags.floor})
    attach_metadata(manifest, root, sidecar)
    _write_features(folder, manifest, {f: caches[f] for f in keys}, keys, rows, facets.blend)
    if mine:
        manifest.vectors = mine_report
        user_vectors.write(folder, manifest, mine, mine_rows[kept])
    if no_tags is None and not folder.has_classifier():  # for class-focused similarity (layout)
        from embed.backbones.lite0 import lite0_head_weights

        folder.write_classifier(lite0_head_weights())
    folder.write_manifest(manifest)
    if not manifest.images:
        raise EmptyCollectionError(root, manifest)
    return EmbedReport(
        images=len(records), skipped=manifest.skipped, ignored=manifest.ignored, metadata=manifest.metadata,
        duplicates=[{"path": im.path, "same_as": im.also} for im in records if im.also],
        decoded=len(plan.jobs), embedded=embedded, cached=_cached(records, plan),
        model=manifest.model, precision=precision, embed_engine=engine_used, runtime=runtime,
        facets=manifest.facets, tags=tag_counts(records, no_tags), seconds=time.perf_counter() - start)


def _compute(plan: Plan, caches, image_cache, settings, precision: tuple[str, str], total: int,
             log) -> tuple[int, str, str]:
    """Decode and embed what the caches lack; returns how many images went through the
    model, the engine that did it in words ("local, 2 decode processes") and the runtime
    the model ran on, with why (embed/runtimes.py).
    precision: the model's arithmetic and why (embed/precision.py)."""
    model, facets = settings.model, settings.facets
    if not plan.jobs:
        log.info(f"embed: all {total} images cached ({', '.join(caches)})")
        return 0, "none (all cached)", ""
    log.info(f"embed: {total} images, {total - len(plan.jobs)} fully cached, {len(plan.jobs)} to decode, "
             f"{plan.model_jobs} through {model.name} (facets: {', '.join(caches) or 'none of its own'})")
    from embed import backbones

    wants_model = plan.model_jobs > 0
    layers = (facets.style_layers or backbones.DEFAULT_STYLE_LAYERS[model.name]) if plan.wants_style else None
    runtime = choose_runtime(model, precision[0], tuple(layers) if layers else None, log) if wants_model else (
        "none", "no image needs the model")
    model_spec = backbones.ModelSpec(model.name, model.weights, model.batch_size,
                                     tuple(layers) if layers else None, precision[0],
                                     tags=any("tags" in j.missing for j in plan.jobs), runtime=runtime[0])
    decoder = Decoder.of(settings.images, facets, backbones.input_size(model.name) if wants_model else None)
    keep = Keeper(plan, caches, image_cache)

    def write(job, row: dict) -> None:  # on the writer thread: the model never waits for the disk
        for facet in MODEL_FACETS:
            if facet in caches and facet in row and facet in job.missing:
                caches[facet].put(job.cand.sha256, row[facet])

    def failed(job, reason: str) -> None:
        plan.skipped.extend({"path": p, "reason": reason} for p in [job.cand.path] + job.cand.also)

    engine = settings.embed
    if engine.engine == "ray":
        from embed import ray_engine

        with log.progress("embed", len(plan.jobs)) as progress:
            embedded, used = ray_engine.run(plan.jobs, decoder, model_spec if wants_model else None,
                                            runner.Sink(keep, write, failed, progress.advance), engine, log)
        return embedded, used, f"{runtime[0]} ({runtime[1]})" if wants_model else ""
    backbone = None
    if wants_model:
        log.info(f"embed: {model.name} in {precision[0]} ({precision[1]}) on {runtime[0]} ({runtime[1]})")
        backbone = model_spec.load()
    workers = model.workers or os.cpu_count() or 1
    pool = decode_pool_for(engine.decode, workers)
    with log.progress("embed", len(plan.jobs)) as progress:  # closed on errors too
        embedded = runner.run(plan.jobs, decoder, backbone.embed_batch if backbone else None,
                              runner.Sink(keep, write, failed, progress.advance), model.batch_size, workers, pool)
    return embedded, f"local, {workers} decode {pool}", (
        f"{getattr(backbone, 'label', runtime[0])} ({runtime[1]})" if backbone else "")


def decode_pool_for(setting: str, workers: int) -> str:
    """auto: processes where the GIL would cap threads (3 or more decoders). On 2 cores
    threads and processes decode alike (docs/scaling.md) and threads start at once."""
    if setting != "auto":
        return setting
    return "processes" if workers >= 3 else "threads"


def _write_features(folder: BuildFolder, manifest: Manifest, caches: dict, keys: dict, rows: dict,
                    weights: dict) -> None:
    """The build's feature arrays from the stores, each rewritten only when what it holds
    changed: the images (SHA-256s, in row order) and the store rows their vectors come from.
    The SHA-256s are in the stamp because a store row can be written again after a damaged
    index was cut short; the store's id, because a store made anew numbers from 0."""
    shas = manifest.sha_bytes()
    stamps = {f: _stamp(keys[f], caches[f].store_id, rows[f], shas) for f in keys}
    matrices: dict[str, np.ndarray] = {}

    def matrix(facet: str) -> np.ndarray:
        if facet not in matrices:
            found = rows[facet]
            matrices[facet] = caches[facet].take(found) if len(found) else np.zeros((0, 1), np.float32)
        return matrices[facet]

    for facet in keys:  # the manifest last: it vouches for the arrays
        if folder.features_key(facet) != stamps[facet]:
            folder.write_features(manifest, facet, matrix(facet), stamps[facet])
    if "blend" in manifest.facets:
        stamp = _stamp(json.dumps(weights, sort_keys=True), *(stamps[f] for f in sorted(weights) if f in keys))
        if folder.features_key("blend") != stamp:
            folder.write_features(manifest, "blend", blend({f: matrix(f) for f in weights if f in keys}, weights),
                                  stamp)


def _stamp(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.tobytes() if isinstance(part, np.ndarray) else part if isinstance(part, bytes)
                 else str(part).encode())
        h.update(b"\0")
    return h.hexdigest()


def _records(scan, plan: Plan, rows: dict) -> tuple[list[ImageRecord], np.ndarray]:
    """The images with every vector and their copies, and their positions in scan.candidates."""
    complete = np.ones(len(scan.candidates), bool)
    for found in rows.values():
        complete &= found >= 0
    picked = [i for i, c in enumerate(scan.candidates)  # a failed decode is already in `skipped`
              if complete[i] and c.sha256 in plan.metas]
    kept = [scan.candidates[i] for i in picked]
    records = [ImageRecord(id=c.id, sha256=c.sha256, path=c.path, title=title,
                           width=plan.metas[c.sha256]["width"], height=plan.metas[c.sha256]["height"],
                           bytes=c.size, also=c.also)
               for c, title in zip(kept, coll.unique_titles([c.path for c in kept]))]
    seen: dict[str, str] = {}
    for r in records:
        if r.id in seen:  # 12 hex chars collide only for different SHA-256s with a shared prefix
            raise ValueError(f"id collision: {r.path} and {seen[r.id]} share id {r.id}")
        seen[r.id] = r.path
    return records, np.asarray(picked, np.int64)


def _cached(records: list[ImageRecord], plan: Plan) -> int:
    worked = {j.cand.sha256 for j in plan.jobs}
    return sum(r.sha256 not in worked for r in records)
