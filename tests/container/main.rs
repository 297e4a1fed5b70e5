//! The action's container, run the way the GitHub Actions runner runs a container action.
//!
//! The image is `Dockerfile.release` (the file the release builds the published image from)
//! with the freshly built `dnsplan` binary, on a Debian bookworm base made from Debian's
//! packages by `scripts/harness/docker.sh base` (debootstrap + `docker import`: no image
//! registry is reachable here). Each run mirrors the runner's `docker run` for a container
//! action: `--workdir /github/workspace --rm`, every variable passed by name (`-e NAME`,
//! value in docker's environment), every input `action.yml` declares as `INPUT_<NAME>` with
//! its hyphens kept (`INPUT_GITHUB-TOKEN`, `INPUT_PLAN-FILE`) holding the step's `with:` value
//! or the declared default, `GITHUB_EVENT_PATH=/github/workflow/event.json`, `GITHUB_OUTPUT`
//! and `GITHUB_STEP_SUMMARY` in `/github/file_commands` (files the runner creates before the
//! step), and the workspace, home, workflow and file-command directories bind-mounted. The
//! runner also mounts the Docker socket, which the action does not use, so it is left out;
//! `--network host` stands in for the job's network so the container reaches the GitHub API
//! fake (`tests/cli/ghfake.rs`) on 127.0.0.1.
//!
//! For a workspace and file-command directory owned by root, by uid 1000 and by uid 1001 (the
//! `runner` user of GitHub-hosted runners), a pull request writes its outputs, step summary,
//! plan file and plan comment, and its merge applies (the YAML target in the workspace) and
//! posts the apply comment on the merged pull request.
//!
//! Needs a running Docker Engine (`scripts/test` installs docker.io and starts dockerd): the
//! test fails without one, it never skips. `workflows` checks, without Docker, what the release
//! workflow builds and what every workflow's permissions are.

#[allow(dead_code)]
#[path = "../cli/ghfake.rs"]
mod ghfake;
mod workflows;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::{Value as J, json};

use ghfake::{Gh, OWNER_REPO, TOKEN, pr_event, push_event};

/// The base the test image is built on (`scripts/harness/docker.sh base` makes it).
const BASE_IMAGE: &str = "dnsplan-base:bookworm";
/// Every image and container the test makes carries this label.
const LABEL: &str = "dnsplan.test=container";
const PR: u64 = 7;
const PLAN_MARKER: &str = "<!-- dnsplan:plan:config.yaml -->";

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `docker` ({e}): the container test needs Docker Engine \
                 (scripts/harness/docker.sh install-system, then start)"
            )
        })
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Docker's name for this machine's CPU (`TARGETARCH`).
fn target_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => panic!("no release image is built for {other}"),
    }
}

/// Build the action image once per test run: `Dockerfile.release` on the debootstrap base,
/// with the binary under test in the build context where the release puts its binaries.
fn build_image() -> Result<String, String> {
    let v = docker(&["version", "--format", "{{.Server.Version}}"]);
    if !v.status.success() {
        return Err(format!(
            "no Docker daemon answers: {}\nthe container test needs Docker Engine: \
             scripts/harness/docker.sh install-system && scripts/harness/docker.sh start DIR",
            text(&v.stderr).trim()
        ));
    }
    if !docker(&["image", "inspect", BASE_IMAGE]).status.success() {
        let o = Command::new(repo_root().join("scripts/harness/docker.sh"))
            .args(["base", BASE_IMAGE])
            .output()
            .map_err(|e| format!("scripts/harness/docker.sh: {e}"))?;
        if !o.status.success() {
            return Err(format!(
                "building {BASE_IMAGE} failed:\n{}{}",
                text(&o.stdout),
                text(&o.stderr)
            ));
        }
    }
    // images of earlier runs (an older binary) are of no use; a concurrent run's are younger
    let _ = docker(&[
        "image",
        "prune",
        "--force",
        "--filter",
        &format!("label={LABEL}"),
        "--filter",
        "until=1h",
    ]);
    let ctx = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dir = ctx.path().join("linux").join(target_arch());
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::copy(env!("CARGO_BIN_EXE_dnsplan"), dir.join("dnsplan"))
        .map_err(|e| format!("copy the binary: {e}"))?;
    let dockerfile = repo_root().join("Dockerfile.release");
    let o = docker(&[
        "build",
        "--quiet",
        "--file",
        dockerfile.to_str().unwrap(),
        "--build-arg",
        &format!("BASE={BASE_IMAGE}"),
        "--build-arg",
        &format!("TARGETARCH={}", target_arch()),
        "--label",
        LABEL,
        ctx.path().to_str().unwrap(),
    ]);
    if !o.status.success() {
        return Err(format!(
            "docker build -f Dockerfile.release failed:\n{}",
            text(&o.stderr)
        ));
    }
    // the image id (no tag: concurrent runs from other checkouts never swap images)
    Ok(text(&o.stdout).trim().to_string())
}

fn image() -> &'static str {
    static IMAGE: OnceLock<Result<String, String>> = OnceLock::new();
    match IMAGE.get_or_init(build_image) {
        Ok(id) => id,
        Err(e) => panic!("{e}"),
    }
}

/// The inputs `action.yml` declares, with their defaults (what the runner passes as
/// `INPUT_<NAME>` when the step's `with:` does not set them).
fn action_inputs() -> Vec<(String, String)> {
    let action = workflows::yaml("action.yml");
    let inputs: Vec<(String, String)> = action["inputs"]
        .as_object()
        .expect("action.yml declares inputs")
        .iter()
        .map(|(name, i)| {
            let default = match &i["default"] {
                J::String(s) => s.clone(),
                J::Null => String::new(),
                other => other.to_string(),
            };
            (name.clone(), default)
        })
        .collect();
    assert!(
        inputs.iter().any(|(n, _)| n == "github-token"),
        "{inputs:?}"
    );
    inputs
}

/// The runner's name for an input's variable: `INPUT_` + the name upper-cased, spaces to
/// underscores, hyphens kept.
fn input_var(name: &str) -> String {
    format!("INPUT_{}", name.replace(' ', "_").to_uppercase())
}

/// The host side of one job: the runner's `_temp` directories and the workspace, all owned by
/// `uid` (as the runner's user owns them).
struct Job {
    dir: tempfile::TempDir,
    uid: u32,
}

/// One step's result, read back from the host side of the mounts.
struct StepRun {
    out: Output,
    outputs: Vec<(String, String)>,
    summary: String,
}

impl StepRun {
    fn code(&self) -> i32 {
        self.out.status.code().unwrap_or(-1)
    }
    fn log(&self) -> String {
        format!("{}\n{}", text(&self.out.stdout), text(&self.out.stderr))
    }
    fn output(&self, name: &str) -> Option<&str> {
        self.outputs
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `$GITHUB_OUTPUT` as the runner reads it: `name<<DELIMITER`, the value lines, `DELIMITER`
/// (and `name=value` lines).
fn parse_outputs(file: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = file.lines();
    while let Some(l) = lines.next() {
        if let Some((name, delim)) = l.split_once("<<") {
            let value: Vec<&str> = lines.by_ref().take_while(|v| *v != delim).collect();
            out.push((name.to_string(), value.join("\n")));
        } else if let Some((name, value)) = l.split_once('=') {
            out.push((name.to_string(), value.to_string()));
        }
    }
    out
}

fn chown_tree(p: &Path, uid: u32) {
    std::os::unix::fs::chown(p, Some(uid), Some(uid)).unwrap();
    if p.is_dir() {
        for e in std::fs::read_dir(p).unwrap() {
            chown_tree(&e.unwrap().path(), uid);
        }
    }
}

fn zone(hosts: usize) -> String {
    (1..=hosts)
        .map(|i| format!("www{i}:\n  type: A\n  value: 192.0.2.{i}\n"))
        .collect()
}

impl Job {
    fn new(uid: u32) -> Job {
        let dir = tempfile::tempdir().unwrap();
        let job = Job { dir, uid };
        for d in [
            "_temp/_github_home",
            "_temp/_github_workflow",
            "_temp/_runner_file_commands",
        ] {
            std::fs::create_dir_all(job.dir.path().join(d)).unwrap();
        }
        let ws = job.workspace();
        std::fs::create_dir_all(ws.join("zones")).unwrap();
        std::fs::write(
            ws.join("config.yaml"),
            "providers:\n  config: {class: octodns.provider.yaml.YamlProvider, directory: ./zones}\n  \
             out: {class: octodns.provider.yaml.YamlProvider, directory: ./out}\n\
             zones:\n  example.com.: {sources: [config], targets: [out]}\n",
        )
        .unwrap();
        std::fs::write(ws.join("zones/example.com.yaml"), zone(2)).unwrap();
        job
    }

    /// `/home/runner/work/<repo>/<repo>` on a runner.
    fn workspace(&self) -> PathBuf {
        self.dir.path().join("work/dns/dns")
    }

    fn host(&self, d: &str) -> PathBuf {
        self.dir.path().join("_temp").join(d)
    }

    /// Run the action's container for `event_name` with `payload` and the step's `with:`.
    fn step(&self, gh: &Gh, event_name: &str, payload: &J, with: &[(&str, &str)]) -> StepRun {
        static STEP: AtomicU32 = AtomicU32::new(0);
        let n = STEP.fetch_add(1, Ordering::Relaxed);
        let id = format!("{:08x}-test-{:04}", std::process::id(), n);
        std::fs::write(
            self.host("_github_workflow/event.json"),
            serde_json::to_vec(payload).unwrap(),
        )
        .unwrap();
        // the runner creates the file-command files before the step runs
        let fc = self.host("_runner_file_commands");
        let files = [
            ("GITHUB_OUTPUT", format!("set_output_{id}")),
            ("GITHUB_STEP_SUMMARY", format!("step_summary_{id}")),
            ("GITHUB_ENV", format!("set_env_{id}")),
            ("GITHUB_PATH", format!("add_path_{id}")),
            ("GITHUB_STATE", format!("save_state_{id}")),
        ];
        for (_, f) in &files {
            std::fs::write(fc.join(f), "").unwrap();
        }
        chown_tree(self.dir.path(), self.uid);

        let sha = payload["after"]
            .as_str()
            .unwrap_or("0123456789abcdef0123456789abcdef01234567");
        let git_ref = payload["ref"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("refs/pull/{PR}/merge"));
        let mut env: Vec<(String, String)> = vec![
            ("HOME".into(), "/github/home".into()),
            ("GITHUB_JOB".into(), "dns".into()),
            ("GITHUB_REF".into(), git_ref.clone()),
            (
                "GITHUB_REF_NAME".into(),
                git_ref.rsplit('/').next().unwrap_or("").into(),
            ),
            ("GITHUB_SHA".into(), sha.into()),
            ("GITHUB_REPOSITORY".into(), OWNER_REPO.into()),
            ("GITHUB_REPOSITORY_OWNER".into(), "octo".into()),
            ("GITHUB_RUN_ID".into(), "4242".into()),
            ("GITHUB_RUN_NUMBER".into(), "1".into()),
            ("GITHUB_RUN_ATTEMPT".into(), "1".into()),
            ("GITHUB_ACTOR".into(), "octocat".into()),
            ("GITHUB_WORKFLOW".into(), "dns".into()),
            ("GITHUB_EVENT_NAME".into(), event_name.into()),
            ("GITHUB_SERVER_URL".into(), "https://github.com".into()),
            ("GITHUB_API_URL".into(), gh.uri()),
            ("GITHUB_WORKSPACE".into(), "/github/workspace".into()),
            ("GITHUB_ACTION".into(), "__octo_dnsplan".into()),
            (
                "GITHUB_EVENT_PATH".into(),
                "/github/workflow/event.json".into(),
            ),
            ("RUNNER_OS".into(), "Linux".into()),
            ("RUNNER_TEMP".into(), "/home/runner/work/_temp".into()),
            ("DNSPLAN_GITHUB_RETRY_BASE_MS".into(), "5".into()),
        ];
        for (var, f) in &files {
            env.push((var.to_string(), format!("/github/file_commands/{f}")));
        }
        for (name, default) in action_inputs() {
            let value = match with.iter().find(|(n, _)| *n == name) {
                Some((_, v)) => v.to_string(),
                None if default == "${{ github.token }}" => TOKEN.to_string(),
                None => default,
            };
            env.push((input_var(&name), value));
        }

        let mut cmd = Command::new("docker");
        cmd.args([
            "run",
            "--name",
            &format!("dnsplan-container-test-{id}"),
            "--label",
            LABEL,
            "--workdir",
            "/github/workspace",
            "--rm",
        ]);
        for (k, v) in &env {
            cmd.arg("-e").arg(k).env(k, v);
        }
        cmd.args(["-e", "GITHUB_ACTIONS=true", "-e", "CI=true"]);
        for (host, inside) in [
            (self.host("_github_home"), "/github/home"),
            (self.host("_github_workflow"), "/github/workflow"),
            (self.host("_runner_file_commands"), "/github/file_commands"),
            (self.workspace(), "/github/workspace"),
        ] {
            cmd.arg("-v")
                .arg(format!("{}:{inside}", host.to_str().unwrap()));
        }
        cmd.args(["--network", "host", image()]);
        let out = cmd.output().expect("docker run");
        let read = |f: &str| std::fs::read_to_string(fc.join(f)).unwrap_or_default();
        StepRun {
            out,
            outputs: parse_outputs(&read(&files[0].1)),
            summary: read(&files[1].1),
        }
    }
}

/// A pull request, then its merge, in a job whose directories `uid` owns.
fn pull_request_then_merge(uid: u32) {
    let gh = Gh::start(None);
    let job = Job::new(uid);
    let ws = job.workspace();

    // the pull request: validate, plan, outputs, summary, plan file, one plan comment
    // (`plan-file` reaches the binary as INPUT_PLAN-FILE, hyphen kept)
    let r = job.step(
        &gh,
        "pull_request",
        &pr_event(PR, OWNER_REPO),
        &[("plan-file", "pr-plan.json")],
    );
    assert_eq!(r.code(), 0, "uid {uid}: {}", r.log());
    assert!(
        !r.log().contains("Permission denied"),
        "uid {uid}: {}",
        r.log()
    );
    assert_eq!(r.output("has-changes"), Some("true"), "{:?}", r.outputs);
    let checksum = r.output("checksum").unwrap_or_default().to_string();
    assert!(
        checksum.len() == 64 && checksum.bytes().all(|b| b.is_ascii_hexdigit()),
        "checksum {checksum:?}"
    );
    let plan_json = r.output("plan-json").expect("plan-json output");
    assert_eq!(plan_json, "pr-plan.json");
    let plan: J = serde_json::from_str(
        &std::fs::read_to_string(ws.join(plan_json))
            .unwrap_or_else(|e| panic!("uid {uid}: plan file {plan_json}: {e}")),
    )
    .unwrap();
    assert!(plan.to_string().contains("www2"), "{plan}");
    assert!(
        r.summary.contains("example.com") && r.summary.contains(&checksum),
        "uid {uid}: summary:\n{}",
        r.summary
    );
    let comments = gh.comments_on(PR);
    assert_eq!(comments.len(), 1, "uid {uid}: {:?}", gh.calls());
    assert_eq!(comments[0].login, "github-actions[bot]");
    assert!(
        comments[0].body.starts_with(PLAN_MARKER),
        "{}",
        comments[0].body
    );
    assert!(comments[0].body.contains(&checksum), "{}", comments[0].body);
    assert!(
        r.output("comment-url")
            .is_some_and(|u| u.contains(&format!("/pull/{PR}#issuecomment-"))),
        "{:?}",
        r.outputs
    );
    assert!(!ws.join("out").exists(), "a pull request never applies");

    // the merge: a push to the default branch applies exactly the reviewed plan
    let sha = "abc0000000000000000000000000000000000def";
    gh.state.lock().unwrap().commit_pulls.push((
        sha.into(),
        json!({"number": PR, "state": "closed", "merged_at": "2026-11-24T09:00:00Z",
               "merge_commit_sha": sha,
               "html_url": format!("https://github.com/{OWNER_REPO}/pull/{PR}")}),
    ));
    let r = job.step(
        &gh,
        "push",
        &push_event(sha),
        &[("command", "apply"), ("checksum", "reviewed")],
    );
    assert_eq!(r.code(), 0, "uid {uid}: {}", r.log());
    assert_eq!(r.output("checksum"), Some(checksum.as_str()));
    let applied = std::fs::read_to_string(ws.join("out/example.com.yaml"))
        .unwrap_or_else(|e| panic!("uid {uid}: the apply wrote no target ({e}): {}", r.log()));
    assert!(
        applied.contains("192.0.2.1") && applied.contains("192.0.2.2"),
        "{applied}"
    );
    assert!(
        !r.summary.trim().is_empty(),
        "uid {uid}: empty summary: {}",
        r.log()
    );
    let apply_comments: Vec<_> = gh
        .comments_on(PR)
        .into_iter()
        .filter(|c| c.body.contains("<!-- dnsplan:apply:config.yaml"))
        .collect();
    assert_eq!(apply_comments.len(), 1, "uid {uid}: {:?}", gh.calls());
    assert!(apply_comments[0].body.contains("example.com"));
}

#[test]
fn workspace_owned_by_root() {
    pull_request_then_merge(0);
}

#[test]
fn workspace_owned_by_uid_1000() {
    pull_request_then_merge(1000);
}

#[test]
fn workspace_owned_by_uid_1001_as_on_github_hosted_runners() {
    pull_request_then_merge(1001);
}
