//! GitHub Actions OIDC tokens for workload identity federation (Azure, Google Cloud): a job
//! with `permissions: id-token: write` gets `ACTIONS_ID_TOKEN_REQUEST_URL` and
//! `ACTIONS_ID_TOKEN_REQUEST_TOKEN`; `GET {url}&audience=…` with that bearer answers
//! `{"value": "<JWT>"}`. No secret is stored anywhere.

use serde_json::Value as J;

use super::{check_transport, url_component};
use crate::http::{self, Request};

/// Why no GitHub token could be had.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The request URL is not https (off loopback).
    #[error("{0}")]
    Insecure(String),
    #[error("GitHub OIDC token request: {0}")]
    Request(#[source] Box<http::Error>),
    #[error(
        "GitHub OIDC token request: HTTP {status} (does the job have \
         `permissions: id-token: write`?)"
    )]
    Refused { status: u16 },
    #[error("GitHub OIDC token request: no `value` in the answer")]
    Missing,
}

/// `ACTIONS_ID_TOKEN_REQUEST_URL` and `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, when both are set.
pub fn github_from_env() -> Option<(String, String)> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    var("ACTIONS_ID_TOKEN_REQUEST_URL").zip(var("ACTIONS_ID_TOKEN_REQUEST_TOKEN"))
}

/// A GitHub OIDC token (a JWT) for `audience`.
pub async fn github_token(
    client: &http::Client,
    url: &str,
    bearer: &str,
    audience: &str,
) -> Result<String, OidcError> {
    check_transport("ACTIONS_ID_TOKEN_REQUEST_URL", url).map_err(OidcError::Insecure)?;
    let sep = if url.contains('?') { '&' } else { '?' };
    let full = format!("{url}{sep}audience={}", url_component(audience));
    let req = Request::get(full)
        .bearer(bearer)
        .header("Accept", "application/json");
    let r = client
        .send(&req)
        .await
        .map_err(|e| OidcError::Request(Box::new(e)))?;
    if !r.ok() {
        return Err(OidcError::Refused { status: r.status });
    }
    r.json()
        .and_then(|j| j.get("value").and_then(J::as_str).map(str::to_string))
        .filter(|v| !v.is_empty())
        .ok_or(OidcError::Missing)
}
