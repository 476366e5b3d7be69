"""The no-JavaScript list in the map's other orders: the arrangements' (issue #28), read back as sequences.

    list/grid/<n>.html   "Grid order": the grid row by row, left to right
    list/date/<n>.html   "By date": year by year (or decade), inside one in the timeline's stacking
                         order (similarity, from the bottom, snaking as the column fills); undated last
    list/group/<n>.html  "By group" / "By <column>" / "By tag": block by block, largest first, each
                         block row by row

GRID_PAGE images a page (render/index.py), the same template as the map order (templates/_grid.html),
with a heading where a year or a block begins. The orders come from the default facet's arrangements
(layout/arrangements.py, core/arrangement_files.py): the cells are recovered from each image's place
(xy / cell: centres half a cell from the edges), the timeline's years from the same parser the layout
used (core/years.py), so an order is exactly what the map shows. "Map order" is the manifest's, on
index.html and list/<n>.html as before.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.years import year_of, year_span
from render.arrangements_data import by_label
from render.text import clean

SLUGS = {"grid": "grid", "timeline": "date", "groups": "group"}  # arrangement kind -> list/<slug>/
MAP = "Map order"


@dataclass(frozen=True)
class ListOrder:
    slug: str  # list/<slug>/<n>.html
    label: str  # the Order nav's words
    phrase: str  # the list's heading: "All 120 images <phrase>"
    rows: tuple  # manifest rows in this order
    sections: tuple = ()  # (start in rows, heading): where a year or a block begins


def order_path(slug: str, number: int) -> str:
    """Page `number` (1-based) of the list in order `slug`."""
    return f"list/{slug}/{number}.html"


def orders(arrangements: list, manifest) -> list[ListOrder]:
    """The orders of one facet's arrangements (core/arrangement_files.py Arrangement), in their order."""
    made = []
    for a in arrangements:
        if a.kind == "grid":
            made.append(ListOrder("grid", "Grid order", "in grid order", tuple(_grid(a).tolist())))
        elif a.kind == "timeline":
            rows, sections = _timeline(a, [im.meta for im in manifest.images])
            made.append(ListOrder("date", "By date", "by date", rows, sections))
        elif a.kind == "groups":
            rows, sections = _blocks(a)
            label = by_label(str(a.extra.get("by", "group")))
            made.append(ListOrder("group", label, label[0].lower() + label[1:], rows, sections))
    return made


def _cells(a) -> np.ndarray:
    return np.asarray(a.xy, np.float64) / float(a.cell)  # cell units: centres at k + 0.5 (+ one offset)


def _grid(a) -> np.ndarray:
    c = _cells(a)
    row = np.rint(c[:, 1] - c[:, 1].min()).astype(np.int64)
    return np.lexsort((c[:, 0], row))


def _timeline(a, metas: list[dict]) -> tuple[tuple, tuple]:
    """Column (year or decade; undated last), then row from the floor up, then along the row in the
    direction that row was filled (layout/arrange_shapes.py _stack snakes)."""
    column, decade = str(a.extra.get("column", "")), a.extra.get("unit") == "decade"
    seen: dict = {}
    years = [seen[v] if v in seen else seen.setdefault(v, year_of(year_span(v)))
             for v in (m.get(column) for m in metas)]
    keys = np.array([(y // 10 * 10 if decade else y) if y is not None else 1 << 40 for y in years], np.int64)
    c = _cells(a)
    r = np.rint(c[:, 1].max() - c[:, 1]).astype(np.int64)  # every column stands on one floor
    rows = np.lexsort((np.where(r % 2 == 0, c[:, 0], -c[:, 0]), r, keys))
    sections, last = [], None
    for i, row in enumerate(rows.tolist()):
        if keys[row] != last:
            last = keys[row]
            y = years[row]
            sections.append((i, "Undated" if y is None else f"{y // 10 * 10}s" if decade else str(y)))
    return tuple(rows.tolist()), tuple(sections)


def _blocks(a) -> tuple[tuple, tuple]:
    """Block by block in the record's order (largest first, the rest, the images without a value),
    each row by row: an image is in the block whose rectangle holds its centre."""
    xy = np.asarray(a.xy, np.float64)
    blocks = a.extra.get("blocks", [])
    block = np.full(len(xy), len(blocks), np.int64)
    for i, b in reversed(list(enumerate(blocks))):
        inside = ((xy[:, 0] >= b["x"] - a.cell / 4) & (xy[:, 0] <= b["x"] + b["w"] + a.cell / 4)
                  & (xy[:, 1] >= b["y"] - a.cell / 4) & (xy[:, 1] <= b["y"] + b["h"] + a.cell / 4))
        block[inside] = i
    c = _cells(a)
    row = np.rint(c[:, 1] - c[:, 1].min()).astype(np.int64)  # blocks' tops are whole cells: one offset
    rows = np.lexsort((c[:, 0], row, block))
    sections, last = [], None
    for i, r in enumerate(rows.tolist()):
        if block[r] != last:
            last = block[r]
            b = blocks[last] if last < len(blocks) else {"label": "Other", "size": int((block == last).sum())}
            sections.append((i, f"{clean(str(b['label']))} ({int(b['size'])})"))
    return tuple(rows.tolist()), tuple(sections)


def page_sections(order: ListOrder | None, first: int, count: int) -> list[tuple[int, int, str, bool]]:
    """(start, end, heading, continued) of rows first..first+count of `order`, in order positions."""
    end = first + count
    if order is None or not order.sections:
        return [(first, end, "", False)]
    starts = list(order.sections)
    out = []
    for j, (start, heading) in enumerate(starts):
        stop = starts[j + 1][0] if j + 1 < len(starts) else len(order.rows)
        lo, hi = max(start, first), min(stop, end)
        if lo < hi:
            out.append((lo, hi, heading, start < first))
    return out
