//! OAuth 2.0 access tokens for Cloud DNS, from the credential kinds Google's client libraries
//! read (the same files, so a `credentials_file` written for octodns-googlecloud works):
//!
//! 1. a **service-account key** (`"type": "service_account"`): a JWT signed with the key
//!    (RS256, `kid` = `private_key_id`, `iss` = `client_email`, `aud` = `token_uri`, scope
//!    `ndev.clouddns.readwrite`, one hour) is exchanged at `token_uri` (grant type
//!    `urn:ietf:params:oauth:grant-type:jwt-bearer`);
//! 2. an **external account** (`"type": "external_account"`, workload identity federation,
//!    what google-github-actions/auth writes): the subject token is read from
//!    `credential_source` (`file`, or `url` with `headers`; `format` text or json with
//!    `subject_token_field_name`), exchanged at `token_url` (RFC 8693 token exchange), then,
//!    with `service_account_impersonation_url`, exchanged for the service account's token;
//! 3. with no file: **GitHub Actions OIDC** and the `workload_identity_provider` setting — the
//!    same exchange, the subject token fetched from GitHub for the audience
//!    `https://iam.googleapis.com/<provider>`, and `service_account` impersonated if set.
//!
//! The file is read when the first token is needed (so `dnsplan validate` needs none). A
//! token is kept until five minutes before it expires. No key, assertion or token is ever
//! shown: errors carry the endpoint's `error` and `error_description` only, scrubbed.

use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value as J, json};
use tokio::sync::Mutex;

use super::settings::Settings;
use crate::http::{self, Request};
use crate::provider::{check_transport, oidc, url_component};

pub const SCOPE: &str = "https://www.googleapis.com/auth/ndev.clouddns.readwrite";
const CLOUD_PLATFORM: &str = "https://www.googleapis.com/auth/cloud-platform";
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
const JWT_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(
        "no credentials: set `credentials_file` (a service-account key or a workload identity \
         file) or GOOGLE_APPLICATION_CREDENTIALS, or run in GitHub Actions with `permissions: \
         id-token: write` and `workload_identity_provider`"
    )]
    NoCredentials,
    #[error("credentials file {path}: {message}")]
    File { path: String, message: String },
    #[error("{0}")]
    Insecure(String),
    #[error("{what}: {source}")]
    Request {
        what: &'static str,
        #[source]
        source: Box<http::Error>,
    },
    #[error("{0}")]
    Oidc(#[from] oidc::OidcError),
    #[error("{what}: HTTP {status} {error}: {description}")]
    Refused {
        what: &'static str,
        status: u16,
        error: String,
        description: String,
    },
    #[error("{what}: no `{field}` in the answer")]
    Missing {
        what: &'static str,
        field: &'static str,
    },
}

/// A credential, as read from its file (or made from the settings).
enum Credential {
    ServiceAccount {
        email: String,
        key_id: String,
        /// PKCS#8 DER.
        key: Vec<u8>,
        token_uri: String,
        project: Option<String>,
    },
    External {
        audience: String,
        subject_token_type: String,
        token_url: String,
        source: Subject,
        impersonation_url: Option<String>,
        project: Option<String>,
    },
}

/// Where an external account's subject token comes from.
enum Subject {
    File {
        path: String,
        field: Option<String>,
    },
    Url {
        url: String,
        headers: Vec<(String, String)>,
        field: Option<String>,
    },
    Github {
        url: String,
        bearer: String,
        audience: String,
    },
}

pub struct Auth {
    settings: Settings,
    client: http::Client,
    cache: Mutex<Option<(String, Instant)>>,
    project: Mutex<Option<String>>,
}

fn pem_der(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.trim().chars())
        .collect();
    data_encoding::BASE64.decode(body.as_bytes()).ok()
}

fn str_field(j: &J, k: &str) -> Option<String> {
    j.get(k)
        .and_then(J::as_str)
        .map(str::to_string)
        .filter(|s| !s.is_empty())
}

impl Auth {
    pub fn new(settings: Settings, client: http::Client) -> Auth {
        Auth {
            settings,
            client,
            cache: Mutex::new(None),
            project: Mutex::new(None),
        }
    }

    fn file_error(path: &str, message: impl Into<String>) -> AuthError {
        AuthError::File {
            path: path.to_string(),
            message: message.into(),
        }
    }

    /// The credential to use (its file read now).
    fn credential(&self) -> Result<Credential, AuthError> {
        let path = self.settings.credentials_file.clone().or_else(|| {
            std::env::var("GOOGLE_APPLICATION_CREDENTIALS")
                .ok()
                .filter(|s| !s.trim().is_empty())
        });
        if let Some(path) = path {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| Self::file_error(&path, e.to_string()))?;
            let j: J = serde_json::from_str(&text)
                .map_err(|e| Self::file_error(&path, format!("not JSON: {e}")))?;
            return Self::from_json(&path, &j);
        }
        let Some(provider) = &self.settings.workload_identity_provider else {
            return Err(AuthError::NoCredentials);
        };
        let Some((url, bearer)) = oidc::github_from_env() else {
            return Err(AuthError::NoCredentials);
        };
        let audience = format!("//iam.googleapis.com/{provider}");
        Ok(Credential::External {
            audience,
            subject_token_type: JWT_TOKEN_TYPE.into(),
            token_url: self.settings.sts_endpoint.clone(),
            source: Subject::Github {
                url,
                bearer,
                audience: format!("https://iam.googleapis.com/{provider}"),
            },
            impersonation_url: self.settings.service_account.as_ref().map(|sa| {
                format!(
                    "{}/v1/projects/-/serviceAccounts/{}:generateAccessToken",
                    self.settings.iam_endpoint,
                    url_component(sa)
                )
            }),
            project: None,
        })
    }

    fn from_json(path: &str, j: &J) -> Result<Credential, AuthError> {
        let need =
            |k: &str| str_field(j, k).ok_or_else(|| Self::file_error(path, format!("no `{k}`")));
        match j.get("type").and_then(J::as_str) {
            Some("service_account") => {
                let key = pem_der(&need("private_key")?)
                    .ok_or_else(|| Self::file_error(path, "`private_key` is not a PEM key"))?;
                let token_uri = str_field(j, "token_uri")
                    .unwrap_or_else(|| "https://oauth2.googleapis.com/token".into());
                check_transport("`token_uri`", &token_uri).map_err(AuthError::Insecure)?;
                Ok(Credential::ServiceAccount {
                    email: need("client_email")?,
                    key_id: str_field(j, "private_key_id").unwrap_or_default(),
                    key,
                    token_uri,
                    project: str_field(j, "project_id"),
                })
            }
            Some("external_account") => {
                let cs = j
                    .get("credential_source")
                    .ok_or_else(|| Self::file_error(path, "no `credential_source`"))?;
                let field = match cs.pointer("/format/type").and_then(J::as_str) {
                    Some("json") => Some(
                        cs.pointer("/format/subject_token_field_name")
                            .and_then(J::as_str)
                            .ok_or_else(|| {
                                Self::file_error(
                                    path,
                                    "json format without subject_token_field_name",
                                )
                            })?
                            .to_string(),
                    ),
                    None | Some("text") => None,
                    Some(other) => {
                        return Err(Self::file_error(
                            path,
                            format!("credential_source format {other:?} is not supported"),
                        ));
                    }
                };
                let source = if let Some(f) = cs.get("file").and_then(J::as_str) {
                    Subject::File {
                        path: f.to_string(),
                        field,
                    }
                } else if let Some(u) = cs.get("url").and_then(J::as_str) {
                    check_transport("`credential_source.url`", u).map_err(AuthError::Insecure)?;
                    let headers = cs
                        .get("headers")
                        .and_then(J::as_object)
                        .map(|m| {
                            m.iter()
                                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                                .collect()
                        })
                        .unwrap_or_default();
                    Subject::Url {
                        url: u.to_string(),
                        headers,
                        field,
                    }
                } else {
                    return Err(Self::file_error(
                        path,
                        "credential_source has neither `file` nor `url` (executable and AWS \
                         sources are not supported)",
                    ));
                };
                let token_url = need("token_url")?;
                check_transport("`token_url`", &token_url).map_err(AuthError::Insecure)?;
                let impersonation_url = str_field(j, "service_account_impersonation_url");
                if let Some(u) = &impersonation_url {
                    check_transport("`service_account_impersonation_url`", u)
                        .map_err(AuthError::Insecure)?;
                }
                Ok(Credential::External {
                    audience: need("audience")?,
                    subject_token_type: str_field(j, "subject_token_type")
                        .unwrap_or_else(|| JWT_TOKEN_TYPE.into()),
                    token_url,
                    source,
                    impersonation_url,
                    project: str_field(j, "quota_project_id"),
                })
            }
            other => Err(Self::file_error(
                path,
                format!(
                    "`type` is {}: a service_account or external_account file is needed",
                    other.map_or("missing".to_string(), |t| format!("{t:?}"))
                ),
            )),
        }
    }

    /// Forget the cached token (after the API refused it).
    pub async fn invalidate(&self) {
        *self.cache.lock().await = None;
    }

    /// The project the credentials name (known after the first token).
    pub async fn credentials_project(&self) -> Option<String> {
        self.project.lock().await.clone()
    }

    /// A bearer token for Cloud DNS.
    pub async fn token(&self) -> Result<String, AuthError> {
        let mut cache = self.cache.lock().await;
        if let Some((t, until)) = cache.as_ref()
            && Instant::now() < *until
        {
            return Ok(t.clone());
        }
        let cred = self.credential()?;
        let project = match &cred {
            Credential::ServiceAccount { project, .. } | Credential::External { project, .. } => {
                project.clone()
            }
        };
        *self.project.lock().await = project;
        let (token, lifetime) = match cred {
            Credential::ServiceAccount {
                email,
                key_id,
                key,
                token_uri,
                ..
            } => {
                let assertion = jwt(&email, &key_id, &key, &token_uri)?;
                let form = format!(
                    "grant_type={}&assertion={}",
                    url_component(JWT_BEARER),
                    url_component(&assertion)
                );
                self.exchange("service-account token request", &token_uri, form)
                    .await?
            }
            Credential::External {
                audience,
                subject_token_type,
                token_url,
                source,
                impersonation_url,
                ..
            } => {
                let subject = self.subject(&source).await?;
                let form = [
                    ("grant_type", TOKEN_EXCHANGE),
                    ("audience", audience.as_str()),
                    ("scope", CLOUD_PLATFORM),
                    ("requested_token_type", ACCESS_TOKEN_TYPE),
                    ("subject_token", subject.as_str()),
                    ("subject_token_type", subject_token_type.as_str()),
                ]
                .iter()
                .map(|(k, v)| format!("{k}={}", url_component(v)))
                .collect::<Vec<_>>()
                .join("&");
                let (sts, lifetime) = self.exchange("token exchange", &token_url, form).await?;
                match impersonation_url {
                    None => (sts, lifetime),
                    Some(url) => self.impersonate(&url, &sts).await?,
                }
            }
        };
        let margin = Duration::from_secs(300).min(lifetime / 2);
        *cache = Some((token.clone(), Instant::now() + lifetime - margin));
        Ok(token)
    }

    async fn subject(&self, s: &Subject) -> Result<String, AuthError> {
        let pick =
            |text: String, field: &Option<String>, what: &str| -> Result<String, AuthError> {
                match field {
                    None => Ok(text.trim().to_string()),
                    Some(f) => serde_json::from_str::<J>(&text)
                        .ok()
                        .and_then(|j| str_field(&j, f))
                        .ok_or_else(|| {
                            Self::file_error(what, format!("no `{f}` in the subject token source"))
                        }),
                }
            };
        match s {
            Subject::File { path, field } => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| Self::file_error(path, e.to_string()))?;
                pick(text, field, path)
            }
            Subject::Url {
                url,
                headers,
                field,
            } => {
                let mut req = Request::get(url.clone());
                for (k, v) in headers {
                    req = req.header(k.as_str(), v.as_str());
                }
                let r = self
                    .client
                    .send(&req)
                    .await
                    .map_err(|e| AuthError::Request {
                        what: "subject token request",
                        source: Box::new(e),
                    })?;
                if !r.ok() {
                    return Err(AuthError::Refused {
                        what: "subject token request",
                        status: r.status,
                        error: "error".into(),
                        description: http::excerpt(self.client.scrubber(), &r.body),
                    });
                }
                pick(r.body, field, "credential_source.url")
            }
            Subject::Github {
                url,
                bearer,
                audience,
            } => Ok(oidc::github_token(&self.client, url, bearer, audience).await?),
        }
    }

    /// POST a form to a token endpoint; (token, lifetime).
    async fn exchange(
        &self,
        what: &'static str,
        url: &str,
        form: String,
    ) -> Result<(String, Duration), AuthError> {
        let req = Request::new(reqwest::Method::POST, url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .form(form)
            .idempotent(true);
        let r = self
            .client
            .send(&req)
            .await
            .map_err(|e| AuthError::Request {
                what,
                source: Box::new(e),
            })?;
        let j = r.json();
        if !r.ok() {
            return Err(self.refused(what, r.status, j.as_ref(), &r.body));
        }
        let token = j
            .as_ref()
            .and_then(|j| str_field(j, "access_token"))
            .ok_or(AuthError::Missing {
                what,
                field: "access_token",
            })?;
        let lifetime = j
            .as_ref()
            .and_then(|j| j.get("expires_in"))
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
            .unwrap_or(3600);
        Ok((token, Duration::from_secs(lifetime.clamp(60, 86_400))))
    }

    async fn impersonate(&self, url: &str, bearer: &str) -> Result<(String, Duration), AuthError> {
        const WHAT: &str = "service account impersonation";
        let req = Request::new(reqwest::Method::POST, url)
            .bearer(bearer)
            .json(&json!({ "scope": [CLOUD_PLATFORM], "lifetime": "3600s" }))
            .idempotent(true);
        let r = self
            .client
            .send(&req)
            .await
            .map_err(|e| AuthError::Request {
                what: WHAT,
                source: Box::new(e),
            })?;
        let j = r.json();
        if !r.ok() {
            return Err(self.refused(WHAT, r.status, j.as_ref(), &r.body));
        }
        let token =
            j.as_ref()
                .and_then(|j| str_field(j, "accessToken"))
                .ok_or(AuthError::Missing {
                    what: WHAT,
                    field: "accessToken",
                })?;
        let lifetime = j
            .as_ref()
            .and_then(|j| str_field(j, "expireTime"))
            .and_then(|t| httpdate_rfc3339(&t))
            .and_then(|t| t.duration_since(SystemTime::now()).ok())
            .unwrap_or(Duration::from_secs(3600));
        Ok((
            token,
            lifetime.clamp(Duration::from_secs(60), Duration::from_secs(86_400)),
        ))
    }

    fn refused(&self, what: &'static str, status: u16, j: Option<&J>, body: &str) -> AuthError {
        let scrub = |s: &str| http::excerpt(self.client.scrubber(), s);
        // OAuth's {error, error_description} or Google's {error: {status, message}}
        let (error, description) = match j {
            Some(j) if j.get("error").is_some_and(J::is_string) => (
                str_field(j, "error").unwrap_or_default(),
                str_field(j, "error_description").unwrap_or_default(),
            ),
            Some(j) if j.get("error").is_some_and(J::is_object) => (
                j.pointer("/error/status")
                    .and_then(J::as_str)
                    .unwrap_or("error")
                    .to_string(),
                j.pointer("/error/message")
                    .and_then(J::as_str)
                    .unwrap_or_default()
                    .to_string(),
            ),
            _ => ("error".to_string(), body.to_string()),
        };
        AuthError::Refused {
            what,
            status,
            error: scrub(&error),
            description: scrub(&description),
        }
    }
}

/// An RFC 3339 UTC time (`2026-12-06T10:00:00Z`, fractions allowed) as a system time.
fn httpdate_rfc3339(t: &str) -> Option<SystemTime> {
    let t = t.strip_suffix('Z')?;
    let (date, time) = t.split_once('T')?;
    let mut d = date.split('-').map(|x| x.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let time = time.split('.').next()?;
    let mut h = time.split(':').map(|x| x.parse::<i64>().ok());
    let (hh, mm, ss) = (h.next()??, h.next()??, h.next()??);
    // days from the civil date (Howard Hinnant's algorithm)
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?))
}

/// A service account's signed assertion (RS256).
fn jwt(email: &str, key_id: &str, pkcs8: &[u8], aud: &str) -> Result<String, AuthError> {
    let b64 = |v: &[u8]| data_encoding::BASE64URL_NOPAD.encode(v);
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": key_id});
    let claims = json!({"iss": email, "scope": SCOPE, "aud": aud, "iat": now, "exp": now + 3600});
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let bad = |m: &str| AuthError::File {
        path: "credentials".into(),
        message: m.to_string(),
    };
    let key = ring::signature::RsaKeyPair::from_pkcs8(pkcs8)
        .map_err(|_| bad("`private_key` is not an RSA PKCS#8 key"))?;
    let mut sig = vec![0; key.public().modulus_len()];
    key.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .map_err(|_| bad("signing the assertion failed"))?;
    Ok(format!("{input}.{}", b64(&sig)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times() {
        let t = httpdate_rfc3339("1970-01-02T00:00:01Z").unwrap();
        assert_eq!(t, SystemTime::UNIX_EPOCH + Duration::from_secs(86_401));
        let t = httpdate_rfc3339("2026-12-06T10:00:00.123Z").unwrap();
        assert_eq!(
            t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(),
            1_796_551_200
        );
        assert!(httpdate_rfc3339("2026-12-06 10:00:00").is_none());
    }
}
