use serde_json::{Value as J, json};

use super::*;
use crate::plan::Op;
use std::sync::Arc;

fn config(settings: J) -> ProviderConfig {
    ProviderConfig {
        id: "do".into(),
        class: "octodns_digitalocean.DigitalOceanProvider".into(),
        files: None,
        common: crate::config::Common::default(),
        settings: crate::yaml::de::node_from_json(&settings),
        secret_keys: ["token".to_string()].into(),
        missing_env: false,
        pos: crate::yaml::Pos::none(),
    }
}

fn record(name: &str, data: J) -> RecordSet {
    let node = crate::yaml::de::node_from_json(&data);
    crate::model::build::record_from_node(name, &node, 3600).unwrap()
}

#[test]
fn settings_are_octodns_digitaloceans() {
    let s = Settings::from_config(&config(json!({"token": "dop_v1_secret123"}))).unwrap();
    assert_eq!(s.api_url, "https://api.digitalocean.com/v2");
    assert!(!format!("{s:?}").contains("secret123"));
    let err = |j: J| Settings::from_config(&config(j)).unwrap_err().to_string();
    assert!(err(json!({})).contains("missing `token`"));
    assert!(
        err(json!({"token": "t", "api_url": "http://api.example.com/v2"})).contains("https://")
    );
    assert!(err(json!({"token": "t", "sandbox": true})).contains("sandbox"));
}

#[tokio::test]
async fn hostile_zone_names_are_refused_before_any_request() {
    let server = wiremock::MockServer::start().await;
    let s = Settings::from_config(&config(
        json!({"token": "t-123456789", "api_url": format!("{}/v2", server.uri())}),
    ))
    .unwrap();
    let p = DigitalOceanProvider::with_settings("do", s).unwrap();
    crate::provider::assert_refuses_hostile_zones(&p).await;
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// What is sent reads back as the same value from the listing's form (host names without
/// their final dot, `@` for the zone).
#[test]
fn values_as_octodns_digitalocean_writes_and_reads_them() {
    let zone = "example.com.";
    let cases = [
        json!({"type": "MX", "values": [{"preference": 10, "exchange": "mx.example.com."}, {"preference": 0, "exchange": "."}]}),
        json!({"type": "SRV", "values": [{"priority": 1, "weight": 2, "port": 3, "target": "t.example.com."}, {"priority": 0, "weight": 0, "port": 0, "target": "."}]}),
        json!({"type": "CAA", "value": {"flags": 0, "tag": "issue", "value": "ca.example.net"}}),
        json!({"type": "TXT", "value": "v=spf1 -all\\; x"}),
        json!({"type": "CNAME", "value": "example.com."}),
        json!({"type": "NS", "values": ["ns1.example.net.", "ns2.example.net."]}),
        json!({"type": "AAAA", "value": "2001:db8::1"}),
    ];
    for mut data in cases {
        data["ttl"] = json!(300);
        let r = record("x", data);
        let back: Vec<Value> = r
            .values
            .iter()
            .map(|v| {
                let mut o = records::object(&r, v);
                // as listed: no final dot, the zone as `@`
                let d = o["data"].as_str().unwrap().to_string();
                let listed = if d == zone {
                    "@".to_string()
                } else if d == "." {
                    d
                } else {
                    d.trim_end_matches('.').to_string()
                };
                o["data"] = J::String(listed);
                records::value(&r.rtype, &o, zone).unwrap()
            })
            .collect();
        assert_eq!(back, r.values, "{:?}", r.rtype);
    }
    let txt = record("x", json!({"type": "TXT", "ttl": 60, "value": "a\\;b"}));
    assert_eq!(records::object(&txt, &txt.values[0])["data"], "a;b");
    let apex = record("", json!({"type": "A", "ttl": 60, "value": "192.0.2.1"}));
    assert_eq!(records::object(&apex, &apex.values[0])["name"], "@");
}

#[test]
fn an_update_keeps_unchanged_objects_and_overwrites_changed_ones() {
    let mut existing = record(
        "www",
        json!({"type": "A", "ttl": 300, "values": ["192.0.2.1", "192.0.2.2", "192.0.2.3"]}),
    );
    existing.provider_data = Some(Arc::new(json!({"objects": [
        {"id": 1, "ttl": 300, "rdata": "192.0.2.1"},
        {"id": 2, "ttl": 300, "rdata": "192.0.2.2"},
        {"id": 3, "ttl": 300, "rdata": "192.0.2.3"},
    ]})));
    let desired = record(
        "www",
        json!({"type": "A", "ttl": 300, "values": ["192.0.2.1", "192.0.2.9"]}),
    );
    let c = Change {
        op: Op::Update,
        name: "www".into(),
        rtype: RecordType::A,
        existing: Some(existing.clone()),
        desired: Some(desired),
    };
    let items = writes::object_writes(&c, writes::held(c.existing.as_ref()), records::object);
    let shown: Vec<String> = items
        .iter()
        .map(|i| match i {
            Item::Delete(id) => format!("delete {id}"),
            Item::Put(id, o) => format!("put {id} {}", o["data"]),
            Item::Post(o) => format!("post {}", o["data"]),
        })
        .collect();
    assert_eq!(shown, ["put 2 \"192.0.2.9\"", "delete 3"]);
    // a TTL change rewrites every object
    let desired = record(
        "www",
        json!({"type": "A", "ttl": 60, "values": ["192.0.2.1", "192.0.2.2", "192.0.2.3"]}),
    );
    let c = Change {
        desired: Some(desired),
        ..c
    };
    assert_eq!(
        writes::object_writes(&c, writes::held(c.existing.as_ref()), records::object)
            .iter()
            .filter(|i| matches!(i, Item::Put(..)))
            .count(),
        3
    );
    assert!(
        writes::numeric_id("12345").is_ok()
            && writes::numeric_id("../x").is_err()
            && writes::numeric_id("").is_err()
    );
}

#[test]
fn what_digitalocean_refuses_is_said_before_sending() {
    let s = Settings::from_config(&config(json!({"token": "t"}))).unwrap();
    let p = DigitalOceanProvider::with_settings("do", s).unwrap();
    let zone = || {
        let mut z = Zone::new("example.com.");
        z.insert(record(
            "",
            json!({"type": "CAA", "ttl": 300, "values": [
                {"flags": 0, "tag": "issue", "value": "ca.example.net"},
                {"flags": 0, "tag": "issuemail", "value": "ca.example.net"},
            ]}),
        ));
        z.insert(record(
            "fast",
            json!({"type": "A", "ttl": 20, "value": "192.0.2.1"}),
        ));
        z
    };
    let errs: Vec<String> = p
        .process(zone(), true, &mut Vec::new())
        .unwrap_err()
        .into_iter()
        .map(|u| u.message)
        .collect();
    assert!(
        errs.iter().any(
            |e| e.contains("fast.example.com. A has TTL 20; DigitalOcean takes TTLs from 30 s")
        ),
        "{errs:?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.contains("issuemail") && e.contains("issue, issuewild and iodef")),
        "{errs:?}"
    );
    let mut z = zone();
    z.records.retain(|(n, _), _| n.is_empty());
    let mut warnings = Vec::new();
    let out = p.process(z, false, &mut warnings).unwrap();
    assert_eq!(out.get("", &RecordType::Caa).unwrap().values.len(), 1);
    assert!(
        warnings[0].contains("leaving the value out"),
        "{warnings:?}"
    );
}
