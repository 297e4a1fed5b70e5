//! Amazon Route 53 through aws-sdk-route53 (octodns-route53's `Route53Provider`).
//!
//! Settings are octodns-route53 1.3's: `access_key_id`, `secret_access_key`, `session_token`
//! (usually `env/…`; without them the standard AWS chain: environment, profile, web identity
//! / OIDC as in GitHub Actions, SSO, container and instance roles), `role_arn` (assumed on
//! top), `profile`, `max_changes` (1000 ResourceRecords per batch), `client_max_attempts`
//! (tries per request, 5 by default; throttling — `Throttling`, `PriorRequestNotComplete` — and
//! 5xx are retried with exponential backoff and jitter), `delegation_set_id`,
//! `get_zones_by_name`, `private`, `vpc_id` + `vpc_region`, `vpc_multi_action`
//! (error|warn|ignore). The endpoint is the SDK's, overridable the standard way
//! (`AWS_ENDPOINT_URL_ROUTE_53` or `AWS_ENDPOINT_URL`), which is how the tests use the
//! emulator. TLS is rustls with ring.
//!
//! - Requests: the SDK retries (`client_max_attempts`); every request first takes a token
//!   from the account's bucket (`crate::http::Bucket`, 5 a second, shared by providers with
//!   the same credentials; `cdata`). Listings use the SDK's paginators where it has one
//!   (hosted zones, health checks, CIDR collections and blocks); every listing stops with an
//!   error past `MAX_PAGES`. Failures are `ProviderError::Sdk` (status, retryable, the SDK's
//!   error as source).
//! - Reading: the hosted zone is found by name (all zones listed once, or
//!   `ListHostedZonesByName` per zone with `get_zones_by_name`); its rrsets are listed with
//!   complete pagination (name, type and set identifier; ListResourceRecordSets has no SDK
//!   paginator, and a server that repeats a page token is an error, not a loop) and turned
//!   into records by `layout`, which also reads octoDNS's dynamic layout back (health checks
//!   and CIDR blocks are listed when used).
//! - Applying: a missing zone is created; the plan's changes become rrset changes against the
//!   zone as it is now (only rrsets that differ are sent), packed into ChangeBatches within
//!   Route 53's limits without splitting a record, ordered so alias targets exist before
//!   aliases and deletes go from the deepest reference back (`batch`). Everything is checked
//!   the way real Route 53 would before the first request (`batch::check`). Health checks are
//!   created before the batch that uses them and deleted after the last batch once unused. A
//!   failed batch is reported with what was and was not applied.

pub mod batch;
pub mod cdata;
pub mod healthcheck;
pub mod layout;
pub mod rrset;
pub mod sdk;
pub mod settings;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use aws_sdk_route53::Client;
use aws_sdk_route53::error::{DisplayErrorContext, ProvideErrorMetadata};
use serde_json::Value as J;
use tokio::sync::{Mutex, OnceCell};

use self::batch::Group;
use self::layout::{ALIAS_TYPE, HealthCheckIds};
use self::rrset::{CidrLocations, HealthCheck, HealthChecks, Mod, Rrset};
use super::{ApplyReport, BoxFut, Provider, ProviderError};
use crate::config::ProviderConfig;
use crate::http::Pages;
use crate::model::{Capabilities, RecordSet, RecordType, Status, Zone};
use crate::plan::{Op, Unsupported, ZonePlan};
pub use settings::Settings;

pub use layout::supported_types;

/// The name of octoDNS's CIDR collection.
const CIDR_COLLECTION: &str = "octodns";

fn capabilities() -> Capabilities {
    Capabilities {
        types: Some(supported_types()),
        root_ns: true,
        dynamic: true,
        geo: false,
        dynamic_subnets: true,
        pool_value_status: true,
        multivalue_ptr: false,
        healthchecks: true,
        ttl_free: vec![RecordType::parse(ALIAS_TYPE).expect("a provider type")],
    }
}

pub struct Route53Provider {
    id: String,
    settings: Settings,
    caps: Capabilities,
    client: OnceCell<Client>,
    /// Route 53's 5 requests per second, shared by every provider with the same credentials.
    bucket: std::sync::Arc<crate::http::Bucket>,
    /// Pages a listing may have (`MAX_PAGES`; tests lower it).
    max_pages: usize,
    /// Hosted zones by name (→ id), listed once.
    zones: Mutex<Option<BTreeMap<String, String>>>,
}

/// An SDK error as text: the service's code and message, or the HTTP status and the start
/// of the body when the answer was not a Route 53 error.
fn sdk_text<E>(
    e: &aws_sdk_route53::error::SdkError<E, aws_sdk_route53::config::http::HttpResponse>,
) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    if let (Some(c), m) = (e.code(), e.message()) {
        return match m {
            Some(m) => format!("{c}: {m}"),
            None => c.to_string(),
        };
    }
    if let Some(raw) = e.raw_response() {
        let body = raw
            .body()
            .bytes()
            .map(|b| {
                String::from_utf8_lossy(b)
                    .chars()
                    .take(300)
                    .collect::<String>()
            })
            .unwrap_or_default();
        return format!("HTTP {}: {}", raw.status().as_u16(), body.trim());
    }
    DisplayErrorContext(e).to_string()
}

/// An SDK error as a `ProviderError::Sdk`: `message` gets the error's text (`sdk_text`) and
/// says what it means; the status, whether a later try may succeed and the error itself are
/// kept.
fn sdk_error<E>(
    provider: &str,
    zone: &str,
    e: aws_sdk_route53::error::SdkError<E, aws_sdk_route53::config::http::HttpResponse>,
    message: impl FnOnce(String) -> String,
) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    use aws_sdk_route53::error::SdkError;
    let status = e.raw_response().map(|r| r.status().as_u16());
    let retryable = matches!(e, SdkError::TimeoutError(_) | SdkError::DispatchFailure(_))
        || matches!(
            e.code(),
            Some("Throttling" | "ThrottlingException" | "PriorRequestNotComplete")
        )
        || status.is_some_and(crate::http::retry::retryable_status);
    ProviderError::Sdk {
        provider: provider.to_string(),
        zone: zone.to_string(),
        message: message(sdk_text(&e)),
        status,
        retryable,
        source: Box::new(e),
    }
}

/// Pages a listing may have: `ListResourceRecordSets` returns up to 300 rrsets a page, so
/// this is three million rrsets; other listings stop far earlier.
const MAX_PAGES: usize = 10_000;

/// `n` random hex characters (CallerReferences).
fn random_hex(n: usize) -> String {
    let mut out = crate::random::hex::<16>();
    while out.len() < n {
        out.push_str(&crate::random::hex::<16>());
    }
    out.truncate(n);
    out
}

fn short_id(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

impl Route53Provider {
    pub fn new(cfg: &ProviderConfig) -> Result<Self, ProviderError> {
        let settings = Settings::from_config(cfg).map_err(|e| ProviderError::Config {
            provider: cfg.id.clone(),
            message: e.to_string(),
        })?;
        Ok(Self::with_settings(&cfg.id, settings))
    }

    pub fn with_settings(id: &str, settings: Settings) -> Self {
        // the limit is per account: one bucket per access key, profile or role (only a hash
        // of the key is kept)
        let account = format!(
            "route53 {:?} {:?} {:?} {:?}",
            settings.access_key_id, settings.profile, settings.role_arn, settings.endpoint_url
        );
        Route53Provider {
            bucket: crate::http::Bucket::shared(&account, crate::http::Rate::ROUTE53),
            max_pages: MAX_PAGES,
            id: id.to_string(),
            settings,
            caps: capabilities(),
            client: OnceCell::new(),
            zones: Mutex::new(None),
        }
    }

    fn failed(&self, zone: &str, message: String) -> ProviderError {
        ProviderError::Failed {
            provider: self.id.clone(),
            zone: zone.to_string(),
            message,
        }
    }

    /// A listing that would not end.
    fn http_failed(&self, zone: &str, e: crate::http::Error) -> ProviderError {
        ProviderError::Http {
            provider: self.id.clone(),
            zone: zone.to_string(),
            source: Box::new(e),
        }
    }

    async fn client(&self) -> &Client {
        self.client
            .get_or_init(|| async {
                crate::http::install_crypto();
                let s = &self.settings;
                let http = aws_smithy_http_client::Builder::new()
                    .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                        aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
                    ))
                    .build_https();
                let http = aws_sdk_route53::config::SharedHttpClient::new(cdata::Wrapped {
                    inner: http,
                    bucket: self.bucket.clone(),
                });
                let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
                    .http_client(http)
                    .retry_config(
                        aws_config::retry::RetryConfig::standard()
                            .with_max_attempts(s.client_max_attempts)
                            .with_initial_backoff(s.initial_backoff),
                    );
                if let Some(p) = &s.profile {
                    loader = loader.profile_name(p);
                }
                if let (Some(k), Some(secret)) = (&s.access_key_id, &s.secret_access_key) {
                    loader =
                        loader.credentials_provider(aws_sdk_route53::config::Credentials::new(
                            k,
                            secret,
                            s.session_token.clone(),
                            None,
                            "dnsplan-config",
                        ));
                }
                let conf = loader.load().await;
                let mut b = aws_sdk_route53::config::Builder::from(&conf);
                if let Some(url) = &s.endpoint_url {
                    b = b.endpoint_url(url);
                }
                if conf.region().is_none() {
                    // Route 53 is global; its API lives in us-east-1
                    b = b.region(aws_sdk_route53::config::Region::new("us-east-1"));
                }
                if let Some(role) = &s.role_arn {
                    let p = aws_config::sts::AssumeRoleProvider::builder(role)
                        .session_name("dnsplan")
                        .configure(&conf)
                        .build()
                        .await;
                    b = b.credentials_provider(p);
                }
                Client::from_conf(b.build())
            })
            .await
    }

    /// Every hosted zone this provider manages, by name (octoDNS's `_r53_zones`).
    async fn all_zones(
        &self,
        zone_for_errors: &str,
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        let client = self.client().await;
        let mut zones = BTreeMap::new();
        let mut add = |name: &str, id: &str| -> Result<(), ProviderError> {
            let name = rrset::unescape_name(name).to_ascii_lowercase();
            if zones.insert(name.clone(), id.to_string()).is_some() {
                return Err(self.failed(
                    zone_for_errors,
                    format!("Multiple zones named \"{name}\" were found."),
                ));
            }
            Ok(())
        };
        if let (Some(vpc), Some(region)) = (&self.settings.vpc_id, &self.settings.vpc_region) {
            // ListHostedZonesByVPC has no paginator in the SDK: a loop, guarded
            let mut pages = Pages::new("ListHostedZonesByVPC", self.max_pages);
            let mut token: Option<String> = None;
            loop {
                let resp = client
                    .list_hosted_zones_by_vpc()
                    .vpc_id(vpc)
                    .vpc_region(aws_sdk_route53::types::VpcRegion::from(region.as_str()))
                    .set_next_token(token.clone())
                    .send()
                    .await
                    .map_err(|e| sdk_error(&self.id, zone_for_errors, e, |t| t))?;
                for z in resp.hosted_zone_summaries() {
                    add(z.name(), z.hosted_zone_id())?;
                }
                token = resp.next_token().map(str::to_string);
                match &token {
                    Some(t) => pages
                        .next(t.clone())
                        .map_err(|e| self.http_failed(zone_for_errors, e))?,
                    None => break,
                }
            }
            return Ok(zones);
        }
        let pages = client
            .list_hosted_zones()
            .set_delegation_set_id(self.settings.delegation_set_id.clone())
            .into_paginator()
            .send();
        self.each_page(
            zone_for_errors,
            ("ListHostedZones", ""),
            pages,
            |r| r.next_marker().is_some(),
            |resp| {
                for z in resp.hosted_zones() {
                    let private = z.config().map(|c| c.private_zone()).unwrap_or(false);
                    if self.settings.private.is_some_and(|p| p != private) {
                        continue;
                    }
                    add(z.name(), z.id())?;
                }
                Ok(None::<()>)
            },
        )
        .await?;
        Ok(zones)
    }

    /// The hosted zone id of `name`, if it exists.
    async fn zone_id(&self, name: &str) -> Result<Option<String>, ProviderError> {
        if self.settings.get_zones_by_name && self.settings.vpc_id.is_none() {
            if let Some(id) = self.zones.lock().await.as_ref().and_then(|z| z.get(name)) {
                return Ok(Some(id.clone()));
            }
            let client = self.client().await;
            let resp = client
                .list_hosted_zones_by_name()
                .dns_name(name)
                .max_items(100)
                .send()
                .await
                .map_err(|e| sdk_error(&self.id, name, e, |t| t))?;
            let mut found: Option<String> = None;
            for z in resp.hosted_zones() {
                let private = z.config().map(|c| c.private_zone()).unwrap_or(false);
                if self.settings.private.is_some_and(|p| p != private) {
                    continue;
                }
                if rrset::unescape_name(z.name()).eq_ignore_ascii_case(name) {
                    if found.is_some() {
                        return Err(self
                            .failed(name, format!("Multiple zones named \"{name}\" were found.")));
                    }
                    found = Some(z.id().to_string());
                }
            }
            if let Some(id) = &found {
                self.zones
                    .lock()
                    .await
                    .get_or_insert_with(BTreeMap::new)
                    .insert(name.to_string(), id.clone());
            }
            return Ok(found);
        }
        let mut cache = self.zones.lock().await;
        if cache.is_none() {
            *cache = Some(self.all_zones(name).await?);
        }
        Ok(cache.as_ref().and_then(|z| z.get(name)).cloned())
    }

    async fn create_zone(&self, name: &str) -> Result<String, ProviderError> {
        let client = self.client().await;
        let mut req = client
            .create_hosted_zone()
            .name(name)
            .caller_reference(random_hex(32))
            .set_delegation_set_id(self.settings.delegation_set_id.clone());
        if let (Some(vpc), Some(region)) = (&self.settings.vpc_id, &self.settings.vpc_region) {
            req = req.vpc(
                aws_sdk_route53::types::Vpc::builder()
                    .vpc_id(vpc)
                    .vpc_region(aws_sdk_route53::types::VpcRegion::from(region.as_str()))
                    .build(),
            );
        } else if let Some(p) = self.settings.private {
            req = req.hosted_zone_config(
                aws_sdk_route53::types::HostedZoneConfig::builder()
                    .private_zone(p)
                    .build(),
            );
        }
        let resp = req.send().await.map_err(|e| {
            sdk_error(&self.id, name, e, |t| {
                format!("creating the hosted zone: {t}")
            })
        })?;
        let id = resp
            .hosted_zone()
            .map(|z| z.id().to_string())
            .ok_or_else(|| self.failed(name, "CreateHostedZone returned no zone".into()))?;
        self.zones
            .lock()
            .await
            .get_or_insert_with(BTreeMap::new)
            .insert(name.to_string(), id.clone());
        tracing::info!(provider = %self.id, zone = name, id = %id, "created the hosted zone");
        Ok(id)
    }

    /// Every rrset of a hosted zone, with complete pagination.
    async fn rrsets(&self, zone: &str, id: &str) -> Result<Vec<Rrset>, ProviderError> {
        let client = self.client().await;
        let mut out: Vec<Rrset> = Vec::new();
        let mut keys = HashSet::new();
        let mut start: Option<(String, aws_sdk_route53::types::RrType, Option<String>)> = None;
        let mut seen = HashSet::new();
        // ListResourceRecordSets has no paginator in the SDK: a loop, guarded by a page cap
        let mut count = Pages::<()>::new("ListResourceRecordSets", self.max_pages);
        loop {
            let mut req = client.list_resource_record_sets().hosted_zone_id(id);
            if let Some((n, t, i)) = &start {
                req = req
                    .start_record_name(n)
                    .start_record_type(t.clone())
                    .set_start_record_identifier(i.clone());
            }
            let resp = req
                .send()
                .await
                .map_err(|e| sdk_error(&self.id, zone, e, |t| format!("listing rrsets: {t}")))?;
            for r in resp.resource_record_sets() {
                let r = sdk::rrset_from(r);
                // a page that starts inside a group of rrsets sharing name and type (servers
                // that drop NextRecordIdentifier) repeats some: keep the first
                if keys.insert(r.key()) {
                    out.push(r);
                }
            }
            if !resp.is_truncated() {
                break;
            }
            let (Some(n), Some(t)) = (resp.next_record_name(), resp.next_record_type()) else {
                return Err(self.failed(
                    zone,
                    "listing rrsets: a truncated page without NextRecordName/NextRecordType".into(),
                ));
            };
            let next = (
                n.to_string(),
                t.clone(),
                resp.next_record_identifier().map(str::to_string),
            );
            if !seen.insert((next.0.clone(), next.1.as_str().to_string(), next.2.clone())) {
                return Err(self.failed(
                    zone,
                    format!(
                        "listing rrsets: the server sent the page token {} {} twice (it does \
                         not return NextRecordIdentifier inside a group of rrsets with set \
                         identifiers); stopping instead of looping",
                        next.0,
                        next.1.as_str()
                    ),
                ));
            }
            count.another().map_err(|e| self.http_failed(zone, e))?;
            start = Some(next);
        }
        Ok(out)
    }

    /// Read a listing page by page through an SDK paginator (`pages`): `each` sees every page
    /// and may end the listing with a value; `more` tells whether the paginator will fetch
    /// another page, which past `max_pages` is an error. `what`: the operation (for the cap)
    /// and what its failure means (for the message).
    async fn each_page<O, E, T>(
        &self,
        zone: &str,
        what: (&str, &str),
        mut pages: aws_smithy_async::future::pagination_stream::PaginationStream<
            Result<
                O,
                aws_sdk_route53::error::SdkError<E, aws_sdk_route53::config::http::HttpResponse>,
            >,
        >,
        more: impl Fn(&O) -> bool,
        mut each: impl FnMut(&O) -> Result<Option<T>, ProviderError>,
    ) -> Result<Option<T>, ProviderError>
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let (op, doing) = what;
        let mut count = Pages::<()>::new(op, self.max_pages);
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| {
                sdk_error(&self.id, zone, e, |t| {
                    if doing.is_empty() {
                        t
                    } else {
                        format!("{doing}: {t}")
                    }
                })
            })?;
            if let Some(v) = each(&page)? {
                return Ok(Some(v));
            }
            if more(&page) {
                count.another().map_err(|e| self.http_failed(zone, e))?;
            }
        }
        Ok(None)
    }

    /// The account's octoDNS health checks (CallerReference `dddd:…`).
    async fn health_checks(&self, zone: &str) -> Result<HealthChecks, ProviderError> {
        let mut out = HealthChecks::new();
        let pages = self
            .client()
            .await
            .list_health_checks()
            .into_paginator()
            .send();
        self.each_page(
            zone,
            ("ListHealthChecks", "listing health checks"),
            pages,
            |r| r.next_marker().is_some(),
            |resp| {
                for h in resp.health_checks() {
                    if let Some(hc) = sdk::health_check_from(h)
                        && healthcheck::is_octodns(&hc)
                    {
                        out.insert(hc.id.clone(), hc);
                    }
                }
                Ok(None::<()>)
            },
        )
        .await?;
        Ok(out)
    }

    /// The id of octoDNS's CIDR collection, if it exists.
    async fn cidr_collection(&self, zone: &str) -> Result<Option<String>, ProviderError> {
        let pages = self
            .client()
            .await
            .list_cidr_collections()
            .into_paginator()
            .send();
        let found = self
            .each_page(
                zone,
                ("ListCidrCollections", "listing CIDR collections"),
                pages,
                |r| r.next_token().is_some(),
                |resp| {
                    Ok(resp
                        .cidr_collections()
                        .iter()
                        .find(|c| c.name() == Some(CIDR_COLLECTION))
                        .map(|c| c.id().map(str::to_string)))
                },
            )
            .await?;
        Ok(found.flatten())
    }

    async fn cidr_blocks(
        &self,
        zone: &str,
        collection: &str,
    ) -> Result<CidrLocations, ProviderError> {
        let mut out = CidrLocations::new();
        let pages = self
            .client()
            .await
            .list_cidr_blocks()
            .collection_id(collection)
            .into_paginator()
            .send();
        self.each_page(
            zone,
            ("ListCidrBlocks", "listing CIDR blocks"),
            pages,
            |r| r.next_token().is_some(),
            |resp| {
                for b in resp.cidr_blocks() {
                    if let (Some(loc), Some(block)) = (b.location_name(), b.cidr_block()) {
                        out.entry(loc.to_string())
                            .or_default()
                            .push(block.to_string());
                    }
                }
                Ok(None::<()>)
            },
        )
        .await?;
        Ok(out)
    }

    /// A hosted zone's rrsets, and its records as `layout` reads them.
    async fn load(
        &self,
        zone: &str,
        id: &str,
    ) -> Result<(Vec<Rrset>, layout::Read, HealthChecks), ProviderError> {
        let sets = self.rrsets(zone, id).await?;
        let checks = if sets.iter().any(|r| r.health_check_id.is_some()) {
            self.health_checks(zone).await?
        } else {
            HealthChecks::new()
        };
        let mut cidrs = BTreeMap::new();
        let collections: BTreeSet<&str> = sets
            .iter()
            .filter_map(|r| r.cidr.as_ref())
            .filter(|c| c.location != "*")
            .map(|c| c.collection_id.as_str())
            .collect();
        for c in collections {
            cidrs.insert(c.to_string(), self.cidr_blocks(zone, c).await?);
        }
        let read = layout::read(zone, sets.clone(), &checks, &cidrs);
        for p in &read.problems {
            tracing::warn!(provider = %self.id, zone, "cannot read {p}; dnsplan leaves it alone");
        }
        Ok((sets, read, checks))
    }

    async fn apply_zone(&self, plan: &ZonePlan) -> Result<ApplyReport, ProviderError> {
        let zone = plan.zone.as_str();
        super::check_zone(&self.id, zone)?;
        let err = |m: String| self.failed(zone, m);
        let id = match self.zone_id(zone).await? {
            Some(id) => id,
            None => self.create_zone(zone).await?,
        };
        self.check_vpcs(zone, &id).await?;
        let zone_id = short_id(&id).to_string();
        let (state, fresh, mut checks) = self.load(zone, &id).await?;
        let involves_checks = plan
            .changes
            .iter()
            .any(|c| matches!(c.rtype.as_str(), "A" | "AAAA" | "CNAME"));
        if involves_checks && checks.is_empty() {
            checks = self.health_checks(zone).await?;
        }

        // CIDR collection and locations the desired records need
        let mut locations: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for c in &plan.changes {
            if let Some(d) = c.desired.as_ref().and_then(|d| d.dynamic.as_ref()) {
                for r in d.rules.iter().filter(|r| !r.subnets.is_empty()) {
                    locations.insert(layout::cidr_location(&r.subnets), r.subnets.clone());
                }
            }
        }
        let existing_collection = if locations.is_empty() {
            state
                .iter()
                .find_map(|r| r.cidr.as_ref().map(|c| c.collection_id.clone()))
        } else {
            self.cidr_collection(zone).await?
        };
        const PENDING_COLLECTION: &str = "dnsplan-pending-collection";
        let collection = existing_collection
            .clone()
            .or_else(|| (!locations.is_empty()).then(|| PENDING_COLLECTION.to_string()));

        // the rrset changes, per record
        let mut resolver = ApplyChecks {
            zone: zone.to_string(),
            checks: &checks,
            pending: Vec::new(),
        };
        let mut ordered: Vec<&crate::plan::Change> = plan.changes.iter().collect();
        let alias = |c: &crate::plan::Change| c.rtype.as_str() == ALIAS_TYPE;
        ordered.sort_by_key(|c| match (alias(c), c.op) {
            (true, Op::Delete) => 0,
            (false, _) => 1,
            (true, _) => 2,
        });
        let mut groups = Vec::new();
        let mut in_use: Vec<(String, String, Vec<String>)> = Vec::new();
        for c in ordered {
            let label = format!(
                "{} {}",
                crate::model::idna_decode(&c.record().fqdn(zone)),
                c.rtype
            );
            let existing = fresh.zone.get(&c.name, &c.rtype);
            if let Some(e) = existing
                && let Some(foreign) = unmanaged(e)
            {
                return Err(err(format!(
                    "{label}: Route 53 holds rrsets with routing dnsplan does not manage there \
                     ({foreign}); change them in Route 53 or remove them first. Nothing was \
                     changed."
                )));
            }
            let old = existing.map(layout::rrsets_of).unwrap_or_default();
            let new = match &c.desired {
                Some(d) => {
                    layout::rrsets_for(d, zone, &zone_id, collection.as_deref(), &mut resolver)
                        .map_err(|m| err(format!("{label}: {m}")))?
                }
                None => Vec::new(),
            };
            if matches!(c.rtype.as_str(), "A" | "AAAA" | "CNAME") {
                let used = new
                    .iter()
                    .filter_map(|r| r.health_check_id.clone())
                    .collect();
                in_use.push((c.record().fqdn(zone), c.rtype.as_str().to_string(), used));
            }
            groups.push(Group {
                label,
                mods: batch::mods_for(&old, &new),
            });
        }
        let pending = std::mem::take(&mut resolver.pending);
        batch::merge_replacements(&mut groups);
        let mut batches = batch::batches(groups, self.settings.max_changes).map_err(&err)?;
        let problems = batch::check(&state, zone, &batches);
        if !problems.is_empty() {
            return Err(err(format!(
                "the changes would be rejected by Route 53, so nothing was sent:\n  - {}",
                problems.join("\n  - ")
            )));
        }

        // side effects from here on: CIDR locations, health checks, then the batches
        let client = self.client().await;
        if !locations.is_empty() {
            let cid = match existing_collection {
                Some(c) => c,
                None => {
                    let resp = client
                        .create_cidr_collection()
                        .name(CIDR_COLLECTION)
                        .caller_reference(random_hex(32))
                        .send()
                        .await
                        .map_err(|e| {
                            sdk_error(&self.id, zone, e, |t| {
                                format!("creating the CIDR collection: {t}")
                            })
                        })?;
                    resp.collection()
                        .and_then(|c| c.id())
                        .map(str::to_string)
                        .ok_or_else(|| err("CreateCidrCollection returned no id".into()))?
                }
            };
            self.sync_cidr_locations(zone, &cid, &locations).await?;
            for m in batches.iter_mut().flatten() {
                if let Some(c) = &mut m.rrset.cidr
                    && c.collection_id == PENDING_COLLECTION
                {
                    c.collection_id = cid.clone();
                }
            }
        }
        let mut created: BTreeMap<String, String> = BTreeMap::new();
        for p in &pending {
            let id = self.create_health_check(zone, p).await?;
            created.insert(p.placeholder.clone(), id.clone());
            checks.insert(
                id.clone(),
                HealthCheck {
                    id,
                    caller_reference: p.caller_reference.clone(),
                    config: healthcheck::config(&p.want),
                },
            );
        }
        for m in batches.iter_mut().flatten() {
            if let Some(h) = &mut m.rrset.health_check_id
                && let Some(real) = created.get(h)
            {
                *h = real.clone();
            }
        }
        for (_, _, used) in &mut in_use {
            for h in used.iter_mut() {
                if let Some(real) = created.get(h) {
                    *h = real.clone();
                }
            }
        }
        let total = batches.len();
        for (i, b) in batches.iter().enumerate() {
            let changes: Result<Vec<_>, _> = b.iter().map(sdk::change_to).collect();
            let changes = changes.map_err(|m| err(format!("batch {}/{total}: {m}", i + 1)))?;
            let cb = aws_sdk_route53::types::ChangeBatch::builder()
                .comment(format!("dnsplan: batch {}/{total}", i + 1))
                .set_changes(Some(changes))
                .build()
                .map_err(|e| err(e.to_string()))?;
            if let Err(e) = client
                .change_resource_record_sets()
                .hosted_zone_id(&id)
                .change_batch(cb)
                .send()
                .await
            {
                return Err(sdk_error(&self.id, zone, e, |t| {
                    failure_report(i, &batches, &t)
                }));
            }
            tracing::info!(provider = %self.id, zone, "applied batch {}/{total} ({} changes)", i + 1, b.len());
        }

        // health checks no longer used by the records that changed
        let mut gc_failed = Vec::new();
        let mut gone = BTreeSet::new();
        for (fqdn, t, used) in &in_use {
            for hc in healthcheck::unused(&checks, t, fqdn, used) {
                if !gone.insert(hc.id.clone()) {
                    continue;
                }
                match client
                    .delete_health_check()
                    .health_check_id(&hc.id)
                    .send()
                    .await
                {
                    Ok(_) => {
                        tracing::info!(provider = %self.id, zone, "deleted unused health check {}", hc.id)
                    }
                    Err(e) => gc_failed.push(format!("{} ({})", hc.id, sdk_text(&e))),
                }
            }
        }
        if !gc_failed.is_empty() {
            return Err(err(format!(
                "every change was applied, but unused health checks could not be deleted: {}",
                gc_failed.join(", ")
            )));
        }
        Ok(ApplyReport {
            applied: plan.changes.len(),
        })
    }

    /// `vpc_multi_action`: a private zone shared by several VPCs.
    async fn check_vpcs(&self, zone: &str, id: &str) -> Result<(), ProviderError> {
        if self.settings.vpc_id.is_none() || self.settings.vpc_multi_action == "ignore" {
            return Ok(());
        }
        let resp = self
            .client()
            .await
            .get_hosted_zone()
            .id(id)
            .send()
            .await
            .map_err(|e| sdk_error(&self.id, zone, e, |t| t))?;
        let vpcs: Vec<&str> = resp.vpcs().iter().filter_map(|v| v.vpc_id()).collect();
        if vpcs.len() > 1 {
            let msg = format!(
                "Zone \"{zone}\" ({id}) is associated with {} VPCs: {}.",
                vpcs.len(),
                vpcs.join(", ")
            );
            if self.settings.vpc_multi_action == "error" {
                return Err(self.failed(
                    zone,
                    format!(
                        "{msg} Set vpc_multi_action to \"warn\" or \"ignore\" to manage this zone."
                    ),
                ));
            }
            tracing::warn!(provider = %self.id, zone, "{msg} Changes will affect all VPCs.");
        }
        Ok(())
    }

    async fn sync_cidr_locations(
        &self,
        zone: &str,
        collection: &str,
        want: &BTreeMap<String, Vec<String>>,
    ) -> Result<(), ProviderError> {
        let have = self.cidr_blocks(zone, collection).await?;
        let mut changes = Vec::new();
        for (loc, blocks) in want {
            let existing: BTreeSet<&String> = have
                .get(loc)
                .map(|v| v.iter().collect())
                .unwrap_or_default();
            let add: Vec<String> = blocks
                .iter()
                .filter(|b| !existing.contains(b))
                .cloned()
                .collect();
            if !add.is_empty() {
                changes.push(
                    aws_sdk_route53::types::CidrCollectionChange::builder()
                        .location_name(loc)
                        .action(aws_sdk_route53::types::CidrCollectionChangeAction::Put)
                        .set_cidr_list(Some(add))
                        .build()
                        .map_err(|e| self.failed(zone, e.to_string()))?,
                );
            }
        }
        if changes.is_empty() {
            return Ok(());
        }
        self.client()
            .await
            .change_cidr_collection()
            .id(collection)
            .set_changes(Some(changes))
            .send()
            .await
            .map_err(|e| {
                sdk_error(&self.id, zone, e, |t| {
                    format!("updating CIDR locations: {t}")
                })
            })?;
        Ok(())
    }

    async fn create_health_check(
        &self,
        zone: &str,
        p: &PendingCheck,
    ) -> Result<String, ProviderError> {
        let client = self.client().await;
        let config = sdk::health_check_config_to(&healthcheck::config(&p.want))
            .map_err(|m| self.failed(zone, m.to_string()))?;
        let resp = client
            .create_health_check()
            .caller_reference(&p.caller_reference)
            .health_check_config(config)
            .send()
            .await
            .map_err(|e| {
                sdk_error(&self.id, zone, e, |t| {
                    format!("creating a health check for {}: {t}", p.name_tag)
                })
            })?;
        let id = resp
            .health_check()
            .map(|h| h.id().to_string())
            .ok_or_else(|| self.failed(zone, "CreateHealthCheck returned no id".into()))?;
        client
            .change_tags_for_resource()
            .resource_type(aws_sdk_route53::types::TagResourceType::Healthcheck)
            .resource_id(&id)
            .add_tags(
                aws_sdk_route53::types::Tag::builder()
                    .key("Name")
                    .value(&p.name_tag)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| {
                sdk_error(&self.id, zone, e, |t| {
                    format!("tagging health check {id}: {t}")
                })
            })?;
        tracing::info!(provider = %self.id, zone, "created health check {id} ({})", p.name_tag);
        Ok(id)
    }
}

/// Routing the layout does not manage in the rrsets a record was read from.
pub(crate) fn unmanaged(r: &RecordSet) -> Option<String> {
    if r.dynamic.is_some() || r.rtype.as_str() == ALIAS_TYPE {
        return None;
    }
    let sets = layout::rrsets_of(r);
    let odd: Vec<String> = sets
        .iter()
        .filter(|s| s.set_id.is_some() || s.foreign.is_some())
        .map(|s| match (&s.foreign, &s.set_id) {
            (Some(f), Some(id)) => format!("{f} [{id}]"),
            (Some(f), None) => f.clone(),
            (None, Some(id)) => format!("set identifier {id}"),
            (None, None) => String::new(),
        })
        .collect();
    (!odd.is_empty()).then(|| odd.join(", "))
}

/// What a failed batch leaves: what was applied, what was not.
fn failure_report(failed: usize, batches: &[Vec<Mod>], error: &str) -> String {
    let describe = |b: &[Mod]| {
        let mut names: Vec<String> = b
            .iter()
            .map(|m| format!("{} {}", m.action.as_str(), m.rrset.label()))
            .collect();
        if names.len() > 12 {
            let more = names.len() - 12;
            names.truncate(12);
            names.push(format!("… and {more} more"));
        }
        names.join("; ")
    };
    let mut out = format!(
        "change batch {} of {} was rejected: {error}",
        failed + 1,
        batches.len()
    );
    if failed == 0 {
        out.push_str("\nnothing was applied (a batch is all or nothing)");
    } else {
        out.push_str(&format!("\napplied (batches 1-{failed}):"));
        for (i, b) in batches[..failed].iter().enumerate() {
            out.push_str(&format!("\n  {}: {}", i + 1, describe(b)));
        }
    }
    out.push_str(&format!(
        "\nnot applied (batches {}-{}):",
        failed + 1,
        batches.len()
    ));
    for (i, b) in batches[failed..].iter().enumerate() {
        out.push_str(&format!("\n  {}: {}", failed + i + 1, describe(b)));
    }
    out
}

/// A health check to create at apply.
struct PendingCheck {
    placeholder: String,
    caller_reference: String,
    name_tag: String,
    want: healthcheck::Want,
    rtype: String,
    fqdn: String,
}

/// Health check ids at apply: an existing equivalent check, or a placeholder for one to be
/// created once every check passed (the same placeholder for the same want).
struct ApplyChecks<'a> {
    zone: String,
    checks: &'a HealthChecks,
    pending: Vec<PendingCheck>,
}

impl HealthCheckIds for ApplyChecks<'_> {
    fn id(
        &mut self,
        record: &RecordSet,
        value: &str,
        status: Status,
    ) -> Result<Option<String>, String> {
        let params = healthcheck::params(record, &self.zone)?;
        let Some(want) = healthcheck::want(&params, value, status) else {
            return Ok(None);
        };
        let fqdn = record.fqdn(&self.zone);
        let t = record.rtype.as_str();
        if let Some(id) = healthcheck::find(self.checks, t, &fqdn, &want) {
            return Ok(Some(id));
        }
        if let Some(p) = self
            .pending
            .iter()
            .find(|p| p.want == want && p.rtype == t && p.fqdn == fqdn)
        {
            return Ok(Some(p.placeholder.clone()));
        }
        let prefix = healthcheck::ref_prefix(healthcheck::VERSION, t, &fqdn);
        let p = PendingCheck {
            placeholder: format!("dnsplan-pending-{}", self.pending.len()),
            caller_reference: format!("{prefix}:{}", random_hex(12)),
            name_tag: healthcheck::name_tag(&fqdn, t, &want, value),
            want,
            rtype: t.to_string(),
            fqdn,
        };
        let id = p.placeholder.clone();
        self.pending.push(p);
        Ok(Some(id))
    }
}

impl Provider for Route53Provider {
    fn id(&self) -> &str {
        &self.id
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    fn existing<'a>(&'a self, zone: &'a str) -> BoxFut<'a, Result<Option<Zone>, ProviderError>> {
        Box::pin(async move {
            super::check_zone(&self.id, zone)?;
            let Some(id) = self.zone_id(zone).await? else {
                return Ok(None);
            };
            let (_, read, _) = self.load(zone, &id).await?;
            Ok(Some(read.zone))
        })
    }

    fn apply<'a>(&'a self, plan: &'a ZonePlan) -> BoxFut<'a, Result<ApplyReport, ProviderError>> {
        Box::pin(self.apply_zone(plan))
    }

    fn list_zones(&self) -> BoxFut<'_, Result<Vec<String>, ProviderError>> {
        Box::pin(async move {
            let names = self.all_zones("*").await?.into_keys().collect();
            super::checked_names(&self.id, names)
        })
    }

    fn process_desired(
        &self,
        desired: Zone,
        strict: bool,
        warnings: &mut Vec<String>,
    ) -> Result<Zone, Vec<Unsupported>> {
        process_desired(desired, strict, warnings)
    }

    fn extra_changes(&self, existing: &Zone, desired: &Zone) -> Vec<(String, RecordType)> {
        desired
            .iter()
            .filter(|d| d.dynamic.is_some())
            .filter(|d| {
                existing
                    .get(&d.name, &d.rtype)
                    .is_some_and(|e| layout::needs_rewrite(e, d, &desired.name))
            })
            .map(|d| (d.name.clone(), d.rtype.clone()))
            .collect()
    }
}

/// octodns-route53's `_process_desired_zone`, plus what it checks only at apply: health
/// check protocol and settings, geo and subnet rules mixed, `NA-CA-*` geos (Route 53 has no
/// Canadian provinces), alias values.
pub fn process_desired(
    desired: Zone,
    strict: bool,
    warnings: &mut Vec<String>,
) -> Result<Zone, Vec<Unsupported>> {
    let mut errors = Vec::new();
    let mut out = Zone::new(desired.name.clone());
    let zone = desired.name.clone();
    for mut r in desired.records.into_values() {
        let fqdn = r.fqdn(&zone);
        let shown = crate::model::idna_decode(&fqdn);
        if r.rtype.as_str() == ALIAS_TYPE {
            let mut values = Vec::new();
            for v in &r.values {
                match alias_value(v) {
                    Ok(v) => values.push(v),
                    Err(m) => errors.push(Unsupported {
                        message: format!("{shown} {ALIAS_TYPE}: {m}"),
                    }),
                }
            }
            r.values = values;
            r.normalize();
        }
        if let Some(d) = &mut r.dynamic {
            let hc = r.settings.healthcheck(&fqdn);
            if !["HTTP", "HTTPS", "TCP"].contains(&hc.protocol.as_str()) {
                errors.push(Unsupported {
                    message: format!("healthcheck protocol \"{}\" not supported", hc.protocol),
                });
            }
            let has_geos = d.rules.iter().any(|x| !x.geos.is_empty());
            let has_subnets = d.rules.iter().any(|x| !x.subnets.is_empty());
            if has_geos && has_subnets {
                errors.push(Unsupported {
                    message: format!("mixed geo and subnet rules not supported for {shown}"),
                });
            }
            let mut kept = Vec::new();
            for (i, mut rule) in std::mem::take(&mut d.rules).into_iter().enumerate() {
                if rule.geos.is_empty() {
                    kept.push(rule);
                    continue;
                }
                let filtered: Vec<String> = rule
                    .geos
                    .iter()
                    .filter(|g| !g.starts_with("NA-CA-"))
                    .cloned()
                    .collect();
                let msg = format!("NA-CA-* not supported for {shown}");
                if filtered.is_empty() {
                    if strict {
                        errors.push(Unsupported { message: msg });
                    } else {
                        warnings.push(format!("{msg}; skipping rule {i}"));
                    }
                    continue;
                }
                if filtered != rule.geos {
                    if strict {
                        errors.push(Unsupported { message: msg });
                    } else {
                        warnings.push(format!(
                            "{msg}; filtering rule {i} from ({}) to ({})",
                            rule.geos.join(", "),
                            filtered.join(", ")
                        ));
                    }
                    rule.geos = filtered;
                }
                kept.push(rule);
            }
            d.rules = kept;
            if let Err(m) = healthcheck::params(&r, &zone) {
                errors.push(Unsupported {
                    message: format!("{shown} {}: {m}", r.rtype),
                });
            }
        }
        out.insert(r);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// An alias value in the form Route 53 reads back, after octodns-route53's checks.
fn alias_value(v: &crate::model::Value) -> Result<crate::model::Value, String> {
    let crate::model::Value::Data(d) = v else {
        return Err("a value must be a mapping with name and type".into());
    };
    let m =
        d.0.as_object()
            .ok_or("a value must be a mapping with name and type")?;
    let t = m.get("type").and_then(J::as_str).ok_or("missing type")?;
    let name = m.get("name").and_then(J::as_str).unwrap_or("");
    let hzid = m
        .get("hosted-zone-id")
        .and_then(J::as_str)
        .filter(|s| !s.is_empty());
    let service = layout::is_service_alias(name);
    if service && hzid.is_none() {
        return Err("service alias without hosted-zone-id".into());
    }
    if !service && hzid.is_some() {
        return Err("hosted-zone-id on a non-service value".into());
    }
    let evaluate = match m.get("evaluate-target-health") {
        None | Some(J::Null) => false,
        Some(J::Bool(b)) => *b,
        Some(_) => return Err("evaluate-target-health must be true or false".into()),
    };
    Ok(layout::alias_value(
        name,
        t,
        evaluate,
        hzid.map(|s| J::String(s.to_string())).unwrap_or(J::Null),
    ))
}

#[cfg(test)]
mod tests;
