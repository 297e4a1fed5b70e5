//! Dynamic records in octodns-ns1 1.0's layout, both ways.
//!
//! A dynamic record is one NS1 record with a filter chain and one **region** (NS1's answer
//! group) per rule and kind of target: `{pool}__georegion` (NS1 regions: AFRICA, EUROPE,
//! SOUTH-AMERICA), `{pool}__country` (countries, US states, CA provinces; the continents NS1
//! has no region for — AS, NA, OC — as their country lists, minus countries other rules
//! name, with `continents:` in the note), `{pool}__subnet` (`ip_prefixes`) or
//! `{pool}__catchall`. Each region's note holds `rule-order:N` (and `fallback:`). Each region
//! answers with its pool's values at priority 1, the fallback pool's at 2, and so on, then the
//! record's own values marked `from:--default--`; an answer's note says `from:` (its region),
//! `pool:` and `fallback:`, its meta `weight` and `up` (true/false for a forced status, a data
//! feed `{"feed": id}` for a monitored value). The filter chain is `up`, then
//! `netfence_prefix`, `geofence_country`, `geofence_regional` as used, then
//! `select_first_region`, `priority`, `weighted_shuffle`, `select_first_n`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value as J, json};

use crate::model::{Dynamic, RecordSet, RecordType, Status};
use crate::validate::geo_data;

fn filter(name: &str, config: J) -> J {
    json!({"config": config, "filter": name})
}

/// The filter chain octodns-ns1 writes for a record with these kinds of targets.
pub fn chain(region: bool, country: bool, subnet: bool) -> Vec<J> {
    let mut f = vec![filter("up", json!({}))];
    if subnet {
        f.push(filter(
            "netfence_prefix",
            json!({"remove_no_ip_prefixes": true}),
        ));
    }
    if country {
        f.push(filter(
            "geofence_country",
            json!({"remove_no_location": true}),
        ));
    }
    if region {
        f.push(filter(
            "geofence_regional",
            json!({"remove_no_georegion": true}),
        ));
    }
    f.push(filter("select_first_region", json!({})));
    f.push(filter("priority", json!({"eliminate": "1"})));
    f.push(filter("weighted_shuffle", json!({})));
    f.push(filter("select_first_n", json!({"N": "1"})));
    f
}

/// Is `filters` the chain `expected` (ignoring `disabled: false`, as octodns-ns1 does)?
/// octodns-ns1 only asks whether a chain is one it could have written; this asks whether it
/// is the one the record's rules need, so a filter removed in the portal is put back too.
pub fn chain_is(filters: &[J], expected: &[J]) -> bool {
    let clean: Vec<J> = filters
        .iter()
        .map(|f| {
            let mut f = f.clone();
            if let Some(o) = f.as_object_mut()
                && o.get("disabled") == Some(&J::Bool(false))
            {
                o.remove("disabled");
            }
            f
        })
        .collect();
    clean == expected
}

/// The chain a dynamic record's rules need.
pub fn chain_for(d: &Dynamic) -> Vec<J> {
    let r = regions(d);
    chain(r.region, r.country, r.subnet)
}

/// NS1's regions and the continent each stands for when read.
const REGION_TO_CONTINENT: &[(&str, &str)] = &[
    ("AFRICA", "AF"),
    ("ASIAPAC", "AS"),
    ("EUROPE", "EU"),
    ("SOUTH-AMERICA", "SA"),
    ("US-CENTRAL", "NA"),
    ("US-EAST", "NA"),
    ("US-WEST", "NA"),
];

/// Continents written as an NS1 region.
fn continent_region(c: &str) -> Option<&'static str> {
    match c {
        "AF" => Some("AFRICA"),
        "EU" => Some("EUROPE"),
        "SA" => Some("SOUTH-AMERICA"),
        _ => None,
    }
}

/// Continents written as their countries.
const COUNTRY_LISTED: &[&str] = &["AS", "NA", "OC"];

/// The continent codes a rule may name (octodns-ns1's check): those NS1 has a region for,
/// and AS and NA (as country lists).
pub const CONTINENTS: &[&str] = &["AF", "AS", "EU", "NA", "SA"];

fn countries_of(continent: &str) -> BTreeSet<String> {
    geo_data::continent(continent)
        .map(|c| c.countries.iter().map(|x| x.code.to_string()).collect())
        .unwrap_or_default()
}

/// A note as octodns-ns1 writes it: `k:v` pairs sorted by key, joined by spaces.
pub fn encode_notes(pairs: &BTreeMap<&str, String>) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A note's `k:v` pairs (pieces without `:` are skipped; an empty value is absent).
pub fn parse_notes(note: &str) -> BTreeMap<String, String> {
    note.split(' ')
        .filter_map(|p| p.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn note_of(meta: &J) -> BTreeMap<String, String> {
    parse_notes(meta.get("note").and_then(J::as_str).unwrap_or(""))
}

/// A region's pool: its name less the `__kind` suffix (or the old `catchall__` prefix).
pub fn pool_of_region(label: &str) -> &str {
    if let Some(rest) = label.strip_prefix("catchall__") {
        return rest;
    }
    label.rsplit_once("__").map_or(label, |(p, _)| p)
}

/// Is this full record in octodns-ns1's dynamic layout (its first answer's note says where
/// it is from)?
pub fn is_octodns_layout(t: &RecordType, record: &J) -> bool {
    let note = record
        .pointer("/answers/0/meta/note")
        .and_then(J::as_str)
        .unwrap_or("");
    match t {
        RecordType::Cname => note.contains("pool:"),
        _ => note.contains("from:"),
    }
}

fn text(v: &J) -> String {
    match v {
        J::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn strings(v: Option<&J>) -> Vec<String> {
    v.and_then(J::as_array)
        .map(|a| a.iter().map(text).collect())
        .unwrap_or_default()
}

/// octoDNS data (`values`/`value` and `dynamic`) for a full record in the layout.
pub fn read(t: &RecordType, record: &J) -> Result<J, String> {
    let mut defaults = BTreeSet::new();
    // pools in the order first seen, each: fallback, values
    let mut pools: Vec<(String, Option<String>, Vec<J>)> = Vec::new();
    fn pool_mut<'a>(
        pools: &'a mut Vec<(String, Option<String>, Vec<J>)>,
        name: &str,
    ) -> &'a mut (String, Option<String>, Vec<J>) {
        let i = match pools.iter().position(|p| p.0 == name) {
            Some(i) => i,
            None => {
                pools.push((name.to_string(), None, Vec::new()));
                pools.len() - 1
            }
        };
        &mut pools[i]
    }
    for a in record
        .get("answers")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
    {
        let meta = a.get("meta").cloned().unwrap_or(json!({}));
        let notes = note_of(&meta);
        let Some(value) = a.pointer("/answer/0").map(text) else {
            return Err("an answer without a value".into());
        };
        if notes.get("from").map(String::as_str) == Some("--default--") {
            defaults.insert(value);
            continue;
        }
        let name = match notes.get("pool") {
            Some(p) => p.clone(),
            None => {
                // before octodns-ns1 0.9.11: the region names the pool, priority 1 only
                if meta.get("priority").and_then(J::as_i64) != Some(1) {
                    continue;
                }
                pool_of_region(a.get("region").and_then(J::as_str).unwrap_or("")).to_string()
            }
        };
        let weight = match meta.get("weight") {
            None => 1,
            Some(J::Number(n)) => n.as_f64().unwrap_or(1.0) as i64,
            Some(J::String(s)) => s.trim().parse().map_err(|_| format!("weight {s:?}"))?,
            Some(other) => return Err(format!("weight {other}")),
        };
        let mut v = json!({"value": value, "weight": weight});
        if let Some(up) = meta.get("up").and_then(J::as_bool) {
            v["status"] = J::String(if up { "up" } else { "down" }.into());
        }
        let pool = pool_mut(&mut pools, &name);
        if !pool.2.contains(&v) {
            pool.2.push(v);
        }
        if let Some(f) = notes.get("fallback").filter(|f| !f.is_empty()) {
            pool.1 = Some(f.clone());
        }
    }
    // rules, from the regions in name order
    let mut rules: BTreeMap<i64, (String, BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    let regions = record
        .get("regions")
        .and_then(J::as_object)
        .cloned()
        .unwrap_or_default();
    for (label, region) in &regions {
        let name = pool_of_region(label).to_string();
        let meta = region.get("meta").cloned().unwrap_or(json!({}));
        let notes = note_of(&meta);
        if let Some(f) = notes.get("fallback") {
            pool_mut(&mut pools, &name).1 = Some(f.clone()).filter(|f| !f.is_empty());
        }
        let order: i64 = notes
            .get("rule-order")
            .and_then(|o| o.parse().ok())
            .ok_or_else(|| format!("the region {label} has no rule-order in its note"))?;
        let rule = rules
            .entry(order)
            .or_insert_with(|| (name.clone(), BTreeSet::new(), BTreeSet::new()));
        rule.1.extend(geos_of(&meta, &notes)?);
        rule.2.extend(strings(meta.get("ip_prefixes")));
    }
    let mut pool_map = Map::new();
    for (name, fallback, values) in pools {
        pool_map.insert(
            name,
            json!({"fallback": fallback.map_or(J::Null, J::String), "values": values}),
        );
    }
    let rules: Vec<J> = rules
        .into_values()
        .map(|(pool, geos, subnets)| {
            let mut r = json!({ "pool": pool });
            if !geos.is_empty() {
                r["geos"] = json!(geos);
            }
            if !subnets.is_empty() {
                r["subnets"] = json!(subnets);
            }
            r
        })
        .collect();
    let mut data = json!({
        "ttl": record.get("ttl").cloned().unwrap_or(J::Null),
        "type": t.as_str(),
        "dynamic": {"pools": pool_map, "rules": rules},
    });
    let defaults: Vec<String> = defaults.into_iter().collect();
    if t.single_value() {
        data["value"] = defaults.first().cloned().map_or(J::Null, J::String);
    } else {
        data["values"] = json!(defaults);
    }
    Ok(data)
}

/// The geos of a region's meta (octodns-ns1's `_parse_rule_geos`).
fn geos_of(meta: &J, notes: &BTreeMap<String, String>) -> Result<BTreeSet<String>, String> {
    let mut geos = BTreeSet::new();
    for r in strings(meta.get("georegion")) {
        let c = REGION_TO_CONTINENT
            .iter()
            .find(|(n, _)| *n == r)
            .ok_or_else(|| format!("unknown NS1 georegion {r:?}"))?;
        geos.insert(c.1.to_string());
    }
    let from_notes: BTreeSet<&str> = notes
        .get("continents")
        .map(|c| c.split(',').collect())
        .unwrap_or_default();
    let mut listed: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for cc in strings(meta.get("country")) {
        let Some(code) = geo_data::country_to_code(&cc) else {
            return Err(format!("unknown country {cc:?}"));
        };
        let con = geo_data::continent_of(&cc).unwrap_or_default();
        match COUNTRY_LISTED.iter().find(|c| **c == con) {
            Some(c) => {
                listed.entry(c).or_default().insert(cc);
            }
            None => {
                geos.insert(code);
            }
        }
    }
    for (con, ccs) in listed {
        if ccs == countries_of(con) || from_notes.contains(con) {
            geos.insert(con.to_string());
        } else {
            geos.extend(ccs.into_iter().map(|c| format!("{con}-{c}")));
        }
    }
    for s in strings(meta.get("us_state")) {
        geos.insert(format!("NA-US-{s}"));
    }
    for p in strings(meta.get("ca_province")) {
        geos.insert(format!("NA-CA-{p}"));
    }
    Ok(geos)
}

/// The regions of a dynamic record and which filters they need (octodns-ns1's
/// `_generate_regions`).
pub struct Regions {
    pub regions: Map<String, J>,
    pub region: bool,
    pub country: bool,
    pub subnet: bool,
}

pub fn regions(d: &Dynamic) -> Regions {
    let mut explicit: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for r in &d.rules {
        for g in &r.geos {
            if g.len() == 5
                && let Some((con, cc)) = g.split_once('-')
            {
                explicit.entry(con).or_default().insert(cc.to_string());
            }
        }
    }
    let mut out = Regions {
        regions: Map::new(),
        region: false,
        country: false,
        subnet: false,
    };
    for (i, rule) in d.rules.iter().enumerate() {
        let mut notes: BTreeMap<&str, String> = BTreeMap::new();
        notes.insert("rule-order", i.to_string());
        if let Some(f) = d.pools.get(&rule.pool).and_then(|p| p.fallback.clone()) {
            notes.insert("fallback", f);
        }
        let (mut country, mut georegion, mut states, mut provinces) = (
            BTreeSet::new(),
            BTreeSet::new(),
            BTreeSet::new(),
            BTreeSet::new(),
        );
        let mut continents = BTreeSet::new();
        for g in &rule.geos {
            match g.len() {
                8 => {
                    let sub = g[g.len() - 2..].to_string();
                    if g.starts_with("NA-US") {
                        states.insert(sub);
                    } else {
                        provinces.insert(sub);
                    }
                    out.country = true;
                }
                5 => {
                    country.insert(g[3..].to_string());
                    out.country = true;
                }
                _ => match continent_region(g) {
                    Some(r) => {
                        georegion.insert(r);
                        out.region = true;
                    }
                    None => {
                        let exclude = explicit.get(g.as_str()).cloned().unwrap_or_default();
                        country.extend(countries_of(g).difference(&exclude).cloned());
                        continents.insert(g.clone());
                        out.country = true;
                    }
                },
            }
        }
        if !continents.is_empty() {
            notes.insert(
                "continents",
                continents.into_iter().collect::<Vec<_>>().join(","),
            );
        }
        if !rule.subnets.is_empty() {
            out.subnet = true;
        }
        let note = encode_notes(&notes);
        let pool = &rule.pool;
        if !georegion.is_empty() {
            out.regions.insert(
                format!("{pool}__georegion"),
                json!({"meta": {"note": note, "georegion": georegion}}),
            );
        }
        if !(country.is_empty() && states.is_empty() && provinces.is_empty()) {
            let mut meta = json!({ "note": note });
            if !country.is_empty() {
                meta["country"] = json!(country);
            }
            if !states.is_empty() {
                meta["us_state"] = json!(states);
            }
            if !provinces.is_empty() {
                meta["ca_province"] = json!(provinces);
            }
            out.regions
                .insert(format!("{pool}__country"), json!({ "meta": meta }));
        }
        if !rule.subnets.is_empty() {
            let subnets: BTreeSet<&String> = rule.subnets.iter().collect();
            out.regions.insert(
                format!("{pool}__subnet"),
                json!({"meta": {"note": note, "ip_prefixes": subnets}}),
            );
        }
        if rule.geos.is_empty() && rule.subnets.is_empty() {
            out.regions
                .insert(format!("{pool}__catchall"), json!({"meta": {"note": note}}));
        }
    }
    out
}

/// A pool value as sent: its answer, weight and how its state is decided (a data feed, or
/// forced up or down).
pub struct Answer {
    pub value: String,
    pub weight: u32,
    pub feed: Option<String>,
    pub status: Status,
}

/// Every region's answers (octodns-ns1's `_generate_answers` / `_add_answers_for_pool`):
/// `values` are each pool's answers.
pub fn answers(
    d: &Dynamic,
    r: &RecordSet,
    regions: &Map<String, J>,
    values: &BTreeMap<String, Vec<Answer>>,
) -> Vec<J> {
    let mut out = Vec::new();
    for label in regions.keys() {
        let mut priority = 1;
        for pool in d.fallback_chain(pool_of_region(label)) {
            let fallback = d
                .pools
                .get(pool)
                .and_then(|p| p.fallback.clone())
                .unwrap_or_default();
            let mut notes = BTreeMap::new();
            notes.insert("fallback", fallback);
            notes.insert("from", label.clone());
            notes.insert("pool", pool.to_string());
            let note = encode_notes(&notes);
            for a in values.get(pool).into_iter().flatten() {
                let up = match &a.feed {
                    Some(f) => json!({ "feed": f }),
                    None => J::Bool(a.status == Status::Up),
                };
                out.push(json!({
                    "answer": [a.value],
                    "meta": {"priority": priority, "note": note, "up": up, "weight": a.weight},
                    "region": label,
                }));
            }
            priority += 1;
        }
        for v in &r.values {
            out.push(json!({
                "answer": [v.to_rdata()],
                "meta": {"priority": priority, "note": "from:--default--", "up": true, "weight": 1},
                "region": label,
            }));
        }
    }
    out
}
