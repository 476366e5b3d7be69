"""What each stage returns: small typed reports (counts, seconds, recall, size warnings).

The summary and the --report JSON (core/summary.py) are formatted from their fields, never
parsed back out of a sentence.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class EmbedReport:
    images: int
    skipped: list[dict]  # {path, reason}, sorted by path
    duplicates: list[dict]  # {path, same_as}
    ignored: list[str]
    metadata: dict  # the sidecar's report ({} without one)
    decoded: int  # images decoded this run
    embedded: int  # images that went through the CNN this run
    cached: int  # images whose vectors and copies all came from the cache
    model: str  # the feature key of the content vectors
    precision: str
    facets: list[str]  # feature arrays written, blend included
    embed_engine: str = ""  # who embedded: "local, 2 decode threads", "ray (address), ..."
    runtime: str = ""  # where the model ran and why: "openvino 2026.4 f32 (auto: ...)" (embed/runtimes.py)
    tags: dict = field(default_factory=dict)  # {"images_tagged", "tags", "labels"} or {"none": why not}
    seconds: float = 0.0


@dataclass
class FacetLayoutReport:
    facet: str
    k: int
    cached: bool
    recall: float | None  # recall@k against exact search on a sample (None when k = 0)
    engine: str  # "annoy" or "faiss-ivf nlist <lists> nprobe <probed>"
    search_k: int
    map_how: str = "t-SNE"  # "t-SNE" (laid out afresh), "placed" (new images into the last map), "kept", "cached"
    placed: int = 0  # new images placed into the last map this run
    kept: int = 0  # images that kept their place
    removed: int = 0  # images of the last map no longer in the collection
    groups: dict = field(default_factory=dict)  # groups, named, subgroups, ungrouped, images, how; or {"none": why}


@dataclass
class LayoutReport:
    facets: list[FacetLayoutReport]
    seconds: float = 0.0
    focused: dict = field(default_factory=dict)  # class-focused neighbours: images, classes, seconds, cached
    arrangements: dict = field(default_factory=dict)  # facet -> kinds, seconds, cached... (layout/arrangements.py)

    @property
    def k(self) -> int:
        return self.facets[0].k if self.facets else 0

    @property
    def cached(self) -> bool:
        return all(f.cached for f in self.facets)


@dataclass
class RenderReport:
    output: str
    files: int
    pages_rendered: int  # image pages written this run (the rest were unchanged)
    removed: int  # stale files of an earlier build removed
    bytes: int
    folders: dict  # top-level folder -> {files, bytes}
    warnings: list[str]  # GitHub Pages' limits, measured on the site written
    seconds: float = 0.0
    copied: int = 0  # image copies written this run (unchanged ones are not even compared)
    data_written: int = 0  # data files (points, exports) made again this run
    sheets: int = 0  # the map's atlas sheets (each also at its smaller levels)
    sheets_made: int = 0  # of those, made again this run (the rest kept their pictures)
    disk_bytes: int = 0  # what the site takes on this disk (blocks), beside `bytes` (what Pages counts)
    removed_files: list[str] = field(default_factory=list)  # the stale files removed, by site path
    kept_files: list[str] = field(default_factory=list)  # stale, but edited since Lookalike wrote them: kept
    arrangements_bytes: int = 0  # data/arrangements.js (grid, timeline, blocks: render/arrangements_data.py)
    photo_query: str = ""  # "find look-alikes of your photo": the index's shape and recall, or why it is off


@dataclass
class DeployReport:
    remote: str
    branch: str
    commit: str  # the new commit on the branch
    files: int
    seconds: float = 0.0
