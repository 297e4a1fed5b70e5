//! NS1 record answers ↔ the model, as octodns-ns1 1.0 reads and writes plain records.
//!
//! NS1 holds one answer per value, each a list of its fields (`["10", "mx.example.com."]`);
//! a zone's listing shows them joined by spaces (`short_answers`). As octodns-ns1: ALIAS,
//! CNAME, MX, NS, PTR and SRV answers read without a final dot get one; TXT and SPF are sent
//! raw (NS1 wants no `\;` escapes) and read back with `;` escaped; CAA's value is its own
//! field, unquoted.

use serde_json::{Value as J, json};

use crate::model::value::txt_raw;
use crate::model::{RecordSet, RecordType, Value};

/// octodns-ns1 1.0's `SUPPORTS`.
pub const TYPES: &[&str] = &[
    "A", "AAAA", "ALIAS", "CAA", "CNAME", "DNAME", "DS", "MX", "NAPTR", "NS", "PTR", "SPF", "SRV",
    "TLSA", "TXT", "URLFWD",
];

pub fn model_type(t: &str) -> Option<RecordType> {
    if TYPES.contains(&t) {
        RecordType::core(t)
    } else {
        None
    }
}

/// The types whose answers octodns-ns1 makes absolute when read.
const DOTTED: &[&str] = &["ALIAS", "CNAME", "MX", "NS", "PTR", "SRV"];

fn dotted(s: &str) -> String {
    if s.ends_with('.') {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

/// Split `s` at the first `n - 1` spaces into exactly `n` fields.
fn fields(s: &str, n: usize) -> Result<Vec<&str>, String> {
    let parts: Vec<&str> = s.splitn(n, ' ').collect();
    if parts.len() == n {
        Ok(parts)
    } else {
        Err(format!("the answer {s:?} does not have {n} fields"))
    }
}

/// One `short_answers` entry as octoDNS data (what octodns-ns1's `_data_for_<TYPE>` makes).
pub fn value_data(t: &str, answer: &str) -> Result<J, String> {
    let a = if DOTTED.contains(&t) {
        dotted(answer)
    } else {
        answer.to_string()
    };
    Ok(match t {
        "TXT" | "SPF" => J::String(a.replace(';', "\\;")),
        "CAA" => {
            let f = fields(&a, 3)?;
            json!({"flags": f[0], "tag": f[1], "value": f[2]})
        }
        "MX" => {
            let f = fields(&a, 2)?;
            json!({"preference": f[0], "exchange": f[1]})
        }
        "NAPTR" => {
            let f = fields(&a, 6)?;
            json!({"order": f[0], "preference": f[1], "flags": f[2], "service": f[3],
                   "regexp": f[4], "replacement": f[5]})
        }
        "SRV" => {
            let f = fields(&a, 4)?;
            json!({"priority": f[0], "weight": f[1], "port": f[2], "target": f[3]})
        }
        "URLFWD" => {
            let f = fields(&a, 5)?;
            json!({"path": f[0], "target": f[1], "code": f[2], "masking": f[3], "query": f[4]})
        }
        "DS" => {
            let f = fields(&a, 4)?;
            json!({"key_tag": f[0], "algorithm": f[1], "digest_type": f[2], "digest": f[3]})
        }
        "TLSA" => {
            let f = fields(&a, 4)?;
            json!({"certificate_usage": f[0], "selector": f[1], "matching_type": f[2],
                   "certificate_association_data": f[3]})
        }
        _ => J::String(a),
    })
}

/// One value as NS1's answer fields (octodns-ns1's `_params_for_<TYPE>`).
pub fn answer(v: &Value) -> J {
    match v {
        Value::Text(t) => json!([txt_raw(t)]),
        Value::Caa(c) => json!([c.flags, c.tag, c.value]),
        Value::Mx(m) => json!([m.preference, m.exchange]),
        Value::Naptr(n) => {
            json!([
                n.order,
                n.preference,
                n.flags,
                n.service,
                n.regexp,
                n.replacement
            ])
        }
        Value::Srv(s) => json!([s.priority, s.weight, s.port, s.target]),
        Value::Urlfwd(u) => json!([u.path, u.target, u.code, u.masking, u.query]),
        Value::Ds(d) => json!([d.key_tag, d.algorithm, d.digest_type, d.digest]),
        Value::Tlsa(t) => json!([
            t.certificate_usage,
            t.selector,
            t.matching_type,
            t.certificate_association_data
        ]),
        other => json!([other.to_rdata()]),
    }
}

/// A plain record's body fields: its answers and TTL; for the types that can be dynamic,
/// empty filters and regions too, so a record that was dynamic becomes plain.
pub fn plain_body(r: &RecordSet) -> serde_json::Map<String, J> {
    let mut m = serde_json::Map::new();
    let answers: Vec<J> = r
        .values
        .iter()
        .map(|v| json!({ "answer": answer(v) }))
        .collect();
    m.insert("answers".into(), J::Array(answers));
    m.insert("ttl".into(), r.ttl.into());
    if matches!(
        r.rtype,
        RecordType::A
            | RecordType::Aaaa
            | RecordType::Ns
            | RecordType::Cname
            | RecordType::Alias
            | RecordType::Dname
    ) {
        m.insert("filters".into(), json!([]));
        m.insert("regions".into(), json!({}));
    }
    m
}

/// The answer fields NS1 lists for a value (`short_answers` is each answer's fields joined by
/// spaces): how octodns-ns1 would read back what `answer` sends.
pub fn short_answer(fields: &J) -> String {
    match fields {
        J::Array(a) => a
            .iter()
            .map(|x| match x {
                J::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(" "),
        J::String(s) => s.clone(),
        other => other.to_string(),
    }
}
