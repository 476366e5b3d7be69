"""data/catalogue.js (render/catalogue_data.py): what the map's selection export reads."""
from __future__ import annotations

import json
from types import SimpleNamespace

from render import catalogue_data


def _parse(js: str) -> dict:
    assert js.startswith("window.LOOKALIKE_CATALOGUE = ") and js.endswith(";\n")
    return json.loads(js[len("window.LOOKALIKE_CATALOGUE = "):-2])


def test_columns_in_first_seen_order_and_empty_cells():
    metas = [{"Title": "A", "creator": "X"}, {"date": "1905", "title": "B", "shelf": "C2"}, {}]
    data = _parse(catalogue_data.catalogue_js(["a.jpg", "b/c.jpg", "d.png"], metas))
    assert data["columns"] == ["creator", "date", "shelf"]          # the export has its own title column
    assert data["rows"] == [["X", "", ""], ["", "1905", "C2"], ["", "", ""]]
    assert data["paths"] == ["a.jpg", "b/c.jpg", "d.png"]


def test_no_value_ends_the_script_element():
    js = catalogue_data.catalogue_js(["x.jpg"], [{"note": "</script><script>alert(1)</script>\u2028"}])
    assert "</script" not in js and "\u2028" not in js
    assert _parse(js)["rows"] == [["</script><script>alert(1)</script>\u2028"]]


def test_key_follows_the_catalogue():
    def manifest(meta):
        return SimpleNamespace(images=[SimpleNamespace(path="a.jpg", meta=meta)])
    (path, key, make), = catalogue_data.files(manifest({"date": "1905"}))
    assert path == "data/catalogue.js" and _parse(make())["rows"] == [["1905"]]
    assert catalogue_data.files(manifest({"date": "1906"}))[0][1] != key
    assert catalogue_data.files(manifest({"date": "1905"}))[0][1] == key
