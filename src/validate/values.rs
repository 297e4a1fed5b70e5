//! Value rules per record type (octoDNS's `*-value`, `*-value-rfc`, `*-value-best-practice`
//! validators), run on each value node so a reason points at the value's own line.

use std::sync::LazyLock;

use regex_lite::Regex;

use super::{BEST, LEGACY, LEGACY_STRICT, Reasons, RecordCtx, STRICT, STRICT_BEST, check_target};
use crate::model::RecordType;
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
        match py(v) {
            Py::Str("") => out.add(ID, &v.pos, "empty value"),
            Py::None => out.add(ID, &v.pos, "missing value(s)"),
            _ => {
                // octoDNS parses `str(value)` with `ipaddress`
                let s = py_str(v);
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
// The data as octoDNS's validators see it.
//
// octoDNS validates the dict PyYAML produced, so a plain `10` is an int, `yes` a bool, `1.5` a
// float, and `int(x)`, `float(x)`, `str(x)` and truthiness follow Python. These helpers
// reproduce that on YAML nodes, so messages quote values exactly as octoDNS prints them.
// ---------------------------------------------------------------------------------------------

/// An integer as Python holds it: the value (saturated to i128 beyond that range, which is
/// enough for every range check) and its exact decimal text for messages.
#[derive(Clone, Debug, PartialEq)]
struct Int {
    v: i128,
    text: String,
}

impl Int {
    fn small(v: i128) -> Int {
        Int {
            v,
            text: v.to_string(),
        }
    }
}

/// A YAML node resolved the way PyYAML's SafeLoader (which octoDNS uses) resolves it.
enum Py<'a> {
    None,
    Bool(bool),
    Int(Int),
    Float(f64),
    Str(&'a str),
    List(&'a [Node]),
    Dict(&'a [(Node, Node)]),
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static regex")
}

static YAML_INT: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)",
        r"|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$"
    ))
});
static YAML_FLOAT: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?",
        r"|\.[0-9_]+(?:[eE][-+][0-9]+)?",
        r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*",
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ))
});
/// What Python's `int(str)` accepts (ASCII digits; `_` only between digits).
static PY_INT_STR: LazyLock<Regex> = LazyLock::new(|| re(r"^[+-]?[0-9](?:_?[0-9])*$"));
/// What Python's `float(str)` accepts, besides inf/infinity/nan.
static PY_FLOAT_STR: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"^[+-]?(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)",
        r"(?:[eE][+-]?[0-9](?:_?[0-9])*)?$"
    ))
});

fn py(n: &Node) -> Py<'_> {
    match &n.kind {
        Kind::Null => Py::None,
        Kind::Seq(items) => Py::List(items),
        Kind::Map(entries) => Py::Dict(entries),
        Kind::Scalar { text, plain: false } => Py::Str(text),
        Kind::Scalar { text, plain: true } => resolve_plain(text),
    }
}

/// PyYAML's implicit resolvers for a plain scalar (bool, then float, then int).
fn resolve_plain(t: &str) -> Py<'_> {
    match t {
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Py::Bool(true);
        }
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Py::Bool(false);
        }
        _ => {}
    }
    if YAML_FLOAT.is_match(t)
        && let Some(f) = yaml_float(t)
    {
        return Py::Float(f);
    }
    if YAML_INT.is_match(t)
        && let Some(i) = yaml_int(t)
    {
        return Py::Int(i);
    }
    Py::Str(t)
}

/// PyYAML's `construct_yaml_int`.
fn yaml_int(t: &str) -> Option<Int> {
    let clean: String = t.chars().filter(|&c| c != '_').collect();
    let (neg, body) = split_sign(&clean);
    let (digits, radix) = if body == "0" {
        ("0", 10)
    } else if let Some(b) = body.strip_prefix("0b") {
        (b, 2)
    } else if let Some(h) = body.strip_prefix("0x") {
        (h, 16)
    } else if body.starts_with('0') {
        (body, 8)
    } else if body.contains(':') {
        let mut v: i128 = 0;
        for part in body.split(':') {
            let d: i128 = part.parse().ok()?;
            v = v.saturating_mul(60).saturating_add(d);
        }
        let v = if neg { -v } else { v };
        return Some(Int::small(v));
    } else {
        (body, 10)
    };
    big_int(digits, radix, neg)
}

/// PyYAML's `construct_yaml_float`.
fn yaml_float(t: &str) -> Option<f64> {
    let clean: String = t
        .chars()
        .filter(|&c| c != '_')
        .collect::<String>()
        .to_lowercase();
    let (neg, body) = split_sign(&clean);
    let sign = if neg { -1.0 } else { 1.0 };
    let v = if body == ".inf" {
        f64::INFINITY
    } else if body == ".nan" {
        return Some(f64::NAN);
    } else if body.contains(':') {
        let mut v = 0.0;
        for part in body.split(':') {
            v = v * 60.0 + part.parse::<f64>().ok()?;
        }
        v
    } else {
        body.parse::<f64>().ok()?
    };
    Some(sign * v)
}

fn split_sign(s: &str) -> (bool, &str) {
    match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    }
}

/// Digits in `radix` to an `Int` of any size: saturated value, exact decimal text.
fn big_int(digits: &str, radix: u32, neg: bool) -> Option<Int> {
    if digits.is_empty() {
        return None;
    }
    // little-endian limbs of 10^9
    let mut limbs: Vec<u64> = vec![0];
    let mut v: i128 = 0;
    for c in digits.chars() {
        let d = c.to_digit(radix)? as u64;
        v = v.saturating_mul(radix as i128).saturating_add(d as i128);
        let mut carry = d;
        for l in limbs.iter_mut() {
            let x = *l * radix as u64 + carry;
            *l = x % 1_000_000_000;
            carry = x / 1_000_000_000;
        }
        while carry > 0 {
            limbs.push(carry % 1_000_000_000);
            carry /= 1_000_000_000;
        }
    }
    let mut text = limbs.last().map(|l| l.to_string()).unwrap_or_default();
    for l in limbs.iter().rev().skip(1) {
        text.push_str(&format!("{l:09}"));
    }
    let zero = text == "0";
    if neg && !zero {
        text.insert(0, '-');
        v = -v;
    }
    Some(Int { v, text })
}

/// Python's `int(x)`; None where Python raises (ValueError, TypeError or OverflowError).
fn py_int(n: &Node) -> Option<Int> {
    match py(n) {
        Py::None | Py::List(_) | Py::Dict(_) => None,
        Py::Bool(b) => Some(Int::small(b as i128)),
        Py::Int(i) => Some(i),
        Py::Float(f) => float_to_int(f),
        Py::Str(s) => py_int_str(s),
    }
}

fn float_to_int(f: f64) -> Option<Int> {
    if !f.is_finite() {
        return None;
    }
    let t = f.trunc();
    let text = format!("{t:.0}");
    let text = if text == "-0" { "0".to_string() } else { text };
    let v = if t >= i128::MAX as f64 {
        i128::MAX
    } else if t <= i128::MIN as f64 {
        i128::MIN
    } else {
        t as i128
    };
    Some(Int { v, text })
}

/// Python's `int(str)`: surrounding whitespace, a sign, decimal digits (any script), `_`
/// between digits.
fn py_int_str(s: &str) -> Option<Int> {
    let t = py_number_text(s);
    if !PY_INT_STR.is_match(&t) {
        return None;
    }
    let clean: String = t.chars().filter(|&c| c != '_').collect();
    let (neg, body) = split_sign(&clean);
    big_int(body, 10, neg)
}

/// What Python's `int()`/`float()` parse from a string: Unicode decimal digits become ASCII,
/// whitespace becomes a space, and surrounding whitespace is dropped.
fn py_number_text(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| {
            if py_isspace(c) {
                ' '
            } else if let Some(d) = py_decimal(c) {
                char::from(b'0' + d)
            } else {
                c
            }
        })
        .collect();
    t.trim_matches(' ').to_string()
}

/// Python's `str.isspace` for one character.
fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// First code point of each run of ten Unicode decimal digits (category Nd, Unicode 14 as in
/// the Python octoDNS runs on).
const DECIMAL_ZEROS: &[u32] = &[
    0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66,
    0xde6, 0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90,
    0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10,
    0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650,
    0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50,
    0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
];

/// The value of a Unicode decimal digit.
fn py_decimal(c: char) -> Option<u8> {
    let c = c as u32;
    let i = DECIMAL_ZEROS.partition_point(|&z| z <= c);
    let zero = *DECIMAL_ZEROS.get(i.checked_sub(1)?)?;
    (c - zero < 10).then(|| (c - zero) as u8)
}

/// Python's `float(x)`; None where Python raises.
fn py_float(n: &Node) -> Option<f64> {
    match py(n) {
        Py::None | Py::List(_) | Py::Dict(_) => None,
        Py::Bool(b) => Some(if b { 1.0 } else { 0.0 }),
        Py::Int(i) => Some(i.v as f64),
        Py::Float(f) => Some(f),
        Py::Str(s) => {
            let t = py_number_text(s);
            let t = t.as_str();
            let (neg, body) = split_sign(t);
            let sign = if neg { -1.0 } else { 1.0 };
            let lower = body.to_ascii_lowercase();
            if lower == "inf" || lower == "infinity" {
                return Some(sign * f64::INFINITY);
            }
            if lower == "nan" {
                return Some(f64::NAN);
            }
            if !PY_FLOAT_STR.is_match(t) {
                return None;
            }
            t.replace('_', "").parse::<f64>().ok()
        }
    }
}

/// Python's truthiness of the loaded value.
fn truthy(n: &Node) -> bool {
    match py(n) {
        Py::None => false,
        Py::Bool(b) => b,
        Py::Int(i) => i.v != 0,
        Py::Float(f) => f != 0.0,
        Py::Str(s) => !s.is_empty(),
        Py::List(l) => !l.is_empty(),
        Py::Dict(d) => !d.is_empty(),
    }
}

/// Python's `str(x)` of the loaded value, as octoDNS's f-strings print it.
fn py_str(n: &Node) -> String {
    match py(n) {
        Py::None => "None".into(),
        Py::Bool(b) => if b { "True" } else { "False" }.into(),
        Py::Int(i) => i.text,
        Py::Float(f) => float_repr(f),
        Py::Str(s) => s.to_string(),
        Py::List(items) => {
            let parts: Vec<String> = items.iter().map(py_repr).collect();
            format!("[{}]", parts.join(", "))
        }
        Py::Dict(entries) => {
            let parts: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", py_repr(k), py_repr(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// Python's `repr(x)` (strings quoted as Python quotes them).
fn py_repr(n: &Node) -> String {
    match py(n) {
        Py::Str(s) => str_repr(s),
        _ => py_str(n),
    }
}

fn str_repr(s: &str) -> String {
    let q = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || (0x7f..0xa0).contains(&(c as u32)) => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

/// Python's `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16.
fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    let e = format!("{f:e}");
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if mant.starts_with('-') { "-" } else { "" };
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    if (-4..16).contains(&exp) {
        let point = exp + 1;
        if point <= 0 {
            format!("{sign}0.{}{digits}", "0".repeat((-point) as usize))
        } else if point as usize >= digits.len() {
            let zeros = "0".repeat(point as usize - digits.len());
            format!("{sign}{digits}{zeros}.0")
        } else {
            let (a, b) = digits.split_at(point as usize);
            format!("{sign}{a}.{b}")
        }
    } else {
        let m = if digits.len() == 1 {
            digits
        } else {
            format!("{}.{}", &digits[..1], &digits[1..])
        };
        let es = if exp < 0 { '-' } else { '+' };
        format!("{sign}{m}e{es}{:02}", exp.abs())
    }
}

/// Python's `len(x)` where octoDNS takes it (strings count characters).
fn py_len(n: &Node) -> usize {
    match py(n) {
        Py::None => 0,
        Py::Str(s) => s.chars().count(),
        Py::List(l) => l.len(),
        Py::Dict(d) => d.len(),
        _ => py_str(n).chars().count(),
    }
}

/// A target-ish field as octoDNS's target checks see it: falsy values are missing (`""`).
fn target_text(n: Option<&Node>) -> String {
    match n {
        Some(n) if truthy(n) => py_str(n),
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
            py_str(v)
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
            let i = py_int(n);
            if i.is_none() {
                out.add(id, &n.pos, format!("invalid {label} \"{}\"", py_str(n)));
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
    match py_int(n) {
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
            out.add(id, &n.pos, format!("invalid {key} \"{}\"", py_str(n)));
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
    v.get(key).and_then(py_int).map(|i| i.v)
}

// MX ------------------------------------------------------------------------------------------

const MX_FIELDS: &str = "preference and exchange";

/// `value.get('exchange') or value.get('value')`
fn mx_exchange(v: &Node) -> Option<&Node> {
    v.get("exchange")
        .filter(|n| truthy(n))
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
                    if py_int(n).is_none() {
                        out.add(LEG, &n.pos, format!("invalid preference \"{}\"", py_str(n)));
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
                Some(n) => match py_int(n) {
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
                    None => out.add(RFC, &n.pos, format!("invalid preference \"{}\"", py_str(n))),
                },
            }
            let ex = mx_exchange(v);
            let text = target_text(ex);
            let pos = ex.map(|n| &n.pos).unwrap_or(&v.pos);
            if text.is_empty() {
                out.add(RFC, pos, "missing exchange");
            } else if text == "." && matches!(ex.map(py), Some(Py::Str(_))) {
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
    let exchanges = || {
        values
            .iter()
            .filter(|v| v.entries().is_some())
            .filter_map(|v| mx_exchange(v))
            .map(|n| (target_text(Some(n)), &n.pos))
            .filter(|(text, _)| !text.is_empty())
    };
    const NOT_IP: &str = "mx-value-not-ip";
    if ctx.on(NOT_IP, STRICT_BEST) {
        for (text, pos) in exchanges() {
            not_ip_field(&text, t, "exchange", NOT_IP, pos, out);
        }
    }
    const BP: &str = "mx-value-best-practice";
    if ctx.on(BP, BEST) {
        for (text, pos) in exchanges() {
            trailing_dot_field(&text, t, "exchange", BP, pos, out);
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
                        .and_then(py_int)
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
            if matches!(target.map(py), Some(Py::Str("."))) {
                for (k, val) in &fields {
                    if val.is_some_and(|i| i != 0) {
                        out.add(RFC, at(v, k), format!("{k} must be 0 when target is \".\""));
                    }
                }
            } else if target.is_some_and(truthy) && fields[2].1 == Some(0) {
                out.add(
                    RFC,
                    at(v, "port"),
                    "port 0 is reserved; must be > 0 when target is not \".\"",
                );
            }
        }
    }
    let targets = || {
        values
            .iter()
            .filter(|v| v.entries().is_some())
            .filter_map(|v| v.get("target"))
            .map(|n| (target_text(Some(n)), &n.pos))
            .filter(|(text, _)| !text.is_empty())
    };
    const NOT_IP: &str = "srv-value-not-ip";
    if ctx.on(NOT_IP, STRICT_BEST) {
        for (text, pos) in targets() {
            not_ip_field(&text, t, "target", NOT_IP, pos, out);
        }
    }
    const BP: &str = "srv-value-best-practice";
    if ctx.on(BP, BEST) {
        for (text, pos) in targets() {
            trailing_dot_field(&text, t, "target", BP, pos, out);
        }
    }
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
            if !v.get("target").is_some_and(truthy) {
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
                match py_int(n) {
                    Some(i) if (0..=255).contains(&i.v) => {}
                    Some(i) => out.add(LEG, &n.pos, format!("invalid flags \"{}\"", i.text)),
                    None => out.add(LEG, &n.pos, format!("invalid flags \"{}\"", py_str(n))),
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
                match py_int(n) {
                    Some(i) if i.v == 0 || i.v == 128 => {}
                    Some(i) => out.add(
                        RFC,
                        &n.pos,
                        format!("flags \"{}\" is not valid; must be 0 or 128", i.text),
                    ),
                    None => out.add(RFC, &n.pos, format!("invalid flags \"{}\"", py_str(n))),
                }
            }
            match v.get("tag") {
                Some(n) if truthy(n) => {
                    let tag = py_str(n);
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
                .find(|n| matches!(py(n), Py::Str(s) if s == name))
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
    let s = py_str(n);
    if !truthy(n) || !is_hex(&s) {
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
                match py_int(n) {
                    Some(i) if (0..=max).contains(&i.v) => {}
                    Some(i) => out.add(LEG, &n.pos, format!("invalid {k} \"{}\"", i.text)),
                    None => out.add(LEG, &n.pos, format!("invalid {k} \"{}\"", py_str(n))),
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
                        py(n),
                        Py::Str("S" | "A" | "U" | "P" | "s" | "a" | "u" | "p")
                    );
                    if !known {
                        out.add(LEG, &n.pos, format!("unrecognized flags \"{}\"", py_str(n)));
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
                Some(n) if truthy(n) => {
                    // `flags.upper() in 'SAUP'` (empty flags are allowed)
                    let ok = match py(n) {
                        Py::Str(s) => matches!(s.to_uppercase().as_str(), "S" | "A" | "U" | "P"),
                        _ => false,
                    };
                    if !ok {
                        out.add(RFC, &n.pos, format!("unrecognized flags \"{}\"", py_str(n)));
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
            match py_int(n) {
                None => out.add(ID, &n.pos, format!("invalid {k} \"{}\"", py_str(n))),
                Some(i) if !(0..=max).contains(&i.v) => out.add(
                    ID,
                    &n.pos,
                    format!("invalid value for {k} \"{}\"", py_str(n)),
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
            match py_float(n) {
                None => out.add(ID, &n.pos, format!("invalid {k} \"{}\"", py_str(n))),
                Some(f) if !(min <= f && f <= max) => out.add(
                    ID,
                    &n.pos,
                    format!("invalid value for {k} \"{}\"", py_str(n)),
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
            if !matches!(py(n), Py::Str(s) if allowed.contains(&s)) {
                out.add(
                    ID,
                    &n.pos,
                    format!("invalid direction for {k} \"{}\"", py_str(n)),
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
        Some(n) => match py_int(n) {
            Some(i) => {
                if !(0..=65535).contains(&i.v) {
                    out.add(id, &n.pos, format!("invalid priority \"{}\"", i.text));
                }
                priority = Some(i.v);
            }
            None => out.add(id, &n.pos, format!("invalid priority \"{}\"", py_str(n))),
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
                py_str(params)
            ),
        );
        return;
    };
    if priority == Some(0) && !entries.is_empty() {
        out.add(id, &params.pos, "svcparams set on AliasMode SVCB record");
    }
    for (k, val) in entries {
        let key = py_str(k);
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
            "port" => match py_int(val) {
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
                let ok = matches!(py(val), Py::Str(s) if is_strict_base64(s));
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
                            format!("{key} \"{}\" is not a valid {fam} address", py_str(a)),
                        );
                    }
                }
            }
            "mandatory" => {
                let Some(items) = svc_list(&key, val, id, out) else {
                    continue;
                };
                for m in items {
                    let name = py_str(m);
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
        let s = py_str(a);
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
    let int_text = match py(a) {
        Py::Int(i) => Some(i.text),
        Py::Bool(b) => Some((b as u8).to_string()),
        _ => None,
    };
    match int_text {
        Some(t) if four => t.parse::<u32>().is_ok(),
        Some(t) => t.parse::<u128>().is_ok(),
        None => {
            let s = py_str(a);
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
    if ctx.on(ID, LEGACY_STRICT) && !values.iter().any(|v| truthy(v)) {
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

    #[test]
    #[ignore]
    fn diff_against_octodns() {
        let Ok(text) = std::fs::read_to_string("/tmp/vt/cases.txt") else {
            return;
        };
        let mut report = String::new();
        for line in text.lines().filter(|l| !l.is_empty()) {
            let (sets, yaml) = line.split_once('\t').unwrap();
            let sets: Vec<Set> = sets.split(',').map(|s| Set::parse(s).unwrap()).collect();
            report.push_str(&format!("# {} {yaml}\n", line.split_once('\t').unwrap().0));
            for r in run(yaml, &sets) {
                report.push_str(&format!("{}: {}\n", r.rule, r.message));
            }
        }
        std::fs::write("/tmp/vt/rust.out", report).unwrap();
    }
}
