//! `DNSPLAN_SPF_RESOLVER=ADDR[:PORT]`: the resolver `SpfDnsLookupProcessor` asks for the TXT
//! records of `include:` names outside the zone (without it, dnsplan sends no DNS query and
//! only warns that those includes were not followed).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::process::spf::TxtLookup;
use crate::verify::query::Server;

pub const VAR: &str = "DNSPLAN_SPF_RESOLVER";

/// The lookup the environment asks for: None when `DNSPLAN_SPF_RESOLVER` is unset or empty,
/// an error when it is not an address.
pub fn from_env() -> Result<Option<Arc<dyn TxtLookup>>, String> {
    let Ok(v) = std::env::var(VAR) else {
        return Ok(None);
    };
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let addr = v
        .parse::<SocketAddr>()
        .or_else(|_| {
            v.parse::<std::net::IpAddr>()
                .map(|ip| SocketAddr::new(ip, 53))
        })
        .map_err(|_| {
            format!("{VAR}={v} is not an address (192.0.2.53, 192.0.2.53:5353, [2001:db8::53]:53)")
        })?;
    Ok(Some(Arc::new(Resolver {
        addr,
        cache: Mutex::new(HashMap::new()),
    })))
}

#[derive(Debug)]
struct Resolver {
    addr: SocketAddr,
    /// One question per name per run.
    cache: Mutex<HashMap<String, Result<Vec<String>, String>>>,
}

/// A TXT record's character-strings, joined (an SPF policy split over strings is one text).
fn txt_text(rdata: &[u8]) -> String {
    let mut out = Vec::new();
    let mut i = 0;
    while i < rdata.len() {
        let n = rdata[i] as usize;
        let end = (i + 1 + n).min(rdata.len());
        out.extend_from_slice(&rdata[i + 1..end]);
        i = end;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Resolver {
    fn ask(&self, fqdn: &str) -> Result<Vec<String>, String> {
        let server = Server::recursive(self.addr, Duration::from_secs(3));
        let name = fqdn.to_string();
        // its own thread and runtime: the hook runs wherever the loader runs (a rayon worker
        // inside the planning runtime, or no runtime at all)
        let answer = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(server.query(&name, "TXT"))
                .map_err(|e| e.to_string())
        })
        .join()
        .map_err(|_| "the lookup thread panicked".to_string())??;
        if answer.rcode != "NOERROR" {
            return Err(format!("{} answered {}", self.addr, answer.rcode));
        }
        Ok(answer
            .answers
            .iter()
            .filter(|r| {
                r.rtype == 16
                    && r.name.trim_end_matches('.')
                        == fqdn.trim_end_matches('.').to_ascii_lowercase()
            })
            .map(|r| txt_text(&r.rdata))
            .collect())
    }
}

impl TxtLookup for Resolver {
    fn txt(&self, fqdn: &str) -> Result<Vec<String>, String> {
        if let Some(hit) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(fqdn)
        {
            return hit.clone();
        }
        let got = self.ask(fqdn);
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(fqdn.to_string(), got.clone());
        got
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txt_strings_are_joined() {
        assert_eq!(txt_text(b"\x07v=spf1 \x04-all"), "v=spf1 -all");
        assert_eq!(txt_text(b""), "");
        assert_eq!(
            txt_text(b"\x05ab"),
            "ab",
            "a truncated string ends the text"
        );
    }
}
