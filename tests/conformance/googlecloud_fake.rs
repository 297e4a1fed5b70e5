//! A stateful fake of Google Cloud DNS (`dns/v1`) and the Google token services it needs, on
//! one wiremock server on 127.0.0.1, for the `googlecloud` provider:
//!
//! - the Cloud DNS API: `projects.get` (with its `quota`), `managedZones` list / create / get,
//!   `resourceRecordSets` list, `changes` create / get;
//! - the OAuth 2.0 token endpoint for service-account assertions (`/token`,
//!   `urn:ietf:params:oauth:grant-type:jwt-bearer`, RS256 JWTs checked against the key);
//! - the Security Token Service (`/v1/token`, RFC 8693 token exchange) and IAM Credentials
//!   `generateAccessToken` (service account impersonation), for workload identity federation;
//! - GitHub Actions' OIDC token endpoint.
//!
//! Written from Google's published descriptions, not from a client: the `dns/v1` discovery
//! document (resources, methods, parameters and the schemas `Change`, `ManagedZone`,
//! `ResourceRecordSet`, `Project`, `Quota`: `additions`/`deletions` applied atomically,
//! deletions that "must match existing data exactly", `nextPageToken`, `status`
//! pending/done), Google's "Using OAuth 2.0 for Server to Server Applications" (the JWT's
//! header and claims, the grant type, the answer), the STS `v1/token` and IAM Credentials
//! `generateAccessToken` references, and the Google JSON error format (`{"error": {"code",
//! "message", "errors": [{"domain", "reason", "message"}], "status"}}`).
//!
//! ## Faithful
//!
//! - Every DNS call needs `Authorization: Bearer <token>` of a token this fake issued (401
//!   `UNAUTHENTICATED` otherwise); an unknown project is 404 `notFound`, another project than
//!   the token's is 403 `forbidden`.
//! - Zones: `name` 1–63 characters, a lowercase letter first, letters, digits and dashes, no
//!   dash last (400 `invalid`); `dnsName` absolute; a used name is 409 `alreadyExists`. A new
//!   zone holds its SOA and apex NS (`ns-cloud-d1…d4.googledomains.com.`, TTL 21600).
//! - Lists: `maxResults` (rrsets: 100 unless asked), `pageToken`, `nextPageToken` only when
//!   more follows; `dnsName` filters zones; rrsets sorted by name then type.
//! - Changes: deletions first, each matching an existing rrset exactly (name, type, ttl,
//!   rrdatas in order) or 412 `conditionNotMet`, a missing one 404 `notFound`; then additions,
//!   an existing name and type 409 `alreadyExists`; a CNAME beside another type 400
//!   `cnameResourceRecordSetConflict`; the SOA and apex NS can be replaced, not removed; all
//!   or nothing. The quota is enforced: `rrsetAdditionsPerChange`, `rrsetDeletionsPerChange`,
//!   `resourceRecordsPerRrset`, `totalRrdataSizePerChange` (403 `quotaExceeded`). A new change
//!   is `pending` and `done` when next read (`set_pending_reads` changes that).
//! - Rrdatas are checked per type (addresses, absolute names, numbers in range, hex, TXT
//!   character-strings of at most 255 octets) — 400 `invalidResourceRecordData`.
//! - Rate: `set_rate(n, window)` answers 429 `RESOURCE_EXHAUSTED` with `Retry-After` past `n`
//!   requests per window.
//!
//! ## Simplified or guessed
//!
//! - Messages are this fake's own wording in Google's style; reasons are the ones Google's
//!   error catalogue uses. Quota values are Cloud DNS's documented defaults.
//! - Rrdatas are stored as sent (Cloud DNS may canonicalise some), names compared without
//!   regard to case. Routing policies, DNSSEC, private zone networks and operations are not
//!   modelled.
//! - Access tokens last an hour and are opaque; a GitHub OIDC token is an opaque JWT-shaped
//!   string this fake remembers (not signed).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use crate::fake_http::{pct_decode, query};
use serde_json::{Map, Value as J, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const PROJECT: &str = "dns-test-project";
pub const CLIENT_EMAIL: &str = "dnsplan@dns-test-project.iam.gserviceaccount.com";
pub const KEY_ID: &str = "0123456789abcdef0123456789abcdef01234567";
pub const OIDC_REQUEST_TOKEN: &str = "gh-oidc-request-token-1234567890";
pub const WIF_PROVIDER: &str =
    "projects/123456/locations/global/workloadIdentityPools/github/providers/dns";
const KEY_PEM: &str = include_str!("../fixtures/googlecloud/test-only-key.pem");

fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    data_encoding::BASE64
        .decode(body.trim().as_bytes())
        .unwrap()
}

/// The fixture key's public half (DER RSAPublicKey), as Google would hold it.
fn public_key() -> Vec<u8> {
    use ring::signature::KeyPair;
    let kp = ring::signature::RsaKeyPair::from_pkcs8(&pem_der(KEY_PEM)).unwrap();
    kp.public_key().as_ref().to_vec()
}

struct ManagedZone {
    name: String,
    dns_name: String,
    id: u64,
    visibility: String,
    /// (name lowercase, type) → rrset
    rrsets: BTreeMap<(String, String), J>,
}

struct State {
    url: String,
    zones: Vec<ManagedZone>,
    changes: BTreeMap<String, (J, u32)>,
    next: u64,
    tokens: BTreeSet<String>,
    sts_tokens: BTreeSet<String>,
    github_tokens: BTreeSet<String>,
    quota: J,
    pending_reads: u32,
    rate: (u32, Duration),
    window: (Instant, u32),
    log: Vec<String>,
}

struct Fail(u16, &'static str, &'static str, String);

fn fail(code: u16, status: &'static str, reason: &'static str, msg: impl Into<String>) -> Fail {
    Fail(code, status, reason, msg.into())
}

fn answer(r: Result<J, Fail>) -> ResponseTemplate {
    match r {
        Ok(j) => ResponseTemplate::new(200).set_body_json(j),
        Err(Fail(code, status, reason, message)) => {
            ResponseTemplate::new(code).set_body_json(json!({
                "error": {"code": code, "message": message, "status": status,
                          "errors": [{"domain": "global", "reason": reason, "message": message}]}
            }))
        }
    }
}

fn form(req: &Request) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(&req.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn bearer(req: &Request) -> Option<String> {
    let h = req.headers.get("authorization")?.to_str().ok()?;
    h.strip_prefix("Bearer ").map(str::to_string)
}

fn oauth_error(status: u16, error: &str, description: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"error": error, "error_description": description}))
}

fn is_name(s: &str) -> bool {
    s.ends_with('.')
        && (s == "."
            || s.trim_end_matches('.').split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'*')
            }))
}

/// Split an rrdata into fields, quoted strings kept whole (their content unescaped).
fn fields(s: &str) -> Result<Vec<(bool, Vec<u8>)>, String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b' ' || b[i] == b'\t' {
            i += 1;
            continue;
        }
        let quoted = b[i] == b'"';
        if quoted {
            i += 1;
        }
        let mut cur = Vec::new();
        loop {
            if i >= b.len() {
                if quoted {
                    return Err("an unterminated quoted string".into());
                }
                break;
            }
            let c = b[i];
            if quoted && c == b'"' {
                i += 1;
                break;
            }
            if !quoted && (c == b' ' || c == b'\t') {
                break;
            }
            if c == b'\\' && i + 1 < b.len() {
                if i + 3 < b.len() && b[i + 1..i + 4].iter().all(u8::is_ascii_digit) {
                    let n: u32 = std::str::from_utf8(&b[i + 1..i + 4])
                        .unwrap()
                        .parse()
                        .unwrap();
                    cur.push(n.min(255) as u8);
                    i += 4;
                } else {
                    cur.push(b[i + 1]);
                    i += 2;
                }
                continue;
            }
            cur.push(c);
            i += 1;
        }
        out.push((quoted, cur));
    }
    Ok(out)
}

fn check_rrdata(ty: &str, d: &str) -> Result<(), String> {
    let f = fields(d)?;
    let text = |i: usize| String::from_utf8_lossy(&f[i].1).to_string();
    let n = |i: usize, max: u64| text(i).parse::<u64>().ok().filter(|v| *v <= max).is_some();
    let hex = |i: usize| !f[i].1.is_empty() && f[i].1.iter().all(u8::is_ascii_hexdigit);
    let count = |k: usize| f.len() == k;
    let ok = match ty {
        "A" => d.parse::<std::net::Ipv4Addr>().is_ok(),
        "AAAA" => d.parse::<std::net::Ipv6Addr>().is_ok(),
        "CNAME" | "PTR" | "NS" | "ALIAS" => count(1) && is_name(&text(0)),
        "MX" => count(2) && n(0, 65535) && is_name(&text(1)),
        "TXT" | "SPF" => !f.is_empty() && f.iter().all(|(_, s)| s.len() <= 255),
        "CAA" => f.len() >= 3 && n(0, 255) && f[1].1.iter().all(u8::is_ascii_alphanumeric),
        "SRV" => count(4) && n(0, 65535) && n(1, 65535) && n(2, 65535) && is_name(&text(3)),
        "DS" => count(4) && n(0, 65535) && n(1, 255) && n(2, 255) && hex(3),
        "SSHFP" => count(3) && n(0, 255) && n(1, 255) && hex(2),
        "TLSA" => count(4) && n(0, 255) && n(1, 255) && n(2, 255) && hex(3),
        "NAPTR" => {
            count(6)
                && n(0, 65535)
                && n(1, 65535)
                && f[2].0
                && f[3].0
                && f[4].0
                && is_name(&text(5))
        }
        "HTTPS" | "SVCB" => f.len() >= 2 && n(0, 65535) && is_name(&text(1)),
        "SOA" => f.len() == 7,
        _ => return Err(format!("the record type {ty} is not supported")),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("'{d}' is not valid {ty} rrdata"))
    }
}

fn soa_ns(zone: &ManagedZone) -> (J, J) {
    let ns: Vec<String> = (1..=4)
        .map(|i| format!("ns-cloud-d{i}.googledomains.com."))
        .collect();
    (
        json!({"kind": "dns#resourceRecordSet", "name": zone.dns_name, "type": "SOA", "ttl": 21600,
               "rrdatas": [format!("{} cloud-dns-hostmaster.google.com. 1 21600 3600 259200 300", ns[0])]}),
        json!({"kind": "dns#resourceRecordSet", "name": zone.dns_name, "type": "NS", "ttl": 21600, "rrdatas": ns}),
    )
}

fn zone_json(z: &ManagedZone) -> J {
    json!({"kind": "dns#managedZone", "name": z.name, "dnsName": z.dns_name, "id": z.id.to_string(),
           "description": "", "visibility": z.visibility,
           "nameServers": (1..=4).map(|i| format!("ns-cloud-d{i}.googledomains.com.")).collect::<Vec<_>>(),
           "creationTime": "2026-12-01T00:00:00.000Z"})
}

fn page(req: &Request, items: Vec<J>, key: &str, kind: &str, default: usize) -> Result<J, Fail> {
    let max = match query(req, "maxResults") {
        None => default,
        Some(m) => m.parse::<usize>().ok().filter(|m| *m > 0).ok_or_else(|| {
            fail(
                400,
                "INVALID_ARGUMENT",
                "invalid",
                "Invalid value for maxResults",
            )
        })?,
    };
    let start = match query(req, "pageToken") {
        None => 0,
        Some(t) => t
            .strip_prefix("p")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| {
                fail(
                    400,
                    "INVALID_ARGUMENT",
                    "invalid",
                    "Invalid value for pageToken",
                )
            })?,
    };
    let end = (start + max).min(items.len());
    let mut out = json!({"kind": kind});
    out[key] = J::Array(items[start.min(items.len())..end].to_vec());
    if end < items.len() {
        out["nextPageToken"] = J::String(format!("p{end}"));
    }
    Ok(out)
}

impl State {
    fn new_id(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    fn zone_mut(&mut self, name: &str) -> Result<&mut ManagedZone, Fail> {
        self.zones
            .iter_mut()
            .find(|z| z.name == name || z.id.to_string() == name)
            .ok_or_else(|| {
                fail(
                    404,
                    "NOT_FOUND",
                    "notFound",
                    format!("The 'parameters.managedZone' resource named '{name}' does not exist."),
                )
            })
    }

    fn issue(&mut self) -> String {
        let t = format!("ya29.fake-{}", self.new_id() * 7919 + 1_000_003);
        self.tokens.insert(t.clone());
        t
    }

    /// A service-account assertion, checked as Google checks it.
    fn check_assertion(&self, jwt: &str) -> Result<(), (u16, &'static str, String)> {
        let bad = |m: &str| (400, "invalid_grant", m.to_string());
        let parts: Vec<&str> = jwt.split('.').collect();
        let [h, c, s] = parts.as_slice() else {
            return Err(bad(
                "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe",
            ));
        };
        let dec = |p: &str| {
            data_encoding::BASE64URL_NOPAD
                .decode(p.as_bytes())
                .ok()
                .and_then(|b| serde_json::from_slice::<J>(&b).ok())
        };
        let (Some(header), Some(claims)) = (dec(h), dec(c)) else {
            return Err(bad("Invalid JWT Signature."));
        };
        let sig = data_encoding::BASE64URL_NOPAD
            .decode(s.as_bytes())
            .map_err(|_| bad("Invalid JWT Signature."))?;
        let pk = ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            public_key(),
        );
        if header["alg"] != "RS256" || pk.verify(format!("{h}.{c}").as_bytes(), &sig).is_err() {
            return Err(bad("Invalid JWT Signature."));
        }
        if header["kid"] != KEY_ID || claims["iss"] != CLIENT_EMAIL {
            return Err((
                400,
                "invalid_grant",
                "Invalid grant: account not found".into(),
            ));
        }
        if claims["aud"] != format!("{}/token", self.url) {
            return Err(bad("Invalid JWT: aud is not the token endpoint"));
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let (iat, exp) = (
            claims["iat"].as_u64().unwrap_or(0),
            claims["exp"].as_u64().unwrap_or(0),
        );
        if exp <= now || exp.saturating_sub(iat) > 3600 || iat > now + 300 {
            return Err(bad(
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.",
            ));
        }
        let scopes = claims["scope"].as_str().unwrap_or_default();
        if !scopes
            .split(' ')
            .any(|s| s.ends_with("/ndev.clouddns.readwrite") || s.ends_with("/cloud-platform"))
        {
            return Err((
                400,
                "invalid_scope",
                "Invalid OAuth scope or ID token audience provided.".into(),
            ));
        }
        Ok(())
    }

    fn dns(&mut self, req: &Request) -> Result<J, Fail> {
        if !bearer(req).is_some_and(|t| self.tokens.contains(&t) || self.sts_tokens.contains(&t)) {
            return Err(fail(
                401,
                "UNAUTHENTICATED",
                "authError",
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
            ));
        }
        let path = req.url.path().trim_start_matches("/dns/v1/").to_string();
        let segs: Vec<String> = path.split('/').map(pct_decode).collect();
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        let method = req.method.as_str();
        let Some(["projects", project, rest @ ..]) = Some(segs.as_slice()) else {
            return Err(fail(404, "NOT_FOUND", "notFound", "Not Found"));
        };
        if *project != PROJECT {
            return Err(fail(
                403,
                "PERMISSION_DENIED",
                "forbidden",
                format!("The caller does not have permission on project {project}"),
            ));
        }
        match (method, rest) {
            ("GET", []) => Ok(
                json!({"kind": "dns#project", "id": PROJECT, "number": "123456", "quota": self.quota}),
            ),
            ("GET", ["managedZones"]) => {
                let dns_name = query(req, "dnsName").map(|d| d.to_lowercase());
                let list: Vec<J> = self
                    .zones
                    .iter()
                    .filter(|z| dns_name.as_ref().is_none_or(|d| *d == z.dns_name))
                    .map(zone_json)
                    .collect();
                page(
                    req,
                    list,
                    "managedZones",
                    "dns#managedZonesListResponse",
                    100,
                )
            }
            ("POST", ["managedZones"]) => {
                let b: J = serde_json::from_slice(&req.body)
                    .map_err(|_| fail(400, "INVALID_ARGUMENT", "parseError", "Parse Error"))?;
                let name = b["name"].as_str().unwrap_or_default().to_string();
                let dns_name = b["dnsName"].as_str().unwrap_or_default().to_lowercase();
                let name_ok = (1..=63).contains(&name.len())
                    && name.starts_with(|c: char| c.is_ascii_lowercase())
                    && !name.ends_with('-')
                    && name
                        .bytes()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-');
                if !name_ok {
                    return Err(fail(
                        400,
                        "INVALID_ARGUMENT",
                        "invalid",
                        format!("Invalid value for 'entity.managedZone.name': '{name}'"),
                    ));
                }
                if !is_name(&dns_name) || dns_name == "." {
                    return Err(fail(
                        400,
                        "INVALID_ARGUMENT",
                        "invalid",
                        format!("Invalid value for 'entity.managedZone.dnsName': '{dns_name}'"),
                    ));
                }
                if self.zones.iter().any(|z| z.name == name) {
                    return Err(fail(
                        409,
                        "ALREADY_EXISTS",
                        "alreadyExists",
                        format!("The resource 'entity.managedZone' named '{name}' already exists"),
                    ));
                }
                let id = self.new_id();
                let mut z = ManagedZone {
                    name,
                    dns_name,
                    id,
                    visibility: b["visibility"].as_str().unwrap_or("public").to_string(),
                    rrsets: BTreeMap::new(),
                };
                let (soa, ns) = soa_ns(&z);
                z.rrsets.insert((z.dns_name.clone(), "SOA".into()), soa);
                z.rrsets.insert((z.dns_name.clone(), "NS".into()), ns);
                let j = zone_json(&z);
                self.zones.push(z);
                Ok(j)
            }
            ("GET", ["managedZones", zone]) => Ok(zone_json(self.zone_mut(zone)?)),
            ("GET", ["managedZones", zone, "rrsets"]) => {
                let z = self.zone_mut(zone)?;
                let list: Vec<J> = z.rrsets.values().cloned().collect();
                page(
                    req,
                    list,
                    "rrsets",
                    "dns#resourceRecordSetsListResponse",
                    100,
                )
            }
            ("POST", ["managedZones", zone, "changes"]) => {
                let b: J = serde_json::from_slice(&req.body)
                    .map_err(|_| fail(400, "INVALID_ARGUMENT", "parseError", "Parse Error"))?;
                let quota = self.quota.clone();
                let id = self.new_id().to_string();
                let pending = self.pending_reads;
                let z = self.zone_mut(zone)?;
                let change = apply_change(z, &b, &quota)?;
                let mut c = change;
                c["id"] = J::String(id.clone());
                c["status"] = J::String("pending".into());
                c["startTime"] = J::String("2026-12-06T00:00:00.000Z".into());
                let key = format!("{zone}/{id}");
                self.changes.insert(key, (c.clone(), pending));
                Ok(c)
            }
            ("GET", ["managedZones", zone, "changes", id]) => {
                let key = format!("{zone}/{id}");
                let (c, left) = self.changes.get_mut(&key).ok_or_else(|| {
                    fail(
                        404,
                        "NOT_FOUND",
                        "notFound",
                        format!("The 'parameters.changeId' resource named '{id}' does not exist."),
                    )
                })?;
                if *left == 0 {
                    c["status"] = J::String("done".into());
                } else {
                    *left -= 1;
                }
                Ok(c.clone())
            }
            _ => Err(fail(
                404,
                "NOT_FOUND",
                "notFound",
                format!("{method} {path} is not a Cloud DNS method"),
            )),
        }
    }
}

fn rrset_key(r: &J) -> (String, String) {
    (
        r["name"].as_str().unwrap_or_default().to_lowercase(),
        r["type"].as_str().unwrap_or_default().to_string(),
    )
}

/// A change on a copy of the zone; the zone is replaced only when all of it holds.
fn apply_change(z: &mut ManagedZone, b: &J, quota: &J) -> Result<J, Fail> {
    let list = |k: &str| b.get(k).and_then(J::as_array).cloned().unwrap_or_default();
    let (adds, dels) = (list("additions"), list("deletions"));
    let q = |k: &str| quota[k].as_u64().unwrap_or(u64::MAX) as usize;
    let exceeded = |m: String| fail(403, "PERMISSION_DENIED", "quotaExceeded", m);
    if adds.len() > q("rrsetAdditionsPerChange") {
        return Err(exceeded(format!(
            "Quota exceeded for quota metric 'rrsetAdditionsPerChange': {} > {}",
            adds.len(),
            q("rrsetAdditionsPerChange")
        )));
    }
    if dels.len() > q("rrsetDeletionsPerChange") {
        return Err(exceeded(format!(
            "Quota exceeded for quota metric 'rrsetDeletionsPerChange': {} > {}",
            dels.len(),
            q("rrsetDeletionsPerChange")
        )));
    }
    let bytes: usize = adds
        .iter()
        .chain(dels.iter())
        .flat_map(|r| r["rrdatas"].as_array().cloned().unwrap_or_default())
        .filter_map(|d| d.as_str().map(str::len))
        .sum();
    if bytes > q("totalRrdataSizePerChange") {
        return Err(exceeded(format!(
            "Quota exceeded for quota metric 'totalRrdataSizePerChange': {bytes} > {}",
            q("totalRrdataSizePerChange")
        )));
    }
    let mut sets = z.rrsets.clone();
    for (i, d) in dels.iter().enumerate() {
        let key = rrset_key(d);
        let Some(cur) = sets.get(&key) else {
            return Err(fail(
                404,
                "NOT_FOUND",
                "notFound",
                format!(
                    "The 'entity.change.deletions[{i}]' resource named '{} ({})' does not exist.",
                    key.0, key.1
                ),
            ));
        };
        if cur["ttl"] != d["ttl"] || cur["rrdatas"] != d["rrdatas"] {
            return Err(fail(
                412,
                "FAILED_PRECONDITION",
                "conditionNotMet",
                format!("Precondition not met for 'entity.change.deletions[{i}]'"),
            ));
        }
        sets.remove(&key);
    }
    for (i, a) in adds.iter().enumerate() {
        let Some(o) = a.as_object() else {
            return Err(fail(
                400,
                "INVALID_ARGUMENT",
                "invalid",
                format!("Invalid value for 'entity.change.additions[{i}]'"),
            ));
        };
        let (name, ty) = rrset_key(a);
        if !is_name(&name) || !(name == z.dns_name || name.ends_with(&format!(".{}", z.dns_name))) {
            return Err(fail(
                400,
                "INVALID_ARGUMENT",
                "invalid",
                format!("Invalid value for 'entity.change.additions[{i}].name': '{name}'"),
            ));
        }
        let ttl = o.get("ttl").and_then(J::as_i64).unwrap_or(-1);
        if !(0..=2_147_483_647).contains(&ttl) {
            return Err(fail(
                400,
                "INVALID_ARGUMENT",
                "invalid",
                format!("Invalid value for 'entity.change.additions[{i}].ttl'"),
            ));
        }
        let datas: Vec<String> = o
            .get("rrdatas")
            .and_then(J::as_array)
            .map(|a| a.iter().filter_map(J::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        if datas.is_empty() {
            return Err(fail(
                400,
                "INVALID_ARGUMENT",
                "required",
                format!("Required field 'entity.change.additions[{i}].rrdata' not specified"),
            ));
        }
        if datas.len() > q("resourceRecordsPerRrset") {
            return Err(exceeded(format!(
                "Quota exceeded for quota metric 'resourceRecordsPerRrset': {} > {}",
                datas.len(),
                q("resourceRecordsPerRrset")
            )));
        }
        for d in &datas {
            check_rrdata(&ty, d).map_err(|m| {
                fail(
                    400,
                    "INVALID_ARGUMENT",
                    "invalidResourceRecordData",
                    format!("Invalid value for 'entity.change.additions[{i}].rrdata[0]': {m}"),
                )
            })?;
        }
        if sets.contains_key(&(name.clone(), ty.clone())) {
            return Err(fail(
                409,
                "ALREADY_EXISTS",
                "alreadyExists",
                format!(
                    "The resource 'entity.change.additions[{i}]' named '{name} ({ty})' already exists"
                ),
            ));
        }
        let others = sets
            .keys()
            .any(|(n, t)| *n == name && (ty == "CNAME") != (t == "CNAME"));
        if others {
            return Err(fail(
                400,
                "INVALID_ARGUMENT",
                "cnameResourceRecordSetConflict",
                format!(
                    "The resource record set 'entity.change.additions[{i}]' is invalid because a CNAME resource record set with the same name exists or would exist."
                ),
            ));
        }
        let mut stored = Map::new();
        stored.insert("kind".into(), json!("dns#resourceRecordSet"));
        stored.insert("name".into(), json!(name));
        stored.insert("type".into(), json!(ty));
        stored.insert("ttl".into(), json!(ttl));
        stored.insert("rrdatas".into(), json!(datas));
        sets.insert((name, ty), J::Object(stored));
    }
    for t in ["SOA", "NS"] {
        if !sets.contains_key(&(z.dns_name.clone(), t.to_string())) {
            return Err(fail(
                400,
                "INVALID_ARGUMENT",
                "invalidOperation",
                format!("The zone's apex {t} cannot be removed, only replaced"),
            ));
        }
    }
    z.rrsets = sets;
    Ok(json!({"kind": "dns#change", "additions": adds, "deletions": dels}))
}

fn route(st: &mut State, req: &Request) -> ResponseTemplate {
    let path = req.url.path().to_string();
    // rate limit on everything but the token services
    if path.starts_with("/dns/") {
        let (n, window) = st.rate;
        if st.window.0.elapsed() >= window {
            st.window = (Instant::now(), 0);
        }
        if st.window.1 >= n {
            let left = window
                .saturating_sub(st.window.0.elapsed())
                .as_secs()
                .max(1);
            return answer(Err(fail(
                429,
                "RESOURCE_EXHAUSTED",
                "rateLimitExceeded",
                "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute'",
            )))
            .insert_header("Retry-After", left.to_string().as_str());
        }
        st.window.1 += 1;
        return answer(st.dns(req));
    }
    match (req.method.as_str(), path.as_str()) {
        ("POST", "/token") => {
            let f = form(req);
            if f.get("grant_type").map(String::as_str)
                != Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
            {
                return oauth_error(400, "unsupported_grant_type", "Invalid grant_type");
            }
            let Some(a) = f.get("assertion") else {
                return oauth_error(
                    400,
                    "invalid_request",
                    "Missing required parameter: assertion",
                );
            };
            if let Err((s, e, d)) = st.check_assertion(a) {
                return oauth_error(s, e, &d);
            }
            let t = st.issue();
            ResponseTemplate::new(200).set_body_json(
                json!({"access_token": t, "expires_in": 3599, "token_type": "Bearer"}),
            )
        }
        ("POST", "/v1/token") => {
            let f = form(req);
            let want_aud = format!("//iam.googleapis.com/{WIF_PROVIDER}");
            if f.get("grant_type").map(String::as_str)
                != Some("urn:ietf:params:oauth:grant-type:token-exchange")
            {
                return oauth_error(400, "invalid_request", "Invalid value for \"grant_type\"");
            }
            if f.get("audience") != Some(&want_aud) {
                return oauth_error(
                    400,
                    "invalid_target",
                    "The target service indicated by the \"audience\" parameters is invalid.",
                );
            }
            if !f
                .get("subject_token")
                .is_some_and(|t| st.github_tokens.contains(t))
            {
                return oauth_error(
                    400,
                    "invalid_grant",
                    "The given subject token is not valid.",
                );
            }
            st.next += 1;
            let t = format!("sts-fake-{}", st.next * 104_729);
            st.sts_tokens.insert(t.clone());
            ResponseTemplate::new(200).set_body_json(json!({"access_token": t, "issued_token_type": "urn:ietf:params:oauth:token-type:access_token", "token_type": "Bearer", "expires_in": 3600}))
        }
        ("POST", p)
            if p.starts_with("/v1/projects/-/serviceAccounts/")
                && p.ends_with(":generateAccessToken") =>
        {
            if !bearer(req).is_some_and(|t| st.sts_tokens.contains(&t)) {
                return answer(Err(fail(
                    401,
                    "UNAUTHENTICATED",
                    "authError",
                    "Request had invalid authentication credentials.",
                )));
            }
            let sa = p
                .trim_start_matches("/v1/projects/-/serviceAccounts/")
                .trim_end_matches(":generateAccessToken");
            let sa = pct_decode(sa);
            if sa != CLIENT_EMAIL {
                return answer(Err(fail(
                    403,
                    "PERMISSION_DENIED",
                    "forbidden",
                    "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
                )));
            }
            let t = st.issue();
            ResponseTemplate::new(200)
                .set_body_json(json!({"accessToken": t, "expireTime": "2099-01-01T00:00:00Z"}))
        }
        ("GET", "/_github/oidc") => {
            if bearer(req).as_deref() != Some(OIDC_REQUEST_TOKEN) {
                return ResponseTemplate::new(401)
                    .set_body_json(json!({"message": "Bad credentials"}));
            }
            let aud = query(req, "audience").unwrap_or_default();
            st.next += 1;
            let claims = json!({"iss": "https://token.actions.githubusercontent.com", "aud": aud,
                                "sub": "repo:octo/dns:environment:production", "n": st.next});
            let jwt = format!(
                "eyJhbGciOiJSUzI1NiJ9.{}.c2ln",
                data_encoding::BASE64URL_NOPAD.encode(claims.to_string().as_bytes())
            );
            if aud == format!("https://iam.googleapis.com/{WIF_PROVIDER}") {
                st.github_tokens.insert(jwt.clone());
            }
            ResponseTemplate::new(200).set_body_json(json!({"value": jwt}))
        }
        _ => ResponseTemplate::new(404).set_body_json(
            json!({"error": {"code": 404, "message": "Not Found", "status": "NOT_FOUND"}}),
        ),
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
        route(&mut st, req)
    }
}

pub struct GoogleCloudFake {
    pub url: String,
    state: Arc<Mutex<State>>,
    _server: MockServer,
}

pub fn googlecloud() -> &'static GoogleCloudFake {
    static FAKE: OnceLock<GoogleCloudFake> = OnceLock::new();
    FAKE.get_or_init(GoogleCloudFake::start)
}

impl GoogleCloudFake {
    pub fn start() -> GoogleCloudFake {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let server = rt.block_on(MockServer::builder().disable_request_recording().start());
        let url = server.uri();
        let state = Arc::new(Mutex::new(State {
            url: url.clone(),
            zones: Vec::new(),
            changes: BTreeMap::new(),
            next: 0,
            tokens: BTreeSet::new(),
            sts_tokens: BTreeSet::new(),
            github_tokens: BTreeSet::new(),
            quota: json!({"kind": "dns#quota", "managedZones": 10000, "rrsetAdditionsPerChange": 1000,
                          "rrsetDeletionsPerChange": 1000, "resourceRecordsPerRrset": 100,
                          "rrsetsPerManagedZone": 10000, "totalRrdataSizePerChange": 100000}),
            pending_reads: 0,
            rate: (u32::MAX, Duration::from_secs(60)),
            window: (Instant::now(), 0),
            log: Vec::new(),
        }));
        rt.block_on(
            Mock::given(any())
                .respond_with(Fake {
                    state: state.clone(),
                })
                .mount(&server),
        );
        GoogleCloudFake {
            url,
            state,
            _server: server,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A service-account key file for this fake (its `token_uri` here), written to `dir`.
    pub fn service_account_file(&self, dir: &std::path::Path) -> std::path::PathBuf {
        let p = dir.join("service-account.json");
        let j = json!({"type": "service_account", "project_id": PROJECT, "private_key_id": KEY_ID,
                       "private_key": KEY_PEM, "client_email": CLIENT_EMAIL, "client_id": "1",
                       "token_uri": format!("{}/token", self.url)});
        std::fs::write(&p, serde_json::to_string_pretty(&j).unwrap()).unwrap();
        p
    }

    /// GitHub's OIDC request URL as a job sees it.
    pub fn oidc_request_url(&self) -> String {
        format!("{}/_github/oidc?api-version=2.0", self.url)
    }

    /// Remove every managed zone serving `dns_name`.
    pub fn reset_zone(&self, dns_name: &str) {
        let mut st = self.lock();
        st.zones.retain(|z| z.dns_name != dns_name);
    }

    /// The rrsets of the zone serving `dns_name`, as listed.
    pub fn rrsets(&self, dns_name: &str) -> Vec<J> {
        let st = self.lock();
        st.zones
            .iter()
            .find(|z| z.dns_name == dns_name)
            .map(|z| z.rrsets.values().cloned().collect())
            .unwrap_or_default()
    }

    /// The managed zones serving `dns_name`: (name, visibility).
    pub fn managed_zones(&self, dns_name: &str) -> Vec<(String, String)> {
        self.lock()
            .zones
            .iter()
            .filter(|z| z.dns_name == dns_name)
            .map(|z| (z.name.clone(), z.visibility.clone()))
            .collect()
    }

    /// Create a managed zone behind the client's back (the console).
    pub fn create_zone(&self, name: &str, dns_name: &str, visibility: &str) {
        let mut st = self.lock();
        let id = st.new_id();
        let mut z = ManagedZone {
            name: name.into(),
            dns_name: dns_name.into(),
            id,
            visibility: visibility.into(),
            rrsets: BTreeMap::new(),
        };
        let (soa, ns) = soa_ns(&z);
        z.rrsets.insert((z.dns_name.clone(), "SOA".into()), soa);
        z.rrsets.insert((z.dns_name.clone(), "NS".into()), ns);
        st.zones.push(z);
    }

    /// Replace (or add) an rrset behind the client's back.
    pub fn put_rrset(&self, dns_name: &str, rrset: J) {
        let mut st = self.lock();
        let z = st
            .zones
            .iter_mut()
            .find(|z| z.dns_name == dns_name)
            .expect("zone in the fake");
        z.rrsets.insert(rrset_key(&rrset), rrset);
    }

    pub fn requests(&self) -> Vec<String> {
        self.lock().log.clone()
    }

    pub fn set_quota(&self, key: &str, value: u64) {
        self.lock().quota[key] = json!(value);
    }

    /// A new change stays `pending` for this many reads.
    pub fn set_pending_reads(&self, n: u32) {
        self.lock().pending_reads = n;
    }

    pub fn set_rate(&self, n: u32, window: Duration) {
        let mut st = self.lock();
        st.rate = (n, window);
        st.window = (Instant::now(), 0);
    }
}
