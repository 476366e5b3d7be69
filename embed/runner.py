"""A small runner: reader -> model -> writer, as in clip-retrieval's inference loop.

The reader (decode one image; runs in worker threads, Pillow releases the GIL), the model
step (one full batch at a time, on the calling thread) and the writer (cache writes, on a
thread of its own, so the model is never kept waiting) are plain callables handed in.
A bounded window of decodes runs ahead of the model, so memory stays flat for any size.
Other engines (processes, Ray Data) would be other runners of the same callables.
"""
from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterable


@dataclass
class Read:
    """What the reader made of one job: a model input (or None), or an error message."""
    job: object
    model_input: object = None
    error: str | None = None


def run(jobs: Iterable, read: Callable[[object], Read], embed_batch: Callable[[list], dict] | None,
        write: Callable[[object, dict], None], batch_size: int, workers: int,
        on_error: Callable[[Read], None], advance: Callable[[int], None]) -> int:
    """Read every job, embed the model inputs in full batches, write each batch's rows.

    ``write(job, row)`` gets {facet: vector} for one image; ``on_error`` gets failed reads
    and ``advance(n)`` is told of every finished job. Returns how many went through the model.
    """
    batch: list[Read] = []
    embedded = 0
    writes: list = []

    def flush() -> None:
        nonlocal embedded
        if not batch:
            return
        out = embed_batch([r.model_input for r in batch])
        for row, r in enumerate(batch):
            writes.append(writer.submit(write, r.job, {facet: v[row] for facet, v in out.items()}))
        embedded += len(batch)
        advance(len(batch))
        batch.clear()

    with ThreadPoolExecutor(max_workers=workers) as pool, ThreadPoolExecutor(max_workers=1) as writer:
        for r in bounded_map(pool, read, jobs, max(2 * batch_size, 4 * workers)):
            if r.error is not None:
                on_error(r)
                advance(1)
            elif r.model_input is not None and embed_batch is not None:
                batch.append(r)
                if len(batch) == batch_size:
                    flush()
            else:
                advance(1)
        flush()
        for w in writes:
            w.result()  # a failed cache write is an error, not a silent miss
    return embedded


def bounded_map(pool, fn, items, window: int):
    """pool.map that keeps at most `window` results in flight, in input order."""
    pending: deque = deque()
    for item in items:
        pending.append(pool.submit(fn, item))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()
