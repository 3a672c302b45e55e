"""The desktop app's log file, ``<data folder>/logs/dabir.log``: started from a menu it has no
console, and an administrator looking into a refused letter, a failed sync or an attachment that
failed its hash check needs what it said. Rotated (a few MB in all), owner-only like the rest of
the profile's data; a PIN, password or token is never logged (the code logs none)."""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_BYTES = 1_000_000
BACKUPS = 3
HANDLER_NAME = "dabir-log-file"


def log_to_file(data_dir: Path, level: int = logging.WARNING) -> Path:
    """Send the app's log records at ``level`` and above to the data folder's log file as well (once:
    a second call replaces the first's handler); the file's path."""
    folder = data_dir / "logs"
    for owner_only in (data_dir, folder):
        owner_only.mkdir(mode=0o700, parents=True, exist_ok=True)
        owner_only.chmod(0o700)
    path = folder / "dabir.log"
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    path.chmod(0o600)  # (the files a rotation starts are inside the owner-only folder)
    handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.setLevel(level)
    stop_logging_to_file()
    logging.getLogger().addHandler(handler)
    return path


def stop_logging_to_file() -> None:
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(handler)
        handler.close()
