"""The map's groups and filters: data/groups.js and data/filters.js (docs/contract.md), two classic
scripts loaded by index.html after data/points.js, so that they work from file:// too.

groups.js holds, per facet, each row's group at each level and the list of groups (label, face,
size, where its name sits); static/explorer/labels.js draws the names, groups.js lists them.
filters.js holds the facet filters of static/explorer/filters.js, dictionary-encoded: each
column's values once and, per value, the ascending rows that have it (an inverted list), so
the map answers a choice by walking the chosen values' rows only. The columns:

- catalogue columns with few distinct values: FEW_MIN..FEW_MAX distinct values and a cell in
  at least FILLED_SHARE of the images (more values is a title or an inventory number, fewer
  filled cells filters almost nothing); the date column (core/years.py) is the year range;
- machine tags: each image's top tag (the one its page and card lead with), the TAGS_MAX most
  common labels held by at least two images;
- groups: per facet, the broad groups (level 0), and "Not in a group";
- the year range: per row the first and last year of the date column's span (null: undated).

Each image has one value per column at most, so the rows of a column's values never overlap
(filters.js counts on it). At 100,000 images the two files are measured in docs/benchmarks.md.
"""
from __future__ import annotations

import json
from collections import Counter

from core.summary import count
from core.years import date_column, year_span
from render.text import clean

SCRIPTS = ["data/groups.js", "data/filters.js"]  # after data/points.js in index.html
EXTRAS_VERSION = "map-extras-v1"  # change when these files hold other bytes for the same inputs
FEW_MIN, FEW_MAX = 2, 60  # distinct values of a catalogue column offered as a filter
FILLED_SHARE = 0.3  # ... whose cells are filled in at least this share of the images
TAGS_MAX = 60  # machine tags offered: the most common top tags
SKIP = ("title", "description", "source", "path", "file", "filename")  # never filters
LABELS = {"creator": "Creator", "date": "Date", "licence": "Licence", "tags": "Tags"}  # as the image pages
UNGROUPED = "Not in a group"


def groups_dict(groups: dict, image_pages: bool = True) -> dict:
    """facet -> {"levels": [{"of": [...]}], "list": [...], "ungrouped": n} for the facets with groups.
    groups: facet -> core/group_files.py FacetGroups or None."""
    out = {}
    for facet, fg in groups.items():
        if fg is None:
            continue
        out[facet] = {
            "levels": [{"of": [int(v) for v in of]} for of in fg.of],
            "list": [{"id": g.id, "level": g.level, "parent": g.parent, "label": clean(g.label), "named": bool(g.name),
                      "named_by": clean(g.named_by), "size": int(g.size), "face": int(g.face),
                      "x": round(float(g.x), 4), "y": round(float(g.y), 4),
                      "page": f"group/{facet}-{g.id}.html" if image_pages else None}
                     for g in sorted(fg.groups, key=lambda g: (g.level, -g.size, g.id))],
            "ungrouped": fg.ungrouped(),
        }
    return out


def filters_dict(manifest, groups: dict) -> dict:
    """{"columns": [...]}: the catalogue columns with few values, the year range, the machine
    tags, the groups of each facet (module docstring)."""
    rows = [im.meta for im in manifest.images]
    n = len(rows)
    dated = date_column(rows)
    columns = []
    for key in _catalogue_keys(rows):
        if key == dated:
            continue
        cells = [clean(str(r.get(key, "")).strip()) for r in rows]
        filled = sum(1 for c in cells if c)
        distinct = len({c for c in cells if c})
        if FEW_MIN <= distinct <= FEW_MAX and filled >= FILLED_SHARE * n:
            columns.append(_values_column(f"meta:{key}", LABELS.get(key, key), cells))
    if dated:
        spans = [year_span(r.get(dated)) for r in rows]
        if any(spans):
            columns.append({"key": "years", "label": LABELS.get(dated, dated), "kind": "years",
                            "first": [s[0] if s else None for s in spans],
                            "last": [s[1] if s else None for s in spans]})
    tops = [clean(im.tags[0].get("label", "")) if im.tags else "" for im in manifest.images]
    common = {v for v, c in Counter(t for t in tops if t).most_common(TAGS_MAX) if c >= 2}
    if len(common) >= FEW_MIN:
        columns.append(_values_column("tag", "Machine tag", [t if t in common else "" for t in tops]))
    with_groups = [f for f, fg in groups.items() if fg is not None]
    for facet in with_groups:
        fg = groups[facet]
        names = _unique_labels(fg.groups)
        cells = [names[int(g)] if g >= 0 else UNGROUPED for g in fg.of[0]] if fg.of else []
        if len(set(cells)) >= FEW_MIN:
            label = "Group" if len(with_groups) == 1 else f"Group ({facet})"
            columns.append(_values_column(f"group:{facet}", label, cells))
    return {"columns": columns}


def _catalogue_keys(rows: list[dict]) -> list[str]:
    keys: list[str] = []
    for r in rows:
        keys.extend(k for k in r if k not in keys)
    return [k for k in keys if k.strip().lower() not in SKIP]


def _unique_labels(groups) -> dict[int, str]:
    """Level-0 group id -> a label no other level-0 group has ("Dog", "Dog (group 12)")."""
    level0 = [g for g in groups if g.level == 0]
    seen = Counter(clean(g.label) for g in level0)
    return {g.id: clean(g.label) if seen[clean(g.label)] == 1 else f"{clean(g.label)} (group {g.id})" for g in level0}


def _values_column(key: str, label: str, cells: list[str]) -> dict:
    """A dictionary-encoded column: values by count (then name), each with its ascending rows."""
    rows: dict[str, list[int]] = {}
    for i, c in enumerate(cells):
        if c:
            rows.setdefault(c, []).append(i)
    values = sorted(rows, key=lambda v: (v == UNGROUPED, -len(rows[v]), v))
    return {"key": key, "label": clean(label), "kind": "values", "values": values, "rows": [rows[v] for v in values]}


def _script(target: str, value) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"window.LOOKALIKE_POINTS.{target} = {text};\n"


def extras_files(manifest, groups: dict, image_pages: bool = True) -> dict[str, str]:
    """Site path -> text of data/groups.js and data/filters.js (both always written: index.html
    names them whether or not a build has groups or filters; an empty object then)."""
    return extras_made(manifest, groups, image_pages)[0]


def extras_made(manifest, groups: dict, image_pages: bool = True) -> tuple[dict[str, str], str]:
    """extras_files, and in words what the map offers (the build's log says it)."""
    g, f = groups_dict(groups, image_pages), filters_dict(manifest, groups)
    said = [f"{facet} {count(sum(1 for x in d['list'] if x['level'] == 0), 'group')} "
            f"({count(sum(1 for x in d['list'] if x['level'] > 0), 'sub-group')}, "
            f"{count(d['ungrouped'], 'image', fmt=',')} in none)" for facet, d in g.items()]
    note = (f"map filters: {', '.join(c['label'] for c in f['columns']) or 'none'} (render/map_extras.py rules); "
            f"group names: {'; '.join(said) or 'none'}")
    return {"data/groups.js": _script("groups", g), "data/filters.js": _script("filters", f)}, note


def extras_key_parts(manifest, groups: dict, image_pages: bool) -> list:
    """What the two files are made from, for render/outputs.py's key."""
    parts: list = [EXTRAS_VERSION, image_pages, [(im.meta, [t.get("label", "") for t in im.tags[:1]])
                                                 for im in manifest.images]]
    for facet in sorted(f for f, fg in groups.items() if fg is not None):
        fg = groups[facet]
        parts += [facet, json.dumps([g.__dict__ for g in fg.groups], sort_keys=True, default=str), *fg.of]
    return parts
