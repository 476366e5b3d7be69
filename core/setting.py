"""One setting of site.toml: a dataclass field that carries its type, default, check, hint
and command-line flag (core/config.py declares the sections with it), and the small checks
most settings share."""
from __future__ import annotations

from dataclasses import field


def setting(default, check=None, hint: str = "", flag: str | tuple = (), help: str = "",
            stage: str | None = None, path: bool = False, choices: tuple = (), parse=None, metavar=None):
    """A field of a section: default, check (value -> bool), hint (what is expected),
    flag(s) on the command line, and the stage whose command offers the flag
    (default: the section's stage). path: relative to the config file when set there."""
    flags = (flag,) if isinstance(flag, str) else tuple(flag)
    meta = {"check": check, "hint": hint, "flags": flags, "help": help, "stage": stage, "path": path,
            "choices": choices, "parse": parse, "metavar": metavar}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


def at_least(n):
    return lambda v: v >= n


def between(lo, hi):
    return lambda v: lo <= v <= hi


def comma_list(text: str) -> list:
    return [f.strip() for f in text.split(",") if f.strip()]
