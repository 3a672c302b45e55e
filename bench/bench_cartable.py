"""The cartable with 50,000 referrals to one user: opening it, and filtering as the user types.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_cartable.py [--referrals 50000] [--dir D] [--reuse]

Fills a store with N sample letters (devkit.sample_letters) and N referrals to one user, one per
letter: from twelve colleagues of the directory, created over two years, an instruction from the
default list, a postscript on two in five, a due date on three in five; read by the user on 60%,
closed 15%, answered 10%. Rows go in with bulk SQL through the same tables and index the store
writes (referrals, referral_recipients, referrals_search, referral_events).

Measures, in one run, beside baselines of the same run:
  open    the main window is up on «واردها»; Ctrl+K (the cartable action) → the cartable's first page
          painted (a fresh window each time, so the cartable is read for the first time)
          baseline: another folder chosen in the letter list of the same N letters → first page painted;
          and the plain SQL of the cartable's first page (app.models.referrals.cartable_page)
  filter  each prefix of a few queries typed into the cartable's filter box, one keystroke at a
          time → the filtered first page painted
          baseline: the plain SQL of the same prefix (cartable_page)
Targets: open ≤ 1.0 s; filter p95 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import describe  # noqa: E402 (after the path is set)

ME = "m.ahmadi"
AGENCY = "14000123453"
SENDERS = [("a.rahimi", "علی رحیمی", "مدیرکل"), ("r.karimi", "رضا کریمی", "معاون فنی"),
           ("s.mousavi", "سمیه موسوی", "رئیس دفتر حقوقی"), ("h.jafari", "حسین جعفری", "معاون توسعه مدیریت"),
           ("f.sadeghi", "فاطمه صادقی", "رئیس اداره مالی"), ("m.ghasemi", "مهدی قاسمی", "کارشناس مسئول فناوری"),
           ("z.nowruzi", "زهرا نوروزی", "رئیس اداره منابع انسانی"), ("j.akbari", "جواد اکبری", "کارشناس حقوقی"),
           ("l.taheri", "لیلا طاهری", "رئیس دبیرخانه"), ("s.najafi", "سعید نجفی", "معاون راهداری"),
           ("e.sharifi", "الهام شریفی", "کارشناس بودجه"), ("k.kazemi", "مجید کاظمی", "مشاور مدیرکل")]
POSTSCRIPTS = ("پیگیری و نتیجه گزارش شود.", "با فوریت بررسی و اقدام گردد.", "در جلسه هفته آینده مطرح شود.",
               "پاسخ مناسب تهیه و برای امضا ارائه شود.", "نظر کارشناسی تا پایان هفته اعلام گردد.",
               "هماهنگی لازم با دفتر حقوقی انجام شود.", "مطابق ضوابط اقدام و نتیجه اعلام شود.")
# Typed into the filter one letter at a time: subjects, a sender, a postscript's word, a year.
TYPED = ["گزارش عملکرد", "قرارداد پشتیبانی", "رحیمی", "فوریت", "دیوان محاسبات", "۱۴۰۵", "بخشنامه"]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


def fill(data_dir: Path, n: int) -> tuple[float, float]:
    """N sample letters, the directory and N referrals to ME; (letters s, referrals s)."""
    from sqlalchemy import text

    from app.models.db import open_store
    from app.protocol.persian import normalize
    from app.protocol.referral import DEFAULT_INSTRUCTIONS
    from app.sync.account import remember_sender
    from app.sync.engine import apply_directory
    from devkit.sample_letters import fill_sample_letters

    store = open_store(data_dir)
    started = time.perf_counter()
    fill_sample_letters(store, n, seed=1405)
    letters_s = time.perf_counter() - started
    started = time.perf_counter()
    with store.session() as s:
        apply_directory(s, {
            "agencies": [{"national_id": AGENCY, "name": "اداره کل راه و شهرسازی استان اصفهان"}],
            "units": [{"agency": AGENCY, "code": "office", "name": "دفتر مدیرکل"}],
            "people": [{"agency": AGENCY, "username": u, "display_name": name, "title": title, "unit": "office"}
                       for u, name, title in [*SENDERS, (ME, "مریم احمدی", "کارشناس")]]})
    remember_sender(store, {"agency": AGENCY, "username": ME, "display_name": "مریم احمدی", "roles": ["secretary"]})
    rng = random.Random(1405)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    people = {u: normalize(f"{u} {name} {ME} مریم احمدی") for u, name, _ in SENDERS}
    with store.engine.begin() as conn:
        letters = conn.execute(text("SELECT guid FROM letters ORDER BY rowid")).scalars().all()[:n]
        refs: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for i, letter in enumerate(letters):
            created = now - dt.timedelta(days=rng.uniform(0, 730))
            sender = rng.choice(SENDERS)[0]
            due = (created + dt.timedelta(days=rng.randint(3, 20))).date() if rng.random() < 0.6 else None
            guid = f"00000000-0000-4000-8000-{i:012d}"
            refs.append({"g": guid, "l": letter, "f": sender, "to": json.dumps([ME]),
                         "i": rng.choice(DEFAULT_INSTRUCTIONS), "p": rng.choice(POSTSCRIPTS) if rng.random() < 0.4 else "",
                         "d": due.isoformat() if due else None, "c": created, "s": created})
            fate = rng.random()
            for kind, share in (("read", 0.6), ("close", 0.15), ("answer", 0.1)):
                if fate < share:
                    events.append({"g": f"{guid[:-12]}{kind[0]}{i:011d}", "r": guid, "k": kind, "by": ME,
                                   "at": created + dt.timedelta(hours=rng.uniform(1, 48))})
        conn.execute(text("INSERT INTO referrals (guid, letter_guid, from_person, to_people, instruction, postscript,"
                          " due_date, created_at, synced_at) VALUES (:g, :l, :f, :to, :i, :p, :d, :c, :s)"), refs)
        conn.execute(text("INSERT INTO referral_recipients (person, referral_guid) VALUES (:me, :g)"),
                     [{"me": ME, "g": r["g"]} for r in refs])
        conn.execute(text("INSERT INTO referral_events (guid, referral_guid, kind, by_person, note, at, synced_at)"
                          " VALUES (:g, :r, :k, :by, '', :at, :at)"), events)
        # The search rows as the store writes them: the letter's subject and number from its own
        # index row, the people and words normalized (app.models.referrals._index).
        keys = {g: (k, subj, shams) for g, k, subj, shams in conn.execute(text(
            "SELECT r.guid, r.search_key, f.subject, f.shams FROM referrals r JOIN letters l ON l.guid = r.letter_guid "
            "JOIN letters_fts f ON f.rowid = l.rowid"))}
        conn.execute(text("INSERT INTO referrals_search (rowid, subject, shams, people, words) "
                          "VALUES (:k, :s, :n, :p, :w)"),
                     [{"k": keys[r["g"]][0], "s": keys[r["g"]][1], "n": keys[r["g"]][2], "p": people[r["f"]],
                       "w": normalize(f"{r['i']} {r['p']}")} for r in sorted(refs, key=lambda r: keys[r["g"]][0])])
    store.close()
    return letters_s, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=50_000)
    parser.add_argument("--dir", type=Path, help="store folder (default: a temporary one)")
    parser.add_argument("--reuse", action="store_true", help="use the store in --dir as it is (no fill)")
    parser.add_argument("--opens", type=int, default=5, help="fresh windows opening the cartable")
    args = parser.parse_args()

    tmp = None
    data_dir = args.dir
    if data_dir is None:
        tmp = Path(tempfile.mkdtemp(prefix="dabir-bench-"))
        data_dir = tmp / "profile"
    print(f"store: {data_dir}")
    print(describe(), flush=True)
    if not args.reuse:
        if data_dir.exists():
            shutil.rmtree(data_dir)
        letters_s, referrals_s = fill(data_dir, args.referrals)
        print(f"fill: {args.referrals:,} letters {letters_s:.1f} s, {args.referrals:,} referrals {referrals_s:.1f} s")

    from PySide6.QtCore import QEventLoop, QThreadPool, QTimer
    from PySide6.QtWidgets import QApplication

    from app.models import referrals as R
    from app.models.db import open_store
    from app.models.folders import Folder
    from app.ui.main import prepare_app

    app = QApplication(sys.argv[:1])
    prepare_app(app)
    from app.ui.main_window import MainWindow

    store = open_store(data_dir)
    for path in data_dir.glob("dabir.sqlite3*"):  # in the page cache, as on a workstation that opened it before
        path.read_bytes()

    def wait_for(signal: Any, timeout_ms: int = 30_000) -> None:
        loop = QEventLoop()
        signal.connect(loop.quit)
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()
        signal.disconnect(loop.quit)

    def painted_with(table: Any, start: float, model: Any) -> float:
        """Wait for the view's first paint after the model took in its new first page; ms since start."""
        reloaded: list[bool] = []
        done: list[float] = []

        def on_reloaded() -> None:
            reloaded.append(True)

        def on_paint(_rows: int) -> None:
            if reloaded and not done:
                done.append(time.perf_counter())

        model.reloaded.connect(on_reloaded)
        table.painted.connect(on_paint)
        deadline = time.perf_counter() + 30
        while not done and time.perf_counter() < deadline:
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
        table.painted.disconnect(on_paint)
        model.reloaded.disconnect(on_reloaded)
        if not done:
            raise SystemExit(f"the view was never painted with the new page ({table.objectName()}, reloaded {bool(reloaded)})")
        return (done[0] - start) * 1000

    opens: list[float] = []
    folder_switch: list[float] = []
    sql_page: list[float] = []
    for _ in range(args.opens):
        window = MainWindow(store)
        window.resize(1280, 760)
        window.show()
        wait_for(window.ready)
        window.model.wait()
        QThreadPool.globalInstance().waitForDone(10_000)  # the counts and the reminders' first check
        app.processEvents()
        # baseline: another folder of the letter list, the same N letters
        start = time.perf_counter()
        window.folders.select(Folder.SENT)
        folder_switch.append(painted_with(window.table, start, window.model))
        start = time.perf_counter()
        window.referrals.cartable.trigger()  # Ctrl+K
        opens.append(painted_with(window.cartable.table, start, window.cartable.model))
        rows = window.cartable.model.rowCount()
        start = time.perf_counter()
        R.cartable_page(store, ME, limit=40)
        sql_page.append((time.perf_counter() - start) * 1000)
        window.close()
        window.cartable.model.wait()
        QThreadPool.globalInstance().waitForDone(10_000)
        window.deleteLater()
        app.processEvents()
    print(f"open: Ctrl+K → cartable's first page painted ({rows} rows of {args.referrals:,})  "
          f"median {statistics.median(opens):.0f} ms  max {max(opens):.0f} ms  over {len(opens)} fresh windows  "
          "(target ≤ 1000 ms)")
    print(f"      baseline: letter list, another folder of {args.referrals:,} letters → painted  "
          f"median {statistics.median(folder_switch):.0f} ms  max {max(folder_switch):.0f} ms")
    print(f"      baseline: plain SQL of the cartable's first page (40 rows)  median {statistics.median(sql_page):.1f} ms")
    unread_start = time.perf_counter()
    unread = R.unread_count(store, ME)
    unread_ms = (time.perf_counter() - unread_start) * 1000
    overdue_start = time.perf_counter()
    overdue = R.overdue_count(store, ME, dt.date.today())
    overdue_ms = (time.perf_counter() - overdue_start) * 1000
    print(f"counts (on the reminders' worker): unread {unread:,} in {unread_ms:.0f} ms, overdue {overdue:,} "
          f"in {overdue_ms:.0f} ms")

    # Typing into the filter, one keystroke at a time, each waited for (its page painted).
    window = MainWindow(store)
    window.resize(1280, 760)
    window.show()
    wait_for(window.ready)
    QThreadPool.globalInstance().waitForDone(10_000)
    view = window.referrals.open_cartable()
    painted_with(view.table, time.perf_counter(), view.model)
    typed: list[tuple[float, str, int]] = []
    plain: list[float] = []
    for q in TYPED:
        for end in range(1, len(q) + 1):
            if q[end - 1] == " ":
                continue
            start = time.perf_counter()
            view.filter.setText(q[:end])  # what a keystroke does: textChanged → the model asks
            typed.append((painted_with(view.table, start, view.model), q[:end], view.model.rowCount()))
            start = time.perf_counter()
            R.cartable_page(store, ME, query=q[:end], limit=40)
            plain.append((time.perf_counter() - start) * 1000)
        view.filter.clear()
        painted_with(view.table, time.perf_counter(), view.model)
    times = [t for t, _, _ in typed]
    slowest = max(typed)
    print(f"filter: keystroke → filtered first page painted ({len(typed)} keystrokes, {len(TYPED)} queries)  "
          f"p50 {pct(times, 50):.1f} ms  p95 {pct(times, 95):.1f} ms  max {slowest[0]:.1f} ms («{slowest[1]}»)  "
          "(target p95 ≤ 50 ms)")
    print(f"        baseline: plain SQL of the same page  p50 {pct(plain, 50):.1f} ms  p95 {pct(plain, 95):.1f} ms")
    print(f"        load average after the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores shared)")
    for t, prefix, n in sorted(typed, reverse=True)[:5]:
        print(f"        {t:6.1f} ms  «{prefix}» ({n} rows)")
    window.close()
    view.model.wait()
    QThreadPool.globalInstance().waitForDone(10_000)
    store.close()
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
