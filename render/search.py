"""Site search with Pagefind: the image pages are indexed after they are written.

Pagefind (PyPI ``pagefind[bin]``, which ships its binary) reads the pages' HTML: the part
marked ``data-pagefind-body`` (title, catalogue fields, machine tags, file path), the filters
marked ``data-pagefind-filter`` (creator, date, tag...) and the words given here that no
visitor sees: each tag's WordNet synonyms and broader terms, so that "dog" finds every
breed (core/vocabulary.py). It writes its index to a scratch folder, and every file is put
into the site through SiteFiles, so stale index files are removed like any other; its
filters first put in sorted order and its file per page into 256 shard folders
(render/pagefind_canon.py), so the same pages give the same bytes in every build and no
folder holds a file per page.
"""
from __future__ import annotations

import base64
import json
import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from render.pagefind_canon import NotCanonical, canonical

FOLDER = "pagefind"  # where the index lives in the site; static/search.js loads it from there
# Pagefind's own search interfaces: static/search.js is ours and loads only pagefind.js, so
# these ~420 kB a site are not published.
UNUSED = re.compile(r"^pagefind-(?:ui|modular-ui|component-ui|highlight)\.(?:js|css)$")


def hidden_words(tags: list[dict]) -> str:
    """The search-only words of an image: synonyms and broader terms of its tags, sorted
    (NLTK's walk up the hierarchy does not always visit shared ancestors in one order)."""
    from core.vocabulary import class_terms

    words = set()
    for t in tags:
        synonyms, broader = class_terms(t["wnid"])
        words.update(synonyms + broader)
    return ", ".join(sorted(words - {t["label"] for t in tags}, key=str.lower))


def available() -> str | None:
    """None when Pagefind can run here, else why not."""
    try:
        import pagefind_bin  # noqa: F401 - the binary's package
    except ImportError:
        return "Pagefind is not installed (pip install 'pagefind[bin]'), so the site has no search"
    return None


def index_site(site_files, pages: list[str], log) -> tuple[int, str]:
    """Index the image pages `pages` (site paths) of the output folder; (files written, note for the summary).

    Through Pagefind's Python API, one page at a time in sorted order: the CLI reads the
    folder in the file system's order, and the index (its fragments too) would then differ
    between two folders holding the same pages."""
    why = available()
    if why:
        return 0, why
    import asyncio

    pages = sorted(pages)  # the pages of this build only: stale ones are not removed yet
    with tempfile.TemporaryDirectory(prefix="lookalike-pagefind-") as tmp:
        target = Path(tmp) / FOLDER
        try:  # on a thread of its own: the caller may be running an event loop already
            with ThreadPoolExecutor(max_workers=1) as one, \
                    log.progress("search", len(pages), unit="pages") as progress:
                one.submit(asyncio.run, _index(site_files.path, pages, target, progress.advance)).result()
        except Exception as exc:  # noqa: BLE001 - a search index must not cost the site
            return 0, f"Pagefind failed, so the site has no search: {type(exc).__name__}: {exc}"
        files = {p.relative_to(target).as_posix(): p  # read when put: a fragment per page adds up
                 for p in sorted(target.rglob("*")) if p.is_file() and not UNUSED.match(p.name)}
        note = ""
        try:  # Pagefind writes its filters in a random order, its fragments in one folder (pagefind_canon.py)
            files = canonical(files)
        except NotCanonical as exc:
            note = (f"the search index is as Pagefind wrote it ({exc}): two builds of the same pages may "
                    f"differ in {FOLDER}/filter/, and {FOLDER}/fragment/ holds a file per page")
        for rel in sorted(files):
            data = files[rel]
            site_files.put(f"{FOLDER}/{rel}", data if isinstance(data, bytes) else data.read_bytes())
    log.info(f"search: Pagefind indexed {len(pages)} image pages ({len(files)} files in {FOLDER}/)")
    return len(files), note


async def _index(where, pages: list[str], target: Path, on_page=None) -> None:
    """where(site path) -> the file with the page's bytes (staged until the site is committed)."""
    async with _service() as service:  # not PagefindIndex's own context: see _written
        index = await service.create_index({"output_path": str(target)})
        for rel in pages:
            await index.add_html_file(content=where(rel).read_text(encoding="utf-8"), url="/" + rel)
            if on_page is not None:
                on_page(1)
        await index.write_files()
        await _written(service, target)


def _service():
    """Pagefind's service, reading its answers as they come.

    pagefind.service.PagefindService (1.5) reads one answer from the binary per 100 ms (its
    poll loop sleeps before every read), and pages are added one at a time for a stable
    index: 2,394 pages took 240 s, 20,000 would take 33 minutes. The binary's answers are
    base64 JSON, each ended by a comma; this reads them without the pause and hands each to
    the request waiting for it, as the library does; if the binary stops answering, every
    request waiting or to come fails (the build goes on without search) instead of hanging.
    If the library's inside is not what this expects, its own service is used (slow, but right)."""
    import asyncio

    from pagefind.service import PagefindService

    class PromptService(PagefindService):
        stopped: Exception | None = None  # why the binary's answers stopped (it crashed, say)

        async def _wait_for_responses(self) -> None:
            try:
                while True:
                    raw = await self._backend.stdout.readuntil(b",")
                    _answer(self._responses, json.loads(base64.b64decode(raw[:-1])))
            except Exception as exc:  # noqa: BLE001 - whatever broke, nobody may wait for ever
                self.stopped = RuntimeError(f"Pagefind stopped answering ({type(exc).__name__}: {exc})")
                for future in self._responses.values():
                    if not future.done():
                        future.set_exception(self.stopped)

        async def send(self, payload):
            if self.stopped is not None:
                raise self.stopped
            return await super().send(payload)

        async def close(self) -> None:
            # The library's close() stops the binary only when every request succeeded.
            try:
                await asyncio.wait_for(asyncio.gather(*self._responses.values(), return_exceptions=True), 5)
            except TimeoutError:
                pass
            finally:
                self._poll_task.cancel()
                try:
                    self._backend.terminate()
                except ProcessLookupError:
                    pass  # it had gone already
                await self._backend.wait()

    service = PromptService()
    if not (isinstance(getattr(service, "_responses", None), dict) and hasattr(PagefindService, "_wait_for_responses")):
        return PagefindService()
    return service


def _answer(waiting: dict, message) -> None:
    """Resolve the request an answer is for (an error names the message it could not read)."""
    if not isinstance(message, dict):
        return
    payload = message.get("payload") or {}
    mid = message.get("message_id")
    if mid is None and payload.get("original_message"):
        try:
            mid = json.loads(payload["original_message"]).get("message_id")
        except (ValueError, AttributeError):
            mid = None
    future = waiting.get(mid)
    if future is None or future.done():
        return
    if payload.get("type") == "Error":
        future.set_exception(RuntimeError(f"Pagefind: {payload.get('message')}"))
    else:
        future.set_result(payload)


async def _written(service, target: Path, seconds: float = 30.0) -> None:
    """Wait until Pagefind has closed every file it writes into `target`.

    Its service answers "written" when the last write is handed to tokio's blocking pool,
    not when it is done, and closing the service sends SIGTERM: the last file could be cut
    short (a truncated pagefind-ui.js was seen in CI). On Linux the process's open files
    say when it is done; elsewhere the files' sizes must hold still for a moment."""
    import asyncio

    pid = getattr(getattr(service, "_backend", None), "pid", None)
    fds = Path(f"/proc/{pid}/fd") if pid else None
    prefix = str(target.resolve())
    last, steady = None, 0
    for _ in range(int(seconds / 0.05)):
        if fds is not None and fds.is_dir():
            if not any(_points_into(fd, prefix) for fd in fds.iterdir()):
                return
        else:
            sizes = sorted((str(p), p.stat().st_size) for p in target.rglob("*") if p.is_file())
            steady = steady + 1 if sizes == last else 0
            if steady >= 4:
                return
            last = sizes
        await asyncio.sleep(0.05)


def _points_into(fd: Path, prefix: str) -> bool:
    try:
        return os.readlink(fd).startswith(prefix)
    except OSError:  # closed while we looked
        return False
