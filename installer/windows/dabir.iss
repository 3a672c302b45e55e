; Dabir (دبیر) Windows installer, Inno Setup 6. Compile from the repository root after the
; PyInstaller bundle (dist\dabir\) is built:
;   iscc /DAppVersion=<version from pyproject.toml> installer\windows\dabir.iss
; The silent-install switches and the file they write are in docs/site-config.md; what this script
; expects of the bundle is in installer/windows/README.md.

#ifndef AppVersion
  #error Pass the version from pyproject.toml: iscc /DAppVersion=X.Y.Z installer\windows\dabir.iss
#endif

[Setup]
AppId={{6B1E5C2A-3F47-4D8E-9A61-0D5C7E2B9F14}
AppName=Dabir
AppVersion={#AppVersion}
AppVerName=Dabir (دبیر) {#AppVersion}
AppPublisher=Dabir
DefaultDirName={autopf}\Dabir
DefaultGroupName=Dabir
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=dabir-setup-{#AppVersion}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
UninstallDisplayName=Dabir (دبیر)
UninstallDisplayIcon={app}\dabir.exe
SetupLogging=yes

[Languages]
; English only: Inno Setup ships no Persian messages file (Farsi.isl is an unofficial translation).
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The PyInstaller onedir bundle: dabir.exe (windowed), dabir-cli.exe (console) and _internal\.
Source: "..\..\dist\dabir\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\دبیر"; Filename: "{app}\dabir.exe"; Comment: "Dabir secretariat client"
Name: "{autoprograms}\Dabir"; Filename: "{app}\dabir.exe"; Comment: "Dabir secretariat client"
Name: "{autodesktop}\دبیر"; Filename: "{app}\dabir.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\dabir.exe"; Description: "{cm:LaunchProgram,Dabir}"; Flags: nowait postinstall skipifsilent runasoriginaluser

; The uninstaller removes only what [Files] and [Icons] installed: each user's letters
; (%LOCALAPPDATA%\Dabir) and the administrator's %ProgramData%\Dabir (dabir.toml, ca.pem)
; are never touched (docs/site-config.md).

[Code]
const
  ConfigFileName = 'dabir.toml';
  CaFileName = 'ca.pem';
  { SIDs, not names: group names are translated on a Persian Windows. }
  AdminsOnlyAcl = '/inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F *S-1-5-32-545:(OI)(CI)RX';

var
  ServerPage: TInputQueryWizardPage;

{ A custom switch (/NAME=value); '' when absent. }
function CmdSwitch(const Name: String): String;
begin
  Result := Trim(ExpandConstant('{param:' + Name + '|}'));
end;

function ConfigDir: String;
begin
  Result := ExpandConstant('{commonappdata}\Dabir');
end;

function HasControlChar(const S: String): Boolean;
var
  I: Integer;
begin
  Result := False;
  for I := 1 to Length(S) do
    if Ord(S[I]) < 32 then
      Result := True;
end;

{ C:\... or \\server\share\...: a relative path would be read against the wrong folder. }
function IsAbsolutePath(const P: String): Boolean;
begin
  Result := ((Length(P) >= 3) and (P[2] = ':') and (P[3] = '\')) or (Copy(P, 1, 2) = '\\');
end;

{ Why a server address cannot be used; '' when it can (or is empty). }
function ServerUrlError(const Url: String): String;
begin
  Result := '';
  if Url = '' then
    Exit;
  if (Copy(Url, 1, 8) <> 'https://') or (Length(Url) = 8) then
    Result := 'The server address must start with https:// (given: ' + Url + ').'
  else if HasControlChar(Url) or (Pos(' ', Url) > 0) then
    Result := 'The server address must not contain spaces.';
end;

function PathSwitchError(const Name, Value: String; const MustExist: Boolean): String;
begin
  Result := '';
  if Value = '' then
    Exit;
  if HasControlChar(Value) or not IsAbsolutePath(Value) then
    Result := '/' + Name + ' needs a full path such as C:\... or \\server\share\... (given: ' + Value + ').'
  else if MustExist and not FileExists(Value) then
    Result := '/' + Name + ': the file ' + Value + ' does not exist.';
end;

function CaBundleError(const Path: String): String;
var
  Pem: AnsiString;
begin
  Result := PathSwitchError('CABUNDLE', Path, True);
  if (Result = '') and (Path <> '') then
    if not LoadStringFromFile(Path, Pem) or (Pos('-----BEGIN CERTIFICATE-----', Pem) = 0) then
      Result := '/CABUNDLE: ' + Path + ' is not a PEM certificate file (-----BEGIN CERTIFICATE-----).';
end;

{ Why the command-line switches cannot be used; '' when they can. }
function SwitchesError: String;
begin
  Result := ServerUrlError(CmdSwitch('SERVER'));
  if Result = '' then
    Result := CaBundleError(CmdSwitch('CABUNDLE'));
  if Result = '' then
    Result := PathSwitchError('PKCS11', CmdSwitch('PKCS11'), False);
  if Result = '' then
    Result := PathSwitchError('CONFIG', CmdSwitch('CONFIG'), True);
  if (Result = '') and (CmdSwitch('CONFIG') <> '') and ((CmdSwitch('SERVER') <> '') or (CmdSwitch('PKCS11') <> '')) then
    Result := '/CONFIG cannot be combined with /SERVER or /PKCS11: put those settings in the file.';
end;

{ A TOML string: a literal '...' string keeps Windows backslashes as they are; a path with a
  quote in it becomes a basic "..." string with \ and " escaped. }
function TomlString(const S: String): String;
var
  Escaped: String;
begin
  if Pos('''', S) = 0 then
    Result := '''' + S + ''''
  else
  begin
    Escaped := S;
    StringChangeEx(Escaped, '\', '\\', True);
    StringChangeEx(Escaped, '"', '\"', True);
    Result := '"' + Escaped + '"';
  end;
end;

procedure AddLine(var Lines: TArrayOfString; const Line: String);
begin
  SetArrayLength(Lines, GetArrayLength(Lines) + 1);
  Lines[GetArrayLength(Lines) - 1] := Line;
end;

{ The dabir.toml lines for these settings (app/models/site_config.py reads them). }
function SiteConfigLines(const Server, CaFile, Module: String): TArrayOfString;
begin
  SetArrayLength(Result, 0);
  AddLine(Result, '# Written by the Dabir {#AppVersion} installer; the format is in docs/site-config.md.');
  if (Server <> '') or (CaFile <> '') then
  begin
    AddLine(Result, '[server]');
    if Server <> '' then
      AddLine(Result, 'url = ' + TomlString(Server));
    if CaFile <> '' then
      AddLine(Result, 'ca_bundle = ' + TomlString(CaFile));
  end;
  if Module <> '' then
  begin
    AddLine(Result, '[token]');
    AddLine(Result, 'module = ' + TomlString(Module));
  end;
end;

{ %ProgramData%\Dabir: read by every user, written only by administrators and the system. }
function MakeConfigDir: String;
var
  Code: Integer;
begin
  Result := '';
  if not ForceDirectories(ConfigDir) then
    Result := 'Cannot create the folder ' + ConfigDir + '.'
  else if not Exec(ExpandConstant('{sys}\icacls.exe'), '"' + ConfigDir + '" ' + AdminsOnlyAcl, '',
                   SW_HIDE, ewWaitUntilTerminated, Code) or (Code <> 0) then
    Result := 'Cannot restrict the permissions of ' + ConfigDir + ' (icacls exit code ' + IntToStr(Code) + ').';
end;

{ Writes (or copies) %ProgramData%\Dabir\dabir.toml for the given settings; '' when done. With no
  setting given, an existing file is left as it is. }
function WriteSiteConfig: String;
var
  Server, CaBundle, Module, Config, CaFile, Target: String;
begin
  Server := Trim(ServerPage.Values[0]);
  CaBundle := CmdSwitch('CABUNDLE');
  Module := CmdSwitch('PKCS11');
  Config := CmdSwitch('CONFIG');
  Target := ConfigDir + '\' + ConfigFileName;
  Result := '';
  if (Server = '') and (CaBundle = '') and (Module = '') and (Config = '') then
  begin
    Log('No workstation settings given; ' + Target + ' is left as it is.');
    Exit;
  end;
  Result := MakeConfigDir;
  if Result <> '' then
    Exit;
  CaFile := '';
  if CaBundle <> '' then
  begin
    if not FileCopy(CaBundle, ConfigDir + '\' + CaFileName, False) then
    begin
      Result := 'Cannot copy ' + CaBundle + ' to ' + ConfigDir + '.';
      Exit;
    end;
    CaFile := CaFileName;
  end;
  if Config <> '' then
  begin
    if not FileCopy(Config, Target, False) then
      Result := 'Cannot copy ' + Config + ' to ' + Target + '.';
  end
  else if not SaveStringsToUTF8File(Target, SiteConfigLines(Server, CaFile, Module), False) then
    Result := 'Cannot write ' + Target + '.';
  if Result = '' then
    Log('Wrote the workstation settings ' + Target + '.');
end;

function InitializeSetup: Boolean;
var
  Error: String;
begin
  Error := SwitchesError;
  Result := Error = '';
  if not Result then
  begin
    Log('Refusing the command line: ' + Error);
    SuppressibleMsgBox(Error, mbCriticalError, MB_OK, IDOK);
  end;
end;

procedure InitializeWizard;
begin
  ServerPage := CreateInputQueryPage(wpSelectTasks, 'Central server',
    'Which Dabir server do the users of this computer work with?',
    'Optional. The address is saved for every user of this computer in ' + ConfigDir + '\' + ConfigFileName +
    '. Leave it empty to let each user enter it when Dabir first starts.');
  ServerPage.Add('Server address (https://...):', False);
  ServerPage.Values[0] := CmdSwitch('SERVER');
end;

{ No question when a file is given, or when an existing file is kept as it is. }
function ShouldSkipPage(PageID: Integer): Boolean;
begin
  Result := (PageID = ServerPage.ID) and
            ((CmdSwitch('CONFIG') <> '') or ((CmdSwitch('SERVER') = '') and FileExists(ConfigDir + '\' + ConfigFileName)));
end;

function NextButtonClick(CurPageID: Integer): Boolean;
var
  Error: String;
begin
  Result := True;
  if CurPageID = ServerPage.ID then
  begin
    Error := ServerUrlError(Trim(ServerPage.Values[0]));
    Result := Error = '';
    if not Result then
      MsgBox(Error, mbError, MB_OK);
  end;
end;

{ Written before any program file is copied: a failure stops the installation (exit code 7). }
function PrepareToInstall(var NeedsRestart: Boolean): String;
begin
  Result := WriteSiteConfig;
end;
