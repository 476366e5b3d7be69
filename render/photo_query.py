""""Find look-alikes of your photo": what the site ships for it, all under query/, fetched by
static/photo_query.js only when a visitor asks.

    query/model.onnx        the content part of the build's model (pixels -> pooled vector), its
                            weights stored as float16 (half the download; the graph casts them
                            back and computes in float32, so the vectors stay the build's)
    query/index.json        what the page needs: rows, dims, the model's input side, the display
                            size, ids, titles, page and thumbnail templates, the index's recall@10
    query/index-head.bin    float32: the mean, the scales, the principal axes (render/query_index.py)
    query/index-<n>.bin     the int8 codes, whole rows, at most 16 MB a file
    query/ort.wasm.min.js, ort-wasm-simd-threaded.wasm/.mjs   onnxruntime-web (render/vendor.py)

The model is the ONNX export the embed stage caches beside the converted weights
(<Lookalike cache>/onnx/<model key>-out<outputs>-onnx<version>.onnx, embed/onnx_export.py):
render reads it, as it reads the work folder, and never imports embed. Without one (another
runtime, a backbone that does not export), `[site] photo_query` is off for this build and the
summary says why. Everything here is made again only when its key changes (the export's bytes,
the content vectors, the pinned runtime).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

FOLDER = "query"
VERSION = "photo-query-1"  # change when the files below are made differently from the same inputs
HALF_MIN = 64  # float32 initialisers with at least this many numbers are stored as float16


@dataclass
class QueryPlan:
    """Decided in the read phase: whether the site has the photo query, and from what."""
    on: bool = False
    why: str = ""  # the summary's line: the index's shape and recall, or why it is off
    source: Path | None = None  # the ONNX export
    runtime: list = field(default_factory=list)  # (name, source path) of onnxruntime-web's files


def exports_of(model_key: str, cache: Path | None = None) -> list[Path]:
    """The cached ONNX exports of this model (any outputs: the content output is the first),
    sorted by name. A bfloat16 build's model key names the float32 weights' export."""
    from core.folders import lookalike_cache_dir

    folder = (cache or lookalike_cache_dir()) / "onnx"
    stem = model_key.removesuffix("-bfloat16")
    return sorted(folder.glob(f"{stem}-out*-onnx*.onnx")) if folder.is_dir() else []


def plan(wanted: bool, manifest, has_content: bool) -> QueryPlan:
    if not wanted:
        return QueryPlan(why="off ([site] photo_query = false)")
    if not has_content or not manifest.images:
        return QueryPlan(why="off: this collection has no content vectors to search")
    found = exports_of(manifest.model)
    if not found:
        return QueryPlan(why=f"off: no ONNX export of {manifest.model} in the Lookalike cache (the embed stage "
                             f"makes it with [model] runtime auto or onnxruntime)")
    from render.vendor import MissingFrontendError, runtime_files

    try:
        runtime = runtime_files()
    except MissingFrontendError as exc:
        return QueryPlan(why=f"off: {exc}")
    return QueryPlan(on=True, source=found[0], runtime=runtime)


def half_model(data: bytes) -> bytes:
    """The export's first output (the pooled content vector) alone, float32 weights stored as
    float16 behind a Cast each (onnxruntime folds the casts when the session starts)."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load_from_string(data)
    graph = model.graph
    keep = graph.output[0].name
    needed, nodes = {keep}, []
    for node in reversed(graph.node):  # the nodes the first output depends on
        if needed & set(node.output):
            nodes.append(node)
            needed |= set(node.input)
    nodes.reverse()
    del graph.output[1:]
    inits = [t for t in graph.initializer if t.name in needed]
    casts, kept = [], []
    for t in inits:
        arr = numpy_helper.to_array(t)
        if arr.dtype == np.float32 and arr.size >= HALF_MIN:
            half = numpy_helper.from_array(arr.astype(np.float16), t.name + "_f16")
            kept.append(half)
            casts.append(helper.make_node("Cast", [half.name], [t.name], to=onnx.TensorProto.FLOAT,
                                          name=t.name + "_cast"))
        else:
            kept.append(t)
    del graph.initializer[:]
    graph.initializer.extend(kept)
    del graph.node[:]
    graph.node.extend(casts + nodes)
    del graph.value_info[:]
    model.doc_string = ""
    onnx.checker.check_model(model)
    return model.SerializeToString()


def model_input_side(data: bytes) -> int:
    """The square input's side (224 for the default model), from the graph's input shape."""
    import onnx

    dims = onnx.load_from_string(data).graph.input[0].type.tensor_type.shape.dim
    return int(dims[1].dim_value or dims[2].dim_value)


def digest(*parts) -> str:
    h = hashlib.sha256(VERSION.encode())
    for p in parts:
        h.update(p if isinstance(p, bytes) else json.dumps(p, sort_keys=True).encode())
    return h.hexdigest()


def index_files(features, records, model_side: int, display_size: int, templates: dict,
                sizes: dict) -> dict[str, bytes]:
    """query/index.json and the index's binary files, from the (N, D) content vectors."""
    from render.query_index import PART_BYTES, choose_dims, header, make_index, parts, recall_at_10

    n, full = features.shape
    index = make_index(features, choose_dims(n, full))
    recall = round(recall_at_10(features, index), 3)
    codes, head = parts(index), header(index)
    sizes = {**sizes, "head": len(head)}
    sizes["total"] = sum(sizes.values()) + sum(len(c) for c in codes)
    meta = {"version": 1, "rows": n, "features": full, "dims": index.dims, "reduced": index.axes is not None,
            "input": model_side, "display_size": display_size, "crop": 0.875, "recall10": recall,
            "model": "model.onnx", "head": "index-head.bin", "parts": [f"index-{i}.bin" for i in range(len(codes))],
            "part_rows": max(1, PART_BYTES // index.dims),
            "ids": [im.id for im in records], "titles": [im.title for im in records], "bytes": sizes, **templates}
    out = {f"{FOLDER}/index.json": json.dumps(meta, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
           f"{FOLDER}/index-head.bin": head}
    out.update({f"{FOLDER}/index-{i}.bin": data for i, data in enumerate(codes)})
    return out


def describe(meta: dict) -> str:
    """The summary's line for an index: its shape (and the rule that chose it) and its recall."""
    shape = (f"PCA to {meta['dims']} of {meta['features']} dimensions" if meta["reduced"]
             else f"all {meta['features']} dimensions")
    return (f"on: {meta['rows']:,} images, {shape} in int8 ({meta['dims']} bytes an image; all dimensions up to "
            f"12,500 images of 1,280), recall@10 {meta['recall10']:.3f} against the full vectors")


def index_paths(rows: int, full: int) -> list[str]:
    from render.query_index import PART_BYTES, choose_dims

    per = max(1, PART_BYTES // choose_dims(rows, full))
    count = max(1, -(-rows // per))
    return [f"{FOLDER}/index.json", f"{FOLDER}/index-head.bin"] + [f"{FOLDER}/index-{i}.bin" for i in range(count)]


def files(b):
    """The render Output's files (render/outputs.py): the model, the runtime, the index."""
    from functools import lru_cache

    from render.index import display_template
    from render.memo import site_key
    from render.outputs import File
    from render.urls import page_path, thumb_path

    q = b.query
    source = q.source.read_bytes()
    model_key = digest("model", hashlib.sha256(source).hexdigest())
    made_model = lru_cache(maxsize=1)(lambda: half_model(source))
    yield File(f"{FOLDER}/model.onnx", model_key, made_model)
    sizes = {}
    for name, src in q.runtime:
        data = src.read_bytes()
        if name.endswith(".wasm"):
            sizes["wasm"] = len(data)
        yield File(f"{FOLDER}/{name}", digest("runtime", name, hashlib.sha256(data).hexdigest()),
                   lambda data=data: data)
    features = b.features["content"]
    opts = b.opts
    templates = {"page": page_path("{id}").replace("{i/", "{shard}/") if opts.image_pages
                 else display_template(opts), "thumb": thumb_path("{id}").replace("{i/", "{shard}/")}
    side = model_input_side(source)
    key = site_key(VERSION, features, [(im.id, im.title) for im in b.records], side, opts.display_size, templates,
                   model_key, sizes)
    made = lru_cache(maxsize=1)(lambda: index_files(features, b.records, side, opts.display_size, templates,
                                                    {**sizes, "model": len(made_model())}))
    for rel in index_paths(*features.shape):
        yield File(rel, key, lambda rel=rel: made()[rel])


def summary_line(q: QueryPlan, out: Path) -> str:
    """What the build summary says of the photo query: the index's shape and recall, or why it is off."""
    if not q.on:
        return q.why
    try:
        return describe(json.loads((Path(out) / FOLDER / "index.json").read_text("utf-8")))
    except (OSError, ValueError, KeyError):
        return "on"


def estimated_bytes(q: QueryPlan, features: dict) -> int:
    """query/'s size before it is written (render/budget.py): half the export, the runtime, the index."""
    if not q.on:
        return 0
    from render.query_index import choose_dims

    rows, full = features["content"].shape
    dims = choose_dims(rows, full)
    return (q.source.stat().st_size // 2 + sum(src.stat().st_size for _, src in q.runtime)
            + rows * (dims + 60) + (dims + 1) * full * 4)
