//! Which name servers to ask for a zone on a target: the ones given on the command line
//! (`ADDR[:PORT]` for every target, `TARGET=ADDR[:PORT]` for one), else with `auto` the
//! provider's own server (an RFC 2136 server answers for its zones), else the zone's apex NS
//! records: in-zone glue from the zone files first, the system resolver otherwise (port 53).
//!
//! Rule: uses `model` and the `Provider` trait's `nameservers`; the resolver is the only
//! network use, and only for out-of-zone NS names.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use crate::model::{RecordType, Zone};
use crate::provider::Provider;

/// `ADDR`, `ADDR:PORT`, `[V6]:PORT`; port 53 by default.
pub fn parse_addr(s: &str) -> Result<SocketAddr, String> {
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    if let Ok(ip) = s
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        return Ok(SocketAddr::new(ip, 53));
    }
    Err(format!(
        "{s:?} is not an address (ADDR, ADDR:PORT or [IPv6]:PORT; names are not resolved here)"
    ))
}

/// Name servers chosen on the command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Choice {
    /// Find the servers of targets without given ones.
    pub auto: bool,
    /// For every target.
    pub all: Vec<SocketAddr>,
    pub per_target: BTreeMap<String, Vec<SocketAddr>>,
}

impl Choice {
    /// Read `--nameservers` items; `is_target` says whether a `TARGET=` names a provider,
    /// `targets` lists them for the message when it does not. Nothing given means `auto`.
    pub fn parse(
        items: &[String],
        is_target: impl Fn(&str) -> bool,
        targets: &[String],
    ) -> Result<Choice, String> {
        let mut c = Choice {
            auto: items.is_empty(),
            ..Choice::default()
        };
        for it in items {
            if it == "auto" {
                c.auto = true;
            } else if let Some((t, a)) = it.split_once('=') {
                if !is_target(t) {
                    return Err(format!(
                        "--nameservers {it}: no provider {t:?} (configured: {})",
                        targets.join(", ")
                    ));
                }
                c.per_target
                    .entry(t.to_string())
                    .or_default()
                    .push(parse_addr(a)?);
            } else {
                c.all.push(parse_addr(it)?);
            }
        }
        Ok(c)
    }

    /// The servers for `zone` on `target` (sorted, each once), or why there are none.
    pub async fn servers(
        &self,
        target: &str,
        provider: &dyn Provider,
        zone: &Zone,
    ) -> Result<Vec<SocketAddr>, String> {
        let mut servers = self.per_target.get(target).cloned().unwrap_or_default();
        servers.extend(&self.all);
        if servers.is_empty() && self.auto {
            servers = match provider.nameservers() {
                Some(s) => s,
                None => nameservers_from_ns(zone).await?,
            };
        }
        if servers.is_empty() {
            return Err("no name servers given for this target".into());
        }
        servers.sort();
        servers.dedup();
        Ok(servers)
    }
}

/// The addresses of a zone's name servers from its NS records: in-zone glue from the zone
/// files first, the system resolver otherwise (port 53).
pub async fn nameservers_from_ns(zone: &Zone) -> Result<Vec<SocketAddr>, String> {
    let Some(ns) = zone.get("", &RecordType::Ns) else {
        return Err("the zone files have no apex NS record to find the name servers".into());
    };
    let mut out = Vec::new();
    for v in &ns.values {
        let Some(host) = v.target() else { continue };
        let glue: Vec<SocketAddr> = zone
            .relative(host)
            .map(|rel| {
                [RecordType::A, RecordType::Aaaa]
                    .iter()
                    .filter_map(|t| zone.get(&rel, t))
                    .flat_map(|r| r.values.iter())
                    .filter_map(|v| v.as_text().and_then(|s| s.parse().ok()))
                    .map(|ip| SocketAddr::new(ip, 53))
                    .collect()
            })
            .unwrap_or_default();
        if !glue.is_empty() {
            out.extend(glue);
            continue;
        }
        let resolved = tokio::net::lookup_host((host.trim_end_matches('.'), 53))
            .await
            .map_err(|e| format!("cannot resolve the name server {host}: {e}"))?;
        out.extend(resolved);
    }
    out.sort();
    out.dedup();
    if out.is_empty() {
        return Err("no address for any of the zone's name servers".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nameservers_on_the_command_line() {
        let targets = vec!["bind".to_string(), "pdns".to_string()];
        let is = |t: &str| targets.iter().any(|x| x == t);
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            Choice::parse(&[], is, &targets).unwrap(),
            Choice {
                auto: true,
                ..Choice::default()
            },
            "nothing given is auto"
        );
        let c = Choice::parse(
            &s(&["bind=127.0.0.1:5300", "192.0.2.53", "[2001:db8::53]:5353"]),
            is,
            &targets,
        )
        .unwrap();
        assert!(!c.auto);
        assert_eq!(
            c.all,
            vec![
                "192.0.2.53:53".parse::<SocketAddr>().unwrap(),
                "[2001:db8::53]:5353".parse().unwrap()
            ]
        );
        assert_eq!(
            c.per_target["bind"],
            vec!["127.0.0.1:5300".parse::<SocketAddr>().unwrap()]
        );
        assert!(
            Choice::parse(&s(&["auto", "pdns=::1"]), is, &targets)
                .unwrap()
                .auto
        );
        let e = Choice::parse(&s(&["azure=192.0.2.1"]), is, &targets).unwrap_err();
        assert!(
            e.contains("no provider \"azure\" (configured: bind, pdns)"),
            "{e}"
        );
        let e = Choice::parse(&s(&["ns1.example.com"]), is, &targets).unwrap_err();
        assert!(e.contains("names are not resolved here"), "{e}");
    }
}
