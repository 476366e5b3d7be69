"""Settings views: each step reads its own frozen slice of the settings, nothing more.

`for_step(settings, "layout")` holds exactly the keys whose stage (core/config.py: the
section's STAGE, or a key's own `stage=`) is that step or "all", grouped by section as in
site.toml, plus the run's options (`--force`, `--strict`). Reading any other key is an error
that names the step, so a stage cannot quietly start to depend on another stage's settings
(its cache keys would miss it); setting one is an error too.
"""
from __future__ import annotations

import copy

from core import config


class View:
    """Read-only attribute access to a fixed set of values."""
    __slots__ = ("_name", "_values")

    def __init__(self, name: str, values: dict):
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, key: str):
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(f"{self._name} has no {key!r}: not a setting this step reads "
                                 f"(core/config.py gives each key its stage)") from None

    def __setattr__(self, key, value):
        raise AttributeError(f"{self._name} is read-only")

    def __contains__(self, key: str) -> bool:
        return key in self._values

    def __repr__(self) -> str:
        return f"View({self._name}: {', '.join(sorted(self._values))})"


def for_step(settings: config.Settings, step: str, **options) -> View:
    """The settings `step` reads, as {section: View}, and the run's options (force=..., strict=...)."""
    if step not in config.STAGES:
        raise ValueError(f"unknown step {step!r}; expected one of {', '.join(config.STAGES)}")
    sections: dict[str, dict] = {}
    for section, f in config.schema():
        if step in config.stages_of(section, f) or "all" in config.stages_of(section, f):
            value = copy.deepcopy(getattr(getattr(settings, section), f.name))
            sections.setdefault(section, {})[f.name] = value
    values = {name: View(f"[{name}] for {step}", keys) for name, keys in sections.items()}
    values.update(options)
    return View(f"the {step} settings", values)
