//! `SpfDnsLookupProcessor` (`octodns.processor.spf`): an SPF policy (a TXT value starting
//! `v=spf1 `) may cause at most 10 DNS lookups (RFC 7208 §4.6.4), may not use the deprecated
//! `ptr` mechanism, and a TXT record may hold only one policy.
//!
//! octoDNS resolves every `include:` over DNS and counts the included policy's lookups too.
//! dnsplan sends no DNS queries from a plan: an `include:` of a name in the same zone is
//! followed through the desired records; any other counts one lookup and is named in a
//! warning, as its own lookups are not counted.

use std::sync::Arc;

use serde::Deserialize;

use super::{Error, Processor, SourceCtx};
use crate::model::{RecordSet, RecordType, Value, Zone};
use crate::yaml::{self, Node};

const LIMIT: usize = 10;
/// Includes followed within the zone before giving up on a loop.
const MAX_DEPTH: usize = 20;

#[derive(Debug)]
pub struct SpfDnsLookup {
    id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    #[serde(default)]
    #[allow(dead_code)] // BaseProcessor's option; the check skips lenient records
    lenient: bool,
}

pub fn spf_dns_lookup(id: &str, node: &Node) -> Result<Arc<dyn Processor>, yaml::de::Error> {
    let _: Settings = super::settings(node)?;
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
                match self
                    .zone
                    .relative(&fqdn)
                    .and_then(|n| self.zone.get(&n, &RecordType::Txt))
                {
                    Some(r) if depth < MAX_DEPTH => {
                        let values = texts(r);
                        lookups = self.check(&values, lookups, depth + 1)?;
                    }
                    _ => self.unfollowed.push(domain.to_string()),
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
                record: r,
                fqdn: r.fqdn(&desired.name),
                unfollowed: Vec::new(),
            };
            walk.check(&texts(r), 0, 0)?;
            if !walk.unfollowed.is_empty() {
                walk.unfollowed.sort();
                walk.unfollowed.dedup();
                ctx.warnings.push(format!(
                    "{}: {}: include:{} not followed (no DNS queries from a plan); each \
                     counted as one lookup, not its own",
                    self.id,
                    walk.fqdn,
                    walk.unfollowed.join(", include:")
                ));
            }
        }
        Ok(())
    }
}
