"""The Ray engine ([embed] engine = "ray") on a local Ray: the same vectors and the same
site as the local engine, and a killed job resumes with only what is missing."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from core.feature_store import FeatureCache
from tests.conftest import REPO, shared_data, sigint_as_usual, site_bytes

pytest.importorskip("ray.data", reason="the Ray engine is optional: pip install -r requirements-ray.txt")
pytestmark = pytest.mark.slow
COUNT = 160


def build(coll, out, work, report, *extra, wait=True):
    cmd = [sys.executable, str(REPO / "build.py"), "--collection", str(coll), "--out", str(out),
           "--work-dir", str(work), "--report", str(report), "--batch-size", "16", *extra]
    if not wait:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=sigint_as_usual)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(Path(report).read_text()), done.stdout


def ray_processes() -> list[str]:
    """Ray's own servers on this machine (none should outlive the build that started them)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv0 = cmdline.read_bytes().split(b"\0")[0].decode(errors="replace")
        except OSError:
            continue
        if argv0.endswith(("/raylet", "/gcs_server")):
            found.append(argv0)
    return found


def site_files(folder: Path) -> dict:
    return site_bytes(folder)


def vectors(work: Path, coll: Path) -> dict:
    from core.workfolder import WorkFolder

    folder = WorkFolder(work).build(coll)
    manifest = folder.read_manifest()
    ids = [im.id for im in manifest.images]
    return {f: (ids, np.asarray(folder.read_features(manifest, f))) for f in manifest.facets}


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """The first COUNT imagen photos, linked (not copied) into a collection folder; generated
    pictures when the real ones are absent, so that the engine is tested everywhere."""
    coll = tmp_path_factory.mktemp("ray") / "photos"
    try:
        src = shared_data("imagen")
    except pytest.skip.Exception:
        from demo.generate import generate

        generate(coll, count=COUNT, seed=5, size=192)
        return coll
    for p in sorted(q for q in src.rglob("*") if q.suffix.lower() in (".jpg", ".jpeg", ".png"))[:COUNT]:
        link = coll / p.relative_to(src)
        link.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, link)  # copies: links out of the collection are skipped (#24)
    return coll


@pytest.fixture(scope="module")
def local_build(photos, tmp_path_factory):
    base = tmp_path_factory.mktemp("local")
    report, _ = build(photos, base / "site", base / "work", base / "r.json", "--engine", "local")
    return base, report


def test_ray_gives_the_local_vectors_and_the_same_site(photos, local_build, tmp_path):
    base, local_report = local_build
    report, out = build(photos, tmp_path / "site", tmp_path / "work", tmp_path / "r.json", "--engine", "ray")
    assert report["embedded"] == local_report["embedded"] == COUNT
    assert report["embed_engine"].startswith("ray (local), 1 model worker on CPU"), report["embed_engine"]
    assert "engine: ray (local)" in out  # the summary names the engine
    assert report["runtime"].split()[0] == local_report["runtime"].split()[0]  # the model workers run it too
    ours, theirs = vectors(tmp_path / "work", photos), vectors(base / "work", photos)
    assert set(ours) == set(theirs) == {"content", "style", "colour"}
    for facet in ours:
        assert ours[facet][0] == theirs[facet][0]  # same rows, same order
        cos = np.sum(ours[facet][1] * theirs[facet][1], axis=1)
        assert cos.min() >= 0.9999, (facet, float(cos.min()))
    mine, local = site_files(tmp_path / "site"), site_files(base / "site")
    assert mine.keys() == local.keys()
    assert [k for k in mine if mine[k] != local[k]] == []


def test_a_killed_ray_job_resumes_with_only_the_missing_images(photos, local_build, tmp_path):
    base, _ = local_build
    work = tmp_path / "work"
    proc = build(photos, tmp_path / "site", work, tmp_path / "r0.json", "--engine", "ray", wait=False)
    stores = sorted(p.name for p in (base / "work" / "cache" / "features").iterdir())  # one per facet
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        found = [len(FeatureCache(work / "cache" / "features" / name)) for name in stores]
        if min(found) >= 32:  # images committed in every store (they commit together)
            break
        time.sleep(0.1)
    assert proc.poll() is None, "the Ray job finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=120)  # returns once nothing the job started holds its output open
    deadline = time.time() + 60  # the local Ray it started goes with it (Ray's fate sharing)
    while time.time() < deadline and ray_processes():
        time.sleep(0.5)
    assert ray_processes() == []
    report, _ = build(photos, tmp_path / "site", work, tmp_path / "r1.json", "--engine", "ray")
    assert 0 < report["embedded"] < COUNT, report["embedded"]  # what was finished was kept
    assert report["cached"] + report["decoded"] == COUNT
    mine, local = site_files(tmp_path / "site"), site_files(base / "site")
    assert [k for k in mine if mine.get(k) != local.get(k)] == [] and mine.keys() == local.keys()
