//! The terminal rendering: per zone × target what the apply does with it (will apply /
//! refused, naming the rails / plan only), a table of changes with `+ ~ -` marks (updates as
//! a line diff of values, dynamic routing and health check; long values folded), a summary
//! line, each refusal with its rail, and the checksum. Colour only when asked (on a TTY).

use tabled::settings::Style;
use tabled::{Table, Tabled};

use super::{
    Context, PairStatus, diff_lines, display_name, dynamic_lines, fold, update_lines, values_text,
};
use crate::model::RecordSet;
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

/// A created or deleted record's values (folded) and dynamic routing, one per line.
fn record_lines(r: &RecordSet) -> Vec<String> {
    let mut out: Vec<String> = values_text(r).iter().flat_map(|v| fold(v)).collect();
    if let Some(d) = &r.dynamic {
        out.extend(dynamic_lines(d));
    }
    out
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
    let verdicts = ctx.verdicts();
    for zp in &plan.plans {
        if !zp.has_changes()
            && zp.warnings.is_empty()
            && zp.ignored.is_empty()
            && zp.unmanaged.is_empty()
        {
            continue;
        }
        let status = if zp.has_changes() {
            match verdicts.status(&zp.zone, &zp.target) {
                PairStatus::WillApply => " [will apply]".to_string(),
                PairStatus::Refused(r) => {
                    format!(" [refused: needs {} ({})]", ctx.force_hint, r.join(", "))
                }
                PairStatus::PlanOnly(r) if r.is_empty() => " [plan only]".to_string(),
                PairStatus::PlanOnly(r) => format!(
                    " [plan only; refused ({}): holds the apply back until forced with {}]",
                    r.join(", "),
                    ctx.force_hint
                ),
            }
        } else {
            String::new()
        };
        out.push_str(&paint(
            &format!(
                "{} → {}{}{status}",
                super::display_name("", &zp.zone),
                zp.target,
                if zp.exists {
                    ""
                } else {
                    " (zone will be created)"
                },
            ),
            "1",
            color,
        ));
        out.push('\n');
        for w in &zp.warnings {
            out.push_str(&paint(&format!("  warning: {w}"), "33", color));
            out.push('\n');
        }
        if !zp.ignored.is_empty() {
            out.push_str(&format!(
                "  ignored (left alone by ignore rules): {}: {}\n",
                zp.ignored.len(),
                super::held_list(&zp.ignored, &zp.zone)
            ));
        }
        if !zp.unmanaged.is_empty() {
            out.push_str(&format!(
                "  unmanaged (not in git, kept by never_delete): {}: {}\n",
                zp.unmanaged.len(),
                super::held_list(&zp.unmanaged, &zp.zone)
            ));
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
                        values: record_lines(r).join("\n"),
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
                    let (old, new) = update_lines(e, d, &zp.zone);
                    let values = if old == new {
                        new.join("\n")
                    } else {
                        diff_lines(&old, &new)
                            .into_iter()
                            .map(|(sign, l)| match sign {
                                '-' => paint(&format!("- {l}"), "31", color),
                                '+' => paint(&format!("+ {l}"), "32", color),
                                _ => format!("  {l}"),
                            })
                            .collect::<Vec<_>>()
                            .join("\n")
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
    // also when pairs without changes were shown for their warnings or left-alone records
    if !plan.has_changes() {
        out.push_str("No changes: every zone matches its targets.\n");
    }
    for r in &ctx.refusals {
        let rail = if r.rail.is_empty() {
            String::new()
        } else {
            format!(" ({})", r.rail)
        };
        out.push_str(&paint(
            &format!("refused without {}{rail}: {}", ctx.force_hint, r.message),
            "31",
            color,
        ));
        out.push('\n');
    }
    out.push_str(&format!("checksum: {}\n", plan.checksum()));
    out
}
