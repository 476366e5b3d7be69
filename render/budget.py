"""GitHub Pages' budgets, checked before the site is written and again on what was written.

    under 1 GB in all, no file over 50 MB (GitHub warns at 50 MB and refuses 100 MB),
    no folder over 3,000 files (render/urls.py shards the per-image folders, and
    render/pagefind_canon.py the search index's file per page: pagefind/fragment/<2 hex>/)

A folder over that is named with what to do, GitHub Actions included (no git tree is made).

estimate() sizes the site from what the build already knows (the image copies' sizes, one
rendered page, what the last build wrote), so a collection that cannot fit is told which
budget it exceeds, by how much and which [site] / [images] setting would make it fit,
before minutes of writing. check() applies the same rules to any listing, estimated or real.
"""
from __future__ import annotations

from dataclasses import dataclass

from render.data import part_rows

SITE_BYTES = 1_000_000_000  # GitHub Pages: published sites may be no larger than 1 GB
FILE_BYTES = 50_000_000  # GitHub warns above 50 MB and refuses files over 100 MB in a push
FOLDER_FILES = 3_000  # files in one folder: beyond it listings and GitHub's tree views degrade

# What makes each part of the site big, and the setting that shrinks it.
FOLDER_ADVICE = {
    "media": "lower [images] display_size, or set [images] display_copies = false (thumbnails only)",
    "thumbs": "lower [images] thumb_size",
    "originals": "turn off copy_originals (originals over 100 MB cannot be published on Pages)",
    "image": "set [site] pages_max below the number of images (no page per image; the map links to "
             "the picture), or lower [neighbours] k or list fewer facets",
    "pagefind": "set [site] pages_max below the number of images (no image pages, so no search index; "
                "the search index holds a file per page)",
    "data": "lower [neighbours] map_neighbours, or list fewer facets or [map] arrangements",
    "atlas": "lower the number of images (the map's thumbnail sheets grow with it)",
    "query": "set [site] photo_query = false (the photo query's model, runtime and index)",
}


def check(total: int, folder_bytes: dict[str, int], folder_files: dict[str, int],
          big_files: dict[str, int]) -> list[str]:
    """Warnings naming each exceeded budget, by how much, and what to change.

    folder_bytes: top folder -> bytes; folder_files: any folder -> files directly in it;
    big_files: site path -> bytes, for the files worth naming (the largest)."""
    warnings = []
    if total > SITE_BYTES:
        parts = sorted(folder_bytes, key=lambda f: -folder_bytes[f])[:2]
        advice = "; ".join(f"{_name(f)} is {human(folder_bytes[f])}: {FOLDER_ADVICE.get(f, 'split the collection')}"
                           for f in parts)
        warnings.append(f"the site is {human(total)}, {human(total - SITE_BYTES)} over GitHub Pages' "
                        f"{human(SITE_BYTES)} limit; {advice} (or host it on a web server of your own, "
                        f"which has no such limit)")
    for rel, size in sorted(big_files.items()):
        if size > FILE_BYTES:
            top = rel.split("/", 1)[0] if "/" in rel else "."
            warnings.append(f"{rel} is {human(size)}, {human(size - FILE_BYTES)} over GitHub's {human(FILE_BYTES)} "
                            f"file limit: {FOLDER_ADVICE.get(top, 'split the collection')}")
    for folder, files in sorted(folder_files.items()):
        if files > FOLDER_FILES:
            top = folder.split("/", 1)[0]
            warnings.append(f"{folder}/ holds {files:,} files, {files - FOLDER_FILES:,} over the {FOLDER_FILES:,} "
                            f"entries GitHub recommends for one folder of a git tree (a gh-pages branch): "
                            f"{FOLDER_ADVICE.get(top, 'split the collection')}; {ACTIONS}")
    return warnings


# A site published by GitHub Actions (actions/upload-pages-artifact, then actions/deploy-pages)
# is uploaded as an archive: no commit and no tree is made, so a folder's width does not matter.
ACTIONS = ("or publish the site with GitHub Actions (docs/publishing.md: actions/upload-pages-artifact), "
           "where no git tree is made, instead of `build.py deploy`")


def human(size: int) -> str:
    """Bytes as people read them: 1 GB, 564 MB, 12.5 kB."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(size) >= scale:
            return f"{size / scale:.3g} {unit}".replace(".0 ", " ")
    return f"{size} bytes"


def _name(folder: str) -> str:
    return "the top level" if folder == "." else folder + "/"


# The map's sheets of real photos, all levels (render/atlas.py LEVELS): 2,070 bytes an image
# for imagen, 1,580 for flowers (64 px cells; the 1/2 and 1/4 levels add 45-53 % to the full sheets).
ATLAS_BYTES_PER_IMAGE = 2_000

SHARDS = 256  # render/urls.py: per-image files go into one folder per two hex characters of the id


@dataclass(frozen=True)
class Planned:
    """The site a build is about to write, as far as its size goes."""
    pages: int  # image pages
    images: int
    facets: int
    k: int  # neighbours a page lists per facet
    map_neighbours: int
    search: bool
    query: int = 0  # bytes of query/ (render/photo_query.py estimated_bytes), 0 without the photo query
    orders: int = 0  # the list's orders besides the map's (render/list_orders.py): a copy of the list each


def estimate(known: dict[str, int], planned: Planned, previous: dict) -> dict:
    """The site's size before it is written: {bytes, folders: {top: bytes}, files: {folder: count}, big: {}}.

    known: exact bytes by top folder (the image copies, the originals). The parts only known
    once made (pages, search index, map sheets, data) come from what the last build wrote,
    scaled by the number of images, or else from sizes measured on real sites (the figures
    below: docs/benchmarks.md)."""
    pages, images, facets, k, map_neighbours, search = (planned.pages, planned.images, planned.facets, planned.k,
                                                         planned.map_neighbours, planned.search)
    before = previous.get("folders", {}) if previous else {}
    scale = images / previous["images"] if previous else 0.0

    def sized(top: str, per_image: float, count: int) -> int:
        if top in before and scale and count:
            return int(before[top]["bytes"] * scale * (count / images if images else 1))
        return int(per_image * count)

    folders = dict(known)
    folders["image"] = sized("image", 1_200 + facets * k * 330, pages)
    folders["pagefind"] = sized("pagefind", 2_600, pages if search else 0)
    folders["atlas"] = sized("atlas", ATLAS_BYTES_PER_IMAGE, images)
    points = images * (70 + facets * (30 + map_neighbours * 11))
    arranged = images * facets * 45  # data/arrangements.js: 3 arrangements x 2 coordinates x ~7 bytes an image
    folders["data"] = points + images * (60 + facets * k * 9) + arranged  # points.js, the gzipped exports
    folders["list"] = images * 330 * (1 + planned.orders)
    folders["query"] = planned.query
    folders = {top: size for top, size in folders.items() if size}
    per_shard = -(-images // SHARDS)
    per_shard += int(3 * per_shard ** 0.5) if images >= SHARDS else 0  # the fullest of 256 shards, not the mean
    files = {f"{top}/00": per_shard for top in known}
    if pages:
        files["image/00"] = per_shard
    if search and pages:  # one fragment per page, in 256 shards by its hash (render/pagefind_canon.py)
        files["pagefind/fragment/00"] = per_shard
    part = min(images, part_rows(map_neighbours)) * (map_neighbours * 11 + 6)  # the neighbour parts (render/data.py)
    big = {"data/points.js": points - facets * images * (map_neighbours * 11), "data/points-<facet>-0.js": part,
           "data/arrangements.js": arranged}
    return {"bytes": sum(folders.values()), "folders": folders, "files": files, "big": big}
