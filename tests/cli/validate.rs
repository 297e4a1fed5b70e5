//! `dnsplan validate`: every rule has a fixture that fails with its id at the right line;
//! octoDNS's own fixture zones validate clean; malformed input never panics.

use crate::common::*;

/// Each `tests/fixtures/invalid/*.yaml` is a zone file for `example.com.` whose first lines say
/// what must be reported: `# expect: RULE LINE` (one or more), optionally
/// `# sets: strict, best-practice` to choose the rule sets.
#[test]
fn every_invalid_fixture_fails_with_its_rule_and_line() {
    let dir = fixtures().join("invalid");
    let mut checked = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let path = e.path();
        if path.extension().and_then(|x| x.to_str()) != Some("yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut expect = Vec::new();
        let mut sets = String::new();
        for line in text.lines().take_while(|l| l.starts_with('#')) {
            if let Some(rest) = line.strip_prefix("# expect:") {
                let mut it = rest.split_whitespace();
                let rule = it.next().unwrap().to_string();
                let line: u64 = it.next().unwrap().parse().unwrap();
                expect.push((rule, line));
            } else if let Some(rest) = line.strip_prefix("# sets:") {
                sets = rest.trim().to_string();
            }
        }
        assert!(
            !expect.is_empty(),
            "{} has no `# expect:` line",
            path.display()
        );
        let manager = if sets.is_empty() {
            String::new()
        } else {
            format!("  validators: {{enabled: [{sets}]}}")
        };
        let p = project(&[("example.com.yaml", &text)], &["example.com."], &manager);
        let (code, report) = validate_json(p.path());
        assert_eq!(
            code,
            1,
            "{}: expected exit 1, report {report:#}",
            path.display()
        );
        let diags = report["diagnostics"].as_array().unwrap();
        for (rule, line) in &expect {
            let hit = diags.iter().any(|d| {
                d["rule"] == rule.as_str()
                    && d["line"].as_u64() == Some(*line)
                    && d["severity"] == "error"
                    && d["file"].as_str().unwrap().ends_with("example.com.yaml")
            });
            assert!(
                hit,
                "{}: expected error {rule} at line {line}, got {:#}",
                path.display(),
                report["diagnostics"]
            );
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} fixtures");
}

#[test]
fn valid_fixtures_and_octodns_own_fixtures_are_clean() {
    for (dir, zones) in [
        ("valid", vec!["example.com."]),
        (
            "octodns",
            vec!["unit.tests.", "dynamic.tests.", "subzone.unit.tests."],
        ),
    ] {
        let src = fixtures().join(dir);
        let mut files = Vec::new();
        for e in std::fs::read_dir(&src).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.ends_with(".yaml") {
                files.push((name, std::fs::read_to_string(e.path()).unwrap()));
            }
        }
        let refs = refs(&files);
        let p = project(&refs, &zones, "");
        let (code, report) = validate_json(p.path());
        assert_eq!(code, 0, "{dir}: {report:#}");
        assert_eq!(report["errors"], 0, "{dir}: {report:#}");
    }
}

#[test]
fn all_problems_across_files_in_one_run() {
    let p = project(
        &[
            (
                "a.example.yaml",
                "---\nwww:\n  ttl: -1\n  type: A\n  value: 1.2.3.4\n",
            ),
            (
                "b.example.yaml",
                "---\nx:\n  type: AAAA\n  value: nope\ny:\n  type: BOGUS\n",
            ),
        ],
        &["a.example.", "b.example."],
        "",
    );
    let (code, report) = validate_json(p.path());
    assert_eq!(code, 1);
    let rules: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        ["ttl-rfc", "ip-value-rfc", "record-unknown-type"],
        "{report:#}"
    );
    // `directory: ./zones`: the files are named without the `./`
    let files: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "zones/a.example.yaml",
            "zones/b.example.yaml",
            "zones/b.example.yaml"
        ],
        "{report:#}"
    );
}

#[test]
fn text_output_shows_the_offending_line() {
    let p = project(
        &[(
            "example.com.yaml",
            "---\nwww:\n  type: A\n  value: 300.1.1.1\n",
        )],
        &["example.com."],
        "",
    );
    let o = run_in(p.path(), &["validate", "--config", "config.yaml"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(out.contains("error[ip-value-rfc]"), "{out}");
    assert!(out.contains("zones/example.com.yaml:4:10"), "{out}");
    assert!(out.contains("4 |   value: 300.1.1.1"), "{out}");
    assert!(out.contains("1 error, 0 warnings"), "{out}");
}

#[test]
fn github_format_prints_annotations() {
    let p = project(
        &[(
            "example.com.yaml",
            "---\n'':\n  type: CNAME\n  value: www.example.com.\n",
        )],
        &["example.com."],
        "",
    );
    let o = run_in(
        p.path(),
        &["validate", "--config", "config.yaml", "--format", "github"],
    );
    let out = stdout(&o);
    assert!(
        out.starts_with("::error file=zones/example.com.yaml,line=2,col=1,title=cname-root-rfc::"),
        "{out}"
    );
}

#[test]
fn lenient_record_and_zone_turn_errors_into_warnings() {
    let zone = "---\nwww:\n  octodns:\n    lenient: true\n  type: A\n  value: 1.2.3\n";
    let p = project(&[("example.com.yaml", zone)], &["example.com."], "");
    let (code, report) = validate_json(p.path());
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["warnings"], 1);
    assert_eq!(report["diagnostics"][0]["severity"], "warning");
}

#[test]
fn config_errors_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.yaml"),
        "providers:\n  a:\n    class: octodns_zerigo.ZerigoProvider\n  b:\n    directory: x\nzones:\n  example.com:\n    sources: [a]\n  example.org.:\n    sources: [nope]\n    targets: [b]\n",
    )
    .unwrap();
    let (code, report) = validate_json(dir.path());
    assert_eq!(code, 1);
    let got: Vec<(String, u64)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    for want in [
        ("config-unknown-class", 3),
        ("config-missing-class", 5),
        ("config-zone-name", 7),
        ("config-unknown-provider", 10),
    ] {
        assert!(
            got.iter().any(|(r, l)| r == want.0 && *l == want.1),
            "missing {want:?} in {got:?}"
        );
    }
}

#[test]
fn provider_settings_errors_name_file_line_provider_and_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("zones")).unwrap();
    std::fs::write(
        dir.path().join("config.yaml"),
        "providers:\n  config:\n    class: yaml\n    directory: ./zones\n  pdns:\n    \
         class: octodns_powerdns.PowerDnsProvider\n    host: 127.0.0.1\n    api_key: k\n    \
         hots: x\n  bind:\n    class: rfc2136\n    host: 127.0.0.1\n    port: [53]\n\
         zones: {}\n",
    )
    .unwrap();
    let (code, report) = validate_json(dir.path());
    assert_eq!(code, 1, "{report:#}");
    let got: Vec<(u64, u64, &str)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap_or(0),
                d["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!((got[0].0, got[0].1), (9, 5), "{got:?}");
    assert!(
        got[0]
            .2
            .starts_with("provider pdns: unknown setting(s) hots; known: host, port"),
        "{got:?}"
    );
    assert!(got[0].2.ends_with("did you mean `host`?"), "{got:?}");
    assert_eq!((got[1].0, got[1].1), (13, 11), "{got:?}");
    assert_eq!(
        got[1].2,
        "provider bind: `port` must be a port number (1-65535), not a list"
    );
}

#[test]
fn hostile_and_malformed_inputs_never_panic() {
    let cases: &[&str] = &[
        "",
        "---\n",
        "[1, 2, 3]\n",
        "just a string\n",
        "---\nwww: 5\n",
        "---\nwww: [1, [2]]\n",
        "---\nwww:\n  type: [A]\n",
        "---\nwww:\n  type: MX\n  values: [10, {preference: x}]\n",
        "---\nwww:\n  type: SRV\n  value: {port: 99999999999999999999999}\n",
        "---\nwww:\n  type: A\n  dynamic: [1]\n  value: 1.2.3.4\n",
        "---\nwww:\n  type: A\n  dynamic: {pools: {a: 5}, rules: {}}\n  value: 1.2.3.4\n",
        "---\nwww:\n  type: CNAME\n  dynamic: {pools: {a: {values: [{value: {x: 1}}]}}, rules: [{pool: a, geos: [1, 'ZZ-ZZ-ZZ-ZZ']}]}\n  value: x.y.\n",
        "---\n\u{1F600}:\n  type: A\n  value: 1.2.3.4\n",
        "---\n'*':\n  type: TXT\n  values: [~, '', \"\\u00e9;\"]\n",
        "---\n? [a]\n: {type: A}\n",
        "a: &x [*x]\n",
        "---\nwww: !include /nonexistent/file.yaml\n",
        "---\nwww: !include ../../../../etc/passwd\n",
    ];
    for (i, text) in cases.iter().enumerate() {
        let p = project(&[("example.com.yaml", text)], &["example.com."], "");
        let o = run_in(
            p.path(),
            &["validate", "--config", "config.yaml", "--format", "json"],
        );
        let code = o.status.code();
        assert!(
            code == Some(0) || code == Some(1),
            "case {i} {text:?}: exit {code:?}, stderr {}",
            String::from_utf8_lossy(&o.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&o.stdout)
            .unwrap_or_else(|e| panic!("case {i}: output not JSON: {e}"));
    }
}
