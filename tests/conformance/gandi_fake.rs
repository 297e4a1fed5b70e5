//! A stateful fake of Gandi's LiveDNS API (`/v5/livedns`, api.gandi.net v5) on a wiremock
//! server on 127.0.0.1, for the `gandi` provider and (through the HTTPS proxy, since
//! octodns-gandi has `https://api.gandi.net/v5` built in) for octodns-gandi.
//!
//! Written from Gandi's published API description: api.gandi.net/docs/livedns (every route of
//! "Domains", "Domain information", "Domain's nameserver information", "Domain's records",
//! "…, by name", "Single domain's record, by name and type", "List accepted record types" and
//! "Generic nameservers", with their parameters, schemas, limits and examples, the snapshot
//! example), api.gandi.net/docs/reference (rate limit, Content-Type), api.gandi.net/docs/
//! authentication (PAT `Bearer`, deprecated `Apikey`), and answers of the live API quoted in
//! public issue threads (the 403/404 bodies, the 400 validation shape, the TTL default).
//! octodns-gandi was read only for which endpoints and fields it uses.
//!
//! ## Faithful
//!
//! - Auth: `Authorization: Bearer <PAT>` (`GANDI_TOKEN`) or the deprecated `Authorization:
//!   Apikey <key>` (`GANDI_APIKEY`). An unknown, expired or under-scoped PAT: 403 (the docs'
//!   "bearer token has expired, does not have enough permission or does not exist"); a wrong
//!   API key: 401 ("bad authentication attempt because of a wrong API Key"). `GANDI_READ_TOKEN`
//!   may only read (403 on a write). Errors are `{"code", "message", "object", "cause"}`:
//!   403 `Access was denied to this resource.` / `HTTPForbidden` / `Forbidden` and 404 `The
//!   resource could not be found.` / `HTTPNotFound` / `Not Found`, as the live API answers.
//! - Domains: `GET /domains` (`[{fqdn, domain_href, domain_records_href}]`, paged),
//!   `GET /domains/{fqdn}` (`{fqdn, domain_href, domain_records_href, domain_keys_href,
//!   automatic_snapshots}`), `PATCH` (`automatic_snapshots`), `GET /domains/{fqdn}/nameservers`,
//!   unauthenticated `GET /nameservers/{fqdn}`, `GET /dns/rrtypes`. LiveDNS manages domains
//!   that exist at Gandi; it does not register them: a domain the fake does not hold is 404 on
//!   every route, `POST /domains {fqdn, zone: {items}}` ("Add a new domain to LiveDNS") is 404
//!   for a domain unknown to Gandi (`register_domain` makes one known), 409 for one already on
//!   LiveDNS, else 201 with the given items or Gandi's default records.
//! - Records are rrsets `{rrset_name, rrset_type, rrset_ttl, rrset_values, rrset_href}`,
//!   `rrset_name` relative with `@` for the apex (`%40` in `rrset_href`). Routes: `GET /records`
//!   (`rrset_type` filter, `sort_by` default `rrset_name`, `Accept: text/plain` gives a zone
//!   file), `POST` (create: 201 `{message}` + `Location`; an existing name/type: 409),
//!   `PUT` `{items}` (replace the whole zone), `DELETE` (all records); `GET/POST/PUT/DELETE
//!   /records/{name}` (the name's rrsets; `PUT {items: [{rrset_type, rrset_values,
//!   rrset_ttl?}]}` replaces them all); `GET/POST/PUT/PATCH/DELETE /records/{name}/{type}`
//!   (`PUT {rrset_values, rrset_ttl?}` creates or overwrites, 201; `PATCH {add_rrset_values,
//!   remove_rrset_values, rrset_ttl}` answers the rrset).
//! - Validation (400): `rrset_type` one of A, AAAA, ALIAS, CAA, CDS, CNAME, DNAME, DS, HTTPS,
//!   KEY, LOC, MX, NAPTR, NS, OPENPGPKEY, PTR, RP, SOA, SPF, SRV, SSHFP, SVCB, TLSA, TXT, WKS
//!   (the docs' enum: no HINFO/URI/SMIMEA); `rrset_ttl` 300…2592000, 10800 when omitted (also
//!   on PUT, as the live API does); `rrset_values` a non-empty list of printable-ASCII strings
//!   of at most 16384 characters (`^[\x20-\x7E]+$`); ALIAS only at `@` (the live API's "only
//!   '@' is allowed for ALIAS records"); host names valid, an absolute one not ending in an
//!   all-digit label (the live API refuses `6.2.3.4.` as "invalid hostname"). The 400 body is
//!   the live API's `{"status": "error", "errors": [{"location", "name", "description"}]}`
//!   (the published description lists only the `{code, message, object, cause}` shape).
//! - Paging (`GET /domains`, `GET /records`): `page` (from 1; past the last page an empty
//!   list) and `per_page` (at least 1); headers `Total-Count`, `Filtered-Count` and, when
//!   there is a next page, `Link: <…>; rel="next", <…>; rel="last"`.
//! - Rate limit: 1000 requests a minute from one IP (the reference), every request counted
//!   (the fake sees one client); past it 429. The default (1,000,000 a minute) is never
//!   reached; `set_rate(1000, 60 s)` is the documented value.
//!
//! ## Simplified or guessed
//!
//! - Wordings: 401 (WebOb's explanation, as the 403/404 ones are), 405, 409 `A DNS Record
//!   already exists with same value`, 429 (+ `Retry-After` in seconds, no other rate-limit
//!   header), success messages (`DNS Record Created`, `Domain Created`), the 400 descriptions.
//!   No `Authorization` header, or another scheme: 401. DELETE answers 204.
//! - Default records of a new domain (`DEFAULT_RRSETS`): those of the docs' snapshot example
//!   (`@` A, `@` MX `10 spool.mail.gandi.net.` / `50 fb.mail.gandi.net.`, `@` TXT
//!   `"v=spf1 include:_mailcust.gandi.net ?all"`, `www` CNAME `webredir.vip.gandi.net.`, TTL
//!   10800) with the A value of Gandi's web forwarding (`217.70.184.38`, not in the docs). No
//!   SOA is listed and no apex NS rrset exists: the zone is served by hashed nameservers
//!   `ns-N-a/b/c.gandi.net` (what `/nameservers` answers when the zone has no `@` NS rrset).
//! - Without `per_page` the whole list is one page; `Total-Count` counts what matches the
//!   filter, `Filtered-Count` what this page holds; `sort_by` takes `[-]rrset_name`,
//!   `[-]rrset_type`, `[-]rrset_ttl`; `sharing_id` is ignored. Names are lowercased; a name
//!   with a final dot, an empty label or a `*` not first is refused.
//! - Values are stored as sent, except TXT/SPF and CAA: a TXT value not starting with `"` is
//!   one text, quoted (`"`, `\` escaped) and cut into strings of 255 octets (`Bah bah` →
//!   `"Bah bah"`); a quoted one must be well-formed strings of at most 255 octets; an unquoted
//!   CAA value is quoted. Duplicate values are dropped. Relative host names (no final dot)
//!   are kept relative. A CNAME is alone at its name, not at `@`, one value (RFC 1034; also
//!   ALIAS and DNAME one value). `rrset_ttl` may be a numeric string (colander coerces it).
//!   PATCH of a missing rrset, or one emptying it: 404 / 400. `GET`/`DELETE /records/{name}`
//!   with nothing at the name: 404. A `text/plain` zone file on `PUT /records` is refused.
//! - `Content-Type` is not checked; snapshots, DNSSEC keys, AXFR/TSIG are not modelled.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use crate::fake_http::{header, pct_decode, query};
use serde_json::{Map, Value as J, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The Personal Access Token the fake accepts (`Authorization: Bearer …`), read and write.
pub const GANDI_TOKEN: &str = "pat_7c0f2a41-93de-4b8a-a6f5-1e2d3c4b5a69";
/// The deprecated API key the fake accepts (`Authorization: Apikey …`), read and write.
#[allow(dead_code)]
pub const GANDI_APIKEY: &str = "Qm9uam91ckdhbmRpTGl2ZUROUzA";
/// A PAT without the "manage technical configuration" permission: every write is 403.
#[allow(dead_code)]
pub const GANDI_READ_TOKEN: &str = "pat_0b1d2e3f-4a5b-4c6d-8e7f-90a1b2c3d4e5";

const PREFIX: &str = "/v5/livedns";
const TYPES: &[&str] = &[
    "A",
    "AAAA",
    "ALIAS",
    "CAA",
    "CDS",
    "CNAME",
    "DNAME",
    "DS",
    "HTTPS",
    "KEY",
    "LOC",
    "MX",
    "NAPTR",
    "NS",
    "OPENPGPKEY",
    "PTR",
    "RP",
    "SOA",
    "SPF",
    "SRV",
    "SSHFP",
    "SVCB",
    "TLSA",
    "TXT",
    "WKS",
];
const MIN_TTL: i64 = 300;
const MAX_TTL: i64 = 2_592_000;
/// A record's TTL when none is given.
pub const DEFAULT_TTL: i64 = 10_800;
const MAX_VALUE_LEN: usize = 16_384;

/// The rrsets of a domain new to LiveDNS (`name, type, values`, TTL 10800).
pub const DEFAULT_RRSETS: &[(&str, &str, &[&str])] = &[
    ("@", "A", &["217.70.184.38"]),
    (
        "@",
        "MX",
        &["10 spool.mail.gandi.net.", "50 fb.mail.gandi.net."],
    ),
    ("@", "TXT", &["\"v=spf1 include:_mailcust.gandi.net ?all\""]),
    ("www", "CNAME", &["webredir.vip.gandi.net."]),
];

const MSG_401: &str = "This server could not verify that you are authorized to access the \
                       document you requested.  Either you supplied the wrong credentials \
                       (e.g., bad password), or your browser does not understand how to supply \
                       the credentials required.";
const MSG_403: &str = "Access was denied to this resource.";
const MSG_404: &str = "The resource could not be found.";
const MSG_409: &str = "A DNS Record already exists with same value";
const MSG_429: &str = "The client has sent too many requests in a given amount of time.";

/// A refusal.
#[derive(Debug)]
enum Fail {
    /// `{code, message, object, cause}` with this status.
    Api(u16, String),
    /// 400 `{"status": "error", "errors": [{location, name, description}]}`.
    Invalid(String, String, String),
}

fn invalid(location: &str, name: &str, description: impl Into<String>) -> Fail {
    Fail::Invalid(location.into(), name.into(), description.into())
}

fn not_found() -> Fail {
    Fail::Api(404, MSG_404.into())
}

fn object_cause(status: u16) -> (&'static str, &'static str) {
    match status {
        400 => ("HTTPBadRequest", "Bad Request"),
        401 => ("HTTPUnauthorized", "Unauthorized"),
        403 => ("HTTPForbidden", "Forbidden"),
        404 => ("HTTPNotFound", "Not Found"),
        405 => ("HTTPMethodNotAllowed", "Method Not Allowed"),
        409 => ("HTTPConflict", "Conflict"),
        429 => ("HTTPTooManyRequests", "Too Many Requests"),
        500 => ("HTTPInternalServerError", "Internal Server Error"),
        502 => ("HTTPBadGateway", "Bad Gateway"),
        503 => ("HTTPServiceUnavailable", "Service Unavailable"),
        _ => ("HTTPError", "Error"),
    }
}

fn fail_body(f: &Fail) -> (u16, J) {
    match f {
        Fail::Api(status, message) => {
            let (object, cause) = object_cause(*status);
            (
                *status,
                json!({"code": status, "message": message, "object": object, "cause": cause}),
            )
        }
        Fail::Invalid(location, name, description) => (
            400,
            json!({"status": "error", "errors": [
                {"location": location, "name": name, "description": description}
            ]}),
        ),
    }
}

#[derive(Clone, Debug)]
struct RRset {
    ttl: i64,
    values: Vec<String>,
}

/// `(name, type)` → rrset, in the listing's default order.
type RRsets = BTreeMap<(String, String), RRset>;

struct Domain {
    rrsets: RRsets,
    automatic_snapshots: bool,
}

struct State {
    /// On LiveDNS.
    domains: BTreeMap<String, Domain>,
    /// At Gandi but not (yet) on LiveDNS: `POST /domains` adds them.
    registered: BTreeSet<String>,
    rate: (u32, Duration),
    /// When each counted request was made, oldest first.
    hits: VecDeque<Instant>,
    /// `METHOD path?query` per request, in order.
    log: Vec<String>,
    /// Let this many record writes through, then refuse one with this status and message.
    fail_writes: Option<(usize, u16, String)>,
}

const DEFAULT_RATE: (u32, Duration) = (1_000_000, Duration::from_secs(60));

/// A domain name as the fake keys it: lowercase, no final dot.
fn norm_zone(s: &str) -> String {
    s.trim_end_matches('.').to_ascii_lowercase()
}

fn is_label(l: &str) -> bool {
    !l.is_empty()
        && l.len() <= 63
        && l.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A host name in a value: absolute (final dot) or relative to the zone; `.` when `root_ok`.
fn is_host(s: &str, root_ok: bool) -> bool {
    if s == "." {
        return root_ok;
    }
    let (body, absolute) = match s.strip_suffix('.') {
        Some(b) => (b, true),
        None => (s, false),
    };
    if body.is_empty() || body.len() > 253 {
        return false;
    }
    let labels: Vec<&str> = body.split('.').collect();
    labels.iter().all(|l| is_label(l))
        && !(absolute && labels.last().unwrap().bytes().all(|b| b.is_ascii_digit()))
}

/// An rrset name as stored: `@` or lowercase relative labels (`*` may be the first).
fn norm_name(zone: &str, s: &str) -> Result<String, String> {
    let s = s.to_ascii_lowercase();
    if s == "@" {
        return Ok(s);
    }
    let ok = !s.is_empty()
        && !s.ends_with('.')
        && s.len() + 1 + zone.len() <= 253
        && s.split('.')
            .enumerate()
            .all(|(i, l)| (i == 0 && l == "*") || is_label(l));
    if ok {
        Ok(s)
    } else {
        Err(format!("'{s}': invalid record name"))
    }
}

fn num(s: &str, max: u64) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit())
        && s.parse::<u64>().is_ok_and(|n| n <= max)
}

fn is_hex(s: &&str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_base64(s: &&str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
}

/// Split on spaces; a `"…"` string (with `\` escapes) is one token, quotes kept. None when a
/// quote is not closed.
fn tokens(s: &str) -> Option<Vec<String>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b' ' {
            i += 1;
            continue;
        }
        let start = i;
        if b[i] == b'"' {
            i += 1;
            loop {
                match b.get(i) {
                    None => return None,
                    Some(b'\\') => i += 2,
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
            if i > b.len() {
                return None;
            }
        } else {
            while i < b.len() && b[i] != b' ' {
                i += 1;
            }
        }
        out.push(s[start..i].to_string());
    }
    Some(out)
}

/// The octets of a well-formed quoted character-string token, or None.
fn quoted_len(t: &str) -> Option<usize> {
    let inner = t.strip_prefix('"')?.strip_suffix('"')?;
    let b = inner.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < b.len() {
        match b[i] {
            b'"' => return None,
            b'\\' => {
                let rest = &b[i + 1..];
                if rest.len() >= 3 && rest[..3].iter().all(u8::is_ascii_digit) {
                    if inner[i + 1..i + 4].parse::<u16>().ok()? > 255 {
                        return None;
                    }
                    i += 4;
                } else if !rest.is_empty() {
                    i += 2;
                } else {
                    return None;
                }
            }
            _ => i += 1,
        }
        n += 1;
    }
    Some(n)
}

/// `s` as one quoted character-string (`"` and `\` escaped).
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A TXT/SPF value as stored: quoted strings kept, a plain text quoted in 255-octet strings.
fn txt_value(v: &str) -> Result<String, String> {
    if v.starts_with('"') {
        let toks = tokens(v).ok_or_else(|| format!("'{v}': unbalanced quotes"))?;
        for t in &toks {
            match quoted_len(t) {
                Some(n) if n <= 255 => {}
                Some(_) => return Err(format!("'{v}': a string is longer than 255 characters")),
                None => return Err(format!("'{v}': invalid character-string {t}")),
            }
        }
        Ok(toks.join(" "))
    } else {
        // printable ASCII only: one octet per char
        Ok(v.as_bytes()
            .chunks(255)
            .map(|c| quote(std::str::from_utf8(c).unwrap()))
            .collect::<Vec<_>>()
            .join(" "))
    }
}

/// `flags tag value`: the value quoted if it was not.
fn caa_value(v: &str) -> Result<String, String> {
    let bad = || format!("'{v}': invalid CAA value");
    let toks = tokens(v).ok_or_else(bad)?;
    if toks.len() < 3
        || !num(&toks[0], 255)
        || toks[1].len() > 15
        || !toks[1].bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(bad());
    }
    let value = if toks.len() == 3 && toks[2].starts_with('"') {
        quoted_len(&toks[2]).ok_or_else(bad)?;
        toks[2].clone()
    } else {
        let rest = v.splitn(3, ' ').nth(2).unwrap_or_default();
        if rest.starts_with('"') {
            return Err(bad());
        }
        quote(rest)
    };
    Ok(format!("{} {} {value}", toks[0], toks[1]))
}

/// RFC 1876 presentation: `d [m [s]] N|S d [m [s]] E|W alt[m] [size [hp [vp]]]`.
fn is_loc(w: &[&str]) -> bool {
    fn coord(w: &[&str], i: &mut usize, max_deg: u64, hemi: [&str; 2]) -> bool {
        match w.get(*i) {
            Some(d) if num(d, max_deg) => *i += 1,
            _ => return false,
        }
        if let Some(m) = w.get(*i)
            && !hemi.contains(m)
        {
            if !num(m, 59) {
                return false;
            }
            *i += 1;
            if let Some(s) = w.get(*i)
                && !hemi.contains(s)
            {
                if !s.parse::<f64>().is_ok_and(|s| (0.0..60.0).contains(&s)) {
                    return false;
                }
                *i += 1;
            }
        }
        match w.get(*i) {
            Some(h) if hemi.contains(h) => {
                *i += 1;
                true
            }
            _ => false,
        }
    }
    let meters = |s: &str, lo: f64, hi: f64| {
        s.strip_suffix('m')
            .unwrap_or(s)
            .parse::<f64>()
            .is_ok_and(|x| (lo..=hi).contains(&x))
    };
    let mut i = 0;
    if !coord(w, &mut i, 90, ["N", "S"]) || !coord(w, &mut i, 180, ["E", "W"]) {
        return false;
    }
    match w.get(i) {
        Some(a) if meters(a, -100_000.0, 42_849_672.95) => i += 1,
        _ => return false,
    }
    let sizes = &w[i..];
    sizes.len() <= 3 && sizes.iter().all(|s| meters(s, 0.0, 90_000_000.0))
}

/// One value of type `ty` as stored, or why it is refused.
fn check_value(ty: &str, v: &str) -> Result<String, String> {
    let w: Vec<&str> = v.split(' ').filter(|s| !s.is_empty()).collect();
    let host = |s: &str| is_host(s, false);
    let ok = match ty {
        "TXT" | "SPF" => return txt_value(v),
        "CAA" => return caa_value(v),
        "A" => v.parse::<Ipv4Addr>().is_ok(),
        "AAAA" => v.parse::<Ipv6Addr>().is_ok(),
        "CNAME" | "DNAME" | "ALIAS" | "NS" | "PTR" => {
            if !host(v) {
                return Err(format!("'{v}': invalid hostname"));
            }
            true
        }
        "MX" => w.len() == 2 && num(w[0], 65535) && is_host(w[1], true),
        "SRV" => w.len() == 4 && w[..3].iter().all(|n| num(n, 65535)) && is_host(w[3], true),
        "SSHFP" => w.len() == 3 && num(w[0], 255) && num(w[1], 255) && is_hex(&w[2]),
        "TLSA" => w.len() == 4 && w[..3].iter().all(|n| num(n, 255)) && is_hex(&w[3]),
        "DS" | "CDS" => {
            w.len() >= 4
                && num(w[0], 65535)
                && num(w[1], 255)
                && num(w[2], 255)
                && w[3..].iter().all(is_hex)
        }
        "KEY" => {
            w.len() >= 4
                && num(w[0], 65535)
                && num(w[1], 255)
                && num(w[2], 255)
                && w[3..].iter().all(is_base64)
        }
        "OPENPGPKEY" => !w.is_empty() && w.iter().all(is_base64),
        "RP" => w.len() == 2 && is_host(w[0], true) && is_host(w[1], true),
        "SOA" => {
            w.len() == 7
                && host(w[0])
                && host(w[1])
                && w[2..].iter().all(|n| num(n, u32::MAX as u64))
        }
        "WKS" => {
            w.len() >= 2
                && w[0].parse::<Ipv4Addr>().is_ok()
                && w[1].bytes().all(|b| b.is_ascii_alphanumeric())
        }
        "HTTPS" | "SVCB" => w.len() >= 2 && num(w[0], 65535) && is_host(w[1], true),
        "LOC" => is_loc(&w),
        "NAPTR" => tokens(v).is_some_and(|t| {
            let s = |x: &String| !x.starts_with('"') || quoted_len(x).is_some();
            t.len() == 6
                && num(&t[0], 65535)
                && num(&t[1], 65535)
                && t[2..5].iter().all(s)
                && is_host(&t[5], true)
        }),
        _ => false,
    };
    if ok {
        Ok(v.to_string())
    } else {
        Err(format!("'{v}': invalid {ty} value"))
    }
}

fn body_str<'a>(b: &'a Map<String, J>, k: &str, loc: &str) -> Result<&'a str, Fail> {
    match b.get(k) {
        Some(J::String(s)) => Ok(s),
        None | Some(J::Null) => Err(invalid(loc, k, "Required")),
        Some(v) => Err(invalid(loc, k, format!("{v} is not a string"))),
    }
}

fn check_type(t: &str, loc: &str, name: &str) -> Result<String, Fail> {
    if TYPES.contains(&t) {
        Ok(t.to_string())
    } else {
        Err(invalid(
            loc,
            name,
            format!("\"{t}\" is not one of {}", TYPES.join(", ")),
        ))
    }
}

/// `rrset_ttl`: absent → None; an integer (or numeric string) within the range.
fn body_ttl(b: &Map<String, J>, field: &str) -> Result<Option<i64>, Fail> {
    let n = match b.get("rrset_ttl") {
        None | Some(J::Null) => return Ok(None),
        Some(J::Number(n)) => n.as_i64(),
        Some(J::String(s)) => s.trim().parse::<i64>().ok(),
        Some(_) => None,
    };
    match n {
        Some(n) if (MIN_TTL..=MAX_TTL).contains(&n) => Ok(Some(n)),
        Some(n) if n < MIN_TTL => Err(invalid(
            "body",
            field,
            format!("{n} is less than minimum value {MIN_TTL}"),
        )),
        Some(n) => Err(invalid(
            "body",
            field,
            format!("{n} is greater than maximum value {MAX_TTL}"),
        )),
        None => Err(invalid("body", field, "rrset_ttl is not a number")),
    }
}

/// A list of values of type `ty` (`key` in the body): validated, normalized, deduplicated.
fn body_values(ty: &str, b: &Map<String, J>, key: &str, field: &str) -> Result<Vec<String>, Fail> {
    let list = match b.get(key) {
        Some(J::Array(a)) => a,
        None | Some(J::Null) => return Err(invalid("body", field, "Required")),
        Some(v) => return Err(invalid("body", field, format!("{v} is not iterable"))),
    };
    let mut out: Vec<String> = Vec::new();
    for v in list {
        let Some(s) = v.as_str() else {
            return Err(invalid("body", field, format!("{v} is not a string")));
        };
        if s.is_empty() || s.len() > MAX_VALUE_LEN || !s.bytes().all(|b| (0x20..=0x7e).contains(&b))
        {
            return Err(invalid(
                "body",
                field,
                format!(
                    "'{s}' does not match '^[\\x20-\\x7E]+$' or is longer than {MAX_VALUE_LEN}"
                ),
            ));
        }
        let n = check_value(ty, s).map_err(|e| invalid("body", field, e))?;
        if !out.contains(&n) {
            out.push(n);
        }
    }
    Ok(out)
}

/// A whole rrset from a body object: `name`/`ty` from the path when given, else from the body.
fn body_rrset(
    zone: &str,
    b: &Map<String, J>,
    name: Option<&str>,
    ty: Option<&str>,
    prefix: &str,
) -> Result<(String, String, RRset), Fail> {
    let name = match name {
        Some(n) => n.to_string(),
        None => norm_name(zone, body_str(b, "rrset_name", "body")?)
            .map_err(|e| invalid("body", &format!("{prefix}rrset_name"), e))?,
    };
    let ty = match ty {
        Some(t) => t.to_string(),
        None => check_type(
            body_str(b, "rrset_type", "body")?,
            "body",
            &format!("{prefix}rrset_type"),
        )?,
    };
    let values = body_values(&ty, b, "rrset_values", &format!("{prefix}rrset_values"))?;
    if values.is_empty() {
        return Err(invalid(
            "body",
            &format!("{prefix}rrset_values"),
            "Shorter than minimum length 1",
        ));
    }
    let ttl = body_ttl(b, &format!("{prefix}rrset_ttl"))?.unwrap_or(DEFAULT_TTL);
    Ok((name, ty, RRset { ttl, values }))
}

/// The zone rules over `names` of `rrsets` (after a write).
fn check_zone(rrsets: &RRsets, names: &BTreeSet<String>, field: &str) -> Result<(), Fail> {
    for name in names {
        let here: Vec<(&str, &RRset)> = rrsets
            .range((name.clone(), String::new())..)
            .take_while(|((n, _), _)| n == name)
            .map(|((_, t), r)| (t.as_str(), r))
            .collect();
        for (ty, r) in &here {
            let bad = |d: String| Err(invalid("body", field, d));
            if matches!(*ty, "CNAME" | "ALIAS" | "DNAME") && r.values.len() > 1 {
                return bad(format!("only one value is allowed for {ty} records"));
            }
            if *ty == "ALIAS" && name != "@" {
                return bad("only '@' is allowed for ALIAS records".into());
            }
            if *ty == "CNAME" && name == "@" {
                return bad("a CNAME record is not allowed at the apex ('@')".into());
            }
            if *ty == "CNAME" && here.len() > 1 {
                let others: Vec<&str> = here
                    .iter()
                    .map(|(t, _)| *t)
                    .filter(|t| *t != "CNAME")
                    .collect();
                return bad(format!(
                    "a CNAME record cannot coexist with other records ({name}: {})",
                    others.join(", ")
                ));
            }
        }
    }
    Ok(())
}

fn href_name(name: &str) -> String {
    if name == "@" {
        "%40".into()
    } else {
        name.into()
    }
}

fn rrset_href(base: &str, fqdn: &str, name: &str, ty: &str) -> String {
    format!(
        "{base}{PREFIX}/domains/{fqdn}/records/{}/{ty}",
        href_name(name)
    )
}

fn rrset_json(base: &str, fqdn: &str, name: &str, ty: &str, r: &RRset) -> J {
    json!({
        "rrset_name": name,
        "rrset_type": ty,
        "rrset_ttl": r.ttl,
        "rrset_values": r.values,
        "rrset_href": rrset_href(base, fqdn, name, ty),
    })
}

fn domain_json(base: &str, fqdn: &str, full: Option<&Domain>) -> J {
    let mut o = json!({
        "fqdn": fqdn,
        "domain_href": format!("{base}{PREFIX}/domains/{fqdn}"),
        "domain_records_href": format!("{base}{PREFIX}/domains/{fqdn}/records"),
    });
    if let Some(d) = full {
        o["domain_keys_href"] = json!(format!("{base}{PREFIX}/domains/{fqdn}/keys"));
        o["automatic_snapshots"] = json!(d.automatic_snapshots);
    }
    o
}

fn default_rrsets() -> RRsets {
    DEFAULT_RRSETS
        .iter()
        .map(|(n, t, v)| {
            (
                (n.to_string(), t.to_string()),
                RRset {
                    ttl: DEFAULT_TTL,
                    values: v.iter().map(|s| s.to_string()).collect(),
                },
            )
        })
        .collect()
}

/// Gandi's hashed nameservers for a domain (`ns-N-a/b/c.gandi.net`).
fn hashed_nameservers(fqdn: &str) -> Vec<String> {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in fqdn.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    ["a", "b", "c"]
        .iter()
        .enumerate()
        .map(|(i, s)| format!("ns-{}-{s}.gandi.net", (h >> (i * 16)) % 250 + 1))
        .collect()
}

/// What a route answers.
enum Out {
    Json(u16, J, Vec<(String, String)>),
    NoContent,
    Text(String),
}

fn created(message: &str, location: Option<String>) -> Out {
    Out::Json(
        201,
        json!({"message": message}),
        location
            .map(|l| ("Location".to_string(), l))
            .into_iter()
            .collect(),
    )
}

impl State {
    /// A record write (`fail_writes_after`): Err once the passes are used up.
    fn write_allowed(&mut self) -> Result<(), Fail> {
        match self.fail_writes.take() {
            Some((0, status, msg)) => Err(Fail::Api(status, msg)),
            Some((n, status, msg)) => {
                self.fail_writes = Some((n - 1, status, msg));
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Count a request: Err(seconds to wait) past the limit.
    fn take(&mut self) -> Result<(), u64> {
        let (limit, window) = self.rate;
        let now = Instant::now();
        while self
            .hits
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            self.hits.pop_front();
        }
        if self.hits.len() as u64 >= limit as u64 {
            let oldest = self.hits.front().copied().unwrap_or(now);
            let wait = window.saturating_sub(now.duration_since(oldest));
            return Err((wait.as_secs_f64().ceil() as u64).max(1));
        }
        self.hits.push_back(now);
        Ok(())
    }

    fn domain(&self, fqdn: &str) -> Result<&Domain, Fail> {
        self.domains.get(fqdn).ok_or_else(not_found)
    }

    /// Apply `f` to a copy of the domain's rrsets, check the zone rules over the names `f`
    /// reports, and keep the result.
    fn edit(
        &mut self,
        fqdn: &str,
        field: &str,
        f: impl FnOnce(&mut RRsets) -> Result<BTreeSet<String>, Fail>,
    ) -> Result<(), Fail> {
        let d = self.domains.get_mut(fqdn).ok_or_else(not_found)?;
        let mut next = d.rrsets.clone();
        let names = f(&mut next)?;
        check_zone(&next, &names, field)?;
        d.rrsets = next;
        Ok(())
    }
}

fn body_object(req: &Request) -> Result<Map<String, J>, Fail> {
    if header(req, "content-type").is_some_and(|c| c.starts_with("text/plain")) {
        return Err(invalid(
            "body",
            "",
            "this fake does not take text/plain zone files",
        ));
    }
    match serde_json::from_slice::<J>(&req.body) {
        Ok(J::Object(m)) => Ok(m),
        _ => Err(invalid("body", "", "Invalid JSON")),
    }
}

fn pos_int(req: &Request, key: &str) -> Result<Option<usize>, Fail> {
    match query(req, key) {
        None => Ok(None),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(Some(n)),
            _ => Err(invalid(
                "querystring",
                key,
                format!("{v} is less than minimum value 1 or not a number"),
            )),
        },
    }
}

/// `scheme://host` of the request (the HTTPS proxy keeps `Host: api.gandi.net`).
fn base_url(req: &Request) -> String {
    let host = header(req, "host").unwrap_or_else(|| "127.0.0.1".into());
    let loopback = ["127.", "localhost", "[::1]"]
        .iter()
        .any(|p| host.starts_with(p));
    let scheme = header(req, "x-forwarded-proto")
        .unwrap_or_else(|| if loopback { "http" } else { "https" }.into());
    format!("{scheme}://{host}")
}

/// The absolute URL of page `n` of this listing (its other parameters kept).
fn page_url(req: &Request, base: &str, n: usize) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("page", &n.to_string());
    for (k, v) in req.url.query_pairs().filter(|(k, _)| k != "page") {
        q.append_pair(&k, &v);
    }
    format!("{base}{}?{}", req.url.path(), q.finish())
}

/// One page of `items`, and the paging headers.
fn paged(req: &Request, base: &str, items: Vec<J>) -> Result<Out, Fail> {
    let page = pos_int(req, "page")?.unwrap_or(1);
    let per_page = pos_int(req, "per_page")?;
    let total = items.len();
    let per = per_page.unwrap_or(total.max(1));
    let pages = total.div_ceil(per).max(1);
    let start = (page - 1).saturating_mul(per).min(total);
    let end = (start + per).min(total);
    let slice = items[start..end].to_vec();
    let mut headers = vec![
        ("Total-Count".to_string(), total.to_string()),
        ("Filtered-Count".to_string(), slice.len().to_string()),
    ];
    if page < pages {
        headers.push((
            "Link".into(),
            format!(
                "<{}>; rel=\"next\", <{}>; rel=\"last\"",
                page_url(req, base, page + 1),
                page_url(req, base, pages)
            ),
        ));
    }
    Ok(Out::Json(200, J::Array(slice), headers))
}

fn path_type(t: &str) -> Result<String, Fail> {
    check_type(t, "path", "rrset_type")
}

fn path_name(zone: &str, n: &str) -> Result<String, Fail> {
    norm_name(zone, n).map_err(|e| invalid("path", "rrset_name", e))
}

fn is_write(method: &str) -> bool {
    matches!(method, "POST" | "PUT" | "PATCH" | "DELETE")
}

fn route(st: &mut State, req: &Request, base: &str) -> Result<Out, Fail> {
    let path = req.url.path().to_string();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return Err(not_found());
    };
    let segs: Vec<String> = rest
        .split('/')
        .skip(1)
        .filter(|s| !s.is_empty())
        .map(pct_decode)
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let method = req.method.as_str();
    let fqdn = segs
        .get(1)
        .map(|s| s.to_ascii_lowercase())
        .unwrap_or_default();
    let z = fqdn.as_str();
    // a record route of a domain on LiveDNS, and the write to count
    if segs.len() >= 3 && segs[0] == "domains" && segs[2] == "records" {
        st.domain(z)?;
        if is_write(method) && segs.len() <= 5 {
            st.write_allowed()?;
        }
    }
    let listing = |st: &State, name: Option<&str>| -> Vec<J> {
        st.domains[z]
            .rrsets
            .iter()
            .filter(|((n, _), _)| name.is_none_or(|w| n == w))
            .map(|((n, t), r)| rrset_json(base, z, n, t, r))
            .collect()
    };
    match (method, segs.as_slice()) {
        ("GET", ["dns", "rrtypes"]) => Ok(Out::Json(200, json!(TYPES), vec![])),
        ("GET", ["domains"]) => {
            let list = st
                .domains
                .keys()
                .map(|f| domain_json(base, f, None))
                .collect();
            paged(req, base, list)
        }
        ("POST", ["domains"]) => {
            let b = body_object(req)?;
            let f = norm_zone(body_str(&b, "fqdn", "body")?);
            if st.domains.contains_key(&f) {
                return Err(Fail::Api(
                    409,
                    format!("The domain {f} is already on LiveDNS"),
                ));
            }
            if !st.registered.contains(&f) {
                return Err(not_found());
            }
            let rrsets = match b.get("zone").and_then(|z| z.get("items")) {
                None | Some(J::Null) => default_rrsets(),
                Some(J::Array(items)) => {
                    let mut m = RRsets::new();
                    for (i, it) in items.iter().enumerate() {
                        let o = it
                            .as_object()
                            .ok_or_else(|| invalid("body", "zone.items", "not an object"))?;
                        let (n, t, r) = body_rrset(&f, o, None, None, &format!("zone.items.{i}."))?;
                        m.insert((n, t), r);
                    }
                    let names = m.keys().map(|(n, _)| n.clone()).collect();
                    check_zone(&m, &names, "zone.items")?;
                    m
                }
                Some(v) => {
                    return Err(invalid(
                        "body",
                        "zone.items",
                        format!("{v} is not iterable"),
                    ));
                }
            };
            st.registered.remove(&f);
            st.domains.insert(
                f.clone(),
                Domain {
                    rrsets,
                    automatic_snapshots: true,
                },
            );
            Ok(created(
                "Domain Created",
                Some(format!("{base}{PREFIX}/domains/{f}")),
            ))
        }
        ("GET", ["domains", _]) => {
            let d = st.domain(z)?;
            Ok(Out::Json(200, domain_json(base, z, Some(d)), vec![]))
        }
        ("PATCH", ["domains", _]) => {
            st.domain(z)?;
            let b = body_object(req)?;
            match b.get("automatic_snapshots") {
                None => {}
                Some(J::Bool(v)) => st.domains.get_mut(z).unwrap().automatic_snapshots = *v,
                Some(v) => {
                    return Err(invalid(
                        "body",
                        "automatic_snapshots",
                        format!("{v} is not a boolean"),
                    ));
                }
            }
            Ok(Out::Json(200, json!({"message": "Domain updated"}), vec![]))
        }
        ("GET", ["domains", _, "nameservers"]) => {
            let d = st.domain(z)?;
            let ns = match d.rrsets.get(&("@".to_string(), "NS".to_string())) {
                Some(r) => r
                    .values
                    .iter()
                    .map(|v| v.trim_end_matches('.').to_string())
                    .collect(),
                None => hashed_nameservers(z),
            };
            Ok(Out::Json(200, json!(ns), vec![]))
        }
        ("GET", ["domains", _, "records"]) => {
            let ty = match query(req, "rrset_type") {
                Some(t) => Some(check_type(&t, "querystring", "rrset_type")?),
                None => None,
            };
            let mut list: Vec<J> = listing(&*st, None)
                .into_iter()
                .filter(|r| ty.as_ref().is_none_or(|t| r["rrset_type"] == t.as_str()))
                .collect();
            let sort = query(req, "sort_by").unwrap_or_else(|| "rrset_name".into());
            let (desc, key) = match sort.strip_prefix('-') {
                Some(k) => (true, k.to_string()),
                None => (false, sort.clone()),
            };
            if !["rrset_name", "rrset_type", "rrset_ttl"].contains(&key.as_str()) {
                return Err(invalid(
                    "querystring",
                    "sort_by",
                    format!("\"{sort}\" is not a valid sort key"),
                ));
            }
            let sort_key = |r: &J| {
                let primary = match key.as_str() {
                    "rrset_ttl" => format!("{:012}", r["rrset_ttl"].as_i64().unwrap_or(0)),
                    k => r[k].as_str().unwrap_or_default().to_string(),
                };
                let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
                (primary, s("rrset_name"), s("rrset_type"))
            };
            list.sort_by(|a, b| {
                let o = sort_key(a).cmp(&sort_key(b));
                if desc { o.reverse() } else { o }
            });
            if header(req, "accept").is_some_and(|a| a.starts_with("text/plain")) {
                let mut text = String::new();
                for r in &list {
                    for v in r["rrset_values"].as_array().unwrap() {
                        text.push_str(&format!(
                            "{} {} IN {} {}\n",
                            r["rrset_name"].as_str().unwrap(),
                            r["rrset_ttl"],
                            r["rrset_type"].as_str().unwrap(),
                            v.as_str().unwrap()
                        ));
                    }
                }
                return Ok(Out::Text(text));
            }
            paged(req, base, list)
        }
        ("POST", ["domains", _, "records"]) => {
            let b = body_object(req)?;
            let (name, ty, r) = body_rrset(z, &b, None, None, "")?;
            let key = (name.clone(), ty.clone());
            st.edit(z, "rrset_type", |m| {
                if m.contains_key(&key) {
                    return Err(Fail::Api(409, MSG_409.into()));
                }
                m.insert(key.clone(), r);
                Ok(BTreeSet::from([name.clone()]))
            })?;
            Ok(created(
                "DNS Record Created",
                Some(rrset_href(base, z, &name, &ty)),
            ))
        }
        ("PUT", ["domains", _, "records"]) => {
            let b = body_object(req)?;
            let items = match b.get("items") {
                Some(J::Array(a)) => a.clone(),
                None | Some(J::Null) => return Err(invalid("body", "items", "Required")),
                Some(v) => return Err(invalid("body", "items", format!("{v} is not iterable"))),
            };
            let mut m = RRsets::new();
            for (i, it) in items.iter().enumerate() {
                let o = it
                    .as_object()
                    .ok_or_else(|| invalid("body", "items", "not an object"))?;
                let (n, t, r) = body_rrset(z, o, None, None, &format!("items.{i}."))?;
                if m.insert((n.clone(), t.clone()), r).is_some() {
                    return Err(invalid("body", "items", format!("duplicate rrset {n}/{t}")));
                }
            }
            st.edit(z, "items", |all| {
                *all = m;
                Ok(all.keys().map(|(n, _)| n.clone()).collect())
            })?;
            Ok(created("DNS Record Created", None))
        }
        ("DELETE", ["domains", _, "records"]) => {
            st.domains.get_mut(z).unwrap().rrsets.clear();
            Ok(Out::NoContent)
        }
        ("GET", ["domains", _, "records", n]) => {
            let name = path_name(z, n)?;
            let list = listing(&*st, Some(&name));
            if list.is_empty() {
                return Err(not_found());
            }
            Ok(Out::Json(200, J::Array(list), vec![]))
        }
        ("POST", ["domains", _, "records", n]) => {
            let name = path_name(z, n)?;
            let b = body_object(req)?;
            let (_, ty, r) = body_rrset(z, &b, Some(&name), None, "")?;
            let key = (name.clone(), ty.clone());
            st.edit(z, "rrset_type", |m| {
                if m.contains_key(&key) {
                    return Err(Fail::Api(409, MSG_409.into()));
                }
                m.insert(key.clone(), r);
                Ok(BTreeSet::from([name.clone()]))
            })?;
            Ok(created(
                "DNS Record Created",
                Some(rrset_href(base, z, &name, &ty)),
            ))
        }
        ("PUT", ["domains", _, "records", n]) => {
            let name = path_name(z, n)?;
            let b = body_object(req)?;
            let items = match b.get("items") {
                Some(J::Array(a)) => a.clone(),
                None | Some(J::Null) => return Err(invalid("body", "items", "Required")),
                Some(v) => return Err(invalid("body", "items", format!("{v} is not iterable"))),
            };
            let mut sets = Vec::new();
            for (i, it) in items.iter().enumerate() {
                let o = it
                    .as_object()
                    .ok_or_else(|| invalid("body", "items", "not an object"))?;
                let (_, t, r) = body_rrset(z, o, Some(&name), None, &format!("items.{i}."))?;
                if sets.iter().any(|(t2, _)| *t2 == t) {
                    return Err(invalid(
                        "body",
                        "items",
                        format!("duplicate rrset {name}/{t}"),
                    ));
                }
                sets.push((t, r));
            }
            st.edit(z, "items", |m| {
                m.retain(|(n2, _), _| *n2 != name);
                for (t, r) in sets {
                    m.insert((name.clone(), t), r);
                }
                Ok(BTreeSet::from([name.clone()]))
            })?;
            Ok(created("DNS Record Created", None))
        }
        ("DELETE", ["domains", _, "records", n]) => {
            let name = path_name(z, n)?;
            let d = st.domains.get_mut(z).unwrap();
            let before = d.rrsets.len();
            d.rrsets.retain(|(n2, _), _| *n2 != name);
            if d.rrsets.len() == before {
                return Err(not_found());
            }
            Ok(Out::NoContent)
        }
        ("GET", ["domains", _, "records", n, t]) => {
            let (name, ty) = (path_name(z, n)?, path_type(t)?);
            let r = st.domains[z]
                .rrsets
                .get(&(name.clone(), ty.clone()))
                .ok_or_else(not_found)?;
            Ok(Out::Json(200, rrset_json(base, z, &name, &ty, r), vec![]))
        }
        ("POST" | "PUT", ["domains", _, "records", n, t]) => {
            let (name, ty) = (path_name(z, n)?, path_type(t)?);
            let b = body_object(req)?;
            let (_, _, r) = body_rrset(z, &b, Some(&name), Some(&ty), "")?;
            let key = (name.clone(), ty.clone());
            let overwrite = method == "PUT";
            st.edit(z, "rrset_values", |m| {
                if !overwrite && m.contains_key(&key) {
                    return Err(Fail::Api(409, MSG_409.into()));
                }
                m.insert(key.clone(), r);
                Ok(BTreeSet::from([name.clone()]))
            })?;
            let location = (!overwrite).then(|| rrset_href(base, z, &name, &ty));
            Ok(created("DNS Record Created", location))
        }
        ("PATCH", ["domains", _, "records", n, t]) => {
            let (name, ty) = (path_name(z, n)?, path_type(t)?);
            let key = (name.clone(), ty.clone());
            if !st.domains[z].rrsets.contains_key(&key) {
                return Err(not_found());
            }
            let b = body_object(req)?;
            let add = match b.get("add_rrset_values") {
                None => vec![],
                Some(_) => body_values(&ty, &b, "add_rrset_values", "add_rrset_values")?,
            };
            let remove = match b.get("remove_rrset_values") {
                None => vec![],
                Some(_) => body_values(&ty, &b, "remove_rrset_values", "remove_rrset_values")?,
            };
            let ttl = body_ttl(&b, "rrset_ttl")?;
            st.edit(z, "add_rrset_values", |m| {
                let r = m.get_mut(&key).unwrap();
                r.values.retain(|v| !remove.contains(v));
                for v in add {
                    if !r.values.contains(&v) {
                        r.values.push(v);
                    }
                }
                if let Some(ttl) = ttl {
                    r.ttl = ttl;
                }
                if r.values.is_empty() {
                    return Err(invalid(
                        "body",
                        "remove_rrset_values",
                        "an rrset cannot be left without values",
                    ));
                }
                Ok(BTreeSet::from([name.clone()]))
            })?;
            let r = &st.domains[z].rrsets[&key];
            Ok(Out::Json(200, rrset_json(base, z, &name, &ty, r), vec![]))
        }
        ("DELETE", ["domains", _, "records", n, t]) => {
            let (name, ty) = (path_name(z, n)?, path_type(t)?);
            st.domains
                .get_mut(z)
                .unwrap()
                .rrsets
                .remove(&(name, ty))
                .ok_or_else(not_found)?;
            Ok(Out::NoContent)
        }
        (_, ["dns", "rrtypes"] | ["domains"] | ["domains", _] | ["domains", _, "nameservers"])
        | (_, ["domains", _, "records"] | ["domains", _, "records", _])
        | (_, ["domains", _, "records", _, _]) => Err(Fail::Api(
            405,
            format!("The method {method} is not allowed for this resource."),
        )),
        _ => Err(not_found()),
    }
}

struct Fake {
    state: Arc<Mutex<State>>,
}

fn answer(f: Fail) -> ResponseTemplate {
    let (status, body) = fail_body(&f);
    ResponseTemplate::new(status).set_body_json(body)
}

impl Respond for Fake {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let q = req.url.query().map(|q| format!("?{q}")).unwrap_or_default();
        st.log.push(format!("{} {}{q}", req.method, req.url.path()));
        if let Err(wait) = st.take() {
            return answer(Fail::Api(429, MSG_429.into()))
                .insert_header("Retry-After", wait.to_string().as_str());
        }
        let method = req.method.as_str().to_string();
        // the generic (hashed) nameservers route is not authenticated
        if let Some(f) = req
            .url
            .path()
            .strip_prefix(&format!("{PREFIX}/nameservers/"))
        {
            return if method == "GET" {
                ResponseTemplate::new(200)
                    .set_body_json(hashed_nameservers(&norm_zone(&pct_decode(f))))
            } else {
                answer(Fail::Api(
                    405,
                    format!("The method {method} is not allowed for this resource."),
                ))
            };
        }
        let auth = header(req, "authorization").unwrap_or_default();
        let (scheme, cred) = auth
            .split_once(' ')
            .map(|(s, c)| (s.to_ascii_lowercase(), c.trim().to_string()))
            .unwrap_or_default();
        let can_write = match (scheme.as_str(), cred.as_str()) {
            ("bearer", GANDI_TOKEN) | ("apikey", GANDI_APIKEY) => true,
            ("bearer", GANDI_READ_TOKEN) => false,
            ("bearer", _) => return answer(Fail::Api(403, MSG_403.into())),
            _ => return answer(Fail::Api(401, MSG_401.into())),
        };
        if !can_write && method != "GET" {
            return answer(Fail::Api(403, MSG_403.into()));
        }
        let base = base_url(req);
        match route(&mut st, req, &base) {
            Ok(Out::Json(status, body, headers)) => {
                let mut t = ResponseTemplate::new(status).set_body_json(body);
                for (k, v) in headers {
                    t = t.insert_header(k.as_str(), v.as_str());
                }
                t
            }
            Ok(Out::NoContent) => ResponseTemplate::new(204),
            Ok(Out::Text(s)) => {
                ResponseTemplate::new(200).set_body_raw(s.into_bytes(), "text/plain; charset=utf-8")
            }
            Err(f) => answer(f),
        }
    }
}

/// A running fake.
pub struct GandiFake {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    state: Arc<Mutex<State>>,
    _server: MockServer,
}

/// One fake for the whole test binary.
pub fn gandi() -> &'static GandiFake {
    static FAKE: OnceLock<GandiFake> = OnceLock::new();
    FAKE.get_or_init(GandiFake::start)
}

fn fail_panic(f: Fail) -> ! {
    let (status, body) = fail_body(&f);
    panic!("the fake refuses: {status} {body}")
}

impl GandiFake {
    pub fn start() -> GandiFake {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let server = rt.block_on(MockServer::builder().disable_request_recording().start());
        let url = server.uri();
        let state = Arc::new(Mutex::new(State {
            domains: BTreeMap::new(),
            registered: BTreeSet::new(),
            rate: DEFAULT_RATE,
            hits: VecDeque::new(),
            log: Vec::new(),
            fail_writes: None,
        }));
        rt.block_on(
            Mock::given(any())
                .respond_with(Fake {
                    state: state.clone(),
                })
                .mount(&server),
        );
        GandiFake {
            url,
            state,
            _server: server,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `http://127.0.0.1:PORT/v5/livedns`
    pub fn api_url(&self) -> String {
        format!("{}{PREFIX}", self.url)
    }

    /// The port the fake listens on (for the HTTPS proxy's upstream).
    pub fn port(&self) -> u16 {
        self.url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("a port")
    }

    /// Forget a domain (any case, with or without the final dot): it is then neither on
    /// LiveDNS nor at Gandi. Clears the request log, the rate counter and any
    /// `fail_writes_after` (a rate set stays).
    pub fn reset_zone(&self, zone: &str) {
        let mut st = self.lock();
        let z = norm_zone(zone);
        st.domains.remove(&z);
        st.registered.remove(&z);
        st.log.clear();
        st.hits.clear();
        st.fail_writes = None;
    }

    /// The domain exists at Gandi and on LiveDNS with Gandi's default records
    /// (`DEFAULT_RRSETS`), replacing whatever the fake held for it.
    pub fn create_zone(&self, zone: &str) {
        self.insert_domain(zone, default_rrsets());
    }

    /// The domain exists on LiveDNS without any record.
    #[allow(dead_code)]
    pub fn create_bare_zone(&self, zone: &str) {
        self.insert_domain(zone, RRsets::new());
    }

    fn insert_domain(&self, zone: &str, rrsets: RRsets) {
        let z = norm_zone(zone);
        assert!(
            is_host(&format!("{z}."), false),
            "not a domain name: {zone}"
        );
        let mut st = self.lock();
        st.registered.remove(&z);
        st.domains.insert(
            z,
            Domain {
                rrsets,
                automatic_snapshots: true,
            },
        );
    }

    /// The domain exists at Gandi but is not on LiveDNS: `POST /v5/livedns/domains` adds it.
    #[allow(dead_code)]
    pub fn register_domain(&self, zone: &str) {
        let z = norm_zone(zone);
        let mut st = self.lock();
        st.domains.remove(&z);
        st.registered.insert(z);
    }

    /// On LiveDNS.
    pub fn zone_exists(&self, zone: &str) -> bool {
        self.lock().domains.contains_key(&norm_zone(zone))
    }

    /// Every rrset of a domain as `GET …/records` lists them (by name, then type).
    pub fn records(&self, zone: &str) -> Vec<J> {
        let z = norm_zone(zone);
        self.lock()
            .domains
            .get(&z)
            .map(|d| {
                d.rrsets
                    .iter()
                    .map(|((n, t), r)| rrset_json(&self.url, &z, n, t, r))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Create or overwrite an rrset behind the client's back, validated as `PUT
    /// …/records/{name}/{type}` is (`name` relative or `@`); the rrset as listed. Panics if
    /// the API would refuse it.
    pub fn put_rrset(&self, zone: &str, name: &str, ty: &str, ttl: i64, values: &[&str]) -> J {
        let z = norm_zone(zone);
        let parsed = norm_name(&z, name)
            .map_err(|e| invalid("path", "rrset_name", e))
            .and_then(|name| Ok((name, path_type(ty)?)))
            .and_then(|(name, ty)| {
                let b = json!({"rrset_values": values, "rrset_ttl": ttl});
                let (_, _, r) = body_rrset(&z, b.as_object().unwrap(), Some(&name), Some(&ty), "")?;
                Ok((name, ty, r))
            });
        let (name, ty, r) = parsed.unwrap_or_else(|f| fail_panic(f));
        let key = (name.clone(), ty.clone());
        let stored = {
            let mut st = self.lock();
            assert!(st.domains.contains_key(&z), "domain {z} not in the fake");
            st.edit(&z, "rrset_values", |m| {
                m.insert(key.clone(), r);
                Ok(BTreeSet::from([name.clone()]))
            })
            .map(|()| st.domains[&z].rrsets[&key].clone())
        };
        let r = stored.unwrap_or_else(|f| fail_panic(f));
        rrset_json(&self.url, &z, &name, &ty, &r)
    }

    /// Remove an rrset behind the client's back (nothing if absent).
    pub fn delete_rrset(&self, zone: &str, name: &str, ty: &str) {
        if let Some(d) = self.lock().domains.get_mut(&norm_zone(zone)) {
            d.rrsets
                .remove(&(name.to_ascii_lowercase(), ty.to_string()));
        }
    }

    /// Requests made so far (`METHOD path?query`), since the last reset.
    pub fn requests(&self) -> Vec<String> {
        self.lock().log.clone()
    }

    #[allow(dead_code)]
    pub fn clear_requests(&self) {
        self.lock().log.clear();
    }

    /// At most `limit` requests in any `window` (each request counts for `window` after it
    /// is made); the counter restarts.
    pub fn set_rate(&self, limit: u32, window: Duration) {
        let mut st = self.lock();
        st.rate = (limit, window);
        st.hits.clear();
    }

    /// Back to the default rate (never reached).
    #[allow(dead_code)]
    pub fn reset_rate(&self) {
        self.set_rate(DEFAULT_RATE.0, DEFAULT_RATE.1);
    }

    /// Let `pass` record writes (POST, PUT, PATCH, DELETE under `…/records`) through, then
    /// refuse the next one with `status` and `message` (once).
    pub fn fail_writes_after(&self, pass: usize, status: u16, message: &str) {
        self.lock().fail_writes = Some((pass, status, message.to_string()));
    }
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Resp {
    fn json(&self) -> J {
        serde_json::from_str(&self.body).unwrap_or(J::Null)
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A plain-HTTP client for the self-tests.
struct Http {
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
}

impl Http {
    fn new() -> Http {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Http {
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            client: reqwest::Client::builder().no_proxy().build().unwrap(),
        }
    }

    /// `auth`: the whole `Authorization` value.
    fn send(
        &self,
        method: &str,
        url: &str,
        auth: Option<&str>,
        body: Option<J>,
        extra: &[(&str, &str)],
    ) -> Resp {
        self.rt.block_on(async {
            let mut r = self
                .client
                .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url);
            if let Some(a) = auth {
                r = r.header("authorization", a);
            }
            for (k, v) in extra {
                r = r.header(*k, *v);
            }
            if let Some(b) = body {
                r = r
                    .header("content-type", "application/json")
                    .body(b.to_string());
            }
            let resp = r.send().await.expect("the fake answers");
            let status = resp.status().as_u16();
            let headers = resp
                .headers()
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                .collect();
            let body = resp.text().await.unwrap();
            Resp {
                status,
                headers,
                body,
            }
        })
    }
}

/// A fake of its own and a client.
struct Env {
    fake: GandiFake,
    http: Http,
}

fn bearer() -> String {
    format!("Bearer {GANDI_TOKEN}")
}

impl Env {
    fn new() -> Env {
        Env {
            fake: GandiFake::start(),
            http: Http::new(),
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<J>) -> Resp {
        let url = format!("{}{path}", self.fake.api_url());
        self.http.send(method, &url, Some(&bearer()), body, &[])
    }

    /// POST an rrset to `zone`.
    fn post(&self, zone: &str, body: J) -> Resp {
        self.call("POST", &format!("/domains/{zone}/records"), Some(body))
    }

    /// `(name, type, ttl, values)` of every rrset the fake holds.
    fn held(&self, zone: &str) -> Vec<(String, String, i64, Vec<String>)> {
        self.fake
            .records(zone)
            .iter()
            .map(|r| {
                (
                    r["rrset_name"].as_str().unwrap().to_string(),
                    r["rrset_type"].as_str().unwrap().to_string(),
                    r["rrset_ttl"].as_i64().unwrap(),
                    r["rrset_values"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_str().unwrap().to_string())
                        .collect(),
                )
            })
            .collect()
    }
}

fn err(status: u16, object: &str, cause: &str, message: &str) -> J {
    json!({"code": status, "message": message, "object": object, "cause": cause})
}

#[test]
fn gandi_fake_shared_and_helpers() {
    let f = gandi();
    assert!(std::ptr::eq(f, gandi()));
    assert_eq!(
        f.api_url(),
        format!("http://127.0.0.1:{}/v5/livedns", f.port())
    );
    let zone = "helpers.gandi-fake.example.";
    f.reset_zone(zone);
    assert!(!f.zone_exists(zone));
    f.create_zone(zone);
    assert!(f.zone_exists("HELPERS.gandi-fake.example"));
    let listed = f.records(zone);
    assert_eq!(listed.len(), 4);
    assert_eq!(
        listed[0],
        json!({
            "rrset_name": "@", "rrset_type": "A", "rrset_ttl": 10800,
            "rrset_values": ["217.70.184.38"],
            "rrset_href": format!("{}/domains/helpers.gandi-fake.example/records/%40/A", f.api_url()),
        })
    );
    let kinds: Vec<(&str, &str)> = listed
        .iter()
        .map(|r| {
            (
                r["rrset_name"].as_str().unwrap(),
                r["rrset_type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [("@", "A"), ("@", "MX"), ("@", "TXT"), ("www", "CNAME")]
    );
    let r = f.put_rrset(zone, "Mail", "TXT", 600, &["hello world", "hello world"]);
    assert_eq!(r["rrset_name"], "mail");
    assert_eq!(r["rrset_values"], json!(["\"hello world\""]));
    f.delete_rrset(zone, "mail", "TXT");
    f.delete_rrset(zone, "nothing", "A");
    assert_eq!(f.records(zone).len(), 4);
    let refused =
        std::panic::catch_unwind(|| gandi().put_rrset(zone, "x", "A", 60, &["192.0.2.1"]));
    assert!(refused.is_err(), "a TTL under 300 is refused");
    f.create_bare_zone(zone);
    assert!(f.records(zone).is_empty() && f.zone_exists(zone));
    f.reset_zone(zone);
    assert!(!f.zone_exists(zone) && f.records(zone).is_empty() && f.requests().is_empty());
}

#[test]
fn gandi_fake_auth() {
    let e = Env::new();
    e.fake.create_zone("auth.example");
    let url = format!("{}/domains/auth.example", e.fake.api_url());
    let send = |auth: Option<&str>, method: &str| {
        let body = (method != "GET")
            .then(|| json!({"rrset_name": "w", "rrset_type": "A", "rrset_values": ["192.0.2.1"]}));
        let u = if method == "GET" {
            url.clone()
        } else {
            format!("{url}/records")
        };
        e.http.send(method, &u, auth, body, &[])
    };
    let none = send(None, "GET");
    assert_eq!(none.status, 401);
    assert_eq!(
        none.json(),
        err(401, "HTTPUnauthorized", "Unauthorized", MSG_401)
    );
    assert_eq!(send(Some("Basic dXNlcjpwYXNz"), "GET").status, 401);
    let wrong_key = send(Some("Apikey not-the-key"), "GET");
    assert_eq!(wrong_key.status, 401);
    let wrong_pat = send(
        Some("Bearer pat_00000000-0000-0000-0000-000000000000"),
        "GET",
    );
    assert_eq!(wrong_pat.status, 403);
    assert_eq!(
        wrong_pat.json(),
        json!({"code": 403, "message": "Access was denied to this resource.",
               "object": "HTTPForbidden", "cause": "Forbidden"})
    );
    assert_eq!(
        send(Some(&format!("Apikey {GANDI_APIKEY}")), "GET").status,
        200
    );
    assert_eq!(
        send(Some(&format!("bearer {GANDI_TOKEN}")), "GET").status,
        200
    );
    let read = format!("Bearer {GANDI_READ_TOKEN}");
    assert_eq!(send(Some(&read), "GET").status, 200);
    let w = send(Some(&read), "POST");
    assert_eq!(
        (w.status, &w.json()["object"]),
        (403, &json!("HTTPForbidden"))
    );
    assert_eq!(send(Some(&bearer()), "POST").status, 201);
    // the generic nameservers route needs no credentials
    let ns = e.http.send(
        "GET",
        &format!("{}/nameservers/auth.example", e.fake.api_url()),
        None,
        None,
        &[],
    );
    assert_eq!(ns.status, 200);
    assert_eq!(ns.json(), json!(hashed_nameservers("auth.example")));
}

#[test]
fn gandi_fake_domains() {
    let e = Env::new();
    e.fake.create_zone("b.example");
    e.fake.create_zone("a.example.");
    let list = e.call("GET", "/domains", None);
    assert_eq!(list.status, 200);
    assert_eq!(list.header("total-count"), Some("2"));
    let base = e.fake.api_url();
    assert_eq!(
        list.json()[0],
        json!({"fqdn": "a.example", "domain_href": format!("{base}/domains/a.example"),
               "domain_records_href": format!("{base}/domains/a.example/records")})
    );
    let one = e.call("GET", "/domains/A.example", None).json();
    assert_eq!(
        one["domain_keys_href"],
        format!("{base}/domains/a.example/keys")
    );
    assert_eq!(one["automatic_snapshots"], true);
    let p = e.call(
        "PATCH",
        "/domains/a.example",
        Some(json!({"automatic_snapshots": false})),
    );
    assert_eq!(p.status, 200);
    assert_eq!(
        e.call("GET", "/domains/a.example", None).json()["automatic_snapshots"],
        false
    );
    // a domain LiveDNS does not hold: 404 everywhere
    let missing = err(404, "HTTPNotFound", "Not Found", MSG_404);
    for (m, path) in [
        ("GET", "/domains/nope.example"),
        ("GET", "/domains/nope.example/records"),
        ("GET", "/domains/nope.example/records/www/A"),
        ("DELETE", "/domains/nope.example/records/www/A"),
        ("GET", "/domains/nope.example/nameservers"),
    ] {
        let r = e.call(m, path, None);
        assert_eq!((r.status, r.json()), (404, missing.clone()), "{m} {path}");
    }
    let r = e.post(
        "nope.example",
        json!({"rrset_name": "w", "rrset_type": "A", "rrset_values": ["192.0.2.1"]}),
    );
    assert_eq!(r.status, 404);
    // LiveDNS adds domains that exist at Gandi, and only those
    let add = |fqdn: &str, zone: Option<J>| {
        let mut b = json!({"fqdn": fqdn});
        if let Some(z) = zone {
            b["zone"] = z;
        }
        e.call("POST", "/domains", Some(b))
    };
    assert_eq!(add("unregistered.example", None).status, 404);
    assert_eq!(add("a.example", None).status, 409);
    e.fake.register_domain("new.example");
    assert!(!e.fake.zone_exists("new.example"));
    assert_eq!(e.call("GET", "/domains/new.example", None).status, 404);
    let c = add("new.example", None);
    assert_eq!(c.status, 201, "{}", c.body);
    assert_eq!(c.json(), json!({"message": "Domain Created"}));
    assert_eq!(
        c.header("location"),
        Some(format!("{base}/domains/new.example").as_str())
    );
    assert_eq!(e.fake.records("new.example").len(), DEFAULT_RRSETS.len());
    e.fake.register_domain("items.example");
    let items =
        json!({"items": [{"rrset_name": "@", "rrset_type": "A", "rrset_values": ["192.0.2.1"]}]});
    assert_eq!(add("items.example", Some(items)).status, 201);
    assert_eq!(
        e.held("items.example"),
        [("@".into(), "A".into(), 10800, vec!["192.0.2.1".into()])]
    );
    // nameservers: hashed, unless the zone has apex NS records
    let ns = e.call("GET", "/domains/a.example/nameservers", None).json();
    let ns: Vec<&str> = ns
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(ns.len(), 3);
    assert!(
        ns.iter()
            .zip(["a", "b", "c"])
            .all(|(n, s)| n.starts_with("ns-") && n.ends_with(&format!("-{s}.gandi.net"))),
        "{ns:?}"
    );
    e.fake.put_rrset(
        "a.example",
        "@",
        "NS",
        3600,
        &["ns1.example.net.", "ns2.example.net."],
    );
    assert_eq!(
        e.call("GET", "/domains/a.example/nameservers", None).json(),
        json!(["ns1.example.net", "ns2.example.net"])
    );
    let types = e.call("GET", "/dns/rrtypes", None).json();
    assert_eq!(types.as_array().unwrap().len(), 25);
    assert_eq!(e.call("DELETE", "/domains/a.example", None).status, 405);
    assert_eq!(e.call("GET", "/zones", None).status, 404);
}

#[test]
fn gandi_fake_record_routes() {
    let e = Env::new();
    let z = "crud.example";
    e.fake.create_bare_zone(z);
    let base = format!("{}/domains/{z}/records", e.fake.api_url());
    let c = e.post(z, json!({"rrset_name": "WWW", "rrset_type": "A", "rrset_ttl": 600, "rrset_values": ["192.0.2.1"]}));
    assert_eq!(c.status, 201, "{}", c.body);
    assert_eq!(c.json(), json!({"message": "DNS Record Created"}));
    assert_eq!(c.header("location"), Some(format!("{base}/www/A").as_str()));
    let again = e.post(
        z,
        json!({"rrset_name": "www", "rrset_type": "A", "rrset_values": ["192.0.2.2"]}),
    );
    assert_eq!(again.status, 409);
    assert_eq!(again.json(), err(409, "HTTPConflict", "Conflict", MSG_409));
    let g = e.call("GET", &format!("/domains/{z}/records/www/A"), None);
    assert_eq!(
        g.json(),
        json!({"rrset_name": "www", "rrset_type": "A", "rrset_ttl": 600,
               "rrset_values": ["192.0.2.1"], "rrset_href": format!("{base}/www/A")})
    );
    // PUT overwrites; without rrset_ttl the TTL is back to 10800
    let u = e.call(
        "PUT",
        &format!("/domains/{z}/records/www/A"),
        Some(json!({"rrset_values": ["192.0.2.3", "192.0.2.4"]})),
    );
    assert_eq!(
        (u.status, u.json()),
        (201, json!({"message": "DNS Record Created"}))
    );
    assert_eq!(
        e.held(z),
        [(
            "www".into(),
            "A".into(),
            10800,
            vec!["192.0.2.3".into(), "192.0.2.4".into()]
        )]
    );
    // POST by name and by name and type
    assert_eq!(
        e.call(
            "POST",
            &format!("/domains/{z}/records/www"),
            Some(json!({"rrset_type": "AAAA", "rrset_values": ["2001:db8::1"]}))
        )
        .status,
        201
    );
    assert_eq!(
        e.call(
            "POST",
            &format!("/domains/{z}/records/www"),
            Some(json!({"rrset_type": "AAAA", "rrset_values": ["2001:db8::2"]}))
        )
        .status,
        409
    );
    assert_eq!(
        e.call(
            "POST",
            &format!("/domains/{z}/records/@/MX"),
            Some(json!({"rrset_values": ["10 mx"], "rrset_ttl": 3600}))
        )
        .status,
        201
    );
    assert_eq!(
        e.call(
            "POST",
            &format!("/domains/{z}/records/%40/MX"),
            Some(json!({"rrset_values": ["20 mx2"]}))
        )
        .status,
        409
    );
    // PATCH adds and removes values
    let p = e.call("PATCH", &format!("/domains/{z}/records/%40/MX"), Some(json!({"add_rrset_values": ["20 mx2.example.net."], "remove_rrset_values": ["10 mx"], "rrset_ttl": 1200})));
    assert_eq!(p.status, 200, "{}", p.body);
    assert_eq!(p.json()["rrset_values"], json!(["20 mx2.example.net."]));
    assert_eq!(p.json()["rrset_ttl"], 1200);
    assert_eq!(
        e.call(
            "PATCH",
            &format!("/domains/{z}/records/@/MX"),
            Some(json!({"remove_rrset_values": ["20 mx2.example.net."]}))
        )
        .status,
        400
    );
    assert_eq!(
        e.call(
            "PATCH",
            &format!("/domains/{z}/records/@/TXT"),
            Some(json!({"add_rrset_values": ["x"]}))
        )
        .status,
        404
    );
    // by name
    let by_name = e
        .call("GET", &format!("/domains/{z}/records/www"), None)
        .json();
    let types: Vec<&str> = by_name
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rrset_type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["A", "AAAA"]);
    assert_eq!(
        e.call("GET", &format!("/domains/{z}/records/nothing"), None)
            .status,
        404
    );
    let pn = e.call(
        "PUT",
        &format!("/domains/{z}/records/www"),
        Some(json!({"items": [{"rrset_type": "TXT", "rrset_values": ["only"]}]})),
    );
    assert_eq!(pn.status, 201, "{}", pn.body);
    let names: Vec<(String, String)> = e.held(z).into_iter().map(|(n, t, _, _)| (n, t)).collect();
    assert_eq!(
        names,
        [("@".into(), "MX".into()), ("www".into(), "TXT".into())]
    );
    assert_eq!(
        e.call("DELETE", &format!("/domains/{z}/records/www"), None)
            .status,
        204
    );
    assert_eq!(
        e.call("DELETE", &format!("/domains/{z}/records/www"), None)
            .status,
        404
    );
    assert_eq!(
        e.call("DELETE", &format!("/domains/{z}/records/@/MX"), None)
            .status,
        204
    );
    assert_eq!(
        e.call("GET", &format!("/domains/{z}/records/@/MX"), None)
            .status,
        404
    );
    assert_eq!(
        e.call("DELETE", &format!("/domains/{z}/records/@/MX"), None)
            .status,
        404
    );
    // the whole zone
    let items = json!({"items": [
        {"rrset_name": "@", "rrset_type": "A", "rrset_values": ["192.0.2.1"]},
        {"rrset_name": "www", "rrset_type": "CNAME", "rrset_ttl": 300, "rrset_values": ["@"]},
    ]});
    assert_eq!(
        e.call("PUT", &format!("/domains/{z}/records"), Some(items))
            .status,
        400,
        "@ is not a host name"
    );
    let items = json!({"items": [
        {"rrset_name": "@", "rrset_type": "A", "rrset_values": ["192.0.2.1"]},
        {"rrset_name": "www", "rrset_type": "CNAME", "rrset_ttl": 300, "rrset_values": ["example.net."]},
    ]});
    assert_eq!(
        e.call("PUT", &format!("/domains/{z}/records"), Some(items))
            .status,
        201
    );
    assert_eq!(e.held(z).len(), 2);
    let text = e.http.send(
        "GET",
        &base,
        Some(&bearer()),
        None,
        &[("accept", "text/plain")],
    );
    assert_eq!(
        text.body,
        "@ 10800 IN A 192.0.2.1\nwww 300 IN CNAME example.net.\n"
    );
    assert_eq!(
        e.call("DELETE", &format!("/domains/{z}/records"), None)
            .status,
        204
    );
    assert!(e.held(z).is_empty());
    assert_eq!(
        e.call("PUT", &format!("/domains/{z}/records/www/A/extra"), None)
            .status,
        404
    );
}

#[test]
fn gandi_fake_value_shapes() {
    let e = Env::new();
    let z = "shapes.example";
    e.fake.create_bare_zone(z);
    let long = "x".repeat(300);
    let cases: Vec<(&str, &str, Vec<&str>, Vec<String>)> = vec![
        (
            "txt",
            "TXT",
            vec!["Bah bah black sheep"],
            vec!["\"Bah bah black sheep\"".into()],
        ),
        (
            "quoted",
            "TXT",
            vec!["\"v=spf1 include:_mailcust.gandi.net ?all\""],
            vec!["\"v=spf1 include:_mailcust.gandi.net ?all\"".into()],
        ),
        (
            "multi",
            "TXT",
            vec!["\"a b\"  \"c\\\"d\""],
            vec!["\"a b\" \"c\\\"d\"".into()],
        ),
        (
            "esc",
            "TXT",
            vec!["say \"hi\""],
            vec!["\"say \\\"hi\\\"\"".into()],
        ),
        (
            "long",
            "TXT",
            vec![&long],
            vec![format!("\"{}\" \"{}\"", "x".repeat(255), "x".repeat(45))],
        ),
        (
            "spf",
            "SPF",
            vec!["v=spf1 -all"],
            vec!["\"v=spf1 -all\"".into()],
        ),
        (
            "@",
            "CAA",
            vec![
                "0 issue \"letsencrypt.org\"",
                "128 iodef mailto:ca@example.net",
            ],
            vec![
                "0 issue \"letsencrypt.org\"".into(),
                "128 iodef \"mailto:ca@example.net\"".into(),
            ],
        ),
        (
            "@",
            "MX",
            vec!["10 mail", "20 mx.example.net.", "0 ."],
            vec!["10 mail".into(), "20 mx.example.net.".into(), "0 .".into()],
        ),
        ("cname", "CNAME", vec!["target"], vec!["target".into()]),
        (
            "_sip._tcp",
            "SRV",
            vec!["10 20 5060 sip.example.net.", "0 0 0 ."],
            vec!["10 20 5060 sip.example.net.".into(), "0 0 0 .".into()],
        ),
        (
            "@",
            "ALIAS",
            vec!["example.net."],
            vec!["example.net.".into()],
        ),
        (
            "dname",
            "DNAME",
            vec!["example.net."],
            vec!["example.net.".into()],
        ),
        (
            "sub",
            "NS",
            vec!["ns1.example.net.", "ns2"],
            vec!["ns1.example.net.".into(), "ns2".into()],
        ),
        (
            "1.2",
            "PTR",
            vec!["host.example.net."],
            vec!["host.example.net.".into()],
        ),
        (
            "ssh",
            "SSHFP",
            vec!["1 1 7491973e5f8b39d5327cd4e08bc81b05f7710b49"],
            vec!["1 1 7491973e5f8b39d5327cd4e08bc81b05f7710b49".into()],
        ),
        (
            "_443._tcp",
            "TLSA",
            vec!["3 1 1 8a9a70596e869bed72c69d97a8895dfa"],
            vec!["3 1 1 8a9a70596e869bed72c69d97a8895dfa".into()],
        ),
        (
            "sec",
            "DS",
            vec!["60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118"],
            vec!["60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118".into()],
        ),
        (
            "loc",
            "LOC",
            vec!["52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m"],
            vec!["52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m".into()],
        ),
        (
            "sip",
            "NAPTR",
            vec!["100 10 \"S\" \"SIP+D2U\" \"!^.*$!sip:info@example.net!\" ."],
            vec!["100 10 \"S\" \"SIP+D2U\" \"!^.*$!sip:info@example.net!\" .".into()],
        ),
        (
            "svc",
            "HTTPS",
            vec!["1 . alpn=h2"],
            vec!["1 . alpn=h2".into()],
        ),
        (
            "rp",
            "RP",
            vec!["admin.example.net. ."],
            vec!["admin.example.net. .".into()],
        ),
        (
            "dup",
            "A",
            vec!["192.0.2.1", "192.0.2.1", "192.0.2.2"],
            vec!["192.0.2.1".into(), "192.0.2.2".into()],
        ),
        (
            "*.wild",
            "AAAA",
            vec!["2001:db8::1"],
            vec!["2001:db8::1".into()],
        ),
    ];
    for (name, ty, values, want) in &cases {
        let r = e.post(z, json!({"rrset_name": name, "rrset_type": ty, "rrset_values": values, "rrset_ttl": "900"}));
        assert_eq!(r.status, 201, "{name} {ty} {values:?} → {}", r.body);
        let got = e
            .call("GET", &format!("/domains/{z}/records/{name}/{ty}"), None)
            .json();
        assert_eq!(got["rrset_values"], json!(want), "{name} {ty}");
        assert_eq!(got["rrset_ttl"], 900);
    }
}

#[test]
fn gandi_fake_refuses_bad_records() {
    let e = Env::new();
    let z = "bad.example";
    e.fake.create_zone(z);
    e.fake.put_rrset(z, "host", "A", 300, &["192.0.2.1"]);
    let a = |name: &str, values: J| json!({"rrset_name": name, "rrset_type": "A", "rrset_values": values});
    let with = |ty: &str, name: &str, values: J| json!({"rrset_name": name, "rrset_type": ty, "rrset_values": values});
    let bad = [
        json!({"rrset_name": "x", "rrset_type": "A", "rrset_values": ["192.0.2.1"], "rrset_ttl": 299}),
        json!({"rrset_name": "x", "rrset_type": "A", "rrset_values": ["192.0.2.1"], "rrset_ttl": 2592001}),
        json!({"rrset_name": "x", "rrset_type": "A", "rrset_values": ["192.0.2.1"], "rrset_ttl": "soon"}),
        json!({"rrset_name": "x", "rrset_type": "a", "rrset_values": ["192.0.2.1"]}),
        json!({"rrset_name": "x", "rrset_type": "HINFO", "rrset_values": ["\"a\" \"b\""]}),
        json!({"rrset_type": "A", "rrset_values": ["192.0.2.1"]}),
        json!({"rrset_name": "x", "rrset_values": ["192.0.2.1"]}),
        json!({"rrset_name": "x", "rrset_type": "A"}),
        a("x", json!([])),
        a("x", json!("192.0.2.1")),
        a("x", json!([1])),
        a("x", json!(["192.0.2"])),
        a("x", json!(["192.0.2.01"])),
        a("x.", json!(["192.0.2.1"])),
        a("", json!(["192.0.2.1"])),
        a("a..b", json!(["192.0.2.1"])),
        a("a.*", json!(["192.0.2.1"])),
        a("sp ace", json!(["192.0.2.1"])),
        with("AAAA", "x", json!(["192.0.2.1"])),
        with("TXT", "x", json!(["caf\u{e9}"])),
        with("TXT", "x", json!(["tab\there"])),
        with("TXT", "x", json!(["x".repeat(16385)])),
        with("TXT", "x", json!(["\"unclosed"])),
        with("TXT", "x", json!([format!("\"{}\"", "y".repeat(256))])),
        with("NS", "sub", json!(["6.2.3.4.", "7.2.3.4."])),
        with("CNAME", "@", json!(["example.net."])),
        with("CNAME", "host", json!(["example.net."])),
        with("CNAME", "two", json!(["a.example.net.", "b.example.net."])),
        with("CNAME", "c", json!(["not a host"])),
        with("ALIAS", "www2", json!(["example.net."])),
        with("MX", "@", json!(["mx.example.net."])),
        with("MX", "@", json!(["65536 mx.example.net."])),
        with("SRV", "_a._tcp", json!(["1 1 mx.example.net."])),
        with("SRV", "_a._tcp", json!(["1 1 70000 t.example.net."])),
        with("CAA", "@", json!(["256 issue \"ca.example\""])),
        with("CAA", "@", json!(["0 is-sue \"ca.example\""])),
        with("SSHFP", "s", json!(["1 1 nothex"])),
        with("TLSA", "t", json!(["3 1 1"])),
        with("DS", "d", json!(["1 2 3"])),
        with("LOC", "l", json!(["91 N 0 E 0m"])),
        with("NAPTR", "n", json!(["100 10 \"S\" \"SIP+D2U\" ."])),
        with("SOA", "@", json!(["ns1 hostmaster 1 2 3"])),
    ];
    for b in &bad {
        let r = e.post(z, b.clone());
        assert_eq!(r.status, 400, "{b} → {} {}", r.status, r.body);
        let j = r.json();
        assert_eq!(j["status"], "error", "{b} → {}", r.body);
        let first = &j["errors"][0];
        assert_eq!(first["location"], "body");
        assert!(first["description"].as_str().is_some_and(|d| !d.is_empty()));
    }
    // an A beside the default www CNAME is refused the other way round too
    assert_eq!(e.post(z, a("www", json!(["192.0.2.1"]))).status, 400);
    // bad path parts and query parameters
    assert_eq!(
        e.call("GET", &format!("/domains/{z}/records/www/cname"), None)
            .json()["errors"][0]["location"],
        "path"
    );
    assert_eq!(
        e.call("GET", &format!("/domains/{z}/records?page=0"), None)
            .status,
        400
    );
    assert_eq!(
        e.call(
            "GET",
            &format!("/domains/{z}/records?rrset_type=BOGUS"),
            None
        )
        .status,
        400
    );
    assert_eq!(
        e.call(
            "GET",
            &format!("/domains/{z}/records?sort_by=rrset_values"),
            None
        )
        .status,
        400
    );
    let garbage = e.http.rt.block_on(async {
        e.http
            .client
            .post(format!("{}/domains/{z}/records", e.fake.api_url()))
            .header("authorization", bearer())
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(garbage, 400);
    assert_eq!(e.fake.records(z).len(), DEFAULT_RRSETS.len() + 1);
}

#[test]
fn gandi_fake_paging() {
    let e = Env::new();
    let z = "paged.example";
    e.fake.create_zone(z);
    for i in 0..41 {
        e.fake
            .put_rrset(z, &format!("h{i:02}"), "A", 300, &["192.0.2.1"]);
    }
    // 45 rrsets: the 4 defaults and 41 A
    let base = format!("{}/domains/{z}/records", e.fake.api_url());
    let all = e.call("GET", &format!("/domains/{z}/records"), None);
    assert_eq!(all.json().as_array().unwrap().len(), 45);
    assert_eq!(
        (all.header("total-count"), all.header("link")),
        (Some("45"), None)
    );
    let first = e.call("GET", &format!("/domains/{z}/records?per_page=20"), None);
    assert_eq!(first.json().as_array().unwrap().len(), 20);
    assert_eq!(first.header("total-count"), Some("45"));
    assert_eq!(first.header("filtered-count"), Some("20"));
    assert_eq!(
        first.header("link"),
        Some(format!("<{base}?page=2&per_page=20>; rel=\"next\", <{base}?page=3&per_page=20>; rel=\"last\"").as_str())
    );
    // the way octodns-gandi pages: until Total-Count items are in
    let mut seen = Vec::new();
    for page in 1.. {
        let r = e.call(
            "GET",
            &format!("/domains/{z}/records?page={page}&per_page=16"),
            None,
        );
        let total: usize = r.header("total-count").unwrap().parse().unwrap();
        seen.extend(
            r.json()
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["rrset_name"].as_str().unwrap().to_string()),
        );
        if seen.len() >= total {
            assert!(r.header("link").is_none());
            assert_eq!(page, 3);
            break;
        }
    }
    let mut want: Vec<String> = (0..41).map(|i| format!("h{i:02}")).collect();
    want.splice(0..0, ["@", "@", "@"].map(String::from));
    want.push("www".into());
    assert_eq!(seen, want);
    let past = e.call(
        "GET",
        &format!("/domains/{z}/records?page=9&per_page=20"),
        None,
    );
    assert_eq!((past.status, past.json()), (200, json!([])));
    let only_a = e.call(
        "GET",
        &format!("/domains/{z}/records?rrset_type=A&per_page=50"),
        None,
    );
    assert_eq!(only_a.header("total-count"), Some("42"));
    let desc = e.call(
        "GET",
        &format!("/domains/{z}/records?sort_by=-rrset_name&per_page=1"),
        None,
    );
    assert_eq!(desc.json()[0]["rrset_name"], "www");
    // the link follows the Host (the proxy's)
    let proxied = e.http.send(
        "GET",
        &format!("{base}?per_page=40"),
        Some(&bearer()),
        None,
        &[("host", "api.gandi.net")],
    );
    assert!(proxied.header("link").unwrap().starts_with(
        "<https://api.gandi.net/v5/livedns/domains/paged.example/records?page=2&per_page=40>"
    ));
    assert_eq!(
        proxied.json()[0]["rrset_href"],
        "https://api.gandi.net/v5/livedns/domains/paged.example/records/%40/A"
    );
    e.fake.create_zone("other.example");
    let domains = e.call("GET", "/domains?per_page=1&page=2", None);
    assert_eq!(domains.json()[0]["fqdn"], "paged.example");
    assert_eq!(domains.header("total-count"), Some("2"));
}

#[test]
fn gandi_fake_rate_limit() {
    let e = Env::new();
    let url = format!("{}/domains", e.fake.api_url());
    e.fake.set_rate(3, Duration::from_secs(60));
    assert_eq!(
        e.http.send("GET", &url, None, None, &[]).status,
        401,
        "refused requests count too"
    );
    for _ in 0..2 {
        assert_eq!(
            e.http.send("GET", &url, Some(&bearer()), None, &[]).status,
            200
        );
    }
    let r = e.http.send("GET", &url, Some(&bearer()), None, &[]);
    assert_eq!(r.status, 429);
    assert_eq!(
        r.json(),
        err(429, "HTTPTooManyRequests", "Too Many Requests", MSG_429)
    );
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((59..=60).contains(&wait), "{wait}");
    // each request counts for the window after it is made
    e.fake.set_rate(2, Duration::from_millis(400));
    assert_eq!(
        e.http.send("GET", &url, Some(&bearer()), None, &[]).status,
        200
    );
    std::thread::sleep(Duration::from_millis(250));
    assert_eq!(
        e.http.send("GET", &url, Some(&bearer()), None, &[]).status,
        200
    );
    assert_eq!(
        e.http.send("GET", &url, Some(&bearer()), None, &[]).status,
        429
    );
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        e.http.send("GET", &url, Some(&bearer()), None, &[]).status,
        200
    );
    e.fake.reset_rate();
}

#[test]
fn gandi_fake_fail_writes_after() {
    let e = Env::new();
    let z = "faults.example";
    e.fake.create_bare_zone(z);
    e.fake
        .fail_writes_after(1, 503, "Service temporarily unavailable");
    let a = |n: &str| json!({"rrset_name": n, "rrset_type": "A", "rrset_values": ["192.0.2.1"]});
    assert_eq!(e.post(z, a("one")).status, 201);
    assert_eq!(
        e.call("GET", &format!("/domains/{z}/records"), None).status,
        200,
        "reads are not writes"
    );
    let f = e.post(z, a("two"));
    assert_eq!(f.status, 503);
    assert_eq!(
        f.json(),
        err(
            503,
            "HTTPServiceUnavailable",
            "Service Unavailable",
            "Service temporarily unavailable"
        )
    );
    assert_eq!(e.post(z, a("three")).status, 201);
    let names: Vec<String> = e.held(z).into_iter().map(|(n, ..)| n).collect();
    assert_eq!(names, ["one", "three"]);
    assert_eq!(
        e.fake.requests(),
        [
            format!("POST /v5/livedns/domains/{z}/records"),
            format!("GET /v5/livedns/domains/{z}/records"),
            format!("POST /v5/livedns/domains/{z}/records"),
            format!("POST /v5/livedns/domains/{z}/records"),
        ]
    );
}

/// octodns-gandi (its `https://api.gandi.net/v5` through the HTTPS proxy) lists the domains,
/// reads a zone and applies a create, an update and a delete.
#[test]
fn gandi_fake_serves_octodns_gandi() {
    use crate::harness;
    use crate::https_proxy::HttpsProxy;
    use crate::suite::show;
    let python = harness::venv().join("bin/python");
    let has = std::process::Command::new(&python)
        .args(["-c", "import octodns_gandi"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        has,
        "octodns-gandi 1.2.0 is needed in {} (scripts/test installs it)",
        python.display()
    );
    let fake = GandiFake::start();
    let zone = "octo.gandi-fake.test";
    fake.create_zone(zone);
    fake.put_rrset(zone, "txt", "TXT", 600, &["Bah bah black sheep"]);
    let proxy = HttpsProxy::start(&[("api.gandi.net", fake.port())]);
    let script = r#"
import json, sys
from octodns.record import Record
from octodns.zone import Zone
from octodns_gandi import GandiProvider
p = GandiProvider('gandi', sys.argv[1])
name = sys.argv[2] + '.'
print(json.dumps(p.list_zones()))
z = Zone(name, [])
p.populate(z)
print(json.dumps(sorted(f'{r.name} {r._type} {r.ttl} {json.dumps(r.data, default=str, sort_keys=True)}' for r in z.records)))
desired = z.copy()
for r in list(desired.records):
    if r._type == 'MX':
        desired.remove_record(r)
desired.add_record(Record.new(desired, 'new', {'type': 'A', 'ttl': 600, 'value': '192.0.2.9'}))
desired.add_record(Record.new(desired, 'www', {'type': 'CNAME', 'ttl': 3600, 'value': 'example.net.'}), replace=True)
dkim = 'v=DKIM1\\; k=rsa\\; p=' + 'A' * 300
desired.add_record(Record.new(desired, 'dkim', {'type': 'TXT', 'ttl': 300, 'values': [dkim, 'two words']}))
plan = p.plan(desired)
print(len(plan.changes))
p.apply(plan)
# a fresh provider reads back what was written: nothing left to do
again = GandiProvider('gandi', sys.argv[1]).plan(desired)
print(len(again.changes) if again else 0)
"#;
    let o = std::process::Command::new(&python)
        .args(["-c", script, GANDI_TOKEN, zone])
        .env_remove("REQUESTS_CA_BUNDLE")
        .env_remove("CURL_CA_BUNDLE")
        .env_remove("SSL_CERT_FILE")
        .envs(proxy.env())
        .output()
        .expect("run the venv's python");
    assert!(o.status.success(), "{}\n{}", show(&o), proxy.log());
    let out = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], format!("[\"{zone}.\"]"));
    let read: Vec<String> = serde_json::from_str(lines[1]).unwrap();
    // octodns reads the quoted TXT strings back as its own (unquoted, escaped) values
    assert_eq!(
        read,
        [
            r#" A 10800 {"ttl": 10800, "value": "217.70.184.38"}"#,
            r#" MX 10800 {"ttl": 10800, "values": [{"exchange": "spool.mail.gandi.net.", "preference": 10}, {"exchange": "fb.mail.gandi.net.", "preference": 50}]}"#,
            r#" TXT 10800 {"ttl": 10800, "value": "v=spf1 include:_mailcust.gandi.net ?all"}"#,
            r#"txt TXT 600 {"ttl": 600, "value": "Bah bah black sheep"}"#,
            r#"www CNAME 10800 {"ttl": 10800, "value": "webredir.vip.gandi.net."}"#,
        ]
    );
    assert_eq!(
        lines[2], "4",
        "create new and dkim, update www, delete the MX"
    );
    assert_eq!(
        lines[3], "0",
        "what octodns-gandi wrote, it reads back unchanged"
    );
    let held: Vec<(String, String)> = fake
        .records(zone)
        .iter()
        .map(|r| {
            (
                r["rrset_name"].as_str().unwrap().into(),
                r["rrset_type"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        held,
        [
            ("@", "A"),
            ("@", "TXT"),
            ("dkim", "TXT"),
            ("new", "A"),
            ("txt", "TXT"),
            ("www", "CNAME")
        ]
        .map(|(n, t)| (n.to_string(), t.to_string()))
    );
    assert_eq!(
        fake.records(zone)[5]["rrset_values"],
        json!(["example.net."])
    );
    let dkim = format!("v=DKIM1; k=rsa; p={}", "A".repeat(300));
    assert_eq!(
        fake.records(zone)[2]["rrset_values"],
        json!([
            "\"two words\"",
            format!("\"{}\" \"{}\"", &dkim[..255], &dkim[255..])
        ])
    );
    let reqs = fake.requests();
    eprintln!("octodns-gandi sent:\n{}", reqs.join("\n"));
    let p = "/v5/livedns/domains";
    assert_eq!(
        reqs,
        [
            format!("GET {p}?page=1&per_page=500"),
            format!("GET {p}/{zone}/records?page=1&per_page=500"),
            format!("GET {p}/{zone}"),
            format!("DELETE {p}/{zone}/records/@/MX"),
            format!("POST {p}/{zone}/records"),
            format!("POST {p}/{zone}/records"),
            format!("DELETE {p}/{zone}/records/www/CNAME"),
            format!("POST {p}/{zone}/records"),
            format!("GET {p}/{zone}/records?page=1&per_page=500"),
        ]
    );
}
