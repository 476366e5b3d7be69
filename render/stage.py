"""The render stage: the build folder + templates/ + static/ -> the site folder.

    run(folder, site, images, neighbours, force=False) -> RenderReport

A read phase takes everything from the work folder (manifest, layouts, features; the
copy sizes that embed made), then a write phase writes each file atomically; files whose
bytes are unchanged are left alone, so an unchanged rebuild is byte-identical and a
gh-pages diff shows only what really changed. Settings come as the [site] section,
[images] copy_originals and [neighbours] map_neighbours.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from core.progress import Progress, say
from core.reports import RenderReport
from core.workfolder import BuildFolder
from render import assets, output, pages
from render import data as site_data
from render import search
from render.memo import PageMemo, code_digest, site_key, templates_digest
from render.urls import page_path


def run(folder: BuildFolder, site, images, neighbours, force: bool = False, quiet: bool = False) -> RenderReport:
    start = time.perf_counter()
    manifest = folder.read_manifest()  # read phase: everything the site is made from
    layouts = {facet: folder.read_layout(manifest, facet) for facet in manifest.facets}
    features = {facet: folder.read_features(manifest, facet) for facet in manifest.facets}
    focused = folder.read_focused(manifest)  # class-focused neighbours, when layout made them
    copies = manifest.copies
    image_cache = folder.work.image_cache(copies["thumb_size"], copies["display_size"])
    opts = pages.PageOptions(site.base_url, images.copy_originals, copies["thumb_size"], copies["display_size"])
    out, collection = Path(site.output), Path(manifest.collection)
    output.check_output(out, collection, force=force)

    out.mkdir(parents=True, exist_ok=True)  # write phase
    site_files = output.SiteFiles(out)
    notes: list[str] = []
    records = manifest.images
    assets.copy_images(site_files, records, image_cache, quiet)
    if images.copy_originals:
        assets.copy_originals(site_files, collection, records, notes)
    scripts = assets.vendor_scripts(site_files, notes)
    atlas = assets.atlases(site_files, records, image_cache, folder.site_state(out, "atlas.json"), quiet)
    _write_data(site_files, manifest, layouts, neighbours.map_neighbours, atlas)
    assets.static_files(site_files)
    assets.favicon(site_files, records, image_cache)
    site_files.put(".nojekyll", "")

    env = pages.environment()
    no_search = search.available()
    common = {"site_title": site.title, "site_description": site.description, "search": no_search is None}
    site_files.put("index.html", env.get_template("index.html").render(
        **common, **pages.index_context(records, opts, scripts)))
    key = site_key(common, opts, manifest.copies, records,
                   *[a for f, lay in layouts.items() for a in (f, lay.neighbours, lay.similarity)],
                   *[a for f in sorted(features) for a in (f, np.asarray(features[f]))], *(focused or ()))
    rendered = _image_pages(site_files, env, common, records, layouts, features, opts, key,
                            folder.site_state(out, "pages.json"), quiet, focused)
    _search_index(site_files, rendered, notes, quiet)
    removed = output.finish(out, site_files.written)
    sizes = output.size_report(out)
    return RenderReport(output=str(out), files=len(site_files.written), pages_rendered=rendered, removed=len(removed),
                        bytes=sizes["bytes"], folders=sizes["folders"], warnings=sizes["warnings"], notes=notes,
                        seconds=time.perf_counter() - start)


def _write_data(site_files, manifest, layouts: dict, map_neighbours: int, atlas: dict) -> None:
    points = site_data.points_dict(manifest, layouts, map_neighbours, atlas, pages.FACET_LABELS, pages.FACET_HINTS)
    site_files.put("data/points.json", site_data.points_json(points) + "\n")
    site_files.put("data/points.js", site_data.points_js(points))
    site_files.put("data/neighbours.csv", site_data.neighbours_csv(manifest, layouts))
    if "none" not in manifest.tagger:
        site_files.put("data/tags.csv", site_data.tags_csv(manifest))


def _search_index(site_files, rendered: int, notes: list, quiet: bool) -> None:
    """Pagefind over the image pages; when no page changed, the index written last time stands."""
    before = sorted(f for f in output.previous_files(site_files.out) if f.startswith(search.FOLDER + "/"))
    if not rendered and before and all((site_files.out / f).is_file() for f in before):
        site_files.keep(*before)
        return
    _, note = search.index_site(site_files, quiet)
    if note:
        notes.append(note)


def _image_pages(site_files, env, common: dict, records, layouts: dict, features: dict, opts, key: str,
                 state: Path, quiet: bool, focused=None) -> int:
    """One page per image, skipping those whose inputs and file are as last written."""
    memo = PageMemo(state, site_files.out, templates_digest(pages.TEMPLATES) + code_digest())
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
            memo.wrote(page, digest)
            rendered += 1
        site_files.keep(page)
        progress.advance()
    progress.close()
    memo.save()
    return rendered
