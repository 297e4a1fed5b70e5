//! The failover decision logic: a pure state machine with no I/O and no clock.
//!
//! The runner asks the machine what to do next (`Step`), does it (a health check, a read of
//! the live record, a write) and hands the result back; the machine answers with the next
//! step. Unit tests drive it the same way with made-up results, one step at a time.
//!
//! One round (one interval):
//!
//! 1. check the daemon's own address (`CheckSelf`); when that fails, do nothing more this
//!    round, and after `self_failures` consecutive failures ask the process to exit non-zero;
//! 2. read the live record (`ReadRecord`);
//! 3. when the own address is missing from the record and has passed `rise` consecutive
//!    self-checks, add it;
//! 4. check every peer of the pool in sorted address order (every daemon agrees on the
//!    order), at most one check per peer per round; right after each check decide about that
//!    peer: remove it after `retries` consecutive failures, add it back after `rise`
//!    consecutive passes;
//! 5. after every change the round starts over with the self-check and a fresh read of the
//!    record (peers already checked this round are not checked again, and removals already
//!    made this round still count against the cap);
//! 6. never remove the last address of the record, never remove more than
//!    `max_remove_fraction` of the pool per round.
//!
//! Every decision that changes the record or refuses to is reported as a `Note` with its
//! reason, which the runner logs.
//!
//! Rule: `failover::decide` uses std only.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::IpAddr;

/// The knobs of the decision logic.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// Consecutive failed checks before a peer is removed (>= 1).
    pub retries: u32,
    /// Consecutive passed checks before an absent address is added (>= 1): the hysteresis.
    pub rise: u32,
    /// Fraction of the pool that may be removed per round (0 = never remove, 1 = no cap
    /// beyond "never the last address"). At least one removal is allowed when it is > 0.
    pub max_remove_fraction: f64,
    /// Consecutive failed self-checks before the daemon exits non-zero (>= 1).
    pub self_failures: u32,
}

/// What the runner must do next.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Find the own address and check it; answer with `Machine::self_result`.
    CheckSelf,
    /// Read the live record; answer with `Machine::record` or `Machine::read_failed`.
    ReadRecord,
    /// Check this peer; answer with `Machine::peer_result`.
    CheckPeer(IpAddr),
    /// Write the record with exactly these values (sorted); answer with `Machine::written`.
    Write { values: Vec<IpAddr>, change: Change },
    /// The round is over: wait for the next interval.
    Done,
    /// The self-check failed too often: exit non-zero so a supervisor restarts the daemon.
    Exit(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeOp {
    Add,
    Remove,
}

impl ChangeOp {
    pub fn as_str(&self) -> &'static str {
        match self {
            ChangeOp::Add => "add",
            ChangeOp::Remove => "remove",
        }
    }
}

/// One change to the record and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub op: ChangeOp,
    pub address: IpAddr,
    pub reason: String,
}

/// Something worth logging, with its reason.
#[derive(Clone, Debug, PartialEq)]
pub enum Note {
    /// The self-check failed: nothing is changed this round.
    SelfFailed {
        failures: u32,
        limit: u32,
        error: String,
    },
    /// The self-check passes again after failing.
    SelfRecovered { after: u32 },
    /// A peer reached `retries` consecutive failures.
    PeerDown {
        address: IpAddr,
        failures: u32,
        error: String,
    },
    /// A peer that was down reached `rise` consecutive passes.
    PeerUp { address: IpAddr, passes: u32 },
    /// The record was changed.
    Changed(Change),
    /// A removal the checks call for was not made, and why.
    Held { address: IpAddr, reason: String },
    /// Writing the record failed (e.g. another daemon changed it since it was read).
    WriteFailed { change: Change, error: String },
    /// Reading the live record failed: nothing is changed this round.
    ReadFailed { error: String },
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::SelfFailed {
                failures,
                limit,
                error,
            } => write!(
                f,
                "self-check failed ({failures} of {limit} before exiting): {error}; changing nothing"
            ),
            Note::SelfRecovered { after } => {
                write!(f, "self-check passes again after {after} failure(s)")
            }
            Note::PeerDown {
                address,
                failures,
                error,
            } => write!(
                f,
                "peer {address} is down: {failures} consecutive failed checks; last: {error}"
            ),
            Note::PeerUp { address, passes } => {
                write!(
                    f,
                    "peer {address} is up: {passes} consecutive passed checks"
                )
            }
            Note::Changed(c) => match c.op {
                ChangeOp::Add => write!(f, "added {}: {}", c.address, c.reason),
                ChangeOp::Remove => write!(f, "removed {}: {}", c.address, c.reason),
            },
            Note::Held { address, reason } => write!(f, "kept {address}: {reason}"),
            Note::WriteFailed { change, error } => write!(
                f,
                "could not {} {}: {error}; reading the record again",
                change.op.as_str(),
                change.address
            ),
            Note::ReadFailed { error } => {
                write!(f, "cannot read the record: {error}; changing nothing")
            }
        }
    }
}

/// What the machine knows about one address (for status and metrics).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerState {
    /// Consecutive failed checks (0 after a pass).
    pub failures: u32,
    /// Consecutive passed checks (0 after a failure).
    pub passes: u32,
    /// Reached `retries` failures and has not reached `rise` passes since.
    pub down: bool,
    /// The last check's error, if it failed.
    pub last_error: Option<String>,
    /// Has it been checked at least once?
    pub checked: bool,
}

/// The state machine of one managed record.
#[derive(Clone, Debug)]
pub struct Machine {
    params: Params,
    /// Sorted, deduplicated.
    pool: Vec<IpAddr>,
    peers: BTreeMap<IpAddr, PeerState>,
    own: Option<IpAddr>,
    self_failures: u32,
    self_passes: u32,
    last_self_error: Option<String>,
    live: Option<Vec<IpAddr>>,
    // per round
    probed: BTreeSet<IpAddr>,
    evaluated: BTreeSet<IpAddr>,
    removed: usize,
    write_failures: u32,
    pending: Option<Change>,
    notes: Vec<Note>,
}

/// Writes that may fail in one round before the round gives up until the next interval.
const MAX_WRITE_FAILURES_PER_ROUND: u32 = 2;

impl Machine {
    pub fn new(params: Params, pool: &[IpAddr]) -> Machine {
        let mut pool = pool.to_vec();
        pool.sort();
        pool.dedup();
        let peers = pool.iter().map(|a| (*a, PeerState::default())).collect();
        Machine {
            params,
            pool,
            peers,
            own: None,
            self_failures: 0,
            self_passes: 0,
            last_self_error: None,
            live: None,
            probed: BTreeSet::new(),
            evaluated: BTreeSet::new(),
            removed: 0,
            write_failures: 0,
            pending: None,
            notes: Vec::new(),
        }
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    pub fn pool(&self) -> &[IpAddr] {
        &self.pool
    }

    /// How many removals one round allows.
    pub fn removals_allowed(&self) -> usize {
        let f = self.params.max_remove_fraction;
        if f <= 0.0 {
            return 0;
        }
        ((f * self.pool.len() as f64).floor() as usize).max(1)
    }

    /// Start a round (one interval): the first step is always the self-check.
    pub fn start_round(&mut self) -> Step {
        self.probed.clear();
        self.evaluated.clear();
        self.removed = 0;
        self.write_failures = 0;
        self.pending = None;
        self.live = None;
        Step::CheckSelf
    }

    /// The self-check's result: the own address that passed, or why it failed (the own
    /// address may be unknown when its discovery failed).
    pub fn self_result(&mut self, result: Result<IpAddr, String>) -> Step {
        let result = result.and_then(|own| {
            if self.pool.contains(&own) {
                Ok(own)
            } else {
                Err(format!(
                    "own address {own} is not in the pool ({}); this daemon only manages \
                     addresses of the pool",
                    list(&self.pool)
                ))
            }
        });
        match result {
            Err(error) => {
                self.self_passes = 0;
                self.self_failures += 1;
                self.last_self_error = Some(error.clone());
                self.notes.push(Note::SelfFailed {
                    failures: self.self_failures,
                    limit: self.params.self_failures,
                    error: error.clone(),
                });
                if self.self_failures >= self.params.self_failures {
                    Step::Exit(format!(
                        "the self-check failed {} times in a row (self_failures: {}); last: {error}",
                        self.self_failures, self.params.self_failures
                    ))
                } else {
                    Step::Done
                }
            }
            Ok(own) => {
                if self.self_failures > 0 {
                    self.notes.push(Note::SelfRecovered {
                        after: self.self_failures,
                    });
                }
                self.self_failures = 0;
                self.self_passes = self.self_passes.saturating_add(1);
                self.last_self_error = None;
                self.own = Some(own);
                Step::ReadRecord
            }
        }
    }

    /// The live record's addresses.
    pub fn record(&mut self, live: &[IpAddr]) -> Step {
        let mut live = live.to_vec();
        live.sort();
        live.dedup();
        self.live = Some(live);
        self.next_step()
    }

    /// Reading the live record failed: nothing is changed this round.
    pub fn read_failed(&mut self, error: String) -> Step {
        self.notes.push(Note::ReadFailed { error });
        Step::Done
    }

    /// A peer check's result.
    pub fn peer_result(&mut self, peer: IpAddr, result: Result<(), String>) -> Step {
        let retries = self.params.retries;
        let rise = self.params.rise;
        if let Some(st) = self.peers.get_mut(&peer) {
            st.checked = true;
            match result {
                Ok(()) => {
                    st.failures = 0;
                    st.passes = st.passes.saturating_add(1);
                    st.last_error = None;
                    if st.down && st.passes >= rise {
                        st.down = false;
                        self.notes.push(Note::PeerUp {
                            address: peer,
                            passes: st.passes,
                        });
                    }
                }
                Err(e) => {
                    st.passes = 0;
                    st.failures = st.failures.saturating_add(1);
                    st.last_error = Some(e.clone());
                    if !st.down && st.failures >= retries {
                        st.down = true;
                        self.notes.push(Note::PeerDown {
                            address: peer,
                            failures: st.failures,
                            error: e,
                        });
                    }
                }
            }
            self.probed.insert(peer);
        }
        self.next_step()
    }

    /// The result of the last `Write`.
    pub fn written(&mut self, result: Result<(), String>) -> Step {
        let Some(change) = self.pending.take() else {
            return self.next_step();
        };
        match result {
            Ok(()) => {
                if change.op == ChangeOp::Remove {
                    self.removed += 1;
                }
                self.notes.push(Note::Changed(change));
                // start over: self-check first, then a fresh read
                self.live = None;
                Step::CheckSelf
            }
            Err(error) => {
                self.write_failures += 1;
                // decide about this address again after the fresh read
                self.evaluated.remove(&change.address);
                self.notes.push(Note::WriteFailed { change, error });
                self.live = None;
                if self.write_failures >= MAX_WRITE_FAILURES_PER_ROUND {
                    Step::Done
                } else {
                    Step::CheckSelf
                }
            }
        }
    }

    /// Notes since the last call, oldest first.
    pub fn take_notes(&mut self) -> Vec<Note> {
        std::mem::take(&mut self.notes)
    }

    pub fn own(&self) -> Option<IpAddr> {
        self.own
    }

    /// Consecutive failed self-checks so far.
    pub fn self_failures(&self) -> u32 {
        self.self_failures
    }

    pub fn last_self_error(&self) -> Option<&str> {
        self.last_self_error.as_deref()
    }

    /// The record as last read this round (None before the read).
    pub fn live(&self) -> Option<&[IpAddr]> {
        self.live.as_deref()
    }

    /// Every pool address and what is known about it (the own address is never checked as a
    /// peer: its state stays at the default).
    pub fn peers(&self) -> &BTreeMap<IpAddr, PeerState> {
        &self.peers
    }

    fn next_step(&mut self) -> Step {
        let Some(live) = self.live.clone() else {
            return Step::ReadRecord;
        };
        if let Some(own) = self.own
            && !live.contains(&own)
            && self.self_passes >= self.params.rise
            && !self.evaluated.contains(&own)
        {
            self.evaluated.insert(own);
            let reason = format!(
                "own address, {} consecutive passed self-checks (rise {})",
                self.self_passes, self.params.rise
            );
            return self.write(&live, ChangeOp::Add, own, reason);
        }
        for peer in self.pool.clone() {
            if Some(peer) == self.own {
                continue;
            }
            if !self.probed.contains(&peer) {
                return Step::CheckPeer(peer);
            }
            if self.evaluated.insert(peer)
                && let Some(step) = self.decide(peer, &live)
            {
                return step;
            }
        }
        Step::Done
    }

    fn decide(&mut self, peer: IpAddr, live: &[IpAddr]) -> Option<Step> {
        let st = self.peers.get(&peer)?.clone();
        let present = live.contains(&peer);
        if present && st.failures >= self.params.retries {
            if live.len() <= 1 {
                self.notes.push(Note::Held {
                    address: peer,
                    reason: format!(
                        "{} consecutive failed checks, but it is the last address of the \
                         record and the record is never emptied",
                        st.failures
                    ),
                });
                return None;
            }
            let allowed = self.removals_allowed();
            if self.removed >= allowed {
                self.notes.push(Note::Held {
                    address: peer,
                    reason: format!(
                        "{} consecutive failed checks, but {} removal(s) were already made this \
                         interval and max_remove_fraction {} of a pool of {} allows {allowed}",
                        st.failures,
                        self.removed,
                        self.params.max_remove_fraction,
                        self.pool.len()
                    ),
                });
                return None;
            }
            let reason = format!(
                "{} consecutive failed checks (retries {}); last: {}",
                st.failures,
                self.params.retries,
                st.last_error.as_deref().unwrap_or("unknown")
            );
            return Some(self.write(live, ChangeOp::Remove, peer, reason));
        }
        if !present && st.passes >= self.params.rise {
            let reason = format!(
                "{} consecutive passed checks (rise {})",
                st.passes, self.params.rise
            );
            return Some(self.write(live, ChangeOp::Add, peer, reason));
        }
        None
    }

    fn write(&mut self, live: &[IpAddr], op: ChangeOp, address: IpAddr, reason: String) -> Step {
        let mut values: Vec<IpAddr> = live.to_vec();
        match op {
            ChangeOp::Add => values.push(address),
            ChangeOp::Remove => values.retain(|a| *a != address),
        }
        values.sort();
        values.dedup();
        let change = Change {
            op,
            address,
            reason,
        };
        self.pending = Some(change.clone());
        Step::Write { values, change }
    }
}

fn list(addrs: &[IpAddr]) -> String {
    addrs
        .iter()
        .map(IpAddr::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests;
