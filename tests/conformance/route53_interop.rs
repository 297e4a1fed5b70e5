//! Interop with the real octoDNS and octodns-route53 (in the project's `.venv`, installed by
//! scripts/test) through the Route 53 emulator, from one config and one zone file per step:
//! the two tools take turns writing a case's steps into one zone, and after each step
//!
//! - the emulator holds exactly the step's `N.layout`, whichever tool wrote it: this pins the
//!   hand-written layouts `route53` checks dnsplan against to octodns-route53's own output;
//! - the other tool plans nothing (octoDNS: "No changes were planned"), so each reads the
//!   other's rrsets, aliases and health checks as the same records;
//! - the writer took over what the other wrote: it updates and deletes the other's rrsets and
//!   health checks (none left unused, `State::check_health_checks`).
//!
//! Each case runs three times: octoDNS writing every step (which checks the layouts alone),
//! octoDNS writing steps 1 and 3 and dnsplan step 2, and the other way round: plain records of every Route 53 type (`route53-types`) and dynamic records with
//! pools, fallbacks, geo rules with the catch-all, value statuses (`route53-dynamic`).

use std::process::Command;

use crate::cases;
use crate::harness;
use crate::route53::{assert_layout, layout_diff, state, step_yaml, target, with_aws_env};
use crate::suite::{self, Project, show};

/// `octodns-sync` on the project's config; its output (octoDNS logs its plan on stderr).
/// `--doit` comes with `--force`: the apex NS of `route53-types` replaces the one the hosted
/// zone was created with, which octoDNS only does when forced.
fn octodns_sync(p: &Project, doit: bool) -> String {
    let venv = harness::venv();
    let ready = Command::new(venv.join("bin/python"))
        .args(["-c", "import octodns_route53"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ready,
        "octoDNS with octodns-route53 is needed in {} (scripts/test installs it)",
        venv.display()
    );
    // bounded: octoDNS can loop forever (see `txt_values_are_written_alike`)
    let mut c = Command::new("timeout");
    c.arg("120")
        .arg(venv.join("bin/octodns-sync"))
        .current_dir(p.path())
        .args(["--config-file", "config.yaml"]);
    if doit {
        c.args(["--doit", "--force"]);
    }
    let o = with_aws_env(&mut c).output().expect("run octodns-sync");
    assert!(o.status.success(), "octodns-sync failed:\n{}", show(&o));
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[derive(Clone, Copy, Debug)]
enum Writer {
    OctoDns,
    Dnsplan,
}

/// The steps of `case` in `zone`, written by `writers[i]` in turn; after each, the layout and
/// the other tool's empty plan.
fn take_turns(zone: &str, case: &str, writers: &[Writer]) {
    let p = Project::new(&target(), &[zone]);
    for (i, writer) in writers.iter().enumerate() {
        let n = i + 1;
        let ctx = format!("{case} step {n} written by {writer:?} into {zone}");
        p.write_zone(zone, &step_yaml(case, n));
        match writer {
            Writer::OctoDns => {
                octodns_sync(&p, true);
            }
            Writer::Dnsplan => {
                assert!(
                    !suite::changes(&p.plan()).is_empty(),
                    "{ctx}: nothing to do?"
                );
                p.apply();
            }
        }
        assert_layout(zone, case, n, &ctx);
        let plan = p.plan();
        assert_eq!(plan["plans"][0]["exists"], true, "{ctx}: {plan:#}");
        assert_eq!(
            suite::changes(&plan),
            Vec::<String>::new(),
            "{ctx}: dnsplan wants changes\n{plan:#}"
        );
        let out = octodns_sync(&p, false);
        assert!(
            out.contains("No changes were planned"),
            "{ctx}: octoDNS wants changes:\n{out}"
        );
    }
}

use Writer::{Dnsplan, OctoDns};

/// octoDNS alone writes every step: the layouts are octodns-route53's, whatever dnsplan does.
#[test]
fn the_layouts_are_octodns_route53s() {
    for case in ["route53-types", "route53-dynamic"] {
        let zone = format!("{case}.octodns-only.test.");
        take_turns(&zone, case, &[OctoDns, OctoDns, OctoDns]);
    }
}

#[test]
fn every_type_octodns_first() {
    take_turns(
        "octodns-types.r53-interop.test.",
        "route53-types",
        &[OctoDns, Dnsplan, OctoDns],
    );
}

#[test]
fn every_type_dnsplan_first() {
    take_turns(
        "dnsplan-types.r53-interop.test.",
        "route53-types",
        &[Dnsplan, OctoDns, Dnsplan],
    );
}

#[test]
fn dynamic_octodns_first() {
    take_turns(
        "octodns-dyn.r53-interop.test.",
        "route53-dynamic",
        &[OctoDns, Dnsplan, OctoDns],
    );
}

#[test]
fn dynamic_dnsplan_first() {
    take_turns(
        "dnsplan-dyn.r53-interop.test.",
        "route53-dynamic",
        &[Dnsplan, OctoDns, Dnsplan],
    );
}

/// `yaml` written by octoDNS into one zone and by dnsplan into another: the same rrsets
/// (names relative to the zone), and each tool plans nothing against the other's zone.
fn written_alike(name: &str, yaml: &str) {
    let by_octodns = format!("{name}.octodns.r53-interop.test.");
    let by_dnsplan = format!("{name}.dnsplan.r53-interop.test.");
    let po = Project::new(&target(), &[&by_octodns]);
    po.write_zone(&by_octodns, yaml);
    octodns_sync(&po, true);
    let pd = Project::new(&target(), &[&by_dnsplan]);
    pd.write_zone(&by_dnsplan, yaml);
    pd.apply();
    let (want, got) = (state(&by_octodns).layout(), state(&by_dnsplan).layout());
    if let Some(diff) = layout_diff(&want, &got) {
        panic!("{name}: dnsplan wrote other rrsets than octoDNS\n{diff}");
    }
    let plan = po.plan();
    assert_eq!(
        suite::changes(&plan),
        Vec::<String>::new(),
        "{name}: {plan:#}"
    );
    let out = octodns_sync(&pd, false);
    assert!(
        out.contains("No changes were planned"),
        "{name}: octoDNS wants changes:\n{out}"
    );
}

/// The top-level records of a zone file for which `keep(name)` holds.
fn records_where(yaml: &str, keep: impl Fn(&str) -> bool) -> String {
    let mut out = String::new();
    let mut keeping = true;
    for line in yaml.lines() {
        if line == "---" {
            out.push_str("---\n");
            continue;
        }
        if !line.starts_with(' ') && !line.starts_with('-') {
            keeping = keep(line.trim_end_matches(':').trim_matches('\''));
        }
        if keeping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The TXT case's values octoDNS cannot read back as it wrote them (`\"` and bare
/// backslashes come back escaped), so it plans changes against its own zone too.
const BACKSLASHED: [&str; 4] = ["backslashes", "mixed", "quotes", "multi"];

/// The suite's TXT case, lengths, chunk boundaries and escaped semicolons, but `BACKSLASHED`
/// (and see below).
#[test]
fn txt_values_are_written_alike() {
    for (i, step) in cases::txt().steps.iter().enumerate() {
        let yaml = records_where(&step.yaml, |name| !BACKSLASHED.contains(&name));
        assert!(yaml.contains("\nsemicolons:\n") && !yaml.contains("\nquotes:\n"));
        written_alike(&format!("txt{}", i + 1), &yaml);
    }
}

// TXT values with backslashes that escape neither `;` nor `"` (`C:\dir`) are left out on
// purpose: octoDNS sends them bare, which Route 53 (and any RFC 1035 reader) takes as an
// escape of the next character, so its zone does not hold what its file says; dnsplan writes
// `\\`. The two tools differ there by design (docs/route53.md).

#[test]
fn wildcards_and_ttls_are_written_alike() {
    written_alike("wildcard", &cases::wildcard().steps[0].yaml);
    for (i, step) in cases::ttl().steps.iter().enumerate() {
        written_alike(&format!("ttl{}", i + 1), &step.yaml);
    }
}
