//! The decision logic driven step by step with made-up check results; rounds stand in for the
//! clock (the machine has none).

use std::collections::BTreeSet;
use std::net::IpAddr;

use super::*;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn ips(v: &[&str]) -> Vec<IpAddr> {
    v.iter().map(|s| ip(s)).collect()
}

fn params() -> Params {
    Params {
        retries: 2,
        rise: 2,
        max_remove_fraction: 1.0,
        self_failures: 3,
    }
}

/// A fake world: the record as the provider holds it, which addresses answer checks, whether
/// the self-check passes, and whether writes succeed.
struct World {
    record: Vec<IpAddr>,
    own: IpAddr,
    self_ok: bool,
    dead: BTreeSet<IpAddr>,
    /// Results for the next writes (true = ok); when empty, writes succeed.
    write_results: Vec<bool>,
    steps: Vec<Step>,
}

impl World {
    fn new(own: &str, record: &[&str]) -> World {
        World {
            record: ips(record),
            own: ip(own),
            self_ok: true,
            dead: BTreeSet::new(),
            write_results: Vec::new(),
            steps: Vec::new(),
        }
    }

    /// Run one round to its end; returns the steps taken and the notes made.
    fn round(&mut self, m: &mut Machine) -> (Vec<Step>, Vec<Note>) {
        self.steps.clear();
        let mut step = m.start_round();
        let mut notes = Vec::new();
        for _ in 0..100 {
            self.steps.push(step.clone());
            step = match step {
                Step::CheckSelf => {
                    if self.self_ok {
                        m.self_result(Ok(self.own))
                    } else {
                        m.self_result(Err("connection refused".into()))
                    }
                }
                Step::ReadRecord => m.record(&self.record),
                Step::CheckPeer(p) => {
                    if self.dead.contains(&p) {
                        m.peer_result(p, Err("connection refused".into()))
                    } else {
                        m.peer_result(p, Ok(()))
                    }
                }
                Step::Write { values, .. } => {
                    let ok = if self.write_results.is_empty() {
                        true
                    } else {
                        self.write_results.remove(0)
                    };
                    if ok {
                        self.record = values;
                        m.written(Ok(()))
                    } else {
                        m.written(Err("the record changed since it was read".into()))
                    }
                }
                Step::Done | Step::Exit(_) => {
                    notes.extend(m.take_notes());
                    return (self.steps.clone(), notes);
                }
            };
            notes.extend(m.take_notes());
        }
        panic!("the round did not end: {:?}", self.steps);
    }
}

fn writes(steps: &[Step]) -> Vec<(ChangeOp, IpAddr)> {
    steps
        .iter()
        .filter_map(|s| match s {
            Step::Write { change, .. } => Some((change.op, change.address)),
            _ => None,
        })
        .collect()
}

fn probes(steps: &[Step]) -> Vec<IpAddr> {
    steps
        .iter()
        .filter_map(|s| match s {
            Step::CheckPeer(p) => Some(*p),
            _ => None,
        })
        .collect()
}

const POOL: &[&str] = &["127.0.0.2", "127.0.0.3", "127.0.0.4"];

#[test]
fn a_failing_self_check_changes_nothing_and_checks_no_peer() {
    let mut m = Machine::new(params(), &ips(POOL));
    let mut w = World::new("127.0.0.2", POOL);
    w.dead.insert(ip("127.0.0.3"));
    // one round with a working self-check: .3 fails once (retries 2: not yet removed)
    let (steps, _) = w.round(&mut m);
    assert!(writes(&steps).is_empty());
    // now the daemon's own server breaks: .3 would reach its second failure, but nothing is
    // checked and nothing is written
    w.self_ok = false;
    let (steps, notes) = w.round(&mut m);
    assert_eq!(steps, vec![Step::CheckSelf, Step::Done]);
    assert_eq!(
        notes,
        vec![Note::SelfFailed {
            failures: 1,
            limit: 3,
            error: "connection refused".into()
        }]
    );
    assert_eq!(
        notes[0].to_string(),
        "self-check failed (1 of 3 before exiting): connection refused; changing nothing"
    );
    assert_eq!(w.record, ips(POOL));
}

#[test]
fn the_self_check_failing_self_failures_times_in_a_row_asks_to_exit() {
    let mut m = Machine::new(params(), &ips(POOL));
    let mut w = World::new("127.0.0.2", POOL);
    w.self_ok = false;
    assert_eq!(w.round(&mut m).0.last(), Some(&Step::Done));
    assert_eq!(w.round(&mut m).0.last(), Some(&Step::Done));
    // a pass in between resets the count
    w.self_ok = true;
    let (_, notes) = w.round(&mut m);
    assert_eq!(notes, vec![Note::SelfRecovered { after: 2 }]);
    w.self_ok = false;
    assert_eq!(w.round(&mut m).0.last(), Some(&Step::Done));
    assert_eq!(w.round(&mut m).0.last(), Some(&Step::Done));
    let (steps, _) = w.round(&mut m);
    assert_eq!(
        steps.last(),
        Some(&Step::Exit(
            "the self-check failed 3 times in a row (self_failures: 3); last: connection refused"
                .into()
        ))
    );
    assert_eq!(w.record, ips(POOL), "nothing was ever written");
}

#[test]
fn an_own_address_outside_the_pool_is_a_failed_self_check() {
    let mut m = Machine::new(params(), &ips(POOL));
    let mut w = World::new("192.0.2.99", POOL);
    let (steps, notes) = w.round(&mut m);
    assert_eq!(steps, vec![Step::CheckSelf, Step::Done]);
    assert_eq!(
        notes,
        vec![Note::SelfFailed {
            failures: 1,
            limit: 3,
            error: "own address 192.0.2.99 is not in the pool (127.0.0.2, 127.0.0.3, \
                    127.0.0.4); this daemon only manages addresses of the pool"
                .into()
        }]
    );
}

#[test]
fn peers_are_checked_in_numeric_address_order_whatever_the_pool_order() {
    // text order would put 127.0.0.10 before 127.0.0.3
    let pool = ips(&["127.0.0.10", "127.0.0.4", "127.0.0.2", "127.0.0.3"]);
    let mut m = Machine::new(params(), &pool);
    let mut w = World::new(
        "127.0.0.3",
        &["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.10"],
    );
    let (steps, _) = w.round(&mut m);
    assert_eq!(
        steps,
        vec![
            Step::CheckSelf,
            Step::ReadRecord,
            Step::CheckPeer(ip("127.0.0.2")),
            Step::CheckPeer(ip("127.0.0.4")),
            Step::CheckPeer(ip("127.0.0.10")),
            Step::Done
        ]
    );
}

#[test]
fn a_peer_is_removed_after_retries_consecutive_failures_with_the_reason() {
    let mut m = Machine::new(params(), &ips(POOL));
    let mut w = World::new("127.0.0.2", POOL);
    w.dead.insert(ip("127.0.0.3"));
    let (steps, notes) = w.round(&mut m);
    assert!(writes(&steps).is_empty(), "one failure of two");
    assert!(notes.is_empty(), "{notes:?}");
    let (steps, notes) = w.round(&mut m);
    assert_eq!(writes(&steps), vec![(ChangeOp::Remove, ip("127.0.0.3"))]);
    assert_eq!(w.record, ips(&["127.0.0.2", "127.0.0.4"]));
    let texts: Vec<String> = notes.iter().map(Note::to_string).collect();
    assert_eq!(
        texts,
        vec![
            "peer 127.0.0.3 is down: 2 consecutive failed checks; last: connection refused",
            "removed 127.0.0.3: 2 consecutive failed checks (retries 2); last: connection refused",
        ]
    );
}

#[test]
fn after_a_removal_the_round_starts_over_with_the_self_check_and_a_fresh_read() {
    let mut m = Machine::new(params(), &ips(POOL));
    let mut w = World::new("127.0.0.2", POOL);
    w.dead.insert(ip("127.0.0.3"));
    w.dead.insert(ip("127.0.0.4"));
    w.round(&mut m);
    let (steps, _) = w.round(&mut m);
    let remove = |a: &str, values: &[&str]| Step::Write {
        values: ips(values),
        change: Change {
            op: ChangeOp::Remove,
            address: ip(a),
            reason: "2 consecutive failed checks (retries 2); last: connection refused".into(),
        },
    };
    assert_eq!(
        steps,
        vec![
            Step::CheckSelf,
            Step::ReadRecord,
            Step::CheckPeer(ip("127.0.0.3")),
            remove("127.0.0.3", &["127.0.0.2", "127.0.0.4"]),
            // start over: self first, then the record again
            Step::CheckSelf,
            Step::ReadRecord,
            // .3 was checked this round and is not checked again; .4 is checked now
            Step::CheckPeer(ip("127.0.0.4")),
            remove("127.0.0.4", &["127.0.0.2"]),
            Step::CheckSelf,
            Step::ReadRecord,
            Step::Done,
        ]
    );
}

#[test]
fn a_self_check_failing_after_a_removal_stops_further_removals() {
    let mut m = Machine::new(params(), &ips(POOL));
    m.start_round();
    for p in ["127.0.0.3", "127.0.0.4"] {
        m.peers.get_mut(&ip(p)).unwrap().failures = 5;
    }
    assert_eq!(m.self_result(Ok(ip("127.0.0.2"))), Step::ReadRecord);
    assert!(matches!(m.record(&ips(POOL)), Step::CheckPeer(_)));
    let step = m.peer_result(ip("127.0.0.3"), Err("timed out".into()));
    assert!(matches!(step, Step::Write { .. }), "{step:?}");
    assert_eq!(m.written(Ok(())), Step::CheckSelf);
    // the own server broke meanwhile: .4 is not removed
    assert_eq!(m.self_result(Err("HTTP 503".into())), Step::Done);
}

#[test]
fn the_last_address_is_never_removed() {
    // rise 3: the own address (absent) is not added back yet, so .3 is alone in the record
    let mut m = Machine::new(
        Params {
            rise: 3,
            ..params()
        },
        &ips(POOL),
    );
    let mut w = World::new("127.0.0.2", &["127.0.0.3"]);
    w.dead.insert(ip("127.0.0.3"));
    w.round(&mut m);
    let (steps, notes) = w.round(&mut m);
    assert!(writes(&steps).is_empty(), "{steps:?}");
    assert_eq!(w.record, ips(&["127.0.0.3"]));
    assert!(
        notes.contains(&Note::Held {
            address: ip("127.0.0.3"),
            reason: "2 consecutive failed checks, but it is the last address of the record and \
                     the record is never emptied"
                .into()
        }),
        "{notes:?}"
    );
}

#[test]
fn removals_per_round_are_capped_by_max_remove_fraction() {
    let pool = ips(&["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"]);
    let all = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"];
    let mut m = Machine::new(
        Params {
            max_remove_fraction: 0.25,
            ..params()
        },
        &pool,
    );
    assert_eq!(m.removals_allowed(), 1);
    let mut w = World::new("127.0.0.2", &all);
    w.dead.insert(ip("127.0.0.3"));
    w.dead.insert(ip("127.0.0.4"));
    w.round(&mut m);
    let (steps, notes) = w.round(&mut m);
    assert_eq!(writes(&steps), vec![(ChangeOp::Remove, ip("127.0.0.3"))]);
    assert!(
        notes.contains(&Note::Held {
            address: ip("127.0.0.4"),
            reason: "2 consecutive failed checks, but 1 removal(s) were already made this \
                     interval and max_remove_fraction 0.25 of a pool of 4 allows 1"
                .into()
        }),
        "{notes:?}"
    );
    // the next interval removes the next one
    let (steps, _) = w.round(&mut m);
    assert_eq!(writes(&steps), vec![(ChangeOp::Remove, ip("127.0.0.4"))]);
    assert_eq!(w.record, ips(&["127.0.0.2", "127.0.0.5"]));
}

#[test]
fn a_fraction_of_zero_never_removes_and_a_small_pool_may_still_remove_one() {
    let zero = Machine::new(
        Params {
            max_remove_fraction: 0.0,
            ..params()
        },
        &ips(POOL),
    );
    assert_eq!(zero.removals_allowed(), 0);
    let mut m = zero.clone();
    let mut w = World::new("127.0.0.2", POOL);
    w.dead.insert(ip("127.0.0.3"));
    for _ in 0..4 {
        let (steps, _) = w.round(&mut m);
        assert!(writes(&steps).is_empty());
    }
    // 0.3 × 3 = 0.9: still one removal per interval, or a pool of 3 could never fail over
    let small = Machine::new(
        Params {
            max_remove_fraction: 0.3,
            ..params()
        },
        &ips(POOL),
    );
    assert_eq!(small.removals_allowed(), 1);
}

#[test]
fn a_removed_peer_is_added_back_after_rise_consecutive_passes() {
    let mut m = Machine::new(params(), &ips(POOL));
    let mut w = World::new("127.0.0.2", POOL);
    w.dead.insert(ip("127.0.0.3"));
    w.round(&mut m);
    w.round(&mut m);
    assert_eq!(w.record, ips(&["127.0.0.2", "127.0.0.4"]));
    w.dead.clear();
    let (steps, _) = w.round(&mut m);
    assert!(writes(&steps).is_empty(), "one pass of two");
    let (steps, notes) = w.round(&mut m);
    assert_eq!(writes(&steps), vec![(ChangeOp::Add, ip("127.0.0.3"))]);
    assert_eq!(w.record, ips(POOL));
    let texts: Vec<String> = notes.iter().map(Note::to_string).collect();
    assert_eq!(
        texts,
        vec![
            "peer 127.0.0.3 is up: 2 consecutive passed checks",
            "added 127.0.0.3: 2 consecutive passed checks (rise 2)",
        ]
    );
}

#[test]
fn a_flapping_peer_does_not_churn_the_record() {
    // retries 1: removed at the first failure; rise 3: back only after three passes in a row
    let mut m = Machine::new(
        Params {
            retries: 1,
            rise: 3,
            ..params()
        },
        &ips(POOL),
    );
    let mut w = World::new("127.0.0.2", POOL);
    w.dead.insert(ip("127.0.0.3"));
    let (steps, _) = w.round(&mut m);
    assert_eq!(writes(&steps), vec![(ChangeOp::Remove, ip("127.0.0.3"))]);
    // up, up, down, up, up, down…: never three passes in a row, never re-added
    for i in 0..9 {
        if i % 3 == 2 {
            w.dead.insert(ip("127.0.0.3"));
        } else {
            w.dead.clear();
        }
        let (steps, _) = w.round(&mut m);
        assert!(writes(&steps).is_empty(), "round {i}: {steps:?}");
    }
    assert_eq!(w.record, ips(&["127.0.0.2", "127.0.0.4"]));
    // and with retries 2 a peer failing every other check is never removed
    let mut m = Machine::new(params(), &ips(POOL));
    let mut w = World::new("127.0.0.2", POOL);
    for i in 0..10 {
        if i % 2 == 0 {
            w.dead.insert(ip("127.0.0.4"));
        } else {
            w.dead.clear();
        }
        assert!(writes(&w.round(&mut m).0).is_empty());
    }
}

#[test]
fn the_own_address_is_added_once_it_passed_rise_self_checks() {
    let mut m = Machine::new(params(), &ips(POOL));
    let mut w = World::new("127.0.0.2", &["127.0.0.3", "127.0.0.4"]);
    let (steps, _) = w.round(&mut m);
    assert!(writes(&steps).is_empty(), "one self pass of two");
    let (steps, notes) = w.round(&mut m);
    assert_eq!(
        steps[..3],
        [
            Step::CheckSelf,
            Step::ReadRecord,
            Step::Write {
                values: ips(POOL),
                change: Change {
                    op: ChangeOp::Add,
                    address: ip("127.0.0.2"),
                    reason: "own address, 2 consecutive passed self-checks (rise 2)".into()
                }
            }
        ]
    );
    assert_eq!(w.record, ips(POOL));
    assert_eq!(notes.len(), 1, "{notes:?}");
    // the own address is never checked as a peer
    assert!(!probes(&steps).contains(&ip("127.0.0.2")));
}

#[test]
fn a_refused_write_is_retried_after_a_fresh_read_then_left_for_the_next_interval() {
    let mut m = Machine::new(params(), &ips(POOL));
    let mut w = World::new("127.0.0.2", POOL);
    w.dead.insert(ip("127.0.0.3"));
    w.round(&mut m);
    w.write_results = vec![false, true];
    let (steps, notes) = w.round(&mut m);
    // refused, read again, decided again (without checking .3 again), written
    assert_eq!(
        writes(&steps),
        vec![
            (ChangeOp::Remove, ip("127.0.0.3")),
            (ChangeOp::Remove, ip("127.0.0.3"))
        ]
    );
    assert_eq!(probes(&steps), vec![ip("127.0.0.3"), ip("127.0.0.4")]);
    assert!(matches!(notes[1], Note::WriteFailed { .. }), "{notes:?}");
    assert_eq!(w.record, ips(&["127.0.0.2", "127.0.0.4"]));
    // two refusals in one round: the round ends, the next one tries again
    let mut m = Machine::new(params(), &ips(POOL));
    let mut w = World::new("127.0.0.2", POOL);
    w.dead.insert(ip("127.0.0.3"));
    w.round(&mut m);
    w.write_results = vec![false, false];
    let (steps, _) = w.round(&mut m);
    assert_eq!(writes(&steps).len(), 2);
    assert_eq!(steps.last(), Some(&Step::Done));
    assert_eq!(w.record, ips(POOL));
    let (steps, _) = w.round(&mut m);
    assert_eq!(writes(&steps), vec![(ChangeOp::Remove, ip("127.0.0.3"))]);
}

#[test]
fn a_failed_read_changes_nothing() {
    let mut m = Machine::new(params(), &ips(POOL));
    assert_eq!(m.start_round(), Step::CheckSelf);
    assert_eq!(m.self_result(Ok(ip("127.0.0.2"))), Step::ReadRecord);
    assert_eq!(m.read_failed("HTTP 500".into()), Step::Done);
    assert_eq!(
        m.take_notes(),
        vec![Note::ReadFailed {
            error: "HTTP 500".into()
        }]
    );
}

#[test]
fn addresses_outside_the_pool_are_left_alone_and_count_as_addresses() {
    let mut m = Machine::new(params(), &ips(POOL));
    let mut w = World::new(
        "127.0.0.2",
        &["127.0.0.2", "127.0.0.3", "127.0.0.4", "198.51.100.7"],
    );
    w.dead.insert(ip("127.0.0.3"));
    w.round(&mut m);
    let (steps, _) = w.round(&mut m);
    assert_eq!(probes(&steps), vec![ip("127.0.0.3"), ip("127.0.0.4")]);
    assert_eq!(
        w.record,
        ips(&["127.0.0.2", "127.0.0.4", "198.51.100.7"]),
        "the foreign address is kept and never checked"
    );
}
