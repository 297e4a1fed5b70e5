//! `ns1_fake` against its two clients' expectations: the real octodns-ns1 1.0.2 (ns1-python
//! 0.29, in the project's venv) syncs a zone with plain records of many types and a dynamic
//! record (monitors, notification lists, a data source and feeds) into the fake through
//! `tls_front.py`, and then plans nothing; and the fake refuses what the API refuses (no key,
//! bad answers, an empty token bucket) and pages long record lists with `Link: rel="next"`.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value as J, json};

use crate::harness;
use crate::ns1_fake::{NS1_KEY, Ns1Fake};
use crate::suite::{Project, Target, show};

/// `tls_front.py` in front of a fake, on its own loopback port; stopped when dropped (and when
/// this process ends: it exits when its stdin closes).
struct TlsFront {
    child: Child,
    port: u16,
}

impl TlsFront {
    fn start(upstream_port: u16) -> TlsFront {
        let python = harness::venv().join("bin/python");
        assert!(
            python.exists(),
            "the project's venv is needed at {} (DNSPLAN_OCTODNS_VENV; scripts/test installs it)",
            harness::venv().display()
        );
        let script = harness::repo().join("tests/conformance/tls_front.py");
        let mut child = Command::new(&python)
            .arg(&script)
            .arg(format!("127.0.0.1:{upstream_port}"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("start {} {}: {e}", python.display(), script.display()));
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("tls_front.py's port");
        let port = line.trim().parse().unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("tls_front.py did not print its port (python needs `cryptography`): {line:?}")
        });
        TlsFront { child, port }
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const ZONE: &str = "octodns.ns1.test.";

/// Plain records of many types (root NS: NS1 creates its own, octodns-ns1 updates it) and a
/// dynamic A record: two pools, a fallback, a continent / country / state rule and a catch-all,
/// values whose status octoDNS obeys (monitored) and one forced up.
const ZONE_YAML: &str = "---
'':
- type: ALIAS
  value: www.octodns.ns1.test.
- type: CAA
  values:
  - {flags: 0, tag: issue, value: letsencrypt.org}
  - {flags: 128, tag: iodef, value: 'mailto:security@example.com'}
- type: MX
  values:
  - {exchange: mx1.octodns.ns1.test., preference: 10}
  - {exchange: mx2.example.net., preference: 20}
- type: NS
  values: [ns1.example.net., ns2.example.net.]
- type: TXT
  values: ['v=DKIM1\\; k=rsa\\; p=MIGfMA0', 'v=spf1 include:_spf.example.com -all']
_sip._tcp:
  type: SRV
  values:
  - {port: 5060, priority: 10, target: sip.octodns.ns1.test., weight: 20}
  - {port: 5061, priority: 20, target: sip2.example.net., weight: 0}
aaaa:
  type: AAAA
  value: '2001:db8::1'
cname:
  type: CNAME
  value: www.octodns.ns1.test.
delegated:
  type: NS
  values: [ns1.example.net., ns2.example.net.]
dyn:
  dynamic:
    pools:
      eu:
        fallback: us
        values:
        - value: 192.0.2.10
          weight: 3
        - status: up
          value: 192.0.2.11
      us:
        values:
        - value: 198.51.100.10
    rules:
    - geos: [AS-JP, EU, NA-US-CA]
      pool: eu
    - pool: us
  ttl: 60
  type: A
  values: [198.51.100.10]
ptr:
  type: PTR
  values: [host1.example.net., host2.example.net.]
www:
  ttl: 300
  type: A
  values: [192.0.2.1, 192.0.2.2]
";

fn octodns_sync(p: &Project, doit: bool) -> String {
    let venv = harness::venv();
    assert!(
        Command::new(venv.join("bin/python"))
            .args(["-c", "import octodns_ns1, ns1"])
            .status()
            .is_ok_and(|s| s.success()),
        "octoDNS with octodns-ns1 is needed in {} (DNSPLAN_OCTODNS_VENV; scripts/test installs it)",
        venv.display()
    );
    let mut c = Command::new(venv.join("bin/octodns-sync"));
    c.current_dir(p.path())
        .args(["--config-file", "config.yaml"])
        .env("NS1_API_KEY", NS1_KEY)
        .env("NO_PROXY", "127.0.0.1")
        .env("no_proxy", "127.0.0.1");
    if doit {
        c.arg("--doit");
    }
    let o = c.output().expect("run octodns-sync");
    assert!(o.status.success(), "octodns-sync failed:\n{}", show(&o));
    // octoDNS logs its plan (and "No changes were planned") on stderr
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn names(v: &J) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|f| f["filter"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn octodns_ns1_syncs_into_the_fake() {
    let fake = Ns1Fake::start();
    let front = TlsFront::start(fake.port());
    let target = Target {
        name: "ns1".into(),
        settings: vec![
            ("class".into(), "octodns_ns1.Ns1Provider".into()),
            ("api_key".into(), "env/NS1_API_KEY".into()),
            (
                "client_config".into(),
                format!(
                    "{{endpoint: 127.0.0.1, port: '{}', ignore-ssl-errors: true}}",
                    front.port
                ),
            ),
            ("monitor_regions".into(), "[lga]".into()),
        ],
        env: vec![("NS1_API_KEY".into(), NS1_KEY.into())],
        dns: None,
        types: BTreeSet::new(),
        reset: |_| {},
    };
    let p = Project::new(&target, &[ZONE]);
    p.write_zone(ZONE, ZONE_YAML);
    let out = octodns_sync(&p, true);
    let z = "octodns.ns1.test";
    assert!(fake.zone_exists(z), "{out}");

    let have: BTreeSet<(String, String)> = fake
        .zone_records(z)
        .iter()
        .map(|r| {
            (
                r["domain"].as_str().unwrap().to_string(),
                r["type"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: BTreeSet<(String, String)> = [
        ("", "ALIAS"),
        ("", "CAA"),
        ("", "MX"),
        ("", "NS"),
        ("", "TXT"),
        ("_sip._tcp.", "SRV"),
        ("aaaa.", "AAAA"),
        ("cname.", "CNAME"),
        ("delegated.", "NS"),
        ("dyn.", "A"),
        ("ptr.", "PTR"),
        ("www.", "A"),
    ]
    .iter()
    .map(|(n, t)| (format!("{n}{z}"), t.to_string()))
    .collect();
    assert_eq!(have, want, "{out}");
    let answers = |domain: &str, ty: &str| -> Vec<J> {
        fake.record(z, domain, ty).unwrap()["answers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["answer"].clone())
            .collect()
    };
    // NS1's own apex NS was updated, not created
    assert_eq!(
        answers(z, "NS"),
        [json!(["ns1.example.net."]), json!(["ns2.example.net."])]
    );
    assert!(
        fake.requests()
            .iter()
            .any(|r| r == &format!("POST /v1/zones/{z}/{z}/NS"))
    );
    // TXT goes unescaped; MX, SRV, CAA as RDATA parts
    assert!(answers(z, "TXT").contains(&json!(["v=DKIM1; k=rsa; p=MIGfMA0"])));
    assert!(answers(z, "MX").contains(&json!([10, "mx1.octodns.ns1.test."])));
    assert!(answers(&format!("_sip._tcp.{z}"), "SRV").contains(&json!([
        10,
        20,
        5060,
        "sip.octodns.ns1.test."
    ])));
    assert!(answers(z, "CAA").contains(&json!([0, "issue", "letsencrypt.org"])));

    // the dynamic record: filter chain, regions per rule, answers per region with feeds
    let dynr = fake.record(z, &format!("dyn.{z}"), "A").unwrap();
    assert_eq!(dynr["tier"], 3);
    assert_eq!(
        names(&dynr["filters"]),
        [
            "up",
            "geofence_country",
            "geofence_regional",
            "select_first_region",
            "priority",
            "weighted_shuffle",
            "select_first_n"
        ]
    );
    let regions = &dynr["regions"];
    assert_eq!(
        regions["eu__georegion"]["meta"]["georegion"],
        json!(["EUROPE"])
    );
    assert_eq!(regions["eu__country"]["meta"]["country"], json!(["JP"]));
    assert_eq!(regions["eu__country"]["meta"]["us_state"], json!(["CA"]));
    assert!(regions["us__catchall"]["meta"]["note"].is_string());
    let dyn_answers = dynr["answers"].as_array().unwrap();
    assert!(
        dyn_answers
            .iter()
            .all(|a| regions.get(a["region"].as_str().unwrap()).is_some())
    );
    let mut fed = BTreeSet::new();
    for a in dyn_answers {
        let value = a["answer"][0].as_str().unwrap();
        match &a["meta"]["up"] {
            J::Object(o) => {
                let feed = o["feed"].as_str().unwrap();
                assert!(fake.feed_exists(feed), "{a}");
                fed.insert(value.to_string());
            }
            J::Bool(_) => assert_ne!(value, "192.0.2.10", "an obeyed value without a feed: {a}"),
            other => panic!("meta.up {other}"),
        }
    }
    assert_eq!(
        fed,
        BTreeSet::from(["192.0.2.10".to_string(), "198.51.100.10".to_string()])
    );

    // one monitor, notification list and feed per obeyed value, one data source
    let monitors = fake.monitors();
    assert_eq!(monitors.len(), 2, "{monitors:#?}");
    let lists = fake.notify_lists();
    let sources = fake.data_sources();
    assert_eq!(sources.len(), 1, "{sources:#?}");
    assert_eq!(sources[0]["sourcetype"], "nsone_monitoring");
    let source_id = sources[0]["id"].as_str().unwrap();
    let feeds = fake.data_feeds(source_id);
    let jobs: BTreeSet<&str> = feeds
        .iter()
        .map(|f| f["config"]["jobid"].as_str().unwrap())
        .collect();
    for m in &monitors {
        assert!(
            m["notes"]
                .as_str()
                .unwrap()
                .starts_with(&format!("host:dyn.{z} type:A")),
            "{m}"
        );
        assert_eq!(m["job_type"], "tcp");
        assert_eq!(m["regions"], json!(["lga"]));
        assert!(jobs.contains(m["id"].as_str().unwrap()), "no feed for {m}");
        let list = lists
            .iter()
            .find(|l| l["id"] == m["notify_list"])
            .expect("its list");
        assert_eq!(
            list["notify_list"],
            json!([{"type": "datafeed", "config": {"sourceid": source_id}}])
        );
    }
    assert_eq!(feeds.len(), 2);

    let again = octodns_sync(&p, false);
    assert!(again.contains("No changes were planned"), "{again}");
}

// ---------------------------------------------------------------------------------------------
// The fake refuses what the API refuses.

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: J,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn call(method: &str, url: &str, key: Option<&str>, body: Option<J>) -> Resp {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let mut r = client.request(method.parse().unwrap(), url);
        if let Some(k) = key {
            r = r.header("X-NSONE-Key", k);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().await.expect("the fake answers");
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let text = resp.text().await.unwrap();
        Resp {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(J::String(text)),
        }
    })
}

fn api(fake: &Ns1Fake, method: &str, path: &str, body: Option<J>) -> Resp {
    call(
        method,
        &format!("{}/{path}", fake.api_url()),
        Some(NS1_KEY),
        body,
    )
}

#[test]
fn ns1_fake_refuses_a_missing_or_unknown_key() {
    let fake = Ns1Fake::start();
    let url = format!("{}/zones", fake.api_url());
    for key in [None, Some("not-the-key-7c1d")] {
        let r = call("GET", &url, key, None);
        assert_eq!(r.status, 401);
        assert_eq!(r.body, json!({"message": "Unauthorized"}));
        assert!(r.header("X-RateLimit-Limit").is_some());
    }
    let r = call("GET", &url, Some(NS1_KEY), None);
    assert_eq!(r.header("X-RateLimit-By"), Some("customer"));
    assert_eq!((r.status, r.body), (200, json!([])));
}

#[test]
fn ns1_fake_refuses_bad_records_and_unknown_objects() {
    let fake = Ns1Fake::start();
    let r = api(&fake, "GET", "zones/refuse.ns1.test", None);
    assert_eq!(
        (r.status, r.body),
        (404, json!({"message": "zone not found"}))
    );
    let r = api(
        &fake,
        "PUT",
        "zones/refuse.ns1.test",
        Some(json!({"zone": "refuse.ns1.test"})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["records"][0]["type"], "NS");
    assert_eq!(
        r.body["records"][0]["short_answers"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let r = api(
        &fake,
        "PUT",
        "zones/refuse.ns1.test",
        Some(json!({"zone": "refuse.ns1.test"})),
    );
    assert_eq!(r.status, 400);

    let put = |domain: &str, ty: &str, body: J| {
        let mut b = body;
        b["zone"] = json!("refuse.ns1.test");
        b["domain"] = json!(domain);
        b["type"] = json!(ty);
        api(
            &fake,
            "PUT",
            &format!("zones/refuse.ns1.test/{domain}/{ty}"),
            Some(b),
        )
    };
    let a = |answer: J| json!({"answers": [{"answer": answer}]});
    for (domain, ty, body) in [
        ("a.refuse.ns1.test", "A", a(json!(["not-an-ip"]))),
        ("a.refuse.ns1.test", "A", a(json!(["2001:db8::1"]))),
        ("a.refuse.ns1.test", "A", json!({"answers": []})),
        (
            "a.refuse.ns1.test",
            "A",
            json!({"answers": [{"answer": ["192.0.2.1"]}], "ttl": -1}),
        ),
        ("mx.refuse.ns1.test", "MX", a(json!(["mx.example.net."]))),
        (
            "mx.refuse.ns1.test",
            "MX",
            a(json!([70000, "mx.example.net."])),
        ),
        (
            "srv.refuse.ns1.test",
            "SRV",
            a(json!([1, 2, "x", "t.example.net."])),
        ),
        ("a.other.test", "A", a(json!(["192.0.2.1"]))),
        ("a.refuse.ns1.test", "SOA", a(json!(["x"]))),
        (
            "geo.refuse.ns1.test",
            "A",
            json!({"answers": [{"answer": ["192.0.2.1"], "meta": {"georegion": ["MARS"]}}]}),
        ),
        (
            "geo.refuse.ns1.test",
            "A",
            json!({"answers": [{"answer": ["192.0.2.1"], "meta": {"up": {"feed": "0123"}}}]}),
        ),
        (
            "geo.refuse.ns1.test",
            "A",
            json!({"answers": [{"answer": ["192.0.2.1"], "region": "nowhere"}]}),
        ),
        (
            "geo.refuse.ns1.test",
            "A",
            json!({"answers": [{"answer": ["192.0.2.1"]}], "filters": [{"filter": "bogus", "config": {}}]}),
        ),
    ] {
        let r = put(domain, ty, body.clone());
        assert_eq!(
            r.status, 400,
            "{domain} {ty} {body} was accepted: {}",
            r.body
        );
        assert!(r.body["message"].is_string());
    }
    let r = put("www.refuse.ns1.test", "A", a(json!(["192.0.2.1"])));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["tier"], 1);
    assert!(r.body["answers"][0]["id"].is_string());
    let r = put("www.refuse.ns1.test", "A", a(json!(["192.0.2.1"])));
    assert_eq!(
        (r.status, r.body),
        (400, json!({"message": "record already exists"}))
    );
    let r = put("www.refuse.ns1.test", "CNAME", a(json!(["x.example.net."])));
    assert_eq!(r.status, 400, "a CNAME next to an A");
    let r = api(
        &fake,
        "POST",
        "zones/refuse.ns1.test/nope.refuse.ns1.test/A",
        Some(a(json!(["192.0.2.9"]))),
    );
    assert_eq!(
        (r.status, r.body),
        (404, json!({"message": "record not found"}))
    );
    // POST merges: the answers change, the TTL stays
    let r = api(
        &fake,
        "POST",
        "zones/refuse.ns1.test/www.refuse.ns1.test/A",
        Some(a(json!(["192.0.2.9"]))),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let zone = api(&fake, "GET", "zones/refuse.ns1.test", None).body;
    let www = zone["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "A")
        .unwrap()
        .clone();
    assert_eq!(www["short_answers"], json!(["192.0.2.9"]));
    assert_eq!(www["ttl"], 3600);

    // monitors, lists, feeds
    let job = json!({"name": "j", "job_type": "tcp", "config": {"host": "192.0.2.1", "port": 443},
                     "regions": ["lga"], "policy": "quorum", "frequency": 60});
    let mut bad = job.clone();
    bad["regions"] = json!(["mars"]);
    assert_eq!(api(&fake, "PUT", "monitoring/jobs", Some(bad)).status, 400);
    let r = api(&fake, "PUT", "monitoring/jobs", Some(job));
    assert_eq!(r.status, 200, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_string();
    let r = api(
        &fake,
        "POST",
        &format!("monitoring/jobs/{id}"),
        Some(json!({"job_type": "ping"})),
    );
    assert_eq!(r.status, 400, "the job type changed");
    let r = api(
        &fake,
        "PUT",
        "data/sources",
        Some(json!({"name": "s", "sourcetype": "nsone_monitoring"})),
    );
    let sid = r.body["id"].as_str().unwrap().to_string();
    let r = api(
        &fake,
        "PUT",
        &format!("data/feeds/{sid}"),
        Some(json!({"name": "f", "config": {"jobid": "nope"}})),
    );
    assert_eq!(r.status, 400);
    let r = api(
        &fake,
        "PUT",
        &format!("data/feeds/{sid}"),
        Some(json!({"name": "f", "config": {"jobid": id}})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = api(
        &fake,
        "PUT",
        "lists",
        Some(
            json!({"name": "l", "notify_list": [{"type": "datafeed", "config": {"sourceid": "nope"}}]}),
        ),
    );
    assert_eq!(r.status, 400);
    assert_eq!(api(&fake, "GET", "monitoring/jobs/nope", None).status, 404);
    assert_eq!(api(&fake, "GET", "nothing/here", None).status, 404);
    assert_eq!(api(&fake, "PATCH", "zones", None).status, 405);
}

#[test]
fn ns1_fake_answers_429_with_its_headers_when_the_bucket_is_empty() {
    let fake = Ns1Fake::start();
    fake.set_rate(3, 60);
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let r = api(&fake, "GET", "zones", None);
        assert_eq!(r.status, 200);
        assert_eq!(r.header("X-RateLimit-Limit"), Some("3"));
        assert_eq!(r.header("X-RateLimit-Period"), Some("60"));
        remaining.push(r.header("X-RateLimit-Remaining").unwrap().to_string());
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let r = api(&fake, "GET", "zones", None);
    assert_eq!(r.status, 429);
    assert_eq!(r.header("X-RateLimit-Remaining"), Some("0"));
    assert_eq!(r.header("X-RateLimit-By"), Some("customer"));
    assert!(r.body["message"].is_string());
    // writes have their own bucket
    let r = api(
        &fake,
        "PUT",
        "zones/rate.ns1.test",
        Some(json!({"zone": "rate.ns1.test"})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // tokens come back at limit / period per second
    fake.set_rate(1000, 1);
    assert_eq!(api(&fake, "GET", "zones", None).status, 200);
}

#[test]
fn ns1_fake_pages_zone_records_with_link_next() {
    let fake = Ns1Fake::start();
    fake.create_zone("pages.ns1.test.");
    for n in 0..4 {
        fake.put_record(
            "pages.ns1.test",
            json!({"domain": format!("h{n}.pages.ns1.test"), "type": "A",
                   "answers": [{"answer": [format!("192.0.2.{n}")]}]}),
        );
    }
    fake.set_page_size(2);
    let mut url = format!("{}/zones/pages.ns1.test", fake.api_url());
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let r = call("GET", &url, Some(NS1_KEY), None);
        assert_eq!(r.status, 200, "{}", r.body);
        pages += 1;
        assert!(r.body["records"].as_array().unwrap().len() <= 2);
        assert_eq!(r.body["zone"], "pages.ns1.test");
        for rec in r.body["records"].as_array().unwrap() {
            seen.push(rec["domain"].as_str().unwrap().to_string());
        }
        let Some(link) = r.header("Link") else { break };
        let next = link
            .strip_prefix('<')
            .and_then(|l| l.split_once(">; rel=\"next\""))
            .map(|(u, _)| u.to_string())
            .unwrap_or_else(|| panic!("Link {link}"));
        assert!(next.starts_with(&fake.url), "{next}");
        url = next;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 5);
}

/// A zone for both tools: plain records of every kind octodns-ns1 holds, and dynamic A,
/// AAAA and CNAME records using every target kind its layout has (NS1 regions, continents
/// as country lists with a country of theirs in another rule, states, provinces, subnets),
/// fallback chains, forced statuses and health check settings.
const BOTH_YAML: &str = "---
'':
- type: CAA
  value: {flags: 0, tag: issue, value: letsencrypt.org}
- type: MX
  values:
  - {exchange: mx1.both.ns1.test., preference: 10}
  - {exchange: mx2.example.net., preference: 20}
- type: NS
  values: [ns1.example.net., ns2.example.net.]
- type: SPF
  value: 'v=spf1 -all'
- type: TXT
  values: ['v=DKIM1\\; k=rsa\\; p=MIGfMA0', 'plain text']
_443._tcp:
  type: TLSA
  value: {certificate_association_data: abcdef0123, certificate_usage: 3, matching_type: 1, selector: 1}
_sip._tcp:
  type: SRV
  value: {port: 5060, priority: 10, target: sip.both.ns1.test., weight: 20}
app:
  type: CNAME
  ttl: 120
  value: fallback.example.net.
  octodns:
    healthcheck: {protocol: TCP, port: 8443}
  dynamic:
    pools:
      eu:
        values: [{value: eu.example.net.}]
      rest:
        values: [{value: rest.example.net., status: up}]
    rules:
    - {pool: eu, geos: [EU]}
    - {pool: rest}
delegated:
- type: DS
  value: {algorithm: 13, digest: 2bb183af, digest_type: 1, key_tag: 60485}
- type: NS
  value: ns.example.net.
dname:
  type: DNAME
  value: other.example.net.
naptr:
  type: NAPTR
  value: {flags: S, order: 10, preference: 20, regexp: '', replacement: _sip._udp.both.ns1.test., service: SIP+D2U}
ptr:
  type: PTR
  values: [host1.example.net., host2.example.net.]
v6:
  type: AAAA
  ttl: 60
  values: ['2001:db8::99']
  octodns:
    healthcheck: {path: /health, protocol: HTTP}
    ns1:
      healthcheck: {frequency: 30, policy: all, rapid_recheck: true, response_timeout: 5}
  dynamic:
    pools:
      one:
        values: [{value: '2001:db8::1'}]
      two:
        values: [{value: '2001:db8::2', status: down}, {value: '2001:db8::3', weight: 4}]
    rules:
    - {pool: one, geos: [AF, SA-BR]}
    - {pool: two}
www:
  type: A
  ttl: 60
  values: [192.0.2.99]
  dynamic:
    pools:
      office:
        values: [{value: 192.0.2.40, status: up}]
      jp:
        fallback: asia
        values: [{value: 192.0.2.50}]
      asia:
        fallback: world
        values: [{value: 192.0.2.30, weight: 2}, {value: 192.0.2.31}]
      na:
        values: [{value: 192.0.2.20}]
      world:
        values: [{value: 192.0.2.10}]
    rules:
    - {pool: office, subnets: [10.0.0.0/8, 172.16.0.0/12]}
    - {pool: jp, geos: [AS-JP, NA-US-CA]}
    - {pool: asia, geos: [AS, NA-CA-BC]}
    - {pool: na, geos: [NA]}
    - {pool: world}
";

/// octodns-ns1's config (through the HTTPS front) in `config.yaml`, and dnsplan's — the same
/// provider talking to the fake directly — in `dnsplan.yaml`.
fn both(fake: &Ns1Fake, front: &TlsFront, zone: &str) -> Project {
    let target = Target {
        name: "ns1".into(),
        settings: vec![
            ("class".into(), "octodns_ns1.Ns1Provider".into()),
            ("api_key".into(), "env/NS1_API_KEY".into()),
            (
                "client_config".into(),
                format!(
                    "{{endpoint: 127.0.0.1, port: '{}', ignore-ssl-errors: true}}",
                    front.port
                ),
            ),
            ("monitor_regions".into(), "[lga]".into()),
        ],
        env: vec![("NS1_API_KEY".into(), NS1_KEY.into())],
        dns: None,
        types: BTreeSet::new(),
        reset: |_| {},
    };
    let p = Project::new(&target, &[zone]);
    let cfg = std::fs::read_to_string(p.path().join("config.yaml")).unwrap();
    let ours: String = cfg
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("client_config:") {
                format!("    api_url: {}", fake.api_url())
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(p.path().join("dnsplan.yaml"), ours + "\n").unwrap();
    p.write_zone(zone, &BOTH_YAML.replace("both.ns1.test.", zone));
    p
}

fn dnsplan_changes(p: &Project) -> Vec<String> {
    let o = p.run(&["plan", "--config", "dnsplan.yaml", "--format", "json"]);
    assert!(o.status.success(), "{}", show(&o));
    crate::suite::changes(&serde_json::from_slice(&o.stdout).unwrap())
}

fn octodns_plans_nothing(p: &Project) {
    let out = octodns_sync(p, false);
    assert!(
        out.contains("No changes were planned"),
        "octoDNS plans changes:\n{out}"
    );
}

/// A zone octodns-ns1 wrote — plain records, dynamic records, their monitors, notify lists
/// and feeds — is read by dnsplan as exactly the zone in git: the migration plans nothing.
#[test]
fn what_octodns_ns1_wrote_dnsplan_plans_as_no_changes() {
    let fake = Ns1Fake::start();
    let front = TlsFront::start(fake.port());
    let zone = "from-octodns.ns1.test.";
    let p = both(&fake, &front, zone);
    octodns_sync(&p, true);
    assert_eq!(fake.monitors().len(), 8, "octodns-ns1 made the monitors");
    assert_eq!(dnsplan_changes(&p), Vec::<String>::new());
    // and a change on top, applied by dnsplan, is read by octodns-ns1 as done
    let yaml = std::fs::read_to_string(p.path().join(format!("zones/{zone}yaml"))).unwrap();
    p.write_zone(
        zone,
        &yaml
            .replace("weight: 2}", "weight: 5}")
            .replace("frequency: 30", "frequency: 20"),
    );
    assert_eq!(dnsplan_changes(&p), ["update v6 AAAA", "update www A"]);
    let o = p.run(&["apply", "--config", "dnsplan.yaml", "--force"]);
    assert!(o.status.success(), "{}", show(&o));
    assert_eq!(dnsplan_changes(&p), Vec::<String>::new());
    octodns_plans_nothing(&p);
    assert_eq!(fake.monitors().len(), 8, "updated in place, none added");
}

/// What dnsplan writes, octodns-ns1 plans as no changes (records, dynamic layout, monitors).
#[test]
fn what_dnsplan_wrote_octodns_ns1_plans_as_no_changes() {
    let fake = Ns1Fake::start();
    let front = TlsFront::start(fake.port());
    let zone = "from-dnsplan.ns1.test.";
    let p = both(&fake, &front, zone);
    let o = p.run(&["apply", "--config", "dnsplan.yaml", "--force"]);
    assert!(o.status.success(), "{}", show(&o));
    assert_eq!(dnsplan_changes(&p), Vec::<String>::new());
    octodns_plans_nothing(&p);
    // one monitor per obey value: www 5, v6 2, app 1
    assert_eq!(fake.monitors().len(), 8);
}
