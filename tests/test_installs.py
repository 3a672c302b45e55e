"""Client and server install apart: each extra brings its side and nothing of the other's.

One wheel is built from a clean copy of what ships (``app``, ``server``, ``pyproject.toml``) and
installed into two fresh virtual environments without system site packages, one with
``dabir[server]`` and one with ``dabir[client]``, the way an agency's machines get them. pip's
cache serves the packages that were downloaded before.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import venv
from pathlib import Path

import pytest

from tests.server.conftest import fresh_pg_database

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
CONTAINERFILE = ROOT / "installer" / "server" / "Containerfile"
CLIENT_ONLY = ("PySide6", "shiboken6", "pkcs11", "keyring", "pyhanko", "httpx")
SERVER_ONLY = ("fastapi", "starlette", "uvicorn", "psycopg", "argon2", "boto3")
# Which of the named modules this interpreter can import (printed one a line).
FIND_MODULES = "import importlib.util, sys; print(*(m for m in sys.argv[1:] if importlib.util.find_spec(m)), sep='\\n')"


def _run(args: list[str | Path], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> str:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{args[:4]} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout + proc.stderr


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that would let the checkout or its venv leak in."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}}
    return {**env, **extra}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for package in ("app", "server"):
        shutil.copytree(ROOT / package, src / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, src], cwd=src, env=_clean_env())
    (built,) = out.glob("dabir-*.whl")
    return built


def _install(wheel: Path, extra: str, where: Path) -> Path:
    """A fresh venv (no system site packages) with ``dabir[extra]`` from the wheel; its python."""
    venv.create(where / "venv", with_pip=False)
    python = where / "venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "-q", f"{wheel}[{extra}]"],
         cwd=where, env=_clean_env())  # fmt: skip
    return python


@pytest.fixture(scope="module")
def server_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One server install serves both tests that need one (neither changes it)."""
    return _install(wheel, "server", tmp_path_factory.mktemp("server-install"))


def _importable(python: Path, modules: tuple[str, ...], cwd: Path) -> list[str]:
    return _run([python, "-c", FIND_MODULES, *modules], cwd=cwd, env=_clean_env()).split()


def _installed_copy(python: Path, module: str, cwd: Path) -> bool:
    """Does ``module`` import, from the venv's copy (not the checkout)?"""
    out = _run([python, "-c", f"import {module} as m; print(m.__file__)"], cwd=cwd, env=_clean_env())
    return Path(out.strip()).is_relative_to(python.parent.parent)


def test_a_server_install_runs_the_server_without_the_client_packages(server_python: Path, tmp_path: Path):
    python = server_python
    assert _importable(python, CLIENT_ONLY, tmp_path) == []
    assert _importable(python, SERVER_ONLY, tmp_path) == list(SERVER_ONLY)
    assert _installed_copy(python, "server.app", tmp_path)
    # the wheel's `dabir` command says what is missing, in one line, instead of a traceback
    proc = subprocess.run([python.with_name("dabir"), "tokens"], cwd=tmp_path, env=_clean_env(), capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "pip install 'dabir[client]'" in proc.stderr, proc.stderr


def test_a_client_install_starts_the_desktop_app_without_the_server_packages(wheel: Path, tmp_path: Path):
    python = _install(wheel, "client", tmp_path)
    assert _importable(python, SERVER_ONLY, tmp_path) == []
    assert _importable(python, CLIENT_ONLY, tmp_path) == list(CLIENT_ONLY)
    assert _installed_copy(python, "app.ui.main", tmp_path)
    # What an installer ships beside the package (fonts, Persian catalogs), in a folder of its own.
    for folder in ("resources", "translations"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("*.qm"))
    env = _clean_env(QT_QPA_PLATFORM="offscreen", DABIR_SMOKE="1", DABIR_RESOURCES=str(tmp_path / "resources"),
                     DABIR_TRANSLATIONS=str(tmp_path / "translations"))  # fmt: skip
    out = _run([python, "-m", "app", "--data-dir", tmp_path / "profile", "--log-level", "INFO"], cwd=tmp_path, env=env)
    assert re.search(r"dabir: ready in \d+ ms", out), out
    assert "Traceback" not in out and "UI stays in English" not in out, out


def _containerfile_exec(instruction: str) -> list[str]:
    """The exec-form (JSON) arguments of the Containerfile's ``CMD`` or ``HEALTHCHECK … CMD`` line."""
    (line,) = (x for x in CONTAINERFILE.read_text().splitlines() if x.startswith(instruction + " "))
    return json.loads(line[line.index("["):])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.server
@pytest.mark.postgres
def test_the_container_command_serves_over_postgresql_from_a_server_install(server_python: Path, tmp_path: Path):
    """What the Containerfile installs (the wheel's server extra in a venv on PATH) and runs (its CMD,
    then its HEALTHCHECK), with the settings a container gets from its environment."""
    python = server_python
    command, healthcheck = _containerfile_exec("CMD"), _containerfile_exec("HEALTHCHECK")
    with fresh_pg_database("serverpkg") as url:
        env = _clean_env(PATH=f"{python.parent}{os.pathsep}{os.environ['PATH']}",
                         DABIR_SERVER_DATA_DIR=str(tmp_path / "data"), DABIR_SERVER_HOST="127.0.0.1",
                         DABIR_SERVER_PORT=str(_free_port()))  # fmt: skip
        refused = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert refused.returncode != 0 and "set DABIR_SERVER_DATABASE_URL" in refused.stderr, refused.stderr
        env["DABIR_SERVER_DATABASE_URL"] = url
        log = (tmp_path / "server.log").open("wb")
        proc = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=log, start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            while subprocess.run(healthcheck, cwd=tmp_path, env=env, capture_output=True).returncode != 0:
                assert proc.poll() is None, (tmp_path / "server.log").read_text()
                assert time.monotonic() < deadline, "the server never became healthy"
                time.sleep(0.5)
            assert not (tmp_path / "data" / "dabir.sqlite3").exists()  # the database is PostgreSQL's
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        down = subprocess.run(healthcheck, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert down.returncode != 0 and "does not answer" in down.stderr, down.stderr
