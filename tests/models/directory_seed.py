"""A small directory (agencies, a unit, people) for the tests of pickers and directory search."""

from __future__ import annotations

OWN_AGENCY = "14000123453"  # the sender's agency (a valid national id)


def _nid(first10: str) -> str:
    from app.protocol.persian import national_id_check_digit

    return first10 + national_id_check_digit(first10)


MINISTRY = _nid("1000000001")
ORGANIZATION = _nid("1000000002")


def seed_directory(store) -> None:  # type: ignore[no-untyped-def]
    from app.models.tables import Agency, Person, Unit
    from app.protocol.persian import normalize

    def named(cls, name: str, **kw):  # type: ignore[no-untyped-def]
        return cls(name=name, name_norm=normalize(name), **kw)

    with store.session() as s:
        s.add_all(
            [
                named(Agency, "وزارت علوم، تحقیقات و فناوری", national_id=MINISTRY),
                named(Agency, "سازمان امور اداری و استخدامی کشور", national_id=ORGANIZATION),
                named(Agency, "دبیرخانه مرکزی", national_id=OWN_AGENCY),
            ]
        )
        s.flush()
        s.add_all(
            [
                named(Unit, "دفتر فناوری اطلاعات", agency=MINISTRY, code="it"),
                named(
                    Person,
                    "علی رضایی",
                    agency=MINISTRY,
                    username="rezaei",
                    unit_code="it",
                    title="مدیرکل دفتر فناوری اطلاعات",
                    national_code="0013542419",
                ),
                named(Person, "کاظم یزدی", agency=ORGANIZATION, username="yazdi", title="معاون توسعه مدیریت"),
                named(
                    Person,
                    "مریم کریمی",
                    agency=OWN_AGENCY,
                    username="karimi",
                    title="مدیرکل دبیرخانه",
                    national_code="0067749828",
                    signatory=True,
                ),
                named(Person, "سارا رحیمی", agency=OWN_AGENCY, username="rahimi", title="کارشناس دبیرخانه"),
            ]
        )
