//! Gandi LiveDNS as a conformance target: the real dnsplan binary against `gandi_fake` (the
//! LiveDNS API v5, written from Gandi's published description), and octoDNS interop with the
//! real octodns-gandi 1.2.0 through `https_proxy` (its client has a fixed
//! `https://api.gandi.net/v5`): what either tool writes, the other plans as no changes.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::cases;
use crate::gandi_fake::{self, GANDI_TOKEN, GandiFake};
use crate::https_proxy::HttpsProxy;
use crate::suite::{self, Project, Target, changes, show};

fn settings(fake: &GandiFake, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    suite::settings_with(
        vec![
            ("class", "octodns_gandi.GandiProvider".to_string()),
            ("token", "env/GANDI_TOKEN".to_string()),
            ("api_url", fake.api_url()),
        ],
        extra,
    )
}

fn types() -> BTreeSet<String> {
    dnsplan::provider::gandi::supported_types()
        .iter()
        .map(|t| t.as_str().to_string())
        .collect()
}

/// A zone starts as a domain registered at Gandi that LiveDNS does not serve yet.
fn target() -> Target {
    Target {
        name: "gandi".into(),
        settings: settings(gandi_fake::gandi(), &[]),
        env: vec![("GANDI_TOKEN".into(), GANDI_TOKEN.into())],
        dns: None,
        types: types(),
        reset: |zone| {
            gandi_fake::gandi().reset_zone(zone);
            gandi_fake::gandi().register_domain(zone);
        },
    }
}

fn own_target(fake: &GandiFake) -> Target {
    Target {
        reset: |_| {},
        settings: settings(fake, &[]),
        ..target()
    }
}

fn run(case: suite::Case) {
    suite::run_case(&target(), &case).unwrap_or_else(|why| panic!("not applicable: {why}"));
}

/// LiveDNS refuses an empty value (checked before sending, see `what_gandi_refuses`): here
/// `len0` holds `-` instead, the same plan.
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
            .replace("values: ['', 'x']", "values: ['-', 'x']");
    }
    run(case);
}

#[test]
fn cname_a_swap() {
    run(cases::swap());
}

/// LiveDNS takes TTLs from 300 s: the case's 60, 120 and 0 are 600, 900 and 1200 here (the
/// same plan); a TTL below 300 is refused before sending (`what_gandi_refuses`).
#[test]
fn ttl_changes() {
    let mut case = cases::ttl();
    for s in &mut case.steps {
        s.yaml = s
            .yaml
            .replace("ttl: 60\n", "ttl: 600\n")
            .replace("ttl: 120\n", "ttl: 900\n")
            .replace("ttl: 0\n", "ttl: 1200\n");
    }
    run(case);
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

/// 1,200 records, read 500 a page.
#[test]
fn twelve_hundred_records() {
    let fake = GandiFake::start();
    let mut t = own_target(&fake);
    t.reset = |_| {};
    fake.register_domain("large.conformance.test.");
    suite::run_case(&t, &cases::large()).unwrap();
    assert!(
        fake.requests()
            .iter()
            .any(|r| r.starts_with("GET ") && r.contains("/records?page=3&")),
        "{:?}",
        fake.requests()
            .iter()
            .filter(|r| r.starts_with("GET"))
            .collect::<Vec<_>>()
    );
}

#[test]
fn partial_ownership() {
    suite::run_partial(&target(), "partial.gandi.test.");
}

#[test]
fn cases_needing_other_types_are_named_not_applicable() {
    assert_eq!(
        suite::run_case(&target(), &cases::types()),
        Err(
            "types: gandi does not hold DS, HTTPS, LOC, NAPTR, OPENPGPKEY, SPF, SVCB, URI"
                .to_string()
        )
    );
}

/// Rrsets changed behind dnsplan's back are planned and converge; a refused write is reported
/// item by item and the next apply finishes; a domain Gandi does not hold is named so.
#[test]
fn changes_behind_the_back_and_a_refused_write() {
    let fake = GandiFake::start();
    let zone = "behind.gandi.test.";
    fake.register_domain(zone);
    let p = Project::new(&own_target(&fake), &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  values: [192.0.2.1, 192.0.2.2]\nc:\n  type: CNAME\n  value: www.behind.gandi.test.\n");
    p.apply();
    fake.put_rrset(zone, "www", "A", 3600, &["192.0.2.1", "198.51.100.9"]);
    fake.put_rrset(zone, "rogue", "TXT", 3600, &["\"x\""]);
    fake.put_rrset(zone, "c", "CNAME", 3600, &["www"]);
    assert_eq!(changes(&p.plan()), ["delete rogue TXT", "update www A"]);
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());

    let mut yaml = String::from(
        "---\nwww:\n  type: A\n  value: 192.0.2.9\nc:\n  type: CNAME\n  value: www.behind.gandi.test.\n",
    );
    for i in 0..6 {
        yaml.push_str(&format!("n{i}:\n  type: A\n  value: 192.0.2.{}\n", 10 + i));
    }
    p.write_zone(zone, &yaml);
    fake.fail_writes_after(2, 400, "rrset is locked (injected)");
    let o = p.run(&["apply", "--config", "config.yaml", "--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let err = show(&o);
    assert!(
        err.contains("of 7 changes applied before the apply stopped"),
        "{err}"
    );
    assert!(
        err.contains("(HTTP 400)") && err.contains("rrset is locked (injected)"),
        "{err}"
    );
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());

    let unknown = "unregistered.gandi.test.";
    let p = Project::new(&own_target(&fake), &[unknown]);
    p.write_zone(unknown, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    let o = p.run(&["apply", "--config", "config.yaml", "--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(show(&o).contains("not registered at Gandi"), "{}", show(&o));
}

/// A 429 is waited out; a wrong token is refused and never shown; a TTL below 300 is refused
/// before anything is sent.
#[test]
fn what_gandi_refuses() {
    let fake = GandiFake::start();
    let zone = "rate.gandi.test.";
    fake.register_domain(zone);
    let p = Project::new(&own_target(&fake), &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    p.apply();
    fake.set_rate(2, Duration::from_secs(2));
    let start = std::time::Instant::now();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    fake.set_rate(1_000_000, Duration::from_secs(60));

    let wrong = "pat_wrong-0000-1111-2222-333344445555";
    let mut t = own_target(&fake);
    t.env = vec![("GANDI_TOKEN".into(), wrong.into())];
    let p2 = Project::new(&t, &[zone]);
    p2.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    let o = p2.run(&["plan", "--config", "config.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(
        show(&o).contains("HTTP 403") && show(&o).contains("check the token"),
        "{}",
        show(&o)
    );
    assert!(!show(&o).contains(wrong), "{}", show(&o));

    p.write_zone(
        zone,
        "---\nwww:\n  ttl: 60\n  type: A\n  value: 192.0.2.1\nt:\n  type: TXT\n  value: ''\n",
    );
    let before = fake.requests().len();
    let o = p.run(&["apply", "--config", "config.yaml", "--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(
        show(&o).contains("www.rate.gandi.test. A has TTL 60; Gandi LiveDNS takes TTLs from 300 s"),
        "{}",
        show(&o)
    );
    assert!(show(&o).contains("refuses an empty value"), "{}", show(&o));
    assert!(
        fake.requests()[before..]
            .iter()
            .all(|r| r.starts_with("GET ")),
        "{:?}",
        &fake.requests()[before..]
    );
}

const ZONE_YAML: &str = "---
'':
- {type: ALIAS, value: www.ZONE}
- {type: CAA, values: [{flags: 0, tag: issue, value: letsencrypt.org}]}
- {type: MX, values: [{exchange: mx1.ZONE, preference: 10}, {exchange: mx2.example.net., preference: 20}]}
- {type: TXT, values: ['v=DKIM1\\; k=rsa\\; p=MIGfMA0', 'plain text']}
_443._tcp: {type: TLSA, value: {certificate_association_data: abcdef0123, certificate_usage: 3, matching_type: 1, selector: 1}}
_sip._tcp: {type: SRV, value: {port: 5060, priority: 10, target: sip.ZONE, weight: 20}}
aaaa: {type: AAAA, value: '2001:db8::1'}
cname: {type: CNAME, value: www.ZONE}
delegated: {type: NS, values: [ns1.example.net., ns2.example.net.]}
dname: {type: DNAME, value: other.example.net.}
long: {type: TXT, value: LONG}
ptr: {type: PTR, value: host.example.net.}
sshfp: {type: SSHFP, value: {algorithm: 1, fingerprint: 123456789abcdef67890123456789abcdef67890, fingerprint_type: 1}}
www: {type: A, ttl: 300, values: [192.0.2.1, 192.0.2.2]}
";

/// octodns-gandi's config (through the proxy) in `config.yaml`; dnsplan's (the fake directly)
/// in `dnsplan.yaml`.
fn both(fake: &GandiFake, zone: &str) -> Project {
    let t = Target {
        settings: vec![
            ("class".into(), "octodns_gandi.GandiProvider".into()),
            ("token".into(), "env/GANDI_TOKEN".into()),
        ],
        ..own_target(fake)
    };
    fake.register_domain(zone);
    let p = Project::new(&t, &[zone]);
    let cfg = std::fs::read_to_string(p.path().join("config.yaml")).unwrap();
    let line = "    token: env/GANDI_TOKEN\n";
    let ours = cfg.replace(line, &format!("{line}    api_url: {}\n", fake.api_url()));
    std::fs::write(p.path().join("dnsplan.yaml"), ours).unwrap();
    p.write_zone(
        zone,
        &ZONE_YAML
            .replace("ZONE", zone)
            .replace("LONG", &"y".repeat(400)),
    );
    p
}

fn octodns_sync(p: &Project, proxy: &HttpsProxy, doit: bool) -> String {
    let args: &[&str] = if doit { &["--doit"] } else { &[] };
    let (ok, out) = proxy.octodns_sync(
        p,
        &[("GANDI_TOKEN".to_string(), GANDI_TOKEN.to_string())],
        args,
    );
    assert!(ok, "octodns-sync failed:\n{out}");
    out
}

fn dnsplan_changes(p: &Project) -> Vec<String> {
    p.changes_with("dnsplan.yaml")
}

#[test]
fn what_octodns_gandi_wrote_dnsplan_plans_as_no_changes() {
    let fake = GandiFake::start();
    let proxy = HttpsProxy::start(&[("api.gandi.net", fake.port())]);
    let zone = "from-octodns.gandi.test.";
    let p = both(&fake, zone);
    // already on LiveDNS, empty (octodns-gandi adds a new domain with Gandi's default records,
    // then fails on the ones it creates too)
    fake.create_bare_zone(zone);
    octodns_sync(&p, &proxy, true);
    assert!(
        fake.records(zone).len() > 10,
        "octodns-gandi wrote the zone"
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
fn what_dnsplan_wrote_octodns_gandi_plans_as_no_changes() {
    let fake = GandiFake::start();
    let proxy = HttpsProxy::start(&[("api.gandi.net", fake.port())]);
    let zone = "from-dnsplan.gandi.test.";
    let p = both(&fake, zone);
    let o = p.run(&["apply", "--config", "dnsplan.yaml", "--force"]);
    assert!(o.status.success(), "{}", show(&o));
    let out = octodns_sync(&p, &proxy, false);
    assert!(out.contains("No changes were planned"), "{out}");
}
