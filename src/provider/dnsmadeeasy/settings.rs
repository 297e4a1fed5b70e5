//! The DNS Made Easy provider's settings: octodns-dnsmadeeasy 1.0's keys (`api_key`,
//! `secret_key`, `sandbox`, `ratelimit_delay`, `batch_size`), and dnsplan's own `api_url` and
//! `timeout`.

use std::time::Duration;

use serde::Deserialize;

use crate::config::ProviderConfig;
use crate::config::fields::{Flag, Seconds, Text, Whole};
use crate::provider::endpoint_setting;
use crate::yaml::de::Error;

pub const PRODUCTION: &str = "https://api.dnsmadeeasy.com/V2.0";
pub const SANDBOX: &str = "https://api.sandbox.dnsmadeeasy.com/V2.0";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    api_key: Option<String>,
    secret_key: Option<String>,
    sandbox: Option<Flag>,
    ratelimit_delay: Option<Seconds>,
    batch_size: Option<Whole>,
    api_url: Option<Text>,
    timeout: Option<Seconds>,
}

#[derive(Clone)]
pub struct Settings {
    pub api_key: String,
    pub secret_key: String,
    /// A pause after every request (octodns-dnsmadeeasy's `ratelimit_delay`).
    pub delay: Duration,
    /// Records per bulk request.
    pub batch_size: usize,
    /// Without a trailing slash, ending in `…/V2.0`.
    pub api_url: String,
    pub timeout: Duration,
    pub backoff: Duration,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("api_key", &"***")
            .field("secret_key", &"***")
            .field("api_url", &self.api_url)
            .field("batch_size", &self.batch_size)
            .finish()
    }
}

impl Settings {
    pub fn from_config(p: &ProviderConfig) -> Result<Settings, Error> {
        let raw: Raw = p.parse_settings()?;
        let secret = |k: &str, v: Option<String>| match v {
            Some(s) if !s.trim().is_empty() => Ok(s),
            Some(_) => Err(p.invalid(k, format!("`{k}` is empty"))),
            None => Err(p.invalid(
                k,
                format!("missing `{k}` (DNS Made Easy's API credentials)"),
            )),
        };
        let batch_size = match raw.batch_size {
            None => 200,
            Some(Whole(n)) if (1..=10_000).contains(&n) => n as usize,
            Some(_) => {
                return Err(p.invalid(
                    "batch_size",
                    "`batch_size` must be a whole number from 1 to 10000",
                ));
            }
        };
        let sandbox = raw.sandbox.is_some_and(|Flag(b)| b);
        let default = if sandbox { SANDBOX } else { PRODUCTION };
        Ok(Settings {
            api_key: secret("api_key", raw.api_key)?,
            secret_key: secret("secret_key", raw.secret_key)?,
            delay: raw.ratelimit_delay.unwrap_or(Seconds(0.0)).duration(),
            batch_size,
            api_url: endpoint_setting(p, "api_url", raw.api_url, default)?,
            timeout: raw.timeout.unwrap_or(Seconds(30.0)).duration(),
            backoff: Duration::from_secs(2),
        })
    }
}
