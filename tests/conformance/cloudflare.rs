//! Cloudflare as a conformance target: the real dnsplan binary against `cloudflare_fake`, an
//! HTTP fake of the Cloudflare API v4 written from its published description (Cloudflare has
//! no emulator). The fake serves no DNS: besides the suite's plan → apply → empty re-plan, what
//! dnsplan wrote is read back from the fake's store in Cloudflare's JSON shape.
//!
//! - the suite's cases Cloudflare can hold (and the ones it cannot, named), every type dnsplan
//!   manages there, 1,200 records over many pages and batches;
//! - `octodns.cloudflare` flags (proxied, auto-ttl, comment, tags), min_ttl;
//! - records changed behind dnsplan's back; a batch refused part-way (item-by-item report,
//!   nothing of the refused batch applied, re-plan converges); the plan's batch limit;
//! - credentials: API token, legacy email + global key, a wrong token (never printed);
//! - 429 with Retry-After waited out;
//! - octoDNS interop: octodns-cloudflare 1.2 (pointed at the fake with `api_url`) and dnsplan
//!   each plan nothing against what the other wrote.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value as J, json};

use crate::cases;
use crate::cloudflare_fake::{self, CloudflareFake};
use crate::harness;
use crate::suite::{self, Case, Expect, Project, Step, Target, changes, show};

fn env() -> Vec<(String, String)> {
    vec![(
        "CLOUDFLARE_TOKEN".to_string(),
        cloudflare_fake::TOKEN.to_string(),
    )]
}

/// octodns-cloudflare's config entry for a fake, with `extra` settings (an empty value
/// removes a key).
fn settings(fake: &CloudflareFake, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    suite::settings_with(
        vec![
            ("class", "octodns_cloudflare.CloudflareProvider".to_string()),
            ("token", "env/CLOUDFLARE_TOKEN".to_string()),
            ("account_id", cloudflare_fake::ACCOUNT.to_string()),
            ("api_url", fake.api_url()),
            ("min_ttl", "60".to_string()),
            ("retry_period", "5".to_string()),
        ],
        extra,
    )
}

fn types() -> BTreeSet<String> {
    dnsplan::provider::cloudflare::supported_types()
        .iter()
        .map(|t| t.as_str().to_string())
        .collect()
}

pub fn target() -> Target {
    Target {
        name: "cloudflare".into(),
        settings: settings(cloudflare_fake::cloudflare(), &[]),
        env: env(),
        dns: None,
        types: types(),
        reset: |zone| cloudflare_fake::cloudflare().reset_zone(zone),
    }
}

fn own_target(fake: &CloudflareFake, extra: &[(&str, &str)]) -> Target {
    Target {
        name: "cloudflare".into(),
        settings: settings(fake, extra),
        env: env(),
        dns: None,
        types: types(),
        reset: |_| {},
    }
}

fn run(case: Case) {
    suite::run_case(&target(), &case).unwrap_or_else(|why| panic!("not applicable: {why}"));
}

#[test]
fn txt_lengths_and_escapes() {
    run(cases::txt());
}

#[test]
fn cname_a_swap() {
    run(cases::swap());
}

/// The last state's TTL 0 is below Cloudflare's minimum: it is written as `min_ttl` (60 here)
/// with a warning, and the re-plan is clean.
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

/// An apex ALIAS is Cloudflare's flattened apex CNAME.
#[test]
fn apex_alias() {
    run(cases::alias());
}

/// The suite's `types` case needs types Cloudflare does not have (or octodns-cloudflare does
/// not manage), and an apex NS (Cloudflare's own name servers answer there).
#[test]
fn cases_needing_other_types_are_named_not_applicable() {
    assert_eq!(
        suite::run_case(&target(), &cases::types()),
        Err("types: cloudflare does not hold DNAME, OPENPGPKEY, SPF".to_string())
    );
}

/// Exactly octodns-cloudflare 1.2's SUPPORTS without URLFWD (page rules, not managed here),
/// plus URI.
#[test]
fn supported_types_are_octodns_cloudflares_and_uri() {
    let want: BTreeSet<String> = [
        "A", "AAAA", "ALIAS", "CAA", "CNAME", "DS", "HTTPS", "LOC", "MX", "NAPTR", "NS", "PTR",
        "SRV", "SSHFP", "SVCB", "TLSA", "TXT", "URI",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(types(), want);
}

/// Every type Cloudflare holds: created, updated, deleted; field by field as stored.
fn all_types(zone: &str) -> String {
    let long = "x".repeat(300);
    format!(
        "---
'':
- type: CAA
  values:
  - {{flags: 0, tag: issue, value: letsencrypt.org}}
  - {{flags: 128, tag: tbs, value: Unknown}}
- type: HTTPS
  value: {{svcparams: {{alpn: [h3, h2], port: '8443'}}, svcpriority: 1, targetname: .}}
- type: LOC
  value: {{altitude: 10.5, lat_degrees: 51, lat_direction: N, lat_minutes: 30, lat_seconds: 12.748, long_degrees: 0, long_direction: W, long_minutes: 7, long_seconds: 39.611, precision_horz: 10000, precision_vert: 10, size: 1}}
- type: MX
  values:
  - {{exchange: mx1.{zone}, preference: 10}}
  - {{exchange: mx2.example.net., preference: 20}}
- type: TXT
  values: ['v=spf1 include:_spf.example.com -all', 'v=DKIM1\\; k=rsa\\; p=MIGfMA0', '{long}']
_443._tcp:
  type: TLSA
  value: {{certificate_association_data: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef, certificate_usage: 3, matching_type: 1, selector: 1}}
_http._tcp:
  type: URI
  value: {{priority: 10, target: 'https://www.example.com/', weight: 1}}
_sip._tcp:
  type: SRV
  values:
  - {{port: 5060, priority: 10, target: sip.{zone}, weight: 20}}
  - {{port: 0, priority: 0, target: ., weight: 0}}
a:
  ttl: 300
  type: A
  values: [192.0.2.1, 192.0.2.2]
aaaa:
  type: AAAA
  value: '2001:db8::1'
cname:
  type: CNAME
  value: a.{zone}
delegated:
- type: DS
  value: {{algorithm: 13, digest: 2bb183af5f22588179a53b0a98631fad1a292118, digest_type: 1, key_tag: 60485}}
- type: NS
  values: [ns1.example.net., ns2.example.net.]
naptr:
  type: NAPTR
  value: {{flags: S, order: 100, preference: 10, regexp: '', replacement: _sip._udp.example.com., service: SIP+D2U}}
nullmx:
  type: MX
  value: {{exchange: ., preference: 0}}
ptr:
  type: PTR
  value: host1.example.net.
sshfp:
  type: SSHFP
  value: {{algorithm: 1, fingerprint: 123456789abcdef67890123456789abcdef67890, fingerprint_type: 1}}
svc:
  type: SVCB
  value: {{svcparams: {{alpn: [h2]}}, svcpriority: 1, targetname: svc.example.net.}}
"
    )
}

#[test]
fn every_type_created_updated_deleted() {
    let zone = "types.cloudflare.test.";
    let step1 = all_types(zone);
    let step2 = step1
        .replace("192.0.2.1, 192.0.2.2", "192.0.2.3, 192.0.2.2")
        .replace("port: 5060, priority: 10", "port: 5061, priority: 10")
        .replace("lat_seconds: 12.748", "lat_seconds: 13.5")
        .replace("flags: 128, tag: tbs", "flags: 0, tag: iodef")
        .replace("ptr:\n  type: PTR\n  value: host1.example.net.\n", "");
    let case = Case {
        name: "cf-types",
        zone: zone.into(),
        steps: vec![
            Step {
                yaml: step1.clone(),
                expect: Expect::Counts(18, 0, 0),
            },
            Step {
                yaml: step2,
                expect: Expect::Changes(
                    [
                        "delete ptr PTR",
                        "update @ CAA",
                        "update @ LOC",
                        "update _sip._tcp SRV",
                        "update a A",
                    ]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                ),
            },
            Step {
                yaml: "---\nkeep:\n  type: A\n  value: 192.0.2.9\n".into(),
                expect: Expect::Counts(1, 0, 17),
            },
        ],
    };
    run(case);
    // after the last step only `keep` is left
    let stored: Vec<String> = cloudflare_fake::cloudflare()
        .records(zone)
        .iter()
        .map(|r| format!("{} {} {}", r["name"], r["type"], r["content"]))
        .collect();
    assert_eq!(stored, [r#""keep.types.cloudflare.test" "A" "192.0.2.9""#]);
}

/// What Cloudflare stores for a few types, as its API lists them.
#[test]
fn stored_shapes_are_cloudflares() {
    let fake = CloudflareFake::start();
    let zone = "shapes.cloudflare.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    let long = "y".repeat(300);
    p.write_zone(
        zone,
        &format!(
            "---\n'':\n- type: ALIAS\n  value: www.{zone}\n- type: TXT\n  value: 'k=v\\; {long}'\n\
             www:\n  type: A\n  value: 192.0.2.1\n_s._tcp:\n  type: SRV\n  value: {{port: 443, \
             priority: 1, target: www.{zone}, weight: 5}}\nmx:\n  type: MX\n  value: \
             {{exchange: mail.example.net., preference: 10}}\n"
        ),
    );
    p.apply();
    let recs = fake.records(zone);
    let find = |name: &str, ty: &str| -> J {
        recs.iter()
            .find(|r| r["name"] == name && r["type"] == ty)
            .cloned()
            .unwrap_or_else(|| panic!("{name} {ty} in {recs:#?}"))
    };
    let apex = find("shapes.cloudflare.test", "CNAME");
    assert_eq!(apex["content"], "www.shapes.cloudflare.test");
    assert_eq!(apex["proxied"], false);
    assert_eq!(
        find("shapes.cloudflare.test", "TXT")["content"],
        json!(format!("\"k=v; {}\" \"{}\"", &long[..250], &long[250..]))
    );
    let srv = find("_s._tcp.shapes.cloudflare.test", "SRV");
    assert_eq!(
        srv["data"],
        json!({"priority": 1, "weight": 5, "port": 443, "target": "www.shapes.cloudflare.test"})
    );
    let mx = find("mx.shapes.cloudflare.test", "MX");
    assert_eq!(
        (mx["priority"].clone(), mx["content"].clone()),
        (json!(10), json!("mail.example.net"))
    );
    assert_eq!(find("www.shapes.cloudflare.test", "A")["ttl"], 3600);
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
}

/// 1,200 records: many pages of the list, several batches of at most 200 (the Free plan's
/// batch limit the fake enforces).
#[test]
fn twelve_hundred_records() {
    let fake = CloudflareFake::start();
    suite::run_case(&own_target(&fake, &[]), &cases::large()).unwrap();
    let reqs = fake.requests();
    let pages = reqs
        .iter()
        .filter(|r| r.starts_with("GET ") && r.contains("/dns_records?") && !r.contains("page=1&"))
        .count();
    assert!(pages >= 11, "pages after the first: {pages}");
    let batches = reqs
        .iter()
        .filter(|r| r.ends_with("/dns_records/batch"))
        .count();
    // 1,200 creates in 6 batches, then 20 changes in 1
    assert_eq!(batches, 7, "{reqs:#?}");
}

/// A 5,000-record zone made in the dashboard: read over 50 pages of 100, planned clean against
/// the same records in git.
#[test]
fn five_thousand_records_are_read_over_every_page() {
    let fake = CloudflareFake::start();
    let zone = "big.cloudflare.test.";
    fake.create_zone(zone);
    let mut yaml = String::from("---\n");
    for i in 0..5000 {
        let ip = format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256);
        fake.add_record(zone, json!({"name": format!("h{i}.big.cloudflare.test"), "type": "A", "content": ip, "ttl": 300}));
        yaml.push_str(&format!("h{i}:\n  ttl: 300\n  type: A\n  value: {ip}\n"));
    }
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(zone, &yaml);
    let plan = p.plan();
    assert_eq!(changes(&plan), Vec::<String>::new());
    assert_eq!(plan["plans"][0]["summary"]["existing"], 5000);
    let pages = fake
        .requests()
        .iter()
        .filter(|r| r.contains("/dns_records?"))
        .count();
    assert_eq!(pages, 50);
}

#[test]
fn partial_ownership() {
    suite::run_partial(&target(), "partial.cloudflare.test.");
}

/// `octodns.cloudflare` flags: proxied (TTL automatic, read back as 300), auto-ttl, comment
/// and tags; a change of flags alone is an update.
#[test]
fn proxied_auto_ttl_comment_and_tags() {
    let fake = CloudflareFake::start();
    let zone = "flags.cloudflare.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    let state = |proxied: bool, comment: &str| {
        format!(
            "---\nwww:\n  octodns:\n    cloudflare:\n      proxied: {proxied}\n  ttl: 120\n  \
             type: A\n  value: 192.0.2.1\nt:\n  octodns:\n    cloudflare:\n      auto-ttl: true\n      \
             comment: '{comment}'\n      tags: ['team:dns', 'env:prod']\n  type: TXT\n  value: hi\n"
        )
    };
    p.write_zone(zone, &state(true, "first"));
    assert_eq!(changes(&p.plan()), ["create t TXT", "create www A"]);
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    let recs = fake.records(zone);
    let www = recs.iter().find(|r| r["type"] == "A").unwrap();
    assert_eq!(
        (www["proxied"].clone(), www["ttl"].clone()),
        (json!(true), json!(1))
    );
    let t = recs.iter().find(|r| r["type"] == "TXT").unwrap();
    assert_eq!(t["ttl"], 1);
    assert_eq!(t["comment"], "first");
    assert_eq!(t["tags"], json!(["env:prod", "team:dns"]));
    // a dump carries the flags as read
    let out = p.path().join("dump");
    let o = p.run(&[
        "dump",
        "--config",
        "config.yaml",
        "--output-dir",
        out.to_str().unwrap(),
        zone,
        "target",
    ]);
    assert!(o.status.success(), "{}", show(&o));
    let dumped = std::fs::read_to_string(out.join(format!("{zone}yaml"))).unwrap();
    for want in [
        "proxied: true",
        "auto-ttl: true",
        "comment: first",
        "team:dns",
    ] {
        assert!(dumped.contains(want), "{want} in\n{dumped}");
    }
    // flags alone change
    p.write_zone(zone, &state(false, "second"));
    assert_eq!(changes(&p.plan()), ["update t TXT", "update www A"]);
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    let recs = fake.records(zone);
    let www = recs.iter().find(|r| r["type"] == "A").unwrap();
    assert_eq!(
        (www["proxied"].clone(), www["ttl"].clone()),
        (json!(false), json!(120))
    );
    // proxied on a type Cloudflare cannot proxy: refused before any request
    fake.set_rate(1000, Duration::from_secs(300));
    let before = fake.requests().len();
    p.write_zone(
        zone,
        "---\nt:\n  octodns:\n    cloudflare:\n      proxied: true\n  type: TXT\n  value: hi\n",
    );
    let o = p.run(&["plan", "--config", "config.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("`octodns.cloudflare.proxied` applies to A, AAAA, CNAME and ALIAS only"),
        "{}",
        show(&o)
    );
    let sent: Vec<String> = fake.requests()[before..].to_vec();
    assert!(sent.iter().all(|r| r.starts_with("GET ")), "{sent:?}");
}

/// Records added, changed and removed in the dashboard: the plan shows them, apply converges.
#[test]
fn changes_behind_dnsplans_back() {
    let fake = CloudflareFake::start();
    let zone = "behind.cloudflare.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(
        zone,
        "---\nwww:\n  type: A\n  values: [192.0.2.1, 192.0.2.2]\nmail:\n  type: MX\n  value: {exchange: mx.example.net., preference: 10}\n",
    );
    p.apply();
    fake.add_record(zone, json!({"name": "rogue.behind.cloudflare.test", "type": "A", "content": "203.0.113.1", "ttl": 300}));
    let id = fake
        .records(zone)
        .iter()
        .find(|r| r["content"] == "192.0.2.2")
        .map(|r| r["id"].as_str().unwrap().to_string())
        .unwrap();
    fake.edit_record(zone, &id, json!({"content": "198.51.100.9"}));
    let id_of = |content: &str| {
        fake.records(zone)
            .iter()
            .find(|r| r["content"] == content)
            .map(|r| r["id"].as_str().unwrap().to_string())
    };
    let unchanged = id_of("192.0.2.1").unwrap();
    // a type dnsplan does not manage is left alone
    fake.add_record(zone, json!({"name": "key.behind.cloudflare.test", "type": "OPENPGPKEY", "content": "mQENBF", "ttl": 300}));
    assert_eq!(changes(&p.plan()), ["delete rogue A", "update www A"]);
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    let recs = fake.records(zone);
    let www: BTreeSet<String> = recs
        .iter()
        .filter(|r| r["type"] == "A")
        .map(|r| {
            format!(
                "{} {}",
                r["name"].as_str().unwrap(),
                r["content"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        www,
        [
            "www.behind.cloudflare.test 192.0.2.1",
            "www.behind.cloudflare.test 192.0.2.2"
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    );
    assert!(recs.iter().any(|r| r["type"] == "OPENPGPKEY"), "left alone");
    // the unchanged value kept its object, and the changed one was overwritten in place
    // (an update rewrites only what changed)
    assert_eq!(id_of("192.0.2.1"), Some(unchanged));
    assert_eq!(id_of("192.0.2.2"), Some(id));
}

/// A batch refused part-way: the changes of earlier batches are applied, the refused batch
/// changed nothing, later ones were not sent; the error says which is which, and the next
/// apply finishes the job.
#[test]
fn a_refused_batch_is_reported_item_by_item_and_the_replan_converges() {
    let fake = CloudflareFake::start();
    let zone = "partfail.cloudflare.test.";
    let p = Project::new(&own_target(&fake, &[("batch_size", "2")]), &[zone]);
    let mut yaml = String::from("---\n");
    for i in 0..6 {
        yaml.push_str(&format!("h{i}:\n  type: A\n  value: 192.0.2.{i}\n"));
    }
    p.write_zone(zone, &yaml);
    // the zone is created by the first apply; refuse its second batch
    let o = p.run(&["apply", "--config", "config.yaml", "--force"]);
    assert!(o.status.success(), "{}", show(&o));
    let mut yaml2 = String::from("---\n");
    for i in 0..6 {
        yaml2.push_str(&format!("h{i}:\n  type: A\n  value: 198.51.100.{i}\n"));
    }
    p.write_zone(zone, &yaml2);
    fake.fail_batch_after(zone, 1, "Content for A record is invalid (injected)");
    let o = p.run(&["apply", "--config", "config.yaml", "--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    for want in [
        "2 of 6 changes applied before the apply stopped",
        "failed:      update h2 A: Cloudflare refused the batch (HTTP 400): 1004: DNS Validation Error (Content for A record is invalid (injected)); nothing of it was applied",
        "failed:      update h3 A:",
        "applied:     update h0 A",
        "applied:     update h1 A",
        "not applied: update h4 A",
        "not applied: update h5 A",
        "(batch 2 of 3, 2 record changes)",
        "the zone is partly changed",
    ] {
        assert!(err.contains(want), "missing {want:?} in\n{err}");
    }
    let stored: BTreeSet<String> = fake
        .records(zone)
        .iter()
        .map(|r| r["content"].as_str().unwrap().to_string())
        .collect();
    let want: BTreeSet<String> = [
        "198.51.100.0",
        "198.51.100.1",
        "192.0.2.2",
        "192.0.2.3",
        "192.0.2.4",
        "192.0.2.5",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(stored, want);
    assert_eq!(
        changes(&p.plan()),
        ["update h2 A", "update h3 A", "update h4 A", "update h5 A"]
    );
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
}

/// A `batch_size` above what the zone's plan allows: Cloudflare's refusal is shown with its
/// code, nothing is applied.
#[test]
fn a_batch_larger_than_the_plan_allows_is_refused_whole() {
    let fake = CloudflareFake::start();
    let zone = "biglimit.cloudflare.test.";
    let p = Project::new(&own_target(&fake, &[("batch_size", "300")]), &[zone]);
    let mut yaml = String::from("---\n");
    for i in 0..250 {
        yaml.push_str(&format!(
            "h{i}:\n  type: A\n  value: 10.0.{}.{}\n",
            i / 256,
            i % 256
        ));
    }
    p.write_zone(zone, &yaml);
    let o = p.run(&["apply", "--config", "config.yaml", "--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("81125: The batch has 250 operations; at most 200 are allowed"),
        "{err}"
    );
    assert!(fake.records(zone).is_empty());
    // on a paid plan the same batch is taken
    fake.set_plan(zone, "pro");
    p.apply();
    assert_eq!(fake.records(zone).len(), 250);
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
}

/// 429 with Retry-After: dnsplan waits and carries on.
#[test]
fn rate_limit_is_waited_out() {
    let fake = CloudflareFake::start();
    let zone = "rate.cloudflare.test.";
    let p = Project::new(&own_target(&fake, &[("records_per_page", "5")]), &[zone]);
    let mut yaml = String::from("---\n");
    for i in 0..30 {
        yaml.push_str(&format!("h{i}:\n  type: A\n  value: 192.0.2.{i}\n"));
    }
    p.write_zone(zone, &yaml);
    p.apply();
    // 8 GET pages and the zone lookup for a plan; at most 4 requests per 2 s
    fake.set_rate(4, Duration::from_secs(2));
    let started = Instant::now();
    let o = p.run(&["plan", "--config", "config.yaml", "--format", "json"]);
    assert!(o.status.success(), "{}", show(&o));
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let plan: J = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(changes(&plan), Vec::<String>::new());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("429"), "the retry is logged: {err}");
}

/// Credentials: the legacy email + global key works; a wrong token is refused with a hint and
/// never printed.
#[test]
fn credentials() {
    let fake = CloudflareFake::start();
    let zone = "auth.cloudflare.test.";
    let mut t = own_target(&fake, &[("email", "env/CLOUDFLARE_EMAIL")]);
    t.env = vec![
        (
            "CLOUDFLARE_TOKEN".into(),
            cloudflare_fake::GLOBAL_KEY.into(),
        ),
        ("CLOUDFLARE_EMAIL".into(), cloudflare_fake::EMAIL.into()),
    ];
    let p = Project::new(&t, &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());

    let wrong = "cf-wrong-token-9876543210zyxwvutsrq";
    let mut t = own_target(&fake, &[]);
    t.env = vec![("CLOUDFLARE_TOKEN".into(), wrong.into())];
    let p = Project::new(&t, &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    let o = p.run(&["plan", "--config", "config.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let all = show(&o);
    assert!(
        all.contains("HTTP 403") && all.contains("10000: Authentication error"),
        "{all}"
    );
    assert!(all.contains("check the token"), "{all}");
    assert!(!all.contains(wrong), "{all}");
}

// ---------------------------------------------------------------------------------------------
// Interop with octodns-cloudflare.

fn octodns_sync(p: &Project, doit: bool) -> String {
    let venv = harness::venv();
    assert!(
        Command::new(venv.join("bin/python"))
            .args(["-c", "import octodns_cloudflare"])
            .status()
            .is_ok_and(|s| s.success()),
        "octoDNS with octodns-cloudflare is needed in {} (scripts/test installs it)",
        venv.display()
    );
    let mut c = Command::new(venv.join("bin/octodns-sync"));
    c.current_dir(p.path())
        .args(["--config-file", "config.yaml"])
        .env("CLOUDFLARE_TOKEN", cloudflare_fake::TOKEN);
    if doit {
        c.arg("--doit");
    }
    let o = c.output().expect("run octodns-sync");
    assert!(o.status.success(), "octodns-sync failed:\n{}", show(&o));
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Records both tools write and read the same way (no apex NS: neither manages it here).
fn interop_zone(zone: &str) -> String {
    format!(
        "{}www:\n  octodns:\n    cloudflare:\n      proxied: true\n  type: A\n  value: 192.0.2.80\n\
         auto:\n  octodns:\n    cloudflare:\n      auto-ttl: true\n      comment: managed\n  type: AAAA\n  value: '2001:db8::80'\n",
        all_types(zone)
            .replace("_http._tcp:\n  type: URI\n  value: {priority: 10, target: 'https://www.example.com/', weight: 1}\n", "")
    )
}

/// Cloudflare objects (one per value) of `interop_zone`.
const INTEROP_OBJECTS: usize = 26;

fn interop_project(fake: &CloudflareFake, zone: &str) -> Project {
    // octoDNS reads the provider settings too: only octodns-cloudflare's keys
    let p = Project::new(&own_target(fake, &[("retry_period", "")]), &[zone]);
    p.write_zone(zone, &interop_zone(zone));
    p
}

#[test]
fn octodns_plans_nothing_against_what_dnsplan_wrote() {
    let fake = CloudflareFake::start();
    let zone = "interop1.cloudflare.test.";
    let p = interop_project(&fake, zone);
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    assert_eq!(fake.records(zone).len(), INTEROP_OBJECTS);
    let out = octodns_sync(&p, false);
    assert!(out.contains("No changes were planned"), "{out}");
}

#[test]
fn dnsplan_plans_nothing_against_what_octodns_wrote() {
    let fake = CloudflareFake::start();
    let zone = "interop2.cloudflare.test.";
    let p = interop_project(&fake, zone);
    octodns_sync(&p, true);
    assert_eq!(fake.records(zone).len(), INTEROP_OBJECTS);
    let again = octodns_sync(&p, false);
    assert!(again.contains("No changes were planned"), "{again}");
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    // and a change made by dnsplan on top is read by octoDNS as done
    p.write_zone(
        zone,
        &interop_zone(zone).replace("192.0.2.80", "192.0.2.81"),
    );
    assert_eq!(changes(&p.plan()), ["update www A"]);
    p.apply();
    let out = octodns_sync(&p, false);
    assert!(out.contains("No changes were planned"), "{out}");
}

/// What Cloudflare cannot hold (an apex NS, a type it lacks) is an error with
/// `strict_supports` (octoDNS's default) and left out with a warning without; either way
/// before anything is written.
#[test]
fn what_cloudflare_cannot_hold_is_refused_or_left_out_before_any_write() {
    let fake = CloudflareFake::start();
    let zone = "supports.cloudflare.test.";
    let yaml = "---\n'':\n- type: NS\n  values: [ns1.example.net., ns2.example.net.]\n\
                - type: SPF\n  value: v=spf1 -all\nwww:\n  type: A\n  value: 192.0.2.1\n";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(zone, yaml);
    let o = p.run(&["plan", "--config", "config.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("SPF"), "{err}");
    assert!(fake.requests().iter().all(|r| r.starts_with("GET ")));
    let p = Project::new(&own_target(&fake, &[("strict_supports", "false")]), &[zone]);
    p.write_zone(zone, yaml);
    let plan = p.plan();
    assert_eq!(changes(&plan), ["create www A"], "{plan:#}");
    let o = p.run(&["plan", "--config", "config.yaml"]);
    let shown = show(&o);
    assert!(
        shown.contains("SPF") && shown.contains("root NS"),
        "{shown}"
    );
    p.apply();
    assert_eq!(fake.records(zone).len(), 1);
}
