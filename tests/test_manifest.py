import json

import numpy as np
import pytest

from core.manifest import ImageRecord, Manifest, RowMismatchError


def sample() -> Manifest:
    recs = [ImageRecord(id="a" * 12, sha256="a" * 64, path="x/ä b.jpg", title="ä b", width=4, height=3, bytes=10,
                        also=["y/copy.jpg"]),
            ImageRecord(id="b" * 12, sha256="b" * 64, path="z.png", title="z", width=1, height=1, bytes=5)]
    return Manifest(collection="/c", model="m", images=recs, skipped=[{"path": "bad.jpg", "reason": "damaged"}],
                    ignored=["notes.txt"])


def test_round_trip(tmp_path):
    m = sample()
    m.write(tmp_path / "manifest.json")
    back = Manifest.read(tmp_path / "manifest.json")
    assert back == m
    assert back.images[0].also == ["y/copy.jpg"]


def test_json_is_deterministic():
    assert sample().to_json() == sample().to_json()


def test_each_image_is_one_line_and_any_title_survives(tmp_path):
    """One image a line (fast to write at 100k, readable in a diff); quotes, new lines and a
    title that looks like our place holder come back as they were."""
    m = sample()
    m.images[1].title = 'a "quoted"\nline \\u0000images }, {"also": '
    m.images[1].meta = {"images": [], "note": "[]", "also": '}, {"also": []'}
    m.images[0].tags = [{"class": 1, "label": "x", "p": 0.5, "wnid": "n1"}] * 2
    m.metadata = {"images": []}
    text = m.to_json()
    assert [line.startswith('  {"also"') for line in text.splitlines()].count(True) == 2
    each = ",\n  ".join(json.dumps(dict(sorted(vars(im).items())), ensure_ascii=False) for im in m.images)
    assert "[\n  " + each + "\n ]" in text  # each line is exactly that image's own JSON
    m.write(tmp_path / "manifest.json")
    assert Manifest.read(tmp_path / "manifest.json") == m
    assert list(Manifest.read(tmp_path / "manifest.json").images[1].meta) == ["images", "note", "also"]  # its order
    empty = Manifest(collection="/c", model="m", images=[])
    assert json.loads(empty.to_json())["images"] == []


def test_row_check_is_loud():
    m = sample()
    m.check_rows(np.zeros((2, 3)), "features/content")
    with pytest.raises(RowMismatchError, match="features/content has 3 rows but the manifest lists 2"):
        m.check_rows(np.zeros((3, 3)), "features/content")
