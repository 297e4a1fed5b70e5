use super::query::tests::txt;
use super::*;
use crate::model::{Dynamic, Pool, PoolValue, RecordSet, Status};

fn zone() -> Zone {
    let mut z = Zone::new("example.com.");
    z.insert(RecordSet::new(
        "",
        RecordType::Ns,
        3600,
        vec![Value::Target("ns1.example.com.".into())],
    ));
    z.insert(RecordSet::new(
        "ns1",
        RecordType::A,
        3600,
        vec![Value::Ip("192.0.2.53".into())],
    ));
    z.insert(RecordSet::new(
        "*.w",
        RecordType::A,
        60,
        vec![Value::Ip("192.0.2.9".into())],
    ));
    z.insert(RecordSet::new(
        "sub",
        RecordType::Ns,
        60,
        vec![Value::Target("ns.example.net.".into())],
    ));
    z.insert(RecordSet::new(
        "x.sub",
        RecordType::A,
        60,
        vec![Value::Ip("192.0.2.1".into())],
    ));
    z.insert(RecordSet::new(
        "a",
        RecordType::Alias,
        60,
        vec![Value::Target("www.example.com.".into())],
    ));
    let mut d = RecordSet::new(
        "dyn",
        RecordType::A,
        60,
        vec![Value::Ip("192.0.2.10".into())],
    );
    d.dynamic = Some(Dynamic {
        pools: [(
            "p".to_string(),
            Pool {
                fallback: None,
                values: vec![PoolValue {
                    value: Value::Ip("192.0.2.20".into()),
                    weight: 1,
                    status: Status::Obey,
                }],
            },
        )]
        .into(),
        rules: vec![],
    });
    z.insert(d);
    z
}

#[test]
fn what_is_asked() {
    let e = expectations(&zone());
    let got: Vec<(&str, &str, &str, bool, bool)> = e
        .iter()
        .map(|x| {
            (
                x.name.as_str(),
                x.qname.as_str(),
                x.rtype.as_str(),
                x.subset,
                x.referral,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("@", "example.com.", "NS", false, false),
            (
                "*.w",
                "dnsplan-verify-probe.w.example.com.",
                "A",
                false,
                false
            ),
            ("dyn", "dyn.example.com.", "A", true, false),
            ("ns1", "ns1.example.com.", "A", false, false),
            ("sub", "sub.example.com.", "NS", false, true),
        ],
        "ALIAS and names below the delegation are not asked"
    );
    let dynr = &e[2];
    assert_eq!(dynr.want.len(), 2, "default values and every pool's values");
}

fn target(e: &[Expect]) -> Target {
    Target {
        zone: "example.com.".into(),
        target: "bind".into(),
        servers: vec![],
        problem: None,
        expect: e.to_vec(),
    }
}

/// An answer of the given RDATA octets of type `code`.
fn got_wire(code: u16, rdatas: &[Vec<u8>], ttl: u32) -> Got {
    let mut values: Vec<Canon> = rdatas.iter().map(|r| compare::of_wire(code, r)).collect();
    values.sort();
    Got {
        rcode: "NOERROR".into(),
        ttl: Some(ttl),
        values,
    }
}

fn a(ip: &str) -> Vec<u8> {
    ip.parse::<std::net::Ipv4Addr>().unwrap().octets().to_vec()
}

fn kinds(f: &[Finding]) -> Vec<&'static str> {
    f.iter()
        .map(|x| match x {
            Finding::Differs { .. } => "differs",
            Finding::Ttl { .. } => "ttl",
            Finding::NoAnswer { .. } => "no_answer",
            Finding::Disagree { .. } => "disagree",
            Finding::NoServers { .. } => "no_servers",
        })
        .collect()
}

#[test]
fn answers_compared_with_git_values_and_ttl_apart() {
    let e = expectations(&zone());
    let t = target(&e);
    let s: SocketAddr = "192.0.2.53:53".parse().unwrap();
    let ns1 = e.iter().find(|x| x.name == "ns1").unwrap();
    assert!(judge(&t, ns1, s, &got_wire(1, &[a("192.0.2.53")], 3600)).is_empty());
    // the TTL is its own finding, not a value difference
    let f = judge(&t, ns1, s, &got_wire(1, &[a("192.0.2.53")], 300));
    assert_eq!(kinds(&f), ["ttl"]);
    let Finding::Ttl {
        want_ttl, got_ttl, ..
    } = &f[0]
    else {
        unreachable!()
    };
    assert_eq!((*want_ttl, *got_ttl), (3600, 300));
    // another value: a value difference only, with what is missing and what is not git's
    let f = judge(&t, ns1, s, &got_wire(1, &[a("192.0.2.54")], 3600));
    assert_eq!(kinds(&f), ["differs"]);
    let Finding::Differs {
        missing,
        unexpected,
        reason,
        ..
    } = &f[0]
    else {
        unreachable!()
    };
    assert_eq!(missing, &["192.0.2.53"]);
    assert_eq!(unexpected, &["192.0.2.54"]);
    assert_eq!(reason, "missing 192.0.2.53; unexpected 192.0.2.54");
    // both differ: two findings
    let f = judge(&t, ns1, s, &got_wire(1, &[a("192.0.2.54")], 60));
    assert_eq!(kinds(&f), ["differs", "ttl"]);
    // no record: no TTL to compare
    let none = Got {
        rcode: "NOERROR".into(),
        ttl: None,
        values: vec![],
    };
    let f = judge(&t, ns1, s, &none);
    let Finding::Differs { reason, .. } = &f[0] else {
        unreachable!()
    };
    assert_eq!(reason, "no such record (NODATA)");
    let nx = Got {
        rcode: "NXDOMAIN".into(),
        ..none
    };
    let f = judge(&t, ns1, s, &nx);
    let Finding::Differs { reason, .. } = &f[0] else {
        unreachable!()
    };
    assert_eq!(reason, "no such record (NXDOMAIN)");
    // a dynamic record may answer any of its values, nothing else
    let d = e.iter().find(|x| x.name == "dyn").unwrap();
    assert!(judge(&t, d, s, &got_wire(1, &[a("192.0.2.20")], 60)).is_empty());
    let f = judge(&t, d, s, &got_wire(1, &[a("192.0.2.99")], 60));
    let Finding::Differs { reason, .. } = &f[0] else {
        unreachable!()
    };
    assert_eq!(reason, "values no pool has: 192.0.2.99");
}

fn same(t: &RecordType, git: Value, code: u16, wire: &[u8]) -> bool {
    let g = compare::set(t, &[git]);
    let h = vec![compare::of_wire(code, wire)];
    compare::values_differ(&g, &h, false, "NOERROR").is_none()
}

#[test]
fn txt_is_its_joined_character_strings_escapes_decoded() {
    let t = RecordType::Txt;
    let long = "a".repeat(300);
    let git = Value::Text(long.clone());
    // octoDNS's chunks (255 + 45) and any other split of the same octets are equal
    assert!(same(
        &t,
        git.clone(),
        16,
        &txt(&[&[b'a'; 255], &[b'a'; 45]])
    ));
    assert!(same(
        &t,
        git.clone(),
        16,
        &txt(&[&[b'a'; 100], &[b'a'; 200]])
    ));
    assert!(same(
        &t,
        git.clone(),
        16,
        &txt(&[&[b'a'; 150], b"", &[b'a'; 150]])
    ));
    // one octet more or less, or another one, is not
    assert!(!same(
        &t,
        git.clone(),
        16,
        &txt(&[&[b'a'; 255], &[b'a'; 44]])
    ));
    let mut other = vec![b'a'; 299];
    other.push(b'b');
    assert!(!same(
        &t,
        git.clone(),
        16,
        &txt(&[&other[..255], &other[255..]])
    ));
    // both sides are shown alike: quoted, chunked at 255
    let shown = compare::of_wire(16, &txt(&[&[b'a'; 100], &[b'a'; 200]])).shown;
    assert_eq!(shown, compare::of_value(&t, &git).shown);
    assert_eq!(
        shown,
        format!("\"{}\" \"{}\"", "a".repeat(255), "a".repeat(45))
    );
    // git's `\;` is the octet `;`; quotes and backslashes are octets on the wire
    assert!(same(
        &t,
        Value::Text("v=DKIM1\\; k=rsa\\; p=MIG".into()),
        16,
        &txt(&[b"v=DKIM1; k=rsa; p=MIG"])
    ));
    assert!(same(
        &t,
        Value::Text("say \"hi\" \\o/".into()),
        16,
        &txt(&[b"say \"hi\" \\o/"])
    ));
    // empty: one empty character-string
    assert!(same(&t, Value::Text(String::new()), 16, &txt(&[b""])));
    assert!(!same(&t, Value::Text(String::new()), 16, &txt(&[b" "])));
    // 2,048 octets, and SPF alike
    let key = "k".repeat(2048);
    let chunks: Vec<&[u8]> = key.as_bytes().chunks(200).collect();
    assert!(same(&t, Value::Text(key.clone()), 16, &txt(&chunks)));
    assert!(same(
        &RecordType::Spf,
        Value::Text("v=spf1 -all".into()),
        99,
        &txt(&[b"v=spf1", b" -all"])
    ));
}

fn wire(t: &RecordType, v: &Value) -> Vec<u8> {
    crate::provider::rfc2136::codec::encode(t, v, &crate::provider::rfc2136::wire::Name::root())
        .unwrap()
}

#[test]
fn names_caa_svcb_and_hex_compare_as_dns_does() {
    use crate::model::rdata::parse;
    let p = |t: &RecordType, s: &str| parse(t, s).unwrap();
    let cases: &[(RecordType, &str, &str)] = &[
        // names: case, IDN (git's U-label, the server's A-label)
        (RecordType::Cname, "www.example.com.", "WWW.Example.COM."),
        (
            RecordType::Cname,
            "bücher.example.",
            "xn--bcher-kva.example.",
        ),
        (RecordType::Mx, "10 mx.example.com.", "10 MX.EXAMPLE.com."),
        (
            RecordType::Srv,
            "1 2 5060 sip.example.com.",
            "1 2 5060 SIP.example.com.",
        ),
        (RecordType::Ns, "ns1.example.net.", "NS1.example.NET."),
        // CAA: the tag without case, the value whatever its quoting
        (
            RecordType::Caa,
            "0 issue \"letsencrypt.org\"",
            "0 ISSUE letsencrypt.org",
        ),
        // SVCB: key order and names, address forms
        (
            RecordType::Svcb,
            "1 svc.example.com. port=443 alpn=h2,h3 ipv6hint=2001:db8:0:0::1",
            "1 SVC.example.com. alpn=h2,h3 ipv6hint=2001:db8::1 key3=443",
        ),
        // hex without case
        (
            RecordType::Sshfp,
            "1 1 123456789ABCDEF67890123456789ABCDEF67890",
            "1 1 123456789abcdef67890123456789abcdef67890",
        ),
    ];
    for (t, git, served) in cases {
        let code = crate::provider::rfc2136::codec::type_code(t).unwrap();
        let v = p(t, git);
        // the server's octets: names as it writes them (case kept on the wire)
        let w = wire(t, &p(t, served));
        assert!(same(t, v, code, &w), "{t} {git:?} vs {served:?}");
    }
    // a key by its number is the key by its name, lists included
    let svcb = RecordType::Svcb;
    assert_eq!(
        compare::of_value(&svcb, &p(&svcb, "1 . key1=h2,h3 key3=443")).key,
        compare::of_value(&svcb, &p(&svcb, "1 . alpn=h2,h3 port=443")).key
    );
    // and real differences stay differences
    let differs: &[(RecordType, &str, &str)] = &[
        (RecordType::Cname, "www.example.com.", "ww.example.com."),
        (
            RecordType::Caa,
            "0 issue \"letsencrypt.org\"",
            "0 issuewild \"letsencrypt.org\"",
        ),
        (
            RecordType::Caa,
            "0 issue \"letsencrypt.org\"",
            "128 issue \"letsencrypt.org\"",
        ),
        (
            RecordType::Svcb,
            "1 svc.example.com. alpn=h2,h3",
            "1 svc.example.com. alpn=h3,h2",
        ),
        (RecordType::Mx, "10 mx.example.com.", "20 mx.example.com."),
    ];
    for (t, git, served) in differs {
        let code = crate::provider::rfc2136::codec::type_code(t).unwrap();
        let w = wire(t, &p(t, served));
        assert!(!same(t, p(t, git), code, &w), "{t} {git:?} vs {served:?}");
    }
}

#[test]
fn the_case_of_names_on_the_wire_is_kept_and_ignored() {
    // wire octets written by hand, upper case as a server may keep it
    let mut w = Vec::new();
    for l in ["WWW", "Example", "COM"] {
        w.push(l.len() as u8);
        w.extend_from_slice(l.as_bytes());
    }
    w.push(0);
    assert!(same(
        &RecordType::Cname,
        Value::Target("www.example.com.".into()),
        5,
        &w
    ));
    // an unreadable answer is shown in the generic form and differs
    let c = compare::of_wire(1, &[1, 2, 3]);
    assert_eq!(c.shown, "\\# 3 010203");
    assert!(!same(
        &RecordType::A,
        Value::Ip("1.2.3.0".into()),
        1,
        &[1, 2, 3]
    ));
}

#[tokio::test]
async fn name_servers_from_in_zone_glue() {
    let s = nameservers_from_ns(&zone()).await.unwrap();
    assert_eq!(s, vec!["192.0.2.53:53".parse::<SocketAddr>().unwrap()]);
    let e = nameservers_from_ns(&Zone::new("empty.")).await.unwrap_err();
    assert!(e.to_string().contains("no apex NS"), "{e}");
}

#[test]
fn loc_at_the_wire_precision_and_idn_zones_asked_in_a_labels() {
    use crate::model::rdata::parse;
    let t = RecordType::Loc;
    // git may say more than the wire holds (milliseconds of arc, centimetres)
    let git = parse(&t, "51 30 12.7484 N 0 7 39.6112 W 10.504m 1m 10000m 10m").unwrap();
    let served = parse(&t, "51 30 12.748 N 0 7 39.611 W 10.50m 1m 10000m 10m").unwrap();
    assert!(same(&t, git.clone(), 29, &wire(&t, &served)));
    let elsewhere = parse(&t, "51 30 12.758 N 0 7 39.611 W 10.50m 1m 10000m 10m").unwrap();
    assert!(!same(&t, git, 29, &wire(&t, &elsewhere)));

    // a zone written in U-labels is asked in A-labels
    let mut z = Zone::new("bücher.example.");
    z.insert(RecordSet::new(
        "www",
        RecordType::A,
        60,
        vec![Value::Ip("192.0.2.1".into())],
    ));
    let e = expectations(&z);
    assert_eq!(e[0].qname, "www.xn--bcher-kva.example.");
}

#[tokio::test]
async fn targets_of_a_config_with_their_servers_or_why_not() {
    let dir = tempfile::tempdir().unwrap();
    let zones = dir.path().join("zones");
    std::fs::create_dir_all(&zones).unwrap();
    std::fs::write(
        zones.join("example.com.yaml"),
        "---\nwww:\n  type: A\n  value: 192.0.2.1\n",
    )
    .unwrap();
    let config = format!(
        "providers:\n  config:\n    class: octodns.provider.yaml.YamlProvider\n    directory: '{z}'\n  \
         bind:\n    class: octodns_bind.Rfc2136Provider\n    host: 127.0.0.1\n    port: 5399\n  \
         copy:\n    class: octodns.provider.yaml.YamlProvider\n    directory: '{z}/copy'\n\
         zones:\n  example.com.:\n    sources: [config]\n    targets: [bind, copy]\n",
        z = zones.display()
    );
    std::fs::write(dir.path().join("config.yaml"), config).unwrap();
    let (cfg, diags) = crate::config::load(
        &dir.path().join("config.yaml"),
        &crate::provider::registry::Registry,
    );
    let cfg = cfg.unwrap_or_else(|| panic!("{diags:?}"));
    let mut d = Vec::new();
    let zs = cfg.select_zones(&[], &mut d);
    let auto = Choice {
        auto: true,
        ..Choice::default()
    };
    let t = targets(&cfg, &zs, &auto).await.unwrap();
    assert_eq!(t.len(), 2);
    // the RFC 2136 server is its own name server
    assert_eq!(
        (t[0].zone.as_str(), t[0].target.as_str()),
        ("example.com.", "bind")
    );
    assert_eq!(
        t[0].servers,
        vec!["127.0.0.1:5399".parse::<SocketAddr>().unwrap()]
    );
    assert_eq!(t[0].problem, None);
    assert_eq!(t[0].expect.len(), 1);
    // a YAML target knows no server, and the zone has no NS: why, as the finding will say
    assert!(t[1].servers.is_empty());
    assert_eq!(
        t[1].problem.as_deref(),
        Some("the zone files have no apex NS record to find the name servers")
    );
    // a zone file with an error: the diagnostics, nothing asked
    std::fs::write(
        zones.join("example.com.yaml"),
        "---\nwww:\n  type: A\n  value: not-an-ip\n",
    )
    .unwrap();
    match targets(&cfg, &zs, &auto).await {
        Err(TargetsError::Invalid { zone, diagnostics }) => {
            assert_eq!(zone, "example.com.");
            assert!(
                diagnostics.iter().any(Diagnostic::is_error),
                "{diagnostics:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}
