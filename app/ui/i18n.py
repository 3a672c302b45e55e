"""Qt translations: English source strings in the code, Persian in ``translations/fa/*.ts``, and
Qt's own Persian catalog (``qtbase_fa``, shipped with PySide6) for the standard dialogs.

The compiled ``.qm`` files are build products (gitignored). At startup :func:`install_translator`
recompiles a ``.qm`` that is missing or older than its ``.ts`` with ``pyside6-lrelease``, so a
fresh clone shows Persian without a build step; ``scripts/build_translations.py`` does the same
ahead of time for installers, whose bundle ships the ``.qm`` files alone (no ``.ts``, no lrelease).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator

from app.ui.resources import translations_dir

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "fa"
CATALOG = "dabir"


class TranslationBuildError(RuntimeError):
    pass


def find_lrelease() -> str | None:
    """``pyside6-lrelease`` beside this interpreter (a venv), else on PATH."""
    bindir = Path(sys.executable).parent
    for name in ("pyside6-lrelease", "pyside6-lrelease.exe", "lrelease", "lrelease.exe"):
        candidate = bindir / name
        if candidate.is_file():
            return str(candidate)
    for name in ("pyside6-lrelease", "lrelease"):
        found = shutil.which(name)
        if found:
            return found
    return None


def qm_path(ts: Path) -> Path:
    return ts.with_suffix(".qm")


def is_stale(ts: Path) -> bool:
    qm = qm_path(ts)
    return not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime


def compile_ts(ts: Path, lrelease: str | None = None) -> Path:
    """Compile one ``.ts`` to the ``.qm`` beside it (atomically: two starting apps may race)."""
    tool = lrelease or find_lrelease()
    if tool is None:
        raise TranslationBuildError("pyside6-lrelease not found next to Python or on PATH")
    qm = qm_path(ts)
    fd, tmp = tempfile.mkstemp(suffix=".qm", dir=qm.parent)
    os.close(fd)
    try:
        proc = subprocess.run([tool, "-silent", str(ts), "-qm", tmp], capture_output=True, text=True)
        if proc.returncode != 0 or Path(tmp).stat().st_size == 0:
            raise TranslationBuildError(f"{tool} failed on {ts}: {proc.stderr.strip() or proc.stdout.strip()}")
        os.replace(tmp, qm)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return qm


def compile_all(directory: Path | None = None, *, force: bool = False) -> list[Path]:
    """Compile every ``translations/*/*.ts`` that is stale (or all of them with ``force``)."""
    out = []
    for ts in sorted((directory or translations_dir()).glob("*/*.ts")):
        if force or is_stale(ts):
            out.append(compile_ts(ts))
    return out


def install_translator(app: QCoreApplication, language: str = DEFAULT_LANGUAGE) -> list[QTranslator]:
    """Load every catalog of ``translations/<lang>/`` (``dabir_<lang>`` and those of other parts
    of the UI), compiling the ones whose ``.ts`` is newer than their ``.qm`` (or has none) first."""
    installed = []
    directory = translations_dir() / language
    for ts in sorted(directory.glob("*.ts")):
        if is_stale(ts):
            try:
                compile_ts(ts)
            except (OSError, TranslationBuildError) as exc:  # a stale .qm beats an English UI
                log.warning("could not compile %s: %s", ts, exc)
    catalogs = {qm_path(ts) for ts in directory.glob("*.ts")} | set(directory.glob("*.qm"))
    for qm in sorted(catalogs):
        translator = QTranslator(app)
        if qm.exists() and translator.load(str(qm)):
            app.installTranslator(translator)
            installed.append(translator)
        else:
            log.warning("could not load translations %s", qm)
    if not installed:
        log.warning("no translations for %r in %s; the UI stays in English", language, translations_dir())
    # Qt's own catalog, shipped with PySide6: the file, print and message dialogs speak Persian too.
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(app)
    if translator.load(f"qtbase_{language}", qt_dir):
        app.installTranslator(translator)
        installed.append(translator)
    else:
        log.warning("Qt's translations qtbase_%s not found in %s; standard dialogs stay in English", language, qt_dir)
    return installed
