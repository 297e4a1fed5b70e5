//! PowerDNS Authoritative (HTTP API) as a conformance target, and what is particular to it.

use std::collections::BTreeSet;

use serde_json::{Value as J, json};

use crate::cases;
use crate::harness::{self, Pdns};
use crate::suite::{self, Case, Project, Target, show};

/// The adapter: the provider's config entry, its secret, its DNS address, its types.
pub fn target_with(pdns: &Pdns, extra: &[(&str, &str)]) -> Target {
    let mut settings: Vec<(String, String)> = vec![
        ("class".into(), "octodns_powerdns.PowerDnsProvider".into()),
        ("host".into(), pdns.api_host.clone()),
        ("port".into(), pdns.api_port.to_string()),
        ("api_key".into(), "env/PDNS_API_KEY".into()),
        ("timeout".into(), "10".into()),
    ];
    settings.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let types: BTreeSet<String> = dnsplan::provider::powerdns::supported_types(true)
        .iter()
        .map(|t| t.as_str().to_string())
        .collect();
    Target {
        name: "powerdns".into(),
        settings,
        env: vec![("PDNS_API_KEY".into(), pdns.api_key.clone())],
        dns: Some(pdns.dns),
        types,
        reset: |zone| {
            let (s, body) = api("DELETE", &format!("zones/{zone}"), None);
            assert!(s == 204 || s == 404, "DELETE zone {zone}: {s} {body}");
        },
    }
}

pub fn target() -> Target {
    target_with(harness::pdns(), &[])
}

fn run(case: Case) {
    suite::run_case(&target(), &case).unwrap_or_else(|why| panic!("not applicable: {why}"));
}

#[test]
fn every_type() {
    run(cases::types());
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
fn twelve_hundred_records() {
    run(cases::large());
}

/// Straight to the PowerDNS API (for set-ups and checks behind dnsplan's back). Retries 5xx:
/// PowerDNS 4.7 on sqlite3 answers 500 ("database is locked") when writes overlap.
pub fn api(method: &str, path: &str, body: Option<J>) -> (u16, J) {
    let pdns = harness::pdns();
    let url = format!("{}/api/v1/servers/localhost/{path}", pdns.api_url);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::new();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut req = client
                .request(method.parse().unwrap(), &url)
                .header("X-API-Key", &pdns.api_key);
            if let Some(b) = &body {
                req = req.json(b);
            }
            let resp = req.send().await.expect("PowerDNS API");
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap();
            if status >= 500 && attempt < 6 {
                tokio::time::sleep(std::time::Duration::from_millis(50 * attempt)).await;
                continue;
            }
            return (
                status,
                serde_json::from_str(&text).unwrap_or(J::String(text)),
            );
        }
    })
}

fn rrset_types(zone: &str) -> Vec<String> {
    let (s, z) = api("GET", &format!("zones/{zone}"), None);
    assert_eq!(s, 200, "{z}");
    let mut v: Vec<String> = z["rrsets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["name"].as_str().unwrap(),
                r["type"].as_str().unwrap()
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn types_it_cannot_describe_are_never_deleted() {
    let zone = "foreign.conformance.test.";
    let p = Project::new(&target(), &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    p.apply();
    let (s, body) = api(
        "PATCH",
        &format!("zones/{zone}"),
        Some(json!({"rrsets": [
            {"name": format!("lua.{zone}"), "type": "LUA", "ttl": 60, "changetype": "REPLACE",
             "records": [{"content": "A \"pickrandom({'192.0.2.5','192.0.2.6'})\"", "disabled": false}]},
            {"name": format!("hinfo.{zone}"), "type": "HINFO", "ttl": 60, "changetype": "REPLACE",
             "records": [{"content": "\"PC\" \"Linux\"", "disabled": false}]},
        ]})),
    );
    assert_eq!(s, 204, "{body}");
    assert!(suite::changes(&p.plan()).is_empty());
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.2\n");
    assert_eq!(suite::changes(&p.plan()), ["update www A"]);
    p.apply();
    let types = rrset_types(zone);
    for t in [
        format!("hinfo.{zone} HINFO"),
        format!("lua.{zone} LUA"),
        format!("www.{zone} A"),
    ] {
        assert!(types.contains(&t), "{t} missing from {types:?}");
    }
}

#[test]
fn disabled_records_are_not_values() {
    let zone = "disabled.conformance.test.";
    let p = Project::new(&target(), &[zone]);
    p.write_zone(
        zone,
        "---\nwww:\n  type: A\n  values: [192.0.2.1, 192.0.2.2]\n",
    );
    p.apply();
    let (s, body) = api(
        "PATCH",
        &format!("zones/{zone}"),
        Some(
            json!({"rrsets": [{"name": format!("www.{zone}"), "type": "A", "ttl": 3600,
            "changetype": "REPLACE", "records": [
                {"content": "192.0.2.1", "disabled": false},
                {"content": "192.0.2.2", "disabled": true}]}]}),
        ),
    );
    assert_eq!(s, 204, "{body}");
    let plan = p.plan();
    assert_eq!(suite::changes(&plan), ["update www A"], "{plan:#}");
    p.apply();
    assert!(suite::changes(&p.plan()).is_empty());
}

#[test]
fn zone_creation_follows_the_settings_and_notifies() {
    let zone = "settings.conformance.test.";
    let t = target_with(
        harness::pdns(),
        &[
            ("mode_of_operation", "native"),
            ("soa_edit_api", "epoch"),
            ("notify", "false"),
        ],
    );
    let p = Project::new(&t, &[zone]);
    p.write_zone(
        zone,
        "---\n'':\n  type: NS\n  values: [ns1.example.net., ns2.example.net.]\n",
    );
    p.apply();
    let (_, z) = api("GET", &format!("zones/{zone}"), None);
    assert_eq!(z["kind"], "Native", "{z}");
    assert_eq!(
        z["soa_edit_api"].as_str().unwrap().to_ascii_lowercase(),
        "epoch"
    );
    // nameservers: [] on creation, so the apex NS is exactly the configured one
    let ns: Vec<&str> = z["rrsets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "NS")
        .flat_map(|r| r["records"].as_array().unwrap())
        .map(|r| r["content"].as_str().unwrap())
        .collect();
    assert_eq!(ns, ["ns1.example.net.", "ns2.example.net."]);

    // a master zone, with notify: the PUT …/notify is accepted
    let zone = "notify.conformance.test.";
    let t = target_with(harness::pdns(), &[("notify", "true")]);
    let p = Project::new(&t, &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    p.apply();
    let (_, z) = api("GET", &format!("zones/{zone}"), None);
    assert_eq!(z["kind"], "Master", "{z}");
}

#[test]
fn api_errors_name_the_status_and_never_the_key() {
    let pdns = harness::pdns();
    let zone = "errors.conformance.test.";
    // a wrong key
    let mut t = target();
    t.env = vec![("PDNS_API_KEY".into(), "wrong-key-0123456789".into())];
    let p = Project::new(&t, &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    let o = p.run(&["plan", "--config", "config.yaml"]);
    let out = show(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("HTTP 401"), "{out}");
    assert!(!out.contains("wrong-key-0123456789"), "{out}");
    // content PowerDNS refuses: the 422 and its message come through
    let p = Project::new(&target(), &[zone]);
    p.write_zone(
        zone,
        "---\nwww:\n  type: CNAME\n  value: no-final-dot.example.net\n",
    );
    let o = p.run(&["apply", "--config", "config.yaml"]);
    let out = show(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("HTTP 422"), "{out}");
    assert!(out.contains("no-final-dot.example.net"), "{out}");
    assert!(!out.contains(&pdns.api_key), "{out}");
}

#[test]
fn an_unreachable_server_fails_after_bounded_retries() {
    // a loopback port nobody listens on
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut t = target();
    for s in &mut t.settings {
        if s.0 == "port" {
            s.1 = port.to_string();
        }
    }
    let zone = "unreachable.conformance.test.";
    let p = Project::new(&t, &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    let start = std::time::Instant::now();
    let o = p.run(&["plan", "--config", "config.yaml"]);
    let out = show(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("after 4 attempts"), "{out}");
    assert!(start.elapsed().as_secs() < 20, "{out}");
}

/// The DNS check is not vacuous: answers that differ from the zone file in a value, a TTL or
/// only in how a TXT value is cut into character-strings are caught.
#[test]
fn the_dns_check_notices_wrong_answers() {
    let zone = "selfcheck.conformance.test.";
    let p = Project::new(&target(), &[zone]);
    p.write_zone(
        zone,
        "---\nt:\n  type: TXT\n  value: hello\nwww:\n  type: A\n  value: 192.0.2.1\n",
    );
    p.apply();
    let desired = p.desired(zone);
    let mut res = crate::dns::Resolver::new(harness::pdns().dns);
    suite::check_dns(&mut res, &desired, None, "as applied");
    let behind_its_back = |name: &str, ty: &str, ttl: u32, content: &str| {
        let (s, body) = api(
            "PATCH",
            &format!("zones/{zone}"),
            Some(
                json!({"rrsets": [{"name": format!("{name}.{zone}"), "type": ty, "ttl": ttl,
                "changetype": "REPLACE", "records": [{"content": content, "disabled": false}]}]}),
            ),
        );
        assert_eq!(s, 204, "{body}");
    };
    for (name, ty, ttl, content, restore) in [
        ("www", "A", 3600, "192.0.2.9", "192.0.2.1"),
        ("www", "A", 60, "192.0.2.1", "192.0.2.1"),
        ("t", "TXT", 3600, "\"hel\" \"lo\"", "\"hello\""),
    ] {
        behind_its_back(name, ty, ttl, content);
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            suite::check_dns(&mut res, &desired, None, "changed behind its back")
        }));
        assert!(
            caught.is_err(),
            "{name} {ty} {ttl} {content} was not noticed"
        );
        behind_its_back(name, ty, 3600, restore);
        suite::check_dns(&mut res, &desired, None, "restored");
    }
}

/// The harness server is ready for LUA records: `country()`/`continent()` answer from the
/// project's test GeoIP database (scripts/harness/make_test_geoip.py) for the ECS subnet.
#[test]
fn harness_serves_lua_records_with_the_test_geoip_database() {
    let zone = "lua.conformance.test.";
    let p = Project::new(&target(), &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    p.apply();
    let script = "A \";if country('DE') then return '192.0.2.10' elseif continent('NA') then \
                  return '192.0.2.20' else return '192.0.2.30' end\"";
    let (s, body) = api(
        "PATCH",
        &format!("zones/{zone}"),
        Some(
            json!({"rrsets": [{"name": format!("geo.{zone}"), "type": "LUA", "ttl": 60,
            "changetype": "REPLACE", "records": [{"content": script, "disabled": false}]}]}),
        ),
    );
    assert_eq!(s, 204, "{body}");
    let mut res = crate::dns::Resolver::new(harness::pdns().dns);
    let qname = format!("geo.{zone}");
    let ip = |a: &crate::dns::Answer| -> Vec<u8> {
        assert!(a.authoritative);
        a.answers
            .iter()
            .find(|r| r.rtype == 1)
            .expect("an A")
            .rdata
            .clone()
    };
    for (subnet, want) in [
        (("198.51.100.0", 24), [192, 0, 2, 10]),
        (("2001:db8:de::", 48), [192, 0, 2, 10]),
        (("203.0.113.0", 24), [192, 0, 2, 20]),
        (("192.0.2.0", 24), [192, 0, 2, 30]),
    ] {
        let a = res.query_from(&qname, 1, (subnet.0.parse().unwrap(), subnet.1));
        assert_eq!(ip(&a), want, "ECS {subnet:?}");
    }
    // without ECS the client is 127.0.0.1: not in the database
    assert_eq!(ip(&res.query(&qname, 1)), [192, 0, 2, 30]);
}

#[test]
fn ignored_and_never_deleted_records_survive_and_drift_stays_clean() {
    suite::run_partial(&target(), "partial.conformance.test.");
}
