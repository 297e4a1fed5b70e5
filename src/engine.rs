//! The run: load the desired state of the selected zones, read every zone × target
//! concurrently (bounded by `manager.max_workers`), plan, check the rails, apply.
//!
//! Rule: `engine` uses `config`, `plan` and `provider`; `cli`, `drift` and `github` call it.

use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::StreamExt;
use rayon::prelude::*;

use crate::config::{self, Config, ZoneConfig};
use crate::diag::Diagnostic;
use crate::model::Zone;
use crate::plan::safety::{self, Rails, Refusal};
use crate::plan::{self, Plan, ZonePlan};
use crate::provider::{self, Provider, ProviderError};

/// Which zones a run covers.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Named zones (empty: all).
    pub zones: Vec<String>,
    /// `--shard K/N`: this run takes the zones whose stable hash falls in shard K of N.
    pub shard: Option<(u32, u32)>,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("the configuration or zone files have errors")]
    Invalid(Vec<Diagnostic>),
    #[error("{0}")]
    Provider(#[from] ProviderError),
    #[error("{}", .0.join("\n"))]
    Unsupported(Vec<String>),
}

/// A planned run.
pub struct Planned {
    pub plan: Plan,
    /// Warnings from loading and validation.
    pub warnings: Vec<Diagnostic>,
    /// Why some plans need `--force`.
    pub refusals: Vec<(String, String, Refusal)>,
    /// Targets that only plan (`apply_disabled`) and zones that are `always-dry-run`.
    pub dry_run: Vec<(String, String)>,
    providers: HashMap<String, Arc<dyn Provider>>,
}

impl Planned {
    pub fn refusal_messages(&self) -> Vec<String> {
        self.refusals
            .iter()
            .map(|(z, t, r)| r.message(z, t))
            .collect()
    }
}

/// FNV-1a: a hash that never changes between runs or versions, for `--shard`.
fn stable_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// The zones of a selection, in name order.
pub fn select<'a>(cfg: &'a Config, sel: &Selection) -> Result<Vec<&'a ZoneConfig>, EngineError> {
    let mut diags = Vec::new();
    let zones = crate::cli::select_zones(cfg, &sel.zones, &mut diags);
    if !diags.is_empty() {
        return Err(EngineError::Invalid(diags));
    }
    Ok(match sel.shard {
        None => zones,
        Some((k, n)) => zones
            .into_iter()
            .filter(|z| (stable_hash(&z.name) % n as u64) as u32 == k - 1)
            .collect(),
    })
}

fn rails_for(zc: &ZoneConfig, p: &config::ProviderConfig) -> Rails {
    Rails {
        update_pcent: zc
            .update_pcent_threshold
            .unwrap_or(p.common.update_pcent_threshold),
        delete_pcent: zc
            .delete_pcent_threshold
            .unwrap_or(p.common.delete_pcent_threshold),
        max_deletes: zc.max_deletes.or(p.common.max_deletes),
        confirm_types: p.common.confirm_types.clone(),
    }
}

/// Plan every selected zone × target.
pub async fn plan(cfg: &Config, sel: &Selection) -> Result<Planned, EngineError> {
    let zones = select(cfg, sel)?;

    // desired state: parse and validate every zone's files in parallel
    let loaded: Vec<(String, config::Desired)> = tokio::task::block_in_place(|| {
        zones
            .par_iter()
            .filter(|z| z.alias.is_none())
            .map(|z| (z.name.clone(), config::load_desired(cfg, z)))
            .collect()
    });
    let mut diags = Vec::new();
    let mut desired: BTreeMap<String, Zone> = BTreeMap::new();
    for (name, d) in loaded {
        diags.extend(d.diagnostics);
        if !d.other_sources.is_empty() {
            diags.push(Diagnostic::error(
                cfg.zones[&name].pos.clone(),
                "config-unsupported",
                format!(
                    "zone {name}: reading sources of kind other than YAML ({}) is not available yet",
                    d.other_sources.join(", ")
                ),
            ));
        }
        desired.insert(name, d.zone);
    }
    if diags.iter().any(Diagnostic::is_error) {
        return Err(EngineError::Invalid(diags));
    }
    // aliases: an exact copy of their source zone, planned against its targets
    let mut jobs: Vec<(&ZoneConfig, Zone, Vec<String>)> = Vec::new();
    for zc in &zones {
        match &zc.alias {
            None => jobs.push((
                zc,
                desired.remove(&zc.name).unwrap_or_default(),
                zc.targets.clone(),
            )),
            Some(src) => {
                let Some(szc) = cfg.zones.get(src) else {
                    continue;
                };
                let base = match desired.get(src) {
                    Some(z) => z.clone(),
                    None => config::load_desired(cfg, szc).zone,
                };
                let mut copy = Zone::new(zc.name.clone());
                for r in base.iter() {
                    copy.insert(r.clone());
                }
                jobs.push((zc, copy, szc.targets.clone()));
            }
        }
    }

    // providers, built once
    let mut providers: HashMap<String, Arc<dyn Provider>> = HashMap::new();
    for (_, _, targets) in &jobs {
        for t in targets {
            if !providers.contains_key(t) {
                let p = cfg.providers.get(t).ok_or_else(|| ProviderError::Config {
                    provider: t.clone(),
                    message: "not configured".into(),
                })?;
                providers.insert(t.clone(), provider::build(p)?);
            }
        }
    }

    // every zone × target, concurrently with a bound
    let pairs: Vec<(&ZoneConfig, Arc<Zone>, String)> = jobs
        .into_iter()
        .flat_map(|(zc, z, targets)| {
            let z = Arc::new(z);
            targets.into_iter().map(move |t| (zc, z.clone(), t))
        })
        .collect();
    let total = pairs.len();
    let done = Arc::new(AtomicUsize::new(0));
    let progress = progress_ticker(total, done.clone());
    // `max_workers` bounds requests in flight to remote providers; local files are parsed
    // with every core whatever it says
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let remote = Arc::new(tokio::sync::Semaphore::new(cfg.manager.max_workers.max(1)));
    let results: Vec<Result<ZonePlan, EngineError>> = futures_util::stream::iter(pairs)
        .map(|(zc, desired, target)| {
            let prov = providers[&target].clone();
            let pcfg = &cfg.providers[&target];
            let done = done.clone();
            let remote = remote.clone();
            async move {
                let existing = if prov.is_local() {
                    prov.existing(&zc.name).await?
                } else {
                    let _permit = remote.acquire().await.expect("semaphore open");
                    prov.existing(&zc.name).await?
                };
                let mut warnings = Vec::new();
                let fitted = plan::fit_to_target(
                    &desired,
                    prov.capabilities(),
                    pcfg.common.strict_supports,
                    &mut warnings,
                )
                .map_err(|e| {
                    EngineError::Unsupported(
                        e.into_iter()
                            .map(|u| format!("{target}: {}", u.message))
                            .collect(),
                    )
                })?;
                let mut zp = plan::diff(existing.as_ref(), &fitted, &target, prov.capabilities());
                zp.warnings = warnings;
                done.fetch_add(1, Ordering::Relaxed);
                Ok(zp)
            }
        })
        .buffer_unordered(cfg.manager.max_workers.max(cores * 2))
        .collect()
        .await;
    if let Some(t) = progress {
        t.abort();
        eprint!("\r\x1b[K");
    }
    let mut out = Plan::default();
    let mut unsupported = Vec::new();
    for r in results {
        match r {
            Ok(zp) => out.plans.push(zp),
            Err(EngineError::Unsupported(m)) => unsupported.extend(m),
            Err(e) => return Err(e),
        }
    }
    if !unsupported.is_empty() {
        unsupported.sort();
        return Err(EngineError::Unsupported(unsupported));
    }
    out.sort();

    let mut refusals = Vec::new();
    let mut dry_run = Vec::new();
    for zp in &out.plans {
        let zc = &cfg.zones[&zp.zone];
        let pcfg = &cfg.providers[&zp.target];
        for r in safety::check(zp, &rails_for(zc, pcfg)) {
            refusals.push((zp.zone.clone(), zp.target.clone(), r));
        }
        if zc.always_dry_run || pcfg.common.apply_disabled {
            dry_run.push((zp.zone.clone(), zp.target.clone()));
        }
    }
    Ok(Planned {
        plan: out,
        warnings: diags,
        refusals,
        dry_run,
        providers,
    })
}

fn progress_ticker(total: usize, done: Arc<AtomicUsize>) -> Option<tokio::task::JoinHandle<()>> {
    if total < 20 || !std::io::stderr().is_terminal() {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(250));
        loop {
            tick.tick().await;
            let d = done.load(Ordering::Relaxed);
            eprint!("\r\x1b[Kplanning: {d}/{total} zone × target");
        }
    }))
}

/// Why an apply was refused: nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("the plan needs --force:\n{}", .0.join("\n"))]
    Unsafe(Vec<String>),
    #[error(
        "checksum={given} does not match computed={computed}: the plan changed since it was reviewed"
    )]
    Checksum { given: String, computed: String },
    #[error("{failed} of {total} plans failed; applied: {applied:?}; failed: {errors:?}")]
    Partial {
        total: usize,
        failed: usize,
        applied: Vec<String>,
        errors: Vec<String>,
    },
}

/// What an apply did, plan by plan.
#[derive(Debug, Default)]
pub struct Applied {
    pub applied: Vec<(String, String, usize)>,
    pub skipped_dry_run: Vec<(String, String)>,
}

/// Apply a planned run. All rails are checked before anything is applied; a refused apply
/// changes nothing.
pub async fn apply(
    planned: &Planned,
    checksum: Option<&str>,
    force: bool,
) -> Result<Applied, ApplyError> {
    if let Some(given) = checksum {
        let computed = planned.plan.checksum();
        if !given.eq_ignore_ascii_case(&computed) {
            return Err(ApplyError::Checksum {
                given: given.to_string(),
                computed,
            });
        }
    }
    if !force && !planned.refusals.is_empty() {
        return Err(ApplyError::Unsafe(planned.refusal_messages()));
    }
    let mut report = Applied::default();
    let mut errors = Vec::new();
    // children before parents, as octoDNS does
    let mut order: Vec<&ZonePlan> = planned
        .plan
        .plans
        .iter()
        .filter(|p| p.has_changes())
        .collect();
    order.sort_by(|a, b| b.zone.len().cmp(&a.zone.len()).then(a.zone.cmp(&b.zone)));
    for zp in order {
        let key = (zp.zone.clone(), zp.target.clone());
        if planned.dry_run.contains(&key) {
            report.skipped_dry_run.push(key);
            continue;
        }
        let prov = &planned.providers[&zp.target];
        match prov.apply(zp).await {
            Ok(r) => report
                .applied
                .push((zp.zone.clone(), zp.target.clone(), r.applied)),
            Err(e) => errors.push(e.to_string()),
        }
    }
    if !errors.is_empty() {
        return Err(ApplyError::Partial {
            total: report.applied.len() + errors.len(),
            failed: errors.len(),
            applied: report
                .applied
                .iter()
                .map(|(z, t, n)| format!("{z} on {t} ({n} changes)"))
                .collect(),
            errors,
        });
    }
    Ok(report)
}
