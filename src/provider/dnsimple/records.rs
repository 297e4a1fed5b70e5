//! DNSimple zone records ↔ the model, as octodns-dnsimple 1.0 reads and writes them.
//!
//! One record per value: `name` relative (`""` at the apex), `content` the value and, for MX
//! and SRV, `priority` apart (SRV's content is `weight port target`). Host names are sent as
//! the model holds them (with their final dot) and listed without it. TXT is sent raw and read
//! back with `;` escaped; CAA as `flags tag "value"`; NAPTR and SSHFP in presentation format.
//! DNSimple's own records (`system_record`: the SOA and the apex NS) and an ALIAS's companion
//! TXT (`parent_id` set, `ALIAS for …`) are not part of the zone.

use serde_json::{Map, Value as J};

use crate::model::value::{txt_internal, txt_raw};
use crate::model::{RecordSet, RecordType, Value, rdata};

/// octodns-dnsimple 1.0's `SUPPORTS`.
pub const TYPES: &[&str] = &[
    "A", "AAAA", "ALIAS", "CAA", "CNAME", "MX", "NAPTR", "NS", "PTR", "SRV", "SSHFP", "TXT",
];

pub fn model_type(t: &str) -> Option<RecordType> {
    if TYPES.contains(&t) {
        RecordType::core(t)
    } else {
        None
    }
}

fn dotted(s: &str) -> String {
    if s.ends_with('.') {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

/// Is this record DNSimple's, not the zone owner's?
pub fn not_ours(o: &J) -> bool {
    o.get("system_record").and_then(J::as_bool) == Some(true)
        || o.get("parent_id").is_some_and(|p| !p.is_null())
        || (o.get("type").and_then(J::as_str) == Some("TXT")
            && o.get("content")
                .and_then(J::as_str)
                .is_some_and(|c| c.starts_with("ALIAS for")))
}

/// One record's value.
pub fn value(t: &RecordType, o: &J) -> Result<Value, String> {
    let content = o
        .get("content")
        .and_then(J::as_str)
        .ok_or("`content` is missing")?
        .trim();
    let priority = || match o.get("priority") {
        Some(J::Number(n)) => Ok(n.to_string()),
        Some(J::String(s)) => Ok(s.clone()),
        _ => Err("`priority` is missing".to_string()),
    };
    let text = match t {
        RecordType::Txt => return Ok(Value::Text(txt_internal(content))),
        RecordType::Cname | RecordType::Alias | RecordType::Ns | RecordType::Ptr => dotted(content),
        RecordType::Mx => format!("{} {}", priority()?, dotted(content)),
        RecordType::Srv => {
            let mut f = content.splitn(3, ' ');
            match (f.next(), f.next(), f.next()) {
                (Some(w), Some(port), Some(target)) => {
                    format!("{} {w} {port} {}", priority()?, dotted(target))
                }
                _ => {
                    return Err(format!(
                        "the SRV content {content:?} is not `weight port target`"
                    ));
                }
            }
        }
        _ => content.to_string(),
    };
    rdata::parse(t, &text).map_err(|e| e.to_string())
}

/// The record body for one value (octodns-dnsimple's `_params_for_*`, with NAPTR's fields in
/// their right places).
pub fn body(r: &RecordSet, v: &Value) -> J {
    let mut m = Map::new();
    m.insert("name".into(), r.name.clone().into());
    m.insert("type".into(), r.rtype.as_str().into());
    m.insert("ttl".into(), r.ttl.into());
    let content = match v {
        Value::Text(t) => txt_raw(t),
        Value::Mx(mx) => {
            m.insert("priority".into(), mx.preference.into());
            mx.exchange.clone()
        }
        Value::Srv(s) => {
            m.insert("priority".into(), s.priority.into());
            format!("{} {} {}", s.weight, s.port, s.target)
        }
        other => other.to_rdata(),
    };
    m.insert("content".into(), content.into());
    J::Object(m)
}
