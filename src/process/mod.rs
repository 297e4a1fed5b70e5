//! octoDNS processors: the built-in classes of `octodns/processor/` (octoDNS 1.22) with their
//! class names, options and semantics, run at the points octoDNS runs them.
//!
//! A processor has four hooks, each optional, called in the zone's processor order
//! (`manager.processors`, then the zone's `processors`, then `manager.post_processors`):
//! - [`Processor::source_zone`]: after every source populated the desired zone, before the
//!   zone's validation (`config::load_desired`);
//! - [`Processor::target_zone`]: on what a target holds, once per zone × target;
//! - [`Processor::source_and_target`]: on both, just before the diff;
//! - [`Processor::plan`]: on the zone × target plan, which it may change or empty.
//!
//! A processor never does I/O of its own, holds no state between zones but what octoDNS's
//! holds (AutoArpa's PTRs), and reports a problem as an [`Error`] naming itself and, where
//! the problem is one record's, the record's file:line.
//!
//! Rule: `process` uses `model`, `plan`, `yaml` (settings through `yaml::de`) and `random`. `config`
//! builds processors from `processors:`; `config::load_desired` runs the source hook and
//! `engine` the others.

pub mod acme;
pub mod arpa;
pub mod filter;
pub mod meta;
pub mod ownership;
pub mod spf;
pub mod templating;
pub mod trailing_dots;
pub mod ttl;

use std::sync::Arc;

use crate::model::{RecordSet, Zone};
use crate::plan::ZonePlan;
use crate::yaml::{self, Node, Pos};

/// A processor refused the zone (octoDNS raises): which processor, why, and where, when the
/// problem is one record's.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("processor {processor}: {message}")]
pub struct Error {
    pub processor: String,
    pub message: String,
    /// The record's definition (a zone file's line), when the error is about one record.
    pub pos: Option<Pos>,
}

impl Error {
    pub fn new(processor: &str, message: impl Into<String>) -> Error {
        Error {
            processor: processor.to_string(),
            message: message.into(),
            pos: None,
        }
    }

    /// An error about `record`, placed at its definition.
    pub fn at(processor: &str, record: &RecordSet, message: impl Into<String>) -> Error {
        Error {
            processor: processor.to_string(),
            message: message.into(),
            pos: (record.pos != Pos::none()).then(|| record.pos.clone()),
        }
    }
}

/// What the source hook is told.
#[derive(Debug, Default)]
pub struct SourceCtx<'a> {
    /// The zone's source provider ids (empty for an alias zone).
    pub sources: &'a [String],
    /// The zone is lenient (`zones.<z>.lenient`).
    pub lenient: bool,
    /// Warnings for the plan's notes (octoDNS logs them).
    pub warnings: Vec<String>,
    /// DNS TXT lookups, when the run may make them (`SpfDnsLookupProcessor`'s includes).
    pub txt: Option<&'a dyn spf::TxtLookup>,
}

/// What the target hooks are told.
#[derive(Debug, Default)]
pub struct TargetCtx<'a> {
    /// The target's provider id.
    pub target: &'a str,
    pub lenient: bool,
    pub warnings: Vec<String>,
    /// Desired records a hook rewrote, (processor id, name, type): checked again by the
    /// record rules, as octoDNS validates the copy a processor makes.
    pub rewritten: Vec<(String, String, crate::model::RecordType)>,
}

/// What the plan hook is told: the zones the plan was computed from, when a processor of
/// the chain asked for them ([`Processor::wants_zones_in_plan`]).
#[derive(Debug, Default)]
pub struct PlanCtx<'a> {
    pub target: &'a str,
    pub sources: &'a [String],
    pub lenient: bool,
    /// The desired zone as diffed (after every source and target hook).
    pub desired: Option<&'a Zone>,
    /// The target's zone as diffed (after every target hook).
    pub existing: Option<&'a Zone>,
    pub warnings: Vec<String>,
}

/// One configured processor. Every hook defaults to leaving things as they are.
pub trait Processor: Send + Sync + std::fmt::Debug {
    /// The id it is configured under (`processors: {ID: {class: …}}`).
    fn id(&self) -> &str;

    /// octoDNS's `process_source_zone`.
    fn source_zone(&self, desired: &mut Zone, ctx: &mut SourceCtx) -> Result<(), Error> {
        let _ = (desired, ctx);
        Ok(())
    }

    /// octoDNS's `process_target_zone`.
    fn target_zone(&self, existing: &mut Zone, ctx: &mut TargetCtx) -> Result<(), Error> {
        let _ = (existing, ctx);
        Ok(())
    }

    /// octoDNS's `process_source_and_target_zones`.
    fn source_and_target(
        &self,
        desired: &mut Zone,
        existing: &mut Zone,
        ctx: &mut TargetCtx,
    ) -> Result<(), Error> {
        let _ = (desired, existing, ctx);
        Ok(())
    }

    /// octoDNS's `process_plan`. Returning None there is emptying `plan.changes` here.
    fn plan(&self, plan: &mut ZonePlan, ctx: &mut PlanCtx) -> Result<(), Error> {
        let _ = (plan, ctx);
        Ok(())
    }

    /// Does [`Processor::plan`] read `ctx.desired` / `ctx.existing`? (They are kept for it
    /// only then: a plan otherwise consumes both zones.)
    fn wants_zones_in_plan(&self) -> bool {
        false
    }
}

/// A zone's processors, in order.
#[derive(Clone, Debug, Default)]
pub struct Chain(pub Vec<Arc<dyn Processor>>);

impl Chain {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn ids(&self) -> Vec<&str> {
        self.0.iter().map(|p| p.id()).collect()
    }

    /// Every processor's source hook, in order; the first error stops the chain (octoDNS
    /// raises).
    pub fn source_zone(&self, desired: &mut Zone, ctx: &mut SourceCtx) -> Result<(), Error> {
        self.0.iter().try_for_each(|p| p.source_zone(desired, ctx))
    }

    /// Every target hook, then every source-and-target hook, as octoDNS's `plan` runs them.
    pub fn target(
        &self,
        desired: &mut Zone,
        existing: &mut Zone,
        ctx: &mut TargetCtx,
    ) -> Result<(), Error> {
        self.0
            .iter()
            .try_for_each(|p| p.target_zone(existing, ctx))?;
        self.0
            .iter()
            .try_for_each(|p| p.source_and_target(desired, existing, ctx))
    }

    pub fn plan(&self, plan: &mut ZonePlan, ctx: &mut PlanCtx) -> Result<(), Error> {
        self.0.iter().try_for_each(|p| p.plan(plan, ctx))
    }

    pub fn wants_zones_in_plan(&self) -> bool {
        self.0.iter().any(|p| p.wants_zones_in_plan())
    }
}

/// A processor class that could not be built from its settings.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BuildError {
    /// Not one of octoDNS's built-in classes: a Python class cannot run here.
    #[error(
        "Unknown processor class: {class}{hint}. dnsplan runs octoDNS's built-in processors \
         only (a processor written in Python cannot run here), and skipping one could delete \
         the records it protects; built in: {known}"
    )]
    UnknownClass {
        class: String,
        hint: String,
        known: String,
    },
    /// The settings do not fit the class (octoDNS: "Incorrect processor config for ID").
    #[error("Incorrect processor config for {id}: {}", .error.detail())]
    Settings { id: String, error: yaml::de::Error },
}

impl BuildError {
    /// Where the problem is written, when the settings say.
    pub fn pos(&self) -> Option<&Pos> {
        match self {
            BuildError::UnknownClass { .. } => None,
            BuildError::Settings { error, .. } => Some(&error.pos),
        }
    }
}

/// A class's constructor: from the processor's id and settings (the entry without `class`).
pub type Build = fn(&str, &Node) -> Result<Arc<dyn Processor>, yaml::de::Error>;

/// One built-in class: the octoDNS class paths it answers to, and its constructor.
pub struct Class {
    pub names: &'static [&'static str],
    pub build: Build,
}

/// Every built-in processor class.
pub const CLASSES: &[Class] = &[
    Class {
        names: &["octodns.processor.filter.TypeAllowlistFilter"],
        build: filter::type_allowlist,
    },
    Class {
        names: &["octodns.processor.filter.TypeRejectlistFilter"],
        build: filter::type_rejectlist,
    },
    Class {
        names: &["octodns.processor.filter.NameAllowlistFilter"],
        build: filter::name_allowlist,
    },
    Class {
        names: &["octodns.processor.filter.NameRejectlistFilter"],
        build: filter::name_rejectlist,
    },
    Class {
        names: &["octodns.processor.filter.ValueAllowlistFilter"],
        build: filter::value_allowlist,
    },
    Class {
        names: &["octodns.processor.filter.ValueRejectlistFilter"],
        build: filter::value_rejectlist,
    },
    Class {
        names: &["octodns.processor.filter.NetworkValueAllowlistFilter"],
        build: filter::network_allowlist,
    },
    Class {
        names: &["octodns.processor.filter.NetworkValueRejectlistFilter"],
        build: filter::network_rejectlist,
    },
    Class {
        names: &["octodns.processor.filter.IgnoreRootNsFilter"],
        build: filter::ignore_root_ns,
    },
    Class {
        names: &["octodns.processor.filter.ExcludeRootNsChanges"],
        build: filter::exclude_root_ns_changes,
    },
    Class {
        names: &["octodns.processor.filter.ZoneNameFilter"],
        build: filter::zone_name,
    },
    Class {
        names: &[
            "octodns.processor.acme.AcmeManagingProcessor",
            "octodns.processor.acme.AcmeMangingProcessor",
        ],
        build: acme::acme_managing,
    },
    Class {
        names: &["octodns.processor.meta.MetaProcessor"],
        build: meta::meta,
    },
    Class {
        names: &["octodns.processor.ownership.OwnershipProcessor"],
        build: ownership::ownership,
    },
    Class {
        names: &["octodns.processor.restrict.TtlRestrictionFilter"],
        build: ttl::ttl_restriction,
    },
    Class {
        names: &["octodns.processor.clamp.TtlClampProcessor"],
        build: ttl::ttl_clamp,
    },
    Class {
        names: &["octodns.processor.spf.SpfDnsLookupProcessor"],
        build: spf::spf_dns_lookup,
    },
    Class {
        names: &["octodns.processor.templating.Templating"],
        build: templating::templating,
    },
    Class {
        names: &["octodns.processor.trailing_dots.EnsureTrailingDots"],
        build: trailing_dots::ensure_trailing_dots,
    },
];

/// Build processor `id` of `class` from its settings.
pub fn build(id: &str, class: &str, settings: &Node) -> Result<Arc<dyn Processor>, BuildError> {
    let Some(c) = CLASSES.iter().find(|c| c.names.contains(&class)) else {
        let known: Vec<&str> = CLASSES
            .iter()
            .flat_map(|c| c.names.iter().copied())
            .collect();
        let hint = yaml::de::nearest(class, &known)
            .map(|n| format!(" (did you mean {n}?)"))
            .unwrap_or_default();
        return Err(BuildError::UnknownClass {
            class: class.to_string(),
            hint,
            known: known.join(", "),
        });
    };
    (c.build)(id, settings).map_err(|error| BuildError::Settings {
        id: id.to_string(),
        error,
    })
}

/// The `key: {name: value}` mapping of a processor's settings, each value as Python's
/// `str()` prints it (octoDNS formats them into f-strings); empty when absent. Its shape is
/// checked by the class's serde settings (a mapping).
pub(crate) fn py_str_map(node: &Node, key: &str) -> Vec<(String, String)> {
    node.get(key)
        .and_then(Node::entries)
        .unwrap_or_default()
        .iter()
        .map(|(k, v)| (k.key_text(), v.py_str()))
        .collect()
}

/// serde's default for options that default to true.
pub(crate) fn yes() -> bool {
    true
}

/// A class without options of its own: only BaseProcessor's `lenient` is accepted.
pub(crate) fn no_options(node: &Node) -> Result<(), yaml::de::Error> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct LenientOnly {
        #[serde(default)]
        #[allow(dead_code)] // accepted as octoDNS's BaseProcessor accepts it
        lenient: bool,
    }
    settings::<LenientOnly>(node).map(drop)
}

/// Settings through serde, as every class reads them.
pub(crate) fn settings<T: serde::de::DeserializeOwned>(node: &Node) -> Result<T, yaml::de::Error> {
    yaml::de::from_node(node)
}

#[cfg(test)]
mod tests;
