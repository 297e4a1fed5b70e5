//! The markdown rendering (the body of the pull-request comment): a summary table per
//! zone × target, a warning banner for deletes, apex NS changes and refused plans, collapsible
//! details per zone with value diffs for updates, and a mermaid flowchart of the routing of
//! every dynamic record created or changed.
//!
//! Every value from a zone is untrusted text: it goes into a code span (so `@team` and `#123`
//! do not link or ping), `|` is escaped (GFM splits cells before parsing code), line breaks
//! become `<br>`, and fences are always longer than any backtick run inside them.

use similar::{ChangeTag, TextDiff};

pub use crate::mdtext::{code, fenced, html_text};

use super::{Context, display_name, values_text};
use crate::model::{Dynamic, RecordSet, Status, idna_decode};
use crate::plan::safety::risky;
use crate::plan::{Change, Op, Plan, ZonePlan};

fn cell_values(r: &RecordSet) -> String {
    values_text(r)
        .iter()
        .map(|v| code(v))
        .collect::<Vec<_>>()
        .join("<br>")
}

pub fn render(plan: &Plan, ctx: &Context) -> String {
    let mut out = String::new();
    out.push_str("## DNS plan\n\n");
    let changed: Vec<&ZonePlan> = plan.plans.iter().filter(|p| p.has_changes()).collect();
    if changed.is_empty() {
        out.push_str("No changes: every zone matches its targets.\n\n");
        out.push_str(&format!("<sub>checksum `{}`</sub>\n", plan.checksum()));
        return out;
    }

    // warning banner
    let deletes: usize = changed.iter().map(|p| p.summary().deletes).sum();
    let root_ns = changed
        .iter()
        .filter(|p| crate::plan::safety::touches_root_ns(p))
        .count();
    if deletes > 0 || root_ns > 0 || !ctx.refusals.is_empty() {
        out.push_str("> [!WARNING]\n");
        if deletes > 0 {
            out.push_str(&format!(
                "> This plan **deletes {deletes} record{}**.\n",
                if deletes == 1 { "" } else { "s" }
            ));
        }
        if root_ns > 0 {
            out.push_str("> It changes the **apex NS** (delegation) of a zone.\n");
        }
        for r in &ctx.refusals {
            out.push_str(&format!("> - {} \n", html_text(r)));
        }
        if !ctx.refusals.is_empty() {
            out.push_str("> Apply is refused unless forced (`--force`).\n");
        }
        out.push('\n');
    }

    // summary table
    out.push_str("| zone | target | create | update | delete | existing |\n");
    out.push_str("| --- | --- | ---: | ---: | ---: | ---: |\n");
    for p in &changed {
        let s = p.summary();
        let mut zone = code(&idna_decode(&p.zone));
        if !p.exists {
            zone.push_str(" (new)");
        }
        if risky(p) {
            zone.push_str(" ⚠️");
        }
        out.push_str(&format!(
            "| {zone} | {} | {} | {} | {} | {} |\n",
            code(&p.target),
            s.creates,
            s.updates,
            s.deletes,
            s.existing
        ));
    }
    out.push('\n');

    // details per zone × target
    for p in &changed {
        out.push_str(&details(p, ctx));
    }
    let warnings: Vec<&String> = changed
        .iter()
        .flat_map(|p| p.warnings.iter())
        .chain(ctx.warnings.iter())
        .collect();
    if !warnings.is_empty() {
        out.push_str("**Warnings**\n\n");
        for w in warnings {
            out.push_str(&format!("- {}\n", html_text(w)));
        }
        out.push('\n');
    }
    out.push_str(&format!("<sub>checksum `{}`</sub>\n", plan.checksum()));
    out
}

/// The collapsible section of one zone × target.
pub fn details(p: &ZonePlan, ctx: &Context) -> String {
    let s = p.summary();
    let dry = ctx
        .dry_run
        .iter()
        .any(|(z, t)| *z == p.zone && *t == p.target);
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
    for c in p.changes.iter().filter(|c| c.op == Op::Update) {
        let diff = value_diff(c);
        if !diff.is_empty() {
            out.push_str(&format!(
                "{} {}:\n\n",
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
                cell_values(d)
            )
        }
    }
}

/// A unified diff of an update's values (presentation format). Long values (TXT, DKIM keys)
/// are cut into 64-character lines first so the diff shows which part changed.
pub fn value_diff(c: &Change) -> String {
    let (Some(e), Some(d)) = (&c.existing, &c.desired) else {
        return String::new();
    };
    let lines = |r: &RecordSet| -> String {
        let mut s = String::new();
        if e.ttl != d.ttl {
            s.push_str(&format!("ttl {}\n", r.ttl));
        }
        for v in values_text(r) {
            if v.chars().count() > 80 {
                let chars: Vec<char> = v.chars().collect();
                for (i, chunk) in chars.chunks(64).enumerate() {
                    let text: String = chunk.iter().collect();
                    if i == 0 {
                        s.push_str(&format!("{text}\n"));
                    } else {
                        s.push_str(&format!("    {text}\n"));
                    }
                }
            } else {
                s.push_str(&format!("{v}\n"));
            }
        }
        s
    };
    let old = lines(e);
    let new = lines(d);
    if old == new {
        return String::new();
    }
    let diff = TextDiff::from_lines(&old, &new);
    let mut out = String::new();
    for change in diff.iter_all_changes() {
        let sign = match change.tag() {
            ChangeTag::Delete => "-",
            ChangeTag::Insert => "+",
            ChangeTag::Equal => " ",
        };
        out.push_str(sign);
        out.push_str(change.value());
        if !change.value().ends_with('\n') {
            out.push('\n');
        }
    }
    out.trim_end_matches('\n').to_string()
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
        let mut what = Vec::new();
        if !rule.subnets.is_empty() {
            what.push(format!("subnets {}", rule.subnets.join(", ")));
        }
        if !rule.geos.is_empty() {
            what.push(format!("geos {}", rule.geos.join(", ")));
        }
        let text = if what.is_empty() {
            format!("rule {}: everyone else", i + 1)
        } else {
            format!("rule {}: {}", i + 1, what.join("; "))
        };
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
