"""Read a settings file: TOML in UTF-8, or an error that names the file and what is wrong in it
(the byte and line of the first byte that is not UTF-8, TOML's own line and column)."""
from __future__ import annotations

import tomllib
from pathlib import Path


def read(path: Path, error: type[Exception] = ValueError) -> dict:
    try:
        raw = Path(path).read_bytes()
        return tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise error(f"config file {path} does not exist") from None
    except IsADirectoryError:
        raise error(f"config file {path} is a folder, not a file") from None
    except OSError as exc:
        raise error(f"config file {path} cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise error(f"{path} is not UTF-8 text: byte {exc.start} (line {line}) is {raw[exc.start]:#04x}. "
                    f"Save it as UTF-8 (TOML files must be).") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path} is not valid TOML: {exc}. Check the quotes, brackets and 'key = value' form "
                    f"there.") from None
