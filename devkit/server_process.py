"""Run the real ``dabir-server`` as a subprocess over HTTPS for tests and benches (``serve``; the
operator commands, ``init`` and ``demo`` among them, run in the caller's process: see ``ServerProcess.cli``)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import ssl
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from devkit.pki import TestPKI, key_pem, pem

SERVER_CMD = [sys.executable, "-m", "server.cli"]
ROOT = Path(__file__).resolve().parents[1]
DEMO_PASSWORD = "demo-password-1"


@dataclass
class ServerProcess:
    workdir: Path
    pki: TestPKI
    database_url: str = ""
    env_extra: Mapping[str, str | None] = field(default_factory=dict)  # None: unset (the installed default)
    workers: int = 1
    proc: subprocess.Popen[bytes] | None = None
    port: int = 0
    demo: dict[str, object] = field(default_factory=dict)
    source_dir: Path = ROOT  # the checkout whose server runs (a bench may run an older one beside it)

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def ca_bundle(self) -> Path:
        return self.workdir / "ca-bundle.pem"

    @property
    def data_dir(self) -> Path:
        return self.workdir / "data"

    @property
    def log_path(self) -> Path:
        return self.workdir / "server.log"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "DABIR_SERVER_DATA_DIR": str(self.data_dir),
            "DABIR_SERVER_TLS_CERT": str(self.workdir / "tls-cert.pem"),
            "DABIR_SERVER_TLS_KEY": str(self.workdir / "tls-key.pem"),
            "DABIR_SERVER_TRUST_DIR": str(self.workdir / "trust"),
            "DABIR_SERVER_DATABASE_URL": self.database_url,
            "PYTHONPATH": str(self.source_dir),
            "DABIR_SERVER_API_DOCS": "1",  # the demo, the tests and Schemathesis read /openapi.json
        })
        for name, value in self.env_extra.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    def cli(self, *args: str) -> str:
        """One ``dabir-server`` operator command with this server's settings: its output, a
        RuntimeError with its error output when it fails. This checkout's CLI runs in this process
        (an interpreter start and the server's imports cost more than most commands); another
        checkout's (a bench's baseline) in a subprocess."""
        if self.source_dir == ROOT:
            code, stdout, stderr = self._cli_here(args)
        else:
            out = subprocess.run([*SERVER_CMD, *args], env=self.env(), cwd=self.source_dir, capture_output=True,
                                 timeout=120)
            code, stdout, stderr = out.returncode, out.stdout.decode(), out.stderr.decode(errors="replace")
        if code != 0:
            raise RuntimeError(f"dabir-server {' '.join(args)} failed:\n{stderr}")
        return stdout

    def _cli_here(self, args: tuple[str, ...]) -> tuple[int, str, str]:
        """``server.cli.main(args)`` under this server's environment, with this process's
        environment and umask (the CLI makes it owner-only) put back after: (exit code, out, err)."""
        from server.cli import main

        changed = {name: value for name, value in self.env().items() if os.environ.get(name) != value}
        removed = [name for name, value in self.env_extra.items() if value is None and name in os.environ]
        saved = {name: os.environ.get(name) for name in [*changed, *removed]}
        umask = os.umask(0o022)  # (reading it means setting it)
        os.umask(umask)  # the command starts with this process's, as a subprocess would
        out, err = io.StringIO(), io.StringIO()
        try:
            os.environ.update(changed)
            for name in removed:
                del os.environ[name]
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main(list(args))
                except SystemExit as exc:  # argparse's refusals
                    code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        finally:
            os.umask(umask)
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        return code, out.getvalue(), err.getvalue()

    def setup(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        key, cert = self.pki.issue_tls_cert()
        (self.workdir / "tls-cert.pem").write_bytes(pem(cert) + pem(self.pki.intermediate_cert))
        (self.workdir / "tls-key.pem").write_bytes(key_pem(key))
        self.pki.write_trust_dir(self.workdir / "trust")
        self.pki.write_ca_bundle(self.ca_bundle)
        self.cli("init")
        self.demo = json.loads(self.cli("demo", "--password", DEMO_PASSWORD, "--json"))

    def start(self, timeout: float = 30.0, port: int = 0) -> None:
        """Start ``dabir-server`` and wait until healthy; ``port`` 0: any free one (read back from the port file)."""
        port_file = self.workdir / "port"
        port_file.unlink(missing_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [*SERVER_CMD, "serve", "--host", "127.0.0.1", "--port", str(port), "--port-file", str(port_file),
             "--workers", str(self.workers)],
            env=self.env(), cwd=self.source_dir, stdout=log, stderr=log, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dabir-server exited early:\n{self.log_path.read_text(errors='replace')[-3000:]}")
            if port_file.exists():
                self.port = int(port_file.read_text())
                try:
                    verify = ssl.create_default_context(cafile=str(self.ca_bundle))
                    r = httpx.get(f"{self.base_url}/healthz", verify=verify, timeout=2)
                    if r.status_code == 200:
                        return
                except httpx.TransportError:
                    pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("dabir-server did not become healthy in time")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)  # our own process group (start_new_session)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()
        self.proc = None

    def rss_mb(self, field: str = "VmRSS") -> float:
        """The server process's resident memory (``VmHWM``: its peak since :meth:`reset_peak_rss`), Linux."""
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
        raise RuntimeError(f"no {field} for the server process")

    def reset_peak_rss(self) -> None:
        assert self.proc is not None
        Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")  # VmHWM := VmRSS (Linux ≥ 4.0)

    def access_log(self) -> str:
        return self.log_path.read_text(errors="replace")
