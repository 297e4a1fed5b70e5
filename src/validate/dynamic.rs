//! Dynamic-record rules (octoDNS's `dynamic` validator) and the deprecated `geo` rules.
//!
//! Both run on the record's YAML node, the way octoDNS's validators run on the raw record
//! data, and report octoDNS's reasons word for word (rule numbers and pool value numbers are
//! 1-based, as there). Each reason is positioned at the most precise node: the pool, the pool
//! value, its `weight`/`status`/`value`, the rule, the geo or subnet entry.
//!
//! Where octoDNS would crash on a hostile shape (a list where a mapping belongs, `values:` that
//! is not a list, a `null` weight), this module reports a reason in the same style instead
//! (`... must be a dict`, `... must be a list`, `invalid weight "None" ...`).
//!
//! Values inside pools (and under `geo:`) are checked with the record type's value rules, under
//! those rules' own ids (`ip-value-rfc`, `target-value-rfc`, `target-value-not-ip`,
//! `target-value-best-practice`), as octoDNS does.

use std::collections::{HashMap, HashSet};
use std::net::Ipv6Addr;

use super::{LEGACY, LEGACY_STRICT, Reasons, RecordCtx, geo_data, values};
use crate::model::RecordType;
use crate::yaml::{Kind, Node, Pos, parse_yaml11_int};

const ID: &str = "dynamic";
const GEO_ID: &str = "geo";

pub fn check(ctx: &RecordCtx, out: &mut Reasons) {
    if !ctx.rtype.supports_dynamic() {
        return;
    }
    if ctx.on(ID, LEGACY_STRICT) {
        dynamic(ctx, out);
    }
    if matches!(ctx.rtype, RecordType::A | RecordType::Aaaa) && ctx.on(GEO_ID, LEGACY) {
        geo(ctx, out);
    }
}

// ---------------------------------------------------------------------------------------------
// Python value semantics of YAML nodes (as PyYAML would load them)

/// A node as the Python value PyYAML would make of it.
enum Py<'a> {
    None,
    Bool(bool),
    Int(i128),
    /// An integer too large for i128, as written (digits only).
    BigInt(String),
    Float(f64),
    /// A string (also dates and other plain scalars that are not bool/int/float).
    Str(&'a str),
    /// A plain scalar PyYAML turns into a date/timestamp (not a `str`).
    Timestamp(&'a str),
    List(&'a [Node]),
    Dict(&'a [(Node, Node)]),
}

fn py(n: &Node) -> Py<'_> {
    match &n.kind {
        Kind::Null => Py::None,
        Kind::Seq(items) => Py::List(items),
        Kind::Map(entries) => Py::Dict(entries),
        Kind::Scalar { text, plain: false } => Py::Str(text),
        Kind::Scalar { text, plain: true } => {
            if let Some(b) = n.as_bool() {
                return Py::Bool(b);
            }
            if let Some(i) = parse_yaml11_int(text) {
                return Py::Int(i as i128);
            }
            if let Some(digits) = decimal_int_text(text) {
                return match digits.parse::<i128>() {
                    Ok(i) => Py::Int(i),
                    Err(_) => Py::BigInt(digits),
                };
            }
            if let Some(f) = yaml11_float(text) {
                return Py::Float(f);
            }
            if is_yaml11_timestamp(text) {
                return Py::Timestamp(text);
            }
            Py::Str(text)
        }
    }
}

/// A plain YAML 1.1 decimal integer (`[-+]?(0|[1-9][0-9_]*)`), normalised (no `_`, no `+`).
fn decimal_int_text(t: &str) -> Option<String> {
    let (neg, body) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if body.is_empty()
        || !body.as_bytes()[0].is_ascii_digit()
        || (body.starts_with('0') && body.len() > 1)
        || !body.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return None;
    }
    let digits: String = body.chars().filter(|&c| c != '_').collect();
    Some(if neg { format!("-{digits}") } else { digits })
}

/// PyYAML's float resolver (YAML 1.1): a dot is required; exponents carry a sign.
fn yaml11_float(t: &str) -> Option<f64> {
    match t {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int_part, frac) = mantissa.split_once('.')?;
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    let int_ok = if int_part.is_empty() {
        // `.5` form: no sign allowed, fraction must start with a digit
        body.len() == t.len() && frac.as_bytes().first().is_some_and(u8::is_ascii_digit)
    } else {
        int_part.as_bytes()[0].is_ascii_digit() && digits_ok(int_part)
    };
    if !int_ok || !digits_ok(frac) {
        return None;
    }
    if let Some(e) = exp {
        let ed = e.strip_prefix(['-', '+'])?;
        if ed.is_empty() || !ed.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    t.replace('_', "").parse::<f64>().ok()
}

/// PyYAML's timestamp resolver, enough to tell dates from strings (`2001-12-14`, with an
/// optional time part).
fn is_yaml11_timestamp(t: &str) -> bool {
    let b = t.as_bytes();
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    if b.len() < 8 || !digits(&b[..4]) || b[4] != b'-' {
        return false;
    }
    let rest = &t[5..];
    let mut it = rest.splitn(2, '-');
    let month = it.next().unwrap_or("");
    let Some(tail) = it.next() else {
        return false;
    };
    let day_len = tail.bytes().take_while(u8::is_ascii_digit).count();
    let day = &tail[..day_len];
    let after = &tail[day_len..];
    (1..=2).contains(&month.len())
        && digits(month.as_bytes())
        && (1..=2).contains(&day.len())
        && (after.is_empty() || after.starts_with(['T', 't', ' ', '\t']))
}

/// Python's `repr(float)`.
fn py_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    let a = f.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        let s = format!("{f:e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let (sign, digits) = match e.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', e),
        };
        return format!("{m}e{sign}{digits:0>2}");
    }
    let s = format!("{f}");
    if s.contains('.') { s } else { format!("{s}.0") }
}

/// Python's `str()` of the value.
fn py_str(n: &Node) -> String {
    match py(n) {
        Py::Str(s) | Py::Timestamp(s) => s.to_string(),
        _ => py_repr(n),
    }
}

/// Python's `repr()` of the value.
fn py_repr(n: &Node) -> String {
    match py(n) {
        Py::None => "None".into(),
        Py::Bool(true) => "True".into(),
        Py::Bool(false) => "False".into(),
        Py::Int(i) => i.to_string(),
        Py::BigInt(s) => s,
        Py::Float(f) => py_float(f),
        Py::Str(s) => py_str_repr(s),
        Py::Timestamp(s) => s.to_string(),
        Py::List(items) => {
            let inner: Vec<String> = items.iter().map(py_repr).collect();
            format!("[{}]", inner.join(", "))
        }
        Py::Dict(entries) => {
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", py_repr(k), py_repr(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

fn py_str_repr(s: &str) -> String {
    let q = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut o = String::with_capacity(s.len() + 2);
    o.push(q);
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if c == q => {
                o.push('\\');
                o.push(c);
            }
            c => o.push(c),
        }
    }
    o.push(q);
    o
}

/// Python truthiness of the value.
fn py_truthy(n: &Node) -> bool {
    match py(n) {
        Py::None => false,
        Py::Bool(b) => b,
        Py::Int(i) => i != 0,
        Py::BigInt(_) | Py::Timestamp(_) => true,
        Py::Float(f) => f != 0.0,
        Py::Str(s) => !s.is_empty(),
        Py::List(items) => !items.is_empty(),
        Py::Dict(entries) => !entries.is_empty(),
    }
}

fn is_py_str(n: &Node) -> bool {
    matches!(py(n), Py::Str(_))
}

/// Python's `int(x)`: the integer; `None` when it would not convert (the caller shows
/// `py_str`, the value's text).
fn py_int(n: &Node) -> Option<i128> {
    match py(n) {
        Py::Int(i) => Some(i),
        Py::Bool(b) => Some(b as i128),
        Py::Float(f) if f.is_finite() => Some(f.trunc() as i128),
        Py::Str(s) => int_from_str(s),
        _ => None,
    }
}

/// `int(str)`: surrounding whitespace, a sign, digits with single `_` between them.
fn int_from_str(s: &str) -> Option<i128> {
    let t = s.trim();
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    if body.is_empty()
        || body.starts_with('_')
        || body.ends_with('_')
        || body.contains("__")
        || !body.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return None;
    }
    t.replace('_', "").parse::<i128>().ok()
}

/// Python `==` with the integer 1 (`1`, `1.0` and `True` all are).
fn py_eq_one(n: &Node) -> bool {
    match py(n) {
        Py::Int(i) => i == 1,
        Py::Bool(b) => b,
        Py::Float(f) => f == 1.0,
        _ => false,
    }
}

/// A mapping's entry for `key`, with the key node (for positions).
fn entry<'a>(map: &'a Node, key: &str) -> Option<(&'a Node, &'a Node)> {
    map.entries()?
        .iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(k, v)| (k, v))
}

/// Where to report about `value` under `key`: the value, or the key when the value is empty.
fn at<'a>(key: &'a Node, value: &'a Node) -> &'a Pos {
    if value.is_null() {
        &key.pos
    } else {
        &value.pos
    }
}

// ---------------------------------------------------------------------------------------------
// dynamic

/// One pool as written: identity (`repr` of its id, so `1` and `"1"` differ as in Python),
/// display text, key and value nodes.
struct PoolRef<'a> {
    ident: String,
    name: String,
    key: &'a Node,
    node: &'a Node,
}

fn dynamic(ctx: &RecordCtx, out: &mut Reasons) {
    let Some((dkey, d)) = entry(ctx.node, "dynamic") else {
        return;
    };
    if let Some((gkey, _)) = entry(ctx.node, "geo") {
        out.add(ID, &gkey.pos, "\"dynamic\" record with \"geo\" content");
    }
    if d.entries().is_none() {
        // octoDNS fails with a TypeError on anything but a mapping
        out.add(ID, at(dkey, d), "dynamic must be a dict");
        return;
    }

    // pools
    let mut pools: Vec<PoolRef> = Vec::new();
    match entry(d, "pools") {
        None => out.add(ID, &dkey.pos, "missing pools"),
        Some((pkey, pv)) => match pv.entries() {
            None => out.add(ID, at(pkey, pv), "pools must be a dict"),
            Some([]) => out.add(ID, &pkey.pos, "missing pools"),
            Some(entries) => {
                pools = entries
                    .iter()
                    .map(|(k, v)| PoolRef {
                        ident: py_repr(k),
                        name: py_str(k),
                        key: k,
                        node: v,
                    })
                    .collect();
                pools.sort_by(|a, b| a.name.cmp(&b.name));
            }
        },
    }
    let by_ident: HashMap<&str, &PoolRef> = pools.iter().map(|p| (p.ident.as_str(), p)).collect();
    // what `pool in pools` finds in octoDNS's rule checks, whatever `pools` is
    let members = match entry(d, "pools").map(|(_, v)| py(v)) {
        Some(Py::List(items)) => Members::Ids(items.iter().map(py_repr).collect()),
        Some(Py::Str(text)) => Members::Text(text.to_string()),
        _ => Members::Ids(pools.iter().map(|p| p.ident.clone()).collect()),
    };
    let (exist, as_fallback) = validate_pools(ctx, &pools, &by_ident, out);

    // rules
    let seen = match entry(d, "rules") {
        None => {
            out.add(ID, &dkey.pos, "missing rules");
            HashSet::new()
        }
        Some((rkey, rv)) => match rv.items() {
            None => {
                out.add(ID, at(rkey, rv), "rules must be a list");
                HashSet::new()
            }
            Some([]) => {
                out.add(ID, &rkey.pos, "missing rules");
                HashSet::new()
            }
            Some(items) => validate_rules(items, &members, out),
        },
    };

    let mut unused: Vec<&PoolRef> = pools
        .iter()
        .filter(|p| {
            exist.contains(p.ident.as_str())
                && !seen.contains(p.ident.as_str())
                && !as_fallback.contains(p.ident.as_str())
        })
        .collect();
    if let Some(first) = unused.first().map(|p| p.key.pos.clone()) {
        unused.sort_by(|a, b| a.name.cmp(&b.name));
        let names: Vec<&str> = unused.iter().map(|p| p.name.as_str()).collect();
        out.add(
            ID,
            &first,
            format!("unused pools: \"{}\"", names.join("\", \"")),
        );
    }
}

/// octoDNS's `_validate_pools`; returns the ids of pools that exist (have `values`) and of
/// pools used as a fallback.
fn validate_pools<'a>(
    ctx: &RecordCtx,
    pools: &'a [PoolRef<'a>],
    by_ident: &HashMap<&str, &PoolRef>,
    out: &mut Reasons,
) -> (HashSet<&'a str>, HashSet<String>) {
    let mut exist = HashSet::new();
    let mut as_fallback = HashSet::new();
    for p in pools {
        let id = &p.name;
        if p.node.entries().is_none() {
            out.add(
                ID,
                at(p.key, p.node),
                format!("pool \"{id}\" must be a dict"),
            );
            continue;
        }
        let Some((vkey, values)) = entry(p.node, "values") else {
            out.add(ID, &p.key.pos, format!("pool \"{id}\" is missing values"));
            continue;
        };
        exist.insert(p.ident.as_str());

        let items: &[Node] = match values.items() {
            Some(items) => items,
            None => {
                // octoDNS fails iterating anything but a list here
                out.add(
                    ID,
                    at(vkey, values),
                    format!("pool \"{id}\" values must be a list"),
                );
                &[]
            }
        };
        for (i, item) in items.iter().enumerate() {
            let num = i + 1;
            if item.entries().is_none() {
                out.add(
                    ID,
                    &item.pos,
                    format!("pool \"{id}\" value {num} must be a dict"),
                );
                continue;
            }
            if let Some((wkey, w)) = entry(item, "weight") {
                let bad = match py_int(w) {
                    Some(v) if (1..=100).contains(&v) => None,
                    Some(v) => Some(v.to_string()),
                    None => Some(py_str(w)),
                };
                if let Some(shown) = bad {
                    out.add(
                        ID,
                        at(wkey, w),
                        format!("invalid weight \"{shown}\" in pool \"{id}\" value {num}"),
                    );
                }
            }
            if let Some((skey, s)) = entry(item, "status")
                && !matches!(py(s), Py::Str("up" | "down" | "obey"))
            {
                out.add(
                    ID,
                    at(skey, s),
                    format!(
                        "invalid status \"{}\" in pool \"{id}\" value {num}",
                        py_str(s)
                    ),
                );
            }
            match entry(item, "value") {
                Some((vk, v)) => pool_value(ctx, v, at(vk, v), out),
                None => out.add(
                    ID,
                    &item.pos,
                    format!("missing value in pool \"{id}\" value {num}"),
                ),
            }
        }
        if let [only] = items
            && let Some((wkey, w)) = entry(only, "weight")
            && !py_eq_one(w)
        {
            out.add(
                ID,
                at(wkey, w),
                format!("pool \"{id}\" has single value with weight!=1"),
            );
        }

        let Some((fkey, fb)) = entry(p.node, "fallback").filter(|(_, v)| !v.is_null()) else {
            continue;
        };
        let fb_ident = py_repr(fb);
        if by_ident.contains_key(fb_ident.as_str()) {
            as_fallback.insert(fb_ident.clone());
        } else {
            out.add(
                ID,
                at(fkey, fb),
                format!("undefined fallback \"{}\" for pool \"{id}\"", py_str(fb)),
            );
        }

        // follow the fallback chain; report when it comes back to a pool already on it
        let mut seen_ids: HashSet<String> = HashSet::from([p.ident.clone(), fb_ident.clone()]);
        let mut chain: Vec<String> = vec![p.name.clone(), py_str(fb)];
        let mut cur = fb_ident;
        loop {
            let next = by_ident
                .get(cur.as_str())
                .and_then(|q| q.node.get("fallback"))
                .filter(|n| !n.is_null());
            let Some(next) = next else {
                break;
            };
            let ident = py_repr(next);
            if seen_ids.contains(&ident) {
                out.add(
                    ID,
                    at(fkey, fb),
                    format!("loop in pool fallbacks: {}", chain.join(" -> ")),
                );
                break;
            }
            seen_ids.insert(ident.clone());
            chain.push(py_str(next));
            cur = ident;
        }
    }
    (exist, as_fallback)
}

/// A pool value checked with the record type's value rules (under their own ids), by the
/// same functions that check the record's own values.
fn pool_value(ctx: &RecordCtx, v: &Node, pos: &Pos, out: &mut Reasons) {
    match ctx.rtype {
        RecordType::A | RecordType::Aaaa => ip_values(ctx, v, pos, out),
        _ => {
            let text = if py_truthy(v) {
                py_str(v)
            } else {
                String::new()
            };
            values::single_target(ctx, &text, pos, out);
        }
    }
}

/// `ip-value-rfc` on a raw value: a list is checked item by item, anything else as a single
/// value (pool values and the deprecated `geo` values).
fn ip_values(ctx: &RecordCtx, v: &Node, pos: &Pos, out: &mut Reasons) {
    let items: Vec<&Node> = match &v.kind {
        Kind::Seq(items) => items.iter().collect(),
        _ => vec![v],
    };
    values::ip(ctx, &items, pos, out);
}

/// octoDNS's `_validate_rules`; returns the ids of pools used by rules.
/// The pools a rule may name: a mapping's keys (a list's items, a string's substrings when
/// `pools` is not a mapping, as Python's `in` would have it).
enum Members {
    Ids(HashSet<String>),
    Text(String),
}

impl Members {
    fn contains(&self, ident: &str, name: &str) -> bool {
        match self {
            Members::Ids(ids) => ids.contains(ident),
            Members::Text(t) => t.contains(name),
        }
    }
}

fn validate_rules(rules: &[Node], members: &Members, out: &mut Reasons) -> HashSet<String> {
    let mut pools_seen: HashSet<String> = HashSet::new();
    let mut subnets_seen = SubnetsSeen::default();
    let mut geos_seen = GeosSeen::default();
    let mut seen_default = false;
    let truthy = |r: &Node, k: &str| r.get(k).is_some_and(py_truthy);

    for (i, rule) in rules.iter().enumerate() {
        let num = i + 1;
        if rule.entries().is_none() {
            // octoDNS fails with a TypeError here
            out.add(ID, &rule.pos, format!("rule {num} must be a dict"));
            continue;
        }
        let Some((pkey, pool)) = entry(rule, "pool") else {
            out.add(ID, &rule.pos, format!("rule {num} missing pool"));
            continue;
        };
        let subnets = entry(rule, "subnets");
        let geos = entry(rule, "geos");
        let has_subnets = truthy(rule, "subnets");
        let has_geos = truthy(rule, "geos");

        if !is_py_str(pool) {
            out.add(
                ID,
                at(pkey, pool),
                format!("rule {num} invalid pool \"{}\"", py_str(pool)),
            );
        } else {
            let ident = py_repr(pool);
            let name = py_str(pool);
            if !members.contains(&ident, &name) {
                out.add(
                    ID,
                    &pool.pos,
                    format!("rule {num} undefined pool \"{name}\""),
                );
            } else if pools_seen.contains(&ident) && (has_subnets || has_geos) {
                out.add(
                    ID,
                    &pool.pos,
                    format!("rule {num} invalid, target pool \"{name}\" reused"),
                );
            }
            pools_seen.insert(ident);
        }

        if i > 0 {
            // subnet-only rules, then subnet + geo rules, then geo-only rules
            let prev = &rules[i - 1];
            let prev_subnets = truthy(prev, "subnets");
            let prev_geos = truthy(prev, "geos");
            if has_subnets && has_geos {
                if !prev_subnets && prev_geos {
                    out.add(
                        ID,
                        &rule.pos,
                        format!(
                            "rule {num} with subnet(s) and geo(s) should appear before all geo-only rules"
                        ),
                    );
                }
            } else if has_subnets && prev_geos {
                out.add(
                    ID,
                    &rule.pos,
                    format!(
                        "rule {num} with only subnet targeting should appear before all geo targeting rules"
                    ),
                );
            }
        }

        if !(has_subnets || has_geos) {
            if seen_default {
                out.add(ID, &rule.pos, format!("rule {num} duplicate default"));
            }
            seen_default = true;
        }

        if let Some((skey, s)) = subnets {
            match s.items() {
                None => out.add(
                    ID,
                    at(skey, s),
                    format!("rule {num} subnets must be a list"),
                ),
                Some(items) => {
                    rule_subnets(num, items, &mut subnets_seen, out);
                }
            }
        }

        if let Some((gkey, g)) = geos {
            match g.items() {
                None => out.add(ID, at(gkey, g), format!("rule {num} geos must be a list")),
                Some(items) => rule_geos(num, items, &mut geos_seen, out),
            }
        }
    }

    if let Some(last) = rules.last()
        && last.entries().is_some()
        && (truthy(last, "subnets") || truthy(last, "geos"))
    {
        out.add(
            ID,
            &last.pos,
            "final rule has \"subnets\" and/or \"geos\" and is not catchall",
        );
    }
    pools_seen
}

/// (IPv6?, network address, prefix length)
type SubnetKey = (bool, u128, u8);
/// (IPv6 scope id, first-seen index, rule number)
type SeenSubnet = (Option<String>, usize, usize);

/// Subnets targeted so far, in first-seen order (octoDNS's `subnets_seen` dicts, both IP
/// versions): indexed by (version, network, prefix) so a subnet's supernets are found with one
/// lookup per prefix length, not a scan of everything seen.
#[derive(Default)]
struct SubnetsSeen {
    map: HashMap<SubnetKey, Vec<SeenSubnet>>,
    next: usize,
}

fn rule_subnets(num: usize, items: &[Node], seen: &mut SubnetsSeen, out: &mut Reasons) {
    let mut nets: Vec<(Net, &Pos)> = Vec::new();
    for item in items {
        match network_of(item) {
            Some(n) => nets.push((n, &item.pos)),
            None => out.add(
                ID,
                &item.pos,
                format!("rule {num} invalid subnet \"{}\"", py_str(item)),
            ),
        }
    }
    // largest first, so a needlessly more specific subnet is found whatever the order written
    nets.sort_by_key(|(n, _)| (n.v6, n.addr, n.prefix));
    for (net, pos) in nets {
        // every seen network equal to or containing this one, in first-seen order
        let mut hits: Vec<(usize, Net, usize)> = Vec::new();
        for p in 0..=net.prefix {
            let addr = net.addr & netmask(net.bits(), p);
            if let Some(entries) = seen.map.get(&(net.v6, addr, p)) {
                for (scope, idx, rule) in entries {
                    let s = Net {
                        v6: net.v6,
                        addr,
                        prefix: p,
                        scope: scope.clone(),
                    };
                    hits.push((*idx, s, *rule));
                }
            }
        }
        hits.sort_by_key(|h| h.0);
        for (_, s, where_) in hits {
            let message = if net == s {
                format!(
                    "rule {num} targets subnet {net} which has previously been seen in rule {where_}"
                )
            } else {
                format!(
                    "rule {num} targets subnet {net} which is more specific than the previously seen {s} in rule {where_}"
                )
            };
            out.add(ID, pos, message);
        }
        let entries = seen.map.entry((net.v6, net.addr, net.prefix)).or_default();
        match entries.iter_mut().find(|(scope, _, _)| *scope == net.scope) {
            Some(slot) => slot.2 = num,
            None => {
                entries.push((net.scope, seen.next, num));
                seen.next += 1;
            }
        }
    }
}

/// Geos targeted so far: geo → (first-seen index, rule number).
#[derive(Default)]
struct GeosSeen {
    map: HashMap<String, (usize, usize)>,
}

fn rule_geos(num: usize, items: &[Node], seen: &mut GeosSeen, out: &mut Reasons) {
    let mut geos: Vec<(String, &Pos)> = items.iter().map(|g| (py_str(g), &g.pos)).collect();
    // sorted so a continent comes before its countries
    geos.sort_by(|a, b| a.0.cmp(&b.0));
    for (geo, pos) in geos {
        let prefix = format!("rule {num} ");
        if let Some(m) = geo_code_problem(&geo, &prefix) {
            out.add(ID, pos, m);
        }
        // every seen geo that this one equals or starts with, in first-seen order (looked up
        // by prefix for short codes, by scanning for a long one)
        let mut hits: Vec<(usize, &str, usize)> = Vec::new();
        if geo.len() <= seen.map.len() {
            for i in (0..=geo.len()).filter(|i| geo.is_char_boundary(*i)) {
                if let Some((k, (idx, rule))) = seen.map.get_key_value(&geo[..i]) {
                    hits.push((*idx, k.as_str(), *rule));
                }
            }
        } else {
            for (k, (idx, rule)) in &seen.map {
                if geo.starts_with(k.as_str()) {
                    hits.push((*idx, k.as_str(), *rule));
                }
            }
        }
        hits.sort_by_key(|h| h.0);
        for (_, s, where_) in hits {
            let message = if geo == s {
                format!(
                    "rule {num} targets geo {geo} which has previously been seen in rule {where_}"
                )
            } else {
                format!(
                    "rule {num} targets geo {geo} which is more specific than the previously seen {s} in rule {where_}"
                )
            };
            out.add(ID, pos, message);
        }
        let next = seen.map.len();
        seen.map.entry(geo).or_insert((next, num)).1 = num;
    }
}

/// octoDNS's `GeoCodes.validate`: the reason a geo code is not a known continent,
/// continent-country or continent-country-province, if it is not.
pub fn geo_code_problem(code: &str, prefix: &str) -> Option<String> {
    let pieces: Vec<&str> = code.split('-').collect();
    let n = pieces.len();
    if n > 3 {
        Some(format!("{prefix}invalid geo code \"{code}\""))
    } else if !geo_data::is_continent(pieces[0]) {
        Some(format!("{prefix}unknown continent code \"{code}\""))
    } else if n > 1 && !geo_data::country_in(pieces[0], pieces[1]) {
        Some(format!("{prefix}unknown country code \"{code}\""))
    } else if n > 2 && !geo_data::province_in(pieces[0], pieces[1], pieces[2]) {
        // (octoDNS fails with a KeyError for countries without subdivisions)
        Some(format!("{prefix}unknown province code \"{code}\""))
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// networks, as Python's `ipaddress.ip_network(x)` (strict) reads and prints them

#[derive(Clone, Debug, PartialEq, Eq)]
struct Net {
    v6: bool,
    addr: u128,
    prefix: u8,
    /// An IPv6 scope id (`fe80::%eth0/64`), which Python keeps and prints.
    scope: Option<String>,
}

impl Net {
    fn bits(&self) -> u8 {
        if self.v6 { 128 } else { 32 }
    }
}

impl std::fmt::Display for Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.v6 {
            f.write_str(&ipv6_text(self.addr))?;
            if let Some(s) = &self.scope {
                write!(f, "%{s}")?;
            }
        } else {
            let a = self.addr as u32;
            write!(
                f,
                "{}.{}.{}.{}",
                a >> 24,
                (a >> 16) & 0xff,
                (a >> 8) & 0xff,
                a & 0xff
            )?;
        }
        write!(f, "/{}", self.prefix)
    }
}

fn all_ones(bits: u8) -> u128 {
    if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    }
}

fn netmask(bits: u8, prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        (u128::MAX << (bits - prefix.min(bits))) & all_ones(bits)
    }
}

/// Python's compressed IPv6 text: hextets without leading zeros, the first longest run of at
/// least two zero hextets as `::`.
fn ipv6_text(addr: u128) -> String {
    let h: Vec<u16> = (0..8).rev().map(|i| (addr >> (i * 16)) as u16).collect();
    let (mut best, mut best_len, mut run, mut run_len) = (0usize, 0usize, 0usize, 0usize);
    for (i, x) in h.iter().enumerate() {
        if *x == 0 {
            if run_len == 0 {
                run = i;
            }
            run_len += 1;
            if run_len > best_len {
                best = run;
                best_len = run_len;
            }
        } else {
            run_len = 0;
        }
    }
    let join = |s: &[u16]| {
        s.iter()
            .map(|x| format!("{x:x}"))
            .collect::<Vec<_>>()
            .join(":")
    };
    if best_len > 1 {
        format!("{}::{}", join(&h[..best]), join(&h[best + best_len..]))
    } else {
        join(&h)
    }
}

/// A subnet entry as `ipaddress.ip_network` reads it: integers are /32 or /128 networks,
/// anything else goes through `str()`.
fn network_of(n: &Node) -> Option<Net> {
    let int: Option<Option<u128>> = match py(n) {
        Py::Int(i) => Some(u128::try_from(i).ok()),
        Py::Bool(b) => Some(Some(b as u128)),
        Py::BigInt(s) => Some(s.parse::<u128>().ok()),
        _ => None,
    };
    match int {
        None => parse_network(&py_str(n)),
        Some(None) => None,
        Some(Some(u)) => Some(Net {
            v6: u > u32::MAX as u128,
            addr: u,
            prefix: if u > u32::MAX as u128 { 128 } else { 32 },
            scope: None,
        }),
    }
}

/// `ipaddress.ip_network(text)` with `strict=True`.
fn parse_network(s: &str) -> Option<Net> {
    let mut parts = s.split('/');
    let addr = parts.next().unwrap_or("");
    let mask = parts.next();
    if parts.next().is_some() {
        return None;
    }
    parse_v4_network(addr, mask).or_else(|| parse_v6_network(addr, mask))
}

fn parse_v4_addr(s: &str) -> Option<u32> {
    let octets: Vec<&str> = s.split('.').collect();
    if octets.len() != 4 {
        return None;
    }
    let mut v: u32 = 0;
    for o in octets {
        if o.is_empty()
            || o.len() > 3
            || !o.bytes().all(|b| b.is_ascii_digit())
            || (o != "0" && o.starts_with('0'))
        {
            return None;
        }
        let x: u32 = o.parse().ok()?;
        if x > 255 {
            return None;
        }
        v = (v << 8) | x;
    }
    Some(v)
}

/// A prefix length written as digits (`"24"`, `"08"`), within `0..=bits`.
fn prefix_from_digits(m: &str, bits: u8) -> Option<u8> {
    if m.is_empty() || !m.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = m.trim_start_matches('0');
    if t.len() > 3 {
        return None;
    }
    let p: u32 = if t.is_empty() { 0 } else { t.parse().ok()? };
    (p <= bits as u32).then_some(p as u8)
}

/// The prefix length of a contiguous netmask, if it is one.
fn prefix_from_mask(ip: u128, bits: u8) -> Option<u8> {
    let tz = if ip == 0 {
        bits as u32
    } else {
        ip.trailing_zeros().min(bits as u32)
    };
    let prefix = bits as u32 - tz;
    let leading = if tz >= 128 { 0 } else { ip >> tz };
    (leading == all_ones(prefix as u8)).then_some(prefix as u8)
}

fn parse_v4_network(addr: &str, mask: Option<&str>) -> Option<Net> {
    let a = parse_v4_addr(addr)? as u128;
    let prefix = match mask {
        None => 32,
        Some(m) => match prefix_from_digits(m, 32) {
            Some(p) => p,
            None => {
                // a netmask (255.255.255.0) or a hostmask (0.0.0.255)
                let ip = parse_v4_addr(m)? as u128;
                prefix_from_mask(ip, 32).or_else(|| prefix_from_mask(ip ^ all_ones(32), 32))?
            }
        },
    };
    (a & !netmask(32, prefix) & all_ones(32) == 0).then_some(Net {
        v6: false,
        addr: a,
        prefix,
        scope: None,
    })
}

fn parse_v6_network(addr: &str, mask: Option<&str>) -> Option<Net> {
    let (ip, scope) = match addr.split_once('%') {
        None => (addr, None),
        Some((ip, scope)) => {
            if scope.is_empty() || scope.contains('%') {
                return None;
            }
            (ip, Some(scope.to_string()))
        }
    };
    let a = u128::from(ip.parse::<Ipv6Addr>().ok()?);
    let prefix = match mask {
        None => 128,
        Some(m) => prefix_from_digits(m, 128)?,
    };
    (a & !netmask(128, prefix) == 0).then_some(Net {
        v6: true,
        addr: a,
        prefix,
        scope,
    })
}

// ---------------------------------------------------------------------------------------------
// geo (deprecated)

/// octoDNS's `GeoValue.geo_re`: `^\w\w(-\w\w(-\w\w)?)?$` (`$` also before a final newline).
fn geo_re_matches(code: &str) -> bool {
    let code = code.strip_suffix('\n').unwrap_or(code);
    let pieces: Vec<&str> = code.split('-').collect();
    pieces.len() <= 3
        && pieces
            .iter()
            .all(|p| p.chars().count() == 2 && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
}

fn geo(ctx: &RecordCtx, out: &mut Reasons) {
    let Some((gkey, g)) = entry(ctx.node, "geo") else {
        return;
    };
    let Some(entries) = g.entries() else {
        // octoDNS fails converting anything but a mapping with dict()
        out.add(GEO_ID, at(gkey, g), "geo must be a dict");
        return;
    };
    for (k, v) in entries {
        let code = py_str(k);
        if !geo_re_matches(&code) {
            out.add(GEO_ID, &k.pos, format!("invalid geo \"{code}\""));
        }
        ip_values(ctx, v, at(k, v), out);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use super::*;
    use crate::validate::{Reason, Rules, Set};
    use crate::yaml::{KeyOrder, LoadOptions, load_str};

    fn load(text: &str) -> Node {
        let file: Arc<str> = Arc::from("t.yaml");
        let l = load_str(
            text,
            &file,
            LoadOptions {
                order: KeyOrder::Any,
                includes: false,
            },
        );
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        l.root.unwrap()
    }

    fn run_with(text: &str, rules: &Rules) -> Vec<Reason> {
        let node = load(text);
        let rtype = RecordType::parse(node.get("type").and_then(Node::as_str).unwrap()).unwrap();
        let pos = node.pos.clone();
        let ctx = RecordCtx {
            zone: "example.com.",
            raw_name: "www",
            name: "www",
            fqdn: "www.example.com.",
            rtype: &rtype,
            node: &node,
            pos: &pos,
            rules,
        };
        let mut out = Reasons::default();
        check(&ctx, &mut out);
        out.0
    }

    fn run(text: &str) -> Vec<Reason> {
        run_with(text, &Rules::default())
    }

    fn messages(reasons: &[Reason]) -> Vec<String> {
        reasons
            .iter()
            .map(|r| format!("{}: {}", r.rule, r.message))
            .collect()
    }

    /// Exactly one reason, of rule `rule`, whose message is `msg`; returns it.
    #[track_caller]
    fn one(text: &str, rule: &str, msg: &str) -> Reason {
        let r = run(text);
        assert_eq!(
            messages(&r),
            vec![format!("{rule}: {msg}")],
            "unexpected reasons for:\n{text}"
        );
        r.into_iter().next().unwrap()
    }

    /// A valid A record; `pools`/`rules` replace the defaults when given.
    fn a(pools: &str, rules: &str) -> String {
        format!("type: A\nttl: 60\nvalue: 1.1.1.1\ndynamic:\n  pools:\n{pools}  rules:\n{rules}")
    }

    const ONE_POOL: &str = "    one:\n      values:\n        - value: 2.2.2.2\n";
    const CATCH_ALL: &str = "    - pool: one\n";

    const VALID: &str = r#"
type: A
ttl: 60
value: 1.1.1.1
dynamic:
  pools:
    eu:
      fallback: us
      values:
        - value: 2.2.2.2
          weight: 10
          status: up
        - value: 2.2.2.3
          weight: 90
    us:
      fallback: other
      values:
        - value: 3.3.3.3
    ca:
      values:
        - value: 4.4.4.4
          weight: 1
          status: obey
    other:
      values:
        - value: 5.5.5.5
          status: down
    office:
      values:
        - value: 6.6.6.6
    office6:
      values:
        - value: 7.7.7.7
  rules:
    - pool: office
      subnets:
        - 10.0.0.0/8
        - 192.168.1.0/24
    - pool: office6
      subnets:
        - 2001:db8::/32
        - 11.0.0.0/8
      geos:
        - AS-JP
    - pool: eu
      geos:
        - EU
        - AF-ZA
    - pool: us
      geos:
        - NA-US-CA
        - NA-US-TX
    - pool: ca
      geos:
        - NA-CA-QC
        - NA-CA-ON
    - pool: other
"#;

    #[test]
    fn valid_dynamic_record_has_no_reasons() {
        assert_eq!(messages(&run(VALID)), Vec::<String>::new());
        // in every set
        let rules = Rules {
            sets: [Set::Legacy, Set::Strict, Set::BestPractice]
                .into_iter()
                .collect(),
            ..Rules::default()
        };
        assert_eq!(messages(&run_with(VALID, &rules)), Vec::<String>::new());
        // the helper's default record is valid too
        assert!(run(&a(ONE_POOL, CATCH_ALL)).is_empty());
    }

    #[test]
    fn valid_cname_dynamic() {
        let text = "type: CNAME\nttl: 60\nvalue: a.example.com.\ndynamic:\n  pools:\n    p:\n      values:\n        - value: b.example.com.\n  rules:\n    - pool: p\n";
        assert!(run(text).is_empty());
    }

    #[test]
    fn disabled_or_other_types_do_nothing() {
        let bad = "type: A\nttl: 60\nvalue: 1.1.1.1\ndynamic: {}\n";
        assert!(!run(bad).is_empty());
        let mut rules = Rules::default();
        rules
            .disabled
            .insert("A".into(), ["dynamic".to_string()].into_iter().collect());
        assert!(run_with(bad, &rules).is_empty());
        let strict_only = Rules {
            sets: [Set::BestPractice].into_iter().collect(),
            disabled: HashMap::new(),
            ..Rules::default()
        };
        assert!(run_with(bad, &strict_only).is_empty());
        assert!(run("type: TXT\nttl: 60\nvalue: x\ndynamic: {}\n").is_empty());
    }

    #[test]
    fn dynamic_with_geo() {
        let text = format!("{}geo:\n  NA:\n    - 1.2.3.4\n", a(ONE_POOL, CATCH_ALL));
        let r = run(&text);
        assert_eq!(
            messages(&r),
            ["dynamic: \"dynamic\" record with \"geo\" content"]
        );
        assert_eq!(r[0].pos.line, 11);
    }

    #[test]
    fn pools_shape() {
        // as in octoDNS, rules then look pools up in the list (or string)
        let r = run(
            "type: A\nttl: 60\nvalue: 1.1.1.1\ndynamic:\n  pools: [a]\n  rules:\n    - pool: a\n    - pool: b\n",
        );
        assert_eq!(
            messages(&r),
            [
                "dynamic: pools must be a dict",
                "dynamic: rule 2 undefined pool \"b\"",
                "dynamic: rule 2 duplicate default",
            ]
        );
        let r = run(
            "type: A\nttl: 60\nvalue: 1.1.1.1\ndynamic:\n  pools: abc\n  rules:\n    - pool: a\n    - pool: d\n",
        );
        assert_eq!(messages(&r)[1], "dynamic: rule 2 undefined pool \"d\"");
        let r = run("type: A\nttl: 60\nvalue: 1.1.1.1\ndynamic:\n  rules:\n    - pool: a\n");
        assert_eq!(
            messages(&r),
            [
                "dynamic: missing pools",
                "dynamic: rule 1 undefined pool \"a\""
            ]
        );
        let r = run(
            "type: A\nttl: 60\nvalue: 1.1.1.1\ndynamic:\n  pools: {}\n  rules:\n    - pool: a\n",
        );
        assert_eq!(messages(&r)[0], "dynamic: missing pools");
        one(
            "type: A\nttl: 60\nvalue: 1.1.1.1\ndynamic: [1]\n",
            "dynamic",
            "dynamic must be a dict",
        );
    }

    #[test]
    fn pool_must_be_dict_and_have_values() {
        let r = one(
            &a("    one: [1]\n", CATCH_ALL),
            "dynamic",
            "pool \"one\" must be a dict",
        );
        assert_eq!(r.pos.line, 6);
        one(
            &a("    one:\n      fallback: ~\n", CATCH_ALL),
            "dynamic",
            "pool \"one\" is missing values",
        );
        one(
            &a("    one:\n      values: 1.2.3.4\n", CATCH_ALL),
            "dynamic",
            "pool \"one\" values must be a list",
        );
        one(
            &a("    one:\n      values:\n        - 1.2.3.4\n", CATCH_ALL),
            "dynamic",
            "pool \"one\" value 1 must be a dict",
        );
    }

    #[test]
    fn invalid_weight() {
        let pools = "    one:\n      values:\n        - value: 2.2.2.2\n          weight: 0\n        - value: 2.2.2.3\n          weight: 101\n        - value: 2.2.2.4\n          weight: abc\n        - value: 2.2.2.5\n          weight: ~\n        - value: 2.2.2.6\n          weight: 99999999999999999999999999999999999999999999\n        - value: 2.2.2.7\n          weight: 100\n";
        let r = run(&a(pools, CATCH_ALL));
        assert_eq!(
            messages(&r),
            [
                "dynamic: invalid weight \"0\" in pool \"one\" value 1",
                "dynamic: invalid weight \"101\" in pool \"one\" value 2",
                "dynamic: invalid weight \"abc\" in pool \"one\" value 3",
                "dynamic: invalid weight \"None\" in pool \"one\" value 4",
                "dynamic: invalid weight \"99999999999999999999999999999999999999999999\" in pool \"one\" value 5",
            ]
        );
        assert_eq!(r[0].pos.line, 9);
    }

    #[test]
    fn invalid_status() {
        let pools = "    one:\n      values:\n        - value: 2.2.2.2\n          status: sideways\n        - value: 2.2.2.3\n          status: yes\n";
        let r = run(&a(pools, CATCH_ALL));
        assert_eq!(
            messages(&r),
            [
                "dynamic: invalid status \"sideways\" in pool \"one\" value 1",
                "dynamic: invalid status \"True\" in pool \"one\" value 2",
            ]
        );
    }

    #[test]
    fn missing_value_in_pool() {
        let pools = "    one:\n      values:\n        - weight: 1\n";
        one(
            &a(pools, CATCH_ALL),
            "dynamic",
            "missing value in pool \"one\" value 1",
        );
    }

    #[test]
    fn pool_values_use_value_rules() {
        let pools = "    one:\n      values:\n        - value: 1.2.3\n        - value: ''\n        - value: ~\n";
        let r = run(&a(pools, CATCH_ALL));
        assert_eq!(
            messages(&r),
            [
                "ip-value-rfc: invalid IPv4 address \"1.2.3\"",
                "ip-value-rfc: empty value",
                "ip-value-rfc: missing value(s)",
            ]
        );
        assert_eq!(r[0].pos.line, 8);
        let aaaa = "type: AAAA\nttl: 60\nvalue: ::1\ndynamic:\n  pools:\n    one:\n      values:\n        - value: 1.2.3.4\n  rules:\n    - pool: one\n";
        one(aaaa, "ip-value-rfc", "invalid IPv6 address \"1.2.3.4\"");
        let cname = "type: CNAME\nttl: 60\nvalue: a.example.com.\ndynamic:\n  pools:\n    one:\n      values:\n        - value: x y.\n        - value: ~\n  rules:\n    - pool: one\n";
        let r = run(cname);
        assert_eq!(
            messages(&r),
            [
                "target-value-rfc: CNAME value \"x y.\" is not a valid FQDN",
                "target-value-rfc: missing value",
            ]
        );
        // strict and best-practice value rules run on pool values too
        let rules = Rules {
            sets: [Set::Strict, Set::BestPractice].into_iter().collect(),
            ..Rules::default()
        };
        let cname = "type: CNAME\nttl: 60\nvalue: a.example.com.\ndynamic:\n  pools:\n    one:\n      values:\n        - value: 1.2.3.4\n  rules:\n    - pool: one\n";
        let r = run_with(cname, &rules);
        assert_eq!(
            messages(&r),
            [
                "target-value-not-ip: CNAME value \"1.2.3.4\" is an IP address",
                "target-value-best-practice: CNAME value \"1.2.3.4\" missing trailing .",
            ]
        );
    }

    #[test]
    fn single_value_weight() {
        let pools = "    one:\n      values:\n        - value: 2.2.2.2\n          weight: 5\n";
        let r = one(
            &a(pools, CATCH_ALL),
            "dynamic",
            "pool \"one\" has single value with weight!=1",
        );
        assert_eq!(r.pos.line, 9);
        // a quoted "1" is not the integer 1, as in octoDNS
        let pools = "    one:\n      values:\n        - value: 2.2.2.2\n          weight: '1'\n";
        one(
            &a(pools, CATCH_ALL),
            "dynamic",
            "pool \"one\" has single value with weight!=1",
        );
        let pools = "    one:\n      values:\n        - value: 2.2.2.2\n          weight: 1\n";
        assert!(run(&a(pools, CATCH_ALL)).is_empty());
    }

    #[test]
    fn undefined_fallback() {
        let pools = "    one:\n      fallback: nope\n      values:\n        - value: 2.2.2.2\n";
        let r = one(
            &a(pools, CATCH_ALL),
            "dynamic",
            "undefined fallback \"nope\" for pool \"one\"",
        );
        assert_eq!(r.pos.line, 7);
        // octoDNS's validator does not special-case `default`
        let pools = "    one:\n      fallback: default\n      values:\n        - value: 2.2.2.2\n";
        one(
            &a(pools, CATCH_ALL),
            "dynamic",
            "undefined fallback \"default\" for pool \"one\"",
        );
    }

    #[test]
    fn fallback_loops() {
        let pools = "    a:\n      fallback: b\n      values:\n        - value: 2.2.2.2\n    b:\n      fallback: a\n      values:\n        - value: 2.2.2.3\n    c:\n      fallback: a\n      values:\n        - value: 2.2.2.4\n    d:\n      fallback: d\n      values:\n        - value: 2.2.2.5\n";
        let r = run(&a(
            pools,
            "    - pool: c\n    - pool: d\n      geos: [EU]\n    - pool: one\n",
        ));
        let m = messages(&r);
        assert!(
            m.contains(&"dynamic: loop in pool fallbacks: a -> b".to_string()),
            "{m:?}"
        );
        assert!(m.contains(&"dynamic: loop in pool fallbacks: b -> a".to_string()));
        assert!(m.contains(&"dynamic: loop in pool fallbacks: c -> a -> b".to_string()));
        assert!(m.contains(&"dynamic: loop in pool fallbacks: d -> d".to_string()));
        // a fallback into a pool that is not a mapping does not panic
        let pools =
            "    a:\n      fallback: b\n      values:\n        - value: 2.2.2.2\n    b: str\n";
        let m = messages(&run(&a(pools, "    - pool: a\n")));
        assert_eq!(m, ["dynamic: pool \"b\" must be a dict"]);
    }

    #[test]
    fn unused_pools() {
        let pools = "    one:\n      values:\n        - value: 2.2.2.2\n    zed:\n      values:\n        - value: 2.2.2.3\n    two:\n      values:\n        - value: 2.2.2.4\n";
        let r = one(
            &a(pools, CATCH_ALL),
            "dynamic",
            "unused pools: \"two\", \"zed\"",
        );
        assert_eq!(r.pos.line, 12);
    }

    #[test]
    fn rules_shape() {
        let base = "type: A\nttl: 60\nvalue: 1.1.1.1\ndynamic:\n  pools:\n    one:\n      values:\n        - value: 2.2.2.2\n";
        let m = messages(&run(&format!("{base}  rules: {{}}\n")));
        assert_eq!(
            m,
            [
                "dynamic: rules must be a list",
                "dynamic: unused pools: \"one\""
            ]
        );
        let m = messages(&run(&format!("{base}  rules: []\n")));
        assert_eq!(
            m,
            ["dynamic: missing rules", "dynamic: unused pools: \"one\""]
        );
        let m = messages(&run(base));
        assert_eq!(
            m,
            ["dynamic: missing rules", "dynamic: unused pools: \"one\""]
        );
        let m = messages(&run(&format!(
            "{base}  rules:\n    - one\n    - pool: one\n"
        )));
        assert_eq!(m, ["dynamic: rule 1 must be a dict"]);
    }

    #[test]
    fn rule_pool_problems() {
        one(
            &a(ONE_POOL, "    - geos: [EU]\n    - pool: one\n"),
            "dynamic",
            "rule 1 missing pool",
        );
        let r = run(&a(
            ONE_POOL,
            "    - pool: 1\n      geos: [EU]\n    - pool: one\n",
        ));
        assert_eq!(messages(&r), ["dynamic: rule 1 invalid pool \"1\""]);
        let r = run(&a(
            ONE_POOL,
            "    - pool: two\n      geos: [EU]\n    - pool: one\n",
        ));
        assert_eq!(messages(&r), ["dynamic: rule 1 undefined pool \"two\""]);
        assert_eq!(r[0].pos.line, 10);
        let r = run(&a(
            ONE_POOL,
            "    - pool: one\n      geos: [EU]\n    - pool: one\n      geos: [AS]\n    - pool: one\n",
        ));
        assert_eq!(
            messages(&r),
            ["dynamic: rule 2 invalid, target pool \"one\" reused"]
        );
    }

    #[test]
    fn rule_ordering() {
        let r = run(&a(
            ONE_POOL,
            "    - pool: one\n      geos: [EU]\n    - pool: one\n      subnets: [10.0.0.0/8]\n      geos: [AS]\n    - pool: one\n",
        ));
        assert!(messages(&r).contains(
            &"dynamic: rule 2 with subnet(s) and geo(s) should appear before all geo-only rules"
                .to_string()
        ));
        let r = run(&a(
            ONE_POOL,
            "    - pool: one\n      geos: [EU]\n    - pool: one\n      subnets: [10.0.0.0/8]\n    - pool: one\n",
        ));
        assert!(messages(&r).contains(
            &"dynamic: rule 2 with only subnet targeting should appear before all geo targeting rules"
                .to_string()
        ));
    }

    #[test]
    fn duplicate_default_and_final_rule() {
        let r = run(&a(ONE_POOL, "    - pool: one\n    - pool: one\n"));
        assert_eq!(messages(&r), ["dynamic: rule 2 duplicate default"]);
        assert_eq!(r[0].pos.line, 11);
        let r = run(&a(ONE_POOL, "    - pool: one\n      geos: [EU]\n"));
        assert_eq!(
            messages(&r),
            ["dynamic: final rule has \"subnets\" and/or \"geos\" and is not catchall"]
        );
    }

    #[test]
    fn geo_codes() {
        let r = run(&a(
            ONE_POOL,
            "    - pool: one\n      geos: [EU-FR-XX-YY, XX, EU-US, NA-US-ZZ, EU-FR-XX]\n    - pool: one\n",
        ));
        let mut m = messages(&r);
        m.retain(|x| !x.contains("reused"));
        assert_eq!(
            m,
            [
                "dynamic: rule 1 unknown province code \"EU-FR-XX\"",
                "dynamic: rule 1 invalid geo code \"EU-FR-XX-YY\"",
                "dynamic: rule 1 targets geo EU-FR-XX-YY which is more specific than the previously seen EU-FR-XX in rule 1",
                "dynamic: rule 1 unknown country code \"EU-US\"",
                "dynamic: rule 1 unknown province code \"NA-US-ZZ\"",
                "dynamic: rule 1 unknown continent code \"XX\"",
            ]
        );
    }

    #[test]
    fn geo_seen_before() {
        let r = run(&a(
            "    one:\n      values:\n        - value: 2.2.2.2\n    two:\n      values:\n        - value: 2.2.2.3\n",
            "    - pool: one\n      geos: [NA, EU]\n    - pool: two\n      geos: [NA-US, EU]\n    - pool: one\n",
        ));
        assert_eq!(
            messages(&r),
            [
                "dynamic: rule 2 targets geo EU which has previously been seen in rule 1",
                "dynamic: rule 2 targets geo NA-US which is more specific than the previously seen NA in rule 1",
            ]
        );
        assert_eq!(r[0].pos.line, 16);
    }

    #[test]
    fn subnets() {
        let r = run(&a(
            ONE_POOL,
            "    - pool: one\n      subnets: [10.0.0.1/8, nope, 10.1.0.0/16, 10.0.0.0/8, 10.0.0.0/255.0.0.0, 2001:db8::/32]\n    - pool: one\n      subnets: ['2001:db8:1::/48', 10.0.0.0/0.255.255.255]\n    - pool: one\n",
        ));
        assert_eq!(
            messages(&r),
            [
                "dynamic: rule 1 invalid subnet \"10.0.0.1/8\"",
                "dynamic: rule 1 invalid subnet \"nope\"",
                "dynamic: rule 1 targets subnet 10.0.0.0/8 which has previously been seen in rule 1",
                "dynamic: rule 1 targets subnet 10.1.0.0/16 which is more specific than the previously seen 10.0.0.0/8 in rule 1",
                "dynamic: rule 2 invalid, target pool \"one\" reused",
                "dynamic: rule 2 targets subnet 10.0.0.0/8 which has previously been seen in rule 1",
                "dynamic: rule 2 targets subnet 2001:db8:1::/48 which is more specific than the previously seen 2001:db8::/32 in rule 1",
            ]
        );
        let r = run(&a(
            ONE_POOL,
            "    - pool: one\n      subnets: 10.0.0.0/8\n    - pool: one\n",
        ));
        assert_eq!(messages(&r), ["dynamic: rule 1 subnets must be a list"]);
        let r = run(&a(
            ONE_POOL,
            "    - pool: one\n      geos: EU\n    - pool: one\n",
        ));
        assert_eq!(messages(&r), ["dynamic: rule 1 geos must be a list"]);
    }

    #[test]
    fn networks_like_python() {
        let p = |s: &str| parse_network(s).map(|n| n.to_string());
        assert_eq!(p("10.0.0.0/08").as_deref(), Some("10.0.0.0/8"));
        assert_eq!(p("10.0.0.0").as_deref(), Some("10.0.0.0/32"));
        assert_eq!(p("0.0.0.0/0.0.0.0").as_deref(), Some("0.0.0.0/0"));
        assert_eq!(p("1.2.3.0/0.0.0.255").as_deref(), Some("1.2.3.0/24"));
        assert_eq!(
            p("::ffff:1.2.3.4/128").as_deref(),
            Some("::ffff:102:304/128")
        );
        assert_eq!(p("1:0:0:1::/64").as_deref(), Some("1:0:0:1::/64"));
        assert_eq!(p("2001:DB8::/32").as_deref(), Some("2001:db8::/32"));
        assert_eq!(p("::/0").as_deref(), Some("::/0"));
        assert_eq!(p("fe80::%1/64").as_deref(), Some("fe80::%1/64"));
        for bad in [
            "10.0.0.0/+8",
            " 1.2.3.0/24",
            "10.0.0.0/255.0.255.0",
            "10.0.0.0/8/8",
            "010.0.0.0/8",
            "10.0.0.0/33",
            "::/129",
            "::/ffff::",
            "",
            "1.2.3.4/٣٢",
        ] {
            assert_eq!(p(bad), None, "{bad}");
        }
    }

    #[test]
    fn deprecated_geo() {
        let text = "type: A\nttl: 60\nvalue: 1.1.1.1\ngeo:\n  NA:\n    - 1.2.3.4\n  N1-XX: []\n  NAX: bad\n  na: ~\n";
        let r = run(text);
        assert_eq!(
            messages(&r),
            [
                "ip-value-rfc: missing value(s)",
                "geo: invalid geo \"NAX\"",
                "ip-value-rfc: invalid IPv4 address \"bad\"",
                "ip-value-rfc: missing value(s)",
            ]
        );
        assert_eq!(r[1].pos.line, 8);
        assert_eq!(
            messages(&run("type: A\nttl: 60\nvalue: 1.1.1.1\ngeo: [1]\n")),
            ["geo: geo must be a dict"]
        );
        // legacy only
        let strict = Rules {
            sets: [Set::Strict].into_iter().collect(),
            ..Rules::default()
        };
        assert!(run_with(text, &strict).iter().all(|r| r.rule != "geo"));
        // not on CNAME
        assert!(run("type: CNAME\nttl: 60\nvalue: a.b.\ngeo:\n  XXX: [a]\n").is_empty());
    }

    #[test]
    fn hostile_shapes_do_not_panic() {
        for text in [
            "type: A\ndynamic: ~\n",
            "type: A\ndynamic: 5\n",
            "type: A\ndynamic:\n  pools: ~\n  rules: ~\n",
            "type: A\ndynamic:\n  pools:\n    [a]: {values: [{value: 1.2.3.4, weight: [1], status: {a: b}}]}\n  rules: [[1], ~, {pool: [a]}, {pool: a, subnets: [~, [1], 99999999999999999999999999999999999999999999, -1, 4294967296, 1.5, true], geos: [~, 1, '', 'ÄÖ-ÜÜ', '-', '--', 'NA-US-CA-X']}]\n",
            "type: AAAA\ndynamic:\n  pools:\n    a: {fallback: [x], values: [{value: [1, ~, '']}]}\n    b: {fallback: {x: 1}, values: {}}\n  rules: [{pool: a}]\n",
            "type: CNAME\ndynamic:\n  pools:\n    a: {values: [{value: [x]}, {value: 0}, {value: 1e400}, {value: .inf}, {weight: .nan, value: x.}, {weight: 1e3, value: a.}, {weight: 12.5e+1, value: b.}]}\n  rules: [{pool: a}]\ngeo: 1\n",
            "type: A\ngeo:\n  ? [a]\n  : {x: 1}\n",
        ] {
            let _ = run(text);
        }
        // a long fallback chain terminates
        let mut pools = String::new();
        for i in 0..300 {
            pools.push_str(&format!(
                "    p{i}:\n      fallback: p{}\n      values:\n        - value: 2.2.2.2\n",
                (i + 1) % 300
            ));
        }
        let r = run(&a(&pools, "    - pool: p0\n"));
        assert_eq!(r.len(), 300);
    }

    #[test]
    fn many_subnets_and_geos() {
        let mut subnets = String::from("10.0.0.0/8");
        let mut geos = String::from("EU");
        for i in 0..2000 {
            subnets.push_str(&format!(", 10.{}.{}.0/24", i / 256, i % 256));
            geos.push_str(&format!(", EU-X{i}"));
        }
        let rules = format!(
            "    - pool: one\n      subnets: [{subnets}]\n    - pool: one\n      geos: [{geos}]\n    - pool: one\n"
        );
        let r = run(&a(ONE_POOL, &rules));
        let count = |w: &str| r.iter().filter(|x| x.message.contains(w)).count();
        assert_eq!(
            count("more specific than the previously seen 10.0.0.0/8"),
            2000
        );
        assert_eq!(
            count("more specific than the previously seen EU in rule 2"),
            2000
        );
        assert_eq!(count("unknown country code"), 2000);
    }

    #[test]
    fn python_value_semantics() {
        let v = |t: &str| load(&format!("x: {t}\n")).get("x").unwrap().clone();
        assert_eq!(py_int(&v("1.9")), Some(1));
        assert_eq!(py_int(&v("true")), Some(1));
        assert_eq!(py_int(&v("' 7 '")), Some(7));
        assert_eq!(py_int(&v("'1_0'")), Some(10));
        assert_eq!(py_int(&v("1e3")), None);
        assert_eq!(py_str(&v("1e3")), "1e3");
        assert_eq!(py_int(&v("1.5e+3")), Some(1500));
        assert_eq!(py_str(&v("1.5e+20")), "1.5e+20");
        assert_eq!(py_str(&v("2.0")), "2.0");
        assert_eq!(py_str(&v("[a, 1, ~]")), "['a', 1, None]");
        assert_eq!(py_str(&v("{a: b}")), "{'a': 'b'}");
        assert!(!is_py_str(&v("2001-12-14")));
        assert!(is_py_str(&v("'1'")));
        assert!(!is_py_str(&v("1")));
        assert!(py_eq_one(&v("1.0")));
        assert!(!py_eq_one(&v("'1'")));
        assert!(geo_re_matches("NA-US-CA"));
        assert!(geo_re_matches("N1"));
        assert!(!geo_re_matches("NA-USA"));
        assert!(!geo_re_matches("NA-US-CA-XX"));
    }
}
