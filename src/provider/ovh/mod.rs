//! OVHcloud DNS over the API v1's `/domain/zone`, with octodns-ovh 1.2's `OvhProvider` settings
//! and record layout.
//!
//! - Credentials: `application_key`, `application_secret` and `consumer_key`; every try of
//!   every request is signed as OVH's guide describes (`X-Ovh-Signature`: `$1$` and the SHA-1
//!   of the secret, the consumer key, the method, the URL, the body and the timestamp), the
//!   timestamp taken on OVH's clock (`GET /auth/time`, once). No secret is ever shown.
//! - `endpoint`: the OVH API region (`ovh-eu`, `ovh-ca`, `ovh-us`, `kimsufi-*`,
//!   `soyoustart-*`), as the `ovh` library names them.
//! - Reading: the zone's record ids (`GET /domain/zone/{zone}/record`), then each record, four at
//!   a time. A missing zone (`This service does not exist`) cannot be created through the API:
//!   an OVH zone comes with a domain or a DNS zone order.
//! - Applying: deletes first, then creates and updates, four at a time: a value is one record;
//!   an update keeps the records of unchanged values and changes others in place (`PUT`)
//!   (octodns-ovh deletes and re-creates them all); then `POST /domain/zone/{zone}/refresh`,
//!   which puts the changes live — also after a part-way failure, so what the report calls
//!   applied is what is served.
//! - TXT values that are valid DKIM keys are written as OVH's DKIM type, and DKIM records read as
//!   TXT, as octodns-ovh does.
//! - Capabilities: A, AAAA, CAA, CNAME, HTTPS, MX, NAPTR, NS, PTR, SRV, SSHFP, SVCB, TXT; root NS;
//!   no dynamic or geo records. An empty TXT value (OVH refuses it) is checked before sending.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Map, Value as J};

use super::writes::{self, Item};
use super::{ApplyReport, BoxFut, Provider, ProviderError, url_component};
use crate::config::ProviderConfig;
use crate::config::fields::{Seconds, Text};
use crate::http::{self, Limits, Policy, Request, Response};
use crate::model::value::{txt_internal, txt_raw};
use crate::model::{Capabilities, RecordSet, RecordType, Value, Zone, rdata};
use crate::plan::{Change, Unsupported, ZonePlan};
use crate::secret::Scrubber;
use crate::yaml::de::Error;

/// The `ovh` library's endpoints.
pub const ENDPOINTS: &[(&str, &str)] = &[
    ("ovh-eu", "https://eu.api.ovh.com/1.0"),
    ("ovh-ca", "https://ca.api.ovh.com/1.0"),
    ("ovh-us", "https://api.us.ovhcloud.com/1.0"),
    ("kimsufi-eu", "https://eu.api.kimsufi.com/1.0"),
    ("kimsufi-ca", "https://ca.api.kimsufi.com/1.0"),
    ("soyoustart-eu", "https://eu.api.soyoustart.com/1.0"),
    ("soyoustart-ca", "https://ca.api.soyoustart.com/1.0"),
];

/// octodns-ovh 1.2's `SUPPORTS` (its DKIM is read as TXT).
pub const TYPES: &[&str] = &[
    "A", "AAAA", "CAA", "CNAME", "HTTPS", "MX", "NAPTR", "NS", "PTR", "SRV", "SSHFP", "SVCB", "TXT",
];

const CONCURRENCY: usize = 4;

/// OVH's answer for a zone it does not have.
const NO_ZONE: &str = "This service does not exist";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    endpoint: Option<Text>,
    application_key: Option<String>,
    application_secret: Option<String>,
    consumer_key: Option<String>,
    api_url: Option<Text>,
    timeout: Option<Seconds>,
}

#[derive(Clone)]
pub struct Settings {
    pub application_key: String,
    pub application_secret: String,
    pub consumer_key: String,
    /// Without a trailing slash, ending in `/1.0`.
    pub api_url: String,
    pub timeout: Duration,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("application_secret", &"***")
            .field("consumer_key", &"***")
            .field("api_url", &self.api_url)
            .finish()
    }
}

impl Settings {
    pub fn from_config(p: &ProviderConfig) -> Result<Settings, Error> {
        let raw: Raw = p.parse_settings()?;
        let need = |k: &str, v: Option<String>| {
            match v {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(p.invalid(k, format!("missing `{k}` (OVH API credentials: application key, application secret, consumer key)"))),
        }
        };
        let endpoint = match (&raw.endpoint, &raw.api_url) {
            (Some(Text(e)), _) => match ENDPOINTS.iter().find(|(n, _)| n == e) {
                Some((_, u)) => Some(Text(u.to_string())),
                None => {
                    let names: Vec<&str> = ENDPOINTS.iter().map(|(n, _)| *n).collect();
                    return Err(p.invalid(
                        "endpoint",
                        format!("unknown `endpoint` {e:?}; one of {}", names.join(", ")),
                    ));
                }
            },
            (None, Some(_)) => None,
            (None, None) => {
                return Err(p.invalid("endpoint", "missing `endpoint` (such as ovh-eu)"));
            }
        };
        let (key, value) = match raw.api_url {
            Some(u) => ("api_url", Some(u)),
            None => ("endpoint", endpoint),
        };
        Ok(Settings {
            application_key: need("application_key", raw.application_key)?,
            application_secret: need("application_secret", raw.application_secret)?,
            consumer_key: need("consumer_key", raw.consumer_key)?,
            api_url: super::endpoint_setting(p, key, value, ENDPOINTS[0].1)?,
            timeout: raw.timeout.unwrap_or(Seconds(30.0)).duration(),
        })
    }
}

pub fn supported_types() -> Vec<RecordType> {
    TYPES
        .iter()
        .map(|t| RecordType::core(t).expect("core types"))
        .collect()
}

/// OVH's signature of one request at `timestamp`.
pub fn signature(
    secret: &str,
    consumer: &str,
    method: &str,
    url: &str,
    body: &[u8],
    timestamp: u64,
) -> String {
    let mut s = format!("{secret}+{consumer}+{method}+{url}+").into_bytes();
    s.extend_from_slice(body);
    s.extend_from_slice(format!("+{timestamp}").as_bytes());
    let d = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &s);
    format!("$1${}", data_encoding::HEXLOWER.encode(d.as_ref()))
}

/// octodns-ovh's `_is_valid_dkim`: `k=v` pairs separated by `;`, known keys with allowed
/// values, and a `p=` that is base64.
pub fn is_dkim(internal: &str) -> bool {
    let mut key = false;
    for part in internal.split("\\;").filter(|p| !p.is_empty()) {
        let Some((k, v)) = part.split_once('=') else {
            return false;
        };
        let (k, v) = (k.trim(), v.trim());
        let ok = match k {
            "p" => {
                key = true;
                data_encoding::BASE64.decode(v.as_bytes()).is_ok() || v.is_empty()
            }
            "h" => ["sha1", "sha256"].contains(&v),
            "s" => ["*", "email"].contains(&v),
            "t" => ["y", "s"].contains(&v),
            "v" => v == "DKIM1",
            "k" => v == "rsa",
            "n" | "g" => true,
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    key
}

/// One record's target → the model.
pub fn value(t: &RecordType, target: &str, zone: &str) -> Result<Value, String> {
    let v = target.trim();
    let abs = |h: &str| {
        if h.ends_with('.') {
            h.to_string()
        } else {
            format!("{h}.{zone}")
        }
    };
    let text = match t {
        RecordType::Txt if !v.starts_with('"') => return Ok(Value::Text(txt_internal(v))),
        // OVH keeps a quoted TXT as one string, however long
        RecordType::Txt => return unquoted(v).map(|t| Value::Text(txt_internal(&t))),
        RecordType::Cname | RecordType::Ns | RecordType::Ptr => abs(v),
        RecordType::Mx | RecordType::Srv => match v.rsplit_once(' ') {
            Some((head, h)) => format!("{head} {}", abs(h)),
            None => v.to_string(),
        },
        _ => v.to_string(),
    };
    rdata::parse(t, &text).map_err(|e| e.to_string())
}

/// The text of quoted character-strings (`"a\"b" "c"` → `a"bc`), of any length: `\"`, `\\` and
/// `\DDD` unescaped.
fn unquoted(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' => i += 1,
            b'"' => {
                i += 1;
                loop {
                    match b.get(i) {
                        None => return Err(format!("unterminated quoted text in {s:?}")),
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(b'\\')
                            if b.get(i + 1..i + 4)
                                .is_some_and(|d| d.iter().all(u8::is_ascii_digit)) =>
                        {
                            let d = &b[i + 1..i + 4];
                            let n = (d[0] - b'0') as u32 * 100
                                + (d[1] - b'0') as u32 * 10
                                + (d[2] - b'0') as u32;
                            out.push(u8::try_from(n).map_err(|_| format!("bad escape in {s:?}"))?);
                            i += 4;
                        }
                        Some(b'\\') => {
                            out.push(
                                *b.get(i + 1)
                                    .ok_or_else(|| format!("a `\\` at the end of {s:?}"))?,
                            );
                            i += 2;
                        }
                        Some(c) => {
                            out.push(*c);
                            i += 1;
                        }
                    }
                }
            }
            _ => return Err(format!("text outside quotes in {s:?}")),
        }
    }
    String::from_utf8(out).map_err(|_| format!("{s:?} is not UTF-8"))
}

/// The record body for one value (octodns-ovh's `_params_for_*`).
pub fn body(r: &RecordSet, v: &Value) -> J {
    let (field, target) = match v {
        Value::Text(t) if is_dkim(t) => ("DKIM".to_string(), txt_raw(t)),
        Value::Text(t) => (r.rtype.as_str().to_string(), txt_raw(t)),
        other => (r.rtype.as_str().to_string(), other.to_rdata()),
    };
    let mut m = Map::new();
    m.insert("fieldType".into(), field.into());
    m.insert("subDomain".into(), r.name.clone().into());
    m.insert("target".into(), target.into());
    m.insert("ttl".into(), r.ttl.into());
    J::Object(m)
}

fn error_text(r: &Response) -> String {
    r.json()
        .and_then(|j| {
            let m = j.get("message")?.as_str()?.to_string();
            Some(match j.get("errorCode").and_then(J::as_str) {
                Some(c) => format!("{c}: {m}"),
                None => m,
            })
        })
        .unwrap_or_else(|| r.body.clone())
}

/// Why OVH refuses a value: an empty TXT.
fn refusal(v: &Value) -> Option<&'static str> {
    matches!(v, Value::Text(t) if t.is_empty()).then_some("OVH refuses an empty TXT value")
}

pub struct OvhProvider {
    id: String,
    settings: Settings,
    client: http::Client,
    caps: Capabilities,
    /// OVH's clock less ours, in seconds (`GET /auth/time`, read once).
    skew: Arc<Mutex<Option<i64>>>,
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl OvhProvider {
    pub fn new(cfg: &ProviderConfig) -> Result<Self, ProviderError> {
        let settings = Settings::from_config(cfg).map_err(|e| ProviderError::Config {
            provider: cfg.id.clone(),
            message: e.to_string(),
        })?;
        Self::with_settings(&cfg.id, settings)
    }

    pub fn with_settings(id: &str, settings: Settings) -> Result<Self, ProviderError> {
        let policy = Policy::new(4, Duration::from_secs(1), Duration::from_secs(60));
        let builder = reqwest::Client::builder()
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none());
        let skew: Arc<Mutex<Option<i64>>> = Arc::new(Mutex::new(None));
        let (ak, secret, ck, sk) = (
            settings.application_key.clone(),
            settings.application_secret.clone(),
            settings.consumer_key.clone(),
            skew.clone(),
        );
        let client = http::Client::new(id, builder, Some(settings.timeout), policy)
            .map_err(|e| ProviderError::Config {
                provider: id.to_string(),
                message: e.to_string(),
            })?
            .scrubbing(Scrubber::new([
                settings.application_secret.as_str(),
                settings.consumer_key.as_str(),
            ]))
            .signing(Arc::new(move |req: &Request| {
                // `/auth/time` is not signed
                if req.url.ends_with("/auth/time") {
                    return Vec::new();
                }
                let skew = sk.lock().map(|s| s.unwrap_or(0)).unwrap_or(0);
                let ts = (unix_now() + skew).max(0) as u64;
                vec![
                    ("X-Ovh-Application".into(), ak.clone()),
                    ("X-Ovh-Consumer".into(), ck.clone()),
                    ("X-Ovh-Timestamp".into(), ts.to_string()),
                    (
                        "X-Ovh-Signature".into(),
                        signature(
                            &secret,
                            &ck,
                            req.method.as_str(),
                            &req.url,
                            req.body_bytes(),
                            ts,
                        ),
                    ),
                ]
            }))
            .limits(Limits::default().concurrency(CONCURRENCY));
        Ok(OvhProvider {
            id: id.to_string(),
            settings,
            client,
            caps: Capabilities::static_records(supported_types()),
            skew,
        })
    }

    fn request(&self, method: reqwest::Method, path: &str) -> Request {
        Request::new(method, format!("{}{path}", self.settings.api_url))
            .header("Accept", "application/json")
    }

    fn summary(&self, r: &Response) -> String {
        super::answer_summary(&self.client, &error_text(r))
    }

    /// Learn OVH's clock (once), so signatures carry its time.
    async fn sync_clock(&self, zone: &str) -> Result<(), ProviderError> {
        if self.skew.lock().map(|s| s.is_some()).unwrap_or(false) {
            return Ok(());
        }
        let req = self.request(reqwest::Method::GET, "/auth/time");
        let r = self
            .client
            .send(&req)
            .await
            .map_err(|e| ProviderError::http(&self.id, zone, e))?;
        let server = r.body.trim().parse::<i64>().map_err(|_| {
            ProviderError::http(
                &self.id,
                zone,
                self.client
                    .decode_error(&req, "`/auth/time` is not a number"),
            )
        })?;
        if let Ok(mut s) = self.skew.lock() {
            *s = Some(server - unix_now());
        }
        Ok(())
    }

    /// Send; the JSON, `None` for OVH's "no such zone" 404.
    async fn call(&self, zone: &str, what: &str, req: Request) -> Result<Option<J>, ProviderError> {
        self.sync_clock(zone).await?;
        let r = self
            .client
            .send(&req)
            .await
            .map_err(|e| ProviderError::http(&self.id, zone, e))?;
        if r.status == 404 && r.body.contains(NO_ZONE) {
            return Ok(None);
        }
        if !r.ok() {
            let hint = if matches!(r.status, 400 | 401 | 403) {
                "; check the application key, application secret and consumer key (and its access rules)"
            } else {
                ""
            };
            let body = format!("{what}: {}{hint}", self.summary(&r));
            return Err(ProviderError::api(
                &self.id,
                zone,
                &self.client,
                &req,
                &r,
                body,
            ));
        }
        Ok(Some(r.json().unwrap_or(J::Null)))
    }

    fn zone_path(zone: &str) -> String {
        format!("/domain/zone/{}", url_component(zone.trim_end_matches('.')))
    }

    pub async fn read(&self, zone: &str) -> Result<Option<Zone>, ProviderError> {
        super::check_zone(&self.id, zone)?;
        let base = format!("{}/record", Self::zone_path(zone));
        let req = self.request(reqwest::Method::GET, &base);
        let Some(ids) = self.call(zone, "list the records", req).await? else {
            return Ok(None);
        };
        let ids: Vec<String> = ids
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| i.to_string())
            .collect();
        let mut reqs = Vec::with_capacity(ids.len());
        for id in &ids {
            let id =
                writes::numeric_id(id).map_err(|e| ProviderError::failed(&self.id, zone, e))?;
            reqs.push(self.request(reqwest::Method::GET, &format!("{base}/{id}")));
        }
        let fetched: Vec<Result<Option<J>, ProviderError>> = futures_util::stream::iter(
            reqs.into_iter()
                .map(|req| self.call(zone, "read a record", req)),
        )
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
        let objects: Vec<J> = fetched
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect();
        let listed = objects.iter().filter_map(|o| {
            let field = o.get("fieldType").and_then(J::as_str).unwrap_or_default();
            let ty = if field == "DKIM" { "TXT" } else { field };
            let t = RecordType::core(ty).filter(|_| TYPES.contains(&ty))?;
            let name = o.get("subDomain").and_then(J::as_str).unwrap_or_default();
            Some(writes::Listed {
                name,
                rtype: t,
                object: o,
            })
        });
        writes::zone_of(&self.id, zone, listed, 0, |t, o| {
            value(
                t,
                o.get("target").and_then(J::as_str).unwrap_or_default(),
                zone,
            )
        })
        .map(Some)
    }

    pub async fn zones(&self) -> Result<Vec<String>, ProviderError> {
        let req = self.request(reqwest::Method::GET, "/domain/zone");
        super::api_zone_names(
            &self.id,
            self.call("*", "list the zones", req)
                .await?
                .unwrap_or(J::Null)
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(J::as_str),
        )
    }

    async fn write(
        &self,
        zone: &str,
        c: &Change,
        existing: Option<&RecordSet>,
    ) -> Result<(), String> {
        let base = format!("{}/record", Self::zone_path(zone));
        for item in writes::object_writes(c, writes::held(existing), body) {
            let (req, what) = match &item {
                Item::Delete(id) => {
                    let id = writes::numeric_id(id)?;
                    (
                        self.request(reqwest::Method::DELETE, &format!("{base}/{id}")),
                        format!("DELETE record {id}"),
                    )
                }
                Item::Put(id, b) => {
                    let id = writes::numeric_id(id)?;
                    // a record's type cannot change: only what it points at and its TTL
                    let mut b = b.clone();
                    if let Some(o) = b.as_object_mut() {
                        o.remove("fieldType");
                    }
                    (
                        self.request(reqwest::Method::PUT, &format!("{base}/{id}"))
                            .json(&b),
                        format!("PUT record {id}"),
                    )
                }
                Item::Post(b) => (
                    self.request(reqwest::Method::POST, &base).json(b),
                    "POST a record".to_string(),
                ),
            };
            let deleting = matches!(item, Item::Delete(_));
            writes::send_write(&self.client, &req, &what, deleting, "OVH", |r| {
                self.summary(r)
            })
            .await?;
        }
        Ok(())
    }

    pub async fn apply_plan(&self, plan: &ZonePlan) -> Result<ApplyReport, ProviderError> {
        let zone = plan.zone.as_str();
        super::check_zone(&self.id, zone)?;
        let req = self.request(reqwest::Method::GET, &Self::zone_path(zone));
        if self.call(zone, "read the zone", req).await?.is_none() {
            return Err(ProviderError::failed(
                &self.id,
                zone,
                "OVH has no such DNS zone, and zones cannot be created through its API: order the zone (or the domain) in the OVH control panel; nothing was applied",
            ));
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
        let report = writes::in_phases(
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
        .await;
        // put live what was written, whether or not all of it was
        let req = self.request(
            reqwest::Method::POST,
            &format!("{}/refresh", Self::zone_path(zone)),
        );
        let refreshed = self
            .call(zone, "refresh the zone (put the changes live)", req)
            .await;
        let report = report?;
        refreshed?;
        Ok(report)
    }
}

impl Provider for OvhProvider {
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

    /// OVH refuses an empty TXT value: an error under `strict_supports`, else left out with a
    /// warning, before anything is sent.
    fn process_desired(
        &self,
        desired: Zone,
        strict: bool,
        warnings: &mut Vec<String>,
    ) -> Result<Zone, Vec<Unsupported>> {
        let zone = desired.name.clone();
        let mut errors = Vec::new();
        let mut out = Zone::new(zone.clone());
        for mut r in desired.records.into_values() {
            if super::drop_refused_values(&mut r, &zone, strict, refusal, &mut errors, warnings) {
                out.insert(r);
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests;
