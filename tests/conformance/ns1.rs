//! NS1 as a conformance target: the real dnsplan binary against `ns1_fake` (NS1's REST API v1,
//! written from its published reference). The fake serves no DNS: besides the suite's plan →
//! apply → empty re-plan, what dnsplan wrote is read back from the fake's store — answers,
//! filter chains, regions, monitors, notify lists and data feeds. octodns-ns1 itself runs
//! against the same fake in `ns1_octodns`.

use std::collections::BTreeSet;

use serde_json::{Value as J, json};

use crate::cases;
use crate::ns1_fake::{self, NS1_KEY, Ns1Fake};
use crate::suite::{self, Project, Target, changes, show};

fn settings(fake: &Ns1Fake, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    suite::settings_with(
        vec![
            ("class", "octodns_ns1.Ns1Provider".to_string()),
            ("api_key", "env/NS1_API_KEY".to_string()),
            ("api_url", fake.api_url()),
            ("monitor_regions", "[lga]".to_string()),
        ],
        extra,
    )
}

fn types() -> BTreeSet<String> {
    dnsplan::provider::ns1::supported_types()
        .iter()
        .map(|t| t.as_str().to_string())
        .collect()
}

fn target() -> Target {
    Target {
        name: "ns1".into(),
        settings: settings(ns1_fake::ns1(), &[]),
        env: vec![("NS1_API_KEY".into(), NS1_KEY.into())],
        dns: None,
        types: types(),
        reset: |zone| ns1_fake::ns1().reset_zone(zone),
    }
}

/// A target on a fake of its own (tests that change the fake's rules or watch its requests).
fn own_target(fake: &Ns1Fake, extra: &[(&str, &str)]) -> Target {
    Target {
        reset: |_| {},
        settings: settings(fake, extra),
        ..target()
    }
}

fn run(case: suite::Case) {
    suite::run_case(&target(), &case).unwrap_or_else(|why| panic!("not applicable: {why}"));
}

#[test]
fn txt_lengths_and_escapes() {
    run(cases::txt());
}

#[test]
fn cname_a_swap() {
    run(cases::swap());
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
fn apex_alias() {
    run(cases::alias());
}

/// 1,200 records, listed 500 a page (NS1 pages long zones with `Link: rel="next"`).
#[test]
fn twelve_hundred_records() {
    let fake = Ns1Fake::start();
    fake.set_page_size(500);
    suite::run_case(&own_target(&fake, &[]), &cases::large()).unwrap();
    let pages = fake
        .requests()
        .iter()
        .filter(|r| r.starts_with("GET /v1/zones/large.conformance.test?"))
        .count();
    assert!(
        pages >= 2,
        "{:?}",
        fake.requests()
            .iter()
            .filter(|r| r.starts_with("GET"))
            .take(10)
            .collect::<Vec<_>>()
    );
}

#[test]
fn partial_ownership() {
    suite::run_partial(&target(), "partial.ns1.test.");
}

#[test]
fn cases_needing_other_types_are_named_not_applicable() {
    assert_eq!(
        suite::run_case(&target(), &cases::types()),
        Err("types: ns1 does not hold HTTPS, LOC, OPENPGPKEY, SSHFP, SVCB, URI".to_string())
    );
}

/// Every type NS1 holds, as octodns-ns1 writes it (`_params_for_*`): one answer per value,
/// each a list of its fields; TXT raw; then updated and deleted.
#[test]
fn every_type_as_octodns_ns1_writes_it() {
    let fake = Ns1Fake::start();
    let zone = "types.ns1.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    let long = "q".repeat(300);
    let state = |v: &str| {
        format!(
            "---
'':
- {{type: CAA, values: [{{flags: 0, tag: issue, value: letsencrypt.org}}, {{flags: 128, tag: iodef, value: 'mailto:a@types.ns1.test'}}]}}
- {{type: MX, values: [{{exchange: mx1.{zone}, preference: 10}}, {{exchange: mx2.{zone}, preference: 20}}]}}
- {{type: NS, values: [ns1.example.net., ns2.example.net.]}}
- {{type: SPF, value: 'v=spf1 -all'}}
- {{type: TXT, values: ['k=v\\; {long}', 'plain {v}']}}
- {{type: URLFWD, value: {{code: 301, masking: 2, path: /, query: 0, target: 'https://www.{zone}'}}}}
_443._tcp: {{type: TLSA, value: {{certificate_association_data: abcdef0123, certificate_usage: 3, matching_type: 1, selector: 1}}}}
_sip._tcp: {{type: SRV, value: {{port: 5060, priority: 10, target: sip.{zone}, weight: 20}}}}
a: {{type: A, values: [192.0.2.1, {v}]}}
aaaa: {{type: AAAA, value: '2001:db8::1'}}
cname: {{type: CNAME, value: www.{zone}}}
delegated: [{{type: DS, value: {{algorithm: 13, digest: 2bb183af, digest_type: 1, key_tag: 60485}}}}, {{type: NS, value: ns.example.net.}}]
dname: {{type: DNAME, value: other.example.net.}}
naptr: {{type: NAPTR, value: {{flags: S, order: 10, preference: 20, regexp: '', replacement: _sip._udp.{zone}, service: SIP+D2U}}}}
ptr: {{type: PTR, values: [a.example.net., b.example.net.]}}
www: {{type: A, value: 192.0.2.80}}
"
        )
    };
    p.write_zone(zone, &state("192.0.2.2"));
    assert_eq!(changes(&p.plan()).len(), 17);
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    let answers = |domain: &str, t: &str| -> Vec<J> {
        let r = fake
            .record(zone, domain, t)
            .unwrap_or_else(|| panic!("{domain} {t} in the fake"));
        r["answers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["answer"].clone())
            .collect()
    };
    let z = zone.trim_end_matches('.');
    assert_eq!(
        answers(z, "CAA"),
        [
            json!([0, "issue", "letsencrypt.org"]),
            json!([128, "iodef", "mailto:a@types.ns1.test"])
        ]
    );
    assert_eq!(
        answers(z, "MX"),
        [
            json!([10, format!("mx1.{zone}")]),
            json!([20, format!("mx2.{zone}")])
        ]
    );
    assert_eq!(
        answers(z, "TXT"),
        [json!([format!("k=v; {long}")]), json!(["plain 192.0.2.2"])]
    );
    assert_eq!(
        answers(z, "URLFWD"),
        [json!(["/", format!("https://www.{zone}"), 301, 2, 0])]
    );
    assert_eq!(
        answers(&format!("_sip._tcp.{z}"), "SRV"),
        [json!([10, 20, 5060, format!("sip.{zone}")])]
    );
    assert_eq!(
        answers(&format!("delegated.{z}"), "DS"),
        [json!([60485, 13, 1, "2bb183af"])]
    );
    assert_eq!(
        answers(&format!("naptr.{z}"), "NAPTR"),
        [json!([
            10,
            20,
            "S",
            "SIP+D2U",
            "",
            format!("_sip._udp.{zone}")
        ])]
    );
    assert_eq!(
        answers(&format!("a.{z}"), "A"),
        [json!(["192.0.2.1"]), json!(["192.0.2.2"])]
    );
    // the apex NS NS1 made with the zone was overwritten, not added to
    assert_eq!(
        answers(z, "NS"),
        [json!(["ns1.example.net."]), json!(["ns2.example.net."])]
    );
    // then updated: one value of A and TXT
    p.write_zone(zone, &state("192.0.2.3"));
    assert_eq!(changes(&p.plan()), ["update @ TXT", "update a A"]);
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    // and removed, but for the apex NS
    p.write_zone(
        zone,
        "---\n'':\n  type: NS\n  values: [ns1.example.net., ns2.example.net.]\n",
    );
    let plan = p.plan();
    assert_eq!(changes(&plan).len(), 16, "{:?}", changes(&plan));
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    assert_eq!(fake.zone_records(zone).len(), 1);
}

/// Changes made in the portal are planned and converge; types dnsplan does not manage are
/// left alone; a target written without its final dot reads with it.
#[test]
fn changes_behind_dnsplans_back() {
    let fake = Ns1Fake::start();
    let zone = "behind.ns1.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(
        zone,
        "---\nwww:\n  type: A\n  values: [192.0.2.1, 192.0.2.2]\nc:\n  type: CNAME\n  value: www.behind.ns1.test.\n",
    );
    p.apply();
    let z = zone.trim_end_matches('.');
    fake.put_record(
        zone,
        json!({"zone": z, "domain": format!("www.{z}"), "type": "A", "ttl": 3600,
        "answers": [{"answer": ["192.0.2.1"]}, {"answer": ["198.51.100.9"]}]}),
    );
    fake.put_record(
        zone,
        json!({"zone": z, "domain": format!("rogue.{z}"), "type": "TXT",
        "answers": [{"answer": ["x"]}]}),
    );
    fake.put_record(
        zone,
        json!({"zone": z, "domain": format!("c.{z}"), "type": "CNAME", "ttl": 3600,
        "answers": [{"answer": [format!("www.{z}")]}]}),
    );
    fake.put_record(
        zone,
        json!({"zone": z, "domain": format!("info.{z}"), "type": "HINFO",
        "answers": [{"answer": ["a", "b"]}]}),
    );
    assert_eq!(changes(&p.plan()), ["delete rogue TXT", "update www A"]);
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    assert!(
        fake.record(zone, &format!("info.{z}"), "HINFO").is_some(),
        "left alone"
    );
}

/// A write NS1 refuses stops the apply: each change is named applied, failed or not applied,
/// and the next apply finishes the work.
#[test]
fn a_refused_write_is_reported_item_by_item() {
    let fake = Ns1Fake::start();
    let zone = "refused.ns1.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(zone, "---\na:\n  type: A\n  value: 192.0.2.1\n");
    p.apply();
    let mut yaml = String::from("---\na:\n  type: A\n  value: 192.0.2.9\n");
    for i in 0..8 {
        yaml.push_str(&format!("n{i}:\n  type: A\n  value: 192.0.2.{}\n", 10 + i));
    }
    p.write_zone(zone, &yaml);
    fake.fail_writes_after(2, 400, "record locked (injected)");
    let o = p.run(&["apply", "--config", "config.yaml", "--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let err = show(&o);
    assert!(
        err.contains("of 9 changes applied before the apply stopped"),
        "{err}"
    );
    assert!(
        err.contains("(HTTP 400): record locked (injected)"),
        "{err}"
    );
    assert!(err.contains("not applied:"), "{err}");
    assert!(err.contains("the zone is partly changed"), "{err}");
    let left = changes(&p.plan());
    assert!(!left.is_empty() && left.len() < 9, "{left:?}");
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
}

/// NS1's bucket: with 5 requests a second, a 1,200-record apply finishes through 429s (each
/// waited out and sent again) and the client follows the reported bucket.
#[test]
fn the_key_s_bucket_is_followed_and_429_waited_out() {
    let fake = Ns1Fake::start();
    let zone = "rate.ns1.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    let mut yaml = String::from("---\n");
    for i in 0..40 {
        yaml.push_str(&format!("h{i}:\n  type: A\n  value: 192.0.2.{i}\n"));
    }
    p.write_zone(zone, &yaml);
    fake.set_rate(10, 1);
    let start = std::time::Instant::now();
    p.apply();
    let took = start.elapsed();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    // 40 writes and a few reads at 10 a second (a full bucket of 10 at the start)
    assert!(took >= std::time::Duration::from_secs(3), "{took:?}");
    fake.set_rate(10_000, 1);
}

/// A wrong key is refused with a hint and never shown.
#[test]
fn a_wrong_key_is_refused_and_never_shown() {
    let fake = ns1_fake::ns1();
    let zone = "key.ns1.test.";
    let wrong = "ns1-wrong-key-abcdefghijklmnop";
    let mut t = own_target(fake, &[]);
    t.env = vec![("NS1_API_KEY".into(), wrong.into())];
    let p = Project::new(&t, &[zone]);
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.1\n");
    let o = p.run(&["plan", "--config", "config.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let all = show(&o);
    assert!(all.contains("HTTP 401") && all.contains("api_key"), "{all}");
    assert!(!all.contains(wrong), "{all}");
}

const DYNAMIC: &str = "---
'':
  type: NS
  values: [ns1.example.net., ns2.example.net.]
www:
  type: A
  ttl: 60
  values: [192.0.2.99]
  octodns:
    healthcheck: {path: /health, port: 8080, protocol: HTTP}
    ns1:
      healthcheck: {frequency: 30, policy: all}
  dynamic:
    pools:
      eu:
        fallback: us
        values:
        - {value: 192.0.2.10, weight: 3}
        - {value: 192.0.2.11}
      us:
        values: [{value: 192.0.2.20}]
      asia:
        values: [{value: 192.0.2.30, status: up}]
      office:
        values: [{value: 192.0.2.40, status: down}]
      rest:
        values: [{value: 192.0.2.50}]
    rules:
    - {pool: office, subnets: [10.0.0.0/8]}
    - {pool: eu, geos: [EU, AF]}
    - {pool: asia, geos: [AS, NA-CA-BC]}
    - {pool: us, geos: [NA-US-CA, SA-BR]}
    - {pool: rest}
";

/// The monitors of a record in the fake, by the value they check.
fn monitor_hosts(fake: &Ns1Fake) -> Vec<String> {
    let mut v: Vec<String> = fake
        .monitors()
        .iter()
        .map(|m| m["config"]["host"].as_str().unwrap_or_default().to_string())
        .collect();
    v.sort();
    v
}

/// A dynamic record in octodns-ns1's layout: written with its monitors, notify lists, data
/// source and feeds; re-planned clean; a monitor changed or deleted in the portal is planned
/// as an update (octodns-ns1's extra changes) and repaired; a value no longer monitored loses
/// its monitor, feed and list; a deleted record takes its monitors with it.
#[test]
fn dynamic_records_with_monitors() {
    let fake = Ns1Fake::start();
    let zone = "dyn.ns1.test.";
    let z = zone.trim_end_matches('.');
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(zone, DYNAMIC);
    assert_eq!(changes(&p.plan()), ["create @ NS", "create www A"]);
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    let r = fake.record(zone, &format!("www.{z}"), "A").unwrap();
    let filters: Vec<&str> = r["filters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["filter"].as_str().unwrap())
        .collect();
    assert_eq!(
        filters,
        [
            "up",
            "netfence_prefix",
            "geofence_country",
            "geofence_regional",
            "select_first_region",
            "priority",
            "weighted_shuffle",
            "select_first_n"
        ]
    );
    let regions: Vec<&String> = r["regions"].as_object().unwrap().keys().collect();
    assert_eq!(
        regions,
        [
            "asia__country",
            "eu__georegion",
            "office__subnet",
            "rest__catchall",
            "us__country"
        ]
    );
    // the four obey values are monitored, the forced ones not
    assert_eq!(
        monitor_hosts(&fake),
        ["192.0.2.10", "192.0.2.11", "192.0.2.20", "192.0.2.50"]
    );
    let m = fake
        .monitors()
        .into_iter()
        .find(|m| m["config"]["host"] == "192.0.2.10")
        .unwrap();
    assert_eq!(m["name"], format!("www.{z} - A - 192.0.2.10"));
    assert_eq!(m["notes"], format!("host:www.{z} type:A"));
    assert_eq!(
        (
            m["job_type"].as_str(),
            m["frequency"].as_i64(),
            m["policy"].as_str()
        ),
        (Some("tcp"), Some(30), Some("all"))
    );
    assert_eq!(
        m["config"]["send"],
        format!("GET /health HTTP/1.0\\r\\nHost: www.{z}\\r\\nUser-agent: NS1\\r\\n\\r\\n")
    );
    let sources = fake.data_sources();
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0]["name"], "octoDNS NS1 Data Source");
    let source = sources[0]["id"].as_str().unwrap().to_string();
    assert_eq!(fake.data_feeds(&source).len(), 4);
    assert_eq!(fake.notify_lists().len(), 4, "one list per monitor");
    // every monitored answer follows its monitor's feed
    for a in r["answers"].as_array().unwrap() {
        let v = a["answer"][0].as_str().unwrap();
        match v {
            "192.0.2.30" | "192.0.2.99" => assert_eq!(a["meta"]["up"], true, "{a}"),
            "192.0.2.40" => assert_eq!(a["meta"]["up"], false, "{a}"),
            _ => assert!(
                fake.feed_exists(a["meta"]["up"]["feed"].as_str().unwrap()),
                "{a}"
            ),
        }
    }

    // a monitor changed in the portal, another deleted: the record is planned as an update
    fake.edit_monitor(m["id"].as_str().unwrap(), json!({"frequency": 120}));
    assert_eq!(changes(&p.plan()), ["update www A"]);
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    let again = fake
        .monitors()
        .into_iter()
        .find(|x| x["id"] == m["id"])
        .unwrap();
    assert_eq!(again["frequency"], 30, "updated in place");
    let gone = fake
        .monitors()
        .into_iter()
        .find(|m| m["config"]["host"] == "192.0.2.20")
        .unwrap();
    fake.delete_monitor(gone["id"].as_str().unwrap());
    assert_eq!(changes(&p.plan()), ["update www A"]);
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    assert_eq!(
        monitor_hosts(&fake),
        ["192.0.2.10", "192.0.2.11", "192.0.2.20", "192.0.2.50"]
    );

    // 192.0.2.11 forced up: its monitor, feed and list go
    p.write_zone(
        zone,
        &DYNAMIC.replace("- {value: 192.0.2.11}", "- {value: 192.0.2.11, status: up}"),
    );
    assert_eq!(changes(&p.plan()), ["update www A"]);
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    assert_eq!(
        monitor_hosts(&fake),
        ["192.0.2.10", "192.0.2.20", "192.0.2.50"]
    );
    assert_eq!(fake.data_feeds(&source).len(), 3);
    assert_eq!(fake.notify_lists().len(), 3);

    // the filter chain edited in the portal: rewritten
    let mut filters = r["filters"].clone();
    filters.as_array_mut().unwrap().remove(1);
    fake.edit_record(
        zone,
        &format!("www.{z}"),
        "A",
        json!({ "filters": filters }),
    );
    assert_eq!(changes(&p.plan()), ["update www A"]);
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());

    // the record made plain, then deleted: no monitor is left
    p.write_zone(zone, "---\n'':\n  type: NS\n  values: [ns1.example.net., ns2.example.net.]\nwww:\n  type: A\n  value: 192.0.2.99\n");
    assert_eq!(changes(&p.plan()), ["update www A"]);
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    let r = fake.record(zone, &format!("www.{z}"), "A").unwrap();
    assert_eq!(
        (r["filters"].clone(), r["regions"].clone()),
        (json!([]), json!({}))
    );
    assert!(fake.monitors().is_empty(), "{:?}", fake.monitors());
    assert!(fake.notify_lists().is_empty());
    assert!(fake.data_feeds(&source).is_empty());
}

/// `shared_notifylist: true`: every monitor on the one `octoDNS NS1 Notify List`, which stays
/// when monitors go; `use_http_monitors: true`: `http` monitors with the value in the notes.
#[test]
fn shared_notify_list_and_http_monitors() {
    let fake = Ns1Fake::start();
    let zone = "shared.ns1.test.";
    let p = Project::new(
        &own_target(
            &fake,
            &[("shared_notifylist", "true"), ("use_http_monitors", "true")],
        ),
        &[zone],
    );
    p.write_zone(zone, &DYNAMIC.replace("protocol: HTTP", "protocol: HTTPS"));
    p.apply();
    assert_eq!(changes(&p.plan()), Vec::<String>::new());
    let lists = fake.notify_lists();
    assert_eq!(lists.len(), 1);
    assert_eq!(lists[0]["name"], "octoDNS NS1 Notify List");
    let m = fake
        .monitors()
        .into_iter()
        .find(|m| m["notes"].as_str().unwrap().contains("value:192.0.2.10"))
        .unwrap();
    assert_eq!(m["job_type"], "http");
    assert_eq!(m["config"]["url"], "https://192.0.2.10:8080/health");
    p.write_zone(zone, "---\nwww:\n  type: A\n  value: 192.0.2.99\n");
    p.apply();
    assert!(fake.monitors().is_empty());
    assert_eq!(fake.notify_lists().len(), 1, "the shared list stays");
}

/// What NS1 cannot hold is refused before any request is sent; without `monitor_regions` a
/// plan warns and an apply refuses to start.
#[test]
fn what_ns1_cannot_hold_is_refused_before_sending() {
    let fake = Ns1Fake::start();
    let zone = "refuse.ns1.test.";
    let p = Project::new(&own_target(&fake, &[]), &[zone]);
    p.write_zone(zone, &DYNAMIC.replace("geos: [AS, NA-CA-BC]", "geos: [OC]"));
    let o = p.run(&["apply", "--config", "config.yaml", "--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(
        show(&o).contains("unsupported continent code OC"),
        "{}",
        show(&o)
    );
    assert!(
        fake.requests().iter().all(|r| r.starts_with("GET ")),
        "{:?}",
        fake.requests()
    );

    let p = Project::new(&own_target(&fake, &[("monitor_regions", "")]), &[zone]);
    p.write_zone(zone, DYNAMIC);
    let o = p.run(&["plan", "--config", "config.yaml"]);
    assert!(show(&o).contains("monitor_regions"), "{}", show(&o));
    let o = p.run(&["apply", "--config", "config.yaml", "--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(
        show(&o).contains("`monitor_regions` is not set"),
        "{}",
        show(&o)
    );
    assert!(
        fake.requests().iter().all(|r| r.starts_with("GET ")),
        "{:?}",
        fake.requests()
    );
    assert!(!fake.zone_exists(zone));
}
