//! DigitalOcean as a conformance target: the real dnsplan binary against `digitalocean_fake`
//! (the API v2's Domains, written from DigitalOcean's OpenAPI description), and octoDNS
//! interop with the real octodns-digitalocean 1.0.1 through `https_proxy` (its client has a
//! fixed `https://api.digitalocean.com/v2`): what either tool writes, the other plans as no
//! changes.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::json;

use crate::cases;
use crate::digitalocean_fake::{self, DO_TOKEN, DigitalOceanFake};
use crate::https_proxy::HttpsProxy;
use crate::suite::{self, Project, Target, changes, show};

fn settings(fake: &DigitalOceanFake, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    suite::settings_with(
        vec![
            (
                "class",
                "octodns_digitalocean.DigitalOceanProvider".to_string(),
            ),
            ("token", "env/DIGITALOCEAN_TOKEN".to_string()),
            ("api_url", fake.api_url()),
        ],
        extra,
    )
}

fn types() -> BTreeSet<String> {
    dnsplan::provider::digitalocean::supported_types()
        .iter()
        .map(|t| t.as_str().to_string())
        .collect()
}

fn target() -> Target {
    Target {
        name: "digitalocean".into(),
        settings: settings(digitalocean_fake::digitalocean(), &[]),
        env: vec![("DIGITALOCEAN_TOKEN".into(), DO_TOKEN.into())],
        dns: None,
        types: types(),
        reset: |zone| digitalocean_fake::digitalocean().reset_zone(zone),
    }
}

fn own_target(fake: &DigitalOceanFake, extra: &[(&str, &str)]) -> Target {
    Target {
        reset: |_| {},
        settings: settings(fake, extra),
        ..target()
    }
}

fn run(case: suite::Case) {
    suite::run_case(&target(), &case).unwrap_or_else(|why| panic!("not applicable: {why}"));
}

/// DigitalOcean refuses an empty TXT value (checked before sending, see
/// `what_digitalocean_refuses_is_said_before_sending`): here `len0` holds `-` instead, the same
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

/// The case's last TTL, 0, is below DigitalOcean's 30 s: here it is 30 (the same plan); TTL 0
/// itself is refused before any request (`what_digitalocean_refuses_is_said_before_sending`).
#[test]
fn ttl_changes() {
    let mut case = cases::ttl();
    let last = case.steps.last_mut().unwrap();
    last.yaml = last.yaml.replace("t:\n  ttl: 0\n", "t:\n  ttl: 30\n");
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

/// 1,200 records, listed 200 a page.
#[test]
fn twelve_hundred_records() {
    let fake = DigitalOceanFake::start();
    suite::run_case(&own_target(&fake, &[]), &cases::large()).unwrap();
    let pages = fake
        .requests()
        .iter()
        .filter(|r| r.starts_with("GET /v2/domains/large.conformance.test/records?page=6"))
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
    suite::run_partial(&target(), "partial.digitalocean.test.");
}

#[test]
fn cases_needing_other_types_are_named_not_applicable() {
    assert_eq!(
        suite::run_case(&target(), &cases::types()),
        Err("types: digitalocean does not hold DNAME, DS, HTTPS, LOC, NAPTR, OPENPGPKEY, PTR, SPF, SSHFP, SVCB, TLSA, URI".to_string())
    );
    assert_eq!(
        suite::run_case(&target(), &cases::alias()),
        Err("alias: digitalocean does not hold ALIAS".to_string())
    );
}

const ZONE_YAML: &str = "---
'':
- {type: CAA, values: [{flags: 0, tag: issue, value: letsencrypt.org}, {flags: 128, tag: iodef, value: 'mailto:sec@example.com'}]}
- {type: MX, values: [{exchange: mx1.shapes.digitalocean.test., preference: 10}, {exchange: mx2.example.net., preference: 20}]}
- {type: NS, values: [ns1.digitalocean.com., ns2.digitalocean.com., ns3.digitalocean.com.]}
- {type: TXT, values: ['v=DKIM1\\; k=rsa\\; p=MIGfMA0', 'plain']}
_sip._tcp: {type: SRV, values: [{port: 5060, priority: 10, target: sip.shapes.digitalocean.test., weight: 20}, {port: 1, priority: 0, target: ., weight: 0}]}
aaaa: {type: AAAA, value: '2001:db8::1'}
cname: {type: CNAME, value: shapes.digitalocean.test.}
delegated: {type: NS, values: [ns1.example.net., ns2.example.net.]}
www: {type: A, ttl: 300, values: [192.0.2.1, 192.0.2.2]}
";

/// Values as octodns-digitalocean writes them: one object per value, host names with their
/// final dot (listed without), `@` for the apex, TXT raw, a null SRV target kept `.`; a new
/// domain's NS replaced by the plan's.
#[test]
fn values_as_octodns_digitalocean_writes_them() {
    let fake = DigitalOceanFake::start();
    let zone = "shapes.digitalocean.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(zone, ZONE_YAML);
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    let mut held: Vec<String> = fake
        .records(zone)
        .iter()
        .filter(|r| r["type"] != "SOA")
        .map(|r| {
            format!(
                "{} {} {} {} {}",
                r["name"].as_str().unwrap(),
                r["type"].as_str().unwrap(),
                r["data"],
                r["priority"],
                r["ttl"]
            )
        })
        .collect();
    held.sort();
    let z = zone.trim_end_matches('.');
    let mut want = vec![
        "@ CAA \"letsencrypt.org\" null 3600".to_string(),
        "@ CAA \"mailto:sec@example.com\" null 3600".into(),
        format!("@ MX \"mx1.{z}\" 10 3600"),
        "@ MX \"mx2.example.net\" 20 3600".into(),
        "@ NS \"ns1.digitalocean.com\" null 3600".into(),
        "@ NS \"ns2.digitalocean.com\" null 3600".into(),
        "@ NS \"ns3.digitalocean.com\" null 3600".into(),
        "@ TXT \"plain\" null 3600".into(),
        "@ TXT \"v=DKIM1; k=rsa; p=MIGfMA0\" null 3600".into(),
        "_sip._tcp SRV \".\" 0 3600".into(),
        format!("_sip._tcp SRV \"sip.{z}\" 10 3600"),
        "aaaa AAAA \"2001:db8::1\" null 3600".into(),
        format!("cname CNAME \"{z}\" null 3600"),
        "delegated NS \"ns1.example.net\" null 3600".into(),
        "delegated NS \"ns2.example.net\" null 3600".into(),
        "www A \"192.0.2.1\" null 300".into(),
        "www A \"192.0.2.2\" null 300".into(),
    ];
    want.sort();
    assert_eq!(held, want);
}

/// Changes made in the control panel are planned and converge; an object of a set with its
/// own TTL is rewritten; a record written as `@` reads as the zone.
#[test]
fn changes_behind_dnsplans_back() {
    let fake = DigitalOceanFake::start();
    let zone = "behind.digitalocean.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(
        zone,
        "---\nwww:\n  type: A\n  values: [192.0.2.1, 192.0.2.2]\nc:\n  type: CNAME\n  value: behind.digitalocean.test.\n",
    );
    p.apply();
    fake.add_record(
        zone,
        json!({"type": "A", "name": "www", "data": "198.51.100.9", "ttl": 3600}),
    );
    fake.add_record(
        zone,
        json!({"type": "TXT", "name": "rogue", "data": "x", "ttl": 3600}),
    );
    assert_eq!(changes(&p.plan()), ["delete rogue TXT", "update www A"]);
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    // one object's TTL changed: the set is rewritten to one TTL
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
    // the CNAME to the apex, as the control panel writes it
    let id = fake
        .records(zone)
        .iter()
        .find(|r| r["name"] == "c")
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    fake.edit_record(zone, id, json!({"data": "@"}));
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
}

/// A write the API refuses stops the apply; each change is named; the next apply finishes.
#[test]
fn a_refused_write_is_reported_item_by_item() {
    let fake = DigitalOceanFake::start();
    let zone = "refused.digitalocean.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(zone, "---\na:\n  type: A\n  value: 192.0.2.1\n");
    p.apply();
    let mut yaml = String::from("---\na:\n  type: A\n  value: 192.0.2.9\n");
    for i in 0..8 {
        yaml.push_str(&format!("n{i}:\n  type: A\n  value: 192.0.2.{}\n", 10 + i));
    }
    p.write_zone(zone, &yaml);
    fake.fail_writes_after(2, 422, "record is locked (injected)");
    let o = p.run(&["apply", "--config", "config.yaml", "--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let err = show(&o);
    assert!(
        err.contains("of 9 changes applied before the apply stopped"),
        "{err}"
    );
    assert!(
        err.contains("(HTTP 422): unprocessable_entity: record is locked (injected)"),
        "{err}"
    );
    assert!(err.contains("the zone is partly changed"), "{err}");
    let left = changes(&p.plan());
    assert!(!left.is_empty() && left.len() < 9, "{left:?}");
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
}

/// The burst limit's 429 is waited out (its `retry-after`); a wrong token is refused with a
/// hint and never shown.
#[test]
fn rate_limit_and_credentials() {
    let fake = DigitalOceanFake::start();
    let zone = "rate.digitalocean.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    p.apply();
    fake.set_burst(2, Duration::from_secs(2));
    let start = std::time::Instant::now();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    fake.reset_rate();

    let wrong = "dop_v1_wrong0123456789abcdef";
    let mut t = own_target(&fake, &[]);
    t.env = vec![("DIGITALOCEAN_TOKEN".into(), wrong.into())];
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
}

/// TTLs below 30 s and CAA tags DigitalOcean does not take are refused before any request.
#[test]
fn what_digitalocean_refuses_is_said_before_sending() {
    let fake = DigitalOceanFake::start();
    let zone = "refuse.digitalocean.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(zone, "---\nwww:\n  ttl: 0\n  type: A\n  value: 192.0.2.1\n'':\n  type: CAA\n  value: {flags: 0, tag: issuemail, value: ca.example.net}\nt:\n  type: TXT\n  value: ''\n_s._tcp:\n  type: SRV\n  value: {port: 0, priority: 0, target: ., weight: 0}\n");
    let o = p.run(&["apply", "--config", "config.yaml", "--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let all = show(&o);
    assert!(
        all.contains(
            "www.refuse.digitalocean.test. A has TTL 0; DigitalOcean takes TTLs from 30 s"
        ),
        "{all}"
    );
    assert!(all.contains("issuemail"), "{all}");
    assert!(all.contains("refuses an empty TXT value"), "{all}");
    assert!(all.contains("SRV ports from 1 to 65535"), "{all}");
    assert!(
        fake.requests().iter().all(|r| r.starts_with("GET ")),
        "{:?}",
        fake.requests()
    );
    assert!(!fake.zone_exists(zone));
}

/// octodns-digitalocean's config (through the proxy) in `config.yaml`; dnsplan's (the fake
/// directly) in `dnsplan.yaml`.
fn both(fake: &DigitalOceanFake, zone: &str) -> Project {
    let t = Target {
        settings: vec![
            (
                "class".into(),
                "octodns_digitalocean.DigitalOceanProvider".into(),
            ),
            ("token".into(), "env/DIGITALOCEAN_TOKEN".into()),
        ],
        ..own_target(fake, &[])
    };
    let p = Project::new(&t, &[zone]);
    let cfg = std::fs::read_to_string(p.path().join("config.yaml")).unwrap();
    let ours = cfg.replace(
        "    token: env/DIGITALOCEAN_TOKEN\n",
        &format!(
            "    token: env/DIGITALOCEAN_TOKEN\n    api_url: {}\n",
            fake.api_url()
        ),
    );
    std::fs::write(p.path().join("dnsplan.yaml"), ours).unwrap();
    p.write_zone(zone, &ZONE_YAML.replace("shapes.digitalocean.test.", zone));
    p
}

fn octodns_sync(p: &Project, proxy: &HttpsProxy, doit: bool) -> String {
    let (ok, out) = octodns_run(p, proxy, doit);
    assert!(ok, "octodns-sync failed:\n{out}");
    out
}

fn octodns_run(p: &Project, proxy: &HttpsProxy, doit: bool) -> (bool, String) {
    let args: &[&str] = if doit { &["--doit"] } else { &[] };
    proxy.octodns_sync(
        p,
        &[("DIGITALOCEAN_TOKEN".to_string(), DO_TOKEN.to_string())],
        args,
    )
}

fn dnsplan_changes(p: &Project) -> Vec<String> {
    p.changes_with("dnsplan.yaml")
}

#[test]
fn what_octodns_digitalocean_wrote_dnsplan_plans_as_no_changes() {
    let fake = DigitalOceanFake::start();
    let proxy = HttpsProxy::start(&[("api.digitalocean.com", fake.port())]);
    let zone = "from-octodns.digitalocean.test.";
    let p = both(&fake, zone);
    octodns_sync(&p, &proxy, true);
    assert!(
        fake.records(zone).len() > 10,
        "octodns-digitalocean wrote the zone"
    );
    // on a new domain octodns-digitalocean adds its apex NS beside the three DigitalOcean
    // made (TTL 1800), so octoDNS itself plans that update again; dnsplan plans the same one
    // and only it, and once dnsplan applied it neither tool plans anything
    let (ok, again) = octodns_run(&p, &proxy, false);
    // (octoDNS refuses a root NS change without --force, even to plan it)
    assert!(!ok && again.contains("RootNsChange"), "{again}");
    assert!(again.contains("Creates=0, Updates=1, Deletes=0"), "{again}");
    assert!(
        again.contains("<NsRecord NS 1800, from-octodns.digitalocean.test."),
        "{again}"
    );
    assert_eq!(dnsplan_changes(&p), ["update @ NS"]);
    let o = p.run(&["apply", "--config", "dnsplan.yaml", "--force"]);
    assert!(o.status.success(), "{}", show(&o));
    assert_eq!(dnsplan_changes(&p), Vec::<String>::new());
    let out = octodns_sync(&p, &proxy, false);
    assert!(out.contains("No changes were planned"), "{out}");
    let ns: Vec<_> = fake
        .records(zone)
        .into_iter()
        .filter(|r| r["type"] == "NS" && r["name"] == "@")
        .collect();
    assert_eq!(ns.len(), 3, "the duplicates are gone: {ns:?}");
    // a change by dnsplan on top is read by octodns-digitalocean as done
    let yaml = std::fs::read_to_string(p.path().join(format!("zones/{zone}yaml"))).unwrap();
    p.write_zone(zone, &yaml.replace("192.0.2.2]", "192.0.2.3]"));
    assert_eq!(dnsplan_changes(&p), ["update www A"]);
    let o = p.run(&["apply", "--config", "dnsplan.yaml", "--force"]);
    assert!(o.status.success(), "{}", show(&o));
    let out = octodns_sync(&p, &proxy, false);
    assert!(out.contains("No changes were planned"), "{out}");
}

#[test]
fn what_dnsplan_wrote_octodns_digitalocean_plans_as_no_changes() {
    let fake = DigitalOceanFake::start();
    let proxy = HttpsProxy::start(&[("api.digitalocean.com", fake.port())]);
    let zone = "from-dnsplan.digitalocean.test.";
    let p = both(&fake, zone);
    let o = p.run(&["apply", "--config", "dnsplan.yaml", "--force"]);
    assert!(o.status.success(), "{}", show(&o));
    let out = octodns_sync(&p, &proxy, false);
    assert!(out.contains("No changes were planned"), "{out}");
}
