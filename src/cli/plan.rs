//! `dnsplan plan`, `apply`, `drift` and `dump`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::ValueEnum;

use super::{ConfigArg, EXIT_CHANGES, EXIT_ERROR, EXIT_OK, report};
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::engine::{self, EngineError, Planned, Selection};
use crate::render;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum PlanFormat {
    /// A table per zone × target, for terminals.
    Table,
    /// Markdown, for pull-request comments and step summaries.
    Markdown,
    /// JSON (docs/plan-json.md).
    Json,
    /// octoDNS's own outputs, as octodns-sync writes them: every `manager.plan_outputs` entry
    /// (default: octoDNS's plan log, on standard error); file outputs go to their
    /// `output_filename`, the others to standard output.
    Octodns,
}

/// Options shared by plan, apply and drift.
#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// Only a stable share of the zones: shard K of N (1-based), e.g. `--shard 2/4`, so CI can
    /// spread a large estate over a job matrix.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(u32, u32)>,
    /// Only these zones (default: all configured zones).
    #[arg(value_name = "ZONE")]
    pub zones: Vec<String>,
}

pub(super) fn parse_shard(s: &str) -> Result<(u32, u32), String> {
    let (k, n) = s
        .split_once('/')
        .ok_or_else(|| format!("expected K/N (e.g. 1/4), got {s:?}"))?;
    let k: u32 = k
        .trim()
        .parse()
        .map_err(|_| format!("bad shard number {k:?}"))?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|_| format!("bad shard count {n:?}"))?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("shard must satisfy 1 <= K <= N, got {k}/{n}"));
    }
    Ok((k, n))
}

#[derive(clap::Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: PlanFormat,
    /// Write the rendering to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 2 when there are changes (0 when none, 1 on error), for CI conditions.
    #[arg(long)]
    pub detailed_exitcode: bool,
}

#[derive(clap::Args, Debug)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// The checksum of the reviewed plan: apply re-plans and refuses if anything differs.
    #[arg(long, value_name = "HEX")]
    pub checksum: Option<String>,
    /// Apply even when a safety rail (thresholds, root NS, max_deletes, confirm_types) refuses.
    #[arg(long)]
    pub force: bool,
}

#[derive(clap::Args, Debug)]
pub struct DriftArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Output format of the drift report.
    #[arg(long, value_enum, default_value = "table")]
    pub format: PlanFormat,
}

#[derive(clap::Args, Debug)]
pub struct DumpArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// Directory to write the zone files into (created if missing; files are overwritten).
    #[arg(long, value_name = "DIR")]
    pub output_dir: PathBuf,
    /// Format of the written files.
    #[arg(long, value_enum, default_value = "yaml")]
    pub format: DumpFormat,
    /// The zone to dump.
    pub zone: String,
    /// The provider (source) to read it from.
    pub source: String,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum DumpFormat {
    /// octoDNS YAML zone files.
    Yaml,
    /// BIND master files (octodns-bind's ZoneFileProvider layout, with an SOA).
    Zonefile,
}

pub(super) fn runtime() -> tokio::runtime::Runtime {
    engine::runtime().expect("tokio runtime")
}

/// Load the config; on errors print them and return None. The config lives until the process
/// exits (each command loads it once), so it is never dropped: freeing 50,000 zone entries
/// one by one just before exiting cost several milliseconds for nothing.
pub(super) fn load_config(path: &std::path::Path) -> Option<&'static Config> {
    let (cfg, diags) = super::load_config_file(path);
    let errors: Vec<Diagnostic> = diags.iter().filter(|d| d.is_error()).cloned().collect();
    if !errors.is_empty() || cfg.is_none() {
        report::print_stderr(&diags);
        return None;
    }
    if !diags.is_empty() {
        report::print_stderr(&diags);
    }
    cfg.map(|c| &*Box::leak(Box::new(c)))
}

/// Plan, printing loading problems; None on error (already reported).
fn planned(cfg: &Config, run: &RunArgs) -> Option<Planned> {
    let sel = Selection {
        zones: run.zones.clone(),
        shard: run.shard.map(engine::Shard::from),
    };
    let rt = runtime();
    match rt.block_on(engine::plan_with(
        cfg,
        &sel,
        &super::progress::Ticker::stderr(),
    )) {
        Ok(p) => {
            if !p.warnings.is_empty() {
                report::print_stderr(&p.warnings);
            }
            Some(p)
        }
        Err(EngineError::Invalid(diags)) => {
            report::print_stderr(&diags);
            None
        }
        Err(e) => {
            eprintln!("error: {}", scrub(cfg, &e.to_string()));
            None
        }
    }
}

/// Remove every configured secret from a message before it is shown.
pub(super) fn scrub(cfg: &Config, s: &str) -> String {
    crate::secret::Scrubber::new(cfg.secret_values()).scrub(s)
}

fn render_plan(p: &Planned, format: PlanFormat, color: bool) -> String {
    match format {
        PlanFormat::Table => render::table::render(&p.plan, &p.render_context(), color),
        PlanFormat::Markdown => render::markdown::render(&p.plan, &p.render_context()),
        PlanFormat::Json => render::json(&p.plan),
        // written by `plan_outputs`
        PlanFormat::Octodns => String::new(),
    }
}

/// The octoDNS class name a target shows in octoDNS's plan log (`YamlProvider`).
fn provider_class(cfg: &Config, target: &str) -> &'static str {
    let class = cfg.providers.get(target).map_or("", |p| p.class.as_str());
    crate::provider::registry::entry(class)
        .and_then(|e| e.classes.iter().find(|c| c.contains('.')))
        .and_then(|c| c.rsplit('.').next())
        .unwrap_or("Provider")
}

/// `manager.plan_outputs`, as octodns-sync runs them: every output with an
/// `output_filename` is written there; with `to_terminal`, the others too (the plan log on
/// standard error, the rest on standard output). Returns false when a file could not be
/// written (said on standard error).
pub(super) fn plan_outputs(cfg: &Config, p: &Planned, to_terminal: bool) -> bool {
    use crate::config::{PlanOutput, PlanOutputKind};
    let default = [PlanOutput {
        name: "_logger".into(),
        kind: PlanOutputKind::Logger,
        level: "info".into(),
        indent: None,
        sort_keys: true,
        output_filename: None,
    }];
    let outputs: Vec<&PlanOutput> = cfg
        .manager
        .plan_outputs
        .as_deref()
        .unwrap_or(&default)
        .iter()
        .filter(|o| to_terminal || o.output_filename.is_some())
        // octodns-sync logs at info: a plan log at debug is not shown
        .filter(|o| !(o.kind == PlanOutputKind::Logger && o.level == "debug"))
        .collect();
    if outputs.is_empty() {
        return true;
    }
    let shown = render::octodns::shown(&p.plan.plans, |t| provider_class(cfg, t));
    let mut ok = true;
    for o in outputs {
        let text = match o.kind {
            PlanOutputKind::Logger => render::octodns::logger(&shown),
            PlanOutputKind::Json => render::octodns::json(&shown, o.indent, o.sort_keys),
            PlanOutputKind::Markdown => render::octodns::markdown(&shown),
            PlanOutputKind::Html => render::octodns::html(&shown),
        };
        let text = scrub(cfg, &text);
        match (&o.output_filename, o.kind) {
            (Some(path), _) => {
                if let Err(e) = std::fs::write(path, &text) {
                    eprintln!(
                        "error: plan_output {}: cannot write {}: {e}",
                        o.name,
                        path.display()
                    );
                    ok = false;
                }
            }
            (None, PlanOutputKind::Logger) => {
                let _ = std::io::stderr().lock().write_all(text.as_bytes());
            }
            (None, _) => {
                let _ = std::io::stdout().lock().write_all(text.as_bytes());
            }
        }
    }
    ok
}

pub fn plan(a: PlanArgs) -> i32 {
    let Some(cfg) = load_config(&a.run.config.config) else {
        return EXIT_ERROR;
    };
    let Some(p) = planned(cfg, &a.run) else {
        return EXIT_ERROR;
    };
    // octoDNS's plan outputs with a file are written on every plan, as octodns-sync does
    let outputs_ok = plan_outputs(cfg, &p, a.format == PlanFormat::Octodns);
    if !outputs_ok {
        return EXIT_ERROR;
    }
    if a.format == PlanFormat::Octodns {
        return if a.detailed_exitcode && p.plan.has_changes() {
            EXIT_CHANGES
        } else {
            EXIT_OK
        };
    }
    let color = a.out.is_none() && std::io::stdout().is_terminal();
    let text = scrub(cfg, &render_plan(&p, a.format, color));
    match &a.out {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return EXIT_ERROR;
            }
            eprintln!(
                "plan written to {} (checksum {})",
                path.display(),
                p.plan.checksum()
            );
        }
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
    }
    if a.detailed_exitcode && p.plan.has_changes() {
        EXIT_CHANGES
    } else {
        EXIT_OK
    }
}

pub fn apply(a: ApplyArgs) -> i32 {
    let Some(cfg) = load_config(&a.run.config.config) else {
        return EXIT_ERROR;
    };
    let Some(p) = planned(cfg, &a.run) else {
        return EXIT_ERROR;
    };
    let color = std::io::stdout().is_terminal();
    print!("{}", scrub(cfg, &render_plan(&p, PlanFormat::Table, color)));
    if !plan_outputs(cfg, &p, false) {
        return EXIT_ERROR;
    }
    if !p.plan.has_changes() {
        println!("Nothing to apply.");
        return EXIT_OK;
    }
    let rt = runtime();
    match rt.block_on(engine::apply(&p, a.checksum.as_deref(), a.force)) {
        Ok(done) => {
            for a in &done.applied {
                let (z, t, n) = (&a.zone, &a.target, a.changes);
                println!(
                    "applied {n} change{} to {z} on {t}",
                    if n == 1 { "" } else { "s" }
                );
            }
            for p in &done.skipped_dry_run {
                let (z, t) = (&p.zone, &p.target);
                println!("skipped {z} on {t}: plan only (always-dry-run / apply_disabled)");
            }
            EXIT_OK
        }
        Err(e) => {
            eprintln!(
                "error: apply refused or failed: {}",
                scrub(cfg, &e.to_string())
            );
            EXIT_ERROR
        }
    }
}

pub fn drift(a: DriftArgs) -> i32 {
    let Some(cfg) = load_config(&a.run.config.config) else {
        return EXIT_ERROR;
    };
    let Some(p) = planned(cfg, &a.run) else {
        return EXIT_ERROR;
    };
    let color = std::io::stdout().is_terminal();
    if p.plan.has_changes() {
        if a.format == PlanFormat::Octodns {
            plan_outputs(cfg, &p, true);
        } else {
            print!("{}", scrub(cfg, &render_plan(&p, a.format, color)));
        }
        eprintln!("drift: live DNS differs from git on the zones above");
        EXIT_CHANGES
    } else {
        if a.format == PlanFormat::Json {
            print!("{}", render::json(&p.plan));
        } else {
            println!("in sync: every zone matches its targets");
        }
        EXIT_OK
    }
}

pub fn dump(a: DumpArgs) -> i32 {
    let Some(cfg) = load_config(&a.config.config) else {
        return EXIT_ERROR;
    };
    let Some(pc) = cfg.providers.get(&a.source) else {
        eprintln!(
            "error: unknown source {:?}; configured providers: {}",
            a.source,
            cfg.providers.keys().cloned().collect::<Vec<_>>().join(", ")
        );
        return EXIT_ERROR;
    };
    // the zone is a DNS name and the output directory a directory before anything is read
    let mut zone = a.zone.clone();
    if !zone.ends_with('.') {
        zone.push('.');
    }
    let zone = match crate::model::parse_zone_name(&zone) {
        Ok(z) => z,
        Err(e) => {
            eprintln!("error: invalid zone name {:?}, {e}", a.zone);
            return EXIT_ERROR;
        }
    };
    if a.output_dir.as_os_str().is_empty() || a.output_dir.exists() && !a.output_dir.is_dir() {
        eprintln!(
            "error: --output-dir {:?} is not a directory",
            a.output_dir.display()
        );
        return EXIT_ERROR;
    }
    let src = match crate::provider::build(pc) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {}", scrub(cfg, &e.to_string()));
            return EXIT_ERROR;
        }
    };
    let rt = runtime();
    let mut existing = match rt.block_on(src.existing(&zone)) {
        Ok(Some(z)) => z,
        Ok(None) => {
            eprintln!("error: zone {zone} does not exist on {}", a.source);
            return EXIT_ERROR;
        }
        Err(e) => {
            eprintln!("error: {}", scrub(cfg, &e.to_string()));
            return EXIT_ERROR;
        }
    };
    // a configured zone's processors run on what was read, as octodns-dump runs them
    if let Some(zc) = cfg.zones.get(&zone) {
        let chain = cfg.chain(zc);
        let mut ctx = crate::process::SourceCtx {
            sources: std::slice::from_ref(&a.source),
            lenient: zc.lenient,
            warnings: Vec::new(),
            txt: cfg.txt_lookup.as_deref(),
        };
        if let Err(e) = chain.source_zone(&mut existing, &mut ctx) {
            eprintln!("error: zone {zone}: {}", scrub(cfg, &e.to_string()));
            return EXIT_ERROR;
        }
        for w in ctx.warnings {
            eprintln!("warning: zone {zone}: {}", scrub(cfg, &w));
        }
    }
    if let Err(e) = std::fs::create_dir_all(&a.output_dir) {
        eprintln!("error: cannot create {}: {e}", a.output_dir.display());
        return EXIT_ERROR;
    }
    match a.format {
        DumpFormat::Yaml => {
            let out = crate::config::yaml_zones::YamlSettings::defaults(&a.output_dir);
            let files = match crate::provider::yaml::render_files(&existing, &out) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("error: {e}");
                    return EXIT_ERROR;
                }
            };
            for (path, text) in files {
                if let Err(e) = crate::provider::atomic::write(&path, text.as_bytes()) {
                    eprintln!("error: {e}");
                    return EXIT_ERROR;
                }
                println!("wrote {} ({} records)", path.display(), existing.len());
            }
        }
        DumpFormat::Zonefile => {
            use crate::provider::zonefile::{ZoneFileProvider, ZoneFileSettings};
            let settings = ZoneFileSettings::defaults(&a.output_dir);
            let path = match settings.path(&zone) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("error: zone {zone}: {e}");
                    return EXIT_ERROR;
                }
            };
            let writer = ZoneFileProvider::with_settings("dump", settings);
            let n = existing.len();
            let plan = crate::plan::diff_owned(
                None,
                existing,
                "dump",
                &crate::model::Capabilities::everything(),
            );
            if let Err(e) = writer.apply_sync(&plan) {
                eprintln!("error: {}", scrub(cfg, &e.to_string()));
                return EXIT_ERROR;
            }
            println!("wrote {} ({n} records)", path.display());
        }
    }
    EXIT_OK
}
