//! The markdown rendering (the body of the pull-request comment): a warning banner (an alert
//! whose items are the deletes, apex NS changes and each rail's refusal, and whose own last
//! paragraph says how to force, in the caller's words), a summary table per zone × target
//! with what the apply does with it (will apply / refused, naming the rails / plan only),
//! collapsible details per zone with removed and added values, long values folded in a block
//! below the table, an old → new diff per update (values, dynamic routing, health check), and
//! a mermaid flowchart of the routing of every dynamic record created or changed.
//!
//! Every value from a zone is untrusted text: it goes into a code span (so `@team` and `#123`
//! do not link or ping), `|` is escaped (GFM splits cells before parsing code), line breaks
//! become `<br>`, and fences are always longer than any backtick run inside them. Tests check
//! the structure GitHub's parser sees (`mdtext::gfm`).

pub use crate::mdtext::{code, fenced, html_text, prose};

use super::{
    Context, LONG, PairStatus, diff_lines, display_name, fold, has_healthcheck, healthcheck_line,
    rule_text, update_lines, values_text,
};
use crate::model::{Dynamic, RecordSet, Status, idna_decode};
use crate::plan::{Change, Op, Plan, ZonePlan};

/// A value in a table cell: a code span, or for a long value (a DKIM key) its start and its
/// length, the whole value being shown folded in a block below the table.
fn cell_value(v: &str) -> String {
    let n = v.chars().count();
    if n <= LONG {
        return code(v);
    }
    let head: String = v.chars().take(LONG / 2).collect();
    format!("{}… ({n} characters, in full below)", code(&head))
}

fn cell_values(r: &RecordSet) -> String {
    let mut v: Vec<String> = values_text(r).iter().map(|v| cell_value(v)).collect();
    if r.dynamic.is_some() {
        v.push("*dynamic: routing below*".into());
    }
    v.join("<br>")
}

/// An update's values: kept ones plain, removed ones ➖, added ones ➕ (in value order).
fn update_cell(e: &RecordSet, d: &RecordSet) -> String {
    let mut all: Vec<&crate::model::Value> = e.values.iter().chain(d.values.iter()).collect();
    all.sort();
    all.dedup();
    let mut v: Vec<String> = all
        .into_iter()
        .map(|x| {
            let text = cell_value(&x.to_rdata());
            match (e.values.contains(x), d.values.contains(x)) {
                (true, true) => text,
                (true, false) => format!("➖ {text}"),
                _ => format!("➕ {text}"),
            }
        })
        .collect();
    match (&e.dynamic, &d.dynamic) {
        (None, None) => {}
        (a, b) if a == b => v.push("*dynamic: routing unchanged*".into()),
        (None, Some(_)) => v.push("*dynamic routing added: diff below*".into()),
        (Some(_), None) => v.push("*dynamic routing removed: diff below*".into()),
        _ => v.push("*dynamic routing changed: diff below*".into()),
    }
    v.join("<br>")
}

/// What the apply does with a zone × target, for the summary table.
fn status_cell(st: &PairStatus, force: &str, record: bool) -> String {
    let rails = |r: &[String]| r.join(", ");
    match st {
        PairStatus::WillApply if record => "✅ planned".into(),
        PairStatus::WillApply => "✅ will apply".into(),
        PairStatus::Refused(r) if record => format!("⛔ **refused** by the rails ({})", rails(r)),
        PairStatus::Refused(r) => format!("⛔ **refused**: needs {force} ({})", rails(r)),
        PairStatus::PlanOnly(r) if r.is_empty() => "⏸️ plan only".into(),
        PairStatus::PlanOnly(r) if record => {
            format!("⏸️ plan only; ⛔ **refused** by the rails ({})", rails(r))
        }
        PairStatus::PlanOnly(r) => format!(
            "⏸️ plan only; ⛔ **refused** ({}): holds the apply back until forced with {force}",
            rails(r)
        ),
    }
}

pub fn render(plan: &Plan, ctx: &Context) -> String {
    let mut out = String::new();
    out.push_str("## DNS plan\n\n");
    let changed: Vec<&ZonePlan> = plan.plans.iter().filter(|p| p.has_changes()).collect();
    if changed.is_empty() {
        out.push_str("No changes: every zone matches its targets.\n\n");
        out.push_str(&left_alone(plan));
        out.push_str(&format!("<sub>checksum `{}`</sub>\n", plan.checksum()));
        return out;
    }
    let force = code(&ctx.force_hint);
    let verdicts = ctx.verdicts();
    out.push_str(&banner(&changed, ctx, &force));

    // summary table
    out.push_str("| zone | target | status | create | update | delete | existing |\n");
    out.push_str("| --- | --- | --- | ---: | ---: | ---: | ---: |\n");
    for p in &changed {
        let s = p.summary();
        let st = verdicts.status(&p.zone, &p.target);
        let mut zone = code(&idna_decode(&p.zone));
        if !p.exists {
            zone.push_str(" (new)");
        }
        if matches!(&st, PairStatus::Refused(_))
            || matches!(&st, PairStatus::PlanOnly(r) if !r.is_empty())
        {
            zone.push_str(" ⚠️");
        }
        out.push_str(&format!(
            "| {zone} | {} | {} | {} | {} | {} | {} |\n",
            code(&p.target),
            status_cell(&st, &force, ctx.record),
            s.creates,
            s.updates,
            s.deletes,
            s.existing
        ));
    }
    out.push('\n');

    // details per zone × target
    for p in &changed {
        out.push_str(&details(p, verdicts.is_dry_run(&p.zone, &p.target)));
    }
    let warnings: Vec<&String> = changed
        .iter()
        .flat_map(|p| p.warnings.iter())
        .chain(ctx.warnings.iter())
        .collect();
    if !warnings.is_empty() {
        out.push_str("**Warnings**\n\n");
        for w in warnings {
            out.push_str(&format!("- {}\n", prose(w)));
        }
        out.push('\n');
    }
    out.push_str(&left_alone(plan));
    out.push_str(&format!("<sub>checksum `{}`</sub>\n", plan.checksum()));
    out
}

/// Records left alone on the targets (`ignore:` rules, `never_delete`), per zone × target,
/// whether or not the pair has changes: a reviewer sees what dnsplan will not touch.
fn left_alone(plan: &Plan) -> String {
    let mut out = String::new();
    for p in &plan.plans {
        for (what, records) in [
            ("ignored (ignore rules)", &p.ignored),
            (
                "unmanaged (not in git, kept by `never_delete`)",
                &p.unmanaged,
            ),
        ] {
            if records.is_empty() {
                continue;
            }
            if out.is_empty() {
                out.push_str("**Left alone**\n\n");
            }
            out.push_str(&format!(
                "- {} → {}: {} {what}: {}\n",
                code(&idna_decode(&p.zone)),
                code(&p.target),
                records.len(),
                prose(&crate::render::held_list(records, &p.zone))
            ));
        }
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// The warning banner (an alert): one list item per fact — deletes, apex NS changes, each
/// refusal — and, when anything is refused, a paragraph of its own saying how to force it.
fn banner(changed: &[&ZonePlan], ctx: &Context, force: &str) -> String {
    let deletes: usize = changed.iter().map(|p| p.summary().deletes).sum();
    let root_ns = changed
        .iter()
        .filter(|p| crate::plan::safety::touches_root_ns(p))
        .count();
    let mut items = Vec::new();
    if deletes > 0 {
        items.push(format!(
            "This plan **deletes {deletes} record{}**.",
            if deletes == 1 { "" } else { "s" }
        ));
    }
    if root_ns > 0 {
        items.push("It changes the **apex NS** (delegation) of a zone.".to_string());
    }
    for r in &ctx.refusals {
        let rail = if r.rail.is_empty() {
            "refused".to_string()
        } else {
            format!("refused ({})", html_text(&r.rail))
        };
        items.push(format!("**{rail}**: {}", prose(&r.message)));
    }
    if items.is_empty() {
        return String::new();
    }
    let mut out = String::from("> [!WARNING]\n");
    for i in &items {
        out.push_str(&format!("> - {i}\n"));
    }
    if !ctx.refusals.is_empty() && !ctx.record {
        out.push_str(">\n");
        out.push_str(&format!(
            "> **Apply is refused unless forced** with {force}: until then nothing is applied, \
             not even the zones marked *will apply*.\n"
        ));
    }
    out.push('\n');
    out
}

/// The collapsible section of one zone × target (`dry`: it is plan-only).
pub fn details(p: &ZonePlan, dry: bool) -> String {
    let s = p.summary();
    let mut out = format!(
        "<details><summary>{} → {}: +{} ~{} -{}{}{}</summary>\n\n",
        html_text(&idna_decode(&p.zone)),
        html_text(&p.target),
        s.creates,
        s.updates,
        s.deletes,
        if p.exists {
            ""
        } else {
            " (zone will be created)"
        },
        if dry { " (plan only)" } else { "" }
    );
    if !p.changes.is_empty() {
        out.push_str("| | name | type | ttl | values |\n| --- | --- | --- | --- | --- |\n");
        for c in &p.changes {
            out.push_str(&row(c, &p.zone));
        }
        out.push('\n');
    }
    // long values of creates and deletes, in full, in one block that scrolls
    let mut long = Vec::new();
    for c in p.changes.iter().filter(|c| c.op != Op::Update) {
        for v in values_text(c.record()) {
            if v.chars().count() > LONG {
                long.push(format!(
                    "{} {} ({})",
                    display_name(&c.name, &p.zone),
                    c.rtype,
                    c.op.as_str()
                ));
                long.extend(fold(&v).into_iter().map(|l| format!("  {l}")));
            }
        }
    }
    if !long.is_empty() {
        out.push_str("Long values in full:\n\n");
        out.push_str(&fenced("text", &long.join("\n")));
        out.push('\n');
    }
    for c in p.changes.iter().filter(|c| c.op == Op::Update) {
        let diff = value_diff(c, &p.zone);
        if !diff.is_empty() {
            out.push_str(&format!(
                "{} {}, old → new:\n\n",
                code(&display_name(&c.name, &p.zone)),
                c.rtype
            ));
            out.push_str(&fenced("diff", &diff));
            out.push('\n');
        }
    }
    for c in &p.changes {
        let Some(d) = c.desired.as_ref().and_then(|r| r.dynamic.as_ref()) else {
            continue;
        };
        let changed =
            c.op == Op::Create || c.existing.as_ref().and_then(|e| e.dynamic.as_ref()) != Some(d);
        if changed {
            let r = c.desired.as_ref().expect("dynamic on desired");
            out.push_str(&format!(
                "Routing of {} {}:\n\n",
                code(&display_name(&c.name, &p.zone)),
                c.rtype
            ));
            out.push_str(&fenced("mermaid", &mermaid(r, d)));
            out.push('\n');
            if c.op == Op::Create && has_healthcheck(r) {
                out.push_str(&format!("{}\n\n", code(&healthcheck_line(r, &p.zone))));
            }
        }
    }
    out.push_str("</details>\n\n");
    out
}

fn row(c: &Change, zone: &str) -> String {
    let name = code(&display_name(&c.name, zone));
    match c.op {
        Op::Create | Op::Delete => {
            let r = c.record();
            let mark = if c.op == Op::Create {
                "➕ create"
            } else {
                "➖ delete"
            };
            format!(
                "| {mark} | {name} | {} | {} | {} |\n",
                c.rtype,
                r.ttl,
                cell_values(r)
            )
        }
        Op::Update => {
            let e = c.existing.as_ref().expect("update has existing");
            let d = c.desired.as_ref().expect("update has desired");
            let ttl = if e.ttl == d.ttl {
                d.ttl.to_string()
            } else {
                format!("{} → {}", e.ttl, d.ttl)
            };
            format!(
                "| ✏️ update | {name} | {} | {ttl} | {} |\n",
                c.rtype,
                update_cell(e, d)
            )
        }
    }
}

/// A unified diff of an update (presentation format): ttl, values (long ones folded so the
/// diff shows which part changed), dynamic routing and health check, one fact per line.
pub fn value_diff(c: &Change, zone: &str) -> String {
    let (Some(e), Some(d)) = (&c.existing, &c.desired) else {
        return String::new();
    };
    let (mut old, mut new) = update_lines(e, d, zone);
    if e.ttl != d.ttl {
        old.insert(0, format!("ttl {}", e.ttl));
        new.insert(0, format!("ttl {}", d.ttl));
    }
    if old == new {
        return String::new();
    }
    diff_lines(&old, &new)
        .into_iter()
        .map(|(sign, line)| format!("{sign}{line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Mermaid-safe label text.
fn label(s: &str) -> String {
    let mut o = String::new();
    for c in s.chars() {
        match c {
            '"' => o.push_str("#quot;"),
            '<' => o.push_str("#lt;"),
            '>' => o.push_str("#gt;"),
            '`' => o.push_str("#96;"),
            '#' => o.push_str("#35;"),
            '@' => o.push_str("#64;"),
            '|' => o.push_str("#124;"),
            '&' => o.push_str("#amp;"),
            '\n' | '\r' => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// A flowchart of a dynamic record: rules → pools → values (with weights and statuses),
/// fallback edges, and the default values that answer when every pool is down.
pub fn mermaid(r: &RecordSet, d: &Dynamic) -> String {
    let mut o = String::from("flowchart LR\n");
    let pool_ids: Vec<&String> = d.pools.keys().collect();
    let pid = |p: &str| {
        pool_ids
            .iter()
            .position(|x| x.as_str() == p)
            .map(|i| format!("p{i}"))
            .unwrap_or_else(|| "pX".into())
    };
    o.push_str("  q([query])\n");
    for (i, rule) in d.rules.iter().enumerate() {
        let text = format!("rule {}: {}", i + 1, rule_text(rule));
        o.push_str(&format!("  r{i}{{\"{}\"}}\n", label(&text)));
        o.push_str(&format!("  q --> r{i}\n"));
        o.push_str(&format!("  r{i} --> {}\n", pid(&rule.pool)));
    }
    for (id, pool) in &d.pools {
        let p = pid(id);
        o.push_str(&format!("  {p}[\"pool {}\"]\n", label(id)));
        for (j, v) in pool.values.iter().enumerate() {
            let status = match v.status {
                Status::Obey => String::new(),
                Status::Up => " (forced up)".into(),
                Status::Down => " (forced down)".into(),
            };
            o.push_str(&format!(
                "  {p}v{j}[\"{}{}\"]\n",
                label(&v.value.to_rdata()),
                label(&status)
            ));
            o.push_str(&format!("  {p} -- \"weight {}\" --> {p}v{j}\n", v.weight));
        }
        match &pool.fallback {
            Some(f) => o.push_str(&format!("  {p} -. \"all down\" .-> {}\n", pid(f))),
            None => o.push_str(&format!("  {p} -. \"all down\" .-> default\n")),
        }
    }
    let defaults: Vec<String> = r.values.iter().map(|v| v.to_rdata()).collect();
    o.push_str(&format!(
        "  default[\"default: {}\"]\n",
        label(&defaults.join(", "))
    ));
    o.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_are_inert() {
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("x `y` z"), "``x `y` z``");
        assert_eq!(code("`edge"), "`` `edge ``");
        assert_eq!(code(""), "*(empty)*");
        assert_eq!(
            html_text("<script>@org/team #1"),
            "&lt;script&gt;&#64;org/team &#35;1"
        );
    }

    #[test]
    fn fences_outgrow_content() {
        let f = fenced("diff", "a ``` b");
        assert!(f.starts_with("````diff\n"), "{f}");
    }
}
