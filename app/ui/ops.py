"""One pattern for all long work, after Anki's ``QueryOp``/``CollectionOp``.

    Op(self, lambda ctx: heavy(store, ctx)) \\
        .with_progress(on_progress) \\
        .success(on_done) \\
        .failure(on_error) \\
        .run()

``fn`` runs on a ``QThreadPool`` worker and receives an :class:`OpContext`: it reports with
``ctx.progress(done, total, text)`` and polls ``ctx.cancelled`` (or calls
``ctx.raise_if_cancelled()``). Every callback runs on the GUI thread, delivered through a
queued signal; the op itself never touches a widget. If ``parent`` has been destroyed by the
time the result arrives, the callbacks are skipped (the window they would update is gone).

A write to the store is a :class:`StoreOp` (Anki's ``CollectionOp``): its ``fn`` returns what it
changed, which is announced on :class:`app.ui.store_changes.StoreChanges` after the success
callback, so that every open view can refresh itself.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, Protocol, Self, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from app.models.changes import Changes
from app.ui.store_changes import StoreChanges

log = logging.getLogger(__name__)

T = TypeVar("T")
ProgressCallback = Callable[[int, int, str], None]

# Progress faster than this would only flood the GUI event queue.
_PROGRESS_INTERVAL_S = 0.05


class OpCancelled(Exception):
    """Raised inside ``fn`` (by :meth:`OpContext.raise_if_cancelled`) to stop early."""


class OpContext:
    """What the worker function sees: a progress reporter and the cancel flag."""

    def __init__(self, relay: _Relay, cancel_event: threading.Event) -> None:
        self._relay = relay
        self._cancel = cancel_event
        self._last_progress = 0.0

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def raise_if_cancelled(self) -> None:
        if self._cancel.is_set():
            raise OpCancelled

    def progress(self, done: int, total: int, text: str = "") -> None:
        """Report progress (throttled; the last step, ``done >= total``, always gets through)."""
        now = time.monotonic()
        if done < total and now - self._last_progress < _PROGRESS_INTERVAL_S:
            return
        self._last_progress = now
        self._relay.progressed.emit(done, total, text)


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits, Qt queues the calls to this thread."""

    progressed = Signal(int, int, str)
    finished = Signal(object, object, bool)  # result, exception, cancelled

    def __init__(self, op: Op[Any]) -> None:
        super().__init__()
        self._op = op
        self.progressed.connect(self._on_progress)
        self.finished.connect(self._on_finished)

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, text: str) -> None:
        self._op._deliver_progress(done, total, text)

    @Slot(object, object, bool)
    def _on_finished(self, result: object, exc: object, cancelled: bool) -> None:
        self._op._deliver_finished(result, exc, cancelled)


class _Runnable(QRunnable):
    def __init__(self, op: Op[Any]) -> None:
        super().__init__()
        self._op = op

    def run(self) -> None:
        self._op._execute()


# Ops in flight, so that neither they nor their relays are garbage-collected mid-run.
_RUNNING: set[Op[Any]] = set()


class Op(Generic[T]):
    """A background operation; build it with the chained setters, then :meth:`run` it."""

    def __init__(self, parent: QObject | None, fn: Callable[[OpContext], T]) -> None:
        self._parent = parent
        self._fn = fn
        self._on_success: Callable[[T], None] | None = None
        self._on_failure: Callable[[BaseException], None] | None = None
        self._on_progress: ProgressCallback | None = None
        self._on_cancelled: Callable[[], None] | None = None
        self._cancel = threading.Event()
        self._relay: _Relay | None = None
        self._pool: QThreadPool | None = None
        self._done = threading.Event()

    def success(self, cb: Callable[[T], None]) -> Self:
        self._on_success = cb
        return self

    def failure(self, cb: Callable[[BaseException], None]) -> Self:
        self._on_failure = cb
        return self

    def with_progress(self, cb: ProgressCallback) -> Self:
        self._on_progress = cb
        return self

    def on_cancelled(self, cb: Callable[[], None]) -> Self:
        self._on_cancelled = cb
        return self

    def in_pool(self, pool: QThreadPool) -> Self:
        """Run in this pool instead of the global one (e.g. a one-thread pool for searches)."""
        self._pool = pool
        return self

    def run(self) -> Self:
        """Start on a worker thread; must be called on the GUI thread."""
        if self._relay is not None:
            raise RuntimeError("an Op runs only once")
        self._relay = _Relay(self)
        _RUNNING.add(self)
        (self._pool or QThreadPool.globalInstance()).start(_Runnable(self))
        return self

    def cancel(self) -> None:
        """Ask the worker to stop; ``success`` will not be called after this."""
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def is_done(self) -> bool:
        return self._done.is_set()

    # --- worker thread ---------------------------------------------------------------

    def _execute(self) -> None:
        assert self._relay is not None
        ctx = OpContext(self._relay, self._cancel)
        result: object = None
        exc: BaseException | None = None
        try:
            ctx.raise_if_cancelled()  # cancelled while still queued: do not start at all
            result = self._fn(ctx)
        except OpCancelled:
            pass
        except BaseException as e:  # delivered to the failure callback, never lost in a thread
            exc = e
        self._relay.finished.emit(result, exc, self._cancel.is_set())

    # --- GUI thread ------------------------------------------------------------------

    def _alive(self) -> bool:
        return self._parent is None or shiboken6.isValid(self._parent)

    def _deliver_progress(self, done: int, total: int, text: str) -> None:
        if self._on_progress is not None and not self._cancel.is_set() and self._alive():
            self._on_progress(done, total, text)

    def _deliver_finished(self, result: object, exc: object, cancelled: bool) -> None:
        _RUNNING.discard(self)
        self._done.set()
        relay, self._relay = self._relay, None
        if relay is not None:
            relay.deleteLater()
        if not self._alive():
            return
        if cancelled or self._cancel.is_set():
            if self._on_cancelled is not None:
                self._on_cancelled()
        elif isinstance(exc, BaseException):
            if self._on_failure is not None:
                self._on_failure(exc)
            else:
                log.error("background operation failed", exc_info=exc)
        elif self._on_success is not None:
            self._on_success(result)  # type: ignore[arg-type]  # what fn returned: a T, through an untyped signal


class HasChanges(Protocol):
    @property
    def changes(self) -> Changes: ...


W = TypeVar("W", bound=Changes | HasChanges)


class StoreOp(Op[W]):
    """An Op that writes to the store; ``fn`` returns a :class:`Changes` or a result carrying one.

    After the success callback the change is announced with ``parent`` as its maker, also when
    ``parent`` is gone by then: the other views still show the store it changed.
    """

    def _deliver_finished(self, result: object, exc: object, cancelled: bool) -> None:
        try:
            super()._deliver_finished(result, exc, cancelled)
        finally:
            if not isinstance(exc, BaseException) and result is not None:
                changes = result if isinstance(result, Changes) else getattr(result, "changes", Changes())
                StoreChanges.instance().announce(changes, self._parent)
