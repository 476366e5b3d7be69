"""A growing collection keeps its map: new images are placed into it with openTSNE's transform.

    decide(previous, shas, prints, settings, relayout) -> Placement (which old point is which row, or why not)
    place(unit, graph, placement, seed, ...)             -> (N, 2) coordinates, old rows bit for bit

The old points keep their coordinates exactly. Each new image is optimised against the old
points alone (openTSNE ignores new-new attraction), starting at the median of its nearest old
neighbours, with openTSNE's defaults for adding points (perplexity 5, 250 iterations, learning
rate 0.1). Its neighbours come from the graph the layout stage already built (exact cosine of the
full vectors); an image with too few old ones among its graph neighbours gets an exact search over
the old images. A map laid out afresh is chosen when asked (--relayout), when there is no earlier
map made with these settings and these features, or when the new images outnumber the old ones
(a transform describes additions to a map, not a new collection).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.layout_files import PreviousMap  # noqa: F401 - read from the work folder (core)

PERPLEXITY = 5  # openTSNE's transform: perplexity, and 3 x perplexity neighbours
NEIGHBOURS = 3 * PERPLEXITY
ITERATIONS = 250  # transform's n_iter (no early exaggeration)
PROGRESS_EVERY = 25  # iterations between progress updates
PRINT_TOLERANCE = 1e-4  # fingerprints of unchanged unit vectors agree far better than this


@dataclass
class Placement:
    old_of_row: np.ndarray | None  # row -> row of the previous map, -1 for a new image; None: lay out afresh
    kept: int = 0
    added: int = 0
    removed: int = 0
    placed: int = 0  # placed by transform since the last fresh layout, these added included
    why_afresh: str = ""  # "" on a first build, else what the summary says


def fingerprints(unit: np.ndarray, seed: int = 0) -> np.ndarray:
    """Two seeded random projections of each unit row: changed vectors (another model, other
    facet weights) give other fingerprints, so their old map is not trusted."""
    d = unit.shape[1] if unit.ndim == 2 else 0
    basis = np.random.default_rng(seed).standard_normal((d, 2)).astype(np.float32)
    out = np.empty((len(unit), 2), np.float32)
    for a in range(0, len(unit), 8192):
        out[a:a + 8192] = np.asarray(unit[a:a + 8192], np.float32) @ basis
    return out


def decide(previous: PreviousMap | None, shas: list[str], prints: np.ndarray, settings: dict,
           relayout: bool, min_points: int) -> Placement:
    if previous is None:
        return Placement(None)
    if relayout:
        return Placement(None, why_afresh="--relayout: the map was laid out afresh")
    if previous.settings != settings:
        return Placement(None, why_afresh="the map settings changed since the last map: laid out afresh")
    where = {sha: i for i, sha in enumerate(previous.shas)}
    old_of_row = np.fromiter((where.get(s, -1) for s in shas), np.int64, len(shas))
    kept_rows = np.flatnonzero(old_of_row >= 0)
    kept, added = len(kept_rows), len(shas) - len(kept_rows)
    if kept and not np.allclose(prints[kept_rows], previous.prints[old_of_row[kept_rows]], atol=PRINT_TOLERANCE):
        return Placement(None, why_afresh="the vectors changed since the last map (another model or facet "
                                          "weights): laid out afresh")
    if added and (kept < min_points or added > kept):
        return Placement(None, why_afresh=f"{added:,} new images outnumber the {kept:,} already on the map: "
                                          f"laid out afresh")
    return Placement(old_of_row, kept, added, len(previous.shas) - kept, previous.placed + added)


def place(unit: np.ndarray, graph, placement: Placement, previous: PreviousMap, seed: int,
          n_jobs: int = 1, on_progress=None) -> np.ndarray:
    """Old rows get their old coordinates; new rows are placed by openTSNE's transform."""
    old_of_row = placement.old_of_row
    coords = np.zeros((len(old_of_row), 2), np.float32)
    kept_rows = np.flatnonzero(old_of_row >= 0)
    coords[kept_rows] = previous.coords[old_of_row[kept_rows]]
    new_rows = np.flatnonzero(old_of_row < 0)
    if len(new_rows) == 0:
        return coords
    # the reference map is the kept points only: reference index j = kept_rows[j]
    ref_of_row = np.full(len(old_of_row), -1, np.int64)
    ref_of_row[kept_rows] = np.arange(len(kept_rows))
    rows, sims = _old_neighbours(unit, graph, new_rows, kept_rows, ref_of_row)
    dist = np.sqrt(np.maximum(0.0, 2.0 - 2.0 * sims.astype(np.float64)))  # as layout/projection.py
    reference = coords[kept_rows].astype(np.float64)
    centre = (reference.max(axis=0) + reference.min(axis=0)) / 2  # transform centres the map; undone below
    new = np.asarray(unit[new_rows], np.float32)
    coords[new_rows] = _transform(reference, rows, dist, new, seed, n_jobs, on_progress) + centre
    return coords


def _old_neighbours(unit, graph, new_rows, kept_rows, ref_of_row) -> tuple[np.ndarray, np.ndarray]:
    """The NEIGHBOURS nearest old images of each new one, as reference indices, nearest first."""
    from layout.search.exact import top

    k = min(NEIGHBOURS, len(kept_rows))
    out_r = np.zeros((len(new_rows), k), np.int64)
    out_s = np.zeros((len(new_rows), k), np.float32)
    short = []
    for i, row in enumerate(new_rows):
        cand = graph.rows[row]
        ref = ref_of_row[np.where(cand >= 0, cand, 0)]
        ok = (cand >= 0) & (ref >= 0)
        if ok.sum() >= k:
            out_r[i], out_s[i] = ref[ok][:k], graph.sims[row][ok][:k]
        else:
            short.append(i)
    old = np.asarray(unit[kept_rows], np.float32) if short else None
    for a in range(0, len(short), 256):  # an exact search over the old images for the rest
        block = np.asarray(short[a:a + 256])
        s = np.asarray(unit[new_rows[block]], np.float32) @ old.T
        out_r[block], out_s[block] = top(s, np.arange(len(kept_rows)), k)
    return out_r, out_s


def _transform(reference, rows, dist, new: np.ndarray, seed, n_jobs, on_progress) -> np.ndarray:
    """openTSNE's transform with FFT gradients: its Barnes-Hut partial optimisation measured 2x slower
    at 3,000 old points and 20x at 100,000 (1,000 placed in 2.4 s against 54 s)."""
    from openTSNE import TSNEEmbedding

    progress = {}
    if on_progress is not None:
        def tell(iteration, error, embedding):  # openTSNE's callback: True would stop it
            on_progress(PROGRESS_EVERY)
            return False
        progress = {"callbacks": tell, "callbacks_every_iters": PROGRESS_EVERY}
    embedding = TSNEEmbedding(reference, _affinities_to_old(len(reference), rows, dist, n_jobs),
                              negative_gradient_method="fft", n_jobs=n_jobs,
                              random_state=seed, verbose=False, **progress)
    return np.asarray(embedding.transform(new, perplexity=PERPLEXITY, n_iter=ITERATIONS), np.float64)


def _affinities_to_old(n_old: int, rows: np.ndarray, dist: np.ndarray, n_jobs: int):
    """openTSNE's affinities of new images to the old map, from neighbours we already know
    (openTSNE would otherwise search them again with its own index of the old vectors).
    Made here, not at import: openTSNE brings scikit-learn, 3 s a warm build does not need."""
    import scipy.sparse as sp
    from openTSNE.affinity import Affinities, joint_probabilities_nn

    class OldNeighbours(Affinities):
        def to_new(self, data, perplexity=PERPLEXITY, return_distances=False):
            k = min(rows.shape[1], int(3 * perplexity))
            perplexity = min(perplexity, k / 3)
            P = joint_probabilities_nn(rows[:, :k], dist[:, :k], [perplexity], symmetrize=False,
                                       normalization="point-wise", n_reference_samples=n_old, n_jobs=n_jobs)
            return (P, rows[:, :k], dist[:, :k]) if return_distances else P

    affinities = OldNeighbours()
    affinities.P = sp.csr_matrix((n_old, n_old))  # openTSNE checks only its shape: old-old is not used
    return affinities
