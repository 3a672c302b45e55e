"""Per-process server state shared by the request handlers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from app.protocol.receipt import ReceiptSigner
from server.config import Settings
from server.db import Database
from server.throttle import LoginThrottle

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


@dataclass
class ServerContext:
    settings: Settings
    db: Database
    receipt_key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
    receipt_cert: x509.Certificate
    clock: Clock = utc_now
    extra: dict[str, object] = field(default_factory=dict)
    receipt_signer: ReceiptSigner = field(init=False)
    login_throttle: LoginThrottle = field(init=False)

    def __post_init__(self) -> None:
        self.receipt_signer = ReceiptSigner(self.receipt_key, self.receipt_cert)
        self.login_throttle = LoginThrottle(self.settings)
