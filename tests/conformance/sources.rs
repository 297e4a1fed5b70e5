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

    // `validate` contacts no provider: it says the zone's rules wait for the plan
    let o = Command::new(env!("CARGO_BIN_EXE_dnsplan"))
        .current_dir(root.path())
        .args(["validate", "--config", "c.yaml", "--format", "json"])
        .env("DO_TOKEN", "not-even-valid")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", show(&o));
    let doc: J = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["warnings"], 1, "{doc:#}");
    assert_eq!(
        doc["diagnostics"][0]["rule"], "zone-rules-skipped",
        "{doc:#}"
    );
    assert!(
        doc["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("so do was not read"),
        "{doc:#}"
    );
}

const FP1: &str = "0123456789abcdef0123456789abcdef01234567";

/// A zone file with problems octoDNS's record and zone rules refuse, each on its own line
/// (and one in an `$INCLUDE`d file), for `zone_file_records_are_checked_at_their_lines`.
fn bad_zone_file() -> String {
    format!(
        "; example.org, with problems\n\
         $ORIGIN example.org.\n\
         $TTL 3600\n\
         @ IN SOA ns1.example.org. hostmaster.example.org. ( 1 7200 3600\n\
         \x20       1209600 300 )\n\
         \x20 IN NS ns1.example.org.\n\
         ns1 IN A 192.0.2.1\n\
         host IN SSHFP 1 1 {FP1}\n\
         \x20    IN SSHFP 9 1 {FP1}\n\
         sip IN SRV 10 20 5060 sip.example.org.\n\
         www IN A 192.0.2.10\n\
         www IN CNAME other.example.net.\n\
         $INCLUDE extra.inc\n"
    )
}

/// Each octoDNS rule reports the line of the record in the zone file — a value on the line it
/// was read from, a record in an `$INCLUDE`d file in that file —, in `validate` (text, JSON,
/// GitHub annotations) as in `plan`; octoDNS (octodns-bind's ZoneFileSource) refuses each of
/// these records with the same words when it plans (its `octodns-validate` reads YAML sources
/// only; `dnsplan validate` reads local files too).
#[test]
fn zone_file_records_are_checked_at_their_lines() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    std::fs::create_dir_all(dir.join("bind")).unwrap();
    std::fs::create_dir_all(dir.join("zones")).unwrap();
    std::fs::write(dir.join("bind/example.org."), bad_zone_file()).unwrap();
    std::fs::write(
        dir.join("bind/extra.inc"),
        "; kept apart\nx.sub IN A 192.0.2.99\n",
    )
    .unwrap();
    std::fs::write(dir.join("zones/sub.example.org.yaml"), "--- {}\n").unwrap();
    let cfg = "providers:\n  bind:\n    class: octodns_bind.ZoneFileSource\n    directory: ./bind\n  \
               config:\n    class: octodns.provider.yaml.YamlProvider\n    directory: ./zones\n  \
               out:\n    class: octodns.provider.yaml.YamlProvider\n    directory: ./out\n\
               zones:\n  example.org.:\n    sources: [bind]\n    targets: [out]\n  \
               sub.example.org.:\n    sources: [config]\n    targets: [out]\n";
    std::fs::write(dir.join("c.yaml"), cfg).unwrap();

    let o = run(dir, &["validate", "--config", "c.yaml", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let doc: J = serde_json::from_slice(&o.stdout).unwrap();
    let got: Vec<(String, u64, String, String)> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["rule"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let find = |rule: &str| {
        got.iter()
            .find(|g| g.2 == rule)
            .unwrap_or_else(|| panic!("no {rule} in {got:#?}"))
            .clone()
    };
    // the second SSHFP value, on line 9, not the record's first line
    let sshfp = find("sshfp-value");
    assert_eq!((&*sshfp.0, sshfp.1), ("bind/example.org.", 9), "{got:#?}");
    assert_eq!(sshfp.3, "unrecognized algorithm \"9\"");
    let srv = find("srv-name");
    assert_eq!((&*srv.0, srv.1), ("bind/example.org.", 10), "{got:#?}");
    let cname = find("cname-coexistence");
    assert_eq!(&*cname.0, "bind/example.org.", "{got:#?}");
    assert!(matches!(cname.1, 11 | 12), "{got:#?}");
    let sub = find("subzone");
    assert_eq!((&*sub.0, sub.1), ("bind/extra.inc", 2), "{got:#?}");
    assert_eq!(
        sub.3,
        "Record x.sub.example.org. is under a managed subzone"
    );
    assert_eq!(doc["errors"], 4, "{got:#?}");

    // GitHub annotations point at the same lines
    let o = run(
        dir,
        &["validate", "--config", "c.yaml", "--format", "github"],
    );
    let gh = String::from_utf8_lossy(&o.stdout);
    assert!(
        gh.contains("::error file=bind/example.org.,line=9,")
            && gh.contains("unrecognized algorithm"),
        "{gh}"
    );
    assert!(gh.contains("::error file=bind/extra.inc,line=2,"), "{gh}");
    // the text output quotes the zone file's line
    let o = run(dir, &["validate", "--config", "c.yaml"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains(&format!("IN SSHFP 9 1 {FP1}")), "{text}");
    // planning refuses the same, before reading any target
    let o = run(dir, &["plan", "--config", "c.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let all = show(&o);
    assert!(all.contains("bind/example.org.:9"), "{all}");
    assert!(!dir.join("out").exists());

    // octoDNS refuses each record with the same words (it stops at the first, so one at a time)
    let venv = harness::venv();
    let octo_cfg = "providers:\n  bind:\n    class: octodns_bind.ZoneFileSource\n    directory: ./one\n  \
                    out:\n    class: octodns.provider.yaml.YamlProvider\n    directory: ./octo\n\
                    zones:\n  example.org.:\n    sources: [bind]\n    targets: [out]\n";
    std::fs::write(dir.join("octo.yaml"), octo_cfg).unwrap();
    std::fs::create_dir_all(dir.join("one")).unwrap();
    let head = "$ORIGIN example.org.\n$TTL 3600\n@ IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 300\n  IN NS ns1.example.org.\nns1 IN A 192.0.2.1\n";
    // (dnspython already refuses a CNAME beside other data while octodns-bind parses, in
    // its own words; octoDNS's rules see the other two)
    let coexist = "CNAME rdataset is not compatible with a regular data node".to_string();
    for (line, theirs) in [
        (format!("host IN SSHFP 9 1 {FP1}\n"), &sshfp.3),
        (
            "sip IN SRV 10 20 5060 sip.example.org.\n".to_string(),
            &srv.3,
        ),
        (
            "www IN A 192.0.2.10\nwww IN CNAME other.example.net.\n".to_string(),
            &coexist,
        ),
    ] {
        std::fs::write(dir.join("one/example.org."), format!("{head}{line}")).unwrap();
        // octodns-validate reads YAML sources only; octodns-sync's plan reads the zone file
        let o = Command::new(venv.join("bin/octodns-sync"))
            .current_dir(dir)
            .args(["--config-file", "octo.yaml"])
            .output()
            .unwrap_or_else(|e| panic!("octodns-sync from {}: {e}", venv.display()));
        let all = show(&o);
        assert!(!o.status.success(), "octoDNS accepted {line}:\n{all}");
        assert!(
            all.contains(theirs.as_str()),
            "octoDNS on {line}: {all}\nexpected: {theirs}"
        );
    }
}

/// A source file that does not parse is a problem of its file and line, in `validate` and in
/// `plan`, like a YAML syntax error: a zone file (the line inside an `$INCLUDE`d file) and
/// tinydns data.
#[test]
fn a_source_file_that_does_not_parse_is_a_problem_of_its_line() {
    let root = project();
    let dir = root.path();
    std::fs::write(
        dir.join("bind/example.com."),
        "$TTL 3600\n@ SOA ns1.example.com. h.example.com. 1 2 3 4 5\n  NS ns1.example.com.\n$INCLUDE more.inc\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("bind/more.inc"),
        "www A 192.0.2.1\nftp 3x A 192.0.2.2\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("tinydns")).unwrap();
    std::fs::write(
        dir.join("tinydns/data"),
        "+www.example.net:192.0.2.1\n+ftp.example.net:nope\n",
    )
    .unwrap();
    let extra = "  tinydns:\n    class: octodns.source.tinydns.TinyDnsFileSource\n    directory: ./tinydns\n";
    let cfg = config("bind", "out", extra)
        + "  example.net.:\n    sources: [tinydns]\n    targets: [out]\n";
    std::fs::write(dir.join("c.yaml"), cfg).unwrap();
    for args in [
        &["validate", "--config", "c.yaml", "--format", "github"][..],
        &["plan", "--config", "c.yaml"][..],
    ] {
        let o = run(dir, args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", show(&o));
        let all = show(&o);
        for want in ["bind/more.inc", "tinydns/data"] {
            assert!(all.contains(want), "{args:?}: {want} in {all}");
        }
        if args[0] == "validate" {
            assert!(
                all.contains("::error file=bind/more.inc,line=2,") && all.contains("bad TTL"),
                "{all}"
            );
            assert!(all.contains("$INCLUDE from bind/example.com.:4"), "{all}");
            assert!(all.contains("::error file=tinydns/data,line=2,"), "{all}");
        }
    }
    assert!(!dir.join("out").exists());
}

/// A zone file source without the zone's file is an error (octodns-bind's
/// `ZoneFileSourceNotFound`), not an empty zone: a misspelt name must not plan the deletion of
/// every record on the targets.
#[test]
fn a_missing_zone_file_is_an_error_not_an_empty_zone() {
    let root = project();
    std::fs::remove_file(root.path().join("bind/example.com.")).unwrap();
    std::fs::write(root.path().join("bind/exmaple.com."), "").unwrap();
    std::fs::write(root.path().join("c.yaml"), config("bind", "out", "")).unwrap();
    for cmd in ["validate", "plan"] {
        let o = run(root.path(), &[cmd, "--config", "c.yaml"]);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {}", show(&o));
        let all = show(&o);
        assert!(
            all.contains(
                "no zone file for example.com. (source bind): bind/example.com. does not exist"
            ),
            "{cmd}: {all}"
        );
    }
    assert!(!root.path().join("out").exists());
}
