use serde_json::{Value as J, json};

use super::*;
use crate::model::Value;

fn config(settings: J) -> ProviderConfig {
    ProviderConfig {
        id: "hz".into(),
        class: "octodns_hetzner.HetznerProvider".into(),
        files: None,
        common: crate::config::Common::default(),
        settings: crate::yaml::de::node_from_json(&settings),
        secret_keys: ["token".to_string()].into(),
        missing_env: false,
        pos: crate::yaml::Pos::none(),
    }
}

#[test]
fn settings_are_octodns_hetzners_with_its_default_backend() {
    let s = Settings::from_config(&config(json!({"token": "tok-123456789"}))).unwrap();
    assert_eq!(s.backend, Backend::DnsConsole);
    assert_eq!(s.endpoint, "https://dns.hetzner.com/api/v1");
    assert!(!format!("{s:?}").contains("tok-123456789"));
    let s = Settings::from_config(&config(json!({"token": "t", "backend": "hcloud"}))).unwrap();
    assert_eq!(
        (s.backend, s.endpoint.as_str()),
        (Backend::Cloud, "https://api.hetzner.cloud/v1")
    );
    let err = |j: J| Settings::from_config(&config(j)).unwrap_err().to_string();
    assert!(err(json!({})).contains("missing `token`"));
    assert!(err(json!({"token": "t", "backend": "cloud"})).contains("`hcloud`"));
    assert!(err(json!({"token": "t", "endpoint": "http://api.example.com"})).contains("https://"));
}

#[tokio::test]
async fn hostile_zone_names_are_refused_before_any_request() {
    let server = wiremock::MockServer::start().await;
    for backend in ["hcloud", "dnsapi"] {
        let s = Settings::from_config(&config(json!({
            "token": "tok-123456789", "backend": backend, "endpoint": server.uri(),
        })))
        .unwrap();
        let p = HetznerProvider::with_settings("hz", s).unwrap();
        crate::provider::assert_refuses_hostile_zones(&p).await;
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn values_as_octodns_hetzner_writes_and_reads_them() {
    let txt = RecordSet::new(
        "t",
        RecordType::Txt,
        300,
        vec![Value::Text("v=DKIM1\\; k=rsa".into())],
    );
    assert_eq!(records::values(&txt, false), ["v=DKIM1; k=rsa"]);
    assert_eq!(records::values(&txt, true), ["\"v=DKIM1; k=rsa\""]);
    for raw in ["v=DKIM1; k=rsa", "\"v=DKIM1; k=rsa\""] {
        assert_eq!(
            records::value(&RecordType::Txt, raw).unwrap(),
            Value::Text("v=DKIM1\\; k=rsa".into())
        );
    }
    // targets read back with their final dot, as octodns-hetzner's _append_dot
    assert_eq!(
        records::value(&RecordType::Cname, "www.example.com").unwrap(),
        Value::Target("www.example.com.".into())
    );
    assert_eq!(
        records::value(&RecordType::Mx, "10 mx.example.com")
            .unwrap()
            .to_rdata(),
        "10 mx.example.com."
    );
    assert_eq!(
        records::value(&RecordType::Srv, "1 2 443 t.example.com")
            .unwrap()
            .to_rdata(),
        "1 2 443 t.example.com."
    );
    assert_eq!(
        records::value(&RecordType::Caa, "0 issue \"letsencrypt.org\"")
            .unwrap()
            .to_rdata(),
        "0 issue \"letsencrypt.org\""
    );
    assert_eq!(records::model_type("SOA"), None);
}
