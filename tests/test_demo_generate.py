"""Tests for demo/generate.py: the self-made demo collection.

The demo doubles as a benchmark set, so besides "it runs" we check the things later
benchmarks rely on: labels parse from file names, every label value is well
represented, runs are reproducible, and the style / palette axes really are visible
in the pixels (crudely: texture energy and mean colour).
"""

from __future__ import annotations

import csv
import hashlib
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from demo.generate import (  # noqa: E402
    MARKER,
    PALETTES,
    STYLES,
    SUBJECTS,
    generate,
    parse_name,
)

COUNT = 120  # the default collection: what users and benchmarks actually get


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _rows(folder: Path) -> list[dict[str, str]]:
    with open(folder / "metadata.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _load(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255.0


@pytest.fixture(scope="module")
def collection(tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("demo") / "collection"
    return out, generate(out)


def test_deterministic_byte_identical(collection, tmp_path):
    """Same seed -> same bytes, so benchmark numbers and site builds are reproducible."""
    out, _ = collection
    again = tmp_path / "again"
    generate(again)
    assert _digest(out) == _digest(again)


def test_seed_changes_images(tmp_path):
    """A different seed must give a different collection (the seed is really used)."""
    a, b = tmp_path / "a", tmp_path / "b"
    generate(a, count=12, seed=1, size=64)
    generate(b, count=12, seed=2, size=64)
    assert _digest(a) != _digest(b)


def test_file_names_parse_and_match_metadata(collection):
    """Labels live in the path; metadata.csv must agree with the files one to one."""
    out, paths = collection
    assert len(paths) == COUNT
    rels = {p.relative_to(out).as_posix() for p in paths}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*.jpg")}
    assert rels == on_disk

    rows = _rows(out)
    assert list(rows[0].keys()) == ["path", "title", "creator", "date",
                                    "subject", "style", "palette"]
    assert {r["path"] for r in rows} == rels
    assert len(rows) == len(rels)
    for r in rows:
        labels = parse_name(r["path"])
        assert labels is not None, r["path"]
        assert (labels["subject"], labels["style"], labels["palette"]) == (
            r["subject"], r["style"], r["palette"])
        assert r["title"] and r["creator"].startswith("Generator ")
        assert r["date"].isdigit() and len(r["date"]) == 4
    indices = sorted(int(parse_name(r)["index"]) for r in rels)
    assert indices == list(range(COUNT))


def test_parse_name_rejects_foreign_names():
    """The parser must not invent labels for files the generator did not name."""
    assert parse_name("hatched/rings-blue-007.jpg") == {
        "style": "hatched", "subject": "rings", "palette": "blue", "index": "007"}
    assert parse_name("holiday/IMG_0001.jpg") is None
    assert parse_name("rings-blue-007.jpg") is None


def test_label_coverage_and_balance(collection):
    """Every value of every axis appears, equally often (+-1), and the axes are crossed."""
    out, _ = collection
    rows = _rows(out)
    assert len(SUBJECTS) >= 6 and len(STYLES) >= 4 and len(PALETTES) >= 5
    for axis, values in (("subject", SUBJECTS), ("style", STYLES), ("palette", PALETTES)):
        counts = Counter(r[axis] for r in rows)
        assert set(counts) == set(values), axis
        assert max(counts.values()) - min(counts.values()) <= 1, (axis, counts)
    # independence: every style is seen with every palette and every subject
    assert len({(r["style"], r["palette"]) for r in rows}) == len(STYLES) * len(PALETTES)
    assert len({(r["style"], r["subject"]) for r in rows}) == len(STYLES) * len(SUBJECTS)


def test_aspect_mix(collection):
    """Landscape, portrait and square all occur (the site layout must cope with each)."""
    _, paths = collection
    sizes = Counter(Image.open(p).size for p in paths)
    assert set(sizes) == {(256, 192), (192, 256), (256, 256)}
    assert max(sizes.values()) - min(sizes.values()) <= 1


def test_readme_marker_written(collection):
    out, _ = collection
    text = (out / "README.txt").read_text(encoding="utf-8")
    assert text.startswith(MARKER)
    assert "demo/generate.py" in text


def test_refuses_foreign_non_empty_folder(tmp_path):
    """Never overwrite user files: a non-empty folder without our marker is refused."""
    target = tmp_path / "photos"
    target.mkdir()
    precious = target / "holiday.jpg"
    precious.write_bytes(b"not ours")
    with pytest.raises(FileExistsError):
        generate(target, count=3, size=64)
    assert precious.read_bytes() == b"not ours"
    assert sorted(p.name for p in target.iterdir()) == ["holiday.jpg"]

    # a README.txt that is not ours does not count as the marker either
    (target / "README.txt").write_text("my notes\n")
    with pytest.raises(FileExistsError):
        generate(target, count=3, size=64)


def test_cli_refusal_exit_code(tmp_path):
    """The command line reports refusal with a non-zero exit and leaves files alone."""
    target = tmp_path / "mine"
    target.mkdir()
    (target / "a.txt").write_text("x")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "demo" / "generate.py"), str(target), "--count", "2"],
        capture_output=True, text=True,
    )
    assert proc.returncode != 0
    assert "refusing" in proc.stderr
    assert [p.name for p in target.iterdir()] == ["a.txt"]


def test_regenerates_own_folder_in_place(tmp_path):
    """A folder we made is rebuilt: stale images go, the user's extra files stay."""
    out = tmp_path / "demo"
    first = generate(out, count=12, seed=0, size=64)
    keep = out / "notes.txt"
    keep.write_text("user note")
    second = generate(out, count=5, seed=3, size=64)
    jpgs = {p.relative_to(out).as_posix() for p in out.rglob("*.jpg")}
    assert jpgs == {p.relative_to(out).as_posix() for p in second}
    assert len(_rows(out)) == 5
    assert keep.read_text() == "user note"
    assert len(first) == 12


def test_cli_runs(tmp_path):
    out = tmp_path / "cli"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "demo" / "generate.py"), str(out),
         "--count", "7", "--seed", "5", "--size", "96"],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr
    imgs = list(out.rglob("*.jpg"))
    assert len(imgs) == 7
    assert max(max(Image.open(p).size) for p in imgs) == 96


def _hf_energy(img: np.ndarray) -> float:
    """Mean absolute Laplacian of the grey image: a crude texture/high-frequency measure."""
    g = img.mean(axis=2)
    lap = 4 * g[1:-1, 1:-1] - g[:-2, 1:-1] - g[2:, 1:-1] - g[1:-1, :-2] - g[1:-1, 2:]
    return float(np.abs(lap).mean())


def test_styles_distinguishable_by_texture(collection):
    """Styles must differ in texture whatever the subject/palette, or the style axis is void."""
    out, _ = collection
    energy: dict[str, list[float]] = {s: [] for s in STYLES}
    for r in _rows(out):
        energy[r["style"]].append(_hf_energy(_load(out / r["path"])))
    # heavy grain is busier than every flat image, with margin
    assert min(energy["grain"]) > 2 * max(energy["flat"])
    # soft watercolour washes are calmer than pen hatching on average
    assert np.mean(energy["watercolour"]) * 3 < np.mean(energy["hatched"])
    # the six style means are spread out, not all alike
    means = sorted(np.mean(v) for v in energy.values())
    assert means[-1] > 5 * means[0]


def test_palettes_distinguishable_by_mean_colour(collection):
    """Palettes must show in the pixels: mean chromaticity identifies them well above chance."""
    out, _ = collection
    chroma: dict[str, list[np.ndarray]] = {p: [] for p in PALETTES}
    for r in _rows(out):
        m = _load(out / r["path"]).reshape(-1, 3).mean(axis=0)
        chroma[r["palette"]].append(m / m.sum())
    cent = {p: np.mean(v, axis=0) for p, v in chroma.items()}
    r_, g_, b_ = 0, 1, 2
    assert cent["blue"][b_] > cent["blue"][r_] + 0.05
    assert cent["rose"][r_] > cent["rose"][b_] + 0.05
    assert cent["mint"][g_] > cent["mint"][r_] + 0.05
    assert cent["earth"][r_] > cent["earth"][b_] + 0.05
    assert np.ptp(cent["mono"]) < 0.01
    hits = total = 0
    for p, vals in chroma.items():
        for x in vals:
            pred = min(cent, key=lambda c: float(np.sum((cent[c] - x) ** 2)))
            hits += pred == p
            total += 1
    assert hits / total > 0.5  # chance is 1/6
