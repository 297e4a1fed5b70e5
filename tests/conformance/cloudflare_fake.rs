//! A stateful fake of the Cloudflare API v4 (`/client/v4`) DNS endpoints, on a wiremock server
//! on 127.0.0.1, for the `cloudflare` provider and for octodns-cloudflare (pointed at it with
//! its `api_url` setting).
//!
//! Written from Cloudflare's published API description (the OpenAPI schema of
//! github.com/cloudflare/api-schemas as rendered at developers.cloudflare.com/api: "Zones -
//! List / Create / Details", "DNS Records for a Zone - List / Create / Overwrite / Update /
//! Delete / Batch"), and the DNS documentation pages "Batch record changes" (limits per plan),
//! "Proxy status" (which types can be proxied), "TTL" (1 = automatic, 60…86400 outside
//! Enterprise), "Record types" notes in the schema (A/AAAA cannot share a name with a CNAME,
//! NS cannot share a name with other types, names always in Punycode), and "Rate limits"
//! (1,200 requests per five minutes per user, HTTP 429 with `Retry-After`). Not from any
//! client.
//!
//! ## Faithful
//!
//! - Envelope: `{"success", "errors": [{"code", "message", "error_chain"?}], "messages",
//!   "result", "result_info"?}` on every answer; lists carry `result_info` `{page, per_page,
//!   count, total_count, total_pages}`; `page` from 1, `per_page` 5…50 for zones (default 20)
//!   and 5…5,000,000 for DNS records (default 100).
//! - Auth: `Authorization: Bearer <token>` or `X-Auth-Email` + `X-Auth-Key` (the legacy global
//!   key). No credential: 400 code 9106; a malformed Authorization header: 400 code 6003 with
//!   error_chain 6111; an unknown token or a wrong email/key: 403 code 10000 "Authentication
//!   error". Credentials are never echoed.
//! - Rate: each credential has a window of `rate_limit` requests per `rate_window` (1,200 per
//!   300 s); past it, 429 with `Retry-After` (seconds to the window's end) and code 971.
//! - Zones: `GET /zones?name=&account.id=&page=&per_page=`, `GET /zones/{id}`,
//!   `POST /zones` `{name, account: {id}, type?, jump_start?}` (`account.id` required; an
//!   existing name: 400 code 1061); a zone has `id` (32 hex), `name`, `status`, `type`,
//!   `name_servers`, `account`, `plan {legacy_id}`.
//! - Records: `GET /zones/{id}/dns_records` (ordered by type then name, as `order=type`),
//!   `POST` (create), `PUT /{rid}` (overwrite), `PATCH /{rid}` (merge), `DELETE /{rid}`
//!   (`{"result": {"id"}}`). A record has `id`, `zone_id`, `zone_name`, `name` (IDNA,
//!   lowercase, no final dot), `type`, `content`, `proxiable`, `proxied`, `ttl`, `comment`,
//!   `tags`, `settings`, `meta`, `created_on`, `modified_on`, and `data` / `priority` for
//!   the structured types (content rendered from data).
//! - Batch: `POST /zones/{id}/dns_records/batch` `{deletes: [{id}], patches: [...], puts:
//!   [...], posts: [...]}` runs deletes, patches, puts, posts in that order in one
//!   transaction: the first refused operation refuses the whole batch (nothing applied).
//!   At most 200 operations for a Free plan zone, 3,500 for others.
//! - Validation (400 code 1004 "DNS Validation Error" with the reason in `error_chain`, or the
//!   documented codes): types A, AAAA, CAA, CERT, CNAME, DNSKEY, DS, HTTPS, LOC, MX, NAPTR, NS,
//!   OPENPGPKEY, PTR, SMIMEA, SRV, SSHFP, SVCB, TLSA, TXT, URI; name inside the zone; TTL 1
//!   or 60…86400; `proxied` only on A, AAAA, CNAME (code 9004), a proxied record's TTL is
//!   automatic; IPv4/IPv6 addresses; host names; MX/URI `priority` required; TXT content of
//!   quoted character-strings of at most 255 octets (unquoted text is one string, cut at 255
//!   octets) and at most 2,048 characters; a CNAME cannot share its name with another record
//!   (code 81053; at the apex, where Cloudflare flattens it, only with A and AAAA), NS
//!   with anything but DS (code 81056), a DS needs an NS at its name; an
//!   identical record (name, type, content) already there: code 81058.
//!
//! ## Simplified or guessed
//!
//! - Error codes and wordings not in the description (81056, the DS rule, the batch limit's
//!   code 81125, per_page errors) are this fake's guesses in Cloudflare's style.
//! - SRV's legacy `data.service/proto/name` are ignored (the current schema names the record
//!   by `name`); SVCB/HTTPS content is `priority target params` from `data`.
//! - Page rules: `GET /zones/{id}/pagerules` answers an empty list (octodns-cloudflare reads
//!   it by default); nothing else of them exists here.
//! - No plan tiers beyond the batch limit, no tag or comment limits, no DNSSEC, no Workers.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use crate::fake_http::{header, query};
use serde_json::{Map, Value as J, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const TOKEN: &str = "cf-test-token-0123456789abcdefghij";
pub const EMAIL: &str = "dns-admin@example.com";
pub const GLOBAL_KEY: &str = "cf0123456789abcdef0123456789abcdef012";
pub const ACCOUNT: &str = "0123456789abcdef0123456789abcdef";
const PREFIX: &str = "/client/v4";

const TYPES: &[&str] = &[
    "A",
    "AAAA",
    "CAA",
    "CERT",
    "CNAME",
    "DNSKEY",
    "DS",
    "HTTPS",
    "LOC",
    "MX",
    "NAPTR",
    "NS",
    "OPENPGPKEY",
    "PTR",
    "SMIMEA",
    "SRV",
    "SSHFP",
    "SVCB",
    "TLSA",
    "TXT",
    "URI",
];
const PROXIABLE: &[&str] = &["A", "AAAA", "CNAME"];

struct Zone {
    id: String,
    name: String,
    plan: &'static str,
    records: BTreeMap<String, J>,
}

struct Window {
    start: Instant,
    used: u32,
}

struct State {
    zones: BTreeMap<String, Zone>,
    next: u64,
    rate_limit: u32,
    rate_window: Duration,
    windows: BTreeMap<String, Window>,
    /// `METHOD path?query` per request, in order.
    log: Vec<String>,
    /// Refuse a batch of this zone name with this message after letting `n` pass (a fault
    /// to test against).
    fail_batch: Option<(String, usize, String)>,
}

/// A refusal: status, code, message, the reason in `error_chain`.
struct Fail(u16, u32, String, Option<String>);

fn fail(status: u16, code: u32, msg: impl Into<String>) -> Fail {
    Fail(status, code, msg.into(), None)
}

fn invalid(why: impl Into<String>) -> Fail {
    Fail(400, 1004, "DNS Validation Error".into(), Some(why.into()))
}

fn envelope(result: J) -> J {
    json!({"success": true, "errors": [], "messages": [], "result": result})
}

fn answer(r: Result<J, Fail>) -> ResponseTemplate {
    match r {
        Ok(j) => ResponseTemplate::new(200).set_body_json(j),
        Err(Fail(status, code, msg, chain)) => {
            let mut e = json!({"code": code, "message": msg});
            if let Some(c) = chain {
                e["error_chain"] = json!([{"code": code, "message": c}]);
            }
            ResponseTemplate::new(status).set_body_json(json!({
                "success": false, "errors": [e], "messages": [], "result": null
            }))
        }
    }
}

fn now_text() -> String {
    let s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    format!("{s}")
}

fn is_hostname(s: &str) -> bool {
    let s = s.trim_end_matches('.');
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// A host name as Cloudflare stores it: IDNA, lowercase, no final dot.
fn host(s: &str, what: &str) -> Result<String, Fail> {
    let s = s.trim_end_matches('.').to_lowercase();
    let s = if s.is_ascii() {
        s
    } else {
        dnsplan::model::idna_encode(&format!("{s}."))
            .map(|n| n.trim_end_matches('.').to_string())
            .map_err(|_| invalid(format!("{what} is not a valid host name")))?
    };
    if s == "." || s.is_empty() || !is_hostname(&s) {
        return Err(invalid(format!("{what} {s:?} is not a valid host name")));
    }
    Ok(s)
}

/// TXT content: RFC 1035 character-strings, each at most 255 octets; the stored form quotes
/// them again (`"` and `\` escaped).
fn txt_content(c: &str) -> Result<String, Fail> {
    if c.chars().count() > 2048 {
        return Err(invalid("TXT content must be at most 2048 characters"));
    }
    let mut strings: Vec<Vec<u8>> = Vec::new();
    if c.trim_start().starts_with('"') {
        let b = c.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b' ' || b[i] == b'\t' {
                i += 1;
                continue;
            }
            if b[i] != b'"' {
                return Err(invalid("TXT content mixes quoted and unquoted text"));
            }
            i += 1;
            let mut cur = Vec::new();
            loop {
                if i >= b.len() {
                    return Err(invalid("TXT content has an unterminated quoted string"));
                }
                match b[i] {
                    b'"' => {
                        i += 1;
                        break;
                    }
                    b'\\' if i + 3 < b.len() && b[i + 1..i + 4].iter().all(u8::is_ascii_digit) => {
                        let n: u32 = std::str::from_utf8(&b[i + 1..i + 4])
                            .unwrap()
                            .parse()
                            .unwrap();
                        if n > 255 {
                            return Err(invalid("TXT content has a bad \\DDD escape"));
                        }
                        cur.push(n as u8);
                        i += 4;
                    }
                    b'\\' if i + 1 < b.len() => {
                        cur.push(b[i + 1]);
                        i += 2;
                    }
                    x => {
                        cur.push(x);
                        i += 1;
                    }
                }
            }
            if cur.len() > 255 {
                return Err(invalid("a TXT character-string is longer than 255 octets"));
            }
            strings.push(cur);
        }
    } else {
        let b = c.as_bytes();
        if b.is_empty() {
            strings.push(Vec::new());
        }
        for chunk in b.chunks(255) {
            strings.push(chunk.to_vec());
        }
    }
    let mut out = Vec::new();
    for s in strings {
        let mut q = String::from("\"");
        for &x in &s {
            match x {
                b'"' | b'\\' => {
                    q.push('\\');
                    q.push(x as char);
                }
                0x20..=0x7e => q.push(x as char),
                _ => q.push_str(&format!("\\{x:03}")),
            }
        }
        q.push('"');
        out.push(q);
    }
    Ok(out.join(" "))
}

fn int_in(d: &J, k: &str, lo: i64, hi: i64, ty: &str) -> Result<i64, Fail> {
    let v = match d.get(k) {
        Some(J::Number(n)) => n.as_i64(),
        Some(J::String(s)) => s.parse().ok(),
        _ => None,
    };
    match v {
        Some(n) if (lo..=hi).contains(&n) => Ok(n),
        _ => Err(invalid(format!(
            "{ty} data.{k} must be a number from {lo} to {hi}"
        ))),
    }
}

fn str_of(d: &J, k: &str) -> String {
    match d.get(k) {
        Some(J::String(s)) => s.clone(),
        Some(J::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn num_text(d: &J, k: &str) -> String {
    match d.get(k) {
        Some(J::Number(n)) => n.to_string(),
        Some(J::String(s)) => s.clone(),
        _ => "0".into(),
    }
}

/// Validate one record body against the zone and build the stored object (without id).
fn build(zone: &Zone, body: &Map<String, J>) -> Result<J, Fail> {
    let ty = body
        .get("type")
        .and_then(J::as_str)
        .ok_or_else(|| invalid("type is required"))?
        .to_ascii_uppercase();
    if !TYPES.contains(&ty.as_str()) {
        return Err(invalid(format!("unsupported record type {ty}")));
    }
    let raw_name = body
        .get("name")
        .and_then(J::as_str)
        .ok_or_else(|| invalid("name is required"))?;
    let name = if raw_name == "@" {
        zone.name.clone()
    } else {
        let n = raw_name.trim_end_matches('.').to_lowercase();
        let n = if n.contains('*') {
            n
        } else {
            host(&n, "name")?
        };
        if n != zone.name && !n.ends_with(&format!(".{}", zone.name)) {
            format!("{n}.{}", zone.name)
        } else {
            n
        }
    };
    let wild_ok = name.split('.').enumerate().all(|(i, l)| l != "*" || i == 0);
    if !wild_ok || name.contains("..") {
        return Err(invalid(format!("name {name:?} is not valid")));
    }
    let mut proxied = body.get("proxied").and_then(J::as_bool).unwrap_or(false);
    if proxied && !PROXIABLE.contains(&ty.as_str()) {
        return Err(fail(400, 9004, "This record type cannot be proxied."));
    }
    if !PROXIABLE.contains(&ty.as_str()) {
        proxied = false;
    }
    let mut ttl = match body.get("ttl") {
        None => 1,
        Some(J::Number(n)) => n.as_u64().unwrap_or(0),
        _ => return Err(invalid("ttl must be a number")),
    };
    if ttl != 1 && !(60..=86400).contains(&ttl) {
        return Err(invalid(
            "TTL must be between 60 and 86400 seconds, or 1 for Automatic",
        ));
    }
    if proxied {
        ttl = 1;
    }
    let content = body.get("content").and_then(J::as_str).unwrap_or_default();
    let data = body.get("data").cloned().unwrap_or(J::Null);
    let need_data = || -> Result<&J, Fail> {
        if data.is_object() {
            Ok(&data)
        } else {
            Err(invalid(format!("{ty} records need data")))
        }
    };
    let mut priority: Option<i64> = None;
    let mut stored_data: Option<J> = None;
    let content: String = match ty.as_str() {
        "A" => content
            .parse::<std::net::Ipv4Addr>()
            .map_err(|_| {
                invalid(format!(
                    "Content for A record is invalid. Must be a valid IPv4 address: {content:?}"
                ))
            })?
            .to_string(),
        "AAAA" => content
            .parse::<std::net::Ipv6Addr>()
            .map_err(|_| {
                invalid(format!(
                    "Content for AAAA record is invalid. Must be a valid IPv6 address: {content:?}"
                ))
            })?
            .to_string(),
        "CNAME" | "NS" | "PTR" => host(content, &format!("{ty} content"))?,
        "MX" => {
            let p = body
                .get("priority")
                .and_then(J::as_i64)
                .filter(|p| (0..=65535).contains(p))
                .ok_or_else(|| invalid("MX records need a priority from 0 to 65535"))?;
            priority = Some(p);
            if content == "." || content.is_empty() {
                ".".into()
            } else {
                host(content, "MX content")?
            }
        }
        "TXT" => txt_content(content)?,
        "CAA" => {
            let d = need_data()?;
            let flags = int_in(d, "flags", 0, 255, "CAA")?;
            let tag = str_of(d, "tag");
            if tag.is_empty() || !tag.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(invalid("CAA data.tag must be alphanumeric"));
            }
            let value = str_of(d, "value");
            stored_data = Some(json!({"flags": flags, "tag": tag, "value": value}));
            format!("{flags} {tag} \"{value}\"")
        }
        "SRV" => {
            let d = need_data()?;
            let first = name.split('.').next().unwrap_or_default();
            let second = name.split('.').nth(1).unwrap_or_default();
            if !first.starts_with('_') || !second.starts_with('_') {
                return Err(invalid("SRV names must start with _service._proto"));
            }
            let p = int_in(d, "priority", 0, 65535, "SRV")?;
            let w = int_in(d, "weight", 0, 65535, "SRV")?;
            let port = int_in(d, "port", 0, 65535, "SRV")?;
            let t = str_of(d, "target");
            let t = if t == "." { t } else { host(&t, "SRV target")? };
            priority = Some(p);
            stored_data = Some(json!({"priority": p, "weight": w, "port": port, "target": t}));
            format!("{w} {port} {t}")
        }
        "URI" => {
            let d = need_data()?;
            let p = body
                .get("priority")
                .and_then(J::as_i64)
                .filter(|p| (0..=65535).contains(p))
                .ok_or_else(|| invalid("URI records need a priority from 0 to 65535"))?;
            let w = int_in(d, "weight", 0, 65535, "URI")?;
            let t = str_of(d, "target");
            if t.is_empty() {
                return Err(invalid("URI data.target is required"));
            }
            priority = Some(p);
            stored_data = Some(json!({"weight": w, "target": t}));
            format!("{w} \"{t}\"")
        }
        "DS" => {
            let d = need_data()?;
            let kt = int_in(d, "key_tag", 0, 65535, "DS")?;
            let alg = int_in(d, "algorithm", 0, 255, "DS")?;
            let dt = int_in(d, "digest_type", 0, 255, "DS")?;
            let dg = str_of(d, "digest");
            if dg.is_empty() || !dg.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid("DS data.digest must be hexadecimal"));
            }
            stored_data =
                Some(json!({"key_tag": kt, "algorithm": alg, "digest_type": dt, "digest": dg}));
            format!("{kt} {alg} {dt} {dg}")
        }
        "SSHFP" => {
            let d = need_data()?;
            let alg = int_in(d, "algorithm", 0, 255, "SSHFP")?;
            let t = int_in(d, "type", 0, 255, "SSHFP")?;
            let fp = str_of(d, "fingerprint");
            if fp.is_empty() || !fp.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid("SSHFP data.fingerprint must be hexadecimal"));
            }
            stored_data = Some(json!({"algorithm": alg, "type": t, "fingerprint": fp}));
            format!("{alg} {t} {fp}")
        }
        "TLSA" => {
            let d = need_data()?;
            let u = int_in(d, "usage", 0, 255, "TLSA")?;
            let s = int_in(d, "selector", 0, 255, "TLSA")?;
            let m = int_in(d, "matching_type", 0, 255, "TLSA")?;
            let c = str_of(d, "certificate");
            if c.is_empty() || !c.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid("TLSA data.certificate must be hexadecimal"));
            }
            stored_data =
                Some(json!({"usage": u, "selector": s, "matching_type": m, "certificate": c}));
            format!("{u} {s} {m} {c}")
        }
        "NAPTR" => {
            let d = need_data()?;
            let o = int_in(d, "order", 0, 65535, "NAPTR")?;
            let p = int_in(d, "preference", 0, 65535, "NAPTR")?;
            let (f, s, r, rep) = (
                str_of(d, "flags"),
                str_of(d, "service"),
                str_of(d, "regex"),
                str_of(d, "replacement"),
            );
            stored_data = Some(
                json!({"order": o, "preference": p, "flags": f, "service": s,
                                      "regex": r, "replacement": rep}),
            );
            format!("{o} {p} \"{f}\" \"{s}\" \"{r}\" {rep}")
        }
        "LOC" => {
            let d = need_data()?;
            let keys = [
                "lat_degrees",
                "lat_minutes",
                "lat_seconds",
                "lat_direction",
                "long_degrees",
                "long_minutes",
                "long_seconds",
                "long_direction",
                "altitude",
                "size",
                "precision_horz",
                "precision_vert",
            ];
            for k in ["lat_direction", "long_direction"] {
                let v = str_of(d, k);
                let ok = if k == "lat_direction" {
                    ["N", "S"].contains(&v.as_str())
                } else {
                    ["E", "W"].contains(&v.as_str())
                };
                if !ok {
                    return Err(invalid(format!("LOC data.{k} is not valid")));
                }
            }
            int_in(d, "lat_degrees", 0, 90, "LOC")?;
            int_in(d, "long_degrees", 0, 180, "LOC")?;
            let mut m = Map::new();
            for k in keys {
                m.insert(k.into(), d.get(k).cloned().unwrap_or(json!(0)));
            }
            stored_data = Some(J::Object(m));
            format!(
                "{} {} {} {} {} {} {} {} {}m {}m {}m {}m",
                num_text(d, "lat_degrees"),
                num_text(d, "lat_minutes"),
                num_text(d, "lat_seconds"),
                str_of(d, "lat_direction"),
                num_text(d, "long_degrees"),
                num_text(d, "long_minutes"),
                num_text(d, "long_seconds"),
                str_of(d, "long_direction"),
                num_text(d, "altitude"),
                num_text(d, "size"),
                num_text(d, "precision_horz"),
                num_text(d, "precision_vert")
            )
        }
        "HTTPS" | "SVCB" => {
            let d = need_data()?;
            let p = int_in(d, "priority", 0, 65535, &ty)?;
            let t = str_of(d, "target");
            if t.is_empty() {
                return Err(invalid(format!("{ty} data.target is required")));
            }
            let v = str_of(d, "value");
            stored_data = Some(json!({"priority": p, "target": t, "value": v}));
            let v = v.trim();
            if v.is_empty() {
                format!("{p} {t}")
            } else {
                format!("{p} {t} {v}")
            }
        }
        _ => {
            if content.is_empty() {
                return Err(invalid(format!("{ty} content is required")));
            }
            content.to_string()
        }
    };
    let comment = body.get("comment").and_then(J::as_str).map(str::to_string);
    let tags: Vec<J> = body
        .get("tags")
        .and_then(J::as_array)
        .cloned()
        .unwrap_or_default();
    let mut o = json!({
        "zone_id": zone.id, "zone_name": zone.name, "name": name, "type": ty,
        "content": content, "proxiable": PROXIABLE.contains(&ty.as_str()), "proxied": proxied,
        "ttl": ttl, "comment": comment, "tags": tags, "settings": {}, "meta": {},
        "created_on": now_text(), "modified_on": now_text(),
    });
    if let Some(p) = priority {
        o["priority"] = json!(p);
    }
    if let Some(d) = stored_data {
        o["data"] = d;
    }
    Ok(o)
}

impl Zone {
    /// The records' rules that involve other records: CNAME and NS exclusivity, DS beside
    /// NS, identical records. `skip`: the id being replaced.
    fn check_against(&self, o: &J, skip: Option<&str>) -> Result<(), Fail> {
        let (name, ty, content) = (
            o["name"].as_str().unwrap(),
            o["type"].as_str().unwrap(),
            o["content"].as_str().unwrap(),
        );
        let others: Vec<&J> = self
            .records
            .iter()
            .filter(|(id, _)| Some(id.as_str()) != skip)
            .map(|(_, r)| r)
            .filter(|r| r["name"] == name)
            .collect();
        for r in &others {
            let t = r["type"].as_str().unwrap();
            if t == ty && r["content"] == content {
                return Err(fail(400, 81058, "An identical record already exists."));
            }
            // the apex CNAME is flattened (served as A/AAAA): only those conflict with it
            let other = if ty == "CNAME" { t } else { ty };
            let apex_ok = name == self.name && !["A", "AAAA"].contains(&other);
            if (ty == "CNAME") != (t == "CNAME") && !apex_ok {
                return Err(fail(
                    400,
                    81053,
                    "An A, AAAA, or CNAME record with that host already exists.",
                ));
            }
            if name != self.name && ((ty == "NS") != (t == "NS")) && !(ty == "DS" || t == "DS") {
                return Err(fail(
                    400,
                    81056,
                    "NS records cannot share a name with records of other types.",
                ));
            }
        }
        if ty == "DS" && name != self.name && !others.iter().any(|r| r["type"] == "NS") {
            return Err(invalid("A DS record needs an NS record of the same name"));
        }
        Ok(())
    }
}

impl State {
    fn new_id(&mut self) -> String {
        self.next += 1;
        format!(
            "{:032x}",
            0x5eed_0000_0000_0000_u64.wrapping_add(self.next * 7919)
        )
    }

    fn zone_json(z: &Zone) -> J {
        json!({
            "id": z.id, "name": z.name, "status": "active", "type": "full", "paused": false,
            "name_servers": ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"],
            "account": {"id": ACCOUNT, "name": "Test account"},
            "plan": {"id": "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "name": "Free Website", "legacy_id": z.plan},
        })
    }

    fn auth(&mut self, req: &Request) -> Result<String, Fail> {
        let bearer = header(req, "authorization");
        let (email, key) = (header(req, "x-auth-email"), header(req, "x-auth-key"));
        let who = match (bearer, email, key) {
            (Some(b), _, _) => {
                let Some(t) = b.strip_prefix("Bearer ").filter(|t| !t.trim().is_empty()) else {
                    return Err(Fail(
                        400,
                        6003,
                        "Invalid request headers".into(),
                        Some("Invalid format for Authorization header".into()),
                    ));
                };
                if t != TOKEN {
                    return Err(fail(403, 10000, "Authentication error"));
                }
                "token".to_string()
            }
            (None, Some(e), Some(k)) => {
                if e != EMAIL || k != GLOBAL_KEY {
                    return Err(fail(403, 10000, "Authentication error"));
                }
                "key".to_string()
            }
            _ => {
                return Err(fail(
                    400,
                    9106,
                    "Missing X-Auth-Key, X-Auth-Email or Authorization headers",
                ));
            }
        };
        // one window per credential
        let (limit, window) = (self.rate_limit, self.rate_window);
        let w = self.windows.entry(who.clone()).or_insert(Window {
            start: Instant::now(),
            used: 0,
        });
        if w.start.elapsed() >= window {
            *w = Window {
                start: Instant::now(),
                used: 0,
            };
        }
        if w.used >= limit {
            let left = window.saturating_sub(w.start.elapsed()).as_secs().max(1);
            return Err(Fail(429, 971, format!("retry-after:{left}"), None));
        }
        w.used += 1;
        Ok(who)
    }

    fn zone_by_id(&mut self, id: &str) -> Result<&mut Zone, Fail> {
        self.zones.values_mut().find(|z| z.id == id).ok_or_else(|| {
            fail(
                404,
                7003,
                "Could not route to /zones/…, perhaps your object identifier is invalid?",
            )
        })
    }
}

fn paged(req: &Request, items: Vec<J>, default: u64, max: u64) -> Result<J, Fail> {
    let page: u64 = match query(req, "page") {
        None => 1,
        Some(p) => p
            .parse()
            .ok()
            .filter(|p| *p >= 1)
            .ok_or_else(|| fail(400, 1001, "page must be a number of at least 1"))?,
    };
    let per_page: u64 = match query(req, "per_page") {
        None => default,
        Some(p) => p
            .parse()
            .ok()
            .filter(|p| (5..=max).contains(p))
            .ok_or_else(|| {
                fail(
                    400,
                    1001,
                    format!("per_page must be a number from 5 to {max}"),
                )
            })?,
    };
    let total = items.len() as u64;
    let pages = total.div_ceil(per_page);
    let start = ((page - 1) * per_page).min(total) as usize;
    let end = (start + per_page as usize).min(items.len());
    let slice: Vec<J> = items[start..end].to_vec();
    let mut e = envelope(J::Array(slice.clone()));
    e["result_info"] = json!({"page": page, "per_page": per_page, "count": slice.len(),
                              "total_count": total, "total_pages": pages});
    Ok(e)
}

fn body_object(req: &Request) -> Result<Map<String, J>, Fail> {
    match serde_json::from_slice::<J>(&req.body) {
        Ok(J::Object(m)) => Ok(m),
        _ => Err(fail(400, 9207, "Request body is invalid.")),
    }
}

fn sorted_records(z: &Zone) -> Vec<J> {
    let mut v: Vec<J> = z.records.values().cloned().collect();
    v.sort_by(|a, b| {
        (
            a["type"].as_str(),
            a["name"].as_str(),
            a["content"].as_str(),
            a["id"].as_str(),
        )
            .cmp(&(
                b["type"].as_str(),
                b["name"].as_str(),
                b["content"].as_str(),
                b["id"].as_str(),
            ))
    });
    v
}

/// One batch on a copy of the zone; the copy replaces the zone only when all of it passes.
fn batch(st: &mut State, zone_id: &str, body: Map<String, J>) -> Result<J, Fail> {
    let ops = |k: &str| -> Vec<J> {
        body.get(k)
            .and_then(J::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let (deletes, patches, puts, posts) =
        (ops("deletes"), ops("patches"), ops("puts"), ops("posts"));
    let n = deletes.len() + patches.len() + puts.len() + posts.len();
    let mut ids = Vec::new();
    for _ in &posts {
        ids.push(st.new_id());
    }
    let zname = st.zone_by_id(zone_id)?.name.clone();
    match st.fail_batch.take() {
        Some((z, pass, msg)) if z == zname && pass == 0 => return Err(invalid(msg)),
        Some((z, pass, msg)) if z == zname => st.fail_batch = Some((z, pass - 1, msg)),
        other => st.fail_batch = other,
    }
    let z = st.zone_by_id(zone_id)?;
    let limit = if z.plan == "free" { 200 } else { 3500 };
    if n > limit {
        return Err(fail(
            400,
            81125,
            format!(
                "The batch has {n} operations; at most {limit} are allowed for this zone's plan."
            ),
        ));
    }
    let mut records = z.records.clone();
    let mut out = json!({"deletes": [], "patches": [], "puts": [], "posts": []});
    let scratch = |records: &BTreeMap<String, J>| Zone {
        id: z.id.clone(),
        name: z.name.clone(),
        plan: z.plan,
        records: records.clone(),
    };
    for d in &deletes {
        let id = d.get("id").and_then(J::as_str).unwrap_or_default();
        let Some(old) = records.remove(id) else {
            return Err(fail(404, 81044, format!("Record {id} does not exist.")));
        };
        out["deletes"].as_array_mut().unwrap().push(old);
    }
    for (kind, list) in [("patches", &patches), ("puts", &puts)] {
        for p in list {
            let Some(m) = p.as_object() else {
                return Err(fail(400, 9207, "Request body is invalid."));
            };
            let id = m
                .get("id")
                .and_then(J::as_str)
                .unwrap_or_default()
                .to_string();
            let Some(old) = records.get(&id).cloned() else {
                return Err(fail(404, 81044, format!("Record {id} does not exist.")));
            };
            let mut merged = if kind == "patches" {
                old.as_object().cloned().unwrap()
            } else {
                Map::new()
            };
            for (k, v) in m {
                merged.insert(k.clone(), v.clone());
            }
            if kind == "puts" && !merged.contains_key("type") {
                merged.insert("type".into(), old["type"].clone());
            }
            let mut o = build(&scratch(&records), &merged)?;
            scratch(&records).check_against(&o, Some(&id))?;
            o["id"] = J::String(id.clone());
            o["created_on"] = old["created_on"].clone();
            records.insert(id, o.clone());
            out[kind].as_array_mut().unwrap().push(o);
        }
    }
    for (p, id) in posts.iter().zip(ids) {
        let Some(m) = p.as_object() else {
            return Err(fail(400, 9207, "Request body is invalid."));
        };
        let mut o = build(&scratch(&records), m)?;
        scratch(&records).check_against(&o, None)?;
        o["id"] = J::String(id.clone());
        records.insert(id, o.clone());
        out["posts"].as_array_mut().unwrap().push(o);
    }
    z.records = records;
    Ok(envelope(out))
}

fn route(st: &mut State, req: &Request) -> Result<J, Fail> {
    let path = req.url.path().to_string();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return Err(fail(404, 7000, "No route for that URI"));
    };
    let segs: Vec<&str> = rest.split('/').skip(1).collect();
    let method = req.method.as_str();
    match (method, segs.as_slice()) {
        ("GET", ["zones"]) => {
            let name = query(req, "name").map(|n| n.to_lowercase());
            let account = query(req, "account.id");
            let list: Vec<J> = st
                .zones
                .values()
                .filter(|z| name.as_ref().is_none_or(|n| *n == z.name))
                .filter(|_| account.as_ref().is_none_or(|a| a == ACCOUNT))
                .map(State::zone_json)
                .collect();
            paged(req, list, 20, 50)
        }
        ("POST", ["zones"]) => {
            let b = body_object(req)?;
            let name = b.get("name").and_then(J::as_str).unwrap_or_default();
            let acct = b
                .get("account")
                .and_then(|a| a.get("id"))
                .and_then(J::as_str);
            match acct {
                None => return Err(fail(400, 1001, "account.id is required to create a zone")),
                Some(a) if a != ACCOUNT => {
                    return Err(fail(
                        403,
                        1068,
                        "Permission denied: not a member of that account",
                    ));
                }
                _ => {}
            }
            let name = host(name, "zone name")
                .map_err(|_| fail(400, 1097, "The zone name is not valid"))?;
            if !name.contains('.') {
                return Err(fail(400, 1097, "The zone name is not valid"));
            }
            if st.zones.contains_key(&name) {
                return Err(fail(400, 1061, format!("{name} already exists")));
            }
            let id = st.new_id();
            let z = Zone {
                id,
                name: name.clone(),
                plan: "free",
                records: BTreeMap::new(),
            };
            let j = State::zone_json(&z);
            st.zones.insert(name, z);
            Ok(envelope(j))
        }
        ("GET", ["zones", id]) => Ok(envelope(State::zone_json(st.zone_by_id(id)?))),
        ("GET", ["zones", id, "pagerules"]) => {
            st.zone_by_id(id)?;
            Ok(envelope(json!([])))
        }
        ("GET", ["zones", id, "dns_records"]) => {
            let z = st.zone_by_id(id)?;
            let list = sorted_records(z);
            paged(req, list, 100, 5_000_000)
        }
        ("POST", ["zones", id, "dns_records"]) => {
            let b = body_object(req)?;
            let rid = st.new_id();
            let z = st.zone_by_id(id)?;
            let mut o = build(z, &b)?;
            z.check_against(&o, None)?;
            o["id"] = J::String(rid.clone());
            z.records.insert(rid, o.clone());
            Ok(envelope(o))
        }
        ("POST", ["zones", id, "dns_records", "batch"]) => {
            let b = body_object(req)?;
            let id = id.to_string();
            batch(st, &id, b)
        }
        (m @ ("PUT" | "PATCH"), ["zones", id, "dns_records", rid]) => {
            let b = body_object(req)?;
            let z = st.zone_by_id(id)?;
            let old = z
                .records
                .get(*rid)
                .cloned()
                .ok_or_else(|| fail(404, 81044, "Record does not exist."))?;
            let mut merged = if m == "PATCH" {
                old.as_object().cloned().unwrap()
            } else {
                Map::new()
            };
            for (k, v) in b {
                merged.insert(k, v);
            }
            let mut o = build(z, &merged)?;
            z.check_against(&o, Some(rid))?;
            o["id"] = J::String(rid.to_string());
            o["created_on"] = old["created_on"].clone();
            z.records.insert(rid.to_string(), o.clone());
            Ok(envelope(o))
        }
        ("DELETE", ["zones", id, "dns_records", rid]) => {
            let z = st.zone_by_id(id)?;
            z.records
                .remove(*rid)
                .ok_or_else(|| fail(404, 81044, "Record does not exist."))?;
            Ok(envelope(json!({ "id": rid })))
        }
        _ => Err(fail(
            405,
            10405,
            format!("Method {method} not allowed for {path}"),
        )),
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
        if let Err(Fail(status, code, msg, chain)) = st.auth(req) {
            if status == 429 {
                let secs = msg.trim_start_matches("retry-after:").to_string();
                return ResponseTemplate::new(429)
                    .insert_header("Retry-After", secs.as_str())
                    .set_body_json(json!({"success": false, "messages": [], "result": null,
                        "errors": [{"code": code, "message": "Please wait and consider throttling your request speed"}]}));
            }
            return answer(Err(Fail(status, code, msg, chain)));
        }
        answer(route(&mut st, req))
    }
}

/// A running fake.
pub struct CloudflareFake {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    state: Arc<Mutex<State>>,
    _server: MockServer,
}

/// One fake for the whole test binary.
pub fn cloudflare() -> &'static CloudflareFake {
    static FAKE: OnceLock<CloudflareFake> = OnceLock::new();
    FAKE.get_or_init(CloudflareFake::start)
}

impl CloudflareFake {
    pub fn start() -> CloudflareFake {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let server = rt.block_on(MockServer::builder().disable_request_recording().start());
        let url = server.uri();
        let state = Arc::new(Mutex::new(State {
            zones: BTreeMap::new(),
            next: 0,
            rate_limit: 1200,
            rate_window: Duration::from_secs(300),
            windows: BTreeMap::new(),
            log: Vec::new(),
            fail_batch: None,
        }));
        rt.block_on(
            Mock::given(any())
                .respond_with(Fake {
                    state: state.clone(),
                })
                .mount(&server),
        );
        CloudflareFake {
            url,
            state,
            _server: server,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The `api_url` to configure.
    pub fn api_url(&self) -> String {
        format!("{}{PREFIX}", self.url)
    }

    /// Remove a zone (IDNA, with or without the final dot) and its records.
    pub fn reset_zone(&self, zone: &str) {
        let name = zone.trim_end_matches('.').to_lowercase();
        let mut st = self.lock();
        st.zones.remove(&name);
        st.log.clear();
        st.windows.clear();
    }

    /// Create an empty zone behind the client's back (the dashboard).
    pub fn create_zone(&self, zone: &str) {
        let mut st = self.lock();
        let id = st.new_id();
        let name = zone.trim_end_matches('.').to_string();
        st.zones.insert(
            name.clone(),
            Zone {
                id,
                name,
                plan: "free",
                records: BTreeMap::new(),
            },
        );
    }

    /// Every record of a zone as the API lists it (sorted as listed).
    pub fn records(&self, zone: &str) -> Vec<J> {
        let st = self.lock();
        st.zones
            .get(zone.trim_end_matches('.'))
            .map(sorted_records)
            .unwrap_or_default()
    }

    /// Create a record behind the client's back (the dashboard), with the API's rules.
    pub fn add_record(&self, zone: &str, body: J) -> J {
        let mut st = self.lock();
        let id = st.new_id();
        let z = st
            .zones
            .get_mut(zone.trim_end_matches('.'))
            .expect("zone in the fake");
        let mut o = build(z, body.as_object().expect("an object"))
            .unwrap_or_else(|Fail(_, c, m, ch)| panic!("{c} {m} {ch:?}"));
        z.check_against(&o, None)
            .unwrap_or_else(|Fail(_, c, m, _)| panic!("{c} {m}"));
        o["id"] = J::String(id.clone());
        z.records.insert(id, o.clone());
        o
    }

    /// Change a stored record's fields behind the client's back.
    pub fn edit_record(&self, zone: &str, id: &str, fields: J) {
        let mut st = self.lock();
        let z = st
            .zones
            .get_mut(zone.trim_end_matches('.'))
            .expect("zone in the fake");
        let r = z.records.get_mut(id).expect("record in the fake");
        for (k, v) in fields.as_object().unwrap() {
            r[k] = v.clone();
        }
    }

    /// Requests made so far (`METHOD path?query`), since the last reset.
    pub fn requests(&self) -> Vec<String> {
        self.lock().log.clone()
    }

    /// At most `n` requests per `window` per credential from now on.
    pub fn set_rate(&self, n: u32, window: Duration) {
        let mut st = self.lock();
        st.rate_limit = n;
        st.rate_window = window;
        st.windows.clear();
    }

    /// Set a zone's plan (`free`: batches of 200; anything else: 3,500).
    pub fn set_plan(&self, zone: &str, plan: &'static str) {
        let mut st = self.lock();
        st.zones
            .get_mut(zone.trim_end_matches('.'))
            .expect("zone in the fake")
            .plan = plan;
    }

    /// Let `pass` batches on `zone` through, then refuse the next one with `message` (as a
    /// validation error).
    pub fn fail_batch_after(&self, zone: &str, pass: usize, message: &str) {
        self.lock().fail_batch =
            Some((zone.trim_end_matches('.').to_string(), pass, message.into()));
    }
}
