//! Renderings of one plan: a terminal table, markdown (the PR comment body), JSON.
//! Pure functions of `&Plan` (plus the rails' verdicts), snapshot-tested.
//!
//! Rule: `render` uses `model` and `plan` only.

pub mod markdown;
pub mod table;

use crate::model::{RecordSet, idna_decode};
use crate::plan::Plan;

/// What a rendering shows besides the plan itself.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// `[zone] …, force required` messages.
    pub refusals: Vec<String>,
    /// Capability degradations etc.
    pub warnings: Vec<String>,
    /// (zone, target) pairs that are plan-only.
    pub dry_run: Vec<(String, String)>,
}

/// The JSON document (docs/plan-json.md).
pub fn json(plan: &Plan) -> String {
    let mut out = Vec::new();
    plan.write_json(&mut out).expect("writing to memory");
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// A record's values as short text, one per value (presentation format; dynamic records add
/// a note).
pub fn values_text(r: &RecordSet) -> Vec<String> {
    let mut v: Vec<String> = r.values.iter().map(|v| v.to_rdata()).collect();
    if let Some(d) = &r.dynamic {
        v.push(format!(
            "(dynamic: {} pools, {} rules)",
            d.pools.len(),
            d.rules.len()
        ));
    }
    v
}

/// `www.example.com.` style display name of a change.
pub fn display_name(name: &str, zone: &str) -> String {
    if name.is_empty() {
        idna_decode(zone)
    } else {
        idna_decode(&format!("{name}.{zone}"))
    }
}

#[cfg(test)]
mod tests;
