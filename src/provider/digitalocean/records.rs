//! DigitalOcean domain records ↔ the model, as octodns-digitalocean 1.0 reads and writes them.
//!
//! One record object per value: `name` relative (`@` at the apex), `data` the value's main
//! field, and `priority`, `port`, `weight`, `flags`, `tag` for the types that have them. Host
//! names are sent with their final dot and listed without it; `@` as data is the zone itself.
//! TXT is sent raw and read back with `;` escaped. A null target (`.`, SRV and RFC 7505's
//! null MX) stays `.` (octodns-digitalocean makes it `..` for MX).

use serde_json::{Map, Value as J};

use crate::model::value::{Caa, Mx, Srv, txt_internal, txt_raw};
use crate::model::{RecordSet, RecordType, Value};

/// octodns-digitalocean 1.0's `SUPPORTS`.
pub const TYPES: &[&str] = &["A", "AAAA", "CAA", "CNAME", "MX", "NS", "SRV", "TXT"];

/// The CAA tags DigitalOcean takes.
pub const CAA_TAGS: &[&str] = &["issue", "issuewild", "iodef"];

/// DigitalOcean's lowest TTL (all types but SOA).
pub const MIN_TTL: u32 = 30;

pub fn model_type(t: &str) -> Option<RecordType> {
    if TYPES.contains(&t) {
        RecordType::core(t)
    } else {
        None
    }
}

/// A relative name as DigitalOcean writes it.
pub fn do_name(name: &str) -> &str {
    if name.is_empty() { "@" } else { name }
}

/// A host name as listed → absolute (`@` is the zone, `.` stays the root).
fn host(data: &str, zone: &str) -> String {
    match data {
        "@" => zone.to_ascii_lowercase(),
        "." => ".".into(),
        d if d.ends_with('.') => d.to_ascii_lowercase(),
        d => format!("{}.", d.to_ascii_lowercase()),
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

/// One record object's value.
pub fn value(t: &RecordType, o: &J, zone: &str) -> Result<Value, String> {
    let data = o
        .get("data")
        .and_then(J::as_str)
        .ok_or("`data` is missing")?;
    Ok(match t {
        RecordType::A | RecordType::Aaaa => {
            let ip = crate::model::build::normalize_ip(t, data)
                .ok_or_else(|| format!("{data:?} is not an address"))?;
            Value::Ip(ip)
        }
        RecordType::Cname | RecordType::Ns => Value::Target(host(data, zone)),
        RecordType::Mx => Value::Mx(Mx {
            preference: int(o, "priority")?,
            exchange: host(data, zone),
        }),
        RecordType::Srv => Value::Srv(Srv {
            priority: int(o, "priority")?,
            weight: int(o, "weight")?,
            port: int(o, "port")?,
            target: host(data, zone),
        }),
        RecordType::Caa => Value::Caa(Caa {
            flags: int(o, "flags")?,
            tag: o
                .get("tag")
                .and_then(J::as_str)
                .unwrap_or_default()
                .to_string(),
            value: data.to_string(),
        }),
        RecordType::Txt => Value::Text(txt_internal(data)),
        other => return Err(format!("{} is not a DigitalOcean type", other.as_str())),
    })
}

/// The record object for one value (octodns-digitalocean's `_params_for_*`).
pub fn object(r: &RecordSet, v: &Value) -> J {
    let mut m = Map::new();
    m.insert("type".into(), r.rtype.as_str().into());
    m.insert("name".into(), do_name(&r.name).into());
    m.insert("ttl".into(), r.ttl.into());
    match v {
        Value::Mx(mx) => {
            m.insert("data".into(), mx.exchange.clone().into());
            m.insert("priority".into(), mx.preference.into());
        }
        Value::Srv(s) => {
            m.insert("data".into(), s.target.clone().into());
            m.insert("priority".into(), s.priority.into());
            m.insert("port".into(), s.port.into());
            m.insert("weight".into(), s.weight.into());
        }
        Value::Caa(c) => {
            m.insert("data".into(), c.value.clone().into());
            m.insert("flags".into(), c.flags.into());
            m.insert("tag".into(), c.tag.clone().into());
        }
        Value::Text(t) => {
            m.insert("data".into(), txt_raw(t).into());
        }
        other => {
            m.insert("data".into(), other.to_rdata().into());
        }
    }
    J::Object(m)
}
