//! `manager.auto_arpa` (`octodns.processor.arpa.AutoArpa`): PTR records generated from the A
//! and AAAA records of every zone into the zones ending in `arpa.` that list the `auto-arpa`
//! source.
//!
//! The processor (`auto-arpa`, first of `manager.post_processors`) remembers, per zone, the
//! addresses it saw and the names they belong to; `config::load_desired` asks it for an arpa
//! zone's PTR records once every other zone has been seen (`Config::auto_arpa_ptrs`).

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use serde::Deserialize;

use super::{Error, Processor, SourceCtx};
use crate::model::{RecordSet, RecordType, Value, Zone};
use crate::yaml::{self, Node};

/// The id octoDNS gives the processor and the source.
pub const ID: &str = "auto-arpa";

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default = "hour")]
    pub ttl: u32,
    #[serde(default)]
    pub populate_should_replace: bool,
    #[serde(default = "max_auto_arpa")]
    pub max_auto_arpa: usize,
    #[serde(default)]
    pub inherit_ttl: bool,
    #[serde(default)]
    pub wildcard_replacement: Option<String>,
}

fn hour() -> u32 {
    3600
}

fn max_auto_arpa() -> usize {
    999
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            ttl: hour(),
            populate_should_replace: false,
            max_auto_arpa: max_auto_arpa(),
            inherit_ttl: false,
            wildcard_replacement: None,
        }
    }
}

/// One name an address belongs to: (`auto_arpa_priority`, ttl, fqdn), ordered as octoDNS
/// sorts them.
type Entry = (i64, u32, String);

#[derive(Debug)]
pub struct AutoArpa {
    pub settings: Settings,
    /// Zone → (reverse name with final dot → entries), replaced each time the zone is seen,
    /// so loading a zone twice changes nothing.
    seen: Mutex<HashMap<String, BTreeMap<String, Vec<Entry>>>>,
}

/// `manager.auto_arpa`: `true` (the defaults) or a mapping of settings.
pub fn from_node(node: &Node) -> Result<Option<Arc<AutoArpa>>, yaml::de::Error> {
    let settings = match node.as_bool() {
        Some(false) => return Ok(None),
        Some(true) => Settings::default(),
        None if node.is_null() => return Ok(None),
        None => super::settings(node)?,
    };
    Ok(Some(Arc::new(AutoArpa {
        settings,
        seen: Mutex::new(HashMap::new()),
    })))
}

/// Python's `ip_address(ip).reverse_pointer` with the final dot.
pub fn reverse_pointer(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v) => {
            let o = v.octets();
            format!("{}.{}.{}.{}.in-addr.arpa.", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(v) => {
            let hex: String = v.octets().iter().map(|b| format!("{b:02x}")).collect();
            let mut nibbles: Vec<String> = hex.chars().rev().map(String::from).collect();
            nibbles.push("ip6.arpa.".into());
            nibbles.join(".")
        }
    }
}

impl AutoArpa {
    /// The PTR records for `zone` (an arpa zone) from every zone seen: each reverse name
    /// below the zone gets the names its address belongs to, ordered by priority, TTL and
    /// name, each once, at most `max_auto_arpa`, with the TTL of the first.
    pub fn ptrs(&self, zone: &str) -> Vec<RecordSet> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let suffix = format!(".{zone}");
        // only the reverse names below this zone: (name in the zone → entries)
        let mut by_ptr: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
        for ptrs in seen.values() {
            for (ptr, entries) in ptrs {
                if let Some(name) = ptr.strip_suffix(&suffix) {
                    by_ptr.entry(name).or_default().extend(entries);
                }
            }
        }
        let mut out = Vec::new();
        for (name, mut entries) in by_ptr {
            entries.sort();
            let mut names: Vec<&str> = Vec::new();
            let mut ttl = None;
            for (_, t, fqdn) in entries {
                if names.contains(&fqdn.as_str()) {
                    continue;
                }
                ttl.get_or_insert(*t);
                names.push(fqdn);
                if names.len() >= self.settings.max_auto_arpa {
                    break;
                }
            }
            let values = names.iter().map(|n| Value::Target(n.to_string())).collect();
            out.push(RecordSet::new(
                name,
                RecordType::Ptr,
                ttl.unwrap_or(self.settings.ttl),
                values,
            ));
        }
        out
    }
}

impl Processor for AutoArpa {
    fn id(&self) -> &str {
        ID
    }

    fn source_zone(&self, desired: &mut Zone, _: &mut SourceCtx) -> Result<(), Error> {
        // arpa zones are the output: what they hold is not collected
        if desired.name.ends_with("arpa.") {
            return Ok(());
        }
        let wildcard = self.settings.wildcard_replacement.as_deref();
        let mut ptrs: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
        for r in desired.iter() {
            if !matches!(r.rtype, RecordType::A | RecordType::Aaaa)
                || (r.name == "*" && wildcard.is_none())
            {
                continue;
            }
            // the plain values, then the deprecated geo's, then every dynamic pool's
            let mut ips: Vec<String> = r
                .values
                .iter()
                .filter_map(|v| v.as_text().map(str::to_string))
                .collect();
            for values in r.geo.iter().flat_map(|g| g.values()) {
                ips.extend(values.iter().cloned());
            }
            for pool in r.dynamic.iter().flat_map(|d| d.pools.values()) {
                ips.extend(
                    pool.values
                        .iter()
                        .filter_map(|v| v.value.as_text().map(str::to_string)),
                );
            }
            let mut fqdn = r.fqdn(&desired.name);
            if let Some(w) = wildcard {
                fqdn = fqdn.replace('*', w);
            }
            let priority = r
                .settings
                .raw
                .get("auto_arpa_priority")
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(999);
            let ttl = if self.settings.inherit_ttl {
                r.ttl
            } else {
                self.settings.ttl
            };
            for ip in ips {
                let Ok(ip) = ip.parse::<IpAddr>() else {
                    continue; // refused by the record's own checks
                };
                ptrs.entry(reverse_pointer(ip))
                    .or_default()
                    .push((priority, ttl, fqdn.clone()));
            }
        }
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(desired.name.clone(), ptrs);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_pointers_are_pythons() {
        assert_eq!(
            reverse_pointer("192.0.2.10".parse().unwrap()),
            "10.2.0.192.in-addr.arpa."
        );
        assert_eq!(
            reverse_pointer("2001:db8::1".parse().unwrap()),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."
        );
    }
}
