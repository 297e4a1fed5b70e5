//! A stateful fake of Hetzner's two DNS APIs on one wiremock server on 127.0.0.1, for the
//! `hetzner` provider:
//!
//! - the **Hetzner Cloud API** Zones (`/v1`): `GET/POST /zones`, `GET /zones/{id_or_name}/rrsets`,
//!   `POST …/rrsets`, `DELETE …/rrsets/{name}/{type}`, `POST …/rrsets/{name}/{type}/actions/
//!   set_records` and `…/change_ttl`, `GET /actions/{id}`;
//! - the **DNS Console API** (`/api/v1`): `GET/POST /zones`, `GET /records?zone_id=`,
//!   `POST /records`, `PUT/DELETE /records/{id}`.
//!
//! Written from Hetzner's published references (docs.hetzner.cloud, "Zones" and "Zone RRSets"
//! and "Actions", with its error object, pagination `meta` and rate-limit headers; and
//! dns.hetzner.com/api-docs for the Console API), not from a client.
//!
//! ## Faithful
//!
//! - Auth: Cloud `Authorization: Bearer <token>` (401 `unauthorized`); Console
//!   `Auth-API-Token` (401 `{"message": "Invalid authentication credentials"}`); the tokens
//!   are not interchangeable.
//! - Cloud errors `{"error": {"code", "message", "details"}}`: `invalid_input` (400),
//!   `not_found` (404), `uniqueness_error` (409) for an rrset or zone that exists,
//!   `rate_limit_exceeded` (429 with `RateLimit-*` headers and `Retry-After`).
//! - Pagination: `page`, `per_page` (Cloud at most 50, default 25; Console default 100),
//!   `meta.pagination` `{page, per_page, previous_page, next_page, last_page, total_entries}`.
//! - A new zone has its SOA and apex NS (`hydrogen/oxygen/helium.ns.hetzner.com.`); rrset ids
//!   are `name/type`; writes answer an `action` that is `running` and `success` when next read.
//! - Validation: types A, AAAA, CAA, CNAME, DS, HINFO, HTTPS, MX, NS, PTR, RP, SOA, SRV,
//!   SVCB, TLSA, TXT; values per type (addresses, numbers, names); Cloud TXT values must be
//!   quoted character-strings of at most 255 octets; CNAME alone at its name; TTL 60…2147483647
//!   (Cloud) — `invalid_input` with the field in `details`.
//!
//! ## Simplified or guessed
//!
//! - Messages are this fake's own; the Console API's behaviour on invalid values is a 422 with
//!   `{"error": {"message", "code": 422}}` (its documented shape).
//! - Labels, protection, zone files, secondary zones and the Console's bulk endpoints are not
//!   modelled.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use crate::fake_http::{header, pct_decode, query};
use serde_json::{Value as J, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const CLOUD_TOKEN: &str = "hcloud-test-token-0123456789abcdefghijklmnopqrstuv";
pub const CONSOLE_TOKEN: &str = "dnsconsole-test-token-0123456789";

const TYPES: &[&str] = &[
    "A", "AAAA", "CAA", "CNAME", "DS", "HINFO", "HTTPS", "MX", "NS", "PTR", "RP", "SOA", "SRV",
    "SVCB", "TLSA", "TXT",
];

#[derive(Clone)]
struct Rrset {
    ttl: Option<u64>,
    values: Vec<String>,
}

struct HZone {
    id: u64,
    name: String,
    ttl: u64,
    /// (name, type) → rrset; the Console API's records are the same data, one id per value.
    rrsets: BTreeMap<(String, String), Rrset>,
}

struct State {
    zones: Vec<HZone>,
    next: u64,
    actions: BTreeMap<u64, u32>,
    /// Console record ids: id → (zone id, name, type, value)
    log: Vec<String>,
    rate: Option<u32>,
    used: u32,
    /// 429s answered.
    limited: u32,
    /// Refuse every write to the rrsets of this name (a fault to test against).
    refuse: Option<String>,
}

type Res = Result<J, (u16, &'static str, String)>;

fn cloud_err(
    status: u16,
    code: &'static str,
    msg: impl Into<String>,
) -> (u16, &'static str, String) {
    (status, code, msg.into())
}

fn is_host(s: &str) -> bool {
    let s = s.trim_end_matches('.');
    !s.is_empty()
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// Quoted character-strings, each at most 255 octets.
fn quoted_strings_ok(v: &str) -> bool {
    let b = v.as_bytes();
    let mut i = 0;
    let mut any = false;
    while i < b.len() {
        if b[i] == b' ' {
            i += 1;
            continue;
        }
        if b[i] != b'"' {
            return false;
        }
        i += 1;
        let mut n = 0;
        loop {
            if i >= b.len() {
                return false;
            }
            match b[i] {
                b'"' => {
                    i += 1;
                    break;
                }
                b'\\' => {
                    i += if i + 3 < b.len() && b[i + 1].is_ascii_digit() {
                        4
                    } else {
                        2
                    };
                }
                _ => i += 1,
            }
            n += 1;
        }
        if n > 255 {
            return false;
        }
        any = true;
    }
    any
}

fn check_value(ty: &str, v: &str, cloud: bool) -> Result<(), String> {
    let f: Vec<&str> = v.split_whitespace().collect();
    let num = |i: usize, max: u64| {
        f.get(i)
            .and_then(|x| x.parse::<u64>().ok())
            .is_some_and(|n| n <= max)
    };
    let hex = |i: usize| {
        f.get(i)
            .is_some_and(|x| !x.is_empty() && x.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    let host_at = |i: usize| f.get(i).is_some_and(|x| *x == "." || is_host(x));
    let ok = match ty {
        "A" => v.parse::<std::net::Ipv4Addr>().is_ok(),
        "AAAA" => v.parse::<std::net::Ipv6Addr>().is_ok(),
        "CNAME" | "NS" | "PTR" => f.len() == 1 && is_host(v),
        "MX" => f.len() == 2 && num(0, 65535) && host_at(1),
        "SRV" => f.len() == 4 && num(0, 65535) && num(1, 65535) && num(2, 65535) && host_at(3),
        "CAA" => f.len() >= 3 && num(0, 255) && f[1].bytes().all(|b| b.is_ascii_alphanumeric()),
        "DS" => f.len() == 4 && num(0, 65535) && num(1, 255) && num(2, 255) && hex(3),
        "TLSA" => f.len() == 4 && num(0, 255) && num(1, 255) && num(2, 255) && hex(3),
        "TXT" if cloud => quoted_strings_ok(v),
        "TXT" => true,
        _ => !v.is_empty(),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("invalid {ty} value '{v}'"))
    }
}

fn pagination(req: &Request, items: Vec<J>, key: &str, default: usize, max: usize) -> Res {
    let page: usize = query(req, "page")
        .and_then(|p| p.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let per_page: usize = match query(req, "per_page") {
        None => default,
        Some(p) => p
            .parse()
            .ok()
            .filter(|p| (1..=max).contains(p))
            .ok_or_else(|| cloud_err(400, "invalid_input", "invalid per_page"))?,
    };
    let total = items.len();
    let last = total.div_ceil(per_page).max(1);
    let start = ((page - 1) * per_page).min(total);
    let end = (start + per_page).min(total);
    let mut out = json!({});
    out[key] = J::Array(items[start..end].to_vec());
    out["meta"] = json!({"pagination": {"page": page, "per_page": per_page,
        "previous_page": if page > 1 { json!(page - 1) } else { J::Null },
        "next_page": if page < last { json!(page + 1) } else { J::Null },
        "last_page": last, "total_entries": total}});
    Ok(out)
}

fn new_zone(id: u64, name: &str, ttl: u64) -> HZone {
    let mut rrsets = BTreeMap::new();
    rrsets.insert(
        ("@".into(), "SOA".into()),
        Rrset {
            ttl: None,
            values: vec![
                "hydrogen.ns.hetzner.com. dns.hetzner.com. 2026120601 86400 10800 3600000 3600"
                    .into(),
            ],
        },
    );
    rrsets.insert(
        ("@".into(), "NS".into()),
        Rrset {
            ttl: None,
            values: ["hydrogen", "oxygen", "helium"]
                .iter()
                .map(|h| format!("{h}.ns.hetzner.com."))
                .collect(),
        },
    );
    HZone {
        id,
        name: name.into(),
        ttl,
        rrsets,
    }
}

impl State {
    fn action(&mut self, command: &str) -> J {
        self.next += 1;
        self.actions.insert(self.next, 1);
        json!({"id": self.next, "command": command, "status": "running", "progress": 0, "error": null})
    }

    fn zone(&mut self, id_or_name: &str) -> Result<&mut HZone, (u16, &'static str, String)> {
        self.zones
            .iter_mut()
            .find(|z| z.id.to_string() == id_or_name || z.name == id_or_name)
            .ok_or_else(|| cloud_err(404, "not_found", "zone not found"))
    }

    fn rrset_json(z: &HZone, name: &str, ty: &str, r: &Rrset) -> J {
        json!({"id": format!("{name}/{ty}"), "name": name, "type": ty, "ttl": r.ttl, "labels": {},
               "protection": {"change": false}, "zone": z.id,
               "records": r.values.iter().map(|v| json!({"value": v, "comment": null})).collect::<Vec<_>>()})
    }

    fn check_rrset(
        z: &HZone,
        name: &str,
        ty: &str,
        values: &[String],
        replacing: bool,
    ) -> Result<(), (u16, &'static str, String)> {
        if !TYPES.contains(&ty) {
            return Err(cloud_err(
                400,
                "invalid_input",
                format!("type {ty} is not supported"),
            ));
        }
        if name != "@" && !name.split('.').all(|l| l == "*" || is_host(l)) {
            return Err(cloud_err(
                400,
                "invalid_input",
                format!("invalid name '{name}'"),
            ));
        }
        if values.is_empty() {
            return Err(cloud_err(400, "invalid_input", "records must not be empty"));
        }
        for v in values {
            check_value(ty, v, true).map_err(|m| cloud_err(400, "invalid_input", m))?;
        }
        let conflict = z
            .rrsets
            .keys()
            .any(|(n, t)| n == name && t != ty && (ty == "CNAME" || t == "CNAME"));
        if conflict && !replacing {
            return Err(cloud_err(
                400,
                "invalid_input",
                format!("a CNAME cannot share the name '{name}' with other records"),
            ));
        }
        Ok(())
    }

    fn cloud(&mut self, req: &Request) -> Res {
        if header(req, "authorization").as_deref() != Some(&format!("Bearer {CLOUD_TOKEN}")) {
            return Err(cloud_err(401, "unauthorized", "unable to authenticate"));
        }
        if let Some(n) = self.rate {
            if self.used >= n {
                return Err(cloud_err(
                    429,
                    "rate_limit_exceeded",
                    "limit of 3600 requests per hour reached",
                ));
            }
            self.used += 1;
        }
        let path = req.url.path().trim_start_matches("/v1").to_string();
        let segs: Vec<String> = path.split('/').skip(1).map(pct_decode).collect();
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        let body: J = serde_json::from_slice(&req.body).unwrap_or(J::Null);
        if let Some(name) = &self.refuse
            && req.method.as_str() != "GET"
            && (segs.get(3) == Some(&name.as_str()) || body["name"] == name.as_str())
        {
            return Err(cloud_err(
                422,
                "invalid_input",
                format!("the rrset '{name}' is locked (injected)"),
            ));
        }
        match (req.method.as_str(), segs.as_slice()) {
            ("GET", ["zones"]) => {
                let name = query(req, "name");
                let list: Vec<J> = self.zones.iter().filter(|z| name.as_ref().is_none_or(|n| *n == z.name))
                    .map(|z| json!({"id": z.id, "name": z.name, "mode": "primary", "ttl": z.ttl, "status": "ok"})).collect();
                pagination(req, list, "zones", 25, 50)
            }
            ("POST", ["zones"]) => {
                let name = body["name"].as_str().unwrap_or_default().to_lowercase();
                if !is_host(&name) || !name.contains('.') {
                    return Err(cloud_err(400, "invalid_input", "invalid zone name"));
                }
                if body["mode"] != "primary" && body["mode"] != "secondary" {
                    return Err(cloud_err(400, "invalid_input", "mode is required"));
                }
                if self.zones.iter().any(|z| z.name == name) {
                    return Err(cloud_err(
                        409,
                        "uniqueness_error",
                        "zone name is already used",
                    ));
                }
                self.next += 1;
                let z = new_zone(self.next, &name, body["ttl"].as_u64().unwrap_or(3600));
                let zj = json!({"id": z.id, "name": z.name, "mode": "primary", "ttl": z.ttl, "status": "ok"});
                self.zones.push(z);
                Ok(json!({"zone": zj, "action": self.action("create_zone")}))
            }
            ("GET", ["zones", zone, "rrsets"]) => {
                let z = self.zone(zone)?;
                let list: Vec<J> = z
                    .rrsets
                    .iter()
                    .map(|((n, t), r)| Self::rrset_json(z, n, t, r))
                    .collect();
                pagination(req, list, "rrsets", 25, 50)
            }
            ("POST", ["zones", zone, "rrsets"]) => {
                let name = body["name"].as_str().unwrap_or_default().to_string();
                let ty = body["type"].as_str().unwrap_or_default().to_string();
                let values: Vec<String> = body["records"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|r| r["value"].as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                let ttl = body["ttl"].as_u64();
                if ttl.is_some_and(|t| t < 60) {
                    return Err(cloud_err(400, "invalid_input", "ttl must be at least 60"));
                }
                let z = self.zone(zone)?;
                if z.rrsets.contains_key(&(name.clone(), ty.clone())) {
                    return Err(cloud_err(
                        409,
                        "uniqueness_error",
                        format!("rrset {name}/{ty} already exists"),
                    ));
                }
                Self::check_rrset(z, &name, &ty, &values, false)?;
                z.rrsets
                    .insert((name.clone(), ty.clone()), Rrset { ttl, values });
                let j = Self::rrset_json(z, &name, &ty, &z.rrsets[&(name.clone(), ty.clone())]);
                Ok(json!({"rrset": j, "action": self.action("create_rrset")}))
            }
            ("DELETE", ["zones", zone, "rrsets", name, ty]) => {
                let (name, ty) = (name.to_string(), ty.to_string());
                let z = self.zone(zone)?;
                if ty == "SOA" && name == "@" {
                    return Err(cloud_err(400, "invalid_input", "the SOA cannot be deleted"));
                }
                z.rrsets
                    .remove(&(name, ty))
                    .ok_or_else(|| cloud_err(404, "not_found", "rrset not found"))?;
                Ok(json!({"action": self.action("delete_rrset")}))
            }
            ("POST", ["zones", zone, "rrsets", name, ty, "actions", act]) => {
                let (name, ty, act) = (name.to_string(), ty.to_string(), act.to_string());
                let z = self.zone(zone)?;
                let key = (name.clone(), ty.clone());
                let cur = z
                    .rrsets
                    .get(&key)
                    .cloned()
                    .ok_or_else(|| cloud_err(404, "not_found", "rrset not found"))?;
                match act.as_str() {
                    "set_records" => {
                        let values: Vec<String> = body["records"]
                            .as_array()
                            .map(|a| {
                                a.iter()
                                    .filter_map(|r| r["value"].as_str().map(str::to_string))
                                    .collect()
                            })
                            .unwrap_or_default();
                        Self::check_rrset(z, &name, &ty, &values, true)?;
                        z.rrsets.insert(
                            key,
                            Rrset {
                                ttl: cur.ttl,
                                values,
                            },
                        );
                    }
                    "change_ttl" => {
                        let ttl = body["ttl"].as_u64();
                        if ttl.is_some_and(|t| t < 60) {
                            return Err(cloud_err(400, "invalid_input", "ttl must be at least 60"));
                        }
                        z.rrsets.insert(
                            key,
                            Rrset {
                                ttl,
                                values: cur.values,
                            },
                        );
                    }
                    _ => return Err(cloud_err(404, "not_found", "no such action")),
                }
                Ok(json!({"action": self.action(&act)}))
            }
            ("GET", ["actions", id]) => {
                let id: u64 = id
                    .parse()
                    .map_err(|_| cloud_err(404, "not_found", "action not found"))?;
                let left = self
                    .actions
                    .get_mut(&id)
                    .ok_or_else(|| cloud_err(404, "not_found", "action not found"))?;
                let status = if *left == 0 {
                    "success"
                } else {
                    *left -= 1;
                    "running"
                };
                Ok(
                    json!({"action": {"id": id, "status": status, "progress": if status == "success" { 100 } else { 50 }, "error": null}}),
                )
            }
            _ => Err(cloud_err(
                404,
                "not_found",
                format!("{} {path} not found", req.method),
            )),
        }
    }

    /// The Console API: the same zones, records one per value, ids `zone:name:type:index`
    /// hashed into hex.
    fn console(&mut self, req: &Request) -> Result<J, (u16, J)> {
        if header(req, "auth-api-token").as_deref() != Some(CONSOLE_TOKEN) {
            return Err((
                401,
                json!({"message": "Invalid authentication credentials"}),
            ));
        }
        let unprocessable = |m: String| (422, json!({"error": {"message": m, "code": 422}}));
        let not_found = || {
            (
                404,
                json!({"error": {"message": "record not found", "code": 404}}),
            )
        };
        let path = req.url.path().trim_start_matches("/api/v1").to_string();
        let body: J = serde_json::from_slice(&req.body).unwrap_or(J::Null);
        let page = |items: Vec<J>, key: &str| {
            pagination(req, items, key, 100, 100).map_err(|(s, _, m)| (s, json!({"message": m})))
        };
        match (req.method.as_str(), path.as_str()) {
            ("GET", "/zones") => {
                let name = query(req, "name");
                let list: Vec<J> = self
                    .zones
                    .iter()
                    .filter(|z| name.as_ref().is_none_or(|n| *n == z.name))
                    .map(|z| json!({"id": format!("z{:x}", z.id), "name": z.name, "ttl": z.ttl}))
                    .collect();
                page(list, "zones")
            }
            ("POST", "/zones") => {
                let name = body["name"].as_str().unwrap_or_default().to_lowercase();
                if !is_host(&name) || !name.contains('.') {
                    return Err(unprocessable("invalid zone name".into()));
                }
                if self.zones.iter().any(|z| z.name == name) {
                    return Err(unprocessable("zone already exists".into()));
                }
                self.next += 1;
                let z = new_zone(self.next, &name, body["ttl"].as_u64().unwrap_or(86400));
                let j =
                    json!({"zone": {"id": format!("z{:x}", z.id), "name": z.name, "ttl": z.ttl}});
                self.zones.push(z);
                Ok(j)
            }
            ("GET", "/records") => {
                let zid = query(req, "zone_id").unwrap_or_default();
                let z = self
                    .zones
                    .iter()
                    .find(|z| format!("z{:x}", z.id) == zid)
                    .ok_or_else(not_found)?;
                let mut list = Vec::new();
                for ((n, t), r) in &z.rrsets {
                    for (i, v) in r.values.iter().enumerate() {
                        let mut rec = json!({"id": record_id(z.id, n, t, v, i), "zone_id": zid, "name": n, "type": t, "value": v});
                        if let Some(ttl) = r.ttl {
                            rec["ttl"] = json!(ttl);
                        }
                        list.push(rec);
                    }
                }
                page(list, "records")
            }
            ("POST", "/records") => {
                let zid = body["zone_id"].as_str().unwrap_or_default().to_string();
                let (name, ty, value) = (
                    body["name"].as_str().unwrap_or_default().to_string(),
                    body["type"].as_str().unwrap_or_default().to_string(),
                    body["value"].as_str().unwrap_or_default().to_string(),
                );
                let z = self
                    .zones
                    .iter_mut()
                    .find(|z| format!("z{:x}", z.id) == zid)
                    .ok_or_else(|| unprocessable("zone_id is invalid".into()))?;
                if !TYPES.contains(&ty.as_str()) {
                    return Err(unprocessable(format!("type {ty} is not supported")));
                }
                check_value(&ty, &value, false).map_err(unprocessable)?;
                if z.rrsets
                    .keys()
                    .any(|(n, t)| *n == name && *t != ty && (ty == "CNAME" || t == "CNAME"))
                {
                    return Err(unprocessable("a CNAME cannot share its name".into()));
                }
                let ttl = body["ttl"].as_u64();
                let e = z.rrsets.entry((name.clone(), ty.clone())).or_insert(Rrset {
                    ttl,
                    values: Vec::new(),
                });
                if ttl.is_some() {
                    e.ttl = ttl;
                }
                e.values.push(value.clone());
                let i = e.values.len() - 1;
                Ok(
                    json!({"record": {"id": record_id(z.id, &name, &ty, &value, i), "zone_id": zid, "name": name, "type": ty, "value": value, "ttl": ttl}}),
                )
            }
            ("DELETE", p) if p.starts_with("/records/") => {
                let rid = &p["/records/".len()..];
                for z in &mut self.zones {
                    let hit = z.rrsets.iter().find_map(|((n, t), r)| {
                        r.values
                            .iter()
                            .enumerate()
                            .find(|(i, v)| record_id(z.id, n, t, v, *i) == rid)
                            .map(|(i, _)| ((n.clone(), t.clone()), i))
                    });
                    if let Some((key, i)) = hit {
                        let r = z.rrsets.get_mut(&key).unwrap();
                        r.values.remove(i);
                        if r.values.is_empty() {
                            z.rrsets.remove(&key);
                        }
                        return Ok(json!({}));
                    }
                }
                Err(not_found())
            }
            _ => Err((404, json!({"message": "not found"}))),
        }
    }
}

/// A stable id for a Console record: a hash of its zone, name, type and value.
fn record_id(zone: u64, name: &str, ty: &str, value: &str, _i: usize) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (zone, name, ty, value).hash(&mut h);
    format!("{:016x}", h.finish())
}

struct Fake {
    state: Arc<Mutex<State>>,
}

impl Respond for Fake {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let q = req.url.query().map(|q| format!("?{q}")).unwrap_or_default();
        st.log.push(format!("{} {}{q}", req.method, req.url.path()));
        if req.url.path().starts_with("/api/v1/") {
            return match st.console(req) {
                Ok(j) => ResponseTemplate::new(200).set_body_json(j),
                Err((s, j)) => ResponseTemplate::new(s).set_body_json(j),
            };
        }
        match st.cloud(req) {
            Ok(j) => ResponseTemplate::new(if req.method.as_str() == "POST" {
                201
            } else {
                200
            })
            .set_body_json(j),
            Err((status, code, message)) => {
                let t = ResponseTemplate::new(status).set_body_json(
                    json!({"error": {"code": code, "message": message, "details": {}}}),
                );
                if status == 429 {
                    st.rate = None;
                    st.limited += 1;
                    t.insert_header("Retry-After", "1")
                        .insert_header("RateLimit-Limit", "3600")
                        .insert_header("RateLimit-Remaining", "0")
                } else {
                    t
                }
            }
        }
    }
}

pub struct HetznerFake {
    pub url: String,
    state: Arc<Mutex<State>>,
    _server: MockServer,
}

pub fn hetzner() -> &'static HetznerFake {
    static FAKE: OnceLock<HetznerFake> = OnceLock::new();
    FAKE.get_or_init(HetznerFake::start)
}

impl HetznerFake {
    pub fn start() -> HetznerFake {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let server = rt.block_on(MockServer::builder().disable_request_recording().start());
        let url = server.uri();
        let state = Arc::new(Mutex::new(State {
            zones: Vec::new(),
            next: 0,
            actions: BTreeMap::new(),
            log: Vec::new(),
            rate: None,
            used: 0,
            limited: 0,
            refuse: None,
        }));
        rt.block_on(
            Mock::given(any())
                .respond_with(Fake {
                    state: state.clone(),
                })
                .mount(&server),
        );
        HetznerFake {
            url,
            state,
            _server: server,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn cloud_endpoint(&self) -> String {
        format!("{}/v1", self.url)
    }

    pub fn console_endpoint(&self) -> String {
        format!("{}/api/v1", self.url)
    }

    pub fn reset_zone(&self, zone: &str) {
        let name = zone.trim_end_matches('.');
        self.lock().zones.retain(|z| z.name != name);
    }

    /// `name TYPE ttl [values]` per rrset of a zone, without the SOA.
    pub fn stored(&self, zone: &str) -> Vec<String> {
        let st = self.lock();
        st.zones
            .iter()
            .find(|z| z.name == zone.trim_end_matches('.'))
            .map(|z| {
                z.rrsets
                    .iter()
                    .filter(|((_, t), _)| t != "SOA")
                    .map(|((n, t), r)| {
                        format!(
                            "{n} {t} {} {:?}",
                            r.ttl.map_or("-".to_string(), |t| t.to_string()),
                            r.values
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Replace an rrset behind the client's back.
    pub fn put(&self, zone: &str, name: &str, ty: &str, ttl: Option<u64>, values: &[&str]) {
        let mut st = self.lock();
        let z = st
            .zones
            .iter_mut()
            .find(|z| z.name == zone.trim_end_matches('.'))
            .expect("zone in the fake");
        z.rrsets.insert(
            (name.into(), ty.into()),
            Rrset {
                ttl,
                values: values.iter().map(|v| v.to_string()).collect(),
            },
        );
    }

    pub fn requests(&self) -> Vec<String> {
        self.lock().log.clone()
    }

    /// Refuse every Cloud write to the rrsets named `name`.
    pub fn refuse_writes_to(&self, name: &str) {
        self.lock().refuse = Some(name.to_string());
    }

    /// Take writes again (after `refuse_writes_to`).
    pub fn accept_writes(&self) {
        self.lock().refuse = None;
    }

    /// 429s answered so far.
    pub fn limited(&self) -> u32 {
        self.lock().limited
    }

    /// Let `n` more Cloud requests through, then answer one 429.
    pub fn rate_limit_after(&self, n: u32) {
        let mut st = self.lock();
        st.rate = Some(n);
        st.used = 0;
    }
}
