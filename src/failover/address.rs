//! Own address discovery: written in the config, a local interface's address, or the body
//! of an HTTP endpoint (cloud metadata services are just URLs).

use std::net::IpAddr;

use crate::model::RecordType;

use super::config::{OwnSource, family_matches};

/// At most this much of a discovery URL's body is read.
const MAX_BODY: usize = 4096;

/// Why the own address was not found.
#[derive(Debug, thiserror::Error)]
pub enum AddressError {
    #[error("no network interface {name:?} (interfaces: {})", .known.join(", "))]
    NoInterface { name: String, known: Vec<String> },
    #[error("interface {name} has no {family} address")]
    NoAddress { name: String, family: &'static str },
    #[error("cannot list network interfaces: {0}")]
    Interfaces(#[source] std::io::Error),
    #[error("cannot set up the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    /// The discovery URL (shown without its query, which may hold a token) failed.
    #[error("own address from {url}: {fault}")]
    Url { url: String, fault: UrlFault },
}

/// What went wrong asking a discovery URL.
#[derive(Debug, thiserror::Error)]
pub enum UrlFault {
    #[error("timed out after {secs}s")]
    Timeout { secs: f64 },
    /// The request failed: the innermost cause (without the URL).
    #[error("{reason}")]
    Send {
        reason: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("HTTP {0}")]
    Status(u16),
    #[error("reading the body: {0}")]
    Body(#[source] reqwest::Error),
    #[error("the body is longer than {MAX_BODY} bytes, not an address")]
    TooLong,
    /// The body (its first 60 characters) is not an address.
    #[error("the body is not an IP address: {0:?}")]
    NotAddress(String),
    #[error("{address} is not an {family} address")]
    Family {
        address: IpAddr,
        family: &'static str,
    },
}

/// The own address for a record of type `rtype`; among several, one in `pool` is preferred.
pub async fn discover(
    src: &OwnSource,
    rtype: &RecordType,
    pool: &[IpAddr],
) -> Result<IpAddr, AddressError> {
    match src {
        OwnSource::Static(a) => Ok(*a),
        OwnSource::Interface(name) => interface(name, rtype, pool),
        OwnSource::Url {
            url,
            timeout,
            headers,
        } => from_url(url, *timeout, headers, rtype).await,
    }
}

fn family(rtype: &RecordType) -> &'static str {
    if *rtype == RecordType::A {
        "IPv4"
    } else {
        "IPv6"
    }
}

/// The addresses of one interface, of the record's family (IPv6 link-local ones left out);
/// one in the pool when there is one, else the first.
pub fn interface(name: &str, rtype: &RecordType, pool: &[IpAddr]) -> Result<IpAddr, AddressError> {
    let all = interface_addresses()?;
    let names: std::collections::BTreeSet<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    if !names.contains(name) {
        return Err(AddressError::NoInterface {
            name: name.to_string(),
            known: names.into_iter().map(str::to_string).collect(),
        });
    }
    let mine: Vec<IpAddr> = all
        .iter()
        .filter(|(n, a)| n == name && family_matches(rtype, a) && !link_local(a))
        .map(|(_, a)| *a)
        .collect();
    mine.iter()
        .find(|a| pool.contains(a))
        .or(mine.first())
        .copied()
        .ok_or_else(|| AddressError::NoAddress {
            name: name.to_string(),
            family: family(rtype),
        })
}

fn link_local(a: &IpAddr) -> bool {
    match a {
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
        IpAddr::V4(_) => false,
    }
}

/// Every (interface name, address) of this host, from getifaddrs(3).
pub fn interface_addresses() -> Result<Vec<(String, IpAddr)>, AddressError> {
    let mut out = Vec::new();
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `head` with a list we own until freeifaddrs; every pointer read
    // below comes from that list and is checked for null first.
    unsafe {
        if libc::getifaddrs(&mut head) != 0 {
            return Err(AddressError::Interfaces(std::io::Error::last_os_error()));
        }
        let mut cur = head;
        while !cur.is_null() {
            let ifa = &*cur;
            cur = ifa.ifa_next;
            if ifa.ifa_addr.is_null() || ifa.ifa_name.is_null() {
                continue;
            }
            let name = std::ffi::CStr::from_ptr(ifa.ifa_name)
                .to_string_lossy()
                .into_owned();
            match (*ifa.ifa_addr).sa_family as libc::c_int {
                libc::AF_INET => {
                    let sin = &*(ifa.ifa_addr as *const libc::sockaddr_in);
                    let ip = std::net::Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
                    out.push((name, IpAddr::V4(ip)));
                }
                libc::AF_INET6 => {
                    let sin6 = &*(ifa.ifa_addr as *const libc::sockaddr_in6);
                    let ip = std::net::Ipv6Addr::from(sin6.sin6_addr.s6_addr);
                    out.push((name, IpAddr::V6(ip)));
                }
                _ => {}
            }
        }
        libc::freeifaddrs(head);
    }
    Ok(out)
}

/// GET `url` (no proxy, no redirects); a 2xx body holding one address of the record's family.
pub async fn from_url(
    url: &str,
    timeout: std::time::Duration,
    headers: &[(String, String)],
    rtype: &RecordType,
) -> Result<IpAddr, AddressError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout)
        .build()
        .map_err(AddressError::Client)?;
    let mut req = client.get(url);
    for (k, v) in headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let at = |fault: UrlFault| AddressError::Url {
        url: without_query(url).to_string(),
        fault,
    };
    let mut resp = req.send().await.map_err(|e| {
        if e.is_timeout() {
            at(UrlFault::Timeout {
                secs: timeout.as_secs_f64(),
            })
        } else {
            let mut reason = e.to_string();
            let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(&e);
            while let Some(inner) = src {
                reason = inner.to_string();
                src = inner.source();
            }
            at(UrlFault::Send { reason, source: e })
        }
    })?;
    let status = resp.status();
    if !status.is_success() {
        return Err(at(UrlFault::Status(status.as_u16())));
    }
    let mut body = Vec::new();
    while let Some(c) = resp.chunk().await.map_err(|e| at(UrlFault::Body(e)))? {
        body.extend_from_slice(&c);
        if body.len() > MAX_BODY {
            return Err(at(UrlFault::TooLong));
        }
    }
    let text = String::from_utf8_lossy(&body);
    let text = text.trim();
    let addr: IpAddr = text
        .parse()
        .map_err(|_| at(UrlFault::NotAddress(text.chars().take(60).collect())))?;
    if !family_matches(rtype, &addr) {
        return Err(at(UrlFault::Family {
            address: addr,
            family: family(rtype),
        }));
    }
    Ok(addr)
}

/// A URL without its query string (which may hold a token), for messages.
fn without_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    #[tokio::test]
    async fn static_is_what_is_written() {
        let a: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(
            discover(&OwnSource::Static(a), &RecordType::A, &[])
                .await
                .unwrap(),
            a
        );
    }

    #[test]
    fn the_loopback_interface_has_127_0_0_1() {
        assert_eq!(
            interface("lo", &RecordType::A, &[]).unwrap(),
            "127.0.0.1".parse::<IpAddr>().unwrap()
        );
        let e = interface("no-such-if0", &RecordType::A, &[]).unwrap_err();
        match &e {
            AddressError::NoInterface { name, known } => {
                assert_eq!(name, "no-such-if0");
                assert!(known.iter().any(|k| k == "lo"), "{known:?}");
            }
            other => panic!("{other:?}"),
        }
        let e = e.to_string();
        assert!(
            e.starts_with("no network interface \"no-such-if0\" (interfaces: "),
            "{e}"
        );
        assert!(e.contains("lo"), "{e}");
    }

    #[tokio::test]
    async fn a_url_body_is_the_address() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/meta/local-ipv4"))
            .and(header("Metadata-Flavor", "Google"))
            .respond_with(ResponseTemplate::new(200).set_body_string("198.51.100.4\n"))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/meta/v6"))
            .respond_with(ResponseTemplate::new(200).set_body_string("2001:db8::4"))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/meta/html"))
            .respond_with(ResponseTemplate::new(200).set_body_string("<html>login</html>"))
            .mount(&server)
            .await;
        let src = |p: &str, headers: Vec<(String, String)>| OwnSource::Url {
            url: format!("{}{p}", server.uri()),
            timeout: Duration::from_secs(2),
            headers,
        };
        let flavor = vec![("Metadata-Flavor".to_string(), "Google".to_string())];
        assert_eq!(
            discover(
                &src("/meta/local-ipv4", flavor.clone()),
                &RecordType::A,
                &[]
            )
            .await
            .unwrap(),
            "198.51.100.4".parse::<IpAddr>().unwrap()
        );
        // without the header the mock does not answer 200
        let e = discover(&src("/meta/local-ipv4", vec![]), &RecordType::A, &[])
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                AddressError::Url {
                    fault: UrlFault::Status(404),
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().ends_with(": HTTP 404"), "{e}");
        // the family must be the record's
        let e = discover(&src("/meta/v6", vec![]), &RecordType::A, &[])
            .await
            .unwrap_err()
            .to_string();
        assert!(e.ends_with("2001:db8::4 is not an IPv4 address"), "{e}");
        assert_eq!(
            discover(&src("/meta/v6", vec![]), &RecordType::Aaaa, &[])
                .await
                .unwrap(),
            "2001:db8::4".parse::<IpAddr>().unwrap()
        );
        let e = discover(&src("/meta/html?token=s3cr3t", vec![]), &RecordType::A, &[])
            .await
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("the body is not an IP address: \"<html>login</html>\""),
            "{e}"
        );
        assert!(!e.contains("s3cr3t"), "the query string is not shown: {e}");
    }
}
