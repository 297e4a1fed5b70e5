//! The run: load the desired state of the selected zones, read every zone × target
//! concurrently (bounded by `manager.max_workers`), plan, check the rails, apply.
//!
//! The engine prints nothing: a plan reports its progress to an `engine::Progress` (the
//! CLI draws the terminal line from it), and every outcome is returned.
//!
//! Rule: `engine` uses `config`, `plan`, `process`, `provider`, `model`, `diag` and `render` (the
//! context a plan is rendered with); `cli` calls it (validate, plan, apply, drift, the Action),
//! and so can a program embedding the library.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::StreamExt;
use rayon::prelude::*;

use crate::config::{self, Config, ZoneConfig};
use crate::diag::Diagnostic;
use crate::model::Zone;
use crate::plan::safety::{self, Rails, Refusal, Refused, ZoneTarget};
use crate::plan::{self, Plan, ZonePlan};
use crate::process;
use crate::provider::{self, Provider, ProviderError};

/// Which zones a run covers.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Named zones (empty: all).
    pub zones: Vec<String>,
    /// `--shard K/N`: this run takes the zones whose stable hash falls in shard K of N.
    pub shard: Option<Shard>,
}

/// Shard `index` of `count` (1-based, `1 <= index <= count`): a stable share of the zones, so
/// CI can spread a large estate over a job matrix. Shown `K/N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl From<(u32, u32)> for Shard {
    fn from((index, count): (u32, u32)) -> Self {
        Shard { index, count }
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("the configuration or zone files have errors")]
    Invalid(Vec<Diagnostic>),
    #[error("{0}")]
    Provider(#[from] ProviderError),
    #[error("{}", .0.join("\n"))]
    Unsupported(Vec<String>),
    #[error("shard must satisfy 1 <= K <= N, got {0}")]
    Shard(Shard),
    /// A processor refused a zone × target (octoDNS raises; nothing is planned).
    #[error("zone {zone}, target {target}: {error}")]
    Processor {
        zone: String,
        target: String,
        error: crate::process::Error,
    },
    /// The runtime that reads local source files for `validate` could not start.
    #[error("cannot start a runtime to read the source files: {0}")]
    Runtime(std::io::Error),
}

/// A rail that refuses one zone × target; [`Refusal`] says which and why.
#[derive(Clone, Debug, PartialEq)]
pub struct RailRefusal {
    pub zone: String,
    pub target: String,
    pub refusal: Refusal,
}

/// A planned run.
pub struct Planned {
    pub plan: Plan,
    /// Warnings from loading and validation.
    pub warnings: Vec<Diagnostic>,
    /// Why some plans need `--force`.
    pub refusals: Vec<RailRefusal>,
    /// Targets that only plan (`apply_disabled`) and zones that are `always-dry-run`.
    pub dry_run: Vec<ZoneTarget>,
    providers: HashMap<String, Arc<dyn Provider>>,
}

impl Planned {
    pub fn refusal_messages(&self) -> Vec<String> {
        self.refusals
            .iter()
            .map(|r| r.refusal.message(&r.zone, &r.target))
            .collect()
    }

    /// The refusals as the reports carry them: zone, target, rail and message.
    pub fn refused(&self) -> Vec<Refused> {
        self.refusals
            .iter()
            .map(|r| Refused::new(&r.zone, &r.target, &r.refusal))
            .collect()
    }

    /// What the renderings show besides the plan: the rails' refusals and the plan-only pairs
    /// (`render::table::render(&planned.plan, &planned.render_context(), false)`).
    pub fn render_context(&self) -> crate::render::Context {
        crate::render::Context {
            refusals: self.refused(),
            dry_run: self.dry_run.clone(),
            ..crate::render::Context::default()
        }
    }
}

/// A Tokio runtime of the kind the engine needs, for callers that have none: multi-threaded
/// ([`plan()`] parses local zone files on the runtime's threads through `block_in_place`, which
/// a current-thread runtime does not allow).
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

/// Load a config (octoDNS's format) whose providers may be any this build knows (the
/// provider registry): the config, or None when it has errors, and every problem found, with
/// file:line. [`config::load`] with the registry given.
pub fn load(path: &std::path::Path) -> (Option<Config>, Vec<Diagnostic>) {
    config::load(path, &provider::registry::Registry)
}

/// Validate the selected zones (`zones` empty: all) without contacting any provider: every
/// problem of their zone files, sorted, with file:line. Problems of the config file itself
/// come from [`load`].
pub fn validate(cfg: &Config, zones: &[String]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let selected = cfg.select_zones(zones, &mut diags);
    let selected: Vec<&ZoneConfig> = selected.into_iter().filter(|z| z.alias.is_none()).collect();
    let (wanted, unread) = sources_to_read(cfg, &selected, false);
    let read = match read_local_sources(cfg, wanted) {
        Ok((read, problems)) => {
            diags.extend(problems);
            read
        }
        Err(e) => {
            diags.push(Diagnostic::error(cfg.file_pos(), "source", e.to_string()));
            HashMap::new()
        }
    };
    let none = BTreeMap::new();
    let per_zone: Vec<Vec<Diagnostic>> = selected
        .par_iter()
        .map(|z| {
            let mut d = config::load_desired_with(cfg, z, read.get(&z.name).unwrap_or(&none));
            // a remote source is not read here; a local one that failed is an error already
            let remote: Vec<&str> = d
                .other_sources
                .iter()
                .map(String::as_str)
                .filter(|sid| unread.contains(*sid))
                .collect();
            if !remote.is_empty() {
                d.diagnostics.push(
                    Diagnostic::warning(
                        z.pos.clone(),
                        "zone-rules-skipped",
                        format!(
                            "the zone's rules (CNAME coexistence, in-zone targets, …) were not \
                             run: validate contacts no provider, so {} {} not read; plan reads \
                             {} and runs them",
                            remote.join(", "),
                            if remote.len() == 1 { "was" } else { "were" },
                            if remote.len() == 1 { "it" } else { "them" },
                        ),
                    )
                    .with_subject(z.name.clone()),
                );
            }
            d.diagnostics
        })
        .collect();
    diags.extend(per_zone.into_iter().flatten());
    crate::diag::normalize(&mut diags);
    diags
}

/// `read_sources` of local files, from synchronous code: on a thread of its own with its own
/// runtime, so it works whether or not the caller runs inside one (none when nothing is read).
fn read_local_sources(cfg: &Config, wanted: Vec<(String, String)>) -> Result<Read, EngineError> {
    if wanted.is_empty() {
        return Ok(Read::default());
    }
    std::thread::scope(|s| {
        s.spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(EngineError::Runtime)?;
            rt.block_on(read_sources(cfg, wanted, &mut HashMap::new(), None))
        })
        .join()
        .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

/// Zones planned per round (see `plan`).
const CHUNK: usize = 64;

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
    let zones = cfg.select_zones(&sel.zones, &mut diags);
    if !diags.is_empty() {
        return Err(EngineError::Invalid(diags));
    }
    Ok(match sel.shard {
        None => zones,
        Some(s) if s.index == 0 || s.index > s.count => return Err(EngineError::Shard(s)),
        Some(s) => zones
            .into_iter()
            .filter(|z| (stable_hash(&z.name) % s.count as u64) as u32 == s.index - 1)
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

/// What a plan reports while it reads its targets. The engine prints nothing: the CLI draws
/// its terminal progress line from these calls, an embedder logs them or passes [`Quiet`].
/// Called from the planning task itself, so keep each call short.
pub trait Progress: Send + Sync {
    /// `total` zone × target pairs are about to be read and planned.
    fn started(&self, total: usize) {
        let _ = total;
    }
    /// `done` of the `total` pairs are planned (called once per pair, `done` counting up).
    fn planned(&self, done: usize, total: usize) {
        let _ = (done, total);
    }
    /// Planning is over: every pair planned, or stopped by an error. Called once after
    /// [`Progress::started`].
    fn finished(&self) {}
}

/// Reports nothing: what [`plan()`] uses.
pub struct Quiet;

impl Progress for Quiet {}

/// Calls [`Progress::finished`] however planning ends (an error returned early, the future
/// dropped).
struct Finish<'a>(&'a dyn Progress);

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        self.0.finished();
    }
}

/// The zone whose desired state `zc` has: an alias is an exact copy of its source zone's.
fn source_of<'a>(cfg: &'a Config, zc: &'a ZoneConfig) -> &'a ZoneConfig {
    zc.alias
        .as_ref()
        .and_then(|a| cfg.zones.get(a))
        .unwrap_or(zc)
}

/// What the non-YAML sources of some zones hold, by zone then source id.
type SourcesRead = HashMap<String, BTreeMap<String, Option<Zone>>>;

/// What `read_sources` found, and the files that do not read, as problems of their file and
/// line.
type Read = (SourcesRead, Vec<Diagnostic>);

/// The (zone, source id) pairs whose sources are not YAML files (a zone file, tinydns data,
/// another provider), to be read through their providers so that they merge like YAML
/// sources. Without `remote_too` (what `validate` may read: it contacts no provider) the live
/// ones are left out and returned apart. Local files are known by their class, before any
/// provider is built.
fn sources_to_read(
    cfg: &Config,
    zones: &[&ZoneConfig],
    remote_too: bool,
) -> (Vec<(String, String)>, BTreeSet<String>) {
    let mut wanted = Vec::new();
    let mut unread = BTreeSet::new();
    for zc in zones {
        let src = source_of(cfg, zc);
        for sid in &src.sources {
            let Some(p) = cfg.providers.get(sid) else {
                continue;
            };
            if p.files == Some(config::FileFormat::Yaml) || sid == process::arpa::ID {
                continue;
            }
            if !remote_too && p.files.is_none() {
                unread.insert(sid.clone());
                continue;
            }
            wanted.push((src.name.clone(), sid.clone()));
        }
    }
    wanted.sort();
    wanted.dedup();
    (wanted, unread)
}

/// Read the `wanted` (zone, source id) pairs through their providers (built once, kept in
/// `providers`). `remote`: the bound on requests to remote providers. A file that does not
/// read is a problem of its file and line, returned with the others; any other failure ends
/// the read.
async fn read_sources(
    cfg: &Config,
    wanted: Vec<(String, String)>,
    providers: &mut HashMap<String, Arc<dyn Provider>>,
    remote: Option<&Arc<tokio::sync::Semaphore>>,
) -> Result<Read, EngineError> {
    for (_, sid) in &wanted {
        if !providers.contains_key(sid) {
            let p = cfg
                .providers
                .get(sid)
                .expect("wanted sources are configured");
            providers.insert(sid.clone(), provider::build(p)?);
        }
    }
    let workers = cfg.manager.max_workers.max(1);
    let reads: Vec<(String, String, Result<Option<Zone>, ProviderError>)> =
        futures_util::stream::iter(wanted.into_iter().map(|(zone, sid)| {
            let prov = providers[&sid].clone();
            let remote = remote.cloned();
            async move {
                let held = match remote.filter(|_| !prov.is_local()) {
                    None => prov.existing(&zone).await,
                    Some(bound) => {
                        let _permit = bound.acquire().await.expect("semaphore open");
                        prov.existing(&zone).await
                    }
                };
                (zone, sid, held)
            }
        }))
        .buffer_unordered(workers)
        .collect()
        .await;
    let mut read: SourcesRead = HashMap::new();
    let mut problems = Vec::new();
    for (zone, sid, held) in reads {
        match held {
            Ok(held) => {
                read.entry(zone).or_default().insert(sid, held);
            }
            Err(e) => match e.as_diagnostic() {
                Some(d) => problems.push(d),
                None => return Err(e.into()),
            },
        }
    }
    Ok((read, problems))
}

/// Plan every selected zone × target, reporting no progress.
pub async fn plan(cfg: &Config, sel: &Selection) -> Result<Planned, EngineError> {
    plan_with(cfg, sel, &Quiet).await
}

/// Plan every selected zone × target, telling `progress` how far it got.
pub async fn plan_with(
    cfg: &Config,
    sel: &Selection,
    progress: &dyn Progress,
) -> Result<Planned, EngineError> {
    let zones = select(cfg, sel)?;

    // providers, built once (targets of aliases are their source zone's targets)
    let targets_of = |zc: &ZoneConfig| -> Vec<String> {
        match &zc.alias {
            None => zc.targets.clone(),
            Some(src) => cfg
                .zones
                .get(src)
                .map(|s| s.targets.clone())
                .unwrap_or_default(),
        }
    };
    let mut providers: HashMap<String, Arc<dyn Provider>> = HashMap::new();
    for zc in &zones {
        for t in targets_of(zc) {
            if !providers.contains_key(&t) {
                let p = cfg.providers.get(&t).ok_or_else(|| ProviderError::Config {
                    provider: t.clone(),
                    message: "not configured".into(),
                })?;
                providers.insert(t.clone(), provider::build(p)?);
            }
        }
    }

    let total: usize = zones.iter().map(|z| targets_of(z).len()).sum();
    let done = AtomicUsize::new(0);
    progress.started(total);
    let finish = Finish(progress);
    // `max_workers` bounds requests in flight to remote providers; local files are parsed
    // with every core whatever it says
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let remote = Arc::new(tokio::sync::Semaphore::new(cfg.manager.max_workers.max(1)));

    // Zones are planned a chunk at a time: the chunk's zone files are parsed and validated in
    // parallel, its targets read concurrently, then everything but the plans is dropped, so
    // memory is bounded by the chunk, not the estate.
    let mut diags = Vec::new();
    let mut out = Plan::default();
    let mut unsupported = Vec::new();
    let mut source_providers: HashMap<String, Arc<dyn Provider>> = HashMap::new();
    for chunk in zones.chunks(CHUNK) {
        let (wanted, _) = sources_to_read(cfg, chunk, true);
        let (read, problems) =
            read_sources(cfg, wanted, &mut source_providers, Some(&remote)).await?;
        diags.extend(problems);
        let none = BTreeMap::new();
        let loaded: Vec<(&ZoneConfig, config::Desired)> = tokio::task::block_in_place(|| {
            chunk
                .par_iter()
                .map(|zc| {
                    let src = source_of(cfg, zc);
                    let mut d =
                        config::load_desired_with(cfg, src, read.get(&src.name).unwrap_or(&none));
                    if zc.alias.is_some() {
                        let mut copy = Zone::new(zc.name.clone());
                        for r in d.zone.records.into_values() {
                            copy.insert(r);
                        }
                        d.zone = copy;
                        d.diagnostics.clear(); // reported for the source zone itself
                    }
                    (*zc, d)
                })
                .collect()
        });
        let mut jobs = Vec::new();
        for (zc, d) in loaded {
            diags.extend(d.diagnostics);
            jobs.push((zc, d.zone));
        }
        // invalid zones block the whole plan: stop reading targets, keep collecting problems
        if diags.iter().any(Diagnostic::is_error) {
            continue;
        }
        let pairs: Vec<(&ZoneConfig, Zone, String)> = jobs
            .into_iter()
            .flat_map(|(zc, z)| {
                let targets = targets_of(zc);
                let n = targets.len();
                let mut z = Some(z);
                targets.into_iter().enumerate().map(move |(i, t)| {
                    // the last target takes the zone itself, the others a copy
                    let zone = if i + 1 == n {
                        z.take().unwrap_or_default()
                    } else {
                        z.clone().unwrap_or_default()
                    };
                    (zc, zone, t)
                })
            })
            .collect();
        let results: Vec<Result<ZonePlan, EngineError>> = futures_util::stream::iter(pairs)
            .map(|(zc, desired, target)| {
                let prov = providers[&target].clone();
                let pcfg = &cfg.providers[&target];
                // an alias zone is planned with its source zone's processors
                let chain = cfg.chain(
                    zc.alias
                        .as_ref()
                        .and_then(|a| cfg.zones.get(a))
                        .unwrap_or(zc),
                );
                let done = &done;
                let remote = remote.clone();
                async move {
                    let existing = if prov.is_local() {
                        prov.existing(&zc.name).await?
                    } else {
                        let _permit = remote.acquire().await.expect("semaphore open");
                        prov.existing(&zc.name).await?
                    };
                    let mut warnings = Vec::new();
                    // what the target cannot hold, each message named by the target
                    let unsupported = |e: Vec<plan::Unsupported>| {
                        EngineError::Unsupported(
                            e.into_iter()
                                .map(|u| format!("{target}: {}", u.message))
                                .collect(),
                        )
                    };
                    let fitted = plan::fit(
                        desired,
                        prov.capabilities(),
                        pcfg.common.strict_supports,
                        pcfg.common.root_ns_warnings,
                        &mut warnings,
                    )
                    .map_err(unsupported)?;
                    let mut fitted = prov
                        .process_desired(fitted, pcfg.common.strict_supports, &mut warnings)
                        .map_err(unsupported)?;
                    // the processors' target hooks (octoDNS's process_target_zone, then
                    // process_source_and_target_zones), on the zone as the target holds it
                    let refused = |error| EngineError::Processor {
                        zone: zc.name.clone(),
                        target: target.clone(),
                        error,
                    };
                    let existing = if chain.is_empty() {
                        existing
                    } else {
                        let exists = existing.is_some();
                        let mut held = existing.unwrap_or_else(|| Zone::new(zc.name.clone()));
                        let mut ctx = process::TargetCtx {
                            target: &target,
                            lenient: zc.lenient,
                            ..process::TargetCtx::default()
                        };
                        chain
                            .target(&mut fitted, &mut held, &mut ctx)
                            .map_err(refused)?;
                        warnings.append(&mut ctx.warnings);
                        // what a processor rewrote is checked again, as octoDNS does
                        for (processor, name, rtype) in &ctx.rewritten {
                            let Some(r) = fitted.get(name, rtype) else {
                                continue;
                            };
                            for d in config::recheck(cfg, zc, r) {
                                let msg = format!("{}: {}", d.subject, d.message);
                                if d.is_error() {
                                    return Err(refused(process::Error::at(processor, r, msg)));
                                }
                                warnings.push(msg);
                            }
                        }
                        exists.then_some(held)
                    };
                    // `ignore:` rules: what they match on the target is left out of the diff
                    let partial = cfg.partial(zc, &target);
                    let mut existing = existing;
                    let ignored = match existing.as_mut() {
                        Some(e) => partial.take_ignored(e),
                        None => Vec::new(),
                    };
                    let forced = match &existing {
                        Some(e) => prov.extra_changes(e, &fitted),
                        None => Vec::new(),
                    };
                    // the plan hooks that read the zones get them as diffed
                    let zones = chain
                        .wants_zones_in_plan()
                        .then(|| (fitted.clone(), existing.clone()));
                    let mut zp =
                        plan::diff_forced(existing, fitted, &target, prov.capabilities(), &forced);
                    if !chain.is_empty() {
                        let mut ctx = process::PlanCtx {
                            target: &target,
                            sources: &zc.sources,
                            lenient: zc.lenient,
                            desired: zones.as_ref().map(|z| &z.0),
                            existing: zones.as_ref().and_then(|z| z.1.as_ref()),
                            warnings: Vec::new(),
                        };
                        chain.plan(&mut zp, &mut ctx).map_err(refused)?;
                        warnings.append(&mut ctx.warnings);
                    }
                    // `never_delete`: what git does not have is kept and shown as unmanaged
                    if partial.never_delete {
                        let (deletes, rest) = std::mem::take(&mut zp.changes)
                            .into_iter()
                            .partition(|c| c.op == plan::Op::Delete);
                        zp.changes = rest;
                        zp.unmanaged = deletes
                            .into_iter()
                            .filter_map(|c: plan::Change| c.existing)
                            .collect();
                    }
                    zp.ignored = ignored;
                    zp.warnings = warnings;
                    progress.planned(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                    Ok(zp)
                }
            })
            .buffer_unordered(cfg.manager.max_workers.max(cores * 2))
            .collect()
            .await;
        for r in results {
            match r {
                Ok(zp) => out.plans.push(zp),
                Err(EngineError::Unsupported(m)) => unsupported.extend(m),
                Err(e) => return Err(e),
            }
        }
    }
    drop(finish);
    crate::diag::normalize(&mut diags);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(EngineError::Invalid(diags));
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
        for refusal in safety::check(zp, &rails_for(zc, pcfg)) {
            refusals.push(RailRefusal {
                zone: zp.zone.clone(),
                target: zp.target.clone(),
                refusal,
            });
        }
        if zc.always_dry_run || pcfg.common.apply_disabled {
            dry_run.push(ZoneTarget::new(&zp.zone, &zp.target));
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

/// Why an apply was refused: nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("the plan needs --force:\n{}", .0.join("\n"))]
    Unsafe(Vec<String>),
    #[error(
        "checksum={given} does not match computed={computed}: the plan changed since it was reviewed"
    )]
    Checksum { given: String, computed: String },
    #[error("{}", partial_text(*.failed, *.total, .applied, .errors))]
    Partial {
        total: usize,
        failed: usize,
        applied: Vec<String>,
        errors: Vec<String>,
    },
}

/// A part-way apply, one line per plan (a provider's multi-line report indented below its
/// line), so nobody has to read escaped newlines to learn what landed.
fn partial_text(failed: usize, total: usize, applied: &[String], errors: &[String]) -> String {
    let mut out = format!(
        "{failed} of {total} zone × target plan{} failed",
        if total == 1 { "" } else { "s" }
    );
    for a in applied {
        out.push_str(&format!("\n  applied: {a}"));
    }
    for e in errors {
        out.push_str(&format!("\n  failed:  {}", e.replace('\n', "\n    ")));
    }
    out
}

/// What an apply did, plan by plan.
#[derive(Debug, Default)]
pub struct Applied {
    /// The plans applied, children before parents.
    pub applied: Vec<AppliedPlan>,
    /// The plans with changes left alone: plan-only (`always-dry-run` / `apply_disabled`).
    pub skipped_dry_run: Vec<ZoneTarget>,
}

/// One zone × target plan applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedPlan {
    pub zone: String,
    pub target: String,
    /// The changes the provider made.
    pub changes: usize,
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
        let key = ZoneTarget::new(&zp.zone, &zp.target);
        if planned.dry_run.contains(&key) {
            report.skipped_dry_run.push(key);
            continue;
        }
        let prov = &planned.providers[&zp.target];
        match prov.apply(zp).await {
            Ok(r) => report.applied.push(AppliedPlan {
                zone: zp.zone.clone(),
                target: zp.target.clone(),
                changes: r.applied,
            }),
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
                .map(|a| format!("{} on {} ({} changes)", a.zone, a.target, a.changes))
                .collect(),
            errors,
        });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Every call the engine made, in order.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);

    impl Progress for Recorder {
        fn started(&self, total: usize) {
            self.0.lock().unwrap().push(format!("started {total}"));
        }
        fn planned(&self, done: usize, total: usize) {
            self.0.lock().unwrap().push(format!("{done}/{total}"));
        }
        fn finished(&self) {
            self.0.lock().unwrap().push("finished".into());
        }
    }

    /// Three zones from `zones/` onto the YAML directory `out/`; `b_extra` is added to the
    /// settings of `b.example.`.
    fn project_with(b_extra: &str) -> (tempfile::TempDir, Config) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("zones")).unwrap();
        // relative directories are the working directory's, as in octoDNS
        let d = dir.path().display();
        let mut cfg = format!(
            "providers:\n  config: {{class: octodns.provider.yaml.YamlProvider, directory: {d}/zones}}\n  \
             out: {{class: octodns.provider.yaml.YamlProvider, directory: {d}/out}}\nzones:\n",
        );
        for z in ["a.example.", "b.example.", "c.example."] {
            let extra = if z == "b.example." { b_extra } else { "" };
            cfg.push_str(&format!(
                "  {z}: {{sources: [config], targets: [out]{extra}}}\n"
            ));
            std::fs::write(
                dir.path().join(format!("zones/{z}yaml")),
                "---\nwww:\n  type: A\n  value: 192.0.2.1\n",
            )
            .unwrap();
        }
        std::fs::write(dir.path().join("config.yaml"), cfg).unwrap();
        let (cfg, diags) = load(&dir.path().join("config.yaml"));
        (dir, cfg.unwrap_or_else(|| panic!("{diags:?}")))
    }

    fn project() -> (tempfile::TempDir, Config) {
        project_with("")
    }

    fn plan_recorded(cfg: &Config) -> (Result<Planned, EngineError>, Vec<String>) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        let rec = Recorder::default();
        let r = rt.block_on(plan_with(cfg, &Selection::default(), &rec));
        (r, rec.0.into_inner().unwrap())
    }

    #[test]
    fn progress_counts_every_pair_then_finishes() {
        let (_dir, cfg) = project();
        let (r, calls) = plan_recorded(&cfg);
        assert_eq!(r.unwrap().plan.plans.len(), 3);
        assert_eq!(calls, ["started 3", "1/3", "2/3", "3/3", "finished"]);
    }

    #[test]
    fn progress_finishes_when_a_target_fails() {
        let (dir, cfg) = project();
        std::fs::create_dir_all(dir.path().join("out")).unwrap();
        std::fs::write(dir.path().join("out/b.example.yaml"), "www: [unclosed\n").unwrap();
        let (r, calls) = plan_recorded(&cfg);
        assert!(matches!(r, Err(EngineError::Provider(_))), "{:?}", r.err());
        assert_eq!(calls.first().map(String::as_str), Some("started 3"));
        assert_eq!(calls.last().map(String::as_str), Some("finished"));
        assert_eq!(calls.iter().filter(|c| *c == "finished").count(), 1);
    }

    #[test]
    fn a_shard_out_of_range_is_an_error_not_a_panic() {
        let (_dir, cfg) = project();
        for (index, count) in [(0, 0), (1, 0), (0, 3), (4, 3)] {
            let sel = Selection {
                zones: vec![],
                shard: Some(Shard { index, count }),
            };
            let Err(e) = select(&cfg, &sel) else {
                panic!("shard {index}/{count} accepted");
            };
            assert_eq!(
                e.to_string(),
                format!("shard must satisfy 1 <= K <= N, got {index}/{count}")
            );
        }
        let mut seen = Vec::new();
        for index in 1..=2 {
            let sel = Selection {
                zones: vec![],
                shard: Some(Shard { index, count: 2 }),
            };
            seen.extend(select(&cfg, &sel).unwrap().iter().map(|z| z.name.clone()));
        }
        seen.sort();
        assert_eq!(seen, ["a.example.", "b.example.", "c.example."]);
    }

    #[test]
    fn apply_reports_each_plan_by_name() {
        let (_dir, cfg) = project_with(", always-dry-run: true");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        let planned = rt.block_on(plan(&cfg, &Selection::default())).unwrap();
        assert!(planned.refusals.is_empty());
        assert_eq!(planned.dry_run, [ZoneTarget::new("b.example.", "out")]);
        let done = rt.block_on(apply(&planned, None, false)).unwrap();
        let got: Vec<(&str, &str, usize)> = done
            .applied
            .iter()
            .map(|a| (a.zone.as_str(), a.target.as_str(), a.changes))
            .collect();
        assert_eq!(got, [("a.example.", "out", 1), ("c.example.", "out", 1)]);
        assert_eq!(done.skipped_dry_run, planned.dry_run);
    }
}
