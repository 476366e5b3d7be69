"""Years from catalogue dates, for the year filter and the timeline: one parser, so that a date
shows under the same year on every view.

Museum catalogues write dates many ways: "1890", "c. 1890", "ca 1890", "circa 1890", "1890?",
"1890-1895", "1890–95", "1890s", "1890/91", "March 1890", "1890-03-14", "14.3.1890". Each becomes
(first year, last year); anything else (an empty cell, "undated", "19th century", a year outside
YEAR_MIN..YEAR_MAX) is None, and the image is "undated", never guessed. Which column holds dates:
date_column() picks the catalogue column whose name says so and whose cells mostly parse.
"""
from __future__ import annotations

import re
from functools import lru_cache

YEAR_MIN, YEAR_MAX = 1, 2999
DATE_SHARE = 0.5  # a column is a date column when at least this share of its filled cells parse
NAME_HINTS = ("date", "year", "dated", "created", "creation date", "period", "jahr", "datum", "année", "annee", "fecha")

_CIRCA = re.compile(r"^(?:c\.|ca\.?|circa|about|around|um|vers|hacia)\s*", re.I)
_DECADE = re.compile(r"^(\d{3})0\s*'?s$", re.I)
_RANGE = re.compile(r"^(\d{3,4})\s*(?:-|–|—|/|to|bis|à|a)\s*(\d{1,4})$", re.I)
_YEAR = re.compile(r"(?<!\d)(\d{3,4})(?!\d)")


@lru_cache(maxsize=1 << 16)  # a catalogue repeats its dates: a warm 100k build read them in 1.4 s without
def year_span(text) -> tuple[int, int] | None:
    """(first, last) year of a catalogue date, or None when it does not say a year."""
    if isinstance(text, int) and not isinstance(text, bool):
        return (text, text) if YEAR_MIN <= text <= YEAR_MAX else None
    if not isinstance(text, str):
        return None
    s = _CIRCA.sub("", text.strip().rstrip("?").strip())
    if not s:
        return None
    m = _DECADE.match(s)
    if m:
        first = int(m.group(1)) * 10
        return _checked(first, first + 9)
    m = _RANGE.match(s)
    if m:
        first, tail = int(m.group(1)), m.group(2)
        last = int(tail) if len(tail) >= len(m.group(1)) else int(m.group(1)[:-len(tail)] + tail)  # 1890-95
        return _checked(first, last) if last >= first else None
    years = _YEAR.findall(s)
    if len(years) == 1 and _only_date_words(s):
        y = int(years[0])
        return _checked(y, y)
    return None


def _only_date_words(s: str) -> bool:
    """Besides the one year: day and month numbers, month names, punctuation ("March 1890",
    "1890-03-14", "14.3.1890"); not "19th century", "after 1890 copy of 1520"."""
    rest = _YEAR.sub("", s, count=1)
    rest = re.sub(r"\b\d{1,2}\b", "", rest)
    rest = re.sub(r"[\s.,/\-–]+", " ", rest).strip()
    return all(w.lower()[:3] in _MONTHS for w in rest.split()) if rest else True


_MONTHS = {m[:3] for m in ("january february march april may june july august september october november "
                           "december janvier février mars avril mai juin juillet août septembre octobre "
                           "novembre décembre januar februar märz juni juli oktober dezember "
                           "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
                           "diciembre").split()}


def _checked(first: int, last: int) -> tuple[int, int] | None:
    return (first, last) if YEAR_MIN <= first <= last <= YEAR_MAX else None


def year_of(span: tuple[int, int] | None) -> int | None:
    """The one year a timeline places an image at: the first of its span ("1890-1895" -> 1890)."""
    return None if span is None else span[0]


def date_column(rows: list[dict], preferred: str = "") -> str | None:
    """The catalogue column holding dates: `preferred` when given and present, else the first
    column named like a date (NAME_HINTS) where at least DATE_SHARE of the filled cells parse,
    else any column where that share parse and every parsed year looks like one (>= 1000).
    rows: each image's catalogue fields (ImageRecord.meta)."""
    columns: list[str] = []
    for r in rows:
        columns.extend(k for k in r if k not in columns)
    if preferred:
        return preferred if preferred in columns else None
    named = [c for c in columns if c.strip().lower() in NAME_HINTS or c.strip().lower().endswith(" date")]
    for c in named + [c for c in columns if c not in named]:
        cells = [r[c] for r in rows if str(r.get(c, "")).strip()]
        spans = [year_span(v) for v in cells]
        parsed = [s for s in spans if s]
        if cells and len(parsed) >= DATE_SHARE * len(cells):
            if c in named or all(s[0] >= 1000 for s in parsed):
                return c
    return None
