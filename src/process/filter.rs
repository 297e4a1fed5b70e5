//! octoDNS's filters (`octodns.processor.filter`): keep or drop records by type, name, value
//! or network, on the desired zone and (with `include_target`, the default) on the target's.
//!
//! Allowlists keep what matches and drop the rest; rejectlists drop what matches. A record
//! dropped from both sides is left alone on the target; dropped from the desired side only
//! (`include_target: false`), the target's copy is deleted.

use std::sync::Arc;

use serde::Deserialize;

use super::{Error, Processor, SourceCtx, TargetCtx};
use crate::model::{RecordSet, Zone};
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
}

/// Drop from `zone` every record `mode` does not keep.
pub fn retain(zone: &mut Zone, mode: Mode, matches: impl Fn(&RecordSet) -> bool) {
    zone.records.retain(|_, r| mode.keeps(matches(r)));
}

/// `TypeAllowlistFilter` / `TypeRejectlistFilter`.
#[derive(Debug)]
pub struct TypeFilter {
    id: String,
    mode: Mode,
    types: Vec<String>,
    include_target: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TypeAllowSettings {
    allowlist: Vec<String>,
    #[serde(default = "yes")]
    include_target: bool,
    #[serde(default)]
    #[allow(dead_code)] // accepted as octoDNS's BaseProcessor does; filters never use it
    lenient: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TypeRejectSettings {
    rejectlist: Vec<String>,
    #[serde(default = "yes")]
    include_target: bool,
    #[serde(default)]
    #[allow(dead_code)]
    lenient: bool,
}

pub(crate) fn yes() -> bool {
    true
}

pub fn type_allowlist(id: &str, node: &Node) -> Result<Arc<dyn Processor>, yaml::de::Error> {
    let s: TypeAllowSettings = super::settings(node)?;
    Ok(Arc::new(TypeFilter {
        id: id.to_string(),
        mode: Mode::Allow,
        types: s.allowlist,
        include_target: s.include_target,
    }))
}

pub fn type_rejectlist(id: &str, node: &Node) -> Result<Arc<dyn Processor>, yaml::de::Error> {
    let s: TypeRejectSettings = super::settings(node)?;
    Ok(Arc::new(TypeFilter {
        id: id.to_string(),
        mode: Mode::Reject,
        types: s.rejectlist,
        include_target: s.include_target,
    }))
}

impl TypeFilter {
    fn apply(&self, zone: &mut Zone) {
        // octoDNS compares the type's text as written (`A`, not `a`)
        retain(zone, self.mode, |r| {
            self.types.iter().any(|t| t == r.rtype.as_str())
        });
    }
}

impl Processor for TypeFilter {
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
