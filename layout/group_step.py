"""The layout stage's groups step: each facet's map -> groups/<facet>.json (core/group_files.py).

    summary = facet_groups(folder, manifest, facet, report, settings, namer, log)

Kept under a key of what shapes them (the facet's layout key, which names the vectors and the
map settings; [groups] min_size; the tags and catalogue fields the names come from; --relayout),
so an unchanged rebuild reads them back. When the key changed, the last groups are carried over
(layout/groups.py carry: images keep their group, new ones join their neighbours' group) unless
the map was laid out afresh, --relayout was given, the settings changed or too much changed; then
HDBSCAN runs afresh. Names are made again either way (layout/group_names.py).
"""
from __future__ import annotations

import hashlib
import json

import numpy as np

from core.group_files import FacetGroups, Group
from core.layout_files import rows_digest
from layout import groups as grouping
from layout.group_names import TAG_SHARE, Namer

GROUPS_VERSION = 1


def namer_for(manifest) -> Namer:
    return Namer([im.tags for im in manifest.images], [im.meta for im in manifest.images])


def facet_groups(folder, manifest, facet: str, report, settings, namer, log) -> dict:
    """Writes (or keeps) the facet's groups; returns what the summary says of them."""
    n = len(manifest)
    if not settings.groups.enabled or facet not in settings.groups.facets or n < grouping.SMALL:
        folder.remove_groups(facet)
        why = "off ([groups] enabled)" if not settings.groups.enabled else \
            f"fewer than {grouping.SMALL} images" if n < grouping.SMALL else "not for this facet ([groups] facets)"
        return {"none": why}
    min_size = grouping.auto_min_size(n, settings.groups.min_size)
    # what the groups are made with; the setting, not the size it gives, so that a grown collection
    # whose automatic min_size moved from 11 to 12 still keeps its groups
    shape = {"v": GROUPS_VERSION, "min_size": settings.groups.min_size, "min_samples": grouping.MIN_SAMPLES,
             "max_share": grouping.MAX_SHARE}
    names_in = hashlib.sha256(json.dumps([[im.tags, im.meta] for im in manifest.images], sort_keys=True,
                                         default=str).encode()).hexdigest()
    key = hashlib.sha256(json.dumps({"shape": shape, "size": min_size, "layout": folder.layout_key(facet),
                                     "names": names_in,
                                     "rules": namer.rules(), "rows": rows_digest(manifest),
                                     "relayout": bool(settings.map.relayout)}, sort_keys=True).encode()).hexdigest()
    if folder.groups_key(facet) == key:
        cached = folder.read_groups(manifest, facet)
        if cached is not None:
            log.info(f"groups[{facet}]: reusing cached groups")
            return _summary(cached, "cached")
    xy = folder.read_layout(manifest, facet).xy()
    ids = [im.id for im in manifest.images]
    levels, how = None, "clustered"
    previous = folder.previous_groups(facet)
    if previous is not None and not settings.map.relayout and report.map_how != "t-SNE" \
            and previous[0].extra.get("shape") == shape:
        last, last_ids = previous
        parent = {g.id: g.parent for g in last.groups if g.level == 1}
        levels = grouping.carry(grouping.Levels(last.of, last.strength, parent), last_ids, ids, xy)
        how = "kept" if last_ids != ids else "unchanged"
    if levels is None:
        how = "clustered"
        levels = grouping.find(xy, min_size)
    vectors = folder.read_features(manifest, facet)
    made = _groups(levels, xy, vectors, namer)
    method = (f"HDBSCAN (hdbscan) on the {facet} map's 2-D coordinates: min_cluster_size {min_size}, "
              f"min_samples {min(grouping.MIN_SAMPLES, min_size)}; sub-groups inside groups of at least "
              f"{grouping.SUB_FACTOR * min_size} images")
    result = FacetGroups(facet, made, levels.of, levels.strength, method, {"shape": shape, "how": how})
    folder.write_groups(manifest, result, key)
    summary = _summary(result, how)
    log.info(f"groups[{facet}]: {summary['groups']} groups ({summary['named']} named), {summary['subgroups']} "
             f"sub-groups; {summary['ungrouped']} of {n} images in no group"
             + (" (the last build's groups kept, new images joined their neighbours')" if how == "kept" else ""))
    return summary


def _groups(levels, xy: np.ndarray, vectors, namer: Namer) -> list[Group]:
    out: list[Group] = []
    names: dict[int, str] = {}
    members: dict[int, np.ndarray] = {}
    for level, of in enumerate(levels.of):
        for gid in np.unique(of[of >= 0]).tolist():
            rows = members[gid] = np.flatnonzero(of == gid)
            parent = levels.parent.get(gid) if level else None
            name, named_by = namer.name(rows, avoid=names.get(parent, "") if level else "")
            if not name:
                named_by = (f"not named: no tag concept covers {round(100 * TAG_SHARE)}% of its tagged members "
                            f"and no catalogue value half of them")
            names[gid] = name
            x, y = grouping.anchor(rows, xy)
            out.append(Group(gid, level, len(rows), grouping.face(rows, vectors), parent, name, named_by, x, y))
    _tell_apart(out, members, namer)
    return out


def _tell_apart(groups: list[Group], members: dict, namer: Namer) -> None:
    """Two groups of one level with one name ("Impressionism" twice: a style painted by several
    painters) get their next best name beside it ("Impressionism · alfred-sisley"), else a number by
    size ("Impressionism 2"): a visitor must be able to tell two labels on the map apart."""
    same: dict = {}
    for g in groups:
        if g.name:
            same.setdefault((g.level, g.name), []).append(g)
    for (_, name), twins in same.items():
        if len(twins) < 2:
            continue
        twins.sort(key=lambda g: (-g.size, g.id))
        extras = [namer.name(members[g.id], avoid=name) for g in twins]
        words = [e[0] for e in extras]
        for k, (g, (extra, how)) in enumerate(zip(twins, extras), 1):
            if extra and extra != name and words.count(extra) == 1:
                g.name, g.named_by = f"{name} · {extra}", f"{g.named_by}; and {how}"
            else:
                g.name = f"{name} {k}"


def _summary(groups: FacetGroups, how: str) -> dict:
    broad = [g for g in groups.groups if g.level == 0]
    return {"groups": len(broad), "named": sum(bool(g.name) for g in broad),
            "subgroups": sum(g.level == 1 for g in groups.groups), "ungrouped": groups.ungrouped(),
            "images": len(groups.of[0]) if groups.of else 0, "how": how}
