//! /etc/hosts as a target: dnsplan and the real octodns-etchosts 1.1.0 write the same zone,
//! and the files are compared byte for byte.

use std::process::Command;

use crate::harness;
use crate::suite::{Project, Target, changes, show};

fn target(dir: &std::path::Path) -> Target {
    Target {
        name: "hosts".into(),
        settings: vec![
            ("class".into(), "octodns_etchosts.EtcHostsProvider".into()),
            ("directory".into(), format!("'{}'", dir.display())),
        ],
        env: vec![],
        dns: None,
        types: Default::default(),
        reset: |_| {},
    }
}

/// Names, CNAME chains (to the apex, through a wildcard, out of the zone, in a loop), A and
/// AAAA at one name, IDN, and the types the file cannot hold left out.
const ZONE: &str = "---
'':
- {type: A, values: [192.0.2.2, 192.0.2.1]}
- {type: AAAA, value: '2001:db8::1'}
'*.w': {type: A, value: 192.0.2.9}
'*.w6': {type: AAAA, value: '2001:db8::9'}
away: {type: CNAME, value: www.example.net.}
chain: {type: CNAME, value: www.hosts.test.}
loop1: {type: CNAME, value: loop2.hosts.test.}
loop2: {type: CNAME, value: loop1.hosts.test.}
v6: {type: AAAA, values: ['2001:db8::7', '2001:db8::6']}
www: {type: CNAME, value: hosts.test.}
x: {type: CNAME, value: a.w.hosts.test.}
y: {type: CNAME, value: b.w6.hosts.test.}
bücher: {type: A, value: 192.0.2.44}
";

#[test]
fn the_file_is_octodns_etchosts_s_byte_for_byte() {
    let ours = tempfile::tempdir().unwrap();
    let zone = "hosts.test.";
    let p = Project::new(&target(ours.path()), &[zone]);
    p.write_zone(zone, ZONE);
    // never read back: the whole zone is planned, every time
    assert_eq!(changes(&p.plan()).len(), 13);
    p.apply();
    assert_eq!(changes(&p.plan()).len(), 13);
    let written = std::fs::read(ours.path().join("hosts.test.hosts")).unwrap();

    // octodns-etchosts on the same zone, into a directory of its own
    let theirs = tempfile::tempdir().unwrap();
    let cfg = std::fs::read_to_string(p.path().join("config.yaml"))
        .unwrap()
        .replace(
            &ours.path().display().to_string(),
            &theirs.path().display().to_string(),
        );
    std::fs::write(p.path().join("octodns.yaml"), cfg).unwrap();
    let venv = harness::venv();
    let o = Command::new(venv.join("bin/octodns-sync"))
        .current_dir(p.path())
        .args(["--config-file", "octodns.yaml", "--doit"])
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "octodns-sync from {} (scripts/test installs it): {e}",
                venv.display()
            )
        });
    assert!(o.status.success(), "octodns-sync failed:\n{}", show(&o));
    let expected = std::fs::read(theirs.path().join("hosts.test.hosts"))
        .unwrap_or_else(|e| panic!("octodns-etchosts wrote no file: {e}\n{}", show(&o)));
    assert_eq!(
        String::from_utf8_lossy(&written),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(written, expected);
}

#[test]
fn types_a_hosts_file_cannot_hold_are_refused_under_strict_supports() {
    let dir = tempfile::tempdir().unwrap();
    let zone = "strict.hosts.test.";
    let p = Project::new(&target(dir.path()), &[zone]);
    p.write_zone(zone, "---\nwww: {type: A, value: 192.0.2.1}\nmail: {type: MX, value: {preference: 10, exchange: mx.example.net.}}\n");
    let o = p.run(&["plan", "--config", "config.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(show(&o).contains("MX"), "{}", show(&o));
}
