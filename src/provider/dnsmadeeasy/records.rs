//! DNS Made Easy records ↔ the model, as octodns-dnsmadeeasy 1.0 reads and writes them.
//!
//! One record per value: `name` relative (`""` at the apex), `value` the value's main field,
//! MX `mxLevel`, SRV `priority`/`weight`/`port`, CAA `issuerCritical` (flags) and `caaType`
//! (tag). ALIAS is DNS Made Easy's ANAME. Host names are sent absolute (with their final dot);
//! listed relative ones are made absolute in the zone (`""` is the zone itself). TXT is sent
//! quoted and raw, and listed quoted, cut into `"…""…"` pieces; CAA values are listed quoted.

use serde_json::{Map, Value as J};

use crate::model::value::{Caa, Mx, Srv, txt_internal, txt_raw};
use crate::model::{RecordSet, RecordType, Value, rdata};

/// octodns-dnsmadeeasy 1.0's `SUPPORTS`.
pub const TYPES: &[&str] = &[
    "A", "AAAA", "ALIAS", "CAA", "CNAME", "MX", "NS", "PTR", "SRV", "TXT",
];

/// DNS Made Easy's type name for a model type.
pub fn dme_type(t: &RecordType) -> &str {
    match t {
        RecordType::Alias => "ANAME",
        other => other.as_str(),
    }
}

pub fn model_type(t: &str) -> Option<RecordType> {
    match t {
        "ANAME" => Some(RecordType::Alias),
        "ALIAS" => None,
        t if TYPES.contains(&t) => RecordType::core(t),
        _ => None,
    }
}

fn host(v: &str, zone: &str) -> String {
    match v {
        "" => zone.to_ascii_lowercase(),
        v if v.ends_with('.') => v.to_ascii_lowercase(),
        v => format!("{}.{zone}", v.to_ascii_lowercase()),
    }
}

fn int(o: &J, k: &str) -> Result<i64, String> {
    match o.get(k) {
        Some(J::Number(n)) => n
            .as_i64()
            .ok_or_else(|| format!("`{k}` is not a whole number")),
        Some(J::String(s)) => s.trim().parse().map_err(|_| format!("`{k}` is {s:?}")),
        _ => Err(format!("`{k}` is missing")),
    }
}

/// A listed TXT value: the `"…""…"` pieces joined, the outer quotes gone, `;` escaped.
pub fn txt_of(listed: &str) -> String {
    let mut joined = String::with_capacity(listed.len());
    let mut prev_backslash = false;
    let mut chars = listed.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' && !prev_backslash && chars.peek() == Some(&'"') {
            chars.next();
            prev_backslash = false;
            continue;
        }
        prev_backslash = c == '\\' && !prev_backslash;
        joined.push(c);
    }
    let inner = match joined.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(i) => i.to_string(),
        None => joined,
    };
    txt_internal(&inner)
}

/// One record's value.
pub fn value(t: &RecordType, o: &J, zone: &str) -> Result<Value, String> {
    let v = o
        .get("value")
        .and_then(J::as_str)
        .ok_or("`value` is missing")?
        .trim();
    Ok(match t {
        RecordType::Txt => Value::Text(txt_of(v)),
        RecordType::Alias | RecordType::Cname | RecordType::Ns | RecordType::Ptr => {
            Value::Target(host(v, zone))
        }
        RecordType::Mx => Value::Mx(Mx {
            preference: int(o, "mxLevel")?,
            exchange: host(v, zone),
        }),
        RecordType::Srv => Value::Srv(Srv {
            priority: int(o, "priority")?,
            weight: int(o, "weight")?,
            port: int(o, "port")?,
            target: host(v, zone),
        }),
        RecordType::Caa => Value::Caa(Caa {
            flags: int(o, "issuerCritical")?,
            tag: o
                .get("caaType")
                .and_then(J::as_str)
                .unwrap_or_default()
                .to_string(),
            value: v
                .strip_prefix('"')
                .and_then(|x| x.strip_suffix('"'))
                .unwrap_or(v)
                .to_string(),
        }),
        other => rdata::parse(other, v).map_err(|e| e.to_string())?,
    })
}

/// The record body for one value (octodns-dnsmadeeasy's `_params_for_*`).
pub fn body(r: &RecordSet, v: &Value) -> J {
    let mut m = Map::new();
    m.insert("name".into(), r.name.clone().into());
    m.insert("type".into(), dme_type(&r.rtype).into());
    m.insert("ttl".into(), r.ttl.into());
    m.insert("gtdLocation".into(), "DEFAULT".into());
    let value = match v {
        Value::Text(t) => format!("\"{}\"", txt_raw(t)),
        Value::Mx(mx) => {
            m.insert("mxLevel".into(), mx.preference.into());
            mx.exchange.clone()
        }
        Value::Srv(s) => {
            m.insert("priority".into(), s.priority.into());
            m.insert("weight".into(), s.weight.into());
            m.insert("port".into(), s.port.into());
            s.target.clone()
        }
        Value::Caa(c) => {
            m.insert("issuerCritical".into(), c.flags.into());
            m.insert("caaType".into(), c.tag.clone().into());
            c.value.clone()
        }
        other => other.to_rdata(),
    };
    m.insert("value".into(), value.into());
    J::Object(m)
}
