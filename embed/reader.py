"""The reader of the embed engines: decode one image once, and keep what that decode gave.

Two halves, so that any engine can run the first one wherever it likes:

- ``Decoder`` (picklable: only sizes and names) opens one file and returns a ``Decoded``
  with the CNN input, the colour vector and the thumbnail and display copies, or the
  reason it could not. It touches no cache, so it runs the same in a thread, in a spawned
  worker process or in a Ray worker on another machine.
- ``Keeper`` runs where the work folder is (the writer thread of the engine): it puts the
  colour vector and the copies into the caches, and remembers content that cannot be
  decoded by its hash, so it is not opened again. A file that cannot be *read* (gone,
  permission denied) says nothing about its content and is retried next build.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embed.colour import colour_vector
from embed.images import ImageDecodeError, decode
from embed.plan import Job, Plan
from embed.regular_file import ImageReadError


@dataclass
class Decoded:
    """What a decode worker sends back for one job (small: uint8 input and JPEG bytes)."""
    error: str | None = None
    content_error: bool = False  # the content is bad: cache the reason against the hash
    model_input: np.ndarray | None = None  # (S, S, 3) uint8, when the job needs the model
    colour: np.ndarray | None = None  # when the job lacks the colour vector
    width: int = 0
    height: int = 0
    thumb_jpeg: bytes = b""  # when the job lacks the copies
    display_jpeg: bytes = b""


@dataclass(frozen=True)
class Decoder:
    model_size: int | None  # the backbone's input side; None when no job needs the model
    thumb_size: int
    display_size: int
    max_pixels: int
    colour_bins: int
    colour_space: str

    @classmethod
    def of(cls, images, facets, model_size: int | None) -> "Decoder":
        return cls(model_size, images.thumb_size, images.display_size, images.max_pixels,
                   facets.colour_bins, facets.colour_space)

    def __call__(self, job: Job) -> Decoded:
        return self.decode(job.full_path, job.need_model, "colour" in job.missing, job.need_images)

    def decode(self, path, model: bool, colour: bool, copies: bool) -> Decoded:
        """What one job needs from one file: model input, colour vector, copies."""
        try:
            dec = decode(path, self.model_size if model else None,
                         self.thumb_size, self.display_size, max_pixels=self.max_pixels)
        except ImageReadError as exc:  # the file, not its content: not cached, retried next build
            return Decoded(error=str(exc))
        except ImageDecodeError as exc:
            return Decoded(error=str(exc), content_error=True)
        except Exception as exc:  # noqa: BLE001 - one odd file must not end the build
            return Decoded(error=f"unexpected error while decoding: {type(exc).__name__}: {exc}")
        out = Decoded(model_input=dec.model_input, width=dec.width, height=dec.height)
        if colour:
            out.colour = colour_vector(dec.small_rgb, self.colour_bins, self.colour_space)
        if copies:
            out.thumb_jpeg, out.display_jpeg = dec.thumb_jpeg, dec.display_jpeg
        return out


class Keeper:
    """Puts what a decode gave into the caches and the plan (one thread at a time: the
    feature stores have one writer, embed/runner.py's writer thread or the Ray driver)."""

    def __init__(self, plan: Plan, caches: dict, image_cache):
        self.plan, self.caches, self.image_cache = plan, caches, image_cache

    def __call__(self, job: Job, dec: Decoded) -> None:
        sha = job.cand.sha256
        if dec.error is not None:
            if dec.content_error:
                self.image_cache.put_error(sha, dec.error)
            return
        if dec.colour is not None:
            self.caches["colour"].put(sha, dec.colour)
        if job.need_images:
            self.image_cache.put(sha, dec.width, dec.height, dec.thumb_jpeg, dec.display_jpeg)
            self.plan.metas[sha] = {"width": dec.width, "height": dec.height}
