//! The one HTTP layer of every API client (PowerDNS, Azure, GitHub, the providers to come):
//! retries (`retry`: jittered exponential back-off, `Retry-After` honoured and capped,
//! 408/429/5xx and lost connections retried, other 4xx not, a request that is not idempotent
//! never sent twice when it may have been processed), client-side limits (`limit`: a token
//! bucket and a bound on requests in flight), pagination that ends (`pages`) and errors
//! (`Error`) that keep the method, the URL (credentials in its query hidden), the status
//! and the start of the body, every secret scrubbed (`crate::secret::Scrubber`).
//!
//! Rule: std, crates (tokio, reqwest, serde_json, httpdate, sha2, thiserror, tracing),
//! `secret` and `random` only: nothing of DNS or providers (`github` uses it too).

pub mod limit;
pub mod pages;
pub mod retry;

use std::time::{Duration, SystemTime};

use reqwest::Method;
use reqwest::header::HeaderMap;

pub use limit::{Bucket, Limits, Rate, ReportHook, Reported};

pub use pages::Pages;
pub use retry::{Backoff, Policy, Verdict};

use crate::secret::Scrubber;

/// How much of a response body an error keeps (characters).
pub const MAX_BODY: usize = 600;

/// Query parameters whose values are hidden in the URLs errors and logs show.
const SECRET_PARAMS: &[&str] = &[
    "token",
    "key",
    "secret",
    "sig",
    "password",
    "passwd",
    "auth",
    "code",
    "credential",
];

/// A failed request: what was asked, of whom, and what came back.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No usable answer came back (no connection, a timeout, a broken connection).
    #[error("{method} {url}: {reason} (after {attempts} attempt{s})", s = plural(*attempts))]
    Transport {
        method: String,
        url: String,
        reason: String,
        attempts: u32,
        /// The request may have reached the server.
        sent: bool,
        #[source]
        source: reqwest::Error,
    },
    /// An answer that is not a success (the body scrubbed and shortened).
    #[error("{method} {url}: HTTP {status}: {body}")]
    Status {
        method: String,
        url: String,
        status: u16,
        body: String,
        attempts: u32,
    },
    /// A success whose body is not what the API promises.
    #[error("{method} {url}: unexpected answer: {message}")]
    Decode {
        method: String,
        url: String,
        message: String,
    },
    #[error("{what}: more than {cap} pages: stopping instead of listing forever")]
    TooManyPages { what: String, cap: usize },
    #[error("{what}: the next page {token} repeats an earlier page: stopping")]
    PageRepeated { what: String, token: String },
    #[error(
        "{what}: the next page points away from {home} ({link}): refusing to send the token there"
    )]
    ForeignLink {
        what: String,
        home: String,
        link: String,
    },
    #[error("cannot build the HTTP client: {0}")]
    Setup(String),
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

impl Error {
    /// The HTTP status, when an answer came.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Could the same request succeed later (a status `retry::retryable_status` names, or
    /// no answer at all)? Whether it was *safe* to send again is `retry::may_retry`'s
    /// business; this tells a caller whether to try the operation again later.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. } => true,
            Error::Status { status, .. } => retry::retryable_status(*status),
            _ => false,
        }
    }

    /// The body kept of an error answer.
    pub fn body(&self) -> Option<&str> {
        match self {
            Error::Status { body, .. } => Some(body),
            _ => None,
        }
    }
}

/// One request: built once, sent as often as the policy allows.
#[derive(Clone)]
pub struct Request {
    pub method: Method,
    pub url: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    /// Sending it twice does no more than sending it once (GET, PUT, DELETE by default; a
    /// POST or PATCH only when the caller says so). A request that is not idempotent is sent
    /// again only when it cannot have been processed (no connection, 408/429/503).
    pub idempotent: bool,
}

/// Headers whose values `Debug` never shows.
fn secret_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "authorization" || n.contains("key") || n.contains("token") || n.contains("secret")
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let v = if secret_header(k) { "***" } else { v.as_str() };
                (k.as_str(), v)
            })
            .collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &shown_url(&self.url))
            .field("headers", &headers)
            .field("body_bytes", &self.body.as_ref().map(Vec::len))
            .field("idempotent", &self.idempotent)
            .finish()
    }
}

impl Request {
    pub fn new(method: Method, url: impl Into<String>) -> Request {
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        );
        Request {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
            idempotent,
        }
    }

    pub fn get(url: impl Into<String>) -> Request {
        Request::new(Method::GET, url)
    }

    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Request {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn bearer(self, token: &str) -> Request {
        self.header("Authorization", format!("Bearer {token}"))
    }

    /// A JSON body (and its content type).
    pub fn json(mut self, body: &serde_json::Value) -> Request {
        self.body = Some(serde_json::to_vec(body).unwrap_or_default());
        self.header("Content-Type", "application/json")
    }

    /// A form body (`application/x-www-form-urlencoded`, already encoded); the caller sets
    /// the content type.
    pub fn form(mut self, encoded: String) -> Request {
        self.body = Some(encoded.into_bytes());
        self
    }

    /// The body as it is sent (empty when there is none), for a `Signer`.
    pub fn body_bytes(&self) -> &[u8] {
        self.body.as_deref().unwrap_or_default()
    }

    /// Declare whether the request may be sent twice (see the field).
    pub fn idempotent(mut self, yes: bool) -> Request {
        self.idempotent = yes;
        self
    }
}

/// An answer.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
    /// Tries it took (1: no retry).
    pub attempts: u32,
}

impl Response {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// Did an earlier try possibly reach the server?
    pub fn retried(&self) -> bool {
        self.attempts > 1
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok().map(str::trim)
    }
}

/// A URL as errors and logs show it: no user-info, and the values of query parameters that
/// look like credentials (`token`, `key`, `sig`, …) replaced by `***`.
pub fn shown_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let base = match base.split_once("://") {
        Some((scheme, rest)) => {
            let (auth, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let host = auth.rsplit_once('@').map_or(auth, |(_, h)| h);
            format!("{scheme}://{host}{path}")
        }
        None => base.to_string(),
    };
    let Some(query) = query else {
        return base;
    };
    let params: Vec<String> = query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, _))
                if SECRET_PARAMS
                    .iter()
                    .any(|s| k.to_ascii_lowercase().contains(s)) =>
            {
                format!("{k}=***")
            }
            _ => p.to_string(),
        })
        .collect();
    format!("{base}?{}", params.join("&"))
}

/// `text` trimmed, at most `MAX_BODY` characters (an ellipsis marks a cut), secrets scrubbed.
pub fn excerpt(scrubber: &Scrubber, text: &str) -> String {
    // scrub first: a cut must not leave the head of a secret behind
    let s = scrubber.scrub(text.trim());
    if s.chars().count() > MAX_BODY {
        s.chars().take(MAX_BODY).collect::<String>() + "…"
    } else {
        s
    }
}

/// A transport error's causes, innermost last (never its URL).
pub fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".into();
    }
    let mut causes = Vec::new();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        causes.push(s.to_string());
        src = s.source();
    }
    if causes.is_empty() {
        e.to_string()
    } else {
        causes.join(": ")
    }
}

/// Install the TLS crypto provider once (reqwest is built without one).
pub fn install_crypto() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A hook that recognises throttling an API reports its own way (GitHub's 403 with
/// `x-ratelimit-remaining: 0`): `Some(wait)` means "not processed, retry", with the wait the
/// API asked for if it said one.
pub type Throttle = fn(status: u16, headers: &HeaderMap, body: &str) -> Option<Option<Duration>>;

/// An API client: a reqwest client with a name (for logs), a retry policy, limits and the
/// secrets to keep out of every error.
pub struct Client {
    http: reqwest::Client,
    name: String,
    policy: Policy,
    limits: Limits,
    scrubber: Scrubber,
    throttle: Option<Throttle>,
    signer: Option<Signer>,
    timeout: Option<Duration>,
}

/// Headers made afresh for every try of a request (a signature over the time it is sent, as
/// DNS Made Easy and OVH want): given the request, the headers to add.
pub type Signer = std::sync::Arc<dyn Fn(&Request) -> Vec<(String, String)> + Send + Sync>;

impl Client {
    /// A client from a reqwest builder the caller set up (TLS, redirects, a connect timeout);
    /// `timeout` bounds every try (None: no bound, as tests with a paused clock want).
    pub fn new(
        name: impl Into<String>,
        builder: reqwest::ClientBuilder,
        timeout: Option<Duration>,
        policy: Policy,
    ) -> Result<Client, Error> {
        install_crypto();
        let mut builder = builder.user_agent(concat!("dnsplan/", env!("CARGO_PKG_VERSION")));
        if let Some(t) = timeout {
            builder = builder.timeout(t);
        }
        let http = builder.build().map_err(|e| Error::Setup(describe(&e)))?;
        Ok(Client {
            http,
            name: name.into(),
            policy,
            limits: Limits::default(),
            scrubber: Scrubber::default(),
            throttle: None,
            signer: None,
            timeout,
        })
    }

    /// Secrets never shown in an error or a log line.
    pub fn scrubbing(mut self, scrubber: Scrubber) -> Client {
        self.scrubber = scrubber;
        self
    }

    pub fn limits(mut self, limits: Limits) -> Client {
        self.limits = limits;
        self
    }

    /// Sign every try of every request (`Signer`).
    pub fn signing(mut self, signer: Signer) -> Client {
        self.signer = Some(signer);
        self
    }

    pub fn throttle(mut self, hook: Throttle) -> Client {
        self.throttle = Some(hook);
        self
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn set_policy(&mut self, policy: Policy) {
        self.policy = policy;
    }

    /// The underlying reqwest client (for requests made outside this layer, such as a token
    /// request that must not be retried).
    pub fn reqwest(&self) -> &reqwest::Client {
        &self.http
    }

    pub fn scrubber(&self) -> &Scrubber {
        &self.scrubber
    }

    /// The URL as shown, scrubbed.
    pub fn shown(&self, url: &str) -> String {
        self.scrubber.scrub(&shown_url(url))
    }

    /// Send `req`, retrying as the policy and the request allow. `Ok` for any answer (the
    /// caller reads the status; `status_error` makes an error of it), `Err` when none came.
    pub async fn send(&self, req: &Request) -> Result<Response, Error> {
        let what = format!("{}: {} {}", self.name, req.method, self.shown(&req.url));
        let now = SystemTime::now;
        let (outcome, attempts) = self
            .policy
            .run(&what, || self.attempt(req), |o| self.verdict(req, o, now()))
            .await;
        match outcome {
            Ok(mut r) => {
                r.attempts = attempts;
                Ok(r)
            }
            Err(e) => Err(self.transport_error(req, e, attempts)),
        }
    }

    /// `send`, then an error for any answer that is not a success.
    pub async fn send_ok(&self, req: &Request) -> Result<Response, Error> {
        let r = self.send(req).await?;
        if r.ok() {
            Ok(r)
        } else {
            Err(self.status_error(req, &r))
        }
    }

    /// The error for an answer that is not a success.
    pub fn status_error(&self, req: &Request, r: &Response) -> Error {
        Error::Status {
            method: req.method.to_string(),
            url: self.shown(&req.url),
            status: r.status,
            body: excerpt(&self.scrubber, &r.body),
            attempts: r.attempts,
        }
    }

    /// The error for a success whose body is not what was expected.
    pub fn decode_error(&self, req: &Request, message: impl Into<String>) -> Error {
        Error::Decode {
            method: req.method.to_string(),
            url: self.shown(&req.url),
            message: self.scrubber.scrub(&message.into()),
        }
    }

    /// Send `first` and follow the pages after it: `page` reads each answer and returns the
    /// next page's URL, if any. A next URL must lie within `home` (the credentials go to the
    /// API only), must not repeat an earlier one, and at most `cap` pages are read. This
    /// layer's errors reach the caller through `wrap` (which adds its context).
    pub async fn follow<E>(
        &self,
        first: Request,
        home: &str,
        cap: usize,
        wrap: impl Fn(Error) -> E,
        mut page: impl FnMut(&Request, Response) -> Result<Option<String>, E>,
    ) -> Result<(), E> {
        let what = format!("{} {}", first.method, self.shown(&first.url));
        let mut pages = Pages::new(what.clone(), cap).first(first.url.clone());
        let mut req = first;
        loop {
            let r = self.send(&req).await.map_err(&wrap)?;
            let Some(link) = page(&req, r)? else {
                return Ok(());
            };
            if !pages::within(home, &link) {
                return Err(wrap(Error::ForeignLink {
                    what,
                    home: self.shown(home),
                    link: self.shown(&link),
                }));
            }
            match pages.next(link.clone()) {
                Ok(()) => {}
                Err(Error::PageRepeated { what, .. }) => {
                    return Err(wrap(Error::PageRepeated {
                        what,
                        token: self.shown(&link),
                    }));
                }
                Err(e) => return Err(wrap(e)),
            }
            req.url = link;
        }
    }

    fn transport_error(&self, req: &Request, e: reqwest::Error, attempts: u32) -> Error {
        let mut reason = describe(&e);
        if e.is_timeout()
            && let Some(t) = self.timeout
        {
            reason = format!("timed out after {t:?}");
        }
        Error::Transport {
            method: req.method.to_string(),
            url: self.shown(&req.url),
            reason: self.scrubber.scrub(&reason),
            attempts,
            sent: !e.is_connect(),
            source: e.without_url(),
        }
    }

    async fn attempt(&self, req: &Request) -> Result<Response, reqwest::Error> {
        let _place = self.limits.enter().await;
        let mut b = self.http.request(req.method.clone(), &req.url);
        for (k, v) in &req.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        if let Some(sign) = &self.signer {
            for (k, v) in sign(req) {
                b = b.header(k, v);
            }
        }
        if let Some(body) = &req.body {
            b = b.body(body.clone());
        }
        let resp = b.send().await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        self.limits.observe(&headers).await;
        let body = resp.text().await?;
        Ok(Response {
            status,
            headers,
            body,
            attempts: 1,
        })
    }

    fn verdict(
        &self,
        req: &Request,
        outcome: &Result<Response, reqwest::Error>,
        now: SystemTime,
    ) -> Verdict {
        match outcome {
            Ok(r) => {
                let asked = r
                    .header("retry-after")
                    .and_then(|v| retry::retry_after(v, now, self.policy.max_retry_after));
                if let Some(wait) = self
                    .throttle
                    .and_then(|hook| hook(r.status, &r.headers, &r.body))
                {
                    return Verdict::Retry {
                        reason: format!("HTTP {} (rate limited)", r.status),
                        wait: asked.or(wait),
                        answer: true,
                    };
                }
                if retry::may_retry(Some(r.status), true, req.idempotent) {
                    let limited = if r.status == 429 {
                        " (rate limited)"
                    } else {
                        ""
                    };
                    Verdict::Retry {
                        reason: format!("HTTP {}{limited}", r.status),
                        wait: asked,
                        answer: true,
                    }
                } else {
                    Verdict::Done
                }
            }
            // a request that cannot be built never will be
            Err(e) if e.is_builder() => Verdict::Done,
            Err(e) => {
                let sent = !e.is_connect();
                if retry::may_retry(None, sent, req.idempotent) {
                    Verdict::Retry {
                        reason: self.scrubber.scrub(&describe(e)),
                        wait: None,
                        answer: false,
                    }
                } else {
                    Verdict::Done
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;
