"""Abandoned uploads do not fill the store: an upload never completed within ``upload_expiry_seconds``
is swept by the server (rows and bytes, on disk and in S3), and its client starts it again."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.sync.api import ApiError, DabirApi
from app.sync.documents import UploadState, download_document, upload_document
from devkit.letters import SoftSigner
from devkit.pki import TestPKI
from devkit.s3_process import S3Process
from devkit.sample_documents import big_zip
from tests.server.conftest import Env, start_env

CHUNK = 5 * 1024 * 1024
# An upload is abandoned after 4 s and the sweep runs every second: what a week does, in seconds.
EXPIRY = 4
SWEEP = {"DABIR_SERVER_UPLOAD_EXPIRY_SECONDS": str(EXPIRY), "DABIR_SERVER_UPLOAD_SWEEP_SECONDS": "1"}


@pytest.fixture(scope="module", params=["local", "s3"])
def sweeping(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pki: TestPKI,
             signers: tuple[SoftSigner, SoftSigner]) -> Iterator[tuple[Env, S3Process | None]]:
    work = tmp_path_factory.mktemp(f"sweep-{request.param}")
    s3 = S3Process(work / "s3") if request.param == "s3" else None
    extra = dict(SWEEP)
    if s3 is not None:
        s3.start()
        extra.update(s3.server_env())
    try:
        env = start_env(work, pki, signers, **extra)
        try:
            yield env, s3
        finally:
            env.server.stop()
    finally:
        if s3 is not None:
            s3.stop()


def _gone(api: DabirApi, upload_id: str, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            api.upload_status(upload_id)
        except ApiError as exc:
            if exc.status == 404:
                return True
            raise
        time.sleep(0.2)
    return False


@pytest.mark.server
@pytest.mark.slow
def test_an_abandoned_upload_is_swept_and_its_client_starts_again(
        sweeping: tuple[Env, S3Process | None], tmp_path: Path) -> None:
    env, s3 = sweeping
    path = big_zip(tmp_path / "scans.zip", CHUNK + CHUNK // 2)
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    with env.client("a.secretary") as a:
        created = a.create_upload(name="scans.zip", size=len(data), media_type="application/zip", sha256=sha)
        upload_id = created["upload_id"]
        a.put_upload_chunk(upload_id, 0, CHUNK, len(data), iter([data[:CHUNK]]))
        assert a.upload_status(upload_id)["received"] == CHUNK  # not swept while young
        assert _gone(a, upload_id), "the abandoned upload was never swept"

        if s3 is None:
            leftovers = [p for p in (env.server.data_dir / "documents").rglob("*") if p.is_file()]
            assert leftovers == [], leftovers
        else:
            listed = s3.client().list_multipart_uploads(Bucket=s3.bucket)
            assert listed.get("Uploads", []) == []

        # The client comes back with its saved state: the server no longer knows the upload, so it
        # starts again and finishes (well within the expiry).
        state = UploadState(upload_id, CHUNK)
        done = upload_document(a, path, name="scans.zip", media_type="application/zip", sha256=sha,
                               size=len(data), state=state)
        assert state.upload_id != upload_id
        assert done["sha256"] == sha
        download_document(a, done["address"], tmp_path / "back.zip", sha256=sha, size=len(data))
        assert (tmp_path / "back.zip").read_bytes() == data
