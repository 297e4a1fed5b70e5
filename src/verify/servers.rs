//! Which name servers to ask for a zone on a target: the ones given on the command line
//! (`ADDR[:PORT]` for every target, `TARGET=ADDR[:PORT]` for one), else with `auto` the
//! provider's own server (an RFC 2136 server answers for its zones), else the zone's apex NS
//! records: in-zone glue from the zone files first, the system resolver otherwise (port 53).
//!
//! Rule: uses `model` (the provider's own servers are given to it); the resolver is the only
//! network use, and only for out-of-zone NS names.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use crate::model::{RecordType, Zone};

/// Why there are no servers to ask, or a `--nameservers` item is wrong.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "{given:?} is not an address (ADDR, ADDR:PORT or [IPv6]:PORT; names are not resolved here)"
    )]
    NotAnAddress { given: String },
    #[error("--nameservers {item}: no provider {target:?} (configured: {configured})")]
    UnknownTarget {
        item: String,
        target: String,
        /// The configured providers, comma-separated.
        configured: String,
    },
    #[error("no name servers given for this target")]
    NoneGiven,
    #[error("the zone files have no apex NS record to find the name servers")]
    NoApexNs,
    #[error("cannot resolve the name server {host}: {source}")]
    Resolve {
        host: String,
        #[source]
        source: std::io::Error,
    },
    #[error("no address for any of the zone's name servers")]
    NoAddress,
}

/// `ADDR`, `ADDR:PORT`, `[V6]:PORT`; port 53 by default.
pub fn parse_addr(s: &str) -> Result<SocketAddr, Error> {
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
    Err(Error::NotAnAddress {
        given: s.to_string(),
    })
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
    ) -> Result<Choice, Error> {
        let mut c = Choice {
            auto: items.is_empty(),
            ..Choice::default()
        };
        for it in items {
            if it == "auto" {
                c.auto = true;
            } else if let Some((t, a)) = it.split_once('=') {
                if !is_target(t) {
                    return Err(Error::UnknownTarget {
                        item: it.clone(),
                        target: t.to_string(),
                        configured: targets.join(", "),
                    });
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

    /// The servers for `zone` on `target` (sorted, each once), or why there are none. `own`
    /// are the servers the target's provider knows it answers on (`Provider::nameservers`).
    pub async fn servers(
        &self,
        target: &str,
        own: Option<Vec<SocketAddr>>,
        zone: &Zone,
    ) -> Result<Vec<SocketAddr>, Error> {
        let mut servers = self.per_target.get(target).cloned().unwrap_or_default();
        servers.extend(&self.all);
        if servers.is_empty() && self.auto {
            servers = match own {
                Some(s) => s,
                None => nameservers_from_ns(zone).await?,
            };
        }
        if servers.is_empty() {
            return Err(Error::NoneGiven);
        }
        servers.sort();
        servers.dedup();
        Ok(servers)
    }
}

/// The addresses of a zone's name servers from its NS records: in-zone glue from the zone
/// files first, the system resolver otherwise (port 53).
pub async fn nameservers_from_ns(zone: &Zone) -> Result<Vec<SocketAddr>, Error> {
    let Some(ns) = zone.get("", &RecordType::Ns) else {
        return Err(Error::NoApexNs);
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
            .map_err(|source| Error::Resolve {
                host: host.to_string(),
                source,
            })?;
        out.extend(resolved);
    }
    out.sort();
    out.dedup();
    if out.is_empty() {
        return Err(Error::NoAddress);
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
        assert!(matches!(&e, Error::UnknownTarget { target, .. } if target == "azure"));
        assert_eq!(
            e.to_string(),
            "--nameservers azure=192.0.2.1: no provider \"azure\" (configured: bind, pdns)"
        );
        let e = Choice::parse(&s(&["ns1.example.com"]), is, &targets).unwrap_err();
        assert!(matches!(e, Error::NotAnAddress { .. }));
        assert!(e.to_string().contains("names are not resolved here"), "{e}");
        let e = Choice::parse(&s(&["bind=ns1"]), is, &targets).unwrap_err();
        assert_eq!(
            e.to_string(),
            "\"ns1\" is not an address (ADDR, ADDR:PORT or [IPv6]:PORT; names are not resolved here)"
        );
    }

    fn zone(records: &[(&str, &str)]) -> Zone {
        let mut z = Zone::new("example.com.");
        for (name, data) in records {
            z.insert(crate::plan::file::sample::record(name, data));
        }
        z
    }

    #[tokio::test]
    async fn servers_given_the_provider_s_own_or_from_the_zone() {
        let targets = vec!["bind".to_string(), "pdns".to_string()];
        let is = |t: &str| targets.iter().any(|x| x == t);
        let addr = |s: &str| s.parse::<SocketAddr>().unwrap();
        let glue = zone(&[
            (
                "",
                r#"{"type": "NS", "values": ["ns2.example.com.", "ns1.example.com."]}"#,
            ),
            ("ns1", r#"{"type": "A", "value": "192.0.2.53"}"#),
            ("ns2", r#"{"type": "AAAA", "value": "2001:db8::53"}"#),
        ]);
        let none = zone(&[]);
        let given = Choice::parse(
            &["bind=127.0.0.1:5300".into(), "127.0.0.1:5300".into()],
            is,
            &targets,
        )
        .unwrap();
        // given for the target and for all: each once; the provider's own are not asked
        let own = Some(vec![addr("192.0.2.1:53")]);
        assert_eq!(
            given.servers("bind", own.clone(), &none).await.unwrap(),
            vec![addr("127.0.0.1:5300")]
        );
        // given, but not for this target and not for all: none, and auto is off
        let only_bind = Choice::parse(&["bind=127.0.0.1".into()], is, &targets).unwrap();
        let e = only_bind
            .servers("pdns", own.clone(), &glue)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::NoneGiven), "{e:?}");
        assert_eq!(e.to_string(), "no name servers given for this target");
        // auto: the provider's own first, else the zone's NS through its glue
        let auto = Choice::parse(&[], is, &targets).unwrap();
        assert_eq!(
            auto.servers("pdns", own, &glue).await.unwrap(),
            vec![addr("192.0.2.1:53")]
        );
        assert_eq!(
            auto.servers("pdns", None, &glue).await.unwrap(),
            vec![addr("192.0.2.53:53"), addr("[2001:db8::53]:53")]
        );
        let e = auto.servers("pdns", None, &none).await.unwrap_err();
        assert!(matches!(e, Error::NoApexNs), "{e:?}");
        // an NS name outside the zone is asked of the system resolver (`localhost` is in
        // /etc/hosts: no query leaves the machine)
        let out = zone(&[("", r#"{"type": "NS", "value": "localhost."}"#)]);
        let s = auto.servers("pdns", None, &out).await.unwrap();
        assert!(s.contains(&addr("127.0.0.1:53")), "{s:?}");
    }
}
