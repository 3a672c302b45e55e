"""PKCS#11 modules: load one from a path, and find well-known vendors' modules on this machine.

python-pkcs11 keeps one loaded library per path for the life of the process (``pkcs11.lib``),
which is what we want: C_Initialize is process-wide, and sessions from the dialog, the
watcher and the CLI share it.
"""

from __future__ import annotations

import logging
import ntpath
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pkcs11

from app.protocol.persian import ltr_island
from app.token.errors import ModuleLoadError

log = logging.getLogger(__name__)


class Library(Protocol):
    """A loaded PKCS#11 module, as ``pkcs11.lib(path)`` returns it: what Dabir uses of it
    (python-pkcs11 declares that class only in a private module)."""

    manufacturer_id: str
    library_description: str

    def get_slots(self, token_present: bool = False) -> list[pkcs11.Slot]: ...
    def get_token(self, **kwargs: Any) -> pkcs11.Token: ...
    def wait_for_slot_event(self, blocking: bool = True) -> pkcs11.Slot: ...
    def reinitialize(self) -> None: ...


# Extra module paths (os.pathsep-separated) that an administrator can add without a release.
ENV_EXTRA_MODULES = "DABIR_PKCS11_MODULES"

# Where a bare file name is looked for: each Linux library folder (and its pkcs11/ and softhsm/
# subfolders), and Windows' System32 (a 64-bit Dabir can load only 64-bit DLLs, which live there).
LINUX_LIB_DIRS = (
    "/usr/lib",
    "/usr/lib64",
    "/usr/local/lib",
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
)
_LINUX_SUBDIRS = ("", "pkcs11", "softhsm")


def windows_lib_dirs() -> tuple[str, ...]:
    """System32 of this Windows (``%SystemRoot%``), as an absolute Windows path."""
    return (ntpath.join(os.environ.get("SYSTEMROOT", r"C:\Windows"), "System32"),)


def _win_pf(*parts: str) -> str:
    return ntpath.join(os.environ.get("PROGRAMFILES", r"C:\Program Files"), *parts)


@dataclass(frozen=True)
class KnownModule:
    name: str
    vendor: str
    linux: tuple[str, ...]  # absolute paths, or bare file names looked up in the library folders
    windows: tuple[str, ...]  # absolute paths, or bare DLL names looked up in System32


# Each vendor entry's file names and their public sources are listed in docs/pkcs11-modules.md.
KNOWN_MODULES: tuple[KnownModule, ...] = (
    KnownModule("SoftHSM2", "OpenDNSSEC",  # a software token: tests and pilots
                ("libsofthsm2.so",), (r"C:\SoftHSM2\lib\softhsm2-x64.dll",)),
    KnownModule("OpenSC", "OpenSC",  # smart cards; also Feitian ePass2003 and JaCarta PKI on Linux
                ("opensc-pkcs11.so",), (_win_pf("OpenSC Project", "OpenSC", "pkcs11", "opensc-pkcs11.dll"), "opensc-pkcs11.dll")),
    KnownModule("Feitian ePass3003", "Feitian",  # issued with GICA signing certificates in Iran
                ("libshuttle_p11v220.so", "libshuttle_p11v220.so.1.0.0"), ("ShuttleCsp11_3003.dll",)),
    KnownModule("Feitian ePass2003", "Feitian",
                ("libcastle.so.1.0.0",), ("eps2003csp11.dll",)),
    KnownModule("SafeNet eToken", "Thales",  # SafeNet Authentication Client
                ("libeTPkcs11.so", "libeToken.so"), ("eTPKCS11.dll",)),
    KnownModule("Gemalto IDPrime", "Thales",  # SafeNet Authentication Client
                ("libIDPrimePKCS11.so",), ("IDPrimePKCS11.dll",)),
    KnownModule("JaCarta", "Aladdin R.D.",  # the JaCarta PKCS #11 library
                ("libjcPKCS11-2.so",), ("jcPKCS11-2.dll",)),
    KnownModule("YubiKey PIV", "Yubico",
                ("libykcs11.so", "libykcs11.so.2"), (_win_pf("Yubico", "Yubico PIV Tool", "bin", "libykcs11.dll"),)),
)


@dataclass(frozen=True)
class ModuleCandidate:
    name: str
    vendor: str
    path: str | None  # first existing path, or None
    searched: tuple[str, ...]

    @property
    def found(self) -> bool:
        return self.path is not None


def _expand(entry: str, windows: bool, lib_dirs: tuple[str, ...]) -> list[str]:
    if windows:
        return [entry] if ntpath.isabs(entry) else [ntpath.join(base, entry) for base in lib_dirs]
    if os.path.isabs(entry):
        return [entry]
    return [os.path.join(base, sub, entry) for base in lib_dirs for sub in _LINUX_SUBDIRS]


def detect_modules(*, platform: str | None = None, extra_paths: tuple[str, ...] = (),
                   lib_dirs: tuple[str, ...] | None = None) -> list[ModuleCandidate]:
    """Every well-known module with the first path that exists (``path=None`` when absent).

    ``lib_dirs`` replaces the folders bare file names are looked up in (tests use a temporary
    folder). Extra paths (from settings or ``DABIR_PKCS11_MODULES``) are reported by file name, with no vendor.
    """
    windows = (platform or sys.platform).startswith("win")
    dirs = lib_dirs if lib_dirs is not None else (windows_lib_dirs() if windows else LINUX_LIB_DIRS)
    result = []
    for known in KNOWN_MODULES:
        entries = known.windows if windows else known.linux
        searched = tuple(p for entry in entries for p in _expand(entry, windows, dirs))
        path = next((p for p in searched if os.path.isfile(p)), None)
        result.append(ModuleCandidate(known.name, known.vendor, path, searched))
    env_extra = tuple(p for p in os.environ.get(ENV_EXTRA_MODULES, "").split(os.pathsep) if p)
    for p in (*extra_paths, *env_extra):
        result.append(ModuleCandidate(Path(p).name, "", p if os.path.isfile(p) else None, (p,)))  # configured
    return result


def found_modules(*, platform: str | None = None, extra_paths: tuple[str, ...] = (),
                  lib_dirs: tuple[str, ...] | None = None) -> list[ModuleCandidate]:
    return [m for m in detect_modules(platform=platform, extra_paths=extra_paths, lib_dirs=lib_dirs) if m.found]


_load_lock = threading.Lock()


def module_path(configured: str | None) -> str:
    """The PKCS#11 module to use: the configured one, else the first one found on this computer."""
    if configured:
        return configured
    found = next((m.path for m in detect_modules() if m.path), None)
    if found is None:
        raise ModuleLoadError("no PKCS#11 module found on this computer",
                              "نرم‌افزار توکن امضا روی این رایانه یافت نشد؛ لطفاً آن را نصب کنید.")
    return found


def load_module(path: str | os.PathLike[str]) -> Library:
    """Load (or reuse) the PKCS#11 module at ``path``; a clear ModuleLoadError instead of a crash."""
    p = os.fspath(path)
    if not p:
        raise ModuleLoadError("no PKCS#11 module path is configured",
                              "مسیر کتابخانه توکن (PKCS#11) در تنظیمات تعیین نشده است.")
    if not os.path.isfile(p):
        raise ModuleLoadError(f"PKCS#11 module not found: {p}",
                              f"کتابخانه توکن در مسیر «{ltr_island(p)}» یافت نشد؛ لطفاً نرم‌افزار توکن را نصب کنید یا مسیر را اصلاح کنید.")
    with _load_lock:
        try:
            return pkcs11.lib(p)
        except (RuntimeError, OSError, pkcs11.PKCS11Error) as exc:
            log.warning("cannot load PKCS#11 module %s: %s", p, exc)
            raise ModuleLoadError(
                f"cannot load PKCS#11 module {p}: {type(exc).__name__}: {exc or 'not a PKCS#11 library'}",
                f"کتابخانه «{ltr_island(p)}» بارگذاری نشد؛ این پرونده کتابخانه معتبر توکن (PKCS#11) نیست یا با این رایانه سازگار نیست.",
            ) from exc


def module_description(lib: Library) -> str:
    return f"{lib.manufacturer_id.strip()} {lib.library_description.strip()}".strip()
