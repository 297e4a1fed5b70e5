//! The PowerDNS provider's settings: octodns-powerdns's keys and defaults, parsed by serde from
//! the config's YAML nodes (an unknown key or a wrong type is an error at its file:line).

use std::time::Duration;

use serde::Deserialize;
use serde::de::{Deserializer, Error as _};

use crate::config::ProviderConfig;
use crate::config::fields::{Flag, Port, Scalar, Seconds, Text};
use crate::yaml::de::Error;

const SOA_EDIT_API: &[&str] = &[
    "default",
    "increase",
    "epoch",
    "soa-edit",
    "soa-edit-increase",
];
const MODES: &[&str] = &["native", "primary", "secondary", "master", "slave"];

/// TLS certificate checking (`ssl_verify`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SslVerify {
    Yes,
    No,
    /// A PEM file of CA certificates to trust (in addition to the system's).
    CaBundle(String),
}

impl<'de> Deserialize<'de> for SslVerify {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const WANT: &str = "true, false or the path of a CA bundle";
        match Scalar::deserialize(d)? {
            Scalar::Bool(true) => Ok(SslVerify::Yes),
            Scalar::Bool(false) => Ok(SslVerify::No),
            Scalar::Str(s) if s.eq_ignore_ascii_case("true") => Ok(SslVerify::Yes),
            Scalar::Str(s) if s.eq_ignore_ascii_case("false") => Ok(SslVerify::No),
            Scalar::Str(s) if !s.is_empty() => Ok(SslVerify::CaBundle(s)),
            Scalar::Str(_) => Err(D::Error::custom(format!("must be {WANT}"))),
            other => Err(other.wrong(WANT)),
        }
    }
}

/// The keys as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    host: Option<Text>,
    port: Option<Port>,
    api_key: Option<String>,
    scheme: Option<Text>,
    server_id: Option<Text>,
    timeout: Option<Seconds>,
    soa_edit_api: Option<Text>,
    mode_of_operation: Option<Text>,
    notify: Option<Flag>,
    ssl_verify: Option<SslVerify>,
    enable_dynamic: Option<Flag>,
}

/// The provider's settings, with octodns-powerdns's names and defaults.
#[derive(Clone)]
pub struct Settings {
    pub host: String,
    pub port: u16,
    pub scheme: String,
    pub api_key: String,
    pub server_id: String,
    pub timeout: Duration,
    pub soa_edit_api: String,
    pub mode_of_operation: String,
    pub notify: bool,
    pub ssl_verify: SslVerify,
    /// Tries per request (the first one included) for retryable failures.
    pub max_attempts: u32,
    /// The first retry waits up to this long; each later one twice as long (capped at 5 s).
    pub backoff: Duration,
    /// `enable_dynamic`: None asks the server (`enable-lua-records` and the geoip backend).
    pub enable_dynamic: Option<bool>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("url", &self.base_url())
            .field("api_key", &"***")
            .field("timeout", &self.timeout)
            .field("soa_edit_api", &self.soa_edit_api)
            .field("mode_of_operation", &self.mode_of_operation)
            .field("notify", &self.notify)
            .field("ssl_verify", &self.ssl_verify)
            .finish()
    }
}

impl Settings {
    pub fn from_config(p: &ProviderConfig) -> Result<Settings, Error> {
        let raw: Raw = p.parse_settings().map_err(|e| {
            if e.unknown.iter().any(|k| k == "nameserver_values") {
                e.with_hint(
                    " (nameserver_values is no longer supported by octodns-powerdns: configure \
                     the root NS record in the zone files)",
                )
            } else {
                e
            }
        })?;
        let text = |v: Option<Text>, default: &str| v.map_or(default.to_string(), |t| t.0);
        let host = raw
            .host
            .ok_or_else(|| p.invalid("host", "missing `host`"))?
            .0;
        let api_key = match raw.api_key {
            Some(s) if !s.is_empty() => s,
            Some(_) => return Err(p.invalid("api_key", "`api_key` is empty")),
            None => return Err(p.invalid("api_key", "missing `api_key`")),
        };
        let scheme = text(raw.scheme, "http").to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(p.invalid(
                "scheme",
                format!("`scheme` must be http or https, not {scheme:?}"),
            ));
        }
        let soa_edit_api = text(raw.soa_edit_api, "default");
        if !SOA_EDIT_API.contains(&soa_edit_api.as_str()) {
            return Err(p.invalid(
                "soa_edit_api",
                format!(
                    "invalid soa_edit_api, {soa_edit_api:?} - available values: {}",
                    SOA_EDIT_API.join(", ")
                ),
            ));
        }
        let mode_of_operation = text(raw.mode_of_operation, "master");
        if !MODES.contains(&mode_of_operation.as_str()) {
            return Err(p.invalid(
                "mode_of_operation",
                format!(
                    "invalid mode_of_operation {mode_of_operation:?} - available values: {}",
                    MODES.join(", ")
                ),
            ));
        }
        Ok(Settings {
            enable_dynamic: raw.enable_dynamic.map(|f| f.0),
            host,
            port: raw.port.map_or(8081, |p| p.0),
            scheme,
            api_key,
            server_id: text(raw.server_id, "localhost"),
            timeout: raw.timeout.unwrap_or(Seconds(5.0)).duration(),
            soa_edit_api,
            mode_of_operation,
            notify: raw.notify.is_some_and(|f| f.0),
            ssl_verify: raw.ssl_verify.unwrap_or(SslVerify::Yes),
            max_attempts: 4,
            backoff: Duration::from_millis(250),
        })
    }

    /// `scheme://host:port` (an IPv6 host in brackets).
    pub fn base_url(&self) -> String {
        let host = if self.host.contains(':') && !self.host.starts_with('[') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("{}://{host}:{}", self.scheme, self.port)
    }
}
