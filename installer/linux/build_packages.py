"""Build Dabir's Linux packages (run through ``installer/linux/build``).

Into ``build/installer/``:
  dist/dabir/                               the PyInstaller bundle (installer/dabir.spec)
  dabir-<version>-linux-<arch>.tar.gz       the bundle as a portable tarball (dabir-<version>/dabir)
  dabir_<version>_<debarch>.deb             /opt/dabir, /usr/bin/dabir, desktop entry and icons

The version is pyproject.toml's. The .deb depends on the token stack (pcscd, opensc) and on the
system libraries the bundle links to; the build fails when a library the bundle needs is in no
package of DEPENDS, so the list cannot fall behind the bundle.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "installer"
BUNDLE = OUT / "dist" / "dabir"
sys.path.insert(0, str(ROOT / "installer"))

from icons import SVG, render_pngs  # noqa: E402 (installer/ is not a package)

# The token stack, Asia/Tehran (zoneinfo reads the system's time zones on Linux), then the libraries
# of the desktop stack the bundled Qt links to (Debian 12 names).
DEPENDS = [
    "pcscd", "opensc", "tzdata",
    "libc6", "libstdc++6", "libgcc-s1", "libglib2.0-0", "libdbus-1-3", "libzstd1", "libbrotli1",
    "libegl1", "libgl1", "libdrm2", "libfontconfig1", "libfreetype6", "libcups2", "libgssapi-krb5-2",
    "libx11-6", "libx11-xcb1", "libxkbcommon0", "libxkbcommon-x11-0",
    "libxcb1", "libxcb-cursor0", "libxcb-glx0", "libxcb-icccm4", "libxcb-image0", "libxcb-keysyms1",
    "libxcb-randr0", "libxcb-render0", "libxcb-render-util0", "libxcb-shape0", "libxcb-shm0", "libxcb-sync1",
    "libxcb-util1", "libxcb-xfixes0", "libxcb-xkb1",
    "libwayland-client0", "libwayland-cursor0", "libwayland-egl1",
]  # fmt: skip
# The session token lives in the Secret Service (app/sync/account.py).
RECOMMENDS = ["gnome-keyring"]

DESKTOP_ENTRY = """\
[Desktop Entry]
Type=Application
Name=Dabir
Name[fa]=دبیر
GenericName=Secretariat
GenericName[fa]=دبیرخانه
Comment=Draft, register, sign and send official letters
Comment[fa]=نگارش، ثبت، امضا و ارسال نامه‌های اداری
Exec=dabir
Icon=dabir
Terminal=false
Categories=Office;
Keywords=letter;secretariat;signature;
Keywords[fa]=نامه;دبیرخانه;امضا;
StartupWMClass=Dabir
"""

COPYRIGHT = """\
Dabir (دبیر): desktop secretariat client.

Bundled font: Vazirmatn, SIL Open Font License 1.1; the licence is
/opt/dabir/_internal/resources/fonts/OFL.txt.
Bundled Qt (PySide6): LGPL-3.0; Python: PSF License.
"""


def run(*cmd: str | Path, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], check=True, text=True, **kw)  # type: ignore[call-overload]


def project_version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"])


def build_bundle() -> Path:
    """Compile the catalogs, then PyInstaller with this checkout's ``app`` first on the path."""
    run(sys.executable, ROOT / "scripts" / "build_translations.py", stdout=subprocess.DEVNULL)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run(sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
        "--distpath", OUT / "dist", "--workpath", OUT / "work", ROOT / "installer" / "dabir.spec", env=env)
    return BUNDLE


def _root_owned(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def build_tarball(version: str) -> Path:
    out = OUT / f"dabir-{version}-linux-{platform.machine()}.tar.gz"
    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        tar.add(BUNDLE, arcname=f"dabir-{version}", filter=_root_owned)
    return out


# --- the .deb ---------------------------------------------------------------------------------


def elf_files(directory: Path) -> list[Path]:
    out = []
    for path in directory.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as f:
                if f.read(4) == b"\x7fELF":
                    out.append(path)
    return out


def needed_system_libraries(bundle: Path) -> set[str]:
    """The shared libraries the bundle's programs and libraries name but do not ship."""
    shipped = {p.name for p in bundle.rglob("*.so*")}
    needed: set[str] = set()
    for elf in elf_files(bundle):
        dynamic = run("readelf", "-d", elf, capture_output=True).stdout
        needed.update(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic))
    return needed - shipped


def packages_of(libraries: set[str]) -> dict[str, str]:
    """The Debian package that installs each library on this machine (ldconfig's cache, then dpkg:
    one call of each for all the libraries, not one per candidate path)."""
    cache = run("ldconfig", "-p", capture_output=True).stdout
    arch = {"x86_64": "x86-64", "aarch64": "AArch64"}.get(platform.machine(), platform.machine())
    candidates: dict[str, list[str]] = {}
    for library in sorted(libraries):
        paths = [line.split(" => ")[-1].strip() for line in cache.splitlines()
                 if line.strip().startswith(library + " ") and arch in line]
        candidates[library] = []
        for path in paths:
            real = Path(path).resolve()
            # usrmerge: dpkg knows a library under the name its package shipped it with
            candidates[library] += sorted({str(real), str(real).removeprefix("/usr"), path, path.removeprefix("/usr")})
    owners: dict[str, str] = {}
    every = sorted({c for paths in candidates.values() for c in paths})
    if every:  # "<package>[:<arch>]: <path>" a line; a path no package owns is only named on stderr
        listing = subprocess.run(["dpkg", "-S", *every], capture_output=True, text=True).stdout
        for line in listing.splitlines():
            owner, found, path = line.partition(": ")
            if found and not owner.startswith("diversion by "):
                owners.setdefault(path, owner.split(":", 1)[0])
    packages = {}
    for library, paths in candidates.items():
        owned = [owners[path] for path in paths if path in owners]
        if not owned:
            raise SystemExit(f"build: the bundle needs {library}, which no installed package provides")
        packages[library] = owned[0]
    return packages


def check_depends(bundle: Path) -> None:
    missing = {library: package for library, package in packages_of(needed_system_libraries(bundle)).items()
               if package not in DEPENDS}
    if missing:
        raise SystemExit("build: add to DEPENDS in installer/linux/build_packages.py: "
                         + ", ".join(f"{pkg} ({lib})" for lib, pkg in sorted(missing.items())))


def installed_size_kib(root: Path) -> int:
    total = 0
    for path in root.rglob("*"):
        if "DEBIAN" not in path.relative_to(root).parts:
            total += 1 if path.is_dir() or path.is_symlink() else -(-path.stat().st_size // 1024)
    return total


def build_deb(version: str) -> Path:
    check_depends(BUNDLE)
    debarch = run("dpkg", "--print-architecture", capture_output=True).stdout.strip()
    stage = OUT / "deb"
    shutil.rmtree(stage, ignore_errors=True)
    shutil.copytree(BUNDLE, stage / "opt" / "dabir", symlinks=True)
    (stage / "usr" / "bin").mkdir(parents=True)
    (stage / "usr" / "bin" / "dabir").symlink_to("/opt/dabir/dabir")
    apps = stage / "usr" / "share" / "applications"
    apps.mkdir(parents=True)
    (apps / "dabir.desktop").write_text(DESKTOP_ENTRY, encoding="utf-8")
    hicolor = stage / "usr" / "share" / "icons" / "hicolor"
    for size, png in render_pngs(OUT / "icons").items():
        target = hicolor / f"{size}x{size}" / "apps" / "dabir.png"
        target.parent.mkdir(parents=True)
        shutil.copyfile(png, target)
    (hicolor / "scalable" / "apps").mkdir(parents=True)
    shutil.copyfile(SVG, hicolor / "scalable" / "apps" / "dabir.svg")
    doc = stage / "usr" / "share" / "doc" / "dabir"
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(COPYRIGHT, encoding="utf-8")
    for path in [stage, *stage.rglob("*")]:  # what dpkg installs is readable by every user
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() or path.stat().st_mode & 0o100 else 0o644)

    (stage / "DEBIAN").mkdir()
    control = f"""\
Package: dabir
Version: {version}
Architecture: {debarch}
Maintainer: Dabir developers <dabir@localhost>
Installed-Size: {installed_size_kib(stage)}
Depends: {", ".join(DEPENDS)}
Recommends: {", ".join(RECOMMENDS)}
Section: misc
Priority: optional
Description: Dabir secretariat client (دبیر)
 The desktop client of a government agency's secretariat: draft, register,
 number, sign (PKCS#11 USB tokens) and send official letters, in Persian,
 working offline and syncing with the agency's central server.
"""
    (stage / "DEBIAN" / "control").write_text(control, encoding="utf-8")
    out = OUT / f"dabir_{version}_{debarch}.deb"
    run("dpkg-deb", "--root-owner-group", "-Zxz", "-z1", "--build", stage, out, stdout=subprocess.DEVNULL)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description="Build Dabir's Linux bundle, tarball and .deb into build/installer/")
    parser.parse_args()
    version = project_version()
    OUT.mkdir(parents=True, exist_ok=True)
    for stale in [*OUT.glob("dabir-*.tar.gz"), *OUT.glob("dabir_*.deb")]:
        stale.unlink()
    build_bundle()
    for built in (BUNDLE, build_tarball(version), build_deb(version)):
        print(built.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
