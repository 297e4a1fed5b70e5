//! Google Cloud DNS over its REST API (`dns/v1`), with octodns-googlecloud's
//! `GoogleCloudProvider` settings (`settings`), credentials (`auth`) and record layout
//! (`records`).
//!
//! - Reading: the managed zone by DNS name (`GET …/managedZones?dnsName=`, only private or
//!   only public ones with `private`), then every page of `GET …/managedZones/{name}/rrsets`
//!   (`nextPageToken`; a token seen before, or more than `http::pages::MAX_PAGES` pages, is an
//!   error). Types dnsplan does not manage, the SOA among them, are left out (never deleted).
//! - Applying: a missing zone is created (`POST …/managedZones`, named like
//!   octodns-googlecloud names it, `zone-<name-with-dashes>-<random>`; not for `private`
//!   zones). The plan is one `changes.create` — additions and deletions of whole record sets,
//!   applied by Cloud DNS atomically — unless it is larger than `batch_size` plan changes or
//!   the project's quota (`rrsetAdditionsPerChange`, `rrsetDeletionsPerChange`,
//!   `totalRrdataSizePerChange`, read from `GET …/projects/{project}`), then several, each
//!   atomic. Each change is polled (`changes.get`) until `done`, up to `change_timeout`.
//!   Deletions carry the record set exactly as read, so a record changed since the plan
//!   makes Cloud DNS refuse the change (412) and nothing of it is applied.
//! - A part-way failure lists every plan change as applied, failed (in the refused Cloud DNS
//!   change, with Google's reason) or not applied; the next plan shows what is left.
//! - Retries (`crate::http`): 429 and 5xx wait for `Retry-After` or back off, at most 5 times;
//!   a `changes.create` is retried only when it cannot have been processed. At most 4
//!   requests are in flight.
//! - Capabilities: octodns-googlecloud's types (A, AAAA, ALIAS, CAA, CNAME, DS, MX, NAPTR, NS,
//!   PTR, SPF, SRV, TXT) and HTTPS, SVCB, SSHFP, TLSA; root NS; no dynamic or geo records
//!   (octodns-googlecloud has no routing policies: they are reduced to their default values
//!   with a warning). At most `resourceRecordsPerRrset` (100) values per record set.

pub mod auth;
pub mod records;
pub mod settings;

use std::time::Duration;

use serde_json::{Value as J, json};

use super::{ApplyReport, BoxFut, Provider, ProviderError, failure_report, url_component};
use crate::config::ProviderConfig;
use crate::http::{self, Backoff, Limits, Policy, Request, Response};
use crate::model::{Capabilities, RecordType, Zone};
use crate::plan::{Change, Op, Unsupported, ZonePlan};
pub use settings::Settings;

/// The record types dnsplan manages on Cloud DNS.
pub fn supported_types() -> Vec<RecordType> {
    records::TYPES
        .iter()
        .map(|t| RecordType::core(t).expect("core types"))
        .collect()
}

/// Cloud DNS's default per-project quota (its documented defaults), used until the project's
/// own is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    pub additions: usize,
    pub deletions: usize,
    pub rrdata_bytes: usize,
    pub records_per_rrset: usize,
}

impl Default for Quota {
    fn default() -> Quota {
        Quota {
            additions: 1000,
            deletions: 1000,
            rrdata_bytes: 100_000,
            records_per_rrset: 100,
        }
    }
}

const CONCURRENCY: usize = 4;

pub struct GoogleCloudProvider {
    id: String,
    settings: Settings,
    client: http::Client,
    auth: auth::Auth,
    caps: Capabilities,
    quota: tokio::sync::Mutex<Option<Quota>>,
}

/// Google's error body: `{"error": {"code", "message", "status", "errors": [{reason}]}}`.
fn error_text(r: &Response) -> String {
    let Some(j) = r.json() else {
        return r.body.clone();
    };
    let msg = j.pointer("/error/message").and_then(J::as_str);
    let reason = j
        .pointer("/error/errors/0/reason")
        .and_then(J::as_str)
        .or_else(|| j.pointer("/error/status").and_then(J::as_str));
    match (reason, msg) {
        (Some(r), Some(m)) => format!("{r}: {m}"),
        (None, Some(m)) => m.to_string(),
        _ => r.body.clone(),
    }
}

/// One Cloud DNS change of an apply: its additions and deletions and the plan changes in it.
#[derive(Default)]
struct Batch {
    additions: Vec<J>,
    deletions: Vec<J>,
    bytes: usize,
    changes: Vec<usize>,
}

fn rrdata_bytes(rrset: &J) -> usize {
    rrset
        .get("rrdatas")
        .and_then(J::as_array)
        .map(|a| a.iter().filter_map(J::as_str).map(str::len).sum())
        .unwrap_or(0)
}

impl GoogleCloudProvider {
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
        let make = || {
            http::Client::new(
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
            })
        };
        let client = make()?.limits(Limits::default().concurrency(CONCURRENCY));
        let auth = auth::Auth::new(settings.clone(), make()?);
        Ok(GoogleCloudProvider {
            id: id.to_string(),
            settings,
            client,
            auth,
            caps: Capabilities {
                multivalue_ptr: true,
                ..Capabilities::static_records(supported_types())
            },
            quota: tokio::sync::Mutex::new(None),
        })
    }

    fn failed(&self, zone: &str, message: String) -> ProviderError {
        ProviderError::failed(&self.id, zone, message)
    }

    fn http_error(&self, zone: &str, source: http::Error) -> ProviderError {
        ProviderError::http(&self.id, zone, source)
    }

    fn summary(&self, r: &Response) -> String {
        super::answer_summary(&self.client, &error_text(r))
    }

    fn api_error(&self, zone: &str, what: &str, req: &Request, r: &Response) -> ProviderError {
        let hint = match r.status {
            401 | 403 => {
                "; check the credentials and that they may use Cloud DNS in the project (roles/dns.admin)"
            }
            _ => "",
        };
        let body = format!("{what}: {}{hint}", self.summary(r));
        ProviderError::api(&self.id, zone, &self.client, req, r, body)
    }

    async fn project(&self, zone: &str) -> Result<String, ProviderError> {
        if let Some(p) = &self.settings.project {
            return Ok(p.clone());
        }
        // the credentials' project is known once a token was had
        self.bearer(zone).await?;
        self.auth.credentials_project().await.ok_or_else(|| {
            self.failed(
                zone,
                "no project: set `project` (the credentials name none)".into(),
            )
        })
    }

    async fn bearer(&self, zone: &str) -> Result<String, ProviderError> {
        self.auth.token().await.map_err(|e| match e {
            auth::AuthError::Request { source, .. } => ProviderError::Http {
                provider: self.id.clone(),
                zone: zone.to_string(),
                source,
            },
            other => self.failed(zone, self.client.scrubber().scrub(&other.to_string())),
        })
    }

    /// One call (`path` below `/dns/v1/`); a refused token is replaced once.
    async fn call(
        &self,
        zone: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<&J>,
    ) -> Result<(Request, Response), ProviderError> {
        let url = format!("{}/dns/v1/{path}", self.settings.endpoint);
        let mut again = false;
        loop {
            let token = self.bearer(zone).await?;
            let mut req = Request::new(method.clone(), &url)
                .bearer(&token)
                .header("Accept", "application/json");
            if let Some(b) = body {
                req = req.json(b);
            }
            let r = self
                .client
                .send(&req)
                .await
                .map_err(|e| self.http_error(zone, e))?;
            if r.status == 401 && !again {
                again = true;
                self.auth.invalidate().await;
                continue;
            }
            return Ok((req, r));
        }
    }

    async fn get_ok(&self, zone: &str, path: &str) -> Result<J, ProviderError> {
        let (req, r) = self.call(zone, reqwest::Method::GET, path, None).await?;
        if !r.ok() {
            return Err(self.api_error(zone, &format!("GET {path}"), &req, &r));
        }
        r.json().ok_or_else(|| {
            self.http_error(
                zone,
                self.client.decode_error(&req, "the answer is not JSON"),
            )
        })
    }

    /// Every item under `key` of a paged list (`pageToken` / `nextPageToken`).
    async fn list(&self, zone: &str, path: &str, key: &str) -> Result<Vec<J>, ProviderError> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut pages = http::Pages::new(format!("GET {path}"), http::pages::MAX_PAGES);
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let p = match &token {
                None => path.to_string(),
                Some(t) => format!("{path}{sep}pageToken={}", url_component(t)),
            };
            let j = self.get_ok(zone, &p).await?;
            match j.get(key) {
                Some(J::Array(a)) => items.extend(a.iter().cloned()),
                None => {}
                Some(_) => {
                    return Err(self.failed(zone, format!("GET {path}: `{key}` is not a list")));
                }
            }
            match j
                .get("nextPageToken")
                .and_then(J::as_str)
                .filter(|t| !t.is_empty())
            {
                None => return Ok(items),
                Some(t) => {
                    pages
                        .next(t.to_string())
                        .map_err(|e| self.http_error(zone, e))?;
                    token = Some(t.to_string());
                }
            }
        }
    }

    /// The managed zone's name, `None` when the project has no zone of that DNS name.
    async fn managed_zone(&self, zone: &str) -> Result<Option<String>, ProviderError> {
        let project = self.project(zone).await?;
        let path = format!(
            "projects/{}/managedZones?dnsName={}",
            url_component(&project),
            url_component(zone)
        );
        let found: Vec<String> = self
            .list(zone, &path, "managedZones")
            .await?
            .into_iter()
            .filter(|z| {
                z.get("dnsName")
                    .and_then(J::as_str)
                    .is_some_and(|n| n.eq_ignore_ascii_case(zone))
            })
            .filter(|z| self.visible(z))
            .filter_map(|z| z.get("name").and_then(J::as_str).map(str::to_string))
            .collect();
        match found.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one.clone())),
            many => Err(self.failed(
                zone,
                format!(
                    "{} managed zones serve {zone} ({}): set `private: true` or `private: false` \
                     to pick one",
                    many.len(),
                    many.join(", ")
                ),
            )),
        }
    }

    fn visible(&self, z: &J) -> bool {
        let private = z.get("visibility").and_then(J::as_str) == Some("private");
        self.settings.private.is_none_or(|want| want == private)
    }

    fn zone_path(project: &str, managed: &str) -> String {
        format!(
            "projects/{}/managedZones/{}",
            url_component(project),
            url_component(managed)
        )
    }

    pub async fn read(&self, zone: &str) -> Result<Option<Zone>, ProviderError> {
        super::check_zone(&self.id, zone)?;
        let Some(managed) = self.managed_zone(zone).await? else {
            return Ok(None);
        };
        let project = self.project(zone).await?;
        let rrsets = self
            .list(
                zone,
                &format!("{}/rrsets", Self::zone_path(&project, &managed)),
                "rrsets",
            )
            .await?;
        let mut z = Zone::new(zone);
        for rs in &rrsets {
            let name = rs.get("name").and_then(J::as_str).unwrap_or_default();
            let ty = rs.get("type").and_then(J::as_str).unwrap_or_default();
            let Some(t) = records::model_type(ty) else {
                continue;
            };
            let Some(rel) = z.relative(name) else {
                return Err(self.failed(
                    zone,
                    format!("the rrset {name} {ty} is not inside the zone"),
                ));
            };
            let r = records::read(&rel, t, rs)
                .map_err(|e| self.failed(zone, format!("cannot read {name} {ty}: {e}")))?;
            if z.insert(r).is_some() {
                return Err(self.failed(zone, format!("the rrset {name} {ty} is listed twice")));
            }
        }
        Ok(Some(z))
    }

    pub async fn zones(&self) -> Result<Vec<String>, ProviderError> {
        let project = self.project("*").await?;
        let names: Vec<String> = self
            .list(
                "*",
                &format!("projects/{}/managedZones", url_component(&project)),
                "managedZones",
            )
            .await?
            .iter()
            .filter(|z| self.visible(z))
            .filter_map(|z| z.get("dnsName").and_then(J::as_str))
            .map(|n| n.to_ascii_lowercase())
            .collect();
        super::checked_names(&self.id, names)
    }

    /// The project's quota (`projects.get`), read once.
    async fn quota(&self, zone: &str, project: &str) -> Result<Quota, ProviderError> {
        let mut q = self.quota.lock().await;
        if let Some(q) = *q {
            return Ok(q);
        }
        let j = self
            .get_ok(zone, &format!("projects/{}", url_component(project)))
            .await?;
        let d = Quota::default();
        let get = |k: &str, default: usize| {
            j.pointer(&format!("/quota/{k}"))
                .and_then(J::as_u64)
                .map_or(default, |n| n as usize)
                .max(1)
        };
        let quota = Quota {
            additions: get("rrsetAdditionsPerChange", d.additions),
            deletions: get("rrsetDeletionsPerChange", d.deletions),
            rrdata_bytes: get("totalRrdataSizePerChange", d.rrdata_bytes),
            records_per_rrset: get("resourceRecordsPerRrset", d.records_per_rrset),
        };
        *q = Some(quota);
        Ok(quota)
    }

    async fn create_zone(&self, zone: &str, project: &str) -> Result<String, ProviderError> {
        if self.settings.private == Some(true) {
            return Err(self.failed(
                zone,
                "the zone does not exist, and private zones are not created (`private: true`); \
                 create it with its networks first"
                    .into(),
            ));
        }
        let mut name = format!(
            "zone-{}-{}",
            zone.trim_end_matches('.').replace('.', "-"),
            crate::random::hex::<16>()
        );
        name.truncate(63);
        let name = name.trim_end_matches('-').to_string();
        let body =
            json!({"name": name, "dnsName": zone, "description": "", "visibility": "public"});
        let path = format!("projects/{}/managedZones", url_component(project));
        let (req, r) = self
            .call(zone, reqwest::Method::POST, &path, Some(&body))
            .await?;
        if !r.ok() {
            return Err(self.api_error(zone, &format!("create the zone: POST {path}"), &req, &r));
        }
        tracing::info!(provider = %self.id, zone, managed_zone = %name, "created the zone");
        Ok(name)
    }

    /// Cloud DNS changes for the plan: at most `batch_size` plan changes and the quota each.
    fn batches(
        &self,
        zone: &str,
        changes: &[(usize, &Change, Option<J>)],
        quota: Quota,
    ) -> Vec<Batch> {
        let mut out: Vec<Batch> = Vec::new();
        let mut cur = Batch::default();
        for (i, c, existing) in changes {
            let addition = c.desired.as_ref().map(|d| records::rrset(d, zone));
            let (add, del) = (
                usize::from(addition.is_some()),
                usize::from(existing.is_some()),
            );
            let bytes = addition.as_ref().map_or(0, rrdata_bytes)
                + existing.as_ref().map_or(0, rrdata_bytes);
            let full = cur.changes.len() >= self.settings.batch_size
                || cur.additions.len() + add > quota.additions
                || cur.deletions.len() + del > quota.deletions
                || cur.bytes + bytes > quota.rrdata_bytes;
            if full && !cur.changes.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            cur.additions.extend(addition);
            cur.deletions.extend(existing.clone());
            cur.bytes += bytes;
            cur.changes.push(*i);
        }
        if !cur.changes.is_empty() {
            out.push(cur);
        }
        out
    }

    /// Send one change and wait for it to be `done`. `Err` with the reason it did not land.
    async fn run_change(&self, zone: &str, path: &str, b: &Batch) -> Result<(), String> {
        let body =
            json!({"kind": "dns#change", "additions": b.additions, "deletions": b.deletions});
        let (_, r) = self
            .call(
                zone,
                reqwest::Method::POST,
                &format!("{path}/changes"),
                Some(&body),
            )
            .await
            .map_err(|e| {
                format!("{e}; the change may or may not have been applied: plan again to see")
            })?;
        if !r.ok() {
            return Err(format!(
                "Cloud DNS refused the change (HTTP {}): {}; nothing of it was applied",
                r.status,
                self.summary(&r)
            ));
        }
        let j = r.json().unwrap_or(J::Null);
        let id = j
            .get("id")
            .and_then(J::as_str)
            .unwrap_or_default()
            .to_string();
        let mut status = j
            .get("status")
            .and_then(J::as_str)
            .unwrap_or("pending")
            .to_string();
        let started = tokio::time::Instant::now();
        let mut wait = self.settings.poll;
        while status == "pending" {
            if started.elapsed() >= self.settings.change_timeout {
                return Err(format!(
                    "the change {id} was accepted but is still pending after {:?}; it will \
                     complete on its own: plan again later",
                    self.settings.change_timeout
                ));
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(5));
            let p = format!("{path}/changes/{}", url_component(&id));
            let j = self
                .get_ok(zone, &p)
                .await
                .map_err(|e| format!("{e} (the change {id} was accepted)"))?;
            status = j
                .get("status")
                .and_then(J::as_str)
                .unwrap_or("pending")
                .to_string();
        }
        if status != "done" {
            return Err(format!("the change {id} ended with status {status:?}"));
        }
        Ok(())
    }

    pub async fn apply_plan(&self, plan: &ZonePlan) -> Result<ApplyReport, ProviderError> {
        let zone = plan.zone.as_str();
        super::check_zone(&self.id, zone)?;
        let project = self.project(zone).await?;
        let managed = if plan.exists {
            self.managed_zone(zone).await?.ok_or_else(|| {
                self.failed(
                    zone,
                    "the zone no longer exists on Cloud DNS; plan again".into(),
                )
            })?
        } else {
            self.create_zone(zone, &project).await?
        };
        let path = Self::zone_path(&project, &managed);
        let quota = self.quota(zone, &project).await?;
        // a plan made elsewhere (a plan file) lacks the record sets as read: read them now
        let needs = plan.changes.iter().any(|c| {
            c.existing
                .as_ref()
                .is_some_and(|e| e.provider_data.is_none())
        });
        // a zone Cloud DNS just made holds its own apex NS: a create of the apex NS replaces it
        let needs = needs
            || (!plan.exists
                && plan
                    .changes
                    .iter()
                    .any(|c| c.name.is_empty() && c.rtype == RecordType::Ns));
        let current = if needs { self.read(zone).await? } else { None };
        let mut order: Vec<(usize, &Change)> = plan.changes.iter().enumerate().collect();
        order.sort_by_key(|(_, c)| match c.op {
            Op::Delete => 0,
            Op::Create => 1,
            Op::Update => 2,
        });
        let changes: Vec<(usize, &Change, Option<J>)> = order
            .into_iter()
            .map(|(i, c)| {
                let now = current.as_ref().and_then(|z| z.get(&c.name, &c.rtype));
                let existing = match (&c.existing, now) {
                    (Some(_), Some(r)) => Some(records::existing_rrset(r, zone)),
                    (Some(e), None) => Some(records::existing_rrset(e, zone)),
                    (None, Some(r))
                        if !plan.exists && c.name.is_empty() && c.rtype == RecordType::Ns =>
                    {
                        Some(records::existing_rrset(r, zone))
                    }
                    (None, _) => None,
                };
                (i, c, existing)
            })
            .collect();
        let batches = self.batches(zone, &changes, quota);
        let label = |i: usize| {
            let c = &plan.changes[i];
            format!(
                "{} {} {}",
                c.op.as_str(),
                if c.name.is_empty() { "@" } else { &c.name },
                c.rtype.as_str()
            )
        };
        let mut applied = Vec::new();
        for (n, b) in batches.iter().enumerate() {
            if let Err(why) = self.run_change(zone, &path, b).await {
                let failed: Vec<(String, String)> =
                    b.changes.iter().map(|i| (label(*i), why.clone())).collect();
                let skipped: Vec<String> = batches[n + 1..]
                    .iter()
                    .flat_map(|b| b.changes.iter().map(|i| label(*i)))
                    .collect();
                let mut report = failure_report(&applied, &failed, &skipped);
                report.push_str(&format!(
                    "\n  (Cloud DNS change {} of {})",
                    n + 1,
                    batches.len()
                ));
                return Err(self.failed(zone, report));
            }
            applied.extend(b.changes.iter().map(|i| label(*i)));
        }
        Ok(ApplyReport {
            applied: plan.changes.len(),
        })
    }

    /// What Cloud DNS would refuse, said before anything is sent: more values in a record set
    /// than the project's quota (100 by default).
    pub fn process(
        &self,
        desired: Zone,
        _strict: bool,
        _warnings: &mut Vec<String>,
    ) -> Result<Zone, Vec<Unsupported>> {
        let max = Quota::default().records_per_rrset;
        let errors: Vec<Unsupported> = desired
            .iter()
            .filter(|r| r.values.len() > max)
            .map(|r| Unsupported {
                message: format!(
                    "{} {} has {} values; Cloud DNS holds at most {max} records in a record set",
                    crate::model::idna_decode(&r.fqdn(&desired.name)),
                    r.rtype.as_str(),
                    r.values.len()
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

impl Provider for GoogleCloudProvider {
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
}

#[cfg(test)]
mod tests;
