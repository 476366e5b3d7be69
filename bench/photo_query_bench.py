#!/usr/bin/env python3
"""Agreement figures behind the photo query (README, "Find look-alikes of your photo"), on imagen.

1. The shipped model (render/photo_query.py half_model: float16 weights) against the float32
   ONNX export: cosine per photo, and how much of each photo's top 10 among the collection stays.
2. The one step static/photo_resize.js approximates: a baseline JPEG the build decodes by
   libjpeg's DCT scaling (Pillow's draft), where the browser takes a box mean of the full decode.
   Measured on the real photos with the display size lowered to 128 px, so that they are drafted.
3. The compact index (render/query_index.py): recall@10 against the full vectors, all dimensions
   in int8 and PCA to 256 (and 128).

Needs the ONNX export in Lookalike's cache (a build with [model] runtime auto leaves it).
Usage: .venv/bin/python bench/photo_query_bench.py [--images 1000] [--data ../shared/data]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def embed(session, inputs) -> np.ndarray:
    x = np.stack(inputs).astype(np.float32)
    name = session.get_inputs()[0].name
    out = np.concatenate([session.run(None, {name: x[i:i + 50]})[0] for i in range(0, len(x), 50)])
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def overlap(a: np.ndarray, b: np.ndarray, collection: np.ndarray, self_out: bool) -> float:
    sa, sb = a @ collection.T, b @ collection.T
    if self_out:
        np.fill_diagonal(sa, -9)
        np.fill_diagonal(sb, -9)
    ta, tb = np.argsort(-sa, axis=1)[:, :10], np.argsort(-sb, axis=1)[:, :10]
    return float(np.mean([len(set(x) & set(y)) / 10 for x, y in zip(ta, tb)]))


def drafted_stand_in(path: Path, display: int) -> np.ndarray:
    """What the browser port computes for a baseline JPEG: the full decode, a box mean for the
    DCT scaling, then the build's own steps."""
    from PIL import Image

    from embed.copies import fit, model_crop

    with Image.open(path) as im:
        im.load()
        rgb, w, h = im.convert("RGB"), *im.size
        scale = min(w // display, h // display)
        scale = 8 if scale >= 8 else 4 if scale >= 4 else 2 if scale >= 2 else 1
        if scale > 1 and not im.info.get("progressive"):
            rgb = rgb.reduce(scale)
    factor = max(rgb.size) // display
    if factor >= 2:
        rgb = rgb.reduce(factor)
    return model_crop(fit(rgb, display), 224)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    args = ap.parse_args()
    import onnxruntime as ort

    from embed.backbones.registry import model_key
    from embed.images import decode
    from render.photo_query import exports_of, half_model
    from render.query_index import make_index, recall_at_10

    files = sorted((Path(args.data) / "imagen").glob("*.jpg"))[: args.images]
    source = exports_of(model_key("efficientnet_lite0", "imagenet"))[0].read_bytes()
    full, half = ort.InferenceSession(source), ort.InferenceSession(half_model(source))
    inputs = [decode(f, 224, 256, 1024).model_input for f in files]
    a, b = embed(full, inputs), embed(half, inputs)
    cos = (a * b).sum(1)
    print(f"float16 weights vs float32, {len(files)} photos: cosine min {cos.min():.6f} mean {cos.mean():.6f}; "
          f"top-10 lists kept {overlap(a, b, a, True):.4f}")
    drafted = files[::5]
    build = embed(full, [decode(f, 224, 64, 128).model_input for f in drafted])
    port = embed(full, [drafted_stand_in(f, 128) for f in drafted])
    cos = (build * port).sum(1)
    print(f"box mean for libjpeg's DCT scaling, {len(drafted)} photos at display 128: cosine min {cos.min():.4f} "
          f"mean {cos.mean():.4f}; top-10 among the {len(a)} kept {overlap(build, port, a, False):.3f}")
    for dims in (a.shape[1], 256, 128):
        print(f"index, {dims} dimensions in int8: recall@10 {recall_at_10(a, make_index(a, dims)):.3f}")


if __name__ == "__main__":
    main()
