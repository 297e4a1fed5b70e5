//! The Hetzner provider's settings: octodns-hetzner 2.0's keys (`token`, `backend`) with its
//! defaults, and dnsplan's own `timeout` and endpoints.

use std::time::Duration;

use serde::Deserialize;

use crate::config::ProviderConfig;
use crate::config::fields::{Seconds, Text};
use crate::provider::endpoint_setting;
use crate::yaml::de::Error;

pub const CLOUD_API: &str = "https://api.hetzner.cloud/v1";
pub const DNS_CONSOLE_API: &str = "https://dns.hetzner.com/api/v1";

/// Which Hetzner API holds the zones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The Hetzner Cloud API's Zones and RRsets (`backend: hcloud`).
    Cloud,
    /// The old DNS Console API (`backend: dnsapi`, octodns-hetzner's default).
    DnsConsole,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    token: Option<String>,
    backend: Option<Text>,
    timeout: Option<Seconds>,
    endpoint: Option<Text>,
}

#[derive(Clone)]
pub struct Settings {
    pub token: String,
    pub backend: Backend,
    pub timeout: Duration,
    /// Without a trailing slash.
    pub endpoint: String,
    /// The first wait between polls of a running action.
    pub poll: Duration,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("token", &"***")
            .field("backend", &self.backend)
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

impl Settings {
    pub fn from_config(p: &ProviderConfig) -> Result<Settings, Error> {
        let raw: Raw = p.parse_settings()?;
        let token = match raw.token {
            Some(t) if !t.trim().is_empty() => t,
            Some(_) => return Err(p.invalid("token", "`token` is empty")),
            None => return Err(p.invalid("token", "missing `token` (a Hetzner API token)")),
        };
        let backend = match raw.backend.as_ref().map(|t| t.0.as_str()) {
            None | Some("dnsapi") => Backend::DnsConsole,
            Some("hcloud") => Backend::Cloud,
            Some(other) => {
                return Err(p.invalid(
                    "backend",
                    format!("`backend` must be `hcloud` (the Cloud API) or `dnsapi` (the DNS Console API), not `{other}`"),
                ));
            }
        };
        let default = match backend {
            Backend::Cloud => CLOUD_API,
            Backend::DnsConsole => DNS_CONSOLE_API,
        };
        let endpoint = endpoint_setting(p, "endpoint", raw.endpoint, default)?;
        Ok(Settings {
            token,
            backend,
            timeout: raw.timeout.unwrap_or(Seconds(30.0)).duration(),
            endpoint,
            poll: Duration::from_millis(100),
        })
    }
}
