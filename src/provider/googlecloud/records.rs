//! Cloud DNS resource record sets (`dns#resourceRecordSet`: `name`, `type`, `ttl`,
//! `rrdatas`) ↔ the model. `rrdatas` are RFC 1035 presentation format, one string per
//! record; names are absolute with the final dot.
//!
//! As octodns-googlecloud 1.1 reads and writes them: CNAME, ALIAS, PTR, MX exchange and NS
//! targets carry their final dot; TXT and SPF are quoted character-strings of at most 255
//! octets (octoDNS's `chunked_values`); CAA, DS, MX, NAPTR and SRV are their fields in order,
//! read back whether or not the CAA value is quoted (octodns-googlecloud writes it bare and
//! reads with `shlex`). The SOA is Cloud DNS's own and is never read.

use serde_json::{Value as J, json};

use crate::model::value::txt_internal;
use crate::model::{RecordSet, RecordType, Value, rdata};

/// octodns-googlecloud's `SUPPORTS`, and the newer types Cloud DNS holds whose presentation
/// format the model reads and writes.
pub const TYPES: &[&str] = &[
    "A", "AAAA", "ALIAS", "CAA", "CNAME", "DS", "HTTPS", "MX", "NAPTR", "NS", "PTR", "SPF", "SRV",
    "SSHFP", "SVCB", "TLSA", "TXT",
];

/// The rrdatas of a record set.
pub fn rrdatas(r: &RecordSet) -> Vec<String> {
    r.values.iter().map(Value::to_rdata).collect()
}

/// The rrset a record set is written as.
pub fn rrset(r: &RecordSet, zone: &str) -> J {
    json!({
        "kind": "dns#resourceRecordSet",
        "name": r.fqdn(zone),
        "type": r.rtype.as_str(),
        "ttl": r.ttl,
        "rrdatas": rrdatas(r),
    })
}

/// One rrdata as a value.
fn value(t: &RecordType, text: &str) -> Result<Value, String> {
    match t {
        RecordType::Txt | RecordType::Spf if !text.trim_start().starts_with('"') => {
            Ok(Value::Text(txt_internal(text)))
        }
        _ => rdata::parse(t, text).map_err(|e| e.to_string()),
    }
}

/// An rrset read from Cloud DNS (`name` relative to the zone). The rrset exactly as read rides
/// in `provider_data`: a deletion must match it to the letter.
pub fn read(name: &str, rtype: RecordType, rrset: &J) -> Result<RecordSet, String> {
    let ttl = rrset.get("ttl").and_then(J::as_u64).unwrap_or(0);
    let ttl = u32::try_from(ttl).map_err(|_| format!("TTL {ttl} is out of range"))?;
    let datas = rrset
        .get("rrdatas")
        .and_then(J::as_array)
        .ok_or("no rrdatas")?;
    let mut values = Vec::with_capacity(datas.len());
    for d in datas {
        let text = d.as_str().ok_or("an rrdata is not a string")?;
        values.push(value(&rtype, text)?);
    }
    let mut rs = RecordSet::new(name, rtype, ttl, values);
    rs.provider_data = Some(std::sync::Arc::new(json!({ "rrset": {
        "kind": "dns#resourceRecordSet",
        "name": rrset.get("name").cloned().unwrap_or(J::Null),
        "type": rrset.get("type").cloned().unwrap_or(J::Null),
        "ttl": ttl,
        "rrdatas": datas,
    }})));
    Ok(rs)
}

/// The model type of a Cloud DNS rrset (`None`: a type dnsplan leaves alone, SOA among them).
pub fn model_type(t: &str) -> Option<RecordType> {
    if TYPES.contains(&t) {
        RecordType::core(t)
    } else {
        None
    }
}

/// The rrset a deletion names: as read (exact), else as the model would write it.
pub fn existing_rrset(r: &RecordSet, zone: &str) -> J {
    r.provider_data
        .as_deref()
        .and_then(|d| d.get("rrset"))
        .cloned()
        .unwrap_or_else(|| rrset(r, zone))
}
