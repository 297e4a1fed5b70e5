//! Hostile YAML through `dnsplan validate`: billion laughs, 100,000-level nesting, a 1 GiB
//! line, non-UTF-8 and NUL bytes, a device as an `!include`. Each ends in exit 1 with one
//! diagnostic at the zone file's line, quickly, without a panic (docs/limits.md, `## YAML
//! input`).

use std::time::{Duration, Instant};

use crate::common::*;

/// Validate a project whose zone file `example.com.yaml` holds `zone`; the diagnostics about
/// that file as (rule, line, column), and the time it took.
fn validate_zone(zone: &[u8]) -> (Vec<(String, u64, u64)>, Duration) {
    let p = project(&[], &["example.com."], "");
    std::fs::write(p.path().join("zones/example.com.yaml"), zone).unwrap();
    validate_project(&p)
}

fn validate_project(p: &tempfile::TempDir) -> (Vec<(String, u64, u64)>, Duration) {
    let t = Instant::now();
    let o = run_in(
        p.path(),
        &["validate", "--config", "config.yaml", "--format", "json"],
    );
    let took = t.elapsed();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(o.status.code(), Some(1), "{}\n{err}", stdout(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let diags = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            d["file"]
                .as_str()
                .unwrap_or("")
                .ends_with("example.com.yaml")
        })
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap_or(0),
                d["column"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    (diags, took)
}

/// The bound every case must meet on a debug build of a shared machine.
const QUICK: Duration = Duration::from_secs(20);

#[test]
fn billion_laughs_is_an_error_at_the_alias() {
    let mut zone = String::from("x0: &a0 {type: TXT, value: lol}\n");
    for i in 1..10 {
        let p = i - 1;
        zone.push_str(&format!(
            "x{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let (diags, took) = validate_zone(zone.as_bytes());
    assert!(took < QUICK, "took {took:?}");
    assert_eq!(diags.len(), 1, "{diags:?}");
    let (rule, line, col) = &diags[0];
    assert_eq!(rule, "yaml-too-large");
    assert!((6..=8).contains(line) && *col > 1, "{diags:?}");
}

#[test]
fn hundred_thousand_levels_of_nesting_are_an_error_not_a_stack_overflow() {
    for zone in [
        format!("www: {}", "[".repeat(100_000)),
        format!("www: {}", "{a: ".repeat(100_000)),
        format!("www:\n  {}", "- ".repeat(100_000)),
    ] {
        let (diags, took) = validate_zone(zone.as_bytes());
        assert!(took < QUICK, "took {took:?}");
        assert_eq!(diags.len(), 1, "{diags:?}");
        let (rule, line, col) = &diags[0];
        assert_eq!(rule, "yaml-syntax");
        assert!(*line >= 1 && *col >= 250, "{diags:?}");
    }
}

#[test]
fn a_one_gigabyte_line_is_refused_where_the_limit_falls() {
    let p = project(&[], &["example.com."], "");
    let path = p.path().join("zones/example.com.yaml");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&path).unwrap();
        f.write_all(b"www:\n  type: TXT\n  value: ").unwrap();
        // a sparse gigabyte: one endless line, no disk used
        f.set_len(1 << 30).unwrap();
    }
    let (diags, took) = validate_project(&p);
    assert!(took < QUICK, "took {took:?}");
    assert_eq!(diags.len(), 1, "{diags:?}");
    let (rule, line, col) = &diags[0];
    assert_eq!(rule, "yaml-too-large");
    assert_eq!(*line, 3);
    assert_eq!(*col, (128 << 20) - 17 + 1, "{diags:?}");
}

#[test]
fn non_utf8_and_nul_bytes_are_errors_at_their_position() {
    let (diags, _) = validate_zone(b"www:\n  type: TXT\n  value: caf\xe9\n");
    assert_eq!(diags, [("yaml-encoding".to_string(), 3, 13)]);
    // without the check saphyr would stop at the NUL and `mail` would silently be lost
    let (diags, _) =
        validate_zone(b"www:\n  type: TXT\n  value: a\0b\nmail:\n  type: A\n  value: 192.0.2.1\n");
    assert_eq!(diags, [("yaml-character".to_string(), 3, 11)]);
}

#[test]
fn an_include_of_a_device_is_refused_at_the_include() {
    let (diags, took) = validate_zone(b"www: !include /dev/zero\n");
    assert!(took < QUICK, "took {took:?}");
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!((diags[0].0.as_str(), diags[0].1), ("include-invalid", 1));
}
