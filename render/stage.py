"""The render stage: the build folder + templates/ + static/ -> the site folder.

    run(folder, settings, log) -> RenderReport

settings is the render step's view of the settings (core/views.py for_step(cfg, "render",
force=...)): [site], [images] copy_originals and display_copies, [neighbours] map_neighbours;
log is the build's core/log.py Log. Everything else comes from the work folder: the manifest
(the images, the copy sizes embed made), the layouts, the features.

A read phase takes everything from the work folder and sizes the site against GitHub Pages'
budgets (render/budget.py), saying before anything is written which budget a collection would
exceed and which setting makes it fit. The write phase is the list of outputs of
render/outputs.py, each written through render/sitefiles.py SiteFiles: new files in place,
changed ones beside theirs, all renamed into place at the end (index.html last) and stale files
of the last build removed; a failure before that (a full disk) leaves the last site as it was,
and a build stopped half-way resumes. Files whose bytes are unchanged are left alone, so an
unchanged rebuild is byte-identical. What is cheap to know unchanged is not even made again:
each output keeps its files' keys in the work folder (core/site_state.py SiteState, one record
an output: render/keyed.py); the site holds only the list of the files Lookalike wrote there.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from core.files import WriteError
from core.reports import RenderReport
from core.site_state import SiteState
from core.workfolder import BuildFolder
from render import arrangements_data, assets, budget, group_pages, list_orders, output, pages, photo_query, search
from render import data as site_data
from render.memo import code_digest, templates_digest
from render.outputs import OUTPUTS, write
from render.urls import page_path


@dataclass
class Build:
    """What the outputs are made from (the read phase), and what the outputs before made."""
    log: object
    manifest: object
    layouts: dict
    features: dict
    focused: tuple | None
    opts: pages.PageOptions
    image_cache: object
    state: SiteState
    collection: Path
    map_neighbours: int
    common: dict
    site: object = None  # render/sitefiles.py SiteFiles, for the write phase
    copies: object = None  # render/assets.py ImageCopies
    env: object = None
    salt: str = ""
    made: dict = field(default_factory=dict)  # output name -> the site paths it made this time
    scripts: list = field(default_factory=list)  # the d3 modules copied (the vendor output)
    atlas: dict = field(default_factory=dict)  # points["atlas"] (the atlas output)
    sheets_made: int = 0
    groups: dict = field(default_factory=dict)  # facet -> FacetGroups of groups/ (render/group_pages.py read)
    arrangements: dict = field(default_factory=dict)  # facet -> [Arrangement] (layout/arrangements.py)
    query: photo_query.QueryPlan = field(default_factory=photo_query.QueryPlan)  # "find look-alikes of your photo"

    @property
    def records(self):
        return self.manifest.images

    @property
    def arrangement_order(self) -> list[str]:
        """The arrangements the map page offers ("map" first), [] when layout made none."""
        return arrangements_data.order(self.arrangements)

    @cached_property
    def list_orders(self) -> list:
        """The no-JavaScript list's other orders (render/list_orders.py): the default facet's arrangements."""
        return list_orders.orders(self.arrangements.get(next(iter(self.layouts), ""), []), self.manifest)

    @property
    def with_pages(self) -> bool:
        return self.opts.image_pages

    @cached_property
    def page_paths(self) -> list[str]:
        return [page_path(im.id) for im in self.records]

    @cached_property
    def data_scripts(self) -> list[str]:
        return site_data.data_scripts(list(self.layouts), len(self.records), self.map_neighbours)


def check(folder: BuildFolder, settings, log) -> dict:
    """Before any step works (build.py): an output folder render must not write into stops the
    command before hours of embedding, not after."""
    out = Path(settings.site.output)
    output.check_output(out, Path(settings.site.collection), force=settings.force, state=folder.site_state(out))
    return {}


def run(folder: BuildFolder, settings, log) -> RenderReport:
    start = time.perf_counter()
    b = read(folder, settings, log)
    out = Path(settings.site.output)
    output.check_output(out, b.collection, force="force" in settings and settings.force, state=b.state)
    if not b.with_pages:
        b.log.warning(f"no image pages: {len(b.records):,} images is more than [site] pages_max = "
               f"{settings.site.pages_max:,}; the map and the list link to each picture, and there is no search")
    for warning in _estimate(b):  # before minutes of writing
        log.info(f"render: GitHub Pages budget: {warning}")

    b.site, b.env = output.SiteFiles(out, b.state.legacy), pages.environment()  # write phase
    b.salt = templates_digest(pages.TEMPLATES) + code_digest()  # what turns contexts into HTML
    try:  # every file is written, then the changed ones renamed into place, index.html last
        for item in OUTPUTS:
            made = write(item, b)
            if item.name:
                b.made[item.name] = made
        removed, kept = b.site.finish()
    except BaseException as exc:
        b.site.abort()
        if isinstance(exc, WriteError):
            exc.args = (exc.args[0] + _undone(b.site, out),)
        raise
    if b.site.edited:
        b.log.warning(f"replaced {len(b.site.edited)} file(s) of the site that were edited since Lookalike "
               f"wrote them (change templates/ or static/ instead): {', '.join(b.site.edited)}")
    sizes = output.size_report(out)
    output.remember_sizes(b.state, sizes, len(b.records))
    data = len(b.made.get("points", [])) + len(b.made.get("exports", []))
    return RenderReport(output=str(out), files=len(b.site.written), pages_rendered=len(b.made.get("pages", [])),
                        removed=len(removed), bytes=sizes["bytes"], folders=sizes["folders"],
                        warnings=sizes["warnings"], seconds=time.perf_counter() - start,
                        copied=len(b.made.get("copies", [])), data_written=data, sheets=len(b.atlas.get("sheets", [])),
                        sheets_made=b.sheets_made, disk_bytes=sizes["disk_bytes"], removed_files=removed,
                        kept_files=kept, arrangements_bytes=_size(out / "data" / "arrangements.js"),
                        photo_query=photo_query.summary_line(b.query, out))


def read(folder: BuildFolder, settings, log) -> Build:
    """The read phase: everything the site is made from, from the work folder and the settings."""
    site, images = settings.site, settings.images
    manifest = folder.read_manifest()
    copies = manifest.copies
    with_pages = not site.pages_max or len(manifest.images) <= site.pages_max
    opts = pages.PageOptions(site.base_url, images.copy_originals, copies["thumb_size"], copies["display_size"],
                             display_copies=images.display_copies, image_pages=with_pages)
    no_search = search.available() if with_pages else "no image pages to search"
    b = Build(log=log, manifest=manifest,
              layouts={facet: folder.read_layout(manifest, facet) for facet in manifest.facets},
              features={facet: folder.read_features(manifest, facet) for facet in manifest.facets},
              focused=folder.read_focused(manifest),  # class-focused neighbours, when layout made them
              opts=opts, image_cache=folder.work.image_cache(copies["thumb_size"], copies["display_size"]),
              state=folder.site_state(Path(site.output)), collection=Path(manifest.collection),
              map_neighbours=settings.neighbours.map_neighbours,
              common={"site_title": site.title, "site_description": site.description, "search": no_search is None})
    b.query = photo_query.plan(site.photo_query, manifest, "content" in b.features)
    b.common["photo_query"] = b.query.on
    b.copies = assets.ImageCopies(b.records, b.image_cache, opts, b.state)
    b.groups = group_pages.read(folder, manifest)
    b.arrangements = {facet: folder.read_arrangements(manifest, facet) or [] for facet in manifest.facets}
    return b


def _estimate(b: Build) -> list[str]:
    """GitHub Pages warnings for the site this build is about to write (render/budget.py)."""
    known = b.copies.bytes_by_folder()
    if b.opts.copy_originals:
        known["originals"] = sum(im.bytes for im in b.records)
    planned = budget.Planned(pages=len(b.records) if b.with_pages else 0, images=len(b.records),
                             facets=len(b.layouts), k=max((lay.neighbours.shape[1] for lay in b.layouts.values()),
                                                          default=0),
                             map_neighbours=b.map_neighbours, search=b.common["search"],
                             query=photo_query.estimated_bytes(b.query, b.features), orders=len(b.list_orders))
    guess = budget.estimate(known, planned, previous=output.previous_sizes(b.state))
    return budget.check(guess["bytes"], guess["folders"], guess["files"], guess["big"])


def _size(path: Path) -> int:
    return path.stat().st_size if path.is_file() else 0


def _undone(site, out: Path) -> str:
    """What a failed write left of the site, for the error's message."""
    if site.committed:
        return (f". The site in {out} was written in full, but not the work folder's record of it: the next "
                f"build makes some files again")
    if site.committing:
        return f". The site in {out} is partly updated; run the same command again to finish it"
    return f". Nothing in {out} was changed: the last site is as it was; run the same command again then"
