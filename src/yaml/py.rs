//! YAML data as octoDNS sees it: PyYAML's SafeLoader resolution of plain scalars, and
//! Python's `int(x)`, `float(x)`, `str(x)`, `repr(x)` and truthiness of the loaded value.
//!
//! octoDNS validates and builds records from the dict PyYAML produced, so a plain `10` is an
//! int, `yes` a bool, `1.5` a float, `0o10` and `09` strings (YAML 1.1 has no `0o` prefix, and
//! a leading zero means octal), and `int("09") == 9`, `int(1.5) == 1`, `int(True) == 1`.
//! Everything that reads numbers from YAML (`Node::as_int`, `as_f64`, `as_bool`, `to_json`,
//! the validators' messages) goes through this one emulation.

use std::sync::LazyLock;

use regex_lite::Regex;

use super::{Kind, Node};

/// An integer as Python holds it: the value (saturated to i128 beyond that range, which is
/// enough for every range check) and its exact decimal text for messages.
#[derive(Clone, Debug, PartialEq)]
pub struct Int {
    pub v: i128,
    pub text: String,
}

impl Int {
    pub fn small(v: i128) -> Int {
        Int {
            v,
            text: v.to_string(),
        }
    }
}

/// A YAML node resolved the way PyYAML's SafeLoader (which octoDNS uses) resolves it.
/// Timestamps are kept as strings (their `str()` differs only for date-times).
#[derive(Debug)]
pub enum Py<'a> {
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

/// PyYAML's implicit int resolver (the reference the hand-written matcher is tested against).
#[cfg(test)]
static YAML_INT: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)",
        r"|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$"
    ))
});
/// PyYAML's implicit float resolver.
#[cfg(test)]
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

/// PyYAML's implicit resolvers for a plain scalar (bool, then float, then int; anything
/// else is a string). Null is resolved when the node is built.
pub fn resolve_plain(t: &str) -> Py<'_> {
    // PyYAML picks the candidate resolvers by the first character
    let Some(first) = t.chars().next() else {
        return Py::Str(t);
    };
    match first {
        'y' | 'Y' | 'n' | 'N' | 't' | 'T' | 'f' | 'F' | 'o' | 'O' => {
            return match t {
                "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
                    Py::Bool(true)
                }
                "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
                    Py::Bool(false)
                }
                _ => Py::Str(t),
            };
        }
        '0'..='9' | '-' | '+' | '.' => {}
        _ => return Py::Str(t),
    }
    // the common case: a short decimal without a leading zero
    let b = t.as_bytes();
    if b.len() <= 18
        && b.iter().all(u8::is_ascii_digit)
        && (b.len() == 1 || b[0] != b'0')
        && let Ok(v) = t.parse::<i128>()
    {
        return Py::Int(Int {
            v,
            text: t.to_string(),
        });
    }
    if is_yaml_float(t)
        && let Some(f) = yaml_float(t)
    {
        return Py::Float(f);
    }
    if is_yaml_int(t)
        && let Some(i) = yaml_int(t)
    {
        return Py::Int(i);
    }
    Py::Str(t)
}

/// PyYAML's `construct_yaml_int` (the text already matched the int resolver).
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

/// PyYAML's `construct_yaml_float` (the text already matched the float resolver).
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

/// Python's `int(float)`: truncation; None for inf and nan (which raise).
pub fn float_to_int(f: f64) -> Option<Int> {
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
/// between digits. `int("09") == 9`; `int("0x10")`, `int("1.0")` raise (None).
pub fn py_int_str(s: &str) -> Option<Int> {
    let t = py_number_text(s);
    if !PY_INT_STR.is_match(&t) {
        return None;
    }
    let clean: String = t.chars().filter(|&c| c != '_').collect();
    let (neg, body) = split_sign(&clean);
    big_int(body, 10, neg)
}

/// Python's `float(str)`; None where Python raises.
pub fn py_float_str(s: &str) -> Option<f64> {
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

/// Python's `repr(str)`.
pub fn str_repr(s: &str) -> String {
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
pub fn float_repr(f: f64) -> String {
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

impl Node {
    /// The value PyYAML's SafeLoader makes of this node.
    pub fn py(&self) -> Py<'_> {
        match &self.kind {
            Kind::Null => Py::None,
            Kind::Seq(items) => Py::List(items),
            Kind::Map(entries) => Py::Dict(entries),
            Kind::Scalar { text, plain: false } => Py::Str(text),
            Kind::Scalar { text, plain: true } => resolve_plain(text),
        }
    }

    /// Python's `int(x)` of the loaded value; None where Python raises (ValueError,
    /// TypeError or OverflowError).
    pub fn py_int(&self) -> Option<Int> {
        match self.py() {
            Py::None | Py::List(_) | Py::Dict(_) => None,
            Py::Bool(b) => Some(Int::small(b as i128)),
            Py::Int(i) => Some(i),
            Py::Float(f) => float_to_int(f),
            Py::Str(s) => py_int_str(s),
        }
    }

    /// Python's `float(x)` of the loaded value; None where Python raises.
    pub fn py_float(&self) -> Option<f64> {
        match self.py() {
            Py::None | Py::List(_) | Py::Dict(_) => None,
            Py::Bool(b) => Some(if b { 1.0 } else { 0.0 }),
            Py::Int(i) => Some(i.v as f64),
            Py::Float(f) => Some(f),
            Py::Str(s) => py_float_str(s),
        }
    }

    /// Python's truthiness (`bool(x)`) of the loaded value.
    pub fn truthy(&self) -> bool {
        match self.py() {
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
    pub fn py_str(&self) -> String {
        match self.py() {
            Py::None => "None".into(),
            Py::Bool(b) => if b { "True" } else { "False" }.into(),
            Py::Int(i) => i.text,
            Py::Float(f) => float_repr(f),
            Py::Str(s) => s.to_string(),
            Py::List(items) => {
                let parts: Vec<String> = items.iter().map(Node::py_repr).collect();
                format!("[{}]", parts.join(", "))
            }
            Py::Dict(entries) => {
                let parts: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", k.py_repr(), v.py_repr()))
                    .collect();
                format!("{{{}}}", parts.join(", "))
            }
        }
    }

    /// Python's `repr(x)` of the loaded value (strings quoted as Python quotes them).
    pub fn py_repr(&self) -> String {
        match self.py() {
            Py::Str(s) => str_repr(s),
            _ => self.py_str(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::yaml::{KeyOrder, LoadOptions, load_str};

    fn scalar(text: &str) -> Node {
        let loaded = load_str(
            &format!("v: {text}\n"),
            &Arc::from("t.yaml"),
            LoadOptions {
                order: KeyOrder::Any,
                includes: false,
            },
        );
        loaded.root.unwrap().get("v").unwrap().clone()
    }

    #[test]
    fn resolution_follows_pyyaml() {
        let kind = |t: &str| match scalar(t).py() {
            Py::None => "None",
            Py::Bool(_) => "bool",
            Py::Int(_) => "int",
            Py::Float(_) => "float",
            Py::Str(_) => "str",
            Py::List(_) => "list",
            Py::Dict(_) => "dict",
        };
        for (t, k) in [
            ("10", "int"),
            ("010", "int"),
            ("09", "str"),
            ("0o10", "str"),
            ("0x1F", "int"),
            ("0b101", "int"),
            ("1_000", "int"),
            ("1:30", "int"),
            ("1.5", "float"),
            ("1e5", "str"),
            ("1.0e+5", "float"),
            (".inf", "float"),
            ("yes", "bool"),
            ("y", "str"),
            ("'10'", "str"),
            ("~", "None"),
            ("[1]", "list"),
            ("{a: 1}", "dict"),
            ("2001-12-14", "str"),
            ("192.0.2.1", "str"),
        ] {
            assert_eq!(kind(t), k, "{t}");
        }
    }

    #[test]
    fn python_int_and_str() {
        let int = |t: &str| scalar(t).py_int().map(|i| i.text);
        assert_eq!(int("10"), Some("10".into()));
        assert_eq!(int("0x1f"), Some("31".into()));
        assert_eq!(int("010"), Some("8".into()));
        assert_eq!(int("'010'"), Some("10".into()));
        assert_eq!(int("09"), Some("9".into()));
        assert_eq!(int("0o10"), None);
        assert_eq!(int("1:30"), Some("90".into()));
        assert_eq!(int("-2.9"), Some("-2".into()));
        assert_eq!(int("'١٢'"), Some("12".into()));
        assert_eq!(int("True"), Some("1".into()));
        assert_eq!(int("'1__0'"), None);
        assert_eq!(int("'1.0'"), None);
        assert_eq!(int(".nan"), None);
        assert_eq!(int("~"), None);
        assert_eq!(
            int("99999999999999999999999999999999999999999999"),
            Some("99999999999999999999999999999999999999999999".into())
        );
        let s = |t: &str| scalar(t).py_str();
        assert_eq!(s("1.50"), "1.5");
        assert_eq!(s("1.0e+20"), "1e+20");
        assert_eq!(s("0.00001"), "1e-05");
        assert_eq!(s("100."), "100.0");
        assert_eq!(s("on"), "True");
        assert_eq!(s("~"), "None");
        assert_eq!(s("0x10"), "16");
        assert_eq!(
            s("[a, \"it's\", 1, {k: ~}]"),
            "['a', \"it's\", 1, {'k': None}]"
        );
    }

    #[test]
    fn python_float_and_truthiness() {
        let f = |t: &str| scalar(t).py_float();
        assert_eq!(f("1.5"), Some(1.5));
        assert_eq!(f("'  2.5 '"), Some(2.5));
        assert_eq!(f("'1e3'"), Some(1000.0));
        assert_eq!(f("1e3"), Some(1000.0));
        assert_eq!(f("7"), Some(7.0));
        assert_eq!(f("no"), Some(0.0));
        assert_eq!(f("'Infinity'"), Some(f64::INFINITY));
        assert!(f(".nan").is_some_and(f64::is_nan));
        assert_eq!(f("'1.2.3'"), None);
        assert_eq!(f("~"), None);
        for t in ["0", "0.0", "''", "[]", "{}", "~", "off"] {
            assert!(!scalar(t).truthy(), "{t}");
        }
        for t in ["1", "'0'", "a", "[0]", "yes"] {
            assert!(scalar(t).truthy(), "{t}");
        }
    }
}

/// `[-+]?`
fn skip_sign(b: &[u8]) -> &[u8] {
    match b.first() {
        Some(b'-' | b'+') => &b[1..],
        _ => b,
    }
}

/// Count of leading bytes matching `f`.
fn run(b: &[u8], f: impl Fn(u8) -> bool) -> usize {
    b.iter().take_while(|&&c| f(c)).count()
}

/// `([eE][-+][0-9]+)?$` — true when `b` is empty or exactly such an exponent.
fn exponent_rest(b: &[u8]) -> bool {
    if b.is_empty() {
        return true;
    }
    b.len() >= 3
        && matches!(b[0], b'e' | b'E')
        && matches!(b[1], b'-' | b'+')
        && b[2..].iter().all(u8::is_ascii_digit)
}

/// `(:[0-5]?[0-9])+` at the start of `b`; returns the bytes consumed (0 if none).
fn sexagesimal(b: &[u8]) -> usize {
    let mut i = 0;
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        let rest = &b[i + 1..];
        let n = match rest {
            [a, c, ..] if (b'0'..=b'5').contains(a) && c.is_ascii_digit() => 2,
            [a, ..] if a.is_ascii_digit() => 1,
            _ => break,
        };
        i += 1 + n;
        groups += 1;
    }
    if groups == 0 { 0 } else { i }
}

/// PyYAML's implicit float resolver, without a regex (this runs on every plain scalar).
pub fn is_yaml_float(t: &str) -> bool {
    let b = t.as_bytes();
    if matches!(t, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let s = skip_sign(b);
    if matches!(s, b".inf" | b".Inf" | b".INF") {
        return true;
    }
    // \.[0-9_]+(exp)?  (no sign)
    if b.first() == Some(&b'.') {
        let n = run(&b[1..], |c| c.is_ascii_digit() || c == b'_');
        return n > 0 && exponent_rest(&b[1 + n..]);
    }
    // [-+]?[0-9][0-9_]* then either \.[0-9_]*(exp)? or (:[0-5]?[0-9])+\.[0-9_]*
    if !s.first().is_some_and(u8::is_ascii_digit) {
        return false;
    }
    let n = run(s, |c| c.is_ascii_digit() || c == b'_');
    let rest = &s[n..];
    if rest.first() == Some(&b'.') {
        let m = run(&rest[1..], |c| c.is_ascii_digit() || c == b'_');
        return exponent_rest(&rest[1 + m..]);
    }
    let g = sexagesimal(rest);
    if g > 0 && rest.get(g) == Some(&b'.') {
        let tail = &rest[g + 1..];
        return tail.iter().all(|&c| c.is_ascii_digit() || c == b'_');
    }
    false
}

/// PyYAML's implicit int resolver, without a regex.
pub fn is_yaml_int(t: &str) -> bool {
    let s = skip_sign(t.as_bytes());
    match s {
        [] => false,
        [b'0'] => true,
        [b'0', b'b', rest @ ..] => {
            !rest.is_empty() && rest.iter().all(|&c| matches!(c, b'0' | b'1' | b'_'))
        }
        [b'0', b'x', rest @ ..] => {
            !rest.is_empty() && rest.iter().all(|&c| c.is_ascii_hexdigit() || c == b'_')
        }
        [b'0', rest @ ..] => rest
            .iter()
            .all(|&c| (b'0'..=b'7').contains(&c) || c == b'_'),
        [first, ..] if (b'1'..=b'9').contains(first) => {
            let n = run(s, |c| c.is_ascii_digit() || c == b'_');
            let rest = &s[n..];
            rest.is_empty() || sexagesimal(rest) == rest.len()
        }
        _ => false,
    }
}

#[cfg(test)]
mod resolver_tests {
    use super::*;

    #[test]
    fn hand_written_resolvers_match_pyyaml_regexes() {
        let samples = [
            "0",
            "00",
            "07",
            "08",
            "09",
            "0_7",
            "0b101",
            "0b",
            "0b2",
            "0x1F",
            "0x",
            "0xg",
            "1",
            "12",
            "1_000",
            "-1",
            "+5",
            "-",
            "+",
            "1:30",
            "1:60",
            "1:5:59",
            "1:",
            "190:20:30.15",
            "1.5",
            "1.",
            ".5",
            "._",
            "._5",
            "1e5",
            "1.0e+5",
            "1.0e5",
            "1.0E-10",
            ".inf",
            "-.inf",
            "+.Inf",
            ".nan",
            "-.nan",
            "1.2.3.4",
            "192.0.2.1",
            "2001:db8::1",
            "1:2:3.4.5",
            "1.5x",
            "12:34",
            "1_2.3_4",
            "-0",
            "0o17",
            "1e",
            "+.5",
            "-.5",
            "0.",
            "00.5",
            "9:59.",
            "10:9:9",
        ];
        for s in samples {
            assert_eq!(is_yaml_float(s), YAML_FLOAT.is_match(s), "float {s}");
            assert_eq!(is_yaml_int(s), YAML_INT.is_match(s), "int {s}");
        }
    }
}
