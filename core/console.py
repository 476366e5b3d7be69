"""A clean console: our progress and summary only; TensorFlow, absl, oneDNN, Keras and Ray stay quiet.

TensorFlow's C++ core writes its start-up lines ("oneDNN custom operations are on",
"All log messages before absl::InitializeLog()") straight to file descriptor 2, below
anything Python can filter. So for a normal build, Python's own stderr is moved to a copy
of that descriptor, and descriptor 2 itself is pointed at a log file in the work folder:
native lines land there, ours still reach the terminal. Python-level loggers and warnings
of those libraries are turned down too. `--verbose` leaves everything as it is.
"""
from __future__ import annotations

import logging
import os
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

NOISY_LOGGERS = ("tensorflow", "absl", "keras", "h5py", "jax", "numba", "ray", "ray.data")
_hushed: dict | None = None  # logger name -> level to restore; None unless quiet_libraries is active
NOISY_MODULES = r"(tensorflow|keras|absl|jax|h5py|google|ray)(\.|$)"


@contextmanager
def quiet_libraries(native_log: Path | None):
    """Hide third-party log lines while the stages run; everything is restored afterwards."""
    env = {name: os.environ.get(name) for name in ("TF_CPP_MIN_LOG_LEVEL", "GRPC_VERBOSITY")}
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    global _hushed
    _hushed = {}
    hush(*NOISY_LOGGERS)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=NOISY_MODULES)
        restore = _divert_native_stderr(Path(native_log)) if native_log is not None else None
        try:
            yield
        finally:
            if restore is not None:
                restore()
            for name, level in _hushed.items():
                logging.getLogger(name).setLevel(level)
            _hushed = None
            for name, value in env.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def hush(*names: str) -> None:
    """Turn these loggers down to errors while quiet_libraries is active (and only then).

    For libraries that set their own levels when imported (Ray does): call it after the import."""
    if _hushed is None:  # --verbose, or no build running: leave them as they are
        return
    for name in names:
        if name not in _hushed:
            _hushed[name] = logging.getLogger(name).level
        logging.getLogger(name).setLevel(logging.ERROR)


def _divert_native_stderr(path: Path):
    """Point descriptor 2 at `path`, keep Python's stderr on the terminal; returns the undo."""
    try:
        if sys.stderr.fileno() != 2:
            return None  # stderr is already elsewhere (a test's capture, a redirect of Python's own)
        sys.stderr.flush()
        path.parent.mkdir(parents=True, exist_ok=True)
        log = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    except (OSError, ValueError, AttributeError):
        return None  # no descriptor 2 (an embedding host) or no log file: leave things as they are
    saved, ours = os.dup(2), os.dup(2)
    previous = sys.stderr
    sys.stderr = os.fdopen(ours, "w", buffering=1, encoding=getattr(previous, "encoding", None) or "utf-8",
                           errors="backslashreplace")
    os.dup2(log, 2)
    os.close(log)

    def restore() -> None:
        # The stream stays open: a library may keep it (TensorFlow's logger does) and must still
        # reach the terminal; descriptor 2 is the terminal again.
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        sys.stderr = previous

    return restore
