"""The output folder is the user's: no file Lookalike did not write is deleted or overwritten,
whatever the state of the work folder; a build stopped at any stage resumes with the same command;
a full disk or a read-only folder ends in a message naming the file, status 1, and the last site
exactly as it was (issue #24, findings 2, 3, 7, 8).

Small generated collections, the random-weights model (--weights none) and one facet: the model
is loaded once, by the module's fixture; the builds after it find their vectors cached.
"""
from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from core import files
from render.sitefiles import JOURNAL, RECORD
from render.urls import page_path, thumb_path
from tests.conftest import REPO, pattern_collection, run_build, sigint_as_usual, site_bytes

CHEAP = ("--weights", "none", "--facets", "content", "--quiet")
GONE = "disc/disc_0.jpg"  # the image the tests take out of the collection or put back


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A collection of 9 pictures, a work folder where they are embedded (nothing else), and the
    site a build of them makes (the reference a resumed build must equal)."""
    root = tmp_path_factory.mktemp("safety")
    coll = pattern_collection(root / "coll", per_kind=3)
    assert run_build("embed", "--collection", coll, "--work-dir", root / "embedded", *CHEAP) == 0
    shutil.copytree(root / "embedded", root / "wref")
    assert run_build("--collection", coll, "--out", root / "ref", "--work-dir", root / "wref", *CHEAP) == 0
    return SimpleNamespace(root=root, coll=coll, embedded=root / "embedded", ref=root / "ref")


def setup(base, tmp_path) -> SimpleNamespace:
    """A copy of the collection and of the embedded work folder: builds of it need no model."""
    coll = shutil.copytree(base.coll, tmp_path / "coll")
    work = shutil.copytree(base.embedded, tmp_path / "work")
    return SimpleNamespace(coll=coll, work=work, out=tmp_path / "site")


def build(s, *extra) -> int:
    return run_build("--collection", s.coll, "--out", s.out, "--work-dir", s.work, *CHEAP, *extra)


def image_id(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def everything(folder: Path) -> dict[str, bytes]:
    """Every file under folder, hidden ones and Pagefind's included: for 'exactly as it was'."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- ownership: the site's record, not names ------------------------------------------------------

def test_a_new_work_folder_deletes_none_of_the_users_files(base, tmp_path, capsys):
    """Was: after `.lookalike/` was deleted, the next build took every file under static/ and
    pagefind/ (names like ours) for its own and deleted them, saying nothing."""
    s = setup(base, tmp_path)
    assert build(s) == 0
    mine = {"static/mine.css": b"body { color: teal }", "pagefind/notes.txt": b"my notes",
            "thumbs/README.txt": b"thumbnails", "CNAME": b"pictures.example.org"}
    shard = sorted((s.out / "image").iterdir())[0].name
    mine[f"image/{shard}/my-page.html"] = b"<p>mine</p>"
    for rel, data in mine.items():
        (s.out / rel).write_bytes(data)
    gone = image_id(s.coll / GONE)
    (s.coll / GONE).unlink()
    shutil.rmtree(s.work)  # as the README suggests, to reclaim space
    capsys.readouterr()
    assert build(s) == 0
    said = capsys.readouterr().out
    assert {rel: (s.out / rel).read_bytes() for rel in mine} == mine
    for rel in (thumb_path(gone), page_path(gone)):  # what the build wrote for the image that left
        assert not (s.out / rel).exists()
    removed = re.search(r"removed (\d+) file\(s\) an earlier build wrote and this one did not: (.*)", said)
    assert removed, said
    named = removed.group(2).split(", ")
    assert int(removed.group(1)) == len(named) and thumb_path(gone) in named and page_path(gone) in named
    assert not set(named) & set(mine)


def test_force_never_overwrites_a_foreign_file(base, tmp_path, capsys):
    """Was: --force wrote Lookalike's index.html, static/style.css and favicon.png over the
    user's own, while the README promised that nothing there is deleted."""
    s = setup(base, tmp_path)
    s.work = tmp_path / "new-work"
    theirs = {"index.html": b"<h1>My thesis</h1>", "static/style.css": b"h1 { font: serif }",
              "favicon.png": b"\x89PNG mine", "README.md": b"# mine"}
    for rel, data in theirs.items():
        (s.out / rel).parent.mkdir(parents=True, exist_ok=True)
        (s.out / rel).write_bytes(data)
    capsys.readouterr()
    assert build(s, "--force") == 2
    err = capsys.readouterr().err
    assert "--force: the output folder" in err and "Lookalike did not write them: favicon.png, index.html, " \
        "static/style.css. Nothing was written" in err, err
    assert "README.md" not in err
    assert everything(s.out) == theirs  # not a byte written there, not even the journal
    assert not list(s.work.rglob("manifest.json"))  # stopped before any work


def test_force_writes_beside_other_files_and_never_touches_them(base, tmp_path):
    s = setup(base, tmp_path)
    theirs = {"README.md": b"# mine", "CNAME": b"pictures.example.org", "static/logo.png": b"PNG",
              ".nojekyll": b""}
    for rel, data in theirs.items():
        (s.out / rel).parent.mkdir(parents=True, exist_ok=True)
        (s.out / rel).write_bytes(data)
    assert build(s) == 2  # not ours, and no --force
    assert build(s, "--force") == 0
    assert (s.out / "index.html").is_file()
    (s.coll / GONE).unlink()
    assert build(s) == 0  # the record makes it ours now: no --force needed
    assert {rel: (s.out / rel).read_bytes() for rel in theirs} == theirs


def test_a_stale_file_edited_since_it_was_written_is_kept_and_named(base, tmp_path, capsys):
    s = setup(base, tmp_path)
    assert build(s) == 0
    gone = image_id(s.coll / GONE)
    page = s.out / page_path(gone)
    page.write_text(page.read_text() + "<!-- my notes -->")
    (s.coll / GONE).unlink()
    capsys.readouterr()
    assert build(s) == 0
    said = capsys.readouterr().out
    assert page.read_text().endswith("<!-- my notes -->")
    assert f"kept 1 file(s) an earlier build wrote, as they were edited since or lie behind a link (they are " \
           f"yours now): " \
           f"{page_path(gone)}" in said
    assert not (s.out / thumb_path(gone)).exists() and thumb_path(gone) in said
    assert build(s) == 0 and page.read_text().endswith("<!-- my notes -->")  # and in every build after


def test_a_file_of_the_users_where_a_new_page_goes_stops_the_build_and_the_site_stays(base, tmp_path, capsys):
    s = setup(base, tmp_path)
    back = s.coll / GONE
    kept = back.read_bytes()
    back.unlink()
    assert build(s) == 0
    back.write_bytes(kept)  # the picture comes back; the user had put a file where its page goes
    theirs = s.out / page_path(image_id(back))
    theirs.parent.mkdir(parents=True, exist_ok=True)
    theirs.write_text("<p>mine</p>")
    before = everything(s.out)
    capsys.readouterr()
    assert build(s) == 2
    err = capsys.readouterr().err
    assert f"{theirs} is there already and Lookalike did not write it" in err and "Nothing was overwritten" in err
    assert everything(s.out) == before  # the new thumbnail, the new index.html: all undone


# --- a full disk, a read-only folder -------------------------------------------------------------

def _fd_path(fd: int) -> str:
    return os.readlink(f"/proc/self/fd/{fd}")


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="names an open file through /proc (Linux)")
@pytest.mark.parametrize("where", ["journal", "/thumbs/", "/image/", "index.html", RECORD, "atlas.json", "pages.json"])
def test_a_full_disk_names_the_file_and_leaves_the_last_site_as_it_was(base, tmp_path, capsys, monkeypatch, where):
    """Was: `unexpected error: OSError [Errno 28]` with no path, and pages linking to pages
    never written. The disk fills at the first write of: the journal, a new thumbnail, a page,
    index.html, the site's record, the work folder's atlas record (before the site is
    committed), its page memo (after: the new site is then whole)."""
    s, same = _grown(base, tmp_path / "a"), _grown(base, tmp_path / "b")  # the same history, twice
    before = everything(s.out)
    real, hit = files._write_all, []

    def full(fd, data):
        path = _fd_path(fd)
        if where in path:
            hit.append(path)
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, data)

    monkeypatch.setattr(files, "_write_all", full)
    capsys.readouterr()
    assert build(s, "--title", "After") == 1
    err = capsys.readouterr().err
    assert hit, f"no write to {where}"
    named = re.search(r"could not write (\S+): the disk is full \(no space left on device\); free some space", err)
    assert named, err
    assert where.strip("/") in named.group(1) and ".lookalike-tmp" not in named.group(1)
    assert "unexpected" not in err
    if where == "pages.json":
        assert f"The site in {s.out} was written in full, but not the work folder's record of it" in err
        assert everything(s.out) != before and not list(s.out.rglob("*.lookalike-tmp"))
    else:
        assert f"Nothing in {s.out} was changed: the last site is as it was" in err
        assert everything(s.out) == before
    monkeypatch.setattr(files, "_write_all", real)
    assert build(s, "--title", "After") == 0  # room again: the same command finishes it
    assert build(same, "--title", "After") == 0
    assert site_bytes(s.out) == site_bytes(same.out)


def _grown(base, tmp_path):
    """A site of 8 pictures titled "Before"; then the 9th comes back (a build titled "After"
    writes new files, and replaces every page)."""
    s = setup(base, tmp_path)
    back = s.coll / GONE
    kept = back.read_bytes()
    back.unlink()
    assert build(s, "--title", "Before") == 0
    back.write_bytes(kept)
    return s


@pytest.mark.parametrize("code,words", [(errno.EROFS, "the file system is read-only"),
                                        (errno.EACCES, "permission denied; make the folder writable")])
def test_a_read_only_output_folder_names_it_and_an_unchanged_rebuild_still_works(base, tmp_path, capsys,
                                                                                monkeypatch, code, words):
    """Mocked: the tests run as root, whom a chmod does not stop (the next test does it for real)."""
    s = setup(base, tmp_path)
    assert build(s) == 0
    before = everything(s.out)
    real = files._open

    def refuse(path, flags):
        if str(path).startswith(str(s.out)):
            raise OSError(code, os.strerror(code), str(path))
        return real(path, flags)

    monkeypatch.setattr(files, "_open", refuse)
    assert build(s) == 0  # nothing to change: nothing written
    capsys.readouterr()
    assert build(s, "--title", "Another") == 1
    err = capsys.readouterr().err
    assert f"could not write {s.out}{os.sep}" in err and words in err and "unexpected" not in err, err
    assert everything(s.out) == before


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True,
                    reason="root writes into a folder whatever its mode (the mocked test above covers it)")
def test_a_read_only_output_folder_for_real(base, tmp_path, capsys):
    s = setup(base, tmp_path)
    assert build(s) == 0
    before = everything(s.out)
    folders = [s.out] + [p for p in s.out.rglob("*") if p.is_dir()]
    for d in folders:
        d.chmod(0o555)
    try:
        capsys.readouterr()
        assert build(s, "--title", "Another") == 1
        err = capsys.readouterr().err
        assert "permission denied" in err and str(s.out) in err
        assert everything(s.out) == before
    finally:
        for d in folders:
            d.chmod(0o755)


# --- stopped builds resume --------------------------------------------------------------------------

STOPPER = """
import os, signal, sys, threading, time
sys.path.insert(0, {repo!r})
stage, sig, nth = sys.argv[1], getattr(signal, sys.argv[2]), int(sys.argv[3])
calls = [0]

def stop():
    calls[0] += 1
    if calls[0] == nth:
        os.kill(os.getpid(), sig)
        if threading.current_thread() is threading.main_thread():
            time.sleep(10)  # the signal arrives here

def wrap(owner, name, after=False):
    real = getattr(owner, name)
    def stopped(*a, **k):
        if not after:
            stop()
        result = real(*a, **k)
        if after:
            stop()
        return result
    setattr(owner, name, stopped)

if stage == "embed":  # after some vectors were committed, while others are being computed
    import core.commit_group
    real_touched = core.commit_group.CommitGroup.touched
    def touched(self, pending):
        real_touched(self, pending)
        if calls[0] + 1 == nth:
            self.flush()
        stop()
    core.commit_group.CommitGroup.touched = touched
elif stage == "layout":  # neighbours found, the map being made
    import layout.stage
    wrap(layout.stage, "_map")
else:  # half-way through writing the site
    import render.output
    wrap(render.output.SiteFiles, "put")
import build
sys.exit(build.main(sys.argv[4:]))
"""


@pytest.mark.parametrize("stage,nth", [("embed", 3), ("layout", 1), ("render", 30)])
@pytest.mark.parametrize("sig", ["SIGKILL", "SIGINT"])
def test_a_build_stopped_in_any_stage_resumes_with_the_same_command(base, tmp_path, stage, nth, sig):
    """Was: stopped during its first render, a build said "run the same command to resume", and
    that command refused the folder as "not made by Lookalike". The stop is a real signal to a
    real process, sent from inside it at a chosen point of the stage; the first build of a site."""
    s = setup(base, tmp_path)
    if stage == "embed":
        s.work = tmp_path / "new-work"  # nothing embedded yet: the model runs
    argv = ["--collection", s.coll, "--out", s.out, "--work-dir", s.work, *CHEAP]
    script = tmp_path / "stopper.py"
    script.write_text(STOPPER.format(repo=str(REPO)))
    run = subprocess.run([sys.executable, str(script), stage, sig, str(nth), *map(str, argv)],
                         capture_output=True, text=True, timeout=300, preexec_fn=sigint_as_usual)
    if sig == "SIGKILL":
        assert run.returncode == -signal.SIGKILL, run.stderr[-2000:]
    else:
        assert run.returncode == 130 and "run the same command to resume" in run.stderr, run.stderr[-2000:]
    assert run_build(*argv) == 0
    assert site_bytes(s.out) == site_bytes(base.ref)
    assert not (s.out / JOURNAL).exists() and not list(s.out.rglob("*.lookalike-tmp"))


def test_a_folder_of_the_site_turned_into_a_link_is_neither_written_through_nor_emptied(base, tmp_path, capsys):
    """A stale file is removed, a file written, only inside the output folder: a link put in
    place of one of its folders (to the user's documents, say) is not followed."""
    s = setup(base, tmp_path)
    assert build(s) == 0
    elsewhere = tmp_path / "documents"
    shutil.copytree(s.out / "thumbs", elsewhere)  # byte for byte what the record lists
    shutil.rmtree(s.out / "thumbs")
    (s.out / "thumbs").symlink_to(elsewhere)
    before = everything(elsewhere)
    gone = image_id(s.coll / GONE)
    (s.coll / GONE).unlink()  # its thumbnail is now stale, and lies behind the link
    capsys.readouterr()
    assert build(s) == 0
    assert f"lie behind a link (they are yours now): {thumb_path(gone)}" in capsys.readouterr().out
    assert everything(elsewhere) == before
    lost = sorted(before)[0]
    (elsewhere / lost).unlink()  # a thumbnail to write again, behind the link
    before = everything(elsewhere)
    assert build(s) == 2
    assert f"{s.out}/thumbs/{lost.split('/')[0]} is a link out of the output folder" in capsys.readouterr().err
    assert everything(elsewhere) == before


def test_a_record_naming_files_outside_the_site_removes_none_of_them(tmp_path):
    """A site folder from elsewhere whose record lists ../victim.txt and an absolute path, with
    their right digests: only the site's own paths are ever considered."""
    from render.sitefiles import SiteFiles, digest

    out, victim = tmp_path / "site", tmp_path / "victim.txt"
    out.mkdir()
    victim.write_text("precious")
    (out / RECORD).write_text('{"files": {"../victim.txt": "%s", "%s": "%s", "a//b": "x"}}'
                              % (digest(b"precious"), victim, digest(b"precious")))
    site = SiteFiles(out)
    site.put("index.html", "hi")
    assert site.finish() == ([], [])
    assert victim.read_text() == "precious"


def test_a_journal_line_cut_short_loses_no_later_line(tmp_path):
    from render.sitefiles import SiteFiles, read_record

    out = tmp_path / "site"
    out.mkdir()
    (out / JOURNAL).write_text('["a.html", "0123')  # the line a kill cut short
    site = SiteFiles(out)
    site.put("b.html", "b")
    site.abort()  # the journal was there before: it stays, and says what this build wrote
    assert set(read_record(out)) == {"b.html"} and not (out / "b.html").exists()
