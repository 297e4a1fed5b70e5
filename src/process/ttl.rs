//! TTL processors: `TtlRestrictionFilter` (`octodns.processor.restrict`) refuses a desired
//! record whose TTL is outside the allowed range or set; `TtlClampProcessor`
//! (`octodns.processor.clamp`) moves it inside the range instead.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Deserialize;

use super::{Error, Processor, SourceCtx};
use crate::model::Zone;
use crate::yaml::{self, Node};

/// octoDNS's `SEVEN_DAYS`, `TtlRestrictionFilter`'s default `max_ttl`.
const SEVEN_DAYS: i64 = 7 * 24 * 60 * 60;

#[derive(Debug)]
pub struct TtlRestriction {
    id: String,
    min_ttl: i64,
    max_ttl: i64,
    /// Empty: any TTL in the range (octoDNS treats an empty list as none given).
    allowed_ttls: BTreeSet<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RestrictionSettings {
    #[serde(default = "one")]
    min_ttl: i64,
    #[serde(default = "seven_days")]
    max_ttl: i64,
    #[serde(default)]
    allowed_ttls: Option<Vec<i64>>,
    #[serde(default)]
    #[allow(dead_code)] // BaseProcessor's option; the filter skips lenient records instead
    lenient: bool,
}

fn one() -> i64 {
    1
}

fn seven_days() -> i64 {
    SEVEN_DAYS
}

pub fn ttl_restriction(id: &str, node: &Node) -> Result<Arc<dyn Processor>, yaml::de::Error> {
    let s: RestrictionSettings = super::settings(node)?;
    Ok(Arc::new(TtlRestriction {
        id: id.to_string(),
        min_ttl: s.min_ttl,
        max_ttl: s.max_ttl,
        allowed_ttls: s.allowed_ttls.unwrap_or_default().into_iter().collect(),
    }))
}

impl Processor for TtlRestriction {
    fn id(&self) -> &str {
        &self.id
    }

    fn source_zone(&self, desired: &mut Zone, _: &mut SourceCtx) -> Result<(), Error> {
        for r in desired.iter() {
            // a record marked `octodns: {lenient: true}` is not checked (octoDNS's
            // record.lenient); the zone's `lenient` does not skip the check
            if r.settings.lenient {
                continue;
            }
            let ttl = i64::from(r.ttl);
            let fqdn = r.fqdn(&desired.name);
            let why = if !self.allowed_ttls.is_empty() && !self.allowed_ttls.contains(&ttl) {
                let set: Vec<String> = self.allowed_ttls.iter().map(i64::to_string).collect();
                format!(
                    "{fqdn} ttl={ttl} not an allowed value, allowed_ttls={{{}}}",
                    set.join(", ")
                )
            } else if ttl < self.min_ttl {
                format!("{fqdn} ttl={ttl} too low, min_ttl={}", self.min_ttl)
            } else if ttl > self.max_ttl {
                format!("{fqdn} ttl={ttl} too high, max_ttl={}", self.max_ttl)
            } else {
                continue;
            };
            return Err(Error::at(&self.id, r, why));
        }
        Ok(())
    }
}

#[derive(Debug)]
pub struct TtlClamp {
    id: String,
    min_ttl: u32,
    max_ttl: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClampSettings {
    #[serde(default = "three_hundred")]
    min_ttl: i64,
    #[serde(default = "one_day")]
    max_ttl: i64,
    #[serde(default)]
    #[allow(dead_code)]
    lenient: bool,
}

fn three_hundred() -> i64 {
    300
}

fn one_day() -> i64 {
    86400
}

pub fn ttl_clamp(id: &str, node: &Node) -> Result<Arc<dyn Processor>, yaml::de::Error> {
    let s: ClampSettings = super::settings(node)?;
    let err = |key, msg: String| yaml::de::Error::at(&node.pos, Some(key), msg);
    if s.min_ttl > s.max_ttl {
        return Err(err(
            "min_ttl",
            format!(
                "Min TTL {} is not lower than max TTL {}",
                s.min_ttl, s.max_ttl
            ),
        ));
    }
    // a TTL is a u32 on the wire: bounds outside it clamp to its ends
    let fit = |v: i64| v.clamp(0, i64::from(u32::MAX)) as u32;
    Ok(Arc::new(TtlClamp {
        id: id.to_string(),
        min_ttl: fit(s.min_ttl),
        max_ttl: fit(s.max_ttl),
    }))
}

impl Processor for TtlClamp {
    fn id(&self) -> &str {
        &self.id
    }

    fn source_zone(&self, desired: &mut Zone, ctx: &mut SourceCtx) -> Result<(), Error> {
        let zone = desired.name.clone();
        let mut clamped = Vec::new();
        for r in desired.records.values_mut() {
            let ttl = r.ttl.clamp(self.min_ttl, self.max_ttl);
            if ttl != r.ttl {
                clamped.push(format!(
                    "{} ({}) {} -> {ttl}",
                    r.fqdn(&zone),
                    r.rtype.as_str(),
                    r.ttl
                ));
                r.ttl = ttl;
            }
        }
        // one note per zone (octoDNS logs each at info level), the first few named
        if !clamped.is_empty() {
            let more = clamped.len().saturating_sub(5);
            clamped.truncate(5);
            let tail = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            ctx.warnings.push(format!(
                "{}: clamped TTLs into {}..={}: {}{tail}",
                self.id,
                self.min_ttl,
                self.max_ttl,
                clamped.join(", ")
            ));
        }
        Ok(())
    }
}
