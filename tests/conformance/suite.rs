//! The provider-independent runner: a `Target` adapter (what the config says about the
//! provider, and where its DNS answers, if anywhere) and `Case`s (a zone's successive desired
//! states). For every state: `dnsplan plan` shows exactly the expected changes → `dnsplan
//! apply` → a re-plan shows none → every configured record is asked of the server over real
//! DNS and must come back authoritative with exactly the configured RDATA and TTL; records of
//! the previous state that are gone must be gone from DNS too.
//!
//! A new provider plugs in with a `Target` (see `powerdns.rs`): its config settings, the
//! environment they read (secrets), its DNS address (None for an API-only emulator) and the
//! record types it holds; cases needing other types are reported as not applicable (a list
//! the adapter's test checks, so nothing is dropped silently).

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output};

use dnsplan::model::{RecordSet, Value, Zone};

use crate::dns::{self, Resolver};

/// A provider under test.
#[derive(Clone, Debug)]
pub struct Target {
    pub name: String,
    /// The provider's config entry: `key: value` YAML lines (class first).
    pub settings: Vec<(String, String)>,
    /// Environment for dnsplan (the secrets the settings name as `env/…`).
    pub env: Vec<(String, String)>,
    /// Where the provider's zones answer DNS; None when they do not (an API emulator).
    pub dns: Option<SocketAddr>,
    /// Record types the provider holds.
    pub types: BTreeSet<String>,
    /// Remove a zone (IDNA form, final dot) from the provider, if it is there: every project
    /// starts from nothing, also on a server that outlives one test run.
    pub reset: fn(&str),
}

/// A provider's config entry: `base` (key, value) pairs with `extra` laid over them — a key
/// in `extra` replaces the base one, an empty value removes it.
pub fn settings_with(base: Vec<(&str, String)>, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut s: Vec<(String, String)> = base.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    for (k, v) in extra {
        s.retain(|(key, _)| key != k);
        if !v.is_empty() {
            s.push((k.to_string(), v.to_string()));
        }
    }
    s
}

/// What a plan must show.
#[derive(Clone, Debug)]
pub enum Expect {
    /// `op name type` per change, in plan order (deletes, creates, updates; by name, type).
    Changes(Vec<String>),
    /// Only the counts: creates, updates, deletes.
    Counts(usize, usize, usize),
}

#[derive(Clone, Debug)]
pub struct Step {
    /// The zone file (octoDNS YAML).
    pub yaml: String,
    pub expect: Expect,
}

#[derive(Clone, Debug)]
pub struct Case {
    pub name: &'static str,
    /// The zone, as written in the config (UTF-8 allowed), with its final dot.
    pub zone: String,
    pub steps: Vec<Step>,
}

impl Case {
    /// Record types the case uses (read from its YAML).
    pub fn types(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for s in &self.steps {
            for line in s.yaml.lines() {
                let l = line.trim_start().trim_start_matches("- ");
                if let Some(t) = l.strip_prefix("type: ") {
                    out.insert(t.trim().to_string());
                }
            }
        }
        out
    }
}

/// A temporary project: `zones/` and `config.yaml` with a YAML source and the target.
pub struct Project {
    pub dir: tempfile::TempDir,
    pub target: Target,
}

impl Project {
    pub fn new(target: &Target, zones: &[&str]) -> Project {
        for z in zones {
            (target.reset)(&dnsplan::model::idna_encode(z).unwrap());
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("zones")).unwrap();
        // an absolute directory: the config is also loaded from this test process
        let mut cfg = format!(
            "providers:\n  config:\n    class: octodns.provider.yaml.YamlProvider\n    \
             directory: '{}'\n    enforce_order: false\n  target:\n",
            dir.path().join("zones").display()
        );
        for (k, v) in &target.settings {
            cfg.push_str(&format!("    {k}: {v}\n"));
        }
        cfg.push_str("zones:\n");
        for z in zones {
            cfg.push_str(&format!(
                "  '{z}':\n    sources: [config]\n    targets: [target]\n"
            ));
        }
        std::fs::write(dir.path().join("config.yaml"), cfg).unwrap();
        Project {
            dir,
            target: target.clone(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write_zone(&self, zone: &str, yaml: &str) {
        let file = format!("{}yaml", zone);
        std::fs::write(self.path().join("zones").join(file), yaml).unwrap();
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_dnsplan"));
        c.current_dir(self.path())
            .args(args)
            .env_remove("DNSPLAN_CONFIG")
            .env("NO_COLOR", "1");
        for (k, v) in &self.target.env {
            c.env(k, v);
        }
        c.output().expect("run dnsplan")
    }

    /// `dnsplan plan --format json`: the plan of the one zone × target.
    pub fn plan(&self) -> serde_json::Value {
        let o = self.run(&["plan", "--config", "config.yaml", "--format", "json"]);
        assert!(o.status.success(), "plan failed:\n{}", show(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("plan json: {e}\n{}", show(&o)));
        v
    }

    /// The changes `dnsplan plan` shows with another config file of the project (such as
    /// `dnsplan.yaml` beside an octoDNS `config.yaml`).
    pub fn changes_with(&self, config: &str) -> Vec<String> {
        let o = self.run(&["plan", "--config", config, "--format", "json"]);
        assert!(o.status.success(), "plan failed:\n{}", show(&o));
        changes(
            &serde_json::from_slice(&o.stdout)
                .unwrap_or_else(|e| panic!("plan json: {e}\n{}", show(&o))),
        )
    }

    pub fn apply(&self) {
        let o = self.run(&["apply", "--config", "config.yaml", "--force"]);
        assert!(o.status.success(), "apply failed:\n{}", show(&o));
    }

    /// The desired zone as dnsplan reads it.
    pub fn desired(&self, zone: &str) -> Zone {
        let (cfg, diags) = dnsplan::config::load(
            &self.path().join("config.yaml"),
            &dnsplan::provider::registry::Registry,
        );
        let cfg = cfg.unwrap_or_else(|| panic!("config: {diags:?}"));
        let zc = cfg
            .zones
            .values()
            .find(|z| z.name == dnsplan::model::idna_encode(zone).unwrap())
            .expect("the zone is configured");
        let d = dnsplan::config::load_desired(&cfg, zc);
        assert!(
            !d.diagnostics.iter().any(|x| x.is_error()),
            "{:?}",
            d.diagnostics
        );
        d.zone
    }
}

pub fn show(o: &Output) -> String {
    format!(
        "exit {}\n--- stdout\n{}\n--- stderr\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The changes of a one-plan plan JSON as `op name type`.
pub fn changes(plan: &serde_json::Value) -> Vec<String> {
    let p = &plan["plans"][0];
    p["changes"]
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|c| {
            let name = c["name"].as_str().unwrap_or_default();
            format!(
                "{} {} {}",
                c["op"].as_str().unwrap_or_default(),
                if name.is_empty() { "@" } else { name },
                c["type"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

fn counts(plan: &serde_json::Value) -> (usize, usize, usize) {
    let s = &plan["plans"][0]["summary"];
    let n = |k: &str| s[k].as_u64().unwrap_or(0) as usize;
    (n("creates"), n("updates"), n("deletes"))
}

/// Run a case against a target. Returns `Err(reason)` when the case does not apply to it.
pub fn run_case(target: &Target, case: &Case) -> Result<(), String> {
    let missing: Vec<String> = case.types().difference(&target.types).cloned().collect();
    if !missing.is_empty() {
        return Err(format!(
            "{}: {} does not hold {}",
            case.name,
            target.name,
            missing.join(", ")
        ));
    }
    let project = Project::new(target, &[&case.zone]);
    let mut resolver = target.dns.map(Resolver::new);
    let mut previous: Option<Zone> = None;
    for (i, step) in case.steps.iter().enumerate() {
        let ctx = format!("case {} step {} on {}", case.name, i + 1, target.name);
        project.write_zone(&case.zone, &step.yaml);
        let plan = project.plan();
        match &step.expect {
            Expect::Changes(want) => {
                assert_eq!(&changes(&plan), want, "{ctx}: planned changes\n{plan:#}")
            }
            Expect::Counts(c, u, d) => {
                assert_eq!(counts(&plan), (*c, *u, *d), "{ctx}: planned counts")
            }
        }
        project.apply();
        let again = project.plan();
        assert_eq!(
            changes(&again),
            Vec::<String>::new(),
            "{ctx}: the re-plan after apply is not empty\n{again:#}"
        );
        assert_eq!(again["plans"][0]["exists"], true, "{ctx}: zone exists");
        let desired = project.desired(&case.zone);
        if let Some(r) = resolver.as_mut() {
            check_dns(r, &desired, previous.as_ref(), &ctx);
        }
        previous = Some(desired);
    }
    Ok(())
}

/// The name to ask for a record: a wildcard's is a made-up name below it.
fn query_name(r: &RecordSet, zone: &str) -> String {
    let name = match r.name.strip_prefix('*') {
        Some(rest) => format!("conformance-probe{rest}"),
        None => r.name.clone(),
    };
    if name.is_empty() {
        zone.to_string()
    } else {
        format!("{name}.{zone}")
    }
}

/// What DNS must answer for a record: (type code, RDATA set, ttl); None when it is not served
/// as its own type (ALIAS is checked through the A/AAAA it expands to).
fn served(r: &RecordSet, zone: &Zone) -> Vec<(u16, BTreeSet<Vec<u8>>, u32)> {
    let t = r.rtype.as_str();
    if t == "ALIAS" {
        let Some(Value::Target(target)) = r.values.first() else {
            return vec![];
        };
        let rel = zone
            .relative(target)
            .expect("ALIAS targets are in the zone in these cases");
        let mut out = Vec::new();
        for ty in ["A", "AAAA"] {
            if let Some(dest) = zone.get(&rel, &dnsplan::model::RecordType::core(ty).unwrap()) {
                // an expanded ALIAS carries the ALIAS's TTL
                let set = dest.values.iter().map(|v| dns::expected(ty, v)).collect();
                out.push((dns::type_code(ty), set, r.ttl));
            }
        }
        return out;
    }
    vec![(
        dns::type_code(t),
        r.values.iter().map(|v| dns::expected(t, v)).collect(),
        r.ttl,
    )]
}

pub fn check_dns(res: &mut Resolver, desired: &Zone, previous: Option<&Zone>, ctx: &str) {
    let zone = &desired.name;
    // names below a delegation are not answered authoritatively
    let cuts: Vec<&str> = desired
        .iter()
        .filter(|r| r.rtype.as_str() == "NS" && !r.name.is_empty())
        .map(|r| r.name.as_str())
        .collect();
    for r in desired.iter() {
        let delegation = !r.name.is_empty() && r.rtype.as_str() == "NS";
        let below_cut = cuts
            .iter()
            .any(|c| r.name != *c && r.name.ends_with(&format!(".{c}")));
        if below_cut {
            continue;
        }
        let qname = query_name(r, zone);
        for (code, want, ttl) in served(r, desired) {
            let a = res.query(&qname, code);
            let (section, what) = if delegation {
                (&a.authority, "referral")
            } else {
                assert!(a.authoritative, "{ctx}: {qname} {code}: not authoritative");
                (&a.answers, "answer")
            };
            assert_eq!(a.rcode, 0, "{ctx}: {qname} type {code}: rcode {}", a.rcode);
            let got: Vec<&dns::Rr> = section.iter().filter(|x| x.rtype == code).collect();
            let got_set: BTreeSet<Vec<u8>> = got.iter().map(|x| x.rdata.clone()).collect();
            assert_eq!(
                got.len(),
                got_set.len(),
                "{ctx}: {qname} type {code}: duplicate records"
            );
            if got_set != want {
                panic!(
                    "{ctx}: {qname} type {code}: the {what} differs from the zone file\n \
                     want {}\n  got {}",
                    hexes(&want),
                    hexes(&got_set)
                );
            }
            for x in &got {
                assert_eq!(x.ttl, ttl, "{ctx}: {qname} type {code}: TTL");
                assert_eq!(x.name, qname.to_ascii_lowercase(), "{ctx}: owner name");
            }
        }
    }
    // what the previous state had and this one does not is gone
    if let Some(prev) = previous {
        let now: BTreeMap<_, _> = desired.records.iter().collect();
        for (key, r) in &prev.records {
            if now.contains_key(key) || r.rtype.as_str() == "ALIAS" {
                continue;
            }
            let qname = query_name(r, zone);
            let code = dns::type_code(r.rtype.as_str());
            let a = res.query(&qname, code);
            let left: Vec<_> = a
                .answers
                .iter()
                .filter(|x| x.rtype == code && x.name == qname.to_ascii_lowercase())
                .collect();
            assert!(
                left.is_empty(),
                "{ctx}: deleted {qname} type {code} still answers"
            );
        }
    }
}

fn hexes(set: &BTreeSet<Vec<u8>>) -> String {
    set.iter()
        .map(|v| data_encoding::HEXLOWER.encode(v))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The partial-ownership rails on a target (`ignore:` and `never_delete:`, on the zone and on
/// the provider). Another tool — a second dnsplan config with its own zone files, writing to
/// the same zone — creates records behind the main config's back; then:
/// - a record an ignore rule matches is shown as ignored, survives the apply, and a drift
///   check stays clean; a desired record matching the rule is refused at its line;
/// - with `never_delete: true`, a record removed from git is shown as unmanaged, survives
///   the apply, and drift stays clean.
///
/// What the target holds is read back with `dnsplan dump`, so this runs on every provider.
pub fn run_partial(target: &Target, zone: &str) {
    let main = Project::new(target, &[zone]);
    let root = main.path();
    let config = std::fs::read_to_string(root.join("config.yaml")).unwrap();
    let zones = root.join("zones").display().to_string();
    let other_zones = root.join("other-zones");
    std::fs::create_dir_all(&other_zones).unwrap();
    std::fs::write(
        root.join("other.yaml"),
        config.replace(&zones, &other_zones.display().to_string()),
    )
    .unwrap();
    let file = format!("{zone}yaml");
    // the other tool: its own records, applied first
    std::fs::write(
        other_zones.join(&file),
        "---\nforeign:\n  type: TXT\n  value: written-by-another-tool\nlegacy:\n  type: A\n  \
         value: 192.0.2.99\nwww:\n  type: A\n  value: 192.0.2.1\n",
    )
    .unwrap();
    let o = main.run(&["apply", "--config", "other.yaml", "--force"]);
    assert!(
        o.status.success(),
        "{}: the other tool's apply\n{}",
        target.name,
        show(&o)
    );

    let held = |ctx: &str| -> serde_json::Value {
        let out = root.join(format!("dump-{ctx}"));
        let o = main.run(&[
            "dump",
            "--config",
            "config.yaml",
            "--output-dir",
            out.to_str().unwrap(),
            zone,
            "target",
        ]);
        assert!(
            o.status.success(),
            "{}: dump {ctx}\n{}",
            target.name,
            show(&o)
        );
        let text = std::fs::read_to_string(out.join(&file)).unwrap();
        let loaded = dnsplan::yaml::load_str(
            &text,
            &std::sync::Arc::from(file.as_str()),
            dnsplan::yaml::LoadOptions {
                order: dnsplan::yaml::KeyOrder::Any,
                includes: false,
            },
        );
        loaded.root.expect("dump writes YAML").to_json()
    };
    let drift_clean = |cfg: &str, ctx: &str| {
        let o = main.run(&["drift", "--config", cfg]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}: drift is not clean {ctx}\n{}",
            target.name,
            show(&o)
        );
    };

    // 1. ignore rules, the zone's (a glob) and the provider's (a type and a value glob)
    let with_rules = format!(
        "{}    ignore:\n      - {{name: 'fore*', type: TXT}}\n",
        config.replacen(
            "  target:\n",
            "  target:\n    ignore:\n      - {type: A, value: '192.0.2.9?'}\n",
            1
        )
    );
    std::fs::write(root.join("config.yaml"), &with_rules).unwrap();
    main.write_zone(
        zone,
        "---\nwww:\n  type: A\n  value: 192.0.2.1\nnew:\n  type: A\n  value: 192.0.2.2\n",
    );
    let plan = main.plan();
    assert_eq!(
        changes(&plan),
        ["create new A"],
        "{}: {plan:#}",
        target.name
    );
    let ignored: Vec<String> = plan["plans"][0]["ignored"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|h| {
                    format!(
                        "{} {}",
                        h["name"].as_str().unwrap(),
                        h["type"].as_str().unwrap()
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        ignored,
        ["foreign TXT", "legacy A"],
        "{}: {plan:#}",
        target.name
    );
    main.apply();
    let now = held("after-ignore");
    assert_eq!(
        now["foreign"]["value"], "written-by-another-tool",
        "{}: {now:#}",
        target.name
    );
    assert_eq!(
        now["legacy"]["value"], "192.0.2.99",
        "{}: {now:#}",
        target.name
    );
    assert_eq!(now["new"]["value"], "192.0.2.2", "{}: {now:#}", target.name);
    assert!(changes(&main.plan()).is_empty(), "{}: re-plan", target.name);
    drift_clean("config.yaml", "with ignored records");
    let o = main.run(&["plan", "--config", "config.yaml"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("ignored (left alone by ignore rules): 2"),
        "{}\n{}",
        target.name,
        show(&o)
    );

    // a desired record an ignore rule matches is refused, at its line
    main.write_zone(
        zone,
        "---\nforeign:\n  type: TXT\n  value: mine\nwww:\n  type: A\n  value: 192.0.2.1\n",
    );
    let o = main.run(&["plan", "--config", "config.yaml"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(1), "{}\n{}", target.name, show(&o));
    assert!(text.contains("ignore-conflict"), "{}\n{text}", target.name);
    assert!(
        text.contains(&format!("{file}:2")),
        "{}: names the record's line\n{text}",
        target.name
    );

    // 2. never_delete: what leaves git stays, shown as unmanaged
    std::fs::write(
        root.join("config.yaml"),
        format!("{config}    never_delete: true\n"),
    )
    .unwrap();
    main.write_zone(zone, "---\nnew:\n  type: A\n  value: 192.0.2.2\n");
    let plan = main.plan();
    assert!(
        changes(&plan).is_empty(),
        "{}: no deletes {plan:#}",
        target.name
    );
    let unmanaged: Vec<&str> = plan["plans"][0]["unmanaged"]
        .as_array()
        .map(|a| a.iter().map(|h| h["name"].as_str().unwrap()).collect())
        .unwrap_or_default();
    assert_eq!(
        unmanaged,
        ["foreign", "legacy", "www"],
        "{}: {plan:#}",
        target.name
    );
    main.apply();
    let now = held("after-never-delete");
    assert_eq!(now["www"]["value"], "192.0.2.1", "{}: {now:#}", target.name);
    assert_eq!(
        now["foreign"]["value"], "written-by-another-tool",
        "{}: {now:#}",
        target.name
    );
    drift_clean("config.yaml", "with unmanaged records");
}

fn local_target(name: &str, class: &str, dir: &Path) -> Target {
    Target {
        name: name.into(),
        settings: vec![
            ("class".into(), class.into()),
            ("directory".into(), format!("'{}'", dir.display())),
        ],
        env: vec![],
        dns: None,
        types: BTreeSet::new(),
        reset: |_| {},
    }
}

#[test]
fn ignored_and_never_deleted_records_survive_on_yaml_and_zone_file_targets() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = local_target(
        "yaml",
        "octodns.provider.yaml.YamlProvider",
        &dir.path().join("yaml"),
    );
    run_partial(&yaml, "partial.example.");
    let zf = local_target(
        "zonefile",
        "octodns_bind.ZoneFileProvider",
        &dir.path().join("zonefile"),
    );
    run_partial(&zf, "partial.example.");
}
