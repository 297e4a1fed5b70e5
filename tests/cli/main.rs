//! End-to-end tests: the dnsplan binary on fixtures, one module per command.

mod common;
mod config;
mod ghfake;
mod github;
mod hostile;
mod kill;
mod limits;
mod plan;
mod validate;
