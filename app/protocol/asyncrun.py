"""Run a coroutine to completion from synchronous code, even when called inside a running loop.

pyHanko and certvalidator are async; our API is synchronous because the GUI worker thread,
the CLI and the server's request handlers all want a plain call. ``asyncio.run`` refuses to
run inside a running loop (an async web handler), so there we use a short-lived thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
