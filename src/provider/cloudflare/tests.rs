use serde_json::{Value as J, json};

use super::records::{self, Flags};
use super::*;
use crate::model::Value;

fn set(name: &str, rtype: &str, ttl: u32, values: Vec<Value>) -> RecordSet {
    let mut r = RecordSet::new(name, RecordType::core(rtype).unwrap(), ttl, values);
    r.normalize();
    r
}

/// Records from octoDNS zone YAML.
fn zone(yaml: &str) -> Zone {
    let file: std::sync::Arc<str> = std::sync::Arc::from("test.yaml");
    let opts = crate::yaml::LoadOptions {
        order: crate::yaml::KeyOrder::Any,
        includes: false,
    };
    let l = crate::yaml::load_str(yaml, &file, opts);
    assert!(l.errors.is_empty(), "{:?}", l.errors);
    let root = l.root.unwrap();
    let mut z = Zone::new("example.com.");
    for (k, v) in root.entries().unwrap() {
        let name = k.as_str().unwrap().to_string();
        let recs: Vec<&crate::yaml::Node> = match v.items() {
            Some(items) => items.iter().collect(),
            None => vec![v],
        };
        for r in recs {
            z.insert(crate::model::build::record_from_node(&name, r, 3600).unwrap());
        }
    }
    z
}

/// What a written object reads back as, given the id Cloudflare assigns it.
fn round_trip(r: &RecordSet) -> RecordSet {
    let objs: Vec<J> = records::objects(r, "example.com.", 60)
        .into_iter()
        .enumerate()
        .map(|(i, mut o)| {
            o["id"] = json!(format!("{i:032x}"));
            o
        })
        .collect();
    let list: Vec<&J> = objs.iter().collect();
    let mut back = records::read(&r.name, r.rtype.clone(), &list).unwrap();
    back.normalize();
    back
}

#[test]
fn every_type_reads_back_as_written() {
    let yaml = "
'':
- {type: ALIAS, value: www.example.com.}
- {type: CAA, values: [{flags: 0, tag: issue, value: letsencrypt.org}]}
- {type: MX, values: [{exchange: mx1.example.com., preference: 10}, {exchange: ., preference: 0}]}
- {type: TXT, values: ['v=spf1 -all', 'a\\; b \"q\" c\\\\d', 'x']}
- type: LOC
  value: {altitude: 10.5, lat_degrees: 51, lat_direction: N, lat_minutes: 30, lat_seconds: 12.748, long_degrees: 0, long_direction: W, long_minutes: 7, long_seconds: 39.611, precision_horz: 10000, precision_vert: 10, size: 1}
- {type: HTTPS, value: {svcparams: {alpn: [h3, h2], port: '8443'}, svcpriority: 1, targetname: .}}
_443._tcp: {type: TLSA, value: {certificate_association_data: abcdef, certificate_usage: 3, matching_type: 1, selector: 1}}
_http._tcp: {type: URI, value: {priority: 10, target: 'https://www.example.com/', weight: 1}}
_sip._tcp: {type: SRV, values: [{port: 5060, priority: 10, target: sip.example.com., weight: 20}, {port: 0, priority: 0, target: ., weight: 0}]}
d: [{type: DS, value: {algorithm: 13, digest: 2bb183af, digest_type: 1, key_tag: 60485}}, {type: NS, values: [ns1.example.net., ns2.example.net.]}]
naptr: {type: NAPTR, value: {flags: S, order: 100, preference: 10, regexp: '', replacement: _sip._udp.example.com., service: SIP+D2U}}
ptr: {type: PTR, value: host.example.net.}
sshfp: {type: SSHFP, value: {algorithm: 1, fingerprint: 1234abcd, fingerprint_type: 1}}
svc: {type: SVCB, value: {svcparams: {alpn: [h2]}, svcpriority: 1, targetname: svc.example.com.}}
www: [{type: A, values: [192.0.2.1, 192.0.2.2]}, {type: AAAA, value: '2001:db8::1'}]
c: {type: CNAME, value: www.example.com.}
";
    let z = zone(yaml);
    assert_eq!(z.len(), 18);
    for r in z.iter() {
        let back = round_trip(r);
        assert_eq!(&back, r, "{} {}", r.name, r.rtype.as_str());
        assert!(back.settings.raw.is_empty(), "{}", r.name);
    }
}

#[test]
fn txt_is_quoted_and_cut_at_255_octets() {
    let v = "a".repeat(300);
    let r = set("t", "TXT", 300, vec![Value::Text(v)]);
    let o = &records::objects(&r, "example.com.", 60)[0];
    assert_eq!(
        o["content"],
        json!(format!("\"{}\" \"{}\"", "a".repeat(255), "a".repeat(45)))
    );
    let raw = set(
        "t",
        "TXT",
        300,
        vec![Value::Text("v=DKIM1\\; k=rsa".into())],
    );
    assert_eq!(
        records::objects(&raw, "example.com.", 60)[0]["content"],
        json!("\"v=DKIM1; k=rsa\"")
    );
    // unquoted content (written by another tool) is one string, `;` escaped
    let o = json!({"name": "t.example.com", "type": "TXT", "ttl": 300, "content": "a;b c"});
    let back = records::read("t", RecordType::Txt, &[&o]).unwrap();
    assert_eq!(back.values, [Value::Text("a\\;b c".into())]);
}

#[test]
fn flags_ttl_and_proxy_as_octodns_cloudflare_reads_them() {
    let mut r = set("www", "A", 120, vec![Value::Ip("192.0.2.1".into())]);
    r.settings
        .raw
        .insert("cloudflare".into(), json!({"proxied": true}));
    let o = &records::objects(&r, "example.com.", 60)[0];
    assert_eq!(
        (o["ttl"].clone(), o["proxied"].clone()),
        (json!(1), json!(true))
    );
    let back = round_trip(&r);
    assert_eq!(back.ttl, 300);
    assert_eq!(
        back.settings.raw["cloudflare"],
        json!({"proxied": true, "auto-ttl": true})
    );
    assert_eq!(Flags::of(&back), Flags::of(&r));
    // auto-ttl alone, on a type that cannot be proxied; comment and tags
    let mut t = set("t", "TXT", 3600, vec![Value::Text("x".into())]);
    t.settings.raw.insert(
        "cloudflare".into(),
        json!({"auto-ttl": true, "comment": "why", "tags": ["b:2", "a:1", "a:1"]}),
    );
    let o = &records::objects(&t, "example.com.", 60)[0];
    assert_eq!(o["ttl"], json!(1));
    assert!(o.get("proxied").is_none());
    assert_eq!(o["tags"], json!(["a:1", "b:2"]));
    let back = round_trip(&t);
    assert_eq!(
        back.settings.raw["cloudflare"],
        json!({"auto-ttl": true, "comment": "why", "tags": ["a:1", "b:2"]})
    );
    // below the minimum TTL: written as the minimum
    let low = set("l", "A", 30, vec![Value::Ip("192.0.2.9".into())]);
    assert_eq!(
        records::objects(&low, "example.com.", 120)[0]["ttl"],
        json!(120)
    );
}

#[test]
fn keys_pair_values_not_ttls_or_flags() {
    let a = set(
        "www",
        "MX",
        300,
        vec![Value::Mx(crate::model::value::Mx {
            preference: 10,
            exchange: "mx.example.com.".into(),
        })],
    );
    let mut b = a.clone();
    b.ttl = 600;
    b.settings
        .raw
        .insert("cloudflare".into(), json!({"comment": "c"}));
    let ka = records::key(&records::objects(&a, "example.com.", 60)[0]);
    let kb = records::key(&records::objects(&b, "example.com.", 60)[0]);
    assert_eq!(ka, kb);
    assert_eq!(ka, "10 mx.example.com.");
    // the key of an object as read equals the key of the same value as written
    let written = &records::objects(&a, "example.com.", 60)[0];
    let read = json!({"name": "www.example.com", "type": "MX", "ttl": 300, "priority": 10,
                      "content": "mx.example.com", "id": "1"});
    let back = records::read("www", RecordType::Mx, &[&read]).unwrap();
    let data = back.provider_data.unwrap();
    assert_eq!(data["objects"][0]["key"], json!(records::key(written)));
}

#[test]
fn an_apex_cname_is_an_alias_and_unmanaged_types_are_left_out() {
    assert_eq!(records::model_type("CNAME", true), Some(RecordType::Alias));
    assert_eq!(records::model_type("CNAME", false), Some(RecordType::Cname));
    for t in [
        "OPENPGPKEY",
        "SMIMEA",
        "CERT",
        "DNSKEY",
        "HINFO",
        "SPF",
        "ALIAS",
    ] {
        assert_eq!(records::model_type(t, false), None, "{t}");
    }
}

fn config(settings: J) -> ProviderConfig {
    ProviderConfig {
        id: "cf".into(),
        class: "octodns_cloudflare.CloudflareProvider".into(),
        files: None,
        common: crate::config::Common::default(),
        settings: crate::yaml::de::node_from_json(&settings),
        secret_keys: ["token".to_string()].into(),
        missing_env: false,
        pos: crate::yaml::Pos::none(),
    }
}

#[test]
fn settings_are_octodns_cloudflares_with_its_defaults() {
    let s = Settings::from_config(&config(json!({"token": "tok-123456789"}))).unwrap();
    assert!(s.auth == settings::Auth::Token("tok-123456789".into()));
    assert_eq!(s.api_url, "https://api.cloudflare.com/client/v4");
    assert_eq!(
        (
            s.retry_count,
            s.zones_per_page,
            s.records_per_page,
            s.min_ttl,
            s.batch_size
        ),
        (4, 50, 100, 120, 200)
    );
    assert_eq!(s.retry_period, std::time::Duration::from_secs(300));
    assert_eq!(s.timeout, std::time::Duration::from_secs(15));
    assert!(s.pagerules);
    assert!(!format!("{s:?}").contains("tok-123456789"));
    // email + token: the legacy global key
    let s = Settings::from_config(&config(json!({"token": "k", "email": "a@b.c"}))).unwrap();
    assert!(
        s.auth
            == settings::Auth::Key {
                email: "a@b.c".into(),
                key: "k".into()
            }
    );
    // what dnsplan does not do is said, not ignored
    let err = |j: J| Settings::from_config(&config(j)).unwrap_err().to_string();
    assert!(err(json!({})).contains("missing `token`"));
    assert!(err(json!({"token": "t", "cdn": true})).contains("`cdn: true`"));
    assert!(err(json!({"token": "t", "plan_type": "pro"})).contains("`plan_type: pro`"));
    assert!(
        err(json!({"token": "t", "auth_error_retry_count": 2})).contains("auth_error_retry_count")
    );
    assert!(
        err(json!({"token": "t", "api_url": "http://api.example.com/v4"})).contains("https://")
    );
    assert!(err(json!({"token": "t", "batch_size": 5000})).contains("from 1 to 3500"));
    assert!(err(json!({"token": "t", "zones_per_page": 500})).contains("from 5 to 50"));
    // accepted as octoDNS accepts them
    for ok in [
        json!({"token": "t", "cdn": false}),
        json!({"token": "t", "pagerules": false}),
    ] {
        Settings::from_config(&config(ok)).unwrap();
    }
}

#[tokio::test]
async fn hostile_zone_names_are_refused_before_any_request() {
    let server = wiremock::MockServer::start().await;
    let s = Settings::from_config(&config(json!({
        "token": "tok-123456789", "api_url": format!("{}/client/v4", server.uri()),
    })))
    .unwrap();
    let p = CloudflareProvider::with_settings("cf", s).unwrap();
    crate::provider::assert_refuses_hostile_zones(&p).await;
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn a_change_stays_in_one_batch_where_it_fits() {
    let mut s = Settings::from_config(&config(json!({"token": "t"}))).unwrap();
    s.batch_size = 3;
    let p = CloudflareProvider::with_settings("cf", s).unwrap();
    let unit = |label: &str, n: usize| Unit {
        label: label.into(),
        items: (0..n)
            .map(|i| Item::Delete(format!("{label}{i}")))
            .collect(),
    };
    let sizes = |units: &[Unit]| -> Vec<Vec<usize>> {
        p.batches(units)
            .iter()
            .map(|b| b.iter().map(|(i, _)| *i).collect())
            .collect()
    };
    // 2 + 2: the second change waits for the next batch rather than being split
    assert_eq!(
        sizes(&[unit("a", 2), unit("b", 2)]),
        [vec![0, 0], vec![1, 1]]
    );
    // a change larger than a batch is cut, and the next starts afresh
    assert_eq!(
        sizes(&[unit("a", 1), unit("b", 5), unit("c", 1)]),
        [vec![0], vec![1, 1, 1], vec![1, 1, 2]]
    );
}

#[test]
fn providers_with_one_credential_share_one_rate_bucket() {
    let build = |token: &str| {
        let s = Settings::from_config(&config(json!({ "token": token }))).unwrap();
        CloudflareProvider::with_settings("cf", s).unwrap()
    };
    let (a, b, c) = (
        build("tok-shared-1"),
        build("tok-shared-1"),
        build("tok-other-2"),
    );
    assert!(std::sync::Arc::ptr_eq(a.rate_bucket(), b.rate_bucket()));
    assert!(!std::sync::Arc::ptr_eq(a.rate_bucket(), c.rate_bucket()));
    assert_eq!(a.rate_bucket().rate(), crate::http::Rate::CLOUDFLARE);
}
