import pytest

from render.output import MARKER, OutputError, check_output, finish


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
    out = tmp_path / "o"
    out.mkdir()
    (out / "mine-old.html").write_text("old page")
    (out / "users-file.txt").write_text("keep me")
    (out / MARKER).write_text('{"files": ["mine-old.html", "index.html"]}')
    (out / "index.html").write_text("new")
    removed = finish(out, {"index.html"})
    assert removed == ["mine-old.html"]
    assert (out / "users-file.txt").read_text() == "keep me"
    assert not (out / "mine-old.html").exists()


def test_size_report_warns_over_github_pages_limits(tmp_path, monkeypatch):
    from render import output

    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "a.jpg").write_bytes(b"x" * 3000)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "points.js").write_bytes(b"x" * 1500)
    (tmp_path / "index.html").write_text("hi")
    r = output.size_report(tmp_path)
    assert r["bytes"] == 4502 and r["folders"]["media"] == {"files": 1, "bytes": 3000} and r["warnings"] == []
    monkeypatch.setattr(output, "PAGES_SITE_LIMIT", 4000)
    monkeypatch.setattr(output, "PAGES_FILE_LIMIT", 2000)
    w = output.size_report(tmp_path)["warnings"]
    assert len(w) == 2 and "display_size" in w[0] and "media/" in w[0] and "media/a.jpg" in w[1]
    # every file over the limit is named, each with the setting that shrinks it
    (tmp_path / "data" / "neighbours.csv").write_bytes(b"x" * 2500)
    w = output.size_report(tmp_path)["warnings"]
    assert "media/ is" in w[0] and "data/ is" in w[0] and "[neighbours] k" in w[0]
    assert len(w) == 3 and "data/neighbours.csv is" in w[1] and "[neighbours] k" in w[1] and "media/a.jpg" in w[2]
