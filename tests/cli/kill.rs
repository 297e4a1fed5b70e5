//! `dnsplan apply` killed with SIGKILL at random moments while it writes many zones never
//! leaves a truncated or empty zone file, and what an interrupted write leaves behind is not
//! taken for a zone by the next run.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::{run_in, stdout};

const ZONES: usize = 200;
const RECORDS: usize = 10;
const KILLS: usize = 30;

/// The source zones, in one of two versions (every record differs between them).
fn write_sources(dir: &Path, version: u8) {
    let z = dir.join("z");
    std::fs::create_dir_all(&z).unwrap();
    for i in 0..ZONES {
        let mut text = String::from("---\n");
        for r in 0..RECORDS {
            text.push_str(&format!(
                "h{r}:\n  - {{type: A, value: 10.{version}.{}.{}}}\n  - {{type: TXT, value: \"version {version} of record {r} in zone {i}, padded to make the file longer\"}}\n",
                r / 250,
                r % 250
            ));
        }
        std::fs::write(z.join(format!("z{i:03}.example.yaml")), text).unwrap();
    }
}

/// A directory's files: name → content.
type Files = BTreeMap<String, Vec<u8>>;

/// Every file a target directory holds (hidden files apart), and the hidden names.
fn files(dir: &Path) -> (Files, Vec<String>) {
    let mut out = BTreeMap::new();
    let mut hidden = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return (out, hidden);
    };
    for e in rd {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            hidden.push(name);
        } else {
            out.insert(name, std::fs::read(e.path()).unwrap());
        }
    }
    (out, hidden)
}

/// A zone file's text without its SOA serial (bumped on every write).
fn without_serial(text: &[u8]) -> String {
    String::from_utf8_lossy(text)
        .lines()
        .filter(|l| !l.ends_with("; Serial"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn apply(dir: &Path) -> std::process::Output {
    run_in(dir, &["apply", "--config", "config.yaml", "--force"])
}

fn random_below(n: u128, salt: usize) -> u128 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_usize(salt);
    u128::from(h.finish()) % n.max(1)
}

#[test]
fn apply_killed_at_random_moments_never_leaves_a_partial_zone_file() {
    let tmp = tempfile::tempdir().unwrap();
    let proj = tmp.path();
    std::fs::write(
        proj.join("config.yaml"),
        "providers:\n  z: {class: octodns.provider.yaml.YamlProvider, directory: ./z}\n  \
         out: {class: octodns.provider.yaml.YamlProvider, directory: ./out}\n  \
         bind: {class: octodns_bind.ZoneFileProvider, directory: ./bind, serial: 1}\n\
         zones:\n  '*': {sources: [z], targets: [out, bind]}\n",
    )
    .unwrap();
    let out = proj.join("out");
    let bind = proj.join("bind");

    // the two complete states, and how long a full apply takes
    let mut refs: Vec<(Files, BTreeMap<String, String>)> = Vec::new();
    let mut took = Duration::ZERO;
    for version in [0u8, 1] {
        write_sources(proj, version);
        let start = Instant::now();
        let o = apply(proj);
        took = took.max(start.elapsed());
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let (y, _) = files(&out);
        let (b, _) = files(&bind);
        assert_eq!((y.len(), b.len()), (ZONES, ZONES));
        let b = b
            .into_iter()
            .map(|(k, v)| (k, without_serial(&v)))
            .collect();
        refs.push((y, b));
    }
    assert_ne!(refs[0].0, refs[1].0);
    eprintln!("a full apply of {ZONES} zones × {RECORDS} names took {took:?}");

    let mut killed_while_writing = 0;
    for kill in 0..KILLS {
        let version = (kill % 2) as u8;
        write_sources(proj, version);
        let delay = Duration::from_micros(random_below(took.as_micros(), kill) as u64);
        let mut child = crate::common::bin()
            .current_dir(proj)
            .args(["apply", "--config", "config.yaml", "--force"])
            .env_remove("DNSPLAN_CONFIG")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let finished = child.try_wait().unwrap().is_some();
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // every zone file is one of the two complete versions, never anything in between
        let (y, _) = files(&out);
        let (b, _) = files(&bind);
        assert_eq!((y.len(), b.len()), (ZONES, ZONES), "kill {kill}");
        let mut old = 0;
        for (name, text) in &y {
            let a = &refs[0].0[name];
            let c = &refs[1].0[name];
            assert!(
                text == a || text == c,
                "kill {kill} after {delay:?}: {name} is neither version ({} bytes)",
                text.len()
            );
            old += usize::from(text != &refs[usize::from(version)].0[name]);
        }
        for (name, text) in &b {
            let text = without_serial(text);
            assert!(
                text == refs[0].1[name] || text == refs[1].1[name],
                "kill {kill} after {delay:?}: bind/{name} is neither version"
            );
        }
        if !finished && old > 0 && old < ZONES {
            killed_while_writing += 1;
        }
    }
    eprintln!("{killed_while_writing} of {KILLS} kills came while zone files were being replaced");
    assert!(
        killed_while_writing > 0,
        "no kill landed while files were being written: the test proved nothing"
    );

    // the next run finishes the job, and left-over temporary files are not zones
    let o = apply(proj);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = run_in(proj, &["plan", "--config", "config.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let (_, hidden_yaml) = files(&out);
    let (_, hidden_bind) = files(&bind);
    eprintln!(
        "temporary files left by killed runs: {}",
        hidden_yaml.len() + hidden_bind.len()
    );
    std::fs::write(
        proj.join("copy.yaml"),
        "providers:\n  out: {class: octodns.provider.yaml.YamlProvider, directory: ./out}\n  \
         bind: {class: octodns_bind.ZoneFileProvider, directory: ./bind}\n  \
         copy: {class: octodns.provider.yaml.YamlProvider, directory: ./copy}\n\
         zones:\n  '*': {sources: [out], targets: [copy]}\n",
    )
    .unwrap();
    let o = run_in(proj, &["apply", "--config", "copy.yaml"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let copied: Vec<PathBuf> = std::fs::read_dir(proj.join("copy"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(copied.len(), ZONES);
}
