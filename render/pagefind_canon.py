"""Pagefind's index in one order, and in folders GitHub takes: the same pages give the same
bytes, whichever build wrote them, and no folder holds a file per page.

Pagefind (1.5) keeps its filters in a hash map with a per-process random seed, and writes
them in that map's order: the values inside each filter file (filter/<lang>_<hash>.pf_filter),
the list of filters in the language's metadata (pagefind.<lang>_<hash>.pf_meta), and so the
hashes in those files' names and in pagefind-entry.json. Its own code says it means to sort
them ("TODO: Change filter indexes to BTree to give them a stable hash"); canonical() does
that afterwards: each filter's values sorted, the filters sorted by name, each file named by
the SHA-1 of its content exactly as Pagefind names it (language, "_", the first hex digits),
gzipped with mtime 0. Searching is unchanged: the same values with the same pages.
Each page's fragment moves into a shard folder of its own (_sharded), as the image pages do.

The files are CBOR (minicbor: structs as arrays) after the bytes "pagefind_dcd", gzipped.
Each file touched is first decoded and encoded again; unless that gives back its exact
bytes (another Pagefind version, another layout), nothing is changed and the caller is told.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import struct
from pathlib import Path

MAGIC = b"pagefind_dcd"
ENTRY = "pagefind-entry.json"
META_PAGES, META_FILTERS = 1, 3  # pf_meta: [version, pages, index_chunks, filters, sorts, meta fields]
HEX2 = frozenset(f"{i:02x}" for i in range(256))


class NotCanonical(ValueError):
    """The index is not laid out as this module expects; it is left as Pagefind wrote it."""


def canonical(files: dict) -> dict:
    """Pagefind's output (path inside its folder -> its bytes, or the Path to read them from)
    with its filters in sorted order and its fragments in shard folders (moved, not read).
    Raises NotCanonical, naming the file, when a file is not what Pagefind 1.5 writes (the
    caller then keeps the output as it was)."""
    files = dict(files)
    try:
        raw_entry = _bytes(files[ENTRY])
        entry = json.loads(raw_entry)
    except (KeyError, ValueError, OSError) as exc:
        raise NotCanonical(f"{ENTRY} unreadable ({exc})") from None
    if _entry_bytes(entry) != raw_entry:
        raise NotCanonical(f"{ENTRY} is not in the expected form")
    for lang, about in entry.get("languages", {}).items():
        old_meta = f"pagefind.{about['hash']}.pf_meta"
        meta = _read(files, old_meta)
        if not (isinstance(meta, list) and len(meta) > META_FILTERS and isinstance(meta[META_FILTERS], list)):
            raise NotCanonical(f"{old_meta} has no list of filters where Pagefind 1.5 keeps it")
        named = {}
        for name, short in meta[META_FILTERS]:
            rel = f"filter/{short}.pf_filter"
            body = _read(files, rel)
            if not (isinstance(body, list) and len(body) == 2 and isinstance(body[1], list)):
                raise NotCanonical(f"{rel} is not a filter as Pagefind 1.5 writes it")
            del files[rel]
            body[1] = sorted(body[1], key=lambda value: value[0])
            named[name] = _encode(body)
        taken: set[str] = set()
        meta[META_FILTERS] = []
        for name in sorted(named):
            short = _short(lang, named[name], taken)
            files[f"filter/{short}.pf_filter"] = _gz(named[name])
            meta[META_FILTERS].append([name, short])
        if not isinstance(meta[META_PAGES], list):
            raise NotCanonical(f"{old_meta} has no list of pages where Pagefind 1.5 keeps it")
        meta[META_PAGES] = [_sharded(files, lang, page) for page in meta[META_PAGES]]
        data = _encode(meta)
        del files[old_meta]
        about["hash"] = f"{lang}_{hashlib.sha1(data).hexdigest()[:len(lang) + 8]}"
        files[f"pagefind.{about['hash']}.pf_meta"] = _gz(data)
    entry["languages"] = dict(sorted(entry.get("languages", {}).items()))
    files[ENTRY] = _entry_bytes(entry)
    return files


def _sharded(files: dict, lang: str, page) -> list:
    """A page's [hash, word count] in the metadata, its fragment moved from fragment/ into
    fragment/<2 hex digits of its hash>/ and its hash made "<2 hex>/<hash>": pagefind.js fetches
    `fragment/${hash}.pf_fragment`, so the search finds it there. Pagefind writes one fragment
    per page into one folder (10,000 files for 10,000 pages, past the 3,000 entries GitHub
    recommends for a folder) and has no setting to split it; 256 shards hold 400 at 100,000."""
    if not (isinstance(page, list) and len(page) == 2 and isinstance(page[0], str)):
        raise NotCanonical(f"a page of the metadata is {page!r}, not [hash, word count]")
    short = page[0]
    if "/" in short:  # sharded already
        return page
    shard = short[len(lang) + 1:len(lang) + 3]
    flat, sharded = f"fragment/{short}.pf_fragment", f"fragment/{shard}/{short}.pf_fragment"
    if shard not in HEX2 or not short.startswith(lang + "_"):
        raise NotCanonical(f"{flat}: a fragment's name is not <language>_<hex>")
    if flat in files:
        files[sharded] = files.pop(flat)
    elif sharded not in files:  # identical pages share one fragment, moved already
        raise NotCanonical(f"{flat} is named but missing")
    return [f"{shard}/{short}", page[1]]


def _bytes(data) -> bytes:
    return data if isinstance(data, bytes) else Path(data).read_bytes()


def _entry_bytes(entry: dict) -> bytes:
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _short(lang: str, data: bytes, taken: set) -> str:
    """Pagefind's name for a file: "<lang>_" and 7 hex digits of its SHA-1, one more on a clash."""
    full = f"{lang}_{hashlib.sha1(data).hexdigest()}"
    length = len(lang) + 8
    while full[:length] in taken and length < len(full):
        length += 1
    taken.add(full[:length])
    return full[:length]


def _gz(data: bytes) -> bytes:
    return gzip.compress(MAGIC + data, compresslevel=9, mtime=0)


def _read(files: dict, rel: str):
    """Decode one gzipped CBOR file, checking that encoding it again gives its bytes back."""
    if rel not in files:
        raise NotCanonical(f"{rel} is named but missing")
    try:
        raw = gzip.decompress(_bytes(files[rel]))
        if not raw.startswith(MAGIC):
            raise ValueError("no pagefind_dcd header")
        value, end = _decode(raw, len(MAGIC))
    except (OSError, ValueError, IndexError, struct.error, UnicodeDecodeError) as exc:
        raise NotCanonical(f"{rel} unreadable ({exc})") from None
    if end != len(raw) or _encode(value) != raw[len(MAGIC):]:
        raise NotCanonical(f"{rel} is not in the expected form")
    return value


def _decode(b: bytes, i: int):
    """One CBOR item at b[i:]: (value, end). Only what Pagefind writes: integers, text, bytes,
    arrays, false/true/null; anything else raises ValueError."""
    head = b[i]
    major, info = head >> 5, head & 31
    i += 1
    if info < 24:
        n = info
    elif info <= 27:
        size = 1 << (info - 24)
        if len(b) < i + size:
            raise ValueError("cut short")
        n = int.from_bytes(b[i:i + size], "big")
        i += size
    else:
        raise ValueError(f"CBOR item {head:#x} (indefinite length or reserved) is not expected")
    if major == 0:
        return n, i
    if major == 1:
        return -1 - n, i
    if major in (2, 3):
        if len(b) < i + n:
            raise ValueError("cut short")
        chunk = b[i:i + n]
        return (bytes(chunk) if major == 2 else chunk.decode("utf-8")), i + n
    if major == 4:
        out = []
        for _ in range(n):
            item, i = _decode(b, i)
            out.append(item)
        return out, i
    if major == 7 and n in (20, 21, 22):
        return {20: False, 21: True, 22: None}[n], i
    raise ValueError(f"CBOR item {head:#x} is not expected")


def _head(major: int, n: int) -> bytes:
    """The shortest head for an argument n, as minicbor writes it."""
    if n < 24:
        return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | info]) + n.to_bytes(size, "big")
    raise ValueError(f"{n} is too large for CBOR")


def _encode(value) -> bytes:
    if value is False or value is True or value is None:
        return bytes([0xF4 + [False, True, None].index(value)])
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, str):
        data = value.encode("utf-8")
        return _head(3, len(data)) + data
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, list):
        return _head(4, len(value)) + b"".join(_encode(v) for v in value)
    raise ValueError(f"cannot encode {type(value).__name__}")
