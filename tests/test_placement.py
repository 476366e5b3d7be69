"""A growing collection keeps its map (issue #12 part 4): old points do not move, new ones
land among their neighbours, and the choice to lay out afresh is made for a stated reason."""
import numpy as np
import pytest

from layout import neighbours as nn
from layout import placement as pl
from layout.projection import graph_size, project

CLUSTERS, OLD, NEW, DIM = 10, 1500, 120, 48
SETTINGS = {"perplexity": 30.0, "seed": 42, "v": 1}


def _clustered(n, seed):
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(7).standard_normal((CLUSTERS, DIM)) * 2.5
    labels = rng.integers(0, CLUSTERS, n)
    x = (centres[labels] + rng.standard_normal((n, DIM))).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True), labels


def _sha(i):
    return f"{i:064x}"


@pytest.fixture(scope="module")
def grown():
    """A map of OLD images; then NEW images arrive among them (rows shuffled) and 30 old ones go."""
    old, old_labels = _clustered(OLD, 1)
    graph = nn.knn_graph(old, graph_size(OLD, 30), seed=42)
    previous = pl.PreviousMap(project(old, 30, 42, graph=graph), [_sha(i) for i in range(OLD)],
                              pl.fingerprints(old), SETTINGS, 0)
    new, new_labels = _clustered(NEW, 2)
    everything = np.concatenate([old, new])
    labels = np.concatenate([old_labels, new_labels])
    ids = np.random.default_rng(3).permutation(np.arange(30, OLD + NEW))  # rows 0-29 are removed
    unit = everything[ids]
    graph = nn.knn_graph(unit, graph_size(len(unit), 30), seed=42)
    decision = pl.decide(previous, [_sha(i) for i in ids], pl.fingerprints(unit), SETTINGS, False, 5)
    coords = pl.place(unit, graph, decision, previous, seed=42, n_jobs=2)
    return dict(previous=previous, ids=ids, unit=unit, graph=graph, decision=decision, coords=coords,
                labels=labels[ids])


def test_old_points_keep_their_coordinates_bit_for_bit(grown):
    d, ids = grown["decision"], grown["ids"]
    assert (d.kept, d.added, d.removed, d.placed) == (OLD - 30, NEW, 30, NEW)
    old = ids < OLD
    assert np.array_equal(grown["coords"][old], grown["previous"].coords[ids[old]])


def test_new_points_land_among_their_own_cluster(grown):
    from scipy.spatial import cKDTree

    coords, labels, old = grown["coords"], grown["labels"], grown["ids"] < OLD
    _, near = cKDTree(coords[old]).query(coords[~old], k=5)
    same = (labels[old][near] == labels[~old][:, None]).mean()
    assert same >= 0.95, same
    # and they sit inside the map, not thrown to its edge
    lo, hi = coords[old].min(axis=0), coords[old].max(axis=0)
    assert np.all((coords[~old] >= lo - 0.05 * (hi - lo)) & (coords[~old] <= hi + 0.05 * (hi - lo)))


def test_placing_is_deterministic(grown):
    again = pl.place(grown["unit"], grown["graph"], grown["decision"], grown["previous"], seed=42, n_jobs=1)
    assert np.array_equal(again, grown["coords"])


def test_removing_images_only_keeps_every_other_point_where_it_was(grown):
    prev = grown["previous"]
    shas = prev.shas[5:]
    unit = np.zeros((len(shas), DIM), np.float32)
    decision = pl.decide(prev, shas, prev.prints[5:], SETTINGS, False, 5)
    assert (decision.kept, decision.added, decision.removed) == (OLD - 5, 0, 5)
    assert np.array_equal(pl.place(unit, None, decision, prev, seed=42), prev.coords[5:])


@pytest.mark.parametrize("change, why", [
    ("relayout", "--relayout"),
    ("settings", "settings changed"),
    ("vectors", "vectors changed"),
    ("too many", "outnumber"),
])
def test_a_fresh_layout_is_chosen_for_a_stated_reason(grown, change, why):
    prev = grown["previous"]
    shas, prints, settings = list(prev.shas), prev.prints.copy(), dict(SETTINGS)
    if change == "settings":
        settings["perplexity"] = 20.0
    if change == "vectors":
        prints[10] += 0.01
    if change == "too many":
        shas = shas[:100] + [_sha(10**6 + i) for i in range(101)]
        prints = np.zeros((len(shas), 2), np.float32)
        prints[:100] = prev.prints[:100]
    decision = pl.decide(prev, shas, prints, settings, change == "relayout", 5)
    assert decision.old_of_row is None and why in decision.why_afresh


def test_without_an_earlier_map_the_first_layout_needs_no_reason():
    decision = pl.decide(None, [_sha(1)], np.zeros((1, 2), np.float32), SETTINGS, False, 5)
    assert decision.old_of_row is None and decision.why_afresh == ""


def test_openTSNE_is_not_imported_until_a_map_is_made():
    """openTSNE brings scikit-learn (3 s of imports): a warm build, whose layout is cached, does without."""
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys, build, layout.stage, layout.placement; "
            "print('openTSNE' in sys.modules, 'sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout.split()
    assert out == ["False", "False"]
