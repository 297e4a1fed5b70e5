//! Zone-level rules (octoDNS's zone validators): what records may stand together at a node,
//! and whether names the zone points at make sense.
//!
//! Every zone validator of octoDNS 1.22.0, with its id, its sets and its reason wording, run in
//! octoDNS's registration order:
//!
//! | id | sets |
//! | --- | --- |
//! | `caa-best-practices` | best-practice |
//! | `cname-coexistence` | legacy, strict |
//! | `no-cname-loop` | strict |
//! | `cname-target-resolvable-in-zone` | best-practice |
//! | `root-cname` | strict |
//! | `cname-target-not-cname` | best-practice |
//! | `dname-coexistence` | strict |
//! | `mx-target-not-cname` | strict |
//! | `mail` | best-practice |
//! | `mx-target-resolvable-in-zone` | best-practice |
//! | `glue-for-in-zone-ns` | strict |
//! | `multi-value-ns` | best-practice |
//! | `ns-target-not-cname` | strict |
//! | `srv-target-not-cname` | strict |
//! | `srv-target-resolvable-in-zone` | best-practice |
//!
//! octoDNS walks the zone's records as a set (no fixed order); here they are walked in
//! (name, type) order, so output is deterministic. A target is "in the zone" when it is the
//! zone name or ends with it and is not at or under a configured sub-zone (octoDNS's
//! `Zone.owns`); [`check`] assumes no sub-zones, [`check_with_sub_zones`] takes them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, LazyLock};

use regex_lite::Regex;

use super::{BEST, LEGACY_STRICT, Rules, STRICT, ZoneReason};
use crate::model::{RecordSet, RecordType, Value, Zone, idna_decode};

pub fn check(zone: &Zone, rules: &Rules) -> Vec<ZoneReason> {
    check_with_sub_zones(zone, rules, &[])
}

/// [`check`] for a zone with configured sub-zones (names relative to the zone, `sub` for
/// `sub.example.com.`): names at or under a sub-zone are not "in the zone" for the target
/// rules, as octoDNS's `Zone.owns` has it.
pub fn check_with_sub_zones(zone: &Zone, rules: &Rules, sub_zones: &[&str]) -> Vec<ZoneReason> {
    let subs = sub_zones;
    let mut out = Vec::new();
    if rules.zone_on("caa-best-practices", BEST) {
        caa_best_practices(zone, CaaPresence::Optional, &mut out);
    }
    if rules.zone_on("cname-coexistence", LEGACY_STRICT) {
        cname_coexistence(zone, &mut out);
    }
    if rules.zone_on("no-cname-loop", STRICT) {
        no_cname_loop(zone, &mut out);
    }
    if rules.zone_on("cname-target-resolvable-in-zone", BEST) {
        cname_target_resolvable(zone, subs, &mut out);
    }
    if rules.zone_on("root-cname", STRICT) {
        root_cname(zone, &mut out);
    }
    if rules.zone_on("cname-target-not-cname", BEST) {
        cname_target_not_cname(zone, subs, &mut out);
    }
    if rules.zone_on("dname-coexistence", STRICT) {
        dname_coexistence(zone, &mut out);
    }
    if rules.zone_on("mx-target-not-cname", STRICT) {
        target_not_cname(zone, subs, &RecordType::Mx, &mut out);
    }
    if rules.zone_on("mail", BEST) {
        DEFAULT_MAIL.check(zone, &mut out);
    }
    if rules.zone_on("mx-target-resolvable-in-zone", BEST) {
        target_resolvable(zone, subs, &RecordType::Mx, &mut out);
    }
    if rules.zone_on("glue-for-in-zone-ns", STRICT) {
        glue_for_in_zone_ns(zone, subs, &mut out);
    }
    if rules.zone_on("multi-value-ns", BEST) {
        multi_value_ns(zone, &mut out);
    }
    if rules.zone_on("ns-target-not-cname", STRICT) {
        target_not_cname(zone, subs, &RecordType::Ns, &mut out);
    }
    if rules.zone_on("srv-target-not-cname", STRICT) {
        target_not_cname(zone, subs, &RecordType::Srv, &mut out);
    }
    if rules.zone_on("srv-target-resolvable-in-zone", BEST) {
        target_resolvable(zone, subs, &RecordType::Srv, &mut out);
    }
    out
}

/// Records grouped by node name.
pub fn nodes(zone: &Zone) -> BTreeMap<&str, Vec<&RecordType>> {
    let mut m: BTreeMap<&str, Vec<&RecordType>> = BTreeMap::new();
    for (name, t) in zone.records.keys() {
        m.entry(name.as_str()).or_default().push(t);
    }
    m
}

// ---------------------------------------------------------------------------------------------
// helpers

fn key(r: &RecordSet) -> (String, RecordType) {
    (r.name.clone(), r.rtype.clone())
}

/// Record keys, sorted and deduplicated (octoDNS passes sets of records).
fn keys<'a>(recs: impl IntoIterator<Item = &'a RecordSet>) -> Vec<(String, RecordType)> {
    let set: BTreeSet<_> = recs.into_iter().map(key).collect();
    set.into_iter().collect()
}

fn reason(rule: &'static str, message: String, records: Vec<(String, RecordType)>) -> ZoneReason {
    ZoneReason {
        rule,
        message,
        records,
    }
}

fn fqdn(zone: &Zone, r: &RecordSet) -> String {
    r.fqdn(&zone.name)
}

fn decoded_fqdn(zone: &Zone, r: &RecordSet) -> String {
    idna_decode(&r.fqdn(&zone.name))
}

/// octoDNS's `Zone.owns(type, fqdn)` followed by `hostname_from_fqdn`: the name relative to
/// the zone when `fqdn` is the zone or inside it and not at or under a sub-zone (every caller
/// asks with a type other than NS, which alone may sit at a sub-zone's name).
fn in_zone(zone: &Zone, subs: &[&str], fqdn: &str) -> Option<String> {
    if fqdn.is_empty() {
        return None;
    }
    let full = if fqdn.ends_with('.') {
        fqdn.to_string()
    } else {
        format!("{fqdn}.")
    };
    if full == zone.name {
        return Some(String::new());
    }
    let host = full.strip_suffix(&format!(".{}", zone.name))?;
    let delegated = subs.iter().any(|s| {
        host == *s
            || host
                .strip_suffix(*s)
                .is_some_and(|rest| rest.ends_with('.'))
    });
    (!delegated).then(|| host.to_string())
}

/// All records at a name (octoDNS's `zone.get(name)`).
fn at_name<'a>(zone: &'a Zone, name: &'a str) -> impl Iterator<Item = &'a RecordSet> + 'a {
    zone.records
        .range((name.to_string(), RecordType::Other(Arc::from("")))..)
        .take_while(move |((n, _), _)| n == name)
        .map(|(_, r)| r)
}

fn of_type<'a>(zone: &'a Zone, t: &'a RecordType) -> impl Iterator<Item = &'a RecordSet> + 'a {
    zone.iter().filter(move |r| r.rtype == *t)
}

/// The single target of a CNAME/ALIAS record, as octoDNS's `str(record.value)`.
fn single_target(r: &RecordSet) -> Option<&str> {
    r.values.first().and_then(Value::target)
}

// ---------------------------------------------------------------------------------------------
// caa-best-practices

/// `caa-best-practices`' `presence` option: `optional` (the default) only checks CAA records
/// that exist; `required` also wants one at the apex.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaaPresence {
    Optional,
    Required,
}

pub fn caa_best_practices(zone: &Zone, presence: CaaPresence, out: &mut Vec<ZoneReason>) {
    const ID: &str = "caa-best-practices";
    if presence == CaaPresence::Required && zone.get("", &RecordType::Caa).is_none() {
        out.push(reason(
            ID,
            format!(
                "zone \"{}\" has no CAA records at the apex",
                idna_decode(&zone.name)
            ),
            vec![],
        ));
    }
    for r in of_type(zone, &RecordType::Caa) {
        let tags: BTreeSet<&str> = r
            .values
            .iter()
            .filter_map(|v| match v {
                Value::Caa(c) => Some(c.tag.as_str()),
                _ => None,
            })
            .collect();
        let issue = tags.contains("issue");
        let issuewild = tags.contains("issuewild");
        if !issue && !issuewild {
            out.push(reason(
                ID,
                format!(
                    "CAA record \"{}\" has no ``issue`` or ``issuewild`` tag; having only ``iodef`` means any CA can issue certificates",
                    fqdn(zone, r)
                ),
                vec![key(r)],
            ));
        }
        if issue && !issuewild {
            out.push(reason(
                ID,
                format!(
                    "CAA record \"{}\" has ``issue`` but no ``issuewild``; consider adding an explicit ``issuewild`` to define wildcard certificate policy",
                    fqdn(zone, r)
                ),
                vec![key(r)],
            ));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// CNAME rules

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
                message: format!(
                    "Invalid state, CNAME at {fqdn} cannot coexist with other records"
                ),
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

/// `no-cname-loop`: CNAME/ALIAS chains inside the zone that come back on themselves; each loop
/// is reported once, from the first of its records in (name, type) order.
fn no_cname_loop(zone: &Zone, out: &mut Vec<ZoneReason>) {
    let mut targets: BTreeMap<String, &RecordSet> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for r in zone
        .iter()
        .filter(|r| matches!(r.rtype, RecordType::Cname | RecordType::Alias))
    {
        let f = fqdn(zone, r);
        if targets.insert(f.clone(), r).is_none() {
            order.push(f);
        }
    }
    let mut visited_all: BTreeSet<String> = BTreeSet::new();
    for start in &order {
        if visited_all.contains(start) {
            continue;
        }
        let mut path: Vec<String> = Vec::new();
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        let mut cur = start.clone();
        while let Some(r) = targets.get(&cur) {
            if let Some(&i) = index.get(&cur) {
                let mut cycle: Vec<String> = path[i..].to_vec();
                cycle.push(cur.clone());
                out.push(reason(
                    "no-cname-loop",
                    format!("Loop detected: {}", cycle.join(" -> ")),
                    keys(cycle.iter().filter_map(|f| targets.get(f).copied())),
                ));
                break;
            }
            if visited_all.contains(&cur) {
                break;
            }
            index.insert(cur.clone(), path.len());
            path.push(cur.clone());
            visited_all.insert(cur.clone());
            match single_target(r) {
                Some(t) => cur = t.to_string(),
                None => break,
            }
        }
    }
}

fn cname_target_resolvable(zone: &Zone, subs: &[&str], out: &mut Vec<ZoneReason>) {
    for r in zone
        .iter()
        .filter(|r| matches!(r.rtype, RecordType::Cname | RecordType::Alias))
    {
        let Some(target) = single_target(r) else {
            continue;
        };
        if let Some(host) = in_zone(zone, subs, target)
            && at_name(zone, &host).next().is_none()
        {
            out.push(reason(
                "cname-target-resolvable-in-zone",
                format!(
                    "{} record \"{}\" points to in-zone target \"{target}\" that does not exist",
                    r.rtype,
                    decoded_fqdn(zone, r)
                ),
                vec![key(r)],
            ));
        }
    }
}

fn root_cname(zone: &Zone, out: &mut Vec<ZoneReason>) {
    if let Some(r) = zone.get("", &RecordType::Cname) {
        out.push(reason(
            "root-cname",
            format!(
                "CNAME record at zone apex \"{}\" is not allowed",
                decoded_fqdn(zone, r)
            ),
            vec![key(r)],
        ));
    }
}

fn cname_target_not_cname(zone: &Zone, subs: &[&str], out: &mut Vec<ZoneReason>) {
    for r in of_type(zone, &RecordType::Cname) {
        let Some(target) = single_target(r) else {
            continue;
        };
        if let Some(host) = in_zone(zone, subs, target)
            && zone.get(&host, &RecordType::Cname).is_some()
        {
            out.push(reason(
                "cname-target-not-cname",
                format!(
                    "CNAME record \"{}\" points to target \"{target}\" which is also a CNAME",
                    decoded_fqdn(zone, r)
                ),
                vec![key(r)],
            ));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// dname-coexistence

fn dname_coexistence(zone: &Zone, out: &mut Vec<ZoneReason>) {
    const ID: &str = "dname-coexistence";
    let mut dnames: Vec<&RecordSet> = Vec::new();
    for (name, types) in nodes(zone) {
        let Some(dname) = zone.get(name, &RecordType::Dname) else {
            continue;
        };
        dnames.push(dname);
        let node: Vec<_> = types
            .iter()
            .map(|t| (name.to_string(), (*t).clone()))
            .collect();
        if types.contains(&&RecordType::Cname) {
            out.push(reason(
                ID,
                format!(
                    "Invalid state, DNAME at {} cannot coexist with CNAME",
                    fqdn(zone, dname)
                ),
                node.clone(),
            ));
        }
        if types.contains(&&RecordType::Ns) && !name.is_empty() {
            out.push(reason(
                ID,
                format!(
                    "Invalid state, DNAME at {} cannot coexist with NS at a non-apex node",
                    fqdn(zone, dname)
                ),
                node,
            ));
        }
    }
    for dname in dnames {
        let parent = dname.name.as_str();
        let suffix = format!(".{parent}");
        for r in zone.iter() {
            let child = if parent.is_empty() {
                !r.name.is_empty()
            } else {
                r.name.ends_with(&suffix)
            };
            if child {
                out.push(reason(
                    ID,
                    format!(
                        "Record \"{}\" is occluded by DNAME \"{}\"",
                        decoded_fqdn(zone, r),
                        decoded_fqdn(zone, dname)
                    ),
                    vec![key(r)],
                ));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// MX / NS / SRV targets

/// The names an MX, NS or SRV record points at (`.` included).
fn targets_of(r: &RecordSet) -> impl Iterator<Item = &str> {
    r.values.iter().filter_map(Value::target)
}

/// `mx-target-not-cname`, `ns-target-not-cname`, `srv-target-not-cname`.
fn target_not_cname(zone: &Zone, subs: &[&str], t: &RecordType, out: &mut Vec<ZoneReason>) {
    for r in of_type(zone, t) {
        for target in targets_of(r) {
            if target == "." && *t != RecordType::Ns {
                continue;
            }
            let Some(host) = in_zone(zone, subs, target) else {
                continue;
            };
            if zone.get(&host, &RecordType::Cname).is_none() {
                continue;
            }
            let (rule, message) = match t {
                RecordType::Mx => (
                    "mx-target-not-cname",
                    format!(
                        "MX record \"{}\" points to exchange \"{target}\" which is a CNAME",
                        fqdn(zone, r)
                    ),
                ),
                RecordType::Ns => (
                    "ns-target-not-cname",
                    format!(
                        "NS record \"{}\" points to target \"{target}\" which is a CNAME",
                        fqdn(zone, r)
                    ),
                ),
                _ => (
                    "srv-target-not-cname",
                    format!(
                        "SRV record \"{}\" points to target \"{target}\" which is a CNAME",
                        decoded_fqdn(zone, r)
                    ),
                ),
            };
            out.push(reason(rule, message, vec![key(r)]));
        }
    }
}

/// `mx-target-resolvable-in-zone`, `srv-target-resolvable-in-zone`.
fn target_resolvable(zone: &Zone, subs: &[&str], t: &RecordType, out: &mut Vec<ZoneReason>) {
    let rule = if *t == RecordType::Mx {
        "mx-target-resolvable-in-zone"
    } else {
        "srv-target-resolvable-in-zone"
    };
    for r in of_type(zone, t) {
        for target in targets_of(r) {
            if let Some(host) = in_zone(zone, subs, target)
                && at_name(zone, &host).next().is_none()
            {
                out.push(reason(
                    rule,
                    format!(
                        "{t} record \"{}\" points to in-zone target \"{target}\" that does not exist",
                        decoded_fqdn(zone, r)
                    ),
                    vec![key(r)],
                ));
            }
        }
    }
}

fn glue_for_in_zone_ns(zone: &Zone, subs: &[&str], out: &mut Vec<ZoneReason>) {
    for r in of_type(zone, &RecordType::Ns) {
        for target in targets_of(r) {
            let Some(host) = in_zone(zone, subs, target) else {
                continue;
            };
            if zone.get(&host, &RecordType::A).is_none()
                && zone.get(&host, &RecordType::Aaaa).is_none()
            {
                out.push(reason(
                    "glue-for-in-zone-ns",
                    format!(
                        "NS record \"{}\" points to in-zone target \"{target}\" without glue records (A/AAAA)",
                        fqdn(zone, r)
                    ),
                    vec![key(r)],
                ));
            }
        }
    }
}

fn multi_value_ns(zone: &Zone, out: &mut Vec<ZoneReason>) {
    for r in of_type(zone, &RecordType::Ns) {
        if r.values.len() < 2 {
            out.push(reason(
                "multi-value-ns",
                format!(
                    "NS record \"{}\" has only {} value; at least 2 are recommended for redundancy",
                    fqdn(zone, r),
                    r.values.len()
                ),
                vec![key(r)],
            ));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// mail

/// `mail`'s `mode` option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailMode {
    /// Detect from the apex MX (Null MX → no-mail) or, without one, the apex SPF.
    Auto,
    Mail,
    NoMail,
}

/// MX exchanges of providers known to run with a single MX (exempt from `min_mx`).
pub const DEFAULT_SINGLE_MX_REGEXES: &[&str] = &[
    r"^(feedback|inbound)-smtp\..+\.amazon(aws|ses)\.com\.$",
    r"^inbound\.postmarkapp\.com\.$",
    r"^mx\.hubapi\.com\.$",
    r"^mx\.sendgrid\.net\.$",
    r"^smtp\.google\.com\.$",
    r"^smtp\.siftrock\.com.",
];

/// octoDNS's `MailZoneValidator` with its options (`mode`, `min_mx`, `single_mx_regexes`).
pub struct MailValidator {
    pub mode: MailMode,
    pub min_mx: usize,
    single_mx: Vec<Regex>,
}

static DEFAULT_MAIL: LazyLock<MailValidator> = LazyLock::new(MailValidator::default);

impl Default for MailValidator {
    /// `mode: auto`, `min_mx: 2`, the default single-MX providers.
    fn default() -> Self {
        MailValidator::new(MailMode::Auto, 2, &[]).unwrap_or(MailValidator {
            mode: MailMode::Auto,
            min_mx: 2,
            single_mx: vec![],
        })
    }
}

/// A `single_mx_regexes` pattern that does not compile.
#[derive(Debug, thiserror::Error)]
#[error("Invalid single_mx_regexes pattern \"{pattern}\": {source}")]
pub struct PatternError {
    pub pattern: String,
    #[source]
    pub source: regex_lite::Error,
}

/// What the `_dmarc` TXT record holds.
enum Dmarc<'a> {
    /// No `_dmarc` TXT record.
    NoRecord,
    /// A record, but no `v=DMARC1` value.
    NoValue,
    Value(String, &'a RecordSet),
}

impl MailValidator {
    /// Options as in octoDNS; `extra_single_mx` are added to the default patterns. Fails on a
    /// pattern that does not compile (octoDNS's `Invalid single_mx_regexes pattern`).
    pub fn new(
        mode: MailMode,
        min_mx: usize,
        extra_single_mx: &[&str],
    ) -> Result<Self, PatternError> {
        let mut pats: Vec<&str> = DEFAULT_SINGLE_MX_REGEXES.to_vec();
        pats.extend_from_slice(extra_single_mx);
        pats.sort_unstable();
        pats.dedup();
        let single_mx = pats
            .into_iter()
            .map(|p| {
                Regex::new(p).map_err(|source| PatternError {
                    pattern: p.to_string(),
                    source,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(MailValidator {
            mode,
            min_mx,
            single_mx,
        })
    }

    fn is_single_mx_provider(&self, r: &RecordSet) -> bool {
        let Some(Value::Mx(mx)) = r.values.first() else {
            return false;
        };
        let mut exchange = mx.exchange.clone();
        if !exchange.ends_with('.') {
            exchange.push('.');
        }
        self.single_mx.iter().any(|re| re.is_match(&exchange))
    }

    /// The lowercased, unescaped SPF value of a TXT record, and a reason when it has several.
    fn extract_spf(
        &self,
        txt: Option<&RecordSet>,
        multi_msg: String,
    ) -> (Option<String>, Option<ZoneReason>) {
        let Some(txt) = txt else {
            return (None, None);
        };
        let values: Vec<String> = txt
            .values
            .iter()
            .filter_map(Value::as_text)
            .map(|v| v.to_lowercase().replace('\\', ""))
            .filter(|v| v.starts_with("v=spf1"))
            .collect();
        let reason = (values.len() > 1).then(|| self::reason("mail", multi_msg, vec![key(txt)]));
        (values.into_iter().next(), reason)
    }

    pub fn check(&self, zone: &Zone, out: &mut Vec<ZoneReason>) {
        const ID: &str = "mail";
        let dn = idna_decode(&zone.name);
        let non_apex_mx: Vec<&RecordSet> = of_type(zone, &RecordType::Mx)
            .filter(|r| !r.name.is_empty())
            .collect();
        let apex_mx = zone.get("", &RecordType::Mx);

        // MX redundancy, at the apex and below
        for r in apex_mx.iter().copied().chain(non_apex_mx.iter().copied()) {
            if is_null_mx(r) || r.values.len() >= self.min_mx {
                continue;
            }
            if r.values.len() == 1 && self.is_single_mx_provider(r) {
                continue;
            }
            out.push(reason(
                ID,
                format!(
                    "MX record \"{}\" should have at least {} values for redundancy, found {}",
                    fqdn(zone, r),
                    self.min_mx,
                    r.values.len()
                ),
                vec![key(r)],
            ));
        }

        let apex_txt = zone.get("", &RecordType::Txt);
        let (apex_spf, multi) =
            self.extract_spf(apex_txt, format!("zone \"{dn}\" has multiple SPF values"));
        out.extend(multi);

        let dmarc = match zone.get("_dmarc", &RecordType::Txt) {
            None => Dmarc::NoRecord,
            Some(txt) => {
                let values: Vec<String> = txt
                    .values
                    .iter()
                    .filter_map(Value::as_text)
                    .map(|v| v.to_lowercase().replace('\\', ""))
                    .filter(|v| v.starts_with("v=dmarc1"))
                    .collect();
                if values.len() > 1 {
                    out.push(reason(
                        ID,
                        format!("zone \"{dn}\" has multiple DMARC values"),
                        vec![key(txt)],
                    ));
                }
                match values.into_iter().next() {
                    Some(v) => Dmarc::Value(v, txt),
                    None => Dmarc::NoValue,
                }
            }
        };
        let dmarc_txt = zone.get("_dmarc", &RecordType::Txt);

        let mode = match self.mode {
            MailMode::Auto => match (apex_mx, &apex_spf) {
                (Some(mx), _) if is_null_mx(mx) => Some(MailMode::NoMail),
                (Some(_), _) => Some(MailMode::Mail),
                (None, Some(spf)) if spf == "v=spf1 -all" => Some(MailMode::NoMail),
                (None, Some(_)) => Some(MailMode::Mail),
                (None, None) => None,
            },
            m => Some(m),
        };
        let involved = keys(apex_mx.into_iter().chain(apex_txt).chain(dmarc_txt));
        let spf = apex_spf.as_deref();
        match mode {
            Some(MailMode::Mail) => {
                if apex_mx.is_none() {
                    out.push(reason(
                        ID,
                        format!("zone \"{dn}\" handles mail but is missing MX records at the apex"),
                        involved.clone(),
                    ));
                }
                match spf {
                    None => out.push(reason(
                        ID,
                        format!(
                            "zone \"{dn}\" handles mail but is missing an SPF TXT record at the apex"
                        ),
                        involved.clone(),
                    )),
                    Some(s) if !terminates(s) => out.push(reason(
                        ID,
                        format!(
                            "SPF record at the apex of \"{dn}\" should terminate with \"~all\" or \"-all\""
                        ),
                        keys(apex_txt),
                    )),
                    Some(_) => {}
                }
                match &dmarc {
                    Dmarc::Value(v, txt) => {
                        if !dmarc_tags(v).contains_key("p") {
                            out.push(reason(
                                ID,
                                format!("DMARC record at _dmarc.{dn} is missing a policy (p=...)"),
                                vec![key(txt)],
                            ));
                        }
                    }
                    _ => out.push(reason(
                        ID,
                        format!(
                            "zone \"{dn}\" handles mail but is missing a DMARC TXT record at _dmarc"
                        ),
                        involved.clone(),
                    )),
                }
            }
            Some(MailMode::NoMail) => {
                match apex_mx {
                    None => out.push(reason(
                        ID,
                        format!(
                            "zone \"{dn}\" disables mail but is missing a Null MX record (0 .)"
                        ),
                        involved.clone(),
                    )),
                    Some(mx) if !is_null_mx(mx) => out.push(reason(
                        ID,
                        format!(
                            "zone \"{dn}\" disables mail and should have a single Null MX record (0 .)"
                        ),
                        vec![key(mx)],
                    )),
                    Some(_) => {}
                }
                match spf {
                    None => out.push(reason(
                        ID,
                        format!(
                            "zone \"{dn}\" disables mail but is missing strict SPF TXT record \"v=spf1 -all\""
                        ),
                        involved.clone(),
                    )),
                    Some(s) if s != "v=spf1 -all" => out.push(reason(
                        ID,
                        format!(
                            "zone \"{dn}\" disables mail and should have a single strict SPF TXT record \"v=spf1 -all\""
                        ),
                        keys(apex_txt),
                    )),
                    Some(_) => {}
                }
                let policy = match &dmarc {
                    Dmarc::NoRecord => None,
                    Dmarc::NoValue => Some(None),
                    Dmarc::Value(v, _) => Some(dmarc_tags(v).get("p").cloned()),
                };
                match policy {
                    None => out.push(reason(
                        ID,
                        format!(
                            "zone \"{dn}\" disables mail but is missing strict DMARC TXT record \"v=DMARC1; p=reject;\""
                        ),
                        involved.clone(),
                    )),
                    Some(p) if p.as_deref() != Some("reject") => out.push(reason(
                        ID,
                        format!(
                            "zone \"{dn}\" disables mail and should have a DMARC TXT record with \"v=DMARC1; p=reject;\""
                        ),
                        keys(dmarc_txt),
                    )),
                    Some(_) => {}
                }
            }
            _ => {}
        }

        for mx in non_apex_mx {
            let sub_mode = match self.mode {
                MailMode::Auto if is_null_mx(mx) => MailMode::NoMail,
                MailMode::Auto => MailMode::Mail,
                m => m,
            };
            self.check_subdomain(zone, mx, sub_mode, out);
        }
    }

    fn check_subdomain(
        &self,
        zone: &Zone,
        mx: &RecordSet,
        mode: MailMode,
        out: &mut Vec<ZoneReason>,
    ) {
        const ID: &str = "mail";
        let name = decoded_fqdn(zone, mx);
        let txt = zone.get(&mx.name, &RecordType::Txt);
        let (spf, multi) = self.extract_spf(txt, format!("\"{name}\" has multiple SPF values"));
        out.extend(multi);
        let involved = keys(std::iter::once(mx).chain(txt));
        if mode == MailMode::Mail {
            match spf.as_deref() {
                None => out.push(reason(
                    ID,
                    format!("\"{name}\" handles mail but is missing an SPF TXT record"),
                    involved,
                )),
                Some(s) if !terminates(s) => out.push(reason(
                    ID,
                    format!("SPF record at \"{name}\" should terminate with \"~all\" or \"-all\""),
                    keys(txt),
                )),
                Some(_) => {}
            }
        } else {
            if !is_null_mx(mx) {
                out.push(reason(
                    ID,
                    format!(
                        "\"{name}\" disables mail and should have a single Null MX record (0 .)"
                    ),
                    vec![key(mx)],
                ));
            }
            match spf.as_deref() {
                None => out.push(reason(
                    ID,
                    format!(
                        "\"{name}\" disables mail but is missing strict SPF TXT record \"v=spf1 -all\""
                    ),
                    involved,
                )),
                Some(s) if s != "v=spf1 -all" => out.push(reason(
                    ID,
                    format!(
                        "\"{name}\" disables mail and should have a strict SPF TXT record \"v=spf1 -all\""
                    ),
                    keys(txt),
                )),
                Some(_) => {}
            }
        }
    }
}

fn is_null_mx(r: &RecordSet) -> bool {
    matches!(r.values.as_slice(), [Value::Mx(mx)] if mx.preference == 0 && mx.exchange == ".")
}

fn terminates(spf: &str) -> bool {
    spf.ends_with(" -all") || spf.ends_with(" ~all")
}

/// DMARC tags, keys and values stripped and lowercased (`p=reject; rua=...`).
fn dmarc_tags(v: &str) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::new();
    for part in v.split(';') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        match part.split_once('=') {
            Some((t, val)) => tags.insert(t.trim().to_lowercase(), val.trim().to_lowercase()),
            None => tags.insert(part.to_lowercase(), String::new()),
        };
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::value::{Caa, Mx, Srv};
    use crate::validate::Set;

    const Z: &str = "example.com.";

    fn rec(name: &str, t: RecordType, values: Vec<Value>) -> RecordSet {
        RecordSet::new(name, t, 300, values)
    }
    fn a(name: &str) -> RecordSet {
        rec(name, RecordType::A, vec![Value::Ip("1.2.3.4".into())])
    }
    fn cname(name: &str, target: &str) -> RecordSet {
        rec(name, RecordType::Cname, vec![Value::Target(target.into())])
    }
    fn alias(name: &str, target: &str) -> RecordSet {
        rec(name, RecordType::Alias, vec![Value::Target(target.into())])
    }
    fn ns(name: &str, targets: &[&str]) -> RecordSet {
        rec(
            name,
            RecordType::Ns,
            targets
                .iter()
                .map(|t| Value::Target(t.to_string()))
                .collect(),
        )
    }
    fn mx(name: &str, vals: &[(i64, &str)]) -> RecordSet {
        rec(
            name,
            RecordType::Mx,
            vals.iter()
                .map(|(p, e)| {
                    Value::Mx(Mx {
                        preference: *p,
                        exchange: e.to_string(),
                    })
                })
                .collect(),
        )
    }
    fn srv(name: &str, target: &str) -> RecordSet {
        rec(
            name,
            RecordType::Srv,
            vec![Value::Srv(Srv {
                priority: 10,
                weight: 10,
                port: 443,
                target: target.into(),
            })],
        )
    }
    fn txt(name: &str, vals: &[&str]) -> RecordSet {
        rec(
            name,
            RecordType::Txt,
            vals.iter().map(|v| Value::Text(v.to_string())).collect(),
        )
    }
    fn caa(name: &str, tags: &[&str]) -> RecordSet {
        rec(
            name,
            RecordType::Caa,
            tags.iter()
                .map(|t| {
                    Value::Caa(Caa {
                        flags: 0,
                        tag: t.to_string(),
                        value: "letsencrypt.org".into(),
                    })
                })
                .collect(),
        )
    }
    fn zone(recs: Vec<RecordSet>) -> Zone {
        let mut z = Zone::new(Z);
        for r in recs {
            z.insert(r);
        }
        z
    }

    fn all_sets() -> Rules {
        Rules {
            sets: [Set::Legacy, Set::Strict, Set::BestPractice]
                .into_iter()
                .collect(),
            ..Rules::default()
        }
    }

    /// Reasons of rule `id` with every set enabled.
    fn of(z: &Zone, id: &str) -> Vec<ZoneReason> {
        check(z, &all_sets())
            .into_iter()
            .filter(|r| r.rule == id)
            .collect()
    }

    fn msgs(z: &Zone, id: &str) -> Vec<String> {
        of(z, id).into_iter().map(|r| r.message).collect()
    }

    fn k(name: &str, t: RecordType) -> (String, RecordType) {
        (name.to_string(), t)
    }

    #[test]
    fn sets_and_disabling() {
        let z = zone(vec![cname("", "a.example.com.")]);
        // root-cname is strict only
        assert!(check(&z, &Rules::default()).is_empty());
        let strict = Rules {
            sets: [Set::Strict].into_iter().collect(),
            ..Rules::default()
        };
        assert_eq!(check(&z, &strict).len(), 1);
        let mut off = strict.clone();
        off.zone_disabled.insert("root-cname".into());
        assert!(check(&z, &off).is_empty());
        // best-practice rules do not run in strict
        let z = zone(vec![ns("", &["ns1.other.net."])]);
        assert!(check(&z, &strict).is_empty());
        assert_eq!(msgs(&z, "multi-value-ns").len(), 1);
    }

    #[test]
    fn cname_coexistence() {
        let z = zone(vec![cname("www", "x.other.net."), a("www")]);
        let r = of(&z, "cname-coexistence");
        assert_eq!(
            r[0].message,
            "Invalid state, CNAME at www.example.com. cannot coexist with other records"
        );
        assert_eq!(
            r[0].records,
            [k("www", RecordType::A), k("www", RecordType::Cname)]
        );
        let z = zone(vec![alias("", "x.other.net."), a("")]);
        assert_eq!(
            msgs(&z, "cname-coexistence"),
            ["Invalid state, ALIAS at example.com. cannot coexist with A or AAAA records"]
        );
        let z = zone(vec![cname("www", "x.other.net."), a("web")]);
        assert!(of(&z, "cname-coexistence").is_empty());
        // also in legacy (the default)
        let z = zone(vec![cname("www", "x.other.net."), a("www")]);
        assert_eq!(check(&z, &Rules::default()).len(), 1);
    }

    #[test]
    fn no_cname_loop() {
        let z = zone(vec![
            cname("a", "b.example.com."),
            cname("b", "c.example.com."),
            alias("c", "a.example.com."),
            cname("d", "a.example.com."),
            cname("self", "self.example.com."),
        ]);
        let r = of(&z, "no-cname-loop");
        assert_eq!(
            r.iter().map(|r| r.message.as_str()).collect::<Vec<_>>(),
            [
                "Loop detected: a.example.com. -> b.example.com. -> c.example.com. -> a.example.com.",
                "Loop detected: self.example.com. -> self.example.com.",
            ]
        );
        assert_eq!(
            r[0].records,
            [
                k("a", RecordType::Cname),
                k("b", RecordType::Cname),
                k("c", RecordType::Alias)
            ]
        );
        let z = zone(vec![
            cname("a", "b.example.com."),
            cname("b", "c.example.com."),
            a("c"),
        ]);
        assert!(of(&z, "no-cname-loop").is_empty());
    }

    #[test]
    fn cname_target_resolvable_in_zone() {
        let z = zone(vec![
            cname("www", "missing.example.com."),
            alias("", "gone.example.com."),
        ]);
        assert_eq!(
            msgs(&z, "cname-target-resolvable-in-zone"),
            [
                "ALIAS record \"example.com.\" points to in-zone target \"gone.example.com.\" that does not exist",
                "CNAME record \"www.example.com.\" points to in-zone target \"missing.example.com.\" that does not exist",
            ]
        );
        let z = zone(vec![
            cname("www", "web.example.com."),
            a("web"),
            cname("ext", "elsewhere.net."),
        ]);
        assert!(of(&z, "cname-target-resolvable-in-zone").is_empty());
    }

    #[test]
    fn root_cname() {
        let z = zone(vec![cname("", "x.other.net.")]);
        let r = of(&z, "root-cname");
        assert_eq!(
            r[0].message,
            "CNAME record at zone apex \"example.com.\" is not allowed"
        );
        assert_eq!(r[0].records, [k("", RecordType::Cname)]);
        assert!(of(&zone(vec![cname("www", "x.other.net.")]), "root-cname").is_empty());
    }

    #[test]
    fn cname_target_not_cname() {
        let z = zone(vec![
            cname("www", "web.example.com."),
            cname("web", "x.other.net."),
        ]);
        assert_eq!(
            msgs(&z, "cname-target-not-cname"),
            [
                "CNAME record \"www.example.com.\" points to target \"web.example.com.\" which is also a CNAME"
            ]
        );
        let z = zone(vec![cname("www", "web.example.com."), a("web")]);
        assert!(of(&z, "cname-target-not-cname").is_empty());
    }

    #[test]
    fn dname_coexistence() {
        let z = zone(vec![
            rec(
                "sub",
                RecordType::Dname,
                vec![Value::Target("other.net.".into())],
            ),
            cname("sub", "x.other.net."),
            ns("sub", &["ns1.other.net.", "ns2.other.net."]),
            a("www.sub"),
            a("sub2"),
        ]);
        let r = of(&z, "dname-coexistence");
        assert_eq!(
            r.iter().map(|r| r.message.as_str()).collect::<Vec<_>>(),
            [
                "Invalid state, DNAME at sub.example.com. cannot coexist with CNAME",
                "Invalid state, DNAME at sub.example.com. cannot coexist with NS at a non-apex node",
                "Record \"www.sub.example.com.\" is occluded by DNAME \"sub.example.com.\"",
            ]
        );
        assert_eq!(r[2].records, [k("www.sub", RecordType::A)]);
        // at the apex a DNAME may sit with NS, and occludes every other name
        let z = zone(vec![
            rec(
                "",
                RecordType::Dname,
                vec![Value::Target("other.net.".into())],
            ),
            ns("", &["ns1.other.net.", "ns2.other.net."]),
            a("www"),
        ]);
        assert_eq!(
            msgs(&z, "dname-coexistence"),
            ["Record \"www.example.com.\" is occluded by DNAME \"example.com.\""]
        );
        let z = zone(vec![
            rec(
                "sub",
                RecordType::Dname,
                vec![Value::Target("other.net.".into())],
            ),
            a("www"),
            a("notsub"),
        ]);
        assert!(of(&z, "dname-coexistence").is_empty());
    }

    #[test]
    fn mx_target_not_cname() {
        let z = zone(vec![
            mx("", &[(10, "mail.example.com."), (20, "mx.other.net.")]),
            cname("mail", "x.other.net."),
        ]);
        assert_eq!(
            msgs(&z, "mx-target-not-cname"),
            [
                "MX record \"example.com.\" points to exchange \"mail.example.com.\" which is a CNAME"
            ]
        );
        let z = zone(vec![
            mx("", &[(10, "mail.example.com.")]),
            a("mail"),
            mx("sub", &[(0, ".")]),
        ]);
        assert!(of(&z, "mx-target-not-cname").is_empty());
    }

    #[test]
    fn ns_target_not_cname() {
        let z = zone(vec![
            ns("sub", &["ns1.example.com.", "ns2.other.net."]),
            cname("ns1", "x.other.net."),
        ]);
        assert_eq!(
            msgs(&z, "ns-target-not-cname"),
            [
                "NS record \"sub.example.com.\" points to target \"ns1.example.com.\" which is a CNAME"
            ]
        );
        let z = zone(vec![ns("sub", &["ns1.example.com."]), a("ns1")]);
        assert!(of(&z, "ns-target-not-cname").is_empty());
    }

    #[test]
    fn srv_target_not_cname() {
        let z = zone(vec![
            srv("_sip._tcp", "sip.example.com."),
            cname("sip", "x.other.net."),
        ]);
        assert_eq!(
            msgs(&z, "srv-target-not-cname"),
            [
                "SRV record \"_sip._tcp.example.com.\" points to target \"sip.example.com.\" which is a CNAME"
            ]
        );
        let z = zone(vec![
            srv("_sip._tcp", "sip.example.com."),
            a("sip"),
            srv("_x._tcp", "."),
        ]);
        assert!(of(&z, "srv-target-not-cname").is_empty());
    }

    #[test]
    fn glue_for_in_zone_ns() {
        let z = zone(vec![ns("", &["ns1.example.com.", "ns2.other.net."])]);
        let r = of(&z, "glue-for-in-zone-ns");
        assert_eq!(
            r[0].message,
            "NS record \"example.com.\" points to in-zone target \"ns1.example.com.\" without glue records (A/AAAA)"
        );
        assert_eq!(r[0].records, [k("", RecordType::Ns)]);
        let z = zone(vec![
            ns("", &["ns1.example.com.", "ns2.example.com."]),
            a("ns1"),
            rec("ns2", RecordType::Aaaa, vec![Value::Ip("::1".into())]),
        ]);
        assert!(of(&z, "glue-for-in-zone-ns").is_empty());
    }

    #[test]
    fn sub_zones_are_not_in_the_zone() {
        let z = zone(vec![
            ns("sub", &["ns1.sub.example.com.", "ns2.sub.example.com."]),
            cname("www", "sub.example.com."),
            mx(
                "",
                &[
                    (10, "mx.deep.sub.example.com."),
                    (20, "mx.subway.example.com."),
                ],
            ),
        ]);
        let rules = all_sets();
        let ids = |rs: Vec<ZoneReason>| rs.into_iter().map(|r| r.rule).collect::<Vec<_>>();
        let plain = ids(check(&z, &rules));
        assert!(plain.contains(&"glue-for-in-zone-ns"));
        assert_eq!(
            plain
                .iter()
                .filter(|r| **r == "mx-target-resolvable-in-zone")
                .count(),
            2
        );
        let with = check_with_sub_zones(&z, &rules, &["sub"]);
        let msgs: Vec<&str> = with
            .iter()
            .filter(|r| r.rule.contains("resolvable") || r.rule.starts_with("glue"))
            .map(|r| r.message.as_str())
            .collect();
        // only `subway` (not under `sub`) is still looked up
        assert_eq!(
            msgs,
            [
                "MX record \"example.com.\" points to in-zone target \"mx.subway.example.com.\" that does not exist"
            ]
        );
    }

    #[test]
    fn multi_value_ns() {
        let z = zone(vec![ns("sub", &["ns1.other.net."])]);
        assert_eq!(
            msgs(&z, "multi-value-ns"),
            [
                "NS record \"sub.example.com.\" has only 1 value; at least 2 are recommended for redundancy"
            ]
        );
        let z = zone(vec![ns("sub", &["ns1.other.net.", "ns2.other.net."])]);
        assert!(of(&z, "multi-value-ns").is_empty());
    }

    #[test]
    fn mx_and_srv_target_resolvable_in_zone() {
        let z = zone(vec![
            mx("", &[(10, "mail.example.com."), (20, "mx.other.net.")]),
            srv("_sip._tcp", "sip.example.com."),
        ]);
        assert_eq!(
            msgs(&z, "mx-target-resolvable-in-zone"),
            [
                "MX record \"example.com.\" points to in-zone target \"mail.example.com.\" that does not exist"
            ]
        );
        assert_eq!(
            msgs(&z, "srv-target-resolvable-in-zone"),
            [
                "SRV record \"_sip._tcp.example.com.\" points to in-zone target \"sip.example.com.\" that does not exist"
            ]
        );
        let z = zone(vec![
            mx("", &[(10, "mail.example.com.")]),
            txt("mail", &["any record will do"]),
            srv("_sip._tcp", "sip.example.com."),
            a("sip"),
            srv("_x._tcp", "."),
        ]);
        assert!(of(&z, "mx-target-resolvable-in-zone").is_empty());
        assert!(of(&z, "srv-target-resolvable-in-zone").is_empty());
    }

    #[test]
    fn caa_best_practices() {
        let z = zone(vec![caa("", &["iodef"]), caa("www", &["issue"])]);
        assert_eq!(
            msgs(&z, "caa-best-practices"),
            [
                "CAA record \"example.com.\" has no ``issue`` or ``issuewild`` tag; having only ``iodef`` means any CA can issue certificates",
                "CAA record \"www.example.com.\" has ``issue`` but no ``issuewild``; consider adding an explicit ``issuewild`` to define wildcard certificate policy",
            ]
        );
        let z = zone(vec![caa("", &["issue", "issuewild", "iodef"])]);
        assert!(of(&z, "caa-best-practices").is_empty());
        // no CAA at all is fine by default; `required` wants one at the apex
        let z = zone(vec![a("www")]);
        assert!(of(&z, "caa-best-practices").is_empty());
        let mut out = vec![];
        super::caa_best_practices(&z, CaaPresence::Required, &mut out);
        assert_eq!(
            out[0].message,
            "zone \"example.com.\" has no CAA records at the apex"
        );
        assert!(out[0].records.is_empty());
    }

    #[test]
    fn mail_mode_mail() {
        // one MX, an SPF that does not terminate, DMARC without a policy
        let z = zone(vec![
            mx("", &[(10, "mx.other.net.")]),
            txt("", &["v=spf1 include:x.net", "google-site-verification=x"]),
            txt("_dmarc", &["v=DMARC1\\; rua=mailto:x@example.com"]),
        ]);
        assert_eq!(
            msgs(&z, "mail"),
            [
                "MX record \"example.com.\" should have at least 2 values for redundancy, found 1",
                "SPF record at the apex of \"example.com.\" should terminate with \"~all\" or \"-all\"",
                "DMARC record at _dmarc.example.com. is missing a policy (p=...)",
            ]
        );
        // SPF only (no MX): mail mode, MX and DMARC missing
        let z = zone(vec![txt("", &["v=spf1 mx ~all"])]);
        let r = of(&z, "mail");
        assert_eq!(
            r.iter().map(|r| r.message.as_str()).collect::<Vec<_>>(),
            [
                "zone \"example.com.\" handles mail but is missing MX records at the apex",
                "zone \"example.com.\" handles mail but is missing a DMARC TXT record at _dmarc",
            ]
        );
        assert_eq!(r[0].records, [k("", RecordType::Txt)]);
        // two SPF values
        let z = zone(vec![
            mx("", &[(10, "mx1.other.net."), (20, "mx2.other.net.")]),
            txt("", &["v=spf1 -all", "v=spf1 mx -all"]),
            txt("_dmarc", &["v=DMARC1\\; p=none"]),
        ]);
        assert_eq!(
            msgs(&z, "mail"),
            ["zone \"example.com.\" has multiple SPF values"]
        );
        // all good
        let z = zone(vec![
            mx("", &[(10, "mx1.other.net."), (20, "mx2.other.net.")]),
            txt("", &["v=spf1 mx -all"]),
            txt("_dmarc", &["v=DMARC1\\; p=quarantine"]),
        ]);
        assert!(of(&z, "mail").is_empty());
        // a known single-MX provider is exempt
        let z = zone(vec![
            mx("", &[(10, "smtp.google.com.")]),
            txt("", &["v=spf1 include:_spf.google.com ~all"]),
            txt("_dmarc", &["v=DMARC1\\; p=reject"]),
        ]);
        assert!(of(&z, "mail").is_empty());
        // no mail signal at all: nothing
        assert!(
            of(
                &zone(vec![a("www"), txt("_dmarc", &["v=DMARC1\\; p=reject"])]),
                "mail"
            )
            .is_empty()
        );
    }

    #[test]
    fn mail_mode_no_mail() {
        let z = zone(vec![mx("", &[(0, ".")])]);
        assert_eq!(
            msgs(&z, "mail"),
            [
                "zone \"example.com.\" disables mail but is missing strict SPF TXT record \"v=spf1 -all\"",
                "zone \"example.com.\" disables mail but is missing strict DMARC TXT record \"v=DMARC1; p=reject;\"",
            ]
        );
        let z = zone(vec![
            txt("", &["v=spf1 -all"]),
            txt("_dmarc", &["v=DMARC1\\; p=none"]),
        ]);
        assert_eq!(
            msgs(&z, "mail"),
            [
                "zone \"example.com.\" disables mail but is missing a Null MX record (0 .)",
                "zone \"example.com.\" disables mail and should have a DMARC TXT record with \"v=DMARC1; p=reject;\"",
            ]
        );
        // a _dmarc TXT without any DMARC value still counts as a record
        let z = zone(vec![
            mx("", &[(0, ".")]),
            txt("", &["v=spf1 -all"]),
            txt("_dmarc", &["hello"]),
        ]);
        assert_eq!(
            msgs(&z, "mail"),
            [
                "zone \"example.com.\" disables mail and should have a DMARC TXT record with \"v=DMARC1; p=reject;\""
            ]
        );
        let z = zone(vec![
            mx("", &[(0, ".")]),
            txt("", &["v=spf1 -all"]),
            txt("_dmarc", &["v=DMARC1\\; p=reject\\;"]),
        ]);
        assert!(of(&z, "mail").is_empty());
        // explicit no-mail mode with a real MX and a loose SPF
        let v = MailValidator::new(MailMode::NoMail, 2, &[]).unwrap();
        let z = zone(vec![
            mx("", &[(10, "mx1.other.net."), (20, "mx2.other.net.")]),
            txt("", &["v=spf1 mx ~all"]),
            txt("_dmarc", &["v=DMARC1\\; p=reject"]),
        ]);
        let mut out = vec![];
        v.check(&z, &mut out);
        assert_eq!(
            out.iter().map(|r| r.message.as_str()).collect::<Vec<_>>(),
            [
                "zone \"example.com.\" disables mail and should have a single Null MX record (0 .)",
                "zone \"example.com.\" disables mail and should have a single strict SPF TXT record \"v=spf1 -all\"",
            ]
        );
    }

    #[test]
    fn mail_subdomains() {
        let z = zone(vec![
            mx("", &[(0, ".")]),
            txt("", &["v=spf1 -all"]),
            txt("_dmarc", &["v=DMARC1\\; p=reject"]),
            mx("news", &[(10, "mx1.other.net."), (20, "mx2.other.net.")]),
            mx("old", &[(0, ".")]),
            txt("old", &["v=spf1 mx -all"]),
            mx("shop", &[(10, "mx1.other.net."), (20, "mx2.other.net.")]),
            txt("shop", &["v=spf1 mx"]),
        ]);
        assert_eq!(
            msgs(&z, "mail"),
            [
                "\"news.example.com.\" handles mail but is missing an SPF TXT record",
                "\"old.example.com.\" disables mail and should have a strict SPF TXT record \"v=spf1 -all\"",
                "SPF record at \"shop.example.com.\" should terminate with \"~all\" or \"-all\"",
            ]
        );
        let z = zone(vec![
            mx("news", &[(10, "mx1.other.net."), (20, "mx2.other.net.")]),
            txt("news", &["v=spf1 mx -all"]),
        ]);
        assert!(of(&z, "mail").is_empty());
    }

    #[test]
    fn mail_options() {
        let e = MailValidator::new(MailMode::Auto, 2, &["("]).err().unwrap();
        assert_eq!(e.pattern, "(");
        assert!(
            e.to_string()
                .starts_with("Invalid single_mx_regexes pattern \"(\": "),
            "{e}"
        );
        assert!(std::error::Error::source(&e).is_some());
        let v = MailValidator::new(MailMode::Auto, 1, &[r"^mx\.example\.net\.$"]).unwrap();
        let z = zone(vec![
            mx("", &[(10, "mx.other.net.")]),
            txt("", &["v=spf1 mx -all"]),
            txt("_dmarc", &["v=DMARC1\\; p=reject"]),
        ]);
        let mut out = vec![];
        v.check(&z, &mut out);
        assert!(out.is_empty());
        let v = MailValidator::new(MailMode::Auto, 3, &[r"^mx\.other\.net\.$"]).unwrap();
        let mut out = vec![];
        v.check(&z, &mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn idn_names_are_decoded_where_octodns_decodes() {
        let mut z = Zone::new("xn--bcher-kva.example.");
        z.insert(cname("", "x.other.net."));
        let r = of(&z, "root-cname");
        assert_eq!(
            r[0].message,
            "CNAME record at zone apex \"bücher.example.\" is not allowed"
        );
    }

    #[test]
    fn odd_data_does_not_panic() {
        let z = zone(vec![
            rec("e", RecordType::Cname, vec![]),
            cname("t", ""),
            cname("u", "example.com"),
            ns("n", &[""]),
            rec("m", RecordType::Mx, vec![]),
            rec("c", RecordType::Caa, vec![]),
            txt("", &[]),
        ]);
        let _ = check(&z, &all_sets());
        let empty = Zone::new("");
        let _ = check(&empty, &all_sets());
    }
}
