"""An operator's mistakes get one English line and a non-zero exit, never a traceback, and a server
that cannot use its keys refuses to start instead of saying it listens while its workers crash."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _server_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DABIR_SERVER_")}
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60, env={**clean, "PYTHONPATH": str(ROOT), **(env or {})})


def _one_line_refusal(proc: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    line = proc.stderr.strip()
    assert line.startswith("dabir-server: ") and "\n" not in line, proc.stderr
    for text in expected:
        assert text in line, line


@pytest.mark.parametrize(("content", "expected"), [
    (None, ("cannot read the configuration file",)),
    ("port = \n", ("not valid TOML",)),
    ("prot = 8443\n", ("unknown settings", "prot")),
    ('port = "84x3"\n', ("port", "'84x3'", "not valid")),
])
def test_configuration_mistakes_are_one_line(tmp_path: Path, content: str | None, expected: tuple[str, ...]) -> None:
    config = tmp_path / "server.toml"
    if content is not None:
        config.write_text(content)
    _one_line_refusal(_server_cli("init", "--config", str(config), "--data-dir", str(tmp_path / "d"), cwd=tmp_path),
                      *expected)


def test_serve_refuses_a_tls_certificate_it_cannot_use(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert _server_cli("init", "--data-dir", str(data), cwd=tmp_path).returncode == 0
    missing = tmp_path / "no-such-cert.pem"
    proc = _server_cli("serve", "--data-dir", str(data), "--port", "0", "--workers", "2",
                       "--tls-cert", str(missing), cwd=tmp_path)
    _one_line_refusal(proc, "cannot use the TLS certificate", str(missing))
    assert "listening" not in proc.stdout

    (data / "tls" / "key.pem").write_text("not a key\n")  # a damaged key
    proc = _server_cli("serve", "--data-dir", str(data), "--port", "0", cwd=tmp_path)
    _one_line_refusal(proc, "cannot use the TLS certificate")
    assert "listening" not in proc.stdout


def test_add_agency_creates_it_once_and_refuses_a_duplicate_in_one_line(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    env = {"DABIR_SERVER_ADMIN_PASSWORD": "an-initial-password-1"}
    early = _server_cli("add-agency", "--data-dir", data, "--national-id", "14000123453", "--name", "سازمان آزمون",
                        "--admin-username", "it.admin", cwd=tmp_path, env=env)
    _one_line_refusal(early, "run `dabir-server init` first")  # before init: said, not a traceback
    assert _server_cli("init", "--data-dir", data, cwd=tmp_path).returncode == 0
    made = _server_cli("add-agency", "--data-dir", data, "--national-id", "14000123453", "--name", "سازمان آزمون",
                       "--admin-username", "it.admin", cwd=tmp_path, env=env)
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == "agency 14000123453 created; administrator it.admin"  # a set password is not shown
    again = _server_cli("add-agency", "--data-dir", data, "--national-id", "14000123453", "--name", "دیگر",
                        "--admin-username", "it.admin2", cwd=tmp_path, env=env)
    _one_line_refusal(again, "already exists")
