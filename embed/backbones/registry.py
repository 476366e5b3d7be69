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



# Style layers per backbone: conv outputs whose Gram matrices (channel co-activations
# averaged over positions) describe texture and brushwork rather than what is where.
# vgg19 / vgg16: Gatys et al.'s five relu outputs (the vgg19 set is VGG2Vec's;
#   64^2+128^2+256^2+512^2+512^2 = 610,304 Gram entries, 305,888 as upper triangles).
# efficientnet_lite0: the ends of stages 2, 3 and 4 (strides 4, 8, 16; 24, 40 and 80
#   channels; 4,360 upper-triangle numbers), chosen by measurement (bench/facets_bench.py,
#   precision@10 of the unreduced vectors; demo = 240 generated images):
#       layers                       demo style  demo subject  demo palette  imagen  flowers
#       block2b,3b,4c _add (chosen)    0.963        0.168         0.419       0.039   0.436
#       + stem_activation + 5c_add     0.965        0.217         0.401       0.047   0.459
#       2b,3b,4c _expand_activation    0.934        0.139         0.498       0.031   0.419
#       stem_activation alone          0.257        0.126         0.922       0.014   0.341
#       block5c_add alone              0.884        0.394         0.240       0.066   0.498
#       block6d_add alone              0.745        0.536         0.221       0.153   0.523
#       content (pooled, 1,280)        0.691        0.568         0.220       0.215   0.511
#   The stem is a colour histogram in disguise (palette 0.92), stages 5-6 start to see
#   subjects; stages 2-4 see style best with the least subject and the fewest numbers
#   (so the 1,024-d reduction keeps more of them: recall@10 0.824 against 0.75 for five).
# Others (not measured: their ImageNet weights need a download): the stage ends at the
#   same strides, 4, 8 and 16 (inception_v3 has no named stride-4 output: 8, 8, 16).
DEFAULT_STYLE_LAYERS: dict[str, list[str]] = {
    "vgg19": ["block1_conv2", "block2_conv2", "block3_conv4", "block4_conv4", "block5_conv4"],
    "vgg16": ["block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3", "block5_conv3"],
    "efficientnet_lite0": ["block2b_add", "block3b_add", "block4c_add"],
    "resnet50": ["conv2_block3_out", "conv3_block4_out", "conv4_block6_out"],
    "mobilenet_v2": ["block_2_add", "block_5_add", "block_9_add"],
    "inception_v3": ["mixed0", "mixed2", "mixed4"],
}
