"""Site search with Pagefind: the image pages are indexed after they are written.

Pagefind (PyPI ``pagefind[bin]``, which ships its binary) reads the pages' HTML: the part
marked ``data-pagefind-body`` (title, catalogue fields, machine tags, file path), the filters
marked ``data-pagefind-filter`` (creator, date, tag...) and the words given here that no
visitor sees: each tag's WordNet synonyms and broader terms, so that "dog" finds every
breed (embed/wordnet.py). It writes its index to a scratch folder, and every file is put
into the site through SiteFiles, so stale index files are removed like any other.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from core.progress import say

FOLDER = "pagefind"  # where the index lives in the site; static/search.js loads it from there


def hidden_words(tags: list[dict]) -> str:
    """The search-only words of an image: synonyms and broader terms of its tags."""
    from embed.wordnet import class_terms

    words: list[str] = []
    for t in tags:
        synonyms, broader = class_terms(t["wnid"])
        words += [w for w in synonyms + broader if w not in words and w != t["label"]]
    return ", ".join(words)


def available() -> str | None:
    """None when Pagefind can run here, else why not."""
    try:
        import pagefind_bin  # noqa: F401 - the binary's package
    except ImportError:
        return "Pagefind is not installed (pip install 'pagefind[bin]'), so the site has no search"
    return None


def index_site(site_files, quiet: bool) -> tuple[int, str]:
    """Index the image pages of the output folder; (files written, note for the summary)."""
    why = available()
    if why:
        return 0, why
    out = site_files.out
    with tempfile.TemporaryDirectory(prefix="lookalike-pagefind-") as tmp:
        cmd = [sys.executable, "-m", "pagefind", "--site", str(out), "--glob", "image/*.html",
               "--output-path", str(Path(tmp) / FOLDER), "--quiet"]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            return 0, f"Pagefind failed, so the site has no search: {(done.stderr or done.stdout).strip()[-300:]}"
        files = sorted(p for p in (Path(tmp) / FOLDER).rglob("*") if p.is_file())
        for p in files:
            site_files.put(f"{FOLDER}/{p.relative_to(Path(tmp) / FOLDER).as_posix()}", p.read_bytes())
    say(f"search: Pagefind indexed the image pages ({len(files)} files in {FOLDER}/)", quiet)
    return len(files), ""
