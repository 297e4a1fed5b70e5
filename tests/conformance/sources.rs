//! Sources other than YAML files: a BIND zone file kept in git, tinydns data, and their merge
//! with YAML sources. The zone-file case is compared with the real octoDNS 1.22 and
//! octodns-bind 1.1.0's `ZoneFileSource` on the same file into a YAML target.

use std::path::Path;
use std::process::Command;

use serde_json::Value as J;

use crate::harness;
use crate::suite::{changes, show};

fn run(root: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dnsplan"))
        .current_dir(root)
        .args(args)
        .env_remove("DNSPLAN_CONFIG")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn load(path: &Path) -> J {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file: std::sync::Arc<str> = std::sync::Arc::from(path.display().to_string());
    let loaded = dnsplan::yaml::load_str(
        &text,
        &file,
        dnsplan::yaml::LoadOptions {
            order: dnsplan::yaml::KeyOrder::Any,
            includes: false,
        },
    );
    loaded.root.expect("YAML").to_json()
}

fn config(sources: &str, out: &str, extra_providers: &str) -> String {
    format!(
        "providers:\n  bind:\n    class: octodns_bind.ZoneFileSource\n    directory: ./bind\n  \
         config:\n    class: octodns.provider.yaml.YamlProvider\n    directory: ./zones\n  \
         out:\n    class: octodns.provider.yaml.YamlProvider\n    directory: ./{out}\n{extra_providers}\
         zones:\n  example.com.:\n    sources: [{sources}]\n    targets: [out]\n"
    )
}

fn project() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("bind")).unwrap();
    std::fs::create_dir_all(root.path().join("zones")).unwrap();
    std::fs::copy(
        harness::repo().join("tests/fixtures/bind/example.com."),
        root.path().join("bind/example.com."),
    )
    .unwrap();
    root
}

/// A zone file in git planned into YAML: the same data as octoDNS with octodns-bind's
/// ZoneFileSource writes, and a re-plan after the apply shows nothing.
#[test]
fn a_zone_file_source_plans_as_octodns_does() {
    let root = project();
    std::fs::write(root.path().join("ours.yaml"), config("bind", "ours", "")).unwrap();
    std::fs::write(root.path().join("octo.yaml"), config("bind", "octo", "")).unwrap();
    let o = run(root.path(), &["apply", "--config", "ours.yaml", "--force"]);
    assert!(o.status.success(), "{}", show(&o));
    let o = run(
        root.path(),
        &["plan", "--config", "ours.yaml", "--format", "json"],
    );
    assert!(o.status.success(), "{}", show(&o));
    assert_eq!(
        changes(&serde_json::from_slice(&o.stdout).unwrap()),
        Vec::<String>::new()
    );

    let venv = harness::venv();
    let o = Command::new(venv.join("bin/octodns-sync"))
        .current_dir(root.path())
        .args(["--config-file", "octo.yaml", "--doit"])
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "octodns-sync from {} (scripts/test installs octodns-bind): {e}",
                venv.display()
            )
        });
    assert!(o.status.success(), "octodns-sync:\n{}", show(&o));
    let (ours, octo) = (
        load(&root.path().join("ours/example.com.yaml")),
        load(&root.path().join("octo/example.com.yaml")),
    );
    assert_eq!(ours, octo, "ours {ours:#}\noctoDNS {octo:#}");
    assert_eq!(
        ours["long"]["value"],
        "part one of a long text record that goes on and on and part two"
    );
    assert_eq!(ours["ftp"]["value"], "www.example.com.");
}

/// Sources merge in order; a record two sources both define is an error naming both.
#[test]
fn sources_merge_and_a_record_in_two_of_them_is_refused() {
    let root = project();
    std::fs::write(
        root.path().join("zones/example.com.yaml"),
        "---\nextra:\n  type: A\n  value: 192.0.2.200\n",
    )
    .unwrap();
    std::fs::write(
        root.path().join("c.yaml"),
        config("config, bind", "out", ""),
    )
    .unwrap();
    let o = run(root.path(), &["apply", "--config", "c.yaml", "--force"]);
    assert!(o.status.success(), "{}", show(&o));
    let out = load(&root.path().join("out/example.com.yaml"));
    assert_eq!(out["extra"]["value"], "192.0.2.200");
    assert_eq!(out["sip"]["value"], "192.0.2.60");

    std::fs::write(
        root.path().join("zones/example.com.yaml"),
        "---\nsip:\n  type: A\n  value: 192.0.2.61\n",
    )
    .unwrap();
    let o = run(root.path(), &["plan", "--config", "c.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let all = show(&o);
    assert!(
        all.contains(
            "Duplicate record sip.example.com., type A: source bind has it, and so does config at"
        ),
        "{all}"
    );
    assert!(all.contains("example.com.yaml:2"), "{all}");
}

/// tinydns data as a zone's source, planned into YAML.
#[test]
fn tinydns_data_as_a_source() {
    let root = project();
    std::fs::create_dir_all(root.path().join("tinydns")).unwrap();
    std::fs::copy(
        harness::repo().join("tests/fixtures/tinydns/data"),
        root.path().join("tinydns/data"),
    )
    .unwrap();
    let extra = "  tinydns:\n    class: octodns.source.tinydns.TinyDnsFileSource\n    directory: ./tinydns\n";
    std::fs::write(root.path().join("c.yaml"), config("tinydns", "out", extra)).unwrap();
    let o = run(root.path(), &["apply", "--config", "c.yaml", "--force"]);
    assert!(o.status.success(), "{}", show(&o));
    let o = run(
        root.path(),
        &["plan", "--config", "c.yaml", "--format", "json"],
    );
    assert_eq!(
        changes(&serde_json::from_slice(&o.stdout).unwrap()),
        Vec::<String>::new()
    );
    let out = load(&root.path().join("out/example.com.yaml"));
    assert_eq!(
        out["www"]["values"],
        serde_json::json!(["192.0.2.10", "192.0.2.11"])
    );
}

/// A live provider as a zone's source (a sync or a migration from it): what DigitalOcean (its
/// fake) holds is planned into YAML, and its own records (SOA) stay behind.
#[test]
fn a_live_provider_as_a_source() {
    let fake = crate::digitalocean_fake::DigitalOceanFake::start();
    let zone = "example.com.";
    fake.create_zone(zone);
    fake.add_record(
        zone,
        serde_json::json!({"type": "A", "name": "www", "data": "192.0.2.10", "ttl": 300}),
    );
    fake.add_record(zone, serde_json::json!({"type": "MX", "name": "@", "data": "mail.example.com.", "priority": 10, "ttl": 3600}));
    let root = project();
    let extra = format!(
        "  do:\n    class: octodns_digitalocean.DigitalOceanProvider\n    token: env/DO_TOKEN\n    api_url: {}\n",
        fake.api_url()
    );
    std::fs::write(root.path().join("c.yaml"), config("do", "out", &extra)).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_dnsplan"))
        .current_dir(root.path())
        .args(["apply", "--config", "c.yaml", "--force"])
        .env("DO_TOKEN", crate::digitalocean_fake::DO_TOKEN)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", show(&o));
    let out = load(&root.path().join("out/example.com.yaml"));
    assert_eq!(out["www"]["value"], "192.0.2.10");
    assert_eq!(out["www"]["ttl"], 300);
    assert_eq!(
        out[""][0]["value"]["exchange"], "mail.example.com.",
        "{out:#}"
    );
    assert_eq!(out[""][1]["values"][0], "ns1.digitalocean.com.", "{out:#}");
}
