//! DNSimple as a conformance target: the real dnsplan binary against `dnsimple_fake` (the API
//! v2's zones and records, written from DNSimple's OpenAPI description and developer pages),
//! and octoDNS interop with the real octodns-dnsimple 1.0.1 through `https_proxy` (its client
//! has a fixed `https://api.dnsimple.com/v2/`): what either tool writes, the other plans as no
//! changes.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::json;

use crate::cases;
use crate::dnsimple_fake::{self, DNSIMPLE_ACCOUNT, DNSIMPLE_TOKEN, DnsimpleFake};
use crate::https_proxy::HttpsProxy;
use crate::suite::{self, Project, Target, changes, show};

fn settings(fake: &DnsimpleFake, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    suite::settings_with(
        vec![
            ("class", "octodns_dnsimple.DnsimpleProvider".to_string()),
            ("token", "env/DNSIMPLE_TOKEN".to_string()),
            ("account", format!("'{DNSIMPLE_ACCOUNT}'")),
            ("api_url", fake.api_url()),
        ],
        extra,
    )
}

fn types() -> BTreeSet<String> {
    dnsplan::provider::dnsimple::supported_types()
        .iter()
        .map(|t| t.as_str().to_string())
        .collect()
}

fn target() -> Target {
    Target {
        name: "dnsimple".into(),
        settings: settings(dnsimple_fake::dnsimple(), &[]),
        env: vec![("DNSIMPLE_TOKEN".into(), DNSIMPLE_TOKEN.into())],
        dns: None,
        types: types(),
        reset: |zone| dnsimple_fake::dnsimple().reset_zone(zone),
    }
}

fn own_target(fake: &DnsimpleFake, extra: &[(&str, &str)]) -> Target {
    Target {
        reset: |_| {},
        settings: settings(fake, extra),
        ..target()
    }
}

fn run(case: suite::Case) {
    suite::run_case(&target(), &case).unwrap_or_else(|why| panic!("not applicable: {why}"));
}

/// DNSimple refuses an empty TXT value and one over 1,000 characters once quoted (checked
/// before sending, see `rate_limit_credentials_and_refusals`): here `len0` holds `-` and `zz`
/// 998 characters instead, the same plan.
#[test]
fn txt_lengths_and_escapes() {
    let mut case = cases::txt();
    for s in &mut case.steps {
        s.yaml = s
            .yaml
            .replace(
                "len0:\n  type: TXT\n  values: ['']",
                "len0:\n  type: TXT\n  values: ['-']",
            )
            .replace("values: ['', 'x']", "values: ['-', 'x']")
            .replace(&"a".repeat(1000), &"a".repeat(998));
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

/// 1,200 records, listed 100 a page.
#[test]
fn twelve_hundred_records() {
    let fake = DnsimpleFake::start();
    suite::run_case(&own_target(&fake, &[]), &cases::large()).unwrap();
    let pages = fake
        .requests()
        .iter()
        .filter(|r| r.starts_with("GET ") && r.contains("/records?page=12&"))
        .count();
    assert!(
        pages >= 1,
        "{:?}",
        fake.requests()
            .iter()
            .filter(|r| r.starts_with("GET"))
            .collect::<Vec<_>>()
    );
}

#[test]
fn partial_ownership() {
    suite::run_partial(&target(), "partial.dnsimple.test.");
}

#[test]
fn cases_needing_other_types_are_named_not_applicable() {
    assert_eq!(
        suite::run_case(&target(), &cases::types()),
        Err(
            "types: dnsimple does not hold DNAME, DS, HTTPS, LOC, OPENPGPKEY, SPF, SVCB, TLSA, URI"
                .to_string()
        )
    );
}

const ZONE_YAML: &str = "---
'':
- {type: ALIAS, value: www.shapes.dnsimple.test.}
- {type: CAA, values: [{flags: 0, tag: issue, value: letsencrypt.org}, {flags: 128, tag: iodef, value: 'mailto:sec@example.com'}]}
- {type: MX, values: [{exchange: mx1.shapes.dnsimple.test., preference: 10}, {exchange: mx2.example.net., preference: 20}]}
- {type: TXT, values: ['v=DKIM1\\; k=rsa\\; p=MIGfMA0', 'plain']}
_sip._tcp: {type: SRV, value: {port: 5060, priority: 10, target: sip.shapes.dnsimple.test., weight: 20}}
aaaa: {type: AAAA, value: '2001:db8::1'}
cname: {type: CNAME, value: www.shapes.dnsimple.test.}
delegated: {type: NS, values: [ns1.example.net., ns2.example.net.]}
naptr: {type: NAPTR, value: {flags: S, order: 10, preference: 20, regexp: '', replacement: _sip._udp.shapes.dnsimple.test., service: SIP+D2U}}
ptr: {type: PTR, value: host.example.net.}
sshfp: {type: SSHFP, value: {algorithm: 1, fingerprint: 123456789abcdef67890123456789abcdef67890, fingerprint_type: 1}}
www: {type: A, ttl: 300, values: [192.0.2.1, 192.0.2.2]}
";

/// Values as octodns-dnsimple writes them (but NAPTR, which it writes with its fields
/// misplaced): one record per value, MX and SRV priority apart, SRV content `weight port
/// target`, CAA `flags tag "value"`, TXT raw; DNSimple's own SOA and NS left alone.
#[test]
fn values_as_octodns_dnsimple_writes_them() {
    let fake = DnsimpleFake::start();
    let zone = "shapes.dnsimple.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(zone, ZONE_YAML);
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    let mut held: Vec<String> = fake
        .records(zone)
        .iter()
        .filter(|r| r["system_record"] != true && r["parent_id"].is_null())
        .map(|r| {
            format!(
                "{} {} {} {} {}",
                r["name"].as_str().unwrap(),
                r["type"].as_str().unwrap(),
                r["content"],
                r["priority"],
                r["ttl"]
            )
        })
        .collect();
    held.sort();
    let z = zone.trim_end_matches('.');
    let mut want = vec![
        format!(" ALIAS \"www.{z}\" null 3600"),
        " CAA \"0 issue \\\"letsencrypt.org\\\"\" null 3600".to_string(),
        " CAA \"128 iodef \\\"mailto:sec@example.com\\\"\" null 3600".into(),
        format!(" MX \"mx1.{z}\" 10 3600"),
        " MX \"mx2.example.net\" 20 3600".into(),
        " TXT \"plain\" null 3600".into(),
        " TXT \"v=DKIM1; k=rsa; p=MIGfMA0\" null 3600".into(),
        format!("_sip._tcp SRV \"20 5060 sip.{z}\" 10 3600"),
        "aaaa AAAA \"2001:db8::1\" null 3600".into(),
        format!("cname CNAME \"www.{z}\" null 3600"),
        "delegated NS \"ns1.example.net\" null 3600".into(),
        "delegated NS \"ns2.example.net\" null 3600".into(),
        format!(
            "naptr NAPTR \"10 20 \\\"S\\\" \\\"SIP+D2U\\\" \\\"\\\" _sip._udp.{zone}\" null 3600"
        ),
        "ptr PTR \"host.example.net.\" null 3600".into(),
        "sshfp SSHFP \"1 1 123456789abcdef67890123456789abcdef67890\" null 3600".into(),
        "www A \"192.0.2.1\" null 300".into(),
        "www A \"192.0.2.2\" null 300".into(),
    ];
    want.sort();
    assert_eq!(held, want);
    // DNSimple's own records are still there
    assert!(fake.records(zone).iter().any(|r| r["type"] == "SOA"));
}

/// Changes made in the web interface are planned and converge; a record of a set with its own
/// TTL is rewritten.
#[test]
fn changes_behind_dnsplans_back() {
    let fake = DnsimpleFake::start();
    let zone = "behind.dnsimple.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(
        zone,
        "---\nwww:\n  type: A\n  values: [192.0.2.1, 192.0.2.2]\n",
    );
    p.apply();
    fake.add_record(
        zone,
        json!({"type": "A", "name": "www", "content": "198.51.100.9", "ttl": 3600}),
    );
    fake.add_record(
        zone,
        json!({"type": "TXT", "name": "rogue", "content": "x", "ttl": 3600}),
    );
    fake.add_record(
        zone,
        json!({"type": "HINFO", "name": "info", "content": "a b", "ttl": 3600}),
    );
    assert_eq!(changes(&p.plan()), ["delete rogue TXT", "update www A"]);
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    let id = fake
        .records(zone)
        .iter()
        .find(|r| r["name"] == "www")
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    fake.edit_record(zone, id, json!({"ttl": 60}));
    assert_eq!(changes(&p.plan()), ["update www A"]);
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    assert!(
        fake.records(zone).iter().any(|r| r["type"] == "HINFO"),
        "left alone"
    );
}

#[test]
fn a_refused_write_is_reported_item_by_item() {
    let fake = DnsimpleFake::start();
    let zone = "refused.dnsimple.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(zone, "---\na:\n  type: A\n  value: 192.0.2.1\n");
    p.apply();
    let mut yaml = String::from("---\na:\n  type: A\n  value: 192.0.2.9\n");
    for i in 0..8 {
        yaml.push_str(&format!("n{i}:\n  type: A\n  value: 192.0.2.{}\n", 10 + i));
    }
    p.write_zone(zone, &yaml);
    fake.fail_writes_after(2, 400, "record is locked (injected)");
    let o = p.run(&["apply", "--config", "config.yaml", "--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let err = show(&o);
    assert!(
        err.contains("of 9 changes applied before the apply stopped"),
        "{err}"
    );
    assert!(
        err.contains("(HTTP 400): record is locked (injected)"),
        "{err}"
    );
    assert!(err.contains("the zone is partly changed"), "{err}");
    let left = changes(&p.plan());
    assert!(!left.is_empty() && left.len() < 9, "{left:?}");
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
}

/// The hourly quota reported is followed and a 429 waits until the window resets; a wrong
/// token is refused with a hint and never shown; a null SRV target is refused before sending.
#[test]
fn rate_limit_credentials_and_refusals() {
    let fake = DnsimpleFake::start();
    let zone = "rate.dnsimple.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    p.apply();
    fake.set_rate(3, Duration::from_secs(2));
    let start = std::time::Instant::now();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    fake.set_rate(1_000_000, Duration::from_secs(3600));

    let wrong = "dnsimple-wrong-token-abcdef0123";
    let mut t = own_target(&fake, &[]);
    t.env = vec![("DNSIMPLE_TOKEN".into(), wrong.into())];
    let p = Project::new(&t, &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    let o = p.run(&["plan", "--config", "config.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let all = show(&o);
    assert!(
        all.contains("HTTP 401") && all.contains("check the token"),
        "{all}"
    );
    assert!(!all.contains(wrong), "{all}");

    let zone = "null.dnsimple.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(
        zone,
        &format!("---\n_x._tcp:\n  type: SRV\n  value: {{port: 0, priority: 0, target: ., weight: 0}}\nt:\n  type: TXT\n  value: ''\nlong:\n  type: TXT\n  value: {long}\n", long = "a".repeat(1001)),
    );
    let o = p.run(&["apply", "--config", "config.yaml", "--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(show(&o).contains("null target"), "{}", show(&o));
    assert!(
        show(&o).contains("refuses an empty TXT value"),
        "{}",
        show(&o)
    );
    assert!(!fake.zone_exists(zone));
}

/// octodns-dnsimple's config (through the proxy) in `config.yaml`; dnsplan's (the fake
/// directly) in `dnsplan.yaml`.
fn both(fake: &DnsimpleFake, zone: &str) -> Project {
    let t = Target {
        settings: vec![
            ("class".into(), "octodns_dnsimple.DnsimpleProvider".into()),
            ("token".into(), "env/DNSIMPLE_TOKEN".into()),
            ("account".into(), format!("'{DNSIMPLE_ACCOUNT}'")),
        ],
        ..own_target(fake, &[])
    };
    let p = Project::new(&t, &[zone]);
    let cfg = std::fs::read_to_string(p.path().join("config.yaml")).unwrap();
    let line = format!("    account: '{DNSIMPLE_ACCOUNT}'\n");
    let ours = cfg.replace(&line, &format!("{line}    api_url: {}\n", fake.api_url()));
    std::fs::write(p.path().join("dnsplan.yaml"), ours).unwrap();
    // octodns-dnsimple writes NAPTR with its fields misplaced: not in the shared zone
    let yaml: String = ZONE_YAML
        .lines()
        .filter(|l| !l.starts_with("naptr:"))
        .map(|l| format!("{l}\n"))
        .collect();
    p.write_zone(zone, &yaml.replace("shapes.dnsimple.test.", zone));
    p
}

fn octodns_sync(p: &Project, proxy: &HttpsProxy, doit: bool) -> String {
    let args: &[&str] = if doit { &["--doit"] } else { &[] };
    let (ok, out) = proxy.octodns_sync(
        p,
        &[("DNSIMPLE_TOKEN".to_string(), DNSIMPLE_TOKEN.to_string())],
        args,
    );
    assert!(ok, "octodns-sync failed:\n{out}");
    out
}

fn dnsplan_changes(p: &Project) -> Vec<String> {
    p.changes_with("dnsplan.yaml")
}

#[test]
fn what_octodns_dnsimple_wrote_dnsplan_plans_as_no_changes() {
    let fake = DnsimpleFake::start();
    let proxy = HttpsProxy::start(&[("api.dnsimple.com", fake.port())]);
    let zone = "from-octodns.dnsimple.test.";
    let p = both(&fake, zone);
    octodns_sync(&p, &proxy, true);
    assert!(
        fake.records(zone).len() > 15,
        "octodns-dnsimple wrote the zone"
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
fn what_dnsplan_wrote_octodns_dnsimple_plans_as_no_changes() {
    let fake = DnsimpleFake::start();
    let proxy = HttpsProxy::start(&[("api.dnsimple.com", fake.port())]);
    let zone = "from-dnsplan.dnsimple.test.";
    let p = both(&fake, zone);
    let o = p.run(&["apply", "--config", "dnsplan.yaml", "--force"]);
    assert!(o.status.success(), "{}", show(&o));
    let out = octodns_sync(&p, &proxy, false);
    assert!(out.contains("No changes were planned"), "{out}");
}
