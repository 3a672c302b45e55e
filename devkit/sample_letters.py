"""Realistic sample correspondence for demos, screenshots and benchmarks (Qt-free).

``fill_sample_letters(store, 100_000)`` writes a secretariat's two years of letters: bulk Core
inserts in a few large transactions, and the search index filled in the same transactions from
pre-normalized text (normalizing every body from scratch would dominate the run; normalization
works word by word, so normalizing each reused paragraph once and joining with a space gives
exactly what :func:`app.models.search.index_row` gives).
"""

from __future__ import annotations

import datetime as dt
import operator
import random
import string
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

from sqlalchemy import Connection, text

from app.models.db import Store
from app.models.tables import Letter, Recipient
from app.protocol.canonical import Classification, Priority
from app.protocol.jalali import TEHRAN, from_gregorian
from app.protocol.persian import national_id_check_digit, normalize, to_persian_digits

# --- who writes to whom ----------------------------------------------------------------


def _national_id(seed: int) -> str:
    first10 = f"1400{seed:06d}"
    return first10 + national_id_check_digit(first10)


OWN_AGENCY = ("اداره کل راه و شهرسازی استان اصفهان", _national_id(12345))
OWN_UNITS = (
    "دبیرخانه مرکزی",
    "معاونت توسعه مدیریت و منابع",
    "اداره فناوری اطلاعات و ارتباطات",
    "اداره امور حقوقی و قراردادها",
    "اداره امور مالی",
    "اداره منابع انسانی",
    "روابط عمومی",
    "معاونت راه و ساختمان",
    "اداره نظارت بر طرح‌های عمرانی",
    "دفتر مدیرکل",
)
AGENCIES = tuple(
    (name, _national_id(20000 + i))
    for i, name in enumerate(
        (
            "وزارت راه و شهرسازی",
            "سازمان برنامه و بودجه کشور",
            "سازمان اداری و استخدامی کشور",
            "وزارت امور اقتصادی و دارایی",
            "دیوان محاسبات کشور",
            "سازمان امور مالیاتی کشور",
            "استانداری اصفهان",
            "شهرداری اصفهان",
            "سازمان تأمین اجتماعی",
            "وزارت ارتباطات و فناوری اطلاعات",
            "سازمان فناوری اطلاعات ایران",
            "سازمان ملی استاندارد ایران",
            "سازمان ثبت اسناد و املاک کشور",
            "سازمان حفاظت محیط زیست",
            "دانشگاه صنعتی اصفهان",
            "اداره کل میراث فرهنگی، گردشگری و صنایع دستی استان اصفهان",
            "شرکت ساخت و توسعه زیربناهای حمل و نقل کشور",
            "سازمان بازرسی کل کشور",
            "اداره کل امور مالیاتی استان اصفهان",
            "بانک ملی ایران",
        )
    )
)
THEIR_UNITS = (
    "دفتر مدیرکل",
    "حوزه معاونت توسعه مدیریت و منابع",
    "دفتر فناوری اطلاعات",
    "دفتر امور حقوقی",
    "دبیرخانه کارگروه تحول اداری",
    "اداره کل امور مالی",
    "دفتر بودجه و تشکیلات",
    "حوزه ریاست",
)
FIRST_NAMES = (
    ("آقای", "علی"), ("آقای", "محمدرضا"), ("آقای", "حسین"), ("آقای", "مهدی"), ("آقای", "سعید"),
    ("آقای", "مجید"), ("آقای", "حمیدرضا"), ("آقای", "امیرحسین"), ("آقای", "مصطفی"), ("آقای", "جواد"),
    ("خانم", "فاطمه"), ("خانم", "زهرا"), ("خانم", "مریم"), ("خانم", "سمیه"), ("خانم", "الهام"),
    ("خانم", "نرگس"), ("خانم", "لیلا"), ("خانم", "معصومه"), ("خانم", "شیما"), ("خانم", "طاهره"),
)  # fmt: skip
LAST_NAMES = (
    "محمدی", "حسینی", "احمدی", "رضایی", "کریمی", "موسوی", "جعفری", "صادقی", "قاسمی", "نوروزی",
    "اکبری", "رحیمی", "طاهری", "نجفی", "شریفی", "کاظمی", "عباسی", "میرزایی", "یزدانی", "اصفهانی",
)  # fmt: skip

# --- what they write about -------------------------------------------------------------

SYSTEMS = ("دبیرخانه الکترونیکی", "حقوق و دستمزد", "اموال و دارایی", "بایگانی الکترونیکی", "پایش پروژه‌ها")
TOPICS = (
    "تحول اداری", "کاهش مصرف انرژی در ساختمان‌های اداری", "ایمنی راه‌های استان", "نظام پیشنهادها",
    "آموزش ضمن خدمت کارکنان", "امنیت فضای تبادل اطلاعات", "ساماندهی بایگانی راکد", "بودجه سال آینده",
)  # fmt: skip
PROJECTS = (
    "بهسازی محور اصفهان - شهرضا", "احداث پل روگذر تقاطع شهید کشوری", "تعمیرات اساسی ساختمان ستادی",
    "نوسازی ناوگان ماشین‌آلات راهداری", "تکمیل کنارگذر شرقی", "روکش آسفالت محورهای روستایی",
)  # fmt: skip
SEASONS = ("بهار", "تابستان", "پاییز", "زمستان")

SUBJECTS: tuple[str, ...] = (
    "درخواست تمدید قرارداد پشتیبانی سامانه {system}",
    "گزارش عملکرد سه‌ماهه {season} سال {year}",
    "دعوت به جلسه بررسی {topic}",
    "اعلام نظر درباره پیش‌نویس دستورالعمل {topic}",
    "ارسال صورت‌جلسه کمیسیون معاملات مورخ {date}",
    "درخواست تأمین اعتبار طرح {project}",
    "پیگیری پرداخت صورت‌وضعیت شماره {n} پیمانکار طرح {project}",
    "معرفی نماینده برای عضویت در کارگروه {topic}",
    "استعلام سوابق خدمتی {person}",
    "ابلاغ بخشنامه {topic}",
    "درخواست خرید کتاب‌های تخصصی برای کتابخانه اداره",
    "ارسال فهرست کتاب‌ها و نشریات مورد نیاز واحد آموزش",
    "گزارش پیشرفت فیزیکی طرح {project}",
    "درخواست مرخصی استحقاقی {person}",
    "اعلام برنامه بازدید از طرح {project}",
    "درخواست ارتقای تجهیزات شبکه و سامانه {system}",
    "پاسخ به نامه شماره {n} درباره {topic}",
    "ارسال لایحه دفاعیه در پرونده شماره {n}",
    "تمدید ضمانت‌نامه حسن انجام کار قرارداد شماره {contract}",
    "درخواست صدور مجوز مأموریت {person}",
    "گزارش حادثه و خسارت وارده به ابنیه فنی محور {road}",
    "برگزاری دوره آموزشی {topic}",
    "اعلام اسامی منتخبان جشنواره شهید رجایی سال {year}",
    "درخواست تخصیص اعتبار هزینه‌ای سه‌ماهه {season}",
    "اصلاح مفاد قرارداد شماره {contract}",
    "اطلاع‌رسانی درباره تعطیلی ادارات در روز {date}",
)
ROADS = ("اصفهان - نائین", "اصفهان - شهرضا", "کاشان - نطنز", "خوانسار - گلپایگان", "اردستان - زواره")

OPENINGS = ("با سلام و احترام،", "سلام علیکم،\nبا احترام،", "با سلام،\nاحتراماً")
PARAGRAPHS: tuple[str, ...] = (
    "بازگشت به نامه شماره {n} مورخ {date} درباره {topic}، به استحضار می‌رساند موضوع در جلسه "
    "کارشناسی این اداره کل بررسی شد و مقرر گردید گزارش تکمیلی ظرف دو هفته تهیه و ارسال شود.",
    "نظر به پایان مدت قرارداد شماره {contract} و ضرورت تداوم خدمات پشتیبانی سامانه {system}، "
    "خواهشمند است دستور فرمایید اقدامات لازم برای تمدید قرارداد با رعایت ضوابط مربوط انجام شود.",
    "پیرو هماهنگی‌های به عمل آمده، گزارش پیشرفت طرح {project} تا پایان {season} سال {year} "
    "به پیوست تقدیم می‌شود. بر اساس این گزارش، پیشرفت فیزیکی طرح {pct} درصد است.",
    "در اجرای بخشنامه شماره {n} سازمان برنامه و بودجه کشور، فهرست نیازهای اعتباری این واحد "
    "برای طرح {project} تهیه شده است و پس از تأیید، جهت درج در موافقت‌نامه ارسال خواهد شد.",
    "با عنایت به اهمیت موضوع {topic}، جلسه‌ای با حضور نمایندگان واحدهای ذی‌ربط در روز {date} "
    "ساعت ۱۰ در سالن جلسات طبقه دوم برگزار خواهد شد؛ خواهشمند است نماینده تام‌الاختیار معرفی فرمایید.",
    "ضمن تشکر از همکاری‌های ارزنده آن {agency_kind}، خواهشمند است نتیجه بررسی‌ها را تا پایان "
    "هفته جاری به این اداره کل اعلام فرمایید تا اقدام بعدی در مهلت مقرر انجام شود.",
    "در خصوص {person}، کارشناس {unit}، مراتب جهت اطلاع و صدور دستور مقتضی ایفاد می‌شود. "
    "سوابق مربوط به پیوست ارسال شده است.",
    "شایان ذکر است اعتبار مورد نیاز به مبلغ {amount} میلیارد ریال برآورد شده و از محل اعتبارات "
    "هزینه‌ای سال {year} قابل تأمین است.",
    "همچنین فهرست کتاب‌ها و منابع تخصصی پیشنهادی واحدهای ستادی، برای تکمیل کتابخانه اداره کل "
    "و استفاده کارکنان در دوره‌های آموزشی، به پیوست ارسال می‌شود.",
    "مقتضی است موارد به قید فوریت بررسی و نتیجه از طریق سامانه دبیرخانه الکترونیکی اعلام شود؛ "
    "بدیهی است مسئولیت هرگونه تأخیر بر عهده واحد مربوط خواهد بود.",
)
CLOSINGS = (
    "پیشاپیش از همکاری جنابعالی سپاسگزاری می‌شود.",
    "خواهشمند است دستور فرمایید اقدام لازم معمول گردد.",
    "مراتب جهت استحضار و صدور دستور مقتضی ایفاد می‌شود.",
)
REJECT_REASONS = ("شناسه ملی دستگاه گیرنده معتبر نیست.", "امضای نامه با گواهی معتبر انجام نشده است.")

# --- the mix of kinds and states ----------------------------------------------------------

KIND_WEIGHTS = (("outgoing", 45), ("internal", 20), ("incoming", 35))
STATE_WEIGHTS = {
    "outgoing": (
        ("draft", 6), ("awaiting_signature", 4), ("signed", 2), ("queued", 2), ("registered", 2),
        ("rejected", 1), ("sent", 15), ("delivered", 18), ("acknowledged", 50),
    ),
    "internal": (
        ("draft", 8), ("awaiting_signature", 5), ("signed", 2), ("queued", 1), ("registered", 2),
        ("sent", 20), ("delivered", 12), ("acknowledged", 50),
    ),
    "incoming": (("received", 10), ("invalid", 2), ("registered_incoming", 88)),
}  # fmt: skip
NUMBERED = {"registered", "sent", "delivered", "acknowledged"}
FINAL = {"acknowledged", "registered_incoming"}
PRIORITY_WEIGHTS = ((Priority.NORMAL, 80), (Priority.URGENT, 15), (Priority.IMMEDIATE, 5))
CLASSIFICATION_WEIGHTS = (
    (Classification.NORMAL, 85), (Classification.CONFIDENTIAL, 11), (Classification.SECRET, 3),
    (Classification.TOP_SECRET, 1),
)  # fmt: skip


@dataclass(frozen=True)
class SampleResult:
    letters: int
    recipients: int
    seconds: float


def _picker(rng: random.Random, weights: tuple[tuple[str, int], ...]) -> Callable[[], str]:
    values = [v for v, _ in weights]
    cum = []
    acc = 0
    for _, w in weights:
        acc += w
        cum.append(acc)
    return lambda: rng.choices(values, cum_weights=cum)[0]


_norm = lru_cache(maxsize=200_000)(normalize)


def _work_moment(rng: random.Random, now: dt.datetime, days_back: int) -> dt.datetime:
    """An office-hours moment in Tehran (Saturday–Wednesday, sometimes Thursday), in UTC."""
    while True:
        day = (now.astimezone(TEHRAN) - dt.timedelta(days=rng.randrange(days_back))).date()
        wd = day.weekday()  # Monday 0 … Friday 4
        if wd == 4 or (wd == 3 and rng.random() < 0.8):
            continue
        local = dt.datetime(day.year, day.month, day.day, 7, 30, tzinfo=TEHRAN)
        moment = (local + dt.timedelta(minutes=rng.randrange(7 * 60))).astimezone(dt.UTC)
        if moment < now:
            return moment


def _office_after(rng: random.Random, start: dt.datetime, max_days: int, now: dt.datetime) -> dt.datetime:
    """A later moment in office hours (not on a Friday), at most ``max_days`` after ``start``."""
    local = start.astimezone(TEHRAN)
    for _ in range(8):
        day = local.date() + dt.timedelta(days=rng.randrange(max_days + 1))
        if day.weekday() == 4:
            continue
        moment = dt.datetime(day.year, day.month, day.day, 7, 30, tzinfo=TEHRAN)
        moment = (moment + dt.timedelta(minutes=rng.randrange(7 * 60))).astimezone(dt.UTC)
        if start < moment < now:
            return moment
    return min(now, start + dt.timedelta(minutes=rng.randrange(2, 40)))


@lru_cache(maxsize=4096)
def _jalali(day: dt.date) -> tuple[int, int, int]:
    return from_gregorian(day)


def _jalali_year(moment: dt.datetime) -> int:
    return _jalali(moment.astimezone(TEHRAN).date())[0]


def _jalali_text(moment: dt.datetime) -> str:
    y, m, d = _jalali(moment.astimezone(TEHRAN).date())
    return to_persian_digits(f"{y:04d}/{m:02d}/{d:02d}")


_FORMATTER = string.Formatter()


@cache
def _parsed(template: str) -> tuple[tuple[str, str | None], ...]:
    return tuple((literal, field) for literal, field, _spec, _conv in _FORMATTER.parse(template))


@lru_cache(maxsize=200_000)
def _norm_inner(part: str) -> str:
    # normalize() strips the ends; a sentinel on each side keeps a part's edge spaces.
    return normalize(f"a{part}a")[1:-1]


def _norm_joined(parts: list[str]) -> str:
    """normalize("".join(parts)), from cached per-part results: it folds character by character
    and only collapses white space, so parts can be folded alone and the seams fixed after."""
    joined = "".join(parts)
    while "  " in joined:  # each part is already collapsed; only the seams can double a space
        joined = joined.replace("  ", " ")
    return joined.strip()


def _next_sequences(conn: Connection) -> dict[tuple[str, str, int], int]:
    """Highest SHAMS sequence already used per (origin, domain, year), so new ones never collide."""
    seqs: dict[tuple[str, str, int], int] = {}
    for (shams,) in conn.execute(text("SELECT shams FROM letters WHERE shams IS NOT NULL")):
        try:
            origin, domain, year, seq = shams.split("-")
            key = (origin, domain, int(year))
            seqs[key] = max(seqs.get(key, 0), int(seq))
        except ValueError:
            continue
    return seqs


_LETTER_COLUMNS = (
    "guid", "kind", "state", "subject", "body", "sender_agency", "sender_unit", "sender_person",
    "sender_name", "priority", "classification", "in_reply_to", "in_reply_to_shams", "follow_up_of",
    "follow_up_of_shams", "shams", "registered_at", "verify_code", "incoming_number", "archived",
    "reject_reason", "source_package", "verification", "verify_status", "letterhead", "signatories", "created_at",
    "updated_at", "incoming_at", "channel", "sender_kind", "sender_id", "sender_number", "sender_date",
    "tracking_id", "citizen_channel", "sender_mobile", "sender_postal_code", "sender_address",
)  # fmt: skip
_RECIPIENT_COLUMNS = (
    "letter_guid", "position", "role", "agency", "unit", "person", "name", "ack_state", "ack_at", "ack_number",
)  # fmt: skip
_LETTERS_INSERT = f"INSERT INTO letters ({', '.join(_LETTER_COLUMNS)}) VALUES ({', '.join('?' * len(_LETTER_COLUMNS))})"
_RECIPIENTS_INSERT = (
    f"INSERT INTO recipients ({', '.join(_RECIPIENT_COLUMNS)}) VALUES ({', '.join('?' * len(_RECIPIENT_COLUMNS))})"
)
assert set(_LETTER_COLUMNS) == set(Letter.__table__.c.keys()) and set(_RECIPIENT_COLUMNS) | {"id"} == set(
    Recipient.__table__.c.keys()
), "sample.py no longer matches the tables"


def _ts(value: dt.datetime | None) -> str | None:
    """A datetime as ``UTCDateTime`` stores it on SQLite: naive UTC text with microseconds."""
    return None if value is None else value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


_letter_values = operator.itemgetter(*_LETTER_COLUMNS)
_recipient_values = operator.itemgetter(*_RECIPIENT_COLUMNS)


def fill_sample_letters(
    store: Store,
    n: int,
    *,
    seed: int = 1405,
    now: dt.datetime | None = None,
    batch: int = 20_000,
    progress: Callable[[int, int], None] | None = None,
) -> SampleResult:
    """Insert ``n`` realistic letters (with recipients and search index) into ``store``."""
    started = time.perf_counter()
    rng = random.Random(seed)
    now = now or dt.datetime.now(dt.UTC)
    pick_kind = _picker(rng, KIND_WEIGHTS)
    pick_state = {k: _picker(rng, w) for k, w in STATE_WEIGHTS.items()}
    pick_priority = _picker(rng, PRIORITY_WEIGHTS)
    pick_class = _picker(rng, CLASSIFICATION_WEIGHTS)
    people = [f"{t} {f} {last}" for t, f in FIRST_NAMES for last in LAST_NAMES]
    _own_name, own_id = OWN_AGENCY
    n_recipients = 0

    # Placeholder values, computed only for the placeholders a template has.
    values: dict[str, Callable[[dt.datetime, int], str]] = {
        "system": lambda _w, _y: rng.choice(SYSTEMS),
        "season": lambda _w, _y: rng.choice(SEASONS),
        "year": lambda _w, y: to_persian_digits(y - rng.randrange(2)),
        "topic": lambda _w, _y: rng.choice(TOPICS),
        "date": lambda w, _y: _jalali_text(w - dt.timedelta(days=rng.randrange(1, 40))),
        "project": lambda _w, _y: rng.choice(PROJECTS),
        "n": lambda _w, _y: to_persian_digits(rng.randrange(100, 9999)),
        "contract": lambda _w, y: to_persian_digits(f"{y - 1}/{rng.randrange(10, 999)}"),
        "person": lambda _w, _y: rng.choice(people),
        "road": lambda _w, _y: rng.choice(ROADS),
        "unit": lambda _w, _y: rng.choice(OWN_UNITS),
        "agency_kind": lambda _w, _y: rng.choice(("وزارت", "سازمان", "اداره کل", "دستگاه")),
        "pct": lambda _w, _y: to_persian_digits(rng.randrange(5, 100)),
        "amount": lambda _w, _y: to_persian_digits(rng.randrange(2, 450)),
    }

    def fill(template: str, when: dt.datetime) -> tuple[str, str]:
        """The template filled in, and its normalized form (for the search index)."""
        year = _jalali_year(when)
        out: list[str] = []
        norm: list[str] = []
        for literal, field in _parsed(template):
            out.append(literal)
            norm.append(_norm_inner(literal))
            if field is not None:
                value = values[field](when, year)
                out.append(value)
                norm.append(_norm_inner(value))
        return "".join(out), _norm_joined(norm)

    with store.engine.begin() as conn:
        sequences = _next_sequences(conn)
    done = 0
    while done < n:
        count = min(batch, n - done)
        letter_rows: list[dict[str, object]] = []
        recipient_rows: list[dict[str, object]] = []
        fts_parts: list[tuple[str, str, str, str, str]] = []  # guid, subject, body, parties, shams
        for _ in range(count):
            kind = pick_kind()
            state = pick_state[kind]()
            guid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            created = _work_moment(rng, now, 730)
            updated = _office_after(rng, created, 6, now)
            subject, subject_norm = fill(rng.choice(SUBJECTS), created)
            opening, closing = rng.choice(OPENINGS), rng.choice(CLOSINGS)
            filled = [fill(p, created) for p in rng.sample(PARAGRAPHS, rng.randrange(2, 4))]
            body = "\n\n".join([opening, *(t for t, _ in filled), closing])
            body_norm = " ".join([_norm(opening), *(nt for _, nt in filled), _norm(closing)])

            own_unit = rng.choice(OWN_UNITS)
            own_person = rng.choice(people)
            agency_name, agency_id = rng.choice(AGENCIES)
            their_unit = rng.choice(THEIR_UNITS)
            if kind == "incoming":
                sender = (agency_id, their_unit, rng.choice(people), f"{their_unit}، {agency_name}")
                rcpts = [("to", own_id, own_unit, own_person, f"{own_person}، {own_unit}")]
            else:
                sender = (own_id, own_unit, own_person, f"{own_person}، {own_unit}")
                if kind == "internal":
                    other_unit = rng.choice([u for u in OWN_UNITS if u != own_unit])
                    other = rng.choice(people)
                    rcpts = [("to", own_id, other_unit, other, f"{other}، {other_unit}")]
                else:
                    rcpts = [("to", agency_id, their_unit, "", f"{their_unit}، {agency_name}")]
                for _ in range(rng.choices((0, 1, 2), (60, 30, 10))[0]):
                    cc_name, cc_id = rng.choice(AGENCIES)
                    cc_unit = rng.choice(THEIR_UNITS)
                    rcpts.append(("cc", cc_id, cc_unit, "", f"{cc_unit}، {cc_name}"))

            shams: str | None = None
            registered: dt.datetime | None = None
            incoming_number: str | None = None
            if state in NUMBERED or (kind == "incoming" and rng.random() < 0.9):
                registered = _office_after(rng, created, 1, updated + dt.timedelta(seconds=1))
                origin = agency_id if kind == "incoming" else own_id
                domain = "I" if kind == "internal" else "O"
                key = (origin, domain, _jalali_year(registered))
                sequences[key] = sequences.get(key, 0) + 1
                shams = f"{origin}-{domain}-{key[2]}-{sequences[key]}"
            if kind == "incoming" and state == "registered_incoming":
                incoming_number = f"{_jalali_year(updated)}-{rng.randrange(1, 99999)}"
                registered = registered or updated
            elif kind == "incoming":
                registered = None  # not yet registered at our secretariat

            letter_rows.append(
                {
                    "guid": guid, "kind": kind, "state": state, "subject": subject, "body": body,
                    "sender_agency": sender[0], "sender_unit": sender[1], "sender_person": sender[2],
                    "sender_name": sender[3], "priority": pick_priority(), "classification": pick_class(),
                    "in_reply_to": None, "in_reply_to_shams": "", "follow_up_of": None,
                    "follow_up_of_shams": "", "shams": shams, "registered_at": _ts(registered),
                    "verify_code": None, "incoming_number": incoming_number, "archived": int(state in FINAL and rng.random() < 0.15),
                    "reject_reason": rng.choice(REJECT_REASONS) if state == "rejected" else None,
                    "source_package": None, "verification": None, "verify_status": None, "letterhead": "", "signatories": "[]",
                    "created_at": _ts(created), "updated_at": _ts(updated),
                    "incoming_at": _ts(updated) if incoming_number else None, "channel": None, "sender_kind": None,
                    "sender_id": None, "sender_number": None, "sender_date": None, "tracking_id": None,
                    "citizen_channel": None, "sender_mobile": None, "sender_postal_code": None, "sender_address": None,
                }
            )  # fmt: skip
            for pos, (role, agency, unit, person, name) in enumerate(rcpts):
                recipient_rows.append(
                    {
                        "letter_guid": guid, "position": pos, "role": role, "agency": agency,
                        "unit": unit, "person": person, "name": name,
                        "ack_state": "registered" if state == "acknowledged" else None,
                        "ack_at": _ts(updated) if state == "acknowledged" else None, "ack_number": None,
                    }
                )  # fmt: skip
            parties = [sender[3], *(" ".join((name, unit, person)) for _, _, unit, person, name in rcpts)]
            fts_parts.append(
                (
                    guid,
                    subject_norm,
                    body_norm,
                    " ".join(_norm(p) for p in parties if p),
                    (shams or "").lower(),  # ASCII: what normalize() would give, without the cost
                )
            )
        # One transaction per batch: the write lock is released between batches (a running
        # app can still save), and a batch is all-or-nothing with its index rows.
        with store.engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA cache_size=-262144")
            before = conn.execute(text("SELECT coalesce(max(rowid), 0) FROM letters")).scalar_one()
            conn.exec_driver_sql(_LETTERS_INSERT, list(map(_letter_values, letter_rows)))
            conn.exec_driver_sql(_RECIPIENTS_INSERT, list(map(_recipient_values, recipient_rows)))
            rowids = {g: r for g, r in conn.execute(text("SELECT guid, rowid FROM letters WHERE rowid > :b"), {"b": before})}
            conn.exec_driver_sql(
                "INSERT INTO letters_fts(rowid, subject, body, parties, shams) VALUES (?, ?, ?, ?, ?)",
                [(rowids[g], s, b, p, sh) for g, s, b, p, sh in fts_parts],
            )
        done += count
        n_recipients += len(recipient_rows)
        if progress is not None:
            progress(done, n)
    return SampleResult(n, n_recipients, time.perf_counter() - started)


if __name__ == "__main__":  # python -m devkit.sample_letters DATA_DIR [N]
    import sys
    from pathlib import Path

    from app.models.db import open_store

    target = open_store(Path(sys.argv[1]))
    result = fill_sample_letters(target, int(sys.argv[2]) if len(sys.argv) > 2 else 1000)
    print(f"{result.letters} letters, {result.recipients} recipients in {result.seconds:.1f} s")
    target.close()
