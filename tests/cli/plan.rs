//! `dnsplan plan / apply / drift / dump` end to end on local YAML targets, and interop with the
//! real octoDNS (installed by scripts/test into .venv).

use std::path::{Path, PathBuf};

use crate::common::*;

fn zone_a(n: usize) -> String {
    let mut s = String::from("---\n");
    for i in 0..n {
        s.push_str(&format!(
            "h{i:03}:\n  type: A\n  value: 192.0.2.{}\n",
            i % 250 + 1
        ));
    }
    s
}

fn plan_json(dir: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let mut args = vec!["plan", "--config", "config.yaml", "--format", "json"];
    args.extend_from_slice(extra);
    let o = run_in(dir, &args);
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "plan json: {e}\nstdout {}\nstderr {}",
            stdout(&o),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code().unwrap_or(-1), v)
}

fn code(dir: &Path, args: &[&str]) -> i32 {
    run_in(dir, args).status.code().unwrap_or(-1)
}

#[test]
fn apply_into_empty_directory_then_replan_is_empty() {
    let p = project(&[("example.com.yaml", &zone_a(5))], &["example.com."], "");
    let (c, j) = plan_json(p.path(), &[]);
    assert_eq!(c, 0);
    assert_eq!(j["plans"][0]["exists"], false);
    assert_eq!(j["plans"][0]["summary"]["creates"], 5);
    assert_eq!(
        code(
            p.path(),
            &["plan", "--config", "config.yaml", "--detailed-exitcode"]
        ),
        2
    );
    assert_eq!(code(p.path(), &["apply", "--config", "config.yaml"]), 0);
    assert!(p.path().join("out/example.com.yaml").exists());
    let (_, j) = plan_json(p.path(), &[]);
    assert_eq!(
        j["plans"][0]["changes"].as_array().unwrap().len(),
        0,
        "{j:#}"
    );
    assert_eq!(
        code(
            p.path(),
            &["plan", "--config", "config.yaml", "--detailed-exitcode"]
        ),
        0
    );
    assert_eq!(code(p.path(), &["drift", "--config", "config.yaml"]), 0);
}

#[test]
fn drift_exits_2_and_names_the_record() {
    let p = project(&[("example.com.yaml", &zone_a(3))], &["example.com."], "");
    assert_eq!(code(p.path(), &["apply", "--config", "config.yaml"]), 0);
    // a change behind dnsplan's back
    let f = p.path().join("out/example.com.yaml");
    let text = std::fs::read_to_string(&f)
        .unwrap()
        .replace("192.0.2.2", "198.51.100.9");
    std::fs::write(&f, text).unwrap();
    let o = run_in(p.path(), &["drift", "--config", "config.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o);
    assert!(out.contains("h001.example.com."), "{out}");
    assert!(
        out.contains("198.51.100.9") && out.contains("192.0.2.2"),
        "{out}"
    );
    // apply restores it
    assert_eq!(code(p.path(), &["apply", "--config", "config.yaml"]), 0);
    assert_eq!(code(p.path(), &["drift", "--config", "config.yaml"]), 0);
}

fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut v = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            v.push((e.path(), std::fs::read(e.path()).unwrap()));
        }
    }
    v.sort();
    v
}

#[test]
fn refused_apply_changes_nothing() {
    let p = project(&[("example.com.yaml", &zone_a(12))], &["example.com."], "");
    assert_eq!(code(p.path(), &["apply", "--config", "config.yaml"]), 0);
    let before = tree(&p.path().join("out"));
    // delete 4 of 12 records: over the 30% delete threshold
    let mut z = zone_a(12);
    for i in 0..4 {
        z = z.replace(
            &format!("h{i:03}:\n  type: A\n  value: 192.0.2.{}\n", i + 1),
            "",
        );
    }
    std::fs::write(p.path().join("zones/example.com.yaml"), z).unwrap();
    let o = run_in(p.path(), &["apply", "--config", "config.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Too many deletes, 33.33% is over 30.00% (4/12), force required"),
        "{err}"
    );
    assert_eq!(
        tree(&p.path().join("out")),
        before,
        "a refused apply must not write"
    );
    // the plan shows the refusal too
    let o = run_in(p.path(), &["plan", "--config", "config.yaml"]);
    assert!(
        stdout(&o).contains("refused without --force"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        code(p.path(), &["apply", "--config", "config.yaml", "--force"]),
        0
    );
    assert_ne!(tree(&p.path().join("out")), before);
}

#[test]
fn checksum_must_match_the_reviewed_plan() {
    let p = project(&[("example.com.yaml", &zone_a(2))], &["example.com."], "");
    let (_, j) = plan_json(p.path(), &[]);
    let reviewed = j["checksum"].as_str().unwrap().to_string();
    assert_eq!(reviewed.len(), 64);
    // the zone changes after review
    std::fs::write(p.path().join("zones/example.com.yaml"), zone_a(3)).unwrap();
    let o = run_in(
        p.path(),
        &["apply", "--config", "config.yaml", "--checksum", &reviewed],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not match"));
    assert!(!p.path().join("out/example.com.yaml").exists());
    let (_, j) = plan_json(p.path(), &[]);
    let now = j["checksum"].as_str().unwrap();
    assert_eq!(
        code(
            p.path(),
            &["apply", "--config", "config.yaml", "--checksum", now]
        ),
        0
    );
}

#[test]
fn every_output_shows_the_checksum() {
    let p = project(&[("example.com.yaml", &zone_a(2))], &["example.com."], "");
    let (_, j) = plan_json(p.path(), &[]);
    let sum = j["checksum"].as_str().unwrap();
    for fmt in ["table", "markdown"] {
        let o = run_in(
            p.path(),
            &["plan", "--config", "config.yaml", "--format", fmt],
        );
        assert!(stdout(&o).contains(sum), "{fmt}: {}", stdout(&o));
    }
}

/// A project of `zones` zones `z0.example.` … of `records` A records each; and their names.
fn estate(zones: usize, records: usize) -> (tempfile::TempDir, Vec<String>) {
    let names: Vec<String> = (0..zones).map(|i| format!("z{i}.example.")).collect();
    let files: Vec<(String, String)> = names
        .iter()
        .map(|n| (format!("{n}yaml"), zone_a(records)))
        .collect();
    (project(&refs(&files), &strs(&names), ""), names)
}

#[test]
fn shards_partition_the_zones() {
    let (p, names) = estate(40, 1);
    let mut seen = Vec::new();
    for k in 1..=3 {
        let (_, j) = plan_json(p.path(), &["--shard", &format!("{k}/3")]);
        let got: Vec<String> = j["plans"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["zone"].as_str().unwrap().to_string())
            .collect();
        assert!(!got.is_empty(), "shard {k} is empty");
        // stable: the same shard twice gives the same zones
        let (_, again) = plan_json(p.path(), &["--shard", &format!("{k}/3")]);
        assert_eq!(again["plans"].as_array().unwrap().len(), got.len());
        seen.extend(got);
    }
    seen.sort();
    let mut all = names.clone();
    all.sort();
    assert_eq!(seen, all, "every zone in exactly one shard");
    assert_eq!(
        code(
            p.path(),
            &["plan", "--config", "config.yaml", "--shard", "4/3"]
        ),
        1
    );
}

#[test]
fn invalid_zones_block_the_plan_with_positions() {
    let p = project(
        &[("example.com.yaml", "---\nwww:\n  type: A\n  value: nope\n")],
        &["example.com."],
        "",
    );
    let o = run_in(p.path(), &["plan", "--config", "config.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("example.com.yaml:4:10") && err.contains("ip-value-rfc"),
        "{err}"
    );
}

#[test]
fn secrets_never_appear_in_output() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("zones")).unwrap();
    std::fs::write(dir.path().join("zones/example.com.yaml"), zone_a(1)).unwrap();
    std::fs::write(
        dir.path().join("config.yaml"),
        "providers:\n  config: {class: yaml, directory: ./zones}\n  \
         remote: {class: octodns_powerdns.PowerDnsProvider, host: 127.0.0.1, api_key: env/DNSPLAN_TEST_SECRET}\n\
         zones:\n  example.com.: {sources: [config], targets: [remote]}\n",
    )
    .unwrap();
    let o = bin()
        .current_dir(dir.path())
        .args(["plan", "--config", "config.yaml"])
        .env("DNSPLAN_TEST_SECRET", "hunter2-very-secret")
        .output()
        .unwrap();
    let all = format!("{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr));
    assert!(!all.contains("hunter2-very-secret"), "{all}");
}

/// The real octoDNS, installed by scripts/test. Missing it is a failure, not a skip.
fn octodns_sync() -> PathBuf {
    let venv = std::env::var_os("DNSPLAN_OCTODNS_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv"));
    let bin = venv.join("bin/octodns-sync");
    assert!(
        bin.exists(),
        "octoDNS is not installed at {} — run scripts/test, which installs it",
        bin.display()
    );
    bin
}

#[test]
fn octodns_reads_what_dnsplan_wrote_as_identical() {
    let sync = octodns_sync();
    let fixtures = fixtures().join("octodns");
    let mut files = Vec::new();
    for n in [
        "unit.tests.yaml",
        "dynamic.tests.yaml",
        "subzone.unit.tests.yaml",
    ] {
        files.push((n, std::fs::read_to_string(fixtures.join(n)).unwrap()));
    }
    files.push((
        "example.com.yaml",
        std::fs::read_to_string(fixtures.join("../valid/example.com.yaml")).unwrap(),
    ));
    let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let p = project(
        &refs,
        &[
            "unit.tests.",
            "dynamic.tests.",
            "subzone.unit.tests.",
            "example.com.",
        ],
        "",
    );
    assert_eq!(
        code(p.path(), &["apply", "--config", "config.yaml", "--force"]),
        0
    );
    let (_, j) = plan_json(p.path(), &[]);
    for plan in j["plans"].as_array().unwrap() {
        assert_eq!(plan["changes"].as_array().unwrap().len(), 0, "{plan:#}");
    }
    let o = std::process::Command::new(&sync)
        .current_dir(p.path())
        .args(["--config-file", "config.yaml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("No changes were planned"),
        "octoDNS saw changes:\n{err}"
    );
}

#[test]
fn dump_writes_yaml_and_zone_files_that_read_back_identically() {
    let p = project(&[("example.com.yaml", &zone_a(4))], &["example.com."], "");
    for fmt in ["yaml", "zonefile"] {
        let o = run_in(
            p.path(),
            &[
                "dump",
                "--config",
                "config.yaml",
                "--output-dir",
                fmt,
                "--format",
                fmt,
                "example.com.",
                "config",
            ],
        );
        assert!(
            o.status.success(),
            "{fmt}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    assert!(p.path().join("yaml/example.com.yaml").exists());
    let bind = std::fs::read_to_string(p.path().join("zonefile/example.com.")).unwrap();
    assert!(bind.contains(" IN SOA ") && bind.contains("h003"), "{bind}");
    // both dumps, used as targets, are in sync with the source
    std::fs::write(
        p.path().join("config.yaml"),
        "providers:\n  config: {class: yaml, directory: ./zones}\n  y: {class: yaml, directory: ./yaml}\n  \
         z: {class: octodns_bind.ZoneFileProvider, directory: ./zonefile}\n\
         zones:\n  example.com.: {sources: [config], targets: [y, z]}\n",
    )
    .unwrap();
    let (_, j) = plan_json(p.path(), &[]);
    for plan in j["plans"].as_array().unwrap() {
        assert_eq!(plan["changes"].as_array().unwrap().len(), 0, "{plan:#}");
    }
}

/// The progress line is drawn on a terminal only: under a pseudo-terminal (`script`, util-linux)
/// a 25-zone plan shows `planning: n/25 zone × target` and erases it; with standard error a
/// pipe, nothing of it is written.
#[test]
fn progress_line_on_a_terminal_only() {
    let (p, _) = estate(25, 2);
    let plan = format!(
        "'{}' plan --config config.yaml --out plan.txt",
        env!("CARGO_BIN_EXE_dnsplan")
    );
    let o = std::process::Command::new("script")
        .current_dir(p.path())
        .args(["-qec", &plan, "/dev/null"])
        .env_remove("DNSPLAN_CONFIG")
        .output()
        .expect("script (util-linux) runs");
    let tty = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{tty}");
    assert!(tty.contains("planning: "), "{tty:?}");
    assert!(tty.contains("/25 zone × target\r\x1b[K"), "{tty:?}");
    assert!(tty.contains("plan written to plan.txt"), "{tty:?}");

    let o = run_in(
        p.path(),
        &["plan", "--config", "config.yaml", "--out", "plan.txt"],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        !err.contains("planning") && !err.contains('\x1b'),
        "{err:?}"
    );
}
