"""The Ray engine: the embed stage as a Ray Data pipeline, on a local Ray or any cluster.

    [embed] engine = "ray"          python build.py --engine ray [--ray-address ADDR]

read   ``ray.data.from_items``: one row per job (its row number and what it needs);
decode ``map_batches`` tasks on CPU workers, running the same ``embed.reader.Decoder``
       as the local engine (so the same bytes go into the model);
model  ``map_batches`` with an actor pool: each actor builds the backbone once from its
       ``ModelSpec`` (one per GPU when the cluster has GPUs, else one on CPUs);
write  the driver streams the finished rows and hands each to the same keeper and
       writer as the local engine, so the work folder is written only here, row-aligned
       by job number, and every finished image is cached at once: a killed job resumes
       with only the missing images.

Only the driver touches the work folder. On a cluster every node must see the
collection at the same path (shared storage), and the project's code travels as the
job's working directory (docs/scaling.md). Ray is optional: requirements-ray.txt.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from core.console import hush
from core.errors import LookalikeError
from embed.reader import Decoded, Decoder
from embed.runner import Sink

REPO = Path(__file__).resolve().parent.parent
DECODE_BATCH = 16  # rows per decode task: small enough to keep every CPU busy near the end
# Not sent to a cluster with the code: environments, caches, sites, the browser tools.
CODE_EXCLUDES = [".venv", "node_modules", ".lookalike", "_site", ".git", "test-artifacts", "demo/collection"]


class RayMissingError(LookalikeError):
    def __init__(self):
        super().__init__('[embed] engine = "ray" needs Ray: pip install -r requirements-ray.txt '
                         '(or use engine = "local")')


def run(jobs: list, decoder: Decoder, model_spec, sink: Sink, engine, log) -> tuple[int, str]:
    """Embed ``jobs`` on Ray, handing each finished image to ``sink`` (embed/runner.py); returns
    (images through the model, the engine in words). engine: the [embed] settings."""
    try:
        import ray
        import ray.data  # noqa: F401 - the Data library is a separate extra
    except ImportError:
        raise RayMissingError() from None
    hush("ray", "ray.data")  # Ray sets its loggers' levels when imported
    started_here = _connect(ray, engine.ray_address)
    try:
        gpus = int(ray.cluster_resources().get("GPU", 0))
        actors = engine.model_workers or max(gpus, 1)
        where = engine.ray_address or "local"
        log.info(f"embed: Ray Data on {where} ({int(ray.cluster_resources().get('CPU', 0))} CPUs, {gpus} GPUs), "
                 f"{actors} model worker{'s' if actors != 1 else ''}")
        missing: list = []

        def failed(job, reason: str) -> None:
            if reason.startswith("file not found"):
                missing.append(job)
            sink.failed(job, reason)

        embedded = _stream(ray, jobs, decoder, model_spec, Sink(sink.keep, sink.write, failed, sink.advance),
                           actors, 1 if gpus else 0)
        if engine.ray_address and jobs and len(missing) == len(jobs):
            raise LookalikeError(f"the Ray workers found none of the {len(jobs)} images (e.g. {jobs[0].full_path}): "
                                 "on a cluster the collection must be on storage every node mounts at the "
                                 "same path (docs/scaling.md)")
        return embedded, f"ray ({where}), {actors} model worker{'s' if actors != 1 else ''} on " + (
            "GPU" if gpus else "CPU")
    finally:
        if started_here:
            ray.shutdown()


def _connect(ray, address: str) -> bool:
    """Join the cluster at `address`, or start a local Ray; True when this call started it."""
    if ray.is_initialized():
        return False
    env = {k: v for k, v in os.environ.items() if k in ("KERAS_BACKEND", "TF_CPP_MIN_LOG_LEVEL")}
    if address:  # a cluster: send the code along (the collection must be on shared storage)
        runtime_env = {"working_dir": str(REPO), "excludes": CODE_EXCLUDES, "env_vars": env}
        ray.init(address=address, runtime_env=runtime_env, log_to_driver=False, logging_level="ERROR")
    else:  # this machine: workers import the code from here
        env["PYTHONPATH"] = os.pathsep.join([str(REPO)] + [p for p in [os.environ.get("PYTHONPATH")] if p])
        ray.init(runtime_env={"env_vars": env}, include_dashboard=False, log_to_driver=False,
                 logging_level="ERROR", configure_logging=False)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False  # the stage draws one bar for the whole embed
    ctx.print_on_execution_start = False
    return True


def _stream(ray, jobs: list, decoder: Decoder, model_spec, sink: Sink, actors: int, gpus_per_actor: int) -> int:
    rows = [{"row": i, "path": str(j.full_path), "model": j.need_model and model_spec is not None,
             "colour": "colour" in j.missing, "copies": j.need_images} for i, j in enumerate(jobs)]
    ds = ray.data.from_items(rows, override_num_blocks=max(1, min(len(rows) // DECODE_BATCH, 1000)))
    ds = ds.map_batches(decode_rows, fn_kwargs={"decoder": decoder}, batch_size=DECODE_BATCH,
                        batch_format="numpy", num_cpus=1)  # tasks: as many as there are free CPUs
    if model_spec is not None:
        ds = ds.map_batches(EmbedRows, fn_constructor_args=(model_spec,), batch_size=model_spec.batch_size,
                            batch_format="numpy", compute=ray.data.ActorPoolStrategy(size=actors),
                            num_gpus=gpus_per_actor, num_cpus=0 if gpus_per_actor else 1)
    embedded = 0
    for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
        for i in range(len(batch["row"])):
            job = jobs[int(batch["row"][i])]
            dec = _decoded(batch, i)
            sink.keep(job, dec)
            if dec.error is not None:
                sink.failed(job, dec.error)
            elif bool(batch["has_input"][i]) and model_spec is not None:
                sink.write(job, {f: batch[f][i] for f in ("content", "style", "tags") if f in batch})
                embedded += 1
            sink.advance(1)
    return embedded


def _decoded(batch: dict, i: int) -> Decoded:
    error = str(batch["error"][i])
    return Decoded(error=error or None, content_error=bool(batch["content_error"][i]),
                   colour=batch["colour"][i] if bool(batch["has_colour"][i]) else None,
                   width=int(batch["width"][i]), height=int(batch["height"][i]),
                   thumb_jpeg=bytes(batch["thumb"][i]), display_jpeg=bytes(batch["display"][i]))


def decode_rows(batch: dict, decoder: Decoder) -> dict:
    """A decode task: rows of jobs -> columns of what the decoder made (fixed shapes, zeros
    and a flag where a row has no model input or colour vector, so every block agrees)."""
    n, side = len(batch["row"]), decoder.model_size or 1
    out = {"row": batch["row"], "error": np.empty(n, object), "content_error": np.zeros(n, bool),
           "has_input": np.zeros(n, bool), "model_input": np.zeros((n, side, side, 3), np.uint8),
           "has_colour": np.zeros(n, bool), "colour": np.zeros((n, decoder.colour_bins ** 3), np.float32),
           "width": np.zeros(n, np.int64), "height": np.zeros(n, np.int64),
           "thumb": np.empty(n, object), "display": np.empty(n, object)}
    for i in range(n):
        dec = decoder.decode(str(batch["path"][i]), bool(batch["model"][i]), bool(batch["colour"][i]),
                             bool(batch["copies"][i]))
        out["error"][i], out["content_error"][i] = dec.error or "", dec.content_error
        if dec.model_input is not None:
            out["has_input"][i], out["model_input"][i] = True, dec.model_input
        if dec.colour is not None:
            out["has_colour"][i], out["colour"][i] = True, dec.colour
        out["width"][i], out["height"][i] = dec.width, dec.height
        out["thumb"][i], out["display"][i] = dec.thumb_jpeg, dec.display_jpeg
    return out


class EmbedRows:
    """A model worker (one actor of the pool): builds the backbone once, embeds the rows
    that carry a model input, and drops the inputs (the driver needs only the vectors)."""

    def __init__(self, model_spec):
        self.backbone = model_spec.load()  # Keras, or the exported graph under [model] runtime
        self.dims = self.backbone.facet_dims()

    def __call__(self, batch: dict) -> dict:
        inputs = batch.pop("model_input")
        has = batch["has_input"]
        picked = np.flatnonzero(has)
        facets = self.backbone.embed_batch(list(inputs[picked])) if len(picked) else {}
        for facet, dim in self.dims.items():  # every block has the same columns
            batch[facet] = np.zeros((len(has), dim), np.float32)
            if facet in facets:
                batch[facet][picked] = facets[facet]
        return batch
