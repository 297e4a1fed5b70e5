//! The DNS message decoder the RFC 2136 provider reads AXFR and UPDATE responses with, on
//! arbitrary bytes: a message or an error, never a panic; every record of a message that
//! parses turns into text or an error, and the answers into a zone or an error, as an AXFR
//! does; a TSIG record's RDATA parses or is refused.
#![no_main]

// each target uses one of the checks
#[allow(dead_code)]
#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::wire(data));
