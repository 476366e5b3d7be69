"""The render stage's write phase: the site as a list of outputs, written in order.

Each output declares its files, each file its site path, its key (what it is made from) and how
to make it; one writer (write) puts them all through render/sitefiles.py SiteFiles and keeps
their keys in the output's record of the work folder (render/keyed.py over core/site_state.py
SiteState), so an output whose key and files are unchanged is not made again. Adding an output
is one entry in OUTPUTS: a name (its record; "" for none), `files(b)` yielding File(path, key,
make), and optionally `paths(b)` and `group(b)` (one key over every input: unchanged, nothing is
even listed), `when(b)` or `inode`. The two that make their files in one go (the map sheets, the search
index) give `write(b)` instead. `b` is the Build of render/stage.py: the inputs read, and what
the outputs before made (vendor scripts, the atlas, the pages rendered).
"""
from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from render import (
    arrangements_data,
    assets,
    catalogue_data,
    exports,
    group_pages,
    index,
    map_extras,
    pages,
    photo_query,
    search,
    selection_page,
)
from render import data as site_data
from render.keyed import KeyedFiles
from render.memo import site_key


class File(NamedTuple):
    path: str  # site path
    key: str | None  # what it is made from; None: made each build (SiteFiles leaves equal bytes alone)
    make: Callable  # () -> bytes or text


@dataclass(frozen=True)
class Output:
    name: str
    files: Callable | None = None  # b -> File, ...
    paths: Callable | None = None  # b -> its site paths, known before anything is made
    group: Callable | None = None  # b -> one key over all its inputs (with paths)
    when: Callable = lambda b: True
    write: Callable | None = None  # b -> files made: an output that makes its files in one go
    inode: bool = False  # a file is as written only with the inode it was written with (render/keyed.py)


def write(output: Output, b) -> list[str]:
    """Write one output through b.site; returns the site paths made this time."""
    if not output.when(b):
        return []
    if output.write is not None:
        return output.write(b)
    keyed = KeyedFiles(b.site, b.state, output.name, output.inode) if output.name else None
    group = output.group(b) if output.group else None
    if group is not None and keyed.group_unchanged(group, output.paths(b)):
        return []
    made = []
    for f in output.files(b):
        if keyed is not None and f.key is not None:
            keyed.put(f.path, f.key, f.make)
        else:
            b.site.put(f.path, f.make())
            made.append(f.path)
    if keyed is None:
        return made
    if group is not None:
        keyed.group(group)
    keyed.save()
    return made + keyed.made


# --- the outputs ---------------------------------------------------------------------------------

def _copies(b):
    copies = b.copies
    with b.log.progress("images", len(copies.plan), unit="files") as progress:
        for rel, sha, display in copies.plan:
            yield File(rel, copies.keys[sha], lambda sha=sha, display=display: copies.source(sha, display).read_bytes())
            progress.advance()


def _vendor(b):
    b.scripts = assets.vendor_scripts(b.site, b.log.warning)
    return []


def _atlas(b):
    b.atlas, b.sheets_made = assets.atlases(b.site, b.records, b.image_cache, b.state, b.log)
    return []


def _points_key(b) -> str:
    labels, hints, layouts = pages.FACET_LABELS, {f: pages.facet_hint(f) for f in b.layouts}, b.layouts
    m = {f: min(b.map_neighbours, lay.neighbours.shape[1]) for f, lay in layouts.items()}
    return site_key(site_data.POINTS_VERSION, [(im.id, im.title, im.width, im.height) for im in b.records],
                    *[a for f, lay in layouts.items() for a in (f, np.asarray(lay.coords),
                                                                np.asarray(lay.neighbours[:, :m[f]]),
                                                                np.asarray(lay.similarity[:, :m[f]]))],
                    json.dumps(b.atlas, sort_keys=True), {f: labels.get(f, f) for f in layouts},
                    {f: hints.get(f, "") for f in layouts})


def _points(b):
    """The map's data: points.js and the neighbour parts, all made by one call when any changed."""
    made = lru_cache(maxsize=1)(lambda: site_data.points_files(b.manifest, b.layouts, b.map_neighbours, b.atlas,
                                                               pages.FACET_LABELS,
                                                               {f: pages.facet_hint(f) for f in b.layouts}))
    key = _points_key(b)
    return [File(rel, key, lambda rel=rel: made()[rel]) for rel in b.data_scripts]


def _arrangements(b):
    """data/arrangements.js (render/arrangements_data.py): loaded by the explorer on demand, not by the index."""
    return [File(arrangements_data.PATH, arrangements_data.key(b.arrangements),
                 lambda: arrangements_data.arrangements_js(b.arrangements))]


def _exports(b):
    made = exports.files(b.manifest, b.layouts, group_pages.present(b.groups))
    return [File(rel, key, make) for rel, key, make in made]


def _static(b):
    return [File(rel, None, lambda data=data: data) for rel, data in assets.static_files()]


def _lists(b):
    """list/<n>.html (map order) and list/<slug>/<n>.html (the arrangements' orders: render/list_orders.py)."""
    orders = b.list_orders
    key = site_key("list-v2", b.salt, b.common, repr(b.opts),
                   [(im.id, im.title, im.width, im.height) for im in b.records],
                   [(o.slug, o.label, o.phrase, o.rows, o.sections) for o in orders])
    template = b.env.get_template("list.html")
    return [File(rel, key, lambda n=n, o=o: template.render(**b.common, **index.list_context(b.records, b.opts, n,
                                                                                            o, orders)))
            for rel, n, o in index.list_pages(b.records, orders)]


def _extras(b):
    """The map's groups and filters (render/map_extras.py), made again when their inputs change."""
    key = site_key(*map_extras.extras_key_parts(b.manifest, b.groups, b.opts.image_pages))
    @lru_cache(maxsize=1)
    def made():
        files, note = map_extras.extras_made(b.manifest, b.groups, b.opts.image_pages)
        b.log.info(f"render: {note}")
        return files
    return [File(rel, key, lambda rel=rel: made()[rel]) for rel in map_extras.SCRIPTS]


def _index(b):
    ctx = {**index.index_context(b.records, b.opts, b.scripts, b.data_scripts + map_extras.SCRIPTS, b.list_orders),
           "groups_url": group_pages.GROUPS_PAGE if group_pages.present(b.groups) else ""}
    ctx["arrangements"] = list(getattr(b, "arrangement_order", None) or [])  # data/arrangements.js's order (#28)
    return [File("index.html", None, lambda: b.env.get_template("index.html").render(**b.common, **ctx))]


def _selection(b):
    """data/catalogue.js (loaded by the map on export) and selection.html (a selection as a list)."""
    ctx = selection_page.selection_context(b.opts)
    return [File(rel, key, make) for rel, key, make in catalogue_data.files(b.manifest)] + [
        File(selection_page.PATH, None, lambda: b.env.get_template("selection.html").render(**b.common, **ctx))]


def _pages(b):
    """One page per image, keyed by a digest of its context (every value it shows) and of the
    templates and code that turn contexts into HTML (b.salt)."""
    links = group_pages.GroupIndex(b.groups).member_links if group_pages.present(b.groups) else None
    template, inputs = b.env.get_template("image.html"), pages.PageInputs(b.records, b.layouts, b.features, b.opts,
                                                                          b.focused, links)
    with b.log.progress("render", len(b.records), unit="pages") as progress:
        for i, page in enumerate(b.page_paths):
            ctx = {**b.common, **pages.image_context(i, page, inputs)}
            yield File(page, pages.context_digest(ctx, b.salt), lambda ctx=ctx: template.render(**ctx))
            progress.advance()


def _pages_key(b) -> str:
    return site_key(b.salt, b.common, b.opts, b.manifest.copies, b.records,
                    *[a for f, lay in b.layouts.items() for a in (f, lay.neighbours, lay.similarity)],
                    *[a for f in sorted(b.features) for a in (f, np.asarray(b.features[f]))], *(b.focused or ()),
                    group_pages.key(b.groups))


def _group_site(b):
    return group_pages.GroupSite(group_pages.GroupIndex(b.groups), b.records, b.opts)


def _groups(b):
    """groups.html and every group's page (render/group_pages.py), each keyed by its context."""
    site = _group_site(b)
    one, many = b.env.get_template("group.html"), b.env.get_template("groups.html")
    for template, (path, ctx) in itertools.chain([(many, (group_pages.GROUPS_PAGE, site.groups_context()))],
                                                 ((one, p) for p in site.pages())):
        ctx = {**b.common, **ctx}
        yield File(path, pages.context_digest(ctx, b.salt), lambda t=template, ctx=ctx: t.render(**ctx))


def _groups_key(b) -> str:
    return site_key("groups-v1", b.salt, b.common, b.opts, group_pages.key(b.groups),
                    [(im.id, im.title, im.width, im.height) for im in b.records])


def _search(b):
    """Pagefind over the image pages; when no page changed, the index written last time stands."""
    before = sorted(f for f in b.site.previous if f.startswith(search.FOLDER + "/"))
    if not b.made.get("pages") and before and all((b.site.out / f).is_file() for f in before):
        b.site.keep(*before)
        return []
    _, note = search.index_site(b.site, b.page_paths, b.log)
    if note:
        b.log.warning(note)
    return []


OUTPUTS = [  # in the order they are written (each may use what the ones before made)
    Output("copies", _copies),
    Output("", write=lambda b: assets.copy_originals(b.site, b.collection, b.records, b.log.warning),
           when=lambda b: b.opts.copy_originals),
    Output("", write=_vendor),
    Output("atlas", write=_atlas),
    Output("points", _points, paths=lambda b: b.data_scripts, group=_points_key),
    Output("arrangements", _arrangements, when=lambda b: bool(b.layouts)),
    Output("map-extras", _extras),
    Output("exports", _exports),
    Output("query", photo_query.files, when=lambda b: b.query.on),  # the photo query's model, runtime and index
    Output("", _static),
    Output("", lambda b: [File("favicon.png", None, lambda: assets.favicon(b.records, b.image_cache)),
                          File(".nojekyll", None, lambda: "")]),
    Output("", _index),
    Output("lists", _lists),
    Output("selection", _selection),
    Output("pages", _pages, paths=lambda b: b.page_paths, group=_pages_key, when=lambda b: b.with_pages, inode=True),
    Output("", write=_search, when=lambda b: b.with_pages),
    Output("groups", _groups, paths=lambda b: [group_pages.GROUPS_PAGE, *_group_site(b).paths()], group=_groups_key,
           when=lambda b: bool(group_pages.present(b.groups))),
]
