//! Config and zone loading and validation, as `dnsplan validate` runs them, on arbitrary bytes.
//! The first byte chooses what the rest is: even, the zone file `zones/example.com.yaml` under a
//! fixed config; odd, the config itself, beside a valid zone file. Every problem must be a
//! diagnostic, never a panic, a hang or unbounded memory; every diagnostic about a file names
//! a line. The files live in one temporary directory, the working directory of the run.
#![no_main]

// each target uses one of the checks
#[allow(dead_code)]
#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::config(data));
