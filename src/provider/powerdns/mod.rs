//! PowerDNS Authoritative over its HTTP API (octodns-powerdns's `PowerDnsProvider`).
//!
//! Settings are octodns-powerdns 1.2's: `host` and `api_key` (required), `port` (8081),
//! `scheme` (`http`), `server_id` (`localhost`), `timeout` (5 s per request), `soa_edit_api`
//! (`default`), `mode_of_operation` (`master`), `notify` (false), `ssl_verify` (true, false, or
//! the path of a PEM CA bundle as in requests) and `enable_dynamic` (unset: dynamic records
//! are supported when `GET …/config` shows `enable-lua-records` yes/shared and the geoip
//! backend; true/false forces it).
//!
//! - Reading: `GET /api/v1/servers/{server_id}/zones/{zone}`; 404 (or 422 "Could not find
//!   domain" from servers before 4.2) means the zone does not exist. Every rrset becomes a
//!   record set (`content` module): the SOA is skipped, disabled records are not values,
//!   unknown types (LUA, HINFO, …) are kept as `PowerDnsProvider/TYPE` data, which no plan
//!   ever deletes.
//! - Applying: a missing zone is created by one `POST …/zones` holding every record of the
//!   plan as rrsets (`kind` from `mode_of_operation`, `nameservers: []`, so the apex NS is the
//!   one the zone files configure, and `soa_edit_api`); an existing zone gets one `PATCH`
//!   with `changetype` `DELETE`/`REPLACE`, deletes first (PowerDNS applies the rrsets in
//!   order, so an A→CNAME swap at one name needs the delete before the replace). Then
//!   `PUT …/notify` when `notify` is set.
//! - Requests go through `crate::http`: timeouts, connection failures, 408, 429 and 5xx are
//!   retried with exponential backoff and jitter (each wait a random 50–100 % of its step,
//!   capped at 5 s; a `Retry-After` is honoured up to 30 s), 4 tries in all: PowerDNS on
//!   sqlite3 answers 500 "database is locked" when writes overlap. Every request is safe to
//!   repeat: a PATCH replaces or deletes whole rrsets, and a create whose retry meets 409 (the
//!   first try did create the zone) continues as a PATCH. Errors are `ProviderError::Api` with
//!   the status and PowerDNS's message (truncated, the API key scrubbed) and the request as
//!   the source, or `ProviderError::Http` when no answer came.
//! - Capabilities: every core type PowerDNS 4.7 stores but URLFWD (not a DNS type), ALIAS
//!   only when the server runs with `expand-alias=yes` (read once from `GET …/config`;
//!   without it PowerDNS answers NODATA for an ALIAS name), root NS, multi-value PTR;
//!   dynamic A/AAAA/CNAME with subnets (no pool value status, as octodns-powerdns) as one
//!   `LUA` rrset each (`lua` module); a static↔dynamic switch deletes the old rrset type in
//!   the same PATCH.

pub mod content;
pub mod lua;
pub mod settings;

use std::time::Duration;

use serde_json::{Value as J, json};
use tokio::sync::OnceCell;

use super::{ApplyReport, BoxFut, Provider, ProviderError};
use crate::config::ProviderConfig;
use crate::http::{self, Backoff, Policy, Request, Response};
use crate::model::{Capabilities, RecordType, Zone};
use crate::plan::{Op, ZonePlan};
use crate::secret::Scrubber;
pub use settings::{Settings, SslVerify};

/// A zone name as a URL path segment, as octodns-powerdns encodes it (`quote_plus`, then `%`
/// → `=`: PowerDNS 4.7 wants `=2F` for the `/` of RFC 2317 zones).
pub fn encode_zone_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("={b:02X}")),
        }
    }
    out
}

/// The record types PowerDNS 4.7 stores that the model carries (ALIAS decided separately).
pub fn supported_types(alias: bool) -> Vec<RecordType> {
    RecordType::CORE
        .iter()
        .filter(|t| match t {
            RecordType::Urlfwd => false,
            RecordType::Alias => alias,
            _ => true,
        })
        .cloned()
        .collect()
}

fn capabilities(alias: bool, dynamic: bool) -> Capabilities {
    Capabilities {
        types: Some(supported_types(alias)),
        root_ns: true,
        dynamic,
        geo: false,
        dynamic_subnets: dynamic,
        pool_value_status: false,
        multivalue_ptr: true,
        healthchecks: false,
        ttl_free: Vec::new(),
    }
}

/// PowerDNS's `{"error": "…"}` message, or the plain body.
fn error_text(r: &Response) -> String {
    r.json()
        .and_then(|j| j.get("error").and_then(J::as_str).map(str::to_string))
        .unwrap_or_else(|| r.body.clone())
}

/// The retry policy: `max_attempts` tries, back-off from `backoff` up to 5 s.
fn policy(s: &Settings) -> Policy {
    let retries = s.max_attempts.max(1) - 1;
    Policy {
        max_retries: retries,
        max_status_retries: retries,
        backoff: Backoff {
            first: s.backoff,
            cap: Duration::from_secs(5),
        },
        max_retry_after: Duration::from_secs(30),
    }
}

pub struct PowerDnsProvider {
    id: String,
    settings: Settings,
    client: http::Client,
    /// Capabilities before the server was asked (no ALIAS).
    base_caps: Capabilities,
    /// Capabilities once `GET …/config` said whether ALIAS is expanded.
    probed: OnceCell<Capabilities>,
}

impl PowerDnsProvider {
    pub fn new(cfg: &ProviderConfig) -> Result<Self, ProviderError> {
        let settings = Settings::from_config(cfg).map_err(|e| ProviderError::Config {
            provider: cfg.id.clone(),
            message: e.to_string(),
        })?;
        Self::with_settings(&cfg.id, settings)
    }

    pub fn with_settings(id: &str, settings: Settings) -> Result<Self, ProviderError> {
        let config_err = |message: String| ProviderError::Config {
            provider: id.to_string(),
            message,
        };
        let mut b = reqwest::Client::builder().connect_timeout(settings.timeout);
        match &settings.ssl_verify {
            SslVerify::Yes => {}
            SslVerify::No => b = b.danger_accept_invalid_certs(true),
            SslVerify::CaBundle(path) => {
                let pem = std::fs::read(path)
                    .map_err(|e| config_err(format!("ssl_verify: cannot read {path}: {e}")))?;
                let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                    config_err(format!("ssl_verify: {path} is not a PEM bundle: {e}"))
                })?;
                b = b.tls_certs_merge(certs);
            }
        }
        let client = http::Client::new(id, b, Some(settings.timeout), policy(&settings))
            .map_err(|e| config_err(e.to_string()))?
            .scrubbing(Scrubber::new([settings.api_key.as_str()]));
        let forced = settings.enable_dynamic == Some(true);
        Ok(PowerDnsProvider {
            id: id.to_string(),
            settings,
            client,
            base_caps: capabilities(false, forced),
            probed: OnceCell::new(),
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    fn url(&self, path: &str) -> String {
        let base = format!(
            "{}/api/v1/servers/{}",
            self.settings.base_url(),
            encode_zone_name(&self.settings.server_id)
        );
        if path.is_empty() {
            base
        } else {
            format!("{base}/{path}")
        }
    }

    fn failed(&self, zone: &str, message: String) -> ProviderError {
        ProviderError::Failed {
            provider: self.id.clone(),
            zone: zone.to_string(),
            message,
        }
    }

    /// An API error: PowerDNS's message, shortened and scrubbed of the API key.
    fn api_error(&self, zone: &str, req: &Request, r: &Response) -> ProviderError {
        let mut body = http::excerpt(self.client.scrubber(), &error_text(r));
        if r.status == 401 && body.is_empty() {
            body = "Unauthorized".into();
        }
        ProviderError::Api {
            provider: self.id.clone(),
            zone: zone.to_string(),
            status: r.status,
            body,
            source: Box::new(self.client.status_error(req, r)),
        }
    }

    /// A request to the API (`path` below the server).
    fn request(&self, method: reqwest::Method, path: &str, body: Option<&J>) -> Request {
        let mut req = Request::new(method, self.url(path))
            .header("X-API-Key", &self.settings.api_key)
            .header("Accept", "application/json")
            // every PowerDNS call is safe to repeat (see the module header)
            .idempotent(true);
        if let Some(b) = body {
            req = req.json(b);
        }
        req
    }

    /// Send with retries. `Ok` for any answer (the caller looks at the status; the response
    /// tells whether an earlier try may have reached the server); `Err` when the server could
    /// not be reached in the end.
    async fn send(&self, zone: &str, req: &Request) -> Result<Response, ProviderError> {
        self.client
            .send(req)
            .await
            .map_err(|source| ProviderError::Http {
                provider: self.id.clone(),
                zone: zone.to_string(),
                source: Box::new(source),
            })
    }

    /// `request` and `send`.
    async fn call(
        &self,
        zone: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<&J>,
    ) -> Result<(Request, Response), ProviderError> {
        let req = self.request(method, path, body);
        let r = self.send(zone, &req).await?;
        Ok((req, r))
    }

    /// Ask the server once whether it expands ALIAS records.
    async fn probe(&self, zone: &str) -> Result<&Capabilities, ProviderError> {
        self.probed
            .get_or_try_init(|| async {
                let (req, r) = self
                    .call(zone, reqwest::Method::GET, "config", None)
                    .await?;
                if r.status == 401 || r.status == 403 {
                    return Err(self.api_error(zone, &req, &r));
                }
                let config: Vec<J> = if r.ok() {
                    r.json()
                        .and_then(|j| j.as_array().cloned())
                        .unwrap_or_default()
                } else {
                    Vec::new()
                };
                let setting = |name: &str| -> Option<&str> {
                    config
                        .iter()
                        .find(|s| s.get("name").and_then(J::as_str) == Some(name))
                        .and_then(|s| s.get("value").and_then(J::as_str))
                };
                let alias = setting("expand-alias") == Some("yes");
                let dynamic = self.settings.enable_dynamic.unwrap_or_else(|| {
                    let lua = matches!(setting("enable-lua-records"), Some("yes" | "shared"));
                    let geoip = setting("launch")
                        .unwrap_or_default()
                        .split(',')
                        .any(|b| b.trim() == "geoip")
                        || !setting("geoip-database-files")
                            .unwrap_or_default()
                            .is_empty();
                    lua && geoip
                });
                Ok(capabilities(alias, dynamic))
            })
            .await
    }

    /// The zone as PowerDNS holds it; `None` when it does not exist.
    pub async fn read(&self, zone: &str) -> Result<Option<Zone>, ProviderError> {
        super::check_zone(&self.id, zone)?;
        self.probe(zone).await?;
        let path = format!("zones/{}", encode_zone_name(zone));
        let (req, r) = self.call(zone, reqwest::Method::GET, &path, None).await?;
        if r.status == 404
            || (r.status == 422 && error_text(&r).starts_with("Could not find domain"))
        {
            return Ok(None);
        }
        if !r.ok() {
            return Err(self.api_error(zone, &req, &r));
        }
        let data = r.json().ok_or_else(|| ProviderError::Http {
            provider: self.id.clone(),
            zone: zone.to_string(),
            source: Box::new(self.client.decode_error(&req, "the zone is not valid JSON")),
        })?;
        let mut z = Zone::new(zone);
        for rr in data
            .get("rrsets")
            .and_then(J::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            match content::rrset(&z, rr) {
                Ok(Some(rs)) => {
                    z.insert(rs);
                }
                Ok(None) => {}
                Err(e) => {
                    return Err(self.failed(zone, format!("cannot read a record: {e}")));
                }
            }
        }
        Ok(Some(z))
    }

    /// The rrset changes of a plan, deletes first.
    pub fn mods(plan: &ZonePlan) -> Vec<J> {
        let mut deletes = Vec::new();
        let mut replaces = Vec::new();
        for c in &plan.changes {
            let r = c.record();
            let name = r.fqdn(&plan.zone);
            // a dynamic A/AAAA/CNAME is stored as a LUA rrset: when an update moves a record
            // between the two forms, the old rrset goes in the same PATCH
            let old_type = c.existing.as_ref().map(lua::stored_type);
            match c.op {
                Op::Delete => deletes.push(json!({
                    "name": name,
                    "type": old_type.unwrap_or_else(|| c.rtype.as_str().to_string()),
                    "changetype": "DELETE",
                })),
                Op::Create | Op::Update => {
                    let new_type = lua::stored_type(r);
                    if let Some(old) = old_type.filter(|o| *o != new_type) {
                        deletes.push(json!({
                            "name": name,
                            "type": old,
                            "changetype": "DELETE",
                        }));
                    }
                    replaces.push(json!({
                        "name": name,
                        "type": new_type,
                        "ttl": r.ttl,
                        "changetype": "REPLACE",
                        "records": content::records(r, &name),
                    }))
                }
            }
        }
        deletes.extend(replaces);
        deletes
    }

    async fn patch(&self, zone: &str, mods: &[J]) -> Result<(), ProviderError> {
        if mods.is_empty() {
            return Ok(());
        }
        let path = format!("zones/{}", encode_zone_name(zone));
        let body = json!({ "rrsets": mods });
        let (req, r) = self
            .call(zone, reqwest::Method::PATCH, &path, Some(&body))
            .await?;
        if r.ok() {
            Ok(())
        } else {
            Err(self.api_error(zone, &req, &r))
        }
    }

    async fn create(&self, zone: &str, mods: &[J]) -> Result<(), ProviderError> {
        let rrsets: Vec<J> = mods
            .iter()
            .filter(|m| m["changetype"] == "REPLACE")
            .cloned()
            .collect();
        let body = json!({
            "name": zone,
            "kind": self.settings.mode_of_operation,
            "masters": [],
            "nameservers": [],
            "rrsets": rrsets,
            "soa_edit_api": self.settings.soa_edit_api,
        });
        let (req, r) = self
            .call(zone, reqwest::Method::POST, "zones", Some(&body))
            .await?;
        if r.ok() {
            return Ok(());
        }
        if r.status == 409 && r.retried() {
            // an earlier try created the zone before its answer was lost
            return self.patch(zone, mods).await;
        }
        Err(self.api_error(zone, &req, &r))
    }

    /// Apply a plan: create the zone or patch it, then notify.
    pub async fn apply_plan(&self, plan: &ZonePlan) -> Result<ApplyReport, ProviderError> {
        let zone = plan.zone.as_str();
        super::check_zone(&self.id, zone)?;
        let mods = Self::mods(plan);
        if plan.exists {
            self.patch(zone, &mods).await?;
        } else {
            self.create(zone, &mods).await?;
        }
        if self.settings.notify {
            let path = format!("zones/{}/notify", encode_zone_name(zone));
            let (req, r) = self.call(zone, reqwest::Method::PUT, &path, None).await?;
            if !r.ok() {
                return Err(self.api_error(zone, &req, &r));
            }
        }
        Ok(ApplyReport {
            applied: plan.changes.len(),
        })
    }

    pub async fn zones(&self) -> Result<Vec<String>, ProviderError> {
        let (req, r) = self.call("", reqwest::Method::GET, "zones", None).await?;
        if !r.ok() {
            return Err(self.api_error("", &req, &r));
        }
        let names: Vec<String> = r
            .json()
            .and_then(|j| j.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|z| z.get("name").and_then(J::as_str).map(str::to_string))
            .collect();
        super::checked_names(&self.id, names)
    }
}

impl Provider for PowerDnsProvider {
    fn id(&self) -> &str {
        &self.id
    }

    fn capabilities(&self) -> &Capabilities {
        self.probed.get().unwrap_or(&self.base_caps)
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
}

#[cfg(test)]
mod tests;
