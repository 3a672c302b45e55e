"""How fast this machine is right now: printed by the benches beside their figures.

The 2-core VM's speed varies over the day; a fixed pure-Python loop timed before a run tells
which runs are comparable.
"""

from __future__ import annotations

import os
import time


def reference_ms() -> float:
    """Best of three timings of a fixed pure-Python loop, in ms."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        total = 0
        for i in range(3_000_000):
            total += i * i
        best = min(best, time.perf_counter() - start)
    return best * 1000


def describe() -> str:
    one, five, _ = os.getloadavg()
    return f"machine: reference loop {reference_ms():.0f} ms (lower is faster), load average {one:.2f} {five:.2f}"
