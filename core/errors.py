"""The errors a user can act on: build.py prints their message and exits 2 (1 for core/files.py
WriteError: a file that could not be written), no traceback.

Every stage raises a subclass of LookalikeError for trouble the user caused or can
fix (a wrong setting, a missing folder, an unsafe output folder, a stage run before
the one it needs). Anything else is a bug and is reported as unexpected.
"""
from __future__ import annotations


class LookalikeError(Exception):
    """Base of every error whose message alone tells the user what to do."""


class InputError(LookalikeError, FileNotFoundError):
    """A folder or file the user named does not exist or cannot be used."""


class StageOrderError(LookalikeError):
    """A stage needs files that an earlier stage has not written yet."""
