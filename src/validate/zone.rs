//! Zone-level rules (octoDNS's zone validators): what records may stand together at a node,
//! and whether names the zone points at make sense.

use std::collections::BTreeMap;

use super::{LEGACY_STRICT, Rules, ZoneReason};
use crate::model::{RecordType, Zone};

pub fn check(zone: &Zone, rules: &Rules) -> Vec<ZoneReason> {
    let mut out = Vec::new();
    if rules.zone_on("cname-coexistence", LEGACY_STRICT) {
        cname_coexistence(zone, &mut out);
    }
    out
}

/// Records grouped by node name.
pub fn nodes(zone: &Zone) -> BTreeMap<&str, Vec<&RecordType>> {
    let mut m: BTreeMap<&str, Vec<&RecordType>> = BTreeMap::new();
    for ((name, t), _) in &zone.records {
        m.entry(name.as_str()).or_default().push(t);
    }
    m
}

fn cname_coexistence(zone: &Zone, out: &mut Vec<ZoneReason>) {
    for (name, types) in nodes(zone) {
        if types.len() < 2 {
            continue;
        }
        let fqdn = if name.is_empty() {
            zone.name.clone()
        } else {
            format!("{name}.{}", zone.name)
        };
        let records = types
            .iter()
            .map(|t| (name.to_string(), (*t).clone()))
            .collect();
        if types.contains(&&RecordType::Cname) {
            out.push(ZoneReason {
                rule: "cname-coexistence",
                message: format!("Invalid state, CNAME at {fqdn} cannot coexist with other records"),
                records,
            });
        } else if types.contains(&&RecordType::Alias)
            && (types.contains(&&RecordType::A) || types.contains(&&RecordType::Aaaa))
        {
            out.push(ZoneReason {
                rule: "cname-coexistence",
                message: format!(
                    "Invalid state, ALIAS at {fqdn} cannot coexist with A or AAAA records"
                ),
                records,
            });
        }
    }
}
