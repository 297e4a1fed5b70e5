use std::path::Path;

use super::*;
use crate::plan::safety::Refusal;

fn fixture(name: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plan-file");
    std::fs::read_to_string(dir.join(name)).unwrap()
}

fn bytes(f: &PlanFile) -> String {
    let mut out = Vec::new();
    f.write(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn streamed(plan: &Plan, notes: Option<&RunNotes>) -> String {
    let mut out = Vec::new();
    write(plan, notes, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

const CHECKSUM: &str = "607ec87506cfff1c19c168ef397a8e4c59ef3ae569f825d2a8399bbfa9917036";

fn refused() -> Vec<Refused> {
    vec![Refused::new("example.com.", "bind", &Refusal::RootNs)]
}

/// The sample plan in two shards, as `dnsplan github --shard K/2` writes them: the first
/// with a refusal, a plan-only pair and a warning.
fn shards() -> (PlanFile, PlanFile) {
    let mut plan = sample::plan();
    plan.plans[0]
        .warnings
        .push("root NS record not supported for example.com.; ignoring it".into());
    let one = Plan {
        plans: plan.plans[..2].to_vec(),
    };
    let two = Plan {
        plans: plan.plans[2..].to_vec(),
    };
    let dry = vec![ZoneTarget::new("example.com.", "pdns")];
    let n1 = RunNotes::of_run(&one, "config.yaml", Some((1, 2)), &refused(), &dry);
    let n2 = RunNotes::of_run(&two, "config.yaml", Some((2, 2)), &[], &[]);
    (PlanFile::new(&one, Some(n1)), PlanFile::new(&two, Some(n2)))
}

fn shard(path: &str, file: PlanFile) -> Shard {
    Shard {
        path: PathBuf::from(path),
        file,
    }
}

/// The files written before this module existed (the JSON was built by hand then), byte for
/// byte: `plan --format json`, two shard files of `dnsplan github` and their merge
/// (tests/fixtures/plan-file/). Reviewed checksums and files of earlier runs keep verifying.
#[test]
fn plan_files_keep_their_bytes_and_checksum() {
    let plan = sample::plan();
    assert_eq!(plan.checksum(), CHECKSUM);
    assert_eq!(streamed(&plan, None), fixture("plan.json"));
    assert_eq!(bytes(&PlanFile::new(&plan, None)), fixture("plan.json"));
    let (s1, s2) = shards();
    assert_eq!(bytes(&s1), fixture("shard-1.json"));
    assert_eq!(bytes(&s2), fixture("shard-2.json"));
    // streamed or converted first: the same bytes
    let one = s1.to_plan("s1").unwrap();
    assert_eq!(streamed(&one, s1.dnsplan.as_ref()), fixture("shard-1.json"));
    let m = merge(
        vec![
            shard("shards/shard-1.json", s1),
            shard("shards/shard-2.json", s2),
        ],
        "config.yaml",
    )
    .unwrap();
    assert_eq!(bytes(&m.file), fixture("merged.json"));
    assert_eq!(m.file.checksum, CHECKSUM);
    assert_eq!(m.plan.checksum(), CHECKSUM);
    // and each pinned file reads back as it is
    for name in ["plan.json", "shard-1.json", "shard-2.json", "merged.json"] {
        let f = PlanFile::parse(&fixture(name), name).unwrap();
        assert_eq!(bytes(&f), fixture(name), "{name}");
    }
}

#[test]
fn a_plan_reads_back_from_its_file_with_the_same_checksum() {
    let plan = sample::plan();
    let text = streamed(&plan, None);
    let file = PlanFile::parse(&text, "plan.json").unwrap();
    assert_eq!(file.checksum, plan.checksum());
    let back = file.to_plan("plan.json").unwrap();
    assert_eq!(back.checksum(), plan.checksum());
    assert_eq!(back.plans.len(), 3);
    for (a, b) in back.plans.iter().zip(&plan.plans) {
        assert_eq!(
            (&a.zone, &a.target, a.exists),
            (&b.zone, &b.target, b.exists)
        );
        assert_eq!(a.existing_count, b.existing_count);
        assert_eq!(a.summary(), b.summary());
        for (x, y) in a.changes.iter().zip(&b.changes) {
            assert_eq!((x.op, &x.name, &x.rtype), (y.op, &y.name, &y.rtype));
            assert_eq!(
                x.desired.as_ref().map(|r| &r.values),
                y.desired.as_ref().map(|r| &r.values)
            );
            assert_eq!(
                x.existing.as_ref().map(|r| r.ttl),
                y.existing.as_ref().map(|r| r.ttl)
            );
        }
    }
    // the IDNA name is shown decoded in the file and encoded again in the plan
    assert!(text.contains("\"name\": \"bücher\""));
    assert!(
        back.plans[0]
            .changes
            .iter()
            .any(|c| c.name == "xn--bcher-kva")
    );
    // the warnings ride in the notes
    let (s1, _) = shards();
    let p = PlanFile::parse(&bytes(&s1), "s1.json")
        .unwrap()
        .to_plan("s1.json")
        .unwrap();
    assert_eq!(
        p.plans[0].warnings,
        vec!["root NS record not supported for example.com.; ignoring it".to_string()]
    );
    assert!(p.plans[1].warnings.is_empty());
}

#[test]
fn an_edited_plan_file_does_not_verify() {
    let text = fixture("plan.json");
    // a value changed, the checksum left alone
    let edited = text.replace("192.0.2.2", "192.0.2.99");
    assert_ne!(edited, text);
    let e = PlanFile::parse(&edited, "p.json").unwrap_err();
    assert!(matches!(e, Error::Checksum { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "p.json: its checksum does not match its plans (edited or truncated?)"
    );
    // the checksum changed, the plans left alone
    let edited = text.replace(CHECKSUM, &"0".repeat(64));
    assert!(matches!(
        PlanFile::parse(&edited, "p.json"),
        Err(Error::Checksum { .. })
    ));
    // a summary count is covered too
    let edited = text.replacen("\"existing\": 3", "\"existing\": 30", 1);
    assert_ne!(edited, text);
    assert!(matches!(
        PlanFile::parse(&edited, "p.json"),
        Err(Error::Checksum { .. })
    ));
    // the order of keys in the file does not matter (the checksum is over sorted keys)
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let plans = v["plans"].take();
    let reordered = format!("{{\"version\": 1, \"plans\": {plans}, \"checksum\": \"{CHECKSUM}\"}}");
    assert!(PlanFile::parse(&reordered, "p.json").is_ok());
}

#[test]
fn only_version_1_is_read() {
    let text = fixture("plan.json");
    for (version, shown) in [("2", "2"), ("\"1\"", "\"1\""), ("0", "0")] {
        let edited = text.replace("\"version\": 1", &format!("\"version\": {version}"));
        let e = PlanFile::parse(&edited, "p.json").unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("p.json: unknown plan version {shown} (this dnsplan reads version 1)")
        );
    }
    let edited = text.replace(",\n  \"version\": 1", "");
    assert_ne!(edited, text);
    let e = PlanFile::parse(&edited, "p.json").unwrap_err();
    assert!(
        matches!(e, Error::Version { ref found, .. } if found == "(none)"),
        "{e:?}"
    );
    // a newer version's file is refused for its version, not for the fields it may add
    let newer = text.replace("\"version\": 1", "\"version\": 2, \"signed_by\": \"x\"");
    assert!(matches!(
        PlanFile::parse(&newer, "p.json"),
        Err(Error::Version { .. })
    ));
}

#[test]
fn malformed_json_is_reported_at_file_line_and_column() {
    let text = fixture("plan.json");
    let cut = &text[..text.len() / 2];
    let e = PlanFile::parse(cut, "shards/p.json").unwrap_err();
    let Error::Json { line, column, .. } = &e else {
        panic!("{e:?}")
    };
    let lines = cut.lines().count();
    assert_eq!(*line, lines, "{e}");
    assert!(*column > 0);
    assert_eq!(
        e.to_string(),
        "shards/p.json:52:6: EOF while parsing an object"
    );
    // a syntax error in the middle: its line and column
    let bad = "{\n  \"checksum\": \"x\",\n  \"plans\": [1,,]\n}";
    let e = PlanFile::parse(bad, "b.json").unwrap_err();
    assert_eq!(e.to_string(), "b.json:3:15: expected value");
    // a value of the wrong type: where it is, too
    let bad = "{\"checksum\": \"x\", \"plans\": [{\"zone\": 1}], \"version\": 1}";
    let e = PlanFile::parse(bad, "b.json").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("b.json:1:38: invalid type: integer `1`, expected a string"),
        "{e}"
    );
    assert!(
        std::error::Error::source(&e).is_some(),
        "the serde error is kept"
    );
    // an unknown operation
    let text = fixture("plan.json").replacen("\"op\": \"delete\"", "\"op\": \"remove\"", 1);
    let e = PlanFile::parse(&text, "p.json").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("p.json:17:24: unknown variant `remove`"),
        "{e}"
    );
}

#[test]
fn unknown_fields_are_refused_where_they_are() {
    let text = fixture("shard-1.json");
    let cases = [
        (
            "\"version\": 1",
            "\"version\": 1, \"signed\": true",
            "unknown field `signed`",
        ),
        (
            "\"exists\": true",
            "\"exists\": true, \"ttl_only\": false",
            "unknown field `ttl_only`",
        ),
        (
            "\"op\": \"delete\"",
            "\"op\": \"delete\", \"reason\": \"x\"",
            "unknown field `reason`",
        ),
        (
            "\"creates\": 2",
            "\"creates\": 2, \"moves\": 0",
            "unknown field `moves`",
        ),
        (
            "\"config\": \"config.yaml\"",
            "\"config\": \"config.yaml\", \"run\": 1",
            "unknown field `run`",
        ),
        (
            "\"rail\": \"root NS\"",
            "\"rail\": \"root NS\", \"level\": 2",
            "unknown field `level`",
        ),
    ];
    for (from, to, want) in cases {
        let edited = text.replacen(from, to, 1);
        assert_ne!(edited, text, "{from}");
        let e = PlanFile::parse(&edited, "s.json").unwrap_err();
        let Error::Json { line, .. } = &e else {
            panic!("{from}: {e:?}")
        };
        let at = edited.lines().position(|l| l.contains(to)).unwrap() + 1;
        assert_eq!(*line, at, "{e}");
        assert!(e.to_string().contains(want), "{e}");
        assert!(e.to_string().starts_with(&format!("s.json:{at}:")), "{e}");
    }
}

#[test]
fn shards_merge_into_the_full_plan() {
    let (s1, s2) = shards();
    // the order the files come in does not matter
    let m = merge(
        vec![shard("b/2.json", s2.clone()), shard("b/1.json", s1.clone())],
        "config.yaml",
    )
    .unwrap();
    assert_eq!(m.file.checksum, sample::plan().checksum());
    let notes = m.file.dnsplan.as_ref().unwrap();
    assert_eq!(
        notes.merged_from,
        Some(vec!["b/2.json".to_string(), "b/1.json".to_string()])
    );
    assert_eq!(notes.shard, None);
    assert_eq!(notes.refusals(), refused());
    assert_eq!(notes.dry_run, [ZoneTarget::new("example.com.", "pdns")]);
    assert_eq!(m.plan.plans[0].warnings.len(), 1);
    // a merged file merges again to the same
    let again = merge(vec![shard("m.json", m.file.clone())], "config.yaml").unwrap();
    assert_eq!(again.file.plans, m.file.plans);
    assert_eq!(again.file.dnsplan.unwrap().refusals(), refused());
    // plan --format json files (no notes) merge too
    let bare = |f: &PlanFile| PlanFile {
        dnsplan: None,
        ..f.clone()
    };
    let m = merge(
        vec![shard("1.json", bare(&s1)), shard("2.json", bare(&s2))],
        "c.yaml",
    )
    .unwrap();
    assert_eq!(m.file.checksum, CHECKSUM);
    assert!(m.file.dnsplan.unwrap().refusals().is_empty());
}

#[test]
fn a_pair_in_two_files_is_refused_naming_both() {
    let (s1, s2) = shards();
    let e = merge(
        vec![
            shard("shards/1.json", s1.clone()),
            shard("shards/2.json", s2),
            shard("shards/1-again.json", s1),
        ],
        "config.yaml",
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "shards/1-again.json: example.com. on bind is in more than one plan file (also in shards/1.json; overlapping shards?)"
    );
}

#[test]
fn refusals_of_earlier_files_and_damaged_ones() {
    let (s1, _) = shards();
    // the old field stays readable (the messages), the new one holds the structure
    let n = s1.dnsplan.as_ref().unwrap();
    assert_eq!(
        n.refusals,
        vec!["[example.com.] Root NS record change, force required (target bind)".to_string()]
    );
    assert_eq!(n.refused.as_ref().unwrap()[0].rail, "root NS");
    // a file with the messages only (an earlier version) still merges
    let mut old = s1.clone();
    old.dnsplan.as_mut().unwrap().refused = None;
    let text = bytes(&old);
    assert!(!text.contains("\"refused\""));
    let read = PlanFile::parse(&text, "o.json").unwrap();
    let m = merge(vec![shard("o.json", read)], "config.yaml").unwrap();
    let r = m.file.dnsplan.unwrap().refusals();
    assert_eq!(r[0].message, refused()[0].message);
    assert_eq!(r[0].rail, "");
    // a damaged entry is an error naming the file, not a refusal silently lost
    let bad = bytes(&s1).replacen(
        "\"zone\": \"example.com.\"\n      }",
        "\"zone\": 1\n      }",
        1,
    );
    assert_ne!(bad, bytes(&s1));
    let e = PlanFile::parse(&bad, "b.json").unwrap_err();
    assert!(
        e.to_string().starts_with("b.json:") && e.to_string().contains("invalid type: integer `1`"),
        "{e}"
    );
}

#[test]
fn a_record_that_cannot_be_rebuilt_names_file_zone_and_record() {
    let mut f = PlanFile::new(&sample::plan(), None);
    f.plans[0].changes[0].rtype = "BOGUS".into();
    f.checksum = checksum_of(&f.plans);
    let text = bytes(&f);
    let read = PlanFile::parse(&text, "p.json").unwrap();
    let e = read.to_plan("p.json").unwrap_err();
    assert_eq!(
        e.to_string(),
        "p.json: example.com. on bind: record \"old\": unknown record type"
    );
    let mut f = PlanFile::new(&sample::plan(), None);
    f.plans[0].changes[0].existing = Some(serde_json::json!({"ttl": 1}));
    f.checksum = checksum_of(&f.plans);
    let e = merge(vec![shard("s.json", f)], "c").unwrap_err();
    assert_eq!(
        e.to_string(),
        "s.json: example.com. on bind: record \"old\": no known type"
    );
}

#[test]
fn a_directory_of_plan_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let e = read_dir(&dir, None).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("no plan files (*.json with `plans`) in {}", dir.display())
    );
    let (s1, s2) = shards();
    std::fs::write(dir.join("2.json"), bytes(&s2)).unwrap();
    std::fs::write(dir.join("1.json"), bytes(&s1)).unwrap();
    // other JSON and other files are not plan files
    std::fs::write(dir.join("package.json"), "{\"name\": \"x\"}").unwrap();
    std::fs::write(dir.join("notes.txt"), "not json").unwrap();
    // the merge's own output is left out
    std::fs::write(dir.join("merged.json"), bytes(&s1)).unwrap();
    let out = std::fs::canonicalize(dir.join("merged.json")).unwrap();
    let shards = read_dir(&dir, Some(&out)).unwrap();
    let names: Vec<String> = shards
        .iter()
        .map(|s| s.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["1.json", "2.json"]);
    assert_eq!(merge(shards, "c").unwrap().file.checksum, CHECKSUM);
    // without the exclusion the copy overlaps
    assert!(matches!(
        read_dir(&dir, None).and_then(|s| merge(s, "c")),
        Err(Error::Overlap { .. })
    ));
    // a truncated plan file is an error at its place, not skipped
    let text = bytes(&s2);
    std::fs::write(dir.join("3.json"), &text[..text.len() - 10]).unwrap();
    let e = read_dir(&dir, Some(&out)).unwrap_err();
    assert!(
        e.to_string()
            .starts_with(&format!("{}:", dir.join("3.json").display())),
        "{e}"
    );
    // one file read on its own
    let e = PlanFile::read(&dir.join("package.json")).unwrap_err();
    assert!(matches!(e, Error::NotAPlanFile { .. }), "{e:?}");
    let e = PlanFile::read(&dir.join("missing.json")).unwrap_err();
    assert!(e.to_string().starts_with("cannot read "), "{e}");
    assert_eq!(PlanFile::read(&dir.join("1.json")).unwrap(), s1);
}

#[test]
fn ignored_and_unmanaged_records_round_trip_and_count_in_the_checksum() {
    use crate::model::{RecordSet, RecordType, Value};
    let mut plan = sample::plan();
    let before = plan.checksum();
    let txt = RecordSet::new(
        "_acme-challenge",
        RecordType::Txt,
        60,
        vec![Value::Text("t".into())],
    );
    let a = RecordSet::new(
        crate::model::idna_encode("bücher-alt").unwrap(),
        RecordType::A,
        300,
        vec![Value::Ip("192.0.2.7".into())],
    );
    plan.plans[0].ignored = vec![txt.clone()];
    plan.plans[0].unmanaged = vec![a.clone()];
    let text = streamed(&plan, None);
    assert_ne!(
        plan.checksum(),
        before,
        "what is left alone is part of what is reviewed"
    );
    let back = PlanFile::parse(&text, "plan.json")
        .unwrap()
        .to_plan("plan.json")
        .unwrap();
    assert_eq!(back.checksum(), plan.checksum());
    assert_eq!(back.plans[0].ignored, [txt]);
    assert_eq!(back.plans[0].unmanaged, [a]);
    // absent when empty: plans without them keep their bytes
    assert!(!streamed(&sample::plan(), None).contains("\"ignored\""));
}
