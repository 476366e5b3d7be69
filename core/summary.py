"""The build summary and the --report JSON, made from the stages' reports (core/reports.py).

The summary is formatted from the reports' fields, never parsed back out of a sentence. What a
step warned about (core/log.py Log.warning: a lowered k or perplexity, pages left out...) comes
from the log, once, as `notes` ("  note: ..." lines, and the --report key of that name).
"""
from __future__ import annotations

import re
from dataclasses import asdict

from core.reports import DeployReport, EmbedReport, LayoutReport, RenderReport

_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def shown(text: str) -> str:
    """A file name or catalogue value for the terminal: control characters and bidi overrides
    written as escapes ("evil\\u202egpj.png"), so none moves the cursor, colours the
    terminal or reverses what follows."""
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text)


def count(n: int, noun: str, plural: str = "", fmt: str = "") -> str:
    """A number and its noun, singular for exactly one: "1 image", "2 images", "0 images";
    plural where adding "s" is wrong ("1 class", "3 classes"); fmt="," writes 1,234."""
    return f"{n:{fmt}} {noun if n == 1 else plural or noun + 's'}"


def to_json(embed: EmbedReport | None, layout: LayoutReport | None, render: RenderReport | None,
            work_dir: str, deploy: DeployReport | None = None, notes=()) -> dict:
    """The --report object: the keys of every stage that ran, flat, as scripts have read them;
    notes: the build's warnings (core/log.py Log.warnings)."""
    out: dict = {"work_dir": work_dir, "seconds": {}}
    if embed:
        e = asdict(embed)
        out["seconds"]["embed"] = round(e.pop("seconds"), 2)
        out.update(e)
    if layout:
        out["seconds"]["layout"] = round(layout.seconds, 2)
        out.update(k=layout.k, layout_cached=layout.cached, facets=[f.facet for f in layout.facets],
                   recall={f.facet: f.recall for f in layout.facets},
                   engines={f.facet: {"engine": f.engine, "search_k": f.search_k} for f in layout.facets},
                   focused=layout.focused,
                   arrangements=layout.arrangements,
                   map={f.facet: {"how": f.map_how, "placed": f.placed, "kept": f.kept, "removed": f.removed}
                        for f in layout.facets},
                   groups={f.facet: f.groups for f in layout.facets if f.groups})
    if render:
        out["seconds"]["render"] = round(render.seconds, 2)
        out.update(output=render.output, output_files=render.files, output_bytes=render.bytes,
                   output_folders=render.folders, warnings=render.warnings, removed_stale_files=render.removed,
                   pages_rendered=render.pages_rendered, copied=render.copied, data_written=render.data_written,
                   sheets=render.sheets, sheets_made=render.sheets_made, output_disk_bytes=render.disk_bytes,
                   removed_files=render.removed_files, kept_edited_files=render.kept_files,
                   arrangements_bytes=render.arrangements_bytes,
                   photo_query=render.photo_query)
    if deploy:
        out["seconds"]["deploy"] = round(deploy.seconds, 2)
        out["deployed"] = {"remote": deploy.remote, "branch": deploy.branch, "commit": deploy.commit}
    out["notes"] = _once(notes)
    out["seconds"]["total"] = round(sum(out["seconds"].values()), 2)
    return out


def summary_text(embed: EmbedReport | None, layout: LayoutReport | None, render: RenderReport | None,
                 deploy: DeployReport | None = None, notes=()) -> str:
    """notes: the build's warnings (core/log.py Log.warnings), each said once."""
    total = sum(r.seconds for r in (embed, layout, render, deploy) if r)
    images = embed.images if embed else None
    where = f" -> {render.output}/" if render else ""
    lines = [f"Lookalike: {count(images, 'image')}{where} in {total:.1f} s" if images is not None
             else f"Lookalike:{where} in {total:.1f} s"]
    if embed:
        lines.append(f"  embed   {embed.seconds:7.1f} s   {embed.decoded} decoded, {embed.embedded} embedded"
                     + (f", {embed.cached} from the cache" if embed.cached else "") + f" ({embed.model})"
                     + (f"\n{'':22}engine: {embed.embed_engine}" if embed.decoded else "")
                     + (f"\n{'':22}model runtime: {embed.runtime}" if embed.runtime else ""))
    if layout:
        lines.append(f"  layout  {layout.seconds:7.1f} s   {count(layout.k, 'neighbour')} each, facets: "
                     f"{', '.join(f.facet for f in layout.facets)}" + (" (cached)" if layout.cached else ""))
        lines += _map_lines(layout) + _group_lines(layout)
        lines += _arrangement_lines(layout.arrangements)
        fo = layout.focused
        if fo:
            lines.append(f"{'':22}similar as their top class: {count(fo['images'], 'image')}, "
                         f"{count(fo['classes'], 'class', 'classes')}, "
                         + ("cached" if fo["cached"] else f"{fo['seconds']:.1f} s"))
    if render:
        lines.append(f"  render  {render.seconds:7.1f} s   {count(render.files, 'file')}, {render.bytes / 1e6:.1f} MB "
                     f"({render.disk_bytes / 1e6:.1f} MB on this disk); {count(render.pages_rendered, 'page')}, "
                     f"{count(render.copied, 'image copy', 'image copies')}, "
                     f"{count(render.data_written, 'data file')}, "
                     f"{render.sheets_made} of {count(render.sheets, 'map sheet')} written")
        if render.folders:  # where the bytes are, biggest first: what to shrink when a host has limits
            lines.append("          " + ", ".join(
                f"{name + '/' if name != '.' else 'top level'} {count(f['files'], 'file')} "
                f"{f['bytes'] / 1e6:.1f} MB"
                for name, f in sorted(render.folders.items(), key=lambda kv: -kv[1]["bytes"])))
        if render.arrangements_bytes:
            size = render.arrangements_bytes
            lines.append(f"{'':10}the other arrangements (grid, timeline, blocks): data/arrangements.js "
                         + (f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB")
                         + ", loaded when a visitor first switches")
        if render.photo_query:  # "find look-alikes of your photo" (render/photo_query.py)
            lines.append(f"          photo query {render.photo_query}")
    if deploy:
        lines.append(f"  deploy  {deploy.seconds:7.1f} s   {count(deploy.files, 'file')} pushed to {deploy.remote}/"
                     f"{deploy.branch} (commit {deploy.commit})")
    if embed:
        lines += _collection_lines(embed)
    if layout:
        measured = [f for f in layout.facets if f.recall is not None]
        if measured:  # one line for all facets: "recall@30 ...: content 1.000, style 0.998"
            lines.append(f"  neighbour recall@{layout.k} against exact search (up to 200 images checked): "
                         + ", ".join(f"{f.facet} {f.recall:.3f}" for f in measured))
    lines += [f"  note: {n}" for n in _once(notes)]
    if render:
        if render.removed_files:  # every file a build deletes is named
            lines.append(f"  removed {len(render.removed_files)} file(s) an earlier build wrote and this one did "
                         f"not: {', '.join(render.removed_files)}")
        if render.kept_files:
            lines.append(f"  kept {len(render.kept_files)} file(s) an earlier build wrote, as they were edited "
                         f"since or lie behind a link (they are yours now): {', '.join(render.kept_files)}")
        lines += [f"  WARNING: {w}" for w in render.warnings]
        lines.append(f"  open {render.output}/index.html, or serve it: python -m http.server -d {render.output} 8000")
    elif embed and not layout:
        lines.append("  next: python build.py layout (same --collection and --work-dir)")
    elif layout:
        lines.append("  next: python build.py render (same --collection and --work-dir)")
    return "\n".join(lines)


def _once(notes) -> list[str]:
    """Each note once: "k lowered" is true of every facet, and said once."""
    return list(dict.fromkeys(notes))


def _map_lines(layout: LayoutReport) -> list[str]:
    """How the maps were made: laid out afresh, or new images placed into the last map (issue #12.4)."""
    said = {}
    for f in layout.facets:
        if f.map_how == "placed":
            text = (f"{count(f.placed, 'new image', fmt=',')} placed into the existing map (openTSNE transform); "
                    + (f"the {f.kept:,} already on it kept their places" if f.kept != 1
                       else "the 1 already on it kept its place"))
        elif f.map_how == "kept":
            text = f"the {f.kept:,} images kept their places" if f.kept != 1 else "the 1 image kept its place"
        elif f.map_how == "t-SNE":
            text = "laid out with t-SNE"
        elif f.map_how == "given":
            text = "your own coordinates ([map] coordinates)"
        else:
            continue
        if f.removed:
            text += f"; {count(f.removed, 'image', fmt=',')} gone from the collection"
        said.setdefault(text, []).append(f.facet)
    lines = [f"{'':22}map ({', '.join(facets)}): {text}" for text, facets in said.items()]
    if any(f.map_how in ("placed", "kept") for f in layout.facets):
        lines.append(f"{'':22}(--relayout lays the map out afresh)")
    return lines


def _arrangement_lines(arranged: dict) -> list[str]:
    """The arrangements besides the map (layout/arrangements.py): which, their cost, the grid's figure."""
    lines = []
    for facet, a in arranged.items():
        parts = [("grid, keeping {:.0%} of each image's 10 map neighbours (a sort by x then y: {:.0%})"
                  .format(a["kept"], a["naive"]) if k == "grid" else
                  f"timeline by {a['unit']} ({a['column']}; {a['undated']:,} undated)" if k == "timeline" else
                  f"{a['blocks']} blocks by " + _by(a["by"])) for k in a.get("kinds", [])]
        if parts:
            lines.append(f"{'':22}arrangements ({facet}): {'; '.join(parts)}"
                         + (" (cached)" if a.get("cached") else f" in {a['seconds']:.1f} s"))
    return lines


def _by(by: str) -> str:
    return f"the column {by.removeprefix('column:')}" if by.startswith("column:") else "top tag" if by == "tag" else by
def _group_lines(layout: LayoutReport) -> list[str]:
    """Groups per facet (layout/group_step.py), and why there are none, said once."""
    lines, why = [], []
    for f in layout.facets:
        g = f.groups
        if "groups" in g:
            lines.append(f"{'':22}groups ({f.facet}): {count(g['groups'], 'group')} ({g['named']} named), "
                         f"{count(g['subgroups'], 'sub-group')}; {g['ungrouped']:,} of "
                         f"{count(g['images'], 'image', fmt=',')} ({g['ungrouped'] / max(g['images'], 1):.0%}) "
                         f"in no group"
                         + (", kept from the last build" if g["how"] == "kept" else ""))
        elif g.get("none") and not g["none"].startswith("not for") and g["none"] not in why:
            why.append(g["none"])
    return lines + [f"{'':22}groups: none ({w})" for w in why]


def _collection_lines(embed: EmbedReport) -> list[str]:
    """Skipped, identical, ignored files and the metadata sidecar: what the user should check."""
    lines = []
    if embed.skipped:
        lines.append(f"  skipped {count(len(embed.skipped), 'file')}:")
        lines += [f"    {shown(x['path'])}: {x['reason']}" for x in embed.skipped[:50]]
        if len(embed.skipped) > 50:
            lines.append(f"    ... and {len(embed.skipped) - 50} more (see --report)")
    if embed.duplicates:
        lines.append(f"  identical files shown once: {len(embed.duplicates)}")
        lines += [f"    {shown(d['path'])} = {shown(', '.join(d['same_as']))}" for d in embed.duplicates[:20]]
    if embed.ignored:
        lines.append(f"  left out (not images, hidden or system files): {len(embed.ignored)}, "
                     f"e.g. {shown(embed.ignored[0])}")
    if embed.tags.get("none"):
        lines.append(f"  tags: none ({embed.tags['none']})")
    elif embed.tags:
        t = embed.tags
        lines.append(f"  tags: {t['images_tagged']} of {count(embed.images, 'image')} tagged, "
                     f"{count(t['tags'], 'tag')}, "
                     f"{count(t['labels'], 'different class', 'different classes')} (data/tags.csv.gz)")
    md = embed.metadata
    if md:
        lines.append(f"  metadata {md['file']} ({md.get('encoding', 'UTF-8')}): {md['described']} of "
                     f"{count(embed.images, 'image')} described")
        if md["images_without_row"]:
            lines.append(f"    {count(len(md['images_without_row']), 'image')} "
                         + ("has" if len(md['images_without_row']) == 1 else "have")
                         + f" no row, e.g. {shown(md['images_without_row'][0])}")
        if md["unmatched_rows"]:
            lines.append(f"    {count(len(md['unmatched_rows']), 'row')} "
                         + ("names" if len(md['unmatched_rows']) == 1 else "name")
                         + " no image: "
                         + shown(", ".join(md["unmatched_rows"][:5]))
                         + (" ..." if len(md["unmatched_rows"]) > 5 else ""))
        if md["duplicate_rows"]:
            lines.append(f"    {count(len(md['duplicate_rows']), 'path')} "
                         + ("appears" if len(md['duplicate_rows']) == 1 else "appear")
                         + " in several rows (the last row is used)")
        for clash in md.get("name_clashes", [])[:20]:  # café.jpg as one letter and as e + accent
            lines.append(f"    file names differ only in Unicode form (NFC/NFD), each gets only the row spelled "
                         f"exactly like it: {' | '.join(ascii(p)[1:-1] for p in clash)}")
    return lines
