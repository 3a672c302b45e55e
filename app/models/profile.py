"""Settings of this profile that the desktop app reads: the token module, the server address
printed on letters, and any other stored setting by its key. Qt-free."""

from __future__ import annotations

from typing import Any

from app.models.db import Store
from app.models.tables import Setting

TOKEN_MODULE_SETTING = "token:module"  # {"path": ...}: the PKCS#11 module to sign with
SERVER_BASE_SETTING = "server:base_url"  # {"url": ...}: printed in the QR code when there is no account


def read_setting(store: Store, key: str) -> Any:
    """The stored value (JSON) of a setting, or None."""
    with store.reader() as s:
        row = s.get(Setting, key)
        return row.value if row is not None else None


def token_module_setting(store: Store) -> str | None:
    """The configured PKCS#11 module path, if any."""
    value = read_setting(store, TOKEN_MODULE_SETTING)
    path = value.get("path") if isinstance(value, dict) else value
    return str(path) if path else None


def server_base_setting(store: Store) -> str:
    value = read_setting(store, SERVER_BASE_SETTING)
    return str(value.get("url", "")) if isinstance(value, dict) else ""
