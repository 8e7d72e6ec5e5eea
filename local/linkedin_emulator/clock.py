"""The emulator's injectable clock: token expiry, code and request-id TTLs and daily counters read it."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class Clock:
    """Wall-clock time plus an adjustable offset, or a frozen instant.

    ``Clock()`` follows real time; ``advance`` and ``set`` shift it. ``Clock(start=..., frozen=True)`` stands
    still until moved, which makes expiry boundaries exact in tests.
    """

    def __init__(self, start: float | None = None, *, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        self._frozen = frozen
        self._offset = 0.0 if start is None else start - time.time()
        self._instant = time.time() if start is None else start

    @property
    def frozen(self) -> bool:
        return self._frozen

    def now(self) -> float:
        """Current emulated time, epoch seconds."""
        with self._lock:
            return self._instant if self._frozen else time.time() + self._offset

    def now_ms(self) -> int:
        return int(self.now() * 1000)

    def advance(self, seconds: float) -> float:
        """Move time forward (or back, with a negative value); returns the new time."""
        with self._lock:
            self._instant += seconds
            self._offset += seconds
            return self._instant if self._frozen else time.time() + self._offset

    def set(self, epoch: float) -> None:
        """Jump to ``epoch`` (seconds)."""
        with self._lock:
            self._instant = epoch
            self._offset = epoch - time.time()

    def freeze(self, frozen: bool = True) -> None:
        """Stop (or restart) the clock at the current emulated instant."""
        with self._lock:
            current = self._instant if self._frozen else time.time() + self._offset
            self._frozen = frozen
            self._instant = current
            self._offset = current - time.time()

    def utc_day(self) -> str:
        """The current UTC day, ``YYYY-MM-DD`` (LinkedIn's daily limits reset at midnight UTC)."""
        return datetime.fromtimestamp(self.now(), tz=UTC).strftime("%Y-%m-%d")
