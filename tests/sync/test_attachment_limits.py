"""The server's limits on attachments reach the client with the directory, so a file the server
would refuse is refused before the letter is signed (it used to be signed, then refused: the
signature wasted); a letter signed before the client knew them comes back naming the file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.models.attachments import AttachmentRefused, copy_in
from app.models.db import Store, open_store
from app.models.document_limits import DEFAULT, LIMITS_SETTING, DocumentLimits, read_limits
from app.models.letter_actions import submit_for_signature
from app.models.tables import Letter, Setting
from app.protocol.canonical import InvalidContent
from app.protocol.media import PDF, TEXT
from app.sync import account as acc
from app.sync.engine import SyncEngine
from app.token.signing import sign_detached
from devkit.letters import make_signer
from devkit.pki import TestPKI
from devkit.sample_documents import write_sample
from devkit.server_process import DEMO_PASSWORD, ServerProcess
from tests.sync.servers import file_keyring, started
from tests.sync.test_attachments_sync import draft_with, letter_with

LIMIT = 64 * 1024
pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server that takes attachments up to 64 KB, PDF and text only."""
    yield from started(ServerProcess(tmp_path_factory.mktemp("limits-server"), TestPKI(name="Dabir Limits Test"),
                                     env_extra={"DABIR_SERVER_DOCUMENT_MAX_BYTES": str(LIMIT),
                                                "DABIR_SERVER_DOCUMENT_MEDIA_TYPES": f"{PDF}|{TEXT}"}))


@pytest.fixture(autouse=True)
def _keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield from file_keyring(tmp_path, monkeypatch)


def desk(server: ServerProcess, folder: Path) -> Store:
    store = open_store(folder)
    acc.login(store, acc.Account(server.base_url, "a.secretary", str(server.ca_bundle)), DEMO_PASSWORD)
    return store


def sync(store: Store) -> object:
    with acc.open_api(store) as api:
        return SyncEngine(store, api).run_once()


def sample(folder: Path, kind: str, name: str, extra: int = 0) -> Path:
    """A sample document of this kind (a name of devkit's samples), under ``name``, ``extra`` random bytes longer."""
    made, _ = write_sample(folder, kind)
    path = made.rename(folder / name)
    path.write_bytes(path.read_bytes() + os.urandom(extra))
    return path


def state_of(store: Store, guid: str) -> tuple[str, str | None]:
    with store.reader() as s:
        letter = s.get(Letter, guid)
        assert letter is not None
        return letter.state, letter.reject_reason


def test_a_file_the_server_would_refuse_is_refused_before_signing(tmp_path: Path, server: ServerProcess) -> None:
    store = desk(server, tmp_path / "a")
    assert read_limits_of(store) == DEFAULT  # before the first sync: the defaults let both files in
    big = draft_with(store, server, [sample(tmp_path, "scan.pdf", "big.pdf", LIMIT)])
    photo = draft_with(store, server, [sample(tmp_path, "photo.jpg", "photo.jpg")])
    sync(store)
    limits = read_limits_of(store)
    assert limits.max_bytes == LIMIT and limits.allows_type(PDF) and not limits.allows_type("image/jpeg")

    with pytest.raises(InvalidContent) as too_big:
        submit_for_signature(store, big)
    assert "big.pdf" in too_big.value.message_fa and "(۶۴ کیلوبایت) بزرگ‌تر است" in too_big.value.message_fa
    with pytest.raises(InvalidContent) as wrong_type:
        submit_for_signature(store, photo)
    assert "photo.jpg" in wrong_type.value.message_fa
    assert "کارگزار این نوع پرونده را نمی‌پذیرد" in wrong_type.value.message_fa
    assert [state_of(store, guid)[0] for guid in (big, photo)] == ["draft", "draft"]

    for kind, name, extra in (("photo.jpg", "photo2.jpg", 0), ("scan.pdf", "big2.pdf", LIMIT)):
        with pytest.raises(AttachmentRefused):  # and, now the limits are known, at attach time
            copy_in(store, sample(tmp_path, kind, name, extra))
    small = draft_with(store, server, [sample(tmp_path, "scan.pdf", "small.pdf")])
    submit_for_signature(store, small)
    assert state_of(store, small)[0] == "awaiting_signature"


def test_a_letter_signed_before_the_limits_were_known_comes_back_naming_the_file(
        tmp_path: Path, server: ServerProcess) -> None:
    store = desk(server, tmp_path / "a")  # never synced: the defaults let the file through
    signer = make_signer(TestPKI(name="Dabir Limits Signer"), "امضاکننده", "0012345679")
    guid = letter_with(store, server, [sample(tmp_path, "scan.pdf", "big.pdf", LIMIT)],
                       lambda data: sign_detached(data, signer.pyhanko()))
    sync(store)
    state, reason = state_of(store, guid)
    assert state == "rejected" and reason is not None and reason.startswith("پیوست «big.pdf»:"), reason
    with store.reader() as s:
        assert s.get(Setting, LIMITS_SETTING) is not None  # and it knows the limits now


def read_limits_of(store: Store) -> DocumentLimits:
    with store.reader() as s:
        return read_limits(s)
