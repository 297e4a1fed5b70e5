//! Renderings of one plan: a terminal table, markdown (the PR comment body), JSON (the plan
//! file, written by `plan::file`).
//! Pure functions of `&Plan` (plus the rails' verdicts), snapshot-tested.
//!
//! Rule: `render` uses `model`, `plan`, `yaml` (Python's reprs, for octoDNS's own outputs) and
//! `mdtext` only (its tests also `github`'s comment fitting, an exception listed in `lib.rs`).

pub mod markdown;
pub mod octodns;
pub mod table;

use std::collections::{HashMap, HashSet};

use similar::{ChangeTag, TextDiff};

use crate::model::{Dynamic, RecordSet, Rule, Status, idna_decode};
use crate::plan::Plan;
pub use crate::plan::safety::{Refused, ZoneTarget};

/// How many names a "left alone" line lists before "and N more".
const HELD_SHOWN: usize = 10;

/// Records a plan leaves alone (`ignored`, `unmanaged`), as one line: `www.example.com. TXT,
/// … and 3 more`.
pub fn held_list(records: &[RecordSet], zone: &str) -> String {
    let mut names: Vec<String> = records
        .iter()
        .take(HELD_SHOWN)
        .map(|r| format!("{} {}", idna_decode(&r.fqdn(zone)), r.rtype))
        .collect();
    if records.len() > HELD_SHOWN {
        names.push(format!("and {} more", records.len() - HELD_SHOWN));
    }
    names.join(", ")
}

/// What a rendering shows besides the plan itself.
#[derive(Clone, Debug)]
pub struct Context {
    /// The rails' refusals, per zone × target.
    pub refusals: Vec<Refused>,
    /// Capability degradations etc.
    pub warnings: Vec<String>,
    /// The zone × target pairs that are plan-only.
    pub dry_run: Vec<ZoneTarget>,
    /// How the reader forces an apply, in the caller's words: `--force` on the command line,
    /// `force: true` in the GitHub Action.
    pub force_hint: String,
    /// The plan is shown as the record of an apply attempt, under the apply's own report of
    /// what happened: statuses say what was planned (not "will apply"), and the banner gives
    /// no advice on forcing.
    pub record: bool,
}

impl Default for Context {
    fn default() -> Self {
        Context {
            refusals: Vec::new(),
            warnings: Vec::new(),
            dry_run: Vec::new(),
            force_hint: "--force".into(),
            record: false,
        }
    }
}

/// What an apply does with one zone × target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PairStatus {
    /// No rail refuses it and it is not plan-only.
    WillApply,
    /// These rails refuse it: it needs forcing.
    Refused(Vec<String>),
    /// `always-dry-run` / `apply_disabled`: never applied. The rails that refuse it anyway
    /// (they still hold the whole apply back) are listed.
    PlanOnly(Vec<String>),
}

impl Context {
    /// The verdicts indexed by zone × target, for renderings that ask for every pair (a linear
    /// scan per pair is quadratic on an estate of plan-only pairs).
    pub fn verdicts(&self) -> Verdicts<'_> {
        let mut rails: HashMap<(&str, &str), Vec<String>> = HashMap::new();
        for r in &self.refusals {
            let v = rails.entry((&r.zone, &r.target)).or_default();
            if !v.contains(&r.rail) {
                v.push(r.rail.clone());
            }
        }
        Verdicts {
            dry: self
                .dry_run
                .iter()
                .map(|p| (p.zone.as_str(), p.target.as_str()))
                .collect(),
            rails,
        }
    }

    pub fn is_dry_run(&self, zone: &str, target: &str) -> bool {
        self.verdicts().is_dry_run(zone, target)
    }

    /// The rails that refuse `zone` on `target`, each once, in the order they were found.
    pub fn rails(&self, zone: &str, target: &str) -> Vec<String> {
        self.verdicts().rails(zone, target)
    }

    pub fn status(&self, zone: &str, target: &str) -> PairStatus {
        self.verdicts().status(zone, target)
    }
}

/// [`Context::verdicts`].
pub struct Verdicts<'a> {
    dry: HashSet<(&'a str, &'a str)>,
    rails: HashMap<(&'a str, &'a str), Vec<String>>,
}

impl Verdicts<'_> {
    pub fn is_dry_run(&self, zone: &str, target: &str) -> bool {
        self.dry.contains(&(zone, target))
    }

    pub fn rails(&self, zone: &str, target: &str) -> Vec<String> {
        self.rails.get(&(zone, target)).cloned().unwrap_or_default()
    }

    pub fn status(&self, zone: &str, target: &str) -> PairStatus {
        let rails = self.rails(zone, target);
        if self.is_dry_run(zone, target) {
            PairStatus::PlanOnly(rails)
        } else if rails.is_empty() {
            PairStatus::WillApply
        } else {
            PairStatus::Refused(rails)
        }
    }
}

/// The JSON document (docs/plan-json.md), written by `plan::file`, the format's one writer.
pub fn json(plan: &Plan) -> String {
    let mut out = Vec::new();
    crate::plan::file::write(plan, None, &mut out).expect("writing to memory");
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// Values longer than this are folded into lines of [`FOLD`] characters in the renderings.
pub const LONG: usize = 64;
/// The width of a folded line.
pub const FOLD: usize = 64;

/// A record's values as text, one per value (presentation format).
pub fn values_text(r: &RecordSet) -> Vec<String> {
    r.values.iter().map(|v| v.to_rdata()).collect()
}

/// A value cut into lines of [`FOLD`] characters when longer than [`LONG`] (continuation
/// lines indented by four spaces), so a DKIM key reads as a block instead of one wide line.
pub fn fold(v: &str) -> Vec<String> {
    if v.chars().count() <= LONG {
        return vec![v.to_string()];
    }
    let chars: Vec<char> = v.chars().collect();
    chars
        .chunks(FOLD)
        .enumerate()
        .map(|(i, c)| {
            let text: String = c.iter().collect();
            if i == 0 { text } else { format!("    {text}") }
        })
        .collect()
}

/// A dynamic record's routing, one fact per line, in a stable order (pools by name with their
/// fallback and values, then rules in order), so a line diff of two records shows exactly
/// what changed in pools, weights, statuses, fallbacks and rules.
pub fn dynamic_lines(d: &Dynamic) -> Vec<String> {
    let mut out = Vec::new();
    for (id, p) in &d.pools {
        out.push(match &p.fallback {
            Some(f) => format!("pool {id}: fallback {f}"),
            None => format!("pool {id}: no fallback"),
        });
        for v in &p.values {
            let status = match v.status {
                Status::Obey => "",
                Status::Up => ", forced up",
                Status::Down => ", forced down",
            };
            out.push(format!(
                "pool {id}: {} weight {}{status}",
                v.value.to_rdata(),
                v.weight
            ));
        }
    }
    for (i, r) in d.rules.iter().enumerate() {
        out.push(format!(
            "rule {}: {} → pool {}",
            i + 1,
            rule_text(r),
            r.pool
        ));
    }
    out
}

/// Whom a rule sends: `geos EU, NA-CA; subnets 10.0.0.0/8`, or `everyone else`.
pub fn rule_text(r: &Rule) -> String {
    let mut what = Vec::new();
    if !r.geos.is_empty() {
        what.push(format!("geos {}", r.geos.join(", ")));
    }
    if !r.subnets.is_empty() {
        what.push(format!("subnets {}", r.subnets.join(", ")));
    }
    if what.is_empty() {
        "everyone else".to_string()
    } else {
        what.join("; ")
    }
}

/// Does this record set its health check (`octodns.healthcheck`)? Only then is it shown:
/// octoDNS's defaults mean nothing on a target that checks nothing without them.
pub fn has_healthcheck(r: &RecordSet) -> bool {
    r.settings.raw.contains_key("healthcheck")
}

/// The effective health check of a record (octoDNS's defaults applied), as one line.
pub fn healthcheck_line(r: &RecordSet, zone: &str) -> String {
    let hc = r.settings.healthcheck(&r.fqdn(zone));
    let mut s = format!("healthcheck: {}", hc.protocol);
    if let Some(h) = &hc.host {
        s.push_str(&format!(" host {h}"));
    }
    if let Some(p) = hc.port {
        s.push_str(&format!(" port {p}"));
    }
    if let Some(p) = &hc.path {
        s.push_str(&format!(" path {p}"));
    }
    s
}

/// The lines an update is diffed on: the values (folded), the dynamic routing, and the
/// health check. A target that does not report `octodns` settings
/// (most providers) is shown with the desired health check, so only a change that can be seen
/// on both sides shows as one.
pub fn update_lines(e: &RecordSet, d: &RecordSet, zone: &str) -> (Vec<String>, Vec<String>) {
    let side = |r: &RecordSet, hc: Option<String>| -> Vec<String> {
        let mut s = Vec::new();
        for v in values_text(r) {
            s.extend(fold(&v));
        }
        if let Some(dy) = &r.dynamic {
            s.extend(dynamic_lines(dy));
        }
        s.extend(hc);
        s
    };
    let any_hc = has_healthcheck(e) || has_healthcheck(d);
    let new_hc = any_hc.then(|| healthcheck_line(d, zone));
    let old_hc = if !any_hc {
        None
    } else if e.settings.is_empty() {
        new_hc.clone()
    } else {
        Some(healthcheck_line(e, zone))
    };
    (side(e, old_hc), side(d, new_hc))
}

/// A line diff: each line of `old` and `new` with `-`, `+` or ` ` (kept). A helper of the
/// renderings, not part of the library's API.
fn diff_lines(old: &[String], new: &[String]) -> Vec<(char, String)> {
    let join = |l: &[String]| -> String { l.iter().map(|x| format!("{x}\n")).collect() };
    let (old, new) = (join(old), join(new));
    TextDiff::from_lines(&old, &new)
        .iter_all_changes()
        .map(|c| {
            let sign = match c.tag() {
                ChangeTag::Delete => '-',
                ChangeTag::Insert => '+',
                ChangeTag::Equal => ' ',
            };
            (sign, c.value().trim_end_matches('\n').to_string())
        })
        .collect()
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
