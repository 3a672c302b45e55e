"""Store and main window with 100,000 letters: startup to a painted list, and search latency.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_store_ui.py [--letters 100000] [--dir D] [--reuse]

Measures
  fill        devkit.sample_letters.fill_sample_letters(n) into a fresh store (bulk insert + search index)
  process     a fresh ``python -m app --data-dir D`` (DABIR_SMOKE=1): spawn → first painted list
  window      in process: QApplication exists → font, translator, store, window → first paint with rows
  search      search box: text set and committed (debounce bypassed; it adds 150 ms by design)
              → first page of results in the model (model reset), → the view repainted, → count shown
  typing      each prefix of a few queries typed letter by letter: the first page read from the store
  scroll      one more page when the view scrolls (fetchMore), at increasing depths
Targets: window ≤ 1.0 s, search p95 ≤ 20 ms. A store filled at an older schema is upgraded when
opened; --reuse then measures it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import describe  # noqa: E402 (after the path is set)

QUERIES = [
    "قرارداد پشتیبانی",
    "گزارش عملکرد",
    "كتاب",  # Arabic kaf, as typed on an Arabic keyboard layout
    "تمدید",
    "احمدی",
    "خانم مریم",
    "سازمان برنامه و بودجه",
    "دیوان محاسبات",
    "صورت‌وضعیت",
    "بخشنامه",
    "۱۴۰۵",
    "1404",
    "ماموریت",
    "ضمانت‌نامه",
    "کنارگذر شرقی",
    "میراث فرهنگی",
    "بانک ملی",
    "استانداری",
    "حفاظت محیط زیست",
    "آیین‌نامه",
]


# Typed one letter at a time (search-as-you-type after each pause): short prefixes match widely.
TYPED = ["قرارداد پشتیبانی", "احمدی", "۱۴۰۵", "بخشنامه", "سازمان برنامه"]


def warm_page_cache(path: Path) -> int:
    """Read a file once (into the page cache); its size."""
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            size += len(chunk)
    return size


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def fill(data_dir: Path, n: int) -> float:
    from app.models.db import open_store
    from app.models.profile import FIRST_RUN_SETTING, write_setting
    from devkit.sample_letters import fill_sample_letters

    store = open_store(data_dir)
    started = time.perf_counter()
    fill_sample_letters(store, n, seed=1405)
    elapsed = time.perf_counter() - started
    write_setting(store, FIRST_RUN_SETTING, {"done": True})  # a profile in use: the main window, not the wizard
    store.close()
    return elapsed


def process_start(data_dir: Path, runs: int) -> list[tuple[float, float]]:
    """(spawn → first painted list, run_gui → first painted list) for fresh processes."""
    out = []
    env = {**os.environ, "DABIR_SMOKE": "1", "QT_QPA_PLATFORM": "offscreen"}
    for _ in range(runs):
        spawned = time.time()
        proc = subprocess.run(
            [sys.executable, "-m", "app", "--data-dir", str(data_dir)], capture_output=True, text=True, env=env
        )
        match = re.search(r"ready in (\d+) ms \(epoch ([\d.]+)\)", proc.stderr)
        if proc.returncode != 0 or not match:
            raise SystemExit(f"app did not start: {proc.returncode}\n{proc.stderr}")
        out.append((float(match.group(2)) - spawned, int(match.group(1)) / 1000))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, help="store folder (default: a temporary one)")
    parser.add_argument("--reuse", action="store_true", help="use the store in --dir as it is (no fill)")
    parser.add_argument("--rounds", type=int, default=5, help="times each query is searched")
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
        print(f"fill {args.letters:,} letters: {fill(data_dir, args.letters):.1f} s")

    # Page cache warm-up, as on a workstation that has opened its store before.
    runs = process_start(data_dir, 4)[1:]
    totals = [t for t, _ in runs]
    readies = [r for _, r in runs]
    print(f"process: spawn → first painted list  median {statistics.median(totals) * 1000:.0f} ms "
          f"(of which run_gui → painted {statistics.median(readies) * 1000:.0f} ms) over {len(runs)} runs")  # fmt: skip

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from app.models.db import open_store  # imported before QApplication, as in run_gui
    from app.ui.main import freeze_startup_objects, prepare_app

    app = QApplication(sys.argv[:1])
    t0 = time.perf_counter()
    prepare_app(app)
    from app.ui.main_window import MainWindow

    store = open_store(data_dir)
    window = MainWindow(store)
    painted: list[float] = []
    window.first_rows_painted.connect(painted.append)
    window.resize(1280, 760)
    window.show()
    loop = QEventLoop()
    window.first_rows_painted.connect(lambda _t: loop.quit())
    QTimer.singleShot(30_000, loop.quit)
    loop.exec()
    if not painted:
        raise SystemExit("the list was never painted with rows")
    print(f"window: QApplication → first paint with rows  {(painted[0] - t0) * 1000:.0f} ms  (target ≤ 1000 ms)")
    model = window.model
    model.wait()
    freeze_startup_objects()  # as run_gui does once the window is up

    def wait_for(signal: object, timeout_ms: int = 30_000) -> None:
        loop = QEventLoop()
        signal.connect(loop.quit)  # type: ignore[attr-defined]
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()
        signal.disconnect(loop.quit)  # type: ignore[attr-defined]

    # This VM pages out file pages untouched for about a minute (DAMON reclaim): read the store
    # once, so that the searches measure a store in the page cache, as on a workstation that
    # searched it recently (and not this machine's disk).
    warmed = warm_page_cache(data_dir / "dabir.sqlite3")
    print(f"page cache: store read once before the searches ({warmed / 1e6:,.0f} MB)")
    first_page: list[float] = []
    repainted: list[float] = []
    counted: list[float] = []
    per_query: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        for q in QUERIES:
            window.search.setText(q)
            start = time.perf_counter()
            window.search.commit()
            wait_for(model.reloaded)
            t_rows = time.perf_counter() - start
            app.processEvents()  # the view relayouts and repaints
            repainted.append((time.perf_counter() - start) * 1000)
            if model.loading:
                wait_for(model.counted)
            t_count = time.perf_counter() - start
            first_page.append(t_rows * 1000)
            counted.append(t_count * 1000)
            per_query.setdefault(q, []).append(t_rows * 1000)
            window.search.setText("")
            window.search.commit()
            model.wait()
    print(f"search ({len(first_page)} searches, {len(QUERIES)} queries, folder {model.folder.value}): "
          f"keystroke → first page in the model  p50 {pct(first_page, 50):.1f} ms  p95 {pct(first_page, 95):.1f} ms  "
          f"max {max(first_page):.1f} ms  (target p95 ≤ 20 ms)")  # fmt: skip
    print(f"        load average during the searches: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores shared)")
    print(f"        keystroke → list repainted  p50 {pct(repainted, 50):.1f} ms  p95 {pct(repainted, 95):.1f} ms")
    # Later rounds repeat the queries, so the list's text layouts are cached; the first is not.
    first = repainted[: len(QUERIES)]
    print(f"        … first round only (texts new to the list)  p50 {pct(first, 50):.1f} ms  p95 {pct(first, 95):.1f} ms")
    print(f"        keystroke → count shown  p50 {pct(counted, 50):.1f} ms  p95 {pct(counted, 95):.1f} ms")
    for q, ts in sorted(per_query.items(), key=lambda kv: -statistics.median(kv[1])):
        print(f"        {statistics.median(ts):7.1f} ms  {q}")

    # Typing a query letter by letter: each prefix is a search (the last word matches as a prefix).
    from app.models.folders import fetch_letters
    from app.ui.letter_table_model import FIRST_PAGE_SIZE

    typed: list[tuple[float, str]] = []
    for q in TYPED:
        for end in range(1, len(q) + 1):
            if q[end - 1] != " ":
                start = time.perf_counter()
                with store.reader() as s:
                    fetch_letters(s, model.folder, 0, FIRST_PAGE_SIZE, q[:end])
                typed.append(((time.perf_counter() - start) * 1000, q[:end]))
    times = [t for t, _ in typed]
    slowest = max(typed)
    print(f"typing letter by letter ({len(typed)} prefixes of {len(TYPED)} queries): first page read "
          f"p50 {pct(times, 50):.1f} ms  p95 {pct(times, 95):.1f} ms  max {slowest[0]:.1f} ms («{slowest[1]}»)")

    # Scrolling: one page at a time, as the view asks while the user scrolls down.
    blocked: list[float] = []
    arrived: list[float] = []
    while model.canFetchMore() and model.rowCount() < 20_000:
        start = time.perf_counter()
        model.fetchMore()
        blocked.append((time.perf_counter() - start) * 1000)
        wait_for(model.rowsInserted)
        arrived.append((time.perf_counter() - start) * 1000)
    print(f"scroll: {len(arrived)} pages down to row {model.rowCount():,}: GUI thread blocked "
          f"p95 {pct(blocked, 95):.2f} ms; page arrives p50 {pct(arrived, 50):.1f} ms  "
          f"p95 {pct(arrived, 95):.1f} ms  last {arrived[-1]:.1f} ms")  # fmt: skip

    window.close()
    model.wait()
    store.close()
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
