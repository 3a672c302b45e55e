"""A real server with agency A's signatory registered, shared by the sync tests that need one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.sync.api import DabirApi
from devkit.letters import make_signer
from devkit.pki import TestPKI
from devkit.server_process import DEMO_PASSWORD, ServerProcess


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


def api(server: ServerProcess, username: str) -> DabirApi:
    """A client logged in as ``username``."""
    client = DabirApi(server.base_url, server.ca_bundle)
    client.login(username, DEMO_PASSWORD)
    return client
