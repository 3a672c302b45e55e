"""Back up a serving ``dabir-server``, wipe it, restore, serve again: letters, receipts, the SHAMS
counter, idempotency records and documents come back, on SQLite and on PostgreSQL. A damaged
backup, one of a newer schema and a target that is not empty are refused before anything is written;
``--force`` restores over a server that holds data.

The commands are the ones docs/server.md gives the administrator (``dabir-server backup --to``,
``restore --from``), run through the real server's CLI (``ServerProcess.cli``) while the server
itself runs as a subprocess.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.protocol.documents import document_address
from app.protocol.receipt import verify_receipt
from app.sync.documents import download_document
from devkit.letters import BulkSigner, SoftSigner, make_package
from devkit.pki import TestPKI
from devkit.server_process import ServerProcess
from server.backup import _libpq
from tests.server.conftest import Env, driver_dsn, fresh_pg_database, refusal, start_env, upload_text

# as in production, the public address stays when the server restarts (on another port here)
PUBLIC_URL = "https://dabir.example.ir"


def _seq(shams: str) -> int:
    return int(shams.rsplit("-", 1)[1])


def _refused(server: ServerProcess, backup: Path, reason: str) -> None:
    """A non-zero exit with the reason said, not a traceback (that would raise another error here)."""
    with pytest.raises(RuntimeError, match="restore refused") as refused:
        server.cli("restore", "--from", str(backup))
    assert reason in str(refused.value) and "Traceback" not in str(refused.value), refused.value


def _altered_copy(backup: Path, where: Path, change: Callable[[Path], None]) -> Path:
    shutil.copytree(backup, where)
    change(where)
    return where


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))


def _newer_schema(backup: Path) -> None:
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["schema_revision"] = "9999"
    (backup / "manifest.json").write_text(json.dumps(manifest))


def _round_trip(env: Env, tmp_path: Path, wipe_database: Callable[[], None]) -> None:
    server = env.server
    packages = BulkSigner(env.signer_a).sign_packages([make_package(env.nid_a, [env.nid_b]) for _ in range(3)])
    with env.client("a.secretary") as a:
        registered = [a.register(p) for p in packages]
        letters = {p.guid: a.letter(p.guid) for p in packages}
        receipt_cert = a.receipt_certificate()
        sha, data = upload_text(a, tmp_path, "attachment.txt")
    backup = tmp_path / "backup"
    server.cli("backup", "--to", str(backup))  # while the server runs
    server.stop()
    for path in backup.rglob("*"):
        assert path.stat().st_mode & 0o077 == 0, path

    # nothing wiped yet: the database is named first
    _refused(server, backup, "not empty (the database" if server.database_url
             else f"not empty ({server.data_dir / 'dabir.sqlite3'}")
    shutil.rmtree(server.data_dir)
    shutil.rmtree(server.workdir / "trust")
    wipe_database()
    damaged = _altered_copy(backup, tmp_path / "damaged", lambda b: _flip_a_byte(b / "receipt" / "key.pem"))
    _refused(server, damaged, "does not match its SHA-256")
    newer = _altered_copy(backup, tmp_path / "newer", _newer_schema)
    _refused(server, newer, "newer database schema")
    assert not (server.data_dir / "receipt").exists()  # refusals write nothing

    server.cli("restore", "--from", str(backup))
    server.start()
    with env.client("a.secretary") as a:
        assert {p.guid: a.letter(p.guid) for p in packages} == letters
        assert a.receipt_certificate() == receipt_cert
        for r in registered:
            assert verify_receipt(r["receipt"], receipt_cert)
        # the counter continues: the next letter is the last one's successor, no gap and no repeat
        [new] = BulkSigner(env.signer_a).sign_packages([make_package(env.nid_a, [env.nid_b])])
        last = max(registered, key=lambda r: _seq(r["shams"]))["shams"]
        next_shams = f"{last.rsplit('-', 1)[0]}-{_seq(last) + 1}"
        assert a.register(new)["shams"] == next_shams
        # an old Idempotency-Key still answers with the stored receipt
        replay = a.raw_post("/letters", packages[0].to_json_bytes(), idempotency_key=f"register:{packages[0].guid}")
        assert replay.headers.get("Idempotent-Replayed") == "true"
        assert replay.json()["receipt"] == registered[0]["receipt"]
        got = download_document(a, document_address(server.base_url, sha), tmp_path / "back.txt", sha256=sha,
                                size=len(data))
        assert got.read_bytes() == data

    # --force restores over a server that holds data: back to the backup, the later letter gone
    server.stop()
    server.cli("restore", "--from", str(backup), "--force")
    server.start()
    with env.client("a.secretary") as a:
        assert refusal(lambda: a.letter(new.guid)) == (404, "not_found")
        assert {p.guid: a.letter(p.guid) for p in packages} == letters
        [again] = BulkSigner(env.signer_a).sign_packages([make_package(env.nid_a, [env.nid_b])])
        assert a.register(again)["shams"] == next_shams


def test_pg_dump_gets_the_password_in_its_environment_not_on_its_command_line() -> None:
    uri, env = _libpq("postgresql+psycopg://dabir:s%40cret@db.internal:5433/dabir?sslmode=require")
    assert uri == "postgresql://dabir@db.internal:5433/dabir?sslmode=require"
    assert env["PGPASSWORD"] == "s@cret"
    uri, _ = _libpq("postgresql+psycopg://dabir@/dabir?host=/var/run/postgresql")  # peer authentication
    assert uri == "postgresql://dabir@/dabir?host=%2Fvar%2Frun%2Fpostgresql"


@pytest.mark.server
@pytest.mark.slow
def test_sqlite_server_comes_back_from_its_backup(tmp_path: Path, pki: TestPKI,
                                                  signers: tuple[SoftSigner, SoftSigner]) -> None:
    env = start_env(tmp_path / "server", pki, signers, DABIR_SERVER_PUBLIC_URL=PUBLIC_URL)
    try:
        _round_trip(env, tmp_path, wipe_database=lambda: None)  # the database is in the data folder
    finally:
        env.server.stop()


@pytest.mark.server
@pytest.mark.slow
@pytest.mark.postgres
def test_postgresql_server_comes_back_from_its_backup(tmp_path: Path, pki: TestPKI,
                                                      signers: tuple[SoftSigner, SoftSigner]) -> None:
    import psycopg

    with fresh_pg_database("serverpkg") as url:
        name = urlsplit(url).path.lstrip("/")

        def drop_and_create() -> None:
            with psycopg.connect(driver_dsn(os.environ["DABIR_TEST_PG_URL"]), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')

        env = start_env(tmp_path / "server", pki, signers, database_url=url, DABIR_SERVER_PUBLIC_URL=PUBLIC_URL)
        try:
            _round_trip(env, tmp_path, wipe_database=drop_and_create)
        finally:
            env.server.stop()
