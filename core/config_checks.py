"""The value checks of settings that need more than a range (core/config.py names them in its
fields): which facets, layers, arrangements and weights are valid.
"""
from __future__ import annotations

import re

FACET_NAMES = ("content", "style", "colour")


def _facet_list(v):  # may be empty when [facets] vectors brings a facet (check_consistency)
    return all(x in FACET_NAMES for x in v) and len(set(v)) == len(v)


def _vectors_name(v):  # safe in file names, URLs and the map's hash; no built-in facet's (embed/user_vectors.py)
    return v == "" or (re.fullmatch(r"[A-Za-z0-9_-]{1,40}", v) is not None
                       and v.lower() not in FACET_NAMES + ("blend", "focused"))


def _style_layer_list(v):
    """Layer names; "moments:<layer>" / "gram:<layer>" say which statistic (embed/style.py)."""
    def ok(x):
        kind, sep, name = x.partition(":") if isinstance(x, str) else ("", "", "")
        return bool(kind) and (not sep or (kind in ("moments", "gram") and bool(name)))
    return all(ok(x) for x in v)


def _arrangement_list(v):
    return all(x in ("grid", "timeline", "groups") for x in v) and len(set(v)) == len(v)


def _blend_weights(v):
    ok = all(k in FACET_NAMES and isinstance(w, (int, float)) and not isinstance(w, bool) and w >= 0
             for k, w in v.items())
    return ok and (not v or any(w > 0 for w in v.values()))
