"""The Windows installer's script and workflow, checked on Linux: they are run for real only by the
Windows workflow, so what can break them unseen here (a hard-coded version, a file the bundle does
not make, a dabir.toml the client cannot read, a deleted user folder) is checked from their text."""

from __future__ import annotations

import ast
import ntpath
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.models.site_config import load_site_config, parse_site_config

ROOT = Path(__file__).resolve().parents[2]
ISS = ROOT / "installer" / "windows" / "dabir.iss"
SPEC = ROOT / "installer" / "dabir.spec"
WORKFLOW = ROOT / ".github" / "workflows" / "windows-installer.yml"


def _iss() -> str:
    return ISS.read_text(encoding="utf-8-sig")


def _sections(text: str) -> dict[str, list[str]]:
    """Each [Section]'s lines, without comments and blank lines ([Code] kept whole)."""
    sections: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        header = re.fullmatch(r"\[(\w+)\]", line.strip())
        if header:
            current = header.group(1)
            sections.setdefault(current, [])
        elif current == "Code" or (line.strip() and not line.lstrip().startswith(";")):
            sections.setdefault(current, []).append(line)
    return sections


def _entries(lines: list[str]) -> list[dict[str, str]]:
    """Inno Setup section entries ``Name: "value"; Flags: a b`` as dictionaries."""
    return [dict((k.strip(), v.strip().strip('"')) for k, v in (part.split(":", 1) for part in line.split("; ")))
            for line in lines]


def _code_function(name: str) -> str:
    code = "\n".join(_sections(_iss())["Code"])
    match = re.search(rf"^function {name}\b.*?^end;$", code, flags=re.S | re.M)
    assert match, f"{name} is not in the [Code] section"
    return match.group(0)


# -- version -----------------------------------------------------------------------------------
def test_version_comes_only_from_the_define() -> None:
    text = _iss()
    setup = dict(line.split("=", 1) for line in _sections(text)["Setup"])
    assert setup["AppVersion"] == "{#AppVersion}"
    assert "{#AppVersion}" in setup["OutputBaseFilename"]
    assert re.search(r"#ifndef AppVersion\s+#error", text), "compiling without /DAppVersion must fail"
    assert not re.search(r"\d+\.\d+\.\d+", text), "a version number is written into the script"
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert version not in text


# -- what is installed -------------------------------------------------------------------------
def test_files_come_from_the_pyinstaller_onedir_bundle() -> None:
    sections = _sections(_iss())
    sources = [e["Source"] for e in _entries(sections["Files"])]
    assert sources, "the installer installs nothing"
    bundle = (ROOT / "dist" / "dabir").resolve()
    for source in sources:
        resolved = (ISS.parent / Path(*source.split("\\"))).resolve()
        assert resolved.parent == bundle or bundle in resolved.parents, f"{source} is not in dist/dabir/"
    setup = dict(line.split("=", 1) for line in sections["Setup"])
    assert (ISS.parent / Path(*setup["OutputDir"].split("\\"))).resolve() == (ROOT / "dist").resolve()
    assert setup["PrivilegesRequired"] == "admin" and setup["DefaultDirName"] == r"{autopf}\Dabir"


def test_start_menu_has_the_persian_and_the_english_name() -> None:
    icons = _entries(_sections(_iss())["Icons"])
    start_menu = {e["Name"]: e["Filename"] for e in icons if e["Name"].startswith("{autoprograms}")}
    assert start_menu == {r"{autoprograms}\دبیر": r"{app}\dabir.exe", r"{autoprograms}\Dabir": r"{app}\dabir.exe"}
    desktop = [e for e in icons if e["Name"].startswith("{autodesktop}")]
    assert desktop and all(e.get("Tasks") == "desktopicon" for e in desktop), "the desktop icon must be optional"


def _spec_programs() -> dict[str, str]:
    """The spec's ``program(name, console=…)`` calls: name -> the console argument's source text."""
    found = {}
    for node in ast.walk(ast.parse(SPEC.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "program":
            name = ast.literal_eval(node.args[0])
            console = next(k.value for k in node.keywords if k.arg == "console")
            found[name] = ast.unparse(console)
    return found


def test_the_spec_builds_the_executables_the_installer_ships() -> None:
    text = SPEC.read_text()
    programs = _spec_programs()
    assert programs.get("dabir") == "not IS_WIN", "dabir.exe must be windowed (and a console program on Linux)"
    assert programs.get("dabir-cli") == "True", "dabir-cli.exe (console) answers --version"
    assert re.search(r'if IS_WIN:\n\s+programs.append\(program\("dabir-cli"', text), "dabir-cli is built on Windows"
    assert re.search(r"COLLECT\(.*\*programs.*name\s*=\s*['\"]dabir['\"]", text, flags=re.S), "the onedir folder is dist/dabir"


# -- the administrator's dabir.toml ------------------------------------------------------------
# What the installer writes for (SiteConfigLines itself runs in test_windows_installer_code.py)
#   /SERVER=https://dabir.example.ir:8443 /CABUNDLE=D:\certs\agency.pem
#   "/PKCS11=C:\Program Files\Feitian\ePass3003\ShuttleCsp11_3003.dll"
# (SaveStringsToUTF8File: a BOM, CRLF line ends; the CA bundle is copied to ca.pem beside it).
INSTALLER_OUTPUT = (
    "\ufeff# Written by the Dabir 0.1.0 installer; the format is in docs/site-config.md.\r\n"
    "[server]\r\n"
    "url = 'https://dabir.example.ir:8443'\r\n"
    "ca_bundle = 'ca.pem'\r\n"
    "[token]\r\n"
    "module = 'C:\\Program Files\\Feitian\\ePass3003\\ShuttleCsp11_3003.dll'\r\n"
)


def test_a_written_file_is_loaded_by_the_client(tmp_path: Path) -> None:
    target = tmp_path / "dabir.toml"
    target.write_bytes(INSTALLER_OUTPUT.encode("utf-8"))
    config = load_site_config(target)
    assert config.error is None
    assert config.server_url == "https://dabir.example.ir:8443"
    assert config.ca_bundle == str(tmp_path / "ca.pem")
    raw = tomllib.loads(INSTALLER_OUTPUT.lstrip("\ufeff"))
    assert raw["token"]["module"] == r"C:\Program Files\Feitian\ePass3003\ShuttleCsp11_3003.dll"
    assert ntpath.isabs(raw["token"]["module"])
    iss = _iss()  # the names the installer writes: the file the client looks for, the CA bundle beside it
    assert "ConfigFileName = 'dabir.toml'" in iss and "CaFileName = 'ca.pem'" in iss


def test_uninstall_leaves_users_letters_and_the_administrators_settings() -> None:
    sections = _sections(_iss())
    assert not {"UninstallDelete", "UninstallRun", "Dirs"} & set(sections), "nothing beyond the program is removed"
    outside_code = "\n".join(line for name, lines in sections.items() if name != "Code" for line in lines)
    for folder in ("{localappdata}", "{userappdata}", "{commonappdata}", "{app}\\..", "LOCALAPPDATA"):
        assert folder not in outside_code, f"{folder} is touched outside the settings code"
    code = "\n".join(sections["Code"])
    assert "DelTree" not in code and "DeleteFile" not in code and "CurUninstallStepChanged" not in code


def test_switches_are_checked_before_anything_is_installed() -> None:
    initialize = _code_function("InitializeSetup")
    assert "SwitchesError" in initialize and "Result := Error = ''" in initialize
    url_check = _code_function("ServerUrlError")
    assert "Copy(Url, 1, 8) <> 'https://'" in url_check  # the same prefix site_config requires
    with pytest.raises(ValueError, match="https://"):
        parse_site_config("[server]\nurl = 'http://a.example'\n", Path("dabir.toml"))
    assert "SID" in _iss() and "*S-1-5-32-545:(OI)(CI)RX" in _iss(), "users may only read the settings folder"


# -- the workflow ------------------------------------------------------------------------------
def _workflow() -> dict[str, Any]:
    data = yaml.safe_load(WORKFLOW.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads a bare `on` as true
    return data


def test_workflow_runs_on_windows_for_tags_and_by_hand() -> None:
    data = _workflow()
    assert {"workflow_dispatch", "push"} <= set(data["on"]) and data["on"]["push"]["tags"]
    (job,) = data["jobs"].values()
    assert job["runs-on"] == "windows-latest"
    setup_python = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python"))
    assert str(setup_python["with"]["python-version"]) == "3.11"


def test_workflow_builds_installs_checks_and_uninstalls_in_order() -> None:
    (job,) = _workflow()["jobs"].values()
    script = "\n".join(s.get("run", "") or s.get("uses", "") for s in job["steps"])
    expected_in_order = [
        'pip install ".[client]" pyinstaller',
        "tomllib.load(open('pyproject.toml', 'rb'))['project']['version']",
        "python scripts/build_translations.py",
        "pyinstaller --noconfirm installer/dabir.spec",
        "choco install innosetup",
        '"/DAppVersion=$env:DABIR_VERSION" installer\\windows\\dabir.iss',
        "'/VERYSILENT', '/SUPPRESSMSGBOXES', '/NORESTART'",
        "'/SERVER=http://dabir.example.ir'",  # refused
        "'/VERYSILENT', '/SUPPRESSMSGBOXES', '/NORESTART'",
        '"/SERVER=$env:SERVER_URL"',
        "dabir-cli.exe\" --version",
        "load_site_config(",
        "planted-letter.txt",
        "unins000.exe",
        'Test-Path "$env:ProgramFiles\\Dabir"',
        "actions/upload-artifact",
    ]
    position = 0
    for item in expected_in_order:
        found = script.find(item, position)
        assert found >= 0, f"not in the workflow after the previous step: {item}"
        position = found + len(item)
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == "dist/dabir-setup-*.exe"
