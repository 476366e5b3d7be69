import numpy as np
import pytest

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
    notes = []
    xy = project(x, perplexity=30, seed=0, notes=notes)
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
