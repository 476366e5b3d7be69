import json

import pytest

from render.output import MARKER, OutputError, check_output
from render.sitefiles import RECORD, SiteFiles, digest


def test_refuses_collection_and_nesting(tmp_path):
    coll = tmp_path / "coll"
    coll.mkdir()
    for out, word in [(coll, "is the collection"), (coll / "site", "inside the collection"),
                      (tmp_path, "contains the collection")]:
        with pytest.raises(OutputError, match=word):
            check_output(out, coll)


def test_refuses_foreign_non_empty_folder_unless_forced(tmp_path):
    coll, out = tmp_path / "c", tmp_path / "o"
    coll.mkdir()
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    with pytest.raises(OutputError, match="not made by Lookalike"):
        check_output(out, coll)
    check_output(out, coll, force=True)
    check_output(tmp_path / "new", coll)  # a new folder is fine


def test_finish_removes_only_files_it_wrote_before(tmp_path):
    """The site's own record (RECORD) says what Lookalike wrote, with each file's digest."""
    out = tmp_path / "o"
    first = SiteFiles(out)
    first.put("image/ab/mine-old.html", "old page")
    first.put("index.html", "old")
    assert first.finish() == ([], [])
    (out / "users-file.txt").write_text("keep me")
    again = SiteFiles(out)
    again.put("index.html", "new")
    removed, kept = again.finish()
    assert removed == ["image/ab/mine-old.html"] and kept == []
    assert (out / "users-file.txt").read_text() == "keep me"
    assert not (out / "image").exists()  # the shard folder it left empty went too
    assert json.loads((out / RECORD).read_text())["files"] == {"index.html": digest(b"new")}
    assert sorted(p.name for p in out.iterdir()) == [RECORD, "index.html", "users-file.txt"]


def test_a_site_of_an_earlier_version_is_ours_and_loses_its_state_file(tmp_path):
    """Before 0.9 the list was published inside the site (MARKER), without digests: read once
    (files not changed since it was written count as ours), then replaced by the record."""
    coll, out = tmp_path / "c", tmp_path / "o"
    coll.mkdir()
    out.mkdir()
    (out / "old.html").write_text("old page")
    (out / MARKER).write_text('{"files": ["old.html", "index.html"]}')
    check_output(out, coll)  # recognised: no --force needed
    site = SiteFiles(out)
    site.put("index.html", "new")
    assert site.finish() == (["old.html"], [])
    assert sorted(p.name for p in out.iterdir()) == [RECORD, "index.html"]


def test_a_generator_tag_alone_no_longer_makes_a_folder_ours(tmp_path):
    """Was: a folder whose index.html bore Lookalike's generator tag counted as ours when the
    work folder was gone, and files bearing our names (static/..., pagefind/...) were deleted as
    stale. Now only the record says what is ours; the message says what is missing."""
    coll, out = tmp_path / "c", tmp_path / "o"
    coll.mkdir()
    out.mkdir()
    (out / "index.html").write_text('<!doctype html><head><meta name="generator" content="Lookalike">')
    with pytest.raises(OutputError, match=f"not made by Lookalike .*{RECORD}, is missing"):
        check_output(out, coll, state=tmp_path / "nowhere" / "files.json")
    (out / "index.html").write_text("<!doctype html><head><title>Someone's thesis</title>")
    with pytest.raises(OutputError, match="not made by Lookalike; choose"):
        check_output(out, coll, state=tmp_path / "nowhere" / "files.json")


def test_size_report_warns_over_github_pages_budgets(tmp_path, monkeypatch):
    from render import budget, output

    (tmp_path / "media" / "ab").mkdir(parents=True)
    (tmp_path / "media" / "ab" / "a.jpg").write_bytes(b"x" * 3000)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "points.js").write_bytes(b"x" * 1500)
    (tmp_path / "index.html").write_text("hi")
    r = output.size_report(tmp_path)
    assert r["bytes"] == 4502 and r["folders"]["media"] == {"files": 1, "bytes": 3000} and r["warnings"] == []
    assert r["files_in_folder"] == {".": 1, "media/ab": 1, "data": 1} and r["disk_bytes"] >= r["bytes"]
    monkeypatch.setattr(budget, "SITE_BYTES", 4000)
    monkeypatch.setattr(budget, "FILE_BYTES", 2000)
    monkeypatch.setattr(budget, "FOLDER_FILES", 1)
    (tmp_path / "media" / "ab" / "b.jpg").write_bytes(b"x")
    w = output.size_report(tmp_path)["warnings"]
    assert len(w) == 3, w
    assert w[0].startswith("the site is 4.5 kB, 503 bytes over GitHub Pages' 4 kB limit; media/ is 3 kB") \
        and "display_size" in w[0]
    assert w[1].startswith("media/ab/a.jpg is 3 kB, 1 kB over GitHub's 2 kB file limit")
    assert w[2].startswith("media/ab/ holds 2 files, 1 over") and "display_copies" in w[2]


def test_the_estimate_names_the_budget_and_the_setting_before_writing():
    """100,000 images with display copies of ~150 kB: over 1 GB, before anything is written."""
    from render import budget

    guess = budget.estimate({"thumbs": 100_000 * 20_000, "media": 100_000 * 150_000}, budget.Planned(pages=100_000,
                            images=100_000, facets=3, k=30, map_neighbours=12, search=True), previous={})
    w = budget.check(guess["bytes"], guess["folders"], guess["files"], guess["big"])
    assert any("over GitHub Pages' 1 GB limit" in x and "media/" in x and "display_copies" in x for x in w)
    assert not any(x.startswith(("image/00", "thumbs/00", "pagefind/")) for x in w)  # sharded: ~400 files each
    small = budget.estimate({"thumbs": 2_000 * 20_000}, budget.Planned(pages=2_000, images=2_000, facets=3, k=30,
                            map_neighbours=12, search=True), previous={})
    assert budget.check(small["bytes"], small["folders"], small["files"], small["big"]) == []


@pytest.mark.parametrize("collection", ["imagen", "flowers"])
def test_the_estimate_of_the_map_sheets_holds_for_real_photos(tmp_path, collection):
    """A first build has no earlier one to scale from: the guess for the map's sheets (all
    their levels) must be near what real photos make, erring on the large side."""
    from render import budget
    from render.atlas import write_atlases
    from tests.conftest import shared_data

    photos = sorted(shared_data(collection).rglob("*.jpg"))[:1024]
    write_atlases(photos, tmp_path)
    made = sum(p.stat().st_size for p in (tmp_path / "atlas").rglob("*.jpg"))
    levels = sum(p.stat().st_size for p in (tmp_path / "atlas").glob("*/*.jpg"))
    assert levels > 0.3 * (made - levels)  # the smaller levels are there, and not nothing
    guess = budget.estimate({}, budget.Planned(pages=0, images=len(photos), facets=1, k=10, map_neighbours=12,
                            search=False), previous={})["folders"]["atlas"]
    assert 0.85 * made < guess < 1.4 * made, (guess, made)
