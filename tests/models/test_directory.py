"""Searching the synced directory for recipients and signatories (Persian-normalized, limited)."""

from __future__ import annotations

from app.models.db import Store
from app.models.directory import search_directory
from tests.models.directory_seed import MINISTRY, OWN_AGENCY, seed_directory

REZAEI = "علی رضایی، مدیرکل دفتر فناوری اطلاعات، وزارت علوم، تحقیقات و فناوری"


def test_directory_search_is_normalized_and_limited(store: Store) -> None:
    seed_directory(store)
    assert [e.name for e in search_directory(store, "علي")] == [REZAEI]
    assert [e.person for e in search_directory(store, "كاظم")] == ["yazdi"]  # Arabic ك
    assert search_directory(store, "%") == []  # LIKE wildcards are literal
    assert search_directory(store, "   ") == []
    units = search_directory(store, "فناوری", kinds=("unit",))
    assert [(e.kind, e.agency, e.unit) for e in units] == [("unit", MINISTRY, "it")]
    people = search_directory(store, "ی", kinds=("person",), limit=2)
    assert len(people) == 2 and all(e.kind == "person" for e in people)
    # Prefix matches come first: «وزارت …» starts with the query, the unit only contains it.
    first = search_directory(store, "وزارت")[0]
    assert (first.kind, first.agency) == ("agency", MINISTRY)


def test_the_signatory_picker_offers_only_the_agencys_signatories(store: Store) -> None:
    seed_directory(store)
    found = search_directory(store, "ی", signatories_of=OWN_AGENCY)  # «ی» is in every seeded name
    assert [(e.person, e.name, e.national_code) for e in found] == [
        ("karimi", "مریم کریمی، مدیرکل دبیرخانه، دبیرخانه مرکزی", "0067749828")]  # by name and title
    assert search_directory(store, "رضایی", signatories_of=OWN_AGENCY) == []  # another agency's
    assert search_directory(store, "رحیمی", signatories_of=OWN_AGENCY) == []  # no signatory role
    assert [e.person for e in search_directory(store, "رحیمی")] == ["rahimi"]  # a recipient all the same


def test_migration_0008_reads_the_directory_again_for_the_signatory_role(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from app.models.db import SCHEMA_HEAD, Store, make_engine, migrate, schema_version

    engine = make_engine(tmp_path / "dabir.sqlite3")
    migrate(engine, "0006")
    with engine.begin() as conn:  # a profile that synced the directory before people had a role
        conn.execute(text("INSERT INTO agencies (national_id, name, name_norm) VALUES ('14000123453', 'الف', 'الف')"))
        conn.execute(text("INSERT INTO people (agency, username, name, name_norm, title) "
                          "VALUES ('14000123453', 'a.signatory', 'مدیرکل', 'مدیرکل', '')"))
        conn.execute(text("INSERT INTO settings (key, value) VALUES ('cursor:directory', '{\"cursor\": 42}')"))
    engine.dispose()
    store = Store(tmp_path)  # upgrades to head
    assert schema_version(store.engine) == SCHEMA_HEAD
    with store.reader() as s:
        assert s.execute(text("SELECT signatory FROM people")).scalar_one() == 0  # until the directory says so
        assert s.execute(text("SELECT count(*) FROM settings WHERE key = 'cursor:directory'")).scalar_one() == 0
    store.close()


def test_an_inactive_person_is_offered_by_no_picker_but_keeps_their_name(store: Store) -> None:
    """A deactivated colleague (or a channel account's user, which never logs in) comes with the
    directory marked inactive: no recipient, signatory or referral picker offers them, and the
    referrals they took part in still show their name."""
    from app.models.referrals import colleagues
    from app.sync.engine import apply_directory

    person = {"agency": OWN_AGENCY, "username": "channel.pishkhan.x", "display_name": "دفتر پیشخوان ۱۲۳",
              "signatory": True, "active": False}
    with store.session() as s:
        apply_directory(s, {"agencies": [{"national_id": OWN_AGENCY, "name": "دبیرخانه مرکزی"}],
                            "people": [person, {**person, "username": "b.staff", "display_name": "کارشناس پیشخوان",
                                                "active": True}]})
    assert [e.person for e in search_directory(store, "پیشخوان")] == ["b.staff"]
    assert [e.person for e in search_directory(store, "پیشخوان", signatories_of=OWN_AGENCY)] == ["b.staff"]
    assert [c.username for c in colleagues(store, OWN_AGENCY, "b.secretary")] == ["b.staff"]
    with store.session() as s:
        apply_directory(s, {"people": [{**person, "active": True}]})  # active again
    assert {c.username for c in colleagues(store, OWN_AGENCY, "b.secretary")} == {"b.staff", "channel.pishkhan.x"}


def test_migration_0016_keeps_people_active_and_reads_the_directory_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from app.models.db import Store, make_engine, migrate

    engine = make_engine(tmp_path / "dabir.sqlite3")
    migrate(engine, "0015")
    with engine.begin() as conn:  # a profile that synced the directory before people had the flag
        conn.execute(text("INSERT INTO agencies (national_id, name, name_norm) VALUES ('14000123453', 'الف', 'الف')"))
        conn.execute(text("INSERT INTO people (agency, username, name, name_norm, title) "
                          "VALUES ('14000123453', 'a.staff', 'کارشناس', 'کارشناس', '')"))
        conn.execute(text("INSERT INTO settings (key, value) VALUES ('cursor:directory', '{\"cursor\": 42}')"))
    engine.dispose()
    store = Store(tmp_path)
    with store.reader() as s:
        assert s.execute(text("SELECT active FROM people")).scalar_one() == 1  # until the directory says otherwise
        assert s.execute(text("SELECT count(*) FROM settings WHERE key = 'cursor:directory'")).scalar_one() == 0
    store.close()
