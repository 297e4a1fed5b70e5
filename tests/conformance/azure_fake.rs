//! A stateful fake of three HTTP services the `azure` provider talks to, on one wiremock server
//! on 127.0.0.1:
//!
//! - the Azure DNS management API (Azure Resource Manager, `Microsoft.Network/dnszones`,
//!   api-version 2018-05-01): zones and record sets, etags, paging, ARM's errors;
//! - the Microsoft identity platform v2.0 token endpoint (`/{tenant}/oauth2/v2.0/token`,
//!   client-credentials grant with a client secret or a federated client assertion);
//! - the GitHub Actions OIDC token endpoint (the `ACTIONS_ID_TOKEN_REQUEST_URL` of a job).
//!
//! It is written from Azure's published material, not from what any client sends:
//!
//! - the REST API reference "Record Sets - Create Or Update / Update / Delete / Get / List By
//!   Dns Zone / List All By Dns Zone / List By Type" and "Zones - …"
//!   (learn.microsoft.com/rest/api/dns/), i.e. the azure-rest-api-specs swagger
//!   `specification/dns/resource-manager/Microsoft.Network/stable/2018-05-01/dns.json` and its
//!   `examples/` (property names and casing, status codes, `nextLink`, `$top`,
//!   `$recordsetnamesuffix`, If-Match / If-None-Match);
//! - "Overview of DNS zones and records" (learn.microsoft.com/azure/dns/dns-zones-records):
//!   TTL range, wildcards, CNAME rules, the apex NS and SOA rules, TXT lengths, the etag table;
//! - "Azure DNS limits" (the `dns-limits` include of "Azure subscription and service limits"):
//!   20 records per record set, 10,000 record sets per zone;
//! - "Throttling Resource Manager requests" (429 and `Retry-After`);
//! - "Microsoft identity platform and the OAuth 2.0 client credentials flow" and "Microsoft Entra
//!   authentication and authorization error codes" (the token request, the success body, the
//!   error body with `error`, `error_description`, `error_codes`, `trace_id`, …, the AADSTS
//!   codes);
//! - GitHub's "OpenID Connect reference" (the token's `iss`, `aud`, `sub`, default audience).
//!
//! Where the documents give no wording, the error messages are the ones real Azure sends as
//! seen in public bug reports (e.g. "The resource record 'www' does not exist in resource group
//! …", "The CNAME record could not be created because another record with the same name
//! already exists in this zone.", "The condition 'x' in the If-Match header was not satisfied.
//! The current was 'y'.").
//!
//! ## Faithful
//!
//! - Paths: `/subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.Network/dnsZones/{zone}`
//!   (PUT, GET, PATCH, DELETE), `…/dnsZones` and `/subscriptions/{s}/providers/…/dnszones`
//!   (list), `…/{zone}/recordsets`, `…/{zone}/all`, `…/{zone}/{type}` (lists), and
//!   `…/{zone}/{type}/{name}` (PUT, PATCH, GET, DELETE). Fixed segments compare without regard
//!   to case, as in ARM; so do zone names, record names and the record type.
//! - Checks in ARM's order: `api-version` (400 `MissingApiVersionParameter`, 400
//!   `InvalidApiVersionParameter`), then the bearer token (401 `AuthenticationFailed`, 401
//!   `InvalidAuthenticationToken`), then subscription and resource group (404
//!   `SubscriptionNotFound`, 404 `ResourceGroupNotFound`).
//! - Creating a zone creates its apex SOA (TTL 3600, Azure's defaults: refresh 3600, retry 300,
//!   expire 2419200, minimum TTL 300, serial 1, email `azuredns-hostmaster.microsoft.com`,
//!   host the first name server) and apex NS (TTL 172800, the zone's four name servers
//!   `ns1-NN.azure-dns.com.`, `ns2-NN….net.`, `ns3-NN….org.`, `ns4-NN….info.`).
//! - Record sets: `id` (type segment `dnszones`), `name` (relative, `@` at the apex), `type`
//!   (`Microsoft.Network/dnszones/A`), `etag`, `properties` with `metadata` (when set), `TTL`,
//!   `fqdn` (absolute, final dot), `provisioningState: "Succeeded"`, `targetResource: {}` and
//!   the type's records under `ARecords`, `AAAARecords`, `caaRecords`, `CNAMERecord`,
//!   `MXRecords`, `NSRecords`, `PTRRecords`, `SOARecord`, `SRVRecords` or `TXTRecords`.
//! - PUT answers 201 when it created and 200 when it replaced; PATCH merges into an existing
//!   set (404 when there is none); DELETE answers 200, or 204 when there was nothing to delete.
//!   Every change gets a fresh etag. `If-Match: <etag>` must match (412 `PreconditionFailed`
//!   also when the set does not exist), `If-Match: *` requires the set, `If-None-Match: *`
//!   requires its absence; the etag is accepted with or without double quotes.
//! - CNAME record sets cannot share their name with any other record set, in either order:
//!   409 `Conflict` (which also refuses a CNAME at the apex, where SOA and NS always are).
//!   The apex SOA cannot be created or deleted, only changed (its `host` stays Azure's); the
//!   apex NS cannot be deleted and must keep all of Azure's name servers (400); NS and SOA
//!   cannot be wildcards.
//! - TTL between 1 and 2,147,483,647 (the range "Overview of DNS zones and records" gives; 0 is
//!   refused); at most 20 records per record set; TXT strings of at most 255 characters each
//!   (the REST API takes "each TXT string separately") and at most 4096 characters per record
//!   set in all; valid IPv4 / IPv6 addresses; host names in targets; a record set of one type
//!   never carries another type's records.
//! - Lists answer `{"value": […], "nextLink": "<absolute URL of this fake>?…&$skipToken=…"}`,
//!   `nextLink` only when more follows; 100 record sets a page unless `$top` says otherwise
//!   (the swagger's default; `set_page_size` changes it); stable order by name, then type;
//!   the skip token names the last set returned, so pages stay exact while the zone changes.
//! - Token endpoint: form-encoded `grant_type=client_credentials`, `client_id`, `scope`
//!   (`https://management.azure.com/.default`) and `client_secret` (in the form or as HTTP
//!   Basic) or `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`
//!   with `client_assertion` (exactly the JWTs this fake's GitHub endpoint issued, for audience
//!   `api://AzureADTokenExchange`). Success: `token_type`, `expires_in: 3599`,
//!   `ext_expires_in: 3599`, `access_token` (random, opaque). Errors in the identity
//!   platform's shape and codes: AADSTS90002 (unknown tenant, 400), 900144 (missing parameter,
//!   400), 70003 (grant type, 400), 700016 (unknown client, 400 `unauthorized_client`), 1002012
//!   (scope without `/.default`, 400 `invalid_scope`), 500011 (other resource, 400
//!   `invalid_resource`), 7000218 (no credential, 401 `invalid_client`), 7000215 (wrong secret,
//!   401 `invalid_client`), 50027 (malformed JWT, 400), 700027 (JWT this fake did not issue,
//!   401), 700024 (expired, 401), 70021 (no matching federated identity record, 400
//!   `invalid_request`). The secret is never echoed.
//! - GitHub OIDC: `GET …?api-version=2.0&audience=…` with `Authorization: Bearer
//!   {OIDC_REQUEST_TOKEN}` answers `{"value": "<header.payload.signature>"}` whose payload has
//!   `iss: https://token.actions.githubusercontent.com`, `aud` (default: the repository owner's
//!   URL `https://github.com/octo`), `sub: repo:octo/dns:environment:production`, `iat`, `nbf`,
//!   `exp` (5 minutes) and GitHub's usual custom claims.
//!
//! ## Simplified, stricter or guessed
//!
//! - Error bodies are ARM's documented `{"error": {"code", "message"}}`. Real Azure DNS sends
//!   its own errors (record not found, conflicts, validation, preconditions) as a bare
//!   `{"code", "message"}` without the `error` wrapper, as public bug reports show;
//!   `set_flat_provider_errors(true)` makes the fake do that, so a client can be tested with
//!   both shapes. ARM's own errors (api-version, authentication, subscription, resource group,
//!   throttling, zones not found) are always wrapped.
//! - An api-version other than 2018-05-01 is refused with `InvalidApiVersionParameter` (the
//!   code ARM uses for its own endpoints; for a provider's resource types real ARM says
//!   `NoRegisteredProviderFound`, and would accept the DNS provider's other versions).
//! - Property names must be spelled as documented (`TTL`, `ARecords`, `caaRecords`, …): a
//!   name that differs only in case is refused with 400, although Azure's deserializer would
//!   take it. Unknown properties are ignored, as Azure does.
//! - `TTL` is required on PUT (400 without it; Azure's clients always send it, and a missing
//!   TTL is almost certainly a client bug). A record set may be empty: the type's record
//!   property may be absent or `[]`, as `az network dns record-set a create` makes them.
//! - Messages for the rules the documents state but do not word (bad TTL, bad address, TXT
//!   length, too many records, apex NS/SOA, wildcard NS, unsupported type) are this fake's own
//!   words under ARM's generic code `BadRequest`. Duplicate records in one set are accepted.
//! - Writes are synchronous: a zone DELETE answers 200 at once (Azure may answer 202 and finish
//!   asynchronously). Zone PUT needs `location: "global"` (400 `LocationRequired` /
//!   `LocationNotAvailableForResourceType` otherwise) and keeps the record sets.
//! - PUT and PATCH need `Content-Type: application/json` (415 `UnsupportedMediaType`, as ARM).
//! - Alias record sets (`targetResource` with an id) are refused with 400: there are no other
//!   Azure resources here. Private zones, `$filter`, the 10,000 record sets per zone limit and
//!   ARM's `x-ms-ratelimit-*` headers are not modelled.
//! - Access tokens never expire (Azure's last 3599 s, longer than any test). The GitHub JWTs
//!   are "signed" with a hash and a key of this fake's own, not RS256.
//! - With `$recordsetnamesuffix=x`, the lists return the sets named `x` or ending in `.x`.
//! - Guessed codes where nothing public shows Azure's: a record-set request in a missing zone
//!   answers 404 `ParentResourceNotFound` (ARM's code for nested resources); an unknown path
//!   404 `NotFound`, a method a path does not take 405 `MethodNotAllowed`; a bad `$top` or
//!   `$skipToken` 400 `BadRequest`; a token request with both a secret and an assertion
//!   AADSTS90023 and a wrong `client_assertion_type` AADSTS90100 (400 `invalid_request`). A
//!   PUT or PATCH of the SOA may carry any subset of its fields; `host` is kept silently.
//!   Record set names keep the case they were created with.
//! - Zone names in paths must come without the final dot ("without a terminating dot", the
//!   swagger says): `example.com.` is refused with 400.
//! - Fault injection: `throttle` answers before anything else is checked (only the log
//!   sees the request); `fail_writes` answers once the request is authenticated and routed to
//!   a record set, before any validation, and changes nothing.

use std::collections::{BTreeMap, HashSet};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::fake_http::{header, pct_decode};
use data_encoding::{BASE64, BASE64URL_NOPAD, HEXLOWER};
use serde_json::{Map, Value as J, json};
use sha2::{Digest, Sha256};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The one subscription the fake knows.
pub const SUBSCRIPTION: &str = "6c1f9e2a-4b7d-4d3e-9a58-0e2b7c4d1f93";
/// The one resource group the fake knows.
pub const RESOURCE_GROUP: &str = "dns-rg";
/// The one Microsoft Entra tenant the token endpoint knows.
pub const TENANT: &str = "0d7a4c2e-91b3-4f6a-8e25-3c9b1d7e5a40";
/// The one application (client) id the token endpoint knows.
pub const CLIENT_ID: &str = "a3e5c7f9-2b4d-4e6f-8a1c-3d5f7b9e1c2a";
/// Its client secret, in the alphabet of Entra secrets (`~`, `.`, `_`, `-` need no escaping in
/// a form, but a client that does not encode at all is still caught by other tests).
pub const CLIENT_SECRET: &str = "Qz8~dnsplan.Fake-Secret_7fK2mN4pR6tV8xZ0bD3gJ5";
/// The ACTIONS_ID_TOKEN_REQUEST_TOKEN the fake's GitHub OIDC endpoint accepts.
pub const OIDC_REQUEST_TOKEN: &str =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.ZmFrZS1hY3Rpb25zLXJ1bnRpbWUtdG9rZW4.dnsplan-fake";

const API_VERSION: &str = "2018-05-01";
/// The scopes that name Azure Resource Manager (both of its application id URIs, with one or
/// two slashes before `.default`).
const ARM_SCOPES: [&str; 4] = [
    "https://management.azure.com/.default",
    "https://management.azure.com//.default",
    "https://management.core.windows.net/.default",
    "https://management.core.windows.net//.default",
];
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const EXCHANGE_AUDIENCE: &str = "api://AzureADTokenExchange";
const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
const GITHUB_SUBJECT: &str = "repo:octo/dns:environment:production";
const GITHUB_DEFAULT_AUDIENCE: &str = "https://github.com/octo";
const MAX_RECORDS: usize = 20;
const MAX_RECORD_SETS: usize = 10_000;
const MAX_TXT_STRING: usize = 255;
const MAX_TXT_TOTAL: usize = 4096;
const MAX_TTL: i64 = 2_147_483_647;

/// The record types of api-version 2018-05-01: (type in the path, property holding its
/// records, whether that property is an array).
const TYPES: [(&str, &str, bool); 10] = [
    ("A", "ARecords", true),
    ("AAAA", "AAAARecords", true),
    ("CAA", "caaRecords", true),
    ("CNAME", "CNAMERecord", false),
    ("MX", "MXRecords", true),
    ("NS", "NSRecords", true),
    ("PTR", "PTRRecords", true),
    ("SOA", "SOARecord", false),
    ("SRV", "SRVRecords", true),
    ("TXT", "TXTRecords", true),
];

/// The properties of a record set besides the records.
const OTHER_PROPERTIES: [&str; 6] = [
    "TTL",
    "metadata",
    "fqdn",
    "provisioningState",
    "targetResource",
    "targetResourceId",
];

fn canonical_type(t: &str) -> Option<&'static str> {
    TYPES
        .iter()
        .find(|(n, _, _)| n.eq_ignore_ascii_case(t))
        .map(|(n, _, _)| *n)
}

fn records_key(t: &str) -> &'static str {
    TYPES
        .iter()
        .find(|(n, _, _)| *n == t)
        .map(|(_, k, _)| *k)
        .expect("a canonical record type")
}

fn is_array_type(t: &str) -> bool {
    TYPES.iter().any(|(n, _, a)| *n == t && *a)
}

// ---------------------------------------------------------------------------------------------
// State.

struct RecordSet {
    /// Relative name as first written (`@` at the apex).
    name: String,
    rtype: &'static str,
    ttl: i64,
    metadata: Option<Map<String, J>>,
    /// The type's records, normalized (an array, or the CNAME / SOA object); None when empty.
    records: Option<J>,
    etag: String,
}

struct Zone {
    name: String,
    etag: String,
    tags: Option<J>,
    name_servers: Vec<String>,
    /// Keyed by (lower-case relative name, type): the order of every list.
    sets: BTreeMap<(String, &'static str), RecordSet>,
}

struct Throttle {
    zone: String,
    left: usize,
    retry_after: u64,
}

struct WriteFault {
    zone: String,
    name: String,
    status: u16,
    code: String,
}

struct State {
    /// `http://127.0.0.1:PORT`, for `nextLink` (wiremock's request URL has no port).
    base: String,
    seed: u64,
    counter: u64,
    zones: BTreeMap<String, Zone>,
    access_tokens: HashSet<String>,
    oidc_tokens: HashSet<String>,
    signing_key: String,
    by_secret: usize,
    by_assertion: usize,
    throttles: Vec<Throttle>,
    faults: Vec<WriteFault>,
    /// (lower-case path, "METHOD path?query if-match=…") of every management request.
    log: Vec<(String, String)>,
    page_size: usize,
    flat_errors: bool,
}

impl State {
    fn new(base: String) -> State {
        static STARTS: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let seed =
            nanos ^ (u64::from(std::process::id()) << 32) ^ STARTS.fetch_add(1, Ordering::Relaxed);
        let mut st = State {
            base,
            seed,
            counter: 0,
            zones: BTreeMap::new(),
            access_tokens: HashSet::new(),
            oidc_tokens: HashSet::new(),
            signing_key: String::new(),
            by_secret: 0,
            by_assertion: 0,
            throttles: Vec::new(),
            faults: Vec::new(),
            log: Vec::new(),
            page_size: 100,
            flat_errors: false,
        };
        st.signing_key = HEXLOWER.encode(&st.fresh());
        st
    }

    /// 32 unpredictable bytes.
    fn fresh(&mut self) -> [u8; 32] {
        self.counter += 1;
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let mut h = Sha256::new();
        h.update(self.seed.to_le_bytes());
        h.update(self.counter.to_le_bytes());
        h.update(nanos.to_le_bytes());
        h.finalize().into()
    }

    /// A random version-4 GUID, the form of Azure's etags and ids.
    fn guid(&mut self) -> String {
        let h = HEXLOWER.encode(&self.fresh());
        let variant = ['8', '9', 'a', 'b'][usize::from(h.as_bytes()[16]) % 4];
        format!(
            "{}-{}-4{}-{}{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            variant,
            &h[17..20],
            &h[20..32]
        )
    }

    fn new_zone(&mut self, name: &str) -> Zone {
        let name_servers = azure_name_servers(name);
        let mut zone = Zone {
            name: name.to_string(),
            etag: self.guid(),
            tags: None,
            name_servers: name_servers.clone(),
            sets: BTreeMap::new(),
        };
        let soa = json!({
            "host": name_servers[0],
            "email": "azuredns-hostmaster.microsoft.com",
            "serialNumber": 1,
            "refreshTime": 3600,
            "retryTime": 300,
            "expireTime": 2419200,
            "minimumTTL": 300,
        });
        let ns: Vec<J> = name_servers.iter().map(|n| json!({"nsdname": n})).collect();
        for (rtype, ttl, records) in [("SOA", 3600, soa), ("NS", 172800, J::Array(ns))] {
            let set = RecordSet {
                name: "@".into(),
                rtype,
                ttl,
                metadata: None,
                records: Some(records),
                etag: self.guid(),
            };
            zone.sets.insert(("@".into(), rtype), set);
        }
        zone
    }
}

/// The four Azure DNS name servers of a zone: one of Azure's pools, chosen by the zone name.
fn azure_name_servers(zone: &str) -> Vec<String> {
    let h = Sha256::digest(zone_key(zone).as_bytes());
    let pool = h[0] % 9 + 1;
    ["com", "net", "org", "info"]
        .iter()
        .enumerate()
        .map(|(i, tld)| format!("ns{}-{pool:02}.azure-dns.{tld}.", i + 1))
        .collect()
}

/// A zone name as the fake keys it: without the final dot, lower case.
fn zone_key(zone: &str) -> String {
    zone.trim_end_matches('.').to_ascii_lowercase()
}

fn rg_id() -> String {
    format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}")
}

fn fqdn(zone: &Zone, name: &str) -> String {
    if name == "@" {
        format!("{}.", zone.name)
    } else {
        format!("{name}.{}.", zone.name)
    }
}

fn zone_json(z: &Zone) -> J {
    json!({
        "id": format!("{}/providers/Microsoft.Network/dnszones/{}", rg_id(), z.name),
        "name": z.name,
        "type": "Microsoft.Network/dnszones",
        "etag": z.etag,
        "location": "global",
        "tags": z.tags.clone().unwrap_or_else(|| json!({})),
        "properties": {
            "maxNumberOfRecordSets": MAX_RECORD_SETS,
            "maxNumberOfRecordsPerRecordSet": null,
            "numberOfRecordSets": z.sets.len(),
            "nameServers": z.name_servers,
            "zoneType": "Public",
        },
    })
}

fn set_json(zone: &Zone, s: &RecordSet) -> J {
    let mut props = Map::new();
    if let Some(m) = &s.metadata {
        props.insert("metadata".into(), J::Object(m.clone()));
    }
    props.insert("TTL".into(), json!(s.ttl));
    props.insert("fqdn".into(), json!(fqdn(zone, &s.name)));
    props.insert("provisioningState".into(), json!("Succeeded"));
    props.insert("targetResource".into(), json!({}));
    let key = records_key(s.rtype);
    match &s.records {
        Some(r) => {
            props.insert(key.into(), r.clone());
        }
        None if is_array_type(s.rtype) => {
            props.insert(key.into(), json!([]));
        }
        None => {}
    }
    json!({
        "id": format!(
            "{}/providers/Microsoft.Network/dnszones/{}/{}/{}",
            rg_id(),
            zone.name,
            s.rtype,
            s.name
        ),
        "name": s.name,
        "type": format!("Microsoft.Network/dnszones/{}", s.rtype),
        "etag": s.etag,
        "properties": J::Object(props),
    })
}

/// The sort key of a record set in lists: (name, type) as one string.
fn set_sort_key(s: &RecordSet) -> String {
    format!("{}\u{0}{}", s.name.to_ascii_lowercase(), s.rtype)
}

// ---------------------------------------------------------------------------------------------
// Errors.

/// A failed management request.
struct Fail {
    status: u16,
    code: String,
    message: String,
    /// An error of the DNS resource provider itself (sent bare in `flat_errors` mode), not of
    /// ARM's front door.
    provider: bool,
    /// Extra response headers (`Retry-After`, `WWW-Authenticate`).
    headers: Vec<(&'static str, String)>,
}

type Res = Result<ResponseTemplate, Fail>;

/// An error of ARM's front door: always `{"error": {…}}`.
fn arm(status: u16, code: &str, message: impl Into<String>) -> Fail {
    Fail {
        status,
        code: code.into(),
        message: message.into(),
        provider: false,
        headers: Vec::new(),
    }
}

/// An error of the DNS resource provider.
fn rp(status: u16, code: &str, message: impl Into<String>) -> Fail {
    Fail {
        provider: true,
        ..arm(status, code, message)
    }
}

/// 400 BadRequest from the DNS resource provider.
fn bad(message: impl Into<String>) -> Fail {
    rp(400, "BadRequest", message)
}

impl Fail {
    fn response(self, flat: bool) -> ResponseTemplate {
        let inner = json!({"code": self.code, "message": self.message});
        let body = if flat && self.provider {
            inner
        } else {
            json!({ "error": inner })
        };
        let mut t = ResponseTemplate::new(self.status).set_body_json(body);
        for (k, v) in &self.headers {
            t = t.insert_header(*k, v.as_str());
        }
        t
    }
}

// ---------------------------------------------------------------------------------------------
// Small helpers: headers, query, percent-encoding, forms, time.

/// A query parameter; ARM takes parameter names without regard to case.
fn query(req: &Request, key: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.into_owned())
}

/// Percent-encode everything but RFC 3986's unreserved characters.
fn pct_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The pairs of an `application/x-www-form-urlencoded` text (with `+` for space), parsed by
/// the URL parser wiremock already uses for query strings.
fn form_pairs(req: &Request, text: &str) -> Vec<(String, String)> {
    let mut u = req.url.clone();
    u.set_query(Some(text));
    u.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `YYYY-MM-DD HH:MM:SSZ`, the identity platform's timestamp format.
fn utc(secs: u64) -> String {
    let days = (secs / 86400) as i64;
    let rem = secs % 86400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

fn unquote(etag: &str) -> &str {
    let e = etag.trim();
    let e = e.strip_prefix("W/").unwrap_or(e);
    e.strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(e)
}

// ---------------------------------------------------------------------------------------------
// Names.

fn valid_label(l: &str) -> bool {
    !l.is_empty()
        && l.len() <= 63
        && l.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A host name as a record's target: labels of letters, digits, `-`, `_`, an optional final
/// dot, at most 253 characters.
fn valid_host(s: &str) -> bool {
    let t = s.strip_suffix('.').unwrap_or(s);
    !t.is_empty() && t.len() <= 253 && t.split('.').all(valid_label)
}

fn check_host(s: &str) -> Result<(), Fail> {
    if valid_host(s) {
        Ok(())
    } else {
        Err(bad(format!("The domain name '{s}' is invalid.")))
    }
}

/// A zone name in a path: no final dot, at least two labels.
fn check_zone_name(z: &str) -> Result<(), Fail> {
    if !z.ends_with('.') && valid_host(z) && z.contains('.') {
        Ok(())
    } else {
        Err(bad(format!(
            "The zone name '{z}' is invalid. Zone names have at least two labels and are given \
             without a terminating dot."
        )))
    }
}

/// A relative record set name: `@`, or labels where only the first may be `*`.
fn check_record_name(name: &str, zone: &str) -> Result<(), Fail> {
    let ok = name == "@"
        || (name.len() + 1 + zone.len() <= 253
            && name
                .split('.')
                .enumerate()
                .all(|(i, l)| (i == 0 && l == "*") || valid_label(l)));
    if ok {
        Ok(())
    } else {
        Err(bad(format!("The record set name '{name}' is invalid.")))
    }
}

fn norm_host(s: &str) -> String {
    s.trim_end_matches('.').to_ascii_lowercase()
}

// ---------------------------------------------------------------------------------------------
// Record set properties.

/// The properties of a PUT or PATCH body, validated.
struct Props {
    ttl: Option<i64>,
    metadata: Option<Map<String, J>>,
    /// The type's records, normalized; for SOA only the fields given.
    records: Option<J>,
}

fn parse_props(rtype: &'static str, props: &Map<String, J>) -> Result<Props, Fail> {
    let own = records_key(rtype);
    for (k, v) in props {
        let known = OTHER_PROPERTIES
            .iter()
            .copied()
            .chain(TYPES.iter().map(|t| t.1))
            .find(|n| n.eq_ignore_ascii_case(k));
        match known {
            Some(n) if n != k => {
                return Err(bad(format!(
                    "The property '{k}' is not spelled as Azure DNS documents it: '{n}'. (Azure's \
                     deserializer ignores case; this fake insists on the documented spelling.)"
                )));
            }
            Some(n) if n != own && TYPES.iter().any(|t| t.1 == n) && !v.is_null() => {
                return Err(bad(format!(
                    "A record set of type '{rtype}' cannot contain '{n}'; its records go in \
                     '{own}'."
                )));
            }
            _ => {}
        }
    }
    let ttl = match props.get("TTL") {
        None | Some(J::Null) => None,
        Some(v) => match v.as_i64() {
            Some(t) if (1..=MAX_TTL).contains(&t) => Some(t),
            _ => {
                return Err(bad(format!(
                    "The TTL value '{v}' is invalid: it must be an integer between 1 and \
                     {MAX_TTL}."
                )));
            }
        },
    };
    let metadata = match props.get("metadata") {
        None | Some(J::Null) => None,
        Some(J::Object(m)) => {
            if let Some((k, _)) = m.iter().find(|(_, v)| !v.is_string()) {
                return Err(bad(format!(
                    "The metadata value of '{k}' is invalid: metadata values are strings."
                )));
            }
            Some(m.clone())
        }
        Some(_) => return Err(bad("The metadata must be an object of strings.")),
    };
    for key in ["targetResource", "targetResourceId"] {
        let id = match props.get(key) {
            Some(J::Object(o)) => o.get("id").cloned().unwrap_or(J::Null),
            Some(v) => v.clone(),
            None => J::Null,
        };
        if !id.is_null() && id != "" {
            return Err(bad(
                "Alias record sets (properties.targetResource) are not supported by this fake.",
            ));
        }
    }
    let records = match props.get(own) {
        None | Some(J::Null) => None,
        Some(v) => Some(normalize(rtype, own, v)?),
    };
    Ok(Props {
        ttl,
        metadata,
        records,
    })
}

fn field<'a>(o: &'a Map<String, J>, name: &str, what: &str) -> Result<&'a J, Fail> {
    match o.get(name) {
        Some(v) if !v.is_null() => Ok(v),
        _ => Err(bad(format!("The {what} record is missing its '{name}'."))),
    }
}

fn str_field<'a>(o: &'a Map<String, J>, name: &str, what: &str) -> Result<&'a str, Fail> {
    field(o, name, what)?.as_str().ok_or_else(|| {
        bad(format!(
            "The '{name}' of the {what} record must be a string."
        ))
    })
}

fn int_field(o: &Map<String, J>, name: &str, what: &str, max: i64) -> Result<i64, Fail> {
    let v = field(o, name, what)?;
    match v.as_i64() {
        Some(n) if (0..=max).contains(&n) => Ok(n),
        _ => Err(bad(format!(
            "The '{name}' of the {what} record is invalid: '{v}' is not an integer between 0 and \
             {max}."
        ))),
    }
}

fn host_field(o: &Map<String, J>, name: &str, what: &str, root_ok: bool) -> Result<J, Fail> {
    let h = str_field(o, name, what)?;
    if !(root_ok && h == ".") {
        check_host(h)?;
    }
    Ok(json!(h))
}

/// Validate and normalize the records of a type (`v` is the value of its property `key`).
fn normalize(rtype: &str, key: &str, v: &J) -> Result<J, Fail> {
    fn object<'a>(v: &'a J, key: &str) -> Result<&'a Map<String, J>, Fail> {
        v.as_object()
            .ok_or_else(|| bad(format!("Each entry of '{key}' must be an object.")))
    }
    match rtype {
        "CNAME" => {
            let o = object(v, key)?;
            let c = host_field(o, "cname", "CNAME", false)?;
            Ok(json!({ "cname": c }))
        }
        "SOA" => {
            let o = object(v, key)?;
            let mut out = Map::new();
            for f in ["host", "email"] {
                if o.get(f).is_some_and(|x| !x.is_null()) {
                    out.insert(f.into(), host_field(o, f, "SOA", false)?);
                }
            }
            for f in [
                "serialNumber",
                "refreshTime",
                "retryTime",
                "expireTime",
                "minimumTTL",
            ] {
                if o.get(f).is_some_and(|x| !x.is_null()) {
                    out.insert(f.into(), json!(int_field(o, f, "SOA", u32::MAX.into())?));
                }
            }
            Ok(J::Object(out))
        }
        _ => {
            let arr = v
                .as_array()
                .ok_or_else(|| bad(format!("'{key}' must be an array.")))?;
            if arr.len() > MAX_RECORDS {
                return Err(bad(format!(
                    "The record set has {} records; Azure DNS allows at most {MAX_RECORDS} \
                     records per record set.",
                    arr.len()
                )));
            }
            let mut out = Vec::with_capacity(arr.len());
            let mut txt_total = 0;
            for r in arr {
                let o = object(r, key)?;
                let n = match rtype {
                    "A" => {
                        let a = str_field(o, "ipv4Address", "A")?;
                        if a.parse::<Ipv4Addr>().is_err() {
                            return Err(bad(format!("The IPv4 address '{a}' is invalid.")));
                        }
                        json!({ "ipv4Address": a })
                    }
                    "AAAA" => {
                        let a = str_field(o, "ipv6Address", "AAAA")?;
                        if a.parse::<Ipv6Addr>().is_err() {
                            return Err(bad(format!("The IPv6 address '{a}' is invalid.")));
                        }
                        json!({ "ipv6Address": a })
                    }
                    "CAA" => {
                        let flags = int_field(o, "flags", "CAA", 255)?;
                        let tag = str_field(o, "tag", "CAA")?;
                        if tag.is_empty()
                            || tag.len() > 15
                            || !tag.bytes().all(|b| b.is_ascii_alphanumeric())
                        {
                            return Err(bad(format!("The CAA tag '{tag}' is invalid.")));
                        }
                        let value = str_field(o, "value", "CAA")?;
                        json!({"flags": flags, "tag": tag, "value": value})
                    }
                    "MX" => json!({
                        "preference": int_field(o, "preference", "MX", 65535)?,
                        "exchange": host_field(o, "exchange", "MX", true)?,
                    }),
                    "NS" => json!({ "nsdname": host_field(o, "nsdname", "NS", false)? }),
                    "PTR" => json!({ "ptrdname": host_field(o, "ptrdname", "PTR", false)? }),
                    "SRV" => json!({
                        "priority": int_field(o, "priority", "SRV", 65535)?,
                        "weight": int_field(o, "weight", "SRV", 65535)?,
                        "port": int_field(o, "port", "SRV", 65535)?,
                        "target": host_field(o, "target", "SRV", true)?,
                    }),
                    "TXT" => {
                        let strings = field(o, "value", "TXT")?.as_array().ok_or_else(|| {
                            bad("The 'value' of a TXT record must be an array of strings.")
                        })?;
                        if strings.is_empty() {
                            return Err(bad("A TXT record must have at least one string."));
                        }
                        for s in strings {
                            let s = s.as_str().ok_or_else(|| {
                                bad("The 'value' of a TXT record must be an array of strings.")
                            })?;
                            let len = s.chars().count();
                            if len > MAX_TXT_STRING {
                                return Err(bad(format!(
                                    "A TXT string of {len} characters is too long: each string \
                                     of a TXT record holds at most {MAX_TXT_STRING} characters; \
                                     split longer text into several strings."
                                )));
                            }
                            txt_total += len;
                        }
                        json!({ "value": strings })
                    }
                    _ => unreachable!("array types are listed above"),
                };
                out.push(n);
            }
            if txt_total > MAX_TXT_TOTAL {
                return Err(bad(format!(
                    "The TXT record set holds {txt_total} characters; Azure DNS allows at most \
                     {MAX_TXT_TOTAL} characters in all the strings of a TXT record set."
                )));
            }
            Ok(J::Array(out))
        }
    }
}

/// If-Match / If-None-Match against the current etag (None: the resource does not exist).
fn precondition(
    current: Option<&str>,
    if_match: Option<&str>,
    if_none_match: Option<&str>,
) -> Result<(), Fail> {
    if let Some(m) = if_match {
        let m = unquote(m);
        match current {
            None => {
                return Err(rp(
                    412,
                    "PreconditionFailed",
                    format!("The condition '{m}' in the If-Match header was not satisfied."),
                ));
            }
            Some(c) if m != "*" && m != c => {
                return Err(rp(
                    412,
                    "PreconditionFailed",
                    format!(
                        "The condition '{m}' in the If-Match header was not satisfied. The \
                         current was '{c}'."
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    if let Some(n) = if_none_match
        && unquote(n) == "*"
        && current.is_some()
    {
        return Err(rp(
            412,
            "PreconditionFailed",
            "The condition '*' in the If-None-Match header was satisfied: the resource already \
             exists.",
        ));
    }
    Ok(())
}

fn check_apex_ns(zone: &Zone, records: &Option<J>) -> Result<(), Fail> {
    let have: Vec<String> = records
        .as_ref()
        .and_then(J::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|r| r["nsdname"].as_str())
                .map(norm_host)
                .collect()
        })
        .unwrap_or_default();
    let missing: Vec<&str> = zone
        .name_servers
        .iter()
        .filter(|n| !have.contains(&norm_host(n)))
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(bad(format!(
            "The NS record set at the zone apex must keep the Azure DNS name servers assigned to \
             the zone ({}); missing: {}. Name servers can be added, not removed.",
            zone.name_servers.join(", "),
            missing.join(", ")
        )))
    }
}

/// Write a record set (PUT, or PATCH when `patch`): every rule but the body's syntax.
/// Answers (status, the record set).
#[allow(clippy::too_many_arguments)]
fn write_set(
    st: &mut State,
    zkey: &str,
    rtype: &'static str,
    name: &str,
    props: &Map<String, J>,
    if_match: Option<&str>,
    if_none_match: Option<&str>,
    patch: bool,
) -> Result<(u16, J), Fail> {
    let p = parse_props(rtype, props)?;
    if !patch && p.ttl.is_none() {
        return Err(bad("The record set's TTL is required."));
    }
    if (rtype == "NS" || rtype == "SOA") && name.starts_with('*') {
        return Err(bad(format!(
            "Wildcard record sets are not supported for type '{rtype}'."
        )));
    }
    let etag = st.guid();
    let zone = st.zones.get_mut(zkey).expect("zone checked by the caller");
    let key = (name.to_ascii_lowercase(), rtype);
    let existing = zone.sets.get(&key);
    if patch && existing.is_none() && if_match.is_none() {
        return Err(rp(
            404,
            "NotFound",
            format!(
                "The resource record '{name}' does not exist in resource group \
                 '{RESOURCE_GROUP}' of subscription '{SUBSCRIPTION}'."
            ),
        ));
    }
    precondition(
        existing.map(|s| s.etag.as_str()),
        if_match,
        if patch { None } else { if_none_match },
    )?;
    if rtype == "SOA" && (name != "@" || existing.is_none()) {
        return Err(bad(
            "Record sets of type 'SOA' can be updated but not created: the zone's only SOA \
             record set is at the apex ('@').",
        ));
    }
    let ttl = p.ttl.or(existing.map(|s| s.ttl)).unwrap_or(3600);
    let metadata = if patch {
        p.metadata
            .or_else(|| existing.and_then(|s| s.metadata.clone()))
    } else {
        p.metadata
    };
    let records = if rtype == "SOA" {
        // Every SOA field may change but the host, which stays Azure's.
        let mut soa = existing
            .and_then(|s| s.records.clone())
            .and_then(|r| r.as_object().cloned())
            .unwrap_or_default();
        let host = soa.get("host").cloned();
        if let Some(J::Object(given)) = p.records {
            soa.extend(given);
        }
        if let Some(h) = host {
            soa.insert("host".into(), h);
        }
        Some(J::Object(soa))
    } else if patch {
        p.records
            .or_else(|| existing.and_then(|s| s.records.clone()))
    } else {
        p.records
    };
    if rtype == "NS" && name == "@" {
        check_apex_ns(zone, &records)?;
    }
    let others = zone
        .sets
        .keys()
        .filter(|(n, t)| *n == key.0 && *t != rtype)
        .map(|(_, t)| *t)
        .collect::<Vec<_>>();
    if rtype == "CNAME" && !others.is_empty() {
        return Err(rp(
            409,
            "Conflict",
            "The CNAME record could not be created because another record with the same name \
             already exists in this zone.",
        ));
    }
    if rtype != "CNAME" && others.contains(&"CNAME") {
        return Err(rp(
            409,
            "Conflict",
            "The record could not be created because a CNAME record with the same name already \
             exists in this zone.",
        ));
    }
    let created = existing.is_none();
    let stored_name = existing.map_or_else(|| name.to_string(), |s| s.name.clone());
    let set = RecordSet {
        name: stored_name,
        rtype,
        ttl,
        metadata,
        records,
        etag,
    };
    let body = set_json(zone, &set);
    zone.sets.insert(key, set);
    Ok((if created { 201 } else { 200 }, body))
}

/// Delete a record set: 200 when deleted, 204 when there was none.
fn delete_set(
    st: &mut State,
    zkey: &str,
    rtype: &'static str,
    name: &str,
    if_match: Option<&str>,
) -> Result<u16, Fail> {
    if rtype == "SOA" {
        return Err(bad(
            "Record sets of type 'SOA' cannot be deleted: the apex SOA is deleted with the zone.",
        ));
    }
    if rtype == "NS" && name == "@" {
        return Err(bad(
            "The NS record set at the zone apex cannot be deleted: it is deleted with the zone.",
        ));
    }
    let zone = st.zones.get_mut(zkey).expect("zone checked by the caller");
    let key = (name.to_ascii_lowercase(), rtype);
    precondition(zone.sets.get(&key).map(|s| s.etag.as_str()), if_match, None)?;
    Ok(if zone.sets.remove(&key).is_some() {
        200
    } else {
        204
    })
}

// ---------------------------------------------------------------------------------------------
// The management API.

fn not_implemented(req: &Request) -> Fail {
    arm(
        404,
        "NotFound",
        format!(
            "The fake Azure DNS API does not serve '{} {}'.",
            req.method,
            req.url.path()
        ),
    )
}

fn method_not_allowed(req: &Request) -> Fail {
    arm(
        405,
        "MethodNotAllowed",
        format!(
            "The HTTP method '{}' is not supported at '{}'.",
            req.method,
            req.url.path()
        ),
    )
}

/// The JSON object of a PUT / PATCH body.
fn json_body(req: &Request) -> Result<Map<String, J>, Fail> {
    let ct = header(req, "content-type").unwrap_or_default();
    if !ct.to_ascii_lowercase().starts_with("application/json") {
        return Err(arm(
            415,
            "UnsupportedMediaType",
            format!(
                "The content media type '{ct}' is not supported. Only 'application/json' is \
                 supported."
            ),
        ));
    }
    match serde_json::from_slice::<J>(&req.body) {
        Ok(J::Object(o)) => Ok(o),
        Ok(_) => Err(arm(
            400,
            "InvalidRequestContent",
            "The request content was invalid and could not be deserialized: the body is not a \
             JSON object.",
        )),
        Err(e) => Err(arm(
            400,
            "InvalidRequestContent",
            format!("The request content was invalid and could not be deserialized: '{e}'."),
        )),
    }
}

fn authenticate(st: &State, req: &Request) -> Result<(), Fail> {
    // ARM answers 401 with a bearer challenge naming the authority; here, this fake's own.
    let unauthorized = |code: &str, message: &str, why: &str| {
        let mut f = arm(401, code, message);
        f.headers.push((
            "WWW-Authenticate",
            format!(
                "Bearer authorization_uri=\"{}/{TENANT}\", error=\"invalid_token\", \
                 error_description=\"{why}\"",
                st.base
            ),
        ));
        f
    };
    let Some(h) = header(req, "authorization") else {
        return Err(unauthorized(
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
            "The authentication failed because of missing 'Authorization' header.",
        ));
    };
    let token = match h.trim().split_once(' ') {
        Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") && !t.trim().is_empty() => {
            t.trim().to_string()
        }
        _ => {
            return Err(unauthorized(
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is provided in an invalid \
                 format.",
                "The authentication failed because of an invalid 'Authorization' header.",
            ));
        }
    };
    if st.access_tokens.contains(&token) {
        Ok(())
    } else {
        Err(unauthorized(
            "InvalidAuthenticationToken",
            "The access token is invalid.",
            "The access token is invalid.",
        ))
    }
}

fn management(st: &mut State, req: &Request) -> ResponseTemplate {
    let mut line = format!("{} {}", req.method, req.url.path());
    if let Some(q) = req.url.query() {
        line.push('?');
        line.push_str(q);
    }
    for h in ["if-match", "if-none-match"] {
        if let Some(v) = header(req, h) {
            line.push_str(&format!(" {h}={v}"));
        }
    }
    st.log.push((req.url.path().to_ascii_lowercase(), line));
    let flat = st.flat_errors;
    management_inner(st, req).unwrap_or_else(|f| f.response(flat))
}

fn management_inner(st: &mut State, req: &Request) -> Res {
    let path_lc = req.url.path().to_ascii_lowercase();
    if let Some(i) = st
        .throttles
        .iter()
        .position(|t| t.left > 0 && path_lc.contains(&t.zone))
    {
        let t = &mut st.throttles[i];
        t.left -= 1;
        let retry = t.retry_after;
        if t.left == 0 {
            st.throttles.remove(i);
        }
        let kind = if req.method == "GET" { "Read" } else { "Write" };
        let mut f = arm(
            429,
            "TooManyRequests",
            format!(
                "The request is being throttled as the limit has been reached for operation type \
                 - {kind}_ObservationWindow_00:01:00. Please try again after '{retry}' seconds. \
                 For more information, see - https://aka.ms/srpthrottlinglimits"
            ),
        );
        f.headers.push(("Retry-After", retry.to_string()));
        return Err(f);
    }
    match query(req, "api-version") {
        None => {
            return Err(arm(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            ));
        }
        Some(v) if v != API_VERSION => {
            return Err(arm(
                400,
                "InvalidApiVersionParameter",
                format!(
                    "The api-version '{v}' is invalid. The supported versions are \
                     '{API_VERSION}'."
                ),
            ));
        }
        Some(_) => {}
    }
    authenticate(st, req)?;

    let mut segs: Vec<String> = req.url.path().split('/').skip(1).map(pct_decode).collect();
    if segs.last().is_some_and(String::is_empty) {
        segs.pop();
    }
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let ci = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    if s.len() < 2 {
        return Err(not_implemented(req));
    }
    if !ci(s[1], SUBSCRIPTION) {
        return Err(arm(
            404,
            "SubscriptionNotFound",
            format!("The subscription '{}' could not be found.", s[1]),
        ));
    }
    let rest = &s[2..];
    let is_dns = |r: &[&str]| {
        r.len() >= 3
            && ci(r[0], "providers")
            && ci(r[1], "Microsoft.Network")
            && ci(r[2], "dnszones")
    };
    if rest.len() == 3 && is_dns(rest) {
        return list_zones(st, req);
    }
    if rest.len() < 2 || !ci(rest[0], "resourceGroups") {
        return Err(not_implemented(req));
    }
    if !ci(rest[1], RESOURCE_GROUP) {
        return Err(arm(
            404,
            "ResourceGroupNotFound",
            format!("Resource group '{}' could not be found.", rest[1]),
        ));
    }
    let r = &rest[2..];
    if !is_dns(r) {
        return Err(not_implemented(req));
    }
    match &r[3..] {
        [] => list_zones(st, req),
        [zone] => zone_op(st, req, zone),
        [zone, what] if ci(what, "recordsets") || ci(what, "all") => list_sets(st, req, zone, None),
        [zone, t] => {
            let rtype = type_of(t)?;
            list_sets(st, req, zone, Some(rtype))
        }
        [zone, t, name] => set_op(st, req, zone, t, name),
        _ => Err(not_implemented(req)),
    }
}

fn type_of(t: &str) -> Result<&'static str, Fail> {
    canonical_type(t).ok_or_else(|| {
        bad(format!(
            "The record type '{t}' is not supported. The supported record types are A, AAAA, \
             CAA, CNAME, MX, NS, PTR, SOA, SRV and TXT."
        ))
    })
}

fn zone_not_found(zone: &str) -> Fail {
    arm(
        404,
        "ResourceNotFound",
        format!(
            "The Resource 'Microsoft.Network/dnszones/{zone}' under resource group \
             '{RESOURCE_GROUP}' was not found. For more details please go to \
             https://aka.ms/ARMResourceNotFoundFix"
        ),
    )
}

fn parent_not_found(zone: &str) -> Fail {
    arm(
        404,
        "ParentResourceNotFound",
        format!(
            "Can not perform requested operation on nested resource. Parent resource '{zone}' \
             not found."
        ),
    )
}

fn zone_op(st: &mut State, req: &Request, zone: &str) -> Res {
    check_zone_name(zone)?;
    let key = zone.to_ascii_lowercase();
    let if_match = header(req, "if-match");
    let if_none = header(req, "if-none-match");
    match req.method.as_str() {
        "GET" => match st.zones.get(&key) {
            Some(z) => Ok(ResponseTemplate::new(200).set_body_json(zone_json(z))),
            None => Err(zone_not_found(zone)),
        },
        "PUT" => {
            let body = json_body(req)?;
            match body.get("location") {
                None | Some(J::Null) => {
                    return Err(arm(
                        400,
                        "LocationRequired",
                        "The location property is required for this definition.",
                    ));
                }
                Some(J::String(l)) if l.eq_ignore_ascii_case("global") => {}
                Some(l) => {
                    return Err(arm(
                        400,
                        "LocationNotAvailableForResourceType",
                        format!(
                            "The provided location '{}' is not available for resource type \
                             'Microsoft.Network/dnszones'. List of available regions for the \
                             resource type is 'global'.",
                            l.as_str().map_or_else(|| l.to_string(), str::to_string)
                        ),
                    ));
                }
            }
            let tags = tags_of(&body)?;
            precondition(
                st.zones.get(&key).map(|z| z.etag.as_str()),
                if_match.as_deref(),
                if_none.as_deref(),
            )?;
            let etag = st.guid();
            if let Some(z) = st.zones.get_mut(&key) {
                z.tags = tags;
                z.etag = etag;
                return Ok(ResponseTemplate::new(200).set_body_json(zone_json(z)));
            }
            let mut z = st.new_zone(zone);
            z.tags = tags;
            let body = zone_json(&z);
            st.zones.insert(key, z);
            Ok(ResponseTemplate::new(201).set_body_json(body))
        }
        "PATCH" => {
            let body = json_body(req)?;
            let tags = tags_of(&body)?;
            let Some(current) = st.zones.get(&key).map(|z| z.etag.clone()) else {
                return Err(zone_not_found(zone));
            };
            precondition(Some(&current), if_match.as_deref(), None)?;
            let etag = st.guid();
            let z = st.zones.get_mut(&key).expect("zone present");
            if tags.is_some() {
                z.tags = tags;
            }
            z.etag = etag;
            Ok(ResponseTemplate::new(200).set_body_json(zone_json(z)))
        }
        "DELETE" => {
            precondition(
                st.zones.get(&key).map(|z| z.etag.as_str()),
                if_match.as_deref(),
                None,
            )?;
            Ok(ResponseTemplate::new(if st.zones.remove(&key).is_some() {
                200
            } else {
                204
            }))
        }
        _ => Err(method_not_allowed(req)),
    }
}

fn tags_of(body: &Map<String, J>) -> Result<Option<J>, Fail> {
    match body.get("tags") {
        None | Some(J::Null) => Ok(None),
        Some(J::Object(t)) if t.values().all(J::is_string) => Ok(Some(J::Object(t.clone()))),
        Some(_) => Err(arm(
            400,
            "InvalidRequestContent",
            "The request content was invalid and could not be deserialized: 'tags' must be an \
             object of strings.",
        )),
    }
}

fn list_zones(st: &State, req: &Request) -> Res {
    if req.method != "GET" {
        return Err(method_not_allowed(req));
    }
    let items = st
        .zones
        .iter()
        .map(|(k, z)| (k.clone(), zone_json(z)))
        .collect();
    page(st, req, items)
}

fn list_sets(st: &State, req: &Request, zone: &str, rtype: Option<&'static str>) -> Res {
    if req.method != "GET" {
        return Err(method_not_allowed(req));
    }
    check_zone_name(zone)?;
    let Some(z) = st.zones.get(&zone.to_ascii_lowercase()) else {
        return Err(parent_not_found(zone));
    };
    let suffix = query(req, "$recordsetnamesuffix")
        .map(|s| s.trim_matches('.').to_ascii_lowercase())
        .filter(|s| !s.is_empty());
    let items = z
        .sets
        .values()
        .filter(|s| rtype.is_none_or(|t| t == s.rtype))
        .filter(|s| {
            suffix.as_ref().is_none_or(|x| {
                let n = s.name.to_ascii_lowercase();
                n == *x || n.ends_with(&format!(".{x}"))
            })
        })
        .map(|s| (set_sort_key(s), set_json(z, s)))
        .collect();
    page(st, req, items)
}

/// One page of a list, with `nextLink` when more follows.
fn page(st: &State, req: &Request, mut items: Vec<(String, J)>) -> Res {
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let top = match query(req, "$top") {
        None => None,
        Some(t) => match t.parse::<usize>() {
            Ok(n) if n >= 1 => Some(n),
            _ => {
                return Err(bad(format!(
                    "The value '{t}' of the $top parameter is invalid: it must be a positive \
                     integer."
                )));
            }
        },
    };
    let size = top.unwrap_or(st.page_size).max(1);
    let after = match query(req, "$skipToken") {
        None => None,
        Some(tok) => Some(
            BASE64URL_NOPAD
                .decode(tok.as_bytes())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| bad("The $skipToken is invalid."))?,
        ),
    };
    let rest: Vec<(String, J)> = items
        .into_iter()
        .filter(|(k, _)| after.as_ref().is_none_or(|a| k > a))
        .collect();
    let more = rest.len() > size;
    let this: Vec<(String, J)> = rest.into_iter().take(size).collect();
    let mut body = json!({ "value": this.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>() });
    if more {
        let last = &this.last().expect("a non-empty page").0;
        let mut q = format!("api-version={API_VERSION}");
        if let Some(n) = top {
            q.push_str(&format!("&$top={n}"));
        }
        if let Some(sfx) = query(req, "$recordsetnamesuffix") {
            q.push_str(&format!("&$recordsetnamesuffix={}", pct_encode(&sfx)));
        }
        q.push_str(&format!(
            "&$skipToken={}",
            BASE64URL_NOPAD.encode(last.as_bytes())
        ));
        body["nextLink"] = json!(format!("{}{}?{q}", st.base, req.url.path()));
    }
    Ok(ResponseTemplate::new(200).set_body_json(body))
}

fn set_op(st: &mut State, req: &Request, zone: &str, t: &str, name: &str) -> Res {
    let rtype = type_of(t)?;
    let method = req.method.as_str();
    let zkey = zone.to_ascii_lowercase();
    if matches!(method, "PUT" | "PATCH" | "DELETE")
        && let Some(f) = st
            .faults
            .iter()
            .find(|f| f.zone == zkey && f.name == name.to_ascii_lowercase())
    {
        return Err(arm(
            f.status,
            &f.code,
            format!(
                "The operation on record set '{name}' of type '{rtype}' failed ({}, injected by \
                 the test).",
                f.code
            ),
        ));
    }
    check_zone_name(zone)?;
    check_record_name(name, zone)?;
    if !st.zones.contains_key(&zkey) {
        return Err(parent_not_found(zone));
    }
    let if_match = header(req, "if-match");
    let if_none = header(req, "if-none-match");
    match method {
        "GET" => {
            let z = &st.zones[&zkey];
            match z.sets.get(&(name.to_ascii_lowercase(), rtype)) {
                Some(s) => Ok(ResponseTemplate::new(200).set_body_json(set_json(z, s))),
                None => Err(rp(
                    404,
                    "NotFound",
                    format!(
                        "The resource record '{name}' does not exist in resource group \
                         '{RESOURCE_GROUP}' of subscription '{SUBSCRIPTION}'."
                    ),
                )),
            }
        }
        "PUT" | "PATCH" => {
            let body = json_body(req)?;
            let props = match body.get("properties") {
                None | Some(J::Null) => Map::new(),
                Some(J::Object(o)) => o.clone(),
                Some(_) => {
                    return Err(arm(
                        400,
                        "InvalidRequestContent",
                        "The request content was invalid and could not be deserialized: \
                         'properties' must be an object.",
                    ));
                }
            };
            let (status, json) = write_set(
                st,
                &zkey,
                rtype,
                name,
                &props,
                if_match.as_deref(),
                if_none.as_deref(),
                method == "PATCH",
            )?;
            Ok(ResponseTemplate::new(status).set_body_json(json))
        }
        "DELETE" => Ok(ResponseTemplate::new(delete_set(
            st,
            &zkey,
            rtype,
            name,
            if_match.as_deref(),
        )?)),
        _ => Err(method_not_allowed(req)),
    }
}

// ---------------------------------------------------------------------------------------------
// The Microsoft identity platform token endpoint.

/// An error of the identity platform: `error`, `error_description` ("AADSTSnnn: …" with trace
/// and correlation ids and a timestamp), `error_codes`, `timestamp`, `trace_id`,
/// `correlation_id`, `error_uri`.
fn aad(st: &mut State, status: u16, error: &str, code: u32, text: &str) -> ResponseTemplate {
    let trace = st.guid();
    let correlation = st.guid();
    let ts = utc(now());
    ResponseTemplate::new(status).set_body_json(json!({
        "error": error,
        "error_description": format!(
            "AADSTS{code}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {ts}"
        ),
        "error_codes": [code],
        "timestamp": ts,
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    }))
}

fn issue_access_token(st: &mut State, by_assertion: bool) -> ResponseTemplate {
    let token = BASE64URL_NOPAD.encode(&[st.fresh(), st.fresh()].concat());
    st.access_tokens.insert(token.clone());
    if by_assertion {
        st.by_assertion += 1;
    } else {
        st.by_secret += 1;
    }
    ResponseTemplate::new(200).set_body_json(json!({
        "token_type": "Bearer",
        "expires_in": 3599,
        "ext_expires_in": 3599,
        "access_token": token,
    }))
}

/// `Authorization: Basic base64(urlencode(client_id):urlencode(client_secret))` (RFC 6749 §2.3.1).
fn basic_credentials(req: &Request) -> Option<(String, String)> {
    let h = header(req, "authorization")?;
    let (scheme, b64) = h.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = String::from_utf8(BASE64.decode(b64.trim().as_bytes()).ok()?).ok()?;
    let (id, secret) = raw.split_once(':')?;
    let decode = |s: &str| {
        form_pairs(req, &format!("x={s}"))
            .into_iter()
            .next()
            .map(|(_, v)| v)
            .unwrap_or_default()
    };
    Some((decode(id), decode(secret)))
}

fn token(st: &mut State, req: &Request, tenant: &str) -> ResponseTemplate {
    if req.method != "POST" {
        let text = format!(
            "The endpoint only accepts POST, OPTIONS requests. Received a {} request.",
            req.method
        );
        return aad(st, 400, "invalid_request", 900561, &text);
    }
    if !tenant.eq_ignore_ascii_case(TENANT) {
        let text = format!(
            "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and \
             are signing into the correct cloud. Check with your subscription administrator, this \
             may happen if there are no active subscriptions for the tenant."
        );
        return aad(st, 400, "invalid_request", 90002, &text);
    }
    let form = form_pairs(req, &String::from_utf8_lossy(&req.body));
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let missing = |st: &mut State, p: &str| {
        let text = format!("The request body must contain the following parameter: '{p}'.");
        aad(st, 400, "invalid_request", 900144, &text)
    };
    let Some(grant) = get("grant_type") else {
        return missing(st, "grant_type");
    };
    if grant != "client_credentials" {
        let text = format!("The app requested an unsupported grant type '{grant}'.");
        return aad(st, 400, "unsupported_grant_type", 70003, &text);
    }
    let basic = basic_credentials(req);
    let Some(client_id) = get("client_id").or_else(|| basic.as_ref().map(|b| b.0.clone())) else {
        return missing(st, "client_id");
    };
    if !client_id.eq_ignore_ascii_case(CLIENT_ID) {
        let text = format!(
            "Application with identifier '{client_id}' was not found in the directory \
             '{TENANT}'. This can happen if the application has not been installed by the \
             administrator of the tenant or consented to by any user in the tenant. You may have \
             sent your authentication request to the wrong tenant."
        );
        return aad(st, 400, "unauthorized_client", 700016, &text);
    }
    let Some(scope) = get("scope") else {
        return missing(st, "scope");
    };
    if !scope.ends_with("/.default") {
        let text = format!(
            "The provided value for scope {scope} is not valid. Client credential flows must \
             have a scope value with /.default suffixed to the resource identifier (application \
             ID URI)."
        );
        return aad(st, 400, "invalid_scope", 1002012, &text);
    }
    if !ARM_SCOPES.contains(&scope.as_str()) {
        let resource = scope.trim_end_matches("/.default");
        let text = format!(
            "The resource principal named {resource} was not found in the tenant named \
             {TENANT}. This can happen if the application has not been installed by the \
             administrator of the tenant or consented to by any user in the tenant. You might \
             have sent your authentication request to the wrong tenant."
        );
        return aad(st, 400, "invalid_resource", 500011, &text);
    }
    let secret = get("client_secret").or_else(|| basic.map(|b| b.1));
    match (secret, get("client_assertion")) {
        (Some(_), Some(_)) => aad(
            st,
            400,
            "invalid_request",
            90023,
            "The authentication service request isn't valid: send either 'client_secret' or \
             'client_assertion', not both.",
        ),
        (None, None) => aad(
            st,
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or \
             'client_secret'.",
        ),
        (Some(s), None) => {
            if s == CLIENT_SECRET {
                issue_access_token(st, false)
            } else {
                let text = format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request \
                     is the client secret value, not the client secret ID, for a secret added to \
                     app '{CLIENT_ID}'."
                );
                aad(st, 401, "invalid_client", 7000215, &text)
            }
        }
        (None, Some(assertion)) => {
            match get("client_assertion_type") {
                None => return missing(st, "client_assertion_type"),
                Some(t) if t != JWT_BEARER => {
                    let text = format!(
                        "The value '{t}' of the parameter 'client_assertion_type' is not valid; \
                         it must be '{JWT_BEARER}'."
                    );
                    return aad(st, 400, "invalid_request", 90100, &text);
                }
                Some(_) => {}
            }
            check_assertion(st, &assertion)
        }
    }
}

/// A federated client assertion: one of this fake's GitHub JWTs, unexpired, for audience
/// `api://AzureADTokenExchange`, from GitHub's issuer and the federated subject.
fn check_assertion(st: &mut State, assertion: &str) -> ResponseTemplate {
    let parts: Vec<&str> = assertion.split('.').collect();
    let decode = |p: &str| {
        BASE64URL_NOPAD
            .decode(p.as_bytes())
            .ok()
            .and_then(|b| serde_json::from_slice::<J>(&b).ok())
            .filter(J::is_object)
    };
    let claims = match parts.as_slice() {
        [h, p, _] if decode(h).is_some() => decode(p),
        _ => None,
    };
    let Some(claims) = claims else {
        return aad(
            st,
            400,
            "invalid_request",
            50027,
            "JWT token is invalid or malformed.",
        );
    };
    if !st.oidc_tokens.contains(assertion) {
        return aad(
            st,
            401,
            "invalid_client",
            700027,
            "Client assertion failed signature validation.",
        );
    }
    let exp = claims["exp"].as_u64().unwrap_or(0);
    if exp <= now() {
        let text = format!(
            "Client assertion is not within its valid time range. Current time: {}, expiry time \
             of assertion {}.",
            utc(now()),
            utc(exp)
        );
        return aad(st, 401, "invalid_client", 700024, &text);
    }
    let iss = claims["iss"].as_str().unwrap_or("");
    let sub = claims["sub"].as_str().unwrap_or("");
    let aud = match &claims["aud"] {
        J::String(a) => a.clone(),
        J::Array(a) => a.iter().filter_map(J::as_str).collect::<Vec<_>>().join(","),
        _ => String::new(),
    };
    if iss != GITHUB_ISSUER || sub != GITHUB_SUBJECT || aud != EXCHANGE_AUDIENCE {
        let text = format!(
            "No matching federated identity record found for presented assertion. Assertion \
             Issuer: '{iss}'. Assertion Subject: '{sub}'. Assertion Audience: '{aud}'. \
             https://learn.microsoft.com/entra/workload-id/workload-identity-federation"
        );
        return aad(st, 400, "invalid_request", 70021, &text);
    }
    issue_access_token(st, true)
}

// ---------------------------------------------------------------------------------------------
// The GitHub Actions OIDC endpoint.

fn oidc(st: &mut State, req: &Request) -> ResponseTemplate {
    if req.method != "GET" {
        return ResponseTemplate::new(405).set_body_json(json!({"message": "Method Not Allowed"}));
    }
    let authorized = header(req, "authorization").is_some_and(|h| {
        h.trim().split_once(' ').is_some_and(|(s, t)| {
            s.eq_ignore_ascii_case("bearer") && t.trim() == OIDC_REQUEST_TOKEN
        })
    });
    if !authorized {
        return ResponseTemplate::new(401).set_body_json(json!({
            "message": "Unauthorized: the request needs ACTIONS_ID_TOKEN_REQUEST_TOKEN as its bearer token."
        }));
    }
    let audience = query(req, "audience")
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| GITHUB_DEFAULT_AUDIENCE.to_string());
    let t = now();
    let jti = st.guid();
    let sha = HEXLOWER.encode(&st.fresh()[..20]);
    let header =
        json!({"alg": "RS256", "kid": "dnsplan-fake-key", "typ": "JWT", "x5t": "dnsplan-fake-key"});
    let payload = json!({
        "jti": jti,
        "sub": GITHUB_SUBJECT,
        "environment": "production",
        "aud": audience,
        "ref": "refs/heads/main",
        "sha": sha,
        "repository": "octo/dns",
        "repository_owner": "octo",
        "repository_visibility": "private",
        "run_id": "1000001",
        "run_number": "1",
        "run_attempt": "1",
        "actor": "octocat",
        "workflow": "dns",
        "event_name": "push",
        "ref_type": "branch",
        "job_workflow_ref": "octo/dns/.github/workflows/dns.yml@refs/heads/main",
        "iss": GITHUB_ISSUER,
        "nbf": t - 5,
        "exp": t + 300,
        "iat": t - 5,
    });
    let signed = format!(
        "{}.{}",
        BASE64URL_NOPAD.encode(header.to_string().as_bytes()),
        BASE64URL_NOPAD.encode(payload.to_string().as_bytes())
    );
    let mut h = Sha256::new();
    h.update(st.signing_key.as_bytes());
    h.update(signed.as_bytes());
    let jwt = format!("{signed}.{}", BASE64URL_NOPAD.encode(&h.finalize()));
    st.oidc_tokens.insert(jwt.clone());
    ResponseTemplate::new(200).set_body_json(json!({ "value": jwt }))
}

// ---------------------------------------------------------------------------------------------
// The server.

struct Fake {
    state: Arc<Mutex<State>>,
}

impl Respond for Fake {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let path = req.url.path().to_string();
        let segs: Vec<&str> = path.split('/').skip(1).collect();
        if path == "/_github/oidc/token" {
            return oidc(&mut st, req);
        }
        if let [tenant, "oauth2", "v2.0", "token"] = segs.as_slice() {
            return token(&mut st, req, tenant);
        }
        if segs
            .first()
            .is_some_and(|s| s.eq_ignore_ascii_case("subscriptions"))
        {
            return management(&mut st, req);
        }
        ResponseTemplate::new(404).set_body_json(json!({
            "error": {"code": "NotFound", "message": format!("Nothing is served at '{path}'.")}
        }))
    }
}

/// A running fake: its address, its state and the wiremock server (which serves from a thread
/// of its own, so no runtime needs to be kept).
pub struct AzureFake {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    state: Arc<Mutex<State>>,
    _server: MockServer,
}

/// One fake for the whole test binary (started on first use, never stopped).
pub fn azure() -> &'static AzureFake {
    static FAKE: OnceLock<AzureFake> = OnceLock::new();
    FAKE.get_or_init(AzureFake::start)
}

impl AzureFake {
    /// A fresh fake of its own (own port, own state), for tests that inject faults.
    pub fn start() -> AzureFake {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let server = rt.block_on(MockServer::builder().disable_request_recording().start());
        let url = server.uri();
        let state = Arc::new(Mutex::new(State::new(url.clone())));
        let fake = Fake {
            state: state.clone(),
        };
        rt.block_on(Mock::given(any()).respond_with(fake).mount(&server));
        AzureFake {
            url,
            state,
            _server: server,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The management endpoint to configure (`endpoint:` setting).
    pub fn endpoint(&self) -> String {
        self.url.clone()
    }

    /// The authority host to configure (`authority_host:` setting); the token endpoint is
    /// `{url}/{tenant}/oauth2/v2.0/token`.
    pub fn authority_host(&self) -> String {
        self.url.clone()
    }

    /// The URL to put in ACTIONS_ID_TOKEN_REQUEST_URL; like GitHub's it already carries a
    /// query string, so a client appends `&audience=…`.
    pub fn oidc_request_url(&self) -> String {
        format!("{}/_github/oidc/token?api-version=2.0", self.url)
    }

    /// Create an empty zone (apex SOA and NS only) behind the client's back, as the portal
    /// would; nothing happens if it exists.
    pub fn create_zone(&self, zone: &str) {
        let key = zone_key(zone);
        let mut st = self.lock();
        if !st.zones.contains_key(&key) {
            let z = st.new_zone(&key);
            st.zones.insert(key, z);
        }
    }

    /// Remove a zone and all its record sets (name with or without the final dot; IDNA
    /// form), and forget the faults and logged requests of its name, so a test can start
    /// afresh on the shared fake.
    pub fn reset_zone(&self, zone: &str) {
        let key = zone_key(zone);
        let mut st = self.lock();
        st.zones.remove(&key);
        st.throttles.retain(|t| t.zone != key);
        st.faults.retain(|f| f.zone != key);
        st.log.retain(|(p, _)| !p.contains(&key));
    }

    /// Does the zone exist?
    pub fn has_zone(&self, zone: &str) -> bool {
        self.lock().zones.contains_key(&zone_key(zone))
    }

    /// The four Azure name servers the zone has (or would have), with final dots.
    pub fn name_servers(&self, zone: &str) -> Vec<String> {
        azure_name_servers(zone)
    }

    /// The zone's record sets exactly as GET …/recordsets returns them (every page joined),
    /// sorted by (name, type); empty when the zone does not exist.
    pub fn record_sets(&self, zone: &str) -> Vec<J> {
        let st = self.lock();
        st.zones
            .get(&zone_key(zone))
            .map(|z| z.sets.values().map(|s| set_json(z, s)).collect())
            .unwrap_or_default()
    }

    /// Create or replace a record set behind the client's back (a "manual change in the
    /// portal"): `rtype` like "A", `name` relative ("@" for the apex), `properties` the JSON
    /// `properties` object (TTL + the type's records). Azure's rules apply and a new etag is
    /// made. Panics when the zone is missing or Azure would refuse the change.
    pub fn put_record_set(&self, zone: &str, rtype: &str, name: &str, properties: J) {
        let key = zone_key(zone);
        let rtype = canonical_type(rtype).unwrap_or_else(|| panic!("record type {rtype}"));
        let props = properties
            .as_object()
            .cloned()
            .expect("properties is a JSON object");
        let mut st = self.lock();
        assert!(st.zones.contains_key(&key), "no zone {zone} in the fake");
        let zone_name = st.zones[&key].name.clone();
        if let Err(f) = check_record_name(name, &zone_name)
            .and_then(|()| write_set(&mut st, &key, rtype, name, &props, None, None, false))
        {
            panic!(
                "Azure would refuse {rtype} {name}: {} {}",
                f.code, f.message
            );
        }
    }

    /// Delete a record set behind the client's back (nothing if it does not exist). Panics
    /// for the apex SOA and NS, which Azure does not let anyone delete.
    pub fn delete_record_set(&self, zone: &str, rtype: &str, name: &str) {
        let key = zone_key(zone);
        let rtype = canonical_type(rtype).unwrap_or_else(|| panic!("record type {rtype}"));
        let mut st = self.lock();
        if !st.zones.contains_key(&key) {
            return;
        }
        if let Err(f) = delete_set(&mut st, &key, rtype, name, None) {
            panic!("Azure would refuse to delete {rtype} {name}: {}", f.message);
        }
    }

    /// Fault injection: answer the next `n` requests whose path contains `zone` (any method)
    /// with 429 TooManyRequests and `Retry-After: {retry_after}` (seconds).
    pub fn throttle(&self, zone: &str, n: usize, retry_after: u64) {
        if n > 0 {
            self.lock().throttles.push(Throttle {
                zone: zone_key(zone),
                left: n,
                retry_after,
            });
        }
    }

    /// Fault injection: every write (PUT/PATCH/DELETE) of a record set in `zone` whose relative
    /// name is `name` fails with `status` and an ARM error body {"error":{"code":code,…}}
    /// until `clear_faults`; writes of other names succeed, so an apply fails part-way.
    pub fn fail_writes(&self, zone: &str, name: &str, status: u16, code: &str) {
        self.lock().faults.push(WriteFault {
            zone: zone_key(zone),
            name: name.to_ascii_lowercase(),
            status,
            code: code.to_string(),
        });
    }

    /// Remove all injected faults for the zone.
    pub fn clear_faults(&self, zone: &str) {
        let key = zone_key(zone);
        let mut st = self.lock();
        st.throttles.retain(|t| t.zone != key);
        st.faults.retain(|f| f.zone != key);
    }

    /// The management requests received whose path contains `zone`, oldest first:
    /// "METHOD path?query" (the path as sent), then " if-match=…" and " if-none-match=…" when
    /// those headers were sent.
    pub fn requests(&self, zone: &str) -> Vec<String> {
        let key = zone_key(zone);
        self.lock()
            .log
            .iter()
            .filter(|(p, _)| p.contains(&key))
            .map(|(_, l)| l.clone())
            .collect()
    }

    /// The page size of lists when the client sends no `$top` (100, as Azure, until set).
    pub fn set_page_size(&self, n: usize) {
        self.lock().page_size = n.max(1);
    }

    /// How many access tokens were issued: (by client secret, by client assertion).
    pub fn tokens_issued(&self) -> (usize, usize) {
        let st = self.lock();
        (st.by_secret, st.by_assertion)
    }

    /// Send the DNS resource provider's own errors (record not found, conflicts, validation,
    /// preconditions, injected write faults excepted) as the bare `{"code","message"}` real
    /// Azure DNS sends, instead of the documented `{"error":{…}}`.
    pub fn set_flat_provider_errors(&self, on: bool) {
        self.lock().flat_errors = on;
    }
}

// ---------------------------------------------------------------------------------------------
// The fake's own tests, over plain HTTP.

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
        fn code(&self) -> String {
            self.json()["error"]["code"]
                .as_str()
                .unwrap_or("")
                .to_string()
        }
        fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        }
    }

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
                client: reqwest::Client::new(),
            }
        }

        fn send(
            &self,
            method: &str,
            url: &str,
            headers: &[(&str, &str)],
            body: Option<String>,
        ) -> Resp {
            self.rt.block_on(async {
                let mut r = self
                    .client
                    .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url);
                for (k, v) in headers {
                    r = r.header(*k, *v);
                }
                if let Some(b) = body {
                    r = r.body(b);
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

    fn form(pairs: &[(&str, &str)]) -> String {
        pairs
            .iter()
            .map(|(k, v)| format!("{}={}", pct_encode(k), pct_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");
    const ARM_SCOPE: &str = "https://management.azure.com/.default";

    /// A fake of its own, a client, and a management token.
    struct Env {
        fake: AzureFake,
        http: Http,
        token: String,
    }

    impl Env {
        fn new() -> Env {
            let fake = AzureFake::start();
            let http = Http::new();
            let r = http.send(
                "POST",
                &format!("{}/{TENANT}/oauth2/v2.0/token", fake.authority_host()),
                &[FORM],
                Some(form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", CLIENT_ID),
                    ("client_secret", CLIENT_SECRET),
                    ("scope", ARM_SCOPE),
                ])),
            );
            assert_eq!(r.status, 200, "{}", r.body);
            let token = r.json()["access_token"].as_str().unwrap().to_string();
            Env { fake, http, token }
        }

        fn zones_url(&self) -> String {
            format!(
                "{}/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.Network/dnsZones",
                self.fake.endpoint()
            )
        }

        /// A management call to `…/dnsZones/{rest}` with api-version and token.
        fn arm(&self, method: &str, rest: &str, headers: &[(&str, &str)], body: Option<J>) -> Resp {
            let sep = if rest.contains('?') { '&' } else { '?' };
            let url = format!("{}/{rest}{sep}api-version=2018-05-01", self.zones_url());
            self.at(method, &url, headers, body)
        }

        fn at(&self, method: &str, url: &str, headers: &[(&str, &str)], body: Option<J>) -> Resp {
            let auth = format!("Bearer {}", self.token);
            let mut h: Vec<(&str, &str)> = vec![("authorization", auth.as_str())];
            if body.is_some() {
                h.push(("content-type", "application/json"));
            }
            h.extend_from_slice(headers);
            self.http.send(method, url, &h, body.map(|b| b.to_string()))
        }

        fn zone(&self, zone: &str) {
            let r = self.arm("PUT", zone, &[], Some(json!({"location": "global"})));
            assert_eq!(r.status, 201, "{}", r.body);
        }

        fn put(&self, zone: &str, t: &str, name: &str, props: J) -> Resp {
            self.arm(
                "PUT",
                &format!("{zone}/{t}/{name}"),
                &[],
                Some(json!({ "properties": props })),
            )
        }
    }

    fn a(ips: &[&str]) -> J {
        json!({"TTL": 300, "ARecords": ips.iter().map(|i| json!({"ipv4Address": i})).collect::<Vec<_>>()})
    }

    /// (tenant, form, status, error, AADSTS code)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, u16, &'a str, u64);

    fn payload(jwt: &str) -> J {
        let p = jwt.split('.').nth(1).unwrap();
        serde_json::from_slice(&BASE64URL_NOPAD.decode(p.as_bytes()).unwrap()).unwrap()
    }

    #[test]
    fn shared_fake_and_addresses() {
        let f = azure();
        assert!(std::ptr::eq(f, azure()));
        assert!(f.url.starts_with("http://127.0.0.1:") && !f.url.ends_with('/'));
        assert_eq!(f.endpoint(), f.url);
        assert_eq!(f.authority_host(), f.url);
        assert!(f.oidc_request_url().contains("?api-version=2.0"));
        f.create_zone("shared.example.");
        assert!(f.has_zone("SHARED.example"));
        f.reset_zone("shared.example.");
        assert!(!f.has_zone("shared.example"));
    }

    #[test]
    fn token_by_secret_and_by_oidc_assertion() {
        let e = Env::new();
        let url = format!("{}/{TENANT}/oauth2/v2.0/token", e.fake.url);
        let ok = e.http.send(
            "POST",
            &url,
            &[FORM],
            Some(form(&[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
                ("scope", ARM_SCOPE),
            ])),
        );
        let j = ok.json();
        assert_eq!(
            (
                j["token_type"].as_str(),
                j["expires_in"].as_u64(),
                j["ext_expires_in"].as_u64()
            ),
            (Some("Bearer"), Some(3599), Some(3599))
        );

        // HTTP Basic works too
        let basic = format!(
            "Basic {}",
            BASE64.encode(format!("{CLIENT_ID}:{}", pct_encode(CLIENT_SECRET)).as_bytes())
        );
        let r = e.http.send(
            "POST",
            &url,
            &[FORM, ("authorization", &basic)],
            Some(form(&[
                ("grant_type", "client_credentials"),
                ("scope", ARM_SCOPE),
            ])),
        );
        assert_eq!(r.status, 200, "{}", r.body);

        // a wrong secret: 401 invalid_client AADSTS7000215, secret not echoed
        let wrong = "Qz8~not-the-secret";
        let r = e.http.send(
            "POST",
            &url,
            &[FORM],
            Some(form(&[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT_ID),
                ("client_secret", wrong),
                ("scope", ARM_SCOPE),
            ])),
        );
        assert_eq!(r.status, 401);
        assert_eq!(r.json()["error"], "invalid_client");
        assert_eq!(r.json()["error_codes"], json!([7000215]));
        assert!(
            r.json()["error_description"]
                .as_str()
                .unwrap()
                .starts_with("AADSTS7000215: ")
        );
        assert!(!r.body.contains(wrong) && !r.body.contains(CLIENT_SECRET));

        // the documented errors
        let cases: [Case; 5] = [
            (
                "00000000-0000-0000-0000-000000000000",
                vec![("grant_type", "client_credentials")],
                400,
                "invalid_request",
                90002,
            ),
            (
                TENANT,
                vec![("client_id", CLIENT_ID)],
                400,
                "invalid_request",
                900144,
            ),
            (
                TENANT,
                vec![
                    ("grant_type", "client_credentials"),
                    ("client_id", "nobody"),
                    ("scope", ARM_SCOPE),
                ],
                400,
                "unauthorized_client",
                700016,
            ),
            (
                TENANT,
                vec![
                    ("grant_type", "client_credentials"),
                    ("client_id", CLIENT_ID),
                    ("scope", "https://management.azure.com/user_impersonation"),
                ],
                400,
                "invalid_scope",
                1002012,
            ),
            (
                TENANT,
                vec![
                    ("grant_type", "client_credentials"),
                    ("client_id", CLIENT_ID),
                    ("scope", ARM_SCOPE),
                ],
                401,
                "invalid_client",
                7000218,
            ),
        ];
        for (tenant, pairs, status, error, code) in cases {
            let r = e.http.send(
                "POST",
                &format!("{}/{tenant}/oauth2/v2.0/token", e.fake.url),
                &[FORM],
                Some(form(&pairs)),
            );
            assert_eq!(
                (
                    r.status,
                    r.json()["error"].as_str(),
                    r.json()["error_codes"][0].as_u64()
                ),
                (status, Some(error), Some(code)),
                "{}",
                r.body
            );
        }

        // GitHub OIDC: wrong or missing bearer is 401
        let oidc = format!(
            "{}&audience={}",
            e.fake.oidc_request_url(),
            pct_encode(EXCHANGE_AUDIENCE)
        );
        assert_eq!(e.http.send("GET", &oidc, &[], None).status, 401);
        assert_eq!(
            e.http
                .send("GET", &oidc, &[("authorization", "Bearer nope")], None)
                .status,
            401
        );
        let bearer = format!("Bearer {OIDC_REQUEST_TOKEN}");
        let r = e.http.send(
            "GET",
            &e.fake.oidc_request_url(),
            &[("authorization", &bearer)],
            None,
        );
        assert_eq!(
            payload(r.json()["value"].as_str().unwrap())["aud"],
            GITHUB_DEFAULT_AUDIENCE
        );
        let default_jwt = r.json()["value"].as_str().unwrap().to_string();
        let r = e
            .http
            .send("GET", &oidc, &[("authorization", &bearer)], None);
        let jwt = r.json()["value"].as_str().unwrap().to_string();
        let claims = payload(&jwt);
        assert_eq!(claims["iss"], "https://token.actions.githubusercontent.com");
        assert_eq!(claims["aud"], "api://AzureADTokenExchange");
        assert_eq!(claims["sub"], "repo:octo/dns:environment:production");

        let assert_with = |assertion: &str| {
            e.http.send(
                "POST",
                &url,
                &[FORM],
                Some(form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", CLIENT_ID),
                    ("scope", ARM_SCOPE),
                    ("client_assertion_type", JWT_BEARER),
                    ("client_assertion", assertion),
                ])),
            )
        };
        let r = assert_with(&jwt);
        assert_eq!(r.status, 200, "{}", r.body);
        let via_oidc = r.json()["access_token"].as_str().unwrap().to_string();
        // the JWT for GitHub's default audience has no federated credential
        let r = assert_with(&default_jwt);
        assert_eq!(
            (r.status, r.json()["error_codes"][0].as_u64()),
            (400, Some(70021))
        );
        // a JWT of the right shape that the fake did not issue; and garbage
        let mut forged = jwt.clone();
        forged.push('x');
        assert_eq!(assert_with(&forged).json()["error_codes"][0], 700027);
        assert_eq!(assert_with("not-a-jwt").json()["error_codes"][0], 50027);
        assert_eq!(e.fake.tokens_issued(), (3, 1));

        // the assertion's token works on the management API
        let r = e.http.send(
            "GET",
            &format!("{}?api-version=2018-05-01", e.zones_url()),
            &[("authorization", &format!("Bearer {via_oidc}"))],
            None,
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }

    #[test]
    fn management_needs_api_version_token_subscription_and_group() {
        let e = Env::new();
        let base = e.zones_url();
        let auth = format!("Bearer {}", e.token);
        let r = e.http.send("GET", &base, &[("authorization", &auth)], None);
        assert_eq!(
            (r.status, r.code()),
            (400, "MissingApiVersionParameter".into())
        );
        let r = e.http.send(
            "GET",
            &format!("{base}?api-version=2017-09-01"),
            &[("authorization", &auth)],
            None,
        );
        assert_eq!(
            (r.status, r.code()),
            (400, "InvalidApiVersionParameter".into())
        );
        assert_eq!(r.header("content-type"), Some("application/json"));
        let url = format!("{base}?api-version=2018-05-01");
        let r = e.http.send("GET", &url, &[], None);
        assert_eq!((r.status, r.code()), (401, "AuthenticationFailed".into()));
        let challenge = r.header("www-authenticate").unwrap_or("");
        assert!(
            challenge.starts_with("Bearer authorization_uri="),
            "{challenge}"
        );
        let r = e
            .http
            .send("GET", &url, &[("authorization", "Bearer forged")], None);
        assert_eq!(
            (r.status, r.code()),
            (401, "InvalidAuthenticationToken".into())
        );
        let r = e.at(
            "GET",
            &url.replace(SUBSCRIPTION, "00000000-0000-0000-0000-000000000000"),
            &[],
            None,
        );
        assert_eq!((r.status, r.code()), (404, "SubscriptionNotFound".into()));
        let r = e.at("GET", &url.replace(RESOURCE_GROUP, "other-rg"), &[], None);
        assert_eq!((r.status, r.code()), (404, "ResourceGroupNotFound".into()));
        // case-insensitive fixed segments
        let r = e.at(
            "GET",
            &url.replace("resourceGroups", "resourcegroups")
                .replace("dnsZones", "DNSZONES"),
            &[],
            None,
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let r = e.arm("GET", "missing.example", &[], None);
        assert_eq!((r.status, r.code()), (404, "ResourceNotFound".into()));
        let r = e.arm("GET", "missing.example/A/www", &[], None);
        assert_eq!((r.status, r.code()), (404, "ParentResourceNotFound".into()));
    }

    #[test]
    fn zone_create_brings_soa_and_ns() {
        let e = Env::new();
        let r = e.arm(
            "PUT",
            "example.com",
            &[("if-none-match", "*")],
            Some(json!({"location": "global", "tags": {"team": "dns"}})),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let z = r.json();
        assert_eq!(z["type"], "Microsoft.Network/dnszones");
        assert_eq!(z["location"], "global");
        assert_eq!(z["properties"]["numberOfRecordSets"], 2);
        let ns = e.fake.name_servers("example.com");
        assert_eq!(z["properties"]["nameServers"], json!(ns));
        assert!(ns[0].starts_with("ns1-") && ns[0].ends_with(".azure-dns.com."));
        assert_eq!(
            e.arm(
                "PUT",
                "example.com",
                &[("if-none-match", "*")],
                Some(json!({"location": "global"}))
            )
            .status,
            412
        );
        assert_eq!(
            e.arm(
                "PUT",
                "example.com",
                &[],
                Some(json!({"location": "global"}))
            )
            .status,
            200
        );
        assert_eq!(
            e.arm("PUT", "other.com", &[], Some(json!({}))).code(),
            "LocationRequired"
        );
        let r = e.arm(
            "PUT",
            "other.com",
            &[],
            Some(json!({"location": "westeurope"})),
        );
        assert_eq!(r.code(), "LocationNotAvailableForResourceType");
        assert!(r.body.contains("location 'westeurope'"), "{}", r.body);
        let r = e.arm(
            "PATCH",
            "example.com",
            &[],
            Some(json!({"tags": {"team": "net"}})),
        );
        assert_eq!(
            (r.status, r.json()["tags"]["team"].as_str()),
            (200, Some("net"))
        );
        let all = format!(
            "{}/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Network/dnszones?api-version=2018-05-01",
            e.fake.url
        );
        assert_eq!(
            e.at("GET", &all, &[], None).json()["value"][0]["name"],
            "example.com"
        );
        assert_eq!(
            e.arm(
                "PUT",
                "example.com.",
                &[],
                Some(json!({"location": "global"}))
            )
            .status,
            400
        );

        let sets = e.fake.record_sets("example.com.");
        assert_eq!(sets.len(), 2);
        let (nsset, soa) = (&sets[0], &sets[1]);
        assert_eq!(nsset["type"], "Microsoft.Network/dnszones/NS");
        assert_eq!(nsset["name"], "@");
        assert_eq!(nsset["properties"]["TTL"], 172800);
        assert_eq!(nsset["properties"]["fqdn"], "example.com.");
        assert_eq!(nsset["properties"]["NSRecords"][3]["nsdname"], json!(ns[3]));
        assert_eq!(soa["properties"]["TTL"], 3600);
        assert_eq!(soa["properties"]["SOARecord"]["expireTime"], 2419200);
        assert_eq!(soa["properties"]["SOARecord"]["host"], json!(ns[0]));
        assert_eq!(
            soa["id"],
            format!(
                "/subscriptions/{SUBSCRIPTION}/resourceGroups/dns-rg/providers/Microsoft.Network/dnszones/example.com/SOA/@"
            )
        );
        let listed = e.arm("GET", "", &[], None).json();
        assert_eq!(listed["value"][0]["name"], "example.com");

        assert_eq!(e.arm("DELETE", "example.com", &[], None).status, 200);
        assert!(!e.fake.has_zone("example.com"));
        assert_eq!(e.arm("DELETE", "example.com", &[], None).status, 204);
    }

    #[test]
    fn record_put_get_patch_delete_and_etags() {
        let e = Env::new();
        e.zone("example.com");
        let r = e.put("example.com", "A", "www", json!({"TTL": 300, "metadata": {"owner": "dnsplan"}, "ARecords": [{"ipv4Address": "192.0.2.1"}], "etag": "ignored"}));
        assert_eq!(r.status, 201, "{}", r.body);
        let j = r.json();
        assert_eq!(
            j["id"],
            format!(
                "/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.Network/dnszones/example.com/A/www"
            )
        );
        assert_eq!(j["type"], "Microsoft.Network/dnszones/A");
        assert_eq!(j["properties"]["fqdn"], "www.example.com.");
        assert_eq!(j["properties"]["provisioningState"], "Succeeded");
        assert_eq!(j["properties"]["targetResource"], json!({}));
        assert_eq!(j["properties"]["metadata"]["owner"], "dnsplan");
        let etag1 = j["etag"].as_str().unwrap().to_string();

        let r = e.put("example.com", "a", "WWW", a(&["192.0.2.1", "192.0.2.2"]));
        assert_eq!(r.status, 200);
        let etag2 = r.json()["etag"].as_str().unwrap().to_string();
        assert_ne!(etag1, etag2);
        assert_eq!(r.json()["name"], "www");
        assert!(r.json()["properties"].get("metadata").is_none());

        // If-None-Match: * on an existing set; stale If-Match; If-Match on a missing set
        let body = Some(json!({"properties": a(&["192.0.2.3"])}));
        let r = e.arm(
            "PUT",
            "example.com/A/www",
            &[("if-none-match", "*")],
            body.clone(),
        );
        assert_eq!((r.status, r.code()), (412, "PreconditionFailed".into()));
        let r = e.arm(
            "PUT",
            "example.com/A/www",
            &[("if-match", &etag1)],
            body.clone(),
        );
        assert_eq!(r.status, 412);
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains(&etag2)
        );
        assert_eq!(
            e.arm(
                "PUT",
                "example.com/A/new",
                &[("if-match", "*")],
                body.clone()
            )
            .status,
            412
        );
        assert_eq!(
            e.arm(
                "PUT",
                "example.com/A/new",
                &[("if-none-match", "*")],
                body.clone()
            )
            .status,
            201
        );
        // the etag as sent back, quoted or not
        let quoted = format!("\"{etag2}\"");
        let r = e.arm(
            "PUT",
            "example.com/A/www",
            &[("if-match", &quoted)],
            body.clone(),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let etag3 = r.json()["etag"].as_str().unwrap().to_string();

        // PATCH merges: TTL changes, records stay
        let r = e.arm(
            "PATCH",
            "example.com/A/www",
            &[("if-match", &etag3)],
            Some(json!({"properties": {"TTL": 60}})),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["properties"]["TTL"], 60);
        assert_eq!(
            r.json()["properties"]["ARecords"],
            json!([{"ipv4Address": "192.0.2.3"}])
        );
        assert_eq!(
            e.arm(
                "PATCH",
                "example.com/A/none",
                &[],
                Some(json!({"properties": {"TTL": 60}}))
            )
            .status,
            404
        );

        let r = e.arm("GET", "example.com/A/www", &[], None);
        assert_eq!(r.json()["properties"]["TTL"], 60);
        let r = e.arm("GET", "example.com/TXT/www", &[], None);
        assert_eq!((r.status, r.code()), (404, "NotFound".into()));

        // DELETE: stale If-Match refused, then 200, then 204
        assert_eq!(
            e.arm("DELETE", "example.com/A/www", &[("if-match", &etag1)], None)
                .status,
            412
        );
        assert_eq!(e.arm("DELETE", "example.com/A/www", &[], None).status, 200);
        assert_eq!(e.arm("DELETE", "example.com/A/www", &[], None).status, 204);

        // wildcards and an empty record set
        assert_eq!(
            e.put("example.com", "A", "*", a(&["192.0.2.9"])).status,
            201
        );
        assert_eq!(
            e.put(
                "example.com",
                "TXT",
                "%2A.sub",
                json!({"TTL": 60, "TXTRecords": [{"value": ["a", "b"]}]})
            )
            .status,
            201
        );
        let r = e.put("example.com", "MX", "empty", json!({"TTL": 60}));
        assert_eq!(
            (r.status, r.json()["properties"]["MXRecords"].clone()),
            (201, json!([]))
        );
        let names: Vec<String> = e
            .fake
            .record_sets("example.com")
            .iter()
            .map(|s| {
                format!(
                    "{} {}",
                    s["name"].as_str().unwrap(),
                    s["type"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                "* Microsoft.Network/dnszones/A",
                "*.sub Microsoft.Network/dnszones/TXT",
                "@ Microsoft.Network/dnszones/NS",
                "@ Microsoft.Network/dnszones/SOA",
                "empty Microsoft.Network/dnszones/MX",
                "new Microsoft.Network/dnszones/A"
            ]
        );
    }

    #[test]
    fn validation_follows_azure() {
        let e = Env::new();
        e.zone("example.com");
        let refused = |t: &str, name: &str, props: J| {
            let r = e.put("example.com", t, name, props);
            assert_eq!(r.status, 400, "{t} {name}: {}", r.body);
            r.json()["error"]["message"].as_str().unwrap().to_string()
        };
        assert!(refused("A", "x", a(&["192.0.2.300"])).contains("192.0.2.300"));
        assert!(
            refused(
                "AAAA",
                "x",
                json!({"TTL": 1, "AAAARecords": [{"ipv6Address": "2001:db8::g"}]})
            )
            .contains("IPv6")
        );
        assert!(
            refused(
                "A",
                "x",
                json!({"TTL": 1, "ARecords": [], "CNAMERecord": {"cname": "a.example."}})
            )
            .contains("CNAMERecord")
        );
        assert!(refused("A", "x", json!({"ARecords": []})).contains("TTL"));
        assert!(refused("A", "x", json!({"TTL": 0, "ARecords": []})).contains("TTL"));
        assert!(refused("A", "x", json!({"TTL": 2147483648_i64, "ARecords": []})).contains("TTL"));
        assert!(refused("A", "x", json!({"ttl": 300, "ARecords": []})).contains("'TTL'"));
        assert!(refused("A", "x", json!({"TTL": 300, "aRecords": []})).contains("'ARecords'"));
        let ips: Vec<String> = (1..=21).map(|i| format!("192.0.2.{i}")).collect();
        let ips: Vec<&str> = ips.iter().map(String::as_str).collect();
        assert!(refused("A", "x", a(&ips)).contains("20"));
        assert!(
            refused(
                "TXT",
                "x",
                json!({"TTL": 1, "TXTRecords": [{"value": ["a".repeat(256)]}]})
            )
            .contains("255")
        );
        let many: Vec<J> = (0..17)
            .map(|_| json!({"value": ["b".repeat(255)]}))
            .collect();
        assert!(refused("TXT", "x", json!({"TTL": 1, "TXTRecords": many})).contains("4096"));
        assert!(refused("SPF", "x", json!({"TTL": 1})).contains("SPF"));
        assert!(
            refused(
                "CNAME",
                "x",
                json!({"TTL": 1, "CNAMERecord": {"cname": "bad name"}})
            )
            .contains("bad name")
        );
        assert!(refused("A", "a*b", a(&["192.0.2.1"])).contains("a*b"));
        assert!(
            refused(
                "NS",
                "*",
                json!({"TTL": 1, "NSRecords": [{"nsdname": "ns.example."}]})
            )
            .contains("Wildcard")
        );
        assert!(
            refused(
                "MX",
                "x",
                json!({"TTL": 1, "MXRecords": [{"preference": 70000, "exchange": "mx.example."}]})
            )
            .contains("preference")
        );
        assert!(
            refused(
                "CAA",
                "x",
                json!({"TTL": 1, "caaRecords": [{"flags": 0, "tag": "", "value": "ca.example"}]})
            )
            .contains("CAA")
        );
        let ok = e.put("example.com", "SRV", "_sip._tcp", json!({"TTL": 1, "SRVRecords": [{"priority": 1, "weight": 2, "port": 5060, "target": "sip.example."}]}));
        assert_eq!(ok.status, 201, "{}", ok.body);
        // no content type
        let r = e.http.send(
            "PUT",
            &format!("{}/example.com/A/x?api-version=2018-05-01", e.zones_url()),
            &[("authorization", &format!("Bearer {}", e.token))],
            Some(a(&["192.0.2.1"]).to_string()),
        );
        assert_eq!((r.status, r.code()), (415, "UnsupportedMediaType".into()));
    }

    #[test]
    fn cname_conflicts() {
        let e = Env::new();
        e.zone("example.com");
        assert_eq!(
            e.put("example.com", "A", "www", a(&["192.0.2.1"])).status,
            201
        );
        let cname = json!({"TTL": 300, "CNAMERecord": {"cname": "target.example.net."}});
        let r = e.put("example.com", "CNAME", "www", cname.clone());
        assert_eq!((r.status, r.code()), (409, "Conflict".into()));
        assert_eq!(
            e.put("example.com", "CNAME", "@", cname.clone()).status,
            409
        );
        assert_eq!(
            e.put("example.com", "CNAME", "alias", cname.clone()).status,
            201
        );
        let r = e.put(
            "example.com",
            "TXT",
            "alias",
            json!({"TTL": 1, "TXTRecords": [{"value": ["x"]}]}),
        );
        assert_eq!((r.status, r.code()), (409, "Conflict".into()));
        assert!(
            r.body
                .contains("a CNAME record with the same name already exists")
        );
        // a CNAME replaces itself
        assert_eq!(e.put("example.com", "CNAME", "alias", cname).status, 200);
        // the provider's bare error shape, on request
        e.fake.set_flat_provider_errors(true);
        let r = e.put("example.com", "A", "alias", a(&["192.0.2.1"]));
        assert_eq!(
            (r.status, r.json()["code"].as_str()),
            (409, Some("Conflict"))
        );
        e.fake.set_flat_provider_errors(false);
    }

    #[test]
    fn apex_ns_and_soa_rules() {
        let e = Env::new();
        e.zone("example.org");
        let ns = e.fake.name_servers("example.org");
        let r = e.put(
            "example.org",
            "NS",
            "@",
            json!({"TTL": 3600, "NSRecords": [{"nsdname": "ns1.other.example."}]}),
        );
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(r.body.contains(&ns[1]));
        let mut all: Vec<J> = ns
            .iter()
            .map(|n| json!({"nsdname": n.trim_end_matches('.')}))
            .collect();
        all.push(json!({"nsdname": "ns1.other.example."}));
        let r = e.put(
            "example.org",
            "NS",
            "@",
            json!({"TTL": 3600, "NSRecords": all}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(e.arm("DELETE", "example.org/NS/@", &[], None).status, 400);
        assert_eq!(e.arm("DELETE", "example.org/SOA/@", &[], None).status, 400);
        assert_eq!(
            e.put(
                "example.org",
                "SOA",
                "sub",
                json!({"TTL": 1, "SOARecord": {"minimumTTL": 60}})
            )
            .status,
            400
        );
        let r = e.arm("PATCH", "example.org/SOA/@", &[], Some(json!({"properties": {"SOARecord": {"minimumTTL": 60, "host": "elsewhere.example."}}})));
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["properties"]["SOARecord"]["minimumTTL"], 60);
        assert_eq!(r.json()["properties"]["SOARecord"]["host"], json!(ns[0]));
        // a delegation elsewhere is free
        assert_eq!(
            e.put(
                "example.org",
                "NS",
                "child",
                json!({"TTL": 60, "NSRecords": [{"nsdname": "ns.child.example."}]})
            )
            .status,
            201
        );
        assert_eq!(
            e.arm("DELETE", "example.org/NS/child", &[], None).status,
            200
        );
    }

    #[test]
    fn paging_with_top_and_next_link() {
        let e = Env::new();
        e.zone("big.example");
        for i in 0..23 {
            e.fake
                .put_record_set("big.example", "A", &format!("h{i:02}"), a(&["192.0.2.1"]));
        }
        e.fake.put_record_set(
            "big.example",
            "TXT",
            "h05",
            json!({"TTL": 60, "TXTRecords": [{"value": ["t"]}]}),
        );
        e.fake.set_page_size(7);
        let all = e.fake.record_sets("big.example");
        assert_eq!(all.len(), 26);

        let walk = |first: &str| {
            let mut url = format!("{}/{first}", e.zones_url());
            let mut pages = Vec::new();
            let mut seen = Vec::new();
            loop {
                let r = e.at("GET", &url, &[], None);
                assert_eq!(r.status, 200, "{}", r.body);
                let j = r.json();
                let v = j["value"].as_array().unwrap();
                pages.push(v.len());
                seen.extend(v.iter().cloned());
                match j.get("nextLink").and_then(J::as_str) {
                    Some(next) => {
                        assert!(
                            next.starts_with(&format!("{}/subscriptions/", e.fake.url)),
                            "{next}"
                        );
                        assert!(next.contains("$skipToken="), "{next}");
                        url = next.to_string();
                    }
                    None => break,
                }
            }
            (pages, seen)
        };
        let (pages, seen) = walk("big.example/recordsets?api-version=2018-05-01");
        assert_eq!(pages, [7, 7, 7, 5]);
        assert_eq!(seen, all);
        let (pages, seen) = walk("big.example/all?api-version=2018-05-01&$top=10");
        assert_eq!(pages, [10, 10, 6]);
        assert_eq!(seen, all);
        let (pages, seen) = walk("big.example/TXT?api-version=2018-05-01");
        assert_eq!((pages, seen.len()), (vec![1], 1));
        let (_, seen) = walk("big.example/A?api-version=2018-05-01&$top=5");
        assert_eq!(seen.len(), 23);
        e.fake
            .put_record_set("big.example", "A", "x.h01", a(&["192.0.2.1"]));
        let (_, seen) =
            walk("big.example/recordsets?api-version=2018-05-01&$recordsetnamesuffix=h01");
        assert_eq!(
            seen.iter()
                .map(|s| s["name"].as_str().unwrap())
                .collect::<Vec<_>>(),
            ["h01", "x.h01"]
        );
        assert_eq!(
            e.arm("GET", "big.example/recordsets?$top=0", &[], None)
                .status,
            400
        );
        assert_eq!(
            e.arm("GET", "nothere.example/recordsets", &[], None).status,
            404
        );
        // behind the back: delete, and the next read sees it
        e.fake.delete_record_set("big.example", "A", "h00");
        assert_eq!(e.fake.record_sets("big.example").len(), 26);
    }

    #[test]
    fn throttling_answers_429_with_retry_after() {
        let e = Env::new();
        e.zone("slow.example");
        e.fake.throttle("slow.example.", 2, 7);
        for _ in 0..2 {
            let r = e.arm("GET", "slow.example/recordsets", &[], None);
            assert_eq!((r.status, r.code()), (429, "TooManyRequests".into()));
            assert_eq!(r.header("retry-after"), Some("7"));
        }
        assert_eq!(
            e.arm("GET", "slow.example/recordsets", &[], None).status,
            200
        );
        e.fake.throttle("slow.example", 5, 1);
        e.fake.clear_faults("slow.example");
        assert_eq!(
            e.arm("GET", "slow.example/recordsets", &[], None).status,
            200
        );
    }

    #[test]
    fn failed_writes_hit_only_their_name_and_requests_are_logged() {
        let e = Env::new();
        e.zone("part.example");
        e.fake
            .fail_writes("part.example", "bad", 500, "InternalServerError");
        assert_eq!(
            e.put("part.example", "A", "good", a(&["192.0.2.1"])).status,
            201
        );
        let r = e.put("part.example", "A", "bad", a(&["192.0.2.1"]));
        assert_eq!((r.status, r.code()), (500, "InternalServerError".into()));
        assert_eq!(e.arm("DELETE", "part.example/A/BAD", &[], None).status, 500);
        assert_eq!(e.arm("GET", "part.example/A/bad", &[], None).status, 404);
        e.fake.clear_faults("part.example");
        assert_eq!(
            e.put("part.example", "A", "bad", a(&["192.0.2.1"])).status,
            201
        );

        let etag = e.arm("GET", "part.example/A/good", &[], None).json()["etag"]
            .as_str()
            .unwrap()
            .to_string();
        e.arm(
            "DELETE",
            "part.example/A/good",
            &[("if-match", &etag)],
            None,
        );
        e.arm(
            "PUT",
            "part.example/A/new",
            &[("if-none-match", "*")],
            Some(json!({"properties": a(&["192.0.2.7"])})),
        );
        let p = format!(
            "/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.Network/dnsZones/part.example"
        );
        let log = e.fake.requests("part.example");
        assert_eq!(log[0], format!("PUT {p}?api-version=2018-05-01"));
        assert_eq!(
            log[log.len() - 2],
            format!("DELETE {p}/A/good?api-version=2018-05-01 if-match={etag}")
        );
        assert_eq!(
            log[log.len() - 1],
            format!("PUT {p}/A/new?api-version=2018-05-01 if-none-match=*")
        );
        assert!(e.fake.requests("other.example").is_empty());

        // behind the back, then a reset forgets the zone and its log
        e.fake.put_record_set(
            "part.example",
            "CNAME",
            "portal",
            json!({"TTL": 60, "CNAMERecord": {"cname": "x.example."}}),
        );
        assert_eq!(
            e.arm("GET", "part.example/CNAME/portal", &[], None).json()["properties"]["CNAMERecord"]
                ["cname"],
            "x.example."
        );
        e.fake.reset_zone("part.example");
        assert!(!e.fake.has_zone("part.example"));
        assert!(e.fake.requests("part.example").is_empty());
        assert!(e.fake.record_sets("part.example").is_empty());
    }
}
