//! When a server's answer is the value git holds: the rules, as DNS defines equality.
//!
//! Every value, from git or from the wire, is brought to one canonical form: the RDATA octets
//! a server sends for it (RFC 1035 §3.3, RFC 4034 §6.2 for name case), after these rules:
//!
//! - TXT and SPF are a sequence of character-strings whose meaning is their concatenation
//!   (RFC 7208 §3.3; DKIM verifiers and resolvers join them alike), so both sides are joined
//!   and re-split at 255 octets: octoDNS's chunks and a server's own split compare equal when
//!   the octets are equal. Escapes are decoded on both sides first: git's `\;` is `;` (the
//!   octets `apply` writes), a server's `\"`, `\\` and `\DDD` are never seen as text since
//!   the comparison starts from its octets;
//! - names inside values (CNAME, NS, MX, SRV, SVCB targets…) compare without case, always
//!   absolute, in their IDNA A-label form (git's U-labels are encoded on load);
//! - CAA: the tag without case (RFC 8659 §4.1), the value as octets whatever its quoting;
//! - SVCB/HTTPS: parameters in key order, whether keys are named or `keyNNNNN`, addresses and
//!   ports as numbers; SSHFP/TLSA/DS data as octets (hex case does not matter), OPENPGPKEY as
//!   the decoded key; LOC at the wire's precision (centimetres, milliseconds of arc);
//! - the TTL is never part of a value: `ttl_differs` reports it on its own.
//!
//! What is shown for a value is its presentation text in the model's form (TXT quoted and
//! chunked at 255 octets), the same for both sides, so a real difference reads as one.
//!
//! Rule: pure functions over `model` values and wire octets (through the RFC 2136 codec, the
//! one place that writes and reads RDATA); no I/O.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::model::value::{SvcParam, svcparam_key_name, svcparam_key_number};
use crate::model::{RecordType, Value, rdata};
use crate::provider::rfc2136::codec;
use crate::provider::rfc2136::wire::Name;

/// One value in the form compared (`key`) and the text shown for it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Canon {
    #[serde(skip)]
    pub key: Vec<u8>,
    pub shown: String,
}

/// Where a key comes from: the canonical RDATA, or (when a value cannot be written as
/// RDATA) its text, or octets that could not be read as their type.
const WIRE: u8 = 0;
const TEXT: u8 = 1;
const RAW: u8 = 2;

/// A value of git's (or a provider's) in its canonical form.
pub fn of_value(t: &RecordType, v: &Value) -> Canon {
    let v = normal(v);
    let shown = v.to_rdata();
    let key = match codec::encode(t, &v, &Name::root()) {
        Ok(wire) => tagged(WIRE, &wire),
        Err(_) => tagged(TEXT, shown.as_bytes()),
    };
    Canon { key, shown }
}

/// RDATA octets of type `code` from a server, in the same form.
pub fn of_wire(code: u16, rdata: &[u8]) -> Canon {
    let Some(t) = codec::core_type(code) else {
        return Canon {
            key: tagged(RAW, rdata),
            shown: codec::generic(rdata),
        };
    };
    match codec::to_text(code, rdata) {
        Ok(text) => match rdata::parse(&t, &text) {
            Ok(v) => of_value(&t, &v),
            Err(_) => Canon {
                key: tagged(RAW, rdata),
                shown: text,
            },
        },
        Err(_) => Canon {
            key: tagged(RAW, rdata),
            shown: codec::generic(rdata),
        },
    }
}

fn tagged(tag: u8, b: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(b.len() + 1);
    k.push(tag);
    k.extend_from_slice(b);
    k
}

/// SvcParams whose values are comma lists (RFC 9460 §7).
const LIST_KEYS: [&str; 4] = ["mandatory", "alpn", "ipv4hint", "ipv6hint"];

/// The parts of a value DNS compares without case, lowercased (names; CAA tags; NAPTR flags,
/// which the model writes uppercase); SvcParam keys by name.
fn normal(v: &Value) -> Value {
    let mut v = v.clone();
    match &mut v {
        Value::Target(s) => s.make_ascii_lowercase(),
        Value::Mx(m) => m.exchange.make_ascii_lowercase(),
        Value::Srv(s) => s.target.make_ascii_lowercase(),
        Value::Svcb(s) => {
            s.targetname.make_ascii_lowercase();
            // `key1=h2,h3` is `alpn=h2,h3`: keys by their names, list values as lists
            s.svcparams = std::mem::take(&mut s.svcparams)
                .into_iter()
                .map(|(k, p)| {
                    let k = svcparam_key_number(&k).map_or(k, svcparam_key_name);
                    let p = match p {
                        SvcParam::One(x) if LIST_KEYS.contains(&k.as_str()) => {
                            SvcParam::List(x.split(',').map(str::to_string).collect())
                        }
                        p => p,
                    };
                    (k, p)
                })
                .collect();
        }
        Value::Naptr(n) => {
            n.replacement.make_ascii_lowercase();
            n.flags.make_ascii_uppercase();
        }
        Value::Caa(c) => c.tag.make_ascii_lowercase(),
        _ => {}
    }
    v
}

/// Canonical forms of several values: sorted by key, each once.
pub fn set(t: &RecordType, values: &[Value]) -> Vec<Canon> {
    let mut out: Vec<Canon> = values.iter().map(|v| of_value(t, v)).collect();
    out.sort();
    out.dedup_by(|a, b| a.key == b.key);
    out
}

/// How an answer's values differ from git's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValuesDiffer {
    /// Git's values the server did not answer (shown text).
    pub missing: Vec<String>,
    /// Values the server answered that git does not have.
    pub unexpected: Vec<String>,
    /// One line for people.
    pub reason: String,
}

/// Compare the values (never the TTL) of an answer with git's. `subset`: the answer may be
/// any non-empty part of `want` (a dynamic record answers per client). `rcode` names why
/// there is no such record when the answer is empty (NOERROR: NODATA).
pub fn values_differ(
    want: &[Canon],
    have: &[Canon],
    subset: bool,
    rcode: &str,
) -> Option<ValuesDiffer> {
    if have.is_empty() {
        return Some(ValuesDiffer {
            missing: want.iter().map(|c| c.shown.clone()).collect(),
            unexpected: Vec::new(),
            reason: if rcode == "NOERROR" {
                "no such record (NODATA)".to_string()
            } else {
                format!("no such record ({rcode})")
            },
        });
    }
    let w: BTreeSet<&[u8]> = want.iter().map(|c| c.key.as_slice()).collect();
    let h: BTreeSet<&[u8]> = have.iter().map(|c| c.key.as_slice()).collect();
    let unexpected: Vec<String> = have
        .iter()
        .filter(|c| !w.contains(c.key.as_slice()))
        .map(|c| c.shown.clone())
        .collect();
    if subset {
        if unexpected.is_empty() {
            return None;
        }
        return Some(ValuesDiffer {
            reason: format!("values no pool has: {}", unexpected.join(", ")),
            missing: Vec::new(),
            unexpected,
        });
    }
    let missing: Vec<String> = want
        .iter()
        .filter(|c| !h.contains(c.key.as_slice()))
        .map(|c| c.shown.clone())
        .collect();
    if missing.is_empty() && unexpected.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("missing {}", missing.join(", ")));
    }
    if !unexpected.is_empty() {
        parts.push(format!("unexpected {}", unexpected.join(", ")));
    }
    Some(ValuesDiffer {
        missing,
        unexpected,
        reason: parts.join("; "),
    })
}

/// The TTL served, when it is not git's (a referral's NS TTL is the parent's copy and is not
/// compared).
pub fn ttl_differs(want: u32, got: Option<u32>, referral: bool) -> Option<u32> {
    match got {
        Some(t) if t != want && !referral => Some(t),
        _ => None,
    }
}

/// Two answers hold the same values.
pub fn same_values(a: &[Canon], b: &[Canon]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.key == y.key)
}
