use super::safety::{self, Rails, Refusal};
use super::*;
use crate::model::value::Value;
use crate::model::{Dynamic, Pool, PoolValue, Rule, Status};
use sha2::Digest;

fn a(name: &str, ttl: u32, ips: &[&str]) -> RecordSet {
    RecordSet::new(
        name,
        RecordType::A,
        ttl,
        ips.iter().map(|i| Value::Ip(i.to_string())).collect(),
    )
}

fn zone(records: Vec<RecordSet>) -> Zone {
    let mut z = Zone::new("example.com.");
    for r in records {
        z.insert(r);
    }
    z
}

fn ops(p: &ZonePlan) -> Vec<(Op, &str, &str)> {
    p.changes
        .iter()
        .map(|c| (c.op, c.name.as_str(), c.rtype.as_str()))
        .collect()
}

fn all() -> Capabilities {
    Capabilities::everything()
}

#[test]
fn creates_updates_deletes_in_deterministic_order() {
    let existing = zone(vec![a("old", 60, &["1.1.1.1"]), a("www", 60, &["1.1.1.1"])]);
    let desired = zone(vec![
        a("www", 60, &["2.2.2.2"]),
        a("api", 60, &["3.3.3.3"]),
        a("b", 1, &["1.1.1.1"]),
    ]);
    let p = diff(Some(&existing), &desired, "t", &all());
    assert_eq!(
        ops(&p),
        vec![
            (Op::Delete, "old", "A"),
            (Op::Create, "api", "A"),
            (Op::Create, "b", "A"),
            (Op::Update, "www", "A")
        ]
    );
    assert!(p.exists);
    assert_eq!(p.existing_count, 2);
}

#[test]
fn missing_zone_is_planned_as_create() {
    let desired = zone(vec![a("www", 60, &["2.2.2.2"])]);
    let p = diff(None, &desired, "t", &all());
    assert!(!p.exists);
    assert!(p.has_changes());
    assert_eq!(ops(&p), vec![(Op::Create, "www", "A")]);
    // an empty desired zone on a missing target is still a change: the zone is created
    let p = diff(None, &zone(vec![]), "t", &all());
    assert!(p.has_changes());
}

#[test]
fn ttl_only_and_value_order_and_octodns_settings() {
    let existing = zone(vec![a("www", 60, &["1.1.1.1", "2.2.2.2"])]);
    let mut same = a("www", 60, &["2.2.2.2", "1.1.1.1"]);
    same.settings
        .raw
        .insert("route53".into(), serde_json::json!({"x": 1}));
    assert!(
        diff(Some(&existing), &zone(vec![same]), "t", &all())
            .changes
            .is_empty()
    );
    let p = diff(
        Some(&existing),
        &zone(vec![a("www", 61, &["1.1.1.1", "2.2.2.2"])]),
        "t",
        &all(),
    );
    assert_eq!(ops(&p), vec![(Op::Update, "www", "A")]);
}

fn dynamic(pool_ip: &str) -> Dynamic {
    let mut pools = std::collections::BTreeMap::new();
    pools.insert(
        "one".to_string(),
        Pool {
            fallback: None,
            values: vec![PoolValue {
                value: Value::Ip(pool_ip.into()),
                weight: 1,
                status: Status::Obey,
            }],
        },
    );
    Dynamic {
        pools,
        rules: vec![Rule {
            pool: "one".into(),
            geos: vec![],
            subnets: vec![],
        }],
    }
}

#[test]
fn dynamic_compared_only_when_target_supports_it() {
    let mut e = a("www", 60, &["1.1.1.1"]);
    e.dynamic = Some(dynamic("9.9.9.9"));
    let mut d = a("www", 60, &["1.1.1.1"]);
    d.dynamic = Some(dynamic("8.8.8.8"));
    let p = diff(
        Some(&zone(vec![e.clone()])),
        &zone(vec![d.clone()]),
        "t",
        &all(),
    );
    assert_eq!(p.changes.len(), 1);
    let caps = Capabilities {
        dynamic: false,
        ..all()
    };
    let p = diff(Some(&zone(vec![e])), &zone(vec![d]), "t", &caps);
    assert!(p.changes.is_empty());
}

#[test]
fn ignored_included_excluded() {
    let existing = zone(vec![
        a("keep", 60, &["1.1.1.1"]),
        a("inc", 60, &["1.1.1.1"]),
    ]);
    let mut ign = a("keep", 60, &["2.2.2.2"]);
    ign.settings.ignored = true;
    let mut exc = a("exc", 60, &["2.2.2.2"]);
    exc.settings.excluded = vec!["t".into()];
    let mut inc = a("inc", 60, &["5.5.5.5"]);
    inc.settings.included = vec!["other".into()];
    let mut inc_here = a("here", 60, &["6.6.6.6"]);
    inc_here.settings.included = vec!["t".into()];
    let p = diff(
        Some(&existing),
        &zone(vec![ign, exc, inc, inc_here]),
        "t",
        &all(),
    );
    assert_eq!(ops(&p), vec![(Op::Create, "here", "A")]);
}

#[test]
fn unsupported_existing_types_are_never_deleted() {
    let mut existing = zone(vec![a("www", 60, &["1.1.1.1"])]);
    existing.insert(RecordSet::new("loc", RecordType::Loc, 60, vec![]));
    let caps = Capabilities {
        types: Some(vec![RecordType::A]),
        ..all()
    };
    let p = diff(
        Some(&existing),
        &zone(vec![a("www", 60, &["1.1.1.1"])]),
        "t",
        &caps,
    );
    assert!(p.changes.is_empty());
}

#[test]
fn root_ns_left_alone_unless_managed() {
    let ns = |v: &str| RecordSet::new("", RecordType::Ns, 3600, vec![Value::Target(v.into())]);
    let existing = zone(vec![ns("ns1.example.net.")]);
    // not in desired: never deleted
    let p = diff(Some(&existing), &zone(vec![]), "t", &all());
    assert!(p.changes.is_empty());
    // in desired and supported: an update that needs --force
    let p = diff(
        Some(&existing),
        &zone(vec![ns("ns2.example.net.")]),
        "t",
        &all(),
    );
    assert_eq!(ops(&p), vec![(Op::Update, "", "NS")]);
    assert!(safety::check(&p, &Rails::default()).contains(&Refusal::RootNs));
    // a new zone may set its root NS without --force
    let p = diff(None, &zone(vec![ns("ns2.example.net.")]), "t", &all());
    assert!(!safety::check(&p, &Rails::default()).contains(&Refusal::RootNs));
}

#[test]
fn strict_supports_errors_and_lenient_degrades() {
    let mut d = a("www", 60, &["1.1.1.1"]);
    d.dynamic = Some(dynamic("8.8.8.8"));
    let desired = zone(vec![d, RecordSet::new("x", RecordType::Loc, 60, vec![])]);
    let caps = Capabilities {
        dynamic: false,
        types: Some(vec![RecordType::A]),
        ..all()
    };
    let mut w = vec![];
    let errs = fit_to_target(&desired, &caps, true, false, &mut w).unwrap_err();
    assert_eq!(errs.len(), 2);
    assert!(
        errs.iter()
            .any(|e| e.message == "LOC records not supported for x.example.com.")
    );
    let fitted = fit_to_target(&desired, &caps, false, false, &mut w).unwrap();
    assert_eq!(fitted.len(), 1);
    assert!(fitted.iter().all(|r| r.dynamic.is_none()));
    assert_eq!(w.len(), 2);
}

#[test]
fn root_ns_unsupported_by_target() {
    let desired = zone(vec![RecordSet::new(
        "",
        RecordType::Ns,
        60,
        vec![Value::Target("a.b.".into())],
    )]);
    let caps = Capabilities {
        root_ns: false,
        ..all()
    };
    let errs = fit_to_target(&desired, &caps, true, false, &mut vec![]).unwrap_err();
    assert_eq!(
        errs[0].message,
        "root NS record not supported for example.com."
    );
}

fn many(n: usize) -> Vec<RecordSet> {
    (0..n)
        .map(|i| a(&format!("h{i}"), 60, &["1.1.1.1"]))
        .collect()
}

#[test]
fn thresholds_only_from_ten_records_and_strictly_greater() {
    // 9 existing, all deleted: below the minimum, no threshold
    let p = diff(Some(&zone(many(9))), &zone(vec![]), "t", &all());
    assert!(safety::check(&p, &Rails::default()).is_empty());
    // 10 existing, 3 deleted = 30%: not over
    let p = diff(
        Some(&zone(many(10))),
        &zone(many(10)[3..].to_vec()),
        "t",
        &all(),
    );
    assert!(safety::check(&p, &Rails::default()).is_empty());
    // 4 of 12 deleted: octoDNS's message
    let p = diff(
        Some(&zone(many(12))),
        &zone(many(12)[4..].to_vec()),
        "t",
        &all(),
    );
    let r = safety::check(&p, &Rails::default());
    assert_eq!(
        r[0].message("ex.com.", "t"),
        "[ex.com.] Too many deletes, 33.33% is over 30.00% (4/12), force required (target t)"
    );
    // a per-zone override lifts it
    let rails = Rails {
        delete_pcent: 0.5,
        ..Rails::default()
    };
    assert!(safety::check(&p, &rails).is_empty());
    // updates
    let mut changed = many(12);
    for r in changed.iter_mut().take(4) {
        r.ttl = 1;
    }
    let p = diff(Some(&zone(many(12))), &zone(changed), "t", &all());
    assert!(matches!(
        safety::check(&p, &Rails::default())[0],
        Refusal::TooManyUpdates {
            count: 4,
            existing: 12,
            ..
        }
    ));
    // creates never count
    let p = diff(Some(&zone(many(10))), &zone(many(100)), "t", &all());
    assert!(safety::check(&p, &Rails::default()).is_empty());
}

#[test]
fn max_deletes_and_confirm_types() {
    let p = diff(Some(&zone(many(3))), &zone(vec![]), "t", &all());
    let rails = Rails {
        max_deletes: Some(2),
        ..Rails::default()
    };
    assert_eq!(
        safety::check(&p, &rails),
        vec![Refusal::MaxDeletes { count: 3, limit: 2 }]
    );
    let mx = RecordSet::new(
        "",
        RecordType::Mx,
        60,
        vec![Value::Mx(crate::model::value::Mx {
            preference: 10,
            exchange: "mx.".into(),
        })],
    );
    let p = diff(Some(&zone(vec![])), &zone(vec![mx]), "t", &all());
    let rails = Rails {
        confirm_types: vec!["mx".into(), "NS".into()],
        ..Rails::default()
    };
    assert_eq!(
        safety::check(&p, &rails),
        vec![Refusal::ConfirmTypes {
            types: vec!["MX".into()]
        }]
    );
}

#[test]
fn checksum_is_stable_and_sensitive() {
    let desired = zone(vec![a("www", 60, &["2.2.2.2"])]);
    let p1 = Plan {
        plans: vec![diff(None, &desired, "t", &all())],
    };
    let p2 = Plan {
        plans: vec![diff(None, &desired, "t", &all())],
    };
    assert_eq!(p1.checksum(), p2.checksum());
    assert_eq!(p1.checksum().len(), 64);
    let other = zone(vec![a("www", 61, &["2.2.2.2"])]);
    let p3 = Plan {
        plans: vec![diff(None, &other, "t", &all())],
    };
    assert_ne!(p1.checksum(), p3.checksum());
    let j = serde_json::to_value(file::PlanFile::new(&p1, None)).unwrap();
    assert_eq!(j["version"], 1);
    assert_eq!(j["plans"][0]["changes"][0]["op"], "create");
    assert_eq!(j["plans"][0]["changes"][0]["desired"]["value"], "2.2.2.2");
    assert_eq!(
        j["plans"][0]["changes"][0]["existing"],
        serde_json::Value::Null
    );
    assert_eq!(j["plans"][0]["summary"]["creates"], 1);
}

#[test]
fn streamed_json_and_checksum_equal_the_tree() {
    let desired = zone(vec![
        a("www", 60, &["2.2.2.2"]),
        a("api", 60, &["1.1.1.1", "3.3.3.3"]),
    ]);
    let mut plan = Plan {
        plans: vec![
            diff(None, &desired, "t", &all()),
            diff(Some(&desired), &desired, "u", &all()),
        ],
    };
    plan.sort();
    // streamed zone plan by zone plan, or converted first: the same bytes and checksum
    let mut streamed = Vec::new();
    file::write(&plan, None, &mut streamed).unwrap();
    let whole = file::PlanFile::new(&plan, None);
    let mut converted = Vec::new();
    whole.write(&mut converted).unwrap();
    assert_eq!(streamed, converted);
    assert_eq!(whole.checksum, plan.checksum());
    let tree = serde_json::to_value(&whole.plans).unwrap();
    let tree_sum: String = sha2::Sha256::digest(tree.to_string().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        tree_sum,
        plan.checksum(),
        "the checksum is over the sorted compact text"
    );
    let empty = Plan::default();
    let mut e = Vec::new();
    file::write(&empty, None, &mut e).unwrap();
    assert_eq!(
        String::from_utf8(e).unwrap(),
        format!(
            "{{\n  \"checksum\": \"{}\",\n  \"plans\": [],\n  \"version\": 1\n}}\n",
            empty.checksum()
        )
    );
}

#[test]
fn a_target_holding_root_ns_says_when_it_is_given_none() {
    let without = zone(vec![a("www", 60, &["192.0.2.1"])]);
    let mut w = vec![];
    fit_to_target(&without, &all(), false, true, &mut w).unwrap();
    assert_eq!(
        w,
        ["root NS record supported, but no record is configured for example.com."]
    );
    let mut w = vec![];
    fit_to_target(&without, &all(), false, false, &mut w).unwrap();
    assert!(w.is_empty(), "root_ns_warnings: false");
    let no_root_ns = Capabilities {
        root_ns: false,
        ..all()
    };
    fit_to_target(&without, &no_root_ns, false, true, &mut w).unwrap();
    assert!(w.is_empty(), "a target without root NS: {w:?}");
    let ns = RecordSet::new(
        "",
        RecordType::Ns,
        60,
        vec![Value::Target("ns1.example.net.".into())],
    );
    fit_to_target(&zone(vec![ns]), &all(), false, true, &mut w).unwrap();
    assert!(w.is_empty(), "configured: {w:?}");
}
