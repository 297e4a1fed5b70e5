//! DNS Made Easy as a conformance target: the real dnsplan binary against `dnsmadeeasy_fake`
//! (the REST API V2.0's managed DNS, written from DNS Made Easy's published documentation), and
//! octoDNS interop with the real octodns-dnsmadeeasy 1.0.1 through `https_proxy` (its client
//! has a fixed `https://api.dnsmadeeasy.com/V2.0/dns/managed`): what either tool writes, the
//! other plans as no changes.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::json;

use crate::cases;
use crate::dnsmadeeasy_fake::{self, DME_API_KEY, DME_SECRET, DnsMadeEasyFake};
use crate::https_proxy::HttpsProxy;
use crate::suite::{self, Project, Target, changes, show};

fn settings(fake: &DnsMadeEasyFake, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    suite::settings_with(
        vec![
            (
                "class",
                "octodns_dnsmadeeasy.DnsMadeEasyProvider".to_string(),
            ),
            ("api_key", "env/DME_API_KEY".to_string()),
            ("secret_key", "env/DME_SECRET".to_string()),
            ("api_url", fake.api_url()),
        ],
        extra,
    )
}

fn types() -> BTreeSet<String> {
    dnsplan::provider::dnsmadeeasy::supported_types()
        .iter()
        .map(|t| t.as_str().to_string())
        .collect()
}

fn target() -> Target {
    Target {
        name: "dnsmadeeasy".into(),
        settings: settings(dnsmadeeasy_fake::dnsmadeeasy(), &[]),
        env: vec![
            ("DME_API_KEY".into(), DME_API_KEY.into()),
            ("DME_SECRET".into(), DME_SECRET.into()),
        ],
        dns: None,
        types: types(),
        reset: |zone| dnsmadeeasy_fake::dnsmadeeasy().reset_zone(zone),
    }
}

fn own_target(fake: &DnsMadeEasyFake, extra: &[(&str, &str)]) -> Target {
    Target {
        reset: |_| {},
        settings: settings(fake, extra),
        ..target()
    }
}

fn run(case: suite::Case) {
    suite::run_case(&target(), &case).unwrap_or_else(|why| panic!("not applicable: {why}"));
}

/// DNS Made Easy holds no quotes in TXT values and no empty ones: here the case's quotes are
/// left out and `len0` holds `-` (the same plan); how they are refused is
/// `quotes_and_null_targets_are_refused_before_sending`.
#[test]
fn txt_lengths_and_escapes() {
    let mut case = cases::txt();
    for s in &mut case.steps {
        s.yaml = s
            .yaml
            .replace("\\\"", "")
            .replace('"', "")
            .replace(
                "len0:\n  type: TXT\n  values: ['']",
                "len0:\n  type: TXT\n  values: ['-']",
            )
            .replace("values: ['', 'x']", "values: ['-', 'x']");
    }
    run(case);
}

#[test]
fn cname_a_swap() {
    run(cases::swap());
}

#[test]
fn ttl_changes() {
    run(cases::ttl());
}

#[test]
fn wildcards() {
    run(cases::wildcard());
}

#[test]
fn idn_names() {
    run(cases::idn());
}

#[test]
fn apex_alias() {
    run(cases::alias());
}

/// 1,200 records, read 1,000 a page, written in bulk requests of `batch_size`.
#[test]
fn twelve_hundred_records() {
    let fake = DnsMadeEasyFake::start();
    fake.set_page_size_cap(1000);
    suite::run_case(&own_target(&fake, &[]), &cases::large()).unwrap();
    let log = fake.requests();
    assert!(
        log.iter()
            .any(|r| r.starts_with("GET ") && r.contains("/records?page=1&")),
        "{log:?}"
    );
    let creates = log
        .iter()
        .filter(|r| r.starts_with("POST ") && r.ends_with("/records/createMulti"))
        .count();
    // 1,200 records in bulk creates of 200, then one for the second step's five
    assert_eq!(creates, 7, "{log:?}");
}

#[test]
fn partial_ownership() {
    suite::run_partial(&target(), "partial.dnsmadeeasy.test.");
}

#[test]
fn cases_needing_other_types_are_named_not_applicable() {
    assert_eq!(
        suite::run_case(&target(), &cases::types()),
        Err("types: dnsmadeeasy does not hold DNAME, DS, HTTPS, LOC, NAPTR, OPENPGPKEY, SPF, SSHFP, SVCB, TLSA, URI".to_string())
    );
}

const ZONE_YAML: &str = "---
'':
- {type: ALIAS, value: www.shapes.dnsmadeeasy.test.}
- {type: CAA, values: [{flags: 0, tag: issue, value: letsencrypt.org}, {flags: 128, tag: iodef, value: 'mailto:sec@example.com'}]}
- {type: MX, values: [{exchange: mx1.shapes.dnsmadeeasy.test., preference: 10}, {exchange: mx2.example.net., preference: 20}]}
- {type: NS, values: [ns1.example.net., ns2.example.net.]}
- {type: TXT, values: ['v=DKIM1\\; k=rsa\\; p=MIGfMA0', 'plain']}
_sip._tcp: {type: SRV, value: {port: 5060, priority: 10, target: sip.shapes.dnsmadeeasy.test., weight: 20}}
aaaa: {type: AAAA, value: '2001:db8::1'}
cname: {type: CNAME, value: www.shapes.dnsmadeeasy.test.}
delegated: {type: NS, values: [ns1.example.net., ns2.example.net.]}
long: {type: TXT, value: LONGTEXT}
ptr: {type: PTR, value: host.example.net.}
www: {type: A, ttl: 300, values: [192.0.2.1, 192.0.2.2]}
";

fn zone_yaml(zone: &str) -> String {
    ZONE_YAML
        .replace("shapes.dnsmadeeasy.test.", zone)
        .replace("LONGTEXT", &"x".repeat(300))
}

/// Values as octodns-dnsmadeeasy writes them: one record per value, MX `mxLevel`, SRV fields
/// apart, CAA `caaType` + `issuerCritical`, ALIAS as ANAME, TXT quoted (DNS Made Easy cuts long
/// ones into pieces), targets absolute.
#[test]
fn values_as_octodns_dnsmadeeasy_writes_them() {
    let fake = DnsMadeEasyFake::start();
    let zone = "shapes.dnsmadeeasy.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(zone, &zone_yaml(zone));
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    let held: std::collections::BTreeSet<String> = fake
        .records(zone)
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r["name"].as_str().unwrap(),
                r["type"].as_str().unwrap(),
                r["value"]
            )
        })
        .collect();
    for want in [
        format!(" ANAME \"www.{zone}\""),
        " CAA \"\\\"letsencrypt.org\\\"\"".to_string(),
        format!(" MX \"mx1.{zone}\""),
        " TXT \"\\\"v=DKIM1; k=rsa; p=MIGfMA0\\\"\"".into(),
        format!("_sip._tcp SRV \"sip.{zone}\""),
        format!(
            "long TXT \"\\\"{}\\\"\\\"{}\\\"\"",
            "x".repeat(255),
            "x".repeat(45)
        ),
    ] {
        assert!(held.contains(&want), "{want} in {held:#?}");
    }
    let mx = fake
        .records(zone)
        .into_iter()
        .find(|r| r["type"] == "MX" && r["mxLevel"] == 20)
        .unwrap();
    assert_eq!(mx["value"], "mx2.example.net.");
    let caa = fake
        .records(zone)
        .into_iter()
        .find(|r| r["type"] == "CAA" && r["caaType"] == "iodef")
        .unwrap();
    assert_eq!(caa["issuerCritical"], 128);
}

/// Changes made in the control panel are planned and converge; relative targets read as
/// absolute.
#[test]
fn changes_behind_dnsplans_back() {
    let fake = DnsMadeEasyFake::start();
    let zone = "behind.dnsmadeeasy.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  values: [192.0.2.1, 192.0.2.2]\nc:\n  type: CNAME\n  value: www.behind.dnsmadeeasy.test.\n");
    p.apply();
    fake.add_record(zone, json!({"type": "A", "name": "www", "value": "198.51.100.9", "ttl": 3600, "gtdLocation": "DEFAULT"}));
    fake.add_record(zone, json!({"type": "TXT", "name": "rogue", "value": "\"x\"", "ttl": 3600, "gtdLocation": "DEFAULT"}));
    assert_eq!(changes(&p.plan()), ["delete rogue TXT", "update www A"]);
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    let id = fake
        .records(zone)
        .iter()
        .find(|r| r["name"] == "c")
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    fake.edit_record(zone, id, json!({"value": "www"}));
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
}

/// A bulk request refused stops the apply; each change is named; the next apply finishes.
#[test]
fn a_refused_bulk_request_is_reported_item_by_item() {
    let fake = DnsMadeEasyFake::start();
    let zone = "refused.dnsmadeeasy.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(
        zone,
        "---\na:\n  type: A\n  value: 192.0.2.1\ngone:\n  type: A\n  value: 192.0.2.2\n",
    );
    p.apply();
    let mut yaml = String::from("---\na:\n  type: A\n  value: 192.0.2.9\n");
    for i in 0..3 {
        yaml.push_str(&format!("n{i}:\n  type: A\n  value: 192.0.2.{}\n", 10 + i));
    }
    p.write_zone(zone, &yaml);
    // the bulk delete and the update pass, the bulk create is refused
    fake.fail_writes_after(2, 400, "record is locked (injected)");
    let o = p.run(&["apply", "--config", "config.yaml", "--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let err = show(&o);
    assert!(
        err.contains("2 of 5 changes applied before the apply stopped"),
        "{err}"
    );
    assert!(
        err.contains("refused the bulk create (HTTP 400): record is locked (injected)"),
        "{err}"
    );
    assert!(
        err.contains("applied:     delete gone A") && err.contains("applied:     update a A"),
        "{err}"
    );
    assert_eq!(
        changes(&p.plan()),
        ["create n0 A", "create n1 A", "create n2 A"]
    );
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
}

/// DNS Made Easy's `400 Rate limit exceeded` is waited out; a wrong secret is refused with a
/// hint and never shown.
#[test]
fn rate_limit_and_credentials() {
    let fake = DnsMadeEasyFake::start();
    let zone = "rate.dnsmadeeasy.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    p.apply();
    fake.set_rate(2, Duration::from_secs(3));
    let start = std::time::Instant::now();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    assert!(
        start.elapsed() >= Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    fake.set_rate(1_000_000, Duration::from_secs(300));

    let wrong = "dme-wrong-secret-abcdef0123";
    let mut t = own_target(&fake, &[]);
    t.env = vec![
        ("DME_API_KEY".into(), DME_API_KEY.into()),
        ("DME_SECRET".into(), wrong.into()),
    ];
    let p = Project::new(&t, &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    let o = p.run(&["plan", "--config", "config.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let all = show(&o);
    assert!(
        all.contains("HTTP 403") && all.contains("secret_key"),
        "{all}"
    );
    assert!(!all.contains(wrong), "{all}");
}

#[test]
fn quotes_and_null_targets_are_refused_before_sending() {
    let fake = DnsMadeEasyFake::start();
    let zone = "null.dnsmadeeasy.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(zone, "---\n_x._tcp:\n  type: SRV\n  value: {port: 0, priority: 0, target: ., weight: 0}\nt:\n  type: TXT\n  value: 'say \"hi\"'\n");
    let o = p.run(&["apply", "--config", "config.yaml", "--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(show(&o).contains("null target"), "{}", show(&o));
    assert!(
        show(&o).contains("quotes not supported in TXT values"),
        "{}",
        show(&o)
    );
    assert!(!fake.zone_exists(zone));
}

/// octodns-dnsmadeeasy's config (through the proxy) in `config.yaml`; dnsplan's (the fake
/// directly) in `dnsplan.yaml`.
fn both(fake: &DnsMadeEasyFake, zone: &str) -> Project {
    let t = Target {
        settings: vec![
            (
                "class".into(),
                "octodns_dnsmadeeasy.DnsMadeEasyProvider".into(),
            ),
            ("api_key".into(), "env/DME_API_KEY".into()),
            ("secret_key".into(), "env/DME_SECRET".into()),
        ],
        ..own_target(fake, &[])
    };
    let p = Project::new(&t, &[zone]);
    let cfg = std::fs::read_to_string(p.path().join("config.yaml")).unwrap();
    let line = "    secret_key: env/DME_SECRET\n";
    let ours = cfg.replace(line, &format!("{line}    api_url: {}\n", fake.api_url()));
    std::fs::write(p.path().join("dnsplan.yaml"), ours).unwrap();
    p.write_zone(zone, &zone_yaml(zone));
    p
}

fn octodns_sync(p: &Project, proxy: &HttpsProxy, doit: bool) -> String {
    // the apex NS is a root NS change to octoDNS, even on a new zone
    let args: &[&str] = if doit { &["--doit", "--force"] } else { &[] };
    let (ok, out) = proxy.octodns_sync(
        p,
        &[
            ("DME_API_KEY".to_string(), DME_API_KEY.to_string()),
            ("DME_SECRET".to_string(), DME_SECRET.to_string()),
        ],
        args,
    );
    assert!(ok, "octodns-sync failed:\n{out}");
    out
}

fn dnsplan_changes(p: &Project) -> Vec<String> {
    p.changes_with("dnsplan.yaml")
}

#[test]
fn what_octodns_dnsmadeeasy_wrote_dnsplan_plans_as_no_changes() {
    let fake = DnsMadeEasyFake::start();
    let proxy = HttpsProxy::start(&[("api.dnsmadeeasy.com", fake.port())]);
    let zone = "from-octodns.dnsmadeeasy.test.";
    let p = both(&fake, zone);
    octodns_sync(&p, &proxy, true);
    assert!(
        fake.records(zone).len() > 12,
        "octodns-dnsmadeeasy wrote the zone"
    );
    assert_eq!(dnsplan_changes(&p), Vec::<String>::new());
    let yaml = std::fs::read_to_string(p.path().join(format!("zones/{zone}yaml"))).unwrap();
    p.write_zone(zone, &yaml.replace("192.0.2.2]", "192.0.2.3]"));
    assert_eq!(dnsplan_changes(&p), ["update www A"]);
    let o = p.run(&["apply", "--config", "dnsplan.yaml", "--force"]);
    assert!(o.status.success(), "{}", show(&o));
    let out = octodns_sync(&p, &proxy, false);
    assert!(out.contains("No changes were planned"), "{out}");
}

#[test]
fn what_dnsplan_wrote_octodns_dnsmadeeasy_plans_as_no_changes() {
    let fake = DnsMadeEasyFake::start();
    let proxy = HttpsProxy::start(&[("api.dnsmadeeasy.com", fake.port())]);
    let zone = "from-dnsplan.dnsmadeeasy.test.";
    let p = both(&fake, zone);
    let o = p.run(&["apply", "--config", "dnsplan.yaml", "--force"]);
    assert!(o.status.success(), "{}", show(&o));
    let out = octodns_sync(&p, &proxy, false);
    assert!(out.contains("No changes were planned"), "{out}");
}
