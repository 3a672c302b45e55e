"""Run a real S3-compatible server (moto in server mode) as a subprocess for tests and benches."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

# moto accepts any credentials; boto3 only needs some to sign its requests.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class S3Process:
    workdir: Path
    bucket: str = "dabir-documents"
    proc: subprocess.Popen[bytes] | None = None
    port: int = 0

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def server_env(self, prefix: str = "") -> dict[str, str]:
        """What a dabir-server needs to keep its documents here."""
        return {**CREDENTIALS, "DABIR_SERVER_STORAGE": "s3", "DABIR_SERVER_S3_BUCKET": self.bucket,
                "DABIR_SERVER_S3_ENDPOINT_URL": self.endpoint_url, "DABIR_SERVER_S3_REGION": "us-east-1",
                "DABIR_SERVER_S3_PREFIX": prefix}

    def client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def start(self, timeout: float = 30.0) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or _free_port()  # started again: the same address, as the servers know it
        log = (self.workdir / "moto.log").open("ab")
        env = {**os.environ, **CREDENTIALS}
        self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                     env=env, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"moto server exited early:\n{(self.workdir / 'moto.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.endpoint_url}/moto-api/", timeout=2).status_code < 500:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError("moto server did not start in time")
        self.client().create_bucket(Bucket=self.bucket)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()
        self.proc = None
