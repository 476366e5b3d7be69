"""Group pages: what the layout stage's groups (core/group_files.py, groups/<facet>.json) become in
the site, without JavaScript and crawlable:

    groups.html                        every group of every facet: face, name, size; sub-groups under
                                       their broad group; the images in no group counted
    group/<facet>-<id>.html            one group: its name and how it was named, size, face, sub-groups
                                       or parent, and its members as the thumbnail grid (GRID_PAGE a page)
    group/<facet>-<id>/<n>.html        pages 2, 3, ... of a large group's members
    group/<facet>-none.html            the images in no group of the facet (shown, never forced into one)

and, on each image page, the groups it is in ("In group: Dogs > Terriers", member_links).
Everything here is made from render's read of groups/ only (Build.groups: facet -> FacetGroups).
"""
from __future__ import annotations

import numpy as np

from core.group_files import Group
from core.summary import count as count_of
from render.index import GRID_PAGE, _grid_rows  # the image list's rows: a page link or, without pages, the picture
from render.memo import site_key
from render.pages import FACET_LABELS, PageOptions, root_of, sizes_of
from render.urls import absolute_url, page_path, relative_url, thumb_path

GROUPS_PAGE = "groups.html"
UNGROUPED = "Not in a group"


def group_path(facet: str, group_id: int, number: int = 1) -> str:
    """Site path of page `number` of a group's page (1: the group page the map links to); group -1
    is the images in no group."""
    name = f"{facet}-{group_id if group_id >= 0 else 'none'}"
    return f"group/{name}.html" if number <= 1 else f"group/{name}/{number}.html"


def read(folder, manifest) -> dict:
    """facet -> FacetGroups for every facet the layout stage grouped (none: an empty dict)."""
    return present({facet: folder.read_groups(manifest, facet) for facet in manifest.facets})


def present(groups: dict) -> dict:
    """The facets that have groups (a facet without may be there as None)."""
    return {facet: g for facet, g in groups.items() if g is not None}


def key(groups: dict) -> str:
    """One digest of everything group pages and links show of the groups."""
    return site_key("groups-v1", *[a for facet, g in present(groups).items() for a in (
        facet, [vars(x) for x in g.groups], *[np.asarray(o) for o in g.of], *[np.asarray(s) for s in g.strength])])


class GroupIndex:
    """The groups of every facet looked up by (facet, level, id), and each group's member rows."""

    def __init__(self, groups: dict):
        self.groups = groups = present(groups)
        self.by_id = {facet: {(x.level, x.id): x for x in g.groups} for facet, g in groups.items()}
        self._members: dict = {}

    def members(self, facet: str, group) -> np.ndarray:
        """The rows of a group's members, ascending: one stable sort a level, not a scan a group
        (a scan a group was 1,000 passes over 100,000 rows)."""
        key = (facet, group.level)
        if key not in self._members:
            of = np.asarray(self.groups[facet].of[group.level])
            order = np.argsort(of, kind="stable")
            ids, starts = np.unique(of[order], return_index=True)
            bounds = [*starts.tolist(), len(of)]
            self._members[key] = {int(g): order[bounds[n]:bounds[n + 1]] for n, g in enumerate(ids)}
        return self._members[key].get(group.id, np.empty(0, np.int64))

    def typical_first(self, facet: str, group) -> np.ndarray:
        """A group's member rows, the strongest members first (ties, and the images in no group, in row order)."""
        rows = self.members(facet, group)
        if group.id < 0:
            return rows
        strength = np.asarray(self.groups[facet].strength[group.level])[rows]
        return rows[np.lexsort((rows, -strength))]

    def group(self, facet: str, level: int, group_id: int):
        return self.by_id[facet].get((level, int(group_id)))

    def children(self, facet: str, parent) -> list:
        return sorted((x for x in self.groups[facet].groups if x.level == 1 and x.parent == parent.id),
                      key=lambda x: (-x.size, x.id))

    def ordered(self, facet: str) -> list:
        """The broad groups, largest first (ties by id)."""
        return sorted((x for x in self.groups[facet].groups if x.level == 0), key=lambda x: (-x.size, x.id))

    def all_groups(self, facet: str) -> list:
        """Every group of the facet by level and id, then the images in no group as group -1."""
        g = self.groups[facet]
        out = sorted(g.groups, key=lambda x: (x.level, x.id))
        none = np.flatnonzero(np.asarray(g.of[0]) < 0) if g.of else []
        return out + ([Group(-1, 0, len(none), int(none[0]), name=UNGROUPED)] if len(none) else [])

    def member_links(self, i: int, page: str) -> list[dict]:
        """The groups image row i is in, one entry a facet: {"facet", "label", "links": [{"label", "url"}],
        "none": True when it is in no group of that facet}, for its image page."""
        out = []
        for facet, g in self.groups.items():
            links = []
            for level in range(len(g.of)):
                group = self.group(facet, level, g.of[level][i]) if g.of[level][i] >= 0 else None
                if group is not None:
                    links.append({"label": group.label, "url": relative_url(page, group_path(facet, group.id))})
            out.append({"facet": facet, "label": facet_label(facet), "links": links, "none": not links,
                        "none_url": relative_url(page, group_path(facet, -1))})
        return out


def facet_label(facet: str) -> str:
    return FACET_LABELS.get(facet, facet)


def _pager(path_of, count: int, number: int, page: str) -> list[dict]:
    """The pager of the members grid: the first, the last and the pages around this one."""
    show = sorted({1, count, *range(max(1, number - 2), min(count, number + 2) + 1)})
    pages, last = [], 0
    for n in show:
        if n > last + 1:
            pages.append({"gap": True})
        pages.append({"gap": False, "number": n, "url": relative_url(page, path_of(n)), "current": n == number})
        last = n
    return pages


class GroupSite:
    """The contexts of groups.html and of every group page."""

    def __init__(self, index: GroupIndex, images, opts: PageOptions):
        self.index, self.images, self.opts = index, images, opts

    def card(self, facet: str, group, page: str) -> dict:
        """A group as a link with its face's thumbnail (the groups list, a group's sub-groups and parent)."""
        face = self.images[group.face]
        w, h = sizes_of(face, self.opts)[1]
        return {"id": group.id, "label": group.label, "named": bool(group.name), "named_by": group.named_by,
                "size": group.size, "url": relative_url(page, group_path(facet, group.id)),
                "face_url": relative_url(page, thumb_path(face.id)), "face_width": w, "face_height": h,
                "face_title": face.title,
                "face_page": relative_url(page, page_path(face.id)) if self.opts.image_pages else ""}

    def pages(self):
        """(site path, context) of every page of every group, in facet, level and id order (made as
        they are asked for: one group's pages at a time)."""
        for facet in self.index.groups:
            for group in self.index.all_groups(facet):
                members = self.index.typical_first(facet, group)
                count = max(1, -(-len(members) // GRID_PAGE))
                for n in range(1, count + 1):
                    yield group_path(facet, group.id, n), self.group_context(facet, group, members, (n, count))

    def paths(self) -> list[str]:
        """Every group page's site path, without making a context."""
        return [group_path(facet, group.id, n) for facet in self.index.groups for group in self.index.all_groups(facet)
                for n in range(1, max(1, -(-len(self.index.members(facet, group)) // GRID_PAGE)) + 1)]

    def group_context(self, facet: str, group, members, at: tuple[int, int]) -> dict:
        """Page at = (number, count) of one group's page."""
        (number, count), index = at, self.index
        page, first = group_path(facet, group.id, number), (number - 1) * GRID_PAGE
        shown = [self.images[int(r)] for r in members[first:first + GRID_PAGE]]
        where = "in no group" if group.id < 0 else "in this group, the most typical first"
        heading = (f"The {count_of(len(members), 'image')} {where}" if count == 1 else
                   f"The {len(members):,} images {where}: {first + 1:,}-{first + len(shown):,} "
                   f"(page {number} of {count})")
        path_of = lambda n: group_path(facet, group.id, n)  # noqa: E731
        parent = index.group(facet, 0, group.parent) if group.level == 1 and group.parent is not None else None
        return {
            "page": page, "root": root_of(page), "style_url": relative_url(page, "static/style.css"),
            "explorer_css_url": relative_url(page, "static/explorer.css"),
            "canonical": absolute_url(self.opts.base_url, page), "og_image": "",
            "facet": facet, "facet_label": facet_label(facet), "several_facets": len(index.groups) > 1,
            "group": {**self.card(facet, group, page), "level": group.level, "number": number,
                      "ungrouped": group.id < 0},
            "parent": self.card(facet, parent, page) if parent is not None else None,
            "children": [self.card(facet, c, page) for c in index.children(facet, group)] if group.level == 0 else [],
            "map_url": relative_url(page, "index.html", f"facet={facet}" + (f"&group={facet}-{group.id}"
                                                                           if group.id >= 0 else "")),
            "groups_url": relative_url(page, GROUPS_PAGE, f"groups-{facet}"),
            "grid": {"images": _grid_rows(shown, self.opts, page), "heading": heading,
                     "pages": _pager(path_of, count, number, page) if count > 1 else [],
                     "prev_url": relative_url(page, path_of(number - 1)) if number > 1 else "",
                     "next_url": relative_url(page, path_of(number + 1)) if number < count else ""},
        }

    def groups_context(self) -> dict:
        """groups.html: per facet its broad groups (largest first) with their sub-groups, and how
        many images are in no group."""
        page, facets = GROUPS_PAGE, []
        for facet, g in self.index.groups.items():
            broad = [{**self.card(facet, group, page),
                      "children": [self.card(facet, c, page) for c in self.index.children(facet, group)]}
                     for group in self.index.ordered(facet)]
            facets.append({"facet": facet, "label": facet_label(facet), "groups": broad,
                           "subgroups": sum(len(b["children"]) for b in broad), "ungrouped": g.ungrouped(),
                           "none_url": group_path(facet, -1),
                           "images": len(self.images), "method": g.method})
        return {"page": page, "root": "", "style_url": "static/style.css", "og_image": "",
                "canonical": absolute_url(self.opts.base_url, page), "facets": facets,
                "several_facets": len(facets) > 1}
