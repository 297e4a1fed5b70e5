//! The BIND zone-file parser on arbitrary text: a zone or an error naming the file, never a
//! panic; and what it read, written back as a zone file, reads back as the same zone (the
//! provider checks exactly that before it replaces a file). `$INCLUDE` reads files, so inputs
//! naming it are skipped.
#![no_main]

// each target uses one of the checks
#[allow(dead_code)]
#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::zonefile(data));
