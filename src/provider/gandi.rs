//! Gandi LiveDNS over the API v5, with octodns-gandi 1.2's `GandiProvider` settings and record
//! layout.
//!
//! - Credentials: `token`, a personal access token sent as `Authorization: Bearer`; never shown.
//! - Reading: every page of `GET /livedns/domains/{zone}/records` (`per_page` a page, until
//!   `Total-Count`); a 404 for the domain: no such zone. One rrset per name and type, its
//!   values in presentation format (TXT quoted, host names relative or absolute: relative ones
//!   are read in the zone, as octodns-gandi does).
//! - Applying: a domain Gandi holds but LiveDNS does not serve yet is added to LiveDNS
//!   (`POST /livedns/domains`, with no records); a domain not registered at Gandi cannot be
//!   (the error says so). Deletes first (`DELETE …/records/{name}/{type}`), then creates and
//!   updates as one `PUT …/records/{name}/{type}` per rrset (octodns-gandi deletes and
//!   re-creates it), four at a time; after the first failure no new write starts, and the
//!   error lists each change as applied, failed or not applied.
//! - Rate: 1,000 requests a minute, a bucket shared by every provider with the token; a 429
//!   waits for its `Retry-After`.
//! - Capabilities: A, AAAA, ALIAS, CAA, CNAME, DNAME, MX, NS, PTR, SRV, SSHFP, TLSA, TXT; no
//!   root NS (Gandi's name servers), no dynamic or geo records. Checked before anything is
//!   sent: TTLs from 300 s to 30 days, values of printable ASCII, not empty.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value as J, json};

use super::{ApplyReport, BoxFut, Provider, ProviderError, url_component, writes};
use crate::config::ProviderConfig;
use crate::config::fields::{Seconds, Text, Whole};
use crate::http::{self, Bucket, Limits, Policy, Rate, Request, Response};
use crate::model::value::{txt_internal, txt_raw};
use crate::model::{Capabilities, RecordSet, RecordType, Value, Zone, rdata};
use crate::plan::{Change, Op, Unsupported, ZonePlan};
use crate::secret::Scrubber;
use crate::yaml::de::Error;

pub const DEFAULT_API_URL: &str = "https://api.gandi.net/v5/livedns";

/// octodns-gandi 1.2's `SUPPORTS`.
pub const TYPES: &[&str] = &[
    "A", "AAAA", "ALIAS", "CAA", "CNAME", "DNAME", "MX", "NS", "PTR", "SRV", "SSHFP", "TLSA", "TXT",
];

/// LiveDNS's TTL range.
pub const MIN_TTL: u32 = 300;
pub const MAX_TTL: u32 = 2_592_000;

/// 1,000 requests a minute.
pub const RATE: Rate = Rate {
    requests: 1000,
    per: Duration::from_secs(60),
    burst: 1000,
};

const CONCURRENCY: usize = 4;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    token: Option<String>,
    per_page: Option<Whole>,
    api_url: Option<Text>,
    timeout: Option<Seconds>,
}

#[derive(Clone)]
pub struct Settings {
    pub token: String,
    pub per_page: u32,
    /// Without a trailing slash, ending in `…/livedns`.
    pub api_url: String,
    pub timeout: Duration,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("token", &"***")
            .field("api_url", &self.api_url)
            .finish()
    }
}

impl Settings {
    pub fn from_config(p: &ProviderConfig) -> Result<Settings, Error> {
        let raw: Raw = p.parse_settings()?;
        let token = match raw.token {
            Some(t) if !t.trim().is_empty() => t,
            Some(_) => return Err(p.invalid("token", "`token` is empty")),
            None => {
                return Err(p.invalid("token", "missing `token` (a Gandi personal access token)"));
            }
        };
        let per_page = match raw.per_page {
            None => 500,
            Some(Whole(n)) if (1..=1000).contains(&n) => n as u32,
            Some(_) => {
                return Err(p.invalid(
                    "per_page",
                    "`per_page` must be a whole number from 1 to 1000",
                ));
            }
        };
        Ok(Settings {
            token,
            per_page,
            api_url: super::endpoint_setting(p, "api_url", raw.api_url, DEFAULT_API_URL)?,
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

/// The rrset name as Gandi writes it.
fn gandi_name(name: &str) -> &str {
    if name.is_empty() { "@" } else { name }
}

/// Gandi's error bodies: `{"message", "cause"}` or `{"errors": [{"name", "description"}]}`.
fn error_text(r: &Response) -> String {
    let Some(j) = r.json() else {
        return r.body.clone();
    };
    let mut parts: Vec<String> = Vec::new();
    if let Some(m) = j.get("message").and_then(J::as_str) {
        parts.push(m.to_string());
    }
    for e in j.get("errors").and_then(J::as_array).into_iter().flatten() {
        let name = e.get("name").and_then(J::as_str).unwrap_or_default();
        let d = e.get("description").and_then(J::as_str).unwrap_or_default();
        parts.push(format!("{name}: {d}"));
    }
    if parts.is_empty() {
        r.body.clone()
    } else {
        parts.join("; ")
    }
}

/// One listed value → the model (relative host names read in the zone).
pub fn value(t: &RecordType, v: &str, zone: &str) -> Result<Value, String> {
    let v = v.trim();
    let abs = |h: &str| {
        if h.ends_with('.') {
            h.to_string()
        } else {
            format!("{h}.{zone}")
        }
    };
    let text = match t {
        RecordType::Txt if !v.starts_with('"') => return Ok(Value::Text(txt_internal(v))),
        RecordType::Alias
        | RecordType::Cname
        | RecordType::Dname
        | RecordType::Ns
        | RecordType::Ptr => abs(v),
        RecordType::Mx | RecordType::Srv => match v.rsplit_once(' ') {
            Some((head, target)) => format!("{head} {}", abs(target)),
            None => v.to_string(),
        },
        _ => v.to_string(),
    };
    rdata::parse(t, &text).map_err(|e| e.to_string())
}

/// A value as sent (octodns-gandi's `_params_for_*`: TXT raw, CAA `flags tag "value"`).
pub fn sent(v: &Value) -> String {
    match v {
        Value::Text(t) => txt_raw(t),
        other => other.to_rdata(),
    }
}

pub struct GandiProvider {
    id: String,
    settings: Settings,
    client: http::Client,
    caps: Capabilities,
}

impl GandiProvider {
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
        let client = http::Client::new(id, builder, Some(settings.timeout), policy)
            .map_err(|e| ProviderError::Config {
                provider: id.to_string(),
                message: e.to_string(),
            })?
            .scrubbing(Scrubber::new([settings.token.as_str()]))
            .limits(
                Limits::default()
                    .concurrency(CONCURRENCY)
                    .rate(Bucket::shared(&settings.token, RATE)),
            );
        Ok(GandiProvider {
            id: id.to_string(),
            settings,
            client,
            caps: Capabilities {
                root_ns: false,
                ..Capabilities::static_records(supported_types())
            },
        })
    }

    fn request(&self, method: reqwest::Method, path: &str) -> Request {
        Request::new(method, format!("{}{path}", self.settings.api_url))
            .bearer(&self.settings.token)
            .header("Accept", "application/json")
    }

    fn summary(&self, r: &Response) -> String {
        super::answer_summary(&self.client, &error_text(r))
    }

    /// Send; the answer, `None` for a 404.
    async fn call(
        &self,
        zone: &str,
        what: &str,
        req: Request,
    ) -> Result<Option<Response>, ProviderError> {
        let r = self
            .client
            .send(&req)
            .await
            .map_err(|e| ProviderError::http(&self.id, zone, e))?;
        if r.status == 404 {
            return Ok(None);
        }
        if !r.ok() {
            let hint = if matches!(r.status, 401 | 403) {
                "; check the token (it needs the Domain: manage DNS permission)"
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
        Ok(Some(r))
    }

    fn domain_path(zone: &str) -> String {
        format!("/domains/{}", url_component(zone.trim_end_matches('.')))
    }

    /// Every item of a paged listing (`page`, `per_page`, until `Total-Count`); `None` on 404.
    async fn list(&self, zone: &str, path: &str) -> Result<Option<Vec<J>>, ProviderError> {
        let what = format!("GET {path}");
        let mut pages = http::Pages::new(what.clone(), http::pages::MAX_PAGES).first(1u64);
        let mut items = Vec::new();
        let mut page = 1u64;
        loop {
            let req = self.request(
                reqwest::Method::GET,
                &format!("{path}?page={page}&per_page={}", self.settings.per_page),
            );
            let Some(r) = self.call(zone, &what, req.clone()).await? else {
                return Ok(None);
            };
            let total = r
                .header("total-count")
                .and_then(|t| t.trim().parse::<usize>().ok());
            match r.json() {
                Some(J::Array(a)) => {
                    let empty = a.is_empty();
                    items.extend(a);
                    if empty || total.is_none_or(|t| items.len() >= t) {
                        return Ok(Some(items));
                    }
                }
                _ => {
                    return Err(ProviderError::http(
                        &self.id,
                        zone,
                        self.client.decode_error(&req, "the answer is not a list"),
                    ));
                }
            }
            page += 1;
            pages
                .next(page)
                .map_err(|e| ProviderError::http(&self.id, zone, e))?;
        }
    }

    /// The zone as LiveDNS holds it; `None` when the domain is not there.
    pub async fn read(&self, zone: &str) -> Result<Option<Zone>, ProviderError> {
        super::check_zone(&self.id, zone)?;
        let Some(rrsets) = self
            .list(zone, &format!("{}/records", Self::domain_path(zone)))
            .await?
        else {
            return Ok(None);
        };
        let mut z = Zone::new(zone);
        for rr in &rrsets {
            let ty = rr.get("rrset_type").and_then(J::as_str).unwrap_or_default();
            let Some(t) = RecordType::core(ty).filter(|_| TYPES.contains(&ty)) else {
                continue;
            };
            let name = rr
                .get("rrset_name")
                .and_then(J::as_str)
                .unwrap_or_default()
                .to_ascii_lowercase();
            let rel = if name == "@" || name.is_empty() {
                String::new()
            } else {
                z.relative(&format!("{}.{zone}", name.trim_end_matches('.')))
                    .ok_or_else(|| {
                        ProviderError::failed(
                            &self.id,
                            zone,
                            format!("the rrset {name} {ty} is not inside the zone"),
                        )
                    })?
            };
            let ttl = rr.get("rrset_ttl").and_then(J::as_u64).unwrap_or(10_800) as u32;
            let values: Vec<Value> = rr
                .get("rrset_values")
                .and_then(J::as_array)
                .into_iter()
                .flatten()
                .filter_map(J::as_str)
                .map(|v| value(&t, v, zone))
                .collect::<Result<_, _>>()
                .map_err(|e| {
                    ProviderError::failed(
                        &self.id,
                        zone,
                        format!("cannot read {} {ty}: {e}", super::shown_name(&rel, zone)),
                    )
                })?;
            z.insert(RecordSet::new(rel, t, ttl, values));
        }
        Ok(Some(z))
    }

    pub async fn zones(&self) -> Result<Vec<String>, ProviderError> {
        super::api_zone_names(
            &self.id,
            self.list("*", "/domains")
                .await?
                .unwrap_or_default()
                .iter()
                .filter_map(|d| d.get("fqdn").and_then(J::as_str)),
        )
    }

    async fn write(&self, zone: &str, c: &Change) -> Result<(), String> {
        let path = format!(
            "{}/records/{}/{}",
            Self::domain_path(zone),
            url_component(gandi_name(&c.name)),
            url_component(c.rtype.as_str())
        );
        let req = match (&c.op, &c.desired) {
            (Op::Delete, _) | (_, None) => self.request(reqwest::Method::DELETE, &path),
            (_, Some(d)) => self.request(reqwest::Method::PUT, &path).json(&json!({
                "rrset_ttl": d.ttl,
                "rrset_values": d.values.iter().map(sent).collect::<Vec<_>>(),
            })),
        };
        let what = format!("{} {path}", req.method);
        writes::send_write(
            &self.client,
            &req,
            &what,
            c.op == Op::Delete,
            "Gandi",
            |r| self.summary(r),
        )
        .await
    }

    pub async fn apply_plan(&self, plan: &ZonePlan) -> Result<ApplyReport, ProviderError> {
        let zone = plan.zone.as_str();
        super::check_zone(&self.id, zone)?;
        let req = self.request(reqwest::Method::GET, &Self::domain_path(zone));
        if self.call(zone, "read the domain", req).await?.is_none() {
            if plan.exists {
                return Err(ProviderError::failed(
                    &self.id,
                    zone,
                    "the domain is no longer on LiveDNS; plan again",
                ));
            }
            let req = self
                .request(reqwest::Method::POST, "/domains")
                .json(&json!({"fqdn": zone.trim_end_matches('.'), "zone": {"items": []}}));
            if self
                .call(zone, "add the domain to LiveDNS", req)
                .await?
                .is_none()
            {
                return Err(ProviderError::failed(
                    &self.id,
                    zone,
                    "this domain is not registered at Gandi: register or transfer it there to manage its DNS zone; nothing was applied",
                ));
            }
            tracing::info!(provider = %self.id, zone, "added the domain to LiveDNS");
        }
        let label = |c: &Change| {
            format!(
                "{} {} {}",
                c.op.as_str(),
                gandi_name(&c.name),
                c.rtype.as_str()
            )
        };
        writes::in_phases(&self.id, zone, &plan.changes, CONCURRENCY, label, |c| {
            self.write(zone, c)
        })
        .await
    }

    /// What LiveDNS refuses, said before anything is sent: a TTL outside 300 s to 30 days (an
    /// error); a value that is empty or not printable ASCII (an error under `strict_supports`,
    /// else left out with a warning).
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
            if !(MIN_TTL..=MAX_TTL).contains(&r.ttl) {
                errors.push(Unsupported {
                    message: format!(
                        "{} {} has TTL {}; Gandi LiveDNS takes TTLs from {MIN_TTL} s to {MAX_TTL} s",
                        super::shown_name(&r.name, &zone),
                        r.rtype.as_str(),
                        r.ttl
                    ),
                });
                continue;
            }
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

/// Why LiveDNS refuses a value: empty, or not printable ASCII (its `^[\x20-\x7E]+$`).
fn refusal(v: &Value) -> Option<&'static str> {
    let s = sent(v);
    if s.is_empty() {
        Some("Gandi LiveDNS refuses an empty value")
    } else if !s.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        Some("Gandi LiveDNS takes values of printable ASCII only")
    } else {
        None
    }
}

impl Provider for GandiProvider {
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
mod tests {
    use super::*;

    fn config(settings: J) -> ProviderConfig {
        ProviderConfig {
            id: "gandi".into(),
            class: "octodns_gandi.GandiProvider".into(),
            files: None,
            common: crate::config::Common::default(),
            settings: crate::yaml::de::node_from_json(&settings),
            secret_keys: ["token".to_string()].into(),
            missing_env: false,
            pos: crate::yaml::Pos::none(),
        }
    }

    #[test]
    fn settings_and_values() {
        let s = Settings::from_config(&config(json!({"token": "pat-secret-123"}))).unwrap();
        assert_eq!((s.api_url.as_str(), s.per_page), (DEFAULT_API_URL, 500));
        assert!(!format!("{s:?}").contains("secret-123"));
        assert!(
            Settings::from_config(&config(json!({})))
                .unwrap_err()
                .to_string()
                .contains("missing `token`")
        );
        assert!(Settings::from_config(&config(json!({"token": "t", "per_page": 0}))).is_err());
        let z = "example.com.";
        assert_eq!(
            value(&RecordType::Cname, "www", z).unwrap(),
            Value::Target("www.example.com.".into())
        );
        assert_eq!(
            value(&RecordType::Mx, "10 mx", z).unwrap().to_rdata(),
            "10 mx.example.com."
        );
        assert_eq!(
            value(&RecordType::Txt, "\"a;b\" \"c\"", z).unwrap(),
            Value::Text("a\\;bc".into())
        );
        assert_eq!(
            value(&RecordType::Txt, "plain; text", z).unwrap(),
            Value::Text("plain\\; text".into())
        );
        assert_eq!(sent(&Value::Text("a\\;b".into())), "a;b");
        assert_eq!(
            value(&RecordType::Caa, "0 issue \"ca.example.net\"", z)
                .unwrap()
                .to_rdata(),
            "0 issue \"ca.example.net\""
        );
    }

    #[tokio::test]
    async fn hostile_zone_names_are_refused_before_any_request() {
        let server = wiremock::MockServer::start().await;
        let s = Settings::from_config(&config(
            json!({"token": "t-123456789", "api_url": format!("{}/v5/livedns", server.uri())}),
        ))
        .unwrap();
        let p = GandiProvider::with_settings("gandi", s).unwrap();
        crate::provider::assert_refuses_hostile_zones(&p).await;
        assert!(server.received_requests().await.unwrap().is_empty());
    }
}
