//! The NS1 provider's settings: octodns-ns1 1.0's keys with its defaults (`api_key`,
//! `retry_count`, `monitor_regions`, `parallelism`, `client_config`, `shared_notifylist`,
//! `use_http_monitors`, `default_healthcheck_http_version`), and dnsplan's own `api_url` and
//! `timeout`.

use std::time::Duration;

use serde::Deserialize;

use crate::config::ProviderConfig;
use crate::config::fields::{Flag, Seconds, Text, Whole};
use crate::provider::endpoint_setting;
use crate::yaml::de::Error;

pub const DEFAULT_API_URL: &str = "https://api.nsone.net/v1";

/// `client_config`: the NS1 SDK's options octodns-ns1 passes through.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientConfig {
    endpoint: Option<Text>,
    port: Option<Text>,
    #[serde(rename = "ignore-ssl-errors")]
    ignore_ssl_errors: Option<Flag>,
    follow_pagination: Option<Flag>,
}

/// The keys as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    api_key: Option<String>,
    retry_count: Option<Whole>,
    monitor_regions: Option<Vec<Text>>,
    parallelism: Option<Whole>,
    client_config: Option<ClientConfig>,
    shared_notifylist: Option<Flag>,
    use_http_monitors: Option<Flag>,
    default_healthcheck_http_version: Option<Text>,
    api_url: Option<Text>,
    timeout: Option<Seconds>,
}

#[derive(Clone)]
pub struct Settings {
    pub api_key: String,
    /// Tries after a 429 (octodns-ns1: `retry_count`, default 4).
    pub retry_count: u32,
    /// Where monitors run (NS1 monitoring region codes, `lga`, `sjc`, …); needed for dynamic
    /// records.
    pub monitor_regions: Vec<String>,
    /// Tokens of NS1's bucket left for other clients of the same key (octodns-ns1's
    /// `parallelism`: the number of workers sharing it).
    pub parallelism: u32,
    /// One notify list shared by every monitor (`octoDNS NS1 Notify List`) rather than one
    /// per monitor.
    pub shared_notifylist: bool,
    /// HTTP(S) health checks as NS1 `http` monitors rather than HTTP-emulating `tcp` ones.
    pub use_http_monitors: bool,
    /// `HTTP/1.0` or `HTTP/1.1`, for the `tcp` monitors' request line.
    pub default_http_version: String,
    /// Without a trailing slash, ending in the API version (`…/v1`).
    pub api_url: String,
    pub timeout: Duration,
    /// The first back-off step when NS1 does not say how long to wait.
    pub backoff: Duration,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("api_key", &"***")
            .field("api_url", &self.api_url)
            .field("monitor_regions", &self.monitor_regions)
            .finish()
    }
}

pub const HTTP_VERSIONS: &[&str] = &["HTTP/1.0", "HTTP/1.1"];

impl Settings {
    pub fn from_config(p: &ProviderConfig) -> Result<Settings, Error> {
        let raw: Raw = p.parse_settings()?;
        let api_key = match raw.api_key {
            Some(k) if !k.trim().is_empty() => k,
            Some(_) => return Err(p.invalid("api_key", "`api_key` is empty")),
            None => return Err(p.invalid("api_key", "missing `api_key` (an NS1 API key)")),
        };
        let whole = |k: &str, v: Option<Whole>, default: u32, hi: u64| match v {
            None => Ok(default),
            Some(Whole(n)) if n <= hi => Ok(n as u32),
            Some(_) => Err(p.invalid(k, format!("`{k}` must be a whole number from 0 to {hi}"))),
        };
        let default_http_version = match raw.default_healthcheck_http_version {
            None => "HTTP/1.0".to_string(),
            Some(Text(v)) if HTTP_VERSIONS.contains(&v.as_str()) => v,
            Some(Text(v)) => {
                return Err(p.invalid(
                    "default_healthcheck_http_version",
                    format!("unsupported http version found: {v:?}; expected HTTP/1.0 or HTTP/1.1"),
                ));
            }
        };
        let monitor_regions: Vec<String> = raw
            .monitor_regions
            .unwrap_or_default()
            .into_iter()
            .map(|t| t.0)
            .collect();
        if let Some(bad) = monitor_regions
            .iter()
            .find(|r| r.is_empty() || !r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            return Err(p.invalid(
                "monitor_regions",
                format!("{bad:?} is not an NS1 monitoring region code (such as lga, sjc, ams)"),
            ));
        }
        let api_url = api_url(p, raw.api_url, raw.client_config)?;
        Ok(Settings {
            api_key,
            retry_count: whole("retry_count", raw.retry_count, 4, 100)?,
            monitor_regions,
            parallelism: whole("parallelism", raw.parallelism, 0, 10_000)?,
            shared_notifylist: raw.shared_notifylist.is_some_and(|Flag(b)| b),
            use_http_monitors: raw.use_http_monitors.is_some_and(|Flag(b)| b),
            default_http_version,
            api_url,
            timeout: raw.timeout.unwrap_or(Seconds(30.0)).duration(),
            backoff: Duration::from_secs(1),
        })
    }
}

/// The API's base URL: dnsplan's `api_url`, or the NS1 SDK's `https://{endpoint}:{port}/v1`
/// from `client_config` (octoDNS's way to name a private NS1 deployment).
fn api_url(
    p: &ProviderConfig,
    api_url: Option<Text>,
    cc: Option<ClientConfig>,
) -> Result<String, Error> {
    let cc = cc.unwrap_or(ClientConfig {
        endpoint: None,
        port: None,
        ignore_ssl_errors: None,
        follow_pagination: None,
    });
    if cc.ignore_ssl_errors.is_some_and(|Flag(b)| b) {
        return Err(p.invalid(
            "client_config",
            "`client_config.ignore-ssl-errors: true` is not supported: dnsplan always verifies \
             the API's TLS certificate (install the deployment's CA in the system store instead)",
        ));
    }
    if cc.follow_pagination.is_some_and(|Flag(b)| !b) {
        tracing::warn!(
            provider = %p.id,
            "`client_config.follow_pagination: false` is ignored: dnsplan reads every page of a \
             zone (a partial read would plan the deletion of the records not read)"
        );
    }
    if api_url.is_some() && (cc.endpoint.is_some() || cc.port.is_some()) {
        return Err(p.invalid(
            "api_url",
            "set either `api_url` or `client_config.endpoint`/`port`, not both",
        ));
    }
    let from_client = match (cc.endpoint, cc.port) {
        (None, None) => None,
        (endpoint, port) => {
            let host = endpoint.map_or_else(|| "api.nsone.net".to_string(), |t| t.0);
            if host.is_empty()
                || host.contains(['/', ':', '@', '?', '#'])
                || host.contains(char::is_whitespace)
            {
                return Err(p.invalid(
                    "client_config",
                    format!("`client_config.endpoint` must be a host name (such as api.nsone.net), not {host:?}"),
                ));
            }
            let port = match port {
                None => String::new(),
                Some(Text(n)) => match n.parse::<u16>() {
                    Ok(n) if n > 0 => format!(":{n}"),
                    _ => {
                        return Err(p.invalid(
                            "client_config",
                            format!("`client_config.port` must be a port number, not {n:?}"),
                        ));
                    }
                },
            };
            Some(Text(format!("https://{host}{port}/v1")))
        }
    };
    let (key, value) = match (api_url, from_client) {
        (Some(u), _) => ("api_url", Some(u)),
        (None, Some(u)) => ("client_config", Some(u)),
        (None, None) => ("api_url", None),
    };
    endpoint_setting(p, key, value, DEFAULT_API_URL)
}
