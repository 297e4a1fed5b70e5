//! The main configuration file, in octoDNS's format as-is.
//!
//! `providers` (`class:` + settings), `zones` (sources,
//! targets, lenient, alias, thresholds, always-dry-run, `'*'` templates with glob/regex),
//! `manager` keys (honoured or warned about), `env/VAR[/DEFAULT]` secrets and `!include`.
//! Every problem is reported as a `Diagnostic` with file and line; loading never stops at the
//! first one.
//!
//! `config` knows no provider: a provider entry keeps its `class:` string and its settings as
//! YAML nodes with their positions (`ProviderConfig::settings`, `env/` secrets resolved, the
//! generic `Common` keys taken off). The class is checked against the provider registry,
//! which the caller passes in (`Classes`), and the provider parses its own settings with serde
//! (`ProviderConfig::parse_settings`, field types in `fields`).
//!
//! Rule: `config` uses `model`, `validate`, `plan`, `process`, `yaml`, `diag` and `secret`. It
//! builds the `processors:` entries (`process::build`) and runs their source hook on the
//! desired zone (`load_desired`). It reads files; it
//! talks to no server. Its tests load configs with `provider`'s registry (an exception listed
//! in `lib.rs`).

pub mod fields;
pub mod secrets;
pub mod yaml_settings;
pub mod yaml_zones;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value as J};

use crate::diag::Diagnostic;
use crate::model::{RecordType, idna_decode, idna_encode, parse_zone_name};
use crate::plan::partial::{IgnoreRule, Partial};
use crate::process::{self, Processor};
use crate::validate::{Rules, Set};
use crate::yaml::{self, KeyOrder, Kind, LoadOptions, Node, Pos};
use rustc_hash::FxHashSet;

/// The zone files of a provider that `config` reads itself: a YAML source's zones (the
/// desired state) and the zones a `'*'` template lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileFormat {
    /// octoDNS YamlProvider zone files.
    Yaml,
    /// BIND master files (listed for templates; read through the provider).
    ZoneFile,
    /// tinydns data files (read through the provider; they name hosts, not zones, so they
    /// are not listed).
    TinyDns,
}

/// What the loader learns of a provider class from the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClassInfo {
    pub files: Option<FileFormat>,
}

/// The provider classes the loader accepts. The provider registry
/// (`provider::registry::Registry`) answers, so that `config` knows no provider.
pub trait Classes {
    /// What `class` (an octoDNS class path or a short name) is; None when no provider has it.
    fn find(&self, class: &str) -> Option<ClassInfo>;
    /// Every class name accepted, for the message about an unknown one.
    fn names(&self) -> Vec<&'static str>;
}

/// A problem with the config file, where it is (the loader turns these into `Diagnostic`s).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("provider {id} must be a mapping with `class:`, found {found}")]
    NotAMapping {
        id: String,
        found: &'static str,
        pos: Pos,
    },
    #[error("Provider {id} is missing class")]
    MissingClass { id: String, pos: Pos },
    #[error("Unknown provider class: {class} (provider {id}){hint}; known classes: {known}")]
    UnknownClass {
        id: String,
        class: String,
        /// `; did you mean X?` when a known class is close.
        hint: String,
        known: String,
        pos: Pos,
    },
}

impl ConfigError {
    pub fn pos(&self) -> &Pos {
        match self {
            ConfigError::NotAMapping { pos, .. }
            | ConfigError::MissingClass { pos, .. }
            | ConfigError::UnknownClass { pos, .. } => pos,
        }
    }

    /// The diagnostic's stable rule id.
    pub fn rule(&self) -> &'static str {
        match self {
            ConfigError::NotAMapping { .. } => "config-invalid",
            ConfigError::MissingClass { .. } => "config-missing-class",
            ConfigError::UnknownClass { .. } => "config-unknown-class",
        }
    }
}

impl From<ConfigError> for Diagnostic {
    fn from(e: ConfigError) -> Diagnostic {
        Diagnostic::error(e.pos().clone(), e.rule(), e.to_string())
    }
}
/// Settings every provider understands (octoDNS BaseProvider kwargs, plus our rails).
#[derive(Clone, Debug)]
pub struct Common {
    pub update_pcent_threshold: f64,
    pub delete_pcent_threshold: f64,
    pub strict_supports: bool,
    pub apply_disabled: bool,
    pub root_ns_warnings: bool,
    /// Refuse a plan that deletes more than this many records (absolute), unless `--force`.
    pub max_deletes: Option<usize>,
    /// Record types whose every change needs `--force` (e.g. MX, NS, SOA).
    pub confirm_types: Vec<String>,
    /// `ignore:` and `never_delete:` for every zone this provider serves as a target.
    pub partial: Partial,
}

impl Default for Common {
    fn default() -> Self {
        Common {
            update_pcent_threshold: 0.3,
            delete_pcent_threshold: 0.3,
            strict_supports: true,
            apply_disabled: false,
            root_ns_warnings: true,
            max_deletes: None,
            confirm_types: Vec::new(),
            partial: Partial::default(),
        }
    }
}

/// One entry of `providers:`.
#[derive(Clone)]
pub struct ProviderConfig {
    pub id: String,
    pub class: String,
    /// The zone files `config` reads itself for this provider, if any (from the registry).
    pub files: Option<FileFormat>,
    pub common: Common,
    /// Provider-specific settings (a mapping without `class` and the `Common` keys), secrets
    /// resolved, every key and value at its file:line. The provider parses them
    /// (`parse_settings`). Never print these: use `redacted()`.
    pub settings: Node,
    /// Setting keys whose values came from a secret (`env/…`).
    pub secret_keys: BTreeSet<String>,
    /// A secret's variable is missing (reported by the loader): the setting is left out, so
    /// the settings are incomplete and not checked on their own (`provider::registry::check`).
    pub missing_env: bool,
    pub pos: Pos,
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("id", &self.id)
            .field("class", &self.class)
            .field("settings", &self.redacted())
            .finish()
    }
}

impl ProviderConfig {
    /// Settings with every secret replaced by `***`.
    pub fn redacted(&self) -> Map<String, J> {
        let mut m = match self.settings.to_json() {
            J::Object(m) => m,
            _ => Map::new(),
        };
        for k in &self.secret_keys {
            if let Some(v) = m.get_mut(k) {
                *v = J::String("***".into());
            }
        }
        m
    }

    /// The settings as the provider's `Settings` struct (serde): an unknown key, a missing
    /// one or a wrong type is an error at its file:line naming the key.
    pub fn parse_settings<T: serde::de::DeserializeOwned>(&self) -> Result<T, yaml::de::Error> {
        yaml::de::from_node(&self.settings)
    }

    /// Where the value of `key` is written (the provider entry when it is not), for checks
    /// made after `parse_settings`.
    pub fn pos_of(&self, key: &str) -> &Pos {
        self.settings.get(key).map_or(&self.pos, |n| &n.pos)
    }

    /// An error about the value of `key`, at its file:line.
    pub fn invalid(&self, key: &str, message: impl Into<String>) -> yaml::de::Error {
        yaml::de::Error::at(self.pos_of(key), None, message)
    }

    /// A text setting as written (None when absent or not text).
    pub fn str(&self, key: &str) -> Option<&str> {
        self.settings.get(key).and_then(Node::as_str)
    }

    /// Every secret value, so outputs can be scrubbed of them.
    pub fn secret_values(&self) -> Vec<String> {
        self.secret_settings().into_iter().map(|(_, v)| v).collect()
    }

    /// Every secret setting as (key, value); values shorter than `secret::MIN_LEN` are left
    /// out (too short to scrub without mangling ordinary text).
    pub fn secret_settings(&self) -> Vec<(&str, String)> {
        self.secret_keys
            .iter()
            .filter_map(|k| Some((k.as_str(), self.settings.get(k)?)))
            .map(|(k, v)| {
                let v = match &v.kind {
                    Kind::Scalar { text, .. } => text.clone(),
                    _ => v.to_json().to_string(),
                };
                (k, v)
            })
            .filter(|(_, v)| v.len() >= crate::secret::MIN_LEN)
            .collect()
    }
}
/// A provider's settings error as a diagnostic at its file:line (`provider ID: …`).
pub fn settings_diagnostic(id: &str, e: &yaml::de::Error) -> Diagnostic {
    Diagnostic::error(
        e.pos.clone(),
        "config-invalid",
        format!("provider {id}: {}", e.detail()),
    )
}

/// One configured zone (templates already expanded).
#[derive(Clone, Debug)]
pub struct ZoneConfig {
    /// IDNA-encoded, lowercased, with the trailing dot.
    pub name: String,
    pub sources: Vec<String>,
    pub targets: Vec<String>,
    pub lenient: bool,
    /// This zone is an exact copy of another zone.
    pub alias: Option<String>,
    pub update_pcent_threshold: Option<f64>,
    pub delete_pcent_threshold: Option<f64>,
    pub max_deletes: Option<usize>,
    pub always_dry_run: bool,
    pub ignore_subzone_adds: bool,
    /// Extra record/zone rules disabled for this zone (boxed: most zones have none, and a
    /// large config holds tens of thousands of these structs).
    pub disabled: Option<Box<DisabledRules>>,
    /// The zone's own `processors:` (ids of `processors:` entries), in order.
    pub processors: Vec<String>,
    /// The zone's `ignore:` / `never_delete:` (boxed, as `disabled`), for every target.
    pub partial: Option<Box<Partial>>,
    pub pos: Pos,
}

/// Rules a zone's `validators:` turns off: record rules by record type, and zone rules.
#[derive(Clone, Debug, Default)]
pub struct DisabledRules {
    pub record: HashMap<String, HashSet<String>>,
    pub zone: HashSet<String>,
}

/// The `manager:` section.
#[derive(Clone, Debug)]
pub struct Manager {
    pub max_workers: usize,
    pub rules: Rules,
    /// `manager.processors`: run before every zone's own processors.
    pub processors: Vec<String>,
    /// `manager.post_processors`: run after every zone's own processors.
    pub post_processors: Vec<String>,
    /// `manager.include_meta`: an `octodns-meta` TXT naming the target, kept up to date.
    pub include_meta: bool,
    /// `manager.auto_arpa`: PTR records generated into arpa zones (`process::arpa`).
    pub auto_arpa: Option<Arc<process::arpa::AutoArpa>>,
    /// `manager.plan_outputs`, as configured (None: octoDNS's default, a `PlanLogger` at
    /// `info`).
    pub plan_outputs: Option<Vec<PlanOutput>>,
}

/// One `manager.plan_outputs` entry: octoDNS's `PlanLogger`, `PlanJson`, `PlanMarkdown` or
/// `PlanHtml` and its options.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanOutput {
    pub name: String,
    pub kind: PlanOutputKind,
    /// `PlanLogger`'s level (lowercase).
    pub level: String,
    /// `PlanJson`'s `indent` and `sort_keys`.
    pub indent: Option<usize>,
    pub sort_keys: bool,
    /// Where a file output writes (None: standard output).
    pub output_filename: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanOutputKind {
    Logger,
    Json,
    Markdown,
    Html,
}

impl Default for Manager {
    fn default() -> Self {
        Manager {
            max_workers: 8,
            rules: Rules::default(),
            processors: Vec::new(),
            post_processors: Vec::new(),
            include_meta: false,
            auto_arpa: None,
            plan_outputs: None,
        }
    }
}

/// The loaded configuration.
#[derive(Debug)]
pub struct Config {
    pub path: PathBuf,
    pub manager: Manager,
    pub providers: BTreeMap<String, ProviderConfig>,
    /// The `processors:` entries, built.
    pub processors: BTreeMap<String, Arc<dyn Processor>>,
    /// Sorted by name.
    pub zones: BTreeMap<String, ZoneConfig>,
    /// Answers "which configured zones are below this one" (see `sub_zones_of`).
    sub_zones: SubZoneIndex,
    /// Every non-arpa zone has been through the processors once, so `auto-arpa` has seen
    /// all their addresses (`auto_arpa_ptrs`).
    arpa_seen: std::sync::OnceLock<()>,
    /// DNS TXT lookups the processors may make (set by the caller: `SpfDnsLookupProcessor`
    /// follows includes outside the zone with it). None: no DNS queries.
    pub txt_lookup: Option<Arc<dyn process::spf::TxtLookup>>,
}

/// The index behind `Config::sub_zones_of`: the first few questions are answered by scanning
/// the zone names (planning one zone among 50,000 should not index all of them), later ones
/// from a map of every zone's sub-zones, built once on demand.
#[derive(Debug, Default)]
struct SubZoneIndex {
    scans: AtomicUsize,
    map: OnceLock<HashMap<String, Vec<String>>>,
}

/// How many sub-zone questions are answered by a scan of all zone names before the index is
/// built: a scan reads each name once, the index hashes each of its suffixes, so a plan of a
/// few zones scans and a plan of many builds the index.
const SUB_ZONE_SCANS: usize = 4;

impl Config {
    /// The processors of zone `zc`, in octoDNS's order: `manager.processors`, the zone's
    /// own, `manager.post_processors` (ids the loader found unknown are left out: the config
    /// did not load).
    pub fn chain(&self, zc: &ZoneConfig) -> process::Chain {
        process::Chain(
            self.manager
                .processors
                .iter()
                .chain(&zc.processors)
                .chain(&self.manager.post_processors)
                .filter_map(|id| self.processors.get(id).cloned())
                .collect(),
        )
    }

    /// The PTR records `auto-arpa` generates for arpa zone `zc`: every other (non-alias) zone
    /// is loaded once first, whichever zones a run selected, so the records are complete
    /// also in a partial run.
    pub fn auto_arpa_ptrs(&self, zc: &ZoneConfig) -> Vec<crate::model::RecordSet> {
        let Some(arpa) = &self.manager.auto_arpa else {
            return Vec::new();
        };
        if !zc.name.ends_with("arpa.") {
            return Vec::new();
        }
        // One pass, on this thread: loading in parallel here could let this thread, a rayon
        // worker waiting for its share, pick up another arpa zone's load and enter this
        // initialisation again. Other threads wait for it.
        self.arpa_seen.get_or_init(|| {
            for z in self
                .zones
                .values()
                .filter(|z| z.alias.is_none() && !z.name.ends_with("arpa."))
            {
                // their problems are reported when they are planned themselves
                drop(load_desired(self, z));
            }
        });
        arpa.ptrs(&zc.name)
    }

    /// The `ignore:` / `never_delete:` rails of `zone` on `target`: the zone's and the
    /// provider's together.
    pub fn partial(&self, zc: &ZoneConfig, target: &str) -> Partial {
        let of_target = self
            .providers
            .get(target)
            .map(|p| p.common.partial.clone())
            .unwrap_or_default();
        match &zc.partial {
            Some(z) => z.and(&of_target),
            None => of_target,
        }
    }

    /// Every ignore rule that applies to `zone` on any of its targets, with the target (for
    /// checking desired records against them).
    pub fn ignore_rules_of<'a>(
        &'a self,
        zc: &'a ZoneConfig,
    ) -> Vec<(Option<&'a str>, &'a IgnoreRule)> {
        let mut out: Vec<(Option<&'a str>, &'a IgnoreRule)> = zc
            .partial
            .iter()
            .flat_map(|p| p.ignore.iter().map(|r| (None, r)))
            .collect();
        for t in &zc.targets {
            if let Some(p) = self.providers.get(t) {
                out.extend(
                    p.common
                        .partial
                        .ignore
                        .iter()
                        .map(|r| (Some(t.as_str()), r)),
                );
            }
        }
        out
    }

    /// The configured zones below `zone` (any depth), relative to it and sorted (octoDNS's
    /// `configured_sub_zones`).
    pub fn sub_zones_of(&self, zone: &str) -> Vec<&str> {
        let idx = &self.sub_zones;
        if idx.map.get().is_none() && idx.scans.fetch_add(1, Ordering::Relaxed) < SUB_ZONE_SCANS {
            let mut out: Vec<&str> = self
                .zones
                .keys()
                .filter_map(|name| {
                    let rel = name.strip_suffix(zone)?.strip_suffix('.')?;
                    (!rel.is_empty()).then_some(rel)
                })
                .collect();
            out.sort_unstable();
            return out;
        }
        idx.map
            .get_or_init(|| sub_zone_map(self.zones.keys().map(String::as_str)))
            .get(zone)
            .map(|v| v.iter().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// Names of configured zones that are sub-zones of `zone`, relative to it (octoDNS's
    /// `configured_sub_zones`), found by walking the name's suffixes: O(labels), not O(zones).
    pub fn sub_zone_of(&self, zone: &str, record_name: &str) -> Option<SubZone> {
        if record_name.is_empty() {
            return None;
        }
        let mut rest = record_name;
        let mut exact = true;
        loop {
            let candidate = format!("{rest}.{zone}");
            if self.zones.contains_key(&candidate) {
                return Some(if exact {
                    SubZone::Exact
                } else {
                    SubZone::Under(rest.to_string())
                });
            }
            match rest.split_once('.') {
                Some((_, tail)) => {
                    rest = tail;
                    exact = false;
                }
                None => return None,
            }
        }
    }

    /// octoDNS's `Zone.add_record` check of a record against configured sub-zones: only NS
    /// and DS may stand at a sub-zone's name, nothing below it. The problem is reported at
    /// `pos` — a warning when `lenient` (the record is kept) — and `false` says the record is
    /// left out (`ignore_subzone_adds` leaves it out without a word).
    pub fn admits_in_zone(
        &self,
        zone: &str,
        name: &str,
        rtype: &crate::model::RecordType,
        pos: &Pos,
        (lenient, ignore_subzone_adds): (bool, bool),
        diags: &mut Vec<Diagnostic>,
    ) -> bool {
        use crate::model::RecordType;
        let fqdn = if name.is_empty() {
            zone.to_string()
        } else {
            format!("{name}.{zone}")
        };
        let msg = match self.sub_zone_of(zone, name) {
            None => return true,
            Some(SubZone::Exact) if matches!(rtype, RecordType::Ns | RecordType::Ds) => {
                return true;
            }
            Some(SubZone::Exact) => format!(
                "Record {} is a managed sub-zone and not of type NS or DS",
                idna_decode(&fqdn)
            ),
            Some(SubZone::Under(_)) => {
                format!("Record {} is under a managed subzone", idna_decode(&fqdn))
            }
        };
        let subject = format!("{} {rtype}", idna_decode(&fqdn));
        if lenient {
            diags.push(Diagnostic::warning(pos.clone(), "subzone", msg).with_subject(subject));
            true
        } else {
            if !ignore_subzone_adds {
                diags.push(Diagnostic::error(pos.clone(), "subzone", msg).with_subject(subject));
            }
            false
        }
    }

    /// The config file itself, as a position without a line (for problems of the whole run).
    pub fn file_pos(&self) -> Pos {
        Pos::new(&Arc::from(self.path.to_string_lossy().as_ref()), 0, 0)
    }

    /// The zones a command works on: all, or those named (UTF-8 or IDNA, trailing dot
    /// optional). A name that is not configured is reported, not ignored.
    pub fn select_zones(&self, only: &[String], diags: &mut Vec<Diagnostic>) -> Vec<&ZoneConfig> {
        if only.is_empty() {
            return self.zones.values().collect();
        }
        let mut out = Vec::new();
        for z in only {
            let mut name = idna_encode(z).unwrap_or_else(|_| z.to_lowercase());
            if !name.ends_with('.') {
                name.push('.');
            }
            match self.zones.get(&name) {
                Some(zc) => out.push(zc),
                None => diags.push(Diagnostic::error(
                    self.file_pos(),
                    "zone-not-configured",
                    format!("Requested zone \"{z}\" not found in config"),
                )),
            }
        }
        out
    }

    /// Every secret value of every provider, for scrubbing output.
    pub fn secret_values(&self) -> Vec<String> {
        self.providers
            .values()
            .flat_map(|p| p.secret_values())
            .collect()
    }

    /// Every secret setting as (provider id, setting key, value), for messages that must say
    /// which secret is meant without showing it.
    pub fn secret_settings(&self) -> Vec<(&str, &str, String)> {
        self.providers
            .values()
            .flat_map(|p| {
                p.secret_settings()
                    .into_iter()
                    .map(move |(k, v)| (p.id.as_str(), k, v))
            })
            .collect()
    }
}

/// Where a record stands relative to configured sub-zones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubZone {
    /// The record's name is a configured sub-zone (only NS and DS may stand there).
    Exact,
    /// The record lies below the configured sub-zone with this relative name.
    Under(String),
}

/// Load the main config. Returns the config (when it is usable) and every problem found.
/// `classes` is the provider registry (`provider::registry::Registry`).
pub fn load(path: &Path, classes: &dyn Classes) -> (Option<Config>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let loaded = yaml::load_file(
        path,
        LoadOptions {
            order: KeyOrder::Any,
            includes: true,
        },
    );
    diags.extend(loaded.errors.into_iter().map(Diagnostic::from));
    let Some(root) = loaded.root else {
        if diags.is_empty() {
            diags.push(Diagnostic::error(
                Pos::new(&Arc::from(path.to_string_lossy().as_ref()), 1, 1),
                "config-invalid",
                "the config file is empty",
            ));
        }
        return (None, diags);
    };
    let cfg = from_node(path, root, classes, &mut diags);
    (cfg, diags)
}

fn err(diags: &mut Vec<Diagnostic>, pos: &Pos, rule: &str, msg: impl Into<String>) {
    diags.push(Diagnostic::error(pos.clone(), rule, msg));
}

fn warn(diags: &mut Vec<Diagnostic>, pos: &Pos, rule: &str, msg: impl Into<String>) {
    diags.push(Diagnostic::warning(pos.clone(), rule, msg));
}

const TOP_KEYS: &[&str] = &[
    "manager",
    "providers",
    "processors",
    "validators",
    "secret_handlers",
    "zones",
];

/// The root is taken by value: each `zones:` entry is dropped as soon as it is converted, so a
/// config of 50,000 zones never holds both its YAML tree and its zone list in full.
fn from_node(
    path: &Path,
    mut root: Node,
    classes: &dyn Classes,
    diags: &mut Vec<Diagnostic>,
) -> Option<Config> {
    let Some(top) = root.entries() else {
        err(
            diags,
            &root.pos,
            "config-invalid",
            format!(
                "the config must be a mapping with `providers` and `zones`, found {}",
                root.describe()
            ),
        );
        return None;
    };
    for (k, _) in top {
        let key = k.key_text();
        if !TOP_KEYS.contains(&key.as_str()) {
            warn(
                diags,
                &k.pos,
                "config-unknown-key",
                format!(
                    "unknown top-level key `{key}` (known: {}); it is ignored",
                    TOP_KEYS.join(", ")
                ),
            );
        }
    }
    let mut manager = manager(root.get("manager"), diags);
    let mut processors = processors(root.get("processors"), diags);
    if let Some(arpa) = &manager.auto_arpa {
        // octoDNS prepends it to the global post-processors: it sees every record as the
        // targets will
        processors.insert(process::arpa::ID.to_string(), arpa.clone());
        manager
            .post_processors
            .insert(0, process::arpa::ID.to_string());
    }
    if manager.include_meta {
        // octoDNS adds its own `meta` (replacing a configured one) after every other
        let meta = process::meta::include_meta();
        processors.insert(meta.id().to_string(), meta);
        manager.post_processors.push("meta".into());
    }
    if let Some(v) = root.get("validators")
        && v.entries().is_some_and(|e| !e.is_empty())
    {
        err(
            diags,
            &v.pos,
            "config-unsupported",
            "custom `validators` classes are Python code and cannot run in dnsplan; use \
             `manager.validators` to choose rule sets and disable rules by id",
        );
    }
    if let Some(s) = root.get("secret_handlers")
        && s.entries().is_some_and(|e| !e.is_empty())
    {
        err(
            diags,
            &s.pos,
            "config-unsupported",
            "only the built-in `env/` secret handler is supported",
        );
    }

    let mut providers = BTreeMap::new();
    match root.get("providers") {
        None => err(
            diags,
            &root.pos,
            "config-invalid",
            "missing `providers` section",
        ),
        Some(p) => match p.entries() {
            None => err(
                diags,
                &p.pos,
                "config-invalid",
                format!("`providers` must be a mapping, found {}", p.describe()),
            ),
            Some(entries) => {
                for (k, v) in entries {
                    if let Some(pc) = provider(&k.key_text(), v, classes, diags) {
                        providers.insert(pc.id.clone(), pc);
                    }
                }
            }
        },
    }

    let mut zones = BTreeMap::new();
    let mut templates = Vec::new();
    match root.take("zones") {
        None => err(
            diags,
            &root.pos,
            "config-invalid",
            "missing `zones` section",
        ),
        Some(Node {
            kind: Kind::Map(entries),
            ..
        }) => {
            let mut listed = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                let key = k.key_text();
                if key.starts_with('*') {
                    templates.push((key, k.pos, v));
                    continue;
                }
                listed
                    .extend(zone(&key, &k.pos, &v, &providers, diags).map(|z| (z.name.clone(), z)));
            }
            zones = unique_zones(listed, diags);
        }
        Some(z) => err(
            diags,
            &z.pos,
            "config-invalid",
            format!("`zones` must be a mapping, found {}", z.describe()),
        ),
    }

    // templates: expand against the zones each source lists, in config order
    for (key, pos, v) in templates {
        expand_template(&key, &pos, &v, &providers, &mut zones, path, diags);
    }

    // the `auto-arpa` source exists only with `manager.auto_arpa`
    if manager.auto_arpa.is_none() {
        for z in zones.values() {
            if z.sources.iter().any(|s| s == process::arpa::ID) {
                err(
                    diags,
                    &z.pos,
                    "config-unknown-provider",
                    format!(
                        "Zone {}, unknown source: {} (it exists when manager.auto_arpa is on)",
                        idna_decode(&z.name),
                        process::arpa::ID
                    ),
                );
            }
        }
    }

    // aliases must point at a real, non-alias zone
    let alias_checks: Vec<(String, String, Pos)> = zones
        .values()
        .filter_map(|z| {
            z.alias
                .as_ref()
                .map(|a| (z.name.clone(), a.clone(), z.pos.clone()))
        })
        .collect();
    for (name, target, pos) in alias_checks {
        match zones.get(&target) {
            None => err(
                diags,
                &pos,
                "config-invalid-alias",
                format!("Invalid alias zone {name}: source zone {target} does not exist"),
            ),
            Some(t) if t.alias.is_some() => err(
                diags,
                &pos,
                "config-invalid-alias",
                format!("Invalid alias zone {name}: source zone {target} is an alias zone"),
            ),
            Some(_) => {}
        }
    }

    // every processor a zone or `manager` names must be configured
    for (what, list, pos) in [
        (
            "manager.processors",
            &manager.processors,
            root.get("manager"),
        ),
        (
            "manager.post_processors",
            &manager.post_processors,
            root.get("manager"),
        ),
    ] {
        for id in list.iter().filter(|id| !processors.contains_key(*id)) {
            let pos = pos.map_or(&root.pos, |n| &n.pos);
            err(
                diags,
                pos,
                "config-unknown-processor",
                format!("{what}, unknown processor: {id}"),
            );
        }
    }
    for z in zones.values() {
        for id in z
            .processors
            .iter()
            .filter(|id| !processors.contains_key(*id))
        {
            err(
                diags,
                &z.pos,
                "config-unknown-processor",
                format!("Zone {}, unknown processor: {id}", idna_decode(&z.name)),
            );
        }
    }

    Some(Config {
        path: path.to_path_buf(),
        manager,
        providers,
        processors,
        zones,
        sub_zones: SubZoneIndex::default(),
        arpa_seen: std::sync::OnceLock::new(),
        txt_lookup: None,
    })
}

/// The zones by name, each configured once: a name written twice (also as UTF-8 and IDNA) is
/// an error at the later spelling, and the first one is kept. Sorting first and building the
/// map in one go is several times faster than inserting 50,000 zones one by one.
fn unique_zones(
    mut listed: Vec<(String, ZoneConfig)>,
    diags: &mut Vec<Diagnostic>,
) -> BTreeMap<String, ZoneConfig> {
    // stable: spellings of one name stay in file order
    listed.sort_by(|a, b| a.0.cmp(&b.0));
    let mut first: Option<usize> = None;
    for i in 0..listed.len() {
        match first {
            Some(f) if listed[f].0 == listed[i].0 => {
                err(
                    diags,
                    &listed[i].1.pos,
                    "config-duplicate-zone",
                    format!(
                        "zone {} is configured twice (also at line {}), e.g. both in UTF-8 and IDNA",
                        listed[i].0, listed[f].1.pos.line
                    ),
                );
            }
            _ => first = Some(i),
        }
    }
    // the first spelling of each name is first in its run of equal names; the pairs are
    // collected in place, without a second copy of the list
    listed.dedup_by(|later, first| later.0 == first.0);
    listed.into_iter().collect()
}

/// For every zone, the configured zones below it (any depth), relative to it. O(zones ×
/// labels): each name looks up its own suffixes instead of comparing with every other zone.
pub fn sub_zone_map<'a>(names: impl Iterator<Item = &'a str>) -> HashMap<String, Vec<String>> {
    let names: FxHashSet<&str> = names.collect();
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for &name in &names {
        let mut rest = name;
        while let Some((_, parent)) = rest.split_once('.') {
            if parent.is_empty() {
                break;
            }
            if names.contains(parent) {
                let rel = &name[..name.len() - parent.len() - 1];
                out.entry(parent.to_string())
                    .or_default()
                    .push(rel.to_string());
            }
            rest = parent;
        }
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

/// The top-level `processors:` entries, built (octoDNS's messages: "Processor X is missing
/// class", "Unknown processor class: …", "Incorrect processor config for X").
fn processors(
    node: Option<&Node>,
    diags: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Arc<dyn Processor>> {
    let mut out = BTreeMap::new();
    let Some(node) = node.filter(|n| !n.is_null()) else {
        return out;
    };
    let Some(entries) = node.entries() else {
        err(
            diags,
            &node.pos,
            "config-invalid",
            format!("`processors` must be a mapping, found {}", node.describe()),
        );
        return out;
    };
    for (k, v) in entries {
        let id = k.key_text();
        let Some(fields) = v.entries() else {
            err(
                diags,
                &v.pos,
                "config-invalid",
                format!(
                    "processor {id} must be a mapping with `class:`, found {}",
                    v.describe()
                ),
            );
            continue;
        };
        let Some(class_node) = v.get("class") else {
            err(
                diags,
                &v.pos,
                "config-missing-class",
                format!("Processor {id} is missing class"),
            );
            continue;
        };
        let class = class_node.as_str().unwrap_or_default();
        // secrets (`env/…`) are resolved as for providers (MetaProcessor's include_extra)
        let mut settings = Vec::new();
        let mut missing = false;
        for (fk, fv) in fields {
            if fk.key_text() == "class" {
                continue;
            }
            match secrets::resolve(fv, diags) {
                Some((resolved, _)) => settings.push((fk.clone(), resolved)),
                None => missing = true,
            }
        }
        if missing {
            continue; // the missing variable is reported
        }
        let settings = Node {
            kind: Kind::Map(settings),
            pos: v.pos.clone(),
        };
        match process::build(&id, class, &settings) {
            Ok(p) => {
                out.insert(id, p);
            }
            Err(e) => {
                let (pos, rule) = match &e {
                    process::BuildError::UnknownClass { .. } => {
                        (&class_node.pos, "config-unknown-class")
                    }
                    process::BuildError::Settings { error, .. } => (&error.pos, "config-invalid"),
                };
                err(diags, pos, rule, e.to_string());
            }
        }
    }
    out
}

fn manager(node: Option<&Node>, diags: &mut Vec<Diagnostic>) -> Manager {
    let mut m = Manager::default();
    let Some(node) = node else { return m };
    let Some(entries) = node.entries() else {
        err(
            diags,
            &node.pos,
            "config-invalid",
            "`manager` must be a mapping",
        );
        return m;
    };
    for (k, v) in entries {
        match k.key_text().as_str() {
            "max_workers" => match v.as_int() {
                Some(n) if n >= 1 => m.max_workers = n.min(256) as usize,
                _ => err(
                    diags,
                    &v.pos,
                    "config-invalid",
                    "`max_workers` must be a positive integer",
                ),
            },
            "validators" => validators(v, &mut m.rules, diags),
            "enable_checksum" => {
                // dnsplan always computes the checksum; nothing to do
            }
            "plan_outputs" => m.plan_outputs = Some(plan_outputs(v, diags)),
            "processors" | "post_processors" => {
                let list = match v.items() {
                    Some(items) => items
                        .iter()
                        .filter_map(|i| match i.as_str() {
                            Some(s) => Some(s.to_string()),
                            None => {
                                err(
                                    diags,
                                    &i.pos,
                                    "config-invalid",
                                    format!(
                                        "`manager.{}` lists processor ids, found {}",
                                        k.key_text(),
                                        i.describe()
                                    ),
                                );
                                None
                            }
                        })
                        .collect(),
                    None if v.is_null() => Vec::new(),
                    None => {
                        err(
                            diags,
                            &v.pos,
                            "config-invalid",
                            format!(
                                "`manager.{}` must be a list of processor ids, found {}",
                                k.key_text(),
                                v.describe()
                            ),
                        );
                        Vec::new()
                    }
                };
                if k.key_text() == "processors" {
                    m.processors = list;
                } else {
                    m.post_processors = list;
                }
            }
            "include_meta" => match v.as_bool() {
                Some(b) => m.include_meta = b,
                None if v.is_null() => {}
                None => err(
                    diags,
                    &v.pos,
                    "config-invalid",
                    format!(
                        "`manager.include_meta` must be true or false, found {}",
                        v.describe()
                    ),
                ),
            },
            "auto_arpa" => match process::arpa::from_node(v) {
                Ok(a) => m.auto_arpa = a,
                Err(e) => err(
                    diags,
                    &e.pos,
                    "config-invalid",
                    format!("Incorrect auto_arpa config: {}", e.detail()),
                ),
            },
            other => warn(
                diags,
                &k.pos,
                "config-unknown-key",
                format!("unknown `manager` key `{other}`; it is ignored"),
            ),
        }
    }
    m
}

/// octoDNS's plan output classes and the options each takes (besides `class`).
const PLAN_OUTPUTS: &[(&str, PlanOutputKind, &[&str])] = &[
    (
        "octodns.provider.plan.PlanLogger",
        PlanOutputKind::Logger,
        &["level"],
    ),
    (
        "octodns.provider.plan.PlanJson",
        PlanOutputKind::Json,
        &["indent", "sort_keys", "output_filename"],
    ),
    (
        "octodns.provider.plan.PlanMarkdown",
        PlanOutputKind::Markdown,
        &["output_filename"],
    ),
    (
        "octodns.provider.plan.PlanHtml",
        PlanOutputKind::Html,
        &["output_filename"],
    ),
];

/// `manager.plan_outputs: {NAME: {class: …, options}}`, checked as octoDNS's
/// `_config_plan_outputs` checks it.
fn plan_outputs(v: &Node, diags: &mut Vec<Diagnostic>) -> Vec<PlanOutput> {
    let Some(entries) = v.entries() else {
        if !v.is_null() {
            err(
                diags,
                &v.pos,
                "config-invalid",
                format!(
                    "`manager.plan_outputs` must be a mapping, found {}",
                    v.describe()
                ),
            );
        }
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, entry) in entries {
        let name_text = name.key_text();
        let Some(class_node) = entry.get("class") else {
            err(
                diags,
                &entry.pos,
                "config-missing-class",
                format!("plan_output {name_text} is missing class"),
            );
            continue;
        };
        let class = class_node.as_str().unwrap_or_default();
        let Some(&(_, kind, options)) = PLAN_OUTPUTS.iter().find(|(c, ..)| *c == class) else {
            let known: Vec<&str> = PLAN_OUTPUTS.iter().map(|(c, ..)| *c).collect();
            let hint = yaml::de::nearest(class, &known)
                .map(|n| format!(" (did you mean {n}?)"))
                .unwrap_or_default();
            err(
                diags,
                &class_node.pos,
                "config-unknown-class",
                format!("Unknown plan_output class: {class}{hint}"),
            );
            continue;
        };
        let mut po = PlanOutput {
            name: name_text.clone(),
            kind,
            level: "info".into(),
            indent: None,
            sort_keys: true,
            output_filename: None,
        };
        let mut ok = true;
        for (opt, val) in entry.entries().unwrap_or_default() {
            let key = opt.key_text();
            if key == "class" {
                continue;
            }
            let bad = |diags: &mut Vec<Diagnostic>, what: &str| {
                err(
                    diags,
                    &val.pos,
                    "config-invalid",
                    format!("Incorrect plan_output config for {name_text}: `{key}` {what}"),
                )
            };
            match key.as_str() {
                k if !options.contains(&k) => {
                    err(
                        diags,
                        &opt.pos,
                        "config-invalid",
                        format!(
                            "Incorrect plan_output config for {name_text}: unknown option \
                             `{key}` (the class takes {})",
                            options.join(", ")
                        ),
                    );
                    ok = false;
                }
                "level" => {
                    let level = val.as_str().unwrap_or_default().to_ascii_lowercase();
                    if ["debug", "info", "warn", "warning", "error"].contains(&level.as_str()) {
                        po.level = level;
                    } else {
                        err(
                            diags,
                            &val.pos,
                            "config-invalid",
                            format!(
                                "Unsupported level: {} (plan_output {name_text})",
                                val.as_str().unwrap_or_default()
                            ),
                        );
                        ok = false;
                    }
                }
                "indent" => match val.as_int() {
                    Some(n) if n >= 0 => po.indent = Some(n as usize),
                    None if val.is_null() => {}
                    _ => {
                        bad(diags, "must be a number of spaces");
                        ok = false;
                    }
                },
                "sort_keys" => match val.as_bool() {
                    Some(b) => po.sort_keys = b,
                    None => {
                        bad(diags, "must be true or false");
                        ok = false;
                    }
                },
                _ => match val.as_str() {
                    Some(f) => po.output_filename = Some(PathBuf::from(f)),
                    None if val.is_null() => {}
                    None => {
                        bad(diags, "must be a file name");
                        ok = false;
                    }
                },
            }
        }
        if ok {
            out.push(po);
        }
    }
    out
}

/// `manager.validators: {enabled: [sets], record: {disable_validators: {TYPE|'*': [ids]}},
/// zone: {disable_validators: [ids]}}`.
fn validators(v: &Node, rules: &mut Rules, diags: &mut Vec<Diagnostic>) {
    if let Some(en) = v.get("enabled") {
        match en.items() {
            None => err(
                diags,
                &en.pos,
                "config-invalid",
                "must be a list of set names, not a string",
            ),
            Some(items) => {
                rules.sets.clear();
                for i in items {
                    match i.as_str().and_then(Set::parse) {
                        Some(s) => {
                            rules.sets.insert(s);
                        }
                        // octoDNS accepts any set name (a custom validator may belong to it);
                        // none of dnsplan's rules does
                        None => warn(
                            diags,
                            &i.pos,
                            "config-validators",
                            format!(
                                "validator set {:?} has no rules in dnsplan (known: legacy, \
                                 strict, best-practice); it enables nothing",
                                i.as_str().unwrap_or("")
                            ),
                        ),
                    }
                }
                if rules.sets.contains(&Set::Strict) && rules.sets.contains(&Set::Legacy) {
                    warn(
                        diags,
                        &en.pos,
                        "config-validators",
                        "`strict` supersedes `legacy`; enable one of the two",
                    );
                }
            }
        }
    }
    // octoDNS: `record.validators` is canonical, `validators` (beside it) the deprecated
    // fallback; the same for `disable_validators`. Both at once is refused.
    let record = v.get("record");
    let pick = |key: &str, diags: &mut Vec<Diagnostic>| -> Option<(Node, &'static str)> {
        let new = record.and_then(|r| r.get(key));
        let old = v.get(key);
        match (new, old) {
            (Some(_), Some(o)) => {
                err(
                    diags,
                    &o.pos,
                    "config-invalid",
                    format!(
                        "manager.validators.record.{key} and manager.validators.{key} cannot both \
                         be set; remove manager.validators.{key} (deprecated)"
                    ),
                );
                None
            }
            (Some(n), None) => Some((n.clone(), "validators.record")),
            (None, Some(o)) => {
                warn(
                    diags,
                    &o.pos,
                    "config-deprecated",
                    format!(
                        "manager.validators.{key} is deprecated, use \
                         manager.validators.record.{key} instead"
                    ),
                );
                Some((o.clone(), "validators"))
            }
            (None, None) => None,
        }
    };
    if let Some((node, at)) = pick("validators", diags) {
        for (t, ids) in node.entries().unwrap_or_default() {
            for i in ids.items().unwrap_or(&[]) {
                let id = i.as_str().unwrap_or_default();
                if crate::validate::RECORD_RULE_IDS.contains(&id) {
                    rules
                        .enabled
                        .entry(t.key_text())
                        .or_default()
                        .insert(id.to_string());
                } else {
                    err(
                        diags,
                        &i.pos,
                        "config-invalid",
                        format!(
                            "Unknown validator \"{id}\" in manager.{at}.validators[\"{}\"]",
                            t.key_text()
                        ),
                    );
                }
            }
        }
    }
    if let Some((node, _)) = pick("disable_validators", diags) {
        for (t, ids) in record_disables(&node, None, diags) {
            rules.disabled.entry(t).or_default().extend(ids);
        }
    }
    if let Some(zone) = v.get("zone") {
        for i in zone.get("validators").and_then(Node::items).unwrap_or(&[]) {
            let id = i.as_str().unwrap_or_default();
            if crate::validate::ZONE_RULE_IDS.contains(&id) {
                rules.zone_enabled.insert(id.to_string());
            } else {
                err(
                    diags,
                    &i.pos,
                    "config-invalid",
                    format!(
                        "Unknown zone validator \"{id}\" in manager.validators.zone.validators"
                    ),
                );
            }
        }
        rules.zone_disabled.extend(zone_disables(zone, None, diags));
    }
}

/// `record.disable_validators: {TYPE|'*': [ids]}`: bridge validators (`_…`) cannot be
/// disabled; an id octoDNS does not know is a warning (octoDNS: "no validator with id …").
/// `zone` names the zone for a zone's own `validators:` section.
fn record_disables(
    node: &Node,
    zone: Option<&str>,
    diags: &mut Vec<Diagnostic>,
) -> HashMap<String, HashSet<String>> {
    let mut out: HashMap<String, HashSet<String>> = HashMap::new();
    for (t, ids) in node.entries().unwrap_or_default() {
        let set = out.entry(t.key_text()).or_default();
        for i in ids.items().unwrap_or(&[]) {
            let unknown = |id: &str| {
                format!(
                    "no validator with id \"{id}\" registered for \"{}\"",
                    t.key_text()
                )
            };
            let known = crate::validate::RECORD_RULE_IDS;
            if let Some(id) = disabled_id(i, "validator", known, unknown, zone, diags) {
                set.insert(id.to_string());
            }
        }
    }
    out
}

/// `zone.disable_validators: [ids]`, with the same checks.
fn zone_disables(
    zone_node: &Node,
    zone: Option<&str>,
    diags: &mut Vec<Diagnostic>,
) -> HashSet<String> {
    let mut out = HashSet::new();
    for i in zone_node
        .get("disable_validators")
        .and_then(Node::items)
        .unwrap_or(&[])
    {
        let unknown = |id: &str| format!("no zone validator with id \"{id}\" active");
        let known = crate::validate::ZONE_RULE_IDS;
        if let Some(id) = disabled_id(i, "zone validator", known, unknown, zone, diags) {
            out.insert(id.to_string());
        }
    }
    out
}

/// One id of a `disable_validators` list, checked as octoDNS checks it: a bridge validator
/// (`_…`) cannot be disabled (an error, None); an id octoDNS does not know is warned about.
fn disabled_id<'a>(
    i: &'a Node,
    kind: &str,
    known: &[&str],
    unknown: impl FnOnce(&str) -> String,
    zone: Option<&str>,
    diags: &mut Vec<Diagnostic>,
) -> Option<&'a str> {
    let id = i.as_str()?;
    if id.starts_with('_') {
        let tail = zone.map(|z| format!(" in zone {z}")).unwrap_or_default();
        err(
            diags,
            &i.pos,
            "config-invalid",
            format!("Cannot disable bridge {kind} \"{id}\"{tail}"),
        );
        return None;
    }
    if !known.contains(&id) {
        warn(diags, &i.pos, "config-validators", unknown(id));
    }
    Some(id)
}

/// A zone's own `validators:` section: it can only disable (octoDNS's
/// `Zone._parse_validators_config`).
fn zone_disabled_rules(v: &Node, zone: &str, diags: &mut Vec<Diagnostic>) -> DisabledRules {
    let record = v
        .get("record")
        .and_then(|r| r.get("disable_validators"))
        .map(|n| record_disables(n, Some(zone), diags))
        .unwrap_or_default();
    let zone_set = v
        .get("zone")
        .map(|z| zone_disables(z, Some(zone), diags))
        .unwrap_or_default();
    DisabledRules {
        record,
        zone: zone_set,
    }
}

/// The class of a provider entry, checked against the registry.
fn provider_class(
    id: &str,
    v: &Node,
    classes: &dyn Classes,
) -> Result<(String, ClassInfo), ConfigError> {
    if v.entries().is_none() {
        return Err(ConfigError::NotAMapping {
            id: id.to_string(),
            found: v.describe(),
            pos: v.pos.clone(),
        });
    }
    let Some(class_node) = v.get("class") else {
        return Err(ConfigError::MissingClass {
            id: id.to_string(),
            pos: v.pos.clone(),
        });
    };
    let class = class_node.as_str().unwrap_or("").to_string();
    match classes.find(&class) {
        Some(info) => Ok((class, info)),
        None => {
            let known = classes.names();
            let hint = yaml::de::nearest(&class, &known)
                .map(|n| format!("; did you mean {n}?"))
                .unwrap_or_default();
            Err(ConfigError::UnknownClass {
                id: id.to_string(),
                class,
                hint,
                known: known.join(", "),
                pos: class_node.pos.clone(),
            })
        }
    }
}

fn provider(
    id: &str,
    v: &Node,
    classes: &dyn Classes,
    diags: &mut Vec<Diagnostic>,
) -> Option<ProviderConfig> {
    let (class, info) = match provider_class(id, v, classes) {
        Ok(x) => x,
        Err(e) => {
            diags.push(e.into());
            return None;
        }
    };
    let entries = v.entries().unwrap_or_default();
    let mut settings = Vec::new();
    let mut secret_keys = BTreeSet::new();
    let mut common = Common::default();
    let mut missing_env = false;
    for (k, val) in entries {
        let key = k.key_text();
        if key == "class" {
            continue;
        }
        let (resolved, secret) = match secrets::resolve(val, diags) {
            Some(x) => x,
            None => {
                missing_env = true;
                continue;
            }
        };
        if secret {
            secret_keys.insert(key.clone());
        }
        let value = resolved.to_json();
        let num = |v: &J| {
            v.as_f64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        };
        match key.as_str() {
            "update_pcent_threshold" | "delete_pcent_threshold" => match num(&value) {
                Some(f) if (0.0..=1.0).contains(&f) => {
                    if key.starts_with("update") {
                        common.update_pcent_threshold = f;
                    } else {
                        common.delete_pcent_threshold = f;
                    }
                }
                _ => err(
                    diags,
                    &val.pos,
                    "config-invalid",
                    format!("`{key}` must be a fraction between 0 and 1 (0.3 = 30%)"),
                ),
            },
            "strict_supports" => common.strict_supports = value.as_bool().unwrap_or(true),
            "apply_disabled" => common.apply_disabled = value.as_bool().unwrap_or(false),
            "root_ns_warnings" => common.root_ns_warnings = value.as_bool().unwrap_or(true),
            "max_deletes" => match value.as_u64() {
                Some(n) => common.max_deletes = Some(n as usize),
                None => err(
                    diags,
                    &val.pos,
                    "config-invalid",
                    "`max_deletes` must be a non-negative integer",
                ),
            },
            "confirm_types" => match value.as_array() {
                Some(a) => {
                    common.confirm_types = a
                        .iter()
                        .filter_map(|x| x.as_str().map(|s| s.to_ascii_uppercase()))
                        .collect()
                }
                None => err(
                    diags,
                    &val.pos,
                    "config-invalid",
                    "`confirm_types` must be a list of record types, e.g. [MX, NS, SOA]",
                ),
            },
            "ignore" => common.partial.ignore = ignore_rules(&resolved, diags),
            "never_delete" => match resolved.as_bool() {
                Some(b) => common.partial.never_delete = b,
                None => err(
                    diags,
                    &val.pos,
                    "config-invalid",
                    "`never_delete` must be true or false",
                ),
            },
            _ => settings.push((k.clone(), resolved)),
        }
    }
    Some(ProviderConfig {
        id: id.to_string(),
        class,
        files: info.files,
        common,
        settings: Node {
            kind: Kind::Map(settings),
            pos: v.pos.clone(),
        },
        secret_keys,
        missing_env,
        pos: v.pos.clone(),
    })
}

/// `ignore:` rules: a list of `{name, type, value}` mappings (each part optional, not all
/// absent), or of strings (a name glob).
fn ignore_rules(v: &Node, diags: &mut Vec<Diagnostic>) -> Vec<IgnoreRule> {
    let Some(items) = v.items() else {
        err(
            diags,
            &v.pos,
            "config-invalid",
            format!(
                "`ignore` must be a list of rules ({{name: GLOB, type: TYPE or [TYPES], value: \
                 GLOB}}), found {}",
                v.describe()
            ),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        if let Some(name) = item.as_str() {
            out.push(IgnoreRule {
                name: Some(IgnoreRule::name_glob(name)),
                types: Vec::new(),
                value: None,
                pos: item.pos.clone(),
            });
            continue;
        }
        let Some(entries) = item.entries() else {
            err(
                diags,
                &item.pos,
                "config-invalid",
                format!(
                    "an `ignore` rule must be a mapping or a name glob, found {}",
                    item.describe()
                ),
            );
            continue;
        };
        let mut rule = IgnoreRule {
            name: None,
            types: Vec::new(),
            value: None,
            pos: item.pos.clone(),
        };
        let mut ok = true;
        for (k, val) in entries {
            match k.key_text().as_str() {
                "name" => rule.name = val.as_str().map(IgnoreRule::name_glob),
                "value" => rule.value = val.as_str().map(str::to_string),
                "type" => {
                    let names = str_list(Some(val)).unwrap_or_default();
                    for t in names {
                        match RecordType::parse(&t)
                            .or_else(|| RecordType::parse(&t.to_ascii_uppercase()))
                        {
                            Some(rt) => rule.types.push(rt),
                            None => {
                                err(
                                    diags,
                                    &val.pos,
                                    "config-invalid",
                                    format!("`ignore` rule: unknown record type {t:?}"),
                                );
                                ok = false;
                            }
                        }
                    }
                }
                other => {
                    err(
                        diags,
                        &k.pos,
                        "config-invalid",
                        format!("`ignore` rule: unknown key `{other}` (known: name, type, value)"),
                    );
                    ok = false;
                }
            }
        }
        if rule.name.is_none() && rule.types.is_empty() && rule.value.is_none() && ok {
            // it would match every record
            err(
                diags,
                &item.pos,
                "config-invalid",
                "an `ignore` rule needs at least one of name, type, value (an empty rule would \
                 ignore every record)",
            );
            continue;
        }
        if ok {
            out.push(rule);
        }
    }
    out
}

fn str_list(n: Option<&Node>) -> Option<Vec<String>> {
    let n = n?;
    match n.items() {
        Some(items) => Some(
            items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
        ),
        None => n.as_str().map(|s| vec![s.to_string()]),
    }
}

fn zone(
    key: &str,
    pos: &Pos,
    v: &Node,
    providers: &BTreeMap<String, ProviderConfig>,
    diags: &mut Vec<Diagnostic>,
) -> Option<ZoneConfig> {
    let name = match parse_zone_name(key) {
        Ok(n) => n,
        Err(e) => {
            err(
                diags,
                pos,
                "config-zone-name",
                format!("Invalid zone name {key:?}, {e}"),
            );
            return None;
        }
    };
    zone_body(name, pos, v, providers, diags)
}

fn zone_body(
    name: String,
    pos: &Pos,
    v: &Node,
    providers: &BTreeMap<String, ProviderConfig>,
    diags: &mut Vec<Diagnostic>,
) -> Option<ZoneConfig> {
    if v.entries().is_none() {
        err(
            diags,
            &v.pos,
            "config-invalid",
            format!("Zone {name} must be a mapping, found {}", v.describe()),
        );
        return None;
    }
    let alias = v
        .get("alias")
        .and_then(Node::as_str)
        .map(|a| idna_encode(a).unwrap_or_else(|_| a.to_string()));
    let mut zc = ZoneConfig {
        name: name.clone(),
        sources: str_list(v.get("sources")).unwrap_or_default(),
        targets: str_list(v.get("targets")).unwrap_or_default(),
        lenient: v.get("lenient").and_then(Node::as_bool).unwrap_or(false),
        alias,
        update_pcent_threshold: v.get("update_pcent_threshold").and_then(Node::as_f64),
        delete_pcent_threshold: v.get("delete_pcent_threshold").and_then(Node::as_f64),
        max_deletes: v
            .get("max_deletes")
            .and_then(Node::as_int)
            .map(|n| n.max(0) as usize),
        always_dry_run: v
            .get("always-dry-run")
            .and_then(Node::as_bool)
            .unwrap_or(false),
        ignore_subzone_adds: v
            .get("ignore_subzone_adds")
            .and_then(Node::as_bool)
            .unwrap_or(false),
        disabled: None,
        processors: Vec::new(),
        partial: None,
        pos: pos.clone(),
    };
    let mut partial = Partial::default();
    if let Some(i) = v.get("ignore") {
        partial.ignore = ignore_rules(i, diags);
    }
    if let Some(n) = v.get("never_delete") {
        match n.as_bool() {
            Some(b) => partial.never_delete = b,
            None => err(
                diags,
                &n.pos,
                "config-invalid",
                format!("Zone {name}: `never_delete` must be true or false"),
            ),
        }
    }
    if !partial.is_empty() {
        zc.partial = Some(Box::new(partial));
    }
    if let Some(val) = v.get("validators") {
        zc.disabled = Some(Box::new(zone_disabled_rules(
            val,
            &crate::model::idna_decode(&zc.name),
            diags,
        )));
    }
    if let Some(p) = v.get("processors") {
        match p.items() {
            Some(items) => {
                zc.processors = items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect()
            }
            None if p.is_null() => {}
            None => err(
                diags,
                &p.pos,
                "config-invalid",
                format!(
                    "Zone {name}: `processors` must be a list of processor ids, found {}",
                    p.describe()
                ),
            ),
        }
    }
    if zc.alias.is_some() {
        return Some(zc);
    }
    if v.get("sources").is_none() {
        err(
            diags,
            &v.pos,
            "config-invalid",
            format!("Zone {name} is missing sources"),
        );
    }
    if v.get("targets").is_none() {
        err(
            diags,
            &v.pos,
            "config-invalid",
            format!("Zone {name} is missing targets"),
        );
    }
    for (what, list, node) in [
        ("source", &zc.sources, v.get("sources")),
        ("target", &zc.targets, v.get("targets")),
    ] {
        for s in list {
            // `auto-arpa` is a source when `manager.auto_arpa` is on (checked by `load`)
            let arpa_source = what == "source" && s == process::arpa::ID;
            if !providers.contains_key(s) && !arpa_source {
                let p = node.map(|n| n.pos.clone()).unwrap_or_else(|| pos.clone());
                err(
                    diags,
                    &p,
                    "config-unknown-provider",
                    format!("Zone {name}, unknown {what}: {s}"),
                );
            }
        }
    }
    Some(zc)
}

fn expand_template(
    key: &str,
    pos: &Pos,
    v: &Node,
    providers: &BTreeMap<String, ProviderConfig>,
    zones: &mut BTreeMap<String, ZoneConfig>,
    config_path: &Path,
    diags: &mut Vec<Diagnostic>,
) {
    let glob = v.get("glob").and_then(Node::as_str);
    let regex = match v.get("regex").and_then(Node::as_str) {
        Some(r) => match regex_lite::Regex::new(r) {
            Ok(re) => Some(re),
            Err(e) => {
                err(
                    diags,
                    &v.get("regex").map(|n| n.pos.clone()).unwrap_or(pos.clone()),
                    "config-invalid",
                    format!("invalid regex in zone template {key}: {e}"),
                );
                return;
            }
        },
        None => None,
    };
    let sources = str_list(v.get("sources")).unwrap_or_default();
    let mut listed = BTreeSet::new();
    for s in &sources {
        let Some(p) = providers.get(s) else {
            err(
                diags,
                pos,
                "config-unknown-provider",
                format!("Zone {key}, unknown source: {s}"),
            );
            continue;
        };
        match yaml_zones::list_zones(p, config_path) {
            Ok(found) => {
                listed.extend(found.zones);
                for why in found.refused {
                    err(
                        diags,
                        pos,
                        "config-zone-name",
                        format!("dynamic zone={key}: source {s} lists {why}"),
                    );
                }
            }
            Err(msg) => err(
                diags,
                pos,
                "config-template",
                format!("dynamic zone={key} includes a source, {s}, that {msg}"),
            ),
        }
    }
    for name in listed {
        if zones.contains_key(&name) {
            continue;
        }
        if let Some(g) = glob
            && !glob_match(g, &name)
        {
            continue;
        }
        if let Some(re) = &regex
            && !re.is_match(&name)
        {
            continue;
        }
        if let Some(zc) = zone_body(name.clone(), pos, v, providers, diags) {
            zones.insert(name, zc);
        }
    }
}

pub use crate::model::name::glob_match;

/// The desired state of one zone as its YAML sources define it, validated. Sources of other
/// kinds are not read here (the plan engine reads them through their providers); their ids
/// are returned so the caller can.
pub struct Desired {
    pub zone: crate::model::Zone,
    pub diagnostics: Vec<Diagnostic>,
    /// Sources this function did not read (not YAML).
    pub other_sources: Vec<String>,
}

/// Load and validate the YAML sources of `zc`, in order.
pub fn load_desired(cfg: &Config, zc: &ZoneConfig) -> Desired {
    load_desired_with(cfg, zc, &BTreeMap::new())
}

/// `load_desired`, with the zones other sources hold already read (by source id; `None`: the
/// source does not have the zone, which adds nothing, as in octoDNS). They are merged in the
/// order of `sources`, before the processors and the zone's checks; a record two sources
/// both define is an error, as octoDNS's `DuplicateRecordException`.
pub fn load_desired_with(
    cfg: &Config,
    zc: &ZoneConfig,
    read: &BTreeMap<String, Option<crate::model::Zone>>,
) -> Desired {
    let mut zone = crate::model::Zone::new(zc.name.clone());
    let mut diags = Vec::new();
    let mut other = Vec::new();
    let rules = match &zc.disabled {
        Some(d) => cfg.manager.rules.with_disabled(&d.record, &d.zone),
        None => cfg.manager.rules.clone(),
    };
    for sid in &zc.sources {
        if sid == process::arpa::ID {
            let replace = cfg
                .manager
                .auto_arpa
                .as_ref()
                .is_some_and(|a| a.settings.populate_should_replace);
            for mut ptr in cfg.auto_arpa_ptrs(zc) {
                if !replace && let Some(held) = zone.get(&ptr.name, &ptr.rtype) {
                    diags.push(
                        Diagnostic::error(
                            held.pos.clone(),
                            "duplicate-record",
                            format!(
                                "Duplicate record {}, type PTR: {} generates it too (set \
                                 manager.auto_arpa.populate_should_replace to let it replace \
                                 this one)",
                                idna_decode(&ptr.fqdn(&zc.name)),
                                process::arpa::ID
                            ),
                        )
                        .with_subject(zc.name.clone()),
                    );
                    continue;
                }
                ptr.source = Some(Arc::from(process::arpa::ID));
                ptr.pos = zc.pos.clone();
                zone.insert(ptr);
            }
            continue;
        }
        let Some(p) = cfg.providers.get(sid) else {
            continue; // reported by the config loader
        };
        if p.files != Some(FileFormat::Yaml) {
            match read.get(sid) {
                Some(held) => {
                    for mut r in held.iter().flat_map(|z| z.records.values().cloned()) {
                        if let Some(first) = zone.get(&r.name, &r.rtype) {
                            diags.push(
                                Diagnostic::error(
                                    r.pos.clone(),
                                    "duplicate-record",
                                    format!(
                                        "Duplicate record {}, type {}: source {sid} has it, and so does {} at {}:{}",
                                        idna_decode(&r.fqdn(&zc.name)),
                                        r.rtype.as_str(),
                                        first.source.as_deref().unwrap_or("an earlier source"),
                                        first.pos.file,
                                        first.pos.line
                                    ),
                                )
                                .with_subject(zc.name.clone()),
                            );
                            continue;
                        }
                        // octoDNS's sources build every record with `Record.new`, which
                        // validates it, and add it with `Zone.add_record`, which checks it
                        // against the sub-zones
                        check_built(&rules, zc, &r, &mut diags);
                        if !cfg.admits_in_zone(
                            &zc.name,
                            &r.name,
                            &r.rtype,
                            &r.pos,
                            (zc.lenient || r.settings.lenient, zc.ignore_subzone_adds),
                            &mut diags,
                        ) {
                            continue;
                        }
                        r.source = Some(Arc::from(sid.as_str()));
                        r.provider_data = None;
                        zone.insert(r);
                    }
                }
                None => other.push(sid.clone()),
            }
            if let Some(None) = read.get(sid) {
                diags.push(missing_source_zone(sid, p, zc));
            }
            continue;
        }
        let s = match yaml_zones::YamlSettings::from_config(p) {
            Ok(s) => s,
            Err(e) => {
                diags.push(settings_diagnostic(sid, &e));
                continue;
            }
        };
        let ctx = yaml_zones::LoadCtx {
            rules: &rules,
            lenient: zc.lenient,
            validate: true,
            config: Some(cfg),
            ignore_subzone_adds: zc.ignore_subzone_adds,
            source: Arc::from(sid.as_str()),
        };
        let found = yaml_zones::load_zone(&s, &mut zone, &ctx, &mut diags, &p.pos);
        if !found && !s.ignore_missing_zones {
            diags.push(
                Diagnostic::error(
                    zc.pos.clone(),
                    "zone-missing",
                    format!(
                        "no YAMLs found for {} in {} (source {sid}); create {}{}yaml or set ignore_missing_zones",
                        crate::model::idna_decode(&zc.name),
                        s.directory.display(),
                        s.directory.join("").display(),
                        crate::model::idna_decode(&zc.name),
                    ),
                )
                .with_subject(zc.name.clone()),
            );
        }
    }
    // processors see the zone as the sources made it, before the zone's checks (octoDNS's
    // process_source_zone, then Zone.validate)
    let chain = cfg.chain(zc);
    if !chain.is_empty() {
        let mut ctx = process::SourceCtx {
            sources: &zc.sources,
            lenient: zc.lenient,
            warnings: Vec::new(),
            txt: cfg.txt_lookup.as_deref(),
        };
        if let Err(e) = chain.source_zone(&mut zone, &mut ctx) {
            diags.push(
                Diagnostic::error(
                    e.pos.clone().unwrap_or_else(|| zc.pos.clone()),
                    "processor",
                    format!("zone {}: {e}", idna_decode(&zc.name)),
                )
                .with_subject(zc.name.clone()),
            );
        }
        for w in ctx.warnings {
            diags.push(
                Diagnostic::warning(zc.pos.clone(), "processor", w).with_subject(zc.name.clone()),
            );
        }
    }
    // a desired record an `ignore:` rule matches would be both managed and left alone
    // (DNSControl refuses it too)
    for (target, rule) in cfg.ignore_rules_of(zc) {
        for r in zone.iter().filter(|r| rule.matches(r)) {
            let whose = match target {
                Some(t) => format!("provider {t}'s"),
                None => "the zone's".to_string(),
            };
            diags.push(
                Diagnostic::error(
                    r.pos.clone(),
                    "ignore-conflict",
                    format!(
                        "{} {} is in git but matches {whose} ignore rule ({}) at {}:{}: a record \
                         cannot be both managed and ignored; remove it from git or narrow the rule",
                        idna_decode(&r.fqdn(&zc.name)),
                        r.rtype.as_str(),
                        rule.describe(),
                        rule.pos.file,
                        rule.pos.line
                    ),
                )
                .with_subject(zc.name.clone()),
            );
        }
    }
    // the zone's rules need all of it: with a source unread they would report what is not so
    // (`validate` says which sources it did not read)
    if other.is_empty() {
        let subs = cfg.sub_zones_of(&zc.name);
        let reasons = crate::validate::check_zone(&zone, &rules, &subs);
        diags.extend(crate::validate::zone_diagnostics(
            &zone, reasons, zc.lenient,
        ));
    }
    Desired {
        zone,
        diagnostics: diags,
        other_sources: other,
    }
}

/// A source that was read and does not hold the zone. A zone file that is not there is an
/// error, as octodns-bind's `ZoneFileSourceNotFound` (a misspelt file name would otherwise
/// plan the deletion of every record); a live provider without the zone adds nothing, as in
/// octoDNS, and is said so.
fn missing_source_zone(sid: &str, p: &ProviderConfig, zc: &ZoneConfig) -> Diagnostic {
    let zone = idna_decode(&zc.name);
    let d = if p.files == Some(FileFormat::ZoneFile) {
        // shown as diagnostics show files, without a leading `./`
        let dir = p.str("directory").unwrap_or(".").trim_start_matches("./");
        let ext = p.str("file_extension").unwrap_or(".");
        Diagnostic::error(
            zc.pos.clone(),
            "zone-missing",
            format!(
                "no zone file for {zone} (source {sid}): {} does not exist; create it, or \
                 check `directory` and `file_extension`",
                Path::new(dir)
                    .join(format!(
                        "{}{ext}",
                        crate::model::zone_file_stem(zc.name.trim_end_matches('.'))
                    ))
                    .display()
            ),
        )
    } else {
        Diagnostic::warning(
            zc.pos.clone(),
            "zone-missing",
            format!("source {sid} does not have the zone {zone}: it adds no records"),
        )
    };
    d.with_subject(zc.name.clone())
}

/// The record rules on a record a processor rewrote (octoDNS validates the copy a processor
/// makes, `Record.copy` → `Record.new`): its problems, errors unless the zone or the record is
/// lenient.
pub fn recheck(cfg: &Config, zc: &ZoneConfig, r: &crate::model::RecordSet) -> Vec<Diagnostic> {
    let rules = match &zc.disabled {
        Some(d) => cfg.manager.rules.with_disabled(&d.record, &d.zone),
        None => cfg.manager.rules.clone(),
    };
    let mut out = Vec::new();
    check_built(&rules, zc, r, &mut out);
    out
}

/// The record rules on a record that was not read from a YAML node (a zone file's, another
/// provider's, a processor's copy), as octoDNS runs them on the data its `Record.new` gets:
/// the record's data shape, each value at the line it was read from when the source kept it,
/// everything else at the record's position.
fn check_built(
    rules: &crate::validate::Rules,
    zc: &ZoneConfig,
    r: &crate::model::RecordSet,
    out: &mut Vec<Diagnostic>,
) {
    use crate::yaml::{Kind, Node};
    let mut node = Node::from_json(&r.to_data(), &r.pos);
    // values a source placed line by line move to their lines (`to_data` writes one value as
    // `value`, several as `values`, in `r.values`' order)
    if !r.value_pos.is_empty()
        && let Kind::Map(entries) = &mut node.kind
    {
        for (k, v) in entries {
            let nodes: Vec<&mut Node> = match (k.key_str(), &mut v.kind) {
                ("value", _) => vec![v],
                ("values", Kind::Seq(items)) => items.iter_mut().collect(),
                _ => continue,
            };
            for (n, value) in nodes.into_iter().zip(&r.values) {
                *n = Node::from_json(&value.to_data(), r.value_pos(value));
            }
        }
    }
    let fqdn = r.fqdn(&zc.name);
    let raw_name = idna_decode(&r.name);
    let rctx = crate::validate::RecordCtx {
        zone: &zc.name,
        raw_name: &raw_name,
        name: &r.name,
        fqdn: &fqdn,
        rtype: &r.rtype,
        node: &node,
        pos: &r.pos,
        rules,
    };
    let mut reasons = crate::validate::Reasons::default();
    crate::validate::check_record(&rctx, &mut reasons);
    crate::validate::record_diagnostics(
        &idna_decode(&fqdn),
        r.rtype.as_str(),
        reasons,
        zc.lenient || r.settings.lenient,
        out,
    );
}

#[cfg(test)]
mod tests;
