"""Scale-out: two dabir-server processes on different ports share one PostgreSQL database and one
S3 store (a moto server process) and serve the same agencies as one — a session opened on one
works on the other, an upload started on one is finished on the other, a letter registered on one
is sent and delivered through the other, and SHAMS stay gap-free under concurrent registrations
on both."""

from __future__ import annotations

import hashlib
import json
import ssl
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from app.protocol.canonical import build_content
from app.protocol.documents import document_address
from app.protocol.package import LetterPackage
from app.protocol.shams import Shams
from app.sync.api import DabirApi
from app.sync.documents import UploadState, download_document, upload_document
from devkit.letters import BulkSigner, SoftSigner, make_package, make_signer, sign
from devkit.pki import TestPKI
from devkit.s3_process import S3Process
from devkit.sample_documents import big_zip
from devkit.server_process import DEMO_PASSWORD, ServerProcess
from tests.server.conftest import demo_nids, fresh_pg_database

CHUNK = 5 * 1024 * 1024
PER_SERVER, THREADS = 12, 3


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, ServerProcess, SoftSigner]]:
    work = tmp_path_factory.mktemp("scaleout")
    s3 = S3Process(work / "s3")
    servers: list[ServerProcess] = []
    with fresh_pg_database("docs_scaleout") as url:
        try:
            s3.start()
            pki = TestPKI(name="Dabir Scale-out Test")
            shared = {**s3.server_env(), "DABIR_SERVER_DOCUMENT_CHUNK_BYTES": str(CHUNK)}
            one = ServerProcess(work / "one", pki, database_url=url, env_extra=shared)
            servers.append(one)
            one.setup()
            # the second server signs receipts with the same key (every server of a deployment does)
            receipt = one.data_dir / "receipt"
            two = ServerProcess(work / "two", pki, database_url=url, env_extra={
                **shared, "DABIR_SERVER_RECEIPT_CERT": str(receipt / "cert.pem"),
                "DABIR_SERVER_RECEIPT_KEY": str(receipt / "key.pem"),
                "DABIR_SERVER_FORWARDED_ALLOW_IPS": "127.0.0.1"})  # as if behind a proxy on this host
            servers.append(two)
            two.setup()
            one.start()
            two.start()
            signer = make_signer(pki, "Signatory A", "0010203044")
            with DabirApi(one.base_url, one.ca_bundle) as admin:
                admin.login("a.admin", DEMO_PASSWORD)
                admin.add_signatory_certificate("a.signatory", signer.cert_pem)
            yield one, two, signer
        finally:
            for server in servers:
                server.stop()
            s3.stop()


def _on(server: ServerProcess, token: str) -> DabirApi:
    """A client of ``server`` with a session opened on any server of the deployment."""
    api = DabirApi(server.base_url, server.ca_bundle)
    api.token = token
    return api


@pytest.mark.server
@pytest.mark.postgres
@pytest.mark.slow
def test_two_servers_serve_as_one(pair: tuple[ServerProcess, ServerProcess, SoftSigner], tmp_path: Path) -> None:
    one, two, signer = pair
    assert one.port != two.port
    nid_a, nid_b = demo_nids(one)
    with DabirApi(one.base_url, one.ca_bundle) as login_a, DabirApi(two.base_url, two.ca_bundle) as login_b:
        token_a = login_a.login("a.secretary", DEMO_PASSWORD)["token"]
        token_b = login_b.login("b.secretary", DEMO_PASSWORD)["token"]
    a1, a2, b1, b2 = _on(one, token_a), _on(two, token_a), _on(one, token_b), _on(two, token_b)

    # an upload started on one server (its first chunk) is finished on the other
    path = big_zip(tmp_path / "big.zip", 2 * CHUNK + 777)
    data, sha = path.read_bytes(), hashlib.sha256(path.read_bytes()).hexdigest()
    up = a1.create_upload(name="big.zip", size=len(data), media_type="application/zip", sha256=sha)
    a1.put_upload_chunk(up["upload_id"], 0, CHUNK, len(data), iter([data[:CHUNK]]))
    seen: list[int] = []
    done = upload_document(a2, path, name="big.zip", media_type="application/zip", sha256=sha, size=len(data),
                           state=UploadState(up["upload_id"], CHUNK), on_progress=lambda d, t: seen.append(d))
    assert seen[0] == CHUNK and done["sha256"] == sha

    # registered on one, sent through the other, delivered to B through either, its attachment read on one
    content = build_content(guid=str(uuid.uuid4()), kind="outgoing", subject="نامه دو کارگزار", body="متن",
                            sender={"agency": nid_a, "unit": "secretariat"}, recipients=[{"agency": nid_b}],
                            attachments=[{"address": document_address(one.base_url, sha), "sha256": sha,
                                          "size": len(data), "media_type": "application/zip", "name": "big.zip"}])
    letter = sign(LetterPackage(content=content), signer)
    registered = a1.register(letter)
    letter.receipts = [registered["receipt"]]
    assert a2.send(letter)["status"] == "sent"
    assert letter.guid in [item["guid"] for item in b2.inbox()["items"]]
    got = download_document(b1, document_address(two.base_url, sha), tmp_path / "got.zip", sha256=sha, size=len(data))
    assert got.read_bytes() == data

    # SHAMS stay gap-free with registrations running on both servers at once
    packages = BulkSigner(signer).sign_packages([make_package(nid_a, [nid_b]) for _ in range(2 * PER_SERVER)])
    clients = [a1, a2] * PER_SERVER
    with ThreadPoolExecutor(2 * THREADS) as pool:
        numbers = list(pool.map(lambda job: job[0].register(job[1])["shams"], zip(clients, packages, strict=True)))
    sequences = sorted([Shams.parse(n).sequence for n in numbers] + [Shams.parse(registered["shams"]).sequence])
    assert sequences == list(range(sequences[0], sequences[0] + len(sequences)))
    for api in (a1, a2, b1, b2):
        api.close()


@pytest.mark.server
@pytest.mark.postgres
def test_a_server_behind_a_trusted_proxy_sees_the_client_address(
        pair: tuple[ServerProcess, ServerProcess, SoftSigner]) -> None:
    """``forwarded_allow_ips``: X-Forwarded-For from a trusted proxy names the client (per-IP limits and
    the audit log see it); without the setting the header is ignored (a client cannot pick its address)."""
    one, two, _signer = pair

    def health_ips(server: ServerProcess) -> list[str]:
        return [json.loads(x)["ip"] for x in server.access_log().splitlines()
                if x.startswith("{") and json.loads(x)["path"] == "/healthz"]

    logged = {}
    for name, server in (("one", one), ("two", two)):
        before = len(health_ips(server))
        verify = ssl.create_default_context(cafile=str(server.ca_bundle))
        httpx.get(f"{server.base_url}/healthz", headers={"X-Forwarded-For": "203.0.113.7"}, verify=verify)
        deadline = time.monotonic() + 10  # the access log line is written just after the answer
        while len(health_ips(server)) == before and time.monotonic() < deadline:
            time.sleep(0.05)
        logged[name] = health_ips(server)[-1]
    assert logged == {"one": "127.0.0.1", "two": "203.0.113.7"}
