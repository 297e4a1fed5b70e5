//! A small plan with a bit of everything the plan-file format holds (creates, updates,
//! deletes, an IDNA name, escaped TXT, a zone that does not exist yet, one without changes),
//! for the tests that pin the plan file's bytes and checksum.

use std::sync::Arc;

use crate::model::{Capabilities, RecordSet, Zone};
use crate::plan::{Plan, diff};
use crate::yaml::{KeyOrder, LoadOptions, load_str};

/// A record from its octoDNS data, written as JSON (or YAML flow).
pub(crate) fn record(name: &str, data: &str) -> RecordSet {
    let file: Arc<str> = Arc::from("<sample>");
    let loaded = load_str(
        data,
        &file,
        LoadOptions {
            order: KeyOrder::Any,
            includes: false,
        },
    );
    crate::model::build::record_from_node(name, &loaded.root.expect("record data"), 3600)
        .expect("a record")
}

fn zone(name: &str, records: Vec<RecordSet>) -> Zone {
    let mut z = Zone::new(name);
    for r in records {
        z.insert(r);
    }
    z
}

/// Three zone × target plans: example.com. on `bind` (delete, creates, update) and on `pdns`
/// (no changes), and xn--bcher-kva.example. on `bind` (does not exist yet).
pub(crate) fn plan() -> Plan {
    let all = Capabilities::everything();
    let existing = zone(
        "example.com.",
        vec![
            record(
                "",
                r#"{"type": "NS", "ttl": 3600, "values": ["ns1.example.com.", "ns2.example.com."]}"#,
            ),
            record("www", r#"{"type": "A", "ttl": 300, "value": "192.0.2.1"}"#),
            record(
                "old",
                r#"{"type": "MX", "ttl": 300, "value": {"preference": 10, "exchange": "mx.example.com."}}"#,
            ),
        ],
    );
    let desired = zone(
        "example.com.",
        vec![
            record(
                "",
                r#"{"type": "NS", "ttl": 3600, "values": ["ns1.example.com.", "ns2.example.com."]}"#,
            ),
            record(
                "www",
                r#"{"type": "A", "ttl": 60, "values": ["192.0.2.1", "192.0.2.2"]}"#,
            ),
            record(
                "_dmarc",
                r#"{"type": "TXT", "value": "v=DMARC1\\; p=reject\\; rua=mailto:\"d@example.com\""}"#,
            ),
            record(
                "xn--bcher-kva",
                r#"{"type": "CNAME", "ttl": 120, "value": "www.example.com."}"#,
            ),
        ],
    );
    let new_zone = zone(
        "xn--bcher-kva.example.",
        vec![record(
            "",
            r#"{"type": "CAA", "value": {"flags": 0, "tag": "issue", "value": "ca.example.net"}}"#,
        )],
    );
    let mut plan = Plan {
        plans: vec![
            diff(Some(&existing), &desired, "bind", &all),
            diff(Some(&desired), &desired, "pdns", &all),
            diff(None, &new_zone, "bind", &all),
        ],
    };
    plan.sort();
    plan
}
