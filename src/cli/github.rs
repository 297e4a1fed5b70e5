//! `dnsplan github`: the GitHub Action. Reads the Actions environment and the action's inputs,
//! decides what the event calls for, runs validate / plan / apply / drift through the engine,
//! and reports through `crate::github`: annotations, the step summary, outputs, one sticky
//! pull-request comment, apply results on the merged pull request (or the commit), and one
//! drift issue per config.
//!
//! `command: auto` (the default):
//! - `pull_request` / `pull_request_target`: validate, plan, sticky comment. Never applies.
//!   A pull request from a fork (or a run without a token) is only validated.
//! - `push` to the default branch: apply, then report on the merged pull request.
//! - `schedule` / `workflow_dispatch`: drift check (exit 2 on drift) and the drift issue.
//!
//! Large estates: `--shard K/N` plans a stable share of the zones and writes its plan file
//! without commenting; `--merge-plans DIR` merges the shards' files into one report and one
//! checksum (the checksum a full plan of the same state has, so `apply --checksum` verifies).
//! The plan files themselves (format, checksum, reading, merging) are `plan::file`'s; this
//! module only decides where they go and what the reports say.
//!
//! Everything written (log, summary, outputs, comments, issues, plan files) is scrubbed of
//! the token and of every `env/` secret of the config.

use std::path::{Path, PathBuf};

use clap::ValueEnum;

use super::{EXIT_CHANGES, EXIT_ERROR, EXIT_OK, report};
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::engine::{self, ApplyError, EngineError, Selection};
use crate::github::api::{ApiError, Client};
use crate::github::env::ActionEnv;
use crate::github::event::{self, Trigger};
use crate::github::markdown::{self as ghmd, COMMENT_LIMIT, Measure, Notes};
use crate::github::{self as gh, files, sticky};
use crate::plan::file::{PlanFile, ZonePlanDoc};
use crate::plan::{self, Plan, ZonePlan};
use crate::render;
use crate::secret::Scrubber;

/// The pull-request labels of the `labels` input.
const LABEL_CHANGES: &str = "dns:changes";
const LABEL_DELETES: &str = "dns:deletes";
const LABEL_REFUSED: &str = "dns:refused";

/// At most this many annotations of each level (GitHub shows 10 per step and drops the rest).
const MAX_ANNOTATIONS: usize = 10;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Mode {
    /// Decide from the event: pull_request → plan + comment; push to the default branch →
    /// apply; schedule / workflow_dispatch → drift.
    Auto,
    /// Only validate (annotations + summary).
    Validate,
    /// Validate and plan; comment on the pull request.
    Plan,
    /// Validate, plan and apply (refused on pull-request events).
    Apply,
    /// Validate and check for drift; exit 2 on drift; open / update / close the drift issue.
    Drift,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// What to do. Default: the action input `command`, else `auto`.
    #[arg(long, value_enum)]
    pub command: Option<Mode>,
    /// The octoDNS-format config file. Default: input `config`, else $DNSPLAN_CONFIG, else
    /// config.yaml.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Plan only shard K of N of the zones (input `shard`), write the plan file, no comment.
    #[arg(long, value_name = "K/N", value_parser = super::plan::parse_shard)]
    pub shard: Option<(u32, u32)>,
    /// Instead of planning, merge the plan files in DIR written by shard jobs (input
    /// `merge-plans`) into one report, one comment and one checksum.
    #[arg(long, value_name = "DIR")]
    pub merge_plans: Option<PathBuf>,
    /// Where to write the plan JSON (input `plan-file`; default dnsplan-plan.json, or
    /// dnsplan-plan-K-of-N.json for a shard).
    #[arg(long, value_name = "FILE")]
    pub plan_file: Option<PathBuf>,
    /// Apply even when a safety rail refuses (input `force`).
    #[arg(long)]
    pub force: bool,
    /// Apply only if the re-plan has this checksum (input `checksum`); `reviewed` takes it
    /// from the plan comment of the merged pull request.
    #[arg(long, value_name = "HEX")]
    pub checksum: Option<String>,
    /// Do not comment on the pull request or commit (input `comment: false`).
    #[arg(long)]
    pub no_comment: bool,
    /// Do not open, update or close the drift issue (input `drift-issue: false`).
    #[arg(long)]
    pub no_drift_issue: bool,
    /// Branches whose pushes may apply (input `apply-branches`, separated by spaces or commas;
    /// `*` matches any run of characters). Default: the repository's default branch only.
    #[arg(long, value_name = "BRANCH", value_delimiter = ',')]
    pub apply_branches: Vec<String>,
    /// Apply even when no reviewed plan exists: a direct push, or a merge whose pull request
    /// has no dnsplan plan comment (input `allow-unreviewed`). Said so in the summary.
    #[arg(long)]
    pub allow_unreviewed: bool,
    /// Keep the labels `dns:changes`, `dns:deletes` and `dns:refused` on the pull request in
    /// step with its plan (input `labels`).
    #[arg(long)]
    pub labels: bool,
    /// Only these zones (input `zones`, separated by spaces or commas).
    #[arg(value_name = "ZONE")]
    pub zones: Vec<String>,
}

fn parse_mode(s: &str) -> Result<Mode, String> {
    Mode::from_str(s.trim(), true).map_err(|_| {
        format!("input `command` must be auto, validate, plan, apply or drift, got {s:?}")
    })
}

/// What this run does, after `auto` is resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Validate,
    Plan,
    Apply,
    Drift,
}

/// The resolved inputs.
#[derive(Debug)]
struct Settings {
    mode: Mode,
    action: Action,
    config: PathBuf,
    /// The config path as shown and used in markers.
    config_key: String,
    zones: Vec<String>,
    shard: Option<(u32, u32)>,
    merge: Option<PathBuf>,
    plan_file: PathBuf,
    force: bool,
    checksum: Option<String>,
    comment: bool,
    drift_issue: bool,
    bot_login: Option<String>,
    drift_label: String,
    apply_branches: Vec<String>,
    allow_unreviewed: bool,
    labels: bool,
    /// `command: drift` on a pull request, run as a plan (never touching the drift issue).
    drift_on_pr: bool,
}

/// A list input: entries separated by spaces or commas.
fn list_input(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn settings(a: Args, env: &ActionEnv, trigger: &Trigger) -> Result<Settings, String> {
    let mode = match (a.command, env.input("command")) {
        (Some(m), _) => m,
        (None, Some(s)) => parse_mode(s)?,
        (None, None) => Mode::Auto,
    };
    let action = match mode {
        Mode::Validate => Action::Validate,
        Mode::Plan => Action::Plan,
        Mode::Apply => Action::Apply,
        Mode::Drift => Action::Drift,
        Mode::Auto => match trigger {
            Trigger::PullRequest(_) => Action::Plan,
            Trigger::Push(_) => Action::Plan,
            Trigger::Schedule | Trigger::Dispatch => Action::Drift,
            Trigger::Other(_) => Action::Plan,
        },
    };
    let config = a
        .config
        .or_else(|| env.input("config").map(PathBuf::from))
        .or_else(|| std::env::var_os("DNSPLAN_CONFIG").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("config.yaml"));
    let config_key = config
        .to_string_lossy()
        .trim_start_matches("./")
        .to_string();
    let zones = if a.zones.is_empty() {
        env.input("zones").map(list_input).unwrap_or_default()
    } else {
        a.zones
    };
    let apply_branches = if a.apply_branches.is_empty() {
        env.input("apply-branches")
            .map(list_input)
            .unwrap_or_default()
    } else {
        a.apply_branches
    };
    let shard = match (a.shard, env.input("shard")) {
        (Some(s), _) => Some(s),
        (None, Some(s)) => {
            Some(super::plan::parse_shard(s).map_err(|e| format!("input `shard`: {e}"))?)
        }
        (None, None) => None,
    };
    let merge = a
        .merge_plans
        .or_else(|| env.input("merge-plans").map(PathBuf::from));
    if shard.is_some() && merge.is_some() {
        return Err("`shard` and `merge-plans` exclude each other".into());
    }
    let plan_file = a
        .plan_file
        .or_else(|| env.input("plan-file").map(PathBuf::from))
        .unwrap_or_else(|| match shard {
            Some((k, n)) => PathBuf::from(format!("dnsplan-plan-{k}-of-{n}.json")),
            None => PathBuf::from("dnsplan-plan.json"),
        });
    let force = a.force || env.input_bool("force", false)?;
    let checksum = a
        .checksum
        .or_else(|| env.input("checksum").map(str::to_string));
    if let Some(c) = &checksum
        && c != "reviewed"
        && !(c.len() == 64 && c.chars().all(|ch| ch.is_ascii_hexdigit()))
    {
        return Err("input `checksum` must be 64 hex digits (from the plan) or `reviewed`".into());
    }
    Ok(Settings {
        mode,
        action,
        config,
        config_key,
        zones,
        shard,
        merge,
        plan_file,
        force,
        checksum,
        comment: !a.no_comment && env.input_bool("comment", true)?,
        drift_issue: !a.no_drift_issue && env.input_bool("drift-issue", true)?,
        bot_login: env.input("bot-login").map(str::to_string),
        drift_label: env
            .input("drift-label")
            .unwrap_or("dnsplan-drift")
            .to_string(),
        allow_unreviewed: a.allow_unreviewed || env.input_bool("allow-unreviewed", false)?,
        labels: a.labels || env.input_bool("labels", false)?,
        apply_branches,
        drift_on_pr: false,
    })
    .map(|mut s| {
        // `auto` applies on exactly the pushes an explicit `apply` may run on
        if s.mode == Mode::Auto
            && matches!(trigger, Trigger::Push(_))
            && trigger.apply_allowed(false, &s.apply_branches).is_ok()
        {
            s.action = Action::Apply;
        }
        // a drift check of a pull request's unmerged config must not touch the drift issue
        if s.action == Action::Drift && trigger.is_pull_request() {
            s.action = Action::Plan;
            s.drift_on_pr = true;
        }
        s
    })
}

/// A plan ready to report: the plan, what the renderings show besides it, its checksum, and
/// the plan-file document.
struct Report {
    plan: Plan,
    ctx: render::Context,
    checksum: String,
    /// What the plan file holds (its plans converted once: the secret check reads them too).
    file: PlanFile,
}

/// The state of one run.
struct Run {
    env: ActionEnv,
    trigger: Trigger,
    s: Settings,
    /// The token and every `env/` secret of the config.
    secrets: Scrubber,
    outputs: Vec<(String, String)>,
    summary: String,
    client: Option<Client>,
    bots: Option<Vec<String>>,
    /// Looking up the pull request a push merged failed (reported when it happened).
    pr_lookup_failed: bool,
}

pub fn run(a: Args) -> i32 {
    let env = ActionEnv::from_env();
    let trigger = event::classify(&env);
    let s = match settings(a, &env, &trigger) {
        Ok(s) => s,
        Err(msg) => {
            println!("{}", gh::annotation("error", "", 0, 0, "dnsplan", &msg));
            return EXIT_ERROR;
        }
    };
    let mut r = Run {
        secrets: Scrubber::new(env.token.iter().cloned()),
        env,
        trigger,
        s,
        outputs: Vec::new(),
        summary: String::new(),
        client: None,
        bots: None,
        pr_lookup_failed: false,
    };
    let rt = super::plan::runtime();
    let code = rt.block_on(r.main());
    r.finish(code)
}

impl Run {
    fn add_secrets(&mut self, cfg: &Config) {
        self.secrets.extend(cfg.secret_values());
    }

    /// Remove the token and every configured secret.
    fn scrub(&self, s: &str) -> String {
        self.secrets.scrub(s)
    }

    fn log(&self, s: &str) {
        println!("{}", self.scrub(s));
    }

    fn annotate(&self, level: &str, title: &str, msg: &str) {
        println!(
            "{}",
            gh::annotation(level, "", 0, 0, title, &self.scrub(msg))
        );
    }

    fn output(&mut self, k: &str, v: &str) {
        let v = self.scrub(v);
        self.outputs.retain(|(n, _)| n != k);
        self.outputs.push((k.to_string(), v));
    }

    fn summarize(&mut self, md: &str) {
        self.summary.push_str(md);
        if !self.summary.ends_with("\n\n") {
            self.summary.push('\n');
        }
    }

    fn is_fork_pr(&self) -> bool {
        matches!(&self.trigger, Trigger::PullRequest(pr) if pr.is_fork())
    }

    /// Why a pull request from a fork is validated only; true to the event it came with.
    fn fork_reason(&self) -> &'static str {
        match &self.trigger {
            Trigger::PullRequest(pr) if pr.target => {
                "this pull request comes from a fork. `pull_request_target` runs do get this repository's secrets and a write token, which is why they must never check out and run the fork's code; dnsplan does not plan a fork's change with those credentials"
            }
            _ => {
                "this pull request comes from a fork, and GitHub gives `pull_request` runs of fork pull requests neither secrets nor a write token"
            }
        }
    }

    fn pr_number(&self) -> Option<u64> {
        match &self.trigger {
            Trigger::PullRequest(pr) if pr.number > 0 => Some(pr.number),
            _ => None,
        }
    }

    fn short_sha(&self) -> String {
        let sha = match &self.trigger {
            Trigger::PullRequest(pr) => pr.head_sha.clone().unwrap_or(self.env.sha.clone()),
            Trigger::Push(p) => p.sha.clone(),
            _ => self.env.sha.clone(),
        };
        sha.chars().take(7).collect()
    }

    /// The line under every report.
    fn footer(&self) -> String {
        let mut parts = vec![format!("dnsplan {}", env!("CARGO_PKG_VERSION"))];
        parts.push(format!("config {}", ghmd::code(&self.s.config_key)));
        let sha = self.short_sha();
        if !sha.is_empty() {
            parts.push(format!("commit {}", ghmd::code(&sha)));
        }
        if let Some(u) = self.env.run_url() {
            parts.push(format!("[workflow run]({u})"));
        }
        format!("<sub>{}</sub>\n", parts.join(" · "))
    }

    fn summary_pointer(&self) -> String {
        match self.env.run_url() {
            Some(u) => format!("the [step summary of the workflow run]({u})"),
            None => "the step summary of the workflow run".into(),
        }
    }

    /// Fit a report for a comment: marker and footer kept, the middle fitted; `reserve`
    /// characters are left for text the caller adds.
    fn comment_body(&self, marker: &str, md: &str, reserve: usize) -> String {
        let footer = self.footer();
        let head = format!("{marker}\n");
        let budget = comment_limit()
            .saturating_sub(Measure::Utf16.len(&head) + Measure::Utf16.len(&footer) + 2 + reserve);
        let pointer = self.summary_pointer();
        let dropped = |n: usize| {
            format!(
                "_Per-record details of {n} zone × target plan{} are left out to stay under \
                 GitHub's comment size limit; {pointer} has the full plan._",
                if n == 1 { "" } else { "s" }
            )
        };
        let truncated = format!(
            "**Truncated**: this plan is too long for a pull-request comment. The full plan is \
             in {pointer} and in the plan JSON file of the run."
        );
        let fitted = ghmd::fit(
            md,
            budget,
            Measure::Utf16,
            &Notes {
                dropped: &dropped,
                truncated: &truncated,
            },
        );
        let mut body = head;
        body.push_str(&fitted.text);
        if !body.ends_with("\n\n") {
            body.push('\n');
        }
        body.push_str(&footer);
        body
    }

    async fn client(&mut self) -> Option<&Client> {
        if self.client.is_none() {
            let token = self.env.token.clone()?;
            let (owner, repo) = self.env.repository.clone()?;
            match Client::new(&self.env.api_url, &token, &owner, &repo) {
                Ok(c) => self.client = Some(c),
                Err(e) => {
                    self.annotate("error", "GitHub API", &e.to_string());
                    return None;
                }
            }
        }
        self.client.as_ref()
    }

    async fn bots(&mut self) -> Result<Vec<String>, ApiError> {
        if let Some(b) = &self.bots {
            return Ok(b.clone());
        }
        let explicit = self.s.bot_login.clone();
        let Some(client) = self.client().await else {
            return Ok(vec![]);
        };
        let b = sticky::identity(client, explicit.as_deref()).await?;
        self.bots = Some(b.clone());
        Ok(b)
    }

    fn api_failed(&self, what: &str, e: &ApiError) {
        self.annotate("error", "GitHub API", &format!("could not {what}: {e}"));
    }

    async fn main(&mut self) -> i32 {
        if let Some(e) = self.env.event_error.clone() {
            self.annotate("warning", "event payload", &e);
        }
        self.log(&format!(
            "dnsplan github: event {}, command {:?} → {:?}, config {}",
            if self.env.event_name.is_empty() {
                "(none)"
            } else {
                &self.env.event_name
            },
            self.s.mode,
            self.s.action,
            self.s.config_key
        ));
        if self.s.action == Action::Apply
            && let Err(refused) = self
                .trigger
                .apply_allowed(self.s.mode == Mode::Apply, &self.s.apply_branches)
        {
            let why = refused.to_string();
            self.annotate("error", "apply refused", &why);
            self.summarize(&format!(
                "## DNS apply\n\n❌ **Refused**: nothing was planned or changed.\n\n{}\n",
                ghmd::prose(&why)
            ));
            return EXIT_ERROR;
        }
        if self.s.drift_on_pr {
            let msg = "`command: drift` on a pull request plans the pull request's config only: the drift issue is kept by scheduled runs of the default branch, never from unmerged config";
            self.annotate("warning", "drift", msg);
            self.summarize(&format!("ℹ️ {msg}.\n"));
        }
        if let Some(dir) = self.s.merge.clone() {
            return self.merged(&dir).await;
        }

        // 1. validate: up front only when validating is all this run does (the validate
        // command, fork pull requests); otherwise the engine validates while it plans, so the
        // zones are parsed once
        let (cfg, mut diags) = super::load_config_file(&self.s.config);
        if let Some(c) = &cfg {
            self.add_secrets(c);
        }
        let fork = self.is_fork_pr();
        let validate_only = self.s.action == Action::Validate || fork;
        if let Some(c) = cfg.as_ref().filter(|_| validate_only) {
            super::validate::zones(c, &self.s.zones, &mut diags);
            crate::diag::normalize(&mut diags);
        }
        let Some(cfg) = cfg.filter(|_| !diags.iter().any(Diagnostic::is_error)) else {
            return self.validation_failed(&diags).await;
        };
        if validate_only {
            self.validation_passed(&diags);
        }
        if self.s.action == Action::Validate {
            return EXIT_OK;
        }
        if fork {
            let why = self.fork_reason();
            self.log(&format!("validation only: {why}"));
            self.summarize(&format!(
                "## DNS plan\n\nℹ️ **Validation only**: {why}. The zones are valid; the plan \
                 against the live providers runs after a maintainer pushes the change to a \
                 branch of this repository (or once it is merged).\n"
            ));
            return EXIT_OK;
        }

        // 2. plan
        let sel = Selection {
            zones: self.s.zones.clone(),
            shard: self.s.shard.map(engine::Shard::from),
        };
        let planned = match engine::plan_with(&cfg, &sel, &super::progress::Ticker::stderr()).await
        {
            Ok(p) => p,
            Err(EngineError::Invalid(d)) => {
                diags.extend(d);
                crate::diag::normalize(&mut diags);
                return self.validation_failed(&diags).await;
            }
            Err(e) => return self.plan_failed(e).await,
        };
        diags.extend(planned.warnings.iter().cloned());
        let ctx = render::Context {
            refusals: planned.refused(),
            warnings: Vec::new(),
            dry_run: planned.dry_run.clone(),
            force_hint: FORCE_HINT.into(),
            record: false,
        };
        let notes = plan::file::RunNotes::of_run(
            &planned.plan,
            &self.s.config_key,
            self.s.shard,
            &ctx.refusals,
            &ctx.dry_run,
        );
        let file = PlanFile::new(&planned.plan, Some(notes));
        let leaks = secret_leaks(&planned.plan, &file.plans, &cfg, self.env.token.as_deref());
        if !leaks.is_empty() {
            diags.extend(leaks);
            crate::diag::normalize(&mut diags);
            return self.validation_failed(&diags).await;
        }
        crate::diag::normalize(&mut diags);
        self.validation_passed(&diags);
        // `manager.plan_outputs` with an `output_filename`, as octodns-sync writes them in CI
        // (secrets scrubbed); one that cannot be written fails the step
        if !super::plan::plan_outputs(&cfg, &planned, false) {
            return EXIT_ERROR;
        }
        let report = Report {
            checksum: file.checksum.clone(),
            file,
            plan: planned.plan.clone(),
            ctx,
        };
        self.log_plan(&report);
        match self.s.action {
            Action::Apply => self.apply(&planned, &report).await,
            Action::Drift => self.drift(&report).await,
            _ => self.plan(&report).await,
        }
    }

    fn annotate_diags(&self, diags: &[Diagnostic]) {
        let errors: Vec<Diagnostic> = diags
            .iter()
            .filter(|d| d.is_error())
            .take(MAX_ANNOTATIONS)
            .cloned()
            .collect();
        let warnings: Vec<Diagnostic> = diags
            .iter()
            .filter(|d| !d.is_error())
            .take(MAX_ANNOTATIONS)
            .cloned()
            .collect();
        let mut text = report::github(&errors);
        text.push_str(&report::github(&warnings));
        print!("{}", self.scrub(&text));
        let shown = errors.len() + warnings.len();
        if diags.len() > shown {
            self.log(&format!(
                "{} more problem(s) are listed in the step summary (GitHub shows {MAX_ANNOTATIONS} annotations of each level per step)",
                diags.len() - shown
            ));
        }
    }

    /// Every diagnostic as a table (empty when there are none).
    fn validation_md(&self, diags: &[Diagnostic]) -> String {
        if diags.is_empty() {
            return String::new();
        }
        let errors = diags.iter().filter(|d| d.is_error()).count();
        let warnings = diags.len() - errors;
        let mut md = String::new();
        if errors > 0 {
            md.push_str(&format!(
                "❌ **Validation failed**: {errors} error{}, {warnings} warning{}. Nothing was planned.\n\n",
                plural(errors),
                plural(warnings)
            ));
        } else {
            md.push_str(&format!(
                "⚠️ Validation: {warnings} warning{}.\n\n",
                plural(warnings)
            ));
        }
        md.push_str("| | where | rule | problem |\n| --- | --- | --- | --- |\n");
        for d in diags {
            let mark = if d.is_error() { "❌" } else { "⚠️" };
            let at = if d.pos.line > 0 {
                format!("{}:{}:{}", d.pos.file, d.pos.line, d.pos.col)
            } else {
                d.pos.file.to_string()
            };
            let msg = if d.subject.is_empty() {
                d.message.clone()
            } else {
                format!("{}: {}", d.subject, d.message)
            };
            md.push_str(&format!(
                "| {mark} | {} | {} | {} |\n",
                ghmd::code(&self.scrub(&at)),
                ghmd::code(&d.rule),
                ghmd::prose(&self.scrub(&msg))
            ));
        }
        md.push('\n');
        md
    }

    /// Annotations, and a validation section in the summary when there is anything to say
    /// (always for the validate command).
    fn validation_passed(&mut self, diags: &[Diagnostic]) {
        self.annotate_diags(diags);
        let validation = self.validation_md(diags);
        if self.s.action == Action::Validate || !validation.is_empty() {
            self.summarize(&format!(
                "## DNS validation\n\n✅ {} is valid.\n\n{validation}",
                ghmd::code(&self.s.config_key)
            ));
        }
    }

    /// The config or the zones have errors: annotate, report (on the pull request, or for an
    /// apply on the merged pull request or commit), plan nothing.
    async fn validation_failed(&mut self, diags: &[Diagnostic]) -> i32 {
        self.annotate_diags(diags);
        let validation = self.validation_md(diags);
        let validation = if validation.is_empty() {
            format!(
                "❌ **The config {} could not be loaded.** Nothing was planned.\n",
                ghmd::code(&self.s.config_key)
            )
        } else {
            validation
        };
        if self.s.action == Action::Apply {
            let md = format!("## DNS apply\n\n{validation}");
            self.summarize(&md);
            if self.s.comment && self.env.token.is_some() {
                let (to, _) = self.apply_target().await;
                self.report_apply(&to, &md).await;
            }
            return EXIT_ERROR;
        }
        let md = format!("## DNS plan\n\n{validation}");
        self.summarize(&md);
        if !self.is_fork_pr() && self.s.comment && self.s.shard.is_none() {
            self.comment_on_pr("plan", &md).await;
        }
        EXIT_ERROR
    }

    async fn plan_failed(&mut self, e: EngineError) -> i32 {
        let msg = match &e {
            EngineError::Invalid(diags) => {
                let diags = diags.clone();
                return self.validation_failed(&diags).await;
            }
            other => other.to_string(),
        };
        self.annotate("error", "plan failed", &msg);
        let md = format!(
            "## DNS plan\n\n❌ **Plan failed**: nothing was changed.\n\n{}\n",
            fenced(&self.scrub(&msg))
        );
        self.summarize(&md);
        if self.s.comment && self.s.shard.is_none() && self.s.action == Action::Plan {
            self.comment_on_pr("plan", &md).await;
        }
        EXIT_ERROR
    }

    /// The plan as a table in a folded log group; workflow commands are off meanwhile, so
    /// no value can pass for one.
    fn log_plan(&self, r: &Report) {
        let stop = files::random_hex();
        println!("::group::Plan ({} zone × target)", r.plan.plans.len());
        println!("::stop-commands::{stop}");
        print!(
            "{}",
            self.scrub(&render::table::render(&r.plan, &r.ctx, false))
        );
        println!("::{stop}::");
        println!("::endgroup::");
        self.log(&format!("checksum {}", r.checksum));
    }

    /// Write the plan file; false when it could not be written (reported as an error: a
    /// later step or the reviewer would otherwise miss the plan without a sign).
    fn write_plan_file(&mut self, r: &Report) -> bool {
        let mut bytes = Vec::new();
        r.file.write(&mut bytes).expect("writing to memory");
        let text = self.scrub(&String::from_utf8_lossy(&bytes));
        let path = self.s.plan_file.clone();
        let written = match path.parent().filter(|p| !p.as_os_str().is_empty()) {
            Some(parent) => std::fs::create_dir_all(parent),
            None => Ok(()),
        }
        .and_then(|()| std::fs::write(&path, text));
        match written {
            Ok(()) => {
                self.output("plan-json", &path.to_string_lossy());
                self.log(&format!("plan written to {}", path.display()));
                true
            }
            Err(e) => {
                self.annotate(
                    "error",
                    "plan file",
                    &format!("cannot write the plan file {}: {e}", path.display()),
                );
                false
            }
        }
    }

    /// The markdown plan, with a headline of totals under its title (so they survive any
    /// truncation of the comment).
    fn markdown(&self, r: &Report) -> String {
        self.markdown_with(&r.plan, &r.ctx)
    }

    fn markdown_with(&self, plan: &Plan, ctx: &render::Context) -> String {
        let md = render::markdown::render(plan, ctx);
        let md = match md.strip_prefix(PLAN_TITLE) {
            Some(rest) if plan.has_changes() => {
                format!("{PLAN_TITLE}{}{rest}", headline(plan))
            }
            _ => md,
        };
        self.scrub(&md)
    }

    async fn plan(&mut self, r: &Report) -> i32 {
        let written = self.write_plan_file(r);
        self.output("has-changes", bool_str(r.plan.has_changes()));
        self.output("checksum", &r.checksum);
        let mut md = self.markdown(r);
        if let Some((k, n)) = self.s.shard {
            md = format!(
                "### Shard {k} of {n}\n\nThis job planned a share of the zones; the merge job reports the whole plan.\n\n{md}"
            );
            self.summarize(&md);
            self.summarize(&self.footer());
            return if written { EXIT_OK } else { EXIT_ERROR };
        }
        self.summarize(&md);
        self.summarize(&self.footer());
        if self.s.comment && !self.comment_on_pr("plan", &md).await {
            return EXIT_ERROR;
        }
        if self.s.labels && !self.sync_labels(r).await {
            return EXIT_ERROR;
        }
        if written { EXIT_OK } else { EXIT_ERROR }
    }

    /// The sticky comment of `kind` on the pull request of this event, if there is one.
    /// False when commenting failed (already reported).
    async fn comment_on_pr(&mut self, kind: &str, md: &str) -> bool {
        let Some(number) = self.pr_number() else {
            return true;
        };
        if self.is_fork_pr() {
            return true;
        }
        if self.env.token.is_none() || self.env.repository.is_none() {
            self.annotate(
                "warning",
                "comment",
                &format!(
                    "no GitHub token{}: the comment on pull request #{number} is skipped; the plan is in the step summary",
                    if self.env.token.is_some() {
                        " or repository"
                    } else {
                        ""
                    }
                ),
            );
            return true;
        }
        let marker = sticky::marker(kind, &self.s.config_key);
        let body = self.scrub(&self.comment_body(&marker, md, 0));
        self.upsert(number, &marker, &body).await
    }

    async fn upsert(&mut self, number: u64, marker: &str, body: &str) -> bool {
        let bots = match self.bots().await {
            Ok(b) => b,
            Err(e) => {
                self.api_failed("identify the token's user", &e);
                return false;
            }
        };
        let Some(client) = self.client().await else {
            self.annotate(
                "warning",
                "comment",
                "no GitHub token or repository: the plan is only in the step summary",
            );
            return false;
        };
        match sticky::upsert_comment(client, number, marker, body, &bots).await {
            Ok(u) => {
                let url = u.comment().html_url.clone();
                self.log(&format!("comment {}: {url}", u.verb()));
                self.output("comment-url", &url);
                true
            }
            Err(e) => {
                self.api_failed(&format!("comment on pull request #{number}"), &e);
                false
            }
        }
    }

    /// Keep `dns:changes`, `dns:deletes` and `dns:refused` on the pull request in step with the
    /// plan (as tfcmt does): add what applies, remove ours that no longer do. False when the
    /// API failed (already reported).
    async fn sync_labels(&mut self, r: &Report) -> bool {
        let Trigger::PullRequest(pr) = &self.trigger else {
            return true;
        };
        let (number, present) = (pr.number, pr.labels.clone());
        if number == 0 || self.is_fork_pr() || self.env.token.is_none() {
            return true;
        }
        let deletes: usize = r.plan.plans.iter().map(|p| p.summary().deletes).sum();
        let want: Vec<&str> = [
            (LABEL_CHANGES, r.plan.has_changes()),
            (LABEL_DELETES, deletes > 0),
            (LABEL_REFUSED, !r.ctx.refusals.is_empty()),
        ]
        .into_iter()
        .filter_map(|(l, on)| on.then_some(l))
        .collect();
        let add: Vec<&str> = want
            .iter()
            .copied()
            .filter(|l| !present.iter().any(|p| p == l))
            .collect();
        let remove: Vec<&str> = [LABEL_CHANGES, LABEL_DELETES, LABEL_REFUSED]
            .into_iter()
            .filter(|l| !want.contains(l) && present.iter().any(|p| p == l))
            .collect();
        let Some(client) = self.client().await else {
            return true;
        };
        let mut errors = Vec::new();
        if !add.is_empty()
            && let Err(e) = client.add_labels(number, &add).await
        {
            errors.push((
                format!(
                    "add the labels {} to pull request #{number}",
                    add.join(", ")
                ),
                e,
            ));
        }
        for l in &remove {
            if let Err(e) = client.remove_label(number, l).await {
                errors.push((
                    format!("remove the label {l} from pull request #{number}"),
                    e,
                ));
            }
        }
        for (what, e) in &errors {
            self.api_failed(what, e);
        }
        if errors.is_empty() && !(add.is_empty() && remove.is_empty()) {
            self.log(&format!(
                "labels: +[{}] -[{}]",
                add.join(", "),
                remove.join(", ")
            ));
        }
        errors.is_empty()
    }

    async fn drift(&mut self, r: &Report) -> i32 {
        if self.s.shard.is_some() {
            // shards only collect; the merge job decides and reports
            return self.plan(r).await;
        }
        let written = self.write_plan_file(r);
        let drifted = r.plan.has_changes();
        self.output("has-changes", bool_str(drifted));
        self.output("checksum", &r.checksum);
        let md = if drifted {
            let plan = self.markdown(r);
            let plan = match plan.strip_prefix(PLAN_TITLE) {
                Some(rest) => format!("### The plan that restores git's state\n\n{rest}"),
                None => plan,
            };
            format!(
                "## ⚠️ DNS drift: live DNS differs from {}\n\nThe providers no longer hold what git says. Applying this plan (the apply workflow) restores git's state; or change git to match what is live.\n\n{plan}",
                ghmd::code(&self.s.config_key),
            )
        } else {
            format!(
                "## ✅ No DNS drift\n\nEvery zone of {} matches its targets.\n\n<sub>checksum `{}`</sub>\n",
                ghmd::code(&self.s.config_key),
                r.checksum
            )
        };
        self.summarize(&md);
        self.summarize(&self.footer());
        let issue_ok = !self.s.drift_issue || self.drift_issue(drifted, &md, &r.checksum).await;
        if drifted {
            self.annotate(
                "warning",
                "drift",
                &format!(
                    "live DNS differs from {}; see the step summary",
                    self.s.config_key
                ),
            );
            EXIT_CHANGES
        } else if issue_ok && written {
            EXIT_OK
        } else {
            EXIT_ERROR
        }
    }

    /// Open / update / close the drift issue; false when the API failed (already reported).
    async fn drift_issue(&mut self, drifted: bool, md: &str, checksum: &str) -> bool {
        let bots = match self.bots().await {
            Ok(b) => b,
            Err(e) => {
                self.api_failed("identify the token's user", &e);
                return false;
            }
        };
        if self.client().await.is_none() {
            return true;
        }
        let marker = sticky::marker("drift", &self.s.config_key);
        let title = self.scrub(&format!("DNS drift: {}", self.s.config_key));
        let label = self.s.drift_label.clone();
        let run = self.env.run_url();
        let link = run
            .as_ref()
            .map(|u| format!("[workflow run]({u})"))
            .unwrap_or_else(|| "this run".into());
        // the issue body: marker + fingerprint line (added by sticky::report) + report
        let fp_len = Measure::Utf16.len(&sticky::fingerprint_line(checksum)) + 1;
        let body = self
            .scrub(&self.comment_body(&marker, md, fp_len))
            .replacen(&format!("{marker}\n"), "", 1);
        let comment_text = if drifted {
            let prefix = format!("Drift detected by {link}.\n\n");
            let c = self.comment_body(
                &sticky::marker("drift-comment", &self.s.config_key),
                md,
                Measure::Utf16.len(&prefix),
            );
            self.scrub(&format!("{prefix}{c}"))
        } else {
            self.scrub(&format!(
                "✅ No drift any more ({link}): every zone matches git. Closing."
            ))
        };
        let tracker = sticky::Tracker {
            marker: &marker,
            title: &title,
            label: &label,
            bots: &bots,
        };
        let client = self.client.as_ref().expect("built above");
        let res = if drifted {
            sticky::report(client, &tracker, &body, checksum, &comment_text).await
        } else {
            sticky::resolve(client, &tracker, &comment_text).await
        };
        match res {
            Ok(o) => {
                if let Some(i) = o.issue() {
                    let url = i.html_url.clone();
                    self.log(&format!("drift issue #{} {}: {url}", i.number, o.verb()));
                    self.output("comment-url", &url);
                }
                true
            }
            Err(e) => {
                self.api_failed("update the drift issue", &e);
                false
            }
        }
    }

    /// The checksum in our plan comment on the merged pull request, and where it came from.
    async fn reviewed_checksum(&mut self, pr: Option<u64>) -> Result<(String, String), String> {
        let Some(number) = pr else {
            return Err(
                "`checksum: reviewed` needs the merged pull request of this commit, and none was found"
                    .into(),
            );
        };
        let bots = self.bots().await.map_err(|e| e.to_string())?;
        let marker = sticky::marker("plan", &self.s.config_key);
        let client = self.client().await.ok_or("no GitHub token")?;
        let comments = client
            .issue_comments(number)
            .await
            .map_err(|e| e.to_string())?;
        let body = comments
            .iter()
            .filter(|c| {
                sticky::has_marker(&c.body, &marker)
                    && bots.iter().any(|b| b.eq_ignore_ascii_case(&c.user_login))
            })
            .max_by_key(|c| c.id)
            .map(|c| c.body.clone())
            .ok_or_else(|| {
                format!(
                    "pull request #{number}, which merged this commit, has no dnsplan plan comment for `{}`",
                    self.s.config_key
                )
            })?;
        let hex = find_checksum(&body)
            .ok_or_else(|| format!("the plan comment on pull request #{number} has no checksum"))?;
        Ok((hex, format!("the plan comment on pull request #{number}")))
    }

    /// The commit an apply applies and reports on: the pushed commit, or for a manual run the
    /// commit checked out in the workspace (a rollback checks out an earlier ref).
    fn apply_commit(&self) -> String {
        match &self.trigger {
            Trigger::Push(p) => p.sha.clone(),
            Trigger::Dispatch => self
                .env
                .checked_out_sha()
                .unwrap_or_else(|| self.env.sha.clone()),
            _ => self.env.sha.clone(),
        }
    }

    /// The pull request a push merged (None when the commit was pushed directly).
    async fn merged_pr(&mut self, sha: &str) -> Option<u64> {
        if sha.is_empty() {
            return None;
        }
        let client = self.client().await?;
        match client.commit_pulls(sha).await {
            Ok(prs) => prs
                .iter()
                .find(|p| p.merged && p.merge_commit_sha.as_deref() == Some(sha))
                .or_else(|| prs.iter().find(|p| p.merged))
                .map(|p| p.number),
            Err(e) => {
                self.api_failed("find the pull request of the commit", &e);
                self.pr_lookup_failed = true;
                None
            }
        }
    }

    /// Where this apply is reported, and the merged pull request if there is one. Only a push
    /// reports on a pull request (the one it merged); a manual run reports on the commit it
    /// applied, so it never lands in another run's conversation.
    async fn apply_target(&mut self) -> (ApplyReport, Option<u64>) {
        let sha = self.apply_commit();
        let pr = if matches!(self.trigger, Trigger::Push(_)) && self.env.token.is_some() {
            self.merged_pr(&sha).await
        } else {
            None
        };
        let to = match pr {
            Some(n) => ApplyReport::PullRequest(n),
            None if !sha.is_empty() => ApplyReport::Commit(sha),
            None => ApplyReport::Nowhere,
        };
        (to, pr)
    }

    /// What the re-plan must match. Without a `checksum` input, a push that merged a pull
    /// request is checked against that pull request's reviewed plan; anything else has no
    /// reviewed plan and applies only with `allow-unreviewed`.
    async fn review(&mut self, pr: Option<u64>) -> Result<Review, String> {
        match self.s.checksum.clone().as_deref() {
            Some("reviewed") => {
                let (hex, from) = self.reviewed_checksum(pr).await?;
                Ok(Review::Checksum { hex, from })
            }
            Some(hex) => Ok(Review::Checksum {
                hex: hex.to_string(),
                from: "the `checksum` input".into(),
            }),
            None => {
                let missing = match (pr, &self.trigger) {
                    (Some(_), _) => match self.reviewed_checksum(pr).await {
                        Ok((hex, from)) => return Ok(Review::Checksum { hex, from }),
                        Err(e) => e,
                    },
                    (None, Trigger::Push(p)) if self.env.token.is_none() => format!(
                        "without a GitHub token the pull request that merged commit `{}` cannot be found, so there is no reviewed plan to compare with",
                        short(&p.sha)
                    ),
                    (None, Trigger::Push(p)) if self.pr_lookup_failed => format!(
                        "the pull request that merged commit `{}` could not be looked up (see the error above), so there is no reviewed plan to compare with",
                        short(&p.sha)
                    ),
                    (None, Trigger::Push(p)) => format!(
                        "commit `{}` was pushed directly, not merged from a pull request, so no plan of it was reviewed",
                        short(&p.sha)
                    ),
                    _ => "a manual run has no reviewed plan unless the `checksum` input gives one (the `checksum` output of the plan job)".to_string(),
                };
                if self.s.allow_unreviewed {
                    Ok(Review::Unreviewed { why: missing })
                } else {
                    Err(format!(
                        "{missing}. Apply through a reviewed pull request, give the reviewed plan's `checksum`, or set `allow-unreviewed: true` to apply this plan without review"
                    ))
                }
            }
        }
    }

    async fn apply(&mut self, planned: &engine::Planned, r: &Report) -> i32 {
        if self.s.shard.is_some() {
            self.annotate(
                "error",
                "apply",
                "apply is not sharded: shard the plan, then apply the whole config with the merged checksum",
            );
            return EXIT_ERROR;
        }
        self.output("has-changes", bool_str(r.plan.has_changes()));
        self.output("checksum", &r.checksum);
        let (to, pr) = self.apply_target().await;
        // the plan as the record of this attempt: the report above it says what happened
        let record = render::Context {
            record: true,
            ..r.ctx.clone()
        };
        let plan_md = self.markdown_with(&r.plan, &record);
        if !r.plan.has_changes() {
            let head = "✅ Nothing to apply: every zone matches its targets.";
            return self
                .report_apply_outcome(EXIT_OK, head, "The plan", &plan_md, r, &to)
                .await;
        }
        let review = match self.review(pr).await {
            Ok(v) => v,
            Err(e) => {
                self.annotate("error", "apply refused", &e);
                let head = format!(
                    "❌ **Refused: no reviewed plan.** Nothing was changed.\n\n{}",
                    ghmd::prose(&e)
                );
                return self
                    .report_apply_outcome(
                        EXIT_ERROR,
                        &head,
                        "The plan that was refused (not applied)",
                        &plan_md,
                        r,
                        &to,
                    )
                    .await;
            }
        };
        // what the re-plan must match, and where that came from (a checksum mismatch can only
        // come from a reviewed checksum)
        let (checksum, from, review_note) = match &review {
            Review::Checksum { hex, from } => (
                Some(hex.as_str()),
                from.as_str(),
                format!("The re-plan matched the reviewed plan (checksum from {from})."),
            ),
            Review::Unreviewed { why } => {
                self.annotate(
                    "warning",
                    "unreviewed apply",
                    &format!("applying without a reviewed plan (allow-unreviewed): {why}"),
                );
                (
                    None,
                    "",
                    format!(
                        "⚠️ **Applied without a reviewed plan** (`allow-unreviewed: true`): {}.",
                        ghmd::prose(why)
                    ),
                )
            }
        };
        // the rails `force` overrides, named in the record of this apply
        let rails: Vec<String> = planned
            .refused()
            .iter()
            .map(|r| format!("**{}**: {}", ghmd::inert(&r.rail), ghmd::inert(&r.message)))
            .collect();
        let overridden = if self.s.force {
            rails.clone()
        } else {
            Vec::new()
        };
        let (code, head, title) = match engine::apply(planned, checksum, self.s.force).await {
            Ok(done) => {
                let mut lines = Vec::new();
                for a in &done.applied {
                    lines.push(format!(
                        "- {} on {}: {} change{}",
                        ghmd::code(&a.zone),
                        ghmd::code(&a.target),
                        a.changes,
                        plural(a.changes)
                    ));
                }
                for p in &done.skipped_dry_run {
                    lines.push(format!(
                        "- {} on {}: skipped, plan only (always-dry-run / apply_disabled)",
                        ghmd::code(&p.zone),
                        ghmd::code(&p.target)
                    ));
                }
                self.log(&format!("applied: {}", done.applied.len()));
                let mut head = if overridden.is_empty() {
                    "✅ **Applied**.".to_string()
                } else {
                    let mut h = format!(
                        "⚠️ **Applied with `force: true`**, past {} safety rail{} that refused this plan:\n",
                        overridden.len(),
                        plural(overridden.len())
                    );
                    for m in &overridden {
                        h.push_str(&format!("\n- {m}"));
                    }
                    h
                };
                head.push_str(&format!("\n\n{}\n\n{review_note}", lines.join("\n")));
                (EXIT_OK, head, "The plan that was applied")
            }
            Err(ApplyError::Checksum { given, computed }) => {
                let msg = format!(
                    "the plan changed since it was reviewed: the reviewed plan ({from}) has checksum {given}, the re-plan has {computed}"
                );
                self.annotate(
                    "error",
                    "apply refused",
                    &format!("{msg}; nothing was changed"),
                );
                let head = format!(
                    "❌ **Refused: the plan changed since it was reviewed.** Nothing was changed.\n\n\
                     The reviewed plan ({}) has checksum `{given}`; the re-plan of this commit has `{computed}`. \
                     Something moved in between (another merge, or a change made outside git): plan again \
                     on a pull request, review that plan, and apply it.",
                    ghmd::prose(from)
                );
                (EXIT_ERROR, head, "The re-plan, which was not applied")
            }
            Err(ApplyError::Unsafe(msgs)) => {
                let mut head = format!(
                    "❌ **Refused by {} safety rail{}.** Nothing was changed. After reviewing the plan, re-run with `force: true` to apply past {}:\n",
                    msgs.len(),
                    plural(msgs.len()),
                    if msgs.len() == 1 { "it" } else { "them" }
                );
                for m in &rails {
                    head.push_str(&format!("\n- {m}"));
                }
                self.annotate(
                    "error",
                    "apply refused",
                    &format!("the plan needs force: true: {}", msgs.join("; ")),
                );
                (EXIT_ERROR, head, "The plan that was refused (not applied)")
            }
            Err(e @ ApplyError::Partial { .. }) => {
                let msg = self.scrub(&e.to_string());
                self.annotate("error", "apply failed", &msg);
                let head = format!(
                    "❌ **Apply failed part-way**: what landed and what did not, plan by plan:\n\n{}\n\nRe-run the plan: it shows what is still to do.",
                    fenced(&msg)
                );
                (EXIT_ERROR, head, "The plan (partly applied, see above)")
            }
        };
        self.report_apply_outcome(code, &head, title, &plan_md, r, &to)
            .await
    }

    /// Write an apply's record (summary, and a new comment on the merged pull request or the
    /// commit): each attempt gets its own comment, so no refusal or failure is ever edited away.
    async fn report_apply_outcome(
        &mut self,
        code: i32,
        head: &str,
        title: &str,
        plan_md: &str,
        r: &Report,
        to: &ApplyReport,
    ) -> i32 {
        let md = format!(
            "## DNS apply\n\n{head}\n\n<details><summary>{title}</summary>\n\n{plan_md}\n</details>\n\n<sub>checksum `{}`</sub>\n",
            r.checksum
        );
        self.summarize(&md);
        self.summarize(&self.footer());
        if self.s.comment {
            self.report_apply(to, &md).await;
        }
        code
    }

    /// Post an apply report: a new comment on the merged pull request, else on the commit.
    async fn report_apply(&mut self, to: &ApplyReport, md: &str) {
        if matches!(to, ApplyReport::Nowhere) {
            return;
        }
        if self.client().await.is_none() {
            self.annotate(
                "warning",
                "comment",
                "no GitHub token or repository: the apply report is only in the step summary",
            );
            return;
        }
        let marker = sticky::marker("apply", &self.s.config_key);
        let body = self.scrub(&self.comment_body(&marker, md, 0));
        let client = self.client.as_ref().expect("built above");
        let (res, what) = match to {
            ApplyReport::PullRequest(n) => (
                client.create_issue_comment(*n, &body).await,
                format!("comment on pull request #{n}"),
            ),
            ApplyReport::Commit(sha) => (
                client.create_commit_comment(sha, &body).await,
                format!("comment on commit {}", short(sha)),
            ),
            ApplyReport::Nowhere => return,
        };
        match res {
            Ok(c) => {
                self.log(&format!("apply report: {}", c.html_url));
                self.output("comment-url", &c.html_url);
            }
            Err(e) => self.api_failed(&what, &e),
        }
    }

    /// `--merge-plans DIR`: one report from the shards' plan files.
    async fn merged(&mut self, dir: &Path) -> i32 {
        if let (Some(cfg), _) = super::load_config_file(&self.s.config) {
            self.add_secrets(&cfg);
        }
        if self.s.action == Action::Apply {
            self.annotate(
                "error",
                "merge-plans",
                "merge-plans reports plans; apply the whole config with the merged checksum",
            );
            return EXIT_ERROR;
        }
        let exclude = std::fs::canonicalize(&self.s.plan_file).ok();
        let merged = plan::file::read_dir(dir, exclude.as_deref())
            .and_then(|shards| plan::file::merge(shards, &self.s.config_key));
        let report = match merged {
            Ok(m) => Report::merged(m),
            Err(e) => {
                let e = e.to_string();
                self.annotate("error", "merge-plans", &e);
                self.summarize(&format!(
                    "## DNS plan\n\n❌ **Could not merge the shard plans**: {}\n",
                    ghmd::inert(&e)
                ));
                return EXIT_ERROR;
            }
        };
        self.log_plan(&report);
        match self.s.action {
            Action::Drift => self.drift(&report).await,
            _ => self.plan(&report).await,
        }
    }

    /// Write outputs and the summary; the exit code. Failing to write either is an error
    /// (exit 1): a step that reports nothing must not look green.
    fn finish(&mut self, code: i32) -> i32 {
        let mut failed = false;
        if let Some(path) = self.env.output.clone()
            && !self.outputs.is_empty()
            && let Err(e) = files::write_outputs(&path, &self.outputs)
        {
            self.annotate(
                "error",
                "outputs",
                &format!("cannot write $GITHUB_OUTPUT ({}): {e}", path.display()),
            );
            failed = true;
        }
        if let Some(path) = self.env.step_summary.clone()
            && !self.summary.is_empty()
        {
            let room = files::summary_room(&path);
            let plan_file = self.s.plan_file.display().to_string();
            let dropped = |n: usize| {
                format!(
                    "_Per-record details of {n} zone × target plan{} are left out to stay under GitHub's 1 MiB step-summary limit; the plan JSON file `{}` has everything._",
                    plural(n),
                    plan_file.replace('`', "")
                )
            };
            let truncated = format!(
                "**Truncated** to GitHub's 1 MiB step-summary limit; the plan JSON file `{}` has the full plan.",
                plan_file.replace('`', "")
            );
            let text = self.scrub(&self.summary);
            let fitted = ghmd::fit(
                &text,
                room.saturating_sub(1),
                Measure::Bytes,
                &Notes {
                    dropped: &dropped,
                    truncated: &truncated,
                },
            );
            if let Err(e) = files::append_summary(&path, &fitted.text) {
                self.annotate(
                    "error",
                    "summary",
                    &format!(
                        "cannot write $GITHUB_STEP_SUMMARY ({}): {e}",
                        path.display()
                    ),
                );
                failed = true;
            }
        }
        if failed { EXIT_ERROR } else { code }
    }
}

/// Records of the plan that contain the value of an `env/` secret. Everything the action
/// publishes is scrubbed of secrets, so such a plan could not be shown truthfully, and a
/// scrubbed plan file would no longer match its own checksum: refuse it, naming the record and
/// the setting the secret came from (never the value).
/// `plans` are the plan file's zone plans (as written), one entry per zone plan of `plan`.
fn secret_leaks(
    plan: &Plan,
    plans: &[ZonePlanDoc],
    cfg: &Config,
    token: Option<&str>,
) -> Vec<Diagnostic> {
    let mut secrets: Vec<(String, String)> = cfg
        .secret_settings()
        .into_iter()
        .map(|(p, k, v)| {
            (
                format!("the value of the secret setting `{k}` of provider `{p}` (read from env/)"),
                v,
            )
        })
        .collect();
    if let Some(t) = token.filter(|t| t.len() >= crate::secret::MIN_LEN) {
        secrets.push(("the GitHub token".into(), t.to_string()));
    }
    if secrets.is_empty() {
        return Vec::new();
    }
    // as written, and as it reads inside a JSON string
    let forms: Vec<(&str, [String; 2])> = secrets
        .iter()
        .map(|(what, v)| {
            let json = serde_json::to_string(v).unwrap_or_default();
            let inner = json[1..json.len() - 1].to_string();
            (what.as_str(), [v.clone(), inner])
        })
        .collect();
    let mut out = Vec::new();
    for (zp, pj) in plan.plans.iter().zip(plans) {
        for (c, cj) in zp.changes.iter().zip(&pj.changes) {
            let text = serde_json::to_string(cj).unwrap_or_default();
            for (what, [raw, escaped]) in &forms {
                if !text.contains(raw.as_str()) && !text.contains(escaped.as_str()) {
                    continue;
                }
                let (pos, side) = match &c.desired {
                    Some(d) if d.pos.line > 0 => (d.pos.clone(), "in git"),
                    _ => (
                        cfg.providers
                            .get(&zp.target)
                            .map(|p| p.pos.clone())
                            .unwrap_or_else(crate::yaml::Pos::none),
                        "on the target",
                    ),
                };
                let name = render::display_name(&c.name, &zp.zone);
                out.push(
                    Diagnostic::error(
                        pos,
                        "secret-in-record",
                        format!(
                            "this record ({side}, planned for target {}) contains {what}. dnsplan removes secrets from everything it publishes, so this plan could be neither shown nor verified by its checksum; take the secret out of the record (or stop treating that value as a secret)",
                            zp.target
                        ),
                    )
                    .with_subject(format!("{name} {}", c.rtype)),
                );
            }
        }
    }
    out
}

/// Where an apply is reported.
enum ApplyReport {
    /// A new comment on the pull request the push merged.
    PullRequest(u64),
    /// A commit comment on the commit applied.
    Commit(String),
    Nowhere,
}

/// What an apply is checked against.
enum Review {
    /// The re-plan must have this checksum; `from` says where it came from.
    Checksum { hex: String, from: String },
    /// No reviewed plan exists and `allow-unreviewed` lets the apply through; `why` says what
    /// was missing.
    Unreviewed { why: String },
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(7)]
}

/// How the Action's reports say to force an apply past the rails (its input).
const FORCE_HINT: &str = "force: true";

/// The first line of `render::markdown::render`.
const PLAN_TITLE: &str = "## DNS plan\n\n";

/// "**3** zone × target plans change: **5** to create, **1** to update, **0** to delete."
fn headline(plan: &Plan) -> String {
    let changed: Vec<&ZonePlan> = plan.plans.iter().filter(|p| p.has_changes()).collect();
    let (mut c, mut u, mut d) = (0, 0, 0);
    for p in &changed {
        let s = p.summary();
        c += s.creates;
        u += s.updates;
        d += s.deletes;
    }
    format!(
        "**{}** zone × target plan{} of {} change{}: **{c}** to create, **{u}** to update, **{d}** to delete.\n\n",
        changed.len(),
        plural(changed.len()),
        plan.plans.len(),
        if changed.len() == 1 { "s" } else { "" },
    )
}

/// The comment size budget: GitHub's limit (a smaller one may be set for tests through
/// `DNSPLAN_GITHUB_COMMENT_LIMIT`; never a larger one).
fn comment_limit() -> usize {
    std::env::var("DNSPLAN_GITHUB_COMMENT_LIMIT")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .map(|n| n.clamp(1000, COMMENT_LIMIT))
        .unwrap_or(COMMENT_LIMIT)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn bool_str(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// A plain-text fenced block longer than any backtick run inside.
fn fenced(s: &str) -> String {
    crate::mdtext::fenced("text", s.trim_end())
}

/// The 64-hex checksum after "checksum `" in a report.
fn find_checksum(body: &str) -> Option<String> {
    let mut rest = body;
    let mut last = None;
    while let Some(i) = rest.find("checksum `") {
        let after = &rest[i + "checksum `".len()..];
        let hex: String = after.chars().take(64).collect();
        if hex.len() == 64
            && hex.chars().all(|c| c.is_ascii_hexdigit())
            && after[64..].starts_with('`')
        {
            last = Some(hex);
        }
        rest = after;
    }
    last
}

impl Report {
    /// The report of merged shard files.
    fn merged(m: plan::file::Merged) -> Report {
        let notes = m.file.dnsplan.clone().unwrap_or_default();
        Report {
            ctx: render::Context {
                refusals: notes.refusals(),
                dry_run: notes.dry_run,
                force_hint: FORCE_HINT.into(),
                ..render::Context::default()
            },
            checksum: m.file.checksum.clone(),
            file: m.file,
            plan: m.plan,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_are_found_in_reports() {
        let sum = "a".repeat(64);
        let body = format!("x\n<sub>checksum `{sum}`</sub>\n");
        assert_eq!(find_checksum(&body), Some(sum));
        assert_eq!(find_checksum("checksum `abc`"), None);
    }

    #[test]
    fn fences_outgrow_content() {
        assert!(fenced("a ``` b").starts_with("````text\n"));
    }

    #[test]
    fn a_merged_report_carries_the_refusals_and_the_action_s_force_hint() {
        let plan = Plan::default();
        let refused = vec![render::Refused::new(
            "example.com.",
            "route53",
            &crate::plan::safety::Refusal::RootNs,
        )];
        let dry = vec![render::ZoneTarget::new("example.com.", "pdns")];
        let notes =
            plan::file::RunNotes::of_run(&plan, "config.yaml", Some((1, 2)), &refused, &dry);
        let shard = plan::file::Shard {
            path: "a.json".into(),
            file: PlanFile::new(&plan, Some(notes)),
        };
        let r = Report::merged(plan::file::merge(vec![shard], "config.yaml").unwrap());
        assert_eq!(r.ctx.refusals, refused);
        assert_eq!(r.ctx.dry_run, dry);
        assert_eq!(r.ctx.force_hint, "force: true");
        assert_eq!(r.checksum, plan.checksum());
        assert_eq!(r.file.checksum, r.checksum);
    }
}
