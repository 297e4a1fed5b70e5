//! What each fuzz target checks, one function per target, on one input. The targets in
//! `fuzz_targets/` call these, and `tests/fuzz_regressions.rs` in the main crate runs them on
//! every input a fuzzer ever failed on (`tests/fixtures/fuzz/<target>/`), so a crash found
//! here stays a test of the normal suite. A failed check panics.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use dnsplan::cli::validate::collect;
use dnsplan::provider::rfc2136::{codec, wire, zone_from_records};
use dnsplan::provider::zonefile::{ZoneFileSettings, parse_zone_text, render_zone};
use dnsplan::yaml::{self, KeyOrder, LoadOptions};

/// The YAML loader on arbitrary bytes: the fast scanner must give saphyr's exact answer
/// (`fast_path_check`, and the loader's own check, which `--cfg fuzzing` keeps in this release
/// build), and loading must end in a tree or errors, never a panic, a hang or unbounded memory.
pub fn yaml(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Err(d) = yaml::fast_path_check(text)
    {
        panic!("fast path disagrees with saphyr: {d}\non {text:?}");
    }
    let file: Arc<str> = Arc::from("fuzz.yaml");
    let opts = LoadOptions {
        order: KeyOrder::Natural,
        includes: false,
    };
    let loaded = yaml::load_bytes(data, &file, opts);
    for e in &loaded.errors {
        assert!(
            &*e.pos.file == "fuzz.yaml" && e.pos.line > 0,
            "an error without a line: {e}"
        );
    }
    if let Some(root) = loaded.root {
        // walk the tree the way the config layer does
        let _ = root.to_json();
    }
}

const ZONE: &str = include_str!("../../tests/fixtures/valid/example.com.yaml");

/// The temporary directory the `config` target writes its files into, made once per process.
fn workdir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("dnsplan-fuzz-config")
            .tempdir()
            .expect("temporary directory")
            .keep();
        std::fs::create_dir_all(dir.join("zones")).expect("zones/");
        dir
    })
}

/// The fixed config: one YAML source and one YAML target in `dir`.
fn fixed_config(dir: &Path) -> String {
    let d = dir.display();
    format!(
        "providers:\n  config: {{class: octodns.provider.yaml.YamlProvider, directory: '{d}/zones'}}\n  \
         out: {{class: octodns.provider.yaml.YamlProvider, directory: '{d}/out'}}\n\
         zones:\n  example.com.: {{sources: [config], targets: [out]}}\n"
    )
}

/// Config and zone loading and validation, as `dnsplan validate` runs them, on arbitrary bytes.
/// The first byte chooses what the rest is: even, the zone file `zones/example.com.yaml` under a
/// fixed config; odd, the config itself, beside a valid zone file. Every problem must be a
/// diagnostic, never a panic, a hang or unbounded memory; every diagnostic about a file names
/// a line. The files live in one temporary directory; relative paths in a fuzzed config are
/// taken from the working directory, as dnsplan does (they are only read).
pub fn config(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let dir = workdir();
    let fixed = fixed_config(dir);
    let (config, zone) = if mode % 2 == 0 {
        (fixed.as_bytes(), rest)
    } else {
        (rest, ZONE.as_bytes())
    };
    let config_path = dir.join("config.yaml");
    std::fs::write(&config_path, config).expect("write config");
    std::fs::write(dir.join("zones/example.com.yaml"), zone).expect("write zone");
    let diags = collect(&config_path, &[]);
    if mode % 2 == 0 {
        // the config is fine: whatever is wrong is in the zone file, at a line of it
        for d in &diags {
            assert!(
                d.pos.line > 0 || !d.pos.file.ends_with("example.com.yaml"),
                "a diagnostic about the zone file without a line: {d:?}"
            );
        }
    }
}

/// The BIND zone-file parser on arbitrary text: a zone or an error naming the file, never a
/// panic; and what it read, written back as a zone file, reads back as the same zone (the
/// provider checks exactly that before it replaces a file). `$INCLUDE` reads files, so inputs
/// naming it are skipped.
pub fn zonefile(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if text.to_ascii_lowercase().contains("$include") {
        return;
    }
    for check_origin in [true, false] {
        match parse_zone_text(text, "fuzz.zone", "example.com.", check_origin, None) {
            Err(e) => assert!(
                e.to_string().contains("fuzz.zone"),
                "an error without the file: {e}"
            ),
            Ok(data) => {
                let settings = ZoneFileSettings::defaults(Path::new("fuzz-out"));
                let Ok(written) = render_zone(&data.zone, &settings, 1) else {
                    continue;
                };
                match parse_zone_text(&written, "written.zone", "example.com.", true, None) {
                    Ok(again) => {
                        assert_eq!(again.zone.records.len(), data.zone.records.len());
                        for r in data.zone.iter() {
                            assert!(
                                again.zone.get(&r.name, &r.rtype) == Some(r),
                                "{} {} reads back differently from:\n{written}",
                                r.name,
                                r.rtype
                            );
                        }
                    }
                    Err(e) => panic!("the written zone does not read back: {e}\n{written}"),
                }
            }
        }
    }
}

/// The DNS message decoder the RFC 2136 provider reads AXFR and UPDATE responses with, on
/// arbitrary bytes: a message or an error, never a panic; every record of a message that
/// parses turns into text or an error, and the answers into a zone or an error, as an AXFR
/// does; a TSIG record's RDATA parses or is refused.
pub fn wire(data: &[u8]) {
    let Ok(msg) = wire::Message::parse(data) else {
        return;
    };
    for r in msg
        .answers
        .iter()
        .chain(&msg.authority)
        .chain(&msg.additional)
    {
        let _ = codec::to_text(r.rtype, &r.rdata);
        let _ = r.name.to_text();
    }
    if let Some(t) = msg.tsig() {
        let _ = wire::Tsig::parse(&t.rdata);
    }
    let _ = zone_from_records("example.com.", &msg.answers);
    let _ = wire::rcode_name(msg.rcode);
}
