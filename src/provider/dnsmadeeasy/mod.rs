//! DNS Made Easy over its REST API V2.0 (managed DNS), with octodns-dnsmadeeasy 1.0's
//! `DnsMadeEasyProvider` settings (`settings`) and record layout (`records`).
//!
//! - Credentials: every request is signed (`x-dnsme-apiKey`, `x-dnsme-requestDate`, and
//!   `x-dnsme-hmac`: the HMAC-SHA1 of that date with `secret_key`), afresh for every try;
//!   neither key is ever shown. `sandbox: true` talks to `api.sandbox.dnsmadeeasy.com`.
//! - Reading: the domain's id by name (`GET /dns/managed/id/{zone}`; a 404: no such domain),
//!   then every page of `GET /dns/managed/{id}/records`.
//! - Applying: a missing domain is created (`POST /dns/managed/`). The changes are sent in
//!   DNS Made Easy's bulk form, at most `batch_size` records a request: one bulk delete
//!   (`DELETE …/records?ids=`), then `PUT …/records/updateMulti` for values changed in place
//!   and `POST …/records/createMulti` for new ones (octodns-dnsmadeeasy deletes and re-creates
//!   every record of an updated set). After the first request that fails nothing more is
//!   sent; the error lists each change as applied, failed or not applied.
//! - Rate: 150 requests per 5 minutes per account: a bucket of that rate, shared by every
//!   provider with the key, one request at a time; a refusal for the rate (DNS Made Easy's
//!   `400 Rate limit exceeded`) is waited out and sent again. (Its `x-dnsme-requestsRemaining`
//!   does not say when the window frees up, so it is not followed.)
//! - Capabilities: A, AAAA, ALIAS (ANAME), CAA, CNAME, MX, NS, PTR, SRV, TXT; root NS; no
//!   dynamic or geo records. Checked before sending: a null target (`.`, which DNS Made Easy
//!   refuses), an empty TXT value, and quotes in TXT values (octodns-dnsmadeeasy removes them): an error under
//!   `strict_supports`, else the value is left out or the quotes removed, with a warning.

pub mod records;
pub mod settings;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::{Value as J, json};

use super::writes::{self, Item};
use super::{ApplyReport, BoxFut, Provider, ProviderError, failure_report, url_component};
use crate::config::ProviderConfig;
use crate::http::{self, Backoff, Bucket, Limits, Policy, Rate, Request, Response};
use crate::model::{Capabilities, RecordType, Value, Zone};
use crate::plan::{Change, Unsupported, ZonePlan};
use crate::secret::Scrubber;
pub use settings::Settings;

/// 150 requests per 5 minutes per account.
pub const RATE: Rate = Rate {
    requests: 150,
    per: Duration::from_secs(300),
    burst: 150,
};

const ROWS: u32 = 1000;

pub fn supported_types() -> Vec<RecordType> {
    records::TYPES
        .iter()
        .map(|t| RecordType::core(t).expect("core types"))
        .collect()
}

/// DNS Made Easy refuses a request over the rate with a 400 `Rate limit exceeded`: wait for
/// one request's share of the window (2 s) and send it again.
fn throttled(status: u16, _h: &reqwest::header::HeaderMap, body: &str) -> Option<Option<Duration>> {
    (status == 400 && body.contains("Rate limit exceeded")).then_some(Some(Duration::from_secs(2)))
}

/// DNS Made Easy's error bodies: `{"error": ["…"]}`.
fn error_text(r: &Response) -> String {
    r.json()
        .and_then(|j| {
            let a = j.get("error")?.as_array()?;
            Some(
                a.iter()
                    .filter_map(J::as_str)
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| r.body.clone())
}

/// The request headers DNS Made Easy authenticates: the key, the date and its HMAC-SHA1.
pub fn signature(api_key: &str, secret: &str, now: SystemTime) -> Vec<(String, String)> {
    let date = httpdate::fmt_http_date(now);
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret.as_bytes());
    let tag = ring::hmac::sign(&key, date.as_bytes());
    vec![
        ("x-dnsme-apiKey".into(), api_key.into()),
        ("x-dnsme-requestDate".into(), date),
        (
            "x-dnsme-hmac".into(),
            data_encoding::HEXLOWER.encode(tag.as_ref()),
        ),
    ]
}

/// A kind of bulk request and the writes it carries.
type BulkKind = (&'static str, fn(&Item<J>) -> bool);

pub struct DnsMadeEasyProvider {
    id: String,
    settings: Settings,
    client: http::Client,
    caps: Capabilities,
}

impl DnsMadeEasyProvider {
    pub fn new(cfg: &ProviderConfig) -> Result<Self, ProviderError> {
        let settings = Settings::from_config(cfg).map_err(|e| ProviderError::Config {
            provider: cfg.id.clone(),
            message: e.to_string(),
        })?;
        Self::with_settings(&cfg.id, settings)
    }

    pub fn with_settings(id: &str, settings: Settings) -> Result<Self, ProviderError> {
        let policy = Policy {
            max_retries: 6,
            max_status_retries: 6,
            backoff: Backoff {
                first: settings.backoff,
                cap: Duration::from_secs(60),
            },
            max_retry_after: Duration::from_secs(60),
        };
        let builder = reqwest::Client::builder()
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none());
        let (key, secret) = (settings.api_key.clone(), settings.secret_key.clone());
        let client = http::Client::new(id, builder, Some(settings.timeout), policy)
            .map_err(|e| ProviderError::Config {
                provider: id.to_string(),
                message: e.to_string(),
            })?
            .scrubbing(Scrubber::new([
                settings.api_key.as_str(),
                settings.secret_key.as_str(),
            ]))
            .signing(Arc::new(move |_req| {
                signature(&key, &secret, SystemTime::now())
            }))
            .throttle(throttled)
            .limits(
                Limits::default()
                    .concurrency(1)
                    .rate(Bucket::shared(&settings.api_key, RATE)),
            );
        Ok(DnsMadeEasyProvider {
            id: id.to_string(),
            settings,
            client,
            caps: Capabilities::static_records(supported_types()),
        })
    }

    fn failed(&self, zone: &str, message: String) -> ProviderError {
        ProviderError::failed(&self.id, zone, message)
    }

    fn request(&self, method: reqwest::Method, path: &str) -> Request {
        Request::new(
            method,
            format!("{}/dns/managed{path}", self.settings.api_url),
        )
        .header("Accept", "application/json")
    }

    fn summary(&self, r: &Response) -> String {
        super::answer_summary(&self.client, &error_text(r))
    }

    async fn send(&self, req: &Request) -> Result<Response, http::Error> {
        let r = self.client.send(req).await;
        if !self.settings.delay.is_zero() {
            tokio::time::sleep(self.settings.delay).await;
        }
        r
    }

    /// Send; a success's JSON, `None` for a 404, an error for anything else.
    async fn call(&self, zone: &str, what: &str, req: Request) -> Result<Option<J>, ProviderError> {
        let r = self
            .send(&req)
            .await
            .map_err(|e| ProviderError::http(&self.id, zone, e))?;
        writes::json_answer(&self.client, &self.id, zone, &req, &r, || {
            let hint = if r.status == 403 {
                "; check api_key and secret_key (and this machine's clock)"
            } else {
                ""
            };
            let body = format!("{what}: {}{hint}", self.summary(&r));
            ProviderError::api(&self.id, zone, &self.client, &req, &r, body)
        })
    }

    /// The domain's id; `None` when DNS Made Easy has no such domain.
    async fn domain_id(&self, zone: &str) -> Result<Option<String>, ProviderError> {
        let req = self.request(
            reqwest::Method::GET,
            &format!("/id/{}", url_component(zone.trim_end_matches('.'))),
        );
        let Some(d) = self.call(zone, "find the domain", req).await? else {
            return Ok(None);
        };
        let id = match d.get("id") {
            Some(J::Number(n)) => n.to_string(),
            Some(J::String(s)) => s.clone(),
            _ => return Err(self.failed(zone, "the domain has no id".into())),
        };
        Ok(Some(
            writes::numeric_id(&id)
                .map_err(|e| self.failed(zone, e))?
                .to_string(),
        ))
    }

    async fn records(&self, zone: &str, id: &str) -> Result<Vec<J>, ProviderError> {
        let what = format!("GET /dns/managed/{id}/records");
        let mut pages = http::Pages::new(what.clone(), http::pages::MAX_PAGES).first(0u64);
        let mut out = Vec::new();
        let mut page = 0u64;
        loop {
            let req = self.request(
                reqwest::Method::GET,
                &format!("/{id}/records?page={page}&rows={ROWS}"),
            );
            let Some(j) = self.call(zone, &what, req).await? else {
                return Err(self.failed(zone, format!("{what}: DNS Made Easy answered 404")));
            };
            out.extend(
                j.get("data")
                    .and_then(J::as_array)
                    .cloned()
                    .unwrap_or_default(),
            );
            let total = j.get("totalPages").and_then(J::as_u64).unwrap_or(1);
            if page + 1 >= total {
                return Ok(out);
            }
            page += 1;
            pages
                .next(page)
                .map_err(|e| ProviderError::http(&self.id, zone, e))?;
        }
    }

    /// The zone as DNS Made Easy holds it; `None` when the domain does not exist.
    pub async fn read(&self, zone: &str) -> Result<Option<Zone>, ProviderError> {
        super::check_zone(&self.id, zone)?;
        let Some(id) = self.domain_id(zone).await? else {
            return Ok(None);
        };
        let objs = self.records(zone, &id).await?;
        let listed = objs.iter().filter_map(|o| {
            let t = records::model_type(o.get("type").and_then(J::as_str).unwrap_or_default())?;
            let name = o.get("name").and_then(J::as_str).unwrap_or_default();
            Some(writes::Listed {
                name,
                rtype: t,
                object: o,
            })
        });
        writes::zone_of(&self.id, zone, listed, 1800, |t, o| {
            records::value(t, o, zone)
        })
        .map(Some)
    }

    pub async fn zones(&self) -> Result<Vec<String>, ProviderError> {
        let req = self.request(reqwest::Method::GET, "/");
        let j = self
            .call("*", "list the domains", req)
            .await?
            .unwrap_or(J::Null);
        super::api_zone_names(
            &self.id,
            j.get("data")
                .and_then(J::as_array)
                .into_iter()
                .flatten()
                .filter_map(|d| d.get("name").and_then(J::as_str)),
        )
    }

    /// Apply a plan: create the domain if needed, then the changes in bulk requests.
    pub async fn apply_plan(&self, plan: &ZonePlan) -> Result<ApplyReport, ProviderError> {
        let zone = plan.zone.as_str();
        super::check_zone(&self.id, zone)?;
        let id = match self.domain_id(zone).await? {
            Some(id) => id,
            None if plan.exists => {
                return Err(self.failed(
                    zone,
                    "the domain no longer exists on DNS Made Easy; plan again".into(),
                ));
            }
            None => {
                let req = self
                    .request(reqwest::Method::POST, "/")
                    .json(&json!({"name": zone.trim_end_matches('.')}));
                self.call(zone, "create the domain", req).await?;
                tracing::info!(provider = %self.id, zone, "created the domain");
                self.domain_id(zone)
                    .await?
                    .ok_or_else(|| self.failed(zone, "the new domain is not found".into()))?
            }
        };
        let needs = plan.changes.iter().any(|c| {
            c.existing
                .as_ref()
                .is_some_and(|e| e.provider_data.is_none())
        });
        let current = if needs { self.read(zone).await? } else { None };
        let label = |c: &Change| {
            format!(
                "{} {} {}",
                c.op.as_str(),
                if c.name.is_empty() { "@" } else { &c.name },
                c.rtype.as_str()
            )
        };
        // every change's writes, then grouped by kind: deletes, updates, creates
        let per_change: Vec<Vec<Item<J>>> = plan
            .changes
            .iter()
            .map(|c| {
                let existing = current
                    .as_ref()
                    .and_then(|z| z.get(&c.name, &c.rtype))
                    .or(c.existing.as_ref());
                writes::object_writes(c, writes::held(existing), records::body)
            })
            .collect();
        let mut landed = vec![0usize; per_change.len()];
        let kinds: [BulkKind; 3] = [
            ("delete", |i| matches!(i, Item::Delete(_))),
            ("update", |i| matches!(i, Item::Put(..))),
            ("create", |i| matches!(i, Item::Post(_))),
        ];
        for (kind, is) in kinds {
            let items: Vec<(usize, &Item<J>)> = per_change
                .iter()
                .enumerate()
                .flat_map(|(i, items)| items.iter().filter(|x| is(x)).map(move |x| (i, x)))
                .collect();
            for batch in items.chunks(self.settings.batch_size) {
                let req = match kind {
                    "delete" => {
                        let ids: Vec<String> = batch
                            .iter()
                            .filter_map(|(_, x)| match x {
                                Item::Delete(id) => {
                                    writes::numeric_id(id).ok().map(|id| format!("ids={id}"))
                                }
                                _ => None,
                            })
                            .collect();
                        if ids.is_empty() {
                            continue;
                        }
                        self.request(
                            reqwest::Method::DELETE,
                            &format!("/{id}/records?{}", ids.join("&")),
                        )
                    }
                    "update" => {
                        let body: Vec<J> = batch
                            .iter()
                            .filter_map(|(_, x)| match x {
                                Item::Put(rid, b) => {
                                    let mut b = b.clone();
                                    b["id"] = rid
                                        .parse::<u64>()
                                        .map(J::from)
                                        .unwrap_or(J::String(rid.clone()));
                                    Some(b)
                                }
                                _ => None,
                            })
                            .collect();
                        self.request(reqwest::Method::PUT, &format!("/{id}/records/updateMulti"))
                            .json(&J::Array(body))
                    }
                    _ => {
                        let body: Vec<J> = batch
                            .iter()
                            .filter_map(|(_, x)| match x {
                                Item::Post(b) => Some(b.clone()),
                                _ => None,
                            })
                            .collect();
                        self.request(reqwest::Method::POST, &format!("/{id}/records/createMulti"))
                            .json(&J::Array(body))
                    }
                };
                let why = match self.send(&req).await {
                    Ok(r) if r.ok() => {
                        for (i, _) in batch {
                            landed[*i] += 1;
                        }
                        continue;
                    }
                    Ok(r) => format!(
                        "DNS Made Easy refused the bulk {kind} (HTTP {}): {}",
                        r.status,
                        self.summary(&r)
                    ),
                    Err(e) => format!(
                        "{}; the bulk {kind} may or may not have been applied: plan again to see",
                        self.client.scrubber().scrub(&e.to_string())
                    ),
                };
                let in_batch: std::collections::BTreeSet<usize> =
                    batch.iter().map(|(i, _)| *i).collect();
                let (mut applied, mut failed, mut skipped) = (Vec::new(), Vec::new(), Vec::new());
                for (i, c) in plan.changes.iter().enumerate() {
                    if landed[i] == per_change[i].len() {
                        applied.push(label(c));
                    } else if in_batch.contains(&i) {
                        failed.push((label(c), why.clone()));
                    } else if landed[i] > 0 {
                        failed.push((
                            label(c),
                            format!(
                                "{} of its {} record writes landed before the apply stopped",
                                landed[i],
                                per_change[i].len()
                            ),
                        ));
                    } else {
                        skipped.push(label(c));
                    }
                }
                applied.sort();
                skipped.sort();
                failed.sort();
                return Err(self.failed(zone, failure_report(&applied, &failed, &skipped)));
            }
        }
        Ok(ApplyReport {
            applied: plan.changes.len(),
        })
    }

    /// What DNS Made Easy refuses, said before sending: a null target (`.`, an error under
    /// `strict_supports`, else the value is left out); quotes in TXT values (octodns-dnsmadeeasy's
    /// `_process_desired_zone`: an error under `strict_supports`, else removed).
    pub fn process(
        &self,
        desired: Zone,
        strict: bool,
        warnings: &mut Vec<String>,
    ) -> Result<Zone, Vec<Unsupported>> {
        let zone = desired.name.clone();
        let mut errors = Vec::new();
        let mut out = Zone::new(zone.clone());
        for mut r in desired.records.into_values() {
            if !super::drop_refused_values(&mut r, &zone, strict, refusal, &mut errors, warnings) {
                continue;
            }
            if r.rtype == RecordType::Txt
                && r.values
                    .iter()
                    .any(|v| matches!(v, Value::Text(t) if t.contains('"')))
            {
                let msg = format!(
                    "{} TXT: quotes not supported in TXT values",
                    super::shown_name(&r.name, &zone)
                );
                if strict {
                    errors.push(Unsupported { message: msg });
                    continue;
                }
                warnings.push(format!("{msg}; removing them"));
                for v in &mut r.values {
                    if let Value::Text(t) = v {
                        *t = t.replace('"', "");
                    }
                }
                r.normalize();
            }
            out.insert(r);
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

/// Why DNS Made Easy refuses a value: a null target, an empty TXT.
fn refusal(v: &Value) -> Option<&'static str> {
    match v {
        Value::Srv(s) if s.target == "." => Some("DNS Made Easy refuses the null target `.`"),
        Value::Mx(m) if m.exchange == "." => Some("DNS Made Easy refuses the null target `.`"),
        Value::Text(t) if t.is_empty() => Some("DNS Made Easy refuses an empty TXT value"),
        _ => None,
    }
}

impl Provider for DnsMadeEasyProvider {
    fn id(&self) -> &str {
        &self.id
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    fn existing<'a>(&'a self, zone: &'a str) -> BoxFut<'a, Result<Option<Zone>, ProviderError>> {
        Box::pin(self.read(zone))
    }

    fn apply<'a>(&'a self, plan: &'a ZonePlan) -> BoxFut<'a, Result<ApplyReport, ProviderError>> {
        Box::pin(self.apply_plan(plan))
    }

    fn list_zones(&self) -> BoxFut<'_, Result<Vec<String>, ProviderError>> {
        Box::pin(self.zones())
    }

    fn process_desired(
        &self,
        desired: Zone,
        strict: bool,
        warnings: &mut Vec<String>,
    ) -> Result<Zone, Vec<Unsupported>> {
        self.process(desired, strict, warnings)
    }

    /// Records of one set with different TTLs are rewritten to the set's TTL.
    fn extra_changes(&self, existing: &Zone, desired: &Zone) -> Vec<(String, RecordType)> {
        desired
            .iter()
            .filter(|d| {
                existing
                    .get(&d.name, &d.rtype)
                    .is_some_and(|e| writes::mixed_ttls(e, d.ttl))
            })
            .map(|d| (d.name.clone(), d.rtype.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests;
