//! Cloudflare DNS records (API v4, `dns_records`) ↔ the model, in octodns-cloudflare 1.2's
//! layout, so that a zone written by either tool reads the same through the other.
//!
//! Cloudflare holds one object per value ("DNS record"): `name` (fully qualified, IDNA, no
//! final dot), `type`, `ttl` (`1` is "automatic"), `proxied` (A, AAAA, CNAME), `comment`,
//! `tags`, and the value as `content`, as `data` (structured types) or as `priority` +
//! `content` (MX) / `priority` + `data` (URI). The model's record set is the objects of one
//! name and type.
//!
//! As octodns-cloudflare:
//! - a CNAME at the apex is an ALIAS (Cloudflare flattens it); an ALIAS is written as a CNAME;
//! - TTL `1` reads as 300 with `octodns.cloudflare.auto-ttl: true`; a proxied record also has
//!   `proxied: true` (and its TTL is Cloudflare's); `comment` and `tags` of the first object
//!   go to `octodns.cloudflare` too;
//! - names in values (CNAME, ALIAS, PTR, NS, MX exchange, SRV target) read back with a final
//!   dot, and `.` stays `.`;
//! - values are read from `data` for CAA, LOC, NAPTR, SRV, TLSA and URI, from `content` for
//!   A, AAAA, CNAME, DS, HTTPS, NS, PTR, SSHFP, SVCB and TXT;
//! - the key that pairs an existing object with a desired one is octodns-cloudflare's
//!   `_gen_key` (the value, not the TTL or flags), so an unchanged value keeps its object.
//!
//! TXT content is RFC 1035 character-strings, quoted, at most 255 octets each (what the API
//! description asks for); `"` and `\` are escaped, `;` is unescaped from the model's `\;`.

use serde_json::{Map, Value as J, json};

use crate::model::value::{
    Caa, F64, Loc, Mx, Naptr, Srv, SvcParam, Svcb, Tlsa, Uri, svcparam_key_order, txt_internal,
    txt_rdata,
};
use crate::model::{RecordSet, RecordType, Value, rdata};

/// The types dnsplan manages on Cloudflare: octodns-cloudflare's `SUPPORTS` (without URLFWD,
/// see the docs) and URI, which Cloudflare holds and the model carries.
pub const TYPES: &[&str] = &[
    "A", "AAAA", "ALIAS", "CAA", "CNAME", "DS", "HTTPS", "LOC", "MX", "NAPTR", "NS", "PTR", "SRV",
    "SSHFP", "SVCB", "TLSA", "TXT", "URI",
];

/// Types Cloudflare can proxy.
pub const PROXIABLE: &[&str] = &["A", "AAAA", "ALIAS", "CNAME"];

/// Cloudflare's own settings of a record (`octodns.cloudflare`), as they decide what is
/// written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    pub proxied: bool,
    /// Automatic TTL without the proxy.
    pub auto_ttl: bool,
    pub comment: String,
    /// Sorted, without duplicates.
    pub tags: Vec<String>,
}

impl Flags {
    /// The flags a record's `octodns.cloudflare` asks for (`proxied` only on a type that can
    /// be proxied, as written otherwise; see `process_desired`).
    pub fn of(r: &RecordSet) -> Flags {
        let cf = r.settings.raw.get("cloudflare");
        let get = |k: &str| cf.and_then(|c| c.get(k));
        let proxied = get("proxied").and_then(J::as_bool).unwrap_or(false);
        let auto = get("auto-ttl").and_then(J::as_bool).unwrap_or(false);
        let mut tags: Vec<String> = get("tags")
            .and_then(J::as_array)
            .map(|a| a.iter().filter_map(J::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        tags.sort();
        tags.dedup();
        Flags {
            proxied,
            auto_ttl: auto && !proxied,
            comment: get("comment")
                .and_then(J::as_str)
                .unwrap_or_default()
                .to_string(),
            tags,
        }
    }

    /// The TTL Cloudflare is sent: `1` (automatic) when proxied or auto-ttl.
    pub fn ttl(&self, ttl: u32, min_ttl: u32) -> u32 {
        if self.proxied || self.auto_ttl {
            1
        } else {
            ttl.max(min_ttl)
        }
    }
}

fn dotted(s: &str) -> String {
    if s == "." || s.ends_with('.') {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

fn undotted(s: &str) -> String {
    if s == "." {
        s.to_string()
    } else {
        s.trim_end_matches('.').to_string()
    }
}

/// The record's type as Cloudflare names it (ALIAS is a CNAME there).
pub fn cf_type(t: &RecordType) -> &str {
    match t {
        RecordType::Alias => "CNAME",
        other => other.as_str(),
    }
}

/// The name as Cloudflare writes it: fully qualified, without the final dot.
pub fn cf_name(name: &str, zone: &str) -> String {
    let zone = zone.trim_end_matches('.');
    if name.is_empty() {
        zone.to_string()
    } else {
        format!("{name}.{zone}")
    }
}

/// SVCB/HTTPS parameters as octodns-cloudflare sends them in `data.value`: ` key="v1,v2"`
/// per parameter (a key without value bare), in wire order.
fn svc_params(s: &Svcb) -> String {
    let mut keys: Vec<&String> = s.svcparams.keys().collect();
    keys.sort_by_key(|k| (svcparam_key_order(k), k.as_str()));
    let mut out = String::new();
    for k in keys {
        out.push(' ');
        out.push_str(k);
        let text = match &s.svcparams[k] {
            SvcParam::None => continue,
            SvcParam::One(v) => v.clone(),
            SvcParam::List(l) => l.join(","),
        };
        out.push_str("=\"");
        out.push_str(&text);
        out.push('"');
    }
    out
}

/// The value part of one object (content / data / priority).
fn value_fields(v: &Value, obj: &mut Map<String, J>) {
    let mut put = |k: &str, j: J| {
        obj.insert(k.to_string(), j);
    };
    match v {
        Value::Text(t) => put("content", J::String(txt_rdata(t))),
        Value::Ip(s) | Value::Target(s) => put("content", J::String(s.clone())),
        Value::Mx(m) => {
            put("priority", json!(m.preference));
            put("content", J::String(m.exchange.clone()));
        }
        Value::Caa(c) => put(
            "data",
            json!({"flags": c.flags, "tag": c.tag, "value": c.value}),
        ),
        Value::Ds(d) => put(
            "data",
            json!({"key_tag": d.key_tag, "algorithm": d.algorithm,
                   "digest_type": d.digest_type, "digest": d.digest}),
        ),
        Value::Loc(l) => put(
            "data",
            json!({
                "lat_degrees": l.lat_degrees, "lat_minutes": l.lat_minutes,
                "lat_seconds": l.lat_seconds.0, "lat_direction": l.lat_direction,
                "long_degrees": l.long_degrees, "long_minutes": l.long_minutes,
                "long_seconds": l.long_seconds.0, "long_direction": l.long_direction,
                "altitude": l.altitude.0, "size": l.size.0,
                "precision_horz": l.precision_horz.0, "precision_vert": l.precision_vert.0,
            }),
        ),
        Value::Naptr(n) => put(
            "data",
            json!({"flags": n.flags, "order": n.order, "preference": n.preference,
                   "regex": n.regexp, "replacement": n.replacement, "service": n.service}),
        ),
        Value::Sshfp(s) => put(
            "data",
            json!({"algorithm": s.algorithm, "type": s.fingerprint_type,
                   "fingerprint": s.fingerprint}),
        ),
        Value::Srv(s) => put(
            "data",
            json!({"priority": s.priority, "weight": s.weight, "port": s.port,
                   "target": undotted(&s.target)}),
        ),
        Value::Svcb(s) => put(
            "data",
            json!({"priority": s.svcpriority, "target": s.targetname, "value": svc_params(s)}),
        ),
        Value::Tlsa(t) => put(
            "data",
            json!({"usage": t.certificate_usage, "selector": t.selector,
                   "matching_type": t.matching_type,
                   "certificate": t.certificate_association_data}),
        ),
        Value::Uri(u) => {
            put("priority", json!(u.priority));
            put("data", json!({"weight": u.weight, "target": u.target}));
        }
        // not among TYPES: capabilities keep them out before anything is built
        other => put("content", J::String(other.to_rdata())),
    }
}

/// The objects a record set is written as (octodns-cloudflare's `_gen_data`), in value order.
pub fn objects(r: &RecordSet, zone: &str, min_ttl: u32) -> Vec<J> {
    let flags = Flags::of(r);
    let ttl = flags.ttl(r.ttl, min_ttl);
    let ty = cf_type(&r.rtype);
    r.values
        .iter()
        .map(|v| {
            let mut o = Map::new();
            o.insert("name".into(), J::String(cf_name(&r.name, zone)));
            o.insert("type".into(), J::String(ty.to_string()));
            o.insert("ttl".into(), json!(ttl));
            if PROXIABLE.contains(&ty) {
                o.insert("proxied".into(), J::Bool(flags.proxied));
            }
            if !flags.comment.is_empty() {
                o.insert("comment".into(), J::String(flags.comment.clone()));
            }
            if !flags.tags.is_empty() {
                o.insert("tags".into(), json!(flags.tags));
            }
            value_fields(v, &mut o);
            J::Object(o)
        })
        .collect()
}

fn text(j: Option<&J>) -> String {
    match j {
        Some(J::String(s)) => s.clone(),
        Some(J::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn int(j: Option<&J>) -> Option<i64> {
    match j? {
        J::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        J::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn float(j: Option<&J>) -> Option<f64> {
    match j? {
        J::Number(n) => n.as_f64(),
        J::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The key pairing an object with a value (octodns-cloudflare's `_gen_key`): the value's
/// fields, never the TTL, flags, comment or tags.
pub fn key(o: &J) -> String {
    let d = |k: &str| text(o.pointer(&format!("/data/{k}")));
    match o.get("type").and_then(J::as_str).unwrap_or_default() {
        "MX" => format!("{} {}", text(o.get("priority")), text(o.get("content"))),
        "URI" => format!(
            "{} {} {}",
            text(o.get("priority")),
            d("weight"),
            d("target")
        ),
        "CAA" => format!("{} {} {}", d("flags"), d("tag"), d("value")),
        "SRV" => format!(
            "{} {} {} {}",
            d("port"),
            d("priority"),
            d("target"),
            d("weight")
        ),
        "LOC" => [
            "lat_degrees",
            "lat_minutes",
            "lat_seconds",
            "lat_direction",
            "long_degrees",
            "long_minutes",
            "long_seconds",
            "long_direction",
            "altitude",
            "size",
            "precision_horz",
            "precision_vert",
        ]
        .iter()
        .map(|k| d(k))
        .collect::<Vec<_>>()
        .join(" "),
        "NAPTR" => format!(
            "{} {} \"{}\" \"{}\" \"{}\" {}",
            d("order"),
            d("preference"),
            d("flags"),
            d("service"),
            d("regex"),
            d("replacement")
        ),
        "SSHFP" => format!("{} {} {}", d("algorithm"), d("type"), d("fingerprint")),
        "HTTPS" | "SVCB" => format!("{} {} {}", d("priority"), d("target"), d("value")),
        "TLSA" => format!(
            "{} {} {} {}",
            d("usage"),
            d("selector"),
            d("matching_type"),
            d("certificate")
        ),
        "DS" if o.get("data").is_some() => format!(
            "{} {} {} {}",
            d("key_tag"),
            d("algorithm"),
            d("digest_type"),
            d("digest")
        ),
        _ => text(o.get("content")),
    }
}

/// One value of an object read from Cloudflare.
fn read_value(t: &RecordType, o: &J) -> Result<Value, String> {
    let data = |k: &str| o.pointer(&format!("/data/{k}"));
    let need_int = |k: &str| int(data(k)).ok_or_else(|| format!("`data.{k}` is not a number"));
    let need_float = |k: &str| {
        float(data(k))
            .map(F64)
            .ok_or_else(|| format!("`data.{k}` is not a number"))
    };
    let content = || text(o.get("content"));
    Ok(match t {
        RecordType::A | RecordType::Aaaa => Value::Ip(content()),
        RecordType::Cname | RecordType::Alias | RecordType::Ptr | RecordType::Ns => {
            Value::Target(dotted(&content()))
        }
        RecordType::Mx => Value::Mx(Mx {
            preference: int(o.get("priority")).ok_or("`priority` is not a number")?,
            exchange: dotted(&content()),
        }),
        RecordType::Txt => {
            let c = content();
            if c.starts_with('"') {
                rdata::parse(t, &c).map_err(|e| format!("content {c:?}: {e}"))?
            } else {
                Value::Text(txt_internal(&c))
            }
        }
        RecordType::Caa => Value::Caa(Caa {
            flags: need_int("flags")?,
            tag: text(data("tag")),
            value: text(data("value")),
        }),
        RecordType::Srv => Value::Srv(Srv {
            priority: need_int("priority")?,
            weight: need_int("weight")?,
            port: need_int("port")?,
            target: dotted(&text(data("target"))),
        }),
        RecordType::Uri => Value::Uri(Uri {
            priority: int(o.get("priority")).ok_or("`priority` is not a number")?,
            weight: need_int("weight")?,
            target: text(data("target")),
        }),
        RecordType::Loc => Value::Loc(Box::new(Loc {
            lat_degrees: need_int("lat_degrees")?,
            lat_minutes: need_int("lat_minutes")?,
            lat_seconds: need_float("lat_seconds")?,
            lat_direction: text(data("lat_direction")),
            long_degrees: need_int("long_degrees")?,
            long_minutes: need_int("long_minutes")?,
            long_seconds: need_float("long_seconds")?,
            long_direction: text(data("long_direction")),
            altitude: need_float("altitude")?,
            size: need_float("size")?,
            precision_horz: need_float("precision_horz")?,
            precision_vert: need_float("precision_vert")?,
        })),
        RecordType::Naptr => Value::Naptr(Naptr {
            order: need_int("order")?,
            preference: need_int("preference")?,
            flags: text(data("flags")),
            service: text(data("service")),
            regexp: text(data("regex")),
            replacement: text(data("replacement")),
        }),
        RecordType::Tlsa => Value::Tlsa(Tlsa {
            certificate_usage: need_int("usage")?,
            selector: need_int("selector")?,
            matching_type: need_int("matching_type")?,
            certificate_association_data: text(data("certificate")),
        }),
        // DS, SSHFP, SVCB, HTTPS: the content is their presentation format (built from
        // `data` when an answer has no content)
        _ => {
            let mut c = content();
            if c.is_empty() && o.get("data").is_some() {
                c = match t {
                    RecordType::Ds => format!(
                        "{} {} {} {}",
                        text(data("key_tag")),
                        text(data("algorithm")),
                        text(data("digest_type")),
                        text(data("digest"))
                    ),
                    RecordType::Sshfp => format!(
                        "{} {} {}",
                        text(data("algorithm")),
                        text(data("type")),
                        text(data("fingerprint"))
                    ),
                    _ => format!(
                        "{} {}{}",
                        text(data("priority")),
                        text(data("target")),
                        text(data("value"))
                    ),
                };
            }
            rdata::parse(t, &c).map_err(|e| format!("content {c:?}: {e}"))?
        }
    })
}

/// The key of a value as it is written (`key` of its object), so that an object read back
/// pairs with the same value desired, whatever form Cloudflare returned it in.
fn value_key(rtype: &RecordType, v: &Value) -> String {
    let mut o = Map::new();
    o.insert("type".into(), J::String(cf_type(rtype).to_string()));
    value_fields(v, &mut o);
    key(&J::Object(o))
}

/// What apply needs of an existing object: its id, its key, and what an update compares.
fn object_data(o: &J, key: String) -> J {
    json!({
        "id": o.get("id").and_then(J::as_str).unwrap_or_default(),
        "key": key,
        "ttl": o.get("ttl").and_then(J::as_u64).unwrap_or(0),
        "proxied": o.get("proxied").and_then(J::as_bool).unwrap_or(false),
        "comment": o.get("comment").and_then(J::as_str).unwrap_or_default(),
        "tags": sorted_tags(o),
    })
}

fn sorted_tags(o: &J) -> Vec<String> {
    let mut tags: Vec<String> = o
        .get("tags")
        .and_then(J::as_array)
        .map(|a| a.iter().filter_map(J::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    tags.sort();
    tags.dedup();
    tags
}

/// The objects of one name and type as a record set (`name` relative; `rtype` the model's,
/// ALIAS for a CNAME at the apex). Object ids and what an update compares ride in
/// `provider_data` (`{"objects": [...]}`).
pub fn read(name: &str, rtype: RecordType, objs: &[&J]) -> Result<RecordSet, String> {
    let first = objs.first().ok_or("no objects")?;
    let raw_ttl = first.get("ttl").and_then(J::as_u64).unwrap_or(0);
    let ttl = if raw_ttl == 1 {
        300
    } else {
        u32::try_from(raw_ttl).unwrap_or(u32::MAX)
    };
    let mut values = Vec::with_capacity(objs.len());
    let mut data = Vec::with_capacity(objs.len());
    for o in objs {
        let v = read_value(&rtype, o)?;
        data.push(object_data(o, value_key(&rtype, &v)));
        values.push(v);
    }
    let mut rs = RecordSet::new(name, rtype.clone(), ttl, values);
    let proxied = first.get("proxied").and_then(J::as_bool).unwrap_or(false)
        && PROXIABLE.contains(&rtype.as_str());
    let mut cf = Map::new();
    if proxied {
        cf.insert("proxied".into(), J::Bool(true));
        cf.insert("auto-ttl".into(), J::Bool(true));
    } else if raw_ttl == 1 {
        cf.insert("auto-ttl".into(), J::Bool(true));
    }
    if let Some(c) = first
        .get("comment")
        .and_then(J::as_str)
        .filter(|c| !c.is_empty())
    {
        cf.insert("comment".into(), J::String(c.to_string()));
    }
    let tags = sorted_tags(first);
    if !tags.is_empty() {
        cf.insert("tags".into(), json!(tags));
    }
    if !cf.is_empty() {
        rs.settings.raw.insert("cloudflare".into(), J::Object(cf));
    }
    rs.provider_data = Some(std::sync::Arc::new(json!({
        "objects": data,
    })));
    Ok(rs)
}

/// The model type of a Cloudflare object (`None`: a type dnsplan leaves alone).
pub fn model_type(cf_type: &str, apex: bool) -> Option<RecordType> {
    if !TYPES.contains(&cf_type) || cf_type == "ALIAS" {
        return None;
    }
    match cf_type {
        "CNAME" if apex => Some(RecordType::Alias),
        t => RecordType::core(t),
    }
}
