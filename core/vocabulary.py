"""The vocabulary of the tags, offline (WordNet): the words people use for an ImageNet class
(synonyms and broader terms).

ImageNet's classes are WordNet 3.0 noun synsets, so each tag comes with the names a
visitor may type: "golden retriever" is also a "retriever", a "dog", a "canine", a
"mammal" and an "animal". The database is Debian's ``wordnet-base`` package (installed by
`make setup`, never downloaded at run time), read with NLTK's WordNet reader.

Debian ships the database without the small ``lexnames`` table NLTK opens first; it is
derived from the table in Debian's own ``lexnames(5WN)`` manual page. NLTK refuses files
reached through links, so the database is copied once (about 30 MB) into Lookalike's cache
beside that table. Without WordNet, tags still work and search knows the class names only.

Its users are render (the search-only words of a page) and query (words typed); the manifest's
tags carry the WordNet noun id (`wnid`) this reads, so it lives with the contract, not in embed.
"""
from __future__ import annotations

import gzip
import os
import re
from functools import cache, lru_cache
from pathlib import Path

DEBIAN_WORDNET = Path(os.environ.get("LOOKALIKE_WORDNET", "/usr/share/wordnet"))
LEXNAMES_MAN = Path("/usr/share/man/man5/lexnames.5WN.gz")
MIN_DEPTH = 4  # broader terms above this depth ("entity", "object", "whole") match everything
_CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}


def _lexnames_from_manual(manual: Path) -> str:
    """The lexnames file ("NN<TAB>name<TAB>category") from the table in the manual page."""
    rows = re.findall(r"^(\d\d)\t(\w+\.\w+) *\t", gzip.decompress(manual.read_bytes()).decode("utf-8", "replace"),
                      flags=re.M)
    if len(rows) < 45:
        raise OSError(f"{manual} does not hold the lexicographer file table")
    return "".join(f"{n}\t{name}\t{_CATEGORY[name.split('.')[0]]}\n" for n, name in rows)


def _reader_folder() -> Path | None:
    """A folder NLTK can read: Debian's files, plus lexnames; None without WordNet."""
    if not (DEBIAN_WORDNET / "data.noun").is_file():
        return None
    if (DEBIAN_WORDNET / "lexnames").is_file():
        return DEBIAN_WORDNET
    from core.folders import lookalike_cache_dir

    folder = lookalike_cache_dir() / "wordnet"
    if not (folder / "lexnames").is_file():
        if not LEXNAMES_MAN.is_file():
            return None
        import shutil

        folder.mkdir(parents=True, exist_ok=True)
        for f in DEBIAN_WORDNET.iterdir():
            if f.is_file():
                shutil.copyfile(f, folder / f".{f.name}.{os.getpid()}")
                os.replace(folder / f".{f.name}.{os.getpid()}", folder / f.name)
        tmp = folder / f".lexnames.{os.getpid()}"
        tmp.write_text(_lexnames_from_manual(LEXNAMES_MAN), encoding="utf-8")
        os.replace(tmp, folder / "lexnames")
    return folder


@lru_cache(maxsize=1)
def wordnet():
    """NLTK's WordNet reader over Debian's database, or None when it is not installed."""
    folder = _reader_folder()
    if folder is None:
        return None
    import warnings

    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    if str(folder) not in nltk.data.path:
        nltk.data.path.append(str(folder))  # NLTK reads only from folders it was given
    class DebianWordNet(WordNetCorpusReader):
        def map_wn(self, version="wordnet"):
            return None  # the map to NLTK's own download of WordNet 3.0 is for other languages: not used

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "multilingual functions are not available": not used
        return DebianWordNet(str(folder), None)


def _names(synset) -> list[str]:
    return [n.replace("_", " ") for n in synset.lemma_names()]


@cache
def class_terms(wnid: str) -> tuple[tuple, tuple]:
    """(synonyms, broader terms) of a WordNet noun id such as "n02099601"; empty without WordNet."""
    wn = wordnet()
    if wn is None:
        return (), ()
    synset = wn.synset_from_pos_and_offset("n", int(wnid[1:]))
    broader = []
    ancestors = set(synset.closure(lambda s: s.hypernyms() + s.instance_hypernyms()))
    for hyper in sorted(ancestors, key=lambda s: (-s.min_depth(), s.name())):  # nearest first, one order
        if hyper.min_depth() >= MIN_DEPTH:
            broader += [n for n in _names(hyper) if n not in broader]
    return tuple(_names(synset)), tuple(broader)


@cache
def covers(wnid: str) -> frozenset:
    """The wnids of the class and all its broader synsets (for matching a query word)."""
    wn = wordnet()
    if wn is None:
        return frozenset({wnid})
    synset = wn.synset_from_pos_and_offset("n", int(wnid[1:]))
    ids = {synset} | set(synset.closure(lambda s: s.hypernyms() + s.instance_hypernyms()))
    return frozenset(f"n{s.offset():08d}" for s in ids)


def noun_ids(word: str) -> list[str]:
    """The noun synsets a typed word (or phrase) names, most common sense first."""
    wn = wordnet()
    if wn is None:
        return []
    return [f"n{s.offset():08d}" for s in wn.synsets(word.strip().replace(" ", "_"), "n")]
