"""Translations stay complete and compile on the fly; the ``dabir`` entry points start."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication

from app import __version__
from app.ui import i18n
from app.ui.resources import translations_dir

ROOT = Path(__file__).resolve().parents[2]
OUR_SOURCES = [
    "app/ui/main_window.py", "app/ui/folder_list.py", "app/ui/search_box.py", "app/ui/labels.py",
    "app/ui/letter_table_model.py", "app/ui/letter_table.py", "app/ui/main.py",
]  # fmt: skip
CATALOG = translations_dir() / "fa" / "dabir_fa.ts"


def _messages(ts: Path) -> set[tuple[str, str]]:
    text = ts.read_text(encoding="utf-8")
    out = set()
    for ctx in re.findall(r"<context>(.*?)</context>", text, re.S):
        name = re.search(r"<name>(.*?)</name>", ctx).group(1)  # type: ignore[union-attr]
        out.update((name, src) for src in re.findall(r"<source>(.*?)</source>", ctx, re.S))
    return out


def test_catalog_is_complete_and_in_sync_with_the_code(tmp_path: Path) -> None:
    text = CATALOG.read_text(encoding="utf-8")
    assert 'type="unfinished"' not in text and 'type="vanished"' not in text and 'type="obsolete"' not in text
    assert "<translation></translation>" not in text
    fresh = tmp_path / "fresh.ts"
    lupdate = Path(sys.executable).with_name("pyside6-lupdate")
    subprocess.run([str(lupdate), *OUR_SOURCES, "-ts", str(fresh)], cwd=ROOT, check=True, capture_output=True)
    # The main window's workflow strings (issue #5) live in their own catalogue, workflow_fa.ts, and
    # those of the search scope and columns (issue 15) in list_fa.ts.
    workflow = {m for name in ("workflow_fa.ts", "list_fa.ts")
                for m in _messages(CATALOG.with_name(name)) if m[0] == "MainWindow"}
    assert _messages(fresh) == _messages(CATALOG) | workflow


def test_persian_uses_persian_punctuation_not_latin() -> None:
    text = CATALOG.read_text(encoding="utf-8")
    translations = re.findall(r"<translation>(.*?)</translation>", text, re.S)
    for t in translations:
        assert not re.search(r"[,;?]", t), t
        assert not re.search(r"[0-9]", t.replace("%1", "").replace("%2", "")), t


def test_missing_or_stale_qm_is_compiled_on_the_fly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qapp) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "fa").mkdir()
    ts = tmp_path / "fa" / "dabir_fa.ts"
    ts.write_bytes(CATALOG.read_bytes())
    monkeypatch.setenv("DABIR_TRANSLATIONS", str(tmp_path))
    qm = ts.with_suffix(".qm")
    assert not qm.exists()
    translators = i18n.install_translator(qapp)
    try:
        assert qm.exists() and len(translators) == 2  # this catalog, and Qt's own qtbase_fa
        assert QCoreApplication.translate("Folder", "Incoming") == "وارده‌ها"
        assert QCoreApplication.translate("QFileDialog", "Look in:") == "جستجو در:"  # standard dialogs
    finally:
        for t in translators:
            qapp.removeTranslator(t)
    built = qm.stat().st_mtime
    time.sleep(0.05)
    os.utime(ts)  # the .ts changed after the .qm was built
    assert i18n.is_stale(ts)
    for t in i18n.install_translator(qapp):
        qapp.removeTranslator(t)
    assert qm.stat().st_mtime > built and not i18n.is_stale(ts)


def test_shipped_qm_without_ts_is_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qapp) -> None:  # type: ignore[no-untyped-def]
    """An installed bundle ships the compiled catalogs alone: no .ts and no lrelease beside them."""
    (tmp_path / "fa").mkdir()
    ts = tmp_path / "fa" / "dabir_fa.ts"
    ts.write_bytes(CATALOG.read_bytes())
    i18n.compile_ts(ts)
    ts.unlink()
    monkeypatch.setenv("DABIR_TRANSLATIONS", str(tmp_path))
    monkeypatch.setattr(i18n, "find_lrelease", lambda: None)
    translators = i18n.install_translator(qapp)
    try:
        assert len(translators) == 2  # the shipped catalog, and Qt's own qtbase_fa
        assert QCoreApplication.translate("Folder", "Incoming") == "وارده‌ها"
    finally:
        for t in translators:
            qapp.removeTranslator(t)


def test_build_script_compiles_every_catalog(tmp_path: Path) -> None:
    (tmp_path / "fa").mkdir()
    (tmp_path / "fa" / "dabir_fa.ts").write_bytes(CATALOG.read_bytes())
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_translations.py"), "--dir", str(tmp_path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert (tmp_path / "fa" / "dabir_fa.qm").stat().st_size > 0
    assert "dabir_fa.qm" in proc.stdout


def test_dabir_version() -> None:
    dabir = Path(sys.executable).with_name("dabir")
    out = subprocess.run([str(dabir), "--version"], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == f"dabir {__version__}"


@pytest.mark.slow
def test_python_m_app_starts_paints_and_quits_in_smoke_mode(tmp_path: Path) -> None:
    from app.models.db import open_store
    from app.models.profile import FIRST_RUN_SETTING, write_setting
    from devkit.sample_letters import fill_sample_letters

    store = open_store(tmp_path / "profile")
    fill_sample_letters(store, 300, seed=3)
    write_setting(store, FIRST_RUN_SETTING, {"done": True})  # set up already: the main window opens
    store.close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DABIR_SMOKE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(tmp_path / "profile")],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"dabir: ready in \d+ ms .* window=mainWindow", proc.stderr)
    assert "Traceback" not in proc.stderr
