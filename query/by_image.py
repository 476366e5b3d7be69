"""Which images of the collection look like this one? The same decode and model as the
build, then the facet's saved Annoy index, with the candidates re-ranked exactly."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from core.errors import LookalikeError

CANDIDATES = 20  # extra Annoy candidates re-ranked exactly, as the layout stage does


def embed_query_images(paths: list[Path], model, images, facets, precision: str) -> tuple[dict, dict]:
    """({position: unit content vector}, {position: why not}) for the query images, by their
    position in `paths`: an image that cannot be decoded gets the reason a build would give,
    and the others are still embedded (the model is loaded only when one of them can be)."""
    from embed.backbones import ModelSpec, input_size
    from embed.reader import Decoder

    decoder = Decoder.of(images, facets, input_size(model.name))
    inputs, errors = {}, {}
    for i, path in enumerate(paths):
        dec = decoder.decode(path, model=True, colour=False, copies=False)
        if dec.error:
            errors[i] = dec.error
        else:
            inputs[i] = dec.model_input
    if not inputs:
        return {}, errors
    backbone = ModelSpec(model.name, model.weights, model.batch_size, None, precision).load()
    vectors = backbone.embed_batch(list(inputs.values()))["content"]
    return dict(zip(inputs, vectors)), errors


def nearest(folder, manifest, facet: str, vector: np.ndarray, n: int) -> list[tuple[int, float]]:
    """(row, cosine) of the n nearest images: Annoy's candidates when the index was kept,
    every row otherwise (the index is not kept above Annoy's size), ranked by exact cosine."""
    features = folder.read_features(manifest, facet)
    n = min(n, len(manifest))
    path = folder.annoy_path(facet)
    if path.is_file():
        from annoy import AnnoyIndex

        index = AnnoyIndex(features.shape[1], "angular")
        index.load(str(path))
        search_k = int(folder.layout_stats(facet).get("search_k") or -1)
        rows = np.array(index.get_nns_by_vector(vector.tolist(), n + CANDIDATES, search_k=search_k), np.int64)
        index.unload()
    else:
        rows = np.arange(len(manifest))
    sims = np.asarray(features[rows]) @ vector
    order = np.lexsort((rows, -sims))[:n]
    return [(int(rows[i]), float(sims[i])) for i in order]


def check_model(manifest, model, precision: str) -> None:
    from embed.backbones.registry import model_key

    key = model_key(model.name, model.weights, precision)
    if manifest.model != key:
        raise LookalikeError(f"this collection was embedded with {manifest.model}, not {key}: query with the "
                             f"same --model, --weights and --precision as the build (or its site.toml)")
