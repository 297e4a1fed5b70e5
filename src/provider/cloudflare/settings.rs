//! The Cloudflare provider's settings: octodns-cloudflare 1.2's keys with its defaults, parsed
//! by serde from the config's YAML nodes (an unknown key or a wrong type is an error at its
//! file:line), and dnsplan's own `batch_size`.

use std::time::Duration;

use serde::Deserialize;

use crate::config::ProviderConfig;
use crate::config::fields::{Flag, Seconds, Text, Whole};
use crate::provider::endpoint_setting;
use crate::yaml::de::Error;

pub const DEFAULT_API_URL: &str = "https://api.cloudflare.com/client/v4";

/// The keys as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    email: Option<Text>,
    token: Option<String>,
    account_id: Option<Text>,
    cdn: Option<Flag>,
    pagerules: Option<Flag>,
    plan_type: Option<Text>,
    retry_count: Option<Whole>,
    retry_period: Option<Seconds>,
    auth_error_retry_count: Option<Whole>,
    zones_per_page: Option<Whole>,
    records_per_page: Option<Whole>,
    min_ttl: Option<Whole>,
    timeout: Option<Seconds>,
    api_url: Option<Text>,
    batch_size: Option<Whole>,
}

/// How requests authenticate.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// An API token: `Authorization: Bearer …`.
    Token(String),
    /// The legacy global API key with the account's email: `X-Auth-Email` + `X-Auth-Key`.
    Key { email: String, key: String },
}

impl Auth {
    /// The secret itself (for scrubbing and the shared rate bucket).
    pub fn secret(&self) -> &str {
        match self {
            Auth::Token(t) => t,
            Auth::Key { key, .. } => key,
        }
    }
}

/// The provider's settings.
#[derive(Clone)]
pub struct Settings {
    pub auth: Auth,
    pub account_id: Option<String>,
    /// `pagerules` as written (page rules are not read or written by dnsplan, see the docs).
    pub pagerules: bool,
    /// Retries after a 429 or 5xx answer.
    pub retry_count: u32,
    /// The longest wait between tries (a `Retry-After` above it is cut to it).
    pub retry_period: Duration,
    pub zones_per_page: u32,
    pub records_per_page: u32,
    pub min_ttl: u32,
    pub timeout: Duration,
    /// Without a trailing slash.
    pub api_url: String,
    /// Record changes per `POST …/dns_records/batch` (Cloudflare allows 200 on the Free plan,
    /// 3,500 on the others).
    pub batch_size: usize,
    /// The first back-off step when no `Retry-After` is given.
    pub backoff: Duration,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let auth = match &self.auth {
            Auth::Token(_) => "token ***".to_string(),
            Auth::Key { email, .. } => format!("email {email}, key ***"),
        };
        f.debug_struct("Settings")
            .field("auth", &auth)
            .field("account_id", &self.account_id)
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
                return Err(p.invalid(
                    "token",
                    "missing `token` (an API token, or the global API key with `email`)",
                ));
            }
        };
        let auth = match raw.email {
            Some(Text(email)) if !email.trim().is_empty() => Auth::Key { email, key: token },
            _ => Auth::Token(token),
        };
        if raw.cdn.is_some_and(|Flag(b)| b) {
            return Err(p.invalid(
                "cdn",
                "`cdn: true` (proxied records read as CNAMEs to *.cdn.cloudflare.net.) is not \
                 supported by dnsplan; leave it out or set it to false",
            ));
        }
        if let Some(Text(plan)) = raw.plan_type {
            return Err(p.invalid(
                "plan_type",
                format!(
                    "`plan_type: {plan}` (changing the zone's Cloudflare plan) is not supported \
                     by dnsplan; change the plan in Cloudflare and leave the key out"
                ),
            ));
        }
        let count = |k: &str, v: Option<Whole>, default: u32, lo: u64, hi: u64| match v {
            None => Ok(default),
            Some(Whole(n)) if (lo..=hi).contains(&n) => Ok(n as u32),
            Some(_) => Err(p.invalid(k, format!("`{k}` must be a whole number from {lo} to {hi}"))),
        };
        if raw.auth_error_retry_count.is_some_and(|Whole(n)| n > 0) {
            return Err(p.invalid(
                "auth_error_retry_count",
                "`auth_error_retry_count` above 0 is not supported: dnsplan does not send a \
                 refused credential again",
            ));
        }
        let api_url = endpoint_setting(p, "api_url", raw.api_url, DEFAULT_API_URL)?;
        let retry_period = raw.retry_period.unwrap_or(Seconds(300.0)).duration();
        Ok(Settings {
            auth,
            account_id: raw.account_id.map(|t| t.0).filter(|s| !s.is_empty()),
            pagerules: raw.pagerules.is_none_or(|Flag(b)| b),
            retry_count: count("retry_count", raw.retry_count, 4, 0, 100)?,
            retry_period,
            zones_per_page: count("zones_per_page", raw.zones_per_page, 50, 5, 50)?,
            records_per_page: count("records_per_page", raw.records_per_page, 100, 5, 5_000)?,
            min_ttl: count("min_ttl", raw.min_ttl, 120, 1, 86_400)?,
            timeout: raw.timeout.unwrap_or(Seconds(15.0)).duration(),
            api_url,
            batch_size: count("batch_size", raw.batch_size, 200, 1, 3_500)? as usize,
            backoff: Duration::from_secs(1).min(retry_period),
        })
    }
}
