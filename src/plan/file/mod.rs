//! The plan file (docs/plan-json.md): `{version, checksum, plans, dnsplan?}`. Its types, its
//! one writer, its one reader, the merge of shards' files, and the rebuild of a `Plan` from
//! the file. `plan --format json`, `apply --checksum`, `dnsplan github` and its
//! `merge-plans` all go through here; nothing else writes or parses this JSON.
//!
//! The checksum is the SHA-256 of the compact JSON of `plans` with every object's keys sorted.
//! The types below declare their fields in that (sorted) order, because serde writes fields in
//! the order they are declared: the bytes are what they were when the JSON was built by hand,
//! so files written by earlier versions and checksums already reviewed keep verifying
//! (`tests::plan_files_keep_their_bytes_and_checksum` pins them).
//!
//! Reading is strict: the version must be 1, the checksum must match the plans, and an unknown
//! field anywhere is an error (a field this version does not know could change what the plan
//! means, and it would not be carried into the checksum this version computes). Malformed JSON
//! is reported at its file, line and column.
//!
//! Rule: `plan::file` uses `plan`, `model` and `yaml` (a record is rebuilt from its octoDNS
//! data through the YAML loader, as the zone files are read). It is the one part of `plan`
//! that touches files: reading one plan file or a directory of them.

#[cfg(test)]
pub(crate) mod sample;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value as J;
use sha2::{Digest, Sha256};

use super::safety::{Refused, ZoneTarget};
use super::{Change, Op, Plan, Summary, ZonePlan};
use crate::model::{RecordSet, RecordType, idna_decode, idna_encode};

/// The one version of the format this dnsplan writes and reads.
pub const VERSION: u64 = 1;

/// A plan file as written and read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    pub checksum: String,
    /// What `dnsplan github` adds for its reports; absent in `plan --format json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnsplan: Option<RunNotes>,
    pub plans: Vec<ZonePlanDoc>,
    pub version: u64,
}

/// The `dnsplan` section: what the Action's reports show besides the plan. Not covered by the
/// checksum (a reviewer approves the changes, not the notes about them).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunNotes {
    /// The config file the plan was made from (as the Action names it).
    #[serde(default)]
    pub config: String,
    /// The zone × target pairs that are plan-only (each `[zone, target]`).
    #[serde(default)]
    pub dry_run: Vec<ZoneTarget>,
    /// The shard files a merged file was made of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_from: Option<Vec<String>>,
    /// The rails' refusals as messages (what files of earlier versions hold).
    #[serde(default)]
    pub refusals: Vec<String>,
    /// The rails' refusals, structured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<Vec<Refused>>,
    /// `K/N` for a shard's file; null otherwise.
    #[serde(default)]
    pub shard: Option<String>,
    /// Capability warnings: (zone, target, message).
    #[serde(default)]
    pub warnings: Vec<(String, String, String)>,
}

/// One zone × target plan in the file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZonePlanDoc {
    pub changes: Vec<ChangeDoc>,
    pub exists: bool,
    /// Records an `ignore:` rule leaves alone on the target (absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<HeldDoc>,
    pub summary: Summary,
    pub target: String,
    /// Records not in git kept by `never_delete` (absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmanaged: Vec<HeldDoc>,
    pub zone: String,
}

/// A record the plan leaves alone on the target, in octoDNS's data shape.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeldDoc {
    pub existing: J,
    /// Relative to the zone (`""` is the apex), UTF-8 decoded.
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
}

fn held_doc(r: &RecordSet) -> HeldDoc {
    HeldDoc {
        existing: r.to_data(),
        name: idna_decode(&r.name),
        rtype: r.rtype.as_str().to_string(),
    }
}

/// One change in the file: the records in octoDNS's data shape, null for the side that does
/// not exist.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeDoc {
    pub desired: Option<J>,
    pub existing: Option<J>,
    /// Relative to the zone (`""` is the apex), UTF-8 decoded.
    pub name: String,
    pub op: Op,
    #[serde(rename = "type")]
    pub rtype: String,
}

/// Why a plan file cannot be read, written or merged.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {message}")]
    Json {
        path: String,
        line: usize,
        column: usize,
        message: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{path}: not a plan file (no `plans`)")]
    NotAPlanFile { path: String },
    #[error("{path}: unknown plan version {found} (this dnsplan reads version {VERSION})")]
    Version { path: String, found: String },
    #[error("{path}: its checksum does not match its plans (edited or truncated?)")]
    Checksum { path: String },
    #[error("{path}: {zone} on {target}: record {name:?}: {why}")]
    Record {
        path: String,
        zone: String,
        target: String,
        name: String,
        why: &'static str,
    },
    #[error(
        "{path}: {zone} on {target} is in more than one plan file (also in {other}; overlapping shards?)"
    )]
    Overlap {
        path: String,
        other: String,
        zone: String,
        target: String,
    },
    #[error("no plan files (*.json with `plans`) in {dir}")]
    NoPlanFiles { dir: String },
    #[error(
        "the merged plans do not read back identically (a record shape this version cannot rebuild); report it, and plan without shards meanwhile"
    )]
    NotIdentical,
}

impl From<&ZonePlan> for ZonePlanDoc {
    fn from(p: &ZonePlan) -> Self {
        ZonePlanDoc {
            changes: p
                .changes
                .iter()
                .map(|c| ChangeDoc {
                    desired: c.desired.as_ref().map(RecordSet::to_data),
                    existing: c.existing.as_ref().map(RecordSet::to_data),
                    name: idna_decode(&c.name),
                    op: c.op,
                    rtype: c.rtype.as_str().to_string(),
                })
                .collect(),
            exists: p.exists,
            ignored: p.ignored.iter().map(held_doc).collect(),
            summary: p.summary(),
            target: p.target.clone(),
            unmanaged: p.unmanaged.iter().map(held_doc).collect(),
            zone: p.zone.clone(),
        }
    }
}

/// A plan's zone plans as the file's `plans` array, converted one at a time while written (so
/// memory stays proportional to the largest zone, not the whole run).
struct Streamed<'a>(&'a [ZonePlan]);

impl Serialize for Streamed<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(ZonePlanDoc::from))
    }
}

/// The document as written, whatever holds the plans.
#[derive(Serialize)]
struct Document<'a, P: Serialize> {
    checksum: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    dnsplan: Option<&'a RunNotes>,
    plans: P,
    version: u64,
}

/// The one writer: pretty-printed JSON (two-space indent) and a final newline.
fn write_document(
    w: &mut impl Write,
    checksum: &str,
    notes: Option<&RunNotes>,
    plans: impl Serialize,
) -> std::io::Result<()> {
    let doc = Document {
        checksum,
        dnsplan: notes,
        plans,
        version: VERSION,
    };
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")
}

/// SHA-256 (hex) of the compact JSON text of a `plans` array.
fn sha256_of(plans: impl Serialize) -> String {
    struct Hasher(Sha256);
    impl Write for Hasher {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.update(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut h = Hasher(Sha256::new());
    serde_json::to_writer(&mut h, &plans).expect("hashing cannot fail");
    h.0.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The checksum of a plan: what `apply --checksum` compares.
pub fn checksum(plan: &Plan) -> String {
    sha256_of(Streamed(&plan.plans))
}

/// The checksum of a file's `plans`.
pub fn checksum_of(plans: &[ZonePlanDoc]) -> String {
    sha256_of(plans)
}

/// Write the plan file of `plan` (`plan --format json`: no notes), zone plan by zone plan.
pub fn write(plan: &Plan, notes: Option<&RunNotes>, w: &mut impl Write) -> std::io::Result<()> {
    write_document(w, &checksum(plan), notes, Streamed(&plan.plans))
}

impl RunNotes {
    /// The notes of one run: its refusals, plan-only pairs and the plan's warnings.
    pub fn of_run(
        plan: &Plan,
        config: &str,
        shard: Option<(u32, u32)>,
        refused: &[Refused],
        dry_run: &[ZoneTarget],
    ) -> RunNotes {
        RunNotes {
            config: config.to_string(),
            dry_run: dry_run.to_vec(),
            merged_from: None,
            refusals: refused.iter().map(|r| r.message.clone()).collect(),
            refused: Some(refused.to_vec()),
            shard: shard.map(|(k, n)| format!("{k}/{n}")),
            warnings: plan
                .plans
                .iter()
                .flat_map(|p| {
                    p.warnings
                        .iter()
                        .map(|w| (p.zone.clone(), p.target.clone(), w.clone()))
                })
                .collect(),
        }
    }

    /// The refusals: `refused` when the file has it, else the bare messages of `refusals`
    /// (zone, target and rail unknown).
    pub fn refusals(&self) -> Vec<Refused> {
        match &self.refused {
            Some(r) => r.clone(),
            None => self
                .refusals
                .iter()
                .map(|m| Refused {
                    message: m.clone(),
                    rail: String::new(),
                    target: String::new(),
                    zone: String::new(),
                })
                .collect(),
        }
    }
}

/// What a reader learns about a JSON file before reading it as a plan file.
#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    plans: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    version: Option<J>,
}

fn json_error(path: &str, e: serde_json::Error) -> Error {
    let at = format!(" at line {} column {}", e.line(), e.column());
    let text = e.to_string();
    Error::Json {
        path: path.to_string(),
        line: e.line(),
        column: e.column(),
        message: text.strip_suffix(&at).unwrap_or(&text).to_string(),
        source: e,
    }
}

impl PlanFile {
    /// The file of `plan` with `notes`: its zone plans converted once, the checksum computed
    /// from them.
    pub fn new(plan: &Plan, notes: Option<RunNotes>) -> PlanFile {
        let plans: Vec<ZonePlanDoc> = plan.plans.iter().map(ZonePlanDoc::from).collect();
        PlanFile {
            checksum: checksum_of(&plans),
            dnsplan: notes,
            plans,
            version: VERSION,
        }
    }

    /// Write it (the same bytes `write` writes for the same plan and notes).
    pub fn write(&self, w: &mut impl Write) -> std::io::Result<()> {
        write_document(w, &self.checksum, self.dnsplan.as_ref(), &self.plans)
    }

    /// Read a plan file's text; `path` names it in errors. The version is checked and the
    /// checksum verified.
    pub fn parse(text: &str, path: &str) -> Result<PlanFile, Error> {
        Self::parse_probed(text, path)?.ok_or_else(|| Error::NotAPlanFile {
            path: path.to_string(),
        })
    }

    /// `parse`, or None when the JSON has no `plans` (another JSON file).
    fn parse_probed(text: &str, path: &str) -> Result<Option<PlanFile>, Error> {
        let probe: Probe = serde_json::from_str(text).map_err(|e| json_error(path, e))?;
        if probe.plans.is_none() {
            return Ok(None);
        }
        if probe.version.as_ref().and_then(J::as_u64) != Some(VERSION) {
            return Err(Error::Version {
                path: path.to_string(),
                found: probe
                    .version
                    .map_or_else(|| "(none)".to_string(), |v| v.to_string()),
            });
        }
        let file: PlanFile = serde_json::from_str(text).map_err(|e| json_error(path, e))?;
        if checksum_of(&file.plans) != file.checksum {
            return Err(Error::Checksum {
                path: path.to_string(),
            });
        }
        Ok(Some(file))
    }

    /// Read and verify the plan file at `path`.
    pub fn read(path: &Path) -> Result<PlanFile, Error> {
        let (text, shown) = read_text(path)?;
        Self::parse(&text, &shown)
    }

    /// The `Plan` the file holds (warnings from the notes); `path` names the file in errors.
    /// Records are rebuilt from their octoDNS data as the zone files are read.
    pub fn to_plan(&self, path: &str) -> Result<Plan, Error> {
        // grouped once: a scan per zone plan would be quadratic on a large estate
        let mut warnings: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
        for (z, t, m) in self.dnsplan.iter().flat_map(|n| &n.warnings) {
            warnings.entry((z, t)).or_default().push(m.clone());
        }
        let mut out = Plan::default();
        for p in &self.plans {
            let mut zp = p.to_zone_plan(path)?;
            zp.warnings = warnings
                .remove(&(p.zone.as_str(), p.target.as_str()))
                .unwrap_or_default();
            out.plans.push(zp);
        }
        out.sort();
        Ok(out)
    }
}

impl ZonePlanDoc {
    /// The zone plan (without warnings: they live in the notes).
    fn to_zone_plan(&self, path: &str) -> Result<ZonePlan, Error> {
        let fail = |name: &str, why: &'static str| Error::Record {
            path: path.to_string(),
            zone: self.zone.clone(),
            target: self.target.clone(),
            name: name.to_string(),
            why,
        };
        let mut changes = Vec::with_capacity(self.changes.len());
        for c in &self.changes {
            let name = if c.name.is_empty() {
                String::new()
            } else {
                idna_encode(&c.name).unwrap_or_else(|_| c.name.to_lowercase())
            };
            let rtype =
                RecordType::parse(&c.rtype).ok_or_else(|| fail(&c.name, "unknown record type"))?;
            let record = |data: &Option<J>| match data {
                None => Ok(None),
                Some(d) => record_from_data(&name, d)
                    .map(Some)
                    .map_err(|why| fail(&c.name, why)),
            };
            changes.push(Change {
                op: c.op,
                rtype,
                existing: record(&c.existing)?,
                desired: record(&c.desired)?,
                name,
            });
        }
        let held = |docs: &[HeldDoc]| -> Result<Vec<RecordSet>, Error> {
            docs.iter()
                .map(|h| {
                    let name = if h.name.is_empty() {
                        String::new()
                    } else {
                        idna_encode(&h.name).unwrap_or_else(|_| h.name.to_lowercase())
                    };
                    record_from_data(&name, &h.existing).map_err(|why| fail(&h.name, why))
                })
                .collect()
        };
        Ok(ZonePlan {
            zone: self.zone.clone(),
            target: self.target.clone(),
            exists: self.exists,
            changes,
            existing_count: self.summary.existing,
            warnings: Vec::new(),
            ignored: held(&self.ignored)?,
            unmanaged: held(&self.unmanaged)?,
        })
    }
}

/// A record from its octoDNS data shape, through the YAML loader (JSON is YAML).
fn record_from_data(name: &str, data: &J) -> Result<RecordSet, &'static str> {
    let file: Arc<str> = Arc::from("<plan file>");
    let text = data.to_string();
    let loaded = crate::yaml::load_str(
        &text,
        &file,
        crate::yaml::LoadOptions {
            order: crate::yaml::KeyOrder::Any,
            includes: false,
        },
    );
    let node = loaded.root.ok_or("unreadable data")?;
    crate::model::build::record_from_node(name, &node, 3600).ok_or("no known type")
}

/// A file's text, and its path as errors show it.
fn read_text(path: &Path) -> Result<(String, String), Error> {
    let shown = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => Ok((text, shown)),
        Err(source) => Err(Error::Read {
            path: shown,
            source,
        }),
    }
}

/// One shard's file, as read.
#[derive(Clone, Debug)]
pub struct Shard {
    pub path: PathBuf,
    pub file: PlanFile,
}

/// Read every plan file (`*.json` with `plans`) in `dir`, sorted by path; `exclude` (a
/// canonical path) is left out (the merge's own output). Other JSON files are skipped; a plan
/// file that does not read is an error.
pub fn read_dir(dir: &Path, exclude: Option<&Path>) -> Result<Vec<Shard>, Error> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| Error::Read {
            path: dir.display().to_string(),
            source,
        })?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json") && p.is_file())
        .filter(|p| exclude.is_none_or(|x| std::fs::canonicalize(p).ok().as_deref() != Some(x)))
        .collect();
    paths.sort();
    let mut shards = Vec::new();
    for path in paths {
        let (text, shown) = read_text(&path)?;
        if let Some(file) = PlanFile::parse_probed(&text, &shown)? {
            shards.push(Shard { path, file });
        }
    }
    if shards.is_empty() {
        return Err(Error::NoPlanFiles {
            dir: dir.display().to_string(),
        });
    }
    Ok(shards)
}

/// Shards merged: the file (what a full plan of the same state writes, with the notes of
/// every shard) and its plan.
#[derive(Clone, Debug)]
pub struct Merged {
    pub file: PlanFile,
    pub plan: Plan,
}

/// Merge shards' files: plans sorted by zone then target, each pair in one file only; the
/// checksum is the one a full plan of the same state has. The rebuilt plan must have that
/// checksum too (else what is shown would not be what was reviewed).
pub fn merge(shards: Vec<Shard>, config: &str) -> Result<Merged, Error> {
    let mut owner: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut plan = Plan::default();
    let mut docs = Vec::new();
    let mut notes = RunNotes {
        config: config.to_string(),
        merged_from: Some(Vec::new()),
        refused: Some(Vec::new()),
        ..RunNotes::default()
    };
    for Shard { path, file } in shards {
        let shown = path.display().to_string();
        for p in &file.plans {
            let key = (p.zone.clone(), p.target.clone());
            if let Some(other) = owner.insert(key, shown.clone()) {
                return Err(Error::Overlap {
                    path: shown,
                    other,
                    zone: p.zone.clone(),
                    target: p.target.clone(),
                });
            }
        }
        plan.plans.extend(file.to_plan(&shown)?.plans);
        docs.extend(file.plans);
        if let Some(n) = file.dnsplan {
            let refused = n.refusals();
            notes
                .refusals
                .extend(refused.iter().map(|r| r.message.clone()));
            notes.refused.get_or_insert_default().extend(refused);
            notes.dry_run.extend(n.dry_run);
            notes.warnings.extend(n.warnings);
        }
        notes.merged_from.get_or_insert_default().push(shown);
    }
    docs.sort_by(|a, b| (&a.zone, &a.target).cmp(&(&b.zone, &b.target)));
    plan.sort();
    let file = PlanFile {
        checksum: checksum_of(&docs),
        dnsplan: Some(notes),
        plans: docs,
        version: VERSION,
    };
    if checksum(&plan) != file.checksum {
        return Err(Error::NotIdentical);
    }
    Ok(Merged { file, plan })
}
