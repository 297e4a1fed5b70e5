//! A stateful fake of the DNS Made Easy REST API V2.0 managed-DNS endpoints (`/V2.0/dns/managed`),
//! on a wiremock server on 127.0.0.1, for the `dnsmadeeasy` provider and (through the HTTPS
//! proxy, since octodns-dnsmadeeasy has `https://api[.sandbox].dnsmadeeasy.com/V2.0` built in)
//! for octodns-dnsmadeeasy. The sandbox is the same API, so one fake serves both hosts.
//!
//! Written from DNS Made Easy's published API description: the "API V2.0 Documentation" (the
//! PDF's contents: making a request, the sandbox, rate limiting, authentication, common header
//! fields, the managed DNS and record fields, single and multi domain and record actions) and
//! api-docs.dnsmadeeasy.com as quoted in public threads ("150 requests per 5 minute scrolling
//! window"), DNS Made Easy's own Terraform provider documentation (DNSMadeEasy/terraform-
//! provider-dme `website/docs/r/dns_record`, `record`: the types, the per-type fields, the GTD
//! locations, redirect types, CAA tags), DNS Made Easy support's answers in public threads (root
//! NS records are allowed with an empty name; GTD locations; quotes inside TXT are refused by
//! the API), and the API's answers as users recorded them: `{"error": ["Rate limit exceeded"]}`
//! with 400 and `x-dnsme-requestsRemaining: 0` (acme.sh #3830, lexicon #437), 403 `{"error":
//! ["API key not found"]}` (32 bytes in win-acme #2528), `Unable to verify HMAC` (Posh-ACME
//! #576), `Missing API key or HMAC` (acme.sh #681), `Invalid request date header: …` (acme.sh
//! #4272), `Request sent with date header too far out of sync.  Difference in times is N,
//! header value is MS` (acme.sh #463: 37.7 s refused; certify #542: 48 s), `Record value may not
//! be a standalone dot.`, and the recorded list answers in octodns-dnsmadeeasy's test fixtures
//! (the domain and record object shapes, quoted TXT and CAA values, long TXT values split into
//! `""`-joined strings), and DNSControl's notes on the provider ("System NS records cannot be
//! edited. Custom apex NS records can be added"; their fixed 86400 TTL, PRs #1167, #1317).
//! octodns-dnsmadeeasy (and DNSControl's client) were read only for which endpoints and fields
//! they use.
//!
//! ## Faithful
//!
//! - Auth on every request: `x-dnsme-apiKey`, `x-dnsme-requestDate` (an HTTP date, `GMT`; the
//!   RFC 2822 `+0000` / `UTC` forms clients send are read too), `x-dnsme-hmac` = hex HMAC-SHA1 of
//!   the request date's text with the secret key. Refusals are 403 with DME's error body
//!   `{"error": ["…"]}` (rendered with DME's `": "` spacing): key or HMAC missing; date missing
//!   or unparseable (English names only); date further than 30 s from the fake's clock
//!   (`set_clock_skew`); unknown key; wrong HMAC. Refused requests are not counted.
//! - Rate limit per account over a rolling ("scrolling") window, each request counted for the
//!   window after it is made: every authenticated answer carries `x-dnsme-requestLimit`,
//!   `x-dnsme-requestsRemaining` (and all answers `x-dnsme-requestId`, `Server: DNSME API`);
//!   past the limit 400 `{"error": ["Rate limit exceeded"]}` with `x-dnsme-requestsRemaining: 0`.
//!   The documented 150 per 5 minutes is `set_rate(150, 300 s)`; the default, 1,000,000 per 5
//!   minutes, is never reached.
//! - Domains: `GET /dns/managed/` (`{data, page, totalPages, totalRecords}`, summaries `{id, name,
//!   created, updated (ms), folderId, gtdEnabled, pendingActionId, processMulti,
//!   activeThirdParties}`), `GET /dns/managed/{id}`, `GET /dns/managed/name?domainname=X` and
//!   `GET /dns/managed/id/{name}` (the summary plus `nameServers [{fqdn, ipv4, ipv6}]`, DME's
//!   ns0…ns4.dnsmadeeasy.com; unknown: 404), `POST /dns/managed/` `{name}` (201, the full object),
//!   `DELETE /dns/managed/{id}` (200, no body). DME's system NS records and the SOA are not
//!   records of the listing (the domain's `nameServers` carry them; custom apex NS records can
//!   be added with `name: ""`), so a new domain lists no records.
//! - Records: `GET /{id}/records` (paged; `recordName`, `type` filters), `POST /{id}/records`
//!   (201, the record), `POST /{id}/records/createMulti` (a JSON array; 201, the created
//!   records), `PUT /{id}/records/updateMulti` (an array of records with their `id`; 200, no
//!   body), `PUT` / `DELETE /{id}/records/{recordId}` (200, no body), `DELETE /{id}/records?ids=`
//!   (comma-separated and/or repeated `ids`; 200, no body; without `ids` every record goes).
//!   A record: `id, name` (relative, `""` the apex), `type, value, ttl, gtdLocation, source` (1),
//!   `sourceId` (the domain), `failover, monitor, failed, dynamicDns, hardLink` and per type
//!   `mxLevel` (MX), `priority, weight, port` (SRV), `caaType, issuerCritical` (CAA),
//!   `redirectType, title, keywords, description` (HTTPRED). Types A, AAAA, ANAME, CAA, CNAME,
//!   HTTPRED, MX, NS, PTR, SPF, SRV, TXT; `gtdLocation` DEFAULT (the other GTD locations need a
//!   GTD domain, which this account has none of); MX needs `mxLevel`, SRV `priority`, `weight`,
//!   `port` (0…65535), CAA `caaType` (issue, issuewild, iodef) and `issuerCritical` (0…255),
//!   HTTPRED a URL and `redirectType` (Hidden Frame Masked, Standard - 301, Standard - 302).
//!   Host values (ANAME, CNAME, MX, NS, PTR, SRV) are stored as sent: relative to the domain,
//!   or absolute with the final dot; `.` alone is refused ("Record value may not be a standalone
//!   dot."). TXT and SPF values are stored quoted (`"…"`; quotes added when absent), a string
//!   longer than 255 characters split into `"…""…"`; quotes inside are refused. CAA values are
//!   stored quoted. Validation errors: 400 `{"error": ["…"]}`.
//!
//! ## Simplified or guessed
//!
//! - Status and wording not found in the description: 403 for the date checks (the observed
//!   answers give only the bodies), `Missing request date header`, 404 `Domain not found` /
//!   `Record not found`, 405 `Method not allowed`, every validation message, `Invalid JSON`.
//!   The 30 s tolerance (37.7 s was refused in the observed answers); the `+0000` and RFC 850 /
//!   asctime date forms being accepted.
//! - Bulk calls are all-or-nothing: createMulti and updateMulti check every record (and the
//!   records against each other) before storing any; a bulk delete naming an unknown id (404)
//!   deletes nothing. A bulk request counts once against the rate limit and once for
//!   `fail_writes_after`. No batch-size cap (octodns-dnsmadeeasy batches by 200 on its own).
//! - Paging: `page` from 0, `rows` ≥ 1; without `rows` the whole list is one page (as the
//!   recorded listings of 23 records show; `set_default_rows` changes it), `rows` above the cap
//!   (`set_page_size_cap`, default none) is the cap; `totalPages` is at least 1. Lists are in id
//!   order. `page`/`rows` not numbers: 400.
//! - A new domain is live at once: the POST answer says `pendingActionId: 1` (as the recorded
//!   creation answer does), every later read 0; records can be added right away. Deleting a
//!   domain removes it at once (DME queues it). Domain names: lowercase, at least two labels,
//!   no final dot; an existing one: 400.
//! - Record names: lowercased; letters, digits, `-`, `_`, `*` (first label only); a final dot or
//!   `@` is refused. TTL: a required integer 0…2^31-1. A CNAME shares its name with no other
//!   record (so never at the apex); an identical record (name, type, value and the per-type
//!   numbers) is refused. A record's type cannot change by PUT. TXT/SPF strings are split at 255
//!   octets (the recorded listing shows 254-character pieces; clients join them either way);
//!   strings sent quoted keep their split, `"a" "b"` is stored `"a""b"`. HTTPRED `hardLink`
//!   defaults to false; `title`, `keywords`, `description` to "". NS TTLs are stored as sent
//!   (DME's system NS answer 86400, not modelled here). No folders, templates, vanity NS, SOA,
//!   secondary, failover/monitor or GTD resources; no domain PUT or multi-domain calls.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::fake_http::{header, pct_decode, query};
use ring::hmac;
use serde_json::{Map, Value as J, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The API key the fake accepts (DME keys are UUIDs).
pub const DME_API_KEY: &str = "1c1a3c91-4770-4ce7-96f4-54c0eb0e457a";
/// Its secret key: `x-dnsme-hmac` is the hex HMAC-SHA1 of `x-dnsme-requestDate` with it.
pub const DME_SECRET: &str = "c9b5625f-9834-4ff8-baba-4ed5f32cae55";
const PREFIX: &str = "/V2.0";

const TYPES: &[&str] = &[
    "A", "AAAA", "ANAME", "CAA", "CNAME", "HTTPRED", "MX", "NS", "PTR", "SPF", "SRV", "TXT",
];
const HOST_TYPES: &[&str] = &["ANAME", "CNAME", "MX", "NS", "PTR", "SRV"];
const CAA_TAGS: &[&str] = &["issue", "issuewild", "iodef"];
const REDIRECT_TYPES: &[&str] = &["Hidden Frame Masked", "Standard - 301", "Standard - 302"];
const GTD_LOCATIONS: &[&str] = &[
    "DEFAULT",
    "US_EAST",
    "US_WEST",
    "EUROPE",
    "ASIA_PAC",
    "OCEANIA",
    "SOUTH_AMERICA",
];
/// DME's name servers as a domain's `nameServers` lists them.
const NAMESERVERS: [(&str, &str, &str); 5] = [
    ("ns0.dnsmadeeasy.com", "208.94.148.2", "2600:1800:0::1"),
    ("ns1.dnsmadeeasy.com", "208.80.124.2", "2600:1801:1::1"),
    ("ns2.dnsmadeeasy.com", "208.80.126.2", "2600:1802:2::1"),
    ("ns3.dnsmadeeasy.com", "208.80.125.2", "2600:1801:3::1"),
    ("ns4.dnsmadeeasy.com", "208.80.127.2", "2600:1802:4::1"),
];
const FOLDER_ID: u64 = 18_954;
const MAX_TTL: i64 = i32::MAX as i64;
/// The longest TXT/SPF string DME keeps in one piece.
const TXT_CHUNK: usize = 255;
const DEFAULT_SKEW: Duration = Duration::from_secs(30);
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A refusal: status and the message of `{"error": [message]}`.
#[derive(Debug)]
struct Fail(u16, String);

fn bad(msg: impl Into<String>) -> Fail {
    Fail(400, msg.into())
}

fn forbidden(msg: impl Into<String>) -> Fail {
    Fail(403, msg.into())
}

fn domain_not_found() -> Fail {
    Fail(404, "Domain not found".into())
}

fn record_not_found() -> Fail {
    Fail(404, "Record not found".into())
}

/// DME's error body, with its `": "` spacing (`{"error": ["Rate limit exceeded"]}` is 34 bytes).
fn error_body(message: &str) -> String {
    format!("{{\"error\": [{}]}}", J::String(message.to_string()))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `Www, D[D] Mon YYYY HH:MM:SS ZONE` (ZONE `GMT`, `UTC`, `UT`, `Z` or `±HHMM`): Unix ms.
fn parse_rfc2822(s: &str) -> Option<i64> {
    let p: Vec<&str> = s.split_whitespace().collect();
    let [wd, day, mon, year, time, zone] = p.as_slice() else {
        return None;
    };
    WEEKDAYS.contains(&wd.strip_suffix(',')?).then_some(())?;
    let day: i64 = day.parse().ok().filter(|d| (1..=31).contains(d))?;
    let mon = MONTHS.iter().position(|m| m == mon)? as i64 + 1;
    let year: i64 = year.parse().ok().filter(|_| year.len() == 4)?;
    let t: Vec<i64> = time
        .split(':')
        .map(|x| x.parse().ok().filter(|_| x.len() == 2))
        .collect::<Option<_>>()?;
    let [h, m, sec] = t.as_slice() else {
        return None;
    };
    if *h > 23 || *m > 59 || *sec > 60 {
        return None;
    }
    let offset = match *zone {
        "GMT" | "UTC" | "UT" | "Z" => 0,
        z if z.len() == 5 && (z.starts_with('+') || z.starts_with('-')) => {
            let n: i64 = z[1..].parse().ok()?;
            let secs = (n / 100) * 3600 + (n % 100) * 60;
            if z.starts_with('-') { -secs } else { secs }
        }
        _ => return None,
    };
    let secs = days_from_civil(year, mon, day) * 86_400 + h * 3600 + m * 60 + sec - offset;
    Some(secs * 1000)
}

/// An `x-dnsme-requestDate`: Unix ms.
fn parse_request_date(s: &str) -> Option<i64> {
    parse_rfc2822(s).or_else(|| {
        httpdate::parse_http_date(s)
            .ok()
            .map(|t| t.duration_since(UNIX_EPOCH).unwrap().as_millis() as i64)
    })
}

/// The hex HMAC-SHA1 of `date` with `secret`, as a client signs a request.
#[allow(dead_code)]
pub fn dme_hmac(secret: &str, date: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret.as_bytes());
    data_encoding::HEXLOWER.encode(hmac::sign(&key, date.as_bytes()).as_ref())
}

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

/// Labels of letters, digits, `-`, `_`, at most 253 octets; `*` as the first label if
/// `wildcard`.
fn is_host(s: &str, wildcard: bool) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.')
            .enumerate()
            .all(|(i, l)| (wildcard && i == 0 && l == "*") || is_label(l))
}

/// A record name as stored: relative, lowercase, `""` the apex.
fn record_name(s: &str) -> Result<String, Fail> {
    let n = s.to_ascii_lowercase();
    if n.is_empty() || is_host(&n, true) {
        Ok(n)
    } else {
        Err(bad(format!(
            "Record name {s:?} is not valid: use a name relative to the domain (\"\" for the apex)"
        )))
    }
}

/// A host value (ANAME, CNAME, MX, NS, PTR, SRV): relative or absolute with the final dot.
fn host_value(ty: &str, s: &str) -> Result<String, Fail> {
    if s == "." {
        return Err(bad("Record value may not be a standalone dot."));
    }
    if !is_host(s.strip_suffix('.').unwrap_or(s), false) {
        return Err(bad(format!(
            "Record value {s:?} is not a valid host name for a {ty} record"
        )));
    }
    Ok(s.to_string())
}

/// A TXT/SPF value as stored: quoted strings joined without a separator, none longer than
/// `TXT_CHUNK` octets.
fn txt_value(ty: &str, s: &str) -> Result<String, Fail> {
    let s = s.trim();
    let quotes = || bad(format!("Quotes are not allowed inside a {ty} record value"));
    let strings: Vec<&str> = if s.starts_with('"') {
        let mut out = Vec::new();
        let mut rest = s;
        while !rest.is_empty() {
            let inner = rest.strip_prefix('"').ok_or_else(quotes)?;
            let end = inner.find('"').ok_or_else(quotes)?;
            out.push(&inner[..end]);
            rest = inner[end + 1..].trim_start();
        }
        out
    } else if s.contains('"') {
        return Err(quotes());
    } else {
        vec![s]
    };
    if strings.iter().all(|p| p.is_empty()) {
        return Err(bad(format!("A {ty} record value may not be empty")));
    }
    let mut out = String::new();
    for p in strings {
        let mut rest = p;
        loop {
            let mut cut = rest.len().min(TXT_CHUNK);
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            out.push('"');
            out.push_str(&rest[..cut]);
            out.push('"');
            rest = &rest[cut..];
            if rest.is_empty() {
                break;
            }
        }
    }
    Ok(out)
}

/// A CAA value as stored: one quoted string.
fn caa_value(s: &str) -> Result<String, Fail> {
    let inner = match s.strip_prefix('"') {
        Some(r) => r
            .strip_suffix('"')
            .ok_or_else(|| bad("A CAA record value must be one quoted string"))?,
        None => s,
    };
    if inner.is_empty() || inner.contains('"') {
        return Err(bad("A CAA record value must be one non-empty string"));
    }
    Ok(format!("\"{inner}\""))
}

/// An integer field: `None` when absent or `null`.
fn int_field(b: &Map<String, J>, k: &str, lo: i64, hi: i64) -> Result<Option<i64>, Fail> {
    match b.get(k) {
        None | Some(J::Null) => Ok(None),
        Some(v) => match v.as_i64() {
            Some(n) if (lo..=hi).contains(&n) => Ok(Some(n)),
            _ => Err(bad(format!("{k} must be an integer from {lo} to {hi}"))),
        },
    }
}

fn required_int(b: &Map<String, J>, k: &str, lo: i64, hi: i64, ty: &str) -> Result<i64, Fail> {
    int_field(b, k, lo, hi)?.ok_or_else(|| bad(format!("{k} is required for a {ty} record")))
}

fn str_field<'a>(b: &'a Map<String, J>, k: &str) -> Result<Option<&'a str>, Fail> {
    match b.get(k) {
        None | Some(J::Null) => Ok(None),
        Some(J::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad(format!("{k} must be a string"))),
    }
}

/// A record (without `id`) of domain `source_id` from a request body, validated.
fn build(source_id: u64, b: &Map<String, J>) -> Result<J, Fail> {
    let ty = match str_field(b, "type")? {
        Some(t) if TYPES.contains(&t) => t.to_string(),
        Some(t) => return Err(bad(format!("Invalid record type: {t}"))),
        None => return Err(bad("Record type is required")),
    };
    let name = record_name(
        str_field(b, "name")?.ok_or_else(|| bad("Record name is required (\"\" for the apex)"))?,
    )?;
    let raw = str_field(b, "value")?.unwrap_or_default();
    if raw.is_empty() {
        return Err(bad("Record value may not be empty"));
    }
    let ttl = int_field(b, "ttl", 0, MAX_TTL)?.ok_or_else(|| bad("TTL is required"))?;
    let gtd = str_field(b, "gtdLocation")?.unwrap_or("DEFAULT");
    if !GTD_LOCATIONS.contains(&gtd) {
        return Err(bad(format!("Invalid gtdLocation: {gtd}")));
    }
    if gtd != "DEFAULT" {
        return Err(bad(
            "Global Traffic Director is not enabled for this domain: gtdLocation must be DEFAULT",
        ));
    }
    let value = match ty.as_str() {
        "A" => {
            raw.parse::<Ipv4Addr>()
                .map_err(|_| bad(format!("Record value {raw:?} is not a valid IPv4 address")))?;
            raw.to_string()
        }
        "AAAA" => {
            raw.parse::<Ipv6Addr>()
                .map_err(|_| bad(format!("Record value {raw:?} is not a valid IPv6 address")))?;
            raw.to_string()
        }
        t if HOST_TYPES.contains(&t) => host_value(t, raw)?,
        "TXT" | "SPF" => txt_value(&ty, raw)?,
        "CAA" => caa_value(raw)?,
        _ => {
            // HTTPRED
            if !(raw.starts_with("http://") || raw.starts_with("https://")) || raw.contains(' ') {
                return Err(bad(format!(
                    "Record value {raw:?} is not a valid URL for an HTTPRED record"
                )));
            }
            raw.to_string()
        }
    };
    let hard_link = match b.get("hardLink") {
        None | Some(J::Null) => false,
        Some(J::Bool(v)) => *v,
        Some(_) => return Err(bad("hardLink must be a boolean")),
    };
    let mut o = json!({
        "name": name, "type": ty, "value": value, "ttl": ttl, "gtdLocation": gtd,
        "source": 1, "sourceId": source_id, "failover": false, "monitor": false,
        "failed": false, "dynamicDns": false, "hardLink": false,
    });
    let u16_max = 65_535;
    match ty.as_str() {
        "MX" => o["mxLevel"] = json!(required_int(b, "mxLevel", 0, u16_max, &ty)?),
        "SRV" => {
            for k in ["priority", "weight", "port"] {
                o[k] = json!(required_int(b, k, 0, u16_max, &ty)?);
            }
        }
        "CAA" => {
            o["issuerCritical"] = json!(required_int(b, "issuerCritical", 0, 255, &ty)?);
            match str_field(b, "caaType")? {
                Some(t) if CAA_TAGS.contains(&t) => o["caaType"] = json!(t),
                Some(t) => {
                    return Err(bad(format!(
                        "caaType must be one of issue, issuewild, iodef, not {t}"
                    )));
                }
                None => return Err(bad("caaType is required for a CAA record")),
            }
        }
        "HTTPRED" => {
            match str_field(b, "redirectType")? {
                Some(t) if REDIRECT_TYPES.contains(&t) => o["redirectType"] = json!(t),
                _ => {
                    return Err(bad(
                        "redirectType must be one of Hidden Frame Masked, Standard - 301, \
                         Standard - 302",
                    ));
                }
            }
            for k in ["title", "keywords", "description"] {
                o[k] = json!(str_field(b, k)?.unwrap_or_default());
            }
            o["hardLink"] = json!(hard_link);
        }
        _ => {}
    }
    Ok(o)
}

/// What makes two records of one name and type the same record.
fn rdata_key(r: &J) -> Vec<J> {
    [
        "value",
        "mxLevel",
        "priority",
        "weight",
        "port",
        "caaType",
        "issuerCritical",
    ]
    .iter()
    .map(|k| r.get(*k).cloned().unwrap_or(J::Null))
    .collect()
}

/// The CNAME and duplicate rules for the records `changed` within `records`.
fn check_conflicts(records: &BTreeMap<u64, J>, changed: &[u64]) -> Result<(), Fail> {
    for id in changed {
        let r = &records[id];
        let (name, ty) = (r["name"].as_str().unwrap_or(""), &r["type"]);
        let shown = if name.is_empty() { "the apex" } else { name };
        if ty == "CNAME" && name.is_empty() {
            return Err(bad("A CNAME record cannot be at the apex of the domain"));
        }
        for (oid, o) in records {
            if oid == id || o["name"] != r["name"] {
                continue;
            }
            if ty == "CNAME" || o["type"] == "CNAME" {
                return Err(bad(format!(
                    "A CNAME record cannot share its name ({shown}) with another record"
                )));
            }
            if o["type"] == *ty && rdata_key(o) == rdata_key(r) {
                return Err(bad(format!(
                    "A {} record for {shown} with the value {} already exists",
                    ty.as_str().unwrap_or(""),
                    r["value"]
                )));
            }
        }
    }
    Ok(())
}

struct Domain {
    id: u64,
    name: String,
    /// Unix ms: the day it was created (DME's `created` is a date) and the last change.
    created: i64,
    updated: i64,
    /// Full record objects by id.
    records: BTreeMap<u64, J>,
}

impl Domain {
    fn summary(&self, pending: u64) -> J {
        json!({
            "created": self.created, "folderId": FOLDER_ID, "gtdEnabled": false,
            "pendingActionId": pending, "updated": self.updated, "processMulti": false,
            "activeThirdParties": [], "name": self.name, "id": self.id,
        })
    }

    fn full(&self, pending: u64) -> J {
        let mut o = self.summary(pending);
        o["nameServers"] = NAMESERVERS
            .iter()
            .map(|(fqdn, v4, v6)| json!({"ipv6": v6, "ipv4": v4, "fqdn": fqdn}))
            .collect();
        o
    }

    fn touch(&mut self) {
        self.updated = now_ms();
    }
}

#[derive(Clone, Copy)]
struct Limit {
    limit: u32,
    window: Duration,
}

const DEFAULT_RATE: Limit = Limit {
    limit: 1_000_000,
    window: Duration::from_secs(300),
};

struct State {
    domains: BTreeMap<u64, Domain>,
    next_domain_id: u64,
    next_record_id: u64,
    rate: Limit,
    /// When each counted request was made, oldest first (one account).
    hits: VecDeque<Instant>,
    skew: Duration,
    default_rows: Option<usize>,
    page_cap: usize,
    request_seq: u64,
    /// `METHOD path?query` per request, in order.
    log: Vec<String>,
    /// Let this many record writes through, then refuse one with this status and message.
    fail_writes: Option<(usize, u16, String)>,
}

/// What a route answers.
enum Out {
    Json(u16, J),
    Empty(u16),
}

impl State {
    fn domain_id(&self, name: &str) -> Option<u64> {
        let name = norm_zone(name);
        self.domains.values().find(|d| d.name == name).map(|d| d.id)
    }

    fn domain_by_name(&self, name: &str) -> Result<&Domain, Fail> {
        let id = self.domain_id(name).ok_or_else(domain_not_found)?;
        Ok(&self.domains[&id])
    }

    fn domain_mut(&mut self, id: u64) -> Result<&mut Domain, Fail> {
        self.domains.get_mut(&id).ok_or_else(domain_not_found)
    }

    fn create_domain(&mut self, name: &str) -> Result<u64, Fail> {
        let name = name.to_ascii_lowercase();
        if !is_host(&name, false) || !name.contains('.') {
            return Err(bad(format!("Invalid domain name: {name:?}")));
        }
        if self.domain_id(&name).is_some() {
            return Err(bad(format!("Domain {name} already exists")));
        }
        self.next_domain_id += 1;
        let id = self.next_domain_id;
        let now = now_ms();
        self.domains.insert(
            id,
            Domain {
                id,
                name,
                created: now - now.rem_euclid(86_400_000),
                updated: now,
                records: BTreeMap::new(),
            },
        );
        Ok(id)
    }

    /// A record write (`fail_writes_after`): Err once the passes are used up.
    fn write_allowed(&mut self) -> Result<(), Fail> {
        match self.fail_writes.take() {
            Some((0, status, msg)) => Err(Fail(status, msg)),
            Some((n, status, msg)) => {
                self.fail_writes = Some((n - 1, status, msg));
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Validate and store new records (all or none): the stored records.
    fn create_records(&mut self, domain: u64, bodies: &[Map<String, J>]) -> Result<Vec<J>, Fail> {
        let mut next = self.next_record_id;
        let d = self.domain_mut(domain)?;
        let mut records = d.records.clone();
        let mut made = Vec::new();
        for b in bodies {
            next += 1;
            let mut o = build(d.id, b)?;
            o["id"] = json!(next);
            records.insert(next, o.clone());
            made.push(o);
        }
        let ids: Vec<u64> = made.iter().filter_map(|o| o["id"].as_u64()).collect();
        check_conflicts(&records, &ids)?;
        d.records = records;
        d.touch();
        self.next_record_id = next;
        Ok(made)
    }

    /// Validate and apply full-record updates `(id, body)` (all or none).
    fn update_records(
        &mut self,
        domain: u64,
        updates: &[(u64, Map<String, J>)],
    ) -> Result<(), Fail> {
        let d = self.domain_mut(domain)?;
        let mut records = d.records.clone();
        for (id, b) in updates {
            let old = records.get(id).ok_or_else(record_not_found)?;
            if let Some(v) = b.get("id")
                && v.as_u64() != Some(*id)
            {
                return Err(bad(format!("Record id {v} does not match {id}")));
            }
            let mut o = build(d.id, b)?;
            if o["type"] != old["type"] {
                return Err(bad(format!(
                    "The type of record {id} cannot be changed ({} to {})",
                    old["type"].as_str().unwrap_or(""),
                    o["type"].as_str().unwrap_or("")
                )));
            }
            o["id"] = json!(id);
            records.insert(*id, o);
        }
        let ids: Vec<u64> = updates.iter().map(|(id, _)| *id).collect();
        check_conflicts(&records, &ids)?;
        d.records = records;
        d.touch();
        Ok(())
    }

    /// Count a request: Ok(remaining) or Err when the window is full.
    fn take(&mut self) -> Result<u32, ()> {
        let now = Instant::now();
        let window = self.rate.window;
        while self
            .hits
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            self.hits.pop_front();
        }
        if self.hits.len() as u64 >= self.rate.limit as u64 {
            return Err(());
        }
        self.hits.push_back(now);
        Ok(self.rate.limit - self.hits.len() as u32)
    }

    fn authenticate(&self, req: &Request) -> Result<(), Fail> {
        let (Some(key), Some(mac)) = (header(req, "x-dnsme-apikey"), header(req, "x-dnsme-hmac"))
        else {
            return Err(forbidden("Missing API key or HMAC"));
        };
        // (the header's bytes as sent: a date in another language is not visible ASCII)
        let date = req
            .headers
            .get("x-dnsme-requestdate")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .ok_or_else(|| forbidden("Missing request date header"))?;
        let sent = parse_request_date(&date)
            .ok_or_else(|| forbidden(format!("Invalid request date header: {date}")))?;
        let diff = now_ms() - sent;
        if diff.unsigned_abs() > self.skew.as_millis() as u64 {
            return Err(forbidden(format!(
                "Request sent with date header too far out of sync.  Difference in times is \
                 {diff}, header value is {sent}"
            )));
        }
        if key != DME_API_KEY {
            return Err(forbidden("API key not found"));
        }
        let k = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, DME_SECRET.as_bytes());
        match data_encoding::HEXLOWER_PERMISSIVE.decode(mac.trim().as_bytes()) {
            Ok(tag) if hmac::verify(&k, date.as_bytes(), &tag).is_ok() => Ok(()),
            _ => Err(forbidden("Unable to verify HMAC")),
        }
    }
}

/// A request body: a JSON object.
fn body_object(req: &Request) -> Result<Map<String, J>, Fail> {
    match serde_json::from_slice::<J>(&req.body) {
        Ok(J::Object(m)) => Ok(m),
        Ok(_) => Err(bad("The request body must be a JSON object")),
        Err(_) => Err(bad("Invalid JSON")),
    }
}

/// A request body: a non-empty JSON array of objects.
fn body_objects(req: &Request) -> Result<Vec<Map<String, J>>, Fail> {
    match serde_json::from_slice::<J>(&req.body) {
        Ok(J::Array(a)) if !a.is_empty() => a
            .into_iter()
            .map(|v| match v {
                J::Object(m) => Ok(m),
                _ => Err(bad("Each record must be a JSON object")),
            })
            .collect(),
        Ok(_) => Err(bad(
            "The request body must be a non-empty JSON array of records",
        )),
        Err(_) => Err(bad("Invalid JSON")),
    }
}

fn num_param(req: &Request, key: &str, min: usize) -> Result<Option<usize>, Fail> {
    match query(req, key) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= min)
            .map(Some)
            .ok_or_else(|| bad(format!("{key} must be an integer of at least {min}"))),
    }
}

/// One page of `items`: `{data, page, totalPages, totalRecords}`.
fn paged(st: &State, req: &Request, items: Vec<J>) -> Result<J, Fail> {
    let total = items.len();
    let rows = num_param(req, "rows", 1)?
        .or(st.default_rows)
        .unwrap_or(total.max(1))
        .min(st.page_cap)
        .max(1);
    let page = num_param(req, "page", 0)?.unwrap_or(0);
    let start = page.saturating_mul(rows).min(total);
    let end = (start + rows).min(total);
    Ok(json!({
        "totalPages": total.div_ceil(rows).max(1),
        "totalRecords": total,
        "data": items[start..end].to_vec(),
        "page": page,
    }))
}

fn parse_id(s: &str, not_found: fn() -> Fail) -> Result<u64, Fail> {
    s.parse().map_err(|_| not_found())
}

/// The ids of a bulk delete: `ids=1,2` and/or `ids=1&ids=2`.
fn bulk_ids(req: &Request) -> Result<Option<Vec<u64>>, Fail> {
    let raw: Vec<String> = req
        .url
        .query_pairs()
        .filter(|(k, _)| k == "ids")
        .map(|(_, v)| v.into_owned())
        .collect();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.iter()
        .flat_map(|v| v.split(','))
        .map(|s| {
            s.trim()
                .parse()
                .map_err(|_| bad(format!("Invalid record id: {s:?}")))
        })
        .collect::<Result<Vec<u64>, Fail>>()
        .map(Some)
}

fn route(st: &mut State, req: &Request) -> Result<Out, Fail> {
    let path = req.url.path().to_string();
    let segs: Vec<String> = path
        .strip_prefix(PREFIX)
        .unwrap_or("/")
        .split('/')
        .filter(|s| !s.is_empty())
        .map(pct_decode)
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let Some(rest) = segs.strip_prefix(&["dns", "managed"]) else {
        return Err(Fail(404, "Not Found".into()));
    };
    let method = req.method.as_str();
    match (method, rest) {
        ("GET", []) => {
            let list = st.domains.values().map(|d| d.summary(0)).collect();
            Ok(Out::Json(200, paged(st, req, list)?))
        }
        ("POST", []) => {
            let b = body_object(req)?;
            let name = str_field(&b, "name")?.ok_or_else(|| bad("Domain name is required"))?;
            let id = st.create_domain(name)?;
            Ok(Out::Json(201, st.domains[&id].full(1)))
        }
        ("GET", ["name"]) => {
            let name = query(req, "domainname").unwrap_or_default();
            Ok(Out::Json(200, st.domain_by_name(&name)?.full(0)))
        }
        ("GET", ["id", name]) => Ok(Out::Json(200, st.domain_by_name(name)?.full(0))),
        ("GET", [id]) => {
            let id = parse_id(id, domain_not_found)?;
            Ok(Out::Json(200, st.domain_mut(id)?.full(0)))
        }
        ("DELETE", [id]) => {
            let id = parse_id(id, domain_not_found)?;
            st.domains.remove(&id).ok_or_else(domain_not_found)?;
            Ok(Out::Empty(200))
        }
        ("GET", [id, "records"]) => {
            let id = parse_id(id, domain_not_found)?;
            let d = st.domain_mut(id)?;
            let want_name = query(req, "recordName").map(|n| n.to_ascii_lowercase());
            let want_type = query(req, "type");
            let list = d
                .records
                .values()
                .filter(|r| want_name.as_ref().is_none_or(|n| r["name"] == n.as_str()))
                .filter(|r| want_type.as_ref().is_none_or(|t| r["type"] == t.as_str()))
                .cloned()
                .collect();
            Ok(Out::Json(200, paged(st, req, list)?))
        }
        ("POST", [id, "records"]) => {
            let id = parse_id(id, domain_not_found)?;
            st.domain_mut(id)?;
            st.write_allowed()?;
            let b = body_object(req)?;
            let mut made = st.create_records(id, &[b])?;
            Ok(Out::Json(201, made.remove(0)))
        }
        ("POST", [id, "records", "createMulti"]) => {
            let id = parse_id(id, domain_not_found)?;
            st.domain_mut(id)?;
            st.write_allowed()?;
            let bodies = body_objects(req)?;
            Ok(Out::Json(201, J::Array(st.create_records(id, &bodies)?)))
        }
        ("PUT", [id, "records", "updateMulti"]) => {
            let id = parse_id(id, domain_not_found)?;
            st.domain_mut(id)?;
            st.write_allowed()?;
            let updates = body_objects(req)?
                .into_iter()
                .map(|b| match b.get("id").and_then(J::as_u64) {
                    Some(rid) => Ok((rid, b)),
                    None => Err(bad("Each record of updateMulti needs its id")),
                })
                .collect::<Result<Vec<_>, Fail>>()?;
            st.update_records(id, &updates)?;
            Ok(Out::Empty(200))
        }
        ("PUT", [id, "records", rid]) => {
            let id = parse_id(id, domain_not_found)?;
            let rid = parse_id(rid, record_not_found)?;
            st.domain_mut(id)?
                .records
                .get(&rid)
                .ok_or_else(record_not_found)?;
            st.write_allowed()?;
            let b = body_object(req)?;
            st.update_records(id, &[(rid, b)])?;
            Ok(Out::Empty(200))
        }
        ("DELETE", [id, "records", rid]) => {
            let id = parse_id(id, domain_not_found)?;
            let rid = parse_id(rid, record_not_found)?;
            st.domain_mut(id)?
                .records
                .get(&rid)
                .ok_or_else(record_not_found)?;
            st.write_allowed()?;
            let d = st.domain_mut(id)?;
            d.records.remove(&rid);
            d.touch();
            Ok(Out::Empty(200))
        }
        ("DELETE", [id, "records"]) => {
            let id = parse_id(id, domain_not_found)?;
            st.domain_mut(id)?;
            let ids = bulk_ids(req)?;
            if let Some(ids) = &ids
                && let Some(missing) = ids
                    .iter()
                    .find(|r| !st.domains[&id].records.contains_key(r))
            {
                return Err(Fail(404, format!("Record not found: {missing}")));
            }
            st.write_allowed()?;
            let d = st.domain_mut(id)?;
            match ids {
                Some(ids) => {
                    let gone: BTreeSet<u64> = ids.into_iter().collect();
                    d.records.retain(|r, _| !gone.contains(r));
                }
                None => d.records.clear(),
            }
            d.touch();
            Ok(Out::Empty(200))
        }
        (_, [] | ["name"] | ["id", _] | [_] | [_, "records"] | [_, "records", _]) => {
            Err(Fail(405, "Method not allowed".into()))
        }
        _ => Err(Fail(404, "Not Found".into())),
    }
}

struct Fake {
    state: Arc<Mutex<State>>,
}

fn fail_template(Fail(status, message): Fail) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(error_body(&message), "application/json")
}

impl Respond for Fake {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let q = req.url.query().map(|q| format!("?{q}")).unwrap_or_default();
        st.log.push(format!("{} {}{q}", req.method, req.url.path()));
        st.request_seq += 1;
        let request_id = format!("5eed0000-1d5e-4a7c-9f1e-{:012x}", st.request_seq);
        let common = |t: ResponseTemplate| {
            t.insert_header("x-dnsme-requestId", request_id.as_str())
                .insert_header("server", "DNSME API")
        };
        if let Err(f) = st.authenticate(req) {
            return common(fail_template(f));
        }
        let limit = st.rate.limit;
        let with_rate = |t: ResponseTemplate, remaining: u32| {
            common(t)
                .insert_header("x-dnsme-requestLimit", limit.to_string().as_str())
                .insert_header("x-dnsme-requestsRemaining", remaining.to_string().as_str())
        };
        let Ok(remaining) = st.take() else {
            return with_rate(fail_template(bad("Rate limit exceeded")), 0);
        };
        let t = match route(&mut st, req) {
            Ok(Out::Json(status, body)) => ResponseTemplate::new(status).set_body_json(body),
            Ok(Out::Empty(status)) => ResponseTemplate::new(status),
            Err(f) => fail_template(f),
        };
        with_rate(t, remaining)
    }
}

/// A running fake.
pub struct DnsMadeEasyFake {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    state: Arc<Mutex<State>>,
    _server: MockServer,
}

/// One fake for the whole test binary.
pub fn dnsmadeeasy() -> &'static DnsMadeEasyFake {
    static FAKE: OnceLock<DnsMadeEasyFake> = OnceLock::new();
    FAKE.get_or_init(DnsMadeEasyFake::start)
}

fn fail_panic(Fail(status, message): Fail) -> ! {
    panic!("the fake refuses: {status} {message}")
}

impl DnsMadeEasyFake {
    pub fn start() -> DnsMadeEasyFake {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let server = rt.block_on(MockServer::builder().disable_request_recording().start());
        let url = server.uri();
        let state = Arc::new(Mutex::new(State {
            domains: BTreeMap::new(),
            next_domain_id: 1_119_442,
            next_record_id: 71_893_640,
            rate: DEFAULT_RATE,
            hits: VecDeque::new(),
            skew: DEFAULT_SKEW,
            default_rows: None,
            page_cap: usize::MAX,
            request_seq: 0,
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
        DnsMadeEasyFake {
            url,
            state,
            _server: server,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `http://127.0.0.1:PORT/V2.0`
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

    /// Remove a domain (any case, with or without the final dot) and its records; clear the
    /// request log, the rate counter and any `fail_writes_after` (limits set stay).
    pub fn reset_zone(&self, zone: &str) {
        let mut st = self.lock();
        if let Some(id) = st.domain_id(zone) {
            st.domains.remove(&id);
        }
        st.log.clear();
        st.hits.clear();
        st.fail_writes = None;
    }

    /// Create a domain behind the client's back (the control panel): DME's name servers in
    /// its `nameServers`, no records in its listing. The domain's id.
    pub fn create_zone(&self, zone: &str) -> u64 {
        self.lock()
            .create_domain(&norm_zone(zone))
            .unwrap_or_else(|f| fail_panic(f))
    }

    pub fn zone_exists(&self, zone: &str) -> bool {
        self.lock().domain_id(zone).is_some()
    }

    /// The domain's id (for paths `/dns/managed/{id}/…`).
    #[allow(dead_code)]
    pub fn domain_id(&self, zone: &str) -> Option<u64> {
        self.lock().domain_id(zone)
    }

    /// The domain object as `GET /dns/managed/{id}` shows it.
    #[allow(dead_code)]
    pub fn domain(&self, zone: &str) -> Option<J> {
        let st = self.lock();
        st.domain_by_name(zone).ok().map(|d| d.full(0))
    }

    /// Every record of a domain as the API lists them (id order).
    pub fn records(&self, zone: &str) -> Vec<J> {
        self.lock()
            .domain_by_name(zone)
            .map(|d| d.records.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Create a record behind the client's back, with the API's validation (`body` as for
    /// `POST /records`); the stored record. Panics if the API would refuse it.
    pub fn add_record(&self, zone: &str, body: J) -> J {
        let mut st = self.lock();
        let id = st.domain_id(zone).expect("domain in the fake");
        let b = body.as_object().cloned().expect("a record object");
        st.create_records(id, &[b])
            .unwrap_or_else(|f| fail_panic(f))
            .remove(0)
    }

    /// Set fields of a stored record behind the client's back, unvalidated.
    pub fn edit_record(&self, zone: &str, id: u64, fields: J) {
        let mut st = self.lock();
        let did = st.domain_id(zone).expect("domain in the fake");
        let d = st.domains.get_mut(&did).unwrap();
        let r = d.records.get_mut(&id).expect("record in the fake");
        for (k, v) in fields.as_object().expect("an object") {
            r[k] = v.clone();
        }
        d.touch();
    }

    /// Delete a record behind the client's back.
    pub fn delete_record(&self, zone: &str, id: u64) {
        let mut st = self.lock();
        if let Some(did) = st.domain_id(zone) {
            let d = st.domains.get_mut(&did).unwrap();
            d.records.remove(&id);
            d.touch();
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

    /// At most `limit` requests in any `window` (each counts for `window` after it is made);
    /// the counter restarts. DME's documented limit is `set_rate(150, 300 s)`.
    pub fn set_rate(&self, limit: u32, window: Duration) {
        let mut st = self.lock();
        st.rate = Limit { limit, window };
        st.hits.clear();
    }

    /// How far `x-dnsme-requestDate` may be from the fake's clock (30 s unless set).
    #[allow(dead_code)]
    pub fn set_clock_skew(&self, skew: Duration) {
        self.lock().skew = skew;
    }

    /// The page size of a listing without `rows` (`None`: the whole list, the default).
    #[allow(dead_code)]
    pub fn set_default_rows(&self, rows: Option<usize>) {
        self.lock().default_rows = rows.map(|r| r.max(1));
    }

    /// The largest `rows` honoured (none unless set).
    #[allow(dead_code)]
    pub fn set_page_size_cap(&self, n: usize) {
        self.lock().page_cap = n.max(1);
    }

    /// Let `pass` record-write requests (POST, createMulti, PUT, updateMulti, DELETE of one
    /// record or many; a bulk request counts as one) through, then refuse the next one with
    /// `status` and `{"error": [message]}` (once).
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

    fn error(&self) -> String {
        self.json()["error"][0]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// The three auth headers for `date` (an HTTP date) with `key` and `secret`.
fn signed(key: &str, secret: &str, date: &str) -> Vec<(String, String)> {
    vec![
        ("x-dnsme-apiKey".into(), key.into()),
        ("x-dnsme-requestDate".into(), date.into()),
        ("x-dnsme-hmac".into(), dme_hmac(secret, date)),
    ]
}

fn http_now() -> String {
    httpdate::fmt_http_date(SystemTime::now())
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

    fn send(&self, method: &str, url: &str, headers: &[(String, String)], body: Option<J>) -> Resp {
        self.rt.block_on(async {
            let mut r = self
                .client
                .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url);
            for (k, v) in headers {
                r = r.header(k.as_str(), v.as_str());
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
    fake: DnsMadeEasyFake,
    http: Http,
}

impl Env {
    fn new() -> Env {
        Env {
            fake: DnsMadeEasyFake::start(),
            http: Http::new(),
        }
    }

    /// A signed request to `/V2.0/dns/managed{path}`.
    fn call(&self, method: &str, path: &str, body: Option<J>) -> Resp {
        let url = format!("{}/dns/managed{path}", self.fake.api_url());
        let h = signed(DME_API_KEY, DME_SECRET, &http_now());
        self.http.send(method, &url, &h, body)
    }

    fn records_path(&self, zone: &str) -> String {
        format!("/{}/records", self.fake.domain_id(zone).unwrap())
    }

    fn post(&self, zone: &str, body: J) -> Resp {
        self.call("POST", &self.records_path(zone), Some(body))
    }

    fn values(&self, zone: &str) -> Vec<String> {
        self.fake
            .records(zone)
            .iter()
            .map(|r| format!("{} {} {}", r["name"], r["type"], r["value"]))
            .collect()
    }
}

fn a(name: &str, ip: &str) -> J {
    json!({"name": name, "type": "A", "value": ip, "ttl": 300, "gtdLocation": "DEFAULT"})
}

#[test]
fn dnsmadeeasy_fake_shared_and_helpers() {
    let f = dnsmadeeasy();
    assert!(std::ptr::eq(f, dnsmadeeasy()));
    assert_eq!(f.api_url(), format!("http://127.0.0.1:{}/V2.0", f.port()));
    let zone = "helpers.dme-fake.example.";
    f.reset_zone(zone);
    assert!(!f.zone_exists(zone));
    let id = f.create_zone(zone);
    assert!(f.zone_exists("HELPERS.dme-fake.example"));
    assert_eq!(f.domain_id(zone), Some(id));
    assert!(
        f.records(zone).is_empty(),
        "system NS and SOA are not listed"
    );
    let d = f.domain(zone).unwrap();
    assert_eq!(d["name"], "helpers.dme-fake.example");
    assert_eq!(d["nameServers"][0]["fqdn"], "ns0.dnsmadeeasy.com");
    assert_eq!(d["nameServers"].as_array().unwrap().len(), 5);
    let r = f.add_record(zone, a("www", "192.0.2.7"));
    assert_eq!(r["sourceId"], id);
    assert_eq!(
        (&r["gtdLocation"], &r["source"]),
        (&json!("DEFAULT"), &json!(1))
    );
    let rid = r["id"].as_u64().unwrap();
    f.edit_record(zone, rid, json!({"value": "not an address"}));
    assert_eq!(f.records(zone)[0]["value"], "not an address");
    f.delete_record(zone, rid);
    assert!(f.records(zone).is_empty());
    f.reset_zone(zone);
    assert!(!f.zone_exists(zone) && f.requests().is_empty());
}

#[test]
#[should_panic(expected = "400")]
fn dnsmadeeasy_fake_add_record_refuses_like_the_api() {
    let f = DnsMadeEasyFake::start();
    f.create_zone("refuse.example");
    f.add_record(
        "refuse.example",
        json!({"name": "x", "type": "A", "value": "300.1.1.1", "ttl": 300}),
    );
}

#[test]
fn dnsmadeeasy_fake_checks_the_signature() {
    let e = Env::new();
    let url = format!("{}/dns/managed/", e.fake.api_url());
    let now = http_now();
    let cases: Vec<(Vec<(String, String)>, &str)> = vec![
        (vec![], "Missing API key or HMAC"),
        (
            signed(DME_API_KEY, DME_SECRET, &now)[..2].to_vec(),
            "Missing API key or HMAC",
        ),
        (
            signed("00000000-0000-0000-0000-000000000000", DME_SECRET, &now),
            "API key not found",
        ),
        (
            signed(DME_API_KEY, "not-the-secret", &now),
            "Unable to verify HMAC",
        ),
        (
            signed(DME_API_KEY, DME_SECRET, "dim., 28 août 2022 09:24:45 UTC"),
            "Invalid request date header: dim., 28 août 2022 09:24:45 UTC",
        ),
    ];
    for (h, msg) in cases {
        let r = e.http.send("GET", &url, &h, None);
        assert_eq!((r.status, r.error()), (403, msg.to_string()), "{h:?}");
        assert!(r.header("x-dnsme-requestId").is_some());
        assert!(r.header("x-dnsme-requestsRemaining").is_none());
    }
    // DME's byte-exact error body
    let r = e
        .http
        .send("GET", &url, &signed(DME_API_KEY, "x", &now), None);
    assert_eq!(r.body, r#"{"error": ["Unable to verify HMAC"]}"#);
    // a date 60 s old is too far out of sync; 10 s is fine
    let old = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(60));
    let r = e
        .http
        .send("GET", &url, &signed(DME_API_KEY, DME_SECRET, &old), None);
    assert_eq!(r.status, 403);
    assert!(
        r.error().starts_with(
            "Request sent with date header too far out of sync.  Difference in times is 6"
        ),
        "{}",
        r.body
    );
    let recent = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(10));
    let r = e
        .http
        .send("GET", &url, &signed(DME_API_KEY, DME_SECRET, &recent), None);
    assert_eq!(r.status, 200, "{}", r.body);
    // the `+0000` form (octodns-dnsmadeeasy's) and an upper-case HMAC are accepted
    let plus = now.replace(" GMT", " +0000");
    let mut h = signed(DME_API_KEY, DME_SECRET, &plus);
    h[2].1 = h[2].1.to_uppercase();
    let r = e.http.send("GET", &url, &h, None);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({"totalPages": 1, "totalRecords": 0, "data": [], "page": 0})
    );
    assert_eq!(r.header("x-dnsme-requestLimit"), Some("1000000"));
    assert_eq!(r.header("server"), Some("DNSME API"));
    // refused requests were not counted (two went through)
    assert_eq!(r.header("x-dnsme-requestsRemaining"), Some("999998"));
    assert_eq!(
        parse_request_date("Sat, 12 Feb 2011 20:59:04 GMT"),
        Some(1_297_544_344_000)
    );
    assert_eq!(
        parse_request_date("Sat, 12 Feb 2011 21:59:04 +0100"),
        Some(1_297_544_344_000)
    );
}

#[test]
fn dnsmadeeasy_fake_domains() {
    let e = Env::new();
    let c = e.call("POST", "/", Some(json!({"name": "Shop.Example"})));
    assert_eq!(c.status, 201, "{}", c.body);
    let d = c.json();
    assert_eq!(
        (&d["name"], &d["pendingActionId"]),
        (&json!("shop.example"), &json!(1))
    );
    assert_eq!(d["nameServers"].as_array().unwrap().len(), 5);
    let id = d["id"].as_u64().unwrap();
    assert_eq!(
        e.call("POST", "/", Some(json!({"name": "shop.example"})))
            .status,
        400
    );
    for bad in [
        json!({"name": "shop.example."}),
        json!({"name": "nodot"}),
        json!({}),
    ] {
        assert_eq!(e.call("POST", "/", Some(bad)).status, 400);
    }
    let list = e.call("GET", "/", None).json();
    assert_eq!(
        (&list["totalRecords"], &list["page"]),
        (&json!(1), &json!(0))
    );
    assert_eq!(list["data"][0]["id"], id);
    assert_eq!(list["data"][0]["pendingActionId"], 0);
    assert!(list["data"][0].get("nameServers").is_none());
    for path in [
        "/name?domainname=shop.example".to_string(),
        "/id/shop.example".to_string(),
        format!("/{id}"),
    ] {
        let g = e.call("GET", &path, None);
        assert_eq!((g.status, &g.json()["id"]), (200, &json!(id)), "{path}");
        assert_eq!(g.json()["nameServers"][4]["fqdn"], "ns4.dnsmadeeasy.com");
    }
    let missing = e.call("GET", "/name?domainname=nope.example", None);
    assert_eq!(
        (missing.status, missing.error()),
        (404, "Domain not found".into())
    );
    assert_eq!(e.call("GET", "/id/nope.example", None).status, 404);
    assert_eq!(e.call("GET", "/999/records", None).status, 404);
    assert_eq!(e.call("PATCH", &format!("/{id}"), None).status, 405);
    let del = e.call("DELETE", &format!("/{id}"), None);
    assert_eq!((del.status, del.body.as_str()), (200, ""));
    assert!(!e.fake.zone_exists("shop.example"));
}

/// `{name, type, value, ttl: 300}` and the fields of `extra`.
fn rec(name: &str, ty: &str, value: &str, extra: J) -> J {
    let mut r = json!({"name": name, "type": ty, "value": value, "ttl": 300});
    for (k, v) in extra.as_object().expect("an object") {
        r[k] = v.clone();
    }
    r
}

#[test]
fn dnsmadeeasy_fake_record_shapes() {
    let e = Env::new();
    let z = "shapes.example";
    let did = e.fake.create_zone(z);
    let none = || json!({});
    let cases = [
        (rec("", "A", "192.0.2.1", none()), "192.0.2.1"),
        (rec("v6", "AAAA", "2001:db8::1", none()), "2001:db8::1"),
        (
            rec("www", "CNAME", "t.example.net.", none()),
            "t.example.net.",
        ),
        (rec("rel", "CNAME", "www", none()), "www"),
        (
            rec("", "ANAME", "lb.example.net.", none()),
            "lb.example.net.",
        ),
        (
            rec("", "MX", "mx1.example.net.", json!({"mxLevel": 10})),
            "mx1.example.net.",
        ),
        (
            rec("", "NS", "ns1.example.net.", json!({"ttl": 86400})),
            "ns1.example.net.",
        ),
        (rec("sub", "NS", "ns2", none()), "ns2"),
        (
            rec("ptr", "PTR", "host.example.net.", none()),
            "host.example.net.",
        ),
        (
            rec(
                "_sip._tcp",
                "SRV",
                "sip.example.net.",
                json!({"priority": 1, "weight": 5, "port": 5060, "ttl": 600}),
            ),
            "sip.example.net.",
        ),
        (rec("txt", "TXT", "v=spf1 -all", none()), "\"v=spf1 -all\""),
        (
            rec("txt", "TXT", "\"already quoted\"", none()),
            "\"already quoted\"",
        ),
        (
            rec("txt", "TXT", "\"two\" \"strings\"", none()),
            "\"two\"\"strings\"",
        ),
        (
            rec("spf", "SPF", "v=spf1 mx -all", none()),
            "\"v=spf1 mx -all\"",
        ),
        (
            rec(
                "",
                "CAA",
                "letsencrypt.org",
                json!({"caaType": "issue", "issuerCritical": 0}),
            ),
            "\"letsencrypt.org\"",
        ),
        (
            rec(
                "go",
                "HTTPRED",
                "https://example.net/",
                json!({"redirectType": "Standard - 301"}),
            ),
            "https://example.net/",
        ),
        (
            rec("*.wild", "A", "192.0.2.9", json!({"ttl": 60})),
            "192.0.2.9",
        ),
        (rec("long", "TXT", &"x".repeat(600), none()), ""),
    ];
    for (body, value) in cases {
        let r = e.post(z, body.clone());
        assert_eq!(r.status, 201, "{body} → {}", r.body);
        let rec = r.json();
        assert!(rec["id"].is_u64() && rec["sourceId"] == did, "{rec}");
        assert_eq!(rec["gtdLocation"], "DEFAULT");
        if !value.is_empty() {
            assert_eq!(rec["value"], value, "{body}");
        }
    }
    let recs = e.fake.records(z);
    let by = |name: &str, ty: &str| {
        recs.iter()
            .find(|r| r["name"] == name && r["type"] == ty)
            .unwrap()
            .clone()
    };
    let mx = by("", "MX");
    assert_eq!(mx["mxLevel"], 10);
    assert!(mx.get("priority").is_none() && mx.get("caaType").is_none());
    let srv = by("_sip._tcp", "SRV");
    let f = |r: &J, ks: &[&str]| ks.iter().map(|k| r[*k].clone()).collect::<Vec<J>>();
    assert_eq!(
        f(&srv, &["priority", "weight", "port", "ttl"]),
        [1, 5, 5060, 600]
    );
    let caa = by("", "CAA");
    assert_eq!(
        f(&caa, &["caaType", "issuerCritical"]),
        [json!("issue"), json!(0)]
    );
    let red = by("go", "HTTPRED");
    assert_eq!(
        f(&red, &["redirectType", "title", "hardLink"]),
        [json!("Standard - 301"), json!(""), json!(false)]
    );
    let split = by("long", "TXT")["value"].as_str().unwrap().to_string();
    let pieces: Vec<usize> = split[1..split.len() - 1]
        .split("\"\"")
        .map(str::len)
        .collect();
    assert_eq!(pieces, [255, 255, 90]);
    let apex_a = by("", "A");
    let keys: Vec<&str> = apex_a
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut want = [
        "id",
        "name",
        "type",
        "value",
        "ttl",
        "gtdLocation",
        "source",
        "sourceId",
        "failover",
        "monitor",
        "failed",
        "dynamicDns",
        "hardLink",
    ];
    want.sort();
    assert_eq!(keys, want);
}

#[test]
fn dnsmadeeasy_fake_refuses_bad_records() {
    let e = Env::new();
    let z = "bad.example";
    e.fake.create_zone(z);
    e.fake.add_record(z, a("host", "192.0.2.1"));
    let none = || json!({});
    let srv = |v: &str, extra: J| {
        let mut r = rec("_a._tcp", "SRV", v, json!({"priority": 0, "weight": 0}));
        for (k, x) in extra.as_object().unwrap() {
            r[k] = x.clone();
        }
        r
    };
    let caa = |tag: &str, flags: J| {
        rec(
            "",
            "CAA",
            "ca.example",
            json!({"caaType": tag, "issuerCritical": flags}),
        )
    };
    let mut no_ttl = a("www", "192.0.2.1");
    no_ttl.as_object_mut().unwrap().remove("ttl");
    let mut no_name = a("www", "192.0.2.1");
    no_name.as_object_mut().unwrap().remove("name");
    let bad = [
        rec("www", "A", "192.0.2", none()),
        no_ttl,
        no_name,
        rec("www", "A", "192.0.2.1", json!({"ttl": "300"})),
        rec("@", "A", "192.0.2.1", none()),
        rec("www.bad.example.", "A", "192.0.2.1", none()),
        rec("www", "a", "192.0.2.1", none()),
        rec("www", "SOA", "x", none()),
        rec("www", "AAAA", "192.0.2.1", none()),
        rec("www", "A", "192.0.2.1", json!({"gtdLocation": "EUROPE"})),
        rec("www", "A", "192.0.2.1", json!({"gtdLocation": "MARS"})),
        rec("", "MX", "mx.example.net.", none()),
        rec("", "MX", "mx.example.net.", json!({"mxLevel": 65536})),
        srv(".", json!({"port": 0})),
        srv("t.example.", none()),
        caa("contactemail", json!(0)),
        caa("issue", json!(256)),
        caa("issue", J::Null),
        rec("c", "CNAME", "not a host", none()),
        rec("c", "CNAME", "", none()),
        rec("host", "CNAME", "t.example.", none()),
        rec("", "CNAME", "t.example.", none()),
        rec("host", "A", "192.0.2.1", none()),
        rec("t", "TXT", "say \"hi\"", none()),
        rec("t", "TXT", "\"a\\\"b\"", none()),
        rec("t", "TXT", "\"\"", none()),
        rec(
            "r",
            "HTTPRED",
            "example.net",
            json!({"redirectType": "Standard - 301"}),
        ),
        rec(
            "r",
            "HTTPRED",
            "https://example.net",
            json!({"redirectType": "302"}),
        ),
    ];
    for b in bad {
        let r = e.post(z, b.clone());
        assert_eq!(r.status, 400, "{b} → {} {}", r.status, r.body);
        assert!(!r.error().is_empty(), "{}", r.body);
    }
    let dot = e.post(z, srv(".", json!({"port": 0})));
    assert_eq!(
        dot.body,
        r#"{"error": ["Record value may not be a standalone dot."]}"#
    );
    let garbage = e.http.send(
        "POST",
        &format!("{}/dns/managed{}", e.fake.api_url(), e.records_path(z)),
        &signed(DME_API_KEY, DME_SECRET, &http_now()),
        None,
    );
    assert_eq!(
        (garbage.status, garbage.error()),
        (400, "Invalid JSON".into())
    );
    assert_eq!(e.fake.records(z).len(), 1);
}

#[test]
fn dnsmadeeasy_fake_multi_and_bulk() {
    let e = Env::new();
    let z = "bulk.example";
    e.fake.create_zone(z);
    let p = e.records_path(z);
    let made = e.call(
        "POST",
        &format!("{p}/createMulti"),
        Some(json!([
            a("one", "192.0.2.1"),
            a("two", "192.0.2.2"),
            a("three", "192.0.2.3")
        ])),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    let ids: Vec<u64> = made
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    // all or nothing: one bad record, or two that clash with each other
    for batch in [
        json!([a("four", "192.0.2.4"), a("five", "192.0.2")]),
        json!([a("six", "192.0.2.6"), a("six", "192.0.2.6")]),
        json!([]),
        json!({"name": "x"}),
    ] {
        let r = e.call("POST", &format!("{p}/createMulti"), Some(batch.clone()));
        assert_eq!(r.status, 400, "{batch}");
    }
    assert_eq!(e.fake.records(z).len(), 3);
    // updateMulti: every record with its id
    let mut upd = vec![a("one", "198.51.100.1"), a("two", "198.51.100.2")];
    upd[0]["id"] = json!(ids[0]);
    upd[1]["id"] = json!(ids[1]);
    let u = e.call(
        "PUT",
        &format!("{p}/updateMulti"),
        Some(J::Array(upd.clone())),
    );
    assert_eq!((u.status, u.body.as_str()), (200, ""));
    let mut bad = upd.clone();
    bad[0]["value"] = json!("203.0.113.1");
    bad[1]["type"] = json!("AAAA");
    bad[1]["value"] = json!("2001:db8::2");
    assert_eq!(
        e.call("PUT", &format!("{p}/updateMulti"), Some(J::Array(bad)))
            .status,
        400
    );
    let no_id = json!([a("one", "203.0.113.9")]);
    assert_eq!(
        e.call("PUT", &format!("{p}/updateMulti"), Some(no_id))
            .status,
        400
    );
    assert_eq!(
        e.values(z),
        [
            r#""one" "A" "198.51.100.1""#,
            r#""two" "A" "198.51.100.2""#,
            r#""three" "A" "192.0.2.3""#
        ]
    );
    // PUT one record: the whole record, its type kept
    let one = format!("{p}/{}", ids[2]);
    let put = e.call("PUT", &one, Some(a("third", "192.0.2.33")));
    assert_eq!((put.status, put.body.as_str()), (200, ""));
    let txt = json!({"name": "third", "type": "TXT", "value": "x", "ttl": 300});
    assert_eq!(e.call("PUT", &one, Some(txt)).status, 400);
    assert_eq!(
        e.call("PUT", &format!("{p}/1"), Some(a("x", "192.0.2.1")))
            .status,
        404
    );
    // bulk delete: an unknown id deletes nothing; comma-separated and repeated ids
    let miss = e.call("DELETE", &format!("{p}?ids={},42", ids[0]), None);
    assert_eq!(miss.status, 404);
    assert_eq!(e.fake.records(z).len(), 3);
    let d = e.call("DELETE", &format!("{p}?ids={},{}", ids[0], ids[1]), None);
    assert_eq!((d.status, d.body.as_str()), (200, ""));
    assert_eq!(e.values(z), [r#""third" "A" "192.0.2.33""#]);
    let again = e.call(
        "POST",
        &format!("{p}/createMulti"),
        Some(json!([a("a", "192.0.2.1"), a("b", "192.0.2.2")])),
    );
    let new: Vec<u64> = again
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect();
    let d = e.call(
        "DELETE",
        &format!("{p}?ids={}&ids={}", new[0], new[1]),
        None,
    );
    assert_eq!(d.status, 200);
    assert_eq!(e.fake.records(z).len(), 1);
    assert_eq!(e.call("DELETE", &format!("{p}?ids=abc"), None).status, 400);
    let single = e.call("DELETE", &one, None);
    assert_eq!((single.status, single.body.as_str()), (200, ""));
    assert_eq!(e.call("DELETE", &one, None).status, 404);
    // without ids every record goes
    e.fake.add_record(z, a("x", "192.0.2.1"));
    assert_eq!(e.call("DELETE", &p, None).status, 200);
    assert!(e.fake.records(z).is_empty());
}

#[test]
fn dnsmadeeasy_fake_paging_and_filters() {
    let e = Env::new();
    let z = "paged.example";
    e.fake.create_zone(z);
    for i in 0..25 {
        e.fake.add_record(z, a(&format!("h{i:02}"), "192.0.2.1"));
    }
    e.fake.add_record(
        z,
        json!({"name": "h00", "type": "TXT", "value": "t", "ttl": 300}),
    );
    let p = e.records_path(z);
    let all = e.call("GET", &p, None).json();
    assert_eq!(
        (&all["totalRecords"], &all["totalPages"]),
        (&json!(26), &json!(1))
    );
    assert_eq!(all["data"].as_array().unwrap().len(), 26);
    let mut seen = Vec::new();
    for page in 0..3 {
        let r = e
            .call("GET", &format!("{p}?page={page}&rows=10"), None)
            .json();
        assert_eq!(
            (&r["page"], &r["totalPages"], &r["totalRecords"]),
            (&json!(page), &json!(3), &json!(26))
        );
        seen.extend(
            r["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].clone()),
        );
    }
    assert_eq!(
        seen,
        all["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].clone())
            .collect::<Vec<_>>()
    );
    let past = e.call("GET", &format!("{p}?page=3&rows=10"), None).json();
    assert_eq!(past["data"], json!([]));
    e.fake.set_default_rows(Some(7));
    let d = e.call("GET", &p, None).json();
    assert_eq!(
        (d["data"].as_array().unwrap().len(), &d["totalPages"]),
        (7, &json!(4))
    );
    e.fake.set_default_rows(None);
    e.fake.set_page_size_cap(5);
    let c = e.call("GET", &format!("{p}?rows=100"), None).json();
    assert_eq!(
        (c["data"].as_array().unwrap().len(), &c["totalPages"]),
        (5, &json!(6))
    );
    e.fake.set_page_size_cap(usize::MAX);
    for q in ["rows=0", "rows=x", "page=-1"] {
        assert_eq!(e.call("GET", &format!("{p}?{q}"), None).status, 400, "{q}");
    }
    let f = e.call("GET", &format!("{p}?recordName=h00"), None).json();
    assert_eq!(f["totalRecords"], 2);
    let f = e
        .call("GET", &format!("{p}?recordName=h00&type=TXT"), None)
        .json();
    assert_eq!(
        (&f["totalRecords"], &f["data"][0]["value"]),
        (&json!(1), &json!("\"t\""))
    );
    // the domain list pages the same way
    e.fake.create_zone("second.example");
    let l = e.call("GET", "/?rows=1&page=1", None).json();
    assert_eq!(
        (&l["totalPages"], &l["data"][0]["name"]),
        (&json!(2), &json!("second.example"))
    );
}

#[test]
fn dnsmadeeasy_fake_rate_limit() {
    let e = Env::new();
    e.fake.set_rate(3, Duration::from_secs(300));
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let r = e.call("GET", "/", None);
        assert_eq!(r.status, 200);
        assert_eq!(r.header("x-dnsme-requestLimit"), Some("3"));
        remaining.push(r.header("x-dnsme-requestsRemaining").unwrap().to_string());
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let r = e.call("GET", "/", None);
    assert_eq!(r.status, 400);
    assert_eq!(r.body, r#"{"error": ["Rate limit exceeded"]}"#);
    assert_eq!(r.body.len(), 34);
    assert_eq!(r.header("x-dnsme-requestsRemaining"), Some("0"));
    assert_eq!(r.header("x-dnsme-requestLimit"), Some("3"));
    // a rolling window: each request frees its place `window` after it was made
    e.fake.set_rate(2, Duration::from_millis(400));
    assert_eq!(e.call("GET", "/", None).status, 200);
    std::thread::sleep(Duration::from_millis(250));
    assert_eq!(e.call("GET", "/", None).status, 200);
    assert_eq!(e.call("GET", "/", None).status, 400);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(e.call("GET", "/", None).status, 200);
    assert_eq!(e.call("GET", "/", None).status, 400);
}

#[test]
fn dnsmadeeasy_fake_fail_writes_after() {
    let e = Env::new();
    let z = "faults.example";
    e.fake.create_zone(z);
    let p = e.records_path(z);
    e.fake.fail_writes_after(1, 500, "Internal error");
    let multi = json!([a("one", "192.0.2.1"), a("two", "192.0.2.2")]);
    assert_eq!(
        e.call("POST", &format!("{p}/createMulti"), Some(multi))
            .status,
        201
    );
    assert_eq!(e.call("GET", &p, None).status, 200, "reads are not writes");
    let f = e.post(z, a("three", "192.0.2.3"));
    assert_eq!(
        (f.status, f.body.as_str()),
        (500, r#"{"error": ["Internal error"]}"#)
    );
    assert_eq!(e.post(z, a("three", "192.0.2.3")).status, 201);
    assert_eq!(e.fake.records(z).len(), 3);
    let log = e.fake.requests();
    assert_eq!(log[0], format!("POST /V2.0/dns/managed{p}/createMulti"));
    assert_eq!(log[1], format!("GET /V2.0/dns/managed{p}"));
}

/// octodns-dnsmadeeasy (the venv's) through the HTTPS proxy: it lists a zone, creates records
/// in bulk and deletes them in bulk.
#[test]
fn octodns_dnsmadeeasy_talks_to_the_fake_through_the_proxy() {
    let fake = DnsMadeEasyFake::start();
    let proxy = crate::https_proxy::HttpsProxy::start(&[("api.dnsmadeeasy.com", fake.port())]);
    let zone = "octo.dme-fake.test.";
    fake.create_zone(zone);
    fake.add_record(zone, a("old", "192.0.2.9"));
    fake.add_record(
        zone,
        json!({"name": "", "type": "MX", "value": "mx1", "mxLevel": 10, "ttl": 300}),
    );
    fake.add_record(
        zone,
        json!({"name": "", "type": "CAA", "value": "ca.example.net", "caaType": "issue", "issuerCritical": 0, "ttl": 3600}),
    );
    let script = r#"
import sys
from octodns.record import Record
from octodns.zone import Zone
from octodns_dnsmadeeasy import DnsMadeEasyProvider
key, secret, name = sys.argv[1:4]
p = DnsMadeEasyProvider('dme', key, secret)
z = Zone(name, [])
print('exists', p.populate(z))
for r in sorted(z.records, key=lambda r: (r.name, r._type)):
    print('got', r._type, repr(r.name), r.data)
want = Zone(name, [])
for rname, data in [
    ('www', {'type': 'A', 'ttl': 300, 'values': ['192.0.2.1', '192.0.2.2']}),
    ('', {'type': 'MX', 'ttl': 300, 'value': {'preference': 10, 'exchange': 'mx1.octo.dme-fake.test.'}}),
    ('', {'type': 'CAA', 'ttl': 3600, 'value': {'flags': 0, 'tag': 'issue', 'value': 'ca.example.net'}}),
    ('txt', {'type': 'TXT', 'ttl': 600, 'value': 'v=spf1 -all\\; ' + 'x' * 300}),
    ('_sip._tcp', {'type': 'SRV', 'ttl': 600, 'value': {'priority': 1, 'weight': 5, 'port': 5060, 'target': 'sip.example.net.'}}),
    ('alias', {'type': 'CNAME', 'ttl': 300, 'value': 'www.octo.dme-fake.test.'}),
]:
    want.add_record(Record.new(want, rname, data))
plan = p.plan(want)
print('changes', len(plan.changes))
p.apply(plan)
again = Zone(name, [])
p2 = DnsMadeEasyProvider('dme2', key, secret)
p2.populate(again)
print('replan', p2.plan(want))
"#;
    let python = crate::harness::venv().join("bin/python");
    let o = std::process::Command::new(&python)
        .args(["-c", script, DME_API_KEY, DME_SECRET, zone])
        .env_remove("REQUESTS_CA_BUNDLE")
        .env_remove("CURL_CA_BUNDLE")
        .env_remove("SSL_CERT_FILE")
        .envs(proxy.env())
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", python.display()));
    let out = crate::suite::show(&o);
    assert!(o.status.success(), "{out}\n{}", proxy.log());
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("exists True"), "{out}");
    // what it read: relative host values made absolute, CAA unquoted
    assert!(
        stdout.contains("got MX '' {'ttl': 300, 'value': '10 mx1.octo.dme-fake.test.'}"),
        "{out}"
    );
    assert!(
        stdout.contains("got CAA '' {'ttl': 3600, 'value': 0 issue \"ca.example.net\"}"),
        "{out}"
    );
    assert!(stdout.contains("changes 5"), "{out}");
    assert!(stdout.contains("replan None"), "{out}");
    let log = fake.requests();
    let id = fake.domain_id(zone).unwrap();
    let base = "/V2.0/dns/managed";
    assert_eq!(log[0], format!("GET {base}/"), "{log:#?}");
    assert_eq!(log[1], format!("GET {base}/{id}/records"), "{log:#?}");
    assert!(
        log.contains(&format!("GET {base}/id/octo.dme-fake.test")),
        "{log:#?}"
    );
    let delete = log
        .iter()
        .find(|l| l.starts_with("DELETE"))
        .expect("a bulk delete");
    assert!(
        delete.starts_with(&format!("DELETE {base}/{id}/records?ids=")),
        "{delete}"
    );
    assert!(
        log.contains(&format!("POST {base}/{id}/records/createMulti")),
        "{log:#?}"
    );
    let recs = fake.records(zone);
    let txt = recs.iter().find(|r| r["type"] == "TXT").unwrap();
    assert!(
        txt["value"].as_str().unwrap().contains("\"\""),
        "split: {txt}"
    );
    assert!(!recs.iter().any(|r| r["name"] == "old"));
    eprintln!("octodns-dnsmadeeasy sent:\n{}", log.join("\n"));
    for r in &recs {
        eprintln!("stored {r}");
    }
}
