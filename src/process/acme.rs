//! `AcmeManagingProcessor` (`octodns.processor.acme`, also spelled `AcmeMangingProcessor`):
//! ACME challenge TXT records (`_acme-challenge…`) written in git get the marker value
//! `*octoDNS*`; challenge records on the target without the marker, and not in git, are left
//! alone (a certificate client wrote them), so they are never deleted.

use std::sync::Arc;

use super::{Error, Processor, SourceCtx, TargetCtx};
use crate::model::{RecordSet, RecordType, Value, Zone};
use crate::yaml::{self, Node};

const MARKER: &str = "*octoDNS*";
const PREFIX: &str = "_acme-challenge";

#[derive(Debug)]
pub struct AcmeManaging {
    id: String,
}

pub fn acme_managing(id: &str, node: &Node) -> Result<Arc<dyn Processor>, yaml::de::Error> {
    super::no_options(node)?;
    Ok(Arc::new(AcmeManaging { id: id.to_string() }))
}

/// A challenge record (`startswith`, so `_acme-challenge.www` counts too).
fn is_challenge(r: &RecordSet) -> bool {
    r.rtype == RecordType::Txt && r.name.starts_with(PREFIX)
}

fn marked(r: &RecordSet) -> bool {
    r.values
        .iter()
        .any(|v| matches!(v, Value::Text(t) if t == MARKER))
}

impl Processor for AcmeManaging {
    fn id(&self) -> &str {
        &self.id
    }

    fn source_zone(&self, desired: &mut Zone, _: &mut SourceCtx) -> Result<(), Error> {
        for r in desired.records.values_mut().filter(|r| is_challenge(r)) {
            r.values.push(Value::Text(MARKER.into()));
            r.normalize();
        }
        Ok(())
    }

    /// octoDNS does this in `process_target_zone`, remembering the desired challenge records
    /// of every zone it has seen in one set keyed by (name, type): a `_acme-challenge` managed
    /// in one zone then also exposes an unmarked `_acme-challenge` of *another* zone to
    /// deletion. dnsplan does it here, where the zone's own desired records are known.
    fn source_and_target(
        &self,
        desired: &mut Zone,
        existing: &mut Zone,
        ctx: &mut TargetCtx,
    ) -> Result<(), Error> {
        let zone = existing.name.clone();
        existing.records.retain(|key, r| {
            let keep = !is_challenge(r) || marked(r) || desired.records.contains_key(key);
            if !keep {
                ctx.warnings.push(format!(
                    "{}: ignoring {}, a challenge record not written by dnsplan",
                    self.id,
                    r.fqdn(&zone)
                ));
            }
            keep
        });
        Ok(())
    }
}
