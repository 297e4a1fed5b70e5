//! Plans: what would change on one target for one zone, computed once, here, for every
//! provider; the safety rails (`safety`); and the plan file with its SHA-256 checksum
//! (`file`).
//!
//! Diff semantics are octoDNS's: identity is (name, type); a record is compared by dynamic
//! (when the target supports it), then geo, then values, then TTL; `octodns:` settings never
//! create a change; ignored / included / excluded records are left alone; deletes only touch
//! types the target supports. Changes are ordered deletes, creates, updates, then by name and
//! type.
//!
//! Rule: `plan` uses `model` only. No I/O, but for `file`, which reads and writes plan files
//! (and rebuilds records through `yaml`).

pub mod file;
pub mod partial;
pub mod safety;

use crate::model::{Capabilities, RecordSet, RecordType, Zone, idna_decode};

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Delete,
    Create,
    Update,
}

impl Op {
    pub fn as_str(&self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Change {
    pub op: Op,
    pub name: String,
    pub rtype: RecordType,
    pub existing: Option<RecordSet>,
    pub desired: Option<RecordSet>,
}

impl Change {
    /// The record the change is about (desired for create/update, existing for delete).
    pub fn record(&self) -> &RecordSet {
        self.desired
            .as_ref()
            .or(self.existing.as_ref())
            .expect("a change has a record")
    }
}

/// The plan for one zone on one target.
#[derive(Clone, Debug)]
pub struct ZonePlan {
    pub zone: String,
    pub target: String,
    /// Does the zone exist on the target? (false: it is created by the apply)
    pub exists: bool,
    pub changes: Vec<Change>,
    /// Records the target holds (after filtering), for thresholds and summaries.
    pub existing_count: usize,
    /// Capability degradations and other notes (`strict_supports: false`).
    pub warnings: Vec<String>,
    /// Records the target holds that an `ignore:` rule leaves alone (not in `changes`, not
    /// counted in `existing_count`).
    pub ignored: Vec<RecordSet>,
    /// Records the target holds and git does not, kept because of `never_delete` (the
    /// deletes they would have been).
    pub unmanaged: Vec<RecordSet>,
}

/// A zone plan's counts, as the plan file's `summary` holds them (fields in the file's sorted
/// key order: serde writes them as declared).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub creates: usize,
    pub deletes: usize,
    pub existing: usize,
    pub updates: usize,
}

impl ZonePlan {
    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            existing: self.existing_count,
            ..Summary::default()
        };
        for c in &self.changes {
            match c.op {
                Op::Create => s.creates += 1,
                Op::Update => s.updates += 1,
                Op::Delete => s.deletes += 1,
            }
        }
        s
    }

    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty() || !self.exists
    }

    /// Make this plan's changes to an in-memory copy of the zone (what providers that rewrite
    /// whole files do: read, apply, write).
    pub fn apply_to(&self, zone: &mut Zone) {
        for c in &self.changes {
            let key = (c.name.clone(), c.rtype.clone());
            match (&c.op, &c.desired) {
                (Op::Delete, _) => {
                    zone.records.remove(&key);
                }
                (Op::Create | Op::Update, Some(d)) => {
                    zone.records.insert(key, d.clone());
                }
                (Op::Create | Op::Update, None) => {}
            }
        }
    }
}

/// Every zone × target plan of one run, ordered by zone then target.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub plans: Vec<ZonePlan>,
}

impl Plan {
    pub fn has_changes(&self) -> bool {
        self.plans.iter().any(ZonePlan::has_changes)
    }

    pub fn sort(&mut self) {
        self.plans
            .sort_by(|a, b| (&a.zone, &a.target).cmp(&(&b.zone, &b.target)));
    }

    /// SHA-256 of the plan file's canonical text (`file::checksum`): what `apply --checksum`
    /// compares.
    pub fn checksum(&self) -> String {
        file::checksum(self)
    }
}

/// A desired record that the target cannot hold as it is, under `strict_supports: true`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsupported {
    pub message: String,
}

/// octoDNS's `_process_desired_zone`: drop or degrade what the target cannot hold. With
/// `strict` every degradation is an error; otherwise a warning. With `root_ns_warnings`
/// (the provider setting), a target that holds root NS records but is given none says so.
pub fn fit_to_target(
    desired: &Zone,
    caps: &Capabilities,
    strict: bool,
    root_ns_warnings: bool,
    warnings: &mut Vec<String>,
) -> Result<Zone, Vec<Unsupported>> {
    fit(desired.clone(), caps, strict, root_ns_warnings, warnings)
}

/// `fit_to_target` on an owned zone: records are moved, not copied.
pub fn fit(
    desired: Zone,
    caps: &Capabilities,
    strict: bool,
    root_ns_warnings: bool,
    warnings: &mut Vec<String>,
) -> Result<Zone, Vec<Unsupported>> {
    if caps.root_ns && root_ns_warnings && desired.get("", &RecordType::Ns).is_none() {
        warnings.push(format!(
            "root NS record supported, but no record is configured for {}",
            idna_decode(&desired.name)
        ));
    }
    let mut out = Zone::new(desired.name.clone());
    let mut errors = Vec::new();
    let mut problem = |msg: String, fallback: &str| {
        if strict {
            errors.push(Unsupported { message: msg });
        } else {
            warnings.push(format!("{msg}; {fallback}"));
        }
    };
    for r in desired.records.into_values() {
        let fqdn = idna_decode(&r.fqdn(&desired.name));
        if !caps.supports_type(&r.rtype) {
            problem(
                format!("{} records not supported for {fqdn}", r.rtype),
                "omitting record",
            );
            continue;
        }
        if r.name.is_empty() && r.rtype == RecordType::Ns && !caps.root_ns {
            problem(
                format!("root NS record not supported for {}", desired.name),
                "ignoring it",
            );
            continue;
        }
        let mut r = r;
        if r.dynamic.is_some() && !caps.dynamic {
            problem(
                format!("dynamic records not supported for {fqdn}"),
                "falling back to simple record",
            );
            r.dynamic = None;
        }
        if r.geo.is_some() && !caps.geo {
            problem(
                format!("geo records not supported for {fqdn}"),
                "falling back to simple record",
            );
            r.geo = None;
        }
        if let Some(d) = &mut r.dynamic {
            if !caps.pool_value_status {
                let pools: Vec<&str> = d
                    .pools
                    .iter()
                    .filter(|(_, p)| {
                        p.values
                            .iter()
                            .any(|v| v.status != crate::model::Status::Obey)
                    })
                    .map(|(id, _)| id.as_str())
                    .collect();
                if !pools.is_empty() {
                    let msg = format!(
                        "\"status\" flag used in pools {} in {fqdn} is not supported",
                        pools.join(",")
                    );
                    problem(msg, "will ignore it and assume \"obey\"");
                    for p in d.pools.values_mut() {
                        for v in &mut p.values {
                            v.status = crate::model::Status::Obey;
                        }
                    }
                }
            }
            if !caps.dynamic_subnets && d.rules.iter().any(|r| !r.subnets.is_empty()) {
                for (i, rule) in d.rules.iter().enumerate() {
                    if !rule.subnets.is_empty() {
                        problem(
                            format!(
                                "rule {} contains unsupported subnet matching in {fqdn}",
                                i + 1
                            ),
                            "removing subnets from the rule",
                        );
                    }
                }
                d.rules.retain_mut(|rule| {
                    let had_subnets = !rule.subnets.is_empty();
                    rule.subnets.clear();
                    !(had_subnets && rule.geos.is_empty())
                });
                let used: std::collections::HashSet<String> = d
                    .rules
                    .iter()
                    .flat_map(|r| {
                        let chain: Vec<String> = d
                            .fallback_chain(&r.pool)
                            .iter()
                            .map(|s| s.to_string())
                            .collect();
                        chain
                    })
                    .collect();
                d.pools.retain(|id, _| used.contains(id));
            }
        }
        if r.rtype == RecordType::Ptr && r.values.len() > 1 && !caps.multivalue_ptr {
            problem(
                format!("multi-value PTR records not supported for {fqdn}"),
                "falling back to a single value",
            );
            r.values.truncate(1);
        }
        out.insert(r);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Compare two record sets with octoDNS's order of checks; true when an update is needed.
pub fn differs(existing: &RecordSet, desired: &RecordSet, caps: &Capabilities) -> bool {
    if caps.dynamic && existing.dynamic != desired.dynamic {
        return true;
    }
    if caps.geo && existing.geo != desired.geo {
        return true;
    }
    existing.values != desired.values
        || (existing.ttl != desired.ttl && !caps.ttl_free.contains(&desired.rtype))
}

/// The changes that turn `existing` (None: the zone does not exist) into `desired` on the
/// target `target` with capabilities `caps`. `desired` must already be fitted to the target.
pub fn diff(
    existing: Option<&Zone>,
    desired: &Zone,
    target: &str,
    caps: &Capabilities,
) -> ZonePlan {
    diff_owned(existing.cloned(), desired.clone(), target, caps)
}

/// `diff` on owned zones: changed records move into the plan; the rest is dropped, so a run
/// keeps only its changes in memory.
pub fn diff_owned(
    existing: Option<Zone>,
    desired: Zone,
    target: &str,
    caps: &Capabilities,
) -> ZonePlan {
    diff_forced(existing, desired, target, caps, &[])
}

/// `diff_owned`, where the records in `forced` (name, type) are updated even when they
/// compare equal (a provider's `extra_changes`).
pub fn diff_forced(
    existing: Option<Zone>,
    desired: Zone,
    target: &str,
    caps: &Capabilities,
    forced: &[(String, RecordType)],
) -> ZonePlan {
    let exists = existing.is_some();
    let mut desired_records = desired.records;
    let mut changes = Vec::new();
    let mut existing_count = 0;
    for (key, e) in existing.map(|z| z.records).unwrap_or_default() {
        // octoDNS removes root NS from existing when the target does not manage it, or when
        // it is not in the desired state: root NS it was not told about is never deleted
        if e.name.is_empty()
            && e.rtype == RecordType::Ns
            && (!caps.root_ns || !desired_records.contains_key(&key))
        {
            continue;
        }
        existing_count += 1;
        let d = desired_records.remove(&key);
        let managed = e.settings.managed_on(target)
            && d.as_ref().is_none_or(|d| d.settings.managed_on(target));
        if !managed {
            continue;
        }
        match d {
            None => {
                if caps.supports_type(&e.rtype) {
                    changes.push(Change {
                        op: Op::Delete,
                        name: key.0,
                        rtype: key.1,
                        existing: Some(e),
                        desired: None,
                    });
                }
            }
            Some(d) => {
                if differs(&e, &d, caps) || forced.contains(&key) {
                    changes.push(Change {
                        op: Op::Update,
                        name: key.0,
                        rtype: key.1,
                        existing: Some(e),
                        desired: Some(d),
                    });
                }
            }
        }
    }
    // what is left of desired does not exist on the target
    for (key, d) in desired_records {
        if !d.settings.managed_on(target) || !caps.supports_type(&d.rtype) {
            continue;
        }
        changes.push(Change {
            op: Op::Create,
            name: key.0,
            rtype: key.1,
            existing: None,
            desired: Some(d),
        });
    }
    changes.sort_by(|a, b| (a.op, &a.name, &a.rtype).cmp(&(b.op, &b.name, &b.rtype)));
    ZonePlan {
        zone: desired.name,
        target: target.to_string(),
        exists,
        changes,
        existing_count,
        warnings: Vec::new(),
        ignored: Vec::new(),
        unmanaged: Vec::new(),
    }
}

#[cfg(test)]
mod tests;
