//! Settings, and what the emulator cannot show: throttling retried, a failed batch reported,
//! a server that repeats a page token. Against a small HTTP stand-in that answers with Route
//! 53's XML shapes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;
use wiremock::matchers::{method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::*;
use crate::config::Common;
use crate::model::Value;
use crate::yaml::Pos;

const NS: &str = "xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"";

fn config(settings: J) -> ProviderConfig {
    ProviderConfig {
        id: "r53".into(),
        class: "octodns_route53.Route53Provider".into(),
        files: None,
        common: Common::default(),
        settings: crate::yaml::de::node_from_json(&settings),
        secret_keys: ["secret_access_key".to_string()].into(),
        missing_env: false,
        pos: Pos::none(),
    }
}

fn provider(server: &MockServer, extra: J) -> Route53Provider {
    let mut settings = json!({"access_key_id": "AKIDTEST", "secret_access_key": "s3cr3t-value"});
    for (k, v) in extra.as_object().unwrap() {
        settings[k] = v.clone();
    }
    let mut s = Settings::from_config(&config(settings)).unwrap();
    s.endpoint_url = Some(server.uri());
    s.initial_backoff = Duration::from_millis(5);
    Route53Provider::with_settings("r53", s)
}

fn xml(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(
        format!("<?xml version=\"1.0\"?>\n{body}").into_bytes(),
        "text/xml",
    )
}

fn error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(
        format!(
            "<?xml version=\"1.0\"?>\n<ErrorResponse {NS}><Error><Type>Sender</Type><Code>{code}</Code>\
             <Message>{message}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>"
        )
        .into_bytes(),
        "text/xml",
    )
}

fn zones_xml() -> String {
    format!(
        "<ListHostedZonesResponse {NS}><HostedZones><HostedZone><Id>/hostedzone/Z1</Id>\
         <Name>example.com.</Name><CallerReference>r</CallerReference><Config><PrivateZone>false\
         </PrivateZone></Config><ResourceRecordSetCount>2</ResourceRecordSetCount></HostedZone>\
         </HostedZones><IsTruncated>false</IsTruncated><MaxItems>100</MaxItems>\
         </ListHostedZonesResponse>"
    )
}

fn rrset_xml(name: &str, t: &str, values: &[&str]) -> String {
    let rr: String = values
        .iter()
        .map(|v| format!("<ResourceRecord><Value>{v}</Value></ResourceRecord>"))
        .collect();
    format!(
        "<ResourceRecordSet><Name>{name}</Name><Type>{t}</Type><TTL>300</TTL>\
         <ResourceRecords>{rr}</ResourceRecords></ResourceRecordSet>"
    )
}

fn rrsets_xml(sets: &[String], next: Option<(&str, &str, Option<&str>)>) -> String {
    let tail = match next {
        None => "<IsTruncated>false</IsTruncated>".to_string(),
        Some((n, t, id)) => format!(
            "<IsTruncated>true</IsTruncated><NextRecordName>{n}</NextRecordName>\
             <NextRecordType>{t}</NextRecordType>{}",
            id.map(|i| format!("<NextRecordIdentifier>{i}</NextRecordIdentifier>"))
                .unwrap_or_default()
        ),
    };
    format!(
        "<ListResourceRecordSetsResponse {NS}><ResourceRecordSets>{}</ResourceRecordSets>{tail}\
         <MaxItems>300</MaxItems></ListResourceRecordSetsResponse>",
        sets.concat()
    )
}

/// The hosted zone list (one zone, Z1) and an empty health check list.
async fn mount_account(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/2013-04-01/hostedzone"))
        .respond_with(xml(zones_xml()))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2013-04-01/healthcheck"))
        .respond_with(xml(format!(
            "<ListHealthChecksResponse {NS}><HealthChecks></HealthChecks><Marker></Marker>\
             <IsTruncated>false</IsTruncated><MaxItems>100</MaxItems></ListHealthChecksResponse>"
        )))
        .mount(server)
        .await;
}

fn change_ok() -> ResponseTemplate {
    xml(format!(
        "<ChangeResourceRecordSetsResponse {NS}><ChangeInfo><Id>/change/C1</Id><Status>PENDING\
         </Status><SubmittedAt>2026-01-01T00:00:00Z</SubmittedAt></ChangeInfo>\
         </ChangeResourceRecordSetsResponse>"
    ))
}

/// Answers with the given responses in turn, then repeats the last one.
struct Sequence {
    responses: Vec<ResponseTemplate>,
    n: Arc<AtomicUsize>,
}

impl Respond for Sequence {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let i = self.n.fetch_add(1, Ordering::SeqCst);
        self.responses[i.min(self.responses.len() - 1)].clone()
    }
}

fn sequence(responses: Vec<ResponseTemplate>) -> (Sequence, Arc<AtomicUsize>) {
    let n = Arc::new(AtomicUsize::new(0));
    (
        Sequence {
            responses,
            n: n.clone(),
        },
        n,
    )
}

#[test]
fn settings_are_octodns_routes53s() {
    let s = Settings::from_config(&config(json!({
        "access_key_id": "AKID", "secret_access_key": "very-secret", "session_token": "tok-secret",
        "max_changes": 500, "client_max_attempts": 8, "get_zones_by_name": true,
        "delegation_set_id": "N123",
    })))
    .unwrap();
    assert_eq!((s.max_changes, s.client_max_attempts), (500, 8));
    assert!(s.get_zones_by_name);
    let shown = format!("{s:?}");
    assert!(
        !shown.contains("very-secret") && !shown.contains("tok-secret"),
        "{shown}"
    );
    let err = |v: J| Settings::from_config(&config(v)).unwrap_err().to_string();
    assert!(
        err(json!({"acess_key_id": "x"}))
            .starts_with("unknown setting(s) acess_key_id; known: access_key_id")
    );
    assert!(err(json!({"access_key_id": "x"})).contains("go together"));
    assert_eq!(
        err(json!({"vpc_id": "vpc-1"})),
        "vpc_region is required when vpc_id is specified"
    );
    assert!(
        err(json!({"vpc_id": "vpc-1", "vpc_region": "eu-west-1", "private": false}))
            .contains("always private")
    );
    assert!(err(json!({"private": true, "delegation_set_id": "N1"})).contains("delegation sets"));
    assert!(err(json!({"vpc_multi_action": "shrug"})).contains("'error', 'warn', or 'ignore'"));
    assert!(
        err(json!({"max_changes": 5000}))
            .contains("`max_changes` must be a whole number from 1 to 1000")
    );
    let vpc = Settings::from_config(&config(
        json!({"vpc_id": "vpc-1", "vpc_region": "eu-west-1"}),
    ))
    .unwrap();
    assert_eq!(vpc.private, Some(true));
}

#[tokio::test]
async fn throttling_is_retried_with_backoff() {
    let server = MockServer::start().await;
    let (seq, calls) = sequence(vec![
        error(400, "Throttling", "Rate exceeded"),
        error(
            400,
            "PriorRequestNotComplete",
            "The request was rejected because Route 53 was still processing a prior request.",
        ),
        xml(zones_xml()),
    ]);
    Mock::given(method("GET"))
        .and(path("/2013-04-01/hostedzone"))
        .respond_with(seq)
        .mount(&server)
        .await;
    let p = provider(&server, json!({}));
    let zones = p.list_zones().await.unwrap();
    assert_eq!(zones, vec!["example.com.".to_string()]);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "two throttled tries, then success"
    );
}

#[tokio::test]
async fn throttling_gives_up_after_client_max_attempts() {
    let server = MockServer::start().await;
    let (seq, calls) = sequence(vec![error(400, "Throttling", "Rate exceeded")]);
    Mock::given(method("GET"))
        .and(path("/2013-04-01/hostedzone"))
        .respond_with(seq)
        .mount(&server)
        .await;
    let p = provider(&server, json!({"client_max_attempts": 2}));
    let err = p.list_zones().await.unwrap_err();
    // the SDK's error is the typed cause: throttling, worth trying later, status kept
    assert!(matches!(&err, ProviderError::Sdk { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(err.status(), Some(400));
    assert!(std::error::Error::source(&err).is_some());
    let e = err.to_string();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert!(e.contains("Throttling: Rate exceeded"), "{e}");
    assert!(!e.contains("s3cr3t-value"), "{e}");
}

#[tokio::test]
async fn pagination_follows_set_identifiers_and_refuses_to_loop() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/2013-04-01/hostedzone"))
        .respond_with(xml(zones_xml()))
        .mount(&server)
        .await;
    let page2 = rrsets_xml(&[rrset_xml("b.example.com.", "A", &["192.0.2.2"])], None);
    Mock::given(method("GET"))
        .and(path("/2013-04-01/hostedzone/Z1/rrset"))
        .and(query_param("identifier", "w-2"))
        .respond_with(xml(page2))
        .mount(&server)
        .await;
    let page1 = rrsets_xml(
        &[rrset_xml("a.example.com.", "A", &["192.0.2.1"])],
        Some(("b.example.com.", "A", Some("w-2"))),
    );
    Mock::given(method("GET"))
        .and(path("/2013-04-01/hostedzone/Z1/rrset"))
        .respond_with(xml(page1))
        .mount(&server)
        .await;
    let p = provider(&server, json!({}));
    let z = p.existing("example.com.").await.unwrap().unwrap();
    let names: Vec<&str> = z.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, vec!["a", "b"]);

    // a server that sends the same token again (moto without NextRecordIdentifier)
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/2013-04-01/hostedzone"))
        .respond_with(xml(zones_xml()))
        .mount(&server)
        .await;
    let looping = rrsets_xml(
        &[rrset_xml("a.example.com.", "A", &["192.0.2.1"])],
        Some(("w.example.com.", "A", None)),
    );
    Mock::given(method("GET"))
        .and(path("/2013-04-01/hostedzone/Z1/rrset"))
        .respond_with(xml(looping))
        .expect(2)
        .mount(&server)
        .await;
    let p = provider(&server, json!({}));
    let e = p.existing("example.com.").await.unwrap_err().to_string();
    assert!(
        e.contains("sent the page token w.example.com. A twice"),
        "{e}"
    );
}

#[tokio::test]
async fn listings_use_the_sdk_paginators_and_stop_at_the_page_cap() {
    // ListHostedZones through its paginator: the second page by its marker
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/2013-04-01/hostedzone"))
        .and(query_param("marker", "m2"))
        .respond_with(xml(format!(
            "<ListHostedZonesResponse {NS}><HostedZones><HostedZone><Id>/hostedzone/Z2</Id>\
             <Name>other.com.</Name><CallerReference>r</CallerReference></HostedZone>\
             </HostedZones><Marker>m2</Marker><IsTruncated>false</IsTruncated>\
             <MaxItems>1</MaxItems></ListHostedZonesResponse>"
        )))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2013-04-01/hostedzone"))
        .respond_with(xml(format!(
            "<ListHostedZonesResponse {NS}><HostedZones><HostedZone><Id>/hostedzone/Z1</Id>\
             <Name>example.com.</Name><CallerReference>r</CallerReference></HostedZone>\
             </HostedZones><IsTruncated>true</IsTruncated><NextMarker>m2</NextMarker>\
             <MaxItems>1</MaxItems></ListHostedZonesResponse>"
        )))
        .mount(&server)
        .await;
    // an rrset listing that never ends: a new NextRecordName on every page
    let n = Arc::new(AtomicUsize::new(0));
    let count = n.clone();
    Mock::given(method("GET"))
        .and(path("/2013-04-01/hostedzone/Z1/rrset"))
        .respond_with(move |_: &Request| {
            let i = count.fetch_add(1, Ordering::SeqCst);
            let next = format!("n{i}.example.com.");
            xml(rrsets_xml(
                &[rrset_xml(
                    &format!("r{i}.example.com."),
                    "A",
                    &["192.0.2.1"],
                )],
                Some((next.as_str(), "A", None)),
            ))
        })
        .mount(&server)
        .await;
    let mut p = provider(&server, json!({}));
    p.max_pages = 3;
    assert_eq!(
        p.list_zones().await.unwrap(),
        ["example.com.", "other.com."]
    );
    let e = p.existing("example.com.").await.unwrap_err();
    assert!(
        e.to_string()
            .contains("ListResourceRecordSets: more than 3 pages: stopping"),
        "{e}"
    );
    assert!(matches!(&e, ProviderError::Http { .. }), "{e:?}");
    assert_eq!(n.load(Ordering::SeqCst), 3, "three pages read, no more");
}

#[tokio::test]
async fn every_request_takes_a_token_from_the_account_s_bucket() {
    let server = MockServer::start().await;
    mount_account(&server).await;
    Mock::given(method("GET"))
        .and(path("/2013-04-01/hostedzone/Z1/rrset"))
        .respond_with(xml(rrsets_xml(
            &[rrset_xml("a.example.com.", "A", &["192.0.2.1"])],
            None,
        )))
        .mount(&server)
        .await;
    // one provider per account: the same credentials share the 5/s bucket
    let a = provider(&server, json!({}));
    let b = provider(&server, json!({}));
    let other = provider(&server, json!({"access_key_id": "AKIDOTHER"}));
    assert!(Arc::ptr_eq(&a.bucket, &b.bucket));
    assert!(!Arc::ptr_eq(&a.bucket, &other.bucket));
    assert_eq!(a.bucket.rate(), crate::http::Rate::ROUTE53);
    // a slow bucket: one request per 100 ms; four requests (the zone list, three rrset
    // listings) take at least 300 ms
    let mut p = provider(&server, json!({}));
    p.bucket = Arc::new(crate::http::Bucket::new(crate::http::Rate {
        requests: 1,
        per: Duration::from_millis(100),
        burst: 1,
    }));
    let start = std::time::Instant::now();
    for _ in 0..3 {
        p.existing("example.com.").await.unwrap().unwrap();
    }
    assert!(
        start.elapsed() >= Duration::from_millis(300),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

fn record(name: &str, ip: &str) -> RecordSet {
    RecordSet::new(name, RecordType::A, 300, vec![Value::Ip(ip.into())])
}

#[tokio::test]
async fn a_failed_batch_says_what_was_and_was_not_applied() {
    let server = MockServer::start().await;
    mount_account(&server).await;
    Mock::given(method("GET"))
        .and(path("/2013-04-01/hostedzone/Z1/rrset"))
        .respond_with(xml(rrsets_xml(
            &[rrset_xml("example.com.", "NS", &["ns1.example.net."])],
            None,
        )))
        .mount(&server)
        .await;
    let (seq, calls) = sequence(vec![
        change_ok(),
        error(
            400,
            "InvalidChangeBatch",
            "[RRSet of type A with DNS name c.example.com. is not permitted]",
        ),
    ]);
    Mock::given(method("POST"))
        .and(path_regex("^/2013-04-01/hostedzone/Z1/rrset/?$"))
        .respond_with(seq)
        .mount(&server)
        .await;
    let p = provider(&server, json!({"max_changes": 2}));
    let existing = p.existing("example.com.").await.unwrap();
    let mut desired = Zone::new("example.com.");
    for (n, ip) in [("a", "192.0.2.1"), ("b", "192.0.2.2"), ("c", "192.0.2.3")] {
        desired.insert(record(n, ip));
    }
    let plan = crate::plan::diff(existing.as_ref(), &desired, "r53", p.capabilities());
    assert_eq!(plan.changes.len(), 3);
    let e = p.apply(&plan).await.unwrap_err().to_string();
    assert_eq!(calls.load(Ordering::SeqCst), 2, "{e}");
    assert!(
        e.contains("change batch 2 of 2 was rejected: InvalidChangeBatch"),
        "{e}"
    );
    assert!(
        e.contains("applied (batches 1-1):\n  1: CREATE a.example.com. A; CREATE b.example.com. A"),
        "{e}"
    );
    assert!(
        e.contains("not applied (batches 2-2):\n  2: CREATE c.example.com. A"),
        "{e}"
    );
    // what was sent: the batch body names the rrsets
    let bodies: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    assert!(
        bodies[0].contains("<Name>a.example.com.</Name>")
            && bodies[0].contains("<Action>CREATE</Action>")
    );
    assert!(bodies[1].contains("<Name>c.example.com.</Name>"));
}

#[tokio::test]
async fn nothing_is_sent_when_route53_would_reject_it() {
    let server = MockServer::start().await;
    mount_account(&server).await;
    // the zone changed since the plan: `a` exists now, with other data beside a CNAME
    Mock::given(method("GET"))
        .and(path("/2013-04-01/hostedzone/Z1/rrset"))
        .respond_with(xml(rrsets_xml(
            &[
                rrset_xml("a.example.com.", "A", &["192.0.2.9"]),
                rrset_xml("x.example.com.", "TXT", &["\"t\""]),
            ],
            None,
        )))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(change_ok())
        .expect(0)
        .mount(&server)
        .await;
    let p = provider(&server, json!({}));
    let mut desired = Zone::new("example.com.");
    desired.insert(record("a", "192.0.2.1"));
    desired.insert(RecordSet::new(
        "x",
        RecordType::Cname,
        300,
        vec![Value::Target("y.example.com.".into())],
    ));
    // planned against an empty zone
    let plan = crate::plan::diff(
        Some(&Zone::new("example.com.")),
        &desired,
        "r53",
        p.capabilities(),
    );
    let e = p.apply(&plan).await.unwrap_err().to_string();
    assert!(
        e.contains("would be rejected by Route 53, so nothing was sent"),
        "{e}"
    );
    assert!(
        e.contains("x.example.com.: a CNAME cannot exist beside other data (TXT)"),
        "{e}"
    );
}

#[tokio::test]
async fn routing_policies_dnsplan_does_not_manage_are_left_alone() {
    let server = MockServer::start().await;
    mount_account(&server).await;
    let weighted = |id: &str, ip: &str| {
        format!(
            "<ResourceRecordSet><Name>w.example.com.</Name><Type>A</Type><SetIdentifier>{id}\
             </SetIdentifier><Weight>10</Weight><TTL>60</TTL><ResourceRecords><ResourceRecord>\
             <Value>{ip}</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>"
        )
    };
    Mock::given(method("GET"))
        .and(path("/2013-04-01/hostedzone/Z1/rrset"))
        .respond_with(xml(rrsets_xml(
            &[
                weighted("blue", "192.0.2.1"),
                weighted("green", "192.0.2.2"),
            ],
            None,
        )))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(change_ok())
        .expect(0)
        .mount(&server)
        .await;
    let p = provider(&server, json!({}));
    let existing = p.existing("example.com.").await.unwrap();
    let plan = crate::plan::diff(
        existing.as_ref(),
        &Zone::new("example.com."),
        "r53",
        p.capabilities(),
    );
    assert_eq!(plan.changes.len(), 1, "the plan shows the delete");
    let e = p.apply(&plan).await.unwrap_err().to_string();
    assert!(
        e.contains("w.example.com. A: Route 53 holds rrsets with routing dnsplan does not manage there (set identifier blue, set identifier green)"),
        "{e}"
    );
}

#[tokio::test]
async fn hostile_zone_names_are_refused_before_any_request() {
    let server = MockServer::start().await;
    let p = provider(&server, json!({}));
    crate::provider::assert_refuses_hostile_zones(&p).await;
    assert!(server.received_requests().await.unwrap().is_empty());
}
