use serde_json::{Value as J, json};

use super::*;
use crate::model::RecordSet;

fn config(settings: J) -> ProviderConfig {
    ProviderConfig {
        id: "dme".into(),
        class: "octodns_dnsmadeeasy.DnsMadeEasyProvider".into(),
        files: None,
        common: crate::config::Common::default(),
        settings: crate::yaml::de::node_from_json(&settings),
        secret_keys: ["api_key".to_string(), "secret_key".to_string()].into(),
        missing_env: false,
        pos: crate::yaml::Pos::none(),
    }
}

fn record(name: &str, data: J) -> RecordSet {
    let node = crate::yaml::de::node_from_json(&data);
    crate::model::build::record_from_node(name, &node, 3600).unwrap()
}

#[test]
fn settings_are_octodns_dnsmadeeasys() {
    let s = Settings::from_config(&config(
        json!({"api_key": "key-123456789", "secret_key": "secret-987654321"}),
    ))
    .unwrap();
    assert_eq!(
        (s.api_url.as_str(), s.batch_size),
        ("https://api.dnsmadeeasy.com/V2.0", 200)
    );
    let shown = format!("{s:?}");
    assert!(!shown.contains("key-123456789") && !shown.contains("secret-987654321"));
    let s = Settings::from_config(&config(json!({"api_key": "k", "secret_key": "s", "sandbox": true, "batch_size": 50, "ratelimit_delay": 0.5}))).unwrap();
    assert_eq!(
        (s.api_url.as_str(), s.batch_size),
        ("https://api.sandbox.dnsmadeeasy.com/V2.0", 50)
    );
    assert_eq!(s.delay, Duration::from_millis(500));
    let err = |j: J| Settings::from_config(&config(j)).unwrap_err().to_string();
    assert!(err(json!({"secret_key": "s"})).contains("missing `api_key`"));
    assert!(err(json!({"api_key": "k"})).contains("missing `secret_key`"));
    assert!(
        err(json!({"api_key": "k", "secret_key": "s", "batch_size": 0})).contains("batch_size")
    );
}

/// The signature is the HMAC-SHA1 of the request date (RFC 2202's test case 2 key and data
/// give its known digest).
#[test]
fn requests_are_signed_over_their_date() {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, b"Jefe");
    let tag = ring::hmac::sign(&key, b"what do ya want for nothing?");
    assert_eq!(
        data_encoding::HEXLOWER.encode(tag.as_ref()),
        "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
    );
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let h = signature("the-key", "the-secret", at);
    assert_eq!(h[0], ("x-dnsme-apiKey".into(), "the-key".into()));
    assert_eq!(
        h[1],
        (
            "x-dnsme-requestDate".into(),
            "Tue, 14 Nov 2023 22:13:20 GMT".into()
        )
    );
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, b"the-secret");
    let want = data_encoding::HEXLOWER.encode(ring::hmac::sign(&key, h[1].1.as_bytes()).as_ref());
    assert_eq!(h[2], ("x-dnsme-hmac".into(), want));
}

#[tokio::test]
async fn hostile_zone_names_are_refused_before_any_request() {
    let server = wiremock::MockServer::start().await;
    let s = Settings::from_config(&config(json!({"api_key": "k-123456789", "secret_key": "s-123456789", "api_url": format!("{}/V2.0", server.uri())}))).unwrap();
    let p = DnsMadeEasyProvider::with_settings("dme", s).unwrap();
    crate::provider::assert_refuses_hostile_zones(&p).await;
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn values_as_octodns_dnsmadeeasy_writes_and_reads_them() {
    let zone = "example.com.";
    let cases = [
        json!({"type": "MX", "value": {"preference": 10, "exchange": "mx.example.com."}}),
        json!({"type": "SRV", "value": {"priority": 1, "weight": 2, "port": 3, "target": "t.example.net."}}),
        json!({"type": "CAA", "value": {"flags": 0, "tag": "issue", "value": "ca.example.net"}}),
        json!({"type": "TXT", "value": "v=spf1 -all\\; x"}),
        json!({"type": "ALIAS", "value": "www.example.com."}),
        json!({"type": "NS", "values": ["ns1.example.net.", "ns2.example.net."]}),
    ];
    for mut data in cases {
        data["ttl"] = json!(300);
        let r = record("x", data);
        let back: Vec<Value> = r
            .values
            .iter()
            .map(|v| {
                let mut o = records::body(&r, v);
                if r.rtype == RecordType::Caa {
                    o["value"] = J::String(format!("\"{}\"", o["value"].as_str().unwrap()));
                }
                records::value(&r.rtype, &o, zone).unwrap()
            })
            .collect();
        assert_eq!(back, r.values, "{:?}", r.rtype);
    }
    let alias = record(
        "",
        json!({"type": "ALIAS", "ttl": 60, "value": "www.example.com."}),
    );
    assert_eq!(records::body(&alias, &alias.values[0])["type"], "ANAME");
    // as listed: relative names, the zone as "", TXT in 255-character pieces
    let o = json!({"type": "CNAME", "value": "www"});
    assert_eq!(
        records::value(&RecordType::Cname, &o, zone).unwrap(),
        Value::Target("www.example.com.".into())
    );
    let o = json!({"type": "CNAME", "value": ""});
    assert_eq!(
        records::value(&RecordType::Cname, &o, zone).unwrap(),
        Value::Target("example.com.".into())
    );
    assert_eq!(records::txt_of("\"aaa\"\"bbb; c\""), "aaabbb\\; c");
    assert_eq!(records::txt_of("\"a\\\"\"b\""), "a\\\"\"b");
}

#[test]
fn what_dns_made_easy_refuses_is_said_before_sending() {
    let s = Settings::from_config(&config(json!({"api_key": "k", "secret_key": "s"}))).unwrap();
    let p = DnsMadeEasyProvider::with_settings("dme", s).unwrap();
    let zone = || {
        let mut z = Zone::new("example.com.");
        z.insert(record("_x._tcp", json!({"type": "SRV", "ttl": 60, "value": {"priority": 0, "weight": 0, "port": 0, "target": "."}})));
        z.insert(record(
            "t",
            json!({"type": "TXT", "ttl": 60, "value": "say \"hi\""}),
        ));
        z
    };
    let errs: Vec<String> = p
        .process(zone(), true, &mut Vec::new())
        .unwrap_err()
        .into_iter()
        .map(|u| u.message)
        .collect();
    assert!(errs.iter().any(|e| e.contains("null target")), "{errs:?}");
    assert!(
        errs.iter().any(|e| e.contains("quotes not supported")),
        "{errs:?}"
    );
    let mut w = Vec::new();
    let out = p.process(zone(), false, &mut w).unwrap();
    assert_eq!(
        out.get("t", &RecordType::Txt).unwrap().values,
        [Value::Text("say hi".into())]
    );
    assert!(out.get("_x._tcp", &RecordType::Srv).is_none());
    assert_eq!(w.len(), 2, "{w:?}");
}
