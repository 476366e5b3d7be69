"""Committing the feature stores of one build together (core/feature_store.py)."""
from __future__ import annotations

import threading


class CommitGroup:
    """The feature stores of one build, committed together: every facet of an image reaches
    disk in the same round, so a kill never leaves its content committed and its style not
    (which would send it through the model again). A round starts when rows have waited
    SECONDS (a timer: a slow model does not hold them back) or a store holds ROWS."""

    SECONDS = 1.0
    ROWS = 256

    def __init__(self, stores):
        self.stores = list(stores)
        self._lock = threading.RLock()
        self._timer: threading.Timer | None = None
        for store in self.stores:
            store.group = self

    def touched(self, pending: int) -> None:
        with self._lock:
            if pending >= self.ROWS:
                self.flush()
            elif self._timer is None:
                self._timer = threading.Timer(self.SECONDS, self._tick)
                self._timer.daemon = True
                self._timer.start()

    def flush(self) -> None:
        """Commit every store's pending rows now (the stage's last call, Ctrl-C or not)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            for store in self.stores:
                store.flush()

    def _tick(self) -> None:
        with self._lock:
            self._timer = None
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the rows stay pending: the stage's flush raises it
                pass
