//! Health checks in octodns-route53's scheme: one per dynamic value (none for `status: up`),
//! found again by CallerReference `<version>:<TYPE>:<fqdn>:<12 hex>` (the fqdn replaced by 20
//! hex characters of its SHA-512 when the reference would pass 64 characters) and an
//! equivalent configuration; named by a `Name` tag `fqdn:TYPE - value`; garbage-collected
//! when no value uses them any more.

use std::net::IpAddr;

use sha2::{Digest, Sha512};

use super::rrset::{HcConfig, HealthCheck, HealthChecks};
use crate::model::{RecordSet, Status};

/// Bumped by octodns-route53 when its health check configuration changes.
pub const VERSION: &str = "0001";

/// The settings of a record's health checks, from `octodns.healthcheck` and
/// `octodns.route53.healthcheck`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    pub protocol: String,
    /// Host header / FQDN for HTTP(S) (None for TCP).
    pub host: Option<String>,
    pub path: Option<String>,
    pub port: Option<i32>,
    pub measure_latency: bool,
    pub request_interval: i32,
    pub failure_threshold: i32,
}

/// Read a record's health check settings; an error names the bad setting.
pub fn params(record: &RecordSet, zone: &str) -> Result<Params, String> {
    let fqdn = record.fqdn(zone);
    let hc = record.settings.healthcheck(&fqdn);
    let r53 = record
        .settings
        .raw
        .get("route53")
        .and_then(|v| v.get("healthcheck"));
    let get = |k: &str| r53.and_then(|m| m.get(k));
    let measure_latency = match get("measure_latency") {
        None => true,
        Some(v) => v
            .as_bool()
            .ok_or("route53.healthcheck.measure_latency must be true or false")?,
    };
    let request_interval = match get("request_interval") {
        None => 10,
        Some(v) => match v.as_i64() {
            Some(n @ (10 | 30)) => n as i32,
            _ => {
                return Err(
                    "route53.healthcheck.request_interval parameter must be either 10 or 30."
                        .into(),
                );
            }
        },
    };
    let failure_threshold = match get("failure_threshold") {
        None => 6,
        Some(v) => match v.as_i64() {
            Some(n @ 1..=10) => n as i32,
            _ => {
                return Err("route53.healthcheck.failure_threshold parameter must be an integer between 1 and 10.".into());
            }
        },
    };
    Ok(Params {
        host: hc.host.filter(|h| !h.is_empty()),
        path: hc.path,
        port: hc.port.map(i32::from),
        protocol: hc.protocol,
        measure_latency,
        request_interval,
        failure_threshold,
    })
}

/// The health check a dynamic value wants (None for `status: up`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Want {
    pub params: Params,
    /// The value when it is an IP address (checked at that address).
    pub ip: Option<IpAddr>,
    /// The FQDN to check: the Host header for an IP value, the value itself otherwise.
    pub host: Option<String>,
    pub disabled: bool,
    pub inverted: bool,
}

pub fn want(params: &Params, value: &str, status: Status) -> Option<Want> {
    if status == Status::Up {
        return None;
    }
    let (ip, host) = match value.parse::<IpAddr>() {
        Ok(ip) => (
            Some(ip),
            params.host.clone().or_else(|| Some(value.to_string())),
        ),
        Err(_) => (None, Some(value.to_string())),
    };
    // TCP checks carry no host header
    let host = if params.protocol == "TCP" && ip.is_some() {
        None
    } else {
        host
    };
    let down = status == Status::Down;
    Some(Want {
        params: params.clone(),
        ip,
        host,
        disabled: down,
        inverted: down,
    })
}

/// octodns-route53's `_health_check_equivalent`. `ip`, `disabled` and `inverted` are only
/// compared when given (the plan-time check of `_extra_changes` leaves them out).
pub fn equivalent(
    p: &Params,
    host: Option<&str>,
    ip: Option<IpAddr>,
    flags: Option<(bool, bool)>,
    hc: &HcConfig,
) -> bool {
    let ip_ok = match ip {
        None => true,
        Some(ip) => hc.ip.as_deref().and_then(|s| s.parse::<IpAddr>().ok()) == Some(ip),
    };
    let flags_ok = match flags {
        None => true,
        Some((d, i)) => hc.disabled == d && hc.inverted == i,
    };
    host == hc.fqdn.as_deref()
        && p.path.as_deref() == hc.path.as_deref()
        && p.protocol == hc.kind
        && p.port == hc.port
        && p.measure_latency == hc.measure_latency
        && p.request_interval == hc.request_interval
        && p.failure_threshold == hc.failure_threshold
        && flags_ok
        && ip_ok
}

/// The CallerReference prefix of a record's health checks.
pub fn ref_prefix(version: &str, rtype: &str, fqdn: &str) -> String {
    let r = format!("{version}:{rtype}:{fqdn}");
    if r.len() + 13 > 64 {
        let h = Sha512::digest(fqdn.as_bytes());
        let hex = data_encoding::HEXLOWER.encode(&h);
        format!("{version}:{rtype}:{}", &hex[..20])
    } else {
        r
    }
}

/// An existing health check this value can use.
pub fn find(checks: &HealthChecks, rtype: &str, fqdn: &str, w: &Want) -> Option<String> {
    let prefix = ref_prefix(VERSION, rtype, fqdn);
    checks
        .values()
        .filter(|hc| hc.caller_reference.starts_with(&prefix))
        .find(|hc| {
            equivalent(
                &w.params,
                w.host.as_deref(),
                w.ip,
                Some((w.disabled, w.inverted)),
                &hc.config,
            )
        })
        .map(|hc| hc.id.clone())
}

/// The configuration of a new health check (as octodns-route53 creates it).
pub fn config(w: &Want) -> HcConfig {
    let p = &w.params;
    let http = p.protocol != "TCP";
    HcConfig {
        kind: p.protocol.clone(),
        ip: w.ip.map(|i| i.to_string()),
        port: p.port,
        fqdn: if http || w.ip.is_none() {
            w.host.clone()
        } else {
            None
        },
        path: if http { p.path.clone() } else { None },
        measure_latency: p.measure_latency,
        request_interval: p.request_interval,
        failure_threshold: p.failure_threshold,
        disabled: w.disabled,
        inverted: w.inverted,
        enable_sni: p.protocol == "HTTPS",
    }
}

/// The `Name` tag: `fqdn:TYPE - value`, with what tags may not hold replaced by `-`.
pub fn name_tag(fqdn: &str, rtype: &str, w: &Want, value: &str) -> String {
    let shown = match w.ip {
        Some(_) => value.to_string(),
        None => w.host.clone().unwrap_or_else(|| value.to_string()),
    };
    format!("{fqdn}:{rtype} - {shown}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " _.:/=+-@".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Health checks of this record (any version) that `in_use` does not hold: the ones to
/// delete. Also octoDNS's legacy `0000:` checks of the record.
pub fn unused<'a>(
    checks: &'a HealthChecks,
    rtype: &str,
    fqdn: &str,
    in_use: &[String],
) -> Vec<&'a HealthCheck> {
    let prefix = ref_prefix(VERSION, rtype, fqdn);
    let ident = prefix.split_once(':').map(|x| x.1).unwrap_or_default();
    let legacy = format!("0000:{rtype}:");
    let legacy_host = fqdn.trim_end_matches('.');
    checks
        .values()
        .filter(|hc| !in_use.contains(&hc.id))
        .filter(|hc| {
            let r = &hc.caller_reference;
            let ours = r.len() > 5
                && r.as_bytes()[..4].iter().all(u8::is_ascii_digit)
                && r.as_bytes()[4] == b':'
                && r[5..].starts_with(ident)
                && r[5 + ident.len()..].starts_with(':');
            ours || (r.starts_with(&legacy) && hc.config.fqdn.as_deref() == Some(legacy_host))
        })
        .collect()
}

/// Is this one of octoDNS's health checks (CallerReference `dddd:…`)?
pub fn is_octodns(hc: &HealthCheck) -> bool {
    let r = hc.caller_reference.as_bytes();
    r.len() > 4 && r[4] == b':'
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RecordType, Value};

    fn record(octodns: serde_json::Value) -> RecordSet {
        let mut r = RecordSet::new(
            "www",
            RecordType::A,
            60,
            vec![Value::Ip("192.0.2.1".into())],
        );
        r.settings.raw = octodns.as_object().cloned().unwrap_or_default();
        r
    }

    #[test]
    fn defaults_and_overrides() {
        let p = params(&record(serde_json::json!({})), "example.com.").unwrap();
        assert_eq!(
            p,
            Params {
                protocol: "HTTPS".into(),
                host: Some("www.example.com".into()),
                path: Some("/_dns".into()),
                port: Some(443),
                measure_latency: true,
                request_interval: 10,
                failure_threshold: 6,
            }
        );
        let p = params(
            &record(serde_json::json!({"healthcheck": {"protocol": "TCP", "port": 8080},
                "route53": {"healthcheck": {"measure_latency": false, "request_interval": 30, "failure_threshold": 2}}})),
            "example.com.",
        )
        .unwrap();
        assert_eq!(
            (p.protocol.as_str(), p.host, p.path, p.port),
            ("TCP", None, None, Some(8080))
        );
        assert_eq!(
            (p.measure_latency, p.request_interval, p.failure_threshold),
            (false, 30, 2)
        );
        let bad = params(
            &record(serde_json::json!({"route53": {"healthcheck": {"request_interval": 20}}})),
            "example.com.",
        );
        assert!(bad.unwrap_err().contains("either 10 or 30"));
        let bad = params(
            &record(serde_json::json!({"route53": {"healthcheck": {"failure_threshold": 0}}})),
            "example.com.",
        );
        assert!(bad.unwrap_err().contains("between 1 and 10"));
    }

    #[test]
    fn caller_reference_prefix_hashes_long_names() {
        assert_eq!(
            ref_prefix("0001", "A", "www.example.com."),
            "0001:A:www.example.com."
        );
        let long = format!("{}.example.com.", "x".repeat(50));
        let p = ref_prefix("0001", "A", &long);
        assert_eq!(p.len(), "0001:A:".len() + 20);
        let h = data_encoding::HEXLOWER.encode(&Sha512::digest(long.as_bytes()));
        assert_eq!(p, format!("0001:A:{}", &h[..20]));
    }

    #[test]
    fn finds_equivalent_and_collects_unused() {
        let p = params(&record(serde_json::json!({})), "example.com.").unwrap();
        let w = want(&p, "192.0.2.1", Status::Obey).unwrap();
        let mut checks = HealthChecks::new();
        let mk = |id: &str, r: &str, c: HcConfig| HealthCheck {
            id: id.into(),
            caller_reference: r.into(),
            config: c,
        };
        // IPv6 written differently by Route 53 still matches
        let w6 = want(&p, "2001:db8::1", Status::Obey).unwrap();
        let mut c6 = config(&w6);
        c6.ip = Some("2001:db8:0:0:0:0:0:1".into());
        checks.insert(
            "h6".into(),
            mk("h6", "0001:A:www.example.com.:aaaaaaaaaaaa", c6),
        );
        checks.insert(
            "h1".into(),
            mk("h1", "0001:A:www.example.com.:bbbbbbbbbbbb", config(&w)),
        );
        let down = want(&p, "192.0.2.1", Status::Down).unwrap();
        checks.insert(
            "h2".into(),
            mk("h2", "0001:AAAA:www.example.com.:cccccccccccc", config(&w)),
        );
        checks.insert(
            "h3".into(),
            mk("h3", "0000:A:legacy", {
                let mut c = config(&w);
                c.fqdn = Some("www.example.com".into());
                c
            }),
        );
        checks.insert(
            "h4".into(),
            mk("h4", "0002:A:www.example.com.:dddddddddddd", config(&w)),
        );
        assert_eq!(
            find(&checks, "A", "www.example.com.", &w).as_deref(),
            Some("h1")
        );
        assert_eq!(
            find(&checks, "A", "www.example.com.", &w6).as_deref(),
            Some("h6")
        );
        assert_eq!(find(&checks, "A", "www.example.com.", &down), None);
        let gone: Vec<&str> = unused(&checks, "A", "www.example.com.", &["h1".to_string()])
            .iter()
            .map(|h| h.id.as_str())
            .collect();
        assert_eq!(gone, vec!["h3", "h4", "h6"]);
    }

    #[test]
    fn new_check_configs() {
        let p = params(&record(serde_json::json!({})), "example.com.").unwrap();
        let c = config(&want(&p, "192.0.2.1", Status::Down).unwrap());
        assert_eq!(c.ip.as_deref(), Some("192.0.2.1"));
        assert_eq!(c.fqdn.as_deref(), Some("www.example.com"));
        assert!(c.disabled && c.inverted && c.enable_sni);
        let c = config(&want(&p, "origin.example.net.", Status::Obey).unwrap());
        assert_eq!(
            (c.ip, c.fqdn.as_deref()),
            (None, Some("origin.example.net."))
        );
        let w = want(&p, "*.x", Status::Obey).unwrap();
        assert_eq!(
            name_tag("*.example.com.", "CNAME", &w, "*.x"),
            "-.example.com.:CNAME - -.x"
        );
    }
}
