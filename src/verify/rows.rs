//! `dnsplan report`'s rows as CSV (octodns-report's columns: `Name,Type,TTL,<server>…,
//! Consistent`) and as JSON (`[{name, type, ttl, answers: {server: values | {error}},
//! consistent}]`). The terminal table is `table::answers`.
//!
//! Rule: pure functions from `Row` to text or JSON.

use std::net::SocketAddr;

use serde_json::{Map, Value as J, json};

use super::{Canon, Row};

fn shown(v: &[Canon]) -> Vec<&str> {
    v.iter().map(|c| c.shown.as_str()).collect()
}

/// A CSV cell: quoted (quotes doubled) when it holds a comma, a quote or a newline.
fn cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The CSV text, a line per row after the header; an answer that failed is `error: …`.
pub fn csv(rows: &[Row], servers: &[SocketAddr]) -> String {
    let mut head = vec!["Name".to_string(), "Type".into(), "TTL".into()];
    head.extend(servers.iter().map(|s| s.to_string()));
    head.push("Consistent".into());
    let mut out = head.join(",") + "\n";
    for r in rows {
        let mut line = vec![cell(&r.name), r.rtype.clone(), r.ttl.to_string()];
        for a in &r.answers {
            line.push(cell(&match a {
                Ok(v) => shown(v).join(" "),
                Err(e) => format!("error: {e}"),
            }));
        }
        line.push(if r.consistent { "True" } else { "False" }.into());
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// The JSON array, an object per row.
pub fn json(rows: &[Row], servers: &[SocketAddr]) -> J {
    let rows: Vec<J> = rows
        .iter()
        .map(|r| {
            let answers: Map<String, J> = servers
                .iter()
                .zip(&r.answers)
                .map(|(s, a)| {
                    (
                        s.to_string(),
                        match a {
                            Ok(v) => json!(shown(v)),
                            Err(e) => json!({ "error": e }),
                        },
                    )
                })
                .collect();
            json!({"name": r.name, "type": r.rtype, "ttl": r.ttl,
                "answers": answers, "consistent": r.consistent})
        })
        .collect();
    J::Array(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RecordType, Value};

    fn rows() -> (Vec<Row>, Vec<SocketAddr>) {
        let servers: Vec<SocketAddr> = vec![
            "127.0.0.1:5300".parse().unwrap(),
            "[::1]:53".parse().unwrap(),
        ];
        let txt = super::super::compare::set(
            &RecordType::Txt,
            &[Value::Text("v=spf1 include:\"x\", -all".into())],
        );
        let rows = vec![
            Row {
                name: "www".into(),
                rtype: "TXT".into(),
                ttl: 300,
                answers: vec![Ok(txt.clone()), Ok(txt)],
                consistent: true,
            },
            Row {
                name: "a,b".into(),
                rtype: "A".into(),
                ttl: 60,
                answers: vec![
                    Ok(super::super::compare::set(
                        &RecordType::A,
                        &[Value::Ip("192.0.2.1".into()), Value::Ip("192.0.2.2".into())],
                    )),
                    Err("no answer from [::1]:53 in time".into()),
                ],
                consistent: false,
            },
        ];
        (rows, servers)
    }

    #[test]
    fn csv_as_octodns_report_writes_it() {
        let (rows, servers) = rows();
        let text = csv(&rows, &servers);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Name,Type,TTL,127.0.0.1:5300,[::1]:53,Consistent");
        assert!(lines[1].starts_with("www,TXT,300,\""), "{}", lines[1]);
        assert!(lines[1].ends_with(",True"), "{}", lines[1]);
        assert_eq!(
            lines[2],
            "\"a,b\",A,60,192.0.2.1 192.0.2.2,error: no answer from [::1]:53 in time,False"
        );
        assert_eq!(lines.len(), 3);
    }

    #[test]
    fn json_keys_each_answer_by_its_server() {
        let (rows, servers) = rows();
        let j = json(&rows, &servers);
        assert_eq!(j[1]["name"], "a,b");
        assert_eq!(j[1]["ttl"], 60);
        assert_eq!(j[1]["consistent"], false);
        assert_eq!(
            j[1]["answers"]["127.0.0.1:5300"],
            json!(["192.0.2.1", "192.0.2.2"])
        );
        assert_eq!(
            j[1]["answers"]["[::1]:53"],
            json!({"error": "no answer from [::1]:53 in time"})
        );
        assert_eq!(j[0]["answers"].as_object().unwrap().len(), 2);
    }
}
