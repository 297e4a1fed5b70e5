//! Dynamic records (A, AAAA, CNAME, DNAME): pools of weighted values with fallbacks, and
//! ordered rules that send geos and subnets to pools. Same data shape as octoDNS.

use std::collections::BTreeMap;

use serde_json::{Map, Value as J};

use super::value::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Up,
    Down,
    Obey,
}

impl Status {
    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "up" => Some(Status::Up),
            "down" => Some(Status::Down),
            "obey" => Some(Status::Obey),
            _ => None,
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Up => "up",
            Status::Down => "down",
            Status::Obey => "obey",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PoolValue {
    pub value: Value,
    /// 1..=100
    pub weight: u32,
    pub status: Status,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pool {
    /// None when no fallback (`default` is normalised to None, as octoDNS does).
    pub fallback: Option<String>,
    /// Sorted by value.
    pub values: Vec<PoolValue>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub pool: String,
    /// Sorted.
    pub geos: Vec<String>,
    /// Sorted.
    pub subnets: Vec<String>,
}

impl Rule {
    pub fn is_catch_all(&self) -> bool {
        self.geos.is_empty() && self.subnets.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dynamic {
    pub pools: BTreeMap<String, Pool>,
    pub rules: Vec<Rule>,
}

impl Dynamic {
    /// octoDNS's data shape: `{pools: {id: {fallback, values: [{value, weight, status}]}}, rules}`.
    pub fn to_data(&self) -> J {
        let mut pools = Map::new();
        for (id, p) in &self.pools {
            let mut pm = Map::new();
            // octoDNS always writes fallback (null when none), status and weight
            pm.insert(
                "fallback".into(),
                p.fallback.clone().map(J::String).unwrap_or(J::Null),
            );
            pm.insert(
                "values".into(),
                p.values
                    .iter()
                    .map(|v| {
                        let mut m = Map::new();
                        m.insert("status".into(), v.status.as_str().into());
                        m.insert("value".into(), v.value.to_data());
                        m.insert("weight".into(), v.weight.into());
                        J::Object(m)
                    })
                    .collect(),
            );
            pools.insert(id.clone(), J::Object(pm));
        }
        let rules: Vec<J> = self
            .rules
            .iter()
            .map(|r| {
                let mut m = Map::new();
                if !r.geos.is_empty() {
                    m.insert("geos".into(), r.geos.clone().into());
                }
                m.insert("pool".into(), J::String(r.pool.clone()));
                if !r.subnets.is_empty() {
                    m.insert("subnets".into(), r.subnets.clone().into());
                }
                J::Object(m)
            })
            .collect();
        let mut m = Map::new();
        m.insert("pools".into(), J::Object(pools));
        m.insert("rules".into(), J::Array(rules));
        J::Object(m)
    }

    /// Pools in the order traffic falls through from `start`: the pool, its fallback, and so on
    /// (stops at a loop).
    pub fn fallback_chain<'a>(&'a self, start: &'a str) -> Vec<&'a str> {
        let mut chain = vec![start];
        let mut cur = start;
        while let Some(next) = self.pools.get(cur).and_then(|p| p.fallback.as_deref()) {
            if chain.contains(&next) || !self.pools.contains_key(next) {
                break;
            }
            chain.push(next);
            cur = next;
        }
        chain
    }
}
