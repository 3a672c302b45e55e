"""The README's run command: the demo starts the server, the tokens and both windows."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_demo_starts_server_tokens_and_two_windows(tmp_path: Path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    servers = []
    for run in ("first", "again"):  # the second run reuses the demo state
        out = subprocess.run([sys.executable, str(ROOT / "scripts" / "demo.py"), "--smoke", "--dir", str(tmp_path)],
                             env=env, capture_output=True, text=True, timeout=240)
        assert out.returncode == 0, f"{run}: {out.stdout}{out.stderr}"
        assert out.stderr.count("dabir: ready in") == 2  # one window per agency painted its list
        assert "a.secretary" in out.stdout and "b.secretary" in out.stdout
        servers += [line.split()[2] for line in out.stdout.splitlines() if line.startswith("demo: server ")]
    # the same address run after run: a profile made by hand beside the demo (README) keeps working
    assert len(servers) == 2 and servers[0] == servers[1], servers
    for prefix in ("a", "b"):
        assert (tmp_path / f"agency-{prefix}" / "dabir.sqlite3").exists()
    assert (tmp_path / "softhsm" / "tokens").is_dir()
    # the certificates on the tokens name the CRL the demo serves on its recorded port, run after run
    from cryptography import x509

    from app.protocol.crl import distribution_points

    port = (tmp_path / "pki" / "revocation-port").read_text()
    for signatory in json.loads((tmp_path / "state.json").read_text())["signatories"]:
        urls = distribution_points(x509.load_pem_x509_certificate(signatory["cert_pem"].encode()))
        assert urls and all(u.startswith(f"http://127.0.0.1:{port}/") for u in urls)

    # A kill of the demo (SIGTERM, what a session manager sends) closes its windows and its server too.
    demo = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "demo.py"), "--dir", str(tmp_path)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert demo.stdout is not None
    for line in demo.stdout:
        if line.startswith("demo: server "):
            base = line.split()[2]
            break
    # the citizens' status page is on the demo server (docs/citizens.md)
    assert demo.stdout.readline().strip() == f"demo: citizens' status page {base}/track"
    assert len(_processes_using(tmp_path)) >= 3  # the demo and its two windows (the server runs elsewhere)
    demo.terminate()
    assert demo.wait(timeout=60) == 143
    assert _processes_using(tmp_path) == []


def _processes_using(folder: Path) -> list[int]:
    """The processes whose command line names ``folder`` (the demo, its windows, its server)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if str(folder) in cmdline:
                found.append(int(proc.name))
    return found


def test_the_demo_keyring_file_is_owner_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It holds the demo users' session tokens."""
    import stat

    from devkit.file_keyring import FileKeyring

    monkeypatch.setenv("DABIR_TEST_KEYRING_FILE", str(tmp_path / "keyring.json"))
    ring = FileKeyring()
    ring.set_password("dabir", "a.secretary", "token")
    assert stat.S_IMODE((tmp_path / "keyring.json").stat().st_mode) == 0o600
    ring.delete_password("dabir", "a.secretary")
    assert stat.S_IMODE((tmp_path / "keyring.json").stat().st_mode) == 0o600
    assert ring.get_password("dabir", "a.secretary") is None
