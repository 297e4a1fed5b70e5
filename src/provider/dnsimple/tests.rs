use serde_json::{Value as J, json};

use super::*;

fn config(settings: J) -> ProviderConfig {
    ProviderConfig {
        id: "dnsimple".into(),
        class: "octodns_dnsimple.DnsimpleProvider".into(),
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
fn settings_are_octodns_dnsimples() {
    let s = Settings::from_config(&config(
        json!({"token": "dnsimple-secret-123", "account": 12345}),
    ))
    .unwrap();
    assert_eq!(
        (s.api_url.as_str(), s.account.as_str()),
        ("https://api.dnsimple.com/v2", "12345")
    );
    assert!(!format!("{s:?}").contains("secret-123"));
    let s = Settings::from_config(&config(
        json!({"token": "t", "account": "42", "sandbox": true}),
    ))
    .unwrap();
    assert_eq!(s.api_url, "https://api.sandbox.dnsimple.com/v2");
    let err = |j: J| Settings::from_config(&config(j)).unwrap_err().to_string();
    assert!(err(json!({"account": 1})).contains("missing `token`"));
    assert!(err(json!({"token": "t"})).contains("missing `account`"));
    assert!(err(json!({"token": "t", "account": "../1"})).contains("account's number"));
}

#[tokio::test]
async fn hostile_zone_names_are_refused_before_any_request() {
    let server = wiremock::MockServer::start().await;
    let s = Settings::from_config(&config(
        json!({"token": "t-123456789", "account": 1, "api_url": format!("{}/v2", server.uri())}),
    ))
    .unwrap();
    let p = DnsimpleProvider::with_settings("dnsimple", s).unwrap();
    crate::provider::assert_refuses_hostile_zones(&p).await;
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// What is sent reads back as the same value from DNSimple's listing (host names without
/// their final dot, priority apart).
#[test]
fn values_as_octodns_dnsimple_writes_and_reads_them() {
    let cases = [
        json!({"type": "MX", "values": [{"preference": 10, "exchange": "mx.example.com."}]}),
        json!({"type": "SRV", "value": {"priority": 1, "weight": 2, "port": 3, "target": "t.example.com."}}),
        json!({"type": "CAA", "value": {"flags": 0, "tag": "issue", "value": "ca.example.net; x=y"}}),
        json!({"type": "TXT", "value": "v=spf1 -all\\; x"}),
        json!({"type": "ALIAS", "value": "www.example.com."}),
        json!({"type": "NAPTR", "value": {"order": 10, "preference": 20, "flags": "S", "service": "SIP+D2U", "regexp": "", "replacement": "_sip._udp.example.com."}}),
        json!({"type": "SSHFP", "value": {"algorithm": 1, "fingerprint_type": 1, "fingerprint": "abcdef"}}),
        json!({"type": "PTR", "value": "host.example.com."}),
    ];
    for mut data in cases {
        data["ttl"] = json!(300);
        let r = record("x", data);
        let back: Vec<Value> = r
            .values
            .iter()
            .map(|v| {
                let mut o = records::body(&r, v);
                let c = o["content"].as_str().unwrap().to_string();
                // as listed: a final dot dropped from targets
                let listed = match r.rtype {
                    RecordType::Mx | RecordType::Alias => c.trim_end_matches('.').to_string(),
                    RecordType::Srv => c.trim_end_matches('.').to_string(),
                    _ => c,
                };
                o["content"] = J::String(listed);
                records::value(&r.rtype, &o).unwrap()
            })
            .collect();
        assert_eq!(back, r.values, "{:?}", r.rtype);
    }
    let srv = record(
        "x",
        json!({"type": "SRV", "ttl": 60, "value": {"priority": 1, "weight": 2, "port": 3, "target": "t.example.com."}}),
    );
    assert_eq!(
        records::body(&srv, &srv.values[0]),
        json!({"name": "x", "type": "SRV", "ttl": 60, "priority": 1, "content": "2 3 t.example.com."})
    );
    // NAPTR's fields where they belong (octodns-dnsimple writes preference and flags twice)
    let naptr = record(
        "n",
        json!({"type": "NAPTR", "ttl": 60, "value": {"order": 10, "preference": 20, "flags": "S", "service": "SIP+D2U", "regexp": "!^.*$!sip:x@example.com!", "replacement": "."}}),
    );
    assert_eq!(
        records::body(&naptr, &naptr.values[0])["content"],
        "10 20 \"S\" \"SIP+D2U\" \"!^.*$!sip:x@example.com!\" ."
    );
    // DNSimple's own records are not the zone's
    assert!(records::not_ours(
        &json!({"type": "NS", "system_record": true})
    ));
    assert!(records::not_ours(
        &json!({"type": "TXT", "content": "ALIAS for www.example.com", "parent_id": 4})
    ));
    assert!(!records::not_ours(
        &json!({"type": "TXT", "content": "v=spf1", "parent_id": null, "system_record": false})
    ));
}

#[test]
fn a_null_srv_target_is_not_held() {
    let s = Settings::from_config(&config(json!({"token": "t", "account": 1}))).unwrap();
    let p = DnsimpleProvider::with_settings("dnsimple", s).unwrap();
    let mut z = Zone::new("example.com.");
    z.insert(record("_x._tcp", json!({"type": "SRV", "ttl": 60, "value": {"priority": 0, "weight": 0, "port": 0, "target": "."}})));
    let e = p.process(z.clone(), true, &mut Vec::new()).unwrap_err();
    assert!(e[0].message.contains("null target"), "{}", e[0].message);
    let mut w = Vec::new();
    assert!(p.process(z, false, &mut w).unwrap().is_empty());
    assert!(w[0].contains("leaving the record out"));
}
