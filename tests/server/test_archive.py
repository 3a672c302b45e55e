"""The archive (بایگانی) on the real server: an agency's folder tree and the letters filed in it,
changed only by its secretaries (and administrators), unseen by other agencies, every change
audited, bad input refused with a 4xx and its reason, a retried filing stored once."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest

from app.sync.api import DabirApi
from devkit.letters import BulkSigner, make_package
from tests.server.conftest import Env, all_pages, refusal


def _number() -> str:
    """A file number no other test (nor the demo seed) uses."""
    return f"۱۴۰۵/{uuid.uuid4().hex[:8]}"


def _folder(api: DabirApi, title: str = "پرونده قراردادها", parent: str | None = None, **extra: Any) -> dict[str, Any]:
    return api.create_folder({"id": str(uuid.uuid4()), "parent": parent, "title": title,
                              "file_number": _number(), **extra})




def _tree_file_and_unfile(env: Env) -> None:
    pkg = env.received_letter()
    with env.client("b.secretary") as sec, env.client("b.staff") as staff, env.client("b.admin") as admin:
        start = staff.archive_folders()["cursor"]
        top = _folder(sec, "امور حقوقی")
        case = _folder(sec, "پرونده دعوی شرکت نمونه", parent=top["id"])
        subject = _folder(admin, "مکاتبات بودجه")  # an administrator manages the tree too
        # every role reads the tree by cursor (a staff member's client keeps a copy too)
        seen = {f["id"]: f for f in all_pages(staff.archive_folders, start)}
        assert seen[case["id"]]["parent"] == top["id"] and seen[case["id"]]["title"] == "پرونده دعوی شرکت نمونه"
        assert set(seen) == {top["id"], case["id"], subject["id"]}
        # rename and move: the folder comes again in the feed, after its new cursor
        cursor = staff.archive_folders(start, 500)["cursor"]
        moved = sec.update_folder(case["id"], {"parent": subject["id"], "title": "دعوی شرکت نمونه"})
        assert moved["parent"] == subject["id"] and moved["cursor"] > cursor
        assert [f["id"] for f in all_pages(staff.archive_folders, cursor)] == [case["id"]]
        assert sec.update_folder(case["id"], {"parent": None})["parent"] is None  # to the top
        # one letter in two folders (the case file and the subject file)
        f_start = staff.archive_filings()["cursor"]
        filed = sec.file_letter(case["id"], pkg.guid, idempotency_key=f"file:{uuid.uuid4()}")
        assert filed["filed"] and filed["filed_by"] == "b.secretary"
        sec.file_letter(subject["id"], pkg.guid, idempotency_key=f"file:{uuid.uuid4()}")
        out = sec.unfile_letter(case["id"], pkg.guid, "به پرونده دیگری مربوط است.", idempotency_key="u1")
        assert not out["filed"] and out["unfiled_by"] == "b.secretary" and out["reason"] == "به پرونده دیگری مربوط است."
        feed = [(i["folder"], i["filed"]) for i in all_pages(staff.archive_filings, f_start)]
        assert feed == [(subject["id"], True), (case["id"], False)]
        # filed again after being taken out: the same row comes back, filed
        again = sec.file_letter(case["id"], pkg.guid, idempotency_key="f-again")
        assert again["filed"] and again["unfiled_by"] is None
        # who did what, and why, is in the agency's audit log
        events = admin.audit_events(limit=50)["items"]
        codes = [e["code"] for e in events if e["guid"] in (pkg.guid, case["id"])]
        assert {"archive_filed", "archive_unfiled", "archive_folder_added", "archive_folder_changed"} <= set(codes)
        unfiled = next(e for e in events if e["code"] == "archive_unfiled" and e["guid"] == pkg.guid)
        assert unfiled["username"] == "b.secretary" and "به پرونده دیگری مربوط است." in unfiled["detail"]


@pytest.mark.server
def test_tree_filing_and_unfiling_sqlite(env: Env) -> None:
    _tree_file_and_unfile(env)


@pytest.mark.server
@pytest.mark.postgres
def test_tree_filing_and_unfiling_postgres(pg_env: Env) -> None:
    _tree_file_and_unfile(pg_env)


def _authorization(env: Env) -> None:
    pkg = env.received_letter()
    with env.client("b.secretary") as sec, env.client("a.secretary") as a_sec, env.client("b.staff") as staff, \
            env.client("b.signatory") as boss:
        folder = _folder(sec)
        # another agency: neither B's folders nor B's letters exist for it
        assert folder["id"] not in {f["id"] for f in all_pages(a_sec.archive_folders)}
        assert refusal(lambda: a_sec.file_letter(folder["id"], pkg.guid, idempotency_key="x1")) == (404, "unknown_folder")
        assert refusal(lambda: a_sec.update_folder(folder["id"], {"title": "ربوده"}))[0] == 404
        assert refusal(lambda: _folder(a_sec, parent=folder["id"])) == (404, "unknown_folder")
        assert refusal(lambda: a_sec.unfile_letter(folder["id"], pkg.guid, "x", idempotency_key="x2"))[0] == 404
        a_folder = _folder(a_sec)
        assert refusal(lambda: sec.file_letter(a_folder["id"], pkg.guid, idempotency_key="x3"))[0] == 404
        [a_own] = BulkSigner(env.signer_a).sign_packages([make_package(env.nid_a, [env.nid_a])])
        a_own.receipts = [a_sec.register(a_own)["receipt"]]  # A's letter, never sent to B
        assert refusal(lambda: sec.file_letter(folder["id"], a_own.guid, idempotency_key="x4")) == (
            404, "unknown_letter")
        # A files its own outgoing letter that B received: each agency its own archive
        a_sec.file_letter(a_folder["id"], pkg.guid, idempotency_key=f"a:{uuid.uuid4()}")
        assert pkg.guid not in {i["letter_guid"] for i in all_pages(sec.archive_filings)}
        # staff and signatories read the tree but change nothing
        for other in (staff, boss):
            assert refusal(lambda o=other: _folder(o)) == (403, "forbidden")
            assert refusal(lambda o=other: o.update_folder(folder["id"], {"title": "تازه"})) == (403, "forbidden")
            assert refusal(lambda o=other: o.file_letter(folder["id"], pkg.guid, idempotency_key="s1")) == (
                403, "forbidden")
            assert refusal(lambda o=other: o.unfile_letter(folder["id"], pkg.guid, "x", idempotency_key="s2")) == (
                403, "forbidden")
            assert folder["id"] in {f["id"] for f in all_pages(other.archive_folders)}


@pytest.mark.server
def test_only_the_agency_and_only_its_secretaries_sqlite(env: Env) -> None:
    _authorization(env)


@pytest.mark.server
@pytest.mark.postgres
def test_only_the_agency_and_only_its_secretaries_postgres(pg_env: Env) -> None:
    _authorization(pg_env)


@pytest.mark.server
def test_a_retried_filing_is_stored_once(env: Env) -> None:
    pkg = env.received_letter()
    with env.client("b.secretary") as sec:
        folder = _folder(sec)
        start = sec.archive_filings()["cursor"]
        raw = orjson.dumps({"letter_guid": pkg.guid})
        path = f"/archive/folders/{folder['id']}/letters"
        first = sec.raw_post(path, raw, idempotency_key="same-filing")
        again = sec.raw_post(path, raw, idempotency_key="same-filing")
        assert first.status_code == again.status_code == 201
        assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == first.json()
        # the same filing from another computer (another key): still one filing, unchanged
        assert sec.file_letter(folder["id"], pkg.guid, idempotency_key="other-key")["cursor"] == first.json()["cursor"]
        assert [i["letter_guid"] for i in all_pages(sec.archive_filings, start)] == [pkg.guid]
        # a folder created twice (a retry after a lost answer) is one folder
        body = {"id": str(uuid.uuid4()), "parent": None, "title": "پرونده تکراری", "file_number": _number()}
        assert sec.create_folder(body, idempotency_key="c1") == sec.create_folder(body, idempotency_key="c2")
        assert refusal(lambda: sec.create_folder({**body, "title": "دیگر"}, idempotency_key="c3")) == (
            409, "folder_id_conflict")


@pytest.mark.server
def test_bad_archive_input_is_refused_with_4xx(env: Env) -> None:
    pkg = env.received_letter()
    with env.client("b.secretary") as sec:
        top = _folder(sec)
        child = _folder(sec, parent=top["id"])
        grandchild = _folder(sec, parent=child["id"])
        cases: list[tuple[Any, tuple[int, str]]] = [
            (lambda: _folder(sec, title="   "), (422, "title_required")),
            (lambda: sec.create_folder({"id": str(uuid.uuid4()), "parent": None, "title": "ب", "file_number": " "}),
             (422, "file_number_required")),
            # the same file number written with Latin digits and spaces is the same file number
            (lambda: _folder(sec, file_number=top["file_number"].replace("۱۴۰۵/", "1405 / ")),
             (409, "duplicate_file_number")),
            (lambda: sec.update_folder(child["id"], {"file_number": top["file_number"]}), (409, "duplicate_file_number")),
            (lambda: sec.update_folder(top["id"], {"parent": grandchild["id"]}), (422, "folder_cycle")),
            (lambda: sec.update_folder(top["id"], {"parent": top["id"]}), (422, "folder_cycle")),
            (lambda: sec.update_folder(top["id"], {"title": ""}), (422, "title_required")),
            (lambda: sec.update_folder(str(uuid.uuid4()), {"title": "الف"}), (404, "unknown_folder")),
            (lambda: _folder(sec, parent=str(uuid.uuid4())), (404, "unknown_folder")),
            (lambda: sec.file_letter(top["id"], str(uuid.uuid4()), idempotency_key="b1"), (404, "unknown_letter")),
            (lambda: sec.unfile_letter(top["id"], pkg.guid, "علت", idempotency_key="b2"), (409, "not_filed")),
            (lambda: _folder(sec, title="ع" * 201), (422, "validation_error")),
            (lambda: _folder(sec, title="\x00"), (422, "validation_error")),
            (lambda: sec.create_folder({"id": "not-a-guid", "parent": None, "title": "ع", "file_number": "۱"}),
             (422, "validation_error")),
        ]
        for call, expected in cases:
            status, code = refusal(call)
            assert status == expected[0] and (code == expected[1] or expected[1] == "validation_error"), (status, code)
        sec.file_letter(top["id"], pkg.guid, idempotency_key=f"b3:{uuid.uuid4()}")
        assert refusal(lambda: sec.unfile_letter(top["id"], pkg.guid, "  ", idempotency_key="b4")) == (
            422, "reason_required")
        for path in (f"/archive/folders/{top['id']}/letters", "/archive/folders/not-a-guid/letters"):
            resp = sec.raw_post(path, b'{"letter_guid": "x"}', idempotency_key="b5")
            assert resp.status_code == 422
        for after, limit in ((2**63, 10), (-1, 10), (0, 0), (0, 501)):
            assert refusal(lambda a=after, n=limit: sec.archive_folders(a, n))[0] == 422
        # the refusal of a write is itself in the audit log
    with env.client("b.admin") as admin:
        refused = [e for e in admin.audit_events(limit=100)["items"] if e["outcome"] == "refused"
                   and e["action"] == "archive_unfile"]
        assert refused and refused[0]["username"] == "b.secretary", [
            (e["action"], e["code"]) for e in admin.audit_events(limit=100)["items"]]


@pytest.mark.server
def test_the_demo_agencies_come_with_an_archive_tree(env: Env) -> None:
    for username in ("a.staff", "b.staff"):
        with env.client(username) as api:
            folders = {f["file_number"]: f for f in all_pages(api.archive_folders)}
        assert folders["۱۴۰۵/ح"]["title"] == "امور حقوقی"
        assert folders["۱۴۰۵/ح/۱"]["parent"] == folders["۱۴۰۵/ح"]["id"]
        assert folders["۱۴۰۵/الف/۱"]["title"] == "قراردادها"


def _upgrade_with_data(url: str) -> None:
    """A server database at 0005 with an agency and a letter upgrades to the archive and keeps them."""
    import datetime as dt

    from alembic import command
    from sqlalchemy import create_engine, text

    from server.migrate import alembic_config, upgrade

    command.upgrade(alembic_config(url), "0005")
    engine = create_engine(url)
    try:
        now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO agencies (national_id, name, active, change_seq, created_at)"
                              " VALUES ('14000999990', 'سازمان پیشین', true, 1, :t)"), {"t": now})
        upgrade(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM agencies WHERE national_id = '14000999990'")).scalar_one() == (
                "سازمان پیشین")
            assert conn.execute(text("SELECT count(*) FROM archive_folders")).scalar_one() == 0
            assert conn.execute(text("SELECT count(*) FROM archive_filings")).scalar_one() == 0
    finally:
        engine.dispose()


def test_a_database_at_0005_upgrades_with_its_rows_sqlite(tmp_path: Path) -> None:
    _upgrade_with_data(f"sqlite:///{tmp_path / 'server.sqlite3'}")


@pytest.mark.postgres
def test_a_database_at_0005_upgrades_with_its_rows_postgres() -> None:
    from tests.server.conftest import fresh_pg_database

    with fresh_pg_database("archive") as url:
        _upgrade_with_data(url)
