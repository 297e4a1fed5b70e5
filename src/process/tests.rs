use std::sync::Arc;

use super::*;
use crate::model::RecordType;
use crate::yaml::{KeyOrder, LoadOptions, load_str};

/// A processor built from its YAML entry (without `class`).
pub(crate) fn built(class: &str, yaml: &str) -> Result<Arc<dyn Processor>, BuildError> {
    let file: Arc<str> = Arc::from("config.yaml");
    let node = load_str(
        yaml,
        &file,
        LoadOptions {
            order: KeyOrder::Any,
            includes: false,
        },
    )
    .root
    .expect("test YAML parses");
    build("p", class, &node)
}

pub(crate) fn zone(records: &[(&str, &str, &str)]) -> Zone {
    let mut z = Zone::new("example.com.");
    for (name, t, v) in records {
        let rtype = RecordType::parse(t).expect("known type");
        let value = crate::model::rdata::parse(&rtype, v).expect("valid rdata");
        z.insert(RecordSet::new(*name, rtype, 300, vec![value]));
    }
    z
}

pub(crate) fn keys(z: &Zone) -> Vec<String> {
    z.iter()
        .map(|r| format!("{} {}", r.name, r.rtype.as_str()))
        .collect()
}

#[test]
fn an_unknown_class_is_refused_with_the_reason_and_the_nearest_name() {
    let e = built("octodns.processor.filter.TypeAllowListFilter", "{}").unwrap_err();
    let text = e.to_string();
    assert!(text.contains("Unknown processor class"), "{text}");
    assert!(
        text.contains("did you mean octodns.processor.filter.TypeAllowlistFilter"),
        "{text}"
    );
    assert!(text.contains("could delete"), "{text}");
    let e = built("mycompany.processors.Custom", "{}").unwrap_err();
    assert!(matches!(e, BuildError::UnknownClass { .. }), "{e}");
}

#[test]
fn wrong_settings_are_reported_at_their_line() {
    let e = built(
        "octodns.processor.filter.TypeAllowlistFilter",
        "allowlist: [A]\nallow_list: [AAAA]\n",
    )
    .unwrap_err();
    assert!(e.to_string().contains("allow_list"), "{e}");
    assert_eq!(e.pos().map(|p| p.line), Some(2));
    let e = built("octodns.processor.filter.TypeAllowlistFilter", "{}").unwrap_err();
    assert!(e.to_string().contains("allowlist"), "{e}");
}

#[test]
fn type_filters_keep_or_drop_on_both_sides_unless_include_target_is_false() {
    let records = [
        ("", "A", "192.0.2.1"),
        ("www", "CNAME", "example.com."),
        ("", "TXT", "hello"),
    ];
    let allow = built(
        "octodns.processor.filter.TypeAllowlistFilter",
        "allowlist: [A, CNAME]",
    )
    .unwrap();
    let mut d = zone(&records);
    allow
        .source_zone(&mut d, &mut SourceCtx::default())
        .unwrap();
    assert_eq!(keys(&d), [" A", "www CNAME"]);
    let mut e = zone(&records);
    allow
        .target_zone(&mut e, &mut TargetCtx::default())
        .unwrap();
    assert_eq!(keys(&e), [" A", "www CNAME"]);

    let reject = built(
        "octodns.processor.filter.TypeRejectlistFilter",
        "rejectlist: [CNAME]\ninclude_target: false",
    )
    .unwrap();
    let mut d = zone(&records);
    reject
        .source_zone(&mut d, &mut SourceCtx::default())
        .unwrap();
    assert_eq!(keys(&d), [" A", " TXT"]);
    let mut e = zone(&records);
    reject
        .target_zone(&mut e, &mut TargetCtx::default())
        .unwrap();
    assert_eq!(
        e.len(),
        3,
        "include_target: false leaves the target's zone alone"
    );
}
