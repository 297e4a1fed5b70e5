//! `https_proxy.py`, an HTTPS CONNECT proxy with a throw-away CA, so octoDNS providers with a
//! fixed `https://api.<provider>.com` base (built on `requests`, which honours HTTPS_PROXY and
//! REQUESTS_CA_BUNDLE) can be pointed at the plain-HTTP fakes on loopback: `HttpsProxy::start`
//! maps host names to fakes' ports, and `HttpsProxy::env` is the environment to give the child
//! process (octodns-sync, a python snippet) that should go through it. Hosts that are not
//! mapped are refused (403), so nothing leaves loopback.
//!
//! The tests here check the proxy itself with the venv's `requests`: a mapped host reaches its
//! fake with the client's Host header, an unmapped one is refused, plain HTTP proxying is
//! refused, and without the CA bundle the handshake fails (verification is real).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::harness;
use crate::suite::show;

/// A running `https_proxy.py` (the venv's python), on its own loopback port; stopped when
/// dropped (and when this process ends: it exits when its stdin closes).
pub struct HttpsProxy {
    /// The proxy's port on 127.0.0.1.
    pub port: u16,
    /// The CA certificate (PEM) the proxy signs its leaf certificates with.
    pub ca: PathBuf,
    log: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

impl HttpsProxy {
    /// `octodns-sync --config-file config.yaml` in the project `p`, through this proxy, with
    /// `env` (the octoDNS provider's secrets) and `args` (`--doit`, `--force`): its success and
    /// output (octoDNS logs its plan on stderr). A venv without octoDNS fails the test.
    pub fn octodns_sync(
        &self,
        p: &crate::suite::Project,
        env: &[(String, String)],
        args: &[&str],
    ) -> (bool, String) {
        let venv = harness::venv();
        let mut c = Command::new(venv.join("bin/octodns-sync"));
        c.current_dir(p.path())
            .args(["--config-file", "config.yaml"])
            .args(args)
            .envs(env.iter().cloned())
            .envs(self.env());
        let o = c.output().unwrap_or_else(|e| {
            panic!(
                "octodns-sync from {} (scripts/test installs it): {e}",
                venv.display()
            )
        });
        (o.status.success(), show(&o))
    }

    /// Start a proxy that sends `CONNECT host:443` for each `(host, port)` of `map` to the
    /// plain-HTTP server on `127.0.0.1:port`, and refuses everything else. Panics (fails the
    /// test) when the venv, its python or `cryptography` is missing.
    pub fn start(map: &[(&str, u16)]) -> HttpsProxy {
        let python = harness::venv().join("bin/python");
        assert!(
            python.exists(),
            "the project's venv is needed at {} (DNSPLAN_OCTODNS_VENV; scripts/test installs it)",
            harness::venv().display()
        );
        let dir = tempfile::Builder::new()
            .prefix("https-proxy-")
            .tempdir()
            .expect("a temporary directory for the proxy's CA");
        let ca = dir.path().join("ca.pem");
        let log = dir.path().join("proxy.log");
        let script = harness::repo().join("tests/conformance/https_proxy.py");
        let mut c = Command::new(&python);
        c.arg(&script).arg("--ca-out").arg(&ca);
        for (host, port) in map {
            c.arg("--map").arg(format!("{host}=127.0.0.1:{port}"));
        }
        let mut child = c
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("the proxy's log file"))
            .spawn()
            .unwrap_or_else(|e| panic!("start {} {}: {e}", python.display(), script.display()));
        let mut line = String::new();
        let _ = BufReader::new(child.stdout.take().unwrap()).read_line(&mut line);
        let Ok(port) = line.trim().parse() else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "https_proxy.py did not print its port (the venv's python needs `cryptography`): \
                 {line:?}\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            )
        };
        assert!(
            ca.exists(),
            "https_proxy.py wrote no CA to {}",
            ca.display()
        );
        HttpsProxy {
            port,
            ca,
            log,
            child,
            _dir: dir,
        }
    }

    /// The environment for a child process that should reach the mapped hosts through the
    /// proxy: HTTPS_PROXY / https_proxy, the CA as REQUESTS_CA_BUNDLE and SSL_CERT_FILE (the
    /// only CA the child then trusts), and no other proxy: HTTP_PROXY / ALL_PROXY (both cases)
    /// empty, NO_PROXY / no_proxy only loopback (`http://127.0.0.1:…` fakes and
    /// `tls_front.py` stay direct even when this process inherited proxy settings).
    pub fn env(&self) -> Vec<(String, String)> {
        let url = format!("http://127.0.0.1:{}", self.port);
        let ca = self.ca.display().to_string();
        [
            ("HTTPS_PROXY", url.as_str()),
            ("https_proxy", &url),
            ("REQUESTS_CA_BUNDLE", &ca),
            ("SSL_CERT_FILE", &ca),
            ("HTTP_PROXY", ""),
            ("http_proxy", ""),
            ("ALL_PROXY", ""),
            ("all_proxy", ""),
            ("NO_PROXY", "127.0.0.1,localhost"),
            ("no_proxy", "127.0.0.1,localhost"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    /// What the proxy logged so far: one line per CONNECT (`CONNECT host:443 -> 127.0.0.1:…`,
    /// `refused CONNECT host:443: not mapped (403)`), and its errors.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for HttpsProxy {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `requests.get(url)` by the venv's python, with `env` on top of this process's environment
/// minus any CA settings of its own; prints the JSON answer.
fn requests_get(env: &[(String, String)], url: &str) -> Output {
    let python = harness::venv().join("bin/python");
    Command::new(&python)
        .args([
            "-c",
            "import sys, requests; print(requests.get(sys.argv[1], timeout=20).json())",
            url,
        ])
        .env_remove("REQUESTS_CA_BUNDLE")
        .env_remove("CURL_CA_BUNDLE")
        .env_remove("SSL_CERT_FILE")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", python.display()))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// A fake answering `GET /v2/ping` (it serves from a thread of its own).
fn ping_fake(rt: &tokio::runtime::Runtime) -> MockServer {
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(method("GET"))
            .and(path("/v2/ping"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"pong": true})))
            .mount(&server),
    );
    server
}

#[test]
fn a_requests_client_reaches_the_fake_through_the_proxy() {
    let rt = runtime();
    let fake = ping_fake(&rt);
    let proxy = HttpsProxy::start(&[("api.example-dns.test", fake.address().port())]);
    let o = requests_get(&proxy.env(), "https://api.example-dns.test/v2/ping");
    assert!(o.status.success(), "{}\n{}", show(&o), proxy.log());
    assert_eq!(String::from_utf8_lossy(&o.stdout), "{'pong': True}\n");
    let seen = rt.block_on(fake.received_requests()).unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].url.path(), "/v2/ping");
    assert_eq!(
        seen[0].headers.get("host").and_then(|h| h.to_str().ok()),
        Some("api.example-dns.test"),
        "the Host header as the client sent it"
    );
    assert!(
        proxy.log().contains(&format!(
            "CONNECT api.example-dns.test:443 -> 127.0.0.1:{}",
            fake.address().port()
        )),
        "{}",
        proxy.log()
    );
}

#[test]
fn an_unmapped_host_is_refused() {
    let rt = runtime();
    let fake = ping_fake(&rt);
    let proxy = HttpsProxy::start(&[("api.example-dns.test", fake.address().port())]);
    let started = std::time::Instant::now();
    let o = requests_get(&proxy.env(), "https://elsewhere.example/v2/ping");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{}", show(&o));
    assert!(
        err.contains("ProxyError") && err.contains("403"),
        "{}",
        show(&o)
    );
    // refused at once, not resolved nor connected to (that would time out or fail otherwise)
    assert!(started.elapsed().as_secs() < 15, "{:?}", started.elapsed());
    assert!(
        proxy
            .log()
            .contains("refused CONNECT elsewhere.example:443: not mapped (403)"),
        "{}",
        proxy.log()
    );
    // a mapped name on another port is another host
    let o = requests_get(&proxy.env(), "https://api.example-dns.test:8443/v2/ping");
    assert!(!o.status.success(), "{}", show(&o));
    assert!(
        proxy
            .log()
            .contains("refused CONNECT api.example-dns.test:8443"),
        "{}",
        proxy.log()
    );
    assert!(rt.block_on(fake.received_requests()).unwrap().is_empty());
}

#[test]
fn a_plain_http_request_is_refused() {
    let proxy = HttpsProxy::start(&[("api.example-dns.test", 9)]);
    let mut s = TcpStream::connect(("127.0.0.1", proxy.port)).unwrap();
    s.write_all(b"GET http://api.example-dns.test/ HTTP/1.1\r\nHost: api.example-dns.test\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"),
        "{answer}"
    );
    assert!(answer.contains("\r\nAllow: CONNECT\r\n"), "{answer}");
}

#[test]
fn the_ca_is_not_trusted_without_the_bundle() {
    let rt = runtime();
    let fake = ping_fake(&rt);
    let proxy = HttpsProxy::start(&[("api.example-dns.test", fake.address().port())]);
    let env: Vec<_> = proxy
        .env()
        .into_iter()
        .filter(|(k, _)| k != "REQUESTS_CA_BUNDLE" && k != "SSL_CERT_FILE")
        .collect();
    let o = requests_get(&env, "https://api.example-dns.test/v2/ping");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{}", show(&o));
    assert!(
        err.contains("SSLError") && err.contains("CERTIFICATE_VERIFY_FAILED"),
        "{}",
        show(&o)
    );
    // the tunnel was granted: it is the certificate that failed
    assert!(
        proxy.log().contains("CONNECT api.example-dns.test:443 ->"),
        "{}",
        proxy.log()
    );
    assert!(rt.block_on(fake.received_requests()).unwrap().is_empty());
}
