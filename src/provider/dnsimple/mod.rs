//! DNSimple over its API v2, with octodns-dnsimple 1.0's `DnsimpleProvider` settings
//! (`settings`) and record layout (`records`).
//!
//! - Credentials: `token` (an account or user access token, sent as `Authorization: Bearer`)
//!   for `account` (the account's number, in every path); never shown. `sandbox: true` talks to
//!   `api.sandbox.dnsimple.com`.
//! - Reading: `GET /{account}/zones/{zone}` (a 404: no such zone), then every page of
//!   `GET /{account}/zones/{zone}/records` (100 a page, until `pagination.total_pages`).
//!   DNSimple's own records (the SOA and apex NS, `system_record`) and an ALIAS's companion TXT
//!   are left out, so they are never touched; so are types dnsplan does not manage.
//! - Applying: a missing zone is created by adding the domain (`POST /{account}/domains`).
//!   Deletes first, then creates and updates, four at a time: a value is one record; an update
//!   keeps the records of unchanged values, changes others in place (`PATCH`), creates and
//!   deletes the rest (octodns-dnsimple deletes them all and creates them again). No new write
//!   starts after the first failure; the error lists each change as applied, failed or not
//!   applied.
//! - Rate: 2,400 requests an hour per token; the client's bucket, shared by every provider with
//!   the token, follows what DNSimple reports on every answer (`X-RateLimit-Limit`,
//!   `X-RateLimit-Remaining`), and a 429 waits until `X-RateLimit-Reset`.
//! - Capabilities: A, AAAA, ALIAS, CAA, CNAME, MX, NAPTR, NS, PTR, SRV, SSHFP, TXT; no root NS
//!   (DNSimple's name servers answer for the apex), no dynamic or geo records. An SRV with a
//!   null target (`.`) is not held (octodns-dnsimple drops it with a warning), nor an empty TXT
//!   value or one longer than 1,000 characters once quoted: an error under `strict_supports`,
//!   else left out with a warning.

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

/// 2,400 requests an hour per token (before DNSimple's first report).
pub const RATE: Rate = Rate {
    requests: 2400,
    per: Duration::from_secs(3600),
    burst: 2400,
};

const PER_PAGE: u32 = 100;

pub fn supported_types() -> Vec<RecordType> {
    records::TYPES
        .iter()
        .map(|t| RecordType::core(t).expect("core types"))
        .collect()
}

fn header_u64(h: &reqwest::header::HeaderMap, k: &str) -> Option<u64> {
    h.get(k)?.to_str().ok()?.trim().parse().ok()
}

/// DNSimple's report of the token's quota: what is left until the window resets
/// (`X-RateLimit-Reset`, a Unix time), when the whole limit is back.
fn reported(h: &reqwest::header::HeaderMap) -> Option<Reported> {
    Some(Reported {
        limit: header_u64(h, "x-ratelimit-limit")? as u32,
        remaining: header_u64(h, "x-ratelimit-remaining")? as u32,
        period: super::writes::until(
            header_u64(h, "x-ratelimit-reset"),
            Duration::from_secs(3600),
        ),
    })
}

/// A 429 waits until the window resets (`X-RateLimit-Reset`, a Unix time).
fn throttled(status: u16, h: &reqwest::header::HeaderMap, _body: &str) -> Option<Option<Duration>> {
    if status != 429 {
        return None;
    }
    let reset = header_u64(h, "x-ratelimit-reset")?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Some(Duration::from_secs(reset.saturating_sub(now).max(1))))
}

/// DNSimple's error bodies: `{"message": "…", "errors": {field: [reason]}}`.
fn error_text(r: &Response) -> String {
    let Some(j) = r.json() else {
        return r.body.clone();
    };
    let msg = j
        .get("message")
        .and_then(J::as_str)
        .unwrap_or_default()
        .to_string();
    let fields: Vec<String> = j
        .get("errors")
        .and_then(J::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let reasons: Vec<String> = v
                        .as_array()
                        .map(|a| a.iter().filter_map(J::as_str).map(str::to_string).collect())
                        .unwrap_or_else(|| vec![v.to_string()]);
                    format!("{k} {}", reasons.join(", "))
                })
                .collect()
        })
        .unwrap_or_default();
    match (msg.is_empty(), fields.is_empty()) {
        (true, true) => r.body.clone(),
        (false, true) => msg,
        (true, false) => fields.join("; "),
        (false, false) => format!("{msg}: {}", fields.join("; ")),
    }
}

pub struct DnsimpleProvider {
    id: String,
    settings: Settings,
    client: http::Client,
    caps: Capabilities,
}

impl DnsimpleProvider {
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
            max_retry_after: Duration::from_secs(300),
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
        Ok(DnsimpleProvider {
            id: id.to_string(),
            settings,
            client,
            caps: Capabilities {
                root_ns: false,
                ..Capabilities::static_records(supported_types())
            },
        })
    }

    fn failed(&self, zone: &str, message: String) -> ProviderError {
        ProviderError::failed(&self.id, zone, message)
    }

    fn request(&self, method: reqwest::Method, path: &str) -> Request {
        Request::new(
            method,
            format!("{}/{}{path}", self.settings.api_url, self.settings.account),
        )
        .bearer(&self.settings.token)
        .header("Accept", "application/json")
    }

    fn summary(&self, r: &Response) -> String {
        super::answer_summary(&self.client, &error_text(r))
    }

    fn api_error(&self, zone: &str, what: &str, req: &Request, r: &Response) -> ProviderError {
        let hint = match r.status {
            401 | 403 => "; check the token and that it can manage this account",
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

    fn zone_path(zone: &str) -> String {
        format!("/zones/{}", url_component(zone.trim_end_matches('.')))
    }

    /// Every item of a paged listing (`page`, until `pagination.total_pages`).
    async fn list(&self, zone: &str, path: &str) -> Result<Vec<J>, ProviderError> {
        let what = format!("GET {path}");
        let mut pages = http::Pages::new(what.clone(), http::pages::MAX_PAGES).first(1u64);
        let mut items = Vec::new();
        let mut page = 1u64;
        loop {
            let req = self.request(
                reqwest::Method::GET,
                &format!("{path}?page={page}&per_page={PER_PAGE}"),
            );
            let Some(j) = self.call(zone, &what, req.clone()).await? else {
                return Err(self.failed(zone, format!("{what}: DNSimple answered 404")));
            };
            match j.get("data") {
                Some(J::Array(a)) => items.extend(a.iter().cloned()),
                _ => {
                    return Err(ProviderError::http(
                        &self.id,
                        zone,
                        self.client.decode_error(&req, "`data` is not a list"),
                    ));
                }
            }
            let total = j
                .pointer("/pagination/total_pages")
                .and_then(J::as_u64)
                .unwrap_or(1);
            if page >= total {
                return Ok(items);
            }
            page += 1;
            pages
                .next(page)
                .map_err(|e| ProviderError::http(&self.id, zone, e))?;
        }
    }

    /// The zone as DNSimple holds it; `None` when it does not exist.
    pub async fn read(&self, zone: &str) -> Result<Option<Zone>, ProviderError> {
        super::check_zone(&self.id, zone)?;
        let req = self.request(reqwest::Method::GET, &Self::zone_path(zone));
        if self.call(zone, "read the zone", req).await?.is_none() {
            return Ok(None);
        }
        let objs = self
            .list(zone, &format!("{}/records", Self::zone_path(zone)))
            .await?;
        Ok(Some(self.zone_of(zone, &objs)?))
    }

    fn zone_of(&self, zone: &str, objs: &[J]) -> Result<Zone, ProviderError> {
        let listed = objs
            .iter()
            .filter(|o| !records::not_ours(o))
            .filter_map(|o| {
                let t = records::model_type(o.get("type").and_then(J::as_str).unwrap_or_default())?;
                let name = o.get("name").and_then(J::as_str).unwrap_or_default();
                Some(writes::Listed {
                    name,
                    rtype: t,
                    object: o,
                })
            });
        writes::zone_of(&self.id, zone, listed, 3600, records::value)
    }

    pub async fn zones(&self) -> Result<Vec<String>, ProviderError> {
        super::api_zone_names(
            &self.id,
            self.list("*", "/zones")
                .await?
                .iter()
                .filter_map(|z| z.get("name").and_then(J::as_str)),
        )
    }

    async fn send_item(&self, zone: &str, item: &Item<J>) -> Result<(), String> {
        let base = format!("{}/records", Self::zone_path(zone));
        let (req, what) = match item {
            Item::Delete(id) => {
                let id = writes::numeric_id(id)?;
                (
                    self.request(reqwest::Method::DELETE, &format!("{base}/{id}")),
                    format!("DELETE record {id}"),
                )
            }
            Item::Put(id, b) => {
                let id = writes::numeric_id(id)?;
                (
                    self.request(reqwest::Method::PATCH, &format!("{base}/{id}"))
                        .json(b),
                    format!("PATCH record {id}"),
                )
            }
            Item::Post(b) => (
                self.request(reqwest::Method::POST, &base).json(b),
                "POST a record".to_string(),
            ),
        };
        let deleting = matches!(item, Item::Delete(_));
        writes::send_write(&self.client, &req, &what, deleting, "DNSimple", |r| {
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
        for item in writes::object_writes(c, writes::held(existing), records::body) {
            self.send_item(zone, &item).await?;
        }
        Ok(())
    }

    /// Apply a plan: add the domain if needed, then the changes, deletes first.
    pub async fn apply_plan(&self, plan: &ZonePlan) -> Result<ApplyReport, ProviderError> {
        let zone = plan.zone.as_str();
        super::check_zone(&self.id, zone)?;
        let req = self.request(reqwest::Method::GET, &Self::zone_path(zone));
        let exists = self.call(zone, "read the zone", req).await?.is_some();
        if !exists {
            if plan.exists {
                return Err(self.failed(
                    zone,
                    "the zone no longer exists on DNSimple; plan again".into(),
                ));
            }
            let req = self
                .request(reqwest::Method::POST, "/domains")
                .json(&json!({"name": zone.trim_end_matches('.')}));
            if self.call(zone, "add the domain", req).await?.is_none() {
                return Err(self.failed(zone, "add the domain: DNSimple answered 404".into()));
            }
            tracing::info!(provider = %self.id, zone, "added the domain");
        }
        // a plan made elsewhere carries no record ids: read them now
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

    /// octodns-dnsimple's `supports`: an SRV with a null target (`.`) is not held; and
    /// DNSimple refuses an empty TXT value.
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
            let null = r.rtype == RecordType::Srv
                && r.values
                    .iter()
                    .any(|v| matches!(v, Value::Srv(s) if s.target == "."));
            if null {
                let msg = format!(
                    "{} SRV: DNSimple does not hold an SRV with the null target `.`",
                    crate::model::idna_decode(&r.fqdn(&zone))
                );
                if strict {
                    errors.push(Unsupported { message: msg });
                } else {
                    warnings.push(format!("{msg}; leaving the record out"));
                }
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

/// Why DNSimple refuses a value, if it does: an empty TXT, a TXT longer than 1,000 characters
/// once quoted.
fn refusal(v: &Value) -> Option<&'static str> {
    let quoted = |t: &str| {
        let raw = crate::model::value::txt_raw(t);
        raw.chars()
            .map(|c| if c == '"' { 2 } else { 1 })
            .sum::<usize>()
            + 2
    };
    match v {
        Value::Text(t) if t.is_empty() => Some("DNSimple refuses an empty TXT value"),
        Value::Text(t) if quoted(t) > 1000 => {
            Some("DNSimple takes TXT values of at most 1,000 characters once quoted")
        }
        _ => None,
    }
}

impl Provider for DnsimpleProvider {
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

    /// Records of one set with different TTLs (made in the web interface) are rewritten to
    /// the set's TTL.
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
