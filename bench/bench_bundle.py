"""The Linux bundle: installed size, cold start to the painted first window, peak memory.

    .venv/bin/python bench/bench_bundle.py [--runs 10] [--letters 3000] [--out build/installer]

Uses what installer/linux/build left in --out (bundle dist/dabir/ and the .deb; built first when
missing). Each start is a fresh process under a real X server (Xvfb, xcb) in smoke mode
(DABIR_SMOKE=1, app/ui/main.py): "start" is the wall time from spawning it to the epoch the ready
line prints (first window painted); "in app" is the part the line itself reports (from run_gui's
start), so start − in app is bootstrap and imports. Two profiles:
  fresh     an empty data folder each run (a first start: the store is created; first window =
            the first-run wizard, or the main window with the login dialog before it)
  letters   a profile with --letters sample letters and a server account (first window = the
            main window with its list)
Baseline in the same run, interleaved: the same code from source (`python -m app`). Before the
first start of each kind the page cache is dropped when this runs as root (a really cold start);
that start is reported apart. Targets: ≤ 150 MB installed, ≤ 1.5 s to the painted window.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import describe  # noqa: E402 (after the path is set)
from devkit.xvfb import xvfb  # noqa: E402

READY = re.compile(r"ready in (\d+) ms \(epoch ([\d.]+)\)")
MB = 1_000_000


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


def tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def drop_page_cache() -> bool:
    """``sync; echo 3 > /proc/sys/vm/drop_caches``: possible only as root on a machine that allows it."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


def start_once(cmd: list[str], data_dir: Path, home: Path, display: str, **extra: str) -> tuple[float, float, float]:
    """(spawn → painted s, run_gui → painted s, peak RSS MB) of one smoke start."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8",
           "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "DABIR_SMOKE": "1", "DABIR_DATA_DIR": str(data_dir),
           "DABIR_SITE_CONFIG": str(home / "none" / "dabir.toml"), **extra}
    err = home / "stderr.txt"
    with err.open("w") as stderr:
        spawned = time.time()
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    text = err.read_text()
    match = READY.search(text)
    if proc.returncode != 0 or not match:
        raise SystemExit(f"{cmd[0]} did not start ({proc.returncode}):\n{text}")
    return float(match.group(2)) - spawned, int(match.group(1)) / 1000, usage.ru_maxrss * 1024 / MB


def make_letters_profile(data_dir: Path, letters: int) -> None:
    from app.models.db import open_store
    from app.sync.account import Account, save_account
    from devkit.sample_letters import fill_sample_letters

    store = open_store(data_dir)
    try:
        fill_sample_letters(store, letters, seed=1405)
        # An account makes the main window the first one; its server is a closed local port.
        save_account(store, Account(server_url="https://127.0.0.1:9", username="bench"))
    finally:
        store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="warm starts per variant and profile")
    parser.add_argument("--letters", type=int, default=3000)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "installer", help="installer/linux/build's output")
    args = parser.parse_args()

    bundle = args.out / "dist" / "dabir"
    debs = sorted(args.out.glob("dabir_*.deb"))
    if not (bundle / "dabir").exists() or not debs:
        subprocess.run([str(ROOT / "installer" / "linux" / "build")], env={**os.environ, "PYTHON": sys.executable},
                       check=True)
        debs = sorted(args.out.glob("dabir_*.deb"))
    print(describe(), flush=True)

    # --- size ---
    installed = subprocess.run(["dpkg-deb", "-f", str(debs[-1]), "Installed-Size"], capture_output=True, text=True,
                               check=True).stdout.strip()
    total = tree_bytes(bundle)
    print(f"size: bundle {total / MB:.1f} MB ({bundle.relative_to(ROOT) if bundle.is_relative_to(ROOT) else bundle}), "
          f".deb Installed-Size {int(installed) * 1024 / MB:.1f} MB, .deb file {debs[-1].stat().st_size / MB:.1f} MB "
          f"(target ≤ 150 MB installed)")
    internal = bundle / "_internal"
    parts = {p: tree_bytes(p) if p.is_dir() else p.stat().st_size for p in internal.iterdir() if not p.is_symlink()}
    parts[bundle / "dabir"] = (bundle / "dabir").stat().st_size  # the program, with the Python modules (PYZ)
    qt_lib = internal / "PySide6" / "Qt" / "lib"
    parts.update({p: p.stat().st_size for p in qt_lib.iterdir() if p.stat().st_size > 5 * MB})
    parts[internal / "PySide6"] -= sum(v for p, v in parts.items() if p.parent == qt_lib)
    top = sorted(parts.items(), key=lambda kv: -kv[1])[:10]
    print("  largest: " + ", ".join(f"{p.relative_to(bundle)} {v / MB:.1f}" for p, v in top))

    # --- start ---
    variants = {"bundle": [str(bundle / "dabir")], "source": [sys.executable, "-m", "app"]}
    # The source run imports this checkout (the venv's editable install may point elsewhere).
    extra_env = {"bundle": {}, "source": {"PYTHONPATH": str(ROOT)}}
    tmp = Path(tempfile.mkdtemp(prefix="dabir-bench-bundle-"))
    try:
        letters_dir = tmp / "letters"
        started = time.perf_counter()
        make_letters_profile(letters_dir, args.letters)
        print(f"profile: {args.letters:,} sample letters and an account ({time.perf_counter() - started:.1f} s)")
        results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
        cold: dict[tuple[str, str], tuple[float, float, float]] = {}
        dropped = []
        with xvfb() as display:
            for profile in ("fresh", "letters"):
                for variant in variants:
                    dropped.append(drop_page_cache())
                    home = tmp / f"home-{variant}-{profile}-cold"
                    home.mkdir()
                    data = tmp / f"fresh-{variant}-cold" if profile == "fresh" else letters_dir
                    cold[profile, variant] = start_once(variants[variant], data, home, display, **extra_env[variant])
                for i in range(args.runs):
                    for variant, cmd in variants.items():  # interleaved: the VM's speed drifts
                        home = tmp / f"home-{variant}-{profile}-{i}"
                        home.mkdir()
                        data = tmp / f"fresh-{variant}-{i}" if profile == "fresh" else letters_dir
                        results.setdefault((profile, variant), []).append(
                            start_once(cmd, data, home, display, **extra_env[variant]))
        print(f"page cache dropped before each first start: {'yes' if all(dropped) else 'no (needs root)'}")
        print(f"{'profile':<9} {'variant':<7} {'cold first':>10} {'median':>8} {'p95':>8} {'in app':>8} "
              f"{'peak RSS':>9}   (seconds; in app = run_gui → painted, median; RSS MB, median)")
        for (profile, variant), runs in results.items():
            starts = [r[0] for r in runs]
            print(f"{profile:<9} {variant:<7} {cold[profile, variant][0]:>10.2f} {statistics.median(starts):>8.2f} "
                  f"{pct(starts, 95):>8.2f} {statistics.median(r[1] for r in runs):>8.2f} "
                  f"{statistics.median(r[2] for r in runs):>9.0f}")
        print("target: ≤ 1.5 s spawn → painted window")
        print(describe())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
