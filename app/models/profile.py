"""Settings of this profile that the desktop app reads: the token module, the token used last,
the server address printed on letters, the PDF folder, and any other stored setting by its key.
Where the administrator's workstation file (``dabir.toml``) fixes a value, it wins. Qt-free."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.models.changes import Changes
from app.models.db import Store
from app.models.site_config import SiteConfig, load_site_config
from app.models.tables import Setting

SENDER_SETTING = "profile:sender"  # who new letters are written as, from the login answer
TOKEN_MODULE_SETTING = "token:module"  # {"path": ...}: the PKCS#11 module to sign with
LAST_TOKEN_SETTING = "token:last"  # {"label": ..., "serial": ...}: offered first when no signatory's token is
SERVER_BASE_SETTING = "server:base_url"  # {"url": ...}: printed in the QR code when there is no account
LETTER_COLUMNS_SETTING = "ui:letter_columns"  # {username: header state}: the list's column widths per user
PDF_FOLDER_SETTING = "ui:pdf_folder"  # {"path": ...}: where the PDF save dialogs start
FIRST_RUN_SETTING = "ui:first_run"  # {"done": true}: the first-run wizard was finished (also offline)


def read_setting(store: Store, key: str) -> Any:
    """The stored value (JSON) of a setting, or None."""
    with store.reader() as s:
        row = s.get(Setting, key)
        return row.value if row is not None else None


def signed_in_roles(store: Store) -> list[str] | None:
    """The roles the last login gave this profile (None: nobody has logged in yet)."""
    value = read_setting(store, SENDER_SETTING)
    roles = value.get("roles") if isinstance(value, dict) else None
    return [str(r) for r in roles] if isinstance(roles, list) else None


def token_module_setting(store: Store) -> str | None:
    """The configured PKCS#11 module path, if any."""
    value = read_setting(store, TOKEN_MODULE_SETTING)
    path = value.get("path") if isinstance(value, dict) else value
    return str(path) if path else None


def write_setting(store: Store, key: str, value: Any) -> Changes:
    """Store a setting (JSON); ``None`` removes it."""
    with store.session() as s:
        put_setting(s, key, value)
    return Changes(settings=True)


def put_setting(s: Session, key: str, value: Any) -> None:
    """A setting (JSON) in this session's write; ``None`` removes it."""
    row = s.get(Setting, key)
    if value is None:
        if row is not None:
            s.delete(row)
    elif row is None:
        s.add(Setting(key=key, value=value))
    elif row.value != value:
        row.value = value


def token_module(store: Store, site: SiteConfig | None = None) -> str | None:
    """The PKCS#11 module to sign with: the administrator's, else this profile's, else None
    (then ``app.token.modules.module_path`` looks for a well-known one)."""
    site = site or load_site_config()
    return site.pkcs11_module or token_module_setting(store)


def pdf_folder_setting(store: Store) -> str | None:
    value = read_setting(store, PDF_FOLDER_SETTING)
    path = value.get("path") if isinstance(value, dict) else None
    return str(path) if path else None


def pdf_folder(store: Store, site: SiteConfig | None = None) -> str | None:
    """Where PDFs are saved: the administrator's folder, else this profile's, else None (Documents)."""
    site = site or load_site_config()
    return site.pdf_folder or pdf_folder_setting(store)


def server_base_setting(store: Store) -> str:
    value = read_setting(store, SERVER_BASE_SETTING)
    return str(value.get("url", "")) if isinstance(value, dict) else ""


def last_token_setting(store: Store) -> tuple[str, str] | None:
    """(label, serial) of the token that signed last on this workstation, if any."""
    value = read_setting(store, LAST_TOKEN_SETTING)
    return (str(value["label"]), str(value["serial"])) if isinstance(value, dict) and "label" in value else None


def remember_last_token(store: Store, label: str, serial: str) -> Changes:
    """Remember the token that just signed (offered first next time when no listed signatory's is present)."""
    value = {"label": label, "serial": serial}
    with store.session() as s:
        row = s.get(Setting, LAST_TOKEN_SETTING)
        if row is None:
            s.add(Setting(key=LAST_TOKEN_SETTING, value=value))
        elif row.value != value:
            row.value = value
    return Changes(settings=True)


def letter_columns_setting(store: Store, user: str) -> str | None:
    """The letter list's column state (Qt's header state, base64) that ``user`` left, if any."""
    value = read_setting(store, LETTER_COLUMNS_SETTING)
    state = value.get(user) if isinstance(value, dict) else None
    return str(state) if state else None


def remember_letter_columns(store: Store, user: str, state: str) -> Changes:
    """Keep ``user``'s column widths (each user of a workstation profile has their own)."""
    with store.session() as s:
        row = s.get(Setting, LETTER_COLUMNS_SETTING)
        if row is None:
            s.add(Setting(key=LETTER_COLUMNS_SETTING, value={user: state}))
        elif not isinstance(row.value, dict) or row.value.get(user) != state:
            row.value = {**(row.value if isinstance(row.value, dict) else {}), user: state}
    return Changes(settings=True)
