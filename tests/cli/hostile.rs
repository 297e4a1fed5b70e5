//! Hostile input at the file system: zone names that would be paths outside the providers'
//! directories, symlink loops in zone directories, and `apply` killed while it writes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common::{run_in, stdout};

/// Every path under `root` (relative), with each file's content: a snapshot to compare.
fn tree(root: &Path) -> BTreeSet<(PathBuf, Vec<u8>)> {
    let mut out = BTreeSet::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            if meta.is_dir() {
                todo.push(p);
                out.insert((rel, Vec::new()));
            } else if meta.is_file() {
                out.insert((rel, std::fs::read(&p).unwrap()));
            } else {
                out.insert((rel, b"<other>".to_vec()));
            }
        }
    }
    out
}

/// Write `files` (path relative to `root`, text), creating their directories.
fn put(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// A temporary directory holding `files`.
fn tmp_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    put(root.path(), files);
    root
}

/// The names in a directory, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// `apply` succeeds and a `plan` right after it finds nothing to do.
fn apply_then_nothing_to_do(proj: &Path) {
    for cmd in ["apply", "plan"] {
        let o = run_in(proj, &[cmd, "--config", "config.yaml"]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{cmd}: {}{}",
            stdout(&o),
            stderr(&o)
        );
    }
}

const PWNED: &str = "---\nwww: {type: A, value: 192.0.2.66}\n";

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Zone keys that are not DNS names, as YAML keys, with what the error says.
fn hostile_keys(root: &Path) -> Vec<(String, &'static str)> {
    vec![
        ("'../pwned.'".to_string(), "empty label"),
        ("'x/../../pwned.'".to_string(), "`/` is only allowed"),
        ("'.../pwned.'".to_string(), "empty label"),
        (
            format!("'{}/pwned.'", root.display()),
            "`/` is only allowed",
        ),
        ("'sub/pwned.'".to_string(), "`/` is only allowed"),
        ("'..\\pwned.'".to_string(), "`\\` not allowed"),
        ("\"nul\\0pwned.\"".to_string(), "U+0000"),
        ("'a..b.'".to_string(), "empty label"),
        (format!("'{}.example.'", "a".repeat(64)), "max is 63"),
        ("'example.com'".to_string(), "missing ending dot"),
    ]
}

/// A project in `root/proj`: sources in `z`, target `out`, and a zone file outside both
/// (`root/pwned.yaml`) that a path escaping `z` would find.
fn hostile_project(root: &Path, zone_key: &str) {
    let config = format!(
        "providers:\n  z: {{class: octodns.provider.yaml.YamlProvider, directory: ./z}}\n  \
         out: {{class: octodns.provider.yaml.YamlProvider, directory: ./out}}\nzones:\n  \
         ok.example.: {{sources: [z], targets: [out]}}\n  \
         {zone_key}: {{sources: [z], targets: [out]}}\n"
    );
    put(
        root,
        &[
            ("pwned.yaml", PWNED),
            (
                "proj/z/ok.example.yaml",
                "---\nwww: {type: A, value: 192.0.2.1}\n",
            ),
            ("proj/config.yaml", &config),
        ],
    );
}

#[test]
fn zone_names_that_are_not_dns_names_are_refused_at_their_line_and_nothing_is_touched() {
    let cases = hostile_keys(Path::new("/")).len();
    for i in 0..cases {
        let root = tempfile::tempdir().unwrap();
        // the absolute form points at this project's own root, where `pwned.yaml` is
        let (key, why) = hostile_keys(root.path()).swap_remove(i);
        hostile_project(root.path(), &key);
        let proj = root.path().join("proj");
        let before = tree(root.path());
        let o = run_in(
            &proj,
            &["validate", "--config", "config.yaml", "--format", "json"],
        );
        assert_eq!(o.status.code(), Some(1), "{key}: {}", stdout(&o));
        let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let diags = report["diagnostics"].as_array().unwrap();
        let d = diags
            .iter()
            .find(|d| d["rule"] == "config-zone-name")
            .unwrap_or_else(|| panic!("{key}: {diags:?}"));
        assert_eq!(d["line"], 6, "{key}: {d}");
        assert!(d["file"].as_str().unwrap().ends_with("config.yaml"), "{d}");
        assert!(d["message"].as_str().unwrap().contains(why), "{key}: {d}");
        for cmd in ["plan", "apply"] {
            let o = run_in(&proj, &[cmd, "--config", "config.yaml"]);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(1), "{cmd} {key}: {err}");
            assert!(err.contains("config.yaml:6:"), "{cmd} {key}: {err}");
            assert!(err.contains("config-zone-name"), "{cmd} {key}: {err}");
            assert!(
                !err.contains('\0'),
                "{cmd} {key}: a NUL reached the terminal"
            );
        }
        assert_eq!(tree(root.path()), before, "{key}: files changed");
    }
}

#[test]
fn classless_and_underscore_zone_names_stay_accepted_and_their_files_stay_inside() {
    let root = tmp_with(&[
        (
            "z/0-25.2.0.192.in-addr.arpa.yaml",
            "---\n'1': {type: PTR, value: host.example.}\n",
        ),
        ("z/_tcp.example.yaml", "---\n_sip: {type: TXT, value: x}\n"),
        (
            "config.yaml",
            "providers:\n  z: {class: octodns.provider.yaml.YamlProvider, directory: ./z}\n  \
                 out: {class: octodns.provider.yaml.YamlProvider, directory: ./out}\n  \
                 bind: {class: octodns_bind.ZoneFileProvider, directory: ./bind, check_origin: false}\n\
                 zones:\n  0/25.2.0.192.in-addr.arpa.: {sources: [z], targets: [out, bind]}\n  \
                 _tcp.example.: {sources: [z], targets: [out]}\n",
        ),
    ]);
    let proj = root.path();
    let o = run_in(proj, &["validate", "--config", "config.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // applied, read back unchanged
    apply_then_nothing_to_do(proj);
    // a classless label's `/` is written `-`, as octodns-bind does, in both providers
    assert_eq!(
        names_in(&proj.join("out")),
        ["0-25.2.0.192.in-addr.arpa.yaml", "_tcp.example.yaml"]
    );
    assert_eq!(names_in(&proj.join("bind")), ["0-25.2.0.192.in-addr.arpa."]);
}

#[test]
fn template_expansion_refuses_directory_entries_that_are_not_zone_names() {
    let root = tmp_with(&[
        ("z/good.example.yaml", "--- {}\n"),
        ("z/bad..example.yaml", "--- {}\n"),
        ("z/back\\slash.example.yaml", "--- {}\n"),
        (
            "config.yaml",
            "providers:\n  z: {class: octodns.provider.yaml.YamlProvider, directory: ./z}\n  \
                 out: {class: octodns.provider.yaml.YamlProvider, directory: ./out}\nzones:\n  \
                 '*':\n    sources: [z]\n    targets: [out]\n",
        ),
    ]);
    let proj = root.path();
    let o = run_in(
        proj,
        &["validate", "--config", "config.yaml", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let refused: Vec<&serde_json::Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "config-zone-name")
        .collect();
    assert_eq!(refused.len(), 2, "{refused:?}");
    for d in &refused {
        assert_eq!(d["line"], 5, "{d}");
    }
    let text = format!("{refused:?}");
    assert!(text.contains("bad..example.yaml"), "{text}");
    assert!(text.contains("slash.example.yaml"), "{text}");
    // nothing was read from or written for them
    let o = run_in(proj, &["apply", "--config", "config.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!proj.join("out").exists());
}

fn dump(proj: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["dump", "--config", "config.yaml"];
    all.extend_from_slice(args);
    run_in(proj, &all)
}

#[test]
fn dump_refuses_a_hostile_zone_name_before_reading_and_writes_inside_its_output_dir() {
    let root = tempfile::tempdir().unwrap();
    let proj = root.path().join("proj");
    put(
        root.path(),
        &[
            ("pwned.yaml", PWNED),
            (
                "proj/z/ok.example.yaml",
                "---\n'0/25': {type: NS, value: ns.example.}\nwww: {type: A, value: 192.0.2.1}\n",
            ),
            (
                "proj/config.yaml",
                "providers:\n  z: {class: octodns.provider.yaml.YamlProvider, directory: ./z}\n\
                 zones:\n  ok.example.: {sources: [z], targets: [z]}\n",
            ),
        ],
    );
    let before = tree(root.path());
    for zone in ["../pwned.", "../pwned", "sub/../../pwned", "a\\b.", ".."] {
        for format in ["yaml", "zonefile"] {
            let o = dump(
                &proj,
                &["--output-dir", "dumped", "--format", format, zone, "z"],
            );
            assert_eq!(o.status.code(), Some(1), "{zone}: {}", stderr(&o));
            assert!(
                stderr(&o).contains("invalid zone name"),
                "{zone}: {}",
                stderr(&o)
            );
        }
    }
    assert_eq!(tree(root.path()), before, "a refused dump touched files");
    // an output dir that is a file is refused
    std::fs::write(proj.join("file"), "x").unwrap();
    let o = dump(&proj, &["--output-dir", "file", "ok.example.", "z"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a directory"), "{}", stderr(&o));
    // a real dump writes only inside the output dir
    let o = dump(&proj, &["--output-dir", "dumped", "ok.example.", "z"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(names_in(&proj.join("dumped")), ["ok.example.yaml"]);
}

#[test]
fn split_zone_files_for_names_with_a_slash_stay_in_the_zone_directory() {
    let root = tmp_with(&[
        (
            "z/2.0.192.in-addr.arpa.yaml",
            "---\n'0-25': {type: TXT, value: not the same name}\n'0/25': {type: NS, value: ns.example.}\n",
        ),
        (
            "config.yaml",
            "providers:\n  z: {class: octodns.provider.yaml.YamlProvider, directory: ./z}\n  \
                 split: {class: octodns.provider.yaml.SplitYamlProvider, directory: ./split}\n\
                 zones:\n  2.0.192.in-addr.arpa.: {sources: [z], targets: [split]}\n",
        ),
    ]);
    let proj = root.path();
    // every record reads back from its own file
    apply_then_nothing_to_do(proj);
    assert_eq!(
        names_in(&proj.join("split/2.0.192.in-addr.arpa.")),
        ["0%2F25.yaml", "0-25.yaml"]
    );
}

/// Run dnsplan in `dir`, failing the test when it has not finished within `limit`.
fn run_bounded(dir: &Path, args: &[&str], limit: std::time::Duration) -> std::process::Output {
    let mut child = crate::common::bin()
        .current_dir(dir)
        .args(args)
        .env_remove("DNSPLAN_CONFIG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().unwrap();
            panic!("dnsplan {args:?} still running after {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn symlink_loops_in_zone_directories_end_in_an_error_naming_the_path() {
    use std::os::unix::fs::symlink;
    let limit = std::time::Duration::from_secs(20);
    let root = tempfile::tempdir().unwrap();
    let proj = root.path();
    // a split directory with a file that links to itself, two that link to each other, and a
    // directory link back to its parent (never walked: split directories are one level deep)
    let split = proj.join("split/loop.example.");
    std::fs::create_dir_all(&split).unwrap();
    std::fs::write(
        split.join("www.yaml"),
        "---\nwww: {type: A, value: 192.0.2.1}\n",
    )
    .unwrap();
    symlink("self.yaml", split.join("self.yaml")).unwrap();
    symlink("b.yaml", split.join("a.yaml")).unwrap();
    symlink("a.yaml", split.join("b.yaml")).unwrap();
    symlink("..", split.join("up")).unwrap();
    // a zone directory that is itself a loop, and a zone file that is one
    symlink("dir.example.", proj.join("split/dir.example.")).unwrap();
    std::fs::create_dir_all(proj.join("z")).unwrap();
    symlink("file.example.yaml", proj.join("z/file.example.yaml")).unwrap();
    // `validate` with this config: fails within the limit; its diagnostics
    let validate = |config: &str| -> Vec<serde_json::Value> {
        std::fs::write(proj.join("config.yaml"), config).unwrap();
        let o = run_bounded(
            proj,
            &["validate", "--config", "config.yaml", "--format", "json"],
            limit,
        );
        assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
        let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        report["diagnostics"].as_array().unwrap().clone()
    };
    let diags = validate(
        "providers:\n  split: {class: octodns.provider.yaml.SplitYamlProvider, directory: ./split}\n  \
         z: {class: octodns.provider.yaml.YamlProvider, directory: ./z}\n  \
         out: {class: octodns.provider.yaml.YamlProvider, directory: ./out}\nzones:\n  \
         loop.example.: {sources: [split], targets: [out]}\n  \
         dir.example.: {sources: [split], targets: [out]}\n  \
         file.example.: {sources: [z], targets: [out]}\n",
    );
    let named = |path: &str| {
        diags.iter().any(|d| {
            let m = d["message"].as_str().unwrap();
            (m.contains(path) || d["file"].as_str().unwrap().contains(path))
                && m.contains("symbolic links")
        })
    };
    for path in [
        "loop.example./self.yaml",
        "loop.example./a.yaml",
        "loop.example./b.yaml",
        "split/dir.example.",
        "z/file.example.yaml",
    ] {
        assert!(
            named(path),
            "no symlink-loop error naming {path} in {diags:?}"
        );
    }
    // the plan says the same, and nothing was written
    let o = run_bounded(proj, &["plan", "--config", "config.yaml"], limit);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("symbolic links"), "{}", stderr(&o));
    assert!(!proj.join("out").exists());

    // a '*' template over a directory holding a looping entry names it at the template's line
    let diags = validate(
        "providers:\n  z: {class: octodns.provider.yaml.YamlProvider, directory: ./z}\n  \
         out: {class: octodns.provider.yaml.YamlProvider, directory: ./out}\nzones:\n  \
         '*': {sources: [z], targets: [out]}\n",
    );
    let d = diags
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("file.example.yaml"))
        .unwrap_or_else(|| panic!("{diags:?}"));
    assert_eq!(d["line"], 5, "{d}");
    assert!(
        d["message"].as_str().unwrap().contains("symbolic links"),
        "{d}"
    );
}
