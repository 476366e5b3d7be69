import os
import socket

import pytest

from embed.collection import readable_title, scan
from embed.images import decode
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
    # left out on purpose, but listed: hidden files, and hidden or system folders once each
    assert s.ignored == [".git/", ".hidden.jpg", "__MACOSX/", "notes.txt"]


def test_symlinks(tmp_path):
    solid(tmp_path / "real.jpg", (9, 9, 9))
    os.symlink(tmp_path / "real.jpg", tmp_path / "link.jpg")
    os.symlink(tmp_path / "missing.jpg", tmp_path / "broken.jpg")
    os.symlink(tmp_path, tmp_path / "loop")
    s = scan(tmp_path)
    assert [c.path for c in s.candidates] == ["link.jpg"] and s.candidates[0].also == ["real.jpg"]
    reasons = {x["path"]: x["reason"] for x in s.skipped}
    assert reasons == {"broken.jpg": f"broken symbolic link: its target {tmp_path / 'missing.jpg'} does not exist",
                       "loop/": "symbolic link to a folder (not followed)"}


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


def test_special_files_are_reported_and_never_opened(tmp_path):
    solid(tmp_path / "ok.jpg", (1, 2, 3))
    os.mkfifo(tmp_path / "pipe.jpg")  # opening it would block the build forever
    os.symlink("/dev/zero", tmp_path / "zero.png")
    os.symlink("self.jpg", tmp_path / "self.jpg")
    (tmp_path / "folder.jpg").mkdir()
    solid(tmp_path / "folder.jpg" / "in.png", (4, 5, 6))
    s = scan(tmp_path)
    assert [c.path for c in s.candidates] == ["folder.jpg/in.png", "ok.jpg"]
    assert {x["path"]: x["reason"] for x in s.skipped} == {
        "pipe.jpg": "not a regular file (named pipe), so it is not read",
        "self.jpg": "symbolic link loop (the link points back to itself)",
        "zero.png": "not a regular file (device), so it is not read",
    }


def test_socket_is_reported(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # AF_UNIX paths are limited to about 100 bytes
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind("s.jpg")
    except OSError as exc:
        pytest.skip(f"cannot make a socket here: {exc}")
    finally:
        sock.close()
    assert scan(tmp_path).skipped == [{"path": "s.jpg", "reason": "not a regular file (socket), so it is not read"}]


def test_known_image_formats_we_cannot_read_are_skipped_not_ignored(tmp_path):
    (tmp_path / "IMG_0001.HEIC").write_bytes(b"\x00\x00\x00\x18ftypheic" + b"\x00" * 40)
    (tmp_path / "DSC_0001.NEF").write_bytes(b"II*\x00" + b"\x00" * 40)
    (tmp_path / "metadata.csv").write_text("path,title\n")
    s = scan(tmp_path)
    reasons = {x["path"]: x["reason"] for x in s.skipped}
    assert "convert it to JPEG" in reasons["IMG_0001.HEIC"] and "camera raw" in reasons["DSC_0001.NEF"]
    assert s.ignored == ["metadata.csv"]


def test_file_name_that_is_not_utf8_is_shown_escaped_and_still_opens(tmp_path):
    raw = os.fsencode(tmp_path) + b"/caf\xe9.jpg"  # Latin-1, as in an old Windows zip
    with open(raw, "wb") as f:
        from PIL import Image

        Image.new("RGB", (7, 5), (9, 9, 9)).save(f, "JPEG")
    (c,) = scan(tmp_path).candidates
    assert c.path == "caf\\xe9.jpg"
    c.path.encode("utf-8")  # printable: JSON, HTML and the terminal can take it
    assert decode(c.full_path(tmp_path), None, 8, 8).width == 7
    assert decode(tmp_path / c.path, None, 8, 8).width == 7  # the shown name opens too


def test_unicode_forms_are_two_files(tmp_path):
    solid(tmp_path / "caf\u00e9.jpg", (1, 1, 1))
    solid(tmp_path / "cafe\u0301.jpg", (2, 2, 2))
    assert sorted(c.path for c in scan(tmp_path).candidates) == sorted(["caf\u00e9.jpg", "cafe\u0301.jpg"])


def test_titles_that_collide_get_their_folder():
    from embed.collection import unique_titles

    paths = ["airplane/0000.png", "cat/0000.png", "x/dog_1.jpg", "a/x/1.png", "b/x/1.png", "z.png"]
    assert unique_titles(paths) == ["airplane / 0000", "cat / 0000", "dog 1", "a / x / 1", "b / x / 1", "z"]
