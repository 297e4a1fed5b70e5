//! Any authoritative server that takes RFC 2136 UPDATE and serves AXFR (BIND 9, Knot DNS, …),
//! as octodns-bind's `Rfc2136Provider` (alias `BindProvider`) and `AxfrSource`.
//!
//! Settings are octodns-bind 1.1's: `host` (required; an address or a name), `port` (53),
//! `ipv6` (false: a host name is resolved to IPv4), `timeout` (15 s, per network step),
//! `key_name`, `key_secret` (base64) and `key_algorithm` (`hmac-sha256`; also `hmac-sha384`,
//! `hmac-sha512`) for TSIG, and `update_batch_size` (unset: as many changes per UPDATE as one
//! message holds). Without a key, requests go unsigned. The secret is never printed.
//!
//! - Reading: AXFR over TCP (`client`), TSIG-signed and every answer's signature checked. The
//!   SOA is left out (its serial belongs to the server: no change ever touches it); every
//!   type the model carries is read through `model::rdata::parse` (`codec` turns RDATA into
//!   presentation text), others (HINFO, RRSIG, …) are kept as `Rfc2136Provider/TYPE` data,
//!   which no plan ever deletes. A zone the server does not serve is an error saying so:
//!   RFC 2136 cannot create zones (§7.6), so a plan for it cannot be applied.
//! - Applying: one UPDATE per plan (`update`), chunked only past 64 KiB or
//!   `update_batch_size`, with prerequisites from the plan's existing record sets, so a
//!   record changed on the server since it was read makes the server refuse the update
//!   (YXRRSET / NXRRSET), reported naming what changed. Any other refusal (REFUSED, NOTAUTH,
//!   SERVFAIL, …) is reported with its rcode, what was not applied, and the likely cause
//!   (BIND refuses a whole update that would leave an in-zone MX or NS target without an
//!   address record). Servers silently ignore some updates (a CNAME added beside other data,
//!   RFC 2136 §3.4.2.2; the deletion of the last apex NS): after the update the zone is read
//!   again and every change the server did not make is an error.
//! - `AxfrSource` is read-only: applying to it is refused.
//! - Capabilities: the types BIND 9.18 and Knot 3.2 serve that the model carries (all core
//!   types but ALIAS and URLFWD, which are not DNS types), root NS, multi-value PTR; no
//!   dynamic records. Values are checked at plan time to read back as written (a LOC size
//!   of 1.5 m cannot be stored: RFC 1876 keeps one digit).

pub mod client;
pub mod codec;
pub mod settings;
pub mod update;
pub mod wire;

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;

use serde_json::Value as J;

use self::client::{Failure, Transfer};
use self::wire::{Name, TsigFailure};
use super::{ApplyReport, BoxFut, Provider, ProviderError};
use crate::config::ProviderConfig;
use crate::model::{Capabilities, RecordSet, RecordType, Value, Zone, idna_decode, rdata};
use crate::plan::{Change, Unsupported, ZonePlan};
pub use settings::{AlgorithmError, Settings, algorithm, is_axfr_source};

/// The prefix of types the model does not carry: `Rfc2136Provider/HINFO`.
pub const OTHER_PREFIX: &str = "Rfc2136Provider/";

/// Tries for reads when the server cannot be reached (an UPDATE is never sent twice).
const READ_ATTEMPTS: u32 = 3;

/// The retry policy of zone transfers (`crate::http::retry`, the one every client uses):
/// `READ_ATTEMPTS` tries when the server cannot be reached or the connection breaks, waiting a
/// random 50–100 % of `backoff`, then twice that.
fn transfer_policy(s: &Settings) -> crate::http::Policy {
    crate::http::Policy {
        max_retries: READ_ATTEMPTS - 1,
        max_status_retries: 0,
        backoff: crate::http::Backoff {
            first: s.backoff,
            cap: s.backoff.saturating_mul(1 << READ_ATTEMPTS),
        },
        max_retry_after: std::time::Duration::ZERO,
    }
}

/// The record types this provider holds.
pub fn supported_types() -> Vec<RecordType> {
    let mut v: Vec<RecordType> = codec::TYPES.iter().map(|(t, _)| t.clone()).collect();
    v.sort();
    v
}

fn capabilities() -> Capabilities {
    Capabilities::static_records(supported_types())
}

/// The records of a transfer as a zone: the SOA and names outside the zone left out, types
/// the model does not carry kept as `Rfc2136Provider/TYPE` data.
pub fn zone_from_records(zone: &str, records: &[wire::RecordIn]) -> Result<Zone, String> {
    let mut z = Zone::new(zone);
    // (name, type) → (ttl, values), in the order of the transfer
    let mut sets: std::collections::BTreeMap<(String, RecordType), (u32, Vec<Value>)> =
        Default::default();
    for r in records {
        if r.class != wire::CLASS_IN || r.rtype == wire::TYPE_SOA {
            continue;
        }
        let owner = r.name.lowercase().to_text();
        let Some(rel) = z.relative(&owner) else {
            continue;
        };
        let text = codec::to_text(r.rtype, &r.rdata)
            .map_err(|e| format!("{owner} {}: {e}", codec::type_name(r.rtype)))?;
        let (rtype, value) = match codec::core_type(r.rtype) {
            Some(t) => {
                let v = rdata::parse(&t, &text).map_err(|e| format!("{owner} {t}: {e}"))?;
                (t, v)
            }
            None => (
                RecordType::Other(Arc::from(format!(
                    "{OTHER_PREFIX}{}",
                    codec::type_name(r.rtype)
                ))),
                Value::Data(crate::model::value::JsonOrd(J::String(text))),
            ),
        };
        let e = sets.entry((rel, rtype)).or_insert((r.ttl, Vec::new()));
        e.0 = e.0.min(r.ttl);
        e.1.push(value);
    }
    for ((name, rtype), (ttl, values)) in sets {
        z.insert(RecordSet::new(name, rtype, ttl, values));
    }
    Ok(z)
}

pub struct Rfc2136Provider {
    id: String,
    settings: Settings,
    caps: Capabilities,
}

impl Rfc2136Provider {
    pub fn new(cfg: &ProviderConfig) -> Result<Self, ProviderError> {
        let settings = Settings::from_config(cfg).map_err(|e| ProviderError::Config {
            provider: cfg.id.clone(),
            message: e.to_string(),
        })?;
        Ok(Self::with_settings(&cfg.id, settings))
    }

    pub fn with_settings(id: &str, settings: Settings) -> Self {
        Rfc2136Provider {
            id: id.to_string(),
            settings,
            caps: capabilities(),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    fn failed(&self, zone: &str, message: impl Into<String>) -> ProviderError {
        ProviderError::Failed {
            provider: self.id.clone(),
            zone: zone.to_string(),
            message: message.into(),
        }
    }

    fn server(&self) -> String {
        if self.settings.host.contains(':') {
            format!("[{}]:{}", self.settings.host, self.settings.port)
        } else {
            format!("{}:{}", self.settings.host, self.settings.port)
        }
    }

    fn key_text(&self) -> String {
        match &self.settings.key {
            Some(k) => format!("TSIG key {} ({})", k.name.to_text(), k.algorithm),
            None => "no TSIG key (requests unsigned)".into(),
        }
    }

    /// The server's address (a host name resolved now).
    async fn addr(&self, zone: &str) -> Result<SocketAddr, ProviderError> {
        if let Ok(ip) = self.settings.host.parse::<IpAddr>() {
            return Ok(SocketAddr::new(ip, self.settings.port));
        }
        let found = tokio::net::lookup_host((self.settings.host.as_str(), self.settings.port))
            .await
            .map_err(|e| {
                self.failed(
                    zone,
                    format!("cannot resolve host {}: {e}", self.settings.host),
                )
            })?;
        let want_v6 = self.settings.ipv6;
        found
            .into_iter()
            .find(|a| a.is_ipv6() == want_v6)
            .ok_or_else(|| {
                self.failed(
                    zone,
                    format!(
                        "host {} has no {} address",
                        self.settings.host,
                        if want_v6 { "IPv6" } else { "IPv4" }
                    ),
                )
            })
    }

    fn tsig_text(&self, f: &TsigFailure) -> String {
        let key = match &self.settings.key {
            Some(k) => k.name.to_text(),
            None => "(none)".into(),
        };
        match f {
            TsigFailure::Server(16) => format!(
                "the server rejected the TSIG signature (BADSIG): key_secret or key_algorithm \
                 does not match the server's key {key}"
            ),
            TsigFailure::Server(17) => format!(
                "the server does not know the TSIG key {key} with this algorithm (BADKEY): \
                 check key_name and key_algorithm"
            ),
            TsigFailure::Server(18) => "the server rejected the TSIG time (BADTIME): this \
                 machine's clock and the server's differ by more than 300 s"
                .into(),
            TsigFailure::Server(n) => {
                format!("the server reported TSIG error {}", wire::rcode_name(*n))
            }
            TsigFailure::Unsigned => {
                format!("the answer is not signed with TSIG key {key}, so it cannot be trusted")
            }
            TsigFailure::Invalid(m) => {
                format!("the answer's TSIG signature is not valid: {m}")
            }
        }
    }

    fn failure_text(&self, what: &str, f: &Failure) -> String {
        match f {
            Failure::Tsig(t) => format!("{what}: {}", self.tsig_text(t)),
            other => format!("{what} from {}: {other}", self.server()),
        }
    }

    /// A failed exchange: `message` says what it means, the failure is the cause.
    fn dns_error(&self, zone: &str, message: String, source: Failure) -> ProviderError {
        ProviderError::Dns {
            provider: self.id.clone(),
            zone: zone.to_string(),
            message,
            source: Box::new(source),
        }
    }

    /// A zone transfer, tried again when the server cannot be reached.
    async fn transfer(&self, zone: &str) -> Result<Transfer, ProviderError> {
        let origin = Name::parse(zone, None).map_err(|e| self.failed(zone, e.to_string()))?;
        let addr = self.addr(zone).await?;
        let what = format!("{}: AXFR {zone}", self.id);
        let (outcome, attempts) = transfer_policy(&self.settings)
            .run(
                &what,
                || {
                    client::axfr(
                        addr,
                        self.settings.timeout,
                        &origin,
                        self.settings.key.as_ref(),
                    )
                },
                |r| match r {
                    Err(f) if f.is_retryable() => crate::http::Verdict::Retry {
                        reason: f.to_string(),
                        wait: None,
                        answer: false,
                    },
                    _ => crate::http::Verdict::Done,
                },
            )
            .await;
        outcome.map_err(|f| {
            let tries = if attempts > 1 {
                format!(" (after {attempts} attempts)")
            } else {
                String::new()
            };
            let message = format!("{}{tries}", self.failure_text("zone transfer (AXFR)", &f));
            self.dns_error(zone, message, f)
        })
    }

    /// The zone as the server holds it. A zone the server does not serve is an error: RFC
    /// 2136 cannot create it.
    pub async fn read(&self, zone: &str) -> Result<Option<Zone>, ProviderError> {
        super::check_zone(&self.id, zone)?;
        match self.transfer(zone).await? {
            Transfer::Records(rs) => zone_from_records(zone, &rs)
                .map(Some)
                .map_err(|e| self.failed(zone, format!("cannot read a record: {e}"))),
            Transfer::Refused { rcode } => Err(self.transfer_refused(zone, rcode).await),
        }
    }

    /// Why a transfer was refused: ask the zone's SOA (unsigned) to tell a zone the server
    /// does not serve from a transfer it does not allow.
    async fn transfer_refused(&self, zone: &str, rcode: u16) -> ProviderError {
        let code = wire::rcode_name(rcode);
        let serves = async {
            let origin = Name::parse(zone, None).ok()?;
            let addr = self.addr(zone).await.ok()?;
            let id = client::random_id();
            let mut b = wire::Builder::new(id, wire::OPCODE_QUERY);
            b.question(&origin, wire::TYPE_SOA, wire::CLASS_IN);
            let req = client::Request::new(id, b.finish(), None).ok()?;
            let m = client::exchange(addr, self.settings.timeout, req)
                .await
                .ok()?;
            let lc = origin.lowercase();
            Some(
                m.rcode == 0
                    && m.authoritative
                    && m.answers
                        .iter()
                        .any(|r| r.rtype == wire::TYPE_SOA && r.name.lowercase() == lc),
            )
        }
        .await;
        let message = match serves {
            Some(true) => format!(
                "{} serves zone {zone} but refused to transfer it ({code}) to {}: allow AXFR \
                 with that key (BIND: `allow-transfer {{ key …; }};` in the zone; Knot: an acl \
                 with `action: transfer` and the key)",
                self.server(),
                self.key_text()
            ),
            _ => format!(
                "{} does not serve zone {zone} (AXFR answered {code}): the zone has to exist on \
                 the server before dnsplan can manage it (RFC 2136 cannot create zones): add \
                 it to the server's configuration first",
                self.server()
            ),
        };
        self.failed(zone, message)
    }

    /// Apply a plan: UPDATE message(s) with prerequisites, then check by AXFR that the server
    /// made every change.
    pub async fn apply_plan(&self, plan: &ZonePlan) -> Result<ApplyReport, ProviderError> {
        let zone = plan.zone.as_str();
        super::check_zone(&self.id, zone)?;
        if self.settings.read_only {
            return Err(self.failed(
                zone,
                "this provider is octoDNS's AxfrSource, a read-only source: it cannot apply \
                 changes (use octodns_bind.Rfc2136Provider to write over RFC 2136)",
            ));
        }
        if !plan.exists {
            return Err(self.failed(
                zone,
                format!(
                    "the zone does not exist on {}: RFC 2136 cannot create zones; add it to the \
                     server's configuration first",
                    self.server()
                ),
            ));
        }
        if plan.changes.is_empty() {
            return Ok(ApplyReport { applied: 0 });
        }
        let origin = Name::parse(zone, None).map_err(|e| self.failed(zone, e.to_string()))?;
        let chunks = update::chunks(
            plan,
            self.settings.update_batch_size,
            self.settings.max_message,
        )
        .map_err(|e| self.failed(zone, e.to_string()))?;
        let addr = self.addr(zone).await?;
        let total = chunks.len();
        let mut done: Vec<String> = Vec::new();
        for (i, ops) in chunks.iter().enumerate() {
            let id = client::random_id();
            let msg = update::message(id, &origin, ops);
            let req = client::Request::new(id, msg, self.settings.key.as_ref())
                .map_err(|e| self.failed(zone, e))?;
            let outcome = client::exchange(addr, self.settings.timeout, req).await;
            let labels: Vec<&str> = ops.iter().map(|o| o.label.as_str()).collect();
            let which = if total > 1 {
                format!("UPDATE {} of {total}", i + 1)
            } else {
                "the UPDATE".to_string()
            };
            let before = if done.is_empty() {
                "nothing was changed".to_string()
            } else {
                format!(
                    "the {} change(s) of the earlier UPDATE message(s) were applied",
                    done.len()
                )
            };
            match outcome {
                Ok(m) if m.rcode == 0 => done.extend(ops.iter().map(|o| o.label.clone())),
                Ok(m) => {
                    let why = self.refusal(plan, m.rcode, ops).await;
                    return Err(self.failed(
                        zone,
                        format!(
                            "{} refused {which} ({}): {why}; none of its {} change(s) was \
                             applied ({}); {before}",
                            self.server(),
                            wire::rcode_name(m.rcode),
                            labels.len(),
                            labels.join(", ")
                        ),
                    ));
                }
                Err(f @ Failure::Connect(_)) => {
                    let message = format!(
                        "{}; {which} was not sent; {before}",
                        self.failure_text("UPDATE", &f)
                    );
                    return Err(self.dns_error(zone, message, f));
                }
                Err(f) => {
                    let message = format!(
                        "{}; the server may or may not have applied {which} ({} change(s): \
                         {}); {before}; plan again to see where the zone stands",
                        self.failure_text("UPDATE", &f),
                        labels.len(),
                        labels.join(", ")
                    );
                    return Err(self.dns_error(zone, message, f));
                }
            }
        }
        self.check_applied(plan).await?;
        Ok(ApplyReport {
            applied: plan.changes.len(),
        })
    }

    /// Why the server refused an UPDATE, with what can be found out.
    async fn refusal(&self, plan: &ZonePlan, rcode: u16, ops: &[update::ChangeOps]) -> String {
        let zone = plan.zone.as_str();
        let in_chunk = |c: &&Change| ops.iter().any(|o| o.label == update::label(c, zone));
        let now = match self.transfer(zone).await {
            Ok(Transfer::Records(rs)) => zone_from_records(zone, &rs).ok(),
            _ => None,
        };
        match rcode {
            7 | 8 => {
                // a prerequisite failed: the zone is not as the plan read it
                let mut changed = Vec::new();
                if let Some(now) = &now {
                    for c in plan.changes.iter().filter(in_chunk) {
                        let fqdn = idna_decode(&c.record().fqdn(zone));
                        let was = c.existing.as_ref().map(RecordSet::rdata);
                        let is = now.get(&c.name, &c.rtype).map(RecordSet::rdata);
                        if was != is {
                            changed.push(format!(
                                "{fqdn} {}: the plan was made when it held {}, the server now \
                                 holds {}",
                                c.rtype,
                                values_text(was.as_deref()),
                                values_text(is.as_deref())
                            ));
                        }
                    }
                }
                let what = if changed.is_empty() {
                    "a record the plan changes".to_string()
                } else {
                    changed.join("; ")
                };
                format!(
                    "the zone was changed on the server since it was read, so dnsplan did not \
                     overwrite it: {what}; plan again and review the new plan"
                )
            }
            5 => {
                let orphans = now
                    .map(|mut z| {
                        plan.apply_to(&mut z);
                        targets_without_address(plan, &z, ops)
                    })
                    .unwrap_or_default();
                if orphans.is_empty() {
                    format!(
                        "the server does not let {} update zone {zone} (BIND: `allow-update` / \
                         `update-policy`; Knot: an acl with `action: update`), or its checks \
                         reject the result (see the server's log)",
                        self.key_text()
                    )
                } else {
                    format!(
                        "the result would leave {} without an A or AAAA record in the zone, \
                         which BIND refuses for MX and NS targets (check-integrity: the whole \
                         update is rejected); add an address record for each, or point the \
                         records elsewhere",
                        orphans.join(", ")
                    )
                }
            }
            9 => format!(
                "the server is not authoritative for {zone} or does not accept {} for it",
                self.key_text()
            ),
            10 => "a record of the update is outside the zone".into(),
            2 => "the server failed to process it (see the server's log)".into(),
            1 => "the server could not read the message".into(),
            4 => "the server does not implement UPDATE".into(),
            _ => "see the server's log".into(),
        }
    }

    /// Read the zone again after the update: every change must be there. Servers answer
    /// NOERROR to updates they silently ignore (RFC 2136 §3.4.2.2: a CNAME added beside other
    /// data, other data beside a CNAME; §3.4.2.4: the last apex NS).
    async fn check_applied(&self, plan: &ZonePlan) -> Result<(), ProviderError> {
        let zone = plan.zone.as_str();
        let now = match self.transfer(zone).await {
            Ok(Transfer::Records(rs)) => {
                zone_from_records(zone, &rs).map_err(|e| self.failed(zone, e))?
            }
            Ok(Transfer::Refused { rcode }) => {
                return Err(self.failed(
                    zone,
                    format!(
                        "the update was accepted, but reading the zone back to check it was \
                         refused ({})",
                        wire::rcode_name(rcode)
                    ),
                ));
            }
            Err(e) => {
                return Err(self.failed(
                    zone,
                    format!("the update was accepted, but it could not be checked: {e}"),
                ));
            }
        };
        let mut missing = Vec::new();
        for c in &plan.changes {
            let got = now.get(&c.name, &c.rtype);
            let name = c.record().fqdn(zone);
            let fqdn = idna_decode(&name);
            let label = update::label(c, zone);
            match (&c.desired, got) {
                (None, None) => {}
                (None, Some(g)) => missing.push(format!(
                    "{label}: still in the zone ({}){}",
                    values_text(Some(&g.rdata())),
                    if c.name.is_empty() && c.rtype == RecordType::Ns {
                        " (the apex NS cannot be removed)"
                    } else {
                        ""
                    }
                )),
                (Some(d), Some(g)) if d.values == g.values && d.ttl == g.ttl => {}
                (Some(d), got) => {
                    let held = match got {
                        Some(g) => format!(
                            "the server holds {} (TTL {}) instead of {} (TTL {})",
                            values_text(Some(&g.rdata())),
                            g.ttl,
                            values_text(Some(&d.rdata())),
                            d.ttl
                        ),
                        None => "not in the zone after the update".into(),
                    };
                    let others: Vec<&str> = now
                        .iter()
                        .filter(|r| r.name == c.name && r.rtype != c.rtype)
                        .map(|r| r.rtype.as_str())
                        .collect();
                    let hint = if c.rtype == RecordType::Cname && !others.is_empty() {
                        format!(
                            " ({fqdn} holds {} records, and a CNAME cannot stand beside other \
                             data: the server ignored it, as RFC 2136 §3.4.2.2 says)",
                            others.join(", ")
                        )
                    } else if others.contains(&"CNAME") {
                        format!(
                            " ({fqdn} holds a CNAME, and nothing else can stand beside it: the \
                             server ignored the record)"
                        )
                    } else {
                        String::new()
                    };
                    missing.push(format!("{label}: {held}{hint}"));
                }
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        Err(self.failed(
            zone,
            format!(
                "{} answered NOERROR but did not make {} of the {} planned change(s): {}; the \
                 other changes were applied",
                self.server(),
                missing.len(),
                plan.changes.len(),
                missing.join("; ")
            ),
        ))
    }

    pub fn nameserver(&self) -> Option<SocketAddr> {
        if let Ok(ip) = self.settings.host.parse::<IpAddr>() {
            return Some(SocketAddr::new(ip, self.settings.port));
        }
        (self.settings.host.as_str(), self.settings.port)
            .to_socket_addrs()
            .ok()?
            .find(|a| a.is_ipv6() == self.settings.ipv6)
    }
}

/// `192.0.2.1, 192.0.2.2`, or `nothing`.
fn values_text(v: Option<&[String]>) -> String {
    match v {
        None | Some([]) => "nothing".into(),
        Some(v) => v.join(", "),
    }
}

/// In-zone MX and NS targets of the changes that have no A/AAAA in `after` (the zone as the
/// update would leave it).
fn targets_without_address(
    plan: &ZonePlan,
    after: &Zone,
    ops: &[update::ChangeOps],
) -> Vec<String> {
    let mut out = Vec::new();
    for c in &plan.changes {
        if !ops.iter().any(|o| o.label == update::label(c, &plan.zone)) {
            continue;
        }
        let Some(d) = &c.desired else { continue };
        if !matches!(d.rtype, RecordType::Mx | RecordType::Ns) {
            continue;
        }
        for v in &d.values {
            let Some(t) = v.target() else { continue };
            let Some(rel) = after.relative(t) else {
                continue;
            };
            let has = after.get(&rel, &RecordType::A).is_some()
                || after.get(&rel, &RecordType::Aaaa).is_some();
            let text = format!(
                "{} ({} of {})",
                idna_decode(t),
                d.rtype,
                idna_decode(&d.fqdn(&plan.zone))
            );
            if !has && !out.contains(&text) {
                out.push(text);
            }
        }
    }
    out
}

impl Provider for Rfc2136Provider {
    fn id(&self) -> &str {
        &self.id
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    fn existing<'a>(&'a self, zone: &'a str) -> BoxFut<'a, Result<Option<Zone>, ProviderError>> {
        Box::pin(self.read(zone))
    }

    fn apply<'a>(&'a self, plan: &'a ZonePlan) -> BoxFut<'a, Result<ApplyReport, ProviderError>> {
        Box::pin(self.apply_plan(plan))
    }

    fn list_zones(&self) -> BoxFut<'_, Result<Vec<String>, ProviderError>> {
        Box::pin(async move {
            Err(self.failed(
                "*",
                "a DNS server cannot be asked over RFC 2136 / AXFR which zones it serves: name \
                 the zones in the config instead of a '*' template",
            ))
        })
    }

    /// Every value must be writable, and read back as written: a value the server would store
    /// otherwise (a LOC size of 1.5 m) would show up as a change in every plan.
    fn process_desired(
        &self,
        desired: Zone,
        strict: bool,
        warnings: &mut Vec<String>,
    ) -> Result<Zone, Vec<Unsupported>> {
        let Ok(origin) = Name::parse(&desired.name, None) else {
            return Ok(desired);
        };
        let mut errors = Vec::new();
        let mut out = Zone::new(desired.name.clone());
        for mut r in desired.records.into_values() {
            let fqdn = idna_decode(&r.fqdn(&out.name));
            let Some(code) = codec::type_code(&r.rtype) else {
                out.insert(r);
                continue;
            };
            let mut changed = false;
            for v in &mut r.values {
                let stored = codec::encode(&r.rtype, v, &origin)
                    .map_err(|e| e.to_string())
                    .and_then(|w| codec::to_text(code, &w).map_err(|e| e.to_string()))
                    .and_then(|t| rdata::parse(&r.rtype, &t).map_err(|e| e.to_string()));
                match stored {
                    Err(e) => errors.push(Unsupported {
                        message: format!(
                            "{fqdn} {}: {} cannot be written as DNS data: {e}",
                            r.rtype,
                            v.to_rdata()
                        ),
                    }),
                    Ok(s) if s != *v => {
                        let msg = format!(
                            "{fqdn} {}: {} cannot be stored as written (the server would hold {})",
                            r.rtype,
                            v.to_rdata(),
                            s.to_rdata()
                        );
                        if strict {
                            errors.push(Unsupported { message: msg });
                        } else {
                            warnings.push(format!("{msg}; using that"));
                            *v = s;
                            changed = true;
                        }
                    }
                    Ok(_) => {}
                }
            }
            if changed {
                r.normalize();
            }
            out.insert(r);
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    fn nameservers(&self) -> Option<Vec<SocketAddr>> {
        self.nameserver().map(|a| vec![a])
    }
}

#[cfg(test)]
mod tests;
