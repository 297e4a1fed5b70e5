//! Route 53 as a conformance target: dnsplan against moto_server (`harness::moto()`), which
//! emulates the Route 53 API but answers no DNS. So besides the suite's plan → apply → empty
//! re-plan, what dnsplan wrote is read back from the emulator itself, with plain boto3
//! (`route53_emulator.py`, independent of dnsplan's AWS SDK), and compared line by line with a
//! hand-written `N.layout` next to the case's `N.yaml` in `tests/fixtures/conformance/route53-*`
//! (one canonical line per rrset, `State::layout`). `route53_interop` holds octoDNS's own
//! output to the same files, so they are octodns-route53's layout, not a guess of it.
//!
//! - the suite's cases Route 53 can hold, and the ones it cannot, named;
//! - every Route 53 type, `Route53Provider/ALIAS` to names in the zone and to a service;
//! - dynamic records (an A and a CNAME) created, changed and deleted: the `_octodns-*`
//!   rrset tree, geo rules, weights, failover, one health check per value that is not `up`
//!   (octoDNS's CallerReference and Name tag), reused while unchanged, deleted once unused;
//! - static ↔ dynamic at the same names;
//! - changes made behind dnsplan's back (a weight, a deleted health check) are planned back;
//! - settings that change how dnsplan talks to Route 53 (`max_changes`, `get_zones_by_name`).
//!
//! moto is lax where Route 53 validates (backends.md §3): the tests assert what both do and
//! steer around moto's bugs: zones stay far below its 300-rrset paging bug; set identifiers
//! are unique per zone, since moto deletes a SetIdentifier in every name at once; a CREATE
//! identical to an earlier one is avoided (`cname_a_swap`); a health check's missing
//! IPAddress, which moto lists as the text `None`, is read as missing (`ip_address`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value as J, json};
use sha2::{Digest, Sha512};

use crate::cases;
use crate::harness::{self, Moto};
use crate::suite::{self, Case, Expect, Project, Step, Target, show};

/// Where every AWS service but Route 53 is sent: a closed loopback port. Nothing can leave the
/// machine, and a client that took the generic endpoint over the Route 53 one fails.
const NO_ENDPOINT: &str = "http://127.0.0.1:9";

/// The environment of everything that talks to the emulator (dnsplan, octoDNS, the helper).
pub fn aws_env(moto: &Moto) -> Vec<(String, String)> {
    [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_CONFIG_FILE", "/dev/null"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
        ("AWS_ENDPOINT_URL_ROUTE_53", moto.url.as_str()),
        ("AWS_ENDPOINT_URL", NO_ENDPOINT),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// A command (octoDNS, the helper) with `aws_env` and no other AWS_* from this process.
pub fn with_aws_env(c: &mut Command) -> &mut Command {
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AWS_") {
            c.env_remove(k);
        }
    }
    c.envs(aws_env(harness::moto()))
}

/// The adapter: octodns-route53's config entry, its secrets, no DNS, its types.
pub fn target_with(extra: &[(&str, &str)]) -> Target {
    let mut settings: Vec<(String, String)> = vec![
        ("class".into(), "octodns_route53.Route53Provider".into()),
        ("access_key_id".into(), "env/AWS_ACCESS_KEY_ID".into()),
        (
            "secret_access_key".into(),
            "env/AWS_SECRET_ACCESS_KEY".into(),
        ),
    ];
    settings.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let types = dnsplan::provider::route53::supported_types()
        .iter()
        .map(|t| t.as_str().to_string())
        .collect();
    Target {
        name: "route53".into(),
        settings,
        env: aws_env(harness::moto()),
        dns: None,
        types,
        reset: |zone| {
            emulator(&["reset", zone]);
        },
    }
}

pub fn target() -> Target {
    target_with(&[])
}

// ---------------------------------------------------------------------------------------
// The emulator, seen through boto3

/// Run `route53_emulator.py` with the project's venv; its stdout. Fails the test on error.
pub fn emulator(args: &[&str]) -> String {
    let python = harness::venv().join("bin/python");
    let script = harness::repo().join("tests/conformance/route53_emulator.py");
    let o = with_aws_env(Command::new(&python).arg(&script).args(args))
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e} (scripts/test sets up .venv)", python.display()));
    assert!(
        o.status.success(),
        "route53_emulator.py {args:?} failed:\n{}",
        show(&o)
    );
    String::from_utf8(o.stdout).expect("utf-8")
}

/// A zone as the emulator holds it.
pub struct State {
    /// IDNA, final dot.
    pub zone: String,
    pub zone_ids: Vec<String>,
    pub rrsets: Vec<J>,
    /// The zone's health checks (used by its rrsets, or named for it), by id.
    pub health_checks: BTreeMap<String, J>,
}

pub fn state(zone: &str) -> State {
    let zone = dnsplan::model::idna_encode(zone).unwrap();
    let v: J = serde_json::from_str(&emulator(&["dump", &zone])).expect("dump json");
    let strings = |k: &str| -> Vec<String> {
        v[k].as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    };
    State {
        zone_ids: strings("zone_ids"),
        rrsets: v["rrsets"].as_array().unwrap().clone(),
        health_checks: v["health_checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h["Id"].as_str().unwrap().to_string(), h.clone()))
            .collect(),
        zone,
    }
}

/// `\052` → `*`: Route 53 escapes special characters in names as octal.
fn unescape(name: &str) -> String {
    let mut out = String::new();
    let mut rest = name;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let code = rest
            .get(i + 1..i + 4)
            .and_then(|o| u8::from_str_radix(o, 8).ok());
        match code {
            Some(c) => {
                out.push(c as char);
                rest = &rest[i + 4..];
            }
            None => {
                out.push('\\');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

impl State {
    /// A name relative to the zone (`@` for the apex); names outside it stay absolute.
    fn rel(&self, name: &str) -> String {
        let n = unescape(name).to_ascii_lowercase();
        if n == self.zone {
            return "@".into();
        }
        match n.strip_suffix(&format!(".{}", self.zone)) {
            Some(r) => r.to_string(),
            None => n,
        }
    }

    /// The only hosted zone of this name (moto, unlike Route 53, would take a second one).
    pub fn zone_id(&self) -> &str {
        assert_eq!(
            self.zone_ids.len(),
            1,
            "hosted zones named {}: {:?}",
            self.zone,
            self.zone_ids
        );
        &self.zone_ids[0]
    }

    /// Every rrset but the apex SOA (moto's is a stringified dict) as one line, sorted:
    /// `name TYPE [id=…] [failover=…] [weight=…] [geo=…] [ttl=…] [alias=… zone=self|ID
    /// eval=…] [hc=…] [values]`, values exactly as stored (sorted; JSON strings), health
    /// checks as `hc_summary` says. Byte for byte: octoDNS deletes an rrset by sending the
    /// values it would write, and Route 53 refuses a DELETE whose values differ from the stored
    /// ones, so a value written differently is one octoDNS cannot delete.
    pub fn layout(&self) -> Vec<String> {
        let zone_id = self.zone_id();
        let mut lines: Vec<String> = Vec::new();
        for r in &self.rrsets {
            let name = self.rel(r["Name"].as_str().unwrap());
            let rtype = r["Type"].as_str().unwrap();
            if name == "@" && rtype == "SOA" {
                continue;
            }
            let mut parts = vec![name, rtype.to_string()];
            if let Some(id) = r["SetIdentifier"].as_str() {
                parts.push(format!("id={id}"));
            }
            if let Some(f) = r["Failover"].as_str() {
                parts.push(format!("failover={f}"));
            }
            if let Some(w) = r["Weight"].as_i64() {
                parts.push(format!("weight={w}"));
            }
            if let Some(g) = r.get("GeoLocation") {
                parts.push(geo(g));
            }
            if let Some(t) = r["TTL"].as_i64() {
                parts.push(format!("ttl={t}"));
            }
            if let Some(a) = r.get("AliasTarget") {
                let hz = a["HostedZoneId"].as_str().unwrap();
                parts.push(format!(
                    "alias={} zone={} eval={}",
                    self.rel(a["DNSName"].as_str().unwrap()),
                    if hz.trim_start_matches("/hostedzone/") == zone_id {
                        "self"
                    } else {
                        hz
                    },
                    a["EvaluateTargetHealth"]
                ));
            }
            if let Some(id) = r["HealthCheckId"].as_str() {
                parts.push(self.hc_summary(id));
            }
            if let Some(values) = r["ResourceRecords"].as_array() {
                let mut v: Vec<&str> = values
                    .iter()
                    .map(|x| x["Value"].as_str().unwrap())
                    .collect();
                v.sort();
                parts.push(serde_json::to_string(&v).unwrap());
            }
            for k in r.as_object().unwrap().keys() {
                assert!(
                    [
                        "Name",
                        "Type",
                        "SetIdentifier",
                        "Failover",
                        "Weight",
                        "GeoLocation",
                        "TTL",
                        "AliasTarget",
                        "HealthCheckId",
                        "ResourceRecords"
                    ]
                    .contains(&k.as_str()),
                    "{}: unexpected {k} in {r}",
                    self.zone
                );
            }
            lines.push(parts.join(" "));
        }
        lines.sort();
        lines
    }

    /// `hc(TYPE:PORT/PATH host=… ip=… STATUS)`, STATUS being octoDNS's reading of Disabled +
    /// Inverted: both false `obey`, both true `down`.
    fn hc_summary(&self, id: &str) -> String {
        let Some(hc) = self.health_checks.get(id) else {
            return format!("hc(MISSING {id})");
        };
        let c = &hc["HealthCheckConfig"];
        let mut s = format!("hc({}", c["Type"].as_str().unwrap());
        if let Some(p) = c["Port"].as_i64() {
            s.push_str(&format!(":{p}"));
        }
        if let Some(p) = c["ResourcePath"].as_str() {
            s.push_str(p);
        }
        if let Some(h) = c["FullyQualifiedDomainName"].as_str() {
            s.push_str(&format!(" host={h}"));
        }
        if let Some(ip) = ip_address(c) {
            s.push_str(&format!(" ip={ip}"));
        }
        let status = match (c["Disabled"].as_bool(), c["Inverted"].as_bool()) {
            (Some(false), Some(false)) => "obey".to_string(),
            (Some(true), Some(true)) => "down".to_string(),
            (d, i) => format!("disabled={d:?} inverted={i:?}"),
        };
        format!("{s} {status})")
    }

    /// The health check id of every dynamic value (`NAME SETID value` → id).
    pub fn value_health_checks(&self) -> BTreeMap<String, String> {
        self.rrsets
            .iter()
            .filter_map(|r| {
                let id = r["HealthCheckId"].as_str()?;
                let key = format!(
                    "{} {} {}",
                    self.rel(r["Name"].as_str().unwrap()),
                    r["SetIdentifier"].as_str().unwrap_or_default(),
                    r["ResourceRecords"][0]["Value"]
                        .as_str()
                        .unwrap_or_default()
                );
                Some((key, id.to_string()))
            })
            .collect()
    }

    /// octodns-route53's scheme: every health check a value uses exists, carries the
    /// CallerReference `0001:TYPE:fqdn:<12 hex>` (fqdn hashed when too long) and the Name tag
    /// `fqdn:TYPE - value`, with the default settings; no health check of the zone is unused.
    pub fn check_health_checks(&self, ctx: &str) {
        let mut used = BTreeSet::new();
        for r in &self.rrsets {
            let Some(id) = r["HealthCheckId"].as_str() else {
                continue;
            };
            let name = unescape(r["Name"].as_str().unwrap());
            let rtype = r["Type"].as_str().unwrap();
            let hc = self
                .health_checks
                .get(id)
                .unwrap_or_else(|| panic!("{ctx}: {name} {rtype} uses health check {id}, gone"));
            used.insert(id.to_string());
            // the record's own name: the value rrsets are `_octodns-<pool>-value.<fqdn>`
            let (first, fqdn) = name.split_once('.').unwrap();
            assert!(
                first.starts_with("_octodns-") && first.ends_with("-value"),
                "{ctx}: a health check on {name}, which is not a dynamic value"
            );
            let prefix = hc_ref_prefix(rtype, fqdn);
            let reference = hc["CallerReference"].as_str().unwrap();
            let uuid = reference
                .strip_prefix(&format!("{prefix}:"))
                .unwrap_or_default();
            assert!(
                uuid.len() == 12 && uuid.bytes().all(|b| b.is_ascii_hexdigit()),
                "{ctx}: {name}: CallerReference {reference}, want {prefix}:<12 hex>"
            );
            let c = &hc["HealthCheckConfig"];
            let value = r["ResourceRecords"][0]["Value"].as_str().unwrap();
            assert_eq!(
                hc["Tags"]["Name"].as_str().unwrap_or_default(),
                format!("{fqdn}:{rtype} - {value}"),
                "{ctx}: Name tag of {id}"
            );
            let https = c["Type"] == "HTTPS";
            for (k, want) in [
                ("EnableSNI", json!(https)),
                ("MeasureLatency", json!(true)),
                ("RequestInterval", json!(10)),
                ("FailureThreshold", json!(6)),
            ] {
                assert_eq!(c[k], want, "{ctx}: {k} of health check {id} ({name})");
            }
            match rtype {
                "CNAME" => {
                    assert_eq!(c["FullyQualifiedDomainName"], value, "{ctx}: {name}");
                    assert_eq!(ip_address(c), None, "{ctx}: {name}: {c}");
                }
                _ => assert_eq!(c["IPAddress"], value, "{ctx}: {name}"),
            }
        }
        let unused: Vec<String> = self
            .health_checks
            .iter()
            .filter(|(id, _)| !used.contains(*id))
            .map(|(id, hc)| format!("{id} {}", hc["CallerReference"]))
            .collect();
        assert!(
            unused.is_empty(),
            "{ctx}: health checks of {} no longer used but not deleted: {unused:?}",
            self.zone
        );
    }
}

/// A health check's IPAddress. moto renders a missing one as the text `None`.
fn ip_address(config: &J) -> Option<&str> {
    config["IPAddress"].as_str().filter(|ip| *ip != "None")
}

fn geo(g: &J) -> String {
    if let Some(c) = g["ContinentCode"].as_str() {
        return format!("geo=continent:{c}");
    }
    let country = g["CountryCode"].as_str().unwrap_or("?");
    match g["SubdivisionCode"].as_str() {
        Some(s) => format!("geo=country:{country}-{s}"),
        None => format!("geo=country:{country}"),
    }
}

/// octodns-route53's `_healthcheck_ref_prefix`.
fn hc_ref_prefix(rtype: &str, fqdn: &str) -> String {
    let r = format!("0001:{rtype}:{fqdn}");
    if r.len() + 13 > 64 {
        let hash = data_encoding::HEXLOWER.encode(&Sha512::digest(fqdn.as_bytes()));
        format!("0001:{rtype}:{}", &hash[..20])
    } else {
        r
    }
}

// ---------------------------------------------------------------------------------------
// Cases with layouts

pub fn fixture_dir(case: &str) -> PathBuf {
    harness::repo()
        .join("tests/fixtures/conformance")
        .join(case)
}

fn read(case: &str, file: &str) -> String {
    let p = fixture_dir(case).join(file);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The zone file of step `n` of a fixture case.
pub fn step_yaml(case: &str, n: usize) -> String {
    read(case, &format!("{n}.yaml"))
}

/// The hand-written layout of step `n`: its lines but comments and blank ones, sorted.
pub fn expected_layout(case: &str, n: usize) -> Vec<String> {
    let mut v: Vec<String> = read(case, &format!("{n}.layout"))
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

/// The emulator holds exactly the layout of step `n` of `case`, and the zone's health checks
/// follow octoDNS's scheme. The state, for further checks.
pub fn assert_layout(zone: &str, case: &str, n: usize, ctx: &str) -> State {
    let s = state(zone);
    let got = s.layout();
    let want = expected_layout(case, n);
    if let Some(diff) = layout_diff(&want, &got) {
        panic!("{ctx}: the emulator does not hold {case}/{n}.layout\n{diff}");
    }
    s.check_health_checks(ctx);
    s
}

/// None when equal, else the lines missing from `got`, the unexpected ones, and all of `got`.
pub fn layout_diff(want: &[String], got: &[String]) -> Option<String> {
    if want == got {
        return None;
    }
    let lines = |a: &[String], b: &[String]| -> String {
        let v: Vec<&str> = a
            .iter()
            .filter(|l| !b.contains(l))
            .map(String::as_str)
            .collect();
        v.join("\n")
    };
    Some(format!(
        "--- missing\n{}\n--- unexpected\n{}\n--- all of it\n{}",
        lines(want, got),
        lines(got, want),
        got.join("\n")
    ))
}

fn counts(plan: &J) -> (usize, usize, usize) {
    let s = &plan["plans"][0]["summary"];
    let n = |k: &str| s[k].as_u64().unwrap_or(0) as usize;
    (n("creates"), n("updates"), n("deletes"))
}

/// Every step of `case` (its YAML from the fixture folder of the same name): the plan shows
/// what `expect` says, apply, the re-plan is empty, the emulator holds `N.layout`. The
/// emulator's state after each step.
pub fn run_with_layouts(t: &Target, zone: &str, case: &str, expect: &[Expect]) -> Vec<State> {
    let p = Project::new(t, &[zone]);
    let mut states = Vec::new();
    for (i, want) in expect.iter().enumerate() {
        let n = i + 1;
        let ctx = format!("{case} step {n} on {zone}");
        p.write_zone(zone, &step_yaml(case, n));
        let plan = p.plan();
        match want {
            Expect::Changes(c) => assert_eq!(&suite::changes(&plan), c, "{ctx}: plan\n{plan:#}"),
            Expect::Counts(c, u, d) => {
                assert_eq!(counts(&plan), (*c, *u, *d), "{ctx}: plan\n{plan:#}")
            }
        }
        p.apply();
        let again = p.plan();
        assert_eq!(
            suite::changes(&again),
            Vec::<String>::new(),
            "{ctx}: the re-plan after apply is not empty\n{again:#}"
        );
        states.push(assert_layout(zone, case, n, &ctx));
    }
    states
}

fn changes(list: &[&str]) -> Expect {
    Expect::Changes(list.iter().map(|s| s.to_string()).collect())
}

const ALIAS: &str = "Route53Provider/ALIAS";

// ---------------------------------------------------------------------------------------
// The suite's cases

fn run(case: Case) {
    suite::run_case(&target(), &case).unwrap_or_else(|why| panic!("not applicable: {why}"));
}

#[test]
fn txt_lengths_and_escapes() {
    run(cases::txt());
}

/// The swap's last state is its first; moto then refuses the CREATE of `x A` as "already
/// exists" although step 2 deleted it: it refuses any CREATE identical to an earlier one in
/// the zone's change journal while some rrset sorts after it (its check lists from that
/// name on instead of looking the rrset up). Route 53 takes it. So the last state here has
/// another value for `x A`: a CREATE moto has not seen, the same plan.
#[test]
fn cname_a_swap() {
    let mut case = cases::swap();
    let last = &mut case.steps[2];
    let (from, to) = ("  value: 192.0.2.1\n", "  value: 192.0.2.9\n");
    assert!(last.yaml.contains(from), "{}", last.yaml);
    last.yaml = last.yaml.replace(from, to);
    run(case);
}

#[test]
fn ttl_changes() {
    run(cases::ttl());
}

#[test]
fn wildcards() {
    run(cases::wildcard());
}

#[test]
fn idn_names() {
    run(cases::idn());
}

#[test]
fn twelve_hundred_records() {
    run(cases::large());
}

/// The suite's cases that need types Route 53 does not have, each with exactly what it lacks
/// (every other case of `cases.rs` runs above).
#[test]
fn cases_needing_other_types_are_named_not_applicable() {
    let t = target();
    assert!(t.types.contains(ALIAS), "{:?}", t.types);
    for (case, why) in [
        (
            cases::types(),
            "types: route53 does not hold DNAME, HTTPS, LOC, OPENPGPKEY, SSHFP, SVCB, TLSA, URI",
        ),
        // octoDNS's own ALIAS: Route 53 has Route53Provider/ALIAS instead (`every_type`)
        (cases::alias(), "alias: route53 does not hold ALIAS"),
    ] {
        assert_eq!(suite::run_case(&t, &case), Err(why.to_string()));
    }
}

// ---------------------------------------------------------------------------------------
// Route 53's own cases

/// The types Route 53 holds, exactly octodns-route53's SUPPORTS.
#[test]
fn supported_types_are_octodns_route53s() {
    let got: BTreeSet<String> = target().types;
    let want: BTreeSet<String> = [
        "A", "AAAA", "CAA", "CNAME", "DS", "MX", "NAPTR", "NS", "PTR", "SPF", "SRV", "TXT", ALIAS,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(got, want);
}

/// Every Route 53 type created, updated and deleted, with the rrsets Route 53 receives.
#[test]
fn every_type() {
    let alias = |op: &str, name: &str| format!("{op} {name} {ALIAS}");
    let step1 = vec![
        "create @ CAA".to_string(),
        "create @ MX".into(),
        "create @ NS".into(),
        alias("create", "@"),
        "create @ SPF".into(),
        "create @ TXT".into(),
        "create _nosrv._tcp SRV".into(),
        "create _sip._tcp SRV".into(),
        "create aaaa AAAA".into(),
        alias("create", "cdn"),
        "create cname CNAME".into(),
        "create delegated DS".into(),
        "create delegated NS".into(),
        alias("create", "mail"),
        "create naptr NAPTR".into(),
        "create nullmx MX".into(),
        "create ptr PTR".into(),
        "create www A".into(),
        "create www AAAA".into(),
    ];
    // the mail alias changes only its TTL, which Route 53 aliases do not have: no change
    let step2 = vec![
        "delete _nosrv._tcp SRV".to_string(),
        "delete nullmx MX".into(),
        "create new A".into(),
        "create new6 AAAA".into(),
        "update @ CAA".into(),
        "update @ MX".into(),
        "update @ NS".into(),
        alias("update", "@"),
        "update @ SPF".into(),
        "update @ TXT".into(),
        "update _sip._tcp SRV".into(),
        "update aaaa AAAA".into(),
        alias("update", "cdn"),
        "update cname CNAME".into(),
        "update delegated DS".into(),
        "update delegated NS".into(),
        "update naptr NAPTR".into(),
        "update ptr PTR".into(),
        "update www A".into(),
        "update www AAAA".into(),
    ];
    run_with_layouts(
        &target(),
        "types.route53.test.",
        "route53-types",
        &[
            Expect::Changes(step1),
            Expect::Changes(step2),
            // all but the apex NS, which is left alone once it is not in the file
            Expect::Counts(0, 0, 18),
        ],
    );
}

/// Dynamic records, created, changed and deleted, in octodns-route53's layout; health checks
/// kept while their settings stay, replaced when the status changes, deleted once unused.
#[test]
fn dynamic_records() {
    let states = run_with_layouts(
        &target(),
        "dynamic.route53.test.",
        "route53-dynamic",
        &[
            changes(&["create api CNAME", "create static A", "create www A"]),
            changes(&["update api CNAME", "update www A"]),
            changes(&["delete api CNAME", "delete www A"]),
        ],
    );
    let (one, two) = (
        states[0].value_health_checks(),
        states[1].value_health_checks(),
    );
    for unchanged in [
        "_octodns-api-na-value.api api-na-000 na1.example.net.",
        "_octodns-cal-value.www cal-000 192.0.2.30",
        "_octodns-eu-value.www eu-000 192.0.2.10",
        "_octodns-rest-value.www rest-000 192.0.2.40",
    ] {
        assert!(one.contains_key(unchanged), "{unchanged} in {one:#?}");
        assert_eq!(one.get(unchanged), two.get(unchanged), "{unchanged}: kept");
    }
    for changed in [
        "_octodns-api-eu-value.api api-eu-000 eu.api.example.net.",
        "_octodns-eu-value.www eu-001 192.0.2.11",
    ] {
        assert_ne!(one.get(changed), two.get(changed), "{changed}: replaced");
    }
    assert!(states[2].health_checks.is_empty());
}

/// Static → dynamic at the same names (plain rrsets go, the rrset tree and health checks
/// come: 1.layout) → static again (the tree and the health checks go). The two static states
/// differ: moto refuses to re-CREATE an rrset exactly as created before (`cname_a_swap`),
/// which also rules out going back to the same dynamic state on moto.
#[test]
fn static_to_dynamic_and_back() {
    let zone = "flip.route53.test.";
    let case = "route53-dynamic";
    let plain = |cname: &str, a: &str| {
        format!(
            "---\napi:\n  type: CNAME\n  value: {cname}\nstatic:\n  type: A\n  value: \
             192.0.2.1\nwww:\n  type: A\n  values: [{a}]\n"
        )
    };
    let p = Project::new(&target(), &[zone]);
    for (cname, a) in [
        ("one.example.net.", "192.0.2.7"),
        ("", ""),
        ("two.example.net.", "192.0.2.8"),
    ] {
        let dynamic = cname.is_empty();
        p.write_zone(
            zone,
            &if dynamic {
                step_yaml(case, 1)
            } else {
                plain(cname, a)
            },
        );
        p.apply();
        let plan = p.plan();
        assert!(suite::changes(&plan).is_empty(), "re-plan: {plan:#}");
        if dynamic {
            assert_layout(zone, case, 1, "dynamic");
            continue;
        }
        let s = state(zone);
        let mut got = s.layout();
        got.retain(|l| !l.starts_with("@ NS "));
        let want = [
            format!(r#"api CNAME ttl=3600 ["{cname}"]"#),
            r#"static A ttl=3600 ["192.0.2.1"]"#.to_string(),
            format!(r#"www A ttl=3600 ["{a}"]"#),
        ];
        assert_eq!(got, want);
        s.check_health_checks("static");
        assert!(s.health_checks.is_empty(), "{:?}", s.health_checks.keys());
    }
}

/// What changes in the emulator behind dnsplan's back is planned, and applied back.
#[test]
fn changes_behind_its_back_are_planned_back() {
    let zone = "drift.route53.test.";
    let case = "route53-dynamic";
    let p = Project::new(&target(), &[zone]);
    p.write_zone(zone, &step_yaml(case, 1));
    p.apply();
    let before = assert_layout(zone, case, 1, "applied");

    // a weight
    let value = before
        .rrsets
        .iter()
        .find(|r| r["SetIdentifier"] == "eu-000")
        .expect("eu-000")
        .clone();
    let mut changed = value.clone();
    changed["Weight"] = json!(7);
    let batch = json!([{"Action": "UPSERT", "ResourceRecordSet": changed}]);
    emulator(&["change", zone, &batch.to_string()]);
    assert_eq!(suite::changes(&p.plan()), ["update www A"], "weight 3 → 7");
    p.apply();
    assert_layout(zone, case, 1, "weight restored");
    assert!(suite::changes(&p.plan()).is_empty());

    // a health check in use, deleted
    let hc = state(zone).value_health_checks()["_octodns-eu-value.www eu-000 192.0.2.10"].clone();
    emulator(&["delete-health-check", &hc]);
    assert_eq!(
        suite::changes(&p.plan()),
        ["update www A"],
        "health check {hc} deleted"
    );
    p.apply();
    let after = assert_layout(zone, case, 1, "health check recreated");
    assert_ne!(
        after.value_health_checks()["_octodns-eu-value.www eu-000 192.0.2.10"],
        hc
    );
    assert!(suite::changes(&p.plan()).is_empty());
}

/// Requests moto logged whose request line contains `needle`.
fn requests(needle: &str) -> usize {
    let log = harness::moto().log.as_ref().expect(
        "this test reads moto's request log: the harness's own server, or DNSPLAN_MOTO_LOG",
    );
    let text = std::fs::read_to_string(log).unwrap_or_else(|e| panic!("{}: {e}", log.display()));
    text.lines().filter(|l| l.contains(needle)).count()
}

/// 40 records of two values each: created, then every one updated.
fn forty_records(zone: &str) -> Case {
    let state = |second: &str| {
        let mut yaml = String::from("---\n");
        for i in 0..40 {
            yaml.push_str(&format!(
                "h{i:02}:\n  type: A\n  values: [192.0.2.{i}, {second}.{i}]\n"
            ));
        }
        yaml
    };
    Case {
        name: "forty",
        zone: zone.into(),
        steps: vec![
            Step {
                yaml: state("198.51.100"),
                expect: Expect::Counts(40, 0, 0),
            },
            Step {
                yaml: state("203.0.113"),
                expect: Expect::Counts(0, 40, 0),
            },
        ],
    }
}

/// `max_changes: 7` (ResourceRecords per ChangeBatch): 40 records of 2 values are created in
/// 14 batches of 3 records; updated, in 40 batches of one, since Route 53 counts the
/// ResourceRecords of an UPSERT twice (octodns-route53 counts them once: 14).
#[test]
fn max_changes_splits_the_change_batches() {
    let zone = "max-changes.route53.test.";
    let case = forty_records(zone);
    let p = Project::new(&target_with(&[("max_changes", "7")]), &[zone]);
    let mut batches = 0;
    for (step, want) in case.steps.iter().zip([14, 40]) {
        p.write_zone(zone, &step.yaml);
        p.apply();
        assert!(suite::changes(&p.plan()).is_empty());
        let id = state(zone).zone_id().to_string();
        let total = requests(&format!("\"POST /2013-04-01/hostedzone/{id}/rrset"));
        assert_eq!(total - batches, want, "ChangeBatches sent");
        batches = total;
    }
    let a = state(zone)
        .layout()
        .into_iter()
        .filter(|l| l.contains(" A ttl=3600 "))
        .count();
    assert_eq!(a, 40);
}

/// `get_zones_by_name: true`: the zone is looked up with ListHostedZonesByName.
#[test]
fn get_zones_by_name_looks_the_zone_up_by_name() {
    let zone = "by-name.route53.test.";
    suite::run_case(
        &target_with(&[("get_zones_by_name", "true")]),
        &forty_records(zone),
    )
    .unwrap();
    let lookup = format!(
        "GET /2013-04-01/hostedzonesbyname?dnsname={}",
        zone.trim_end_matches('.')
    );
    assert!(requests(&lookup) > 0, "no {lookup}");
}

#[test]
fn ignored_and_never_deleted_records_survive_and_drift_stays_clean() {
    suite::run_partial(&target(), "partial.route53.test.");
}
