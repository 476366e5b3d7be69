import numpy as np

from layout import neighbours as nn


def unit(v):
    v = np.asarray(v, np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_known_answer_on_hand_made_vectors():
    # Two tight groups on different axes: each point's nearest are its group mates.
    v = unit([[1, 0.01, 0], [1, 0.02, 0], [1, 0.0, 0.03], [0, 1, 0.01], [0.02, 1, 0], [0, 1, 0.05]])
    index = nn.build_index(v, trees=10, seed=1)
    rows, sims = nn.nearest(index, len(v), k=2)
    for i in range(6):
        group = {0, 1, 2} if i < 3 else {3, 4, 5}
        assert set(rows[i]) == group - {i}, (i, rows[i])
    assert (sims > 0.99).all()


def test_self_is_excluded_and_order_is_nearest_first():
    v = unit([[1, 0], [0.9, 0.1], [0.5, 0.5], [0, 1]])
    rows, sims = nn.nearest(nn.build_index(v, 5, 0), 4, k=3)
    assert rows[0].tolist() == [1, 2, 3]
    assert np.all(np.diff(sims, axis=1) <= 1e-6)
    assert all(i not in rows[i] for i in range(4))


def test_similarity_is_cosine():
    v = unit([[1, 0], [1, 1], [0, 1]])
    _, sims = nn.nearest(nn.build_index(v, 5, 0), 3, k=2)
    assert abs(sims[0][0] - np.cos(np.pi / 4)) < 1e-4  # 1 - d^2/2 of Annoy's angular distance
    assert abs(sims[0][1] - 0.0) < 1e-4


def test_k_is_capped_for_tiny_sets():
    v = unit([[1, 0], [0, 1]])
    rows, _ = nn.nearest(nn.build_index(v, 5, 0), 2, k=30)
    assert rows.tolist() == [[1], [0]]


def test_duplicate_vectors_do_not_list_self():
    v = unit([[1, 0], [1, 0], [0, 1]])
    rows, sims = nn.nearest(nn.build_index(v, 5, 0), 3, k=2)
    assert rows[0][0] == 1 and rows[1][0] == 0 and abs(sims[0][0] - 1) < 1e-5


def test_annoy_matches_exact_on_random_clusters():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(10, 64))
    v = unit(np.repeat(centres, 30, axis=0) + 0.3 * rng.normal(size=(300, 64)))
    a_rows, _ = nn.nearest(nn.build_index(v, 50, 42), len(v), k=10)
    e_rows, _ = nn.exact_nearest(v, 10)
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(a_rows, e_rows)])
    assert recall >= 0.95


def test_seeded_builds_are_reproducible():
    rng = np.random.default_rng(3)
    v = unit(rng.normal(size=(200, 16)))
    a = nn.nearest(nn.build_index(v, 10, 7), 200, 5)[0]
    b = nn.nearest(nn.build_index(v, 10, 7), 200, 5)[0]
    assert (a == b).all()
