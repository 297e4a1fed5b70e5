//! The Route 53 provider's settings: octodns-route53's keys and defaults, parsed by serde from
//! the config's YAML nodes (an unknown key or a wrong type is an error at its file:line).

use serde::Deserialize;

use crate::config::ProviderConfig;
use crate::config::fields::{Flag, Text, Whole};
use crate::yaml::de::Error;

/// The keys as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    access_key_id: Option<Text>,
    secret_access_key: Option<Text>,
    session_token: Option<Text>,
    role_arn: Option<Text>,
    profile: Option<Text>,
    max_changes: Option<Whole>,
    client_max_attempts: Option<Whole>,
    delegation_set_id: Option<Text>,
    get_zones_by_name: Option<Flag>,
    private: Option<Flag>,
    vpc_id: Option<Text>,
    vpc_region: Option<Text>,
    vpc_multi_action: Option<Text>,
}

/// The provider's settings, with octodns-route53's names and defaults.
#[derive(Clone, Default)]
pub struct Settings {
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    pub role_arn: Option<String>,
    pub profile: Option<String>,
    pub max_changes: usize,
    pub client_max_attempts: u32,
    pub delegation_set_id: Option<String>,
    pub get_zones_by_name: bool,
    pub private: Option<bool>,
    pub vpc_id: Option<String>,
    pub vpc_region: Option<String>,
    pub vpc_multi_action: String,
    /// Not a config key: the endpoint comes from the standard AWS settings. Tests set it.
    pub endpoint_url: Option<String>,
    /// The first retry's backoff ceiling (the SDK's standard 1 s); tests shorten it.
    pub initial_backoff: std::time::Duration,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |o: &Option<String>| o.as_ref().map(|_| "***");
        f.debug_struct("Settings")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &hidden(&self.secret_access_key))
            .field("session_token", &hidden(&self.session_token))
            .field("role_arn", &self.role_arn)
            .field("profile", &self.profile)
            .field("max_changes", &self.max_changes)
            .field("client_max_attempts", &self.client_max_attempts)
            .field("delegation_set_id", &self.delegation_set_id)
            .field("get_zones_by_name", &self.get_zones_by_name)
            .field("private", &self.private)
            .field("vpc_id", &self.vpc_id)
            .finish()
    }
}

impl Settings {
    pub fn from_config(p: &ProviderConfig) -> Result<Settings, Error> {
        let raw: Raw = p.parse_settings()?;
        let text = |t: Option<Text>| t.map(|t| t.0);
        let number =
            |k: &str, v: Option<Whole>, default: u64, range: std::ops::RangeInclusive<u64>| match v
            {
                None => Ok(default),
                Some(Whole(n)) if range.contains(&n) => Ok(n),
                Some(_) => Err(p.invalid(
                    k,
                    format!(
                        "`{k}` must be a whole number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                )),
            };
        let s = Settings {
            access_key_id: text(raw.access_key_id),
            secret_access_key: text(raw.secret_access_key),
            session_token: text(raw.session_token),
            role_arn: text(raw.role_arn),
            profile: text(raw.profile),
            max_changes: number("max_changes", raw.max_changes, 1000, 1..=1000)? as usize,
            client_max_attempts: number("client_max_attempts", raw.client_max_attempts, 5, 1..=50)?
                as u32,
            delegation_set_id: text(raw.delegation_set_id),
            get_zones_by_name: raw.get_zones_by_name.is_some_and(|f| f.0),
            private: raw.private.map(|f| f.0),
            vpc_id: text(raw.vpc_id),
            vpc_region: text(raw.vpc_region),
            vpc_multi_action: text(raw.vpc_multi_action).unwrap_or_else(|| "error".into()),
            endpoint_url: None,
            initial_backoff: std::time::Duration::from_secs(1),
        };
        let bad = |k: &str, m: &str| Err(p.invalid(k, m));
        if s.access_key_id.is_some() != s.secret_access_key.is_some() {
            return bad(
                "access_key_id",
                "`access_key_id` and `secret_access_key` go together: set both, or \
                 neither to use the standard AWS credential chain",
            );
        }
        let mut s = s;
        if s.vpc_id.is_some() {
            if s.vpc_region.is_none() {
                return bad("vpc_id", "vpc_region is required when vpc_id is specified");
            }
            if s.private == Some(false) {
                return bad(
                    "private",
                    "vpc_id cannot be used with private=False (VPC-associated zones \
                     are always private)",
                );
            }
            s.private = Some(true);
        }
        if !["error", "warn", "ignore"].contains(&s.vpc_multi_action.as_str()) {
            return bad(
                "vpc_multi_action",
                "vpc_multi_action must be 'error', 'warn', or 'ignore'",
            );
        }
        if s.delegation_set_id.is_some() && s.private == Some(true) {
            return bad(
                "delegation_set_id",
                "delegation_set_id cannot be used with private zones (delegation sets \
                 only apply to public zones)",
            );
        }
        Ok(s)
    }
}
