"""Shared by the tests that run against the real server: a server with agency A's signatory
registered, logged-in clients, the file keyring the production account code keeps its session
in, and the faulty relay that hands B's engine packages the server would never deliver."""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import keyring
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from app.models.db import Store
from app.protocol.package import LetterPackage
from app.protocol.receipt import format_time, make_receipt
from app.sync import account
from app.sync.api import DabirApi
from app.sync.engine import SyncEngine
from app.token.signing import open_signing_session
from devkit.file_keyring import FileKeyring
from devkit.letters import SoftSigner, make_package, make_signer, sign
from devkit.pki import TestPKI
from devkit.server_process import DEMO_PASSWORD, ServerProcess
from devkit.softhsm import SoftHSM, provision_signing_key


def signing_server(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[ServerProcess]:
    """Start a demo server whose ``signer`` (Signatory A) is registered for agency A; stop it after."""
    pki = TestPKI(name=f"Dabir {name} Test")
    srv = ServerProcess(tmp_path_factory.mktemp(f"{name.lower()}-server"), pki)
    srv.setup()
    srv.start()
    srv.signer = make_signer(pki, "Signatory A", "0010203044")  # type: ignore[attr-defined]
    with DabirApi(srv.base_url, srv.ca_bundle) as admin:
        admin.login("a.admin", DEMO_PASSWORD)
        admin.add_signatory_certificate("a.signatory", srv.signer.cert_pem)  # type: ignore[attr-defined]
    yield srv
    srv.stop()


def started(srv: ServerProcess) -> Iterator[ServerProcess]:
    """A module fixture's body: the server set up and running, stopped after."""
    srv.setup()
    srv.start()
    yield srv
    srv.stop()


def api(server: ServerProcess, username: str) -> DabirApi:
    """A client logged in as ``username``."""
    client = DabirApi(server.base_url, server.ca_bundle)
    client.login(username, DEMO_PASSWORD)
    return client


def unreachable(server: ServerProcess) -> DabirApi:
    """A client of a server that is not there (a port nothing listens on): every call fails as offline."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return DabirApi(f"https://127.0.0.1:{port}", server.ca_bundle, token="x")


def engine_through(wire: Callable[[Any], Any]) -> Callable[[Store, Callable[[str, dict[str, Any]], None]], SyncEngine]:
    """An engine factory for the sync bridge: the production engine (``account.open_engine``)
    whose connection is replaced by ``wire(connection)`` (a faulty relay, a cut cable)."""
    def factory(store: Store, on_event: Callable[[str, dict[str, Any]], None]) -> SyncEngine:
        engine = account.open_engine(store, on_event)
        engine.api = wire(engine.api)
        return engine
    return factory


def file_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Session tokens in a file under ``tmp_path`` (what ``account.login`` writes and
    ``account.open_engine`` reads), the previous keyring restored after."""
    path = tmp_path / "keyring.json"
    monkeypatch.setenv("DABIR_TEST_KEYRING_FILE", str(path))
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    yield path
    keyring.set_keyring(previous)


class InTransit:
    """B's connection to the server, handing the engine what a faulty relay would: one letter's
    content changed on the way, and packages the server itself would never have delivered."""

    def __init__(self, api: Any, tamper: str | None, extra: list[dict[str, Any]]) -> None:
        self.api, self.tamper, self.extra = api, tamper, extra

    def __getattr__(self, name: str) -> Any:
        return getattr(self.api, name)

    def inbox(self, after: int = 0, limit: int = 100) -> dict[str, Any]:
        page = self.api.inbox(after=after, limit=limit)
        for item in page["items"]:
            if item["guid"] == self.tamper:
                item["package"]["content"]["subject"] += " — اصلاح‌شده در میانه راه"
        page["items"] += [{**x, "cursor": page["cursor"]} for x in self.extra]
        self.extra = []
        return page


def crafted(server: ServerProcess, a: dict, b: dict, signer: SoftSigner, subject: str, *,
            changed_after_signing: bool = False) -> dict[str, Any]:
    """An inbox item with a real receipt of this server (its key, as a server with another clock
    or another trust list would have issued it) for a letter the server would refuse today;
    ``changed_after_signing``: its subject was edited after it was signed, before registration."""
    package = sign(make_package(a["national_id"], [{"agency": b["national_id"], "name": b["name"]}], subject=subject),
                   signer)
    if changed_after_signing:
        package.content = {**package.content, "subject": subject + " — اصلاح‌شده پس از امضا"}
    key = serialization.load_pem_private_key((server.data_dir / "receipt" / "key.pem").read_bytes(), None)
    cert = x509.load_pem_x509_certificate((server.data_dir / "receipt" / "cert.pem").read_bytes())
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    shams = f"{a['national_id']}-O-1405-{abs(hash(package.guid)) % 90000 + 10000}"
    receipt = make_receipt(shams=shams, registered_at=now, content_sha256=package.content_sha256(), guid=package.guid,
                           private_key=key, certificate=cert)  # type: ignore[arg-type]
    return {"guid": package.guid, "shams": shams, "channel": "payam", "from_agency": a["national_id"],
            "registered_at": format_time(now),
            "package": LetterPackage(package.content, package.signatures, [receipt]).to_dict()}


@contextmanager
def token_signer(root: Path, pki: TestPKI, common_name: str, national_code: str,
                 pin: str = "246810") -> Iterator[tuple[Callable[[bytes], bytes], x509.Certificate]]:
    """A SoftHSM token (its own module instance under ``root``) holding a key generated on it and
    its certificate from ``pki``; yields (sign, certificate) for a logged-in session. The key never
    leaves the token; the process's SoftHSM configuration is restored after."""
    hsm = SoftHSM(root / "hsm")
    old_conf = os.environ.get("SOFTHSM2_CONF")
    try:
        hsm.init_token("Dabir Signer", pin)
        lib = hsm.private_module(root / "module")
        key = provision_signing_key(lib, "Dabir Signer", pin, pki, label="signing", key_id=b"\x01",
                                    common_name=common_name, national_code=national_code)
        with open_signing_session(lib.get_token(token_label="Dabir Signer"), pin) as signing:
            yield signing.sign, key.certificate
    finally:
        if old_conf is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = old_conf
