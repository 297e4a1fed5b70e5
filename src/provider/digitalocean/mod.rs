//! DigitalOcean DNS over the API v2's Domains, with octodns-digitalocean 1.0's
//! `DigitalOceanProvider` settings (`settings`) and record layout (`records`).
//!
//! - Credentials: `token`, sent as `Authorization: Bearer`; never shown (errors are scrubbed).
//! - Reading: `GET /domains/{zone}` (a 404: no such zone), then every page of
//!   `GET /domains/{zone}/records` (200 a page, following `links.pages.next`). Types dnsplan
//!   does not manage (SOA) are left out, so they are never touched.
//! - Applying: a missing zone is created (`POST /domains`); the apex NS DigitalOcean makes
//!   with it is replaced by the plan's. Then deletes first, creates and updates after, four
//!   at a time: a value is one record object; an update keeps the objects of unchanged values,
//!   overwrites changed ones in place (`PUT`), creates and deletes the rest (octodns-digitalocean
//!   deletes every object and creates them again). No new write starts after the first
//!   failure, and the error lists each change as applied, failed or not applied.
//! - Rate: 5,000 requests an hour and 250 a minute per token. The client's bucket, shared by
//!   every provider with the token, follows the hourly quota DigitalOcean reports on every
//!   answer (`ratelimit-limit`, `ratelimit-remaining`); the minute's limit answers 429 with
//!   `retry-after`, which is waited out (or, without it, until `ratelimit-reset`).
//! - Capabilities: A, AAAA, CAA, CNAME, MX, NS, SRV, TXT; root NS; no dynamic or geo records.
//!   Checked before any request: TTLs of at least 30 s (an error); CAA tags issue, issuewild
//!   and iodef only, no empty TXT, SRV ports from 1 (a value DigitalOcean refuses is an error
//!   under `strict_supports`, else it is left out with a warning).

pub mod records;
pub mod settings;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value as J, json};

use super::writes::{self, Item};
use super::{ApplyReport, BoxFut, Provider, ProviderError, url_component};
use crate::config::ProviderConfig;
use crate::http::{self, Backoff, Bucket, Limits, Policy, Rate, Reported, Request, Response};
use crate::model::{Capabilities, RecordSet, RecordType, Value, Zone};
use crate::plan::{Change, Unsupported, ZonePlan};
use crate::secret::Scrubber;
pub use settings::Settings;

/// Requests in flight at once.
const CONCURRENCY: usize = 4;

/// Before DigitalOcean's first report: 250 requests at once (a minute's worth), 5,000 an
/// hour in the long run.
pub const RATE: Rate = Rate {
    requests: 5000,
    per: Duration::from_secs(3600),
    burst: 250,
};

/// Records a page (the API's most).
const PER_PAGE: u32 = 200;

pub fn supported_types() -> Vec<RecordType> {
    records::TYPES
        .iter()
        .map(|t| RecordType::core(t).expect("core types"))
        .collect()
}

/// DigitalOcean's report of the token's hourly quota: what is left, and when the oldest
/// request counted stops counting (`ratelimit-reset`, a Unix time).
fn reported(h: &reqwest::header::HeaderMap) -> Option<Reported> {
    let n = |k: &str| -> Option<u64> { h.get(k)?.to_str().ok()?.trim().parse().ok() };
    Some(Reported {
        limit: n("ratelimit-limit")? as u32,
        remaining: n("ratelimit-remaining")? as u32,
        period: super::writes::until(n("ratelimit-reset"), Duration::from_secs(3600)),
    })
}

/// A 429 waits until the window resets (`ratelimit-reset`, a Unix time).
fn throttled(status: u16, h: &reqwest::header::HeaderMap, _body: &str) -> Option<Option<Duration>> {
    if status != 429 {
        return None;
    }
    let reset: u64 = h
        .get("ratelimit-reset")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Some(Duration::from_secs(reset.saturating_sub(now).max(1))))
}

/// DigitalOcean's error bodies: `{"id": "…", "message": "…"}`.
fn error_text(r: &Response) -> String {
    let Some(j) = r.json() else {
        return r.body.clone();
    };
    match (
        j.get("id").and_then(J::as_str),
        j.get("message").and_then(J::as_str),
    ) {
        (Some(id), Some(m)) => format!("{id}: {m}"),
        (None, Some(m)) => m.to_string(),
        _ => r.body.clone(),
    }
}

pub struct DigitalOceanProvider {
    id: String,
    settings: Settings,
    client: http::Client,
    caps: Capabilities,
}

impl DigitalOceanProvider {
    pub fn new(cfg: &ProviderConfig) -> Result<Self, ProviderError> {
        let settings = Settings::from_config(cfg).map_err(|e| ProviderError::Config {
            provider: cfg.id.clone(),
            message: e.to_string(),
        })?;
        Self::with_settings(&cfg.id, settings)
    }

    pub fn with_settings(id: &str, settings: Settings) -> Result<Self, ProviderError> {
        let policy = Policy {
            max_retries: 4,
            max_status_retries: 4,
            backoff: Backoff {
                first: settings.backoff,
                cap: Duration::from_secs(60),
            },
            max_retry_after: Duration::from_secs(120),
        };
        let builder = reqwest::Client::builder()
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none());
        let client = http::Client::new(id, builder, Some(settings.timeout), policy)
            .map_err(|e| ProviderError::Config {
                provider: id.to_string(),
                message: e.to_string(),
            })?
            .scrubbing(Scrubber::new([settings.token.as_str()]))
            .throttle(throttled)
            .limits(
                Limits::default()
                    .concurrency(CONCURRENCY)
                    .rate(Bucket::shared(&settings.token, RATE))
                    .reported(reported, 0),
            );
        Ok(DigitalOceanProvider {
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
        Request::new(method, format!("{}{path}", self.settings.api_url))
            .bearer(&self.settings.token)
            .header("Accept", "application/json")
    }

    fn summary(&self, r: &Response) -> String {
        super::answer_summary(&self.client, &error_text(r))
    }

    fn api_error(&self, zone: &str, what: &str, req: &Request, r: &Response) -> ProviderError {
        let hint = match r.status {
            401 | 403 => "; check the token (it needs read and write scope)",
            _ => "",
        };
        let body = format!("{what}: {}{hint}", self.summary(r));
        ProviderError::api(&self.id, zone, &self.client, req, r, body)
    }

    /// Send; a success's JSON, `None` for a 404, an error for anything else.
    async fn call(&self, zone: &str, what: &str, req: Request) -> Result<Option<J>, ProviderError> {
        let r = self
            .client
            .send(&req)
            .await
            .map_err(|e| ProviderError::http(&self.id, zone, e))?;
        writes::json_answer(&self.client, &self.id, zone, &req, &r, || {
            self.api_error(zone, what, &req, &r)
        })
    }

    fn domain_path(zone: &str) -> String {
        format!("/domains/{}", url_component(zone.trim_end_matches('.')))
    }

    /// Every item under `key` of a paged listing.
    async fn list(&self, zone: &str, path: &str, key: &str) -> Result<Vec<J>, ProviderError> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let first = self.request(
            reqwest::Method::GET,
            &format!("{path}{sep}page=1&per_page={PER_PAGE}"),
        );
        let mut items = Vec::new();
        self.client
            .follow(
                first,
                &self.settings.api_url,
                http::pages::MAX_PAGES,
                |e| ProviderError::http(&self.id, zone, e),
                |req, r| {
                    if !r.ok() {
                        return Err(self.api_error(zone, &format!("GET {path}"), req, &r));
                    }
                    let j = r.json().ok_or_else(|| {
                        ProviderError::http(
                            &self.id,
                            zone,
                            self.client.decode_error(req, "the answer is not JSON"),
                        )
                    })?;
                    match j.get(key) {
                        Some(J::Array(a)) => items.extend(a.iter().cloned()),
                        _ => {
                            return Err(ProviderError::http(
                                &self.id,
                                zone,
                                self.client
                                    .decode_error(req, format!("`{key}` is not a list")),
                            ));
                        }
                    }
                    Ok(j.pointer("/links/pages/next")
                        .and_then(J::as_str)
                        .map(str::to_string))
                },
            )
            .await?;
        Ok(items)
    }

    /// The zone as DigitalOcean holds it; `None` when it does not exist.
    pub async fn read(&self, zone: &str) -> Result<Option<Zone>, ProviderError> {
        super::check_zone(&self.id, zone)?;
        let req = self.request(reqwest::Method::GET, &Self::domain_path(zone));
        if self.call(zone, "read the domain", req).await?.is_none() {
            return Ok(None);
        }
        let objs = self
            .list(
                zone,
                &format!("{}/records", Self::domain_path(zone)),
                "domain_records",
            )
            .await?;
        Ok(Some(self.zone_of(zone, &objs)?))
    }

    fn zone_of(&self, zone: &str, objs: &[J]) -> Result<Zone, ProviderError> {
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
    }

    pub async fn zones(&self) -> Result<Vec<String>, ProviderError> {
        super::api_zone_names(
            &self.id,
            self.list("*", "/domains", "domains")
                .await?
                .iter()
                .filter_map(|d| d.get("name").and_then(J::as_str)),
        )
    }

    async fn send_item(&self, zone: &str, item: &Item<J>) -> Result<(), String> {
        let base = format!("{}/records", Self::domain_path(zone));
        let (req, what) = match item {
            Item::Delete(id) => {
                let id = writes::numeric_id(id)?;
                (
                    self.request(reqwest::Method::DELETE, &format!("{base}/{id}")),
                    format!("DELETE record {id}"),
                )
            }
            Item::Put(id, obj) => {
                let id = writes::numeric_id(id)?;
                (
                    self.request(reqwest::Method::PUT, &format!("{base}/{id}"))
                        .json(obj),
                    format!("PUT record {id}"),
                )
            }
            Item::Post(obj) => (
                self.request(reqwest::Method::POST, &base).json(obj),
                "POST a record".to_string(),
            ),
        };
        let deleting = matches!(item, Item::Delete(_));
        writes::send_write(&self.client, &req, &what, deleting, "DigitalOcean", |r| {
            self.summary(r)
        })
        .await
    }

    async fn write(
        &self,
        zone: &str,
        c: &Change,
        existing: Option<&RecordSet>,
    ) -> Result<(), String> {
        for item in writes::object_writes(c, writes::held(existing), records::object) {
            self.send_item(zone, &item).await?;
        }
        Ok(())
    }

    /// Apply a plan: create the domain if needed, then the changes, deletes first.
    pub async fn apply_plan(&self, plan: &ZonePlan) -> Result<ApplyReport, ProviderError> {
        let zone = plan.zone.as_str();
        super::check_zone(&self.id, zone)?;
        let req = self.request(reqwest::Method::GET, &Self::domain_path(zone));
        let exists = self.call(zone, "read the domain", req).await?.is_some();
        if !exists {
            if plan.exists {
                return Err(self.failed(
                    zone,
                    "the domain no longer exists on DigitalOcean; plan again".into(),
                ));
            }
            let req = self
                .request(reqwest::Method::POST, "/domains")
                .json(&json!({"name": zone.trim_end_matches('.')}));
            if self.call(zone, "create the domain", req).await?.is_none() {
                return Err(
                    self.failed(zone, "create the domain: DigitalOcean answered 404".into())
                );
            }
            tracing::info!(provider = %self.id, zone, "created the domain");
        }
        // a new domain holds DigitalOcean's apex NS; a plan made elsewhere carries no object
        // ids: read what is there now
        let needs = !exists
            || plan.changes.iter().any(|c| {
                c.existing
                    .as_ref()
                    .is_some_and(|e| e.provider_data.is_none())
            });
        let current = if needs { self.read(zone).await? } else { None };
        let label = |c: &Change| {
            format!(
                "{} {} {}",
                c.op.as_str(),
                records::do_name(&c.name),
                c.rtype.as_str()
            )
        };
        let current = &current;
        writes::in_phases(
            &self.id,
            zone,
            &plan.changes,
            CONCURRENCY,
            label,
            |c| async move {
                let existing = current
                    .as_ref()
                    .and_then(|z| z.get(&c.name, &c.rtype))
                    .or(c.existing.as_ref());
                self.write(zone, c, existing).await
            },
        )
        .await
    }

    /// What DigitalOcean refuses, said before anything is sent: TTLs below 30 s (an error),
    /// values it refuses (`refusal`: an error under `strict_supports`, else the value is left
    /// out with a warning).
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
            let shown = crate::model::idna_decode(&r.fqdn(&zone));
            if r.ttl < records::MIN_TTL {
                errors.push(Unsupported {
                    message: format!(
                        "{shown} {} has TTL {}; DigitalOcean takes TTLs from {} s",
                        r.rtype.as_str(),
                        r.ttl,
                        records::MIN_TTL
                    ),
                });
                continue;
            }
            if !super::drop_refused_values(&mut r, &zone, strict, refusal, &mut errors, warnings) {
                continue;
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

/// Why DigitalOcean cannot hold a value, if it cannot: CAA tags other than issue, issuewild
/// and iodef, an empty TXT, an SRV port of 0.
fn refusal(v: &Value) -> Option<&'static str> {
    match v {
        Value::Caa(c) if !records::CAA_TAGS.contains(&c.tag.as_str()) => {
            Some("DigitalOcean takes the CAA tags issue, issuewild and iodef only")
        }
        Value::Text(t) if t.is_empty() => Some("DigitalOcean refuses an empty TXT value"),
        Value::Srv(s) if s.port == 0 => Some("DigitalOcean takes SRV ports from 1 to 65535"),
        _ => None,
    }
}

impl Provider for DigitalOceanProvider {
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

    /// Objects of one record set with different TTLs (made in the control panel) are
    /// rewritten to the set's TTL.
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
