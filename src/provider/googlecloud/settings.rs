//! The Google Cloud DNS provider's settings: octodns-googlecloud 1.1's keys (`project`,
//! `credentials_file`, `batch_size`, `private`) with its defaults, and dnsplan's own for
//! workload identity federation from GitHub Actions and for the endpoints.

use std::time::Duration;

use serde::Deserialize;

use crate::config::ProviderConfig;
use crate::config::fields::{Flag, Seconds, Text, Whole};
use crate::provider::endpoint_setting;
use crate::yaml::de::Error;

pub const DEFAULT_ENDPOINT: &str = "https://dns.googleapis.com";
pub const DEFAULT_STS: &str = "https://sts.googleapis.com/v1/token";
pub const DEFAULT_IAM: &str = "https://iamcredentials.googleapis.com";

/// The keys as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    project: Option<Text>,
    credentials_file: Option<Text>,
    batch_size: Option<Whole>,
    private: Option<Flag>,
    workload_identity_provider: Option<Text>,
    service_account: Option<Text>,
    timeout: Option<Seconds>,
    endpoint: Option<Text>,
    sts_endpoint: Option<Text>,
    iam_endpoint: Option<Text>,
    change_timeout: Option<Seconds>,
}

/// The provider's settings.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The project; when absent, the credentials' `project_id` (or `quota_project_id`).
    pub project: Option<String>,
    /// A service-account key or an external-account (workload identity) file; when absent,
    /// `GOOGLE_APPLICATION_CREDENTIALS`, then GitHub OIDC with `workload_identity_provider`.
    pub credentials_file: Option<String>,
    /// At most this many plan changes per Cloud DNS change (octodns-googlecloud's 1000).
    pub batch_size: usize,
    /// Only private zones (true), only public ones (false), or both (None).
    pub private: Option<bool>,
    /// `projects/N/locations/global/workloadIdentityPools/P/providers/X`.
    pub workload_identity_provider: Option<String>,
    /// The service account to impersonate after the token exchange (optional).
    pub service_account: Option<String>,
    pub timeout: Duration,
    /// Without a trailing slash.
    pub endpoint: String,
    pub sts_endpoint: String,
    pub iam_endpoint: String,
    /// How long to wait for a change to be `done`.
    pub change_timeout: Duration,
    /// The first wait between polls of a pending change (doubled up to 5 s).
    pub poll: Duration,
}

impl Settings {
    pub fn from_config(p: &ProviderConfig) -> Result<Settings, Error> {
        let raw: Raw = p.parse_settings()?;
        let url = |k: &str, v: Option<Text>, default: &str| endpoint_setting(p, k, v, default);
        let batch_size = match raw.batch_size {
            None => 1000,
            Some(Whole(n)) if (1..=1000).contains(&n) => n as usize,
            Some(_) => {
                return Err(p.invalid(
                    "batch_size",
                    "`batch_size` must be a whole number from 1 to 1000",
                ));
            }
        };
        let text = |v: Option<Text>| v.map(|t| t.0).filter(|s| !s.trim().is_empty());
        let wip = text(raw.workload_identity_provider);
        if let Some(w) = &wip
            && !(w.starts_with("projects/") && w.contains("/workloadIdentityPools/"))
        {
            return Err(p.invalid(
                "workload_identity_provider",
                "`workload_identity_provider` must look like projects/NUMBER/locations/global/\
                 workloadIdentityPools/POOL/providers/PROVIDER",
            ));
        }
        let service_account = text(raw.service_account);
        if service_account.is_some() && wip.is_none() {
            return Err(p.invalid(
                "service_account",
                "`service_account` is impersonated after a workload identity token exchange: \
                 set `workload_identity_provider` too",
            ));
        }
        Ok(Settings {
            project: text(raw.project),
            credentials_file: text(raw.credentials_file),
            batch_size,
            private: raw.private.map(|Flag(b)| b),
            workload_identity_provider: wip,
            service_account,
            timeout: raw.timeout.unwrap_or(Seconds(30.0)).duration(),
            endpoint: url("endpoint", raw.endpoint, DEFAULT_ENDPOINT)?,
            sts_endpoint: url("sts_endpoint", raw.sts_endpoint, DEFAULT_STS)?,
            iam_endpoint: url("iam_endpoint", raw.iam_endpoint, DEFAULT_IAM)?,
            change_timeout: raw.change_timeout.unwrap_or(Seconds(600.0)).duration(),
            poll: Duration::from_millis(500),
        })
    }
}
