import os

from embed.collection import readable_title, scan
from tests.conftest import solid


def test_scan_sorts_hashes_and_groups_identical_files(tmp_path):
    solid(tmp_path / "b.jpg", (255, 0, 0))
    solid(tmp_path / "a" / "x.png", (0, 0, 255))
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "copy.jpg").write_bytes((tmp_path / "b.jpg").read_bytes())
    s = scan(tmp_path)
    assert [c.path for c in s.candidates] == ["a/x.png", "b.jpg"]
    assert s.candidates[1].also == ["c/copy.jpg"]
    assert len(s.candidates[0].id) == 12 and all(ch in "0123456789abcdef" for ch in s.candidates[0].id)


def test_same_name_in_two_folders_are_two_images(tmp_path):
    solid(tmp_path / "one" / "img.jpg", (255, 0, 0))
    solid(tmp_path / "two" / "img.jpg", (0, 255, 0))
    s = scan(tmp_path)
    assert [c.path for c in s.candidates] == ["one/img.jpg", "two/img.jpg"]
    assert s.candidates[0].id != s.candidates[1].id


def test_hidden_macosx_empty_and_non_images(tmp_path):
    solid(tmp_path / "ok.jpg", (1, 2, 3))
    solid(tmp_path / ".hidden.jpg", (1, 2, 4))
    solid(tmp_path / ".git" / "x.jpg", (1, 2, 5))
    solid(tmp_path / "__MACOSX" / "ok.jpg", (1, 2, 6))
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("hello")
    s = scan(tmp_path)
    assert [c.path for c in s.candidates] == ["ok.jpg"]
    assert s.skipped == [{"path": "empty.jpg", "reason": "empty file (0 bytes)"}]
    assert s.ignored == ["notes.txt"]


def test_symlinks(tmp_path):
    solid(tmp_path / "real.jpg", (9, 9, 9))
    os.symlink(tmp_path / "real.jpg", tmp_path / "link.jpg")
    os.symlink(tmp_path / "missing.jpg", tmp_path / "broken.jpg")
    os.symlink(tmp_path, tmp_path / "loop")
    s = scan(tmp_path)
    assert [c.path for c in s.candidates] == ["link.jpg"] and s.candidates[0].also == ["real.jpg"]
    reasons = {x["path"]: x["reason"] for x in s.skipped}
    assert reasons == {"broken.jpg": "broken symbolic link", "loop/": "symbolic link to a folder (not followed)"}


def test_hash_cache_is_used_and_refreshed(tmp_path):
    coll = tmp_path / "c"
    solid(coll / "a.jpg", (1, 1, 1))
    cache = tmp_path / "hashes.json"
    first = scan(coll, cache).candidates[0].sha256
    assert cache.exists()
    solid(coll / "a.jpg", (200, 1, 1))  # edited in place
    os.utime(coll / "a.jpg", ns=(1, 1))
    assert scan(coll, cache).candidates[0].sha256 != first


def test_readable_title():
    assert readable_title("blue_period/old-guitarist_1903.jpg") == "old guitarist 1903"
    assert readable_title("x/.jpg") == ".jpg"
