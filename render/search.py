"""Site search with Pagefind: the image pages are indexed after they are written.

Pagefind (PyPI ``pagefind[bin]``, which ships its binary) reads the pages' HTML: the part
marked ``data-pagefind-body`` (title, catalogue fields, machine tags, file path), the filters
marked ``data-pagefind-filter`` (creator, date, tag...) and the words given here that no
visitor sees: each tag's WordNet synonyms and broader terms, so that "dog" finds every
breed (embed/wordnet.py). It writes its index to a scratch folder, and every file is put
into the site through SiteFiles, so stale index files are removed like any other.
"""
from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from core.progress import say

FOLDER = "pagefind"  # where the index lives in the site; static/search.js loads it from there


def hidden_words(tags: list[dict]) -> str:
    """The search-only words of an image: synonyms and broader terms of its tags, sorted
    (NLTK's walk up the hierarchy does not always visit shared ancestors in one order)."""
    from embed.wordnet import class_terms

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


def index_site(site_files, pages: list[str], quiet: bool) -> tuple[int, str]:
    """Index the image pages `pages` (site paths) of the output folder; (files written, note for the summary).

    Through Pagefind's Python API, one page at a time in sorted order: the CLI reads the
    folder in the file system's order, and the index (its fragments too) would then differ
    between two folders holding the same pages."""
    why = available()
    if why:
        return 0, why
    import asyncio

    out = site_files.out
    pages = sorted(pages)  # the pages of this build only: stale ones are not removed yet
    with tempfile.TemporaryDirectory(prefix="lookalike-pagefind-") as tmp:
        target = Path(tmp) / FOLDER
        try:  # on a thread of its own: the caller may be running an event loop already
            with ThreadPoolExecutor(max_workers=1) as one:
                one.submit(asyncio.run, _index(out, pages, target)).result()
        except Exception as exc:  # noqa: BLE001 - a search index must not cost the site
            return 0, f"Pagefind failed, so the site has no search: {type(exc).__name__}: {exc}"
        files = sorted(p for p in target.rglob("*") if p.is_file())
        for p in files:
            site_files.put(f"{FOLDER}/{p.relative_to(target).as_posix()}", p.read_bytes())
    say(f"search: Pagefind indexed {len(pages)} image pages ({len(files)} files in {FOLDER}/)", quiet)
    return len(files), ""


async def _index(out: Path, pages: list[str], target: Path) -> None:
    from pagefind.index import PagefindIndex

    async with PagefindIndex(config={"output_path": str(target)}) as index:
        for rel in pages:
            await index.add_html_file(content=(out / rel).read_text(encoding="utf-8"), url="/" + rel)
