use serde_json::{Value as J, json};

use super::*;
use crate::model::Value;

fn config(settings: J) -> ProviderConfig {
    ProviderConfig {
        id: "ns1".into(),
        class: "octodns_ns1.Ns1Provider".into(),
        files: None,
        common: crate::config::Common::default(),
        settings: crate::yaml::de::node_from_json(&settings),
        secret_keys: ["api_key".to_string()].into(),
        missing_env: false,
        pos: crate::yaml::Pos::none(),
    }
}

fn settings(j: J) -> Settings {
    Settings::from_config(&config(j)).unwrap()
}

#[test]
fn settings_are_octodns_ns1s() {
    let s = settings(json!({"api_key": "key-123456789"}));
    assert_eq!(s.api_url, "https://api.nsone.net/v1");
    assert_eq!((s.retry_count, s.parallelism), (4, 0));
    assert!(s.monitor_regions.is_empty() && !s.shared_notifylist && !s.use_http_monitors);
    assert_eq!(s.default_http_version, "HTTP/1.0");
    assert!(!format!("{s:?}").contains("key-123456789"));
    // octoDNS's client_config names a private deployment; a port may be text or a number
    let s = settings(
        json!({"api_key": "k", "client_config": {"endpoint": "ns1.corp.example", "port": "8443", "follow_pagination": true}}),
    );
    assert_eq!(s.api_url, "https://ns1.corp.example:8443/v1");
    let s = settings(
        json!({"api_key": "k", "monitor_regions": ["lga", "sjc"], "parallelism": 11, "retry_count": 2}),
    );
    assert_eq!(s.monitor_regions, ["lga", "sjc"]);
    assert_eq!((s.retry_count, s.parallelism), (2, 11));
    let err = |j: J| Settings::from_config(&config(j)).unwrap_err().to_string();
    assert!(err(json!({})).contains("missing `api_key`"));
    assert!(
        err(json!({"api_key": "k", "client_config": {"ignore-ssl-errors": true}}))
            .contains("verifies")
    );
    assert!(
        err(json!({"api_key": "k", "client_config": {"endpoint": "https://x"}}))
            .contains("host name")
    );
    assert!(
        err(json!({"api_key": "k", "client_config": {"transport": "requests"}}))
            .contains("transport")
    );
    assert!(
        err(json!({"api_key": "k", "default_healthcheck_http_version": "HTTP/2"}))
            .contains("unsupported http version")
    );
    assert!(
        err(json!({"api_key": "k", "api_url": "http://ns1.example.com/v1"})).contains("https://")
    );
    assert!(
        err(json!({"api_key": "k", "api_url": "https://a/v1", "client_config": {"port": 1}}))
            .contains("not both")
    );
}

#[tokio::test]
async fn hostile_zone_names_are_refused_before_any_request() {
    let server = wiremock::MockServer::start().await;
    let s = settings(json!({"api_key": "k-123456789", "api_url": format!("{}/v1", server.uri())}));
    let p = Ns1Provider::with_settings("ns1", s).unwrap();
    crate::provider::assert_refuses_hostile_zones(&p).await;
    assert!(server.received_requests().await.unwrap().is_empty());
}

fn record(name: &str, data: J) -> RecordSet {
    let node = crate::yaml::de::node_from_json(&data);
    crate::model::build::record_from_node(name, &node, 3600).unwrap()
}

#[test]
fn plain_answers_as_octodns_ns1_sends_and_reads_them() {
    let cases: &[(J, &[&str])] = &[
        (
            json!({"type": "TXT", "value": "v=spf1 -all\\; x"}),
            &["v=spf1 -all; x"],
        ),
        (
            json!({"type": "MX", "value": {"preference": 10, "exchange": "mx.example.com."}}),
            &["10 mx.example.com."],
        ),
        (
            json!({"type": "CAA", "value": {"flags": 0, "tag": "issue", "value": "ca.example.net; x=1"}}),
            &["0 issue ca.example.net; x=1"],
        ),
        (
            json!({"type": "SRV", "value": {"priority": 1, "weight": 2, "port": 3, "target": "t.example.com."}}),
            &["1 2 3 t.example.com."],
        ),
        (
            json!({"type": "NAPTR", "value": {"order": 1, "preference": 2, "flags": "S", "service": "SIP+D2U", "regexp": "", "replacement": "_sip._udp.example.com."}}),
            &["1 2 S SIP+D2U  _sip._udp.example.com."],
        ),
        (
            json!({"type": "DS", "value": {"key_tag": 1, "algorithm": 8, "digest_type": 2, "digest": "abcd"}}),
            &["1 8 2 abcd"],
        ),
        (
            json!({"type": "CNAME", "value": "t.example.com."}),
            &["t.example.com."],
        ),
        (
            json!({"type": "URLFWD", "value": {"path": "/", "target": "https://e.example/", "code": 301, "masking": 2, "query": 0}}),
            &["/ https://e.example/ 301 2 0"],
        ),
    ];
    for (data, short) in cases {
        let mut data = data.clone();
        data["ttl"] = json!(300);
        let r = record("x", data);
        let body = records::plain_body(&r);
        let got: Vec<String> = body["answers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| records::short_answer(&a["answer"]))
            .collect();
        assert_eq!(got, *short, "{:?}", r.rtype);
        // read back from the listing's short answers: the same record
        let values: Vec<J> = got
            .iter()
            .map(|a| records::value_data(r.rtype.as_str(), a).unwrap())
            .collect();
        let back = record(
            "x",
            json!({"type": r.rtype.as_str(), "ttl": 300, "values": values}),
        );
        assert_eq!(back, r, "{:?}", r.rtype);
    }
    // targets listed without their final dot get it back
    assert_eq!(
        records::value_data("MX", "10 mx.example.com").unwrap()["exchange"],
        "mx.example.com."
    );
    assert_eq!(records::value_data("TXT", "a;b").unwrap(), "a\\;b");
    assert!(records::value_data("SRV", "1 2 3").is_err());
}

/// A dynamic record using every kind of target: continents with and without an NS1 region,
/// a country also named inside a listed continent, a US state, subnets, fallbacks, forced
/// and monitored values.
fn dynamic_record() -> RecordSet {
    let mut r = record(
        "www",
        json!({
            "type": "A", "ttl": 60, "values": ["192.0.2.10", "192.0.2.11"],
            "dynamic": {
                "pools": {
                    "eu": {"values": [{"value": "192.0.2.1", "weight": 3}, {"value": "192.0.2.2", "weight": 1, "status": "down"}], "fallback": "us"},
                    "us": {"values": [{"value": "192.0.2.3"}], "fallback": "ap"},
                    "ap": {"values": [{"value": "192.0.2.4", "status": "up"}]},
                    "jp": {"values": [{"value": "192.0.2.5"}]},
                    "lan": {"values": [{"value": "192.0.2.6"}]},
                },
                "rules": [
                    {"pool": "lan", "subnets": ["10.0.0.0/8"]},
                    {"pool": "jp", "geos": ["AS-JP"]},
                    {"pool": "eu", "geos": ["EU", "AF"]},
                    {"pool": "ap", "geos": ["AS", "NA-CA-BC"]},
                    {"pool": "us", "geos": ["NA-US-CA", "SA-BR"]},
                    {"pool": "us2", "geos": ["NA"]},
                ],
            },
        }),
    );
    // a pool for the NA rule
    let d = r.dynamic.as_mut().unwrap();
    d.rules.pop();
    r
}

/// The whole record NS1 would hold for `r` (what `dynamic_body` sends, monitored values fed
/// by `feed-<value>`).
fn as_ns1_holds_it(r: &RecordSet) -> J {
    let d = r.dynamic.as_ref().unwrap();
    let mut values: BTreeMap<String, Vec<dynamic::Answer>> = BTreeMap::new();
    for (name, p) in &d.pools {
        for v in &p.values {
            let value = v.value.to_rdata();
            values
                .entry(name.clone())
                .or_default()
                .push(dynamic::Answer {
                    feed: (v.status == Status::Obey).then(|| format!("feed-{value}")),
                    value,
                    weight: v.weight,
                    status: v.status,
                });
        }
    }
    let regions = dynamic::regions(d);
    json!({
        "answers": dynamic::answers(d, r, &regions.regions, &values),
        "filters": dynamic::chain(regions.region, regions.country, regions.subnet),
        "regions": regions.regions,
        "ttl": r.ttl,
        "tier": 3,
    })
}

#[test]
fn a_dynamic_record_reads_back_as_written() {
    let r = dynamic_record();
    let held = as_ns1_holds_it(&r);
    let data = dynamic::read(&RecordType::A, &held).unwrap();
    let back = record("www", data);
    assert_eq!(back, r, "{:#?}\n{:#?}", back.dynamic, r.dynamic);
    assert!(dynamic::is_octodns_layout(&RecordType::A, &held));
    assert!(dynamic::chain_is(
        held["filters"].as_array().unwrap(),
        &dynamic::chain_for(r.dynamic.as_ref().unwrap())
    ));
}

#[test]
fn the_layout_is_octodns_ns1s() {
    let r = dynamic_record();
    let held = as_ns1_holds_it(&r);
    // every filter, in octodns-ns1's order
    let names: Vec<&str> = held["filters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["filter"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
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
    let regions = held["regions"].as_object().unwrap();
    let labels: Vec<&String> = regions.keys().collect();
    assert_eq!(
        labels,
        [
            "ap__country",
            "eu__georegion",
            "jp__country",
            "lan__subnet",
            "us__country"
        ]
    );
    assert_eq!(
        regions["eu__georegion"]["meta"],
        json!({"georegion": ["AFRICA", "EUROPE"], "note": "fallback:us rule-order:2"})
    );
    assert_eq!(
        regions["us__country"]["meta"],
        json!({"country": ["BR"], "us_state": ["CA"], "note": "fallback:ap rule-order:4"})
    );
    assert_eq!(
        regions["lan__subnet"]["meta"],
        json!({"ip_prefixes": ["10.0.0.0/8"], "note": "rule-order:0"})
    );
    // AS as its countries, less Japan (another rule's), with the continent in the note
    let ap = &regions["ap__country"]["meta"];
    assert_eq!(ap["note"], "continents:AS rule-order:3");
    assert_eq!(ap["ca_province"], json!(["BC"]));
    let ccs: Vec<&str> = ap["country"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(
        ccs.contains(&"CN") && ccs.contains(&"IN") && !ccs.contains(&"JP"),
        "{ccs:?}"
    );
    // eu answers: its pool at priority 1, the fallback chain after, then the defaults
    let eu: Vec<(i64, String, J, String)> = held["answers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["region"] == "eu__georegion")
        .map(|a| {
            (
                a["meta"]["priority"].as_i64().unwrap(),
                a["answer"][0].as_str().unwrap().to_string(),
                a["meta"]["up"].clone(),
                a["meta"]["note"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        eu,
        vec![
            (
                1,
                "192.0.2.1".into(),
                json!({"feed": "feed-192.0.2.1"}),
                "fallback:us from:eu__georegion pool:eu".into()
            ),
            (
                1,
                "192.0.2.2".into(),
                json!(false),
                "fallback:us from:eu__georegion pool:eu".into()
            ),
            (
                2,
                "192.0.2.3".into(),
                json!({"feed": "feed-192.0.2.3"}),
                "fallback:ap from:eu__georegion pool:us".into()
            ),
            (
                3,
                "192.0.2.4".into(),
                json!(true),
                "fallback: from:eu__georegion pool:ap".into()
            ),
            (
                4,
                "192.0.2.10".into(),
                json!(true),
                "from:--default--".into()
            ),
            (
                4,
                "192.0.2.11".into(),
                json!(true),
                "from:--default--".into()
            ),
        ]
    );
}

#[test]
fn records_made_before_octodns_ns1_0_9_11_still_read() {
    // the region names the pool, only priority 1 answers count, the fallback is in the
    // region's note
    let held = json!({
        "ttl": 60,
        "answers": [
            {"answer": ["192.0.2.1"], "meta": {"priority": 1, "note": "from:eu__georegion", "up": true, "weight": 2}, "region": "eu__georegion"},
            {"answer": ["192.0.2.9"], "meta": {"priority": 2, "note": "from:eu__georegion", "up": true}, "region": "eu__georegion"},
            {"answer": ["192.0.2.10"], "meta": {"priority": 3, "note": "from:--default--", "up": true}, "region": "eu__georegion"},
        ],
        "regions": {"eu__georegion": {"meta": {"georegion": ["EUROPE"], "note": "fallback:other rule-order:0"}}},
    });
    let data = dynamic::read(&RecordType::A, &held).unwrap();
    assert_eq!(
        data["dynamic"]["pools"]["eu"]["values"],
        json!([{"value": "192.0.2.1", "weight": 2, "status": "up"}])
    );
    assert_eq!(data["dynamic"]["pools"]["eu"]["fallback"], "other");
    assert_eq!(
        data["dynamic"]["rules"],
        json!([{"pool": "eu", "geos": ["EU"]}])
    );
    assert_eq!(data["values"], json!(["192.0.2.10"]));
    // an unknown NS1 georegion or a region without its rule order is an error, not a guess
    let mut bad = held.clone();
    bad["regions"]["eu__georegion"]["meta"]["georegion"] = json!(["MOON"]);
    assert!(
        dynamic::read(&RecordType::A, &bad)
            .unwrap_err()
            .contains("MOON")
    );
    bad["regions"]["eu__georegion"]["meta"] = json!({"note": "x:y"});
    assert!(
        dynamic::read(&RecordType::A, &bad)
            .unwrap_err()
            .contains("rule-order")
    );
}

#[test]
fn a_filter_chain_is_the_one_the_rules_need() {
    let want = dynamic::chain(true, false, false);
    let mut c = want.clone();
    assert!(dynamic::chain_is(&c, &want));
    c[0]["disabled"] = json!(false);
    assert!(
        dynamic::chain_is(&c, &want),
        "disabled: false is the same chain"
    );
    c[0]["disabled"] = json!(true);
    assert!(!dynamic::chain_is(&c, &want));
    // a chain octodns-ns1 could have written, but not the one these rules need
    assert!(!dynamic::chain_is(
        &dynamic::chain(true, true, false),
        &want
    ));
    let mut shuffled = dynamic::chain(false, true, true);
    shuffled.swap(1, 2);
    assert!(!dynamic::chain_is(
        &shuffled,
        &dynamic::chain(false, true, true)
    ));
    assert!(!dynamic::chain_is(&[], &want));
    assert_eq!(
        dynamic::chain_for(dynamic_record().dynamic.as_ref().unwrap()),
        dynamic::chain(true, true, true)
    );
}

fn monitored(octodns: J) -> RecordSet {
    let mut r = record(
        "www",
        json!({"type": "AAAA", "ttl": 60, "value": "2001:db8::1",
               "dynamic": {"pools": {"a": {"values": [{"value": "2001:db8::2"}]}}, "rules": [{"pool": "a"}]}}),
    );
    r.settings.raw = octodns.as_object().unwrap().clone();
    r
}

#[test]
fn monitors_are_octodns_ns1s() {
    let s = settings(json!({"api_key": "k", "monitor_regions": ["lga"]}));
    let r = monitored(
        json!({"healthcheck": {"path": "/up", "port": 8443}, "ns1": {"healthcheck": {"policy": "all", "frequency": 30, "rapid_recheck": true}}}),
    );
    let m = monitors::expected(&r, "example.com.", "2001:db8::2", &s).unwrap();
    assert_eq!(
        m,
        json!({
            "active": true,
            "name": "www.example.com - AAAA - 2001:db8::2",
            "notes": "host:www.example.com type:AAAA",
            "policy": "all", "frequency": 30, "rapid_recheck": true,
            "region_scope": "fixed", "regions": ["lga"],
            "job_type": "tcp",
            "config": {
                "host": "2001:db8::2", "port": 8443, "connect_timeout": 2000, "response_timeout": 10000,
                "ssl": true, "ipv6": true,
                "send": "GET /up HTTP/1.0\\r\\nHost: www.example.com\\r\\nUser-agent: NS1\\r\\n\\r\\n",
            },
            "rules": [{"comparison": "contains", "key": "output", "value": "200 OK"}],
        })
    );
    // octodns-ns1's match: extra keys ignored, numbers by value, regions in any order
    let mut have = m.clone();
    have["id"] = json!("abc");
    have["config"]["extra"] = json!(1);
    have["frequency"] = json!(30.0);
    assert!(monitors::is_match(&m, &have));
    have["config"]["port"] = json!(443);
    assert!(!monitors::is_match(&m, &have));
    // modern http monitors carry the value in the notes
    let s =
        settings(json!({"api_key": "k", "monitor_regions": ["lga"], "use_http_monitors": true}));
    let m = monitors::expected(&r, "example.com.", "2001:db8::2", &s).unwrap();
    assert_eq!(m["job_type"], "http");
    assert_eq!(m["config"]["url"], "https://[2001:db8::2]:8443/up");
    assert_eq!(
        m["notes"],
        "host:www.example.com type:AAAA value:2001:db8::2"
    );
    let found = monitors::of_record([&m], "www.example.com.", &RecordType::Aaaa);
    assert_eq!(found.keys().collect::<Vec<_>>(), ["2001:db8::2"]);
    // ICMP, and settings NS1 cannot take
    let r = monitored(json!({"healthcheck": {"protocol": "ICMP"}}));
    let m = monitors::expected(&r, "example.com.", "2001:db8::2", &s).unwrap();
    assert_eq!(
        (m["job_type"].as_str(), &m["config"]["interval"]),
        (Some("ping"), &json!(2500))
    );
    let r = monitored(json!({"ns1": {"healthcheck": {"http_version": "HTTP/3"}}}));
    let s = settings(json!({"api_key": "k"}));
    assert!(
        monitors::expected(&r, "example.com.", "2001:db8::2", &s)
            .unwrap_err()
            .contains("HTTP/3")
    );
}

#[test]
fn what_ns1_cannot_hold_is_refused_before_any_request() {
    let p = Ns1Provider::with_settings(
        "ns1",
        settings(json!({"api_key": "k", "monitor_regions": ["lga"]})),
    )
    .unwrap();
    let check = |r: RecordSet| {
        let mut z = Zone::new("example.com.");
        z.insert(r);
        p.process(z, &mut Vec::new()).err().map(|e| {
            e.into_iter()
                .map(|u| u.message)
                .collect::<Vec<_>>()
                .join("; ")
        })
    };
    assert_eq!(check(dynamic_record()), None);
    let e = check(monitored(json!({"healthcheck": {"protocol": "UDP"}}))).unwrap();
    assert!(
        e.contains("healthcheck protocol \"UDP\" not supported"),
        "{e}"
    );
    let mut r = dynamic_record();
    r.dynamic.as_mut().unwrap().rules[2].geos = vec!["OC".into()];
    assert!(check(r).unwrap().contains("unsupported continent code OC"));
    let mut r = dynamic_record();
    let extra = r.dynamic.as_ref().unwrap().rules[1].clone();
    r.dynamic.as_mut().unwrap().rules.push(crate::model::Rule {
        geos: vec!["EU-FR".into()],
        ..extra
    });
    assert!(check(r).unwrap().contains("one rule per pool"));
    // without monitor_regions: a warning when planning, an error when applying
    let p = Ns1Provider::with_settings("ns1", settings(json!({"api_key": "k"}))).unwrap();
    let mut z = Zone::new("example.com.");
    z.insert(dynamic_record());
    let mut warnings = Vec::new();
    assert!(p.process(z, &mut warnings).is_ok());
    assert!(warnings[0].contains("monitor_regions"), "{warnings:?}");
}

#[test]
fn a_changed_monitor_or_chain_rewrites_an_equal_record() {
    let s = settings(json!({"api_key": "k", "monitor_regions": ["lga"]}));
    let p = Ns1Provider::with_settings("ns1", s.clone()).unwrap();
    let desired = dynamic_record();
    let mut existing = desired.clone();
    let zone = "example.com.";
    let mut mons = serde_json::Map::new();
    for v in ["192.0.2.1", "192.0.2.3", "192.0.2.5", "192.0.2.6"] {
        let mut m = monitors::expected(&desired, zone, v, &s).unwrap();
        m["notify_list"] = json!("nl1");
        mons.insert(v.into(), m);
    }
    let chain = dynamic::chain(true, true, true);
    let data = |mons: &serde_json::Map<String, J>, chain: &[J]| {
        Some(Arc::new(json!({"filters": chain, "monitors": mons})))
    };
    existing.provider_data = data(&mons, &chain);
    assert!(!p.needs_rewrite(zone, &existing, &desired));
    // a monitor missing, changed, or without a notify list; a foreign chain
    let mut m2 = mons.clone();
    m2.remove("192.0.2.5");
    existing.provider_data = data(&m2, &chain);
    assert!(p.needs_rewrite(zone, &existing, &desired));
    let mut m2 = mons.clone();
    m2["192.0.2.5"]["frequency"] = json!(120);
    existing.provider_data = data(&m2, &chain);
    assert!(p.needs_rewrite(zone, &existing, &desired));
    let mut m2 = mons.clone();
    m2["192.0.2.5"]
        .as_object_mut()
        .unwrap()
        .remove("notify_list");
    existing.provider_data = data(&m2, &chain);
    assert!(p.needs_rewrite(zone, &existing, &desired));
    existing.provider_data = data(&mons, &chain[1..]);
    assert!(p.needs_rewrite(zone, &existing, &desired));
    // a plain record NS1 holds with foreign filters is rewritten plain
    let plain = RecordSet::new("a", RecordType::A, 60, vec![Value::Ip("192.0.2.1".into())]);
    let mut foreign = plain.clone();
    foreign.provider_data = Some(Arc::new(json!({"foreign": true})));
    assert!(p.needs_rewrite(zone, &foreign, &plain));
    assert!(!p.needs_rewrite(zone, &plain, &plain));
}

#[test]
fn next_page_links_are_asked_over_https_when_the_api_is() {
    let api = "https://api.nsone.net/v1";
    assert_eq!(
        https_link(api, "http://api.nsone.net/v1/zones/a.test?page=2".into()),
        "https://api.nsone.net/v1/zones/a.test?page=2"
    );
    assert_eq!(
        https_link(
            "http://127.0.0.1:9/v1",
            "http://127.0.0.1:9/v1/zones/a.test?page=2".into()
        ),
        "http://127.0.0.1:9/v1/zones/a.test?page=2"
    );
    // a link elsewhere is kept as it is (and refused by `follow`, which keeps the key home)
    assert_eq!(
        https_link(api, "https://evil.example/x".into()),
        "https://evil.example/x"
    );
}
