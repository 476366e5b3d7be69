"""Which number format the backbone computes in: bfloat16 only where it was measured to pay.

Why a table and not "always bf16 when the CPU has it": on this 2-core AVX512-BF16 machine
(TensorFlow 2.21, oneDNN) Keras' ``mixed_bfloat16`` policy makes plain-convolution
networks 1.2-2.0x faster but depthwise-convolution networks *slower* (oneDNN has no fast
bf16 depthwise kernel), so "auto" picks bf16 only for the first kind, only on the
TensorFlow backend and only on CPUs with native bf16 instructions. Features in bf16 agree
with float32 to cosine >= 0.99 (min 0.994 for efficientnet_lite0 with real weights on real
photos, ``bench/precision_bench.py``), but near-tied neighbours swap places, and the same
settings give bf16 vectors on one CPU and float32 on another: ``precision = "float32"`` is
the setting for lists that must match across machines. The precision is part of the
feature cache key, so the two are never mixed.

No Keras import here: the cache key is computed before any model is loaded.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

PRECISIONS = ("auto", "float32", "bfloat16")

# Speed-up of mixed_bfloat16 over float32 measured by bench/precision_bench.py
# (TensorFlow CPU backend, batches of 32, AVX512-BF16, 2 shared cores; runs varied:
# resnet50 1.2-1.6x, inception_v3 1.7x, vgg16/19 1.8-2.0x). Models not listed ran
# slower in bf16 (efficientnet_lite0 0.73-0.94x, mobilenet_v2 0.86-0.91x: depthwise convolutions).
BF16_SPEEDUP = {"resnet50": 1.5, "inception_v3": 1.7, "vgg16": 2.0, "vgg19": 2.0}

_BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    """The CPU's feature flags (Linux); empty where they cannot be read."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def keras_backend() -> str:
    """The backend Keras will use: $KERAS_BACKEND, else keras.json's "backend", else tensorflow."""
    name = os.environ.get("KERAS_BACKEND", "").strip()
    if not name:
        home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
        try:
            name = str(json.loads((home / "keras.json").read_text()).get("backend", ""))
        except (OSError, ValueError, AttributeError):
            name = ""
    return name.strip().lower() or "tensorflow"


def resolve(model: str, requested: str, flags: set[str] | None = None,
            backend: str | None = None) -> tuple[str, str]:
    """(``"float32"`` or ``"bfloat16"``, a reason for the build log)."""
    if requested not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, found {requested!r}")
    if requested != "auto":
        return requested, "set in [model] precision / --precision"
    backend = backend or keras_backend()
    flags = cpu_flags() if flags is None else flags
    if backend != "tensorflow":
        return "float32", f"auto: bfloat16 is only measured on the TensorFlow backend, not {backend}"
    if model not in BF16_SPEEDUP:
        return "float32", f"auto: {model} was slower in bfloat16 when measured"
    if not flags & set(_BF16_CPU_FLAGS):
        return "float32", "auto: this CPU has no native bfloat16 instructions"
    return "bfloat16", f"auto: {model} measured {BF16_SPEEDUP[model]:.2g}x faster in bfloat16 on CPUs like this one"
