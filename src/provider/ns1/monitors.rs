//! Health checks of dynamic records as NS1 monitors, in octodns-ns1 1.0's shape.
//!
//! One monitor per record and monitored value (a pool value whose status is `obey`), named
//! `{fqdn} - {type} - {value}`, its `notes` `host:{fqdn} type:{type}` (and `value:` with
//! `use_http_monitors`), which is how a record finds its monitors again. HTTP(S) checks are
//! `tcp` monitors that send an HTTP request line and expect `200 OK` (octodns-ns1's default),
//! or `http` monitors with `use_http_monitors`; TCP checks are `tcp`, ICMP checks `ping`.
//! Settings: octoDNS's `octodns.healthcheck` (protocol, host, path, port) and
//! `octodns.ns1.healthcheck` (policy, frequency, connect_timeout, response_timeout,
//! rapid_recheck, http_version), with octodns-ns1's defaults.

use std::collections::BTreeMap;

use serde_json::{Map, Value as J, json};

use super::dynamic::{encode_notes, parse_notes};
use super::settings::{HTTP_VERSIONS, Settings};
use crate::model::{RecordSet, RecordType};

/// The protocols NS1 can check.
pub const PROTOCOLS: &[&str] = &["HTTP", "HTTPS", "ICMP", "TCP"];

fn hc(r: &RecordSet) -> Option<&Map<String, J>> {
    r.settings.raw.get("healthcheck").and_then(J::as_object)
}

fn ns1_hc(r: &RecordSet) -> Option<&Map<String, J>> {
    r.settings
        .raw
        .get("ns1")
        .and_then(|n| n.get("healthcheck"))
        .and_then(J::as_object)
}

pub fn protocol(r: &RecordSet) -> String {
    hc(r)
        .and_then(|h| h.get("protocol"))
        .map(|p| match p {
            J::String(s) => s.clone(),
            other => other.to_string(),
        })
        .unwrap_or_else(|| "HTTPS".into())
}

/// A number from `octodns.ns1.healthcheck` (or the default), kept whole when it is.
fn number(r: &RecordSet, key: &str, default: i64) -> Result<J, String> {
    match ns1_hc(r).and_then(|h| h.get(key)) {
        None => Ok(J::from(default)),
        Some(J::Number(n)) if n.as_f64().is_some_and(|f| f >= 0.0) => Ok(J::Number(n.clone())),
        Some(other) => Err(format!(
            "ns1.healthcheck.{key} must be a number of seconds, not {other}"
        )),
    }
}

/// `n × factor`, whole when `n` is.
fn times(n: &J, factor: i64) -> J {
    match n.as_i64() {
        Some(i) => J::from(i * factor),
        None => json!(n.as_f64().unwrap_or(0.0) * factor as f64),
    }
}

/// The monitor a record's value should have (octodns-ns1's `_monitor_gen`), or why the
/// record's settings cannot make one.
pub fn expected(r: &RecordSet, zone: &str, value: &str, s: &Settings) -> Result<J, String> {
    let fqdn = r.fqdn(zone);
    let host = fqdn.trim_end_matches('.');
    let t = r.rtype.as_str();
    let value = if r.rtype == RecordType::Cname {
        value.strip_suffix('.').unwrap_or(value)
    } else {
        value
    };
    let policy = match ns1_hc(r).and_then(|h| h.get("policy")) {
        None => "quorum".to_string(),
        Some(J::String(p)) if ["all", "one", "quorum"].contains(&p.as_str()) => p.clone(),
        Some(other) => {
            return Err(format!(
                "ns1.healthcheck.policy must be all, one or quorum, not {other}"
            ));
        }
    };
    let rapid = match ns1_hc(r).and_then(|h| h.get("rapid_recheck")) {
        None => false,
        Some(J::Bool(b)) => *b,
        Some(other) => {
            return Err(format!(
                "ns1.healthcheck.rapid_recheck must be true or false, not {other}"
            ));
        }
    };
    let frequency = number(r, "frequency", 60)?;
    let connect = number(r, "connect_timeout", 2)?;
    let response = number(r, "response_timeout", 10)?;
    let mut notes = BTreeMap::new();
    notes.insert("host", host.to_string());
    notes.insert("type", t.to_string());
    let mut m = json!({
        "active": true,
        "name": format!("{host} - {t} - {value}"),
        "policy": policy,
        "frequency": frequency,
        "rapid_recheck": rapid,
        "region_scope": "fixed",
        "regions": s.monitor_regions,
    });
    let proto = protocol(r);
    let port = match hc(r).and_then(|h| h.get("port")) {
        None => 443,
        Some(J::Number(n)) => n
            .as_i64()
            .filter(|p| (1..=65535).contains(p))
            .ok_or("healthcheck.port must be a port number")?,
        Some(J::String(p)) => p
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=65535).contains(p))
            .ok_or("healthcheck.port must be a port number")?,
        Some(_) => return Err("healthcheck.port must be a port number".into()),
    };
    let path = match hc(r).and_then(|h| h.get("path")) {
        None => "/_dns".to_string(),
        Some(J::String(p)) => p.clone(),
        Some(other) => other.to_string(),
    };
    // octoDNS's healthcheck_host: the setting, else the fqdn; an explicit null: the value
    let check_host = match hc(r).and_then(|h| h.get("host")) {
        None => host.to_string(),
        Some(J::Null) => value.to_string(),
        Some(J::String(h)) if h.is_empty() => value.to_string(),
        Some(J::String(h)) => h.clone(),
        Some(other) => other.to_string(),
    };
    match proto.as_str() {
        "ICMP" => {
            m["job_type"] = "ping".into();
            m["config"] = json!({
                "count": 4,
                "host": value,
                "interval": times(&response, 250),
                "ipv6": r.rtype == RecordType::Aaaa,
                "timeout": times(&response, 1000),
            });
        }
        "TCP" | "HTTP" | "HTTPS" if proto == "TCP" || !s.use_http_monitors => {
            m["job_type"] = "tcp".into();
            m["config"] = json!({
                "host": value,
                "port": port,
                "connect_timeout": times(&connect, 1000),
                "response_timeout": times(&response, 1000),
                "ssl": proto == "HTTPS",
            });
            if proto != "TCP" {
                let version = match ns1_hc(r).and_then(|h| h.get("http_version")) {
                    None => s.default_http_version.clone(),
                    Some(J::String(v)) if HTTP_VERSIONS.contains(&v.as_str()) => v.clone(),
                    Some(other) => {
                        return Err(format!(
                            "unsupported http version found: {other}; expected HTTP/1.0 or HTTP/1.1"
                        ));
                    }
                };
                // the literal characters `\r\n`, as octodns-ns1 sends them
                m["config"]["send"] = J::String(format!(
                    "GET {path} {version}\\r\\nHost: {check_host}\\r\\nUser-agent: NS1\\r\\n\\r\\n"
                ));
                m["rules"] =
                    json!([{"comparison": "contains", "key": "output", "value": "200 OK"}]);
            }
        }
        "HTTP" | "HTTPS" => {
            m["job_type"] = "http".into();
            let domain = if r.rtype == RecordType::Aaaa {
                format!("[{value}]")
            } else {
                value.to_string()
            };
            m["config"] = json!({
                "url": format!("{}://{domain}:{port}{path}", proto.to_ascii_lowercase()),
                "virtual_host": check_host,
                "user_agent": "NS1",
                "tls_add_verify": false,
                "follow_redirect": false,
                "connect_timeout": connect,
                "idle_timeout": response,
            });
            m["rules"] = json!([{"comparison": "==", "key": "status_code", "value": "200"}]);
        }
        other => return Err(format!("healthcheck protocol \"{other}\" not supported")),
    }
    if r.rtype == RecordType::Aaaa {
        m["config"]["ipv6"] = J::Bool(true);
    }
    if s.use_http_monitors {
        notes.insert("value", value.to_string());
    }
    m["notes"] = J::String(encode_notes(&notes));
    Ok(m)
}

/// Python's `==` on JSON: numbers by value (`2 == 2.0`).
fn py_eq(a: &J, b: &J) -> bool {
    match (a, b) {
        (J::Number(x), J::Number(y)) => x.as_f64() == y.as_f64(),
        (J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q))
        }
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| py_eq(v, w)))
        }
        _ => a == b,
    }
}

/// Does the monitor NS1 has match the expected one (octodns-ns1's `_monitor_is_match`:
/// every expected key, `config` key by key, `regions` in any order; other keys ignored)?
pub fn is_match(expected: &J, have: &J) -> bool {
    let Some(exp) = expected.as_object() else {
        return false;
    };
    exp.iter().all(|(k, v)| match k.as_str() {
        "config" => v.as_object().into_iter().flatten().all(|(ck, cv)| {
            have.get("config")
                .and_then(|c| c.get(ck))
                .is_some_and(|h| py_eq(h, cv))
        }),
        "regions" => {
            let set = |j: Option<&J>| -> std::collections::BTreeSet<String> {
                j.and_then(J::as_array)
                    .into_iter()
                    .flatten()
                    .map(|x| x.as_str().unwrap_or_default().to_string())
                    .collect()
            };
            set(Some(v)) == set(have.get(k))
        }
        _ => have.get(k).is_some_and(|h| py_eq(h, v)),
    })
}

/// The monitors of a record among all of the account's, by the value they check
/// (octodns-ns1's `_monitors_for`: by the `host:` and `type:` of their notes; a CNAME's value
/// with its final dot).
pub fn of_record<'a>(
    monitors: impl IntoIterator<Item = &'a J>,
    fqdn: &str,
    t: &RecordType,
) -> BTreeMap<String, J> {
    let host = fqdn.trim_end_matches('.');
    let mut out = BTreeMap::new();
    for m in monitors {
        let notes = parse_notes(m.get("notes").and_then(J::as_str).unwrap_or(""));
        if notes.get("host").map(String::as_str) != Some(host)
            || notes.get("type").map(String::as_str) != Some(t.as_str())
        {
            continue;
        }
        let mut value = match notes.get("value").filter(|v| !v.is_empty()) {
            Some(v) => v.clone(),
            None => match m.pointer("/config/host").and_then(J::as_str) {
                Some(h) => h.to_string(),
                None => continue,
            },
        };
        if *t == RecordType::Cname {
            value.push('.');
        }
        out.insert(value, m.clone());
    }
    out
}
