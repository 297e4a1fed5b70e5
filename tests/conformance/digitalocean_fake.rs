//! A stateful fake of the DigitalOcean API v2 (`/v2`) Domains and Domain Records endpoints, on
//! a wiremock server on 127.0.0.1, for the `digitalocean` provider and (through the HTTPS
//! proxy, since octodns-digitalocean has `https://api.digitalocean.com/v2` built in) for
//! octodns-digitalocean.
//!
//! Written from DigitalOcean's published API description: the OpenAPI specification of
//! github.com/digitalocean/openapi (`specification/description.yml`: requests, errors, meta,
//! links and pagination, rate limit; `resources/domains/*.yml`: the ten operations, the
//! `domain`, `domain_record` and `domain_record_types` schemas, the examples; `shared/`:
//! `pages.yml`, `meta.yml`, `parameters.yml` (`page`, `per_page`), `headers.yml`, the error
//! model and the responses `unauthorized`, `not_found`, `unprocessable_entity`,
//! `too_many_requests`, `bad_request`), and docs.digitalocean.com ("How to Manage CAA
//! Records"; the `digitalocean_record` reference of its Terraform pages for the numeric ranges
//! and the record TTL default). octodns-digitalocean was read only for which endpoints and
//! fields it uses.
//!
//! ## Faithful
//!
//! - Auth: `Authorization: Bearer <token>`; none, another scheme or an unknown token: 401
//!   `{"id": "unauthorized", "message": "Unable to authenticate you."}` (the spec's example,
//!   final period included). Errors are `{"id", "message"}` with the id of the status
//!   (`not_found`, `unprocessable_entity`, `bad_request`, `forbidden`, `too_many_requests`…).
//!   A token with only read scope (`DO_READ_TOKEN`; the spec's `domain:read` vs
//!   `domain:create/update/delete` scopes) gets 403 `forbidden` "You do not have access for the
//!   attempted action." on any write.
//! - Domains: `GET /v2/domains` (paged, `domains`), `POST /v2/domains` `{name, ip_address?}`:
//!   201 `{"domain": {name, ttl: 1800, zone_file: null}}`; the new domain gets an SOA (`ns1.
//!   digitalocean.com. hostmaster.<name>. <serial> 10800 3600 604800 1800`), NS records
//!   `ns1/ns2/ns3.digitalocean.com` (TTL 1800) at `@` and, with `ip_address`, an A record at
//!   `@`; `GET /v2/domains/{name}` `{"domain": {name, ttl, zone_file}}` (the zone file as the
//!   examples show it: `$ORIGIN`, `$TTL 1800`, the SOA, then every record); `DELETE`: 204.
//!   Unknown domain or record: 404 "The resource you requested could not be found."
//! - Records: `GET /v2/domains/{name}/records` (paged, `domain_records`; `type` among the enum
//!   and `name` a fully qualified name filter, together or alone), `POST` (201
//!   `{"domain_record"}`), `GET/PUT/PATCH /records/{id}` (`{"domain_record"}`; PUT and PATCH
//!   both set only the attributes sent, as the spec's PUT example `{"name": "blog"}` shows),
//!   `DELETE` (204). A record is `{id, type, name, data, priority, port, ttl, weight, flags,
//!   tag}` with `null` for what the type does not use; ids are integers, listed in id order.
//! - Validation (422 `unprocessable_entity`): types A, AAAA, CAA, CNAME, MX, NS, SOA, SRV,
//!   TXT; required attributes per `domain_record_types.yml` (A/AAAA/CNAME/NS/TXT: name, data;
//!   MX: data, priority (name defaults to `@`); SRV: name, data, priority, port; CAA: name,
//!   data, flags, tag); A an IPv4 address, AAAA an IPv6 address; CAA `flags` 0…255 and `tag`
//!   one of issue, issuewild, iodef; MX/SRV `priority` and SRV `weight` 0…65535, SRV `port`
//!   1…65535; the SOA "can only have ttl changed, cannot be deleted" (and is not created).
//! - Names are relative to the domain, `@` for the apex. Host names in `data` (CNAME, MX, NS,
//!   SRV) are listed without a final dot (the spec's NS examples: `ns1.digitalocean.com`);
//!   `@` stays `@`.
//! - Paging: `page` (from 1) and `per_page` (default 20, at most 200); `links.pages` with
//!   `first`/`prev` (not on page 1) and `next`/`last` (not on the last page), absolute URLs
//!   built from the request's Host; `links` is `{}` on a single page (as the examples show);
//!   `meta.total` is the number of objects matched.
//! - Rate limit per token, each request counted for one window (an hour) after it is made:
//!   every answer carries `ratelimit-limit`, `ratelimit-remaining`, `ratelimit-reset` (Unix
//!   time the oldest counted request expires); past the limit 429 `{"id": "too_many_requests",
//!   "message": "API rate limit exceeded."}`. A burst limit (250 a minute on the real API;
//!   `set_burst`) answers 429 with `ratelimit-remaining: 0` and `retry-after` (seconds).
//!   Defaults (1,000,000 an hour, no burst limit) are never reached by ordinary tests;
//!   `set_rate(5000, 1 h)` + `set_burst(250, 60 s)` are the documented values.
//!
//! ## Simplified or guessed
//!
//! - The TTL range 30…2^31-1 (30 from the brief: no DigitalOcean page found here says it); the
//!   record TTL default 1800 (Terraform docs) and the domain's TTL 1800 (examples).
//! - A relative host name in `data` (no final dot, not `@`) is made absolute below the domain
//!   (`mail` → `mail.example.com`); `.` is taken as MX and SRV data (null target) and listed
//!   as `.`. Host names keep their case; record names are lowercased; a name with a final dot
//!   must be inside the domain and is made relative (the apex → `@`); `""` is refused.
//! - SRV `weight` is required (the brief and Terraform docs; the spec's required list omits
//!   it). A CNAME cannot share its name with any other record (RFC 1034; a CNAME at `@` is
//!   thus always refused). Identical records are not refused. TXT and CAA `data` are stored as
//!   sent (any non-empty string, no length limit). Attributes the type does not use are ignored
//!   (stored `null`); integer attributes must be JSON integers.
//! - The SOA record as listed: `{type: SOA, name: "@", data: "1800", ttl: 1800}`, first of a
//!   new domain (the spec's list example leaves it out, its type enum and tag text include
//!   it). The serial is the creation time, bumped on every change. A record's type cannot be
//!   changed by PUT/PATCH. `ip_address` must be IPv4; a domain name with a final dot is
//!   refused on create. The domain list is sorted by name.
//! - Wordings of the 422/400/405 messages, `per_page` above the cap clamped, `page`/`per_page`
//!   below 1 or not numbers: 400. The link scheme is `X-Forwarded-Proto`, else `http` for a
//!   loopback Host and `https` otherwise (the HTTPS proxy keeps `Host: api.digitalocean.com`).
//!   Refused requests (401, 429) are not counted; a 401 carries the headers of an unused quota.
//! - No domain `ttl`/`zone_file` edits, no `HEAD`, no request ids, no other API resources.

use std::collections::{BTreeMap, VecDeque};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::fake_http::{header, pct_decode, query};
use serde_json::{Map, Value as J, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The read-write token the fake accepts (`dop_v1_` and 64 hex digits, as DigitalOcean's).
pub const DO_TOKEN: &str =
    "dop_v1_5eed0c4f2a9e7b1d3c5e7f9a0b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e";
/// A token with read scope only: every write is 403.
#[allow(dead_code)]
pub const DO_READ_TOKEN: &str =
    "dop_v1_0ead0c4f2a9e7b1d3c5e7f9a0b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e";
const PREFIX: &str = "/v2";

const TYPES: &[&str] = &["A", "AAAA", "CAA", "CNAME", "MX", "NS", "SOA", "SRV", "TXT"];
const CAA_TAGS: &[&str] = &["issue", "issuewild", "iodef"];
const NAMESERVERS: [&str; 3] = [
    "ns1.digitalocean.com",
    "ns2.digitalocean.com",
    "ns3.digitalocean.com",
];
/// A record's and a domain's TTL when none is given.
const DEFAULT_TTL: i64 = 1800;
const MIN_TTL: i64 = 30;
const MAX_TTL: i64 = i32::MAX as i64;
const DEFAULT_PER_PAGE: usize = 20;
const MAX_PER_PAGE: usize = 200;
/// The attributes of a record besides `id`.
const FIELDS: &[&str] = &[
    "type", "name", "data", "priority", "port", "ttl", "weight", "flags", "tag",
];

/// A refusal: status and message (the `id` follows from the status).
#[derive(Debug)]
struct Fail(u16, String);

fn unprocessable(msg: impl Into<String>) -> Fail {
    Fail(422, msg.into())
}

fn not_found() -> Fail {
    Fail(404, "The resource you requested could not be found.".into())
}

fn error_id(status: u16) -> &'static str {
    match status {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        422 => "unprocessable_entity",
        429 => "too_many_requests",
        500 => "server_error",
        503 => "service_unavailable",
        _ => "error",
    }
}

fn error_body(status: u16, message: &str) -> J {
    json!({"id": error_id(status), "message": message})
}

struct Domain {
    name: String,
    serial: u64,
    /// Full record objects by id.
    records: BTreeMap<u64, J>,
}

#[derive(Clone, Copy)]
struct Limit {
    limit: u32,
    window: Duration,
}

struct State {
    domains: BTreeMap<String, Domain>,
    next_id: u64,
    /// The hourly quota (`ratelimit-limit`).
    rate: Limit,
    /// The burst limit (429 with `retry-after`).
    burst: Limit,
    /// When each counted request of a token was made, oldest first.
    hits: BTreeMap<String, VecDeque<Instant>>,
    page_cap: usize,
    /// `METHOD path?query` per request, in order.
    log: Vec<String>,
    /// Let this many record writes through, then refuse one with this status and message.
    fail_writes: Option<(usize, u16, String)>,
}

const DEFAULT_RATE: Limit = Limit {
    limit: 1_000_000,
    window: Duration::from_secs(3600),
};
const DEFAULT_BURST: Limit = Limit {
    limit: u32::MAX,
    window: Duration::from_secs(60),
};

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A domain name as the fake keys it: lowercase, no final dot.
fn norm_zone(s: &str) -> String {
    s.trim_end_matches('.').to_ascii_lowercase()
}

/// Labels of letters, digits, `-`, `_` (at most 63 octets, 253 in all); `*` as the first
/// label when `wildcard`.
fn is_hostname(s: &str, wildcard: bool) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').enumerate().all(|(i, l)| {
            (wildcard && i == 0 && l == "*")
                || (!l.is_empty()
                    && l.len() <= 63
                    && l.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        })
}

/// A record name as stored: relative, lowercase, `@` for the apex.
fn rel_name(zone: &str, s: &str) -> Result<String, Fail> {
    let s = s.to_ascii_lowercase();
    if s == "@" {
        return Ok(s);
    }
    let rel = match s.strip_suffix('.') {
        Some(abs) if abs == zone => return Ok("@".into()),
        Some(abs) => abs
            .strip_suffix(&format!(".{zone}"))
            .ok_or_else(|| unprocessable(format!("Name {s} is not within the domain {zone}")))?
            .to_string(),
        None => s,
    };
    if !is_hostname(&rel, true) {
        return Err(unprocessable(format!(
            "Name {rel:?} is not a valid host name"
        )));
    }
    Ok(rel)
}

/// A host name in `data` as stored: `@`, `.` (when `root_ok`), or absolute without the final
/// dot (a relative name is made absolute below the domain).
fn host_data(zone: &str, ty: &str, s: &str, root_ok: bool) -> Result<String, Fail> {
    if s == "@" || (root_ok && s == ".") {
        return Ok(s.to_string());
    }
    let abs = match s.strip_suffix('.') {
        Some(abs) => abs.to_string(),
        None => format!("{s}.{zone}"),
    };
    if s.is_empty() || s.starts_with('.') || !is_hostname(&abs, false) {
        return Err(unprocessable(format!(
            "Data needs to be a valid hostname for a {ty} record: {s:?}"
        )));
    }
    Ok(abs)
}

/// An integer attribute: `None` when absent or `null`.
fn int_field(b: &Map<String, J>, k: &str, lo: i64, hi: i64, ty: &str) -> Result<Option<J>, Fail> {
    match b.get(k) {
        None | Some(J::Null) => Ok(None),
        Some(v) => match v.as_i64() {
            Some(n) if (lo..=hi).contains(&n) => Ok(Some(json!(n))),
            _ => Err(unprocessable(format!(
                "{k} must be an integer from {lo} to {hi} for a {ty} record"
            ))),
        },
    }
}

/// The attributes of `b` that `ty` uses, validated and normalized (only those sent).
fn norm_fields(zone: &str, ty: &str, b: &Map<String, J>) -> Result<Map<String, J>, Fail> {
    let mut o = Map::new();
    match b.get("name") {
        None | Some(J::Null) => {}
        Some(J::String(s)) => {
            o.insert("name".into(), json!(rel_name(zone, s)?));
        }
        Some(_) => return Err(unprocessable("name must be a string")),
    }
    match b.get("data") {
        None | Some(J::Null) => {}
        Some(J::String(s)) => {
            let d = match ty {
                "A" => {
                    s.parse::<Ipv4Addr>().map_err(|_| {
                        unprocessable(format!("Data needs to be a valid IPv4 address: {s:?}"))
                    })?;
                    s.clone()
                }
                "AAAA" => {
                    s.parse::<Ipv6Addr>().map_err(|_| {
                        unprocessable(format!("Data needs to be a valid IPv6 address: {s:?}"))
                    })?;
                    s.clone()
                }
                "CNAME" | "NS" => host_data(zone, ty, s, false)?,
                "MX" | "SRV" => host_data(zone, ty, s, true)?,
                _ if s.is_empty() => {
                    return Err(unprocessable(format!("Data is required for a {ty} record")));
                }
                _ => s.clone(),
            };
            o.insert("data".into(), json!(d));
        }
        Some(_) => return Err(unprocessable("data must be a string")),
    }
    if let Some(t) = int_field(b, "ttl", MIN_TTL, MAX_TTL, ty)? {
        o.insert("ttl".into(), t);
    }
    let u16_max = 65535;
    if matches!(ty, "MX" | "SRV")
        && let Some(p) = int_field(b, "priority", 0, u16_max, ty)?
    {
        o.insert("priority".into(), p);
    }
    if ty == "SRV" {
        if let Some(p) = int_field(b, "port", 1, u16_max, ty)? {
            o.insert("port".into(), p);
        }
        if let Some(w) = int_field(b, "weight", 0, u16_max, ty)? {
            o.insert("weight".into(), w);
        }
    }
    if ty == "CAA" {
        if let Some(f) = int_field(b, "flags", 0, 255, ty)? {
            o.insert("flags".into(), f);
        }
        match b.get("tag") {
            None | Some(J::Null) => {}
            Some(J::String(t)) if CAA_TAGS.contains(&t.as_str()) => {
                o.insert("tag".into(), json!(t));
            }
            Some(t) => {
                return Err(unprocessable(format!(
                    "tag must be one of issue, issuewild, iodef for a CAA record, not {t}"
                )));
            }
        }
    }
    Ok(o)
}

/// A complete record of type `ty` from normalized attributes: required ones present, the rest
/// `null`, the TTL defaulted.
fn complete(ty: &str, f: &Map<String, J>) -> Result<J, Fail> {
    let required: &[&str] = match ty {
        "A" | "AAAA" | "CNAME" | "NS" | "TXT" => &["name", "data"],
        "MX" => &["data", "priority"],
        "SRV" => &["name", "data", "priority", "port", "weight"],
        "CAA" => &["name", "data", "flags", "tag"],
        _ => &["ttl"],
    };
    for k in required {
        if f.get(*k).is_none_or(J::is_null) {
            return Err(unprocessable(format!("{k} is required for a {ty} record")));
        }
    }
    let mut o = json!({"type": ty});
    for k in FIELDS.iter().skip(1) {
        o[*k] = f.get(*k).cloned().unwrap_or(J::Null);
    }
    if o["name"].is_null() {
        o["name"] = json!("@");
    }
    if o["ttl"].is_null() {
        o["ttl"] = json!(DEFAULT_TTL);
    }
    Ok(o)
}

/// The record type of a body: one of the enum.
fn body_type(b: &Map<String, J>) -> Result<Option<String>, Fail> {
    match b.get("type") {
        None | Some(J::Null) => Ok(None),
        Some(J::String(t)) if TYPES.contains(&t.as_str()) => Ok(Some(t.clone())),
        Some(t) => Err(unprocessable(format!(
            "Type {t} is not a valid record type"
        ))),
    }
}

/// A new record from a POST body (SOA refused).
fn build(zone: &str, b: &Map<String, J>) -> Result<J, Fail> {
    let ty = body_type(b)?.ok_or_else(|| unprocessable("type is required"))?;
    if ty == "SOA" {
        return Err(unprocessable(
            "SOA records cannot be created: each domain has one, whose ttl may be changed",
        ));
    }
    if b.get("name").is_none_or(J::is_null) && ty != "MX" {
        return Err(unprocessable(format!("name is required for a {ty} record")));
    }
    complete(&ty, &norm_fields(zone, &ty, b)?)
}

/// An existing record with the attributes of a PUT/PATCH body set.
fn updated(zone: &str, old: &J, b: &Map<String, J>) -> Result<J, Fail> {
    let ty = old["type"].as_str().unwrap_or_default().to_string();
    if let Some(t) = body_type(b)?
        && t != ty
    {
        return Err(unprocessable(format!(
            "The type of a record cannot be changed ({ty} to {t})"
        )));
    }
    let f = norm_fields(zone, &ty, b)?;
    if ty == "SOA" {
        if let Some((k, _)) = f
            .iter()
            .find(|(k, v)| *k != "ttl" && old[k.as_str()] != **v)
        {
            return Err(unprocessable(format!(
                "Only the ttl of an SOA record can be changed, not {k}"
            )));
        }
        let mut o = old.clone();
        if let Some(t) = f.get("ttl") {
            o["ttl"] = t.clone();
        }
        return Ok(o);
    }
    let mut merged: Map<String, J> = old.as_object().cloned().unwrap_or_default();
    merged.extend(f);
    let mut o = complete(&ty, &merged)?;
    o["id"] = old["id"].clone();
    Ok(o)
}

/// A record's owner name, fully qualified without the final dot.
fn fqdn(zone: &str, name: &str) -> String {
    if name == "@" {
        zone.to_string()
    } else {
        format!("{name}.{zone}")
    }
}

impl Domain {
    /// A CNAME shares its name with no other record. `skip`: the id being replaced.
    fn check_against(&self, o: &J, skip: Option<u64>) -> Result<(), Fail> {
        let (name, ty) = (o["name"].as_str().unwrap(), o["type"].as_str().unwrap());
        let clash = self
            .records
            .iter()
            .filter(|(id, _)| Some(**id) != skip)
            .map(|(_, r)| r)
            .find(|r| r["name"] == name && (ty == "CNAME" || r["type"] == "CNAME"));
        match clash {
            Some(r) => Err(unprocessable(format!(
                "A CNAME record cannot share its name with other records ({name} has a {} record)",
                r["type"].as_str().unwrap_or("")
            ))),
            None => Ok(()),
        }
    }

    fn json(&self, with_zone_file: bool) -> J {
        json!({
            "name": self.name,
            "ttl": DEFAULT_TTL,
            "zone_file": if with_zone_file { json!(self.zone_file()) } else { J::Null },
        })
    }

    /// The zone file as the examples show it.
    fn zone_file(&self) -> String {
        let z = &self.name;
        let host = |d: &str| match d {
            "@" => format!("{z}."),
            "." => ".".to_string(),
            d => format!("{d}."),
        };
        let mut out = format!(
            "$ORIGIN {z}.\n$TTL {DEFAULT_TTL}\n{z}. IN SOA ns1.digitalocean.com. hostmaster.{z}. \
             {} 10800 3600 604800 1800\n",
            self.serial
        );
        for r in self.records.values().filter(|r| r["type"] != "SOA") {
            let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            let n = |k: &str| r[k].as_i64().unwrap_or_default();
            let owner = format!("{}.", fqdn(z, &s("name")));
            let rdata = match s("type").as_str() {
                "CNAME" | "NS" => host(&s("data")),
                "MX" => format!("{} {}", n("priority"), host(&s("data"))),
                "SRV" => format!(
                    "{} {} {} {}",
                    n("priority"),
                    n("weight"),
                    n("port"),
                    host(&s("data"))
                ),
                "CAA" => format!("{} {} {:?}", n("flags"), s("tag"), s("data")),
                "TXT" => format!("{:?}", s("data")),
                _ => s("data"),
            };
            out.push_str(&format!("{owner} {} IN {} {rdata}\n", n("ttl"), s("type")));
        }
        out
    }
}

/// What a route answers.
enum Out {
    Json(u16, J),
    NoContent,
}

impl State {
    fn new_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// A new domain with DigitalOcean's SOA and NS records (and an A record at `@`).
    fn create_domain(&mut self, name: &str, ip: Option<&str>) -> Result<(), Fail> {
        if !is_hostname(name, false) || !name.contains('.') {
            return Err(unprocessable(format!(
                "Name {name:?} is not a valid domain name (domain.TLD)"
            )));
        }
        if self.domains.contains_key(name) {
            return Err(unprocessable(format!("Name {name} already exists")));
        }
        let mut records = BTreeMap::new();
        let mut add = |st: &mut State, ty: &str, data: &str| {
            let id = st.new_id();
            let mut f = Map::new();
            f.insert("name".into(), json!("@"));
            f.insert("data".into(), json!(data));
            f.insert("ttl".into(), json!(DEFAULT_TTL));
            let mut r = complete(ty, &f).unwrap();
            r["id"] = json!(id);
            records.insert(id, r);
        };
        add(self, "SOA", "1800");
        for ns in NAMESERVERS {
            add(self, "NS", ns);
        }
        if let Some(ip) = ip {
            add(self, "A", ip);
        }
        self.domains.insert(
            name.to_string(),
            Domain {
                name: name.to_string(),
                serial: now_secs(),
                records,
            },
        );
        Ok(())
    }

    fn domain_mut(&mut self, name: &str) -> Result<&mut Domain, Fail> {
        self.domains.get_mut(name).ok_or_else(not_found)
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

    /// Count a request of `token`: Ok((remaining, reset)) or Err((reset, retry-after)).
    #[allow(clippy::type_complexity)]
    fn take(&mut self, token: &str) -> Result<(u32, u64), (u64, Option<u64>)> {
        let (rate, burst) = (self.rate, self.burst);
        let now = Instant::now();
        let q = self.hits.entry(token.to_string()).or_default();
        let keep = rate.window.max(burst.window);
        while q.front().is_some_and(|t| now.duration_since(*t) >= keep) {
            q.pop_front();
        }
        let in_rate: Vec<Instant> = q
            .iter()
            .copied()
            .filter(|t| now.duration_since(*t) < rate.window)
            .collect();
        let reset = |oldest: Option<&Instant>, window: Duration| match oldest {
            Some(t) => {
                now_secs()
                    + (window.saturating_sub(now.duration_since(*t)))
                        .as_secs_f64()
                        .ceil() as u64
            }
            None => now_secs(),
        };
        if in_rate.len() as u64 >= rate.limit as u64 {
            return Err((reset(in_rate.first(), rate.window), None));
        }
        let in_burst: Vec<&Instant> = q
            .iter()
            .filter(|t| now.duration_since(**t) < burst.window)
            .collect();
        if in_burst.len() as u64 >= burst.limit as u64 {
            let wait = burst
                .window
                .saturating_sub(now.duration_since(*in_burst[0]))
                .as_secs_f64()
                .ceil()
                .max(1.0) as u64;
            return Err((reset(in_rate.first(), rate.window), Some(wait)));
        }
        q.push_back(now);
        let oldest = in_rate.first().copied().unwrap_or(now);
        Ok((
            rate.limit - in_rate.len() as u32 - 1,
            reset(Some(&oldest), rate.window),
        ))
    }
}

fn body_object(req: &Request) -> Result<Map<String, J>, Fail> {
    match serde_json::from_slice::<J>(&req.body) {
        Ok(J::Object(m)) => Ok(m),
        _ => Err(Fail(400, "error parsing request body".into())),
    }
}

fn positive(req: &Request, key: &str, default: usize) -> Result<usize, Fail> {
    match query(req, key) {
        None => Ok(default),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| Fail(400, format!("{key} must be an integer of at least 1"))),
    }
}

/// The absolute URL of page `n` of this request's listing (its other parameters kept).
fn page_url(req: &Request, n: usize) -> String {
    let host = header(req, "host").unwrap_or_else(|| "127.0.0.1".into());
    let loopback = ["127.", "localhost", "[::1]"]
        .iter()
        .any(|p| host.starts_with(p));
    let scheme = header(req, "x-forwarded-proto")
        .unwrap_or_else(|| if loopback { "http" } else { "https" }.into());
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("page", &n.to_string());
    for (k, v) in req.url.query_pairs().filter(|(k, _)| k != "page") {
        q.append_pair(&k, &v);
    }
    format!("{scheme}://{host}{}?{}", req.url.path(), q.finish())
}

/// One page of `items` under `key`, with `links` and `meta`.
fn paged(st: &State, req: &Request, key: &str, items: Vec<J>) -> Result<J, Fail> {
    let page = positive(req, "page", 1)?;
    let per_page = positive(req, "per_page", DEFAULT_PER_PAGE)?.min(st.page_cap.max(1));
    let total = items.len();
    let pages = total.div_ceil(per_page).max(1);
    let start = ((page - 1).saturating_mul(per_page)).min(total);
    let end = (start + per_page).min(total);
    let mut links = Map::new();
    let mut p = Map::new();
    if page > 1 {
        p.insert("first".into(), json!(page_url(req, 1)));
        p.insert("prev".into(), json!(page_url(req, page - 1)));
    }
    if page < pages {
        p.insert("last".into(), json!(page_url(req, pages)));
        p.insert("next".into(), json!(page_url(req, page + 1)));
    }
    if !p.is_empty() {
        links.insert("pages".into(), J::Object(p));
    }
    Ok(json!({ key: items[start..end].to_vec(), "links": links, "meta": {"total": total} }))
}

fn record_id(s: &str) -> Result<u64, Fail> {
    s.parse().map_err(|_| not_found())
}

fn route(st: &mut State, req: &Request) -> Result<Out, Fail> {
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
    match (method, segs.as_slice()) {
        ("GET", ["domains"]) => {
            let list = st.domains.values().map(|d| d.json(true)).collect();
            Ok(Out::Json(200, paged(st, req, "domains", list)?))
        }
        ("POST", ["domains"]) => {
            let b = body_object(req)?;
            let name = match b.get("name") {
                Some(J::String(n)) => n.to_ascii_lowercase(),
                _ => return Err(unprocessable("name is required")),
            };
            let ip = match b.get("ip_address") {
                None | Some(J::Null) => None,
                Some(J::String(ip)) if ip.parse::<Ipv4Addr>().is_ok() => Some(ip.clone()),
                Some(ip) => {
                    return Err(unprocessable(format!(
                        "ip_address needs to be a valid IPv4 address: {ip}"
                    )));
                }
            };
            st.create_domain(&name, ip.as_deref())?;
            Ok(Out::Json(
                201,
                json!({"domain": st.domains[&name].json(false)}),
            ))
        }
        ("GET", ["domains", name]) => {
            let d = st.domains.get(*name).ok_or_else(not_found)?;
            Ok(Out::Json(200, json!({"domain": d.json(true)})))
        }
        ("DELETE", ["domains", name]) => {
            st.domains.remove(*name).ok_or_else(not_found)?;
            Ok(Out::NoContent)
        }
        ("GET", ["domains", name, "records"]) => {
            let d = st.domains.get(*name).ok_or_else(not_found)?;
            let ty = query(req, "type");
            if let Some(t) = &ty
                && !TYPES.contains(&t.as_str())
            {
                return Err(unprocessable(format!(
                    "Type {t:?} is not a valid record type"
                )));
            }
            let want = query(req, "name").map(|n| norm_zone(&n));
            let list = d
                .records
                .values()
                .filter(|r| ty.as_ref().is_none_or(|t| r["type"] == t.as_str()))
                .filter(|r| {
                    want.as_ref()
                        .is_none_or(|n| fqdn(&d.name, r["name"].as_str().unwrap_or("")) == *n)
                })
                .cloned()
                .collect();
            Ok(Out::Json(200, paged(st, req, "domain_records", list)?))
        }
        ("POST", ["domains", name, "records"]) => {
            st.domain_mut(name)?;
            st.write_allowed()?;
            let b = body_object(req)?;
            let id = st.next_id + 1;
            let d = st.domain_mut(name)?;
            let mut o = build(&d.name, &b)?;
            d.check_against(&o, None)?;
            o["id"] = json!(id);
            d.records.insert(id, o.clone());
            d.serial += 1;
            st.next_id = id;
            Ok(Out::Json(201, json!({ "domain_record": o })))
        }
        ("GET", ["domains", name, "records", id]) => {
            let id = record_id(id)?;
            let d = st.domains.get(*name).ok_or_else(not_found)?;
            let r = d.records.get(&id).ok_or_else(not_found)?;
            Ok(Out::Json(200, json!({ "domain_record": r })))
        }
        ("PUT" | "PATCH", ["domains", name, "records", id]) => {
            let id = record_id(id)?;
            st.domain_mut(name)?
                .records
                .get(&id)
                .ok_or_else(not_found)?;
            st.write_allowed()?;
            let b = body_object(req)?;
            let d = st.domain_mut(name)?;
            let o = updated(&d.name, &d.records[&id], &b)?;
            d.check_against(&o, Some(id))?;
            d.records.insert(id, o.clone());
            d.serial += 1;
            Ok(Out::Json(200, json!({ "domain_record": o })))
        }
        ("DELETE", ["domains", name, "records", id]) => {
            let id = record_id(id)?;
            let d = st.domain_mut(name)?;
            let r = d.records.get(&id).ok_or_else(not_found)?;
            if r["type"] == "SOA" {
                return Err(unprocessable("SOA records cannot be deleted"));
            }
            st.write_allowed()?;
            let d = st.domain_mut(name)?;
            d.records.remove(&id);
            d.serial += 1;
            Ok(Out::NoContent)
        }
        (_, ["domains"] | ["domains", _] | ["domains", _, "records"])
        | (_, ["domains", _, "records", _]) => Err(Fail(
            405,
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
        let limit = st.rate.limit;
        let with_rate = |t: ResponseTemplate, remaining: u32, reset: u64| {
            t.insert_header("ratelimit-limit", limit.to_string().as_str())
                .insert_header("ratelimit-remaining", remaining.to_string().as_str())
                .insert_header("ratelimit-reset", reset.to_string().as_str())
        };
        let fail = |Fail(status, message): Fail| {
            ResponseTemplate::new(status).set_body_json(error_body(status, &message))
        };
        let auth = header(req, "authorization").unwrap_or_default();
        let token = auth.strip_prefix("Bearer ").unwrap_or_default().trim();
        let can_write = match token {
            DO_TOKEN => true,
            DO_READ_TOKEN => false,
            _ => {
                let t = fail(Fail(401, "Unable to authenticate you.".into()));
                return with_rate(t, limit, now_secs());
            }
        };
        let (remaining, reset) = match st.take(token) {
            Ok(r) => r,
            Err((reset, retry_after)) => {
                let t = with_rate(fail(Fail(429, "API rate limit exceeded.".into())), 0, reset);
                return match retry_after {
                    Some(s) => t.insert_header("retry-after", s.to_string().as_str()),
                    None => t,
                };
            }
        };
        let t = if !can_write && req.method.as_str() != "GET" {
            fail(Fail(
                403,
                "You do not have access for the attempted action.".into(),
            ))
        } else {
            match route(&mut st, req) {
                Ok(Out::Json(status, body)) => ResponseTemplate::new(status).set_body_json(body),
                Ok(Out::NoContent) => ResponseTemplate::new(204),
                Err(f) => fail(f),
            }
        };
        with_rate(t, remaining, reset)
    }
}

/// A running fake.
pub struct DigitalOceanFake {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    state: Arc<Mutex<State>>,
    _server: MockServer,
}

/// One fake for the whole test binary.
pub fn digitalocean() -> &'static DigitalOceanFake {
    static FAKE: OnceLock<DigitalOceanFake> = OnceLock::new();
    FAKE.get_or_init(DigitalOceanFake::start)
}

fn fail_panic(Fail(status, message): Fail) -> ! {
    panic!("the fake refuses: {status} {message}")
}

impl DigitalOceanFake {
    pub fn start() -> DigitalOceanFake {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let server = rt.block_on(MockServer::builder().disable_request_recording().start());
        let url = server.uri();
        let state = Arc::new(Mutex::new(State {
            domains: BTreeMap::new(),
            next_id: 28_448_428,
            rate: DEFAULT_RATE,
            burst: DEFAULT_BURST,
            hits: BTreeMap::new(),
            page_cap: MAX_PER_PAGE,
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
        DigitalOceanFake {
            url,
            state,
            _server: server,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `http://127.0.0.1:PORT/v2`
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
    /// request log, the rate counters and any `fail_writes_after` (limits set stay).
    pub fn reset_zone(&self, zone: &str) {
        let mut st = self.lock();
        st.domains.remove(&norm_zone(zone));
        st.log.clear();
        st.hits.clear();
        st.fail_writes = None;
    }

    /// Create a domain behind the client's back (the control panel), with DigitalOcean's SOA
    /// and NS records.
    pub fn create_zone(&self, zone: &str) {
        self.lock()
            .create_domain(&norm_zone(zone), None)
            .unwrap_or_else(|f| fail_panic(f));
    }

    pub fn zone_exists(&self, zone: &str) -> bool {
        self.lock().domains.contains_key(&norm_zone(zone))
    }

    /// The domain object as `GET /v2/domains/{name}` shows it (with `zone_file`).
    #[allow(dead_code)]
    pub fn domain(&self, zone: &str) -> Option<J> {
        self.lock()
            .domains
            .get(&norm_zone(zone))
            .map(|d| d.json(true))
    }

    /// Every record of a domain as the API lists them (id order, the SOA included).
    pub fn records(&self, zone: &str) -> Vec<J> {
        self.lock()
            .domains
            .get(&norm_zone(zone))
            .map(|d| d.records.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Create a record behind the client's back, with the API's validation (`body` as for
    /// POST); the stored record. Panics if the API would refuse it.
    pub fn add_record(&self, zone: &str, body: J) -> J {
        let mut st = self.lock();
        let id = st.next_id + 1;
        let d = st.domain_mut(&norm_zone(zone)).expect("domain in the fake");
        let b = body.as_object().cloned().expect("a record object");
        let mut o = build(&d.name, &b).unwrap_or_else(|f| fail_panic(f));
        d.check_against(&o, None).unwrap_or_else(|f| fail_panic(f));
        o["id"] = json!(id);
        d.records.insert(id, o.clone());
        d.serial += 1;
        st.next_id = id;
        o
    }

    /// Set attributes of a stored record behind the client's back, unvalidated.
    pub fn edit_record(&self, zone: &str, id: u64, fields: J) {
        let mut st = self.lock();
        let d = st.domain_mut(&norm_zone(zone)).expect("domain in the fake");
        let r = d.records.get_mut(&id).expect("record in the fake");
        for (k, v) in fields.as_object().expect("an object") {
            r[k] = v.clone();
        }
        d.serial += 1;
    }

    /// Delete a record behind the client's back (the SOA too).
    #[allow(dead_code)]
    pub fn delete_record(&self, zone: &str, id: u64) {
        let mut st = self.lock();
        if let Some(d) = st.domains.get_mut(&norm_zone(zone)) {
            d.records.remove(&id);
            d.serial += 1;
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

    /// At most `limit` requests per token in any `window` (each request counts for `window`
    /// after it is made); the counters restart.
    pub fn set_rate(&self, limit: u32, window: Duration) {
        let mut st = self.lock();
        st.rate = Limit { limit, window };
        st.hits.clear();
    }

    /// The burst limit: past `limit` requests in `window`, 429 with `retry-after`.
    #[allow(dead_code)]
    pub fn set_burst(&self, limit: u32, window: Duration) {
        let mut st = self.lock();
        st.burst = Limit { limit, window };
        st.hits.clear();
    }

    /// Back to the defaults (never reached) for the rate and the burst limit.
    #[allow(dead_code)]
    pub fn reset_rate(&self) {
        let mut st = self.lock();
        st.rate = DEFAULT_RATE;
        st.burst = DEFAULT_BURST;
        st.hits.clear();
    }

    /// The largest `per_page` honoured (200 on the real API).
    #[allow(dead_code)]
    pub fn set_page_size_cap(&self, n: usize) {
        self.lock().page_cap = n.max(1);
    }

    /// Let `pass` record writes (POST, PUT, PATCH, DELETE of a record) through, then refuse
    /// the next one with `status` and `message` (once).
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

    fn send(&self, method: &str, url: &str, token: Option<&str>, body: Option<J>) -> Resp {
        self.rt.block_on(async {
            let mut r = self
                .client
                .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url);
            if let Some(t) = token {
                r = r.header("authorization", format!("Bearer {t}"));
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
    fake: DigitalOceanFake,
    http: Http,
}

impl Env {
    fn new() -> Env {
        Env {
            fake: DigitalOceanFake::start(),
            http: Http::new(),
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<J>) -> Resp {
        let url = format!("{}{path}", self.fake.api_url());
        self.http.send(method, &url, Some(DO_TOKEN), body)
    }

    /// POST a record to `zone`: the response.
    fn post(&self, zone: &str, body: J) -> Resp {
        self.call("POST", &format!("/domains/{zone}/records"), Some(body))
    }
}

#[test]
fn digitalocean_fake_shared_and_helpers() {
    let f = digitalocean();
    assert!(std::ptr::eq(f, digitalocean()));
    assert!(f.api_url().starts_with("http://127.0.0.1:") && f.api_url().ends_with("/v2"));
    assert_eq!(f.api_url(), format!("http://127.0.0.1:{}/v2", f.port()));
    let zone = "helpers.do-fake.example.";
    f.reset_zone(zone);
    assert!(!f.zone_exists(zone));
    f.create_zone(zone);
    assert!(f.zone_exists("HELPERS.do-fake.example"));
    let listed = f.records(zone);
    let kinds: Vec<(&str, &str, &str)> = listed
        .iter()
        .map(|r| {
            (
                r["type"].as_str().unwrap(),
                r["name"].as_str().unwrap(),
                r["data"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("SOA", "@", "1800"),
            ("NS", "@", "ns1.digitalocean.com"),
            ("NS", "@", "ns2.digitalocean.com"),
            ("NS", "@", "ns3.digitalocean.com"),
        ]
    );
    let r = f.add_record(
        zone,
        json!({"type": "A", "name": "www", "data": "192.0.2.7"}),
    );
    assert_eq!(r["ttl"], 1800);
    assert!(r["priority"].is_null() && r["tag"].is_null() && r["flags"].is_null());
    let id = r["id"].as_u64().unwrap();
    f.edit_record(zone, id, json!({"data": "not an address"}));
    assert_eq!(f.records(zone).last().unwrap()["data"], "not an address");
    f.delete_record(zone, id);
    assert_eq!(f.records(zone).len(), 4);
    let zf = f.domain(zone).unwrap()["zone_file"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(zf.starts_with("$ORIGIN helpers.do-fake.example.\n$TTL 1800\nhelpers.do-fake.example. IN SOA ns1.digitalocean.com. hostmaster.helpers.do-fake.example. "), "{zf}");
    assert!(zf.contains("helpers.do-fake.example. 1800 IN NS ns2.digitalocean.com.\n"));
    f.reset_zone(zone);
    assert!(!f.zone_exists(zone) && f.requests().is_empty());
}

#[test]
#[should_panic(expected = "422")]
fn digitalocean_fake_add_record_refuses_like_the_api() {
    let e = DigitalOceanFake::start();
    e.create_zone("refuse.example");
    e.add_record(
        "refuse.example",
        json!({"type": "MX", "name": "@", "data": "mx.example.net."}),
    );
}

#[test]
fn digitalocean_fake_auth() {
    let e = Env::new();
    let url = format!("{}/domains", e.fake.api_url());
    for token in [None, Some("dop_v1_wrong")] {
        let r = e.http.send("GET", &url, token, None);
        assert_eq!(r.status, 401);
        assert_eq!(
            r.json(),
            json!({"id": "unauthorized", "message": "Unable to authenticate you."})
        );
        assert!(r.header("ratelimit-limit").is_some());
    }
    let basic = e.http.rt.block_on(async {
        e.http
            .client
            .get(&url)
            .header("authorization", format!("Basic {DO_TOKEN}"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(basic, 401);
    let ok = e.http.send("GET", &url, Some(DO_TOKEN), None);
    assert_eq!(ok.status, 200);
    assert_eq!(
        ok.json(),
        json!({"domains": [], "links": {}, "meta": {"total": 0}})
    );
    // a read-scoped token reads but does not write
    assert_eq!(
        e.http.send("GET", &url, Some(DO_READ_TOKEN), None).status,
        200
    );
    let w = e.http.send(
        "POST",
        &url,
        Some(DO_READ_TOKEN),
        Some(json!({"name": "ro.example"})),
    );
    assert_eq!(w.status, 403);
    assert_eq!(w.json()["id"], "forbidden");
    assert!(!e.fake.zone_exists("ro.example"));
    assert_eq!(e.fake.requests().len(), 6);
}

#[test]
fn digitalocean_fake_domains() {
    let e = Env::new();
    let c = e.call(
        "POST",
        "/domains",
        Some(json!({"name": "Shop.example", "ip_address": "192.0.2.1"})),
    );
    assert_eq!(c.status, 201, "{}", c.body);
    assert_eq!(
        c.json(),
        json!({"domain": {"name": "shop.example", "ttl": 1800, "zone_file": null}})
    );
    let again = e.call("POST", "/domains", Some(json!({"name": "shop.example"})));
    assert_eq!(again.status, 422);
    assert_eq!(again.json()["id"], "unprocessable_entity");
    for bad in [
        json!({}),
        json!({"name": "localhost"}),
        json!({"name": "x.example", "ip_address": "2001:db8::1"}),
    ] {
        assert_eq!(e.call("POST", "/domains", Some(bad)).status, 422);
    }
    let g = e.call("GET", "/domains/shop.example", None).json();
    assert!(
        g["domain"]["zone_file"]
            .as_str()
            .unwrap()
            .ends_with("shop.example. 1800 IN A 192.0.2.1\n")
    );
    let recs = e.call("GET", "/domains/shop.example/records", None).json();
    assert_eq!(recs["meta"]["total"], 5);
    assert_eq!(recs["domain_records"][4]["type"], "A");
    assert_eq!(recs["domain_records"][4]["name"], "@");
    assert_eq!(e.call("GET", "/domains/nope.example", None).status, 404);
    assert_eq!(
        e.call("GET", "/domains/nope.example/records", None).json(),
        json!({"id": "not_found", "message": "The resource you requested could not be found."})
    );
    let d = e.call("DELETE", "/domains/shop.example", None);
    assert_eq!((d.status, d.body.as_str()), (204, ""));
    assert!(!e.fake.zone_exists("shop.example"));
}

#[test]
fn digitalocean_fake_record_shapes_and_updates() {
    let e = Env::new();
    let z = "shapes.example";
    e.fake.create_zone(z);
    let cases = [
        (
            json!({"type": "CNAME", "name": "www", "data": "target.example.net."}),
            "target.example.net",
        ),
        (
            json!({"type": "CNAME", "name": "rel", "data": "www"}),
            "www.shapes.example",
        ),
        (json!({"type": "CNAME", "name": "apex", "data": "@"}), "@"),
        (
            json!({"type": "MX", "data": "mx1.example.net.", "priority": 10}),
            "mx1.example.net",
        ),
        (
            json!({"type": "MX", "name": "null", "data": ".", "priority": 0}),
            ".",
        ),
        (
            json!({"type": "NS", "name": "sub", "data": "ns1.example.net."}),
            "ns1.example.net",
        ),
        (
            json!({"type": "SRV", "name": "_sip._tcp", "data": "sip.example.net.", "priority": 1, "weight": 5, "port": 5060, "ttl": 60}),
            "sip.example.net",
        ),
        (
            json!({"type": "TXT", "name": "txt", "data": "v=spf1 -all; \"quoted\""}),
            "v=spf1 -all; \"quoted\"",
        ),
        (
            json!({"type": "CAA", "name": "@", "data": "letsencrypt.org", "flags": 0, "tag": "issue"}),
            "letsencrypt.org",
        ),
        (
            json!({"type": "AAAA", "name": "*.wild", "data": "2001:db8::1"}),
            "2001:db8::1",
        ),
    ];
    for (body, data) in cases {
        let r = e.post(z, body.clone());
        assert_eq!(r.status, 201, "{body} → {}", r.body);
        let rec = &r.json()["domain_record"];
        assert_eq!(rec["data"], data, "{body}");
        assert!(rec["id"].is_u64());
        let keys: Vec<&String> = rec.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 10, "{rec}");
    }
    let all = e
        .call("GET", &format!("/domains/{z}/records?per_page=200"), None)
        .json();
    let srv = all["domain_records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "SRV")
        .unwrap()
        .clone();
    assert_eq!(
        (&srv["priority"], &srv["weight"], &srv["port"], &srv["ttl"]),
        (&json!(1), &json!(5), &json!(5060), &json!(60))
    );
    assert!(srv["flags"].is_null() && srv["tag"].is_null());
    let mx = e
        .call(
            "GET",
            &format!("/domains/{z}/records?type=MX&name=shapes.example"),
            None,
        )
        .json();
    assert_eq!(mx["meta"]["total"], 1);
    assert_eq!(mx["domain_records"][0]["name"], "@");
    // PATCH and PUT set what is sent
    let id = srv["id"].as_u64().unwrap();
    let p = e.call(
        "PATCH",
        &format!("/domains/{z}/records/{id}"),
        Some(json!({"port": 5061})),
    );
    assert_eq!(p.status, 200);
    assert_eq!(p.json()["domain_record"]["port"], 5061);
    assert_eq!(p.json()["domain_record"]["data"], "sip.example.net");
    let u = e.call(
        "PUT",
        &format!("/domains/{z}/records/{id}"),
        Some(json!({"name": "_xmpp._tcp", "type": "SRV"})),
    );
    assert_eq!(u.status, 200, "{}", u.body);
    assert_eq!(u.json()["domain_record"]["name"], "_xmpp._tcp");
    let t = e.call(
        "PUT",
        &format!("/domains/{z}/records/{id}"),
        Some(json!({"type": "A"})),
    );
    assert_eq!(t.status, 422);
    // the SOA: ttl only, never deleted
    let soa = e.fake.records(z)[0].clone();
    let soa_id = soa["id"].as_u64().unwrap();
    let st = e.call(
        "PATCH",
        &format!("/domains/{z}/records/{soa_id}"),
        Some(json!({"ttl": 3600})),
    );
    assert_eq!(
        (st.status, &st.json()["domain_record"]["ttl"]),
        (200, &json!(3600))
    );
    let sd = e.call(
        "PATCH",
        &format!("/domains/{z}/records/{soa_id}"),
        Some(json!({"data": "x"})),
    );
    assert_eq!(sd.status, 422);
    assert_eq!(
        e.call("DELETE", &format!("/domains/{z}/records/{soa_id}"), None)
            .status,
        422
    );
    let d = e.call("DELETE", &format!("/domains/{z}/records/{id}"), None);
    assert_eq!(d.status, 204);
    assert_eq!(
        e.call("GET", &format!("/domains/{z}/records/{id}"), None)
            .status,
        404
    );
    assert_eq!(
        e.call("GET", &format!("/domains/{z}/records/abc"), None)
            .status,
        404
    );
}

#[test]
fn digitalocean_fake_refuses_bad_records() {
    let e = Env::new();
    let z = "bad.example";
    e.fake.create_zone(z);
    e.fake
        .add_record(z, json!({"type": "A", "name": "host", "data": "192.0.2.1"}));
    let bad = [
        json!({"type": "A", "name": "www", "data": "192.0.2"}),
        json!({"type": "A", "data": "192.0.2.1"}),
        json!({"type": "AAAA", "name": "www", "data": "192.0.2.1"}),
        json!({"type": "A", "name": "www", "data": "192.0.2.1", "ttl": 29}),
        json!({"type": "A", "name": "www", "data": "192.0.2.1", "ttl": "300"}),
        json!({"type": "PTR", "name": "www", "data": "x.example."}),
        json!({"type": "a", "name": "www", "data": "192.0.2.1"}),
        json!({"type": "SOA", "name": "@", "data": "1800", "ttl": 1800}),
        json!({"type": "MX", "name": "@", "data": "mx.example.net."}),
        json!({"type": "MX", "name": "@", "data": "mx.example.net.", "priority": 65536}),
        json!({"type": "SRV", "name": "_a._tcp", "data": "t.example.", "priority": 1, "weight": 1}),
        json!({"type": "SRV", "name": "_a._tcp", "data": "t.example.", "priority": 1, "port": 0, "weight": 1}),
        json!({"type": "SRV", "name": "_a._tcp", "data": "t.example.", "priority": 1, "port": 80}),
        json!({"type": "CAA", "name": "@", "data": "ca.example", "flags": 0, "tag": "contactemail"}),
        json!({"type": "CAA", "name": "@", "data": "ca.example", "flags": 256, "tag": "issue"}),
        json!({"type": "CAA", "name": "@", "data": "ca.example", "tag": "issue"}),
        json!({"type": "CNAME", "name": "c", "data": "not a host"}),
        json!({"type": "CNAME", "name": "c", "data": "."}),
        json!({"type": "CNAME", "name": "host", "data": "t.example."}),
        json!({"type": "CNAME", "name": "@", "data": "t.example."}),
        json!({"type": "TXT", "name": "t", "data": ""}),
        json!({"type": "A", "name": "www.other.example.", "data": "192.0.2.1"}),
        json!({"type": "A", "name": "", "data": "192.0.2.1"}),
    ];
    for b in bad {
        let r = e.post(z, b.clone());
        assert_eq!(r.status, 422, "{b} → {} {}", r.status, r.body);
        assert_eq!(r.json()["id"], "unprocessable_entity");
        assert!(r.json()["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // an A beside the CNAME is refused the other way round too
    let ok = e.post(z, json!({"type": "CNAME", "name": "alias", "data": "host"}));
    assert_eq!(ok.status, 201);
    assert_eq!(
        e.post(z, json!({"type": "TXT", "name": "alias", "data": "x"}))
            .status,
        422
    );
    // a fully qualified name inside the domain is made relative
    let fq = e.post(
        z,
        json!({"type": "A", "name": "Deep.BAD.example.", "data": "192.0.2.9"}),
    );
    assert_eq!(fq.json()["domain_record"]["name"], "deep");
    let garbage = e.http.rt.block_on(async {
        e.http
            .client
            .post(format!("{}/domains/{z}/records", e.fake.api_url()))
            .header("authorization", format!("Bearer {DO_TOKEN}"))
            .body("{not json")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(garbage, 400);
    assert_eq!(e.fake.records(z).len(), 7);
}

#[test]
fn digitalocean_fake_paging() {
    let e = Env::new();
    let z = "paged.example";
    e.fake.create_zone(z);
    for i in 0..41 {
        e.fake.add_record(
            z,
            json!({"type": "A", "name": format!("h{i}"), "data": "192.0.2.1"}),
        );
    }
    // 45 records: SOA, 3 NS, 41 A
    let first = e.call("GET", &format!("/domains/{z}/records"), None);
    let j = first.json();
    assert_eq!(j["domain_records"].as_array().unwrap().len(), 20);
    assert_eq!(j["meta"]["total"], 45);
    let base = format!("{}/domains/{z}/records", e.fake.api_url());
    assert_eq!(j["links"]["pages"]["next"], format!("{base}?page=2"));
    assert_eq!(j["links"]["pages"]["last"], format!("{base}?page=3"));
    assert!(j["links"]["pages"].get("prev").is_none());
    // follow `next` to the end
    let mut url = format!("{base}?per_page=16&type=A");
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let r = e.http.send("GET", &url, Some(DO_TOKEN), None).json();
        pages += 1;
        assert_eq!(r["meta"]["total"], 41);
        for rec in r["domain_records"].as_array().unwrap() {
            seen.push(rec["name"].as_str().unwrap().to_string());
        }
        if pages > 1 {
            assert_eq!(
                r["links"]["pages"]["first"],
                format!("{base}?page=1&per_page=16&type=A")
            );
        }
        match r["links"]["pages"]["next"].as_str() {
            Some(n) => url = n.to_string(),
            None => {
                assert!(r["links"]["pages"].get("last").is_none());
                break;
            }
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, (0..41).map(|i| format!("h{i}")).collect::<Vec<_>>());
    // per_page above 200 is 200; one page has `links: {}`
    e.fake.set_page_size_cap(30);
    let capped = e
        .call("GET", &format!("/domains/{z}/records?per_page=500"), None)
        .json();
    assert_eq!(capped["domain_records"].as_array().unwrap().len(), 30);
    e.fake.set_page_size_cap(200);
    let one = e
        .call("GET", &format!("/domains/{z}/records?per_page=200"), None)
        .json();
    assert_eq!(one["links"], json!({}));
    assert_eq!(one["domain_records"].as_array().unwrap().len(), 45);
    assert_eq!(
        e.call("GET", &format!("/domains/{z}/records?page=0"), None)
            .status,
        400
    );
    // the link follows the Host (and the proxy's scheme)
    let proxied = e.http.rt.block_on(async {
        e.http
            .client
            .get(format!("{base}?page=1"))
            .header("authorization", format!("Bearer {DO_TOKEN}"))
            .header("host", "api.digitalocean.com")
            .send()
            .await
            .unwrap()
            .json::<J>()
            .await
            .unwrap()
    });
    assert_eq!(
        proxied["links"]["pages"]["next"],
        format!("https://api.digitalocean.com/v2/domains/{z}/records?page=2")
    );
}

#[test]
fn digitalocean_fake_rate_limit() {
    let e = Env::new();
    let url = format!("{}/domains", e.fake.api_url());
    e.fake.set_rate(3, Duration::from_secs(3600));
    let t0 = now_secs();
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let r = e.http.send("GET", &url, Some(DO_TOKEN), None);
        assert_eq!(r.status, 200);
        assert_eq!(r.header("ratelimit-limit"), Some("3"));
        remaining.push(
            r.header("ratelimit-remaining")
                .unwrap()
                .parse::<u32>()
                .unwrap(),
        );
        let reset: u64 = r.header("ratelimit-reset").unwrap().parse().unwrap();
        assert!((t0 + 3599..=t0 + 3602).contains(&reset), "{reset} {t0}");
    }
    assert_eq!(remaining, [2, 1, 0]);
    let r = e.http.send("GET", &url, Some(DO_TOKEN), None);
    assert_eq!(r.status, 429);
    assert_eq!(
        r.json(),
        json!({"id": "too_many_requests", "message": "API rate limit exceeded."})
    );
    assert_eq!(r.header("ratelimit-remaining"), Some("0"));
    assert!(r.header("ratelimit-reset").is_some() && r.header("retry-after").is_none());
    // each request has its own timer
    e.fake.set_rate(2, Duration::from_millis(400));
    assert_eq!(e.http.send("GET", &url, Some(DO_TOKEN), None).status, 200);
    std::thread::sleep(Duration::from_millis(250));
    assert_eq!(e.http.send("GET", &url, Some(DO_TOKEN), None).status, 200);
    assert_eq!(e.http.send("GET", &url, Some(DO_TOKEN), None).status, 429);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(e.http.send("GET", &url, Some(DO_TOKEN), None).status, 200);
    // the burst limit answers with retry-after
    e.fake.reset_rate();
    e.fake.set_burst(2, Duration::from_secs(60));
    for _ in 0..2 {
        assert_eq!(e.http.send("GET", &url, Some(DO_TOKEN), None).status, 200);
    }
    let b = e.http.send("GET", &url, Some(DO_TOKEN), None);
    assert_eq!(b.status, 429);
    assert_eq!(b.header("ratelimit-remaining"), Some("0"));
    let wait: u64 = b.header("retry-after").unwrap().parse().unwrap();
    assert!((59..=60).contains(&wait), "{wait}");
    assert_eq!(b.header("ratelimit-limit"), Some("1000000"));
}

#[test]
fn digitalocean_fake_fail_writes_after() {
    let e = Env::new();
    let z = "faults.example";
    e.fake.create_zone(z);
    e.fake
        .fail_writes_after(1, 500, "Unexpected server-side error");
    let a = |n: &str| json!({"type": "A", "name": n, "data": "192.0.2.1"});
    assert_eq!(e.post(z, a("one")).status, 201);
    // reads are not writes
    assert_eq!(
        e.call("GET", &format!("/domains/{z}/records"), None).status,
        200
    );
    let f = e.post(z, a("two"));
    assert_eq!(f.status, 500);
    assert_eq!(
        f.json(),
        json!({"id": "server_error", "message": "Unexpected server-side error"})
    );
    assert_eq!(e.post(z, a("three")).status, 201);
    let names: Vec<J> = e
        .fake
        .records(z)
        .iter()
        .map(|r| r["name"].clone())
        .collect();
    assert_eq!(names[4..], [json!("one"), json!("three")]);
    assert_eq!(
        e.fake.requests()[..2],
        [
            format!("POST /v2/domains/{z}/records"),
            format!("GET /v2/domains/{z}/records"),
        ]
    );
}
