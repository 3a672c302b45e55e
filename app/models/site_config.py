"""The administrator's settings for every user of a workstation (``dabir.toml``), which the
installer writes (silent install) or an agency deploys: they pre-fill, and let the first-run
wizard skip, the server address, its CA bundle and the token's PKCS#11 module.

Where: ``DABIR_SITE_CONFIG`` if set, else ``%ProgramData%\\Dabir\\dabir.toml`` on Windows and
``/etc/dabir/dabir.toml`` elsewhere. A relative path in the file is relative to the file's
folder (an installer copies the CA bundle beside it). The format is in ``docs/site-config.md``.
"""

from __future__ import annotations

import logging
import os
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.protocol.persian import ltr_island

log = logging.getLogger(__name__)

SITE_CONFIG_ENV = "DABIR_SITE_CONFIG"
FILE_NAME = "dabir.toml"


@dataclass(frozen=True)
class SiteConfig:
    """What the administrator fixed; ``None`` where the user decides. ``error`` (English, for
    logs) and ``error_fa`` (for the user) say why a file that exists could not be used."""

    server_url: str | None = None
    ca_bundle: str | None = None
    pkcs11_module: str | None = None
    pdf_folder: str | None = None
    path: Path | None = None
    error: str | None = None
    error_fa: str | None = None


def site_config_path() -> Path:
    env = os.environ.get(SITE_CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    if sys.platform.startswith("win"):
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "Dabir" / FILE_NAME
    return Path("/etc/dabir") / FILE_NAME


def _text(table: dict[str, Any], key: str, where: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{where}.{key} must be a string")
    return value.strip() or None


def _path(value: str | None, base: Path) -> str | None:
    if value is None:
        return None
    p = Path(value).expanduser()
    return str(p if p.is_absolute() else (base / p).resolve())


def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ValueError(f"[{name}] must be a table")
    return table


def parse_site_config(text: str, path: Path) -> SiteConfig:
    """The settings in ``text`` (TOML, read from ``path``); ValueError when they are malformed."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"not valid TOML: {exc}") from exc
    server, token, pdf = _table(data, "server"), _table(data, "token"), _table(data, "pdf")
    url = _text(server, "url", "server")
    if url is not None:
        url = url.rstrip("/")
        if not url.startswith("https://"):
            raise ValueError("server.url must start with https://")
    base = path.parent
    return SiteConfig(
        server_url=url,
        ca_bundle=_path(_text(server, "ca_bundle", "server"), base),
        pkcs11_module=_path(_text(token, "module", "token"), base),
        pdf_folder=_path(_text(pdf, "folder", "pdf"), base),
        path=path,
    )


def load_site_config(path: Path | None = None) -> SiteConfig:
    """The workstation's settings; an empty SiteConfig when there is no file, one with ``error``
    set when the file cannot be read or parsed (the app then asks the user for everything)."""
    path = path or site_config_path()
    try:
        text = path.read_text(encoding="utf-8-sig")  # Notepad writes a BOM
    except FileNotFoundError:
        return SiteConfig()
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("cannot read the site configuration %s: %s", path, exc)
        return SiteConfig(path=path, error=f"cannot read {path}: {exc}",
                          error_fa=f"پرونده تنظیمات مدیر سامانه («{ltr_island(str(path))}») خوانده نشد.")
    try:
        return parse_site_config(text, path)
    except ValueError as exc:
        log.warning("ignoring the site configuration %s: %s", path, exc)
        return SiteConfig(path=path, error=f"{path}: {exc}",
                          error_fa=f"پرونده تنظیمات مدیر سامانه («{ltr_island(str(path))}») نادرست است و به کار گرفته نشد.")
