//! Dual-authoritative DNS end to end: `examples/dual-authoritative/` as shipped (one zone,
//! targets `route53` and `azure`, per-class TTLs, `confirm_types: [MX, NS, SOA]`), run by the
//! real binary against the Route 53 emulator (moto) and the Azure DNS fake. Only the two
//! endpoints and the fake's resource group are put into a copy of the config.
//!
//! plan shows identical changes for both → apply (MX/NS need --force) → re-plan is empty on
//! both → a change by hand on one provider: `drift` exits 2 naming that provider and record
//! → apply restores it → one provider fails part-way: the other is fully applied, the report
//! names exactly what did not land, and the next run converges.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value as J, json};

use crate::azure_fake::{self, AzureFake};
use crate::harness;
use crate::route53;
use crate::suite::show;

const ZONE: &str = "example.com.";

struct Setup {
    dir: tempfile::TempDir,
    fake: AzureFake,
}

impl Setup {
    fn new() -> Setup {
        let fake = AzureFake::start();
        route53::emulator(&["reset", ZONE]);
        let example = harness::repo().join("examples/dual-authoritative");
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("zones")).unwrap();
        std::fs::copy(
            example.join("zones/example.com.yaml"),
            dir.path().join("zones/example.com.yaml"),
        )
        .unwrap();
        let config = std::fs::read_to_string(example.join("config.yaml")).unwrap();
        let anchor = "    resource_group: dns-rg\n";
        assert!(config.contains(anchor), "{config}");
        let config = config.replace(
            anchor,
            &format!(
                "    resource_group: {}\n    endpoint: {}\n    authority_host: {}\n",
                azure_fake::RESOURCE_GROUP,
                fake.endpoint(),
                fake.authority_host()
            ),
        );
        std::fs::write(dir.path().join("config.yaml"), config).unwrap();
        Setup { dir, fake }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_dnsplan"));
        route53::with_aws_env(&mut c);
        c.current_dir(self.path())
            .args(args)
            .args(["--config", "config.yaml"])
            .env_remove("DNSPLAN_CONFIG")
            .env("NO_COLOR", "1")
            .env("AZURE_CLIENT_ID", azure_fake::CLIENT_ID)
            .env("AZURE_CLIENT_SECRET", azure_fake::CLIENT_SECRET)
            .env("AZURE_TENANT_ID", azure_fake::TENANT)
            .env("AZURE_SUBSCRIPTION_ID", azure_fake::SUBSCRIPTION)
            .output()
            .expect("run dnsplan")
    }

    /// `op name type` per target, from a plan in JSON.
    fn planned(&self, cmd: &str) -> (Output, BTreeMap<String, Vec<String>>) {
        let o = self.run(&[cmd, "--format", "json"]);
        let v: J = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{cmd} json: {e}\n{}", show(&o)));
        let mut out = BTreeMap::new();
        for p in v["plans"].as_array().unwrap() {
            let changes: Vec<String> = p["changes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    let name = c["name"].as_str().unwrap();
                    format!(
                        "{} {} {}",
                        c["op"].as_str().unwrap(),
                        if name.is_empty() { "@" } else { name },
                        c["type"].as_str().unwrap()
                    )
                })
                .collect();
            out.insert(p["target"].as_str().unwrap().to_string(), changes);
        }
        (o, out)
    }

    fn plan(&self) -> BTreeMap<String, Vec<String>> {
        let (o, p) = self.planned("plan");
        assert!(o.status.success(), "{}", show(&o));
        p
    }
}

fn empty_on_both() -> BTreeMap<String, Vec<String>> {
    [
        ("azure".to_string(), vec![]),
        ("route53".to_string(), vec![]),
    ]
    .into()
}

/// `label` lines of a part-way apply report (`failed:`, `applied:`, `not applied:`).
fn report_lines(stderr: &str, label: &str) -> BTreeSet<String> {
    stderr
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix(label))
        .map(|rest| {
            let rest = rest.trim_start();
            // a failure is `op name TYPE: why`
            let change: Vec<&str> = rest.splitn(4, ' ').take(3).collect();
            change.join(" ").trim_end_matches(':').to_string()
        })
        .collect()
}

#[test]
fn dual_authoritative() {
    let s = Setup::new();

    // 1. the same changes for both providers
    let first = s.plan();
    assert_eq!(first.len(), 2, "{first:?}");
    assert_eq!(first["route53"], first["azure"], "identical plans");
    assert_eq!(first["azure"].len(), 16, "{:?}", first["azure"]);
    assert!(first["azure"].iter().all(|c| c.starts_with("create ")));

    // 2. MX and NS need a person's yes; with it, both are applied
    let o = s.run(&["apply"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("MX") && err.contains("--force"), "{err}");
    assert!(s.fake.record_sets(ZONE).is_empty(), "nothing was written");
    let o = s.run(&["apply", "--force"]);
    assert!(o.status.success(), "{}", show(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for t in ["route53", "azure"] {
        assert!(
            out.contains(&format!("applied 16 changes to {ZONE} on {t}")),
            "{out}"
        );
    }

    // 3. nothing left on either
    assert_eq!(s.plan(), empty_on_both());
    let o = s.run(&["drift"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));

    // the per-class TTLs as Azure stores them
    let ttl = |name: &str, rtype: &str| -> u64 {
        s.fake
            .record_sets(ZONE)
            .into_iter()
            .find(|r| r["name"] == name && r["type"].as_str().unwrap().ends_with(rtype))
            .unwrap_or_else(|| panic!("{name} {rtype}"))["properties"]["TTL"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(
        [
            ttl("active", "/CNAME"),
            ttl("api", "/A"),
            ttl("@", "/MX"),
            ttl("_dmarc", "/TXT"),
            ttl("dev", "/NS")
        ],
        [60, 300, 3600, 3600, 86400]
    );

    // 4. a change by hand on Azure: drift names the provider and the record
    s.fake.put_record_set(
        ZONE,
        "A",
        "api",
        json!({"TTL": 300, "ARecords": [{"ipv4Address": "198.51.100.99"}]}),
    );
    let (o, drift) = s.planned("drift");
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    assert_eq!(drift["azure"], ["update api A"]);
    assert_eq!(drift["route53"], Vec::<String>::new());
    let o = s.run(&["drift"]);
    assert_eq!(o.status.code(), Some(2));
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(
        table.contains("azure") && table.contains("api") && table.contains("198.51.100.99"),
        "{table}"
    );

    // 5. apply restores it (an A record needs no --force)
    let o = s.run(&["apply"]);
    assert!(o.status.success(), "{}", show(&o));
    assert_eq!(s.plan(), empty_on_both());

    // 6. Azure fails part-way: Route 53 is fully applied, the report names what did not land
    let zone_file = s.path().join("zones/example.com.yaml");
    let mut text = std::fs::read_to_string(&zone_file).unwrap();
    text = text.replace("  value: 192.0.2.30\n", "  value: 192.0.2.32\n"); // blue
    for (name, ip) in [
        ("zeta1", "192.0.2.61"),
        ("zeta2", "192.0.2.62"),
        ("zeta3", "192.0.2.63"),
    ] {
        text.push_str(&format!("{name}:\n  ttl: 300\n  type: A\n  value: {ip}\n"));
    }
    std::fs::write(&zone_file, text).unwrap();
    let want = vec![
        "create zeta1 A".to_string(),
        "create zeta2 A".into(),
        "create zeta3 A".into(),
        "update blue A".into(),
    ];
    let before = s.plan();
    assert_eq!(before["route53"], want);
    assert_eq!(before["azure"], want);
    s.fake
        .fail_writes(ZONE, "zeta2", 500, "InternalServerError");
    let o = s.run(&["apply"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(err.contains("1 of 2 zone × target plans failed"), "{err}");
    assert!(
        err.contains(&format!("applied: {ZONE} on route53 (4 changes)")),
        "{err}"
    );
    assert!(err.contains("provider azure, zone example.com."), "{err}");
    let failed = report_lines(&err, "failed:      ");
    let applied = report_lines(&err, "applied:     ");
    let not_applied = report_lines(&err, "not applied: ");
    assert_eq!(failed, ["create zeta2 A".to_string()].into(), "{err}");
    assert!(err.contains("InternalServerError"), "{err}");
    let all: BTreeSet<String> = applied
        .iter()
        .chain(&failed)
        .chain(&not_applied)
        .cloned()
        .collect();
    assert_eq!(
        all,
        want.iter().cloned().collect(),
        "every change accounted for\n{err}"
    );
    // what the report says did not land is exactly what is left
    let after = s.plan();
    assert_eq!(
        after["route53"],
        Vec::<String>::new(),
        "Route 53 fully applied"
    );
    let left: BTreeSet<String> = after["azure"].iter().cloned().collect();
    let reported: BTreeSet<String> = failed.union(&not_applied).cloned().collect();
    assert_eq!(left, reported, "{err}");

    // 7. the provider recovers: the next run converges
    s.fake.clear_faults(ZONE);
    let o = s.run(&["apply"]);
    assert!(o.status.success(), "{}", show(&o));
    assert_eq!(s.plan(), empty_on_both());
    let o = s.run(&["drift"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
}
