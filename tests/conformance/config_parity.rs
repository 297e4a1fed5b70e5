//! Config parity with octoDNS 1.22 on the shapes of its own fixture configs
//! (`tests/config/` in octoDNS's source): what `octodns-validate` refuses, `dnsplan validate`
//! refuses for the same reason, and what it accepts, dnsplan accepts.

use std::process::Command;

use crate::harness;
use crate::suite::show;

/// (name, config, octoDNS's reason, dnsplan's reason); an empty reason: both accept.
const CASES: &[(&str, &str, &str, &str)] = &[
    (
        "yaml provider without directory",
        "providers:\n  yaml:\n    class: octodns.provider.yaml.YamlProvider\nzones: {}\n",
        "Incorrect provider config for yaml",
        "Incorrect provider config for yaml: missing `directory`",
    ),
    (
        "plan output with an unknown option",
        "manager:\n  plan_outputs:\n    bad:\n      class: octodns.provider.plan.PlanLogger\n      \
         invalid: config\nproviders: {}\nzones: {}\n",
        "Incorrect plan_output config for bad",
        "Incorrect plan_output config for bad: unknown option `invalid`",
    ),
    (
        "plan output without class",
        "manager:\n  plan_outputs:\n    bad: {}\nproviders: {}\nzones: {}\n",
        "plan_output bad is missing class",
        "plan_output bad is missing class",
    ),
    (
        "plan output of an unknown class",
        "manager:\n  plan_outputs:\n    x:\n      class: octodns.provider.plan.DoesntExist\n\
         providers: {}\nzones: {}\n",
        "Unknown plan_output class: octodns.provider.plan.DoesntExist",
        "Unknown plan_output class: octodns.provider.plan.DoesntExist",
    ),
    (
        "plan logger with an unknown level",
        "manager:\n  plan_outputs:\n    log:\n      class: octodns.provider.plan.PlanLogger\n      \
         level: loud\nproviders: {}\nzones: {}\n",
        "Unsupported level: loud",
        "Unsupported level: loud",
    ),
    (
        "disabling a bridge record validator",
        "manager:\n  validators:\n    record:\n      disable_validators:\n        '*':\n          \
         - _values-type\nproviders: {}\nzones: {}\n",
        "Cannot disable bridge validator \"_values-type\"",
        "Cannot disable bridge validator \"_values-type\"",
    ),
    (
        "disabling a bridge zone validator",
        "manager:\n  validators:\n    zone:\n      disable_validators:\n        - _internal-bridge\n\
         providers: {}\nzones: {}\n",
        "Cannot disable bridge zone validator \"_internal-bridge\"",
        "Cannot disable bridge zone validator \"_internal-bridge\"",
    ),
    (
        "both record disable keys",
        "manager:\n  validators:\n    disable_validators:\n      '*':\n        - healthcheck\n    \
         record:\n      disable_validators:\n        '*':\n          - ttl-rfc\n\
         providers: {}\nzones: {}\n",
        "manager.validators.record.disable_validators and manager.validators.disable_validators \
         cannot both be set",
        "manager.validators.record.disable_validators and manager.validators.disable_validators \
         cannot both be set",
    ),
    (
        "an unknown zone validator",
        "manager:\n  validators:\n    zone:\n      validators:\n        - this-id-does-not-exist\n\
         providers: {}\nzones: {}\n",
        "Unknown zone validator \"this-id-does-not-exist\" in manager.validators.zone.validators",
        "Unknown zone validator \"this-id-does-not-exist\" in manager.validators.zone.validators",
    ),
    (
        "an unknown record validator",
        "manager:\n  validators:\n    record:\n      validators:\n        A: [no-such-check]\n\
         providers: {}\nzones: {}\n",
        "Unknown validator \"no-such-check\" in manager.validators.record.validators[\"A\"]",
        "Unknown validator \"no-such-check\" in manager.validators.record.validators[\"A\"]",
    ),
    (
        "the legacy disable key alone",
        "manager:\n  validators:\n    disable_validators:\n      '*':\n        - healthcheck\n\
         providers: {}\nzones: {}\n",
        "",
        "",
    ),
    (
        "a set no built-in validator belongs to",
        "manager:\n  validators:\n    enabled: [legacy, test-set]\nproviders: {}\nzones: {}\n",
        "",
        "",
    ),
    (
        "enabling a zone validator and a record validator by id",
        "manager:\n  validators:\n    zone:\n      validators: [mail]\n    record:\n      \
         validators:\n        '*': [ttl-rfc]\nproviders: {}\nzones: {}\n",
        "",
        "",
    ),
    (
        "valid plan outputs",
        "manager:\n  plan_outputs:\n    md:\n      class: octodns.provider.plan.PlanMarkdown\n    \
         log:\n      class: octodns.provider.plan.PlanLogger\n      level: WARN\n\
         providers: {}\nzones: {}\n",
        "",
        "",
    ),
];

#[test]
fn octodns_fixture_configs_are_refused_or_accepted_as_octodns_does() {
    let dir = tempfile::tempdir().unwrap();
    let validate = harness::venv().join("bin/octodns-validate");
    assert!(
        validate.exists(),
        "octoDNS 1.22 is needed at {}",
        validate.display()
    );
    let mut failures = Vec::new();
    for (i, (name, config, octo_reason, our_reason)) in CASES.iter().enumerate() {
        let path = dir.path().join(format!("case{i}.yaml"));
        std::fs::write(&path, config).unwrap();
        let o = Command::new(&validate)
            .current_dir(dir.path())
            .args(["--config-file", path.to_str().unwrap()])
            .output()
            .unwrap();
        let d = Command::new(env!("CARGO_BIN_EXE_dnsplan"))
            .current_dir(dir.path())
            .args(["validate", "--config", path.to_str().unwrap()])
            .output()
            .unwrap();
        let octo = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        let ours = format!(
            "{}{}",
            String::from_utf8_lossy(&d.stdout),
            String::from_utf8_lossy(&d.stderr)
        );
        let ok = if octo_reason.is_empty() {
            o.status.success() && d.status.success()
        } else {
            !o.status.success()
                && octo.contains(octo_reason)
                && !d.status.success()
                && ours.contains(our_reason)
                && ours.contains(&format!("case{i}.yaml:"))
        };
        if !ok {
            failures.push(format!(
                "{name}\n--- octodns\n{}\n--- dnsplan\n{}",
                show(&o),
                show(&d)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
