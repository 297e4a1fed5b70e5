//! The provider against a fake API (wiremock): settings, requests, retries, errors. The real
//! server is exercised by the conformance suite (`tests/conformance/`).

use std::time::Duration;

use serde_json::{Value as J, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::*;
use crate::config::Common;
use crate::model::{RecordSet, Value};
use crate::plan::Change;
use crate::yaml::Pos;

const KEY: &str = "secret-api-key-123";

fn config(settings: J) -> ProviderConfig {
    ProviderConfig {
        id: "pdns".into(),
        class: "octodns_powerdns.PowerDnsProvider".into(),
        files: None,
        common: Common::default(),
        settings: crate::yaml::de::node_from_json(&settings),
        secret_keys: ["api_key".to_string()].into(),
        missing_env: false,
        pos: Pos::none(),
    }
}

async fn provider(server: &MockServer) -> PowerDnsProvider {
    let addr = server.address();
    let mut s = Settings::from_config(&config(json!({
        "host": addr.ip().to_string(), "port": addr.port(), "api_key": KEY, "timeout": 2,
    })))
    .unwrap();
    s.backoff = Duration::from_millis(1);
    PowerDnsProvider::with_settings("pdns", s).unwrap()
}

const ZONE_PATH: &str = "/api/v1/servers/localhost/zones/example.test.";

fn zone_json() -> J {
    json!({"name": "example.test.", "kind": "Master", "rrsets": [
        {"name": "example.test.", "type": "SOA", "ttl": 3600, "records": [
            {"content": "ns1.example.test. hostmaster.example.test. 1 2 3 4 5", "disabled": false}]},
        {"name": "www.example.test.", "type": "A", "ttl": 60, "records": [
            {"content": "192.0.2.1", "disabled": false}]},
    ]})
}

async fn config_says(server: &MockServer, expand_alias: &str) {
    Mock::given(method("GET"))
        .and(path("/api/v1/servers/localhost/config"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"name": "expand-alias", "type": "ConfigSetting", "value": expand_alias},
            {"name": "enable-lua-records", "type": "ConfigSetting", "value": "yes"},
        ])))
        .mount(server)
        .await;
}

fn a(name: &str, ttl: u32, ips: &[&str]) -> RecordSet {
    RecordSet::new(
        name,
        RecordType::A,
        ttl,
        ips.iter().map(|i| Value::Ip(i.to_string())).collect(),
    )
}

fn plan(exists: bool, changes: Vec<Change>) -> ZonePlan {
    ZonePlan {
        zone: "example.test.".into(),
        target: "pdns".into(),
        exists,
        changes,
        existing_count: 0,
        warnings: vec![],
        ignored: Vec::new(),
        unmanaged: Vec::new(),
    }
}

fn change(op: Op, r: RecordSet) -> Change {
    Change {
        op,
        name: r.name.clone(),
        rtype: r.rtype.clone(),
        existing: (op != Op::Create).then(|| r.clone()),
        desired: (op != Op::Delete).then_some(r),
    }
}

async fn bodies(server: &MockServer, m: &str) -> Vec<J> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r: &&Request| r.method.as_str() == m)
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(J::Null))
        .collect()
}

#[test]
fn settings_have_octodns_powerdns_names_and_defaults() {
    let s =
        Settings::from_config(&config(json!({"host": "pdns.example", "api_key": KEY}))).unwrap();
    assert_eq!(s.base_url(), "http://pdns.example:8081");
    assert_eq!(s.server_id, "localhost");
    assert_eq!(s.timeout, Duration::from_secs(5));
    assert_eq!(s.soa_edit_api, "default");
    assert_eq!(s.mode_of_operation, "master");
    assert!(!s.notify);
    assert_eq!(s.ssl_verify, SslVerify::Yes);
    assert!(!format!("{s:?}").contains(KEY));
    let s = Settings::from_config(&config(json!({
        "host": "::1", "api_key": KEY, "port": "8443", "scheme": "https", "timeout": 0.5,
        "ssl_verify": false, "notify": true, "server_id": "other", "soa_edit_api": "epoch",
        "mode_of_operation": "native", "enable_dynamic": false,
    })))
    .unwrap();
    assert_eq!(s.base_url(), "https://[::1]:8443");
    assert_eq!(s.timeout, Duration::from_millis(500));
    assert_eq!(s.ssl_verify, SslVerify::No);
    assert!(s.notify);
    for (bad, why) in [
        (json!({"api_key": KEY}), "missing `host`"),
        (json!({"host": "h"}), "missing `api_key`"),
        (json!({"host": "h", "api_key": KEY, "port": 0}), "`port`"),
        (
            json!({"host": "h", "api_key": KEY, "scheme": "ftp"}),
            "`scheme`",
        ),
        (
            json!({"host": "h", "api_key": KEY, "timeout": -1}),
            "`timeout`",
        ),
        (
            json!({"host": "h", "api_key": KEY, "soa_edit_api": "x"}),
            "soa_edit_api",
        ),
        (
            json!({"host": "h", "api_key": KEY, "mode_of_operation": "x"}),
            "mode_of_operation",
        ),
        (
            json!({"host": "h", "api_key": KEY, "nameserver_values": []}),
            "nameserver_values",
        ),
        (
            json!({"host": "h", "api_key": KEY, "hots": "x"}),
            "unknown setting(s) hots",
        ),
    ] {
        let e = Settings::from_config(&config(bad.clone()))
            .unwrap_err()
            .to_string();
        assert!(e.contains(why), "{bad}: {e}");
        assert!(!e.contains(KEY), "{e}");
    }
    // the factory builds it from octoDNS's class name
    let p = crate::provider::build(&config(json!({"host": "h", "api_key": KEY}))).unwrap();
    assert_eq!(p.id(), "pdns");
}

#[test]
fn zone_names_are_encoded_as_octodns_powerdns_does() {
    assert_eq!(encode_zone_name("example.test."), "example.test.");
    assert_eq!(
        encode_zone_name("0/26.2.0.192.in-addr.arpa."),
        "0=2F26.2.0.192.in-addr.arpa."
    );
}

#[tokio::test]
async fn reads_a_zone_and_learns_about_alias_from_the_server() {
    let server = MockServer::start().await;
    config_says(&server, "no").await;
    Mock::given(method("GET"))
        .and(path(ZONE_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(zone_json()))
        .mount(&server)
        .await;
    let p = provider(&server).await;
    assert!(!p.capabilities().supports_type(&RecordType::Alias));
    let z = p.existing("example.test.").await.unwrap().unwrap();
    assert_eq!(z.len(), 1);
    assert_eq!(z.get("www", &RecordType::A).unwrap().rdata(), ["192.0.2.1"]);
    assert!(!p.capabilities().supports_type(&RecordType::Alias));
    assert!(p.capabilities().supports_type(&RecordType::Svcb));
    assert!(!p.capabilities().supports_type(&RecordType::Urlfwd));
    assert!(!p.capabilities().dynamic);

    let server = MockServer::start().await;
    config_says(&server, "yes").await;
    Mock::given(method("GET"))
        .and(path(ZONE_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(zone_json()))
        .mount(&server)
        .await;
    let p = provider(&server).await;
    p.existing("example.test.").await.unwrap();
    assert!(p.capabilities().supports_type(&RecordType::Alias));
}

#[tokio::test]
async fn a_missing_zone_is_none() {
    let server = MockServer::start().await;
    config_says(&server, "no").await;
    Mock::given(method("GET"))
        .and(path(ZONE_PATH))
        .respond_with(ResponseTemplate::new(404).set_body_string("Not Found"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/servers/localhost/zones/old.test."))
        .respond_with(
            ResponseTemplate::new(422)
                .set_body_json(json!({"error": "Could not find domain 'old.test.'"})),
        )
        .mount(&server)
        .await;
    let p = provider(&server).await;
    assert!(p.existing("example.test.").await.unwrap().is_none());
    assert!(p.existing("old.test.").await.unwrap().is_none());
}

#[tokio::test]
async fn server_errors_are_retried_then_succeed() {
    let server = MockServer::start().await;
    config_says(&server, "no").await;
    Mock::given(method("GET"))
        .and(path(ZONE_PATH))
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(ZONE_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(zone_json()))
        .mount(&server)
        .await;
    let p = provider(&server).await;
    assert!(p.existing("example.test.").await.unwrap().is_some());
    let gets = server.received_requests().await.unwrap();
    assert_eq!(gets.iter().filter(|r| r.url.path() == ZONE_PATH).count(), 3);
    // every request carries the key
    assert!(
        gets.iter()
            .all(|r| r.headers.get("X-API-Key").unwrap() == KEY)
    );
}

#[tokio::test]
async fn persistent_errors_stop_after_the_bounded_attempts_without_the_key() {
    let server = MockServer::start().await;
    config_says(&server, "no").await;
    let long = format!("{} key={KEY} {}", "x".repeat(50), "y".repeat(2000));
    Mock::given(method("GET"))
        .and(path(ZONE_PATH))
        .respond_with(ResponseTemplate::new(500).set_body_string(long))
        .mount(&server)
        .await;
    let p = provider(&server).await;
    let e = p.existing("example.test.").await.unwrap_err();
    match &e {
        ProviderError::Api {
            provider,
            zone,
            status,
            body,
            source,
        } => {
            assert_eq!(
                (provider.as_str(), zone.as_str(), *status),
                ("pdns", "example.test.", 500)
            );
            assert!(body.chars().count() <= http::MAX_BODY + 1, "{}", body.len());
            assert!(body.contains("key=***"), "{body}");
            // the request and the raw answer are the typed cause
            assert_eq!(source.status(), Some(500));
            assert!(source.to_string().starts_with("GET http://"), "{source}");
            assert!(!source.to_string().contains(KEY), "{source}");
        }
        other => panic!("{other:?}"),
    }
    assert!(!e.to_string().contains(KEY));
    assert_eq!(e.status(), Some(500));
    assert!(e.is_retryable());
    let n = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == ZONE_PATH)
        .count();
    assert_eq!(n, 4);
    // a client error is not retried, and PowerDNS's JSON message is what is shown
    let server = MockServer::start().await;
    config_says(&server, "no").await;
    Mock::given(method("PATCH"))
        .and(path(ZONE_PATH))
        .respond_with(
            ResponseTemplate::new(422)
                .set_body_json(json!({"error": "RRset www.example.test. IN A: Conflicts"})),
        )
        .mount(&server)
        .await;
    let p = provider(&server).await;
    let e = p
        .apply(&plan(
            true,
            vec![change(Op::Create, a("www", 60, &["192.0.2.1"]))],
        ))
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "provider pdns, zone example.test.: HTTP 422: RRset www.example.test. IN A: Conflicts"
    );
    assert_eq!(bodies(&server, "PATCH").await.len(), 1);
}

#[tokio::test]
async fn timeouts_are_retried() {
    let server = MockServer::start().await;
    config_says(&server, "no").await;
    Mock::given(method("GET"))
        .and(path(ZONE_PATH))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let mut p = provider(&server).await;
    p.settings.max_attempts = 2;
    p.settings.timeout = Duration::from_millis(200);
    let p = PowerDnsProvider::with_settings("pdns", p.settings.clone()).unwrap();
    let e = p.existing("example.test.").await.unwrap_err().to_string();
    assert!(
        e.contains("timed out") && e.contains("after 2 attempts"),
        "{e}"
    );
}

#[tokio::test]
async fn one_patch_with_deletes_first() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path(ZONE_PATH))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let p = provider(&server).await;
    let cname = RecordSet::new(
        "www",
        RecordType::Cname,
        300,
        vec![Value::Target("other.example.test.".into())],
    );
    let txt = RecordSet::new("", RecordType::Txt, 60, vec![Value::Text("a\\;b".into())]);
    let report = p
        .apply(&plan(
            true,
            vec![
                change(Op::Create, cname),
                change(Op::Delete, a("www", 60, &["192.0.2.1"])),
                change(Op::Update, txt),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(report.applied, 3);
    let patches = bodies(&server, "PATCH").await;
    assert_eq!(
        patches,
        [json!({"rrsets": [
            {"name": "www.example.test.", "type": "A", "changetype": "DELETE"},
            {"name": "www.example.test.", "type": "CNAME", "ttl": 300, "changetype": "REPLACE",
             "records": [{"content": "other.example.test.", "disabled": false}]},
            {"name": "example.test.", "type": "TXT", "ttl": 60, "changetype": "REPLACE",
             "records": [{"content": "\"a;b\"", "disabled": false}]},
        ]})]
    );
}

#[tokio::test]
async fn a_new_zone_is_created_in_one_post_and_notified() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/servers/localhost/zones"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({})))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{ZONE_PATH}/notify")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"result": "queued"})))
        .mount(&server)
        .await;
    let mut p = provider(&server).await;
    p.settings.notify = true;
    p.settings.soa_edit_api = "epoch".into();
    p.settings.mode_of_operation = "native".into();
    let ns = RecordSet::new(
        "",
        RecordType::Ns,
        3600,
        vec![
            Value::Target("ns1.example.net.".into()),
            Value::Target("ns2.example.net.".into()),
        ],
    );
    p.apply(&plan(
        false,
        vec![
            change(Op::Create, ns),
            change(Op::Create, a("www", 60, &["192.0.2.1"])),
        ],
    ))
    .await
    .unwrap();
    let posts = bodies(&server, "POST").await;
    assert_eq!(
        posts,
        [json!({
            "name": "example.test.", "kind": "native", "masters": [], "nameservers": [],
            "soa_edit_api": "epoch",
            "rrsets": [
                {"name": "example.test.", "type": "NS", "ttl": 3600, "changetype": "REPLACE",
                 "records": [{"content": "ns1.example.net.", "disabled": false},
                             {"content": "ns2.example.net.", "disabled": false}]},
                {"name": "www.example.test.", "type": "A", "ttl": 60, "changetype": "REPLACE",
                 "records": [{"content": "192.0.2.1", "disabled": false}]},
            ],
        })]
    );
    assert_eq!(bodies(&server, "PUT").await.len(), 1);
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_continues_as_a_patch() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/servers/localhost/zones"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/servers/localhost/zones"))
        .respond_with(ResponseTemplate::new(409).set_body_string("Conflict"))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(ZONE_PATH))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let p = provider(&server).await;
    p.apply(&plan(
        false,
        vec![change(Op::Create, a("www", 60, &["192.0.2.1"]))],
    ))
    .await
    .unwrap();
    assert_eq!(bodies(&server, "POST").await.len(), 2);
    assert_eq!(bodies(&server, "PATCH").await.len(), 1);
    // but a 409 on the first try is an error (the zone was there all along)
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/servers/localhost/zones"))
        .respond_with(ResponseTemplate::new(409).set_body_string("Conflict"))
        .mount(&server)
        .await;
    let p = provider(&server).await;
    let e = p.apply(&plan(false, vec![])).await.unwrap_err().to_string();
    assert!(e.contains("HTTP 409: Conflict"), "{e}");
}

#[tokio::test]
async fn lists_zones() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/servers/localhost/zones"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"name": "b.test.", "kind": "Master"}, {"name": "a.test.", "kind": "Native"}])))
        .mount(&server)
        .await;
    let p = provider(&server).await;
    assert_eq!(p.list_zones().await.unwrap(), ["a.test.", "b.test."]);
}

#[tokio::test]
async fn hostile_zone_names_are_refused_before_any_request() {
    let server = MockServer::start().await;
    let p = provider(&server).await;
    crate::provider::assert_refuses_hostile_zones(&p).await;
    assert!(server.received_requests().await.unwrap().is_empty());
    // a server that lists a name that is not a zone name is not believed
    Mock::given(method("GET"))
        .and(path("/api/v1/servers/localhost/zones"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"name": "a.test."}, {"name": "../pwned."}
        ])))
        .mount(&server)
        .await;
    let e = p.list_zones().await.unwrap_err().to_string();
    assert!(e.contains("\"../pwned.\""), "{e}");
}
