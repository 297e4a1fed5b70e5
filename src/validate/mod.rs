//! Validation with octoDNS's rule sets and rule ids, reporting every problem at once.
//!
//! Record and value rules run on the record's YAML node (as octoDNS's validators run on the raw
//! record data), so every reason points at the exact line of the offending value. Zone rules
//! run on the built `model::Zone`. Each rule has octoDNS's id and belongs to the same sets
//! (`legacy` — the default —, `strict`, `best-practice`); a rule can be disabled by id, per
//! type, globally or per zone, as in octoDNS's `validators:` config. Lenience (record
//! `octodns.lenient`, zone `lenient`) turns a record's errors into warnings.
//!
//! Rule: `validate` uses `model`, `yaml` and `diag`; it never reads files itself.

pub mod dynamic;
pub mod geo_data;
pub mod record;
pub mod values;
pub mod zone;

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::diag::Diagnostic;
use crate::model::{RecordType, Zone};
use crate::yaml::{Node, Pos};

/// A rule set name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Set {
    Legacy,
    Strict,
    BestPractice,
}

impl Set {
    pub fn parse(s: &str) -> Option<Set> {
        match s {
            "legacy" => Some(Set::Legacy),
            "strict" => Some(Set::Strict),
            "best-practice" => Some(Set::BestPractice),
            _ => None,
        }
    }
}

pub const LEGACY: &[Set] = &[Set::Legacy];
pub const STRICT: &[Set] = &[Set::Strict];
pub const LEGACY_STRICT: &[Set] = &[Set::Legacy, Set::Strict];
pub const BEST: &[Set] = &[Set::BestPractice];
pub const STRICT_BEST: &[Set] = &[Set::Strict, Set::BestPractice];
/// Bridge rules that always run (octoDNS's `sets=None`).
pub const ALWAYS: &[Set] = &[];

/// Which rules are active: the enabled sets, minus rules disabled by id (per type or `*`).
#[derive(Clone, Debug)]
pub struct Rules {
    pub sets: BTreeSet<Set>,
    /// type (or `*`) → disabled rule ids.
    pub disabled: HashMap<String, HashSet<String>>,
    /// zone rule ids disabled.
    pub zone_disabled: HashSet<String>,
    /// type (or `*`) → record/value rule ids enabled whatever their sets
    /// (`manager.validators.record.validators`).
    pub enabled: HashMap<String, HashSet<String>>,
    /// zone rule ids enabled whatever their sets (`manager.validators.zone.validators`).
    pub zone_enabled: HashSet<String>,
}

/// octoDNS 1.22's record and value validator ids (`Record.available_validators()`), the ones
/// `manager.validators.record.validators` may enable and `disable_validators` may name.
pub const RECORD_RULE_IDS: &[&str] = &[
    "alias-root",
    "caa-value",
    "caa-value-best-practice",
    "caa-value-rfc",
    "chunked-value-rfc",
    "cname-root-rfc",
    "ds-value",
    "ds-value-best-practice",
    "ds-value-rfc",
    "dynamic",
    "geo",
    "healthcheck",
    "https-value-best-practice",
    "https-value-rfc",
    "ip-value-rfc",
    "loc-value-rfc",
    "mx-value",
    "mx-value-best-practice",
    "mx-value-not-ip",
    "mx-value-rfc",
    "name-rfc",
    "naptr-value",
    "naptr-value-best-practice",
    "naptr-value-rfc",
    "openpgpkey-value-rfc",
    "spf-record-type",
    "srv-name",
    "srv-name-rfc",
    "srv-value",
    "srv-value-best-practice",
    "srv-value-not-ip",
    "srv-value-rfc",
    "sshfp-value",
    "sshfp-value-best-practice",
    "sshfp-value-rfc",
    "svcb-value-best-practice",
    "svcb-value-rfc",
    "target-value-best-practice",
    "target-value-not-ip",
    "target-value-rfc",
    "targets-value-best-practice",
    "targets-value-not-ip",
    "targets-value-rfc",
    "tlsa-value",
    "tlsa-value-best-practice",
    "tlsa-value-rfc",
    "ttl-rfc",
    "uri-name",
    "uri-name-rfc",
    "uri-value",
    "uri-value-rfc",
    "urlfwd-value",
];

/// octoDNS 1.22's zone validator ids (`Zone.available_zone_validators()`).
pub const ZONE_RULE_IDS: &[&str] = &[
    "caa-best-practices",
    "cname-coexistence",
    "cname-target-not-cname",
    "cname-target-resolvable-in-zone",
    "dname-coexistence",
    "glue-for-in-zone-ns",
    "mail",
    "multi-value-ns",
    "mx-target-not-cname",
    "mx-target-resolvable-in-zone",
    "no-cname-loop",
    "ns-target-not-cname",
    "root-cname",
    "srv-target-not-cname",
    "srv-target-resolvable-in-zone",
];

impl Default for Rules {
    fn default() -> Self {
        Rules {
            sets: [Set::Legacy].into_iter().collect(),
            disabled: HashMap::new(),
            zone_disabled: HashSet::new(),
            enabled: HashMap::new(),
            zone_enabled: HashSet::new(),
        }
    }
}

impl Rules {
    /// Is record/value rule `id` of `sets` active for type `t`?
    pub fn on(&self, id: &str, sets: &[Set], t: &RecordType) -> bool {
        let enabled = |k: &str| self.enabled.get(k).is_some_and(|s| s.contains(id));
        if !(sets.is_empty()
            || sets.iter().any(|s| self.sets.contains(s))
            || (!self.enabled.is_empty() && (enabled("*") || enabled(t.as_str()))))
        {
            return false;
        }
        if id.starts_with('_') || self.disabled.is_empty() {
            return true;
        }
        let off = |k: &str| self.disabled.get(k).is_some_and(|s| s.contains(id));
        !(off("*") || off(t.as_str()))
    }

    /// Is zone rule `id` of `sets` active?
    pub fn zone_on(&self, id: &str, sets: &[Set]) -> bool {
        (sets.is_empty()
            || sets.iter().any(|s| self.sets.contains(s))
            || self.zone_enabled.contains(id))
            && !self.zone_disabled.contains(id)
    }

    /// A copy with more rules disabled (a zone's own `validators:` section can only disable).
    pub fn with_disabled(
        &self,
        record: &HashMap<String, HashSet<String>>,
        zone: &HashSet<String>,
    ) -> Rules {
        let mut r = self.clone();
        for (k, ids) in record {
            r.disabled
                .entry(k.clone())
                .or_default()
                .extend(ids.iter().cloned());
        }
        r.zone_disabled.extend(zone.iter().cloned());
        r
    }
}

/// One reason a record or zone is invalid.
#[derive(Clone, Debug, PartialEq)]
pub struct Reason {
    pub rule: &'static str,
    pub message: String,
    pub pos: Pos,
}

/// What a record rule sees.
pub struct RecordCtx<'a> {
    /// The zone name (`example.com.`).
    pub zone: &'a str,
    /// The name as written (before encoding), for messages.
    pub raw_name: &'a str,
    /// IDNA-encoded, lowercased, relative (`""` = apex).
    pub name: &'a str,
    pub fqdn: &'a str,
    pub rtype: &'a RecordType,
    /// The whole record mapping.
    pub node: &'a Node,
    /// Position of the record's name key (used when no finer position exists).
    pub pos: &'a Pos,
    pub rules: &'a Rules,
}

impl RecordCtx<'_> {
    pub fn on(&self, id: &str, sets: &[Set]) -> bool {
        self.rules.on(id, sets, self.rtype)
    }
}

/// Collects reasons for one record.
#[derive(Default)]
pub struct Reasons(pub Vec<Reason>);

impl Reasons {
    pub fn add(&mut self, rule: &'static str, pos: &Pos, message: impl Into<String>) {
        self.0.push(Reason {
            rule,
            message: message.into(),
            pos: pos.clone(),
        });
    }
}

/// Run every active record and value rule on one record node.
pub fn check_record(ctx: &RecordCtx, out: &mut Reasons) {
    record::check(ctx, out);
    values::check(ctx, out);
    dynamic::check(ctx, out);
}

/// A zone-level problem; `records` are the (name, type) keys involved, so lenience can be
/// decided (a reason whose records are all lenient is only a warning).
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneReason {
    pub rule: &'static str,
    pub message: String,
    pub records: Vec<(String, RecordType)>,
}

/// Run every active zone rule on a built zone. `sub_zones` are the configured zones below this
/// one, relative to it (`sub`, `deep.thing`): names there are delegated, not in-zone.
pub fn check_zone(zone: &Zone, rules: &Rules, sub_zones: &[&str]) -> Vec<ZoneReason> {
    zone::check_with_sub_zones(zone, rules, sub_zones)
}

/// Turn record reasons into diagnostics; lenient records give warnings.
pub fn record_diagnostics(
    fqdn: &str,
    rtype: &str,
    reasons: Reasons,
    lenient: bool,
    out: &mut Vec<Diagnostic>,
) {
    let subject = if rtype.is_empty() {
        fqdn.to_string()
    } else {
        format!("{fqdn} {rtype}")
    };
    for r in reasons.0 {
        let d = if lenient {
            Diagnostic::warning(r.pos, r.rule, r.message)
        } else {
            Diagnostic::error(r.pos, r.rule, r.message)
        };
        out.push(d.with_subject(subject.clone()));
    }
}

/// Turn zone reasons into diagnostics, positioned at the first record involved.
pub fn zone_diagnostics(zone: &Zone, reasons: Vec<ZoneReason>, lenient: bool) -> Vec<Diagnostic> {
    reasons
        .into_iter()
        .map(|r| {
            let recs: Vec<_> = r
                .records
                .iter()
                .filter_map(|(n, t)| zone.get(n, t))
                .collect();
            let pos = recs
                .first()
                .map(|x| x.pos.clone())
                .unwrap_or_else(Pos::none);
            let all_lenient = !recs.is_empty() && recs.iter().all(|x| x.settings.lenient);
            let subject = match recs.first() {
                Some(x) => format!("{} {}", x.fqdn(&zone.name), x.rtype),
                None => zone.name.clone(),
            };
            let d = if lenient || all_lenient {
                Diagnostic::warning(pos, r.rule, r.message)
            } else {
                Diagnostic::error(pos, r.rule, r.message)
            };
            d.with_subject(subject)
        })
        .collect()
}

/// Is `s` a valid FQDN as octoDNS checks targets (the `fqdn` package with underscores
/// allowed): ≤ 253 characters without the trailing dot, labels of 1–63 letters, digits, `-`
/// and `_` that neither start nor end with `-`, at least two labels.
pub fn is_fqdn(s: &str) -> bool {
    let body = s.strip_suffix('.').unwrap_or(s);
    if body.is_empty() || body.len() > 253 {
        return false;
    }
    let mut count = 0;
    for l in body.split('.') {
        count += 1;
        if l.is_empty()
            || l.len() > 63
            || l.starts_with('-')
            || l.ends_with('-')
            || !l
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return false;
        }
    }
    count >= 2
}

/// octoDNS's target format check: missing, `.` allowed for HTTPS/MX/SVCB/SRV, templates
/// (`{...}`) skipped, otherwise an FQDN.
pub fn check_target(
    target: &str,
    t: &RecordType,
    key: &str,
    rule: &'static str,
    pos: &Pos,
    out: &mut Reasons,
) {
    if target.is_empty() {
        out.add(rule, pos, format!("missing {key}"));
        return;
    }
    if target == "."
        && matches!(
            t,
            RecordType::Https | RecordType::Mx | RecordType::Svcb | RecordType::Srv
        )
    {
        return;
    }
    if target.contains('{') && target.contains('}') {
        return;
    }
    let enc = crate::model::idna_encode(target).unwrap_or_else(|_| target.to_string());
    if !is_fqdn(&enc) {
        out.add(
            rule,
            pos,
            format!("{t} {key} \"{enc}\" is not a valid FQDN"),
        );
    }
}
