//! The failover config: every problem with file:line:column, and what is filled from the
//! dnsplan config and the zone files.

use std::path::Path;

use super::*;

/// A project: a dnsplan config with a YAML source and two targets, one zone file.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let zones = dir.path().join("zones");
    std::fs::create_dir_all(&zones).unwrap();
    std::fs::create_dir_all(dir.path().join("out")).unwrap();
    std::fs::write(
        dir.path().join("dnsplan.yaml"),
        format!(
            "providers:
  config:
    class: octodns.provider.yaml.YamlProvider
    directory: '{zones}'
  local:
    class: octodns.provider.yaml.YamlProvider
    directory: '{out}'
  other:
    class: octodns.provider.yaml.YamlProvider
    directory: '{out}'
zones:
  example.com.:
    sources: [config]
    targets: [local]
  two.example.:
    sources: [config]
    targets: [local, other]
",
            zones = zones.display(),
            out = dir.path().join("out").display()
        ),
    )
    .unwrap();
    std::fs::write(
        zones.join("example.com.yaml"),
        "---
api:
  octodns:
    healthcheck:
      host: health.example.com
      path: /health
      port: 8443
      protocol: HTTP
  type: A
  values: [192.0.2.3, 192.0.2.1, 192.0.2.2]
ign:
  octodns:
    ignored: true
  type: A
  values: [192.0.2.5, 192.0.2.6]
www:
  type: A
  values: [192.0.2.1, 192.0.2.2]
",
    )
    .unwrap();
    std::fs::write(
        zones.join("two.example.yaml"),
        "---\nwww:\n  type: A\n  value: 192.0.2.1\n",
    )
    .unwrap();
    dir
}

fn write(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("failover.yaml");
    std::fs::write(&p, text).unwrap();
    p
}

/// Every diagnostic as `line:col: rule: message` (the file is failover.yaml unless shown).
fn errors(path: &Path) -> Vec<String> {
    let (spec, diags) = parse(path);
    assert!(spec.is_none(), "expected errors");
    diags
        .iter()
        .map(|d| {
            assert_eq!(&*d.pos.file, path.to_string_lossy().as_ref());
            format!("{}:{}: {}: {}", d.pos.line, d.pos.col, d.rule, d.message)
        })
        .collect()
}

#[test]
fn every_problem_is_reported_with_its_line_and_column() {
    let dir = project();
    let p = write(
        dir.path(),
        "config: dnsplan.yaml
records:
  - zone: example.com.
    name: www
    type: MX
  - zone: example.com.
    name: www
    type: A
    self: {static: 192.0.2.1, interface: eth0}
    interval: soon
    retries: 0
    colour: blue
  - zone: example.com.
    name: api
    type: A
    self: {static: '2001:db8::1'}
    check:
      protocol: ICMP
      expect_status: [200, 500-400]
      body: '(unclosed'
      path: 'no-slash'
      host: 'bad host'
      method: 'GE T'
  - zone: example.com.
    name: www
    type: A
    self: {static: 192.0.2.1}
    interval: 2
    timeout: 5s
",
    );
    assert_eq!(
        errors(&p),
        vec![
            "5:11: failover-invalid: `type` must be A or AAAA (failover manages address records), found \"MX\"",
            "12:5: failover-unknown-key: unknown key `colour` in a `records` entry; known keys: zone, name, type, target, self, pool, check, interval, timeout, retries, rise, jitter, max_remove_fraction, self_failures",
            "9:11: failover-invalid: `self` needs exactly one of `static`, `interface` or `url`, found static and interface",
            "10:15: failover-invalid: `interval` must be a duration from 0.1s to 86400s: seconds (`10`, `0.5`) or with a unit (`500ms`, `10s`, `2m`), found \"soon\"",
            "11:14: failover-invalid: `retries` must be a whole number from 1 to 1000, found \"0\"",
            "16:20: failover-invalid: `self.static`: 2001:db8::1 is not an IPv4 address",
            "18:17: failover-invalid: `check.protocol` must be HTTP, HTTPS or TCP, found \"ICMP\"",
            "19:22: failover-invalid: `check.expect_status`: the range \"500-400\" is empty",
            "20:13: failover-invalid: `check.body` is not a valid regular expression: found open group without closing ')'",
            "21:13: failover-invalid: `check.path` must start with / and hold no spaces, found \"no-slash\"",
            "22:13: failover-invalid: `check.host` must be a host name, found \"bad host\"",
            "23:15: failover-invalid: `check.method` must be an HTTP method such as GET or HEAD, found \"GE T\"",
            "29:14: failover-invalid: `timeout` (5s) must be shorter than `interval` (2s): one check must end before the next round",
        ]
    );
}

#[test]
fn missing_top_level_keys_and_yaml_errors_name_the_file() {
    let dir = project();
    let p = write(dir.path(), "metrics: nowhere\n");
    assert_eq!(
        errors(&p),
        vec![
            "1:1: failover-missing-key: `config:` is missing: the dnsplan (octoDNS) config that names the providers and zones",
            "1:10: failover-invalid: `metrics` must be an address and port to listen on, such as 127.0.0.1:9467, found \"nowhere\"",
            "1:1: failover-missing-key: `records:` is missing: the list of records to manage (zone, name, type, self)",
        ]
    );
    let p = write(dir.path(), "config: a\nrecords: [\n");
    let e = errors(&p);
    assert_eq!(e.len(), 1);
    assert!(e[0].contains("yaml-syntax"), "{e:?}");
}

#[test]
fn the_pool_and_check_come_from_git_and_the_record_s_healthcheck() {
    let dir = project();
    let p = write(
        dir.path(),
        "config: dnsplan.yaml
defaults:
  interval: 2s
  retries: 2
records:
  - zone: example.com
    name: api.example.com.
    type: A
    self: {static: 192.0.2.2}
  - zone: example.com.
    name: www
    type: A
    self: {interface: eth0}
    retries: 4
    check:
      protocol: TCP
      port: 22
",
    );
    let (spec, diags) = parse(&p);
    assert!(diags.is_empty(), "{diags:?}");
    let spec = spec.unwrap();
    assert_eq!(spec.config, dir.path().join("dnsplan.yaml"));
    let (cfg, cdiags) = crate::config::load(&spec.config, &crate::provider::registry::Registry);
    assert!(!cdiags.iter().any(Diagnostic::is_error), "{cdiags:?}");
    let (managed, diags) = resolve(&spec, &cfg.unwrap());
    assert!(diags.is_empty(), "{diags:?}");
    let api = &managed[0];
    assert_eq!(api.spec.label(), "api.example.com. A");
    assert_eq!(api.target.id, "local", "the zone's only target");
    let addrs = |v: &[&str]| {
        v.iter()
            .map(|s| s.parse().unwrap())
            .collect::<Vec<IpAddr>>()
    };
    assert_eq!(api.pool, addrs(&["192.0.2.1", "192.0.2.2", "192.0.2.3"]));
    assert_eq!(api.check.protocol, Protocol::Http);
    assert_eq!(api.check.port, 8443);
    assert_eq!(api.check.host, "health.example.com");
    assert_eq!(api.check.path, "/health");
    assert_eq!(api.check.method, "GET");
    assert_eq!(api.check.expect_status, vec![(200, 399)]);
    assert_eq!(api.spec.interval, Duration::from_secs(2), "from defaults");
    assert_eq!(api.spec.params.retries, 2, "from defaults");
    assert_eq!(api.spec.params.rise, DEFAULT_RISE);
    let www = &managed[1];
    assert_eq!(www.pool, addrs(&["192.0.2.1", "192.0.2.2"]));
    assert_eq!(www.check.protocol, Protocol::Tcp);
    assert_eq!(www.check.port, 22);
    assert_eq!(www.spec.params.retries, 4, "the record's own value wins");
    assert_eq!(www.spec.own, OwnSource::Interface("eth0".into()));
}

#[test]
fn octodns_defaults_apply_when_the_record_has_no_healthcheck() {
    let dir = project();
    let p = write(
        dir.path(),
        "config: dnsplan.yaml
records:
  - {zone: example.com., name: www, type: A, self: {static: 192.0.2.1}}
  - zone: example.com.
    name: www
    type: A
    target: local
    self: {static: 192.0.2.1}
    pool: [192.0.2.9, 192.0.2.1]
    check: {protocol: HTTP, expect_status: [200, '300-302'], host: www.example.net, method: head}
",
    );
    let (spec, diags) = parse(&p);
    // the same record twice on the same target
    assert!(spec.is_none());
    assert_eq!(
        diags.iter().map(ToString::to_string).collect::<Vec<_>>(),
        vec![format!(
            "{}:4:5: error[failover-duplicate-record]: www.example.com. A is managed twice (first at line 3)",
            p.display()
        )]
    );
    let p = write(
        dir.path(),
        "config: dnsplan.yaml
records:
  - {zone: example.com., name: www, type: A, self: {static: 192.0.2.1}}
  - zone: example.com.
    name: api
    type: A
    self: {static: 192.0.2.1}
    pool: [192.0.2.9, 192.0.2.1]
    check: {protocol: HTTP, expect_status: [200, '300-302'], host: www.example.net, method: head}
",
    );
    let (spec, _) = parse(&p);
    let spec = spec.unwrap();
    let cfg = crate::config::load(&spec.config, &crate::provider::registry::Registry)
        .0
        .unwrap();
    let (managed, diags) = resolve(&spec, &cfg);
    assert!(diags.is_empty(), "{diags:?}");
    let c = &managed[0].check;
    assert_eq!(
        (c.protocol, c.port, c.host.as_str(), c.path.as_str()),
        (Protocol::Https, 443, "www.example.com", "/_dns"),
        "octoDNS's healthcheck defaults"
    );
    let c = &managed[1].check;
    assert_eq!(c.protocol, Protocol::Http);
    assert_eq!(
        c.port, 8443,
        "the record's explicit healthcheck port is kept"
    );
    assert_eq!(c.expect_status, vec![(200, 200), (300, 302)]);
    assert_eq!(c.method, "HEAD");
    assert_eq!(c.host, "www.example.net");
    assert_eq!(
        managed[1].pool,
        vec![
            "192.0.2.1".parse::<IpAddr>().unwrap(),
            "192.0.2.9".parse().unwrap()
        ],
        "an explicit pool, sorted"
    );
}

#[test]
fn resolution_problems_point_at_the_failover_config() {
    let dir = project();
    let p = write(
        dir.path(),
        "config: dnsplan.yaml
records:
  - zone: nowhere.example.
    name: www
    type: A
    self: {static: 192.0.2.1}
  - zone: two.example.
    name: www
    type: A
    self: {static: 192.0.2.1}
  - zone: example.com.
    name: www
    type: A
    target: other
    self: {static: 192.0.2.1}
  - zone: example.com.
    name: missing
    type: A
    self: {static: 192.0.2.1}
  - zone: example.com.
    name: www
    type: AAAA
    self: {static: '2001:db8::1'}
    pool: ['2001:db8::2']
  - zone: example.com.
    name: api
    type: A
    self: {static: 192.0.2.7}
",
    );
    let (spec, diags) = parse(&p);
    assert!(diags.is_empty(), "{diags:?}");
    let spec = spec.unwrap();
    let cfg = crate::config::load(&spec.config, &crate::provider::registry::Registry)
        .0
        .unwrap();
    let (managed, diags) = resolve(&spec, &cfg);
    assert!(managed.is_empty());
    let shown: Vec<String> = diags
        .iter()
        .map(|d| {
            format!(
                "{}:{}: {}: {}",
                d.pos.line,
                d.pos.col,
                d.rule,
                d.to_string().split("]: ").nth(1).unwrap()
            )
        })
        .collect();
    assert_eq!(
        shown,
        vec![
            format!(
                "3:11: failover-unknown-zone: www.nowhere.example. A: zone nowhere.example. is not configured in {}",
                dir.path().join("dnsplan.yaml").display()
            ),
            "7:5: failover-unknown-target: www.two.example. A: zone two.example. has 2 targets (local, other): name the one to write with `target:`".to_string(),
            "14:13: failover-unknown-target: www.example.com. A: other is not a target of zone example.com. (its targets: local)".to_string(),
            "16:5: failover-no-pool: missing.example.com. A: missing.example.com. A is not in the zone files of example.com.; add it there or list its addresses with `pool:`".to_string(),
            "20:5: failover-self-not-in-pool: www.example.com. AAAA: self.static 2001:db8::1 is not in the pool (2001:db8::2); a daemon runs on one of the pool's servers".to_string(),
            "25:5: failover-self-not-in-pool: api.example.com. A: self.static 192.0.2.7 is not in the pool (192.0.2.1, 192.0.2.2, 192.0.2.3); a daemon runs on one of the pool's servers".to_string(),
        ]
    );
}

#[test]
fn durations_take_units() {
    assert_eq!(parse_duration("500ms"), Some(0.5));
    assert_eq!(parse_duration("10s"), Some(10.0));
    assert_eq!(parse_duration("2m"), Some(120.0));
    assert_eq!(parse_duration("1.5"), Some(1.5));
    assert_eq!(parse_duration("soon"), None);
}

#[test]
fn the_example_config_parses() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/failover/failover.yaml");
    let (spec, diags) = parse(&path);
    assert!(diags.is_empty(), "{diags:?}");
    let spec = spec.unwrap();
    assert_eq!(spec.records.len(), 1);
    assert_eq!(spec.records[0].own, OwnSource::Interface("eth0".into()));
    assert_eq!(spec.records[0].params.self_failures, 6);
    assert_eq!(spec.metrics, Some("127.0.0.1:9467".parse().unwrap()));
}

#[test]
fn an_ignored_record_still_gives_its_pool() {
    // docs/failover.md: `ignored: true` keeps plan/apply/drift away from the record while
    // failover still reads its pool from git
    let dir = project();
    let p = write(
        dir.path(),
        "config: dnsplan.yaml\nrecords:\n  - {zone: example.com., name: ign, type: A, self: {static: 192.0.2.5}}\n",
    );
    let spec = parse(&p).0.unwrap();
    let cfg = crate::config::load(&spec.config, &crate::provider::registry::Registry)
        .0
        .unwrap();
    let (managed, diags) = resolve(&spec, &cfg);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(
        managed[0].pool,
        vec![
            "192.0.2.5".parse::<IpAddr>().unwrap(),
            "192.0.2.6".parse().unwrap()
        ]
    );
}
