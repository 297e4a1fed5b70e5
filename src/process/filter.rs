//! octoDNS's filters (`octodns.processor.filter`): keep or drop records by type, name, value
//! or network, on the desired zone and (with `include_target`, the default) on the target's;
//! and the root-NS and zone-name guards.
//!
//! Allowlists keep what matches and drop the rest; rejectlists drop what matches. A record
//! dropped from both sides is left alone on the target; dropped from the desired side only
//! (`include_target: false`), the target's copy is deleted.

use std::net::IpAddr;
use std::sync::Arc;

use serde::Deserialize;

use super::{Error, PlanCtx, Processor, SourceCtx, TargetCtx};
use crate::model::{RecordSet, RecordType, Value, Zone};
use crate::plan::ZonePlan;
use crate::yaml::{self, Node};

/// Keep (allowlist) or drop (rejectlist) what matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Allow,
    Reject,
}

impl Mode {
    /// Is a record that `matched` kept?
    pub fn keeps(self, matched: bool) -> bool {
        match self {
            Mode::Allow => matched,
            Mode::Reject => !matched,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Mode::Allow => "allowlist",
            Mode::Reject => "rejectlist",
        }
    }
}

/// Drop from `zone` every record `mode` does not keep.
pub fn retain(zone: &mut Zone, mode: Mode, matches: impl Fn(&RecordSet) -> bool) {
    zone.records.retain(|_, r| mode.keeps(matches(r)));
}

/// octoDNS's patterns: a string starting with `/` is a regular expression (its first and last
/// characters cut off, searched anywhere in the text, as Python's `re.search`), any other
/// string matches exactly.
#[derive(Debug, Default)]
pub struct Patterns {
    exact: Vec<String>,
    regex: Vec<regex_lite::Regex>,
}

impl Patterns {
    pub fn new(list: Vec<String>) -> Result<Patterns, String> {
        let mut p = Patterns::default();
        for pattern in list {
            if let Some(rest) = pattern.strip_prefix('/') {
                // Python's pattern[1:-1]: the last character goes whatever it is
                let mut body = rest.chars();
                body.next_back();
                let re = regex_lite::Regex::new(body.as_str())
                    .map_err(|e| format!("{pattern} is not a usable regular expression: {e}"))?;
                p.regex.push(re);
            } else {
                p.exact.push(pattern);
            }
        }
        Ok(p)
    }

    pub fn matches(&self, text: &str) -> bool {
        self.exact.iter().any(|e| e == text) || self.regex.iter().any(|r| r.is_match(text))
    }
}

/// One IPv4 or IPv6 network (`192.0.2.0/24`; an address alone is its /32 or /128), strict
/// as Python's `ip_network`: host bits set are an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn parse(text: &str) -> Option<Network> {
        let (a, p) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok()?,
            Some(_) => return None,
            None => max,
        };
        if prefix > max {
            return None;
        }
        let n = Network { addr, prefix };
        (bits(addr) & !n.mask() == 0).then_some(n)
    }

    fn mask(&self) -> u128 {
        let width = if self.addr.is_ipv4() { 32 } else { 128 };
        let full = if width == 32 {
            u32::MAX as u128
        } else {
            u128::MAX
        };
        if self.prefix == 0 {
            0
        } else {
            full & !(full >> self.prefix)
        }
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        ip.is_ipv4() == self.addr.is_ipv4() && bits(ip) & self.mask() == bits(self.addr)
    }
}

fn bits(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v) => u32::from(v) as u128,
        IpAddr::V6(v) => u128::from(v),
    }
}

/// What a list filter looks at.
#[derive(Debug)]
enum Subject {
    Types(Vec<String>),
    Names(Patterns),
    Values(Patterns),
    /// A and AAAA only; records of other types are left as they are.
    Networks(Vec<Network>),
}

/// `Type…`, `Name…`, `Value…` and `NetworkValue…` `AllowlistFilter` / `RejectlistFilter`.
#[derive(Debug)]
pub struct ListFilter {
    id: String,
    mode: Mode,
    subject: Subject,
    include_target: bool,
}

/// The settings every list filter takes; which of them a class accepts is checked in
/// [`list_filter`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListSettings {
    allowlist: Option<Vec<String>>,
    rejectlist: Option<Vec<String>>,
    include_target: Option<bool>,
    #[serde(default)]
    #[allow(dead_code)] // accepted as octoDNS's BaseProcessor does; filters never use it
    lenient: bool,
}

#[derive(Clone, Copy)]
enum Kind {
    Type,
    Name,
    Value,
    Network,
}

fn list_filter(
    id: &str,
    node: &Node,
    kind: Kind,
    mode: Mode,
) -> Result<Arc<dyn Processor>, yaml::de::Error> {
    let s: ListSettings = super::settings(node)?;
    let (list, other) = match mode {
        Mode::Allow => (s.allowlist, s.rejectlist.map(|_| "rejectlist")),
        Mode::Reject => (s.rejectlist, s.allowlist.map(|_| "allowlist")),
    };
    let err = |key: &str, msg: String| yaml::de::Error::at(&node.pos, Some(key), msg);
    if let Some(other) = other {
        return Err(err(
            other,
            format!("unknown key `{other}` (this class takes `{}`)", mode.key()),
        ));
    }
    let Some(list) = list else {
        return Err(err(mode.key(), format!("missing `{}`", mode.key())));
    };
    // octoDNS's network filters have no include_target: they always filter both sides
    if matches!(kind, Kind::Network) && s.include_target.is_some() {
        return Err(err(
            "include_target",
            "unknown key `include_target` (network filters always filter the target too)".into(),
        ));
    }
    let subject = match kind {
        Kind::Type => Subject::Types(list),
        Kind::Name => Subject::Names(Patterns::new(list).map_err(|m| err(mode.key(), m))?),
        Kind::Value => Subject::Values(Patterns::new(list).map_err(|m| err(mode.key(), m))?),
        Kind::Network => Subject::Networks(
            list.iter()
                .map(|v| {
                    Network::parse(v)
                        .ok_or_else(|| err(mode.key(), format!("{v} is not a valid CIDR to use")))
                })
                .collect::<Result<_, _>>()?,
        ),
    };
    Ok(Arc::new(ListFilter {
        id: id.to_string(),
        mode,
        subject,
        include_target: s.include_target.unwrap_or(true),
    }))
}

macro_rules! constructors {
    ($($fn:ident => $kind:ident, $mode:ident;)*) => {$(
        pub fn $fn(id: &str, node: &Node) -> Result<Arc<dyn Processor>, yaml::de::Error> {
            list_filter(id, node, Kind::$kind, Mode::$mode)
        }
    )*};
}

constructors! {
    type_allowlist => Type, Allow;
    type_rejectlist => Type, Reject;
    name_allowlist => Name, Allow;
    name_rejectlist => Name, Reject;
    value_allowlist => Value, Allow;
    value_rejectlist => Value, Reject;
    network_allowlist => Network, Allow;
    network_rejectlist => Network, Reject;
}

/// The text value filters match: TXT and SPF their internal text (`\;` escaped, as octoDNS's
/// `str(value)`), every other type its RDATA presentation text.
pub(crate) fn match_text(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        other => other.to_rdata(),
    }
}

impl ListFilter {
    fn apply(&self, zone: &mut Zone) {
        match &self.subject {
            // octoDNS compares the type's text as written (`A`, not `a`)
            Subject::Types(types) => retain(zone, self.mode, |r| {
                types.iter().any(|t| t == r.rtype.as_str())
            }),
            Subject::Names(p) => retain(zone, self.mode, |r| p.matches(&r.name)),
            Subject::Values(p) => retain(zone, self.mode, |r| {
                r.values.iter().any(|v| p.matches(&match_text(v)))
            }),
            Subject::Networks(nets) => zone.records.retain(|_, r| {
                if !matches!(r.rtype, RecordType::A | RecordType::Aaaa) {
                    return true;
                }
                let matched = r.values.iter().any(|v| {
                    let ip = v.as_text().and_then(|s| s.parse::<IpAddr>().ok());
                    ip.is_some_and(|ip| nets.iter().any(|n| n.contains(ip)))
                });
                self.mode.keeps(matched)
            }),
        }
    }
}

impl Processor for ListFilter {
    fn id(&self) -> &str {
        &self.id
    }

    fn source_zone(&self, desired: &mut Zone, _: &mut SourceCtx) -> Result<(), Error> {
        self.apply(desired);
        Ok(())
    }

    fn target_zone(&self, existing: &mut Zone, _: &mut TargetCtx) -> Result<(), Error> {
        if self.include_target {
            self.apply(existing);
        }
        Ok(())
    }
}

fn is_root_ns(r: &RecordSet) -> bool {
    r.rtype == RecordType::Ns && r.name.is_empty()
}

/// `IgnoreRootNsFilter`: the apex NS record is dropped from both sides, so it is never managed.
#[derive(Debug)]
pub struct IgnoreRootNs {
    id: String,
}

pub fn ignore_root_ns(id: &str, node: &Node) -> Result<Arc<dyn Processor>, yaml::de::Error> {
    super::no_options(node)?;
    Ok(Arc::new(IgnoreRootNs { id: id.to_string() }))
}

impl Processor for IgnoreRootNs {
    fn id(&self) -> &str {
        &self.id
    }

    fn source_zone(&self, desired: &mut Zone, _: &mut SourceCtx) -> Result<(), Error> {
        desired.records.retain(|_, r| !is_root_ns(r));
        Ok(())
    }

    fn target_zone(&self, existing: &mut Zone, _: &mut TargetCtx) -> Result<(), Error> {
        existing.records.retain(|_, r| !is_root_ns(r));
        Ok(())
    }
}

/// `ExcludeRootNsChanges`: a plan that changes the apex NS is refused (`error: true`, the
/// default) or has that change taken out, with a warning either way.
#[derive(Debug)]
pub struct ExcludeRootNsChanges {
    id: String,
    error: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorSettings {
    #[serde(default = "super::yes")]
    error: bool,
    include_target: Option<bool>,
    #[serde(default)]
    #[allow(dead_code)]
    lenient: bool,
}

pub fn exclude_root_ns_changes(
    id: &str,
    node: &Node,
) -> Result<Arc<dyn Processor>, yaml::de::Error> {
    let s: ErrorSettings = super::settings(node)?;
    if s.include_target.is_some() {
        return Err(yaml::de::Error::at(
            &node.pos,
            Some("include_target"),
            "unknown key `include_target` (this class looks at plans, not zones)",
        ));
    }
    Ok(Arc::new(ExcludeRootNsChanges {
        id: id.to_string(),
        error: s.error,
    }))
}

impl Processor for ExcludeRootNsChanges {
    fn id(&self) -> &str {
        &self.id
    }

    fn plan(&self, plan: &mut ZonePlan, ctx: &mut PlanCtx) -> Result<(), Error> {
        let mut refused = None;
        plan.changes.retain(|c| {
            let r = c.record();
            if !is_root_ns(r) {
                return true;
            }
            ctx.warnings.push(format!(
                "{}: root NS changes are disallowed, fqdn={}",
                self.id, plan.zone
            ));
            if self.error && refused.is_none() {
                refused = Some(Error::at(
                    &self.id,
                    r,
                    format!("{}: root NS changes are disallowed", plan.zone),
                ));
            }
            false
        });
        refused.map_or(Ok(()), Err)
    }
}

/// `ZoneNameFilter`: a record whose name ends with the zone's name (`www.example.com` in
/// `example.com.`, almost always a missing trailing dot) is an error (`error: true`, the
/// default) or dropped.
#[derive(Debug)]
pub struct ZoneName {
    id: String,
    error: bool,
    include_target: bool,
}

pub fn zone_name(id: &str, node: &Node) -> Result<Arc<dyn Processor>, yaml::de::Error> {
    let s: ErrorSettings = super::settings(node)?;
    Ok(Arc::new(ZoneName {
        id: id.to_string(),
        error: s.error,
        include_target: s.include_target.unwrap_or(true),
    }))
}

impl ZoneName {
    fn apply(&self, zone: &mut Zone) -> Result<(), Error> {
        let with_dot = zone.name.clone();
        let without = &with_dot[..with_dot.len().saturating_sub(1)];
        let hit = |r: &RecordSet| r.name.ends_with(&with_dot) || r.name.ends_with(without);
        if self.error
            && let Some(r) = zone.iter().find(|r| hit(r))
        {
            return Err(Error::at(
                &self.id,
                r,
                format!("{}: record name ends with zone name", r.fqdn(&zone.name)),
            ));
        }
        zone.records.retain(|_, r| !hit(r));
        Ok(())
    }
}

impl Processor for ZoneName {
    fn id(&self) -> &str {
        &self.id
    }

    fn source_zone(&self, desired: &mut Zone, _: &mut SourceCtx) -> Result<(), Error> {
        self.apply(desired)
    }

    fn target_zone(&self, existing: &mut Zone, _: &mut TargetCtx) -> Result<(), Error> {
        if self.include_target {
            self.apply(existing)?;
        }
        Ok(())
    }
}
