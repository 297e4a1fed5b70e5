//! `dnsplan failover`: a health-check daemon that keeps round-robin A/AAAA records pointing
//! only at servers that answer, through any provider that writes (docs/failover.md).
//!
//! - `config`: the failover config file (positions on every error) and its resolution against
//!   the dnsplan config (target provider, pool from git, `octodns.healthcheck` defaults);
//! - `decide`: the pure state machine with every safeguard, driven step by step;
//! - `check`: HTTP/HTTPS and TCP checks; `address`: own address discovery;
//! - `run`: drives the machine with real checks, reads and one-change plans;
//! - `metrics`: the status, as Prometheus text at `/metrics`.
//!
//! Rule: `failover` uses `model`, `plan`, `provider`, `config`, `diag`, `yaml`, `secret` and
//! `random` (jitter); the CLI uses it.

pub mod address;
pub mod check;
pub mod config;
pub mod decide;
pub mod metrics;
pub mod run;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::diag::Diagnostic;

pub use config::{Managed, Spec};
pub use run::{End, Runner};

use crate::secret::Scrubber;

/// Everything a daemon needs, loaded and checked.
pub struct Loaded {
    pub spec: Spec,
    pub cfg: crate::config::Config,
    pub managed: Vec<Managed>,
    /// Every secret (provider settings, header values), to scrub from every message.
    pub secrets: Scrubber,
}

/// Load the failover config, the dnsplan config it names, and resolve every record. Errors
/// come back as diagnostics (file, line, column); warnings are returned with the result.
pub fn load(path: &Path) -> Result<(Loaded, Vec<Diagnostic>), Vec<Diagnostic>> {
    let (spec, mut diags) = config::parse(path);
    let Some(spec) = spec else {
        return Err(diags);
    };
    let (cfg, cdiags) = crate::config::load(&spec.config, &crate::provider::registry::Registry);
    diags.extend(cdiags);
    let Some(cfg) = cfg.filter(|_| !diags.iter().any(Diagnostic::is_error)) else {
        if !diags.iter().any(Diagnostic::is_error) {
            diags.push(Diagnostic::error(
                spec.config_pos.clone(),
                "failover-config",
                format!("cannot load {}", spec.config.display()),
            ));
        }
        return Err(diags);
    };
    let (managed, rdiags) = config::resolve(&spec, &cfg);
    diags.extend(rdiags);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    let mut secrets = Scrubber::new(cfg.secret_values());
    secrets.extend(config::secret_values(&spec));
    Ok((
        Loaded {
            spec,
            cfg,
            managed,
            secrets,
        },
        diags,
    ))
}

/// How the daemon ended.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// Stopped by a signal, or `--once` finished cleanly.
    Ok,
    /// A self-check failed `self_failures` times in a row (or, with `--once`, at all), or
    /// `--once` met a read/write error: exit non-zero.
    Failed(Vec<String>),
    /// It could not start (a provider could not be built, the metrics address is taken).
    Setup(String),
}

/// Run every managed record until `stop` turns true (or, with `once`, for one pass).
pub async fn run(loaded: Loaded, once: bool, stop: watch::Receiver<bool>) -> Outcome {
    let secrets = Arc::new(loaded.secrets.clone());
    let scrub = |s: String| secrets.scrub(&s);
    let status: metrics::Shared = Arc::new(Mutex::new(metrics::Status::default()));
    let mut runners = Vec::new();
    for m in loaded.managed {
        let provider = match crate::provider::build(&m.target) {
            Ok(p) => p,
            Err(e) => return Outcome::Setup(scrub(e.to_string())),
        };
        runners.push(Runner::new(m, provider, status.clone(), secrets.clone()));
    }
    // stop every record's loop when one of them must exit, or on `stop`
    let (inner_tx, inner_rx) = watch::channel(false);
    let metrics_task = match loaded.spec.metrics {
        Some(addr) if !once => match bind(addr).await {
            Ok(l) => {
                tracing::info!(event = "metrics", listen = %addr, "serving Prometheus metrics at http://{addr}/metrics");
                Some(tokio::spawn(metrics::serve(
                    l,
                    status.clone(),
                    inner_rx.clone(),
                )))
            }
            Err(e) => return Outcome::Setup(e.to_string()),
        },
        _ => None,
    };
    let forward = {
        let mut stop = stop.clone();
        let tx = inner_tx.clone();
        tokio::spawn(async move {
            if !*stop.borrow() {
                let _ = stop.changed().await;
            }
            let _ = tx.send(true);
        })
    };
    for r in &runners {
        let m = &r.managed;
        tracing::info!(
            record = r.label(),
            event = "start",
            target = %m.target.id,
            pool = %m.pool.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(","),
            check = %r.checker().describe(),
            interval = m.spec.interval.as_secs_f64(),
            retries = m.spec.params.retries,
            rise = m.spec.params.rise,
            "managing {}",
            r.label()
        );
    }
    let mut tasks = Vec::new();
    for r in runners {
        let rx = inner_rx.clone();
        let tx = inner_tx.clone();
        tasks.push(tokio::spawn(async move {
            let end = r.run(once, rx).await;
            if let End::SelfCheck(_) = end {
                let _ = tx.send(true);
            }
            end
        }));
    }
    let mut failures = Vec::new();
    for t in tasks {
        match t.await {
            Ok(End::Stopped) => {}
            Ok(End::Failed(msg)) | Ok(End::SelfCheck(msg)) => failures.push(msg),
            Err(e) => failures.push(format!("a record's task ended abnormally: {e}")),
        }
    }
    let _ = inner_tx.send(true);
    forward.abort();
    if let Some(t) = metrics_task {
        let _ = t.await;
    }
    if failures.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Failed(failures)
    }
}

/// The metrics address could not be listened on.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen for /metrics on {addr}: {source}")]
pub struct ListenError {
    pub addr: SocketAddr,
    #[source]
    pub source: std::io::Error,
}

async fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener, ListenError> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ListenError { addr, source })
}
