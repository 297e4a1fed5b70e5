//! The Azure DNS provider's settings: octodns-azure's keys (and the names Azure's own tools
//! use: `tenant_id`, `subscription_id`) with their defaults, parsed by serde from the config's
//! YAML nodes (an unknown key or a wrong type is an error at its file:line).

use std::time::Duration;

use serde::Deserialize;

use super::{DEFAULT_AUTHORITY, DEFAULT_ENDPOINT, DEFAULT_SCOPE, auth};
use crate::config::ProviderConfig;
use crate::config::fields::{Seconds, Text, Whole};
use crate::provider::endpoint_setting;
use crate::yaml::de::Error;

/// The keys as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    client_id: Option<Text>,
    key: Option<String>,
    directory_id: Option<Text>,
    tenant_id: Option<Text>,
    sub_id: Option<Text>,
    subscription_id: Option<Text>,
    resource_group: Option<Text>,
    client_total_retries: Option<Whole>,
    client_status_retries: Option<Whole>,
    timeout: Option<Seconds>,
    write_concurrency: Option<Whole>,
    endpoint: Option<Text>,
    authority_host: Option<Text>,
    scope: Option<Text>,
}

/// The provider's settings.
#[derive(Clone)]
pub struct Settings {
    pub client_id: String,
    pub key: Option<String>,
    pub tenant_id: String,
    pub subscription_id: String,
    pub resource_group: String,
    /// Tries per request beyond the first, of any kind.
    pub total_retries: u32,
    /// Retries on 429/408/5xx answers.
    pub status_retries: u32,
    pub timeout: Duration,
    pub write_concurrency: usize,
    /// Without a trailing slash.
    pub endpoint: String,
    pub authority_host: String,
    pub scope: String,
    /// The first back-off step (doubled per retry, capped at 10 s).
    pub backoff: Duration,
    /// The longest `Retry-After` honoured as given.
    pub max_retry_after: Duration,
    /// Federated credentials from the environment (used when there is no `key`).
    pub federated: auth::Federated,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("client_id", &self.client_id)
            .field("key", &self.key.as_ref().map(|_| "***"))
            .field("tenant_id", &self.tenant_id)
            .field("subscription_id", &self.subscription_id)
            .field("resource_group", &self.resource_group)
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

impl Settings {
    pub fn from_config(p: &ProviderConfig) -> Result<Settings, Error> {
        let raw: Raw = p.parse_settings()?;
        let required = |k: &str, v: Option<Text>| -> Result<String, Error> {
            v.map(|t| t.0)
                .ok_or_else(|| p.invalid(k, format!("missing `{k}`")))
        };
        // octodns-azure's names, or the ones Azure's own tools use; not both, unless equal
        let either = |a: &str, x: Option<Text>, b: &str, y: Option<Text>| match (x, y) {
            (Some(x), Some(y)) if x != y => Err(p.invalid(
                b,
                format!("`{a}` and `{b}` name the same thing and differ: keep one"),
            )),
            (Some(x), _) | (None, Some(x)) => Ok(x.0),
            (None, None) => Err(p.invalid(a, format!("missing `{a}` (or `{b}`)"))),
        };
        let count = |k: &str, v: Option<Whole>, default: u32| match v {
            None => Ok(default),
            Some(Whole(n)) if n <= 100 => Ok(n as u32),
            Some(_) => Err(p.invalid(k, format!("`{k}` must be a whole number from 0 to 100"))),
        };
        let url = |k: &str, v: Option<Text>, default: String| endpoint_setting(p, k, v, &default);
        let key = match raw.key {
            None => None,
            Some(s) if s.is_empty() => {
                return Err(p.invalid(
                    "key",
                    "`key` is empty (leave it out to use workload identity)",
                ));
            }
            Some(s) => Some(s),
        };
        let write_concurrency = match raw.write_concurrency {
            None => 4,
            Some(Whole(n)) if (1..=32).contains(&n) => n as usize,
            Some(_) => {
                return Err(p.invalid(
                    "write_concurrency",
                    "`write_concurrency` must be a whole number from 1 to 32",
                ));
            }
        };
        let authority_default = std::env::var("AZURE_AUTHORITY_HOST")
            .ok()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_AUTHORITY.into());
        Ok(Settings {
            client_id: required("client_id", raw.client_id)?,
            key,
            tenant_id: either("directory_id", raw.directory_id, "tenant_id", raw.tenant_id)?,
            subscription_id: either("sub_id", raw.sub_id, "subscription_id", raw.subscription_id)?,
            resource_group: required("resource_group", raw.resource_group)?,
            total_retries: count("client_total_retries", raw.client_total_retries, 10)?,
            status_retries: count("client_status_retries", raw.client_status_retries, 3)?,
            timeout: raw.timeout.unwrap_or(Seconds(30.0)).duration(),
            write_concurrency,
            endpoint: url("endpoint", raw.endpoint, DEFAULT_ENDPOINT.into())?,
            authority_host: url("authority_host", raw.authority_host, authority_default)?,
            scope: raw.scope.map_or_else(|| DEFAULT_SCOPE.into(), |t| t.0),
            backoff: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(60),
            federated: auth::Federated::from_env(),
        })
    }
}
