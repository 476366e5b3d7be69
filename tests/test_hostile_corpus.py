"""A collection of every odd file an archive holds, built once with the real weights.

Promise to users: no crash, no lost image. Every readable image has its page,
upright, with its real size; every file left out is in the summary, the
--report JSON and the manifest with a plain reason; --strict exits 1 then.
The corpus is made by tests/corpus.py (nothing downloaded).
"""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest
from markupsafe import escape
from PIL import Image

from render.linkcheck import broken_links
from render.urls import media_path, page_path, thumb_path
from tests.conftest import REPO, read_points, run_build
from tests.corpus import Case, make_corpus

THUMB, DISPLAY = 256, 1024  # the defaults of site.toml ([images])


class PipeWatch:
    """Notices if anyone opens the named pipe for reading, and unblocks them (never hang)."""

    def __init__(self, fifo: Path):
        self.fifo, self.opened, self._stop = fifo, False, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(0.2):
            try:  # succeeds only while a reader has it open
                fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                continue
            self.opened = True
            os.close(fd)  # the reader gets end-of-file instead of waiting forever

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _build(coll, out, work, report, *extra):
    stdout = io.StringIO()
    with redirect_stdout(stdout):
        rc = run_build("--collection", coll, "--out", out, "--work-dir", work, "--report", report, "--quiet", *extra)
    return rc, stdout.getvalue()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    coll = root / "coll"
    cases = make_corpus(coll)
    out, work = root / "site", root / "work"
    with PipeWatch(coll / "special" / "pipe.jpg") as watch:
        rc, stdout = _build(coll, out, work, root / "report.json")
        rc_strict, stdout_strict = _build(coll, out, work, root / "report2.json", "--strict")
        rc_orig, stdout_orig = _build(coll, root / "site-originals", work, root / "report3.json", "--copy-originals")
    manifest = json.loads(next((work / "builds").glob("*/manifest.json")).read_text(encoding="utf-8"))
    return {
        "cases": cases, "coll": coll, "out": out, "rc": rc, "stdout": stdout, "pipe_opened": watch.opened,
        "rc_strict": rc_strict, "stdout_strict": stdout_strict, "rc_orig": rc_orig,
        "out_orig": root / "site-originals",
        "report": json.loads((root / "report.json").read_text(encoding="utf-8")),
        "report2": json.loads((root / "report2.json").read_text(encoding="utf-8")),
        "manifest": manifest, "by_path": {im["path"]: im for im in manifest["images"]},
    }


def of_kind(built, kind: str) -> list[Case]:
    return [c for c in built["cases"].values() if c.expect == kind and not c.extra.get("pending")]


def _ids(cases):
    return [c.path for c in cases]


# --- the build as a whole --------------------------------------------------------

@pytest.mark.slow
def test_build_exits_0_and_strict_exits_1(built):
    assert built["rc"] == 0, built["stdout"]
    assert built["rc_strict"] == 1
    assert built["report"]["images"] == len(built["manifest"]["images"]) > 40


@pytest.mark.slow
def test_the_named_pipe_was_never_opened(built):
    assert not built["pipe_opened"], "the build opened special/pipe.jpg (it would hang without a writer)"


@pytest.mark.slow
def test_every_file_is_accounted_for_exactly_once(built):
    """Images, their identical copies, skipped and left-out entries cover the corpus, no more, no less."""
    r, m = built["report"], built["manifest"]
    seen = [im["path"] for im in m["images"]] + [p for im in m["images"] for p in im["also"]]
    seen += [s["path"] for s in r["skipped"]] + list(r["ignored"])
    expected = [c.path for c in built["cases"].values() if c.expect != "absent"]
    assert sorted(seen) == sorted(expected)
    assert len(set(seen)) == len(seen)
    for case in built["cases"].values():
        if case.expect == "absent":
            assert case.path not in seen


@pytest.mark.slow
def test_report_manifest_and_rerun_agree(built):
    r, r2, m = built["report"], built["report2"], built["manifest"]
    assert r["skipped"] == m["skipped"] == r2["skipped"]  # cached errors give the same reasons
    assert r["ignored"] == m["ignored"] == r2["ignored"]
    pending = [c for c in built["cases"].values() if c.extra.get("pending")]
    assert r2["decoded"] <= len(pending) and r2["embedded"] == 0  # a warm rebuild decodes nothing
    assert "--strict: " not in built["stdout"]


@pytest.mark.slow
def test_all_links_resolve(built):
    assert broken_links(built["out"]) == []


@pytest.mark.slow
def test_copy_originals_survives_the_corpus(built):
    assert built["rc_orig"] == 0
    assert broken_links(built["out_orig"]) == []
    originals = list((built["out_orig"] / "originals").glob("*/*"))
    assert len(originals) == len(built["manifest"]["images"])


# --- readable images: a page each, upright, right size and colours ----------------

def _pixel(img: Image.Image, fx: float, fy: float) -> np.ndarray:
    arr = np.asarray(img.convert("RGB"), dtype=int)
    h, w = arr.shape[:2]
    return arr[min(h - 1, int(h * fy)), min(w - 1, int(w * fx))]


def _close(got, want, tol=60) -> bool:
    return bool(np.abs(np.asarray(got) - np.asarray(want)).max() <= tol)


@pytest.mark.slow
def test_every_readable_image_has_its_page(built):
    out, by_path = built["out"], built["by_path"]
    problems = []
    for case in of_kind(built, "image"):
        im = by_path.get(case.path)
        if im is None:
            reason = {s["path"]: s["reason"] for s in built["report"]["skipped"]}.get(case.path, "missing")
            problems.append(f"{case.path}: not in the site ({reason})")
            continue
        page = out / page_path(im["id"])
        html = page.read_text(encoding="utf-8")
        if str(escape(case.path)) not in html:
            problems.append(f"{case.path}: the page does not name the file")
        w, h = case.size
        if (im["width"], im["height"]) != (w, h) or f"{w} &times; {h} px" not in html:
            problems.append(f"{case.path}: size on the page is {im['width']} x {im['height']}, expected {w} x {h}")
    assert problems == []


@pytest.mark.slow
def test_thumbnails_and_display_copies_are_upright_and_valid(built):
    out, by_path = built["out"], built["by_path"]
    problems = []
    for case in of_kind(built, "image"):
        im = by_path.get(case.path)
        if im is None:
            continue  # reported by test_every_readable_image_has_its_page
        w, h = case.size
        shown = out / media_path(im["id"])  # a display copy only where it differs from the thumbnail
        for folder, path, longest in (("thumbs", out / thumb_path(im["id"]), THUMB), ("media", shown, DISPLAY)):
            if folder == "media" and not path.exists():
                continue
            with Image.open(path) as pic:
                pic.load()
            pw, ph = pic.size
            if min(pw, ph) < 1 or max(pw, ph) > longest or pic.format != "JPEG":
                problems.append(f"{case.path}: {folder} copy is {pw} x {ph} {pic.format}")
            if max(w, h) >= 4 and (pw > ph) != (w > h) and pw != ph:
                problems.append(f"{case.path}: {folder} copy is {pw} x {ph}, not upright like {w} x {h}")
            if case.top is not None and not _close(_pixel(pic, 0.5, 0.04), case.top):
                problems.append(f"{case.path}: {folder} top is {_pixel(pic, 0.5, 0.04)}, expected {case.top}")
            if case.centre is not None and not _close(_pixel(pic, 0.5, 0.75 if case.top else 0.5), case.centre):
                problems.append(f"{case.path}: {folder} lower part is {_pixel(pic, 0.5, 0.75)}, expected {case.centre}")
    assert problems == []


@pytest.mark.slow
def test_exif_rotated_photo_is_upright_on_its_page(built):
    im = built["by_path"]["orient/rotated-6.jpg"]
    html = (built["out"] / page_path(im["id"])).read_text(encoding="utf-8")
    assert (im["width"], im["height"]) == (80, 60)
    assert re.search(r'<img src="\.\./\.\./thumbs/[0-9a-f]{2}/[0-9a-f]{12}\.jpg"[^>]* width="320" height="240"', html)
    # 80 x 60, x4; the thumbnail is that very picture, so no display copy is published beside it
    assert "80 &times; 60 px" in html


@pytest.mark.slow
def test_file_names_are_escaped_never_markup(built):
    for page in built["out"].rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script>alert(1)" not in text, page
    js = (built["out"] / "data" / "points.js").read_text(encoding="utf-8")
    assert "</script>" not in js


@pytest.mark.slow
def test_same_name_in_two_folders_are_two_pages(built):
    one, two = built["by_path"]["dupes/one/img.jpg"], built["by_path"]["dupes/two/img.jpg"]
    assert one["id"] != two["id"]
    assert (built["out"] / page_path(one["id"])).is_file()
    assert (built["out"] / page_path(two["id"])).is_file()


@pytest.mark.slow
def test_unicode_names_keep_their_form(built):
    nfc, nfd = "names/caf\u00e9.jpg", "names/cafe\u0301.jpg"
    assert nfc in built["by_path"] and nfd in built["by_path"]
    assert built["by_path"][nfc]["id"] != built["by_path"][nfd]["id"]
    assert "names/\U0001f3a8 palette.jpg" in built["by_path"]


@pytest.mark.slow
def test_extreme_shapes_have_real_thumbnails_and_map_aspect(built):
    pts = read_points(built["out"])
    ids = pts["ids"]
    for path in ("shapes/strip-1x5000.png", "shapes/strip-5000x1.png", "shapes/1x1.png"):
        im = built["by_path"][path]
        i = ids.index(im["id"])
        with Image.open(built["out"] / thumb_path(im["id"])) as t:
            assert min(t.size) >= 1 and max(t.size) == (1 if path.endswith("1x1.png") else THUMB)
        assert np.isfinite(pts["facets"]["content"]["xy"][2 * i])


@pytest.mark.slow
def test_map_aspect_of_a_thin_strip_is_not_zero(built):
    pts = read_points(built["out"])
    i = pts["ids"].index(built["by_path"]["shapes/strip-1x5000.png"]["id"])
    assert pts["aspect"][i] > 0


@pytest.mark.slow
def test_file_name_that_is_not_utf8_is_in_the_site(built):
    path = "names/caf\\xe9-latin1.jpg"  # shown with the undecodable byte spelled out
    assert path in built["by_path"], {s["path"]: s["reason"] for s in built["report"]["skipped"]}.get(path)
    im = built["by_path"][path]
    assert (im["width"], im["height"]) == (33, 22)
    assert str(escape(path)) in (built["out"] / page_path(im["id"])).read_text(encoding="utf-8")


# --- what is left out, and why ------------------------------------------------------

@pytest.mark.slow
def test_skipped_files_have_plain_reasons_everywhere(built):
    r, m, stdout = built["report"], built["manifest"], built["stdout"]
    reasons = {s["path"]: s["reason"] for s in r["skipped"]}
    assert reasons == {s["path"]: s["reason"] for s in m["skipped"]}
    problems = []
    for case in of_kind(built, "skipped"):
        reason = reasons.get(case.path)
        if reason is None:
            problems.append(f"{case.path}: not reported as skipped")
        elif not re.search(case.reason, reason):
            problems.append(f"{case.path}: reason {reason!r} does not match {case.reason!r}")
        elif f"    {case.path}: {reason}" not in stdout:
            problems.append(f"{case.path}: not in the printed summary")
        if reason and ("Traceback" in reason or "unexpected error" in reason or "Errno" in reason):
            problems.append(f"{case.path}: reason is not plain language: {reason!r}")
    assert problems == []
    assert f"skipped {len(r['skipped'])} files:" in stdout


@pytest.mark.slow
def test_identical_files_are_one_image_with_both_names(built):
    dups = {d["path"]: d["same_as"] for d in built["report"]["duplicates"]}
    for case in of_kind(built, "duplicate"):
        assert case.path in dups.get(case.same_as, []), (case.path, dups)
        im = built["by_path"][case.same_as]
        html = (built["out"] / page_path(im["id"])).read_text(encoding="utf-8")
        assert f"<dt>Also as</dt><dd><bdi>{escape(case.path)}</bdi></dd>" in html
        assert f"{case.same_as} = " in built["stdout"]


@pytest.mark.slow
def test_hidden_and_system_entries_are_listed_as_left_out(built):
    ignored = built["report"]["ignored"]
    for case in of_kind(built, "ignored"):
        assert case.path in ignored
    for case in of_kind(built, "absent"):
        assert not any(case.path in json.dumps(v) for v in (built["report"], built["manifest"]))
    assert "left out (not images, hidden or system files): " in built["stdout"]


# --- permission denied, honestly, even when the tests run as root --------------------

def test_unreadable_file_is_reported_not_fatal(tmp_path):
    """chmod 000 stops nobody as root, so the check runs in a child process without the
    capability that lets root read anything (setpriv); as a normal user, directly."""
    coll = tmp_path / "c"
    coll.mkdir()
    Image.new("RGB", (20, 20), (200, 10, 10)).save(coll / "ok.png")
    Image.new("RGB", (20, 20), (10, 200, 10)).save(coll / "locked.png")
    (coll / "locked-dir").mkdir()
    Image.new("RGB", (20, 20), (10, 10, 200)).save(coll / "locked-dir" / "inside.png")
    os.chmod(coll / "locked.png", 0)
    os.chmod(coll / "locked-dir", 0)
    code = ("import json, sys\nfrom embed.collection import scan\ns = scan(sys.argv[1])\n"
            "print(json.dumps({'images': [c.path for c in s.candidates], 'skipped': s.skipped}))")
    cmd = [sys.executable, "-c", code, str(coll)]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root, where chmod 000 does not stop reading, and setpriv is not installed")
        cmd = [setpriv, "--bounding-set=-dac_override,-dac_read_search", *cmd]
    try:
        res = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=60)
    finally:
        os.chmod(coll / "locked-dir", 0o755)
    if res.returncode != 0 and "setpriv" in res.stderr:
        pytest.skip(f"cannot drop root's read-anything capability here: {res.stderr.strip()}")
    assert res.returncode == 0, res.stderr
    got = json.loads(res.stdout)
    assert got["images"] == ["ok.png"]
    assert got["skipped"] == [
        {"path": "locked-dir/", "reason": "cannot open folder: permission denied"},
        {"path": "locked.png", "reason": "cannot read file: permission denied (check the file's permissions)"},
    ]
