"""``dabir-server demo``: two demo agencies (units, users of every role, an archive tree) and a Rasad
observer, seeded into the database; what exists already is left alone."""

from __future__ import annotations

import argparse
import json
import os
import secrets
from typing import Any

from sqlalchemy import Connection, select

from server.cli_settings import migrated
from server.config import ENV_PREFIX, Settings


def _valid_national_id(prefix10: str) -> str:
    from app.protocol.persian import national_id_check_digit

    return prefix10 + national_id_check_digit(prefix10)


def _valid_national_code(prefix9: str) -> str:
    from app.protocol.persian import national_code_check_digit

    return prefix9 + national_code_check_digit(prefix9)


DEMO_AGENCIES = [
    ("1400012345", "a", "سازمان نمونه الف (وزارت آزمایش)"),
    ("1400067890", "b", "سازمان نمونه ب (اداره کل پایلوت)"),
]
DEMO_UNITS = [("secretariat", "دبیرخانه"), ("office", "دفتر مدیرکل"), ("it", "فناوری اطلاعات")]
DEMO_USERS = [
    ("secretary", "دبیر دبیرخانه", ["secretary"], "secretariat"),
    ("signatory", "مدیرکل (امضاکننده)", ["signatory"], "office"),
    ("staff", "کارشناس", ["staff"], "it"),
    ("admin", "راهبر سازمان", ["agency_admin"], "it"),
    ("manager", "مدیر واحد فناوری اطلاعات", ["staff", "unit_manager"], "it"),
]
# A monitoring body's agency and its Rasad observer account: granted no agency (the operator grants
# with ``dabir-server rasad-grant``), so it sees nothing until then.
DEMO_OBSERVER_AGENCY = ("1400055555", "نهاد ناظر رصد (نمونه)")
DEMO_OBSERVER = ("rasad.observer", "ناظر رصد")
# Each agency's archive tree (title, file number, parent's file number): a new user sees one.
DEMO_ARCHIVE: list[tuple[str, str, str | None]] = [
    ("امور اداری و مالی", "۱۴۰۵/الف", None),
    ("قراردادها", "۱۴۰۵/الف/۱", "۱۴۰۵/الف"),
    ("بودجه و اعتبارات", "۱۴۰۵/الف/۲", "۱۴۰۵/الف"),
    ("امور حقوقی", "۱۴۰۵/ح", None),
    ("دعاوی و شکایات", "۱۴۰۵/ح/۱", "۱۴۰۵/ح"),
    ("مکاتبات با دستگاه‌های دیگر", "۱۴۰۵/م", None),
]
# Each agency's signatory by name and title, as the demo's token certificates name them
# (scripts/demo.py): the directory, the signed letter and the verification page agree.
DEMO_SIGNATORIES = {"a": ("علی رضایی", "مدیرکل دفتر حقوقی"), "b": ("مریم کریمی", "معاون اداری و مالی")}


def demo_observer_agency() -> str:
    """The demo observer agency's national id."""
    return _valid_national_id(DEMO_OBSERVER_AGENCY[0])


def seed_demo(settings: Settings, password: str) -> list[dict[str, Any]]:
    from server.admin import agency_id_of, create_agency, create_unit, create_user
    from server.app import create_context
    from server.archive import seed_tree
    from server.auth import hash_password
    from server.tables.accounts import units, users

    ctx = create_context(settings)
    password_hash = hash_password(password)

    def seed(conn: Connection) -> list[dict[str, Any]]:
        """The demo agencies, units, users and archive trees; what exists already is left alone."""
        out = []
        for n, (prefix, letter, name) in enumerate(DEMO_AGENCIES):
            nid = _valid_national_id(prefix)
            aid = agency_id_of(conn, nid) or create_agency(ctx, conn, nid, name)
            for code, uname in DEMO_UNITS:
                if conn.execute(select(units.c.id).where(units.c.agency_id == aid, units.c.code == code)).first() is None:
                    create_unit(ctx, conn, aid, code, uname)
            seeded = []
            for m, (role_name, display, roles, unit) in enumerate(DEMO_USERS):
                username = f"{letter}.{role_name}"
                national_code = _valid_national_code(f"00{n}1{m}2345")
                title = ""
                if role_name == "signatory" and letter in DEMO_SIGNATORIES:
                    display, title = DEMO_SIGNATORIES[letter]
                if conn.execute(select(users.c.id).where(users.c.username == username)).first() is None:
                    create_user(ctx, conn, aid, username=username, display_name=display, password_hash=password_hash,
                                roles=roles, unit=unit, national_code=national_code, title=title)
                # the demo's signatory certificates carry the same national code
                seeded.append({"username": username, "roles": roles, "national_code": national_code})
            seed_tree(ctx, conn, aid, DEMO_ARCHIVE)
            out.append({"national_id": nid, "name": name, "users": seeded})
        nid = demo_observer_agency()
        aid = agency_id_of(conn, nid) or create_agency(ctx, conn, nid, DEMO_OBSERVER_AGENCY[1])
        if conn.execute(select(users.c.id).where(users.c.username == DEMO_OBSERVER[0])).first() is None:
            create_user(ctx, conn, aid, username=DEMO_OBSERVER[0], display_name=DEMO_OBSERVER[1],
                        password_hash=password_hash, roles=["rasad_observer"])
        return out

    try:
        return ctx.db.write_now(seed)
    finally:
        ctx.db.dispose()


def cmd_demo(args: argparse.Namespace) -> int:
    settings = migrated(args)
    password = args.password or os.environ.get(ENV_PREFIX + "DEMO_PASSWORD") or secrets.token_urlsafe(9)
    agencies = seed_demo(settings, password)
    observer = {"national_id": demo_observer_agency(), "name": DEMO_OBSERVER_AGENCY[1], "username": DEMO_OBSERVER[0]}
    if args.json:
        print(json.dumps({"password": password, "agencies": agencies, "observer": observer}, ensure_ascii=False))
        return 0
    print("Demo agencies seeded. Log in to the Dabir client (or POST /api/v1/auth/login) with:")
    for a in agencies:
        print(f"  {a['name']}  national id {a['national_id']}")
        for u in a["users"]:
            print(f"    {u['username']:<16} roles: {', '.join(u['roles'])}")
    print(f"  {observer['name']}  national id {observer['national_id']}")
    print(f"    {observer['username']:<16} roles: rasad_observer (no agency granted: dabir-server rasad-grant)")
    print(f"  password for every demo user: {password}")
    print("Change these passwords before anyone else can reach this server.")
    return 0
