//! The RFC 2136 provider's settings: octodns-bind's keys and defaults, parsed by serde from the
//! config's YAML nodes (an unknown key or a wrong type is an error at its file:line). The TSIG
//! secret is never printed.

use std::time::Duration;

use hickory_proto::rr::rdata::tsig::TsigAlgorithm;
use serde::Deserialize;

use super::wire::{self, Key, Name};
use crate::config::ProviderConfig;
use crate::config::fields::{Flag, Port, Seconds, Text, Whole};
use crate::yaml::de::Error;

/// The keys as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    host: Option<Text>,
    port: Option<Port>,
    ipv6: Option<Flag>,
    timeout: Option<Seconds>,
    key_name: Option<Text>,
    key_secret: Option<String>,
    key_algorithm: Option<Text>,
    update_batch_size: Option<Whole>,
}

/// The provider's settings, with octodns-bind's names and defaults.
#[derive(Clone)]
pub struct Settings {
    pub host: String,
    pub port: u16,
    pub ipv6: bool,
    pub timeout: Duration,
    pub key: Option<Key>,
    pub update_batch_size: Option<usize>,
    /// octoDNS's `AxfrSource`: reads only.
    pub read_only: bool,
    /// The largest UPDATE message sent (tests lower it to exercise chunking).
    pub max_message: usize,
    /// Pause before the second read attempt (doubled for the third).
    pub backoff: Duration,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("ipv6", &self.ipv6)
            .field("timeout", &self.timeout)
            .field("key", &self.key)
            .field("update_batch_size", &self.update_batch_size)
            .field("read_only", &self.read_only)
            .finish()
    }
}

/// The TSIG algorithm named by `key_algorithm` (BIND's and dnspython's spellings).
pub fn algorithm(name: &str) -> Result<TsigAlgorithm, AlgorithmError> {
    let n = name.trim().trim_end_matches('.').to_ascii_lowercase();
    match n.as_str() {
        "hmac-sha256" => Ok(TsigAlgorithm::HmacSha256),
        "hmac-sha384" => Ok(TsigAlgorithm::HmacSha384),
        "hmac-sha512" => Ok(TsigAlgorithm::HmacSha512),
        "hmac-md5" | "hmac-md5.sig-alg.reg.int" | "hmac-sha1" | "hmac-sha224" => {
            Err(AlgorithmError::Weak(name.to_string()))
        }
        _ => Err(AlgorithmError::Unknown(name.to_string())),
    }
}

/// A `key_algorithm` that is not used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AlgorithmError {
    #[error(
        "key_algorithm {0} is not supported (it is weak or rare): use hmac-sha256, hmac-sha384 \
         or hmac-sha512"
    )]
    Weak(String),
    #[error("unknown key_algorithm {0:?}; known: hmac-sha256, hmac-sha384, hmac-sha512")]
    Unknown(String),
}

impl Settings {
    pub fn from_config(p: &ProviderConfig) -> Result<Settings, Error> {
        let raw: Raw = p.parse_settings()?;
        let host = raw
            .host
            .ok_or_else(|| p.invalid("host", "missing `host`"))?
            .0;
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(&host)
            .to_string();
        let update_batch_size = match raw.update_batch_size {
            None => None,
            Some(Whole(n)) if n > 0 => Some(n as usize),
            Some(_) => {
                return Err(p.invalid(
                    "update_batch_size",
                    "`update_batch_size` must be a positive number of changes",
                ));
            }
        };
        let key_name = raw.key_name.map(|t| t.0);
        let key_algorithm = raw.key_algorithm.map(|t| t.0);
        let key_secret = match raw.key_secret {
            None => None,
            Some(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(_) => return Err(p.invalid("key_secret", "`key_secret` is empty")),
        };
        let key = match (key_name, key_secret) {
            (None, None) => {
                if key_algorithm.is_some() {
                    return Err(p.invalid(
                        "key_algorithm",
                        "`key_algorithm` is set without `key_name` and `key_secret`",
                    ));
                }
                None
            }
            (Some(_), None) => {
                return Err(p.invalid("key_name", "`key_name` is set without `key_secret`"));
            }
            (None, Some(_)) => {
                return Err(p.invalid("key_secret", "`key_secret` is set without `key_name`"));
            }
            (Some(name), Some(secret)) => {
                let algorithm = algorithm(key_algorithm.as_deref().unwrap_or("hmac-sha256"))
                    .map_err(|e| p.invalid("key_algorithm", e.to_string()))?;
                let secret = data_encoding::BASE64
                    .decode(secret.as_bytes())
                    .or_else(|_| {
                        data_encoding::BASE64_NOPAD.decode(secret.trim_end_matches('=').as_bytes())
                    })
                    .map_err(|_| {
                        p.invalid(
                            "key_secret",
                            "`key_secret` is not base64 (as tsig-keygen prints it)",
                        )
                    })?;
                if secret.is_empty() {
                    return Err(p.invalid("key_secret", "`key_secret` is empty"));
                }
                let full = if name.ends_with('.') {
                    name.clone()
                } else {
                    format!("{name}.")
                };
                let name = Name::parse(&full, None)
                    .map_err(|e| p.invalid("key_name", format!("`key_name` {name:?}: {e}")))?
                    .lowercase();
                Some(Key {
                    name,
                    algorithm,
                    secret,
                })
            }
        };
        Ok(Settings {
            host,
            port: raw.port.map_or(53, |p| p.0),
            ipv6: raw.ipv6.is_some_and(|f| f.0),
            timeout: raw.timeout.unwrap_or(Seconds(15.0)).duration(),
            key,
            update_batch_size,
            read_only: is_axfr_source(&p.class),
            max_message: wire::MAX_MESSAGE,
            backoff: Duration::from_millis(200),
        })
    }
}

/// octoDNS's read-only `AxfrSource` (as opposed to `Rfc2136Provider` / `BindProvider`).
pub fn is_axfr_source(class: &str) -> bool {
    class.ends_with(".AxfrSource") || class == "AxfrSource" || class == "axfr"
}
