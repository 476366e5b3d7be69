"""The work folder: one place for every path, and loud row checks on every read."""
import numpy as np
import pytest

from core.manifest import ImageRecord, Manifest, RowMismatchError
from core.workfolder import FacetLayout, StageOrderError, WorkFolder


def manifest(n: int) -> Manifest:
    recs = [ImageRecord(id=f"{i:012x}", sha256=f"{i:064x}", path=f"{i}.jpg", title=str(i), width=4, height=3,
                        bytes=1) for i in range(n)]
    return Manifest(collection="/c", model="m", images=recs, facets=["content"],
                    copies={"thumb_size": 256, "display_size": 1024})


def test_build_folders_are_per_collection_and_readable(tmp_path):
    work = WorkFolder(tmp_path / "w")
    a, b = work.build(tmp_path / "My photos"), work.build(tmp_path / "other" / "My photos")
    assert a.path != b.path and a.path.name.startswith("My-photos-") and a.path.parent == tmp_path / "w" / "builds"
    assert work.build(tmp_path / "My photos").path == a.path  # stable: a rebuild finds its files


def test_round_trip_of_features_and_layout(tmp_path):
    folder, m = WorkFolder(tmp_path).build(tmp_path / "c"), manifest(3)
    folder.write_manifest(m)
    assert folder.read_manifest() == m
    feats = np.eye(3, 4, dtype=np.float32)
    folder.write_features(m, "content", feats)
    assert np.array_equal(folder.read_features(m, "content"), feats)
    lay = FacetLayout(np.array([[1], [0], [0]], np.int32), np.ones((3, 1), np.float32), np.zeros((3, 2), np.float32))
    assert folder.layout_key("content") is None
    folder.write_layout(m, "content", lay, "key-1", {"recall": 1.0})
    assert folder.layout_key("content") == "key-1" and folder.layout_stats("content")["recall"] == 1.0
    back = folder.read_layout(m, "content")
    assert back.neighbours.tolist() == [[1], [0], [0]]


def test_a_layout_for_other_images_is_refused_even_with_the_same_count(tmp_path):
    """embed replaced an image (same count): render alone must not show the old neighbours."""
    folder, m = WorkFolder(tmp_path).build(tmp_path / "c"), manifest(2)
    lay = FacetLayout(np.array([[1], [0]], np.int32), np.ones((2, 1), np.float32), np.zeros((2, 2), np.float32))
    folder.write_layout(m, "content", lay, "k", {})
    m.images[1].sha256 = "f" * 64
    with pytest.raises(StageOrderError, match="other images .* run `python build.py layout`"):
        folder.read_layout(m, "content")


def test_a_row_mismatch_is_loud_on_write_and_on_read(tmp_path):
    folder = WorkFolder(tmp_path).build(tmp_path / "c")
    with pytest.raises(RowMismatchError, match="features/content has 2 rows but the manifest lists 3"):
        folder.write_features(manifest(3), "content", np.zeros((2, 4), np.float32))
    folder.write_features(manifest(2), "content", np.zeros((2, 4), np.float32))
    with pytest.raises(RowMismatchError, match="run `python build.py embed`"):
        folder.read_features(manifest(3), "content")  # e.g. a manifest from a later embed run


def test_reading_before_writing_names_the_stage_to_run(tmp_path):
    folder = WorkFolder(tmp_path).build(tmp_path / "c")
    with pytest.raises(StageOrderError, match="python build.py embed"):
        folder.read_manifest()
    with pytest.raises(StageOrderError, match="python build.py layout"):
        folder.read_layout(manifest(1), "content")


def test_site_state_is_per_output_folder(tmp_path):
    folder = WorkFolder(tmp_path).build(tmp_path / "c")
    a, b = folder.site_state(tmp_path / "s1", "pages.json"), folder.site_state(tmp_path / "s2", "pages.json")
    assert a != b and a.parent.parent == folder.path / "sites" and a.name == "pages.json"


def test_no_other_module_spells_a_work_folder_path():
    """Paths of the work folder are spelled in core/workfolder.py only."""
    import re
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    names = r"(hashes\.json|manifest\.json|pages\.json|atlas\.json|builds|cache|features|neighbours|similarity|" \
            r"coords|annoy|layout|sites)\b"
    spelled = re.compile(r'/\s*f?"' + names + r'|f?"' + names + r'/')  # path / "features", "builds/..."
    offenders = [f"{p.relative_to(repo)}:{i}" for folder in ("core", "embed", "layout", "render")
                 for p in (repo / folder).rglob("*.py") if p.name != "workfolder.py"
                 for i, line in enumerate(p.read_text().splitlines(), 1) if spelled.search(line)]
    offenders += [f"build.py:{i}" for i, line in enumerate((repo / "build.py").read_text().splitlines(), 1)
                  if spelled.search(line)]
    assert offenders == []
