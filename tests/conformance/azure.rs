//! Azure DNS as a conformance target: the real dnsplan binary against `azure_fake`, an HTTP
//! fake of the Azure DNS record-set API and the identity platform, written from Azure's
//! published API description (no Azure emulator exists; backends.md §6). The fake serves no
//! DNS, so besides the suite's plan → apply → empty re-plan, what dnsplan wrote is read back
//! from the fake's own store in Azure's JSON shape.
//!
//! - the suite's cases Azure can hold, and the ones it cannot, named;
//! - every Azure type created, updated and deleted, as Azure stores it;
//! - a record changed behind dnsplan's back between its read and its write: 412, named,
//!   nothing overwritten;
//! - throttling (429 + Retry-After) waited out; paging over `nextLink`;
//! - tokens: client secret, GitHub OIDC (no secret at all), a wrong secret;
//! - Azure's own name servers in the apex NS.

use std::collections::BTreeSet;
use std::time::Instant;

use serde_json::{Value as J, json};

use crate::azure_fake::{self, AzureFake};
use crate::cases;
use crate::suite::{self, Case, Project, Target, changes, show};

/// The environment dnsplan reads the secret from.
pub fn env() -> Vec<(String, String)> {
    vec![(
        "AZURE_CLIENT_SECRET".to_string(),
        azure_fake::CLIENT_SECRET.to_string(),
    )]
}

/// octodns-azure's config entry for a fake, with `extra` settings.
pub fn settings(fake: &AzureFake, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    suite::settings_with(
        vec![
            ("class", "octodns_azure.AzureProvider".to_string()),
            ("client_id", azure_fake::CLIENT_ID.to_string()),
            ("key", "env/AZURE_CLIENT_SECRET".to_string()),
            ("directory_id", azure_fake::TENANT.to_string()),
            ("sub_id", azure_fake::SUBSCRIPTION.to_string()),
            ("resource_group", azure_fake::RESOURCE_GROUP.to_string()),
            ("endpoint", fake.endpoint()),
            ("authority_host", fake.authority_host()),
        ],
        extra,
    )
}

fn types() -> BTreeSet<String> {
    dnsplan::provider::azure::supported_types()
        .iter()
        .map(|t| t.as_str().to_string())
        .collect()
}

/// The adapter for the shared fake.
pub fn target() -> Target {
    Target {
        name: "azure".into(),
        settings: settings(azure_fake::azure(), &[]),
        env: env(),
        dns: None,
        types: types(),
        reset: |zone| azure_fake::azure().reset_zone(zone),
    }
}

/// The adapter for a fake of the test's own (the zone starts from nothing there).
fn own_target(fake: &AzureFake, extra: &[(&str, &str)]) -> Target {
    Target {
        name: "azure".into(),
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

/// The last state's TTL 0 is outside Azure's 1..2147483647: here it is 1 (the same plan),
/// and TTL 0 itself is refused before any request (`ttl_zero_is_refused_before_any_request`).
#[test]
fn ttl_changes() {
    let mut case = cases::ttl();
    let last = case.steps.last_mut().unwrap();
    let (from, to) = ("t:\n  ttl: 0\n", "t:\n  ttl: 1\n");
    assert!(last.yaml.contains(from), "{}", last.yaml);
    last.yaml = last.yaml.replace(from, to);
    run(case);
}

#[test]
fn ttl_zero_is_refused_before_any_request() {
    let fake = AzureFake::start();
    let zone = "ttl0.azure.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(zone, "---\nwww:\n  ttl: 0\n  type: A\n  value: 192.0.2.1\n");
    let o = p.run(&["apply", "--config", "config.yaml", "--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("www.ttl0.azure.test. A has TTL 0; Azure DNS TTLs are 1 to 2147483647"),
        "{err}"
    );
    assert!(
        !fake.requests(zone).iter().any(|r| !r.starts_with("GET ")),
        "nothing was written: {:?}",
        fake.requests(zone)
    );
}

#[test]
fn wildcards() {
    run(cases::wildcard());
}

#[test]
fn idn_names() {
    run(cases::idn());
}

/// 1,200 record sets: several pages of the list (the fake's default page is small).
#[test]
fn twelve_hundred_records() {
    let case = cases::large();
    let zone = dnsplan::model::idna_encode(&case.zone).unwrap();
    run(case);
    let pages = azure_fake::azure()
        .requests(&zone)
        .iter()
        .filter(|r| {
            r.starts_with("GET ")
                && r.contains("/recordsets")
                && r.to_lowercase().contains("skiptoken")
        })
        .count();
    assert!(pages >= 10, "nextLink pages followed: {pages}");
}

/// The suite's cases that need types Azure DNS does not have, each with what it lacks.
#[test]
fn cases_needing_other_types_are_named_not_applicable() {
    let t = target();
    for (case, why) in [
        (
            cases::types(),
            "types: azure does not hold DNAME, DS, HTTPS, LOC, NAPTR, OPENPGPKEY, SPF, SSHFP, \
             SVCB, TLSA, URI",
        ),
        (cases::alias(), "alias: azure does not hold ALIAS"),
    ] {
        assert_eq!(suite::run_case(&t, &case), Err(why.to_string()));
    }
}

/// Exactly octodns-azure's SUPPORTS.
#[test]
fn supported_types_are_octodns_azures() {
    let want: BTreeSet<String> = ["A", "AAAA", "CAA", "CNAME", "MX", "NS", "PTR", "SRV", "TXT"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(types(), want);
}

/// The fake's record sets of a zone as `name TYPE ttl records-json` lines, without the
/// apex SOA and NS Azure creates with the zone.
fn stored(fake: &AzureFake, zone: &str) -> Vec<String> {
    fake.record_sets(zone)
        .iter()
        .filter_map(|rs| {
            let rtype = rs["type"].as_str()?.rsplit('/').next()?.to_string();
            let name = rs["name"].as_str()?.to_string();
            if rtype == "SOA" || (rtype == "NS" && name == "@") {
                return None;
            }
            let props = &rs["properties"];
            let key = dnsplan::provider::azure::records::key(&rtype)?;
            Some(format!("{name} {rtype} {} {}", props["TTL"], props[key]))
        })
        .collect()
}

/// Every Azure type created, updated and deleted; what Azure stores, field by field.
#[test]
fn every_type_as_azure_stores_it() {
    let fake = AzureFake::start();
    let target = own_target(&fake, &[]);
    let zone = "types.azure.test.";
    let p = Project::new(&target, &[zone]);
    let long = "x".repeat(300);
    let step1 = format!(
        "---\n'':\n- type: CAA\n  value: {{flags: 0, tag: issue, value: ca.example.net}}\n\
         - type: MX\n  values: [{{exchange: mx1.example.net., preference: 10}}, \
         {{exchange: mx2.example.net., preference: 20}}]\n\
         - type: TXT\n  values: ['v=spf1 -all', 'k=v\\; {long}']\n\
         _sip._tcp:\n  type: SRV\n  value: {{port: 5060, priority: 1, target: sip.example.net., \
         weight: 2}}\n\
         a:\n  ttl: 60\n  type: A\n  values: [192.0.2.1, 192.0.2.2]\n\
         aaaa:\n  type: AAAA\n  value: 2001:db8::1\n\
         cname:\n  type: CNAME\n  value: a.types.azure.test.\n\
         delegated:\n  ttl: 86400\n  type: NS\n  values: [ns1.example.net., ns2.example.net.]\n\
         ptr:\n  type: PTR\n  values: [a.example.net., b.example.net.]\n"
    );
    p.write_zone(zone, &step1);
    let plan = p.plan();
    assert_eq!(
        changes(&plan),
        [
            "create @ CAA",
            "create @ MX",
            "create @ TXT",
            "create _sip._tcp SRV",
            "create a A",
            "create aaaa AAAA",
            "create cname CNAME",
            "create delegated NS",
            "create ptr PTR",
        ]
    );
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    // records in the model's order; a long value cut into strings of at most 255 octets
    let chunks = json!([{"value": [
        format!("k=v; {}", &long[..250]), long[250..].to_string()]}, {"value": ["v=spf1 -all"]}]);
    assert_eq!(
        stored(&fake, zone),
        [
            r#"@ CAA 3600 [{"flags":0,"tag":"issue","value":"ca.example.net"}]"#.to_string(),
            r#"@ MX 3600 [{"exchange":"mx1.example.net.","preference":10},{"exchange":"mx2.example.net.","preference":20}]"#.into(),
            format!("@ TXT 3600 {chunks}"),
            r#"_sip._tcp SRV 3600 [{"port":5060,"priority":1,"target":"sip.example.net.","weight":2}]"#.into(),
            r#"a A 60 [{"ipv4Address":"192.0.2.1"},{"ipv4Address":"192.0.2.2"}]"#.into(),
            r#"aaaa AAAA 3600 [{"ipv6Address":"2001:db8::1"}]"#.into(),
            r#"cname CNAME 3600 {"cname":"a.types.azure.test."}"#.into(),
            r#"delegated NS 86400 [{"nsdname":"ns1.example.net."},{"nsdname":"ns2.example.net."}]"#.into(),
            r#"ptr PTR 3600 [{"ptrdname":"a.example.net."},{"ptrdname":"b.example.net."}]"#.into(),
        ]
    );
    // updates and deletes
    let step2 = step1
        .replace("192.0.2.1, 192.0.2.2", "192.0.2.3")
        .replace("ttl: 86400\n  type: NS", "ttl: 3600\n  type: NS")
        .replace(
            "ptr:\n  type: PTR\n  values: [a.example.net., b.example.net.]\n",
            "",
        );
    p.write_zone(zone, &step2);
    assert_eq!(
        changes(&p.plan()),
        ["delete ptr PTR", "update a A", "update delegated NS"]
    );
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    let now = stored(&fake, zone);
    assert!(now.contains(&r#"a A 60 [{"ipv4Address":"192.0.2.3"}]"#.to_string()));
    assert!(!now.iter().any(|l| l.starts_with("ptr ")), "{now:#?}");
}

/// A record changed between dnsplan's read and its write: Azure answers 412 to the etag,
/// dnsplan names the record, and the other writer's value stays.
#[test]
fn a_change_between_read_and_write_is_refused_not_overwritten() {
    use dnsplan::model::{RecordSet, RecordType, Value, Zone};
    let fake = AzureFake::start();
    // record-set errors in the bare `{"code", "message"}` shape real Azure DNS sends
    fake.set_flat_provider_errors(true);
    let zone = "race.azure.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    p.apply();

    let (cfg, diags) = dnsplan::config::load(
        &p.path().join("config.yaml"),
        &dnsplan::provider::registry::Registry,
    );
    let cfg = cfg.unwrap_or_else(|| panic!("{diags:?}"));
    let mut pc = cfg.providers["target"].clone();
    // the secret as dnsplan would read it from the environment
    if let dnsplan::yaml::Kind::Map(entries) = &mut pc.settings.kind {
        use dnsplan::yaml::de::node_from_json;
        entries.retain(|(k, _)| k.key_str() != "key");
        entries.push((
            node_from_json(&json!("key")),
            node_from_json(&J::String(azure_fake::CLIENT_SECRET.to_string())),
        ));
    }
    let prov = dnsplan::provider::build(&pc).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let existing = rt.block_on(prov.existing(zone)).unwrap().unwrap();
    // someone else changes the record in the portal
    fake.put_record_set(
        zone,
        "A",
        "www",
        json!({"TTL": 3600, "ARecords": [{"ipv4Address": "198.51.100.7"}]}),
    );
    let mut desired = Zone::new(zone);
    desired.insert(RecordSet::new(
        "www",
        RecordType::A,
        3600,
        vec![Value::Ip("192.0.2.2".into())],
    ));
    let plan = dnsplan::plan::diff(Some(&existing), &desired, "target", prov.capabilities());
    let e = rt.block_on(prov.apply(&plan)).unwrap_err().to_string();
    assert!(
        e.contains("failed:      update www A: HTTP 412 PreconditionFailed")
            && e.contains("changed on Azure since the plan was computed"),
        "{e}"
    );
    let www = fake
        .record_sets(zone)
        .into_iter()
        .find(|r| r["name"] == "www")
        .unwrap();
    assert_eq!(
        www["properties"]["ARecords"],
        json!([{"ipv4Address": "198.51.100.7"}]),
        "the other writer's value stays"
    );
    let write = fake
        .requests(zone)
        .into_iter()
        .rfind(|r| r.starts_with("PUT ") && r.contains("/A/www"))
        .unwrap();
    assert!(write.contains("if-match="), "{write}");
}

/// Throttling answered with 429 + Retry-After is waited out, then the plan succeeds.
#[test]
fn throttling_is_waited_out() {
    let fake = AzureFake::start();
    let zone = "throttle.azure.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    p.apply();
    fake.throttle(zone, 2, 1);
    let start = Instant::now();
    let o = p.run(&["plan", "--config", "config.yaml", "--format", "json"]);
    assert!(o.status.success(), "{}", show(&o));
    assert!(
        start.elapsed().as_secs_f64() >= 2.0,
        "two Retry-After: 1 waits, took {:?}",
        start.elapsed()
    );
    let v: J = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(changes(&v), Vec::<String>::new());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("HTTP 429"),
        "the retries are logged:\n{stderr}"
    );
}

/// No secret anywhere: the GitHub Actions OIDC token is exchanged for an Azure token.
#[test]
fn github_oidc_workload_identity() {
    let fake = AzureFake::start();
    let zone = "oidc.azure.test.";
    let mut target = own_target(&fake, &[("key", "")]);
    target.env = vec![
        (
            "ACTIONS_ID_TOKEN_REQUEST_URL".into(),
            fake.oidc_request_url(),
        ),
        (
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN".into(),
            azure_fake::OIDC_REQUEST_TOKEN.into(),
        ),
    ];
    let p = Project::new(&target, &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    let (by_secret, by_assertion) = fake.tokens_issued();
    assert_eq!(by_secret, 0);
    assert!(by_assertion >= 1);
}

/// A wrong secret: exit 1, the identity platform's code, never the secret.
#[test]
fn a_wrong_secret_is_named_never_shown() {
    let fake = AzureFake::start();
    let zone = "badkey.azure.test.";
    let mut target = own_target(&fake, &[]);
    let wrong = "wrong-secret-value-0123456789";
    target.env = vec![("AZURE_CLIENT_SECRET".into(), wrong.into())];
    let p = Project::new(&target, &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    let o = p.run(&["plan", "--config", "config.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let all = show(&o);
    assert!(all.contains("AADSTS7000215"), "{all}");
    assert!(all.contains("provider target"), "{all}");
    assert!(!all.contains(wrong), "{all}");
}

/// The names in the fake's apex NS record set, without final dots.
fn apex_ns(fake: &AzureFake, zone: &str) -> BTreeSet<String> {
    let ns = fake
        .record_sets(zone)
        .into_iter()
        .find(|r| r["name"] == "@" && r["type"].as_str().unwrap().ends_with("/NS"))
        .expect("the apex NS");
    ns["properties"]["NSRecords"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let name = n["nsdname"].as_str().unwrap();
            name.trim_end_matches('.').to_string()
        })
        .collect()
}

/// Azure's four name servers stay in the apex NS: strict is an error naming them, lenient
/// adds them; the re-plan is clean either way.
#[test]
fn azures_name_servers_stay_in_the_apex_ns() {
    let fake = AzureFake::start();
    let zone = "apexns.azure.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    p.apply();
    let azure_ns = apex_ns(&fake, zone);
    assert_eq!(azure_ns.len(), 4, "{azure_ns:?}");
    let with_ns = "---\n'':\n  type: NS\n  values: [ns.example.net.]\nwww:\n  type: A\n  \
                   value: 192.0.2.1\n";
    p.write_zone(zone, with_ns);
    let o = p.run(&["plan", "--config", "config.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("target: required azure-dns.* root NS values missing from apexns.azure.test.")
            && !err.contains("target: target:"),
        "{err}"
    );
    for ns in &azure_ns {
        assert!(err.contains(ns.as_str()), "{ns} named in:\n{err}");
    }

    // lenient: added, with a warning; the apex NS is updated with both
    let lenient = Project::new(&own_target(&fake, &[("strict_supports", "false")]), &[zone]);
    lenient.write_zone(zone, with_ns);
    let plan = lenient.plan();
    assert_eq!(changes(&plan), ["update @ NS"]);
    let o = lenient.run(&["apply", "--config", "config.yaml", "--force"]);
    assert!(o.status.success(), "{}", show(&o));
    assert_eq!(changes(&lenient.plan()), Vec::<String>::new());
    let mut want = azure_ns.clone();
    want.insert("ns.example.net".into());
    assert_eq!(apex_ns(&fake, zone), want);
}

#[test]
fn ignored_and_never_deleted_records_survive_and_drift_stays_clean() {
    suite::run_partial(&target(), "partial.azure.test.");
}
