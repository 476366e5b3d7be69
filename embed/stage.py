"""The embed stage: collection folder -> manifest + row-aligned feature matrix.

Reader (decode), model step and writer (caches) are separate pieces joined by a
small runner: decoding runs in worker threads (Pillow releases the GIL) with a
bounded window ahead of the model, so memory stays flat for any collection size.
Only images missing from the caches are decoded; the model (and TensorFlow) is
loaded only when some vector is missing.
"""
from __future__ import annotations

import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.progress import Progress, say
from embed import collection as coll
from embed import models
from embed.cache import FeatureCache, ImageCache
from embed.images import ImageDecodeError, ImageReadError, decode
from embed.manifest import ImageRecord, Manifest


@dataclass
class EmbedResult:
    manifest: Manifest
    features: np.ndarray  # (N, D) float32, L2-normalised, row i = manifest.images[i]
    decoded: int  # images decoded this run
    embedded: int  # vectors computed this run (the rest came from the cache)


@dataclass
class _Job:
    cand: coll.Candidate
    full_path: Path
    need_vector: bool
    need_images: bool


def run_embed(root: Path, cache_dir: Path, settings, hash_cache: Path | None = None,
              quiet: bool = False) -> EmbedResult:
    scan = coll.scan(root, hash_cache)
    key = models.model_key(settings.model, settings.weights)
    features = FeatureCache(cache_dir, key)
    images = ImageCache(cache_dir, settings.thumb_size, settings.display_size)

    vectors: dict[str, np.ndarray] = {}
    metas: dict[str, dict] = {}
    jobs: list[_Job] = []
    skipped = list(scan.skipped)
    for cand in scan.candidates:
        meta = images.meta(cand.sha256)
        if meta is not None and "error" in meta:  # known-bad content: report, don't decode again
            skipped += [{"path": p, "reason": meta["error"]} for p in [cand.path] + cand.also]
            continue
        vec = features.get(cand.sha256)
        if vec is not None:
            vectors[cand.sha256] = vec
        if meta is not None:
            metas[cand.sha256] = meta
        if vec is None or meta is None:
            jobs.append(_Job(cand, root / cand.path, vec is None, meta is None))

    embedded = 0
    if jobs:
        n_vec = sum(j.need_vector for j in jobs)
        say(f"embed: {len(scan.candidates)} images, {len(scan.candidates) - len(jobs)} fully cached, "
            f"{len(jobs)} to decode, {n_vec} to embed with {key}", quiet)
        backbone = models.load_backbone(settings.model, settings.weights, settings.batch_size) if n_vec else None
        embedded = _process(jobs, backbone, features, images, vectors, metas, skipped, settings, quiet)
    else:
        say(f"embed: all {len(scan.candidates)} images cached for {key}", quiet)

    records, rows = [], []
    for cand in scan.candidates:
        if cand.sha256 not in vectors or cand.sha256 not in metas:
            continue  # decode failed: already in `skipped` with its reason
        meta = metas[cand.sha256]
        records.append(ImageRecord(
            id=cand.id, sha256=cand.sha256, path=cand.path, title=coll.readable_title(cand.path),
            width=meta["width"], height=meta["height"], bytes=cand.size, also=cand.also,
        ))
        rows.append(vectors[cand.sha256])
    dim = rows[0].shape[0] if rows else models.get_spec(settings.model).feature_dim
    matrix = np.stack(rows).astype(np.float32) if rows else np.zeros((0, dim), np.float32)
    _check_unique_ids(records)
    manifest = Manifest(collection=str(Path(root).resolve()), model=key, images=records,
                        skipped=sorted(skipped, key=lambda s: s["path"]), ignored=scan.ignored)
    return EmbedResult(manifest, matrix, len(jobs), embedded)


def _process(jobs, backbone, features, images, vectors, metas, skipped, settings, quiet) -> int:
    """Decode jobs in threads, feed full batches to the model, write caches as they finish."""
    model_size = backbone.input_size if backbone else None
    workers = settings.workers or os.cpu_count() or 1
    progress = Progress("embed", len(jobs), quiet=quiet)
    batch_inputs, batch_shas = [], []
    embedded = 0

    def work(job: _Job):
        try:
            return job, decode(job.full_path, model_size if job.need_vector else None,
                               settings.thumb_size, settings.display_size, max_pixels=settings.max_pixels), None
        except ImageReadError as exc:  # the file, not its content: not cached, retried next build
            return job, None, str(exc)
        except ImageDecodeError as exc:
            images.put_error(job.cand.sha256, str(exc))
            return job, None, str(exc)
        except Exception as exc:  # noqa: BLE001 - one odd file must not end the build
            return job, None, f"unexpected error while decoding: {type(exc).__name__}: {exc}"

    def flush():
        nonlocal embedded
        if batch_inputs:
            out = backbone.embed(np.stack(batch_inputs))
            for sha, vec in zip(batch_shas, out):
                features.put(sha, vec)
                vectors[sha] = vec
            embedded += len(batch_inputs)
            progress.advance(len(batch_inputs))
            batch_inputs.clear()
            batch_shas.clear()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for job, dec, error in _bounded_map(pool, work, jobs, window=max(2 * settings.batch_size, 4 * workers)):
            sha = job.cand.sha256
            if error is not None:
                skipped.append({"path": job.cand.path, "reason": error})
                for other in job.cand.also:
                    skipped.append({"path": other, "reason": error})
                progress.advance()
                continue
            if job.need_images:
                images.put(sha, dec.width, dec.height, dec.thumb_jpeg, dec.display_jpeg)
                metas[sha] = {"width": dec.width, "height": dec.height}
            if job.need_vector:
                batch_inputs.append(dec.model_input)
                batch_shas.append(sha)
                if len(batch_inputs) == backbone.batch_size:
                    flush()
            else:
                progress.advance()
        flush()
    progress.close()
    return embedded


def _bounded_map(pool, fn, items, window: int):
    """pool.map that keeps at most `window` results in flight, in input order."""
    pending: deque = deque()
    it = iter(items)
    for item in it:
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
