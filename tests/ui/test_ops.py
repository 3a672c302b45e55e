"""The background-operation pattern: results, errors and progress arrive on the GUI thread."""

from __future__ import annotations

import threading
import time

import pytest
import shiboken6
from PySide6.QtCore import QObject, QThread

from app.models.changes import Changed, Changes
from app.ui.ops import Op, OpContext, StoreOp
from app.ui.store_changes import StoreChanges


def _gui_thread() -> QThread:
    from PySide6.QtWidgets import QApplication

    return QApplication.instance().thread()  # type: ignore[union-attr]


def test_success_runs_fn_on_worker_and_callback_on_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = QObject()
    seen: dict[str, object] = {}

    def work(_ctx: OpContext) -> int:
        seen["worker"] = threading.current_thread() is threading.main_thread()
        return 42

    def done(value: int) -> None:
        seen["value"] = value
        seen["gui"] = QThread.currentThread() is _gui_thread()

    op = Op(parent, work).success(done).run()
    qtbot.waitUntil(lambda: "value" in seen, timeout=5000)
    assert seen == {"worker": False, "value": 42, "gui": True}
    assert op.is_done


def test_failure_delivers_the_exception_and_not_success(qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = QObject()
    errors: list[BaseException] = []
    successes: list[object] = []

    def work(_ctx: OpContext) -> None:
        raise ValueError("نامه یافت نشد")

    Op(parent, work).success(successes.append).failure(errors.append).run()
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], ValueError) and str(errors[0]) == "نامه یافت نشد"
    assert successes == []


def test_progress_reaches_the_gui_thread_in_order(qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = QObject()
    progress: list[tuple[int, int, str, bool]] = []
    result: list[str] = []

    def work(ctx: OpContext) -> str:
        for i in range(1, 6):
            time.sleep(0.06)  # slower than the throttle, so every step is reported
            ctx.progress(i, 5, f"نامه {i}")
        return "done"

    def on_progress(done: int, total: int, text: str) -> None:
        progress.append((done, total, text, QThread.currentThread() is _gui_thread()))

    Op(parent, work).with_progress(on_progress).success(result.append).run()
    qtbot.waitUntil(lambda: bool(result), timeout=5000)
    assert [p[0] for p in progress] == [1, 2, 3, 4, 5]
    assert all(p[3] for p in progress)
    assert progress[-1][:3] == (5, 5, "نامه 5")


def test_progress_is_throttled_but_the_last_step_arrives(qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = QObject()
    progress: list[int] = []
    result: list[object] = []

    def work(ctx: OpContext) -> None:
        for i in range(1, 10_001):
            ctx.progress(i, 10_000)

    Op(parent, work).with_progress(lambda d, t, _x: progress.append(d)).success(result.append).run()
    qtbot.waitUntil(lambda: bool(result), timeout=5000)
    assert progress[-1] == 10_000
    assert len(progress) < 100


def test_cancel_stops_the_worker_and_skips_success(qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = QObject()
    started = threading.Event()
    calls: list[str] = []

    def work(ctx: OpContext) -> str:
        started.set()
        while True:  # a long job that polls the flag
            ctx.raise_if_cancelled()
            time.sleep(0.01)

    op = Op(parent, work).success(lambda _r: calls.append("success")).on_cancelled(lambda: calls.append("cancelled"))
    op.run()
    assert started.wait(5)
    op.cancel()
    qtbot.waitUntil(lambda: bool(calls), timeout=5000)
    assert calls == ["cancelled"]
    assert op.is_cancelled and op.is_done


def test_callbacks_are_skipped_when_the_parent_is_gone(qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = QObject()
    release = threading.Event()
    calls: list[object] = []
    op = Op(parent, lambda _ctx: release.wait(5)).success(calls.append).failure(calls.append).run()
    parent.deleteLater()
    qtbot.waitUntil(lambda: not __import__("shiboken6").isValid(parent), timeout=5000)
    release.set()
    qtbot.waitUntil(lambda: op.is_done, timeout=5000)
    assert calls == []


def test_an_op_runs_only_once(qtbot) -> None:  # type: ignore[no-untyped-def]
    op = Op(None, lambda _ctx: 1)
    op.run()
    with pytest.raises(RuntimeError):
        op.run()
    qtbot.waitUntil(lambda: op.is_done, timeout=5000)


def _fail(_ctx: OpContext) -> Changes:
    raise ValueError("the store refused")


def test_a_store_op_announces_what_it_changed_after_its_callback(qtbot) -> None:  # type: ignore[no-untyped-def]
    heard: list[tuple[Changes, object]] = []
    order: list[str] = []

    def listen(changes: Changes, handler: object) -> None:
        heard.append((changes, handler))
        order.append("announced")

    StoreChanges.instance().changed.connect(listen)
    try:
        parent = QObject()
        letter = Changes.of_letters(["a"])
        op = StoreOp(parent, lambda _ctx: letter).success(lambda _c: order.append("success")).run()
        qtbot.waitUntil(lambda: op.is_done, timeout=5000)
        assert heard == [(letter, parent)] and order == ["success", "announced"]

        # A result carrying its changes; the maker is gone by then: the others still hear of it.
        gone = QObject()
        settings = StoreOp(gone, lambda _ctx: Changed("ok", Changes(settings=True)))
        gone.deleteLater()
        qtbot.waitUntil(lambda: not shiboken6.isValid(gone), timeout=5000)
        settings.run()
        qtbot.waitUntil(lambda: settings.is_done, timeout=5000)
        assert heard[-1][0] == Changes(settings=True)

        # A failed write changed nothing, and a write that changed nothing is not announced.
        failing = StoreOp(parent, _fail).failure(lambda _e: None).run()
        nothing = StoreOp(parent, lambda _ctx: Changes()).run()
        qtbot.waitUntil(lambda: failing.is_done and nothing.is_done, timeout=5000)
        assert len(heard) == 2
    finally:
        StoreChanges.instance().changed.disconnect(listen)
