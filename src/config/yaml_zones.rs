//! octoDNS YamlProvider zone files: discovery (`<zone>.yaml`, split directories, a shared
//! file; UTF-8 and IDNA spellings), loading with octoDNS's semantics (key order, default TTL,
//! escaped semicolons, several files and sources per zone, duplicates), validation of every
//! record while it is loaded, and the sub-zone rules.
//!
//! Every path is built from a checked zone name (`model::parse_zone_name`) through
//! `model::join_inside`; directories are listed one level deep, hidden names (interrupted
//! writes' temporary files) skipped, and an entry that cannot be followed (a symlink loop) is an
//! error naming it, never a missing zone.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Config, ProviderConfig};
use crate::diag::Diagnostic;
use crate::model::build::record_from_node;
use crate::model::{
    NameError, RecordType, Zone, idna_decode, idna_encode, join_below, join_inside,
    parse_zone_name, zone_file_stem,
};
use crate::validate::{self, Reasons, RecordCtx, Rules};
use crate::yaml::{self, Kind, LoadOptions, Node, Pos};

pub use super::yaml_settings::YamlSettings;

/// Why the files of a zone, or the zones of a directory, could not be found. Every variant
/// names the zone or the path.
#[derive(Debug, thiserror::Error)]
pub enum DirError {
    #[error("invalid zone name {zone:?}: {source}")]
    ZoneName {
        zone: String,
        #[source]
        source: NameError,
    },
    /// A file name built from the zone is not one name inside the directory.
    #[error("zone {zone}: {source}")]
    Outside {
        zone: String,
        #[source]
        source: NameError,
    },
    #[error("shared_filename: {0}")]
    SharedFilename(#[source] NameError),
    #[error("cannot list {}: {source}", .path.display())]
    List {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The path exists but cannot be examined (a symlink loop, no permission).
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("Both UTF-8 \"{}\" and IDNA \"{}\" exist for {zone}", .utf8.display(), .idna.display())]
    BothSpellings {
        utf8: PathBuf,
        idna: PathBuf,
        zone: String,
    },
    /// The provider's settings are wrong: the settings error's message.
    #[error("{0}")]
    Settings(String),
    #[error("has no `directory`")]
    NoDirectory,
    #[error("does not support `list_zones`")]
    NoListing,
}

fn list_error(path: &Path) -> impl FnOnce(std::io::Error) -> DirError + '_ {
    move |source| DirError::List {
        path: path.to_path_buf(),
        source,
    }
}

impl YamlSettings {
    /// The files holding `zone` (encoded name with trailing dot), sorted by path as octoDNS
    /// loads them. Errors when both a UTF-8 and an IDNA spelling exist, when the name is not a
    /// zone name (nothing is looked up then), and when a path cannot be examined (a symlink
    /// loop), naming the path. A split directory is read one level deep, never recursively.
    pub fn zone_files(&self, zone: &str) -> Result<Vec<PathBuf>, DirError> {
        parse_zone_name(zone).map_err(|source| DirError::ZoneName {
            zone: zone.to_string(),
            source,
        })?;
        let decoded = idna_decode(zone);
        let inside = |file: String| {
            join_inside(&self.directory, &file).map_err(|source| DirError::Outside {
                zone: decoded.clone(),
                source,
            })
        };
        let mut files = Vec::new();
        if let Some(ext) = &self.split_extension {
            let utf8 = inside(format!(
                "{}{ext}",
                zone_file_stem(&decoded[..decoded.len() - 1])
            ))?;
            let idna = inside(format!("{}{ext}", zone_file_stem(&zone[..zone.len() - 1])))?;
            let dir = pick(&utf8, &idna, std::fs::Metadata::is_dir, &decoded)?;
            if let Some(dir) = dir {
                let rd = std::fs::read_dir(&dir).map_err(list_error(&dir))?;
                for entry in rd {
                    let entry = entry.map_err(list_error(&dir))?;
                    let p = entry.path();
                    if p.to_string_lossy().ends_with(".yaml") {
                        files.push(p);
                    }
                }
            }
        }
        if !self.disable_zonefile {
            let utf8 = inside(format!("{}yaml", zone_file_stem(&decoded)))?;
            let idna = inside(format!("{}yaml", zone_file_stem(zone)))?;
            if let Some(f) = pick(&utf8, &idna, std::fs::Metadata::is_file, &decoded)? {
                files.push(f);
            }
        }
        if let Some(shared) = &self.shared_filename {
            files.push(join_below(&self.directory, shared).map_err(DirError::SharedFilename)?);
        }
        files.sort();
        Ok(files)
    }

    /// The zones this directory holds (octoDNS's YamlProvider `list_zones`): `*.yaml` files
    /// with at least two dots, and directories ending in `split_extension`.
    pub fn list_zones(&self) -> Result<Listed, DirError> {
        let mut raw = Vec::new();
        for (name, kind) in list_dir(&self.directory)? {
            if let Some(ext) = &self.split_extension
                && kind == Entry::Dir
                && name.ends_with(ext.as_str())
            {
                raw.push((
                    name.clone(),
                    Ok(name[..name.len() - (ext.len() - 1)].to_string()),
                ));
            }
            if !self.disable_zonefile
                && kind == Entry::File
                && name.ends_with(".yaml")
                && name.matches('.').count() >= 2
            {
                raw.push((name.clone(), Ok(name[..name.len() - 4].to_string())));
            }
            if let Entry::Broken(e) = kind
                && (name.ends_with(".yaml")
                    || self
                        .split_extension
                        .as_ref()
                        .is_some_and(|x| name.ends_with(x.as_str())))
            {
                raw.push((name, Err(e)));
            }
        }
        Ok(Listed::check(&self.directory, raw))
    }
}

/// Whether `p` exists as what `is` asks: a missing path is `false`, a path that cannot be
/// examined (a symlink loop, no permission) is an error naming it.
fn exists(p: &Path, is: fn(&std::fs::Metadata) -> bool) -> Result<bool, DirError> {
    match std::fs::metadata(p) {
        Ok(m) => Ok(is(&m)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(DirError::Read {
            path: p.to_path_buf(),
            source,
        }),
    }
}

fn pick(
    utf8: &Path,
    idna: &Path,
    is: fn(&std::fs::Metadata) -> bool,
    zone: &str,
) -> Result<Option<PathBuf>, DirError> {
    if exists(utf8, is)? {
        if utf8 != idna && exists(idna, is)? {
            return Err(DirError::BothSpellings {
                utf8: utf8.to_path_buf(),
                idna: idna.to_path_buf(),
                zone: zone.to_string(),
            });
        }
        Ok(Some(utf8.to_path_buf()))
    } else if exists(idna, is)? {
        Ok(Some(idna.to_path_buf()))
    } else {
        Ok(None)
    }
}

/// What a directory entry is, symlinks followed.
#[derive(Debug, PartialEq, Eq)]
enum Entry {
    File,
    Dir,
    Other,
    /// A symlink that cannot be followed (a loop): why.
    Broken(String),
}

/// The entries of `dir` (one level, hidden names skipped: temporary files of an interrupted
/// write start with a dot), each with what it is.
fn list_dir(dir: &Path) -> Result<Vec<(String, Entry)>, DirError> {
    let rd = std::fs::read_dir(dir).map_err(list_error(dir))?;
    let mut out = Vec::new();
    for entry in rd {
        let entry = entry.map_err(list_error(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let kind = match std::fs::metadata(&path) {
            Ok(m) if m.is_file() => Entry::File,
            Ok(m) if m.is_dir() => Entry::Dir,
            Ok(_) => Entry::Other,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Entry::Other,
            Err(e) => Entry::Broken(format!("cannot read {}: {e}", path.display())),
        };
        out.push((name, kind));
    }
    Ok(out)
}

/// The zone names a directory listing found, each checked as a zone name.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Listed {
    /// Encoded, sorted, each once.
    pub zones: Vec<String>,
    /// Entries that are not zones though they look like one: `path: why`.
    pub refused: Vec<String>,
}

impl Listed {
    /// From (file name, zone name as the file spells it, or why the entry cannot be read).
    fn check(dir: &Path, raw: Vec<(String, Result<String, String>)>) -> Listed {
        let mut zones = std::collections::BTreeSet::new();
        let mut refused = Vec::new();
        for (file, zone) in raw {
            let zone = match zone {
                Ok(z) => z,
                Err(why) => {
                    refused.push(why);
                    continue;
                }
            };
            match parse_zone_name(&zone) {
                Ok(z) => {
                    zones.insert(z);
                }
                Err(e) => refused.push(format!(
                    "{}: invalid zone name {zone:?}, {e}",
                    dir.join(&file).display()
                )),
            }
        }
        Listed {
            zones: zones.into_iter().collect(),
            refused,
        }
    }
}

/// The zones a BIND zone-file directory holds: files ending with `file_extension` whose stem
/// holds a dot (`example.com.` with the default extension `.`).
pub fn list_zonefile_zones(dir: &Path, file_ext: &str) -> Result<Listed, DirError> {
    let mut raw = Vec::new();
    for (name, kind) in list_dir(dir)? {
        match kind {
            Entry::File => {
                if let Some(stem) = name.strip_suffix(file_ext)
                    && !stem.is_empty()
                    && stem.contains('.')
                {
                    let zone = format!("{}.", stem.trim_end_matches('.'));
                    raw.push((name, Ok(zone)));
                }
            }
            Entry::Broken(e) if name.ends_with(file_ext) => raw.push((name, Err(e))),
            _ => {}
        }
    }
    Ok(Listed::check(dir, raw))
}

/// The zones a provider's directory holds (octoDNS's `list_zones`), encoded.
pub fn list_zones(p: &ProviderConfig, _config_path: &Path) -> Result<Listed, DirError> {
    use super::FileFormat;
    match p.files {
        Some(FileFormat::Yaml) => YamlSettings::from_config(p)
            .map_err(|e| DirError::Settings(e.to_string()))?
            .list_zones(),
        Some(FileFormat::ZoneFile) => {
            let dir = p.str("directory").ok_or(DirError::NoDirectory)?;
            list_zonefile_zones(Path::new(dir), p.str("file_extension").unwrap_or("."))
        }
        Some(FileFormat::TinyDns) | None => Err(DirError::NoListing),
    }
}

/// How one source's records are added to a zone.
pub struct LoadCtx<'a> {
    pub rules: &'a Rules,
    /// Zone-wide lenience.
    pub lenient: bool,
    /// Run record validation (off when reading a target, which octoDNS treats as lenient).
    pub validate: bool,
    /// For the sub-zone rules; None when reading a target.
    pub config: Option<&'a Config>,
    pub ignore_subzone_adds: bool,
    pub source: Arc<str>,
}

/// Load every file of `zone` from a YamlProvider into `into`. Returns whether any file existed.
pub fn load_zone(
    s: &YamlSettings,
    into: &mut Zone,
    ctx: &LoadCtx,
    diags: &mut Vec<Diagnostic>,
    provider_pos: &Pos,
) -> bool {
    let files = match s.zone_files(&into.name) {
        Ok(f) => f,
        Err(e) => {
            diags.push(Diagnostic::error(
                provider_pos.clone(),
                "zone-files",
                e.to_string(),
            ));
            return false;
        }
    };
    if files.is_empty() {
        return false;
    }
    for f in &files {
        let loaded = yaml::load_file(
            f,
            LoadOptions {
                order: s.order,
                includes: true,
            },
        );
        diags.extend(loaded.errors.into_iter().map(Diagnostic::from));
        if let Some(mut root) = loaded.root {
            if !s.escaped_semicolons {
                escape_semicolons(&mut root);
            }
            add_records(&root, s, into, ctx, diags);
        }
    }
    true
}

/// With `escaped_semicolons: false`, TXT/SPF values hold raw `;` that are escaped on load.
fn escape_semicolons(root: &mut Node) {
    let Kind::Map(entries) = &mut root.kind else {
        return;
    };
    for (_, v) in entries.iter_mut() {
        let recs: Vec<&mut Node> = match &mut v.kind {
            Kind::Seq(items) => items.iter_mut().collect(),
            _ => vec![v],
        };
        for r in recs {
            let is_txt = matches!(r.get("type").and_then(Node::as_str), Some("TXT" | "SPF"));
            if !is_txt {
                continue;
            }
            let Kind::Map(fields) = &mut r.kind else {
                continue;
            };
            for (k, val) in fields.iter_mut() {
                if !matches!(k.as_str(), Some("value" | "values")) {
                    continue;
                }
                let scalars: Vec<&mut Node> = match &mut val.kind {
                    Kind::Seq(items) => items.iter_mut().collect(),
                    _ => vec![val],
                };
                for sc in scalars {
                    if let Kind::Scalar { text, .. } = &mut sc.kind {
                        *text = text.replace(';', "\\;");
                    }
                }
            }
        }
    }
}

fn add_records(
    root: &Node,
    s: &YamlSettings,
    zone: &mut Zone,
    ctx: &LoadCtx,
    diags: &mut Vec<Diagnostic>,
) {
    let entries = match &root.kind {
        Kind::Null => return,
        Kind::Map(e) => e,
        _ => {
            diags.push(Diagnostic::error(
                root.pos.clone(),
                "zone-invalid",
                format!(
                    "a zone file must be a mapping of record name to record(s), found {}",
                    root.describe()
                ),
            ));
            return;
        }
    };
    let zone_name = zone.name.clone();
    for (key, val) in entries {
        let raw_name = key.key_text();
        let (name, name_err) = match idna_encode(&raw_name) {
            Ok(n) => (n, None),
            Err(e) => (raw_name.to_lowercase(), Some(e.to_string())),
        };
        let fqdn = if name.is_empty() {
            zone_name.clone()
        } else {
            format!("{name}.{zone_name}")
        };
        let recs: Vec<&Node> = match &val.kind {
            Kind::Seq(items) => items.iter().collect(),
            _ => vec![val],
        };
        for rec in recs {
            let pos = &rec.pos;
            if rec.entries().is_none() {
                diags.push(
                    Diagnostic::error(
                        pos.clone(),
                        "record-invalid",
                        format!(
                            "a record must be a mapping with `type` and `value(s)`, found {}",
                            rec.describe()
                        ),
                    )
                    .with_subject(idna_decode(&fqdn)),
                );
                continue;
            }
            let Some(tnode) = rec.get("type") else {
                diags.push(
                    Diagnostic::error(
                        pos.clone(),
                        "record-missing-type",
                        format!("Invalid record {}, missing type", idna_decode(&fqdn)),
                    )
                    .with_subject(idna_decode(&fqdn)),
                );
                continue;
            };
            let tname = tnode.as_str().unwrap_or("");
            let Some(rtype) = RecordType::parse(tname) else {
                diags.push(
                    Diagnostic::error(
                        tnode.pos.clone(),
                        "record-unknown-type",
                        format!(
                            "Unknown record type: \"{tname}\" (known: {})",
                            RecordType::CORE
                                .iter()
                                .map(|t| t.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                    .with_subject(idna_decode(&fqdn)),
                );
                continue;
            };
            let record_lenient = rec
                .get("octodns")
                .and_then(|o| o.get("lenient"))
                .and_then(Node::as_bool)
                .unwrap_or(false);
            let lenient = ctx.lenient || record_lenient;
            if ctx.validate {
                let mut reasons = Reasons::default();
                if let Some(e) = &name_err {
                    reasons.add("name-rfc", &key.pos, e.clone());
                }
                let rctx = RecordCtx {
                    zone: &zone_name,
                    raw_name: &raw_name,
                    name: &name,
                    fqdn: &fqdn,
                    rtype: &rtype,
                    node: rec,
                    pos: &key.pos,
                    rules: ctx.rules,
                };
                validate::check_record(&rctx, &mut reasons);
                if !reasons.0.is_empty() {
                    validate::record_diagnostics(
                        &idna_decode(&fqdn),
                        rtype.as_str(),
                        reasons,
                        lenient,
                        diags,
                    );
                }
            }
            let Some(mut record) = record_from_node(&name, rec, s.default_ttl) else {
                continue;
            };
            record.pos = key.pos.clone();
            record.source = Some(ctx.source.clone());
            if let Some(cfg) = ctx.config
                && !cfg.admits_in_zone(
                    &zone_name,
                    &name,
                    &rtype,
                    &key.pos,
                    (lenient, ctx.ignore_subzone_adds),
                    diags,
                )
            {
                continue;
            }
            let k = (record.name.clone(), record.rtype.clone());
            if let Some(prev) = zone.records.get(&k)
                && !s.populate_should_replace
            {
                diags.push(
                    Diagnostic::error(
                        key.pos.clone(),
                        "duplicate-record",
                        format!(
                            "Duplicate record {}, type {rtype}; first defined at {} (set populate_should_replace on the later source to override)",
                            idna_decode(&fqdn),
                            prev.pos
                        ),
                    )
                    .with_subject(format!("{} {rtype}", idna_decode(&fqdn))),
                );
                continue;
            }
            zone.records.insert(k, record);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(dir: &Path) -> YamlSettings {
        YamlSettings::defaults(dir)
    }

    #[test]
    fn zone_files_never_leave_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = settings(&dir.path().join("zones"));
        for zone in ["../pwned.", "/etc/passwd.", "a..b.", "x/y."] {
            let e = s.zone_files(zone).unwrap_err();
            assert!(
                matches!(&e, DirError::ZoneName { zone: z, .. } if z == zone),
                "{e:?}"
            );
            assert!(e.to_string().contains("invalid zone name"), "{zone}: {e}");
        }
        s.shared_filename = Some("common/all.yaml".into());
        assert_eq!(
            s.zone_files("example.com.").unwrap(),
            [dir.path().join("zones/common/all.yaml")]
        );
        for shared in ["../pwned.yaml", "/etc/passwd", "a/../../b.yaml"] {
            s.shared_filename = Some(shared.into());
            let e = s.zone_files("example.com.").unwrap_err();
            assert!(matches!(e, DirError::SharedFilename(_)), "{e:?}");
            assert!(e.to_string().contains("shared_filename"), "{shared}: {e}");
        }
        s.shared_filename = None;
        s.split_extension = Some("/../..".into());
        let e = s.zone_files("example.com.").unwrap_err();
        assert!(matches!(e, DirError::Outside { .. }), "{e:?}");
    }
}
