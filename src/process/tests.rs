use std::sync::Arc;

use super::*;
use crate::model::{RecordType, Value};
use crate::yaml::{KeyOrder, LoadOptions, load_str};

/// A processor built from its YAML entry (without `class`).
pub(crate) fn built(class: &str, yaml: &str) -> Result<Arc<dyn Processor>, BuildError> {
    let file: Arc<str> = Arc::from("config.yaml");
    let node = load_str(
        yaml,
        &file,
        LoadOptions {
            order: KeyOrder::Any,
            includes: false,
        },
    )
    .root
    .expect("test YAML parses");
    build("p", class, &node)
}

pub(crate) fn zone(records: &[(&str, &str, &str)]) -> Zone {
    let mut z = Zone::new("example.com.");
    for (name, t, v) in records {
        let rtype = RecordType::parse(t).expect("known type");
        let value = crate::model::rdata::parse(&rtype, v).expect("valid rdata");
        z.insert(RecordSet::new(*name, rtype, 300, vec![value]));
    }
    z
}

pub(crate) fn keys(z: &Zone) -> Vec<String> {
    z.iter()
        .map(|r| format!("{} {}", r.name, r.rtype.as_str()))
        .collect()
}

#[test]
fn an_unknown_class_is_refused_with_the_reason_and_the_nearest_name() {
    let e = built("octodns.processor.filter.TypeAllowListFilter", "{}").unwrap_err();
    let text = e.to_string();
    assert!(text.contains("Unknown processor class"), "{text}");
    assert!(
        text.contains("did you mean octodns.processor.filter.TypeAllowlistFilter"),
        "{text}"
    );
    assert!(text.contains("could delete"), "{text}");
    let e = built("mycompany.processors.Custom", "{}").unwrap_err();
    assert!(matches!(e, BuildError::UnknownClass { .. }), "{e}");
}

#[test]
fn wrong_settings_are_reported_at_their_line() {
    let e = built(
        "octodns.processor.filter.TypeAllowlistFilter",
        "allowlist: [A]\nallow_list: [AAAA]\n",
    )
    .unwrap_err();
    assert!(e.to_string().contains("allow_list"), "{e}");
    assert_eq!(e.pos().map(|p| p.line), Some(2));
    let e = built("octodns.processor.filter.TypeAllowlistFilter", "{}").unwrap_err();
    assert!(e.to_string().contains("allowlist"), "{e}");
}

#[test]
fn type_filters_keep_or_drop_on_both_sides_unless_include_target_is_false() {
    let records = [
        ("", "A", "192.0.2.1"),
        ("www", "CNAME", "example.com."),
        ("", "TXT", "hello"),
    ];
    let allow = built(
        "octodns.processor.filter.TypeAllowlistFilter",
        "allowlist: [A, CNAME]",
    )
    .unwrap();
    let mut d = zone(&records);
    allow
        .source_zone(&mut d, &mut SourceCtx::default())
        .unwrap();
    assert_eq!(keys(&d), [" A", "www CNAME"]);
    let mut e = zone(&records);
    allow
        .target_zone(&mut e, &mut TargetCtx::default())
        .unwrap();
    assert_eq!(keys(&e), [" A", "www CNAME"]);

    let reject = built(
        "octodns.processor.filter.TypeRejectlistFilter",
        "rejectlist: [CNAME]\ninclude_target: false",
    )
    .unwrap();
    let mut d = zone(&records);
    reject
        .source_zone(&mut d, &mut SourceCtx::default())
        .unwrap();
    assert_eq!(keys(&d), [" A", " TXT"]);
    let mut e = zone(&records);
    reject
        .target_zone(&mut e, &mut TargetCtx::default())
        .unwrap();
    assert_eq!(
        e.len(),
        3,
        "include_target: false leaves the target's zone alone"
    );
}

fn source(p: &Arc<dyn Processor>, records: &[(&str, &str, &str)]) -> Result<Vec<String>, Error> {
    let mut d = zone(records);
    p.source_zone(&mut d, &mut SourceCtx::default())?;
    Ok(keys(&d))
}

fn target(p: &Arc<dyn Processor>, records: &[(&str, &str, &str)]) -> Result<Vec<String>, Error> {
    let mut e = zone(records);
    p.target_zone(&mut e, &mut TargetCtx::default())?;
    Ok(keys(&e))
}

#[test]
fn name_filters_match_exact_names_and_slash_regexes_searched_anywhere() {
    let records = [
        ("", "A", "192.0.2.1"),
        ("www", "A", "192.0.2.2"),
        ("_acme-challenge.www", "TXT", "token"),
        ("mail", "MX", "10 mx.example.com."),
    ];
    let allow = built(
        "octodns.processor.filter.NameAllowlistFilter",
        "allowlist: [www, '/^_acme/']",
    )
    .unwrap();
    assert_eq!(
        source(&allow, &records).unwrap(),
        ["_acme-challenge.www TXT", "www A"]
    );
    assert_eq!(
        target(&allow, &records).unwrap(),
        ["_acme-challenge.www TXT", "www A"]
    );
    // re.search: a regex matches anywhere in the name unless anchored
    let reject = built(
        "octodns.processor.filter.NameRejectlistFilter",
        "rejectlist: ['/challenge/', '']\ninclude_target: false",
    )
    .unwrap();
    assert_eq!(source(&reject, &records).unwrap(), ["mail MX", "www A"]);
    assert_eq!(target(&reject, &records).unwrap().len(), 4);
    let e = built(
        "octodns.processor.filter.NameAllowlistFilter",
        "allowlist: ['/(unclosed/']",
    )
    .unwrap_err();
    assert!(e.to_string().contains("regular expression"), "{e}");
    let e = built(
        "octodns.processor.filter.NameAllowlistFilter",
        "rejectlist: [www]",
    )
    .unwrap_err();
    assert!(e.to_string().contains("allowlist"), "{e}");
}

#[test]
fn value_filters_match_any_value_as_text_and_txt_by_its_content() {
    let records = [
        ("", "A", "192.0.2.1"),
        ("", "TXT", "v=spf1 -all"),
        ("", "MX", "10 mx.example.com."),
        ("www", "CNAME", "lb.example.net."),
    ];
    let allow = built(
        "octodns.processor.filter.ValueAllowlistFilter",
        "allowlist: ['v=spf1 -all', '10 mx.example.com.', '/example\\.net/']",
    )
    .unwrap();
    assert_eq!(
        source(&allow, &records).unwrap(),
        [" MX", " TXT", "www CNAME"]
    );
    let reject = built(
        "octodns.processor.filter.ValueRejectlistFilter",
        "rejectlist: [192.0.2.1]",
    )
    .unwrap();
    assert_eq!(
        target(&reject, &records).unwrap(),
        [" MX", " TXT", "www CNAME"]
    );
}

#[test]
fn network_filters_look_at_addresses_only_and_refuse_a_bad_cidr() {
    let records = [
        ("a", "A", "10.1.2.3"),
        ("b", "A", "192.0.2.9"),
        ("c", "AAAA", "2001:db8::1"),
        ("d", "AAAA", "fd00::1"),
        ("e", "TXT", "10.1.2.3"),
    ];
    let allow = built(
        "octodns.processor.filter.NetworkValueAllowlistFilter",
        "allowlist: [10.0.0.0/8, 'fd00::/8']",
    )
    .unwrap();
    assert_eq!(
        source(&allow, &records).unwrap(),
        ["a A", "d AAAA", "e TXT"]
    );
    let reject = built(
        "octodns.processor.filter.NetworkValueRejectlistFilter",
        "rejectlist: [192.0.2.9]",
    )
    .unwrap();
    assert_eq!(
        target(&reject, &records).unwrap(),
        ["a A", "c AAAA", "d AAAA", "e TXT"]
    );
    for bad in ["10.0.0.1/8", "10.0.0.0/33", "nope", "10.0.0.0/"] {
        let e = built(
            "octodns.processor.filter.NetworkValueAllowlistFilter",
            &format!("allowlist: ['{bad}']"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("not a valid CIDR"), "{bad}: {e}");
    }
    let e = built(
        "octodns.processor.filter.NetworkValueAllowlistFilter",
        "allowlist: [10.0.0.0/8]\ninclude_target: false",
    )
    .unwrap_err();
    assert!(e.to_string().contains("include_target"), "{e}");
}

#[test]
fn network_parse_is_strict_and_contains_respects_the_family() {
    let n = filter::Network::parse("192.0.2.0/24").unwrap();
    assert!(n.contains("192.0.2.200".parse().unwrap()));
    assert!(!n.contains("192.0.3.1".parse().unwrap()));
    assert!(!n.contains("::ffff:192.0.2.1".parse().unwrap()));
    let all = filter::Network::parse("0.0.0.0/0").unwrap();
    assert!(all.contains("203.0.113.1".parse().unwrap()));
    assert!(!all.contains("::1".parse().unwrap()));
    assert!(filter::Network::parse("2001:db8::/32").is_some());
    assert!(filter::Network::parse("2001:db8::1/32").is_none());
}

#[test]
fn root_ns_filters_drop_the_apex_ns_or_refuse_plans_that_change_it() {
    let records = [
        ("", "NS", "ns1.example.net."),
        ("sub", "NS", "ns1.example.net."),
    ];
    let ignore = built("octodns.processor.filter.IgnoreRootNsFilter", "{}").unwrap();
    assert_eq!(source(&ignore, &records).unwrap(), ["sub NS"]);
    assert_eq!(target(&ignore, &records).unwrap(), ["sub NS"]);

    let desired = zone(&records);
    let plan = || {
        let mut p = ZonePlan {
            zone: "example.com.".into(),
            target: "t".into(),
            exists: true,
            changes: Vec::new(),
            existing_count: 0,
            warnings: Vec::new(),
            ignored: Vec::new(),
            unmanaged: Vec::new(),
        };
        for r in desired.iter() {
            p.changes.push(crate::plan::Change {
                op: crate::plan::Op::Create,
                name: r.name.clone(),
                rtype: r.rtype.clone(),
                existing: None,
                desired: Some(r.clone()),
            });
        }
        p
    };
    let strict = built("octodns.processor.filter.ExcludeRootNsChanges", "{}").unwrap();
    let mut ctx = PlanCtx::default();
    let e = strict.plan(&mut plan(), &mut ctx).unwrap_err();
    assert!(e.message.contains("root NS changes are disallowed"), "{e}");
    let lax = built(
        "octodns.processor.filter.ExcludeRootNsChanges",
        "error: false",
    )
    .unwrap();
    let mut ctx = PlanCtx::default();
    let mut p = plan();
    lax.plan(&mut p, &mut ctx).unwrap();
    assert_eq!(p.changes.len(), 1);
    assert_eq!(p.changes[0].name, "sub");
    assert_eq!(ctx.warnings.len(), 1, "{:?}", ctx.warnings);
}

#[test]
fn zone_name_filter_refuses_or_drops_names_that_repeat_the_zone() {
    let records = [
        ("www", "A", "192.0.2.1"),
        ("www.example.com", "A", "192.0.2.2"),
    ];
    let strict = built("octodns.processor.filter.ZoneNameFilter", "{}").unwrap();
    let e = source(&strict, &records).unwrap_err();
    assert!(
        e.message
            .contains("www.example.com.example.com.: record name ends with zone name"),
        "{e}"
    );
    let lax = built(
        "octodns.processor.filter.ZoneNameFilter",
        "error: false\ninclude_target: false",
    )
    .unwrap();
    assert_eq!(source(&lax, &records).unwrap(), ["www A"]);
    assert_eq!(target(&lax, &records).unwrap().len(), 2);
}

fn with_ttl(records: &[(&str, &str, &str, u32)]) -> Zone {
    let mut z = Zone::new("example.com.");
    for (name, t, v, ttl) in records {
        let rtype = RecordType::parse(t).expect("known type");
        let value = crate::model::rdata::parse(&rtype, v).expect("valid rdata");
        z.insert(RecordSet::new(*name, rtype, *ttl, vec![value]));
    }
    z
}

#[test]
fn ttl_restriction_refuses_ttls_outside_the_range_or_the_set() {
    let check = |yaml: &str, ttl: u32| {
        let p = built("octodns.processor.restrict.TtlRestrictionFilter", yaml).unwrap();
        let mut z = with_ttl(&[("www", "A", "192.0.2.1", ttl)]);
        p.source_zone(&mut z, &mut SourceCtx::default())
            .map_err(|e| e.message)
    };
    assert_eq!(check("{}", 1), Ok(()));
    assert_eq!(check("{}", 604800), Ok(()));
    assert_eq!(
        check("{}", 604801),
        Err("www.example.com. ttl=604801 too high, max_ttl=604800".into())
    );
    assert_eq!(
        check("min_ttl: 300", 60),
        Err("www.example.com. ttl=60 too low, min_ttl=300".into())
    );
    assert_eq!(
        check("allowed_ttls: [3600, 300]", 600),
        Err("www.example.com. ttl=600 not an allowed value, allowed_ttls={300, 3600}".into())
    );
    assert_eq!(check("allowed_ttls: [3600, 300]", 300), Ok(()));
    // an empty set is none (octoDNS: `set(allowed_ttls) if allowed_ttls else None`)
    assert_eq!(check("allowed_ttls: []", 600), Ok(()));

    // a lenient record is not checked
    let p = built(
        "octodns.processor.restrict.TtlRestrictionFilter",
        "max_ttl: 60",
    )
    .unwrap();
    let mut z = with_ttl(&[("www", "A", "192.0.2.1", 3600)]);
    z.records
        .values_mut()
        .for_each(|r| r.settings.lenient = true);
    p.source_zone(&mut z, &mut SourceCtx::default()).unwrap();
}

#[test]
fn ttl_clamp_moves_ttls_into_the_range_and_refuses_an_empty_range() {
    let p = built("octodns.processor.clamp.TtlClampProcessor", "{}").unwrap();
    let mut z = with_ttl(&[
        ("a", "A", "192.0.2.1", 30),
        ("b", "A", "192.0.2.2", 3600),
        ("c", "A", "192.0.2.3", 604800),
    ]);
    let mut ctx = SourceCtx::default();
    p.source_zone(&mut z, &mut ctx).unwrap();
    let ttls: Vec<u32> = z.iter().map(|r| r.ttl).collect();
    assert_eq!(ttls, [300, 3600, 86400]);
    assert_eq!(ctx.warnings.len(), 1, "{:?}", ctx.warnings);
    assert!(
        ctx.warnings[0].contains("a.example.com. (A) 30 -> 300"),
        "{:?}",
        ctx.warnings
    );
    let e = built(
        "octodns.processor.clamp.TtlClampProcessor",
        "min_ttl: 600\nmax_ttl: 300",
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("Min TTL 600 is not lower than max TTL 300"),
        "{e}"
    );
}

#[test]
fn ensure_trailing_dots_completes_every_name_a_record_points_at() {
    let p = built("octodns.processor.trailing_dots.EnsureTrailingDots", "{}").unwrap();
    let mut z = Zone::new("example.com.");
    let mut add = |name: &str, t: &str, v: Value| {
        z.insert(RecordSet::new(
            name,
            RecordType::parse(t).unwrap(),
            300,
            vec![v],
        ));
    };
    use crate::model::value::{Mx, Srv};
    add("www", "CNAME", Value::Target("lb.example.net".into()));
    add("", "NS", Value::Target("ns1.example.net".into()));
    add(
        "",
        "MX",
        Value::Mx(Mx {
            preference: 10,
            exchange: "mx.example.net".into(),
        }),
    );
    add(
        "_sip._tcp",
        "SRV",
        Value::Srv(Srv {
            priority: 1,
            weight: 2,
            port: 5060,
            target: "sip.example.net".into(),
        }),
    );
    add("txt", "TXT", Value::Text("no.dot".into()));
    p.source_zone(&mut z, &mut SourceCtx::default()).unwrap();
    let rdata: Vec<String> = z.iter().flat_map(|r| r.rdata()).collect();
    assert_eq!(
        rdata,
        [
            "10 mx.example.net.",
            "ns1.example.net.",
            "1 2 5060 sip.example.net.",
            "\"no.dot\"",
            "lb.example.net."
        ]
    );
}

#[test]
fn ownership_marks_every_record_once_and_refuses_a_taken_marker_name() {
    let p = built("octodns.processor.ownership.OwnershipProcessor", "{}").unwrap();
    let mut z = zone(&[
        ("", "A", "192.0.2.1"),
        ("*.dev", "A", "192.0.2.2"),
        ("www", "CNAME", "example.com."),
    ]);
    p.source_zone(&mut z, &mut SourceCtx::default()).unwrap();
    assert_eq!(
        keys(&z),
        [
            " A",
            "*.dev A",
            "_owner.a TXT",
            "_owner.a._wildcard.dev TXT",
            "_owner.cname.www TXT",
            "www CNAME"
        ]
    );
    // a second pass (an alias zone) adds nothing: markers are not marked, and marking again
    // would collide, so it is refused unless should_replace
    let again = p
        .source_zone(&mut z, &mut SourceCtx::default())
        .unwrap_err();
    assert!(
        again
            .message
            .contains("Duplicate record _owner.a.example.com., type TXT"),
        "{again}"
    );
    let replace = built(
        "octodns.processor.ownership.OwnershipProcessor",
        "should_replace: true",
    )
    .unwrap();
    replace
        .source_zone(&mut z, &mut SourceCtx::default())
        .unwrap();
    assert_eq!(z.len(), 6);
    let e = built(
        "octodns.processor.ownership.OwnershipProcessor",
        "txt_name: ''",
    )
    .unwrap_err();
    assert!(e.to_string().contains("txt_name"), "{e}");
}

#[test]
fn ownership_plan_keeps_changes_to_owned_records_and_markers_only() {
    use crate::plan::{Change, Op};
    let p = built("octodns.processor.ownership.OwnershipProcessor", "{}").unwrap();
    let existing = zone(&[
        ("mine", "A", "192.0.2.1"),
        ("_owner.a.mine", "TXT", "*octodns*"),
        ("_owner", "TXT", "*octodns*"),
        ("foreign", "A", "192.0.2.2"),
    ]);
    let desired = Zone::new("example.com.");
    let mut plan = ZonePlan {
        zone: "example.com.".into(),
        target: "t".into(),
        exists: true,
        changes: existing
            .iter()
            .map(|r| Change {
                op: Op::Delete,
                name: r.name.clone(),
                rtype: r.rtype.clone(),
                existing: Some(r.clone()),
                desired: None,
            })
            .collect(),
        existing_count: existing.len(),
        warnings: Vec::new(),
        ignored: Vec::new(),
        unmanaged: Vec::new(),
    };
    let mut ctx = PlanCtx {
        desired: Some(&desired),
        existing: Some(&existing),
        ..PlanCtx::default()
    };
    p.plan(&mut plan, &mut ctx).unwrap();
    let kept: Vec<&str> = plan.changes.iter().map(|c| c.name.as_str()).collect();
    // `_owner` alone marks nothing (octoDNS fails on it), but it is a marker of ours: deleted
    assert_eq!(kept, ["_owner", "_owner.a.mine", "mine"]);
}

#[test]
fn acme_marks_git_challenges_and_hides_the_clients_on_the_target() {
    let p = built("octodns.processor.acme.AcmeMangingProcessor", "{}").unwrap();
    let mut desired = zone(&[("_acme-challenge", "TXT", "from-git")]);
    p.source_zone(&mut desired, &mut SourceCtx::default())
        .unwrap();
    let r = desired.iter().next().unwrap();
    assert_eq!(r.rdata(), ["\"*octoDNS*\"", "\"from-git\""]);
    let mut existing = zone(&[
        ("_acme-challenge", "TXT", "old"),
        ("_acme-challenge.www", "TXT", "certbot"),
        ("_acme-challenge.api", "TXT", "*octoDNS*"),
        ("other", "TXT", "x"),
    ]);
    let mut ctx = TargetCtx::default();
    p.source_and_target(&mut desired, &mut existing, &mut ctx)
        .unwrap();
    // in git: managed; marked: ours from before; the client's: hidden
    assert_eq!(
        keys(&existing),
        [
            "_acme-challenge TXT",
            "_acme-challenge.api TXT",
            "other TXT"
        ]
    );
    assert_eq!(ctx.warnings.len(), 1, "{:?}", ctx.warnings);
}

fn spf(records: &[(&str, &str, &str)]) -> Result<Vec<String>, String> {
    let p = built("octodns.processor.spf.SpfDnsLookupProcessor", "{}").unwrap();
    let mut z = zone(records);
    let mut ctx = SourceCtx::default();
    p.source_zone(&mut z, &mut ctx).map_err(|e| e.message)?;
    Ok(ctx.warnings)
}

#[test]
fn spf_counts_lookups_follows_includes_in_the_zone_and_refuses_ptr() {
    assert_eq!(
        spf(&[
            ("", "TXT", "v=spf1 a mx include:_spf.example.com ~all"),
            ("_spf", "TXT", "v=spf1 ip4:192.0.2.0/24 -all")
        ]),
        Ok(vec![])
    );
    // ten lookups are fine; the eleventh fails on the term after it, as in octoDNS
    let ten = format!("v=spf1 {}", ["a"; 10].join(" "));
    assert_eq!(spf(&[("", "TXT", &format!("{ten} -all"))]), Ok(vec![]));
    let eleven = format!("v=spf1 {}", ["mx"; 11].join(" "));
    assert_eq!(
        spf(&[("", "TXT", &format!("{eleven} -all"))]),
        Err("example.com. exceeds the 10 DNS lookup limit in the SPF record".into())
    );
    // lookups of an included policy in the zone count
    let six = format!("v=spf1 {} include:b.example.com ~all", ["a"; 6].join(" "));
    let five = format!("v=spf1 {} -all", ["exists:x"; 5].join(" "));
    assert!(
        spf(&[("", "TXT", &six), ("b", "TXT", &five)])
            .unwrap_err()
            .contains("10 DNS lookup limit")
    );
    assert_eq!(
        spf(&[("", "TXT", "v=spf1 ptr -all")]),
        Err("example.com. uses the deprecated ptr mechanism".into())
    );
    let mut z = zone(&[("", "TXT", "v=spf1 -all")]);
    z.records
        .values_mut()
        .for_each(|r| r.values.push(Value::Text("v=spf1 +all".into())));
    let p = built("octodns.processor.spf.SpfDnsLookupProcessor", "{}").unwrap();
    let e = p
        .source_zone(&mut z, &mut SourceCtx::default())
        .unwrap_err();
    assert!(e.message.contains("has more than one SPF value"), "{e}");
    // an include outside the zone is not resolved: one lookup, and a warning naming it
    let w = spf(&[("", "TXT", "v=spf1 include:_spf.google.com ~all")]).unwrap();
    assert_eq!(w.len(), 1);
    assert!(
        w[0].contains("include:_spf.google.com not followed"),
        "{w:?}"
    );
    // an include loop ends
    assert!(spf(&[("", "TXT", "v=spf1 include:example.com -all")]).is_err());
}

#[test]
fn meta_adds_its_record_and_drops_a_plan_that_would_only_refresh_it() {
    use crate::plan::{Change, Op};
    let p = built(
        "octodns.processor.meta.MetaProcessor",
        "include_time: false\ninclude_provider: true\ninclude_extra: {team: dns, n: 1, on: true}",
    )
    .unwrap();
    let mut desired = zone(&[("www", "A", "192.0.2.1")]);
    let mut existing = Zone::new("example.com.");
    let mut ctx = TargetCtx {
        target: "route53",
        ..TargetCtx::default()
    };
    p.source_and_target(&mut desired, &mut existing, &mut ctx)
        .unwrap();
    let meta = desired.get("meta", &RecordType::Txt).unwrap().clone();
    assert_eq!(
        meta.rdata(),
        [
            "\"n=1\"",
            "\"on=True\"",
            "\"provider=route53\"",
            "\"team=dns\""
        ]
    );
    assert_eq!(meta.ttl, 60);
    // a second add is a duplicate
    assert!(
        p.source_and_target(&mut desired, &mut existing, &mut ctx)
            .is_err()
    );

    let mut held = meta.clone();
    held.values = vec![
        Value::Text("provider=other-value".into()),
        Value::Text("team=x".into()),
        Value::Text("n=2".into()),
        Value::Text("on=False".into()),
    ];
    let only_meta = |existing: Option<RecordSet>| ZonePlan {
        zone: "example.com.".into(),
        target: "route53".into(),
        exists: true,
        changes: vec![Change {
            op: if existing.is_some() {
                Op::Update
            } else {
                Op::Create
            },
            name: "meta".into(),
            rtype: RecordType::Txt,
            existing,
            desired: Some(meta.clone()),
        }],
        existing_count: 1,
        warnings: Vec::new(),
        ignored: Vec::new(),
        unmanaged: Vec::new(),
    };
    let mut ctx = PlanCtx {
        target: "route53",
        ..PlanCtx::default()
    };
    let mut plan = only_meta(Some(held.clone()));
    p.plan(&mut plan, &mut ctx).unwrap();
    assert!(plan.changes.is_empty(), "same keys: nothing to do");
    let mut plan = only_meta(None);
    p.plan(&mut plan, &mut ctx).unwrap();
    assert_eq!(plan.changes.len(), 1, "a new meta record is written");
    held.values.pop();
    let mut plan = only_meta(Some(held));
    p.plan(&mut plan, &mut ctx).unwrap();
    assert_eq!(plan.changes.len(), 1, "a key more: written");

    let e = built(
        "octodns.processor.meta.MetaProcessor",
        "include_time: false",
    )
    .unwrap_err();
    assert!(e.to_string().contains("includes nothing"), "{e}");
}

#[test]
fn templating_formats_like_python_for_plain_fields_and_refuses_the_rest() {
    use super::templating::format;
    let params: std::collections::BTreeMap<&str, String> = [
        ("zone_name", "example.com.".to_string()),
        ("n", "3".to_string()),
    ]
    .into();
    assert_eq!(
        format("in {zone_name} ({n})", &params).unwrap(),
        "in example.com. (3)"
    );
    assert_eq!(format("{{literal}} {n!s}", &params).unwrap(), "{literal} 3");
    assert!(
        format("{missing}", &params)
            .unwrap_err()
            .contains("undefined template parameter \"missing\"")
    );
    for bad in [
        "{n:>5}",
        "{n!r}",
        "{zone_name.upper}",
        "{0}",
        "{}",
        "a}b",
        "{open",
    ] {
        assert!(format(bad, &params).is_err(), "{bad}");
    }
    let p = built(
        "octodns.processor.templating.Templating",
        "trailing_dots: false\ncontext: {team: dns, year: 2026}",
    )
    .unwrap();
    let mut desired = zone(&[
        (
            "",
            "TXT",
            "zone {zone_name} has {zone_num_records} records, team {team} {year}",
        ),
        ("www", "CNAME", "lb.example.net."),
    ]);
    let mut mx = RecordSet::new(
        "mail",
        RecordType::Mx,
        300,
        vec![Value::Mx(crate::model::value::Mx {
            preference: 10,
            exchange: "mx.{record_name}.{zone_name}.".into(),
        })],
    );
    mx.settings.lenient = true;
    desired.insert(mx);
    let mut existing = Zone::new("example.com.");
    p.source_and_target(&mut desired, &mut existing, &mut TargetCtx::default())
        .unwrap();
    let rdata: Vec<String> = desired.iter().flat_map(|r| r.rdata()).collect();
    assert_eq!(
        rdata,
        [
            "\"zone example.com has 3 records, team dns 2026\"",
            "10 mx.mail.example.com.",
            "lb.example.net."
        ]
    );
    let mut bad = zone(&[("", "TXT", "{nope}")]);
    let e = p
        .source_and_target(&mut bad, &mut existing, &mut TargetCtx::default())
        .unwrap_err();
    assert_eq!(
        e.message,
        "Invalid record \"example.com.\", undefined template parameter \"nope\" in value"
    );
}
