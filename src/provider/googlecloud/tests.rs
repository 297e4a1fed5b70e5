use serde_json::{Value as J, json};

use super::*;
use crate::model::{RecordSet, Value};

fn config(settings: J) -> ProviderConfig {
    ProviderConfig {
        id: "gcp".into(),
        class: "octodns_googlecloud.GoogleCloudProvider".into(),
        files: None,
        common: crate::config::Common::default(),
        settings: crate::yaml::de::node_from_json(&settings),
        secret_keys: Default::default(),
        missing_env: false,
        pos: crate::yaml::Pos::none(),
    }
}

#[test]
fn settings_are_octodns_googleclouds_with_its_defaults() {
    let s = Settings::from_config(&config(json!({}))).unwrap();
    assert_eq!(
        (s.project.as_deref(), s.batch_size, s.private),
        (None, 1000, None)
    );
    assert_eq!(s.endpoint, "https://dns.googleapis.com");
    let s = Settings::from_config(&config(json!({
        "project": "p", "credentials_file": "/k.json", "batch_size": 10, "private": false,
    })))
    .unwrap();
    assert_eq!(
        (
            s.project.as_deref(),
            s.credentials_file.as_deref(),
            s.batch_size,
            s.private
        ),
        (Some("p"), Some("/k.json"), 10, Some(false))
    );
    let err = |j: J| Settings::from_config(&config(j)).unwrap_err().to_string();
    assert!(err(json!({"batch_size": 0})).contains("from 1 to 1000"));
    assert!(err(json!({"endpoint": "http://dns.example.com"})).contains("https://"));
    assert!(err(json!({"workload_identity_provider": "pool"})).contains("projects/NUMBER"));
    assert!(err(json!({"service_account": "a@b"})).contains("workload_identity_provider"));
}

#[tokio::test]
async fn hostile_zone_names_are_refused_before_any_request() {
    let server = wiremock::MockServer::start().await;
    let s = Settings::from_config(&config(json!({
        "project": "p", "endpoint": server.uri(), "credentials_file": "/nonexistent.json",
    })))
    .unwrap();
    let p = GoogleCloudProvider::with_settings("gcp", s).unwrap();
    crate::provider::assert_refuses_hostile_zones(&p).await;
    assert!(server.received_requests().await.unwrap().is_empty());
}

fn a(name: &str, ips: &[&str]) -> RecordSet {
    RecordSet::new(
        name,
        RecordType::A,
        300,
        ips.iter().map(|i| Value::Ip(i.to_string())).collect(),
    )
}

#[test]
fn changes_are_cut_by_batch_size_and_quota() {
    let mut s = Settings::from_config(&config(json!({"project": "p"}))).unwrap();
    s.batch_size = 3;
    let p = GoogleCloudProvider::with_settings("gcp", s).unwrap();
    let creates: Vec<Change> = (0..7)
        .map(|i| Change {
            op: Op::Create,
            name: format!("h{i}"),
            rtype: RecordType::A,
            existing: None,
            desired: Some(a(&format!("h{i}"), &["192.0.2.1"])),
        })
        .collect();
    let list: Vec<(usize, &Change, Option<J>)> = creates
        .iter()
        .enumerate()
        .map(|(i, c)| (i, c, None))
        .collect();
    let sizes = |q: Quota| -> Vec<usize> {
        p.batches("example.com.", &list, q)
            .iter()
            .map(|b| b.changes.len())
            .collect()
    };
    assert_eq!(sizes(Quota::default()), [3, 3, 1]);
    let tight = Quota {
        additions: 2,
        ..Quota::default()
    };
    assert_eq!(sizes(tight), [2, 2, 2, 1]);
    // "192.0.2.1" is 9 bytes of rrdata: 20 bytes hold two
    let small = Quota {
        rrdata_bytes: 20,
        ..Quota::default()
    };
    assert_eq!(sizes(small), [2, 2, 2, 1]);
}

#[test]
fn rrsets_read_back_as_written_and_keep_what_was_read() {
    let mut r = RecordSet::new(
        "t",
        RecordType::Txt,
        300,
        vec![Value::Text(format!("v=spf1\\; {}", "x".repeat(300)))],
    );
    r.normalize();
    let j = records::rrset(&r, "example.com.");
    assert_eq!(j["name"], "t.example.com.");
    let text = j["rrdatas"][0].as_str().unwrap();
    assert!(
        text.starts_with("\"v=spf1; xxx") && text.contains("\" \""),
        "{text}"
    );
    let back = records::read("t", RecordType::Txt, &j).unwrap();
    assert_eq!(back, r);
    assert_eq!(
        records::existing_rrset(&back, "example.com.")["rrdatas"],
        j["rrdatas"]
    );
    // a bare CAA value (octodns-googlecloud writes it so), an unquoted TXT
    let caa = json!({"name": "example.com.", "type": "CAA", "ttl": 60, "rrdatas": ["0 issue letsencrypt.org"]});
    let back = records::read("", RecordType::Caa, &caa).unwrap();
    assert_eq!(back.values[0].to_rdata(), "0 issue \"letsencrypt.org\"");
    let txt = json!({"name": "t.example.com.", "type": "TXT", "ttl": 60, "rrdatas": ["a;b"]});
    assert_eq!(
        records::read("t", RecordType::Txt, &txt).unwrap().values,
        [Value::Text("a\\;b".into())]
    );
    assert_eq!(records::model_type("SOA"), None);
}
