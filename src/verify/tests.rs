use super::*;
use crate::model::{Dynamic, Pool, PoolValue, RecordSet, Status};

fn zone() -> Zone {
    let mut z = Zone::new("example.com.");
    z.insert(RecordSet::new(
        "",
        RecordType::Ns,
        3600,
        vec![Value::Target("ns1.example.com.".into())],
    ));
    z.insert(RecordSet::new(
        "ns1",
        RecordType::A,
        3600,
        vec![Value::Ip("192.0.2.53".into())],
    ));
    z.insert(RecordSet::new(
        "*.w",
        RecordType::A,
        60,
        vec![Value::Ip("192.0.2.9".into())],
    ));
    z.insert(RecordSet::new(
        "sub",
        RecordType::Ns,
        60,
        vec![Value::Target("ns.example.net.".into())],
    ));
    z.insert(RecordSet::new(
        "x.sub",
        RecordType::A,
        60,
        vec![Value::Ip("192.0.2.1".into())],
    ));
    z.insert(RecordSet::new(
        "a",
        RecordType::Alias,
        60,
        vec![Value::Target("www.example.com.".into())],
    ));
    let mut d = RecordSet::new(
        "dyn",
        RecordType::A,
        60,
        vec![Value::Ip("192.0.2.10".into())],
    );
    d.dynamic = Some(Dynamic {
        pools: [(
            "p".to_string(),
            Pool {
                fallback: None,
                values: vec![PoolValue {
                    value: Value::Ip("192.0.2.20".into()),
                    weight: 1,
                    status: Status::Obey,
                }],
            },
        )]
        .into(),
        rules: vec![],
    });
    z.insert(d);
    z
}

#[test]
fn what_is_asked() {
    let e = expectations(&zone());
    let got: Vec<(&str, &str, &str, bool, bool)> = e
        .iter()
        .map(|x| {
            (
                x.name.as_str(),
                x.qname.as_str(),
                x.rtype.as_str(),
                x.subset,
                x.referral,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("@", "example.com.", "NS", false, false),
            (
                "*.w",
                "dnsplan-verify-probe.w.example.com.",
                "A",
                false,
                false
            ),
            ("dyn", "dyn.example.com.", "A", true, false),
            ("ns1", "ns1.example.com.", "A", false, false),
            ("sub", "sub.example.com.", "NS", false, true),
        ],
        "ALIAS and names below the delegation are not asked"
    );
    let dynr = &e[2];
    assert_eq!(
        dynr.values.len(),
        2,
        "default values and every pool's values"
    );
}

fn got(values: &[&str], ttl: u32) -> Got {
    Got {
        rcode: "No Error".into(),
        ttl: Some(ttl),
        values: values.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn answers_compared_with_git() {
    let e = expectations(&zone());
    let ns1 = e.iter().find(|x| x.name == "ns1").unwrap();
    assert_eq!(mismatch(ns1, &got(&["192.0.2.53"], 3600)), None);
    assert_eq!(
        mismatch(ns1, &got(&["192.0.2.53"], 300)).as_deref(),
        Some("TTL 300, not 3600")
    );
    assert_eq!(
        mismatch(ns1, &got(&["192.0.2.54"], 3600)).as_deref(),
        Some("missing 192.0.2.53; unexpected 192.0.2.54")
    );
    assert_eq!(
        mismatch(ns1, &got(&[], 0)).as_deref(),
        Some("no such record (NODATA)")
    );
    let nx = Got {
        rcode: "Non-Existent Domain".into(),
        ttl: None,
        values: vec![],
    };
    assert_eq!(
        mismatch(ns1, &nx).as_deref(),
        Some("no such record (Non-Existent Domain)")
    );
    // a dynamic record may answer any of its values, nothing else
    let d = e.iter().find(|x| x.name == "dyn").unwrap();
    assert_eq!(mismatch(d, &got(&["192.0.2.20"], 60)), None);
    assert_eq!(
        mismatch(d, &got(&["192.0.2.99"], 60)).as_deref(),
        Some("values no pool has: 192.0.2.99")
    );
}

#[tokio::test]
async fn name_servers_from_in_zone_glue() {
    let s = nameservers_from_ns(&zone()).await.unwrap();
    assert_eq!(s, vec!["192.0.2.53:53".parse::<SocketAddr>().unwrap()]);
    let e = nameservers_from_ns(&Zone::new("empty.")).await.unwrap_err();
    assert!(e.contains("no apex NS"), "{e}");
}
