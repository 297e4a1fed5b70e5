use serde_json::{Value as J, json};

use super::*;

fn config(settings: J) -> ProviderConfig {
    ProviderConfig {
        id: "ovh".into(),
        class: "octodns_ovh.OvhProvider".into(),
        files: None,
        common: crate::config::Common::default(),
        settings: crate::yaml::de::node_from_json(&settings),
        secret_keys: ["application_secret".to_string(), "consumer_key".to_string()].into(),
        missing_env: false,
        pos: crate::yaml::Pos::none(),
    }
}

#[test]
fn settings_are_octodns_ovhs() {
    let s = Settings::from_config(&config(json!({"endpoint": "ovh-ca", "application_key": "ak", "application_secret": "as-secret-1", "consumer_key": "ck-secret-2"}))).unwrap();
    assert_eq!(s.api_url, "https://ca.api.ovh.com/1.0");
    let shown = format!("{s:?}");
    assert!(!shown.contains("as-secret-1") && !shown.contains("ck-secret-2"));
    let err = |j: J| Settings::from_config(&config(j)).unwrap_err().to_string();
    assert!(
        err(json!({"application_key": "a", "application_secret": "s", "consumer_key": "c"}))
            .contains("missing `endpoint`")
    );
    assert!(err(json!({"endpoint": "ovh-mars", "application_key": "a", "application_secret": "s", "consumer_key": "c"})).contains("ovh-eu"));
    assert!(
        err(json!({"endpoint": "ovh-eu", "application_key": "a", "application_secret": "s"}))
            .contains("missing `consumer_key`")
    );
}

/// The worked example of OVH's "First steps with the API" guide gives this signature.
#[test]
fn the_signature_is_ovhs() {
    let s = signature(
        "as",
        "ck",
        "GET",
        "https://eu.api.ovh.com/1.0/auth/time",
        b"",
        1_700_000_000,
    );
    let want = {
        let d = ring::digest::digest(
            &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            b"as+ck+GET+https://eu.api.ovh.com/1.0/auth/time++1700000000",
        );
        format!("$1${}", data_encoding::HEXLOWER.encode(d.as_ref()))
    };
    assert_eq!(s, want);
    assert!(s.starts_with("$1$") && s.len() == 43);
}

#[test]
fn dkim_values_are_ovhs_dkim_type() {
    assert!(is_dkim(
        "v=DKIM1\\; k=rsa\\; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQAB"
    ));
    // a key that is not padded base64 is not a DKIM key (Python's `decodebytes` refuses it too)
    assert!(!is_dkim(
        "v=DKIM1\\; k=rsa\\; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ"
    ));
    assert!(!is_dkim("v=spf1 -all"));
    assert!(!is_dkim("v=DKIM1\\; k=ed25519\\; p=MIGf"));
    assert!(!is_dkim("v=DKIM1"), "no key");
    let r = RecordSet::new(
        "sel._domainkey",
        RecordType::Txt,
        300,
        vec![Value::Text("v=DKIM1\\; k=rsa\\; p=MIGfMA==".into())],
    );
    assert_eq!(
        body(&r, &r.values[0]),
        json!({"fieldType": "DKIM", "subDomain": "sel._domainkey", "target": "v=DKIM1; k=rsa; p=MIGfMA==", "ttl": 300})
    );
}

#[test]
fn targets_read_as_the_model() {
    let z = "example.com.";
    assert_eq!(
        value(&RecordType::Cname, "www", z).unwrap(),
        Value::Target("www.example.com.".into())
    );
    assert_eq!(
        value(&RecordType::Mx, "10 mx1.mail.ovh.net.", z)
            .unwrap()
            .to_rdata(),
        "10 mx1.mail.ovh.net."
    );
    assert_eq!(
        value(&RecordType::Txt, "\"hello world\"", z).unwrap(),
        Value::Text("hello world".into())
    );
    assert_eq!(
        value(&RecordType::Txt, "a;b", z).unwrap(),
        Value::Text("a\\;b".into())
    );
    assert_eq!(
        value(&RecordType::Caa, "0 issue \"letsencrypt.org\"", z)
            .unwrap()
            .to_rdata(),
        "0 issue \"letsencrypt.org\""
    );
}

#[tokio::test]
async fn hostile_zone_names_are_refused_before_any_request() {
    let server = wiremock::MockServer::start().await;
    let s = Settings::from_config(&config(json!({"api_url": format!("{}/1.0", server.uri()), "application_key": "a", "application_secret": "s-123456789", "consumer_key": "c-123456789"}))).unwrap();
    let p = OvhProvider::with_settings("ovh", s).unwrap();
    crate::provider::assert_refuses_hostile_zones(&p).await;
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// OVH keeps a quoted TXT as one character-string of any length.
#[test]
fn long_quoted_txt_reads_whole() {
    let z = "example.com.";
    let long = format!("\"{}\\\"x\\\\\"", "a".repeat(300));
    assert_eq!(
        value(&RecordType::Txt, &long, z).unwrap(),
        Value::Text(format!("{}\"x\\", "a".repeat(300)))
    );
    assert_eq!(
        value(&RecordType::Txt, "\"a\" \"b;c\"", z).unwrap(),
        Value::Text("ab\\;c".into())
    );
    assert!(value(&RecordType::Txt, "\"open", z).is_err());
}
