//! The provider against per-test stubs of the Azure APIs (wiremock): settings, tokens,
//! paging, preconditions, retries, partial failures. The conformance suite runs it against a
//! stateful fake of the record-set API (`tests/conformance/azure_fake.rs`).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value as J, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::*;
use crate::config::Common;
use crate::http::testing::Answers;
use crate::plan::Change;
use crate::yaml::Pos;

const SECRET: &str = "s3cr3t-client-key-XYZ";
const TOKEN: &str = "access-token-1";
const BASE: &str =
    "/subscriptions/sub-1/resourceGroups/dns-rg/providers/Microsoft.Network/dnsZones";

fn config(settings: J) -> ProviderConfig {
    ProviderConfig {
        id: "azure".into(),
        class: "octodns_azure.AzureProvider".into(),
        files: None,
        common: Common::default(),
        settings: crate::yaml::de::node_from_json(&settings),
        secret_keys: ["key".to_string()].into(),
        missing_env: false,
        pos: Pos::none(),
    }
}

fn base_settings(server: &MockServer) -> J {
    json!({
        "client_id": "client-1", "key": SECRET, "directory_id": "tenant-1", "sub_id": "sub-1",
        "resource_group": "dns-rg", "endpoint": server.uri(), "authority_host": server.uri(),
        "timeout": 5,
    })
}

fn provider_with(server: &MockServer, extra: J) -> AzureProvider {
    let mut s = base_settings(server);
    for (k, v) in extra.as_object().unwrap() {
        s[k] = v.clone();
    }
    let mut s = Settings::from_config(&config(s)).unwrap();
    s.backoff = Duration::from_millis(1);
    s.federated = auth::Federated::default();
    AzureProvider::with_settings("azure", s).unwrap()
}

fn provider(server: &MockServer) -> AzureProvider {
    provider_with(server, json!({}))
}

async fn token_endpoint(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/tenant-1/oauth2/v2.0/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
            "access_token": TOKEN,
        })))
        .mount(server)
        .await;
}

fn zone_json() -> J {
    json!({
        "id": "/subscriptions/sub-1/resourceGroups/dns-rg/providers/Microsoft.Network/dnszones/example.test",
        "name": "example.test", "type": "Microsoft.Network/dnszones", "location": "global",
        "etag": "z-1",
        "properties": {"nameServers": ["ns1-01.azure-dns.com.", "ns2-01.azure-dns.net."],
                       "numberOfRecordSets": 3, "maxNumberOfRecordSets": 10000}
    })
}

fn rs(name: &str, rtype: &str, etag: &str, props: J) -> J {
    json!({
        "id": format!("/subscriptions/sub-1/resourceGroups/dns-rg/providers/Microsoft.Network/dnszones/example.test/{rtype}/{name}"),
        "name": name, "type": format!("Microsoft.Network/dnszones/{rtype}"), "etag": etag,
        "properties": props,
    })
}

fn a(name: &str, ttl: u32, ips: &[&str]) -> RecordSet {
    RecordSet::new(
        name,
        RecordType::A,
        ttl,
        ips.iter().map(|i| Value::Ip(i.to_string())).collect(),
    )
}

fn with_etag(mut r: RecordSet, etag: &str) -> RecordSet {
    r.provider_data = Some(Arc::new(json!({ "etag": etag })));
    r
}

fn change(op: Op, existing: Option<RecordSet>, desired: Option<RecordSet>) -> Change {
    let r = desired.as_ref().or(existing.as_ref()).unwrap();
    Change {
        op,
        name: r.name.clone(),
        rtype: r.rtype.clone(),
        existing,
        desired,
    }
}

fn plan(exists: bool, changes: Vec<Change>) -> ZonePlan {
    ZonePlan {
        zone: "example.test.".into(),
        target: "azure".into(),
        exists,
        changes,
        existing_count: 0,
        warnings: vec![],
        ignored: Vec::new(),
        unmanaged: Vec::new(),
    }
}

/// Every request the stubs saw, as `METHOD path [if-match=…] [if-none-match=…]`.
async fn seen(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let mut s = format!("{} {}", r.method, r.url.path());
            for h in ["if-match", "if-none-match"] {
                if let Some(v) = r.headers.get(h) {
                    s.push_str(&format!(" {h}={}", v.to_str().unwrap()));
                }
            }
            s
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Settings

#[test]
fn settings_take_octodns_azure_keys_and_the_azure_names() {
    let s = Settings::from_config(&config(json!({
        "client_id": "c", "key": "k", "directory_id": "t", "sub_id": "s", "resource_group": "g",
    })))
    .unwrap();
    assert_eq!(
        (s.tenant_id.as_str(), s.subscription_id.as_str()),
        ("t", "s")
    );
    assert_eq!(s.endpoint, "https://management.azure.com");
    assert_eq!((s.total_retries, s.status_retries), (10, 3));
    assert_eq!(s.write_concurrency, 4);
    assert!(!format!("{s:?}").contains("\"k\""), "{s:?}");
    let s = Settings::from_config(&config(json!({
        "client_id": "c", "tenant_id": "t", "subscription_id": "s", "resource_group": "g",
        "client_status_retries": 0, "endpoint": "https://management.chinacloudapi.cn/",
    })))
    .unwrap();
    assert_eq!(s.key, None, "no key: workload identity");
    assert_eq!(s.status_retries, 0);
    assert_eq!(s.endpoint, "https://management.chinacloudapi.cn");

    let err = |settings: J| {
        Settings::from_config(&config(settings))
            .unwrap_err()
            .to_string()
    };
    let full = json!({"client_id": "c", "key": "k", "directory_id": "t", "sub_id": "s", "resource_group": "g"});
    let mut missing = full.clone();
    missing.as_object_mut().unwrap().remove("sub_id");
    assert_eq!(err(missing), "missing `sub_id` (or `subscription_id`)");
    let mut both = full.clone();
    both["tenant_id"] = json!("other");
    assert!(err(both).contains("`directory_id` and `tenant_id`"));
    let mut unknown = full.clone();
    unknown["sub"] = json!("x");
    assert!(err(unknown).starts_with("unknown setting(s) sub;"));
    let mut clear = full.clone();
    clear["endpoint"] = json!("http://management.example.net");
    assert!(
        err(clear).contains("https://"),
        "a token must not travel in clear text"
    );
    let mut lo = full.clone();
    lo["endpoint"] = json!("http://127.0.0.1:8080");
    assert!(Settings::from_config(&config(lo)).is_ok());
    let mut empty = full.clone();
    empty["key"] = json!("");
    assert!(err(empty).contains("`key` is empty"));
    let mut conc = full;
    conc["write_concurrency"] = json!(0);
    assert!(err(conc).contains("write_concurrency"));
}

#[test]
fn loopback_detection() {
    for u in [
        "http://127.0.0.1:1/x",
        "http://localhost:80",
        "http://[::1]:9/",
        "http://127.0.0.2",
    ] {
        assert!(crate::provider::loopback(u), "{u}");
    }
    for u in [
        "http://127.0.0.1.example.net/",
        "http://10.0.0.1/",
        "http://user@evil.example/",
    ] {
        assert!(!crate::provider::loopback(u), "{u}");
    }
}

// ---------------------------------------------------------------------------------------
// Tokens

#[tokio::test]
async fn a_client_secret_token_is_requested_once_and_sent_as_bearer() {
    let server = MockServer::start().await;
    token_endpoint(&server).await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/example.test")))
        .and(query_param("api-version", "2018-05-01"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(zone_json()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/example.test/recordsets")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .mount(&server)
        .await;
    let p = provider(&server);
    p.read("example.test.").await.unwrap().unwrap();
    p.read("example.test.").await.unwrap().unwrap();
    let reqs = server.received_requests().await.unwrap();
    let tokens: Vec<&Request> = reqs
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .collect();
    assert_eq!(tokens.len(), 1, "the token is cached");
    let form = String::from_utf8_lossy(&tokens[0].body).to_string();
    for part in [
        "grant_type=client_credentials",
        "client_id=client-1",
        &format!("client_secret={SECRET}"),
        "scope=https%3A%2F%2Fmanagement.azure.com%2F.default",
    ] {
        assert!(form.split('&').any(|f| f == part), "{part} in {form}");
    }
}

#[tokio::test]
async fn a_busy_token_endpoint_is_retried_like_any_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/tenant-1/oauth2/v2.0/token"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    token_endpoint(&server).await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/example.test")))
        .respond_with(arm_error(404, "ResourceNotFound"))
        .mount(&server)
        .await;
    let p = provider(&server);
    assert!(p.read("example.test.").await.unwrap().is_none());
    let posts = seen(&server)
        .await
        .iter()
        .filter(|r| r.contains("oauth2"))
        .count();
    assert_eq!(posts, 2, "the 503, then the token");
}

#[tokio::test]
async fn a_refused_secret_is_named_by_its_aadsts_code_never_shown() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/tenant-1/oauth2/v2.0/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "error_description": format!("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value {SECRET}.\r\nTrace ID: 1"),
            "error_codes": [7000215],
        })))
        .mount(&server)
        .await;
    let e = provider(&server)
        .read("example.test.")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("HTTP 401 invalid_client: AADSTS7000215: Invalid client secret provided."),
        "{e}"
    );
    assert!(e.contains("client-1") && e.contains("tenant-1"), "{e}");
    assert!(!e.contains(SECRET), "{e}");
}

#[tokio::test]
async fn github_oidc_token_is_exchanged_as_a_client_assertion() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/oidc"))
        .and(query_param("api-version", "2.0"))
        .and(query_param("audience", "api://AzureADTokenExchange"))
        .and(header("authorization", "Bearer gh-request-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": "eyJ.gh.jwt"})))
        .mount(&server)
        .await;
    token_endpoint(&server).await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/example.test")))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"error": {
            "code": "ResourceNotFound", "message": "not found"}})))
        .mount(&server)
        .await;
    let mut s = base_settings(&server);
    s.as_object_mut().unwrap().remove("key");
    let mut s = Settings::from_config(&config(s)).unwrap();
    s.federated = auth::Federated {
        token_file: None,
        github: Some((
            format!("{}/oidc?api-version=2.0", server.uri()),
            "gh-request-token".into(),
        )),
    };
    let p = AzureProvider::with_settings("azure", s).unwrap();
    assert!(p.read("example.test.").await.unwrap().is_none());
    let reqs = server.received_requests().await.unwrap();
    let form = reqs
        .iter()
        .find(|r| r.method.as_str() == "POST")
        .map(|r| String::from_utf8_lossy(&r.body).to_string())
        .unwrap();
    assert!(
        form.contains(
            "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
        ),
        "{form}"
    );
    assert!(form.contains("client_assertion=eyJ.gh.jwt"), "{form}");
    assert!(!form.contains("client_secret"), "{form}");
}

#[tokio::test]
async fn no_credentials_at_all_is_a_clear_error() {
    let server = MockServer::start().await;
    let mut s = base_settings(&server);
    s.as_object_mut().unwrap().remove("key");
    let mut s = Settings::from_config(&config(s)).unwrap();
    s.federated = auth::Federated::default();
    let p = AzureProvider::with_settings("azure", s).unwrap();
    let e = p.read("example.test.").await.unwrap_err().to_string();
    assert!(
        e.contains("no credentials") && e.contains("id-token: write"),
        "{e}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_expired_token_is_replaced_once() {
    let server = MockServer::start().await;
    token_endpoint(&server).await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/example.test")))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": {
            "code": "ExpiredAuthenticationToken", "message": "The access token expiry UTC time is earlier than current UTC time."}})))
        .mount(&server)
        .await;
    let e = provider(&server)
        .read("example.test.")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("HTTP 401") && e.contains("ExpiredAuthenticationToken"),
        "{e}"
    );
    let tokens = seen(&server)
        .await
        .iter()
        .filter(|r| r.starts_with("POST"))
        .count();
    assert_eq!(tokens, 2, "one new token, then the error");
}

// ---------------------------------------------------------------------------------------
// Reading

#[tokio::test]
async fn a_missing_zone_is_none_but_a_missing_resource_group_is_an_error() {
    let server = MockServer::start().await;
    token_endpoint(&server).await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/missing.test")))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"error": {
            "code": "ResourceNotFound",
            "message": "The Resource 'Microsoft.Network/dnszones/missing.test' under resource group 'dns-rg' was not found."}})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/norg.test")))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"error": {
            "code": "ResourceGroupNotFound", "message": "Resource group 'dns-rg' could not be found."}})))
        .mount(&server)
        .await;
    let p = provider(&server);
    assert!(p.read("missing.test.").await.unwrap().is_none());
    let e = p.read("norg.test.").await.unwrap_err().to_string();
    assert!(
        e.starts_with("provider azure, zone norg.test.: HTTP 404:")
            && e.contains("ResourceGroupNotFound: Resource group 'dns-rg' could not be found."),
        "{e}"
    );
}

#[tokio::test]
async fn every_page_is_read_and_record_sets_carry_their_etags() {
    let server = MockServer::start().await;
    token_endpoint(&server).await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/example.test")))
        .respond_with(ResponseTemplate::new(200).set_body_json(zone_json()))
        .mount(&server)
        .await;
    let next = format!(
        "{}{BASE}/example.test/recordsets?api-version=2018-05-01&$skipToken=page2",
        server.uri()
    );
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/example.test/recordsets")))
        .and(query_param("$skipToken", "page2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [
            rs("www", "A", "e-www", json!({"TTL": 60, "ARecords": [{"ipv4Address": "192.0.2.1"}]})),
        ]})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/example.test/recordsets")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [
            rs("@", "SOA", "e-soa", json!({"TTL": 3600, "SOARecord": {"host": "ns1-01.azure-dns.com.", "email": "azuredns-hostmaster.microsoft.com", "serialNumber": 1}})),
            rs("@", "NS", "e-ns", json!({"TTL": 172800, "NSRecords": [{"nsdname": "ns1-01.azure-dns.com."}, {"nsdname": "ns2-01.azure-dns.net."}]})),
        ], "nextLink": next})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let p = provider(&server);
    let z = p.read("example.test.").await.unwrap().unwrap();
    let names: Vec<String> = z
        .iter()
        .map(|r| format!("{} {}", r.name, r.rtype.as_str()))
        .collect();
    assert_eq!(names, [" NS", "www A"], "SOA left out, both pages read");
    let www = z.get("www", &RecordType::A).unwrap();
    assert_eq!(
        www.provider_data.as_deref(),
        Some(&json!({"etag": "e-www"}))
    );
    assert_eq!(
        p.azure_name_servers("example.test."),
        Some(vec![
            "ns1-01.azure-dns.com.".to_string(),
            "ns2-01.azure-dns.net.".to_string()
        ])
    );
}

#[tokio::test]
async fn a_next_link_elsewhere_or_in_a_loop_is_refused() {
    let server = MockServer::start().await;
    token_endpoint(&server).await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/away.test")))
        .respond_with(ResponseTemplate::new(200).set_body_json(zone_json()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/loop.test")))
        .respond_with(ResponseTemplate::new(200).set_body_json(zone_json()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/away.test/recordsets")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [],
            "nextLink": "https://attacker.example/steal?api-version=2018-05-01"})))
        .mount(&server)
        .await;
    let again = format!(
        "{}{BASE}/loop.test/recordsets?api-version=2018-05-01&$skipToken=x",
        server.uri()
    );
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/loop.test/recordsets")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"value": [], "nextLink": again})),
        )
        .mount(&server)
        .await;
    let p = provider(&server);
    let e = p.read("away.test.").await.unwrap_err().to_string();
    assert!(e.contains("refusing to send the token there"), "{e}");
    let e = p.read("loop.test.").await.unwrap_err().to_string();
    assert!(e.contains("repeats an earlier page"), "{e}");
}

// ---------------------------------------------------------------------------------------
// Writing

/// Accepts every write; answers the zone PUT with its name servers.
async fn accept_writes(server: &MockServer) {
    Mock::given(method("PUT"))
        .and(path(format!("{BASE}/example.test")))
        .respond_with(ResponseTemplate::new(201).set_body_json(zone_json()))
        .mount(server)
        .await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(200))
        .mount(server)
        .await;
}

#[tokio::test]
async fn writes_carry_preconditions_deletes_go_first_and_the_apex_ns_keeps_azures_servers() {
    let server = MockServer::start().await;
    token_endpoint(&server).await;
    accept_writes(&server).await;
    let p = provider_with(&server, json!({"write_concurrency": 1}));
    let ns = RecordSet::new(
        "",
        RecordType::Ns,
        3600,
        vec![Value::Target("ns.example.net.".into())],
    );
    let plan = plan(
        false,
        vec![
            change(Op::Create, None, Some(ns)),
            change(Op::Create, None, Some(a("new", 60, &["192.0.2.9"]))),
            change(
                Op::Update,
                Some(with_etag(a("www", 60, &["192.0.2.1"]), "e-www")),
                Some(a("www", 300, &["192.0.2.2"])),
            ),
            change(
                Op::Delete,
                Some(with_etag(a("old", 60, &["192.0.2.3"]), "e-old")),
                None,
            ),
        ],
    );
    let done = p.apply_plan(&plan).await.unwrap();
    assert_eq!(done.applied, 4);
    let writes: Vec<String> = seen(&server)
        .await
        .into_iter()
        .filter(|r| !r.starts_with("POST"))
        .collect();
    assert_eq!(
        writes,
        [
            format!("PUT {BASE}/example.test if-none-match=*"),
            format!("DELETE {BASE}/example.test/A/old if-match=e-old"),
            format!("PUT {BASE}/example.test/NS/%40"),
            format!("PUT {BASE}/example.test/A/new if-none-match=*"),
            format!("PUT {BASE}/example.test/A/www if-match=e-www"),
        ]
    );
    let reqs = server.received_requests().await.unwrap();
    let body = |p: &str| -> J {
        let r = reqs.iter().find(|r| r.url.path() == p).unwrap();
        serde_json::from_slice(&r.body).unwrap()
    };
    assert_eq!(
        body(&format!("{BASE}/example.test/NS/%40")),
        json!({"properties": {"TTL": 3600, "NSRecords": [
            {"nsdname": "ns.example.net."},
            {"nsdname": "ns1-01.azure-dns.com."},
            {"nsdname": "ns2-01.azure-dns.net."},
        ]}}),
        "Azure's name servers are added to a new zone's apex NS"
    );
    assert_eq!(
        body(&format!("{BASE}/example.test/A/www")),
        json!({"properties": {"TTL": 300, "ARecords": [{"ipv4Address": "192.0.2.2"}]}})
    );
}

#[tokio::test]
async fn a_record_changed_since_the_plan_is_refused_and_reported() {
    let server = MockServer::start().await;
    token_endpoint(&server).await;
    Mock::given(method("PUT"))
        .and(path(format!("{BASE}/example.test/A/www")))
        // the record-set API's bare error shape (ARM's wrapped one is in the test below)
        .respond_with(ResponseTemplate::new(412).set_body_json(json!({
            "code": "PreconditionFailed",
            "message": "The condition 'e-www' in the If-Match header was not satisfied. The current was 'e-new'."})))
        .mount(&server)
        .await;
    let p = provider(&server);
    let plan = plan(
        true,
        vec![change(
            Op::Update,
            Some(with_etag(a("www", 60, &["192.0.2.1"]), "e-www")),
            Some(a("www", 60, &["192.0.2.2"])),
        )],
    );
    let e = p.apply_plan(&plan).await.unwrap_err().to_string();
    assert!(
        e.contains("failed:      update www A: HTTP 412 PreconditionFailed: it changed on Azure since the plan was computed"),
        "{e}"
    );
    assert!(e.contains("nothing was overwritten"), "{e}");
    assert!(e.contains("0 of 1 change applied"), "{e}");
}

#[tokio::test]
async fn a_failure_part_way_names_what_landed_and_what_did_not() {
    let server = MockServer::start().await;
    token_endpoint(&server).await;
    Mock::given(method("PUT"))
        .and(path(format!("{BASE}/example.test/A/b")))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "code": "BadRequest", "message": "The record set is invalid."}})))
        .mount(&server)
        .await;
    accept_writes(&server).await;
    let p = provider_with(&server, json!({"write_concurrency": 1}));
    let plan = plan(
        true,
        vec![
            change(
                Op::Delete,
                Some(with_etag(a("gone", 60, &["192.0.2.3"]), "e")),
                None,
            ),
            change(Op::Create, None, Some(a("a", 60, &["192.0.2.1"]))),
            change(Op::Create, None, Some(a("b", 60, &["192.0.2.2"]))),
            change(Op::Create, None, Some(a("c", 60, &["192.0.2.4"]))),
        ],
    );
    let e = p.apply_plan(&plan).await.unwrap_err().to_string();
    assert_eq!(
        e,
        "provider azure, zone example.test.: 2 of 4 changes applied before the apply stopped\n  \
         failed:      create b A: HTTP 400: BadRequest: The record set is invalid.\n  \
         applied:     delete gone A\n  \
         applied:     create a A\n  \
         not applied: create c A\n  \
         the zone is partly changed: fix the cause and apply again (the next plan shows exactly \
         what is left)"
    );
}

/// An ARM error answer.
fn arm_error(status: u16, code: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"error": {"code": code, "message": "x"}}))
}

/// 429 TooManyRequests with this `Retry-After`.
fn throttled(retry_after: &str) -> ResponseTemplate {
    arm_error(429, "TooManyRequests").insert_header("Retry-After", retry_after)
}

#[tokio::test]
async fn throttling_waits_for_retry_after_then_gives_up_after_the_status_retries() {
    let server = MockServer::start().await;
    token_endpoint(&server).await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/example.test")))
        .respond_with(Answers::new(vec![
            throttled("0"),
            throttled("0"),
            arm_error(404, "ResourceNotFound"),
        ]))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/always.test")))
        .respond_with(Answers::new(vec![throttled("0")]))
        .mount(&server)
        .await;
    let p = provider(&server);
    assert!(p.read("example.test.").await.unwrap().is_none());
    let e = p.read("always.test.").await.unwrap_err().to_string();
    assert!(
        e.contains("HTTP 429") && e.contains("TooManyRequests"),
        "{e}"
    );
    let always = seen(&server)
        .await
        .iter()
        .filter(|r| r.contains("always.test"))
        .count();
    assert_eq!(
        always, 4,
        "the first try and client_status_retries (3) retries"
    );
}

#[tokio::test]
async fn a_hostile_retry_after_is_capped_not_a_panic() {
    let server = MockServer::start().await;
    token_endpoint(&server).await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/example.test")))
        .respond_with(Answers::new(vec![
            throttled("1e300"),
            arm_error(404, "ResourceNotFound"),
        ]))
        .mount(&server)
        .await;
    let mut s = provider(&server).settings.clone();
    s.max_retry_after = Duration::from_millis(10);
    let p = AzureProvider::with_settings("azure", s).unwrap();
    assert!(p.read("example.test.").await.unwrap().is_none());
}

#[tokio::test]
async fn a_retried_create_that_already_landed_is_not_an_error() {
    let server = MockServer::start().await;
    token_endpoint(&server).await;
    Mock::given(method("PUT"))
        .and(path(format!("{BASE}/example.test/A/www")))
        // a 500 whose write did land, then 412 on the retry
        .respond_with(Answers::new(vec![
            arm_error(500, "InternalServerError"),
            arm_error(412, "PreconditionFailed"),
        ]))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/example.test/A/www")))
        .respond_with(ResponseTemplate::new(200).set_body_json(rs(
            "www",
            "A",
            "e-1",
            json!({"TTL": 60, "ARecords": [{"ipv4Address": "192.0.2.1"}], "fqdn": "www.example.test."}),
        )))
        .mount(&server)
        .await;
    let p = provider(&server);
    let plan = plan(
        true,
        vec![change(Op::Create, None, Some(a("www", 60, &["192.0.2.1"])))],
    );
    assert_eq!(p.apply_plan(&plan).await.unwrap().applied, 1);
}

// ---------------------------------------------------------------------------------------
// Desired state

#[tokio::test]
async fn the_apex_ns_needs_azures_name_servers_and_record_sets_hold_at_most_20() {
    let server = MockServer::start().await;
    let p = provider(&server);
    p.remember_name_servers("example.test.", &zone_json());
    let mut desired = Zone::new("example.test.");
    desired.insert(RecordSet::new(
        "",
        RecordType::Ns,
        3600,
        vec![Value::Target("ns.example.net.".into())],
    ));
    let mut warnings = Vec::new();
    let errs = p.process(desired.clone(), true, &mut warnings).unwrap_err();
    assert!(
        errs[0]
            .message
            .starts_with("required azure-dns.* root NS values missing from example.test."),
        "{}",
        errs[0].message
    );
    let fixed = p.process(desired, false, &mut warnings).unwrap();
    assert_eq!(
        fixed.get("", &RecordType::Ns).unwrap().rdata(),
        [
            "ns.example.net.",
            "ns1-01.azure-dns.com.",
            "ns2-01.azure-dns.net."
        ]
    );
    assert_eq!(
        warnings,
        ["required azure-dns.* root NS values missing from example.test.; adding them"]
    );

    let mut big = Zone::new("example.test.");
    let ips: Vec<String> = (1..=21).map(|i| format!("192.0.2.{i}")).collect();
    let ips: Vec<&str> = ips.iter().map(String::as_str).collect();
    big.insert(a("many", 60, &ips));
    let errs = p.process(big, false, &mut Vec::new()).unwrap_err();
    assert_eq!(
        errs[0].message,
        "many.example.test. A has 21 values; Azure DNS holds at most 20 records in a record set"
    );
}

#[tokio::test]
async fn hostile_zone_names_are_refused_before_any_request() {
    let server = MockServer::start().await;
    let p = provider(&server);
    crate::provider::assert_refuses_hostile_zones(&p).await;
    assert!(seen(&server).await.is_empty());
}

#[tokio::test]
async fn record_names_with_empty_labels_never_become_url_segments() {
    let server = MockServer::start().await;
    let p = provider(&server);
    for name in ["..", ".", "a..b", "www."] {
        let pl = plan(
            true,
            vec![
                change(Op::Create, None, Some(a("ok", 60, &["192.0.2.1"]))),
                change(Op::Create, None, Some(a(name, 60, &["192.0.2.2"]))),
            ],
        );
        let e = p.apply(&pl).await.unwrap_err().to_string();
        assert!(e.contains("empty label"), "{name:?}: {e}");
    }
    assert!(seen(&server).await.is_empty());
}
