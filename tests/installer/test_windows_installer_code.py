"""The Windows installer's settings code, run: the pure functions of dabir.iss's [Code] section
(switch checks, TOML quoting, the dabir.toml lines) are compiled with Free Pascal in Delphi mode,
with the two Inno Setup helpers they call written out here, and what they produce is read by the
client's own parser. Inno Setup itself runs only on Windows (the Windows workflow)."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from app.models.site_config import parse_site_config

ROOT = Path(__file__).resolve().parents[2]
ISS = ROOT / "installer" / "windows" / "dabir.iss"
FUNCTIONS = ("HasControlChar", "IsAbsolutePath", "ServerUrlError", "TomlString", "AddLine", "SiteConfigLines")
END = "<<end>>"

pytestmark = pytest.mark.skipif(shutil.which("fpc") is None, reason="needs Free Pascal (Debian fp-compiler)")

# Inno Setup's StringChangeEx (replace every occurrence, left to right) and array helpers.
PRELUDE = """program isscode;
{$mode delphiunicode}{$H+}
uses SysUtils;
type TArrayOfString = array of String;
function StringChangeEx(var S: String; const FromStr, ToStr: String; const SupportDBCS: Boolean): Integer;
begin
  S := StringReplace(S, FromStr, ToStr, [rfReplaceAll]);
  Result := 0;
end;
function GetArrayLength(const A: TArrayOfString): Integer; begin Result := Length(A); end;
procedure SetArrayLength(var A: TArrayOfString; N: Integer); begin SetLength(A, N); end;
function NextField(var Line: String): String;
var
  Tab: Integer;
begin
  Tab := Pos(#9, Line);
  if Tab = 0 then Tab := Length(Line) + 1;
  Result := Copy(Line, 1, Tab - 1);
  Delete(Line, 1, Tab);
end;
"""

# One request a line: NAME<TAB>arg...; the answer's lines, then END.
MAIN = """
var
  Line, Name, A1, A2, A3: String;
  Lines: TArrayOfString;
  I: Integer;
begin
  DefaultSystemCodePage := CP_UTF8;
  SetTextCodePage(Input, CP_UTF8);
  SetTextCodePage(Output, CP_UTF8);
  while not EOF(Input) do
  begin
    ReadLn(Line);
    Name := NextField(Line);
    A1 := NextField(Line);
    A2 := NextField(Line);
    A3 := NextField(Line);
    if Name = 'url' then WriteLn(ServerUrlError(A1))
    else if Name = 'abs' then WriteLn(BoolToStr(IsAbsolutePath(A1), 'yes', 'no'))
    else if Name = 'toml' then
    begin
      Lines := SiteConfigLines(A1, A2, A3);
      for I := 0 to High(Lines) do WriteLn(Lines[I]);
    end;
    WriteLn('""" + END + """');
  end;
end.
"""


# The rest of what [Code] calls, with the prototypes of Inno Setup's documentation (Pascal
# Scripting: Support Functions Reference): enough to compile the whole section, not to run it.
INNO_API = """
type
  TExecWait = (ewNoWait, ewWaitUntilTerminated, ewWaitUntilIdle);
  TMsgBoxType = (mbInformation, mbConfirmation, mbError, mbCriticalError);
  TInputQueryWizardPage = class
  private
    FValues: array of String;
    function GetValue(Index: Integer): String;
    procedure SetValue(Index: Integer; const Value: String);
  public
    ID: Integer;
    procedure Add(const APrompt: String; const APassword: Boolean);
    property Values[Index: Integer]: String read GetValue write SetValue;
  end;
const
  SW_HIDE = 0; MB_OK = 0; IDOK = 1; wpSelectTasks = 6;
function TInputQueryWizardPage.GetValue(Index: Integer): String; begin Result := FValues[Index]; end;
procedure TInputQueryWizardPage.SetValue(Index: Integer; const Value: String); begin FValues[Index] := Value; end;
procedure TInputQueryWizardPage.Add(const APrompt: String; const APassword: Boolean);
begin SetLength(FValues, Length(FValues) + 1); end;
function CreateInputQueryPage(const AfterID: Integer; const ACaption, ADescription, ASubCaption: String): TInputQueryWizardPage;
begin Result := TInputQueryWizardPage.Create; end;
function ExpandConstant(const S: String): String; begin Result := S; end;
procedure Log(const S: String); begin end;
function Exec(const Filename, Params, WorkingDir: String; const ShowCmd: Integer; const Wait: TExecWait;
  var ResultCode: Integer): Boolean; begin Result := False; end;
function FileCopy(const ExistingFile, NewFile: String; const FailIfExists: Boolean): Boolean; begin Result := False; end;
function SaveStringsToUTF8File(const FileName: String; const S: TArrayOfString; const Append: Boolean): Boolean;
begin Result := False; end;
function LoadStringFromFile(const FileName: String; var S: AnsiString): Boolean; begin Result := False; end;
function SuppressibleMsgBox(const Text: String; const Typ: TMsgBoxType; const Buttons, Default: Integer): Integer;
begin Result := Default; end;
function MsgBox(const Text: String; const Typ: TMsgBoxType; const Buttons: Integer): Integer; begin Result := 0; end;
"""


def _code_section() -> str:
    # ISPP fills in {#AppVersion} when the installer is compiled.
    return ISS.read_text(encoding="utf-8-sig").split("[Code]", 1)[1].replace("{#AppVersion}", "0.1.0")


def _pascal_functions() -> str:
    code = _code_section()
    parts = []
    for name in FUNCTIONS:
        match = re.search(rf"^(?:function|procedure) {name}\b.*?^end;$", code, flags=re.S | re.M)
        assert match, f"{name} is not in dabir.iss"
        parts.append(match.group(0))
    return "\n\n".join(parts)


def _compile(folder: Path, source_text: str) -> subprocess.CompletedProcess[str]:
    source = folder / "isscode.pas"
    source.write_text(source_text, encoding="utf-8")
    return subprocess.run(["fpc", "-v0", f"-FE{folder}", str(source)], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def iss_code(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("isscode")
    build = _compile(folder, PRELUDE + _pascal_functions() + MAIN)
    assert build.returncode == 0, f"the [Code] functions do not compile:\n{build.stdout}\n{build.stderr}"
    return folder / "isscode"


def _ask(program: Path, *requests: tuple[str, ...]) -> list[str]:
    """Each request's answer (its lines joined with \\n)."""
    stdin = "".join("\t".join(r) + "\n" for r in requests)
    run = subprocess.run([str(program)], input=stdin, capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert run.returncode == 0, run.stderr
    answers = run.stdout.split(END + "\n")
    assert answers[-1] == "" and len(answers) == len(requests) + 1
    return [a.removesuffix("\n") for a in answers[:-1]]


def test_server_addresses_other_than_https_are_refused(iss_code: Path) -> None:
    refused = ["http://dabir.example.ir", "HTTPS://dabir.example.ir", "https://", "ftp://x", "dabir.example.ir",
               "https://dabir example.ir"]
    accepted = ["", "https://dabir.example.ir", "https://10.0.0.5:8443/api", "https://دبیر.ایران"]
    answers = _ask(iss_code, *(("url", u) for u in refused + accepted))
    assert all(a for a in answers[: len(refused)]), dict(zip(refused, answers, strict=False))
    assert answers[len(refused):] == [""] * len(accepted)
    for url in refused[:3]:  # the client refuses what the installer refuses
        with pytest.raises(ValueError):
            parse_site_config(f"[server]\nurl = '{url}'\n", Path("dabir.toml"))


def test_only_full_windows_paths_are_accepted(iss_code: Path) -> None:
    cases = {r"C:\Program Files\x.dll": "yes", r"\\fileserver\it\ca.pem": "yes", r"d:\ca.pem": "yes",
             "ca.pem": "no", r"certs\ca.pem": "no", "C:": "no", r"C:ca.pem": "no", r"\ca.pem": "no"}
    assert dict(zip(cases, _ask(iss_code, *(("abs", p) for p in cases)), strict=True)) == cases


def test_written_lines_are_the_settings_the_client_reads(iss_code: Path, tmp_path: Path) -> None:
    module = r"C:\Program Files\Vendor's Token\pkcs11.dll"
    (full, server_only, module_only) = _ask(
        iss_code,
        ("toml", "https://dabir.example.ir:8443", "ca.pem", module),
        ("toml", "https://dabir.example.ir", "", ""),
        ("toml", "", "", r"C:\Windows\System32\ShuttleCsp11_3003.dll"),
    )
    config = parse_site_config(full, tmp_path / "dabir.toml")
    assert (config.server_url, config.ca_bundle) == ("https://dabir.example.ir:8443", str(tmp_path / "ca.pem"))
    assert tomllib.loads(full)["token"]["module"] == module
    assert tomllib.loads(server_only) == {"server": {"url": "https://dabir.example.ir"}}
    assert tomllib.loads(module_only) == {"token": {"module": r"C:\Windows\System32\ShuttleCsp11_3003.dll"}}
    assert full.startswith("# Written by the Dabir 0.1.0 installer")


def test_any_path_survives_the_quoting(iss_code: Path) -> None:
    rng = random.Random(18)
    alphabet = "\\'\" abcC:/.-_دبیر۱۲٣\u200c$%{}[]#=,;"
    paths = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 40))) for _ in range(300)]
    paths += ["'", '"', "\\", "\\\\server\\it's\\\"x\"", "''' \"\"\""]
    answers = _ask(iss_code, *(("toml", "", "", p) for p in paths))
    for path, text in zip(paths, answers, strict=True):
        assert tomllib.loads(text)["token"]["module"] == path, text


def test_the_whole_code_section_compiles_against_inno_setups_prototypes(tmp_path: Path) -> None:
    build = _compile(tmp_path, PRELUDE + INNO_API + _code_section() + "\nbegin\nend.\n")
    assert build.returncode == 0, f"[Code] does not compile:\n{build.stdout}\n{build.stderr}"
