//! The terminal rendering: per zone × target a table of changes with `+ ~ -` marks, a summary
//! line, and the checksum. Colour only when asked (on a TTY).

use tabled::settings::Style;
use tabled::{Table, Tabled};

use super::{Context, display_name, values_text};
use crate::plan::{Op, Plan};

#[derive(Tabled)]
struct Row {
    #[tabled(rename = "")]
    mark: String,
    #[tabled(rename = "name")]
    name: String,
    #[tabled(rename = "type")]
    rtype: String,
    #[tabled(rename = "ttl")]
    ttl: String,
    #[tabled(rename = "values")]
    values: String,
}

fn paint(s: &str, code: &str, color: bool) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

pub fn render(plan: &Plan, ctx: &Context, color: bool) -> String {
    let mut out = String::new();
    let mut any = false;
    for zp in &plan.plans {
        if !zp.has_changes() && zp.warnings.is_empty() {
            continue;
        }
        any = true;
        let dry = ctx
            .dry_run
            .iter()
            .any(|(z, t)| *z == zp.zone && *t == zp.target);
        out.push_str(&paint(
            &format!(
                "{} → {}{}{}",
                super::display_name("", &zp.zone),
                zp.target,
                if zp.exists {
                    ""
                } else {
                    " (zone will be created)"
                },
                if dry { " [plan only]" } else { "" }
            ),
            "1",
            color,
        ));
        out.push('\n');
        for w in &zp.warnings {
            out.push_str(&paint(&format!("  warning: {w}"), "33", color));
            out.push('\n');
        }
        let mut rows = Vec::new();
        for c in &zp.changes {
            let name = display_name(&c.name, &zp.zone);
            match c.op {
                Op::Create | Op::Delete => {
                    let r = c.record();
                    let (mark, code) = if c.op == Op::Create {
                        ("+", "32")
                    } else {
                        ("-", "31")
                    };
                    rows.push(Row {
                        mark: paint(mark, code, color),
                        name,
                        rtype: c.rtype.to_string(),
                        ttl: r.ttl.to_string(),
                        values: values_text(r).join("\n"),
                    });
                }
                Op::Update => {
                    let e = c.existing.as_ref().expect("update has existing");
                    let d = c.desired.as_ref().expect("update has desired");
                    let ttl = if e.ttl == d.ttl {
                        d.ttl.to_string()
                    } else {
                        format!("{} → {}", e.ttl, d.ttl)
                    };
                    let ev = values_text(e);
                    let dv = values_text(d);
                    let values = if ev == dv {
                        dv.join("\n")
                    } else {
                        let mut lines = Vec::new();
                        for v in &ev {
                            if !dv.contains(v) {
                                lines.push(paint(&format!("- {v}"), "31", color));
                            }
                        }
                        for v in &dv {
                            if ev.contains(v) {
                                lines.push(format!("  {v}"));
                            } else {
                                lines.push(paint(&format!("+ {v}"), "32", color));
                            }
                        }
                        lines.join("\n")
                    };
                    rows.push(Row {
                        mark: paint("~", "33", color),
                        name,
                        rtype: c.rtype.to_string(),
                        ttl,
                        values,
                    });
                }
            }
        }
        if !rows.is_empty() {
            let mut t = Table::new(rows);
            t.with(Style::sharp());
            out.push_str(&t.to_string());
            out.push('\n');
        }
        let s = zp.summary();
        out.push_str(&format!(
            "  {} to create, {} to update, {} to delete ({} existing)\n\n",
            s.creates, s.updates, s.deletes, s.existing
        ));
    }
    if !any {
        out.push_str("No changes: every zone matches its targets.\n");
    }
    for r in &ctx.refusals {
        out.push_str(&paint(
            &format!("refused without --force: {r}"),
            "31",
            color,
        ));
        out.push('\n');
    }
    out.push_str(&format!("checksum: {}\n", plan.checksum()));
    out
}
