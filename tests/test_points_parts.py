"""The map's data in parts (issue #12: no file over GitHub Pages' 50 MB): points.js without the
neighbour lists, which go into parts per facet; the parts join back into the same lists, and
the index page names every part."""
import numpy as np

from core.manifest import ImageRecord, Manifest
from core.workfolder import FacetLayout
from render import data
from tests.conftest import read_points


def _site(tmp_path, n, facets=("content", "colour"), m=12):
    rng = np.random.default_rng(0)
    images = [ImageRecord(id=f"{i:012x}", sha256=f"{i:064x}", path=f"{i}.jpg", title=f"t{i}", width=4, height=3,
                          bytes=1) for i in range(n)]
    manifest = Manifest(collection="/c", model="m", images=images, facets=list(facets))
    layouts = {f: FacetLayout(rng.integers(0, n, (n, m)).astype(np.int32), rng.random((n, m)).astype(np.float32),
                              rng.random((n, 2)).astype(np.float32)) for f in facets}
    files = data.points_files(manifest, layouts, m, None)
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")
    return layouts, files


def test_neighbour_parts_join_back_into_the_lists(tmp_path):
    n = 2 * data.part_rows(12) + 17  # three parts a facet, the last one short
    layouts, files = _site(tmp_path, n)
    assert sorted(files) == sorted(data.data_scripts(["content", "colour"], n, 12))
    assert len([f for f in files if f.startswith("data/points-content-")]) == 3
    points = read_points(tmp_path)
    for name, lay in layouts.items():
        assert points["facets"][name]["neighbours"] == lay.neighbours.tolist()
        assert np.allclose(points["facets"][name]["similarity"], lay.similarity, atol=5e-4)
    assert "neighbours" not in files["data/points.js"] and len(files["data/points.js"]) < len(
        files["data/points-content-0.js"])


def test_a_part_stays_under_the_pages_limit_even_with_the_longest_numbers():
    m = 12
    rows = data.part_rows(m)
    worst = {"start": 10**7, "neighbours": [[9_999_999] * m] * rows, "similarity": [[-0.999] * m] * rows}
    size = len(data._script_json(worst).encode())
    assert size < 50_000_000 and size < 1.3 * data.PART_BYTES, size


def test_a_small_collection_has_one_part_a_facet(tmp_path):
    _, files = _site(tmp_path, 30, facets=("content",))
    assert sorted(files) == ["data/points-content-0.js", "data/points.js"]
