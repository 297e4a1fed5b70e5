//! octoDNS YamlProvider as a target: reads zone files (the same loader as sources, without
//! validation, as octoDNS reads targets leniently) and writes them the way octoDNS does — the
//! whole file rewritten from existing + changes, records sorted, names UTF-8, a TTL equal to
//! `default_ttl` omitted, one record as a mapping and several as a list, one value as `value`
//! and several as `values`, keys sorted, `---` first, block style.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value as J;

use super::{ApplyReport, BoxFut, Provider, ProviderError};
use crate::config::ProviderConfig;
use crate::config::yaml_zones::{LoadCtx, YamlSettings, load_zone};
use crate::model::{
    Capabilities, Zone, idna_decode, join_below, join_inside, record_file_stem, zone_file_stem,
};
use crate::plan::ZonePlan;
use crate::validate::Rules;
use crate::yaml::{KeyOrder, Pos, natural_cmp};

#[derive(Clone)]
pub struct YamlProvider {
    id: String,
    settings: YamlSettings,
    caps: Capabilities,
    pos: Pos,
}

impl YamlProvider {
    pub fn new(cfg: &ProviderConfig) -> Result<Self, ProviderError> {
        let settings = YamlSettings::from_config(cfg).map_err(|e| ProviderError::Config {
            provider: cfg.id.clone(),
            message: e.to_string(),
        })?;
        let caps = Capabilities {
            root_ns: settings.supports_root_ns,
            ..Capabilities::everything()
        };
        Ok(YamlProvider {
            id: cfg.id.clone(),
            settings,
            caps,
            pos: cfg.pos.clone(),
        })
    }

    fn err(&self, zone: &str, message: impl std::fmt::Display) -> ProviderError {
        ProviderError::Failed {
            provider: self.id.clone(),
            zone: zone.to_string(),
            message: message.to_string(),
        }
    }

    /// Read a zone synchronously. The name is checked before any file is looked at.
    pub fn read(&self, zone: &str) -> Result<Option<Zone>, ProviderError> {
        super::check_zone(&self.id, zone)?;
        let mut z = Zone::new(zone);
        let mut diags = Vec::new();
        let rules = Rules::default();
        let ctx = LoadCtx {
            rules: &rules,
            lenient: true,
            validate: false,
            config: None,
            ignore_subzone_adds: false,
            source: Arc::from(self.id.as_str()),
        };
        let found = load_zone(&self.settings, &mut z, &ctx, &mut diags, &self.pos);
        if let Some(d) = diags.iter().find(|d| d.is_error()) {
            return Err(self.err(zone, d.to_string()));
        }
        Ok(found.then_some(z))
    }

    /// Write `zone` as this provider's file(s), each replaced atomically (`atomic::write`).
    /// The name is checked before anything is created.
    ///
    /// The zone written is the whole zone (what was read, with the plan applied), so a file that
    /// held part of it and is not rewritten now holds only stale records: a split record file
    /// whose name was deleted, a file of several names in a hand-made split layout, the other
    /// spelling (UTF-8 or IDNA) of the zone's file or directory. Each is removed *after* every
    /// new file is in place — a crash in between leaves a record twice (a load error naming
    /// both files), never a record lost — and the other spelling's split directory, once empty,
    /// goes with them. The
    /// shared file (`shared_filename`) belongs to every zone and is never removed.
    pub fn write(&self, zone: &Zone) -> Result<(), ProviderError> {
        super::check_zone(&self.id, &zone.name)?;
        let files = render_files(zone, &self.settings).map_err(|m| self.err(&zone.name, m))?;
        let before = self
            .settings
            .zone_files(&zone.name)
            .map_err(|m| self.err(&zone.name, m))?;
        let dir = &self.settings.directory;
        std::fs::create_dir_all(dir)
            .map_err(|e| self.err(&zone.name, format!("cannot create {}: {e}", dir.display())))?;
        for (path, text) in &files {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    self.err(
                        &zone.name,
                        format!("cannot create {}: {e}", parent.display()),
                    )
                })?;
            }
            super::atomic::write(path, text.as_bytes()).map_err(|m| self.err(&zone.name, m))?;
        }
        let shared = (self.settings.shared_filename.as_deref())
            .and_then(|f| join_below(&self.settings.directory, f).ok());
        // a set: a split zone of 100,000 names is 100,000 files
        let written: std::collections::HashSet<&Path> =
            files.iter().map(|(p, _)| p.as_path()).collect();
        let ours = split_dir(&idna_decode(&zone.name), &self.settings)
            .map_err(|m| self.err(&zone.name, m))?;
        for stale in before
            .iter()
            .filter(|f| !written.contains(f.as_path()) && Some(f.as_path()) != shared.as_deref())
        {
            std::fs::remove_file(stale).map_err(|e| {
                self.err(
                    &zone.name,
                    format!("cannot remove the stale file {}: {e}", stale.display()),
                )
            })?;
            // the other spelling's split directory, once emptied (remove_dir refuses a
            // directory that still holds anything; ours stays even when empty: the zone exists)
            if let Some(dir) = stale.parent()
                && dir != self.settings.directory
                && Some(dir) != ours.as_deref()
            {
                let _ = std::fs::remove_dir(dir);
            }
        }
        Ok(())
    }

    fn apply_sync(&self, plan: &ZonePlan) -> Result<ApplyReport, ProviderError> {
        let mut zone = self
            .read(&plan.zone)?
            .unwrap_or_else(|| Zone::new(plan.zone.clone()));
        plan.apply_to(&mut zone);
        self.write(&zone)?;
        Ok(ApplyReport {
            applied: plan.changes.len(),
        })
    }
}

impl Provider for YamlProvider {
    fn id(&self) -> &str {
        &self.id
    }

    fn is_local(&self) -> bool {
        true
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    fn existing<'a>(&'a self, zone: &'a str) -> BoxFut<'a, Result<Option<Zone>, ProviderError>> {
        let this = self.clone();
        let zone = zone.to_string();
        Box::pin(super::blocking(move || this.read(&zone)))
    }

    fn apply<'a>(&'a self, plan: &'a ZonePlan) -> BoxFut<'a, Result<ApplyReport, ProviderError>> {
        Box::pin(async move { tokio::task::block_in_place(|| self.apply_sync(plan)) })
    }

    fn list_zones(&self) -> BoxFut<'_, Result<Vec<String>, ProviderError>> {
        Box::pin(async move {
            let listed = self.settings.list_zones().map_err(|m| self.err("*", m))?;
            super::checked_zone_list(&self.id, listed)
        })
    }
}

/// The file(s) octoDNS's YamlProvider would write for `zone`: (path, text). Every path is one
/// file name inside the directory (a classless zone's `/` is written `-`, a record name's `/`
/// `%2F`, see `model::name`); an error when a name cannot be made one.
pub fn render_files(zone: &Zone, s: &YamlSettings) -> Result<Vec<(PathBuf, String)>, String> {
    // name (decoded) → records in type order
    let mut by_name: BTreeMap<String, Vec<J>> = BTreeMap::new();
    for r in zone.iter() {
        let mut d = r.to_data();
        let m = d.as_object_mut().expect("record data is a mapping");
        if r.ttl == s.default_ttl {
            m.remove("ttl");
        }
        if !s.escaped_semicolons && matches!(r.rtype.as_str(), "TXT" | "SPF") {
            for k in ["value", "values"] {
                match m.get_mut(k) {
                    Some(J::String(v)) => *v = v.replace("\\;", ";"),
                    Some(J::Array(vs)) => {
                        for v in vs {
                            if let J::String(t) = v {
                                *t = t.replace("\\;", ";");
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        by_name.entry(idna_decode(&r.name)).or_default().push(d);
    }
    let order = match s.order {
        KeyOrder::Simple => KeyOrder::Simple,
        _ => KeyOrder::Natural,
    };
    let entry = |recs: Vec<J>| -> J {
        if recs.len() == 1 {
            recs.into_iter().next().unwrap()
        } else {
            J::Array(recs)
        }
    };
    let decoded_zone = idna_decode(&zone.name);
    let stem = zone_file_stem(&decoded_zone);
    let inside = |dir: &Path, file: String| {
        join_inside(dir, &file).map_err(|e| format!("zone {decoded_zone}: {e}"))
    };
    match &s.split_extension {
        None => {
            let doc: Vec<(String, J)> = by_name.into_iter().map(|(k, v)| (k, entry(v))).collect();
            Ok(vec![(
                inside(&s.directory, format!("{stem}yaml"))?,
                emit_document(doc, order),
            )])
        }
        Some(_) => {
            let bare = &stem[..stem.len() - 1];
            let dir = split_dir(&decoded_zone, s)?.expect("split_extension is set");
            let mut files = Vec::new();
            let mut catchall = Vec::new();
            for (name, recs) in by_name {
                if s.split_catchall && (name.is_empty() || name == "*") {
                    catchall.push((name, entry(recs)));
                    continue;
                }
                files.push((
                    inside(&dir, format!("{}.yaml", record_file_stem(&name)))?,
                    emit_document(vec![(name, entry(recs))], order),
                ));
            }
            if !catchall.is_empty() {
                files.push((
                    inside(&dir, format!("${bare}.yaml"))?,
                    emit_document(catchall, order),
                ));
            }
            Ok(files)
        }
    }
}

/// Where a split layout writes `decoded_zone`'s record files (`None` without `split_extension`).
fn split_dir(decoded_zone: &str, s: &YamlSettings) -> Result<Option<PathBuf>, String> {
    let Some(ext) = &s.split_extension else {
        return Ok(None);
    };
    let stem = zone_file_stem(decoded_zone);
    let bare = &stem[..stem.len() - 1];
    join_inside(&s.directory, &format!("{bare}{ext}"))
        .map(Some)
        .map_err(|e| format!("zone {decoded_zone}: {e}"))
}

fn key_cmp(order: KeyOrder) -> fn(&str, &str) -> Ordering {
    match order {
        KeyOrder::Simple => |a: &str, b: &str| a.cmp(b),
        _ => natural_cmp,
    }
}

/// Emit a YAML document the way PyYAML's block style does (`---`, 2-space indent, sequences in
/// mappings not indented), with keys sorted.
pub fn emit_document(mut entries: Vec<(String, J)>, order: KeyOrder) -> String {
    let cmp = key_cmp(order);
    entries.sort_by(|a, b| cmp(&a.0, &b.0));
    let mut out = String::from("---\n");
    if entries.is_empty() {
        out = "--- {}\n".to_string();
        return out;
    }
    for (k, v) in &entries {
        emit_entry(&mut out, 0, k, v, cmp);
    }
    out
}

fn emit_entry(out: &mut String, indent: usize, key: &str, v: &J, cmp: fn(&str, &str) -> Ordering) {
    out.push_str(&scalar_str(key));
    out.push(':');
    emit_after_key(out, indent, v, cmp);
}

fn emit_after_key(out: &mut String, indent: usize, v: &J, cmp: fn(&str, &str) -> Ordering) {
    match v {
        J::Object(m) if !m.is_empty() => {
            out.push('\n');
            emit_map(out, indent + 2, m, cmp);
        }
        J::Array(a) if !a.is_empty() => {
            out.push('\n');
            emit_seq(out, indent, a, cmp);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

fn sorted(m: &serde_json::Map<String, J>, cmp: fn(&str, &str) -> Ordering) -> Vec<(&String, &J)> {
    let mut v: Vec<(&String, &J)> = m.iter().collect();
    v.sort_by(|a, b| cmp(a.0, b.0));
    v
}

fn emit_map(
    out: &mut String,
    indent: usize,
    m: &serde_json::Map<String, J>,
    cmp: fn(&str, &str) -> Ordering,
) {
    for (k, v) in sorted(m, cmp) {
        out.push_str(&" ".repeat(indent));
        emit_entry(out, indent, k, v, cmp);
    }
}

fn emit_seq(out: &mut String, indent: usize, a: &[J], cmp: fn(&str, &str) -> Ordering) {
    for item in a {
        out.push_str(&" ".repeat(indent));
        out.push_str("- ");
        match item {
            J::Object(m) if !m.is_empty() => {
                // the first key on the dash line, the rest aligned under it
                for (i, (k, v)) in sorted(m, cmp).into_iter().enumerate() {
                    if i > 0 {
                        out.push_str(&" ".repeat(indent + 2));
                    }
                    emit_entry(out, indent + 2, k, v, cmp);
                }
            }
            J::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                emit_seq(out, indent + 2, inner, cmp);
            }
            other => {
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
}

fn scalar(v: &J) -> String {
    match v {
        J::Null => "null".into(),
        J::Bool(b) => b.to_string(),
        J::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                crate::model::value::F64(f).py()
            } else {
                n.to_string()
            }
        }
        J::String(s) => scalar_str(s),
        J::Array(_) => "[]".into(),
        J::Object(_) => "{}".into(),
    }
}

/// A string as a YAML scalar: plain when PyYAML would read it back as the same string,
/// single-quoted otherwise, double-quoted when it holds characters only escapes can carry.
pub fn scalar_str(s: &str) -> String {
    if s.chars()
        .any(|c| c.is_control() || c == '\u{feff}' || c == '\u{2028}' || c == '\u{2029}')
    {
        let mut o = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => o.push_str("\\\""),
                '\\' => o.push_str("\\\\"),
                '\n' => o.push_str("\\n"),
                '\t' => o.push_str("\\t"),
                '\r' => o.push_str("\\r"),
                c if c.is_control() || c == '\u{feff}' || c == '\u{2028}' || c == '\u{2029}' => {
                    let n = c as u32;
                    if n <= 0xff {
                        o.push_str(&format!("\\x{n:02X}"));
                    } else {
                        o.push_str(&format!("\\u{n:04X}"));
                    }
                }
                c => o.push(c),
            }
        }
        o.push('"');
        return o;
    }
    if plain_ok(s) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.starts_with(' ') || s.ends_with(' ') || s.ends_with(':') {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.contains('\t') {
        return false;
    }
    !resolves_to_non_string(s)
}

/// Would PyYAML (YAML 1.1) read this plain scalar as something other than a string? These
/// are PyYAML's implicit resolvers (bool, float, int, merge, null, timestamp, value).
fn resolves_to_non_string(s: &str) -> bool {
    use std::sync::OnceLock;
    static RE: OnceLock<regex_lite::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        regex_lite::Regex::new(concat!(
            r"^(?:",
            r"yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF",
            r"|[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?",
            r"|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?",
            r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*",
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
            r"|[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+",
            r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+",
            r"|<<|~|null|Null|NULL|=",
            r"|[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]",
            r"|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?",
            r")$"
        ))
        .expect("resolver regex")
    });
    re.is_match(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_round_trip_through_the_loader() {
        for s in [
            "",
            "yes",
            "no",
            "10",
            "1.5",
            "0x1f",
            "null",
            "~",
            "a: b",
            "#x",
            "-all",
            "v=spf1 -all",
            "x\\; y",
            "it's",
            "  pad",
            "tab\there",
            "line\nbreak",
            "2001-12-14",
            "1:20",
            "é",
            "192.0.2.1",
            "2001:db8::1",
            "'quoted'",
            "\"dq\"",
            "@",
            "*",
            "*.example.com.",
            "1e5",
            "1.0e+5",
            "0o17",
            "017",
            "+1",
            ".5",
            "190:20:30",
            "1_000",
            "y",
            "n",
        ] {
            let doc = format!("k: {}\n", scalar_str(s));
            let l = crate::yaml::load_str(
                &doc,
                &std::sync::Arc::from("t"),
                crate::yaml::LoadOptions {
                    order: KeyOrder::Any,
                    includes: false,
                },
            );
            let root = l.root.unwrap_or_else(|| panic!("{doc}: {:?}", l.errors));
            let n = root.get("k").unwrap();
            assert_eq!(n.as_str().unwrap_or(""), s, "{doc}");
            // it must come back as a string: quoted, or plain but not resolvable to another type
            match &n.kind {
                crate::yaml::Kind::Scalar { plain, .. } => {
                    assert!(!*plain || !resolves_to_non_string(s), "{doc}")
                }
                other => panic!("{doc} read back as {other:?}"),
            }
        }
    }

    #[test]
    fn addresses_and_names_stay_plain() {
        for s in [
            "192.0.2.1",
            "2001:db8::1",
            "mx.example.com.",
            "v=spf1 -all",
            "10 mx.",
        ] {
            assert_eq!(scalar_str(s), s);
        }
        for s in ["10", "1.5", "yes", "", "null", "2001-12-14", "1:20"] {
            assert!(scalar_str(s).starts_with('\''), "{s}");
        }
    }

    #[test]
    fn document_shape_matches_octodns() {
        let doc = emit_document(
            vec![
                (
                    "www".into(),
                    serde_json::json!({"type": "CNAME", "ttl": 300, "value": "example.com."}),
                ),
                (
                    "".into(),
                    serde_json::json!([
                        {"type": "A", "values": ["1.2.3.4", "10.0.0.1"]},
                        {"type": "MX", "values": [{"exchange": "mx.example.com.", "preference": 10}]}
                    ]),
                ),
            ],
            KeyOrder::Natural,
        );
        assert_eq!(
            doc,
            "---\n'':\n- type: A\n  values:\n  - 1.2.3.4\n  - 10.0.0.1\n- type: MX\n  values:\n  - exchange: mx.example.com.\n    preference: 10\nwww:\n  ttl: 300\n  type: CNAME\n  value: example.com.\n"
        );
    }

    fn provider(dir: &Path, split: bool) -> YamlProvider {
        let class = if split {
            "octodns.provider.yaml.SplitYamlProvider"
        } else {
            "octodns.provider.yaml.YamlProvider"
        };
        provider_with(class, dir, serde_json::json!({}))
    }

    fn provider_with(class: &str, dir: &Path, settings: J) -> YamlProvider {
        let mut settings = settings.as_object().cloned().unwrap();
        settings.insert(
            "directory".into(),
            J::String(dir.join("zones").to_string_lossy().into_owned()),
        );
        YamlProvider::new(&ProviderConfig {
            id: "y".into(),
            class: class.into(),
            files: Some(crate::config::FileFormat::Yaml),
            common: Default::default(),
            settings: crate::yaml::de::node_from_json(&J::Object(settings)),
            secret_keys: Default::default(),
            missing_env: false,
            pos: Pos::none(),
        })
        .unwrap()
    }

    fn a(name: &str, ip: &str) -> crate::model::RecordSet {
        crate::model::RecordSet::new(
            name,
            crate::model::RecordType::A,
            3600,
            vec![crate::model::Value::Ip(ip.into())],
        )
    }

    fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn names_of(z: &Zone) -> Vec<String> {
        z.iter().map(|r| r.name.clone()).collect()
    }

    #[test]
    fn a_deleted_name_leaves_the_split_layout_with_its_file() {
        let root = tempfile::tempdir().unwrap();
        let p = provider(root.path(), true);
        let mut z = Zone::new("example.com.");
        for n in ["", "a", "b"] {
            z.insert(a(n, "192.0.2.1"));
        }
        p.write(&z).unwrap();
        let dir = root.path().join("zones/example.com.");
        assert_eq!(files_in(&dir), ["$example.com.yaml", "a.yaml", "b.yaml"]);
        // the apex and b are deleted: their files go, the zone's directory stays
        z.records.retain(|(n, _), _| n == "a");
        p.write(&z).unwrap();
        assert_eq!(files_in(&dir), ["a.yaml"]);
        assert_eq!(names_of(&p.read("example.com.").unwrap().unwrap()), ["a"]);
        // the last one too: nothing is left to read back (a split directory without record
        // files reads as no zone, as before)
        z.records.clear();
        p.write(&z).unwrap();
        assert!(files_in(&dir).is_empty());
        assert_eq!(p.read("example.com.").unwrap().map_or(0, |z| z.len()), 0);
    }

    #[test]
    fn a_hand_made_split_layout_is_rewritten_without_leaving_a_record_twice() {
        let root = tempfile::tempdir().unwrap();
        let p = provider_with(
            "octodns.provider.yaml.YamlProvider",
            root.path(),
            serde_json::json!({"split_extension": "."}),
        );
        let zones = root.path().join("zones");
        let dir = zones.join("example.com.");
        std::fs::create_dir_all(&dir).unwrap();
        // several names in one file, and the zone file beside the directory
        std::fs::write(
            dir.join("misc.yaml"),
            "---\na: {type: A, value: 192.0.2.1}\nb: {type: A, value: 192.0.2.2}\n",
        )
        .unwrap();
        std::fs::write(
            zones.join("example.com.yaml"),
            "---\nc: {type: A, value: 192.0.2.3}\n",
        )
        .unwrap();
        let mut z = p.read("example.com.").unwrap().unwrap();
        assert_eq!(names_of(&z), ["a", "b", "c"]);
        z.records.retain(|(n, _), _| n != "b");
        p.write(&z).unwrap();
        assert_eq!(files_in(&dir), ["a.yaml", "c.yaml"]);
        assert_eq!(files_in(&zones), ["example.com."]);
        assert_eq!(
            names_of(&p.read("example.com.").unwrap().unwrap()),
            ["a", "c"]
        );
    }

    #[test]
    fn the_idna_spelling_of_a_zone_file_is_replaced_not_left_beside_the_new_one() {
        let root = tempfile::tempdir().unwrap();
        let zones = root.path().join("zones");
        for split in [false, true] {
            let _ = std::fs::remove_dir_all(&zones);
            let p = provider(root.path(), split);
            let old = if split {
                let d = zones.join("xn--bcher-kva.example.");
                std::fs::create_dir_all(&d).unwrap();
                d.join("www.yaml")
            } else {
                std::fs::create_dir_all(&zones).unwrap();
                zones.join("xn--bcher-kva.example.yaml")
            };
            std::fs::write(&old, "---\nwww: {type: A, value: 192.0.2.1}\n").unwrap();
            let mut z = p.read("xn--bcher-kva.example.").unwrap().unwrap();
            z.insert(a("new", "192.0.2.2"));
            p.write(&z).unwrap();
            let expect: &[&str] = if split {
                &["bücher.example."]
            } else {
                &["bücher.example.yaml"]
            };
            assert_eq!(files_in(&zones), expect, "split={split}");
            let back = p.read("xn--bcher-kva.example.").unwrap().unwrap();
            assert_eq!(names_of(&back), ["new", "www"], "split={split}");
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn hostile_zone_names_are_refused_before_any_file_is_touched() {
        let root = tempfile::tempdir().unwrap();
        // what `../pwned.` would read, one level up from the provider's directory
        std::fs::write(
            root.path().join("pwned.yaml"),
            "---\nx: {type: A, value: 192.0.2.9}\n",
        )
        .unwrap();
        for split in [false, true] {
            let p = provider(root.path(), split);
            crate::provider::assert_refuses_hostile_zones(&p).await;
            for z in crate::provider::HOSTILE_ZONES {
                let e = p.write(&Zone::new(*z)).unwrap_err().to_string();
                assert!(e.contains("invalid zone name"), "{z:?}: {e}");
            }
        }
        let names: Vec<_> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["pwned.yaml"], "the provider created something");
    }

    #[test]
    fn split_record_files_are_one_name_each_inside_the_zone_directory() {
        let root = tempfile::tempdir().unwrap();
        let p = provider(root.path(), true);
        let mut z = Zone::new("2.0.192.in-addr.arpa.");
        for (name, v) in [
            ("0/25", "ns.example."),
            ("0-25", "ns2.example."),
            ("../x", "n."),
        ] {
            z.insert(crate::model::RecordSet::new(
                name,
                crate::model::RecordType::Ns,
                3600,
                vec![crate::model::Value::Target(v.into())],
            ));
        }
        p.write(&z).unwrap();
        let dir = root.path().join("zones/2.0.192.in-addr.arpa.");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["..%2Fx.yaml", "0%2F25.yaml", "0-25.yaml"]);
        let back = p.read("2.0.192.in-addr.arpa.").unwrap().unwrap();
        assert_eq!(back.len(), 3);
        assert!(back.get("0/25", &crate::model::RecordType::Ns).is_some());
    }
}
