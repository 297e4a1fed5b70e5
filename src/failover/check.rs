//! Health checks: HTTP/HTTPS (method, path, Host header and TLS name, expected statuses, a
//! regex on the body) and TCP connect, against one address.
//!
//! HTTP(S) checks ask for `scheme://HOST:PORT/PATH` with HOST resolved to the checked
//! address (never through DNS), so the Host header and the TLS server name are the
//! service's name and the certificate is verified against it. No proxy is used, redirects
//! are not followed (a 3xx is judged by `expect_status`), and every check opens a new
//! connection, so a server that stopped accepting cannot pass on an old one.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

use super::config::{CheckSpec, Protocol};

/// At most this much of a body is read for the body match.
const MAX_BODY: usize = 1 << 20;

/// Why a check did not pass.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("TCP connect to {addr}: {source}")]
    Connect {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("TCP connect to {addr}: timed out after {secs}s")]
    ConnectTimeout { addr: SocketAddr, secs: f64 },
    #[error("cannot set up the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    #[error("bad method {0:?}")]
    Method(String),
    /// An HTTP(S) check against `addr` failed (`protocol`: HTTP or HTTPS).
    #[error("{protocol} {addr}: {fault}")]
    Http {
        protocol: &'static str,
        addr: SocketAddr,
        fault: HttpFault,
    },
}

/// What an HTTP(S) check found wrong.
#[derive(Debug, thiserror::Error)]
pub enum HttpFault {
    /// No answer: the short reason (`reason`), the request's error as source.
    #[error("{reason}")]
    Request {
        reason: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("HTTP {status}, expected {}", ranges(.expected))]
    Status {
        status: u16,
        expected: Vec<(u16, u16)>,
    },
    #[error("reading the body: {reason}")]
    Body {
        reason: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("HTTP {status}, but the body does not match /{pattern}/")]
    BodyMismatch { status: u16, pattern: String },
}

pub struct Checker {
    spec: CheckSpec,
    clients: Mutex<HashMap<IpAddr, reqwest::Client>>,
}

impl Checker {
    pub fn new(spec: CheckSpec) -> Checker {
        Checker {
            spec,
            clients: Mutex::new(HashMap::new()),
        }
    }

    pub fn spec(&self) -> &CheckSpec {
        &self.spec
    }

    /// What is checked, for logs: `HTTPS GET www.example.com:443/_dns`.
    pub fn describe(&self) -> String {
        let s = &self.spec;
        match s.protocol {
            Protocol::Tcp => format!("TCP port {}", s.port),
            p => format!(
                "{} {} {}:{}{}",
                p.as_str(),
                s.method,
                s.host,
                s.port,
                s.path
            ),
        }
    }

    /// Check one address: Ok when it passes, else why not.
    pub async fn check(&self, addr: IpAddr) -> Result<(), CheckError> {
        match self.spec.protocol {
            Protocol::Tcp => self.tcp(addr).await,
            Protocol::Http | Protocol::Https => self.http(addr).await,
        }
    }

    async fn tcp(&self, addr: IpAddr) -> Result<(), CheckError> {
        let sa = SocketAddr::new(addr, self.spec.port);
        match tokio::time::timeout(self.spec.timeout, tokio::net::TcpStream::connect(sa)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(source)) => Err(CheckError::Connect { addr: sa, source }),
            Err(_) => Err(CheckError::ConnectTimeout {
                addr: sa,
                secs: self.spec.timeout.as_secs_f64(),
            }),
        }
    }

    fn client(&self, addr: IpAddr) -> Result<reqwest::Client, CheckError> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = clients.get(&addr) {
            return Ok(c.clone());
        }
        let _ = rustls::crypto::ring::default_provider().install_default();
        let s = &self.spec;
        let mut b = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(s.timeout)
            .connect_timeout(s.timeout)
            .pool_max_idle_per_host(0)
            .user_agent(concat!("dnsplan-failover/", env!("CARGO_PKG_VERSION")))
            .tls_danger_accept_invalid_certs(!s.tls_verify);
        if s.host.parse::<IpAddr>().is_err() {
            b = b.resolve(host_name(&s.host), SocketAddr::new(addr, s.port));
        }
        let c = b.build().map_err(CheckError::Client)?;
        clients.insert(addr, c.clone());
        Ok(c)
    }

    fn url(&self, addr: IpAddr) -> String {
        let s = &self.spec;
        let scheme = if s.protocol == Protocol::Https {
            "https"
        } else {
            "http"
        };
        // a Host that is itself an address: connect to the checked address, send that Host
        let host = if s.host.parse::<IpAddr>().is_ok() {
            match addr {
                IpAddr::V4(a) => a.to_string(),
                IpAddr::V6(a) => format!("[{a}]"),
            }
        } else {
            host_name(&s.host).to_string()
        };
        format!("{scheme}://{host}:{}{}", s.port, s.path)
    }

    async fn http(&self, addr: IpAddr) -> Result<(), CheckError> {
        let s = &self.spec;
        let client = self.client(addr)?;
        let method = reqwest::Method::from_bytes(s.method.as_bytes())
            .map_err(|_| CheckError::Method(s.method.clone()))?;
        let mut req = client.request(method, self.url(addr));
        if s.host.parse::<IpAddr>().is_ok() {
            req = req.header(reqwest::header::HOST, s.host.as_str());
        }
        let at = |fault: HttpFault| CheckError::Http {
            protocol: s.protocol.as_str(),
            addr: SocketAddr::new(addr, s.port),
            fault,
        };
        let mut resp = req.send().await.map_err(|e| {
            at(HttpFault::Request {
                reason: reason(&e, s),
                source: e,
            })
        })?;
        let status = resp.status().as_u16();
        if !s
            .expect_status
            .iter()
            .any(|(lo, hi)| (*lo..=*hi).contains(&status))
        {
            return Err(at(HttpFault::Status {
                status,
                expected: s.expect_status.clone(),
            }));
        }
        if let Some(re) = &s.body {
            let mut body = Vec::new();
            loop {
                match resp.chunk().await {
                    Ok(Some(c)) => {
                        body.extend_from_slice(&c);
                        if body.len() >= MAX_BODY {
                            body.truncate(MAX_BODY);
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        return Err(at(HttpFault::Body {
                            reason: reason(&e, s),
                            source: e,
                        }));
                    }
                }
            }
            let text = String::from_utf8_lossy(&body);
            if !re.is_match(&text) {
                return Err(at(HttpFault::BodyMismatch {
                    status,
                    pattern: re.as_str().to_string(),
                }));
            }
        }
        Ok(())
    }
}

/// The host without a trailing dot.
fn host_name(h: &str) -> &str {
    h.trim_end_matches('.')
}

/// `200-399` or `200, 204`.
pub fn ranges(r: &[(u16, u16)]) -> String {
    r.iter()
        .map(|(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A reqwest error as a short reason: the innermost cause, without the URL.
pub fn reason(e: &reqwest::Error, s: &CheckSpec) -> String {
    if e.is_timeout() {
        return format!("timed out after {}s", s.timeout.as_secs_f64());
    }
    let mut msg = e.to_string();
    let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(inner) = src {
        msg = inner.to_string();
        src = inner.source();
    }
    if e.is_connect() {
        format!("cannot connect: {msg}")
    } else {
        msg
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    fn spec(port: u16) -> CheckSpec {
        CheckSpec {
            protocol: Protocol::Http,
            port,
            path: "/_dns".into(),
            host: "www.example.com".into(),
            method: "GET".into(),
            expect_status: vec![(200, 399)],
            body: None,
            tls_verify: true,
            timeout: Duration::from_secs(2),
        }
    }

    fn local() -> IpAddr {
        "127.0.0.1".parse().unwrap()
    }

    #[tokio::test]
    async fn http_sends_the_host_header_to_the_checked_address_and_judges_the_status() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/_dns"))
            .and(header(
                "host",
                "www.example.com:".to_string() + &server.address().port().to_string(),
            ))
            .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
            .mount(&server)
            .await;
        let c = Checker::new(spec(server.address().port()));
        assert_eq!(c.check(local()).await.map_err(|e| e.to_string()), Ok(()));

        // a status outside expect_status fails with the status in the reason
        let c = Checker::new(CheckSpec {
            path: "/missing".into(),
            ..spec(server.address().port())
        });
        let e = c.check(local()).await.unwrap_err();
        match &e {
            CheckError::Http {
                protocol: "HTTP",
                fault:
                    HttpFault::Status {
                        status: 404,
                        expected,
                    },
                ..
            } => assert_eq!(expected, &[(200, 399)]),
            other => panic!("{other:?}"),
        }
        let e = e.to_string();
        assert_eq!(
            e,
            format!(
                "HTTP 127.0.0.1:{}: HTTP 404, expected 200-399",
                server.address().port()
            )
        );
        // another Host header does not match the mock: 404 too
        let c = Checker::new(CheckSpec {
            host: "other.example.com".into(),
            ..spec(server.address().port())
        });
        assert!(
            c.check(local())
                .await
                .unwrap_err()
                .to_string()
                .contains("HTTP 404")
        );
    }

    #[tokio::test]
    async fn http_method_statuses_and_body_match() {
        let server = MockServer::start().await;
        Mock::given(method("HEAD"))
            .and(path("/head"))
            .respond_with(ResponseTemplate::new(204))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/moved"))
            .respond_with(ResponseTemplate::new(302).insert_header("location", "http://192.0.2.1/"))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/body"))
            .respond_with(ResponseTemplate::new(200).set_body_string("status: degraded\n"))
            .mount(&server)
            .await;
        let port = server.address().port();
        let head = Checker::new(CheckSpec {
            method: "HEAD".into(),
            path: "/head".into(),
            expect_status: vec![(204, 204)],
            ..spec(port)
        });
        assert_eq!(head.check(local()).await.map_err(|e| e.to_string()), Ok(()));
        // a redirect is not followed; 302 passes the default 200-399, not an explicit 200
        let moved = CheckSpec {
            path: "/moved".into(),
            ..spec(port)
        };
        assert_eq!(
            Checker::new(moved.clone())
                .check(local())
                .await
                .map_err(|e| e.to_string()),
            Ok(())
        );
        let strict = Checker::new(CheckSpec {
            expect_status: vec![(200, 200)],
            ..moved
        });
        assert!(
            strict
                .check(local())
                .await
                .unwrap_err()
                .to_string()
                .ends_with("HTTP 302, expected 200")
        );
        // the body must match the regex
        let body = |re: &str| CheckSpec {
            path: "/body".into(),
            body: Some(regex_lite::Regex::new(re).unwrap()),
            ..spec(port)
        };
        assert_eq!(
            Checker::new(body("status: (ok|degraded)"))
                .check(local())
                .await
                .map_err(|e| e.to_string()),
            Ok(())
        );
        let e = Checker::new(body("^status: ok$"))
            .check(local())
            .await
            .unwrap_err()
            .to_string();
        assert!(
            e.ends_with("HTTP 200, but the body does not match /^status: ok$/"),
            "{e}"
        );
    }

    #[tokio::test]
    async fn http_to_a_closed_port_fails_with_the_cause() {
        let port = closed_port();
        let e = Checker::new(spec(port))
            .check(local())
            .await
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(&format!("HTTP 127.0.0.1:{port}: cannot connect:")),
            "{e}"
        );
        assert!(e.to_lowercase().contains("refused"), "{e}");
    }

    #[tokio::test]
    async fn http_times_out() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
            .mount(&server)
            .await;
        let c = Checker::new(CheckSpec {
            timeout: Duration::from_millis(300),
            ..spec(server.address().port())
        });
        let e = c.check(local()).await.unwrap_err().to_string();
        assert!(e.ends_with("timed out after 0.3s"), "{e}");
    }

    #[tokio::test]
    async fn tcp_connects_or_says_why_not() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = listener.local_addr().unwrap().port();
        let tcp = |port| CheckSpec {
            protocol: Protocol::Tcp,
            ..spec(port)
        };
        assert_eq!(
            Checker::new(tcp(open))
                .check(local())
                .await
                .map_err(|e| e.to_string()),
            Ok(())
        );
        let port = closed_port();
        let e = Checker::new(tcp(port))
            .check(local())
            .await
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(&format!("TCP connect to 127.0.0.1:{port}: ")),
            "{e}"
        );
        assert!(e.to_lowercase().contains("refused"), "{e}");
        assert_eq!(
            Checker::new(tcp(port)).describe(),
            format!("TCP port {port}")
        );
    }

    /// A loopback port nobody listens on (bound, then released).
    fn closed_port() -> u16 {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        port
    }
}
