//! tinydns data as a source: `dnsplan dump` and the real octoDNS 1.22's `octodns-dump` read
//! the same real-shaped data file (`tests/fixtures/tinydns/data`) through
//! `TinyDnsFileSource`, for a forward and a reverse zone, and must write the same YAML.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value as J;

use crate::harness;
use crate::suite::show;

fn config(root: &Path) -> String {
    format!(
        "providers:\n  tinydns:\n    class: octodns.source.tinydns.TinyDnsFileSource\n    \
         directory: '{}'\n    default_ttl: 3600\nzones:\n  example.com.:\n    sources: [tinydns]\n    \
         targets: []\n  2.0.192.in-addr.arpa.:\n    sources: [tinydns]\n    targets: []\n",
        root.join("data").display()
    )
}

fn load(dir: &Path) -> BTreeMap<String, J> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap();
        let file: std::sync::Arc<str> = std::sync::Arc::from(p.display().to_string());
        let loaded = dnsplan::yaml::load_str(
            &text,
            &file,
            dnsplan::yaml::LoadOptions {
                order: dnsplan::yaml::KeyOrder::Any,
                includes: false,
            },
        );
        out.insert(
            p.file_name().unwrap().to_string_lossy().to_string(),
            loaded.root.expect("YAML").to_json(),
        );
    }
    out
}

#[test]
fn dnsplan_reads_tinydns_data_as_octodns_does() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("data")).unwrap();
    std::fs::copy(
        harness::repo().join("tests/fixtures/tinydns/data"),
        root.path().join("data/data"),
    )
    .unwrap();
    std::fs::write(root.path().join("config.yaml"), config(root.path())).unwrap();
    for zone in ["example.com.", "2.0.192.in-addr.arpa."] {
        let o = Command::new(env!("CARGO_BIN_EXE_dnsplan"))
            .current_dir(root.path())
            .args([
                "dump",
                "--config",
                "config.yaml",
                "--output-dir",
                "ours",
                zone,
                "tinydns",
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "dnsplan dump {zone}:\n{}", show(&o));
        let venv = harness::venv();
        let o = Command::new(venv.join("bin/octodns-dump"))
            .current_dir(root.path())
            .args([
                "--config-file",
                "config.yaml",
                "--output-dir",
                "octo",
                zone,
                "tinydns",
            ])
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "octodns-dump from {} (scripts/test installs it): {e}",
                    venv.display()
                )
            });
        assert!(o.status.success(), "octodns-dump {zone}:\n{}", show(&o));
    }
    let (ours, octo) = (
        load(&root.path().join("ours")),
        load(&root.path().join("octo")),
    );
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        octo.keys().collect::<Vec<_>>()
    );
    for (file, want) in &octo {
        assert_eq!(
            &ours[file], want,
            "{file}:\nours {:#}\noctoDNS {want:#}",
            ours[file]
        );
    }
    // and it is what the data says
    let z = &ours["example.com.yaml"];
    assert_eq!(
        z["www"]["values"],
        serde_json::json!(["192.0.2.10", "192.0.2.11"])
    );
    assert_eq!(z["quoted"]["value"], "say \"hi\" \\ ok");
}

#[test]
fn a_line_it_cannot_read_is_named_with_its_file_and_line() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("data")).unwrap();
    std::fs::write(
        root.path().join("data/data"),
        "+ok.example.com:192.0.2.1\n+bad.example.com:192.0.2.300\n",
    )
    .unwrap();
    std::fs::write(root.path().join("config.yaml"), config(root.path())).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_dnsplan"))
        .current_dir(root.path())
        .args([
            "dump",
            "--config",
            "config.yaml",
            "--output-dir",
            "ours",
            "example.com.",
            "tinydns",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(show(&o).contains("data/data:2: "), "{}", show(&o));
}
