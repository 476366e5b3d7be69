"""Facets: the kinds of similarity an image can be compared by, their cache keys and the blend.

* ``content`` – what is depicted: the backbone's pooled penultimate features
  (``embed.backbones.backbone.Backbone.embed``).
* ``style``   – how it is painted: channel means and standard deviations of deep conv
  layers plus one Gram matrix (``embed/style.py``; recipe version in the cache key, so
  vectors of an older recipe are recomputed, never mixed with new ones).
* ``colour``  – which colours, in what amounts: a soft histogram in CIE Lab (``embed/colour.py``).

Every facet's vectors are float32 rows of unit length, so the cosine is a dot product
and Annoy's angular distance applies. ``blend`` mixes facets with weights.
Numpy only: no Keras here.
"""
from __future__ import annotations

import hashlib
import json

import numpy as np

from embed import colour as col
from embed import style as sty
from embed.backbones.registry import DEFAULT_STYLE_LAYERS
from embed.copies import SMALL_SIDE
from embed.vectors import l2_normalise

FACETS = ("content", "style", "colour")


def blend(vectors: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """Mix facets: cosine(blend_i, blend_j) = sum_f w_f cos_f(i, j) / sum_f w_f.

    Each facet's rows are first made unit length (v_f), then
        b = concat_f sqrt(w_f / W) v_f,   W = sum_f w_f,
    so |b|^2 = sum_f w_f / W = 1 and  b_i . b_j = sum_f (w_f / W) (v_f,i . v_f,j):
    a weight means what it says, whatever each facet's dimension. A facet with weight 0
    (or missing from ``weights``) is left out; the result is then renormalised (a no-op
    unless some facet had an all-zero row). Facets are concatenated in sorted name order.
    """
    bad = {f: w for f, w in weights.items() if not np.isfinite(w) or w < 0}
    if bad:
        raise ValueError(f"blend weights must be finite and >= 0, got {bad}")
    used = sorted(f for f, w in weights.items() if w > 0)
    missing = [f for f in used if f not in vectors]
    if missing:
        raise ValueError(f"blend weights name facets without vectors: {missing}; have {sorted(vectors)}")
    if not used:
        raise ValueError(f"blend needs a positive weight on at least one facet, got {weights}")
    rows = {len(vectors[f]) for f in used}
    if len(rows) != 1:
        raise ValueError(f"facet row counts differ: { {f: len(vectors[f]) for f in used} }")
    total = float(sum(weights[f] for f in used))
    parts = [l2_normalise(vectors[f]) * np.float32(np.sqrt(weights[f] / total)) for f in used]
    return l2_normalise(np.concatenate(parts, axis=1))


# --- cache keys ----------------------------------------------------------------------

def facet_params(facet: str, model_name: str | None = None, style_layers=None) -> dict:
    """The settings that decide a facet's vectors, with today's defaults filled in."""
    if facet == "content":
        return {}
    if facet == "style":
        if style_layers is None:
            style_layers = DEFAULT_STYLE_LAYERS[model_name]
        params = {"layers": list(style_layers), "dim": sty.STYLE_DIM, "seed": sty.STYLE_SEED,
                  "version": sty.STYLE_VERSION}
        if any(sty.parse_style_layer(x)[0] == "moments" for x in style_layers):  # recipe 2's constants
            params.update(gram_dim=sty.GRAM_DIM_WITH_MOMENTS, gram_weight=sty.GRAM_WEIGHT)
        return params
    if facet == "colour":
        return {"bins": col.COLOUR_BINS, "space": col.COLOUR_SPACE, "soft": col.COLOUR_SOFT,
                "ab_scale": col.AB_SCALE, "small_side": SMALL_SIDE, "version": col.COLOUR_VERSION}
    raise ValueError(f"unknown facet {facet!r}; choose one of: {', '.join(FACETS)}")


def facet_cache_key(facet: str, model_key: str, params: dict) -> str:
    """Feature-cache folder name for a facet: changes whenever its vectors would change.

    content: the model key itself (today's cache stays valid);
    style:   model key + digest of params (layers, dim, seed, recipe version);
    colour:  independent of the model: ``colour-<space><bins>-<digest of params>``.
    """
    if facet not in FACETS:
        raise ValueError(f"unknown facet {facet!r}; choose one of: {', '.join(FACETS)}")
    if facet == "content":
        return model_key
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:10]
    if facet == "style":
        return f"{model_key}-style-{digest}"
    return f"colour-{params.get('space', col.COLOUR_SPACE)}{params.get('bins', col.COLOUR_BINS)}-{digest}"


def facet_keys(model, facets, precision: str = "float32") -> dict[str, str]:
    """Cache key of every enabled facet from the [model] and [facets] sections: it changes
    whenever that facet's vectors would change, and with nothing else."""
    from embed.backbones.registry import model_key

    mkey = model_key(model.name, model.weights, precision) if set(facets.enabled) & {"content", "style"} else ""
    keys = {}
    for facet in facets.enabled:
        params = facet_params(facet, model.name, facets.style_layers or None)
        if facet == "colour":
            params.update(bins=facets.colour_bins, space=facets.colour_space)
        keys[facet] = facet_cache_key(facet, mkey, params)
    return keys
