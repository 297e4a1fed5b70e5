//! `dnsplan failover` for real: three HTTP servers on 127.0.0.2–4, PowerDNS serving
//! `www.failover.conformance.test. A` with those three addresses, one daemon per server
//! (the real binary, 1 s interval, retries 2, rise 2), and real DNS queries to see what
//! they did:
//!
//! - a stopped server's address leaves the record within interval × retries + slack, and
//!   comes back once it answers again;
//! - with all servers but one stopped the record keeps that one, and with the last one
//!   stopped too (every self-check failing) nothing at all changes: the record is never
//!   emptied;
//! - a daemon whose self-check fails changes nothing even when a peer is down, and exits
//!   non-zero after `self_failures` failures;
//! - `--once` removes at most `max_remove_fraction` of the pool and exits 0; with its own
//!   server down it changes nothing and exits 1;
//! - SIGTERM stops a daemon cleanly (exit 0); `/metrics` reports what happened;
//! - `--once` through every other writing provider (YAML, BIND, Route 53, Azure) changes the
//!   managed record and nothing else.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::dns::Resolver;
use crate::harness;
use crate::powerdns;
use crate::suite::{Project, show};

const ZONE: &str = "failover.conformance.test.";
const NAME: &str = "www.failover.conformance.test.";
const INTERVAL: f64 = 1.0;
const RETRIES: f64 = 2.0;
/// Slack on top of interval × retries: jitter, a check's timeout, the write, PowerDNS.
const SLACK: f64 = 4.0;

/// A tiny HTTP server on one loopback address: 200 "ok" to every request, until stopped
/// (then the port is closed: connections are refused).
struct Web {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Web {
    fn start(addr: SocketAddr) -> Web {
        let listener = TcpListener::bind(addr).unwrap_or_else(|e| panic!("bind {addr}: {e}"));
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((conn, _)) => answer(conn),
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Web {
            stop,
            thread: Some(thread),
        }
    }

    fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

impl Drop for Web {
    fn drop(&mut self) {
        self.stop();
    }
}

fn answer(mut conn: TcpStream) {
    let _ = conn.set_nonblocking(false);
    let _ = conn.set_read_timeout(Some(Duration::from_secs(1)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16384 {
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let ok = String::from_utf8_lossy(&buf).starts_with("GET /_dns ");
    let resp: &[u8] = if ok {
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    } else {
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    };
    let _ = conn.write_all(resp);
}

/// A port free on 127.0.0.2, .3 and .4 at once.
fn common_port() -> u16 {
    for _ in 0..50 {
        let first = TcpListener::bind("127.0.0.2:0")
            .expect("bind 127.0.0.2 (all of 127/8 is loopback on Linux)");
        let port = first.local_addr().unwrap().port();
        let others: Vec<_> = [3, 4]
            .iter()
            .map(|i| TcpListener::bind((Ipv4Addr::new(127, 0, 0, *i), port)))
            .collect();
        if others.iter().all(Result::is_ok) {
            return port;
        }
    }
    panic!("no port free on 127.0.0.2-4");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn ip(last: u8) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 0, last)
}

fn set(lasts: &[u8]) -> BTreeSet<Ipv4Addr> {
    lasts.iter().map(|l| ip(*l)).collect()
}

/// What PowerDNS answers for the record, over real DNS.
fn answers(res: &mut Resolver) -> BTreeSet<Ipv4Addr> {
    let a = res.query(NAME, 1);
    assert_eq!(a.rcode, 0, "{a:?}");
    a.answers
        .iter()
        .filter(|rr| rr.rtype == 1)
        .map(|rr| Ipv4Addr::new(rr.rdata[0], rr.rdata[1], rr.rdata[2], rr.rdata[3]))
        .collect()
}

/// Poll DNS until it answers `want`; the time it took, or a failure naming what it saw.
fn wait_for(
    res: &mut Resolver,
    want: &BTreeSet<Ipv4Addr>,
    within: f64,
    what: &str,
    logs: &Daemons,
) -> f64 {
    let start = Instant::now();
    loop {
        let got = answers(res);
        if &got == want {
            return start.elapsed().as_secs_f64();
        }
        if start.elapsed().as_secs_f64() > within {
            panic!(
                "{what}: after {within}s DNS answers {got:?}, expected {want:?}\n{}",
                logs.logs()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// DNS keeps answering `want` for `secs`.
fn holds(res: &mut Resolver, want: &BTreeSet<Ipv4Addr>, secs: f64, what: &str, logs: &Daemons) {
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < secs {
        let got = answers(res);
        assert_eq!(&got, want, "{what}\n{}", logs.logs());
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The failover config of the daemon on 127.0.0.`own`.
fn failover_config(p: &Project, own: u8, self_failures: u32, metrics: Option<u16>) -> String {
    let file = format!("failover-{own}.yaml");
    let metrics = metrics
        .map(|m| format!("metrics: 127.0.0.1:{m}\n"))
        .unwrap_or_default();
    std::fs::write(
        p.path().join(&file),
        format!(
            "config: config.yaml
{metrics}records:
  - zone: {ZONE}
    name: www
    type: A
    self: {{static: {}}}
    interval: {INTERVAL}s
    timeout: 400ms
    retries: {RETRIES}
    rise: 2
    jitter: 0.1
    max_remove_fraction: 0.5
    self_failures: {self_failures}
",
            ip(own)
        ),
    )
    .unwrap();
    file
}

/// Daemons started by the test, killed when it ends whatever happens.
struct Daemons {
    children: Vec<(u8, Child, std::path::PathBuf)>,
}

impl Daemons {
    fn start(p: &Project, own: u8, config: &str) -> (Child, std::path::PathBuf) {
        let log = p.path().join(format!("daemon-{own}-{}.log", free_port()));
        let mut c = Command::new(env!("CARGO_BIN_EXE_dnsplan"));
        c.current_dir(p.path())
            .args(["failover", "--config", config])
            .env_remove("DNSPLAN_LOG")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        for (k, v) in &p.target.env {
            c.env(k, v);
        }
        (c.spawn().expect("start dnsplan failover"), log)
    }

    fn log(&self, own: u8) -> String {
        self.children
            .iter()
            .filter(|(o, _, _)| *o == own)
            .map(|(_, _, log)| std::fs::read_to_string(log).unwrap_or_default())
            .collect()
    }

    fn logs(&self) -> String {
        self.children
            .iter()
            .map(|(o, _, log)| {
                format!(
                    "--- daemon 127.0.0.{o} ---\n{}",
                    std::fs::read_to_string(log).unwrap_or_default()
                )
            })
            .collect()
    }

    /// SIGTERM, then the exit status (killed after 10 s).
    fn terminate(&mut self, own: u8) -> Option<i32> {
        let (_, child, _) = self.children.iter_mut().find(|(o, _, _)| *o == own)?;
        // SAFETY: a plain kill(2) of our own child's pid.
        unsafe {
            libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
        }
        wait_exit(child, 10.0)
    }
}

impl Drop for Daemons {
    fn drop(&mut self) {
        for (_, c, _) in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Wait for `child` to exit; its code, or None when it had to be killed.
fn wait_exit(child: &mut Child, secs: f64) -> Option<i32> {
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < secs {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

fn metrics(port: u16) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect to /metrics");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"GET /metrics HTTP/1.0\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn three_daemons_keep_the_record_on_live_servers() {
    let pdns = harness::pdns();
    let port = common_port();
    let p = Project::new(&powerdns::target(), &[ZONE]);
    // the check comes from the record's octodns.healthcheck: HTTP on the servers' port
    p.write_zone(
        ZONE,
        &format!(
            "---
www:
  octodns:
    healthcheck:
      path: /_dns
      port: {port}
      protocol: HTTP
  ttl: 30
  type: A
  values: [127.0.0.2, 127.0.0.3, 127.0.0.4]
"
        ),
    );
    p.apply();
    let mut res = Resolver::new(pdns.dns);
    let all = set(&[2, 3, 4]);
    assert_eq!(answers(&mut res), all);

    let mut web: Vec<Option<Web>> = [2u8, 3, 4]
        .iter()
        .map(|i| Some(Web::start(SocketAddr::from((ip(*i), port)))))
        .collect();
    let metrics_port = free_port();
    let mut d = Daemons {
        children: Vec::new(),
    };
    for own in [2u8, 3, 4] {
        let cfg = failover_config(&p, own, 1000, (own == 2).then_some(metrics_port));
        let (child, log) = Daemons::start(&p, own, &cfg);
        d.children.push((own, child, log));
    }
    let within = INTERVAL * RETRIES + SLACK;

    // every server answers: nothing changes
    holds(&mut res, &all, 2.5, "all servers are up", &d);

    // stop .3: its address leaves the record within interval × retries + slack
    web[1].as_mut().unwrap().stop();
    web[1] = None;
    let took = wait_for(&mut res, &set(&[2, 4]), within, "127.0.0.3 stopped", &d);
    eprintln!("127.0.0.3 left the record after {took:.1}s");
    assert!(
        took >= INTERVAL * (RETRIES - 1.0) * 0.8,
        "removed after {took}s: sooner than `retries` failed checks allow\n{}",
        d.logs()
    );

    // start it again: it comes back (rise 2)
    web[1] = Some(Web::start(SocketAddr::from((ip(3), port))));
    let took = wait_for(&mut res, &all, within, "127.0.0.3 started again", &d);
    eprintln!("127.0.0.3 came back after {took:.1}s");

    // stop every server but .2: the record keeps .2 (and only .2)
    for i in [1, 2] {
        web[i].as_mut().unwrap().stop();
        web[i] = None;
    }
    wait_for(
        &mut res,
        &set(&[2]),
        // two removals, one per interval at most (max_remove_fraction 0.5 of 3)
        within + INTERVAL,
        "all servers but 127.0.0.2 stopped",
        &d,
    );
    holds(&mut res, &set(&[2]), 3.0, "the last live server stays", &d);

    // stop .2 too: every self-check fails, nobody changes anything, the record is not emptied
    web[0].as_mut().unwrap().stop();
    web[0] = None;
    holds(
        &mut res,
        &set(&[2]),
        INTERVAL * RETRIES + 2.0,
        "every server stopped: nothing may change",
        &d,
    );

    // the reasons are in the logs (.3 was removed and added back by whichever healthy daemon
    // came first; only .2 was healthy when .4 went), the counts in /metrics
    let all_logs = d.logs();
    for want in [
        "removed 127.0.0.3: 2 consecutive failed checks (retries 2); last: HTTP 127.0.0.3:",
        "added 127.0.0.3: ",
    ] {
        assert!(
            all_logs.contains(want),
            "no daemon logged {want:?}:\n{all_logs}"
        );
    }
    let log2 = d.log(2);
    for want in [
        "removed 127.0.0.4: ",
        "self-check failed (1 of 1000 before exiting): HTTP 127.0.0.2:",
    ] {
        assert!(
            log2.contains(want),
            "daemon .2 did not log {want:?}:\n{log2}"
        );
    }
    let log3 = d.log(3);
    assert!(
        log3.contains("self-check failed") && !log3.contains("removed 127.0.0.4"),
        "daemon .3 failed its self-check and removed nobody:\n{log3}"
    );
    assert!(!d.logs().contains("test-api-key") && !d.logs().contains(&pdns.api_key));
    let m = metrics(metrics_port);
    let rec = "record=\"www.failover.conformance.test. A\"";
    assert!(m.starts_with("HTTP/1.0 200 OK"), "{m}");
    assert!(
        m.contains(&format!("dnsplan_failover_self_check_ok{{{rec}}} 0")),
        "{m}"
    );
    assert!(
        m.contains(&format!(
            "dnsplan_failover_in_record{{{rec},address=\"127.0.0.3\"}} 0"
        )),
        "{m}"
    );
    let removed: u64 = m
        .lines()
        .find_map(|l| {
            l.strip_prefix(&format!(
                "dnsplan_failover_changes_total{{{rec},op=\"remove\"}} "
            ))
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no remove counter in\n{m}"));
    assert!(removed >= 1, "{m}");

    // SIGTERM: a clean exit
    for own in [2u8, 3, 4] {
        assert_eq!(
            d.terminate(own),
            Some(0),
            "daemon .{own} on SIGTERM\n{}",
            d.logs()
        );
    }

    // ---- a daemon whose self-check fails changes nothing, even with a peer down ----
    p.apply(); // git again: all three addresses
    assert_eq!(answers(&mut res), all);
    let _web2 = Web::start(SocketAddr::from((ip(2), port)));
    // .3 and .4 are down; the daemon on .4 cannot pass its own check
    let cfg = failover_config(&p, 4, 3, None);
    let (child, log) = Daemons::start(&p, 4, &cfg);
    let mut d = Daemons {
        children: vec![(4, child, log)],
    };
    let code = wait_exit(&mut d.children[0].1, INTERVAL * 3.0 + SLACK + 2.0);
    assert_eq!(
        code,
        Some(1),
        "after self_failures (3) failed self-checks the daemon exits non-zero\n{}",
        d.logs()
    );
    assert_eq!(answers(&mut res), all, "it changed nothing\n{}", d.logs());
    let log4 = d.log(4);
    assert!(
        log4.contains("the self-check failed 3 times in a row (self_failures: 3)"),
        "{log4}"
    );
    assert!(!log4.contains("removed"), "{log4}");

    // ---- --once: the same daemon for cron ----
    let once = |own: u8| {
        let cfg = failover_config(&p, own, 1000, None);
        p.run(&["failover", "--config", &cfg, "--once"])
    };
    let o = once(4);
    assert_eq!(
        o.status.code(),
        Some(1),
        "own server down: exit 1\n{}",
        show(&o)
    );
    assert_eq!(answers(&mut res), all, "and nothing changed\n{}", show(&o));
    let o = once(2);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    // retries 2: two rounds; .3 and .4 both fail twice, but one removal per interval
    assert_eq!(answers(&mut res), set(&[2, 4]), "{}", show(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("removed 127.0.0.3"), "{err}");
    assert!(
        err.contains("kept 127.0.0.4: 2 consecutive failed checks, but 1 removal(s) were already made this interval"),
        "{err}"
    );
}

/// `--once` through every provider that writes (point 3 of the issue): a pool of a live
/// server (127.0.0.2) and a dead one (127.0.0.9, nothing listens), one run, and then
/// - the record holds only the live address, read back through the provider;
/// - every other record of the zone still matches git (a plan shows only `update www A`):
///   the daemon touched the managed record and nothing else;
/// - on Azure, where the fake logs requests, exactly one write was sent: `PUT …/A/www` with
///   the etag it read (`If-Match`).
#[test]
fn once_through_every_writing_provider() {
    use crate::{azure, azure_fake, rfc2136, route53};
    let port = free_port();
    let _live = Web::start(SocketAddr::from((ip(2), port)));
    let yaml_dir = tempfile::tempdir().unwrap();
    let yaml = crate::suite::Target {
        name: "yaml".into(),
        settings: vec![
            ("class".into(), "octodns.provider.yaml.YamlProvider".into()),
            (
                "directory".into(),
                format!("'{}'", yaml_dir.path().display()),
            ),
        ],
        env: vec![],
        dns: None,
        types: BTreeSet::new(),
        reset: |_| {},
    };
    let fake = azure_fake::AzureFake::start();
    let mut az = azure::target();
    az.settings = azure::settings(&fake, &[]);
    az.reset = |_| {};
    for (target, zone) in [
        (yaml, "once-yaml.conformance.test."),
        (rfc2136::bind(), "once-bind.conformance.test."),
        (route53::target(), "once-route53.conformance.test."),
        (az, "once-azure.conformance.test."),
    ] {
        let what = target.name.clone();
        let p = Project::new(&target, &[zone]);
        let git = format!(
            "---
other:
  type: A
  value: 192.0.2.1
text:
  type: TXT
  value: unrelated
www:
  octodns:
    healthcheck:
      path: /_dns
      port: {port}
      protocol: HTTP
  ttl: 60
  type: A
  values: [127.0.0.2, 127.0.0.9]
"
        );
        p.write_zone(zone, &git);
        p.apply();
        let azure_writes = || -> Vec<String> {
            fake.requests(zone)
                .into_iter()
                .filter(|r| !r.starts_with("GET ") && !r.starts_with("POST "))
                .collect()
        };
        let writes_before = azure_writes().len();
        std::fs::write(
            p.path().join("failover.yaml"),
            format!(
                "config: config.yaml
records:
  - zone: {zone}
    name: www
    type: A
    self: {{static: 127.0.0.2}}
    timeout: 400ms
    retries: 1
    rise: 1
"
            ),
        )
        .unwrap();
        let o = p.run(&["failover", "--config", "failover.yaml", "--once"]);
        assert_eq!(o.status.code(), Some(0), "{what}: {}", show(&o));
        let log = String::from_utf8_lossy(&o.stderr);
        assert!(
            log.contains("127.0.0.9"),
            "{what}: the removal is logged:\n{log}"
        );
        let plan = p.plan();
        assert_eq!(
            crate::suite::changes(&plan),
            ["update www A"],
            "{what}: only the managed record differs from git\n{plan:#}"
        );
        let live = &plan["plans"][0]["changes"][0]["existing"];
        assert_eq!(
            live["value"], "127.0.0.2",
            "{what}: the dead address is gone\n{live:#}"
        );
        if what == "azure" {
            let by_daemon = azure_writes()[writes_before..].to_vec();
            assert_eq!(
                by_daemon.len(),
                1,
                "one write by the daemon: {by_daemon:#?}"
            );
            assert!(
                by_daemon[0].starts_with("PUT ")
                    && by_daemon[0].contains("/A/www?")
                    && by_daemon[0].contains("if-match="),
                "{by_daemon:#?}"
            );
        }
    }
}
