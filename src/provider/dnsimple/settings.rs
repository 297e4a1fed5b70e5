//! The DNSimple provider's settings: octodns-dnsimple 1.0's keys (`token`, `account`,
//! `sandbox`), and dnsplan's own `api_url` and `timeout`.

use std::time::Duration;

use serde::Deserialize;

use crate::config::ProviderConfig;
use crate::config::fields::{Flag, Seconds, Text};
use crate::provider::endpoint_setting;
use crate::yaml::de::Error;

pub const PRODUCTION: &str = "https://api.dnsimple.com/v2";
pub const SANDBOX: &str = "https://api.sandbox.dnsimple.com/v2";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    token: Option<String>,
    account: Option<Text>,
    sandbox: Option<Flag>,
    api_url: Option<Text>,
    timeout: Option<Seconds>,
}

#[derive(Clone)]
pub struct Settings {
    pub token: String,
    /// The account id (digits).
    pub account: String,
    /// Without a trailing slash, ending in the API version (`…/v2`).
    pub api_url: String,
    pub timeout: Duration,
    pub backoff: Duration,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("token", &"***")
            .field("account", &self.account)
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
                return Err(p.invalid("token", "missing `token` (a DNSimple API access token)"));
            }
        };
        let account = match raw.account {
            Some(Text(a)) if !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()) => a,
            Some(Text(a)) => {
                return Err(p.invalid(
                    "account",
                    format!("`account` must be the account's number (its id), not {a:?}"),
                ));
            }
            None => {
                return Err(p.invalid(
                    "account",
                    "missing `account` (the DNSimple account's number)",
                ));
            }
        };
        let sandbox = raw.sandbox.is_some_and(|Flag(b)| b);
        let default = if sandbox { SANDBOX } else { PRODUCTION };
        Ok(Settings {
            token,
            account,
            api_url: endpoint_setting(p, "api_url", raw.api_url, default)?,
            timeout: raw.timeout.unwrap_or(Seconds(30.0)).duration(),
            backoff: Duration::from_secs(1),
        })
    }
}
