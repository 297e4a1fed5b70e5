//! One typed value per record type, in octoDNS's internal form.
//!
//! Field order in each struct is octoDNS's equality tuple, so the derived ordering sorts values
//! the way octoDNS does. Integer fields are `i64` because octoDNS's legacy rules accept any
//! integer and only the strict rule set checks ranges (validation reports, the model carries).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde_json::{Map, Value as J, json};

/// A float with a total order (LOC fields).
#[derive(Clone, Copy, Debug)]
pub struct F64(pub f64);

impl PartialEq for F64 {
    fn eq(&self, o: &Self) -> bool {
        self.0.total_cmp(&o.0) == Ordering::Equal
    }
}
impl Eq for F64 {}
impl PartialOrd for F64 {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for F64 {
    fn cmp(&self, o: &Self) -> Ordering {
        self.0.total_cmp(&o.0)
    }
}

impl F64 {
    /// Python's `repr(float)`: shortest round-trip form, always with a decimal point.
    pub fn py(&self) -> String {
        format!("{:?}", self.0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mx {
    pub preference: i64,
    pub exchange: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Srv {
    pub priority: i64,
    pub weight: i64,
    pub port: i64,
    pub target: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Uri {
    pub priority: i64,
    pub weight: i64,
    pub target: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Caa {
    pub flags: i64,
    pub tag: String,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Sshfp {
    pub algorithm: i64,
    pub fingerprint_type: i64,
    pub fingerprint: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Tlsa {
    pub certificate_usage: i64,
    pub selector: i64,
    pub matching_type: i64,
    pub certificate_association_data: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ds {
    pub key_tag: i64,
    pub algorithm: i64,
    pub digest_type: i64,
    pub digest: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Naptr {
    pub order: i64,
    pub preference: i64,
    pub flags: String,
    pub service: String,
    pub regexp: String,
    pub replacement: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Loc {
    pub lat_degrees: i64,
    pub lat_minutes: i64,
    pub lat_seconds: F64,
    pub lat_direction: String,
    pub long_degrees: i64,
    pub long_minutes: i64,
    pub long_seconds: F64,
    pub long_direction: String,
    pub altitude: F64,
    pub size: F64,
    pub precision_horz: F64,
    pub precision_vert: F64,
}

/// One SvcParam value: absent (`no-default-alpn`), a scalar, or a list (`alpn`, hints).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SvcParam {
    None,
    One(String),
    List(Vec<String>),
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Svcb {
    pub svcpriority: i64,
    pub targetname: String,
    pub svcparams: BTreeMap<String, SvcParam>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Urlfwd {
    pub path: String,
    pub target: String,
    pub code: i64,
    pub masking: i64,
    pub query: i64,
}

/// A record value. `Ip` is the normalised text of an IPv4/IPv6 address (octoDNS sorts these
/// as strings); `Target` serves ALIAS, CNAME, DNAME, NS and PTR; `Text` serves TXT and SPF
/// (internal form, `;` escaped); `Base64` serves OPENPGPKEY (presentation: the bare text).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Value {
    Ip(String),
    Target(String),
    Text(String),
    Base64(String),
    Mx(Mx),
    Srv(Srv),
    Uri(Uri),
    Caa(Caa),
    Sshfp(Sshfp),
    Tlsa(Tlsa),
    Ds(Ds),
    Naptr(Naptr),
    Loc(Box<Loc>),
    Svcb(Svcb),
    Urlfwd(Urlfwd),
    /// Provider-specific types: the value as written.
    Data(JsonOrd),
}

/// JSON with a total order (by its canonical text), for provider-specific values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonOrd(pub J);
impl PartialOrd for JsonOrd {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for JsonOrd {
    fn cmp(&self, o: &Self) -> Ordering {
        match (&self.0, &o.0) {
            (J::String(a), J::String(b)) => a.cmp(b),
            (a, b) => a.to_string().cmp(&b.to_string()),
        }
    }
}

impl Loc {
    /// The value with fixed decimals (seconds to 3 places, metres to 2: `51 30 12.748 N 0 7
    /// 39.611 W 0.00m 1.00m 10000.00m 10.00m`), as PowerDNS and octoDNS's `repr` write it.
    pub fn fixed_text(&self) -> String {
        format!(
            "{} {} {:.3} {} {} {} {:.3} {} {:.2}m {:.2}m {:.2}m {:.2}m",
            self.lat_degrees,
            self.lat_minutes,
            self.lat_seconds.0,
            self.lat_direction,
            self.long_degrees,
            self.long_minutes,
            self.long_seconds.0,
            self.long_direction,
            self.altitude.0,
            self.size.0,
            self.precision_horz.0,
            self.precision_vert.0
        )
    }
}

impl Value {
    /// The value in octoDNS's YAML data shape.
    pub fn to_data(&self) -> J {
        match self {
            Value::Ip(s) | Value::Target(s) | Value::Text(s) | Value::Base64(s) => {
                J::String(s.clone())
            }
            Value::Mx(v) => json!({"exchange": v.exchange, "preference": v.preference}),
            Value::Srv(v) => {
                json!({"port": v.port, "priority": v.priority, "target": v.target, "weight": v.weight})
            }
            Value::Uri(v) => {
                json!({"priority": v.priority, "target": v.target, "weight": v.weight})
            }
            Value::Caa(v) => json!({"flags": v.flags, "tag": v.tag, "value": v.value}),
            Value::Sshfp(v) => json!({
                "algorithm": v.algorithm, "fingerprint": v.fingerprint,
                "fingerprint_type": v.fingerprint_type}),
            Value::Tlsa(v) => json!({
                "certificate_association_data": v.certificate_association_data,
                "certificate_usage": v.certificate_usage, "matching_type": v.matching_type,
                "selector": v.selector}),
            Value::Ds(v) => json!({
                "algorithm": v.algorithm, "digest": v.digest, "digest_type": v.digest_type,
                "key_tag": v.key_tag}),
            Value::Naptr(v) => json!({
                "flags": v.flags, "order": v.order, "preference": v.preference,
                "regexp": v.regexp, "replacement": v.replacement, "service": v.service}),
            Value::Loc(v) => {
                let f = |x: F64| {
                    serde_json::Number::from_f64(x.0)
                        .map(J::Number)
                        .unwrap_or(J::Null)
                };
                json!({
                    "altitude": f(v.altitude), "lat_degrees": v.lat_degrees,
                    "lat_direction": v.lat_direction, "lat_minutes": v.lat_minutes,
                    "lat_seconds": f(v.lat_seconds), "long_degrees": v.long_degrees,
                    "long_direction": v.long_direction, "long_minutes": v.long_minutes,
                    "long_seconds": f(v.long_seconds), "precision_horz": f(v.precision_horz),
                    "precision_vert": f(v.precision_vert), "size": f(v.size)})
            }
            Value::Svcb(v) => {
                let mut params = Map::new();
                for (k, p) in &v.svcparams {
                    params.insert(
                        k.clone(),
                        match p {
                            SvcParam::None => J::Null,
                            SvcParam::One(s) => J::String(s.clone()),
                            SvcParam::List(l) => l.iter().cloned().map(J::String).collect(),
                        },
                    );
                }
                json!({"svcparams": params, "svcpriority": v.svcpriority, "targetname": v.targetname})
            }
            Value::Urlfwd(v) => json!({
                "code": v.code, "masking": v.masking, "path": v.path, "query": v.query,
                "target": v.target}),
            Value::Data(j) => j.0.clone(),
        }
    }

    /// DNS presentation format (RDATA text), as octoDNS's `to_rdata_text`.
    pub fn to_rdata(&self) -> String {
        match self {
            Value::Ip(s) | Value::Target(s) | Value::Base64(s) => s.clone(),
            Value::Text(s) => txt_rdata(s),
            Value::Mx(v) => format!("{} {}", v.preference, v.exchange),
            Value::Srv(v) => format!("{} {} {} {}", v.priority, v.weight, v.port, v.target),
            Value::Uri(v) => format!("{} {} \"{}\"", v.priority, v.weight, v.target),
            Value::Caa(v) => format!("{} {} {}", v.flags, v.tag, quote(&v.value)),
            Value::Sshfp(v) => format!("{} {} {}", v.algorithm, v.fingerprint_type, v.fingerprint),
            Value::Tlsa(v) => format!(
                "{} {} {} {}",
                v.certificate_usage, v.selector, v.matching_type, v.certificate_association_data
            ),
            Value::Ds(v) => format!(
                "{} {} {} {}",
                v.key_tag, v.algorithm, v.digest_type, v.digest
            ),
            Value::Naptr(v) => format!(
                "{} {} {} {} {} {}",
                v.order,
                v.preference,
                quote(&v.flags),
                quote(&v.service),
                quote(&v.regexp),
                v.replacement
            ),
            Value::Loc(v) => format!(
                "{} {} {} {} {} {} {} {} {}m {}m {}m {}m",
                v.lat_degrees,
                v.lat_minutes,
                v.lat_seconds.py(),
                v.lat_direction,
                v.long_degrees,
                v.long_minutes,
                v.long_seconds.py(),
                v.long_direction,
                v.altitude.py(),
                v.size.py(),
                v.precision_horz.py(),
                v.precision_vert.py()
            ),
            Value::Svcb(v) => {
                let mut s = format!("{} {}", v.svcpriority, v.targetname);
                let mut keys: Vec<&String> = v.svcparams.keys().collect();
                keys.sort_by_key(|k| svcparam_key_order(k));
                for k in keys {
                    s.push(' ');
                    s.push_str(k);
                    match &v.svcparams[k] {
                        SvcParam::None => {}
                        SvcParam::One(x) => {
                            s.push('=');
                            s.push_str(x);
                        }
                        SvcParam::List(l) => {
                            s.push('=');
                            s.push_str(&l.join(","));
                        }
                    }
                }
                s
            }
            Value::Urlfwd(v) => format!(
                "\"{}\" \"{}\" {} {} {}",
                v.path, v.target, v.code, v.masking, v.query
            ),
            Value::Data(j) => match &j.0 {
                J::String(s) => s.clone(),
                other => other.to_string(),
            },
        }
    }

    /// The target name a value points at, for types that point at one.
    pub fn target(&self) -> Option<&str> {
        match self {
            Value::Target(s) => Some(s),
            Value::Mx(v) => Some(&v.exchange),
            Value::Srv(v) => Some(&v.target),
            Value::Svcb(v) => Some(&v.targetname),
            _ => None,
        }
    }

    /// The value's text for single-string types (IPs, targets, TXT, OPENPGPKEY).
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Ip(s) | Value::Target(s) | Value::Text(s) | Value::Base64(s) => Some(s),
            _ => None,
        }
    }
}

/// The SvcParam keys with names (RFC 9460 and its registry), by number; any other key is
/// written `keyNNNNN`.
const SVCPARAM_KEYS: [&str; 9] = [
    "mandatory",
    "alpn",
    "no-default-alpn",
    "port",
    "ipv4hint",
    "ech",
    "ipv6hint",
    "dohpath",
    "ohttp",
];

/// A SvcParam key's number: its name's, or NNNNN of `keyNNNNN`.
pub fn svcparam_key_number(k: &str) -> Option<u16> {
    match SVCPARAM_KEYS.iter().position(|n| *n == k) {
        Some(i) => Some(i as u16),
        None => k.strip_prefix("key").and_then(|n| n.parse().ok()),
    }
}

/// A SvcParam key number's presentation name.
pub fn svcparam_key_name(n: u16) -> String {
    match SVCPARAM_KEYS.get(usize::from(n)) {
        Some(name) => name.to_string(),
        None => format!("key{n}"),
    }
}

/// SvcParam keys in wire order (RFC 9460 wants them sorted by number); unknown ones last.
pub fn svcparam_key_order(k: &str) -> u32 {
    svcparam_key_number(k).map(u32::from).unwrap_or(u32::MAX)
}

/// Quote a character-string for presentation format: `"` and `\` escaped, non-printables as
/// `\DDD`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for b in s.bytes() {
        push_escaped(&mut out, b);
    }
    out.push('"');
    out
}

fn push_escaped(out: &mut String, b: u8) {
    match b {
        b'"' | b'\\' => {
            out.push('\\');
            out.push(b as char);
        }
        0x20..=0x7e => out.push(b as char),
        _ => out.push_str(&format!("\\{b:03}")),
    }
}

/// TXT/SPF internal text → RDATA: unescape `\;`, split into ≤255-octet character-strings,
/// quote each (as dnspython renders them).
pub fn txt_rdata(internal: &str) -> String {
    let raw = txt_raw(internal);
    let bytes = raw.as_bytes();
    if bytes.is_empty() {
        return "\"\"".to_string();
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for (i, chunk) in bytes.chunks(255).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push('"');
        for &b in chunk {
            push_escaped(&mut out, b);
        }
        out.push('"');
    }
    out
}

/// TXT/SPF internal text → the raw bytes a DNS answer carries (`\;` → `;`).
pub fn txt_raw(internal: &str) -> String {
    internal.replace("\\;", ";")
}

/// Raw TXT text (from a server) → internal form (`;` → `\;`).
pub fn txt_internal(raw: &str) -> String {
    raw.replace(';', "\\;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txt_chunks_at_255_octets() {
        let v = "a".repeat(256);
        let r = txt_rdata(&v);
        assert_eq!(r, format!("\"{}\" \"a\"", "a".repeat(255)));
        assert_eq!(txt_rdata(""), "\"\"");
        assert_eq!(txt_rdata("v=DKIM1\\; k=rsa"), "\"v=DKIM1; k=rsa\"");
        assert_eq!(txt_rdata("say \"hi\" \\o/"), "\"say \\\"hi\\\" \\\\o/\"");
    }

    #[test]
    fn mx_sorts_by_preference_then_exchange() {
        let mut v = [
            Value::Mx(Mx {
                preference: 20,
                exchange: "a.".into(),
            }),
            Value::Mx(Mx {
                preference: 10,
                exchange: "b.".into(),
            }),
        ];
        v.sort();
        assert_eq!(v[0].to_rdata(), "10 b.");
    }

    #[test]
    fn python_float_repr() {
        assert_eq!(F64(1.0).py(), "1.0");
        assert_eq!(F64(0.5).py(), "0.5");
        assert_eq!(F64(10.123).py(), "10.123");
    }
}
