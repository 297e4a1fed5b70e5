//! /etc/hosts files: octodns-etchosts 1.1's `EtcHostsProvider`, a write-only target.
//!
//! One file per zone, `<directory>/<zone>hosts` (zone `example.com.` → `example.com.hosts`),
//! rewritten whole on every apply, byte for byte as octodns-etchosts writes it: a banner naming
//! the provider and the zone, then per name (sorted, A before AAAA, one line per name) its
//! first address and the name (without its final dot, unless `remove_trailing_dots: false`),
//! CNAMEs and ALIASes followed to an address inside the zone (each step noted as a
//! `# name -> target` comment; a loop or a dead end noted instead of a line), wildcards as
//! comments and used to resolve names below them. Like octodns-etchosts it never reads what
//! it wrote: a zone on this target is always planned in full, and every apply rewrites its
//! file (atomically, `provider::atomic`).
//!
//! CNAMEs are resolved within the zone being written (octodns-etchosts also follows them into
//! other zones of the same run; such a line here reads `# ** unavailable **`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::{ApplyReport, BoxFut, Provider, ProviderError};
use crate::config::ProviderConfig;
use crate::config::fields::Flag;
use crate::model::{Capabilities, RecordSet, RecordType, Value, Zone};
use crate::plan::ZonePlan;
use crate::yaml::de::Error;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    directory: Option<String>,
    remove_trailing_dots: Option<Flag>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EtcHostsSettings {
    pub directory: PathBuf,
    pub remove_trailing_dots: bool,
}

impl EtcHostsSettings {
    pub fn from_config(p: &ProviderConfig) -> Result<EtcHostsSettings, Error> {
        let raw: Raw = p.parse_settings()?;
        let directory = raw
            .directory
            .filter(|d| !d.trim().is_empty())
            .ok_or_else(|| {
                p.invalid(
                    "directory",
                    format!(
                        "Incorrect provider config for {}: missing `directory`",
                        p.id
                    ),
                )
            })?;
        Ok(EtcHostsSettings {
            directory: PathBuf::from(directory),
            remove_trailing_dots: raw.remove_trailing_dots.is_none_or(|Flag(b)| b),
        })
    }
}

#[derive(Clone)]
pub struct EtcHostsProvider {
    id: String,
    settings: EtcHostsSettings,
    caps: Capabilities,
}

pub const TYPES: &[&str] = &["A", "AAAA", "ALIAS", "CNAME"];

impl EtcHostsProvider {
    pub fn new(cfg: &ProviderConfig) -> Result<Self, ProviderError> {
        let settings = EtcHostsSettings::from_config(cfg).map_err(|e| ProviderError::Config {
            provider: cfg.id.clone(),
            message: e.to_string(),
        })?;
        Ok(Self::with_settings(&cfg.id, settings))
    }

    pub fn with_settings(id: &str, settings: EtcHostsSettings) -> Self {
        let types = TYPES
            .iter()
            .map(|t| RecordType::core(t).expect("core"))
            .collect();
        EtcHostsProvider {
            id: id.to_string(),
            settings,
            caps: Capabilities {
                root_ns: false,
                multivalue_ptr: false,
                ..Capabilities::static_records(types)
            },
        }
    }

    /// The file a zone is written to.
    pub fn path(&self, zone: &str) -> PathBuf {
        self.settings.directory.join(format!("{zone}hosts"))
    }

    fn apply_sync(&self, plan: &ZonePlan) -> Result<ApplyReport, ProviderError> {
        let zone = plan.zone.as_str();
        super::check_zone(&self.id, zone)?;
        // nothing is ever read back, so the plan creates every record: that is the zone
        let mut z = Zone::new(zone);
        for c in &plan.changes {
            if let Some(d) = &c.desired {
                z.insert(d.clone());
            }
        }
        let text = render(&self.id, &z, self.settings.remove_trailing_dots);
        let path = self.path(zone);
        std::fs::create_dir_all(&self.settings.directory).map_err(|e| {
            ProviderError::failed(
                &self.id,
                zone,
                format!("cannot create {}: {e}", self.settings.directory.display()),
            )
        })?;
        super::atomic::write(&path, text.as_bytes())
            .map_err(|e| ProviderError::failed(&self.id, zone, e.to_string()))?;
        Ok(ApplyReport {
            applied: plan.changes.len(),
        })
    }
}

/// Does `name` match the wildcard `pattern` (`*.example.com.`: any name ending in
/// `.example.com.`, as octodns-etchosts's `^.*\.example\.com\.$`)?
fn wildcard_matches(pattern: &str, name: &str) -> bool {
    let Some(suffix) = pattern.strip_prefix('*') else {
        return false;
    };
    name.len() > suffix.len() && name.ends_with(suffix)
}

fn first(r: &RecordSet) -> String {
    r.values.first().map(Value::to_rdata).unwrap_or_default()
}

/// The hosts file for a zone, as octodns-etchosts 1.1 writes it.
pub fn render(provider: &str, z: &Zone, remove_trailing_dots: bool) -> String {
    let fqdn = |r: &RecordSet| r.fqdn(&z.name);
    // exact names: their records, A before AAAA (CNAME alone); wildcards longest first, A
    // before AAAA
    let mut by_name: BTreeMap<String, Vec<&RecordSet>> = BTreeMap::new();
    let mut wildcards: Vec<(usize, &str, &RecordSet)> = Vec::new();
    for r in z.iter() {
        let f = fqdn(r);
        if f.starts_with('*') {
            wildcards.push((1024usize.saturating_sub(f.len()), r.rtype.as_str(), r));
        } else {
            by_name.entry(f).or_default().push(r);
        }
    }
    for list in by_name.values_mut() {
        list.sort_by(|a, b| a.rtype.as_str().cmp(b.rtype.as_str()));
    }
    wildcards.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let lookup = |target: &str| -> Option<&RecordSet> {
        if let Some(r) = by_name.get(target).and_then(|l| l.first()) {
            return Some(r);
        }
        wildcards
            .iter()
            .find(|(_, _, r)| wildcard_matches(&fqdn(r), target))
            .map(|(_, _, r)| *r)
    };
    let mut out = String::new();
    out.push_str("##################################################\n");
    out.push_str(&format!("# octoDNS {provider} {}\n", z.name));
    out.push_str("##################################################\n\n");
    let mut seen = std::collections::HashSet::new();
    // octoDNS sorts records by (name, type)
    for r in z.iter() {
        let f = fqdn(r);
        if !seen.insert(f.clone()) {
            continue;
        }
        let mut stack: Vec<&RecordSet> = vec![r];
        let mut looped = false;
        let mut current = Some(r);
        while let Some(c) =
            current.filter(|c| matches!(c.rtype, RecordType::Cname | RecordType::Alias))
        {
            current = lookup(&first(c));
            if let Some(n) = current {
                if stack.iter().any(|s| std::ptr::eq(*s, n)) {
                    looped = true;
                    break;
                }
                stack.push(n);
            }
        }
        for node in &stack {
            if matches!(node.rtype, RecordType::Cname | RecordType::Alias) {
                out.push_str(&format!("# {} -> {}\n", fqdn(node), first(node)));
            }
        }
        let node = stack.last().expect("the record itself");
        let shown = if remove_trailing_dots {
            f.strip_suffix('.').unwrap_or(&f).to_string()
        } else {
            f.clone()
        };
        if looped {
            out.push_str("# ** loop detected **\n");
        } else if matches!(node.rtype, RecordType::Cname | RecordType::Alias) {
            out.push_str("# ** unavailable **\n");
        } else if f.starts_with('*') {
            out.push_str(&format!("# {} -> {f}\n", first(node)));
            out.push_str("# ** wildcard **\n");
        } else if fqdn(node).starts_with('*') {
            out.push_str(&format!("# {}\n", fqdn(node)));
            out.push_str(&format!("{}\t{shown}\n", first(node)));
        } else {
            out.push_str(&format!("{}\t{shown}\n", first(node)));
        }
        out.push('\n');
    }
    out
}

impl Provider for EtcHostsProvider {
    fn id(&self) -> &str {
        &self.id
    }

    fn is_local(&self) -> bool {
        true
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    /// Never read back (octodns-etchosts's `populate` finds nothing): the zone is planned in
    /// full and its file rewritten by every apply.
    fn existing<'a>(&'a self, zone: &'a str) -> BoxFut<'a, Result<Option<Zone>, ProviderError>> {
        Box::pin(async move {
            super::check_zone(&self.id, zone)?;
            Ok(None)
        })
    }

    fn apply<'a>(&'a self, plan: &'a ZonePlan) -> BoxFut<'a, Result<ApplyReport, ProviderError>> {
        Box::pin(async move { tokio::task::block_in_place(|| self.apply_sync(plan)) })
    }

    /// The zones whose files are in the directory.
    fn list_zones(&self) -> BoxFut<'_, Result<Vec<String>, ProviderError>> {
        Box::pin(async move {
            let mut names = Vec::new();
            match std::fs::read_dir(&self.settings.directory) {
                Ok(entries) => {
                    for e in entries.flatten() {
                        let n = e.file_name().to_string_lossy().to_string();
                        if let Some(z) = n.strip_suffix("hosts").filter(|z| z.ends_with('.')) {
                            names.push(z.to_string());
                        }
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(ProviderError::failed(
                        &self.id,
                        "*",
                        format!("cannot list {}: {e}", self.settings.directory.display()),
                    ));
                }
            }
            super::checked_names(&self.id, names)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(yaml: serde_json::Value) -> Zone {
        let mut z = Zone::new("example.com.");
        for (name, recs) in yaml.as_object().unwrap() {
            let list = match recs {
                serde_json::Value::Array(a) => a.clone(),
                one => vec![one.clone()],
            };
            for r in list {
                let node = crate::yaml::de::node_from_json(&r);
                z.insert(crate::model::build::record_from_node(name, &node, 3600).unwrap());
            }
        }
        z
    }

    /// The bytes octodns-etchosts 1.1 writes for this zone (from its `_write`).
    #[test]
    fn the_file_is_octodns_etchosts_s() {
        let z = zone(serde_json::json!({
            "": [{"type": "A", "values": ["192.0.2.2", "192.0.2.1"]}, {"type": "AAAA", "value": "2001:db8::1"}],
            "v6": {"type": "AAAA", "value": "2001:db8::6"},
            "www": {"type": "CNAME", "value": "example.com."},
            "chain": {"type": "CNAME", "value": "www.example.com."},
            "loop1": {"type": "CNAME", "value": "loop2.example.com."},
            "loop2": {"type": "CNAME", "value": "loop1.example.com."},
            "away": {"type": "CNAME", "value": "www.example.net."},
            "*.w": {"type": "A", "value": "192.0.2.9"},
            "x": {"type": "CNAME", "value": "a.w.example.com."},
        }));
        let want = "##################################################
# octoDNS hosts example.com.
##################################################

192.0.2.1\texample.com

# 192.0.2.9 -> *.w.example.com.
# ** wildcard **

# away.example.com. -> www.example.net.
# ** unavailable **

# chain.example.com. -> www.example.com.
# www.example.com. -> example.com.
192.0.2.1\tchain.example.com

# loop1.example.com. -> loop2.example.com.
# loop2.example.com. -> loop1.example.com.
# ** loop detected **

# loop2.example.com. -> loop1.example.com.
# loop1.example.com. -> loop2.example.com.
# ** loop detected **

2001:db8::6\tv6.example.com

# www.example.com. -> example.com.
192.0.2.1\twww.example.com

# x.example.com. -> a.w.example.com.
# *.w.example.com.
192.0.2.9\tx.example.com

";
        assert_eq!(render("hosts", &z, true), want);
        assert!(render("hosts", &z, false).contains("192.0.2.1\texample.com.\n"));
    }

    #[test]
    fn settings_and_paths() {
        let s = EtcHostsSettings {
            directory: PathBuf::from("/tmp/h"),
            remove_trailing_dots: true,
        };
        let p = EtcHostsProvider::with_settings("hosts", s);
        assert_eq!(
            p.path("example.com."),
            PathBuf::from("/tmp/h/example.com.hosts")
        );
        assert!(wildcard_matches("*.w.example.com.", "a.w.example.com."));
        assert!(wildcard_matches("*.w.example.com.", "a.b.w.example.com."));
        assert!(!wildcard_matches("*.w.example.com.", "w.example.com."));
    }
}
