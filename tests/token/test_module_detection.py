"""Auto-detection of vendors' PKCS#11 modules: fake module files in a temporary library folder
stand in for the vendors' installs (no module is loaded), and Windows paths are expanded the
way a Windows workstation sees them whatever the machine running the tests."""

from __future__ import annotations

import ntpath
from pathlib import Path

import pytest

from app.token.modules import ENV_EXTRA_MODULES, KNOWN_MODULES, detect_modules, found_modules, module_path


@pytest.fixture(autouse=True)
def _no_extra_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_EXTRA_MODULES, raising=False)


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x7fELF fake module")
    return path


def test_vendor_modules_found_in_library_folders(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    epass3003 = _touch(lib / "libshuttle_p11v220.so.1.0.0")
    etoken = _touch(lib / "pkcs11" / "libeTPkcs11.so")  # SafeNet's symlink folder
    jacarta = _touch(lib / "libjcPKCS11-2.so")
    found = {m.name: m.path for m in found_modules(platform="linux", lib_dirs=(str(lib),))}
    assert found == {"Feitian ePass3003": str(epass3003), "SafeNet eToken": str(etoken), "JaCarta": str(jacarta)}


def test_first_listed_file_name_wins(tmp_path: Path) -> None:
    _touch(tmp_path / "libeToken.so")
    preferred = _touch(tmp_path / "libeTPkcs11.so")
    report = {m.name: m for m in detect_modules(platform="linux", lib_dirs=(str(tmp_path),))}
    assert report["SafeNet eToken"].path == str(preferred)


def test_absent_modules_say_where_they_were_looked_for(tmp_path: Path) -> None:
    report = {m.name: m for m in detect_modules(platform="linux", lib_dirs=(str(tmp_path),))}
    assert not any(m.found for m in report.values() if not m.name.startswith("custom"))
    epass = report["Feitian ePass3003"]
    assert str(tmp_path / "libshuttle_p11v220.so") in epass.searched
    assert str(tmp_path / "pkcs11" / "libshuttle_p11v220.so") in epass.searched
    assert {k.name for k in KNOWN_MODULES} <= set(report)


def test_a_folder_named_like_a_module_is_not_a_module(tmp_path: Path) -> None:
    (tmp_path / "libcastle.so.1.0.0").mkdir()
    assert found_modules(platform="linux", lib_dirs=(str(tmp_path),)) == []


def test_auto_pick_uses_the_configured_module_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    configured = _touch(tmp_path / "agency" / "token.so")
    assert module_path(str(configured)) == str(configured)
    monkeypatch.setenv(ENV_EXTRA_MODULES, str(configured))
    custom = [m for m in detect_modules(platform="linux", lib_dirs=(str(tmp_path / "none"),)) if m.found]
    assert [(m.name, m.vendor, m.path) for m in custom] == [("token.so", "", str(configured))]


def test_windows_names_expand_into_system32(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYSTEMROOT", r"D:\WINNT")
    win = {m.name: m.searched for m in detect_modules(platform="win32")}
    assert win["Feitian ePass3003"] == (r"D:\WINNT\System32\ShuttleCsp11_3003.dll",)
    assert win["Feitian ePass2003"] == (r"D:\WINNT\System32\eps2003csp11.dll",)
    assert win["SafeNet eToken"] == (r"D:\WINNT\System32\eTPKCS11.dll",)
    assert win["Gemalto IDPrime"] == (r"D:\WINNT\System32\IDPrimePKCS11.dll",)
    assert win["JaCarta"] == (r"D:\WINNT\System32\jcPKCS11-2.dll",)
    # An absolute Windows path is searched as written, never joined to a folder.
    assert win["SoftHSM2"] == (r"C:\SoftHSM2\lib\softhsm2-x64.dll",)
    assert ntpath.isabs(win["OpenSC"][0]) and win["OpenSC"][0].endswith(r"\OpenSC\pkcs11\opensc-pkcs11.dll")
    assert all("/" not in p for paths in win.values() for p in paths)
