"""An operator's mistakes get one English line and a non-zero exit, never a traceback, and a server
that cannot use its keys refuses to start instead of saying it listens while its workers crash.

``serve`` runs as the installed command does, in a subprocess; the other commands run ``main`` in
this process (what a subprocess adds, the interpreter start, ``serve`` proves)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from server.cli import main

ROOT = Path(__file__).resolve().parents[2]

Cli = Callable[..., subprocess.CompletedProcess[str]]


def _server_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DABIR_SERVER_")}
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60, env={**clean, "PYTHONPATH": str(ROOT), **(env or {})})


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Cli]:
    """``dabir-server`` in this process, as ``_server_cli`` runs it (no ``DABIR_SERVER_*`` but ``env``);
    the umask the CLI makes owner-only is put back after."""
    def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        with monkeypatch.context() as m:
            for name in [k for k in os.environ if k.startswith("DABIR_SERVER_")]:
                m.delenv(name)
            for name, value in (env or {}).items():
                m.setenv(name, value)
            m.chdir(cwd)
            capsys.readouterr()
            code = main(list(args))
            out = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out.out, out.err)

    umask = os.umask(0o077)
    os.umask(umask)
    try:
        yield run
    finally:
        os.umask(umask)


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
def test_configuration_mistakes_are_one_line(cli: Cli, tmp_path: Path, content: str | None,
                                             expected: tuple[str, ...]) -> None:
    config = tmp_path / "server.toml"
    if content is not None:
        config.write_text(content)
    _one_line_refusal(cli("init", "--config", str(config), "--data-dir", str(tmp_path / "d"), cwd=tmp_path),
                      *expected)


def test_serve_refuses_a_tls_certificate_it_cannot_use(cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert cli("init", "--data-dir", str(data), cwd=tmp_path).returncode == 0
    missing = tmp_path / "no-such-cert.pem"
    proc = _server_cli("serve", "--data-dir", str(data), "--port", "0", "--workers", "2",
                       "--tls-cert", str(missing), cwd=tmp_path)
    _one_line_refusal(proc, "cannot use the TLS certificate", str(missing))
    assert "listening" not in proc.stdout

    (data / "tls" / "key.pem").write_text("not a key\n")  # a damaged key
    proc = _server_cli("serve", "--data-dir", str(data), "--port", "0", cwd=tmp_path)
    _one_line_refusal(proc, "cannot use the TLS certificate")
    assert "listening" not in proc.stdout


def test_add_agency_creates_it_once_and_refuses_a_duplicate_in_one_line(cli: Cli, tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    env = {"DABIR_SERVER_ADMIN_PASSWORD": "an-initial-password-1"}
    early = cli("add-agency", "--data-dir", data, "--national-id", "14000123453", "--name", "سازمان آزمون",
                "--admin-username", "it.admin", cwd=tmp_path, env=env)
    _one_line_refusal(early, "run `dabir-server init` first")  # before init: said, not a traceback
    assert cli("init", "--data-dir", data, cwd=tmp_path).returncode == 0
    made = cli("add-agency", "--data-dir", data, "--national-id", "14000123453", "--name", "سازمان آزمون",
               "--admin-username", "it.admin", cwd=tmp_path, env=env)
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == "agency 14000123453 created; administrator it.admin"  # a set password is not shown
    again = cli("add-agency", "--data-dir", data, "--national-id", "14000123453", "--name", "دیگر",
                "--admin-username", "it.admin2", cwd=tmp_path, env=env)
    _one_line_refusal(again, "already exists")
