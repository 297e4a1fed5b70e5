//! A zone plan as RFC 2136 UPDATE messages.
//!
//! Every change carries prerequisites (RFC 2136 §2.4) describing the state the plan was
//! computed from, so a record changed on the server since it was read makes the server refuse
//! the whole message (YXRRSET / NXRRSET) instead of dnsplan overwriting it:
//!
//! - create: "RRset does not exist" (class NONE, no RDATA);
//! - update, delete: "RRset exists (value dependent)": every value read (class IN, TTL 0);
//!   the server compares the whole RRset, values only (a TTL changed behind dnsplan's back is
//!   not seen).
//!
//! The updates (§2.5): a create adds each value; a delete removes the RRset (class ANY); an
//! update removes the RRset and adds the new values. The apex NS is the exception: a server
//! ignores the deletion of the whole apex NS RRset (§3.4.2.4), so its update adds the new
//! values first, then removes the old ones that go, one by one (class NONE).
//!
//! All changes of a plan go in one message, so the server applies all or nothing; when that
//! would exceed a DNS message (64 KiB over TCP) or `update_batch_size` changes, in several,
//! each atomic, in plan order (deletes first, so an A → CNAME swap frees the name before the
//! CNAME comes).

use crate::model::{RecordSet, RecordType};
use crate::plan::{Change, Op, ZonePlan};

use super::codec;
use super::wire::{self, Builder, CLASS_ANY, CLASS_IN, CLASS_NONE, Name, NameTextError, RecordOut};

/// A plan that cannot be sent as UPDATE messages; `label` is the change (`create www.… A`).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum UpdateError {
    #[error("{0}")]
    Zone(#[source] NameTextError),
    #[error("{label}: {rtype} records cannot be written over RFC 2136")]
    Type { label: String, rtype: RecordType },
    #[error("{label}: {source}")]
    Owner {
        label: String,
        #[source]
        source: NameTextError,
    },
    #[error("{label}: {source}")]
    Value {
        label: String,
        #[source]
        source: codec::EncodeError,
    },
    #[error("{label}: the change takes {octets} octets, more than one DNS message can carry")]
    TooLarge { label: String, octets: usize },
}

/// Room kept for the header, the zone section and the TSIG record.
const OVERHEAD: usize = 12 + 255 + 4 + 512;

/// One change as prerequisites and updates.
#[derive(Clone, Debug)]
pub struct ChangeOps {
    /// `create www.example.com. A`, for messages.
    pub label: String,
    pub prereqs: Vec<RecordOut>,
    pub updates: Vec<RecordOut>,
}

impl ChangeOps {
    /// What the change takes in a message at most: every owner is inside the zone, whose
    /// name the zone section holds, so it is written as its first labels and a pointer.
    fn wire_len(&self, zone: &Name) -> usize {
        self.prereqs
            .iter()
            .chain(&self.updates)
            .map(|r| {
                r.wire_len() - r.name.wire_len()
                    + r.name.wire_len().saturating_sub(zone.wire_len())
                    + 2
            })
            .sum()
    }
}

/// `op fqdn TYPE` of a change, names decoded for display.
pub fn label(c: &Change, zone: &str) -> String {
    let r = c.record();
    format!(
        "{} {} {}",
        c.op.as_str(),
        crate::model::idna_decode(&r.fqdn(zone)),
        c.rtype
    )
}

fn rdatas(r: &RecordSet, origin: &Name) -> Result<Vec<Vec<u8>>, codec::EncodeError> {
    r.values
        .iter()
        .map(|v| codec::encode(&r.rtype, v, origin))
        .collect()
}

/// The prerequisites and updates of one change.
pub fn change_ops(c: &Change, zone: &str) -> Result<ChangeOps, UpdateError> {
    let origin = Name::parse(zone, None).map_err(UpdateError::Zone)?;
    let label = label(c, zone);
    let code = codec::type_code(&c.rtype).ok_or_else(|| UpdateError::Type {
        label: label.clone(),
        rtype: c.rtype.clone(),
    })?;
    let owner = Name::parse(&c.record().fqdn(zone), None).map_err(|source| UpdateError::Owner {
        label: label.clone(),
        source,
    })?;
    let rr = |class: u16, ttl: u32, rdata: Vec<u8>| RecordOut {
        name: owner.clone(),
        rtype: code,
        class,
        ttl,
        rdata,
    };
    let with_label = |source| UpdateError::Value {
        label: label.clone(),
        source,
    };
    let mut prereqs = Vec::new();
    let mut updates = Vec::new();
    let old = match &c.existing {
        Some(e) => rdatas(e, &origin).map_err(with_label)?,
        None => Vec::new(),
    };
    let new = match &c.desired {
        Some(d) => rdatas(d, &origin).map_err(with_label)?,
        None => Vec::new(),
    };
    let ttl = c.desired.as_ref().map(|d| d.ttl).unwrap_or(0);
    match c.op {
        Op::Create => {
            prereqs.push(rr(CLASS_NONE, 0, Vec::new()));
            updates.extend(new.into_iter().map(|d| rr(CLASS_IN, ttl, d)));
        }
        Op::Delete => {
            prereqs.extend(old.into_iter().map(|d| rr(CLASS_IN, 0, d)));
            updates.push(rr(CLASS_ANY, 0, Vec::new()));
        }
        Op::Update => {
            prereqs.extend(old.iter().cloned().map(|d| rr(CLASS_IN, 0, d)));
            if c.name.is_empty() && c.rtype == RecordType::Ns {
                // the apex NS RRset cannot be deleted whole: add, then remove what goes
                updates.extend(new.iter().cloned().map(|d| rr(CLASS_IN, ttl, d)));
                updates.extend(
                    old.into_iter()
                        .filter(|o| !new.contains(o))
                        .map(|d| rr(CLASS_NONE, 0, d)),
                );
            } else {
                updates.push(rr(CLASS_ANY, 0, Vec::new()));
                updates.extend(new.into_iter().map(|d| rr(CLASS_IN, ttl, d)));
            }
        }
    }
    Ok(ChangeOps {
        label,
        prereqs,
        updates,
    })
}

/// The changes of a plan in groups, each small enough for one message.
pub fn chunks(
    plan: &ZonePlan,
    batch: Option<usize>,
    max_message: usize,
) -> Result<Vec<Vec<ChangeOps>>, UpdateError> {
    let limit = max_message.saturating_sub(OVERHEAD);
    let zone = Name::parse(&plan.zone, None).map_err(UpdateError::Zone)?;
    let batch = batch.unwrap_or(usize::MAX).max(1);
    let mut out: Vec<Vec<ChangeOps>> = Vec::new();
    let mut cur: Vec<ChangeOps> = Vec::new();
    let mut size = 0;
    for c in &plan.changes {
        let ops = change_ops(c, &plan.zone)?;
        let n = ops.wire_len(&zone);
        if n > limit {
            return Err(UpdateError::TooLarge {
                label: ops.label,
                octets: n,
            });
        }
        if !cur.is_empty() && (size + n > limit || cur.len() >= batch) {
            out.push(std::mem::take(&mut cur));
            size = 0;
        }
        size += n;
        cur.push(ops);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

/// The UPDATE message (unsigned) for a group of changes.
pub fn message(id: u16, zone: &Name, ops: &[ChangeOps]) -> Vec<u8> {
    let mut b = Builder::new(id, wire::OPCODE_UPDATE);
    b.question(zone, wire::TYPE_SOA, CLASS_IN);
    for o in ops {
        for p in &o.prereqs {
            b.record(1, p);
        }
    }
    for o in ops {
        for u in &o.updates {
            b.record(2, u);
        }
    }
    b.finish()
}
