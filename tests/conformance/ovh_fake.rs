//! A stateful fake of the OVHcloud API v1 (`/1.0`) `/domain/zone` endpoints and `/auth/time`,
//! on a wiremock server on 127.0.0.1, for the `ovh` provider and (through the HTTPS proxy,
//! since the `ovh` python library has `https://eu.api.ovh.com/1.0` built in for `ovh-eu`) for
//! octodns-ovh.
//!
//! Written from OVHcloud's published API description: the API schema `domain.json` (the
//! operations `/domain/zone`, `/domain/zone/{zoneName}`, `/record`, `/record/{id}`,
//! `/refresh`, `/soa`, `/status`; the models `domain.zone.Zone`, `domain.zone.Record` (which
//! properties are read-only), `domain.zone.Soa`, `zone.Status`, the enum
//! `zone.NamedResolutionFieldTypeEnum`; the filter kinds "like" / "ilike"), the guide "First
//! Steps with the OVHcloud APIs" (ovh/docs: the signature formula, its worked example, replay
//! protection by timestamp, `GET /auth/time`), the Web Cloud guides "DNS records" (no CNAME at
//! the apex; NS `dnsXX.ovh.net` / `nsXX.ovh.net`) and "Creating an OVHcloud DNS zone" (zones
//! come with a domain or a zone order, with or without "minimal entries"), and the API's
//! answers as quoted in public bug reports (error bodies, `null` for void operations, TXT
//! targets quoted since 2025). The `ovh` python library and octodns-ovh were read only for
//! which endpoints and fields they use.
//!
//! ## Faithful
//!
//! - Signing: `X-Ovh-Application` (AK), `X-Ovh-Consumer` (CK), `X-Ovh-Timestamp`,
//!   `X-Ovh-Signature` = `"$1$" + sha1_hex(AS+"+"+CK+"+"+METHOD+"+"+URL+"+"+BODY+"+"+TS)`
//!   (the guide's worked example is a self-test). URL is the full URL the client called,
//!   rebuilt from the request's Host, path and query; a client behind the HTTPS proxy signs
//!   `https://eu.api.ovh.com/1.0/…` and a direct one `http://127.0.0.1:PORT/1.0/…`, so a
//!   signature over the rebuilt URL with either scheme is accepted. BODY is the raw body
//!   (`""` without one), TS the header as sent.
//! - `GET /1.0/auth/time` needs no authentication and answers the server's Unix time as a bare
//!   JSON number (`set_clock_skew` moves that clock, as a client must then follow it).
//! - Errors as the API sends them: `{"class": "Client::…", "message": …}`, with `errorCode`
//!   and `httpCode` for authentication (bodies as quoted in bug reports; that one body has
//!   all four keys is a guess): a bad signature 400 `INVALID_SIGNATURE` "Invalid signature";
//!   an unknown consumer key 403 `INVALID_CREDENTIAL` "This credential is not valid"; a
//!   missing zone 404 "This service does not exist" (octodns-ovh keys on that text);
//!   a missing record 404 "The requested object (id = N) does not exist". Void operations
//!   (PUT, DELETE, refresh) answer 200 with the body `null`.
//! - `GET /domain/zone`: the zone names; `GET /domain/zone/{zone}`: `domain.zone.Zone`
//!   `{name, dnssecSupported, hasDnsAnycast, lastUpdate, nameServers}`. Zones cannot be created
//!   through this API (they come with a domain or a "DNS zone" order in the control panel):
//!   there is no POST, and `create_zone` stands for that order.
//! - Records: `GET /record?fieldType=&subDomain=` lists ids (`long[]`; fieldType "like",
//!   subDomain "ilike"); `POST /record` `{fieldType, subDomain?, target, ttl?}` answers the
//!   `domain.zone.Record` `{id, zone, fieldType, subDomain, target, ttl}`; `GET/PUT/DELETE
//!   /record/{id}`; PUT sets `subDomain`, `target`, `ttl` (`fieldType`, `id`, `zone` are
//!   read-only). `subDomain` is `""` at the apex, `ttl` 0 means the zone's default and is
//!   listed as 0. Field types: the enum (A, AAAA, CAA, CNAME, DKIM, DMARC, DNAME, LOC, MX,
//!   NAPTR, NS, PTR, SPF, SRV, SSHFP, TLSA, TXT) plus HTTPS and SVCB.
//! - Targets in presentation format, stored as sent (host names keep or lack their final
//!   dot; without it they are relative to the zone, as the control panel's "real target"
//!   shows), except TXT, which is listed quoted: `test` is stored as `"test"`.
//! - Changes are applied to the DNS servers on `POST /refresh` ("Don't forget to refresh the
//!   zone"): the fake keeps the records as the API lists them and, apart, the `live` records
//!   the servers serve as of the last refresh (`live_records`, `refreshes`); `GET /status`
//!   `{isDeployed, errors, warnings}` says whether they differ; each refresh bumps the SOA
//!   serial (`GET /soa`). Control-panel edits (`add_record`, `edit_record`, `delete_record`)
//!   apply at once, as the control panel does.
//! - A new zone holds only the minimal entries: NS `dns111.ovh.net.` and `ns111.ovh.net.` at
//!   the apex (TTL 0), which are the zone's `nameServers`. No CNAME at the apex.
//! - No rate limit is documented for the v1 API: none here.
//!
//! ## Simplified or guessed
//!
//! - The timestamp window (±180 s around the server's clock) and its answer: 400
//!   `QUERY_TIME_OUT` "Query out of time". No `X-Ovh-Application`, or no consumer, timestamp or
//!   signature: 401 `NOT_AUTHENTICATED` "You must login first"; an unknown application key:
//!   403 `INVALID_KEY` "This application key is invalid". The checks run in that order (key,
//!   headers, time, credential, signature). Credentials have every right (no access rules).
//! - Validation wordings (400, `Client::BadRequest`) and rules: A an IPv4, AAAA an IPv6
//!   address; CNAME/DNAME/NS/PTR a host name; MX `pref host`; SRV `prio weight port host`;
//!   CAA `flags tag value`; NAPTR `order pref "flags" "service" "regexp" replacement`; SSHFP
//!   `alg type hex`; TLSA `usage selector mtype hex`; SVCB/HTTPS `prio target params…`; LOC
//!   with N/S and E/W; DKIM with `p=`, DMARC starting `v=DMARC1`; SPF and TXT any non-empty
//!   text. A CNAME shares its name with no other record. `subDomain` labels of letters, digits,
//!   `-`, `_` (`*` first), kept as sent; an underscore is refused for A and AAAA ("Invalid
//!   domain name, underscore not allowed", a wording seen in a bug report). Identical records
//!   are not refused (clients are seen to check for duplicates themselves).
//! - TXT quoting: a target that is already quoted strings (`"a" "b"`) is kept, anything else is
//!   wrapped in one pair of quotes with `"` and `\` escaped; no length limit (the 255-character
//!   limit of the guides is the control panel's).
//! - HTTPS and SVCB are accepted because octodns-ovh 1.2.0 sends them; the schema copy read
//!   here does not list them.
//! - "like"/"ilike": `%` is the only wildcard (`_` is literal). Zone names in paths are
//!   matched case-insensitively. Record ids start at 5,190,000,001, listed in id order. The
//!   SOA values (`tech@ovh.net`, serial `YYYYMMDD00` of the creation day) and `lastUpdate`
//!   (RFC 3339, UTC) moving on every change. Unknown paths: 404 `Client::NotFound`; known
//!   paths with another method: 405. Unknown body keys are ignored; read-only ones must keep
//!   their value. Every answer carries an `X-Ovh-QueryID` of a made-up form.
//! - No DNSSEC, dynHost, redirection, export/import, history, reset or task endpoints.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::fake_http::{header, pct_decode, query};
use ring::digest::{SHA1_FOR_LEGACY_USE_ONLY, digest};
use serde_json::{Map, Value as J, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The application key (AK) the fake knows.
pub const OVH_APP_KEY: &str = "Dp7nQk3vLx9sWm2T";
/// Its application secret (AS).
pub const OVH_APP_SECRET: &str = "r8FzK2mQx7LpV4nW9sTb3YhJ6cDg1RuE";
/// The consumer key (CK) validated for that application.
pub const OVH_CONSUMER_KEY: &str = "Xa4Lm9QzT2vK7pWn3RbY8sFd6HgJ1cUe";

const PREFIX: &str = "/1.0";
const TYPES: &[&str] = &[
    "A", "AAAA", "CAA", "CNAME", "DKIM", "DMARC", "DNAME", "HTTPS", "LOC", "MX", "NAPTR", "NS",
    "PTR", "SPF", "SRV", "SSHFP", "SVCB", "TLSA", "TXT",
];
const NAMESERVERS: [&str; 2] = ["dns111.ovh.net", "ns111.ovh.net"];
/// The zone's default TTL (the SOA's `ttl`), what a record TTL of 0 stands for.
const ZONE_TTL: i64 = 3600;
/// How far a request's timestamp may be from the server's clock.
const MAX_SKEW: i64 = 180;
const FIRST_ID: u64 = 5_190_000_000;

/// A refusal: status, `errorCode` (authentication errors), message.
#[derive(Debug)]
struct Fail(u16, Option<&'static str>, String);

fn bad(msg: impl Into<String>) -> Fail {
    Fail(400, None, msg.into())
}

fn no_zone() -> Fail {
    Fail(404, None, "This service does not exist".into())
}

fn no_record(id: &str) -> Fail {
    Fail(
        404,
        None,
        format!("The requested object (id = {id}) does not exist"),
    )
}

fn status_text(status: u16) -> (&'static str, &'static str) {
    match status {
        400 => ("Client::BadRequest", "Bad Request"),
        401 => ("Client::Unauthorized", "Unauthorized"),
        403 => ("Client::Forbidden", "Forbidden"),
        404 => ("Client::NotFound", "Not Found"),
        405 => ("Client::MethodNotAllowed", "Method Not Allowed"),
        409 => ("Client::Conflict", "Conflict"),
        429 => ("Client::TooManyRequests", "Too Many Requests"),
        503 => ("Server::ServiceUnavailable", "Service Unavailable"),
        _ => ("Server::InternalServerError", "Internal Server Error"),
    }
}

fn error_body(f: &Fail) -> J {
    let (class, reason) = status_text(f.0);
    let mut o = json!({"class": class, "message": f.2});
    if let Some(code) = f.1 {
        o["errorCode"] = json!(code);
        o["httpCode"] = json!(format!("{} {reason}", f.0));
    }
    o
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// (year, month, day) of a day count since 1970-01-01.
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn rfc3339(secs: i64) -> String {
    let (y, m, d) = civil(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+00:00",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// The signature the API expects, `$1$` and the SHA-1 of the five parts joined by `+`.
fn sign(secret: &str, consumer: &str, method: &str, url: &str, body: &str, ts: &str) -> String {
    let pre = [secret, consumer, method, url, body, ts].join("+");
    let d = digest(&SHA1_FOR_LEGACY_USE_ONLY, pre.as_bytes());
    let hex: String = d.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("$1${hex}")
}

/// A zone name as the fake keys it: lowercase, no final dot.
fn norm_zone(s: &str) -> String {
    s.trim_end_matches('.').to_ascii_lowercase()
}

fn is_label(l: &str) -> bool {
    !l.is_empty()
        && l.len() <= 63
        && l.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A host name in a target: relative or absolute (final dot), not the root.
fn is_host(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    !s.is_empty() && s.len() <= 253 && s.split('.').all(is_label)
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.len().is_multiple_of(2) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whitespace-separated fields, `"…"` (with `\` escapes) one field each: (text, quoted).
fn fields(s: &str) -> Option<Vec<(String, bool)>> {
    let mut out = Vec::new();
    let mut it = s.chars().peekable();
    loop {
        while it.peek().is_some_and(|c| c.is_whitespace()) {
            it.next();
        }
        let Some(&c) = it.peek() else {
            return Some(out);
        };
        let mut f = String::new();
        if c == '"' {
            it.next();
            loop {
                match it.next()? {
                    '"' => break,
                    '\\' => f.push(it.next()?),
                    ch => f.push(ch),
                }
            }
            if it.peek().is_some_and(|c| !c.is_whitespace()) {
                return None;
            }
            out.push((f, true));
        } else {
            while let Some(&ch) = it.peek() {
                if ch.is_whitespace() {
                    break;
                }
                f.push(ch);
                it.next();
            }
            out.push((f, false));
        }
    }
}

fn check_sub(ty: &str, sub: &str) -> Result<(), Fail> {
    if sub.is_empty() {
        return Ok(());
    }
    let ok = sub.len() <= 253
        && sub
            .split('.')
            .enumerate()
            .all(|(i, l)| (i == 0 && l == "*") || is_label(l));
    if !ok {
        return Err(bad(format!("Invalid subDomain: {sub:?}")));
    }
    if matches!(ty, "A" | "AAAA") && sub.contains('_') {
        return Err(bad("Invalid domain name, underscore not allowed"));
    }
    Ok(())
}

/// The target as stored, or why the API refuses it.
fn check_target(ty: &str, t: &str) -> Result<String, Fail> {
    let invalid = || bad(format!("Invalid target for a {ty} record: {t:?}"));
    if t.trim().is_empty() {
        return Err(bad(format!(
            "[target] Property is mandatory for a {ty} record"
        )));
    }
    let f: Vec<&str> = t.split_whitespace().collect();
    let u16_at = |i: usize| f.get(i).is_some_and(|s| s.parse::<u16>().is_ok());
    let u8_at = |i: usize| f.get(i).is_some_and(|s| s.parse::<u8>().is_ok());
    let host_or_root = |s: &str| s == "." || is_host(s);
    let ok = match ty {
        "A" => t.parse::<Ipv4Addr>().is_ok(),
        "AAAA" => t.parse::<Ipv6Addr>().is_ok(),
        "CNAME" | "DNAME" | "NS" | "PTR" => f.len() == 1 && is_host(t),
        "MX" => f.len() == 2 && u16_at(0) && host_or_root(f[1]),
        "SRV" => f.len() == 4 && (0..3).all(u16_at) && host_or_root(f[3]),
        "SVCB" | "HTTPS" => f.len() >= 2 && u16_at(0) && host_or_root(f[1]),
        "SSHFP" => f.len() == 3 && u8_at(0) && u8_at(1) && is_hex(f[2]),
        "TLSA" => f.len() == 4 && (0..3).all(u8_at) && is_hex(f[3]),
        "CAA" => match fields(t) {
            Some(v) => {
                v.len() == 3
                    && v[0].0.parse::<u8>().is_ok()
                    && !v[1].1
                    && !v[1].0.is_empty()
                    && v[1].0.bytes().all(|b| b.is_ascii_alphanumeric())
            }
            None => false,
        },
        "NAPTR" => match fields(t) {
            Some(v) => {
                v.len() == 6
                    && v[..2].iter().all(|(s, q)| !q && s.parse::<u16>().is_ok())
                    && v[2..5].iter().all(|(_, q)| *q)
                    && !v[5].1
                    && host_or_root(&v[5].0)
            }
            None => false,
        },
        "LOC" => {
            f.iter().any(|s| *s == "N" || *s == "S") && f.iter().any(|s| *s == "E" || *s == "W")
        }
        "DKIM" => t.contains("p="),
        "DMARC" => t.starts_with("v=DMARC1"),
        _ => true,
    };
    if !ok {
        return Err(invalid());
    }
    if ty != "TXT" {
        return Ok(t.to_string());
    }
    match fields(t) {
        Some(v) if v.iter().all(|(_, q)| *q) => Ok(t.to_string()),
        _ => Ok(format!(
            "\"{}\"",
            t.replace('\\', "\\\\").replace('"', "\\\"")
        )),
    }
}

fn body_object(req: &Request) -> Result<Map<String, J>, Fail> {
    if req.body.is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<J>(&req.body) {
        Ok(J::Object(m)) => Ok(m),
        Ok(J::Null) => Ok(Map::new()),
        _ => Err(bad("Invalid JSON received")),
    }
}

fn str_field(b: &Map<String, J>, k: &str) -> Result<Option<String>, Fail> {
    match b.get(k) {
        None | Some(J::Null) => Ok(None),
        Some(J::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(bad(format!("[{k}] Given data ({v}) is not a string"))),
    }
}

fn ttl_field(b: &Map<String, J>) -> Result<Option<i64>, Fail> {
    match b.get("ttl") {
        None | Some(J::Null) => Ok(None),
        Some(v) => match v.as_i64() {
            Some(n) if n >= 0 && n <= i64::from(i32::MAX) => Ok(Some(n)),
            _ => Err(bad(format!("[ttl] Given data ({v}) is not a valid long"))),
        },
    }
}

fn field_type(s: &str) -> Result<String, Fail> {
    if TYPES.contains(&s) {
        Ok(s.to_string())
    } else {
        Err(bad(format!(
            "[fieldType] Given data ({s}) does not belong to the NamedResolutionFieldTypeEnum \
             enumeration"
        )))
    }
}

/// A stored record from its parts, validated.
fn record(zone: &str, id: u64, ty: &str, sub: &str, target: &str, ttl: i64) -> Result<J, Fail> {
    check_sub(ty, sub)?;
    let target = check_target(ty, target)?;
    Ok(json!({
        "id": id, "zone": zone, "fieldType": ty, "subDomain": sub, "target": target, "ttl": ttl,
    }))
}

/// A new record from a POST body.
fn build(zone: &str, id: u64, b: &Map<String, J>) -> Result<J, Fail> {
    let ty = str_field(b, "fieldType")?.ok_or_else(|| bad("[fieldType] Property is mandatory"))?;
    let ty = field_type(&ty)?;
    let sub = str_field(b, "subDomain")?.unwrap_or_default();
    let target = str_field(b, "target")?.ok_or_else(|| bad("[target] Property is mandatory"))?;
    record(zone, id, &ty, &sub, &target, ttl_field(b)?.unwrap_or(0))
}

/// A stored record with a PUT body's writable properties set.
fn updated(old: &J, b: &Map<String, J>) -> Result<J, Fail> {
    for k in ["id", "zone", "fieldType"] {
        if let Some(v) = b.get(k)
            && *v != old[k]
        {
            return Err(bad(format!("[{k}] This property is read-only")));
        }
    }
    let s = |k: &str| old[k].as_str().unwrap_or_default().to_string();
    let sub = str_field(b, "subDomain")?.unwrap_or_else(|| s("subDomain"));
    let target = str_field(b, "target")?.unwrap_or_else(|| s("target"));
    let ttl = ttl_field(b)?.unwrap_or_else(|| old["ttl"].as_i64().unwrap_or(0));
    let id = old["id"].as_u64().unwrap_or_default();
    record(&s("zone"), id, &s("fieldType"), &sub, &target, ttl)
}

/// SQL LIKE with `%` as the only wildcard.
fn like(pattern: &str, s: &str) -> bool {
    match pattern.split_once('%') {
        None => pattern == s,
        Some((head, rest)) => {
            let Some(s) = s.strip_prefix(head) else {
                return false;
            };
            (0..=s.len())
                .filter(|i| s.is_char_boundary(*i))
                .any(|i| like(rest, &s[i..]))
        }
    }
}

struct Zone {
    name: String,
    /// The records as the API lists them, by id.
    records: BTreeMap<u64, J>,
    /// What the DNS servers serve: the records as of the last refresh.
    live: BTreeMap<u64, J>,
    refreshes: usize,
    serial: u64,
    last_update: i64,
}

impl Zone {
    /// A CNAME is not at the apex and shares its name with no other record.
    fn check_against(&self, r: &J, skip: Option<u64>) -> Result<(), Fail> {
        let sub = r["subDomain"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let cname = r["fieldType"] == "CNAME";
        if cname && sub.is_empty() {
            return Err(bad(
                "A CNAME record cannot be created at the apex of the zone",
            ));
        }
        let clash = self.records.iter().find(|(id, o)| {
            Some(**id) != skip
                && o["subDomain"]
                    .as_str()
                    .unwrap_or_default()
                    .to_ascii_lowercase()
                    == sub
                && (cname || o["fieldType"] == "CNAME")
        });
        match clash {
            Some((_, o)) => Err(bad(format!(
                "A CNAME record cannot share its subDomain with another record ({:?} has a {} \
                 record)",
                sub,
                o["fieldType"].as_str().unwrap_or_default()
            ))),
            None => Ok(()),
        }
    }

    fn json(&self) -> J {
        json!({
            "name": self.name,
            "dnssecSupported": true,
            "hasDnsAnycast": false,
            "lastUpdate": rfc3339(self.last_update),
            "nameServers": NAMESERVERS,
        })
    }

    fn soa(&self) -> J {
        json!({
            "email": "tech@ovh.net",
            "expire": 3_600_000,
            "nxDomainTtl": 86_400,
            "refresh": 86_400,
            "serial": self.serial,
            "server": format!("{}.", NAMESERVERS[0]),
            "ttl": ZONE_TTL,
        })
    }
}

struct State {
    zones: BTreeMap<String, Zone>,
    next_id: u64,
    /// Seconds added to this machine's clock to make the server's.
    skew: i64,
    queries: u64,
    /// `METHOD path?query` per request, in order.
    log: Vec<String>,
    /// Let this many record writes through, then refuse one with this status and message.
    fail_writes: Option<(usize, u16, String)>,
}

impl State {
    fn now(&self) -> i64 {
        now_secs() + self.skew
    }

    fn new_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// A zone as a domain or zone order leaves it: the minimal entries (apex NS), deployed.
    fn create_zone(&mut self, name: &str) {
        let now = self.now();
        let mut records = BTreeMap::new();
        for ns in NAMESERVERS {
            let id = self.new_id();
            let r = record(name, id, "NS", "", &format!("{ns}."), 0).unwrap();
            records.insert(id, r);
        }
        let (y, m, d) = civil(now.div_euclid(86_400));
        let zone = Zone {
            name: name.to_string(),
            live: records.clone(),
            records,
            refreshes: 0,
            serial: (y * 1_000_000 + m * 10_000 + d * 100) as u64,
            last_update: now,
        };
        self.zones.insert(name.to_string(), zone);
    }

    fn zone_mut(&mut self, name: &str) -> Result<&mut Zone, Fail> {
        self.zones.get_mut(name).ok_or_else(no_zone)
    }

    /// A record write (`fail_writes_after`): Err once the passes are used up.
    fn write_allowed(&mut self) -> Result<(), Fail> {
        match self.fail_writes.take() {
            Some((0, status, msg)) => Err(Fail(status, None, msg)),
            Some((n, status, msg)) => {
                self.fail_writes = Some((n - 1, status, msg));
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// The request's signature checked as the API does.
    fn authenticate(&self, req: &Request) -> Result<(), Fail> {
        let login = || {
            Fail(
                401,
                Some("NOT_AUTHENTICATED"),
                "You must login first".into(),
            )
        };
        let ak = header(req, "x-ovh-application").ok_or_else(login)?;
        if ak != OVH_APP_KEY {
            return Err(Fail(
                403,
                Some("INVALID_KEY"),
                "This application key is invalid".into(),
            ));
        }
        let (Some(ck), Some(ts), Some(sig)) = (
            header(req, "x-ovh-consumer"),
            header(req, "x-ovh-timestamp"),
            header(req, "x-ovh-signature"),
        ) else {
            return Err(login());
        };
        let in_time = ts
            .parse::<i64>()
            .is_ok_and(|t| (t - self.now()).abs() <= MAX_SKEW);
        if !in_time {
            return Err(Fail(
                400,
                Some("QUERY_TIME_OUT"),
                "Query out of time".into(),
            ));
        }
        if ck != OVH_CONSUMER_KEY {
            return Err(Fail(
                403,
                Some("INVALID_CREDENTIAL"),
                "This credential is not valid".into(),
            ));
        }
        let host = header(req, "host").unwrap_or_default();
        let q = req.url.query().map(|q| format!("?{q}")).unwrap_or_default();
        let body = String::from_utf8_lossy(&req.body);
        let method = req.method.as_str();
        let good = ["https", "http"].iter().any(|scheme| {
            let url = format!("{scheme}://{host}{}{q}", req.url.path());
            sign(OVH_APP_SECRET, &ck, method, &url, &body, &ts) == sig
        });
        if good {
            Ok(())
        } else {
            Err(Fail(
                400,
                Some("INVALID_SIGNATURE"),
                "Invalid signature".into(),
            ))
        }
    }
}

fn route(st: &mut State, req: &Request) -> Result<J, Fail> {
    let path = req.url.path().to_string();
    let not_found = || {
        Fail(
            404,
            None,
            format!("The requested resource {path} does not exist"),
        )
    };
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
    let zone_of = |segs: &[&str]| segs.get(2).map(|z| z.to_ascii_lowercase());
    let name = zone_of(&segs).unwrap_or_default();
    match (method, segs.as_slice()) {
        ("GET", ["domain", "zone"]) => Ok(json!(st.zones.keys().collect::<Vec<_>>())),
        ("GET", ["domain", "zone", _]) => Ok(st.zone_mut(&name)?.json()),
        ("GET", ["domain", "zone", _, "soa"]) => Ok(st.zone_mut(&name)?.soa()),
        ("GET", ["domain", "zone", _, "status"]) => {
            let z = st.zone_mut(&name)?;
            Ok(json!({"isDeployed": z.live == z.records, "errors": [], "warnings": []}))
        }
        ("GET", ["domain", "zone", _, "record"]) => {
            let z = st.zone_mut(&name)?;
            let ty = query(req, "fieldType");
            if let Some(t) = &ty
                && !t.contains('%')
            {
                field_type(t)?;
            }
            let sub = query(req, "subDomain").map(|s| s.to_ascii_lowercase());
            let ids: Vec<u64> = z
                .records
                .iter()
                .filter(|(_, r)| {
                    ty.as_ref()
                        .is_none_or(|t| like(t, r["fieldType"].as_str().unwrap_or_default()))
                })
                .filter(|(_, r)| {
                    sub.as_ref().is_none_or(|s| {
                        like(
                            s,
                            &r["subDomain"]
                                .as_str()
                                .unwrap_or_default()
                                .to_ascii_lowercase(),
                        )
                    })
                })
                .map(|(id, _)| *id)
                .collect();
            Ok(json!(ids))
        }
        ("POST", ["domain", "zone", _, "record"]) => {
            st.zone_mut(&name)?;
            st.write_allowed()?;
            let b = body_object(req)?;
            let id = st.next_id + 1;
            let now = st.now();
            let z = st.zone_mut(&name)?;
            let r = build(&z.name, id, &b)?;
            z.check_against(&r, None)?;
            z.records.insert(id, r.clone());
            z.last_update = now;
            st.next_id = id;
            Ok(r)
        }
        (_, ["domain", "zone", _, "record", id]) if ["GET", "PUT", "DELETE"].contains(&method) => {
            let now = st.now();
            let z = st.zone_mut(&name)?;
            let key = id
                .parse::<u64>()
                .ok()
                .filter(|k| z.records.contains_key(k))
                .ok_or_else(|| no_record(id))?;
            if method == "GET" {
                return Ok(z.records[&key].clone());
            }
            st.write_allowed()?;
            let z = st.zone_mut(&name)?;
            if method == "PUT" {
                let r = updated(&z.records[&key], &body_object(req)?)?;
                z.check_against(&r, Some(key))?;
                z.records.insert(key, r);
            } else {
                z.records.remove(&key);
            }
            z.last_update = now;
            Ok(J::Null)
        }
        ("POST", ["domain", "zone", _, "refresh"]) => {
            let z = st.zone_mut(&name)?;
            z.live = z.records.clone();
            z.refreshes += 1;
            z.serial += 1;
            Ok(J::Null)
        }
        (_, ["domain", "zone"] | ["domain", "zone", _])
        | (_, ["domain", "zone", _, "soa" | "status" | "record" | "refresh"])
        | (_, ["domain", "zone", _, "record", _]) => Err(Fail(
            405,
            None,
            format!("Method {method} is not allowed for {path}"),
        )),
        _ => Err(not_found()),
    }
}

struct Fake {
    state: Arc<Mutex<State>>,
}

impl Respond for Fake {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let q = req.url.query().map(|q| format!("?{q}")).unwrap_or_default();
        st.log.push(format!("{} {}{q}", req.method, req.url.path()));
        st.queries += 1;
        let qid = format!("EU.ext-fake.{:08x}.{}", st.now(), st.queries);
        let answer = if req.method.as_str() == "GET" && req.url.path() == "/1.0/auth/time" {
            Ok(json!(st.now()))
        } else {
            st.authenticate(req).and_then(|()| route(&mut st, req))
        };
        let t = match answer {
            Ok(body) => ResponseTemplate::new(200).set_body_json(body),
            Err(f) => ResponseTemplate::new(f.0).set_body_json(error_body(&f)),
        };
        t.insert_header("X-Ovh-QueryID", qid.as_str())
    }
}

/// A running fake.
pub struct OvhFake {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    port: u16,
    state: Arc<Mutex<State>>,
    _server: MockServer,
}

/// One fake for the whole test binary.
pub fn ovh() -> &'static OvhFake {
    static FAKE: OnceLock<OvhFake> = OnceLock::new();
    FAKE.get_or_init(OvhFake::start)
}

fn fail_panic(Fail(status, _, message): Fail) -> ! {
    panic!("the fake refuses: {status} {message}")
}

impl OvhFake {
    pub fn start() -> OvhFake {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let server = rt.block_on(MockServer::builder().disable_request_recording().start());
        let state = Arc::new(Mutex::new(State {
            zones: BTreeMap::new(),
            next_id: FIRST_ID,
            skew: 0,
            queries: 0,
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
        OvhFake {
            url: server.uri(),
            port: server.address().port(),
            state,
            _server: server,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `http://127.0.0.1:PORT/1.0`
    pub fn api_url(&self) -> String {
        format!("{}{PREFIX}", self.url)
    }

    /// The port the fake listens on (for the HTTPS proxy's upstream).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Remove a zone (any case, with or without the final dot) and its records; clear the
    /// request log and any `fail_writes_after`. The zone then does not exist.
    pub fn reset_zone(&self, zone: &str) {
        let mut st = self.lock();
        st.zones.remove(&norm_zone(zone));
        st.log.clear();
        st.fail_writes = None;
    }

    /// The zone as a domain or "DNS zone" order creates it (minimal entries: the apex NS
    /// `dns111.ovh.net.` and `ns111.ovh.net.`), deployed; an existing zone is replaced.
    pub fn create_zone(&self, zone: &str) {
        self.lock().create_zone(&norm_zone(zone));
    }

    pub fn zone_exists(&self, zone: &str) -> bool {
        self.lock().zones.contains_key(&norm_zone(zone))
    }

    /// Every record of a zone as the API lists them (id order), full objects.
    pub fn records(&self, zone: &str) -> Vec<J> {
        self.lock()
            .zones
            .get(&norm_zone(zone))
            .map(|z| z.records.values().cloned().collect())
            .unwrap_or_default()
    }

    /// The records the DNS servers serve: as of the last refresh.
    #[allow(dead_code)]
    pub fn live_records(&self, zone: &str) -> Vec<J> {
        self.lock()
            .zones
            .get(&norm_zone(zone))
            .map(|z| z.live.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Create a record behind the client's back (the control panel, which applies it at
    /// once), with the API's validation (`body` as for POST); the stored record. Panics if the
    /// API would refuse it.
    pub fn add_record(&self, zone: &str, body: J) -> J {
        let mut st = self.lock();
        let id = st.next_id + 1;
        let now = st.now();
        let z = st.zone_mut(&norm_zone(zone)).expect("zone in the fake");
        let b = body.as_object().cloned().expect("a record object");
        let r = build(&z.name, id, &b).unwrap_or_else(|f| fail_panic(f));
        z.check_against(&r, None).unwrap_or_else(|f| fail_panic(f));
        z.records.insert(id, r.clone());
        z.live.insert(id, r.clone());
        z.last_update = now;
        st.next_id = id;
        r
    }

    /// Set properties of a stored record behind the client's back, unvalidated, applied at
    /// once.
    pub fn edit_record(&self, zone: &str, id: u64, fields: J) {
        let mut st = self.lock();
        let z = st.zone_mut(&norm_zone(zone)).expect("zone in the fake");
        let r = z.records.get_mut(&id).expect("record in the fake");
        for (k, v) in fields.as_object().expect("an object") {
            r[k] = v.clone();
        }
        let r = r.clone();
        z.live.insert(id, r);
    }

    /// Delete a record behind the client's back, applied at once.
    #[allow(dead_code)]
    pub fn delete_record(&self, zone: &str, id: u64) {
        let mut st = self.lock();
        if let Some(z) = st.zones.get_mut(&norm_zone(zone)) {
            z.records.remove(&id);
            z.live.remove(&id);
        }
    }

    /// How many times `POST /refresh` was called for a zone since it was created.
    pub fn refreshes(&self, zone: &str) -> usize {
        self.lock()
            .zones
            .get(&norm_zone(zone))
            .map_or(0, |z| z.refreshes)
    }

    /// Requests made so far (`METHOD path?query`), since the last reset.
    pub fn requests(&self) -> Vec<String> {
        self.lock().log.clone()
    }

    #[allow(dead_code)]
    pub fn clear_requests(&self) {
        self.lock().log.clear();
    }

    /// Move the server's clock `secs` seconds from this machine's (`/auth/time` and the
    /// timestamp check follow it).
    #[allow(dead_code)]
    pub fn set_clock_skew(&self, secs: i64) {
        self.lock().skew = secs;
    }

    /// Let `pass` record writes (POST, PUT, DELETE of a record) through, then refuse the next
    /// one with `status` and `message` (once).
    pub fn fail_writes_after(&self, pass: usize, status: u16, message: &str) {
        self.lock().fail_writes = Some((pass, status, message.to_string()));
    }
}

struct Resp {
    status: u16,
    body: String,
}

impl Resp {
    fn json(&self) -> J {
        serde_json::from_str(&self.body).unwrap_or(J::Null)
    }

    fn code(&self) -> String {
        self.json()["errorCode"].as_str().unwrap_or("").to_string()
    }
}

/// The signature computed here independently of the fake's (`data-encoding` for the hex).
fn test_signature(secret: &str, ck: &str, method: &str, url: &str, body: &str, ts: i64) -> String {
    let pre = format!("{secret}+{ck}+{method}+{url}+{body}+{ts}");
    let d = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, pre.as_bytes());
    format!("$1${}", data_encoding::HEXLOWER.encode(d.as_ref()))
}

/// How a self-test request is signed.
struct Sig<'a> {
    /// AK, AS, CK.
    keys: [&'a str; 3],
    /// Added to this machine's clock.
    ts_offset: i64,
    /// The URL signed (`""`: the one called) and the Host sent (`""`: reqwest's).
    url: &'a str,
    host: &'a str,
    /// The body signed (None: the one sent).
    body: Option<&'a str>,
}

const KEYS: [&str; 3] = [OVH_APP_KEY, OVH_APP_SECRET, OVH_CONSUMER_KEY];
const GOOD: Sig<'static> = Sig {
    keys: KEYS,
    ts_offset: 0,
    url: "",
    host: "",
    body: None,
};

/// A fake of its own and a plain-HTTP client.
struct Env {
    fake: OvhFake,
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
}

impl Env {
    fn new() -> Env {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut rt = tokio::runtime::Builder::new_current_thread();
        Env {
            fake: OvhFake::start(),
            rt: rt.enable_all().build().unwrap(),
            client: reqwest::Client::builder().no_proxy().build().unwrap(),
        }
    }

    /// `method` on `url`, signed as `s` says (no signing headers when None).
    fn send(&self, method: &str, url: &str, body: Option<&str>, s: Option<&Sig>) -> Resp {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut r = self.client.request(m, url);
        if let Some(b) = body {
            r = r
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        if let Some(s) = s {
            let ts = now_secs() + s.ts_offset;
            let signed = if s.url.is_empty() { url } else { s.url };
            let signed_body = s.body.or(body).unwrap_or("");
            let [ak, secret, ck] = s.keys;
            let sig = test_signature(secret, ck, method, signed, signed_body, ts);
            r = r
                .header("X-Ovh-Application", ak)
                .header("X-Ovh-Consumer", ck);
            r = r
                .header("X-Ovh-Timestamp", ts.to_string())
                .header("X-Ovh-Signature", sig);
            if !s.host.is_empty() {
                r = r.header("host", s.host);
            }
        }
        self.rt.block_on(async {
            let resp = r.send().await.expect("the fake answers");
            let status = resp.status().as_u16();
            let body = resp.text().await.unwrap();
            Resp { status, body }
        })
    }

    /// A well-signed call to `/1.0{path}`.
    fn call(&self, method: &str, path: &str, body: Option<J>) -> Resp {
        let url = format!("{}{path}", self.fake.api_url());
        let b = body.map(|b| b.to_string());
        self.send(method, &url, b.as_deref(), Some(&GOOD))
    }

    fn post(&self, zone: &str, body: J) -> Resp {
        self.call("POST", &format!("/domain/zone/{zone}/record"), Some(body))
    }
}

fn rec(ty: &str, sub: &str, target: &str) -> J {
    json!({"fieldType": ty, "subDomain": sub, "target": target})
}

#[test]
fn ovh_fake_signature_matches_the_guides_example() {
    let (secret, ck) = (
        "EXEgWIz07P0HYwtQDs7cNIqCiQaWSuHF",
        "MtSwSrPpNjqfVSmJhLbPyr2i45lSwPU1",
    );
    let url = "https://eu.api.ovh.com/1.0/domain/";
    let s = sign(secret, ck, "GET", url, "", "1366560945");
    assert_eq!(s, "$1$6a77f43f2871db97a029f1d1d81c4dcd3c6f7265");
    assert_eq!(s, test_signature(secret, ck, "GET", url, "", 1_366_560_945));
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00+00:00");
    assert_eq!(rfc3339(1_709_251_199), "2024-02-29T23:59:59+00:00");
}

#[test]
fn ovh_fake_shared_and_helpers() {
    let f = ovh();
    assert!(std::ptr::eq(f, ovh()));
    assert_eq!(f.api_url(), format!("http://127.0.0.1:{}/1.0", f.port()));
    let zone = "helpers.ovh-fake.example.";
    f.reset_zone(zone);
    assert!(!f.zone_exists(zone));
    f.create_zone(zone);
    assert!(f.zone_exists("HELPERS.ovh-fake.example"));
    let ns: Vec<J> = f
        .records(zone)
        .iter()
        .map(|r| json!([r["fieldType"], r["subDomain"], r["target"], r["ttl"]]))
        .collect();
    let want = [
        json!(["NS", "", "dns111.ovh.net.", 0]),
        json!(["NS", "", "ns111.ovh.net.", 0]),
    ];
    assert_eq!(ns, want);
    let r = f.add_record(zone, rec("TXT", "t", "hello"));
    assert_eq!((&r["target"], &r["ttl"]), (&json!("\"hello\""), &json!(0)));
    assert_eq!(r["zone"], "helpers.ovh-fake.example");
    let id = r["id"].as_u64().unwrap();
    f.edit_record(zone, id, json!({"target": "not quoted"}));
    assert_eq!(f.records(zone)[2]["target"], "not quoted");
    assert_eq!(f.live_records(zone), f.records(zone));
    f.delete_record(zone, id);
    assert_eq!((f.records(zone).len(), f.refreshes(zone)), (2, 0));
    f.reset_zone(zone);
    assert!(!f.zone_exists(zone) && f.requests().is_empty());
}

#[test]
#[should_panic(expected = "400")]
fn ovh_fake_add_record_refuses_like_the_api() {
    let f = OvhFake::start();
    f.create_zone("refuse.example");
    f.add_record("refuse.example", rec("CNAME", "", "elsewhere.example."));
}

#[test]
fn ovh_fake_auth() {
    let e = Env::new();
    e.fake.create_zone("a.example");
    let url = format!("{}/domain/zone/a.example", e.fake.api_url());
    let time = format!("{}/auth/time", e.fake.api_url());
    // the time needs no signature and follows the server's clock
    let t = e.send("GET", &time, None, None);
    assert_eq!(t.status, 200);
    assert!(
        (t.json().as_i64().unwrap() - now_secs()).abs() <= 2,
        "{}",
        t.body
    );
    e.fake.set_clock_skew(-3600);
    let skewed = e.send("GET", &time, None, None).json().as_i64().unwrap();
    assert!((skewed + 3600 - now_secs()).abs() <= 2);
    let r = e.send("GET", &url, None, Some(&GOOD));
    assert_eq!(
        r.json(),
        json!({"class": "Client::BadRequest", "errorCode": "QUERY_TIME_OUT",
               "httpCode": "400 Bad Request", "message": "Query out of time"})
    );
    let behind = Sig {
        ts_offset: -3600,
        ..GOOD
    };
    assert_eq!(e.send("GET", &url, None, Some(&behind)).status, 200);
    e.fake.set_clock_skew(0);
    let unsigned = e.send("GET", &url, None, None);
    assert_eq!(
        (unsigned.status, unsigned.code()),
        (401, "NOT_AUTHENTICATED".into())
    );
    let [ak, sec, ck] = KEYS;
    let eu = "https://eu.api.ovh.com/1.0/domain/zone/a.example";
    let wrong_ck = "notAValidatedConsumerKey00000000";
    #[rustfmt::skip]
    let cases = [
        ([ak, sec, ck], -600, "", "", 400, "QUERY_TIME_OUT"),
        (["otherAppKey00000", sec, ck], 0, "", "", 403, "INVALID_KEY"),
        ([ak, sec, wrong_ck], 0, "", "", 403, "INVALID_CREDENTIAL"),
        ([ak, "wrongSecret", ck], 0, "", "", 400, "INVALID_SIGNATURE"),
        ([ak, sec, ck], 0, "http://127.0.0.1:1/1.0/domain/zone/a.example", "", 400, "INVALID_SIGNATURE"),
        ([ak, sec, ck], 0, eu, "ca.api.ovh.com", 400, "INVALID_SIGNATURE"),
        // behind the proxy: Host eu.api.ovh.com and the https URL signed
        ([ak, sec, ck], 0, eu, "eu.api.ovh.com", 200, ""),
        ([ak, sec, ck], 0, "", "", 200, ""),
    ];
    for (keys, ts_offset, signed, host, status, code) in cases {
        let s = Sig {
            keys,
            ts_offset,
            url: signed,
            host,
            body: None,
        };
        let r = e.send("GET", &url, None, Some(&s));
        assert_eq!(
            (r.status, r.code()),
            (status, code.to_string()),
            "{keys:?} {signed}: {}",
            r.body
        );
    }
    let ok = e.send("GET", &url, None, Some(&GOOD)).json();
    assert_eq!(ok["name"], "a.example");
    assert_eq!(
        e.send(
            "GET",
            &format!("{url}/record"),
            None,
            Some(&Sig {
                keys: [ak, sec, wrong_ck],
                ..GOOD
            })
        )
        .json(),
        json!({"class": "Client::Forbidden", "errorCode": "INVALID_CREDENTIAL",
               "httpCode": "403 Forbidden", "message": "This credential is not valid"})
    );
    // the body is signed
    let body = rec("A", "b", "192.0.2.1").to_string();
    let other = Sig {
        body: Some("{}"),
        ..GOOD
    };
    let r = e.send("POST", &format!("{url}/record"), Some(&body), Some(&other));
    assert_eq!(
        r.json(),
        json!({"class": "Client::BadRequest", "errorCode": "INVALID_SIGNATURE",
               "httpCode": "400 Bad Request", "message": "Invalid signature"})
    );
    assert_eq!(
        e.send("POST", &format!("{url}/record"), Some(&body), Some(&GOOD))
            .status,
        200
    );
    assert_eq!(e.fake.requests().len(), 17);
}

#[test]
fn ovh_fake_zones() {
    let e = Env::new();
    assert_eq!(e.call("GET", "/domain/zone", None).json(), json!([]));
    e.fake.create_zone("b.example");
    e.fake.create_zone("A.example.");
    let names = e.call("GET", "/domain/zone", None).json();
    assert_eq!(names, json!(["a.example", "b.example"]));
    let z = e.call("GET", "/domain/zone/b.example", None).json();
    assert_eq!(z["nameServers"], json!(["dns111.ovh.net", "ns111.ovh.net"]));
    assert_eq!(
        (&z["dnssecSupported"], &z["hasDnsAnycast"]),
        (&json!(true), &json!(false))
    );
    assert!(z["lastUpdate"].as_str().unwrap().ends_with("+00:00"));
    let missing = json!({"class": "Client::NotFound", "message": "This service does not exist"});
    for path in [
        "/domain/zone/nope.example",
        "/domain/zone/nope.example/record",
    ] {
        let r = e.call("GET", path, None);
        assert_eq!((r.status, r.json()), (404, missing.clone()));
    }
    // zones are ordered, not created through this API
    let post = e.call("POST", "/domain/zone", Some(json!({"name": "c.example"})));
    assert_eq!(post.status, 405);
    assert_eq!(e.call("GET", "/domain/elsewhere", None).status, 404);
    let soa = e.call("GET", "/domain/zone/b.example/soa", None).json();
    assert_eq!(
        (&soa["ttl"], &soa["server"]),
        (&json!(3600), &json!("dns111.ovh.net."))
    );
}

/// (fieldType, subDomain, target sent, target stored; `=` when kept as sent).
const SHAPES: &[(&str, &str, &str, &str)] = &[
    ("A", "www", "192.0.2.1", "="),
    ("AAAA", "", "2001:db8::1", "="),
    ("CNAME", "alias", "www.shapes.example.", "="),
    ("CNAME", "rel", "www", "="),
    ("MX", "", "10 mx1.mail.ovh.net.", "="),
    ("NS", "sub", "ns1.example.net.", "="),
    ("SRV", "_sip._tcp", "10 20 5060 sip.example.net.", "="),
    ("CAA", "", "0 issue \"letsencrypt.org\"", "="),
    ("TXT", "txt", "v=spf1 -all", "\"v=spf1 -all\""),
    ("TXT", "q", "say \"hi\"", "\"say \\\"hi\\\"\""),
    ("TXT", "two", "\"a\" \"b\"", "="),
    (
        "NAPTR",
        "n",
        "10 100 \"S\" \"SIP+D2U\" \"!^.*$!sip:x@example.com!\" .",
        "=",
    ),
    (
        "SSHFP",
        "h",
        "1 1 bf6b6825d2977c511a475bbefb88aad54a92ac73",
        "=",
    ),
    ("TLSA", "_443._tcp", "3 1 1 abcdef01", "="),
    ("PTR", "4", "host.example.", "="),
    ("HTTPS", "", "1 . alpn=h2,h3", "="),
    ("LOC", "loc", "51 30 12 N 0 7 39 W 0m", "="),
    (
        "DKIM",
        "s1._domainkey",
        "v=DKIM1;k=rsa;p=MIGfMA0GCSqGSIb3DQEB",
        "=",
    ),
    ("A", "*.wild", "192.0.2.2", "="),
];

/// (fieldType, subDomain, target) the API refuses in a zone holding an A record at `host`.
const REFUSED: &[(&str, &str, &str)] = &[
    ("A", "www", "192.0.2"),
    ("a", "www", "192.0.2.1"),
    ("SOA", "", "x"),
    ("A", "my_host", "192.0.2.1"),
    ("A", "a..b", "192.0.2.1"),
    ("A", "www.", "192.0.2.1"),
    ("AAAA", "www", "192.0.2.1"),
    ("CNAME", "", "t.example."),
    ("CNAME", "host", "t.example."),
    ("CNAME", "c", "not a host"),
    ("MX", "", "mx.example.net."),
    ("MX", "", "65536 mx.example.net."),
    ("SRV", "_a._tcp", "1 1 t.example."),
    ("CAA", "", "256 issue \"ca.example\""),
    ("CAA", "", "0 \"issue\" \"ca.example\""),
    ("SSHFP", "", "1 1 xyz"),
    ("NAPTR", "", "10 100 S SIP+D2U !x! ."),
    ("TXT", "t", ""),
    ("DMARC", "_dmarc", "p=none"),
];

#[test]
fn ovh_fake_record_shapes_and_updates() {
    let e = Env::new();
    let z = "shapes.example";
    e.fake.create_zone(z);
    for (ty, sub, target, stored) in SHAPES {
        let r = e.post(z, rec(ty, sub, target));
        assert_eq!(r.status, 200, "{ty} {target} → {}", r.body);
        let o = r.json();
        let want = if *stored == "=" { target } else { stored };
        assert_eq!((&o["target"], &o["subDomain"]), (&json!(want), &json!(sub)));
        let mut keys: Vec<&String> = o.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["fieldType", "id", "subDomain", "target", "ttl", "zone"]
        );
        assert_eq!((&o["ttl"], &o["zone"]), (&json!(0), &json!(z)));
    }
    let base = format!("/domain/zone/{z}/record");
    let ids = |q: &str| e.call("GET", &format!("{base}{q}"), None).json();
    let count = |q: &str| ids(q).as_array().map_or(0, Vec::len);
    assert_eq!(count(""), 2 + SHAPES.len());
    assert_eq!(
        (count("?fieldType=NS&subDomain="), count("?fieldType=TXT")),
        (2, 3)
    );
    assert_eq!(
        (count("?subDomain=_sip.%25"), count("?fieldType=%25A")),
        (1, 5)
    );
    assert_eq!(
        e.call("GET", &format!("{base}?fieldType=X"), None).status,
        400
    );
    let www = ids("?subDomain=WWW");
    assert_eq!(www.as_array().unwrap().len(), 1);
    let url = format!("{base}/{}", www[0]);
    let id = www[0].as_u64().unwrap();
    // PUT sets the writable properties; void answers are `null`
    let put = |b: J| e.call("PUT", &url, Some(b));
    let u = put(json!({"target": "192.0.2.9", "ttl": 60}));
    assert_eq!((u.status, u.body.as_str()), (200, "null"));
    let g = e.call("GET", &url, None).json();
    assert_eq!(
        g,
        json!({"id": id, "zone": z, "fieldType": "A", "subDomain": "www", "target": "192.0.2.9", "ttl": 60})
    );
    assert_eq!(
        put(json!({"fieldType": "A", "subDomain": "web"})).status,
        200
    );
    assert_eq!(put(json!({"fieldType": "AAAA"})).status, 400);
    assert_eq!(put(json!({"target": "nope"})).status, 400);
    let d = e.call("DELETE", &url, None);
    assert_eq!((d.status, d.body.as_str()), (200, "null"));
    let gone = e.call("GET", &url, None);
    let msg = format!("The requested object (id = {id}) does not exist");
    assert_eq!((gone.status, &gone.json()["message"]), (404, &json!(msg)));
    assert_eq!(e.call("DELETE", &url, None).status, 404);
}

#[test]
fn ovh_fake_refuses_bad_records() {
    let e = Env::new();
    let z = "bad.example";
    e.fake.create_zone(z);
    e.fake.add_record(z, rec("A", "host", "192.0.2.1"));
    let mut bad: Vec<J> = REFUSED.iter().map(|(t, s, v)| rec(t, s, v)).collect();
    bad.extend([
        json!({"fieldType": "A", "subDomain": "www"}),
        json!({"subDomain": "www", "target": "192.0.2.1"}),
        json!({"fieldType": "A", "target": "192.0.2.1", "ttl": -1}),
        json!({"fieldType": "A", "target": "192.0.2.1", "ttl": "300"}),
        json!({"fieldType": "A", "target": ["192.0.2.1"]}),
    ]);
    for b in bad {
        let r = e.post(z, b.clone());
        assert_eq!(r.status, 400, "{b} → {} {}", r.status, r.body);
        assert_eq!(r.json()["class"], "Client::BadRequest");
        assert!(r.json()["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // a record beside a CNAME is refused the other way round too (names in any case)
    assert_eq!(e.post(z, rec("CNAME", "alias", "host")).status, 200);
    assert_eq!(e.post(z, rec("TXT", "ALIAS", "x")).status, 400);
    let url = format!("{}/domain/zone/{z}/record", e.fake.api_url());
    assert_eq!(e.send("POST", &url, Some("{x"), Some(&GOOD)).status, 400);
    assert_eq!(e.fake.records(z).len(), 4);
}

#[test]
fn ovh_fake_refresh_applies_changes() {
    let e = Env::new();
    let z = "refresh.example";
    e.fake.create_zone(z);
    let get = |p: &str| e.call("GET", &format!("/domain/zone/{z}/{p}"), None).json();
    let refresh = || e.call("POST", &format!("/domain/zone/{z}/refresh"), None);
    let serial = || get("soa")["serial"].as_u64().unwrap();
    assert_eq!(get("status")["isDeployed"], true);
    let s0 = serial();
    let r = e.post(z, rec("A", "new", "192.0.2.1")).json();
    assert_eq!(e.fake.records(z).len(), 3);
    assert_eq!(e.fake.live_records(z).len(), 2, "pending until refreshed");
    let pending = json!({"isDeployed": false, "errors": [], "warnings": []});
    assert_eq!(get("status"), pending);
    let f = refresh();
    assert_eq!((f.status, f.body.as_str()), (200, "null"));
    assert_eq!(e.fake.live_records(z), e.fake.records(z));
    assert_eq!((e.fake.refreshes(z), serial()), (1, s0 + 1));
    assert_eq!(get("status")["isDeployed"], true);
    e.call(
        "DELETE",
        &format!("/domain/zone/{z}/record/{}", r["id"]),
        None,
    );
    assert_eq!(e.fake.live_records(z).len(), 3);
    refresh();
    assert_eq!((e.fake.live_records(z).len(), e.fake.refreshes(z)), (2, 2));
    let nope = e.call("POST", "/domain/zone/nope.example/refresh", None);
    assert_eq!(nope.status, 404);
}

#[test]
fn ovh_fake_fail_writes_after() {
    let e = Env::new();
    let z = "faults.example";
    e.fake.create_zone(z);
    e.fake.fail_writes_after(1, 500, "Internal server error");
    assert_eq!(e.post(z, rec("A", "one", "192.0.2.1")).status, 200);
    let list = e.call("GET", &format!("/domain/zone/{z}/record"), None);
    assert_eq!(list.status, 200);
    let f = e.post(z, rec("A", "two", "192.0.2.1"));
    let want = json!({"class": "Server::InternalServerError", "message": "Internal server error"});
    assert_eq!((f.status, f.json()), (500, want));
    assert_eq!(e.post(z, rec("A", "three", "192.0.2.1")).status, 200);
    let subs: Vec<J> = e
        .fake
        .records(z)
        .iter()
        .map(|r| r["subDomain"].clone())
        .collect();
    assert_eq!(subs[2..], [json!("one"), json!("three")]);
    let post = format!("POST /1.0/domain/zone/{z}/record");
    let get = format!("GET /1.0/domain/zone/{z}/record");
    assert_eq!(e.fake.requests()[..2], [post, get]);
}

const OCTODNS_SCRIPT: &str = r#"
import json, sys
from octodns.record import Record
from octodns.zone import Zone
from octodns_ovh import OvhProvider
p = OvhProvider('ovh', 'ovh-eu', sys.argv[2], sys.argv[3], sys.argv[4])
def read():
    z = Zone(sys.argv[1] + '.', [])
    p.populate(z, lenient=True)
    return z
vals = lambda r: getattr(r, 'values', [getattr(r, 'value', None)])
text = lambda v: v if isinstance(v, str) else v.rdata_text
print(json.dumps(sorted([r.name, r._type, r.ttl, [text(v) for v in vals(r)]] for r in read().records)))
desired = read()
desired.add_record(Record.new(desired, 'new', {'type': 'A', 'ttl': 60, 'value': '192.0.2.7'}))
plan = p.plan(desired)
p.apply(plan)
print(len(plan.changes))
"#;

/// octodns-ovh 1.2.0 (the `ovh` library, `requests`) reads and writes a zone through the
/// HTTPS proxy (a venv without it fails the test).
#[test]
fn ovh_fake_serves_octodns_ovh() {
    let python = crate::harness::venv().join("bin/python");
    let probe = std::process::Command::new(&python)
        .args(["-c", "import octodns_ovh"])
        .output();
    assert!(
        probe.is_ok_and(|o| o.status.success()),
        "octodns-ovh 1.2.0 is needed in {} (scripts/test installs it)",
        python.display()
    );
    let fake = OvhFake::start();
    let z = "octo.example";
    fake.create_zone(z);
    fake.add_record(
        z,
        json!({"fieldType": "A", "subDomain": "www", "target": "192.0.2.1", "ttl": 300}),
    );
    fake.add_record(z, rec("TXT", "txt", "hello world"));
    fake.add_record(z, rec("MX", "", "10 mx1.mail.ovh.net."));
    fake.clear_requests();
    let proxy = crate::https_proxy::HttpsProxy::start(&[("eu.api.ovh.com", fake.port())]);
    let out = std::process::Command::new(&python)
        .args([
            "-c",
            OCTODNS_SCRIPT,
            z,
            OVH_APP_KEY,
            OVH_APP_SECRET,
            OVH_CONSUMER_KEY,
        ])
        .env_remove("REQUESTS_CA_BUNDLE")
        .env_remove("CURL_CA_BUNDLE")
        .env_remove("SSL_CERT_FILE")
        .envs(proxy.env())
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let show = crate::suite::show(&out);
    assert!(out.status.success(), "{show}\n{}", proxy.log());
    let mut lines = stdout.lines();
    let read: J = serde_json::from_str(lines.next().unwrap()).unwrap();
    let want = json!([
        ["", "MX", 0, ["10 mx1.mail.ovh.net."]],
        ["", "NS", 0, ["dns111.ovh.net.", "ns111.ovh.net."]],
        // octoDNS reads the API's quoted TXT target as the text inside
        ["txt", "TXT", 0, ["hello world"]],
        ["www", "A", 300, ["192.0.2.1"]],
    ]);
    assert_eq!(read, want, "{show}");
    assert_eq!(lines.next(), Some("1"), "{show}");
    let reqs = fake.requests();
    eprintln!("octodns-ovh sent:\n{}", reqs.join("\n"));
    assert_eq!(reqs[0], "GET /1.0/auth/time");
    assert!(reqs.contains(&format!("GET /1.0/domain/zone/{z}/record")));
    assert!(reqs.contains(&format!("POST /1.0/domain/zone/{z}/record")));
    assert_eq!(
        reqs.last(),
        Some(&format!("POST /1.0/domain/zone/{z}/refresh"))
    );
    let new = fake
        .records(z)
        .into_iter()
        .find(|r| r["subDomain"] == "new");
    let new = new.expect("created");
    assert_eq!(
        (&new["target"], &new["ttl"]),
        (&json!("192.0.2.7"), &json!(60))
    );
    assert_eq!(fake.live_records(z), fake.records(z));
}
