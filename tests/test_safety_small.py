"""Issue #24, finding 14 (the smaller points): filter labels with '&', a column name with ':',
control and bidi characters from metadata and file names, "1 images", `query -n -3` and
one bad query image, embedded colour profiles. No TensorFlow: builds use the colour facet."""
from __future__ import annotations

import csv
import gzip
import io
import json
import re
from contextlib import redirect_stdout
from pathlib import Path
from urllib.parse import unquote

import pytest

from render.urls import page_path
from tests.conftest import read_points, run_build, solid

RLO, RLM, NUL = "\u202e", "\u200f", "\x00"
ARABIC = "\u0645\u0631\u062d\u0628\u0627"  # "marhaba"
HOSTILE_FILE = f"evil{RLO}gpj.png"  # shows as "evilgnp.jpg" when the override reaches the page


def build_site(root: Path, rows: list[list[str]], header: list[str], files: list[str], *extra) -> tuple[int, str]:
    coll = root / "coll"
    for i, name in enumerate(files):
        solid(coll / name, (40 * i % 256, 200 - 30 * i % 200, 90 + 20 * i % 150))
    with open(coll / "metadata.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    out = io.StringIO()
    with redirect_stdout(out):
        rc = run_build("--collection", coll, "--out", root / "site", "--work-dir", root / "work",
                       "--facets", "colour", *extra)
    return rc, out.getvalue()


FILES = ["p0.png", "p1.png", "p2.png", "p3.png", HOSTILE_FILE, f"tab{NUL[:0]}\u2066iso.png"]
HEADER = ["path", "title", "creator", "a:b", "Tom & Jerry", "description"]
ROWS = [
    ["p0.png", f"Nul{NUL} and {RLO}override{RLM}", "Tom & Jerry", "x1", "y & z", f"line\r\nbreak\x1b[31m red"],
    ["p1.png", f"{ARABIC} Arabic", "Tom & Jerry", "x2", "y & z", ""],
    ["p2.png", "two", "Ann", "x1", "q", ""],
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("small")
    rc, stdout = build_site(root, ROWS, HEADER, FILES)
    assert rc == 0, stdout
    out = root / "site"
    points = read_points(out)
    pages = {title: (out / page_path(i)).read_text(encoding="utf-8") for i, title in zip(points["ids"], points["titles"])}
    fragments = [json.loads(gzip.decompress(p.read_bytes()).removeprefix(b"pagefind_dcd"))
                 for p in sorted((out / "pagefind" / "fragment").glob("*.pf_fragment"))]
    return {"out": out, "stdout": stdout, "points": points, "pages": pages, "fragments": fragments}


def _filters(site) -> dict[str, set]:
    """Pagefind's filters as the visitor's menus name them (static/search.js decodes the names)."""
    out: dict[str, set] = {}
    for frag in site["fragments"]:
        for name, values in frag["filters"].items():
            out.setdefault(unquote(name), set()).update(values)
    return out


# --- filter labels: '&' shown once escaped, never "&amp;"; a column name with ':' keeps its filter

def test_a_filter_named_with_an_ampersand_is_labelled_as_written(site):
    filters = _filters(site)
    assert filters["Tom & Jerry"] == {"y & z", "q"}
    assert filters["Creator"] == {"Tom & Jerry", "Ann"}
    assert not [n for n in filters if "&amp;" in n or "&amp;" in "".join(filters[n])]
    page = site["pages"]["two"]
    assert "<dt><bdi>Tom &amp; Jerry</bdi></dt>" in page  # escaped once in the HTML
    assert "&amp;amp;" not in "".join(site["pages"].values())


def test_a_column_name_with_a_colon_keeps_its_filter(site):
    filters = _filters(site)
    assert filters["a:b"] == {"x1", "x2"}
    assert "a" not in filters  # before: Pagefind read "a:b" as the filter "a" with the value "b"
    assert "<dt><bdi>a:b</bdi></dt>" in site["pages"]["two"]


# --- control characters and bidi overrides never reach a page raw

def test_nul_and_overrides_are_removed_from_every_page_and_the_map_data(site):
    out = site["out"]
    texts = {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8")
             for p in out.rglob("*") if p.suffix in (".html", ".js") and "pagefind" not in p.parts}
    for rel, text in texts.items():
        bad = sorted({f"U+{ord(c):04X}" for c in text
                      if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F
                      or 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069})
        assert not bad, (rel, bad)
    for frag in site["fragments"]:  # the search index is made from the pages
        assert RLO not in json.dumps(frag, ensure_ascii=False) and NUL not in json.dumps(frag, ensure_ascii=False)
    titles = site["points"]["titles"]
    assert f"Nul and override{RLM}" in titles and "evilgpj" in titles and "\\u0000" not in \
        (out / "data" / "points.js").read_text(encoding="utf-8")


def test_user_text_is_isolated_and_right_to_left_titles_survive(site):
    pages = site["pages"]
    nul = pages[f"Nul and override{RLM}"]
    # the mark a cataloguer may use in a right-to-left title is kept, inside an isolate
    assert f'<h1 data-pagefind-meta="title"><bdi>Nul and override{RLM}</bdi></h1>' in nul
    assert "<p class=\"description\"><bdi>line\nbreak[31m red</bdi></p>" in nul  # ESC gone, CR LF -> LF
    assert f"<h1 data-pagefind-meta=\"title\"><bdi>{ARABIC} Arabic</bdi></h1>" in pages[f"{ARABIC} Arabic"]
    assert "<dt>File</dt><dd><bdi>evilgpj.png</bdi></dd>" in pages["evilgpj"]
    assert "<dt>File</dt><dd><bdi>tabiso.png</bdi></dd>" in pages["tabiso"]
    assert f'<span class="thumb-title"><bdi>{ARABIC} Arabic</bdi></span>' in pages["two"]  # the cards too


# --- "1 images"

def test_counts_agree_with_their_nouns():
    from core.reports import EmbedReport, RenderReport, count, summary_text

    assert [count(n, "image") for n in (0, 1, 2)] == ["0 images", "1 image", "2 images"]
    assert count(1, "class", "classes") == "1 class" and count(1234, "image", fmt=",") == "1,234 images"
    embed = EmbedReport(images=1, skipped=[{"path": "x.jpg", "reason": "damaged"}], duplicates=[], ignored=[],
                        metadata={"file": "m.csv", "described": 1, "images_without_row": ["a.jpg"],
                                  "unmatched_rows": ["b.jpg"], "duplicate_rows": ["c.jpg"]},
                        decoded=1, embedded=0, cached=0, model="m", precision="float32", facets=["colour"],
                        tags={"images_tagged": 1, "tags": 1, "labels": 1})
    render = RenderReport(output="site", files=1, pages_rendered=1, removed=0, bytes=0, folders={".": {"files": 1, "bytes": 0}},
                          warnings=[], notes=[], copied=1, data_written=1, sheets=1, sheets_made=1)
    text = summary_text(embed, None, render)
    assert not re.search(r"\b1 (images|files|pages|tags|rows|paths|image copies|data files|map sheets|"
                         r"different classes)\b|\(s\)", text), text
    for said in ("Lookalike: 1 image ", "skipped 1 file:", "1 image has no row", "1 row names no image",
                 "1 path appears in several rows", "1 of 1 image tagged, 1 tag, 1 different class",
                 "1 file, 0.0 MB", "1 page, 1 image copy, 1 data file, 1 of 1 map sheet written", "top level 1 file "):
        assert said in text, (said, text)


def test_a_one_image_site_says_one_image(tmp_path):
    rc, stdout = build_site(tmp_path, [["only.png", "Only", "", "", "", ""]], HEADER, ["only.png"])
    assert rc == 0, stdout
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "1 image &middot;" in index and "1 images" not in index
    assert "Lookalike: 1 image -> " in stdout and "1 images" not in stdout


# --- `query -n -3`, and one bad query image among good ones

class FakeBackbone:
    """Stands in for the CNN (no TensorFlow): the content vector of an input is its mean colour."""
    calls: list = []

    def embed_batch(self, inputs):
        import numpy as np

        FakeBackbone.calls.append(len(inputs))
        v = np.stack([np.asarray(x, np.float32).reshape(-1, 3).mean(0) + 1 for x in inputs])
        return {"content": v / np.linalg.norm(v, axis=1, keepdims=True)}


@pytest.fixture
def queried(tmp_path, monkeypatch):
    """A finished (colour) build; the model and the content index stood in for."""
    import embed.backbones
    import query.by_image

    rc, stdout = build_site(tmp_path, ROWS[2:], HEADER, ["p0.png", "p1.png", "p2.png"])
    assert rc == 0, stdout
    FakeBackbone.calls = []
    monkeypatch.setattr(embed.backbones.ModelSpec, "load", lambda self: FakeBackbone())
    monkeypatch.setattr(query.by_image, "check_model", lambda *a: None)
    monkeypatch.setattr(query.by_image, "nearest", lambda folder, manifest, facet, vector, n:
                        [(r, 1.0 - r / 10) for r in range(min(n, len(manifest)))])
    return tmp_path


def run_query(capsys, base, *argv):
    capsys.readouterr()
    rc = run_build("query", "--collection", base / "coll", "--work-dir", base / "work", "--out", base / "site", *argv)
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.mark.parametrize("n", ["-3", "0"])
def test_query_refuses_a_count_below_one_before_any_work(queried, capsys, n):
    good = solid(queried / "q" / "good.png", (200, 30, 30))
    rc, out, err = run_query(capsys, queried, str(good), "-n", n)  # before: exit 0, "no matching images"
    assert rc == 1 and out == "" and FakeBackbone.calls == []  # nothing decoded or loaded
    assert f"-n/--top is the number of images to list for each query: it must be 1 or more, not {n}" in err
    rc, out, err = run_query(capsys, queried / "nowhere", "--text", "dog", "-n", n)  # checked before the build is read
    assert rc == 1 and "must be 1 or more" in err


def test_each_bad_query_image_has_its_message_and_the_good_ones_answer(queried, capsys):
    base = queried
    good, good2 = solid(base / "q" / "good.png", (200, 30, 30)), solid(base / "q" / "good2.png", (30, 30, 200))
    damaged = base / "q" / "damaged.jpg"
    damaged.write_bytes(b"\xff\xd8\xff\xe0 this is not a picture")
    missing, folder = base / "q" / "missing.png", base / "q"
    rc, out, err = run_query(capsys, base, str(good), str(missing), str(damaged), str(good2), str(folder), "-n", "2")
    assert rc == 1
    assert f"{good}:" in out and f"{good2}:" in out and out.count("  p") == 4  # 2 hits each
    assert FakeBackbone.calls == [2]  # the two good images, in one batch
    lines = [line for line in err.splitlines() if line.startswith("lookalike: error: query image")]
    assert len(lines) == 3, err
    assert f"query image {missing}: file not found" in lines[0]
    assert f"query image {damaged}: " in lines[1] and "damaged" in lines[1].lower()
    assert f"query image {folder}: not a regular file (folder)" in lines[2]
    # --json: one line per hit, and one per image that could not be used
    rc, out, _ = run_query(capsys, base, str(missing), str(good), "--json", "-n", "1")
    rows = [json.loads(line) for line in out.splitlines()]
    assert rc == 1 and rows[0] == {"query": str(missing), "error": rows[0]["error"]} and rows[1]["query"] == str(good)


def test_a_query_of_good_images_still_exits_0(queried, capsys):
    good = solid(queried / "q" / "good.png", (200, 30, 30))
    rc, out, err = run_query(capsys, queried, str(good), "-n", "1")
    assert rc == 0 and f"{good}:" in out and "error" not in err
