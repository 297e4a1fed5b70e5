//! Record content as the PowerDNS HTTP API wants it, and rrsets read back into the model.
//!
//! PowerDNS 4.x does not normalise what it is sent: it parses each `content`, renders it again
//! and refuses the record (422 "Not in expected format (parsed as '…')") unless the two agree.
//! So content must be written in exactly PowerDNS's own presentation format. That is the
//! model's `to_rdata()` for every type but three:
//!
//! - LOC: seconds with three decimals, altitude and sizes with two and an `m` (octodns-powerdns
//!   writes the same `%d %d %0.3f %s … %0.2fm` form);
//! - SVCB/HTTPS: `ech` and `keyNNNNN` values quoted, the others bare;
//! - OPENPGPKEY: the bare base64 (the model's `to_rdata()` quotes it like TXT).
//!
//! Reading goes through `model::rdata::parse`, which accepts PowerDNS's format for every type
//! (TXT/SPF content is quoted presentation format, names are absolute).

use serde_json::Value as J;

use crate::model::rdata;
use crate::model::value::{JsonOrd, SvcParam, Svcb, svcparam_key_order};
use crate::model::{RecordSet, RecordType, Value, Zone};

/// The prefix of types the model does not carry (LUA, HINFO, …), octoDNS's naming for
/// provider-specific types: `PowerDnsProvider/LUA`.
pub const OTHER_PREFIX: &str = "PowerDnsProvider/";

/// One value as PowerDNS content.
pub fn content(rtype: &RecordType, v: &Value) -> String {
    match (rtype, v) {
        (RecordType::Openpgpkey, Value::Text(t)) => t.clone(),
        (_, Value::Loc(l)) => l.fixed_text(),
        (_, Value::Svcb(s)) => svcb(s),
        _ => v.to_rdata(),
    }
}

/// SVCB/HTTPS in PowerDNS's form: keys in wire order, `ech` and unknown (`keyNNNNN`) values
/// quoted, list values joined with commas.
fn svcb(s: &Svcb) -> String {
    let mut out = format!("{} {}", s.svcpriority, s.targetname);
    let mut keys: Vec<&String> = s.svcparams.keys().collect();
    keys.sort_by_key(|k| (svcparam_key_order(k), k.as_str()));
    for k in keys {
        out.push(' ');
        out.push_str(k);
        let quoted = k == "ech" || k.starts_with("key");
        let text = match &s.svcparams[k] {
            SvcParam::None => continue,
            SvcParam::One(x) => x.clone(),
            SvcParam::List(l) => l.join(","),
        };
        out.push('=');
        if quoted {
            out.push('"');
            for c in text.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        } else {
            out.push_str(&text);
        }
    }
    out
}

/// The API's `records` list for a record set (`fqdn`: its name, for health check hosts).
pub fn records(r: &RecordSet, fqdn: &str) -> J {
    if let Some(c) = super::lua::content(r, fqdn).filter(|_| super::lua::is_lua_type(&r.rtype)) {
        return serde_json::json!([{"content": c, "disabled": false}]);
    }
    J::Array(
        r.values
            .iter()
            .map(|v| serde_json::json!({"content": content(&r.rtype, v), "disabled": false}))
            .collect(),
    )
}

/// One rrset of `GET …/zones/{zone}` as a record set. `Ok(None)`: nothing to keep (the SOA,
/// an rrset whose records are all disabled, or a name outside the zone).
pub fn rrset(zone: &Zone, rrset: &J) -> Result<Option<RecordSet>, String> {
    let name = rrset.get("name").and_then(J::as_str).unwrap_or_default();
    let ty = rrset.get("type").and_then(J::as_str).unwrap_or_default();
    if ty == "SOA" {
        return Ok(None);
    }
    let Some(rel) = zone.relative(name) else {
        return Ok(None);
    };
    let ttl = rrset.get("ttl").and_then(J::as_u64).unwrap_or(0);
    let ttl = u32::try_from(ttl).unwrap_or(u32::MAX);
    // disabled records are not served: they are not part of what the zone holds
    let contents: Vec<&str> = rrset
        .get("records")
        .and_then(J::as_array)
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|r| !r.get("disabled").and_then(J::as_bool).unwrap_or(false))
        .filter_map(|r| r.get("content").and_then(J::as_str))
        .collect();
    if contents.is_empty() {
        return Ok(None);
    }
    // a dynamic record dnsplan or octodns-powerdns wrote: one LUA record with our marker
    if ty == "LUA"
        && contents.len() == 1
        && let Some((rtype, values, dynamic)) =
            super::lua::decode(contents[0]).map_err(|e| format!("{name} LUA: {e}"))?
    {
        let mut rs = RecordSet::new(rel, rtype, ttl, values);
        rs.dynamic = Some(dynamic);
        return Ok(Some(rs));
    }
    let (rtype, values) = match RecordType::core(ty).filter(|t| *t != RecordType::Urlfwd) {
        Some(t) => {
            let mut values = Vec::with_capacity(contents.len());
            for c in contents {
                let text = match t {
                    RecordType::Txt | RecordType::Spf => split_long_strings(c),
                    _ => c.to_string(),
                };
                values.push(rdata::parse(&t, &text).map_err(|e| format!("{name} {ty}: {e}"))?);
            }
            (t, values)
        }
        // kept as data, so a plan never deletes what it cannot describe
        None => (
            RecordType::Other(format!("{OTHER_PREFIX}{ty}").into()),
            contents
                .into_iter()
                .map(|c| Value::Data(JsonOrd(J::String(c.to_string()))))
                .collect(),
        ),
    };
    Ok(Some(RecordSet::new(rel, rtype, ttl, values)))
}

/// PowerDNS accepts and stores TXT character-strings longer than 255 octets (octodns-powerdns
/// writes a long value as one string) and splits them when it answers. Split them the same
/// way here, so they read as the value they serve: quoted strings are cut every 255 octets
/// (an escape is one octet and is never cut).
pub fn split_long_strings(content: &str) -> String {
    let mut out = String::with_capacity(content.len() + 8);
    let mut chars = content.chars().peekable();
    let mut quoted = false;
    let mut octets = 0usize;
    while let Some(c) = chars.next() {
        if !quoted {
            if c == '"' {
                quoted = true;
                octets = 0;
            }
            out.push(c);
            continue;
        }
        if c == '"' {
            quoted = false;
            out.push(c);
            continue;
        }
        // one octet (or one character) of the string, with its escape
        let mut piece = String::from(c);
        let mut n = c.len_utf8();
        if c == '\\' {
            if chars.peek().is_some_and(char::is_ascii_digit) {
                for _ in 0..3 {
                    if let Some(d) = chars.next_if(char::is_ascii_digit) {
                        piece.push(d);
                    }
                }
            } else if let Some(e) = chars.next() {
                piece.push(e);
            }
            n = 1;
        }
        if octets + n > 255 {
            out.push_str("\" \"");
            octets = 0;
        }
        out.push_str(&piece);
        octets += n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(s: &str) -> RecordType {
        RecordType::parse(s).unwrap()
    }

    /// Content as PowerDNS stores it → value → the same content again.
    fn round_trip(ty: &str, text: &str) {
        let v = rdata::parse(&t(ty), text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(content(&t(ty), &v), text, "{ty}");
    }

    #[test]
    fn content_is_powerdns_canonical_form() {
        round_trip(
            "LOC",
            "51 30 12.748 N 0 7 39.611 W 0.00m 1.00m 10000.00m 10.00m",
        );
        round_trip(
            "LOC",
            "51 30 12.000 N 0 7 39.000 W -10.50m 1.00m 10000.00m 10.00m",
        );
        round_trip(
            "SVCB",
            "1 . mandatory=alpn,port alpn=h3,h2 no-default-alpn port=8443 \
             ipv4hint=192.0.2.1,192.0.2.2 ech=\"AEX+DQBB\" ipv6hint=2001:db8::1 key65000=\"abc\"",
        );
        round_trip("HTTPS", "0 svc.example.test.");
        round_trip("TXT", "\"v=spf1; -all\"");
        round_trip("TXT", "\"x\\\\y\\\"z\"");
        round_trip("TXT", "\"\"");
        round_trip(
            "OPENPGPKEY",
            "mQINBFit2jsBEADrbl5vjVxYeAE0g0IDYCBpHirv1Sjlqxx5gjtPhb2YE8==",
        );
        round_trip("CAA", "128 tbs \"Unknown\"");
        round_trip("MX", "0 .");
        round_trip("SRV", "0 0 0 .");
        round_trip("URI", "10 1 \"https://example.com/path\"");
        round_trip(
            "NAPTR",
            "100 10 \"S\" \"SIP+D2U\" \"!^.*$!sip:customer-service@example.com!\" _sip._udp.example.com.",
        );
        round_trip("DS", "60485 5 1 2bb183af5f22588179a53b0a98631fad1a292118");
    }

    #[test]
    fn long_character_strings_are_split_as_powerdns_serves_them() {
        let a300 = "a".repeat(300);
        assert_eq!(
            split_long_strings(&format!("\"{a300}\"")),
            format!("\"{}\" \"{}\"", "a".repeat(255), "a".repeat(45))
        );
        // escapes count as one octet and are never cut
        let s = format!("\"{}\\;b\\\"c\\065\"", "a".repeat(254));
        assert_eq!(
            split_long_strings(&s),
            format!("\"{}\\;\" \"b\\\"c\\065\"", "a".repeat(254))
        );
        assert_eq!(split_long_strings("\"short\" \"x\""), "\"short\" \"x\"");
        let zone = Zone::new("example.test.");
        let r = rrset(
            &zone,
            &json!({"name": "example.test.", "type": "TXT", "ttl": 300, "records": [
                {"content": format!("\"{a300}\""), "disabled": false}]}),
        )
        .unwrap()
        .unwrap();
        assert_eq!(r.values, [Value::Text(a300)]);
    }

    #[test]
    fn rrsets_become_record_sets() {
        let zone = Zone::new("example.test.");
        let r = rrset(
            &zone,
            &json!({"name": "WWW.example.test.", "type": "A", "ttl": 60, "records": [
                {"content": "192.0.2.2", "disabled": false},
                {"content": "192.0.2.1", "disabled": false},
                {"content": "192.0.2.9", "disabled": true}]}),
        )
        .unwrap()
        .unwrap();
        assert_eq!(r.name, "www");
        assert_eq!(r.rdata(), ["192.0.2.1", "192.0.2.2"]);
        // TXT: presentation format, `;` escaped internally, chunks joined
        let r = rrset(
            &zone,
            &json!({"name": "example.test.", "type": "TXT", "ttl": 300, "records": [
                {"content": "\"v=spf1; \" \"-all\"", "disabled": false}]}),
        )
        .unwrap()
        .unwrap();
        assert_eq!(r.name, "");
        assert_eq!(r.values, [Value::Text("v=spf1\\; -all".into())]);
        // SOA, disabled-only and out-of-zone rrsets are skipped
        for skipped in [
            json!({"name": "example.test.", "type": "SOA", "ttl": 1, "records": [
                {"content": "a. b. 1 2 3 4 5", "disabled": false}]}),
            json!({"name": "x.example.test.", "type": "A", "ttl": 1, "records": [
                {"content": "192.0.2.1", "disabled": true}]}),
            json!({"name": "x.other.test.", "type": "A", "ttl": 1, "records": [
                {"content": "192.0.2.1", "disabled": false}]}),
        ] {
            assert!(rrset(&zone, &skipped).unwrap().is_none(), "{skipped}");
        }
        // unknown types are data, under octoDNS's provider-specific name
        let r = rrset(
            &zone,
            &json!({"name": "lua.example.test.", "type": "LUA", "ttl": 60, "records": [
                {"content": "A \"pickrandom({'192.0.2.1'})\"", "disabled": false}]}),
        )
        .unwrap()
        .unwrap();
        assert_eq!(r.rtype.as_str(), "PowerDnsProvider/LUA");
        assert_eq!(r.rdata(), ["A \"pickrandom({'192.0.2.1'})\""]);
        // garbage in a known type is an error naming the record
        let e = rrset(
            &zone,
            &json!({"name": "bad.example.test.", "type": "MX", "ttl": 60, "records": [
                {"content": "ten mx.example.test.", "disabled": false}]}),
        )
        .unwrap_err();
        assert!(e.contains("bad.example.test. MX"), "{e}");
    }
}
