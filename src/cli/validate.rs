//! `dnsplan validate`.

use super::{ConfigArg, DiagFormat, EXIT_ERROR, EXIT_OK, report};
use crate::config;
use crate::diag::{self, Diagnostic};
use crate::engine;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub config: ConfigArg,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: DiagFormat,
    /// Only these zones (default: all configured zones).
    #[arg(value_name = "ZONE")]
    pub zones: Vec<String>,
}

/// Validate the config and every zone; all diagnostics, sorted.
pub fn collect(path: &std::path::Path, only: &[String]) -> Vec<Diagnostic> {
    let (cfg, mut diags) = super::load_config_file(path);
    if let Some(cfg) = cfg {
        diags.extend(crate::provider::registry::check(&cfg));
        zones(&cfg, only, &mut diags);
    }
    diag::normalize(&mut diags);
    diags
}

/// Validate the selected zones of a loaded config, adding to `diags` (not normalised).
pub fn zones(cfg: &config::Config, only: &[String], diags: &mut Vec<Diagnostic>) {
    diags.extend(engine::validate(cfg, only));
}

pub fn run(a: Args) -> i32 {
    let diags = collect(&a.config.config, &a.zones);
    report::print(&diags, a.format);
    if diags.iter().any(Diagnostic::is_error) {
        EXIT_ERROR
    } else {
        EXIT_OK
    }
}
