"""Pagefind through its Python API, with answers read as they come (render/search.py)."""
from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from core.log import QUIET
from render import search

pytestmark = pytest.mark.skipif(search.available() is not None, reason="Pagefind is not installed")


class _Site:
    def __init__(self, out: Path):
        self.out, self.files = out, {}

    def path(self, rel: str) -> Path:  # where a page's bytes are (SiteFiles: staged until committed)
        return self.out / rel

    def put(self, rel: str, data) -> None:
        self.files[rel] = data


def _run(coro):
    """On a thread of its own, as render/search.py does: Playwright's tests may hold a loop here."""
    with ThreadPoolExecutor(max_workers=1) as one:
        return one.submit(asyncio.run, coro).result()


def _pages(out: Path, n: int) -> list[str]:
    rels = []
    for i in range(n):
        rel = f"image/{i % 7:02x}/{i:012x}.html"
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(f"<html lang='en'><body><main data-pagefind-body><h1>Photo {i}</h1>"
                               f"<p>{'tulip' if i % 3 else 'daisy'} number {i}</p>"
                               f"<span data-pagefind-filter='tag'>{'tulip' if i % 3 else 'daisy'}</span>"
                               "</main></body></html>", encoding="utf-8")
        rels.append(rel)
    return rels


def test_every_page_is_indexed_by_the_prompt_reader(tmp_path):
    """300 pages through the service: each one in the index (the library's own reader takes
    100 ms a page; ours is the one used)."""
    pages = _pages(tmp_path, 300)
    site = _Site(tmp_path)
    written, note = search.index_site(site, pages, QUIET)
    assert note == "" and written == len(site.files) > 300
    entry = json.loads(site.files["pagefind/pagefind-entry.json"])
    assert next(iter(entry["languages"].values()))["page_count"] == 300
    assert sum(rel.startswith("pagefind/fragment/") for rel in site.files) == 300

    async def which():
        return type(search._service()).__name__
    assert _run(which()) == "PromptService"


def test_answers_reach_the_request_they_are_for():
    async def run():
        loop = asyncio.get_running_loop()
        waiting = {n: loop.create_future() for n in (1, 2, 3)}
        search._answer(waiting, {"message_id": 2, "payload": {"type": "IndexedFile", "page_word_count": 4}})
        search._answer(waiting, {"payload": {"type": "Error", "message": "bad request",
                                             "original_message": json.dumps({"message_id": 3})}})
        search._answer(waiting, {"message_id": 9, "payload": {"type": "IndexedFile"}})  # nobody waits: ignored
        search._answer(waiting, None)
        assert not waiting[1].done() and waiting[2].result()["page_word_count"] == 4
        with pytest.raises(RuntimeError, match="bad request"):
            waiting[3].result()
    _run(run())


def test_a_binary_that_stops_answering_fails_the_requests_instead_of_hanging():
    class Gone:
        async def readuntil(self, sep):
            raise asyncio.IncompleteReadError(b"", None)

    async def run():
        from types import SimpleNamespace

        service = search._service()
        service._backend = SimpleNamespace(stdout=Gone())
        waiting = service._responses[1] = asyncio.get_running_loop().create_future()
        await service._wait_for_responses()
        with pytest.raises(RuntimeError, match="stopped answering"):
            waiting.result()
        with pytest.raises(RuntimeError, match="stopped answering"):
            await service.send({"type": "NewIndex"})
    _run(run())


def test_a_killed_binary_fails_the_index_and_the_service_still_closes():
    async def run():
        service = search._service()
        async with service:
            service._backend.kill()
            with pytest.raises(RuntimeError, match="stopped answering"):
                await service.create_index({})
        return service._backend.returncode
    assert _run(asyncio.wait_for(run(), 30)) is not None
