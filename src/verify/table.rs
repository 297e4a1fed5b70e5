//! The terminal tables of `verify` (one row per finding) and `report` (one row per record,
//! a column per server), laid out for a given width: the columns are sized to share it, each
//! value starts its own line in a cell, a value that fits in three lines of its column is
//! folded onto them, a longer one is elided (`fold::shorten`: head…tail, length, hash), and
//! every line is wrapped to its column, so no value makes the table wider.
//!
//! Rule: pure functions from `Report` / `Row` to text.

use std::net::SocketAddr;

use tabled::settings::peaker::Priority;
use tabled::settings::{Style, Width};

use super::fold::{shorten, wrap};
use super::{At, Finding, Report, Row};

/// The width of each of `shared` value columns in a table `width` wide with `columns`
/// columns, when the others take `fixed` characters (10 at least: narrower, the table is
/// wrapped as a whole).
fn value_width(width: usize, fixed: usize, columns: usize, shared: usize) -> usize {
    let inner = width.saturating_sub(3 * columns + 1 + fixed);
    (inner / shared.max(1)).clamp(10, 120)
}

/// A value for a column `width` wide: folded onto at most three lines when that is enough,
/// else elided; every line wrapped to the width.
pub fn fit(v: &str, width: usize) -> String {
    let width = width.max(1);
    if v.chars().count() <= 3 * width {
        wrap(v, width)
    } else {
        wrap(&shorten(v, width), width)
    }
}

/// A value and the mark put before it (`- `, `+ `, blank).
type Item = (&'static str, String);

/// One value after the other, each `fit` to the column (less its mark), its further lines
/// indented under its first.
fn lines(values: &[Item], width: usize) -> String {
    values
        .iter()
        .map(|(mark, v)| {
            let pad = " ".repeat(mark.chars().count());
            let body = fit(v, width.saturating_sub(pad.len()));
            format!("{mark}{}", body.replace('\n', &format!("\n{pad}")))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn build(head: Vec<String>, rows: Vec<Vec<String>>, width: usize) -> String {
    let mut b = tabled::builder::Builder::default();
    b.push_record(head);
    for r in rows {
        b.push_record(r);
    }
    let mut t = b.build();
    t.with(Style::sharp());
    // the columns are sized to fit already; this only catches what cannot (a tiny width)
    t.with(Width::wrap(width).priority(Priority::max(true)));
    t.to_string()
}

/// The widest line of a cell.
fn cell_width(s: &str) -> usize {
    s.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// `verify`'s table of findings, `width` columns wide at most, and its summary line. A row
/// per finding: the record and where it was asked, git's values and the server's (one per
/// line; `- ` marks git's values the server lacks, `+ ` the server's that git lacks), and
/// the problem in words.
pub fn findings(rep: &Report, width: usize) -> String {
    let servers: usize = rep.targets.iter().map(|t| t.servers.len()).sum();
    if rep.ok {
        return format!(
            "All answers match: {} queries to {servers} server(s) across {} zone × target.\n",
            rep.checked,
            rep.targets.len()
        );
    }
    let record =
        |name: &str, rtype: &str, zone: &str, at: &str| format!("{name} {rtype}\n({zone})\n{at}");
    let asked = |a: &At| {
        record(
            &a.name,
            &a.rtype,
            &a.zone,
            &format!("{} @ {}", a.target, a.server),
        )
    };
    let marked = |values: &[String], odd: &[String], mark: &'static str| -> Vec<Item> {
        values
            .iter()
            .map(|v| (if odd.contains(v) { mark } else { "  " }, v.clone()))
            .collect()
    };
    let plain =
        |values: &[String]| -> Vec<Item> { values.iter().map(|v| ("", v.clone())).collect() };
    let one = |v: String| -> Vec<Item> { vec![("", v)] };
    // (record, git says, server says, problem)
    let mut rows: Vec<(String, Vec<Item>, Vec<Item>, String)> = Vec::new();
    for f in &rep.findings {
        rows.push(match f {
            Finding::Differs {
                at,
                want,
                got,
                missing,
                unexpected,
                reason,
                ..
            } => {
                let problem = if got.is_empty() {
                    reason.clone()
                } else {
                    let mut p = Vec::new();
                    if !missing.is_empty() {
                        p.push(format!("{} missing", missing.len()));
                    }
                    if !unexpected.is_empty() {
                        p.push(format!("{} unexpected", unexpected.len()));
                    }
                    p.join(", ")
                };
                (
                    asked(at),
                    marked(want, missing, "- "),
                    if got.is_empty() {
                        one("-".into())
                    } else {
                        marked(got, unexpected, "+ ")
                    },
                    problem,
                )
            }
            Finding::Ttl {
                at,
                want_ttl,
                got_ttl,
            } => (
                asked(at),
                one(format!("TTL {want_ttl}")),
                one(format!("TTL {got_ttl}")),
                "TTL differs (values match)".into(),
            ),
            Finding::NoAnswer { at, reason } => {
                (asked(at), vec![], one("-".into()), reason.clone())
            }
            Finding::Disagree {
                zone,
                name,
                rtype,
                a,
                a_values,
                b,
                b_values,
            } => (
                record(name, rtype, zone, &format!("{a} vs {b}")),
                [one(format!("{a}:")), plain(a_values)].concat(),
                [one(format!("{b}:")), plain(b_values)].concat(),
                "the providers answer differently".into(),
            ),
            Finding::NoServers {
                zone,
                target,
                reason,
            } => (
                format!("({zone})\n{target}"),
                vec![],
                vec![],
                reason.clone(),
            ),
        });
    }
    let head = ["record", "git says", "server says", "problem"];
    // a text column: its cells wrapped to at most `cap`, and the width they then take
    let column = |cells: Vec<&String>, head: &str, cap: usize| -> (Vec<String>, usize) {
        let wrapped: Vec<String> = cells.into_iter().map(|c| wrap(c, cap)).collect();
        let w = wrapped
            .iter()
            .map(|c| cell_width(c))
            .chain([head.len()])
            .max()
            .unwrap_or(0);
        (wrapped, w)
    };
    let (problems, problem) = column(
        rows.iter().map(|r| &r.3).collect(),
        head[3],
        (width / 5).clamp(16, 32),
    );
    // the record column takes what it needs up to a third, less when the values would get
    // fewer than 16 characters each
    let (records, first) = column(
        rows.iter().map(|r| &r.0).collect(),
        head[0],
        (width / 3)
            .max(20)
            .min(width.saturating_sub(13 + problem + 2 * 16).max(12)),
    );
    let max = value_width(width, first + problem, 4, 2);
    let body = rows
        .into_iter()
        .zip(records.into_iter().zip(problems))
        .map(|((_, want, got, _), (r, p))| vec![r, lines(&want, max), lines(&got, max), p])
        .collect();
    format!(
        "{}\n{} difference(s) in {} queries to {servers} server(s).\n",
        build(head.map(String::from).to_vec(), body, width),
        rep.findings.len(),
        rep.checked
    )
}

/// `report`'s table: a record per row, each server's values in its column.
pub fn answers(rows: &[Row], servers: &[SocketAddr], width: usize) -> String {
    let natural =
        |cells: Vec<usize>, head: &str| cells.into_iter().chain([head.len()]).max().unwrap_or(0);
    let name_w = natural(
        rows.iter().map(|r| r.name.chars().count()).collect(),
        "name",
    )
    .min((width / 5).max(16));
    let fixed = name_w
        + natural(rows.iter().map(|r| r.rtype.len()).collect(), "type")
        + natural(
            rows.iter().map(|r| r.ttl.to_string().len()).collect(),
            "TTL",
        )
        + "consistent".len();
    let max = value_width(width, fixed, servers.len() + 4, servers.len());
    let mut head = vec!["name".to_string(), "type".into(), "TTL".into()];
    head.extend(servers.iter().map(|s| wrap(&s.to_string(), max)));
    head.push("consistent".into());
    let body = rows
        .iter()
        .map(|r| {
            let mut line = vec![wrap(&r.name, name_w), r.rtype.clone(), r.ttl.to_string()];
            for a in &r.answers {
                line.push(match a {
                    Ok(v) if v.is_empty() => "-".into(),
                    Ok(v) => lines(
                        &v.iter().map(|c| ("", c.shown.clone())).collect::<Vec<_>>(),
                        max,
                    ),
                    Err(e) => fit(&format!("error: {e}"), max),
                });
            }
            line.push(if r.consistent { "yes" } else { "NO" }.into());
            line
        })
        .collect();
    format!("{}\n", build(head, body, width))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::{Canon, Target};

    fn long(c: char, n: usize, last: char) -> String {
        let mut s: String = std::iter::repeat_n(c, n - 1).collect();
        s.push(last);
        format!("\"{s}\"")
    }

    fn report() -> Report {
        let at = |name: &str, rtype: &str| At {
            zone: "example.com.".into(),
            target: "bind".into(),
            server: "127.0.0.1:5311".into(),
            name: name.into(),
            rtype: rtype.into(),
        };
        let f = |kind: &str| -> Finding {
            match kind {
                "differs" => Finding::Differs {
                    at: at("dkim._domainkey", "TXT"),
                    want: vec![long('a', 2048, 'a'), "\"v=spf1 -all\"".into()],
                    want_ttl: 300,
                    got: vec![long('a', 2048, 'b'), "\"v=spf1 -all\"".into()],
                    got_ttl: Some(300),
                    missing: vec![long('a', 2048, 'a')],
                    unexpected: vec![long('a', 2048, 'b')],
                    reason: "…".into(),
                },
                "ttl" => Finding::Ttl {
                    at: at("www", "A"),
                    want_ttl: 3600,
                    got_ttl: 60,
                },
                _ => Finding::Disagree {
                    zone: "example.com.".into(),
                    name: "dkim._domainkey".into(),
                    rtype: "TXT".into(),
                    a: "bind".into(),
                    a_values: vec![long('a', 2048, 'b')],
                    b: "powerdns".into(),
                    b_values: vec![long('a', 2048, 'a')],
                },
            }
        };
        Report {
            version: 1,
            ok: false,
            checked: 3,
            targets: vec![Target {
                zone: "example.com.".into(),
                target: "bind".into(),
                servers: vec!["127.0.0.1:5311".parse().unwrap()],
                problem: None,
                expect: vec![],
            }],
            findings: vec![f("differs"), f("ttl"), f("disagree")],
        }
    }

    fn widest(s: &str) -> usize {
        s.lines().map(|l| l.chars().count()).max().unwrap_or(0)
    }

    #[test]
    fn no_value_makes_the_findings_table_wider_than_the_terminal() {
        let rep = report();
        for w in [60, 80, 100, 132, 200] {
            let t = findings(&rep, w);
            assert!(widest(&t) <= w, "{} > {w}:\n{t}", widest(&t));
            if w >= 80 {
                // the columns share the width: the elided values fill theirs
                assert!(widest(&t) + 1 >= w, "{} for {w}:\n{t}", widest(&t));
            }
            assert!(!t.contains(&"a".repeat(100)), "a full value at {w}:\n{t}");
            assert!(t.contains("TTL 3600") && t.contains("TTL 60"), "{t}");
        }
        let t = findings(&rep, 132);
        for v in [long('a', 2048, 'a'), long('a', 2048, 'b')] {
            let tag = format!("(2050 chars, #{})", super::super::fold::short_hash(&v));
            assert!(t.contains(&tag), "{tag} in\n{t}");
        }
        assert!(
            t.contains("- \"aaaa"),
            "git's value the server lacks is marked:\n{t}"
        );
        assert!(
            t.contains("+ \"aaaa"),
            "the server's value git lacks is marked:\n{t}"
        );
        assert!(t.contains("1 missing, 1 unexpected"), "{t}");
        assert!(t.contains("TTL differs (values match)"), "{t}");
        assert!(
            t.contains("  \"v=spf1 -all\""),
            "a value both have, unmarked:\n{t}"
        );
        assert!(
            t.ends_with("3 difference(s) in 3 queries to 1 server(s).\n"),
            "{t}"
        );
    }

    #[test]
    fn values_fold_onto_three_lines_or_are_elided() {
        assert_eq!(fit("192.0.2.1", 16), "192.0.2.1");
        assert_eq!(
            fit("0 iodef \"mailto:security@example.com\"", 16),
            "0 iodef\n\"mailto:security\n@example.com\""
        );
        let dkim = long('k', 400, 'k');
        let f = fit(&dkim, 20);
        assert!(f.lines().all(|l| l.chars().count() <= 20), "{f}");
        assert_eq!(f.lines().count(), 3, "head…tail, then length and hash: {f}");
        assert!(f.contains('…') && f.contains("(402 chars,"), "{f}");
    }

    #[test]
    fn no_value_makes_the_report_table_wider_than_the_terminal() {
        let servers: Vec<SocketAddr> = vec![
            "127.0.0.1:5311".parse().unwrap(),
            "127.0.0.1:5312".parse().unwrap(),
            "127.0.0.1:5313".parse().unwrap(),
        ];
        let c = |s: String| Canon {
            key: s.clone().into_bytes(),
            shown: s,
        };
        let rows = vec![
            Row {
                name: "dkim._domainkey".into(),
                rtype: "TXT".into(),
                ttl: 300,
                answers: vec![
                    Ok(vec![c(long('a', 2048, 'a'))]),
                    Ok(vec![c(long('a', 2048, 'b'))]),
                    Err("no answer from 127.0.0.1:5313: timed out after 1s".into()),
                ],
                consistent: false,
            },
            Row {
                name: "www".into(),
                rtype: "A".into(),
                ttl: 300,
                answers: vec![Ok(vec![c("192.0.2.1".into())]); 3],
                consistent: true,
            },
        ];
        for w in [60, 80, 100, 160] {
            let t = answers(&rows, &servers, w);
            assert!(widest(&t) <= w, "{} > {w}:\n{t}", widest(&t));
            assert!(!t.contains(&"a".repeat(100)), "{t}");
        }
        let t = answers(&rows, &servers, 160);
        let tag = format!("#{}", super::super::fold::short_hash(&long('a', 2048, 'b')));
        assert!(t.contains(&tag), "{t}");
    }
}
