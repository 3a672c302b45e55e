"""PIN state and login.

The token's flags are the only portable way to learn how many tries are left: PKCS#11
exposes CKF_USER_PIN_COUNT_LOW (a wrong PIN was entered since the last good one),
CKF_USER_PIN_FINAL_TRY and CKF_USER_PIN_LOCKED, not a number. We read them before each
try (so the user is warned *before* the try that locks the token) and after it.

The PIN is passed straight to C_Login and dropped; it is never logged or stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pkcs11
from pkcs11 import TokenFlag

from app.token.errors import PinIncorrect, PinLocked, TokenError, TokenRemoved

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PinStatus:
    count_low: bool = False
    final_try: bool = False
    locked: bool = False
    protected_path: bool = False  # PIN pad on the reader: log in with no PIN from us
    login_required: bool = True

    @classmethod
    def from_flags(cls, flags: int) -> PinStatus:
        f = TokenFlag(int(flags))
        return cls(
            count_low=bool(f & TokenFlag.USER_PIN_COUNT_LOW),
            final_try=bool(f & TokenFlag.USER_PIN_FINAL_TRY),
            locked=bool(f & TokenFlag.USER_PIN_LOCKED),
            protected_path=bool(f & TokenFlag.PROTECTED_AUTHENTICATION_PATH),
            login_required=bool(f & TokenFlag.LOGIN_REQUIRED),
        )

    @property
    def warning(self) -> str | None:
        """English warning for the CLI and logs, or None when all is well."""
        if self.locked:
            return "The token's PIN is locked; it must be unblocked by the administrator (SO PIN)."
        if self.final_try:
            return "Last try: one more wrong PIN locks the token."
        if self.count_low:
            return "A wrong PIN was entered before; type it with care."
        return None

    @property
    def warning_fa(self) -> str | None:
        if self.locked:
            return "گذرواژه توکن قفل شده است؛ برای بازگشایی با مسئول فناوری اطلاعات تماس بگیرید."
        if self.final_try:
            return "هشدار: این آخرین فرصت است؛ با یک بار ورود نادرست دیگر، توکن قفل می‌شود."
        if self.count_low:
            return "هشدار: پیش‌تر گذرواژه نادرست وارد شده است؛ با دقت وارد کنید."
        return None


def read_pin_status(token: pkcs11.Token) -> PinStatus:
    """Fresh flags: ``Token.flags`` is a snapshot taken when the Token object was made."""
    try:
        return PinStatus.from_flags(token.slot.get_token().flags)
    except (pkcs11.TokenNotPresent, pkcs11.DeviceRemoved, pkcs11.GeneralError, pkcs11.SlotIDInvalid) as exc:
        raise TokenRemoved(f"token {token.label!r} is no longer present ({type(exc).__name__})") from exc


def check_before_login(status: PinStatus) -> None:
    """Refuse to try a PIN on a locked token (the try cannot succeed and only confuses)."""
    if status.locked:
        raise PinLocked("the token's user PIN is locked", status=status)


def login(token: pkcs11.Token, pin: str | None, *, rw: bool = False) -> tuple[pkcs11.Session, PinStatus]:
    """Open a logged-in session. ``pin=None`` uses the PIN pad (protected authentication path).

    Returns the session and the PIN status after login. Raises PinIncorrect / PinLocked with
    the status read after the failed try, so the caller can show the right warning.
    """
    before = read_pin_status(token)
    check_before_login(before)
    if pin is None and not before.protected_path:
        raise PinIncorrect("a PIN is required: this token has no PIN pad", "لطفاً گذرواژه توکن را وارد کنید.", status=before)
    user_pin = pkcs11.PROTECTED_AUTH if pin is None else pin
    try:
        session = token.open(rw=rw, user_pin=user_pin)
    except pkcs11.PinIncorrect as exc:
        after = read_pin_status(token)
        log.info("login to token %r failed: wrong PIN (flags after: %s)", token.label, after)
        if after.locked:
            raise PinLocked("wrong PIN; the token is now locked", status=after) from exc
        fa = "گذرواژه (PIN) توکن نادرست است."
        if after.final_try:  # «a wrong PIN was entered» (count_low) would only repeat this very failure
            fa = f"{fa} {after.warning_fa}"
        raise PinIncorrect("wrong PIN" + (f"; {after.warning}" if after.final_try else ""), fa, status=after) from exc
    except pkcs11.PinLocked as exc:
        raise PinLocked("the token's user PIN is locked", status=read_pin_status(token)) from exc
    except (pkcs11.PinLenRange, pkcs11.PinInvalid) as exc:
        raise PinIncorrect("the PIN has an invalid length or characters",
                           "طول یا نویسه‌های گذرواژه با قواعد توکن سازگار نیست.", status=before) from exc
    except (pkcs11.TokenNotPresent, pkcs11.DeviceRemoved, pkcs11.SessionHandleInvalid) as exc:
        raise TokenRemoved(f"token {token.label!r} was removed during login") from exc
    except pkcs11.PKCS11Error as exc:
        raise TokenError(f"login failed: {type(exc).__name__}", "ورود به توکن انجام نشد.") from exc
    finally:
        pin = user_pin = None  # drop our reference as soon as C_Login has it
    return session, read_pin_status(token)
