//! Value rules per record type (octoDNS's `*-value`, `*-value-rfc`, `*-value-best-practice`
//! validators), run on each value node so a reason points at the value's own line.

use super::{BEST, LEGACY_STRICT, RecordCtx, Reasons, STRICT, check_target};
use crate::model::RecordType;
use crate::model::build::normalize_ip;
use crate::yaml::{Kind, Node, Pos};

/// The record's values as octoDNS's `_values-type` bridge sees them: `values`, else `value`; a
/// scalar becomes a one-element list; nulls inside a list are kept so they can be reported.
pub fn raw_values<'a>(ctx: &'a RecordCtx) -> (Vec<&'a Node>, &'a Pos) {
    let n = ctx.node.get("values").or_else(|| ctx.node.get("value"));
    match n {
        None => (vec![], ctx.pos),
        Some(n) => match &n.kind {
            Kind::Seq(items) => (items.iter().collect(), &n.pos),
            Kind::Null => (vec![], &n.pos),
            _ => (vec![n], &n.pos),
        },
    }
}

pub fn check(ctx: &RecordCtx, out: &mut Reasons) {
    let (values, pos) = raw_values(ctx);
    match ctx.rtype {
        RecordType::A | RecordType::Aaaa => ip(ctx, &values, pos, out),
        RecordType::Alias | RecordType::Cname | RecordType::Dname => {
            target(ctx, &values, pos, out)
        }
        RecordType::Ns | RecordType::Ptr => targets(ctx, &values, pos, out),
        RecordType::Txt | RecordType::Spf => chunked(ctx, &values, pos, out),
        _ => {}
    }
}

fn ip(ctx: &RecordCtx, values: &[&Node], pos: &Pos, out: &mut Reasons) {
    const ID: &str = "ip-value-rfc";
    if !ctx.on(ID, LEGACY_STRICT) {
        return;
    }
    if values.is_empty() {
        out.add(ID, pos, "missing value(s)");
        return;
    }
    let v4 = *ctx.rtype == RecordType::A;
    for v in values {
        match v.as_str() {
            None | Some("") => out.add(ID, &v.pos, "empty value"),
            Some(s) => {
                if normalize_ip(ctx.rtype, s).is_none() {
                    let fam = if v4 { "IPv4" } else { "IPv6" };
                    out.add(ID, &v.pos, format!("invalid {fam} address \"{s}\""));
                }
            }
        }
    }
}

/// Single-value targets (ALIAS, CNAME, DNAME). octoDNS passes `data['value']` only.
fn target(ctx: &RecordCtx, _values: &[&Node], pos: &Pos, out: &mut Reasons) {
    let v = ctx.node.get("value");
    let text = v.and_then(Node::as_str).unwrap_or("");
    let vpos = v.map(|n| &n.pos).unwrap_or(pos);
    if ctx.node.get("value").is_none() && ctx.node.get("values").is_some() {
        out.add(
            "target-value-rfc",
            pos,
            format!(
                "{} holds a single value: use `value:`, not `values:`",
                ctx.rtype
            ),
        );
        return;
    }
    if ctx.on("target-value-rfc", LEGACY_STRICT) {
        check_target(text, ctx.rtype, "value", "target-value-rfc", vpos, out);
    }
    if ctx.on("target-value-not-ip", STRICT) {
        not_ip(text, ctx.rtype, "target-value-not-ip", vpos, out);
    }
    if ctx.on("target-value-best-practice", BEST) {
        trailing_dot(text, ctx.rtype, "target-value-best-practice", vpos, out);
    }
}

/// Multi-value targets (NS, PTR).
fn targets(ctx: &RecordCtx, values: &[&Node], pos: &Pos, out: &mut Reasons) {
    if ctx.on("targets-value-rfc", LEGACY_STRICT) {
        if values.is_empty() {
            out.add("targets-value-rfc", pos, "missing value(s)");
        }
        for v in values {
            check_target(
                v.as_str().unwrap_or(""),
                ctx.rtype,
                "value",
                "targets-value-rfc",
                &v.pos,
                out,
            );
        }
    }
    for v in values {
        let text = v.as_str().unwrap_or("");
        if ctx.on("targets-value-not-ip", STRICT) {
            not_ip(text, ctx.rtype, "targets-value-not-ip", &v.pos, out);
        }
        if ctx.on("targets-value-best-practice", BEST) {
            trailing_dot(text, ctx.rtype, "targets-value-best-practice", &v.pos, out);
        }
    }
}

/// octoDNS's `_check_target_not_ip`.
pub fn not_ip(target: &str, t: &RecordType, rule: &'static str, pos: &Pos, out: &mut Reasons) {
    if target.is_empty() || target == "." || (target.contains('{') && target.contains('}')) {
        return;
    }
    let bare = target.trim_end_matches('.');
    if bare.parse::<std::net::IpAddr>().is_ok() {
        out.add(
            rule,
            pos,
            format!("{t} value \"{target}\" is an IP address"),
        );
    }
}

/// octoDNS's `_check_target_trailing_dot` (best practice).
pub fn trailing_dot(
    target: &str,
    t: &RecordType,
    rule: &'static str,
    pos: &Pos,
    out: &mut Reasons,
) {
    if target.is_empty() || (target.contains('{') && target.contains('}')) {
        return;
    }
    if target == "."
        && matches!(
            t,
            RecordType::Https | RecordType::Mx | RecordType::Svcb | RecordType::Srv
        )
    {
        return;
    }
    if !target.ends_with('.') {
        let enc = crate::model::idna_encode(target).unwrap_or_else(|_| target.to_string());
        out.add(rule, pos, format!("{t} value \"{enc}\" missing trailing ."));
    }
}

/// TXT/SPF: present, ASCII, no unescaped (`\w;`) or double-escaped (`\\;`) semicolons.
fn chunked(ctx: &RecordCtx, values: &[&Node], pos: &Pos, out: &mut Reasons) {
    const ID: &str = "chunked-value-rfc";
    if !ctx.on(ID, LEGACY_STRICT) {
        return;
    }
    let listed = ctx
        .node
        .get("values")
        .or_else(|| ctx.node.get("value"))
        .and_then(Node::items)
        .map(|i| i.len())
        .unwrap_or(values.len());
    if values.is_empty() || listed == 0 {
        out.add(ID, pos, "missing value(s)");
        return;
    }
    for v in values {
        let Some(s) = v.as_str() else {
            out.add(ID, &v.pos, "missing value(s)");
            continue;
        };
        if has_unescaped_semicolon(s) {
            out.add(ID, &v.pos, format!("unescaped ; in \"{s}\""));
        }
        if s.contains("\\\\;") {
            out.add(ID, &v.pos, format!("double escaped ; in \"{s}\""));
        }
        if !s.is_ascii() {
            out.add(ID, &v.pos, format!("non ASCII character in \"{s}\""));
        }
    }
}

/// octoDNS's check: a word character immediately followed by `;` (Python's `\w` is Unicode).
pub fn has_unescaped_semicolon(s: &str) -> bool {
    let mut prev: Option<char> = None;
    for c in s.chars() {
        if c == ';' && prev.is_some_and(|p| p.is_alphanumeric() || p == '_') {
            return true;
        }
        prev = Some(c);
    }
    false
}
