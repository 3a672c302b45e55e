"""Which server and user this profile syncs as; the session token lives in the OS keyring.

The password is used once, to log in, and never stored; the bearer token the server returns
goes to the keyring (Windows Credential Manager, macOS Keychain, Secret Service on Linux),
never into the database or a file of ours.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
from keyring.errors import KeyringError

from app.models.db import Store
from app.models.profile import SENDER_SETTING
from app.models.tables import Setting
from app.sync.api import ApiError, DabirApi
from app.sync.engine import SyncEngine

log = logging.getLogger(__name__)

KEYRING_SERVICE = "dabir"


class AccountError(RuntimeError):
    def __init__(self, message: str, message_fa: str) -> None:
        super().__init__(message)
        self.message_fa = message_fa


@dataclass(frozen=True)
class Account:
    server_url: str
    username: str
    ca_bundle: str | None = None  # a PEM file; None = the system's trust store

    @property
    def keyring_user(self) -> str:
        return f"{self.username}@{self.server_url}"


def load_account(store: Store) -> Account | None:
    with store.reader() as s:
        row = s.get(Setting, "account")
        return Account(**row.value) if row else None


def save_account(store: Store, account: Account) -> None:
    with store.session() as s:
        row = s.get(Setting, "account")
        value = {"server_url": account.server_url, "username": account.username, "ca_bundle": account.ca_bundle}
        if row is None:
            s.add(Setting(key="account", value=value))
        else:
            row.value = value


def _keyring_call(fn: Callable[..., Any], *args: str) -> Any:
    try:
        return fn(*args)
    except KeyringError as exc:
        raise AccountError(
            f"no usable system keyring ({exc}); on Linux install and unlock a Secret Service "
            "provider such as gnome-keyring",
            "گاوصندوق رمزهای سیستم‌عامل در دسترس نیست؛ لطفاً با مسئول فناوری اطلاعات تماس بگیرید.",
        ) from exc


def login(store: Store, account: Account, password: str) -> dict:
    """Log in once with the password; keep only the session token, in the keyring."""
    with DabirApi(account.server_url, account.ca_bundle) as api:
        info = api.login(account.username, password)
        agency = info.get("user", {}).get("agency") if isinstance(info.get("user"), dict) else None
        held = profile_agency(store)
        if held and agency and agency != held:
            api.logout()  # the session just opened is not kept
            raise AccountError(
                f"this profile holds the letters of agency {held}; log in to agency {agency} with its own profile",
                "این نمایه نامه‌های سازمان دیگری را نگه می‌دارد؛ برای کار با حساب این سازمان از نمایهٔ جداگانه‌ای "
                "استفاده کنید.")
        try:
            _keyring_call(keyring.set_password, KEYRING_SERVICE, account.keyring_user, info["token"])
        except AccountError:
            with contextlib.suppress(ApiError):
                api.logout()  # a session nobody can use must not stay open on the server
            raise
    save_account(store, account)
    if isinstance(info.get("user"), dict):
        remember_sender(store, info["user"])
    return {k: v for k, v in info.items() if k != "token"}


def profile_agency(store: Store) -> str:
    """The agency whose letters this profile holds (from its first login); empty for a new profile."""
    with store.reader() as s:
        row = s.get(Setting, SENDER_SETTING)
        return str((row.value or {}).get("agency") or "") if row is not None else ""


def remember_sender(store: Store, user: dict) -> None:
    """Who this profile writes as (the sender of new letters) and with which roles, from the
    server's login answer."""
    value = {"agency": user.get("agency") or "", "unit": user.get("unit") or "",
             "person": user.get("username") or "", "name": user.get("display_name") or "",
             "roles": [str(r) for r in user.get("roles") or []]}  # shown beside the name, not written on letters
    with store.session() as s:
        row = s.get(Setting, SENDER_SETTING)
        if row is None:
            s.add(Setting(key=SENDER_SETTING, value=value))
        else:
            row.value = value


def logout(store: Store) -> None:
    account = load_account(store)
    if account is None:
        return
    token = _keyring_call(keyring.get_password, KEYRING_SERVICE, account.keyring_user)
    if token:
        with DabirApi(account.server_url, account.ca_bundle, token) as api:
            api.logout()
        _keyring_call(keyring.delete_password, KEYRING_SERVICE, account.keyring_user)


def forget(store: Store) -> None:
    """Undo a login (a first-run wizard cancelled after it): end the session if the server can be
    reached, and remove the account and who the profile writes as."""
    try:
        logout(store)
    except (AccountError, ApiError) as exc:
        log.warning("could not end the session on the server: %s", exc)
    with store.session() as s:
        for key in ("account", SENDER_SETTING):
            row = s.get(Setting, key)
            if row is not None:
                s.delete(row)


def open_api(store: Store) -> DabirApi:
    account = load_account(store)
    if account is None:
        raise AccountError("this profile has no server account; run 'dabir login' first",
                           "این نمایه هنوز به کارگزار متصل نشده است؛ ابتدا وارد شوید.")
    token = _keyring_call(keyring.get_password, KEYRING_SERVICE, account.keyring_user)
    if not token:
        raise AccountError("not logged in; run 'dabir login'", "ابتدا وارد سامانه شوید.")
    if account.ca_bundle and not Path(account.ca_bundle).is_file():
        raise AccountError(f"CA bundle {account.ca_bundle} is missing",
                           "پرونده گواهی مرجع کارگزار پیدا نشد؛ با مسئول فناوری اطلاعات تماس بگیرید.")
    return DabirApi(account.server_url, account.ca_bundle, token)


def open_engine(store: Store, on_event: Callable[[str, dict[str, Any]], None] | None = None) -> SyncEngine:
    """The sync engine as the app and ``dabir sync`` run it: this profile's account and session,
    verifying every incoming letter. Tests open it the same way (no second path)."""
    api = open_api(store)  # AccountError when the profile has no account or session
    account = load_account(store)
    return SyncEngine(store, api, actor=account.username if account else "sync", on_event=on_event)
