//! Azure DNS record sets (REST API 2018-05-01, `RecordSetProperties`) ↔ the model.
//!
//! A record set's data is one array (one object for CNAME) under a type-specific key:
//! `ARecords` `[{ipv4Address}]`, `AAAARecords` `[{ipv6Address}]`, `caaRecords`
//! `[{flags, tag, value}]`, `CNAMERecord` `{cname}`, `MXRecords` `[{preference, exchange}]`,
//! `NSRecords` `[{nsdname}]`, `PTRRecords` `[{ptrdname}]`, `SRVRecords`
//! `[{priority, weight, port, target}]`, `TXTRecords` `[{value: [string, …]}]`; `TTL` beside
//! them. The apex is named `@`.
//!
//! What octodns-azure does, and dnsplan with it:
//! - names (CNAME, NS, PTR, MX exchange, SRV target) are read back with a final dot added
//!   when Azure returns them without one, so a zone written by either tool plans clean;
//! - a TXT value is one record whose strings are the value cut into pieces of at most 255
//!   octets (on character boundaries), `\;` unescaped; reading joins the strings and escapes
//!   `;` again. octodns-azure also writes `"` as `\"`, which Azure stores as two characters;
//!   dnsplan writes the text as it is (documented in docs/azure.md);
//! - a record set with a `targetResource` (an alias to a Traffic Manager profile, a public IP,
//!   Front Door…) and no records of its own is not a value dnsplan can hold: it is left out of
//!   the zone (and never deleted); a create at its name fails on the etag precondition.

use serde_json::{Value as J, json};

use crate::model::value::{quote, txt_internal, txt_raw};
use crate::model::{RecordSet, RecordType, Value, rdata};

/// The types Azure DNS (2018-05-01) holds that the model carries. SOA is Azure's own.
pub const TYPES: &[&str] = &["A", "AAAA", "CAA", "CNAME", "MX", "NS", "PTR", "SRV", "TXT"];

/// At most this many records in one record set (Azure DNS limits, public zones).
pub const MAX_RECORDS: usize = 20;

/// The JSON key holding a type's records.
pub fn key(rtype: &str) -> Option<&'static str> {
    Some(match rtype {
        "A" => "ARecords",
        "AAAA" => "AAAARecords",
        "CAA" => "caaRecords",
        "CNAME" => "CNAMERecord",
        "MX" => "MXRecords",
        "NS" => "NSRecords",
        "PTR" => "PTRRecords",
        "SRV" => "SRVRecords",
        "TXT" => "TXTRecords",
        "SOA" => "SOARecord",
        _ => return None,
    })
}

/// The record set's type: the last segment of `Microsoft.Network/dnszones/A`.
pub fn type_of(rs: &J) -> Option<&str> {
    rs.get("type")?.as_str()?.rsplit('/').next()
}

/// The record set's etag (`None` when the server sent none).
pub fn etag(rs: &J) -> Option<&str> {
    rs.get("etag").and_then(J::as_str)
}

/// Does the record set alias another Azure resource instead of holding records?
pub fn is_alias(rs: &J) -> bool {
    rs.pointer("/properties/targetResource/id")
        .and_then(J::as_str)
        .is_some_and(|id| !id.is_empty())
}

/// A relative name as Azure writes it: `@` for the apex.
pub fn azure_name(name: &str) -> &str {
    if name.is_empty() { "@" } else { name }
}

fn dotted(s: &str) -> String {
    if s.ends_with('.') {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

/// Why a record set cannot be read: which one, and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("record set {name} {rtype}: {what}")]
pub struct ReadError {
    pub name: String,
    pub rtype: String,
    pub what: String,
}

fn bad(what: &str, rs: &J) -> ReadError {
    ReadError {
        name: rs
            .get("name")
            .and_then(J::as_str)
            .unwrap_or("?")
            .to_string(),
        rtype: type_of(rs).unwrap_or("?").to_string(),
        what: what.to_string(),
    }
}

/// One Azure record set → a record set of the model (`name` relative, `""` for the apex).
/// `Ok(None)` for what dnsplan does not manage: SOA, alias record sets, types it does not know.
pub fn read(rs: &J) -> Result<Option<RecordSet>, ReadError> {
    let Some(rtype) = type_of(rs) else {
        return Err(bad("no type", rs));
    };
    if rtype == "SOA" || !TYPES.contains(&rtype) {
        return Ok(None);
    }
    let props = rs
        .get("properties")
        .ok_or_else(|| bad("no properties", rs))?;
    let data_key = key(rtype).expect("a known type");
    if is_alias(rs) && props.get(data_key).is_none_or(J::is_null) {
        return Ok(None);
    }
    let name = rs
        .get("name")
        .and_then(J::as_str)
        .ok_or_else(|| bad("no name", rs))?;
    let name = if name == "@" {
        String::new()
    } else {
        name.to_ascii_lowercase()
    };
    let ttl = props
        .get("TTL")
        .and_then(J::as_u64)
        .and_then(|t| u32::try_from(t).ok())
        .ok_or_else(|| bad("no valid TTL", rs))?;
    let t = RecordType::core(rtype).expect("a core type");
    let field = |o: &J, k: &str| -> Result<J, ReadError> {
        o.get(k)
            .filter(|v| !v.is_null())
            .cloned()
            .ok_or_else(|| bad(&format!("a record without `{k}`"), rs))
    };
    let text = |o: &J, k: &str| -> Result<String, ReadError> {
        field(o, k)?
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| bad(&format!("`{k}` is not text"), rs))
    };
    let number = |o: &J, k: &str| -> Result<i64, ReadError> {
        field(o, k)?
            .as_i64()
            .ok_or_else(|| bad(&format!("`{k}` is not a number"), rs))
    };
    let parse = |s: String| -> Result<Value, ReadError> {
        rdata::parse(&t, &s).map_err(|e| bad(&e.to_string(), rs))
    };
    let items: Vec<J> = match props.get(data_key) {
        None | Some(J::Null) => Vec::new(),
        Some(J::Array(a)) => a.clone(),
        Some(o @ J::Object(_)) if rtype == "CNAME" => vec![o.clone()],
        Some(_) => return Err(bad(&format!("`{data_key}` has the wrong shape"), rs)),
    };
    let mut values = Vec::with_capacity(items.len());
    for it in &items {
        let v = match rtype {
            "A" => parse(text(it, "ipv4Address")?)?,
            "AAAA" => parse(text(it, "ipv6Address")?)?,
            "CNAME" => parse(dotted(&text(it, "cname")?))?,
            "NS" => parse(dotted(&text(it, "nsdname")?))?,
            "PTR" => parse(dotted(&text(it, "ptrdname")?))?,
            "MX" => parse(format!(
                "{} {}",
                number(it, "preference")?,
                dotted(&text(it, "exchange")?)
            ))?,
            "SRV" => parse(format!(
                "{} {} {} {}",
                number(it, "priority")?,
                number(it, "weight")?,
                number(it, "port")?,
                dotted(&text(it, "target")?)
            ))?,
            "CAA" => parse(format!(
                "{} {} {}",
                number(it, "flags")?,
                text(it, "tag")?,
                quote(&text(it, "value")?)
            ))?,
            "TXT" => {
                let strings = field(it, "value")?;
                let strings = strings
                    .as_array()
                    .ok_or_else(|| bad("a TXT `value` that is not a list", rs))?;
                let mut joined = String::new();
                for s in strings {
                    joined.push_str(s.as_str().ok_or_else(|| bad("a TXT string", rs))?);
                }
                Value::Text(txt_internal(&joined))
            }
            _ => unreachable!("TYPES"),
        };
        values.push(v);
    }
    let mut r = RecordSet::new(name, t, ttl, values);
    if let Some(e) = etag(rs) {
        r.provider_data = Some(std::sync::Arc::new(json!({ "etag": e })));
    }
    Ok(Some(r))
}

/// `text` cut into pieces of at most 255 octets, on character boundaries.
fn txt_strings(text: &str) -> Vec<String> {
    if text.is_empty() {
        return vec![String::new()];
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    for ch in text.chars() {
        if cur.len() + ch.len_utf8() > 255 {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(ch);
    }
    out.push(cur);
    out
}

/// The `properties` of the record set that holds `r` (`TTL` and the records).
pub fn properties(r: &RecordSet) -> J {
    let rtype = r.rtype.as_str();
    let item = |v: &Value| -> J {
        match (rtype, v) {
            ("A", Value::Ip(ip)) => json!({ "ipv4Address": ip }),
            ("AAAA", Value::Ip(ip)) => json!({ "ipv6Address": ip }),
            ("CNAME", Value::Target(t)) => json!({ "cname": t }),
            ("NS", Value::Target(t)) => json!({ "nsdname": t }),
            ("PTR", Value::Target(t)) => json!({ "ptrdname": t }),
            ("MX", Value::Mx(m)) => json!({ "preference": m.preference, "exchange": m.exchange }),
            ("SRV", Value::Srv(s)) => json!({
                "priority": s.priority,
                "weight": s.weight,
                "port": s.port,
                "target": s.target,
            }),
            ("CAA", Value::Caa(c)) => json!({ "flags": c.flags, "tag": c.tag, "value": c.value }),
            ("TXT", Value::Text(t)) => json!({ "value": txt_strings(&txt_raw(t)) }),
            // process_desired admits only the types above, with their own values
            (_, other) => json!({ "value": other.to_rdata() }),
        }
    };
    let data_key = key(rtype).unwrap_or("records");
    let records = if rtype == "CNAME" {
        r.values.first().map(item).unwrap_or(J::Null)
    } else {
        J::Array(r.values.iter().map(item).collect())
    };
    json!({ "TTL": r.ttl, data_key: records })
}

/// Do two `properties` hold the same records and TTL (order of records aside)?
pub fn same_records(a: &J, b: &J, rtype: &str) -> bool {
    let Some(k) = key(rtype) else {
        return false;
    };
    let canon = |p: &J| -> (Option<u64>, Vec<String>) {
        let mut items: Vec<String> = match p.get(k) {
            Some(J::Array(a)) => a.iter().map(J::to_string).collect(),
            Some(J::Null) | None => Vec::new(),
            Some(o) => vec![o.to_string()],
        };
        items.sort();
        (p.get("TTL").and_then(J::as_u64), items)
    };
    canon(a) == canon(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rs(name: &str, rtype: &str, props: J) -> J {
        json!({
            "id": format!("/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/dnszones/example.com/{rtype}/{name}"),
            "name": name,
            "type": format!("Microsoft.Network/dnszones/{rtype}"),
            "etag": "e-1",
            "properties": props,
        })
    }

    fn round_trip(name: &str, rtype: &str, props: J) -> RecordSet {
        let r = read(&rs(name, rtype, props.clone())).unwrap().unwrap();
        let back = properties(&r);
        assert!(
            same_records(&back, &props, rtype),
            "{rtype}: {back} != {props}"
        );
        r
    }

    #[test]
    fn every_type_reads_and_writes_back() {
        let a = round_trip(
            "www",
            "A",
            json!({"TTL": 300, "ARecords": [{"ipv4Address": "192.0.2.2"}, {"ipv4Address": "192.0.2.1"}]}),
        );
        assert_eq!(a.rdata(), ["192.0.2.1", "192.0.2.2"]);
        assert_eq!(a.ttl, 300);
        assert_eq!(a.provider_data.as_deref(), Some(&json!({"etag": "e-1"})));
        round_trip(
            "v6",
            "AAAA",
            json!({"TTL": 60, "AAAARecords": [{"ipv6Address": "2001:db8::1"}]}),
        );
        let caa = round_trip(
            "@",
            "CAA",
            json!({"TTL": 3600, "caaRecords": [{"flags": 0, "tag": "issue", "value": "ca.example.net; account=1"}]}),
        );
        assert_eq!(caa.name, "");
        assert_eq!(caa.rdata(), ["0 issue \"ca.example.net; account=1\""]);
        round_trip(
            "alias",
            "CNAME",
            json!({"TTL": 300, "CNAMERecord": {"cname": "www.example.com."}}),
        );
        round_trip(
            "@",
            "MX",
            json!({"TTL": 3600, "MXRecords": [{"preference": 10, "exchange": "mx1.example.com."}]}),
        );
        round_trip(
            "sub",
            "NS",
            json!({"TTL": 86400, "NSRecords": [{"nsdname": "ns1.example.net."}]}),
        );
        round_trip(
            "1",
            "PTR",
            json!({"TTL": 300, "PTRRecords": [{"ptrdname": "host.example.com."}]}),
        );
        round_trip(
            "_sip._tcp",
            "SRV",
            json!({"TTL": 300, "SRVRecords": [{"priority": 10, "weight": 20, "port": 5060, "target": "sip.example.com."}]}),
        );
        let txt = round_trip(
            "@",
            "TXT",
            json!({"TTL": 300, "TXTRecords": [{"value": ["v=spf1 -all"]}, {"value": ["k=v; x"]}]}),
        );
        assert_eq!(
            txt.values,
            [
                Value::Text("k=v\\; x".into()),
                Value::Text("v=spf1 -all".into())
            ]
        );
    }

    #[test]
    fn names_without_a_final_dot_are_read_absolute() {
        let r = read(&rs(
            "@",
            "MX",
            json!({"TTL": 1, "MXRecords": [{"preference": 5, "exchange": "mail.example.com"}]}),
        ))
        .unwrap()
        .unwrap();
        assert_eq!(r.rdata(), ["5 mail.example.com."]);
        let r = read(&rs(
            "x",
            "CNAME",
            json!({"TTL": 1, "CNAMERecord": {"cname": "target.example.net"}}),
        ))
        .unwrap()
        .unwrap();
        assert_eq!(r.rdata(), ["target.example.net."]);
    }

    #[test]
    fn long_txt_is_cut_into_255_octet_strings_and_joined_back() {
        let long = format!("{}é{}", "a".repeat(254), "b".repeat(300));
        let r = RecordSet::new("t", RecordType::Txt, 60, vec![Value::Text(long.clone())]);
        let p = properties(&r);
        let strings = p["TXTRecords"][0]["value"].as_array().unwrap();
        assert_eq!(strings.len(), 3);
        // the two-octet é does not fit in the first string's last octet
        assert_eq!(strings[0].as_str().unwrap().len(), 254);
        assert!(strings.iter().all(|s| s.as_str().unwrap().len() <= 255));
        let back = read(&rs("t", "TXT", p)).unwrap().unwrap();
        assert_eq!(back.values, [Value::Text(long)]);
        let empty = RecordSet::new("t", RecordType::Txt, 60, vec![Value::Text(String::new())]);
        assert_eq!(properties(&empty)["TXTRecords"], json!([{"value": [""]}]));
    }

    #[test]
    fn soa_aliases_and_unknown_types_are_not_managed() {
        let soa = rs(
            "@",
            "SOA",
            json!({"TTL": 3600, "SOARecord": {"host": "ns1-01.azure-dns.com.", "email": "azuredns-hostmaster.microsoft.com"}}),
        );
        assert!(read(&soa).unwrap().is_none());
        let alias = rs(
            "@",
            "A",
            json!({"TTL": 60, "targetResource": {"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/trafficManagerProfiles/p"}}),
        );
        assert!(is_alias(&alias));
        assert!(read(&alias).unwrap().is_none());
        let ds = rs("x", "DS", json!({"TTL": 60}));
        assert!(read(&ds).unwrap().is_none());
        // an empty targetResource is no alias
        let plain = rs(
            "x",
            "A",
            json!({"TTL": 60, "targetResource": {}, "ARecords": []}),
        );
        assert!(!is_alias(&plain));
        assert!(read(&plain).unwrap().unwrap().values.is_empty());
    }

    #[test]
    fn malformed_record_sets_are_errors_naming_them() {
        let e = read(&rs(
            "www",
            "A",
            json!({"TTL": 60, "ARecords": [{"ipv4Address": "not-an-ip"}]}),
        ))
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("record set www A: "), "{e}");
        let e = read(&rs("www", "A", json!({"ARecords": []})))
            .unwrap_err()
            .to_string();
        assert!(e.contains("TTL"), "{e}");
        let e = read(&rs(
            "m",
            "MX",
            json!({"TTL": 1, "MXRecords": [{"exchange": "x."}]}),
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("preference"), "{e}");
        let e = read(&rs(
            "t",
            "TXT",
            json!({"TTL": 1, "TXTRecords": [{"value": "x"}]}),
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("not a list"), "{e}");
    }
}
