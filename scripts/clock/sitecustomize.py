"""Imported only under ``make test-clock`` (on ``PYTHONPATH`` there), never by the product.

Debian 12's libfaketime (0.9.10) shifts the deadline of ``clock_nanosleep(TIMER_ABSTIME)`` by
the fake offset even when monotonic time is left real (``FAKETIME_DONT_FAKE_MONOTONIC=1``), so
the kernel sees a negative time and ``time.sleep`` raises ``EINVAL``. Monotonic time must stay
real: with it faked, every timed lock or event wait computes its deadline on the fake clock and
never wakes. So sleep with ``select``, which takes a relative timeout.
"""

from __future__ import annotations

import select
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        select.select([], [], [], left)


time.sleep = _sleep
