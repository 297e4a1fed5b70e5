//! Dynamic A/AAAA/CNAME records as PowerDNS `LUA` rrsets, in octodns-powerdns 1.2's layout.
//!
//! One dynamic record is one `LUA` rrset holding one record, `TYPE "script"`. The script
//! starts with `;` (PowerDNS prepends `return ` to a script that does not) and a marker
//! comment carrying the whole `dynamic` payload, so it reads back exactly:
//!
//! ```text
//! ;-- octodns-dynamic:v1:<urlsafe base64 of the sorted, compact JSON of dynamic>
//! if (netmask({'10.0.0.0/8'})) or (continent('EU')) then return pickwhashed({{1, '192.0.2.1'}})
//! elseif (country('US') and region('CA')) then return pickwhashed({{5, '192.0.2.2'}})
//! end
//! return pickwhashed({{1, '192.0.2.3'}})
//! ```
//!
//! - Without health checks (the default) the text is byte for byte what octodns-powerdns
//!   writes: a rule's pool and its fallback chain flattened into one `pickwhashed` (nothing
//!   is ever down, so fallbacks only share traffic; that is octodns-powerdns's choice).
//! - When the record's `values` are not the catch-all pool's values, a second comment
//!   `-- dnsplan-values:v1:<base64 JSON list>` keeps them, so a re-plan shows no change
//!   (octodns-powerdns derives `values` from the catch-all pool and ignores the line).
//! - With an explicit `octodns.healthcheck` on an A/AAAA record (protocol HTTP, HTTPS or
//!   TCP), each pool of the chain is checked in turn with `ifurlup` / `ifportup`; the first
//!   pool with a value up answers (weighted among its up values), and the record's own
//!   `values` answer when everything is down. PowerDNS 4.7's `ifurlup` cannot report "none
//!   up" (no `backupSelector='empty'`), so a sentinel address that can never be up
//!   (255.255.255.255 / `100::`, discard prefix) is checked as a second set: with
//!   `backupSelector='all'` it comes back only when all else is down. octoDNS itself reads
//!   such a record like any other (it only decodes the marker).
//! - Rules: subnets as `netmask({...})`, geos as `continent('EU')`, `country('DE')` or
//!   `country('US') and region('CA')`, joined with `or`, in rule order; the catch-all rule
//!   is the final `return` (no catch-all: the record's values).

use data_encoding::BASE64URL;
use serde_json::Value as J;

use crate::model::{Dynamic, Pool, PoolValue, RecordSet, RecordType, Rule, Status, Value, rdata};

pub const DYNAMIC_MARKER: &str = ";-- octodns-dynamic:v1:";
/// A Lua comment (PowerDNS strips only the script's first `;`; LuaJIT/Lua 5.1 refuses an
/// empty statement `;` anywhere else).
pub const VALUES_MARKER: &str = "-- dnsplan-values:v1:";

/// Record types written as LUA when dynamic.
pub fn is_lua_type(t: &RecordType) -> bool {
    matches!(t, RecordType::A | RecordType::Aaaa | RecordType::Cname)
}

/// The rrset type a record is stored as: `LUA` for a dynamic A/AAAA/CNAME.
pub fn stored_type(r: &RecordSet) -> String {
    if r.dynamic.is_some() && is_lua_type(&r.rtype) {
        "LUA".into()
    } else {
        r.rtype.as_str().to_string()
    }
}

/// JSON text as Python's `json.dumps(…, sort_keys=True, separators=(',', ':'))` writes it
/// (`ensure_ascii`: everything past ASCII as `\uXXXX`, surrogate pairs beyond the BMP).
pub fn python_json(v: &J) -> String {
    // serde_json's Map is ordered by key (no preserve_order feature): keys come out sorted
    let s = serde_json::to_string(v).expect("JSON serialises");
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u16; 2];
            for u in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    out
}

/// A Lua single-quoted string literal. Values are IPs and host names; anything that could
/// end the string, or PowerDNS's surrounding `"…"`, is written as a decimal escape.
fn lua_str(s: &str) -> String {
    let mut out = String::from("'");
    for b in s.bytes() {
        if b == b'\'' || b == b'"' || b == b'\\' || !(0x20..0x7f).contains(&b) {
            out.push_str(&format!("\\{b:03}"));
        } else {
            out.push(b as char);
        }
    }
    out.push('\'');
    out
}

fn geo_condition(code: &str) -> String {
    let parts: Vec<&str> = code.split('-').collect();
    match parts.as_slice() {
        [_, country, province] => {
            format!(
                "country({}) and region({})",
                lua_str(country),
                lua_str(province)
            )
        }
        [_, country] => format!("country({})", lua_str(country)),
        _ => format!("continent({})", lua_str(code)),
    }
}

fn rule_condition(rule: &Rule) -> String {
    let mut parts = Vec::new();
    if !rule.subnets.is_empty() {
        let entries: Vec<String> = rule.subnets.iter().map(|s| lua_str(s)).collect();
        parts.push(format!("(netmask({{{}}}))", entries.join(", ")));
    }
    for g in &rule.geos {
        parts.push(format!("({})", geo_condition(g)));
    }
    parts.join(" or ")
}

fn weighted(values: &[&PoolValue]) -> String {
    let entries: Vec<String> = values
        .iter()
        .map(|v| format!("{{{}, {}}}", v.weight, lua_str(&v.value.to_rdata())))
        .collect();
    format!("{{{}}}", entries.join(", "))
}

/// The marker payload: octoDNS's `dynamic._data()` as compact sorted JSON, URL-safe base64.
pub fn payload(d: &Dynamic) -> String {
    BASE64URL.encode(python_json(&d.to_data()).as_bytes())
}

/// How a record's pools are health checked (None: not at all).
fn health_fn(r: &RecordSet, fqdn: &str) -> Option<String> {
    if !r.settings.raw.contains_key("healthcheck")
        || !matches!(r.rtype, RecordType::A | RecordType::Aaaa)
    {
        return None;
    }
    let hc = r.settings.healthcheck(fqdn);
    let port = hc.port.unwrap_or(443);
    match hc.protocol.as_str() {
        "HTTP" | "HTTPS" => {
            let host = hc.host.unwrap_or_default();
            let path = hc.path.unwrap_or_else(|| "/".into());
            let path = if path.starts_with('/') {
                path
            } else {
                format!("/{path}")
            };
            let url = format!("{}://{host}:{port}{path}", hc.protocol.to_ascii_lowercase());
            Some(format!("ifurlup({}, ", lua_str(&url)))
        }
        "TCP" => Some(format!("ifportup({port}, ")),
        _ => None,
    }
}

/// Catch-all pool of a dynamic record, if any.
fn catch_all(d: &Dynamic) -> Option<&str> {
    d.rules
        .iter()
        .find(|r| r.is_catch_all())
        .map(|r| r.pool.as_str())
}

/// The values of the catch-all pool, as octodns-powerdns derives a record's values.
fn catch_all_values(d: &Dynamic) -> Option<Vec<Value>> {
    let pool = d.pools.get(catch_all(d)?)?;
    let mut v: Vec<Value> = pool.values.iter().map(|v| v.value.clone()).collect();
    v.sort();
    v.dedup();
    Some(v)
}

/// The script of a dynamic record (None: the record is not dynamic).
pub fn script(r: &RecordSet, fqdn: &str) -> Option<String> {
    let d = r.dynamic.as_ref()?;
    let mut lines = vec![format!("{DYNAMIC_MARKER}{}", payload(d))];
    let mut values = r.values.clone();
    values.sort();
    if catch_all_values(d).as_ref() != Some(&values) {
        let list: Vec<J> = values.iter().map(|v| J::String(v.to_rdata())).collect();
        lines.push(format!(
            "{VALUES_MARKER}{}",
            BASE64URL.encode(python_json(&J::Array(list)).as_bytes())
        ));
    }
    let chain = |pool: &str| -> Vec<Vec<&PoolValue>> {
        d.fallback_chain(pool)
            .iter()
            .filter_map(|p| d.pools.get(*p))
            .map(|p: &Pool| p.values.iter().collect())
            .collect()
    };
    let health = health_fn(r, fqdn);
    let pick = |pool: &str| -> String {
        let pools = chain(pool);
        if health.is_some() {
            let sets: Vec<String> = pools.iter().map(|p| weighted(p)).collect();
            format!("pick({{{}}})", sets.join(", "))
        } else {
            let flat: Vec<&PoolValue> = pools.into_iter().flatten().collect();
            format!("pickwhashed({})", weighted(&flat))
        }
    };
    let defaults = {
        let v: Vec<String> = values.iter().map(|v| lua_str(&v.to_rdata())).collect();
        format!("{{{}}}", v.join(", "))
    };
    if let Some(check) = &health {
        let sentinel = if r.rtype == RecordType::Aaaa {
            "'100::'"
        } else {
            "'255.255.255.255'"
        };
        lines.push(format!(
            "local function up(vs) local a, w = {{}}, {{}} for _, v in ipairs(vs) do \
             table.insert(a, v[2]) w[v[2]] = v[1] end local r = {check}{{a, {{{sentinel}}}}}, \
             {{selector='all', backupSelector='all'}}) if type(r) == 'string' then r = {{r}} end \
             local out = {{}} for _, x in ipairs(r) do if x == {sentinel} then return nil end \
             if w[x] then table.insert(out, {{w[x], x}}) end end if #out == 0 then return nil end \
             return pickwhashed(out) end"
        ));
        lines.push(format!(
            "local function pick(ps) for _, p in ipairs(ps) do local v = up(p) if v then \
             return v end end return {defaults} end"
        ));
    }
    let conditional: Vec<&Rule> = d.rules.iter().filter(|r| !r.is_catch_all()).collect();
    for (i, rule) in conditional.iter().enumerate() {
        let kw = if i == 0 { "if" } else { "elseif" };
        lines.push(format!(
            "{kw} {} then return {}",
            rule_condition(rule),
            pick(&rule.pool)
        ));
    }
    if !conditional.is_empty() {
        lines.push("end".into());
    }
    match catch_all(d) {
        Some(p) => lines.push(format!("return {}", pick(p))),
        None => lines.push(format!("return {defaults}")),
    }
    Some(lines.join("\n"))
}

/// The rrset content of a dynamic record: `TYPE "script"`.
pub fn content(r: &RecordSet, fqdn: &str) -> Option<String> {
    Some(format!("{} \"{}\"", r.rtype.as_str(), script(r, fqdn)?))
}

fn marker<'a>(script: &'a str, prefix: &str) -> Option<&'a str> {
    let start = script.find(prefix)? + prefix.len();
    let rest = &script[start..];
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '='))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// A LUA record that carries dnsplan's markers but cannot be read back.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("malformed {which} marker: {fault}")]
    Marker {
        /// `dynamic` or `values`.
        which: &'static str,
        fault: PayloadFault,
    },
    #[error("missing pools")]
    NoPools,
    #[error("missing rules")]
    NoRules,
    #[error("a value is not a string")]
    ValueNotString,
    #[error("{text:?}: {source}")]
    Value {
        text: String,
        #[source]
        source: Box<rdata::RdataError>,
    },
    #[error("the values marker is not a list")]
    ValuesNotList,
    #[error("dynamic payload has no catch-all rule")]
    NoCatchAll,
}

/// Why a marker's payload (base64url of JSON) does not decode.
#[derive(Debug, thiserror::Error)]
pub enum PayloadFault {
    #[error("bad base64: {0}")]
    Base64(#[source] data_encoding::DecodeError),
    #[error("bad JSON: {0}")]
    Json(#[source] serde_json::Error),
}

fn decode_b64_json(text: &str, which: &'static str) -> Result<J, DecodeError> {
    let at = |fault| DecodeError::Marker { which, fault };
    let raw = BASE64URL
        .decode(text.as_bytes())
        .or_else(|_| data_encoding::BASE64URL_NOPAD.decode(text.trim_end_matches('=').as_bytes()))
        .map_err(|e| at(PayloadFault::Base64(e)))?;
    serde_json::from_slice(&raw).map_err(|e| at(PayloadFault::Json(e)))
}

fn parse_value(t: &RecordType, j: &J) -> Result<Value, DecodeError> {
    let s = j.as_str().ok_or(DecodeError::ValueNotString)?;
    rdata::parse(t, s).map_err(|e| DecodeError::Value {
        text: s.to_string(),
        source: Box::new(e),
    })
}

/// octoDNS's dynamic data shape (as in the marker) → the model, normalised as the YAML
/// loader normalises it.
pub fn dynamic_from_data(t: &RecordType, d: &J) -> Result<Dynamic, DecodeError> {
    let pools_j = d
        .get("pools")
        .and_then(J::as_object)
        .ok_or(DecodeError::NoPools)?;
    let rules_j = d
        .get("rules")
        .and_then(J::as_array)
        .ok_or(DecodeError::NoRules)?;
    let mut pools = std::collections::BTreeMap::new();
    for (id, p) in pools_j {
        let mut values = Vec::new();
        for v in p
            .get("values")
            .and_then(J::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            values.push(PoolValue {
                value: parse_value(t, v.get("value").unwrap_or(&J::Null))?,
                weight: v
                    .get("weight")
                    .and_then(J::as_u64)
                    .unwrap_or(1)
                    .min(u32::MAX as u64) as u32,
                status: v
                    .get("status")
                    .and_then(J::as_str)
                    .and_then(Status::parse)
                    .unwrap_or(Status::Obey),
            });
        }
        values.sort();
        if values.len() == 1 {
            values[0].weight = 1;
        }
        let fallback = p
            .get("fallback")
            .and_then(J::as_str)
            .filter(|f| *f != "default")
            .map(str::to_string);
        pools.insert(id.clone(), Pool { fallback, values });
    }
    let strs = |j: Option<&J>| -> Vec<String> {
        let mut v: Vec<String> = j
            .and_then(J::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect();
        v.sort();
        v
    };
    let rules = rules_j
        .iter()
        .map(|r| Rule {
            pool: r.get("pool").and_then(J::as_str).unwrap_or_default().into(),
            geos: strs(r.get("geos")),
            subnets: strs(r.get("subnets")),
        })
        .collect();
    Ok(Dynamic { pools, rules })
}

/// A LUA record's content back into (type, values, dynamic). `Ok(None)`: not ours (no
/// marker, or not a dynamic-capable type); `Err`: our marker, but broken.
pub fn decode(content: &str) -> Result<Option<(RecordType, Vec<Value>, Dynamic)>, DecodeError> {
    let Some((ty, script)) = content.split_once(' ') else {
        return Ok(None);
    };
    let Some(rtype) = RecordType::core(ty).filter(is_lua_type) else {
        return Ok(None);
    };
    let Some(script) = script.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return Ok(None);
    };
    let Some(text) = marker(script, DYNAMIC_MARKER) else {
        return Ok(None);
    };
    let data = decode_b64_json(text, "dynamic")?;
    let dynamic = dynamic_from_data(&rtype, &data)?;
    let mut values = match marker(script, VALUES_MARKER) {
        Some(text) => {
            let list = decode_b64_json(text, "values")?;
            list.as_array()
                .ok_or(DecodeError::ValuesNotList)?
                .iter()
                .map(|v| parse_value(&rtype, v))
                .collect::<Result<Vec<_>, _>>()?
        }
        None => catch_all_values(&dynamic).ok_or(DecodeError::NoCatchAll)?,
    };
    values.sort();
    values.dedup();
    if rtype == RecordType::Cname {
        values.truncate(1);
    }
    Ok(Some((rtype, values, dynamic)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn dynamic_a() -> RecordSet {
        let d = dynamic_from_data(
            &RecordType::A,
            &json!({
                "pools": {
                    "eu": {"values": [{"value": "192.0.2.10", "weight": 3},
                                      {"value": "192.0.2.11"}], "fallback": "us"},
                    "us": {"values": [{"value": "192.0.2.20"}]},
                    "office": {"values": [{"value": "192.0.2.30"}]},
                    "rest": {"values": [{"value": "192.0.2.40"}]}
                },
                "rules": [
                    {"pool": "office", "subnets": ["10.0.0.0/8"]},
                    {"pool": "eu", "geos": ["EU", "AS-JP"]},
                    {"pool": "us", "geos": ["NA-US-CA"]},
                    {"pool": "rest"}
                ]
            }),
        )
        .unwrap();
        let mut r = RecordSet::new(
            "www",
            RecordType::A,
            60,
            vec![Value::Ip("192.0.2.40".into())],
        );
        r.dynamic = Some(d);
        r
    }

    /// The exact text octodns-powerdns 1.2 writes for this record (its `dynamic.encode`).
    const OCTODNS_POWERDNS_TEXT: &str =
        include_str!("../../../tests/fixtures/conformance/dynamic/octodns-powerdns-www.lua");

    #[test]
    fn script_is_octodns_powerdns_layout() {
        let r = dynamic_a();
        let s = script(&r, "www.example.test.").unwrap();
        assert_eq!(s, OCTODNS_POWERDNS_TEXT.trim_end());
        assert!(s.starts_with(";-- octodns-dynamic:v1:"));
        assert!(s.contains(
            "if (netmask({'10.0.0.0/8'})) then return pickwhashed({{1, '192.0.2.30'}})\n\
             elseif (country('JP')) or (continent('EU')) then return pickwhashed({{3, \
             '192.0.2.10'}, {1, '192.0.2.11'}, {1, '192.0.2.20'}})\n\
             elseif (country('US') and region('CA')) then return pickwhashed({{1, \
             '192.0.2.20'}})\nend\nreturn pickwhashed({{1, '192.0.2.40'}})"
        ));
        assert!(!s.contains(VALUES_MARKER));
    }

    #[test]
    fn round_trip_through_the_marker() {
        let r = dynamic_a();
        let c = content(&r, "www.example.test.").unwrap();
        assert!(c.starts_with("A \";-- octodns-dynamic:v1:"), "{c}");
        let (t, values, d) = decode(&c).unwrap().unwrap();
        assert_eq!(t, RecordType::A);
        assert_eq!(values, r.values);
        assert_eq!(Some(d), r.dynamic);
    }

    #[test]
    fn values_other_than_the_catch_all_pool_round_trip() {
        let mut r = dynamic_a();
        r.values = vec![
            Value::Ip("192.0.2.99".into()),
            Value::Ip("192.0.2.98".into()),
        ];
        let c = content(&r, "www.example.test.").unwrap();
        assert!(c.contains(VALUES_MARKER), "{c}");
        let (_, values, d) = decode(&c).unwrap().unwrap();
        assert_eq!(
            values,
            [
                Value::Ip("192.0.2.98".into()),
                Value::Ip("192.0.2.99".into())
            ]
        );
        assert_eq!(Some(d), r.dynamic);
    }

    #[test]
    fn healthchecked_pools_use_ifurlup_and_the_values_when_all_are_down() {
        let mut r = dynamic_a();
        r.settings.raw.insert(
            "healthcheck".into(),
            json!({"protocol": "HTTP", "port": 8080, "path": "/up", "host": "h.test"}),
        );
        let s = script(&r, "www.example.test.").unwrap();
        assert!(
            s.contains("ifurlup('http://h.test:8080/up', {a, {'255.255.255.255'}}"),
            "{s}"
        );
        assert!(s.contains("return {'192.0.2.40'} end"), "{s}");
        // the chain, pool by pool, in fallback order
        assert!(
            s.contains(
                "then return pick({{{3, '192.0.2.10'}, {1, '192.0.2.11'}}, {{1, '192.0.2.20'}}})"
            ),
            "{s}"
        );
        let (_, values, d) = decode(&format!("A \"{s}\"")).unwrap().unwrap();
        assert_eq!(values, r.values);
        assert_eq!(Some(d), r.dynamic);
        r.settings
            .raw
            .insert("healthcheck".into(), json!({"protocol": "TCP", "port": 25}));
        let s = script(&r, "www.example.test.").unwrap();
        assert!(s.contains("ifportup(25, {a, {'255.255.255.255'}}"), "{s}");
    }

    #[test]
    fn other_lua_records_are_not_ours() {
        assert_eq!(decode("A \"pickrandom({'192.0.2.1'})\"").unwrap(), None);
        assert_eq!(decode("TXT \";-- octodns-dynamic:v1:e30=\"").unwrap(), None);
        // our marker with `{}` (no pools), then with a payload that is not base64 or JSON
        assert!(matches!(
            decode("A \";-- octodns-dynamic:v1:e30=\""),
            Err(DecodeError::NoPools)
        ));
        let e = decode("A \";-- octodns-dynamic:v1:bm9wZQ==\"").unwrap_err();
        assert!(
            matches!(
                e,
                DecodeError::Marker {
                    which: "dynamic",
                    fault: PayloadFault::Json(_)
                }
            ),
            "{e:?}"
        );
        assert!(
            e.to_string()
                .starts_with("malformed dynamic marker: bad JSON: "),
            "{e}"
        );
    }

    #[test]
    fn payload_is_python_json() {
        assert_eq!(
            python_json(&json!({"b": 1, "a": ["é", "𝄞"]})),
            r#"{"a":["\u00e9","\ud834\udd1e"],"b":1}"#
        );
    }
}
