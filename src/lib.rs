//! dnsplan: DNS as code, native to CI. The `dnsplan` binary is a thin command line over this
//! library; a program can embed the same run.
//!
//! # Embedding
//!
//! The steps of a run, each a call: [`engine::load`] reads an octoDNS config (its problems
//! come back as [`Diagnostic`]s with file:line), [`engine::validate`] checks the zone files
//! without contacting any provider, [`engine::plan`] reads every zone × target and diffs them
//! into a [`Planned`] run (its [`Plan`] is plain data, its [`Planned::refusals`] the safety
//! rails that hold it back), [`render`] turns the plan into a terminal table, markdown or JSON,
//! and [`engine::apply`] makes exactly the planned changes, refusing all of them when a rail
//! trips or a reviewed checksum no longer matches. The library prints nothing: progress goes
//! to a [`Progress`] given to [`engine::plan_with`], problems come back as values, and providers'
//! retries are `tracing` events. [`engine::plan`] and [`engine::apply`] are async and need a
//! multi-threaded Tokio runtime; [`engine::runtime`] makes one for callers without one.
//!
//! A zone in a YAML directory, planned onto another YAML directory, applied, then planned
//! again with nothing left to do:
//!
//! ```
//! use dnsplan::engine::{self, Selection};
//! use dnsplan::render;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = std::env::temp_dir().join(format!("dnsplan-doctest-{}", std::process::id()));
//! let _ = std::fs::remove_dir_all(&dir); // what an interrupted run left
//! std::fs::create_dir_all(dir.join("zones"))?;
//! std::fs::write(
//!     dir.join("zones/example.com.yaml"),
//!     "---\n'':\n  type: A\n  value: 192.0.2.1\nwww:\n  type: CNAME\n  value: example.com.\n",
//! )?;
//! // relative directories would be the working directory's, as in octoDNS
//! let config = format!(
//!     "providers:\n  \
//!        git: {{class: octodns.provider.yaml.YamlProvider, directory: '{0}/zones'}}\n  \
//!        live: {{class: octodns.provider.yaml.YamlProvider, directory: '{0}/live'}}\n\
//!      zones:\n  \
//!        example.com.: {{sources: [git], targets: [live]}}\n",
//!     dir.display()
//! );
//! std::fs::write(dir.join("config.yaml"), config)?;
//!
//! // load and validate: every problem at once, none here
//! let (cfg, problems) = engine::load(&dir.join("config.yaml"));
//! let cfg = cfg.ok_or_else(|| format!("{problems:?}"))?;
//! let problems = engine::validate(&cfg, &[]);
//! assert!(!problems.iter().any(dnsplan::Diagnostic::is_error), "{problems:?}");
//!
//! // plan, and render the plan as a reviewer sees it
//! let rt = engine::runtime()?;
//! let planned = rt.block_on(engine::plan(&cfg, &Selection::default()))?;
//! let text = render::table::render(&planned.plan, &planned.render_context(), false);
//! assert!(text.contains("www.example.com."), "{text}");
//! let checksum = planned.plan.checksum();
//!
//! // apply exactly the reviewed plan
//! let done = rt.block_on(engine::apply(&planned, Some(&checksum), false))?;
//! assert_eq!(done.applied.len(), 1);
//! assert_eq!(done.applied[0].changes, 2);
//! assert!(dir.join("live/example.com.yaml").exists());
//!
//! // the target now holds the zone: nothing left to do
//! let again = rt.block_on(engine::plan(&cfg, &Selection::default()))?;
//! assert!(!again.plan.has_changes());
//! std::fs::remove_dir_all(&dir)?;
//! # Ok(())
//! # }
//! ```
//!
//! # Layers
//!
//! Each module may use only the modules its row names, and a row names only rows above it,
//! so every dependency points down this table. `tests/layers.rs` reads this table and fails,
//! naming file:line, on any use in `src/` the table does not allow, on a module without a
//! row, on a module header whose `Rule:` does not name what the module uses, and on printing
//! outside `cli`.
//!
//! | module | may use |
//! | --- | --- |
//! | `yaml` | |
//! | `diag` | `yaml` |
//! | `secret` | |
//! | `random` | |
//! | `mdtext` | |
//! | `http` | `secret`, `random` |
//! | `model` | `yaml` |
//! | `validate` | `model`, `yaml`, `diag` |
//! | `plan` | `model`, `yaml` |
//! | `process` | `model`, `plan`, `yaml`, `random` |
//! | `config` | `model`, `validate`, `plan`, `process`, `yaml`, `diag`, `secret` |
//! | `provider` | `model`, `plan`, `config`, `validate`, `yaml`, `diag`, `http`, `secret`, `random` |
//! | `render` | `model`, `plan`, `yaml`, `mdtext` |
//! | `verify` | `model`, `config`, `diag`, `plan`, `provider` |
//! | `engine` | `model`, `config`, `diag`, `plan`, `process`, `provider`, `render` |
//! | `failover` | `model`, `config`, `diag`, `plan`, `provider`, `yaml`, `secret`, `random` |
//! | `github` | `mdtext`, `random`, `http`, `secret` |
//! | `cli` | all of the above |
//!
//! `github` stands apart and knows nothing of DNS: it uses `mdtext`, `random`, `http`,
//! `secret` and the strings it is given. There is no drift module: a drift check is `engine::plan` against the live
//! providers, reported by `cli::plan` (`dnsplan drift`) and `cli::github` (the drift issue).
//!
//! Exceptions (test code only):
//! - `render` → `github` in `src/render/tests.rs`: the review scenarios check that the
//!   markdown rendering fits a GitHub comment, through `github::markdown::fit`.
//! - `config` → `provider` in `src/config/tests.rs`: its tests load configs with the provider
//!   registry, as every caller does.

pub mod cli;
pub mod config;
pub mod diag;
pub mod engine;
pub mod failover;
pub mod github;
pub mod http;
pub mod mdtext;
pub mod model;
pub mod plan;
pub mod process;
pub mod provider;
pub mod random;
pub mod render;
pub mod secret;
pub mod validate;
pub mod verify;
pub mod yaml;

pub use config::Config;
pub use diag::{Diagnostic, Severity};
pub use engine::{
    Applied, AppliedPlan, ApplyError, EngineError, Planned, Progress, RailRefusal, Selection, Shard,
};
pub use plan::safety::{Refusal, ZoneTarget};
pub use plan::{Plan, ZonePlan};
