//! Dynamic records on PowerDNS: written as LUA (octodns-powerdns's layout), read back with
//! no changes, and served per geo / subnet / health by the real server.

use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::dns::{Answer, Resolver};
use crate::harness;
use crate::powerdns::{api, target};
use crate::suite::{Project, changes};

const GEO_ZONE: &str = "---
www:
  type: A
  ttl: 60
  values: [192.0.2.99]
  dynamic:
    pools:
      eu:
        values:
          - value: 192.0.2.10
            weight: 3
          - value: 192.0.2.11
        fallback: us
      us:
        values: [{value: 192.0.2.20}]
      office:
        values: [{value: 192.0.2.30}]
      rest:
        values: [{value: 192.0.2.40}]
    rules:
      - pool: office
        subnets: [10.0.0.0/8]
      - pool: eu
        geos: [EU]
      - pool: us
        geos: [NA-US]
      - pool: rest
static:
  type: A
  value: 192.0.2.1
";

fn a_values(a: &Answer) -> Vec<Ipv4Addr> {
    let mut v: Vec<Ipv4Addr> = a
        .answers
        .iter()
        .filter(|r| r.rtype == 1)
        .map(|r| Ipv4Addr::new(r.rdata[0], r.rdata[1], r.rdata[2], r.rdata[3]))
        .collect();
    v.sort();
    v
}

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn lua_rrsets(zone: &str) -> Vec<(String, String)> {
    let (s, z) = api("GET", &format!("zones/{zone}"), None);
    assert_eq!(s, 200, "{z}");
    z["rrsets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["type"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn dynamic_a_with_geos_subnets_and_fallbacks_is_served_per_client() {
    let zone = "dyn-geo.conformance.test.";
    let p = Project::new(&target(), &[zone]);
    p.write_zone(zone, GEO_ZONE);
    p.apply();
    // stored as one LUA rrset in octodns-powerdns's layout, read back with no change
    let rrsets = lua_rrsets(zone);
    assert!(
        rrsets.contains(&(format!("www.{zone}"), "LUA".into())),
        "{rrsets:?}"
    );
    assert!(
        !rrsets.contains(&(format!("www.{zone}"), "A".into())),
        "{rrsets:?}"
    );
    let plan = p.plan();
    assert!(changes(&plan).is_empty(), "re-plan: {plan:#}");

    let mut res = Resolver::new(harness::pdns().dns);
    let q = format!("www.{zone}");
    let eu_chain = [ip("192.0.2.10"), ip("192.0.2.11"), ip("192.0.2.20")];
    for (subnet, allowed) in [
        // DE / EU: the eu pool and its fallback us, flattened (octodns-powerdns's layout)
        (("198.51.100.0", 24), &eu_chain[..]),
        (("2001:db8:de::", 48), &eu_chain[..]),
        // US / NA
        (("203.0.113.0", 24), &[ip("192.0.2.20")][..]),
        // the subnet rule comes first
        (("10.20.0.0", 16), &[ip("192.0.2.30")][..]),
        // JP / AS: no rule, the catch-all
        (("192.0.2.0", 24), &[ip("192.0.2.40")][..]),
    ] {
        let ecs: IpAddr = subnet.0.parse().unwrap();
        let got = a_values(&res.query_from(&q, 1, (ecs, subnet.1)));
        assert_eq!(got.len(), 1, "ECS {subnet:?}: {got:?}");
        assert!(allowed.contains(&got[0]), "ECS {subnet:?}: {got:?}");
    }
    // the eu pool is weighted 3:1:1 across client subnets (pickwhashed hashes the client)
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..=255u8 {
        let a = res.query_from(&q, 1, (IpAddr::V4(Ipv4Addr::new(198, 51, 100, i)), 32));
        seen.extend(a_values(&a));
    }
    assert!(seen.iter().all(|a| eu_chain.contains(a)), "{seen:?}");
    assert!(seen.len() >= 2, "weighted choice always gave {seen:?}");

    // dynamic → static at the same name: the LUA rrset goes, an A rrset comes, one PATCH
    p.write_zone(
        zone,
        "---\nwww:\n  type: A\n  value: 192.0.2.77\nstatic:\n  type: A\n  value: 192.0.2.1\n",
    );
    p.apply();
    let rrsets = lua_rrsets(zone);
    assert!(
        !rrsets.contains(&(format!("www.{zone}"), "LUA".into())),
        "{rrsets:?}"
    );
    assert_eq!(a_values(&res.query(&q, 1)), [ip("192.0.2.77")]);
    assert!(changes(&p.plan()).is_empty());
    // and back: static → dynamic
    p.write_zone(zone, GEO_ZONE);
    p.apply();
    assert!(changes(&p.plan()).is_empty());
    let got = a_values(&res.query_from(&q, 1, ("203.0.113.0".parse().unwrap(), 24)));
    assert_eq!(got, [ip("192.0.2.20")]);
}

#[test]
fn values_other_than_the_catch_all_pool_plan_no_change() {
    let zone = "dyn-values.conformance.test.";
    let p = Project::new(&target(), &[zone]);
    p.write_zone(
        zone,
        "---\nwww:\n  type: A\n  values: [192.0.2.98, 192.0.2.99]\n  dynamic:\n    pools:\n      \
         one:\n        values: [{value: 192.0.2.1}]\n    rules:\n      - pool: one\n",
    );
    p.apply();
    let plan = p.plan();
    assert!(changes(&plan).is_empty(), "re-plan: {plan:#}");
    // the extra comment line keeps the script valid: the catch-all pool answers
    let mut res = Resolver::new(harness::pdns().dns);
    let a = res.query(&format!("www.{zone}"), 1);
    assert_eq!(a_values(&a), [ip("192.0.2.1")]);
}

/// A tiny HTTP server answering 200 on `addr:port` until `stop` is set.
fn http_up(addr: Ipv4Addr, port: u16) -> Arc<AtomicBool> {
    let l = TcpListener::bind((addr, port)).unwrap_or_else(|e| panic!("bind {addr}:{port}: {e}"));
    l.set_nonblocking(true).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        while !s.load(Ordering::SeqCst) {
            match l.accept() {
                Ok((mut c, _)) => {
                    c.set_nonblocking(false).ok();
                    c.set_read_timeout(Some(Duration::from_millis(500))).ok();
                    let mut buf = [0u8; 2048];
                    let _ = c.read(&mut buf);
                    let _ = c.write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                    );
                }
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        // the listener is dropped: connections are refused from now on
    });
    stop
}

/// Ask until the answer is `want` (PowerDNS checks every second), at most 20 s.
fn wait_for(res: &mut Resolver, q: &str, want: &[Ipv4Addr]) {
    let start = Instant::now();
    loop {
        let got = a_values(&res.query(q, 1));
        if got == want {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{q}: still {got:?}, want {want:?}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn a_pool_whose_health_check_fails_falls_back() {
    let zone = "dyn-health.conformance.test.";
    // one port free on both loopback addresses
    let probe = TcpListener::bind(("127.0.0.2", 0)).unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let primary = http_up(ip("127.0.0.3"), port);
    let backup = http_up(ip("127.0.0.2"), port);

    let p = Project::new(&target(), &[zone]);
    p.write_zone(
        zone,
        &format!(
            "---\nhc:\n  type: A\n  ttl: 30\n  values: [127.0.0.9]\n  octodns:\n    \
             healthcheck:\n      protocol: HTTP\n      host: hc.test\n      path: /_dns\n      \
             port: {port}\n  dynamic:\n    pools:\n      primary:\n        values: [{{value: \
             127.0.0.3}}]\n        fallback: backup\n      backup:\n        values: [{{value: \
             127.0.0.2}}]\n    rules:\n      - pool: primary\n"
        ),
    );
    p.apply();
    assert!(changes(&p.plan()).is_empty());
    let mut res = Resolver::new(harness::pdns().dns);
    let q = format!("hc.{zone}");
    // the first query starts the checks; once they pass, the primary pool answers
    wait_for(&mut res, &q, &[ip("127.0.0.3")]);
    primary.store(true, Ordering::SeqCst);
    wait_for(&mut res, &q, &[ip("127.0.0.2")]);
    backup.store(true, Ordering::SeqCst);
    // everything down: the record's own values
    wait_for(&mut res, &q, &[ip("127.0.0.9")]);
}
