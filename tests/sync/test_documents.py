"""Attachments through the document store, on the real server process, with the client's own
functions (upload_document / download_document): every test runs on the local-folder storage and
on S3 (a real moto server process)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import ssl
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.protocol.canonical import build_content
from app.protocol.documents import document_address
from app.protocol.media import DOCX, sniff
from app.protocol.package import LetterPackage
from app.sync.api import ApiError, DabirApi
from app.sync.documents import DocumentCorrupt, UploadState, download_document, upload_document
from devkit.letters import SoftSigner, make_signer, sign
from devkit.pki import TestPKI
from devkit.s3_process import S3Process
from devkit.sample_documents import big_zip, executable, samples, write_sample
from devkit.server_process import DEMO_PASSWORD, ServerProcess
from tests.server.conftest import demo_nids
from tests.support.fault_proxy import FaultProxy

CHUNK = 5 * 1024 * 1024  # the smallest S3 allows (a part ≥ 5 MiB but the last)
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class DocEnv:
    server: ServerProcess
    s3: S3Process | None
    signer: SoftSigner
    nid_a: str
    nid_b: str

    def client(self, username: str) -> DabirApi:
        api = DabirApi(self.server.base_url, self.server.ca_bundle)
        api.login(username, DEMO_PASSWORD)
        return api

    def alter_stored(self, sha256: str) -> None:
        """Flip the stored document's first byte, behind the server's back."""
        if self.s3 is None:
            path = self.server.data_dir / "documents" / "documents" / sha256[:2] / sha256
            data = bytearray(path.read_bytes())
            data[0] ^= 0xFF
            path.write_bytes(bytes(data))
            return
        s3 = self.s3.client()
        key = f"documents/{sha256}"
        data = bytearray(s3.get_object(Bucket=self.s3.bucket, Key=key)["Body"].read())
        data[0] ^= 0xFF
        s3.put_object(Bucket=self.s3.bucket, Key=key, Body=bytes(data))

    def remove_stored(self, sha256: str) -> None:
        if self.s3 is None:
            (self.server.data_dir / "documents" / "documents" / sha256[:2] / sha256).unlink()
        else:
            self.s3.client().delete_object(Bucket=self.s3.bucket, Key=f"documents/{sha256}")

    def stored_count(self) -> int:
        if self.s3 is None:
            return sum(1 for p in (self.server.data_dir / "documents" / "documents").rglob("*") if p.is_file())
        listing = self.s3.client().list_objects_v2(Bucket=self.s3.bucket, Prefix="documents/")
        return int(listing.get("KeyCount", 0))


@pytest.fixture(scope="module", params=["local", "s3"])
def docs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DocEnv]:
    work = tmp_path_factory.mktemp(f"docs-{request.param}")
    s3 = S3Process(work / "s3") if request.param == "s3" else None
    if s3 is not None:
        s3.start()
    pki = TestPKI(name=f"Dabir Documents {request.param} Test")
    env = {"DABIR_SERVER_DOCUMENT_CHUNK_BYTES": str(CHUNK), **(s3.server_env() if s3 else {})}
    server = ServerProcess(work / "server", pki, env_extra=env)
    try:
        server.setup()
        server.start()
        signer = make_signer(pki, "Signatory A", "0010203044")
        with DabirApi(server.base_url, server.ca_bundle) as admin:
            admin.login("a.admin", DEMO_PASSWORD)
            admin.add_signatory_certificate("a.signatory", signer.cert_pem)
        yield DocEnv(server, s3, signer, *demo_nids(server))
    finally:
        server.stop()
        if s3 is not None:
            s3.stop()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _upload(api: DabirApi, path: Path, state: UploadState | None = None, **kw: Any) -> dict[str, Any]:
    size = path.stat().st_size
    return upload_document(api, path, name=kw.pop("name", path.name), media_type=kw.pop("media_type", sniff(path)),
                           sha256=_sha(path), size=size, state=state or UploadState(), **kw)


def _download(api: DabirApi, path: Path, dest: Path) -> Path:
    sha = _sha(path)
    return download_document(api, document_address(api.base_url, sha), dest, sha256=sha, size=path.stat().st_size)


@pytest.mark.server
def test_each_allowed_type_uploads_and_downloads_byte_identical(docs: DocEnv, tmp_path: Path) -> None:
    with docs.client("a.secretary") as a:
        for name in samples():
            path, expected = write_sample(tmp_path, name)
            assert sniff(path) == expected, name  # what the client signs is what the server finds
            answer = _upload(a, path)
            assert (answer["media_type"], answer["name"], answer["size"]) == (expected, name, path.stat().st_size)
            assert answer["address"].endswith(f"/api/v1/documents/{_sha(path)}")
            got = _download(a, path, tmp_path / f"got-{name}")
            assert got.read_bytes() == path.read_bytes(), name
            assert got.stat().st_mode & 0o077 == 0  # owner-only


@pytest.mark.server
def test_a_docx_whose_zip_directory_is_megabytes_is_found_a_docx(docs: DocEnv, tmp_path: Path) -> None:
    """The server keeps only the last MiB it reads back; a directory (a ZIP's end) larger than that
    is read partly from the store and partly from what it kept."""
    path = tmp_path / "many-parts.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
        for n in range(30_000):  # ~3 MiB of directory entries
            archive.writestr(f"word/media/image-{n:05d}-of-a-long-series-of-parts.png", b"")
    assert 2 * 1024 * 1024 < path.stat().st_size < 2 * CHUNK
    with docs.client("a.secretary") as a:
        answer = _upload(a, path, media_type=DOCX)
    assert answer["media_type"] == DOCX


@pytest.mark.server
def test_an_executable_named_pdf_is_refused(docs: DocEnv, tmp_path: Path) -> None:
    path = tmp_path / "گزارش.pdf"
    path.write_bytes(executable())
    state = UploadState()
    with docs.client("a.secretary") as a:
        with pytest.raises(ApiError) as refused:
            _upload(a, path, state, media_type="application/pdf")
        assert (refused.value.status, refused.value.code) == (422, "media_type_not_allowed")
        assert refused.value.message_fa
        assert state.upload_id is None  # the bytes were dropped: a new upload starts from scratch
        with pytest.raises(ApiError) as missing:
            _download(a, path, tmp_path / "x.pdf")
        assert missing.value.status == 404
        # a PDF declared as an image: the content decides, and disagrees
        pdf, _ = write_sample(tmp_path, "scan.pdf")
        with pytest.raises(ApiError) as mismatch:
            _upload(a, pdf, media_type="image/png")
        assert mismatch.value.code == "media_type_mismatch"


@pytest.mark.server
def test_names_are_sanitized_and_persian_kept(docs: DocEnv, tmp_path: Path) -> None:
    path, _ = write_sample(tmp_path, "یادداشت.txt")
    with docs.client("a.secretary") as a:
        assert _upload(a, path, name="../../x.txt")["name"] == "x.txt"
        assert _upload(a, path, name="..\\..\\windows\\x.txt")["name"] == "x.txt"
        assert _upload(a, path, name="نامه\u202etxt.exe\u202c\x07.txt")["name"] == "نامهtxt.exe.txt"
        assert _upload(a, path, name="گزارش‌ها «نهایی».txt")["name"] == "گزارش‌ها «نهایی».txt"


@pytest.mark.server
def test_the_size_limit_holds(docs: DocEnv) -> None:
    with docs.client("a.secretary") as a, pytest.raises(ApiError) as refused:
        a.create_upload(name="big.zip", size=2 * 1024**3 + 1, media_type="application/zip", sha256="0" * 64)
    assert (refused.value.status, refused.value.code) == (413, "document_too_large")


@pytest.mark.server
def test_chunks_out_of_order_and_twice(docs: DocEnv, tmp_path: Path) -> None:
    path = big_zip(tmp_path / "big.zip", 2 * CHUNK + 1000)
    data, size = path.read_bytes(), path.stat().st_size
    with docs.client("a.secretary") as a:
        up = a.create_upload(name="big.zip", size=size, media_type="application/zip", sha256=_sha(path))
        uid, chunk = up["upload_id"], up["chunk_size"]
        assert chunk == CHUNK and not up["complete"]

        def put(k: int) -> dict[str, Any]:
            start, end = k * chunk, min((k + 1) * chunk, size)
            return a.put_upload_chunk(uid, start, end, size, iter([data[start:end]]))

        assert put(2)["received"] == 0
        assert put(0)["received"] == chunk
        assert put(0)["received"] == chunk  # again: nothing changes
        status = a.upload_status(uid)
        assert (status["received"], status["missing"]) == (chunk, [[chunk, 2 * chunk]])
        with pytest.raises(ApiError) as early:
            a.complete_upload(uid)
        assert early.value.code == "upload_incomplete"
        with pytest.raises(ApiError) as misaligned:
            a.put_upload_chunk(uid, 10, chunk + 10, size, iter([data[10:chunk + 10]]))
        assert misaligned.value.status == 416
        assert put(1)["received"] == size
        done = a.complete_upload(uid)
        assert a.complete_upload(uid) == done  # completing again answers the same
        assert _download(a, path, tmp_path / "got.zip").read_bytes() == data


@pytest.mark.server
def test_a_dropped_connection_resumes_byte_identical(docs: DocEnv, tmp_path: Path) -> None:
    path = big_zip(tmp_path / "big.zip", 2 * CHUNK + 4321)
    srv = docs.server
    proxy = FaultProxy(srv.port, srv.workdir / "tls-cert.pem", srv.workdir / "tls-key.pem", srv.ca_bundle)
    state = UploadState()
    try:
        with DabirApi(proxy.base_url, srv.ca_bundle) as a, docs.client("a.secretary") as direct:
            a.login("a.secretary", DEMO_PASSWORD)
            # the upload is created, a chunk arrives, the next connection drops (which chunk that is
            # depends on which of the two in flight goes first)
            proxy.modes.extend(["pass", "pass", "close"])
            with pytest.raises(ApiError) as dropped:
                _upload(a, path, state)
            assert dropped.value.status == 0 and state.upload_id is not None
            missing = sum(end - start for start, end in direct.upload_status(state.upload_id)["missing"])
            assert 0 < missing < path.stat().st_size
            # the chunks still missing are stored, but their answers never arrive
            proxy.modes.extend(["lost", "lost"])
            with pytest.raises(ApiError):
                _upload(a, path, state)
            proxy.modes.clear()
            seen: list[int] = []
            answer = _upload(a, path, state, on_progress=lambda done, total: seen.append(done))
            assert seen == [path.stat().st_size]  # nothing was sent again
            assert answer["sha256"] == _sha(path)
            assert _download(direct, path, tmp_path / "got.zip").read_bytes() == path.read_bytes()
    finally:
        proxy.close()


_KILLED_CLIENT = """
import json, sys, threading, time
from pathlib import Path
from app.sync.api import DabirApi
from app.sync.documents import UploadState, upload_document
base, ca, path, sha, state_file = sys.argv[1:6]
api = DabirApi(base, ca)
api.login("a.secretary", "{password}")
state = UploadState()
first = threading.Lock()
send = api.put_upload_chunk
def slow_network(*args):
    if not first.acquire(blocking=False):
        time.sleep(60)  # every chunk but the first: the test kills us meanwhile
    return send(*args)
api.put_upload_chunk = slow_network
def progress(done, total):
    Path(state_file).write_text(json.dumps({{"upload_id": state.upload_id, "received": state.received, "done": done}}))
upload_document(api, Path(path), name="big.zip", media_type="application/zip", sha256=sha,
                size=Path(path).stat().st_size, state=state, on_progress=progress)
"""


@pytest.mark.server
def test_a_client_killed_mid_upload_resumes_byte_identical(docs: DocEnv, tmp_path: Path) -> None:
    path = big_zip(tmp_path / "big.zip", 2 * CHUNK + 99)
    state_file = tmp_path / "state.json"
    srv = docs.server
    child = subprocess.Popen([sys.executable, "-c", _KILLED_CLIENT.format(password=DEMO_PASSWORD), srv.base_url,
                              str(srv.ca_bundle), str(path), _sha(path), str(state_file)],
                             env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and child.poll() is None:
            if state_file.exists() and json.loads(state_file.read_text() or "{}").get("done", 0) >= CHUNK:
                break
            time.sleep(0.05)
        assert child.poll() is None, "the client should still be uploading"
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    kept = json.loads(state_file.read_text())
    state = UploadState(kept["upload_id"], kept["received"])
    with docs.client("a.secretary") as a:
        seen: list[int] = []
        answer = _upload(a, path, state, on_progress=lambda done, total: seen.append(done))
        assert seen[0] == CHUNK  # the chunk stored before the kill is not sent again
        assert answer["sha256"] == _sha(path)
        assert _download(a, path, tmp_path / "got.zip").read_bytes() == path.read_bytes()


def _raw_get(env: DocEnv, api: DabirApi, path: str) -> httpx.Response:
    verify = ssl.create_default_context(cafile=str(env.server.ca_bundle))
    return httpx.get(f"{env.server.base_url}/api/v1{path}", headers={"Authorization": f"Bearer {api.token}"},
                     verify=verify)


def _letter(env: DocEnv, attachments: list[dict[str, Any]]) -> LetterPackage:
    content = build_content(guid=str(uuid.uuid4()), kind="outgoing", subject="نامه با پیوست", body="متن نامه.",
                            sender={"agency": env.nid_a, "unit": "secretariat"}, recipients=[{"agency": env.nid_b}],
                            attachments=attachments)
    return sign(LetterPackage(content=content), env.signer)


@pytest.mark.server
def test_letters_bring_their_attachments_to_the_recipients(docs: DocEnv, tmp_path: Path) -> None:
    path, _ = write_sample(tmp_path, "scan.pdf")
    path.write_bytes(path.read_bytes() + uuid.uuid4().bytes)
    sha, size = _sha(path), path.stat().st_size
    users = ("a.secretary", "a.staff", "b.secretary", "b.signatory", "b.admin", "b.staff", "b.manager")
    with ExitStack() as stack:
        a, a_staff, b, b_signatory, b_admin, b_staff, b_manager = (stack.enter_context(docs.client(u)) for u in users)
        entry = {"address": document_address(a.base_url, sha), "sha256": sha, "size": size,
                 "media_type": "application/pdf", "name": "scan.pdf"}
        letter = _letter(docs, [entry])
        with pytest.raises(ApiError) as early:  # not uploaded yet
            a.register(letter)
        assert (early.value.status, early.value.code) == (409, "attachment_missing") and "scan.pdf" in early.value.message_fa
        hidden, absent = _raw_get(docs, b, f"/documents/{sha}"), _raw_get(docs, b, f"/documents/{'e' * 64}")
        assert hidden.status_code == absent.status_code == 404 and hidden.json() == absent.json()
        _upload(a, path)
        registered = a.register(letter)
        letter.receipts = [registered["receipt"]]
        a.send(letter)

        def reads(reader: DabirApi) -> bool:
            got = _raw_get(docs, reader, f"/documents/{sha}")
            assert got.status_code in (200, 404), got.text
            return got.status_code == 200 and got.content == path.read_bytes()

        # the uploader's agency, and the recipient agency's desk; not (yet) its staff, nor a unit
        # manager the letter was never referred to: they get what a missing document gets
        assert [reads(u) for u in (a, a_staff, b, b_signatory, b_admin)] == [True] * 5
        assert [reads(u) for u in (b_staff, b_manager)] == [False, False]
        for user in (b_staff, b_manager):  # nor can they claim it by declaring its hash
            claim = user.create_upload(name="scan.pdf", size=size, media_type="application/pdf", sha256=sha)
            assert claim["complete"] is False and claim["received"] == 0
        b.refer({"id": str(uuid.uuid4()), "letter_guid": letter.guid, "to": ["b.staff"], "instruction": "برای اقدام",
                 "postscript": "", "due_date": None})
        assert _download(b_staff, path, tmp_path / "referred.pdf").read_bytes() == path.read_bytes()
        assert not reads(b_manager)


@pytest.mark.server
def test_a_stored_file_altered_fails_the_hash_check(docs: DocEnv, tmp_path: Path) -> None:
    path, _ = write_sample(tmp_path, "photo.jpg")  # random bytes of its own
    dest = tmp_path / "got.jpg"
    with docs.client("a.secretary") as a:
        _upload(a, path)
        docs.alter_stored(_sha(path))
        with pytest.raises(DocumentCorrupt) as corrupt:
            _download(a, path, dest)
    assert corrupt.value.message_fa and not corrupt.value.retryable
    assert not dest.exists() and not dest.with_name("got.jpg.part").exists()


@pytest.mark.server
def test_the_same_content_is_stored_once(docs: DocEnv, tmp_path: Path) -> None:
    path, _ = write_sample(tmp_path, "image.png")
    path.write_bytes(path.read_bytes() + uuid.uuid4().bytes)  # (bytes after IEND: still a PNG)
    with docs.client("a.secretary") as a, docs.client("b.secretary") as b:
        before = docs.stored_count()
        _upload(a, path, name="first.png")
        again = a.create_upload(name="again.png", size=path.stat().st_size, media_type="image/png", sha256=_sha(path))
        assert again["complete"]  # A has it: nothing to send
        assert a.complete_upload(again["upload_id"])["name"] == "again.png"
        assert not b.create_upload(name="b.png", size=path.stat().st_size, media_type="image/png",
                                   sha256=_sha(path))["complete"]  # B must show it has the bytes
        _upload(b, path)
        assert docs.stored_count() == before + 1


@pytest.mark.server
def test_a_download_resumes_from_its_part_file(docs: DocEnv, tmp_path: Path) -> None:
    path = big_zip(tmp_path / "big.zip", 3 * 1024 * 1024)
    data = path.read_bytes()
    dest = tmp_path / "got.zip"
    dest.with_name("got.zip.part").write_bytes(data[:1_000_000])
    with docs.client("a.secretary") as a:
        _upload(a, path)
        seen: list[int] = []
        sha = _sha(path)
        download_document(a, document_address(a.base_url, sha), dest, sha256=sha, size=len(data),
                          on_progress=lambda done, total: seen.append(done))
    assert seen[0] == 1_000_000 and dest.read_bytes() == data


@pytest.mark.server
def test_a_lost_document_is_said_so_and_an_unreachable_store_is_a_503_to_retry(docs: DocEnv, tmp_path: Path) -> None:
    """A document gone from the store answers 410 «lost» (retrying will not bring it back); a store
    that does not answer (S3 down) answers 503, which the client retries. Never a 500. (Last in
    the module: it stops the S3 server and starts an empty one.)"""
    path, _ = write_sample(tmp_path, "photo.jpg")
    with docs.client("a.secretary") as a:
        _upload(a, path)
        docs.remove_stored(_sha(path))
        with pytest.raises(ApiError) as lost:
            _download(a, path, tmp_path / "got.jpg")
        assert (lost.value.status, lost.value.code) == (410, "document_lost") and not lost.value.retryable
        assert lost.value.message_fa and not (tmp_path / "got.jpg").exists()
        if docs.s3 is None:
            return
        kept, _ = write_sample(tmp_path, "scan.pdf")
        _upload(a, kept)
        docs.s3.stop()
        try:
            with pytest.raises(ApiError) as down:
                _download(a, kept, tmp_path / "got.pdf")
            assert (down.value.status, down.value.code) == (503, "storage_unavailable") and down.value.retryable
        finally:
            docs.s3.start()
