//! A stateful fake of the DNSimple API v2 (`/v2`) zones, zone records and domains endpoints,
//! on a wiremock server on 127.0.0.1, for the `dnsimple` provider and (through the HTTPS
//! proxy, since octodns-dnsimple only speaks `https://api[.sandbox].dnsimple.com`) for
//! octodns-dnsimple. The sandbox is the same API, so one fake serves both.
//!
//! Written from DNSimple's published API description: developer.dnsimple.com/v2 (the
//! overview's authentication, response codes, errors, account scope, pagination, sorting,
//! filtering and rate limiting; the Identity, Accounts, Domains, Zones and Zone Records pages)
//! and its OpenAPI 3.1 document `content/v2/openapi.yml` with the recorded answers in
//! `fixtures/v2/api/` (github.com/dnsimple/dnsimple-developer), the API changelog's "Return
//! error for already existing zone record" (2016-07-05), and DNSimple's support articles
//! "What Are System Records?", "NS Record Format", "TXT Records" / "TXT Record Formatting and
//! Long Record Handling", "ALIAS Record Reference" and "Differences Among A, CNAME, ALIAS, and
//! URL Records". octodns-dnsimple was read only for which endpoints and fields it uses.
//!
//! ## Faithful
//!
//! - Auth: `Authorization: Bearer <token>`; none, another scheme or an unknown token: 401
//!   `{"message": "Authentication failed"}`. Tokens are account tokens: one reaches only its
//!   own account; the account in the path (`/v2/{account}/…`, numeric) of another account, or
//!   one that is not a number: 404 (the overview: "doesn't exist or the authenticated account
//!   doesn't have permissions to access the resource").
//! - Answers: `{"data": …}`, lists with `pagination {current_page, per_page, total_entries,
//!   total_pages}`; `page` from 1, `per_page` default 30, at most 100. Errors carry `message`;
//!   validation errors are 400 `{"message": "Validation failed", "errors": {field: [why]}}`
//!   (the documented record example's keys: `content` "can't be blank", `ttl` "is not a
//!   number", `record_type` "unsupported"). Not found: 404 ``Zone `x` not found``,
//!   ``Record `n` not found``, ``Domain `x` not found`` (the fixtures' wordings). Create: 201;
//!   delete: 204 and no body; a known path with another method: 405 with `Allow`, no body.
//! - `GET /whoami` (`{user: null, account}`), `GET /accounts`; `GET/POST /{account}/domains`,
//!   `GET/DELETE /{account}/domains/{name or id}`: a new domain (`{name}`, state `hosted`)
//!   gets its zone with DNSimple's system records: the SOA (`ns1.dnsimple.com
//!   admin.dnsimple.com SERIAL 86400 7200 604800 300`) and four apex NS, TTL 3600,
//!   `system_record: true`; these cannot be updated or deleted (400), and apex NS records are
//!   DNSimple's alone (the NS article: "system-managed"). The SOA serial moves on every
//!   change. Deleting a domain deletes its zone.
//! - `GET /{account}/zones` (`name_like`; `sort` by `id`, `name`, default `name:asc`) and
//!   `/zones/{zone}` (name or id): `id, account_id, name, reverse, secondary,
//!   last_transferred_at, active, created_at, updated_at`.
//! - Records: `GET /zones/{zone}/records` (filters `name`, `name_like`, `type`; `sort` by
//!   `id`, `name`, `content`, `type`, default `id:asc`), `POST` (`name` relative, "" for the
//!   apex, `type`, `content` required; `ttl` default 3600, `priority`, `regions`), `GET`,
//!   `PATCH` (`name`, `content`, `ttl`, `priority`, `regions`), `DELETE /records/{id}`. A
//!   record: `id, zone_id` (the zone's name), `parent_id, name, content, ttl, priority, type,
//!   regions` (`["global"]` unless given), `system_record, created_at, updated_at`
//!   (ISO 8601). Types: the OpenAPI `ZoneRecordType` list (SOA being the system's). Regions:
//!   `global`, SV1, ORD, IAD, AMS, TKO, SYD, CDG, FRA. TTL an integer ≥ 0 (the OpenAPI
//!   minimum). An identical record (name, type, content) already there: 400 (changelog).
//!   A CNAME cannot share its name with any other record (so never at the apex); an ALIAS
//!   can, and gets the child TXT `ALIAS for <target>` (`parent_id` = the ALIAS), updated and
//!   deleted with it (OpenAPI `parent_id`). TXT/SPF: unquoted content is stored as given, at
//!   most 1,000 characters once serialized (wrapped in quotes, inner quotes escaped); content
//!   starting with `"` must be RFC 1035 quoted strings (`\"` inside), each at most 255
//!   characters.
//! - Rate limiting: per token, `X-RateLimit-Limit`, `X-RateLimit-Remaining`,
//!   `X-RateLimit-Reset` (Unix time the window ends) on every authenticated answer; past the
//!   limit, 429 `{"message": "quota exceeded"}` with the same headers. The documented 2,400
//!   per hour is `set_rate(2400, 3600 s)`; the default is 1,000,000 per hour.
//!
//! ## Simplified or guessed
//!
//! - Content shapes (not described): A/AAAA, PTR, TXT/SPF, CAA, NAPTR, SSHFP, DS, DNSKEY,
//!   HINFO, URL are stored as given (after checks); CNAME, ALIAS, NS, POOL and MX content
//!   (the host) and the SRV target lose one final dot; SRV content is `weight port target`
//!   with the numbers re-rendered. MX/SRV `priority` defaults to 0, other types' is `null`.
//!   Checks: IPv4/IPv6 addresses; host names (letters, digits, `-`, `_`; MX may be `.`);
//!   CAA `flags tag value` (flags 0…255, an alphanumeric tag, a value quoted or not); SRV
//!   three fields (target a host or `.`); NAPTR `order preference "flags" "service"
//!   "regexp" replacement`; SSHFP `alg type hex`; DS `tag alg digest-type hex`; DNSKEY
//!   `flags protocol alg key`; HINFO and URL only non-blank. SRV names are not checked.
//! - Wordings not in the description: the errors per field, `Zone record already exists`,
//!   `Cannot update a system record` / `Cannot delete a system record`, the CNAME and apex
//!   NS refusals, 404 `Not Found` for another account or an unknown path, `Invalid JSON`,
//!   the domain-exists refusal (the transfer fixture's "is already in DNSimple").
//! - A record `name` is lowercased; `@` is refused (the API documents "" for the apex); the
//!   `type` of a PATCH is ignored; `page` < 1 or not a number reads as 1 and `per_page` over
//!   100 as 100; `total_pages` is 0 for an empty list; unknown `sort` fields: 400. The four NS
//!   names are a guess (ns1.dnsimple.com, ns2.dnsimple-edge.net, ns3.dnsimple.com,
//!   ns4.dnsimple-edge.org); "identical" compares name, type and content. The account's plan
//!   allows regions (no 412).
//! - `Content-Type` is not checked (a body is read as JSON whatever its type); a body that is
//!   not a JSON object: 400 `Invalid JSON`. Windows are fixed (they restart once `window` has
//!   passed since their first request), not sliding.
//! - Not served: HTTP Basic auth and OTP, user tokens, scoped tokens (403), the 30-per-hour
//!   limit of unauthenticated requests, `integrated_zones` (ignored), the batch endpoint
//!   (Enterprise only), zone files, distribution checks, `ns_records`, activation, URL
//!   redirects, DNSSEC, templates, registrar endpoints.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::fake_http::{header, pct_decode, query};
use serde_json::{Map, Value as J, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The account token the fake accepts, for `DNSIMPLE_ACCOUNT`.
pub const DNSIMPLE_TOKEN: &str = "dnsimple-test-token-6b1f0c9e24a7";
pub const DNSIMPLE_ACCOUNT: &str = "12345";
/// The account token of another account (with no zones unless given some).
pub const DNSIMPLE_OTHER_TOKEN: &str = "dnsimple-other-token-93d5e2a8";
pub const DNSIMPLE_OTHER_ACCOUNT: &str = "67890";
const PREFIX: &str = "/v2";

/// The OpenAPI `ZoneRecordType` enum.
const TYPES: &[&str] = &[
    "A", "AAAA", "ALIAS", "CAA", "CNAME", "DNSKEY", "DS", "HINFO", "MX", "NAPTR", "NS", "POOL",
    "PTR", "SOA", "SPF", "SRV", "SSHFP", "TXT", "URL",
];
/// The OpenAPI `ZoneRecordRegion` enum.
const REGIONS: &[&str] = &[
    "global", "SV1", "ORD", "IAD", "AMS", "TKO", "SYD", "CDG", "FRA",
];
const NAME_SERVERS: [&str; 4] = [
    "ns1.dnsimple.com",
    "ns2.dnsimple-edge.net",
    "ns3.dnsimple.com",
    "ns4.dnsimple-edge.org",
];
const SYSTEM_TTL: u64 = 3600;

/// A refusal: status and body (`Null`: none).
struct Fail(u16, J);

fn fail(status: u16, message: impl Into<String>) -> Fail {
    Fail(status, json!({ "message": message.into() }))
}

fn not_found() -> Fail {
    fail(404, "Not Found")
}

fn zone_not_found(z: &str) -> Fail {
    fail(404, format!("Zone `{z}` not found"))
}

fn record_not_found(id: &str) -> Fail {
    fail(404, format!("Record `{id}` not found"))
}

/// Validation errors by field, Rails style.
#[derive(Default)]
struct Errs(Map<String, J>);

impl Errs {
    fn add(&mut self, field: &str, why: impl Into<String>) {
        let e = self.0.entry(field.to_string()).or_insert_with(|| json!([]));
        e.as_array_mut().unwrap().push(J::String(why.into()));
    }

    fn check(self) -> Result<(), Fail> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Fail(
                400,
                json!({"message": "Validation failed", "errors": self.0}),
            ))
        }
    }
}

fn invalid(field: &str, why: impl Into<String>) -> Fail {
    let mut e = Errs::default();
    e.add(field, why);
    e.check().unwrap_err()
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Unix seconds as ISO 8601 (`2016-01-07T17:45:13Z`).
fn iso(secs: u64) -> String {
    // days to a civil date (Howard Hinnant's algorithm)
    let z = (secs / 86400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let r = secs % 86400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        r / 3600,
        r % 3600 / 60,
        r % 60
    )
}

fn now_iso() -> String {
    iso(now_secs())
}

/// A zone name as the fake keys it: lowercase, no final dot.
fn norm_zone(s: &str) -> String {
    s.trim_end_matches('.').to_lowercase()
}

fn is_label(l: &str) -> bool {
    !l.is_empty()
        && l.len() <= 63
        && l.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A host name, with or without its final dot.
fn is_host(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    !s.is_empty() && s.len() <= 253 && s.split('.').all(is_label)
}

fn strip_dot(s: &str) -> String {
    s.strip_suffix('.').unwrap_or(s).to_string()
}

/// Whitespace-separated fields, a `"…"` (with `\` escapes) being one field; `None` when a
/// quote is not closed or a closing quote is followed by more of the field.
fn fields(s: &str) -> Option<Vec<String>> {
    let c: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        if c[i].is_whitespace() {
            i += 1;
            continue;
        }
        let mut f = String::new();
        if c[i] == '"' {
            f.push('"');
            i += 1;
            loop {
                let ch = *c.get(i)?;
                if ch == '\\' && i + 1 < c.len() {
                    f.push(ch);
                    f.push(c[i + 1]);
                    i += 2;
                    continue;
                }
                f.push(ch);
                i += 1;
                if ch == '"' {
                    break;
                }
            }
            if c.get(i).is_some_and(|ch| !ch.is_whitespace()) {
                return None;
            }
        } else {
            while i < c.len() && !c[i].is_whitespace() {
                f.push(c[i]);
                i += 1;
            }
        }
        out.push(f);
    }
    Some(out)
}

fn quoted(f: &str) -> bool {
    f.len() >= 2 && f.starts_with('"') && f.ends_with('"')
}

/// Characters of a quoted string's inside once `\x` escapes are undone.
fn unescaped_len(inner: &str) -> usize {
    let mut n = 0;
    let mut esc = false;
    for ch in inner.chars() {
        if esc || ch != '\\' {
            n += 1;
            esc = false;
        } else {
            esc = true;
        }
    }
    n
}

fn txt_check(c: &str) -> Result<(), String> {
    if c.starts_with('"') {
        let f = fields(c).ok_or("has a quoted string that is not closed")?;
        if !f.iter().all(|f| quoted(f)) {
            return Err("must be strings each wrapped in double quotes".into());
        }
        if f.iter().any(|f| unescaped_len(&f[1..f.len() - 1]) > 255) {
            return Err("has a string longer than 255 characters".into());
        }
        if c.chars().count() > 1000 {
            return Err("is too long (maximum is 1000 characters)".into());
        }
    } else if c.chars().count() + 2 + c.matches('"').count() > 1000 {
        return Err("is too long (maximum is 1000 characters once serialized)".into());
    }
    Ok(())
}

fn num<T: std::str::FromStr>(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<T>().is_ok()
}

fn hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Check `c` as the content of a `ty` record: the stored content, or why not.
fn content_for(ty: &str, c: &str) -> Result<String, String> {
    let host = |s: &str| {
        if is_host(s) {
            Ok(strip_dot(s))
        } else {
            Err(format!("{s:?} is not a valid host name"))
        }
    };
    let f = || fields(c).ok_or_else(|| "has a quoted string that is not closed".to_string());
    match ty {
        "A" => c
            .parse::<Ipv4Addr>()
            .map(|_| c.to_string())
            .map_err(|_| "must be a valid IPv4 address".into()),
        "AAAA" => c
            .parse::<Ipv6Addr>()
            .map(|_| c.to_string())
            .map_err(|_| "must be a valid IPv6 address".into()),
        "CNAME" | "ALIAS" | "NS" | "POOL" => host(c),
        "MX" if c == "." => Ok(c.into()),
        "MX" => host(c),
        "PTR" => host(c).map(|_| c.to_string()),
        "TXT" | "SPF" => txt_check(c).map(|_| c.to_string()),
        "CAA" => {
            let mut p = c.splitn(3, ' ');
            let (flags, tag, value) = (p.next(), p.next(), p.next());
            let ok = flags.is_some_and(num::<u8>)
                && tag
                    .is_some_and(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric()))
                && value.is_some_and(|v| {
                    !v.is_empty()
                        && (!v.starts_with('"')
                            || fields(v).is_some_and(|f| f.len() == 1 && quoted(&f[0])))
                });
            if ok {
                Ok(c.to_string())
            } else {
                Err("must be `flags tag value` (flags 0-255, an alphanumeric tag)".into())
            }
        }
        "SRV" => {
            let p: Vec<&str> = c.split_whitespace().collect();
            match p.as_slice() {
                [w, port, t] if num::<u16>(w) && num::<u16>(port) => {
                    let t = if *t == "." { ".".to_string() } else { host(t)? };
                    Ok(format!(
                        "{} {} {t}",
                        w.parse::<u16>().unwrap(),
                        port.parse::<u16>().unwrap()
                    ))
                }
                _ => Err("must be `weight port target` (weight and port 0-65535)".into()),
            }
        }
        "NAPTR" => match f()?.as_slice() {
            [o, p, fl, s, r, rep]
                if num::<u16>(o)
                    && num::<u16>(p)
                    && [fl, s, r].iter().all(|x| quoted(x))
                    && (rep == "." || is_host(rep)) =>
            {
                Ok(c.to_string())
            }
            _ => Err(
                "must be `order preference \"flags\" \"service\" \"regexp\" replacement`".into(),
            ),
        },
        "SSHFP" => match f()?.as_slice() {
            [a, t, fp] if num::<u8>(a) && num::<u8>(t) && hex(fp) => Ok(c.to_string()),
            _ => Err("must be `algorithm type fingerprint` (fingerprint in hex)".into()),
        },
        "DS" => match f()?.as_slice() {
            [k, a, d, dg] if num::<u16>(k) && num::<u8>(a) && num::<u8>(d) && hex(dg) => {
                Ok(c.to_string())
            }
            _ => Err("must be `keytag algorithm digest-type digest` (digest in hex)".into()),
        },
        "DNSKEY" => match f()?.as_slice() {
            [fl, p, a, key @ ..]
                if num::<u16>(fl)
                    && num::<u8>(p)
                    && num::<u8>(a)
                    && !key.is_empty()
                    && key.iter().all(|k| {
                        k.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
                    }) =>
            {
                Ok(c.to_string())
            }
            _ => Err("must be `flags protocol algorithm public-key`".into()),
        },
        _ => Ok(c.to_string()), // HINFO, URL
    }
}

/// A Rails-style numeric field: absent or null: `None`; present: the integer or `Err`.
fn int_field(b: &Map<String, J>, k: &str) -> Option<Result<i64, ()>> {
    match b.get(k)? {
        J::Null => None,
        J::Number(n) => Some(n.as_i64().ok_or(())),
        J::String(s) => Some(s.trim().parse().map_err(|_| ())),
        _ => Some(Err(())),
    }
}

/// A record's relative name as stored (lowercase), or why not.
fn record_name(name: &str, zone: &str) -> Result<String, String> {
    if name.is_empty() {
        return Ok(String::new());
    }
    let n = name.to_ascii_lowercase();
    let labels: Vec<&str> = n.split('.').collect();
    let ok = labels
        .iter()
        .enumerate()
        .all(|(i, l)| is_label(l) || (i == 0 && *l == "*"));
    if !ok || n.len() + 1 + zone.len() > 253 {
        return Err("is invalid".into());
    }
    Ok(n)
}

struct Zone {
    id: u64,
    account: u64,
    domain_id: u64,
    name: String,
    unicode_name: String,
    created_at: String,
    updated_at: String,
    serial: u64,
    /// By id.
    records: BTreeMap<u64, J>,
}

impl Zone {
    fn json(&self) -> J {
        json!({
            "id": self.id, "account_id": self.account, "name": self.name,
            "reverse": self.name.ends_with(".in-addr.arpa") || self.name.ends_with(".ip6.arpa"),
            "secondary": false, "last_transferred_at": null, "active": true,
            "created_at": self.created_at, "updated_at": self.updated_at,
        })
    }

    fn domain_json(&self) -> J {
        json!({
            "id": self.domain_id, "account_id": self.account, "registrant_id": null,
            "name": self.name, "unicode_name": self.unicode_name, "state": "hosted",
            "auto_renew": false, "private_whois": false, "expires_on": null,
            "expires_at": null, "trustee": false,
            "created_at": self.created_at, "updated_at": self.updated_at,
        })
    }

    fn soa_content(&self) -> String {
        format!(
            "ns1.dnsimple.com admin.dnsimple.com {} 86400 7200 604800 300",
            self.serial
        )
    }

    /// A change: the SOA serial moves on.
    fn touch(&mut self) {
        self.serial = (self.serial + 1).max(now_secs());
        let (content, now) = (self.soa_content(), now_iso());
        self.updated_at = now.clone();
        for r in self.records.values_mut() {
            if r["type"] == "SOA" && r["system_record"] == true {
                r["content"] = J::String(content.clone());
                r["updated_at"] = J::String(now.clone());
            }
        }
    }

    /// The rules involving other records: identical records, CNAME exclusivity, apex NS.
    /// `skip`: the record being updated (its ALIAS child too).
    fn check_against(&self, r: &J, skip: Option<u64>) -> Result<(), Fail> {
        let (name, ty, content) = (
            r["name"].as_str().unwrap(),
            r["type"].as_str().unwrap(),
            r["content"].as_str().unwrap(),
        );
        if ty == "NS" && name.is_empty() {
            return Err(invalid(
                "name",
                "NS records at the zone apex are system records managed by DNSimple",
            ));
        }
        let others = self.records.iter().filter(|(id, o)| {
            Some(**id) != skip
                && !(skip.is_some() && o["parent_id"].as_u64() == skip)
                && o["name"] == name
        });
        for (_, o) in others {
            if o["type"] == ty && o["content"] == content {
                return Err(fail(400, "Zone record already exists"));
            }
            if ty == "CNAME" || o["type"] == "CNAME" {
                return Err(invalid(
                    "name",
                    "a CNAME record cannot coexist with other records of the same name",
                ));
            }
        }
        Ok(())
    }
}

/// Validate a create body (or an update merged over `old`) and build the stored record
/// (without `id`).
fn build(z: &Zone, b: &Map<String, J>, old: Option<&J>) -> Result<J, Fail> {
    let mut e = Errs::default();
    let ty = match b.get("type") {
        Some(J::String(t)) if !t.is_empty() => t.to_ascii_uppercase(),
        _ => {
            e.add("record_type", "can't be blank");
            String::new()
        }
    };
    if !ty.is_empty() && (!TYPES.contains(&ty.as_str()) || ty == "SOA") {
        e.add("record_type", "unsupported");
    }
    let name = match b.get("name") {
        Some(J::String(n)) => record_name(n, &z.name).unwrap_or_else(|why| {
            e.add("name", why);
            String::new()
        }),
        _ => {
            e.add("name", "must be a string (\"\" for the apex)");
            String::new()
        }
    };
    let content = match b.get("content") {
        Some(J::String(c)) if !c.trim().is_empty() => {
            if e.0.contains_key("record_type") {
                c.clone()
            } else {
                content_for(&ty, c).unwrap_or_else(|why| {
                    e.add("content", why);
                    c.clone()
                })
            }
        }
        _ => {
            e.add("content", "can't be blank");
            String::new()
        }
    };
    let ttl = match int_field(b, "ttl") {
        None => SYSTEM_TTL as i64,
        Some(Ok(t)) if t >= 0 => t,
        Some(Ok(_)) => {
            e.add("ttl", "must be greater than or equal to 0");
            0
        }
        Some(Err(())) => {
            e.add("ttl", "is not a number");
            0
        }
    };
    let priority = match int_field(b, "priority") {
        _ if ty != "MX" && ty != "SRV" => J::Null,
        None => json!(0),
        Some(Ok(p)) if (0..=65535).contains(&p) => json!(p),
        Some(Ok(_)) => {
            e.add("priority", "must be between 0 and 65535");
            J::Null
        }
        Some(Err(())) => {
            e.add("priority", "is not a number");
            J::Null
        }
    };
    let regions = match b.get("regions") {
        None | Some(J::Null) => json!(["global"]),
        Some(J::Array(a)) if a.is_empty() => json!(["global"]),
        Some(J::Array(a)) => {
            let names: Vec<&str> = a.iter().filter_map(J::as_str).collect();
            if names.len() != a.len()
                || !names.iter().all(|r| REGIONS.contains(r))
                || (names.len() > 1 && names.contains(&"global"))
            {
                e.add("regions", "is invalid");
            }
            J::Array(a.clone())
        }
        _ => {
            e.add("regions", "is invalid");
            J::Null
        }
    };
    e.check()?;
    let now = now_iso();
    Ok(json!({
        "zone_id": z.name, "parent_id": old.map_or(J::Null, |o| o["parent_id"].clone()),
        "name": name, "content": content, "ttl": ttl, "priority": priority, "type": ty,
        "regions": regions, "system_record": false,
        "created_at": old.map_or(J::String(now.clone()), |o| o["created_at"].clone()),
        "updated_at": now,
    }))
}

/// The descriptive TXT record an ALIAS brings.
fn alias_child(parent: &J, id: u64, created_at: J) -> J {
    let mut c = parent.clone();
    c["id"] = json!(id);
    c["parent_id"] = parent["id"].clone();
    c["type"] = json!("TXT");
    c["content"] = J::String(format!("ALIAS for {}", parent["content"].as_str().unwrap()));
    c["priority"] = J::Null;
    c["created_at"] = created_at;
    c
}

struct Window {
    start: Instant,
    start_unix: u64,
    used: u32,
}

struct State {
    /// By name.
    zones: BTreeMap<String, Zone>,
    next: u64,
    rate_limit: u32,
    rate_window: Duration,
    /// By token.
    windows: BTreeMap<String, Window>,
    /// `METHOD path?query` per request, in order.
    log: Vec<String>,
    /// Let this many record writes through, then refuse one with this status and message.
    fail_writes: Option<(usize, u16, String)>,
}

impl State {
    fn new_id(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    /// A zone of `account` by name or id.
    fn zone_key(&self, account: u64, z: &str) -> Result<String, Fail> {
        let name = norm_zone(z);
        self.zones
            .values()
            .find(|zone| zone.account == account && (zone.name == name || zone.id.to_string() == z))
            .map(|zone| zone.name.clone())
            .ok_or_else(|| zone_not_found(z))
    }

    /// A domain and its zone with DNSimple's system records.
    fn create_domain(&mut self, account: u64, raw: &str) -> Result<&Zone, Fail> {
        let unicode = raw.trim_end_matches('.').to_lowercase();
        let name = if unicode.is_ascii() {
            unicode.clone()
        } else {
            dnsplan::model::idna_encode(&format!("{unicode}."))
                .map(|n| n.trim_end_matches('.').to_string())
                .map_err(|_| invalid("name", "is an invalid domain"))?
        };
        if name.is_empty() {
            return Err(invalid("name", "can't be blank"));
        }
        if !is_host(&name) || !name.contains('.') || name.contains('_') {
            return Err(invalid("name", "is an invalid domain"));
        }
        if self.zones.contains_key(&name) {
            return Err(fail(
                400,
                format!("The domain {name} is already in DNSimple and cannot be added"),
            ));
        }
        let (id, domain_id) = (self.new_id(), self.new_id());
        let (secs, now) = (now_secs(), now_iso());
        let mut z = Zone {
            id,
            account,
            domain_id,
            name: name.clone(),
            unicode_name: unicode,
            created_at: now.clone(),
            updated_at: now.clone(),
            serial: secs,
            records: BTreeMap::new(),
        };
        let system = |id: u64, ty: &str, content: String| {
            json!({
                "id": id, "zone_id": name, "parent_id": null, "name": "", "content": content,
                "ttl": SYSTEM_TTL, "priority": null, "type": ty, "regions": ["global"],
                "system_record": true, "created_at": now, "updated_at": now,
            })
        };
        let soa = self.new_id();
        z.records.insert(soa, system(soa, "SOA", z.soa_content()));
        for ns in NAME_SERVERS {
            let id = self.new_id();
            z.records.insert(id, system(id, "NS", ns.to_string()));
        }
        self.zones.insert(name.clone(), z);
        Ok(&self.zones[&name])
    }

    fn create_record(&mut self, zone: &str, b: &Map<String, J>) -> Result<J, Fail> {
        let z = &self.zones[zone];
        let mut r = build(z, b, None)?;
        z.check_against(&r, None)?;
        let id = self.new_id();
        r["id"] = json!(id);
        let child = (r["type"] == "ALIAS").then(|| {
            let cid = self.new_id();
            alias_child(&r, cid, r["created_at"].clone())
        });
        let z = self.zones.get_mut(zone).unwrap();
        z.records.insert(id, r.clone());
        if let Some(c) = child {
            z.records.insert(c["id"].as_u64().unwrap(), c);
        }
        z.touch();
        Ok(r)
    }

    fn update_record(&mut self, zone: &str, rid: &str, b: &Map<String, J>) -> Result<J, Fail> {
        let z = &self.zones[zone];
        let id = rid.parse::<u64>().map_err(|_| record_not_found(rid))?;
        let old = z.records.get(&id).ok_or_else(|| record_not_found(rid))?;
        if old["system_record"] == true {
            return Err(fail(400, "Cannot update a system record"));
        }
        let mut merged = Map::new();
        for k in ["name", "content", "ttl", "priority", "regions", "type"] {
            let v = if k == "type" { None } else { b.get(k) };
            merged.insert(k.into(), v.unwrap_or(&old[k]).clone());
        }
        let mut r = build(z, &merged, Some(old))?;
        z.check_against(&r, Some(id))?;
        r["id"] = json!(id);
        let z = self.zones.get_mut(zone).unwrap();
        for c in z.records.values_mut() {
            if c["parent_id"].as_u64() == Some(id) {
                let cid = c["id"].as_u64().unwrap();
                *c = alias_child(&r, cid, c["created_at"].clone());
            }
        }
        z.records.insert(id, r.clone());
        z.touch();
        Ok(r)
    }

    fn delete_record(&mut self, zone: &str, rid: &str) -> Result<(), Fail> {
        let z = self.zones.get_mut(zone).unwrap();
        let id = rid.parse::<u64>().map_err(|_| record_not_found(rid))?;
        let old = z.records.get(&id).ok_or_else(|| record_not_found(rid))?;
        if old["system_record"] == true {
            return Err(fail(400, "Cannot delete a system record"));
        }
        z.records.remove(&id);
        z.records.retain(|_, c| c["parent_id"].as_u64() != Some(id));
        z.touch();
        Ok(())
    }

    /// A record write (`fail_writes_after`): Err once the passes are used up.
    fn write_allowed(&mut self) -> Result<(), Fail> {
        match self.fail_writes.take() {
            Some((0, status, msg)) => Err(fail(status, msg)),
            Some((n, status, msg)) => {
                self.fail_writes = Some((n - 1, status, msg));
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Count a request against the token's window: (allowed, remaining, reset as Unix time).
    fn take(&mut self, token: &str) -> (bool, u32, u64) {
        let (limit, window) = (self.rate_limit, self.rate_window);
        let fresh = || Window {
            start: Instant::now(),
            start_unix: now_secs(),
            used: 0,
        };
        let w = self.windows.entry(token.to_string()).or_insert_with(fresh);
        if w.start.elapsed() >= window {
            *w = fresh();
        }
        let reset = w.start_unix + window.as_secs_f64().ceil().max(1.0) as u64;
        if w.used >= limit {
            return (false, 0, reset);
        }
        w.used += 1;
        (true, limit - w.used, reset)
    }
}

fn account_json(id: u64) -> J {
    json!({
        "id": id, "email": format!("dns-{id}@example.com"), "name": format!("Account {id}"),
        "plan_identifier": "teams-v2-monthly",
        "created_at": "2020-01-01T00:00:00Z", "updated_at": "2020-01-01T00:00:00Z",
    })
}

fn token_account(token: &str) -> Option<u64> {
    match token {
        DNSIMPLE_TOKEN => DNSIMPLE_ACCOUNT.parse().ok(),
        DNSIMPLE_OTHER_TOKEN => DNSIMPLE_OTHER_ACCOUNT.parse().ok(),
        _ => None,
    }
}

/// Sort by `sort` (`field:asc|desc,…`, fields among `allowed`), else by `default`.
fn sorted(
    req: &Request,
    mut items: Vec<J>,
    allowed: &[&str],
    default: &str,
) -> Result<Vec<J>, Fail> {
    let spec = query(req, "sort").unwrap_or_else(|| default.to_string());
    let mut keys = Vec::new();
    for part in spec.split(',').filter(|p| !p.is_empty()) {
        let (f, dir) = part.split_once(':').unwrap_or((part, "asc"));
        if !allowed.contains(&f) || !["asc", "desc"].contains(&dir) {
            return Err(fail(400, format!("Invalid sorting policy `{part}`")));
        }
        keys.push((f.to_string(), dir == "desc"));
    }
    items.sort_by(|a, b| {
        for (k, desc) in &keys {
            let o = match (&a[k.as_str()], &b[k.as_str()]) {
                (J::Number(x), J::Number(y)) => x.as_u64().cmp(&y.as_u64()),
                (x, y) => x.as_str().cmp(&y.as_str()),
            };
            let o = if *desc { o.reverse() } else { o };
            if o.is_ne() {
                return o;
            }
        }
        std::cmp::Ordering::Equal
    });
    Ok(items)
}

/// One page of `items` with its `pagination`.
fn paged(req: &Request, items: Vec<J>) -> J {
    let page = query(req, "page")
        .and_then(|p| p.parse::<u64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let per_page = query(req, "per_page")
        .and_then(|p| p.parse::<u64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(30)
        .min(100);
    let total = items.len() as u64;
    let start = ((page - 1).saturating_mul(per_page)).min(total) as usize;
    let end = (start + per_page as usize).min(items.len());
    json!({
        "data": items[start..end].to_vec(),
        "pagination": {"current_page": page, "per_page": per_page, "total_entries": total,
                       "total_pages": total.div_ceil(per_page)},
    })
}

fn body_object(req: &Request) -> Result<Map<String, J>, Fail> {
    if req.body.is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<J>(&req.body) {
        Ok(J::Object(m)) => Ok(m),
        _ => Err(fail(400, "Invalid JSON")),
    }
}

fn name_like(req: &Request, item: &J) -> bool {
    query(req, "name_like").is_none_or(|s| item["name"].as_str().unwrap_or("").contains(&s))
}

/// What a route answers.
enum Out {
    Json(u16, J),
    NoContent,
    /// 405 with these methods in `Allow`.
    NotAllowed(&'static str),
}

fn data(status: u16, j: J) -> Result<Out, Fail> {
    Ok(Out::Json(status, json!({ "data": j })))
}

fn route(st: &mut State, req: &Request, account: u64) -> Result<Out, Fail> {
    let path = req.url.path().to_string();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return Err(not_found());
    };
    let decoded: Vec<String> = rest.split('/').skip(1).map(pct_decode).collect();
    let segs: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let method = req.method.as_str();
    match (method, segs.as_slice()) {
        ("GET", ["whoami"]) => {
            return data(200, json!({"user": null, "account": account_json(account)}));
        }
        ("GET", ["accounts"]) => return data(200, json!([account_json(account)])),
        (_, ["whoami" | "accounts"]) => return Ok(Out::NotAllowed("GET")),
        _ => {}
    }
    let Some((acct, segs)) = segs.split_first() else {
        return Err(not_found());
    };
    if acct.parse::<u64>().ok() != Some(account) {
        return Err(not_found());
    }
    match (method, segs) {
        ("GET", ["domains"]) => {
            let list: Vec<J> = st
                .zones
                .values()
                .filter(|z| z.account == account)
                .map(Zone::domain_json)
                .filter(|d| name_like(req, d))
                .collect();
            Ok(Out::Json(
                200,
                paged(req, sorted(req, list, &["id", "name"], "name:asc")?),
            ))
        }
        ("POST", ["domains"]) => {
            let b = body_object(req)?;
            let name = match b.get("name") {
                Some(J::String(n)) => n.clone(),
                _ => return Err(invalid("name", "can't be blank")),
            };
            let d = st.create_domain(account, &name)?.domain_json();
            data(201, d)
        }
        (m @ ("GET" | "DELETE"), ["domains", d]) => {
            let name = norm_zone(d);
            let key = st
                .zones
                .values()
                .find(|z| z.account == account && (z.name == name || z.domain_id.to_string() == *d))
                .map(|z| z.name.clone())
                .ok_or_else(|| fail(404, format!("Domain `{d}` not found")))?;
            if m == "GET" {
                data(200, st.zones[&key].domain_json())
            } else {
                st.zones.remove(&key);
                Ok(Out::NoContent)
            }
        }
        (_, ["domains"]) => Ok(Out::NotAllowed("GET, POST")),
        (_, ["domains", _]) => Ok(Out::NotAllowed("DELETE, GET")),
        ("GET", ["zones"]) => {
            let list: Vec<J> = st
                .zones
                .values()
                .filter(|z| z.account == account)
                .map(Zone::json)
                .filter(|z| name_like(req, z))
                .collect();
            Ok(Out::Json(
                200,
                paged(req, sorted(req, list, &["id", "name"], "name:asc")?),
            ))
        }
        ("GET", ["zones", z]) => {
            let key = st.zone_key(account, z)?;
            data(200, st.zones[&key].json())
        }
        ("GET", ["zones", z, "records"]) => {
            let key = st.zone_key(account, z)?;
            let (name, ty) = (query(req, "name"), query(req, "type"));
            let list: Vec<J> = st.zones[&key]
                .records
                .values()
                .filter(|r| name.as_ref().is_none_or(|n| r["name"] == n.to_lowercase()))
                .filter(|r| {
                    ty.as_ref()
                        .is_none_or(|t| r["type"] == t.to_ascii_uppercase())
                })
                .filter(|r| name_like(req, r))
                .cloned()
                .collect();
            let allowed = ["id", "name", "content", "type"];
            Ok(Out::Json(
                200,
                paged(req, sorted(req, list, &allowed, "id:asc")?),
            ))
        }
        ("POST", ["zones", z, "records"]) => {
            let key = st.zone_key(account, z)?;
            st.write_allowed()?;
            let b = body_object(req)?;
            data(201, st.create_record(&key, &b)?)
        }
        ("GET", ["zones", z, "records", rid]) => {
            let key = st.zone_key(account, z)?;
            let r = rid
                .parse::<u64>()
                .ok()
                .and_then(|id| st.zones[&key].records.get(&id))
                .cloned()
                .ok_or_else(|| record_not_found(rid))?;
            data(200, r)
        }
        ("PATCH", ["zones", z, "records", rid]) => {
            let key = st.zone_key(account, z)?;
            st.write_allowed()?;
            let b = body_object(req)?;
            data(200, st.update_record(&key, rid, &b)?)
        }
        ("DELETE", ["zones", z, "records", rid]) => {
            let key = st.zone_key(account, z)?;
            st.write_allowed()?;
            st.delete_record(&key, rid)?;
            Ok(Out::NoContent)
        }
        (_, ["zones"] | ["zones", _]) => Ok(Out::NotAllowed("GET")),
        (_, ["zones", _, "records"]) => Ok(Out::NotAllowed("GET, POST")),
        (_, ["zones", _, "records", _]) => Ok(Out::NotAllowed("DELETE, GET, PATCH")),
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
        let token = header(req, "authorization")
            .and_then(|h| h.strip_prefix("Bearer ").map(|t| t.trim().to_string()))
            .unwrap_or_default();
        let Some(account) = token_account(&token) else {
            return ResponseTemplate::new(401)
                .set_body_json(json!({"message": "Authentication failed"}));
        };
        let (allowed, remaining, reset) = st.take(&token);
        let limit = st.rate_limit;
        let with_rate = |t: ResponseTemplate| {
            t.insert_header("X-RateLimit-Limit", limit.to_string().as_str())
                .insert_header("X-RateLimit-Remaining", remaining.to_string().as_str())
                .insert_header("X-RateLimit-Reset", reset.to_string().as_str())
        };
        if !allowed {
            return with_rate(
                ResponseTemplate::new(429).set_body_json(json!({"message": "quota exceeded"})),
            );
        }
        with_rate(match route(&mut st, req, account) {
            Ok(Out::Json(status, body)) => ResponseTemplate::new(status).set_body_json(body),
            Ok(Out::NoContent) => ResponseTemplate::new(204),
            Ok(Out::NotAllowed(allow)) => ResponseTemplate::new(405).insert_header("Allow", allow),
            Err(Fail(status, J::Null)) => ResponseTemplate::new(status),
            Err(Fail(status, body)) => ResponseTemplate::new(status).set_body_json(body),
        })
    }
}

/// A running fake.
pub struct DnsimpleFake {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    state: Arc<Mutex<State>>,
    _server: MockServer,
}

/// One fake for the whole test binary.
pub fn dnsimple() -> &'static DnsimpleFake {
    static FAKE: OnceLock<DnsimpleFake> = OnceLock::new();
    FAKE.get_or_init(DnsimpleFake::start)
}

fn fail_panic(Fail(status, body): Fail) -> ! {
    panic!("the fake refuses: {status} {body}")
}

fn main_account() -> u64 {
    DNSIMPLE_ACCOUNT.parse().unwrap()
}

impl DnsimpleFake {
    pub fn start() -> DnsimpleFake {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let server = rt.block_on(MockServer::builder().disable_request_recording().start());
        let url = server.uri();
        let state = Arc::new(Mutex::new(State {
            zones: BTreeMap::new(),
            next: 1000,
            rate_limit: 1_000_000,
            rate_window: Duration::from_secs(3600),
            windows: BTreeMap::new(),
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
        DnsimpleFake {
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

    /// Remove a zone (any case, with or without the final dot), its domain and records; clear
    /// the request log and the rate windows.
    pub fn reset_zone(&self, zone: &str) {
        let mut st = self.lock();
        st.zones.remove(&norm_zone(zone));
        st.log.clear();
        st.windows.clear();
    }

    /// Add a domain and its zone (with the system SOA and NS records) to `DNSIMPLE_ACCOUNT`
    /// behind the client's back; the zone object. An existing zone is left as it is.
    pub fn create_zone(&self, zone: &str) -> J {
        let mut st = self.lock();
        if let Some(z) = st.zones.get(&norm_zone(zone)) {
            return z.json();
        }
        st.create_domain(main_account(), zone)
            .map(Zone::json)
            .unwrap_or_else(|f| fail_panic(f))
    }

    pub fn zone_exists(&self, zone: &str) -> bool {
        self.lock().zones.contains_key(&norm_zone(zone))
    }

    /// Every record of a zone (system records and ALIAS children too) by id.
    pub fn records(&self, zone: &str) -> Vec<J> {
        let st = self.lock();
        st.zones
            .get(&norm_zone(zone))
            .map(|z| z.records.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Create a record behind the client's back with the API's rules (`body` as for POST);
    /// the stored record. Panics if the API would refuse it.
    pub fn add_record(&self, zone: &str, body: J) -> J {
        let mut st = self.lock();
        let key = norm_zone(zone);
        assert!(st.zones.contains_key(&key), "zone {zone} in the fake");
        let b = body.as_object().cloned().expect("a record object");
        st.create_record(&key, &b).unwrap_or_else(|f| fail_panic(f))
    }

    /// Overlay fields on a stored record behind the client's back, unvalidated.
    pub fn edit_record(&self, zone: &str, id: u64, fields: J) {
        let mut st = self.lock();
        let z = st
            .zones
            .get_mut(&norm_zone(zone))
            .expect("zone in the fake");
        let r = z.records.get_mut(&id).expect("record in the fake");
        for (k, v) in fields.as_object().expect("an object") {
            r[k] = v.clone();
        }
    }

    /// Remove a record (and its ALIAS child) behind the client's back, system records too.
    #[allow(dead_code)]
    pub fn delete_record(&self, zone: &str, id: u64) {
        let mut st = self.lock();
        if let Some(z) = st.zones.get_mut(&norm_zone(zone)) {
            z.records.remove(&id);
            z.records.retain(|_, c| c["parent_id"].as_u64() != Some(id));
        }
    }

    /// Requests made so far (`METHOD path?query`), since the last reset.
    pub fn requests(&self) -> Vec<String> {
        self.lock().log.clone()
    }

    /// At most `limit` requests per `window` per token from now on (fresh windows).
    pub fn set_rate(&self, limit: u32, window: Duration) {
        let mut st = self.lock();
        st.rate_limit = limit;
        st.rate_window = window;
        st.windows.clear();
    }

    /// Let `pass` record writes (POST, PATCH, DELETE of a record) through, then refuse the
    /// next one with `status` and `{"message": message}` (once).
    pub fn fail_writes_after(&self, pass: usize, status: u16, message: &str) {
        self.lock().fail_writes = Some((pass, status, message.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// A fake of its own and a client.
    struct Env {
        fake: DnsimpleFake,
        rt: tokio::runtime::Runtime,
        client: reqwest::Client,
    }

    impl Env {
        fn new() -> Env {
            let _ = rustls::crypto::ring::default_provider().install_default();
            Env {
                fake: DnsimpleFake::start(),
                rt: tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap(),
                client: reqwest::Client::new(),
            }
        }

        /// `method` on `api_url() + path` with `auth` as the Authorization header.
        fn send(&self, method: &str, path: &str, auth: Option<&str>, body: Option<J>) -> Resp {
            let url = format!("{}{path}", self.fake.api_url());
            self.rt.block_on(async {
                let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
                let mut r = self.client.request(m, &url);
                if let Some(a) = auth {
                    r = r.header("authorization", a);
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

        /// With the account token, under `/{DNSIMPLE_ACCOUNT}`.
        fn call(&self, method: &str, rest: &str, body: Option<J>) -> Resp {
            let auth = format!("Bearer {DNSIMPLE_TOKEN}");
            let path = format!("/{DNSIMPLE_ACCOUNT}{rest}");
            self.send(method, &path, Some(&auth), body)
        }

        fn post(&self, zone: &str, body: J) -> Resp {
            self.call("POST", &format!("/zones/{zone}/records"), Some(body))
        }
    }

    fn errors(r: &Resp) -> J {
        r.json()["errors"].clone()
    }

    #[test]
    fn shared_fake_and_helpers() {
        let s = dnsimple();
        assert!(std::ptr::eq(s, dnsimple()));
        assert_eq!(s.api_url(), format!("http://127.0.0.1:{}/v2", s.port()));
        let f = DnsimpleFake::start();
        let zone = "helpers.example";
        f.create_zone(&format!("{zone}."));
        assert!(f.zone_exists(zone) && f.zone_exists("HELPERS.example."));
        let sys = f.records(zone);
        let types: Vec<&str> = sys.iter().map(|r| r["type"].as_str().unwrap()).collect();
        assert_eq!(types, ["SOA", "NS", "NS", "NS", "NS"]);
        assert!(
            sys.iter()
                .all(|r| r["system_record"] == true && r["name"] == "")
        );
        let a = f.add_record(
            zone,
            json!({"name": "www", "type": "A", "content": "192.0.2.1"}),
        );
        assert_eq!(a["ttl"], 3600);
        let id = a["id"].as_u64().unwrap();
        f.edit_record(zone, id, json!({"content": "192.0.2.9"}));
        assert!(f.records(zone).iter().any(|r| r["content"] == "192.0.2.9"));
        f.delete_record(zone, id);
        assert_eq!(f.records(zone).len(), 5);
        f.reset_zone(&format!("{zone}."));
        assert!(!f.zone_exists(zone) && f.records(zone).is_empty());
    }

    #[test]
    #[should_panic(expected = "the fake refuses: 400")]
    fn add_record_panics_when_refused() {
        let e = Env::new();
        e.fake.create_zone("panic.example");
        e.fake.add_record(
            "panic.example",
            json!({"name": "", "type": "A", "content": "x"}),
        );
    }

    #[test]
    fn authentication_and_account_scope() {
        let e = Env::new();
        let good = format!("Bearer {DNSIMPLE_TOKEN}");
        for auth in [
            None,
            Some("Bearer nope"),
            Some("Basic dXNlcjpwYXNz"),
            Some(DNSIMPLE_TOKEN),
        ] {
            let r = e.send("GET", "/whoami", auth, None);
            assert_eq!(r.status, 401, "{auth:?}");
            assert_eq!(r.json(), json!({"message": "Authentication failed"}));
            assert!(r.header("x-ratelimit-limit").is_none());
        }
        let who = e.send("GET", "/whoami", Some(&good), None);
        assert_eq!(who.status, 200);
        assert_eq!(who.json()["data"]["account"]["id"], 12345);
        assert!(who.json()["data"]["user"].is_null());
        let accounts = e.send("GET", "/accounts", Some(&good), None);
        assert_eq!(accounts.json()["data"][0]["id"], 12345);
        // the token of one account on another's path, or no account number
        for path in [
            format!("/{DNSIMPLE_OTHER_ACCOUNT}/zones"),
            "/_/zones".into(),
            "/zones".into(),
        ] {
            let r = e.send("GET", &path, Some(&good), None);
            assert_eq!(r.status, 404, "{path}");
            assert_eq!(r.json()["message"], "Not Found");
        }
        // the other account's token sees its own (empty) account, not this one's zones
        e.fake.create_zone("scoped.example");
        let other = format!("Bearer {DNSIMPLE_OTHER_TOKEN}");
        let r = e.send(
            "GET",
            &format!("/{DNSIMPLE_OTHER_ACCOUNT}/zones"),
            Some(&other),
            None,
        );
        assert_eq!(r.status, 200);
        assert_eq!(r.json()["data"], json!([]));
        let r = e.send(
            "GET",
            &format!("/{DNSIMPLE_OTHER_ACCOUNT}/zones/scoped.example/records"),
            Some(&other),
            None,
        );
        assert_eq!(
            (r.status, r.json()["message"].clone()),
            (404, json!("Zone `scoped.example` not found"))
        );
        assert_eq!(
            e.call("GET", "/zones", None).json()["data"][0]["name"],
            "scoped.example"
        );
    }

    #[test]
    fn domains_create_zones_with_system_records() {
        let e = Env::new();
        let r = e.call("GET", "/zones/new.example/records", None);
        assert_eq!(r.status, 404);
        assert_eq!(r.json(), json!({"message": "Zone `new.example` not found"}));
        assert_eq!(e.call("GET", "/zones/new.example", None).status, 404);
        let r = e.call("POST", "/domains", Some(json!({"name": "New.Example"})));
        assert_eq!(r.status, 201, "{}", r.body);
        let d = r.json()["data"].clone();
        assert_eq!(
            (d["name"].clone(), d["state"].clone()),
            (json!("new.example"), json!("hosted"))
        );
        assert_eq!(d["account_id"], 12345);
        let z = e.call("GET", "/zones/new.example", None).json()["data"].clone();
        assert_eq!(z["name"], "new.example");
        assert_eq!(z["active"], true);
        let by_id = e.call("GET", &format!("/zones/{}", z["id"]), None);
        assert_eq!(by_id.json()["data"]["name"], "new.example");
        let list = e.call("GET", "/zones/new.example/records", None).json();
        assert_eq!(list["pagination"]["total_entries"], 5);
        let soa = &list["data"][0];
        assert_eq!(soa["type"], "SOA");
        assert!(
            soa["content"]
                .as_str()
                .unwrap()
                .starts_with("ns1.dnsimple.com admin.dnsimple.com ")
        );
        let ns: Vec<&str> = list["data"].as_array().unwrap()[1..]
            .iter()
            .map(|r| r["content"].as_str().unwrap())
            .collect();
        assert_eq!(ns, NAME_SERVERS);
        // the same domain again, a bad name, none
        for body in [
            json!({"name": "new.example"}),
            json!({"name": "not a domain"}),
            json!({}),
        ] {
            assert_eq!(
                e.call("POST", "/domains", Some(body.clone())).status,
                400,
                "{body}"
            );
        }
        assert_eq!(
            e.call("GET", "/domains", None).json()["pagination"]["total_entries"],
            1
        );
        assert_eq!(e.call("DELETE", "/domains/new.example", None).status, 204);
        assert!(!e.fake.zone_exists("new.example"));
        assert_eq!(
            e.call("GET", "/domains/new.example", None).json()["message"],
            "Domain `new.example` not found"
        );
    }

    #[test]
    fn record_lifecycle_and_shapes() {
        let e = Env::new();
        e.fake.create_zone("life.example");
        let r = e.post(
            "life.example",
            json!({"name": "www", "type": "A", "content": "192.0.2.1", "ttl": 600}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let a = r.json()["data"].clone();
        for k in [
            "id",
            "zone_id",
            "parent_id",
            "name",
            "content",
            "ttl",
            "priority",
            "type",
            "regions",
            "system_record",
            "created_at",
            "updated_at",
        ] {
            assert!(a.get(k).is_some(), "{k}");
        }
        assert_eq!(a["zone_id"], "life.example");
        assert_eq!(a["regions"], json!(["global"]));
        assert!(a["priority"].is_null() && a["parent_id"].is_null());
        assert_eq!(a["created_at"].as_str().unwrap().len(), 20);
        let soa_before = e.fake.records("life.example")[0]["content"].clone();
        let path = format!("/zones/life.example/records/{}", a["id"]);
        assert_eq!(e.call("GET", &path, None).json()["data"], a);
        let p = e.call(
            "PATCH",
            &path,
            Some(json!({"content": "192.0.2.2", "ttl": 60, "type": "MX"})),
        );
        assert_eq!(p.status, 200, "{}", p.body);
        assert_eq!(
            (
                p.json()["data"]["content"].clone(),
                p.json()["data"]["type"].clone()
            ),
            (json!("192.0.2.2"), json!("A"))
        );
        assert_ne!(e.fake.records("life.example")[0]["content"], soa_before);
        let d = e.call("DELETE", &path, None);
        assert_eq!((d.status, d.body.as_str()), (204, ""));
        assert_eq!(
            e.call("GET", &path, None).json()["message"],
            format!("Record `{}` not found", a["id"])
        );
        assert_eq!(e.call("PUT", &path, None).status, 405);
        // content shapes
        let shapes = [
            (
                json!({"name": "", "type": "MX", "content": "mx.example.net.", "priority": 10}),
                "mx.example.net",
                json!(10),
            ),
            (
                json!({"name": "c", "type": "CNAME", "content": "target.example.net."}),
                "target.example.net",
                J::Null,
            ),
            (
                json!({"name": "_sip._tcp", "type": "SRV", "content": "5 5060 sip.example.net.", "priority": 1}),
                "5 5060 sip.example.net",
                json!(1),
            ),
            (
                json!({"name": "ptr", "type": "PTR", "content": "host.example.net."}),
                "host.example.net.",
                J::Null,
            ),
            (
                json!({"name": "", "type": "CAA", "content": "0 issue \"ca.example.net\""}),
                "0 issue \"ca.example.net\"",
                J::Null,
            ),
            (
                json!({"name": "t", "type": "TXT", "content": "v=spf1 -all; \"q\""}),
                "v=spf1 -all; \"q\"",
                J::Null,
            ),
            (
                json!({"name": "t2", "type": "TXT", "content": "\"one\" \"two \\\" quoted\""}),
                "\"one\" \"two \\\" quoted\"",
                J::Null,
            ),
            (
                json!({"name": "n", "type": "NAPTR", "content": "10 100 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.net."}),
                "10 100 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.net.",
                J::Null,
            ),
            (
                json!({"name": "s", "type": "SSHFP", "content": "1 1 0123abcd"}),
                "1 1 0123abcd",
                J::Null,
            ),
            (
                json!({"name": "mx0", "type": "MX", "content": "mx.example.net"}),
                "mx.example.net",
                json!(0),
            ),
        ];
        for (body, content, priority) in shapes {
            let r = e.post("life.example", body.clone());
            assert_eq!(r.status, 201, "{body}: {}", r.body);
            assert_eq!(r.json()["data"]["content"], content, "{body}");
            assert_eq!(r.json()["data"]["priority"], priority, "{body}");
        }
        // an ALIAS brings its descriptive TXT, which follows it
        let al = e
            .post(
                "life.example",
                json!({"name": "", "type": "ALIAS", "content": "app.example.net."}),
            )
            .json()["data"]
            .clone();
        let child = |f: &DnsimpleFake| {
            f.records("life.example")
                .into_iter()
                .find(|r| r["parent_id"] == al["id"])
        };
        let c = child(&e.fake).expect("the ALIAS child");
        assert_eq!(
            (c["type"].clone(), c["content"].clone(), c["name"].clone()),
            (json!("TXT"), json!("ALIAS for app.example.net"), json!(""))
        );
        let path = format!("/zones/life.example/records/{}", al["id"]);
        e.call(
            "PATCH",
            &path,
            Some(json!({"content": "other.example.net"})),
        );
        assert_eq!(
            child(&e.fake).unwrap()["content"],
            "ALIAS for other.example.net"
        );
        assert_eq!(e.call("DELETE", &path, None).status, 204);
        assert!(child(&e.fake).is_none());
    }

    #[test]
    fn validation_refusals() {
        let e = Env::new();
        e.fake.create_zone("valid.example");
        e.post(
            "valid.example",
            json!({"name": "www", "type": "A", "content": "192.0.2.1"}),
        );
        let long = "x".repeat(999);
        let cases: Vec<(J, &str)> = vec![
            (
                json!({"name": "a", "type": "A", "content": "300.1.1.1"}),
                "content",
            ),
            (
                json!({"name": "a", "type": "AAAA", "content": "192.0.2.1"}),
                "content",
            ),
            (json!({"name": "a", "type": "A"}), "content"),
            (
                json!({"name": "a", "type": "A", "content": "  "}),
                "content",
            ),
            (
                json!({"name": "a", "type": "BOGUS", "content": "x"}),
                "record_type",
            ),
            (
                json!({"name": "a", "type": "SOA", "content": "x"}),
                "record_type",
            ),
            (json!({"name": "a", "content": "192.0.2.1"}), "record_type"),
            (json!({"type": "A", "content": "192.0.2.1"}), "name"),
            (
                json!({"name": "@", "type": "A", "content": "192.0.2.1"}),
                "name",
            ),
            (
                json!({"name": "a b", "type": "A", "content": "192.0.2.1"}),
                "name",
            ),
            (
                json!({"name": "a", "type": "A", "content": "192.0.2.1", "ttl": "soon"}),
                "ttl",
            ),
            (
                json!({"name": "a", "type": "A", "content": "192.0.2.1", "ttl": -1}),
                "ttl",
            ),
            (
                json!({"name": "a", "type": "A", "content": "192.0.2.1", "regions": ["MARS"]}),
                "regions",
            ),
            (
                json!({"name": "", "type": "MX", "content": "mx.example.net", "priority": 70000}),
                "priority",
            ),
            (
                json!({"name": "", "type": "MX", "content": "not a host"}),
                "content",
            ),
            (
                json!({"name": "_s._tcp", "type": "SRV", "content": "10 5060"}),
                "content",
            ),
            (
                json!({"name": "_s._tcp", "type": "SRV", "content": "10 99999 t.example.net"}),
                "content",
            ),
            (
                json!({"name": "", "type": "CAA", "content": "256 issue \"ca\""}),
                "content",
            ),
            (
                json!({"name": "", "type": "CAA", "content": "0 issue \"ca"}),
                "content",
            ),
            (
                json!({"name": "t", "type": "TXT", "content": "\"unterminated"}),
                "content",
            ),
            (
                json!({"name": "t", "type": "TXT", "content": "\"a\" b"}),
                "content",
            ),
            (
                json!({"name": "t", "type": "TXT", "content": format!("\"{}\"", "y".repeat(256))}),
                "content",
            ),
            (
                json!({"name": "t", "type": "TXT", "content": long}),
                "content",
            ),
            (
                json!({"name": "s", "type": "SSHFP", "content": "1 1 xyz"}),
                "content",
            ),
            (
                json!({"name": "www", "type": "CNAME", "content": "t.example.net"}),
                "name",
            ),
            (
                json!({"name": "", "type": "CNAME", "content": "t.example.net"}),
                "name",
            ),
            (
                json!({"name": "", "type": "NS", "content": "ns.example.net"}),
                "name",
            ),
        ];
        for (body, field) in cases {
            let r = e.post("valid.example", body.clone());
            assert_eq!(r.status, 400, "{body}: {}", r.body);
            assert_eq!(r.json()["message"], "Validation failed", "{body}");
            assert!(errors(&r)[field].is_array(), "{body}: {}", r.body);
        }
        let r = e.post(
            "valid.example",
            json!({"name": "www", "type": "A", "content": "192.0.2.1"}),
        );
        assert_eq!(
            (r.status, r.json()["message"].clone()),
            (400, json!("Zone record already exists"))
        );
        // a CNAME first, then anything else at its name
        assert_eq!(
            e.post(
                "valid.example",
                json!({"name": "c", "type": "CNAME", "content": "t.example.net"})
            )
            .status,
            201
        );
        assert_eq!(
            e.post(
                "valid.example",
                json!({"name": "c", "type": "TXT", "content": "x"})
            )
            .status,
            400
        );
        // a TXT of 998 characters once serialized fits, an SRV to "." passes
        assert_eq!(
            e.post(
                "valid.example",
                json!({"name": "t", "type": "TXT", "content": "z".repeat(996)})
            )
            .status,
            201
        );
        assert_eq!(
            e.post(
                "valid.example",
                json!({"name": "_n._tcp", "type": "SRV", "content": "0 0 ."})
            )
            .status,
            201
        );
        let r = e.call("POST", "/zones/valid.example/records", None);
        assert_eq!(r.status, 400);
        let r = e.post("valid.example", json!(["not", "an", "object"]));
        assert_eq!(
            (r.status, r.json()),
            (400, json!({"message": "Invalid JSON"}))
        );
    }

    #[test]
    fn system_records_cannot_change() {
        let e = Env::new();
        e.fake.create_zone("system.example");
        for r in e.fake.records("system.example") {
            let path = format!("/zones/system.example/records/{}", r["id"]);
            let p = e.call("PATCH", &path, Some(json!({"ttl": 60})));
            assert_eq!(
                (p.status, p.json()["message"].clone()),
                (400, json!("Cannot update a system record"))
            );
            let d = e.call("DELETE", &path, None);
            assert_eq!(
                (d.status, d.json()["message"].clone()),
                (400, json!("Cannot delete a system record"))
            );
        }
        assert_eq!(e.fake.records("system.example").len(), 5);
        // NS below the apex is the user's
        let r = e.post(
            "system.example",
            json!({"name": "sub", "type": "NS", "content": "ns1.example.net."}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.json()["data"]["content"], "ns1.example.net");
    }

    #[test]
    fn paging_sorting_filters() {
        let e = Env::new();
        e.fake.create_zone("paged.example");
        for i in 0..65 {
            e.fake.add_record(
                "paged.example",
                json!({"name": format!("h{i:02}"), "type": "A", "content": format!("192.0.2.{i}")}),
            );
        }
        let get = |q: &str| {
            e.call("GET", &format!("/zones/paged.example/records{q}"), None)
                .json()
        };
        let first = get("");
        assert_eq!(
            first["pagination"],
            json!({"current_page": 1, "per_page": 30, "total_entries": 70, "total_pages": 3})
        );
        assert_eq!(first["data"].as_array().unwrap().len(), 30);
        assert_eq!(first["data"][0]["type"], "SOA");
        let third = get("?page=3");
        assert_eq!(third["data"].as_array().unwrap().len(), 10);
        assert_eq!(third["data"][9]["name"], "h64");
        let mut ids = Vec::new();
        for p in 1..=3 {
            ids.extend(
                get(&format!("?page={p}"))["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["id"].as_u64().unwrap()),
            );
        }
        assert_eq!(ids.len(), 70);
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        let big = get("?per_page=500");
        assert_eq!(
            (
                big["pagination"]["per_page"].clone(),
                big["pagination"]["total_pages"].clone()
            ),
            (json!(100), json!(1))
        );
        assert_eq!(big["data"].as_array().unwrap().len(), 70);
        assert_eq!(get("?page=9")["data"], json!([]));
        assert_eq!(get("?type=ns")["pagination"]["total_entries"], 4);
        assert_eq!(get("?name=h07")["data"][0]["content"], "192.0.2.7");
        assert_eq!(get("?name_like=h1")["pagination"]["total_entries"], 10);
        assert_eq!(get("?sort=name:desc,id:asc")["data"][0]["name"], "h64");
        assert_eq!(
            e.call("GET", "/zones/paged.example/records?sort=ttl:asc", None)
                .status,
            400
        );
        e.fake.create_zone("a-paged.example");
        let zones = e.call("GET", "/zones?per_page=1", None).json();
        assert_eq!(
            zones["pagination"],
            json!({"current_page": 1, "per_page": 1, "total_entries": 2, "total_pages": 2})
        );
        assert_eq!(zones["data"][0]["name"], "a-paged.example");
    }

    #[test]
    fn rate_limit_headers_and_429() {
        let e = Env::new();
        let auth = format!("Bearer {DNSIMPLE_TOKEN}");
        let r = e.send("GET", "/whoami", Some(&auth), None);
        assert_eq!(r.header("x-ratelimit-limit"), Some("1000000"));
        e.fake.set_rate(3, Duration::from_secs(3600));
        let now = now_secs();
        for left in ["2", "1", "0"] {
            let r = e.send("GET", "/whoami", Some(&auth), None);
            assert_eq!(r.status, 200);
            assert_eq!(r.header("x-ratelimit-limit"), Some("3"));
            assert_eq!(r.header("x-ratelimit-remaining"), Some(left));
        }
        let r = e.send("GET", "/whoami", Some(&auth), None);
        assert_eq!(r.status, 429);
        assert_eq!(r.json(), json!({"message": "quota exceeded"}));
        assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
        let reset: u64 = r.header("x-ratelimit-reset").unwrap().parse().unwrap();
        assert!((now + 3599..=now + 3601).contains(&reset), "{reset}");
        // per token: the other account's token has its own window
        let other = format!("Bearer {DNSIMPLE_OTHER_TOKEN}");
        assert_eq!(e.send("GET", "/whoami", Some(&other), None).status, 200);
        // a window that ends
        e.fake.set_rate(1, Duration::from_millis(200));
        assert_eq!(e.send("GET", "/whoami", Some(&auth), None).status, 200);
        assert_eq!(e.send("GET", "/whoami", Some(&auth), None).status, 429);
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(e.send("GET", "/whoami", Some(&auth), None).status, 200);
    }

    #[test]
    fn injected_write_failure_and_request_log() {
        let e = Env::new();
        e.fake.create_zone("faulty.example");
        e.fake.fail_writes_after(1, 500, "boom");
        let a = |ip: &str| json!({"name": "", "type": "A", "content": ip});
        assert_eq!(e.post("faulty.example", a("192.0.2.1")).status, 201);
        assert_eq!(
            e.call("GET", "/zones/faulty.example/records?page=1", None)
                .status,
            200
        );
        let r = e.post("faulty.example", a("192.0.2.2"));
        assert_eq!((r.status, r.json()), (500, json!({"message": "boom"})));
        assert_eq!(e.post("faulty.example", a("192.0.2.2")).status, 201);
        let log = e.fake.requests();
        assert_eq!(log[0], "POST /v2/12345/zones/faulty.example/records");
        assert_eq!(log[1], "GET /v2/12345/zones/faulty.example/records?page=1");
        assert_eq!(log.len(), 4);
        e.fake.reset_zone("faulty.example.");
        assert!(e.fake.requests().is_empty());
    }

    #[test]
    fn iso_dates() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(1_452_188_713), "2016-01-07T17:45:13Z");
        assert_eq!(iso(951_825_600), "2000-02-29T12:00:00Z");
    }
}
