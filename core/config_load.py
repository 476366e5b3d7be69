"""Settings read and checked: site.toml loaded, a flag applied over it, rules across keys.

Every value goes through one check against its field in core/config.py (type, then the
field's own check and hint, then the C-int limit), so an error names the key, what was
expected and what arrived, and where it came from (the file, or the flag).
"""
from __future__ import annotations

import math
from dataclasses import fields
from pathlib import Path
from typing import Any

from core import tomlfile
from core.config import SECTIONS, ConfigError, Settings

INT_MAX = 2**31 - 1  # no setting needs more, and the libraries behind them take C ints

_TYPES = {"str": str, "int": int, "float": float, "bool": bool, "list": list, "dict": dict}
_TYPE_WORDS = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
               list: "a list", dict: "a table"}


def _check(value: Any, section: str, f, where: str) -> Any:
    typ = _TYPES[f.type]
    name = f"[{section}] {f.name}"
    if typ is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if (isinstance(value, bool) and typ is not bool) or not isinstance(value, typ):
        raise ConfigError(f"{where}: {name} must be {_TYPE_WORDS[typ]}, found {type(value).__name__} {value!r}")
    if typ is float and not math.isfinite(value):
        raise ConfigError(f"{where}: {name} must be a finite number, found {value!r}")
    check = f.metadata["check"]
    if check is not None and not check(value):
        raise ConfigError(f"{where}: {name} must be {f.metadata['hint']}, found {value!r}")
    if typ is int and abs(value) > INT_MAX:
        raise ConfigError(f"{where}: {name} must be {f.metadata['hint'] or 'an integer'}, at most {INT_MAX}; "
                          f"found {value}")
    return value


def load(path: Path | None) -> Settings:
    """Settings from a TOML file (or defaults when path is None)."""
    settings = Settings()
    if path is None:
        return settings
    data = tomlfile.read(path, ConfigError)
    for section, table in data.items():
        if section not in SECTIONS or not isinstance(table, dict):
            raise ConfigError(f"{path}: unknown section [{section}]; expected one of "
                              f"{', '.join('[' + s + ']' for s in sorted(SECTIONS))}")
        keys = {f.name: f for f in fields(SECTIONS[section])}
        for key, value in table.items():
            if key not in keys:
                raise ConfigError(f"{path}: unknown key {key!r} in [{section}]; "
                                  f"expected one of {', '.join(sorted(keys))}")
            setattr(getattr(settings, section), key, _check(value, section, keys[key], str(path)))
            settings.origin[f"[{section}] {key}"] = str(path)
    return settings


def override(settings: Settings, section: str, key: str, value: Any, flag: str) -> Settings:
    """Apply one command-line value (None means 'not given')."""
    if value is not None:
        f = next(f for f in fields(SECTIONS[section]) if f.name == key)
        setattr(getattr(settings, section), key, _check(value, section, f, f"command line {flag}"))
        settings.origin[f"[{section}] {key}"] = flag
    return settings


def check_consistency(settings: Settings) -> None:
    """Rules that involve several keys."""
    _model_none(settings)
    enabled = settings.facets.enabled
    missing = [f for f, w in settings.facets.blend.items() if w > 0 and f not in enabled]
    if missing:
        raise ConfigError(f"[facets] blend gives weight to {', '.join(missing)}, which is not in [facets] enabled "
                          f"({', '.join(enabled)}); add it there or drop its weight")


def _model_none(settings: Settings) -> None:
    """[model] name = "none" runs no model: the default facets lose content and style (which need
    one); facets set to hold them are refused. No facet at all is refused (nothing to compare)."""
    facets = settings.facets
    if settings.model.name == "none":
        model_facets = [f for f in facets.enabled if f in ("content", "style")]
        if model_facets and "[facets] enabled" in settings.origin:
            raise ConfigError(f"[model] name = \"none\" runs no model, but [facets] enabled ("
                              f"{settings.origin['[facets] enabled']}) asks for {', '.join(model_facets)}, which "
                              f"need one; keep colour and your own [facets] vectors, or choose a model")
        facets.enabled = [f for f in facets.enabled if f not in model_facets]
    if not facets.enabled and not facets.vectors:
        raise ConfigError("no facet to compare images by: [facets] enabled is empty and there is no "
                          "[facets] vectors")
