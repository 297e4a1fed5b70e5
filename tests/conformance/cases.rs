//! The table of desired zone states every provider must reach: hand-written ones from
//! `tests/fixtures/conformance/`, generated ones here.

use crate::suite::{Case, Expect, Step};

fn fixture(case: &str, step: usize) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/conformance")
        .join(case)
        .join(format!("{step}.yaml"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn changes(list: &[&str]) -> Expect {
    Expect::Changes(list.iter().map(|s| s.to_string()).collect())
}

/// A YAML single-quoted scalar (everything literal but `'`, which doubles).
pub fn sq(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn zone(case: &str) -> String {
    format!("{case}.conformance.test.")
}

/// Every type a DNS server serves: created, updated (values, TTLs), deleted.
pub fn types() -> Case {
    let all = [
        "@ CAA",
        "@ HTTPS",
        "@ LOC",
        "@ MX",
        "@ NS",
        "@ SPF",
        "@ TXT",
        "_443._tcp TLSA",
        "_http._tcp URI",
        "_nosrv._tcp SRV",
        "_sip._tcp SRV",
        "a A",
        "aaaa AAAA",
        "cname CNAME",
        "delegated DS",
        "delegated NS",
        "dname DNAME",
        "naptr NAPTR",
        "nullmx MX",
        "openpgpkey OPENPGPKEY",
        "ptr PTR",
        "sshfp SSHFP",
        "svc SVCB",
    ];
    let created: Vec<String> = all.iter().map(|c| format!("create {c}")).collect();
    let created: Vec<&str> = created.iter().map(String::as_str).collect();
    Case {
        name: "types",
        zone: zone("types"),
        steps: vec![
            Step {
                yaml: fixture("types", 1),
                expect: changes(&created),
            },
            Step {
                yaml: fixture("types", 2),
                expect: changes(&[
                    "delete dname DNAME",
                    "delete openpgpkey OPENPGPKEY",
                    "create new A",
                    "create new6 AAAA",
                    "update @ CAA",
                    "update @ LOC",
                    "update @ TXT",
                    "update _sip._tcp SRV",
                    "update a A",
                    "update cname CNAME",
                    "update sshfp SSHFP",
                    "update svc SVCB",
                ]),
            },
            Step {
                yaml: fixture("types", 3),
                expect: Expect::Counts(0, 0, 22),
            },
        ],
    }
}

/// TXT values at and around the 255-octet character-string limit, and the characters that
/// need escaping in presentation format.
pub fn txt() -> Case {
    let a = |n: usize| "a".repeat(n);
    let mut step1 = String::from("---\n");
    for n in [0usize, 1, 254, 255, 256, 509, 510, 511] {
        step1.push_str(&format!(
            "len{n}:\n  type: TXT\n  values: [{}]\n",
            sq(&a(n))
        ));
    }
    let specials: &[(&str, &str)] = &[
        ("quotes", r#"say "hello" to "them""#),
        ("backslashes", r"C:\dir\file \\ end\"),
        (
            "semicolons",
            r"v=DKIM1\; k=rsa\; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ",
        ),
        ("mixed", r#"a\;b "c" d\e"#),
    ];
    for (name, v) in specials {
        step1.push_str(&format!("{name}:\n  type: TXT\n  values: [{}]\n", sq(v)));
    }
    // an escape right at a chunk boundary: octet 255 is `;` (written `\;`)
    let boundary = format!("{}\\;{}", a(254), a(10));
    step1.push_str(&format!(
        "boundary:\n  type: TXT\n  values: [{}]\n",
        sq(&boundary)
    ));
    // several values, one long, in one rrset
    step1.push_str(&format!(
        "multi:\n  type: TXT\n  values: [{}, {}, {}]\n",
        sq("first"),
        sq(&format!("{}\"{}", a(300), a(200))),
        sq("third\\; value")
    ));
    // step 2: lengths change (updates), one gone (delete), one new (create)
    let step2 = step1
        .replace(
            &format!("len256:\n  type: TXT\n  values: [{}]\n", sq(&a(256))),
            "",
        )
        .replace(
            &format!("len510:\n  type: TXT\n  values: [{}]\n", sq(&a(510))),
            &format!("len510:\n  type: TXT\n  values: [{}]\n", sq(&a(765))),
        )
        .replace(
            &format!("len0:\n  type: TXT\n  values: [{}]\n", sq("")),
            &format!("len0:\n  type: TXT\n  values: [{}, {}]\n", sq(""), sq("x")),
        )
        + &format!("zz:\n  type: TXT\n  values: [{}]\n", sq(&a(1000)));
    let mut created = vec![
        "backslashes",
        "boundary",
        "len0",
        "len1",
        "len254",
        "len255",
        "len256",
        "len509",
        "len510",
        "len511",
        "mixed",
        "multi",
        "quotes",
        "semicolons",
    ];
    created.sort();
    let created: Vec<String> = created.iter().map(|n| format!("create {n} TXT")).collect();
    let created: Vec<&str> = created.iter().map(String::as_str).collect();
    Case {
        name: "txt",
        zone: zone("txt"),
        steps: vec![
            Step {
                yaml: step1,
                expect: changes(&created),
            },
            Step {
                yaml: step2,
                expect: changes(&[
                    "delete len256 TXT",
                    "create zz TXT",
                    "update len0 TXT",
                    "update len510 TXT",
                ]),
            },
        ],
    }
}

/// A CNAME and an A trade places at two names, and back.
pub fn swap() -> Case {
    let a_then_c = "---\nx:\n  type: A\n  value: 192.0.2.1\ny:\n  type: CNAME\n  \
                    value: target.example.net.\n";
    let c_then_a = "---\nx:\n  type: CNAME\n  value: target.example.net.\ny:\n  type: A\n  \
                    values: [192.0.2.2, 192.0.2.3]\n";
    Case {
        name: "swap",
        zone: zone("swap"),
        steps: vec![
            Step {
                yaml: a_then_c.into(),
                expect: changes(&["create x A", "create y CNAME"]),
            },
            Step {
                yaml: c_then_a.into(),
                expect: changes(&[
                    "delete x A",
                    "delete y CNAME",
                    "create x CNAME",
                    "create y A",
                ]),
            },
            Step {
                yaml: a_then_c.into(),
                expect: changes(&[
                    "delete x CNAME",
                    "delete y A",
                    "create x A",
                    "create y CNAME",
                ]),
            },
        ],
    }
}

/// TTL-only changes, and a value added while the TTL changes.
pub fn ttl() -> Case {
    let state = |a: u32, b: u32, b_values: &str, t: u32| {
        format!(
            "---\na:\n  ttl: {a}\n  type: A\n  value: 192.0.2.1\nb:\n  ttl: {b}\n  type: A\n  \
             values: [{b_values}]\nmx:\n  ttl: 300\n  type: MX\n  value: {{exchange: \
             mx.example.net., preference: 10}}\nt:\n  ttl: {t}\n  type: TXT\n  value: hello\n"
        )
    };
    Case {
        name: "ttl",
        zone: zone("ttl"),
        steps: vec![
            Step {
                yaml: state(300, 300, "192.0.2.10", 300),
                expect: changes(&["create a A", "create b A", "create mx MX", "create t TXT"]),
            },
            Step {
                yaml: state(60, 300, "192.0.2.10", 86400),
                expect: changes(&["update a A", "update t TXT"]),
            },
            Step {
                yaml: state(60, 120, "192.0.2.10, 192.0.2.11", 86400),
                expect: changes(&["update b A"]),
            },
            Step {
                yaml: state(60, 120, "192.0.2.10, 192.0.2.11", 0),
                expect: changes(&["update t TXT"]),
            },
        ],
    }
}

/// Wildcards: answered for made-up names below them; explicit names win.
pub fn wildcard() -> Case {
    let state = |v: &str| {
        format!(
            "---\n'*':\n- type: A\n  value: {v}\n- type: MX\n  value: {{exchange: \
             mx.example.net., preference: 10}}\n'*.sub':\n  type: TXT\n  value: wild \
             text\nwww:\n  type: A\n  value: 192.0.2.80\n"
        )
    };
    Case {
        name: "wildcard",
        zone: zone("wildcard"),
        steps: vec![
            Step {
                yaml: state("192.0.2.1"),
                expect: changes(&[
                    "create * A",
                    "create * MX",
                    "create *.sub TXT",
                    "create www A",
                ]),
            },
            Step {
                yaml: state("192.0.2.2"),
                expect: changes(&["update * A"]),
            },
        ],
    }
}

/// Internationalised names: the zone, owners and targets.
pub fn idn() -> Case {
    let step1 = "---\nbücher:\n  type: A\n  value: 192.0.2.1\nmünchen:\n  type: CNAME\n  \
                 value: bücher.ü-idn.conformance.test.\nstraße:\n  type: MX\n  value: \
                 {exchange: почта.example., preference: 10}\nпример:\n  type: AAAA\n  \
                 value: '2001:db8::1'\n";
    let step2 = step1.replace("192.0.2.1", "192.0.2.2");
    Case {
        name: "idn",
        zone: "ü-idn.conformance.test.".into(),
        steps: vec![
            Step {
                yaml: step1.into(),
                // plan order is by the IDNA form: xn--bcher, xn--e1afmkfd, xn--mnchen, xn--strae
                expect: changes(&[
                    "create bücher A",
                    "create пример AAAA",
                    "create münchen CNAME",
                    "create straße MX",
                ]),
            },
            Step {
                yaml: step2,
                expect: changes(&["update bücher A"]),
            },
        ],
    }
}

/// An apex ALIAS, served as the A/AAAA of its in-zone target.
pub fn alias() -> Case {
    let state = |v4: &str| {
        format!(
            "---\n'':\n  type: ALIAS\n  value: www.alias.conformance.test.\nwww:\n- type: A\n  \
             values: [{v4}]\n- type: AAAA\n  value: '2001:db8::80'\n"
        )
    };
    Case {
        name: "alias",
        zone: zone("alias"),
        steps: vec![
            Step {
                yaml: state("192.0.2.80, 192.0.2.81"),
                expect: changes(&["create @ ALIAS", "create www A", "create www AAAA"]),
            },
            Step {
                yaml: state("192.0.2.82"),
                expect: changes(&["update www A"]),
            },
        ],
    }
}

/// 1,200 records in one zone, then a few changes among them.
pub fn large() -> Case {
    let state = |changed: bool| {
        let mut s = String::from("---\n");
        for i in 0..1000 {
            let mut v = format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256);
            if changed && i < 10 {
                v = format!("198.51.100.{i}");
            }
            if changed && (500..505).contains(&i) {
                continue;
            }
            s.push_str(&format!("h{i:04}:\n  type: A\n  value: {v}\n"));
        }
        for i in 0..100 {
            s.push_str(&format!(
                "t{i:03}:\n  type: TXT\n  value: text number {i}\n"
            ));
            s.push_str(&format!(
                "c{i:03}:\n  type: CNAME\n  value: h{i:04}.large.conformance.test.\n"
            ));
        }
        if changed {
            for i in 0..5 {
                s.push_str(&format!("n{i}:\n  type: A\n  value: 192.0.2.{i}\n"));
            }
        }
        s
    };
    Case {
        name: "large",
        zone: zone("large"),
        steps: vec![
            Step {
                yaml: state(false),
                expect: Expect::Counts(1200, 0, 0),
            },
            Step {
                yaml: state(true),
                expect: Expect::Counts(5, 10, 5),
            },
        ],
    }
}
