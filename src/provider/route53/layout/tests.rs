use std::sync::Arc;

use super::*;
use crate::provider::route53::healthcheck;
use crate::provider::route53::rrset::{HcConfig, HealthCheck};
use crate::yaml::{KeyOrder, LoadOptions, Node};

const ZONE: &str = "example.com.";

/// Records from octoDNS zone YAML.
fn zone(yaml: &str) -> Zone {
    let file: Arc<str> = Arc::from("test.yaml");
    let l = crate::yaml::load_str(
        yaml,
        &file,
        LoadOptions {
            order: KeyOrder::Any,
            includes: false,
        },
    );
    assert!(l.errors.is_empty(), "{:?}", l.errors);
    let root = l.root.unwrap();
    let mut z = Zone::new(ZONE);
    for (k, v) in root.entries().unwrap() {
        let name = k.as_str().unwrap().to_string();
        let recs: Vec<&Node> = match v.items() {
            Some(items) => items.iter().collect(),
            None => vec![v],
        };
        for r in recs {
            z.insert(crate::model::build::record_from_node(&name, r, 3600).unwrap());
        }
    }
    z
}

/// Health check ids as apply hands them out: an existing equivalent one, or a new one that
/// is remembered (so `read` can tell `down` from `obey`).
#[derive(Default)]
struct Checks {
    all: HealthChecks,
}

impl HealthCheckIds for Checks {
    fn id(
        &mut self,
        record: &RecordSet,
        value: &str,
        status: Status,
    ) -> Result<Option<String>, String> {
        let p = healthcheck::params(record, ZONE)?;
        let Some(w) = healthcheck::want(&p, value, status) else {
            return Ok(None);
        };
        let fqdn = record.fqdn(ZONE);
        let t = record.rtype.as_str();
        if let Some(id) = healthcheck::find(&self.all, t, &fqdn, &w) {
            return Ok(Some(id));
        }
        let id = format!("hc-{}", self.all.len());
        let caller_reference = format!(
            "{}:{:012}",
            healthcheck::ref_prefix("0001", t, &fqdn),
            self.all.len()
        );
        self.all.insert(
            id.clone(),
            HealthCheck {
                id: id.clone(),
                caller_reference,
                config: healthcheck::config(&w),
            },
        );
        Ok(Some(id))
    }
}

fn write(z: &Zone, checks: &mut Checks) -> Vec<Rrset> {
    z.iter()
        .flat_map(|r| rrsets_for(r, ZONE, "ZONEID", Some("coll-1"), checks).unwrap())
        .collect()
}

const DYNAMIC: &str = "
dyn:
  type: A
  ttl: 60
  values: [192.0.2.10, 192.0.2.11]
  dynamic:
    pools:
      eu:
        fallback: us
        values:
        - {value: 192.0.2.21, weight: 2}
        - {value: 192.0.2.20, status: down, weight: 5}
      us:
        values:
        - {value: 192.0.2.30, status: up}
      ap:
        values:
        - {value: 192.0.2.40}
    rules:
    - {geos: [EU, NA-US-CA], pool: eu}
    - {geos: [AS-JP], pool: ap}
    - {pool: us}
cdn:
  type: CNAME
  value: origin.example.net.
  dynamic:
    pools:
      a:
        values:
        - {value: a.example.net.}
        - {value: b.example.net.}
    rules:
    - {pool: a}
  octodns:
    healthcheck: {path: /health, port: 8443, protocol: HTTP}
";

#[test]
fn dynamic_records_use_octodns_layout() {
    let z = zone(DYNAMIC);
    let mut checks = Checks::default();
    let sets = rrsets_for(
        z.get("dyn", &RecordType::A).unwrap(),
        ZONE,
        "ZONEID",
        None,
        &mut checks,
    )
    .unwrap();
    let got: Vec<String> = sets
        .iter()
        .map(|r| {
            let mut s = format!("{} {}", r.name, r.set_id.as_deref().unwrap_or("-"));
            if let Some(f) = &r.failover {
                s += &format!(" {f}");
            }
            if let Some(a) = &r.alias {
                s += &format!(
                    " -> {} ({}, eval {})",
                    a.dns_name, a.hosted_zone_id, a.evaluate
                );
            }
            if let Some(g) = &r.geo {
                s += &format!(" geo {g:?}");
            }
            if let Some(w) = r.weight {
                s += &format!(" w{w}");
            }
            if let Some(h) = &r.health_check_id {
                s += &format!(" {h}");
            }
            if !r.records.is_empty() {
                s += &format!(" {:?} ttl {:?}", r.records, r.ttl);
            }
            s
        })
        .collect();
    let want = [
        "_octodns-default-pool.dyn.example.com. - [\"192.0.2.10\", \"192.0.2.11\"] ttl Some(60)",
        "_octodns-ap-pool.dyn.example.com. ap-Primary PRIMARY -> _octodns-ap-value.dyn.example.com. (ZONEID, eval true)",
        "_octodns-ap-pool.dyn.example.com. ap-Secondary-default SECONDARY -> _octodns-default-pool.dyn.example.com. (ZONEID, eval true)",
        "_octodns-ap-value.dyn.example.com. ap-000 w1 hc-0 [\"192.0.2.40\"] ttl Some(60)",
        "_octodns-eu-pool.dyn.example.com. eu-Primary PRIMARY -> _octodns-eu-value.dyn.example.com. (ZONEID, eval true)",
        "_octodns-eu-pool.dyn.example.com. eu-Secondary-us SECONDARY -> _octodns-us-pool.dyn.example.com. (ZONEID, eval true)",
        "_octodns-eu-value.dyn.example.com. eu-000 w5 hc-1 [\"192.0.2.20\"] ttl Some(60)",
        "_octodns-eu-value.dyn.example.com. eu-001 w2 hc-2 [\"192.0.2.21\"] ttl Some(60)",
        "_octodns-us-pool.dyn.example.com. us-Primary PRIMARY -> _octodns-us-value.dyn.example.com. (ZONEID, eval true)",
        "_octodns-us-pool.dyn.example.com. us-Secondary-default SECONDARY -> _octodns-default-pool.dyn.example.com. (ZONEID, eval true)",
        "_octodns-us-value.dyn.example.com. us-000 w1 [\"192.0.2.30\"] ttl Some(60)",
        "dyn.example.com. 0-eu-EU -> _octodns-eu-pool.dyn.example.com. (ZONEID, eval true) geo Geo { continent: Some(\"EU\"), country: None, subdivision: None }",
        "dyn.example.com. 0-eu-NA-US-CA -> _octodns-eu-pool.dyn.example.com. (ZONEID, eval true) geo Geo { continent: None, country: Some(\"US\"), subdivision: Some(\"CA\") }",
        "dyn.example.com. 1-ap-AS-JP -> _octodns-ap-pool.dyn.example.com. (ZONEID, eval true) geo Geo { continent: None, country: Some(\"JP\"), subdivision: None }",
        "dyn.example.com. 2-us-None -> _octodns-us-pool.dyn.example.com. (ZONEID, eval true) geo Geo { continent: None, country: Some(\"*\"), subdivision: None }",
    ];
    assert_eq!(got, want);
    // the down value's check is forced unhealthy; the others obey
    let down = &checks.all["hc-1"].config;
    assert!(down.disabled && down.inverted);
    assert_eq!(down.ip.as_deref(), Some("192.0.2.20"));
    assert_eq!(down.fqdn.as_deref(), Some("dyn.example.com"));
    assert!(!checks.all["hc-2"].config.disabled);
}

#[test]
fn records_read_back_equal() {
    let text = format!(
        "{DYNAMIC}
'':
- type: TXT
  values: ['v=spf1 -all', 'k=rsa\\; p=abc', '{}']
- type: CAA
  values:
  - {{flags: 0, tag: issue, value: letsencrypt.org}}
- type: MX
  values:
  - {{exchange: mx1.example.com., preference: 10}}
- type: NS
  values: [ns1.example.net., ns2.example.net.]
- type: SPF
  value: v=spf1 -all
_sip._tcp:
  type: SRV
  value: {{port: 5060, priority: 10, target: sip.example.com., weight: 20}}
naptr:
  type: NAPTR
  value: {{flags: U, order: 100, preference: 10, regexp: '!^.*$!sip:info@example.com!', replacement: ., service: E2U+sip}}
ptr:
  type: PTR
  value: host.example.com.
sub:
- type: DS
  value: {{algorithm: 13, digest: 2bb183af5f22588179a53b0a98631fad1a292118, digest_type: 1, key_tag: 60485}}
- type: NS
  value: ns1.example.net.
v6:
  type: AAAA
  value: '2001:db8::1'
'*':
  type: A
  value: 192.0.2.99
api:
  type: Route53Provider/ALIAS
  values:
  - {{name: dyn, type: A}}
  - {{evaluate-target-health: true, name: '', type: AAAA}}
cf:
  type: Route53Provider/ALIAS
  value: {{hosted-zone-id: Z2FDTNDATAQYW2, name: d1.cloudfront.net., type: A}}
",
        "x".repeat(300)
    );
    let z = zone(&text);
    let z = crate::provider::route53::process_desired(z, false, &mut Vec::new()).unwrap();
    let mut checks = Checks::default();
    let mut sets = write(&z, &mut checks);
    // as Route 53 lists them: with its escapes in names, in its order
    for s in &mut sets {
        s.name = s.name.replace('*', "\\052");
        s.name = crate::provider::route53::rrset::unescape_name(&s.name);
    }
    sets.reverse();
    let back = read(ZONE, sets, &checks.all, &BTreeMap::new());
    assert!(back.problems.is_empty(), "{:?}", back.problems);
    assert_eq!(back.zone.len(), z.len());
    for r in z.iter() {
        let got = back
            .zone
            .get(&r.name, &r.rtype)
            .unwrap_or_else(|| panic!("{} {} not read back", r.name, r.rtype));
        let ttl = if r.rtype.as_str() == ALIAS_TYPE {
            ALIAS_TTL
        } else {
            r.ttl
        };
        assert_eq!(got.ttl, ttl, "{} {}", r.name, r.rtype);
        assert_eq!(got.values, r.values, "{} {}", r.name, r.rtype);
        assert_eq!(got.dynamic, r.dynamic, "{} {}", r.name, r.rtype);
        // and nothing would be rewritten
        assert!(!needs_rewrite(got, r, ZONE), "{} {}", r.name, r.rtype);
    }
}

#[test]
fn health_check_drift_forces_a_rewrite() {
    let z = zone(DYNAMIC);
    let mut checks = Checks::default();
    let sets = write(&z, &mut checks);
    let back = read(ZONE, sets, &checks.all, &BTreeMap::new()).zone;
    let cdn = z.get("cdn", &RecordType::Cname).unwrap();
    let read_cdn = back.get("cdn", &RecordType::Cname).unwrap();
    assert!(!needs_rewrite(read_cdn, cdn, ZONE));
    // the desired health check path changed: same record, different checks
    let mut moved = cdn.clone();
    moved.settings.raw.insert(
        "healthcheck".into(),
        json!({"path": "/other", "port": 8443, "protocol": "HTTP"}),
    );
    assert!(needs_rewrite(read_cdn, &moved, ZONE));
    // Route 53 settings too
    let mut slower = cdn.clone();
    slower.settings.raw.insert(
        "route53".into(),
        json!({"healthcheck": {"request_interval": 30}}),
    );
    assert!(needs_rewrite(read_cdn, &slower, ZONE));
    // a value now `up` still has a check
    let dynr = z.get("dyn", &RecordType::A).unwrap();
    let mut up = dynr.clone();
    for p in up.dynamic.as_mut().unwrap().pools.values_mut() {
        for v in &mut p.values {
            v.status = Status::Up;
        }
    }
    assert!(needs_rewrite(
        back.get("dyn", &RecordType::A).unwrap(),
        &up,
        ZONE
    ));
    // a check of an older octoDNS version
    let mut old = checks.all.clone();
    for hc in old.values_mut() {
        hc.caller_reference = hc.caller_reference.replacen("0001", "0000", 1);
    }
    let sets = write(
        &z,
        &mut Checks {
            all: checks.all.clone(),
        },
    );
    let back_old = read(ZONE, sets, &old, &BTreeMap::new()).zone;
    assert!(needs_rewrite(
        back_old.get("cdn", &RecordType::Cname).unwrap(),
        cdn,
        ZONE
    ));
}

#[test]
fn subnet_rules_use_a_cidr_collection() {
    let z = zone(
        "
sub:
  type: A
  value: 192.0.2.1
  dynamic:
    pools:
      office: {values: [{value: 192.0.2.5}]}
      rest: {values: [{value: 192.0.2.6}]}
    rules:
    - {pool: office, subnets: [198.51.100.0/24, 10.0.0.0/8]}
    - {pool: rest}
",
    );
    let mut checks = Checks::default();
    let sets = write(&z, &mut checks);
    let rules: Vec<(&str, &Cidr)> = sets
        .iter()
        .filter_map(|r| r.cidr.as_ref().map(|c| (r.set_id.as_deref().unwrap(), c)))
        .collect();
    let loc = cidr_location(&["10.0.0.0/8".into(), "198.51.100.0/24".into()]);
    assert_eq!(loc.len(), 16);
    assert_eq!(
        rules,
        vec![
            (
                "0-office-subnet",
                &Cidr {
                    collection_id: "coll-1".into(),
                    location: loc.clone()
                }
            ),
            (
                "1-rest-subnet",
                &Cidr {
                    collection_id: "coll-1".into(),
                    location: "*".into()
                }
            ),
        ]
    );
    let mut cidrs = BTreeMap::new();
    cidrs.insert(
        "coll-1".to_string(),
        CidrLocations::from([(
            loc.clone(),
            vec!["198.51.100.0/24".into(), "10.0.0.0/8".into()],
        )]),
    );
    let back = read(ZONE, sets.clone(), &checks.all, &cidrs).zone;
    let want = z.get("sub", &RecordType::A).unwrap();
    let got = back.get("sub", &RecordType::A).unwrap();
    assert_eq!(got.dynamic, want.dynamic);
    assert!(!needs_rewrite(got, want, ZONE));
    // the blocks of a rule changed: the location name no longer matches
    let mut changed = want.clone();
    changed.dynamic.as_mut().unwrap().rules[0].subnets = vec!["10.0.0.0/8".into()];
    assert!(needs_rewrite(got, &changed, ZONE));
    // subnet rules cannot be written without the collection
    let err = rrsets_for(want, ZONE, "ZONEID", None, &mut checks).unwrap_err();
    assert_eq!(err, WriteFault::NoCidrCollection);
    assert_eq!(
        err.to_string(),
        "subnet rules need the octodns CIDR collection"
    );
}

#[test]
fn reading_what_octodns_did_not_write() {
    let mut ns = Rrset::new("example.com.", "NS");
    ns.ttl = Some(172800);
    // moto leaves the final dot off the apex NS values
    ns.records = vec![
        "ns-2048.awsdns-64.com".into(),
        "NS-2049.awsdns-65.net.".into(),
    ];
    let mut soa = Rrset::new("example.com.", "SOA");
    soa.ttl = Some(900);
    soa.records = vec!["{'Value': 'x'}".into()];
    let mut w1 = Rrset::new("w.example.com.", "A");
    w1.ttl = Some(60);
    w1.set_id = Some("blue".into());
    w1.weight = Some(10);
    w1.records = vec!["192.0.2.1".into()];
    let mut w2 = w1.clone();
    w2.set_id = Some("green".into());
    w2.records = vec!["192.0.2.2".into()];
    let mut broken = Rrset::new("_octodns-x-value.b.example.com.", "A");
    broken.set_id = Some("x-000".into());
    broken.weight = Some(1);
    broken.ttl = Some(60);
    broken.records = vec!["192.0.2.3".into()];
    let mut outside = Rrset::new("other.example.org.", "A");
    outside.ttl = Some(1);
    outside.records = vec!["192.0.2.4".into()];
    let r = read(
        ZONE,
        vec![ns, soa, w1, w2, broken, outside],
        &HealthChecks::new(),
        &BTreeMap::new(),
    );
    let ns = r.zone.get("", &RecordType::Ns).unwrap();
    assert_eq!(
        ns.values,
        vec![
            Value::Target("ns-2048.awsdns-64.com.".into()),
            Value::Target("ns-2049.awsdns-65.net.".into())
        ]
    );
    assert!(r.zone.iter().all(|x| x.rtype.as_str() != "SOA"));
    // weighted rrsets nobody wrote through octoDNS: read as one record, marked unmanaged
    let w = r.zone.get("w", &RecordType::A).unwrap();
    assert_eq!(rrsets_of(w).len(), 2);
    assert_eq!(
        crate::provider::route53::unmanaged(w).as_deref(),
        Some("set identifier blue, set identifier green")
    );
    // a dynamic record without its default pool is reported, not guessed
    assert!(r.zone.get("b", &RecordType::A).is_none());
    assert_eq!(r.problems.len(), 1);
    assert!(r.problems[0].contains("b.example.com. A: its _octodns-default-pool rrset is missing"));
    assert_eq!(r.zone.len(), 2);
}

#[test]
fn alias_values_are_checked_and_normalised() {
    let z = zone(
        "
a:
  type: Route53Provider/ALIAS
  value: {name: www, type: A}
b:
  type: Route53Provider/ALIAS
  value: {name: x.cloudfront.net., type: A}
c:
  type: Route53Provider/ALIAS
  value: {hosted-zone-id: Z1, name: www, type: A}
d:
  type: Route53Provider/ALIAS
  value: {name: www}
",
    );
    let errs =
        crate::provider::route53::process_desired(z.clone(), false, &mut Vec::new()).unwrap_err();
    let msgs: Vec<&str> = errs.iter().map(|u| u.message.as_str()).collect();
    assert_eq!(
        msgs,
        vec![
            "b.example.com. Route53Provider/ALIAS: service alias without hosted-zone-id",
            "c.example.com. Route53Provider/ALIAS: hosted-zone-id on a non-service value",
            "d.example.com. Route53Provider/ALIAS: missing type",
        ]
    );
    let mut only_a = Zone::new(ZONE);
    only_a.insert(
        z.get("a", &RecordType::parse(ALIAS_TYPE).unwrap())
            .unwrap()
            .clone(),
    );
    let ok = crate::provider::route53::process_desired(only_a, false, &mut Vec::new()).unwrap();
    let a = ok.iter().next().unwrap();
    assert_eq!(
        a.values,
        vec![alias_value("www", "A", false, J::Null)],
        "defaults filled in, as Route 53 reads back"
    );
}

#[test]
fn canada_provinces_and_protocols() {
    let z = zone(
        "
d:
  type: A
  value: 192.0.2.1
  dynamic:
    pools:
      a: {values: [{value: 192.0.2.5}]}
      b: {values: [{value: 192.0.2.6}]}
    rules:
    - {geos: [NA-CA-BC], pool: a}
    - {geos: [NA-CA-QC, NA-US], pool: b}
    - {pool: a}
",
    );
    let mut w = Vec::new();
    let out = crate::provider::route53::process_desired(z.clone(), false, &mut w).unwrap();
    let rules = &out.iter().next().unwrap().dynamic.as_ref().unwrap().rules;
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0].geos, vec!["NA-US".to_string()]);
    assert_eq!(
        w,
        vec![
            "NA-CA-* not supported for d.example.com.; skipping rule 0".to_string(),
            "NA-CA-* not supported for d.example.com.; filtering rule 1 from (NA-CA-QC, NA-US) to (NA-US)"
                .to_string()
        ]
    );
    assert_eq!(
        crate::provider::route53::process_desired(z.clone(), true, &mut Vec::new())
            .unwrap_err()
            .len(),
        2
    );
    let mut icmp = z;
    for r in icmp.records.values_mut() {
        r.settings
            .raw
            .insert("healthcheck".into(), json!({"protocol": "ICMP"}));
    }
    let e = crate::provider::route53::process_desired(icmp, false, &mut Vec::new()).unwrap_err();
    assert!(
        e.iter()
            .any(|u| u.message == "healthcheck protocol \"ICMP\" not supported")
    );
}

#[test]
fn unused_config_fields_do_not_matter() {
    // an HcConfig as Route 53 returns it for a TCP check: no path, no host
    let p = Params {
        protocol: "TCP".into(),
        host: None,
        path: None,
        port: Some(443),
        measure_latency: true,
        request_interval: 10,
        failure_threshold: 6,
    };
    let c = HcConfig {
        kind: "TCP".into(),
        ip: Some("192.0.2.1".into()),
        port: Some(443),
        fqdn: None,
        path: None,
        measure_latency: true,
        request_interval: 10,
        failure_threshold: 6,
        disabled: false,
        inverted: false,
        enable_sni: false,
    };
    assert!(healthcheck::equivalent(&p, None, None, None, &c));
}

#[test]
fn txt_chunks_as_octodns_writes_them() {
    assert_eq!(octodns_chunks("v=DKIM1\\; k=rsa"), "\"v=DKIM1\\; k=rsa\"");
    assert_eq!(octodns_chunks("say \"hi\""), "\"say \\\"hi\\\"\"");
    assert_eq!(octodns_chunks("C:\\dir\\"), "\"C:\\\\dir\\\\\"");
    assert_eq!(octodns_chunks(""), "\"\"");
    // 254 characters then an escape: the escape moves to the next string whole
    let v = format!("{}\\;{}", "a".repeat(254), "b".repeat(10));
    assert_eq!(
        octodns_chunks(&v),
        format!("\"{}\" \"\\;{}\"", "a".repeat(254), "b".repeat(10))
    );
    let long = "x".repeat(300);
    assert_eq!(
        octodns_chunks(&long),
        format!("\"{}\" \"{}\"", "x".repeat(255), "x".repeat(45))
    );
}

/// Reading rrsets back names what is wrong as a variant; the problem text is unchanged.
#[test]
fn read_faults_are_typed() {
    let none = BTreeMap::new();
    let checks = HealthChecks::default();
    assert_eq!(
        read_dynamic("b", "A", &[], &checks, &none).unwrap_err(),
        ReadFault::NoDefaultPool
    );
    assert_eq!(
        read_dynamic("b", "NOPE", &[], &checks, &none).unwrap_err(),
        ReadFault::NotDynamicType
    );
    let mut rule = Rrset::new("b.example.com.", "A");
    rule.geo = Some(Geo::default());
    rule.set_id = Some("x-eu".into());
    let e = read_dynamic("b", "A", &[rule], &checks, &none).unwrap_err();
    assert_eq!(e, ReadFault::RuleIndex("x-eu".into()));
    assert_eq!(e.to_string(), "rule set identifier \"x-eu\" has no index");
    let mut pool = Rrset::new("_octodns-default-pool.b.example.com.", "A");
    pool.records = vec!["not-an-ip".into()];
    let e = read_dynamic("b", "A", &[pool], &checks, &none).unwrap_err();
    assert!(matches!(&e, ReadFault::Value(r) if r.rtype == "A"), "{e:?}");
}
