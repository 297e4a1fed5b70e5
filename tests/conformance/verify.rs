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
    env: Vec<(String, String)>,
    dns: Vec<(String, SocketAddr)>,
}

impl Multi {
    fn new(targets: &[Target]) -> Multi {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("zones")).unwrap();
        std::fs::write(
            dir.path().join("zones").join(format!("{ZONE}yaml")),
            ZONE_YAML,
        )
        .unwrap();
        let mut cfg = format!(
            "providers:\n  config:\n    class: octodns.provider.yaml.YamlProvider\n    directory: '{}'\n",
            dir.path().join("zones").display()
        );
        let mut env = Vec::new();
        let mut dns = Vec::new();
        for t in targets {
            (t.reset)(ZONE);
            cfg.push_str(&format!("  {}:\n", t.name));
            for (k, v) in &t.settings {
                cfg.push_str(&format!("    {k}: {v}\n"));
            }
            env.extend(t.env.iter().cloned());
            dns.push((t.name.clone(), t.dns.expect("a target that serves DNS")));
        }
        let names: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
        cfg.push_str(&format!(
            "zones:\n  {ZONE}:\n    sources: [config]\n    targets: [{}]\n",
            names.join(", ")
        ));
        std::fs::write(dir.path().join("config.yaml"), cfg).unwrap();
        Multi { dir, env, dns }
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_dnsplan"));
        c.current_dir(self.dir.path())
            .args(args)
            .env_remove("DNSPLAN_CONFIG")
            .env("NO_COLOR", "1");
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c.output().expect("run dnsplan")
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
    assert!(text.contains("www A (verify.conformance.test.)"), "{text}");
    assert!(text.contains("192.0.2.1 | 192.0.2.66 (TTL 300)"), "{text}");

    // `dnsplan report`: each record's answers from every server, consistent or not
    let mut args: Vec<String> = ["report", "--config", "config.yaml", "--zone", ZONE]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(m.dns.iter().map(|(_, a)| a.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = m.run(&refs);
    assert!(o.status.success(), "report:\n{}", show(&o));
    let csv = String::from_utf8_lossy(&o.stdout);
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
