//! Loading octoDNS configs and zone files as octoDNS does, seen through the plan of an empty
//! target (every desired record appears as a create, in octoDNS's data shape).

use std::path::Path;

use serde_json::Value as J;

use crate::common::*;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Plan as JSON; panics with the output when the command fails.
fn plan(dir: &Path) -> J {
    let o = run_in(
        dir,
        &["plan", "--config", "config.yaml", "--format", "json"],
    );
    assert!(
        o.status.success(),
        "plan failed: {}{}",
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// `{zone: {"name TYPE": desired data}}` of a plan into empty targets.
fn desired(j: &J) -> std::collections::BTreeMap<String, std::collections::BTreeMap<String, J>> {
    let mut out = std::collections::BTreeMap::new();
    for p in j["plans"].as_array().unwrap() {
        let z = out
            .entry(p["zone"].as_str().unwrap().to_string())
            .or_insert_with(std::collections::BTreeMap::new);
        for c in p["changes"].as_array().unwrap() {
            z.insert(
                format!(
                    "{} {}",
                    c["name"].as_str().unwrap(),
                    c["type"].as_str().unwrap()
                ),
                c["desired"].clone(),
            );
        }
    }
    out
}

#[test]
fn record_model_as_octodns_reads_it() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "config.yaml",
        "providers:\n  config: {class: octodns.provider.yaml.YamlProvider, directory: ./zones, default_ttl: 600}\n  \
         out: {class: yaml, directory: ./out}\nzones:\n  bücher.example.: {sources: [config], targets: [out]}\n",
    );
    write(
        d.path(),
        "zones/bücher.example.yaml",
        "---\n'':\n  - type: MX\n    values:\n      - priority: 20\n        value: MX2.Example.COM.\n      - exchange: mx1.example.com.\n        preference: 10\n  \
         - type: Route53Provider/ALIAS\n    value:\n      name: www\n      type: A\n\
         KÖLN:\n  octodns:\n    excluded: [other]\n    route53: {healthcheck: {measure_latency: false}}\n  ttl: 60\n  type: A\n  values: 192.0.2.1\n\
         www:\n  type: CNAME\n  value: xn--bcher-kva.example.\n",
    );
    let j = plan(d.path());
    assert_eq!(
        j["plans"][0]["zone"], "xn--bcher-kva.example.",
        "zone names are IDNA-encoded"
    );
    let z = &desired(&j)["xn--bcher-kva.example."];
    // legacy MX keys, values sorted, exchange lowercased
    assert_eq!(
        z[" MX"]["values"],
        serde_json::json!([
            {"exchange": "mx1.example.com.", "preference": 10},
            {"exchange": "mx2.example.com.", "preference": 20}
        ])
    );
    assert_eq!(z[" MX"]["ttl"], 600, "default_ttl applied at load");
    // provider-specific type carried as data
    assert_eq!(z[" Route53Provider/ALIAS"]["value"]["name"], "www");
    // names IDNA-encoded and lowercased (shown decoded), `values:` scalar accepted, octodns kept
    let koln = &z["köln A"];
    assert_eq!(koln["value"], "192.0.2.1");
    assert_eq!(koln["ttl"], 60);
    assert_eq!(koln["octodns"]["excluded"], serde_json::json!(["other"]));
    assert_eq!(
        koln["octodns"]["route53"]["healthcheck"]["measure_latency"],
        false
    );
}

#[test]
fn include_split_directories_and_multiple_sources() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "config.yaml",
        "providers: !include providers.yaml\nzones:\n  example.com.:\n    sources: [split, overrides]\n    targets: [out]\n",
    );
    write(
        d.path(),
        "providers.yaml",
        "split: {class: octodns.provider.yaml.YamlProvider, directory: ./zones, split_extension: .}\n\
         overrides: {class: octodns.provider.yaml.YamlProvider, directory: ./overrides, populate_should_replace: true}\n\
         out: {class: yaml, directory: ./out}\n",
    );
    write(
        d.path(),
        "zones/example.com./www.yaml",
        "---\nwww:\n  type: A\n  value: 192.0.2.1\n",
    );
    write(
        d.path(),
        "zones/example.com./$example.com.yaml",
        "---\n'':\n  type: A\n  value: 192.0.2.2\n",
    );
    write(
        d.path(),
        "zones/example.com./api.yaml",
        "---\napi: !include ../shared/api.yaml\n",
    );
    write(
        d.path(),
        "zones/shared/api.yaml",
        "type: AAAA\nvalue: 2001:db8::1\n",
    );
    write(
        d.path(),
        "overrides/example.com.yaml",
        "---\nwww:\n  type: A\n  value: 198.51.100.1\n",
    );
    let j = plan(d.path());
    let z = &desired(&j)["example.com."];
    assert_eq!(z[" A"]["value"], "192.0.2.2");
    assert_eq!(z["api AAAA"]["value"], "2001:db8::1");
    assert_eq!(
        z["www A"]["value"], "198.51.100.1",
        "the later source replaces"
    );
}

#[test]
fn duplicate_records_across_sources_are_errors() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "config.yaml",
        "providers:\n  a: {class: yaml, directory: ./a}\n  b: {class: yaml, directory: ./b}\n  out: {class: yaml, directory: ./out}\n\
         zones:\n  example.com.: {sources: [a, b], targets: [out]}\n",
    );
    write(
        d.path(),
        "a/example.com.yaml",
        "---\nwww:\n  type: A\n  value: 192.0.2.1\n",
    );
    write(
        d.path(),
        "b/example.com.yaml",
        "---\nwww:\n  type: A\n  value: 192.0.2.9\n",
    );
    let (code, r) = validate_json(d.path());
    assert_eq!(code, 1);
    let diag = &r["diagnostics"][0];
    assert_eq!(diag["rule"], "duplicate-record");
    assert!(
        diag["file"]
            .as_str()
            .unwrap()
            .ends_with("b/example.com.yaml")
    );
    assert!(
        diag["message"]
            .as_str()
            .unwrap()
            .contains("a/example.com.yaml:2:1"),
        "{r:#}"
    );
}

#[test]
fn zone_templates_with_glob_and_regex() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "config.yaml",
        "providers:\n  config: {class: yaml, directory: ./zones}\n  out: {class: yaml, directory: ./out}\n  other: {class: yaml, directory: ./other}\n\
         zones:\n  explicit.com.: {sources: [config], targets: [out]}\n  \
         '*org': {glob: '*.org.', sources: [config], targets: [other]}\n  \
         '*rest': {regex: '^a', sources: [config], targets: [out]}\n",
    );
    for z in ["explicit.com.", "a.org.", "b.org.", "a.net.", "b.net."] {
        write(
            d.path(),
            &format!("zones/{z}yaml"),
            "---\nwww:\n  type: A\n  value: 192.0.2.1\n",
        );
    }
    let j = plan(d.path());
    let got: Vec<(String, String)> = j["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["zone"].as_str().unwrap().into(),
                p["target"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("a.net.", "out"),
        ("a.org.", "other"),
        ("b.org.", "other"),
        ("explicit.com.", "out"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(got, want);
}

#[test]
fn env_secrets_and_missing_variables() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "config.yaml",
        "providers:\n  config: {class: yaml, directory: env/DNSPLAN_T_DIR/./zones}\n  out: {class: yaml, directory: ./out, default_ttl: env/DNSPLAN_T_MISSING}\n\
         zones:\n  example.com.: {sources: [config], targets: [out]}\n",
    );
    write(
        d.path(),
        "zones/example.com.yaml",
        "---\nwww:\n  type: A\n  value: 192.0.2.1\n",
    );
    let (code, r) = validate_json(d.path());
    assert_eq!(code, 1);
    let diag = &r["diagnostics"][0];
    assert_eq!(diag["rule"], "config-missing-env");
    assert_eq!(diag["line"], 3);
    assert!(
        diag["message"]
            .as_str()
            .unwrap()
            .contains("DNSPLAN_T_MISSING")
    );
}

#[test]
fn subzones_only_allow_ns_and_ds_at_the_delegation() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "config.yaml",
        "providers:\n  config: {class: yaml, directory: ./zones}\n  out: {class: yaml, directory: ./out}\n\
         zones:\n  example.com.: {sources: [config], targets: [out]}\n  sub.example.com.: {sources: [config], targets: [out]}\n",
    );
    write(
        d.path(),
        "zones/example.com.yaml",
        "---\nsub:\n  - type: A\n    value: 192.0.2.1\n  - type: NS\n    values: [ns1.example.net.]\nwww.sub:\n  type: A\n  value: 192.0.2.1\n",
    );
    write(d.path(), "zones/sub.example.com.yaml", "---\n");
    let (code, r) = validate_json(d.path());
    assert_eq!(code, 1);
    let msgs: Vec<&str> = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        msgs,
        [
            "Record sub.example.com. is a managed sub-zone and not of type NS or DS",
            "Record www.sub.example.com. is under a managed subzone"
        ],
        "{r:#}"
    );
}

#[test]
fn strict_and_best_practice_sets_from_manager_validators() {
    let zone =
        "---\n'':\n  type: SPF\n  value: v=spf1 -all\nwww:\n  type: CNAME\n  value: example.com\n";
    for (sets, expect) in [
        ("", vec![]),
        ("  validators: {enabled: [strict]}", vec!["spf-record-type"]),
        (
            "  validators: {enabled: [legacy, best-practice]}",
            vec!["target-value-best-practice"],
        ),
    ] {
        let p = project(&[("example.com.yaml", zone)], &["example.com."], sets);
        let (_, r) = validate_json(p.path());
        let rules: Vec<&str> = r["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["severity"] == "error")
            .map(|d| d["rule"].as_str().unwrap())
            .collect();
        for e in &expect {
            assert!(rules.contains(e), "{sets}: {rules:?}");
        }
        if expect.is_empty() {
            assert!(rules.is_empty(), "legacy: {rules:?}");
        }
    }
    // disabling a rule by id, globally
    let p = project(
        &[("example.com.yaml", zone)],
        &["example.com."],
        "  validators:\n    enabled: [strict]\n    record: {disable_validators: {'*': [spf-record-type]}}",
    );
    let (_, r) = validate_json(p.path());
    assert!(
        !r["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["rule"] == "spf-record-type"),
        "{r:#}"
    );
}

#[test]
fn alias_zones_copy_their_source() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "config.yaml",
        "providers:\n  config: {class: yaml, directory: ./zones}\n  out: {class: yaml, directory: ./out}\n\
         zones:\n  example.com.: {sources: [config], targets: [out]}\n  example.net.: {alias: example.com.}\n  bad.net.: {alias: nope.com.}\n",
    );
    write(
        d.path(),
        "zones/example.com.yaml",
        "---\nwww:\n  type: A\n  value: 192.0.2.1\n",
    );
    let (code, r) = validate_json(d.path());
    assert_eq!(code, 1);
    assert_eq!(r["diagnostics"][0]["rule"], "config-invalid-alias");
    std::fs::write(
        d.path().join("config.yaml"),
        "providers:\n  config: {class: yaml, directory: ./zones}\n  out: {class: yaml, directory: ./out}\n\
         zones:\n  example.com.: {sources: [config], targets: [out]}\n  example.net.: {alias: example.com.}\n",
    )
    .unwrap();
    let z = desired(&plan(d.path()));
    assert_eq!(z["example.net."]["www A"]["value"], "192.0.2.1");
}
