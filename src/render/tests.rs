//! Snapshots of the three renderings of one plan holding every kind of change, a dynamic
//! record, a long TXT update and hostile values; then the markdown of the review scenarios
//! (several zones on two providers, rail refusals, a dynamic record change, an oversize plan
//! fitted to a comment) as full bodies and as the structure GitHub's parser sees.

use std::collections::BTreeMap;

use super::*;
use crate::model::value::{Mx, Value};
use crate::model::{Capabilities, Dynamic, Pool, PoolValue, RecordType, Rule, Status, Zone};
use crate::plan::safety::{self, Rails};
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
        refusals: refused(&plan, &Rails::default()),
        ..Context::default()
    };
    (plan, ctx)
}

/// The rails' verdicts on every plan, as the engine computes them.
fn refused(plan: &Plan, rails: &Rails) -> Vec<Refused> {
    plan.plans
        .iter()
        .flat_map(|p| {
            safety::check(p, rails)
                .into_iter()
                .map(|r| Refused::new(&p.zone, &p.target, &r))
        })
        .collect()
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

// ---------------------------------------------------------------------------------------------
// The review scenarios, through GitHub's parser.

use crate::github::markdown::{COMMENT_LIMIT, Measure, Notes, fit};
use crate::mdtext::gfm::{self, Block};

fn txt(s: &str) -> Value {
    Value::Text(s.into())
}

/// `n` A records `h0` … so the percentage rails apply.
fn hosts(z: &mut Zone, n: usize) {
    for i in 0..n {
        z.insert(rs(
            &format!("h{i}"),
            RecordType::A,
            300,
            vec![ip(&format!("192.0.2.{}", i + 1))],
        ));
    }
}

/// The outline's text outside inline code: a backtick here is one the reader sees.
fn visible(s: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in s.chars() {
        match c {
            '«' => depth += 1,
            '»' => depth -= 1,
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// What every plan comment must be: balanced; the banner (when there is one) an alert whose
/// items are a list and whose force line is a paragraph of its own; a summary table with a
/// status per zone × target; one top-level `<details>` per changed pair, each with a table of
/// five columns; no literal backtick anywhere a reader sees text.
fn check_structure(md: &str, plan: &Plan, ctx: &Context) -> Vec<Block> {
    let o = gfm::parse(md);
    assert_eq!(o[0], Block::Heading(2, "DNS plan".into()));
    let changed: Vec<_> = plan.plans.iter().filter(|p| p.has_changes()).collect();
    let alert = o.iter().find_map(|b| match b {
        Block::Alert(k, body) => Some((k, body)),
        _ => None,
    });
    if let Some((kind, body)) = alert {
        assert_eq!(kind, "warning");
        let Block::List(items) = &body[0] else {
            panic!("the banner starts with its list: {body:?}")
        };
        for item in items {
            assert!(
                matches!(item.as_slice(), [Block::Paragraph(t)] if !t.contains("Apply is refused")),
                "a banner item is one paragraph, without the force line: {item:?}"
            );
        }
        let refusals = items
            .iter()
            .filter(|i| matches!(&i[0], Block::Paragraph(t) if t.starts_with("refused")))
            .count();
        assert_eq!(refusals, ctx.refusals.len());
        if ctx.refusals.is_empty() {
            assert_eq!(body.len(), 1, "{body:?}");
        } else {
            let want = format!("Apply is refused unless forced with «{}»", ctx.force_hint);
            assert!(
                matches!(&body[1..], [Block::Paragraph(t)] if t.starts_with(&want)),
                "the force line is the banner's own last paragraph: {body:?}"
            );
        }
    } else {
        assert!(ctx.refusals.is_empty());
    }
    let summary = o
        .iter()
        .find_map(|b| match b {
            Block::Table { header, rows } => Some((header, rows)),
            _ => None,
        })
        .expect("a summary table");
    assert_eq!(
        summary.0,
        &[
            "zone", "target", "status", "create", "update", "delete", "existing"
        ]
    );
    assert_eq!(summary.1.len(), changed.len());
    for (row, p) in summary.1.iter().zip(&changed) {
        let want = match ctx.status(&p.zone, &p.target) {
            PairStatus::WillApply => "will apply".to_string(),
            PairStatus::Refused(r) => {
                format!("refused: needs «{}» ({})", ctx.force_hint, r.join(", "))
            }
            PairStatus::PlanOnly(_) => "plan only".to_string(),
        };
        assert!(row[2].contains(&want), "{row:?} should say {want}");
        assert_eq!(
            row[0].contains('⚠'),
            !ctx.rails(&p.zone, &p.target).is_empty(),
            "⚠️ marks exactly the refused pairs: {row:?}"
        );
    }
    let details: Vec<_> = o
        .iter()
        .filter_map(|b| match b {
            Block::Details { summary, body } => Some((summary, body)),
            _ => None,
        })
        .collect();
    // a fitted comment may leave sections out, never add one
    assert!(details.len() <= changed.len());
    if !md.contains("left out here") && !md.contains("Truncated") {
        assert_eq!(details.len(), changed.len());
    }
    for (summary, body) in &details {
        assert!(
            changed
                .iter()
                .any(|p| summary.starts_with(&format!("{} → {}:", p.zone, p.target))),
            "{summary}"
        );
        assert!(
            matches!(&body[0], Block::Table { header, .. } if header.len() == 5),
            "{body:?}"
        );
    }
    for b in gfm::flatten(&o) {
        let texts: Vec<&String> = match b {
            Block::Paragraph(t) | Block::Heading(_, t) => vec![t],
            Block::Table { header, rows } => header.iter().chain(rows.iter().flatten()).collect(),
            _ => vec![],
        };
        for t in texts {
            assert!(!visible(t).contains('`'), "a literal backtick in {t:?}");
        }
    }
    o
}

fn snapshot(name: &str, md: &str, outline: &[Block]) {
    insta::assert_snapshot!(name, md);
    insta::assert_snapshot!(format!("{name}_outline"), gfm::text(outline));
}

#[test]
fn sample_markdown_is_well_formed() {
    let (plan, ctx) = sample();
    let md = markdown::render(&plan, &ctx);
    let o = check_structure(&md, &plan, &ctx);
    insta::assert_snapshot!("sample_outline", gfm::text(&o));
}

/// Creates, updates and deletes on three zones, on two providers, one pair plan-only.
fn several_zones() -> (Plan, Context) {
    let caps = Capabilities::everything();
    let mut plan = Plan::default();
    for (zone, n) in [
        ("example.com.", 3),
        ("example.net.", 4),
        ("example.org.", 2),
    ] {
        let mut existing = Zone::new(zone);
        let mut desired = Zone::new(zone);
        hosts(&mut existing, n);
        hosts(&mut desired, n - 1); // the last host is deleted
        desired.insert(rs(
            "www",
            RecordType::Cname,
            300,
            vec![Value::Target(zone.into())],
        ));
        existing.insert(rs("", RecordType::Txt, 300, vec![txt("v=spf1 -all")]));
        desired.insert(rs(
            "",
            RecordType::Txt,
            300,
            vec![txt("v=spf1 include:_spf.example.net -all"), txt("hello")],
        ));
        for target in ["route53", "powerdns"] {
            plan.plans
                .push(diff(Some(&existing), &desired, target, &caps));
        }
    }
    plan.sort();
    let ctx = Context {
        dry_run: vec![ZoneTarget::new("example.org.", "powerdns")],
        force_hint: "force: true".into(),
        ..Context::default()
    };
    (plan, ctx)
}

#[test]
fn several_zones_on_two_providers() {
    let (plan, ctx) = several_zones();
    let md = markdown::render(&plan, &ctx);
    let o = check_structure(&md, &plan, &ctx);
    // deletes alone warn, but refuse nothing: no force line, every pair will apply or plans only
    assert!(md.contains("deletes 6 records"));
    assert!(!md.contains("Apply is refused"));
    let (_, rows) = gfm::tables(&o)[0];
    let statuses: Vec<&str> = rows.iter().map(|r| r[2].as_str()).collect();
    assert_eq!(
        statuses.iter().filter(|s| s.contains("plan only")).count(),
        1
    );
    assert_eq!(
        statuses.iter().filter(|s| s.contains("will apply")).count(),
        5
    );
    // an update shows what goes and what comes
    let (_, com) = gfm::tables(&o)[1];
    let txt_row = com.iter().find(|r| r[2] == "TXT").expect("TXT update row");
    assert_eq!(
        txt_row[4],
        "➕ «\"hello\"» / ➖ «\"v=spf1 -all\"» / ➕ «\"v=spf1 include:_spf.example.net -all\"»"
    );
    snapshot("several_zones", &md, &o);
}

/// A zone of 12 records losing 5 on a target with max_deletes 2 and TXT needing confirmation,
/// plus an apex NS change on another zone.
fn refusals() -> (Plan, Context) {
    let caps = Capabilities::everything();
    let mut existing = Zone::new("big.example.");
    hosts(&mut existing, 12);
    let mut desired = Zone::new("big.example.");
    hosts(&mut desired, 7);
    desired.insert(rs("note", RecordType::Txt, 300, vec![txt("changed")]));
    let mut ns_old = Zone::new("deleg.example.");
    ns_old.insert(rs(
        "",
        RecordType::Ns,
        3600,
        vec![Value::Target("ns1.old.example.".into())],
    ));
    let mut ns_new = Zone::new("deleg.example.");
    ns_new.insert(rs(
        "",
        RecordType::Ns,
        3600,
        vec![Value::Target("ns1.new.example.".into())],
    ));
    let mut safe = Zone::new("safe.example.");
    safe.insert(rs("www", RecordType::A, 300, vec![ip("198.51.100.1")]));
    let mut plan = Plan {
        plans: vec![
            diff(Some(&existing), &desired, "route53", &caps),
            diff(Some(&ns_old), &ns_new, "powerdns", &caps),
            diff(Some(&Zone::new("safe.example.")), &safe, "powerdns", &caps),
        ],
    };
    plan.sort();
    let rails = Rails {
        max_deletes: Some(2),
        confirm_types: vec!["txt".into()],
        ..Rails::default()
    };
    let ctx = Context {
        refusals: refused(&plan, &rails),
        force_hint: "force: true".into(),
        ..Context::default()
    };
    (plan, ctx)
}

#[test]
fn rail_refusals_name_the_rail_per_zone_and_target() {
    let (plan, ctx) = refusals();
    let rails: Vec<&str> = ctx.refusals.iter().map(|r| r.rail.as_str()).collect();
    assert_eq!(
        rails,
        [
            "delete threshold",
            "max_deletes",
            "confirm_types",
            "root NS"
        ]
    );
    let md = markdown::render(&plan, &ctx);
    let o = check_structure(&md, &plan, &ctx);
    let (_, rows) = gfm::tables(&o)[0];
    assert_eq!(
        rows.iter().map(|r| r[2].as_str()).collect::<Vec<_>>(),
        [
            "⛔ refused: needs «force: true» (delete threshold, max_deletes, confirm_types)",
            "⛔ refused: needs «force: true» (root NS)",
            "✅ will apply",
        ]
    );
    assert!(!md.contains("--force"), "the Action's words only:\n{md}");
    // the CLI says --force
    let cli = Context {
        force_hint: "--force".into(),
        ..ctx.clone()
    };
    let cli_md = markdown::render(&plan, &cli);
    check_structure(&cli_md, &plan, &cli);
    assert!(cli_md.contains("forced** with `--force`") && !cli_md.contains("force: true"));
    let table = table::render(&plan, &ctx, false);
    assert!(
        table.contains("big.example. → route53 [refused: needs force: true (delete threshold, max_deletes, confirm_types)]"),
        "{table}"
    );
    assert!(table.contains("refused without force: true (root NS): [deleg.example.] Root NS"));
    assert!(table.contains("safe.example. → powerdns [will apply]"));
    snapshot("refusals", &md, &o);
}

#[test]
fn a_refused_plan_only_pair_says_it_holds_the_apply_back() {
    let (plan, mut ctx) = refusals();
    ctx.dry_run = vec![ZoneTarget::new("deleg.example.", "powerdns")];
    assert_eq!(
        ctx.status("deleg.example.", "powerdns"),
        PairStatus::PlanOnly(vec!["root NS".into()])
    );
    let md = markdown::render(&plan, &ctx);
    let o = check_structure(&md, &plan, &ctx);
    let (_, rows) = gfm::tables(&o)[0];
    assert_eq!(
        rows[1][2],
        "⏸️ plan only; ⛔ refused (root NS): holds the apply back until forced with «force: true»"
    );
}

fn pool(fallback: Option<&str>, values: &[(&str, u32, Status)]) -> Pool {
    Pool {
        fallback: fallback.map(str::to_string),
        values: values
            .iter()
            .map(|(v, w, s)| PoolValue {
                value: ip(v),
                weight: *w,
                status: *s,
            })
            .collect(),
    }
}

fn rule(pool: &str, geos: &[&str], subnets: &[&str]) -> Rule {
    Rule {
        pool: pool.into(),
        geos: geos.iter().map(|s| s.to_string()).collect(),
        subnets: subnets.iter().map(|s| s.to_string()).collect(),
    }
}

/// A dynamic record whose weights, a status, a fallback, a rule's geos and subnets and the
/// health check path change, and a pool value is added.
fn dynamic_change() -> (Plan, Context) {
    let mut old = rs("geo", RecordType::A, 60, vec![ip("203.0.113.1")]);
    old.dynamic = Some(Dynamic {
        pools: BTreeMap::from([
            (
                "eu".to_string(),
                pool(
                    Some("us"),
                    &[
                        ("192.0.2.10", 3, Status::Obey),
                        ("192.0.2.11", 1, Status::Obey),
                    ],
                ),
            ),
            (
                "us".to_string(),
                pool(None, &[("198.51.100.10", 1, Status::Obey)]),
            ),
        ]),
        rules: vec![rule("eu", &["EU"], &[]), rule("us", &[], &[])],
    });
    old.settings.raw.insert(
        "healthcheck".into(),
        serde_json::json!({"path": "/_dns", "port": 443}),
    );
    let mut new = old.clone();
    new.dynamic = Some(Dynamic {
        pools: BTreeMap::from([
            (
                "eu".to_string(),
                pool(
                    None,
                    &[
                        ("192.0.2.10", 5, Status::Obey),
                        ("192.0.2.11", 1, Status::Down),
                        ("192.0.2.12", 1, Status::Obey),
                    ],
                ),
            ),
            (
                "us".to_string(),
                pool(None, &[("198.51.100.10", 1, Status::Obey)]),
            ),
        ]),
        rules: vec![
            rule("eu", &["EU", "NA-CA"], &["10.0.0.0/8"]),
            rule("us", &[], &[]),
        ],
    });
    new.settings.raw.insert(
        "healthcheck".into(),
        serde_json::json!({"path": "/health", "port": 443}),
    );
    let mut existing = Zone::new("example.com.");
    existing.insert(old);
    let mut desired = Zone::new("example.com.");
    desired.insert(new);
    let plan = Plan {
        plans: vec![diff(
            Some(&existing),
            &desired,
            "route53",
            &Capabilities::everything(),
        )],
    };
    (plan, Context::default())
}

#[test]
fn dynamic_changes_show_pools_weights_rules_and_health_checks() {
    let (plan, ctx) = dynamic_change();
    let md = markdown::render(&plan, &ctx);
    assert!(!md.contains("pools,"), "no bare pool count:\n{md}");
    let o = check_structure(&md, &plan, &ctx);
    let diff = gfm::flatten(&o)
        .into_iter()
        .find_map(|b| match b {
            Block::Code { info, text } if info == "diff" => Some(text.clone()),
            _ => None,
        })
        .expect("a diff block");
    for line in [
        "-pool eu: fallback us",
        "+pool eu: no fallback",
        "-pool eu: 192.0.2.10 weight 3",
        "+pool eu: 192.0.2.10 weight 5",
        "-pool eu: 192.0.2.11 weight 1",
        "+pool eu: 192.0.2.11 weight 1, forced down",
        "+pool eu: 192.0.2.12 weight 1",
        " pool us: 198.51.100.10 weight 1",
        "-rule 1: geos EU → pool eu",
        "+rule 1: geos EU, NA-CA; subnets 10.0.0.0/8 → pool eu",
        " rule 2: everyone else → pool us",
        "-healthcheck: HTTPS host geo.example.com port 443 path /_dns",
        "+healthcheck: HTTPS host geo.example.com port 443 path /health",
    ] {
        assert!(
            diff.lines().any(|l| l == line),
            "{line:?} missing in\n{diff}"
        );
    }
    let (_, rows) = gfm::tables(&o)[1];
    assert_eq!(
        rows[0][4],
        "«203.0.113.1» / dynamic routing changed: diff below"
    );
    let table = table::render(&plan, &ctx, false);
    assert!(table.contains("+ pool eu: 192.0.2.10 weight 5"), "{table}");
    assert!(table.contains("- rule 1: geos EU → pool eu"), "{table}");
    snapshot("dynamic_change", &md, &o);
}

#[test]
fn a_target_without_octodns_settings_does_not_show_a_health_check_change() {
    let (mut plan, ctx) = dynamic_change();
    let c = &mut plan.plans[0].changes[0];
    c.existing.as_mut().unwrap().settings = Default::default();
    let diff = markdown::value_diff(c, "example.com.");
    assert!(
        diff.lines()
            .any(|l| l == " healthcheck: HTTPS host geo.example.com port 443 path /health"),
        "{diff}"
    );
    assert!(!diff.contains("/_dns"), "{diff}");
    check_structure(&markdown::render(&plan, &ctx), &plan, &ctx);
}

#[test]
fn long_values_are_folded_below_the_table() {
    let key = format!(
        "v=DKIM1; k=rsa; p={}",
        "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A".repeat(8)
    );
    let mut z = Zone::new("example.com.");
    z.insert(rs("sel._domainkey", RecordType::Txt, 300, vec![txt(&key)]));
    let plan = Plan {
        plans: vec![diff(
            Some(&Zone::new("example.com.")),
            &z,
            "route53",
            &Capabilities::everything(),
        )],
    };
    let ctx = Context::default();
    let md = markdown::render(&plan, &ctx);
    let o = check_structure(&md, &plan, &ctx);
    let (_, rows) = gfm::tables(&o)[1];
    let shown = z.records.values().next().unwrap().rdata().remove(0);
    let n = shown.chars().count();
    let head: String = shown.chars().take(crate::render::LONG / 2).collect();
    assert_eq!(
        rows[0][4],
        format!("«{head}»… ({n} characters, in full below)")
    );
    let full = gfm::flatten(&o)
        .into_iter()
        .find_map(|b| match b {
            Block::Code { info, text } if info == "text" => Some(text.clone()),
            _ => None,
        })
        .expect("the value in full");
    let mut lines = full.lines();
    assert_eq!(
        lines.next(),
        Some("sel._domainkey.example.com. TXT (create)")
    );
    let rest: Vec<&str> = lines.collect();
    assert!(
        rest.iter()
            .all(|l| l.chars().count() <= 6 + crate::render::FOLD)
    );
    let joined: String = rest.iter().map(|l| l.trim_start()).collect();
    assert_eq!(joined, shown);
}

/// Many zones of long records: more than a comment holds.
fn oversize() -> (Plan, Context) {
    let caps = Capabilities::everything();
    let mut plan = Plan::default();
    for z in 0..30 {
        let zone = format!("z{z:02}.example.");
        let mut d = Zone::new(zone.as_str());
        for i in 0..40 {
            d.insert(rs(
                &format!("r{i}"),
                RecordType::Txt,
                300,
                vec![txt(&format!("{i} {}", "x".repeat(70)))],
            ));
        }
        plan.plans
            .push(diff(Some(&Zone::new(zone.as_str())), &d, "route53", &caps));
    }
    plan.sort();
    (plan, Context::default())
}

fn fit_comment(md: &str, budget: usize) -> String {
    let dropped =
        |n: usize| format!("_{n} zone sections are left out here; see the step summary._");
    let notes = Notes {
        dropped: &dropped,
        truncated: "**Truncated**: the rest is in the step summary.",
    };
    let f = fit(md, budget, Measure::Utf16, &notes);
    assert!(Measure::Utf16.len(&f.text) <= budget);
    f.text
}

#[test]
fn an_oversize_plan_is_fitted_and_stays_well_formed() {
    let (plan, ctx) = oversize();
    let md = markdown::render(&plan, &ctx);
    assert!(Measure::Utf16.len(&md) > COMMENT_LIMIT);
    // GitHub's limit: whole details sections dropped, the summary and the checksum kept
    let fitted = fit_comment(&md, COMMENT_LIMIT);
    let o = check_structure(&fitted, &plan, &ctx);
    let kept = o
        .iter()
        .filter(|b| matches!(b, Block::Details { .. }))
        .count();
    assert!(kept > 0 && kept < 30, "{kept}");
    let notes = format!("{} zone sections are left out here", 30 - kept);
    assert!(
        o.iter()
            .any(|b| matches!(b, Block::Paragraph(t) if t.contains(&notes))),
        "{}",
        gfm::text(&o)
    );
    assert!(matches!(o.last(), Some(Block::Paragraph(t)) if t.starts_with("checksum «")));
    // a budget below the summary table: cut, and still well formed at every size
    for budget in (1000..12_000).step_by(577) {
        gfm::parse(&fit_comment(&md, budget));
    }
    let small = fit_comment(&md, 4000);
    let so = gfm::parse(&small);
    snapshot("oversize_fitted_to_4000", &small, &so);
}

#[test]
fn a_created_dynamic_record_shows_its_health_check_only_when_it_sets_one() {
    let (plan, ctx) = sample();
    let md = markdown::render(&plan, &ctx);
    assert!(
        !md.contains("healthcheck:"),
        "octoDNS's defaults alone are not shown:\n{md}"
    );
    let (mut plan, ctx) = dynamic_change();
    // the same record, created
    let c = &mut plan.plans[0].changes[0];
    c.existing = None;
    c.op = crate::plan::Op::Create;
    let md = markdown::render(&plan, &ctx);
    check_structure(&md, &plan, &ctx);
    assert!(
        md.contains("`healthcheck: HTTPS host geo.example.com port 443 path /health`"),
        "{md}"
    );
}

/// `n` one-record zones, every one plan-only.
fn plan_only_estate(n: usize) -> (Plan, Context) {
    let caps = Capabilities::everything();
    let mut plan = Plan::default();
    let mut dry = Vec::new();
    for z in 0..n {
        let zone = format!("z{z:05}.example.");
        let mut d = Zone::new(zone.as_str());
        d.insert(rs("www", RecordType::A, 300, vec![ip("192.0.2.1")]));
        plan.plans
            .push(diff(Some(&Zone::new(zone.as_str())), &d, "t", &caps));
        dry.push(ZoneTarget::new(&zone, "t"));
    }
    let ctx = Context {
        dry_run: dry,
        ..Context::default()
    };
    (plan, ctx)
}

/// The fastest of three renderings (markdown and table) of an estate of `n` plan-only pairs.
fn render_time(n: usize) -> std::time::Duration {
    let (plan, ctx) = plan_only_estate(n);
    (0..3)
        .map(|_| {
            let t = std::time::Instant::now();
            let md = markdown::render(&plan, &ctx);
            let tb = table::render(&plan, &ctx, false);
            assert!(md.contains("plan only") && tb.contains("[plan only]"));
            t.elapsed()
        })
        .min()
        .unwrap()
}

/// Rendering looks each pair's verdict up in an index: 8× the pairs cost about 8× the time,
/// not 64× (a scan of the plan-only list per pair took 4.1 s for 20,000 pairs, release).
#[test]
fn rendering_scales_linearly_with_plan_only_pairs() {
    let small = render_time(1_500);
    let large = render_time(12_000);
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-6);
    assert!(
        ratio < 30.0,
        "12,000 pairs took {large:?}, 1,500 took {small:?}: {ratio:.1}×"
    );
}

#[test]
fn a_zone_target_pair_is_a_two_element_array_in_json() {
    let p = ZoneTarget::new("example.org.", "powerdns");
    let j = serde_json::to_value(&p).unwrap();
    assert_eq!(j, serde_json::json!(["example.org.", "powerdns"]));
    assert_eq!(serde_json::from_value::<ZoneTarget>(j).unwrap(), p);
}

#[test]
fn ignored_and_unmanaged_records_are_listed_in_every_rendering() {
    let (mut plan, ctx) = sample();
    let many: Vec<RecordSet> = (0..12)
        .map(|i| {
            rs(
                &format!("k8s-{i:02}"),
                RecordType::Txt,
                60,
                vec![txt("owned")],
            )
        })
        .collect();
    plan.plans[0].ignored = many;
    plan.plans[0].unmanaged = vec![rs("legacy", RecordType::A, 300, vec![ip("192.0.2.9")])];
    let zone = plan.plans[0].zone.clone();
    let t = table::render(&plan, &ctx, false);
    assert!(
        t.contains(&format!(
            "ignored (left alone by ignore rules): 12: k8s-00.{zone} TXT"
        )),
        "{t}"
    );
    assert!(t.contains("and 2 more"), "{t}");
    assert!(
        t.contains(&format!(
            "unmanaged (not in git, kept by never_delete): 1: legacy.{zone} A"
        )),
        "{t}"
    );
    let md = markdown::render(&plan, &ctx);
    assert!(md.contains("**Left alone**"), "{md}");
    assert!(md.contains("12 ignored (ignore rules)"), "{md}");
    assert!(
        md.contains("1 unmanaged (not in git, kept by `never_delete`)"),
        "{md}"
    );
    // shown also when nothing changes
    let mut quiet = plan.clone();
    for p in &mut quiet.plans {
        p.changes.clear();
        p.exists = true;
    }
    let md = markdown::render(&quiet, &ctx);
    assert!(
        md.contains("No changes") && md.contains("**Left alone**"),
        "{md}"
    );
    let t = table::render(&quiet, &ctx, false);
    assert!(t.contains("ignored (left alone by ignore rules)"), "{t}");
}
