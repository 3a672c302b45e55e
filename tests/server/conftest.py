from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from app.protocol.package import LetterPackage
from app.sync.api import ApiError, DabirApi
from app.sync.documents import UploadState, upload_document
from devkit.letters import BulkSigner, SoftSigner, make_package, make_signer
from devkit.pki import TestPKI
from devkit.server_process import DEMO_PASSWORD, ServerProcess


@dataclass
class Env:
    server: ServerProcess
    pki: TestPKI
    nid_a: str
    nid_b: str
    signer_a: SoftSigner
    signer_b: SoftSigner

    def client(self, username: str | None = None, password: str = DEMO_PASSWORD) -> DabirApi:
        api = DabirApi(self.server.base_url, self.server.ca_bundle)
        if username:
            api.login(username, password)
        return api

    def received_letter(self) -> LetterPackage:
        """A letter A registered and sent to B."""
        [pkg] = BulkSigner(self.signer_a).sign_packages([make_package(self.nid_a, [self.nid_b])])
        with self.client("a.secretary") as a:
            pkg.receipts = [a.register(pkg)["receipt"]]
            a.send(pkg)
        return pkg


def all_pages(feed: Callable[[int, int], dict[str, Any]], after: int = 0) -> list[dict[str, Any]]:
    """Every item of a cursor feed, read two at a time (so paging itself is exercised)."""
    items: list[dict[str, Any]] = []
    while True:
        page = feed(after, 2)
        items += page["items"]
        after = page["cursor"]
        if not page["more"]:
            return items


def events_after(api: DabirApi, after: int, agency: str | None = None) -> list[dict[str, Any]]:
    """Every event of the Rasad feed after ``after``, paged three at a time (so paging is exercised)."""
    out: list[dict[str, Any]] = []
    while True:
        page = api.rasad_events(agency, after=after, limit=3)
        out += page["events"]
        if page["next"] is None:
            return out
        after = page["next"]


def refusal(call: Callable[[], object]) -> tuple[int, str]:
    """The (status, code) the server refuses a call with."""
    with pytest.raises(ApiError) as exc:
        call()
    return exc.value.status, exc.value.code


def upload_text(api: DabirApi, tmp_path: Path, name: str = "notes.txt") -> tuple[str, bytes]:
    """A fresh, unique Persian text document uploaded by ``api``'s user: (SHA-256, bytes)."""
    data = "".join(f"سطر {i}\n" for i in range(500)).encode() + uuid.uuid4().hex.encode()
    path = tmp_path / name
    path.write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    upload_document(api, path, name=name, media_type="text/plain", sha256=sha, size=len(data), state=UploadState())
    return sha, data


@pytest.fixture(scope="session")
def pki() -> TestPKI:
    return TestPKI()


@pytest.fixture(scope="session")
def signers(pki: TestPKI) -> tuple[SoftSigner, SoftSigner]:
    return make_signer(pki, "Signatory A", "0010203044"), make_signer(pki, "Signatory B", "0012345679")


def demo_nids(server: ServerProcess) -> tuple[str, str]:
    agencies = server.demo["agencies"]
    assert isinstance(agencies, list)
    return agencies[0]["national_id"], agencies[1]["national_id"]


def start_env(workdir: Path, pki: TestPKI, signers: tuple[SoftSigner, SoftSigner], database_url: str = "",
              workers: int = 1, **env_extra: str | None) -> Env:
    """A started server with the demo's agencies and both signatories' certificates registered
    (``env_extra``: environment variables, None to leave one unset)."""
    server = ServerProcess(workdir, pki, database_url=database_url, env_extra=dict(env_extra), workers=workers)
    server.setup()
    server.start()
    nid_a, nid_b = demo_nids(server)
    env = Env(server, pki, nid_a, nid_b, *signers)
    for prefix, signer in (("a", signers[0]), ("b", signers[1])):
        with env.client(f"{prefix}.admin") as admin:
            admin.add_signatory_certificate(f"{prefix}.signatory", signer.cert_pem)
    return env


@pytest.fixture(scope="session")
def env(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI, signers: tuple[SoftSigner, SoftSigner]) -> Iterator[Env]:
    e = start_env(tmp_path_factory.mktemp("server-sqlite"), pki, signers)
    try:
        yield e
    finally:
        e.server.stop()


def _pg_url_or_skip() -> str:
    url = os.environ.get("DABIR_TEST_PG_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("DABIR_TEST_PG_URL is not set (run scripts/start-test-postgres.sh); required in CI")
        pytest.skip("DABIR_TEST_PG_URL is not set (run scripts/start-test-postgres.sh)")
    return url


def driver_dsn(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as psycopg takes it."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))


@contextmanager
def fresh_pg_database(prefix: str = "test") -> Iterator[str]:
    """A fresh database on the test cluster (skips without one), dropped afterwards."""
    import psycopg

    url = _pg_url_or_skip()
    parts = urlsplit(url)
    admin_dsn = driver_dsn(url)
    name = f"dabir_{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A fresh database on the test cluster for this session, dropped afterwards."""
    with fresh_pg_database() as url:
        yield url


@pytest.fixture(scope="session")
def pg_env(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI, signers: tuple[SoftSigner, SoftSigner],
           pg_database_url: str) -> Iterator[Env]:
    e = start_env(tmp_path_factory.mktemp("server-pg"), pki, signers, database_url=pg_database_url)
    try:
        yield e
    finally:
        e.server.stop()
