//! Differential runs against the real octoDNS 1.22 (the project's `.venv`): the same config
//! and zone files, two empty YAML target directories, `octodns-sync --doit` into one and
//! `dnsplan apply` into the other. The two directories must then hold the same data, and each
//! tool must plan nothing against what the other wrote. For configs octoDNS refuses,
//! [`both_refuse`] checks that dnsplan refuses too and returns both messages.
//!
//! A config is written twice, once per target directory (`octo.yaml` → `octo/`, `ours.yaml`
//! → `ours/`); the source is `zones/`. Anything a test puts before `providers:` (a
//! `processors:` section, `manager:`) and after each zone's `sources`/`targets` (its
//! `processors:`) is the same in both.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value as J;

use crate::harness;
use crate::suite::show;

/// One differential setup.
#[derive(Clone, Debug, Default)]
pub struct Setup {
    /// Top-level YAML before `providers:` (`processors:`, `manager:`), as written.
    pub head: String,
    /// Extra settings of the target provider (`key: value` lines, without indentation).
    pub target_settings: Vec<String>,
    /// Extra settings of the source provider.
    pub source_settings: Vec<String>,
    /// Zones: (name with final dot, extra zone keys as `key: value` lines, source YAML).
    pub zones: Vec<(String, Vec<String>, String)>,
    /// What both targets hold before the run: (zone, YAML).
    pub existing: Vec<(String, String)>,
    /// Environment for both tools.
    pub env: Vec<(String, String)>,
    /// Records (zone, name, type) of `existing` that a processor hides from the plan and
    /// that octoDNS's YamlProvider then loses: its apply writes the target's zone *as the
    /// processors left it* plus the changes, so a record a filter protects is dropped from
    /// the file. dnsplan keeps them (the target's file is changed by the plan's changes
    /// only); [`both_apply`] checks both sides of that difference, then compares the rest.
    pub octodns_loses: Vec<(String, String, String)>,
    /// TXT records (zone, name) compared by the keys of their `key=value` values only
    /// (`MetaProcessor`'s time, uuid and version differ between the tools and runs).
    pub keys_only: Vec<(String, String)>,
    /// Zones whose `sources` are not `[config]`: (zone, source ids).
    pub sources: Vec<(String, Vec<String>)>,
}

impl Setup {
    pub fn new(head: &str) -> Setup {
        Setup {
            head: head.to_string(),
            ..Setup::default()
        }
    }

    /// A zone with its extra keys (e.g. `processors: [only-a]`) and its source file.
    pub fn zone(mut self, name: &str, keys: &[&str], yaml: &str) -> Setup {
        self.zones.push((
            name.to_string(),
            keys.iter().map(|k| k.to_string()).collect(),
            yaml.to_string(),
        ));
        self
    }

    /// What the targets already hold for `zone`.
    pub fn existing(mut self, zone: &str, yaml: &str) -> Setup {
        self.existing.push((zone.to_string(), yaml.to_string()));
        self
    }

    /// See [`Setup::octodns_loses`]: `name` (relative, `''` for the apex) of `rtype` in `zone`.
    pub fn octodns_loses(mut self, zone: &str, name: &str, rtype: &str) -> Setup {
        self.octodns_loses
            .push((zone.to_string(), name.to_string(), rtype.to_string()));
        self
    }
}

impl Setup {
    /// `zone` reads these sources instead of `[config]` (e.g. `[config, auto-arpa]`).
    pub fn sources(mut self, zone: &str, sources: &[&str]) -> Setup {
        self.sources.push((
            zone.to_string(),
            sources.iter().map(|s| s.to_string()).collect(),
        ));
        self
    }

    /// See [`Setup::keys_only`].
    pub fn keys_only(mut self, zone: &str, name: &str) -> Setup {
        self.keys_only.push((zone.to_string(), name.to_string()));
        self
    }
}

/// A prepared directory: `zones/`, `octo/`, `ours/`, `octo.yaml`, `ours.yaml`.
pub struct Run {
    pub dir: tempfile::TempDir,
    setup: Setup,
}

impl Run {
    pub fn new(setup: &Setup) -> Run {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for sub in ["zones", "octo", "ours"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        for (zone, _, yaml) in &setup.zones {
            std::fs::write(root.join("zones").join(format!("{zone}yaml")), yaml).unwrap();
        }
        for (zone, yaml) in &setup.existing {
            for out in ["octo", "ours"] {
                std::fs::write(root.join(out).join(format!("{zone}yaml")), yaml).unwrap();
            }
        }
        for out in ["octo", "ours"] {
            std::fs::write(root.join(format!("{out}.yaml")), config(setup, root, out)).unwrap();
        }
        Run {
            dir,
            setup: setup.clone(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `octodns-sync` with `config` (`octo` or `ours`); `--doit --force` when `doit`.
    pub fn octodns(&self, config: &str, doit: bool) -> Output {
        let bin = venv_bin("octodns-sync");
        let mut c = Command::new(bin);
        c.current_dir(self.path())
            .args(["--config-file", &format!("{config}.yaml")]);
        if doit {
            c.args(["--doit", "--force"]);
        }
        for (k, v) in &self.setup.env {
            c.env(k, v);
        }
        c.output().expect("run octodns-sync")
    }

    /// dnsplan with `args`, `--config CONFIG.yaml` appended.
    pub fn dnsplan(&self, config: &str, args: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_dnsplan"));
        c.current_dir(self.path())
            .args(args)
            .args(["--config", &format!("{config}.yaml")])
            .env_remove("DNSPLAN_CONFIG")
            .env("NO_COLOR", "1");
        for (k, v) in &self.setup.env {
            c.env(k, v);
        }
        c.output().expect("run dnsplan")
    }

    /// Every zone file of `dir` (`octo` or `ours`) as data, by file name.
    pub fn files(&self, dir: &str) -> BTreeMap<String, J> {
        read_dir(&self.path().join(dir))
    }
}

fn venv_bin(name: &str) -> PathBuf {
    let bin = harness::venv().join("bin").join(name);
    assert!(
        bin.exists(),
        "octoDNS 1.22 is needed at {} (scripts/test installs it in .venv)",
        bin.display()
    );
    bin
}

fn config(setup: &Setup, root: &Path, out: &str) -> String {
    let mut c = String::new();
    c.push_str(&setup.head);
    if !setup.head.is_empty() && !setup.head.ends_with('\n') {
        c.push('\n');
    }
    c.push_str(&format!(
        "providers:\n  config:\n    class: octodns.provider.yaml.YamlProvider\n    \
         directory: '{}'\n    enforce_order: false\n",
        root.join("zones").display()
    ));
    for s in &setup.source_settings {
        c.push_str(&format!("    {s}\n"));
    }
    c.push_str(&format!(
        "  target:\n    class: octodns.provider.yaml.YamlProvider\n    directory: '{}'\n",
        root.join(out).display()
    ));
    for s in &setup.target_settings {
        c.push_str(&format!("    {s}\n"));
    }
    c.push_str("zones:\n");
    for (zone, keys, _) in &setup.zones {
        let sources = setup
            .sources
            .iter()
            .find(|(z, _)| z == zone)
            .map_or_else(|| "config".to_string(), |(_, s)| s.join(", "));
        c.push_str(&format!(
            "  '{zone}':\n    sources: [{sources}]\n    targets: [target]\n"
        ));
        for k in keys {
            c.push_str(&format!("    {k}\n"));
        }
    }
    c
}

fn read_dir(dir: &Path) -> BTreeMap<String, J> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries {
        let p = e.unwrap().path();
        if p.is_dir() {
            for (k, v) in read_dir(&p) {
                out.insert(
                    format!("{}/{k}", p.file_name().unwrap().to_string_lossy()),
                    v,
                );
            }
            continue;
        }
        let file: std::sync::Arc<str> = std::sync::Arc::from(p.display().to_string());
        let text = std::fs::read_to_string(&p).unwrap();
        let loaded = dnsplan::yaml::load_str(
            &text,
            &file,
            dnsplan::yaml::LoadOptions {
                order: dnsplan::yaml::KeyOrder::Any,
                includes: false,
            },
        );
        let node = loaded
            .root
            .unwrap_or_else(|| panic!("{} is not YAML: {:?}", p.display(), loaded.errors));
        out.insert(
            p.file_name().unwrap().to_string_lossy().to_string(),
            node.to_json(),
        );
    }
    out
}

/// Remove record `name` of `rtype` from a zone file's data; the record if it was there (a
/// node holding nothing else goes too).
fn take_record(file: Option<&mut J>, name: &str, rtype: &str) -> Option<J> {
    let zone = file?.as_object_mut()?;
    let node = zone.get_mut(name)?;
    let found = match node {
        J::Array(items) => {
            let i = items.iter().position(|r| r["type"] == rtype)?;
            let r = items.remove(i);
            if items.len() == 1 {
                *node = items.remove(0);
            }
            Some(r)
        }
        J::Object(_) if node["type"] == rtype => Some(node.take()),
        _ => None,
    };
    if zone
        .get(name)
        .is_some_and(|n| n.is_null() || n == &J::Array(vec![]))
    {
        zone.remove(name);
    }
    found
}

/// A TXT record's `value`/`values` replaced by the sorted keys of its `key=value` texts.
fn to_keys(record: &mut J) {
    let texts: Vec<String> = match (&record["value"], &record["values"]) {
        (J::String(v), _) => vec![v.clone()],
        (_, J::Array(vs)) => vs
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => panic!("not a TXT record: {record}"),
    };
    let mut keys: Vec<String> = texts
        .iter()
        .map(|t| t.split('=').next().unwrap_or(t).to_string())
        .collect();
    keys.sort();
    let m = record.as_object_mut().expect("a record");
    m.remove("value");
    m.insert("values".into(), keys.into());
}

/// Does octoDNS's plan log hold no change? Either it says so, or a plan a processor emptied
/// (`ExcludeRootNsChanges` with `error: false` removes changes but keeps the plan, whose
/// summary still counts them) lists no change: no `Create …`, `Update` or `Delete …` line
/// (octoDNS's `PlanLogger`, `Change.__repr__`).
fn octodns_plans_nothing(log: &str) -> bool {
    log.contains("No changes were planned")
        || !log.lines().any(|l| {
            let l = l.trim_start_matches(['*', ' ']);
            l.starts_with("Create ") || l == "Update" || l.starts_with("Delete ")
        })
}

/// Does dnsplan's JSON plan (stdout of `plan --format json`) hold no change?
fn dnsplan_plans_nothing(o: &Output) -> Result<(), String> {
    if !o.status.success() {
        return Err(format!("dnsplan plan failed\n{}", show(o)));
    }
    let plan: J = serde_json::from_slice(&o.stdout).map_err(|e| format!("{e}\n{}", show(o)))?;
    for p in plan["plans"].as_array().into_iter().flatten() {
        let n = p["changes"].as_array().map_or(0, Vec::len);
        if n > 0 || p["exists"] != true {
            return Err(format!("dnsplan plans changes:\n{plan:#}"));
        }
    }
    Ok(())
}

/// Both tools apply the setup into empty (or `existing`) YAML targets; their outputs must be
/// equal as data, and each must plan nothing against the other's. Returns the run, so a test
/// can look at the output further (`run.files("ours")`).
pub fn both_apply(setup: &Setup) -> Run {
    let run = Run::new(setup);
    let o = run.octodns("octo", true);
    assert!(
        o.status.success(),
        "octodns-sync --doit failed\n{}",
        show(&o)
    );
    let ours = run.dnsplan("ours", &["apply", "--force"]);
    assert!(
        ours.status.success(),
        "dnsplan apply failed\n{}",
        show(&ours)
    );
    let (mut a, mut b) = (run.files("octo"), run.files("ours"));
    for (zone, name, rtype) in &setup.octodns_loses {
        let file = format!("{zone}yaml");
        assert!(
            take_record(a.get_mut(&file), name, rtype).is_none(),
            "octoDNS kept {name} {rtype}: the setup's octodns_loses is wrong"
        );
        assert!(
            take_record(b.get_mut(&file), name, rtype).is_some(),
            "dnsplan lost {name} {rtype} of {zone}, which a processor protects"
        );
    }
    for (zone, name) in &setup.keys_only {
        let file = format!("{zone}yaml");
        for files in [&mut a, &mut b] {
            let record = files
                .get_mut(&file)
                .and_then(|f| f.get_mut(name.as_str()))
                .unwrap_or_else(|| panic!("{name} missing from {file}"));
            to_keys(record);
        }
    }
    assert_eq!(
        b,
        a,
        "dnsplan's output (left) differs from octoDNS's (right)\n--- dnsplan\n{}\n--- octodns\n{}",
        show(&ours),
        show(&o)
    );
    // octoDNS plans nothing against what dnsplan wrote
    let o = run.octodns("ours", false);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        o.status.success() && octodns_plans_nothing(&text),
        "octoDNS plans changes against dnsplan's output\n{}",
        show(&o)
    );
    // dnsplan plans nothing against what octoDNS wrote
    let p = run.dnsplan("octo", &["plan", "--format", "json"]);
    if let Err(why) = dnsplan_plans_nothing(&p) {
        panic!("against octoDNS's output: {why}");
    }
    run
}

/// Both tools refuse the setup (at load, plan or apply): (octoDNS's output, dnsplan's), for
/// the caller to compare the reasons. Neither target may have been written.
pub fn both_refuse(setup: &Setup) -> (String, String) {
    let run = Run::new(setup);
    let o = run.octodns("octo", true);
    assert!(
        !o.status.success(),
        "octoDNS accepted what it should refuse\n{}",
        show(&o)
    );
    let ours = run.dnsplan("ours", &["apply", "--force"]);
    assert!(
        !ours.status.success(),
        "dnsplan accepted what octoDNS refuses\n--- dnsplan\n{}\n--- octodns\n{}",
        show(&ours),
        show(&o)
    );
    assert_eq!(
        run.files("ours"),
        read_dir_existing(&run, setup),
        "dnsplan wrote into its target although it refused"
    );
    let text = |o: &Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    (text(&o), text(&ours))
}

/// What `existing` put into a target, as data (for "nothing was written").
fn read_dir_existing(run: &Run, setup: &Setup) -> BTreeMap<String, J> {
    let dir = run.path().join("before");
    std::fs::create_dir_all(&dir).unwrap();
    for (zone, yaml) in &setup.existing {
        std::fs::write(dir.join(format!("{zone}yaml")), yaml).unwrap();
    }
    read_dir(&dir)
}
