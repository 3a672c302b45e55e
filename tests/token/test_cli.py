"""``dabir sign`` → ``dabir verify`` round trip, with exit codes: the commands that open a token run
as the installed command does, in a subprocess (a token's session state stays out of this process);
``verify`` and the refusal of a missing module run ``main`` here (no interpreter start each)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.protocol.package import LetterPackage
from devkit.softhsm import SOFTHSM_MODULE
from tests.token.conftest import PIN_B, TokenWorld, letter

pytestmark = pytest.mark.softhsm


def dabir(world: TokenWorld, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *args], env=world.hsm.env(**env),
                          capture_output=True, text=True, timeout=60)


def dabir_here(capsys: pytest.CaptureFixture[str], *args: str) -> subprocess.CompletedProcess[str]:
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out.out, out.err)


def test_sign_then_verify_round_trip(world: TokenWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content_file = tmp_path / "letter.json"
    content_file.write_text(json.dumps(letter(500), ensure_ascii=False), encoding="utf-8")
    signed = tmp_path / "signed.json"
    r = dabir(world, "sign", "--module", SOFTHSM_MODULE, "--token", "Dabir B", "--pin-env", "DABIR_TEST_PIN",
              str(content_file), str(signed), DABIR_TEST_PIN=PIN_B)
    assert r.returncode == 0, r.stderr
    assert PIN_B not in r.stdout + r.stderr
    pkg = LetterPackage.from_json_bytes(signed.read_bytes())
    assert len(pkg.signatures) == 1

    # a second signatory on the already-signed package (INPUT may be a package)
    twice = tmp_path / "twice.json"
    r = dabir(world, "sign", "--module", SOFTHSM_MODULE, "--token", "Dabir B", "--cert-id", "11",
              "--pin-env", "DABIR_TEST_PIN", str(signed), str(twice), DABIR_TEST_PIN=PIN_B)
    assert r.returncode == 0, r.stderr
    assert len(LetterPackage.from_json_bytes(twice.read_bytes()).signatures) == 2

    cache = tmp_path / "crl"
    r = dabir_here(capsys, "verify", str(twice), "--trust-roots", str(world.trust_dir), "--crl-cache", str(cache))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "RESULT: valid" in r.stdout and "مریم احمدی" in r.stdout

    # offline with the CRL now cached: still valid, no warning
    r = dabir_here(capsys, "verify", str(twice), "--trust-roots", str(world.trust_dir), "--crl-cache", str(cache), "--offline")
    assert r.returncode == 0 and "warning" not in r.stdout

    # offline with no cache: valid, but the user is told revocation was not checked
    r = dabir_here(capsys, "verify", str(signed), "--trust-roots", str(world.trust_dir),
              "--crl-cache", str(tmp_path / "none"), "--offline")
    assert r.returncode == 0 and "warning: revocation could not be checked" in r.stdout

    # tampered content → exit 1 with the reason
    data = json.loads(twice.read_text(encoding="utf-8"))
    data["content"]["subject"] = "موضوع دیگر"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    r = dabir_here(capsys, "verify", str(tampered), "--trust-roots", str(world.trust_dir), "--offline")
    assert r.returncode == 1 and "content was changed" in r.stdout and "RESULT: NOT valid" in r.stdout


def test_cli_errors(world: TokenWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                    monkeypatch: pytest.MonkeyPatch) -> None:
    content_file = tmp_path / "letter.json"
    content_file.write_text(json.dumps(letter(501), ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "o.json"
    monkeypatch.setenv("P", "1")
    r = dabir_here(capsys, "sign", "--module", str(tmp_path / "missing.so"), "--pin-env", "P", str(content_file), str(out))
    assert r.returncode == 2 and "PKCS#11 module not found" in r.stderr
    r = dabir(world, "sign", "--module", SOFTHSM_MODULE, "--token", "Dabir B", "--pin-env", "P",
              str(content_file), str(out), P="999999")
    assert r.returncode == 2 and "wrong PIN" in r.stderr and "999999" not in r.stderr
    assert not out.exists()
    r = dabir(world, "tokens")
    assert r.returncode == 0
    assert "[found] SoftHSM2" in r.stdout and "token 'Dabir B'" in r.stdout and "cert label='signer-b'" in r.stdout
