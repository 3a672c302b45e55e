"""Tokens present in a module, described without opening a session."""

from __future__ import annotations

from dataclasses import dataclass

import pkcs11

from app.token.errors import TokenNotFound, TokenRemoved
from app.token.modules import Library
from app.token.pin import PinStatus

# What a module returns when the device behind a slot or session has gone away. SoftHSM
# answers CKR_GENERAL_ERROR for a token whose directory was deleted, real readers
# CKR_TOKEN_NOT_PRESENT / CKR_DEVICE_REMOVED; handles die with *_HANDLE_INVALID.
REMOVAL_ERRORS: tuple[type[BaseException], ...] = (
    pkcs11.TokenNotPresent,
    pkcs11.DeviceRemoved,
    pkcs11.DeviceError,
    pkcs11.GeneralError,
    pkcs11.SessionHandleInvalid,
    pkcs11.SessionClosed,
    pkcs11.SlotIDInvalid,
    pkcs11.ObjectHandleInvalid,
    pkcs11.KeyHandleInvalid,
    pkcs11.UserNotLoggedIn,
)


@dataclass(frozen=True)
class TokenInfo:
    slot_id: int
    label: str
    serial: str
    manufacturer: str
    model: str
    pin: PinStatus

    @property
    def key(self) -> tuple[int, str, str]:
        """Identity used by the watcher: same slot, same token."""
        return (self.slot_id, self.serial, self.label)


def _info(token: pkcs11.Token) -> TokenInfo:
    return TokenInfo(
        slot_id=int(token.slot.slot_id),
        label=token.label.strip(),
        serial=token.serial.decode("ascii", "replace").strip(),
        manufacturer=token.manufacturer_id.strip(),
        model=token.model.strip(),
        pin=PinStatus.from_flags(token.flags),
    )


def list_tokens(lib: Library) -> list[TokenInfo]:
    """Initialized tokens, in slot order. A slot whose token vanishes while we look is skipped."""
    out = []
    for slot in lib.get_slots(token_present=True):
        try:
            token = slot.get_token()
        except REMOVAL_ERRORS:
            continue
        if not token.flags & pkcs11.TokenFlag.TOKEN_INITIALIZED:
            continue
        out.append(_info(token))
    return out


def find_token(lib: Library, label: str | None = None, serial: str | None = None) -> pkcs11.Token:
    """The single token matching label and/or serial (the only token when neither is given)."""
    matches = []
    for slot in lib.get_slots(token_present=True):
        try:
            token = slot.get_token()
        except REMOVAL_ERRORS:
            continue
        info = _info(token)
        if label is not None and info.label != label:
            continue
        if serial is not None and info.serial != serial:
            continue
        if token.flags & pkcs11.TokenFlag.TOKEN_INITIALIZED:
            matches.append(token)
    if not matches:
        what = f" labelled {label!r}" if label else ""
        raise TokenNotFound(f"no token{what} is present")
    if len(matches) > 1:
        raise TokenNotFound(
            f"{len(matches)} tokens match; choose one by label or serial",
            "چند توکن به رایانه وصل است؛ لطفاً یکی را انتخاب کنید.",
        )
    return matches[0]


def token_info(token: pkcs11.Token) -> TokenInfo:
    try:
        return _info(token.slot.get_token())
    except REMOVAL_ERRORS as exc:
        raise TokenRemoved(f"token {token.label!r} is no longer present") from exc
