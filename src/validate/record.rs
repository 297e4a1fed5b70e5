//! Record-level rules: name, TTL, health check, and the per-type rules about where a record
//! may stand (root CNAME, non-root ALIAS, SRV/URI names, deprecated SPF).

use super::{LEGACY, LEGACY_STRICT, RecordCtx, Reasons, STRICT};
use crate::model::{RecordType, idna_decode};
use crate::yaml::Node;

pub fn check(ctx: &RecordCtx, out: &mut Reasons) {
    if ctx.on("name-rfc", LEGACY_STRICT) {
        name_rfc(ctx, out);
    }
    if ctx.on("ttl-rfc", LEGACY_STRICT) {
        match ctx.node.get("ttl") {
            // a missing ttl gets the provider's default_ttl at load, as in octoDNS
            None => {}
            Some(n) => match n.as_int() {
                Some(t) if t < 0 => out.add("ttl-rfc", &n.pos, "invalid ttl"),
                Some(t) if t > u32::MAX as i64 => out.add(
                    "ttl-rfc",
                    &n.pos,
                    format!("invalid ttl {t}, larger than 2^32-1"),
                ),
                Some(_) => {}
                None => out.add(
                    "ttl-rfc",
                    &n.pos,
                    format!("invalid ttl, expected an integer, got {}", n.describe()),
                ),
            },
        }
    }
    if ctx.on("healthcheck", LEGACY_STRICT)
        && let Some(p) = ctx
            .node
            .get("octodns")
            .and_then(|o| o.get("healthcheck"))
            .and_then(|h| h.get("protocol"))
        && !matches!(
            p.as_str(),
            Some("HTTP" | "HTTPS" | "ICMP" | "TCP" | "UDP")
        )
    {
        out.add("healthcheck", &p.pos, "invalid healthcheck protocol");
    }
    match ctx.rtype {
        RecordType::Cname if ctx.name.is_empty() && ctx.on("cname-root-rfc", LEGACY_STRICT) => {
            out.add("cname-root-rfc", ctx.pos, "root CNAME not allowed");
        }
        RecordType::Alias if !ctx.name.is_empty() && ctx.on("alias-root", LEGACY_STRICT) => {
            out.add("alias-root", ctx.pos, "non-root ALIAS not allowed");
        }
        RecordType::Spf if ctx.on("spf-record-type", STRICT) => out.add(
            "spf-record-type",
            type_pos(ctx),
            "The SPF record type is DEPRECATED in favor of TXT values and will become an ValidationError in 2.0",
        ),
        RecordType::Srv | RecordType::Uri => service_name(ctx, out),
        _ => {}
    }
}

fn type_pos<'a>(ctx: &'a RecordCtx) -> &'a crate::yaml::Pos {
    ctx.node.get("type").map(|n| &n.pos).unwrap_or(ctx.pos)
}

fn name_rfc(ctx: &RecordCtx, out: &mut Reasons) {
    const ID: &str = "name-rfc";
    if ctx.raw_name == "@" {
        out.add(ID, ctx.pos, "invalid name \"@\", use \"\" instead");
    }
    if ctx.raw_name.contains([' ', '\t']) {
        out.add(ID, ctx.pos, "invalid record, whitespace is not allowed");
    }
    let n = ctx.fqdn.len();
    if n > 253 {
        out.add(
            ID,
            ctx.pos,
            format!(
                "invalid fqdn, \"{}\" is too long at {n} chars, max is 253",
                idna_decode(ctx.fqdn)
            ),
        );
    }
    for label in ctx.name.split('.') {
        let n = label.len();
        if n > 63 {
            out.add(
                ID,
                ctx.pos,
                format!("invalid label, \"{label}\" is too long at {n} chars, max is 63"),
            );
        }
    }
    if ctx.name.contains("..") || ctx.name.ends_with('.') {
        out.add(
            ID,
            ctx.pos,
            format!("invalid name, double `.` in \"{}\"", idna_decode(ctx.fqdn)),
        );
    }
}

/// octoDNS's SRV/URI name rule `^(\*|_[^.]+)\.[^.]+` (legacy), plus RFC 6335 service and
/// protocol labels (strict).
fn service_name(ctx: &RecordCtx, out: &mut Reasons) {
    let (legacy_id, strict_id, what) = match ctx.rtype {
        RecordType::Srv => ("srv-name", "srv-name-rfc", "SRV"),
        _ => ("uri-name", "uri-name-rfc", "URI"),
    };
    let legacy_ok = {
        let mut parts = ctx.name.splitn(2, '.');
        let first = parts.next().unwrap_or("");
        let rest = parts.next().unwrap_or("");
        (first == "*" || (first.len() > 1 && first.starts_with('_')))
            && !rest.is_empty()
            && !rest.starts_with('.')
    };
    if ctx.on(legacy_id, LEGACY) && !legacy_ok {
        out.add(legacy_id, ctx.pos, format!("invalid name for {what} record"));
    }
    if ctx.on(strict_id, STRICT) {
        strict_service_name(ctx, strict_id, what, out);
    }
}

fn strict_service_name(ctx: &RecordCtx, id: &'static str, what: &str, out: &mut Reasons) {
    let labels: Vec<&str> = ctx.name.split('.').collect();
    if labels.len() < 2 {
        out.add(id, ctx.pos, format!("invalid name for {what} record"));
        return;
    }
    let service = labels[0];
    if service != "*" {
        let body = service.strip_prefix('_').unwrap_or("");
        let ok = service.starts_with('_')
            && (1..=15).contains(&body.len())
            && !body.starts_with('-')
            && !body.ends_with('-')
            && !body.contains("--")
            && body.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && body.chars().any(|c| c.is_ascii_alphabetic());
        if !ok {
            out.add(
                id,
                ctx.pos,
                format!(
                    "invalid service label \"{service}\" for {what} record, expected _ followed by 1-15 letters, digits or hyphens (RFC 6335)"
                ),
            );
        }
    }
    let proto = labels[1];
    if !proto.starts_with('_') || proto.len() < 2 {
        out.add(
            id,
            ctx.pos,
            format!(
                "invalid protocol label \"{proto}\" for {what} record, expected e.g. _tcp or _udp"
            ),
        );
    }
}

/// The node a record's values come from (for positions): `values`, else `value`.
pub fn values_node(rec: &Node) -> Option<&Node> {
    rec.get("values").or_else(|| rec.get("value"))
}
