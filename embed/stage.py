"""The embed stage: collection folder -> manifest + row-aligned vectors per facet.

Reader (decode), model step and writer (caches) are separate pieces joined by a
small runner: decoding runs in worker threads (Pillow releases the GIL) with a
bounded window ahead of the model, so memory stays flat for any collection size.
Only images missing from a cache are decoded; the model (and TensorFlow) is
loaded only when a content or style vector is missing, and the style layers only
when a style vector is. Colour histograms come from the same decode.
"""
from __future__ import annotations

import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.progress import Progress, say
from embed import collection as coll
from embed import facets as fx
from embed import models
from embed.cache import FeatureCache, ImageCache
from embed.images import ImageDecodeError, ImageReadError, decode
from embed.manifest import ImageRecord, Manifest
from embed.precision import resolve as resolve_precision

MODEL_FACETS = ("content", "style")


@dataclass
class EmbedResult:
    manifest: Manifest
    features: dict[str, np.ndarray]  # facet -> (N, D) float32, unit rows, row i = manifest.images[i]
    decoded: int  # images decoded this run
    embedded: int  # images that went through the CNN this run (the rest came from the cache)
    keys: dict[str, str] = field(default_factory=dict)  # facet -> cache key
    precision: str = "float32"  # the model's arithmetic, resolved from [model] precision
    precision_reason: str = ""


@dataclass
class _Job:
    cand: coll.Candidate
    full_path: Path
    missing: set  # facets without a cached vector
    need_images: bool

    @property
    def need_model(self) -> bool:
        return bool(self.missing & set(MODEL_FACETS))


def facet_keys(settings, precision: str = "float32") -> dict[str, str]:
    """Cache key of every requested facet (changes whenever its vectors would change)."""
    model_key = models.model_key(settings.model, settings.weights, precision)
    keys = {}
    for facet in settings.facets:
        params = fx.facet_params(facet, settings.model, settings.style_layers or None)
        if facet == "colour":
            params.update(bins=settings.colour_bins, space=settings.colour_space)
        keys[facet] = fx.facet_cache_key(facet, model_key, params)
    return keys


def run_embed(root: Path, cache_dir: Path, settings, hash_cache: Path | None = None,
              quiet: bool = False) -> EmbedResult:
    scan = coll.scan(root, hash_cache)
    precision, precision_reason = resolve_precision(settings.model, settings.precision)
    keys = facet_keys(settings, precision)
    caches = {facet: FeatureCache(cache_dir, key) for facet, key in keys.items()}
    images = ImageCache(cache_dir, settings.thumb_size, settings.display_size)

    vectors: dict[str, dict[str, np.ndarray]] = {facet: {} for facet in keys}
    metas: dict[str, dict] = {}
    jobs: list[_Job] = []
    skipped = list(scan.skipped)
    for cand in scan.candidates:
        meta = images.meta(cand.sha256)
        if meta is not None and "error" in meta:  # known-bad content: report, don't decode again
            skipped += [{"path": p, "reason": meta["error"]} for p in [cand.path] + cand.also]
            continue
        missing = set()
        for facet, cache in caches.items():
            vec = cache.get(cand.sha256)
            if vec is None:
                missing.add(facet)
            else:
                vectors[facet][cand.sha256] = vec
        if meta is not None:
            metas[cand.sha256] = meta
        if missing or meta is None:
            jobs.append(_Job(cand, cand.full_path(root), missing, meta is None))

    embedded = 0
    if jobs:
        n_model = sum(j.need_model for j in jobs)
        say(f"embed: {len(scan.candidates)} images, {len(scan.candidates) - len(jobs)} fully cached, "
            f"{len(jobs)} to decode, {n_model} through {settings.model} "
            f"(facets: {', '.join(keys)})", quiet)
        backbone = None
        if n_model:
            want_style = any("style" in j.missing for j in jobs)
            layers = (settings.style_layers or models.DEFAULT_STYLE_LAYERS[settings.model]) if want_style else None
            say(f"embed: {settings.model} in {precision} ({precision_reason})", quiet)
            backbone = models.load_backbone(settings.model, settings.weights, settings.batch_size,
                                            style_layers=layers, precision=precision)
        embedded = _process(jobs, backbone, caches, images, vectors, metas, skipped, settings, quiet)
    else:
        say(f"embed: all {len(scan.candidates)} images cached ({', '.join(keys)})", quiet)

    records = []
    for cand in scan.candidates:
        if cand.sha256 not in metas or any(cand.sha256 not in vectors[f] for f in keys):
            continue  # decode failed: already in `skipped` with its reason
        meta = metas[cand.sha256]
        records.append(ImageRecord(
            id=cand.id, sha256=cand.sha256, path=cand.path, title=coll.readable_title(cand.path),
            width=meta["width"], height=meta["height"], bytes=cand.size, also=cand.also,
        ))
    matrices = {facet: _matrix([vectors[facet][r.sha256] for r in records]) for facet in keys}
    _check_unique_ids(records)
    manifest = Manifest(collection=str(Path(root).resolve()), model=keys.get("content", models.model_key(
        settings.model, settings.weights, precision)), images=records,
        skipped=sorted(skipped, key=lambda s: s["path"]), ignored=scan.ignored)
    return EmbedResult(manifest, matrices, len(jobs), embedded, keys, precision, precision_reason)


def _matrix(rows: list[np.ndarray]) -> np.ndarray:
    return np.stack(rows).astype(np.float32) if rows else np.zeros((0, 1), np.float32)


def _process(jobs, backbone, caches, images, vectors, metas, skipped, settings, quiet) -> int:
    """Decode jobs in threads, feed full batches to the model, write caches as they finish."""
    model_size = backbone.input_size if backbone else None
    want_style = backbone is not None and backbone.style_model is not None
    workers = settings.workers or os.cpu_count() or 1
    progress = Progress("embed", len(jobs), quiet=quiet)
    batch_inputs: list[np.ndarray] = []
    batch_jobs: list[_Job] = []
    embedded = 0

    def work(job: _Job):
        """Runs in a worker thread: decode once, and the colour histogram from that decode."""
        try:
            dec = decode(job.full_path, model_size if job.need_model else None,
                         settings.thumb_size, settings.display_size, max_pixels=settings.max_pixels)
        except ImageReadError as exc:  # the file, not its content: not cached, retried next build
            return job, None, None, str(exc)
        except ImageDecodeError as exc:
            images.put_error(job.cand.sha256, str(exc))
            return job, None, None, str(exc)
        except Exception as exc:  # noqa: BLE001 - one odd file must not end the build
            return job, None, None, f"unexpected error while decoding: {type(exc).__name__}: {exc}"
        colour = None
        if "colour" in job.missing:
            colour = fx.colour_vector(dec.small_rgb, settings.colour_bins, settings.colour_space)
            caches["colour"].put(job.cand.sha256, colour)
        if job.need_images:  # cache writes here, off the thread that feeds the model
            images.put(job.cand.sha256, dec.width, dec.height, dec.thumb_jpeg, dec.display_jpeg)
        return job, dec, colour, None

    def flush():
        nonlocal embedded
        if not batch_inputs:
            return
        out = backbone.embed_facets(np.stack(batch_inputs), want_style=want_style)
        for row, job in enumerate(batch_jobs):
            sha = job.cand.sha256
            for facet in MODEL_FACETS:
                if facet in caches and facet in out:
                    vec = out[facet][row]
                    if facet in job.missing:
                        writes.append(writer.submit(caches[facet].put, sha, vec))
                    vectors[facet].setdefault(sha, vec)
        embedded += len(batch_inputs)
        progress.advance(len(batch_inputs))
        batch_inputs.clear()
        batch_jobs.clear()

    writes: list = []
    with ThreadPoolExecutor(max_workers=workers) as pool, ThreadPoolExecutor(max_workers=1) as writer:
        window = max(2 * settings.batch_size, 4 * workers)
        for job, dec, colour, error in _bounded_map(pool, work, jobs, window):
            sha = job.cand.sha256
            if error is not None:
                skipped += [{"path": p, "reason": error} for p in [job.cand.path] + job.cand.also]
                progress.advance()
                continue
            if job.need_images:
                metas[sha] = {"width": dec.width, "height": dec.height}
            if colour is not None:
                vectors["colour"][sha] = colour
            if job.need_model:
                batch_inputs.append(dec.model_input)
                batch_jobs.append(job)
                if len(batch_inputs) == backbone.batch_size:
                    flush()
            else:
                progress.advance()
        flush()
        for w in writes:
            w.result()  # a failed cache write is an error, not a silent miss
    progress.close()
    return embedded


def _bounded_map(pool, fn, items, window: int):
    """pool.map that keeps at most `window` results in flight, in input order."""
    pending: deque = deque()
    for item in items:
        pending.append(pool.submit(fn, item))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _check_unique_ids(records: list[ImageRecord]) -> None:
    seen: dict[str, str] = {}
    for r in records:
        if r.id in seen:  # 12 hex chars collide only for different SHA-256s with a shared prefix
            raise ValueError(f"id collision: {r.path} and {seen[r.id]} share id {r.id}")
        seen[r.id] = r.path
