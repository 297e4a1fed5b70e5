//! Google Cloud DNS as a conformance target: the real dnsplan binary against
//! `googlecloud_fake` (the `dns/v1` API, Google's token endpoint, STS, IAM Credentials and
//! GitHub's OIDC endpoint, written from Google's published descriptions). The fake serves no
//! DNS: besides the suite's plan → apply → empty re-plan, what dnsplan wrote is read back from
//! the fake's store as Cloud DNS lists it.
//!
//! octodns-googlecloud cannot be pointed at the fake (it builds `google.cloud.dns.Client`
//! without an endpoint option, and the library has no endpoint variable), so its shapes are
//! pinned from its source instead: `every_type_as_octodns_googlecloud_writes_it` checks the
//! rrdatas dnsplan writes against the ones octodns-googlecloud 1.1's `_rrset_for_*` build, and
//! reads the forms it writes (a bare CAA value).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{Value as J, json};

use crate::cases;
use crate::googlecloud_fake::{self, GoogleCloudFake};
use crate::suite::{self, Project, Target, changes, show};

/// A directory for credential files that lives as long as the test binary.
fn keep_dir() -> &'static std::path::Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

fn sa_file(fake: &GoogleCloudFake) -> PathBuf {
    let dir = keep_dir().join(fake.url.replace([':', '/'], "_"));
    std::fs::create_dir_all(&dir).unwrap();
    fake.service_account_file(&dir)
}

fn settings(fake: &GoogleCloudFake, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    suite::settings_with(
        vec![
            (
                "class",
                "octodns_googlecloud.GoogleCloudProvider".to_string(),
            ),
            ("project", googlecloud_fake::PROJECT.to_string()),
            ("credentials_file", format!("'{}'", sa_file(fake).display())),
            ("endpoint", fake.url.clone()),
        ],
        extra,
    )
}

fn types() -> BTreeSet<String> {
    dnsplan::provider::googlecloud::supported_types()
        .iter()
        .map(|t| t.as_str().to_string())
        .collect()
}

pub fn target() -> Target {
    Target {
        name: "googlecloud".into(),
        settings: settings(googlecloud_fake::googlecloud(), &[]),
        env: vec![],
        dns: None,
        types: types(),
        reset: |zone| googlecloud_fake::googlecloud().reset_zone(zone),
    }
}

fn own_target(fake: &GoogleCloudFake, extra: &[(&str, &str)]) -> Target {
    Target {
        name: "googlecloud".into(),
        settings: settings(fake, extra),
        env: vec![],
        dns: None,
        types: types(),
        reset: |_| {},
    }
}

fn run(case: suite::Case) {
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

#[test]
fn partial_ownership() {
    suite::run_partial(&target(), "partial.googlecloud.test.");
}

#[test]
fn cases_needing_other_types_are_named_not_applicable() {
    assert_eq!(
        suite::run_case(&target(), &cases::types()),
        Err("types: googlecloud does not hold DNAME, LOC, OPENPGPKEY, URI".to_string())
    );
}

/// octodns-googlecloud 1.1's SUPPORTS, plus the newer types Cloud DNS holds.
#[test]
fn supported_types_are_octodns_googleclouds_and_newer() {
    let want: BTreeSet<String> = [
        "A", "AAAA", "ALIAS", "CAA", "CNAME", "DS", "MX", "NAPTR", "NS", "PTR", "SPF", "SRV",
        "TXT", "HTTPS", "SVCB", "SSHFP", "TLSA",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(types(), want);
}

/// 1,200 record sets: 13 pages of rrsets, and two Cloud DNS changes (the project's quota is
/// 1,000 additions a change).
#[test]
fn twelve_hundred_records() {
    let fake = GoogleCloudFake::start();
    suite::run_case(&own_target(&fake, &[]), &cases::large()).unwrap();
    let reqs = fake.requests();
    let pages = reqs
        .iter()
        .filter(|r| r.starts_with("GET ") && r.contains("/rrsets?pageToken="))
        .count();
    assert!(pages >= 12, "{pages}");
    let changes = reqs
        .iter()
        .filter(|r| r.starts_with("POST ") && r.ends_with("/changes"))
        .count();
    // 1,200 creates in 2, then 20 changes in 1
    assert_eq!(changes, 3, "{reqs:#?}");
}

/// What dnsplan writes, as octodns-googlecloud 1.1 writes it (`_rrset_for_*`: CNAME and MX
/// targets with their final dot, NAPTR's strings quoted, TXT as `chunked_values`); the one
/// difference is the CAA value, which dnsplan quotes (presentation format) and
/// octodns-googlecloud leaves bare — each reads the other's (`shlex` there, the model's parser
/// here).
#[test]
fn every_type_as_octodns_googlecloud_writes_it() {
    let fake = GoogleCloudFake::start();
    let zone = "shapes.googlecloud.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    let long = "z".repeat(300);
    p.write_zone(
        zone,
        &format!(
            "---
'':
- {{type: CAA, value: {{flags: 0, tag: issue, value: letsencrypt.org}}}}
- {{type: MX, values: [{{exchange: mx1.{zone}, preference: 10}}, {{exchange: ., preference: 0}}]}}
- {{type: TXT, values: ['v=spf1 -all', 'k=v\\; {long}']}}
- {{type: NS, values: [ns1.example.net., ns2.example.net.]}}
_sip._tcp: {{type: SRV, value: {{port: 5060, priority: 10, target: sip.{zone}, weight: 20}}}}
cname: {{type: CNAME, value: www.{zone}}}
delegated: {{type: DS, value: {{algorithm: 13, digest: 2bb183af5f22588179a53b0a98631fad1a292118, digest_type: 1, key_tag: 60485}}}}
naptr: {{type: NAPTR, value: {{flags: S, order: 100, preference: 10, regexp: '', replacement: _sip._udp.example.com., service: SIP+D2U}}}}
ptr: {{type: PTR, value: host.example.net.}}
www: {{type: A, values: [192.0.2.1, 192.0.2.2]}}
spf: {{type: SPF, value: 'v=spf1 -all'}}
"
        ),
    );
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    let stored: Vec<String> = fake
        .rrsets(zone)
        .iter()
        .filter(|r| r["type"] != "SOA")
        .map(|r| {
            format!(
                "{} {} {} {}",
                r["name"].as_str().unwrap(),
                r["type"].as_str().unwrap(),
                r["ttl"],
                r["rrdatas"]
            )
        })
        .collect();
    let z = zone;
    let want = [
        format!(r#"_sip._tcp.{z} SRV 3600 ["10 20 5060 sip.{z}"]"#),
        format!(r#"cname.{z} CNAME 3600 ["www.{z}"]"#),
        format!(r#"delegated.{z} DS 3600 ["60485 13 1 2bb183af5f22588179a53b0a98631fad1a292118"]"#),
        format!(r#"naptr.{z} NAPTR 3600 ["100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.com."]"#),
        format!(r#"ptr.{z} PTR 3600 ["host.example.net."]"#),
        format!(r#"{z} CAA 3600 ["0 issue \"letsencrypt.org\""]"#),
        format!(r#"{z} MX 3600 ["0 .","10 mx1.{z}"]"#),
        format!(r#"{z} NS 3600 ["ns1.example.net.","ns2.example.net."]"#),
        format!(
            r#"{z} TXT 3600 ["\"k=v; {}\" \"{}\"","\"v=spf1 -all\""]"#,
            &long[..250],
            &long[250..]
        ),
        format!(r#"spf.{z} SPF 3600 ["\"v=spf1 -all\""]"#),
        format!(r#"www.{z} A 3600 ["192.0.2.1","192.0.2.2"]"#),
    ];
    let mut want: Vec<String> = want.to_vec();
    want.sort();
    let mut got = stored.clone();
    got.sort();
    assert_eq!(got, want);
    // what octodns-googlecloud writes (a bare CAA value, an unquoted TXT) reads as the same
    fake.put_rrset(zone, json!({"kind": "dns#resourceRecordSet", "name": zone, "type": "CAA", "ttl": 3600, "rrdatas": ["0 issue letsencrypt.org"]}));
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
}

/// One plan is one atomic Cloud DNS change: a CNAME↔A swap at two names lands at once.
#[test]
fn a_plan_is_one_atomic_change() {
    let fake = GoogleCloudFake::start();
    let zone = "atomic.googlecloud.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(zone, "---\nx:\n  type: A\n  value: 192.0.2.1\ny:\n  type: CNAME\n  value: x.atomic.googlecloud.test.\n");
    p.apply();
    p.write_zone(zone, "---\nx:\n  type: CNAME\n  value: y.atomic.googlecloud.test.\ny:\n  type: A\n  value: 192.0.2.2\n");
    assert_eq!(
        changes(&p.plan()),
        [
            "delete x A",
            "delete y CNAME",
            "create x CNAME",
            "create y A"
        ]
    );
    let before = fake.requests().len();
    p.apply();
    let posts: Vec<String> = fake.requests()[before..]
        .iter()
        .filter(|r| r.starts_with("POST ") && r.ends_with("/changes"))
        .cloned()
        .collect();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
}

/// A record changed in the console since the plan: the deletion no longer matches, Cloud DNS
/// refuses the whole change (412), nothing is applied, and the next plan converges.
#[test]
fn a_change_behind_dnsplans_back_refuses_the_change_and_the_replan_converges() {
    use dnsplan::model::{RecordSet, RecordType, Value, Zone};
    let fake = GoogleCloudFake::start();
    let zone = "race.googlecloud.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(
        zone,
        "---\nwww:\n  type: A\n  value: 192.0.2.1\nother:\n  type: A\n  value: 192.0.2.5\n",
    );
    p.apply();
    let (cfg, diags) = dnsplan::config::load(
        &p.path().join("config.yaml"),
        &dnsplan::provider::registry::Registry,
    );
    let cfg = cfg.unwrap_or_else(|| panic!("{diags:?}"));
    let prov = dnsplan::provider::build(&cfg.providers["target"]).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let existing = rt.block_on(prov.existing(zone)).unwrap().unwrap();
    fake.put_rrset(zone, json!({"kind": "dns#resourceRecordSet", "name": format!("www.{zone}"), "type": "A", "ttl": 3600, "rrdatas": ["198.51.100.7"]}));
    let mut desired = Zone::new(zone);
    for (n, ip) in [("www", "192.0.2.2"), ("other", "192.0.2.6")] {
        desired.insert(RecordSet::new(
            n,
            RecordType::A,
            3600,
            vec![Value::Ip(ip.into())],
        ));
    }
    let plan = dnsplan::plan::diff(Some(&existing), &desired, "target", prov.capabilities());
    let e = rt.block_on(prov.apply(&plan)).unwrap_err().to_string();
    for want in [
        "0 of 2 changes applied before the apply stopped",
        "failed:      update other A: Cloud DNS refused the change (HTTP 412): conditionNotMet: Precondition not met for 'entity.change.deletions[",
        "failed:      update www A:",
        "nothing of it was applied",
    ] {
        assert!(e.contains(want), "missing {want:?} in {e}");
    }
    let www = fake
        .rrsets(zone)
        .into_iter()
        .find(|r| r["name"] == format!("www.{zone}"))
        .unwrap();
    assert_eq!(www["rrdatas"], json!(["198.51.100.7"]));
    p.write_zone(
        zone,
        "---\nwww:\n  type: A\n  value: 192.0.2.2\nother:\n  type: A\n  value: 192.0.2.6\n",
    );
    assert_eq!(changes(&p.plan()), ["update other A", "update www A"]);
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
}

/// The project's quota cuts a plan into several changes (each atomic), and a change that
/// stays pending is waited for.
#[test]
fn the_quota_splits_changes_and_pending_changes_are_waited_for() {
    let fake = GoogleCloudFake::start();
    fake.set_quota("rrsetAdditionsPerChange", 3);
    fake.set_pending_reads(2);
    let zone = "quota.googlecloud.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    let mut yaml = String::from("---\n");
    for i in 0..7 {
        yaml.push_str(&format!("h{i}:\n  type: A\n  value: 192.0.2.{i}\n"));
    }
    p.write_zone(zone, &yaml);
    p.apply();
    let reqs = fake.requests();
    let posts = reqs
        .iter()
        .filter(|r| r.starts_with("POST ") && r.ends_with("/changes"))
        .count();
    assert_eq!(posts, 3, "{reqs:#?}");
    let polls = reqs
        .iter()
        .filter(|r| r.starts_with("GET ") && r.contains("/changes/"))
        .count();
    assert_eq!(polls, 9, "three polls per change: {reqs:#?}");
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
}

/// Workload identity federation: GitHub OIDC → STS → the service account's token, with no
/// file at all; and the same through an external-account file as google-github-actions/auth
/// writes it.
#[test]
fn workload_identity_federation_from_github_oidc() {
    let fake = GoogleCloudFake::start();
    let zone = "wif.googlecloud.test.";
    let mut t = own_target(
        &fake,
        &[
            ("credentials_file", ""),
            ("workload_identity_provider", googlecloud_fake::WIF_PROVIDER),
            ("service_account", googlecloud_fake::CLIENT_EMAIL),
            ("sts_endpoint", &format!("{}/v1/token", fake.url)),
            ("iam_endpoint", &fake.url),
        ],
    );
    t.env = vec![
        (
            "ACTIONS_ID_TOKEN_REQUEST_URL".into(),
            fake.oidc_request_url(),
        ),
        (
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN".into(),
            googlecloud_fake::OIDC_REQUEST_TOKEN.into(),
        ),
        ("GOOGLE_APPLICATION_CREDENTIALS".into(), String::new()),
    ];
    let p = Project::new(&t, &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    let reqs = fake.requests();
    assert!(
        reqs.iter().any(|r| r.starts_with("GET /_github/oidc")),
        "{reqs:?}"
    );
    assert!(
        reqs.iter().any(|r| r.ends_with(":generateAccessToken")),
        "{reqs:?}"
    );
    assert!(
        !reqs.iter().any(|r| r == "POST /token"),
        "no key was used: {reqs:?}"
    );

    // the external-account file of google-github-actions/auth
    let file = p.path().join("external.json");
    std::fs::write(
        &file,
        json!({
            "type": "external_account",
            "audience": format!("//iam.googleapis.com/{}", googlecloud_fake::WIF_PROVIDER),
            "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
            "token_url": format!("{}/v1/token", fake.url),
            "service_account_impersonation_url": format!(
                "{}/v1/projects/-/serviceAccounts/{}:generateAccessToken", fake.url, googlecloud_fake::CLIENT_EMAIL),
            "credential_source": {
                "url": format!("{}&audience=https://iam.googleapis.com/{}", fake.oidc_request_url(), googlecloud_fake::WIF_PROVIDER),
                "headers": {"Authorization": format!("Bearer {}", googlecloud_fake::OIDC_REQUEST_TOKEN)},
                "format": {"type": "json", "subject_token_field_name": "value"}
            }
        })
        .to_string(),
    )
    .unwrap();
    let mut t = own_target(&fake, &[("credentials_file", "")]);
    t.env = vec![(
        "GOOGLE_APPLICATION_CREDENTIALS".into(),
        file.display().to_string(),
    )];
    let p2 = Project::new(&t, &[zone]);
    p2.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    assert_eq!(changes(&p2.plan()), Vec::<String>::new());
}

/// A key the token endpoint does not know: the refusal is shown, the key never.
#[test]
fn a_refused_key_is_reported_without_the_key() {
    let fake = GoogleCloudFake::start();
    let zone = "badkey.googlecloud.test.";
    let file = keep_dir().join("wrong-account.json");
    let mut j: J = serde_json::from_str(&std::fs::read_to_string(sa_file(&fake)).unwrap()).unwrap();
    j["client_email"] = json!("someone-else@other.iam.gserviceaccount.com");
    std::fs::write(&file, j.to_string()).unwrap();
    let p = Project::new(
        &own_target(
            &fake,
            &[("credentials_file", &format!("'{}'", file.display()))],
        ),
        &[zone],
    );
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    let o = p.run(&["plan", "--config", "config.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let all = show(&o);
    assert!(
        all.contains("service-account token request: HTTP 400 invalid_grant"),
        "{all}"
    );
    assert!(
        !all.contains("PRIVATE KEY") && !all.contains("MII"),
        "{all}"
    );
}

/// `private: true` reads private zones only and never creates one; `private: false` skips
/// them.
#[test]
fn private_zones_are_picked_by_visibility_and_never_created() {
    let fake = GoogleCloudFake::start();
    let zone = "vis.googlecloud.test.";
    fake.create_zone("vis-private", zone, "private");
    let p = Project::new(&own_target(&fake, &[("private", "false")]), &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    let plan = p.plan();
    assert_eq!(
        plan["plans"][0]["exists"], false,
        "the private zone is not the public one"
    );
    p.apply();
    let zones = fake.managed_zones(zone);
    assert_eq!(zones.len(), 2, "{zones:?}");
    assert!(
        zones
            .iter()
            .any(|(n, v)| v == "public" && n.starts_with("zone-vis-googlecloud-test-")),
        "{zones:?}"
    );
    let fresh = "new-private.googlecloud.test.";
    let p = Project::new(&own_target(&fake, &[("private", "true")]), &[fresh]);
    p.write_zone(fresh, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    let o = p.run(&["apply", "--config", "config.yaml", "--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(
        show(&o).contains("private zones are not created"),
        "{}",
        show(&o)
    );
}

/// 429 with Retry-After is waited out.
#[test]
fn rate_limit_is_waited_out() {
    let fake = GoogleCloudFake::start();
    let zone = "rate.googlecloud.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    p.apply();
    // a plan asks for the zone, then its rrsets: one request per 2 s
    fake.set_rate(1, Duration::from_secs(2));
    let started = Instant::now();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

/// Routing policies: octodns-googlecloud has none, so a dynamic record is an error with
/// `strict_supports` and is reduced to its default values with a warning without.
#[test]
fn dynamic_records_are_reduced_with_a_warning() {
    let fake = GoogleCloudFake::start();
    let zone = "dyn.googlecloud.test.";
    let yaml = "---\nwww:\n  type: A\n  value: 192.0.2.1\n  dynamic:\n    pools:\n      eu:\n        \
                values:\n        - value: 192.0.2.10\n      us:\n        values:\n        - value: \
                192.0.2.20\n    rules:\n    - geos: [EU]\n      pool: eu\n    - pool: us\n";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(zone, yaml);
    let o = p.run(&["plan", "--config", "config.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let p = Project::new(&own_target(&fake, &[("strict_supports", "false")]), &[zone]);
    p.write_zone(zone, yaml);
    let o = p.run(&["plan", "--config", "config.yaml"]);
    assert!(o.status.success(), "{}", show(&o));
    assert!(show(&o).contains("dynamic"), "{}", show(&o));
    p.apply();
    let www = fake
        .rrsets(zone)
        .into_iter()
        .find(|r| r["name"] == format!("www.{zone}"))
        .unwrap();
    assert_eq!(www["rrdatas"], json!(["192.0.2.1"]));
}
