//! The DigitalOcean provider's settings: octodns-digitalocean 1.0's one key (`token`), and
//! dnsplan's own `api_url` and `timeout`.

use std::time::Duration;

use serde::Deserialize;

use crate::config::ProviderConfig;
use crate::config::fields::{Seconds, Text};
use crate::provider::endpoint_setting;
use crate::yaml::de::Error;

pub const DEFAULT_API_URL: &str = "https://api.digitalocean.com/v2";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    token: Option<String>,
    api_url: Option<Text>,
    timeout: Option<Seconds>,
}

#[derive(Clone)]
pub struct Settings {
    pub token: String,
    /// Without a trailing slash, ending in the API version (`…/v2`).
    pub api_url: String,
    pub timeout: Duration,
    /// The first back-off step when the API does not say how long to wait.
    pub backoff: Duration,
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
                return Err(p.invalid(
                    "token",
                    "missing `token` (a DigitalOcean API token with read and write scope)",
                ));
            }
        };
        Ok(Settings {
            token,
            api_url: endpoint_setting(p, "api_url", raw.api_url, DEFAULT_API_URL)?,
            timeout: raw.timeout.unwrap_or(Seconds(30.0)).duration(),
            backoff: Duration::from_secs(1),
        })
    }
}
