//! `dnsplan verify` against real servers: after `apply` to every target the answers match
//! git; a change behind dnsplan's back is named (record, server, both answers); targets that
//! disagree are named as a pair; a server that does not answer is reported.

use std::net::SocketAddr;
use std::process::{Command, Output};

use serde_json::Value as J;

use crate::suite::{Target, show};

const ZONE: &str = "verify.conformance.test.";

const ZONE_YAML: &str = "---
'':
- type: MX
  value: {exchange: mx.verify.conformance.test., preference: 10}
- type: TXT
  values: ['v=spf1 -all', 'k=rsa\\; p=abc']
'*.wild':
  type: A
  value: 192.0.2.9
_sip._tcp:
  type: SRV
  value: {port: 5060, priority: 10, target: sip.verify.conformance.test., weight: 20}
alias:
  type: CNAME
  value: www.verify.conformance.test.
delegated:
  type: NS
  values: [ns1.example.net., ns2.example.net.]
mx:
  type: A
  value: 192.0.2.25
www:
  ttl: 300
  type: A
  values: [192.0.2.1, 192.0.2.2]
";

/// Records in ZONE_YAML, each asked of every server.
const RECORDS: usize = 8;

/// A project with one source and every target of `targets`, named by their `name`.
struct Multi {
    dir: tempfile::TempDir,
    zone: String,
    env: Vec<(String, String)>,
    dns: Vec<(String, SocketAddr)>,
}

impl Multi {
    fn new(targets: &[Target]) -> Multi {
        Multi::with_zone(targets, ZONE, ZONE_YAML)
    }

    fn with_zone(targets: &[Target], zone: &str, yaml: &str) -> Multi {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("zones")).unwrap();
        std::fs::write(dir.path().join("zones").join(format!("{zone}yaml")), yaml).unwrap();
        let mut cfg = format!(
            "providers:\n  config:\n    class: octodns.provider.yaml.YamlProvider\n    directory: '{}'\n    enforce_order: false\n",
            dir.path().join("zones").display()
        );
        let mut env = Vec::new();
        let mut dns = Vec::new();
        for t in targets {
            (t.reset)(zone);
            cfg.push_str(&format!("  {}:\n", t.name));
            for (k, v) in &t.settings {
                cfg.push_str(&format!("    {k}: {v}\n"));
            }
            env.extend(t.env.iter().cloned());
            dns.push((t.name.clone(), t.dns.expect("a target that serves DNS")));
        }
        let names: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
        cfg.push_str(&format!(
            "zones:\n  {zone}:\n    sources: [config]\n    targets: [{}]\n",
            names.join(", ")
        ));
        std::fs::write(dir.path().join("config.yaml"), cfg).unwrap();
        Multi {
            dir,
            zone: zone.to_string(),
            env,
            dns,
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_env(args, &[])
    }

    fn run_env(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
        self.command(env!("CARGO_BIN_EXE_dnsplan"), args, extra_env)
    }

    /// Another program (that runs dnsplan) in the project, with its environment.
    fn run_program(&self, program: &str, args: &[&str]) -> Output {
        self.command(program, args, &[])
    }

    fn command(&self, program: &str, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
        let mut c = Command::new(program);
        c.current_dir(self.dir.path())
            .args(args)
            .env_remove("DNSPLAN_CONFIG")
            .env_remove("COLUMNS")
            .env("NO_COLOR", "1");
        for (k, v) in extra_env {
            c.env(k, v);
        }
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c.output()
            .unwrap_or_else(|e| panic!("run {program} (util-linux's script for a pty): {e}"))
    }

    /// `dnsplan report` of the zone asking every server (`COLUMNS=100`), plus `extra`; its
    /// stdout.
    fn report(&self, extra: &[&str]) -> String {
        let mut args: Vec<String> = ["report", "--config", "config.yaml", "--zone", &self.zone]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.extend(self.dns.iter().map(|(_, a)| a.to_string()));
        args.extend(extra.iter().map(|s| s.to_string()));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = self.run_env(&refs, &[("COLUMNS", "100")]);
        assert!(o.status.success(), "report:\n{}", show(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// `--nameservers target=addr` for every target, plus `extra`.
    fn verify(&self, extra: &[String]) -> (i32, J, Output) {
        let mut args: Vec<String> = [
            "verify",
            "--config",
            "config.yaml",
            "--format",
            "json",
            "--timeout",
            "1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.push("--nameservers".into());
        for (t, a) in &self.dns {
            args.push(format!("{t}={a}"));
        }
        args.extend(extra.iter().cloned());
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = self.run(&refs);
        let v: J = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("verify json: {e}\n{}", show(&o)));
        (o.status.code().unwrap_or(-1), v, o)
    }
}

/// Everything `verify` must show, against the given targets (at least one).
pub fn verify_targets(targets: &[Target], change_behind_back: impl Fn(&str, &str, &[&str])) {
    let m = Multi::new(targets);
    let o = m.run(&["apply", "--config", "config.yaml", "--force"]);
    assert!(o.status.success(), "apply:\n{}", show(&o));

    let (code, v, o) = m.verify(&[]);
    assert_eq!(code, 0, "verify after apply:\n{}", show(&o));
    assert_eq!(v["ok"], true);
    assert_eq!(v["findings"], J::Array(vec![]));
    // every record asked of each target's one server
    assert_eq!(v["checked"], RECORDS * targets.len());

    // behind dnsplan's back on the first target: www gets another address
    let (first, first_addr) = m.dns[0].clone();
    change_behind_back(ZONE, "www", &["192.0.2.1", "192.0.2.66"]);
    let (code, v, o) = m.verify(&[]);
    assert_eq!(
        code,
        2,
        "verify after a change behind our back:\n{}",
        show(&o)
    );
    let findings = v["findings"].as_array().unwrap();
    let differs: Vec<&J> = findings.iter().filter(|f| f["kind"] == "differs").collect();
    assert_eq!(differs.len(), 1, "{v:#}");
    let d = differs[0];
    assert_eq!(d["name"], "www");
    assert_eq!(d["type"], "A");
    assert_eq!(d["target"], first.as_str());
    assert_eq!(d["server"], first_addr.to_string());
    assert_eq!(d["want"], serde_json::json!(["192.0.2.1", "192.0.2.2"]));
    assert_eq!(d["got"], serde_json::json!(["192.0.2.1", "192.0.2.66"]));
    assert_eq!(d["reason"], "missing 192.0.2.2; unexpected 192.0.2.66");
    let disagree: Vec<&J> = findings
        .iter()
        .filter(|f| f["kind"] == "disagree")
        .collect();
    assert_eq!(disagree.len(), targets.len() - 1, "{v:#}");
    for x in disagree {
        assert_eq!(x["name"], "www");
    }
    // the table names the same
    let o = m.run(&[
        "verify",
        "--config",
        "config.yaml",
        "--nameservers",
        &format!("{first}={first_addr}"),
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    assert!(text.contains("www A "), "{text}");
    assert!(text.contains("(verify.conformance.test.)"), "{text}");
    assert!(
        text.contains("- 192.0.2.2"),
        "git's value the server lacks: {text}"
    );
    assert!(
        text.contains("+ 192.0.2.66"),
        "the server's value git lacks: {text}"
    );

    // `dnsplan report`: each record's answers from every server, consistent or not
    let csv = m.report(&[]);
    let lines: Vec<&str> = csv.lines().collect();
    let servers: Vec<String> = m.dns.iter().map(|(_, a)| a.to_string()).collect();
    assert_eq!(
        lines[0],
        format!("Name,Type,TTL,{},Consistent", servers.join(","))
    );
    assert_eq!(lines.len(), RECORDS + 1, "{csv}");
    let mut www = vec![
        "www".to_string(),
        "A".into(),
        "300".into(),
        "192.0.2.1 192.0.2.66".into(),
    ];
    www.extend((1..targets.len()).map(|_| "192.0.2.1 192.0.2.2".to_string()));
    www.push(if targets.len() > 1 { "False" } else { "True" }.into());
    assert!(lines.contains(&www.join(",").as_str()), "{csv}");
    let mut mx = vec!["mx".to_string(), "A".into(), "3600".into()];
    mx.extend(servers.iter().map(|_| "192.0.2.25".to_string()));
    mx.push("True".into());
    assert!(lines.contains(&mx.join(",").as_str()), "{csv}");

    // a server that does not answer is reported, the others still checked
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let dead = silent.local_addr().unwrap();
    let (code, v, _) = m.verify(&[format!("{first}={dead}")]);
    assert_eq!(code, 2);
    let no_answer = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "no_answer" && f["server"] == dead.to_string())
        .count();
    assert_eq!(no_answer, RECORDS, "{v:#}");
    assert_eq!(v["checked"], RECORDS * (targets.len() + 1));
}

/// BIND, PowerDNS and Knot side by side; the change behind dnsplan's back is an nsupdate by
/// hand on BIND, so both other servers disagree with it.
#[test]
fn verify_bind_powerdns_knot() {
    let bind = crate::rfc2136::bind();
    let targets = [
        bind.clone(),
        crate::powerdns::target(),
        crate::rfc2136::knot(),
    ];
    verify_targets(&targets, |zone, name, ips| {
        let fqdn = format!("{name}.{zone}");
        let mut lines = vec![format!("update delete {fqdn} A")];
        lines.extend(ips.iter().map(|ip| format!("update add {fqdn} 300 A {ip}")));
        crate::rfc2136::nsupdate(&bind, zone, &lines);
    });
}

const ALL: &str = "verifyall.conformance.test.";

/// The TXT lengths and contents `verify` must find equal after apply, beside every type.
fn txt_records() -> String {
    let a = |n: usize| "a".repeat(n);
    let mut y = String::new();
    for n in [0usize, 255, 256, 300, 511, 2048] {
        y.push_str(&format!("len{n}:\n  type: TXT\n  value: {}\n", sq(&a(n))));
    }
    for (name, v) in [
        ("quotes", r#"say "hello" to "them""#),
        (
            "semicolons",
            r"v=DKIM1\; k=rsa\; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ",
        ),
        ("mixed", r#"a\;b "c\;" d\e"#),
    ] {
        y.push_str(&format!("{name}:\n  type: TXT\n  value: {}\n", sq(v)));
    }
    y
}

fn sq(s: &str) -> String {
    crate::cases::sq(s)
}

/// `verify` on every record type of the conformance suite and TXT of 0…2,048 octets, on
/// BIND, Knot and PowerDNS at once: clean after apply, still clean when BIND's copy of a
/// long TXT is split differently (same octets), then naming exactly the record changed by
/// hand (values) and the one whose TTL changed (TTL only); tables no wider than `COLUMNS`.
#[test]
fn verify_every_type_and_txt_length_on_three_servers() {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/conformance/types/1.yaml");
    let yaml = std::fs::read_to_string(fixture).unwrap() + &txt_records();
    let bind = crate::rfc2136::bind();
    let targets = [
        bind.clone(),
        crate::powerdns::target(),
        crate::rfc2136::knot(),
    ];
    let m = Multi::with_zone(&targets, ALL, &yaml);
    let o = m.run(&["apply", "--config", "config.yaml", "--force"]);
    assert!(o.status.success(), "apply:\n{}", show(&o));
    let o = m.run(&["plan", "--config", "config.yaml"]);
    assert_eq!(o.status.code(), Some(0), "re-plan is empty:\n{}", show(&o));

    let (code, v, o) = m.verify(&[]);
    assert_eq!(code, 0, "verify after apply:\n{}", show(&o));
    assert_eq!(v["findings"], J::Array(vec![]), "{v:#}");
    // every record of the fixture (two below/at the delegation: NS as a referral, DS) and
    // the nine TXT, on each of the three servers
    let asked = yaml
        .lines()
        .filter(|l| {
            l.trim_start()
                .trim_start_matches("- ")
                .starts_with("type: ")
        })
        .count();
    assert_eq!(v["checked"], asked * targets.len(), "{v:#}");

    // each server's copy of a long TXT split by hand into other character-strings (the same
    // octets): BIND's 300 as 100 + 200, Knot's 511 as 200 + 200 + 111, PowerDNS's 256 as
    // 56 + 200; no finding, and `report` calls them consistent
    let fqdn = |n: &str| format!("{n}.{ALL}");
    let split = |name: &str, sizes: &[usize]| -> String {
        let strings: Vec<String> = sizes
            .iter()
            .map(|n| format!("\"{}\"", "a".repeat(*n)))
            .collect();
        format!("update add {} 3600 TXT {}", fqdn(name), strings.join(" "))
    };
    let replace = |name: &str, sizes: &[usize]| {
        vec![
            format!("update delete {} TXT", fqdn(name)),
            split(name, sizes),
        ]
    };
    crate::rfc2136::nsupdate(&bind, ALL, &replace("len300", &[100, 200]));
    crate::rfc2136::nsupdate(&targets[2], ALL, &replace("len511", &[200, 200, 111]));
    let content = format!("\"{}\" \"{}\"", "a".repeat(56), "a".repeat(200));
    let (status, body) = crate::powerdns::api(
        "PATCH",
        &format!("zones/{ALL}"),
        Some(serde_json::json!({"rrsets": [{
            "name": fqdn("len256"), "type": "TXT", "ttl": 3600, "changetype": "REPLACE",
            "records": [{"content": content, "disabled": false}]}]})),
    );
    assert_eq!(status, 204, "{body}");
    // each server does serve its own split (so the check below is not vacuous)
    for (i, name, sizes) in [
        (0, "len300", vec![100usize, 200]),
        (1, "len256", vec![56, 200]),
        (2, "len511", vec![200, 200, 111]),
    ] {
        let a = crate::dns::Resolver::new(m.dns[i].1).query(&fqdn(name), 16);
        let rdata = &a.answers.first().expect("the TXT is served").rdata;
        let mut got = Vec::new();
        let mut p = 0;
        while p < rdata.len() {
            got.push(rdata[p] as usize);
            p += 1 + rdata[p] as usize;
        }
        assert_eq!(got, sizes, "{name} on {}", m.dns[i].0);
    }
    let o = m.run(&["plan", "--config", "config.yaml"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "the split is no change to plan either:\n{}",
        show(&o)
    );
    let (code, v, o) = m.verify(&[]);
    assert_eq!(code, 0, "a different split is the same TXT:\n{}", show(&o));
    assert_eq!(v["findings"], J::Array(vec![]), "{v:#}");
    let csv = m.report(&[]);
    for name in ["len256", "len300", "len511"] {
        let line = csv
            .lines()
            .find(|l| l.starts_with(&format!("{name},")))
            .unwrap_or_else(|| panic!("{name} in\n{csv}"));
        assert!(line.ends_with(",True"), "{line}");
    }

    // one value changed by hand on BIND (the last octet of the 2,048-octet TXT): that record
    // only, on BIND only, and BIND against each of the others
    let mut changed = "a".repeat(2047);
    changed.push('b');
    let strings: Vec<String> = changed
        .as_bytes()
        .chunks(255)
        .map(|c| format!("\"{}\"", String::from_utf8_lossy(c)))
        .collect();
    crate::rfc2136::nsupdate(
        &bind,
        ALL,
        &[
            format!("update delete {} TXT", fqdn("len2048")),
            format!(
                "update add {} 3600 TXT {}",
                fqdn("len2048"),
                strings.join(" ")
            ),
        ],
    );
    let named = |fs: &[&J]| -> Vec<String> {
        fs.iter()
            .map(|f| {
                format!(
                    "{} {} {}",
                    f["kind"].as_str().unwrap(),
                    f["name"].as_str().unwrap(),
                    f["type"].as_str().unwrap()
                )
            })
            .collect()
    };
    let (code, v, o) = m.verify(&[]);
    assert_eq!(code, 2, "{}", show(&o));
    let findings: Vec<&J> = v["findings"].as_array().unwrap().iter().collect();
    assert_eq!(
        named(&findings),
        [
            "differs len2048 TXT",
            "disagree len2048 TXT",
            "disagree len2048 TXT"
        ],
        "that record and nothing else: {v:#}"
    );
    let d = findings[0];
    assert_eq!(
        (&d["target"], &d["server"]),
        (&J::from("bind"), &J::from(m.dns[0].1.to_string()))
    );
    let full = |s: &str| {
        s.as_bytes()
            .chunks(255)
            .map(|c| format!("\"{}\"", String::from_utf8_lossy(c)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(d["want"], serde_json::json!([full(&"a".repeat(2048))]));
    assert_eq!(
        d["got"],
        serde_json::json!([full(&changed)]),
        "JSON has it all"
    );
    assert_eq!(d["missing"], d["want"]);
    assert_eq!(d["unexpected"], d["got"]);
    for x in &findings[1..] {
        assert_eq!(x["a"], "bind", "{x:#}");
    }

    // and a TTL changed by hand: its own finding, not a value difference
    crate::rfc2136::nsupdate(
        &bind,
        ALL,
        &[
            format!("update delete {} A", fqdn("a")),
            format!("update add {} 60 A 192.0.2.1", fqdn("a")),
            format!("update add {} 60 A 192.0.2.2", fqdn("a")),
            format!("update add {} 60 A 192.0.2.3", fqdn("a")),
        ],
    );
    let (code, v, o) = m.verify(&[]);
    assert_eq!(code, 2, "{}", show(&o));
    let findings: Vec<&J> = v["findings"].as_array().unwrap().iter().collect();
    let ttl: Vec<&J> = findings
        .iter()
        .copied()
        .filter(|f| f["kind"] == "ttl")
        .collect();
    assert_eq!(named(&ttl), ["ttl a A"], "{v:#}");
    assert_eq!(
        (ttl[0]["want_ttl"].as_u64(), ttl[0]["got_ttl"].as_u64()),
        (Some(3600), Some(60))
    );
    assert_eq!(findings.len(), 4, "the TTL is no value difference: {v:#}");

    // the table: no line wider than COLUMNS, the long values elided with length and hash
    // the width: COLUMNS; else the terminal's (a pty made by `script`, `stty cols 90`); else
    // 100. The elided values fill their columns, so the table is that wide (less one at most
    // where the columns share it unevenly)
    let at_bind = format!("bind={}", m.dns[0].1);
    let verify_args = [
        "verify",
        "--config",
        "config.yaml",
        "--nameservers",
        &at_bind,
    ];
    let bin = env!("CARGO_BIN_EXE_dnsplan");
    let tty_cmd = format!(
        "stty cols 90 rows 50 && exec '{bin}' {}",
        verify_args.join(" ")
    );
    let runs: Vec<(usize, Output)> = vec![
        (80, m.run_env(&verify_args, &[("COLUMNS", "80")])),
        (132, m.run_env(&verify_args, &[("COLUMNS", "132")])),
        (100, m.run(&verify_args)),
        (
            90,
            m.run_program("script", &["-qec", &tty_cmd, "/dev/null"]),
        ),
    ];
    for (columns, o) in runs {
        let text = String::from_utf8_lossy(&o.stdout).replace('\r', "");
        assert!(text.contains("difference(s)"), "{columns}: {}", show(&o));
        let widest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(
            widest <= columns && widest + 1 >= columns,
            "a table {widest} wide for {columns}:\n{text}"
        );
        assert!(text.contains("len2048 TXT"), "{text}");
        assert!(
            !text.contains(&"a".repeat(255)),
            "a full value in the table:\n{text}"
        );
        if columns >= 132 {
            // wide enough for the length and hash on one line (narrower, they wrap)
            for v in [full(&changed), full(&"a".repeat(2048))] {
                let hash = dnsplan::verify::fold::short_hash(&v);
                assert!(
                    text.contains(&format!("({} chars, #{hash})", v.len())),
                    "the elided value names its length and hash:\n{text}"
                );
            }
            assert!(text.contains("TTL differs (values match)"), "{text}");
        }
    }

    // `report --output-format table`: the same limits; CSV keeps the full values
    let csv = m.report(&[]);
    assert!(
        csv.contains(&full(&changed).replace('"', "\"\"")),
        "CSV has the full values (quotes doubled)"
    );
    let text = m.report(&["--output-format", "table"]);
    let widest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(widest <= 100, "a line of {widest} > 100:\n{text}");
    assert!(!text.contains(&"a".repeat(255)), "{text}");
    let len2048 = text
        .lines()
        .find(|l| l.contains("len2048"))
        .unwrap_or_default();
    assert!(
        len2048.contains("NO"),
        "inconsistent across servers: {text}"
    );
}
