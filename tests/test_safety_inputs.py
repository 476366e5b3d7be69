"""Issue #24, part C: the folders a build is given, the collection walk and the catalogue.

Each hostile case is reproduced with a small generated collection and checked on what a user
sees: the exit status, the message's words, the --report JSON, and that nothing in the
collection changed. Most run `build.py embed --facets colour` (no model, under a second);
one full build checks that --copy-originals never publishes a file from outside the collection.
"""
from __future__ import annotations

import json
import os
import shutil
import unicodedata
from pathlib import Path

import pytest

from embed.metadata import MetadataError, attach, read_sidecar
from tests.conftest import pattern, run_build, site_bytes, solid
from tests.test_metadata import rec

NFC, NFD = unicodedata.normalize("NFC", "café.jpg"), unicodedata.normalize("NFD", "café.jpg")
FAST = ("--facets", "colour", "--quiet")  # no model: the colour facet alone


def snapshot(folder: Path) -> dict:
    """Every entry below folder (hidden ones too) with its kind, size and mtime: 'the collection
    did not change' is this dict before and after, equal."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            out[os.path.relpath(p, folder)] = (st.st_mode, st.st_size if not os.path.isdir(p) else 0, st.st_mtime_ns)
    return out


@pytest.fixture
def coll(tmp_path):
    c = tmp_path / "coll"
    for i, kind in enumerate(("stripes", "checks", "disc")):
        pattern(c / f"{kind}.jpg", kind, seed=i)
    return c


def embed(*argv, report: Path | None = None) -> int:
    extra = ("--report", report) if report else ()
    return run_build("embed", *argv, *FAST, *extra)


# --- folders, checked before any work -------------------------------------------------------

@pytest.mark.parametrize("work, out, words", [
    ("coll/cache", None, "lies inside the collection"),  # cached thumbnails became images: 12, 35, 69
    ("coll", None, "lies inside the collection"),
    ("coll/.lookalike", None, "lies inside the collection"),
    ("site/.work", "site", "would be published and deployed"),
    ("site", "site", "would be published and deployed"),
    (".", None, "lies inside the work folder"),  # deleting the work folder would delete the images
    ("w", "coll/site", "inside the collection"),  # render/output.py check_output, before any work too
    ("w", "w/site", "would delete the site"),  # the site inside the work folder: deleting it to reclaim space
])
def test_overlapping_folders_are_refused_before_any_work(tmp_path, coll, capsys, work, out, words):
    before = snapshot(tmp_path)
    argv = ["--collection", coll, "--work-dir", tmp_path / work, "--facets", "colour", "--quiet"]
    rc = run_build(*argv, "--out", tmp_path / (out or "site"))
    err = capsys.readouterr().err
    assert rc == 2, err
    assert words in err and "Traceback" not in err and "unexpected" not in err
    assert snapshot(tmp_path) == before  # nothing written anywhere: not the collection, not the site


def test_work_folder_inside_the_collection_is_refused_for_embed_alone(tmp_path, coll, capsys):
    before = snapshot(coll)
    assert embed("--collection", coll, "--work-dir", coll / "cache") == 2
    err = capsys.readouterr().err
    assert f"the work folder {coll / 'cache'} lies inside the collection {coll}" in err
    assert "--work-dir" in err and snapshot(coll) == before


def test_query_with_a_work_folder_inside_the_collection_is_refused(tmp_path, coll, capsys):
    before = snapshot(coll)
    assert run_build("query", "--collection", coll, "--work-dir", coll / "w", coll / "disc.jpg") == 2  # as a build
    assert "lies inside the collection" in capsys.readouterr().err and snapshot(coll) == before


def test_work_folder_that_is_a_file_is_refused(tmp_path, coll, capsys):
    (tmp_path / "w").write_text("not a folder")
    assert embed("--collection", coll, "--work-dir", tmp_path / "w") == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_default_work_folder_is_never_inside_the_collection(tmp_path, coll, capsys, monkeypatch):
    """A site.toml kept in the collection (picked up on its own) put .lookalike/ inside it."""
    import build

    (coll / "site.toml").write_text('[site]\ntitle = "Mine"\n')
    before = snapshot(coll)
    monkeypatch.chdir(tmp_path)
    assert build.main(["embed", "--collection", "coll", "--facets", "colour"]) == 0
    assert snapshot(coll) == before
    moved = tmp_path.resolve() / ".lookalike"
    assert (moved / "builds").is_dir()
    assert f"work folder: {moved} (next to the collection" in capsys.readouterr().err
    shutil.rmtree(moved)
    (coll / "site.toml").unlink()
    monkeypatch.chdir(coll)  # run from inside the collection, no config: the same
    before = snapshot(coll)
    assert build.main(["embed", "--collection", ".", *FAST]) == 0
    assert snapshot(coll) == before and (moved / "builds").is_dir()


# --- symbolic links -------------------------------------------------------------------------

def test_link_to_a_file_outside_the_collection_is_skipped_with_a_reason(tmp_path, coll, capsys):
    secret = solid(tmp_path / "private" / "passport.png", (10, 200, 30))
    os.symlink(secret, coll / "holiday.png")
    solid(coll / ".store" / "inside.png", (200, 10, 30))
    os.symlink("../coll/.store/inside.png", coll / "inside-link.png")  # within the collection: kept
    os.symlink(tmp_path / "private", coll / "more")
    before = snapshot(coll)
    assert embed("--collection", coll, "--work-dir", tmp_path / "w", report=tmp_path / "r.json") == 0
    r = json.loads((tmp_path / "r.json").read_text())
    reasons = {s["path"]: s["reason"] for s in r["skipped"]}
    assert reasons["holiday.png"].startswith("symbolic link to a file outside the collection: not read")
    assert "follow_links_outside" in reasons["holiday.png"]
    assert reasons["more/"] == "symbolic link to a folder outside the collection (not followed)"
    assert r["images"] == 4  # the three pictures and the link within the collection
    manifest = json.loads(next((tmp_path / "w" / "builds").glob("*/manifest.json")).read_text())
    assert "inside-link.png" in {im["path"] for im in manifest["images"]}
    assert {s["path"] for s in manifest["skipped"]} == {"holiday.png", "more/"}
    assert snapshot(coll) == before
    assert "holiday.png: symbolic link to a file outside" in capsys.readouterr().out


def test_a_catalogue_linked_from_outside_is_not_read_unless_given(tmp_path, coll, capsys):
    outside = tmp_path / "elsewhere" / "catalogue.csv"
    outside.parent.mkdir()
    outside.write_text("path,title\nstripes.jpg,From elsewhere\n")
    os.symlink(outside, coll / "metadata.csv")
    err = _refused(tmp_path, coll, capsys, None, "metadata.csv is a symbolic link to a file outside the collection")
    assert "--metadata FILE" in err
    assert embed("--collection", coll, "--work-dir", tmp_path / "w", "--metadata", outside) == 0  # named: used


def test_a_setting_allows_links_outside(tmp_path, coll):
    os.symlink(solid(tmp_path / "elsewhere" / "x.png", (10, 200, 30)), coll / "x.png")
    cfg = tmp_path / "site.toml"
    cfg.write_text("[images]\nfollow_links_outside = true\n")
    assert embed("--config", cfg, "--collection", coll, "--work-dir", tmp_path / "w",
                 report=tmp_path / "r.json") == 0
    r = json.loads((tmp_path / "r.json").read_text())
    assert r["images"] == 4 and r["skipped"] == []


def test_copy_originals_never_publishes_a_file_from_outside(tmp_path, coll):
    secret = tmp_path / "private" / "secret.png"
    solid(secret, (123, 45, 67), size=(40, 30))
    os.symlink(secret, coll / "linked.png")
    before = snapshot(coll)
    assert run_build("--collection", coll, "--out", tmp_path / "site", "--work-dir", tmp_path / "w",
                     "--copy-originals", *FAST) == 0
    published = site_bytes(tmp_path / "site")
    assert any(rel.startswith("originals/") for rel in published)  # the collection's own originals are there
    assert secret.read_bytes() not in published.values()
    assert not [rel for rel, data in published.items()  # static/: our own scripts, whose words may say "linked"
                if not rel.startswith("static/") and "linked" in data.decode("utf-8", "replace")]
    assert snapshot(coll) == before


# --- Unicode forms ---------------------------------------------------------------------------

def test_nfc_and_nfd_names_do_not_share_one_row(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text(f"path,title\n{NFC},Composed\n", encoding="utf-8")
    records = [rec(NFC), rec(NFD)]
    report = attach(read_sidecar(p), records)
    assert [r.title for r in records] == ["Composed", NFD]  # before: both "Composed"
    assert report["name_clashes"] == [sorted([NFC, NFD])]
    assert report["images_without_row"] == [NFD]
    one = [rec(NFD)]  # no clash: an NFC row still names an NFD file (a Mac's spelling)
    assert attach(read_sidecar(p), one)["name_clashes"] == [] and one[0].title == "Composed"


def test_nfc_nfd_clash_is_in_the_summary(tmp_path, coll, capsys):
    solid(coll / NFC, (250, 0, 0))
    solid(coll / NFD, (0, 0, 250))
    (coll / "metadata.csv").write_text(f"path,title\n{NFD},Decomposed\n", encoding="utf-8")
    assert run_build("embed", "--collection", coll, "--work-dir", tmp_path / "w", "--facets", "colour",
                     "--report", tmp_path / "r.json") == 0
    out = capsys.readouterr().out
    assert "differ only in Unicode form (NFC/NFD)" in out and "cafe\\u0301.jpg" in out
    manifest = json.loads(next((tmp_path / "w" / "builds").glob("*/manifest.json")).read_text())
    titles = {im["path"]: im["title"] for im in manifest["images"]}
    assert titles[NFD] == "Decomposed" and titles[NFC] != "Decomposed"


# --- catalogue files ---------------------------------------------------------------------------

ROWS = "path,title\nstripes.jpg,Crème brûlée\nchecks.jpg,Ærø – “quoted”\n"


@pytest.mark.parametrize("data, encoding", [
    (ROWS.encode("utf-8"), "UTF-8"),
    (b"\xef\xbb\xbf" + ROWS.encode("utf-8"), "UTF-8 with byte-order mark"),
    (b"\xff\xfe" + ROWS.encode("utf-16-le"), "UTF-16 LE with byte-order mark"),  # was "has no path column"
    (b"\xfe\xff" + ROWS.encode("utf-16-be"), "UTF-16 BE with byte-order mark"),
    (ROWS.encode("cp1252"), "Windows-1252, as it is not UTF-8"),  # was decoded with errors="replace"
])
def test_catalogue_encodings_are_detected_and_said(tmp_path, data, encoding):
    p = tmp_path / "m.csv"
    p.write_bytes(data)
    s = read_sidecar(p)
    assert s.encoding == encoding
    assert s.by_path["stripes.jpg"]["title"] == "Crème brûlée"
    assert s.by_path["checks.jpg"]["title"] == "Ærø – “quoted”"


def test_windows_1252_with_a_pair_that_happens_to_be_utf8_is_still_windows_1252(tmp_path):
    """«ÉTÉ» in Windows-1252 holds C9 BB, a valid UTF-8 letter: one such pair among many bad
    bytes does not make the file 'UTF-8 with damage'."""
    p = tmp_path / "m.csv"
    p.write_bytes("path,title\na.jpg,«ÉTÉ» à Bâle\nb.jpg,Café\n".encode("cp1252"))
    s = read_sidecar(p)
    assert s.encoding.startswith("Windows-1252") and s.by_path["a.jpg"]["title"] == "«ÉTÉ» à Bâle"


def test_encoding_used_is_in_the_summary(tmp_path, coll, capsys):
    (coll / "metadata.csv").write_bytes(ROWS.encode("cp1252"))
    assert run_build("embed", "--collection", coll, "--work-dir", tmp_path / "w", "--facets", "colour") == 0
    assert f"metadata {coll / 'metadata.csv'} (Windows-1252, as it is not UTF-8): 2 of 3 images described" \
        in capsys.readouterr().out


def _refused(tmp_path, coll, capsys, data: bytes | None, *words, given=None) -> str:
    """Build with this catalogue: exit 2, the words in the message, and no image decoded."""
    if data is not None:
        (coll / "metadata.csv").write_bytes(data)
    before = snapshot(coll)
    extra = ("--metadata", given) if given is not None else ()
    assert embed("--collection", coll, "--work-dir", tmp_path / "w", *extra) == 2
    err = capsys.readouterr().err
    for w in words:
        assert w in err, err
    assert "unexpected" not in err and "Traceback" not in err
    assert not (tmp_path / "w" / "cache" / "images").exists()  # refused before the first decode
    assert snapshot(coll) == before
    return err


def test_utf8_with_one_bad_byte_is_refused_with_its_line(tmp_path, coll, capsys):
    data = ROWS.encode("utf-8") + b"disc.jpg,Caf\xe9 noir\n"  # one Latin-1 byte among UTF-8 accents
    _refused(tmp_path, coll, capsys, data, "is UTF-8 except for 1 byte(s)", "line 4 (byte 0xE9 after 'disc.jpg,Caf')",
             "CSV UTF-8")


def test_neither_utf8_nor_windows_1252_is_refused_with_its_line(tmp_path, coll, capsys):
    data = b"path,title\nstripes.jpg,ok\nchecks.jpg,\x81\x8d\n"  # no character in either encoding
    _refused(tmp_path, coll, capsys, data, "neither UTF-8 nor Windows-1252", "line 3 (byte 0x81")


def test_field_over_the_csv_limit_names_the_file_and_line(tmp_path, coll, capsys):
    data = ("path,title\nstripes.jpg,fine\nchecks.jpg,\"never closed\n" + "x" * 140_000 + "\n").encode()
    _refused(tmp_path, coll, capsys, data, str(coll / "metadata.csv"), "starts on line 3",
             "longer than 131,072 characters", "never closed")


def test_unclosed_quote_that_swallows_rows_is_refused(tmp_path, coll, capsys):
    data = b'path,title\nstripes.jpg,"Open\nchecks.jpg,Checks\ndisc.jpg,Disc\n'
    _refused(tmp_path, coll, capsys, data, "opens a field on line 2 is never closed")


def test_multiline_field_that_is_closed_is_fine(tmp_path):
    p = tmp_path / "m.csv"
    p.write_bytes(b'path,description\na.jpg,"two\nlines"\n')
    assert read_sidecar(p).by_path["a.jpg"] == {"description": "two\nlines"}


def test_folder_given_as_metadata(tmp_path, coll, capsys):
    (tmp_path / "catalogue").mkdir()
    _refused(tmp_path, coll, capsys, None, "is a folder, not a CSV file", given=tmp_path / "catalogue")


def test_missing_metadata_file(tmp_path, coll, capsys):
    _refused(tmp_path, coll, capsys, None, "does not exist", given=tmp_path / "nope.csv")


@pytest.mark.parametrize("data, words", [
    (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "an Excel workbook (.xlsx)"),
    (ROWS.encode("utf-16-le"), "has a NUL byte"),  # UTF-16 without its mark
    (b"\xff\xfe" + ROWS.encode("utf-16-le")[:-1], "not valid UTF-16 LE"),
])
def test_not_a_csv_is_refused(tmp_path, data, words):
    p = tmp_path / "m.csv"
    p.write_bytes(data)
    with pytest.raises(MetadataError) as exc:
        read_sidecar(p)
    assert words in str(exc.value) and str(p) in str(exc.value)
