"""Text from catalogues, file names and settings, made safe to show on a page.

Every value a template prints goes through `clean` (the Jinja environment's finalize,
render/pages.py), and so do the titles written into the map's data and the neighbour cards:

- C0 and C1 control characters are removed (NUL, escape, form feed, DEL...), except tab and
  newline; a carriage return becomes a newline. They have no place in a title, and a NUL is
  refused by some tools that read the HTML.
- The explicit bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) are
  removed: a right-to-left override turns "evil\u202egpj.png" into what looks like "evilgnp.jpg".
  Arabic and Hebrew need none of them to display right: their letters are right-to-left by
  themselves. The implicit marks (LRM U+200E, RLM U+200F, ALM U+061C) are kept: cataloguers
  use them to place punctuation in right-to-left titles, and they cannot reorder other letters.
- Where user text is shown as text (titles, catalogue values, file names), the templates wrap
  it in <bdi>, so a right-to-left title neither reorders nor is reordered by the page's words
  around it (the browser finds each value's direction from its first strong letter). A
  column name stands alone in its <dt> (a block: its own bidi paragraph).
"""
from __future__ import annotations

import re
from urllib.parse import quote

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_DROP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """`text` without control characters and bidi overrides (see above); unchanged text is
    returned as it is (the common case costs one regex search)."""
    if not _UNSAFE.search(text):
        return text
    return _DROP.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def safe_link(url: str) -> str:
    """Only http(s) URLs become links: a 'javascript:' source must stay text."""
    u = url.strip()
    return u if u.lower().startswith(("http://", "https://")) else ""


def filter_name(label: str) -> str:
    """The name of a Pagefind filter for a label, for data-pagefind-filter="<name>".

    Pagefind reads the name from the attribute as it is written, without decoding HTML
    entities ("Tom &amp; Jerry" would be the name), cuts it at the first ':' (the rest would
    be taken as the value), splits it at ',' and trims it. So the name is percent-encoded
    (everything but letters, digits, '-', '_' and '.'); static/search.js decodes it
    (decodeURIComponent) for the menu's label."""
    return quote(clean(label), safe="-_.")
