//! Azure DNS over its REST API (Azure Resource Manager, api-version 2018-05-01), with
//! octodns-azure's `AzureProvider` settings.
//!
//! Settings: `client_id`, `key` (the client secret; leave it out to use workload identity
//! federation, see `auth`), `directory_id` (or `tenant_id`), `sub_id` (or `subscription_id`),
//! `resource_group`, `client_total_retries` (10) and `client_status_retries` (3) as in
//! octodns-azure; and dnsplan's own: `timeout` (30 s per request), `write_concurrency` (4
//! record-set writes at a time), `endpoint` (`https://management.azure.com`),
//! `authority_host` (`AZURE_AUTHORITY_HOST` or `https://login.microsoftonline.com`) and
//! `scope` (`https://management.azure.com/.default`) for sovereign clouds. Endpoints must be
//! https unless they are on loopback: a bearer token never travels in clear text.
//!
//! - Reading: `GET …/dnsZones/{zone}` (404 `ResourceNotFound`/`NotFound`: the zone does not
//!   exist; any other 404, such as a missing resource group, is an error), then every page of
//!   `GET …/dnsZones/{zone}/recordsets`, following `nextLink`; a `nextLink` to another host
//!   or one already followed is an error (the token must not leave, the loop must end).
//!   Record sets become the model's (`records`), each with its etag.
//! - Applying: a missing zone is created (`PUT` with `If-None-Match: *`); then deletes, then
//!   creates and updates, `write_concurrency` at a time. Every write carries its
//!   precondition: a create `If-None-Match: *`, an update or delete `If-Match: <etag read at
//!   plan time>`, so a record changed by someone else since the plan answers 412 and is
//!   reported, never overwritten. After the first failure no new write starts; the error
//!   lists what was applied, what failed and why, and what was not attempted, and the next
//!   plan shows exactly what is left.
//! - Throttling (`crate::http`): 408, 429 and 5xx answers wait for their `Retry-After`
//!   (seconds or a date, capped at 60 s) or back off exponentially with jitter; together at
//!   most `client_status_retries` retries, and connection failures count toward
//!   `client_total_retries`. Every write is a PUT or DELETE with a precondition, so a retry
//!   cannot apply anything twice. A 401 drops the cached token and tries once more. A
//!   retried create that meets 412 checks whether the record set now holds exactly what was
//!   sent (the first try landed, its answer was lost).
//! - Azure's own name servers: Azure requires the zone's four `azure-dns.*` name servers in
//!   the apex NS record set. As octodns-azure, a desired apex NS without them gets them
//!   added (an error with `strict_supports`, else a warning); a new zone's apex NS gets them
//!   at apply, when Azure has assigned them.
//! - Capabilities: A, AAAA, CAA, CNAME, MX, NS, PTR, SRV, TXT; root NS; multi-value PTR; at
//!   most 20 records per record set and TTLs from 1 s (Azure's limits, checked before any
//!   request). Dynamic
//!   records (octodns-azure's Traffic Manager profiles) are not supported: they are reduced
//!   to their default values like on any target without dynamic support.

pub mod auth;
pub mod records;
pub mod settings;

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value as J, json};

use super::{ApplyReport, BoxFut, Provider, ProviderError};
use super::{failure_report, url_component};
use crate::config::ProviderConfig;
use crate::http::{self, Backoff, Policy, Request, Response};
use crate::model::{Capabilities, RecordSet, RecordType, Value, Zone};
use crate::plan::{Change, Op, Unsupported, ZonePlan};
use crate::secret::Scrubber;
pub use settings::Settings;

pub const API_VERSION: &str = "2018-05-01";
const DEFAULT_ENDPOINT: &str = "https://management.azure.com";
const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";
const DEFAULT_SCOPE: &str = "https://management.azure.com/.default";

/// The record types Azure DNS holds.
pub fn supported_types() -> Vec<RecordType> {
    records::TYPES
        .iter()
        .map(|t| RecordType::core(t).expect("core types"))
        .collect()
}

fn capabilities() -> Capabilities {
    Capabilities::static_records(supported_types())
}

/// The error object: ARM's `{"error": {"code", "message"}}`, or the bare `{"code", "message"}`
/// Azure DNS answers record-set errors with.
fn error_object(r: &Response) -> Option<J> {
    let j = r.json()?;
    match j.get("error") {
        Some(e @ J::Object(_)) => Some(e.clone()),
        _ if j.get("code").is_some() => Some(j),
        _ => None,
    }
}

fn error_code(r: &Response) -> Option<String> {
    error_object(r)?.get("code")?.as_str().map(str::to_string)
}

fn error_text(r: &Response) -> String {
    let Some(e) = error_object(r) else {
        return r.body.clone();
    };
    match (
        e.get("code").and_then(J::as_str),
        e.get("message").and_then(J::as_str),
    ) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_string(),
        (None, Some(m)) => m.to_string(),
        (None, None) => r.body.clone(),
    }
}

/// The retry policy of the settings: octodns-azure's two budgets, back-off from `backoff`
/// up to 10 s, `Retry-After` up to `max_retry_after`.
fn policy(s: &Settings) -> Policy {
    Policy {
        max_retries: s.total_retries,
        max_status_retries: s.status_retries.min(s.total_retries),
        backoff: Backoff {
            first: s.backoff,
            cap: Duration::from_secs(10),
        },
        max_retry_after: s.max_retry_after,
    }
}

/// Why one record-set write did not land.
#[derive(Debug, thiserror::Error)]
enum WriteFailure {
    /// 412: the precondition did not hold.
    #[error("HTTP 412 {code}: {why}; nothing was overwritten: plan again")]
    Changed { code: String, why: &'static str },
    #[error("HTTP {status}: {summary}")]
    Refused { status: u16, summary: String },
    /// No answer, or no token.
    #[error("{0}")]
    Request(String),
}

/// A precondition on a write.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Precondition {
    None,
    /// `If-None-Match: *`: create only.
    Absent,
    /// `If-Match: <etag>` (`*`: any version, but it must exist).
    Etag(String),
}

/// One record-set write of an apply.
struct Write {
    /// `op name type`, as the plan shows it.
    label: String,
    method: reqwest::Method,
    path: String,
    body: Option<J>,
    precondition: Precondition,
    rtype: String,
}

pub struct AzureProvider {
    id: String,
    settings: Settings,
    client: http::Client,
    auth: auth::Auth,
    caps: Capabilities,
    /// Azure's name servers per zone (IDNA, final dot), learnt when reading or creating it.
    name_servers: Mutex<HashMap<String, Vec<String>>>,
}

impl AzureProvider {
    pub fn new(cfg: &ProviderConfig) -> Result<Self, ProviderError> {
        let settings = Settings::from_config(cfg).map_err(|e| ProviderError::Config {
            provider: cfg.id.clone(),
            message: e.to_string(),
        })?;
        Self::with_settings(&cfg.id, settings)
    }

    pub fn with_settings(id: &str, settings: Settings) -> Result<Self, ProviderError> {
        let builder = reqwest::Client::builder()
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none());
        let client = http::Client::new(id, builder, Some(settings.timeout), policy(&settings))
            .map_err(|e| ProviderError::Config {
                provider: id.to_string(),
                message: e.to_string(),
            })?
            .scrubbing(Scrubber::new(settings.key.iter().map(String::as_str)));
        // the token endpoint gets its own client: same policy, the secret scrubbed
        let auth_client = http::Client::new(
            id,
            reqwest::Client::builder()
                .connect_timeout(settings.timeout)
                .redirect(reqwest::redirect::Policy::none()),
            Some(settings.timeout),
            policy(&settings),
        )
        .map_err(|e| ProviderError::Config {
            provider: id.to_string(),
            message: e.to_string(),
        })?
        .scrubbing(Scrubber::new(settings.key.iter().map(String::as_str)));
        let auth = auth::Auth::new(
            auth_client,
            settings.authority_host.clone(),
            settings.tenant_id.clone(),
            settings.client_id.clone(),
            settings.scope.clone(),
            settings.key.clone(),
            settings.federated.clone(),
        );
        Ok(AzureProvider {
            id: id.to_string(),
            settings,
            client,
            auth,
            caps: capabilities(),
            name_servers: Mutex::new(HashMap::new()),
        })
    }

    /// `…/resourceGroups/{g}/providers/Microsoft.Network` (no trailing slash).
    fn base(&self) -> String {
        format!(
            "{}/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network",
            self.settings.endpoint,
            url_component(&self.settings.subscription_id),
            url_component(&self.settings.resource_group)
        )
    }

    /// The path (below `base`) of a zone: Azure names zones without the final dot.
    fn zone_path(zone: &str) -> String {
        format!("dnsZones/{}", url_component(zone.trim_end_matches('.')))
    }

    fn record_path(zone: &str, rtype: &str, name: &str) -> String {
        format!(
            "{}/{rtype}/{}",
            Self::zone_path(zone),
            url_component(records::azure_name(name))
        )
    }

    fn with_version(url: String) -> String {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}api-version={API_VERSION}")
    }

    fn failed(&self, zone: &str, message: String) -> ProviderError {
        ProviderError::failed(&self.id, zone, message)
    }

    fn scrub(&self, s: &str) -> String {
        self.client.scrubber().scrub(s)
    }

    /// An answer's error code and message, shortened and scrubbed.
    fn error_summary(&self, r: &Response) -> String {
        super::answer_summary(&self.client, &error_text(r))
    }

    /// An API error: the status, the request, Azure's code and message.
    fn api_error(&self, zone: &str, what: &str, req: &Request, r: &Response) -> ProviderError {
        let body = format!("{what}: {}", self.error_summary(r));
        ProviderError::api(&self.id, zone, &self.client, req, r, body)
    }

    /// No token: an HTTP failure keeps its cause, the rest is the identity platform's word.
    fn auth_error(&self, zone: &str, e: auth::AuthError) -> ProviderError {
        match e {
            auth::AuthError::Request { source, .. } => ProviderError::Http {
                provider: self.id.clone(),
                zone: zone.to_string(),
                source,
            },
            other => self.failed(zone, self.scrub(&other.to_string())),
        }
    }

    fn http_error(&self, zone: &str, source: http::Error) -> ProviderError {
        ProviderError::http(&self.id, zone, source)
    }

    /// One API call with retries (`url` absolute, with its api-version). `Ok` for any answer
    /// that is not retried (the caller looks at the status; the answer tells whether an
    /// earlier try may have reached the server). A refused token is replaced once.
    async fn call(
        &self,
        zone: &str,
        method: reqwest::Method,
        url: &str,
        body: Option<&J>,
        pre: &Precondition,
    ) -> Result<(Request, Response), ProviderError> {
        let mut reauthed = false;
        loop {
            let token = self
                .auth
                .token()
                .await
                .map_err(|e| self.auth_error(zone, e))?;
            let mut req = Request::new(method.clone(), url)
                .bearer(&token)
                .header("Accept", "application/json");
            match pre {
                Precondition::None => {}
                Precondition::Absent => req = req.header("If-None-Match", "*"),
                Precondition::Etag(e) => req = req.header("If-Match", e),
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            let r = self
                .client
                .send(&req)
                .await
                .map_err(|e| self.http_error(zone, e))?;
            if r.status == 401 && !reauthed {
                // an expired or revoked token: get a new one, once
                reauthed = true;
                self.auth.invalidate().await;
                continue;
            }
            return Ok((req, r));
        }
    }

    async fn get(&self, zone: &str, url: &str) -> Result<(Request, Response), ProviderError> {
        self.call(zone, reqwest::Method::GET, url, None, &Precondition::None)
            .await
    }

    /// A 404 that says the resource itself is missing (not its resource group).
    fn not_found(r: &Response) -> bool {
        r.status == 404
            && matches!(
                error_code(r).as_deref(),
                Some("ResourceNotFound" | "NotFound") | None
            )
    }

    /// Every item of a list, following `nextLink` (on the endpoint only, each link once, at
    /// most `http::pages::MAX_PAGES` pages).
    async fn list(&self, zone: &str, first: String) -> Result<Vec<J>, ProviderError> {
        let mut items = Vec::new();
        // a token refused on the first page is replaced once, as in `call`
        let token = self
            .auth
            .token()
            .await
            .map_err(|e| self.auth_error(zone, e))?;
        let req = Request::get(first)
            .bearer(&token)
            .header("Accept", "application/json");
        self.client
            .follow(
                req,
                &self.settings.endpoint,
                http::pages::MAX_PAGES,
                |e| self.http_error(zone, e),
                |req, r| {
                    if !r.ok() {
                        let what = format!("GET {}", self.client.shown(&req.url));
                        return Err(self.api_error(zone, &what, req, &r));
                    }
                    let j = r.json().ok_or_else(|| {
                        self.http_error(
                            zone,
                            self.client.decode_error(req, "the answer is not JSON"),
                        )
                    })?;
                    match j.get("value") {
                        Some(J::Array(a)) => items.extend(a.iter().cloned()),
                        None | Some(J::Null) => {}
                        Some(_) => {
                            return Err(self.http_error(
                                zone,
                                self.client.decode_error(req, "`value` is not a list"),
                            ));
                        }
                    }
                    Ok(j.get("nextLink")
                        .and_then(J::as_str)
                        .filter(|l| !l.is_empty())
                        .map(str::to_string))
                },
            )
            .await?;
        Ok(items)
    }

    fn remember_name_servers(&self, zone: &str, zone_json: &J) {
        let ns: Vec<String> = zone_json
            .pointer("/properties/nameServers")
            .and_then(J::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(J::as_str)
                    .map(|s| {
                        let s = s.to_ascii_lowercase();
                        if s.ends_with('.') { s } else { format!("{s}.") }
                    })
                    .collect()
            })
            .unwrap_or_default();
        if !ns.is_empty() {
            self.name_servers
                .lock()
                .expect("not poisoned")
                .insert(zone.to_string(), ns);
        }
    }

    /// Azure's own name servers of a zone, if known.
    pub fn azure_name_servers(&self, zone: &str) -> Option<Vec<String>> {
        self.name_servers
            .lock()
            .expect("not poisoned")
            .get(zone)
            .cloned()
    }

    /// The zone as Azure holds it; `None` when it does not exist.
    pub async fn read(&self, zone: &str) -> Result<Option<Zone>, ProviderError> {
        super::check_zone(&self.id, zone)?;
        let url = Self::with_version(format!("{}/{}", self.base(), Self::zone_path(zone)));
        let (req, r) = self.get(zone, &url).await?;
        if Self::not_found(&r) {
            return Ok(None);
        }
        if !r.ok() {
            return Err(self.api_error(zone, &format!("GET {url}"), &req, &r));
        }
        if let Some(j) = r.json() {
            self.remember_name_servers(zone, &j);
        }
        let list = Self::with_version(format!(
            "{}/{}/recordsets",
            self.base(),
            Self::zone_path(zone)
        ));
        let mut z = Zone::new(zone);
        let mut aliases = Vec::new();
        for rs in self.list(zone, list).await? {
            match records::read(&rs) {
                Ok(Some(r)) => {
                    if let Some(dup) = z.insert(r) {
                        return Err(self.failed(
                            zone,
                            format!(
                                "the record set {} {} is listed twice",
                                records::azure_name(&dup.name),
                                dup.rtype.as_str()
                            ),
                        ));
                    }
                }
                Ok(None) => {
                    if records::is_alias(&rs) {
                        aliases.push(format!(
                            "{} {}",
                            rs.get("name").and_then(J::as_str).unwrap_or("?"),
                            records::type_of(&rs).unwrap_or("?")
                        ));
                    }
                }
                Err(e) => return Err(self.failed(zone, format!("cannot read {e}"))),
            }
        }
        if !aliases.is_empty() {
            tracing::warn!(
                provider = %self.id,
                zone,
                "alias record sets (targetResource) are not managed and left alone: {}",
                aliases.join(", ")
            );
        }
        Ok(Some(z))
    }

    pub async fn zones(&self) -> Result<Vec<String>, ProviderError> {
        let url = Self::with_version(format!("{}/dnsZones", self.base()));
        super::api_zone_names(
            &self.id,
            self.list("", url)
                .await?
                .iter()
                .filter_map(|z| z.get("name").and_then(J::as_str)),
        )
    }

    /// Create a zone; its name servers are remembered.
    async fn create_zone(&self, zone: &str) -> Result<(), ProviderError> {
        let url = Self::with_version(format!("{}/{}", self.base(), Self::zone_path(zone)));
        let body = json!({ "location": "global", "properties": { "zoneType": "Public" } });
        let (req, r) = self
            .call(
                zone,
                reqwest::Method::PUT,
                &url,
                Some(&body),
                &Precondition::Absent,
            )
            .await?;
        if r.status == 412 {
            // created meanwhile (or by a lost first try): read its name servers
            let (req, r) = self.get(zone, &url).await?;
            if !r.ok() {
                return Err(self.api_error(zone, &format!("GET {url}"), &req, &r));
            }
            if let Some(j) = r.json() {
                self.remember_name_servers(zone, &j);
            }
            return Ok(());
        }
        if !r.ok() {
            return Err(self.api_error(zone, &format!("create the zone: PUT {url}"), &req, &r));
        }
        if let Some(j) = r.json() {
            self.remember_name_servers(zone, &j);
        }
        tracing::info!(provider = %self.id, zone, "created the zone");
        Ok(())
    }

    /// The record set a change writes (the apex NS with Azure's name servers added).
    fn desired_set(&self, zone: &str, r: &RecordSet) -> RecordSet {
        if r.name.is_empty()
            && r.rtype == RecordType::Ns
            && let Some(ns) = self.azure_name_servers(zone)
        {
            return with_name_servers(r, &ns).0;
        }
        r.clone()
    }

    fn write_of(&self, zone: &str, c: &Change) -> Write {
        let label = format!(
            "{} {} {}",
            c.op.as_str(),
            records::azure_name(&c.name),
            c.rtype.as_str()
        );
        let path = Self::with_version(format!(
            "{}/{}",
            self.base(),
            Self::record_path(zone, c.rtype.as_str(), &c.name)
        ));
        let etag = c
            .existing
            .as_ref()
            .and_then(|e| e.provider_data.as_deref())
            .and_then(|d| d.get("etag"))
            .and_then(J::as_str)
            .map(|e| Precondition::Etag(e.to_string()))
            .unwrap_or(Precondition::Etag("*".into()));
        let apex_ns = c.name.is_empty() && c.rtype == RecordType::Ns;
        match c.op {
            Op::Delete => Write {
                label,
                method: reqwest::Method::DELETE,
                path,
                body: None,
                precondition: etag,
                rtype: c.rtype.as_str().to_string(),
            },
            Op::Create | Op::Update => {
                let r = self.desired_set(zone, c.record());
                let precondition = match c.op {
                    // Azure creates the apex NS with the zone: a "create" replaces it
                    Op::Create if apex_ns => Precondition::None,
                    Op::Create => Precondition::Absent,
                    _ => etag,
                };
                Write {
                    label,
                    method: reqwest::Method::PUT,
                    path,
                    body: Some(json!({ "properties": records::properties(&r) })),
                    precondition,
                    rtype: c.rtype.as_str().to_string(),
                }
            }
        }
    }

    /// Make one write; `Err(reason)` when it did not land.
    async fn write(&self, zone: &str, w: &Write) -> Result<(), WriteFailure> {
        let (_, r) = self
            .call(
                zone,
                w.method.clone(),
                &w.path,
                w.body.as_ref(),
                &w.precondition,
            )
            .await
            .map_err(|e| {
                WriteFailure::Request(match e {
                    ProviderError::Failed { message, .. } => message,
                    ProviderError::Http { source, .. } => source.to_string(),
                    other => other.to_string(),
                })
            })?;
        if r.ok() {
            return Ok(());
        }
        if r.status == 412 {
            if r.retried() && self.landed(zone, w).await {
                return Ok(());
            }
            let why = match w.precondition {
                Precondition::Absent => {
                    "it already exists on Azure (created since the plan, \
                                         or an alias record set dnsplan does not manage)"
                }
                _ => "it changed on Azure since the plan was computed (etag mismatch)",
            };
            return Err(WriteFailure::Changed {
                code: error_code(&r).unwrap_or_else(|| "PreconditionFailed".into()),
                why,
            });
        }
        Err(WriteFailure::Refused {
            status: r.status,
            summary: self.error_summary(&r),
        })
    }

    /// After a retried write met 412: does Azure now hold what was sent (the first try
    /// landed)?
    async fn landed(&self, zone: &str, w: &Write) -> bool {
        let Ok((_, r)) = self.get(zone, &w.path).await else {
            return false;
        };
        match (&w.method, &w.body) {
            (m, _) if *m == reqwest::Method::DELETE => r.status == 404,
            (_, Some(body)) if r.ok() => r.json().is_some_and(|j| {
                records::same_records(&j["properties"], &body["properties"], &w.rtype)
            }),
            _ => false,
        }
    }

    /// Run writes `write_concurrency` at a time; after the first failure none starts.
    /// Returns (applied labels, failures (label, reason), labels not attempted).
    async fn run_writes(
        &self,
        zone: &str,
        writes: &[Write],
        stop: &AtomicBool,
    ) -> (Vec<String>, Vec<(String, String)>, Vec<String>) {
        let jobs: Vec<_> = writes
            .iter()
            .enumerate()
            .map(|(i, w)| async move {
                if stop.load(Ordering::SeqCst) {
                    return (i, None);
                }
                let res = self.write(zone, w).await;
                if res.is_err() {
                    stop.store(true, Ordering::SeqCst);
                }
                (i, Some(res))
            })
            .collect();
        let results: Vec<(usize, Option<Result<(), WriteFailure>>)> =
            futures_util::stream::iter(jobs)
                .buffer_unordered(self.settings.write_concurrency.max(1))
                .collect()
                .await;
        let mut results = results;
        results.sort_by_key(|(i, _)| *i);
        let (mut applied, mut failed, mut skipped) = (Vec::new(), Vec::new(), Vec::new());
        for (i, res) in results {
            let label = writes[i].label.clone();
            match res {
                Some(Ok(())) => applied.push(label),
                Some(Err(why)) => failed.push((label, why.to_string())),
                None => skipped.push(label),
            }
        }
        (applied, failed, skipped)
    }

    /// Apply a plan: create the zone if needed, then deletes, then creates and updates.
    pub async fn apply_plan(&self, plan: &ZonePlan) -> Result<ApplyReport, ProviderError> {
        let zone = plan.zone.as_str();
        super::check_zone(&self.id, zone)?;
        // a record name is a path segment of the API: `..` or an empty label would address
        // another resource (a lenient zone lets such a name through validation)
        if let Some(c) = plan
            .changes
            .iter()
            .find(|c| !c.name.is_empty() && c.name.split('.').any(str::is_empty))
        {
            return Err(self.failed(
                zone,
                format!(
                    "record name {:?} has an empty label and cannot be written to Azure DNS; \
                     nothing was written",
                    c.name
                ),
            ));
        }
        if !plan.exists {
            self.create_zone(zone).await?;
        } else if self.azure_name_servers(zone).is_none()
            && plan
                .changes
                .iter()
                .any(|c| c.name.is_empty() && c.rtype == RecordType::Ns)
        {
            // a plan made by another process: learn Azure's name servers for the apex NS
            let url = Self::with_version(format!("{}/{}", self.base(), Self::zone_path(zone)));
            let (req, r) = self.get(zone, &url).await?;
            if !r.ok() {
                return Err(self.api_error(zone, &format!("GET {url}"), &req, &r));
            }
            if let Some(j) = r.json() {
                self.remember_name_servers(zone, &j);
            }
        }
        let (deletes, upserts): (Vec<&Change>, Vec<&Change>) =
            plan.changes.iter().partition(|c| c.op == Op::Delete);
        let deletes: Vec<Write> = deletes.iter().map(|c| self.write_of(zone, c)).collect();
        let upserts: Vec<Write> = upserts.iter().map(|c| self.write_of(zone, c)).collect();
        let stop = AtomicBool::new(false);
        let (mut applied, mut failed, mut skipped) = self.run_writes(zone, &deletes, &stop).await;
        if failed.is_empty() {
            let (a, f, s) = self.run_writes(zone, &upserts, &stop).await;
            applied.extend(a);
            failed.extend(f);
            skipped.extend(s);
        } else {
            skipped.extend(upserts.iter().map(|w| w.label.clone()));
        }
        if failed.is_empty() {
            return Ok(ApplyReport {
                applied: applied.len(),
            });
        }
        Err(self.failed(zone, failure_report(&applied, &failed, &skipped)))
    }

    /// octodns-azure's `_process_desired_zone`: Azure's name servers in the apex NS; and the
    /// 20-records limit, which Azure would only report at apply.
    pub fn process(
        &self,
        desired: Zone,
        strict: bool,
        warnings: &mut Vec<String>,
    ) -> Result<Zone, Vec<Unsupported>> {
        let mut errors = Vec::new();
        let mut out = Zone::new(desired.name.clone());
        let zone = desired.name.clone();
        let ns = self.azure_name_servers(&zone);
        for r in desired.records.into_values() {
            let shown = crate::model::idna_decode(&r.fqdn(&zone));
            if r.ttl == 0 {
                errors.push(Unsupported {
                    message: format!(
                        "{shown} {} has TTL 0; Azure DNS TTLs are 1 to 2147483647 seconds",
                        r.rtype.as_str()
                    ),
                });
            }
            if r.values.len() > records::MAX_RECORDS {
                errors.push(Unsupported {
                    message: format!(
                        "{shown} {} has {} values; Azure DNS holds at most {} records in a \
                         record set",
                        r.rtype.as_str(),
                        r.values.len(),
                        records::MAX_RECORDS
                    ),
                });
            }
            if r.name.is_empty()
                && r.rtype == RecordType::Ns
                && let Some(ns) = &ns
            {
                let (fixed, added) = with_name_servers(&r, ns);
                if added {
                    let msg = format!("required azure-dns.* root NS values missing from {shown}");
                    if strict {
                        errors.push(Unsupported {
                            message: format!(
                                "{msg} (Azure keeps its own name servers in the apex NS; \
                                 add {} or set strict_supports: false to have them added)",
                                ns.join(", ")
                            ),
                        });
                    } else {
                        warnings.push(format!("{msg}; adding them"));
                    }
                    out.insert(fixed);
                    continue;
                }
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

/// `r` (an apex NS) with Azure's name servers added; whether any was missing.
fn with_name_servers(r: &RecordSet, ns: &[String]) -> (RecordSet, bool) {
    let mut out = r.clone();
    let mut added = false;
    for n in ns {
        let v = Value::Target(n.clone());
        if !out.values.contains(&v) {
            out.values.push(v);
            added = true;
        }
    }
    out.normalize();
    (out, added)
}

impl Provider for AzureProvider {
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
