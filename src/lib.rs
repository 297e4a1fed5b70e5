//! dnsplan: DNS as code, native to CI.
//!
//! Layers, lowest first (each may use only those before it in this list):
//! `fasthash`, `yaml`, `diag` → `model` → `validate` → `config` → `plan` → `provider` → `render` →
//! `drift` / `failover` → `cli`. `github` stands apart and knows nothing of DNS.

pub mod cli;
pub mod config;
pub mod diag;
pub mod engine;
pub mod failover;
pub mod fasthash;
pub mod github;
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
