"""The reader of the embed runner: decode one image once, and everything that comes from that decode.

Runs in worker threads. One decode gives the CNN input, the colour histogram, the
thumbnail and the display copy; the image-cache and colour-cache writes happen here, off
the thread that feeds the model. A file that cannot be read is reported and retried next
build; content that cannot be decoded is remembered by its hash and not opened again.
"""
from __future__ import annotations

from embed.colour import colour_vector
from embed.images import ImageDecodeError, ImageReadError, decode
from embed.plan import Job, Plan
from embed.runner import Read


class Reader:
    def __init__(self, plan: Plan, caches: dict, image_cache, images, facets, model_size: int | None):
        self.plan, self.caches, self.image_cache = plan, caches, image_cache
        self.images, self.facets, self.model_size = images, facets, model_size

    def __call__(self, job: Job) -> Read:
        images, sha = self.images, job.cand.sha256
        try:
            dec = decode(job.full_path, self.model_size if job.need_model else None,
                         images.thumb_size, images.display_size, max_pixels=images.max_pixels)
        except ImageReadError as exc:  # the file, not its content: not cached, retried next build
            return Read(job, error=str(exc))
        except ImageDecodeError as exc:
            self.image_cache.put_error(sha, str(exc))
            return Read(job, error=str(exc))
        except Exception as exc:  # noqa: BLE001 - one odd file must not end the build
            return Read(job, error=f"unexpected error while decoding: {type(exc).__name__}: {exc}")
        if "colour" in job.missing:
            colour = colour_vector(dec.small_rgb, self.facets.colour_bins, self.facets.colour_space)
            self.caches["colour"].put(sha, colour)
            self.plan.vectors["colour"][sha] = colour
        if job.need_images:
            self.image_cache.put(sha, dec.width, dec.height, dec.thumb_jpeg, dec.display_jpeg)
            self.plan.metas[sha] = {"width": dec.width, "height": dec.height}
        return Read(job, model_input=dec.model_input)
