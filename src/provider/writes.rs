//! How the HTTP providers that write one record (or one record object) per request apply a
//! plan: deletes first (a name is freed before it is reused), then creates and updates, a few
//! at a time; after the first failure no new write starts, and the error lists every change as
//! applied, failed or not applied (`failure_report`). And the objects of one record set for
//! providers that hold one object per value (DigitalOcean, DNSimple): an update keeps the
//! objects of unchanged values, overwrites changed ones in place and creates or deletes the
//! rest.

use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::StreamExt;

use super::{ApplyReport, ProviderError, failure_report};
use crate::model::{RecordSet, Value};
use crate::plan::{Change, Op};

/// Apply `changes` with `write` (its `Err` is the reason shown for that change), deletes first,
/// `concurrency` at a time; `label` names a change in the report.
pub(crate) async fn in_phases<'a, W, F>(
    provider: &str,
    zone: &str,
    changes: &'a [Change],
    concurrency: usize,
    label: impl Fn(&Change) -> String,
    write: W,
) -> Result<ApplyReport, ProviderError>
where
    W: Fn(&'a Change) -> F,
    F: std::future::Future<Output = Result<(), String>>,
{
    let (deletes, rest): (Vec<&Change>, Vec<&Change>) =
        changes.iter().partition(|c| c.op == Op::Delete);
    let stop = AtomicBool::new(false);
    let (mut applied, mut failed, mut skipped) = (Vec::new(), Vec::new(), Vec::new());
    for phase in [deletes, rest] {
        let (stop, write) = (&stop, &write);
        let jobs: Vec<_> = phase
            .into_iter()
            .map(|c| async move {
                if stop.load(Ordering::SeqCst) {
                    return (c, None);
                }
                let res = write(c).await;
                if res.is_err() {
                    stop.store(true, Ordering::SeqCst);
                }
                (c, Some(res))
            })
            .collect();
        let results: Vec<(&Change, Option<Result<(), String>>)> = futures_util::stream::iter(jobs)
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
        for (c, res) in results {
            match res {
                Some(Ok(())) => applied.push(label(c)),
                Some(Err(why)) => failed.push((label(c), why)),
                None => skipped.push(label(c)),
            }
        }
    }
    if !failed.is_empty() {
        applied.sort();
        skipped.sort();
        failed.sort();
        return Err(ProviderError::failed(
            provider,
            zone,
            failure_report(&applied, &failed, &skipped),
        ));
    }
    Ok(ApplyReport {
        applied: changes.len(),
    })
}

/// An object a provider holds for one value: its id, its TTL and the value as RDATA text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Held {
    pub id: String,
    pub ttl: u32,
    pub rdata: String,
}

/// One object write.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Item<B> {
    Delete(String),
    /// Overwrite the object with this id.
    Put(String, B),
    Post(B),
}

/// The object writes of one change: a delete removes every object; otherwise an object whose
/// value and TTL are wanted stays, a value not held yet overwrites an object no longer wanted
/// (or is created), and the objects left are deleted.
pub(crate) fn object_writes<B>(
    c: &Change,
    held: Vec<Held>,
    body: impl Fn(&RecordSet, &Value) -> B,
) -> Vec<Item<B>> {
    let mut old = held;
    let Some(d) = c.desired.as_ref().filter(|_| c.op != Op::Delete) else {
        return old.into_iter().map(|h| Item::Delete(h.id)).collect();
    };
    let mut fresh: Vec<&Value> = Vec::new();
    for v in &d.values {
        let rdata = v.to_rdata();
        match old.iter().position(|h| h.rdata == rdata && h.ttl == d.ttl) {
            Some(i) => {
                old.remove(i);
            }
            None => fresh.push(v),
        }
    }
    let mut items = Vec::new();
    let mut old = old.into_iter();
    for v in fresh {
        let b = body(d, v);
        match old.next() {
            Some(h) => items.push(Item::Put(h.id, b)),
            None => items.push(Item::Post(b)),
        }
    }
    items.extend(old.map(|h| Item::Delete(h.id)));
    items
}

/// The objects `read` kept in a record set's `provider_data` (`{"objects": [{id, ttl, rdata}]}`).
pub(crate) fn held(r: Option<&RecordSet>) -> Vec<Held> {
    r.and_then(|r| r.provider_data.as_deref())
        .and_then(|d| d.get("objects"))
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .map(|o| Held {
            id: match o.get("id") {
                Some(serde_json::Value::Number(n)) => n.to_string(),
                Some(serde_json::Value::String(s)) => s.clone(),
                _ => String::new(),
            },
            ttl: o
                .get("ttl")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0) as u32,
            rdata: o
                .get("rdata")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_string(),
        })
        .collect()
}

/// What `held` reads back: an object as kept in `provider_data`.
pub(crate) fn kept(id: &serde_json::Value, ttl: u32, v: &Value) -> serde_json::Value {
    serde_json::json!({"id": id, "ttl": ttl, "rdata": v.to_rdata()})
}

/// Does a record set hold objects whose TTL is not `ttl` (made in a control panel)?
pub(crate) fn mixed_ttls(r: &RecordSet, ttl: u32) -> bool {
    held(Some(r)).iter().any(|h| h.ttl != ttl)
}

/// A record id a server gave, as a path segment: digits only (DigitalOcean's and DNSimple's
/// ids are numbers).
pub(crate) fn numeric_id(id: &str) -> Result<&str, String> {
    if !id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(id)
    } else {
        Err(format!(
            "the API gave the record id {id:?}, which is not an id"
        ))
    }
}

/// The time from now to the Unix time `at` (at least a second), or `otherwise` when the server
/// did not say: the period over which a reported rate-limit window refills.
pub(crate) fn until(at: Option<u64>, otherwise: std::time::Duration) -> std::time::Duration {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    match at {
        Some(t) => std::time::Duration::from_secs(t.saturating_sub(now).max(1)),
        None => otherwise,
    }
}

/// A success's JSON (`Null` for an empty body), `None` for a 404; any other answer is the
/// error `api_error` makes of it.
pub(crate) fn json_answer(
    client: &crate::http::Client,
    provider: &str,
    zone: &str,
    req: &crate::http::Request,
    r: &crate::http::Response,
    api_error: impl FnOnce() -> ProviderError,
) -> Result<Option<serde_json::Value>, ProviderError> {
    if r.status == 404 {
        return Ok(None);
    }
    if !r.ok() {
        return Err(api_error());
    }
    if r.body.trim().is_empty() {
        return Ok(Some(serde_json::Value::Null));
    }
    r.json().map(Some).ok_or_else(|| {
        ProviderError::http(
            provider,
            zone,
            client.decode_error(req, "the answer is not JSON"),
        )
    })
}

/// Send one write (`what`, as the report names it); its failure as the report shows it. A
/// delete of what is already gone (404) is done. An answer lost on the way may or may not have
/// been applied, and says so.
pub(crate) async fn send_write(
    client: &crate::http::Client,
    req: &crate::http::Request,
    what: &str,
    deleting: bool,
    service: &str,
    summary: impl Fn(&crate::http::Response) -> String,
) -> Result<(), String> {
    let r = client.send(req).await.map_err(|e| {
        format!(
            "{}; it may or may not have been applied: plan again to see",
            client.scrubber().scrub(&e.to_string())
        )
    })?;
    if r.ok() || (deleting && r.status == 404) {
        return Ok(());
    }
    Err(format!(
        "{service} refused {what} (HTTP {}): {}",
        r.status,
        summary(&r)
    ))
}

/// One record object as a provider lists it: its name as listed (relative; `""` or `@` at the
/// apex), its type, and the object (whose `id` and `ttl` are read).
pub(crate) struct Listed<'a> {
    pub name: &'a str,
    pub rtype: crate::model::RecordType,
    pub object: &'a serde_json::Value,
}

/// A zone from the objects a provider lists, one per value: grouped by name and type into
/// record sets (the first object's TTL, `default_ttl` when it has none), each object kept in
/// `provider_data` (`held` reads them back); `value` reads an object's value.
pub(crate) fn zone_of<'a>(
    provider: &str,
    zone: &str,
    listed: impl IntoIterator<Item = Listed<'a>>,
    default_ttl: u32,
    value: impl Fn(&crate::model::RecordType, &serde_json::Value) -> Result<Value, String>,
) -> Result<crate::model::Zone, ProviderError> {
    use serde_json::Value as J;
    let mut z = crate::model::Zone::new(zone);
    let mut groups: std::collections::BTreeMap<(String, crate::model::RecordType), Vec<&J>> =
        std::collections::BTreeMap::new();
    for l in listed {
        let name = l.name.to_ascii_lowercase();
        let rel = if name.is_empty() || name == "@" {
            String::new()
        } else {
            z.relative(&format!("{}.{zone}", name.trim_end_matches('.')))
                .ok_or_else(|| {
                    ProviderError::failed(
                        provider,
                        zone,
                        format!(
                            "the record {name} {} listed in the zone is not inside it",
                            l.rtype.as_str()
                        ),
                    )
                })?
        };
        groups.entry((rel, l.rtype)).or_default().push(l.object);
    }
    let ttl_of = |o: &J| o.get("ttl").and_then(J::as_u64).map(|t| t as u32);
    for ((rel, t), list) in groups {
        let ttl = ttl_of(list[0]).unwrap_or(default_ttl);
        let mut values = Vec::with_capacity(list.len());
        let mut objects = Vec::with_capacity(list.len());
        for o in list {
            let v = value(&t, o).map_err(|e| {
                ProviderError::failed(
                    provider,
                    zone,
                    format!(
                        "cannot read {} {}: {e}",
                        super::shown_name(&rel, zone),
                        t.as_str()
                    ),
                )
            })?;
            objects.push(kept(
                o.get("id").unwrap_or(&J::Null),
                ttl_of(o).unwrap_or(ttl),
                &v,
            ));
            values.push(v);
        }
        let mut rs = RecordSet::new(rel, t, ttl, values);
        rs.provider_data = Some(std::sync::Arc::new(
            serde_json::json!({ "objects": objects }),
        ));
        z.insert(rs);
    }
    Ok(z)
}
