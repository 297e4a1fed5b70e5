//! NS1 (IBM NS1 Connect) over its REST API v1, with octodns-ns1 1.0's `Ns1Provider` settings
//! (`settings`), plain-record answers (`records`), dynamic-record layout (`dynamic`) and
//! health-check monitors (`monitors`).
//!
//! - Credentials: `api_key`, sent as `X-NSONE-Key`; never shown (errors are scrubbed).
//! - Reading: `GET /zones/{zone}` with every page of its record list (NS1 pages long zones
//!   with a `Link: <…>; rel="next"` header); records of more than one tier (answers with
//!   meta, filters) of the types that can be dynamic are read whole
//!   (`GET /zones/{zone}/{domain}/{type}`), four at a time. A record in octodns-ns1's dynamic
//!   layout reads as a dynamic record; one with filters or meta of another making reads as
//!   its answers, with a warning, and is rewritten plain when it is planned plain. The
//!   account's monitors (`GET /monitoring/jobs`) are read when the zone holds dynamic
//!   records, so a changed or missing monitor is planned as an update (octodns-ns1's
//!   `_extra_changes`).
//! - Applying: a missing zone is created (`PUT /zones/{zone}`; the apex NS NS1 makes with it
//!   is overwritten by the plan's); deletes first, then creates (`PUT`) and updates (`POST`
//!   `/zones/{zone}/{domain}/{type}`), four at a time; a dynamic record's monitors, notify
//!   lists, the `octoDNS NS1 Data Source` and its feeds are made, updated and removed around
//!   its write, one dynamic record at a time. No new write starts after the first failure,
//!   and the error lists each change as applied, failed or not applied.
//! - Rate: NS1 limits each key with a token bucket and reports it on every answer
//!   (`X-RateLimit-Limit`, `-Remaining`, `-Period`); the client's bucket, shared by every
//!   provider with the same key, follows that report and leaves `parallelism` tokens for
//!   other clients of the key; a 429 waits for one token's refill, `retry_count` times.
//! - Capabilities: octodns-ns1's types (A, AAAA, ALIAS, CAA, CNAME, DNAME, DS, MX, NAPTR, NS,
//!   PTR, SPF, SRV, TLSA, TXT, URLFWD), root NS, dynamic records with subnets, forced pool
//!   value status and health checks (HTTP, HTTPS, TCP, ICMP); geo rules AF, AS, EU, NA, SA
//!   and their countries and subdivisions. The deprecated `geo:` map is not held.

pub mod dynamic;
pub mod monitors;
pub mod records;
pub mod settings;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value as J, json};

use super::{ApplyReport, BoxFut, Provider, ProviderError, url_component, writes};
use crate::config::ProviderConfig;
use crate::http::{self, Backoff, Bucket, Limits, Policy, Rate, Reported, Request, Response};
use crate::model::{Capabilities, RecordSet, RecordType, Status, Zone};
use crate::plan::{Change, Op, Unsupported, ZonePlan};
use crate::secret::Scrubber;
pub use settings::Settings;

/// Requests in flight at once.
const CONCURRENCY: usize = 4;

/// The data source octodns-ns1 feeds monitors' states through.
pub const DATA_SOURCE: &str = "octoDNS NS1 Data Source";
/// The notify list every monitor shares with `shared_notifylist`.
pub const SHARED_NOTIFY_LIST: &str = "octoDNS NS1 Notify List";

/// NS1's bucket before its first report (the documented example: 900 per 300 s).
const FIRST_GUESS: Rate = Rate {
    requests: 900,
    per: Duration::from_secs(300),
    burst: 900,
};

pub fn supported_types() -> Vec<RecordType> {
    records::TYPES
        .iter()
        .map(|t| RecordType::core(t).expect("core types"))
        .collect()
}

fn capabilities() -> Capabilities {
    Capabilities {
        types: Some(supported_types()),
        root_ns: true,
        dynamic: true,
        geo: false,
        dynamic_subnets: true,
        pool_value_status: true,
        multivalue_ptr: true,
        healthchecks: true,
        ttl_free: Vec::new(),
    }
}

fn header_u32(h: &reqwest::header::HeaderMap, k: &str) -> Option<u32> {
    h.get(k)?.to_str().ok()?.trim().parse().ok()
}

/// NS1's report of the key's bucket.
fn reported(h: &reqwest::header::HeaderMap) -> Option<Reported> {
    Some(Reported {
        limit: header_u32(h, "x-ratelimit-limit")?,
        remaining: header_u32(h, "x-ratelimit-remaining")?,
        period: Duration::from_secs(u64::from(header_u32(h, "x-ratelimit-period")?)),
    })
}

/// A 429 waits for one token: the period over the limit.
fn throttled(status: u16, h: &reqwest::header::HeaderMap, _body: &str) -> Option<Option<Duration>> {
    if status != 429 {
        return None;
    }
    Some(reported(h).map(|r| r.period.div_f64(f64::from(r.limit.max(1)))))
}

/// NS1's error bodies: `{"message": "…"}`.
fn error_text(r: &Response) -> String {
    r.json()
        .and_then(|j| j.get("message").and_then(J::as_str).map(str::to_string))
        .unwrap_or_else(|| r.body.clone())
}

/// A whole record read (`None`: gone since the listing), with its name and type.
type Fetched = Result<(String, RecordType, Option<J>), ProviderError>;

/// The account's monitoring state while an apply changes it (octodns-ns1's client caches),
/// each part read when first needed.
#[derive(Default)]
struct MonitorState {
    /// Monitors by id.
    monitors: Option<BTreeMap<String, J>>,
    /// Notify lists by name.
    lists: Option<BTreeMap<String, J>>,
    source: Option<String>,
    /// Feed ids by the monitor (job) id they carry.
    feeds: Option<HashMap<String, String>>,
}

pub struct Ns1Provider {
    id: String,
    settings: Settings,
    client: http::Client,
    caps: Capabilities,
    bucket: Arc<Bucket>,
}

impl Ns1Provider {
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
                cap: Duration::from_secs(60),
            },
            max_retry_after: Duration::from_secs(300),
        };
        let builder = reqwest::Client::builder()
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none());
        let bucket = Bucket::shared(&settings.api_key, FIRST_GUESS);
        let client = http::Client::new(id, builder, Some(settings.timeout), policy)
            .map_err(|e| ProviderError::Config {
                provider: id.to_string(),
                message: e.to_string(),
            })?
            .scrubbing(Scrubber::new([settings.api_key.as_str()]))
            .throttle(throttled)
            .limits(
                Limits::default()
                    .concurrency(CONCURRENCY)
                    .rate(bucket.clone())
                    .reported(reported, settings.parallelism),
            );
        Ok(Ns1Provider {
            id: id.to_string(),
            settings,
            client,
            caps: capabilities(),
            bucket,
        })
    }

    /// The key's request bucket, shared by every provider with the same key.
    pub fn rate_bucket(&self) -> &Arc<Bucket> {
        &self.bucket
    }

    fn failed(&self, zone: &str, message: String) -> ProviderError {
        ProviderError::failed(&self.id, zone, message)
    }

    fn request(&self, method: reqwest::Method, path: &str) -> Request {
        Request::new(method, format!("{}{path}", self.settings.api_url))
            .header("X-NSONE-Key", self.settings.api_key.as_str())
            .header("Accept", "application/json")
    }

    fn api_error(&self, zone: &str, what: &str, req: &Request, r: &Response) -> ProviderError {
        let hint = match r.status {
            401 | 403 => "; check `api_key` (it needs the DNS and monitoring permissions)",
            _ => "",
        };
        let body = format!(
            "{what}: {}{hint}",
            super::answer_summary(&self.client, &error_text(r))
        );
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

    /// `call` where a 404 is an error too.
    async fn must(&self, zone: &str, what: &str, req: Request) -> Result<J, ProviderError> {
        let path = http::shown_url(&req.url);
        match self.call(zone, what, req).await? {
            Some(j) => Ok(j),
            None => Err(self.failed(zone, format!("{what}: NS1 answered 404 for {path}"))),
        }
    }

    /// A list NS1 returns whole (monitors, notify lists, data sources, feeds).
    async fn list(&self, zone: &str, path: &str) -> Result<Vec<J>, ProviderError> {
        let what = format!("GET {path}");
        let req = self.request(reqwest::Method::GET, path);
        match self.must(zone, &what, req).await? {
            J::Array(a) => Ok(a),
            _ => Err(self.failed(zone, format!("{what}: the answer is not a list"))),
        }
    }

    fn zone_path(zone: &str) -> String {
        format!("/zones/{}", url_component(zone.trim_end_matches('.')))
    }

    fn record_path(zone: &str, fqdn: &str, t: &RecordType) -> String {
        format!(
            "{}/{}/{}",
            Self::zone_path(zone),
            url_component(fqdn.trim_end_matches('.')),
            url_component(t.as_str())
        )
    }

    /// The zone object with every page of its records; `None` when NS1 has no such zone.
    async fn zone_object(&self, zone: &str) -> Result<Option<J>, ProviderError> {
        let first = self.request(reqwest::Method::GET, &Self::zone_path(zone));
        let mut head: Option<J> = None;
        let mut records: Vec<J> = Vec::new();
        let mut missing = false;
        let res = self
            .client
            .follow(
                first,
                &self.settings.api_url,
                http::pages::MAX_PAGES,
                |e| ProviderError::http(&self.id, zone, e),
                |req, r| {
                    if r.status == 404 && head.is_none() {
                        missing = true;
                        return Ok(None);
                    }
                    if !r.ok() {
                        return Err(self.api_error(zone, "read the zone", req, &r));
                    }
                    let Some(mut j) = r.json() else {
                        return Err(ProviderError::http(
                            &self.id,
                            zone,
                            self.client.decode_error(req, "the answer is not JSON"),
                        ));
                    };
                    match j.get_mut("records").map(J::take) {
                        Some(J::Array(a)) => records.extend(a),
                        Some(J::Null) | None => {}
                        Some(_) => {
                            return Err(ProviderError::http(
                                &self.id,
                                zone,
                                self.client.decode_error(req, "`records` is not a list"),
                            ));
                        }
                    }
                    if head.is_none() {
                        head = Some(j);
                    }
                    Ok(http::pages::next_link(&r.headers)
                        .map(|l| https_link(&self.settings.api_url, l)))
                },
            )
            .await;
        res?;
        if missing {
            return Ok(None);
        }
        let mut z = head.unwrap_or(json!({}));
        z["records"] = J::Array(records);
        Ok(Some(z))
    }

    /// Every monitor of the account.
    async fn all_monitors(&self, zone: &str) -> Result<Vec<J>, ProviderError> {
        self.list(zone, "/monitoring/jobs").await
    }

    /// The zone as NS1 holds it; `None` when it does not exist.
    pub async fn read(&self, zone: &str) -> Result<Option<Zone>, ProviderError> {
        super::check_zone(&self.id, zone)?;
        let Some(obj) = self.zone_object(zone).await? else {
            return Ok(None);
        };
        let mut z = Zone::new(zone);
        let summaries = obj
            .get("records")
            .and_then(J::as_array)
            .cloned()
            .unwrap_or_default();
        let mut full_needed = Vec::new();
        let mut plain = Vec::new();
        for s in summaries {
            let t = s.get("type").and_then(J::as_str).unwrap_or_default();
            let Some(rt) = records::model_type(t) else {
                continue;
            };
            let domain = s.get("domain").and_then(J::as_str).unwrap_or_default();
            let Some(name) = z.relative(&format!("{}.", domain.trim_end_matches('.'))) else {
                return Err(self.failed(
                    zone,
                    format!("the record {domain} {t} listed in the zone is not inside it"),
                ));
            };
            let tier = s.get("tier").and_then(J::as_i64).unwrap_or(1);
            if tier > 1 && rt.supports_dynamic() {
                full_needed.push((name, rt, domain.to_string()));
            } else {
                plain.push((name, rt, s));
            }
        }
        for (name, rt, s) in plain {
            let answers: Vec<String> = s
                .get("short_answers")
                .and_then(J::as_array)
                .into_iter()
                .flatten()
                .map(|a| a.as_str().map_or_else(|| a.to_string(), str::to_string))
                .collect();
            let rs = self.plain_record(zone, &name, &rt, &s, &answers)?;
            z.insert(rs);
        }
        // whole records, four at a time
        let fetched: Vec<Fetched> = futures_util::stream::iter(full_needed.into_iter().map(
            |(name, rt, domain)| async move {
                let path = Self::record_path(zone, &domain, &rt);
                let req = self.request(reqwest::Method::GET, &path);
                let j = self.call(zone, &format!("GET {path}"), req).await?;
                Ok((name, rt, j))
            },
        ))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
        let mut dynamic_records = Vec::new();
        for f in fetched {
            let (name, rt, full) = f?;
            // removed between the listing and this read: not there
            let Some(full) = full else { continue };
            if dynamic::is_octodns_layout(&rt, &full) {
                dynamic_records.push((name, rt, full));
            } else {
                let answers: Vec<String> = full
                    .get("answers")
                    .and_then(J::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|a| a.get("answer"))
                    .map(records::short_answer)
                    .collect();
                tracing::warn!(
                    provider = %self.id, zone, record = %full.get("domain").and_then(J::as_str).unwrap_or_default(),
                    rtype = rt.as_str(),
                    "the record has filters or answer meta not in octodns-ns1's layout: read as its answers; planned plain, it is rewritten plain"
                );
                let mut rs = self.plain_record(zone, &name, &rt, &full, &answers)?;
                rs.provider_data = Some(Arc::new(json!({"foreign": true})));
                z.insert(rs);
            }
        }
        if !dynamic_records.is_empty() {
            let monitors = self.all_monitors(zone).await?;
            for (name, rt, full) in dynamic_records {
                let data = dynamic::read(&rt, &full).map_err(|e| {
                    self.failed(
                        zone,
                        format!(
                            "cannot read {} {}: {e}",
                            super::shown_name(&name, zone),
                            rt.as_str()
                        ),
                    )
                })?;
                let node = crate::yaml::de::node_from_json(&data);
                let ttl = full.get("ttl").and_then(J::as_u64).unwrap_or(3600) as u32;
                let Some(mut rs) = crate::model::build::record_from_node(&name, &node, ttl) else {
                    return Err(self.failed(
                        zone,
                        format!(
                            "cannot read {} {}",
                            super::shown_name(&name, zone),
                            rt.as_str()
                        ),
                    ));
                };
                let mine = monitors::of_record(&monitors, &rs.fqdn(zone), &rt);
                rs.provider_data = Some(Arc::new(json!({
                    "filters": full.get("filters").cloned().unwrap_or(json!([])),
                    "monitors": mine,
                })));
                z.insert(rs);
            }
        }
        Ok(Some(z))
    }

    /// A record from its answers' texts, as octodns-ns1 reads a plain record.
    fn plain_record(
        &self,
        zone: &str,
        name: &str,
        rt: &RecordType,
        obj: &J,
        answers: &[String],
    ) -> Result<RecordSet, ProviderError> {
        let t = rt.as_str();
        let values: Vec<J> = answers
            .iter()
            .map(|a| records::value_data(t, a))
            .collect::<Result<_, _>>()
            .map_err(|e| {
                self.failed(
                    zone,
                    format!("cannot read {} {t}: {e}", super::shown_name(name, zone)),
                )
            })?;
        let ttl = obj.get("ttl").and_then(J::as_u64).unwrap_or(3600) as u32;
        let data = json!({"type": t, "ttl": ttl, "values": values});
        let node = crate::yaml::de::node_from_json(&data);
        crate::model::build::record_from_node(name, &node, ttl).ok_or_else(|| {
            self.failed(
                zone,
                format!("cannot read {} {t}", super::shown_name(name, zone)),
            )
        })
    }

    pub async fn zones(&self) -> Result<Vec<String>, ProviderError> {
        super::api_zone_names(
            &self.id,
            self.list("*", "/zones")
                .await?
                .iter()
                .filter_map(|z| z.get("zone").and_then(J::as_str)),
        )
    }

    // ---- monitoring state ------------------------------------------------------------------

    async fn monitors_mut<'s>(
        &self,
        zone: &str,
        st: &'s mut MonitorState,
    ) -> Result<&'s mut BTreeMap<String, J>, ProviderError> {
        if st.monitors.is_none() {
            let all = self.all_monitors(zone).await?;
            st.monitors = Some(
                all.into_iter()
                    .filter_map(|m| Some((m.get("id")?.as_str()?.to_string(), m)))
                    .collect(),
            );
        }
        Ok(st.monitors.as_mut().expect("just filled"))
    }

    async fn lists_mut<'s>(
        &self,
        zone: &str,
        st: &'s mut MonitorState,
    ) -> Result<&'s mut BTreeMap<String, J>, ProviderError> {
        if st.lists.is_none() {
            let all = self.list(zone, "/lists").await?;
            st.lists = Some(
                all.into_iter()
                    .filter_map(|l| Some((l.get("name")?.as_str()?.to_string(), l)))
                    .collect(),
            );
        }
        Ok(st.lists.as_mut().expect("just filled"))
    }

    /// The id of octodns-ns1's data source, made when missing.
    async fn source_id(&self, zone: &str, st: &mut MonitorState) -> Result<String, ProviderError> {
        if let Some(s) = &st.source {
            return Ok(s.clone());
        }
        let found = self
            .list(zone, "/data/sources")
            .await?
            .into_iter()
            .find(|s| s.get("name").and_then(J::as_str) == Some(DATA_SOURCE));
        let source = match found {
            Some(s) => s,
            None => {
                let req = self
                    .request(reqwest::Method::PUT, "/data/sources")
                    .json(&json!({"name": DATA_SOURCE, "sourcetype": "nsone_monitoring"}));
                tracing::info!(provider = %self.id, "creating the data source {DATA_SOURCE}");
                self.must(zone, "create the data source", req).await?
            }
        };
        let id = self.id_of(zone, &source)?;
        st.source = Some(id.clone());
        Ok(id)
    }

    fn id_of(&self, zone: &str, obj: &J) -> Result<String, ProviderError> {
        let id = obj.get("id").and_then(J::as_str).unwrap_or_default();
        Ok(super::checked_id(&self.id, zone, id)?.to_string())
    }

    async fn feeds_mut<'s>(
        &self,
        zone: &str,
        st: &'s mut MonitorState,
    ) -> Result<&'s mut HashMap<String, String>, ProviderError> {
        if st.feeds.is_none() {
            let source = self.source_id(zone, st).await?;
            let feeds = self.list(zone, &format!("/data/feeds/{source}")).await?;
            st.feeds = Some(
                feeds
                    .into_iter()
                    .filter_map(|f| {
                        let job = f.pointer("/config/jobid")?.as_str()?.to_string();
                        Some((job, f.get("id")?.as_str()?.to_string()))
                    })
                    .collect(),
            );
        }
        Ok(st.feeds.as_mut().expect("just filled"))
    }

    async fn feed_create(
        &self,
        zone: &str,
        st: &mut MonitorState,
        monitor: &J,
    ) -> Result<String, ProviderError> {
        let source = self.source_id(zone, st).await?;
        let job = self.id_of(zone, monitor)?;
        let name = format!(
            "{} - {}",
            monitor.get("name").and_then(J::as_str).unwrap_or_default(),
            crate::random::hex::<3>()
        );
        let req = self
            .request(reqwest::Method::PUT, &format!("/data/feeds/{source}"))
            .json(&json!({"name": name, "config": {"jobid": job}}));
        let feed = self.must(zone, "create a data feed", req).await?;
        let id = self.id_of(zone, &feed)?;
        self.feeds_mut(zone, st).await?.insert(job, id.clone());
        Ok(id)
    }

    /// The notify list called `name`, made when missing.
    async fn notify_list(
        &self,
        zone: &str,
        st: &mut MonitorState,
        name: &str,
    ) -> Result<String, ProviderError> {
        if let Some(l) = self.lists_mut(zone, st).await?.get(name) {
            return self.id_of(zone, l);
        }
        let source = self.source_id(zone, st).await?;
        let req = self.request(reqwest::Method::PUT, "/lists").json(&json!({
            "name": name,
            "notify_list": [{"config": {"sourceid": source}, "type": "datafeed"}],
        }));
        let l = self.must(zone, "create a notify list", req).await?;
        let id = self.id_of(zone, &l)?;
        self.lists_mut(zone, st).await?.insert(name.to_string(), l);
        Ok(id)
    }

    /// Create a monitor (with its notify list and feed); its id and its feed's.
    async fn monitor_create(
        &self,
        zone: &str,
        st: &mut MonitorState,
        mut m: J,
    ) -> Result<(String, String), ProviderError> {
        let list_name = if self.settings.shared_notifylist {
            SHARED_NOTIFY_LIST.to_string()
        } else {
            m.get("name")
                .and_then(J::as_str)
                .unwrap_or_default()
                .to_string()
        };
        m["notify_list"] = J::String(self.notify_list(zone, st, &list_name).await?);
        let req = self
            .request(reqwest::Method::PUT, "/monitoring/jobs")
            .json(&m);
        let made = self.must(zone, "create a monitor", req).await?;
        let id = self.id_of(zone, &made)?;
        self.monitors_mut(zone, st)
            .await?
            .insert(id.clone(), made.clone());
        let feed = self.feed_create(zone, st, &made).await?;
        Ok((id, feed))
    }

    /// Delete a monitor, its feed, and its notify list unless it is the shared one.
    async fn monitor_delete(
        &self,
        zone: &str,
        st: &mut MonitorState,
        m: &J,
    ) -> Result<(), ProviderError> {
        let id = self.id_of(zone, m)?;
        if let Some(feed) = self.feeds_mut(zone, st).await?.get(&id).cloned() {
            let source = self.source_id(zone, st).await?;
            let feed = super::checked_id(&self.id, zone, &feed)?.to_string();
            let req = self.request(
                reqwest::Method::DELETE,
                &format!("/data/feeds/{source}/{feed}"),
            );
            self.call(zone, "delete a data feed", req).await?;
            self.feeds_mut(zone, st).await?.retain(|_, f| *f != feed);
        }
        let req = self.request(reqwest::Method::DELETE, &format!("/monitoring/jobs/{id}"));
        self.call(zone, "delete a monitor", req).await?;
        self.monitors_mut(zone, st).await?.remove(&id);
        if let Some(list) = m.get("notify_list").and_then(J::as_str) {
            let lists = self.lists_mut(zone, st).await?;
            let found = lists
                .iter()
                .find(|(_, l)| l.get("id").and_then(J::as_str) == Some(list))
                .map(|(n, _)| n.clone());
            if let Some(name) = found.filter(|n| n != SHARED_NOTIFY_LIST) {
                let list = super::checked_id(&self.id, zone, list)?.to_string();
                let req = self.request(reqwest::Method::DELETE, &format!("/lists/{list}"));
                self.call(zone, "delete a notify list", req).await?;
                self.lists_mut(zone, st).await?.remove(&name);
            }
        }
        Ok(())
    }

    /// Remove the feeds of octodns-ns1's data source whose monitor is gone (deleted in the
    /// portal): they feed nothing. Only when this apply read both.
    async fn prune_feeds(&self, zone: &str, st: &mut MonitorState) -> Result<(), ProviderError> {
        let (Some(monitors), Some(feeds), Some(source)) = (&st.monitors, &st.feeds, &st.source)
        else {
            return Ok(());
        };
        let orphans: Vec<String> = feeds
            .iter()
            .filter(|(job, _)| !monitors.contains_key(*job))
            .map(|(_, f)| f.clone())
            .collect();
        for feed in orphans {
            let feed = super::checked_id(&self.id, zone, &feed)?.to_string();
            tracing::info!(provider = %self.id, zone, feed, "removing the data feed of a deleted monitor");
            let req = self.request(
                reqwest::Method::DELETE,
                &format!("/data/feeds/{source}/{feed}"),
            );
            self.call(zone, "delete a data feed", req).await?;
        }
        Ok(())
    }

    /// Bring a value's monitor to what is expected (octodns-ns1's `_monitor_sync`); its id
    /// and its feed's.
    async fn monitor_sync(
        &self,
        zone: &str,
        st: &mut MonitorState,
        expected: J,
        have: Option<J>,
    ) -> Result<(String, String), ProviderError> {
        let Some(have) = have else {
            return self.monitor_create(zone, st, expected).await;
        };
        let mut id = self.id_of(zone, &have)?;
        let no_list = have
            .get("notify_list")
            .and_then(J::as_str)
            .is_none_or(str::is_empty);
        if !monitors::is_match(&expected, &have) || no_list {
            if expected.get("job_type") == have.get("job_type") {
                let mut body = expected.clone();
                if no_list {
                    let name = if self.settings.shared_notifylist {
                        SHARED_NOTIFY_LIST.to_string()
                    } else {
                        expected
                            .get("name")
                            .and_then(J::as_str)
                            .unwrap_or_default()
                            .to_string()
                    };
                    body["notify_list"] = J::String(self.notify_list(zone, st, &name).await?);
                }
                let req = self
                    .request(reqwest::Method::POST, &format!("/monitoring/jobs/{id}"))
                    .json(&body);
                let updated = self.must(zone, "update a monitor", req).await?;
                self.monitors_mut(zone, st)
                    .await?
                    .insert(id.clone(), updated);
            } else {
                // NS1 cannot change a monitor's job type: replace it
                self.monitor_delete(zone, st, &have).await?;
                return self.monitor_create(zone, st, expected).await;
            }
        }
        let feed = match self.feeds_mut(zone, st).await?.get(&id).cloned() {
            Some(f) => f,
            None => {
                tracing::warn!(provider = %self.id, zone, monitor = %id, "the monitor has no data feed: creating one");
                let m = self
                    .monitors_mut(zone, st)
                    .await?
                    .get(&id)
                    .cloned()
                    .unwrap_or(have);
                id = self.id_of(zone, &m)?;
                self.feed_create(zone, st, &m).await?
            }
        };
        Ok((id, feed))
    }

    /// The monitors of a record as NS1 has them now.
    async fn record_monitors(
        &self,
        zone: &str,
        st: &mut MonitorState,
        r: &RecordSet,
    ) -> Result<BTreeMap<String, J>, ProviderError> {
        let all = self.monitors_mut(zone, st).await?;
        Ok(monitors::of_record(all.values(), &r.fqdn(zone), &r.rtype))
    }

    /// Delete a record's monitors that are not in `keep`.
    async fn monitors_gc(
        &self,
        zone: &str,
        st: &mut MonitorState,
        r: &RecordSet,
        keep: &BTreeSet<String>,
    ) -> Result<(), ProviderError> {
        for m in self.record_monitors(zone, st, r).await?.into_values() {
            if m.get("id")
                .and_then(J::as_str)
                .is_some_and(|id| keep.contains(id))
            {
                continue;
            }
            self.monitor_delete(zone, st, &m).await?;
        }
        Ok(())
    }

    /// A dynamic record's body (answers, filters, regions, ttl) with its monitors synced; the
    /// monitors it uses.
    async fn dynamic_body(
        &self,
        zone: &str,
        st: &mut MonitorState,
        r: &RecordSet,
    ) -> Result<(J, BTreeSet<String>), ProviderError> {
        let d = r.dynamic.as_ref().expect("a dynamic record");
        let existing = self.record_monitors(zone, st, r).await?;
        let mut active = BTreeSet::new();
        let mut feed_of: HashMap<String, String> = HashMap::new();
        let mut values: BTreeMap<String, Vec<dynamic::Answer>> = BTreeMap::new();
        for (name, pool) in &d.pools {
            for v in &pool.values {
                let value = v.value.to_rdata();
                let feed = if v.status == Status::Obey {
                    match feed_of.get(&value) {
                        Some(f) => Some(f.clone()),
                        None => {
                            let expected = monitors::expected(r, zone, &value, &self.settings)
                                .map_err(|e| {
                                    self.failed(
                                        zone,
                                        format!(
                                            "{} {}: {e}",
                                            super::shown_name(&r.name, zone),
                                            r.rtype.as_str()
                                        ),
                                    )
                                })?;
                            let (mid, feed) = self
                                .monitor_sync(zone, st, expected, existing.get(&value).cloned())
                                .await?;
                            active.insert(mid);
                            feed_of.insert(value.clone(), feed.clone());
                            Some(feed)
                        }
                    }
                } else {
                    None
                };
                values
                    .entry(name.clone())
                    .or_default()
                    .push(dynamic::Answer {
                        value,
                        weight: v.weight,
                        feed,
                        status: v.status,
                    });
            }
        }
        let regions = dynamic::regions(d);
        let answers = dynamic::answers(d, r, &regions.regions, &values);
        let body = json!({
            "answers": answers,
            "filters": dynamic::chain(regions.region, regions.country, regions.subnet),
            "regions": regions.regions,
            "ttl": r.ttl,
        });
        Ok((body, active))
    }

    /// Write one change; `Err` carries the reason for the report.
    async fn write(
        &self,
        zone: &str,
        c: &Change,
        new_zone: bool,
        st: &tokio::sync::Mutex<MonitorState>,
    ) -> Result<(), String> {
        let rec = c.record();
        let fqdn = rec.fqdn(zone);
        let path = Self::record_path(zone, &fqdn, &c.rtype);
        let involves_monitors = c.desired.as_ref().is_some_and(|d| d.dynamic.is_some())
            || c.existing.as_ref().is_some_and(|e| e.dynamic.is_some());
        // one dynamic record at a time: they share the account's monitoring state
        let mut guard = if involves_monitors {
            Some(st.lock().await)
        } else {
            None
        };
        let err = |e: ProviderError| self.client.scrubber().scrub(&e.to_string());
        let (method, body, active) = match (&c.op, &c.desired) {
            (Op::Delete, _) | (_, None) => (reqwest::Method::DELETE, None, BTreeSet::new()),
            (op, Some(d)) => {
                let (mut body, active) = match (&d.dynamic, guard.as_deref_mut()) {
                    (Some(_), Some(st)) => self.dynamic_body(zone, st, d).await.map_err(err)?,
                    _ => (J::Object(records::plain_body(d)), BTreeSet::new()),
                };
                body["zone"] = J::String(zone.trim_end_matches('.').to_string());
                body["domain"] = J::String(fqdn.trim_end_matches('.').to_string());
                body["type"] = J::String(c.rtype.as_str().to_string());
                // NS1 makes a new zone's apex NS itself: overwrite it
                let apex_ns = new_zone && d.name.is_empty() && d.rtype == RecordType::Ns;
                let method = if *op == Op::Create && !apex_ns {
                    reqwest::Method::PUT
                } else {
                    reqwest::Method::POST
                };
                (method, Some(body), active)
            }
        };
        let what = format!("{method} {path}");
        let mut req = self.request(method.clone(), &path);
        if let Some(b) = &body {
            req = req.json(b);
        }
        let deleting = method == reqwest::Method::DELETE;
        writes::send_write(&self.client, &req, &what, deleting, "NS1", |r| {
            super::answer_summary(&self.client, &error_text(r))
        })
        .await?;
        if let Some(st) = guard.as_deref_mut() {
            // the old record's monitors that the new one does not use
            let old = c.existing.as_ref().unwrap_or(rec);
            self.monitors_gc(zone, st, old, &active)
                .await
                .map_err(err)?;
        }
        Ok(())
    }

    /// Apply a plan: create the zone if needed, then the changes, deletes first.
    pub async fn apply_plan(&self, plan: &ZonePlan) -> Result<ApplyReport, ProviderError> {
        let zone = plan.zone.as_str();
        super::check_zone(&self.id, zone)?;
        let dynamic_change = plan.changes.iter().any(|c| {
            c.desired.as_ref().is_some_and(|d| d.dynamic.is_some())
                || c.existing.as_ref().is_some_and(|e| e.dynamic.is_some())
        });
        if dynamic_change && self.settings.monitor_regions.is_empty() {
            return Err(self.failed(
                zone,
                "the plan changes dynamic records, but `monitor_regions` is not set (the NS1 \
                 monitoring regions their health checks run from, such as [lga]); nothing was \
                 applied"
                    .into(),
            ));
        }
        // one request, not every page of the records
        let req = self.request(reqwest::Method::GET, &Self::zone_path(zone));
        let exists = self.call(zone, "read the zone", req).await?.is_some();
        let new_zone = !exists;
        if !exists {
            if plan.exists {
                return Err(
                    self.failed(zone, "the zone no longer exists on NS1; plan again".into())
                );
            }
            let req = self
                .request(reqwest::Method::PUT, &Self::zone_path(zone))
                .json(&json!({"zone": zone.trim_end_matches('.')}));
            self.must(zone, "create the zone", req).await?;
            tracing::info!(provider = %self.id, zone, "created the zone");
        }
        let label = |c: &Change| {
            format!(
                "{} {} {}",
                c.op.as_str(),
                if c.name.is_empty() { "@" } else { &c.name },
                c.rtype.as_str()
            )
        };
        let state = tokio::sync::Mutex::new(MonitorState::default());
        let report = writes::in_phases(&self.id, zone, &plan.changes, CONCURRENCY, label, |c| {
            self.write(zone, c, new_zone, &state)
        })
        .await?;
        let mut st = state.into_inner();
        if let Err(e) = self.prune_feeds(zone, &mut st).await {
            tracing::warn!(provider = %self.id, zone, "could not remove data feeds of deleted monitors: {e}");
        }
        Ok(report)
    }

    /// octodns-ns1's `_process_desired_zone`, and what it finds only at apply: health check
    /// protocols and settings, continents NS1 cannot target, and two rules on one pool (NS1's
    /// layout holds one rule per pool).
    pub fn process(
        &self,
        desired: Zone,
        warnings: &mut Vec<String>,
    ) -> Result<Zone, Vec<Unsupported>> {
        let zone = desired.name.clone();
        let mut errors = Vec::new();
        let mut any_dynamic = false;
        for r in desired.iter() {
            let Some(d) = &r.dynamic else { continue };
            any_dynamic = true;
            let fqdn = r.fqdn(&zone);
            let shown = crate::model::idna_decode(&fqdn);
            let proto = monitors::protocol(r);
            if !monitors::PROTOCOLS.contains(&proto.as_str()) {
                errors.push(Unsupported {
                    message: format!(
                        "{}: healthcheck protocol \"{proto}\" not supported",
                        self.id
                    ),
                });
                continue;
            }
            let mut pools_seen: BTreeMap<&str, usize> = BTreeMap::new();
            for (i, rule) in d.rules.iter().enumerate() {
                for g in &rule.geos {
                    if g.len() == 2 && !dynamic::CONTINENTS.contains(&g.as_str()) {
                        errors.push(Unsupported {
                            message: format!(
                                "{}: unsupported continent code {g} in {fqdn}",
                                self.id
                            ),
                        });
                    }
                }
                if let Some(first) = pools_seen.insert(&rule.pool, i) {
                    errors.push(Unsupported {
                        message: format!(
                            "{shown} {}: rules {first} and {i} both send to pool {}; NS1 (octodns-ns1's layout) holds one rule per pool, so merge their geos and subnets into one rule",
                            r.rtype.as_str(),
                            rule.pool
                        ),
                    });
                }
            }
            if let Some(v) = d
                .pools
                .values()
                .flat_map(|p| &p.values)
                .find(|v| v.status == Status::Obey)
                && let Err(e) = monitors::expected(r, &zone, &v.value.to_rdata(), &self.settings)
            {
                errors.push(Unsupported {
                    message: format!("{shown} {}: {e}", r.rtype.as_str()),
                });
            }
        }
        if any_dynamic && self.settings.monitor_regions.is_empty() {
            warnings.push(format!(
                "{}: the zone has dynamic records but `monitor_regions` is not set; an apply that changes them will refuse to start",
                self.id
            ));
        }
        if errors.is_empty() {
            Ok(desired)
        } else {
            Err(errors)
        }
    }

    /// octodns-ns1's `_extra_changes`, for a record equal in the model: a dynamic record
    /// whose filter chain is not the one its rules need, or whose monitors are missing, differ or lack
    /// a notify list; and a record planned plain that NS1 holds with foreign filters or meta.
    pub fn needs_rewrite(&self, zone: &str, existing: &RecordSet, desired: &RecordSet) -> bool {
        let data = existing.provider_data.as_deref();
        if desired.dynamic.is_none() {
            return data.and_then(|d| d.get("foreign")).is_some();
        }
        let Some(data) = data else { return true };
        let filters = data
            .get("filters")
            .and_then(J::as_array)
            .cloned()
            .unwrap_or_default();
        let d = desired.dynamic.as_ref().expect("dynamic");
        if !dynamic::chain_is(&filters, &dynamic::chain_for(d)) {
            tracing::info!(provider = %self.id, zone, record = %desired.fqdn(zone), "unrecognised filter chain: the record is rewritten");
            return true;
        }
        let have = data.get("monitors").and_then(J::as_object);
        d.pools
            .values()
            .flat_map(|p| &p.values)
            .filter(|v| v.status == Status::Obey)
            .any(|v| {
                let value = v.value.to_rdata();
                let Some(m) = have.and_then(|h| h.get(&value)) else {
                    return true;
                };
                let Ok(expected) = monitors::expected(desired, zone, &value, &self.settings) else {
                    return true;
                };
                !monitors::is_match(&expected, m)
                    || m.get("notify_list")
                        .and_then(J::as_str)
                        .is_none_or(str::is_empty)
            })
    }
}

/// A next-page link as the NS1 SDK follows it: NS1 may give `http://` links to its https
/// API, which are asked over https (as ns1-python does); any other link is kept, and must lie
/// within the API (`http::Client::follow`).
fn https_link(api_url: &str, link: String) -> String {
    match link.strip_prefix("http://") {
        Some(rest) if api_url.starts_with("https://") => format!("https://{rest}"),
        _ => link,
    }
}

impl Provider for Ns1Provider {
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
        _strict: bool,
        warnings: &mut Vec<String>,
    ) -> Result<Zone, Vec<Unsupported>> {
        self.process(desired, warnings)
    }

    fn extra_changes(&self, existing: &Zone, desired: &Zone) -> Vec<(String, RecordType)> {
        desired
            .iter()
            .filter(|d| {
                existing
                    .get(&d.name, &d.rtype)
                    .is_some_and(|e| self.needs_rewrite(&desired.name, e, d))
            })
            .map(|d| (d.name.clone(), d.rtype.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests;
