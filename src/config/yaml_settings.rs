//! The settings of an octoDNS YamlProvider (and SplitYamlProvider), parsed by serde with
//! octoDNS's names and defaults. They live in `config` because `config` reads YAML sources
//! itself (the desired state, `'*'` templates); the YAML provider uses them too.
//!
//! Rule: uses `yaml` and `config::fields`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::ProviderConfig;
use super::fields::{Flag, TextOrOff, Whole};
use crate::yaml::KeyOrder;
use crate::yaml::de::Error;

/// YamlProvider settings with octoDNS's defaults.
#[derive(Clone, Debug)]
pub struct YamlSettings {
    pub directory: PathBuf,
    pub default_ttl: u32,
    pub order: KeyOrder,
    pub populate_should_replace: bool,
    pub supports_root_ns: bool,
    pub split_extension: Option<String>,
    pub split_catchall: bool,
    pub shared_filename: Option<String>,
    pub disable_zonefile: bool,
    pub escaped_semicolons: bool,
    pub ignore_missing_zones: bool,
}

/// The keys as written: octoDNS YamlProvider's keyword arguments (`extension` is
/// SplitYamlProvider's name for `split_extension`). Generic keys (`class`, thresholds, …)
/// are taken off by the config loader.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    directory: Option<String>,
    default_ttl: Option<Whole>,
    enforce_order: Option<Flag>,
    order_mode: Option<String>,
    populate_should_replace: Option<Flag>,
    supports_root_ns: Option<Flag>,
    split_extension: Option<TextOrOff>,
    split_catchall: Option<Flag>,
    shared_filename: Option<TextOrOff>,
    disable_zonefile: Option<Flag>,
    escaped_semicolons: Option<Flag>,
    ignore_missing_zones: Option<Flag>,
    extension: Option<TextOrOff>,
}

impl YamlSettings {
    /// octoDNS's YamlProvider defaults, reading and writing `dir`.
    pub fn defaults(dir: &Path) -> YamlSettings {
        YamlSettings {
            directory: dir.to_path_buf(),
            default_ttl: 3600,
            order: KeyOrder::Natural,
            populate_should_replace: false,
            supports_root_ns: true,
            split_extension: None,
            split_catchall: true,
            shared_filename: None,
            disable_zonefile: false,
            escaped_semicolons: true,
            ignore_missing_zones: false,
        }
    }

    pub fn from_config(p: &ProviderConfig) -> Result<YamlSettings, Error> {
        let raw: Raw = p.parse_settings()?;
        let directory = raw.directory.ok_or_else(|| {
            Error::at(
                &p.pos,
                None,
                format!(
                    "Incorrect provider config for {}: missing `directory`",
                    p.id
                ),
            )
        })?;
        let flag = |f: Option<Flag>, default: bool| f.map_or(default, |f| f.0);
        let enforce = flag(raw.enforce_order, true);
        let order = match raw.order_mode.as_deref().unwrap_or("natural") {
            _ if !enforce => KeyOrder::Any,
            "natural" => KeyOrder::Natural,
            "simple" => KeyOrder::Simple,
            other => {
                return Err(p.invalid(
                    "order_mode",
                    format!("Invalid order_mode, \"{other}\", options are \"natural\", \"simple\""),
                ));
            }
        };
        let split_default = p.class.ends_with("SplitYamlProvider");
        let split_extension = match (raw.split_extension, raw.extension) {
            (Some(TextOrOff(Some(s))), _) => Some(s),
            (_, Some(TextOrOff(Some(s)))) if split_default => Some(s),
            _ if split_default => Some(".".into()),
            _ => None,
        };
        let default_ttl = match raw.default_ttl {
            Some(Whole(t)) if t <= u32::MAX as u64 => t as u32,
            Some(_) => {
                return Err(p.invalid("default_ttl", "`default_ttl` is larger than 2^32-1"));
            }
            None => 3600,
        };
        Ok(YamlSettings {
            directory: PathBuf::from(directory),
            default_ttl,
            order,
            populate_should_replace: flag(raw.populate_should_replace, false),
            supports_root_ns: flag(raw.supports_root_ns, true),
            split_extension,
            split_catchall: flag(raw.split_catchall, true),
            shared_filename: raw.shared_filename.and_then(|s| s.0),
            disable_zonefile: flag(raw.disable_zonefile, split_default),
            escaped_semicolons: flag(raw.escaped_semicolons, true),
            ignore_missing_zones: flag(raw.ignore_missing_zones, false),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::de::node_from_json;
    use serde_json::json;

    fn config(class: &str, settings: serde_json::Value) -> ProviderConfig {
        ProviderConfig {
            id: "y".into(),
            class: class.into(),
            files: Some(super::super::FileFormat::Yaml),
            common: Default::default(),
            settings: node_from_json(&settings),
            secret_keys: Default::default(),
            missing_env: false,
            pos: crate::yaml::Pos::none(),
        }
    }

    const YAML: &str = "octodns.provider.yaml.YamlProvider";
    const SPLIT: &str = "octodns.provider.yaml.SplitYamlProvider";

    #[test]
    fn octodns_keys_names_and_defaults() {
        let s = YamlSettings::from_config(&config(YAML, json!({"directory": "d"}))).unwrap();
        assert_eq!(s.order, KeyOrder::Natural);
        assert_eq!((s.default_ttl, s.split_extension), (3600, None));
        assert!(s.escaped_semicolons && s.supports_root_ns && !s.disable_zonefile);
        let s = YamlSettings::from_config(&config(
            YAML,
            json!({"directory": "d", "enforce_order": false, "default_ttl": "600",
                   "split_extension": false, "shared_filename": false,
                   "escaped_semicolons": "false", "ignore_missing_zones": true}),
        ))
        .unwrap();
        assert_eq!(s.order, KeyOrder::Any);
        assert_eq!(s.default_ttl, 600);
        assert_eq!((s.split_extension, s.shared_filename), (None, None));
        assert!(!s.escaped_semicolons && s.ignore_missing_zones);
        // SplitYamlProvider: split by default, its `extension` honoured
        let s = YamlSettings::from_config(&config(SPLIT, json!({"directory": "d"}))).unwrap();
        assert_eq!(s.split_extension.as_deref(), Some("."));
        assert!(s.disable_zonefile);
        let s = YamlSettings::from_config(&config(
            SPLIT,
            json!({"directory": "d", "extension": ".tst"}),
        ))
        .unwrap();
        assert_eq!(s.split_extension.as_deref(), Some(".tst"));
    }

    #[test]
    fn wrong_settings_are_errors_naming_the_key() {
        let err = |v| {
            YamlSettings::from_config(&config(YAML, v))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(json!({})),
            "Incorrect provider config for y: missing `directory`"
        );
        assert!(
            err(json!({"directory": "d", "api_token": "x"}))
                .starts_with("unknown setting(s) api_token; known: directory, default_ttl"),
        );
        assert_eq!(
            err(json!({"directory": "d", "order_mode": "chaos"})),
            "Invalid order_mode, \"chaos\", options are \"natural\", \"simple\""
        );
        assert_eq!(
            err(json!({"directory": "d", "default_ttl": 5_000_000_000u64})),
            "`default_ttl` is larger than 2^32-1"
        );
        assert_eq!(
            err(json!({"directory": "d", "supports_root_ns": "maybe"})),
            "`supports_root_ns` must be true or false"
        );
    }
}
