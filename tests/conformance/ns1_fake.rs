//! A stateful fake of the NS1 (IBM NS1 Connect) REST API v1 (`/v1`), on a wiremock server on
//! 127.0.0.1, for the `ns1` provider and (through `tls_front.py`, since ns1-python only speaks
//! `https://`) for octodns-ns1.
//!
//! Written from NS1's published API description: the API reference at ns1.com/api (zones,
//! records, monitoring jobs, notification lists, data sources and feeds; "a new zone gets
//! NS1's NS record at its apex", docId 2184), the IBM NS1 Connect documentation ("Reference:
//! DNS record types", "API rate limiting", "Settings for monitoring jobs", the Filter Chain
//! pages), the help-center articles on notifier lists and data feeds, and the API's own
//! self-descriptions `GET /v1/filtertypes`, `/v1/metatypes`, `/v1/data/sourcetypes`,
//! `/v1/monitoring/jobtypes`, `/v1/notifytypes` as recorded from the live API (ns1-js's test
//! fixtures, which also show the answers' shapes and the `X-RateLimit-*` headers). The
//! ns1-python SDK and octodns-ns1 were read only for which endpoints and fields they use.
//!
//! ## Faithful
//!
//! - Auth: `X-NSONE-Key`; none or an unknown key: 401. Keys are never echoed.
//! - Errors are `{"message": "..."}`; an unknown zone is 404 `zone not found` (which ns1-python
//!   turns into `server error: zone not found`), an unknown record 404 `record not found`.
//! - Zones: `GET /zones` (zone objects without records), `GET/PUT/POST/DELETE /zones/{zone}`.
//!   A zone has `id, zone, ttl, nx_ttl, retry, refresh, expiry, hostmaster, dns_servers,
//!   networks, network_pools, pool, meta, link, primary` and, from `GET /zones/{zone}`, the
//!   `records` summary list (`id, domain, type, ttl, tier, link, use_client_subnet,
//!   short_answers`: each answer's parts joined by a space). A new zone gets an apex NS record
//!   with one answer per `dns_servers` entry; an existing one: 400 `invalid: FQDN already
//!   exists in the view` (the live API's wording). Lists longer than the page size (2,500)
//!   carry `Link: <absolute URL>; rel="next"` (RFC 5988), built from the request's Host.
//! - Records: `GET/PUT/POST/DELETE /zones/{zone}/{domain}/{type}`: PUT creates, POST merges the
//!   given fields into the record, DELETE removes. A record has `id, zone, domain, type, ttl,
//!   answers [{id, answer, meta, region?}], filters [{filter, config, disabled?}], regions
//!   {name: {meta}}, meta, link, use_client_subnet, networks, tier` (1 plain, 2 with metadata
//!   or tier-2 filters, 3 with tier-3 filters, each filter's tier from `/filtertypes`).
//! - Validation (400 with a message): the user-creatable types of "Reference: DNS record
//!   types" (plus NS and URLFWD; DNSKEY, NSEC*, RRSIG, SOA are the platform's own); the body's
//!   zone, domain and type agree with the URL; the domain is the zone or below it; answers are
//!   non-empty unless the record is linked (`link`); each answer's parts as the type's RDATA
//!   (A IPv4, AAAA IPv6, MX `[preference, host]`, SRV `[priority, weight, port, target]`, CAA
//!   `[flags, tag, value]`, NAPTR, DS, TLSA…; numbers as JSON numbers or numeric strings);
//!   filters among `/filtertypes` (and `additional_metadata`, `cost` from the Filter Chain
//!   pages) with an object `config`; metadata keys among `/metatypes` with their documented
//!   values: `up` a boolean (or 1/0), `weight` positive, `priority` a positive integer, `note`
//!   up to 256 characters, `georegion` among US-EAST, US-CENTRAL, US-WEST, EUROPE, ASIAPAC,
//!   SOUTH-AMERICA, AFRICA, `country` ISO 3166 alpha-2, `us_state` / `ca_province` their
//!   2-letter codes, `ip_prefixes` CIDRs and `asn` numbers (at most 1,000 each); any field may
//!   instead be `{"feed": id}` naming an existing data feed; an answer's `region` names one of
//!   the record's regions.
//! - Monitoring: `GET/PUT /monitoring/jobs`, `GET/POST/DELETE /monitoring/jobs/{id}`,
//!   `GET /monitoring/regions`. `job_type` among ping, tcp, dns (`/jobtypes`) and http (the
//!   job-settings page) with their required `config` keys; `policy` all / one / quorum;
//!   `notify_list` an existing list; the job type cannot be changed. A new job gets `id` and
//!   `status {global: {status: pending, since}}`; fields are kept as sent.
//! - Notification lists `GET/PUT /lists`, `GET/POST/DELETE /lists/{id}`: `{name, notify_list:
//!   [{type, config}]}`, types and their required config from `/notifytypes` (a `datafeed`
//!   notifier names an existing source). Data sources `GET/PUT /data/sources`,
//!   `GET/POST/DELETE /data/sources/{id}` with a `sourcetype` among `/sourcetypes`; feeds
//!   `GET/PUT /data/feeds/{source}`, `GET/POST/DELETE /data/feeds/{source}/{feed}`, whose
//!   config is the source type's `feed_config` (`jobid`, an existing job, for
//!   `nsone_monitoring`; `label` for `nsone_v1`).
//! - Rate limiting: token buckets; every answer carries `X-RateLimit-By: customer`,
//!   `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Period`; tokens come back at
//!   limit / period per second; an empty bucket: 429 with the same headers. Buckets are per key
//!   and per method class (GET, and writes), as "separately bucketed per endpoint and method"
//!   allows; both classes share `set_rate`. The default, 10,000 per second, is never reached.
//!
//! ## Simplified or guessed
//!
//! - Wordings not found in the description: 401 `Unauthorized`, `record already exists`, the
//!   validation messages, 429 `rate limit exceeded`, 404 `Not Found` / 405 `Method Not Allowed`
//!   for unknown paths / methods, the not-found messages of jobs, lists, sources and feeds.
//! - The page cursor (`?page=N`, 1-based) and that the zone list is paged like the records.
//! - A CNAME cannot share its name with another type (the RFC 1034 rule; not found in NS1's
//!   pages). Answers are stored as sent (host names keep or lack their final dot); a record's
//!   default TTL is the zone's TTL and its `use_client_subnet` true (the apex NS: false).
//! - TTL 0…2^31-1; `weight` must be > 0 and `priority` ≥ 1 (the metatypes' "positive"). TXT
//!   and SPF answers are one string of any length. Region and record `meta` use the answer
//!   rules; unknown metadata keys are refused.
//! - Monitoring region codes (`/monitoring/regions` lists no production codes in the
//!   description): ams, dal, fra, gru, hkg, lga, lhr, nrt, sin, sjc, syd. `region_scope`
//!   fixed (regions required) or all; `frequency` a positive integer; rule comparisons
//!   `< <= > >= == != contains notcontains`. Defaults of a new job (active, quorum, 60 s…).
//! - No DNSSEC, views, zone versions, secondary zones, users, teams, API keys or usage stats;
//!   deleting a job, list or feed does not touch what refers to it.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Instant;

use crate::fake_http::{header, pct_decode, query};
use dnsplan::validate::geo_data;
use serde_json::{Map, Value as J, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The API key the fake accepts.
pub const NS1_KEY: &str = "ns1-test-key-4f0c2a9e7b";
const PREFIX: &str = "/v1";
const POOL: &str = "p06";

/// One part of an answer's RDATA.
#[derive(Clone, Copy)]
enum P {
    V4,
    V6,
    Host,
    U8,
    U16,
    U32,
    Tag,
    Hex,
    Text,
}

/// The types a user may create, with their answer parts (`true`: more Text parts may follow).
fn shape(ty: &str) -> Option<(&'static [P], bool)> {
    use P::*;
    Some(match ty {
        "A" => (&[V4], false),
        "AAAA" => (&[V6], false),
        "ALIAS" | "CNAME" | "DNAME" | "NS" | "PTR" => (&[Host], false),
        "MX" | "AFSDB" => (&[U16, Host], false),
        "SRV" => (&[U16, U16, U16, Host], false),
        "CAA" => (&[U8, Tag, Text], false),
        "TXT" | "SPF" | "DHCID" => (&[Text], false),
        "NAPTR" => (&[U16, U16, Text, Text, Text, Host], false),
        "DS" | "CDS" => (&[U16, U8, U8, Hex], false),
        "TLSA" | "SMIMEA" => (&[U8, U8, U8, Hex], false),
        "CDNSKEY" => (&[U16, U8, U8, Text], false),
        "CERT" => (&[Text, U16, Text, Text], false),
        "HINFO" => (&[Text, Text], false),
        "RP" => (&[Host, Host], false),
        "CSYNC" => (&[U32, U16, Text], true),
        "HTTPS" | "SVCB" => (&[U16, Host], true),
        "URLFWD" => (&[Text, Text, U16, U8, U8], false),
        _ => return None,
    })
}

/// `/v1/filtertypes` (name:tier), and `additional_metadata`, `cost` of the Filter Chain pages.
const FILTERS: &str = "additional_metadata:2 cost:2 geofence_country:3 geofence_regional:3 \
    geotarget_country:3 geotarget_latlong:3 geotarget_regional:3 ipv4_prefix_shuffle:3 \
    netfence_asn:3 netfence_prefix:3 parse_ipv4:3 priority:2 pulsar:3 pulse:3 select_first_n:2 \
    select_first_region:2 shed_load:3 shuffle:2 sticky:2 sticky_region:2 up:2 \
    weighted_shuffle:2 weighted_sticky:2";
/// `/v1/metatypes`, and `additional_metadata`, `cost`, `subdivisions` of the Filter Chain pages.
const META: &str = "additional_metadata asn ca_province connections cost country georegion \
    high_watermark ip_prefixes latitude loadavg longitude low_watermark note priority pulsar \
    requests subdivisions up us_state weight";
const GEOREGIONS: &str = "US-EAST US-CENTRAL US-WEST EUROPE ASIAPAC SOUTH-AMERICA AFRICA";
/// Job types and the config keys each requires.
const JOB_TYPES: &str = "dns:host,domain http:url ping:host tcp:host,port";
/// Guessed: the description lists no production monitoring region codes.
const MONITOR_REGIONS: &str = "ams dal fra gru hkg lga lhr nrt sin sjc syd";
const COMPARISONS: &str = "< <= > >= == != contains notcontains";
/// `/v1/notifytypes` and the config key each requires.
const NOTIFY_TYPES: &str =
    "datafeed:sourceid email:email pagerduty:service_key slack:url user:user webhook:url";
/// `/v1/data/sourcetypes`, with the feed config key a type requires.
const SOURCE_TYPES: &str = "a10 boundary catchpoint cloudwatch monitis monitor_us \
    newrelic_webhook nsone_monitoring:jobid nsone_v1:label pingdom rackspace webcheck";
/// The fields of a record a PUT or POST body sets.
const RECORD_FIELDS: &str = "ttl answers filters regions meta use_client_subnet link networks \
    override_ttl tags blocked_tags";

/// The entry named `name` of a table of `name[:value]` words: its value ("" for none).
fn lookup(table: &'static str, name: &str) -> Option<&'static str> {
    table.split_whitespace().find_map(|w| {
        let (n, v) = w.split_once(':').unwrap_or((w, ""));
        (n == name).then_some(v)
    })
}

fn nonempty(v: &J) -> bool {
    v.as_str().is_some_and(|s| !s.is_empty())
}

fn dns_servers() -> Vec<String> {
    (1..=4)
        .map(|i| format!("dns{i}.{POOL}.nsone.net"))
        .collect()
}

/// A refusal: status and `message`.
struct Fail(u16, String);

fn bad(msg: impl Into<String>) -> Fail {
    Fail(400, msg.into())
}

fn not_found(what: &str) -> Fail {
    Fail(404, format!("{what} not found"))
}

struct Zone {
    /// The zone object without `records`.
    obj: J,
    /// Full record objects by (domain, type).
    records: BTreeMap<(String, String), J>,
}

struct Source {
    obj: J,
    feeds: BTreeMap<String, J>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

struct State {
    zones: BTreeMap<String, Zone>,
    monitors: BTreeMap<String, J>,
    lists: BTreeMap<String, J>,
    sources: BTreeMap<String, Source>,
    next: u64,
    rate_limit: u32,
    rate_period: u32,
    buckets: BTreeMap<(String, &'static str), Bucket>,
    page_size: usize,
    /// `METHOD path?query` per request, in order.
    log: Vec<String>,
    /// Let this many record writes through, then refuse one with this status and message.
    fail_writes: Option<(usize, u16, String)>,
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A zone or record name as NS1 keys it: lowercase IDNA, no final dot.
fn norm_name(s: &str) -> String {
    let s = s.trim_end_matches('.').to_lowercase();
    if s.is_ascii() {
        return s;
    }
    dnsplan::model::idna_encode(&format!("{s}."))
        .map(|n| n.trim_end_matches('.').to_string())
        .unwrap_or(s)
}

/// A host name (final dot optional); `.` alone when `root_ok`; `*` only as the first label.
fn is_host(s: &str, root_ok: bool) -> bool {
    let t = s.strip_suffix('.').unwrap_or(s);
    if t.is_empty() {
        return root_ok && s == ".";
    }
    t.len() <= 253
        && t.split('.').enumerate().all(|(i, l)| {
            (l == "*" && i == 0)
                || (!l.is_empty()
                    && l.len() <= 63
                    && l.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        })
}

fn int_of(v: &J) -> Option<i64> {
    match v {
        J::Number(n) => n.as_i64(),
        J::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn num_of(v: &J) -> Option<f64> {
    match v {
        J::Number(n) => n.as_f64(),
        J::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn text_of(v: &J) -> String {
    match v {
        J::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn is_cidr(s: &str) -> bool {
    let Some((a, n)) = s.split_once('/') else {
        return false;
    };
    let Ok(n) = n.parse::<u8>() else {
        return false;
    };
    match a.parse::<IpAddr>() {
        Ok(IpAddr::V4(_)) => n <= 32,
        Ok(IpAddr::V6(_)) => n <= 128,
        Err(_) => false,
    }
}

fn check_part(ty: &str, i: usize, p: P, v: &J) -> Result<(), Fail> {
    let s = text_of(v);
    let ok = match p {
        P::V4 => v.is_string() && s.parse::<Ipv4Addr>().is_ok(),
        P::V6 => v.is_string() && s.parse::<Ipv6Addr>().is_ok(),
        P::Host => v.is_string() && is_host(&s, true),
        P::U8 => int_of(v).is_some_and(|n| (0..=255).contains(&n)),
        P::U16 => int_of(v).is_some_and(|n| (0..=65535).contains(&n)),
        P::U32 => int_of(v).is_some_and(|n| (0..=u32::MAX as i64).contains(&n)),
        P::Tag => !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric()),
        P::Hex => !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit()),
        P::Text => v.is_string() || v.is_number(),
    };
    if ok {
        Ok(())
    } else {
        Err(bad(format!(
            "invalid {ty} answer: part {i} ({v}) is not valid"
        )))
    }
}

/// An answer's `answer` parts for the record's type.
fn check_rdata(ty: &str, parts: &[J]) -> Result<(), Fail> {
    let (shape, more) = shape(ty).ok_or_else(|| bad(format!("unsupported record type {ty}")))?;
    let n_ok = parts.len() == shape.len() || (more && parts.len() > shape.len());
    if !n_ok {
        return Err(bad(format!(
            "invalid {ty} answer: expected {} parts, got {}",
            shape.len(),
            parts.len()
        )));
    }
    for (i, v) in parts.iter().enumerate() {
        check_part(ty, i, shape.get(i).copied().unwrap_or(P::Text), v)?;
    }
    Ok(())
}

/// A metadata value that may be one item or a list of them.
fn items(v: &J) -> Vec<J> {
    match v {
        J::Array(a) => a.clone(),
        J::String(s) if s.contains(',') => {
            s.split(',').map(|x| J::String(x.trim().into())).collect()
        }
        other => vec![other.clone()],
    }
}

/// Every item of `v` (one or a list, at most `max`) passes `f`.
fn each(v: &J, max: usize, f: impl Fn(&J) -> bool) -> bool {
    let list = items(v);
    !list.is_empty() && list.len() <= max && list.iter().all(f)
}

fn str_in(f: impl Fn(&str) -> bool) -> impl Fn(&J) -> bool {
    move |x| x.as_str().is_some_and(&f)
}

fn check_meta(st: &State, meta: &J, what: &str) -> Result<(), Fail> {
    let Some(m) = meta.as_object() else {
        return Err(bad(format!("{what}: meta must be an object")));
    };
    for (k, v) in m {
        if lookup(META, k).is_none() {
            return Err(bad(format!("{what}: invalid metadata field {k}")));
        }
        if let Some(feed) = v.as_object().and_then(|o| o.get("feed")) {
            let id = text_of(feed);
            if !st.sources.values().any(|s| s.feeds.contains_key(&id)) {
                return Err(bad(format!(
                    "{what}: meta {k} refers to an unknown data feed {id}"
                )));
            }
            continue;
        }
        let ok = match k.as_str() {
            "up" => {
                matches!(v, J::Bool(_))
                    || int_of(v).is_some_and(|n| n == 0 || n == 1)
                    || matches!(v.as_str(), Some("true" | "false"))
            }
            "weight" => num_of(v).is_some_and(|n| n > 0.0),
            "priority" => int_of(v).is_some_and(|n| n >= 1),
            "low_watermark" | "high_watermark" | "loadavg" | "cost" | "connections"
            | "requests" => num_of(v).is_some_and(|n| n >= 0.0),
            "note" => v.as_str().is_some_and(|s| s.chars().count() <= 256),
            "latitude" => num_of(v).is_some_and(|n| (-90.0..=90.0).contains(&n)),
            "longitude" => num_of(v).is_some_and(|n| (-180.0..=180.0).contains(&n)),
            "georegion" => each(v, 7, str_in(|s| lookup(GEOREGIONS, s).is_some())),
            "country" => each(v, 300, str_in(|s| geo_data::continent_of(s).is_some())),
            "us_state" => each(v, 100, str_in(|s| geo_data::province_in("NA", "US", s))),
            "ca_province" => each(v, 100, str_in(|s| geo_data::province_in("NA", "CA", s))),
            "ip_prefixes" => each(v, 1000, str_in(|s| is_cidr(s.trim()))),
            "asn" => each(v, 1000, |x| {
                int_of(x).is_some_and(|n| (0..=u32::MAX as i64).contains(&n))
            }),
            _ => true,
        };
        if !ok {
            return Err(bad(format!("{what}: invalid value for meta {k}: {v}")));
        }
    }
    Ok(())
}

fn check_filter(f: &J) -> Result<u64, Fail> {
    let name = f.get("filter").and_then(J::as_str).unwrap_or_default();
    let tier: u64 = lookup(FILTERS, name)
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| bad(format!("invalid filter {name:?}")))?;
    if f.get("config").is_some_and(|c| !c.is_object()) {
        return Err(bad(format!("filter {name}: config must be an object")));
    }
    if f.get("disabled").is_some_and(|d| !d.is_boolean()) {
        return Err(bad(format!("filter {name}: disabled must be a boolean")));
    }
    Ok(if f.get("disabled") == Some(&J::Bool(true)) {
        1
    } else {
        tier
    })
}

fn is_empty_obj(v: &J) -> bool {
    v.as_object().is_none_or(Map::is_empty)
}

/// `short_answers`: each answer's parts joined by a space.
fn short_answers(r: &J) -> J {
    let list = r["answers"].as_array().cloned().unwrap_or_default();
    J::Array(
        list.iter()
            .map(|a| {
                let parts: Vec<String> = a["answer"]
                    .as_array()
                    .map(|p| p.iter().map(text_of).collect())
                    .unwrap_or_default();
                J::String(parts.join(" "))
            })
            .collect(),
    )
}

fn summary(r: &J) -> J {
    json!({
        "id": r["id"], "domain": r["domain"], "type": r["type"], "ttl": r["ttl"],
        "tier": r["tier"], "link": r["link"], "use_client_subnet": r["use_client_subnet"],
        "short_answers": short_answers(r),
    })
}

impl State {
    fn new_id(&mut self) -> String {
        self.next += 1;
        format!(
            "{:024x}",
            0x5f1e_0a00_0000_0000_0000_0000u128 + self.next as u128
        )
    }

    fn zone(&self, name: &str) -> Result<&Zone, Fail> {
        self.zones.get(name).ok_or_else(|| not_found("zone"))
    }

    fn zone_mut(&mut self, name: &str) -> Result<&mut Zone, Fail> {
        self.zones.get_mut(name).ok_or_else(|| not_found("zone"))
    }

    /// Validate a record body against the URL's zone, domain and type (merged into `old` for
    /// an update) and build the stored object; new answers and a new record lack their `id`.
    fn build(&self, zone: &str, domain: &str, ty: &str, body: &Map<String, J>) -> Result<J, Fail> {
        let z = self.zone(zone)?;
        for (k, want) in [("zone", zone), ("domain", domain)] {
            if let Some(v) = body.get(k)
                && v.as_str().map(norm_name).as_deref() != Some(want)
            {
                return Err(bad(format!("{k} in the body does not match the URL")));
            }
        }
        if let Some(v) = body.get("type")
            && v.as_str().map(str::to_ascii_uppercase).as_deref() != Some(ty)
        {
            return Err(bad("type in the body does not match the URL"));
        }
        if shape(ty).is_none() {
            return Err(bad(format!("unsupported record type {ty}")));
        }
        if !is_host(domain, false) || (domain != zone && !domain.ends_with(&format!(".{zone}"))) {
            return Err(bad(format!("invalid domain {domain:?} for zone {zone}")));
        }
        let old = z.records.get(&(domain.to_string(), ty.to_string()));
        let mut r = old.cloned().unwrap_or_else(|| {
            json!({"zone": zone, "domain": domain, "type": ty, "ttl": z.obj["ttl"],
                   "answers": [], "filters": [], "regions": {}, "meta": {}, "link": null,
                   "use_client_subnet": true, "networks": [0]})
        });
        for k in RECORD_FIELDS.split_whitespace() {
            if let Some(v) = body.get(k) {
                r[k] = v.clone();
            }
        }
        if !r["ttl"]
            .as_i64()
            .is_some_and(|t| (0..=i32::MAX as i64).contains(&t))
        {
            return Err(bad(format!("invalid ttl {}", r["ttl"])));
        }
        if !r["use_client_subnet"].is_boolean() {
            return Err(bad("use_client_subnet must be a boolean"));
        }
        let linked = match &r["link"] {
            J::Null => false,
            J::String(l) if is_host(l, false) => true,
            other => return Err(bad(format!("invalid link {other}"))),
        };
        let Some(regions) = r["regions"].as_object().cloned() else {
            return Err(bad("regions must be an object"));
        };
        for (name, reg) in &regions {
            let meta = reg.get("meta").cloned().unwrap_or(json!({}));
            check_meta(self, &meta, &format!("region {name}"))?;
            r["regions"][name] = json!({"meta": meta});
        }
        check_meta(self, &r["meta"], "record")?;
        let Some(answers) = r["answers"].as_array().cloned() else {
            return Err(bad("answers must be a list"));
        };
        if answers.is_empty() && !linked {
            return Err(bad("a record needs at least one answer"));
        }
        let old_ids: BTreeSet<&str> = old
            .and_then(|o| o["answers"].as_array())
            .map(|a| a.iter().filter_map(|x| x["id"].as_str()).collect())
            .unwrap_or_default();
        let mut tier = if regions.is_empty() && is_empty_obj(&r["meta"]) {
            1
        } else {
            2
        };
        let mut out = Vec::new();
        for (i, a) in answers.iter().enumerate() {
            let parts = a.get("answer").and_then(J::as_array).ok_or_else(|| {
                bad(format!(
                    "answer {i}: expected an object with an `answer` list"
                ))
            })?;
            check_rdata(ty, parts)?;
            let meta = a.get("meta").cloned().unwrap_or(json!({}));
            check_meta(self, &meta, &format!("answer {i}"))?;
            if !is_empty_obj(&meta) {
                tier = tier.max(2);
            }
            let mut o = json!({"answer": parts, "meta": meta});
            match a.get("region") {
                None | Some(J::Null) => {}
                Some(J::String(g)) if regions.contains_key(g) => o["region"] = json!(g),
                Some(g) => {
                    return Err(bad(format!(
                        "answer {i}: region {g} is not a region of the record"
                    )));
                }
            }
            if let Some(id) = a.get("id").and_then(J::as_str)
                && old_ids.contains(id)
            {
                o["id"] = json!(id);
            }
            out.push(o);
        }
        r["answers"] = J::Array(out);
        let Some(filters) = r["filters"].as_array().cloned() else {
            return Err(bad("filters must be a list"));
        };
        for f in &filters {
            tier = tier.max(check_filter(f)?);
        }
        r["tier"] = json!(tier);
        r.as_object_mut().unwrap().remove("short_answers");
        // a CNAME is alone at its name
        for ((d, t), _) in z.records.range((domain.to_string(), String::new())..) {
            if d != domain {
                break;
            }
            if t != ty && (t == "CNAME" || ty == "CNAME") {
                return Err(bad(format!(
                    "a CNAME cannot coexist with other records at {domain} ({t})"
                )));
            }
        }
        Ok(r)
    }

    /// Give a built record and its new answers their ids, and store it.
    fn store(&mut self, zone: &str, mut r: J) -> J {
        if r["id"].as_str().is_none() {
            r["id"] = json!(self.new_id());
        }
        let n = r["answers"].as_array().map_or(0, Vec::len);
        for i in 0..n {
            if r["answers"][i]["id"].as_str().is_none() {
                r["answers"][i]["id"] = json!(self.new_id());
            }
        }
        let key = (text_of(&r["domain"]), text_of(&r["type"]));
        self.zones
            .get_mut(zone)
            .unwrap()
            .records
            .insert(key, r.clone());
        r
    }

    fn create_zone(&mut self, name: &str, body: &Map<String, J>) -> Result<J, Fail> {
        if !is_host(name, false) || !name.contains('.') || name.contains('*') {
            return Err(bad(format!("invalid zone name {name:?}")));
        }
        if self.zones.contains_key(name) {
            return Err(bad("invalid: FQDN already exists in the view"));
        }
        let mut obj = json!({
            "id": self.new_id(), "zone": name, "ttl": 3600, "nx_ttl": 3600, "retry": 7200,
            "refresh": 43200, "expiry": 1209600, "hostmaster": "hostmaster@nsone.net",
            "dns_servers": dns_servers(), "networks": [0], "network_pools": [POOL], "pool": POOL,
            "meta": {}, "link": null, "primary": {"enabled": false, "secondaries": []},
        });
        update_zone_fields(&mut obj, body)?;
        let ttl = obj["ttl"].clone();
        self.zones.insert(
            name.to_string(),
            Zone {
                obj,
                records: BTreeMap::new(),
            },
        );
        let answers: Vec<J> = dns_servers()
            .iter()
            .map(|s| json!({"answer": [s], "meta": {}}))
            .collect();
        let ns = json!({"zone": name, "domain": name, "type": "NS", "ttl": ttl,
                        "answers": answers, "filters": [], "regions": {}, "meta": {},
                        "link": null, "use_client_subnet": false, "networks": [0], "tier": 1});
        self.store(name, ns);
        Ok(self.zones[name].obj.clone())
    }

    fn feed_exists(&self, id: &str) -> bool {
        self.sources.values().any(|s| s.feeds.contains_key(id))
    }

    fn check_monitor(&self, m: &J) -> Result<(), Fail> {
        let f = |k: &str| m.get(k).unwrap_or(&J::Null);
        if !nonempty(f("name")) {
            return Err(bad("a monitoring job needs a name"));
        }
        let ty = f("job_type").as_str().unwrap_or_default();
        let required =
            lookup(JOB_TYPES, ty).ok_or_else(|| bad(format!("invalid job_type {ty:?}")))?;
        let Some(cfg) = f("config").as_object() else {
            return Err(bad("config must be an object"));
        };
        if let Some(k) = required.split(',').find(|k| !cfg.contains_key(*k)) {
            return Err(bad(format!("config.{k} is required for {ty} jobs")));
        }
        let Some(regions) = f("regions").as_array() else {
            return Err(bad("regions must be a list"));
        };
        if let Some(r) = regions.iter().find(|r| {
            r.as_str()
                .and_then(|c| lookup(MONITOR_REGIONS, c))
                .is_none()
        }) {
            return Err(bad(format!("invalid monitoring region {r}")));
        }
        match f("region_scope").as_str() {
            Some("fixed") if regions.is_empty() => return Err(bad("a fixed job needs regions")),
            Some("fixed" | "all") => {}
            _ => return Err(bad(format!("invalid region_scope {}", f("region_scope")))),
        }
        if !matches!(f("policy").as_str(), Some("all" | "one" | "quorum")) {
            return Err(bad(format!("invalid policy {}", f("policy"))));
        }
        if f("frequency").as_i64().is_none_or(|n| n <= 0) {
            return Err(bad(format!("invalid frequency {}", f("frequency"))));
        }
        for k in [
            "active",
            "rapid_recheck",
            "notify_regional",
            "notify_failback",
            "mute",
        ] {
            if m.get(k).is_some_and(|v| !v.is_boolean()) {
                return Err(bad(format!("{k} must be a boolean")));
            }
        }
        for k in ["notify_delay", "notify_repeat"] {
            if m.get(k).is_some_and(|v| v.as_i64().is_none_or(|n| n < 0)) {
                return Err(bad(format!("{k} must be a non-negative integer")));
            }
        }
        if !(f("notes").is_null() || f("notes").is_string()) {
            return Err(bad("notes must be a string"));
        }
        match f("notify_list") {
            J::Null => {}
            J::String(s) if s.is_empty() || self.lists.contains_key(s) => {}
            other => return Err(bad(format!("unknown notify_list {other}"))),
        }
        let rules_ok = f("rules").as_array().is_some_and(|a| {
            a.iter().all(|r| {
                r["key"].is_string()
                    && r["comparison"]
                        .as_str()
                        .is_some_and(|c| lookup(COMPARISONS, c).is_some())
                    && r.get("value").is_some()
            })
        });
        if !rules_ok {
            return Err(bad("rules must be a list of {key, comparison, value}"));
        }
        Ok(())
    }

    fn check_list(&self, l: &J) -> Result<(), Fail> {
        if !nonempty(&l["name"]) {
            return Err(bad("a notification list needs a name"));
        }
        let Some(items) = l["notify_list"].as_array() else {
            return Err(bad("notify_list must be a list"));
        };
        for n in items {
            let ty = n["type"].as_str().unwrap_or_default();
            let key = lookup(NOTIFY_TYPES, ty)
                .ok_or_else(|| bad(format!("invalid notifier type {ty:?}")))?;
            let v = &n["config"][key];
            if v.is_null() {
                return Err(bad(format!("config.{key} is required for {ty} notifiers")));
            }
            if ty == "datafeed" && !self.sources.contains_key(&text_of(v)) {
                return Err(bad(format!("unknown data source {v}")));
            }
        }
        Ok(())
    }

    fn check_feed(&self, source: &str, f: &J) -> Result<(), Fail> {
        let st = self.sources[source].obj["sourcetype"]
            .as_str()
            .unwrap_or_default();
        if !nonempty(&f["name"]) {
            return Err(bad("a data feed needs a name"));
        }
        if !f["config"].is_object() {
            return Err(bad("config must be an object"));
        }
        let key = lookup(SOURCE_TYPES, st).unwrap_or_default();
        if !key.is_empty() && f["config"][key].is_null() {
            return Err(bad(format!("config.{key} is required for {st} feeds")));
        }
        if key == "jobid" && !self.monitors.contains_key(&text_of(&f["config"]["jobid"])) {
            return Err(bad(format!(
                "unknown monitoring job {}",
                f["config"]["jobid"]
            )));
        }
        Ok(())
    }

    fn source_json(&self, id: &str) -> J {
        let s = &self.sources[id];
        let mut o = s.obj.clone();
        o["feeds"] = J::Array(s.feeds.values().cloned().collect());
        o
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

    /// Take a token from the key's bucket for this method class: (allowed, remaining).
    fn take_token(&mut self, key: &str, method: &str) -> (bool, u32) {
        let class = if method == "GET" { "read" } else { "write" };
        let (limit, period) = (self.rate_limit as f64, self.rate_period.max(1) as f64);
        let b = self
            .buckets
            .entry((key.to_string(), class))
            .or_insert(Bucket {
                tokens: limit,
                at: Instant::now(),
            });
        let now = Instant::now();
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * limit / period).min(limit);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            (true, b.tokens.floor() as u32)
        } else {
            (false, 0)
        }
    }
}

fn update_zone_fields(obj: &mut J, body: &Map<String, J>) -> Result<(), Fail> {
    for k in ["ttl", "nx_ttl", "retry", "refresh", "expiry"] {
        if let Some(v) = body.get(k) {
            let n = v.as_i64().filter(|n| (0..=i32::MAX as i64).contains(n));
            obj[k] = json!(n.ok_or_else(|| bad(format!("invalid {k} {v}")))?);
        }
    }
    for k in ["hostmaster", "meta", "primary", "tags"] {
        if let Some(v) = body.get(k) {
            obj[k] = v.clone();
        }
    }
    Ok(())
}

/// What a route answers: a body and, for a page with more after it, the next page's URL.
struct Out {
    body: J,
    next: Option<String>,
}

fn out(body: J) -> Result<Out, Fail> {
    Ok(Out { body, next: None })
}

/// One page of `items` (`?page=N`, from 1), and the next page's absolute URL if any.
fn page(st: &State, req: &Request, items: Vec<J>) -> Result<(Vec<J>, Option<String>), Fail> {
    let n = match query(req, "page") {
        None => 1,
        Some(p) => p
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| bad("invalid page"))?,
    };
    let size = st.page_size.max(1);
    let start = ((n - 1) * size).min(items.len());
    let end = (start + size).min(items.len());
    let next = (end < items.len()).then(|| {
        let host = header(req, "host").unwrap_or_else(|| "127.0.0.1".into());
        format!("http://{host}{}?page={}", req.url.path(), n + 1)
    });
    Ok((items[start..end].to_vec(), next))
}

fn body_object(req: &Request) -> Result<Map<String, J>, Fail> {
    if req.body.is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<J>(&req.body) {
        Ok(J::Object(m)) => Ok(m),
        _ => Err(bad("request body must be a JSON object")),
    }
}

/// Overlay `body` on `obj`, leaving `id` and the keys in `keep` alone.
fn merge(obj: &mut J, body: &Map<String, J>, keep: &[&str]) {
    for (k, v) in body {
        if k != "id" && !keep.contains(&k.as_str()) {
            obj[k] = v.clone();
        }
    }
}

/// Does a path exist for some method (405 rather than 404)?
fn known_path(segs: &[&str]) -> bool {
    matches!(
        segs,
        ["zones"]
            | ["zones", _]
            | ["zones", _, _, _]
            | ["monitoring", "jobs"]
            | ["monitoring", "jobs", _]
            | ["monitoring", "regions"]
            | ["lists"]
            | ["lists", _]
            | ["data", "sources"]
            | ["data", "sources", _]
            | ["data", "feeds", _]
            | ["data", "feeds", _, _]
    )
}

fn route(st: &mut State, req: &Request) -> Result<Out, Fail> {
    let path = req.url.path().to_string();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return Err(Fail(404, "Not Found".into()));
    };
    let decoded: Vec<String> = rest.split('/').skip(1).map(pct_decode).collect();
    let segs: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let method = req.method.as_str();
    match (method, segs.as_slice()) {
        ("GET", ["zones"]) => {
            let list: Vec<J> = st.zones.values().map(|z| z.obj.clone()).collect();
            let (items, next) = page(st, req, list)?;
            Ok(Out {
                body: J::Array(items),
                next,
            })
        }
        ("GET", ["zones", z]) => {
            let zone = st.zone(&norm_name(z))?;
            let list: Vec<J> = zone.records.values().map(summary).collect();
            let mut body = zone.obj.clone();
            let (items, next) = page(st, req, list)?;
            body["records"] = J::Array(items);
            Ok(Out { body, next })
        }
        ("PUT", ["zones", z]) => {
            let b = body_object(req)?;
            let name = norm_name(z);
            if b.get("zone")
                .is_some_and(|v| v.as_str().map(norm_name) != Some(name.clone()))
            {
                return Err(bad("zone in the body does not match the URL"));
            }
            let mut o = st.create_zone(&name, &b)?;
            o["records"] = J::Array(st.zones[&name].records.values().map(summary).collect());
            out(o)
        }
        ("POST", ["zones", z]) => {
            let b = body_object(req)?;
            let zone = st.zone_mut(&norm_name(z))?;
            update_zone_fields(&mut zone.obj, &b)?;
            out(zone.obj.clone())
        }
        ("DELETE", ["zones", z]) => {
            st.zones
                .remove(&norm_name(z))
                .ok_or_else(|| not_found("zone"))?;
            out(json!({}))
        }
        (m, ["zones", z, d, t]) => {
            let (zone, domain, ty) = (norm_name(z), norm_name(d), t.to_ascii_uppercase());
            let key = (domain.clone(), ty.clone());
            let exists = st.zone(&zone)?.records.contains_key(&key);
            match m {
                "GET" => st
                    .zone(&zone)?
                    .records
                    .get(&key)
                    .cloned()
                    .ok_or_else(|| not_found("record"))
                    .and_then(out),
                "PUT" | "POST" => {
                    let b = body_object(req)?;
                    if m == "PUT" && exists {
                        return Err(bad("record already exists"));
                    }
                    if m == "POST" && !exists {
                        return Err(not_found("record"));
                    }
                    let r = st.build(&zone, &domain, &ty, &b)?;
                    st.write_allowed()?;
                    out(st.store(&zone, r))
                }
                "DELETE" => {
                    if !exists {
                        return Err(not_found("record"));
                    }
                    st.write_allowed()?;
                    st.zone_mut(&zone)?.records.remove(&key);
                    out(json!({}))
                }
                _ => Err(Fail(405, "Method Not Allowed".into())),
            }
        }
        ("GET", ["monitoring", "regions"]) => out(J::Array(
            MONITOR_REGIONS
                .split_whitespace()
                .map(|c| json!({"code": c, "name": c.to_uppercase(), "subnets": []}))
                .collect(),
        )),
        ("GET", ["monitoring", "jobs"]) => out(J::Array(st.monitors.values().cloned().collect())),
        ("PUT", ["monitoring", "jobs"]) => {
            let b = body_object(req)?;
            let mut m = json!({
                "active": true, "rapid_recheck": false, "region_scope": "fixed",
                "policy": "quorum", "frequency": 60, "notify_delay": 0, "notify_repeat": 0,
                "notify_regional": false, "notify_failback": true, "notes": null,
                "notify_list": null, "rules": [], "regions": [], "config": {},
            });
            merge(&mut m, &b, &["status"]);
            st.check_monitor(&m)?;
            let id = st.new_id();
            m["id"] = json!(id);
            m["status"] = json!({"global": {"status": "pending", "since": now_secs()}});
            st.monitors.insert(id, m.clone());
            out(m)
        }
        (m @ ("GET" | "POST" | "DELETE"), ["monitoring", "jobs", id]) => {
            let mut job = st
                .monitors
                .get(*id)
                .cloned()
                .ok_or_else(|| not_found("job"))?;
            match m {
                "GET" => out(job),
                "DELETE" => {
                    st.monitors.remove(*id);
                    out(json!({}))
                }
                _ => {
                    let b = body_object(req)?;
                    if b.get("job_type").is_some_and(|t| *t != job["job_type"]) {
                        return Err(bad("the job_type of a monitoring job cannot be changed"));
                    }
                    merge(&mut job, &b, &["status"]);
                    st.check_monitor(&job)?;
                    st.monitors.insert(id.to_string(), job.clone());
                    out(job)
                }
            }
        }
        ("GET", ["lists"]) => out(J::Array(st.lists.values().cloned().collect())),
        ("PUT", ["lists"]) => {
            let b = body_object(req)?;
            let mut l = json!({"name": null, "notify_list": []});
            merge(&mut l, &b, &[]);
            st.check_list(&l)?;
            l["id"] = json!(st.new_id());
            st.lists.insert(text_of(&l["id"]), l.clone());
            out(l)
        }
        (m @ ("GET" | "POST" | "DELETE"), ["lists", id]) => {
            let mut l = st
                .lists
                .get(*id)
                .cloned()
                .ok_or_else(|| not_found("notification list"))?;
            match m {
                "GET" => out(l),
                "DELETE" => {
                    st.lists.remove(*id);
                    out(json!({}))
                }
                _ => {
                    merge(&mut l, &body_object(req)?, &[]);
                    st.check_list(&l)?;
                    st.lists.insert(id.to_string(), l.clone());
                    out(l)
                }
            }
        }
        ("GET", ["data", "sources"]) => {
            let ids: Vec<String> = st.sources.keys().cloned().collect();
            out(J::Array(ids.iter().map(|i| st.source_json(i)).collect()))
        }
        ("PUT", ["data", "sources"]) => {
            let b = body_object(req)?;
            let ty = b.get("sourcetype").and_then(J::as_str).unwrap_or_default();
            if lookup(SOURCE_TYPES, ty).is_none() {
                return Err(bad(format!("invalid sourcetype {ty:?}")));
            }
            if !b.get("name").is_some_and(nonempty) {
                return Err(bad("a data source needs a name"));
            }
            let id = st.new_id();
            let obj = json!({"id": id, "name": b["name"], "sourcetype": ty, "status": "ok",
                             "config": b.get("config").cloned().unwrap_or(json!({}))});
            st.sources.insert(
                id.clone(),
                Source {
                    obj,
                    feeds: BTreeMap::new(),
                },
            );
            out(st.source_json(&id))
        }
        (m @ ("GET" | "POST" | "DELETE"), ["data", "sources", id]) => {
            if !st.sources.contains_key(*id) {
                return Err(not_found("data source"));
            }
            match m {
                "GET" => out(st.source_json(id)),
                "DELETE" => {
                    st.sources.remove(*id);
                    out(json!({}))
                }
                _ => {
                    let b = body_object(req)?;
                    let s = st.sources.get_mut(*id).unwrap();
                    if b.get("sourcetype")
                        .is_some_and(|t| *t != s.obj["sourcetype"])
                    {
                        return Err(bad("the sourcetype of a data source cannot be changed"));
                    }
                    merge(&mut s.obj, &b, &["feeds", "status"]);
                    out(st.source_json(id))
                }
            }
        }
        (m, ["data", "feeds", sid, rest @ ..]) if rest.len() <= 1 => {
            if !st.sources.contains_key(*sid) {
                return Err(not_found("data source"));
            }
            let feeds = &st.sources[*sid].feeds;
            match (m, rest) {
                ("GET", []) => out(J::Array(feeds.values().cloned().collect())),
                ("PUT", []) => {
                    let b = body_object(req)?;
                    let mut f = json!({"name": null, "config": {}});
                    merge(&mut f, &b, &[]);
                    st.check_feed(sid, &f)?;
                    let id = st.new_id();
                    f["id"] = json!(id);
                    f["data"] = json!({});
                    f["networks"] = json!([]);
                    f["destinations"] = json!([]);
                    st.sources
                        .get_mut(*sid)
                        .unwrap()
                        .feeds
                        .insert(id, f.clone());
                    out(f)
                }
                (m @ ("GET" | "POST" | "DELETE"), [fid]) => {
                    let mut f = feeds
                        .get(*fid)
                        .cloned()
                        .ok_or_else(|| not_found("data feed"))?;
                    let feeds = &mut st.sources.get_mut(*sid).unwrap().feeds;
                    match m {
                        "GET" => out(f),
                        "DELETE" => {
                            feeds.remove(*fid);
                            out(json!({}))
                        }
                        _ => {
                            merge(&mut f, &body_object(req)?, &["data", "destinations"]);
                            st.check_feed(sid, &f)?;
                            st.sources
                                .get_mut(*sid)
                                .unwrap()
                                .feeds
                                .insert(fid.to_string(), f.clone());
                            out(f)
                        }
                    }
                }
                _ => Err(Fail(405, "Method Not Allowed".into())),
            }
        }
        (_, s) if known_path(s) => Err(Fail(405, "Method Not Allowed".into())),
        _ => Err(Fail(404, "Not Found".into())),
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
        let (limit, period) = (st.rate_limit, st.rate_period);
        let with_rate = |t: ResponseTemplate, remaining: u32| {
            t.insert_header("X-RateLimit-By", "customer")
                .insert_header("X-RateLimit-Limit", limit.to_string().as_str())
                .insert_header("X-RateLimit-Remaining", remaining.to_string().as_str())
                .insert_header("X-RateLimit-Period", period.to_string().as_str())
        };
        let key = header(req, "x-nsone-key").unwrap_or_default();
        if key != NS1_KEY {
            let t = ResponseTemplate::new(401).set_body_json(json!({"message": "Unauthorized"}));
            return with_rate(t, limit);
        }
        let (allowed, remaining) = st.take_token(&key, req.method.as_str());
        if !allowed {
            let t =
                ResponseTemplate::new(429).set_body_json(json!({"message": "rate limit exceeded"}));
            return with_rate(t, 0);
        }
        let t = match route(&mut st, req) {
            Ok(Out { body, next }) => {
                let t = ResponseTemplate::new(200).set_body_json(body);
                match next {
                    Some(url) => t.insert_header("Link", format!("<{url}>; rel=\"next\"").as_str()),
                    None => t,
                }
            }
            Err(Fail(status, message)) => {
                ResponseTemplate::new(status).set_body_json(json!({ "message": message }))
            }
        };
        with_rate(t, remaining)
    }
}

/// A running fake.
pub struct Ns1Fake {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    state: Arc<Mutex<State>>,
    _server: MockServer,
}

/// One fake for the whole test binary.
pub fn ns1() -> &'static Ns1Fake {
    static FAKE: OnceLock<Ns1Fake> = OnceLock::new();
    FAKE.get_or_init(Ns1Fake::start)
}

fn fail_panic(Fail(status, message): Fail) -> ! {
    panic!("the fake refuses: {status} {message}")
}

impl Ns1Fake {
    pub fn start() -> Ns1Fake {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let server = rt.block_on(MockServer::builder().disable_request_recording().start());
        let url = server.uri();
        let state = Arc::new(Mutex::new(State {
            zones: BTreeMap::new(),
            monitors: BTreeMap::new(),
            lists: BTreeMap::new(),
            sources: BTreeMap::new(),
            next: 0,
            rate_limit: 10_000,
            rate_period: 1,
            buckets: BTreeMap::new(),
            page_size: 2500,
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
        Ns1Fake {
            url,
            state,
            _server: server,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `http://127.0.0.1:PORT/v1`
    pub fn api_url(&self) -> String {
        format!("{}{PREFIX}", self.url)
    }

    /// The port the fake listens on (for the HTTPS front's upstream).
    pub fn port(&self) -> u16 {
        self.url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("a port")
    }

    /// Remove a zone (any case, with or without the final dot) and its records; clear the
    /// request log and the rate buckets.
    pub fn reset_zone(&self, zone: &str) {
        let mut st = self.lock();
        st.zones.remove(&norm_name(zone));
        st.log.clear();
        st.buckets.clear();
    }

    /// Remove every monitoring job, notification list, data source and feed.
    #[allow(dead_code)]
    pub fn reset_monitoring(&self) {
        let mut st = self.lock();
        st.monitors.clear();
        st.lists.clear();
        st.sources.clear();
    }

    /// Create a zone behind the client's back (with NS1's apex NS record); the zone object.
    pub fn create_zone(&self, zone: &str) -> J {
        let mut st = self.lock();
        st.create_zone(&norm_name(zone), &Map::new())
            .unwrap_or_else(|f| fail_panic(f))
    }

    pub fn zone_exists(&self, zone: &str) -> bool {
        self.lock().zones.contains_key(&norm_name(zone))
    }

    /// The zone object as `GET /zones/{zone}` shows it (all records), if the zone exists.
    #[allow(dead_code)]
    pub fn zone(&self, zone: &str) -> Option<J> {
        let st = self.lock();
        st.zones.get(&norm_name(zone)).map(|z| {
            let mut o = z.obj.clone();
            o["records"] = J::Array(z.records.values().map(summary).collect());
            o
        })
    }

    /// Every record of a zone, full objects, by domain then type.
    pub fn zone_records(&self, zone: &str) -> Vec<J> {
        let st = self.lock();
        st.zones
            .get(&norm_name(zone))
            .map(|z| z.records.values().cloned().collect())
            .unwrap_or_default()
    }

    /// One full record.
    pub fn record(&self, zone: &str, domain: &str, ty: &str) -> Option<J> {
        let st = self.lock();
        let key = (norm_name(domain), ty.to_ascii_uppercase());
        st.zones.get(&norm_name(zone))?.records.get(&key).cloned()
    }

    /// Create or replace a record behind the client's back, with the API's validation
    /// (`body` as for PUT, with `domain` and `type`); the stored record.
    pub fn put_record(&self, zone: &str, body: J) -> J {
        let mut st = self.lock();
        let zone = norm_name(zone);
        let b = body.as_object().cloned().expect("a record object");
        let domain = norm_name(b.get("domain").and_then(J::as_str).expect("domain"));
        let ty = b
            .get("type")
            .and_then(J::as_str)
            .expect("type")
            .to_ascii_uppercase();
        if let Ok(z) = st.zone_mut(&zone) {
            z.records.remove(&(domain.clone(), ty.clone()));
        }
        let r = st
            .build(&zone, &domain, &ty, &b)
            .unwrap_or_else(|f| fail_panic(f));
        st.store(&zone, r)
    }

    /// Set fields of a stored record behind the client's back, unvalidated (`null` removes).
    pub fn edit_record(&self, zone: &str, domain: &str, ty: &str, fields: J) {
        let mut st = self.lock();
        let key = (norm_name(domain), ty.to_ascii_uppercase());
        let z = st
            .zones
            .get_mut(&norm_name(zone))
            .expect("zone in the fake");
        let r = z.records.get_mut(&key).expect("record in the fake");
        for (k, v) in fields.as_object().expect("an object") {
            if v.is_null() {
                r.as_object_mut().unwrap().remove(k);
            } else {
                r[k] = v.clone();
            }
        }
    }

    #[allow(dead_code)]
    pub fn delete_record(&self, zone: &str, domain: &str, ty: &str) {
        let mut st = self.lock();
        if let Some(z) = st.zones.get_mut(&norm_name(zone)) {
            z.records
                .remove(&(norm_name(domain), ty.to_ascii_uppercase()));
        }
    }

    pub fn monitors(&self) -> Vec<J> {
        self.lock().monitors.values().cloned().collect()
    }

    /// Set fields of a monitoring job behind the client's back, unvalidated.
    pub fn edit_monitor(&self, id: &str, fields: J) {
        let mut st = self.lock();
        let m = st.monitors.get_mut(id).expect("job in the fake");
        merge(m, fields.as_object().expect("an object"), &[]);
    }

    pub fn delete_monitor(&self, id: &str) {
        self.lock().monitors.remove(id);
    }

    pub fn notify_lists(&self) -> Vec<J> {
        self.lock().lists.values().cloned().collect()
    }

    /// Data sources as `GET /data/sources` lists them (with their feeds).
    pub fn data_sources(&self) -> Vec<J> {
        let st = self.lock();
        st.sources.keys().map(|i| st.source_json(i)).collect()
    }

    pub fn data_feeds(&self, source_id: &str) -> Vec<J> {
        let st = self.lock();
        st.sources
            .get(source_id)
            .map(|s| s.feeds.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Is there a data feed with this id (under any source)?
    pub fn feed_exists(&self, feed_id: &str) -> bool {
        self.lock().feed_exists(feed_id)
    }

    /// Requests made so far (`METHOD path?query`), since the last reset.
    pub fn requests(&self) -> Vec<String> {
        self.lock().log.clone()
    }

    #[allow(dead_code)]
    pub fn clear_requests(&self) {
        self.lock().log.clear();
    }

    /// `limit` tokens per `period_secs` per key and method class from now on (full buckets).
    pub fn set_rate(&self, limit: u32, period_secs: u32) {
        let mut st = self.lock();
        st.rate_limit = limit;
        st.rate_period = period_secs.max(1);
        st.buckets.clear();
    }

    /// Records (and zones) per page before a `Link: rel="next"`.
    pub fn set_page_size(&self, n: usize) {
        self.lock().page_size = n.max(1);
    }

    /// Let `pass` record writes (PUT, POST, DELETE of a record) through, then refuse the next
    /// one with `status` and `message` (once).
    pub fn fail_writes_after(&self, pass: usize, status: u16, message: &str) {
        self.lock().fail_writes = Some((pass, status, message.to_string()));
    }
}
