"""LoginThrottle's bookkeeping with a fake clock: the sliding minute, and nothing left behind."""

from __future__ import annotations

import pytest

from server.config import Settings
from server.errors import ApiError
from server.throttle import LoginThrottle


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failures_are_forgotten_after_a_minute_and_leave_no_memory() -> None:
    clock = Clock()
    throttle = LoginThrottle(Settings(login_failures_per_ip_per_minute=3, login_failures_per_minute=100), clock)
    for i in range(3):
        throttle.done(throttle.admit(f"guess-{i}", "10.0.0.1", 0), failed=True)
    with pytest.raises(ApiError) as refused:
        throttle.admit("guess-x", "10.0.0.1", 0)
    assert refused.value.status == 429
    throttle.done(throttle.admit("someone", "10.0.0.2", 0), failed=False)  # another address is not limited
    clock.now += 61
    throttle.done(throttle.admit("guess-y", "10.0.0.1", 0), failed=False)
    assert not (throttle._failures or throttle._ip_failures or throttle._in_flight or throttle._ip_in_flight)


def test_attempts_in_flight_count_against_the_limits() -> None:
    throttle = LoginThrottle(Settings(login_attempts_per_minute=5, login_failures_per_minute=4), Clock())
    held = [throttle.admit("a.staff", "10.0.0.1", 3), throttle.admit("a.staff", "10.0.0.1", 3)]
    with pytest.raises(ApiError):  # 3 recorded + 2 in flight
        throttle.admit("a.staff", "10.0.0.1", 3)
    held += [throttle.admit("b.staff", "10.0.0.3", 0), throttle.admit("c.staff", "10.0.0.4", 0)]
    with pytest.raises(ApiError):  # 4 in flight: the server-wide limit, for a name that does not exist
        throttle.admit("d.staff", "10.0.0.5", 0)
    held.append(throttle.admit("e.staff", "10.0.0.6", 0, known=True))  # a real account is not locked out
    for attempt in held:
        throttle.done(attempt, failed=False)
    throttle.admit("d.staff", "10.0.0.5", 0)
