//! `SpfDnsLookupProcessor` (`octodns.processor.spf`): an SPF policy (a TXT value starting
//! `v=spf1 `) may cause at most 10 DNS lookups (RFC 7208 §4.6.4), may not use the deprecated
//! `ptr` mechanism, and a TXT record may hold only one policy.
//!
//! octoDNS resolves every `include:` over DNS and counts the included policy's lookups too.
//! dnsplan sends no DNS query unless asked: an `include:` of a name in the same zone is
//! followed through the desired records; any other is resolved through
//! [`SourceCtx::txt`] when the run was given a resolver (`DNSPLAN_SPF_RESOLVER`), and
//! otherwise counts one lookup and is named in a warning, as its own lookups are not counted.

use std::sync::Arc;

use super::{Error, Processor, SourceCtx};
use crate::model::{RecordSet, RecordType, Value, Zone};
use crate::yaml::{self, Node};

/// TXT lookups for `include:` names outside the zone: the texts of every TXT record of a
/// name (each record's strings joined), or why there are none.
pub trait TxtLookup: Send + Sync + std::fmt::Debug {
    fn txt(&self, fqdn: &str) -> Result<Vec<String>, String>;
}

const LIMIT: usize = 10;
/// Includes followed within the zone before giving up on a loop.
const MAX_DEPTH: usize = 20;

#[derive(Debug)]
pub struct SpfDnsLookup {
    id: String,
}

pub fn spf_dns_lookup(id: &str, node: &Node) -> Result<Arc<dyn Processor>, yaml::de::Error> {
    super::no_options(node)?;
    Ok(Arc::new(SpfDnsLookup { id: id.to_string() }))
}

fn texts(r: &RecordSet) -> Vec<&str> {
    r.values
        .iter()
        .filter_map(|v| match v {
            Value::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

struct Walk<'a> {
    id: &'a str,
    zone: &'a Zone,
    lookup: Option<&'a dyn TxtLookup>,
    /// The record being checked (errors name it, as octoDNS's do, whichever include failed).
    record: &'a RecordSet,
    fqdn: String,
    unfollowed: Vec<String>,
}

impl Walk<'_> {
    fn error(&self, why: &str) -> Error {
        Error::at(self.id, self.record, format!("{} {why}", self.fqdn))
    }

    /// octoDNS's `_check_dns_lookups`: the lookups after `values`' policy, from `lookups`.
    fn check(&mut self, values: &[&str], mut lookups: usize, depth: usize) -> Result<usize, Error> {
        let spf: Vec<&&str> = values.iter().filter(|v| v.starts_with("v=spf1 ")).collect();
        let spf = match spf.as_slice() {
            [] => return Ok(lookups),
            [one] => **one,
            _ => return Err(self.error("has more than one SPF value in the TXT record")),
        };
        for term in spf["v=spf1 ".len()..].split(' ') {
            // checked before each term, as octoDNS does: the 11th lookup fails on the term
            // after it
            if lookups > LIMIT {
                return Err(self.error("exceeds the 10 DNS lookup limit in the SPF record"));
            }
            if term.starts_with("ptr") {
                return Err(self.error("uses the deprecated ptr mechanism"));
            }
            // `a` also matches `all`, as in octoDNS
            if ["a", "mx", "exists:", "redirect", "include:"]
                .iter()
                .any(|p| term.starts_with(p))
            {
                lookups += 1;
            }
            if let Some(domain) = term.strip_prefix("include:") {
                let fqdn = format!("{}.", domain.trim_end_matches('.'));
                let inside = self
                    .zone
                    .relative(&fqdn)
                    .and_then(|n| self.zone.get(&n, &RecordType::Txt));
                match (inside, self.lookup) {
                    _ if depth >= MAX_DEPTH => self.unfollowed.push(domain.to_string()),
                    (Some(r), _) => {
                        let values = texts(r);
                        lookups = self.check(&values, lookups, depth + 1)?;
                    }
                    // outside the zone, and the run was given a resolver
                    (None, Some(lookup)) => {
                        let values = lookup.txt(&fqdn).map_err(|why| {
                            self.error(&format!("include:{domain} could not be resolved: {why}"))
                        })?;
                        let values: Vec<&str> = values.iter().map(String::as_str).collect();
                        lookups = self.check(&values, lookups, depth + 1)?;
                    }
                    (None, None) => self.unfollowed.push(domain.to_string()),
                }
            }
        }
        Ok(lookups)
    }
}

impl Processor for SpfDnsLookup {
    fn id(&self) -> &str {
        &self.id
    }

    fn source_zone(&self, desired: &mut Zone, ctx: &mut SourceCtx) -> Result<(), Error> {
        for r in desired.iter() {
            if r.rtype != RecordType::Txt || r.settings.lenient {
                continue;
            }
            let mut walk = Walk {
                id: &self.id,
                zone: desired,
                lookup: ctx.txt,
                record: r,
                fqdn: r.fqdn(&desired.name),
                unfollowed: Vec::new(),
            };
            walk.check(&texts(r), 0, 0)?;
            if !walk.unfollowed.is_empty() {
                walk.unfollowed.sort();
                walk.unfollowed.dedup();
                ctx.warnings.push(format!(
                    "{}: {}: include:{} not followed (no DNS queries unless \
                     DNSPLAN_SPF_RESOLVER names a resolver); each counted as one lookup, not its \
                     own",
                    self.id,
                    walk.fqdn,
                    walk.unfollowed.join(", include:")
                ));
            }
        }
        Ok(())
    }
}
