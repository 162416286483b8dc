; Inno Setup script for the apheresis donation station (Windows station PCs).
;
; Build on Windows, from the repository root:
;   py -3.11 -m venv .venv && .venv\Scripts\pip install -e .[build,postgres]
;   .venv\Scripts\pyinstaller --noconfirm installer\station.spec      (makes dist\station\station.exe)
;   iscc installer\windows\station.iss                                (makes dist\installer\*.exe)
; tests/installer/test_installer_script.py keeps the names and version here in step with station.spec
; and station.__version__; pass /DAppVersion=x.y.z to iscc only together with a matching program.

#define AppName "Apheresis Station"
#define AppNameZh "成分献血工作站"
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define BundleName "station"
#define AppExe "station.exe"
#define BundleDir "..\..\dist\" + BundleName
#define DataFolder "ApheresisStation"

[Setup]
AppId={{6B0E3C52-7A4F-4E0B-9D37-1F5C2B8A9E41}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Blood centre IT
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
OutputDir=..\..\dist\installer
OutputBaseFilename=station-setup-{#AppVersion}
Compression=lzma2
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequired=admin
; STATION_HOME is set machine-wide below, so running programs must be told
ChangesEnvironment=yes
UninstallDisplayIcon={app}\{#AppExe}
; an upgrade installs over the previous version: close the client first
CloseApplications=yes

[Languages]
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
; the whole one-folder bundle; files left by an older version are replaced
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Dirs]
; the data folder (configuration, SQLite database, keys, records, backups) is shared by every user of
; the station PC and is never removed by the uninstaller
Name: "{commonappdata}\{#DataFolder}"; Permissions: users-modify; Flags: uninsneveruninstall

[Registry]
; the program finds its data folder through STATION_HOME (station/config.py default_data_dir)
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; ValueType: expandsz; ValueName: "STATION_HOME"; ValueData: "{commonappdata}\{#DataFolder}"; Flags: preservestringtype uninsdeletevalue

[Icons]
; the client: staff log in and choose their workspace; it opens the donor tablet window itself on the
; screen set in [ui] tablet_screen of station.toml
Name: "{group}\{#AppNameZh} {#AppName}"; Filename: "{app}\{#AppExe}"; Parameters: "--data-dir ""{commonappdata}\{#DataFolder}"""; WorkingDir: "{commonappdata}\{#DataFolder}"
; no separate entry for the donor tablet: its window belongs to the client process (the tablet
; steps are driven by the registration workspace's session), so the client entry starts it too
; the command line (station init, db, backup, ca ...) for the centre's IT staff
Name: "{group}\Station command prompt"; Filename: "{cmd}"; Parameters: "/k set ""PATH={app};%PATH%"" && station --version"; WorkingDir: "{commonappdata}\{#DataFolder}"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppNameZh}"; Filename: "{app}\{#AppExe}"; Parameters: "--data-dir ""{commonappdata}\{#DataFolder}"""; Tasks: desktopicon

[Run]
; a new station PC has no configuration yet: the client then says to run `station init` (Start menu,
; Station command prompt) or the centre's IT copies the site's station.toml into the data folder first
Filename: "{app}\{#AppExe}"; Parameters: "--data-dir ""{commonappdata}\{#DataFolder}"""; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent unchecked

[UninstallDelete]
; only what the program itself may have written next to the executable; the data folder stays
Type: filesandordirs; Name: "{app}\__pycache__"
