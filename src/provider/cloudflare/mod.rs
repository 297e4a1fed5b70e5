//! Cloudflare DNS over the API v4, with octodns-cloudflare's `CloudflareProvider` settings
//! (`settings`) and record layout (`records`).
//!
//! - Credentials: `token` (an API token, sent as `Authorization: Bearer`), or the legacy global
//!   API key in `token` with the account's `email` (`X-Auth-Email` + `X-Auth-Key`), as
//!   octodns-cloudflare sends them. Neither is ever shown: errors and logs are scrubbed.
//! - Reading: the zone's id by name (`GET /zones?name=…`, with `account.id` when set), then
//!   every page of `GET /zones/{id}/dns_records` (`records_per_page` a page, following
//!   `result_info` until the last page; a page that would repeat or a listing past
//!   `http::pages::MAX_PAGES` pages is an error, never a silent truncation). Types dnsplan does
//!   not manage (and page rules) are left out of the zone, so they are never deleted.
//! - Applying: a missing zone is created (`POST /zones`); then the plan's changes are sent as
//!   `POST /zones/{id}/dns_records/batch` requests of at most `batch_size` record changes
//!   (deletes, puts, posts; Cloudflare runs each batch in one transaction, deletes first).
//!   A change is never split across batches unless it alone is larger than one. After the
//!   first batch that fails nothing more is sent; the error lists the changes applied, the
//!   ones in the refused batch (with Cloudflare's error codes and messages) and the ones not
//!   sent, and the next plan shows exactly what is left. A batch whose answer was lost is
//!   reported as such (it may have landed), never sent twice.
//! - Rate: Cloudflare allows 1,200 requests per five minutes per user; every try takes a
//!   token from a bucket shared by every provider with the same credential, and a 429 waits
//!   for its `Retry-After` (at most `retry_period`), `retry_count` times.
//! - Capabilities: octodns-cloudflare's types (A, AAAA, ALIAS, CAA, CNAME, DS, HTTPS, LOC, MX,
//!   NAPTR, NS, PTR, SRV, SSHFP, SVCB, TLSA, TXT) and URI; no root NS (Cloudflare's own name
//!   servers answer for the apex), no dynamic or geo records. Checked before any request.

pub mod records;
pub mod settings;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use serde_json::{Value as J, json};

use super::{ApplyReport, BoxFut, Provider, ProviderError, failure_report, url_component};
use crate::config::ProviderConfig;
use crate::http::{self, Backoff, Bucket, Limits, Policy, Rate, Request, Response};
use crate::model::{Capabilities, RecordSet, RecordType, Zone};
use crate::plan::{Change, Op, Unsupported, ZonePlan};
use crate::secret::Scrubber;
use records::Flags;
pub use settings::Settings;

/// The record types dnsplan manages on Cloudflare.
pub fn supported_types() -> Vec<RecordType> {
    records::TYPES
        .iter()
        .map(|t| RecordType::core(t).expect("core types"))
        .collect()
}

fn capabilities() -> Capabilities {
    Capabilities {
        // the apex NS is Cloudflare's own name servers
        root_ns: false,
        ..Capabilities::static_records(supported_types())
    }
}

/// Requests in flight at once (Cloudflare's limit is on the rate, this keeps bursts polite).
const CONCURRENCY: usize = 4;

/// Cloudflare's answer envelope: `errors` as `code: message; …`.
fn error_text(r: &Response) -> String {
    let Some(j) = r.json() else {
        return r.body.clone();
    };
    let errors: Vec<String> = j
        .get("errors")
        .and_then(J::as_array)
        .map(|a| {
            a.iter()
                .map(|e| {
                    let code = e.get("code").map(|c| c.to_string()).unwrap_or_default();
                    let msg = e.get("message").and_then(J::as_str).unwrap_or_default();
                    let chain: Vec<String> = e
                        .get("error_chain")
                        .and_then(J::as_array)
                        .map(|c| {
                            c.iter()
                                .filter_map(|x| x.get("message").and_then(J::as_str))
                                .map(str::to_string)
                                .collect()
                        })
                        .unwrap_or_default();
                    let mut s = format!("{code}: {msg}");
                    if !chain.is_empty() {
                        s.push_str(&format!(" ({})", chain.join("; ")));
                    }
                    s
                })
                .collect()
        })
        .unwrap_or_default();
    if errors.is_empty() {
        r.body.clone()
    } else {
        errors.join("; ")
    }
}

/// One record-object change inside a batch.
#[derive(Clone, Debug)]
enum Item {
    Delete(String),
    Put(String, J),
    Post(J),
}

/// The items of one plan change, with the label the plan shows.
struct Unit {
    label: String,
    items: Vec<Item>,
}

pub struct CloudflareProvider {
    id: String,
    settings: Settings,
    client: http::Client,
    caps: Capabilities,
    /// The credential's request bucket (shared by every provider with the same credential).
    bucket: std::sync::Arc<Bucket>,
    /// Zone ids by zone name (IDNA, final dot), learnt when reading or creating.
    zone_ids: Mutex<HashMap<String, String>>,
}

impl CloudflareProvider {
    pub fn new(cfg: &ProviderConfig) -> Result<Self, ProviderError> {
        let settings = Settings::from_config(cfg).map_err(|e| ProviderError::Config {
            provider: cfg.id.clone(),
            message: e.to_string(),
        })?;
        Self::with_settings(&cfg.id, settings)
    }

    pub fn with_settings(id: &str, settings: Settings) -> Result<Self, ProviderError> {
        let policy = Policy {
            max_retries: settings.retry_count,
            max_status_retries: settings.retry_count,
            backoff: Backoff {
                first: settings.backoff,
                cap: settings.retry_period,
            },
            max_retry_after: settings.retry_period,
        };
        let builder = reqwest::Client::builder()
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none());
        let bucket = Bucket::shared(settings.auth.secret(), Rate::CLOUDFLARE);
        let mut secrets = vec![settings.auth.secret().to_string()];
        if let settings::Auth::Key { email, .. } = &settings.auth {
            secrets.push(email.clone());
        }
        let client = http::Client::new(id, builder, Some(settings.timeout), policy)
            .map_err(|e| ProviderError::Config {
                provider: id.to_string(),
                message: e.to_string(),
            })?
            .scrubbing(Scrubber::new(secrets.iter().map(String::as_str)))
            .limits(
                Limits::default()
                    .concurrency(CONCURRENCY)
                    .rate(bucket.clone()),
            );
        Ok(CloudflareProvider {
            id: id.to_string(),
            settings,
            client,
            caps: capabilities(),
            bucket,
            zone_ids: Mutex::new(HashMap::new()),
        })
    }

    /// The credential's request bucket, shared by every provider with the same credential.
    pub fn rate_bucket(&self) -> &std::sync::Arc<Bucket> {
        &self.bucket
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
                "; check the token (it needs Zone:Read, DNS:Read and DNS:Edit) or email + key"
            }
            _ => "",
        };
        let body = format!("{what}: {}{hint}", self.summary(r));
        ProviderError::api(&self.id, zone, &self.client, req, r, body)
    }

    fn request(&self, method: reqwest::Method, path_and_query: &str) -> Request {
        let req = Request::new(method, format!("{}{path_and_query}", self.settings.api_url))
            .header("Accept", "application/json");
        match &self.settings.auth {
            settings::Auth::Token(t) => req.bearer(t),
            settings::Auth::Key { email, key } => req
                .header("X-Auth-Email", email.as_str())
                .header("X-Auth-Key", key.as_str()),
        }
    }

    /// Send, and read a successful envelope's JSON (`Err` for any other answer).
    async fn call(&self, zone: &str, what: &str, req: Request) -> Result<J, ProviderError> {
        let r = self
            .client
            .send(&req)
            .await
            .map_err(|e| self.http_error(zone, e))?;
        if !r.ok() {
            return Err(self.api_error(zone, what, &req, &r));
        }
        let j = r.json().ok_or_else(|| {
            self.http_error(
                zone,
                self.client.decode_error(&req, "the answer is not JSON"),
            )
        })?;
        if j.get("success").and_then(J::as_bool) == Some(false) {
            return Err(self.api_error(zone, what, &req, &r));
        }
        Ok(j)
    }

    /// Every item of a paged listing (`page` / `per_page`, until `result_info` says the last
    /// page was read).
    async fn list(&self, zone: &str, path: &str, per_page: u32) -> Result<Vec<J>, ProviderError> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let what = format!("GET {path}");
        let mut pages = http::Pages::new(what.clone(), http::pages::MAX_PAGES).first(1u64);
        let mut items = Vec::new();
        let mut page = 1u64;
        loop {
            let req = self.request(
                reqwest::Method::GET,
                &format!("{path}{sep}page={page}&per_page={per_page}"),
            );
            let j = self.call(zone, &what, req.clone()).await?;
            let result = match j.get("result") {
                Some(J::Array(a)) => a,
                _ => {
                    return Err(self.http_error(
                        zone,
                        self.client.decode_error(&req, "`result` is not a list"),
                    ));
                }
            };
            items.extend(result.iter().cloned());
            let info = j.get("result_info");
            let count = info
                .and_then(|i| i.get("count"))
                .and_then(J::as_u64)
                .unwrap_or(result.len() as u64);
            let total_pages = info.and_then(|i| i.get("total_pages")).and_then(J::as_u64);
            let more = match total_pages {
                Some(t) => page < t,
                None => count > 0 && count >= u64::from(per_page),
            };
            if !more || result.is_empty() {
                return Ok(items);
            }
            page += 1;
            pages.next(page).map_err(|e| self.http_error(zone, e))?;
        }
    }

    fn account_filter(&self) -> String {
        match &self.settings.account_id {
            Some(a) => format!("&account.id={}", url_component(a)),
            None => String::new(),
        }
    }

    /// The zone's id, `None` when Cloudflare has no such zone.
    async fn zone_id(&self, zone: &str) -> Result<Option<String>, ProviderError> {
        if let Some(id) = self.zone_ids.lock().expect("not poisoned").get(zone) {
            return Ok(Some(id.clone()));
        }
        let bare = zone.trim_end_matches('.');
        let path = format!(
            "/zones?name={}{}",
            url_component(bare),
            self.account_filter()
        );
        let found = self.list(zone, &path, self.settings.zones_per_page).await?;
        let ids: Vec<String> = found
            .iter()
            .filter(|z| {
                z.get("name")
                    .and_then(J::as_str)
                    .is_some_and(|n| n.eq_ignore_ascii_case(bare))
            })
            .filter_map(|z| z.get("id").and_then(J::as_str).map(str::to_string))
            .collect();
        match ids.as_slice() {
            [] => Ok(None),
            [id] => {
                self.remember(zone, id);
                Ok(Some(id.clone()))
            }
            _ => Err(self.failed(
                zone,
                format!(
                    "{} zones named {bare} are visible to this credential ({}); set \
                     `account_id` to the account that holds the one to manage",
                    ids.len(),
                    ids.join(", ")
                ),
            )),
        }
    }

    fn remember(&self, zone: &str, id: &str) {
        self.zone_ids
            .lock()
            .expect("not poisoned")
            .insert(zone.to_string(), id.to_string());
    }

    /// A zone id as a path segment (Cloudflare's are 32 hex digits).
    fn checked_id<'a>(&self, zone: &str, id: &'a str) -> Result<&'a str, ProviderError> {
        super::checked_id(&self.id, zone, id)
    }

    /// The zone as Cloudflare holds it; `None` when it does not exist.
    pub async fn read(&self, zone: &str) -> Result<Option<Zone>, ProviderError> {
        super::check_zone(&self.id, zone)?;
        let Some(id) = self.zone_id(zone).await? else {
            return Ok(None);
        };
        let id = self.checked_id(zone, &id)?.to_string();
        let objs = self
            .list(
                zone,
                &format!("/zones/{id}/dns_records"),
                self.settings.records_per_page,
            )
            .await?;
        Ok(Some(self.zone_of(zone, &objs)?))
    }

    /// Group a zone's objects by name and type into record sets.
    fn zone_of(&self, zone: &str, objs: &[J]) -> Result<Zone, ProviderError> {
        let mut z = Zone::new(zone);
        let mut groups: BTreeMap<(String, RecordType), Vec<&J>> = BTreeMap::new();
        let mut left_alone = 0usize;
        for o in objs {
            let name = o.get("name").and_then(J::as_str).unwrap_or_default();
            let ty = o.get("type").and_then(J::as_str).unwrap_or_default();
            let Some(rel) = z.relative(&format!("{}.", name.trim_end_matches('.'))) else {
                return Err(self.failed(
                    zone,
                    format!("the record {name} {ty} listed in the zone is not inside it"),
                ));
            };
            match records::model_type(ty, rel.is_empty()) {
                Some(t) => groups.entry((rel, t)).or_default().push(o),
                None => left_alone += 1,
            }
        }
        if left_alone > 0 {
            tracing::debug!(provider = %self.id, zone, left_alone, "records of types dnsplan does not manage are left alone");
        }
        for ((rel, t), list) in groups {
            let rs = records::read(&rel, t.clone(), &list).map_err(|e| {
                self.failed(
                    zone,
                    format!(
                        "cannot read {} {}: {e}",
                        records::cf_name(&rel, zone),
                        records::cf_type(&t)
                    ),
                )
            })?;
            z.insert(rs);
        }
        Ok(z)
    }

    pub async fn zones(&self) -> Result<Vec<String>, ProviderError> {
        let filter = self.account_filter();
        let path = match filter.strip_prefix('&') {
            Some(f) => format!("/zones?{f}"),
            None => "/zones".to_string(),
        };
        super::api_zone_names(
            &self.id,
            self.list("*", &path, self.settings.zones_per_page)
                .await?
                .iter()
                .filter_map(|z| z.get("name").and_then(J::as_str)),
        )
    }

    async fn create_zone(&self, zone: &str) -> Result<String, ProviderError> {
        let mut body =
            json!({"name": zone.trim_end_matches('.'), "jump_start": false, "type": "full"});
        if let Some(a) = &self.settings.account_id {
            body["account"] = json!({ "id": a });
        }
        let req = self.request(reqwest::Method::POST, "/zones").json(&body);
        let j = self.call(zone, "create the zone: POST /zones", req).await?;
        let id = j
            .pointer("/result/id")
            .and_then(J::as_str)
            .unwrap_or_default()
            .to_string();
        let id = self.checked_id(zone, &id)?.to_string();
        self.remember(zone, &id);
        tracing::info!(provider = %self.id, zone, "created the zone");
        Ok(id)
    }

    /// The existing objects of a record set (what `read` put in `provider_data`).
    fn existing_objects(r: Option<&RecordSet>) -> Option<Vec<J>> {
        let d = r?.provider_data.as_deref()?;
        d.get("objects").and_then(J::as_array).cloned()
    }

    /// The batch items of one change.
    fn unit_of(&self, zone: &str, c: &Change, existing: &[J]) -> Unit {
        let label = format!(
            "{} {} {}",
            c.op.as_str(),
            if c.name.is_empty() { "@" } else { &c.name },
            c.rtype.as_str()
        );
        let id_of = |o: &J| {
            o.get("id")
                .and_then(J::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let mut items = Vec::new();
        match (&c.op, &c.desired) {
            (Op::Delete, _) | (_, None) => {
                items.extend(existing.iter().map(|o| Item::Delete(id_of(o))));
            }
            (_, Some(d)) => {
                let flags = Flags::of(d);
                let ttl = flags.ttl(d.ttl, self.settings.min_ttl);
                let mut by_key: HashMap<String, &J> =
                    existing.iter().map(|o| (text_of(o, "key"), o)).collect();
                let mut posts = Vec::new();
                for obj in records::objects(d, zone, self.settings.min_ttl) {
                    let k = records::key(&obj);
                    match by_key.remove(&k) {
                        None => posts.push((k, obj)),
                        Some(old) => {
                            let same = old.get("ttl").and_then(J::as_u64) == Some(u64::from(ttl))
                                && old.get("proxied").and_then(J::as_bool).unwrap_or(false)
                                    == (flags.proxied
                                        && records::PROXIABLE.contains(&d.rtype.as_str()))
                                && text_of(old, "comment") == flags.comment
                                && old.get("tags").cloned().unwrap_or(json!([]))
                                    == json!(flags.tags);
                            if !same {
                                items.push(Item::Put(id_of(old), obj));
                            }
                        }
                    }
                }
                // as octodns-cloudflare: an old object and a new value pair into one
                // overwrite (a CNAME's only value changes in place), the rest are deleted or
                // created
                let mut gone: Vec<&J> = by_key.into_values().collect();
                gone.sort_by_key(|o| text_of(o, "key"));
                posts.sort_by(|a, b| a.0.cmp(&b.0));
                let mut gone = gone.into_iter();
                for (_, obj) in posts {
                    match gone.next() {
                        Some(old) => items.push(Item::Put(id_of(old), obj)),
                        None => items.push(Item::Post(obj)),
                    }
                }
                items.extend(gone.map(|o| Item::Delete(id_of(o))));
            }
        }
        Unit { label, items }
    }

    /// Batches of at most `batch_size` items, a change kept in one batch where it fits.
    fn batches(&self, units: &[Unit]) -> Vec<Vec<(usize, Item)>> {
        let max = self.settings.batch_size.max(1);
        let mut out: Vec<Vec<(usize, Item)>> = Vec::new();
        let mut cur: Vec<(usize, Item)> = Vec::new();
        for (i, u) in units.iter().enumerate() {
            if !cur.is_empty() && cur.len() + u.items.len() > max {
                out.push(std::mem::take(&mut cur));
            }
            for item in &u.items {
                if cur.len() == max {
                    out.push(std::mem::take(&mut cur));
                }
                cur.push((i, item.clone()));
            }
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        out
    }

    fn batch_body(batch: &[(usize, Item)]) -> J {
        let (mut deletes, mut puts, mut posts) = (Vec::new(), Vec::new(), Vec::new());
        for (_, item) in batch {
            match item {
                Item::Delete(id) => deletes.push(json!({ "id": id })),
                Item::Put(id, obj) => {
                    let mut o = obj.clone();
                    o["id"] = J::String(id.clone());
                    puts.push(o);
                }
                Item::Post(obj) => posts.push(obj.clone()),
            }
        }
        let mut body = serde_json::Map::new();
        for (k, v) in [("deletes", deletes), ("puts", puts), ("posts", posts)] {
            if !v.is_empty() {
                body.insert(k.into(), J::Array(v));
            }
        }
        J::Object(body)
    }

    /// Apply a plan: create the zone if needed, then the changes in batches.
    pub async fn apply_plan(&self, plan: &ZonePlan) -> Result<ApplyReport, ProviderError> {
        let zone = plan.zone.as_str();
        super::check_zone(&self.id, zone)?;
        let id = if plan.exists {
            match self.zone_id(zone).await? {
                Some(id) => id,
                None => {
                    return Err(self.failed(
                        zone,
                        "the zone no longer exists on Cloudflare; plan again".into(),
                    ));
                }
            }
        } else {
            self.create_zone(zone).await?
        };
        let id = self.checked_id(zone, &id)?.to_string();
        // a plan made elsewhere (a plan file) carries no object ids: read them now
        let needs_ids = plan
            .changes
            .iter()
            .any(|c| c.existing.is_some() && Self::existing_objects(c.existing.as_ref()).is_none());
        let current = if needs_ids {
            let objs = self
                .list(
                    zone,
                    &format!("/zones/{id}/dns_records"),
                    self.settings.records_per_page,
                )
                .await?;
            Some(self.zone_of(zone, &objs)?)
        } else {
            None
        };
        // octodns-cloudflare's order: deletes, creates, updates (a DS after its NS)
        let mut changes: Vec<&Change> = plan.changes.iter().collect();
        changes.sort_by_key(|c| {
            let op = match c.op {
                Op::Delete => 0,
                Op::Create => 1,
                Op::Update => 2,
            };
            let ds = c.op == Op::Create && c.rtype == RecordType::Ds;
            (op, c.name.clone(), ds)
        });
        let units: Vec<Unit> = changes
            .iter()
            .map(|c| {
                let existing = match (&current, &c.existing) {
                    (Some(z), Some(_)) => {
                        Self::existing_objects(z.get(&c.name, &c.rtype)).unwrap_or_default()
                    }
                    _ => Self::existing_objects(c.existing.as_ref()).unwrap_or_default(),
                };
                self.unit_of(zone, c, &existing)
            })
            .collect();
        let batches = self.batches(&units);
        // per change: items sent in batches that landed
        let mut landed = vec![0usize; units.len()];
        let path = format!("/zones/{id}/dns_records/batch");
        for (n, batch) in batches.iter().enumerate() {
            let req = self
                .request(reqwest::Method::POST, &path)
                .json(&Self::batch_body(batch));
            let outcome = self.client.send(&req).await;
            let why = match outcome {
                Ok(r)
                    if r.ok()
                        && r.json().and_then(|j| j.get("success").and_then(J::as_bool))
                            != Some(false) =>
                {
                    for (i, _) in batch {
                        landed[*i] += 1;
                    }
                    continue;
                }
                Ok(r) => format!(
                    "Cloudflare refused the batch (HTTP {}): {}; nothing of it was applied",
                    r.status,
                    self.summary(&r)
                ),
                Err(e) => format!(
                    "{}; the batch may or may not have been applied: plan again to see",
                    self.client.scrubber().scrub(&e.to_string())
                ),
            };
            let in_batch: std::collections::BTreeSet<usize> =
                batch.iter().map(|(i, _)| *i).collect();
            let (mut applied, mut failed, mut skipped) = (Vec::new(), Vec::new(), Vec::new());
            for (i, u) in units.iter().enumerate() {
                if u.items.is_empty() || landed[i] == u.items.len() {
                    applied.push(u.label.clone());
                } else if in_batch.contains(&i) {
                    let part = if landed[i] > 0 {
                        format!(
                            " ({} of its {} record changes landed before)",
                            landed[i],
                            u.items.len()
                        )
                    } else {
                        String::new()
                    };
                    failed.push((format!("{}{part}", u.label), why.clone()));
                } else {
                    skipped.push(u.label.clone());
                }
            }
            let mut report = failure_report(&applied, &failed, &skipped);
            report.push_str(&format!(
                "\n  (batch {} of {}, {} record changes)",
                n + 1,
                batches.len(),
                batch.len()
            ));
            return Err(self.failed(zone, report));
        }
        Ok(ApplyReport {
            applied: units.len(),
        })
    }

    /// octodns-cloudflare's `_process_desired_zone` and `_include_change`, as a rewrite of the
    /// desired zone: a proxied or auto-TTL record's TTL is Cloudflare's (it reads back as
    /// 300), a TTL below `min_ttl` is written as `min_ttl`; a DS needs an NS at its name;
    /// `proxied` on a type Cloudflare cannot proxy is refused.
    pub fn process(
        &self,
        desired: Zone,
        strict: bool,
        warnings: &mut Vec<String>,
    ) -> Result<Zone, Vec<Unsupported>> {
        let zone = desired.name.clone();
        let mut errors = Vec::new();
        let mut out = Zone::new(zone.clone());
        let ns_names: std::collections::HashSet<String> = desired
            .iter()
            .filter(|r| r.rtype == RecordType::Ns)
            .map(|r| r.name.clone())
            .collect();
        let mut clamped = Vec::new();
        for mut r in desired.records.into_values() {
            let shown = crate::model::idna_decode(&r.fqdn(&zone));
            let flags = Flags::of(&r);
            if r.rtype == RecordType::Ds && !ns_names.contains(&r.name) {
                let msg = format!(
                    "DS record {shown} does not have a corresponding NS record and Cloudflare \
                     requires it"
                );
                if strict {
                    errors.push(Unsupported { message: msg });
                } else {
                    warnings.push(format!("{msg}; omitting the record"));
                }
                continue;
            }
            if flags.proxied && !records::PROXIABLE.contains(&r.rtype.as_str()) {
                errors.push(Unsupported {
                    message: format!(
                        "{shown} {}: `octodns.cloudflare.proxied` applies to A, AAAA, CNAME and \
                         ALIAS only; use `auto-ttl: true` for an automatic TTL",
                        r.rtype.as_str()
                    ),
                });
                continue;
            }
            if flags.proxied || flags.auto_ttl {
                r.ttl = 300;
            } else if r.ttl < self.settings.min_ttl {
                clamped.push(format!("{shown} {}", r.rtype.as_str()));
                r.ttl = self.settings.min_ttl;
            }
            out.insert(r);
        }
        if !clamped.is_empty() {
            let n = clamped.len();
            clamped.truncate(5);
            warnings.push(format!(
                "{n} record{} with a TTL below min_ttl {} written with TTL {} (Cloudflare's \
                 minimum): {}{}",
                if n == 1 { "" } else { "s" },
                self.settings.min_ttl,
                self.settings.min_ttl,
                clamped.join(", "),
                if n > 5 { ", …" } else { "" }
            ));
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

fn text_of(o: &J, k: &str) -> String {
    o.get(k).and_then(J::as_str).unwrap_or_default().to_string()
}

impl Provider for CloudflareProvider {
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

    /// octodns-cloudflare's `_extra_changes`: the same values with other Cloudflare flags
    /// (proxied, auto-ttl, comment, tags) must be rewritten.
    fn extra_changes(&self, existing: &Zone, desired: &Zone) -> Vec<(String, RecordType)> {
        desired
            .iter()
            .filter(|d| {
                existing
                    .get(&d.name, &d.rtype)
                    .is_some_and(|e| Flags::of(e) != Flags::of(d))
            })
            .map(|d| (d.name.clone(), d.rtype.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests;
