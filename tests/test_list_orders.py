"""The no-JavaScript list in the arrangements' orders (render/list_orders.py, issue #28 item 1):
list/grid/, list/date/, list/group/ pages, an Order nav on every page of the list and on the map page."""
from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np

from core.arrangement_files import Arrangement
from layout import arrange_shapes
from layout.arrange_fit import hilbert_order
from render import list_orders
from render.linkcheck import broken_links
from tests.conftest import pattern_collection, run_build, site_bytes


def arranged(kind: str, placed) -> Arrangement:
    xy, cell, extra = arrange_shapes.normalised(placed)
    return Arrangement(kind, xy, cell, extra)


def manifest_of(metas):
    return SimpleNamespace(images=[SimpleNamespace(meta=m) for m in metas])


def test_the_grid_order_is_row_by_row():
    xy = np.random.default_rng(0).random((37, 2))
    placed = arrange_shapes.grid(xy)
    (order,) = list_orders.orders([arranged("grid", placed)], manifest_of([{}] * 37))
    expected = np.lexsort((placed.pos[:, 0], placed.pos[:, 1]))  # cell centres: by row, then column
    assert order.slug == "grid" and list(order.rows) == expected.tolist() and order.sections == ()


def test_the_date_order_is_year_by_year_in_the_timelines_stacking_order_undated_last():
    rng = np.random.default_rng(1)
    xy = rng.random((60, 2))
    years = [None if i % 7 == 0 else int(y) for i, y in enumerate(rng.integers(1900, 1906, 60))]
    placed = arrange_shapes.timeline(xy, years)
    placed.extra["column"] = "date"
    metas = [{"date": "" if y is None else f"ca. {y}"} for y in years]
    (order,) = list_orders.orders([arranged("timeline", placed)], manifest_of(metas))
    stack = hilbert_order(xy).tolist()  # the timeline stacks each year's images in the map's 1-D order
    expected = [r for y in range(1900, 1906) for r in stack if years[r] == y] + [r for r in stack if years[r] is None]
    assert order.slug == "date" and list(order.rows) == expected
    heads = [h for _, h in order.sections]
    assert heads == [str(y) for y in range(1900, 1906) if y in years] + ["Undated"]
    assert [s for s, _ in order.sections][-1] == len(expected) - sum(y is None for y in years)


def test_the_block_order_is_block_by_block_largest_first_each_row_by_row():
    codes = np.array([0] * 5 + [1] * 11 + [2] * 3 + [-1] * 2)
    xy = np.random.default_rng(2).random((len(codes), 2))
    placed = arrange_shapes.blocks(xy, codes, ["a", "b", "c"], "no kind")
    placed.extra["by"] = "column:kind"
    (order,) = list_orders.orders([arranged("groups", placed)], manifest_of([{}] * len(codes)))
    assert order.label == "By kind" and order.phrase == "by kind"
    assert [h for _, h in order.sections] == ["b (11)", "a (5)", "c (3)", "no kind (2)"]
    assert [s for s, _ in order.sections] == [0, 11, 16, 19]
    for (start, _), value, size in zip(order.sections, [1, 0, 2, -1], [11, 5, 3, 2]):
        rows = list(order.rows[start:start + size])
        assert sorted(rows) == np.flatnonzero(codes == value).tolist()
        assert rows == sorted(rows, key=lambda r: (placed.pos[r, 1], placed.pos[r, 0]))  # row by row


def test_page_sections_split_across_pages_say_continued():
    order = list_orders.ListOrder("date", "By date", "by date", tuple(range(10)), ((0, "1900"), (4, "1901")))
    assert list_orders.page_sections(order, 0, 3) == [(0, 3, "1900", False)]
    assert list_orders.page_sections(order, 3, 3) == [(3, 4, "1900", True), (4, 6, "1901", False)]
    assert list_orders.page_sections(None, 5, 5) == [(5, 10, "", False)]


IDS = re.compile(r'<li><a href="[^"]*?([0-9a-f]{12,})\.html">')


def ids_of(folder) -> list[str]:
    """The images listed on every page of list/<order>/, in page order."""
    pages = sorted(folder.glob("*.html"), key=lambda p: int(p.stem))
    return [i for p in pages for i in IDS.findall(p.read_text(encoding="utf-8"))]


def build(coll, out, work) -> None:
    assert run_build("--collection", coll, "--out", out, "--work-dir", work, "--weights", "none",
                     "--facets", "content", "--quiet") == 0


def test_a_build_lists_every_image_by_date_by_kind_and_in_grid_order(tmp_path, monkeypatch):
    from core.years import year_of, year_span
    from render import index

    monkeypatch.setattr(index, "GRID_PAGE", 8)  # 18 images: three pages of each order

    coll = pattern_collection(tmp_path / "c", 6)
    files = sorted(p.relative_to(coll).as_posix() for p in coll.rglob("*.jpg"))
    dates = {f: ("" if i % 6 == 0 else "1905" if i == 1 else f"ca. {1880 + 2 * i}") for i, f in enumerate(files)}
    kinds = {f: "print" if i < 9 else "drawing" if i < 15 else "painting" for i, f in enumerate(files)}
    (coll / "metadata.csv").write_text("path,date,kind\n" + "".join(f"{f},{d},{kinds[f]}\n" for f, d in dates.items()))
    out, work = tmp_path / "s", tmp_path / "w"
    build(coll, out, work)
    from tests.conftest import read_points

    ids = read_points(out)["ids"]  # manifest rows: the sorted paths
    row = {f: i for i, f in enumerate(files)}
    by_year = sorted((f for f in files if dates[f]), key=lambda f: year_of(year_span(dates[f])))
    listed = ids_of(out / "list" / "date")
    assert listed[:len(by_year)] == [ids[row[f]] for f in by_year]  # one image a year: the exact order
    assert sorted(listed[len(by_year):]) == sorted(ids[row[f]] for f in files if not dates[f])  # undated last
    text = (out / "list" / "date" / "1.html").read_text()
    assert text.index(">1884</h2>") < text.index(">1888</h2>") < text.index(">1900</h2>")
    assert '<h1 class="lk-grid-heading">All 18 images by date: 1-8 (page 1 of 3)</h1>' in text  # the page's heading
    assert ">Undated</h2>" in (out / "list" / "date" / "2.html").read_text()  # 15 dated, then 3 undated
    assert ">Undated (continued)</h2>" in (out / "list" / "date" / "3.html").read_text()

    listed = ids_of(out / "list" / "group")
    for lo, hi, kind in ((0, 9, "print"), (9, 15, "drawing"), (15, 18, "painting")):  # largest first
        assert sorted(listed[lo:hi]) == sorted(ids[row[f]] for f in files if kinds[f] == kind)
    group_text = "".join((out / "list" / "group" / f"{n}.html").read_text() for n in (1, 2, 3))
    assert group_text.index("print (9)<") < group_text.index("print (9) (continued)") < group_text.index(
        "drawing (6)") < group_text.index("painting (3)")
    assert sorted(ids_of(out / "list" / "grid")) == sorted(ids)

    index = (out / "index.html").read_text()
    nav = re.search(r'<nav class="lk-orders".*?</nav>', index, re.S).group(0)
    assert re.findall(r">([^<>]+)</a>", nav) == ["Map order", "Grid order", "By date", "By kind"]
    assert 'href="index.html#lk-grid" aria-current="true"' in nav and 'href="list/date/1.html"' in nav
    assert 'href="../../index.html#lk-grid"' in text and 'href="1.html" aria-current="true">By date' in text
    assert broken_links(out) == []

    before = site_bytes(out)
    build(coll, out, work)
    assert site_bytes(out) == before  # byte-identical rebuild

    (coll / "metadata.csv").write_text("path,kind\n" + "".join(f"{f},{kinds[f]}\n" for f in files))
    build(coll, out, work)  # no dates: no timeline, no list/date/
    assert not (out / "list" / "date").exists() and (out / "list" / "group" / "1.html").is_file()
    assert "By date" not in (out / "index.html").read_text() and broken_links(out) == []


def test_the_budget_counts_a_copy_of_the_list_for_each_order():
    from render import budget

    def list_bytes(orders):
        return budget.estimate({}, budget.Planned(pages=100_000, images=100_000, facets=1, k=30, map_neighbours=12,
                                                  search=True, orders=orders), previous={})["folders"]["list"]

    assert list_bytes(3) == 4 * list_bytes(0) > 0
