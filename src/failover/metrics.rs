//! What the daemon knows, for monitoring: a shared status updated after every step, served
//! as Prometheus text at `/metrics` by a tiny HTTP/1.0 responder (one request per
//! connection; anything but `GET /metrics` gets 404 or 405).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::decide::PeerState;

/// The status of one managed record.
#[derive(Clone, Debug, Default)]
pub struct RecordStatus {
    /// Every pool address.
    pub pool: Vec<IpAddr>,
    /// The last self-check: None before the first one.
    pub self_ok: Option<bool>,
    pub own: Option<IpAddr>,
    pub self_failures: u32,
    /// The record as last read.
    pub live: Vec<IpAddr>,
    pub peers: BTreeMap<IpAddr, PeerState>,
    pub rounds: u64,
    pub added: u64,
    pub removed: u64,
    pub held: u64,
    pub read_errors: u64,
    pub write_errors: u64,
    pub self_check_failures: u64,
    /// Seconds since the epoch at the end of the last round.
    pub last_round: f64,
}

/// Every record's status, by its label (`www.example.com. A`).
#[derive(Clone, Debug, Default)]
pub struct Status {
    pub records: BTreeMap<String, RecordStatus>,
}

pub type Shared = Arc<Mutex<Status>>;

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The Prometheus text exposition (version 0.0.4).
pub fn render(status: &Status) -> String {
    let mut out = String::new();
    let mut family = |name: &str, kind: &str, help: &str, rows: Vec<(String, String)>| {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        for (labels, v) in rows {
            let _ = writeln!(out, "{name}{{{labels}}} {v}");
        }
    };
    let recs = &status.records;
    let per = |f: &dyn Fn(&RecordStatus) -> String| -> Vec<(String, String)> {
        recs.iter()
            .map(|(k, r)| (format!("record=\"{}\"", esc(k)), f(r)))
            .collect()
    };
    let per_addr = |f: &dyn Fn(&RecordStatus, &IpAddr) -> Option<String>| -> Vec<(String, String)> {
        let mut rows = Vec::new();
        for (k, r) in recs {
            for a in &r.pool {
                if let Some(v) = f(r, a) {
                    rows.push((format!("record=\"{}\",address=\"{a}\"", esc(k)), v));
                }
            }
        }
        rows
    };
    family(
        "dnsplan_failover_self_check_ok",
        "gauge",
        "1 when the last self-check passed, 0 when it failed (nothing is changed then).",
        per(&|r| match r.self_ok {
            Some(true) => "1".into(),
            Some(false) => "0".into(),
            None => "NaN".into(),
        }),
    );
    family(
        "dnsplan_failover_self_check_consecutive_failures",
        "gauge",
        "Failed self-checks in a row; the daemon exits non-zero at self_failures.",
        per(&|r| r.self_failures.to_string()),
    );
    family(
        "dnsplan_failover_in_record",
        "gauge",
        "1 when the pool address is in the live record as last read.",
        per_addr(&|r, a| Some(u8::from(r.live.contains(a)).to_string())),
    );
    family(
        "dnsplan_failover_peer_check_ok",
        "gauge",
        "1 when the last check of the peer passed (peers checked at least once).",
        per_addr(&|r, a| {
            let p = r.peers.get(a).filter(|p| p.checked && Some(*a) != r.own)?;
            Some(u8::from(p.failures == 0).to_string())
        }),
    );
    family(
        "dnsplan_failover_peer_consecutive_failures",
        "gauge",
        "Failed checks of the peer in a row (removed at `retries`).",
        per_addr(&|r, a| {
            let p = r.peers.get(a).filter(|p| p.checked && Some(*a) != r.own)?;
            Some(p.failures.to_string())
        }),
    );
    let mut changes = Vec::new();
    for (k, r) in recs {
        changes.push((
            format!("record=\"{}\",op=\"add\"", esc(k)),
            r.added.to_string(),
        ));
        changes.push((
            format!("record=\"{}\",op=\"remove\"", esc(k)),
            r.removed.to_string(),
        ));
    }
    family(
        "dnsplan_failover_changes_total",
        "counter",
        "Changes written to the record.",
        changes,
    );
    family(
        "dnsplan_failover_held_total",
        "counter",
        "Removals the checks called for but a safeguard refused (last address, max_remove_fraction).",
        per(&|r| r.held.to_string()),
    );
    family(
        "dnsplan_failover_rounds_total",
        "counter",
        "Rounds (intervals) run.",
        per(&|r| r.rounds.to_string()),
    );
    family(
        "dnsplan_failover_self_check_failures_total",
        "counter",
        "Failed self-checks.",
        per(&|r| r.self_check_failures.to_string()),
    );
    family(
        "dnsplan_failover_read_errors_total",
        "counter",
        "Failed reads of the live record.",
        per(&|r| r.read_errors.to_string()),
    );
    family(
        "dnsplan_failover_write_errors_total",
        "counter",
        "Failed or refused writes of the record.",
        per(&|r| r.write_errors.to_string()),
    );
    family(
        "dnsplan_failover_last_round_timestamp_seconds",
        "gauge",
        "When the last round ended (Unix time).",
        per(&|r| format!("{:.3}", r.last_round)),
    );
    out
}

/// Answer `GET /metrics` on `listener` until `stop` turns true.
pub async fn serve(
    listener: TcpListener,
    status: Shared,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.changed() => return,
        };
        let Ok((mut conn, _)) = accepted else {
            // e.g. too many open files: do not spin
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let status = status.clone();
        tokio::spawn(async move {
            let mut buf = Vec::with_capacity(1024);
            let read = tokio::time::timeout(Duration::from_secs(5), async {
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 8192 {
                    match conn.read(&mut chunk).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
            })
            .await;
            if read.is_err() {
                return;
            }
            let head = String::from_utf8_lossy(&buf);
            let mut parts = head.lines().next().unwrap_or_default().split_whitespace();
            let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let path = target.split('?').next().unwrap_or("");
            let (code, body, ctype) = match (method, path) {
                ("GET" | "HEAD", "/metrics") => {
                    let s = status.lock().unwrap_or_else(|e| e.into_inner()).clone();
                    (
                        "200 OK",
                        render(&s),
                        "text/plain; version=0.0.4; charset=utf-8",
                    )
                }
                ("GET" | "HEAD", _) => (
                    "404 Not Found",
                    "only /metrics is served here\n".to_string(),
                    "text/plain; charset=utf-8",
                ),
                _ => (
                    "405 Method Not Allowed",
                    "GET /metrics\n".to_string(),
                    "text/plain; charset=utf-8",
                ),
            };
            let mut resp = format!(
                "HTTP/1.0 {code}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            if method != "HEAD" {
                resp.push_str(&body);
            }
            let _ = conn.write_all(resp.as_bytes()).await;
            let _ = conn.shutdown().await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Status {
        let a: IpAddr = "127.0.0.2".parse().unwrap();
        let b: IpAddr = "127.0.0.3".parse().unwrap();
        let mut peers = BTreeMap::new();
        peers.insert(a, PeerState::default());
        peers.insert(
            b,
            PeerState {
                failures: 2,
                passes: 0,
                down: true,
                last_error: Some("refused".into()),
                checked: true,
            },
        );
        let mut s = Status::default();
        s.records.insert(
            "www.example.com. A".into(),
            RecordStatus {
                pool: vec![a, b],
                self_ok: Some(true),
                own: Some(a),
                live: vec![a],
                peers,
                rounds: 7,
                removed: 1,
                ..RecordStatus::default()
            },
        );
        s
    }

    #[test]
    fn prometheus_text_names_record_and_address() {
        let text = render(&sample());
        for line in [
            "dnsplan_failover_self_check_ok{record=\"www.example.com. A\"} 1",
            "dnsplan_failover_in_record{record=\"www.example.com. A\",address=\"127.0.0.2\"} 1",
            "dnsplan_failover_in_record{record=\"www.example.com. A\",address=\"127.0.0.3\"} 0",
            "dnsplan_failover_peer_check_ok{record=\"www.example.com. A\",address=\"127.0.0.3\"} 0",
            "dnsplan_failover_peer_consecutive_failures{record=\"www.example.com. A\",address=\"127.0.0.3\"} 2",
            "dnsplan_failover_changes_total{record=\"www.example.com. A\",op=\"remove\"} 1",
            "dnsplan_failover_rounds_total{record=\"www.example.com. A\"} 7",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line} missing from\n{text}"
            );
        }
        // the own address is not a peer
        assert!(
            !text.contains("peer_check_ok{record=\"www.example.com. A\",address=\"127.0.0.2\"}")
        );
    }

    #[tokio::test]
    async fn serves_metrics_on_loopback_and_nothing_else() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::watch::channel(false);
        let shared: Shared = Arc::new(Mutex::new(sample()));
        let task = tokio::spawn(serve(listener, shared, rx));
        let get = |path: &str| {
            let url = format!("http://{addr}{path}");
            async move {
                let r = reqwest::Client::builder()
                    .no_proxy()
                    .build()
                    .unwrap()
                    .get(url)
                    .send()
                    .await
                    .unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            }
        };
        let (code, body) = get("/metrics").await;
        assert_eq!(code, 200);
        assert!(body.contains("dnsplan_failover_rounds_total{record=\"www.example.com. A\"} 7"));
        assert_eq!(get("/").await.0, 404);
        tx.send(true).unwrap();
        task.await.unwrap();
    }
}
