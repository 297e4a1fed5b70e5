//! dnsplan: DNS as code, native to CI.
//!
//! Layers, lowest first (each may use only those before it in this list):
//! `yaml`, `diag`, `secret`, `random`, `mdtext` → `http` (uses `secret`, `random`) → `model` →
//! `validate` → `config` →
//! `plan` → `provider` → `render`, `verify`, `engine`, `failover` → `cli`. `github` stands
//! apart and knows nothing of DNS (it uses `mdtext`, `random`, `http` and the strings it is given).
//! There is no drift module: a drift check is `engine::plan` against the live providers,
//! reported by `cli::plan` (`dnsplan drift`) and `cli::github` (the drift issue).

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
pub mod provider;
pub mod random;
pub mod render;
pub mod secret;
pub mod validate;
pub mod verify;
pub mod yaml;
