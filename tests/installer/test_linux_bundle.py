"""The Linux packages as users get them: the PyInstaller bundle that installer/linux/build makes
starts under a real X server, shows its first window and speaks Persian; the .deb installs with
apt, runs from /usr/bin, and uninstalls without touching the user's letters.

The build runs once per session (about a minute). ``DABIR_INSTALLER_OUT=<dir>`` tests packages
built before instead, e.g. a copy of build/installer/ with a plugin or a catalog removed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.pki import TestPKI
from devkit.softhsm import SoftHSM, provision_signing_key, softhsm_available
from devkit.xvfb import xvfb
from tests.token.conftest import letter

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
# The smoke line (app/ui/main.py); ``window=`` names the first window the user sees.
READY = re.compile(r"dabir: ready in \d+ ms \(epoch [\d.]+\) window=(\w+)")
# What app/ui/i18n.py and fonts.py log when the UI falls back to English or to the system's font.
FALLBACK_WARNINGS = ("could not load translations", "stays in English", "dialogs stay in English",
                     "using the system font")
DABIR_FA = "دبیر"  # "Dabir" in Persian: every window title ends with it (applicationDisplayName)
SERVER_SIDE = ("server", "devkit", "tests", "fastapi", "starlette", "uvicorn", "psycopg", "argon2", "boto3",
               "botocore", "moto", "pytest", "_pytest", "pytestqt", "hypothesis", "schemathesis")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def built() -> Path:
    """The output folder of ``installer/linux/build`` (bundle in dist/dabir/, tarball, .deb)."""
    given = os.environ.get("DABIR_INSTALLER_OUT")
    if given:
        return Path(given)
    proc = subprocess.run([str(ROOT / "installer" / "linux" / "build")], env={**os.environ, "PYTHON": sys.executable},
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return ROOT / "build" / "installer"


@pytest.fixture(scope="session")
def bundle(built: Path) -> Path:
    return built / "dist" / "dabir"


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    with xvfb() as name:
        yield name


def user_env(home: Path, display: str, **extra: str) -> dict[str, str]:
    """A desktop user's session, nothing of the test's: no venv, no PYTHONPATH, a fresh home."""
    home.mkdir(parents=True, exist_ok=True)
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", "DISPLAY": display,
            "QT_QPA_PLATFORM": "xcb", "DABIR_SITE_CONFIG": str(home / "no-such-dir" / "dabir.toml"), **extra}


def assert_first_window_shown(proc: subprocess.CompletedProcess[str], screenshot: Path) -> None:
    """The smoke run painted the first window of a fresh profile, in Persian and Vazirmatn, without an error."""
    assert proc.returncode == 0, proc.stderr
    ready = READY.search(proc.stderr)
    assert ready, proc.stderr
    assert ready.group(1) == "firstRunWizard", proc.stderr  # a fresh profile starts in the wizard
    assert "Traceback" not in proc.stderr, proc.stderr
    for warning in FALLBACK_WARNINGS:
        assert warning not in proc.stderr, proc.stderr
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # DABIR_SMOKE_SCREENSHOT


def test_bundled_dabir_version_is_pyprojects(bundle: Path, tmp_path: Path) -> None:
    proc = subprocess.run([str(bundle / "dabir"), "--version"], capture_output=True, text=True, timeout=60,
                          env=user_env(tmp_path / "home", display=""))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"dabir {VERSION}"


def test_bundle_carries_catalogs_fonts_plugins_migrations_and_nothing_of_the_server(bundle: Path) -> None:
    from PyInstaller.archive.readers import CArchiveReader  # type: ignore[import-untyped]

    internal = bundle / "_internal"
    for ts in sorted((ROOT / "translations" / "fa").glob("*.ts")):
        qm = internal / "translations" / "fa" / f"{ts.stem}.qm"
        assert qm.is_file() and qm.stat().st_size > 0, f"{qm.name} missing from the bundle"
    assert (internal / "PySide6" / "Qt" / "translations" / "qtbase_fa.qm").is_file()
    assert not list((internal / "PySide6" / "Qt" / "translations").glob("qtbase_de.qm"))  # Persian only
    for name in ("fonts/Vazirmatn-Regular.ttf", "fonts/Vazirmatn-Bold.ttf", "fonts/OFL.txt",
                 "letterheads/main.html", "icons/dabir.svg"):
        assert (internal / "resources" / name).is_file(), name
    migrations = ROOT / "app" / "models" / "migrations" / "versions"
    for migration in sorted(migrations.glob("*.py")):
        assert (internal / "app" / "models" / "migrations" / "versions" / migration.name).is_file(), migration.name
    plugins = internal / "PySide6" / "Qt" / "plugins"
    for plugin in ("platforms/libqxcb.so", "platforms/libqwayland.so", "platforms/libqoffscreen.so",
                   "xcbglintegrations/libqxcb-glx-integration.so", "wayland-shell-integration/libxdg-shell.so",
                   "imageformats/libqjpeg.so", "imageformats/libqsvg.so", "imageformats/libqtiff.so",
                   "iconengines/libqsvgicon.so", "printsupport/libcupsprintersupport.so"):
        assert (plugins / plugin).is_file(), plugin
    assert not (plugins / "platforminputcontexts" / "libqtvirtualkeyboardplugin.so").exists()  # QtQuick's
    modules = CArchiveReader(str(bundle / "dabir")).open_embedded_archive("PYZ.pyz").toc
    assert {"app.cli", "app.token.cli", "app.sync.cli", "app.ui.main", "keyring.backends.SecretService",
            "app.ui.rasad_reports", "openpyxl", "openpyxl.workbook"} <= set(modules)  # Rasad reports as XLSX
    assert not [m for m in modules if m.split(".")[0] in SERVER_SIDE]
    assert not [p for p in internal.iterdir() if p.name in SERVER_SIDE]


def test_every_bundled_library_finds_what_it_links_to(bundle: Path) -> None:
    """On this machine (the .deb's Depends installed): no Qt plugin is left unloadable."""
    unresolved = []
    for lib in sorted(bundle.rglob("*.so*")):
        if lib.is_file() and not lib.is_symlink():
            ldd = subprocess.run(["ldd", str(lib)], capture_output=True, text=True,
                                 env={"LD_LIBRARY_PATH": str(bundle / "_internal")})
            unresolved += [f"{lib.relative_to(bundle)}: {line.strip()}" for line in ldd.stdout.splitlines()
                           if "not found" in line]
    assert not unresolved


def test_bundle_shows_its_first_window_under_x(bundle: Path, display: str, tmp_path: Path,
                                               artifacts_dir: Path) -> None:
    screenshot = artifacts_dir / "bundle-first-run.png"
    screenshot.unlink(missing_ok=True)
    env = user_env(tmp_path / "home", display, DABIR_SMOKE="1", DABIR_DATA_DIR=str(tmp_path / "profile"),
                   DABIR_SMOKE_SCREENSHOT=str(screenshot))
    proc = subprocess.run([str(bundle / "dabir")], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert_first_window_shown(proc, screenshot)
    assert (tmp_path / "profile").is_dir()  # the store was created and migrated


@pytest.mark.softhsm
def test_bundled_dabir_signs_on_a_token_and_verifies(bundle: Path, tmp_path: Path) -> None:
    """The token stack made it into the bundle: python-pkcs11, pyHanko's signer, the CMS code, the
    certificate validator, and httpx fetching the CRL."""
    if not softhsm_available():
        pytest.fail("needs SoftHSM2 (apt install softhsm2)")
    pin, pki = "135790", TestPKI()  # its CRL is served on 127.0.0.1 while this test runs
    hsm = SoftHSM(tmp_path / "hsm")
    old_conf = os.environ.get("SOFTHSM2_CONF")
    try:
        hsm.init_token("Dabir Bundle", pin)
        lib = hsm.private_module(tmp_path / "module")  # its own instance: the session's tokens stay as they are
        provision_signing_key(lib, "Dabir Bundle", pin, pki, label="signer", key_id=b"\x01", common_name="مریم احمدی")
    finally:
        if old_conf is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = old_conf
    content = tmp_path / "letter.json"
    content.write_text(json.dumps(letter(7), ensure_ascii=False), encoding="utf-8")
    signed = tmp_path / "signed.json"
    env = hsm.env(DABIR_TEST_PIN=pin, HOME=str(tmp_path), DABIR_DATA_DIR=str(tmp_path / "profile"))
    proc = subprocess.run([str(bundle / "dabir"), "sign", "--module", str(lib.so), "--token", "Dabir Bundle",
                           "--pin-env", "DABIR_TEST_PIN", str(content), str(signed)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    trust = pki.write_trust_dir(tmp_path / "trust")
    proc = subprocess.run([str(bundle / "dabir"), "verify", str(signed), "--trust-roots", str(trust),
                           "--crl-cache", str(tmp_path / "crl")], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "RESULT: valid" in proc.stdout and "مریم احمدی" in proc.stdout
    assert "warning" not in proc.stdout  # the CRL was fetched and checked


def window_titles(display: str) -> list[str]:
    tree = subprocess.run(["xwininfo", "-root", "-tree"], env={"DISPLAY": display, "LANG": "C.UTF-8"},
                          capture_output=True, text=True, timeout=30).stdout
    return re.findall(r'^\s*0x[0-9a-f]+ "(.*)": ', tree, re.M)


def test_bundle_speaks_persian(bundle: Path, display: str, tmp_path: Path) -> None:
    """Its window titles on the X server are Persian: the shipped catalogs loaded, no setting asked."""
    env = user_env(tmp_path / "home", display, DABIR_DATA_DIR=str(tmp_path / "profile"))
    app = subprocess.Popen([str(bundle / "dabir")], env=env, cwd=tmp_path,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (titles := [t for t in window_titles(display) if "Qt " not in t]):
            assert app.poll() is None and time.monotonic() < deadline, app.stderr.read() if app.stderr else ""
            time.sleep(0.2)
        assert all(t.endswith(DABIR_FA) for t in titles), titles
    finally:
        app.terminate()
        app.wait(30)


# --- the .deb ---------------------------------------------------------------------------------


def apt(*args: str, cwd: Path | None = None) -> None:
    proc = subprocess.run(["apt-get", "-y", "-q", "-o", "DPkg::Lock::Timeout=120", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def deb_installed() -> bool:
    proc = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "dabir"], capture_output=True, text=True)
    return "install ok installed" in proc.stdout


def test_deb_installs_runs_and_uninstalls_keeping_the_users_letters(built: Path, display: str, tmp_path: Path,
                                                                    artifacts_dir: Path) -> None:
    if os.geteuid() != 0:
        if os.environ.get("DABIR_REQUIRE_DEB_TEST") == "1":
            pytest.fail("DABIR_REQUIRE_DEB_TEST=1 but not root: the .deb cannot be installed")
        pytest.skip("installing the .deb needs root")
    (deb,) = built.glob(f"dabir_{VERSION}_*.deb")
    fields = subprocess.run(["dpkg-deb", "-f", str(deb)], capture_output=True, text=True, check=True).stdout
    depends = re.search(r"^Depends: (.*)$", fields, re.M)
    assert depends and {"pcscd", "opensc"} <= set(depends.group(1).split(", "))
    if deb_installed():  # a leftover of an earlier run: apt would call the same version installed
        apt("remove", "dabir")

    home = tmp_path / "home"
    data = home / ".local" / "share" / "Dabir"  # the default data folder (no DABIR_DATA_DIR)
    screenshot = artifacts_dir / "installed-first-run.png"
    screenshot.unlink(missing_ok=True)
    apt("install", "--no-install-recommends", f"./{deb.name}", cwd=built)
    try:
        assert Path("/usr/share/applications/dabir.desktop").is_file()
        assert Path("/usr/share/icons/hicolor/scalable/apps/dabir.svg").is_file()
        assert Path("/usr/share/icons/hicolor/48x48/apps/dabir.png").is_file()
        version = subprocess.run(["/usr/bin/dabir", "--version"], capture_output=True, text=True, timeout=60,
                                 env=user_env(home, display))
        assert version.stdout.strip() == f"dabir {VERSION}", version.stderr
        proc = subprocess.run(["/usr/bin/dabir"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                              env=user_env(home, display, DABIR_SMOKE="1", DABIR_SMOKE_SCREENSHOT=str(screenshot)))
        assert_first_window_shown(proc, screenshot)
        kept = sorted(p.relative_to(data) for p in data.rglob("*"))
        assert kept, "the first run made no data folder"
    finally:
        if deb_installed():
            apt("remove", "dabir")
    assert not Path("/opt/dabir").exists() and not Path("/usr/bin/dabir").exists()
    assert sorted(p.relative_to(data) for p in data.rglob("*")) == kept  # the user's store is untouched


def test_portable_tarball_unpacks_and_runs(built: Path, tmp_path: Path) -> None:
    (tarball,) = built.glob(f"dabir-{VERSION}-linux-*.tar.gz")
    subprocess.run(["tar", "-xzf", str(tarball), "-C", str(tmp_path)], check=True, timeout=120)
    assert (tmp_path / f"dabir-{VERSION}" / "_internal" / "translations" / "fa" / "dabir_fa.qm").is_file()
    proc = subprocess.run([str(tmp_path / f"dabir-{VERSION}" / "dabir"), "--version"], capture_output=True,
                          text=True, timeout=60, env=user_env(tmp_path / "home", display=""))
    assert proc.stdout.strip() == f"dabir {VERSION}", proc.stderr
