//! End-to-end tests: the dnsplan binary on fixtures, one module per command.

mod common;
mod plan;
mod validate;
