"""The neighbour graph: k nearest by cosine for every image, with its measured recall.

Annoy proposes candidates, exact cosine on the full vectors ranks them: every
similarity reported is exact and only the candidate set is approximate. Each build
measures recall@k on a sample of images against brute force and widens Annoy's
search (search_k) until it reaches TARGET_RECALL, so the recall printed in the
summary is a measurement, not a promise.

Above ANNOY_FULL_MAX images a FAISS inverted-file index (IndexIVFFlat, inner product,
nlist ~ 4 sqrt(N)) proposes the candidates instead, with the same exact re-ranking and
the same measured recall, widening by doubling nprobe. On 2 cores, 100,000 clustered
256-d vectors, recall@30: Annoy 0.96 in 2.4 x the time of brute force, FAISS 0.985 in
0.49 x (bench/knn_bench.py). Annoy's index is the one kept for queries, so above the threshold
none is kept (core/workfolder.py write_annoy).

Everything is seeded (layout/search/annoy.py and faiss.py say how they stay reproducible), so the
same vectors and seed give byte-identical neighbour lists. Vectors may be memory-mapped.
The engines live in layout/search/; this module chooses one and widens its search.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from layout.pca import pca_basis, project
from layout.search.annoy import AnnoySearch
from layout.search.exact import single_blas_thread
from layout.search.faiss import FaissIVFSearch
from layout.search.recall import RECALL_SAMPLE, recall_at_k

ANNOY_FULL_MAX = 20000  # up to this many images Annoy finds the neighbours; above, FAISS IVF
TARGET_RECALL = 0.95
DEFAULT_NPROBE = 8  # inverted lists probed at first above ANNOY_FULL_MAX; doubled until the target


@dataclass(frozen=True)
class Goal:
    """How wide a search is enough, and which engine makes it (tests and benchmarks change them)."""
    recall: float = TARGET_RECALL  # widen the search until recall@k on a sample reaches this
    annoy_max: int = ANNOY_FULL_MAX  # above this many rows FAISS IVF proposes the candidates


@dataclass
class Graph:
    rows: np.ndarray  # (N, k) int32 neighbour rows, nearest first, self excluded
    sims: np.ndarray  # (N, k) float32 exact cosine similarity
    method: str  # "annoy", or "faiss-ivf nlist <lists> nprobe <probed>" above ANNOY_FULL_MAX
    pca2: np.ndarray  # (N, 2) float32 first two principal components (t-SNE initialisation)
    recall: float | None  # measured recall@k on a sample (None when k = 0)
    search_k: int  # Annoy nodes inspected per query in the final pass (0 for FAISS)
    index: object = None  # the Annoy index, kept for queries (None above ANNOY_FULL_MAX)


def knn_graph(vectors: np.ndarray, k: int, seed: int = 0, trees: int = 50, n_jobs: int | None = None,
              recall_k: int | None = None, goal: Goal = Goal()) -> Graph:
    """The k nearest neighbours of every row (unit vectors: cosine = dot product).

    Starts with Annoy's default search (trees * candidates nodes) and doubles search_k
    until recall@recall_k, measured on RECALL_SAMPLE rows against brute force, reaches
    goal.recall (or the search has become exhaustive). Above goal.annoy_max rows a FAISS IVF
    index does the same, doubling the inverted lists probed (nprobe).
    """
    with single_blas_thread():
        return _knn_graph(vectors, k, seed, trees, n_jobs or os.cpu_count() or 1, recall_k, goal)


def _knn_graph(vectors, k, seed, trees, n_jobs, recall_k, goal: Goal) -> Graph:
    n, d = vectors.shape
    k = max(0, min(k, n - 1))
    mean, comps = pca_basis(vectors, min(2, d, max(n - 1, 1)), seed)  # the t-SNE initialisation
    y = project(vectors, mean, comps)
    pca2 = np.zeros((n, 2), np.float32)
    pca2[:, : min(2, y.shape[1])] = y[:, :2]
    if k == 0:
        return Graph(np.zeros((n, 0), np.int32), np.zeros((n, 0), np.float32), "annoy", pca2, None, 0)
    check = max(1, min(recall_k or k, k))
    if n > goal.annoy_max:
        return _faiss_graph(vectors, k, seed, n_jobs, check, goal.recall, pca2)
    candidates = min(n - 1, k + 20)
    search = AnnoySearch(vectors, trees, seed)
    search_k = trees * (candidates + 1)  # Annoy's own default
    while True:  # widen the search until the measured recall reaches the target
        rows, sims = search.query(vectors, k, candidates, search_k, n_jobs)
        recall = recall_at_k(vectors, rows[:, :check], sims[:, :check], RECALL_SAMPLE, seed, n_jobs)
        if recall is None or recall >= goal.recall or search_k >= trees * n:
            return Graph(rows, sims, "annoy", pca2, recall, search_k, search.index)
        search_k *= 2
        candidates = min(n - 1, candidates * 2)


def _faiss_graph(vectors, k, seed, n_jobs, check, target_recall, pca2) -> Graph:
    candidates = min(len(vectors) - 1, k + 20)
    search = FaissIVFSearch(vectors, seed)
    nprobe = min(DEFAULT_NPROBE, search.nlist)
    while True:  # widen the search until the measured recall reaches the target
        rows, sims = search.query(vectors, k, candidates, nprobe, n_jobs)
        recall = recall_at_k(vectors, rows[:, :check], sims[:, :check], RECALL_SAMPLE, seed, n_jobs)
        if recall is None or recall >= target_recall or nprobe >= search.nlist:
            return Graph(rows, sims, f"faiss-ivf nlist {search.nlist} nprobe {nprobe}", pca2, recall, 0)
        nprobe = min(search.nlist, nprobe * 2)
