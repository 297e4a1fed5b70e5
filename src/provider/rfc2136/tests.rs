//! The provider without a real server: settings, RDATA both ways for every type, messages,
//! TSIG (checked against hickory's own verifier), the update and its prerequisites, and error
//! paths against a fake server on loopback. BIND and Knot themselves are exercised by the
//! conformance suite (`tests/conformance/rfc2136.rs`).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value as J, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use hickory_proto::rr::rdata::tsig::TsigAlgorithm;

use super::wire::{CLASS_ANY, CLASS_IN, CLASS_NONE, Key, Message};
use super::*;
use crate::config::Common;
use crate::plan::Op;
use crate::yaml::Pos;

const SECRET: &str = "5WRaw6B2bLltWqnGJ8XdPB2W/qUIGHbn5k8+sXSfekE=";

fn config(class: &str, settings: J) -> ProviderConfig {
    ProviderConfig {
        id: "dns".into(),
        class: class.into(),
        files: None,
        common: Common::default(),
        settings: crate::yaml::de::node_from_json(&settings),
        secret_keys: ["key_secret".to_string()].into(),
        missing_env: false,
        pos: Pos::none(),
    }
}

fn settings(s: J) -> Result<Settings, String> {
    Settings::from_config(&config("octodns_bind.Rfc2136Provider", s)).map_err(|e| e.to_string())
}

fn key() -> Key {
    settings(json!({"host": "h", "key_name": "ci-key", "key_secret": SECRET}))
        .unwrap()
        .key
        .unwrap()
}

#[test]
fn settings_have_octodns_bind_names_and_defaults() {
    let s = settings(json!({"host": "127.0.0.1"})).unwrap();
    assert_eq!((s.host.as_str(), s.port), ("127.0.0.1", 53));
    assert_eq!(s.timeout, Duration::from_secs(15));
    assert!(!s.ipv6 && s.key.is_none() && !s.read_only);
    assert_eq!(s.update_batch_size, None);
    let s = settings(json!({
        "host": "[::1]", "port": "5301", "ipv6": true, "timeout": 2.5, "key_name": "CI-Key",
        "key_secret": SECRET, "key_algorithm": "HMAC-SHA512.", "update_batch_size": 100,
    }))
    .unwrap();
    assert_eq!((s.host.as_str(), s.port), ("::1", 5301));
    assert_eq!(s.timeout, Duration::from_millis(2500));
    assert_eq!(s.update_batch_size, Some(100));
    let k = s.key.as_ref().unwrap();
    assert_eq!(k.name.to_text(), "ci-key.");
    assert_eq!(k.algorithm, TsigAlgorithm::HmacSha512);
    // the default algorithm is dnspython's: hmac-sha256
    assert_eq!(key().algorithm, TsigAlgorithm::HmacSha256);
    // the secret is never shown
    let shown = format!("{s:?}");
    assert!(!shown.contains(SECRET) && shown.contains("***"), "{shown}");
    let p = Rfc2136Provider::with_settings("dns", s);
    assert!(!format!("{:?}", p.settings()).contains(SECRET));
    for (bad, why) in [
        (json!({}), "missing `host`"),
        (json!({"host": "h", "port": 0}), "`port`"),
        (json!({"host": "h", "timeout": "soon"}), "`timeout`"),
        (json!({"host": "h", "ipv6": "maybe"}), "`ipv6`"),
        (
            json!({"host": "h", "update_batch_size": 0}),
            "update_batch_size",
        ),
        (
            json!({"host": "h", "key_name": "k"}),
            "without `key_secret`",
        ),
        (
            json!({"host": "h", "key_secret": SECRET}),
            "without `key_name`",
        ),
        (
            json!({"host": "h", "key_algorithm": "hmac-sha256"}),
            "without `key_name`",
        ),
        (
            json!({"host": "h", "key_name": "k", "key_secret": "not base64!"}),
            "not base64",
        ),
        (
            json!({"host": "h", "key_name": "k", "key_secret": SECRET, "key_algorithm": "hmac-md5"}),
            "not supported",
        ),
        (
            json!({"host": "h", "key_name": "k", "key_secret": SECRET, "key_algorithm": "rot13"}),
            "unknown key_algorithm",
        ),
        (json!({"host": "h", "hots": "x"}), "unknown setting(s) hots"),
    ] {
        let e = settings(bad.clone()).unwrap_err();
        assert!(e.contains(why), "{bad}: {e}");
        assert!(!e.contains(SECRET), "{e}");
    }
    // the factory builds it from octoDNS's class names; AxfrSource reads only
    for class in [
        "octodns_bind.Rfc2136Provider",
        "octodns_bind.BindProvider",
        "rfc2136",
    ] {
        let c = config(class, json!({"host": "127.0.0.1"}));
        assert!(!Settings::from_config(&c).unwrap().read_only, "{class}");
        assert_eq!(crate::provider::build(&c).unwrap().id(), "dns");
    }
    for class in ["octodns_bind.AxfrSource", "octodns.source.axfr.AxfrSource"] {
        let c = config(class, json!({"host": "127.0.0.1"}));
        assert!(Settings::from_config(&c).unwrap().read_only, "{class}");
    }
}

#[test]
fn capabilities_are_the_dns_types() {
    let p = Rfc2136Provider::with_settings("dns", settings(json!({"host": "h"})).unwrap());
    let c = p.capabilities();
    for t in [
        "A",
        "CAA",
        "DNAME",
        "HTTPS",
        "LOC",
        "OPENPGPKEY",
        "SVCB",
        "URI",
    ] {
        assert!(c.supports_type(&RecordType::core(t).unwrap()), "{t}");
    }
    for t in ["ALIAS", "URLFWD"] {
        assert!(!c.supports_type(&RecordType::core(t).unwrap()), "{t}");
    }
    assert!(c.root_ns && !c.dynamic && c.multivalue_ptr);
    assert_eq!(supported_types().len(), 20);
    assert_eq!(
        p.nameservers(),
        None,
        "a host name that does not resolve has no address"
    );
    let p = Rfc2136Provider::with_settings(
        "dns",
        settings(json!({"host": "127.0.0.1", "port": 5301})).unwrap(),
    );
    assert_eq!(
        p.nameservers(),
        Some(vec!["127.0.0.1:5301".parse().unwrap()])
    );
}

fn t(s: &str) -> RecordType {
    RecordType::core(s).unwrap()
}

fn origin() -> Name {
    Name::parse("example.test.", None).unwrap()
}

/// Presentation text → value → wire → text → the same value.
fn round_trip(ty: &str, text: &str) -> Vec<u8> {
    let rt = t(ty);
    let v = rdata::parse(&rt, text).unwrap_or_else(|e| panic!("{e}"));
    let wire = codec::encode(&rt, &v, &origin()).unwrap_or_else(|e| panic!("{ty} {text}: {e}"));
    let back = codec::to_text(codec::type_code(&rt).unwrap(), &wire)
        .unwrap_or_else(|e| panic!("{ty} {text}: {e}"));
    let v2 = rdata::parse(&rt, &back).unwrap_or_else(|e| panic!("{ty} {back:?}: {e}"));
    assert_eq!(v2, v, "{ty} {text:?} → {back:?}");
    wire
}

#[test]
fn every_type_reads_back_as_written() {
    assert_eq!(round_trip("A", "192.0.2.1"), [192, 0, 2, 1]);
    round_trip("AAAA", "2001:db8::1");
    assert_eq!(
        round_trip("MX", "10 mx.example.net."),
        b"\x00\x0a\x02mx\x07example\x03net\x00"
    );
    round_trip("MX", "0 .");
    round_trip("NS", "ns1.example.net.");
    round_trip("CNAME", "xn--bcher-kva.example.");
    round_trip("DNAME", "example.net.");
    round_trip("PTR", "host1.example.net.");
    round_trip("SRV", "10 20 5060 sip1.example.test.");
    round_trip("SRV", "0 0 0 .");
    round_trip(
        "TXT",
        "\"v=spf1 include:_spf.example.com -all\" \"more\\\"quoted\\\\\"",
    );
    round_trip("TXT", "\"\"");
    round_trip("TXT", "\"v=DKIM1; k=rsa; p=MIGf\"");
    round_trip("TXT", "\"caf\\195\\169\"");
    let long = format!(
        "\"{}\" \"{}\" \"{}\"",
        "a".repeat(255),
        "a".repeat(255),
        "a".repeat(90)
    );
    let w = round_trip("TXT", &long);
    assert_eq!(
        (w[0], w[256], w[512]),
        (255, 255, 90),
        "split at 255 octets"
    );
    round_trip("SPF", "\"v=spf1 -all\"");
    assert_eq!(
        round_trip("CAA", "0 issue \"letsencrypt.org\""),
        b"\x00\x05issueletsencrypt.org"
    );
    round_trip("CAA", "128 tbs \"Unknown\"");
    round_trip("CAA", "0 iodef \"mailto:security@example.com\"");
    round_trip("SSHFP", "1 1 123456789abcdef67890123456789abcdef67890");
    round_trip(
        "TLSA",
        "3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    );
    round_trip("DS", "60485 13 1 2bb183af5f22588179a53b0a98631fad1a292118");
    round_trip(
        "NAPTR",
        "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.com.",
    );
    round_trip(
        "NAPTR",
        "100 20 \"U\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" .",
    );
    round_trip("URI", "10 1 \"https://www.example.com/\"");
    round_trip(
        "OPENPGPKEY",
        "mQINBFit2jsBEADrbl5vjVxYeAE0g0IDYCBpHirv1Sjlqxx5gjtPhb2YE8WKJ6oGPGYbYAVPRDfn9X3PUdx0g8Z\
         cIcc7kddRk8BWnrBK7fBl7kXwuuC0anIZKtzqrfiPT1yL6nBxuCqgyphy1ZBRJJp4D4XtMhIuDJTJiTknYjYdmq\
         XBc3cvB7S0K6ZMg4ObWGEi9OK9VFtixeadPu4JCv46pGSu8YmMf5hd9pR0xrDC8g==",
    );
    let loc = round_trip("LOC", "51 30 12.748 N 0 7 39.611 W 10.5m 1m 10000m 10m");
    assert_eq!(&loc[..4], [0, 0x12, 0x16, 0x13], "RFC 1876 sizes");
    round_trip("LOC", "51 30 12.748 N 0 7 39.611 W -20.25m 1m 10000m 10m");
    round_trip("LOC", "42 21 54.000 S 71 6 18.000 E -24.00m 30m 10m 10m");
    round_trip(
        "HTTPS",
        "1 . alpn=h3,h2 port=8443 ipv4hint=192.0.2.1,192.0.2.2 ipv6hint=2001:db8::1",
    );
    round_trip(
        "SVCB",
        "2 svc3.example.net. mandatory=alpn alpn=h2 no-default-alpn port=443 ech=AEX+DQBB \
         key65000=\"abc\"",
    );
    round_trip("SVCB", "0 svc2.example.test.");
    // relative names are below the zone
    let v = Value::Target("www".into());
    assert_eq!(
        codec::encode(&t("CNAME"), &v, &origin()).unwrap(),
        b"\x03www\x07example\x04test\x00"
    );
}

#[test]
fn values_that_cannot_be_written_are_errors() {
    let o = origin();
    let bad = [
        ("A", Value::Ip("2001:db8::1".into())),
        (
            "MX",
            rdata::parse(&t("MX"), "70000 mx.example.net.").unwrap(),
        ),
        ("SSHFP", rdata::parse(&t("SSHFP"), "1 1 xyz").unwrap()),
        (
            "CNAME",
            Value::Target(format!("{}.example.", "a".repeat(64))),
        ),
        (
            "SVCB",
            rdata::parse(&t("SVCB"), "1 . unknownkey=1").unwrap(),
        ),
        ("A", Value::Target("x.".into())),
    ];
    for (ty, v) in bad {
        assert!(codec::encode(&t(ty), &v, &o).is_err(), "{ty} {v:?}");
    }
    // the error names the field and the value
    let mx = rdata::parse(&t("MX"), "70000 mx.example.net.").unwrap();
    let e = codec::encode(&t("MX"), &mx, &o).unwrap_err();
    assert_eq!(
        e,
        codec::EncodeError::NotU16 {
            field: "preference".into(),
            value: 70000
        }
    );
    assert_eq!(e.to_string(), "preference 70000 is not between 0 and 65535");
    assert!(matches!(
        codec::encode(&t("A"), &Value::Target("x.".into()), &o),
        Err(codec::EncodeError::Mismatch { .. })
    ));
}

#[test]
fn wire_rdata_of_other_types_is_generic() {
    assert_eq!(
        codec::to_text(13, b"\x02PC\x05Linux").unwrap(),
        "\\# 9 025043054c696e7578"
    );
    assert_eq!(codec::to_text(65280, b"").unwrap(), "\\# 0");
    assert_eq!(codec::type_name(13), "HINFO");
    assert_eq!(codec::type_name(65280), "TYPE65280");
    // garbage in a known type is an error, saying what is wrong
    assert_eq!(
        codec::to_text(1, &[1, 2, 3]),
        Err(codec::DecodeError::Short)
    );
    assert_eq!(
        codec::to_text(1, &[1, 2, 3, 4, 5]).unwrap_err().to_string(),
        "1 octets left over"
    );
    assert!(matches!(
        codec::to_text(15, &[0, 10, 5, b'a']),
        Err(codec::DecodeError::Name(wire::WireError::TruncatedLabel))
    ));
    assert_eq!(
        codec::to_text(29, &[1; 16]),
        Err(codec::DecodeError::LocVersion(1)),
        "LOC version 1"
    );
}

fn rec(name: &str, rtype: u16, ttl: u32, rdata: &[u8]) -> wire::RecordIn {
    wire::RecordIn {
        name: Name::parse(name, None).unwrap(),
        rtype,
        class: CLASS_IN,
        ttl,
        rdata: rdata.to_vec(),
        start: 0,
    }
}

#[test]
fn transfers_become_zones() {
    let soa = [
        Name::parse("ns1.example.net.", None).unwrap().to_wire(),
        vec![0; 21],
    ]
    .concat();
    let records = [
        rec("example.test.", 6, 3600, &soa),
        rec("WWW.Example.Test.", 1, 60, &[192, 0, 2, 2]),
        rec("www.example.test.", 1, 30, &[192, 0, 2, 1]),
        rec("example.test.", 16, 300, b"\x0cv=spf1; -all"),
        rec("hinfo.example.test.", 13, 300, b"\x02PC\x05Linux"),
        rec("other.test.", 1, 60, &[192, 0, 2, 9]),
    ];
    let z = zone_from_records("example.test.", &records).unwrap();
    assert_eq!(z.len(), 3, "{z:?}");
    let www = z.get("www", &RecordType::A).unwrap();
    assert_eq!(www.rdata(), ["192.0.2.1", "192.0.2.2"]);
    assert_eq!(www.ttl, 30);
    assert_eq!(
        z.get("", &RecordType::Txt).unwrap().values,
        [Value::Text("v=spf1\\; -all".into())]
    );
    let other = RecordType::Other(Arc::from("Rfc2136Provider/HINFO"));
    assert_eq!(
        z.get("hinfo", &other).unwrap().rdata(),
        ["\\# 9 025043054c696e7578"]
    );
    // a value the model cannot read names the record
    let e = zone_from_records(
        "example.test.",
        &[rec("bad.example.test.", 28, 60, &[1, 2])],
    )
    .unwrap_err();
    assert!(e.contains("bad.example.test. AAAA"), "{e}");
}

#[test]
fn names_parse_print_and_compress() {
    let n = Name::parse("a\\.b.C\\032d.example.", None).unwrap();
    assert_eq!(n.0.len(), 3);
    assert_eq!(n.to_text(), "a\\.b.C\\032d.example.");
    assert_eq!(Name::parse(".", None).unwrap(), Name::root());
    assert_eq!(Name::root().to_text(), ".");
    assert_eq!(
        Name::parse("a..b.", None),
        Err(wire::NameTextError::EmptyLabel("a..b.".into()))
    );
    assert_eq!(
        Name::parse("rel", None).unwrap_err().to_string(),
        "\"rel\" is not an absolute name"
    );
    assert!(matches!(
        Name::parse(&format!("{}.", "a".repeat(64)), None),
        Err(wire::NameTextError::LabelTooLong { octets: 64, .. })
    ));
    // owners compress against the zone section; a message reads back as built
    let zone = origin();
    let mut b = wire::Builder::new(7, wire::OPCODE_UPDATE);
    b.question(&zone, wire::TYPE_SOA, CLASS_IN);
    let www = Name::parse("www.example.test.", None).unwrap();
    let rr = |class, rdata: &[u8]| wire::RecordOut {
        name: www.clone(),
        rtype: 1,
        class,
        ttl: 0,
        rdata: rdata.to_vec(),
    };
    b.record(1, &rr(CLASS_IN, &[192, 0, 2, 1]));
    b.record(2, &rr(CLASS_ANY, &[]));
    b.record(2, &rr(CLASS_NONE, &[192, 0, 2, 1]));
    let msg = b.finish();
    // 12 header + 14+4 zone + (4+2 www + 10 + 4) + (2 + 10) + (2 + 10 + 4)
    assert_eq!(msg.len(), 12 + 18 + 20 + 12 + 16);
    let m = Message::parse(&msg).unwrap();
    assert_eq!(
        (m.id, m.opcode, m.response),
        (7, wire::OPCODE_UPDATE, false)
    );
    assert_eq!(m.questions, [(zone, wire::TYPE_SOA, CLASS_IN)]);
    assert_eq!(m.answers.len(), 1);
    assert_eq!(m.authority.len(), 2);
    assert_eq!(m.authority[0].name, www);
    assert_eq!(m.authority[1].class, CLASS_NONE);
    // names inside MX RDATA are expanded when read: append `example.test. MX 10 <pointer
    // to the zone name at offset 12>` to the update section
    let mut raw = msg.clone();
    raw.extend([0xc0, 12, 0, 15, 0, 1, 0, 0, 0, 60, 0, 4, 0, 10, 0xc0, 12]);
    raw[9] += 1;
    let m = Message::parse(&raw).unwrap();
    assert_eq!(
        m.authority[2].rdata,
        [&[0u8, 10][..], &origin().to_wire()].concat()
    );
    assert!(Message::parse(&raw[..20]).is_err());
    assert_eq!(
        Message::parse(&raw[..5]).err(),
        Some(wire::WireError::ShortMessage(5))
    );
    // a pointer loop is an error, not a hang
    assert_eq!(
        Name::read(&[0xc0, 0], 0),
        Err(wire::WireError::ForwardPointer)
    );
}

#[test]
fn tsig_signatures_verify_with_hickory() {
    use hickory_proto::rr::{Name as HName, TSigner};
    let k = key();
    let mut b = wire::Builder::new(4242, wire::OPCODE_UPDATE);
    b.question(&origin(), wire::TYPE_SOA, CLASS_IN);
    let mut msg = b.finish();
    let now = client::now();
    let mac = k.sign(&mut msg, now).unwrap();
    assert_eq!(mac.len(), 32);
    let signer = TSigner::new(
        k.secret.clone(),
        TsigAlgorithm::HmacSha256,
        HName::from_ascii("ci-key.").unwrap(),
        300,
    )
    .unwrap();
    let (got_mac, time, _) = signer
        .verify_message_byte(&msg, None, true)
        .expect("hickory accepts the signature");
    assert_eq!((got_mac, time), (mac, now));
    // another secret does not verify
    let other = TSigner::new(
        vec![1; 32],
        TsigAlgorithm::HmacSha256,
        HName::from_ascii("ci-key.").unwrap(),
        300,
    )
    .unwrap();
    assert!(other.verify_message_byte(&msg, None, true).is_err());
}

/// A response signed as a server signs it (RFC 8945 §5.3): request MAC, message, variables.
fn server_sign(k: &Key, resp: &mut Vec<u8>, prior_mac: &[u8], first: bool, time: u64) -> Vec<u8> {
    let mut tbs = (prior_mac.len() as u16).to_be_bytes().to_vec();
    tbs.extend_from_slice(prior_mac);
    tbs.extend_from_slice(resp);
    let alg = Name::parse("hmac-sha256.", None).unwrap();
    if first {
        k.name.write(&mut tbs);
        tbs.extend(CLASS_ANY.to_be_bytes());
        tbs.extend(0u32.to_be_bytes());
        alg.write(&mut tbs);
    }
    tbs.extend(((time >> 32) as u16).to_be_bytes());
    tbs.extend((time as u32).to_be_bytes());
    tbs.extend(300u16.to_be_bytes());
    if first {
        tbs.extend([0, 0, 0, 0]);
    }
    let mac = k.algorithm.mac_data(&k.secret, &tbs).unwrap();
    let mut rdata = alg.to_wire();
    rdata.extend(((time >> 32) as u16).to_be_bytes());
    rdata.extend((time as u32).to_be_bytes());
    rdata.extend(300u16.to_be_bytes());
    rdata.extend((mac.len() as u16).to_be_bytes());
    rdata.extend_from_slice(&mac);
    rdata.extend_from_slice(&resp[0..2]);
    rdata.extend([0, 0, 0, 0]);
    k.name.write(resp);
    resp.extend(wire::TYPE_TSIG.to_be_bytes());
    resp.extend(CLASS_ANY.to_be_bytes());
    resp.extend(0u32.to_be_bytes());
    resp.extend((rdata.len() as u16).to_be_bytes());
    resp.extend(rdata);
    resp[11] += 1;
    mac
}

fn response(id: u16, rcode: u8) -> Vec<u8> {
    let mut b = wire::Builder::new(id, wire::OPCODE_UPDATE);
    b.question(&origin(), wire::TYPE_SOA, CLASS_IN);
    let mut m = b.finish();
    m[2] |= 0x80;
    m[3] = rcode;
    m
}

#[test]
fn answers_are_verified_and_chained() {
    let k = key();
    let now = client::now();
    let request_mac = vec![7u8; 32];
    // a signed answer verifies; a tampered one does not
    let mut r = response(1, 0);
    server_sign(&k, &mut r, &request_mac, true, now);
    let m = Message::parse(&r).unwrap();
    assert_eq!(
        wire::Verifier::new(&k, request_mac.clone()).verify(&r, &m, now),
        Ok(true)
    );
    let mut bad = r.clone();
    bad[3] = 5;
    let m2 = Message::parse(&bad).unwrap();
    assert_eq!(
        wire::Verifier::new(&k, request_mac.clone()).verify(&bad, &m2, now),
        Err(TsigFailure::Invalid(wire::TsigInvalid::BadMac))
    );
    // too far from the local time
    match wire::Verifier::new(&k, request_mac.clone()).verify(&r, &m, now + 1000) {
        Err(TsigFailure::Invalid(e @ wire::TsigInvalid::Clock { fudge: 300, .. })) => {
            assert!(e.to_string().ends_with("(more than 300 s apart)"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    // a first answer must be signed
    let u = response(1, 0);
    let mu = Message::parse(&u).unwrap();
    assert_eq!(
        wire::Verifier::new(&k, request_mac.clone()).verify(&u, &mu, now),
        Err(TsigFailure::Unsigned)
    );
    // a transfer: signed, unsigned, signed (the unsigned one covered by the last MAC)
    let mut v = wire::Verifier::new(&k, request_mac.clone());
    let mut a = response(2, 0);
    let mac1 = server_sign(&k, &mut a, &request_mac, true, now);
    assert_eq!(v.verify(&a, &Message::parse(&a).unwrap(), now), Ok(true));
    let b = response(2, 0);
    assert_eq!(v.verify(&b, &Message::parse(&b).unwrap(), now), Ok(false));
    assert!(!v.complete());
    let mut c = response(2, 0);
    let mut covered = b.clone();
    covered.extend_from_slice(&c);
    // the MAC of the third covers the second: sign over both
    let mut tbs_msg = covered.clone();
    server_sign(&k, &mut tbs_msg, &mac1, false, now);
    // move the TSIG record just made onto the third message alone
    let tsig_rr = tbs_msg[covered.len()..].to_vec();
    c.extend_from_slice(&tsig_rr);
    c[11] += 1;
    assert_eq!(v.verify(&c, &Message::parse(&c).unwrap(), now), Ok(true));
    assert!(v.complete());
    // a TSIG error from the server (BADSIG: unsigned, empty MAC)
    let mut e = response(3, 9);
    let mut rdata = Name::parse("hmac-sha256.", None).unwrap().to_wire();
    rdata.extend([0, 0, 0, 0, 0, 0, 1, 44, 0, 0, 0, 3, 0, 16, 0, 0]);
    k.name.write(&mut e);
    e.extend([0, 250, 0, 255, 0, 0, 0, 0]);
    e.extend((rdata.len() as u16).to_be_bytes());
    e.extend(rdata);
    e[11] += 1;
    assert_eq!(
        wire::Verifier::new(&k, request_mac).verify(&e, &Message::parse(&e).unwrap(), now),
        Err(TsigFailure::Server(16))
    );
}

fn rs(name: &str, ty: &str, ttl: u32, texts: &[&str]) -> RecordSet {
    let rt = t(ty);
    RecordSet::new(
        name,
        rt.clone(),
        ttl,
        texts
            .iter()
            .map(|x| rdata::parse(&rt, x).unwrap())
            .collect(),
    )
}

fn change(op: Op, existing: Option<RecordSet>, desired: Option<RecordSet>) -> Change {
    let r = desired.as_ref().or(existing.as_ref()).unwrap();
    Change {
        op,
        name: r.name.clone(),
        rtype: r.rtype.clone(),
        existing,
        desired,
    }
}

fn plan(changes: Vec<Change>) -> ZonePlan {
    ZonePlan {
        zone: "example.test.".into(),
        target: "dns".into(),
        exists: true,
        changes,
        existing_count: 0,
        warnings: vec![],
        ignored: Vec::new(),
        unmanaged: Vec::new(),
    }
}

fn classes(v: &[wire::RecordOut]) -> Vec<(u16, u32, usize)> {
    v.iter().map(|r| (r.class, r.ttl, r.rdata.len())).collect()
}

#[test]
fn changes_carry_prerequisites_of_the_state_they_were_planned_from() {
    let z = "example.test.";
    let create = update::change_ops(
        &change(
            Op::Create,
            None,
            Some(rs("www", "A", 60, &["192.0.2.1", "192.0.2.2"])),
        ),
        z,
    )
    .unwrap();
    assert_eq!(create.label, "create www.example.test. A");
    // "RRset does not exist", then two adds
    assert_eq!(classes(&create.prereqs), [(CLASS_NONE, 0, 0)]);
    assert_eq!(
        classes(&create.updates),
        [(CLASS_IN, 60, 4), (CLASS_IN, 60, 4)]
    );
    let upd = update::change_ops(
        &change(
            Op::Update,
            Some(rs("www", "A", 60, &["192.0.2.1"])),
            Some(rs("www", "A", 300, &["192.0.2.3"])),
        ),
        z,
    )
    .unwrap();
    // "RRset exists (value dependent)", then delete the RRset and add
    assert_eq!(classes(&upd.prereqs), [(CLASS_IN, 0, 4)]);
    assert_eq!(upd.prereqs[0].rdata, [192, 0, 2, 1]);
    assert_eq!(
        classes(&upd.updates),
        [(CLASS_ANY, 0, 0), (CLASS_IN, 300, 4)]
    );
    let del = update::change_ops(
        &change(Op::Delete, Some(rs("old", "TXT", 60, &["\"x\""])), None),
        z,
    )
    .unwrap();
    assert_eq!(classes(&del.prereqs), [(CLASS_IN, 0, 2)]);
    assert_eq!(classes(&del.updates), [(CLASS_ANY, 0, 0)]);
    // the apex NS: add first, then remove the values that go, one by one
    let ns = update::change_ops(
        &change(
            Op::Update,
            Some(rs(
                "",
                "NS",
                3600,
                &["ns1.example.net.", "ns2.example.net."],
            )),
            Some(rs(
                "",
                "NS",
                3600,
                &["ns2.example.net.", "ns3.example.net."],
            )),
        ),
        z,
    )
    .unwrap();
    assert_eq!(
        ns.updates.iter().map(|u| u.class).collect::<Vec<_>>(),
        [CLASS_IN, CLASS_IN, CLASS_NONE]
    );
    assert_eq!(
        ns.updates[2].rdata,
        Name::parse("ns1.example.net.", None).unwrap().to_wire()
    );
    // one message: prerequisites of every change, then every update
    let m = update::message(9, &origin(), &[create, upd, del]);
    let m = Message::parse(&m).unwrap();
    assert_eq!((m.answers.len(), m.authority.len()), (3, 5));
}

#[test]
fn plans_are_chunked_by_size_and_batch() {
    let changes: Vec<Change> = (0..100)
        .map(|i| {
            change(
                Op::Create,
                None,
                Some(rs(
                    &format!("h{i:03}"),
                    "TXT",
                    60,
                    &[&format!("\"{}\"", "x".repeat(200))],
                )),
            )
        })
        .collect();
    let p = plan(changes);
    let one = update::chunks(&p, None, wire::MAX_MESSAGE).unwrap();
    assert_eq!(one.len(), 1, "about 23 KiB fits one message");
    let sizes = update::chunks(&p, None, 4096).unwrap();
    assert!(sizes.len() >= 7, "{}", sizes.len());
    for c in &sizes {
        let m = update::message(1, &origin(), c);
        assert!(m.len() <= 4096, "{}", m.len());
    }
    assert_eq!(sizes.iter().map(Vec::len).sum::<usize>(), 100);
    let batches = update::chunks(&p, Some(30), wire::MAX_MESSAGE).unwrap();
    assert_eq!(
        batches.iter().map(Vec::len).collect::<Vec<_>>(),
        [30, 30, 30, 10]
    );
    // a change larger than a message cannot be sent
    let big = plan(vec![change(
        Op::Create,
        None,
        Some(rs(
            "big",
            "TXT",
            60,
            &[format!("\"{}\"", "x".repeat(250)).as_str()],
        )),
    )]);
    match update::chunks(&big, None, 500) {
        Err(e @ update::UpdateError::TooLarge { .. }) => assert_eq!(
            e.to_string(),
            "create big.example.test. TXT: the change takes 283 octets, more than one DNS \
             message can carry"
        ),
        other => panic!("{other:?}"),
    }
    // a type RFC 2136 cannot carry names the change
    let alias = plan(vec![change(
        Op::Create,
        None,
        Some(rs("", "ALIAS", 60, &["www.example.test."])),
    )]);
    match update::chunks(&alias, None, 4096) {
        Err(update::UpdateError::Type { label, rtype }) => {
            assert_eq!(
                (label.as_str(), rtype),
                ("create example.test. ALIAS", t("ALIAS"))
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn desired_values_must_read_back_as_written() {
    let p = Rfc2136Provider::with_settings("dns", settings(json!({"host": "h"})).unwrap());
    let mut z = Zone::new("example.test.");
    z.insert(rs(
        "loc",
        "LOC",
        60,
        &["51 30 12.748 N 0 7 39.611 W 10.5m 1.5m 10000m 10m"],
    ));
    z.insert(rs("www", "A", 60, &["192.0.2.1"]));
    let errors = p.process_desired(z.clone(), true, &mut vec![]).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].message.contains("loc.example.test. LOC") && errors[0].message.contains("1.0m"),
        "{errors:?}"
    );
    let mut warnings = vec![];
    let fitted = p.process_desired(z, false, &mut warnings).unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let loc = fitted.get("loc", &RecordType::Loc).unwrap();
    assert!(loc.rdata()[0].contains(" 1.0m "), "{:?}", loc.rdata());
    // a value that cannot be written at all is an error either way
    let mut z = Zone::new("example.test.");
    z.insert(rs("svc", "SVCB", 60, &["1 . foo=bar"]));
    let e = p.process_desired(z, false, &mut vec![]).unwrap_err();
    assert!(e[0].message.contains("unknown SvcParam key"), "{e:?}");
}

/// A fake DNS server on loopback: each connection gets the answers `reply` makes for its
/// request.
async fn fake(reply: impl Fn(&[u8]) -> Vec<Vec<u8>> + Send + Sync + 'static) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let reply = Arc::new(reply);
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let reply = reply.clone();
            tokio::spawn(async move {
                let mut len = [0u8; 2];
                if s.read_exact(&mut len).await.is_err() {
                    return;
                }
                let mut req = vec![0u8; u16::from_be_bytes(len) as usize];
                if s.read_exact(&mut req).await.is_err() {
                    return;
                }
                for r in reply(&req) {
                    let _ = s.write_all(&(r.len() as u16).to_be_bytes()).await;
                    let _ = s.write_all(&r).await;
                }
            });
        }
    });
    port
}

fn provider(port: u16, extra: J) -> Rfc2136Provider {
    let mut s = json!({"host": "127.0.0.1", "port": port, "timeout": 1});
    s.as_object_mut()
        .unwrap()
        .extend(extra.as_object().cloned().unwrap_or_default());
    let mut s = settings(s).unwrap();
    s.backoff = Duration::from_millis(1);
    Rfc2136Provider::with_settings("dns", s)
}

/// The answer to `req`: its question echoed, QR set, `rcode`, these answer records.
fn answer(req: &[u8], rcode: u8, answers: &[wire::RecordOut]) -> Vec<u8> {
    let m = Message::parse(req).unwrap();
    let mut b = wire::Builder::new(m.id, m.opcode);
    for (n, ty, cl) in &m.questions {
        b.question(n, *ty, *cl);
    }
    for a in answers {
        b.record(1, a);
    }
    let mut out = b.finish();
    out[2] |= 0x80 | 0x04;
    out[3] = rcode;
    out
}

fn soa_out() -> wire::RecordOut {
    let mut rdata = Name::parse("ns1.example.net.", None).unwrap().to_wire();
    rdata.extend(
        Name::parse("hostmaster.example.net.", None)
            .unwrap()
            .to_wire(),
    );
    rdata.extend([
        0, 0, 0, 1, 0, 0, 14, 16, 0, 0, 2, 88, 0, 1, 81, 128, 0, 0, 1, 44,
    ]);
    wire::RecordOut {
        name: origin(),
        rtype: 6,
        class: CLASS_IN,
        ttl: 3600,
        rdata,
    }
}

fn a_out(name: &str, ip: [u8; 4]) -> wire::RecordOut {
    wire::RecordOut {
        name: Name::parse(name, None).unwrap(),
        rtype: 1,
        class: CLASS_IN,
        ttl: 3600,
        rdata: ip.to_vec(),
    }
}

#[tokio::test]
async fn reads_a_transfer_over_several_messages() {
    let port = fake(|req| {
        vec![
            answer(
                req,
                0,
                &[soa_out(), a_out("www.example.test.", [192, 0, 2, 1])],
            ),
            answer(req, 0, &[a_out("www.example.test.", [192, 0, 2, 2])]),
            answer(req, 0, &[soa_out()]),
        ]
    })
    .await;
    let z = provider(port, json!({}))
        .read("example.test.")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        z.get("www", &RecordType::A).unwrap().rdata(),
        ["192.0.2.1", "192.0.2.2"]
    );
    assert_eq!(z.len(), 1);
}

#[tokio::test]
async fn a_refused_transfer_tells_a_missing_zone_from_a_forbidden_one() {
    let port = fake(|req| vec![answer(req, 9, &[])]).await;
    let e = provider(port, json!({}))
        .read("example.test.")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("does not serve zone example.test. (AXFR answered NOTAUTH)"),
        "{e}"
    );
    assert!(e.contains("RFC 2136 cannot create zones"), "{e}");
    let port = fake(|req| {
        let m = Message::parse(req).unwrap();
        if m.questions[0].1 == wire::TYPE_AXFR {
            vec![answer(req, 5, &[])]
        } else {
            vec![answer(req, 0, &[soa_out()])]
        }
    })
    .await;
    let e = provider(port, json!({}))
        .read("example.test.")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("serves zone example.test. but refused to transfer it (REFUSED)"),
        "{e}"
    );
}

#[tokio::test]
async fn an_unsigned_answer_to_a_signed_request_is_not_trusted() {
    let port = fake(|req| vec![answer(req, 0, &[soa_out()]), answer(req, 0, &[soa_out()])]).await;
    let p = provider(port, json!({"key_name": "ci-key", "key_secret": SECRET}));
    let e = p.read("example.test.").await.unwrap_err().to_string();
    assert!(e.contains("not signed with TSIG key ci-key."), "{e}");
    assert!(!e.contains(SECRET));
}

/// A server that answers every UPDATE with `rcode` and every query with the bare zone (SOA).
async fn update_answers(rcode: u8) -> u16 {
    fake(move |req| {
        let m = Message::parse(req).unwrap();
        if m.opcode == wire::OPCODE_UPDATE {
            vec![answer(req, rcode, &[])]
        } else {
            vec![answer(req, 0, &[soa_out()]), answer(req, 0, &[soa_out()])]
        }
    })
    .await
}

#[tokio::test]
async fn refused_updates_say_what_was_not_applied() {
    let p = plan(vec![change(
        Op::Create,
        None,
        Some(rs("www", "A", 60, &["192.0.2.1"])),
    )]);
    let port = update_answers(2).await;
    let e = provider(port, json!({}))
        .apply_plan(&p)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("refused the UPDATE (SERVFAIL)"), "{e}");
    assert!(
        e.contains("none of its 1 change(s) was applied (create www.example.test. A)"),
        "{e}"
    );
    // NOERROR, but the record is not there afterwards
    let port = update_answers(0).await;
    let e = provider(port, json!({}))
        .apply_plan(&p)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("answered NOERROR but did not make 1 of the 1 planned change(s)")
            && e.contains("create www.example.test. A: not in the zone after the update"),
        "{e}"
    );
}

#[tokio::test]
async fn unreachable_servers_and_read_only_sources_fail_clearly() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let p = provider(port, json!({}));
    let err = p.read("example.test.").await.unwrap_err();
    let e = err.to_string();
    assert!(
        e.contains("cannot connect") && e.contains("after 3 attempts"),
        "{e}"
    );
    // the cause is typed: a connection failure, worth trying again later
    match &err {
        ProviderError::Dns { source, .. } => {
            assert!(
                matches!(**source, client::Failure::Connect(_)),
                "{source:?}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_retryable());
    assert_eq!(err.status(), None);
    let create = plan(vec![change(
        Op::Create,
        None,
        Some(rs("www", "A", 60, &["192.0.2.1"])),
    )]);
    let e = p.apply_plan(&create).await.unwrap_err().to_string();
    assert!(e.contains("was not sent; nothing was changed"), "{e}");
    // a server that accepts but never answers
    let silent = fake(|_| vec![]).await;
    let e = provider(silent, json!({}))
        .read("example.test.")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("closed the connection") || e.contains("no answer"),
        "{e}"
    );
    // AxfrSource never writes, and no zone can be created
    let src = Rfc2136Provider::with_settings(
        "dns",
        Settings::from_config(&config(
            "octodns_bind.AxfrSource",
            json!({"host": "127.0.0.1", "port": port}),
        ))
        .unwrap(),
    );
    let e = src.apply_plan(&create).await.unwrap_err().to_string();
    assert!(e.contains("read-only"), "{e}");
    let mut missing = create.clone();
    missing.exists = false;
    let e = p.apply_plan(&missing).await.unwrap_err().to_string();
    assert!(e.contains("RFC 2136 cannot create zones"), "{e}");
    assert!(p.list_zones().await.is_err());
}

#[tokio::test]
async fn hostile_zone_names_are_refused_before_any_query() {
    let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = tcp.local_addr().unwrap().port();
    let udp = std::net::UdpSocket::bind(("127.0.0.1", port)).unwrap();
    tcp.set_nonblocking(true).unwrap();
    udp.set_nonblocking(true).unwrap();
    let p = provider(port, json!({}));
    crate::provider::assert_refuses_hostile_zones(&p).await;
    let mut buf = [0u8; 512];
    assert_eq!(
        udp.recv(&mut buf).unwrap_err().kind(),
        std::io::ErrorKind::WouldBlock
    );
    assert_eq!(
        tcp.accept().unwrap_err().kind(),
        std::io::ErrorKind::WouldBlock
    );
}
