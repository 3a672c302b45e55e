"""Login admission: what a flood of password guesses may cost the server.

Three limits on failed logins per sliding minute: per (username, IP), per IP and for the whole
process. The server-wide one refuses only names that do not exist (a random-name flood), so a
flood from many addresses cannot lock every user out; real accounts are protected by the other
two and by the bounded hashing. Attempts still in flight count against all three, and are reserved synchronously before
the first ``await``: parallel guesses cannot all pass the checks before any of them fails. The
per-(username, IP) failures are the database's (all workers share them); the per-IP and global
ones live in this process's memory (each worker keeps its own). Password hashing (argon2id,
64 MiB a hash) runs in a few worker threads at a time behind a short queue; an attempt that finds
the queue full is refused at once (503) instead of waiting in an ever-longer line.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

from server.config import Settings
from server.errors import ApiError

WINDOW_S = 60.0
K = TypeVar("K")


def too_many() -> ApiError:
    return ApiError(429, "too_many_attempts",
                    "تعداد تلاش‌های ناموفق ورود بیش از حد مجاز است؛ لطفاً یک دقیقه دیگر دوباره تلاش کنید.",
                    "Too many failed login attempts; try again in a minute.", headers={"Retry-After": "60"})


def busy() -> ApiError:
    return ApiError(503, "login_busy", "کارگزار اکنون درخواست‌های ورود بسیاری دارد؛ لطفاً چند لحظه دیگر دوباره تلاش کنید.",
                    "The server is handling too many logins; try again shortly.", headers={"Retry-After": "5"})


@dataclass(frozen=True)
class Attempt:
    """A reserved login attempt: counted against its limits until it succeeds or fails."""
    username: str
    ip: str


class LoginThrottle:
    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_user_ip = settings.login_attempts_per_minute
        self.per_ip = settings.login_failures_per_ip_per_minute
        self.per_process = settings.login_failures_per_minute
        self.pause_s = settings.login_failure_delay_ms / 1000
        self._slots = settings.login_hash_concurrency
        self._capacity = settings.login_hash_concurrency + settings.login_hash_queue
        self._clock = clock
        self._failures: deque[tuple[float, str]] = deque()  # (when, ip), oldest first
        self._ip_failures: Counter[str] = Counter()
        self._in_flight: Counter[tuple[str, str]] = Counter()
        self._ip_in_flight: Counter[str] = Counter()
        self._all_in_flight = 0
        self._hashing = 0  # attempts hashing or queued for it
        self._semaphore: asyncio.Semaphore | None = None  # made on the loop that uses it

    def admit(self, username: str, ip: str, recorded_failures: int, *, known: bool = False) -> Attempt:
        """Reserve an attempt or raise 429. Synchronous on purpose: nothing runs between the checks
        and the reservation. ``recorded_failures``: the database's count for this username and IP,
        read with no ``await`` since; ``known``: the username is an active account."""
        self._forget_old()
        key = (username, ip)
        if ((not known and len(self._failures) + self._all_in_flight >= self.per_process)
                or self._ip_failures[ip] + self._ip_in_flight[ip] >= self.per_ip
                or recorded_failures + self._in_flight[key] >= self.per_user_ip):
            raise too_many()
        self._in_flight[key] += 1
        self._ip_in_flight[ip] += 1
        self._all_in_flight += 1
        return Attempt(username, ip)

    def done(self, attempt: Attempt, *, failed: bool) -> None:
        """The attempt's outcome; a failure must already be in the database (so it is never uncounted)."""
        _decrement(self._in_flight, (attempt.username, attempt.ip))
        _decrement(self._ip_in_flight, attempt.ip)
        self._all_in_flight -= 1
        if failed:
            self._failures.append((self._clock(), attempt.ip))
            self._ip_failures[attempt.ip] += 1

    def hashing_full(self) -> bool:
        """Every hashing slot and queue place is taken: an attempt now would get 503."""
        return self._hashing >= self._capacity

    @asynccontextmanager
    async def hashing(self) -> AsyncIterator[None]:
        """A slot for one password hash; 503 at once when the slots and the queue are full."""
        if self.hashing_full():
            raise busy()
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self._slots)
        self._hashing += 1
        try:
            async with self._semaphore:
                yield
        finally:
            self._hashing -= 1

    async def pause(self) -> None:
        """Before a refusal: slows a guesser that waits for each answer, costs the server a timer."""
        if self.pause_s > 0:
            await asyncio.sleep(self.pause_s)

    def _forget_old(self) -> None:
        horizon = self._clock() - WINDOW_S
        while self._failures and self._failures[0][0] <= horizon:
            _decrement(self._ip_failures, self._failures.popleft()[1])


def _decrement(counter: Counter[K], key: K) -> None:
    """Counters shrink back: a flood of random names leaves nothing behind."""
    counter[key] -= 1
    if not counter[key]:
        del counter[key]
