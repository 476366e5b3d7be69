"""A build killed half-way through embedding resumes from the cache and ends with
the same site as an uninterrupted build (real signal, real process)."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.feature_store import FeatureCache
from demo.generate import generate
from tests.conftest import sigint_as_usual, site_bytes

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent


def build_cmd(coll, out, work, report, decode="threads"):
    return [sys.executable, str(REPO / "build.py"), "--collection", str(coll), "--out", str(out),
            "--work-dir", str(work), "--report", str(report), "--batch-size", "8", "--decode", decode]


def children(pid: int) -> set[int]:
    """The live child processes of pid (Linux), e.g. the decode workers of a build."""
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            pass
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def committed_images(features: Path, stores: int) -> int:
    """Images whose vectors are committed in every facet's store (a build commits its stores
    together, core/commit_group.py); 0 until all `stores` exist."""
    found = [len(FeatureCache(p)) for p in features.iterdir()] if features.is_dir() else []
    return min(found) if len(found) == stores else 0


def files(folder: Path) -> dict:
    return site_bytes(folder)


# SIGINT with processes is the same path as with threads in the parent (the decode processes
# ignore SIGINT and are stopped by it); SIGKILL is where processes differ: they must see it.
@pytest.mark.parametrize("sig,decode", [(signal.SIGKILL, "threads"), (signal.SIGINT, "threads"),
                                        (signal.SIGKILL, "processes")])
def test_killed_build_resumes_and_matches(tmp_path, sig, decode):
    coll = tmp_path / "coll"
    generate(coll, count=120, seed=3, size=192)
    work = tmp_path / "work"
    proc = subprocess.Popen(build_cmd(coll, tmp_path / "site", work, tmp_path / "r0.json", decode),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=sigint_as_usual)
    feature_dir = work / "cache" / "features" / "efficientnet_lite0-imagenet-224-centre875"  # content vectors
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        if committed_images(work / "cache" / "features", 4) >= 24:  # content, style, colour, tags
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the build finished before it could be interrupted"
    decoders = children(proc.pid)
    if decode == "processes":
        assert decoders, "no decode processes were started"
    os.kill(proc.pid, sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    deadline = time.time() + 10  # no decode process outlives its build, however it ended
    while time.time() < deadline and any(alive(p) for p in decoders):
        time.sleep(0.1)
    assert not [p for p in decoders if alive(p)]
    if sig == signal.SIGINT:
        assert b"interrupted" in err and b"Traceback" not in err
    # every row the feature stores index is whole (a kill leaves unindexed rows at most)
    import numpy as np
    from PIL import Image

    stores = [FeatureCache(p) for p in (work / "cache" / "features").iterdir()]
    assert stores and len(FeatureCache(feature_dir)) >= 24
    for store in stores:
        v = store.take(np.arange(len(store)))
        assert v.shape[1] in (1280, 1024, 512, 20) and np.isfinite(v).all() and (np.abs(v).sum(axis=1) > 0).all()
    for p in work.rglob("*.jpg"):
        Image.open(p).load()

    subprocess.run(build_cmd(coll, tmp_path / "site", work, tmp_path / "r1.json", decode), check=True,
                   capture_output=True)
    resumed = json.loads((tmp_path / "r1.json").read_text())
    assert 0 < resumed["embedded"] < 120, resumed["embedded"]  # work before the kill was kept

    subprocess.run(build_cmd(coll, tmp_path / "fresh", tmp_path / "work2", tmp_path / "r2.json"), check=True,
                   capture_output=True)
    resumed_files = files(tmp_path / "site")
    fresh_files = files(tmp_path / "fresh")
    differing = [k for k in resumed_files if k in fresh_files and resumed_files[k] != fresh_files[k]]
    assert differing == [], differing  # the pages first: a differing page is the cause, its index the symptom
    assert resumed_files.keys() == fresh_files.keys()
