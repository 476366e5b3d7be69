from pathlib import Path

import pytest

from core import config


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "site.toml"
    p.write_text(text)
    return p


def test_repo_site_toml_is_valid_and_documented():
    repo = Path(__file__).resolve().parent.parent
    s = config.load(repo / "site.toml")
    assert s.k == 30 and s.model == "efficientnet_lite0"
    text = (repo / "site.toml").read_text()
    for _section, key, *_ in config.SCHEMA:  # every key is present and commented
        assert f"\n{key} = " in text, key


def test_values_are_read(tmp_path):
    s = config.load(write(tmp_path, '[neighbours]\nk = 7\n[map]\nperplexity = 12\n[site]\ntitle = "Picasso"\n'))
    assert (s.k, s.perplexity, s.title) == (7, 12.0, "Picasso")


def test_unknown_key_names_key_and_choices(tmp_path):
    with pytest.raises(config.ConfigError) as err:
        config.load(write(tmp_path, "[neighbours]\nkk = 3\n"))
    msg = str(err.value)
    assert "kk" in msg and "[neighbours]" in msg and "k" in msg and "site.toml" in msg


def test_unknown_section(tmp_path):
    with pytest.raises(config.ConfigError, match=r"unknown section \[nope\]"):
        config.load(write(tmp_path, "[nope]\na = 1\n"))


def test_wrong_type_names_expected_and_found(tmp_path):
    with pytest.raises(config.ConfigError) as err:
        config.load(write(tmp_path, '[neighbours]\nk = "thirty"\n'))
    assert "[neighbours] k must be an integer, found str 'thirty'" in str(err.value)


def test_bool_is_not_an_integer(tmp_path):
    with pytest.raises(config.ConfigError, match="must be an integer"):
        config.load(write(tmp_path, "[neighbours]\nk = true\n"))


def test_k_below_one_is_refused(tmp_path):
    with pytest.raises(config.ConfigError, match="k must be an integer >= 1, found 0"):
        config.load(write(tmp_path, "[neighbours]\nk = 0\n"))


def test_syntax_error_names_file_and_line(tmp_path):
    with pytest.raises(config.ConfigError) as err:
        config.load(write(tmp_path, "[site]\ntitle = = 'x'\n"))
    assert "site.toml" in str(err.value) and "line 2" in str(err.value)


def test_flags_override_file(tmp_path):
    s = config.load(write(tmp_path, "[neighbours]\nk = 7\n"))
    config.override(s, k=3, seed=None)
    assert s.k == 3 and s.seed == 42 and s.origin["k"] == "--k"


def test_bad_flag_value_names_flag():
    with pytest.raises(config.ConfigError, match="--k"):
        config.override(config.Settings(), k=-1)
