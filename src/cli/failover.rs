//! `dnsplan failover`: the health-check daemon (docs/failover.md).

use std::path::PathBuf;

use super::{EXIT_ERROR, EXIT_OK, report};
use crate::diag;
use crate::failover::{self, Outcome};

#[derive(clap::Args, Debug)]
#[command(after_long_help = "\
Example failover config (see docs/failover.md for every setting):

  config: config/production.yaml    # the dnsplan (octoDNS) config: providers and zones
  metrics: 127.0.0.1:9467           # optional: Prometheus text at /metrics
  records:
    - zone: example.com.
      name: www
      type: A
      target: powerdns              # which of the zone's targets to write through
      self: {interface: eth0}       # or {static: 192.0.2.1} or {url: http://169.254.169.254/…}
      # pool: the record's values in the zone files unless listed here
      # check: defaults to the record's octodns.healthcheck (HTTPS, /_dns, port 443)
      interval: 10s
      retries: 3                    # failed checks in a row before a peer is removed
      rise: 3                       # passed checks in a row before it is added back

Safeguards: the daemon checks its own address first and changes nothing while that fails
(exiting non-zero after `self_failures` failures, so a supervisor restarts it); peers are
checked in address order; after each change the round starts over with the self-check;
the last address is never removed; at most `max_remove_fraction` of the pool is removed per
interval; every change is logged with its reason.

Logs go to standard error (level info unless DNSPLAN_LOG says otherwise, e.g.
DNSPLAN_LOG=debug). Exit codes: 0 stopped by SIGTERM/SIGINT or --once clean; 1 a
configuration error, the self-check failing `self_failures` times in a row, or with
--once a failed self-check or a failed read/write.")]
pub struct Args {
    /// The failover config file (YAML; see docs/failover.md).
    #[arg(
        long,
        short = 'c',
        value_name = "FILE",
        env = "DNSPLAN_FAILOVER_CONFIG"
    )]
    pub config: PathBuf,
    /// Run one pass and exit, for cron: max(retries, rise) rounds, `interval` apart, so
    /// `retries` and `rise` mean the same as for the daemon (set both to 1 for a single
    /// round). Exit 1 when the self-check fails or a read/write fails.
    #[arg(long)]
    pub once: bool,
    /// Check the failover config and the dnsplan config, print what would be managed and
    /// exit (nothing is contacted): for CI and `ExecStartPre=`.
    #[arg(long, conflicts_with = "once")]
    pub validate: bool,
}

pub fn run(a: Args) -> i32 {
    let (loaded, warnings) = match failover::load(&a.config) {
        Ok(x) => x,
        Err(mut diags) => {
            diag::normalize(&mut diags);
            report::print_stderr(&diags);
            return EXIT_ERROR;
        }
    };
    if !warnings.is_empty() {
        report::print_stderr(&warnings);
    }
    if a.validate {
        for m in &loaded.managed {
            let checker = failover::check::Checker::new(m.check.clone());
            println!(
                "{}: target {}, pool {}, check {}, every {}s, retries {}, rise {}",
                m.spec.label(),
                m.target.id,
                m.pool
                    .iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                checker.describe(),
                m.spec.interval.as_secs_f64(),
                m.spec.params.retries,
                m.spec.params.rise,
            );
        }
        return EXIT_OK;
    }
    let rt = super::plan::runtime();
    let code = rt.block_on(async move {
        let (tx, rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!(event = "signal", "stopping: finishing the current step");
            let _ = tx.send(true);
            // a second signal does not wait
            wait_for_signal().await;
            tracing::warn!(event = "signal", "second signal: exiting now");
            std::process::exit(EXIT_ERROR);
        });
        match failover::run(loaded, a.once, rx).await {
            Outcome::Ok => EXIT_OK,
            Outcome::Failed(why) => {
                for w in why {
                    tracing::error!(event = "exit", "{w}");
                }
                EXIT_ERROR
            }
            Outcome::Setup(why) => {
                tracing::error!(event = "exit", "{why}");
                EXIT_ERROR
            }
        }
    });
    // do not wait for checks still in flight on the blocking pool
    rt.shutdown_background();
    code
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
