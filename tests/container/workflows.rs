//! What can be checked of the shipping without Docker or GitHub (workflows run only on GitHub):
//! the release workflow builds, from the layout `Dockerfile.release` copies, the image that
//! `action.yml` runs; `scripts/release-pin` keeps the version, that image and the examples'
//! `uses:` in step; and every job of the example workflows (and of the release) asks for
//! exactly the permissions `docs/github-action.md` lists for it. The workflows are parsed with
//! dnsplan's own YAML loader (`actionlint` in `scripts/test` checks their syntax and
//! expressions).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use serde_json::Value as J;

use dnsplan::yaml::{KeyOrder, LoadOptions, load_str};

use super::repo_root;

fn yaml_text(name: &str, text: &str) -> J {
    let file: Arc<str> = Arc::from(name);
    let loaded = load_str(
        text,
        &file,
        LoadOptions {
            order: KeyOrder::Any,
            includes: false,
        },
    );
    assert!(loaded.errors.is_empty(), "{name}: {:?}", loaded.errors);
    loaded.root.expect("a document").to_json()
}

pub fn yaml(rel: &str) -> J {
    let text = std::fs::read_to_string(repo_root().join(rel)).unwrap();
    yaml_text(rel, &text)
}

fn steps(workflow: &J, job: &str) -> Vec<J> {
    workflow["jobs"][job]["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("job {job} has no steps"))
        .clone()
}

fn uses(step: &J) -> &str {
    step["uses"].as_str().unwrap_or("")
}

fn run(step: &J) -> &str {
    step["run"].as_str().unwrap_or("")
}

#[test]
fn the_release_builds_the_image_action_yml_runs() {
    let wf = yaml(".github/workflows/release.yml");
    // YAML 1.1 reads the key `on` as true, as PyYAML does
    let on = if wf["on"].is_null() {
        &wf["true"]
    } else {
        &wf["on"]
    };
    assert_eq!(on["push"]["tags"], serde_json::json!(["v*.*.*"]), "{on}");

    // by hand: the pull request that pins a version; on a tag: the release itself
    let prepare = steps(&wf, "prepare");
    assert_eq!(
        wf["jobs"]["prepare"]["if"],
        "github.event_name == 'workflow_dispatch'"
    );
    assert!(
        prepare
            .iter()
            .any(|s| run(s) == "scripts/release-pin \"$VERSION\" \"$OWNER\""
                && s["env"]["VERSION"] == "${{ inputs.version }}"),
        "{prepare:?}"
    );
    assert!(prepare.iter().any(|s| run(s).contains("gh pr create")));
    assert_eq!(wf["jobs"]["check"]["if"], "github.event_name == 'push'");

    // the tag must pin its own image before anything is built
    let check = steps(&wf, "check");
    assert!(
        check
            .iter()
            .any(|s| run(s).contains("scripts/release-pin --check \"$GITHUB_REF_NAME\"")),
        "{check:?}"
    );
    for job in ["binaries", "publish"] {
        let needs = &wf["jobs"][job]["needs"];
        assert!(
            needs == "check"
                || needs
                    .as_array()
                    .is_some_and(|a| a.contains(&J::from("check"))),
            "{job} needs check: {needs}"
        );
    }

    // static binaries for both architectures, in the layout Dockerfile.release copies from
    let include = wf["jobs"]["binaries"]["strategy"]["matrix"]["include"]
        .as_array()
        .unwrap();
    let targets: BTreeSet<(String, String)> = include
        .iter()
        .map(|m| {
            (
                m["target"].as_str().unwrap().to_string(),
                m["arch"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        targets,
        BTreeSet::from([
            ("aarch64-unknown-linux-musl".into(), "arm64".into()),
            ("x86_64-unknown-linux-musl".into(), "amd64".into()),
        ])
    );
    let build = steps(&wf, "binaries");
    assert!(
        build
            .iter()
            .any(|s| run(s).contains("cargo zigbuild --release --locked")),
        "{build:?}"
    );
    assert!(
        build
            .iter()
            .any(|s| run(s).contains("\"dist/linux/$ARCH/dnsplan\"")
                && run(s).contains("static-pie linked")),
        "{build:?}"
    );
    let dockerfile = std::fs::read_to_string(repo_root().join("Dockerfile.release")).unwrap();
    assert!(
        dockerfile.contains("\nCOPY linux/${TARGETARCH}/dnsplan /usr/local/bin/dnsplan\n"),
        "{dockerfile}"
    );
    assert!(dockerfile.contains("\nENTRYPOINT [\"/usr/local/bin/dnsplan\", \"github\"]\n"));

    // the multi-arch image, pushed under the name the check job read from action.yml
    let publish = steps(&wf, "publish");
    let image: Vec<&J> = publish
        .iter()
        .filter(|s| uses(s).starts_with("docker/build-push-action@"))
        .collect();
    assert_eq!(image.len(), 1, "{publish:?}");
    let with = &image[0]["with"];
    assert_eq!(with["context"], "dist");
    assert_eq!(with["file"], "Dockerfile.release");
    assert_eq!(with["platforms"], "linux/amd64,linux/arm64");
    assert_eq!(with["push"], true);
    assert_eq!(with["tags"], "${{ needs.check.outputs.image }}");
    assert_eq!(
        wf["jobs"]["check"]["outputs"]["image"],
        "${{ steps.pin.outputs.image }}"
    );
    let attest = |name: &str| publish.iter().filter(|s| uses(s).starts_with(name)).count();
    assert_eq!(
        attest("actions/attest-build-provenance@"),
        2,
        "binaries and image"
    );
    assert_eq!(attest("actions/attest-sbom@"), 1);
    assert_eq!(attest("anchore/sbom-action@"), 1);
    assert!(
        publish.iter().any(|s| run(s).contains("gh release create")
            && run(s).contains("SHA256SUMS")
            && run(s).contains(".spdx.json")),
        "{publish:?}"
    );
}

#[test]
fn no_image_sets_a_user() {
    // GitHub runs container actions as the image's user and says they must not set one; with
    // USER 1001 a workspace owned by root or uid 1000 could not be written
    for f in ["Dockerfile", "Dockerfile.release"] {
        let text = std::fs::read_to_string(repo_root().join(f)).unwrap();
        assert!(
            !text
                .lines()
                .any(|l| l.trim_start().to_ascii_uppercase().starts_with("USER ")),
            "{f} sets USER"
        );
    }
}

fn release_pin(dir: &Path, args: &[&str]) -> (bool, String) {
    let o = Command::new(dir.join("scripts/release-pin"))
        .args(args)
        .output()
        .expect("scripts/release-pin");
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

#[test]
fn action_yml_runs_the_image_of_this_version() {
    let version = env!("CARGO_PKG_VERSION");
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"], "docker");
    let image = format!("ghcr.io/your-org/dnsplan:v{version}");
    assert_eq!(
        action["runs"]["image"],
        J::from(format!("docker://{image}"))
    );
    let (ok, out) = release_pin(
        repo_root(),
        &["--check", &format!("v{version}"), "your-org"],
    );
    assert!(ok, "{out}");
    assert_eq!(
        out,
        format!("version={version}\nname=ghcr.io/your-org/dnsplan\nimage={image}\n")
    );
}

/// The files `scripts/release-pin` reads and writes, copied into a temporary tree.
fn pin_tree() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let root = repo_root();
    std::fs::create_dir_all(d.path().join("scripts")).unwrap();
    std::fs::create_dir_all(d.path().join("examples/github")).unwrap();
    let mut files: Vec<PathBuf> = vec![
        "scripts/release-pin".into(),
        "Cargo.toml".into(),
        "Cargo.lock".into(),
        "action.yml".into(),
    ];
    for e in std::fs::read_dir(root.join("examples/github")).unwrap() {
        files.push(Path::new("examples/github").join(e.unwrap().file_name()));
    }
    for f in files {
        std::fs::copy(root.join(&f), d.path().join(&f)).unwrap();
    }
    d
}

#[test]
fn release_pin_moves_version_image_and_examples_together() {
    let d = pin_tree();
    let p = d.path();
    let (ok, out) = release_pin(p, &["2.3.4", "Acme-Org"]);
    assert!(ok, "{out}");
    let read = |f: &str| std::fs::read_to_string(p.join(f)).unwrap();
    assert!(read("Cargo.toml").contains("\nversion = \"2.3.4\"\n"));
    assert!(
        read("Cargo.lock").contains("name = \"dnsplan\"\nversion = \"2.3.4\"\n"),
        "the lock file names the package's version too"
    );
    let action = yaml_text("action.yml", &read("action.yml"));
    assert_eq!(
        action["runs"]["image"],
        "docker://ghcr.io/acme-org/dnsplan:v2.3.4"
    );
    let mut uses_seen = 0;
    for e in std::fs::read_dir(p.join("examples/github")).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        for l in text.lines().filter(|l| l.contains("/dnsplan@")) {
            assert!(l.contains("uses: acme-org/dnsplan@v2.3.4"), "{l}");
            uses_seen += 1;
        }
    }
    assert!(uses_seen >= 5, "{uses_seen}");
    let (ok, out) = release_pin(p, &["--check", "v2.3.4", "acme-org"]);
    assert!(ok, "{out}");

    // a tag that does not match the tree is refused, naming what disagrees
    let (ok, out) = release_pin(p, &["--check", "v2.3.5", "acme-org"]);
    assert!(
        !ok && out.contains("Cargo.toml says version 2.3.4"),
        "{out}"
    );
    let (ok, out) = release_pin(p, &["--check", "v2.3.4", "other"]);
    assert!(
        !ok && out.contains("action.yml runs docker://ghcr.io/acme-org/dnsplan:v2.3.4"),
        "{out}"
    );
    let (ok, out) = release_pin(p, &["--check", "2.3.4", "acme-org"]);
    assert!(!ok && out.contains("not vMAJOR.MINOR.PATCH"), "{out}");
    let plan = p.join("examples/github/dns-plan.yml");
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(
        &plan,
        text.replace("acme-org/dnsplan@v2.3.4", "acme-org/dnsplan@v1"),
    )
    .unwrap();
    let (ok, out) = release_pin(p, &["--check", "v2.3.4", "acme-org"]);
    assert!(
        !ok && out.contains("examples/github/dns-plan.yml:acme-org/dnsplan@v1"),
        "{out}"
    );
    let (ok, out) = release_pin(p, &["1.2", "acme-org"]);
    assert!(!ok && out.contains("not a version"), "{out}");
}

/// The rows of the first table under `## Permissions` in docs/github-action.md:
/// (workflow path, job, permissions as `scope: level`).
fn documented_permissions() -> Vec<(String, String, BTreeSet<String>)> {
    let doc = std::fs::read_to_string(repo_root().join("docs/github-action.md")).unwrap();
    let section = doc
        .split("\n## Permissions\n")
        .nth(1)
        .expect("docs/github-action.md has a Permissions section");
    let code = |cell: &str| -> Vec<String> {
        cell.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    let mut rows = Vec::new();
    for line in section
        .lines()
        .skip_while(|l| !l.starts_with("| workflow |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
    {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let file = code(cells[1]).pop().expect("a workflow path");
        let perms: BTreeSet<String> = code(cells[3]).into_iter().collect();
        for job in code(cells[2]) {
            rows.push((file.clone(), job, perms.clone()));
        }
    }
    rows
}

fn permissions_of(v: &J) -> Option<BTreeSet<String>> {
    v.as_object().map(|m| {
        m.iter()
            .map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or("?")))
            .collect()
    })
}

#[test]
fn every_job_asks_for_exactly_the_documented_permissions() {
    let doc = documented_permissions();
    let mut files: Vec<String> = std::fs::read_dir(repo_root().join("examples/github"))
        .unwrap()
        .map(|e| {
            format!(
                "examples/github/{}",
                e.unwrap().file_name().to_string_lossy()
            )
        })
        .collect();
    files.sort();
    assert_eq!(files.len(), 5, "{files:?}");
    files.push(".github/workflows/release.yml".into());
    let mut seen = 0;
    for f in &files {
        let wf = yaml(f);
        let top = permissions_of(&wf["permissions"]);
        assert!(
            top.is_some(),
            "{f}: no workflow-level permissions (the repository default would apply)"
        );
        for (job, body) in wf["jobs"].as_object().unwrap() {
            let effective = permissions_of(&body["permissions"])
                .or_else(|| top.clone())
                .unwrap();
            let row = doc
                .iter()
                .find(|(file, j, _)| file == f && j == job)
                .unwrap_or_else(|| {
                    panic!("docs/github-action.md lists no permissions for {f} job {job}")
                });
            assert_eq!(effective, row.2, "{f} job {job}");
            seen += 1;
        }
    }
    assert_eq!(
        seen,
        doc.len(),
        "a documented job that no workflow has: {doc:?}"
    );
}
