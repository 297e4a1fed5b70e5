//! Build model records from YAML record data (`{type, ttl, value(s), dynamic, octodns}`).
//!
//! Construction is lenient: validation (module `validate`) has already reported every problem
//! with its position, so here a field that cannot be read falls back to a neutral value and
//! the record is still built (octoDNS builds lenient records the same way).

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::dynamic::{Dynamic, Pool, PoolValue, Rule, Status};
use super::name::idna_encode;
use super::rtype::RecordType;
use super::value::*;
use super::{RecordSet, Settings};
use crate::yaml::{Kind, Node};

/// The values of a record node: `values` or `value`, a scalar or a list, nulls dropped.
pub fn value_nodes(rec: &Node) -> Vec<&Node> {
    let v = rec.get("values").or_else(|| rec.get("value"));
    match v {
        None => vec![],
        Some(n) => match &n.kind {
            Kind::Seq(items) => items.iter().filter(|n| !n.is_null()).collect(),
            Kind::Null => vec![],
            _ => vec![n],
        },
    }
}

/// Text of a scalar field: Python's `str()` of what PyYAML loaded, as octoDNS prints a value
/// (`0x10` → `16`, `yes` → `True`, `1.50` → `1.5`); null, lists and mappings give "".
fn text(n: Option<&Node>) -> String {
    match n {
        Some(
            n @ Node {
                kind: Kind::Scalar { .. },
                ..
            },
        ) => n.py_str(),
        _ => String::new(),
    }
}

fn int(n: Option<&Node>, default: i64) -> i64 {
    n.and_then(Node::as_int).unwrap_or(default)
}

fn float(n: Option<&Node>) -> F64 {
    F64(n.and_then(Node::as_f64).unwrap_or(0.0))
}

fn name(n: Option<&Node>) -> String {
    let t = text(n);
    idna_encode(&t).unwrap_or(t)
}

/// Normalise an IP the way Python's `ipaddress` prints it; None when it does not parse.
pub fn normalize_ip(t: &RecordType, s: &str) -> Option<String> {
    match t {
        RecordType::A => s.trim().parse::<Ipv4Addr>().ok().map(|a| a.to_string()),
        _ => s.trim().parse::<Ipv6Addr>().ok().map(|a| a.to_string()),
    }
}

/// TXT/SPF value processing on load: a leading `"` strips the first and last characters and
/// `" "` joins pre-chunked strings (octoDNS's `_ChunkedValue.process`).
pub fn chunked_text(s: &str) -> String {
    let s = if s.starts_with('"') && s.len() >= 2 {
        &s[1..s.len() - 1]
    } else {
        s
    };
    s.replace("\" \"", "")
}

/// Build one value of type `t` from its YAML node. Never fails: unreadable parts become empty.
pub fn value_from_node(t: &RecordType, n: &Node) -> Value {
    let g = |k: &str| n.get(k);
    match t {
        RecordType::A | RecordType::Aaaa => {
            let s = text(Some(n));
            Value::Ip(normalize_ip(t, &s).unwrap_or(s))
        }
        RecordType::Alias
        | RecordType::Cname
        | RecordType::Dname
        | RecordType::Ns
        | RecordType::Ptr => Value::Target(name(Some(n))),
        RecordType::Txt | RecordType::Spf => Value::Text(chunked_text(&text(Some(n)))),
        RecordType::Openpgpkey => Value::Base64(text(Some(n))),
        RecordType::Mx => Value::Mx(Mx {
            preference: int(g("preference").or(g("priority")), 0),
            exchange: name(g("exchange").or(g("value"))),
        }),
        RecordType::Srv => Value::Srv(Srv {
            priority: int(g("priority"), 0),
            weight: int(g("weight"), 0),
            port: int(g("port"), 0),
            target: name(g("target")),
        }),
        RecordType::Uri => Value::Uri(Uri {
            priority: int(g("priority"), 0),
            weight: int(g("weight"), 0),
            target: name(g("target")),
        }),
        RecordType::Caa => Value::Caa(Caa {
            flags: int(g("flags"), 0),
            tag: text(g("tag")),
            value: text(g("value")),
        }),
        RecordType::Sshfp => Value::Sshfp(Sshfp {
            algorithm: int(g("algorithm"), 0),
            fingerprint_type: int(g("fingerprint_type"), 0),
            fingerprint: text(g("fingerprint")).to_ascii_lowercase(),
        }),
        RecordType::Tlsa => Value::Tlsa(Tlsa {
            certificate_usage: int(g("certificate_usage"), 0),
            selector: int(g("selector"), 0),
            matching_type: int(g("matching_type"), 0),
            certificate_association_data: text(g("certificate_association_data"))
                .to_ascii_lowercase(),
        }),
        RecordType::Ds => {
            if g("public_key").is_some() || g("flags").is_some() {
                Value::Ds(Ds {
                    key_tag: int(g("flags"), 0),
                    algorithm: int(g("protocol"), 0),
                    digest_type: int(g("algorithm"), 0),
                    digest: text(g("public_key")).to_ascii_lowercase(),
                })
            } else {
                Value::Ds(Ds {
                    key_tag: int(g("key_tag"), 0),
                    algorithm: int(g("algorithm"), 0),
                    digest_type: int(g("digest_type"), 0),
                    digest: text(g("digest")).to_ascii_lowercase(),
                })
            }
        }
        RecordType::Naptr => Value::Naptr(Naptr {
            order: int(g("order"), 0),
            preference: int(g("preference"), 0),
            flags: text(g("flags")).to_ascii_uppercase(),
            service: text(g("service")),
            regexp: text(g("regexp")),
            replacement: text(g("replacement")),
        }),
        RecordType::Loc => Value::Loc(Box::new(Loc {
            lat_degrees: int(g("lat_degrees"), 0),
            lat_minutes: int(g("lat_minutes"), 0),
            lat_seconds: float(g("lat_seconds")),
            lat_direction: text(g("lat_direction")).to_ascii_uppercase(),
            long_degrees: int(g("long_degrees"), 0),
            long_minutes: int(g("long_minutes"), 0),
            long_seconds: float(g("long_seconds")),
            long_direction: text(g("long_direction")).to_ascii_uppercase(),
            altitude: float(g("altitude")),
            size: float(g("size")),
            precision_horz: float(g("precision_horz")),
            precision_vert: float(g("precision_vert")),
        })),
        RecordType::Svcb | RecordType::Https => {
            let mut params = BTreeMap::new();
            if let Some(entries) = g("svcparams").and_then(Node::entries) {
                for (k, v) in entries {
                    let p = match &v.kind {
                        Kind::Null => SvcParam::None,
                        Kind::Seq(items) => {
                            SvcParam::List(items.iter().map(|i| text(Some(i))).collect())
                        }
                        _ => SvcParam::One(text(Some(v))),
                    };
                    params.insert(k.key_text(), p);
                }
            }
            Value::Svcb(Svcb {
                svcpriority: int(g("svcpriority"), 0),
                targetname: name(g("targetname")),
                svcparams: params,
            })
        }
        RecordType::Urlfwd => Value::Urlfwd(Urlfwd {
            path: text(g("path")),
            target: text(g("target")),
            code: int(g("code"), 0),
            masking: int(g("masking"), 0),
            query: int(g("query"), 0),
        }),
        RecordType::Other(_) => Value::Data(JsonOrd(n.to_json())),
    }
}

/// Read the `octodns:` settings of a record node.
pub fn settings_from_node(rec: &Node) -> Settings {
    let Some(o) = rec.get("octodns") else {
        return Settings::default();
    };
    let raw = match o.to_json() {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    let list = |k: &str| -> Vec<String> {
        match o.get(k) {
            Some(n) => match &n.kind {
                Kind::Seq(items) => items.iter().map(|i| text(Some(i))).collect(),
                Kind::Scalar { text, .. } => vec![text.clone()],
                _ => vec![],
            },
            None => vec![],
        }
    };
    Settings {
        ignored: o.get("ignored").and_then(Node::as_bool).unwrap_or(false),
        lenient: o.get("lenient").and_then(Node::as_bool).unwrap_or(false),
        included: list("included"),
        excluded: list("excluded"),
        raw,
    }
}

/// Read `dynamic:` (pools sorted by id, values sorted, `fallback: default` → none, a
/// single-value pool's weight forced to 1, as octoDNS does).
pub fn dynamic_from_node(t: &RecordType, d: &Node) -> Dynamic {
    let mut pools = BTreeMap::new();
    if let Some(entries) = d.get("pools").and_then(Node::entries) {
        for (id, p) in entries {
            let mut values: Vec<PoolValue> = p
                .get("values")
                .and_then(Node::items)
                .unwrap_or(&[])
                .iter()
                .map(|v| PoolValue {
                    value: value_from_node(t, v.get("value").unwrap_or(v)),
                    weight: int(v.get("weight"), 1).clamp(0, u32::MAX as i64) as u32,
                    status: v
                        .get("status")
                        .and_then(Node::as_str)
                        .and_then(Status::parse)
                        .unwrap_or(Status::Obey),
                })
                .collect();
            values.sort();
            if values.len() == 1 {
                values[0].weight = 1;
            }
            let fallback = p
                .get("fallback")
                .and_then(Node::as_str)
                .filter(|f| *f != "default")
                .map(str::to_string);
            pools.insert(id.key_text(), Pool { fallback, values });
        }
    }
    let strs = |n: Option<&Node>| -> Vec<String> {
        let mut v: Vec<String> = n
            .and_then(Node::items)
            .unwrap_or(&[])
            .iter()
            .map(|i| text(Some(i)))
            .collect();
        v.sort();
        v
    };
    let rules = d
        .get("rules")
        .and_then(Node::items)
        .unwrap_or(&[])
        .iter()
        .map(|r| Rule {
            pool: text(r.get("pool")),
            geos: strs(r.get("geos")),
            subnets: strs(r.get("subnets")),
        })
        .collect();
    Dynamic { pools, rules }
}

/// Build a record set from its node. `name` is already encoded. Returns None when the node is
/// not a mapping or has no known type (validation has reported that).
pub fn record_from_node(name: &str, rec: &Node, default_ttl: u32) -> Option<RecordSet> {
    rec.entries()?;
    let rtype = RecordType::parse(rec.get("type")?.as_str()?)?;
    let ttl = rec
        .get("ttl")
        .and_then(Node::as_int)
        .filter(|t| (0..=u32::MAX as i64).contains(t))
        .map(|t| t as u32)
        .unwrap_or(default_ttl);
    let values: Vec<Value> = value_nodes(rec)
        .into_iter()
        .map(|n| value_from_node(&rtype, n))
        .collect();
    let mut r = RecordSet::new(name, rtype.clone(), ttl, values);
    if rtype.supports_dynamic()
        && let Some(d) = rec.get("dynamic").filter(|d| !d.is_null())
    {
        r.dynamic = Some(dynamic_from_node(&rtype, d));
    }
    if let Some(geo) = rec.get("geo").and_then(Node::entries) {
        let mut m = BTreeMap::new();
        for (k, v) in geo {
            let mut vals: Vec<String> = match &v.kind {
                Kind::Seq(items) => items.iter().map(|i| text(Some(i))).collect(),
                _ => vec![text(Some(v))],
            };
            vals.sort();
            m.insert(k.key_text(), vals);
        }
        r.geo = Some(m);
    }
    r.settings = settings_from_node(rec);
    r.pos = rec.pos.clone();
    Some(r)
}
