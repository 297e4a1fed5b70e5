//! Every input a fuzzer ever failed on stays a test: the checks of each fuzz target
//! (`fuzz/src/checks.rs`, shared with `fuzz/fuzz_targets/`) run on each file of
//! `tests/fixtures/fuzz/<target>/`. See `fuzz/README.md` for the findings and how to add one.

#[path = "../fuzz/src/checks.rs"]
mod checks;

use std::path::Path;

/// Run `check` on every saved input of `target`; how many there were.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.file_name().is_none_or(|n| n != ".gitkeep"))
        .collect();
    files.sort();
    for f in &files {
        let data = std::fs::read(f).unwrap();
        if let Err(e) = std::panic::catch_unwind(|| check(&data)) {
            let why = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("{} fails again: {why}", f.display());
        }
    }
    files.len()
}

#[test]
fn yaml_inputs_that_once_failed() {
    assert!(replay("yaml", checks::yaml) > 0);
}

#[test]
fn config_inputs_that_once_failed() {
    replay("config", checks::config);
}

#[test]
fn zonefile_inputs_that_once_failed() {
    replay("zonefile", checks::zonefile);
}

#[test]
fn wire_inputs_that_once_failed() {
    replay("wire", checks::wire);
}
