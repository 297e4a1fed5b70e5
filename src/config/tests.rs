use super::*;

#[test]
fn sub_zones_of_every_depth() {
    let names: HashSet<String> = [
        "some.com.",
        "other.some.com.",
        "deep.thing.some.com.",
        "x.other.some.com.",
        "com.x.",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let m = sub_zone_map(names.iter().map(String::as_str));
    assert_eq!(m["some.com."], vec!["deep.thing", "other", "x.other"]);
    assert_eq!(m["other.some.com."], vec!["x"]);
    assert!(!m.contains_key("com.x."));
}

#[test]
fn sub_zone_questions_get_the_same_answer_before_and_after_the_index_is_built() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.yaml");
    let names = [
        "some.com.",
        "other.some.com.",
        "deep.thing.some.com.",
        "x.other.some.com.",
        "ome.com.",
        "com.x.",
        "x.",
    ];
    let mut text =
        "providers:\n  a: {class: octodns.provider.yaml.YamlProvider, directory: ./a}\nzones:\n"
            .to_string();
    for n in names {
        text.push_str(&format!("  {n}: {{sources: [a], targets: [a]}}\n"));
    }
    std::fs::write(&path, text).unwrap();
    let (cfg, diags) = load(&path, &crate::provider::registry::Registry);
    assert!(diags.is_empty(), "{diags:?}");
    let cfg = cfg.unwrap();
    let map = sub_zone_map(names.into_iter());
    // more rounds than SUB_ZONE_SCANS: the first answers come from scans, the rest from
    // the index
    for round in 0..3 {
        for n in names {
            let want: Vec<&str> = map
                .get(n)
                .map(|v| v.iter().map(String::as_str).collect())
                .unwrap_or_default();
            assert_eq!(cfg.sub_zones_of(n), want, "{n} in round {round}");
        }
    }
    assert!(cfg.sub_zones.map.get().is_some());
    assert_eq!(
        cfg.sub_zones_of("some.com."),
        ["deep.thing", "other", "x.other"]
    );
    assert_eq!(cfg.sub_zones_of("x."), ["com"]);
}

#[test]
fn a_zone_written_twice_is_reported_at_the_later_spelling_and_the_first_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.yaml");
    std::fs::write(
        &path,
        "providers:\n  a: {class: octodns.provider.yaml.YamlProvider, directory: ./a}\n  \
         b: {class: octodns.provider.yaml.YamlProvider, directory: ./b}\nzones:\n  \
         z.example.: {sources: [a], targets: [b]}\n  \
         xn--bcher-kva.example.: {sources: [a], targets: [b]}\n  \
         bücher.example.: {sources: [b], targets: [a]}\n  \
         a.example.: {sources: [a], targets: [b]}\n",
    )
    .unwrap();
    let (cfg, diags) = load(&path, &crate::provider::registry::Registry);
    let cfg = cfg.unwrap();
    let dups: Vec<_> = diags
        .iter()
        .filter(|d| d.rule == "config-duplicate-zone")
        .collect();
    assert_eq!(dups.len(), 1, "{diags:?}");
    assert_eq!(dups[0].pos.line, 7);
    assert!(dups[0].message.contains("line 6"), "{}", dups[0].message);
    let names: Vec<&str> = cfg.zones.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["a.example.", "xn--bcher-kva.example.", "z.example."]
    );
    assert_eq!(cfg.zones["xn--bcher-kva.example."].sources, ["a"]);
}

#[test]
fn an_unknown_class_lists_the_known_ones_and_suggests_the_nearest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.yaml");
    std::fs::write(
        &path,
        "providers:\n  a:\n    class: octodns_powerdns.PowerDNSProvider\n  \
         b:\n    class: octodns_zerigo.ZerigoProvider\n  c: {directory: x}\n\
         zones: {}\n",
    )
    .unwrap();
    let (_, diags) = load(&path, &crate::provider::registry::Registry);
    let msgs: Vec<(&str, u32, &str)> = diags
        .iter()
        .map(|d| (d.rule.as_str(), d.pos.line, d.message.as_str()))
        .collect();
    assert_eq!(msgs.len(), 3, "{msgs:?}");
    let (rule, line, a) = msgs[0];
    assert_eq!((rule, line), ("config-unknown-class", 3));
    assert!(
        a.starts_with(
            "Unknown provider class: octodns_powerdns.PowerDNSProvider (provider a); did you \
             mean octodns_powerdns.PowerDnsProvider?; known classes: yaml, \
             octodns.provider.yaml.YamlProvider, "
        ),
        "{a}"
    );
    let (rule, line, b) = msgs[1];
    assert_eq!((rule, line), ("config-unknown-class", 5));
    assert!(!b.contains("did you mean"), "{b}");
    for known in crate::provider::registry::Registry.names() {
        assert!(b.contains(known), "{known} in {b}");
    }
    assert_eq!(msgs[2].0, "config-missing-class");
}

#[test]
fn fnmatch() {
    assert!(glob_match("*.example.com.", "a.example.com."));
    assert!(!glob_match("*.example.com.", "example.com."));
    assert!(glob_match("zone[0-9]?.com.", "zone1a.com."));
    assert!(!glob_match("zone[!0-9].com.", "zone1.com."));
}

#[test]
fn validators_enabled_by_id_are_on_whatever_their_sets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.yaml");
    std::fs::write(
        &path,
        "manager:\n  validators:\n    zone:\n      validators: [mail]\n    record:\n      \
         validators:\n        TXT: [spf-record-type]\nproviders: {}\nzones: {}\n",
    )
    .unwrap();
    let (cfg, diags) = load(&path, &crate::provider::registry::Registry);
    assert!(diags.is_empty(), "{diags:?}");
    let rules = &cfg.unwrap().manager.rules;
    use crate::model::RecordType;
    use crate::validate::{BEST, STRICT};
    assert!(
        rules.zone_on("mail", BEST),
        "enabled by id in the legacy set"
    );
    assert!(!rules.zone_on("multi-value-ns", BEST));
    assert!(rules.on("spf-record-type", STRICT, &RecordType::Txt));
    assert!(
        !rules.on("spf-record-type", STRICT, &RecordType::A),
        "for TXT only"
    );
}

#[test]
fn ignore_rules_and_never_delete_are_read_from_providers_and_zones_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.yaml");
    std::fs::write(
        &path,
        "providers:\n  a: {class: octodns.provider.yaml.YamlProvider, directory: ./a}\n  \
         b:\n    class: octodns.provider.yaml.YamlProvider\n    directory: ./b\n    \
         never_delete: true\n    ignore:\n      - {type: [TXT, mx], value: 'v=*'}\n      \
         - 'k8s-*'\n      - {}\n      - {name: x, kind: A}\n      - {type: NOPE}\n\
         zones:\n  example.com.:\n    sources: [a]\n    targets: [b]\n    never_delete: maybe\n    \
         ignore:\n      - {name: '_acme-challenge*'}\n",
    )
    .unwrap();
    let (cfg, diags) = load(&path, &crate::provider::registry::Registry);
    let errors: Vec<(u32, &str)> = diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| (d.pos.line, d.message.as_str()))
        .collect();
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert!(
        errors[0]
            .1
            .contains("needs at least one of name, type, value"),
        "{errors:?}"
    );
    assert!(errors[1].1.contains("unknown key `kind`"), "{errors:?}");
    assert!(
        errors[2].1.contains("unknown record type \"NOPE\""),
        "{errors:?}"
    );
    assert!(
        errors[3].1.contains("`never_delete` must be true or false"),
        "{errors:?}"
    );
    let cfg = cfg.unwrap();
    let zc = &cfg.zones["example.com."];
    let p = cfg.partial(zc, "b");
    assert!(p.never_delete);
    let rules: Vec<String> = p.ignore.iter().map(|r| r.describe()).collect();
    assert_eq!(
        rules,
        [
            "name=_acme-challenge*",
            "type=TXT,MX value=v=*",
            "name=k8s-*"
        ]
    );
    assert!(
        cfg.partial(zc, "a").ignore.len() == 1,
        "the zone's rules only"
    );
}
