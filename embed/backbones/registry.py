"""Backbone registry: names, input sizes, feature keys and style layers. No Keras here.

Everything a build needs to know about a backbone before loading it (the feature cache
key, the default style layers, where weights live) is here, numpy-free and Keras-free,
so cache lookups, `--help` and the facets module never pay for TensorFlow.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from core.errors import LookalikeError
from core.files import sha256_file
from core.folders import lookalike_cache_dir  # noqa: F401 - where converted weights live


class ModelError(LookalikeError):
    """A backbone cannot be built (unknown name, missing weights...)."""


@dataclass(frozen=True)
class BackboneSpec:
    name: str
    input_size: int
    feature_dim: int
    keras_module: str  # keras.applications.<module> that has preprocess_input
    keras_class: str
    notop_file: str  # the file Keras looks for in its cache when weights="imagenet"


SPECS = {
    s.name: s
    for s in [
        BackboneSpec("efficientnet_lite0", 224, 1280, "", "", ""),
        BackboneSpec("inception_v3", 299, 2048, "inception_v3", "InceptionV3",
                     "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"),
        BackboneSpec("vgg16", 224, 512, "vgg16", "VGG16",
                     "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"),
        BackboneSpec("vgg19", 224, 512, "vgg19", "VGG19",
                     "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"),
        BackboneSpec("resnet50", 224, 2048, "resnet50", "ResNet50",
                     "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"),
        BackboneSpec("mobilenet_v2", 224, 1280, "mobilenet_v2", "MobileNetV2",
                     "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5"),
    ]
}
DEFAULT_MODEL = "efficientnet_lite0"


def why_no_tags(name: str, weights: str | None) -> str | None:
    """None when this backbone can tag images (an ImageNet head with real weights), else why not."""
    if name != "efficientnet_lite0":
        return f"{name} is loaded without its classifier head, so images get no tags (use efficientnet_lite0)"
    if weights != "imagenet":
        return "tags need the real ImageNet weights (weights = \"imagenet\"); this model's head is not those"
    return None
# How images become model input (embed/images.py: centre square, 87.5% of the short side);
# part of the cache key so a change of recipe never mixes old and new vectors.
INPUT_CROP_TAG = "centre875"


def keras_cache_dir() -> Path:
    """Where Keras looks for downloaded application weights."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "models"




def model_key(name: str, weights: str | None, precision: str = "float32") -> str:
    """Cache key for features: changes whenever the vectors would change (bf16 ones differ slightly)."""
    spec = get_spec(name)
    if weights in (None, "none"):
        tag = "random0"
    elif weights == "imagenet":
        tag = "imagenet"
    else:
        tag = "file-" + _file_digest(Path(weights))
    suffix = "" if precision == "float32" else f"-{precision}"
    return f"{spec.name}-{tag}-{spec.input_size}-{INPUT_CROP_TAG}{suffix}"


def get_spec(name: str) -> BackboneSpec:
    if name not in SPECS:
        raise ModelError(f"unknown model {name!r}; choose one of: {', '.join(SPECS)}")
    return SPECS[name]


def _file_digest(path: Path) -> str:
    if not path.is_file():
        raise ModelError(f"weights file {path} does not exist")
    return sha256_file(path)[:12]



# Style layers per backbone (embed/style.py): "moments:<layer>" = each channel's mean and
# standard deviation over positions; "gram:<layer>" (or a bare name) = the Gram matrix of
# channel co-activations. Both ignore where things are; the first is what adaptive instance
# normalisation transfers and proved the better painter-finder (issue 26).
#
# efficientnet_lite0 (measured; precision@10, leave-one-out cosine; art = 960 WikiArt works,
#   24 painters x 40, 11 movements; demo = 240 generated images; docs/benchmarks.md has
#   every candidate tried):
#       recipe                                      numbers  art artist  art movement  demo style
#       content (pooled, for comparison)              1,280    0.507        0.624        0.691
#       Gram 2b,3b,4c _add -> 1,024 (recipe 1, seed)  1,024    0.474        0.612        0.968
#       moments 4c,5c,6d _add                           768    0.592        0.709        0.941
#       Gram 4c,5c,6d _add -> 1,024                   1,024    0.585        0.699        0.912
#       moments 4c,5c,6d + 0.35 Gram 4c -> 256 (chosen) 1,024  0.590        0.706        0.955
#   Deeper layers (stages 4-6, strides 16-32) carry a painter's manner; their means and
#   stds say it in 768 numbers where their Grams need 28,096. Stage 7 and the expand
#   layers add subject, not manner; stages 2-3 add texture that the generated styles need
#   but paintings do not. The Gram of block4c (today's deepest Gram layer, at a small
#   weight) brings the generated styles back within 0.02 of the seed's recipe.
# Others (not measured: their ImageNet weights need a download): the same shape by analogy,
#   the moments of three of the deepest stage ends (not the layer the content vector pools)
#   and the Gram of the shallowest of them, or of an earlier layer when that one has more
#   than 512 channels; moments above 768 numbers are sketched to 768 (embed/style.py).
#   mobilenet_v2 is Lite0's family (stages of 64, 96 and 160 channels at strides 16, 16, 32:
#   the same places); resnet50's conv5 stage starts at conv5_block1_out.
# The seed's Gram-only lists (VGG-19: Gatys et al.'s five relu outputs, VGG2Vec's; 610,304
#   Gram entries, 305,888 as upper triangles) stay available as SEED_STYLE_LAYERS: set
#   [facets] style_layers to one of them (bare names are Gram layers) for recipe 1.
SEED_STYLE_LAYERS: dict[str, list[str]] = {
    "vgg19": ["block1_conv2", "block2_conv2", "block3_conv4", "block4_conv4", "block5_conv4"],
    "vgg16": ["block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3", "block5_conv3"],
    "efficientnet_lite0": ["block2b_add", "block3b_add", "block4c_add"],
    "resnet50": ["conv2_block3_out", "conv3_block4_out", "conv4_block6_out"],
    "mobilenet_v2": ["block_2_add", "block_5_add", "block_9_add"],
    "inception_v3": ["mixed0", "mixed2", "mixed4"],
}


def _moments_and_gram(moment_layers: list[str], gram_layer: str) -> list[str]:
    return [f"moments:{name}" for name in moment_layers] + [f"gram:{gram_layer}"]


DEFAULT_STYLE_LAYERS: dict[str, list[str]] = {
    "efficientnet_lite0": _moments_and_gram(["block4c_add", "block5c_add", "block6d_add"], "block4c_add"),
    "mobilenet_v2": _moments_and_gram(["block_9_add", "block_12_add", "block_15_add"], "block_9_add"),
    "vgg19": _moments_and_gram(["block3_conv4", "block4_conv4", "block5_conv4"], "block3_conv4"),
    "vgg16": _moments_and_gram(["block3_conv3", "block4_conv3", "block5_conv3"], "block3_conv3"),
    "resnet50": _moments_and_gram(["conv3_block4_out", "conv4_block6_out", "conv5_block1_out"], "conv3_block4_out"),
    "inception_v3": _moments_and_gram(["mixed4", "mixed7", "mixed9"], "mixed2"),
}
