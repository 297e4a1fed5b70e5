//! Migrations end to end, on real servers: a BIND zone file kept in git planned into an empty
//! PowerDNS and Route 53 (moto) → applied → re-planned as nothing → dumped to octoDNS YAML →
//! that YAML as the source plans nothing against the same targets (and PowerDNS as Route 53's
//! source plans nothing either); and a running BIND primary
//! read over AXFR (TSIG) as the source of a sync into PowerDNS, re-planned as nothing.
//! PowerDNS's and BIND's answers are checked over real DNS against the zone file.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value as J;

use crate::dns::Resolver;
use crate::suite::{Target, check_dns, show};
use crate::{harness, powerdns, rfc2136, route53};

/// The real-shaped zone file of `tests/fixtures/bind/`, for `zone` instead of example.com
/// (the servers are shared by the tests of this binary).
fn zone_file_for(zone: &str) -> String {
    let text =
        std::fs::read_to_string(harness::repo().join("tests/fixtures/bind/example.com.")).unwrap();
    text.replace("example.com.", zone)
}

fn provider_entry(id: &str, t: &Target) -> String {
    let mut s = format!("  {id}:\n");
    for (k, v) in &t.settings {
        s.push_str(&format!("    {k}: {v}\n"));
    }
    s
}

struct Project {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Project {
    fn new(targets: &[&Target]) -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("bind")).unwrap();
        let env = targets.iter().flat_map(|t| t.env.clone()).collect();
        Project { dir, env }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_dnsplan"));
        route53::with_aws_env(&mut c);
        c.current_dir(self.path())
            .args(args)
            .env_remove("DNSPLAN_CONFIG")
            .env("NO_COLOR", "1")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .expect("run dnsplan")
    }

    /// `op name type` per target of a plan with `config`.
    fn planned(&self, config: &str) -> BTreeMap<String, Vec<String>> {
        let o = self.run(&["plan", "--config", config, "--format", "json"]);
        assert!(
            matches!(o.status.code(), Some(0 | 2)),
            "plan --config {config}:\n{}",
            show(&o)
        );
        let v: J = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("plan JSON: {e}\n{}", show(&o)));
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for p in v["plans"].as_array().unwrap() {
            let t = p["target"].as_str().unwrap().to_string();
            let changes = out.entry(t).or_default();
            for c in p["changes"].as_array().unwrap() {
                let name = c["name"].as_str().unwrap_or_default();
                changes.push(format!(
                    "{} {} {}",
                    c["op"].as_str().unwrap(),
                    if name.is_empty() { "@" } else { name },
                    c["type"].as_str().unwrap()
                ));
            }
        }
        out
    }

    fn apply(&self, config: &str) {
        let o = self.run(&["apply", "--config", config, "--force"]);
        assert!(o.status.success(), "apply --config {config}:\n{}", show(&o));
    }
}

fn nothing_for(targets: &[&str], planned: &BTreeMap<String, Vec<String>>) {
    for t in targets {
        assert_eq!(
            planned.get(*t).cloned().unwrap_or_default(),
            Vec::<String>::new(),
            "{t}: {planned:#?}"
        );
    }
}

/// The zone the file holds, as the tests' DNS checks want it.
fn zone_of_file(path: &Path, zone: &str) -> dnsplan::model::Zone {
    dnsplan::provider::zonefile::read_zone_file(path, zone, true, None)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .zone
}

/// A zone file in git → an empty PowerDNS and Route 53 → apply → nothing left to plan →
/// `dump` from PowerDNS to octoDNS YAML → the YAML as the source plans nothing on both.
#[test]
fn a_zone_file_in_git_migrates_to_powerdns_and_route53_and_on_to_yaml() {
    let zone = "migrate-zonefile.example.";
    let (pdns, r53) = (powerdns::target(), route53::target());
    (pdns.reset)(zone);
    (r53.reset)(zone);
    let p = Project::new(&[&pdns, &r53]);
    std::fs::write(p.path().join(format!("bind/{zone}")), zone_file_for(zone)).unwrap();
    let providers = format!(
        "providers:\n  bind:\n    class: octodns_bind.ZoneFileSource\n    directory: ./bind\n  \
         dumped:\n    class: octodns.provider.yaml.YamlProvider\n    directory: ./dumped\n{}{}",
        provider_entry("pdns", &pdns),
        provider_entry("r53", &r53)
    );
    let zones = |source: &str| {
        format!("zones:\n  {zone}:\n    sources: [{source}]\n    targets: [pdns, r53]\n")
    };
    std::fs::write(
        p.path().join("from-bind.yaml"),
        format!("{providers}{}", zones("bind")),
    )
    .unwrap();
    std::fs::write(
        p.path().join("from-yaml.yaml"),
        format!("{providers}{}", zones("dumped")),
    )
    .unwrap();

    // every record of the file, and nothing else, is a create on both new zones
    let first = p.planned("from-bind.yaml");
    let file = zone_of_file(&p.path().join(format!("bind/{zone}")), zone);
    let mut creates: Vec<String> = file
        .iter()
        .map(|r| {
            let name = if r.name.is_empty() { "@" } else { &r.name };
            format!("create {name} {}", r.rtype.as_str())
        })
        .collect();
    creates.sort();
    assert_eq!(creates.len(), 15, "{creates:#?}");
    for t in ["pdns", "r53"] {
        let mut got = first[t].clone();
        got.sort();
        assert_eq!(got, creates, "{t}");
    }
    p.apply("from-bind.yaml");
    nothing_for(&["pdns", "r53"], &p.planned("from-bind.yaml"));
    // PowerDNS answers what the file holds, over real DNS
    let mut res = Resolver::new(harness::pdns().dns);
    check_dns(&mut res, &file, None, "PowerDNS after the migration");
    // one provider as the other's source (octoDNS's "sync from Route53 to …"): they agree
    std::fs::write(
        p.path().join("pdns-to-r53.yaml"),
        format!("{providers}zones:\n  {zone}:\n    sources: [pdns]\n    targets: [r53]\n"),
    )
    .unwrap();
    nothing_for(&["r53"], &p.planned("pdns-to-r53.yaml"));

    let o = p.run(&[
        "dump",
        "--config",
        "from-bind.yaml",
        "--output-dir",
        "dumped",
        zone,
        "pdns",
    ]);
    assert!(o.status.success(), "dump:\n{}", show(&o));
    let dumped = std::fs::read_to_string(p.path().join(format!("dumped/{zone}yaml"))).unwrap();
    assert!(dumped.contains("_sip._tcp:"), "{dumped}");
    nothing_for(&["pdns", "r53"], &p.planned("from-yaml.yaml"));
    let o = p.run(&["validate", "--config", "from-yaml.yaml"]);
    assert!(o.status.success(), "{}", show(&o));
}

/// A running BIND primary, read over AXFR with its TSIG key (octoDNS's AxfrSource), as the
/// source of a sync into PowerDNS: applied, re-planned as nothing, answered over DNS; a
/// change on the primary is the next plan's only change.
#[test]
fn axfr_from_a_running_bind_syncs_into_powerdns() {
    let zone = "migrate-axfr.example.";
    let bind = harness::bind();
    let pdns = powerdns::target();
    (pdns.reset)(zone);
    let p = Project::new(&[&pdns, &rfc2136::bind()]);
    let file = p.path().join("primary.zone");
    std::fs::write(&file, zone_file_for(zone)).unwrap();
    bind.load_zone(zone, &file);

    let mut axfr = rfc2136::bind();
    axfr.settings.retain(|(k, _)| k != "class");
    axfr.settings
        .insert(0, ("class".into(), "octodns_bind.AxfrSource".into()));
    let config = format!(
        "providers:\n{}{}zones:\n  {zone}:\n    sources: [primary]\n    targets: [pdns]\n",
        provider_entry("primary", &axfr),
        provider_entry("pdns", &pdns)
    );
    std::fs::write(p.path().join("c.yaml"), config).unwrap();
    let planned = p.planned("c.yaml");
    assert!(
        planned["pdns"].contains(&"create _sip._tcp SRV".to_string()),
        "{planned:#?}"
    );
    p.apply("c.yaml");
    nothing_for(&["pdns"], &p.planned("c.yaml"));
    let expected = zone_of_file(&file, zone);
    let mut res = Resolver::new(harness::pdns().dns);
    check_dns(&mut res, &expected, None, "PowerDNS after the AXFR sync");

    // the primary changes (a new file, as its operators would load it): one change follows
    let changed = zone_file_for(zone).replace("192.0.2.60", "192.0.2.61");
    std::fs::write(&file, changed).unwrap();
    bind.load_zone(zone, &file);
    assert_eq!(
        p.planned("c.yaml")["pdns"],
        vec!["update sip A".to_string()]
    );
    p.apply("c.yaml");
    nothing_for(&["pdns"], &p.planned("c.yaml"));
}
