//! The command line: clap commands, one orchestration function per command, exit codes.
//!
//! Exit codes: 0 success / no changes; 1 error (invalid config or zones, provider failure,
//! refused apply); 2 changes or drift pending, for commands that promise it
//! (`plan --detailed-exitcode`, `drift`).
//!
//! Rule: `cli` may use every module; nothing imports it.

mod failover;
mod github;
mod plan;
mod progress;
mod report;
mod spf_resolver;
// public for the fuzz target that validates from bytes (fuzz/src/checks.rs)
pub mod validate;
mod verify;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

pub const EXIT_OK: i32 = 0;
pub const EXIT_ERROR: i32 = 1;
pub const EXIT_CHANGES: i32 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "dnsplan",
    version,
    about = "DNS as code, native to CI: validate, plan, apply and drift-check octoDNS-compatible zones",
    long_about = "dnsplan reads octoDNS configuration and zone files as they are, validates them \
(every problem at once, with file and line), computes what would change on every provider a \
zone is served by, applies exactly that after review, and detects drift.\n\n\
Typical flow:\n  dnsplan validate --config config/production.yaml\n  \
dnsplan plan --config config/production.yaml --format markdown --out plan.md\n  \
dnsplan apply --config config/production.yaml --checksum <hex from the plan>\n\n\
Exit codes: 0 ok / no changes, 1 error, 2 changes or drift pending (plan --detailed-exitcode, drift).",
    after_help = "Run `dnsplan <command> --help` for the options of one command."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check the config and every zone file; report all problems at once.
    ///
    /// Loads the config and the YAML sources of every zone (no provider is contacted), runs
    /// octoDNS's validation rules (the `legacy` set unless `manager.validators.enabled` says
    /// otherwise) and reports every problem with file, line, column and rule id.
    /// Exit 0 when there is no error (warnings allowed), 1 otherwise.
    Validate(validate::Args),
    /// Show what would change on every zone × target (nothing is changed).
    ///
    /// Reads every target concurrently, compares with the zones in git (octoDNS's diff:
    /// dynamic, values, then TTL), and renders the plan with its checksum. Safety rails are
    /// evaluated and shown. With --detailed-exitcode: exit 2 when there are changes.
    Plan(plan::PlanArgs),
    /// Make exactly the planned changes.
    ///
    /// Re-plans, refuses when --checksum does not match the reviewed plan, refuses when a
    /// safety rail trips (update/delete thresholds, root NS, max_deletes, confirm_types)
    /// unless --force, then applies zone by zone (children before parents). A refused apply
    /// changes nothing.
    Apply(plan::ApplyArgs),
    /// Compare live providers with git: exit 2 on any difference, 0 when in sync.
    Drift(plan::DriftArgs),
    /// Write what a source holds for one zone as octoDNS YAML (octodns-dump).
    Dump(plan::DumpArgs),
    /// Run as the GitHub Action: validate, plan, apply or check drift as the event calls for.
    ///
    /// Reads the Actions environment (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, …) and the
    /// action's inputs (INPUT_COMMAND, INPUT_CONFIG, …). pull_request: validate, plan, one
    /// sticky comment (never applies); push to the default branch: apply and report on the
    /// merged pull request; schedule / workflow_dispatch: drift check (exit 2) and one drift
    /// issue. Writes annotations, the step summary and outputs. See docs/github-action.md.
    Github(github::Args),
    /// Ask every target's name servers for every configured record: differences from git and
    /// between providers.
    ///
    /// For each zone and target, queries the target's authoritative servers directly (the
    /// provider's own server, else the zone's NS records via in-zone glue or the system
    /// resolver, or --nameservers) for every name and type in the zone files, and compares the
    /// answers (values and TTL) with git and across targets. A server that does not answer is
    /// reported. Exit 0 when every answer matches, 2 on any difference, 1 on error.
    Verify(verify::VerifyArgs),
    /// Each record's answers from a list of servers, with a consistency column (octodns-report).
    ///
    /// Example: `dnsplan report --config c.yaml --zone example.com. 192.0.2.53 198.51.100.53`.
    Report(verify::ReportArgs),
    /// Keep round-robin A/AAAA records pointing only at servers that pass health checks.
    ///
    /// A daemon for every server of a pool (three web servers behind one name): it checks
    /// its own address first and changes nothing while that fails, then checks every peer in
    /// address order, removes a peer after `retries` failed checks in a row and adds it back
    /// after `rise` passed checks in a row — never the last address, never more than
    /// `max_remove_fraction` of the pool per interval. Each change is one update of that one
    /// record through the zone's target provider (PowerDNS, RFC 2136, Route 53, Azure, YAML),
    /// logged with its reason. Runs in the foreground until SIGTERM/SIGINT; --once for cron.
    /// See docs/failover.md and examples/failover/.
    Failover(failover::Args),
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum DiagFormat {
    /// Human-readable, with the offending lines shown like a compiler does.
    Text,
    /// Stable JSON document (see docs/validate-json.md).
    Json,
    /// GitHub Actions annotations (`::error file=…,line=…::…`).
    Github,
}

/// Common option: the config file.
#[derive(clap::Args, Debug, Clone)]
pub struct ConfigArg {
    /// The octoDNS-format config file (e.g. config/production.yaml).
    #[arg(long, short = 'c', value_name = "FILE", env = "DNSPLAN_CONFIG")]
    pub config: PathBuf,
}

/// Parse arguments, run the command, return the exit code.
/// Load a config as every command does: `config::load`, then what the environment adds
/// (`DNSPLAN_SPF_RESOLVER`: the resolver SPF includes outside a zone are resolved with).
pub(crate) fn load_config_file(
    path: &std::path::Path,
) -> (Option<crate::config::Config>, Vec<crate::diag::Diagnostic>) {
    let (mut cfg, mut diags) = crate::config::load(path, &crate::provider::registry::Registry);
    match spf_resolver::from_env() {
        Ok(lookup) => {
            if let Some(c) = cfg.as_mut() {
                c.txt_lookup = lookup;
            }
        }
        Err(why) => diags.push(crate::diag::Diagnostic::error(
            crate::yaml::Pos::none(),
            "config-env",
            why,
        )),
    }
    (cfg, diags)
}

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let _ = e.print();
            return code;
        }
    };
    init_logging(match cli.command {
        // a daemon logs what it does
        Command::Failover(_) => "warn,dnsplan=info",
        _ => "warn",
    });
    match cli.command {
        Command::Validate(a) => validate::run(a),
        Command::Plan(a) => plan::plan(a),
        Command::Apply(a) => plan::apply(a),
        Command::Drift(a) => plan::drift(a),
        Command::Dump(a) => plan::dump(a),
        Command::Github(a) => github::run(a),
        Command::Verify(a) => verify::verify(a),
        Command::Report(a) => verify::report(a),
        Command::Failover(a) => failover::run(a),
    }
}

/// Logs to standard error; `DNSPLAN_LOG` (an env-filter such as `debug`) overrides `default`.
fn init_logging(default: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("DNSPLAN_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(
            std::env::var_os("GITHUB_ACTIONS").is_none()
                && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        )
        .try_init();
}
