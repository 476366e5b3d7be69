"""Class-focused similarity (layout/focused.py) against the plain definition, computed by hand."""
import numpy as np

from layout.focused import focused_neighbours, tag_pools


def by_hand(x, w, c, i, k):
    y = x * w[:, c]
    y /= np.linalg.norm(y, axis=1, keepdims=True)
    s = y @ y[i]
    s[i] = -np.inf
    order = np.lexsort((np.arange(len(s)), -s))[:k]
    return order, s[order]


def test_the_weighted_cosine_is_the_definition_and_untagged_rows_get_none():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 16)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    w = rng.normal(size=(16, 5)).astype(np.float32)
    top = rng.integers(-1, 5, 300)
    rows, sims = focused_neighbours(x, top, w, k=6, block=7)  # small blocks: the block loop is exercised
    for i in np.flatnonzero(top >= 0)[:40]:
        want, want_s = by_hand(x, w, top[i], i, 6)
        assert rows[i].tolist() == want.tolist()
        assert np.allclose(sims[i], want_s, atol=1e-5)
    assert (rows[top < 0] == -1).all()


def test_pools_limit_the_search_to_the_images_tagged_with_the_class():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 8)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    w = rng.normal(size=(8, 3)).astype(np.float32)
    tags = [[{"class": i % 3}] + ([{"class": 2}] if i % 5 == 0 else []) for i in range(50)]
    top = np.array([t[0]["class"] for t in tags])
    pools = tag_pools(tags)
    rows, _ = focused_neighbours(x, top, w, k=4, pools=pools)
    for i in range(50):
        assert set(rows[i][rows[i] >= 0].tolist()) <= set(pools[top[i]]) - {i}
