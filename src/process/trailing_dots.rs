//! `EnsureTrailingDots` (`octodns.processor.trailing_dots`): the names a record points at
//! get their trailing dot — ALIAS, CNAME, DNAME, NS and PTR values, MX exchanges, SRV
//! targets. Only a record that may be written without one reaches it (a record marked
//! `octodns: {lenient: true}`, or a lenient zone): others are refused when they are read.

use std::sync::Arc;

use super::{Error, Processor, SourceCtx};
use crate::model::{Value, Zone};
use crate::yaml::{self, Node};

#[derive(Debug)]
pub struct EnsureTrailingDots {
    id: String,
}

pub fn ensure_trailing_dots(id: &str, node: &Node) -> Result<Arc<dyn Processor>, yaml::de::Error> {
    super::no_options(node)?;
    Ok(Arc::new(EnsureTrailingDots { id: id.to_string() }))
}

/// Add the dot to a name that lacks it (an empty name is left as it is: it is no name).
fn dot(name: &mut String) {
    if !name.is_empty() && !name.ends_with('.') {
        name.push('.');
    }
}

impl Processor for EnsureTrailingDots {
    fn id(&self) -> &str {
        &self.id
    }

    fn source_zone(&self, desired: &mut Zone, _: &mut SourceCtx) -> Result<(), Error> {
        use crate::model::RecordType as T;
        for r in desired.records.values_mut() {
            if !matches!(
                r.rtype,
                T::Alias | T::Cname | T::Dname | T::Ns | T::Ptr | T::Mx | T::Srv
            ) {
                continue;
            }
            for v in &mut r.values {
                match v {
                    Value::Target(t) => dot(t),
                    Value::Mx(mx) => dot(&mut mx.exchange),
                    Value::Srv(srv) => dot(&mut srv.target),
                    _ => {}
                }
            }
            r.normalize();
        }
        Ok(())
    }
}
