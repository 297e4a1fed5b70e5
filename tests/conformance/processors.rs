//! octoDNS's processors, dnsplan against the real octoDNS 1.22 on the same configs
//! (`differential`): what both write into empty YAML targets is the same data, and each plans
//! nothing against the other's output; what octoDNS refuses, dnsplan refuses.

use crate::differential::{Setup, both_apply, both_refuse};

const ZONE: &str = "---
'':
- type: A
  value: 192.0.2.1
- type: TXT
  value: hello
www:
  type: CNAME
  value: example.com.
mail:
  type: MX
  value: {exchange: mx.example.net., preference: 10}
";

/// What the target held before dnsplan: a record the source does not have, of each type.
const HELD: &str = "---
old:
- type: A
  value: 192.0.2.9
- type: TXT
  value: foreign
";

#[test]
fn type_allowlist_keeps_both_sides_and_leaves_other_types_alone() {
    let setup = Setup::new(
        "processors:\n  only-a:\n    class: octodns.processor.filter.TypeAllowlistFilter\n    \
         allowlist: [A, CNAME]\n",
    )
    .zone("example.com.", &["processors: [only-a]"], ZONE)
    .existing("example.com.", HELD)
    .octodns_loses("example.com.", "old", "TXT");
    let run = both_apply(&setup);
    let out = &run.files("ours")["example.com.yaml"];
    // the TXT and MX of the source are not managed; the held A is deleted, the held TXT kept
    assert!(out.get("mail").is_none(), "{out:#}");
    assert_eq!(out["old"]["type"], "TXT", "{out:#}");
}

#[test]
fn type_rejectlist_without_the_target_deletes_what_the_target_holds() {
    let setup = Setup::new(
        "processors:\n  no-txt:\n    class: octodns.processor.filter.TypeRejectlistFilter\n    \
         rejectlist: [TXT]\n    include_target: false\n",
    )
    .zone("example.com.", &["processors: [no-txt]"], ZONE)
    .existing("example.com.", HELD);
    let run = both_apply(&setup);
    let out = &run.files("ours")["example.com.yaml"];
    // the source's TXT is not managed, the held one not protected: it is deleted, as is the
    // held A
    assert!(out.get("old").is_none(), "{out:#}");
    assert!(out[""].is_object(), "one apex record left (A): {out:#}");
}

#[test]
fn a_processor_class_that_is_not_built_in_is_refused_by_both() {
    let setup = Setup::new("processors:\n  mine:\n    class: mycompany.dns.KeepOurRecords\n").zone(
        "example.com.",
        &["processors: [mine]"],
        ZONE,
    );
    let (octo, ours) = both_refuse(&setup);
    assert!(octo.contains("Unknown processor class"), "{octo}");
    assert!(
        ours.contains("Unknown processor class: mycompany.dns.KeepOurRecords"),
        "{ours}"
    );
    assert!(
        ours.contains("ours.yaml:3"),
        "names the file and line: {ours}"
    );
}

#[test]
fn a_zone_naming_an_unknown_processor_is_refused_by_both() {
    let setup = Setup::new("").zone("example.com.", &["processors: [missing]"], ZONE);
    let (octo, ours) = both_refuse(&setup);
    assert!(octo.contains("unknown processor: missing"), "{octo}");
    assert!(
        ours.contains("Zone example.com., unknown processor: missing"),
        "{ours}"
    );
}
