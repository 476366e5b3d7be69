"""The one step shape's two parts: a settings view per step and one reporter (core/views.py, core/log.py)."""
from __future__ import annotations

import io

import pytest

from core import config
from core.log import Log
from core.views import for_step


def test_a_step_sees_its_own_settings_and_the_shared_ones_only():
    s = config.Settings()
    s.site.collection, s.map.seed = "pics", 7
    layout = for_step(s, "layout")
    assert layout.map.seed == 7 and layout.neighbours.k == 30 and layout.site.collection == "pics"
    with pytest.raises(AttributeError, match="not a setting this step reads"):
        layout.site.title  # a render setting
    with pytest.raises(AttributeError, match="not a setting this step reads"):
        layout.model  # an embed section
    render = for_step(s, "render", force=True)
    assert render.force is True and render.site.title == "Lookalike" and render.neighbours.map_neighbours == 12
    with pytest.raises(AttributeError):
        render.neighbours.k
    assert for_step(s, "deploy").site.output == "_site"  # a key read by two steps
    assert for_step(s, "embed").site.metadata == ""


def test_views_are_frozen_copies():
    s = config.Settings()
    embed = for_step(s, "embed")
    with pytest.raises(AttributeError, match="read-only"):
        embed.model.name = "vgg19"
    embed.facets.enabled.append("blend")  # a copy: the settings themselves are untouched
    assert s.facets.enabled == ["content", "style", "colour"]


def test_every_key_belongs_to_a_step():
    for section, f in config.schema():
        assert set(config.stages_of(section, f)) <= set(config.STAGES) | {"all"}, (section, f.name)


def test_the_log_counts_warnings_once_and_is_silent_when_quiet():
    out = io.StringIO()
    log = Log(stream=out)
    log.info("config: site.toml")
    log.warning("k lowered to 4")
    log.warning("k lowered to 4")  # every facet says it: kept once
    assert log.warnings == ["k lowered to 4"]
    assert out.getvalue() == "config: site.toml\nwarning: k lowered to 4\n"
    quiet_out = io.StringIO()
    quiet = Log(quiet=True, stream=quiet_out)
    quiet.info("x")
    quiet.warning("y")
    with quiet.progress("embed", 3) as p:
        p.advance(3)
    assert quiet_out.getvalue() == "" and quiet.warnings == ["y"]


def test_notices_and_errors_are_said_even_when_quiet_and_are_no_warnings():
    out = io.StringIO()
    log = Log(quiet=True, stream=out)
    log.notice("config: pictures/site.toml is inside the collection folder; it sets nothing")
    log.error("the collection folder nope does not exist or is not a folder")
    assert out.getvalue() == ("config: pictures/site.toml is inside the collection folder; it sets nothing\n"
                              "lookalike: error: the collection folder nope does not exist or is not a folder\n")
    assert log.warnings == []
