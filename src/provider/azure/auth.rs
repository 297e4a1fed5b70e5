//! Access tokens for Azure Resource Manager from the Microsoft identity platform (OAuth 2.0
//! client credentials, `POST {authority_host}/{tenant}/oauth2/v2.0/token`).
//!
//! The credential is chosen when the first token is needed (so `dnsplan validate` never needs
//! one), in this order:
//! 1. the `key` setting: a client secret (octodns-azure's only way);
//! 2. `AZURE_FEDERATED_TOKEN_FILE`: a federated token in a file (workload identity on
//!    Kubernetes), sent as `client_assertion`;
//! 3. GitHub Actions OIDC (`permissions: id-token: write` sets `ACTIONS_ID_TOKEN_REQUEST_URL`
//!    and `ACTIONS_ID_TOKEN_REQUEST_TOKEN`): a token for the audience
//!    `api://AzureADTokenExchange` is fetched from GitHub and sent as `client_assertion`
//!    (workload identity federation: no secret is stored anywhere).
//!
//! A token is kept until five minutes before it expires. Token requests go through
//! `crate::http` with the provider's retry policy (asking for a token twice is harmless).
//! Neither the secret, the assertion nor the token ever appears in an error (`AuthError`):
//! identity-platform errors are shown by their `error` and the first sentence of
//! `error_description` (which holds the AADSTS code).

use std::time::{Duration, Instant};

use serde_json::Value as J;
use tokio::sync::Mutex;

use super::url_component;
use crate::http::{self, Request};
use crate::provider::oidc::OidcError;

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const GITHUB_AUDIENCE: &str = "api://AzureADTokenExchange";

/// Why no token could be had.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(
        "no credentials: set `key` (a client secret), or run in GitHub Actions with \
         `permissions: id-token: write` and a federated credential on the app registration \
         (ACTIONS_ID_TOKEN_REQUEST_URL), or set AZURE_FEDERATED_TOKEN_FILE"
    )]
    NoCredentials,
    #[error("AZURE_FEDERATED_TOKEN_FILE {path}: {source}")]
    TokenFile {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// An endpoint that is not https (off loopback).
    #[error("{0}")]
    Insecure(String),
    /// The request could not be made (`what`: which one).
    #[error("{what}: {source}")]
    Request {
        what: &'static str,
        #[source]
        source: Box<http::Error>,
    },
    #[error(
        "GitHub OIDC token request: HTTP {status} (does the job have \
         `permissions: id-token: write`?)"
    )]
    Oidc { status: u16 },
    /// The identity platform refused: its error and the AADSTS sentence (scrubbed).
    #[error(
        "cannot get a token for client {client_id} in tenant {tenant} ({how}): HTTP {status} \
         {error}: {description}"
    )]
    Refused {
        client_id: String,
        tenant: String,
        how: &'static str,
        status: u16,
        error: String,
        description: String,
    },
    /// A success without the token in it.
    #[error("{what}: no `{field}` in the answer")]
    Missing {
        what: &'static str,
        field: &'static str,
    },
}

/// How the client proves who it is.
enum Credential {
    Secret(String),
    FederatedFile(String),
    GithubOidc { url: String, bearer: String },
}

/// Where a federated token can come from, read from the environment when the provider is
/// built.
#[derive(Clone, Default)]
pub struct Federated {
    /// `AZURE_FEDERATED_TOKEN_FILE`.
    pub token_file: Option<String>,
    /// `ACTIONS_ID_TOKEN_REQUEST_URL` and `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.
    pub github: Option<(String, String)>,
}

impl Federated {
    pub fn from_env() -> Federated {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Federated {
            token_file: var("AZURE_FEDERATED_TOKEN_FILE"),
            github: crate::provider::oidc::github_from_env(),
        }
    }
}

pub struct Auth {
    pub authority_host: String,
    pub tenant: String,
    pub client_id: String,
    pub scope: String,
    secret: Option<String>,
    federated: Federated,
    client: http::Client,
    cache: Mutex<Option<(String, Instant)>>,
}

impl Auth {
    pub fn new(
        client: http::Client,
        authority_host: String,
        tenant: String,
        client_id: String,
        scope: String,
        secret: Option<String>,
        federated: Federated,
    ) -> Auth {
        Auth {
            authority_host,
            tenant,
            client_id,
            scope,
            secret,
            federated,
            client,
            cache: Mutex::new(None),
        }
    }

    /// Forget the cached token (after the API refused it).
    pub async fn invalidate(&self) {
        *self.cache.lock().await = None;
    }

    /// A bearer token for the management API.
    pub async fn token(&self) -> Result<String, AuthError> {
        let mut cache = self.cache.lock().await;
        if let Some((t, until)) = cache.as_ref()
            && Instant::now() < *until
        {
            return Ok(t.clone());
        }
        let (token, lifetime) = self.request().await?;
        let margin = Duration::from_secs(300).min(lifetime / 2);
        *cache = Some((token.clone(), Instant::now() + lifetime - margin));
        Ok(token)
    }

    fn credential(&self) -> Result<Credential, AuthError> {
        if let Some(s) = &self.secret {
            return Ok(Credential::Secret(s.clone()));
        }
        if let Some(path) = &self.federated.token_file {
            return Ok(Credential::FederatedFile(path.clone()));
        }
        match &self.federated.github {
            Some((url, bearer)) => Ok(Credential::GithubOidc {
                url: url.clone(),
                bearer: bearer.clone(),
            }),
            None => Err(AuthError::NoCredentials),
        }
    }

    /// A federated token for `client_assertion`.
    async fn assertion(&self, cred: &Credential) -> Result<String, AuthError> {
        match cred {
            Credential::Secret(_) => unreachable!("not an assertion"),
            Credential::FederatedFile(path) => std::fs::read_to_string(path)
                .map(|s| s.trim().to_string())
                .map_err(|source| AuthError::TokenFile {
                    path: path.clone(),
                    source,
                }),
            Credential::GithubOidc { url, bearer } => {
                crate::provider::oidc::github_token(&self.client, url, bearer, GITHUB_AUDIENCE)
                    .await
                    .map_err(|e| match e {
                        OidcError::Insecure(m) => AuthError::Insecure(m),
                        OidcError::Request(source) => AuthError::Request {
                            what: "GitHub OIDC token request",
                            source,
                        },
                        OidcError::Refused { status } => AuthError::Oidc { status },
                        OidcError::Missing => AuthError::Missing {
                            what: "GitHub OIDC token request",
                            field: "value",
                        },
                    })
            }
        }
    }

    async fn request(&self) -> Result<(String, Duration), AuthError> {
        let cred = self.credential()?;
        let url = format!(
            "{}/{}/oauth2/v2.0/token",
            self.authority_host,
            url_component(&self.tenant)
        );
        let mut form: Vec<(&str, String)> = vec![
            ("grant_type", "client_credentials".into()),
            ("client_id", self.client_id.clone()),
            ("scope", self.scope.clone()),
        ];
        let how = match &cred {
            Credential::Secret(s) => {
                form.push(("client_secret", s.clone()));
                "client secret"
            }
            other => {
                form.push(("client_assertion_type", ASSERTION_TYPE.into()));
                form.push(("client_assertion", self.assertion(other).await?));
                match other {
                    Credential::FederatedFile(_) => "federated token file",
                    _ => "GitHub OIDC",
                }
            }
        };
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{k}={}", url_component(v)))
            .collect::<Vec<_>>()
            .join("&");
        // a token request may be sent twice: the second token is as good as the first
        let req = Request::new(reqwest::Method::POST, &url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .form(body)
            .idempotent(true);
        let r = self
            .client
            .send(&req)
            .await
            .map_err(|e| AuthError::Request {
                what: "token request",
                source: Box::new(e),
            })?;
        let status = r.status;
        let j: Option<J> = r.json();
        if !r.ok() {
            let field = |k: &str| {
                j.as_ref()
                    .and_then(|j| j.get(k))
                    .and_then(J::as_str)
                    .map(str::to_string)
            };
            let error = field("error").unwrap_or_else(|| "error".into());
            // the description's first line, which carries the AADSTS code and the reason
            let desc = field("error_description")
                .map(|d| {
                    let line = d.lines().next().unwrap_or_default();
                    match line.find(". ") {
                        Some(i) if i > 0 => line[..=i].to_string(),
                        _ => line.to_string(),
                    }
                })
                .unwrap_or_default();
            let scrub = |s: &str| self.client.scrubber().scrub(s);
            return Err(AuthError::Refused {
                client_id: self.client_id.clone(),
                tenant: self.tenant.clone(),
                how,
                status,
                error: scrub(&error),
                description: scrub(&desc),
            });
        }
        let token = j
            .as_ref()
            .and_then(|j| j.get("access_token"))
            .and_then(J::as_str)
            .filter(|t| !t.is_empty())
            .ok_or(AuthError::Missing {
                what: "token request",
                field: "access_token",
            })?;
        let lifetime = j
            .as_ref()
            .and_then(|j| j.get("expires_in"))
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
            .unwrap_or(3600);
        // within a minute and a day, whatever the answer says
        Ok((
            token.to_string(),
            Duration::from_secs(lifetime.clamp(60, 86_400)),
        ))
    }
}
