//! End-to-end tests: the dnsplan binary on fixtures, one module per command.

mod common;
mod config;
mod github;
mod limits;
mod plan;
mod validate;
