//! `OwnershipProcessor` (`octodns.processor.ownership`): every managed record gets a TXT
//! marker (`_owner.a.www` = `*octodns*`), and a plan only touches records that carry one or
//! are about to (the desired zone's). A record another tool created has no marker: it is never
//! updated or deleted, so a zone can be shared. A marker with another value means another
//! owner, and taking its record over is refused unless `allow_takeover: true`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Deserialize;

use super::{Error, PlanCtx, Processor, SourceCtx};
use crate::model::{RecordSet, RecordType, Value, Zone};
use crate::plan::ZonePlan;
use crate::yaml::{self, Node};

#[derive(Debug)]
pub struct Ownership {
    id: String,
    txt_name: String,
    txt_value: String,
    txt_ttl: u32,
    should_replace: bool,
    allow_takeover: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    #[serde(default = "txt_name")]
    txt_name: String,
    #[serde(default = "txt_value")]
    txt_value: String,
    #[serde(default = "txt_ttl")]
    txt_ttl: u32,
    #[serde(default)]
    should_replace: bool,
    #[serde(default)]
    allow_takeover: bool,
    #[serde(default)]
    #[allow(dead_code)] // BaseProcessor's option
    lenient: bool,
}

fn txt_name() -> String {
    "_owner".into()
}

fn txt_value() -> String {
    "*octodns*".into()
}

fn txt_ttl() -> u32 {
    60
}

pub fn ownership(id: &str, node: &Node) -> Result<Arc<dyn Processor>, yaml::de::Error> {
    let s: Settings = super::settings(node)?;
    if s.txt_name.is_empty() {
        // every TXT would be a marker
        return Err(yaml::de::Error::at(
            &node.pos,
            Some("txt_name"),
            "txt_name must not be empty",
        ));
    }
    Ok(Arc::new(Ownership {
        id: id.to_string(),
        txt_name: s.txt_name,
        txt_value: s.txt_value,
        txt_ttl: s.txt_ttl,
        should_replace: s.should_replace,
        allow_takeover: s.allow_takeover,
    }))
}

/// Python's `repr` of a list of strings (`['*octodns*']`), as octoDNS's message shows values.
fn py_list(values: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    let items: Vec<String> = values
        .into_iter()
        .map(|v| crate::yaml::str_repr(v.as_ref()))
        .collect();
    format!("[{}]", items.join(", "))
}

impl Ownership {
    /// A TXT named like a marker (ours or another owner's).
    fn is_marker_name(&self, r: &RecordSet) -> bool {
        r.rtype == RecordType::Txt && r.name.starts_with(&self.txt_name)
    }

    /// One of our markers: named like one, holding exactly our value.
    fn is_ours(&self, r: &RecordSet) -> bool {
        self.is_marker_name(r)
            && matches!(r.values.as_slice(), [Value::Text(t)] if *t == self.txt_value)
    }

    /// The marker's name for a record: `_owner.{type}.{name}`, `*` spelled `_wildcard`, the
    /// apex's `_owner.{type}`; lowercase, as octoDNS's record names are.
    fn marker_name(&self, r: &RecordSet) -> String {
        let name = if r.name.is_empty() {
            format!("{}.{}", self.txt_name, r.rtype.as_str())
        } else {
            format!(
                "{}.{}.{}",
                self.txt_name,
                r.rtype.as_str(),
                r.name.replace('*', "_wildcard")
            )
        };
        name.to_lowercase()
    }

    /// (name, TYPE) a marker marks; None for a name with no type part (`_owner` alone, where
    /// octoDNS fails on an index).
    fn decode(&self, r: &RecordSet) -> Option<(String, String)> {
        let mut pieces = r.name.splitn(3, '.');
        pieces.next()?;
        let rtype = pieces.next()?.to_uppercase();
        let name = pieces
            .next()
            .map(|n| n.replace("_wildcard", "*"))
            .unwrap_or_default();
        Some((name, rtype))
    }
}

impl Processor for Ownership {
    fn id(&self) -> &str {
        &self.id
    }

    fn source_zone(&self, desired: &mut Zone, _: &mut SourceCtx) -> Result<(), Error> {
        let mut markers = Vec::new();
        for r in desired.iter() {
            // markers are not marked (an alias zone is processed twice)
            if self.is_ours(r) {
                continue;
            }
            let mut txt = RecordSet::new(
                self.marker_name(r),
                RecordType::Txt,
                self.txt_ttl,
                vec![Value::Text(self.txt_value.clone())],
            );
            txt.pos = r.pos.clone();
            txt.source = r.source.clone();
            // added leniently, as octoDNS adds it: a delegation's marker (`_owner.ns.sub`)
            // lies under the sub-zone, which is a warning, not an error
            txt.settings.lenient = true;
            markers.push(txt);
        }
        for txt in markers {
            let key = (txt.name.clone(), RecordType::Txt);
            if !self.should_replace
                && let Some(held) = desired.records.get(&key)
            {
                return Err(Error::at(
                    &self.id,
                    held,
                    format!(
                        "Duplicate record {}, type TXT (the ownership marker's name is taken; \
                         set should_replace=true to replace it)",
                        txt.fqdn(&desired.name)
                    ),
                ));
            }
            desired.insert(txt);
        }
        Ok(())
    }

    fn wants_zones_in_plan(&self) -> bool {
        true
    }

    fn plan(&self, plan: &mut ZonePlan, ctx: &mut PlanCtx) -> Result<(), Error> {
        if plan.changes.is_empty() {
            return Ok(());
        }
        let mut owned: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut foreign = Vec::new();
        for r in ctx.existing.iter().flat_map(|z| z.iter()) {
            if self.is_ours(r) {
                if let Some((name, rtype)) = self.decode(r) {
                    owned.entry(name).or_default().insert(rtype);
                }
            } else if !self.allow_takeover && self.is_marker_name(r) {
                foreign.push(r);
            }
        }
        for r in ctx.desired.iter().flat_map(|z| z.iter()) {
            if self.is_ours(r)
                && let Some((name, rtype)) = self.decode(r)
            {
                owned.entry(name).or_default().insert(rtype);
            }
        }
        let is_owned = |name: &str, rtype: &str| owned.get(name).is_some_and(|t| t.contains(rtype));
        for r in foreign {
            if let Some((name, rtype)) = self.decode(r)
                && is_owned(&name, &rtype)
            {
                return Err(Error::at(
                    &self.id,
                    r,
                    format!(
                        "{}: refusing to take over {} {rtype}, owned by {}, not {}; set \
                         allow_takeover=true to override",
                        self.id,
                        r.fqdn(&plan.zone),
                        py_list(r.values.iter().map(super::filter::match_text)),
                        py_list([&self.txt_value]),
                    ),
                ));
            }
        }
        // a change is kept if it is a marker's, its record is owned (now or until now), or
        // it is the meta record
        plan.changes.retain(|c| {
            let r = c.record();
            self.is_ours(r)
                || is_owned(&r.name, &r.rtype.as_str().to_uppercase())
                || r.name == "octodns-meta"
        });
        Ok(())
    }
}
