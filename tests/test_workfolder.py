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


def test_the_stages_of_one_build_share_one_parse_of_the_manifest(tmp_path, monkeypatch):
    """At 100k images a parse took ~2 s: embed's manifest serves layout and render; a manifest
    another process wrote since is read again, and a missing one still names the stage."""
    folder, m = WorkFolder(tmp_path).build(tmp_path / "c"), manifest(3)
    folder.write_manifest(m)
    parses = []
    real = Manifest.read
    monkeypatch.setattr(Manifest, "read", classmethod(lambda cls, path: parses.append(path) or real(path)))
    assert folder.read_manifest() is m and folder.read_manifest() is m and parses == []
    other = WorkFolder(tmp_path).build(tmp_path / "c")  # another process: embed run alone
    other.write_manifest(manifest(4))
    assert len(folder.read_manifest()) == 4 and len(parses) == 1
    assert len(folder.read_manifest()) == 4 and len(parses) == 1  # and kept
    fresh = WorkFolder(tmp_path).build(tmp_path / "c")
    assert fresh.read_manifest() == manifest(4) and len(parses) == 2
    folder.manifest_path.unlink()
    with pytest.raises(StageOrderError, match="build.py embed"):
        folder.read_manifest()


def test_an_unchanged_manifest_is_not_serialised_again(tmp_path, monkeypatch):
    """~2 s at 100k images: the same content is not even turned into JSON; a change, a
    manifest edited by hand and a build killed before its key was written all write it."""
    folder = WorkFolder(tmp_path).build(tmp_path / "c")
    folder.write_manifest(manifest(3))
    first = folder.manifest_path.stat()
    serialised = []
    real = Manifest.to_json
    monkeypatch.setattr(Manifest, "to_json", lambda self: serialised.append(1) or real(self))
    folder.write_manifest(manifest(3))  # equal content, another object
    assert serialised == [] and folder.manifest_path.stat().st_ino == first.st_ino
    changed = manifest(3)
    changed.images[1].title = "renamed"
    folder.write_manifest(changed)
    assert serialised == [1] and Manifest.read(folder.manifest_path).images[1].title == "renamed"
    folder.manifest_path.write_text(folder.manifest_path.read_text().replace("renamed", "by hand"))
    folder.write_manifest(changed)
    assert serialised == [1, 1] and Manifest.read(folder.manifest_path).images[1].title == "renamed"
    (folder.path / "manifest.key").unlink()  # killed between the manifest and its key
    folder.write_manifest(changed)
    assert serialised == [1, 1, 1] and (folder.path / "manifest.key").is_file()


def test_a_layout_for_other_images_is_refused_even_with_the_same_count(tmp_path):
    """embed replaced an image (same count): render alone must not show the old neighbours."""
    folder, m = WorkFolder(tmp_path).build(tmp_path / "c"), manifest(2)
    lay = FacetLayout(np.array([[1], [0]], np.int32), np.ones((2, 1), np.float32), np.zeros((2, 2), np.float32))
    folder.write_layout(m, "content", lay, "k", {})
    m.images[1].sha256 = "f" * 64
    with pytest.raises(StageOrderError, match="other images .* run `python build.py layout`"):
        folder.read_layout(m, "content")


def test_the_map_record_names_each_point_and_a_half_written_one_is_not_trusted(tmp_path):
    """The next build places new images into this map (layout/placement.py): it must know whose
    each point is, and a build killed between the coordinates and the record leaves no record."""
    from core.files import save_npy

    folder, m = WorkFolder(tmp_path).build(tmp_path / "c"), manifest(3)
    assert folder.previous_map("content") is None
    coords = np.arange(6, dtype=np.float32).reshape(3, 2)
    lay = FacetLayout(np.zeros((3, 1), np.int32), np.ones((3, 1), np.float32), coords)
    folder.write_layout(m, "content", lay, "k", {"map_settings": {"seed": 1}, "placed": 2},
                        prints=np.ones((3, 2), np.float32))
    prev = folder.previous_map("content")
    assert prev.shas == [im.sha256 for im in m.images] and np.array_equal(prev.coords, coords)
    assert prev.settings == {"seed": 1} and prev.placed == 2 and prev.prints.shape == (3, 2)
    save_npy(folder.path / "coords" / "content.npy", coords + 1)  # killed before the record was written
    assert folder.previous_map("content") is None


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
    a, b = folder.site_state(tmp_path / "s1"), folder.site_state(tmp_path / "s2")
    assert a.folder != b.folder and a.folder.parent == folder.path / "sites"
    assert a.path("pages").name == "pages.json" and a.legacy.name == "files.json"


@pytest.mark.parametrize("damage", [None, "", "{broken", "null", "[]", '"text"', b"\xff\xfe"])
def test_a_site_record_missing_or_damaged_reads_as_nothing_known(tmp_path, damage):
    """One reader for every record render keeps: whatever is wrong with one, it is made again."""
    state = WorkFolder(tmp_path).build(tmp_path / "c").site_state(tmp_path / "site")
    if damage is not None:
        state.path("copies").parent.mkdir(parents=True, exist_ok=True)
        write = state.path("copies").write_bytes if isinstance(damage, bytes) else state.path("copies").write_text
        write(damage)
    assert state.read("copies") == {}
    state.write("copies", {"thumbs/ab/x.jpg": ["k", 1, 2, 3]})
    assert state.read("copies") == {"thumbs/ab/x.jpg": ["k", 1, 2, 3]}
    assert state.read("copies", lambda v: v["@"] == ["k"]) == {}  # not what its reader expects: a KeyError
    state.forget("copies")
    assert state.read("copies") == {}


def test_no_other_module_spells_a_work_folder_path():
    """Paths of the work folder are spelled in core/workfolder.py only (and core/layout_files.py,
    the layout part of its BuildFolder)."""
    import re
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    names = r"(hashes\.json|manifest\.json|pages\.json|atlas\.json|builds|cache|features|neighbours|similarity|" \
            r"coords|annoy|layout|sites)\b"
    spelled = re.compile(r'/\s*f?"' + names + r'|f?"' + names + r'/')  # path / "features", "builds/..."
    offenders = [f"{p.relative_to(repo)}:{i}" for folder in ("core", "embed", "layout", "render")
                 for p in (repo / folder).rglob("*.py") if p.name not in ("workfolder.py", "layout_files.py")
                 for i, line in enumerate(p.read_text().splitlines(), 1) if spelled.search(line)]
    offenders += [f"build.py:{i}" for i, line in enumerate((repo / "build.py").read_text().splitlines(), 1)
                  if spelled.search(line)]
    assert offenders == []


# --- the feature store: one memory-mapped array per facet key (core/feature_store.py) -----------

def sha(i: int) -> str:
    return f"{i:064x}"


def test_feature_store_round_trip_and_append_after_reopen(tmp_path):
    store = WorkFolder(tmp_path).feature_cache("k")
    assert len(store) == 0 and store.get(sha(1)) is None and not (tmp_path / "cache").exists()  # a look writes nothing
    store.put(sha(1), np.arange(4))
    store.put(sha(2), np.ones(4))
    assert np.array_equal(store.get(sha(1)), np.arange(4))  # pending rows read back too
    store.flush()
    assert store.rows([sha(2), sha(3), sha(1)]).tolist() == [1, -1, 0]
    again = WorkFolder(tmp_path).feature_cache("k")  # another build: one index read, one map
    assert np.array_equal(again.take(again.rows([sha(2), sha(1)])), [[1] * 4, [0, 1, 2, 3]])
    again.put_many([sha(3), sha(1)], np.full((2, 4), 7.0))  # an image computed again: a new row wins
    assert len(again) == 4 and again.rows([sha(1)]).tolist() == [3] and again.store_id == store.store_id
    with pytest.raises(ValueError, match="different cache key"):
        again.put_many([sha(4)], np.zeros((1, 5)))
    files = sorted(p.name for p in (tmp_path / "cache" / "features" / "k").iterdir())
    assert files == ["index.sha", "lock", "store.json", "vectors.f32"]


@pytest.mark.parametrize("cut", ["data", "index"])
def test_a_truncated_store_reads_as_missing_rows_not_garbage(tmp_path, cut):
    """A build killed between writes, or a damaged disk: whole rows survive, the rest is missing."""
    store = WorkFolder(tmp_path).feature_cache("k")
    store.put_many([sha(i) for i in range(3)], np.arange(12, dtype=np.float32).reshape(3, 4) + 1)
    path = store.data_path if cut == "data" else store.index_path
    path.write_bytes(path.read_bytes()[:-5])  # row 2 (or its record) cut short
    back = WorkFolder(tmp_path).feature_cache("k")
    assert back.rows([sha(0), sha(1), sha(2)]).tolist() == [0, 1, -1] and len(back) == 2
    assert np.array_equal(back.get(sha(1)), [5, 6, 7, 8])
    back.put(sha(2), np.full(4, 9.0))  # recomputed: written over the broken tail
    back.flush()
    assert np.array_equal(WorkFolder(tmp_path).feature_cache("k").get(sha(2)), [9] * 4)


def test_rows_never_named_before_written(tmp_path, monkeypatch):
    """Index records are written after the rows (and only once the rows are on disk)."""
    import os

    store = WorkFolder(tmp_path).feature_cache("k")
    store.put_many([sha(0)], np.ones((1, 4)))
    order = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (order.append(("fsync", len(store.index_path.read_bytes()))),
                                                 real_fsync(fd)))
    store.put_many([sha(1)], np.ones((1, 4)))
    assert order == [("fsync", 32)]  # the data was synced while the index still named one row
    assert len(store.index_path.read_bytes()) == 64


def test_a_damaged_store_json_starts_the_store_anew(tmp_path):
    store = WorkFolder(tmp_path).feature_cache("k")
    store.put_many([sha(0)], np.ones((1, 4)))
    store.meta_path.write_text("{not json")
    fresh = WorkFolder(tmp_path).feature_cache("k")
    assert fresh.get(sha(0)) is None
    fresh.put_many([sha(1)], np.ones((1, 3)))
    assert fresh.rows([sha(0), sha(1)]).tolist() == [-1, 0] and fresh.store_id != store.store_id


def test_per_image_files_of_earlier_versions_move_into_the_store(tmp_path, monkeypatch):
    from core.feature_store import FeatureCache
    from core.files import save_npy

    monkeypatch.setattr(FeatureCache, "MIGRATE_ROWS", 2)  # several commits, as at 100k
    folder = tmp_path / "cache" / "features" / "k"
    for i in range(5):
        save_npy(folder / sha(i)[:2] / f"{sha(i)}.npy", np.full(4, i, np.float32))
    store = WorkFolder(tmp_path).feature_cache("k")
    assert len(store) == 5 and all(np.array_equal(store.get(sha(i)), [i] * 4) for i in range(5))
    assert not list(folder.rglob("*.npy"))  # moved, not copied


def test_a_build_commits_all_its_stores_together_without_waiting_for_more_puts(tmp_path, monkeypatch):
    """An image's content and style reach disk in the same round (else a kill in between sends
    it through the model again), and rows are committed even when no further put comes."""
    import time

    from core.commit_group import CommitGroup

    monkeypatch.setattr(CommitGroup, "SECONDS", 0.05)
    work = WorkFolder(tmp_path)
    content, style = work.feature_cache("content-key"), work.feature_cache("style-key")
    group = CommitGroup([content, style])
    content.put(sha(1), np.ones(4))
    style.put(sha(1), np.ones(3))
    deadline = time.time() + 10
    while time.time() < deadline and len(work.feature_cache("style-key")) == 0:
        time.sleep(0.01)
    assert [len(work.feature_cache(k)) for k in ("content-key", "style-key")] == [1, 1]
    for i in range(2, 2 + CommitGroup.ROWS):  # a full round: committed at once, both stores
        content.put(sha(i), np.ones(4))
        style.put(sha(i), np.ones(3))
    group.flush()
    assert len(work.feature_cache("content-key")) == len(work.feature_cache("style-key")) == 1 + CommitGroup.ROWS


def test_a_store_made_anew_leaves_another_builds_map_valid(tmp_path):
    """A damaged store.json makes the store anew with new files: a build that already mapped the
    old ones still reads its (correct) rows, and the new id tells every stamp it is stale."""
    store = WorkFolder(tmp_path).feature_cache("k")
    store.put_many([sha(i) for i in range(3)], np.arange(12, dtype=np.float32).reshape(3, 4))
    assert np.array_equal(store.take([2]), [[8, 9, 10, 11]])  # mapped
    store.meta_path.write_text("{damaged")
    other = WorkFolder(tmp_path).feature_cache("k")
    other.put_many([sha(7)], np.full((1, 4), -1.0))
    assert np.array_equal(store.take([0, 2]), [[0, 1, 2, 3], [8, 9, 10, 11]])
    assert other.rows([sha(0), sha(7)]).tolist() == [-1, 0] and other.store_id != store.store_id


def test_unchanged_features_are_not_rewritten(tmp_path):
    folder, m = WorkFolder(tmp_path).build(tmp_path / "c"), manifest(2)
    folder.write_features(m, "content", np.eye(2, 4, dtype=np.float32), "stamp-1")
    assert folder.features_key("content") == "stamp-1"
    folder.write_features(m, "content", np.eye(2, 4, dtype=np.float32))  # no stamp: none kept
    assert folder.features_key("content") is None
    folder.write_features(m, "content", np.eye(2, 4, dtype=np.float32), "stamp-2")
    path = folder.features_path("content")
    path.write_bytes(path.read_bytes()[:-4])  # cut short: the stamp no longer vouches for it
    assert folder.features_key("content") is None
    path.unlink()
    assert folder.features_key("content") is None


# --- the image-copy cache (core/caches.py) ---------------------------------------------------

def test_image_sizes_come_from_one_index_and_count_only_while_their_copies_are_there(tmp_path):
    cache = WorkFolder(tmp_path).image_cache(256, 1024)
    a, b, c, d = sha(1), sha(2), sha(3), sha(4)
    for s in (a, b):
        cache.put(s, 40, 30, b"thumb", b"display")
    cache.put_error(c, "not an image")
    assert cache.metas([a, b, c, d]) == [{"width": 40, "height": 30}] * 2 + [{"error": "not an image"}, None]
    assert (cache.dir / "index.json").is_file()
    cache.display(b).unlink()  # a copy removed by hand: computed again, whatever the index says
    cache._meta(a).write_text("{damaged")  # the index is read, not each image's file
    assert cache.metas([a, b, c]) == [{"width": 40, "height": 30}, None, {"error": "not an image"}]
    cache._meta(a).unlink()  # no .json: not cached, even though the index remembers it
    assert cache.metas([a, c]) == [None, {"error": "not an image"}]
