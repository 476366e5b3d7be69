"""Arrangements besides the map, made by the layout stage for each facet (layout/arrange_shapes.py
says where each image goes; core/arrangement_files.py writes them to the work folder):

    grid       every image in a cell of its own, the map's neighbourhoods kept (arrange_fit.fit)
    timeline   a column per year (dates spanning at most 50 years) or per decade, from the catalogue
               column holding dates (core/years.py date_column, or [map] date_column); undated images
               in a column of their own, counted
    groups     a block per value: the facet's groups (core/group_files.py) when layout made them, else
               a catalogue column with few values (2 to 40, at least two images a value, at least half
               the images filled), else each image's top machine tag

    run(folder, manifest, settings, log) -> {facet: {"kinds", "seconds", "cached", "kept", "naive", ...}}

Each facet's arrangements are kept under a key of what they are made from (the map's coordinates,
the rows, the years, the block of each image, the kinds asked for, ARRANGE_VERSION), so an unchanged
rebuild reuses them. Run after the facet layouts and the groups.
"""
from __future__ import annotations

import hashlib
import json
import time

import numpy as np

from core.arrangement_files import KINDS, Arrangement
from core.errors import StageOrderError
from core.layout_files import normalise, rows_digest
from core.years import date_column, year_of, year_span
from layout import arrange_fit, arrange_shapes

ARRANGE_VERSION = 1  # change when the same inputs give other places
COLUMN_VALUES = (2, arrange_shapes.MAX_BLOCKS)  # a catalogue column the blocks may follow: as many values
SKIP_COLUMNS = ("path", "file", "filename", "title", "name", "id", "url", "link", "source", "description")


def run(folder, manifest, settings, log) -> dict:
    kinds = [k for k in KINDS if k in settings.arrangements]
    n = len(manifest.images)
    if not kinds or n == 0:
        for facet in manifest.facets:
            folder.remove_arrangements(facet)
        return {}
    dates = _years(manifest, settings.date_column, log) if "timeline" in kinds else (None, None)
    if "timeline" in kinds and dates[0] is None:
        kinds.remove("timeline")
    fallback = _catalogue_blocks(manifest, dates[1] or date_column([im.meta for im in manifest.images],
                                                                   settings.date_column)) if "groups" in kinds else None
    report = {}
    for facet in manifest.facets:
        blocks = _group_blocks(folder, manifest, facet) or fallback if "groups" in kinds else None
        facet_kinds = [k for k in kinds if k != "groups" or blocks]
        report[facet] = _facet(folder, manifest, facet, facet_kinds, dates, blocks, log)
    if "groups" in kinds and not any("groups" in r["kinds"] for r in report.values()):
        log.info("arrangements: no groups, no catalogue column with few values and no tags: no arrangement by group")
    return report


def _facet(folder, manifest, facet, kinds, dates, blocks, log) -> dict:
    """dates: (the year or None of each image, the column they are from); blocks: what _group_blocks says."""
    xy = normalise(folder.read_layout(manifest, facet).coords).astype(np.float64)
    key = _key(manifest, xy, kinds, dates[0], blocks)
    stats = folder.arrangements_stats(facet)
    if folder.arrangements_key(facet) == key:
        log.info(f"layout[{facet}]: reusing cached arrangements ({', '.join(kinds)})")
        return {**stats, "cached": True}
    start, made, seconds = time.perf_counter(), [], {}
    with log.progress(f"arrange {facet}", len(kinds), unit="arrangements") as progress:
        for kind in kinds:
            t = time.perf_counter()
            made.append(_make(kind, xy, dates, blocks))
            seconds[kind] = round(time.perf_counter() - t, 2)
            progress.advance()
    grid = next((a for a in made if a.kind == "grid"), None)
    stats = {"kinds": kinds, "seconds": round(time.perf_counter() - start, 2), "each": seconds}
    if grid is not None:
        stats.update(kept=grid.extra["kept"], naive=grid.extra["naive"])
    for a in made:
        if a.kind == "timeline":
            stats.update(unit=a.extra["unit"], undated=a.extra["undated"], column=a.extra["column"])
        if a.kind == "groups":
            stats.update(by=a.extra["by"], blocks=len(a.extra["blocks"]))
    folder.write_arrangements(manifest, facet, made, key, stats)
    return {**stats, "cached": False}


def _make(kind: str, xy: np.ndarray, dates, blocks) -> Arrangement:
    if kind == "grid":
        placed = arrange_shapes.grid(xy)
        naive = arrange_fit.sorted_grid(xy, placed.extra["cols"])
        placed.extra.update(kept=round(arrange_fit.neighbourhood_kept(xy, placed.pos), 3),
                            naive=round(arrange_fit.neighbourhood_kept(xy, naive), 3))
    elif kind == "timeline":
        placed = arrange_shapes.timeline(xy, dates[0])
        placed.extra["column"] = dates[1]
    else:
        by, codes, labels, none_label = blocks
        placed = arrange_shapes.blocks(xy, codes, labels, none_label)
        placed.extra["by"] = by
    out, cell, extra = arrange_shapes.normalised(placed)
    return Arrangement(kind, out, cell, _rounded(extra))


def _rounded(value):
    """Floats to 4 decimals, as the site writes them: the record says what the site shows."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return int(value) if isinstance(value, np.integer) else value


def _years(manifest, preferred: str, log):
    """(year or None per image, the column) or (None, None) when no column holds dates: said once."""
    rows = [im.meta for im in manifest.images]
    column = date_column(rows, preferred)
    if column is None:
        if preferred:
            log.warning(f"[map] date_column = {preferred!r} is not a column of the catalogue: no timeline")
        else:
            log.info("arrangements: no catalogue column holds dates: no timeline")
        return None, None
    seen: dict = {}  # a catalogue repeats its dates: each is parsed once
    years = [seen[v] if v in seen else seen.setdefault(v, year_of(year_span(v))) for v in (r.get(column) for r in rows)]
    if all(y is None for y in years):
        log.warning(f"no date of the catalogue column {column!r} reads as a year: no timeline")
        return None, None
    return years, column


def _group_blocks(folder, manifest, facet):
    """("group", codes, labels, "ungrouped") from the facet's broad groups, or None without groups."""
    try:
        groups = folder.read_groups(manifest, facet)
    except StageOrderError:  # groups made for other images (a file left by an older build): not these
        return None
    if groups is None or not groups.of:
        return None
    broad = sorted((g for g in groups.groups if g.level == 0), key=lambda g: g.id)
    index = {g.id: i for i, g in enumerate(broad)}
    codes = np.array([index.get(int(v), -1) for v in groups.of[0]], np.int64)
    return ("group", codes, [g.label for g in broad], "ungrouped") if broad else None


def _catalogue_blocks(manifest, date_col):
    """The first catalogue column with few values (COLUMN_VALUES, each on two images or more on
    average, half the images filled), not the dates nor a name, path or link; else the top tag."""
    rows = [im.meta for im in manifest.images]
    columns: list[str] = []
    for r in rows:
        columns.extend(k for k in r if k not in columns)
    for c in columns:
        if c == date_col or c.strip().lower() in SKIP_COLUMNS:
            continue
        cells = [str(r.get(c, "") or "").strip() for r in rows]
        values = sorted({v for v in cells if v})
        filled = sum(1 for v in cells if v)
        if filled >= len(rows) / 2 and COLUMN_VALUES[0] <= len(values) <= min(COLUMN_VALUES[1], filled / 2):
            index = {v: i for i, v in enumerate(values)}
            return f"column:{c}", np.array([index.get(v, -1) for v in cells], np.int64), values, f"no {c}"
    tags = [im.tags[0]["label"] if im.tags else "" for im in manifest.images]
    values = sorted({t for t in tags if t})
    if not values:
        return None
    index = {v: i for i, v in enumerate(values)}
    return "tag", np.array([index.get(t, -1) for t in tags], np.int64), values, "no tag"


def _key(manifest, xy: np.ndarray, kinds, years, blocks) -> str:
    h = hashlib.sha256(json.dumps({"v": ARRANGE_VERSION, "kinds": kinds, "rows": rows_digest(manifest),
                                   "block": arrange_fit.BLOCK, "years": years if "timeline" in kinds else None,
                                   "blocks": None if blocks is None or "groups" not in kinds else
                                   [blocks[0], blocks[2], blocks[3]]}, sort_keys=True).encode())
    h.update(np.ascontiguousarray(xy, np.float64).data)
    if blocks is not None and "groups" in kinds:
        h.update(np.ascontiguousarray(blocks[1], np.int64).data)
    return h.hexdigest()
