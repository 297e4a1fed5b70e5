//! A small GitHub REST client over `crate::http`: issue and commit comments, issues, the pull
//! requests of a commit. Pages are followed through `Link: <…>; rel="next"` (on the API only,
//! at most 1,000 pages); rate limits (primary and secondary) and server errors are retried
//! with a bounded backoff.
//!
//! Backoff: the wait is what GitHub asks for (`retry-after`, or until `x-ratelimit-reset`
//! when `x-ratelimit-remaining` is 0), else a random 50–100 % of `base × 2^attempt`; every
//! wait at most 60 × base, at most [`MAX_RETRIES`] times. `base` is one second unless
//! `DNSPLAN_GITHUB_RETRY_BASE_MS` says otherwise (tests shorten it, and the cap with it).
//! Creating a comment or an issue is not idempotent: it is sent again only when GitHub
//! cannot have processed it (no connection, 429, 503, a rate limit), never after a 500,
//! 502 or 504 or a connection that broke, so a comment is never posted twice.

use std::time::Duration;

use reqwest::Method;
use reqwest::header::{ACCEPT, HeaderMap, USER_AGENT};
use serde_json::{Value as J, json};

use crate::http::{self, Backoff, Policy, Request, Response};

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
        #[source]
        source: Box<http::Error>,
    },
    #[error("GitHub API {method} {path}: {message}")]
    Transport {
        method: String,
        path: String,
        message: String,
        #[source]
        source: Box<http::Error>,
    },
    #[error("GitHub API {path}: unexpected response: {message}")]
    Decode { path: String, message: String },
    #[error("GitHub API client: {0}")]
    Setup(String),
    /// A listing that would not end, or that points away from the API.
    #[error("GitHub API: {0}")]
    Pages(#[source] Box<http::Error>),
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

/// The retry policy: [`MAX_RETRIES`] retries, back-off from `base` (one second, or
/// `DNSPLAN_GITHUB_RETRY_BASE_MS`), every wait at most 60 × `base`.
pub fn policy_from_env() -> Policy {
    let ms = std::env::var("DNSPLAN_GITHUB_RETRY_BASE_MS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(1000);
    policy(Duration::from_millis(ms))
}

pub fn policy(base: Duration) -> Policy {
    Policy {
        max_retries: MAX_RETRIES,
        max_status_retries: MAX_RETRIES,
        backoff: Backoff {
            first: base,
            cap: base * 60,
        },
        max_retry_after: base * 60,
    }
}

/// Is this answer a rate limit (primary or secondary) that waiting fixes?
fn rate_limited(status: u16, headers: &HeaderMap, body: &str) -> bool {
    if status == 429 {
        return true;
    }
    if status != 403 {
        return false;
    }
    headers.contains_key("retry-after")
        || headers
            .get("x-ratelimit-remaining")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() == "0")
        || body.to_ascii_lowercase().contains("rate limit")
}

/// The `http::Throttle` hook: a rate limit was not processed and may be retried, after
/// `x-ratelimit-reset` when the primary limit is used up (`retry-after`, when sent, is read
/// by the HTTP layer and wins).
fn throttled(status: u16, headers: &HeaderMap, body: &str) -> Option<Option<Duration>> {
    if !rate_limited(status, headers, body) {
        return None;
    }
    let h = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).map(str::trim);
    if h("x-ratelimit-remaining") != Some("0") {
        return Some(None);
    }
    Some(
        h("x-ratelimit-reset")
            .and_then(|v| v.parse::<u64>().ok())
            .map(|reset| {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                Duration::from_secs(reset.saturating_sub(now).max(1))
            }),
    )
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
    http: http::Client,
    base: String,
    token: String,
    owner: String,
    repo: String,
}

impl Client {
    pub fn new(api_url: &str, token: &str, owner: &str, repo: &str) -> Result<Client, ApiError> {
        let builder = reqwest::Client::builder().connect_timeout(Duration::from_secs(10));
        let http = http::Client::new(
            "github",
            builder,
            Some(Duration::from_secs(30)),
            policy_from_env(),
        )
        .map_err(|e| ApiError::Setup(e.to_string()))?
        .scrubbing(crate::secret::Scrubber::new([token]))
        .throttle(throttled);
        Ok(Client {
            http,
            base: api_url.trim_end_matches('/').to_string(),
            token: token.to_string(),
            owner: owner.to_string(),
            repo: repo.to_string(),
        })
    }

    pub fn with_policy(mut self, p: Policy) -> Self {
        self.http.set_policy(p);
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

    fn request(&self, method: Method, url: &str, body: Option<&J>) -> Request {
        let mut req = Request::new(method, url)
            .bearer(&self.token)
            .header(ACCEPT.as_str(), "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
            .header(
                USER_AGENT.as_str(),
                concat!("dnsplan/", env!("CARGO_PKG_VERSION")),
            );
        if let Some(b) = body {
            req = req.json(b);
        }
        req
    }

    /// One request with retries; returns headers and the parsed body (`Null` when empty).
    /// `idempotent`: the request may be sent twice (see the module header).
    async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<&J>,
        idempotent: bool,
    ) -> Result<(HeaderMap, J), ApiError> {
        let req = self.request(method, url, body).idempotent(idempotent);
        let r = self
            .http
            .send(&req)
            .await
            .map_err(|e| self.transport(&req, e))?;
        self.read(&req, r)
    }

    fn transport(&self, req: &Request, e: http::Error) -> ApiError {
        let message = match &e {
            http::Error::Transport {
                reason, attempts, ..
            } if *attempts > 1 => format!("{reason} (after {attempts} attempts)"),
            http::Error::Transport { reason, .. } => reason.clone(),
            other => other.to_string(),
        };
        ApiError::Transport {
            method: req.method.to_string(),
            path: self.display_path(&req.url),
            message,
            source: Box::new(e),
        }
    }

    /// A success's JSON body, or the error for an answer that is not one.
    fn read(&self, req: &Request, r: Response) -> Result<(HeaderMap, J), ApiError> {
        let path = self.display_path(&req.url);
        if r.ok() {
            let v = if r.body.trim().is_empty() {
                J::Null
            } else {
                serde_json::from_str(&r.body).map_err(|e| ApiError::Decode {
                    path,
                    message: e.to_string(),
                })?
            };
            return Ok((r.headers, v));
        }
        let limited = rate_limited(r.status, &r.headers, &r.body);
        let message = serde_json::from_str::<J>(&r.body)
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
            .unwrap_or_else(|| r.body.chars().take(200).collect());
        let message = self.http.scrubber().scrub(&message);
        let hint = match r.status {
            401 => "; the token is missing or invalid",
            403 if !limited => {
                "; the token lacks a permission (the workflow needs `pull-requests: write` for PR comments, `issues: write` for drift issues, `contents: write` for commit comments)"
            }
            404 => "; the repository, pull request or issue is not visible to this token",
            _ if r.retried() => "; gave up after retries",
            s if http::retry::retryable_status(s) => {
                "; not retried: GitHub may have done it already (look before running again)"
            }
            _ => "",
        };
        Err(ApiError::Http {
            method: req.method.to_string(),
            path,
            status: r.status,
            message,
            hint: hint.to_string(),
            source: Box::new(self.http.status_error(req, &r)),
        })
    }

    /// GET every page of a list endpoint.
    async fn get_all(&self, path_and_query: &str) -> Result<Vec<J>, ApiError> {
        let url = format!("{}{path_and_query}", self.base);
        let mut out = Vec::new();
        self.http
            .follow(
                self.request(Method::GET, &url, None),
                // never send the token anywhere but the API
                &self.base,
                http::pages::MAX_PAGES,
                |e| match e {
                    e @ http::Error::Transport { .. } => {
                        self.transport(&self.request(Method::GET, &url, None), e)
                    }
                    other => ApiError::Pages(Box::new(other)),
                },
                |req, r| {
                    let (headers, v) = self.read(req, r)?;
                    match v {
                        J::Array(items) => out.extend(items),
                        other => {
                            return Err(ApiError::Decode {
                                path: self.display_path(&req.url),
                                message: format!("expected a list, got {}", type_name(&other)),
                            });
                        }
                    }
                    Ok(http::pages::next_link(&headers))
                },
            )
            .await?;
        Ok(out)
    }

    /// The login of the token's user (`GET /user`); None for tokens without a user (the
    /// Actions `GITHUB_TOKEN` and app installation tokens answer 401/403/404).
    pub async fn user_login(&self) -> Result<Option<String>, ApiError> {
        let url = format!("{}/user", self.base);
        match self.send(Method::GET, &url, None, true).await {
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
        // an update sets the body (twice is once); a new comment must not be posted twice
        let idempotent = method != Method::POST;
        let (_, v) = self
            .send(method, &url, Some(&json!({ "body": body })), idempotent)
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
        // adding labels already there changes nothing
        self.send(Method::POST, &url, Some(&json!({ "labels": labels })), true)
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
        match self.send(Method::DELETE, &url, None, true).await {
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
                false,
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
        let (_, v) = self.send(Method::PATCH, &url, Some(fields), true).await?;
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
    fn rate_limits_are_recognised_and_say_how_long_to_wait() {
        let mut h = HeaderMap::new();
        assert_eq!(throttled(429, &h, ""), Some(None));
        assert_eq!(throttled(502, &h, ""), None, "a 5xx is the HTTP layer's");
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        h.insert("x-ratelimit-reset", HeaderValue::from_static("0"));
        assert_eq!(throttled(403, &h, ""), Some(Some(Duration::from_secs(1))));
        let soon = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 30;
        h.insert(
            "x-ratelimit-reset",
            HeaderValue::from_str(&soon.to_string()).unwrap(),
        );
        let wait = throttled(403, &h, "").unwrap().unwrap();
        assert!((Duration::from_secs(29)..=Duration::from_secs(30)).contains(&wait));
        assert!(!rate_limited(
            403,
            &HeaderMap::new(),
            "{\"message\":\"Resource not accessible by integration\"}"
        ));
        assert!(rate_limited(
            403,
            &HeaderMap::new(),
            "You have exceeded a secondary rate limit."
        ));
        // every wait, the server's too, is capped at 60 × base
        let p = policy(Duration::from_millis(10));
        assert_eq!(p.max_retry_after, Duration::from_millis(600));
        assert_eq!(p.backoff.step(15), Duration::from_millis(600));
        assert_eq!(p.max_retries, MAX_RETRIES);
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(query_value("dns drift&x"), "dns%20drift%26x");
    }
}
