"""Groups (layout/groups.py, layout/group_step.py): known clusters are found, the same input gives
the same groups, images added keep the groups of the images already there, small collections
get none. No TensorFlow: the map coordinates are generated blobs."""
from __future__ import annotations

import numpy as np
import pytest

from layout import groups as grouping

CENTRES = [(0.1, 0.1), (0.9, 0.1), (0.1, 0.9), (0.9, 0.9), (0.5, 0.5)]


def blobs(per=40, seed=0, spread=0.02):
    """Five tight, far-apart blobs in the unit square; labels 0..4 in row order, shuffled."""
    rng = np.random.default_rng(seed)
    xy = np.concatenate([rng.normal(c, spread, (per, 2)) for c in CENTRES]).astype(np.float32)
    labels = np.repeat(np.arange(len(CENTRES)), per)
    order = rng.permutation(len(xy))
    return xy[order], labels[order]


def test_clear_blobs_are_found_exactly():
    from sklearn.metrics import adjusted_rand_score

    xy, truth = blobs()
    found = grouping.find(xy, grouping.auto_min_size(len(xy)))
    of = found.of[0]
    assert (of >= 0).all(), f"{(of < 0).sum()} images of clear blobs left in no group"
    assert adjusted_rand_score(truth, of) == 1.0
    assert sorted(np.unique(of).tolist()) == [1, 2, 3, 4, 5]
    assert found.strength[0].min() > 0 and found.strength[0].max() <= 1.0


def test_same_input_same_groups():
    xy, _ = blobs(seed=3)
    a, b = grouping.find(xy, 8), grouping.find(xy.copy(), 8)
    for la, lb in zip(a.of + a.strength, b.of + b.strength):
        assert np.array_equal(la, lb)
    assert a.parent == b.parent


def test_sub_groups_inside_a_large_group():
    """A broad group made of two touching blobs splits into two sub-groups at level 1, each inside it."""
    rng = np.random.default_rng(1)
    pair = np.concatenate([rng.normal((0.2, 0.5), 0.02, (100, 2)), rng.normal((0.27, 0.5), 0.02, (100, 2))])
    far = np.concatenate([rng.normal(c, 0.02, (100, 2)) for c in [(0.9, 0.9), (0.9, 0.1), (0.5, 0.1)]])
    xy = np.concatenate([pair, far]).astype(np.float32)
    found = grouping.find(xy, 10)
    assert set(found.of[0][:200].tolist()) == {1}  # the pair is one broad group
    left, right = found.of[1][:100], found.of[1][100:200]
    a, b = np.bincount(left[left >= 0]).argmax(), np.bincount(right[right >= 0]).argmax()
    assert a != b and (left == a).sum() >= 50 and (right == b).sum() >= 50 and (right == a).sum() <= 2
    assert (found.of[1][200:] == -1).all()  # one round blob each: no sub-groups
    for gid, parent in found.parent.items():
        assert set(found.of[0][found.of[1] == gid].tolist()) == {parent}


def test_images_added_keep_their_groups_and_join_their_neighbours():
    xy, truth = blobs(per=40, seed=5)
    ids = [f"{i:012x}" for i in range(len(xy))]
    first = grouping.find(xy, grouping.auto_min_size(len(xy)))
    rng = np.random.default_rng(9)
    new_xy = np.concatenate([rng.normal(c, 0.01, (3, 2)) for c in CENTRES]).astype(np.float32)
    all_xy = np.concatenate([xy, new_xy])
    all_ids = ids + [f"new{i:09d}" for i in range(len(new_xy))]
    kept = grouping.carry(first, ids, all_ids, all_xy)
    assert kept is not None
    assert np.array_equal(kept.of[0][:len(xy)], first.of[0])  # nobody moved
    group_of_centre = {c: first.of[0][truth == c][0] for c in range(len(CENTRES))}
    expected = np.repeat([group_of_centre[c] for c in range(len(CENTRES))], 3)
    assert np.array_equal(kept.of[0][len(xy):], expected)
    assert (kept.strength[0][len(xy):] > 0).all()


def test_too_many_new_images_means_a_fresh_clustering():
    xy, _ = blobs(per=40)
    ids = [f"{i:012x}" for i in range(len(xy))]
    first = grouping.find(xy, 8)
    more = np.concatenate([xy, xy + 0.001])
    assert grouping.carry(first, ids, ids + [f"n{i:011d}" for i in range(len(xy))], more) is None


def test_min_size_rule():
    assert grouping.auto_min_size(100) == 5
    assert grouping.auto_min_size(1000) == 16
    assert grouping.auto_min_size(4317) == 33
    assert grouping.auto_min_size(1000, 40) == 40


def test_face_is_the_medoid_and_anchor_sits_on_a_member():
    v = np.array([[1, 0], [0.9, 0.1], [0.8, 0.2], [0, 1]], np.float32)
    assert grouping.face(np.array([0, 1, 2]), v) == 1
    xy = np.array([[0, 0], [0.5, 0.5], [1, 1], [0.2, 0.9]], np.float32)
    assert grouping.anchor(np.array([0, 1, 2]), xy) == (0.5, 0.5)


@pytest.mark.parametrize("n", [5, 19])
def test_small_collections_get_no_groups(n, tmp_path):
    from tests.test_group_names import fake_step_run
    summary, folder = fake_step_run(tmp_path, n)
    assert summary == {"none": f"fewer than {grouping.SMALL} images"}
    assert not (folder.path / "groups" / "content.json").exists()


def test_the_summary_says_groups_per_facet_and_none_once():
    from core.reports import FacetLayoutReport, LayoutReport
    from core.summary import summary_text, to_json

    facets = [FacetLayoutReport(f, 5, False, None, "annoy", 0) for f in ("content", "style", "colour")]
    facets[0].groups = {"groups": 13, "named": 12, "subgroups": 1, "ungrouped": 196, "images": 960, "how": "kept"}
    facets[1].groups = {"groups": 1, "named": 0, "subgroups": 0, "ungrouped": 0, "images": 960, "how": "clustered"}
    facets[2].groups = {"none": "not for this facet ([groups] facets)"}
    text = summary_text(None, LayoutReport(facets), None)
    assert "groups (content): 13 groups (12 named), 1 sub-group; 196 of 960 images (20%) in no group, " \
           "kept from the last build" in text
    assert "groups (style): 1 group (0 named), 0 sub-groups; 0 of 960 images (0%) in no group\n" in text
    assert "groups (colour)" not in text and "groups: none" not in text
    assert to_json(None, LayoutReport(facets), None, "w")["groups"]["content"]["ungrouped"] == 196
    small = [FacetLayoutReport(f, 5, False, None, "annoy", 0) for f in ("content", "style")]
    for f in small:
        f.groups = {"none": "fewer than 20 images"}
    assert summary_text(None, LayoutReport(small), None).count("groups: none (fewer than 20 images)") == 1


def test_the_layout_stage_writes_groups_for_each_facet_asked(tmp_path, capsys):
    """`build.py layout` on a work folder of 60 images whose vectors form two far-apart clouds (no
    TensorFlow): the content facet gets its two groups, colour (not in [groups] facets) none."""
    import json

    from core.manifest import ImageRecord, Manifest
    from core.workfolder import WorkFolder
    from tests.conftest import run_build

    coll = tmp_path / "c"
    coll.mkdir()
    rng = np.random.default_rng(0)
    recs = [ImageRecord(id=f"{i:012x}", sha256=f"{i:064x}", path=f"{i}.jpg", title=str(i), width=4, height=3,
                        bytes=1) for i in range(60)]
    m = Manifest(collection=str(coll), model="m", images=recs, facets=["content", "colour"],
                 copies={"thumb_size": 256, "display_size": 1024})
    folder = WorkFolder(tmp_path / "w").build(coll)
    folder.write_manifest(m)
    centres = np.eye(2, 16, dtype=np.float32) * 10
    clouds = (centres[np.arange(60) % 2] + rng.normal(0, 0.3, (60, 16))).astype(np.float32)
    for facet in m.facets:
        folder.write_features(m, facet, clouds)
    assert run_build("layout", "--collection", coll, "--work-dir", tmp_path / "w", "--report", tmp_path / "r.json") == 0
    got = folder.read_groups(folder.read_manifest(), "content")
    assert got is not None and [g.size for g in got.groups if g.level == 0] == [30, 30]
    assert len(set(got.of[0][::2].tolist())) == 1 and len(set(got.of[0][1::2].tolist())) == 1
    assert folder.read_groups(folder.read_manifest(), "colour") is None
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["groups"]["content"]["groups"] == 2 and "none" in report["groups"]["colour"]
    said = capsys.readouterr().out
    assert "groups (content): 2 groups (0 named), 0 sub-groups; 0 of 60 images (0%) in no group" in said
