//! Record-level rules: name, TTL, health check, and the per-type rules about where a record
//! may stand (root CNAME, non-root ALIAS, SRV/URI names, deprecated SPF).

use super::{LEGACY, LEGACY_STRICT, Reasons, RecordCtx, STRICT};
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
        && !matches!(p.as_str(), Some("HTTP" | "HTTPS" | "ICMP" | "TCP" | "UDP"))
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
        out.add(
            legacy_id,
            ctx.pos,
            format!("invalid name for {what} record"),
        );
    }
    if ctx.on(strict_id, STRICT) {
        strict_service_name(ctx, strict_id, what, out);
    }
}

/// octoDNS's `SrvNameRfcValidator` / `UriNameRfcValidator`: the first two labels must be
/// `_service._proto` (`*` allowed as the service), each body an RFC 6335 §5.1 service name.
fn strict_service_name(ctx: &RecordCtx, id: &'static str, what: &str, out: &mut Reasons) {
    let labels: Vec<&str> = if ctx.name.is_empty() {
        vec![]
    } else {
        ctx.name.split('.').collect()
    };
    if labels.len() < 2 {
        out.add(
            id,
            ctx.pos,
            format!("{what} name must have at least two labels (_service._proto)"),
        );
        return;
    }
    let (service, proto) = (labels[0], labels[1]);
    let valid = |label: &str| label.strip_prefix('_').is_some_and(is_service_name);
    if service != "*" && !valid(service) {
        out.add(
            id,
            ctx.pos,
            format!("invalid {what} service label \"{service}\""),
        );
    }
    if !valid(proto) {
        out.add(
            id,
            ctx.pos,
            format!("invalid {what} proto label \"{proto}\""),
        );
    }
}

/// RFC 6335 §5.1 as octoDNS checks it: 1-15 characters, a letter first, a letter or digit
/// last, only letters, digits and hyphens, no `--` (Python's `isalpha`/`isalnum`).
fn is_service_name(body: &str) -> bool {
    let n = body.chars().count();
    (1..=15).contains(&n)
        && body.chars().next().is_some_and(char::is_alphabetic)
        && body.chars().last().is_some_and(char::is_alphanumeric)
        && !body.contains("--")
        && body.chars().all(|c| c.is_alphanumeric() || c == '-')
}

/// The node a record's values come from (for positions): `values`, else `value`.
pub fn values_node(rec: &Node) -> Option<&Node> {
    rec.get("values").or_else(|| rec.get("value"))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::validate::{Rules, Set};
    use crate::yaml::{KeyOrder, LoadOptions, load_str};

    /// The record-rule reasons for a record of type `t` named `name`, under `sets`.
    fn reasons(t: &str, name: &str, sets: &[Set]) -> Vec<(&'static str, String)> {
        let loaded = load_str(
            &format!("type: {t}\nttl: 300\n"),
            &Arc::from("t.yaml"),
            LoadOptions {
                order: KeyOrder::Any,
                includes: false,
            },
        );
        let root = loaded.root.expect("a record mapping");
        let rtype = RecordType::parse(t).expect("known type");
        let rules = Rules {
            sets: sets.iter().copied().collect(),
            ..Rules::default()
        };
        let fqdn = if name.is_empty() {
            "example.com.".to_string()
        } else {
            format!("{name}.example.com.")
        };
        let ctx = RecordCtx {
            zone: "example.com.",
            raw_name: name,
            name,
            fqdn: &fqdn,
            rtype: &rtype,
            node: &root,
            pos: &root.pos,
            rules: &rules,
        };
        let mut out = Reasons::default();
        check(&ctx, &mut out);
        out.0.into_iter().map(|r| (r.rule, r.message)).collect()
    }

    /// Each name with the messages octoDNS 1.22's `SrvNameRfcValidator` gives for it
    /// (checked against the real octoDNS); `T` stands for the record type.
    const STRICT_NAMES: &[(&str, &[&str])] = &[
        (
            "",
            &["T name must have at least two labels (_service._proto)"],
        ),
        (
            "_sip",
            &["T name must have at least two labels (_service._proto)"],
        ),
        (
            "*",
            &["T name must have at least two labels (_service._proto)"],
        ),
        ("_sip._tcp", &[]),
        ("*._tcp", &[]),
        ("_sip._tcp.sub", &[]),
        ("_x1._t-2", &[]),
        ("_sip.tcp", &["invalid T proto label \"tcp\""]),
        ("sip._tcp", &["invalid T service label \"sip\""]),
        ("_1sip._tcp", &["invalid T service label \"_1sip\""]),
        ("_sip-._tcp", &["invalid T service label \"_sip-\""]),
        ("_si--p._tcp", &["invalid T service label \"_si--p\""]),
        (
            "_abcdefghijklmnop._tcp",
            &["invalid T service label \"_abcdefghijklmnop\""],
        ),
        ("_sip._1tcp", &["invalid T proto label \"_1tcp\""]),
        ("_sip._", &["invalid T proto label \"_\""]),
        ("_._tcp", &["invalid T service label \"_\""]),
        ("_s_p._tcp", &["invalid T service label \"_s_p\""]),
        ("_sip.*", &["invalid T proto label \"*\""]),
        (
            "sip.tcp",
            &[
                "invalid T service label \"sip\"",
                "invalid T proto label \"tcp\"",
            ],
        ),
    ];

    #[test]
    fn strict_srv_and_uri_names_match_octodns() {
        for t in ["SRV", "URI"] {
            let id = if t == "SRV" {
                "srv-name-rfc"
            } else {
                "uri-name-rfc"
            };
            for (name, want) in STRICT_NAMES {
                let got = reasons(t, name, &[Set::Strict]);
                let want: Vec<(&str, String)> =
                    want.iter().map(|m| (id, m.replace('T', t))).collect();
                assert_eq!(got, want, "{t} {name:?}");
            }
        }
    }

    #[test]
    fn legacy_srv_and_uri_names() {
        for (t, id) in [("SRV", "srv-name"), ("URI", "uri-name")] {
            for ok in ["_sip._tcp", "*._tcp", "_sip.tcp", "_s_p.x"] {
                assert_eq!(reasons(t, ok, &[Set::Legacy]), vec![], "{t} {ok}");
            }
            for bad in ["sip._tcp", "_sip", "_.x", "*", ""] {
                assert_eq!(
                    reasons(t, bad, &[Set::Legacy]),
                    vec![(id, format!("invalid name for {t} record"))],
                    "{t} {bad}"
                );
            }
        }
    }
}
