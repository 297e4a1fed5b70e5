//! Hetzner DNS, with octodns-hetzner 2.0's `HetznerProvider` settings (`settings`) and record
//! layout (`records`), over either of its two backends:
//!
//! - `backend: hcloud` — the **Hetzner Cloud API**'s Zones (`/v1/zones`, rrsets, actions), which
//!   replaces the DNS Console. Bearer token of a Cloud project. Reads every page of
//!   `GET /zones/{id}/rrsets`; writes per record set — `POST …/rrsets` (create),
//!   `POST …/rrsets/{name}/{type}/actions/set_records` and `…/change_ttl` (update),
//!   `DELETE …/rrsets/{name}/{type}` — each followed to its action's end (`GET /actions/{id}`
//!   until `success`, or its `error`). The project's limit of 3,600 requests an hour is paced
//!   with a bucket shared by every provider with the same token.
//! - `backend: dnsapi` (octodns-hetzner's default, kept as default here) — the old **DNS
//!   Console API** (`dns.hetzner.com/api/v1`, `Auth-API-Token`): every page of
//!   `GET /records?zone_id=`; one record per value, written with `POST /records` and
//!   `DELETE /records/{id}` (an update deletes the old values and creates the new, as
//!   octodns-hetzner does). Hetzner announced the DNS Console's end for May 2026; move zones to
//!   `backend: hcloud`.
//!
//! Both: the zone by name (`GET /zones?name=`), a missing zone created (`POST /zones`; the
//! apex SOA and NS Hetzner makes with it are replaced, not added to, by the plan's apex NS);
//! deletes first, then creates and updates, 4 at a time, no new write after the first failure,
//! and an item-by-item report (applied, failed, not applied); 429 and 5xx retried with `Retry-After`.
//! Capabilities: A, AAAA, CAA, CNAME, DS, MX, NS, PTR, SRV, TLSA, TXT; root NS; no dynamic or
//! geo records.

pub mod records;
pub mod settings;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use std::time::Duration;

use serde_json::{Value as J, json};

use super::{ApplyReport, BoxFut, Provider, ProviderError, url_component, writes};
use crate::config::ProviderConfig;
use crate::http::{self, Backoff, Bucket, Limits, Policy, Rate, Request, Response};
use crate::model::{Capabilities, RecordSet, RecordType, Zone};
use crate::plan::{Change, Op, Unsupported, ZonePlan};
use crate::secret::Scrubber;
pub use settings::{Backend, Settings};

/// The Cloud API's rate: 3,600 requests an hour per project, refilled by the second.
pub const CLOUD_RATE: Rate = Rate {
    requests: 3600,
    per: Duration::from_secs(3600),
    burst: 3600,
};

/// Writes (and requests) in flight at once.
const CONCURRENCY: usize = 4;

/// The Cloud API's lowest TTL.
pub const MIN_CLOUD_TTL: u32 = 60;

pub fn supported_types() -> Vec<RecordType> {
    records::TYPES
        .iter()
        .map(|t| RecordType::core(t).expect("core types"))
        .collect()
}

/// Hetzner's error bodies: the Cloud API's `{"error": {"code", "message"}}`, the DNS
/// Console's `{"message"}` or `{"error": {"message", "code"}}`.
fn error_text(r: &Response) -> String {
    let Some(j) = r.json() else {
        return r.body.clone();
    };
    let code = j.pointer("/error/code").map(|c| match c {
        J::String(s) => s.clone(),
        other => other.to_string(),
    });
    let msg = j
        .pointer("/error/message")
        .or_else(|| j.get("message"))
        .and_then(J::as_str);
    match (code, msg) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (None, Some(m)) => m.to_string(),
        _ => r.body.clone(),
    }
}

/// One record set as listed: its TTL, values and (Console) record ids.
type Read = (u32, Vec<String>, Vec<String>);

/// A zone as Hetzner holds it: its id and default TTL.
#[derive(Clone, Debug)]
struct ZoneInfo {
    id: String,
    ttl: u32,
}

pub struct HetznerProvider {
    id: String,
    settings: Settings,
    client: http::Client,
    caps: Capabilities,
    zones: Mutex<HashMap<String, ZoneInfo>>,
}

impl HetznerProvider {
    pub fn new(cfg: &ProviderConfig) -> Result<Self, ProviderError> {
        let settings = Settings::from_config(cfg).map_err(|e| ProviderError::Config {
            provider: cfg.id.clone(),
            message: e.to_string(),
        })?;
        Self::with_settings(&cfg.id, settings)
    }

    pub fn with_settings(id: &str, settings: Settings) -> Result<Self, ProviderError> {
        let policy = Policy {
            max_retries: 5,
            max_status_retries: 5,
            backoff: Backoff {
                first: Duration::from_millis(500),
                cap: Duration::from_secs(30),
            },
            max_retry_after: Duration::from_secs(60),
        };
        let mut limits = Limits::default().concurrency(CONCURRENCY);
        if settings.backend == Backend::Cloud {
            limits = limits.rate(Bucket::shared(&settings.token, CLOUD_RATE));
        }
        let client = http::Client::new(
            id,
            reqwest::Client::builder()
                .connect_timeout(settings.timeout)
                .redirect(reqwest::redirect::Policy::none()),
            Some(settings.timeout),
            policy,
        )
        .map_err(|e| ProviderError::Config {
            provider: id.to_string(),
            message: e.to_string(),
        })?
        .scrubbing(Scrubber::new([settings.token.as_str()]))
        .limits(limits);
        Ok(HetznerProvider {
            id: id.to_string(),
            settings,
            client,
            caps: Capabilities::static_records(supported_types()),
            zones: Mutex::new(HashMap::new()),
        })
    }

    fn cloud(&self) -> bool {
        self.settings.backend == Backend::Cloud
    }

    fn failed(&self, zone: &str, message: String) -> ProviderError {
        ProviderError::failed(&self.id, zone, message)
    }

    fn summary(&self, r: &Response) -> String {
        super::answer_summary(&self.client, &error_text(r))
    }

    fn request(&self, method: reqwest::Method, path: &str) -> Request {
        let req = Request::new(method, format!("{}{path}", self.settings.endpoint))
            .header("Accept", "application/json");
        if self.cloud() {
            req.bearer(&self.settings.token)
        } else {
            req.header("Auth-API-Token", self.settings.token.as_str())
        }
    }

    /// Send; `Ok(json)` for a success, `Err(reason)` otherwise (status and Hetzner's word).
    async fn send(&self, req: Request) -> Result<J, (Option<u16>, String)> {
        let r = self
            .client
            .send(&req)
            .await
            .map_err(|e| (None, self.client.scrubber().scrub(&e.to_string())))?;
        if !r.ok() {
            let hint = if r.status == 401 {
                match self.settings.backend {
                    Backend::Cloud => " (a Cloud project API token with read & write is needed)",
                    Backend::DnsConsole => " (a DNS Console API token is needed)",
                }
            } else {
                ""
            };
            return Err((
                Some(r.status),
                format!("HTTP {}: {}{hint}", r.status, self.summary(&r)),
            ));
        }
        Ok(r.json().unwrap_or(J::Null))
    }

    async fn call(&self, zone: &str, what: &str, req: Request) -> Result<J, ProviderError> {
        self.send(req)
            .await
            .map_err(|(_, why)| self.failed(zone, format!("{what}: {why}")))
    }

    /// Every item under `key` of a paged list (`page`, `meta.pagination`).
    async fn list(&self, zone: &str, path: &str, key: &str) -> Result<Vec<J>, ProviderError> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let per_page = if self.cloud() { 50 } else { 100 };
        let what = format!("GET {path}");
        let mut pages = http::Pages::new(what.clone(), http::pages::MAX_PAGES).first(1u64);
        let mut out = Vec::new();
        let mut page = 1u64;
        loop {
            let req = self.request(
                reqwest::Method::GET,
                &format!("{path}{sep}page={page}&per_page={per_page}"),
            );
            let j = self.call(zone, &what, req).await?;
            let items = j
                .get(key)
                .and_then(J::as_array)
                .cloned()
                .unwrap_or_default();
            let empty = items.is_empty();
            out.extend(items);
            let p = j.pointer("/meta/pagination");
            let next = p
                .and_then(|p| p.get("next_page"))
                .and_then(J::as_u64)
                .filter(|n| *n > page)
                .or_else(|| {
                    let last = p?.get("last_page")?.as_u64()?;
                    (page < last).then_some(page + 1)
                });
            match next {
                Some(n) if !empty => {
                    pages
                        .next(n)
                        .map_err(|e| ProviderError::http(&self.id, zone, e))?;
                    page = n;
                }
                _ => return Ok(out),
            }
        }
    }

    async fn zone_info(&self, zone: &str) -> Result<Option<ZoneInfo>, ProviderError> {
        if let Some(z) = self.zones.lock().expect("not poisoned").get(zone) {
            return Ok(Some(z.clone()));
        }
        let bare = zone.trim_end_matches('.');
        let found = self
            .list(
                zone,
                &format!("/zones?name={}", url_component(bare)),
                "zones",
            )
            .await?;
        let Some(z) = found.iter().find(|z| {
            z.get("name")
                .and_then(J::as_str)
                .is_some_and(|n| n.trim_end_matches('.').eq_ignore_ascii_case(bare))
        }) else {
            return Ok(None);
        };
        let info = Self::info_of(z);
        self.zones
            .lock()
            .expect("not poisoned")
            .insert(zone.to_string(), info.clone());
        Ok(Some(info))
    }

    fn info_of(z: &J) -> ZoneInfo {
        ZoneInfo {
            id: match z.get("id") {
                Some(J::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            },
            ttl: z
                .get("ttl")
                .and_then(J::as_u64)
                .and_then(|t| u32::try_from(t).ok())
                .unwrap_or(3600),
        }
    }

    /// An id as a path segment: letters and digits only.
    fn checked(&self, zone: &str, id: &str) -> Result<String, ProviderError> {
        super::checked_id(&self.id, zone, id).map(str::to_string)
    }

    pub async fn read(&self, zone: &str) -> Result<Option<Zone>, ProviderError> {
        super::check_zone(&self.id, zone)?;
        let Some(info) = self.zone_info(zone).await? else {
            return Ok(None);
        };
        let id = self.checked(zone, &info.id)?;
        let mut sets: BTreeMap<(String, RecordType), Read> = BTreeMap::new();
        if self.cloud() {
            for rs in self
                .list(zone, &format!("/zones/{id}/rrsets"), "rrsets")
                .await?
            {
                let ty = rs.get("type").and_then(J::as_str).unwrap_or_default();
                let Some(t) = records::model_type(ty) else {
                    continue;
                };
                let name = rs.get("name").and_then(J::as_str).unwrap_or_default();
                let ttl = rs
                    .get("ttl")
                    .and_then(J::as_u64)
                    .map_or(info.ttl, |t| t as u32);
                let values: Vec<String> = rs
                    .get("records")
                    .and_then(J::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|r| r.get("value")?.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                if values.is_empty() {
                    continue;
                }
                sets.insert((name.to_string(), t), (ttl, values, Vec::new()));
            }
        } else {
            for r in self
                .list(zone, &format!("/records?zone_id={id}"), "records")
                .await?
            {
                let ty = r.get("type").and_then(J::as_str).unwrap_or_default();
                let Some(t) = records::model_type(ty) else {
                    continue;
                };
                let name = r.get("name").and_then(J::as_str).unwrap_or_default();
                let ttl = r
                    .get("ttl")
                    .and_then(J::as_u64)
                    .map_or(info.ttl, |t| t as u32);
                let e = sets
                    .entry((name.to_string(), t))
                    .or_insert((ttl, Vec::new(), Vec::new()));
                e.1.push(
                    r.get("value")
                        .and_then(J::as_str)
                        .unwrap_or_default()
                        .to_string(),
                );
                e.2.push(
                    r.get("id")
                        .and_then(J::as_str)
                        .unwrap_or_default()
                        .to_string(),
                );
            }
        }
        let mut z = Zone::new(zone);
        for ((name, t), (ttl, values, ids)) in sets {
            let rel = if name == "@" {
                String::new()
            } else {
                name.to_ascii_lowercase()
            };
            let mut vs = Vec::with_capacity(values.len());
            for v in &values {
                vs.push(records::value(&t, v).map_err(|e| {
                    self.failed(
                        zone,
                        format!(
                            "cannot read {} {}: {e}",
                            records::hetzner_name(&rel),
                            t.as_str()
                        ),
                    )
                })?);
            }
            let mut rs = RecordSet::new(rel, t, ttl, vs);
            rs.normalize();
            if !ids.is_empty() {
                rs.provider_data = Some(std::sync::Arc::new(json!({ "ids": ids })));
            }
            z.insert(rs);
        }
        Ok(Some(z))
    }

    pub async fn zone_names(&self) -> Result<Vec<String>, ProviderError> {
        super::api_zone_names(
            &self.id,
            self.list("*", "/zones", "zones")
                .await?
                .iter()
                .filter_map(|z| z.get("name").and_then(J::as_str)),
        )
    }

    /// Follow a Cloud API action to its end.
    async fn wait_action(&self, answer: &J) -> Result<(), String> {
        let Some(action) = answer.get("action") else {
            return Ok(());
        };
        let mut action = action.clone();
        let mut wait = self.settings.poll;
        let started = tokio::time::Instant::now();
        loop {
            match action.get("status").and_then(J::as_str) {
                Some("success") | None => return Ok(()),
                Some("error") => {
                    let code = action
                        .pointer("/error/code")
                        .and_then(J::as_str)
                        .unwrap_or("error");
                    let msg = action
                        .pointer("/error/message")
                        .and_then(J::as_str)
                        .unwrap_or_default();
                    return Err(format!("the action failed: {code}: {msg}"));
                }
                _ => {}
            }
            if started.elapsed() > Duration::from_secs(600) {
                return Err("the action is still running after 600 s".into());
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(5));
            let id = action.get("id").and_then(J::as_u64).unwrap_or_default();
            let j = self
                .send(self.request(reqwest::Method::GET, &format!("/actions/{id}")))
                .await
                .map_err(|(_, why)| format!("reading the action {id}: {why}"))?;
            action = j.get("action").cloned().unwrap_or(J::Null);
        }
    }

    async fn create_zone(&self, zone: &str) -> Result<ZoneInfo, ProviderError> {
        let bare = zone.trim_end_matches('.');
        let body = if self.cloud() {
            json!({"name": bare, "mode": "primary", "ttl": 3600})
        } else {
            json!({"name": bare, "ttl": 3600})
        };
        let req = self.request(reqwest::Method::POST, "/zones").json(&body);
        let j = self.call(zone, "create the zone: POST /zones", req).await?;
        self.wait_action(&j)
            .await
            .map_err(|why| self.failed(zone, format!("create the zone: {why}")))?;
        let info = Self::info_of(j.get("zone").unwrap_or(&J::Null));
        self.zones
            .lock()
            .expect("not poisoned")
            .insert(zone.to_string(), info.clone());
        tracing::info!(provider = %self.id, zone, "created the zone");
        Ok(info)
    }

    fn rrset_path(id: &str, name: &str, t: &RecordType) -> String {
        format!(
            "/zones/{id}/rrsets/{}/{}",
            url_component(records::hetzner_name(name)),
            t.as_str()
        )
    }

    /// Make one change on the Cloud API. `Err(reason)` when it did not land.
    async fn cloud_change(
        &self,
        id: &str,
        c: &Change,
        existing: Option<&RecordSet>,
    ) -> Result<(), String> {
        let step = |what: &str, r: Result<J, (Option<u16>, String)>| {
            r.map_err(|(_, why)| format!("{what}: {why}"))
        };
        let records = |r: &RecordSet| -> Vec<J> {
            records::values(r, true)
                .into_iter()
                .map(|v| json!({ "value": v }))
                .collect()
        };
        let path = Self::rrset_path(id, &c.name, &c.rtype);
        match (&c.op, &c.desired, existing) {
            (Op::Delete, _, _) | (_, None, _) => {
                let j = step(
                    "DELETE",
                    self.send(self.request(reqwest::Method::DELETE, &path))
                        .await,
                )?;
                self.wait_action(&j).await
            }
            (_, Some(d), None) => {
                let body = json!({"name": records::hetzner_name(&d.name), "type": d.rtype.as_str(), "ttl": d.ttl, "records": records(d)});
                let req = self
                    .request(reqwest::Method::POST, &format!("/zones/{id}/rrsets"))
                    .json(&body);
                let j = step("create the rrset", self.send(req).await)?;
                self.wait_action(&j).await
            }
            (_, Some(d), Some(e)) => {
                if d.values != e.values {
                    let req = self
                        .request(
                            reqwest::Method::POST,
                            &format!("{path}/actions/set_records"),
                        )
                        .json(&json!({ "records": records(d) }))
                        .idempotent(true);
                    let j = step("set_records", self.send(req).await)?;
                    self.wait_action(&j).await?;
                }
                if d.ttl != e.ttl {
                    let req = self
                        .request(reqwest::Method::POST, &format!("{path}/actions/change_ttl"))
                        .json(&json!({ "ttl": d.ttl }))
                        .idempotent(true);
                    let j = step("change_ttl", self.send(req).await)?;
                    self.wait_action(&j).await?;
                }
                Ok(())
            }
        }
    }

    /// Make one change on the DNS Console API: the old records deleted, the new created.
    async fn console_change(
        &self,
        zone: &str,
        id: &str,
        c: &Change,
        existing: Option<&RecordSet>,
    ) -> Result<(), String> {
        let ids: Vec<String> = existing
            .and_then(|e| e.provider_data.as_deref())
            .and_then(|d| d.get("ids"))
            .and_then(J::as_array)
            .map(|a| a.iter().filter_map(J::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        let mut done = 0;
        let total = ids.len() + c.desired.as_ref().map_or(0, |d| d.values.len());
        let partly = |done: usize, why: String| {
            if done > 0 {
                format!("{why} ({done} of its {total} record writes landed before)")
            } else {
                why
            }
        };
        for rid in &ids {
            let rid = self.checked(zone, rid).map_err(|e| e.to_string())?;
            self.send(self.request(reqwest::Method::DELETE, &format!("/records/{rid}")))
                .await
                .map_err(|(_, why)| partly(done, format!("DELETE /records/{rid}: {why}")))?;
            done += 1;
        }
        if let Some(d) = &c.desired {
            for v in records::values(d, false) {
                let body = json!({"zone_id": id, "name": records::hetzner_name(&d.name), "type": d.rtype.as_str(), "value": v, "ttl": d.ttl});
                self.send(self.request(reqwest::Method::POST, "/records").json(&body))
                    .await
                    .map_err(|(_, why)| partly(done, format!("POST /records: {why}")))?;
                done += 1;
            }
        }
        Ok(())
    }

    pub async fn apply_plan(&self, plan: &ZonePlan) -> Result<ApplyReport, ProviderError> {
        let zone = plan.zone.as_str();
        super::check_zone(&self.id, zone)?;
        let info = match self.zone_info(zone).await? {
            Some(i) => i,
            None if !plan.exists => self.create_zone(zone).await?,
            None => {
                return Err(self.failed(
                    zone,
                    "the zone no longer exists on Hetzner; plan again".into(),
                ));
            }
        };
        let id = self.checked(zone, &info.id)?;
        // a new zone holds Hetzner's apex SOA and NS; a plan made elsewhere lacks record ids:
        // read what is there now
        let needs = !plan.exists
            || (!self.cloud()
                && plan.changes.iter().any(|c| {
                    c.existing
                        .as_ref()
                        .is_some_and(|e| e.provider_data.is_none())
                }));
        let current = if needs { self.read(zone).await? } else { None };
        let label = |c: &Change| {
            format!(
                "{} {} {}",
                c.op.as_str(),
                records::hetzner_name(&c.name),
                c.rtype.as_str()
            )
        };
        let (id, current) = (&id, &current);
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
                if self.cloud() {
                    self.cloud_change(id, c, existing).await
                } else {
                    self.console_change(zone, id, c, existing).await
                }
            },
        )
        .await
    }
}

impl Provider for HetznerProvider {
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
        Box::pin(self.zone_names())
    }

    /// The Cloud API refuses TTLs below 60 s: said before anything is sent.
    fn process_desired(
        &self,
        desired: Zone,
        _strict: bool,
        _warnings: &mut Vec<String>,
    ) -> Result<Zone, Vec<Unsupported>> {
        if !self.cloud() {
            return Ok(desired);
        }
        let errors: Vec<Unsupported> = desired
            .iter()
            .filter(|r| r.ttl < MIN_CLOUD_TTL)
            .map(|r| Unsupported {
                message: format!(
                    "{} {} has TTL {}; the Hetzner Cloud API takes TTLs from {MIN_CLOUD_TTL} s",
                    crate::model::idna_decode(&r.fqdn(&desired.name)),
                    r.rtype.as_str(),
                    r.ttl
                ),
            })
            .collect();
        if errors.is_empty() {
            Ok(desired)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests;
