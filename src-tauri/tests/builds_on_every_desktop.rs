//! Issue 14: Rapport builds for Windows and macOS as well as Linux. The
//! builds themselves run only on GitHub's machines (`.github/workflows/`);
//! this checks here what can be checked without them: the configuration
//! each system's build reads, the icons it names, the workflows, and that no
//! code meant for Linux only reaches the other systems.

use std::path::{Path, PathBuf};
use tauri_utils::config::{parse, BundleTarget, BundleType, Config, WebviewInstallMode};
use tauri_utils::platform::Target;
use yaml_rust2::{Yaml, YamlLoader};

fn shell() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn root() -> PathBuf {
    shell().parent().unwrap().to_owned()
}

/// The configuration as tauri-build reads it on `target`: tauri.conf.json
/// with the system's own file (tauri.windows.conf.json ...) merged in.
fn config(target: Target) -> Config {
    let (value, _) = parse::read_from(target, &shell()).expect("the configuration reads");
    serde_json::from_value(value).unwrap_or_else(|e| panic!("the {target:?} configuration is valid: {e}"))
}

fn targets(config: &Config) -> Vec<BundleType> {
    match &config.bundle.targets {
        BundleTarget::List(list) => list.clone(),
        BundleTarget::One(one) => vec![one.clone()],
        BundleTarget::All => panic!("each system names its bundles"),
    }
}

/// Width and height of a PNG, from its header.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[1..4], b"PNG", "{} is a PNG", path.display());
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
fn every_icon_the_configuration_names_exists_with_the_size_its_name_says() {
    let icons = config(Target::Linux).bundle.icon;
    for icon in &icons {
        let path = shell().join(icon);
        assert!(path.is_file(), "{icon} is named in tauri.conf.json but missing: run icons/make.sh");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if let Some((w, rest)) = name.strip_suffix(".png").and_then(|n| n.split_once('x')) {
            let scale = if rest.ends_with("@2x") { 2 } else { 1 };
            let h: u32 = rest.trim_end_matches("@2x").parse().unwrap();
            let w: u32 = w.parse().unwrap();
            assert_eq!(png_size(&path), (w * scale, h * scale), "{name} has the size its name says");
        }
    }
    let endings: Vec<&str> = icons.iter().filter_map(|i| Path::new(i).extension()?.to_str()).collect();
    assert!(endings.contains(&"ico"), "tauri-build needs an .ico for the Windows resource file");
    assert!(endings.contains(&"icns"), "the macOS .app needs an .icns");
    assert_eq!(png_size(&root().join("icons/icon.png")), (512, 512), "the largest PNG, for Linux");
    let svg = std::fs::read_to_string(root().join("icons/icon.svg")).unwrap();
    assert!(svg.contains(r#"viewBox="0 0 1024 1024""#), "the icons are drawn from a 1024 px source");
    let icns = std::fs::read(root().join("icons/icon.icns")).unwrap();
    assert!(icns.windows(4).any(|w| w == b"ic10"), "the .icns holds the 1024 px image (ic10)");
}

#[test]
fn each_system_builds_its_own_installers() {
    use BundleType::*;
    assert_eq!(targets(&config(Target::Linux)), [Deb, Rpm, AppImage]);
    assert_eq!(targets(&config(Target::MacOS)), [App, Dmg]);
    let windows = config(Target::Windows);
    assert_eq!(targets(&windows), [Nsis, Msi]);
    assert!(
        matches!(windows.bundle.windows.webview_install_mode, WebviewInstallMode::OfflineInstaller { .. }),
        "the Windows installers carry the WebView2 runtime: Rapport is for machines that may be offline"
    );
}

fn workflow(name: &str) -> Yaml {
    let path = root().join(".github/workflows").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut docs = YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{name} is not valid YAML: {e}"));
    assert_eq!(docs.len(), 1, "{name} is one document");
    docs.remove(0)
}

/// Every `run:` of a job's steps, joined.
fn runs(job: &Yaml) -> String {
    job["steps"].as_vec().unwrap().iter().filter_map(|s| s["run"].as_str()).collect::<Vec<_>>().join("\n")
}

fn oses(job: &Yaml) -> Vec<String> {
    let matrix = &job["strategy"]["matrix"];
    let list = match matrix["os"].as_vec() {
        Some(list) => list.iter().filter_map(|o| o.as_str()).map(str::to_owned).collect(),
        None => {
            matrix["include"].as_vec().unwrap().iter().filter_map(|i| i["os"].as_str()).map(str::to_owned).collect()
        }
    };
    assert_eq!(job["runs-on"].as_str(), Some("${{ matrix.os }}"));
    list
}

#[test]
fn the_tests_run_on_windows_macos_and_ubuntu() {
    let test = workflow("test.yml");
    let job = &test["jobs"]["test"];
    let oses = oses(job);
    for os in ["windows-latest", "macos-latest"] {
        assert!(oses.iter().any(|o| o == os), "the tests run on {os}: {oses:?}");
    }
    assert!(oses.iter().any(|o| o.starts_with("ubuntu-")), "and on Ubuntu: {oses:?}");
    let runs = runs(job);
    for command in [
        "cargo test --locked\n",
        "cargo test --locked -p rapport-desktop",
        "npm --prefix ui test",
        "npm --prefix ui run check",
        "cargo clippy --locked --all-targets -- -D warnings",
    ] {
        assert!(runs.contains(command), "the test job runs `{}`", command.trim());
    }
}

#[test]
fn a_tag_builds_the_installers_of_each_system_signed_when_the_keys_exist() {
    let release = workflow("release.yml");
    assert!(!release["on"]["push"]["tags"].is_badvalue(), "the release runs on tags");
    let job = &release["jobs"]["installers"];
    let oses = oses(job);
    for os in ["windows", "macos", "ubuntu"] {
        assert!(oses.iter().any(|o| o.starts_with(os)), "installers are built on {os}: {oses:?}");
    }
    let runs = runs(job);
    assert!(runs.contains("tauri build"), "the job builds the bundles");
    for secret in ["APPLE_CERTIFICATE", "WINDOWS_CERTIFICATE"] {
        assert!(runs.contains(&format!("[ -n \"${secret}\" ]")), "signing waits for the {secret} secret");
    }
}

/// Words that only mean something on Linux (its display stack, its paths).
const LINUX_ONLY: &[&str] =
    &["WEBKIT_", "webkit2gtk", "gtk::", "XDG_", "std::os::unix", "/usr/", "/tmp/", "/proc/", "libc::", "xvfb"];

/// Whether the item holding line `at` is under `cfg(target_os = "linux")`
/// (or `unix`): an attribute at most as indented as it, a few lines above.
/// Or the whole top-level item it is in (a test function, say) is: the
/// attributes above that item's first line.
fn under_linux_cfg(lines: &[&str], at: usize) -> bool {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let linux_cfg = |t: &str| {
        (t.starts_with("#[cfg(") || t.starts_with("#![cfg("))
            && (t.contains(r#"target_os = "linux""#) || t.contains("unix"))
    };
    let near =
        lines[at.saturating_sub(8)..at].iter().any(|l| indent(l) <= indent(lines[at]) && linux_cfg(l.trim_start()));
    let item = (0..at).rev().find(|&k| {
        let l = lines[k];
        indent(l) == 0 && ["fn ", "pub fn ", "async fn ", "mod ", "impl"].iter().any(|s| l.starts_with(s))
    });
    let whole = item.is_some_and(|k| {
        lines[..k]
            .iter()
            .rev()
            .take_while(|l| l.starts_with("#[") || l.starts_with("///") || l.starts_with("//"))
            .any(|l| linux_cfg(l))
    });
    near || whole
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_code_for_linux_only_outside_cfg_target_os_linux() {
    let mut files = Vec::new();
    for dir in ["src", "src-tauri/src", "src-tauri/build.rs", "tests", "src-tauri/tests"] {
        let path = root().join(dir);
        if path.is_file() {
            files.push(path);
        } else {
            rust_files(&path, &mut files);
        }
    }
    let this = Path::new(file!()).file_name().unwrap();
    let mut found = Vec::new();
    for file in files.iter().filter(|f| f.file_name() != Some(this)) {
        let text = std::fs::read_to_string(file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if LINUX_ONLY.iter().any(|w| code.contains(w)) && !under_linux_cfg(&lines, i) {
                found.push(format!("{}:{}: {}", file.strip_prefix(root()).unwrap().display(), i + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "Linux-only code outside cfg(target_os = \"linux\"):\n{}", found.join("\n"));
}
