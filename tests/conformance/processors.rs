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

#[test]
fn name_rejectlist_with_a_regex_protects_matching_names_on_the_target() {
    let setup = Setup::new(
        "processors:\n  not-old:\n    class: octodns.processor.filter.NameRejectlistFilter\n    \
         rejectlist: ['/^ol/']\n",
    )
    .zone("example.com.", &["processors: [not-old]"], ZONE)
    .existing("example.com.", HELD)
    .octodns_loses("example.com.", "old", "A")
    .octodns_loses("example.com.", "old", "TXT");
    both_apply(&setup);
}

#[test]
fn name_allowlist_without_the_target_manages_only_listed_names() {
    let setup = Setup::new(
        "processors:\n  some:\n    class: octodns.processor.filter.NameAllowlistFilter\n    \
         allowlist: [www, '/^m/']\n    include_target: false\n",
    )
    .zone("example.com.", &["processors: [some]"], ZONE)
    .existing("example.com.", HELD);
    let run = both_apply(&setup);
    let out = &run.files("ours")["example.com.yaml"];
    let names: Vec<&String> = out.as_object().unwrap().keys().collect();
    assert_eq!(names, ["mail", "www"], "{out:#}");
}

#[test]
fn value_rejectlist_protects_held_values_and_skips_source_values() {
    let setup = Setup::new(
        "processors:\n  keep:\n    class: octodns.processor.filter.ValueRejectlistFilter\n    \
         rejectlist: [foreign, '/^192\\.0\\.2\\.1$/']\n",
    )
    .zone("example.com.", &["processors: [keep]"], ZONE)
    .existing("example.com.", HELD)
    .octodns_loses("example.com.", "old", "TXT");
    let run = both_apply(&setup);
    let out = &run.files("ours")["example.com.yaml"];
    assert_eq!(out[""]["type"], "TXT", "the apex A is not managed: {out:#}");
}

#[test]
fn value_allowlist_manages_only_matching_values() {
    let setup = Setup::new(
        "processors:\n  some:\n    class: octodns.processor.filter.ValueAllowlistFilter\n    \
         allowlist: [hello, '/mx\\.example/', '/^192\\.0\\.2\\./']\n",
    )
    .zone("example.com.", &["processors: [some]"], ZONE)
    .existing("example.com.", HELD)
    .octodns_loses("example.com.", "old", "TXT");
    both_apply(&setup);
}

#[test]
fn network_allowlist_manages_addresses_inside_and_every_other_type() {
    let setup = Setup::new(
        "processors:\n  net:\n    class: octodns.processor.filter.NetworkValueAllowlistFilter\n    \
         allowlist: [192.0.2.0/31, '2001:db8::/32']\n",
    )
    .zone("example.com.", &["processors: [net]"], ZONE)
    .existing("example.com.", HELD)
    .octodns_loses("example.com.", "old", "A");
    let run = both_apply(&setup);
    let out = &run.files("ours")["example.com.yaml"];
    // the held A is outside: left alone; the held TXT is another type: managed, so deleted
    assert_eq!(out["old"]["type"], "A", "{out:#}");
}

#[test]
fn network_rejectlist_leaves_matching_addresses_alone() {
    let setup = Setup::new(
        "processors:\n  net:\n    class: octodns.processor.filter.NetworkValueRejectlistFilter\n    \
         rejectlist: [192.0.2.8/29]\n",
    )
    .zone("example.com.", &["processors: [net]"], ZONE)
    .existing("example.com.", HELD)
    .octodns_loses("example.com.", "old", "A");
    both_apply(&setup);
}

#[test]
fn a_bad_network_is_refused_by_both() {
    let setup = Setup::new(
        "processors:\n  net:\n    class: octodns.processor.filter.NetworkValueRejectlistFilter\n    \
         rejectlist: [192.0.2.1/24]\n",
    )
    .zone("example.com.", &["processors: [net]"], ZONE);
    let (octo, ours) = both_refuse(&setup);
    assert!(octo.contains("not a valid CIDR to use"), "{octo}");
    assert!(
        ours.contains("192.0.2.1/24 is not a valid CIDR to use"),
        "{ours}"
    );
}

const WITH_ROOT_NS: &str = "---
'':
- type: A
  value: 192.0.2.1
- type: NS
  values: [ns1.example.net., ns2.example.net.]
www:
  type: CNAME
  value: example.com.
";

const HELD_ROOT_NS: &str = "---
'':
  type: NS
  values: [ns1.registrar.example., ns2.registrar.example.]
";

#[test]
fn ignore_root_ns_on_every_zone_leaves_every_apex_ns_alone() {
    let setup = Setup::new(
        "manager:\n  processors: [no-root-ns]\nprocessors:\n  no-root-ns:\n    \
         class: octodns.processor.filter.IgnoreRootNsFilter\n",
    )
    .zone("example.com.", &[], WITH_ROOT_NS)
    .zone("example.org.", &[], WITH_ROOT_NS)
    .existing("example.com.", HELD_ROOT_NS)
    .existing("example.org.", HELD_ROOT_NS)
    .octodns_loses("example.com.", "", "NS")
    .octodns_loses("example.org.", "", "NS");
    let run = both_apply(&setup);
    let out = &run.files("ours")["example.org.yaml"];
    assert_eq!(
        out[""].as_array().map(Vec::len),
        Some(2),
        "A written, the held NS kept: {out:#}"
    );
}

#[test]
fn exclude_root_ns_changes_refuses_the_plan_by_default() {
    let setup = Setup::new(
        "processors:\n  guard:\n    class: octodns.processor.filter.ExcludeRootNsChanges\n",
    )
    .zone("example.com.", &["processors: [guard]"], WITH_ROOT_NS)
    .existing("example.com.", HELD_ROOT_NS);
    let (octo, ours) = both_refuse(&setup);
    assert!(octo.contains("root NS changes are disallowed"), "{octo}");
    assert!(ours.contains("root NS changes are disallowed"), "{ours}");
}

#[test]
fn exclude_root_ns_changes_without_error_drops_that_change_only() {
    let setup = Setup::new(
        "processors:\n  guard:\n    class: octodns.processor.filter.ExcludeRootNsChanges\n    \
         error: false\n",
    )
    .zone("example.com.", &["processors: [guard]"], WITH_ROOT_NS);
    let run = both_apply(&setup);
    let out = &run.files("ours")["example.com.yaml"];
    assert_eq!(out[""]["type"], "A", "the root NS is not created: {out:#}");
}

const REPEATS_ZONE: &str = "---
www:
  type: A
  value: 192.0.2.1
www.example.com:
  type: A
  value: 192.0.2.2
";

#[test]
fn zone_name_filter_refuses_a_name_that_repeats_the_zone() {
    let setup =
        Setup::new("processors:\n  names:\n    class: octodns.processor.filter.ZoneNameFilter\n")
            .zone("example.com.", &["processors: [names]"], REPEATS_ZONE);
    let (octo, ours) = both_refuse(&setup);
    assert!(octo.contains("record name ends with zone name"), "{octo}");
    assert!(ours.contains("record name ends with zone name"), "{ours}");
    assert!(
        ours.contains("example.com.yaml:5"),
        "names the record's line: {ours}"
    );
}

#[test]
fn zone_name_filter_without_error_drops_those_names() {
    let setup = Setup::new(
        "processors:\n  names:\n    class: octodns.processor.filter.ZoneNameFilter\n    \
         error: false\n",
    )
    .zone("example.com.", &["processors: [names]"], REPEATS_ZONE);
    let run = both_apply(&setup);
    let out = &run.files("ours")["example.com.yaml"];
    let names: Vec<&String> = out.as_object().unwrap().keys().collect();
    assert_eq!(names, ["www"], "{out:#}");
}

const TTLS: &str = "---
short:
  type: A
  ttl: 30
  value: 192.0.2.1
long:
  type: A
  ttl: 172800
  value: 192.0.2.2
fine:
  type: A
  ttl: 3600
  value: 192.0.2.3
";

#[test]
fn ttl_restriction_refuses_a_ttl_outside_the_range() {
    let setup = Setup::new(
        "processors:\n  ttls:\n    class: octodns.processor.restrict.TtlRestrictionFilter\n    \
         min_ttl: 60\n",
    )
    .zone("example.com.", &["processors: [ttls]"], TTLS);
    let (octo, ours) = both_refuse(&setup);
    assert!(
        octo.contains("short.example.com. ttl=30 too low, min_ttl=60"),
        "{octo}"
    );
    assert!(
        ours.contains("short.example.com. ttl=30 too low, min_ttl=60"),
        "{ours}"
    );
    assert!(
        ours.contains("example.com.yaml:2"),
        "names the record's line: {ours}"
    );
}

#[test]
fn ttl_restriction_passes_ttls_in_the_set_and_skips_lenient_records() {
    let zone = "---
a:
  type: A
  ttl: 300
  value: 192.0.2.1
b:
  type: A
  ttl: 7
  value: 192.0.2.2
  octodns:
    lenient: true
";
    let setup = Setup::new(
        "processors:\n  ttls:\n    class: octodns.processor.restrict.TtlRestrictionFilter\n    \
         allowed_ttls: [300, 3600]\n",
    )
    .zone("example.com.", &["processors: [ttls]"], zone);
    both_apply(&setup);
}

#[test]
fn ttl_clamp_writes_clamped_ttls() {
    let setup = Setup::new(
        "processors:\n  clamp:\n    class: octodns.processor.clamp.TtlClampProcessor\n    \
         max_ttl: 86400\n",
    )
    .zone("example.com.", &["processors: [clamp]"], TTLS);
    let run = both_apply(&setup);
    let out = &run.files("ours")["example.com.yaml"];
    assert_eq!(out["short"]["ttl"], 300, "{out:#}");
    assert_eq!(out["long"]["ttl"], 86400, "{out:#}");
}

#[test]
fn ensure_trailing_dots_completes_lenient_records() {
    let zone = "---
'':
  type: MX
  value: {exchange: mx.example.net, preference: 10}
  octodns:
    lenient: true
www:
  type: CNAME
  value: lb.example.net
  octodns:
    lenient: true
_sip._tcp:
  type: SRV
  value: {priority: 1, weight: 2, port: 5060, target: sip.example.net}
  octodns:
    lenient: true
";
    let setup = Setup::new(
        "processors:\n  dots:\n    class: octodns.processor.trailing_dots.EnsureTrailingDots\n",
    )
    .zone("example.com.", &["processors: [dots]"], zone);
    let run = both_apply(&setup);
    let out = &run.files("ours")["example.com.yaml"];
    assert_eq!(out["www"]["value"], "lb.example.net.", "{out:#}");
}

const OWNERSHIP: &str =
    "processors:\n  owner:\n    class: octodns.processor.ownership.OwnershipProcessor\n";

/// A zone shared with another tool: `other` is that tool's (no marker), `old` was ours (its
/// marker is there), `theirs` carries another owner's marker.
const SHARED: &str = "---
_owner.a.old:
  ttl: 60
  type: TXT
  value: '*octodns*'
_owner.a.theirs:
  ttl: 60
  type: TXT
  value: '*othertool*'
old:
  type: A
  value: 192.0.2.60
other:
  type: A
  value: 192.0.2.50
theirs:
  type: A
  value: 192.0.2.70
";

#[test]
fn ownership_in_a_shared_zone_touches_only_what_it_owns() {
    let setup = Setup::new(OWNERSHIP)
        .zone("example.com.", &["processors: [owner]"], ZONE)
        .existing("example.com.", SHARED);
    let run = both_apply(&setup);
    let out = &run.files("ours")["example.com.yaml"];
    // the other tool's records stay, ours that left git go with their marker, new ones get one
    assert_eq!(out["other"]["value"], "192.0.2.50", "{out:#}");
    assert_eq!(out["theirs"]["value"], "192.0.2.70", "{out:#}");
    assert_eq!(out["_owner.a.theirs"]["value"], "*othertool*", "{out:#}");
    assert!(out.get("old").is_none(), "{out:#}");
    assert!(out.get("_owner.a.old").is_none(), "{out:#}");
    assert_eq!(out["_owner.cname.www"]["value"], "*octodns*", "{out:#}");
    assert_eq!(out["_owner.a"]["ttl"], 60, "the apex's marker: {out:#}");
}

#[test]
fn ownership_refuses_to_take_over_another_owners_record() {
    let zone = "---\ntheirs:\n  type: A\n  value: 192.0.2.71\n";
    let setup = Setup::new(OWNERSHIP)
        .zone("example.com.", &["processors: [owner]"], zone)
        .existing("example.com.", SHARED);
    let (octo, ours) = both_refuse(&setup);
    let text = "owner: refusing to take over _owner.a.theirs.example.com. A, owned by \
                ['*othertool*'], not ['*octodns*']; set allow_takeover=true to override";
    assert!(octo.contains(text), "{octo}");
    assert!(ours.contains(text), "{ours}");
}

#[test]
fn ownership_with_allow_takeover_and_its_own_marker_names() {
    let zone = "---
theirs:
  type: A
  value: 192.0.2.71
'*':
  type: A
  value: 192.0.2.80
";
    let setup = Setup::new(
        "processors:\n  owner:\n    class: octodns.processor.ownership.OwnershipProcessor\n    \
         allow_takeover: true\n",
    )
    .zone("example.com.", &["processors: [owner]"], zone)
    .existing("example.com.", SHARED);
    let run = both_apply(&setup);
    let out = &run.files("ours")["example.com.yaml"];
    assert_eq!(out["_owner.a.theirs"]["value"], "*octodns*", "{out:#}");
    assert_eq!(out["theirs"]["value"], "192.0.2.71", "{out:#}");
    assert_eq!(out["_owner.a._wildcard"]["value"], "*octodns*", "{out:#}");

    let setup = Setup::new(
        "processors:\n  owner:\n    class: octodns.processor.ownership.OwnershipProcessor\n    \
         txt_name: _dnsowner\n    txt_value: team-a\n    txt_ttl: 300\n",
    )
    .zone("example.com.", &["processors: [owner]"], ZONE)
    .existing("example.com.", SHARED);
    let run = both_apply(&setup);
    let out = &run.files("ours")["example.com.yaml"];
    assert_eq!(out["_dnsowner.mx.mail"]["value"], "team-a", "{out:#}");
    assert_eq!(out["_dnsowner.mx.mail"]["ttl"], 300, "{out:#}");
    // `_owner.a.old` is no marker of ours now: `old` is foreign and stays
    assert_eq!(out["old"]["value"], "192.0.2.60", "{out:#}");
}

#[test]
fn acme_managing_leaves_a_clients_challenge_alone_and_marks_gits() {
    let zone = "---
_acme-challenge:
  type: TXT
  value: from-git
www:
  type: A
  value: 192.0.2.1
";
    let held = "---
_acme-challenge.api:
  type: TXT
  value: certbot-token
_acme-challenge.old:
  type: TXT
  values: ['*octoDNS*', stale]
";
    let setup = Setup::new(
        "processors:\n  acme:\n    class: octodns.processor.acme.AcmeManagingProcessor\n",
    )
    .zone("example.com.", &["processors: [acme]"], zone)
    .existing("example.com.", held)
    .octodns_loses("example.com.", "_acme-challenge.api", "TXT");
    let run = both_apply(&setup);
    let out = &run.files("ours")["example.com.yaml"];
    assert_eq!(out["_acme-challenge"]["values"][0], "*octoDNS*", "{out:#}");
    assert!(
        out.get("_acme-challenge.old").is_none(),
        "ours from before: {out:#}"
    );
}

#[test]
fn spf_lookups_within_the_limit_pass_and_ptr_is_refused_by_both() {
    let ok = "---
'':
  type: TXT
  values: ['v=spf1 a mx ip4:192.0.2.0/24 -all', other]
_dmarc:
  type: TXT
  value: v=DMARC1\\; p=none
";
    let setup =
        Setup::new("processors:\n  spf:\n    class: octodns.processor.spf.SpfDnsLookupProcessor\n")
            .zone("example.com.", &["processors: [spf]"], ok);
    both_apply(&setup);

    let ptr = "---\n'':\n  type: TXT\n  value: v=spf1 ptr -all\n";
    let setup =
        Setup::new("processors:\n  spf:\n    class: octodns.processor.spf.SpfDnsLookupProcessor\n")
            .zone("example.com.", &["processors: [spf]"], ptr);
    let (octo, ours) = both_refuse(&setup);
    assert!(
        octo.contains("example.com. uses the deprecated ptr mechanism"),
        "{octo}"
    );
    assert!(
        ours.contains("example.com. uses the deprecated ptr mechanism"),
        "{ours}"
    );

    let many = format!(
        "---\n'':\n  type: TXT\n  value: v=spf1 {} -all\n",
        ["a"; 11].join(" ")
    );
    let setup =
        Setup::new("processors:\n  spf:\n    class: octodns.processor.spf.SpfDnsLookupProcessor\n")
            .zone("example.com.", &["processors: [spf]"], &many);
    let (octo, ours) = both_refuse(&setup);
    let text = "example.com. exceeds the 10 DNS lookup limit in the SPF record";
    assert!(octo.contains(text), "{octo}");
    assert!(ours.contains(text), "{ours}");
}

#[test]
fn meta_processor_writes_the_same_keys_and_neither_tool_refreshes_it_alone() {
    let setup = Setup::new(
        "processors:\n  meta:\n    class: octodns.processor.meta.MetaProcessor\n    \
         include_uuid: true\n    include_version: true\n    include_provider: true\n    \
         include_extra: {team: dns}\n",
    )
    .zone("example.com.", &["processors: [meta]"], ZONE)
    .keys_only("example.com.", "meta");
    let run = both_apply(&setup);
    let out = &run.files("ours")["example.com.yaml"];
    let values: Vec<&str> = out["meta"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(values.contains(&"provider=target"), "{values:?}");
    assert!(values.contains(&"team=dns"), "{values:?}");
    assert!(
        values.iter().any(|v| v.starts_with("time=20")),
        "{values:?}"
    );
}

#[test]
fn include_meta_writes_octodns_meta_naming_the_target() {
    let setup = Setup::new("manager:\n  include_meta: true\n").zone("example.com.", &[], ZONE);
    let run = both_apply(&setup);
    let out = &run.files("ours")["example.com.yaml"];
    assert_eq!(out["octodns-meta"]["value"], "provider=target", "{out:#}");
}

const HOSTS: &str = "---
'':
  type: A
  values: [192.0.2.1, 192.0.2.2]
www:
  type: A
  ttl: 600
  value: 192.0.2.1
mail:
- type: A
  value: 192.0.2.25
  octodns:
    auto_arpa_priority: 1
- type: AAAA
  value: 2001:db8::25
'*':
  type: A
  value: 192.0.2.99
";

const HOSTS_ORG: &str = "---
mail:
  type: A
  value: 192.0.2.25
";

#[test]
fn auto_arpa_generates_ptrs_from_every_zone_into_the_arpa_zones() {
    let static_ptr = "---\n'53':\n  type: PTR\n  value: ns.example.net.\n";
    let setup = Setup::new("manager:\n  auto_arpa: true\n")
        .zone("example.com.", &[], HOSTS)
        .zone("example.org.", &[], HOSTS_ORG)
        .zone("2.0.192.in-addr.arpa.", &[], static_ptr)
        .sources("2.0.192.in-addr.arpa.", &["config", "auto-arpa"])
        .zone("8.b.d.0.1.0.0.2.ip6.arpa.", &[], "")
        .sources("8.b.d.0.1.0.0.2.ip6.arpa.", &["auto-arpa"]);
    let run = both_apply(&setup);
    let v4 = &run.files("ours")["2.0.192.in-addr.arpa.yaml"];
    // priority first, then TTL, then name; the wildcard is skipped without a replacement
    assert_eq!(
        v4["25"]["values"],
        serde_json::json!(["mail.example.com.", "mail.example.org."]),
        "{v4:#}"
    );
    assert_eq!(
        v4["1"]["values"],
        serde_json::json!(["example.com.", "www.example.com."])
    );
    assert_eq!(v4["53"]["value"], "ns.example.net.");
    assert!(v4.get("99").is_none(), "{v4:#}");
    let v6 = &run.files("ours")["8.b.d.0.1.0.0.2.ip6.arpa.yaml"];
    assert_eq!(v6.as_object().unwrap().len(), 1, "{v6:#}");
    // a run of the arpa zone alone still sees every zone's addresses (octoDNS refuses
    // partial runs of arpa zones instead)
    let o = run.dnsplan(
        "ours",
        &["plan", "--format", "json", "2.0.192.in-addr.arpa."],
    );
    let plan: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(plan["plans"].as_array().unwrap().len(), 1, "{plan:#}");
    assert_eq!(
        plan["plans"][0]["changes"],
        serde_json::json!([]),
        "{plan:#}"
    );
}

#[test]
fn auto_arpa_settings_ttl_limits_and_the_wildcard_replacement() {
    let setup = Setup::new(
        "manager:\n  auto_arpa:\n    ttl: 1800\n    max_auto_arpa: 1\n    \
         wildcard_replacement: any\n",
    )
    .zone("example.com.", &[], HOSTS)
    .zone("2.0.192.in-addr.arpa.", &[], "")
    .sources("2.0.192.in-addr.arpa.", &["auto-arpa"]);
    let run = both_apply(&setup);
    let v4 = &run.files("ours")["2.0.192.in-addr.arpa.yaml"];
    assert_eq!(v4["1"]["value"], "example.com.", "one name at most: {v4:#}");
    assert_eq!(v4["1"]["ttl"], 1800, "{v4:#}");
    assert_eq!(v4["99"]["value"], "any.example.com.", "{v4:#}");

    let setup = Setup::new("manager:\n  auto_arpa:\n    inherit_ttl: true\n")
        .zone("example.com.", &[], HOSTS)
        .zone("2.0.192.in-addr.arpa.", &[], "")
        .sources("2.0.192.in-addr.arpa.", &["auto-arpa"]);
    both_apply(&setup);
}

#[test]
fn auto_arpa_refuses_a_ptr_also_written_in_git_unless_told_to_replace() {
    let mine = "---\n'25':\n  type: PTR\n  value: smtp.example.com.\n";
    let setup = Setup::new("manager:\n  auto_arpa: true\n")
        .zone("example.com.", &[], HOSTS)
        .zone("2.0.192.in-addr.arpa.", &[], mine)
        .sources("2.0.192.in-addr.arpa.", &["config", "auto-arpa"]);
    let (octo, ours) = both_refuse(&setup);
    assert!(
        octo.contains("Duplicate record 25.2.0.192.in-addr.arpa., type PTR"),
        "{octo}"
    );
    assert!(
        ours.contains("Duplicate record 25.2.0.192.in-addr.arpa., type PTR"),
        "{ours}"
    );

    let setup = Setup::new("manager:\n  auto_arpa:\n    populate_should_replace: true\n")
        .zone("example.com.", &[], HOSTS)
        .zone("2.0.192.in-addr.arpa.", &[], mine)
        .sources("2.0.192.in-addr.arpa.", &["config", "auto-arpa"]);
    let run = both_apply(&setup);
    let v4 = &run.files("ours")["2.0.192.in-addr.arpa.yaml"];
    assert_eq!(v4["25"]["value"], "mail.example.com.", "{v4:#}");
}

#[test]
fn templating_fills_zone_record_and_context_parameters() {
    let zone = "---
'':
  type: TXT
  values:
  - zone {zone_name} ({zone_encoded_name}) holds {zone_num_records} records
  - team={team}, since {year}
mail:
  type: MX
  value: {exchange: 'mx1.{zone_name}', preference: 10}
  octodns:
    lenient: true
www:
  type: CNAME
  ttl: 600
  value: 'lb.{record_name}.{zone_name}'
  octodns:
    lenient: true
_sip._tcp:
  type: SRV
  value: {priority: 1, weight: 2, port: 5060, target: 'sip.{zone_name}'}
  octodns:
    lenient: true
txt:
  type: TXT
  value: '{record_fqdn} {record_type} {record_ttl} {record_source_id} {{braces}}'
";
    let setup = Setup::new(
        "processors:\n  tpl:\n    class: octodns.processor.templating.Templating\n    \
         context: {team: dns, year: 2026}\n",
    )
    .zone("example.com.", &["processors: [tpl]"], zone);
    let run = both_apply(&setup);
    let out = &run.files("ours")["example.com.yaml"];
    assert_eq!(out["www"]["value"], "lb.www.example.com.", "{out:#}");

    // an IDN zone: the encoded name makes a valid target; the decoded one in a TXT is not
    // ASCII, which the record rules refuse in the templated copy, as octoDNS's do
    let idn = "---
www:
  type: CNAME
  value: 'lb.{zone_encoded_name}'
  octodns:
                   lenient: true
";
    let setup = Setup::new(
        "processors:
  tpl:
    class: octodns.processor.templating.Templating
",
    )
    .zone("bücher.example.", &["processors: [tpl]"], idn);
    let run = both_apply(&setup);
    let out = &run.files("ours")["bücher.example.yaml"];
    assert_eq!(out["www"]["value"], "lb.xn--bcher-kva.example.", "{out:#}");
    let setup = Setup::new(
        "processors:
  tpl:
    class: octodns.processor.templating.Templating
",
    )
    .zone(
        "bücher.example.",
        &["processors: [tpl]"],
        "---
'':
  type: TXT
  value: 'zone {zone_name}'
",
    );
    let (octo, ours) = both_refuse(&setup);
    assert!(octo.contains("non ASCII character"), "{octo}");
    assert!(ours.contains("non ASCII character"), "{ours}");

    let setup = Setup::new(
        "processors:\n  tpl:\n    class: octodns.processor.templating.Templating\n    \
         trailing_dots: false\n",
    )
    .zone(
        "example.com.",
        &["processors: [tpl]"],
        "---\n'':\n  type: TXT\n  value: '{zone_name}|{record_fqdn}'\n",
    );
    both_apply(&setup);

    let setup =
        Setup::new("processors:\n  tpl:\n    class: octodns.processor.templating.Templating\n")
            .zone(
                "example.com.",
                &["processors: [tpl]"],
                "---\n'':\n  type: TXT\n  value: 'hello {nobody}'\n",
            );
    let (octo, ours) = both_refuse(&setup);
    let text = "undefined template parameter \"nobody\" in value";
    assert!(octo.contains(text), "{octo}");
    assert!(ours.contains(text), "{ours}");
}

/// The block octoDNS's plan log holds: from the first rule of stars to the last.
fn plan_log_block(text: &str) -> String {
    let start = text.find("\n****").map(|i| i + 1).unwrap_or(text.len());
    let end = text.rfind("****\n").map(|i| i + 5).unwrap_or(text.len());
    text.get(start..end).unwrap_or_default().to_string()
}

#[test]
fn plan_outputs_write_what_octodns_writes_where_it_writes_it() {
    let zone = "---
'':
- type: A
  values: [192.0.2.1, 192.0.2.2]
- type: CAA
  value: {flags: 0, tag: issue, value: letsencrypt.org}
- type: MX
  values:
  - {exchange: mx1.example.com., preference: 10}
  - {exchange: mx2.example.com., preference: 20}
- type: TXT
  values: ['v=spf1 -all', 'v=DMARC1\\; p=none']
_sip._tcp:
  type: SRV
  value: {port: 5060, priority: 1, target: sip.example.com., weight: 2}
old:
  type: A
  ttl: 60
  value: 192.0.2.10
v6:
  type: AAAA
  value: 2001:db8::1
www:
  type: CNAME
  value: example.com.
  octodns:
    lenient: true
";
    let held = "---\ngone:\n  type: TXT\n  value: bye\nold:\n  type: A\n  value: 192.0.2.9\n";
    let head = "manager:\n  plan_outputs:\n    log:\n      class: octodns.provider.plan.PlanLogger\n      \
                level: info\n    md:\n      class: octodns.provider.plan.PlanMarkdown\n      \
                output_filename: plan.md\n    html:\n      class: octodns.provider.plan.PlanHtml\n      \
                output_filename: plan.html\n    json:\n      class: octodns.provider.plan.PlanJson\n      \
                output_filename: plan.json\n    pretty:\n      class: octodns.provider.plan.PlanJson\n      \
                indent: 2\n      output_filename: pretty.json\n";
    let setup = Setup::new(head)
        .zone("example.com.", &[], zone)
        .zone(
            "bücher.example.",
            &[],
            "---\nwww:\n  type: TXT\n  value: ünïcode\n  octodns:\n    lenient: true\n",
        )
        .existing("example.com.", held);
    let run = crate::differential::Run::new(&setup);
    let files = ["plan.md", "plan.html", "plan.json", "pretty.json"];
    let read = |run: &crate::differential::Run| -> Vec<String> {
        files
            .iter()
            .map(|f| {
                std::fs::read_to_string(run.path().join(f)).unwrap_or_else(|e| panic!("{f}: {e}"))
            })
            .collect()
    };
    let o = run.octodns("octo", false);
    assert!(o.status.success(), "{}", crate::suite::show(&o));
    let octo_files = read(&run);
    let octo_log = plan_log_block(&String::from_utf8_lossy(&o.stderr));
    for f in files {
        std::fs::remove_file(run.path().join(f)).unwrap();
    }
    let d = run.dnsplan("ours", &["plan", "--format", "octodns"]);
    assert!(d.status.success(), "{}", crate::suite::show(&d));
    let our_files = read(&run);
    for ((name, a), b) in files.iter().zip(&our_files).zip(&octo_files) {
        assert_eq!(a, b, "{name}: dnsplan (left) and octoDNS (right) differ");
    }
    let our_log = plan_log_block(&String::from_utf8_lossy(&d.stderr));
    assert!(!our_log.is_empty(), "{}", crate::suite::show(&d));
    assert_eq!(our_log, octo_log, "the plan log");
    assert!(
        d.stdout.is_empty(),
        "every output went to its file or the log"
    );
    // what was compared holds the plan: both zones, every operation, escaped non-ASCII
    assert!(
        octo_files[0].contains("## bücher.example.")
            && octo_files[0].contains("| Update | old | A |")
    );
    assert!(
        octo_files[2].contains("\\u00fcn\\u00efcode"),
        "{}",
        octo_files[2]
    );
    assert!(
        octo_log.contains("Delete <TxtRecord TXT 3600, gone.example.com., ['bye']>"),
        "{octo_log}"
    );
    assert!(
        octo_log.contains(
            "<MxRecord MX 3600, example.com., [''10 mx1.example.com.'', ''20 mx2.example.com.'']>"
        ),
        "{octo_log}"
    );
}

#[test]
fn the_plan_log_shows_dynamic_and_geo_records_as_octodns_does() {
    let zone = "---
geo:
  type: A
  values: [192.0.2.1]
  geo:
    EU: [192.0.2.6, 192.0.2.7]
    NA-US-CA: [192.0.2.5]
pool:
  type: A
  values: [192.0.2.1, 192.0.2.2]
  dynamic:
    pools:
      eu:
        fallback: us
        values:
        - {value: 192.0.2.10, weight: 3}
        - {value: 192.0.2.11, status: up}
      us:
        values:
        - value: 192.0.2.20
    rules:
    - geos: [NA-US-CA, EU]
      pool: eu
    - pool: us
web:
  type: CNAME
  value: www.example.net.
  dynamic:
    pools:
      one:
        values:
        - value: a.example.net.
    rules:
    - pool: one
";
    let setup = Setup::new("").zone("example.com.", &[], zone);
    let run = crate::differential::Run::new(&setup);
    let o = run.octodns("octo", false);
    assert!(o.status.success(), "{}", crate::suite::show(&o));
    let d = run.dnsplan("ours", &["plan", "--format", "octodns"]);
    assert!(d.status.success(), "{}", crate::suite::show(&d));
    let octo_log = plan_log_block(&String::from_utf8_lossy(&o.stderr));
    let our_log = plan_log_block(&String::from_utf8_lossy(&d.stderr));
    assert!(
        octo_log.contains("Create <ARecord A 3600, pool.example.com."),
        "{octo_log}"
    );
    assert_eq!(our_log, octo_log, "the default plan log");
}

#[test]
fn the_root_ns_warning_appears_where_octodns_gives_it() {
    const WARNING: &str = "root NS record supported, but no record is configured for example.com.";
    let cases: [(&str, &[&str], bool); 4] = [
        (ZONE, &[], true),
        (ZONE, &["root_ns_warnings: false"], false),
        (ZONE, &["supports_root_ns: false"], false),
        (WITH_ROOT_NS, &[], false),
    ];
    for (zone, settings, warned) in cases {
        let mut setup = Setup::new("").zone("example.com.", &[], zone);
        setup.target_settings = settings.iter().map(|s| s.to_string()).collect();
        let run = crate::differential::Run::new(&setup);
        let o = run.octodns("octo", false);
        assert!(o.status.success(), "{}", crate::suite::show(&o));
        let d = run.dnsplan("ours", &["plan"]);
        assert!(d.status.success(), "{}", crate::suite::show(&d));
        let octo = String::from_utf8_lossy(&o.stderr).contains(WARNING);
        let ours = format!(
            "{}{}",
            String::from_utf8_lossy(&d.stdout),
            String::from_utf8_lossy(&d.stderr)
        )
        .contains(WARNING);
        assert_eq!(
            (octo, ours),
            (warned, warned),
            "{settings:?}\n{}",
            crate::suite::show(&d)
        );
    }
}

#[test]
fn more_options_of_each_class_agree_with_octodns() {
    // the ownership marker's name taken by a desired record, replaced with should_replace
    let taken =
        "---\n_owner.a.www:\n  type: TXT\n  value: mine\nwww:\n  type: A\n  value: 192.0.2.1\n";
    let setup = Setup::new(
        "processors:\n  owner:\n    class: octodns.processor.ownership.OwnershipProcessor\n    \
         should_replace: true\n",
    )
    .zone("example.com.", &["processors: [owner]"], taken);
    let run = both_apply(&setup);
    assert_eq!(
        run.files("ours")["example.com.yaml"]["_owner.a.www"]["value"],
        "*octodns*"
    );
    let setup = Setup::new(OWNERSHIP).zone("example.com.", &["processors: [owner]"], taken);
    let (octo, ours) = both_refuse(&setup);
    assert!(
        octo.contains("Duplicate record _owner.a.www.example.com., type TXT"),
        "{octo}"
    );
    assert!(
        ours.contains("Duplicate record _owner.a.www.example.com., type TXT"),
        "{ours}"
    );

    // MetaProcessor's record_name and ttl
    let setup = Setup::new(
        "processors:\n  meta:\n    class: octodns.processor.meta.MetaProcessor\n    \
         record_name: _dns-meta\n    ttl: 300\n    include_time: false\n    \
         include_provider: true\n",
    )
    .zone("example.com.", &["processors: [meta]"], ZONE);
    let run = both_apply(&setup);
    assert_eq!(
        run.files("ours")["example.com.yaml"]["_dns-meta"]["ttl"],
        300
    );

    // TtlRestrictionFilter's max_ttl
    let setup = Setup::new(
        "processors:\n  ttls:\n    class: octodns.processor.restrict.TtlRestrictionFilter\n    \
         max_ttl: 86400\n",
    )
    .zone("example.com.", &["processors: [ttls]"], TTLS);
    let (octo, ours) = both_refuse(&setup);
    let text = "long.example.com. ttl=172800 too high, max_ttl=86400";
    assert!(octo.contains(text), "{octo}");
    assert!(ours.contains(text), "{ours}");

    // a value allowlist that leaves the target alone: what the source does not list is
    // deleted from the target
    let setup = Setup::new(
        "processors:\n  some:\n    class: octodns.processor.filter.ValueAllowlistFilter\n    \
         allowlist: [hello, foreign]\n    include_target: false\n",
    )
    .zone("example.com.", &["processors: [some]"], ZONE)
    .existing("example.com.", HELD);
    let run = both_apply(&setup);
    let out = &run.files("ours")["example.com.yaml"];
    assert_eq!(out[""]["value"], "hello", "{out:#}");
    assert!(out.get("old").is_none(), "{out:#}");

    // a type allowlist with include_target: false and a type rejectlist on both sides
    let setup = Setup::new(
        "processors:\n  a-only:\n    class: octodns.processor.filter.TypeAllowlistFilter\n    \
         allowlist: [A]\n    include_target: false\n  no-mx:\n    \
         class: octodns.processor.filter.TypeRejectlistFilter\n    rejectlist: [MX]\n",
    )
    .zone("example.com.", &["processors: [no-mx, a-only]"], ZONE)
    .existing("example.com.", HELD);
    both_apply(&setup);
}

#[test]
fn auto_arpa_with_many_arpa_zones_planned_at_once() {
    let mut forward = String::from("---\n");
    for n in 0..12 {
        forward.push_str(&format!("h{n:02}:\n  type: A\n  value: 10.0.{n}.1\n"));
    }
    let mut setup = Setup::new("manager:\n  auto_arpa: true\n").zone("example.com.", &[], &forward);
    for n in 0..12 {
        let zone = format!("{n}.0.10.in-addr.arpa.");
        setup = setup.zone(&zone, &[], "").sources(&zone, &["auto-arpa"]);
    }
    let run = both_apply(&setup);
    let files = run.files("ours");
    for n in 0..12 {
        let f = &files[&format!("{n}.0.10.in-addr.arpa.yaml")];
        assert_eq!(f["1"]["value"], format!("h{n:02}.example.com."), "{f:#}");
    }
}
