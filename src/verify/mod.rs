//! `dnsplan verify` and `dnsplan report`: what the authoritative servers actually answer.
//!
//! For each zone and each of its targets, the target's name servers are asked directly for
//! every configured name and type; every answer that differs from the zone files is a
//! finding, and so is every pair of targets whose answers differ from each other (the check
//! people do by hand with `dig @ns…` before switching delegation). Servers are found from the
//! provider (an RFC 2136 server is its own name server), from the zone's NS records (in-zone
//! glue from the zone files, otherwise the system resolver), or given (`servers`); `targets`
//! sets up every zone × target of a config that way.
//!
//! Values are compared as DNS defines them (`compare`: TXT as its joined character-strings,
//! names without case, CAA tags without case…), from the octets the server sent (`query`);
//! a TTL that differs is its own finding, never a value difference. `fold` and `table` keep
//! the terminal tables readable when values are long; `rows` writes `report`'s CSV and JSON.
//!
//! Rule: `verify` uses `model`, `config`, `plan` (fitting to a target's capabilities) and
//! `provider` (a target's provider built from its settings, its name servers, the RFC 2136 wire
//! codec), and `diag` for the zone files' problems; it never changes anything.

pub mod compare;
pub mod fold;
pub mod query;
pub mod rows;
pub mod servers;
pub mod table;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde::Serialize;

use crate::config::{Config, ZoneConfig};
use crate::diag::Diagnostic;
use crate::model::{RecordType, Value, Zone, idna_encode};
use crate::provider::ProviderError;

pub use compare::Canon;
pub use query::{Answer, Server};
pub use servers::{Choice, nameservers_from_ns, parse_addr};

/// One question: a record as the zone files configure it.
#[derive(Clone, Debug)]
pub struct Expect {
    /// Absolute, ASCII (IDNA).
    pub qname: String,
    pub rtype: String,
    pub ttl: u32,
    /// The values, in the form compared (`compare::set`: sorted, each once).
    pub want: Vec<Canon>,
    /// The name the zone files use (`@`, `www`, `*.x`), for reports.
    pub name: String,
    /// Answers may be any subset of `values` (dynamic records answer per client).
    pub subset: bool,
    /// A delegation: the NS set comes back in the authority section.
    pub referral: bool,
}

/// The questions for a zone: every record a DNS server serves as its own type. Skipped:
/// provider-specific types, ALIAS (served as A/AAAA), names below a delegation. A wildcard is
/// asked through a made-up name below it.
pub fn expectations(zone: &Zone) -> Vec<Expect> {
    let cuts: Vec<&str> = zone
        .iter()
        .filter(|r| r.rtype == RecordType::Ns && !r.name.is_empty())
        .map(|r| r.name.as_str())
        .collect();
    let mut out = Vec::new();
    for r in zone.iter() {
        if matches!(
            r.rtype,
            RecordType::Other(_) | RecordType::Alias | RecordType::Urlfwd
        ) {
            continue;
        }
        if cuts
            .iter()
            .any(|c| r.name != *c && r.name.ends_with(&format!(".{c}")))
        {
            continue;
        }
        let probe = match r.name.strip_prefix('*') {
            Some(rest) => format!("dnsplan-verify-probe{rest}"),
            None => r.name.clone(),
        };
        let fqdn = if probe.is_empty() {
            zone.name.clone()
        } else {
            format!("{probe}.{}", zone.name)
        };
        // the zone's name may be written in U-labels; the question is in A-labels
        let qname = idna_encode(&fqdn).unwrap_or(fqdn);
        let (values, subset) = match &r.dynamic {
            Some(d) => {
                let mut all: BTreeSet<Value> = r.values.iter().cloned().collect();
                for p in d.pools.values() {
                    all.extend(p.values.iter().map(|v| v.value.clone()));
                }
                (all.into_iter().collect(), true)
            }
            None => (r.values.clone(), false),
        };
        out.push(Expect {
            qname,
            rtype: r.rtype.as_str().to_string(),
            ttl: r.ttl,
            want: compare::set(&r.rtype, &values),
            name: if r.name.is_empty() {
                "@".into()
            } else {
                r.name.clone()
            },
            subset,
            referral: r.rtype == RecordType::Ns && !r.name.is_empty(),
        });
    }
    out
}

/// What one server answered for one question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Got {
    pub rcode: String,
    pub ttl: Option<u32>,
    /// Canonical, sorted by key, each once.
    pub values: Vec<Canon>,
}

/// Why a server gave no answer to a question.
#[derive(Debug, thiserror::Error)]
pub enum AskError {
    /// The query failed (timeouts of its tries, a refused connection, a malformed reply…).
    #[error("{source}")]
    Query {
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// No answer within four times the timeout (UDP tries and the TCP fallback together).
    #[error("no answer from {server} in time")]
    Late { server: SocketAddr },
}

/// Ask one server one question.
pub async fn ask(server: &Server, e: &Expect) -> Result<Got, AskError> {
    let a = server
        .query(&e.qname, &e.rtype)
        .await
        .map_err(|e| AskError::Query { source: e.into() })?;
    let section = if e.referral { &a.authority } else { &a.answers };
    let qname = e.qname.to_ascii_lowercase();
    let code = RecordType::parse(&e.rtype)
        .as_ref()
        .and_then(crate::provider::rfc2136::codec::type_code);
    let rrs: Vec<&query::Rr> = section
        .iter()
        .filter(|r| Some(r.rtype) == code && r.name == qname)
        .collect();
    let mut values: Vec<Canon> = rrs
        .iter()
        .map(|r| compare::of_wire(r.rtype, &r.rdata))
        .collect();
    values.sort();
    values.dedup_by(|a, b| a.key == b.key);
    Ok(Got {
        rcode: a.rcode,
        ttl: rrs.iter().map(|r| r.ttl).min(),
        values,
    })
}

/// Where to ask, for one zone on one target.
#[derive(Clone, Debug, Serialize)]
pub struct Target {
    pub zone: String,
    pub target: String,
    pub servers: Vec<SocketAddr>,
    /// Why there are no servers, when there are none.
    pub problem: Option<String>,
    /// The zone as this target should serve it (fitted to its capabilities).
    #[serde(skip)]
    pub expect: Vec<Expect>,
}

impl Target {
    /// Where to ask about `zone` (as the zone files hold it) on `target`, and what: the
    /// questions fitted to the provider's capabilities; the servers from `choice` (with `auto`,
    /// the provider's own, else the zone's NS), or why there are none.
    pub async fn new(
        zone: &Zone,
        target: &str,
        provider: &dyn crate::provider::Provider,
        choice: &Choice,
    ) -> Target {
        let (servers, problem) = match choice.servers(target, provider.nameservers(), zone).await {
            Ok(s) => (s, None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        };
        Target {
            zone: zone.name.clone(),
            target: target.to_string(),
            expect: for_target(zone, target, provider.capabilities()),
            servers,
            problem,
        }
    }
}

/// Why the targets of `verify` could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TargetsError {
    /// The zone files of `zone` have errors (the diagnostics say which).
    #[error("the zone files of {zone} have errors")]
    Invalid {
        zone: String,
        diagnostics: Vec<Diagnostic>,
    },
    /// A target's provider could not be built from its settings.
    #[error("{source}")]
    Provider {
        target: String,
        #[source]
        source: ProviderError,
    },
}

/// Every zone × target of `zones` to verify: each zone's files read, each target's provider
/// built and its servers found (a target without servers carries why, as a finding to be).
pub async fn targets(
    cfg: &Config,
    zones: &[&ZoneConfig],
    choice: &Choice,
) -> Result<Vec<Target>, TargetsError> {
    let mut out = Vec::new();
    for zc in zones {
        let d = crate::config::load_desired(cfg, zc);
        if d.diagnostics.iter().any(Diagnostic::is_error) {
            return Err(TargetsError::Invalid {
                zone: zc.name.clone(),
                diagnostics: d.diagnostics,
            });
        }
        for t in &zc.targets {
            let provider = crate::provider::build(&cfg.providers[t]).map_err(|source| {
                TargetsError::Provider {
                    target: t.clone(),
                    source,
                }
            })?;
            out.push(Target::new(&d.zone, t, provider.as_ref(), choice).await);
        }
    }
    Ok(out)
}

/// Where a finding was seen: the record, and the server of a target that was asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct At {
    pub zone: String,
    pub target: String,
    pub server: String,
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
}

/// A difference found.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// A server's values differ from the zone files (whatever the TTL).
    Differs {
        #[serde(flatten)]
        at: At,
        want: Vec<String>,
        want_ttl: u32,
        got: Vec<String>,
        got_ttl: Option<u32>,
        /// Git's values the server does not answer.
        missing: Vec<String>,
        /// Values the server answers that git does not have.
        unexpected: Vec<String>,
        reason: String,
    },
    /// A server serves git's values with another TTL.
    Ttl {
        #[serde(flatten)]
        at: At,
        want_ttl: u32,
        got_ttl: u32,
    },
    /// A server did not answer (or could not be asked).
    NoAnswer {
        #[serde(flatten)]
        at: At,
        reason: String,
    },
    /// Two targets answer different values.
    Disagree {
        zone: String,
        name: String,
        #[serde(rename = "type")]
        rtype: String,
        a: String,
        a_values: Vec<String>,
        b: String,
        b_values: Vec<String>,
    },
    /// No server to ask for a target.
    NoServers {
        zone: String,
        target: String,
        reason: String,
    },
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub version: u32,
    pub ok: bool,
    pub checked: usize,
    pub targets: Vec<Target>,
    pub findings: Vec<Finding>,
}

fn shown(values: &[Canon]) -> Vec<String> {
    values.iter().map(|c| c.shown.clone()).collect()
}

fn at(t: &Target, e: &Expect, server: SocketAddr) -> At {
    At {
        zone: t.zone.clone(),
        target: t.target.clone(),
        server: server.to_string(),
        name: e.name.clone(),
        rtype: e.rtype.clone(),
    }
}

/// The findings of one answer: its values against git's, then its TTL.
pub fn judge(t: &Target, e: &Expect, server: SocketAddr, got: &Got) -> Vec<Finding> {
    let mut out = Vec::new();
    let at = || at(t, e, server);
    let values = compare::values_differ(&e.want, &got.values, e.subset, &got.rcode);
    if let Some(d) = &values {
        out.push(Finding::Differs {
            at: at(),
            want: shown(&e.want),
            want_ttl: e.ttl,
            got: shown(&got.values),
            got_ttl: got.ttl,
            missing: d.missing.clone(),
            unexpected: d.unexpected.clone(),
            reason: d.reason.clone(),
        });
    }
    // a record that is not there has no TTL to compare
    if (values.is_none() || !got.values.is_empty())
        && let Some(ttl) = compare::ttl_differs(e.ttl, got.ttl, e.referral)
    {
        out.push(Finding::Ttl {
            at: at(),
            want_ttl: e.ttl,
            got_ttl: ttl,
        });
    }
    out
}

/// Ask every server of every target every question (at most `concurrency` at a time), then
/// compare the answers with the zone files and the targets with each other.
pub async fn run(targets: Vec<Target>, timeout: Duration, concurrency: usize) -> Report {
    let mut servers: BTreeMap<SocketAddr, Arc<Server>> = BTreeMap::new();
    for t in &targets {
        for s in &t.servers {
            servers
                .entry(*s)
                .or_insert_with(|| Arc::new(Server::new(*s, timeout)));
        }
    }
    let mut jobs = Vec::new();
    for (ti, t) in targets.iter().enumerate() {
        for ei in 0..t.expect.len() {
            for s in &t.servers {
                jobs.push((ti, ei, servers[s].clone()));
            }
        }
    }
    let checked = jobs.len();
    let results: Vec<(usize, usize, SocketAddr, Result<Got, AskError>)> =
        futures_util::stream::iter(jobs)
            .map(|(ti, ei, server)| {
                let e = targets[ti].expect[ei].clone();
                async move {
                    let r = tokio::time::timeout(timeout * 4, ask(&server, &e))
                        .await
                        .unwrap_or(Err(AskError::Late {
                            server: server.addr,
                        }));
                    (ti, ei, server.addr, r)
                }
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
    let mut findings = Vec::new();
    for t in &targets {
        if let Some(p) = &t.problem {
            findings.push(Finding::NoServers {
                zone: t.zone.clone(),
                target: t.target.clone(),
                reason: p.clone(),
            });
        }
    }
    // (zone, name, type) → target → first server's values
    let mut by_record: BTreeMap<(String, String, String), BTreeMap<String, Vec<Canon>>> =
        BTreeMap::new();
    let mut sorted = results;
    sorted.sort_by_key(|(ti, ei, s, _)| (*ti, *ei, *s));
    for (ti, ei, server, r) in sorted {
        let t = &targets[ti];
        let e = &t.expect[ei];
        match r {
            Err(reason) => findings.push(Finding::NoAnswer {
                at: at(t, e, server),
                reason: reason.to_string(),
            }),
            Ok(got) => {
                findings.extend(judge(t, e, server, &got));
                if !e.subset {
                    by_record
                        .entry((t.zone.clone(), e.name.clone(), e.rtype.clone()))
                        .or_default()
                        .entry(t.target.clone())
                        .or_insert(got.values);
                }
            }
        }
    }
    for ((zone, name, rtype), answers) in by_record {
        let list: Vec<(&String, &Vec<Canon>)> = answers.iter().collect();
        for i in 0..list.len() {
            for j in i + 1..list.len() {
                if !compare::same_values(list[i].1, list[j].1) {
                    findings.push(Finding::Disagree {
                        zone: zone.clone(),
                        name: name.clone(),
                        rtype: rtype.clone(),
                        a: list[i].0.clone(),
                        a_values: shown(list[i].1),
                        b: list[j].0.clone(),
                        b_values: shown(list[j].1),
                    });
                }
            }
        }
    }
    Report {
        version: 1,
        ok: findings.is_empty(),
        checked,
        targets,
        findings,
    }
}

/// For `report`: each record's answers from each server, and whether they all agree.
#[derive(Debug, Serialize)]
pub struct Row {
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub ttl: u32,
    /// Per server (in the order given): the values, or the error.
    pub answers: Vec<Result<Vec<Canon>, String>>,
    pub consistent: bool,
}

pub async fn answers(
    expect: &[Expect],
    servers: &[SocketAddr],
    timeout: Duration,
    concurrency: usize,
) -> Vec<Row> {
    let clients: Vec<Arc<Server>> = servers
        .iter()
        .map(|s| Arc::new(Server::new(*s, timeout)))
        .collect();
    let jobs: Vec<(usize, usize)> = (0..expect.len())
        .flat_map(|i| (0..clients.len()).map(move |j| (i, j)))
        .collect();
    let mut results: Vec<(usize, usize, Result<Vec<Canon>, String>)> =
        futures_util::stream::iter(jobs)
            .map(|(i, j)| {
                let c = clients[j].clone();
                let e = expect[i].clone();
                async move {
                    let r = tokio::time::timeout(timeout * 4, ask(&c, &e))
                        .await
                        .unwrap_or(Err(AskError::Late { server: c.addr }))
                        .map(|g| g.values)
                        .map_err(|e| e.to_string());
                    (i, j, r)
                }
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
    results.sort_by_key(|(i, j, _)| (*i, *j));
    let mut rows: Vec<Row> = expect
        .iter()
        .map(|e| Row {
            name: e.name.clone(),
            rtype: e.rtype.clone(),
            ttl: e.ttl,
            answers: Vec::new(),
            consistent: true,
        })
        .collect();
    for (i, _, r) in results {
        rows[i].answers.push(r);
    }
    for r in &mut rows {
        r.consistent = match r.answers.first() {
            Some(Ok(first)) => r
                .answers
                .iter()
                .all(|a| matches!(a, Ok(v) if compare::same_values(v, first))),
            _ => false,
        };
    }
    rows
}

/// The records of `zone` this target holds (for building `Target::expect`).
pub fn for_target(zone: &Zone, target: &str, caps: &crate::model::Capabilities) -> Vec<Expect> {
    let mut warnings = Vec::new();
    let managed = Zone {
        name: zone.name.clone(),
        records: zone
            .records
            .iter()
            .filter(|(_, r)| r.settings.managed_on(target))
            .map(|(k, r)| (k.clone(), r.clone()))
            .collect(),
    };
    let fitted = crate::plan::fit(managed, caps, false, false, &mut warnings).unwrap_or_default();
    expectations(&fitted)
}

#[cfg(test)]
mod tests;
