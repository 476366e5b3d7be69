"""The local engine: decoders -> model -> writer, as in clip-retrieval's inference loop.

The decoder (one image per call, ``embed.reader.Decoder``) runs in a pool: threads
(Pillow releases the GIL for most of a decode) or spawned worker processes (no GIL at
all: decoding then scales with the cores). The model step (one full batch at a time)
runs on the calling thread; the keeper and the writer (cache writes) run on a thread of
their own, so the model is never kept waiting for the disk. A bounded window of decodes
runs ahead of the model, so memory stays flat for any collection size. The Ray engine
(embed/ray_engine.py) runs the same decoder and model and hands its rows to the same
keeper and writer.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass

DECODE_POOLS = ("threads", "processes")


@dataclass(frozen=True)
class Sink:
    """Where an engine hands each finished image, in the process that owns the work folder.

    ``keep(job, decoded)`` stores what the decode gave besides the model input (copies,
    colour); ``write(job, row)`` gets {facet: vector} for one image; ``failed(job, reason)``
    gets failed decodes; ``advance(n)`` is told of every finished job (the progress bar)."""
    keep: Callable[[object, object], None]
    write: Callable[[object, dict], None]
    failed: Callable[[object, str], None]
    advance: Callable[[int], None]


def run(jobs: Iterable, decode: Callable, embed_batch: Callable[[list], dict] | None, sink: Sink,
        batch_size: int, workers: int, pool: str) -> int:
    """Decode every job, embed the model inputs in full batches, hand each image to the sink.

    ``decode(job)`` returns an ``embed.reader.Decoded``; ``embed_batch(inputs)`` returns
    {facet: (n, dim) vectors} (None: no job needs the model). Returns how many images went
    through the model.
    """
    keep, write, on_error, advance = sink.keep, sink.write, sink.failed, sink.advance
    batch: list = []  # (job, model input)
    embedded = 0
    pending_writes: list = []
    jobs = list(jobs)
    decoders = decode_pool(pool, workers, len(jobs))

    def flush() -> None:
        nonlocal embedded
        if not batch:
            return
        out = embed_batch([inp for _, inp in batch])
        for row, (job, _) in enumerate(batch):
            pending_writes.append(writer.submit(write, job, {facet: v[row] for facet, v in out.items()}))
        embedded += len(batch)
        advance(len(batch))
        batch.clear()

    try:
        with ThreadPoolExecutor(max_workers=1) as writer:
            for job, dec in zip(jobs, bounded_map(decoders, decode, jobs, max(2 * batch_size, 4 * workers))):
                pending_writes.append(writer.submit(keep, job, dec))
                if dec.error is not None:
                    on_error(job, dec.error)
                    advance(1)
                elif dec.model_input is not None and embed_batch is not None:
                    batch.append((job, dec.model_input))
                    if len(batch) == batch_size:
                        flush()
                else:
                    advance(1)
            flush()
            for w in pending_writes:
                w.result()  # a failed cache write is an error, not a silent miss
    except BaseException:  # Ctrl-C or an error: drop the queued decodes instead of finishing them
        decoders.shutdown(wait=False, cancel_futures=True)
        raise
    decoders.shutdown()
    return embedded


def decode_pool(kind: str, workers: int, jobs: int) -> Executor:
    """The pool the decoders run in. Processes are spawned (never forked: the parent may
    hold TensorFlow's threads) and share one lock, so that at most one very large image
    is decoded at a time across all of them, as with threads."""
    if kind == "threads" or jobs < 2 * workers:  # a handful of images: not worth a process start
        return ThreadPoolExecutor(max_workers=workers)
    if kind != "processes":
        raise ValueError(f"unknown decode pool {kind!r}; expected one of {', '.join(DECODE_POOLS)}")
    ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=start_decoder_process,
                               initargs=(ctx.Lock(), os.getpid()))


def start_decoder_process(big_decode_lock, parent: int) -> None:
    """Initializer of a decode process: share the big-decode lock, leave Ctrl-C to the
    parent (which stops the pool), and exit when the parent is gone, even by SIGKILL."""
    from embed.images import share_big_decode_lock

    share_big_decode_lock(big_decode_lock)
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="watch-parent").start()


def bounded_map(pool: Executor, fn, items, window: int):
    """pool.map that keeps at most `window` results in flight, in input order."""
    pending: deque = deque()
    for item in items:
        pending.append(pool.submit(fn, item))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()
