"""The data exports for researchers, gzipped and split so each stays small at 100,000 images:

    data/images.csv.gz                 id,path,title,width,height   (one row per image)
    data/neighbours-<facet>.csv.gz     image,rank,neighbour,similarity   (ids; k rows per image)
    data/tags.csv.gz                   image,rank,label,wordnet_id,probability
    data/groups.csv.gz                 image,facet,level,group,name,strength   (when layout made groups)

One CSV of every facet with paths in each row was 564 MB at 100,000 images; by id and
per facet, gzipped, it is about a tenth (docs/benchmarks.md). gzip with mtime 0 and no
file name, so the same data gives the same bytes.

Safe to open in a spreadsheet: a text cell (a path, a title, a tag's label) that begins with
=, +, -, @, a tab or a carriage return would be read by Excel, LibreOffice or Google Sheets as
a formula (=HYPERLINK(...) sends data away, +cmd|... ran commands in old Excel): such a cell is
written with a single quote before it, as OWASP's CSV-injection guidance says. The numbers
(width, height, rank, similarity, probability) are never touched, so -0.0312 stays a number.

Each export is made again only when what it is made from changed (its key, kept in the work
folder beside the file's size and mtime: render/keyed.py), so an unchanged rebuild neither
rebuilds nor compares them.
"""
from __future__ import annotations

import csv
import gzip
import io

import numpy as np

from render.memo import site_key as digest

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheets read as the start of a formula


def cell(text: str) -> str:
    """A text cell as a spreadsheet must show it: a leading quote where it would be a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _writer(buf):
    """writerow for `buf`, "\n" line ends. Python's csv (3.11) quotes a cell holding a line end of
    its own line terminator only, so a lone carriage return (a file name may hold one) would be
    written bare, and pandas or a spreadsheet would end the row there: such a row has its text
    cells quoted."""
    plain = csv.writer(buf, lineterminator="\n")
    careful = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)

    def writerow(row: list) -> None:
        (careful if any(isinstance(c, str) and "\r" in c for c in row) else plain).writerow(row)
    return writerow


def gz(text: str) -> bytes:
    return gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)


def images_csv(manifest) -> str:
    buf = io.StringIO()
    writerow = _writer(buf)
    writerow(["id", "path", "title", "width", "height"])
    for im in manifest.images:
        writerow([im.id, cell(im.path), cell(im.title), im.width, im.height])
    return buf.getvalue()


def neighbours_csv(manifest, layout) -> str:
    """One facet's neighbours: rank 1 is the nearest; similarity is the exact cosine."""
    ids = np.array([im.id for im in manifest.images])
    nbrs, sims = np.asarray(layout.neighbours), np.asarray(layout.similarity)
    n, k = nbrs.shape
    lines = ["image,rank,neighbour,similarity\n"]
    ranks = [str(r) for r in range(1, k + 1)]
    for a in range(0, n, 4096):  # a block of rows at a time: the text of 100,000 x 30 rows is 130 MB
        block_ids, block_nbrs, block_sims = ids[a:a + 4096], nbrs[a:a + 4096], sims[a:a + 4096]
        sim_text = np.char.mod("%.4f", block_sims)
        for image, row, srow in zip(block_ids, block_nbrs, sim_text):
            lines.extend(f"{image},{r},{ids[j]},{s}\n" for r, j, s in zip(ranks, row, srow) if j >= 0)
    return "".join(lines)


def tags_csv(manifest) -> str:
    """image,rank,label,wordnet_id,probability: the classifier's tags (embed/tags.py), best first."""
    buf = io.StringIO()
    writerow = _writer(buf)
    writerow(["image", "rank", "label", "wordnet_id", "probability"])
    for im in manifest.images:
        for rank, t in enumerate(im.tags, start=1):
            writerow([im.id, rank, cell(t["label"]), cell(t["wnid"]), f"{t['p']:.4f}"])
    return buf.getvalue()


def groups_csv(manifest, groups: dict) -> str:
    """image,facet,level,group,name,strength: per facet (the site's order), image (row order) and
    level, the group an image is in (core/group_files.py). Every image has its level-0 row: group
    -1 with no name is "not in a group"; a level-1 row only where it is in a sub-group. name is the
    name the site shows ("Group 7" when the group has none); strength 0..1, 3 decimals."""
    buf = io.StringIO()
    writerow = _writer(buf)
    writerow(["image", "facet", "level", "group", "name", "strength"])
    ids = [im.id for im in manifest.images]
    for facet, g in groups.items():
        labels = [{x.id: x.label for x in g.groups if x.level == level} for level in range(len(g.of))]
        of = [np.asarray(o).tolist() for o in g.of]
        strength = [np.char.mod("%.3f", np.asarray(s, np.float64)).tolist() for s in g.strength]
        for row, image in enumerate(ids):
            for level in range(len(of)):
                group = of[level][row]
                if group >= 0 or level == 0:
                    writerow([image, cell(facet), level, group, cell(labels[level].get(group, "")),
                              strength[level][row] if group >= 0 else "0.000"])
    return buf.getvalue()


def files(manifest, layouts: dict, groups: dict | None = None) -> list[tuple]:
    """(site path, key, make) of every export: render/outputs.py makes each again only when its key changed."""
    rows = [(im.id, im.path, im.title, im.width, im.height) for im in manifest.images]
    out = [("data/images.csv.gz", digest("images-v2", rows), lambda: gz(images_csv(manifest)))]
    ids = [im.id for im in manifest.images]
    for facet, lay in layouts.items():
        key = digest("neighbours-v1", ids, np.asarray(lay.neighbours), np.asarray(lay.similarity))
        out.append((f"data/neighbours-{facet}.csv.gz", key, lambda lay=lay: gz(neighbours_csv(manifest, lay))))
    if "none" not in manifest.tagger:
        tags = [(im.id, im.tags) for im in manifest.images]
        out.append(("data/tags.csv.gz", digest("tags-v2", tags), lambda: gz(tags_csv(manifest))))
    if groups:
        key = digest("groups-v1", ids, *[a for f, g in groups.items()  # arrays as parts: by their bytes
                                         for a in (f, [(x.level, x.id, x.label) for x in g.groups],
                                                   *map(np.asarray, g.of), *map(np.asarray, g.strength))])
        out.append(("data/groups.csv.gz", key, lambda: gz(groups_csv(manifest, groups))))
    return out
