//! The zone model: names, types, typed values, dynamic records, record sets and zones.
//!
//! Everything here is plain data with a total order, so every output built from it is
//! deterministic. Record identity is (name, type), as in octoDNS. Values are kept in octoDNS's
//! internal form (names IDNA-encoded and lowercased, TXT with `\;` escapes) and sorted.
//!
//! Rule: `model` uses std, serde and the `yaml` position type only; nothing here does I/O.

pub mod build;
pub mod dynamic;
pub mod name;
pub mod rdata;
pub mod rtype;
pub mod value;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use dynamic::{Dynamic, Pool, PoolValue, Rule, Status};
pub use name::{
    NameError, glob_match, idna_decode, idna_encode, join_below, join_inside, parse_zone_name,
    record_file_stem, relative_name, zone_file_stem,
};
pub use rtype::RecordType;
pub use value::Value;

use crate::yaml::Pos;

/// Per-record `octodns:` settings; unknown keys are kept as data.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settings {
    pub ignored: bool,
    pub lenient: bool,
    pub included: Vec<String>,
    pub excluded: Vec<String>,
    /// The whole `octodns:` mapping as written (healthcheck, provider sub-maps, anything else).
    pub raw: serde_json::Map<String, serde_json::Value>,
}

impl Settings {
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// Is this record managed on the target called `target`?
    pub fn managed_on(&self, target: &str) -> bool {
        if self.ignored {
            return false;
        }
        if !self.included.is_empty() && !self.included.iter().any(|t| t == target) {
            return false;
        }
        !self.excluded.iter().any(|t| t == target)
    }

    /// `octodns.healthcheck` with octoDNS's defaults applied.
    pub fn healthcheck(&self, fqdn: &str) -> Healthcheck {
        let hc = self.raw.get("healthcheck").and_then(|v| v.as_object());
        let get = |k: &str| hc.and_then(|m| m.get(k));
        let protocol = get("protocol")
            .and_then(|v| v.as_str())
            .unwrap_or("HTTPS")
            .to_string();
        let http = protocol == "HTTP" || protocol == "HTTPS";
        let host = if http {
            Some(
                get("host")
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
                    .unwrap_or_else(|| fqdn.trim_end_matches('.').to_string()),
            )
        } else {
            None
        };
        let path = if http {
            Some(
                get("path")
                    .and_then(|v| v.as_str())
                    .unwrap_or("/_dns")
                    .to_string(),
            )
        } else {
            None
        };
        let port = if protocol == "ICMP" {
            None
        } else {
            Some(
                get("port")
                    .and_then(|v| {
                        v.as_u64()
                            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                    })
                    .map(|p| p.min(u16::MAX as u64) as u16)
                    .unwrap_or(443),
            )
        };
        Healthcheck {
            protocol,
            host,
            path,
            port,
        }
    }
}

/// Health check settings of a record (octoDNS defaults: HTTPS, `/_dns`, port 443, host = fqdn).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Healthcheck {
    pub protocol: String,
    pub host: Option<String>,
    pub path: Option<String>,
    pub port: Option<u16>,
}

/// One record set: all values of one type at one name.
#[derive(Clone, Debug)]
pub struct RecordSet {
    /// Relative to the zone, IDNA-encoded, lowercased; `""` is the apex.
    pub name: String,
    pub rtype: RecordType,
    pub ttl: u32,
    /// Sorted, deduplicated.
    pub values: Vec<Value>,
    pub dynamic: Option<Dynamic>,
    /// The deprecated `geo:` map (kept so it round-trips); `{geo code: [values]}`.
    pub geo: Option<BTreeMap<String, Vec<String>>>,
    pub settings: Settings,
    /// Where it was defined (or read from).
    pub pos: Pos,
    /// Where each value was read, when a source knows it line by line (a zone file: one
    /// resource record per line); empty otherwise. Looked up by value, so a value a processor
    /// rewrote falls back to `pos`. See [`RecordSet::value_pos`].
    pub value_pos: Vec<(Value, Pos)>,
    /// Which source defined it (config provider id), for plan output.
    pub source: Option<Arc<str>>,
    /// Provider-private data (record ids, etags); never compared, never rendered.
    pub provider_data: Option<Arc<serde_json::Value>>,
}

impl PartialEq for RecordSet {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.rtype == other.rtype
            && self.ttl == other.ttl
            && self.values == other.values
            && self.dynamic == other.dynamic
            && self.geo == other.geo
    }
}

impl RecordSet {
    pub fn new(name: impl Into<String>, rtype: RecordType, ttl: u32, values: Vec<Value>) -> Self {
        let mut r = RecordSet {
            name: name.into(),
            rtype,
            ttl,
            values,
            dynamic: None,
            geo: None,
            settings: Settings::default(),
            pos: Pos::none(),
            value_pos: Vec::new(),
            source: None,
            provider_data: None,
        };
        r.normalize();
        r
    }

    /// Sort and deduplicate values (octoDNS sorts; duplicates collapse in DNS anyway).
    pub fn normalize(&mut self) {
        self.values.sort();
        self.values.dedup();
    }

    pub fn fqdn(&self, zone: &str) -> String {
        if self.name.is_empty() {
            zone.to_string()
        } else {
            format!("{}.{}", self.name, zone)
        }
    }

    /// The record in octoDNS's data shape (what a YAML zone file holds for it).
    pub fn to_data(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("ttl".into(), self.ttl.into());
        m.insert("type".into(), self.rtype.as_str().into());
        // octoDNS's shape: one value as `value`, several as `values`
        match self.values.as_slice() {
            [] => {}
            [one] => {
                m.insert("value".into(), one.to_data());
            }
            many => {
                m.insert("values".into(), many.iter().map(Value::to_data).collect());
            }
        }
        if let Some(d) = &self.dynamic {
            m.insert("dynamic".into(), d.to_data());
        }
        if let Some(g) = &self.geo {
            m.insert(
                "geo".into(),
                serde_json::to_value(g).unwrap_or(serde_json::Value::Null),
            );
        }
        if !self.settings.raw.is_empty() {
            m.insert(
                "octodns".into(),
                serde_json::Value::Object(self.settings.raw.clone()),
            );
        }
        serde_json::Value::Object(m)
    }

    /// Where `value` was read: its own line when the source kept one, else the record's.
    pub fn value_pos(&self, value: &Value) -> &Pos {
        self.value_pos
            .iter()
            .find(|(v, _)| v == value)
            .map_or(&self.pos, |(_, p)| p)
    }

    /// Values as DNS presentation text (RDATA), one string each.
    pub fn rdata(&self) -> Vec<String> {
        self.values.iter().map(Value::to_rdata).collect()
    }
}

/// A zone: record sets keyed by (name, type).
#[derive(Clone, Debug, Default)]
pub struct Zone {
    /// Fully qualified, IDNA-encoded, lowercased, with the trailing dot.
    pub name: String,
    pub records: BTreeMap<(String, RecordType), RecordSet>,
}

impl Zone {
    pub fn new(name: impl Into<String>) -> Self {
        Zone {
            name: name.into(),
            records: BTreeMap::new(),
        }
    }

    /// Add a record; returns the one it replaced, if any.
    pub fn insert(&mut self, r: RecordSet) -> Option<RecordSet> {
        self.records.insert((r.name.clone(), r.rtype.clone()), r)
    }

    pub fn get(&self, name: &str, rtype: &RecordType) -> Option<&RecordSet> {
        self.records.get(&(name.to_string(), rtype.clone()))
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &RecordSet> {
        self.records.values()
    }

    /// The name relative to this zone for a fully qualified name, if it is inside the zone.
    pub fn relative(&self, fqdn: &str) -> Option<String> {
        relative_name(&fqdn.to_ascii_lowercase(), &self.name)
    }
}

/// What a provider can hold, declared as data and checked before any network call.
#[derive(Clone, Debug)]
pub struct Capabilities {
    /// None = every type (local files).
    pub types: Option<Vec<RecordType>>,
    pub root_ns: bool,
    pub dynamic: bool,
    pub geo: bool,
    pub dynamic_subnets: bool,
    pub pool_value_status: bool,
    pub multivalue_ptr: bool,
    pub healthchecks: bool,
    /// Types whose TTL the provider does not store (Route 53 aliases): a TTL difference alone
    /// is no change.
    pub ttl_free: Vec<RecordType>,
}

impl Capabilities {
    /// A provider that can hold anything (local YAML files).
    pub fn everything() -> Self {
        Capabilities {
            types: None,
            root_ns: true,
            dynamic: true,
            geo: true,
            dynamic_subnets: true,
            pool_value_status: true,
            multivalue_ptr: true,
            healthchecks: true,
            ttl_free: Vec::new(),
        }
    }

    /// A provider of plain records only (zone files, RFC 2136 servers, Azure DNS): these
    /// types, root NS and multi-value PTR, nothing dynamic.
    pub fn static_records(types: Vec<RecordType>) -> Self {
        Capabilities {
            types: Some(types),
            root_ns: true,
            dynamic: false,
            geo: false,
            dynamic_subnets: false,
            pool_value_status: false,
            multivalue_ptr: true,
            healthchecks: false,
            ttl_free: Vec::new(),
        }
    }

    pub fn supports_type(&self, t: &RecordType) -> bool {
        match &self.types {
            None => true,
            Some(list) => list.contains(t),
        }
    }
}
