#!/usr/bin/env python3
"""Benchmark: do two Keras backends (or machines) give the same neighbours?

Embeds imagen with the default model on whatever backend Keras uses here
(``KERAS_BACKEND``), saves the content vectors, and compares them with vectors saved by
another run: feature cosine and the share of images whose exact top-10 neighbour set is
identical (the issue's bar: at least 95%). Decoding is the project's own, so the two runs
must use the same Pillow (requirements.txt pins it; Pillow 13 resamples portrait crops
differently, which alone moved 6% of top-10 sets before it was pinned).

    .venv/bin/python bench/backend_agreement.py --save /tmp/tf.npy
    KERAS_BACKEND=jax other-env/bin/python bench/backend_agreement.py --save /tmp/jax.npy --compare /tmp/tf.npy
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


def top10(v: np.ndarray) -> np.ndarray:
    sims = v @ v.T
    np.fill_diagonal(sims, -np.inf)
    return np.sort(np.argsort(-sims, axis=1)[:, :10], axis=1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.environ.get("LOOKALIKE_DATA", REPO.parent / "shared" / "data"))
    ap.add_argument("--set", default="imagen")
    ap.add_argument("--save", required=True, help="where to write this run's vectors (.npy)")
    ap.add_argument("--compare", help="vectors saved by another run")
    args = ap.parse_args()
    import PIL

    from embed import backbones
    from embed.collection import scan
    from embed.images import decode

    coll = Path(args.data) / args.set
    if not coll.is_dir():
        sys.exit(f"no collection at {coll}")
    paths = [coll / c.path for c in scan(coll).candidates]
    import keras

    print(f"{args.set}: {len(paths)} images; Keras {keras.__version__} on {keras.backend.backend()}; "
          f"Pillow {PIL.__version__}")
    bb = backbones.load_backbone()
    x = np.stack([decode(p, bb.input_size, 64, 128).model_input for p in paths])
    bb.embed(x[:32])
    t = time.perf_counter()
    v = bb.embed(x)
    print(f"model alone: {len(x) / (time.perf_counter() - t):.1f} images/s")
    np.save(args.save, v)
    if args.compare:
        w = np.load(args.compare)
        if w.shape != v.shape:
            sys.exit(f"{args.compare} has shape {w.shape}, this run {v.shape}: not the same images")
        cos = (v * w).sum(1)
        same = (top10(v) == top10(w)).all(axis=1)
        print(f"cosine min {cos.min():.7f}, mean {cos.mean():.7f}; "
              f"top-10 neighbour sets identical for {same.mean():.1%} of images ({(~same).sum()} differ)")


if __name__ == "__main__":
    main()
