"""End to end on generated images with the real default weights (offline)."""
import csv
import json
import re

import numpy as np
import pytest

from render.linkcheck import broken_links
from tests.conftest import pattern_collection, read_points, run_build, solid

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    coll = root / "coll"
    pattern_collection(coll, 6)
    (coll / "notes.txt").write_text("not an image")
    (coll / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
    (coll / "copy").mkdir()
    (coll / "copy" / "same.jpg").write_bytes((coll / "disc" / "disc_0.jpg").read_bytes())
    out, work = root / "site", root / "work"
    rc = run_build("--collection", coll, "--out", out, "--work-dir", work, "--report", root / "r1.json", "--quiet")
    return {"root": root, "coll": coll, "out": out, "work": work, "rc": rc,
            "report": json.loads((root / "r1.json").read_text())}


def test_build_succeeds_and_reports(built):
    r = built["report"]
    assert built["rc"] == 0
    assert r["images"] == 18
    assert r["skipped"] == [{"path": "broken.jpg", "reason": r["skipped"][0]["reason"]}]
    assert re.search("image|damaged|JPEG", r["skipped"][0]["reason"])
    assert r["duplicates"] == [{"path": "copy/same.jpg", "same_as": ["disc/disc_0.jpg"]}]
    assert r["ignored"] == ["notes.txt"]
    assert set(r["seconds"]) >= {"embed", "layout", "render", "total"} and r["output_bytes"] > 0


def test_site_files_are_readable_by_a_web_server(built):
    """A museum copies the folder to Apache or nginx, which run as another user."""
    import os
    import stat

    mask = os.umask(0o022)
    os.umask(mask)
    unreadable = [p for p in built["out"].rglob("*") if p.is_file()
                  and stat.S_IMODE(p.stat().st_mode) & 0o044 != 0o044 & ~mask]
    assert unreadable == []


def test_every_image_has_a_page_with_its_neighbours(built):
    out = built["out"]
    pages = sorted((out / "image").glob("*/*.html"))  # sharded: image/<id[:2]>/<id>.html
    assert len(pages) == 18
    for page in pages:
        html = page.read_text()
        for facet in ("content", "style", "colour"):  # one tab per facet, k lowered to N - 1
            panel = html.split(f'id="panel-{facet}"')[1].split('class="facet-panel"')[0]
            assert len(re.findall(r'class="similarity"', panel)) == 17, facet
    assert (out / ".nojekyll").exists() and (out / "index.html").exists()
    thumbs, media = sorted((out / "thumbs").glob("*/*.jpg")), sorted((out / "media").glob("*/*.jpg"))
    assert len(thumbs) == 18
    # a display copy only where it is bigger than the thumbnail: no picture is published twice
    copies = [p.read_bytes() for p in thumbs + media]
    assert len(set(copies)) == len(copies)
    for page in pages:
        shown = re.search(r'<img src="([^"]+)" alt="[^"]*" width="\d+" height="\d+"', page.read_text())
        assert shown and (page.parent / shown.group(1)).resolve().is_file()
    # no build state in the site: only the list of the files Lookalike wrote there, with their digests
    from render.sitefiles import RECORD

    assert not [p for p in out.rglob("*")
                if p.name != RECORD and (p.name.startswith(".lookalike") or p.suffix == ".json"
                and p.parent.name != "pagefind" and "pagefind" not in p.parts
                and p.relative_to(out).as_posix() != "query/index.json")]  # the photo query's index shape (public)
    record = json.loads((out / RECORD).read_text())
    assert sorted(record) == ["files", "generator"] and set(record["files"]) == {
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != RECORD}
    assert all(re.fullmatch(r"[0-9a-f]{16}", d) for d in record["files"].values())


def test_neighbours_are_the_same_kind(built):
    import gzip
    import io

    def table(name: str) -> list[dict]:
        return list(csv.DictReader(io.StringIO(gzip.decompress((built["out"] / "data" / name).read_bytes()).decode())))

    path = {r["id"]: r["path"] for r in table("images.csv.gz")}
    assert len(path) == 18
    rows = {facet: table(f"neighbours-{facet}.csv.gz") for facet in ("content", "style", "colour")}
    assert all(len(r) == 18 * 17 for r in rows.values())
    kind = lambda i: path[i].split("/")[-1].split("_")[0]  # noqa: E731
    top3 = [r for r in rows["content"] if int(r["rank"]) <= 3]
    precision = np.mean([kind(r["image"]) == kind(r["neighbour"]) for r in top3])
    rows = [r for facet_rows in rows.values() for r in facet_rows]
    assert precision >= 0.8, precision
    sims = [float(r["similarity"]) for r in rows if r["rank"] == "1"]
    assert all(0 < s <= 1 for s in sims)


def test_points_are_columnar_and_row_aligned(built):
    pts = read_points(built["out"])
    n = pts["count"]
    assert n == 18 and len(pts["ids"]) == n and len(pts["titles"]) == n
    assert pts["facet_order"] == ["content", "style", "colour"] and pts["default_facet"] == "content"
    assert pts["facet_labels"] == {"content": "Subject", "style": "Style", "colour": "Colour"}
    for c in pts["facets"].values():
        assert len(c["xy"]) == 2 * n and all(0 <= v <= 1 for v in c["xy"])
        assert len(c["neighbours"]) == n and all(len(r) == 12 for r in c["neighbours"])
    assert not (built["out"] / "data" / "points.json").exists()  # points.js only: the same data once


def test_all_links_resolve(built):
    assert broken_links(built["out"]) == []


def test_second_run_uses_caches_and_is_byte_identical(built):
    out, root = built["out"], built["root"]
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    rc = run_build("--collection", built["coll"], "--out", out, "--work-dir", built["work"],
                   "--report", root / "r2.json", "--quiet")
    r2 = json.loads((root / "r2.json").read_text())
    assert rc == 0 and r2["decoded"] == 0 and r2["embedded"] == 0 and r2["layout_cached"]
    # nothing made again: no image copied or compared, no data file, no page
    assert (r2["copied"], r2["data_written"], r2["pages_rendered"]) == (0, 0, 0)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


def test_removed_image_loses_its_page_and_user_files_stay(built, tmp_path):
    import shutil

    coll = tmp_path / "coll"
    shutil.copytree(built["coll"], coll)
    out = tmp_path / "site"
    shutil.copytree(built["out"], out)
    (out / "CNAME").write_text("example.org")  # a file the user added to the site
    victim = coll / "stripes" / "stripes_0.jpg"
    # a build into this folder first: what a build wrote is remembered per output folder
    assert run_build("--collection", coll, "--out", out, "--work-dir", built["work"], "--quiet") == 0
    victim.unlink()
    assert run_build("--collection", coll, "--out", out, "--work-dir", built["work"], "--quiet") == 0
    assert len(list((out / "image").glob("*/*.html"))) == 17
    assert (out / "CNAME").read_text() == "example.org"
    before, after = read_points(built["out"]), read_points(out)
    atlas = after["atlas"]
    assert atlas["count"] == 17  # the sheets were rebuilt, not reused from the previous build
    # The other pictures keep their cells (the victim's stays empty), and each row its colour.
    gone = before["ids"].index(next(i for i in before["ids"] if i not in after["ids"]))
    assert atlas["cells"] == [c for c in range(18) if c != gone]
    colour = {i: before["atlas"]["colors"][6 * r:6 * r + 6] for r, i in enumerate(before["ids"])}
    assert [atlas["colors"][6 * r:6 * r + 6] for r in range(17)] == [colour[i] for i in after["ids"]]


@pytest.mark.parametrize("n", [1, 2, 5, 12])
def test_small_collections_make_a_sensible_site(tmp_path, n, capsys):
    coll = tmp_path / "c"
    for i in range(n):
        solid(coll / f"img{i:02d}.png", ((i * 60) % 256, (i * 120) % 256, 200 - i * 10), size=(40 + i, 30))
    rc = run_build("--collection", coll, "--out", tmp_path / "s", "--work-dir", tmp_path / "w",
                   "--report", tmp_path / "r.json")
    assert rc == 0
    r = json.loads((tmp_path / "r.json").read_text())
    assert r["images"] == n and r["k"] == n - 1
    pages = list((tmp_path / "s" / "image").glob("*/*.html"))
    assert len(pages) == n
    if n >= 5:
        assert any("perplexity" in note and "lowered" in note for note in r["notes"])
    assert broken_links(tmp_path / "s") == []
    assert "Lookalike:" in capsys.readouterr().out


def test_above_pages_max_the_site_has_no_image_pages_and_links_to_the_pictures(built, tmp_path, capsys):
    """[site] pages_max: the smallest site that still has the map, the list and every picture."""
    out = tmp_path / "s"
    assert run_build("--collection", built["coll"], "--out", out, "--work-dir", built["work"], "--quiet",
                     "--pages-max", "10", "--report", tmp_path / "r.json") == 0
    r = json.loads((tmp_path / "r.json").read_text())
    assert any("pages_max = 10" in note for note in r["notes"])
    assert not (out / "image").exists() and not (out / "pagefind").exists()
    index = (out / "index.html").read_text()
    assert 'data-page-url="media/{shard}/{id}.jpg"' in index and 'href="image/' not in index
    assert broken_links(out) == []  # every link of the list goes to a published picture
    # then with pages again, in the same folder: the pages come back, nothing is left over
    assert run_build("--collection", built["coll"], "--out", out, "--work-dir", built["work"], "--quiet") == 0
    assert len(list((out / "image").glob("*/*.html"))) == 18 and broken_links(out) == []


def test_thumbnails_only_publishes_no_display_copies(built, tmp_path):
    out = tmp_path / "s"
    (tmp_path / "site.toml").write_text("[images]\ndisplay_copies = false\n")
    assert run_build("--config", tmp_path / "site.toml", "--collection", built["coll"], "--out", out,
                     "--work-dir", built["work"], "--quiet") == 0
    assert not (out / "media").exists() and len(list((out / "thumbs").glob("*/*.jpg"))) == 18
    page = next((out / "image").glob("*/*.html")).read_text()
    assert re.search(r'<img src="\.\./\.\./thumbs/[0-9a-f]{2}/[0-9a-f]{12}\.jpg" alt=', page)
    assert broken_links(out) == []


def test_strict_fails_when_something_was_skipped(built, tmp_path):
    assert run_build("--collection", built["coll"], "--out", tmp_path / "s", "--work-dir", built["work"],
                     "--quiet", "--strict") == 1


def test_clear_errors_without_traceback(tmp_path, capsys):
    coll = tmp_path / "c"
    solid(coll / "a.png", (1, 2, 3))
    assert run_build("--collection", coll, "--out", coll / "site", "--work-dir", tmp_path / "w") == 2
    err = capsys.readouterr().err
    assert "inside the collection" in err and "Traceback" not in err
    assert run_build("--collection", tmp_path / "nope") == 2
    assert "does not exist" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_build("--collection", empty, "--out", tmp_path / "s2", "--work-dir", tmp_path / "w") == 2
    assert "no usable images" in capsys.readouterr().err


def test_originals_are_published_only_when_asked(built, tmp_path):
    out = tmp_path / "s"
    assert run_build("--collection", built["coll"], "--out", out, "--work-dir", built["work"], "--quiet",
                     "--copy-originals") == 0
    originals = sorted((out / "originals").glob("*/*"))
    assert len(originals) == 18
    page = next((out / "image").glob("*/*.html")).read_text()
    assert "Download original" in page and "../../originals/" in page
    assert broken_links(out) == []
    assert not (built["out"] / "originals").exists()


def test_why_similar_shows_every_facet(built):
    page = next((built["out"] / "image").glob("*/*.html")).read_text()
    focused = 'id="panel-focused"' in page  # "As <top class>" on tagged images (layout/focused.py)
    assert page.count('class="facet-radio"') == 3 + focused and 'for="tab-style"' in page
    content_panel = page.split('id="panel-content"')[1].split('class="facet-panel"')[0]
    assert content_panel.count('class="why"') == 17 and "Style 0." in content_panel and "Colour 0." in content_panel


def test_content_only_build_costs_nothing_extra(built, tmp_path):
    work = tmp_path / "w"
    assert run_build("--collection", built["coll"], "--out", tmp_path / "s", "--work-dir", work, "--quiet",
                     "--facets", "content", "--report", tmp_path / "r.json") == 0
    r = json.loads((tmp_path / "r.json").read_text())
    assert r["facets"] == ["content"]
    cached = sorted(p.name for p in (work / "cache" / "features").iterdir())
    # no style or colour vectors computed; the tags come from the same forward pass as the content
    assert cached == ["efficientnet_lite0-imagenet-224-centre875",
                      "efficientnet_lite0-imagenet-224-centre875-tags10-v1"]
    pts = read_points(tmp_path / "s")
    assert list(pts["facets"]) == ["content"]
    for page in (tmp_path / "s" / "image").glob("*/*.html"):  # one facet: no tabs, unless "As <top class>"
        text = page.read_text()
        assert 'for="tab-style"' not in text and 'for="tab-colour"' not in text
        assert ("facet-radio" in text) == ('id="panel-focused"' in text)


def test_blend_from_config(built, tmp_path):
    cfg = tmp_path / "site.toml"
    cfg.write_text('[facets]\nenabled = ["content", "colour"]\nblend = { content = 1.0, colour = 1.0 }\n')
    assert run_build("--config", cfg, "--collection", built["coll"], "--out", tmp_path / "s",
                     "--work-dir", built["work"], "--quiet", "--report", tmp_path / "r.json") == 0
    r = json.loads((tmp_path / "r.json").read_text())
    assert r["facets"] == ["content", "colour", "blend"]
    from core.workfolder import WorkFolder

    folder = WorkFolder(built["work"]).build(built["coll"])  # the work folder holds other builds too
    manifest = folder.read_manifest()
    f = {name: folder.read_features(manifest, name) for name in ("content", "colour", "blend")}
    i, j = 0, 5
    expected = (f["content"][i] @ f["content"][j] + f["colour"][i] @ f["colour"][j]) / 2
    assert abs(f["blend"][i] @ f["blend"][j] - expected) < 1e-5  # a weight means what it says


def test_blend_of_a_missing_facet_is_a_config_error(built, tmp_path, capsys):
    cfg = tmp_path / "site.toml"
    cfg.write_text('[facets]\nenabled = ["content"]\nblend = { style = 1.0 }\n')
    assert run_build("--config", cfg, "--collection", built["coll"], "--out", tmp_path / "s") == 2
    assert "blend gives weight to style" in capsys.readouterr().err


def test_page_image_sizes_match_the_files(built):
    """width/height attributes come from the same size rule that made the copies."""
    from PIL import Image

    out = built["out"]
    page = next((out / "image").glob("*/*.html"))
    html = page.read_text()
    tags = re.findall(r'<img src="([^"]+)"[^>]* width="(\d+)" height="(\d+)"([^>]*)>', html)[:10]
    for src, w, h, rest in tags:
        with Image.open((page.parent / src).resolve()) as im:
            if 'class="upscaled' in rest:  # a small original: a whole multiple of its size, >= 320 px
                f = int(w) // im.size[0]
                assert (int(w), int(h)) == (im.size[0] * f, im.size[1] * f) and f >= 2 and max(int(w), int(h)) >= 320
            else:
                assert im.size == (int(w), int(h)), src
    assert 'class="upscaled px"' in tags[0][3]  # the generated pictures are 96 px: shown at 384, sharp


def test_unchanged_pages_are_not_rendered_again_and_changed_ones_are(built, tmp_path, monkeypatch):
    """Warm builds skip page rendering only when the page's inputs, the templates and code, and
    the very file on disk are all as last written into this output folder. Every change below
    keeps the page's size, so a size check alone would pass them all."""
    import jinja2

    renders = []
    real = jinja2.Template.render
    monkeypatch.setattr(jinja2.Template, "render",
                        lambda self, *a, **k: renders.append(self.name) or real(self, *a, **k))
    out, other = tmp_path / "a", tmp_path / "b"
    args = ["--collection", built["coll"], "--work-dir", built["work"], "--quiet"]
    pages = lambda: [n for n in renders if n == "image.html"]  # noqa: E731
    snapshot = lambda: {p.name: p.read_bytes() for p in (out / "image").glob("*/*.html")}  # noqa: E731

    assert run_build(*args, "--out", out, "--title", "Title One") == 0
    assert len(pages()) == 18
    first = snapshot()
    renders.clear()
    assert run_build(*args, "--out", out, "--title", "Title One") == 0
    assert pages() == [] and snapshot() == first

    victim, edited = sorted((out / "image").glob("*/*.html"))[:2]
    victim.unlink()  # a deleted page comes back
    edited.write_bytes(edited.read_bytes().replace(b"Title One", b"Title 1!!"))  # same size, hand-edited
    renders.clear()
    assert run_build(*args, "--out", out, "--title", "Title One") == 0
    assert len(pages()) == 2 and snapshot() == first

    # another output folder with a same-length title, then back: the first folder's pages are stale
    renders.clear()
    assert run_build(*args, "--out", other, "--title", "Title Two") == 0
    assert len(pages()) == 18
    renders.clear()
    assert run_build(*args, "--out", out, "--title", "Title Two") == 0
    assert len(pages()) == 18 and "Title Two" in victim.read_text()

    # the folder restored from a copy (a git checkout, a backup): same sizes, other bytes
    import shutil

    saved = tmp_path / "saved"
    shutil.copytree(out / "image", saved)
    assert run_build(*args, "--out", out, "--title", "Title One") == 0
    shutil.rmtree(out / "image")
    shutil.copytree(saved, out / "image")  # pages of "Title Two" again, new files
    renders.clear()
    assert run_build(*args, "--out", out, "--title", "Title One") == 0
    assert len(pages()) == 18 and snapshot() == first


def test_damaged_page_state_means_render_everything(built, tmp_path):
    out = tmp_path / "s"
    args = ["--collection", built["coll"], "--work-dir", built["work"], "--out", out, "--quiet"]
    assert run_build(*args) == 0
    first = {p.name: p.read_bytes() for p in (out / "image").glob("*/*.html")}
    for state in (built["work"] / "builds").glob("*/sites/*/pages.json"):
        for text in ("null", "[]", '{"pages": []}', '{"pages": {"image/x.html": 5}}', "{broken"):
            state.write_text(text)
            assert run_build(*args) == 0
            assert {p.name: p.read_bytes() for p in (out / "image").glob("*/*.html")} == first
