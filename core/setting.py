"""One setting of site.toml: a dataclass field that carries its type, default, check, hint
and command-line flag (core/config.py declares the sections with it), and the small checks
most settings share."""
from __future__ import annotations

import re
from dataclasses import field

MORE = {"stage": None, "path": False, "choices": (), "parse": None, "metavar": None}


def setting(default, check=None, hint: str = "", flag: str | tuple = (), help: str = "", **more):
    """A field of a section: default, check (value -> bool), hint (what is expected),
    flag(s) on the command line, and in `more`: stage, the step or steps that read it (default:
    the section's STAGE; the first one's command offers the flag), path (relative to the config
    file when set there), and the flag's choices, parse (text -> value) and metavar."""
    unknown = set(more) - set(MORE)
    if unknown:
        raise TypeError(f"setting() got unknown options {sorted(unknown)}; expected some of {sorted(MORE)}")
    flags = (flag,) if isinstance(flag, str) else tuple(flag)
    meta = {"check": check, "hint": hint, "flags": flags, "help": help, **MORE, **more}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


def at_least(n):
    return lambda v: v >= n


def between(lo, hi):
    return lambda v: lo <= v <= hi


def comma_list(text: str) -> list:
    return [f.strip() for f in text.split(",") if f.strip()]


# Values that reach git (deploy) or a page's <head> (base_url): checked by their form here, before
# anything runs; deploy/target.py then checks them against the repository itself.
REMOTE_HINT = ('a remote of the repository (e.g. "origin"), an https://, ssh://, file:// or git@host:path URL, '
               'or a local path starting with "/", "./" or "../"')
BRANCH_HINT = ('a branch name git accepts (no spaces, "..", ":", "~", "^", "?", "*", "[", "\\"; '
               'not starting with "-" or ".")')
_REF_BAD = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//")


def branch_name(v: str) -> bool:
    """A branch name git accepts (git check-ref-format refs/heads/NAME) that is no option."""
    return (bool(v) and not v.startswith(("-", "/", ".")) and not v.endswith(("/", ".", ".lock"))
            and v not in ("@", "HEAD") and not _REF_BAD.search(v)
            and not any(part.startswith(".") or part.endswith(".lock") for part in v.split("/")))


_REMOTE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
_SCP = re.compile(r"(?:[A-Za-z0-9_][A-Za-z0-9._-]*@)?[A-Za-z0-9][A-Za-z0-9.-]*:[^-\s][^\s]*")


def remote_kind(v: str) -> str | None:
    """"name" (a remote of the repository), "url", "path" (a local repository), or None when
    the value is none of these (an option, a transport helper such as ext::, a control character)."""
    from urllib.parse import urlsplit

    if not v or v.startswith("-") or re.search(r"[\x00-\x1f\x7f]", v) or "::" in v:
        return None
    if "://" in v:
        try:
            url = urlsplit(v)
        except ValueError:
            return None
        if url.scheme == "file":
            return "path"
        host_ok = bool(url.hostname) and not url.hostname.startswith("-") and not (url.username or "").startswith("-")
        return "url" if url.scheme in ("https", "ssh") and host_ok and not re.search(r"\s", v) else None
    if _SCP.fullmatch(v) and "/" not in v.split(":", 1)[0]:
        return "url"
    if v.startswith(("/", "./", "../")):
        return "path"
    return "name" if _REMOTE_NAME.fullmatch(v) else None


def web_url(v: str) -> bool:
    """Empty, or an absolute http(s) URL with a host and no spaces, quotes or control characters."""
    from urllib.parse import urlsplit

    if not v:
        return True
    if re.search(r"[\x00-\x20\x7f\"'<>\\`]", v):
        return False
    try:
        url = urlsplit(v)
    except ValueError:
        return False
    return url.scheme in ("http", "https") and bool(url.hostname)
