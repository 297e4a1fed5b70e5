//! The runner: drives each record's state machine with real checks, real reads and one-change
//! plans, on a jittered schedule, until told to stop.
//!
//! A write is a `ZonePlan` with one `Update` of the managed record (existing = the record as
//! just read, with its provider data such as etags; desired = the same record with the new
//! values), so every provider touches only that record: PowerDNS PATCHes one rrset, RFC 2136
//! sends one UPDATE with prerequisites, Route 53 one change batch, Azure one PUT with
//! If-Match; the YAML provider rewrites its file. A write refused because the record changed
//! since it was read is reported to the machine, which reads again and decides again.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

use crate::model::{RecordSet, Value};
use crate::plan::{Change as PlanChange, Op, ZonePlan};
use crate::provider::Provider;
use crate::secret::Scrubber;

use super::address;
use super::check::{CheckError, Checker};
use super::config::Managed;
use super::decide::{ChangeOp, Machine, Note, Step};
use super::metrics::{RecordStatus, Shared};

/// What went wrong in one step of a round (given to the machine as its text).
#[derive(Debug, thiserror::Error)]
pub enum RoundError {
    #[error("cannot find the own address: {0}")]
    OwnAddress(#[source] address::AddressError),
    #[error("{0}")]
    Check(#[source] CheckError),
    /// The provider's error, as text with every secret scrubbed.
    #[error("{0}")]
    Provider(String),
    #[error("zone {zone} does not exist on {target}")]
    NoZone { zone: String, target: String },
    #[error(
        "{label} does not exist on {target}; failover changes an existing record and never \
         creates one: create it with `dnsplan apply`"
    )]
    NoRecord { label: String, target: String },
    #[error("{label} is a dynamic record on {target}; failover manages plain records only")]
    Dynamic { label: String, target: String },
    #[error("{label} holds {value:?}, not an address")]
    NotAddress { label: String, value: String },
    #[error("the record was not read before the write")]
    NotRead,
}

/// One managed record and everything needed to run it.
pub struct Runner {
    pub managed: Managed,
    provider: Arc<dyn Provider>,
    checker: Checker,
    machine: Machine,
    label: String,
    last_read: Option<(RecordSet, usize)>,
    status: Shared,
    secrets: Arc<Scrubber>,
}

/// How a round ended.
#[derive(Debug, PartialEq)]
pub enum RoundEnd {
    /// Over; `self_ok` says whether the self-check passed, `errors` counts failed reads and
    /// writes.
    Done { self_ok: bool, errors: u32 },
    /// The self-check failed `self_failures` times in a row.
    Exit(String),
    /// Told to stop.
    Stopped,
}

/// How a record's loop ended.
#[derive(Debug, PartialEq)]
pub enum End {
    /// Told to stop (or `--once` done): fine.
    Stopped,
    /// `--once` found problems (the self-check failed, a read or write failed).
    Failed(String),
    /// The self-check failed too often: exit non-zero.
    SelfCheck(String),
}

impl Runner {
    pub fn new(
        managed: Managed,
        provider: Arc<dyn Provider>,
        status: Shared,
        secrets: Arc<Scrubber>,
    ) -> Runner {
        let label = managed.spec.label();
        let machine = Machine::new(managed.spec.params.clone(), &managed.pool);
        let checker = Checker::new(managed.check.clone());
        {
            let mut s = status.lock().unwrap_or_else(|e| e.into_inner());
            s.records.insert(
                label.clone(),
                RecordStatus {
                    pool: managed.pool.clone(),
                    ..RecordStatus::default()
                },
            );
        }
        Runner {
            managed,
            provider,
            checker,
            machine,
            label,
            last_read: None,
            status,
            secrets,
        }
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn checker(&self) -> &Checker {
        &self.checker
    }

    fn scrub(&self, s: &str) -> String {
        self.secrets.scrub(s)
    }

    /// Run rounds until stopped; with `once`, run `max(retries, rise)` rounds (so that
    /// `retries` and `rise` mean what they mean for the daemon) and stop.
    pub async fn run(mut self, once: bool, mut stop: watch::Receiver<bool>) -> End {
        let spec = self.managed.spec.clone();
        let rounds = if once {
            spec.params.retries.max(spec.params.rise)
        } else {
            u32::MAX
        };
        if !once {
            // daemons started together do not check in lockstep
            let first = spec.interval.mul_f64(spec.jitter * crate::random::unit());
            tokio::select! {
                _ = tokio::time::sleep(first) => {}
                _ = stop.changed() => return End::Stopped,
            }
        }
        let mut n = 0;
        loop {
            let started = Instant::now();
            match self.round(&mut stop).await {
                RoundEnd::Stopped => return End::Stopped,
                RoundEnd::Exit(msg) => return End::SelfCheck(format!("{}: {msg}", self.label)),
                RoundEnd::Done { self_ok, errors } => {
                    if once && !self_ok {
                        return End::Failed(format!("{}: the self-check failed", self.label));
                    }
                    if once && errors > 0 {
                        return End::Failed(format!(
                            "{}: {errors} read or write error(s)",
                            self.label
                        ));
                    }
                }
            }
            n += 1;
            if n >= rounds {
                return End::Stopped;
            }
            let wait = if once {
                spec.interval
            } else {
                jittered(spec.interval, spec.jitter, crate::random::unit())
            };
            tokio::select! {
                _ = tokio::time::sleep_until((started + wait).into()) => {}
                _ = stop.changed() => return End::Stopped,
            }
        }
    }

    /// One round: step the machine until it is done. Checks and reads are abandoned when
    /// told to stop; a write in flight is finished.
    pub async fn round(&mut self, stop: &mut watch::Receiver<bool>) -> RoundEnd {
        let mut step = self.machine.start_round();
        let mut self_ok = true;
        let mut errors = 0;
        loop {
            self.log_notes();
            self.update_status();
            if *stop.borrow() {
                return RoundEnd::Stopped;
            }
            step = match step {
                Step::CheckSelf => {
                    let r = tokio::select! {
                        r = self.self_check() => r,
                        _ = stop.changed() => return RoundEnd::Stopped,
                    };
                    self_ok = r.is_ok();
                    let step = self.machine.self_result(r.map_err(|e| e.to_string()));
                    self.with_status(|s| {
                        s.self_ok = Some(self_ok);
                        if !self_ok {
                            s.self_check_failures += 1;
                        }
                    });
                    step
                }
                Step::ReadRecord => {
                    let r = tokio::select! {
                        r = self.read() => r,
                        _ = stop.changed() => return RoundEnd::Stopped,
                    };
                    match r {
                        Ok(live) => self.machine.record(&live),
                        Err(e) => {
                            errors += 1;
                            self.with_status(|s| s.read_errors += 1);
                            self.machine.read_failed(e.to_string())
                        }
                    }
                }
                Step::CheckPeer(p) => {
                    let r = tokio::select! {
                        r = self.checker.check(p) => r,
                        _ = stop.changed() => return RoundEnd::Stopped,
                    };
                    self.machine.peer_result(p, r.map_err(|e| e.to_string()))
                }
                Step::Write { values, change } => {
                    tracing::debug!(record = %self.label, op = change.op.as_str(), address = %change.address, "writing");
                    let r = self.write(&values).await;
                    if r.is_err() {
                        errors += 1;
                        self.with_status(|s| s.write_errors += 1);
                    } else {
                        self.with_status(|s| match change.op {
                            ChangeOp::Add => s.added += 1,
                            ChangeOp::Remove => s.removed += 1,
                        });
                    }
                    self.machine.written(r.map_err(|e| e.to_string()))
                }
                Step::Done => {
                    self.log_notes();
                    self.with_status(|s| {
                        s.rounds += 1;
                        s.last_round = SystemTime::now()
                            .duration_since(UNIX_EPOCH)
                            .map(|d| d.as_secs_f64())
                            .unwrap_or(0.0);
                    });
                    self.update_status();
                    self.status_line(self_ok);
                    return RoundEnd::Done { self_ok, errors };
                }
                Step::Exit(msg) => {
                    self.log_notes();
                    self.update_status();
                    return RoundEnd::Exit(self.scrub(&msg));
                }
            };
        }
    }

    async fn self_check(&self) -> Result<IpAddr, RoundError> {
        let spec = &self.managed.spec;
        let own = address::discover(&spec.own, &spec.rtype, &self.managed.pool)
            .await
            .map_err(RoundError::OwnAddress)?;
        self.checker.check(own).await.map_err(RoundError::Check)?;
        Ok(own)
    }

    /// The live record's addresses (and keep the record for the write).
    async fn read(&mut self) -> Result<Vec<IpAddr>, RoundError> {
        let spec = &self.managed.spec;
        let target = self.provider.id().to_string();
        let zone = self
            .provider
            .existing(&spec.zone)
            .await
            .map_err(|e| RoundError::Provider(self.scrub(&e.to_string())))?
            .ok_or_else(|| RoundError::NoZone {
                zone: spec.zone.clone(),
                target: target.clone(),
            })?;
        let rs = zone
            .get(&spec.name, &spec.rtype)
            .ok_or_else(|| RoundError::NoRecord {
                label: self.label.clone(),
                target: target.clone(),
            })?;
        if rs.dynamic.is_some() {
            return Err(RoundError::Dynamic {
                label: self.label.clone(),
                target,
            });
        }
        let not_address = |value: String| RoundError::NotAddress {
            label: self.label.clone(),
            value,
        };
        let mut live = Vec::new();
        for v in &rs.values {
            match v {
                Value::Ip(s) => live.push(s.parse::<IpAddr>().map_err(|_| not_address(s.clone()))?),
                other => return Err(not_address(other.to_rdata())),
            }
        }
        self.last_read = Some((rs.clone(), zone.len()));
        Ok(live)
    }

    /// Write the record with exactly `values`: a plan of one update.
    async fn write(&mut self, values: &[IpAddr]) -> Result<(), RoundError> {
        let Some((existing, count)) = self.last_read.take() else {
            return Err(RoundError::NotRead);
        };
        let spec = &self.managed.spec;
        let mut desired = existing.clone();
        desired.values = values.iter().map(|a| Value::Ip(a.to_string())).collect();
        desired.normalize();
        let plan = ZonePlan {
            zone: spec.zone.clone(),
            target: self.provider.id().to_string(),
            exists: true,
            changes: vec![PlanChange {
                op: Op::Update,
                name: spec.name.clone(),
                rtype: spec.rtype.clone(),
                existing: Some(existing),
                desired: Some(desired),
            }],
            existing_count: count,
            warnings: Vec::new(),
            ignored: Vec::new(),
            unmanaged: Vec::new(),
        };
        self.provider
            .apply(&plan)
            .await
            .map(|_| ())
            .map_err(|e| RoundError::Provider(self.scrub(&e.to_string())))
    }

    fn with_status(&self, f: impl FnOnce(&mut RecordStatus)) {
        let mut s = self.status.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = s.records.get_mut(&self.label) {
            f(r);
        }
    }

    fn update_status(&self) {
        let m = &self.machine;
        let live = m.live().map(<[IpAddr]>::to_vec);
        self.with_status(|s| {
            s.own = m.own();
            s.self_failures = m.self_failures();
            s.peers = m.peers().clone();
            if let Some(l) = live {
                s.live = l;
            }
        });
    }

    fn log_notes(&mut self) {
        for note in self.machine.take_notes() {
            let text = self.scrub(&note.to_string());
            let record = self.label.as_str();
            match &note {
                Note::Changed(c) => tracing::warn!(
                    record,
                    event = "changed",
                    op = c.op.as_str(),
                    address = %c.address,
                    target = self.provider.id(),
                    "{text}"
                ),
                Note::Held { address, .. } => {
                    self.with_status(|s| s.held += 1);
                    tracing::warn!(record, event = "held", address = %address, "{text}")
                }
                Note::SelfFailed { failures, .. } => {
                    tracing::error!(record, event = "self_check_failed", failures, "{text}")
                }
                Note::SelfRecovered { .. } => {
                    tracing::info!(record, event = "self_check_recovered", "{text}")
                }
                Note::PeerDown { address, .. } => {
                    tracing::warn!(record, event = "peer_down", address = %address, "{text}")
                }
                Note::PeerUp { address, .. } => {
                    tracing::info!(record, event = "peer_up", address = %address, "{text}")
                }
                Note::WriteFailed { change, .. } => tracing::warn!(
                    record,
                    event = "write_failed",
                    address = %change.address,
                    "{text}"
                ),
                Note::ReadFailed { .. } => {
                    tracing::error!(record, event = "read_failed", "{text}")
                }
            }
        }
    }

    /// One line per round: what the daemon sees.
    fn status_line(&self, self_ok: bool) {
        let m = &self.machine;
        let join = |v: &[IpAddr]| {
            v.iter()
                .map(IpAddr::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        let down: Vec<IpAddr> = m
            .peers()
            .iter()
            .filter(|(a, p)| p.failures > 0 && Some(**a) != m.own())
            .map(|(a, _)| *a)
            .collect();
        tracing::info!(
            record = %self.label,
            event = "round",
            self_check = if self_ok { "ok" } else { "failed" },
            own = %m.own().map(|a| a.to_string()).unwrap_or_else(|| "-".into()),
            live = %m.live().map(join).unwrap_or_else(|| "-".into()),
            failing = %join(&down),
            "round done"
        );
    }
}

/// `interval` moved by up to ± `jitter` of itself; `u` is uniform in [0, 1).
pub fn jittered(interval: Duration, jitter: f64, u: f64) -> Duration {
    let factor = 1.0 + jitter.clamp(0.0, 0.5) * (2.0 * u.clamp(0.0, 1.0) - 1.0);
    interval.mul_f64(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_its_fraction() {
        let i = Duration::from_secs(10);
        assert_eq!(jittered(i, 0.1, 0.0), Duration::from_secs(9));
        assert_eq!(jittered(i, 0.1, 0.5), Duration::from_secs(10));
        assert_eq!(jittered(i, 0.0, 0.9), Duration::from_secs(10));
        let high = jittered(i, 0.1, 0.999_999);
        assert!(high > Duration::from_millis(10_999) && high < Duration::from_secs(11));
    }
}
