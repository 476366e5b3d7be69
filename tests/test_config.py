from pathlib import Path

import pytest

from core import config, config_load


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "site.toml"
    p.write_text(text)
    return p


def test_repo_site_toml_is_valid_and_documented():
    repo = Path(__file__).resolve().parent.parent
    s = config_load.load(repo / "site.toml")
    assert s.neighbours.k == 30 and s.model.name == "efficientnet_lite0"
    text = (repo / "site.toml").read_text()
    for section, f in config.schema():  # every key is present, in its section, and commented
        body = text.split(f"\n[{section}]\n", 1)[1].split("\n[", 1)[0]
        assert f"\n{f.name} = " in "\n" + body, (section, f.name)
        before = body.split(f"{f.name} = ", 1)[0].rstrip().splitlines()
        assert before and (before[-1].startswith("#") or " = " in before[-1]), (section, f.name)  # a group's comment


def test_values_are_read(tmp_path):
    s = config_load.load(write(tmp_path, '[neighbours]\nk = 7\n[map]\nperplexity = 12\n[site]\ntitle = "Picasso"\n'))
    assert (s.neighbours.k, s.map.perplexity, s.site.title) == (7, 12.0, "Picasso")


def test_unknown_key_names_key_and_choices(tmp_path):
    with pytest.raises(config.ConfigError) as err:
        config_load.load(write(tmp_path, "[neighbours]\nkk = 3\n"))
    msg = str(err.value)
    assert "kk" in msg and "[neighbours]" in msg and "k" in msg and "site.toml" in msg


def test_unknown_section(tmp_path):
    with pytest.raises(config.ConfigError, match=r"unknown section \[nope\]"):
        config_load.load(write(tmp_path, "[nope]\na = 1\n"))


def test_wrong_type_names_expected_and_found(tmp_path):
    with pytest.raises(config.ConfigError) as err:
        config_load.load(write(tmp_path, '[neighbours]\nk = "thirty"\n'))
    assert "[neighbours] k must be an integer, found str 'thirty'" in str(err.value)


def test_bool_is_not_an_integer(tmp_path):
    with pytest.raises(config.ConfigError, match="must be an integer"):
        config_load.load(write(tmp_path, "[neighbours]\nk = true\n"))


def test_k_below_one_is_refused(tmp_path):
    with pytest.raises(config.ConfigError, match="k must be an integer >= 1, found 0"):
        config_load.load(write(tmp_path, "[neighbours]\nk = 0\n"))


def test_syntax_error_names_file_and_line(tmp_path):
    with pytest.raises(config.ConfigError) as err:
        config_load.load(write(tmp_path, "[site]\ntitle = = 'x'\n"))
    assert "site.toml" in str(err.value) and "line 2" in str(err.value)


def test_flags_override_file(tmp_path):
    s = config_load.load(write(tmp_path, "[neighbours]\nk = 7\n"))
    config_load.override(s, "neighbours", "k", 3, "--neighbours")
    config_load.override(s, "map", "seed", None, "--seed")
    assert s.neighbours.k == 3 and s.map.seed == 42 and s.origin["[neighbours] k"] == "--neighbours"


def test_bad_flag_value_names_flag():
    with pytest.raises(config.ConfigError, match="command line --neighbours: \\[neighbours\\] k must be"):
        config_load.override(config.Settings(), "neighbours", "k", -1, "--neighbours")


def test_every_section_matches_site_toml_and_each_stage_gets_only_its_own():
    """The sections of the schema are the sections of site.toml; every flag belongs to a stage."""
    assert list(config.SECTIONS) == ["site", "model", "embed", "neighbours", "map", "images", "facets", "tags",
                                     "build", "deploy", "groups"]
    for section, f in config.schema():
        assert config.stage_of(section, f) in config.STAGES + ("all",), (section, f.name)
