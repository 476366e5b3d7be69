"""Settings: one schema, read from site.toml, overridden by CLI flags.

Why a schema rather than a dict bag: every key has one type, one default and one
place it is checked, so an error can name the file, the key, what was expected
and what arrived (PixPlot's kwargs bag is the counter-example).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """A setting is wrong; the message names the key, what was expected and what arrived."""


@dataclass
class Settings:
    # [site]
    title: str = "Lookalike"
    description: str = "Images arranged by visual similarity."
    collection: str = ""
    output: str = "_site"
    base_url: str = ""
    metadata: str = ""
    # [model]
    model: str = "efficientnet_lite0"
    weights: str = "imagenet"
    batch_size: int = 32
    workers: int = 0
    precision: str = "auto"
    # [neighbours]
    k: int = 30
    trees: int = 50
    map_neighbours: int = 12
    # [map]
    perplexity: float = 30.0
    seed: int = 42
    # [images]
    thumb_size: int = 256
    display_size: int = 1024
    copy_originals: bool = False
    max_pixels: int = 200_000_000
    # [facets]
    facets: list = field(default_factory=lambda: ["content", "style", "colour"])
    blend: dict = field(default_factory=dict)
    style_layers: list = field(default_factory=list)
    colour_bins: int = 8
    colour_space: str = "lab"
    # [build]
    work_dir: str = ""
    # where each value came from, for messages ("site.toml", "--k", "default")
    origin: dict = field(default_factory=dict, repr=False)


# (section, key in file, attribute, type, check, hint)
def _positive(v):
    return v >= 1


def _non_negative(v):
    return v >= 0


FACET_NAMES = ("content", "style", "colour")


def _facet_list(v):
    return bool(v) and all(x in FACET_NAMES for x in v) and len(set(v)) == len(v)


def _blend_weights(v):
    ok = all(k in FACET_NAMES and isinstance(w, (int, float)) and not isinstance(w, bool) and w >= 0
             for k, w in v.items())
    return ok and (not v or any(w > 0 for w in v.values()))


SCHEMA = [
    ("site", "title", "title", str, None, ""),
    ("site", "description", "description", str, None, ""),
    ("site", "collection", "collection", str, None, ""),
    ("site", "output", "output", str, None, ""),
    ("site", "base_url", "base_url", str, None, ""),
    ("site", "metadata", "metadata", str, None, ""),
    ("model", "name", "model", str, None, ""),
    ("model", "weights", "weights", str, None, ""),
    ("model", "batch_size", "batch_size", int, _positive, "an integer >= 1"),
    ("model", "workers", "workers", int, _non_negative, "an integer >= 0 (0 = all cores)"),
    ("model", "precision", "precision", str, lambda v: v in ("auto", "float32", "bfloat16"),
     '"auto", "float32" or "bfloat16"'),
    ("neighbours", "k", "k", int, _positive, "an integer >= 1"),
    ("neighbours", "trees", "trees", int, _positive, "an integer >= 1"),
    ("neighbours", "map_neighbours", "map_neighbours", int, _non_negative, "an integer >= 0"),
    ("map", "perplexity", "perplexity", float, lambda v: v > 0, "a number > 0"),
    ("map", "seed", "seed", int, None, ""),
    ("images", "thumb_size", "thumb_size", int, lambda v: 16 <= v <= 1024, "an integer from 16 to 1024"),
    ("images", "display_size", "display_size", int, lambda v: 64 <= v <= 8192, "an integer from 64 to 8192"),
    ("images", "copy_originals", "copy_originals", bool, None, ""),
    ("images", "max_pixels", "max_pixels", int, _positive, "an integer >= 1"),
    ("facets", "enabled", "facets", list, _facet_list, 'a list of facet names from "content", "style", "colour"'),
    ("facets", "blend", "blend", dict, _blend_weights,
     'a table of facet = weight (numbers >= 0, at least one > 0), e.g. { content = 2, colour = 1 }'),
    ("facets", "style_layers", "style_layers", list, lambda v: all(isinstance(x, str) for x in v),
     "a list of layer names (empty = the backbone's default)"),
    ("facets", "colour_bins", "colour_bins", int, lambda v: 2 <= v <= 16, "an integer from 2 to 16"),
    ("facets", "colour_space", "colour_space", str, lambda v: v in ("lab", "rgb", "hsv"), '"lab", "rgb" or "hsv"'),
    ("build", "work_dir", "work_dir", str, None, ""),
]
_BY_ATTR = {row[2]: row for row in SCHEMA}
_TYPE_WORDS = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
               list: "a list", dict: "a table"}


def _check(value: Any, row, where: str) -> Any:
    section, key, _attr, typ, check, hint = row
    name = f"[{section}] {key}"
    if typ is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if (isinstance(value, bool) and typ is not bool) or not isinstance(value, typ):
        raise ConfigError(
            f"{where}: {name} must be {_TYPE_WORDS[typ]}, found {type(value).__name__} {value!r}"
        )
    if check is not None and not check(value):
        raise ConfigError(f"{where}: {name} must be {hint}, found {value!r}")
    return value


def load(path: Path | None) -> Settings:
    """Settings from a TOML file (or defaults when path is None)."""
    settings = Settings()
    if path is None:
        return settings
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}. Check the quotes, brackets and 'key = value' form there.") from None
    known_sections = {row[0] for row in SCHEMA}
    for section, table in data.items():
        if section not in known_sections or not isinstance(table, dict):
            raise ConfigError(
                f"{path}: unknown section [{section}]; expected one of "
                f"{', '.join('[' + s + ']' for s in sorted(known_sections))}"
            )
        rows = {row[1]: row for row in SCHEMA if row[0] == section}
        for key, value in table.items():
            if key not in rows:
                raise ConfigError(
                    f"{path}: unknown key {key!r} in [{section}]; expected one of {', '.join(sorted(rows))}"
                )
            row = rows[key]
            setattr(settings, row[2], _check(value, row, str(path)))
            settings.origin[row[2]] = str(path)
    return settings


def override(settings: Settings, **flags: Any) -> Settings:
    """Apply CLI flags that were given (None means 'not given')."""
    for attr, value in flags.items():
        if value is None:
            continue
        row = _BY_ATTR[attr]
        flag = "--" + attr.replace("_", "-")
        setattr(settings, attr, _check(value, row, f"command line {flag}"))
        settings.origin[attr] = flag
    return settings


def check_consistency(settings: Settings) -> None:
    """Rules that involve several keys."""
    missing = [f for f, w in settings.blend.items() if w > 0 and f not in settings.facets]
    if missing:
        raise ConfigError(f"[facets] blend gives weight to {', '.join(missing)}, which is not in [facets] enabled "
                          f"({', '.join(settings.facets)}); add it there or drop its weight")


def attributes() -> list[str]:
    return [f.name for f in fields(Settings) if f.name != "origin"]
