"""A catalogue file's bytes as text: which encoding, said out loud, or a refusal with the line.

Spreadsheets save CSV as UTF-8 (with or without a byte-order mark), as UTF-16 ("Unicode
text", with a mark) or, in old Excel on Windows, as Windows-1252. The mark decides where
there is one. Otherwise UTF-8 is tried first; a file that is not valid UTF-8 is read as
Windows-1252 only when it decodes as such AND does not look like UTF-8 with a few damaged
bytes (more valid UTF-8 accented letters than invalid bytes): reading such a file as
Windows-1252 would silently turn every "é" into "Ã©". That file is refused instead, with
the line of its first bad byte, as is any file that is neither.
"""
from __future__ import annotations

from pathlib import Path

from core.errors import LookalikeError

BOMS = [  # the longer marks first: UTF-32 LE starts like UTF-16 LE
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32 LE"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32 BE"),
    (b"\xef\xbb\xbf", "utf-8", "UTF-8"),
    (b"\xff\xfe", "utf-16-le", "UTF-16 LE"),
    (b"\xfe\xff", "utf-16-be", "UTF-16 BE"),
]
NOT_CSV = [
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another ZIP file"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls) or another Office file"),
    (b"%PDF", "a PDF document"),
]
SAVE_AS = "save it from the spreadsheet as \"CSV UTF-8\" (or UTF-16 \"Unicode text\")"


class CatalogueTextError(LookalikeError):
    """The catalogue file is not text in an encoding Lookalike can tell."""


def decode(path: Path, data: bytes) -> tuple[str, str]:
    """(text, encoding in words) of a catalogue file's bytes; raises CatalogueTextError."""
    for bom, codec, name in BOMS:
        if data.startswith(bom):
            body = data[len(bom):]
            try:
                return body.decode(codec), f"{name} with byte-order mark"
            except UnicodeDecodeError as exc:
                raise CatalogueTextError(
                    f"metadata file {path} starts with the byte-order mark of {name} but is not valid {name}: "
                    f"{_where(body, exc.start, codec)}; {SAVE_AS}") from None
    for magic, what in NOT_CSV:
        if data.startswith(magic):
            raise CatalogueTextError(f"metadata file {path} is {what}, not a CSV file; {SAVE_AS}")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise CatalogueTextError(
            f"metadata file {path} has a NUL byte, so it is not UTF-8 or Windows-1252 text: "
            f"{_where(data, nul, 'latin-1')} (UTF-16 without a byte-order mark, or not a text file); {SAVE_AS}")
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as exc:
        first = exc.start
    loose = data.decode("utf-8", "surrogateescape")
    bad = sum(1 for ch in loose if "\udc80" <= ch <= "\udcff")
    good = sum(1 for ch in loose if "\x80" <= ch and not "\udc80" <= ch <= "\udcff")  # valid UTF-8 non-ASCII
    if good >= bad:
        raise CatalogueTextError(
            f"metadata file {path} is UTF-8 except for {bad} byte(s) that are not: the first is on "
            f"{_where(data, first, 'utf-8')}. Reading it as another encoding would garble every accented "
            f"letter, so it is refused: fix that line, or {SAVE_AS}")
    try:
        return data.decode("cp1252"), "Windows-1252, as it is not UTF-8"
    except UnicodeDecodeError as exc:
        raise CatalogueTextError(
            f"metadata file {path} is neither UTF-8 nor Windows-1252 text: {_where(data, exc.start, 'cp1252')} "
            f"is not a character in either; {SAVE_AS}") from None


def _where(data: bytes, pos: int, codec: str) -> str:
    """'line 3 (byte 0xE9 after "Caf")': where a bad byte is, as a user finds it in an editor."""
    before = data[:pos].decode(codec, "replace")
    line = before.count("\n") + 1
    start = before.rfind("\n") + 1
    context = before[start:][-40:].replace("\r", "")
    return f"line {line} (byte 0x{data[pos]:02X}" + (f" after {context!r})" if context else " at its start)")
