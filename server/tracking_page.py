"""The public status page of citizens' letters: ``GET /track`` (the form), ``POST /track`` (the answer
as a page) and ``POST /api/v1/track`` (JSON). No account, no JavaScript, nothing fetched from elsewhere.

The national code travels only in POST bodies (never in a URL, the browser's history or the access
log); the printed receipt's QR opens ``/track?t=<id>`` with the tracking id filled in. Look-ups of
both kinds share one per-IP limit (``tracking_lookups_per_minute``, per worker process); the look-up
runs on a worker thread, off the event loop.
"""

from __future__ import annotations

from html import escape
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from app.protocol.persian import InvalidIdentifier, to_persian_digits
from app.protocol.tracking import display_tracking_id, parse_tracking_id
from server import tracking
from server.errors import ERROR_RESPONSES, ApiError
from server.requests import Strict
from server.verification import SlidingWindow
from server.verify_page import PAGE_CSP, page

PATH = "/track"
API_PATH = "/api/v1/track"
TITLE = "پیگیری وضعیت نامه"
MAX_FIELD = 64  # longer than any id typed with spaces and dashes
_HEADERS = {"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-store"}
# the page's refusals are pages too (the form again, the reason above it)
_PAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"content": {"text/html": {}}, "description": text} for status, text in (
        (200, "The page"), (400, "Malformed form"), (404, "No letter with this tracking id and national code/id"),
        (422, "Ill-formed tracking id or national code/id"), (429, "Too many look-ups"))}


class TrackIn(Strict):
    tracking_id: str = Field(max_length=MAX_FIELD)
    national_id: str = Field(max_length=MAX_FIELD)


def too_many(retry_after: int) -> ApiError:
    return ApiError(429, "too_many_requests", "تعداد پیگیری‌ها از این نشانی بیش از حد مجاز است؛ لطفاً "
                    f"{to_persian_digits(retry_after)} ثانیهٔ دیگر دوباره تلاش کنید.",
                    f"Too many status look-ups; try again in {retry_after} s.", headers={"Retry-After": str(retry_after)})


def form_page(tracking_id: str = "", message_fa: str = "") -> str:
    """The form, the tracking id filled in (from the receipt's QR) and an error above it if any."""
    error = f'<p class="no">{escape(message_fa)}</p>' if message_fa else ""
    return page(TITLE, f"{error}<p>برای دیدن وضعیت نامهٔ خود، شناسه پیگیری چاپ‌شده بر رسید و کد ملی (یا شناسه ملی "
                       f"شرکت) فرستندهٔ نامه را وارد کنید.</p>"
                       f'<form class="fields" method="post" action="{PATH}">'
                       f'<label for="t">شناسه پیگیری</label>'
                       f'<input id="t" name="t" value="{escape(tracking_id)}" maxlength="{MAX_FIELD}" '
                       f'inputmode="numeric" autocomplete="off" required placeholder="۱۲۳۴-۵۶۷۸-۹۰۱۲">'
                       f'<label for="n">کد ملی یا شناسه ملی فرستنده</label>'
                       f'<input id="n" name="n" maxlength="{MAX_FIELD}" inputmode="numeric" autocomplete="off" '
                       f'required>'
                       f'<button type="submit">پیگیری</button></form>'
                       f'<p class="hint">در این صفحه تنها وضعیت نامه و تاریخ‌های آن نمایش داده می‌شود، نه متن آن.</p>')


def _date(when: dict[str, str]) -> str:
    return f'<bdi dir="ltr">{escape(to_persian_digits(when["jalali"]))}</bdi>'


def answer_page(answer: dict[str, Any]) -> str:
    """The status of a letter (see :func:`server.tracking.lookup`): only what the JSON answer says."""
    facts = (f"<dt>سازمان</dt><dd>{escape(answer['agency_name'])}</dd>"
             f'<dt>شناسه پیگیری</dt><dd><bdi dir="ltr">{escape(display_tracking_id(answer["tracking_id"]))}</bdi></dd>'
             f'<dt>وضعیت</dt><dd class="status">{escape(answer["status_fa"])}</dd>'
             f"<dt>تاریخ ثبت</dt><dd>{_date(answer['registered_at'])}</dd>"
             f"<dt>آخرین تغییر وضعیت</dt><dd>{_date(answer['changed_at'])}</dd>")
    if answer["answer"]:
        shams = to_persian_digits(answer["answer"]["shams_display"])
        facts += (f'<dt>شماره نامهٔ پاسخ</dt><dd><bdi dir="ltr">{escape(shams)}</bdi></dd>'
                  f"<dt>تاریخ پاسخ</dt><dd>{_date(answer['answer']['registered_at'])}</dd>")
    return page(TITLE, f'<dl>{facts}</dl><p><a href="{PATH}">پیگیری نامه‌ای دیگر</a></p>')


def _html(body: str, status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    return HTMLResponse(body, status, headers={**(headers or {}), **_HEADERS})


def _as_printed(text: str) -> str:
    """A well-formed tracking id grouped in Persian digits, as on the receipt beside it; anything else as given."""
    try:
        return display_tracking_id(parse_tracking_id(text))
    except InvalidIdentifier:
        return text


def _check_rate(request: Request) -> None:
    limit: SlidingWindow = request.app.state.tracking_limit
    wait = limit.retry_after(request.client.host if request.client else "-")
    if wait:
        raise too_many(wait)


def add_routes(app: FastAPI) -> None:
    """The page and the JSON endpoint (public: see server.app.PUBLIC_PATHS)."""

    @app.get(PATH, tags=["public"], response_class=HTMLResponse, responses={200: _PAGE_RESPONSES[200]})
    async def track_form(t: Annotated[str, Query()] = "") -> Response:
        """The form; ``t`` (the receipt's QR) fills the tracking id in, as the receipt prints it."""
        return _html(form_page(_as_printed(t[:MAX_FIELD])))

    @app.post(PATH, tags=["public"], response_class=HTMLResponse, responses={**ERROR_RESPONSES, **_PAGE_RESPONSES},
              openapi_extra={"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
                  "type": "object", "properties": {"t": {"type": "string"}, "n": {"type": "string"}}}}}}})
    async def track_page(request: Request) -> Response:
        """The form's answer as a page (``t``: tracking id, ``n``: national code/id)."""
        try:
            fields = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=4)
        except ValueError:  # more fields than a form has
            return _html(form_page(), 400)
        typed = fields.get("t", [""])[0][:MAX_FIELD]
        try:
            _check_rate(request)
            answer = await run_in_threadpool(tracking.lookup, request.app.state.ctx, typed,
                                             fields.get("n", [""])[0][:MAX_FIELD])
        except ApiError as exc:
            # an ill-formed id (a check of the typed text alone) stays in its field, to be compared with the
            # receipt; a not-found answer keeps its one body for every id, and the national code is never echoed
            kept = typed if exc.status == 422 else ""
            return _html(form_page(kept, exc.message_fa), exc.status, exc.headers)
        return _html(answer_page(answer))

    @app.post(API_PATH, tags=["public"], responses=ERROR_RESPONSES)
    async def track_json(request: Request, body: TrackIn) -> JSONResponse:
        """The status of a citizen's letter: 404 ``tracking_not_found`` for an unknown id and for a
        wrong national code/id alike."""
        _check_rate(request)
        return JSONResponse(await run_in_threadpool(tracking.lookup, request.app.state.ctx, body.tracking_id,
                                                    body.national_id))
