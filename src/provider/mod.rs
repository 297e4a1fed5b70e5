//! Providers: where zones live. One trait, one file (or folder) per provider. Adding a provider
//! is its folder and one line in `registry::ENTRIES` (its class names and constructor); its
//! settings are a `#[derive(Deserialize)]` struct in its folder, read from the config's YAML
//! nodes (`ProviderConfig::parse_settings`), so an unknown key or a wrong type is an error at
//! its file:line.
//!
//! A provider declares what it can hold (`Capabilities`, checked before any network call),
//! reads what exists (`None` when the zone does not exist) and applies a plan computed by
//! `plan` (a provider never writes its own diff). Provider-specific data (record ids, etags)
//! rides in `RecordSet::provider_data`, never in the shared model.
//!
//! HTTP providers talk through `crate::http` (retries, limits, pagination, scrubbed errors);
//! a failure keeps its typed cause (`ProviderError`).
//!
//! Every provider checks the zone name (`check_zone`) before it builds a path, a URL or a query
//! from it, and checks the names a server lists (`checked_names`). Files are written only
//! through `atomic::write`.
//!
//! Rule: `provider` uses `model`, `plan` and `config`; each provider's settings use
//! `yaml::de::Error` (a setting's error with its file:line); the YAML provider also uses `yaml`
//! (it reads zone files) and `validate` (it validates what it reads), Route 53 and NS1
//! `validate`'s continent table; `http` is every HTTP provider's client, `diag` carries the registry's
//! class errors, `secret` scrubs keys from server errors, `random` draws message ids.

pub mod atomic;
pub mod azure;
pub mod cloudflare;
pub mod digitalocean;
pub mod dnsimple;
pub mod dnsmadeeasy;
pub mod etchosts;
pub mod gandi;
pub mod googlecloud;
pub mod hetzner;
pub mod ns1;
pub mod oidc;
pub mod ovh;
pub mod powerdns;
pub mod registry;
pub mod rfc2136;
pub mod route53;
pub mod tinydns;
pub(crate) mod writes;
pub mod yaml;
pub mod zonefile;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::config::ProviderConfig;
use crate::model::{Capabilities, RecordType, Zone};
use crate::plan::{Unsupported, ZonePlan};

pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A provider failure, with everything needed to act on it: which provider and zone (always
/// in the message), and the typed cause where there is one (`source()`), so that a caller
/// can ask for the HTTP status or whether trying again later may help.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// A failure the provider describes itself (a refused name, a partial apply's report).
    #[error("provider {provider}, zone {zone}: {message}")]
    Failed {
        provider: String,
        zone: String,
        message: String,
    },
    /// The API answered with an error: `body` is the provider's reading of it (its error
    /// code and message, scrubbed and shortened); the request and raw answer are the source.
    #[error("provider {provider}, zone {zone}: HTTP {status}: {body}")]
    Api {
        provider: String,
        zone: String,
        status: u16,
        body: String,
        #[source]
        source: Box<crate::http::Error>,
    },
    /// The API could not be used: no answer after the retries, a listing that would not
    /// end, an answer that is not what the API promises.
    #[error("provider {provider}, zone {zone}: {source}")]
    Http {
        provider: String,
        zone: String,
        #[source]
        source: Box<crate::http::Error>,
    },
    /// A DNS exchange failed (RFC 2136): what was being done and its consequences, and why.
    #[error("provider {provider}, zone {zone}: {message}")]
    Dns {
        provider: String,
        zone: String,
        message: String,
        #[source]
        source: Box<rfc2136::client::Failure>,
    },
    /// An AWS SDK call failed after the SDK's own retries.
    #[error("provider {provider}, zone {zone}: {message}")]
    Sdk {
        provider: String,
        zone: String,
        message: String,
        /// The HTTP status of the last answer, when one came.
        status: Option<u16>,
        /// Throttling, a 5xx or no answer: the same call may succeed later.
        retryable: bool,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("provider {provider}: {message}")]
    Config { provider: String, message: String },
    /// A file the provider reads (a zone file, tinydns data) is malformed at `pos`: what the
    /// engine reports as a problem of that file and line, like a YAML zone file's.
    #[error("provider {provider}, zone {zone}: {}: {message}", file_line(pos))]
    File {
        provider: String,
        zone: String,
        pos: crate::yaml::Pos,
        message: String,
    },
}

impl ProviderError {
    /// The HTTP status of the answer behind the error, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            ProviderError::Api { status, .. } => Some(*status),
            ProviderError::Http { source, .. } => source.status(),
            ProviderError::Sdk { status, .. } => *status,
            _ => None,
        }
    }

    /// May the same operation succeed if tried again later (throttling, a server error, a
    /// server that could not be reached)? Errors in the request, the configuration or the
    /// data are not.
    pub fn is_retryable(&self) -> bool {
        match self {
            ProviderError::Api { status, .. } => crate::http::retry::retryable_status(*status),
            ProviderError::Http { source, .. } => source.is_retryable(),
            ProviderError::Dns { source, .. } => source.is_retryable(),
            ProviderError::Sdk { retryable, .. } => *retryable,
            ProviderError::Failed { .. }
            | ProviderError::Config { .. }
            | ProviderError::File { .. } => false,
        }
    }
}

/// `file:line` (`file` alone when there is no line): a line-granular file's position.
fn file_line(pos: &crate::yaml::Pos) -> String {
    if pos.line == 0 {
        pos.file.to_string()
    } else {
        format!("{}:{}", pos.file, pos.line)
    }
}

impl ProviderError {
    /// The file and line a `File` error is about, as a problem of that file.
    pub fn as_diagnostic(&self) -> Option<crate::diag::Diagnostic> {
        match self {
            ProviderError::File {
                provider,
                zone,
                pos,
                message,
            } => Some(
                crate::diag::Diagnostic::error(
                    pos.clone(),
                    "source-file",
                    format!("{message} (source {provider})"),
                )
                .with_subject(zone.clone()),
            ),
            _ => None,
        }
    }

    /// `Failed`: a failure the provider describes itself.
    pub(crate) fn failed(provider: &str, zone: &str, message: impl Into<String>) -> ProviderError {
        ProviderError::Failed {
            provider: provider.to_string(),
            zone: zone.to_string(),
            message: message.into(),
        }
    }

    /// `Http`: the API could not be used.
    pub(crate) fn http(provider: &str, zone: &str, source: crate::http::Error) -> ProviderError {
        ProviderError::Http {
            provider: provider.to_string(),
            zone: zone.to_string(),
            source: Box::new(source),
        }
    }

    /// `Api`: an answer that is not a success. `body` says what was asked and the provider's
    /// reading of the answer (`answer_summary`); the request and raw answer are the source.
    pub(crate) fn api(
        provider: &str,
        zone: &str,
        client: &crate::http::Client,
        req: &crate::http::Request,
        r: &crate::http::Response,
        body: String,
    ) -> ProviderError {
        ProviderError::Api {
            provider: provider.to_string(),
            zone: zone.to_string(),
            status: r.status,
            body,
            source: Box::new(client.status_error(req, r)),
        }
    }
}

/// A provider's reading of an error answer as errors show it: scrubbed of the client's
/// secrets, shortened, `(no body)` when there is nothing.
pub(crate) fn answer_summary(client: &crate::http::Client, text: &str) -> String {
    let s = crate::http::excerpt(client.scrubber(), text);
    if s.is_empty() { "(no body)".into() } else { s }
}

/// An id a server gave, as a path segment of the next request: letters and digits only (an
/// id is never a path, a query or a traversal).
pub(crate) fn checked_id<'a>(
    provider: &str,
    zone: &str,
    id: &'a str,
) -> Result<&'a str, ProviderError> {
    if !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(id)
    } else {
        Err(ProviderError::failed(
            provider,
            zone,
            format!("the server gave the id {id:?}, which is not an id"),
        ))
    }
}

/// An endpoint setting: its value or `default`, without a trailing slash, https (http only
/// on loopback) — an error at the key's line otherwise.
pub(crate) fn endpoint_setting(
    p: &ProviderConfig,
    key: &str,
    value: Option<crate::config::fields::Text>,
    default: &str,
) -> Result<String, crate::yaml::de::Error> {
    let u = value.map_or_else(|| default.to_string(), |t| t.0);
    let u = u.trim_end_matches('/').to_string();
    check_transport(&format!("`{key}`"), &u).map_err(|m| p.invalid(key, m))?;
    Ok(u)
}

/// What an apply did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApplyReport {
    /// Changes applied.
    pub applied: usize,
}

pub trait Provider: Send + Sync {
    fn id(&self) -> &str;

    fn capabilities(&self) -> &Capabilities;

    /// The zone as the provider holds it; `None` when the zone does not exist there.
    fn existing<'a>(&'a self, zone: &'a str) -> BoxFut<'a, Result<Option<Zone>, ProviderError>>;

    /// Make exactly the plan's changes (creating the zone when `!plan.exists`).
    fn apply<'a>(&'a self, plan: &'a ZonePlan) -> BoxFut<'a, Result<ApplyReport, ProviderError>>;

    /// The zones this provider holds (for `'*'` templates and dumps).
    fn list_zones(&self) -> BoxFut<'_, Result<Vec<String>, ProviderError>>;

    /// Local files (CPU-bound reads, no rate limits): read with every core, not limited by
    /// `max_workers`, which bounds requests to remote providers.
    fn is_local(&self) -> bool {
        false
    }

    /// octoDNS's `_process_desired_zone` for what is particular to this provider (after the
    /// generic `plan::fit`): reject or degrade records it cannot hold as written, bring
    /// provider-specific values into the form it reads back. With `strict` a degradation is
    /// an error, otherwise a warning.
    fn process_desired(
        &self,
        desired: Zone,
        _strict: bool,
        _warnings: &mut Vec<String>,
    ) -> Result<Zone, Vec<Unsupported>> {
        Ok(desired)
    }

    /// The DNS servers that answer for this provider's zones, when the provider knows them
    /// (an RFC 2136 server is its own); `dnsplan verify` asks them.
    fn nameservers(&self) -> Option<Vec<std::net::SocketAddr>> {
        None
    }

    /// octoDNS's `_extra_changes`: records that compare equal in the model but must still be
    /// rewritten because of state the model does not carry (Route 53 health checks whose
    /// settings changed). Only records present in both zones are considered.
    fn extra_changes(&self, _existing: &Zone, _desired: &Zone) -> Vec<(String, RecordType)> {
        Vec::new()
    }
}

/// Run blocking work (file I/O and parsing of local providers) on tokio's blocking pool, so
/// that many zones are read in parallel (`block_in_place` inside one stream would serialise
/// them). A panic in the work is re-raised.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(f).await {
        Ok(v) => v,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// Refuse a zone name that is not a DNS name (`model::parse_zone_name`) before any path, URL
/// or query is built from it. Every provider calls this first in `existing` and `apply`.
pub(crate) fn check_zone(provider: &str, zone: &str) -> Result<(), ProviderError> {
    match crate::model::parse_zone_name(zone) {
        Ok(_) => Ok(()),
        Err(e) => Err(ProviderError::Failed {
            provider: provider.to_string(),
            zone: zone.escape_debug().to_string(),
            message: format!("invalid zone name {zone:?}, {e}; nothing was read or written"),
        }),
    }
}

/// A provider's zone list with every name checked (`check_zone`): a name that is not a zone
/// name is an error naming it, never passed on.
pub(crate) fn checked_zone_list(
    provider: &str,
    listed: crate::config::yaml_zones::Listed,
) -> Result<Vec<String>, ProviderError> {
    if listed.refused.is_empty() {
        return Ok(listed.zones);
    }
    Err(ProviderError::Failed {
        provider: provider.to_string(),
        zone: "*".into(),
        message: format!("zone list refused: {}", listed.refused.join("; ")),
    })
}

/// Zone names as an HTTP API lists them (without the final dot, in any case) → `checked_names`.
pub(crate) fn api_zone_names<'a>(
    provider: &str,
    names: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<String>, ProviderError> {
    let names = names
        .into_iter()
        .map(|n| format!("{}.", n.trim_end_matches('.').to_ascii_lowercase()))
        .collect();
    checked_names(provider, names)
}

/// `checked_zone_list` for names a server returned.
pub(crate) fn checked_names(
    provider: &str,
    names: Vec<String>,
) -> Result<Vec<String>, ProviderError> {
    let mut listed = crate::config::yaml_zones::Listed::default();
    for n in names {
        match crate::model::parse_zone_name(&n) {
            Ok(z) => listed.zones.push(z),
            Err(e) => listed
                .refused
                .push(format!("invalid zone name {n:?} from the server, {e}")),
        }
    }
    listed.zones.sort();
    listed.zones.dedup();
    checked_zone_list(provider, listed)
}

/// Zone names no provider may build a path, URL or query from (their tests use these).
#[cfg(test)]
pub(crate) const HOSTILE_ZONES: &[&str] = &[
    "../pwned.",
    "../../etc/",
    "/etc/passwd.",
    "sub/pwned.example.",
    "..\\pwned.",
    "nul\0.example.",
    "a..b.example.",
    "",
    "no-dot",
];

/// Every `HOSTILE_ZONES` name is refused by `p.existing` and `p.apply` with "invalid zone name"
/// (the caller then checks that nothing was read, written or sent).
#[cfg(test)]
pub(crate) async fn assert_refuses_hostile_zones(p: &dyn Provider) {
    for z in HOSTILE_ZONES {
        let e = p.existing(z).await.unwrap_err().to_string();
        assert!(e.contains("invalid zone name"), "{}: {z:?}: {e}", p.id());
        let plan = ZonePlan {
            zone: z.to_string(),
            target: p.id().to_string(),
            exists: false,
            changes: vec![],
            existing_count: 0,
            warnings: vec![],
            ignored: Vec::new(),
            unmanaged: Vec::new(),
        };
        let e = p.apply(&plan).await.unwrap_err().to_string();
        assert!(e.contains("invalid zone name"), "{}: {z:?}: {e}", p.id());
    }
}

/// Leave out of `r` the values the provider refuses (`refusal` says why): each is an error
/// under `strict_supports`, otherwise a warning. False when no value is left (the record is
/// then left out too).
pub(crate) fn drop_refused_values(
    r: &mut crate::model::RecordSet,
    zone: &str,
    strict: bool,
    refusal: fn(&crate::model::Value) -> Option<&'static str>,
    errors: &mut Vec<Unsupported>,
    warnings: &mut Vec<String>,
) -> bool {
    let (keep, drop): (Vec<_>, Vec<_>) = r.values.drain(..).partition(|v| refusal(v).is_none());
    for v in &drop {
        let msg = format!(
            "{} {} {}: {}",
            shown_name(&r.name, zone),
            r.rtype.as_str(),
            v.to_rdata(),
            refusal(v).unwrap_or_default()
        );
        if strict {
            errors.push(Unsupported { message: msg });
        } else {
            warnings.push(format!("{msg}; leaving the value out"));
        }
    }
    r.values = keep;
    !r.values.is_empty()
}

/// A record's name as messages show it: fully qualified, IDN decoded.
pub(crate) fn shown_name(name: &str, zone: &str) -> String {
    let fqdn = if name.is_empty() {
        zone.to_string()
    } else {
        format!("{name}.{zone}")
    };
    crate::model::idna_decode(&fqdn)
}

/// Is `url`'s host a loopback address?
pub(crate) fn loopback(url: &str) -> bool {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    let host = host.rsplit_once('@').map(|(_, h)| h).unwrap_or(host);
    let host = if let Some(h) = host.strip_prefix('[') {
        h.split(']').next().unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or_default()
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// https, or http on loopback only.
pub(crate) fn check_transport(what: &str, url: &str) -> Result<(), String> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") || (lower.starts_with("http://") && loopback(url)) {
        Ok(())
    } else {
        Err(format!(
            "{what} must be an https:// URL (http:// only on loopback): {url}"
        ))
    }
}

/// Percent-encode everything but RFC 3986's unreserved characters (a path segment or a
/// form/query value).
pub(crate) fn url_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// What an apply that failed part-way did and did not do.
pub(crate) fn failure_report(
    applied: &[String],
    failed: &[(String, String)],
    skipped: &[String],
) -> String {
    let total = applied.len() + failed.len() + skipped.len();
    let mut out = format!(
        "{} of {total} change{} applied before the apply stopped",
        applied.len(),
        if total == 1 { "" } else { "s" }
    );
    for (label, why) in failed {
        out.push_str(&format!("\n  failed:      {label}: {why}"));
    }
    let list = |out: &mut String, head: &str, items: &[String]| {
        for l in items {
            out.push_str(&format!("\n  {head} {l}"));
        }
    };
    list(&mut out, "applied:    ", applied);
    list(&mut out, "not applied:", skipped);
    out.push_str(
        "\n  the zone is partly changed: fix the cause and apply again (the next plan shows \
         exactly what is left)",
    );
    out
}

/// Build the provider a config entry describes (through `registry::ENTRIES`).
pub fn build(cfg: &ProviderConfig) -> Result<Arc<dyn Provider>, ProviderError> {
    registry::build(cfg)
}
