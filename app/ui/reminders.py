"""Reminders of due and overdue referrals, and the cartable's counts.

One check reads, on a worker, how many referrals to the signed-in user are unread (the
«کارتابل» folder's count) and overdue (the status bar's), and takes the referrals due today or
overdue that have not been reminded of in that state yet (:func:`app.models.referrals.take_reminders`
remembers them in the store, so a restart does not repeat a notification). It runs at start,
after every store change that touches letters or the outbox (each sync pass announces one), and
every minute, so a referral falls due at midnight, Tehran time, without a sync.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QTimer, Signal

from app.models import referrals as R
from app.models.changes import Changes
from app.models.db import Store
from app.protocol.jalali import TEHRAN, format_date
from app.ui.labels import persian_number
from app.ui.notifications import Notifier
from app.ui.ops import OpContext, StoreOp
from app.ui.store_changes import StoreChanges

CHECK_MS = 60_000
# More new reminders than this at once (the first sync of a long absence) make one notification
# with their number, not a pile of balloons.
ONE_BY_ONE = 3


def tehran_today() -> dt.date:
    """The date in Tehran now: due dates are the agency's days."""
    return dt.datetime.now(TEHRAN).date()


@dataclass(frozen=True)
class Check:
    unread: int
    overdue: int
    new: list[R.Reminder]
    changes: Changes = field(default_factory=Changes)  # remembering a reminder changes nothing a view shows


class Reminders(QObject):
    counted = Signal(int, int)  # unread, overdue

    def __init__(self, store: Store, notifier: Notifier, parent: QObject,
                 today: Callable[[], dt.date] = tehran_today, open_cartable: Callable[[], object] | None = None) -> None:
        super().__init__(parent)
        self.store, self.notifier, self.today = store, notifier, today
        self.open_cartable = open_cartable  # what clicking a reminder does
        self.unread = self.overdue = 0
        self._running: StoreOp[Check] | None = None
        self._again = False  # something changed while a check ran: check once more after it
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_MS)
        self.timer.timeout.connect(self.check)
        StoreChanges.instance().changed.connect(self._on_changes)

    def start(self) -> None:
        self.check()
        self.timer.start()

    def _on_changes(self, changes: Changes, _maker: object) -> None:
        if changes.letters or changes.outbox or changes.settings:
            self.check()

    def check(self) -> None:
        if self._running is not None:
            self._again = True
            return
        store, today = self.store, self.today()

        def work(_ctx: OpContext) -> Check:
            me = R.signed_in(store)
            if not me:  # not logged in: no cartable
                return Check(0, 0, [])
            return Check(R.unread_count(store, me), R.overdue_count(store, me, today), R.take_reminders(store, me, today))

        self._running = StoreOp(self, work).success(self._done).failure(self._failed).run()

    def _failed(self, _exc: BaseException) -> None:
        self._running = None

    def _done(self, check: Check) -> None:
        self._running = None
        self.unread, self.overdue = check.unread, check.overdue
        self.counted.emit(check.unread, check.overdue)
        self._notify(check.new)
        if self._again:
            self._again = False
            self.check()

    def _notify(self, new: list[R.Reminder]) -> None:
        if len(new) > ONE_BY_ONE:
            self.notifier.notify(self.tr("Referrals due"), self.tr(
                "%1 referrals in your cartable are due today or overdue.").replace("%1", persian_number(len(new))),
                warning=True, on_click=self.open_cartable)
            return
        for r in new:
            if r.state == "overdue":
                text = self.tr("The referral “%1” was due on %2.").replace("%2", format_date(r.due_date))
                self.notifier.notify(self.tr("Overdue referral"), text.replace("%1", r.subject), warning=True,
                                     on_click=self.open_cartable)
            else:
                text = self.tr("The referral “%1” is due today.")
                self.notifier.notify(self.tr("Referral due today"), text.replace("%1", r.subject),
                                     on_click=self.open_cartable)
