//! The YAML loader on arbitrary bytes: the fast scanner must give saphyr's exact answer
//! (`fast_path_check`, and the loader's own check, which `--cfg fuzzing` keeps in this release
//! build), and loading must end in a tree or errors, never a panic, a hang or unbounded memory.
#![no_main]

// each target uses one of the checks
#[allow(dead_code)]
#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::yaml(data));
