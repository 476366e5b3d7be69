"""Benchmark the facets (content, style, colour) on labelled images.

Prints, per facet, leave-one-out precision@10 by label (the share of each image's 10
nearest neighbours, by cosine, that carry its label) on

* imagen  – /work/shared/data/imagen: 1,000 photos, 200 ImageNet classes x 5
            (label = last ``_`` field of the file name; at most 4 of 10 can match),
* flowers – /work/shared/data/flowers: 5 classes (folder names); a seeded sample of
            ``--flowers-per-class`` images per class (default 100, so 500 of 4,317),
* art     – /work/shared/data/art: 960 paintings, 24 painters x 40, labelled by artist and by
            movement (``art-labels.csv``; 11 movements): style should beat content here,
* demo    – ``--demo N`` images made by demo/generate.py (default 240) with independent
            style / subject / palette labels: style should win on style, colour on palette;

the recall@10 of the reduced (sketched) style vectors against exact neighbours of the
full (unreduced, same normalisation) vectors on imagen, seconds per facet on each set, and
at the end one table (set, label: content / style / colour) and, on art and demo, style+content blends.

    .venv/bin/python bench/facets_bench.py [--data DIR] [--model efficientnet_lite0]
        [--weights imagenet] [--demo 240] [--flowers-per-class 100] [--sets art,imagen,flowers,demo]
        [--style-layers moments:block4c_add,...,gram:block4c_add | block2b_add,... (Grams)]

Decoding uses the pipeline's own ``embed.images.decode`` (model crop + small RGB).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from embed import colour, style  # noqa: E402
from embed.images import decode  # noqa: E402

IMAGE_EXT = {".jpg", ".jpeg", ".png"}


@dataclass
class LabelledSet:
    name: str
    paths: list[str]
    labels: dict[str, list[str]]  # label kind -> one label per image
    model_inputs: np.ndarray = field(repr=False)  # (N, S, S, 3) uint8
    smalls: list[np.ndarray] = field(repr=False)  # Decoded.small_rgb per image
    decode_s: float = 0.0


def _decode_all(paths: list[Path], size: int) -> tuple[np.ndarray, list[np.ndarray], float]:
    t = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        out = list(pool.map(lambda p: decode(p, size, 256, 1024), paths))
    return np.stack([d.model_input for d in out]), [d.small_rgb for d in out], time.perf_counter() - t


def load_imagen(data: Path, size: int) -> LabelledSet:
    paths = sorted(p for p in (data / "imagen").iterdir() if p.suffix.lower() in IMAGE_EXT)
    x, smalls, s = _decode_all(paths, size)
    return LabelledSet("imagen", [p.name for p in paths], {"class": [p.stem.rsplit("_", 1)[-1] for p in paths]},
                       x, smalls, s)


def load_flowers(data: Path, size: int, per_class: int, seed: int = 0) -> LabelledSet:
    rng = np.random.default_rng(seed)
    paths = []
    for folder in sorted(p for p in (data / "flowers").iterdir() if p.is_dir()):
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXT)
        if per_class and len(files) > per_class:
            files = [files[i] for i in sorted(rng.choice(len(files), per_class, replace=False))]
        paths += files
    x, smalls, s = _decode_all(paths, size)
    return LabelledSet("flowers", [f"{p.parent.name}/{p.name}" for p in paths],
                       {"species": [p.parent.name for p in paths]}, x, smalls, s)


def load_art(data: Path, size: int) -> LabelledSet:
    """The 960 paintings with their labels (art-labels.csv: path, artist, style = movement)."""
    import csv

    with open(data / "art-labels.csv", newline="", encoding="utf-8") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: r["path"])
    paths = [data / "art" / r["path"] for r in rows]
    x, smalls, s = _decode_all(paths, size)
    return LabelledSet("art", [r["path"] for r in rows],
                       {"artist": [r["artist"] for r in rows], "movement": [r["style"] for r in rows]}, x, smalls, s)


def load_labelled_folder(root: Path, size: int, name: str = "demo") -> LabelledSet:
    """A folder in demo/generate.py's layout: labels style, subject, palette from the paths."""
    from demo.generate import parse_name

    paths, labels = [], {"style": [], "subject": [], "palette": []}
    for p in sorted(root.rglob("*.jpg")):
        lab = parse_name(p.relative_to(root).as_posix())
        if lab:
            paths.append(p)
            for k in labels:
                labels[k].append(lab[k])
    x, smalls, s = _decode_all(paths, size)
    return LabelledSet(name, [p.relative_to(root).as_posix() for p in paths], labels, x, smalls, s)


def load_demo(count: int, size: int, seed: int = 0) -> LabelledSet:
    from demo.generate import generate

    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp) / "demo", count=count, seed=seed, size=256)
        return load_labelled_folder(Path(tmp) / "demo", size)


# --- measures ------------------------------------------------------------------------

def top_k(vectors: np.ndarray, k: int = 10) -> np.ndarray:
    """(N, k) row indices of each row's k nearest rows by cosine (self excluded), exact."""
    v = style.l2_normalise(vectors)
    out = np.empty((len(v), k), np.intp)
    for start in range(0, len(v), 1024):
        sim = v[start:start + 1024] @ v.T
        sim[np.arange(len(sim)), np.arange(start, start + len(sim))] = -np.inf
        part = np.argpartition(-sim, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(sim, part, 1), axis=1, kind="stable")
        out[start:start + len(sim)] = np.take_along_axis(part, order, 1)
    return out


def precision_at_k(vectors: np.ndarray, labels: list[str], k: int = 10) -> float:
    lab = np.asarray(labels)
    return float((lab[top_k(vectors, k)] == lab[:, None]).mean())


def recall_at_k(reduced: np.ndarray, full: np.ndarray, k: int = 10) -> float:
    a, b = top_k(reduced, k), top_k(full, k)
    return float(np.mean([len(set(x) & set(y)) / k for x, y in zip(a, b)]))


def facet_vectors(bb, ds: LabelledSet, full_style: bool = False) -> tuple[dict, dict, np.ndarray | None]:
    # one pass gives content and the style statistics (what the build runs); timed separately below
    """{facet: vectors}, {facet: seconds} for one set; optionally the full style vectors."""
    vecs, secs = {}, {}
    t = time.perf_counter()
    vecs["content"] = bb.embed(ds.model_inputs)
    secs["content"] = time.perf_counter() - t
    t = time.perf_counter()
    pooled, grams = bb.style_grams(ds.model_inputs)
    t_graph = time.perf_counter() - t
    t = time.perf_counter()
    vecs["style"] = style.style_recipe_vectors(bb.style_layers, grams)
    secs["style"] = t_graph + time.perf_counter() - t  # content + Grams in one pass, plus the sketch
    secs["style_sketch"] = time.perf_counter() - t
    full = style.style_recipe_full(bb.style_layers, grams) if full_style else None
    del grams
    t = time.perf_counter()
    vecs["colour"] = colour.colour_vectors(ds.smalls)
    secs["colour"] = time.perf_counter() - t
    return vecs, secs, full


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--model", default="efficientnet_lite0")
    ap.add_argument("--weights", default="imagenet")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--style-layers", default="", help="comma-separated; default DEFAULT_STYLE_LAYERS[model]; "
                    "'seed' = SEED_STYLE_LAYERS[model] (recipe 1, Grams only)")
    ap.add_argument("--demo", type=int, default=240, help="generated images (0: skip)")
    ap.add_argument("--demo-dir", type=Path, help="an existing generated folder instead of --demo")
    ap.add_argument("--flowers-per-class", type=int, default=100, help="0: all 4,317")
    ap.add_argument("--sets", default="art,imagen,flowers,demo")
    args = ap.parse_args(argv)

    from embed import backbones

    layers = ([s for s in args.style_layers.split(",") if s] or backbones.DEFAULT_STYLE_LAYERS[args.model])
    if layers == ["seed"]:
        layers = backbones.SEED_STYLE_LAYERS[args.model]
    bb = backbones.load_backbone(args.model, args.weights, args.batch_size, style_layers=layers)
    print(f"model {bb.key}; style layers {', '.join(layers)}; style dim {style.STYLE_DIM} "
          f"({'moments + Gram' if any(x.startswith('moments:') for x in layers) else 'Grams only, the seed recipe'}); "
          f"colour {colour.COLOUR_SPACE} {colour.COLOUR_BINS}^3 soft={colour.COLOUR_SOFT}")
    sets = args.sets.split(",")
    rows = []
    for name in sets:
        if name == "art":
            ds = load_art(args.data, bb.input_size)
        elif name == "imagen":
            ds = load_imagen(args.data, bb.input_size)
        elif name == "flowers":
            ds = load_flowers(args.data, bb.input_size, args.flowers_per_class)
        elif name == "demo":
            if args.demo_dir:
                ds = load_labelled_folder(args.demo_dir, bb.input_size)
            elif args.demo:
                ds = load_demo(args.demo, bb.input_size)
            else:
                continue
        else:
            raise SystemExit(f"unknown set {name!r}")
        vecs, secs, full = facet_vectors(bb, ds, full_style=(name == "imagen"))
        print(f"\n{name}: {len(ds.paths)} images (decode {ds.decode_s:.1f} s, not counted below)")
        for kind, labels in ds.labels.items():
            ps = {f: precision_at_k(v, labels) for f, v in vecs.items()}
            best = max(ps, key=ps.get)
            print(f"  precision@10 by {kind:8s} " + "  ".join(f"{f} {p:.3f}" for f, p in ps.items())
                  + f"   (best: {best})")
            rows.append((name, kind, ps))
        if name in ("art", "demo"):  # does a mix of style and content beat both? (site.toml's presets)
            for kind, labels in ds.labels.items():
                blends = [(a, precision_at_k(_blend(vecs, {"style": 1 - a, "content": a}), labels))
                          for a in (0.1, 0.2, 0.3, 0.5)]
                print(f"  blend style+content by {kind}: " + "  ".join(f"content {a:.1f}: {p:.3f}" for a, p in blends))
        if full is not None:
            print(f"  style full dim {full.shape[1]:,}: precision@10 {precision_at_k(full, ds.labels['class']):.3f}; "
                  f"recall@10 of {style.STYLE_DIM}-d reduced vs full neighbours: "
                  f"{recall_at_k(vecs['style'], full):.3f}")
            del full
        n = len(ds.paths)
        print("  seconds: " + "  ".join(
            f"{f} {secs[f]:.1f} ({1000 * secs[f] / n:.1f} ms/image)" for f in ("content", "style", "colour"))
            + f"  [style = one pass giving content + style statistics, incl. reduction {secs['style_sketch']:.1f} s; "
            f"extra over content alone {secs['style'] - secs['content']:+.1f} s]")
    print("\n| set, label | content | style | colour |\n|---|---:|---:|---:|")
    for name, kind, ps in rows:
        best = max(ps, key=ps.get)
        print(f"| {name}, {kind} | " + " | ".join(f"**{p:.3f}**" if f == best else f"{p:.3f}"
                                                   for f, p in ps.items()) + " |")
    return 0


def _blend(vecs: dict, weights: dict) -> np.ndarray:
    from embed.facets import blend

    return blend(vecs, weights)


if __name__ == "__main__":
    raise SystemExit(main())
