//! `dnsplan verify` (every target's name servers against git, and against each other) and
//! `dnsplan report` (octodns-report: each record's answers across a list of servers).
//! Orchestration only: the targets and their servers are `verify::targets`, the questions and
//! the comparison `verify::run` / `verify::answers`, the outputs `verify::table` and
//! `verify::rows`.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use clap::ValueEnum;

use super::{ConfigArg, EXIT_CHANGES, EXIT_ERROR, EXIT_OK, report};
use crate::config;
use crate::verify::{self, Choice, fold, parse_addr, table};

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// Only these zones (default: all configured zones).
    #[arg(value_name = "ZONE")]
    pub zones: Vec<String>,
    /// Where to ask: `auto` (default: the provider's own server, else the zone's NS records),
    /// `ADDR[:PORT]` for every target, or `TARGET=ADDR[:PORT]` for one. Repeatable.
    #[arg(long, value_name = "auto|ADDR|TARGET=ADDR", num_args = 1..)]
    pub nameservers: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: VerifyFormat,
    /// Seconds to wait for each answer (UDP tries and the TCP fallback each get this long).
    #[arg(long, default_value = "3", value_name = "SECONDS")]
    pub timeout: f64,
    /// Queries in flight at once.
    #[arg(long, default_value = "32", value_name = "N")]
    pub concurrency: usize,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum VerifyFormat {
    /// A table of the differences.
    Table,
    /// JSON: `{version, ok, checked, targets, findings}`.
    Json,
}

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// The zone whose records are asked about.
    #[arg(long)]
    pub zone: String,
    /// Read the records from this provider instead of the zone's sources (the zone files).
    #[arg(long)]
    pub source: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub output_format: ReportFormat,
    /// Seconds to wait for each answer.
    #[arg(long, default_value = "3", value_name = "SECONDS")]
    pub timeout: f64,
    /// Queries in flight at once.
    #[arg(long, default_value = "32", value_name = "N")]
    pub concurrency: usize,
    /// The servers to ask, `ADDR[:PORT]`.
    #[arg(value_name = "SERVER", required = true)]
    pub servers: Vec<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ReportFormat {
    /// `Name,Type,TTL,<server>…,Consistent`, as octodns-report writes.
    Csv,
    /// A JSON array of `{name, type, ttl, answers: {server: values}, consistent}`.
    Json,
    /// A table for people: long values elided, no wider than the terminal (`COLUMNS`).
    Table,
}

fn timeout_of(secs: f64) -> Result<Duration, String> {
    if secs.is_finite() && secs > 0.0 && secs <= 300.0 {
        Ok(Duration::from_secs_f64(secs))
    } else {
        Err(format!(
            "--timeout must be between 0 and 300 seconds, not {secs}"
        ))
    }
}

pub fn verify(a: VerifyArgs) -> i32 {
    let Some(cfg) = super::plan::load_config(&a.config.config) else {
        return EXIT_ERROR;
    };
    let timeout = match timeout_of(a.timeout) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_ERROR;
        }
    };
    let names: Vec<String> = cfg.providers.keys().cloned().collect();
    let choice = match Choice::parse(&a.nameservers, |t| cfg.providers.contains_key(t), &names) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_ERROR;
        }
    };
    let mut diags = Vec::new();
    let zones = cfg.select_zones(&a.zones, &mut diags);
    if diags.iter().any(|d| d.is_error()) {
        report::print_stderr(&diags);
        return EXIT_ERROR;
    }
    let rt = super::plan::runtime();
    let targets = match rt.block_on(verify::targets(cfg, &zones, &choice)) {
        Ok(t) => t,
        Err(verify::TargetsError::Invalid { diagnostics, .. }) => {
            report::print_stderr(&diagnostics);
            return EXIT_ERROR;
        }
        Err(e) => {
            eprintln!("error: {}", super::plan::scrub(cfg, &e.to_string()));
            return EXIT_ERROR;
        }
    };
    let rep = rt.block_on(verify::run(targets, timeout, a.concurrency));
    let mut out = std::io::stdout().lock();
    let _ = match a.format {
        VerifyFormat::Json => serde_json::to_writer_pretty(&mut out, &rep)
            .map_err(std::io::Error::other)
            .and_then(|_| writeln!(out)),
        VerifyFormat::Table => {
            out.write_all(table::findings(&rep, fold::terminal_width()).as_bytes())
        }
    };
    if rep.ok { EXIT_OK } else { EXIT_CHANGES }
}

pub fn report(a: ReportArgs) -> i32 {
    let Some(cfg) = super::plan::load_config(&a.config.config) else {
        return EXIT_ERROR;
    };
    let run = || -> Result<i32, String> {
        let timeout = timeout_of(a.timeout)?;
        let servers: Vec<SocketAddr> = a
            .servers
            .iter()
            .map(|s| parse_addr(s))
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        let mut diags = Vec::new();
        let zones = cfg.select_zones(std::slice::from_ref(&a.zone), &mut diags);
        let zc = zones
            .first()
            .ok_or_else(|| format!("zone {} is not configured", a.zone))?;
        let rt = super::plan::runtime();
        let zone = match &a.source {
            None => {
                let d = config::load_desired(cfg, zc);
                if d.diagnostics.iter().any(|x| x.is_error()) {
                    report::print_stderr(&d.diagnostics);
                    return Ok(EXIT_ERROR);
                }
                d.zone
            }
            Some(s) => {
                let pc = cfg
                    .providers
                    .get(s)
                    .ok_or_else(|| format!("unknown source {s:?}"))?;
                let p = crate::provider::build(pc)
                    .map_err(|e| super::plan::scrub(cfg, &e.to_string()))?;
                rt.block_on(p.existing(&zc.name))
                    .map_err(|e| super::plan::scrub(cfg, &e.to_string()))?
                    .ok_or_else(|| format!("zone {} does not exist on {s}", zc.name))?
            }
        };
        let expect = verify::expectations(&zone);
        let rows = rt.block_on(verify::answers(&expect, &servers, timeout, a.concurrency));
        let text = match a.output_format {
            ReportFormat::Csv => verify::rows::csv(&rows, &servers),
            ReportFormat::Table => table::answers(&rows, &servers, fold::terminal_width()),
            ReportFormat::Json => {
                let doc = verify::rows::json(&rows, &servers);
                serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())? + "\n"
            }
        };
        std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .map_err(|e| e.to_string())?;
        Ok(EXIT_OK)
    };
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_ERROR
        }
    }
}
