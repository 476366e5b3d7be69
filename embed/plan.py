"""What this build must compute: each image's cached vectors, and a job for the rest.

Only images missing from a cache are decoded; the model (and TensorFlow) is loaded only
when a content or style vector is missing, and the style layers only when a style vector
is. Content the cache knows cannot be decoded is reported again without being opened.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from embed.collection import Candidate, Scan

MODEL_FACETS = ("content", "style", "tags")  # what the model's forward pass gives (tags: embed/tags.py)


@dataclass
class Job:
    cand: Candidate
    full_path: Path
    missing: set  # facets without a cached vector
    need_images: bool  # thumbnail / display copy / size not cached yet

    @property
    def need_model(self) -> bool:
        return bool(self.missing & set(MODEL_FACETS))


@dataclass
class Plan:
    jobs: list[Job]
    metas: dict[str, dict]  # sha -> {width, height}
    skipped: list[dict] = field(default_factory=list)  # {path, reason}
    rows: dict = field(default_factory=dict)  # facet -> store row of each candidate, -1 where none (yet)

    @property
    def model_jobs(self) -> int:
        return sum(j.need_model for j in self.jobs)

    @property
    def wants_style(self) -> bool:
        return any("style" in j.missing for j in self.jobs)


def make_plan(scan: Scan, root: Path, caches: dict, images, profiles=None) -> Plan:
    """caches: facet -> FeatureCache (one index read each, whatever the collection's size);
    images: the ImageCache of this build's copy sizes; profiles: the ProfileRecord
    (embed/profiles.py): what was cached for an image with an embedded colour profile before
    its pixels were converted is made again, once."""
    plan = Plan([], {}, list(scan.skipped))
    shas = [c.sha256 for c in scan.candidates]
    digests = [bytes.fromhex(s) for s in shas]
    plan.rows = {facet: cache.rows_of_digests(digests) for facet, cache in caches.items()}
    found = {facet: rows >= 0 for facet, rows in plan.rows.items()}
    metas = images.metas(shas)  # one listing per shard folder, not three file operations an image
    for i, cand in enumerate(scan.candidates):
        meta = metas[i]
        if meta is not None and "error" in meta:  # known-bad content: report, don't decode again
            plan.skipped += [{"path": p, "reason": meta["error"]} for p in [cand.path] + cand.also]
            continue
        missing = {facet for facet, have in found.items() if not have[i]}
        done = profiles.stale(cand.sha256, cand.full_path(root)) if profiles is not None else None
        if done is not None:  # converted pixels: the caches not made from them are made again
            missing |= {facet for facet, cache in caches.items() if cache.dir.name not in done}
            meta = meta if images.dir.name in done else None
        if meta is not None:
            plan.metas[cand.sha256] = meta
        if missing or meta is None:
            plan.jobs.append(Job(cand, cand.full_path(root), missing, meta is None))
    return plan
