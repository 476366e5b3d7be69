"""Your own vectors as a facet ([facets] vectors), --model none, and your own map ([map] coordinates).

Known vectors on generated pictures: the facet's neighbours must be exactly the nearest by cosine
of the given vectors, ids and order; every row naming no image and every image without a row is
reported by name; wrong files are refused with the file and the row; --model none never imports
TensorFlow; a coordinates file is the map, exactly (normalised as every map is).
"""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO, pattern, read_points, run_build, site_bytes

DIM = 16


def _collection(root: Path, n: int = 10) -> list[str]:
    """n pictures larger than a thumbnail (so display copies are made too), paths sorted."""
    kinds = ("stripes", "checks", "disc")
    for i in range(n):
        kind = kinds[i % 3]
        pattern(root / "coll" / kind / f"{kind}_{i}.jpg", kind, seed=i, size=(400, 300))
    return sorted(p.relative_to(root / "coll").as_posix() for p in (root / "coll").rglob("*.jpg"))


def _vectors(n: int, seed: int = 7) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)


def _write_paths(path: Path, paths: list[str], column: str = "path") -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([column])
        w.writerows([p] for p in paths)
    return path


def _build(tmp_path: Path, *extra) -> int:
    return run_build("--collection", tmp_path / "coll", "--out", tmp_path / "site", "--work-dir",
                     tmp_path / "work", "--model", "none", "--facets", "", "--quiet",
                     "--report", tmp_path / "report.json", *[str(a) for a in extra])


def _manifest(tmp_path: Path) -> dict:
    (found,) = list((tmp_path / "work").glob("builds/*/manifest.json"))
    return json.loads(found.read_text(encoding="utf-8"))


def _expected(vectors: np.ndarray, paths: list[str], manifest: dict, k: int) -> dict[str, list[str]]:
    """path -> the k nearest other paths by cosine of the given vectors, nearest first."""
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    row = {p: i for i, p in enumerate(paths)}
    order = [row[im["path"]] for im in manifest["images"]]
    sims = unit[order] @ unit[order].T
    np.fill_diagonal(sims, -np.inf)
    names = [im["path"] for im in manifest["images"]]
    return {names[i]: [names[j] for j in np.argsort(-sims[i], kind="stable")[:k]] for i in range(len(names))}


def _neighbours(tmp_path: Path, facet: str) -> tuple[dict, dict[str, list[str]]]:
    points = read_points(tmp_path / "site")
    manifest = _manifest(tmp_path)
    names = [im["path"] for im in manifest["images"]]
    assert points["ids"] == [im["id"] for im in manifest["images"]]
    return points, {names[i]: [names[j] for j in row] for i, row in enumerate(points["facets"][facet]["neighbours"])}


def _xy(tmp_path: Path, paths: list[str], coords: np.ndarray) -> Path:
    """A coordinates file (so these builds skip t-SNE: two cores are shared by many tests)."""
    with open(tmp_path / "xy.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["path", "x", "y"])
        w.writerows([p, repr(float(x)), repr(float(y))] for p, (x, y) in zip(paths, coords))
    return tmp_path / "xy.csv"


def test_npy_with_paths_gives_a_facet_of_exactly_the_nearest_by_those_vectors(tmp_path):
    paths = _collection(tmp_path)
    vectors = _vectors(len(paths))
    np.save(tmp_path / "coll" / "clip.npy", vectors)  # kept with the pictures: used, so not "left out"
    _write_paths(tmp_path / "coll" / "clip.csv", paths)  # beside clip.npy: found without a setting
    xy = _xy(tmp_path, paths, np.random.default_rng(1).uniform(0, 10, (len(paths), 2)))
    assert _build(tmp_path, "--vectors", tmp_path / "coll" / "clip.npy", "--coordinates", xy) == 0
    first = site_bytes(tmp_path / "site")
    manifest = _manifest(tmp_path)
    assert manifest["facets"] == ["clip"] and manifest["model"] == "none"
    points, got = _neighbours(tmp_path, "clip")
    assert got == _expected(vectors, paths, manifest, len(paths) - 1)
    assert points["default_facet"] == "clip" and points["facet_labels"] == {"clip": "clip"}
    assert "own model" in points["facet_hints"]["clip"]
    # no CNN, but the pictures are published: a thumbnail and a display copy of each image
    for im in manifest["images"]:
        assert (tmp_path / "site" / "thumbs" / im["id"][:2] / f"{im['id']}.jpg").is_file()
        assert (tmp_path / "site" / "media" / im["id"][:2] / f"{im['id']}.jpg").is_file()
        assert im["tags"] == []
    page = (tmp_path / "site" / "image" / manifest["images"][0]["id"][:2]
            / f"{manifest['images'][0]['id']}.html").read_text(encoding="utf-8")
    assert "Similar by clip: vectors this site" in page
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["tags"] == {"none": '[model] name = "none": no model runs, so no image is tagged'}
    assert report["skipped"] == [] and report["ignored"] == []
    assert _build(tmp_path, "--vectors", tmp_path / "coll" / "clip.npy", "--coordinates", xy) == 0
    assert site_bytes(tmp_path / "site") == first  # deterministic, and nothing made again
    assert json.loads((tmp_path / "report.json").read_text())["layout_cached"] is True


def test_parquet_and_csv_vectors_give_the_same_neighbours(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    paths = _collection(tmp_path)
    vectors = _vectors(len(paths), seed=3)
    pq.write_table(pa.table({"path": paths, "label": ["x"] * len(paths),
                             "embedding": pa.array(vectors.tolist(), pa.list_(pa.float32()))}),
                   tmp_path / "museum.parquet")
    xy = _xy(tmp_path, paths, np.random.default_rng(2).uniform(0, 10, (len(paths), 2)))
    assert _build(tmp_path, "--vectors", tmp_path / "museum.parquet", "--coordinates", xy) == 0
    manifest = _manifest(tmp_path)
    assert manifest["facets"] == ["museum"]
    expected = _expected(vectors, paths, manifest, len(paths) - 1)
    assert _neighbours(tmp_path, "museum")[1] == expected

    with open(tmp_path / "wide.csv", "w", newline="", encoding="utf-8") as f:  # path, then one column a dimension
        w = csv.writer(f)
        w.writerow(["path"] + [f"v{i}" for i in range(DIM)])
        w.writerows([p] + [repr(float(x)) for x in v] for p, v in zip(paths, vectors))
    assert _build(tmp_path, "--vectors", tmp_path / "wide.csv", "--coordinates", xy) == 0
    assert _neighbours(tmp_path, "wide")[1] == expected


def test_rows_without_image_and_images_without_row_are_reported_by_name(tmp_path):
    paths = _collection(tmp_path)
    shutil.copy(tmp_path / "coll" / paths[0], tmp_path / "coll" / "zz_copy.jpg")  # identical: one image
    lacking = paths[4]
    rows = [p for p in paths if p != lacking] + ["gone/old.jpg"]  # the copy has no row: the original's serves
    vectors = _vectors(len(rows))
    np.save(tmp_path / "v.npy", vectors)
    _write_paths(tmp_path / "v-paths.csv", rows, column="filename")
    (tmp_path / "site.toml").write_text(
        '[facets]\nvectors = "v.npy"\nvectors_paths = "v-paths.csv"\nvectors_name = "clip-b32"\n'
        '[map]\ncoordinates = "xy.csv"\n', encoding="utf-8")
    _xy(tmp_path, paths, np.random.default_rng(4).uniform(0, 10, (len(paths), 2)))
    assert _build(tmp_path, "--config", tmp_path / "site.toml") == 0
    manifest = _manifest(tmp_path)
    shown = sorted(p for im in manifest["images"] for p in [im["path"], *im["also"]])
    assert shown == sorted([p for p in paths if p != lacking] + ["zz_copy.jpg"])
    assert manifest["vectors"]["images_without_vector"] == [lacking]
    assert manifest["vectors"]["unmatched_rows"] == ["gone/old.jpg"]
    assert manifest["vectors"]["name"] == "clip-b32" and manifest["vectors"]["dimensions"] == DIM
    report = json.loads((tmp_path / "report.json").read_text())
    assert [s["path"] for s in report["skipped"]] == [lacking]
    assert "no vector in v.npy" in report["skipped"][0]["reason"]
    assert any("gone/old.jpg" in n and "name no image" in n for n in report["notes"])
    assert any(lacking in n and "no row in v.npy" in n for n in report["notes"])
    # zz_copy.jpg (the copy shown) has its vector through its identical original's row
    by_path = dict(zip(rows, vectors))
    kept = [im["path"] for im in manifest["images"]]
    given = np.stack([by_path[p] if p in by_path else by_path[paths[0]] for p in kept])
    assert "zz_copy.jpg" in kept and paths[0] not in kept
    assert _neighbours(tmp_path, "clip-b32")[1] == _expected(given, kept, manifest, len(kept) - 1)
    assert run_build("--collection", tmp_path / "coll", "--config", tmp_path / "site.toml", "--out",
                     tmp_path / "site", "--work-dir", tmp_path / "work", "--model", "none", "--facets", "",
                     "--quiet", "--strict") == 1  # --strict: an image left out fails, like any skipped file


def _refused(tmp_path, capsys, vectors_file: Path, *extra) -> str:
    assert _build(tmp_path, "--vectors", vectors_file, *extra) == 2
    assert not (tmp_path / "site").exists()
    return capsys.readouterr().err


def test_wrong_vectors_files_are_refused_with_the_file_and_the_row(tmp_path, capsys):
    paths = _collection(tmp_path, 4)
    good = _vectors(len(paths))

    with open(tmp_path / "ragged.csv", "w", encoding="utf-8") as f:
        f.write("path,a,b,c\n" + "".join(f"{p},1,2,3\n" for p in paths[:2]) + f"{paths[2]},1,2\n")
    err = _refused(tmp_path, capsys, tmp_path / "ragged.csv")
    assert "ragged.csv: line 4 has 3 cells where the header has 4" in err

    nan = good.copy()
    nan[2, 5] = np.nan
    np.save(tmp_path / "nan.npy", nan)
    _write_paths(tmp_path / "nan.csv", paths)
    err = _refused(tmp_path, capsys, tmp_path / "nan.npy")
    assert f"nan.npy: row 2 (counting from 0; '{paths[2]}') holds NaN or infinity" in err

    zero = good.copy()
    zero[1] = 0
    np.save(tmp_path / "zero.npy", zero)
    _write_paths(tmp_path / "zero.csv", paths)
    assert "zero.npy: row 1 (counting from 0" in _refused(tmp_path, capsys, tmp_path / "zero.npy")

    np.save(tmp_path / "short.npy", good[:3])
    _write_paths(tmp_path / "short.csv", paths)
    assert "short.npy has 3 rows but" in _refused(tmp_path, capsys, tmp_path / "short.npy")

    np.save(tmp_path / "lonely.npy", good)
    assert "lonely.csv beside it" in _refused(tmp_path, capsys, tmp_path / "lonely.npy")

    (tmp_path / "vectors.txt").write_text("a 1 2\n")
    assert "vectors.txt is not a .npy, .csv or .parquet file" in _refused(tmp_path, capsys, tmp_path / "vectors.txt")

    import pyarrow as pa
    import pyarrow.parquet as pq

    lists = [v.tolist() for v in good]
    lists[3] = lists[3][:-1]
    pq.write_table(pa.table({"path": paths, "vector": lists}), tmp_path / "ragged.parquet")
    err = _refused(tmp_path, capsys, tmp_path / "ragged.parquet")
    assert f"ragged.parquet: row 3 (counting from 0; '{paths[3]}') has {DIM - 1} numbers where row 0 has {DIM}" in err

    np.save(tmp_path / "my clip.npy", good)
    _write_paths(tmp_path / "my clip.csv", paths)
    assert "name it with [facets] vectors_name" in _refused(tmp_path, capsys, tmp_path / "my clip.npy")
    err = _refused(tmp_path, capsys, tmp_path / "nan.npy", "--model", "efficientnet_lite0", "--facets", "colour")
    assert "NaN" in err  # checked before any image is decoded, whatever the model

    _write_paths(tmp_path / "elsewhere.csv", [f"other/{i}.jpg" for i in range(len(paths))])
    np.save(tmp_path / "elsewhere.npy", good)
    assert "no row of the vectors file" in _refused(tmp_path, capsys, tmp_path / "elsewhere.npy")


def test_settings_refuse_a_reserved_name_and_model_facets_without_a_model(tmp_path, capsys):
    _collection(tmp_path, 3)
    (tmp_path / "a.toml").write_text('[facets]\nvectors_name = "Content"\n', encoding="utf-8")
    assert run_build("--collection", tmp_path / "coll", "--config", tmp_path / "a.toml", "--quiet") == 2
    assert "[facets] vectors_name must be letters, digits" in capsys.readouterr().err
    (tmp_path / "b.toml").write_text('[model]\nname = "none"\n[facets]\nenabled = ["content", "colour"]\n',
                                     encoding="utf-8")
    assert run_build("--collection", tmp_path / "coll", "--config", tmp_path / "b.toml", "--quiet") == 2
    assert 'runs no model, but [facets] enabled' in capsys.readouterr().err
    assert run_build("--collection", tmp_path / "coll", "--facets", "", "--quiet") == 2
    assert "no facet to compare images by" in capsys.readouterr().err


def test_model_none_builds_without_importing_tensorflow(tmp_path):
    paths = _collection(tmp_path, 6)
    np.save(tmp_path / "clip.npy", _vectors(len(paths)))
    _write_paths(tmp_path / "clip.csv", paths)
    _xy(tmp_path, paths, np.arange(2 * len(paths), dtype=float).reshape(-1, 2) ** 1.5)
    script = (
        "import sys, build\n"
        f"rc = build.main(['--collection', {str(tmp_path / 'coll')!r}, '--out', {str(tmp_path / 'site')!r}, "
        f"'--work-dir', {str(tmp_path / 'work')!r}, '--model', 'none', '--vectors', {str(tmp_path / 'clip.npy')!r}, "
        f"'--coordinates', {str(tmp_path / 'xy.csv')!r}, '--quiet'])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'torch'))\n"
        "print(rc, heavy)\n")
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert out.stdout.strip().splitlines()[-1] == "0 []", out.stdout + out.stderr
    points = read_points(tmp_path / "site")
    assert list(points["facets"]) == ["clip", "colour"]  # the default facets less content and style
    assert len(points["ids"]) == len(paths)


def test_coordinates_file_is_the_map_and_missing_images_sit_among_their_neighbours(tmp_path, capsys):
    from core.layout_files import normalise

    paths = _collection(tmp_path)
    vectors = _vectors(len(paths), seed=11)
    np.save(tmp_path / "clip.npy", vectors)
    _write_paths(tmp_path / "clip.csv", paths)
    given = np.random.default_rng(5).uniform(-50, 80, (len(paths), 2))
    lacking = 6
    rows = [p for i, p in enumerate(paths) if i != lacking] + ["gone.jpg"]
    _xy(tmp_path, rows, np.vstack([np.delete(given, lacking, axis=0), [[1e6, 1e6]]]))
    assert _build(tmp_path, "--vectors", tmp_path / "clip.npy", "--coordinates", tmp_path / "xy.csv") == 0
    manifest = _manifest(tmp_path)
    assert [im["path"] for im in manifest["images"]] == paths
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    sims = unit @ unit[lacking]
    sims[lacking] = -np.inf
    nearest = np.argsort(-sims, kind="stable")[:5]  # all of them have a row
    expected = given.copy()
    expected[lacking] = given[nearest].mean(axis=0)
    xy = read_points(tmp_path / "site")["facets"]["clip"]["xy"]
    assert xy == [round(float(v), 4) for v in normalise(expected.astype(np.float32)).reshape(-1)]
    notes = json.loads((tmp_path / "report.json").read_text())["notes"]
    assert any("gone.jpg" in n for n in notes) and any(paths[lacking] in n and "no row in xy.csv" in n for n in notes)

    with open(tmp_path / "bad.csv", "w", encoding="utf-8") as f:
        f.write("path,x,y\n" + "".join(f"{p},1,2\n" for p in paths[:3]) + f"{paths[3]},nan,2\n")
    assert _build(tmp_path, "--vectors", tmp_path / "clip.npy", "--coordinates", tmp_path / "bad.csv") == 2
    assert "bad.csv: line 5 holds NaN or infinity" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["clip", "a-b_9"])
def test_safe_names(name):
    from embed.user_vectors import safe_name

    assert safe_name(name)
    assert not any(safe_name(x) for x in ["", "colour", "Blend", "focused", "../x", "a b", "é", "x" * 41, "a.b"])
