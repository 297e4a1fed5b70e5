//! A small plan with a bit of everything the plan-file format holds (creates, updates,
//! deletes, an IDNA name, escaped TXT, a zone that does not exist yet, one without changes),
//! for the tests that pin the plan file's bytes and checksum.

use crate::model::{Capabilities, RecordSet, Zone};
use crate::plan::{Plan, diff};

/// A record from its octoDNS data, written as JSON (read as a plan file's records are).
pub(crate) fn record(name: &str, data: &str) -> RecordSet {
    let data: serde_json::Value = serde_json::from_str(data).expect("JSON record data");
    super::record_from_data(name, &data).expect("a record")
}

fn zone(name: &str, records: &[(&str, &str)]) -> Zone {
    let mut z = Zone::new(name);
    for (n, data) in records {
        z.insert(record(n, data));
    }
    z
}

const NS: (&str, &str) = (
    "",
    r#"{"type": "NS", "ttl": 3600, "values": ["ns1.example.com.", "ns2.example.com."]}"#,
);

/// Three zone × target plans: example.com. on `bind` (delete, creates, update) and on `pdns`
/// (no changes), and xn--bcher-kva.example. on `bind` (does not exist yet).
pub(crate) fn plan() -> Plan {
    let all = Capabilities::everything();
    let existing = zone(
        "example.com.",
        &[
            NS,
            ("www", r#"{"type": "A", "ttl": 300, "value": "192.0.2.1"}"#),
            (
                "old",
                r#"{"type": "MX", "ttl": 300, "value": {"preference": 10, "exchange": "mx.example.com."}}"#,
            ),
        ],
    );
    let desired = zone(
        "example.com.",
        &[
            NS,
            (
                "www",
                r#"{"type": "A", "ttl": 60, "values": ["192.0.2.1", "192.0.2.2"]}"#,
            ),
            (
                "_dmarc",
                r#"{"type": "TXT", "value": "v=DMARC1\\; p=reject\\; rua=mailto:\"d@example.com\""}"#,
            ),
            (
                "xn--bcher-kva",
                r#"{"type": "CNAME", "ttl": 120, "value": "www.example.com."}"#,
            ),
        ],
    );
    let new_zone = zone(
        "xn--bcher-kva.example.",
        &[(
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
