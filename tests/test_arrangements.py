"""Arrangements besides the map (layout/arrangements.py, issue #28 items 1-2): the grid has one image
a cell and keeps the map's neighbourhoods better than a sort; the timeline puts an image dated 1905
in the 1905 column and the undated apart, counted; the blocks follow the values, largest first,
with exact membership; all of it deterministic, cached, and written as data/arrangements.js.
The grid's figure on the real flowers and art maps: bench/layout_bench.py --arrangements --maps."""
import json
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.spatial import cKDTree

from core.group_files import FacetGroups, Group
from core.log import Log
from core.manifest import ImageRecord, Manifest
from core.workfolder import FacetLayout, WorkFolder
from layout import arrange_fit, arrange_shapes, arrangements
from render import arrangements_data

MARGIN = 0.15  # the grid keeps at least this much more of the map's neighbourhoods than a sort


def clustered_map(n: int, seed: int = 0) -> np.ndarray:
    """A t-SNE-like map: clusters of ~100 points of varied spread."""
    rng = np.random.default_rng(seed)
    k = max(2, n // 100)
    centres, spread = rng.normal(0, 10, (k, 2)), rng.uniform(0.3, 2.0, k)
    lab = rng.integers(0, k, n)
    return (centres[lab] + rng.normal(0, 1, (n, 2)) * spread[lab, None]).astype(np.float32)


def setup(tmp_path, meta: list[dict], coords: np.ndarray, facets=("content",), tags=None):
    n = len(meta)
    recs = [ImageRecord(id=f"{i:012x}", sha256=f"{i:064x}", path=f"{i}.jpg", title=str(i), width=4, height=3,
                        bytes=1, meta=meta[i], tags=(tags[i] if tags else [])) for i in range(n)]
    m = Manifest(collection="/c", model="m", images=recs, facets=list(facets),
                 copies={"thumb_size": 256, "display_size": 1024})
    folder = WorkFolder(tmp_path / "w").build(tmp_path / "c")
    folder.write_manifest(m)
    for facet in facets:
        lay = FacetLayout(np.zeros((n, 1), np.int32), np.ones((n, 1), np.float32), np.asarray(coords, np.float32))
        folder.write_layout(m, facet, lay, "k", {})
    return folder, m


def settings(kinds=("grid", "timeline", "groups"), date_column=""):
    return SimpleNamespace(arrangements=list(kinds), date_column=date_column)


def by_kind(folder, m, facet="content") -> dict:
    return {a.kind: a for a in folder.read_arrangements(m, facet)}


def test_the_grid_has_one_image_a_cell_and_keeps_neighbourhoods_better_than_a_sort():
    for name, coords in [("clustered 5,000", clustered_map(5000)), ("clustered 800", clustered_map(800, seed=1))]:
        xy = np.asarray(coords, np.float64)
        placed = arrange_shapes.grid(xy)
        cols, rows = placed.extra["cols"], placed.extra["rows"]
        cells = {(int(x), int(y)) for x, y in placed.pos}
        assert len(cells) == len(xy), f"{name}: two images in one cell"
        assert all(0 <= x < cols and 0 <= y < rows for x, y in cells)
        assert np.allclose(placed.pos % 1, 0.5)  # on the lattice
        kept = arrange_fit.neighbourhood_kept(xy, placed.pos)
        naive = arrange_fit.neighbourhood_kept(xy, arrange_fit.sorted_grid(xy, cols))
        cuts = arrange_fit.neighbourhood_kept(xy, arrange_shapes.grid(xy, block=1).pos)  # no assignment at all
        print(f"\n{name}: the grid keeps {kept:.3f} of each image's 10 map neighbours, a sort by x then y {naive:.3f}, "
              f"the k-d cuts alone {cuts:.3f}")
        assert kept >= naive + MARGIN, (name, kept, naive)
        assert kept >= cuts + 0.02, (name, kept, cuts)  # the exact assignment inside each block pays


def test_fit_solves_a_known_answer_exactly():
    """Points already on a lattice, shuffled: each must come back to its own cell."""
    cells = np.stack(np.meshgrid(np.arange(40), np.arange(30)), -1).reshape(-1, 2) + 0.5
    shuffle = np.random.default_rng(3).permutation(len(cells))
    at = arrange_fit.fit(cells[shuffle] * 7.0, cells, block=256)  # scaled: fit stretches onto the cells
    assert np.array_equal(cells[at], cells[shuffle])


def test_an_image_dated_1905_lands_in_the_1905_column_and_the_undated_apart(tmp_path):
    n = 300
    rng = np.random.default_rng(1)
    dates = [f"c. {y}" for y in rng.integers(1890, 1930, n)]
    dates[7], dates[8], dates[9] = "1905", "1905-03-14", "1905-1910"
    undated = [3, 50, 51, 120, 299]
    for i in undated:
        dates[i] = "undated" if i % 2 else ""
    meta = [{"Title": f"t{i}", "Date": d} for i, d in enumerate(dates)]
    folder, m = setup(tmp_path, meta, clustered_map(n))
    log = Log(quiet=True)
    report = arrangements.run(folder, m, settings(), log)
    t = by_kind(folder, m)["timeline"]
    assert report["content"]["unit"] == "year" and t.extra["unit"] == "year"  # 1890-1929: 40 years
    axis = {a["label"]: a["x"] for a in t.extra["axis"]}
    assert list(axis)[0] == "1890" and list(axis)[-1] == str(max(int(d[3:]) for d in dates if d.startswith("c.")))
    pitch = axis["1891"] - axis["1890"]
    for i in (7, 8, 9):
        assert abs(t.xy[i, 0] - axis["1905"]) < pitch / 2, (i, t.xy[i], axis["1905"])
    years = [int(d[3:]) if d.startswith("c. ") else None for d in dates]
    for i, y in enumerate(years):  # every dated image in its own year's column
        if y is not None:
            assert abs(t.xy[i, 0] - axis[str(y)]) < pitch / 2
    assert t.extra["undated"] == len(undated) and report["content"]["undated"] == len(undated)
    right = max(axis.values()) + pitch / 2
    dated = np.array([i not in undated for i in range(n)])
    assert (t.xy[~dated, 0] > right).all() and (t.xy[dated, 0] < right).all()
    assert np.allclose(t.xy[~dated, 0], t.extra["undated_x"], atol=4 * t.cell)
    assert (t.xy >= 0).all() and (t.xy <= 1).all()
    nearest = cKDTree(t.xy).query(t.xy, 2)[0][:, 1]
    assert nearest.min() > 0.99 * t.cell  # stacks: one image a cell here too


def test_decades_beyond_fifty_years():
    years = [1850, 1899, 1901, None, 1960]
    placed = arrange_shapes.timeline(clustered_map(5), years)
    assert placed.extra["unit"] == "decade" and [a["label"] for a in placed.extra["axis"]][:2] == ["1850s", "1860s"]
    assert len(placed.extra["axis"]) == 12 and placed.extra["undated"] == 1


def test_blocks_follow_a_catalogue_column_largest_first_with_exact_membership(tmp_path):
    kinds = ["Print"] * 12 + ["Painting"] * 7 + ["Drawing"] * 3 + [""] * 2
    order = np.random.default_rng(2).permutation(len(kinds))
    meta = [{"Title": f"t{i}", "Medium": kinds[j]} for i, j in enumerate(order)]
    folder, m = setup(tmp_path, meta, clustered_map(len(kinds)))
    arrangements.run(folder, m, settings(), Log(quiet=True))
    g = by_kind(folder, m)["groups"]
    assert g.extra["by"] == "column:Medium"
    blocks = g.extra["blocks"]
    assert [(b["label"], b["size"]) for b in blocks] == [("Print", 12), ("Painting", 7), ("Drawing", 3),
                                                         ("no Medium", 2)]
    for b in blocks:
        inside = ((g.xy[:, 0] > b["x"]) & (g.xy[:, 0] < b["x"] + b["w"])
                  & (g.xy[:, 1] > b["y"]) & (g.xy[:, 1] < b["y"] + b["h"]))
        value = "" if b["label"] == "no Medium" else b["label"]
        assert set(np.flatnonzero(inside)) == {i for i, r in enumerate(meta) if r["Medium"] == value}, b["label"]


def test_blocks_follow_the_groups_when_layout_made_them_else_the_top_tag(tmp_path):
    n = 40
    tags = [[{"label": "tabby" if i % 3 else "daisy", "wnid": "n0", "p": 0.9, "class": 1}] for i in range(n)]
    folder, m = setup(tmp_path, [{} for _ in range(n)], clustered_map(n), tags=tags)
    arrangements.run(folder, m, settings(("groups",)), Log(quiet=True))
    g = by_kind(folder, m)["groups"]
    assert g.extra["by"] == "tag" and [(b["label"], b["size"]) for b in g.extra["blocks"]] == [("tabby", 26),
                                                                                              ("daisy", 14)]
    of = np.array([0] * 25 + [1] * 10 + [-1] * 5, np.int32)
    groups = [Group(0, 0, 25, 0, name="Cats"), Group(1, 0, 10, 30), Group(2, 1, 4, 1, parent=0)]
    folder.write_groups(m, FacetGroups("content", groups, [of], [np.ones(n, np.float32)]), "gk")
    report = arrangements.run(folder, m, settings(("groups",)), Log(quiet=True))
    assert report["content"]["cached"] is False  # the groups changed: made again
    g = by_kind(folder, m)["groups"]
    assert g.extra["by"] == "group"
    assert [(b["label"], b["size"]) for b in g.extra["blocks"]] == [("Cats", 25), ("Group 1", 10), ("ungrouped", 5)]
    other = Manifest(collection="/c", model="m", images=[ImageRecord(id="f" * 12, sha256="f" * 64, path="x.jpg",
                     title="x", width=1, height=1, bytes=1)] * n, facets=["content"])
    folder.write_groups(other, FacetGroups("content", groups, [of], [np.ones(n, np.float32)]), "gk")
    arrangements.run(folder, m, settings(("groups",)), Log(quiet=True))  # groups of other images: not these
    assert by_kind(folder, m)["groups"].extra["by"] == "tag"


def test_without_dates_there_is_no_timeline_said_once(tmp_path):
    n = 30
    folder, m = setup(tmp_path, [{"Title": f"t{i}"} for i in range(n)], clustered_map(n), facets=("content", "style"))
    lines = []
    log = Log()
    log._write = lines.append
    report = arrangements.run(folder, m, settings(), log)
    said = [line for line in lines if "no timeline" in line]
    assert said == ["arrangements: no catalogue column holds dates: no timeline"]
    assert all("timeline" not in r["kinds"] for r in report.values()) and report["content"]["kinds"] == ["grid"]
    text = arrangements_data.arrangements_js({f: folder.read_arrangements(m, f) for f in m.facets})
    data = read_js_text(text)
    assert data["order"] == ["map", "grid"] and set(data["content"]) == {"grid"}
    assert read_js_text(arrangements_data.arrangements_js({"content": []}))["order"] == ["map"]  # an older layout


def test_deterministic_cached_and_compact(tmp_path):
    n = 2500
    rng = np.random.default_rng(4)
    meta = [{"Date": str(y), "Artist": f"a{a}"} for y, a in zip(rng.integers(1800, 1990, n), rng.integers(0, 9, n))]
    texts = []
    for run in ("a", "b"):
        folder, m = setup(tmp_path / run, meta, clustered_map(n))
        report = arrangements.run(folder, m, settings(), Log(quiet=True))
        assert report["content"]["cached"] is False and report["content"]["kinds"] == ["grid", "timeline", "groups"]
        texts.append(arrangements_data.arrangements_js({"content": folder.read_arrangements(m, "content")}))
    assert texts[0] == texts[1]
    again = arrangements.run(folder, m, settings(), Log(quiet=True))
    assert again["content"]["cached"] is True and again["content"]["kept"] == report["content"]["kept"]
    data = read_js_text(texts[0])
    assert data["order"] == ["map", "grid", "timeline", "groups"]
    assert data["labels"]["groups"] == "By Artist" and data["content"]["timeline"]["unit"] == "decade"
    for kind in ("grid", "timeline", "groups"):
        xy = data["content"][kind]["xy"]
        assert len(xy) == 2 * n and all(0 <= v <= 1 and round(v, 4) == v for v in xy)
    assert len(texts[0]) < n * 3 * 16  # about 14 bytes an image an arrangement


def test_arrangements_follow_the_setting_and_a_killed_write_is_not_trusted(tmp_path):
    n = 50
    folder, m = setup(tmp_path, [{"Date": "1900"} for _ in range(n)], clustered_map(n))
    arrangements.run(folder, m, settings(), Log(quiet=True))
    assert [a.kind for a in folder.read_arrangements(m, "content")] == ["grid", "timeline"]  # one value: no blocks
    arrangements.run(folder, m, settings(("grid",)), Log(quiet=True))
    assert [a.kind for a in folder.read_arrangements(m, "content")] == ["grid"]
    assert not (folder.path / "arrangements" / "content-timeline.npy").exists()
    (folder.path / "arrangements" / "content.json").unlink()  # killed before the record: recomputed
    assert folder.read_arrangements(m, "content") is None
    assert arrangements.run(folder, m, settings(("grid",)), Log(quiet=True))["content"]["cached"] is False
    assert arrangements.run(folder, m, settings(()), Log(quiet=True)) == {}
    assert folder.read_arrangements(m, "content") is None


@pytest.mark.parametrize("n", [1, 2, 7])
def test_tiny_collections(tmp_path, n):
    folder, m = setup(tmp_path, [{"Date": "1905", "Kind": "a" if i % 2 else "b"} for i in range(n)],
                      clustered_map(max(n, 2))[:n])
    arrangements.run(folder, m, settings(), Log(quiet=True))
    for a in folder.read_arrangements(m, "content"):
        assert a.xy.shape == (n, 2) and np.isfinite(a.xy).all() and 0 < a.cell <= 1


def read_js_text(text: str) -> dict:
    return json.loads(text.removeprefix("window.LOOKALIKE_POINTS.arrangements = ").rstrip().rstrip(";"))


def read_js(site) -> dict:
    return read_js_text((site / "data" / "arrangements.js").read_text(encoding="utf-8"))


def test_a_build_writes_data_arrangements_js_that_the_index_page_does_not_load(tmp_path, capsys):
    from tests.conftest import pattern_collection, run_build

    coll = pattern_collection(tmp_path / "c", 6)
    files = sorted(p.relative_to(coll).as_posix() for p in coll.rglob("*.jpg"))
    dates = {f: ("" if i % 6 == 0 else "1905" if i == 1 else f"ca. {1880 + 2 * i}") for i, f in enumerate(files)}
    (coll / "metadata.csv").write_text("path,date,kind\n" + "".join(f"{f},{d},{f.split('/')[0]}\n"
                                                                   for f, d in dates.items()))
    out = tmp_path / "s"
    assert run_build("--collection", coll, "--out", out, "--work-dir", tmp_path / "w", "--weights", "none",
                     "--facets", "content", "--quiet", "--report", tmp_path / "r.json") == 0
    data, report = read_js(out), json.loads((tmp_path / "r.json").read_text())
    assert data["order"] == ["map", "grid", "timeline", "groups"] and data["labels"]["groups"] == "By kind"
    points = json.loads((out / "data" / "points.js").read_text().removeprefix("window.LOOKALIKE_POINTS = ")
                        .rstrip().rstrip(";"))
    row = {p: i for i, p in enumerate(sorted(files))}  # the manifest's rows are the sorted paths
    assert len(points["ids"]) == len(files)
    t = data["content"]["timeline"]
    x1905 = next(a["x"] for a in t["axis"] if a["label"] == "1905")
    pitch = t["axis"][1]["x"] - t["axis"][0]["x"]
    assert abs(t["xy"][2 * row[files[1]]] - x1905) < pitch / 2
    assert t["undated"] == sum(1 for d in dates.values() if not d) == report["arrangements"]["content"]["undated"]
    assert [b["size"] for b in data["content"]["groups"]["blocks"]] == [6, 6, 6]
    assert '<script src="data/arrangements.js"' not in (out / "index.html").read_text()  # loaded on the first switch
    assert report["arrangements_bytes"] == (out / "data" / "arrangements.js").stat().st_size > 0
    summary = capsys.readouterr().out
    assert "arrangements (content): grid, keeping " in summary and "timeline by year (date; 3 undated)" in summary
    assert "3 blocks by the column kind" in summary and "data/arrangements.js " in summary
