//! RFC 2136 servers as conformance targets: BIND 9 and Knot DNS, each through
//! `octodns_bind.Rfc2136Provider` (UPDATE + AXFR, TSIG hmac-sha256), and what is particular to
//! them: zones must exist first (the harness creates each one empty: SOA and
//! `NS ns1.example.net.`), the apex NS cannot be deleted, servers refuse or silently ignore
//! some updates, and a record changed behind dnsplan's back between plan and apply is not
//! overwritten.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};

use dnsplan::engine::{self, ApplyError, Selection};

use crate::cases;
use crate::dns::Resolver;
use crate::harness::{self, Rfc2136Server};
use crate::suite::{self, Case, Expect, Project, Target, show};

/// The adapter: the provider's config entry (the secret from the environment), the server's
/// DNS address, the types it holds.
fn target_for(server: &'static Rfc2136Server, reset: fn(&str)) -> Target {
    let types: BTreeSet<String> = dnsplan::provider::rfc2136::supported_types()
        .iter()
        .map(|t| t.as_str().to_string())
        .collect();
    // one variable per server, so one config can hold several targets
    let secret_var = format!("DNSPLAN_TSIG_SECRET_{}", server.kind.to_ascii_uppercase());
    Target {
        name: server.kind.into(),
        settings: vec![
            ("class".into(), "octodns_bind.Rfc2136Provider".into()),
            ("host".into(), server.dns.ip().to_string()),
            ("port".into(), server.dns.port().to_string()),
            ("key_name".into(), server.key_name.clone()),
            ("key_secret".into(), format!("env/{secret_var}")),
            ("key_algorithm".into(), server.key_algorithm.clone()),
            ("timeout".into(), "10".into()),
        ],
        env: vec![(secret_var, server.key_secret.clone())],
        dns: Some(server.dns),
        types,
        reset,
    }
}

pub fn bind() -> Target {
    target_for(harness::bind(), |z| harness::bind().reset_zone(z))
}

pub fn knot() -> Target {
    target_for(harness::knot(), |z| harness::knot().reset_zone(z))
}

fn server_of(t: &Target) -> &'static Rfc2136Server {
    match t.name.as_str() {
        "bind" => harness::bind(),
        "knot" => harness::knot(),
        other => panic!("no server {other}"),
    }
}

/// A setting of the target replaced (or added).
fn with(t: &Target, key: &str, value: &str) -> Target {
    let mut t = t.clone();
    t.settings.retain(|(k, _)| k != key);
    t.settings.push((key.into(), value.into()));
    t
}

fn run(t: &Target, case: Case) {
    suite::run_case(t, &case).unwrap_or_else(|why| panic!("not applicable: {why}"));
}

/// `op name type` lists in plan order: deletes, creates, updates; by name (apex first), type.
fn plan_order(mut v: Vec<String>) -> Vec<String> {
    let key = |s: &String| {
        let mut it = s.split(' ');
        let op = match it.next() {
            Some("delete") => 0,
            Some("create") => 1,
            _ => 2,
        };
        let name = it.next().unwrap_or_default().replace('@', "");
        (op, name, it.next().unwrap_or_default().to_string())
    };
    v.sort_by_key(key);
    v
}

/// The every-type case as it applies to an RFC 2136 server: the zone exists beforehand with
/// the harness's apex NS, so the apex NS is updated rather than created. With `addresses`
/// the in-zone MX and NS targets (mx1, ns1) get A records, which BIND requires
/// (check-integrity refuses the whole update otherwise: see `bind_refuses_…`); the last
/// step keeps ns1's address, since the apex NS still points there.
fn types_case(addresses: bool) -> Case {
    let mut case = cases::types();
    let extra = "mx1:\n  type: A\n  value: 192.0.2.25\nns1:\n  type: A\n  value: 192.0.2.53\n";
    for (i, step) in case.steps.iter_mut().enumerate() {
        if i == 0 {
            let Expect::Changes(list) = &step.expect else {
                panic!("step 1 lists its changes")
            };
            let mut list: Vec<String> = list
                .iter()
                .map(|c| {
                    if c == "create @ NS" {
                        "update @ NS".to_string()
                    } else {
                        c.clone()
                    }
                })
                .collect();
            if addresses {
                list.push("create mx1 A".into());
                list.push("create ns1 A".into());
            }
            step.expect = Expect::Changes(plan_order(list));
        }
        if addresses {
            if i < 2 {
                step.yaml.push_str(extra);
            } else {
                step.yaml.push_str("ns1:\n  type: A\n  value: 192.0.2.53\n");
                step.expect = Expect::Counts(0, 0, 23);
            }
        }
    }
    case
}

/// The cases of the shared table, run against one server.
macro_rules! conformance {
    ($server:ident, $target:expr, $addresses:expr) => {
        mod $server {
            use super::*;

            #[test]
            fn every_type() {
                run(&$target, types_case($addresses));
            }

            #[test]
            fn txt_lengths_and_escapes() {
                run(&$target, cases::txt());
            }

            #[test]
            fn cname_a_swap() {
                run(&$target, cases::swap());
            }

            #[test]
            fn ttl_changes() {
                run(&$target, cases::ttl());
            }

            #[test]
            fn wildcards() {
                run(&$target, cases::wildcard());
            }

            #[test]
            fn idn_names() {
                run(&$target, cases::idn());
            }

            #[test]
            fn twelve_hundred_records() {
                run(&$target, cases::large());
            }

            /// What the shared table holds that an RFC 2136 server cannot: ALIAS (not a DNS
            /// type), and the every-type case as written (it creates the apex NS, which
            /// exists before any RFC 2136 client can touch the zone: `types_case` adapts it).
            #[test]
            fn cases_that_do_not_apply() {
                let why = suite::run_case(&$target, &cases::alias()).unwrap_err();
                assert!(why.contains("does not hold ALIAS"), "{why}");
            }

            #[test]
            fn a_cname_beside_other_data_is_an_error_not_a_silent_success() {
                cname_beside_other_data(&$target);
            }

            #[test]
            fn a_change_behind_dnsplans_back_is_not_overwritten() {
                concurrent_change(&$target);
            }

            #[test]
            fn types_it_cannot_describe_are_never_deleted() {
                foreign_types(&$target);
            }

            #[test]
            fn the_soa_serial_is_left_to_the_server() {
                serial(&$target);
            }

            #[test]
            fn ignored_and_never_deleted_records_survive_and_drift_stays_clean() {
                suite::run_partial(&$target, "partial.conformance.test.");
            }

            #[test]
            fn a_zone_missing_on_the_server_is_a_clear_error() {
                missing_zone(&$target);
            }

            #[test]
            fn tsig_errors_are_clear_and_never_show_the_secret() {
                tsig_errors(&$target);
            }

            #[test]
            fn axfr_source_reads_but_never_writes() {
                axfr_source(&$target);
            }

            #[test]
            fn updates_are_split_by_update_batch_size_and_message_size() {
                batches(&$target);
            }
        }
    };
}

conformance!(bind9, bind(), true);
conformance!(knot_dns, knot(), false);

/// A raw UPDATE behind dnsplan's back, with nsupdate (TCP, the harness's TSIG key).
pub fn nsupdate(t: &Target, zone: &str, lines: &[String]) {
    let s = server_of(t);
    let mut script = format!(
        "server {} {}\nzone {zone}\nkey {}:{} {}\n",
        s.dns.ip(),
        s.dns.port(),
        s.key_algorithm,
        s.key_name,
        s.key_secret
    );
    for l in lines {
        script.push_str(l);
        script.push('\n');
    }
    script.push_str("send\n");
    let mut child = Command::new("nsupdate")
        .arg("-v")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nsupdate (bind9-dnsutils) runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "nsupdate failed:\n{}", show(&out));
}

fn answers(t: &Target, name: &str, rtype: u16) -> Vec<Vec<u8>> {
    let mut r = Resolver::new(t.dns.unwrap());
    let a = r.query(name, rtype);
    a.answers
        .iter()
        .filter(|x| x.rtype == rtype)
        .map(|x| x.rdata.clone())
        .collect()
}

fn fails_with(p: &Project, args: &[&str], needles: &[&str]) -> String {
    let o = p.run(args);
    let out = show(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    for n in needles {
        assert!(out.contains(n), "{n:?} missing from:\n{out}");
    }
    out
}

#[test]
fn bind_refuses_a_whole_update_for_an_mx_or_ns_target_without_an_address() {
    let t = bind();
    let zone = "refuse.conformance.test.";
    let p = Project::new(&t, &[zone]);
    let base = "---\nwww:\n  type: A\n  value: 192.0.2.1\n";
    p.write_zone(
        zone,
        &format!(
            "{base}mail:\n  type: MX\n  value: {{exchange: mx1.refuse.conformance.test., \
             preference: 10}}\n"
        ),
    );
    fails_with(
        &p,
        &["apply", "--config", "config.yaml", "--force"],
        &[
            "refused the UPDATE (REFUSED)",
            "mx1.refuse.conformance.test. (MX of mail.refuse.conformance.test.)",
            "check-integrity",
            "none of its 2 change(s) was applied",
            "create www.refuse.conformance.test. A",
            "nothing was changed",
        ],
    );
    // all or nothing: www was not created either
    assert_eq!(
        suite::changes(&p.plan()),
        ["create mail MX", "create www A"]
    );
    assert!(answers(&t, "www.refuse.conformance.test.", 1).is_empty());
    // the apex NS to an in-zone name without an address: refused the same way
    p.write_zone(
        zone,
        &format!(
            "{base}'':\n  type: NS\n  values: [ns1.refuse.conformance.test., ns2.example.net.]\n"
        ),
    );
    fails_with(
        &p,
        &["apply", "--config", "config.yaml", "--force"],
        &[
            "(REFUSED)",
            "ns1.refuse.conformance.test. (NS of refuse.conformance.test.)",
        ],
    );
    // with the addresses, both go through
    p.write_zone(
        zone,
        &format!(
            "{base}'':\n  type: NS\n  values: [ns1.refuse.conformance.test., ns2.example.net.]\n\
             mail:\n  type: MX\n  value: {{exchange: mx1.refuse.conformance.test., preference: \
             10}}\nmx1:\n  type: A\n  value: 192.0.2.25\nns1:\n  type: A\n  value: 192.0.2.53\n"
        ),
    );
    p.apply();
    assert!(suite::changes(&p.plan()).is_empty());
}

#[test]
fn knot_takes_an_mx_target_without_an_address() {
    let t = knot();
    let zone = "refuse.conformance.test.";
    let p = Project::new(&t, &[zone]);
    p.write_zone(
        zone,
        "---\nmail:\n  type: MX\n  value: {exchange: mx1.refuse.conformance.test., \
         preference: 10}\nwww:\n  type: A\n  value: 192.0.2.1\n",
    );
    p.apply();
    assert!(suite::changes(&p.plan()).is_empty());
}

/// A CNAME added at a name that holds other data (here a HINFO, which dnsplan keeps as data
/// and never deletes): BIND and Knot answer NOERROR and ignore it (RFC 2136 §3.4.2.2).
fn cname_beside_other_data(t: &Target) {
    let zone = "cname-beside.conformance.test.";
    let p = Project::new(t, &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    p.apply();
    nsupdate(
        t,
        zone,
        &[format!("update add x.{zone} 300 HINFO \"PC\" \"Linux\"")],
    );
    p.write_zone(
        zone,
        "---\nwww:\n  type: A\n  value: 192.0.2.1\nx:\n  type: CNAME\n  value: \
         target.example.net.\n",
    );
    assert_eq!(suite::changes(&p.plan()), ["create x CNAME"]);
    fails_with(
        &p,
        &["apply", "--config", "config.yaml", "--force"],
        &[
            "answered NOERROR but did not make 1 of the 1 planned change(s)",
            "create x.cname-beside.conformance.test. CNAME: not in the zone after the update",
            "Rfc2136Provider/HINFO",
            "a CNAME cannot stand beside other data",
        ],
    );
    assert!(answers(t, &format!("x.{zone}"), 5).is_empty());
}

/// Plan (in this process, through the library), change the zone behind dnsplan's back with
/// a raw UPDATE, then apply that plan: the prerequisites make the server refuse it, and the
/// error names the record and what it now holds; the server keeps the other writer's data.
fn concurrent_change(t: &Target) {
    let zone = "concurrent.conformance.test.";
    // the library reads the config in this process: the secret written in it
    let t = with(t, "key_secret", &format!("'{}'", server_of(t).key_secret));
    let p = Project::new(&t, &[zone]);
    p.write_zone(
        zone,
        "---\ngone:\n  type: TXT\n  value: old\nwww:\n  type: A\n  value: 192.0.2.1\n",
    );
    p.apply();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (cfg, diags) = dnsplan::config::load(
        &p.path().join("config.yaml"),
        &dnsplan::provider::registry::Registry,
    );
    let cfg = cfg.unwrap_or_else(|| panic!("{diags:?}"));
    let sel = Selection {
        zones: vec![],
        shard: None,
    };
    let apply_after = |yaml: &str, behind: &[String]| -> String {
        p.write_zone(zone, yaml);
        let planned = rt
            .block_on(engine::plan(&cfg, &sel))
            .unwrap_or_else(|e| panic!("plan: {e}"));
        nsupdate(&t, zone, behind);
        match rt.block_on(engine::apply(&planned, None, true)) {
            Err(ApplyError::Partial { errors, .. }) => errors.join("\n"),
            Err(e) => panic!("unexpected refusal: {e}"),
            Ok(_) => panic!("the apply overwrote a change made behind its back"),
        }
    };
    // an update: www changed meanwhile
    let err = apply_after(
        "---\ngone:\n  type: TXT\n  value: old\nwww:\n  type: A\n  value: 192.0.2.2\n",
        &[
            format!("update delete www.{zone} A"),
            format!("update add www.{zone} 3600 A 192.0.2.9"),
        ],
    );
    for n in [
        "refused the UPDATE (NXRRSET)",
        "changed on the server since it was read",
        "www.concurrent.conformance.test. A: the plan was made when it held 192.0.2.1, the \
         server now holds 192.0.2.9",
        "plan again",
    ] {
        assert!(err.contains(n), "{n:?} missing from: {err}");
    }
    assert_eq!(
        answers(&t, &format!("www.{zone}"), 1),
        [vec![192u8, 0, 2, 9]]
    );
    // a create: the record appeared meanwhile; the delete of the same plan is not applied
    let err = apply_after(
        "---\nnew:\n  type: A\n  value: 192.0.2.3\nwww:\n  type: A\n  value: 192.0.2.9\n",
        &[format!("update add new.{zone} 3600 A 192.0.2.99")],
    );
    for n in [
        "(YXRRSET)",
        "new.concurrent.conformance.test. A: the plan was made when it held nothing, the \
         server now holds 192.0.2.99",
        "delete gone.concurrent.conformance.test. TXT",
    ] {
        assert!(err.contains(n), "{n:?} missing from: {err}");
    }
    assert_eq!(
        answers(&t, &format!("new.{zone}"), 1),
        [vec![192u8, 0, 2, 99]]
    );
    assert_eq!(answers(&t, &format!("gone.{zone}"), 16).len(), 1);
    // a delete: the TXT changed meanwhile
    let err = apply_after(
        "---\nnew:\n  type: A\n  value: 192.0.2.99\nwww:\n  type: A\n  value: 192.0.2.9\n",
        &[
            format!("update delete gone.{zone} TXT"),
            format!("update add gone.{zone} 3600 TXT \"newer\""),
        ],
    );
    assert!(
        err.contains("gone.concurrent.conformance.test. TXT: the plan was made when it held \"old\", the server now holds \"newer\""),
        "{err}"
    );
    // planned afresh, it goes through
    p.write_zone(
        zone,
        "---\nnew:\n  type: A\n  value: 192.0.2.99\nwww:\n  type: A\n  value: 192.0.2.9\n",
    );
    assert_eq!(suite::changes(&p.plan()), ["delete gone TXT"]);
    p.apply();
    assert!(suite::changes(&p.plan()).is_empty());
}

/// Types the model does not carry are kept as `Rfc2136Provider/TYPE` data: never deleted.
fn foreign_types(t: &Target) {
    let zone = "foreign.conformance.test.";
    let p = Project::new(t, &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    p.apply();
    nsupdate(
        t,
        zone,
        &[
            format!("update add hinfo.{zone} 300 HINFO \"PC\" \"Linux\""),
            format!("update add www.{zone} 300 RP admin.example.net. ."),
        ],
    );
    assert!(suite::changes(&p.plan()).is_empty());
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.2\n");
    assert_eq!(suite::changes(&p.plan()), ["update www A"]);
    p.apply();
    assert!(suite::changes(&p.plan()).is_empty());
    assert_eq!(answers(t, &format!("hinfo.{zone}"), 13).len(), 1);
    assert_eq!(answers(t, &format!("www.{zone}"), 17).len(), 1);
}

fn soa_serial(t: &Target, zone: &str) -> u32 {
    let a = answers(t, zone, 6);
    assert_eq!(a.len(), 1, "one SOA");
    // MNAME, RNAME (maybe compressed), then serial, refresh, retry, expire, minimum
    let d = &a[0];
    let p = d.len() - 20;
    u32::from_be_bytes([d[p], d[p + 1], d[p + 2], d[p + 3]])
}

/// dnsplan never writes the SOA: the server increments the serial on each update.
fn serial(t: &Target) {
    let zone = "serial.conformance.test.";
    let p = Project::new(t, &[zone]);
    let before = soa_serial(t, zone);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    let plan = p.plan();
    assert!(
        !plan.to_string().contains("\"SOA\""),
        "the plan touches the SOA: {plan}"
    );
    p.apply();
    let after = soa_serial(t, zone);
    assert!(after > before, "serial {before} → {after}");
    assert!(suite::changes(&p.plan()).is_empty());
    assert_eq!(soa_serial(t, zone), after, "a no-op plan changes nothing");
}

fn missing_zone(t: &Target) {
    let zone = "missing.conformance.test.";
    let p = Project::new(t, &[zone]);
    server_of(t).delete_zone(zone);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    for cmd in ["plan", "apply"] {
        fails_with(
            &p,
            &[cmd, "--config", "config.yaml"],
            &[
                "does not serve zone missing.conformance.test.",
                "RFC 2136 cannot create zones",
            ],
        );
    }
}

fn tsig_errors(t: &Target) {
    let zone = "tsig.conformance.test.";
    let wrong = "c2VjcmV0LXRoYXQtaXMtd3Jvbmctc2VjcmV0LXRoYXQ=";
    let mut bad = t.clone();
    bad.env = vec![(bad.env[0].0.clone(), wrong.into())];
    let p = Project::new(&bad, &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    let out = fails_with(
        &p,
        &["plan", "--config", "config.yaml"],
        &["BADSIG", "key_secret"],
    );
    assert!(!out.contains(wrong), "{out}");
    let p = Project::new(&with(t, "key_name", "no-such-key"), &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    let out = fails_with(
        &p,
        &["plan", "--config", "config.yaml"],
        &["BADKEY", "no-such-key."],
    );
    assert!(!out.contains(&server_of(t).key_secret), "{out}");
    // unsigned: the zone is served, its transfer refused
    let mut unsigned = t.clone();
    unsigned.settings.retain(|(k, _)| !k.starts_with("key_"));
    let p = Project::new(&unsigned, &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    fails_with(
        &p,
        &["plan", "--config", "config.yaml"],
        &["serves zone tsig.conformance.test. but refused to transfer it"],
    );
}

fn axfr_source(t: &Target) {
    let zone = "axfr-source.conformance.test.";
    let src = with(t, "class", "octodns_bind.AxfrSource");
    let p = Project::new(&src, &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    assert_eq!(suite::changes(&p.plan()), ["create www A"]);
    fails_with(
        &p,
        &["apply", "--config", "config.yaml", "--force"],
        &["AxfrSource, a read-only source"],
    );
    assert!(answers(t, &format!("www.{zone}"), 1).is_empty());
}

/// `update_batch_size` (octodns-bind's) splits a plan into several UPDATE messages, and so
/// does a plan larger than one message (lowered here, through the library, to 2 KiB).
fn batches(t: &Target) {
    let zone = "batches.conformance.test.";
    let p = Project::new(&with(t, "update_batch_size", "7"), &[zone]);
    let mut yaml = String::from("---\n");
    for i in 0..40 {
        yaml.push_str(&format!("h{i:02}:\n  type: A\n  value: 192.0.2.{i}\n"));
    }
    p.write_zone(zone, &yaml);
    p.apply();
    assert!(suite::changes(&p.plan()).is_empty());

    use dnsplan::provider::Provider;
    use dnsplan::provider::rfc2136::{Rfc2136Provider, Settings};
    let s = server_of(t);
    let (cfg, diags) = dnsplan::config::load(
        &Project::new(&with(t, "key_secret", &format!("'{}'", s.key_secret)), &[])
            .path()
            .join("config.yaml"),
        &dnsplan::provider::registry::Registry,
    );
    let cfg = cfg.unwrap_or_else(|| panic!("{diags:?}"));
    let mut settings = Settings::from_config(&cfg.providers["target"]).unwrap();
    settings.max_message = 2048;
    let prov = Rfc2136Provider::with_settings("target", settings);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let existing = rt.block_on(prov.existing(zone)).unwrap().unwrap();
    let mut desired = dnsplan::model::Zone::new(zone);
    for i in 0..120 {
        desired.insert(dnsplan::model::RecordSet::new(
            format!("t{i:03}"),
            dnsplan::model::RecordType::Txt,
            300,
            vec![dnsplan::model::Value::Text(format!(
                "text {i} {}",
                "x".repeat(40)
            ))],
        ));
    }
    let plan = dnsplan::plan::diff(Some(&existing), &desired, "target", prov.capabilities());
    assert_eq!(plan.changes.len(), 160, "120 creates and 40 deletes");
    let chunks = dnsplan::provider::rfc2136::update::chunks(&plan, None, 2048).unwrap();
    assert!(chunks.len() > 5, "{} messages", chunks.len());
    rt.block_on(prov.apply(&plan)).unwrap();
    let now = rt.block_on(prov.existing(zone)).unwrap().unwrap();
    let again = dnsplan::plan::diff(Some(&now), &desired, "target", prov.capabilities());
    assert!(again.changes.is_empty(), "{:?}", again.changes);
}

/// `SpfDnsLookupProcessor` with `DNSPLAN_SPF_RESOLVER`: an `include:` outside the zone is
/// resolved through the named server (here BIND, serving the included policy) and its lookups
/// count; without the variable, no query is sent and the include is only warned about.
#[test]
fn spf_includes_outside_the_zone_are_resolved_when_a_resolver_is_named() {
    let partner_zone = "spf.conformance.test.";
    let partner = Project::new(&bind(), &[partner_zone]);
    let policy = |n: usize| format!("v=spf1 {} -all", vec!["a"; n].join(" "));
    let write_partner = |n: usize| {
        partner.write_zone(
            partner_zone,
            &format!("---\n_spf:\n  type: TXT\n  value: {}\n", policy(n)),
        );
        partner.apply();
    };
    write_partner(9);

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("zones")).unwrap();
    std::fs::write(
        dir.path().join("config.yaml"),
        format!(
            "processors:\n  spf:\n    class: octodns.processor.spf.SpfDnsLookupProcessor\n\
             providers:\n  config:\n    class: octodns.provider.yaml.YamlProvider\n    \
             directory: '{zones}'\n  out:\n    class: octodns.provider.yaml.YamlProvider\n    \
             directory: '{out}'\nzones:\n  example.com.:\n    sources: [config]\n    \
             targets: [out]\n    processors: [spf]\n",
            zones = dir.path().join("zones").display(),
            out = dir.path().join("out").display()
        ),
    )
    .unwrap();
    let write_zone = |include: &str| {
        std::fs::write(
            dir.path().join("zones/example.com.yaml"),
            format!("---\n'':\n  type: TXT\n  value: v=spf1 mx include:{include} ~all\n"),
        )
        .unwrap();
    };
    let validate = |resolver: Option<String>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_dnsplan"));
        c.current_dir(dir.path())
            .args(["validate", "--config", "config.yaml"])
            .env_remove("DNSPLAN_SPF_RESOLVER");
        if let Some(r) = resolver {
            c.env("DNSPLAN_SPF_RESOLVER", r);
        }
        c.output().unwrap()
    };
    let server = harness::bind().dns.to_string();
    write_zone("_spf.spf.conformance.test");

    // mx + include + 9 = 11 lookups: over the limit, seen only through the resolver
    let o = validate(None);
    assert!(o.status.success(), "{}", show(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("include:_spf.spf.conformance.test not followed")
            || String::from_utf8_lossy(&o.stdout)
                .contains("include:_spf.spf.conformance.test not followed"),
        "{}",
        show(&o)
    );
    let o = validate(Some(server.clone()));
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("example.com. exceeds the 10 DNS lookup limit")
            || String::from_utf8_lossy(&o.stderr)
                .contains("example.com. exceeds the 10 DNS lookup limit"),
        "{}",
        show(&o)
    );

    // 7 included: 9 in all, within the limit, and nothing to warn about
    write_partner(7);
    let o = validate(Some(server.clone()));
    assert!(o.status.success(), "{}", show(&o));
    assert!(
        !format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
        .contains("not followed"),
        "{}",
        show(&o)
    );

    // a name the resolver does not know is an error naming it
    write_zone("nope.spf.conformance.test");
    let o = validate(Some(server.clone()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains("include:nope.spf.conformance.test could not be resolved"),
        "{text}"
    );
    assert!(text.contains("NXDOMAIN"), "{text}");

    // an unusable variable is an error of its own
    let o = validate(Some("not-an-address".into()));
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("DNSPLAN_SPF_RESOLVER=not-an-address")
            || String::from_utf8_lossy(&o.stderr).contains("DNSPLAN_SPF_RESOLVER=not-an-address"),
        "{}",
        show(&o)
    );
}
