//! `dnsplan verify` and `dnsplan report`: what the authoritative servers actually answer.
//!
//! For each zone and each of its targets, the target's name servers are asked directly for
//! every configured name and type; every answer that differs from the zone files is a
//! finding, and so is every pair of targets whose answers differ from each other (the check
//! people do by hand with `dig @ns…` before switching delegation). Servers are found from the
//! provider (an RFC 2136 server is its own name server), from the zone's NS records (in-zone
//! glue from the zone files, otherwise the system resolver), or given.
//!
//! Rule: `verify` uses `model`, `config`, `plan` (fitting to a target's capabilities) and
//! `provider` (name servers); it never changes anything.

pub mod query;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde::Serialize;

use crate::model::{RecordType, Value, Zone, rdata};

pub use query::{Answer, Server};

/// One question: a record as the zone files configure it.
#[derive(Clone, Debug)]
pub struct Expect {
    /// Absolute, ASCII (IDNA).
    pub qname: String,
    pub rtype: String,
    pub ttl: u32,
    /// Sorted.
    pub values: Vec<Value>,
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
        let qname = if probe.is_empty() {
            zone.name.clone()
        } else {
            format!("{probe}.{}", zone.name)
        };
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
            values,
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

/// What one server answered for one question, in the model's terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Got {
    pub rcode: String,
    pub ttl: Option<u32>,
    /// Presentation text of each value, sorted.
    pub values: Vec<String>,
}

/// Ask one server one question.
pub async fn ask(server: &Server, e: &Expect) -> Result<Got, String> {
    let a = server.query(&e.qname, &e.rtype).await?;
    let section = if e.referral { &a.authority } else { &a.answers };
    let qname = e.qname.to_ascii_lowercase();
    let rrs: Vec<&query::Rr> = section
        .iter()
        .filter(|r| r.rtype == e.rtype && r.name == qname)
        .collect();
    let t = RecordType::parse(&e.rtype).unwrap_or(RecordType::Other(Arc::from(e.rtype.as_str())));
    let mut values: Vec<String> = rrs
        .iter()
        .map(|r| match rdata::parse(&t, &r.rdata) {
            Ok(v) => v.to_rdata(),
            Err(_) => r.rdata.clone(),
        })
        .collect();
    values.sort();
    values.dedup();
    Ok(Got {
        rcode: a.rcode,
        ttl: rrs.iter().map(|r| r.ttl).min(),
        values,
    })
}

/// Does an answer match the zone files? None when it does, the reason otherwise.
pub fn mismatch(e: &Expect, got: &Got) -> Option<String> {
    let want: BTreeSet<String> = e.values.iter().map(Value::to_rdata).collect();
    let have: BTreeSet<String> = got.values.iter().cloned().collect();
    if have.is_empty() {
        return Some(if got.rcode == "No Error" || got.rcode == "NoError" {
            "no such record (NODATA)".to_string()
        } else {
            format!("no such record ({})", got.rcode)
        });
    }
    if e.subset {
        if !have.is_subset(&want) {
            let odd: Vec<&String> = have.difference(&want).collect();
            return Some(format!(
                "values no pool has: {}",
                odd.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    } else if have != want {
        let missing: Vec<&str> = want.difference(&have).map(String::as_str).collect();
        let extra: Vec<&str> = have.difference(&want).map(String::as_str).collect();
        let mut parts = Vec::new();
        if !missing.is_empty() {
            parts.push(format!("missing {}", missing.join(", ")));
        }
        if !extra.is_empty() {
            parts.push(format!("unexpected {}", extra.join(", ")));
        }
        return Some(parts.join("; "));
    }
    match got.ttl {
        Some(t) if t != e.ttl && !e.referral => Some(format!("TTL {t}, not {}", e.ttl)),
        _ => None,
    }
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

/// A difference found.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// A server's answer differs from the zone files.
    Differs {
        zone: String,
        target: String,
        server: String,
        name: String,
        #[serde(rename = "type")]
        rtype: String,
        want: Vec<String>,
        want_ttl: u32,
        got: Vec<String>,
        got_ttl: Option<u32>,
        reason: String,
    },
    /// A server did not answer (or could not be asked).
    NoAnswer {
        zone: String,
        target: String,
        server: String,
        name: String,
        #[serde(rename = "type")]
        rtype: String,
        reason: String,
    },
    /// Two targets answer differently.
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

/// Ask every server of every target every question (at most `concurrency` at a time), then
/// compare the answers with the zone files and the targets with each other.
pub async fn run(targets: Vec<Target>, timeout: Duration, concurrency: usize) -> Report {
    let mut servers: BTreeMap<SocketAddr, Arc<Server>> = BTreeMap::new();
    for t in &targets {
        for s in &t.servers {
            if !servers.contains_key(s) {
                servers.insert(*s, Arc::new(Server::connect(*s, timeout).await));
            }
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
    let results: Vec<(usize, usize, SocketAddr, Result<Got, String>)> =
        futures_util::stream::iter(jobs)
            .map(|(ti, ei, server)| {
                let e = targets[ti].expect[ei].clone();
                async move {
                    let r = tokio::time::timeout(timeout * 4, ask(&server, &e))
                        .await
                        .unwrap_or_else(|_| Err(format!("no answer from {} in time", server.addr)));
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
    let mut by_record: BTreeMap<(String, String, String), BTreeMap<String, Vec<String>>> =
        BTreeMap::new();
    let mut sorted = results;
    sorted.sort_by_key(|(ti, ei, s, _)| (*ti, *ei, *s));
    for (ti, ei, server, r) in sorted {
        let t = &targets[ti];
        let e = &t.expect[ei];
        match r {
            Err(reason) => findings.push(Finding::NoAnswer {
                zone: t.zone.clone(),
                target: t.target.clone(),
                server: server.to_string(),
                name: e.name.clone(),
                rtype: e.rtype.clone(),
                reason,
            }),
            Ok(got) => {
                if let Some(reason) = mismatch(e, &got) {
                    findings.push(Finding::Differs {
                        zone: t.zone.clone(),
                        target: t.target.clone(),
                        server: server.to_string(),
                        name: e.name.clone(),
                        rtype: e.rtype.clone(),
                        want: e.values.iter().map(Value::to_rdata).collect(),
                        want_ttl: e.ttl,
                        got: got.values.clone(),
                        got_ttl: got.ttl,
                        reason,
                    });
                }
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
        let list: Vec<(&String, &Vec<String>)> = answers.iter().collect();
        for i in 0..list.len() {
            for j in i + 1..list.len() {
                if list[i].1 != list[j].1 {
                    findings.push(Finding::Disagree {
                        zone: zone.clone(),
                        name: name.clone(),
                        rtype: rtype.clone(),
                        a: list[i].0.clone(),
                        a_values: list[i].1.clone(),
                        b: list[j].0.clone(),
                        b_values: list[j].1.clone(),
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

/// The addresses of a zone's name servers from its NS records: in-zone glue from the zone
/// files first, the system resolver otherwise (port 53).
pub async fn nameservers_from_ns(zone: &Zone) -> Result<Vec<SocketAddr>, String> {
    let Some(ns) = zone.get("", &RecordType::Ns) else {
        return Err("the zone files have no apex NS record to find the name servers".into());
    };
    let mut out = Vec::new();
    for v in &ns.values {
        let Some(host) = v.target() else { continue };
        let glue: Vec<SocketAddr> = zone
            .relative(host)
            .map(|rel| {
                [RecordType::A, RecordType::Aaaa]
                    .iter()
                    .filter_map(|t| zone.get(&rel, t))
                    .flat_map(|r| r.values.iter())
                    .filter_map(|v| v.as_text().and_then(|s| s.parse().ok()))
                    .map(|ip| SocketAddr::new(ip, 53))
                    .collect()
            })
            .unwrap_or_default();
        if !glue.is_empty() {
            out.extend(glue);
            continue;
        }
        let resolved = tokio::net::lookup_host((host.trim_end_matches('.'), 53))
            .await
            .map_err(|e| format!("cannot resolve the name server {host}: {e}"))?;
        out.extend(resolved);
    }
    out.sort();
    out.dedup();
    if out.is_empty() {
        return Err("no address for any of the zone's name servers".into());
    }
    Ok(out)
}

/// For `report`: each record's answers from each server, and whether they all agree.
#[derive(Debug, Serialize)]
pub struct Row {
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub ttl: u32,
    /// Per server (in the order given): the values, or the error.
    pub answers: Vec<Result<Vec<String>, String>>,
    pub consistent: bool,
}

pub async fn answers(
    expect: &[Expect],
    servers: &[SocketAddr],
    timeout: Duration,
    concurrency: usize,
) -> Vec<Row> {
    let mut clients = Vec::new();
    for s in servers {
        clients.push(Arc::new(Server::connect(*s, timeout).await));
    }
    let jobs: Vec<(usize, usize)> = (0..expect.len())
        .flat_map(|i| (0..clients.len()).map(move |j| (i, j)))
        .collect();
    let mut results: Vec<(usize, usize, Result<Vec<String>, String>)> =
        futures_util::stream::iter(jobs)
            .map(|(i, j)| {
                let c = clients[j].clone();
                let e = expect[i].clone();
                async move {
                    let r = tokio::time::timeout(timeout * 4, ask(&c, &e))
                        .await
                        .unwrap_or_else(|_| Err(format!("no answer from {} in time", c.addr)))
                        .map(|g| g.values);
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
        let first = r.answers.first().cloned();
        r.consistent = r
            .answers
            .iter()
            .all(|a| a.is_ok() && Some(a) == first.as_ref());
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
    let fitted = crate::plan::fit(managed, caps, false, &mut warnings).unwrap_or_default();
    expectations(&fitted)
}

#[cfg(test)]
mod tests;
