"""Your own map: `[map] coordinates = "xy.csv"` (path,x,y), used instead of t-SNE for every facet.

A team that laid its collection out elsewhere (UMAP of its CLIP vectors, a curated
arrangement, an earlier tool's map) keeps that map; Lookalike adds the neighbours, pages and
site. The same coordinates serve every facet (switching facets then changes the neighbours,
not the places). Rows match images by path (core/path_table.py: as the manifest spells them,
identical copies too); NaN or infinity is refused with the line. An image without a row is
placed at the mean of its nearest neighbours (in this facet's vectors) that have coordinates,
so a collection that grew since the map was made still shows every image; those images and the
rows that name no image are reported. No row matching any image is refused.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from core.path_table import (
    TableError,
    listed,
    match,
    norm_path,
    numbers,
    path_column,
    read_csv,
    regular_file,
    say_where,
)

WHAT = "coordinates"
NEAREST = 5  # neighbours with coordinates whose mean places an image without a row


def digest(path: str) -> str:
    """Of the file's bytes: part of the layout's key, so an edited file lays the map out again."""
    return hashlib.sha256(regular_file(Path(path), WHAT).read_bytes()).hexdigest()


def read(path: str, manifest) -> tuple[np.ndarray, list[str], list[str]]:
    """(coords (N, 2) float64 with NaN where an image has no row, images without a row, rows naming no image)."""
    file = Path(path)
    names, rows = read_csv(regular_file(file, WHAT), WHAT)
    col = path_column(names, file, WHAT)
    lowered = [n.strip().lower() for n in names]
    if "x" not in lowered or "y" not in lowered:
        raise TableError(f"the {WHAT} file {file} needs columns named x and y (and path); its columns are "
                         f"{', '.join(names[:10])}")
    xy = numbers(file, WHAT, rows, [lowered.index("x"), lowered.index("y")], names)
    root = Path(manifest.collection)
    paths = [norm_path(cells[col], root) for _, cells in rows]
    found = match(paths, [(im.path, im.also) for im in manifest.images], file, WHAT, lambda i: f"line {rows[i][0]}")
    if len(manifest.images) and not (found.row_of >= 0).any():
        raise TableError(f"no row of the {WHAT} file {file} names an image of the collection: its paths must be "
                         f"relative to the collection folder, e.g. {manifest.images[0].path} "
                         f"(its first: {listed(paths, 3)})")
    coords = np.full((len(manifest.images), 2), np.nan)
    have = found.row_of >= 0
    coords[have] = xy[found.row_of[have]]
    return coords, found.missing, found.unmatched


def place(path: str, manifest, graph, facet: str, near: Path, log) -> np.ndarray:
    """The facet's map from the file; each image without a row at the mean of its NEAREST nearest
    neighbours that have a place (given first; then those placed before it, nearest first).
    near: the work folder's folder (a file there is not said to be outside)."""
    if facet == manifest.facets[0]:  # said once, not once a facet
        say_where(Path(path), (Path(manifest.collection), near), WHAT, log)
    coords, missing, unmatched = read(path, manifest)
    name = Path(path).name
    if unmatched:
        log.warning(f"coordinates: {len(unmatched)} row(s) of {name} name no image of the collection: "
                    f"{listed(unmatched)}")
    if missing:
        log.warning(f"coordinates: {len(missing)} image(s) have no row in {name}; each is placed among its "
                    f"nearest neighbours: {listed(missing)}")
    log.info(f"layout[{facet}]: the map is {name} ([map] coordinates), not t-SNE")
    todo = [int(i) for i in np.flatnonzero(np.isnan(coords[:, 0]))]
    while todo:
        left = []
        for i in todo:
            near = [j for j in graph.rows[i] if j >= 0 and not np.isnan(coords[j, 0])][:NEAREST]
            if near:
                coords[i] = coords[near].mean(axis=0)
            else:
                left.append(i)
        if len(left) == len(todo):  # no neighbour of these has a place: the centre of the map
            coords[left] = np.nanmean(coords, axis=0) if (~np.isnan(coords[:, 0])).any() else 0.0
            break
        todo = left
    return coords.astype(np.float32)
