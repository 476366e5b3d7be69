#!/usr/bin/env python3
"""Benchmark: embedding throughput of the pipeline against a naive baseline, in one run.

Pipeline: embed.stage.run (draft-mode decode in worker threads overlapped with
fixed-size compiled batches; thumbnails and display copies from the same decode).
Baseline: what common tools do: full PIL decode, resize, model.predict on one image
at a time (timed on a sample, as it is slow). Also times decode alone and the model
alone on the same images, to say which half bounds the pipeline.

Then the decoders: threads against spawned processes, 1 and 2 of them (all cores when
more), decode alone and end to end.

Usage: .venv/bin/python bench/embed_bench.py [--set flowers|imagen] [--limit N] [--baseline-sample N]
       [--only-decoders] [--style-ab ROUNDS]

--style-ab: only the style recipes against each other, interleaved in one run: the three-facet
pipeline (content + style + colour, models loaded beforehand, fresh caches each time) and the
one-pass model step alone, alternating the seed's recipe (Gram matrices, SEED_STYLE_LAYERS) and
today's (DEFAULT_STYLE_LAYERS), ROUNDS times each; prints the medians and their ratio.

--runtimes ROUNDS: only the model runtimes ([model] runtime, embed/runtimes.py) against each other,
interleaved in one run: the full default embed (content + style + colour facets and tags, thumbnails
and display copies, fresh caches each time, each model loaded beforehand) under Keras, ONNX Runtime
and OpenVINO at float32 (and OpenVINO at bfloat16, opt-in), and the naive one-image loop on a
sample, ROUNDS times each; prints the medians, their ratios to Keras and to the naive loop, and
how far each runtime's vectors are from Keras' (least cosine per image, share of images whose
top-10 neighbour set is the same, tags the same).
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def cpu_seconds() -> float:
    """CPU time of this process, all threads, and of its finished children (decode processes)."""
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))


def linked_collection(src: Path, cands, coll: Path) -> Path:
    """The chosen images of `coll`, linked (not copied) into a fresh collection folder."""
    for c in cands:
        (src / c.path).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(coll / c.path, src / c.path)
    return src


def decode_alone(paths, decoder, kind: str, workers: int) -> float:
    """Seconds to decode every path (CNN input + copies) in a pool of `workers` threads or processes."""
    from itertools import repeat

    from embed.runner import decode_pool

    t = time.perf_counter()
    pool = decode_pool(kind, workers, len(paths))
    with pool:
        for _ in pool.map(decoder.decode, paths, repeat(True), repeat(False), repeat(True), chunksize=8):
            pass
    return time.perf_counter() - t


def decoder_sweep(paths, cands, coll, settings, bb, t_model: float) -> None:
    """Decoders as threads and as spawned processes, 1 and 2 of them (and all cores when more):
    decode alone and the pipeline end to end, each against its 1-worker figure."""
    from core.log import QUIET
    from core.views import for_step
    from core.workfolder import WorkFolder
    from embed import backbones
    from embed import stage as embed_stage
    from embed.reader import Decoder

    n, cores = len(paths), os.cpu_count() or 1
    decoder = Decoder.of(settings.images, settings.facets, 224)
    counts = sorted({1, 2, cores})
    print(f"\ndecoders ({n} images; pipeline = content facet, model loaded; ratios against 1 worker of the same kind)")
    with tempfile.TemporaryDirectory() as tmp:
        src = linked_collection(Path(tmp) / "coll", cands, coll)
        real_load = backbones.load_backbone
        backbones.load_backbone = lambda *a, **k: bb
        try:
            for kind in ("threads", "processes"):
                first = {}
                for w in counts:
                    t_dec = decode_alone(paths, decoder, kind, w)
                    settings.model.workers = w
                    t = time.perf_counter()
                    settings.embed.decode, settings.site.collection = kind, str(src)
                    embed_stage.run(WorkFolder(Path(tmp) / f"w-{kind}-{w}").build(src),
                                    for_step(settings, "embed"), QUIET)
                    t_pipe = time.perf_counter() - t
                    first.setdefault("dec", t_dec)
                    first.setdefault("pipe", t_pipe)
                    print(f"  {kind:<9} {w:>2}  decode alone {n / t_dec:7.1f} img/s ({first['dec'] / t_dec:.2f}x)   "
                          f"pipeline {n / t_pipe:6.1f} img/s ({first['pipe'] / t_pipe:.2f}x, "
                          f"{100 * t_model / t_pipe:.0f}% of the model alone)")
        finally:
            backbones.load_backbone = real_load
            settings.model.workers = 0


def style_ab(rounds: int, paths, cands, coll, settings) -> None:
    """The seed's style recipe (A) against today's (B), interleaved A B A B ..., same images."""
    from core.workfolder import WorkFolder
    from embed import backbones
    from embed import stage as embed_stage
    from embed.images import decode
    from embed.style import style_recipe_vectors

    name, n = settings.model.name, len(paths)
    recipes = {"seed (Grams of " + ", ".join(backbones.SEED_STYLE_LAYERS[name]) + ")":
                   backbones.SEED_STYLE_LAYERS[name],
               "today (" + ", ".join(backbones.DEFAULT_STYLE_LAYERS[name]) + ")": backbones.DEFAULT_STYLE_LAYERS[name]}
    loaded = {}
    for label, layers in recipes.items():
        bb = backbones.load_backbone(name, settings.model.weights, settings.model.batch_size, style_layers=layers)
        bb.embed_facets(np.zeros((1, 224, 224, 3), np.uint8), want_style=True)  # compile outside the timings
        loaded[label] = bb
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        x = np.stack(list(pool.map(lambda p: decode(p, 224, 256, 1024).model_input, paths)))
    settings.facets.enabled = ["content", "style", "colour"]
    pipe, step = {k: [] for k in recipes}, {k: [] for k in recipes}
    pipe_cpu, step_cpu = {k: [] for k in recipes}, {k: [] for k in recipes}  # images per CPU-second
    real_load = backbones.load_backbone
    try:
        with tempfile.TemporaryDirectory() as tmp:
            src = linked_collection(Path(tmp) / "coll", cands, coll)
            for r in range(rounds):
                for label, layers in recipes.items():
                    bb = loaded[label]
                    t, c = time.perf_counter(), cpu_seconds()
                    pooled, outs = bb.style_grams(x)
                    style_recipe_vectors(bb.style_layers, outs)
                    step[label].append(n / (time.perf_counter() - t))
                    step_cpu[label].append(n / (cpu_seconds() - c))
                    settings.facets.style_layers = list(layers)
                    backbones.load_backbone = lambda *a, _bb=bb, **k: _bb
                    t, c = time.perf_counter(), cpu_seconds()
                    embed_stage.run(WorkFolder(Path(tmp)
                                               / f"work-{r}-{len(pipe[label])}-{hash(label) & 0xffff}").build(src),
                                    src, settings.model, settings.images, settings.facets, quiet=True)
                    pipe[label].append(n / (time.perf_counter() - t))
                    pipe_cpu[label].append(n / (cpu_seconds() - c))
                    print(f"round {r + 1} {label[:5]}: pipeline {pipe[label][-1]:.1f} images/s "
                          f"({pipe_cpu[label][-1]:.1f} per CPU-s), model step {step[label][-1]:.1f} images/s "
                          f"({step_cpu[label][-1]:.1f} per CPU-s)", flush=True)
    finally:
        backbones.load_backbone = real_load
    med = lambda v: float(np.median(v))  # noqa: E731
    (a, b) = recipes
    for label in recipes:
        print(f"{label}: pipeline, 3 facets {med(pipe[label]):.1f} images/s ({med(pipe_cpu[label]):.1f} per CPU-s); "
              f"one-pass model step (content + style + reduction) {med(step[label]):.1f} images/s "
              f"({med(step_cpu[label]):.1f} per CPU-s)")
    print(f"today / seed: pipeline {med(pipe[b]) / med(pipe[a]):.3f} "
          f"(per CPU-s {med(pipe_cpu[b]) / med(pipe_cpu[a]):.3f}), "
          f"model step {med(step[b]) / med(step[a]):.3f} (per CPU-s {med(step_cpu[b]) / med(step_cpu[a]):.3f}) "
          f"(medians of {rounds} interleaved rounds, {n} images; per CPU-s is the steadier figure "
          f"when other work shares the cores)")


def naive_loop(sample, bb) -> float:
    """Seconds per image of what common tools do: full decode, resize, a thumbnail, predict one image."""
    from PIL import Image

    t = time.perf_counter()
    for p in sample:
        im = Image.open(p).convert("RGB")
        arr = np.asarray(im.resize((224, 224), Image.BICUBIC))[None].astype(np.float32)
        im.copy().thumbnail((256, 256))
        bb.model.predict(arr, verbose=0)
    return (time.perf_counter() - t) / len(sample)


def int8_backbone(name: str, settings, layers, coll, paths):
    """OpenVINO running the static int8 export, calibrated on `paths` (photos outside the timed set)."""
    from embed.images import decode
    from embed.onnx_export import onnx_model_path, quantized_model_path
    from embed.runtime_graph import load_graph_file

    cal = np.stack([decode(p, 224, 128, 256).model_input for p in paths]).astype(np.float32)
    path = quantized_model_path(onnx_model_path(name, settings.model.weights, layers, True), cal)
    return load_graph_file("openvino", path, settings.model.batch_size, True)


def runtime_ab(rounds: int, cands, coll, settings, sample_size: int, calibration_paths) -> None:
    """Keras against the graph runtimes, the full default embed, interleaved; then agreement."""
    from core.log import QUIET
    from core.views import for_step
    from core.workfolder import WorkFolder
    from embed import backbones, runtimes
    from embed import stage as embed_stage

    name, n = settings.model.name, len(cands)
    arms = [("keras", "float32")] + [(r, "float32") for r in ("onnxruntime", "openvino") if runtimes.installed(r)]
    arms += [("openvino", "bfloat16")] if runtimes.installed("openvino") else []
    layers = tuple(backbones.DEFAULT_STYLE_LAYERS[name])
    loaded = {}
    for runtime, precision in arms:
        spec = backbones.ModelSpec(name, settings.model.weights, settings.model.batch_size, layers, precision,
                                   tags=True, runtime=runtime)
        loaded[runtime, precision] = spec.load()
    if runtimes.installed("openvino") and runtimes.installed("onnxruntime"):
        arms.append(("openvino", "int8"))
        loaded["openvino", "int8"] = int8_backbone(name, settings, layers, coll, calibration_paths)
    for net in loaded.values():
        net.embed_batch([np.zeros((224, 224, 3), np.uint8)])  # compile outside the timings
    real_load, real_choose = backbones.ModelSpec.load, embed_stage.choose_runtime
    speed, per_cpu = {arm: [] for arm in arms}, {arm: [] for arm in arms}
    naive, naive_cpu, out = [], [], {}
    sample = [coll / c.path for c in cands[:sample_size]]
    naive_loop(sample[:1], loaded["keras", "float32"])  # Keras' predict traces its function on the first call
    try:
        current = [arms[0]]
        backbones.ModelSpec.load = lambda self: loaded[current[0]]
        with tempfile.TemporaryDirectory() as tmp:
            src = linked_collection(Path(tmp) / "coll", cands, coll)
            settings.site.collection = str(src)
            for r in range(rounds):
                for arm in arms:
                    settings.model.precision, current[0] = ("float32" if arm[1] == "int8" else arm[1]), arm
                    embed_stage.choose_runtime = lambda *a, _arm=arm, **k: (_arm[0], "bench")
                    build = WorkFolder(Path(tmp) / f"w-{r}-{arm[0]}-{arm[1]}").build(src)
                    t, c = time.perf_counter(), cpu_seconds()
                    embed_stage.run(build, for_step(settings, "embed"), QUIET)
                    speed[arm].append(n / (time.perf_counter() - t))
                    per_cpu[arm].append(n / (cpu_seconds() - c))
                    if r == 0:
                        manifest = build.read_manifest()
                        out[arm] = ({f: build.read_features(manifest, f) for f in ("content", "style")},
                                    [[t["class"] for t in im.tags] for im in manifest.images])
                c = cpu_seconds()
                naive.append(1 / naive_loop(sample, loaded["keras", "float32"]))
                naive_cpu.append(len(sample) / (cpu_seconds() - c))
                print(f"round {r + 1}: " + ", ".join(f"{a[0]} {a[1]} {speed[a][-1]:.1f}" for a in arms)
                      + f", naive {naive[-1]:.1f} images/s", flush=True)
    finally:
        backbones.ModelSpec.load, embed_stage.choose_runtime = real_load, real_choose
    med = lambda v: float(np.median(v))  # noqa: E731
    base = med(speed["keras", "float32"])
    print(f"\n{n} images, full default embed (content + style + colour + tags, thumbnails), medians of {rounds} "
          f"interleaved rounds; naive loop timed on {len(sample)} images each round")
    print(f"  {'naive one-image loop (Keras)':<30} {med(naive):6.1f} images/s  ({med(naive_cpu):.1f} per CPU-s)")
    ref, ref_tags = out["keras", "float32"]
    for arm in arms:
        vecs, tags = out[arm]
        agree = "  ".join(f"{f}: {_agreement(ref[f], vecs[f])}" for f in ("content", "style"))
        same_tags = np.mean([a == b for a, b in zip(ref_tags, tags)])
        print(f"  {arm[0] + ' ' + arm[1]:<30} {med(speed[arm]):6.1f} images/s  {med(speed[arm]) / base:5.2f}x Keras  "
              f"{med(speed[arm]) / med(naive):5.1f}x naive  ({med(per_cpu[arm]):.1f} per CPU-s, "
              f"{med(per_cpu[arm]) / med(per_cpu['keras', 'float32']):.2f}x Keras, "
              f"{med(per_cpu[arm]) / med(naive_cpu):.1f}x naive)   {agree}  "
              f"tags same {100 * same_tags:.1f}%")


def _agreement(a: np.ndarray, b: np.ndarray, k: int = 10) -> str:
    from embed.runtimes import neighbour_agreement

    cos, same = neighbour_agreement(a, b, k)
    return f"cosine min {cos.min():.7f} mean {cos.mean():.7f}, top-{k} same {100 * same.mean():.1f}%"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", default="flowers")
    ap.add_argument("--data", default=os.environ.get("LOOKALIKE_DATA", REPO.parent / "shared" / "data"))
    ap.add_argument("--limit", type=int, default=0, help="use only the first N images")
    ap.add_argument("--baseline-sample", type=int, default=150)
    ap.add_argument("--only-decoders", action="store_true", help="only the threads/processes sweep")
    ap.add_argument("--style-ab", type=int, default=0, metavar="ROUNDS",
                    help="only the seed's style recipe against today's, interleaved, ROUNDS each")
    ap.add_argument("--runtimes", type=int, default=0, metavar="ROUNDS",
                    help="only the model runtimes against each other, interleaved, ROUNDS each")
    args = ap.parse_args()

    from core.config import Settings
    from core.log import QUIET
    from core.views import for_step
    from core.workfolder import WorkFolder
    from embed import backbones
    from embed import stage as embed_stage
    from embed.collection import scan
    from embed.images import decode

    coll = Path(args.data) / args.set
    if not coll.is_dir():
        sys.exit(f"no collection at {coll}")
    cands = scan(coll).candidates
    if args.limit:
        cands = cands[: args.limit]
    paths = [coll / c.path for c in cands]
    n = len(paths)
    settings = Settings()
    settings.images.follow_links_outside = True  # the bench's collections are links to the data set
    settings.facets.enabled = ["content"]  # the model-alone figure below is the content model
    model, images = settings.model, settings.images

    def run_embed(src: Path, work: Path) -> None:
        settings.site.collection = str(src)
        embed_stage.run(WorkFolder(work).build(src), for_step(settings, "embed"), QUIET)
    print(f"{args.set}: {n} images; {os.cpu_count()} cores; "
          f"Keras backend {os.environ.get('KERAS_BACKEND', 'tensorflow')}")
    if args.style_ab:
        return style_ab(args.style_ab, paths, cands, coll, settings)
    if args.runtimes:
        settings.facets.enabled = ["content", "style", "colour"]
        rest = scan(coll).candidates[len(cands):] or cands  # int8: calibrated on 40 photos outside the timed
        # ones where there are any (--limit), else on 40 of them
        return runtime_ab(args.runtimes, cands, coll, settings, min(args.baseline_sample, n),
                          [coll / c.path for c in rest[:: max(1, len(rest) // 40)][:40]])

    bb = backbones.load_backbone(model.name, model.weights, model.batch_size)
    bb.embed(np.zeros((1, 224, 224, 3), np.uint8))  # compile outside the timings

    # 1. decode alone (same threads as the pipeline)
    t, c = time.perf_counter(), cpu_seconds()
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        inputs = list(pool.map(lambda p: decode(p, 224, images.thumb_size, images.display_size).model_input, paths))
    t_decode, c_decode = time.perf_counter() - t, cpu_seconds() - c
    # 2. model alone on those inputs
    x = np.stack(inputs)
    t, c = time.perf_counter(), cpu_seconds()
    bb.embed(x)
    t_model, c_model = time.perf_counter() - t, cpu_seconds() - c
    if args.only_decoders:
        print(f"model alone    {n / t_model:8.1f} images/s")
        decoder_sweep(paths, cands, coll, settings, bb, t_model)
        return
    # 3. the pipeline end to end (fresh caches), with the collection limited the same way
    with tempfile.TemporaryDirectory() as tmp:
        src = linked_collection(Path(tmp) / "coll", cands, coll)
        real_load = backbones.load_backbone
        backbones.load_backbone = lambda *a, **k: bb  # steady state: the model is already loaded
        try:
            t, c = time.perf_counter(), cpu_seconds()
            run_embed(src, Path(tmp) / "work")
            t_pipe, c_pipe = time.perf_counter() - t, cpu_seconds() - c
        finally:
            backbones.load_backbone = real_load
        settings.facets.enabled = ["content", "style", "colour"]
        t = time.perf_counter()
        run_embed(src, Path(tmp) / "work3")
        t_pipe3 = time.perf_counter() - t  # includes loading the model with its style layers
    # 4. naive baseline on a sample
    sample = paths[: args.baseline_sample]
    t_naive = naive_loop(sample, bb) * n

    slower = max(t_decode, t_model)
    cores = os.cpu_count() or 1
    busy = lambda cs, ts: f"{cs:.1f} CPU-s, {cs / ts:.2f} of {cores} cores busy"  # noqa: E731
    print(f"decode alone   {n / t_decode:8.1f} images/s  ({t_decode:.1f} s; {busy(c_decode, t_decode)})")
    print(f"model alone    {n / t_model:8.1f} images/s  ({t_model:.1f} s; {busy(c_model, t_model)})")
    print(f"pipeline       {n / t_pipe:8.1f} images/s  ({t_pipe:.1f} s; {busy(c_pipe, t_pipe)}; content facet, "
          f"decode + thumbnails + display copies + cache writes)")
    # When both halves need the same cores, the best overlap is their CPU-seconds spread over all cores.
    packed = (c_decode + c_model) / cores
    print(f"both halves on {cores} cores, perfectly packed: {packed:.1f} s -> {n / packed:.1f} images/s; "
          f"the pipeline is at {100 * packed / t_pipe:.0f}% of that and used "
          f"{c_pipe - c_decode - c_model:+.1f} CPU-s beyond the two halves")
    print(f"pipeline, 3 facets {n / t_pipe3:6.1f} images/s  "
          f"({t_pipe3:.1f} s, content + style + colour, incl. model load)")
    print(f"naive baseline {n / t_naive:8.1f} images/s  (timed on {len(sample)} images)")
    print(f"pipeline / naive: {t_naive / t_pipe:.1f}x;  pipeline at {100 * slower / t_pipe:.0f}% of the slower half "
          f"({'decode' if t_decode > t_model else 'model'})")
    decoder_sweep(paths, cands, coll, settings, bb, t_model)


if __name__ == "__main__":
    main()
