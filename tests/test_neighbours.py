import numpy as np
import pytest

from layout import neighbours as nn
from layout.search.exact import exact_nearest


def unit(v):
    v = np.asarray(v, np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def clusters(n_clusters=40, per=60, dim=64, noise=0.35, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_clusters, dim))
    return unit(np.repeat(centres, per, axis=0) + noise * rng.normal(size=(n_clusters * per, dim)))


def test_known_answer_on_hand_made_vectors():
    # Two tight groups on different axes: each point's nearest are its group mates.
    v = unit([[1, 0.01, 0], [1, 0.02, 0], [1, 0.0, 0.03], [0, 1, 0.01], [0.02, 1, 0], [0, 1, 0.05]])
    g = nn.knn_graph(v, 2, seed=1)
    for i in range(6):
        group = {0, 1, 2} if i < 3 else {3, 4, 5}
        assert set(g.rows[i]) == group - {i}, (i, g.rows[i])
    assert (g.sims > 0.99).all()


def test_self_is_excluded_and_order_is_nearest_first():
    v = unit([[1, 0], [0.9, 0.1], [0.5, 0.5], [0, 1]])
    g = nn.knn_graph(v, 3)
    assert g.rows[0].tolist() == [1, 2, 3]
    assert np.all(np.diff(g.sims, axis=1) <= 1e-6)
    assert all(i not in g.rows[i] for i in range(4))


def test_similarity_is_cosine():
    v = unit([[1, 0], [1, 1], [0, 1]])
    g = nn.knn_graph(v, 2)
    assert abs(g.sims[0][0] - np.cos(np.pi / 4)) < 1e-6
    assert abs(g.sims[0][1] - 0.0) < 1e-6


def test_k_is_capped_for_tiny_sets():
    v = unit([[1, 0], [0, 1]])
    g = nn.knn_graph(v, 30)
    assert g.rows.tolist() == [[1], [0]]
    assert nn.knn_graph(v[:1], 30).rows.shape == (1, 0)


def test_duplicate_vectors_do_not_list_self():
    v = unit([[1, 0], [1, 0], [0, 1]])
    g = nn.knn_graph(v, 2)
    assert g.rows[0][0] == 1 and g.rows[1][0] == 0 and abs(g.sims[0][0] - 1) < 1e-6


def test_exact_search_is_exact_and_blocked():
    v = clusters(10, 30)
    rows, sims = exact_nearest(v, 10, block=7, n_jobs=2)
    full = v @ v.T
    np.fill_diagonal(full, -np.inf)
    want = -np.sort(-full, axis=1)[:, :10]
    assert np.allclose(sims, want, atol=1e-6)
    assert np.allclose(np.take_along_axis(full, rows.astype(np.int64), axis=1), sims, atol=1e-6)


@pytest.mark.parametrize("full_max", [10 ** 6, 1000])  # Annoy, and FAISS IVF (used above 20k) on 2,400
def test_neighbours_are_found_and_recall_reported(full_max):
    v = clusters()
    g = nn.knn_graph(v, 30, seed=42, trees=20, goal=nn.Goal(annoy_max=full_max))
    assert g.method == "annoy" if full_max > len(v) else g.method.startswith("faiss-ivf nlist 196 nprobe ")
    assert (g.index is not None) == (full_max > len(v))  # only Annoy's index is kept for queries
    e_rows, e_sims = exact_nearest(v, 30)
    recall = np.mean(g.sims >= e_sims[:, -1:] - 1e-6)
    assert recall >= 0.95
    assert g.recall is not None and abs(g.recall - recall) < 0.05  # the sampled estimate is close
    assert np.mean(g.rows[:, 0] == e_rows[:, 0]) > 0.95
    full = v @ v.T  # similarities reported are exact cosines, whatever found the candidates
    assert np.allclose(np.take_along_axis(full, g.rows.astype(np.int64), axis=1), g.sims, atol=1e-5)


def test_search_widens_until_the_target_recall():
    v = unit(np.random.default_rng(5).normal(size=(1500, 64)))  # no structure: Annoy's default misses some
    g = nn.knn_graph(v, 10, seed=0, trees=2, goal=nn.Goal(recall=0.95))
    assert g.recall >= 0.95
    assert g.search_k > 2 * (10 + 20 + 1)  # widened beyond Annoy's default


def test_seeded_builds_are_reproducible_for_any_thread_count():
    v = clusters(20, 50)
    a = nn.knn_graph(v, 12, seed=7, trees=10, n_jobs=1)
    b = nn.knn_graph(v, 12, seed=7, trees=10, n_jobs=2)
    assert a.rows.tobytes() == b.rows.tobytes() and a.sims.tobytes() == b.sims.tobytes()
    assert a.pca2.tobytes() == b.pca2.tobytes()


def test_memory_mapped_input(tmp_path):
    v = clusters(10, 40)
    np.save(tmp_path / "f.npy", v)
    mm = np.load(tmp_path / "f.npy", mmap_mode="r")
    a = nn.knn_graph(mm, 8, seed=3, trees=10)
    b = nn.knn_graph(v, 8, seed=3, trees=10)
    assert np.array_equal(a.rows, b.rows)


def test_index_is_kept_for_later_queries(tmp_path):
    from annoy import AnnoyIndex

    v = clusters(10, 40)
    from core.workfolder import WorkFolder

    g = nn.knn_graph(v, 5, seed=1, trees=10)
    folder = WorkFolder(tmp_path / "work").build(tmp_path)
    folder.write_annoy("content", g.index)
    index = AnnoyIndex(v.shape[1], "angular")
    index.load(str(folder.annoy_path("content")))
    assert index.get_n_items() == len(v)
    assert index.get_nns_by_item(0, 6)[1:] == g.rows[0].tolist()


def test_faiss_search_is_reproducible_for_any_thread_count():
    v = clusters(50, 60)  # 3,000 vectors
    a = nn.knn_graph(v, 12, seed=7, goal=nn.Goal(annoy_max=1000), n_jobs=1)
    b = nn.knn_graph(v, 12, seed=7, goal=nn.Goal(annoy_max=1000), n_jobs=2)
    assert a.method.startswith("faiss-ivf")
    assert a.rows.tobytes() == b.rows.tobytes() and a.sims.tobytes() == b.sims.tobytes()


def test_faiss_search_is_exact_and_widens_until_the_target_recall():
    v = unit(np.random.default_rng(5).normal(size=(3000, 64)))  # no structure: 8 of 219 lists miss many
    g = nn.knn_graph(v, 10, seed=0, goal=nn.Goal(annoy_max=1000))
    nprobe = int(g.method.split()[-1])
    assert g.method.startswith("faiss-ivf nlist 219 nprobe ") and nprobe > nn.DEFAULT_NPROBE
    _, e_sims = exact_nearest(v, 10)
    assert np.mean(g.sims >= e_sims[:, -1:] - 1e-6) >= 0.95 and g.recall >= 0.95
    full = v @ v.T
    assert np.allclose(np.take_along_axis(full, g.rows.astype(np.int64), axis=1), g.sims, atol=1e-5)
    assert np.all(np.diff(g.sims, axis=1) <= 0) and all(i not in g.rows[i] for i in range(len(v)))


def test_no_module_uses_the_old_cell_search():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    assert not (root / "layout" / "search" / "cells.py").exists()
    files = [root / "build.py"] + [p for d in root.iterdir() if d.is_dir() and not d.name.startswith(".")
                                   and d.name != "node_modules" for p in d.rglob("*.py")]
    users = [str(p.relative_to(root)) for p in files
             if p != Path(__file__).resolve() and "layout.search.cells" in p.read_text(encoding="utf-8")]
    assert users == []


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_degenerate_sizes(n):
    v = unit(np.random.default_rng(n).normal(size=(max(n, 1), 4)))[:n]
    g = nn.knn_graph(v, 5)
    assert g.rows.shape == (n, max(0, n - 1)) and g.pca2.shape == (n, 2)
