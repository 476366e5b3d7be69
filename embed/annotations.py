"""What the manifest says of each image besides its vectors: its machine tags (embed/tags.py)
and its catalogue fields from the CSV sidecar (embed/metadata.py), for the embed stage.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from core.manifest import ImageRecord, Manifest
from embed.tags import tags_of


def why_untagged(model, keys: dict, tags) -> str | None:
    """Why no image gets tags this build, in words for the summary; None when they do."""
    if not tags.enabled:
        return "[tags] enabled = false"
    if model.name == "none":
        return '[model] name = "none": no model runs, so no image is tagged'
    if not set(keys) & {"content", "style"}:
        return "no facet runs the model (content or style), so nothing was tagged"
    from embed.backbones.registry import why_no_tags

    return why_no_tags(model.name, model.weights)


def tag_counts(records: list[ImageRecord], no_tags: str | None) -> dict:
    if no_tags:
        return {"none": no_tags}
    labels = {t["label"] for r in records for t in r.tags}
    return {"images_tagged": sum(bool(r.tags) for r in records), "tags": sum(len(r.tags) for r in records),
            "labels": len(labels)}


def attach_tags(records: list[ImageRecord], cache, rows: np.ndarray, tags) -> None:
    have = np.flatnonzero(rows >= 0)
    vectors = cache.take(rows[have]) if len(have) else []
    for r in records:
        r.tags = []
    for i, vector in zip(have, vectors):
        records[i].tags = tags_of(vector, tags.top, tags.floor)


def attach_metadata(manifest: Manifest, collection: Path, sidecar) -> None:
    """Titles and catalogue fields from the sidecar CSV, if there is one."""
    from embed import metadata

    if sidecar is None:
        return
    manifest.metadata = metadata.attach(sidecar, manifest.images)
    try:
        rel = Path(sidecar.file).resolve().relative_to(collection.resolve()).as_posix()
        manifest.ignored = [p for p in manifest.ignored if p != rel]  # the sidecar is used, not ignored
    except ValueError:
        pass
