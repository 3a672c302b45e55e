"""Token errors: an English message for logs and the CLI, ``message_fa`` for the UI."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.token.signing import BatchResult


class TokenError(Exception):
    """Base class; ``str(exc)`` is English, ``exc.message_fa`` is formal Persian for the user."""

    message_fa: str = "خطایی در کار با توکن رخ داد."

    def __init__(self, message: str, message_fa: str | None = None) -> None:
        super().__init__(message)
        if message_fa is not None:
            self.message_fa = message_fa


class ModuleLoadError(TokenError):
    message_fa = "کتابخانه توکن (PKCS#11) بارگذاری نشد."


class TokenNotFound(TokenError):
    message_fa = "توکن موردنظر یافت نشد؛ لطفاً توکن را به رایانه وصل کنید."


class TokenRemoved(TokenError):
    message_fa = "ارتباط با توکن قطع شد؛ احتمالاً توکن از رایانه جدا شده است."


class CertificateNotFound(TokenError):
    message_fa = "گواهی امضای موردنظر روی توکن یافت نشد."


class PinError(TokenError):
    """Login failed; ``status`` holds the token's PIN flags read after the try."""

    message_fa = "ورود به توکن انجام نشد."

    def __init__(self, message: str, message_fa: str | None = None, status: object | None = None) -> None:
        super().__init__(message, message_fa)
        self.status = status


class PinIncorrect(PinError):
    message_fa = "گذرواژه (PIN) توکن نادرست است."


class PinLocked(PinError):
    message_fa = "گذرواژه (PIN) توکن قفل شده است؛ برای بازگشایی با مسئول فناوری اطلاعات تماس بگیرید."


class SigningError(TokenError):
    message_fa = "امضای نامه انجام نشد."


class BatchInterrupted(SigningError):
    """A batch stopped part-way: ``signed`` letters are signed, the rest untouched."""

    def __init__(self, message: str, message_fa: str, *, signed: int, total: int) -> None:
        super().__init__(message, message_fa)
        self.signed = signed
        self.total = total
        self.result: BatchResult | None = None  # what was signed before the stop
