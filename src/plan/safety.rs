//! Safety rails, all checked on every plan before any apply: octoDNS's update/delete
//! thresholds (only for zones with at least 10 existing records; creates never count), root NS
//! changes, and ours: an absolute `max_deletes` and types that always need `--force`. Each
//! refusal names its rail, so reports can say per zone × target what holds the apply back.

use super::ZonePlan;
use crate::model::RecordType;

/// Minimum existing records before the percentage thresholds apply (octoDNS's value).
pub const MIN_EXISTING_RECORDS: usize = 10;

/// The rails for one zone × target (zone settings override provider settings, which override
/// the defaults).
#[derive(Clone, Debug)]
pub struct Rails {
    pub update_pcent: f64,
    pub delete_pcent: f64,
    pub max_deletes: Option<usize>,
    pub confirm_types: Vec<String>,
}

impl Default for Rails {
    fn default() -> Self {
        Rails {
            update_pcent: 0.3,
            delete_pcent: 0.3,
            max_deletes: None,
            confirm_types: Vec::new(),
        }
    }
}

/// Why a plan needs `--force`.
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal {
    TooManyUpdates {
        pcent: f64,
        limit: f64,
        count: usize,
        existing: usize,
    },
    TooManyDeletes {
        pcent: f64,
        limit: f64,
        count: usize,
        existing: usize,
    },
    MaxDeletes {
        count: usize,
        limit: usize,
    },
    RootNs,
    ConfirmTypes {
        types: Vec<String>,
    },
}

impl Refusal {
    /// The rail's short name, as reviewers see it next to a zone × target.
    pub fn rail(&self) -> &'static str {
        match self {
            Refusal::TooManyUpdates { .. } => "update threshold",
            Refusal::TooManyDeletes { .. } => "delete threshold",
            Refusal::MaxDeletes { .. } => "max_deletes",
            Refusal::RootNs => "root NS",
            Refusal::ConfirmTypes { .. } => "confirm_types",
        }
    }

    /// octoDNS's wording where octoDNS has the rail.
    pub fn message(&self, zone: &str, target: &str) -> String {
        match self {
            Refusal::TooManyUpdates {
                pcent,
                limit,
                count,
                existing,
            } => format!(
                "[{zone}] Too many updates, {:.2}% is over {:.2}% ({count}/{existing}), force required (target {target})",
                pcent * 100.0,
                limit * 100.0
            ),
            Refusal::TooManyDeletes {
                pcent,
                limit,
                count,
                existing,
            } => format!(
                "[{zone}] Too many deletes, {:.2}% is over {:.2}% ({count}/{existing}), force required (target {target})",
                pcent * 100.0,
                limit * 100.0
            ),
            Refusal::MaxDeletes { count, limit } => format!(
                "[{zone}] {count} deletes is over max_deletes {limit}, force required (target {target})"
            ),
            Refusal::RootNs => {
                format!("[{zone}] Root NS record change, force required (target {target})")
            }
            Refusal::ConfirmTypes { types } => format!(
                "[{zone}] changes to {} need explicit confirmation, force required (target {target})",
                types.join(", ")
            ),
        }
    }
}

/// One refusal of one zone × target, as the reports carry it (and plan files store it: the
/// fields are in the file's sorted key order, as serde writes them as declared).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refused {
    /// [`Refusal::message`].
    pub message: String,
    /// [`Refusal::rail`].
    pub rail: String,
    pub target: String,
    pub zone: String,
}

impl Refused {
    pub fn new(zone: &str, target: &str, r: &Refusal) -> Self {
        Refused {
            zone: zone.to_string(),
            target: target.to_string(),
            rail: r.rail().to_string(),
            message: r.message(zone, target),
        }
    }
}

/// One zone on one target: what a plan covers, a rail refuses, an apply skips. Plan files
/// hold it as the array `[zone, target]`.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(from = "(String, String)", into = "(String, String)")]
pub struct ZoneTarget {
    pub zone: String,
    pub target: String,
}

impl ZoneTarget {
    pub fn new(zone: &str, target: &str) -> Self {
        ZoneTarget {
            zone: zone.to_string(),
            target: target.to_string(),
        }
    }
}

impl From<(String, String)> for ZoneTarget {
    fn from((zone, target): (String, String)) -> Self {
        ZoneTarget { zone, target }
    }
}

impl From<ZoneTarget> for (String, String) {
    fn from(p: ZoneTarget) -> Self {
        (p.zone, p.target)
    }
}

/// Every reason this plan needs `--force` (empty: safe).
pub fn check(plan: &ZonePlan, rails: &Rails) -> Vec<Refusal> {
    let mut out = Vec::new();
    let s = plan.summary();
    let existing = plan.existing_count;
    if existing >= MIN_EXISTING_RECORDS {
        let up = s.updates as f64 / existing as f64;
        if up > rails.update_pcent {
            out.push(Refusal::TooManyUpdates {
                pcent: up,
                limit: rails.update_pcent,
                count: s.updates,
                existing,
            });
        }
        let del = s.deletes as f64 / existing as f64;
        if del > rails.delete_pcent {
            out.push(Refusal::TooManyDeletes {
                pcent: del,
                limit: rails.delete_pcent,
                count: s.deletes,
                existing,
            });
        }
    }
    if let Some(limit) = rails.max_deletes
        && s.deletes > limit
    {
        out.push(Refusal::MaxDeletes {
            count: s.deletes,
            limit,
        });
    }
    if plan.exists && touches_root_ns(plan) {
        out.push(Refusal::RootNs);
    }
    let mut types: Vec<String> = plan
        .changes
        .iter()
        .map(|c| c.rtype.as_str().to_string())
        .filter(|t| {
            rails
                .confirm_types
                .iter()
                .any(|c| c.eq_ignore_ascii_case(t))
        })
        .collect();
    types.sort();
    types.dedup();
    if !types.is_empty() {
        out.push(Refusal::ConfirmTypes { types });
    }
    out
}

/// Does the plan change the apex NS?
pub fn touches_root_ns(plan: &ZonePlan) -> bool {
    plan.changes
        .iter()
        .any(|c| c.name.is_empty() && c.rtype == RecordType::Ns)
}
