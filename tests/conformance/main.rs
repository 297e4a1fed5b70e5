//! Provider conformance: the real dnsplan binary against real DNS servers, started by
//! `scripts/harness/` (see `harness.rs`), and interop with the real octoDNS.
//!
//! - `suite`: the provider-independent runner (plan → apply → re-plan → DNS answers);
//! - `cases`: the table of desired zone states;
//! - `dns`: hickory-net queries and an independent wire encoder for the expected RDATA;
//! - one module per provider adapter (`powerdns`), with what is particular to it;
//! - `interop`: octoDNS and dnsplan each plan nothing against zones the other wrote.

mod cases;
mod dns;
mod dynamic;
mod harness;
mod interop;
mod powerdns;
mod suite;
