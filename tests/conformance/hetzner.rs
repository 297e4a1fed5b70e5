//! Hetzner as a conformance target, on both of octodns-hetzner's backends: the real dnsplan
//! binary against `hetzner_fake` (the Cloud API's Zones and the DNS Console API, written from
//! Hetzner's published references). The fake serves no DNS: besides the suite's plan → apply
//! → empty re-plan, what dnsplan wrote is read back from the fake's store.
//!
//! octodns-hetzner cannot be pointed at the fake (its DNS Console client has a fixed
//! `BASE_URL`, its Cloud backend builds `hcloud.Client` without an endpoint), so the value
//! shapes are pinned from its source (`_params_for_*`, `_data_for_*`) in
//! `values_as_octodns_hetzner_writes_them`.

use std::collections::BTreeSet;

use crate::cases;
use crate::hetzner_fake::{self, HetznerFake};
use crate::suite::{self, Project, Target, changes, show};

#[derive(Clone, Copy)]
enum B {
    Cloud,
    Console,
}

fn settings(fake: &HetznerFake, b: B, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let (backend, endpoint) = match b {
        B::Cloud => ("hcloud", fake.cloud_endpoint()),
        B::Console => ("dnsapi", fake.console_endpoint()),
    };
    suite::settings_with(
        vec![
            ("class", "octodns_hetzner.HetznerProvider".to_string()),
            ("token", "env/HETZNER_TOKEN".to_string()),
            ("backend", backend.to_string()),
            ("endpoint", endpoint),
        ],
        extra,
    )
}

fn env(b: B) -> Vec<(String, String)> {
    let t = match b {
        B::Cloud => hetzner_fake::CLOUD_TOKEN,
        B::Console => hetzner_fake::CONSOLE_TOKEN,
    };
    vec![("HETZNER_TOKEN".into(), t.into())]
}

fn types() -> BTreeSet<String> {
    dnsplan::provider::hetzner::supported_types()
        .iter()
        .map(|t| t.as_str().to_string())
        .collect()
}

fn target(b: B) -> Target {
    Target {
        name: match b {
            B::Cloud => "hetzner-cloud".into(),
            B::Console => "hetzner-dnsapi".into(),
        },
        settings: settings(hetzner_fake::hetzner(), b, &[]),
        env: env(b),
        dns: None,
        types: types(),
        reset: |zone| hetzner_fake::hetzner().reset_zone(zone),
    }
}

fn own_target(fake: &HetznerFake, b: B, extra: &[(&str, &str)]) -> Target {
    Target {
        reset: |_| {},
        settings: settings(fake, b, extra),
        ..target(b)
    }
}

/// A case on each backend, in zones of their own.
fn run(case: suite::Case) {
    for (b, tag) in [(B::Cloud, "hc"), (B::Console, "dns")] {
        let mut c = case.clone();
        c.zone = format!("{tag}-{}", c.zone);
        for s in &mut c.steps {
            s.yaml = s.yaml.replace(&case.zone, &c.zone);
        }
        suite::run_case(&target(b), &c).unwrap_or_else(|why| panic!("not applicable: {why}"));
    }
}

#[test]
fn txt_lengths_and_escapes() {
    run(cases::txt());
}

#[test]
fn cname_a_swap() {
    run(cases::swap());
}

/// The case's last TTL, 0, is below the Cloud API's 60 s: here it is 60 (the same plan), and
/// TTL 0 itself is refused before any request (`ttl_below_60_is_refused_before_any_request`).
#[test]
fn ttl_changes() {
    let mut case = cases::ttl();
    let last = case.steps.last_mut().unwrap();
    last.yaml = last.yaml.replace("t:\n  ttl: 0\n", "t:\n  ttl: 60\n");
    run(case);
}

#[test]
fn ttl_below_60_is_refused_before_any_request() {
    let fake = HetznerFake::start();
    let zone = "ttl0.hetzner.test.";
    let p = Project::new(&own_target(&fake, B::Cloud, &[]), &[zone]);
    p.write_zone(
        zone,
        "---\nwww:\n  ttl: 30\n  type: A\n  value: 192.0.2.1\n",
    );
    let o = p.run(&["apply", "--config", "config.yaml", "--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(
        show(&o).contains(
            "www.ttl0.hetzner.test. A has TTL 30; the Hetzner Cloud API takes TTLs from 60 s"
        ),
        "{}",
        show(&o)
    );
    assert!(
        fake.requests().iter().all(|r| r.starts_with("GET ")),
        "{:?}",
        fake.requests()
    );
}

#[test]
fn wildcards() {
    run(cases::wildcard());
}

#[test]
fn idn_names() {
    let case = cases::idn();
    // IDN zone names keep their own label first
    for b in [B::Cloud, B::Console] {
        let mut c = case.clone();
        let tag = match b {
            B::Cloud => "hc",
            B::Console => "dns",
        };
        c.zone = format!("{tag}.{}", case.zone);
        for s in &mut c.steps {
            s.yaml = s.yaml.replace(&case.zone, &c.zone);
        }
        suite::run_case(&target(b), &c).unwrap();
    }
}

/// 1,200 records: the Cloud API lists them 50 a page, the Console 100.
#[test]
fn twelve_hundred_records() {
    for (b, min_pages) in [(B::Cloud, 24), (B::Console, 12)] {
        let fake = HetznerFake::start();
        suite::run_case(&own_target(&fake, b, &[]), &cases::large()).unwrap();
        let pages = fake
            .requests()
            .iter()
            .filter(|r| {
                r.starts_with("GET ")
                    && (r.contains("/rrsets?") || r.contains("/records?"))
                    && !r.contains("page=1&")
            })
            .count();
        assert!(pages >= min_pages, "{pages}");
    }
}

#[test]
fn partial_ownership() {
    suite::run_partial(&target(B::Cloud), "partial-hc.hetzner.test.");
    suite::run_partial(&target(B::Console), "partial-dns.hetzner.test.");
}

#[test]
fn cases_needing_other_types_are_named_not_applicable() {
    assert_eq!(
        suite::run_case(&target(B::Cloud), &cases::types()),
        Err("types: hetzner-cloud does not hold DNAME, HTTPS, LOC, NAPTR, OPENPGPKEY, SPF, SSHFP, SVCB, URI".to_string())
    );
    assert_eq!(
        suite::run_case(&target(B::Cloud), &cases::alias()),
        Err("alias: hetzner-cloud does not hold ALIAS".to_string())
    );
}

/// What dnsplan writes, as octodns-hetzner 2.0 writes it: targets with their final dot, CAA
/// `flags tag "value"`, MX/SRV/DS/TLSA their fields, TXT quoted and cut at 255 octets on the
/// Cloud API (its `chunked_values`) and raw on the DNS Console (`record.values`); and a new
/// zone's apex NS replaced rather than added to.
#[test]
fn values_as_octodns_hetzner_writes_them() {
    let long = "q".repeat(300);
    let yaml = |zone: &str| {
        format!(
            "---
'':
- {{type: CAA, value: {{flags: 0, tag: issue, value: letsencrypt.org}}}}
- {{type: MX, value: {{exchange: mx.{zone}, preference: 10}}}}
- {{type: NS, values: [ns1.example.net., ns2.example.net.]}}
- {{type: TXT, value: 'k=v\\; {long}'}}
_443._tcp: {{type: TLSA, value: {{certificate_association_data: abcdef0123, certificate_usage: 3, matching_type: 1, selector: 1}}}}
_sip._tcp: {{type: SRV, value: {{port: 5060, priority: 10, target: sip.{zone}, weight: 20}}}}
c: {{type: CNAME, value: www.{zone}}}
d: [{{type: DS, value: {{algorithm: 13, digest: 2bb183af, digest_type: 1, key_tag: 60485}}}}, {{type: NS, value: ns.example.net.}}]
www: {{type: A, values: [192.0.2.1, 192.0.2.2]}}
"
        )
    };
    for b in [B::Cloud, B::Console] {
        let fake = HetznerFake::start();
        let zone = "shapes.hetzner.test.";
        let p = Project::new(&own_target(&fake, b, &[]), &[zone]);
        p.write_zone(zone, &yaml(zone));
        p.apply();
        assert_eq!(changes(&p.plan()), Vec::<String>::new());
        let z = zone;
        let txt = match b {
            B::Cloud => format!("\"\\\"k=v; {}\\\" \\\"{}\\\"\"", &long[..250], &long[250..]),
            B::Console => format!("\"k=v; {long}\""),
        };
        // the Cloud API keeps the apex NS Hetzner made (TTL inherited from the zone, 3600)
        // and sets its records; the Console deletes its records and writes new ones
        let ns_ttl = match b {
            B::Cloud => "-",
            B::Console => "3600",
        };
        let want: Vec<String> = vec![
            "@ CAA 3600 [\"0 issue \\\"letsencrypt.org\\\"\"]".into(),
            format!("@ MX 3600 [\"10 mx.{z}\"]"),
            format!("@ NS {ns_ttl} [\"ns1.example.net.\", \"ns2.example.net.\"]"),
            format!("@ TXT 3600 [{txt}]"),
            "_443._tcp TLSA 3600 [\"3 1 1 abcdef0123\"]".into(),
            format!("_sip._tcp SRV 3600 [\"10 20 5060 sip.{z}\"]"),
            format!("c CNAME 3600 [\"www.{z}\"]"),
            "d DS 3600 [\"60485 13 1 2bb183af\"]".into(),
            "d NS 3600 [\"ns.example.net.\"]".into(),
            "www A 3600 [\"192.0.2.1\", \"192.0.2.2\"]".into(),
        ];
        assert_eq!(fake.stored(zone), want);
        // written by another tool without the final dots (as the DNS Console shows them)
        fake.put(
            zone,
            "c",
            "CNAME",
            Some(3600),
            &[&format!("www.{}", z.trim_end_matches('.'))],
        );
        assert_eq!(changes(&p.plan()), Vec::<String>::new());
    }
}

/// Records changed behind dnsplan's back are planned and converge.
#[test]
fn changes_behind_dnsplans_back() {
    for b in [B::Cloud, B::Console] {
        let fake = HetznerFake::start();
        let zone = "behind.hetzner.test.";
        let p = Project::new(&own_target(&fake, b, &[]), &[zone]);
        p.write_zone(
            zone,
            "---\nwww:\n  type: A\n  values: [192.0.2.1, 192.0.2.2]\n",
        );
        p.apply();
        fake.put(zone, "www", "A", Some(3600), &["192.0.2.1", "198.51.100.9"]);
        fake.put(zone, "rogue", "TXT", None, &["\"x\""]);
        fake.put(zone, "info", "HINFO", None, &["\"a\" \"b\""]);
        assert_eq!(changes(&p.plan()), ["delete rogue TXT", "update www A"]);
        p.apply();
        assert_eq!(changes(&p.plan()), Vec::<String>::new());
        let stored = fake.stored(zone);
        assert!(
            stored.iter().any(|s| s.starts_with("info HINFO")),
            "left alone: {stored:?}"
        );
        assert!(
            stored.contains(&"www A 3600 [\"192.0.2.1\", \"192.0.2.2\"]".to_string()),
            "{stored:?}"
        );
    }
}

/// A write the API refuses stops the apply; the report says what was and was not applied.
#[test]
fn a_refused_write_is_reported_item_by_item() {
    let fake = HetznerFake::start();
    let zone = "refused.hetzner.test.";
    let p = Project::new(&own_target(&fake, B::Cloud, &[]), &[zone]);
    p.write_zone(
        zone,
        "---\na:\n  type: A\n  value: 192.0.2.1\nb:\n  type: A\n  value: 192.0.2.2\n",
    );
    p.apply();
    let yaml = "---\na:\n  type: A\n  value: 192.0.2.9\nb:\n  type: A\n  value: 192.0.2.2\nc:\n  type: A\n  value: 192.0.2.3\nd:\n  type: A\n  value: 192.0.2.4\n";
    p.write_zone(zone, yaml);
    fake.refuse_writes_to("c");
    let o = p.run(&["apply", "--config", "config.yaml", "--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let err = show(&o);
    for want in [
        "of 3 changes applied before the apply stopped",
        "failed:      create c A: create the rrset: HTTP 422: invalid_input: the rrset 'c' is locked (injected)",
        "the zone is partly changed",
    ] {
        assert!(err.contains(want), "missing {want:?} in {err}");
    }
    // every other change is named, applied or not (writes run 4 at a time)
    for other in ["create d A", "update a A"] {
        assert!(
            err.contains(&format!("applied:     {other}"))
                || err.contains(&format!("not applied: {other}")),
            "{other} in {err}"
        );
    }
    fake.accept_writes();
    assert!(changes(&p.plan()).contains(&"create c A".to_string()));
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
}

/// 429 with Retry-After is waited out; a wrong token is refused with a hint and never shown.
#[test]
fn rate_limit_and_credentials() {
    let fake = HetznerFake::start();
    let zone = "rate.hetzner.test.";
    let p = Project::new(&own_target(&fake, B::Cloud, &[]), &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    p.apply();
    fake.rate_limit_after(1);
    let before = fake.requests().len();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    // the request answered 429 was sent again after its Retry-After: one more than a plan's
    // two (zone, rrsets)
    assert_eq!(fake.limited(), 1);
    assert_eq!(
        fake.requests().len() - before,
        3,
        "{:?}",
        &fake.requests()[before..]
    );

    for b in [B::Cloud, B::Console] {
        let wrong = "hz-wrong-token-abcdefghijklmnop";
        let mut t = own_target(&fake, b, &[]);
        t.env = vec![("HETZNER_TOKEN".into(), wrong.into())];
        let p = Project::new(&t, &[zone]);
        p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
        let o = p.run(&["plan", "--config", "config.yaml"]);
        assert_eq!(o.status.code(), Some(1), "{}", show(&o));
        let all = show(&o);
        assert!(
            all.contains("HTTP 401") && all.contains("API token"),
            "{all}"
        );
        assert!(!all.contains(wrong), "{all}");
    }
}
