//! Records ⇄ Route 53 rrsets, in octodns-route53's layout, so a zone octoDNS wrote reads back
//! with zero changes and the other way round.
//!
//! - A plain record is one rrset; values are presentation format (TXT/SPF quoted and split
//!   into 255-octet strings).
//! - `Route53Provider/ALIAS` is one alias rrset per value (`{name, type,
//!   evaluate-target-health, hosted-zone-id}`; `name` relative to the zone unless it is an AWS
//!   service name). Aliases have no TTL: read back with octoDNS's stand-in TTL 942942942, and
//!   the capabilities make a TTL difference on them no change.
//! - A dynamic record is a family of rrsets:
//!   - `_octodns-default-pool.<fqdn>`: the record's own values, no routing;
//!   - per pool, `_octodns-<pool>-value.<fqdn>`: one weighted rrset per value (SetIdentifier
//!     `<pool>-NNN`), with a health check unless the value's status is `up`;
//!   - per pool, `_octodns-<pool>-pool.<fqdn>`: failover aliases, PRIMARY (`<pool>-Primary`)
//!     to the pool's values, SECONDARY (`<pool>-Secondary-<fallback>`) to the fallback pool
//!     or `default`;
//!   - at `<fqdn>`, per rule: one geolocation alias per geo (`<i>-<pool>-<geo>`, the catch-all
//!     `CountryCode: *`, SetIdentifier `<i>-<pool>-None`), or one CIDR-routing alias for a
//!     subnet rule (`<i>-<pool>-subnet`, location = 16 hex of the SHA-256 of the sorted
//!     blocks, `*` for the catch-all of a subnet record).
//!
//! Every record read carries its rrsets (and the health checks they use) in
//! `provider_data`, so deletes send exactly what Route 53 holds and the plan can see a
//! health check whose settings changed.

use std::collections::BTreeMap;

use serde_json::{Value as J, json};
use sha2::{Digest, Sha256};

use super::healthcheck::{self, Params};
use super::rrset::{Alias, Cidr, CidrLocations, Geo, HealthChecks, Rrset};
use crate::model::value::JsonOrd;
use crate::model::{
    Dynamic, Pool, PoolValue, RecordSet, RecordType, Rule, Status, Value, Zone, rdata,
};

pub const ALIAS_TYPE: &str = "Route53Provider/ALIAS";
/// octoDNS's TTL for aliases, which have none in Route 53.
pub const ALIAS_TTL: u32 = 942942942;

/// Names that make an alias value an AWS service target (kept as written, with its own
/// hosted zone id) rather than a name in this zone.
const SERVICE_FQDNS: &[&str] = &[
    "amazonaws.com.",
    "cloudfront.net.",
    "elasticbeanstalk.com.",
    "awsglobalaccelerator.com.",
];

pub fn is_service_alias(name: &str) -> bool {
    SERVICE_FQDNS.iter().any(|s| name.contains(s))
}

/// The record types this provider holds.
pub fn supported_types() -> Vec<RecordType> {
    let mut v: Vec<RecordType> = [
        "A", "AAAA", "CAA", "CNAME", "DS", "MX", "NAPTR", "NS", "PTR", "SPF", "SRV", "TXT",
    ]
    .iter()
    .filter_map(|t| RecordType::core(t))
    .collect();
    v.push(RecordType::parse(ALIAS_TYPE).expect("a provider type"));
    v
}

/// One value as Route 53 wants it: presentation format. TXT and SPF as octodns-route53 writes
/// them (`;` as `\;`, `"` as `\"`, split every 255 characters but never after a backslash),
/// so a zone moved from octoDNS holds the same bytes; a literal backslash is written `\\`
/// (octoDNS leaves it bare, which Route 53 reads as an escape).
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Text(t) => octodns_chunks(t),
        _ => v.to_rdata(),
    }
}

fn octodns_chunks(internal: &str) -> String {
    // (character, is it the backslash that starts an escape)
    let mut escaped: Vec<(char, bool)> = Vec::with_capacity(internal.len() + 8);
    for ch in crate::model::value::txt_raw(internal).chars() {
        if matches!(ch, ';' | '"' | '\\') {
            escaped.push(('\\', true));
        }
        escaped.push((ch, false));
    }
    if escaped.is_empty() {
        return "\"\"".to_string();
    }
    let mut chunks: Vec<String> = Vec::new();
    let mut i = 0;
    while i < escaped.len() {
        let mut c = 255.min(escaped.len() - i);
        // never split an escape from the character it escapes
        if escaped[i + c - 1].1 {
            c -= 1;
        }
        chunks.push(escaped[i..i + c].iter().map(|x| x.0).collect());
        i += c;
    }
    format!("\"{}\"", chunks.join("\" \""))
}

/// Rrsets that do not read back as the record octoDNS (or dnsplan) wrote.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadFault {
    #[error("not a dynamic type")]
    NotDynamicType,
    #[error("bad pool name")]
    PoolName,
    #[error("failover rrset without alias")]
    FailoverWithoutAlias,
    #[error("bad fallback target")]
    FallbackTarget,
    #[error("rule without set identifier")]
    RuleWithoutSetId,
    #[error("rule set identifier {0:?} has no index")]
    RuleIndex(String),
    #[error("rule without alias")]
    RuleWithoutAlias,
    #[error("bad rule target")]
    RuleTarget,
    #[error("pool value without set identifier")]
    ValueWithoutSetId,
    #[error("pool value set identifier {0:?}")]
    ValueSetId(String),
    #[error("pool value without a value")]
    ValueWithoutValue,
    #[error("its _octodns-default-pool rrset is missing")]
    NoDefaultPool,
    /// A value that does not parse as its type.
    #[error("{0}")]
    Value(#[source] Box<rdata::RdataError>),
}

/// A record that cannot be written as rrsets.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WriteFault {
    #[error("an alias value must be a mapping")]
    AliasNotMapping,
    #[error("an alias value needs a type")]
    AliasWithoutType,
    #[error("subnet rules need the octodns CIDR collection")]
    NoCidrCollection,
    /// The health check a value needs could not be had (the `HealthCheckIds` message).
    #[error("{0}")]
    HealthCheck(String),
}

/// A value Route 53 returned, in the model. Route 53's names are absolute (moto drops the
/// final dot of the apex NS values; it is put back).
fn parse_value(rtype: &RecordType, text: &str) -> Result<Value, ReadFault> {
    let t = match rtype {
        RecordType::Ns | RecordType::Cname | RecordType::Ptr
            if !text.ends_with('.') && !text.is_empty() =>
        {
            format!("{text}.")
        }
        _ => text.to_string(),
    };
    let mut v = rdata::parse(rtype, &t).map_err(|e| ReadFault::Value(Box::new(e)))?;
    if let Value::Target(s) = &mut v {
        *s = s.to_ascii_lowercase();
    }
    Ok(v)
}

/// The CIDR location name of a subnet rule.
pub fn cidr_location(subnets: &[String]) -> String {
    let mut s: Vec<&str> = subnets.iter().map(String::as_str).collect();
    s.sort();
    let h = Sha256::digest(s.join(",").as_bytes());
    data_encoding::HEXLOWER.encode(&h)[..16].to_string()
}

/// What `existing` builds from a hosted zone's rrsets.
pub struct Read {
    pub zone: Zone,
    /// Problems that make a record unreadable (it is left out; changes to it are refused).
    pub problems: Vec<String>,
}

/// The zone's records from its rrsets (octodns-route53's `populate`). `checks` are the
/// account's health checks with an octoDNS CallerReference, `cidrs` the blocks of CIDR
/// collections by collection id.
pub fn read(
    zone_name: &str,
    rrsets: Vec<Rrset>,
    checks: &HealthChecks,
    cidrs: &BTreeMap<String, CidrLocations>,
) -> Read {
    let mut zone = Zone::new(zone_name);
    let mut problems = Vec::new();
    let types = supported_types();
    let mut plain: BTreeMap<(String, String), Vec<Rrset>> = BTreeMap::new();
    let mut dynamic: BTreeMap<(String, String), Vec<Rrset>> = BTreeMap::new();
    let mut aliases: BTreeMap<String, Vec<Rrset>> = BTreeMap::new();
    for r in rrsets {
        let Some(rtype) = RecordType::core(&r.rtype) else {
            continue;
        };
        if !types.contains(&rtype) {
            continue;
        }
        let Some(name) = zone.relative(&r.name) else {
            continue;
        };
        if let Some(rest) = name.strip_prefix("_octodns-") {
            let owner = rest.split_once('.').map(|x| x.1).unwrap_or("").to_string();
            dynamic.entry((owner, r.rtype.clone())).or_default().push(r);
        } else if let Some(a) = &r.alias {
            if a.dns_name.starts_with("_octodns-") {
                dynamic.entry((name, r.rtype.clone())).or_default().push(r);
            } else {
                aliases.entry(name).or_default().push(r);
            }
        } else {
            plain.entry((name, r.rtype.clone())).or_default().push(r);
        }
    }
    for ((name, t), sets) in dynamic {
        match read_dynamic(&name, &t, &sets, checks, cidrs) {
            Ok(mut rec) => {
                let used: BTreeMap<&String, &super::rrset::HealthCheck> = sets
                    .iter()
                    .filter_map(|s| s.health_check_id.as_ref())
                    .filter_map(|id| checks.get_key_value(id))
                    .collect();
                rec.provider_data = Some(std::sync::Arc::new(
                    json!({"rrsets": sets, "health_checks": used}),
                ));
                zone.insert(rec);
            }
            Err(e) => problems.push(format!(
                "{} {t}: {e}",
                crate::model::idna_decode(&fqdn(&name, &zone.name))
            )),
        }
    }
    for ((name, t), sets) in plain {
        let rtype = RecordType::core(&t).expect("filtered above");
        // octoDNS reads the first; rrsets with routing it does not manage are marked so no
        // change ever touches them
        let first = &sets[0];
        let mut values = Vec::new();
        let mut bad = None;
        for text in &first.records {
            match parse_value(&rtype, text) {
                Ok(v) => values.push(v),
                Err(e) => bad = Some(e),
            }
        }
        if let Some(e) = bad {
            problems.push(format!("{} {t}: {e}", fqdn(&name, &zone.name)));
            continue;
        }
        let mut rec = RecordSet::new(name, rtype, first.ttl.unwrap_or(0).max(0) as u32, values);
        rec.provider_data = Some(std::sync::Arc::new(json!({ "rrsets": sets })));
        zone.insert(rec);
    }
    for (name, sets) in aliases {
        let suffix = format!(".{}", zone.name);
        let values: Vec<Value> = sets
            .iter()
            .map(|s| {
                let a = s.alias.as_ref().expect("grouped as alias");
                let (target, hzid) = if is_service_alias(&a.dns_name) {
                    (a.dns_name.clone(), J::String(a.hosted_zone_id.clone()))
                } else {
                    let lower = a.dns_name.to_ascii_lowercase();
                    let rel = if lower == zone.name {
                        String::new()
                    } else {
                        lower.strip_suffix(&suffix).unwrap_or(&lower).to_string()
                    };
                    (rel, J::Null)
                };
                alias_value(&target, &s.rtype, a.evaluate, hzid)
            })
            .collect();
        let mut rec = RecordSet::new(
            name,
            RecordType::parse(ALIAS_TYPE).expect("a provider type"),
            ALIAS_TTL,
            values,
        );
        rec.provider_data = Some(std::sync::Arc::new(json!({ "rrsets": sets })));
        zone.insert(rec);
    }
    Read { zone, problems }
}

fn fqdn(name: &str, zone: &str) -> String {
    if name.is_empty() {
        zone.to_string()
    } else {
        format!("{name}.{zone}")
    }
}

/// An alias value in the one form both sides are compared in.
pub fn alias_value(name: &str, rtype: &str, evaluate: bool, hosted_zone_id: J) -> Value {
    Value::Data(JsonOrd(json!({
        "evaluate-target-health": evaluate,
        "hosted-zone-id": hosted_zone_id,
        "name": name,
        "type": rtype,
    })))
}

/// `_octodns-<pool>-pool.` / `-value.` → the pool name.
fn pool_of(name: &str) -> Option<&str> {
    let first = name.split('.').next()?;
    let rest = first.strip_prefix("_octodns-")?;
    rest.strip_suffix("-pool")
        .or_else(|| rest.strip_suffix("-value"))
}

fn read_dynamic(
    name: &str,
    t: &str,
    sets: &[Rrset],
    checks: &HealthChecks,
    cidrs: &BTreeMap<String, CidrLocations>,
) -> Result<RecordSet, ReadFault> {
    let rtype = RecordType::core(t).ok_or(ReadFault::NotDynamicType)?;
    let mut pools: BTreeMap<String, Pool> = BTreeMap::new();
    let mut rules: BTreeMap<usize, Rule> = BTreeMap::new();
    let mut base: Option<(u32, Vec<Value>)> = None;
    for r in sets {
        let is_pool = r
            .name
            .split('.')
            .next()
            .is_some_and(|l| l.ends_with("-pool"))
            && r.name.starts_with("_octodns-");
        if is_pool {
            let pool = pool_of(&r.name).ok_or(ReadFault::PoolName)?.to_string();
            if pool == "default" {
                let mut values = Vec::new();
                for text in &r.records {
                    values.push(parse_value(&rtype, text)?);
                }
                base = Some((r.ttl.unwrap_or(0).max(0) as u32, values));
            } else if r.failover.as_deref() == Some("SECONDARY") {
                let target = r.alias.as_ref().ok_or(ReadFault::FailoverWithoutAlias)?;
                let fb = pool_of(&target.dns_name).ok_or(ReadFault::FallbackTarget)?;
                let p = pools.entry(pool).or_insert_with(empty_pool);
                if fb != "default" {
                    p.fallback = Some(fb.to_string());
                }
            } else {
                pools.entry(pool).or_insert_with(empty_pool);
            }
        } else if r.cidr.is_some() || r.geo.is_some() {
            let id = r.set_id.as_deref().ok_or(ReadFault::RuleWithoutSetId)?;
            let i: usize = id
                .split('-')
                .next()
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| ReadFault::RuleIndex(id.to_string()))?;
            let target = r.alias.as_ref().ok_or(ReadFault::RuleWithoutAlias)?;
            let pool = pool_of(&target.dns_name)
                .ok_or(ReadFault::RuleTarget)?
                .to_string();
            let rule = rules.entry(i).or_insert_with(|| Rule {
                pool: pool.clone(),
                geos: Vec::new(),
                subnets: Vec::new(),
            });
            rule.pool = pool;
            if let Some(c) = &r.cidr {
                if c.location != "*" {
                    let blocks = cidrs
                        .get(&c.collection_id)
                        .and_then(|l| l.get(&c.location))
                        .cloned()
                        .unwrap_or_default();
                    rule.subnets = blocks;
                    rule.subnets.sort();
                }
            } else if let Some(code) = r.geo.as_ref().and_then(geo_code) {
                rule.geos.push(code);
            }
        } else {
            // a pool value
            let id = r.set_id.as_deref().ok_or(ReadFault::ValueWithoutSetId)?;
            let pool = id
                .get(..id.len().saturating_sub(4))
                .filter(|p| !p.is_empty())
                .ok_or_else(|| ReadFault::ValueSetId(id.to_string()))?;
            let text = r.records.first().ok_or(ReadFault::ValueWithoutValue)?;
            let status = match r.health_check_id.as_ref().and_then(|h| checks.get(h)) {
                None => Status::Up,
                Some(hc) if hc.config.disabled && hc.config.inverted => Status::Down,
                Some(_) => Status::Obey,
            };
            let weight = r.weight.unwrap_or(1).clamp(0, 255) as u32;
            pools
                .entry(pool.to_string())
                .or_insert_with(empty_pool)
                .values
                .push(PoolValue {
                    value: parse_value(&rtype, text)?,
                    weight,
                    status,
                });
        }
    }
    let (ttl, values) = base.ok_or(ReadFault::NoDefaultPool)?;
    for p in pools.values_mut() {
        p.values.sort();
    }
    let rules = rules
        .into_values()
        .map(|mut r| {
            r.geos.sort();
            r
        })
        .collect();
    let mut rec = RecordSet::new(name, rtype, ttl, values);
    rec.dynamic = Some(Dynamic { pools, rules });
    Ok(rec)
}

fn empty_pool() -> Pool {
    Pool {
        fallback: None,
        values: Vec::new(),
    }
}

/// A GeoLocation as an octoDNS geo code; None for the catch-all (`CountryCode: *`).
fn geo_code(g: &Geo) -> Option<String> {
    if let Some(c) = &g.continent {
        return Some(c.clone());
    }
    let cc = g.country.as_deref()?;
    if cc == "*" {
        return None;
    }
    let cont = crate::validate::geo_data::continent_of(cc).unwrap_or("XX");
    Some(match &g.subdivision {
        Some(s) => format!("{cont}-{cc}-{s}"),
        None => format!("{cont}-{cc}"),
    })
}

/// An octoDNS geo code as a GeoLocation.
fn geo_location(code: &str) -> Geo {
    let parts: Vec<&str> = code.split('-').collect();
    match parts.as_slice() {
        [cont] => Geo {
            continent: Some(cont.to_string()),
            ..Geo::default()
        },
        [_, cc] => Geo {
            country: Some(cc.to_string()),
            ..Geo::default()
        },
        [_, cc, sub, ..] => Geo {
            country: Some(cc.to_string()),
            subdivision: Some(sub.to_string()),
            ..Geo::default()
        },
        [] => Geo::default(),
    }
}

/// How a generated rrset gets its health check: the id for (value text, status), or None
/// for `status: up`. Creation (at apply) or lookup (at plan) is the caller's.
pub trait HealthCheckIds {
    fn id(
        &mut self,
        record: &RecordSet,
        value: &str,
        status: Status,
    ) -> Result<Option<String>, String>;
}

/// The rrsets a record is written as. `zone_id` is the hosted zone's id without
/// `/hostedzone/`; `collection` the CIDR collection id, needed only for subnet rules.
pub fn rrsets_for(
    record: &RecordSet,
    zone: &str,
    zone_id: &str,
    collection: Option<&str>,
    hc: &mut dyn HealthCheckIds,
) -> Result<Vec<Rrset>, WriteFault> {
    let fqdn = record.fqdn(zone);
    let t = record.rtype.as_str().to_string();
    if t == ALIAS_TYPE {
        return record
            .values
            .iter()
            .map(|v| {
                let Value::Data(JsonOrd(d)) = v else {
                    return Err(WriteFault::AliasNotMapping);
                };
                let name = d.get("name").and_then(J::as_str).unwrap_or("");
                let ty = d
                    .get("type")
                    .and_then(J::as_str)
                    .ok_or(WriteFault::AliasWithoutType)?;
                let hzid = d.get("hosted-zone-id").and_then(J::as_str);
                let dns_name = if is_service_alias(name) {
                    name.to_string()
                } else if name.is_empty() {
                    zone.to_string()
                } else {
                    format!("{name}.{zone}")
                };
                let mut r = Rrset::new(fqdn.clone(), ty);
                r.alias = Some(Alias {
                    dns_name,
                    hosted_zone_id: hzid.unwrap_or(zone_id).to_string(),
                    evaluate: d
                        .get("evaluate-target-health")
                        .and_then(J::as_bool)
                        .unwrap_or(false),
                });
                Ok(r)
            })
            .collect();
    }
    let ttl = Some(record.ttl as i64);
    let plain = |name: String| {
        let mut r = Rrset::new(name, t.clone());
        r.ttl = ttl;
        r.records = record.values.iter().map(value_text).collect();
        r
    };
    let Some(d) = &record.dynamic else {
        return Ok(vec![plain(fqdn)]);
    };
    let mut out = vec![plain(format!("_octodns-default-pool.{fqdn}"))];
    let alias_to = |target: String| Alias {
        dns_name: target,
        hosted_zone_id: zone_id.to_string(),
        evaluate: true,
    };
    for (pool, p) in &d.pools {
        let pool_name = format!("_octodns-{pool}-pool.{fqdn}");
        let mut primary = Rrset::new(pool_name.clone(), t.clone());
        primary.alias = Some(alias_to(format!("_octodns-{pool}-value.{fqdn}")));
        primary.failover = Some("PRIMARY".into());
        primary.set_id = Some(format!("{pool}-Primary"));
        out.push(primary);
        let fb = p.fallback.as_deref().unwrap_or("default");
        let mut secondary = Rrset::new(pool_name, t.clone());
        secondary.alias = Some(alias_to(format!("_octodns-{fb}-pool.{fqdn}")));
        secondary.failover = Some("SECONDARY".into());
        secondary.set_id = Some(format!("{pool}-Secondary-{fb}"));
        out.push(secondary);
        // octoDNS numbers values in its pool order: sorted by value (the model's order too)
        for (i, v) in p.values.iter().enumerate() {
            let text = value_text(&v.value);
            let mut r = Rrset::new(format!("_octodns-{pool}-value.{fqdn}"), t.clone());
            r.ttl = ttl;
            r.set_id = Some(format!("{pool}-{i:03}"));
            r.weight = Some(v.weight as i64);
            r.health_check_id = hc
                .id(record, &text, v.status)
                .map_err(WriteFault::HealthCheck)?;
            r.records = vec![text];
            out.push(r);
        }
    }
    let has_subnets = d.rules.iter().any(|r| !r.subnets.is_empty());
    for (i, rule) in d.rules.iter().enumerate() {
        let target = alias_to(format!("_octodns-{}-pool.{fqdn}", rule.pool));
        let cidr = |location: String| -> Result<Cidr, WriteFault> {
            Ok(Cidr {
                collection_id: collection.ok_or(WriteFault::NoCidrCollection)?.to_string(),
                location,
            })
        };
        if !rule.subnets.is_empty() {
            let mut r = Rrset::new(fqdn.clone(), t.clone());
            r.alias = Some(target);
            r.set_id = Some(format!("{i}-{}-subnet", rule.pool));
            r.cidr = Some(cidr(cidr_location(&rule.subnets))?);
            out.push(r);
        } else if !rule.geos.is_empty() {
            for g in &rule.geos {
                let mut r = Rrset::new(fqdn.clone(), t.clone());
                r.alias = Some(target.clone());
                r.set_id = Some(format!("{i}-{}-{g}", rule.pool));
                r.geo = Some(geo_location(g));
                out.push(r);
            }
        } else if has_subnets {
            let mut r = Rrset::new(fqdn.clone(), t.clone());
            r.alias = Some(target);
            r.set_id = Some(format!("{i}-{}-subnet", rule.pool));
            r.cidr = Some(cidr("*".into())?);
            out.push(r);
        } else {
            let mut r = Rrset::new(fqdn.clone(), t.clone());
            r.alias = Some(target);
            r.set_id = Some(format!("{i}-{}-None", rule.pool));
            r.geo = Some(Geo {
                country: Some("*".into()),
                ..Geo::default()
            });
            out.push(r);
        }
    }
    Ok(out)
}

/// The rrsets a record was read from (its `provider_data`).
pub fn rrsets_of(record: &RecordSet) -> Vec<Rrset> {
    record
        .provider_data
        .as_ref()
        .and_then(|d| d.get("rrsets"))
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

fn checks_of(record: &RecordSet) -> HealthChecks {
    record
        .provider_data
        .as_ref()
        .and_then(|d| d.get("health_checks"))
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

/// octodns-route53's `_extra_changes` for one dynamic record present on both sides: must it
/// be rewritten although it compares equal? (a value's health check is missing, unwanted, or
/// set up differently from the record's settings; a subnet rule's blocks changed).
pub fn needs_rewrite(existing: &RecordSet, desired: &RecordSet, zone: &str) -> bool {
    let Some(d) = &desired.dynamic else {
        return false;
    };
    let sets = rrsets_of(existing);
    for r in &sets {
        if let (Some(c), Some(id)) = (&r.cidr, &r.set_id)
            && c.location != "*"
            && let Some(rule) = id
                .split('-')
                .next()
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|i| d.rules.get(i))
            && c.location != cidr_location(&rule.subnets)
        {
            return true;
        }
    }
    let Ok(params) = healthcheck::params(desired, zone) else {
        return false;
    };
    let mut statuses: BTreeMap<String, Status> = BTreeMap::new();
    for p in d.pools.values() {
        for v in &p.values {
            statuses.insert(value_text(&v.value), v.status);
        }
    }
    let checks = checks_of(existing);
    for r in &sets {
        let first = r.name.split('.').next().unwrap_or("");
        if !first.starts_with("_octodns-")
            || !first.ends_with("-value")
            || r.name.contains("-default-")
        {
            continue;
        }
        let Some(value) = r.records.first() else {
            continue;
        };
        if stale_check(
            &params,
            desired,
            value,
            statuses.get(value).copied(),
            r,
            &checks,
        ) {
            return true;
        }
    }
    false
}

fn stale_check(
    params: &Params,
    desired: &RecordSet,
    value: &str,
    status: Option<Status>,
    r: &Rrset,
    checks: &HealthChecks,
) -> bool {
    if status == Some(Status::Up) {
        return r.health_check_id.is_some();
    }
    let Some(hc) = r.health_check_id.as_ref().and_then(|id| checks.get(id)) else {
        return true;
    };
    if !hc.caller_reference.starts_with(healthcheck::VERSION) {
        return true;
    }
    let host = if desired.rtype == RecordType::Cname {
        Some(value.to_string())
    } else {
        params.host.clone()
    };
    !healthcheck::equivalent(params, host.as_deref(), None, None, &hc.config)
}

#[cfg(test)]
mod tests;
