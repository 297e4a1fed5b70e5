//! Snapshots of the three renderings of one plan holding every kind of change, a dynamic
//! record, a long TXT update and hostile values.

use std::collections::BTreeMap;

use super::*;
use crate::model::value::{Mx, Value};
use crate::model::{Capabilities, Dynamic, Pool, PoolValue, RecordType, Rule, Status, Zone};
use crate::plan::{Plan, diff};

fn rs(name: &str, t: RecordType, ttl: u32, values: Vec<Value>) -> RecordSet {
    RecordSet::new(name, t, ttl, values)
}

fn ip(s: &str) -> Value {
    Value::Ip(s.into())
}

fn sample() -> (Plan, Context) {
    let mut existing = Zone::new("example.com.");
    let mut desired = Zone::new("example.com.");
    existing.insert(rs("old", RecordType::A, 300, vec![ip("192.0.2.9")]));
    existing.insert(rs(
        "",
        RecordType::Ns,
        86400,
        vec![Value::Target("ns1.example.net.".into())],
    ));
    desired.insert(rs(
        "",
        RecordType::Ns,
        86400,
        vec![
            Value::Target("ns1.example.net.".into()),
            Value::Target("ns2.example.org.".into()),
        ],
    ));
    let long_old = format!("v=DKIM1\\; k=rsa\\; p={}", "A".repeat(180));
    let long_new = format!(
        "v=DKIM1\\; k=rsa\\; p={}B{}",
        "A".repeat(90),
        "A".repeat(89)
    );
    existing.insert(rs(
        "sel._domainkey",
        RecordType::Txt,
        3600,
        vec![Value::Text(long_old)],
    ));
    desired.insert(rs(
        "sel._domainkey",
        RecordType::Txt,
        3600,
        vec![Value::Text(long_new)],
    ));
    existing.insert(rs("www", RecordType::A, 300, vec![ip("192.0.2.1")]));
    desired.insert(rs(
        "www",
        RecordType::A,
        60,
        vec![ip("192.0.2.1"), ip("192.0.2.2")],
    ));
    desired.insert(rs(
        "",
        RecordType::Mx,
        3600,
        vec![Value::Mx(Mx {
            preference: 10,
            exchange: "mx.example.com.".into(),
        })],
    ));
    // hostile text
    desired.insert(rs(
        "evil",
        RecordType::Txt,
        60,
        vec![Value::Text(
            "a|b `c` <script>alert(1)</script> @org/team #123".into(),
        )],
    ));
    // a dynamic record
    let mut pools = BTreeMap::new();
    pools.insert(
        "eu".to_string(),
        Pool {
            fallback: Some("us".into()),
            values: vec![
                PoolValue {
                    value: ip("192.0.2.10"),
                    weight: 3,
                    status: Status::Obey,
                },
                PoolValue {
                    value: ip("192.0.2.11"),
                    weight: 1,
                    status: Status::Down,
                },
            ],
        },
    );
    pools.insert(
        "us".to_string(),
        Pool {
            fallback: None,
            values: vec![PoolValue {
                value: ip("198.51.100.10"),
                weight: 1,
                status: Status::Obey,
            }],
        },
    );
    let mut dynrec = rs("geo", RecordType::A, 60, vec![ip("203.0.113.1")]);
    dynrec.dynamic = Some(Dynamic {
        pools,
        rules: vec![
            Rule {
                pool: "eu".into(),
                geos: vec!["EU".into(), "NA-CA".into()],
                subnets: vec![],
            },
            Rule {
                pool: "us".into(),
                geos: vec![],
                subnets: vec![],
            },
        ],
    });
    desired.insert(dynrec);
    let caps = Capabilities::everything();
    let mut plan = Plan {
        plans: vec![diff(Some(&existing), &desired, "route53", &caps)],
    };
    let newzone = {
        let mut z = Zone::new("example.org.");
        z.insert(rs("", RecordType::A, 3600, vec![ip("198.51.100.7")]));
        z
    };
    plan.plans.push(diff(None, &newzone, "route53", &caps));
    plan.sort();
    let ctx = Context {
        refusals: vec![
            "[example.com.] Root NS record change, force required (target route53)".into(),
        ],
        warnings: vec![],
        dry_run: vec![],
    };
    (plan, ctx)
}

#[test]
fn table_snapshot() {
    let (plan, ctx) = sample();
    insta::assert_snapshot!(table::render(&plan, &ctx, false));
}

#[test]
fn markdown_snapshot() {
    let (plan, ctx) = sample();
    insta::assert_snapshot!(markdown::render(&plan, &ctx));
}

#[test]
fn json_snapshot() {
    let (plan, _) = sample();
    insta::assert_snapshot!(json(&plan));
}

#[test]
fn no_changes_renderings() {
    let plan = Plan::default();
    let ctx = Context::default();
    assert!(table::render(&plan, &ctx, false).starts_with("No changes"));
    assert!(markdown::render(&plan, &ctx).contains("No changes"));
}
