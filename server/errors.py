"""Structured API errors: ``{"error": {"code", "message_fa", "message_en", "field"}}``.

Nothing internal (stack traces, SQL, file paths) ever reaches a response.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("dabir.server")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message_fa: str, message_en: str, field: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{code}: {message_en}")
        self.status = status
        self.code = code
        self.message_fa = message_fa
        self.message_en = message_en
        self.field = field
        self.headers = headers

    def body(self) -> dict[str, object]:
        return {"error": {"code": self.code, "message_fa": self.message_fa, "message_en": self.message_en,
                          "field": self.field}}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


class ErrorDetail(BaseModel):
    code: str
    message_fa: str
    message_en: str
    field: str | None


class ErrorBody(BaseModel):
    """Every refusal, in the OpenAPI document (ApiError.body is what is sent)."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorBody, "description": text} for status, text in (
        (400, "Malformed request"), (401, "Missing, expired or revoked bearer token"), (403, "Not permitted"),
        (404, "Not found"), (409, "Conflicts with an earlier request"), (413, "Request too large"), (422, "Invalid request"),
        (428, "Idempotency-Key required"), (429, "Too many attempts"),
        (503, "Database temporarily unavailable"))}


# Frequently used errors (formal administrative register, Persian punctuation).
def unauthenticated() -> ApiError:
    return ApiError(401, "unauthenticated", "نشست کاری معتبر نیست؛ لطفاً دوباره وارد شوید.",
                    "Missing, expired or revoked bearer token.", headers={"WWW-Authenticate": "Bearer"})


def forbidden(what_en: str = "Your role does not permit this action.") -> ApiError:
    return ApiError(403, "forbidden", "شما مجوز انجام این کار را ندارید.", what_en)


def internal_error() -> ApiError:
    return ApiError(500, "internal_error", "خطای داخلی در کارگزار رخ داد؛ لطفاً دوباره تلاش کنید.",
                    "Internal server error.")


def not_found(field: str | None = None) -> ApiError:
    return ApiError(404, "not_found", "مورد درخواست‌شده یافت نشد.", "Not found.", field)


def database_unavailable() -> ApiError:
    return ApiError(503, "database_unavailable", "پایگاه داده کارگزار موقتاً در دسترس نیست؛ لطفاً دوباره تلاش کنید.",
                    "The database is temporarily unavailable; try again.", headers={"Retry-After": "5"})


MAX_FIELD = 100

_STATUS_FA = {
    400: ("malformed_request", "درخواست خوانا نیست؛ بدنه درخواست باید JSON با نویسه‌های UTF-8 باشد.",
          "Malformed request: the body is not UTF-8 JSON."),
    404: ("not_found", "نشانی درخواست‌شده وجود ندارد.", "No such endpoint."),
    405: ("method_not_allowed", "این روش درخواست برای این نشانی مجاز نیست.", "Method not allowed."),
    413: ("request_too_large", "حجم درخواست بیش از حد مجاز است.", "Request body is too large."),
}


Refusal = Callable[[Request, ApiError], Awaitable[None]]


def install_handlers(app: FastAPI, on_refusal: Refusal | None = None) -> None:
    """``on_refusal`` sees every refusal (ApiError, invalid request) before it is answered."""
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        if on_refusal is not None:
            await on_refusal(request, exc)
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ())]
        error = _not_json(request, first, loc)
        if error is None:
            loc = loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc  # a field may be "body"
            field = ".".join(loc)[:MAX_FIELD] or None  # a field name can be the client's (an unknown key)
            error = ApiError(422, "invalid_request", "داده‌های درخواست نادرست است؛ لطفاً بخش مشخص‌شده را بررسی کنید.",
                             f"Invalid request: {first.get('msg', 'validation failed')}", field)
        if on_refusal is not None:
            await on_refusal(request, error)
        return error.response()

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, fa, en = _STATUS_FA.get(exc.status_code, ("http_error", "درخواست پذیرفته نشد.", "Request refused."))
        return ApiError(exc.status_code, code, fa, en).response()

    @app.exception_handler(OperationalError)
    async def _database_unavailable(request: Request, exc: OperationalError) -> JSONResponse:
        # the database is away or locked for too long: the client may retry (every write is idempotent)
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
        return database_unavailable().response()


def _not_json(request: Request, first: dict[str, Any], loc: list[str]) -> ApiError | None:
    """A body that is not a JSON object at all (no body, not JSON, another content type): say what
    to send, where pydantic would speak of "a valid dictionary" or of field "0"."""
    kind = first.get("type")
    if not loc or loc[0] != "body" or (kind != "json_invalid" and len(loc) > 1):
        return None
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media and media != "application/json" and not media.endswith("+json"):
        en = f"the body must be JSON, sent with Content-Type: application/json (this request's is {media[:60]!r})"
    elif kind == "json_invalid":
        en = f"the body is not valid JSON ({first.get('ctx', {}).get('error', 'decode error')} at character {loc[-1]})"
    elif kind == "missing":
        en = "the body is empty; it must be a JSON object"
    else:
        en = "the body must be a JSON object"
    return ApiError(422, "invalid_request", "بدنهٔ درخواست باید یک شیء JSON با سرآیند Content-Type: application/json باشد.",
                    f"Invalid request: {en}.")


class ContainErrors:
    """Outermost middleware: an unexpected error is logged and answers 500 ``internal_error``
    without escaping the application (uvicorn closes a keep-alive connection on an error that
    escapes, and the client's next request on it fails)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if started:  # half an answer is out: only closing the connection is left
                raise
            await internal_error().response()(scope, receive, send)
