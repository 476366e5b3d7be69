import numpy as np
import pytest

from core.log import Log
from layout.projection import normalise, project


def knn_accuracy(xy, labels, k=5):
    d = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    nb = np.argsort(d, axis=1)[:, :k]
    return float(np.mean(labels[nb] == labels[:, None]))


def test_two_blobs_stay_apart():
    rng = np.random.default_rng(0)
    a = rng.normal(0, 1, (60, 20)) + 6
    b = rng.normal(0, 1, (60, 20)) - 6
    x = np.vstack([a, b]).astype(np.float32)
    labels = np.array([0] * 60 + [1] * 60)
    xy = project(x, perplexity=30, seed=1)
    assert xy.shape == (120, 2)
    assert knn_accuracy(xy, labels) > 0.95


def test_seeded_map_is_reproducible():
    x = np.random.default_rng(1).normal(size=(40, 8)).astype(np.float32)
    assert np.array_equal(project(x, 10, 3), project(x, 10, 3))


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 12])
def test_small_collections_get_a_map(n):
    x = np.random.default_rng(n).normal(size=(n, 8)).astype(np.float32)
    log = Log(quiet=True)
    xy = project(x, perplexity=30, seed=0, log=log)
    notes = log.warnings
    assert xy.shape == (n, 2) and np.isfinite(xy).all()
    if n >= 5:
        assert any("lowered" in s for s in notes)
    if n > 1:
        assert len({tuple(p) for p in np.round(xy, 4)}) == n  # distinct positions


def test_normalise_fits_unit_square_keeping_aspect():
    xy = normalise(np.array([[0, 0], [10, 2], [4, 1]], np.float32))
    assert xy.min() >= 0 and xy.max() <= 1
    assert np.isclose(xy[:, 0].max() - xy[:, 0].min(), 1.0)
    assert np.isclose(xy[:, 1].max() - xy[:, 1].min(), 0.2)


def blobs(n_per=80, k=4, dim=32, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, (k, dim)) * 4
    x = np.vstack([c + rng.normal(0, 1, (n_per, dim)) for c in centres]).astype(np.float32)
    return x, np.repeat(np.arange(k), n_per)


def test_reuses_the_neighbour_graph_of_the_layout_stage():
    from layout import neighbours as nn
    from layout.projection import _unit, graph_size

    x, labels = blobs()
    unit = _unit(x)
    graph = nn.knn_graph(unit, graph_size(len(x), 30), seed=2, trees=10)
    xy = project(unit, perplexity=30, seed=2, graph=graph)
    assert knn_accuracy(xy, labels) > 0.95
    exact = nn.knn_graph(_unit(unit), graph_size(len(x), 30), seed=2)  # what project() computes
    assert np.array_equal(project(unit, perplexity=30, seed=2, graph=exact), project(unit, perplexity=30, seed=2))


def test_two_threads_give_the_same_map():
    x, labels = blobs(60, 3)
    one = project(x, perplexity=20, seed=5, n_jobs=1)
    two = project(x, perplexity=20, seed=5, n_jobs=2)
    assert np.array_equal(two, project(x, perplexity=20, seed=5, n_jobs=2))
    assert knn_accuracy(two, labels) > 0.95 and knn_accuracy(one, labels) > 0.95
