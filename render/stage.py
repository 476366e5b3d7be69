"""The render stage: the build folder + templates/ + static/ -> the site folder.

    run(folder, site, images, neighbours, force=False) -> RenderReport

A read phase takes everything from the work folder (manifest, layouts, features; the
copy sizes that embed made) and sizes the site against GitHub Pages' budgets
(render/budget.py), saying before anything is written which budget a collection would
exceed and which setting makes it fit. A write phase then writes each file through
render/sitefiles.py SiteFiles: new files in place, changed ones beside theirs, all renamed
into place at the end (index.html last) and stale files of the last build removed; a failure
before that (a full disk) leaves the last site as it was, and a build stopped half-way resumes.
Files whose bytes are unchanged are left alone, so an unchanged rebuild is byte-identical
and a gh-pages diff shows only what really changed. What is cheap to know unchanged is not
even made again: image copies are keyed by content (render/assets.py ImageCopies), the
data files by their inputs (render/exports.py), pages by their contexts (render/memo.py).
That state lives in the work folder; the site holds only the list of the files Lookalike
wrote there (sitefiles.RECORD). Settings come as the
[site] section, [images] copy_originals and display_copies, [neighbours] map_neighbours.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from core.files import WriteError
from core.progress import Progress, say
from core.reports import RenderReport
from core.workfolder import BuildFolder
from render import assets, budget, exports, index, output, pages
from render import data as site_data
from render import search
from render.keyed import KeyedFiles
from render.memo import PageMemo, code_digest, site_key, templates_digest
from render.urls import page_path


def run(folder: BuildFolder, site, images, neighbours, force: bool = False, quiet: bool = False) -> RenderReport:
    start = time.perf_counter()
    manifest = folder.read_manifest()  # read phase: everything the site is made from
    layouts = {facet: folder.read_layout(manifest, facet) for facet in manifest.facets}
    features = {facet: folder.read_features(manifest, facet) for facet in manifest.facets}
    focused = folder.read_focused(manifest)  # class-focused neighbours, when layout made them
    copies = manifest.copies
    records = manifest.images
    image_cache = folder.work.image_cache(copies["thumb_size"], copies["display_size"])
    with_pages = not site.pages_max or len(records) <= site.pages_max
    opts = pages.PageOptions(site.base_url, images.copy_originals, copies["thumb_size"], copies["display_size"],
                             display_copies=images.display_copies, image_pages=with_pages)
    out, collection = Path(site.output), Path(manifest.collection)
    files_state = folder.site_state(out, "files.json")
    output.check_output(out, collection, force=force, state=files_state)
    notes: list[str] = []
    if not with_pages:
        notes.append(f"no image pages: {len(records):,} images is more than [site] pages_max = {site.pages_max:,}; "
                     f"the map and the list link to each picture, and there is no search")
    no_search = search.available() if with_pages else "no image pages to search"
    image_copies = assets.ImageCopies(records, image_cache, opts, folder.site_state(out, "copies.json"))
    expected = _estimate(image_copies, records, layouts, opts, neighbours.map_neighbours, no_search is None,
                         files_state)
    for warning in expected:  # before minutes of writing
        say(f"render: GitHub Pages budget: {warning}", quiet)

    site_files = output.SiteFiles(out, files_state)  # write phase
    try:  # every file is written, then the changed ones renamed into place, index.html last
        copied = image_copies.write(site_files, quiet)
        if images.copy_originals:
            assets.copy_originals(site_files, collection, records, notes)
        scripts = assets.vendor_scripts(site_files, notes)
        atlas, sheets_made = assets.atlases(site_files, records, image_cache, folder.site_state(out, "atlas.json"),
                                            quiet)
        made = _write_data(site_files, folder.site_state(out, "exports.json"), manifest, layouts,
                           neighbours.map_neighbours, atlas)
        assets.static_files(site_files)
        assets.favicon(site_files, records, image_cache)
        site_files.put(".nojekyll", "")

        env = pages.environment()
        common = {"site_title": site.title, "site_description": site.description, "search": no_search is None}
        site_files.put("index.html", env.get_template("index.html").render(
            **common, **index.index_context(records, opts, scripts, site_data.data_scripts(
                list(layouts), len(manifest.images), neighbours.map_neighbours))))
        salt = templates_digest(pages.TEMPLATES) + code_digest()  # what turns contexts into HTML
        _list_pages(site_files, folder.site_state(out, "lists.json"), env, common, records, opts, salt)
        rendered = 0
        if with_pages:
            key = site_key(common, opts, manifest.copies, records,
                           *[a for f, lay in layouts.items() for a in (f, lay.neighbours, lay.similarity)],
                           *[a for f in sorted(features) for a in (f, np.asarray(features[f]))], *(focused or ()))
            rendered = _image_pages(site_files, env, common, records, layouts, features, opts, key,
                                    folder.site_state(out, "pages.json"), salt, quiet, focused)
            _search_index(site_files, rendered, [page_path(im.id) for im in records], notes, quiet)
        removed, kept = site_files.finish()
    except BaseException as exc:
        site_files.abort()
        if isinstance(exc, WriteError):
            exc.args = (exc.args[0] + (
                f". The site in {out} was written in full, but not the work folder's record of it: the next "
                f"build makes some files again" if site_files.committed else
                f". The site in {out} is partly updated; run the same command again to finish it" if
                site_files.committing else f". Nothing in {out} was changed: the last site is as it was; "
                f"run the same command again then"),)
        raise
    if site_files.edited:
        notes.append(f"replaced {len(site_files.edited)} file(s) of the site that were edited since Lookalike "
                     f"wrote them (change templates/ or static/ instead): {', '.join(site_files.edited)}")
    sizes = output.size_report(out)
    output.remember_sizes(files_state, sizes, len(records))
    return RenderReport(output=str(out), files=len(site_files.written), pages_rendered=rendered, removed=len(removed),
                        bytes=sizes["bytes"], folders=sizes["folders"], warnings=sizes["warnings"], notes=notes,
                        seconds=time.perf_counter() - start, copied=copied, data_written=len(made),
                        sheets=len(atlas.get("sheets", [])), sheets_made=sheets_made,
                        disk_bytes=sizes["disk_bytes"], removed_files=removed, kept_files=kept)


def _write_data(site_files, state: Path, manifest, layouts: dict, map_neighbours: int, atlas: dict) -> list[str]:
    """The map's points and the researchers' exports, each made only when its inputs changed."""
    ex = KeyedFiles(site_files, state)
    labels, hints = pages.FACET_LABELS, pages.FACET_HINTS
    m = {f: min(map_neighbours, lay.neighbours.shape[1]) for f, lay in layouts.items()}
    key = site_key(site_data.POINTS_VERSION, [(im.id, im.title, im.width, im.height) for im in manifest.images],
                   *[a for f, lay in layouts.items() for a in (f, np.asarray(lay.coords),
                                                               np.asarray(lay.neighbours[:, :m[f]]),
                                                               np.asarray(lay.similarity[:, :m[f]]))],
                   json.dumps(atlas, sort_keys=True), {f: labels.get(f, f) for f in layouts},
                   {f: hints.get(f, "") for f in layouts})
    ex.put_all("points", key, lambda: site_data.points_files(manifest, layouts, map_neighbours, atlas, labels, hints))
    exports.write(ex, manifest, layouts)
    ex.save()
    return ex.made


def _list_pages(site_files, state: Path, env, common: dict, records, opts, salt: str) -> None:
    """list/2.html ...: 200 pages at 100,000 images, made again only when what they show changed."""
    ex = KeyedFiles(site_files, state)
    key = site_key("list-v1", salt, common, repr(opts),
                         [(im.id, im.title, im.width, im.height) for im in records])
    template = env.get_template("list.html")
    for rel, number in index.list_pages(records):
        ex.put(rel, key, lambda number=number: template.render(**common, **index.list_context(records, opts, number)))
    ex.save()


def _estimate(image_copies, records, layouts: dict, opts, map_neighbours: int, with_search: bool,
              files_state: Path) -> list[str]:
    """GitHub Pages warnings for the site this build is about to write (render/budget.py)."""
    known = image_copies.bytes_by_folder()
    if opts.copy_originals:
        known["originals"] = sum(im.bytes for im in records)
    k = max((lay.neighbours.shape[1] for lay in layouts.values()), default=0)
    guess = budget.estimate(known, pages=len(records) if opts.image_pages else 0, images=len(records),
                            facets=len(layouts), k=k, map_neighbours=map_neighbours, search=with_search,
                            previous=output.previous_sizes(files_state))
    return budget.check(guess["bytes"], guess["folders"], guess["files"], guess["big"])


def _search_index(site_files, rendered: int, page_list: list[str], notes: list, quiet: bool) -> None:
    """Pagefind over the image pages; when no page changed, the index written last time stands."""
    before = sorted(f for f in site_files.previous if f.startswith(search.FOLDER + "/"))
    if not rendered and before and all((site_files.out / f).is_file() for f in before):
        site_files.keep(*before)
        return
    _, note = search.index_site(site_files, page_list, quiet)
    if note:
        notes.append(note)


def _image_pages(site_files, env, common: dict, records, layouts: dict, features: dict, opts, key: str,
                 state: Path, salt: str, quiet: bool, focused=None) -> int:
    """One page per image, skipping those whose inputs and file are as last written."""
    memo = PageMemo(state, site_files.out, salt)
    paths = [page_path(im.id) for im in records]
    if memo.site_unchanged(key, paths):
        say(f"render: all {len(paths)} image pages unchanged", quiet)
        site_files.keep(*paths)
        return 0
    memo.begin()
    template, cards, rendered = env.get_template("image.html"), pages.Cards(records, opts), 0
    progress = Progress("render", len(records), unit="pages", quiet=quiet)
    for i, (im, page) in enumerate(zip(records, paths)):
        ctx = {**common, **pages.image_context(i, im, records, layouts, features, opts, page, cards, focused)}
        digest = memo.digest(ctx)
        if not memo.unchanged(page, digest):  # same inputs, same templates, file still as written
            site_files.put(page, template.render(**ctx))
            memo.wrote(page, digest, site_files.path(page))
            rendered += 1
        site_files.keep(page)
        progress.advance()
    progress.close()
    memo.save(site_files)
    return rendered
