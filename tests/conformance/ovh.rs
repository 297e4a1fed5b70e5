//! OVH as a conformance target: the real dnsplan binary against `ovh_fake` (the API v1's
//! `/domain/zone`, written from OVH's published schema and guides, signatures checked), and
//! octoDNS interop with the real octodns-ovh 1.2.0 through `https_proxy` (the `ovh` library
//! talks to a fixed `https://eu.api.ovh.com/1.0` for `endpoint: ovh-eu`): what either tool
//! writes, the other plans as no changes. OVH zones cannot be created through the API: every
//! test's zone exists on the fake first, with OVH's apex NS.

use std::collections::BTreeSet;

use crate::cases;
use crate::https_proxy::HttpsProxy;
use crate::ovh_fake::{self, OVH_APP_KEY, OVH_APP_SECRET, OVH_CONSUMER_KEY, OvhFake};
use crate::suite::{self, Project, Target, changes, show};

fn settings(fake: &OvhFake) -> Vec<(String, String)> {
    suite::settings_with(
        vec![
            ("class", "octodns_ovh.OvhProvider".to_string()),
            ("application_key", "env/OVH_APP_KEY".to_string()),
            ("application_secret", "env/OVH_APP_SECRET".to_string()),
            ("consumer_key", "env/OVH_CONSUMER_KEY".to_string()),
            ("api_url", fake.api_url()),
        ],
        &[],
    )
}

fn env() -> Vec<(String, String)> {
    vec![
        ("OVH_APP_KEY".into(), OVH_APP_KEY.into()),
        ("OVH_APP_SECRET".into(), OVH_APP_SECRET.into()),
        ("OVH_CONSUMER_KEY".into(), OVH_CONSUMER_KEY.into()),
    ]
}

fn types() -> BTreeSet<String> {
    dnsplan::provider::ovh::supported_types()
        .iter()
        .map(|t| t.as_str().to_string())
        .collect()
}

fn target() -> Target {
    Target {
        name: "ovh".into(),
        settings: settings(ovh_fake::ovh()),
        env: env(),
        dns: None,
        types: types(),
        reset: |zone| {
            ovh_fake::ovh().reset_zone(zone);
            ovh_fake::ovh().create_zone(zone);
        },
    }
}

fn own_target(fake: &OvhFake) -> Target {
    Target {
        reset: |_| {},
        settings: settings(fake),
        ..target()
    }
}

fn run(case: suite::Case) {
    suite::run_case(&target(), &case).unwrap_or_else(|why| panic!("not applicable: {why}"));
}

/// OVH refuses an empty TXT value (checked before sending): here `len0` holds `-`, the same
/// plan.
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

/// 1,200 records, each read on its own (OVH lists ids), and every apply refreshed.
#[test]
fn twelve_hundred_records() {
    let fake = OvhFake::start();
    fake.create_zone("large.conformance.test.");
    suite::run_case(&own_target(&fake), &cases::large()).unwrap();
    assert_eq!(fake.refreshes("large.conformance.test."), 2);
}

#[test]
fn partial_ownership() {
    suite::run_partial(&target(), "partial.ovh.test.");
}

#[test]
fn cases_needing_other_types_are_named_not_applicable() {
    assert_eq!(
        suite::run_case(&target(), &cases::types()),
        Err("types: ovh does not hold DNAME, DS, LOC, OPENPGPKEY, SPF, TLSA, URI".to_string())
    );
}

/// Changes behind dnsplan's back converge; a refused write is reported item by item and what
/// was applied is still put live; a zone OVH does not have is named so; wrong keys are refused
/// and never shown; a DKIM key is written as OVH's DKIM type.
#[test]
fn behind_the_back_refusals_and_dkim() {
    let fake = OvhFake::start();
    let zone = "behind.ovh.test.";
    fake.create_zone(zone);
    let p = Project::new(&own_target(&fake), &[zone]);
    let dkim = "v=DKIM1\\; k=rsa\\; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQAB";
    p.write_zone(zone, &format!("---\nwww:\n  type: A\n  values: [192.0.2.1, 192.0.2.2]\nsel._domainkey:\n  type: TXT\n  value: '{dkim}'\n"));
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    assert!(
        fake.records(zone)
            .iter()
            .any(|r| r["fieldType"] == "DKIM" && r["subDomain"] == "sel._domainkey")
    );
    fake.add_record(zone, serde_json::json!({"fieldType": "A", "subDomain": "www", "target": "198.51.100.9", "ttl": 3600}));
    fake.add_record(
        zone,
        serde_json::json!({"fieldType": "TXT", "subDomain": "rogue", "target": "x", "ttl": 3600}),
    );
    assert_eq!(changes(&p.plan()), ["delete rogue TXT", "update www A"]);
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());

    let mut yaml = format!(
        "---\nwww:\n  type: A\n  value: 192.0.2.9\nsel._domainkey:\n  type: TXT\n  value: '{dkim}'\n"
    );
    for i in 0..6 {
        yaml.push_str(&format!("n{i}:\n  type: A\n  value: 192.0.2.{}\n", 10 + i));
    }
    p.write_zone(zone, &yaml);
    let refreshes = fake.refreshes(zone);
    fake.fail_writes_after(3, 400, "record is locked (injected)");
    let o = p.run(&["apply", "--config", "config.yaml", "--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let err = show(&o);
    assert!(
        err.contains("of 7 changes applied before the apply stopped")
            && err.contains("record is locked (injected)"),
        "{err}"
    );
    assert_eq!(
        fake.refreshes(zone),
        refreshes + 1,
        "what was applied is put live"
    );
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());

    p.write_zone(zone, "---\nt:\n  type: TXT\n  value: ''\n");
    let o = p.run(&["plan", "--config", "config.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(
        show(&o).contains("OVH refuses an empty TXT value"),
        "{}",
        show(&o)
    );

    let other = "unordered.ovh.test.";
    let p = Project::new(&own_target(&fake), &[other]);
    p.write_zone(other, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    let o = p.run(&["apply", "--config", "config.yaml", "--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(
        show(&o).contains("cannot be created through its API"),
        "{}",
        show(&o)
    );

    let wrong = "wrong-consumer-key-0123456789abcdef";
    let mut t = own_target(&fake);
    t.env = vec![
        ("OVH_APP_KEY".into(), OVH_APP_KEY.into()),
        ("OVH_APP_SECRET".into(), OVH_APP_SECRET.into()),
        ("OVH_CONSUMER_KEY".into(), wrong.into()),
    ];
    let p = Project::new(&t, &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    let o = p.run(&["plan", "--config", "config.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(
        show(&o).contains("HTTP 403") && show(&o).contains("consumer key"),
        "{}",
        show(&o)
    );
    assert!(!show(&o).contains(wrong), "{}", show(&o));
}

const ZONE_YAML: &str = "---
'':
- {type: CAA, values: [{flags: 0, tag: issue, value: letsencrypt.org}]}
- {type: MX, values: [{exchange: mx1.ZONE, preference: 10}, {exchange: mx2.example.net., preference: 20}]}
- {type: NS, values: [dns111.ovh.net., ns111.ovh.net.]}
- {type: TXT, values: ['v=spf1 include:mx.ovh.com -all', 'plain text']}
_sip._tcp: {type: SRV, value: {port: 5060, priority: 10, target: sip.ZONE, weight: 20}}
aaaa: {type: AAAA, value: '2001:db8::1'}
cname: {type: CNAME, value: www.ZONE}
delegated: {type: NS, values: [ns1.example.net., ns2.example.net.]}
naptr: {type: NAPTR, value: {flags: S, order: 10, preference: 20, regexp: '', replacement: _sip._udp.ZONE, service: SIP+D2U}}
ptr: {type: PTR, value: host.example.net.}
sel._domainkey: {type: TXT, value: 'v=DKIM1\\; k=rsa\\; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQAB'}
sshfp: {type: SSHFP, value: {algorithm: 1, fingerprint: 123456789abcdef67890123456789abcdef67890, fingerprint_type: 1}}
www: {type: A, ttl: 300, values: [192.0.2.1, 192.0.2.2]}
";

/// octodns-ovh's config (`endpoint: ovh-eu`, through the proxy) in `config.yaml`; dnsplan's (the
/// fake directly) in `dnsplan.yaml`.
fn both(fake: &OvhFake, zone: &str) -> Project {
    let t = Target {
        settings: vec![
            ("class".into(), "octodns_ovh.OvhProvider".into()),
            ("endpoint".into(), "ovh-eu".into()),
            ("application_key".into(), "env/OVH_APP_KEY".into()),
            ("application_secret".into(), "env/OVH_APP_SECRET".into()),
            ("consumer_key".into(), "env/OVH_CONSUMER_KEY".into()),
        ],
        ..own_target(fake)
    };
    fake.create_zone(zone);
    let p = Project::new(&t, &[zone]);
    let cfg = std::fs::read_to_string(p.path().join("config.yaml")).unwrap();
    let ours = cfg.replace(
        "    endpoint: ovh-eu\n",
        &format!("    api_url: {}\n", fake.api_url()),
    );
    std::fs::write(p.path().join("dnsplan.yaml"), ours).unwrap();
    p.write_zone(zone, &ZONE_YAML.replace("ZONE", zone));
    p
}

fn octodns_sync(p: &Project, proxy: &HttpsProxy, doit: bool) -> String {
    // the apex NS is a root NS change to octoDNS, even on a new zone
    let args: &[&str] = if doit { &["--doit", "--force"] } else { &[] };
    let (ok, out) = proxy.octodns_sync(p, &env(), args);
    assert!(ok, "octodns-sync failed:\n{out}");
    out
}

fn dnsplan_changes(p: &Project) -> Vec<String> {
    p.changes_with("dnsplan.yaml")
}

#[test]
fn what_octodns_ovh_wrote_dnsplan_plans_as_no_changes() {
    let fake = OvhFake::start();
    let proxy = HttpsProxy::start(&[("eu.api.ovh.com", fake.port())]);
    let zone = "from-octodns.ovh.test.";
    let p = both(&fake, zone);
    octodns_sync(&p, &proxy, true);
    assert!(fake.records(zone).len() > 12, "octodns-ovh wrote the zone");
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
fn what_dnsplan_wrote_octodns_ovh_plans_as_no_changes() {
    let fake = OvhFake::start();
    let proxy = HttpsProxy::start(&[("eu.api.ovh.com", fake.port())]);
    let zone = "from-dnsplan.ovh.test.";
    let p = both(&fake, zone);
    let o = p.run(&["apply", "--config", "dnsplan.yaml", "--force"]);
    assert!(o.status.success(), "{}", show(&o));
    let out = octodns_sync(&p, &proxy, false);
    assert!(out.contains("No changes were planned"), "{out}");
}
