//! A small GitHub REST client: issue and commit comments, issues, the pull requests of a
//! commit. Pages are followed through `Link: <…>; rel="next"`; rate limits (primary and
//! secondary) and server errors are retried with a bounded backoff.
//!
//! Backoff: the wait is what GitHub asks for (`retry-after` seconds, or until
//! `x-ratelimit-reset` when `x-ratelimit-remaining` is 0), else `base × 2^attempt`, at most
//! 60 × base, at most [`MAX_RETRIES`] times. `base` is one second unless
//! `DNSPLAN_GITHUB_RETRY_BASE_MS` says otherwise (tests shorten it; a server-given wait is
//! counted in units of `base`, so it shortens too).

use std::time::Duration;

use reqwest::header::{ACCEPT, HeaderMap, USER_AGENT};
use reqwest::{Method, StatusCode};
use serde_json::{Value as J, json};

/// Retries after the first attempt.
pub const MAX_RETRIES: u32 = 4;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("GitHub API {method} {path}: HTTP {status}: {message}{hint}")]
    Http {
        method: String,
        path: String,
        status: u16,
        message: String,
        hint: String,
    },
    #[error("GitHub API {method} {path}: {message}")]
    Transport {
        method: String,
        path: String,
        message: String,
    },
    #[error("GitHub API {path}: unexpected response: {message}")]
    Decode { path: String, message: String },
    #[error("GitHub API client: {0}")]
    Setup(String),
}

impl ApiError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// An issue or commit comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub id: u64,
    pub body: String,
    pub user_login: String,
    pub html_url: String,
}

/// An issue (pull requests listed among issues are marked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    pub number: u64,
    pub title: String,
    pub state: String,
    pub body: String,
    pub html_url: String,
    pub user_login: String,
    pub is_pull_request: bool,
}

/// A pull request associated with a commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullSummary {
    pub number: u64,
    pub state: String,
    pub merged: bool,
    pub merge_commit_sha: Option<String>,
    pub html_url: String,
}

fn string(v: &J, k: &str) -> String {
    v.get(k).and_then(J::as_str).unwrap_or_default().to_string()
}

fn login(v: &J) -> String {
    v.get("user")
        .and_then(|u| u.get("login"))
        .and_then(J::as_str)
        .unwrap_or_default()
        .to_string()
}

impl Comment {
    fn from_json(v: &J) -> Option<Comment> {
        Some(Comment {
            id: v.get("id")?.as_u64()?,
            body: string(v, "body"),
            user_login: login(v),
            html_url: string(v, "html_url"),
        })
    }
}

impl Issue {
    fn from_json(v: &J) -> Option<Issue> {
        Some(Issue {
            number: v.get("number")?.as_u64()?,
            title: string(v, "title"),
            state: string(v, "state"),
            body: string(v, "body"),
            html_url: string(v, "html_url"),
            user_login: login(v),
            is_pull_request: v.get("pull_request").is_some_and(|p| !p.is_null()),
        })
    }

    pub fn is_open(&self) -> bool {
        self.state == "open"
    }
}

/// Install the TLS crypto provider once (reqwest is built without one).
fn install_crypto() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The retry schedule.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    pub base: Duration,
    pub max_retries: u32,
}

impl Backoff {
    pub fn from_env() -> Self {
        let ms = std::env::var("DNSPLAN_GITHUB_RETRY_BASE_MS")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(1000);
        Backoff {
            base: Duration::from_millis(ms),
            max_retries: MAX_RETRIES,
        }
    }

    fn cap(&self) -> Duration {
        self.base * 60
    }

    /// How long to wait before retry number `attempt` (0-based), given the response headers.
    pub fn delay(&self, attempt: u32, headers: &HeaderMap) -> Duration {
        let h = |k: &str| {
            headers
                .get(k)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .map(str::to_string)
        };
        let server = if let Some(secs) = h("retry-after").and_then(|v| v.parse::<u64>().ok()) {
            Some(secs)
        } else if h("x-ratelimit-remaining").as_deref() == Some("0") {
            h("x-ratelimit-reset")
                .and_then(|v| v.parse::<u64>().ok())
                .map(|reset| {
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_secs())
                        .unwrap_or(0);
                    reset.saturating_sub(now).max(1)
                })
        } else {
            None
        };
        let d = match server {
            Some(secs) => self.base.saturating_mul(secs.min(u32::MAX as u64) as u32),
            None => self.base.saturating_mul(1u32 << attempt.min(16)),
        };
        d.min(self.cap())
    }
}

/// Is this response a rate limit (primary or secondary) that waiting fixes?
fn rate_limited(status: StatusCode, headers: &HeaderMap, body: &str) -> bool {
    if status == StatusCode::TOO_MANY_REQUESTS {
        return true;
    }
    if status != StatusCode::FORBIDDEN {
        return false;
    }
    headers.contains_key("retry-after")
        || headers
            .get("x-ratelimit-remaining")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() == "0")
        || body.to_ascii_lowercase().contains("rate limit")
}

/// The `rel="next"` URL of a `Link` header.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get("link")?.to_str().ok()?;
    for part in link.split(',') {
        let mut pieces = part.split(';');
        let url = pieces.next()?.trim();
        let is_next = pieces.any(|p| {
            let p = p.trim().replace(' ', "");
            p == "rel=\"next\"" || p == "rel=next"
        });
        if is_next && url.starts_with('<') && url.ends_with('>') {
            return Some(url[1..url.len() - 1].to_string());
        }
    }
    None
}

/// Percent-encode a query value.
fn query_value(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                o.push(b as char)
            }
            _ => o.push_str(&format!("%{b:02X}")),
        }
    }
    o
}

/// A client for one repository.
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
    owner: String,
    repo: String,
    backoff: Backoff,
}

impl Client {
    pub fn new(api_url: &str, token: &str, owner: &str, repo: &str) -> Result<Client, ApiError> {
        install_crypto();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| ApiError::Setup(e.to_string()))?;
        Ok(Client {
            http,
            base: api_url.trim_end_matches('/').to_string(),
            token: token.to_string(),
            owner: owner.to_string(),
            repo: repo.to_string(),
            backoff: Backoff::from_env(),
        })
    }

    pub fn with_backoff(mut self, b: Backoff) -> Self {
        self.backoff = b;
        self
    }

    fn repo_path(&self, rest: &str) -> String {
        format!("/repos/{}/{}{rest}", self.owner, self.repo)
    }

    /// Path of a URL for messages (never a query string, never credentials).
    fn display_path(&self, url: &str) -> String {
        let p = url.strip_prefix(&self.base).unwrap_or(url);
        p.split('?').next().unwrap_or(p).to_string()
    }

    /// One request with retries; returns headers and the parsed body (`Null` when empty).
    async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<&J>,
    ) -> Result<(HeaderMap, J), ApiError> {
        let path = self.display_path(url);
        let mut attempt = 0;
        loop {
            let mut req = self
                .http
                .request(method.clone(), url)
                .bearer_auth(&self.token)
                .header(ACCEPT, "application/vnd.github+json")
                .header("X-GitHub-Api-Version", "2022-11-28")
                .header(USER_AGENT, concat!("dnsplan/", env!("CARGO_PKG_VERSION")));
            if let Some(b) = body {
                req = req
                    .header("content-type", "application/json")
                    .body(serde_json::to_vec(b).unwrap_or_default());
            }
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) => {
                    if attempt < self.backoff.max_retries {
                        let d = self.backoff.delay(attempt, &HeaderMap::new());
                        tracing::warn!(
                            "github: {method} {path}: {}; retrying in {} ms ({}/{})",
                            e.without_url(),
                            d.as_millis(),
                            attempt + 1,
                            self.backoff.max_retries
                        );
                        tokio::time::sleep(d).await;
                        attempt += 1;
                        continue;
                    }
                    return Err(ApiError::Transport {
                        method: method.to_string(),
                        path,
                        message: e.without_url().to_string(),
                    });
                }
            };
            let status = resp.status();
            let headers = resp.headers().clone();
            let text = resp.text().await.unwrap_or_default();
            if status.is_success() {
                let v = if text.trim().is_empty() {
                    J::Null
                } else {
                    serde_json::from_str(&text).map_err(|e| ApiError::Decode {
                        path: path.clone(),
                        message: e.to_string(),
                    })?
                };
                return Ok((headers, v));
            }
            let retryable = rate_limited(status, &headers, &text)
                || matches!(status.as_u16(), 500 | 502 | 503 | 504);
            if retryable && attempt < self.backoff.max_retries {
                let d = self.backoff.delay(attempt, &headers);
                tracing::warn!(
                    "github: {method} {path}: HTTP {}{}; retrying in {} ms ({}/{})",
                    status.as_u16(),
                    if rate_limited(status, &headers, &text) {
                        " (rate limited)"
                    } else {
                        ""
                    },
                    d.as_millis(),
                    attempt + 1,
                    self.backoff.max_retries
                );
                tokio::time::sleep(d).await;
                attempt += 1;
                continue;
            }
            let message = serde_json::from_str::<J>(&text)
                .ok()
                .and_then(|v| {
                    let m = v.get("message")?.as_str()?.to_string();
                    let errs = v
                        .get("errors")
                        .and_then(J::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|e| {
                                    e.get("message")
                                        .or_else(|| e.get("code"))
                                        .and_then(J::as_str)
                                        .map(str::to_string)
                                })
                                .collect::<Vec<_>>()
                        })
                        .unwrap_or_default();
                    Some(if errs.is_empty() {
                        m
                    } else {
                        format!("{m} ({})", errs.join("; "))
                    })
                })
                .unwrap_or_else(|| text.chars().take(200).collect());
            let hint = match status.as_u16() {
                401 => "; the token is missing or invalid",
                403 if !rate_limited(status, &headers, &text) => {
                    "; the token lacks a permission (the workflow needs `pull-requests: write` for PR comments, `issues: write` for drift issues, `contents: write` for commit comments)"
                }
                404 => "; the repository, pull request or issue is not visible to this token",
                _ if retryable => "; gave up after retries",
                _ => "",
            };
            return Err(ApiError::Http {
                method: method.to_string(),
                path,
                status: status.as_u16(),
                message,
                hint: hint.to_string(),
            });
        }
    }

    /// GET every page of a list endpoint.
    async fn get_all(&self, path_and_query: &str) -> Result<Vec<J>, ApiError> {
        let mut url = format!("{}{path_and_query}", self.base);
        let mut out = Vec::new();
        for _ in 0..1000 {
            let (headers, v) = self.send(Method::GET, &url, None).await?;
            match v {
                J::Array(items) => out.extend(items),
                other => {
                    return Err(ApiError::Decode {
                        path: self.display_path(&url),
                        message: format!("expected a list, got {}", type_name(&other)),
                    });
                }
            }
            match next_link(&headers) {
                // never send the token anywhere but the API
                Some(next) if next.starts_with(&format!("{}/", self.base)) => url = next,
                _ => break,
            }
        }
        Ok(out)
    }

    /// The login of the token's user (`GET /user`); None for tokens without a user (the
    /// Actions `GITHUB_TOKEN` and app installation tokens answer 401/403/404).
    pub async fn user_login(&self) -> Result<Option<String>, ApiError> {
        let url = format!("{}/user", self.base);
        match self.send(Method::GET, &url, None).await {
            Ok((_, v)) => Ok(v.get("login").and_then(J::as_str).map(str::to_string)),
            Err(ApiError::Http {
                status: 401 | 403 | 404,
                ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn issue_comments(&self, number: u64) -> Result<Vec<Comment>, ApiError> {
        let items = self
            .get_all(&self.repo_path(&format!("/issues/{number}/comments?per_page=100")))
            .await?;
        Ok(items.iter().filter_map(Comment::from_json).collect())
    }

    async fn comment_call(
        &self,
        method: Method,
        path: &str,
        body: &str,
    ) -> Result<Comment, ApiError> {
        let url = format!("{}{}", self.base, path);
        let (_, v) = self
            .send(method, &url, Some(&json!({ "body": body })))
            .await?;
        Comment::from_json(&v).ok_or_else(|| ApiError::Decode {
            path: self.display_path(&url),
            message: "no comment id".into(),
        })
    }

    pub async fn create_issue_comment(&self, number: u64, body: &str) -> Result<Comment, ApiError> {
        self.comment_call(
            Method::POST,
            &self.repo_path(&format!("/issues/{number}/comments")),
            body,
        )
        .await
    }

    pub async fn update_issue_comment(&self, id: u64, body: &str) -> Result<Comment, ApiError> {
        self.comment_call(
            Method::PATCH,
            &self.repo_path(&format!("/issues/comments/{id}")),
            body,
        )
        .await
    }

    pub async fn create_commit_comment(&self, sha: &str, body: &str) -> Result<Comment, ApiError> {
        self.comment_call(
            Method::POST,
            &self.repo_path(&format!("/commits/{}/comments", query_value(sha))),
            body,
        )
        .await
    }

    /// Pull requests whose history holds the commit (`GET /repos/{o}/{r}/commits/{sha}/pulls`).
    pub async fn commit_pulls(&self, sha: &str) -> Result<Vec<PullSummary>, ApiError> {
        let items = self
            .get_all(&self.repo_path(&format!("/commits/{}/pulls?per_page=100", query_value(sha))))
            .await?;
        Ok(items
            .iter()
            .filter_map(|v| {
                Some(PullSummary {
                    number: v.get("number")?.as_u64()?,
                    state: string(v, "state"),
                    merged: v.get("merged_at").is_some_and(|m| !m.is_null()),
                    merge_commit_sha: v
                        .get("merge_commit_sha")
                        .and_then(J::as_str)
                        .map(str::to_string),
                    html_url: string(v, "html_url"),
                })
            })
            .collect())
    }

    /// Add labels to an issue or pull request (`POST /repos/{o}/{r}/issues/{n}/labels`);
    /// GitHub creates a label the repository does not have yet.
    pub async fn add_labels(&self, number: u64, labels: &[&str]) -> Result<(), ApiError> {
        let url = format!(
            "{}{}",
            self.base,
            self.repo_path(&format!("/issues/{number}/labels"))
        );
        self.send(Method::POST, &url, Some(&json!({ "labels": labels })))
            .await
            .map(|_| ())
    }

    /// Remove one label (`DELETE /repos/{o}/{r}/issues/{n}/labels/{name}`); a label that is
    /// not there any more (404) is fine.
    pub async fn remove_label(&self, number: u64, label: &str) -> Result<(), ApiError> {
        let url = format!(
            "{}{}",
            self.base,
            self.repo_path(&format!("/issues/{number}/labels/{}", query_value(label)))
        );
        match self.send(Method::DELETE, &url, None).await {
            Ok(_) | Err(ApiError::Http { status: 404, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Issues (open and closed) carrying `label`; pull requests are left out.
    pub async fn issues_with_label(&self, label: &str) -> Result<Vec<Issue>, ApiError> {
        let items = self
            .get_all(&self.repo_path(&format!(
                "/issues?state=all&labels={}&per_page=100",
                query_value(label)
            )))
            .await?;
        Ok(items
            .iter()
            .filter_map(Issue::from_json)
            .filter(|i| !i.is_pull_request)
            .collect())
    }

    pub async fn create_issue(
        &self,
        title: &str,
        body: &str,
        labels: &[&str],
    ) -> Result<Issue, ApiError> {
        let url = format!("{}{}", self.base, self.repo_path("/issues"));
        let (_, v) = self
            .send(
                Method::POST,
                &url,
                Some(&json!({"title": title, "body": body, "labels": labels})),
            )
            .await?;
        Issue::from_json(&v).ok_or_else(|| ApiError::Decode {
            path: self.display_path(&url),
            message: "no issue number".into(),
        })
    }

    /// PATCH an issue with the given fields (`state`, `state_reason`, `body`, `title`).
    pub async fn update_issue(&self, number: u64, fields: &J) -> Result<Issue, ApiError> {
        let url = format!(
            "{}{}",
            self.base,
            self.repo_path(&format!("/issues/{number}"))
        );
        let (_, v) = self.send(Method::PATCH, &url, Some(fields)).await?;
        Issue::from_json(&v).ok_or_else(|| ApiError::Decode {
            path: self.display_path(&url),
            message: "no issue number".into(),
        })
    }
}

fn type_name(v: &J) -> &'static str {
    match v {
        J::Null => "null",
        J::Bool(_) => "a boolean",
        J::Number(_) => "a number",
        J::String(_) => "a string",
        J::Array(_) => "a list",
        J::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn next_links_are_found() {
        let mut h = HeaderMap::new();
        h.insert(
            "link",
            HeaderValue::from_static(
                "<https://api.github.com/x?page=3>; rel=\"next\", <https://api.github.com/x?page=9>; rel=\"last\"",
            ),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://api.github.com/x?page=3")
        );
        h.insert(
            "link",
            HeaderValue::from_static("<https://api.github.com/x?page=1>; rel=\"prev\""),
        );
        assert_eq!(next_link(&h), None);
    }

    #[test]
    fn backoff_honours_the_server_and_is_bounded() {
        let b = Backoff {
            base: Duration::from_millis(10),
            max_retries: 4,
        };
        let mut h = HeaderMap::new();
        assert_eq!(b.delay(0, &h), Duration::from_millis(10));
        assert_eq!(b.delay(3, &h), Duration::from_millis(80));
        assert_eq!(b.delay(15, &h), Duration::from_millis(600));
        h.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(b.delay(0, &h), Duration::from_millis(30));
        h.insert("retry-after", HeaderValue::from_static("3600"));
        assert_eq!(b.delay(0, &h), Duration::from_millis(600));
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        h.insert("x-ratelimit-reset", HeaderValue::from_static("0"));
        assert_eq!(b.delay(0, &h), Duration::from_millis(10));
        assert!(rate_limited(StatusCode::FORBIDDEN, &h, ""));
        assert!(!rate_limited(
            StatusCode::FORBIDDEN,
            &HeaderMap::new(),
            "{\"message\":\"Resource not accessible by integration\"}"
        ));
        assert!(rate_limited(
            StatusCode::FORBIDDEN,
            &HeaderMap::new(),
            "You have exceeded a secondary rate limit."
        ));
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(query_value("dns drift&x"), "dns%20drift%26x");
    }
}
