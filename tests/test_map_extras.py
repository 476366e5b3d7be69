"""data/groups.js and data/filters.js (render/map_extras.py): which catalogue columns become
filters, the dictionary encoding, the year range, tags and groups; and a real build writing both
files and naming them on the map page after data/points.js."""
from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np

from core.group_files import FacetGroups, Group
from core.workfolder import WorkFolder
from render.map_extras import FEW_MAX, UNGROUPED, extras_files, filters_dict, groups_dict
from tests.conftest import run_build
from tests.test_safety_small import build_site


def _manifest(metas, tops=None):
    tops = tops or [""] * len(metas)
    images = [SimpleNamespace(meta=m, tags=[{"label": t}] if t else []) for m, t in zip(metas, tops)]
    return SimpleNamespace(images=images)


def _load(text: str, target: str):
    head = f"window.LOOKALIKE_POINTS.{target} = "
    assert text.startswith(head) and text.endswith(";\n")
    return json.loads(text[len(head):-2])


def test_columns_with_few_values_covering_enough_images_become_filters():
    n = 200
    metas = [{"title": f"t{i}", "creator": f"c{i % 3}", "place": f"p{i % (FEW_MAX + 1)}",  # 61 values: no
              "rare": "x" if i < 50 else "", "room": f"r{i % FEW_MAX}", "one": "same"} for i in range(n)]
    metas[7]["rare"] = "y"  # 2 values but 25 % filled: no
    cols = filters_dict(_manifest(metas), {})["columns"]
    assert [c["key"] for c in cols] == ["meta:creator", "meta:room"]
    creator = cols[0]
    assert creator["label"] == "Creator" and creator["kind"] == "values" and creator["values"] == ["c0", "c1", "c2"]
    assert creator["rows"][1] == list(range(1, n, 3))  # ascending rows of the value
    assert sorted(r for rows in creator["rows"] for r in rows) == list(range(n))  # disjoint, all rows


def test_dates_become_a_year_range_tags_and_groups_value_columns():
    metas = [{"date": d} for d in ("1890", "c. 1895", "1890-95", "1890s", "", "undated")]
    tops = ["dog", "dog", "cat", "cat", "boat", ""]
    of0 = np.array([0, 0, 1, 1, -1, 2], np.int32)
    groups = [Group(0, 0, 2, 0, name="Dog"), Group(1, 0, 2, 2, name="Dog"), Group(2, 0, 1, 5)]
    fg = FacetGroups("content", groups, [of0], [np.ones(6, np.float32)])
    cols = {c["key"]: c for c in filters_dict(_manifest(metas, tops), {"content": fg})["columns"]}
    years = cols["years"]
    assert years["kind"] == "years" and years["label"] == "Date"
    assert years["first"] == [1890, 1895, 1890, 1890, None, None]
    assert years["last"] == [1890, 1895, 1895, 1899, None, None]
    assert cols["tag"]["values"] == ["cat", "dog"] and cols["tag"]["rows"] == [[2, 3], [0, 1]]  # "boat" once: no
    group = cols["group:content"]
    assert group["values"] == ["Dog (group 0)", "Dog (group 1)", "Group 2", UNGROUPED]
    assert group["rows"] == [[0, 1], [2, 3], [5], [4]]
    listed = groups_dict({"content": fg, "style": None})
    assert list(listed) == ["content"] and listed["content"]["ungrouped"] == 1
    assert listed["content"]["levels"] == [{"of": [0, 0, 1, 1, -1, 2]}]
    assert listed["content"]["list"][2] == {"id": 2, "level": 0, "parent": None, "label": "Group 2", "named": False,
                                            "named_by": "", "size": 1, "face": 5, "x": 0.5, "y": 0.5,
                                            "page": "group/content-2.html"}


def test_files_are_scripts_that_no_catalogue_cell_can_end():
    metas = [{"creator": "</script><script>alert(1)</script>"}, {"creator": "b"}] * 3
    files = extras_files(_manifest(metas), {})
    assert sorted(files) == ["data/filters.js", "data/groups.js"]
    assert "</script>" not in files["data/filters.js"]
    assert _load(files["data/filters.js"], "filters")["columns"][0]["values"][0] == metas[0]["creator"]
    assert _load(files["data/groups.js"], "groups") == {}
    assert extras_files(_manifest(metas), {}) == files  # the same bytes again


def test_a_build_writes_groups_and_filters_and_the_map_loads_them(tmp_path, capsys):
    header = ["path", "title", "creator", "date"]
    files = [f"p{i}.png" for i in range(6)]
    rows = [[f, f"t{i}", "Ann" if i % 2 else "Bob", f"{1890 + i}"] for i, f in enumerate(files)]
    rc, out = build_site(tmp_path, rows, header, files)
    assert rc == 0, out
    said = capsys.readouterr().err  # the build's log
    assert "render: map filters: Creator, Date (render/map_extras.py rules); group names: none" in said
    site = tmp_path / "site"
    cols = _load((site / "data" / "filters.js").read_text("utf-8"), "filters")["columns"]
    assert [(c["key"], c.get("values")) for c in cols] == [("meta:creator", ["Ann", "Bob"]), ("years", None)]
    assert _load((site / "data" / "groups.js").read_text("utf-8"), "groups") == {}
    index = (site / "index.html").read_text("utf-8")
    at = [index.index(f'src="data/{name}.js"') for name in ("points", "groups", "filters")]
    assert at == sorted(at)
    # Groups written by the layout stage reach the map at the next render (the layout stage itself
    # makes none for 6 images: it would remove these, so only render runs).
    work = WorkFolder(tmp_path / "work")
    folder = next(work.build(p) for p in [tmp_path / "coll"])
    manifest = folder.read_manifest()
    of0 = np.array([0, 0, 0, 1, 1, -1], np.int32)
    fg = FacetGroups("colour", [Group(0, 0, 3, 1, name="Reds", named_by="tags"), Group(1, 0, 2, 4)], [of0],
                     [np.ones(6, np.float32)])
    folder.write_groups(manifest, fg, "test")
    rc = run_build("render", "--config", tmp_path / "site.toml", "--collection", tmp_path / "coll",
                   "--out", site, "--work-dir", tmp_path / "work")
    assert rc == 0
    assert "group names: colour 2 groups (0 sub-groups, 1 image in none)" in capsys.readouterr().err
    groups = _load((site / "data" / "groups.js").read_text("utf-8"), "groups")
    assert [g["label"] for g in groups["colour"]["list"]] == ["Reds", "Group 1"] and groups["colour"]["ungrouped"] == 1
    cols = _load((site / "data" / "filters.js").read_text("utf-8"), "filters")["columns"]
    assert cols[-1]["key"] == "group:colour" and cols[-1]["values"] == ["Reds", "Group 1", UNGROUPED]
