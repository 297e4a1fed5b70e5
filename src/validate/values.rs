//! Value rules per record type (octoDNS's `*-value`, `*-value-rfc`, `*-value-best-practice`
//! validators), run on each value node so a reason points at the value's own line.

use super::{BEST, LEGACY, LEGACY_STRICT, Reasons, RecordCtx, STRICT, STRICT_BEST, check_target};
use crate::model::RecordType;
use crate::yaml::{Int, Kind, Node, Pos, Py, py_int_str};

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
        RecordType::Alias | RecordType::Cname | RecordType::Dname => target(ctx, &values, pos, out),
        RecordType::Ns | RecordType::Ptr => targets(ctx, &values, pos, out),
        RecordType::Txt | RecordType::Spf => chunked(ctx, &values, pos, out),
        RecordType::Mx => mx(ctx, &values, out),
        RecordType::Srv => srv(ctx, &values, out),
        RecordType::Uri => uri(ctx, &values, out),
        RecordType::Caa => caa(ctx, &values, out),
        RecordType::Sshfp => sshfp(ctx, &values, out),
        RecordType::Tlsa => tlsa(ctx, &values, out),
        RecordType::Ds => ds(ctx, &values, out),
        RecordType::Naptr => naptr(ctx, &values, out),
        RecordType::Loc => loc(ctx, &values, out),
        RecordType::Svcb | RecordType::Https => svcb(ctx, &values, out),
        RecordType::Openpgpkey => openpgpkey(ctx, &values, pos, out),
        RecordType::Urlfwd => urlfwd(ctx, &values, out),
        _ => {}
    }
}

/// `ip-value-rfc` on A/AAAA values (also used for the values of dynamic pools).
pub fn ip(ctx: &RecordCtx, values: &[&Node], pos: &Pos, out: &mut Reasons) {
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
        match v.py() {
            Py::Str("") => out.add(ID, &v.pos, "empty value"),
            Py::None => out.add(ID, &v.pos, "missing value(s)"),
            _ => {
                // octoDNS parses `str(value)` with `ipaddress`
                let s = v.py_str();
                let ok = if v4 {
                    parse_ipv4(&s).is_some()
                } else {
                    parse_ipv6(&s).is_some()
                };
                if !ok {
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
        if ctx.on("target-value-rfc", LEGACY_STRICT) {
            out.add(
                "target-value-rfc",
                pos,
                format!(
                    "{} holds a single value: use `value:`, not `values:`",
                    ctx.rtype
                ),
            );
        }
        return;
    }
    single_target(ctx, text, vpos, out);
}

/// The value rules of one single-value target (ALIAS, CNAME, DNAME): also used for the
/// values of dynamic pools.
pub fn single_target(ctx: &RecordCtx, text: &str, pos: &Pos, out: &mut Reasons) {
    if ctx.on("target-value-rfc", LEGACY_STRICT) {
        check_target(text, ctx.rtype, "value", "target-value-rfc", pos, out);
    }
    if ctx.on("target-value-not-ip", STRICT) {
        not_ip(text, ctx.rtype, "target-value-not-ip", pos, out);
    }
    if ctx.on("target-value-best-practice", BEST) {
        trailing_dot(text, ctx.rtype, "target-value-best-practice", pos, out);
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

/// octoDNS's `_check_target_not_ip` for a record's value.
pub fn not_ip(target: &str, t: &RecordType, rule: &'static str, pos: &Pos, out: &mut Reasons) {
    not_ip_field(target, t, "value", rule, pos, out);
}

/// octoDNS's `_check_target_not_ip`: `key` names the field in the message.
pub fn not_ip_field(
    target: &str,
    t: &RecordType,
    key: &str,
    rule: &'static str,
    pos: &Pos,
    out: &mut Reasons,
) {
    if target.is_empty() || target == "." || (target.contains('{') && target.contains('}')) {
        return;
    }
    let bare = target.trim_end_matches('.');
    if parse_ipv4(bare).is_some() || parse_ipv6(bare).is_some() {
        out.add(
            rule,
            pos,
            format!("{t} {key} \"{target}\" is an IP address"),
        );
    }
}

/// octoDNS's `_check_target_trailing_dot` (best practice) for a record's value.
pub fn trailing_dot(
    target: &str,
    t: &RecordType,
    rule: &'static str,
    pos: &Pos,
    out: &mut Reasons,
) {
    trailing_dot_field(target, t, "value", rule, pos, out);
}

/// octoDNS's `_check_target_trailing_dot` (best practice): `key` names the field.
pub fn trailing_dot_field(
    target: &str,
    t: &RecordType,
    key: &str,
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
    let enc = crate::model::idna_encode(target).unwrap_or_else(|_| target.to_string());
    if !enc.ends_with('.') {
        out.add(rule, pos, format!("{t} {key} \"{enc}\" missing trailing ."));
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

// ---------------------------------------------------------------------------------------------
// The data as octoDNS's validators see it: `Node::py`, `py_int`, `py_float`, `py_str`,
// `py_repr` and `truthy` (in `crate::yaml`) follow PyYAML and Python, so messages quote
// values exactly as octoDNS prints them.
// ---------------------------------------------------------------------------------------------

/// Python's `len(x)` where octoDNS takes it (strings count characters).
fn py_len(n: &Node) -> usize {
    match n.py() {
        Py::None => 0,
        Py::Str(s) => s.chars().count(),
        Py::List(l) => l.len(),
        Py::Dict(d) => d.len(),
        _ => n.py_str().chars().count(),
    }
}

/// A target-ish field as octoDNS's target checks see it: falsy values are missing (`""`).
fn target_text(n: Option<&Node>) -> String {
    match n {
        Some(n) if n.truthy() => n.py_str(),
        _ => String::new(),
    }
}

/// `re.match(r'^[0-9a-fA-F]+$', s)` (Python's `$` also matches before a final newline).
fn is_hex(s: &str) -> bool {
    let body = s.strip_suffix('\n').unwrap_or(s);
    !body.is_empty() && body.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Python's `ipaddress.IPv4Address(str)`: four decimal octets, no leading zeros.
fn parse_ipv4(s: &str) -> Option<u32> {
    if s.is_empty() || s.contains('/') {
        return None;
    }
    let octets: Vec<&str> = s.split('.').collect();
    if octets.len() != 4 {
        return None;
    }
    let mut v: u32 = 0;
    for o in octets {
        if o.is_empty() || o.len() > 3 || !o.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if o != "0" && o.starts_with('0') {
            return None;
        }
        let n: u32 = o.parse().ok()?;
        if n > 255 {
            return None;
        }
        v = (v << 8) | n;
    }
    Some(v)
}

/// Python's `ipaddress.IPv6Address(str)` (scope ids, embedded IPv4, one `::`).
fn parse_ipv6(s: &str) -> Option<u128> {
    if s.contains('/') {
        return None;
    }
    let addr = match s.split_once('%') {
        None => s,
        Some((a, scope)) => {
            if scope.is_empty() || scope.contains('%') {
                return None;
            }
            a
        }
    };
    if addr.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = addr.split(':').map(str::to_string).collect();
    if parts.len() < 3 {
        return None;
    }
    if parts.last().is_some_and(|p| p.contains('.')) {
        let v4 = parse_ipv4(&parts.pop().unwrap_or_default())?;
        parts.push(format!("{:x}", (v4 >> 16) & 0xffff));
        parts.push(format!("{:x}", v4 & 0xffff));
    }
    if parts.len() > 9 {
        return None;
    }
    let mut skip = None;
    for (i, p) in parts.iter().enumerate().take(parts.len() - 1).skip(1) {
        if p.is_empty() {
            if skip.is_some() {
                return None;
            }
            skip = Some(i);
        }
    }
    let n = parts.len();
    let (hi, lo, skipped) = match skip {
        Some(i) => {
            let mut hi = i;
            let mut lo = n - i - 1;
            if parts[0].is_empty() {
                hi -= 1;
                if hi != 0 {
                    return None;
                }
            }
            if parts[n - 1].is_empty() {
                lo -= 1;
                if lo != 0 {
                    return None;
                }
            }
            if hi + lo >= 8 {
                return None;
            }
            (hi, lo, 8 - hi - lo)
        }
        None => {
            if n != 8 || parts[0].is_empty() || parts[n - 1].is_empty() {
                return None;
            }
            (n, 0, 0)
        }
    };
    let hextet = |p: &str| -> Option<u128> {
        if p.len() > 4 || !p.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u128::from_str_radix(p, 16).ok()
    };
    let mut v: u128 = 0;
    for p in &parts[..hi] {
        v = (v << 16) | hextet(p)?;
    }
    v = v.checked_shl(16 * skipped as u32).unwrap_or(0);
    for p in &parts[n - lo..] {
        v = (v << 16) | hextet(p)?;
    }
    Some(v)
}

/// `binascii.a2b_base64(s, strict_mode=True)` as `b64decode(s, validate=True)` runs it.
fn is_strict_base64(s: &str) -> bool {
    let b = s.as_bytes();
    let mut quad = 0;
    let mut pads = 0;
    let mut padding = false;
    for (i, &c) in b.iter().enumerate() {
        if c == b'=' {
            padding = true;
            if i == 0 {
                return false;
            }
            if quad >= 2 {
                pads += 1;
                if quad + pads >= 4 {
                    // the quad is complete: nothing may follow
                    return i + 1 == b.len();
                }
            }
            continue;
        }
        if !(c.is_ascii_alphanumeric() || c == b'+' || c == b'/') || padding {
            return false;
        }
        pads = 0;
        quad = (quad + 1) % 4;
    }
    quad == 0
}

// ---------------------------------------------------------------------------------------------
// Structured values.
// ---------------------------------------------------------------------------------------------

/// The most precise position for field `k` of value `v`.
fn at<'a>(v: &'a Node, k: &str) -> &'a Pos {
    v.get(k).map(|n| &n.pos).unwrap_or(&v.pos)
}

/// Structured values must be mappings. octoDNS itself crashes on anything else (it indexes
/// the value like a dict); this reports it under the active value rule instead.
fn is_map(v: &Node, id: &'static str, fields: &str, out: &mut Reasons) -> bool {
    if v.entries().is_some() {
        return true;
    }
    let msg = if v.is_null() {
        format!("empty value; expected a mapping with {fields}")
    } else {
        format!(
            "invalid value \"{}\"; expected a mapping with {fields}",
            v.py_str()
        )
    };
    out.add(id, &v.pos, msg);
    false
}

/// octoDNS's legacy integer field: `int(value[key])`, "missing KEY" / "invalid LABEL "X"".
fn legacy_int(
    v: &Node,
    key: &str,
    label: &str,
    id: &'static str,
    out: &mut Reasons,
) -> Option<Int> {
    match v.get(key) {
        None => {
            out.add(id, &v.pos, format!("missing {key}"));
            None
        }
        Some(n) => {
            let i = n.py_int();
            if i.is_none() {
                out.add(id, &n.pos, format!("invalid {label} \"{}\"", n.py_str()));
            }
            i
        }
    }
}

/// octoDNS's strict unsigned field: "missing KEY", "invalid KEY "N"; must be 0-MAX",
/// "invalid KEY "X"". Returns the value only when it is in range.
fn strict_uint(
    v: &Node,
    key: &str,
    max: i128,
    id: &'static str,
    out: &mut Reasons,
) -> Option<i128> {
    let Some(n) = v.get(key) else {
        out.add(id, &v.pos, format!("missing {key}"));
        return None;
    };
    match n.py_int() {
        Some(i) if (0..=max).contains(&i.v) => Some(i.v),
        Some(i) => {
            out.add(
                id,
                &n.pos,
                format!("invalid {key} \"{}\"; must be 0-{max}", i.text),
            );
            None
        }
        None => {
            out.add(id, &n.pos, format!("invalid {key} \"{}\"", n.py_str()));
            None
        }
    }
}

/// "missing KEY" for each key that is absent.
fn require(v: &Node, keys: &[&str], id: &'static str, out: &mut Reasons) {
    for k in keys {
        if v.get(k).is_none() {
            out.add(id, &v.pos, format!("missing {k}"));
        }
    }
}

/// `int(value[key])` where octoDNS ignores failures (best-practice checks).
fn quiet_int(v: &Node, key: &str) -> Option<i128> {
    v.get(key).and_then(Node::py_int).map(|i| i.v)
}

// MX ------------------------------------------------------------------------------------------

const MX_FIELDS: &str = "preference and exchange";

/// `value.get('exchange') or value.get('value')`
fn mx_exchange(v: &Node) -> Option<&Node> {
    v.get("exchange")
        .filter(|n| n.truthy())
        .or_else(|| v.get("value"))
}

fn mx(ctx: &RecordCtx, values: &[&Node], out: &mut Reasons) {
    let t = ctx.rtype;
    const LEG: &str = "mx-value";
    if ctx.on(LEG, LEGACY) {
        for v in values {
            if !is_map(v, LEG, MX_FIELDS, out) {
                continue;
            }
            // `preference`, else the `priority` alias
            match v.get("preference").or_else(|| v.get("priority")) {
                None => out.add(LEG, &v.pos, "missing preference"),
                Some(n) => {
                    if n.py_int().is_none() {
                        out.add(
                            LEG,
                            &n.pos,
                            format!("invalid preference \"{}\"", n.py_str()),
                        );
                    }
                }
            }
            match mx_exchange(v) {
                None => out.add(LEG, at(v, "exchange"), "missing exchange"),
                Some(n) => check_target(&target_text(Some(n)), t, "exchange", LEG, &n.pos, out),
            }
        }
    }
    const RFC: &str = "mx-value-rfc";
    if ctx.on(RFC, STRICT) {
        for v in values {
            if !is_map(v, RFC, MX_FIELDS, out) {
                continue;
            }
            let mut preference = None;
            match v.get("preference").or_else(|| v.get("priority")) {
                None => out.add(RFC, &v.pos, "missing preference"),
                Some(n) => match n.py_int() {
                    Some(i) => {
                        if !(0..=65535).contains(&i.v) {
                            out.add(
                                RFC,
                                &n.pos,
                                format!("preference \"{}\" out of range 0-65535", i.text),
                            );
                        }
                        preference = Some(i.v);
                    }
                    None => out.add(
                        RFC,
                        &n.pos,
                        format!("invalid preference \"{}\"", n.py_str()),
                    ),
                },
            }
            let ex = mx_exchange(v);
            let text = target_text(ex);
            let pos = ex.map(|n| &n.pos).unwrap_or(&v.pos);
            if text.is_empty() {
                out.add(RFC, pos, "missing exchange");
            } else if text == "." && matches!(ex.map(Node::py), Some(Py::Str(_))) {
                if preference.is_some_and(|p| p != 0) {
                    out.add(
                        RFC,
                        at(
                            v,
                            if v.get("preference").is_some() {
                                "preference"
                            } else {
                                "priority"
                            },
                        ),
                        "preference must be 0 for null MX (exchange \".\")",
                    );
                }
            } else {
                check_target(&text, t, "exchange", RFC, pos, out);
            }
        }
    }
    // the exchange of each mapping value, where it is set (falsy exchanges are skipped)
    target_field_rules(
        ctx,
        values,
        mx_exchange,
        "exchange",
        ("mx-value-not-ip", "mx-value-best-practice"),
        out,
    );
}

/// The strict not-an-IP and best-practice trailing-dot rules on one target field of
/// structured values (MX `exchange`, SRV `target`); empty targets are skipped.
fn target_field_rules<'a>(
    ctx: &RecordCtx,
    values: &[&'a Node],
    field: impl Fn(&'a Node) -> Option<&'a Node>,
    key: &str,
    (not_ip_id, bp_id): (&'static str, &'static str),
    out: &mut Reasons,
) {
    let targets: Vec<(String, &Pos)> = values
        .iter()
        .filter(|v| v.entries().is_some())
        .filter_map(|v| field(v))
        .map(|n| (target_text(Some(n)), &n.pos))
        .filter(|(text, _)| !text.is_empty())
        .collect();
    if ctx.on(not_ip_id, STRICT_BEST) {
        for (text, pos) in &targets {
            not_ip_field(text, ctx.rtype, key, not_ip_id, pos, out);
        }
    }
    if ctx.on(bp_id, BEST) {
        for (text, pos) in &targets {
            trailing_dot_field(text, ctx.rtype, key, bp_id, pos, out);
        }
    }
}

// SRV -----------------------------------------------------------------------------------------

const SRV_FIELDS: &str = "priority, weight, port and target";

fn srv(ctx: &RecordCtx, values: &[&Node], out: &mut Reasons) {
    let t = ctx.rtype;
    const LEG: &str = "srv-value";
    if ctx.on(LEG, LEGACY) {
        for v in values {
            if !is_map(v, LEG, SRV_FIELDS, out) {
                continue;
            }
            for k in ["priority", "weight", "port"] {
                legacy_int(v, k, k, LEG, out);
            }
            match v.get("target") {
                None => out.add(LEG, &v.pos, "missing target"),
                Some(n) => check_target(&target_text(Some(n)), t, "target", LEG, &n.pos, out),
            }
        }
    }
    const RFC: &str = "srv-value-rfc";
    if ctx.on(RFC, STRICT) {
        // missing and non-integer fields are the legacy rule's job, as in octoDNS
        for v in values {
            if !is_map(v, RFC, SRV_FIELDS, out) {
                continue;
            }
            let fields: Vec<(&str, Option<i128>)> = ["priority", "weight", "port"]
                .into_iter()
                .map(|k| (k, quiet_int(v, k)))
                .collect();
            for (k, val) in &fields {
                if let Some(i) = val
                    && !(0..=65535).contains(i)
                {
                    let text = v
                        .get(k)
                        .and_then(Node::py_int)
                        .map(|i| i.text)
                        .unwrap_or_default();
                    out.add(
                        RFC,
                        at(v, k),
                        format!("{k} \"{text}\" out of range 0-65535"),
                    );
                }
            }
            let target = v.get("target");
            if matches!(target.map(Node::py), Some(Py::Str("."))) {
                for (k, val) in &fields {
                    if val.is_some_and(|i| i != 0) {
                        out.add(RFC, at(v, k), format!("{k} must be 0 when target is \".\""));
                    }
                }
            } else if target.is_some_and(Node::truthy) && fields[2].1 == Some(0) {
                out.add(
                    RFC,
                    at(v, "port"),
                    "port 0 is reserved; must be > 0 when target is not \".\"",
                );
            }
        }
    }
    target_field_rules(
        ctx,
        values,
        |v| v.get("target"),
        "target",
        ("srv-value-not-ip", "srv-value-best-practice"),
        out,
    );
}

// URI -----------------------------------------------------------------------------------------

const URI_FIELDS: &str = "priority, weight and target";

fn uri(ctx: &RecordCtx, values: &[&Node], out: &mut Reasons) {
    const LEG: &str = "uri-value";
    if ctx.on(LEG, LEGACY) {
        for v in values {
            if !is_map(v, LEG, URI_FIELDS, out) {
                continue;
            }
            for k in ["priority", "weight"] {
                legacy_int(v, k, k, LEG, out);
            }
            // the target's syntax is not checked (octoDNS does not require an RFC 3986 parser)
            if !v.get("target").is_some_and(Node::truthy) {
                out.add(LEG, at(v, "target"), "missing target");
            }
        }
    }
    const RFC: &str = "uri-value-rfc";
    if ctx.on(RFC, STRICT) {
        for v in values {
            if !is_map(v, RFC, URI_FIELDS, out) {
                continue;
            }
            for k in ["priority", "weight"] {
                strict_uint(v, k, 65535, RFC, out);
            }
            require(v, &["target"], RFC, out);
        }
    }
}

// CAA -----------------------------------------------------------------------------------------

const CAA_FIELDS: &str = "flags, tag and value";

fn caa(ctx: &RecordCtx, values: &[&Node], out: &mut Reasons) {
    const LEG: &str = "caa-value";
    if ctx.on(LEG, LEGACY) {
        for v in values {
            if !is_map(v, LEG, CAA_FIELDS, out) {
                continue;
            }
            // `int(value.get('flags', 0))`
            if let Some(n) = v.get("flags") {
                match n.py_int() {
                    Some(i) if (0..=255).contains(&i.v) => {}
                    Some(i) => out.add(LEG, &n.pos, format!("invalid flags \"{}\"", i.text)),
                    None => out.add(LEG, &n.pos, format!("invalid flags \"{}\"", n.py_str())),
                }
            }
            require(v, &["tag", "value"], LEG, out);
        }
    }
    const RFC: &str = "caa-value-rfc";
    if ctx.on(RFC, STRICT) {
        for v in values {
            if !is_map(v, RFC, CAA_FIELDS, out) {
                continue;
            }
            if let Some(n) = v.get("flags") {
                match n.py_int() {
                    Some(i) if i.v == 0 || i.v == 128 => {}
                    Some(i) => out.add(
                        RFC,
                        &n.pos,
                        format!("flags \"{}\" is not valid; must be 0 or 128", i.text),
                    ),
                    None => out.add(RFC, &n.pos, format!("invalid flags \"{}\"", n.py_str())),
                }
            }
            match v.get("tag") {
                Some(n) if n.truthy() => {
                    let tag = n.py_str();
                    let body = tag.strip_suffix('\n').unwrap_or(&tag);
                    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
                        out.add(RFC, &n.pos, format!("invalid tag \"{tag}\""));
                    }
                }
                _ => out.add(RFC, at(v, "tag"), "missing tag"),
            }
            require(v, &["value"], RFC, out);
        }
    }
    const BP: &str = "caa-value-best-practice";
    if ctx.on(BP, BEST) {
        let tag = |name: &str| {
            values
                .iter()
                .filter_map(|v| v.get("tag"))
                .find(|n| matches!(n.py(), Py::Str(s) if s == name))
        };
        if let Some(issue) = tag("issue")
            && tag("issuewild").is_none()
        {
            out.add(
                BP,
                &issue.pos,
                "CAA issue tag is present without issuewild; add an explicit issuewild to clarify wildcard certificate policy",
            );
        }
    }
}

// SSHFP ---------------------------------------------------------------------------------------

const SSHFP_FIELDS: &str = "algorithm, fingerprint_type and fingerprint";

fn sshfp(ctx: &RecordCtx, values: &[&Node], out: &mut Reasons) {
    const LEG: &str = "sshfp-value";
    if ctx.on(LEG, LEGACY) {
        for v in values {
            if !is_map(v, LEG, SSHFP_FIELDS, out) {
                continue;
            }
            if let Some(a) = legacy_int(v, "algorithm", "algorithm", LEG, out)
                && !(1..=4).contains(&a.v)
            {
                out.add(
                    LEG,
                    at(v, "algorithm"),
                    format!("unrecognized algorithm \"{}\"", a.text),
                );
            }
            let fp_type = legacy_int(v, "fingerprint_type", "fingerprint_type", LEG, out);
            if let Some(ft) = &fp_type
                && !(1..=2).contains(&ft.v)
            {
                out.add(
                    LEG,
                    at(v, "fingerprint_type"),
                    format!("unrecognized fingerprint_type \"{}\"", ft.text),
                );
            }
            match v.get("fingerprint") {
                None => out.add(LEG, &v.pos, "missing fingerprint"),
                Some(n) => {
                    let expected = match fp_type.map(|f| f.v) {
                        Some(1) => 40,
                        Some(2) => 64,
                        _ => continue,
                    };
                    let actual = py_len(n);
                    if actual != expected {
                        let ft = if expected == 40 { 1 } else { 2 };
                        out.add(
                            LEG,
                            &n.pos,
                            format!(
                                "fingerprint length {actual} does not match fingerprint_type {ft} (expected {expected})"
                            ),
                        );
                    }
                }
            }
        }
    }
    const RFC: &str = "sshfp-value-rfc";
    if ctx.on(RFC, STRICT) {
        for v in values {
            if !is_map(v, RFC, SSHFP_FIELDS, out) {
                continue;
            }
            strict_uint(v, "algorithm", 255, RFC, out);
            let ft = strict_uint(v, "fingerprint_type", 255, RFC, out);
            let expected = match ft {
                Some(1) => Some(40),
                Some(2) => Some(64),
                _ => None,
            };
            strict_hex(v, "fingerprint", "fingerprint_type", ft, expected, RFC, out);
        }
    }
    const BP: &str = "sshfp-value-best-practice";
    if ctx.on(BP, BEST) {
        for v in values.iter().filter(|v| v.entries().is_some()) {
            if quiet_int(v, "fingerprint_type") == Some(1) {
                out.add(
                    BP,
                    at(v, "fingerprint_type"),
                    "SSHFP fingerprint_type 1 (SHA-1) is deprecated; use fingerprint_type 2 (SHA-256)",
                );
            }
        }
    }
}

/// The strict hex data field shared by SSHFP, TLSA and DS: "missing KEY", "invalid KEY "X";
/// must be hex", and "KEY must be N hex characters for TYPE_KEY T" for known types.
fn strict_hex(
    v: &Node,
    key: &str,
    type_key: &str,
    type_val: Option<i128>,
    expected: Option<usize>,
    id: &'static str,
    out: &mut Reasons,
) {
    let Some(n) = v.get(key) else {
        out.add(id, &v.pos, format!("missing {key}"));
        return;
    };
    let s = n.py_str();
    if !n.truthy() || !is_hex(&s) {
        out.add(id, &n.pos, format!("invalid {key} \"{s}\"; must be hex"));
    } else if let (Some(expected), Some(tv)) = (expected, type_val)
        && s.chars().count() != expected
    {
        out.add(
            id,
            &n.pos,
            format!("{key} must be {expected} hex characters for {type_key} {tv}"),
        );
    }
}

// TLSA ----------------------------------------------------------------------------------------

const TLSA_FIELDS: &str =
    "certificate_usage, selector, matching_type and certificate_association_data";

fn tlsa(ctx: &RecordCtx, values: &[&Node], out: &mut Reasons) {
    const LEG: &str = "tlsa-value";
    if ctx.on(LEG, LEGACY) {
        for v in values {
            if !is_map(v, LEG, TLSA_FIELDS, out) {
                continue;
            }
            // `int(value.get(key, 0))` range checks first, then the presence checks
            for (k, max) in [
                ("certificate_usage", 3),
                ("selector", 1),
                ("matching_type", 2),
            ] {
                let Some(n) = v.get(k) else { continue };
                match n.py_int() {
                    Some(i) if (0..=max).contains(&i.v) => {}
                    Some(i) => out.add(LEG, &n.pos, format!("invalid {k} \"{}\"", i.text)),
                    None => out.add(LEG, &n.pos, format!("invalid {k} \"{}\"", n.py_str())),
                }
            }
            require(
                v,
                &[
                    "certificate_usage",
                    "selector",
                    "matching_type",
                    "certificate_association_data",
                ],
                LEG,
                out,
            );
        }
    }
    const RFC: &str = "tlsa-value-rfc";
    if ctx.on(RFC, STRICT) {
        for v in values {
            if !is_map(v, RFC, TLSA_FIELDS, out) {
                continue;
            }
            strict_uint(v, "certificate_usage", 255, RFC, out);
            strict_uint(v, "selector", 255, RFC, out);
            let mt = strict_uint(v, "matching_type", 255, RFC, out);
            let expected = match mt {
                Some(1) => Some(64),
                Some(2) => Some(128),
                _ => None,
            };
            strict_hex(
                v,
                "certificate_association_data",
                "matching_type",
                mt,
                expected,
                RFC,
                out,
            );
        }
    }
    const BP: &str = "tlsa-value-best-practice";
    if ctx.on(BP, BEST) {
        for v in values.iter().filter(|v| v.entries().is_some()) {
            if quiet_int(v, "matching_type") == Some(0) {
                out.add(
                    BP,
                    at(v, "matching_type"),
                    "TLSA matching_type 0 (full data) is not recommended; use matching_type 1 (SHA-256) or 2 (SHA-512)",
                );
            }
        }
    }
}

// DS ------------------------------------------------------------------------------------------

const DS_FIELDS: &str = "key_tag, algorithm, digest_type and digest";

/// The deprecated DS form (`flags`, `protocol`, `algorithm`, `public_key`), which octoDNS
/// recognises by `public_key` or `flags`.
fn ds_deprecated(v: &Node) -> bool {
    v.get("public_key").is_some() || v.get("flags").is_some()
}

fn ds(ctx: &RecordCtx, values: &[&Node], out: &mut Reasons) {
    const LEG: &str = "ds-value";
    if ctx.on(LEG, LEGACY) {
        for v in values {
            if !is_map(v, LEG, DS_FIELDS, out) {
                continue;
            }
            if ds_deprecated(v) {
                for k in ["flags", "protocol", "algorithm"] {
                    legacy_int(v, k, k, LEG, out);
                }
                require(v, &["public_key"], LEG, out);
            } else {
                for k in ["key_tag", "algorithm", "digest_type"] {
                    legacy_int(v, k, k, LEG, out);
                }
                require(v, &["digest"], LEG, out);
            }
        }
    }
    const RFC: &str = "ds-value-rfc";
    if ctx.on(RFC, STRICT) {
        // strict accepts only the current field names
        for v in values {
            if !is_map(v, RFC, DS_FIELDS, out) {
                continue;
            }
            strict_uint(v, "key_tag", 65535, RFC, out);
            strict_uint(v, "algorithm", 255, RFC, out);
            let dt = strict_uint(v, "digest_type", 255, RFC, out);
            let expected = match dt {
                Some(1) => Some(40),
                Some(2) => Some(64),
                Some(4) => Some(96),
                _ => None,
            };
            strict_hex(v, "digest", "digest_type", dt, expected, RFC, out);
        }
    }
    const BP: &str = "ds-value-best-practice";
    if ctx.on(BP, BEST) {
        for v in values.iter().filter(|v| v.entries().is_some()) {
            if ds_deprecated(v) {
                continue;
            }
            let name = match quiet_int(v, "algorithm") {
                Some(1) => Some((1, "RSA/MD5")),
                Some(3) => Some((3, "DSA/SHA1")),
                Some(5) => Some((5, "RSA/SHA-1")),
                Some(6) => Some((6, "DSA-NSEC3-SHA1")),
                Some(7) => Some((7, "RSASHA1-NSEC3-SHA1")),
                _ => None,
            };
            if let Some((a, name)) = name {
                out.add(
                    BP,
                    at(v, "algorithm"),
                    format!("DS algorithm {a} ({name}) is deprecated per RFC 8624"),
                );
            }
            if quiet_int(v, "digest_type") == Some(1) {
                out.add(
                    BP,
                    at(v, "digest_type"),
                    "DS digest_type 1 (SHA-1) is not recommended per RFC 8624; use digest_type 2 (SHA-256)",
                );
            }
        }
    }
}

// NAPTR ---------------------------------------------------------------------------------------

const NAPTR_FIELDS: &str = "order, preference, flags, service, regexp and replacement";

fn naptr(ctx: &RecordCtx, values: &[&Node], out: &mut Reasons) {
    const LEG: &str = "naptr-value";
    if ctx.on(LEG, LEGACY) {
        for v in values {
            if !is_map(v, LEG, NAPTR_FIELDS, out) {
                continue;
            }
            for k in ["order", "preference"] {
                legacy_int(v, k, k, LEG, out);
            }
            match v.get("flags") {
                None => out.add(LEG, &v.pos, "missing flags"),
                Some(n) => {
                    let known = matches!(
                        n.py(),
                        Py::Str("S" | "A" | "U" | "P" | "s" | "a" | "u" | "p")
                    );
                    if !known {
                        out.add(
                            LEG,
                            &n.pos,
                            format!("unrecognized flags \"{}\"", n.py_str()),
                        );
                    }
                }
            }
            require(v, &["service", "regexp", "replacement"], LEG, out);
        }
    }
    const RFC: &str = "naptr-value-rfc";
    if ctx.on(RFC, STRICT) {
        for v in values {
            if !is_map(v, RFC, NAPTR_FIELDS, out) {
                continue;
            }
            for k in ["order", "preference"] {
                strict_uint(v, k, 65535, RFC, out);
            }
            match v.get("flags") {
                None => out.add(RFC, &v.pos, "missing flags"),
                Some(n) if n.truthy() => {
                    // `flags.upper() in 'SAUP'` (empty flags are allowed)
                    let ok = match n.py() {
                        Py::Str(s) => matches!(s.to_uppercase().as_str(), "S" | "A" | "U" | "P"),
                        _ => false,
                    };
                    if !ok {
                        out.add(
                            RFC,
                            &n.pos,
                            format!("unrecognized flags \"{}\"", n.py_str()),
                        );
                    }
                }
                Some(_) => {}
            }
            require(v, &["service", "regexp", "replacement"], RFC, out);
        }
    }
    const BP: &str = "naptr-value-best-practice";
    if ctx.on(BP, BEST) {
        for v in values.iter().filter(|v| v.entries().is_some()) {
            let text = target_text(v.get("replacement"));
            if !text.is_empty() {
                trailing_dot_field(
                    &text,
                    ctx.rtype,
                    "replacement",
                    BP,
                    at(v, "replacement"),
                    out,
                );
            }
        }
    }
}

// LOC -----------------------------------------------------------------------------------------

const LOC_FIELDS: &str = "lat_degrees, lat_minutes, lat_seconds, lat_direction, long_degrees, \
long_minutes, long_seconds, long_direction, altitude, size, precision_horz and precision_vert";

fn loc(ctx: &RecordCtx, values: &[&Node], out: &mut Reasons) {
    const ID: &str = "loc-value-rfc";
    if !ctx.on(ID, LEGACY_STRICT) {
        return;
    }
    for v in values {
        if !is_map(v, ID, LOC_FIELDS, out) {
            continue;
        }
        for (k, max) in [
            ("lat_degrees", 90),
            ("lat_minutes", 59),
            ("long_degrees", 180),
            ("long_minutes", 59),
        ] {
            let Some(n) = v.get(k) else {
                out.add(ID, &v.pos, format!("missing {k}"));
                continue;
            };
            match n.py_int() {
                None => out.add(ID, &n.pos, format!("invalid {k} \"{}\"", n.py_str())),
                Some(i) if !(0..=max).contains(&i.v) => out.add(
                    ID,
                    &n.pos,
                    format!("invalid value for {k} \"{}\"", n.py_str()),
                ),
                Some(_) => {}
            }
        }
        for (k, min, max) in [
            ("lat_seconds", 0.0, 59.999),
            ("long_seconds", 0.0, 59.999),
            ("altitude", -100000.00, 42849672.95),
            ("size", 0.0, 90000000.00),
            ("precision_horz", 0.0, 90000000.00),
            ("precision_vert", 0.0, 90000000.00),
        ] {
            let Some(n) = v.get(k) else {
                out.add(ID, &v.pos, format!("missing {k}"));
                continue;
            };
            match n.py_float() {
                None => out.add(ID, &n.pos, format!("invalid {k} \"{}\"", n.py_str())),
                Some(f) if !(min <= f && f <= max) => out.add(
                    ID,
                    &n.pos,
                    format!("invalid value for {k} \"{}\"", n.py_str()),
                ),
                Some(_) => {}
            }
        }
        for (k, allowed) in [
            ("lat_direction", ["N", "S"]),
            ("long_direction", ["E", "W"]),
        ] {
            let Some(n) = v.get(k) else {
                out.add(ID, &v.pos, format!("missing {k}"));
                continue;
            };
            if !matches!(n.py(), Py::Str(s) if allowed.contains(&s)) {
                out.add(
                    ID,
                    &n.pos,
                    format!("invalid direction for {k} \"{}\"", n.py_str()),
                );
            }
        }
    }
}

// SVCB / HTTPS --------------------------------------------------------------------------------

const SVCB_FIELDS: &str = "svcpriority, targetname and svcparams";

/// The SvcParams octoDNS knows (RFC 9460 plus `ech`).
const SVCPARAMS: &[&str] = &[
    "mandatory",
    "alpn",
    "no-default-alpn",
    "port",
    "ipv4hint",
    "ech",
    "ipv6hint",
];

fn svcb(ctx: &RecordCtx, values: &[&Node], out: &mut Reasons) {
    let t = ctx.rtype;
    let (id, bp): (&'static str, &'static str) = match t {
        RecordType::Https => ("https-value-rfc", "https-value-best-practice"),
        _ => ("svcb-value-rfc", "svcb-value-best-practice"),
    };
    if ctx.on(id, LEGACY_STRICT) {
        for v in values {
            if is_map(v, id, SVCB_FIELDS, out) {
                svcb_value(v, t, id, out);
            }
        }
    }
    if ctx.on(bp, BEST) {
        for v in values.iter().filter(|v| v.entries().is_some()) {
            let text = target_text(v.get("targetname"));
            trailing_dot_field(&text, t, "targetname", bp, at(v, "targetname"), out);
        }
    }
}

fn svcb_value(v: &Node, t: &RecordType, id: &'static str, out: &mut Reasons) {
    let mut priority: Option<i128> = None;
    match v.get("svcpriority") {
        None => out.add(id, &v.pos, "missing svcpriority"),
        Some(n) => match n.py_int() {
            Some(i) => {
                if !(0..=65535).contains(&i.v) {
                    out.add(id, &n.pos, format!("invalid priority \"{}\"", i.text));
                }
                priority = Some(i.v);
            }
            None => out.add(id, &n.pos, format!("invalid priority \"{}\"", n.py_str())),
        },
    }
    let tn = v.get("targetname");
    check_target(
        &target_text(tn),
        t,
        "targetname",
        id,
        tn.map(|n| &n.pos).unwrap_or(&v.pos),
        out,
    );
    let Some(params) = v.get("svcparams") else {
        return;
    };
    let Some(entries) = params.entries() else {
        // octoDNS crashes on this (it calls `.items()` on the value)
        out.add(
            id,
            &params.pos,
            format!(
                "invalid svcparams \"{}\"; expected a mapping of SvcParam keys to values",
                params.py_str()
            ),
        );
        return;
    };
    if priority == Some(0) && !entries.is_empty() {
        out.add(id, &params.pos, "svcparams set on AliasMode SVCB record");
    }
    for (k, val) in entries {
        let key = k.py_str();
        if key.starts_with("key") {
            svckey_number(&key, id, &k.pos, out);
            continue;
        }
        if !SVCPARAMS.contains(&key.as_str()) {
            out.add(id, &k.pos, format!("Unknown SvcParam {key}"));
            continue;
        }
        match key.as_str() {
            "no-default-alpn" if !val.is_null() => {
                out.add(
                    id,
                    &val.pos,
                    format!("SvcParam {key} has value when it should not"),
                );
            }
            "port" => match val.py_int() {
                None => out.add(id, &val.pos, "port is not a number"),
                // octoDNS's check is `0 < port > 65535`: only too large is reported
                Some(p) if p.v > 65535 => out.add(
                    id,
                    &val.pos,
                    format!("port {} is not a valid number", p.text),
                ),
                Some(_) => {}
            },
            "ech" => {
                let ok = matches!(val.py(), Py::Str(s) if is_strict_base64(s));
                if !ok {
                    out.add(id, &val.pos, "ech SvcParam is invalid Base64");
                }
            }
            "alpn" => {
                if let Some(items) = svc_list(&key, val, id, out) {
                    svc_alpn(items, val, out);
                }
            }
            "ipv4hint" | "ipv6hint" => {
                let Some(items) = svc_list(&key, val, id, out) else {
                    continue;
                };
                let (four, fam) = if key == "ipv4hint" {
                    (true, "IPv4")
                } else {
                    (false, "IPv6")
                };
                for a in items {
                    if !ip_hint_ok(a, four) {
                        out.add(
                            id,
                            &a.pos,
                            format!("{key} \"{}\" is not a valid {fam} address", a.py_str()),
                        );
                    }
                }
            }
            "mandatory" => {
                let Some(items) = svc_list(&key, val, id, out) else {
                    continue;
                };
                for m in items {
                    let name = m.py_str();
                    let is_key = name.starts_with("key");
                    if !SVCPARAMS.contains(&name.as_str()) && !is_key {
                        out.add(
                            id,
                            &m.pos,
                            format!("unsupported SvcParam \"{name}\" in mandatory"),
                        );
                    }
                    if is_key {
                        svckey_number(&name, id, &m.pos, out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// A list-valued SvcParam: "KEY is not a list" otherwise.
fn svc_list<'a>(
    key: &str,
    val: &'a Node,
    id: &'static str,
    out: &mut Reasons,
) -> Option<&'a [Node]> {
    let items = val.items();
    if items.is_none() {
        out.add(id, &val.pos, format!("{key} is not a list"));
    }
    items
}

/// `alpn` ids go through octoDNS's chunked (TXT) value validator, whose reasons carry its own
/// id, `chunked-value-rfc`.
fn svc_alpn(items: &[Node], val: &Node, out: &mut Reasons) {
    const ID: &str = "chunked-value-rfc";
    if items.is_empty() {
        out.add(ID, &val.pos, "missing value(s)");
        return;
    }
    for a in items {
        if a.is_null() {
            out.add(ID, &a.pos, "missing value(s)");
            continue;
        }
        let s = a.py_str();
        if has_unescaped_semicolon(&s) {
            out.add(ID, &a.pos, format!("unescaped ; in \"{s}\""));
        }
        if s.contains("\\\\;") {
            out.add(ID, &a.pos, format!("double escaped ; in \"{s}\""));
        }
        if !s.is_ascii() {
            out.add(ID, &a.pos, format!("non ASCII character in \"{s}\""));
        }
    }
}

/// `IPv4Address(x)` / `IPv6Address(x)`: integers in range are addresses too.
fn ip_hint_ok(a: &Node, four: bool) -> bool {
    let int_text = match a.py() {
        Py::Int(i) => Some(i.text),
        Py::Bool(b) => Some((b as u8).to_string()),
        _ => None,
    };
    match int_text {
        Some(t) if four => t.parse::<u32>().is_ok(),
        Some(t) => t.parse::<u128>().is_ok(),
        None => {
            let s = a.py_str();
            if four {
                parse_ipv4(&s).is_some()
            } else {
                parse_ipv6(&s).is_some()
            }
        }
    }
}

/// octoDNS's `validate_svckey_number`: `keyNNNNN` with `int(NNNNN)` (only > 65535 is
/// reported: the check is `7 < n > 65535`).
fn svckey_number(key: &str, id: &'static str, pos: &Pos, out: &mut Reasons) {
    let num: String = key.chars().skip(3).collect();
    match py_int_str(&num) {
        None => out.add(id, pos, format!("SvcParam key \"{key}\" has wrong format")),
        Some(n) if n.v > 65535 => out.add(
            id,
            pos,
            format!("SvcParam key \"{key}\" has wrong key number"),
        ),
        Some(_) => {}
    }
}

// OPENPGPKEY ----------------------------------------------------------------------------------

fn openpgpkey(ctx: &RecordCtx, values: &[&Node], pos: &Pos, out: &mut Reasons) {
    const ID: &str = "openpgpkey-value-rfc";
    if ctx.on(ID, LEGACY_STRICT) && !values.iter().any(|v| v.truthy()) {
        out.add(ID, pos, "missing value(s)");
    }
}

// URLFWD --------------------------------------------------------------------------------------

const URLFWD_FIELDS: &str = "path, target, code, masking and query";

fn urlfwd(ctx: &RecordCtx, values: &[&Node], out: &mut Reasons) {
    const ID: &str = "urlfwd-value";
    if !ctx.on(ID, LEGACY_STRICT) {
        return;
    }
    for v in values {
        if !is_map(v, ID, URLFWD_FIELDS, out) {
            continue;
        }
        for (k, label, allowed) in [
            ("code", "return code", &[301, 302][..]),
            ("masking", "masking setting", &[0, 1, 2][..]),
            ("query", "query setting", &[0, 1][..]),
        ] {
            if let Some(i) = legacy_int(v, k, label, ID, out)
                && !allowed.contains(&i.v)
            {
                out.add(ID, at(v, k), format!("unrecognized {label} \"{}\"", i.text));
            }
        }
        require(v, &["path", "target"], ID, out);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::validate::{Reason, Rules, Set};
    use crate::yaml::{KeyOrder, LoadOptions, load_str};

    /// Run the value rules of `sets` on one record written as YAML.
    fn run(yaml: &str, sets: &[Set]) -> Vec<Reason> {
        let loaded = load_str(
            yaml,
            &Arc::from("t.yaml"),
            LoadOptions {
                order: KeyOrder::Any,
                includes: false,
            },
        );
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let root = loaded.root.expect("a record mapping");
        let rtype = RecordType::parse(root.get("type").and_then(Node::as_str).expect("type"))
            .expect("known type");
        let rules = Rules {
            sets: sets.iter().copied().collect(),
            ..Rules::default()
        };
        let ctx = RecordCtx {
            zone: "example.com.",
            raw_name: "_sip._tcp",
            name: "_sip._tcp",
            fqdn: "_sip._tcp.example.com.",
            rtype: &rtype,
            node: &root,
            pos: &root.pos,
            rules: &rules,
        };
        let mut out = Reasons::default();
        check(&ctx, &mut out);
        out.0
    }

    const L: &[Set] = &[Set::Legacy];
    const S: &[Set] = &[Set::Strict];
    const B: &[Set] = &[Set::BestPractice];
    const ALL: &[Set] = &[Set::Legacy, Set::Strict, Set::BestPractice];

    /// `values` of a record of type `t`, as flow YAML.
    fn rec(t: &str, values: &str) -> String {
        format!("type: {t}\nttl: 300\nvalues: {values}\n")
    }

    fn clean(t: &str, values: &str, sets: &[Set]) {
        let r = run(&rec(t, values), sets);
        assert!(r.is_empty(), "{t} {values} under {sets:?}: {r:#?}");
    }

    /// Exactly one reason, from `rule`, whose message contains `part`.
    fn only(t: &str, values: &str, sets: &[Set], rule: &str, part: &str) {
        let r = run(&rec(t, values), sets);
        assert_eq!(r.len(), 1, "{t} {values} under {sets:?}: {r:#?}");
        assert_eq!(r[0].rule, rule, "{r:#?}");
        assert!(
            r[0].message.contains(part),
            "{:?} lacks {part:?}",
            r[0].message
        );
    }

    fn messages(t: &str, values: &str, sets: &[Set]) -> Vec<(&'static str, String)> {
        run(&rec(t, values), sets)
            .into_iter()
            .map(|r| (r.rule, r.message))
            .collect()
    }

    // MX

    #[test]
    fn mx_valid() {
        clean("MX", "[{preference: 10, exchange: mx.example.com.}]", ALL);
        clean("MX", "[{priority: 10, value: mx.example.com.}]", L);
        clean("MX", "[{preference: 0, exchange: '.'}]", ALL);
    }

    #[test]
    fn mx_rules() {
        only(
            "MX",
            "[{exchange: mx.example.com.}]",
            L,
            "mx-value",
            "missing preference",
        );
        only(
            "MX",
            "[{preference: ten, exchange: a.example.}]",
            L,
            "mx-value",
            "invalid preference \"ten\"",
        );
        only("MX", "[{preference: 1}]", L, "mx-value", "missing exchange");
        only(
            "MX",
            "[{preference: 1, exchange: 'a..b.'}]",
            L,
            "mx-value",
            "MX exchange \"a..b.\" is not a valid FQDN",
        );
        only(
            "MX",
            "[{preference: 70000, exchange: a.example.}]",
            S,
            "mx-value-rfc",
            "preference \"70000\" out of range 0-65535",
        );
        only(
            "MX",
            "[{preference: 5, exchange: '.'}]",
            S,
            "mx-value-rfc",
            "preference must be 0 for null MX (exchange \".\")",
        );
        only(
            "MX",
            "[{preference: 5, exchange: ''}]",
            S,
            "mx-value-rfc",
            "missing exchange",
        );
        only(
            "MX",
            "[{preference: 5, exchange: 1.2.3.4.}]",
            S,
            "mx-value-not-ip",
            "MX exchange \"1.2.3.4.\" is an IP address",
        );
        only(
            "MX",
            "[{preference: 5, exchange: 1.2.3.4.}]",
            B,
            "mx-value-not-ip",
            "is an IP address",
        );
        only(
            "MX",
            "[{preference: 5, exchange: mx.example.com}]",
            B,
            "mx-value-best-practice",
            "MX exchange \"mx.example.com\" missing trailing .",
        );
        // legacy does not range-check; strict does not apply to legacy
        clean("MX", "[{preference: 70000, exchange: a.example.}]", L);
    }

    #[test]
    fn mx_python_int_semantics() {
        // int(True) == 1, int(1.5) == 1, int(" 7 ") == 7, int("1_0") == 10: all valid
        for p in ["yes", "1.5", "' 7 '", "'1_0'", "0x10", "010", "'09'"] {
            clean(
                "MX",
                &format!("[{{preference: {p}, exchange: a.example.}}]"),
                ALL,
            );
        }
        // PyYAML does not read `y` as a bool, and `0o10` is a string
        only(
            "MX",
            "[{preference: y, exchange: a.example.}]",
            L,
            "mx-value",
            "invalid preference \"y\"",
        );
        only(
            "MX",
            "[{preference: 0o10, exchange: a.example.}]",
            L,
            "mx-value",
            "\"0o10\"",
        );
        // values are printed as Python prints them
        only(
            "MX",
            "[{preference: [1, 'a'], exchange: a.example.}]",
            S,
            "mx-value-rfc",
            "invalid preference \"[1, 'a']\"",
        );
        only(
            "MX",
            "[{preference: 123456789012345678901234567890123456789012345, exchange: a.example.}]",
            S,
            "mx-value-rfc",
            "preference \"123456789012345678901234567890123456789012345\" out of range",
        );
    }

    // SRV

    #[test]
    fn srv_valid() {
        clean(
            "SRV",
            "[{priority: 1, weight: 2, port: 30, target: sip.example.com.}]",
            ALL,
        );
        clean(
            "SRV",
            "[{priority: 0, weight: 0, port: 0, target: '.'}]",
            ALL,
        );
    }

    #[test]
    fn srv_rules() {
        only(
            "SRV",
            "[{weight: 2, port: 30, target: a.example.}]",
            L,
            "srv-value",
            "missing priority",
        );
        only(
            "SRV",
            "[{priority: 1, weight: x, port: 30, target: a.example.}]",
            L,
            "srv-value",
            "invalid weight \"x\"",
        );
        only(
            "SRV",
            "[{priority: 1, weight: 1, port: 30}]",
            L,
            "srv-value",
            "missing target",
        );
        only(
            "SRV",
            "[{priority: 1, weight: 1, port: 30, target: 'a b.'}]",
            L,
            "srv-value",
            "SRV target \"a b.\" is not a valid FQDN",
        );
        only(
            "SRV",
            "[{priority: 1, weight: 70000, port: 30, target: a.example.}]",
            S,
            "srv-value-rfc",
            "weight \"70000\" out of range 0-65535",
        );
        only(
            "SRV",
            "[{priority: 0, weight: 0, port: 5, target: '.'}]",
            S,
            "srv-value-rfc",
            "port must be 0 when target is \".\"",
        );
        only(
            "SRV",
            "[{priority: 1, weight: 1, port: 0, target: a.example.}]",
            S,
            "srv-value-rfc",
            "port 0 is reserved",
        );
        only(
            "SRV",
            "[{priority: 1, weight: 1, port: 1, target: '::1'}]",
            S,
            "srv-value-not-ip",
            "SRV target \"::1\" is an IP address",
        );
        only(
            "SRV",
            "[{priority: 1, weight: 1, port: 1, target: a.example}]",
            B,
            "srv-value-best-practice",
            "SRV target \"a.example\" missing trailing .",
        );
    }

    // URI

    #[test]
    fn uri_valid() {
        clean(
            "URI",
            "[{priority: 10, weight: 1, target: 'ftp://ftp.example.com/public'}]",
            ALL,
        );
    }

    #[test]
    fn uri_rules() {
        only(
            "URI",
            "[{weight: 1, target: x}]",
            L,
            "uri-value",
            "missing priority",
        );
        only(
            "URI",
            "[{priority: 1, weight: w, target: x}]",
            L,
            "uri-value",
            "invalid weight \"w\"",
        );
        only(
            "URI",
            "[{priority: 1, weight: 1, target: ''}]",
            L,
            "uri-value",
            "missing target",
        );
        only(
            "URI",
            "[{priority: 1, weight: 70000, target: x}]",
            S,
            "uri-value-rfc",
            "invalid weight \"70000\"; must be 0-65535",
        );
        only(
            "URI",
            "[{priority: 1, weight: 1}]",
            S,
            "uri-value-rfc",
            "missing target",
        );
    }

    // CAA

    #[test]
    fn caa_valid() {
        clean(
            "CAA",
            "[{flags: 0, tag: issue, value: ca.example.net}, {tag: issuewild, value: ';'}]",
            ALL,
        );
    }

    #[test]
    fn caa_rules() {
        only(
            "CAA",
            "[{flags: 256, tag: issue, value: x}]",
            L,
            "caa-value",
            "invalid flags \"256\"",
        );
        only(
            "CAA",
            "[{flags: x, tag: iodef, value: x}]",
            L,
            "caa-value",
            "invalid flags \"x\"",
        );
        only("CAA", "[{value: x}]", L, "caa-value", "missing tag");
        only("CAA", "[{tag: iodef}]", L, "caa-value", "missing value");
        only(
            "CAA",
            "[{flags: 1, tag: iodef, value: x}]",
            S,
            "caa-value-rfc",
            "flags \"1\" is not valid; must be 0 or 128",
        );
        only(
            "CAA",
            "[{tag: 'is-sue', value: x}]",
            S,
            "caa-value-rfc",
            "invalid tag \"is-sue\"",
        );
        only(
            "CAA",
            "[{tag: '', value: x}]",
            S,
            "caa-value-rfc",
            "missing tag",
        );
        only(
            "CAA",
            "[{tag: issue, value: x}]",
            B,
            "caa-value-best-practice",
            "CAA issue tag is present without issuewild",
        );
    }

    // SSHFP

    fn hex(n: usize) -> String {
        "ab".repeat(n).chars().take(n).collect()
    }

    #[test]
    fn sshfp_valid() {
        clean(
            "SSHFP",
            &format!(
                "[{{algorithm: 4, fingerprint_type: 2, fingerprint: {}}}]",
                hex(64)
            ),
            ALL,
        );
        clean(
            "SSHFP",
            &format!(
                "[{{algorithm: 1, fingerprint_type: 1, fingerprint: {}}}]",
                hex(40)
            ),
            L,
        );
    }

    #[test]
    fn sshfp_rules() {
        let fp = hex(64);
        only(
            "SSHFP",
            &format!("[{{algorithm: 9, fingerprint_type: 2, fingerprint: {fp}}}]"),
            L,
            "sshfp-value",
            "unrecognized algorithm \"9\"",
        );
        only(
            "SSHFP",
            &format!("[{{algorithm: 1, fingerprint_type: 3, fingerprint: {fp}}}]"),
            L,
            "sshfp-value",
            "unrecognized fingerprint_type \"3\"",
        );
        only(
            "SSHFP",
            &format!("[{{algorithm: x, fingerprint_type: 2, fingerprint: {fp}}}]"),
            L,
            "sshfp-value",
            "invalid algorithm \"x\"",
        );
        only(
            "SSHFP",
            "[{algorithm: 1, fingerprint_type: 2}]",
            L,
            "sshfp-value",
            "missing fingerprint",
        );
        only(
            "SSHFP",
            "[{algorithm: 1, fingerprint_type: 2, fingerprint: abc}]",
            L,
            "sshfp-value",
            "fingerprint length 3 does not match fingerprint_type 2 (expected 64)",
        );
        only(
            "SSHFP",
            &format!("[{{algorithm: 300, fingerprint_type: 2, fingerprint: {fp}}}]"),
            S,
            "sshfp-value-rfc",
            "invalid algorithm \"300\"; must be 0-255",
        );
        only(
            "SSHFP",
            "[{algorithm: 1, fingerprint_type: 2, fingerprint: xyz}]",
            S,
            "sshfp-value-rfc",
            "invalid fingerprint \"xyz\"; must be hex",
        );
        only(
            "SSHFP",
            "[{algorithm: 1, fingerprint_type: 2, fingerprint: abc}]",
            S,
            "sshfp-value-rfc",
            "fingerprint must be 64 hex characters for fingerprint_type 2",
        );
        only(
            "SSHFP",
            "[{algorithm: 1, fingerprint_type: 2}]",
            S,
            "sshfp-value-rfc",
            "missing fingerprint",
        );
        only(
            "SSHFP",
            &format!(
                "[{{algorithm: 1, fingerprint_type: 1, fingerprint: {}}}]",
                hex(40)
            ),
            B,
            "sshfp-value-best-practice",
            "SSHFP fingerprint_type 1 (SHA-1) is deprecated",
        );
    }

    // TLSA

    #[test]
    fn tlsa_valid() {
        clean(
            "TLSA",
            &format!(
                "[{{certificate_usage: 3, selector: 1, matching_type: 1, certificate_association_data: {}}}]",
                hex(64)
            ),
            ALL,
        );
    }

    #[test]
    fn tlsa_rules() {
        only(
            "TLSA",
            "[{certificate_usage: 4, selector: 1, matching_type: 1, certificate_association_data: ab}]",
            L,
            "tlsa-value",
            "invalid certificate_usage \"4\"",
        );
        only(
            "TLSA",
            "[{certificate_usage: 1, selector: s, matching_type: 1, certificate_association_data: ab}]",
            L,
            "tlsa-value",
            "invalid selector \"s\"",
        );
        only(
            "TLSA",
            "[{certificate_usage: 1, selector: 1, certificate_association_data: ab}]",
            L,
            "tlsa-value",
            "missing matching_type",
        );
        only(
            "TLSA",
            "[{certificate_usage: 1, selector: 1, matching_type: 1}]",
            L,
            "tlsa-value",
            "missing certificate_association_data",
        );
        only(
            "TLSA",
            &format!(
                "[{{certificate_usage: 1, selector: 300, matching_type: 1, certificate_association_data: {}}}]",
                hex(64)
            ),
            S,
            "tlsa-value-rfc",
            "invalid selector \"300\"; must be 0-255",
        );
        only(
            "TLSA",
            "[{certificate_usage: 1, selector: 1, matching_type: 2, certificate_association_data: abcd}]",
            S,
            "tlsa-value-rfc",
            "certificate_association_data must be 128 hex characters for matching_type 2",
        );
        only(
            "TLSA",
            "[{certificate_usage: 1, selector: 1, matching_type: 0, certificate_association_data: 'zz'}]",
            S,
            "tlsa-value-rfc",
            "invalid certificate_association_data \"zz\"; must be hex",
        );
        only(
            "TLSA",
            "[{certificate_usage: 1, selector: 1, matching_type: 0, certificate_association_data: abcd}]",
            B,
            "tlsa-value-best-practice",
            "TLSA matching_type 0 (full data) is not recommended",
        );
    }

    // DS

    #[test]
    fn ds_valid() {
        // range bounds are inclusive
        clean(
            "DS",
            &format!(
                "[{{key_tag: 65535, algorithm: 255, digest_type: 255, digest: {}}}]",
                hex(8)
            ),
            &[Set::Legacy, Set::Strict],
        );
        clean(
            "DS",
            &format!(
                "[{{key_tag: 60485, algorithm: 13, digest_type: 2, digest: {}}}]",
                hex(64)
            ),
            ALL,
        );
        // the deprecated field names still pass the legacy rule
        clean(
            "DS",
            "[{flags: 257, protocol: 3, algorithm: 8, public_key: AwEAAb}]",
            L,
        );
    }

    #[test]
    fn ds_rules() {
        let d = hex(64);
        only(
            "DS",
            &format!("[{{algorithm: 13, digest_type: 2, digest: {d}}}]"),
            L,
            "ds-value",
            "missing key_tag",
        );
        only(
            "DS",
            &format!("[{{key_tag: k, algorithm: 13, digest_type: 2, digest: {d}}}]"),
            L,
            "ds-value",
            "invalid key_tag \"k\"",
        );
        only(
            "DS",
            "[{key_tag: 1, algorithm: 13, digest_type: 2}]",
            L,
            "ds-value",
            "missing digest",
        );
        only(
            "DS",
            "[{flags: 257, protocol: 3, algorithm: 8}]",
            L,
            "ds-value",
            "missing public_key",
        );
        only(
            "DS",
            "[{flags: 257, protocol: p, algorithm: 8, public_key: x}]",
            L,
            "ds-value",
            "invalid protocol \"p\"",
        );
        only(
            "DS",
            &format!("[{{key_tag: 70000, algorithm: 13, digest_type: 2, digest: {d}}}]"),
            S,
            "ds-value-rfc",
            "invalid key_tag \"70000\"; must be 0-65535",
        );
        only(
            "DS",
            "[{key_tag: 1, algorithm: 13, digest_type: 4, digest: abcd}]",
            S,
            "ds-value-rfc",
            "digest must be 96 hex characters for digest_type 4",
        );
        only(
            "DS",
            "[{key_tag: 1, algorithm: 13, digest_type: 9, digest: xyz}]",
            S,
            "ds-value-rfc",
            "invalid digest \"xyz\"; must be hex",
        );
        only(
            "DS",
            &format!("[{{key_tag: 1, algorithm: 5, digest_type: 2, digest: {d}}}]"),
            B,
            "ds-value-best-practice",
            "DS algorithm 5 (RSA/SHA-1) is deprecated per RFC 8624",
        );
        only(
            "DS",
            &format!(
                "[{{key_tag: 1, algorithm: 13, digest_type: 1, digest: {}}}]",
                hex(40)
            ),
            B,
            "ds-value-best-practice",
            "DS digest_type 1 (SHA-1) is not recommended",
        );
        // the deprecated form is skipped by best practice, and is not accepted by strict
        clean(
            "DS",
            "[{flags: 257, protocol: 3, algorithm: 5, public_key: x}]",
            B,
        );
        let r = messages(
            "DS",
            "[{flags: 257, protocol: 3, algorithm: 8, public_key: x}]",
            S,
        );
        assert_eq!(
            r,
            vec![
                ("ds-value-rfc", "missing key_tag".to_string()),
                ("ds-value-rfc", "missing digest_type".to_string()),
                ("ds-value-rfc", "missing digest".to_string()),
            ]
        );
    }

    // NAPTR

    const NAPTR_OK: &str = "order: 100, preference: 10, flags: S, service: SIP+D2U, regexp: '', replacement: _sip._udp.example.com.";

    #[test]
    fn naptr_valid() {
        clean("NAPTR", &format!("[{{{NAPTR_OK}}}]"), ALL);
    }

    #[test]
    fn naptr_rules() {
        only(
            "NAPTR",
            "[{preference: 1, flags: S, service: s, regexp: r, replacement: r.}]",
            L,
            "naptr-value",
            "missing order",
        );
        only(
            "NAPTR",
            "[{order: o, preference: 1, flags: S, service: s, regexp: r, replacement: r.}]",
            L,
            "naptr-value",
            "invalid order \"o\"",
        );
        only(
            "NAPTR",
            "[{order: 1, preference: 1, flags: X, service: s, regexp: r, replacement: r.}]",
            L,
            "naptr-value",
            "unrecognized flags \"X\"",
        );
        only(
            "NAPTR",
            "[{order: 1, preference: 1, flags: S, regexp: r, replacement: r.}]",
            L,
            "naptr-value",
            "missing service",
        );
        only(
            "NAPTR",
            "[{order: 1, preference: 70000, flags: S, service: s, regexp: r, replacement: r.}]",
            S,
            "naptr-value-rfc",
            "invalid preference \"70000\"; must be 0-65535",
        );
        only(
            "NAPTR",
            "[{order: 1, preference: 1, flags: SU, service: s, regexp: r, replacement: r.}]",
            S,
            "naptr-value-rfc",
            "unrecognized flags \"SU\"",
        );
        only(
            "NAPTR",
            "[{order: 1, preference: 1, flags: S, service: s, regexp: r}]",
            S,
            "naptr-value-rfc",
            "missing replacement",
        );
        only(
            "NAPTR",
            "[{order: 1, preference: 1, flags: S, service: s, regexp: r, replacement: r.example}]",
            B,
            "naptr-value-best-practice",
            "NAPTR replacement \"r.example\" missing trailing .",
        );
        // empty flags are fine in strict, not in legacy
        clean(
            "NAPTR",
            "[{order: 1, preference: 1, flags: '', service: s, regexp: r, replacement: '.'}]",
            S,
        );
        only(
            "NAPTR",
            "[{order: 1, preference: 1, flags: '', service: s, regexp: r, replacement: '.'}]",
            L,
            "naptr-value",
            "unrecognized flags \"\"",
        );
    }

    // LOC

    fn loc_value(over: &str) -> String {
        let mut fields: Vec<(String, String)> = [
            ("lat_degrees", "31"),
            ("lat_minutes", "58"),
            ("lat_seconds", "52.1"),
            ("lat_direction", "S"),
            ("long_degrees", "115"),
            ("long_minutes", "49"),
            ("long_seconds", "11.7"),
            ("long_direction", "E"),
            ("altitude", "20"),
            ("size", "10"),
            ("precision_horz", "10"),
            ("precision_vert", "2"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for kv in over.split(',').filter(|s| !s.is_empty()) {
            let (k, v) = kv.split_once('=').unwrap();
            fields.retain(|(f, _)| f != k);
            if v != "-" {
                fields.push((k.to_string(), v.to_string()));
            }
        }
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        format!("[{{{}}}]", body.join(", "))
    }

    #[test]
    fn loc_valid() {
        clean("LOC", &loc_value(""), ALL);
    }

    #[test]
    fn loc_rules() {
        for sets in [L, S] {
            only(
                "LOC",
                &loc_value("lat_degrees=91"),
                sets,
                "loc-value-rfc",
                "invalid value for lat_degrees \"91\"",
            );
            only(
                "LOC",
                &loc_value("long_minutes=x"),
                sets,
                "loc-value-rfc",
                "invalid long_minutes \"x\"",
            );
            only(
                "LOC",
                &loc_value("lat_seconds=60.5"),
                sets,
                "loc-value-rfc",
                "invalid value for lat_seconds \"60.5\"",
            );
            only(
                "LOC",
                &loc_value("altitude=-"),
                sets,
                "loc-value-rfc",
                "missing altitude",
            );
            only(
                "LOC",
                &loc_value("long_direction=N"),
                sets,
                "loc-value-rfc",
                "invalid direction for long_direction \"N\"",
            );
        }
        // float() accepts strings; the message quotes the value as written
        only(
            "LOC",
            &loc_value("size=.inf"),
            L,
            "loc-value-rfc",
            "invalid value for size \"inf\"",
        );
        clean("LOC", &loc_value("size='1e3',lat_degrees=45.5"), L);
        clean("LOC", &loc_value(""), B);
    }

    // SVCB / HTTPS

    #[test]
    fn svcb_valid() {
        for t in ["SVCB", "HTTPS"] {
            clean(
                t,
                "[{svcpriority: 1, targetname: svc.example.com., svcparams: {alpn: [h2, h3], port: 8443, \
                 ipv4hint: [192.0.2.1], ipv6hint: ['2001:db8::1'], mandatory: [alpn, port, key65000], \
                 no-default-alpn: ~, ech: 'AEn+DQBF', key65000: x}}]",
                ALL,
            );
            clean(t, "[{svcpriority: 0, targetname: svc.example.com.}]", ALL);
            clean(t, "[{svcpriority: 1, targetname: '.'}]", ALL);
        }
    }

    #[test]
    fn svcb_rules() {
        let base = |params: &str| {
            format!("[{{svcpriority: 1, targetname: a.example., svcparams: {{{params}}}}}]")
        };
        only(
            "SVCB",
            "[{targetname: a.example.}]",
            L,
            "svcb-value-rfc",
            "missing svcpriority",
        );
        only(
            "SVCB",
            "[{svcpriority: 70000, targetname: a.example.}]",
            S,
            "svcb-value-rfc",
            "invalid priority \"70000\"",
        );
        only(
            "SVCB",
            "[{svcpriority: x, targetname: a.example.}]",
            L,
            "svcb-value-rfc",
            "invalid priority \"x\"",
        );
        only(
            "SVCB",
            "[{svcpriority: 1}]",
            L,
            "svcb-value-rfc",
            "missing targetname",
        );
        only(
            "SVCB",
            "[{svcpriority: 0, targetname: a.example., svcparams: {port: 1}}]",
            L,
            "svcb-value-rfc",
            "svcparams set on AliasMode SVCB record",
        );
        only(
            "SVCB",
            &base("foo: bar"),
            L,
            "svcb-value-rfc",
            "Unknown SvcParam foo",
        );
        only(
            "SVCB",
            &base("port: http"),
            L,
            "svcb-value-rfc",
            "port is not a number",
        );
        only(
            "SVCB",
            &base("port: 70000"),
            L,
            "svcb-value-rfc",
            "port 70000 is not a valid number",
        );
        only(
            "SVCB",
            &base("alpn: h2"),
            L,
            "svcb-value-rfc",
            "alpn is not a list",
        );
        only(
            "SVCB",
            &base("alpn: ['h2;x']"),
            L,
            "chunked-value-rfc",
            "unescaped ; in \"h2;x\"",
        );
        only(
            "SVCB",
            &base("alpn: []"),
            L,
            "chunked-value-rfc",
            "missing value(s)",
        );
        only(
            "SVCB",
            &base("no-default-alpn: x"),
            L,
            "svcb-value-rfc",
            "SvcParam no-default-alpn has value when it should not",
        );
        only(
            "SVCB",
            &base("ipv4hint: [192.0.2.300]"),
            L,
            "svcb-value-rfc",
            "ipv4hint \"192.0.2.300\" is not a valid IPv4 address",
        );
        only(
            "SVCB",
            &base("ipv6hint: ['1::2::3']"),
            L,
            "svcb-value-rfc",
            "ipv6hint \"1::2::3\" is not a valid IPv6 address",
        );
        only(
            "SVCB",
            &base("mandatory: [foo]"),
            L,
            "svcb-value-rfc",
            "unsupported SvcParam \"foo\" in mandatory",
        );
        only(
            "SVCB",
            &base("mandatory: [keyx]"),
            L,
            "svcb-value-rfc",
            "SvcParam key \"keyx\" has wrong format",
        );
        only(
            "SVCB",
            &base("key70000: x"),
            L,
            "svcb-value-rfc",
            "SvcParam key \"key70000\" has wrong key number",
        );
        only(
            "SVCB",
            &base("ech: 'AB='"),
            L,
            "svcb-value-rfc",
            "ech SvcParam is invalid Base64",
        );
        only(
            "SVCB",
            "[{svcpriority: 1, targetname: a.example}]",
            B,
            "svcb-value-best-practice",
            "SVCB targetname \"a.example\" missing trailing .",
        );
        only(
            "HTTPS",
            &base("foo: bar"),
            S,
            "https-value-rfc",
            "Unknown SvcParam foo",
        );
        only(
            "HTTPS",
            "[{svcpriority: 1, targetname: a.example}]",
            B,
            "https-value-best-practice",
            "HTTPS targetname \"a.example\" missing trailing .",
        );
    }

    // OPENPGPKEY

    #[test]
    fn openpgpkey_rules() {
        clean("OPENPGPKEY", "[mQINBFrmfLQBEAC]", ALL);
        only(
            "OPENPGPKEY",
            "[]",
            L,
            "openpgpkey-value-rfc",
            "missing value(s)",
        );
        only(
            "OPENPGPKEY",
            "['', ~]",
            S,
            "openpgpkey-value-rfc",
            "missing value(s)",
        );
    }

    // URLFWD

    #[test]
    fn urlfwd_rules() {
        clean(
            "URLFWD",
            "[{path: /, target: 'http://example.com', code: 301, masking: 2, query: 0}]",
            ALL,
        );
        only(
            "URLFWD",
            "[{path: /, target: t, code: 303, masking: 2, query: 0}]",
            L,
            "urlfwd-value",
            "unrecognized return code \"303\"",
        );
        only(
            "URLFWD",
            "[{path: /, target: t, code: x, masking: 2, query: 0}]",
            S,
            "urlfwd-value",
            "invalid return code \"x\"",
        );
        only(
            "URLFWD",
            "[{path: /, target: t, code: 301, masking: 3, query: 0}]",
            L,
            "urlfwd-value",
            "unrecognized masking setting \"3\"",
        );
        only(
            "URLFWD",
            "[{path: /, target: t, code: 301, masking: 2, query: q}]",
            L,
            "urlfwd-value",
            "invalid query setting \"q\"",
        );
        only(
            "URLFWD",
            "[{target: t, code: 301, masking: 2, query: 0}]",
            L,
            "urlfwd-value",
            "missing path",
        );
    }

    // Framework behaviour

    #[test]
    fn reasons_point_at_the_field() {
        let yaml = "type: MX\nttl: 300\nvalues:\n  - preference: 10\n    exchange: mx.example.com.\n  - preference: x\n    exchange: mx.example.com.\n";
        let r = run(yaml, L);
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!((r[0].pos.line, r[0].pos.col), (6, 17));
        // a missing field points at its value
        let r = run(
            "type: MX\nttl: 300\nvalue:\n  exchange: mx.example.com.\n",
            L,
        );
        assert_eq!(r[0].message, "missing preference");
        assert_eq!(r[0].pos.line, 4);
    }

    #[test]
    fn disabled_rules_are_skipped() {
        let loaded = load_str(
            &rec("MX", "[{preference: x, exchange: a.example.}]"),
            &Arc::from("t.yaml"),
            LoadOptions {
                order: KeyOrder::Any,
                includes: false,
            },
        );
        let root = loaded.root.unwrap();
        let mut rules = Rules::default();
        rules
            .disabled
            .insert("MX".into(), ["mx-value".to_string()].into_iter().collect());
        let ctx = RecordCtx {
            zone: "example.com.",
            raw_name: "",
            name: "",
            fqdn: "example.com.",
            rtype: &RecordType::Mx,
            node: &root,
            pos: &root.pos,
            rules: &rules,
        };
        let mut out = Reasons::default();
        check(&ctx, &mut out);
        assert!(out.0.is_empty(), "{:?}", out.0);
    }

    #[test]
    fn non_mapping_values_are_reported() {
        only(
            "MX",
            "['10 mx.example.com.']",
            L,
            "mx-value",
            "invalid value \"10 mx.example.com.\"; expected a mapping",
        );
        only(
            "SRV",
            "[~]",
            S,
            "srv-value-rfc",
            "empty value; expected a mapping",
        );
        only(
            "SVCB",
            "[{svcpriority: 1, targetname: a.example., svcparams: [alpn]}]",
            L,
            "svcb-value-rfc",
            "invalid svcparams \"['alpn']\"",
        );
    }

    #[test]
    fn hostile_values_never_panic() {
        let weird = [
            "~",
            "''",
            "[]",
            "{}",
            "[[[]]]",
            "{a: {b: c}}",
            "99999999999999999999999999999999999999999999",
            "-99999999999999999999999999999999999999999999",
            "0x_",
            "0b",
            "1:2:3",
            ".inf",
            "-.inf",
            ".nan",
            "1.5e+308",
            "1.0e+400",
            "'💥'",
            "'١٢٣'",
            // YAML refuses raw control characters; an escape in double quotes carries them
            "\"\\x1c7\\x1d\"",
            "'::'",
            "':::'",
            "'%'",
            "'=='",
            "'key'",
            "'key١'",
            "yes",
            "'a;b'",
            "'\\\\;'",
            "'{x}'",
            "'.'",
            "'..'",
        ];
        let fields = [
            "preference",
            "priority",
            "exchange",
            "value",
            "weight",
            "port",
            "target",
            "flags",
            "tag",
            "algorithm",
            "fingerprint_type",
            "fingerprint",
            "certificate_usage",
            "selector",
            "matching_type",
            "certificate_association_data",
            "key_tag",
            "digest_type",
            "digest",
            "protocol",
            "public_key",
            "order",
            "service",
            "regexp",
            "replacement",
            "lat_degrees",
            "lat_seconds",
            "lat_direction",
            "svcpriority",
            "targetname",
            "code",
            "masking",
            "query",
        ];
        let params = [
            "alpn",
            "port",
            "ipv4hint",
            "ipv6hint",
            "mandatory",
            "ech",
            "no-default-alpn",
            "key1",
        ];
        for t in RecordType::CORE {
            for w in weird {
                let mut vals = vec![w.to_string()];
                vals.push(format!(
                    "{{{}}}",
                    fields.map(|f| format!("{f}: {w}")).join(", ")
                ));
                vals.push(format!(
                    "{{svcpriority: {w}, targetname: {w}, svcparams: {{{}}}}}",
                    params.map(|p| format!("{p}: {w}")).join(", ")
                ));
                vals.push(format!(
                    "{{svcpriority: 1, svcparams: {{{}}}}}",
                    params.map(|p| format!("{p}: [{w}, {w}]")).join(", ")
                ));
                for v in &vals {
                    // every set at once runs every rule
                    let _ = run(&format!("type: {t}\nttl: 1\nvalues: [{v}]\n"), ALL);
                    let _ = run(&format!("type: {t}\nttl: 1\nvalue: {v}\n"), ALL);
                }
            }
        }
    }

    #[test]
    fn strict_base64_matches_binascii() {
        for ok in ["", "ABCD", "AB==", "ABC=", "ABCD=", "ABCD==", "AB+/"] {
            assert!(is_strict_base64(ok), "{ok}");
        }
        for bad in [
            "A", "AB", "AB=", "ABC==", "A===", "AB==AB==", "=", "ABCD=AB", "AB C", "AB-_",
        ] {
            assert!(!is_strict_base64(bad), "{bad}");
        }
    }

    #[test]
    fn ip_parsing_matches_ipaddress() {
        for ok in [
            "::",
            "::1",
            "1::",
            "fe80::1%eth0",
            "::1.2.3.4",
            "1:2:3:4:5:6:7::",
        ] {
            assert!(parse_ipv6(ok).is_some(), "{ok}");
        }
        for bad in [
            ":1::",
            "1::2::3",
            "::1%",
            "1:2:3:4:5:6:7:8:9",
            "12345::",
            "::01.2.3.4",
        ] {
            assert!(parse_ipv6(bad).is_none(), "{bad}");
        }
        assert_eq!(parse_ipv4("192.0.2.1"), Some(0xc000_0201));
        for bad in ["01.2.3.4", "1.2.3", "1.2.3.256", " 1.2.3.4", "1.2.3.4/32"] {
            assert!(parse_ipv4(bad).is_none(), "{bad}");
        }
    }
}
