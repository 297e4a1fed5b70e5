//! Helpers shared by the end-to-end tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dnsplan"))
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Run dnsplan in `dir` with `args`.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin()
        .current_dir(dir)
        .args(args)
        .env_remove("DNSPLAN_CONFIG")
        .output()
        .expect("run dnsplan")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A temporary project: `zones/` holding the given files, and a config with one YAML source
/// and one YAML target per zone, plus an optional `manager:` section.
pub fn project(files: &[(&str, &str)], zones: &[&str], manager: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("zones")).unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join("zones").join(name), text).unwrap();
    }
    let mut cfg = String::new();
    if !manager.is_empty() {
        cfg.push_str("manager:\n");
        cfg.push_str(manager);
        cfg.push('\n');
    }
    cfg.push_str(
        "providers:\n  config: {class: octodns.provider.yaml.YamlProvider, directory: ./zones}\n  \
         out: {class: octodns.provider.yaml.YamlProvider, directory: ./out}\nzones:\n",
    );
    for z in zones {
        cfg.push_str(&format!("  {z}: {{sources: [config], targets: [out]}}\n"));
    }
    std::fs::write(dir.path().join("config.yaml"), cfg).unwrap();
    dir
}

/// `dnsplan validate --format json` in a project; the parsed report.
pub fn validate_json(dir: &Path) -> (i32, serde_json::Value) {
    let o = run_in(
        dir,
        &["validate", "--config", "config.yaml", "--format", "json"],
    );
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("json: {e}\n{}", stdout(&o)));
    (o.status.code().unwrap_or(-1), v)
}

/// Borrowed views of owned `(file name, text)` pairs, for `project`.
pub fn refs(files: &[(String, String)]) -> Vec<(&str, &str)> {
    files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect()
}

/// Borrowed views of owned strings (zone names), for `project`.
pub fn strs(names: &[String]) -> Vec<&str> {
    names.iter().map(String::as_str).collect()
}
