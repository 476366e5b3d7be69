import json

import pytest

from core.manifest import ImageRecord
from embed.metadata import MetadataError, attach, read_sidecar
from render.text import safe_link
from tests.conftest import read_points, run_build, solid


def rec(path, also=()):
    return ImageRecord(id=path[:12], sha256="0" * 64, path=path, title=path, width=1, height=1, bytes=1,
                       also=list(also))


def test_excel_semicolon_bom_and_column_spellings(tmp_path):
    p = tmp_path / "m.csv"
    p.write_bytes("\ufeffFile;Title;Artist;Year;Inventory no.\n"
                  "blue/guitarist.jpg;The Old Guitarist;Picasso;1903;1926.253\n".encode("utf-8"))
    s = read_sidecar(p)
    assert s.by_path["blue/guitarist.jpg"] == {"title": "The Old Guitarist", "creator": "Picasso",
                                               "date": "1903", "Inventory no.": "1926.253"}


def test_attach_reports_both_directions(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("path,title\n./a.jpg,Alpha\nsub\\b.jpg,Beta\nmissing.jpg,Ghost\na.jpg,Alpha again\n")
    records = [rec("a.jpg"), rec("sub/b.jpg"), rec("c.jpg")]
    report = attach(read_sidecar(p), records)
    assert [r.title for r in records] == ["Alpha again", "Beta", "c.jpg"]
    assert report["unmatched_rows"] == ["missing.jpg"]
    assert report["images_without_row"] == ["c.jpg"]
    assert report["duplicate_rows"] == ["a.jpg"] and report["described"] == 2


def test_row_for_a_duplicate_copy_counts(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("path,title\ncopy.jpg,Copy title\n")
    records = [rec("orig.jpg", also=["copy.jpg"])]
    report = attach(read_sidecar(p), records)
    assert records[0].title == "Copy title" and report["unmatched_rows"] == []


def test_unicode_forms_match(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("path,title\nre\u0301sume\u0301.jpg,Accents\n")  # NFD in the CSV
    records = [rec("r\u00e9sum\u00e9.jpg")]  # NFC on disk
    attach(read_sidecar(p), records)
    assert records[0].title == "Accents"


def test_no_path_column_is_a_clear_error(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("title,creator\nA,B\n")
    with pytest.raises(MetadataError, match="no path column"):
        read_sidecar(p)


def test_only_http_links():
    assert safe_link("https://museum.org/obj/1") == "https://museum.org/obj/1"
    assert safe_link("javascript:alert(1)") == ""
    assert safe_link(" JaVaScRiPt:alert(1)") == ""


@pytest.mark.slow
def test_hostile_metadata_is_escaped_everywhere(tmp_path):
    coll = tmp_path / "c"
    for i, c in enumerate([(200, 30, 30), (30, 200, 30), (30, 30, 200)]):
        solid(coll / f"{i}.png", c)
    evil = '</script><script>window.pwned=1</script>'
    attr = '" onmouseover="window.pwned=2'
    (coll / "metadata.csv").write_text(
        "path,title,source,notes\n"
        f'0.png,"{evil}",javascript:alert(1),"<img src=x onerror=alert(1)>"\n'
        f'1.png,"{attr.replace(chr(34), chr(34) * 2)}",https://example.org/1,ok\n')
    out = tmp_path / "s"
    assert run_build("--collection", coll, "--out", out, "--work-dir", tmp_path / "w", "--quiet",
                     "--report", tmp_path / "r.json") == 0
    pages = {p.name: p.read_text() for p in (out / "image").glob("*/*.html")}
    every = "\n".join(pages.values()) + (out / "index.html").read_text()
    assert "<script>window.pwned" not in every and "<img src=x" not in every
    assert 'onmouseover="window' not in every
    assert "&lt;/script&gt;&lt;script&gt;window.pwned=1&lt;/script&gt;" in every
    assert 'href="javascript:' not in every and 'href="https://example.org/1"' in every
    js = (out / "data" / "points.js").read_text()
    assert "</script>" not in js and "\\u003c/script>" in js
    points = read_points(out)
    assert evil in points["titles"]  # the data keeps the real title; only its encoding differs
    r = json.loads((tmp_path / "r.json").read_text())
    assert r["metadata"]["described"] == 2 and r["metadata"]["images_without_row"] == ["2.png"]
    assert "metadata.csv" not in r["ignored"]
