#!/usr/bin/env python3
"""Benchmark: bfloat16 against float32 inference, per backbone, in one run.

For each backbone: images/s in float32 and under Keras' mixed_bfloat16 policy on the same
photos (batches of 32, model compiled before timing), the feature cosine between the two,
and how many images keep exactly the same top-10 neighbours. This is the measurement behind
embed/precision.py's table (which models "auto" runs in bf16).

efficientnet_lite0 uses its real ImageNet weights; the Keras applications are
architecture-only (seeded random weights: ImageNet weights cannot be downloaded here),
which measures speed and numerical agreement but not retrieval quality.

Usage: .venv/bin/python bench/precision_bench.py [--images 200] [--models resnet50,vgg19,...]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

ALL = "efficientnet_lite0,mobilenet_v2,resnet50,inception_v3,vgg16,vgg19"


def _top10(v: np.ndarray) -> list[set]:
    sims = v @ v.T
    np.fill_diagonal(sims, -np.inf)
    return [set(row) for row in np.argsort(-sims, axis=1)[:, :10]]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.environ.get("LOOKALIKE_DATA", REPO.parent / "shared" / "data"))
    ap.add_argument("--images", type=int, default=200)
    ap.add_argument("--models", default=ALL)
    ap.add_argument("--seconds", type=float, default=10.0, help="time each precision for at least this long")
    args = ap.parse_args()
    from embed import backbones, precision
    from embed.collection import scan
    from embed.images import decode

    coll = Path(args.data) / "imagen"
    if not coll.is_dir():
        sys.exit(f"no collection at {coll}")
    paths = [coll / c.path for c in scan(coll).candidates[: args.images]]
    flags = precision.cpu_flags()
    print(f"imagen: {len(paths)} photos; {os.cpu_count()} cores; bf16 CPU flags: "
          f"{sorted(flags & {'avx512_bf16', 'amx_bf16'}) or 'none'}; backend {precision.keras_backend()}")
    inputs = {}
    print(f"{'model':<19}{'f32 img/s':>10}{'bf16 img/s':>11}{'speed-up':>9}{'cos min':>9}{'cos mean':>9}"
          f"{'top10 same':>11}")
    for name in args.backbones.split(","):
        spec = backbones.get_spec(name)
        if spec.input_size not in inputs:
            inputs[spec.input_size] = np.stack([decode(p, spec.input_size, 64, 128).model_input for p in paths])
        x = inputs[spec.input_size]
        weights = "imagenet" if name == backbones.DEFAULT_MODEL else "none"
        out, rate = {}, {}
        for prec in ("float32", "bfloat16"):
            bb = backbones.load_backbone(name, weights, 32, precision=prec)
            bb.embed(x[:32])  # trace and compile outside the timing
            t = time.perf_counter()
            out[prec] = bb.embed(x)
            done = len(x)
            while time.perf_counter() - t < args.seconds:  # slow models: one pass; fast ones: repeat
                bb.embed(x[:64])
                done += len(x[:64])
            rate[prec] = done / (time.perf_counter() - t)
            del bb
        a, b = out["float32"], out["bfloat16"]
        cos = (a * b).sum(1)
        same = np.mean([p == q for p, q in zip(_top10(a), _top10(b))])
        print(f"{name:<19}{rate['float32']:>10.1f}{rate['bfloat16']:>11.1f}"
              f"{rate['bfloat16'] / rate['float32']:>8.2f}x{cos.min():>9.4f}{cos.mean():>9.5f}{same:>11.1%}",
              flush=True)


if __name__ == "__main__":
    main()
