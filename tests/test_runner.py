"""The local engine's decoders: threads and spawned processes give the same results, in
the same order, with failures reported by reason (no model needed: a stand-in embeds)."""
from pathlib import Path

import numpy as np
import pytest

from core.config import Settings
from embed import runner
from embed.collection import scan
from embed.plan import Job
from embed.reader import Decoder
from embed.stage import decode_pool_for
from tests.conftest import pattern_collection


def jobs_of(coll: Path) -> list[Job]:
    return [Job(c, c.full_path(coll), {"content", "colour"}, True) for c in scan(coll).candidates]


def run_with(pool: str, jobs: list[Job]) -> tuple[dict, dict, list]:
    s = Settings()
    rows, kept, errors = {}, {}, []
    sink = runner.Sink(keep=lambda job, dec: kept.__setitem__(job.cand.path, dec),
                       write=lambda job, row: rows.__setitem__(job.cand.path, row["content"]),
                       failed=lambda job, reason: errors.append((job.cand.path, reason)), advance=lambda n: None)
    runner.run(jobs, Decoder.of(s.images, s.facets, 64),
               lambda batch: {"content": np.stack([b.reshape(-1)[:64].astype(np.float32) for b in batch])},
               sink, batch_size=4, workers=2, pool=pool)
    return rows, kept, errors


def test_processes_decode_exactly_as_threads(tmp_path):
    coll = pattern_collection(tmp_path / "coll", per_kind=4)
    (coll / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    jobs = jobs_of(coll)
    by_threads, by_processes = run_with("threads", jobs), run_with("processes", jobs)
    rows, kept, errors = by_threads
    assert len(rows) == 12 and [p for p, _ in errors] == ["broken.jpg"]
    assert "damaged" in errors[0][1] or "not" in errors[0][1]
    assert kept["broken.jpg"].content_error  # remembered against its hash, not retried
    assert set(rows) == set(by_processes[0]) and by_processes[2] == errors
    for path in rows:
        assert np.array_equal(rows[path], by_processes[0][path])
        a, b = kept[path], by_processes[1][path]
        assert np.array_equal(a.colour, b.colour) and a.thumb_jpeg == b.thumb_jpeg
        assert a.display_jpeg == b.display_jpeg and (a.width, a.height) == (b.width, b.height)


def test_a_few_images_never_start_processes():
    assert isinstance(runner.decode_pool("processes", 4, 3), runner.ThreadPoolExecutor)
    with pytest.raises(ValueError, match="unknown decode pool"):
        runner.decode_pool("fibres", 2, 100)


def test_auto_takes_processes_from_three_decoders():
    assert [decode_pool_for("auto", w) for w in (1, 2, 3, 16)] == ["threads", "threads", "processes", "processes"]
    assert decode_pool_for("threads", 16) == "threads" and decode_pool_for("processes", 2) == "processes"


class CountingBackbone:
    """A stand-in model that counts the images it is asked to embed."""
    asked = 0

    def embed_batch(self, inputs: list) -> dict:
        CountingBackbone.asked += len(inputs)
        pooled = np.stack([np.asarray(i, np.float32).reshape(-1)[:32] + 1 for i in inputs])
        return {"content": pooled / np.linalg.norm(pooled, axis=1, keepdims=True)}


def test_adding_images_embeds_only_the_new_ones(tmp_path, monkeypatch):
    """A warm rebuild asks the model for nothing and leaves features/*.npy alone; N new
    images cost exactly N embeddings; the stores are one array each, not a file per image."""
    from core.log import QUIET
    from core.views import for_step
    from core.workfolder import WorkFolder
    from embed import backbones, stage
    from tests.conftest import pattern

    monkeypatch.setattr(backbones.ModelSpec, "load", lambda spec: CountingBackbone())
    s = Settings()
    s.facets.enabled, s.tags.enabled = ["content", "colour"], False
    coll = pattern_collection(tmp_path / "coll", per_kind=3)
    s.site.collection = str(coll)
    folder = WorkFolder(tmp_path / "w").build(coll)

    def embed() -> tuple[int, object]:
        CountingBackbone.asked = 0
        report = stage.run(folder, for_step(s, "embed"), QUIET)
        return CountingBackbone.asked, report

    assert embed()[0] == 9
    stamp = folder.features_path("content").stat().st_mtime_ns
    asked, report = embed()
    assert (asked, report.decoded, report.cached) == (0, 0, 9)
    assert folder.features_path("content").stat().st_mtime_ns == stamp  # unchanged: not rewritten
    for i in range(4):
        pattern(coll / "new" / f"new_{i}.jpg", "disc", seed=100 + i)
    asked, report = embed()
    assert (asked, report.decoded, report.images) == (4, 4, 13)
    manifest = folder.read_manifest()
    content = folder.read_features(manifest, "content")
    store = folder.work.feature_cache(manifest.model)
    assert np.array_equal(content, store.take(store.rows([im.sha256 for im in manifest.images])))
    assert len(list((tmp_path / "w" / "cache" / "features").rglob("*.npy"))) == 0
