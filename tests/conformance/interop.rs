//! Interop with the real octoDNS and octodns-powerdns (in the project's `.venv`, installed by
//! scripts/test): octoDNS plans nothing against a zone dnsplan wrote, and dnsplan plans
//! nothing against a zone octoDNS wrote, from the same config and zone file.

use std::process::Command;

use crate::harness;
use crate::powerdns::target;
use crate::suite::{self, Project, show};

/// Plain records: what both tools write and read back the same way through PowerDNS.
fn plain(zone: &str) -> String {
    let long = "x".repeat(300);
    format!(
        "---
'':
- type: CAA
  values:
  - {{flags: 0, tag: issue, value: letsencrypt.org}}
  - {{flags: 128, tag: tbs, value: Unknown}}
- type: HTTPS
  value: {{svcparams: {{alpn: [h3, h2], port: '8443'}}, svcpriority: 1, targetname: .}}
- type: LOC
  value: {{altitude: 10.5, lat_degrees: 51, lat_direction: N, lat_minutes: 30, lat_seconds: 12.748, long_degrees: 0, long_direction: W, long_minutes: 7, long_seconds: 39.611, precision_horz: 10000, precision_vert: 10, size: 1}}
- type: MX
  values:
  - {{exchange: mx1.{zone}, preference: 10}}
  - {{exchange: mx2.example.net., preference: 20}}
- type: NS
  values: [ns1.example.net., ns2.example.net.]
- type: TXT
  values: ['v=spf1 include:_spf.example.com -all', 'v=DKIM1\\; k=rsa\\; p=MIGfMA0', '{long}']
_443._tcp:
  type: TLSA
  value: {{certificate_association_data: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef, certificate_usage: 3, matching_type: 1, selector: 1}}
_http._tcp:
  type: URI
  value: {{priority: 10, target: 'https://www.example.com/', weight: 1}}
_sip._tcp:
  type: SRV
  values:
  - {{port: 5060, priority: 10, target: sip.{zone}, weight: 20}}
  - {{port: 0, priority: 0, target: ., weight: 0}}
a:
  ttl: 300
  type: A
  values: [192.0.2.1, 192.0.2.2]
aaaa:
  type: AAAA
  value: '2001:db8::1'
cname:
  type: CNAME
  value: a.{zone}
delegated:
- type: DS
  value: {{algorithm: 13, digest: 2bb183af5f22588179a53b0a98631fad1a292118, digest_type: 1, key_tag: 60485}}
- type: NS
  values: [ns1.example.net., ns2.example.net.]
naptr:
  type: NAPTR
  value: {{flags: S, order: 100, preference: 10, regexp: '', replacement: _sip._udp.example.com., service: SIP+D2U}}
nullmx:
  type: MX
  value: {{exchange: ., preference: 0}}
ptr:
  type: PTR
  values: [host1.example.net., host2.example.net.]
sshfp:
  type: SSHFP
  value: {{algorithm: 1, fingerprint: 123456789abcdef67890123456789abcdef67890, fingerprint_type: 1}}
"
    )
}

fn octodns_sync(p: &Project, doit: bool) -> String {
    let venv = harness::venv();
    let bin = venv.join("bin/octodns-sync");
    assert!(
        venv.join("bin/python").exists()
            && Command::new(venv.join("bin/python"))
                .args(["-c", "import octodns_powerdns"])
                .status()
                .is_ok_and(|s| s.success()),
        "octoDNS with octodns-powerdns is needed in {} (scripts/test installs it)",
        venv.display()
    );
    let mut attempt = 0;
    let o = loop {
        attempt += 1;
        let mut c = Command::new(&bin);
        c.current_dir(p.path())
            .args(["--config-file", "config.yaml"])
            .env("PDNS_API_KEY", &harness::pdns().api_key);
        if doit {
            c.arg("--doit");
        }
        let o = c.output().expect("run octodns-sync");
        // octodns-powerdns does not retry; PowerDNS on sqlite3 answers 500 ("database is
        // locked") when another test writes at the same moment, and a failed PATCH or POST
        // changed nothing
        if !o.status.success()
            && attempt < 4
            && String::from_utf8_lossy(&o.stderr).contains("500 Server Error")
        {
            std::thread::sleep(std::time::Duration::from_millis(200));
            continue;
        }
        break o;
    };
    assert!(o.status.success(), "octodns-sync failed:\n{}", show(&o));
    // octoDNS 1.22 logs its plan (and "No changes were planned") on stderr
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// dnsplan writes `text` into PowerDNS; octoDNS (octodns-powerdns) then plans nothing.
fn octodns_reads_what_dnsplan_wrote(zone: &str, text: &str) {
    let p = Project::new(&target(), &[zone]);
    p.write_zone(zone, text);
    p.apply();
    assert!(suite::changes(&p.plan()).is_empty());
    let out = octodns_sync(&p, false);
    assert!(
        out.contains("No changes were planned"),
        "octoDNS wants changes on a zone dnsplan wrote:\n{out}"
    );
}

/// octoDNS writes `text` into PowerDNS; dnsplan then plans nothing.
fn dnsplan_reads_what_octodns_wrote(zone: &str, text: &str) {
    let p = Project::new(&target(), &[zone]);
    p.write_zone(zone, text);
    let plan = p.plan();
    assert_eq!(plan["plans"][0]["exists"], false, "{plan:#}");
    octodns_sync(&p, true);
    assert!(octodns_sync(&p, false).contains("No changes were planned"));
    let plan = p.plan();
    assert_eq!(plan["plans"][0]["exists"], true, "{plan:#}");
    assert_eq!(
        suite::changes(&plan),
        Vec::<String>::new(),
        "dnsplan wants changes on a zone octoDNS wrote:\n{plan:#}"
    );
}

#[test]
fn octodns_plans_nothing_against_what_dnsplan_wrote() {
    let zone = "dnsplan-wrote.interop.test.";
    octodns_reads_what_dnsplan_wrote(zone, &plain(zone));
}

#[test]
fn dnsplan_plans_nothing_against_what_octodns_wrote() {
    let zone = "octodns-wrote.interop.test.";
    dnsplan_reads_what_octodns_wrote(zone, &plain(zone));
}

/// A dynamic A record both tools can write and read as LUA: continent and country rules, a
/// subnet rule, a fallback chain, and `values` equal to the catch-all pool (octoDNS itself
/// shows a change on every run when they differ).
const DYNAMIC: &str = "---
www:
  dynamic:
    pools:
      eu:
        fallback: us
        values:
          - value: 192.0.2.10
            weight: 3
          - value: 192.0.2.11
            weight: 1
      lan:
        values:
          - value: 10.0.0.10
      us:
        values:
          - value: 198.51.100.10
    rules:
      - pool: lan
        subnets: [10.20.0.0/16]
      - geos: [EU, NA-CA]
        pool: eu
      - pool: us
  ttl: 60
  type: A
  values: [198.51.100.10]
";

#[test]
fn octodns_plans_nothing_against_a_dynamic_record_dnsplan_wrote() {
    octodns_reads_what_dnsplan_wrote("dnsplan-dyn.interop.test.", DYNAMIC);
}

#[test]
fn dnsplan_plans_nothing_against_a_dynamic_record_octodns_wrote() {
    dnsplan_reads_what_octodns_wrote("octodns-dyn.interop.test.", DYNAMIC);
}
