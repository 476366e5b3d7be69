"""A collection that grows keeps its map (issue #12 part 4), measured on real flower photos:
embed and layout run alone, as a user adding a batch of scans would, and the work folder's
coordinates are compared row by row through the image ids of the manifest."""
import json
import shutil

import numpy as np
import pytest

from tests.conftest import run_build, shared_data

pytestmark = pytest.mark.slow
OLD_PER_CLASS, NEW_PER_CLASS = 15, 3


def _coords(work):
    """{sha256: (x, y)} of the content map, and {sha256: label} from the folder names."""
    build = next((work / "builds").iterdir())
    images = json.loads((build / "manifest.json").read_text())["images"]
    coords = np.load(build / "coords" / "content.npy")
    return ({im["sha256"]: coords[i] for i, im in enumerate(images)},
            {im["sha256"]: im["path"].split("/")[0] for im in images}, build)


def _stages(coll, work, report, *extra):
    where = ["--collection", coll, "--work-dir", work, "--quiet"]
    assert run_build("embed", *where, "--facets", "content") == 0
    assert run_build("layout", *where, "--report", report, *extra) == 0
    return json.loads(report.read_text())


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    flowers = shared_data("flowers")
    root = tmp_path_factory.mktemp("grow")
    coll, work = root / "flowers", root / "work"
    batches = {}
    for kind in sorted(p for p in flowers.iterdir() if p.is_dir()):
        files = sorted(kind.iterdir())[:OLD_PER_CLASS + NEW_PER_CLASS]
        batches.setdefault("old", []).extend(files[:OLD_PER_CLASS])
        batches.setdefault("new", []).extend(files[OLD_PER_CLASS:])
    for f in batches["old"]:
        (coll / f.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copy(f, coll / f.parent.name / f.name)
    first = _stages(coll, work, root / "first.json")
    before, _, _ = _coords(work)
    for f in batches["new"]:
        shutil.copy(f, coll / f.parent.name / f.name)
    second = _stages(coll, work, root / "second.json")
    after, labels, build = _coords(work)
    # what a fresh layout of the grown collection gives: the same work folder without its map
    fresh_work = root / "fresh"
    shutil.copytree(work, fresh_work)
    fresh_build = next((fresh_work / "builds").iterdir())
    for gone in ("coords", "layout"):
        shutil.rmtree(fresh_build / gone)
    _stages(coll, fresh_work, root / "fresh.json")
    relayout = _stages(coll, work, root / "relayout.json", "--relayout")
    again = _stages(coll, work, root / "again.json")  # nothing changed since
    return dict(first=first, second=second, relayout=relayout, again=again, before=before, after=after,
                labels=labels, build=build, fresh_build=fresh_build)


def test_the_report_says_the_new_images_were_placed_into_the_map(grown):
    assert grown["first"]["map"]["content"]["how"] == "t-SNE"
    old, new = 5 * OLD_PER_CLASS, 5 * NEW_PER_CLASS
    assert grown["second"]["map"]["content"] == {"how": "placed", "placed": new, "kept": old, "removed": 0}


def test_old_images_keep_their_coordinates(grown):
    before, after = grown["before"], grown["after"]
    assert len(after) == len(before) + 5 * NEW_PER_CLASS
    assert all(np.array_equal(after[sha], xy) for sha, xy in before.items())


def test_new_images_land_near_their_neighbours(grown):
    """Each new photo's nearest old photos on the map are mostly of its own kind, about as often
    as for the old photos themselves, and its nearest neighbours in feature space are close by."""
    after, labels, before = grown["after"], grown["labels"], grown["before"]
    old = sorted(before)
    new = sorted(set(after) - set(before))
    old_xy = np.array([after[s] for s in old])
    span = np.linalg.norm(old_xy.max(axis=0) - old_xy.min(axis=0))

    def same_kind(sha, exclude_self):
        d = np.linalg.norm(old_xy - after[sha], axis=1)
        near = [old[i] for i in np.argsort(d)[int(exclude_self):int(exclude_self) + 3]]
        return np.mean([labels[n] == labels[sha] for n in near])

    new_rate = np.mean([same_kind(s, False) for s in new])
    old_rate = np.mean([same_kind(s, True) for s in old])
    assert new_rate >= 0.8 * old_rate and new_rate > 0.5, (new_rate, old_rate)  # chance is 0.2
    rows = json.loads((grown["build"] / "manifest.json").read_text())["images"]
    row_of = {im["sha256"]: i for i, im in enumerate(rows)}
    neighbours = np.load(grown["build"] / "neighbours" / "content.npy")
    sha_of = [im["sha256"] for im in rows]
    dists = [np.median([np.linalg.norm(after[sha_of[j]] - after[s]) for j in neighbours[row_of[s]][:5]])
             for s in new]
    assert np.median(dists) < 0.2 * span, (np.median(dists), span)


def test_relayout_lays_out_afresh_as_a_first_build_would(grown):
    assert grown["relayout"]["map"]["content"]["how"] == "t-SNE"
    assert any("--relayout" in n for n in grown["relayout"]["notes"])
    # the next build reuses that map and says so, not that it was laid out afresh once more
    assert grown["again"]["map"]["content"]["how"] == "cached"
    assert not any("afresh" in n for n in grown["again"]["notes"]), grown["again"]["notes"]
    ours = np.load(grown["build"] / "coords" / "content.npy")
    fresh = np.load(grown["fresh_build"] / "coords" / "content.npy")
    assert np.array_equal(ours, fresh)
    rows = json.loads((grown["build"] / "manifest.json").read_text())["images"]
    placed = np.array([grown["after"][im["sha256"]] for im in rows])
    assert not np.allclose(ours, placed)  # the map did change: it is not the placed one
