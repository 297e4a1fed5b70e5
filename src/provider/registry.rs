//! The provider registry: one line per provider, naming the octoDNS class paths and short
//! names it answers to, the zone files `config` reads for it (if any), its constructor and
//! its settings check.
//! `config::load` checks classes against it (`Registry` is its `config::Classes`), `build`
//! makes a provider from a config entry and `check` parses every provider's settings for
//! `dnsplan validate`. Adding a provider is its folder and one line in `ENTRIES`.
//!
//! Rule: uses `config` and the provider modules beside it.

use std::sync::Arc;

use super::{
    Provider, ProviderError, azure, cloudflare, digitalocean, dnsimple, dnsmadeeasy, etchosts,
    gandi, googlecloud, hetzner, ns1, ovh, powerdns, rfc2136, route53, tinydns, yaml, zonefile,
};
use crate::config::yaml_settings::YamlSettings;
use crate::config::{ClassInfo, Classes, Config, FileFormat, ProviderConfig, settings_diagnostic};
use crate::diag::Diagnostic;
use crate::yaml::de::Error;

/// One provider: its class names (short name first), the files `config` reads for it, how it
/// is built from a config entry, and how its settings are checked without building it.
pub struct Entry {
    pub classes: &'static [&'static str],
    pub files: Option<FileFormat>,
    pub build: fn(&ProviderConfig) -> Result<Arc<dyn Provider>, ProviderError>,
    pub check: fn(&ProviderConfig) -> Result<(), Error>,
}

/// `Entry::build` for a provider whose `new` takes the config entry.
fn shared<P: Provider + 'static>(
    new: fn(&ProviderConfig) -> Result<P, ProviderError>,
    cfg: &ProviderConfig,
) -> Result<Arc<dyn Provider>, ProviderError> {
    Ok(Arc::new(new(cfg)?))
}

#[rustfmt::skip]
pub static ENTRIES: &[Entry] = &[
    Entry { classes: &["yaml", "octodns.provider.yaml.YamlProvider", "octodns.provider.yaml.SplitYamlProvider"], files: Some(FileFormat::Yaml), build: |c| shared(yaml::YamlProvider::new, c), check: |c| YamlSettings::from_config(c).map(drop) },
    Entry { classes: &["zonefile", "octodns_bind.ZoneFileSource", "octodns_bind.ZoneFileProvider", "octodns.source.axfr.ZoneFileSource"], files: Some(FileFormat::ZoneFile), build: |c| shared(zonefile::ZoneFileProvider::new, c), check: |c| zonefile::ZoneFileSettings::from_config(c).map(drop) },
    Entry { classes: &["powerdns", "octodns_powerdns.PowerDnsProvider"], files: None, build: |c| shared(powerdns::PowerDnsProvider::new, c), check: |c| powerdns::Settings::from_config(c).map(drop) },
    Entry { classes: &["route53", "octodns_route53.Route53Provider"], files: None, build: |c| shared(route53::Route53Provider::new, c), check: |c| route53::Settings::from_config(c).map(drop) },
    Entry { classes: &["azure", "octodns_azure.AzureProvider"], files: None, build: |c| shared(azure::AzureProvider::new, c), check: |c| azure::Settings::from_config(c).map(drop) },
    Entry { classes: &["cloudflare", "octodns_cloudflare.CloudflareProvider"], files: None, build: |c| shared(cloudflare::CloudflareProvider::new, c), check: |c| cloudflare::Settings::from_config(c).map(drop) },
    Entry { classes: &["digitalocean", "octodns_digitalocean.DigitalOceanProvider"], files: None, build: |c| shared(digitalocean::DigitalOceanProvider::new, c), check: |c| digitalocean::Settings::from_config(c).map(drop) },
    Entry { classes: &["dnsimple", "octodns_dnsimple.DnsimpleProvider"], files: None, build: |c| shared(dnsimple::DnsimpleProvider::new, c), check: |c| dnsimple::Settings::from_config(c).map(drop) },
    Entry { classes: &["dnsmadeeasy", "octodns_dnsmadeeasy.DnsMadeEasyProvider"], files: None, build: |c| shared(dnsmadeeasy::DnsMadeEasyProvider::new, c), check: |c| dnsmadeeasy::Settings::from_config(c).map(drop) },
    Entry { classes: &["etchosts", "octodns_etchosts.EtcHostsProvider"], files: None, build: |c| shared(etchosts::EtcHostsProvider::new, c), check: |c| etchosts::EtcHostsSettings::from_config(c).map(drop) },
    Entry { classes: &["gandi", "octodns_gandi.GandiProvider"], files: None, build: |c| shared(gandi::GandiProvider::new, c), check: |c| gandi::Settings::from_config(c).map(drop) },
    Entry { classes: &["googlecloud", "octodns_googlecloud.GoogleCloudProvider"], files: None, build: |c| shared(googlecloud::GoogleCloudProvider::new, c), check: |c| googlecloud::Settings::from_config(c).map(drop) },
    Entry { classes: &["hetzner", "octodns_hetzner.HetznerProvider"], files: None, build: |c| shared(hetzner::HetznerProvider::new, c), check: |c| hetzner::Settings::from_config(c).map(drop) },
    Entry { classes: &["ns1", "octodns_ns1.Ns1Provider"], files: None, build: |c| shared(ns1::Ns1Provider::new, c), check: |c| ns1::Settings::from_config(c).map(drop) },
    Entry { classes: &["tinydns", "octodns.source.tinydns.TinyDnsFileSource", "octodns_tinydns.TinyDnsFileSource"], files: Some(FileFormat::TinyDns), build: |c| shared(tinydns::TinyDnsProvider::new, c), check: |c| tinydns::TinyDnsSettings::from_config(c).map(drop) },
    Entry { classes: &["ovh", "octodns_ovh.OvhProvider"], files: None, build: |c| shared(ovh::OvhProvider::new, c), check: |c| ovh::Settings::from_config(c).map(drop) },
    Entry { classes: &["rfc2136", "octodns_bind.Rfc2136Provider", "octodns_bind.BindProvider", "octodns_bind.AxfrSource", "octodns.source.axfr.AxfrSource"], files: None, build: |c| shared(rfc2136::Rfc2136Provider::new, c), check: |c| rfc2136::Settings::from_config(c).map(drop) },
];

/// The entry whose class names include `class`.
pub fn entry(class: &str) -> Option<&'static Entry> {
    ENTRIES.iter().find(|e| e.classes.contains(&class))
}

/// The registry as `config` sees it.
pub struct Registry;

impl Classes for Registry {
    fn find(&self, class: &str) -> Option<ClassInfo> {
        entry(class).map(|e| ClassInfo { files: e.files })
    }

    fn names(&self) -> Vec<&'static str> {
        ENTRIES
            .iter()
            .flat_map(|e| e.classes.iter().copied())
            .collect()
    }
}

/// Every provider's settings checked (parsed, nothing built, nothing sent), for `validate`:
/// an unknown key, a wrong type or a wrong value as a diagnostic at its file:line. A provider
/// whose secret's variable is missing is left out (that is reported, and its settings lack it).
pub fn check(cfg: &Config) -> Vec<Diagnostic> {
    cfg.providers
        .values()
        .filter(|p| !p.missing_env)
        .filter_map(|p| {
            let e = entry(&p.class)?;
            (e.check)(p)
                .err()
                .map(|err| settings_diagnostic(&p.id, &err))
        })
        .collect()
}

/// Build the provider a config entry describes.
pub fn build(cfg: &ProviderConfig) -> Result<Arc<dyn Provider>, ProviderError> {
    match entry(&cfg.class) {
        Some(e) => (e.build)(cfg),
        None => Err(ProviderError::Config {
            provider: cfg.id.clone(),
            message: format!("unknown provider class {}", cfg.class),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    /// Settings each provider builds with (indented for a provider entry), without network.
    const VALID: &[(&str, &str)] = &[
        ("octodns.provider.yaml.YamlProvider", "directory: ./z\n"),
        ("octodns_bind.ZoneFileProvider", "directory: ./z\n"),
        (
            "octodns_powerdns.PowerDnsProvider",
            "host: 127.0.0.1\n    api_key: k\n",
        ),
        ("octodns_route53.Route53Provider", "max_changes: 10\n"),
        (
            "octodns_azure.AzureProvider",
            "client_id: c\n    directory_id: t\n    sub_id: s\n    resource_group: g\n",
        ),
        ("octodns_bind.Rfc2136Provider", "host: 127.0.0.1\n"),
        ("octodns_cloudflare.CloudflareProvider", "token: t\n"),
        ("octodns_googlecloud.GoogleCloudProvider", "project: p\n"),
        ("octodns_hetzner.HetznerProvider", "token: t\n"),
        ("octodns_ns1.Ns1Provider", "api_key: k\n"),
        ("octodns_digitalocean.DigitalOceanProvider", "token: t\n"),
        (
            "octodns_dnsimple.DnsimpleProvider",
            "token: t\n    account: 1\n",
        ),
        ("octodns_etchosts.EtcHostsProvider", "directory: ./h\n"),
        (
            "octodns.source.tinydns.TinyDnsFileSource",
            "directory: ./t\n",
        ),
    ];

    /// A config with one provider `p` of `class`; its settings start on line 4.
    fn load(dir: &std::path::Path, class: &str, settings: &str) -> Config {
        let path = dir.join("config.yaml");
        std::fs::write(
            &path,
            format!("providers:\n  p:\n    class: {class}\n    {settings}zones: {{}}\n"),
        )
        .unwrap();
        let (cfg, diags) = crate::config::load(&path, &Registry);
        assert!(diags.is_empty(), "{class}: {diags:?}");
        cfg.unwrap()
    }

    fn build_err(cfg: &Config) -> String {
        match build(&cfg.providers["p"]) {
            Ok(_) => panic!("{} built", cfg.providers["p"].class),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn every_class_name_of_before_the_registry_is_accepted() {
        let files = |c: &str| Registry.find(c).map(|i| i.files);
        for c in [
            "yaml",
            "octodns.provider.yaml.YamlProvider",
            "octodns.provider.yaml.SplitYamlProvider",
        ] {
            assert_eq!(files(c), Some(Some(FileFormat::Yaml)), "{c}");
        }
        for c in [
            "zonefile",
            "octodns_bind.ZoneFileSource",
            "octodns_bind.ZoneFileProvider",
            "octodns.source.axfr.ZoneFileSource",
        ] {
            assert_eq!(files(c), Some(Some(FileFormat::ZoneFile)), "{c}");
        }
        for c in [
            "powerdns",
            "octodns_powerdns.PowerDnsProvider",
            "route53",
            "octodns_route53.Route53Provider",
            "azure",
            "octodns_azure.AzureProvider",
            "rfc2136",
            "octodns_bind.Rfc2136Provider",
            "octodns_bind.BindProvider",
            "octodns_bind.AxfrSource",
            "octodns.source.axfr.AxfrSource",
        ] {
            assert_eq!(files(c), Some(None), "{c}");
        }
        assert_eq!(files("octodns_cloudflare.CloudflareProvider"), Some(None));
        assert_eq!(files("cloudflare"), Some(None));
        assert_eq!(files("octodns_ns1.Ns1Provider"), Some(None));
        assert_eq!(files("octodns_zerigo.ZerigoProvider"), None);
        // every name is in one entry only
        let names = Registry.names();
        let unique: std::collections::BTreeSet<_> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
    }

    #[test]
    fn each_provider_builds_from_its_class_and_valid_settings() {
        let dir = tempfile::tempdir().unwrap();
        for (class, settings) in VALID {
            let cfg = load(dir.path(), class, settings);
            let p = build(&cfg.providers["p"]).unwrap_or_else(|e| panic!("{class}: {e}"));
            assert_eq!(p.id(), "p");
        }
    }

    #[test]
    fn check_reports_settings_errors_as_diagnostics_without_building() {
        let dir = tempfile::tempdir().unwrap();
        for (class, settings) in VALID {
            assert_eq!(check(&load(dir.path(), class, settings)), [], "{class}");
            let line = 4 + settings.lines().count() as u32;
            let d = check(&load(
                dir.path(),
                class,
                &format!("{settings}    nope: 1\n"),
            ));
            assert_eq!(d.len(), 1, "{class}: {d:?}");
            assert_eq!(
                (d[0].rule.as_str(), d[0].pos.line),
                ("config-invalid", line)
            );
            assert!(
                d[0].message
                    .starts_with("provider p: unknown setting(s) nope; known: "),
                "{class}: {}",
                d[0].message
            );
        }
    }

    #[test]
    fn an_unknown_key_is_reported_at_its_line_for_every_provider() {
        let dir = tempfile::tempdir().unwrap();
        for (class, settings) in VALID {
            let line = 4 + settings.lines().count();
            let cfg = load(
                dir.path(),
                class,
                &format!("{settings}    timeuot: 5\n    other_typo: 1\n"),
            );
            let e = build_err(&cfg);
            let at =
                format!("config.yaml:{line}:5: unknown setting(s) timeuot, other_typo; known: ");
            assert!(e.starts_with("provider p: "), "{class}: {e}");
            assert!(e.contains(&at), "{class}: {e}");
            // the nearest known key is suggested where there is one
            if e.contains("timeout") {
                assert!(e.ends_with("did you mean `timeout`?"), "{class}: {e}");
            }
        }
    }

    #[test]
    fn a_wrong_type_is_reported_at_its_line_with_the_key_for_every_provider() {
        let dir = tempfile::tempdir().unwrap();
        let wrong = [
            "default_ttl: [1]",
            "check_origin: maybe",
            "port: {a: 1}",
            "private: [x]",
            "timeout: soon",
            "ipv6: 3",
        ];
        let want = [
            "`default_ttl` must be a whole number, not a list",
            "`check_origin` must be a boolean, not a string",
            "`port` must be a port number (1-65535), not a mapping",
            "`private` must be true or false, not a list",
            "`timeout` must be a number of seconds (> 0)",
            "`ipv6` must be true or false, not a number",
        ];
        for (((class, settings), bad), want) in VALID.iter().zip(wrong).zip(want) {
            let line = 4 + settings.lines().count();
            let col = bad.find(':').unwrap() + 7;
            let cfg = load(dir.path(), class, &format!("{settings}    {bad}\n"));
            let e = build_err(&cfg);
            assert!(
                e.contains(&format!("config.yaml:{line}:{col}: {want}")),
                "{class}: {e}"
            );
        }
    }

    #[test]
    fn env_secrets_in_settings_are_resolved_and_never_echoed_in_an_error() {
        // SAFETY: test-local variable names, set before any read
        unsafe {
            std::env::set_var("DNSPLAN_T_REG_KEY", "reg-secret-api-key-1");
            std::env::set_var("DNSPLAN_T_REG_PORT", "reg-secret-not-a-port");
            std::env::set_var("DNSPLAN_T_REG_NUM", "918273645501");
        }
        let dir = tempfile::tempdir().unwrap();
        let pdns = "octodns_powerdns.PowerDnsProvider";
        let cfg = load(
            dir.path(),
            pdns,
            "host: 127.0.0.1\n    api_key: env/DNSPLAN_T_REG_KEY\n    port: env/DNSPLAN_T_REG_NUM/1\n",
        );
        let pc = &cfg.providers["p"];
        let s = crate::provider::powerdns::Settings::from_config(pc).unwrap_err();
        // 918273645501 is a number (octoDNS's coercion) too large for a port
        assert_eq!(s.key.as_deref(), Some("port"));
        assert!(!s.to_string().contains("918273645501"), "{s}");
        let cfg = load(
            dir.path(),
            pdns,
            "host: 127.0.0.1\n    api_key: env/DNSPLAN_T_REG_KEY\n    port: env/DNSPLAN_T_REG_NOPE/8082\n",
        );
        let s = crate::provider::powerdns::Settings::from_config(&cfg.providers["p"]).unwrap();
        assert_eq!(s.api_key, "reg-secret-api-key-1");
        assert_eq!(s.port, 8082);
        assert!(
            cfg.secret_values()
                .contains(&"reg-secret-api-key-1".to_string())
        );
        assert!(!format!("{:?}", cfg.providers["p"]).contains("reg-secret"));
        // a wrong type or value under a secret names the key and its line, not the value
        for settings in [
            "host: 127.0.0.1\n    api_key: k\n    port: env/DNSPLAN_T_REG_PORT\n",
            "host: 127.0.0.1\n    api_key: env/DNSPLAN_T_REG_NUM\n",
            "host: 127.0.0.1\n    api_key: k\n    timeout: env/DNSPLAN_T_REG_PORT\n",
        ] {
            let e = build_err(&load(dir.path(), pdns, settings));
            assert!(
                e.contains("config.yaml:6:") || e.contains("config.yaml:5:"),
                "{e}"
            );
            assert!(
                !e.contains("reg-secret") && !e.contains("918273645501"),
                "{e}"
            );
        }
        let e = build_err(&load(
            dir.path(),
            pdns,
            "host: 127.0.0.1\n    api_key: env/DNSPLAN_T_REG_NUM\n",
        ));
        assert!(
            e.contains("`api_key` must be a string, not a number"),
            "{e}"
        );
    }
}
