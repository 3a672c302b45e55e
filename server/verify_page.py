"""The verification answer as a small Persian page, for a person who scanned the QR with a phone.

Self-contained (no scripts, fonts or images from anywhere), right to left, readable on a phone;
its frame (:func:`page`, :data:`PAGE_CSP`) also serves the public status page (server/tracking_page.py).
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from app.protocol.jalali import format_datetime

# The page's own policy: its inline style and nothing else; no framing.
PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"

_STYLE = """
body{font-family:Vazirmatn,Tahoma,"Noto Sans Arabic",sans-serif;margin:0;background:#f4f5f7;color:#1d2733}
main{max-width:34rem;margin:1.5rem auto;padding:1.25rem;background:#fff;border-radius:.5rem;
box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.25rem;margin:0 0 1rem}
p{line-height:1.9}
.ok{color:#1b6e2d}.no{color:#9b1c1c}
dl{display:grid;grid-template-columns:auto 1fr;gap:.4rem 1rem;margin:1rem 0}
dt{font-weight:bold}dd{margin:0}
form{margin-top:1rem;display:flex;gap:.5rem}
input{flex:1;min-width:0;font:inherit;padding:.4rem;direction:ltr;text-align:left}
button{font:inherit;padding:.4rem 1rem}
form.fields{flex-direction:column;gap:.25rem}
form.fields label{font-weight:bold;margin-top:.5rem}
form.fields button{margin-top:1rem;align-self:flex-start}
.hint{color:#4a5563;font-size:.9rem}
a{color:#1a4f8b}
"""


def page(title: str, body: str) -> str:
    """The whole page: ``body`` is HTML already escaped by the caller."""
    return (f'<!DOCTYPE html>\n<html lang="fa" dir="rtl"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
            f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>\n")


def _code_form() -> str:
    return ('<form method="get"><input name="c" maxlength="32" autocomplete="off" aria-label="کد استعلام" '
            'placeholder="کد استعلام"><button type="submit">استعلام</button></form>')


def answer_page(answer: dict[str, Any]) -> str:
    """The page for a verification answer (see :func:`server.verification.verify`)."""
    title = "استعلام اصالت نامه"
    shams = f'<bdi dir="ltr">{escape(answer["shams_display"])}</bdi>'
    number = f"<p>شماره نامه: {shams}</p>"
    if not answer["exists"]:
        return page(title, f'<p class="no">نامه‌ای با این شماره در سامانه یافت نشد.</p>{number}')
    if answer.get("code_wrong"):
        return page(title, f'{number}<p class="no">کد استعلام واردشده با این نامه مطابقت ندارد؛ آن را با کد '
                            f"چاپ‌شده بر نامه مقایسه کنید و دوباره وارد کنید.</p>{_code_form()}")
    if not answer["verified"]:
        return page(title, f"{number}<p>نامه‌ای با این شماره در سامانه ثبت شده است. برای دیدن مشخصات آن، "
                            f"رمزینهٔ روی نامه را پویش کنید یا کد استعلام چاپ‌شده بر نامه را وارد کنید.</p>"
                            f"{_code_form()}")
    registered_at = dt.datetime.strptime(answer["registered_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    signers = "، ".join(escape(s["name"] + (f" ({s['title']})" if s["title"] else "")) for s in answer["signers"]
                       if s["name"]) or "—"
    facts = (f"<dl><dt>سازمان</dt><dd>{escape(answer['agency_name'])}</dd>"
             f"<dt>شماره</dt><dd>{shams}</dd>"
             f"<dt>تاریخ ثبت</dt><dd>{escape(format_datetime(registered_at))}</dd>"
             f"<dt>امضاکنندگان</dt><dd>{signers}</dd></dl>")
    return page(title, f'<p class="ok">این نامه در سامانه ثبت شده و کد استعلام آن درست است.</p>{facts}'
                        "<p>متن نامه در این صفحه نمایش داده نمی‌شود؛ آن را با نامهٔ در دست خود مقایسه کنید.</p>")


def error_page(message_fa: str) -> str:
    return page("استعلام اصالت نامه", f'<p class="no">{escape(message_fa)}</p>')


def wants_html(accept: str) -> bool:
    """A browser (a phone that scanned the QR) rather than an API client."""
    return "text/html" in accept.lower()


