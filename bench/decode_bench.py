#!/usr/bin/env python3
"""Decoding: our one-pass loader against the naive full decode, and what it costs in quality.

    .venv/bin/python bench/decode_bench.py                 # speed + pixel agreement
    .venv/bin/python bench/decode_bench.py --cosine 50     # + CNN feature cosine on imagen

ours  = embed.images.decode(path, 224, 256, 1024): one decode (JPEG draft mode, i.e. DCT
        scaling) giving the CNN input, the thumbnail and the display copy, both JPEG-encoded.
naive = Image.open(path).convert("RGB") at full resolution, then three resizes from it
        (CNN input 224 x 224 BICUBIC, thumbnail 256 and display 1024 BICUBIC), and the same
        two JPEG encodes. Tools that re-open the file for each output (PixPlot decodes four
        times) are slower still.

Images: photo-like JPEGs generated in a temp folder (smooth gradients, texture noise and
hard edges, quality 90, baseline, so the file sizes are like camera files) at 12 MP
(4000 x 3000) and 2 MP (1632 x 1224), one 12 MP progressive set, and the imagen photos
(about 400 px) from ../shared/data/imagen or $LOOKALIKE_DATA/imagen.

Quality guard: the CNN input of the fast path against the same centre crop taken from a
full-resolution decode (mean absolute difference in 0..255 pixel levels), and with
--cosine N the cosine of the CNN feature vectors of both inputs on N imagen photos (at their
own size; upscaling them to 12 MP would measure nothing) and on the generated photos.
Figures are printed; nothing is asserted. Single-threaded, best of --repeat runs per file.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embed.copies import model_crop  # noqa: E402
from embed.images import decode  # noqa: E402

MODEL, THUMB, DISPLAY = 224, 256, 1024


def photo_like(w: int, h: int, seed: int) -> Image.Image:
    """Smooth colour gradients + fine texture noise + a few hard-edged shapes."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.empty((h, w, 3), np.float32)
    for c in range(3):
        a, b, f = rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(1, 4)
        img[..., c] = 128 + 60 * np.sin(f * np.pi * (a * xx / w + b * yy / h) + rng.uniform(0, 6))
    # texture: smoothed noise at two scales (leaves, fabric, skin pores)
    coarse = rng.normal(0, 1, (h // 16 + 1, w // 16 + 1, 3)).astype(np.float32)
    img += 18 * np.kron(coarse, np.ones((16, 16, 1), np.float32))[:h, :w]
    img += rng.normal(0, 6, (h, w, 3)).astype(np.float32)
    for _ in range(12):  # hard edges: rectangles and discs of flat colour
        x0, y0 = rng.integers(0, w), rng.integers(0, h)
        r = rng.integers(min(w, h) // 20, min(w, h) // 5)
        colour = rng.uniform(0, 255, 3).astype(np.float32)
        if rng.random() < 0.5:
            img[max(0, y0 - r):y0 + r, max(0, x0 - r):x0 + r] = colour
        else:
            ys, xs = slice(max(0, y0 - r), y0 + r), slice(max(0, x0 - r), x0 + r)
            mask = (yy[ys, xs] - y0) ** 2 + (xx[ys, xs] - x0) ** 2 < r * r
            img[ys, xs][mask] = colour
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def naive(path: Path):
    im = Image.open(path).convert("RGB")
    model = np.asarray(im.resize((MODEL, MODEL), Image.BICUBIC))
    outs = []
    for longest in (THUMB, DISPLAY):
        s = longest / max(im.size)
        outs.append(im if s >= 1 else  # never enlarge
                    im.resize((max(1, round(im.width * s)), max(1, round(im.height * s))), Image.BICUBIC))
    for o in outs:
        buf = io.BytesIO()
        o.save(buf, "JPEG", quality=85, optimize=True)
    return model


def ours(path: Path):
    return decode(path, MODEL, THUMB, DISPLAY).model_input


def full_res_input(path: Path) -> np.ndarray:
    """The reference CNN input: same centre crop, from a full-resolution decode."""
    with Image.open(path) as im:
        return model_crop(im.convert("RGB"), MODEL)


def best_time(fn, path: Path, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn(path)
        best = min(best, time.perf_counter() - t)
    return best


def measure(name: str, files: list[Path], repeat: int) -> dict:
    t_naive = sum(best_time(naive, f, repeat) for f in files) / len(files)
    t_ours = sum(best_time(ours, f, repeat) for f in files) / len(files)
    mad = float(np.mean([np.abs(ours(f).astype(np.int16) - full_res_input(f).astype(np.int16)).mean()
                         for f in files]))
    mb = sum(f.stat().st_size for f in files) / len(files) / 1e6
    print(f"{name:28s} {len(files):3d} files {mb:5.2f} MB  naive {t_naive * 1000:7.1f} ms  "
          f"ours {t_ours * 1000:6.1f} ms  speed-up {t_naive / t_ours:5.2f}x  "
          f"model-input |diff| {mad:.2f} / 255", flush=True)
    return {"set": name, "files": len(files), "mb": mb, "naive_ms": t_naive * 1000, "ours_ms": t_ours * 1000,
            "speedup": t_naive / t_ours, "mad": mad}


def cosine_check(name: str, files: list[Path]) -> None:
    from embed import backbones

    backbone = backbones.load_backbone(backbones.DEFAULT_MODEL, "imagenet", 32)
    a = backbone.embed(np.stack([ours(f) for f in files]))
    b = backbone.embed(np.stack([full_res_input(f) for f in files]))
    cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    print(f"{name:28s} CNN feature cosine fast vs full-resolution input: mean {cos.mean():.4f}, "
          f"min {cos.min():.4f} ({len(files)} images)", flush=True)


def main() -> None:
    global DISPLAY  # both loaders read it
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=6, help="generated files per size")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--display", type=int, default=DISPLAY,
                   help="display copy size ([images] display_size) for both loaders; default 1024")
    p.add_argument("--cosine", type=int, default=0, metavar="N", help="CNN cosine check on N imagen photos")
    args = p.parse_args()
    DISPLAY = args.display
    data = Path(os.environ.get("LOOKALIKE_DATA", ROOT.parent / "shared" / "data")) / "imagen"
    print(f"decode bench: Pillow {Image.__version__}, 1 thread, best of {args.repeat}, "
          f"outputs {MODEL} px model input + {THUMB} px thumbnail + {DISPLAY} px display copy")
    with tempfile.TemporaryDirectory(prefix="decode-bench-") as tmp:
        sets: dict[str, list[Path]] = {}
        for label, (w, h), progressive in (("12 MP JPEG (4000x3000)", (4000, 3000), False),
                                           ("2 MP JPEG (1632x1224)", (1632, 1224), False),
                                           ("12 MP progressive JPEG", (4000, 3000), True)):
            files = []
            for i in range(args.count):
                f = Path(tmp) / f"{w}x{h}-{int(progressive)}-{i}.jpg"
                photo_like(w, h, seed=i).save(f, "JPEG", quality=90, progressive=progressive)
                files.append(f)
            sets[label] = files
        if data.is_dir():
            sets["imagen (~400 px)"] = sorted(data.glob("*.jpg"))[:50]
        else:
            print(f"(no imagen photos at {data}: skipped)")
        for label, files in sets.items():
            measure(label, files, args.repeat)
        if args.cosine:
            if "imagen (~400 px)" in sets:
                cosine_check("imagen (~400 px)",
                             sorted(data.glob("*.jpg"))[::max(1, 1000 // args.cosine)][:args.cosine])
            cosine_check("12 MP JPEG (4000x3000)", sets["12 MP JPEG (4000x3000)"])
            cosine_check("2 MP JPEG (1632x1224)", sets["2 MP JPEG (1632x1224)"])


if __name__ == "__main__":
    main()
