//! Hetzner record values ↔ the model. Both APIs hold one presentation-format `value` per
//! record, names relative to the zone (`@` at the apex), as octodns-hetzner 2.0 reads and
//! writes them: CNAME, PTR, NS, MX and SRV targets with their final dot (added when read
//! without), CAA as `flags tag "value"`, DS and TLSA as their fields. TXT differs by API: the
//! Cloud API wants RFC 1035 quoted character-strings of at most 255 octets, the DNS Console
//! API the raw text; either reads back (quoted or not), `;` escaped as the model keeps it.

use crate::model::value::{txt_internal, txt_raw};
use crate::model::{RecordSet, RecordType, Value, rdata};

/// octodns-hetzner 2.0's `SUPPORTS`.
pub const TYPES: &[&str] = &[
    "A", "AAAA", "CAA", "CNAME", "DS", "MX", "NS", "PTR", "SRV", "TLSA", "TXT",
];

/// A relative name as Hetzner writes it.
pub fn hetzner_name(name: &str) -> &str {
    if name.is_empty() { "@" } else { name }
}

/// The values of a record set as Hetzner is sent them (`quoted_txt`: the Cloud API's form).
pub fn values(r: &RecordSet, quoted_txt: bool) -> Vec<String> {
    r.values
        .iter()
        .map(|v| match v {
            Value::Text(t) if !quoted_txt => txt_raw(t),
            other => other.to_rdata(),
        })
        .collect()
}

fn dotted(s: &str) -> String {
    if s.ends_with('.') {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

/// One value read from Hetzner.
pub fn value(t: &RecordType, text: &str) -> Result<Value, String> {
    let text = text.trim();
    let fixed = match t {
        RecordType::Txt if !text.starts_with('"') => return Ok(Value::Text(txt_internal(text))),
        RecordType::Cname | RecordType::Ptr | RecordType::Ns => dotted(text),
        RecordType::Mx | RecordType::Srv => {
            // the target is the last field
            match text.rsplit_once(' ') {
                Some((head, target)) => format!("{head} {}", dotted(target)),
                None => text.to_string(),
            }
        }
        _ => text.to_string(),
    };
    rdata::parse(t, &fixed).map_err(|e| e.to_string())
}

pub fn model_type(t: &str) -> Option<RecordType> {
    if TYPES.contains(&t) {
        RecordType::core(t)
    } else {
        None
    }
}
