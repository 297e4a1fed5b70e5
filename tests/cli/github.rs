//! `dnsplan github` end to end: the real binary with a temporary GITHUB_EVENT_PATH,
//! GITHUB_OUTPUT and GITHUB_STEP_SUMMARY, a YAML source → YAML target project, and the
//! stateful fake of GitHub's REST API in `ghfake.rs`.

use std::path::{Path, PathBuf};
use std::process::Output;

use comrak::nodes::NodeValue;
use serde_json::{Value as J, json};
use wiremock::ResponseTemplate;

use crate::common::*;
use crate::ghfake::*;

const SECRET: &str = "hunter2-dns-provider-secret";

// ---------------------------------------------------------------------------------------------
// Running the action.

/// A project plus the files of one Actions step.
struct Step {
    dir: tempfile::TempDir,
}

fn zone_a(n: usize) -> String {
    let mut s = String::from("---\n");
    for i in 0..n {
        s.push_str(&format!(
            "h{i:03}:\n  type: A\n  value: 192.0.2.{}\n",
            i % 250 + 1
        ));
    }
    s
}

impl Step {
    /// A project whose config carries an `env/` secret (the API key of a PowerDNS provider
    /// that no zone uses, so nothing is sent to it).
    fn new(files: &[(&str, &str)], zones: &[&str]) -> Step {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("zones")).unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join("zones").join(name), text).unwrap();
        }
        let mut cfg = String::from(
            "providers:\n  config: {class: octodns.provider.yaml.YamlProvider, directory: ./zones}\n  \
             out: {class: octodns.provider.yaml.YamlProvider, directory: ./out}\n  \
             vault: {class: powerdns, host: 127.0.0.1, api_key: env/DNSPLAN_TEST_SECRET}\nzones:\n",
        );
        for z in zones {
            cfg.push_str(&format!("  {z}: {{sources: [config], targets: [out]}}\n"));
        }
        std::fs::write(dir.path().join("config.yaml"), cfg).unwrap();
        Step { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A plain dnsplan command in the project (with the secret the config needs).
    fn cli(&self, args: &[&str]) -> i32 {
        bin()
            .current_dir(self.path())
            .args(args)
            .env_remove("DNSPLAN_CONFIG")
            .env("DNSPLAN_TEST_SECRET", SECRET)
            .output()
            .expect("run dnsplan")
            .status
            .code()
            .unwrap_or(-1)
    }

    fn cli_stdout(&self, args: &[&str]) -> String {
        let o = bin()
            .current_dir(self.path())
            .args(args)
            .env_remove("DNSPLAN_CONFIG")
            .env("DNSPLAN_TEST_SECRET", SECRET)
            .output()
            .expect("run dnsplan");
        stdout(&o)
    }

    fn write_zone(&self, name: &str, text: &str) {
        std::fs::write(self.path().join("zones").join(name), text).unwrap();
    }

    /// Run `dnsplan github ARGS` for `event_name` with `payload`; `env` adds or overrides.
    fn run(
        &self,
        gh: Option<&Gh>,
        event_name: &str,
        payload: &J,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Run {
        let event = self.path().join("event.json");
        std::fs::write(&event, serde_json::to_string(payload).unwrap()).unwrap();
        let output = self.path().join("github_output");
        let summary = self.path().join("step_summary.md");
        let _ = std::fs::remove_file(&output);
        let _ = std::fs::remove_file(&summary);
        let mut cmd = bin();
        cmd.current_dir(self.path())
            .arg("github")
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", event_name)
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_REPOSITORY", OWNER_REPO)
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_RUN_ID", "777")
            .env("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("INPUT_CONFIG", "config.yaml")
            .env("INPUT_GITHUB-TOKEN", TOKEN)
            .env("DNSPLAN_TEST_SECRET", SECRET)
            .env("DNSPLAN_GITHUB_RETRY_BASE_MS", "5");
        if let Some(g) = gh {
            cmd.env("GITHUB_API_URL", g.uri());
        } else {
            cmd.env("GITHUB_API_URL", "http://127.0.0.1:9");
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run dnsplan github");
        Run {
            out,
            output: std::fs::read_to_string(&output).unwrap_or_default(),
            summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        }
    }
}

struct Run {
    out: Output,
    output: String,
    summary: String,
}

impl Run {
    fn code(&self) -> i32 {
        self.out.status.code().unwrap_or(-1)
    }
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    fn log(&self) -> String {
        format!("{}\n{}", self.stdout(), self.stderr())
    }
    /// Parsed `$GITHUB_OUTPUT` (checking the heredoc delimiters as it goes).
    fn outputs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut lines = self.output.lines();
        while let Some(l) = lines.next() {
            let (name, delim) = l
                .split_once("<<")
                .unwrap_or_else(|| panic!("bad line {l:?}"));
            assert!(
                delim.starts_with("ghadelim_") && delim.len() > 20,
                "delimiter {delim:?}"
            );
            let mut value = Vec::new();
            loop {
                let v = lines.next().expect("unterminated output");
                if v == delim {
                    break;
                }
                value.push(v);
            }
            out.push((name.to_string(), value.join("\n")));
        }
        out
    }
    fn output_value(&self, name: &str) -> Option<String> {
        self.outputs()
            .into_iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

fn assert_no_secrets(what: &str, text: &str) {
    assert!(!text.contains(TOKEN), "{what} contains the token:\n{text}");
    assert!(
        !text.contains(SECRET),
        "{what} contains the secret:\n{text}"
    );
}

fn assert_run_clean(r: &Run) {
    assert_no_secrets("stdout/stderr", &r.log());
    assert_no_secrets("GITHUB_OUTPUT", &r.output);
    assert_no_secrets("step summary", &r.summary);
}

// ---------------------------------------------------------------------------------------------
// Markdown checks with comrak.

fn md_options() -> comrak::Options<'static> {
    let mut o = comrak::Options::default();
    o.extension.table = true;
    o.extension.strikethrough = true;
    o.extension.autolink = true;
    o.extension.tasklist = true;
    o.extension.alerts = true;
    o.render.r#unsafe = true;
    o
}

/// Fences closed, `<details>` balanced (never closed before opened), nothing after the body
/// swallowed by an open block.
fn assert_balanced(md: &str) {
    let arena = comrak::Arena::new();
    let root = comrak::parse_document(&arena, md, &md_options());
    let mut depth: i64 = 0;
    for node in root.descendants() {
        let v = &node.data.borrow().value;
        match v {
            NodeValue::CodeBlock(cb) => {
                assert!(cb.closed || !cb.fenced, "unclosed fence:\n{}", cb.literal);
            }
            NodeValue::HtmlBlock(h) => {
                for line in h.literal.lines() {
                    depth += line.matches("<details").count() as i64;
                    depth -= line.matches("</details>").count() as i64;
                    assert!(depth >= 0, "</details> before <details>");
                }
            }
            NodeValue::HtmlInline(h) => {
                depth += h.matches("<details").count() as i64;
                depth -= h.matches("</details>").count() as i64;
                assert!(depth >= 0, "</details> before <details>");
            }
            _ => {}
        }
    }
    assert_eq!(depth, 0, "unbalanced <details>");
    // a banner's force line is a paragraph of its own, never merged into its last list item
    for alert in root
        .descendants()
        .filter(|n| matches!(n.data.borrow().value, NodeValue::Alert(_)))
    {
        for item in alert
            .descendants()
            .filter(|n| matches!(n.data.borrow().value, NodeValue::Item(_)))
        {
            assert!(
                !node_text(item).contains("Apply is refused"),
                "the force line is merged into a banner item:\n{md}"
            );
        }
    }
}

/// No mention or issue reference outside code, no raw `<script>`.
fn assert_inert(md: &str) {
    let arena = comrak::Arena::new();
    let root = comrak::parse_document(&arena, md, &md_options());
    for node in root.descendants() {
        let v = &node.data.borrow().value;
        match v {
            NodeValue::Text(t) => {
                let t: &str = t.as_ref();
                let chars: Vec<char> = t.chars().collect();
                for (i, c) in chars.iter().enumerate() {
                    let next = chars.get(i + 1).copied().unwrap_or(' ');
                    if *c == '@' {
                        assert!(!next.is_alphanumeric(), "mention in text {t:?}");
                    }
                    if *c == '#' {
                        assert!(!next.is_ascii_digit(), "issue link in text {t:?}");
                    }
                }
            }
            NodeValue::HtmlBlock(h) => {
                assert!(
                    !h.literal.to_lowercase().contains("<script"),
                    "{}",
                    h.literal
                )
            }
            NodeValue::HtmlInline(h) => {
                assert!(!h.to_lowercase().contains("<script"), "{h}")
            }
            NodeValue::Link(l) => {
                assert!(
                    l.url.starts_with("https://github.com/"),
                    "unexpected link {}",
                    l.url
                )
            }
            _ => {}
        }
    }
}

const MARKER: &str = "<!-- dnsplan:plan:config.yaml -->";

// ---------------------------------------------------------------------------------------------
// Tests.

#[test]
fn pr_comment_is_created_then_updated_in_place_then_left_alone() {
    let gh = Gh::start(None); // the Actions token: GET /user is 403
    let p = Step::new(&[("example.com.yaml", &zone_a(3))], &["example.com."]);
    // other people's comments, one of them impersonating ours: on several pages
    for i in 0..5 {
        gh.seed_comment(7, "alice", &format!("looks good {i}"));
    }
    gh.seed_comment(7, "mallory", &format!("{MARKER}\nfake plan"));

    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(7, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    assert_run_clean(&r);
    assert_eq!(
        gh.count("POST", "/issues/7/comments"),
        1,
        "{:?}",
        gh.calls()
    );
    assert_eq!(gh.count("PATCH", "/issues/comments/"), 0);
    assert!(
        gh.count("GET", "/issues/7/comments") >= 3,
        "pages followed: {:?}",
        gh.calls()
    );
    let ours: Vec<CommentRec> = gh
        .comments_on(7)
        .into_iter()
        .filter(|c| c.login == "github-actions[bot]")
        .collect();
    assert_eq!(ours.len(), 1);
    let body = &ours[0].body;
    assert!(body.starts_with(MARKER), "{body}");
    assert!(
        body.contains("## DNS plan") && body.contains("<details>"),
        "{body}"
    );
    assert!(body.contains("https://github.com/octo/dns/actions/runs/777"));
    let checksum = r.output_value("checksum").unwrap();
    assert_eq!(checksum.len(), 64);
    assert!(body.contains(&checksum));
    assert_eq!(r.output_value("has-changes").as_deref(), Some("true"));
    assert_eq!(
        r.output_value("comment-url").as_deref(),
        Some(
            format!(
                "https://github.com/{OWNER_REPO}/pull/7#issuecomment-{}",
                ours[0].id
            )
            .as_str()
        )
    );
    let plan_json = r.output_value("plan-json").unwrap();
    let doc: J =
        serde_json::from_str(&std::fs::read_to_string(p.path().join(&plan_json)).unwrap()).unwrap();
    assert_eq!(doc["checksum"], checksum.as_str());
    assert!(r.summary.contains("## DNS plan") && r.summary.contains(&checksum));
    assert_balanced(body);

    // same plan again: nothing is sent
    gh.reset_log();
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(7, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    assert_eq!(gh.count("POST", "/comments"), 0, "{:?}", gh.calls());
    assert_eq!(gh.count("PATCH", "/comments"), 0, "{:?}", gh.calls());
    assert!(r.stdout().contains("comment unchanged"), "{}", r.stdout());

    // the zone changes: the same comment is edited
    p.write_zone("example.com.yaml", &zone_a(4));
    gh.reset_log();
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(7, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    assert_eq!(gh.count("POST", "/comments"), 0, "{:?}", gh.calls());
    assert_eq!(
        gh.count("PATCH", &format!("/issues/comments/{}", ours[0].id)),
        1,
        "{:?}",
        gh.calls()
    );
    let after = gh.comments_on(7);
    assert_eq!(after.len(), 7, "no new comment");
    let edited = after.iter().find(|c| c.id == ours[0].id).unwrap();
    assert!(edited.body.contains("h003.example.com."), "{}", edited.body);
    let mallory = after.iter().find(|c| c.login == "mallory").unwrap();
    assert_eq!(
        mallory.body,
        format!("{MARKER}\nfake plan"),
        "never edit others' comments"
    );
}

#[test]
fn a_personal_token_comments_as_its_user() {
    let gh = Gh::start(Some("dns-bot"));
    let p = Step::new(&[("example.com.yaml", &zone_a(1))], &["example.com."]);
    // a marker comment by the Actions bot is not ours under a personal token
    gh.seed_comment(3, "github-actions[bot]", &format!("{MARKER}\nold"));
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(3, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    assert_eq!(gh.count("GET", "/user"), 1);
    assert_eq!(gh.count("POST", "/issues/3/comments"), 1);
    let mine: Vec<CommentRec> = gh
        .comments_on(3)
        .into_iter()
        .filter(|c| c.login == "dns-bot")
        .collect();
    assert_eq!(mine.len(), 1);
    gh.reset_log();
    p.write_zone("example.com.yaml", &zone_a(2));
    let r = p.run(
        Some(&gh),
        "pull_request_target",
        &pr_event(3, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    assert_eq!(gh.count("PATCH", &format!("/comments/{}", mine[0].id)), 1);
    assert_eq!(gh.count("POST", "/comments"), 0);
}

#[test]
fn fork_pull_requests_are_only_validated() {
    let gh = Gh::start(None);
    let p = Step::new(&[("example.com.yaml", &zone_a(1))], &["example.com."]);
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(9, "mallory/dns"),
        &[],
        &[],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    assert!(gh.calls().is_empty(), "{:?}", gh.calls());
    assert!(r.summary.contains("Validation only"), "{}", r.summary);
    assert!(
        r.summary.contains("neither secrets nor a write token"),
        "{}",
        r.summary
    );
    assert!(!p.path().join("out").exists());
    // pull_request_target runs DO get secrets: the message must say so, not the opposite
    let r = p.run(
        Some(&gh),
        "pull_request_target",
        &pr_event(9, "mallory/dns"),
        &[],
        &[],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    assert!(gh.calls().is_empty(), "{:?}", gh.calls());
    assert!(r.summary.contains("Validation only"), "{}", r.summary);
    assert!(
        r.summary.contains("do get this repository")
            && r.summary.contains("secrets")
            && !r.summary.contains("neither secrets"),
        "{}",
        r.summary
    );
}

#[test]
fn a_pull_request_without_a_token_still_plans_and_summarizes() {
    let gh = Gh::start(None);
    let p = Step::new(&[("example.com.yaml", &zone_a(2))], &["example.com."]);
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(9, OWNER_REPO),
        &[],
        &[("INPUT_GITHUB-TOKEN", "")],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    assert!(gh.calls().is_empty(), "{:?}", gh.calls());
    assert!(
        r.summary.contains("## DNS plan") && r.summary.contains("h001.example.com."),
        "the plan is in the summary: {}",
        r.summary
    );
    let checksum = r.output_value("checksum").expect("checksum output");
    assert!(r.summary.contains(&checksum));
    assert_eq!(r.output_value("has-changes").as_deref(), Some("true"));
    assert!(p.path().join("dnsplan-plan.json").exists(), "plan file");
    assert!(
        r.stdout().contains("::warning")
            && r.stdout().contains("comment on pull request #9 is skipped"),
        "{}",
        r.stdout()
    );
}

#[test]
fn pull_requests_never_apply_whatever_the_input() {
    let gh = Gh::start(None);
    let p = Step::new(&[("example.com.yaml", &zone_a(1))], &["example.com."]);
    for ev in ["pull_request", "pull_request_target"] {
        let r = p.run(
            Some(&gh),
            ev,
            &pr_event(4, OWNER_REPO),
            &[],
            &[("INPUT_COMMAND", "apply"), ("INPUT_FORCE", "true")],
        );
        assert_eq!(r.code(), 1, "{}", r.log());
        assert!(r.stdout().contains("::error"), "{}", r.stdout());
        assert!(r.stdout().contains("never applies"));
        assert!(!p.path().join("out").exists(), "nothing applied");
    }
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(4, OWNER_REPO),
        &["--command", "apply"],
        &[],
    );
    assert_eq!(r.code(), 1);
    assert!(!p.path().join("out").exists());
}

/// The fake knows that `sha` merged pull request `number`.
fn merged_by(gh: &Gh, sha: &str, number: u64) {
    gh.state.lock().unwrap().commit_pulls.push((
        sha.into(),
        json!({"number": number, "state": "closed", "merged_at": "2026-11-24T09:00:00Z",
               "merge_commit_sha": sha, "html_url": format!("https://github.com/octo/dns/pull/{number}")}),
    ));
}

#[test]
fn push_to_main_applies_the_reviewed_plan_and_reports_on_the_merged_pull_request() {
    let gh = Gh::start(None);
    let sha = "abc0000000000000000000000000000000000def";
    merged_by(&gh, sha, 12);
    let p = Step::new(&[("example.com.yaml", &zone_a(2))], &["example.com."]);
    // the plan on the pull request is what gets reviewed
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(12, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    let plan_comment = gh.comments_on(12)[0].clone();
    // the merge: `auto`, no `checksum` input — the reviewed plan is the default
    let r = p.run(Some(&gh), "push", &push_event(sha), &[], &[]);
    assert_eq!(r.code(), 0, "{}", r.log());
    assert_run_clean(&r);
    assert!(p.path().join("out/example.com.yaml").exists(), "applied");
    let c = gh.comments_on(12);
    assert_eq!(
        c.len(),
        2,
        "a new apply comment beside the plan comment: {:?}",
        gh.calls()
    );
    assert_eq!(c[0], plan_comment, "the plan comment is left as reviewed");
    let apply = &c[1].body;
    assert!(
        apply.contains("## DNS apply") && apply.contains("Applied"),
        "{apply}"
    );
    assert!(apply.contains("matched the reviewed plan"), "{apply}");
    assert!(
        apply.contains("the plan comment on pull request #12"),
        "{apply}"
    );
    assert!(apply.contains("<!-- dnsplan:apply:config.yaml -->"));
    assert!(apply.contains("The plan that was applied"));
    assert_balanced(apply);
    assert!(r.summary.contains("Applied"));
    // a push to another branch only plans
    let mut ev = push_event(sha);
    ev["ref"] = json!("refs/heads/feature");
    p.write_zone("example.com.yaml", &zone_a(3));
    let r = p.run(Some(&gh), "push", &ev, &[], &[]);
    assert_eq!(r.code(), 0, "{}", r.log());
    let applied = std::fs::read_to_string(p.path().join("out/example.com.yaml")).unwrap();
    assert!(!applied.contains("h002"), "not applied off main");
}

#[test]
fn a_direct_push_applies_only_when_unreviewed_applies_are_allowed() {
    let gh = Gh::start(None);
    let sha = "dead000000000000000000000000000000000000";
    let p = Step::new(&[("example.com.yaml", &zone_a(1))], &["example.com."]);
    let r = p.run(Some(&gh), "push", &push_event(sha), &[], &[]);
    assert_eq!(r.code(), 1, "{}", r.log());
    assert!(!p.path().join("out").exists(), "nothing applied");
    assert!(r.log().contains("allow-unreviewed"), "{}", r.log());
    assert_eq!(gh.count("GET", &format!("/commits/{sha}/pulls")), 1);
    assert_eq!(gh.count("POST", &format!("/commits/{sha}/comments")), 1);
    let refused = gh.state.lock().unwrap().commit_comments[0].1.clone();
    assert!(refused.contains("Refused: no reviewed plan"), "{refused}");
    assert!(!refused.contains("The plan that was applied"), "{refused}");
    assert!(r.summary.contains("Refused"), "{}", r.summary);
    assert_balanced(&refused);
    // the explicit input lets it through, and the record says so
    let r = p.run(
        Some(&gh),
        "push",
        &push_event(sha),
        &[],
        &[("INPUT_ALLOW-UNREVIEWED", "true")],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    assert!(p.path().join("out/example.com.yaml").exists());
    let cc = gh.state.lock().unwrap().commit_comments.clone();
    assert_eq!(cc.len(), 2, "one comment per attempt, the refusal kept");
    assert_eq!(cc[0].1, refused);
    assert!(
        cc[1].1.contains("Applied without a reviewed plan"),
        "{}",
        cc[1].1
    );
    assert!(
        r.summary.contains("Applied without a reviewed plan"),
        "{}",
        r.summary
    );
    assert!(r.stdout().contains("::warning"), "{}", r.stdout());
    assert!(
        r.output_value("comment-url")
            .unwrap()
            .contains("#commitcomment-")
    );
}

#[test]
fn a_failed_pull_request_lookup_is_no_review_and_says_so() {
    let gh = Gh::start(None);
    let sha = "fa11000000000000000000000000000000000000";
    merged_by(&gh, sha, 22);
    let p = Step::new(&[("example.com.yaml", &zone_a(1))], &["example.com."]);
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(22, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    gh.fail_once(
        "GET",
        "/pulls",
        ResponseTemplate::new(403)
            .set_body_json(json!({"message": "Resource not accessible by integration"})),
    );
    let r = p.run(Some(&gh), "push", &push_event(sha), &[], &[]);
    assert_eq!(r.code(), 1, "{}", r.log());
    assert!(!p.path().join("out").exists(), "nothing applied");
    assert!(r.log().contains("could not be looked up"), "{}", r.log());
    assert!(
        !r.log().contains("pushed directly"),
        "not a direct push: {}",
        r.log()
    );
}

#[test]
fn apply_verifies_the_reviewed_checksum() {
    let gh = Gh::start(None);
    let sha = "beef000000000000000000000000000000000000";
    merged_by(&gh, sha, 21);
    let p = Step::new(&[("example.com.yaml", &zone_a(2))], &["example.com."]);
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(21, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    // the zone changes after review (e.g. another merge): the reviewed checksum refuses, by
    // default and with the explicit input alike
    p.write_zone("example.com.yaml", &zone_a(3));
    for env in [vec![], vec![("INPUT_CHECKSUM", "reviewed")]] {
        let r = p.run(Some(&gh), "push", &push_event(sha), &[], &env);
        assert_eq!(r.code(), 1, "{}", r.log());
        assert!(
            r.log().contains("changed since it was reviewed"),
            "{}",
            r.log()
        );
        assert!(
            !p.path().join("out").exists(),
            "refused apply changes nothing"
        );
    }
    let refusals: Vec<String> = gh.comments_on(21)[1..]
        .iter()
        .map(|c| c.body.clone())
        .collect();
    assert_eq!(refusals.len(), 2, "one record per attempt");
    for b in &refusals {
        assert!(
            b.contains("Refused: the plan changed since it was reviewed"),
            "{b}"
        );
        assert!(!b.contains("The plan that was applied"), "{b}");
        assert!(b.contains("The re-plan, which was not applied"), "{b}");
        assert_balanced(b);
    }
    // back to what was reviewed: applies, and the refusals stay on record
    p.write_zone("example.com.yaml", &zone_a(2));
    let r = p.run(Some(&gh), "push", &push_event(sha), &[], &[]);
    assert_eq!(r.code(), 0, "{}", r.log());
    assert!(p.path().join("out/example.com.yaml").exists());
    let all = gh.comments_on(21);
    assert_eq!(all.len(), 4, "plan, two refusals, the apply");
    assert_eq!(all[1].body, refusals[0]);
    assert_eq!(all[2].body, refusals[1]);
    assert!(all[3].body.contains("✅ **Applied**"), "{}", all[3].body);
}

#[test]
fn drift_opens_updates_closes_and_reopens_one_issue() {
    let gh = Gh::start(None);
    let p = Step::new(&[("example.com.yaml", &zone_a(3))], &["example.com."]);
    assert_eq!(p.cli(&["apply", "--config", "config.yaml"]), 0);
    let drift_env: &[(&str, &str)] = &[];
    // issues with the label on several pages, one impersonating ours: never touched
    gh.seed_issue(
        "mallory",
        "open",
        "<!-- dnsplan:drift:config.yaml -->\nfake",
    );
    for _ in 0..3 {
        gh.seed_issue("alice", "closed", "something else");
    }
    // in sync: no issue, exit 0
    let r = p.run(
        Some(&gh),
        "schedule",
        &json!({"schedule": "0 * * * *"}),
        &[],
        drift_env,
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    assert_eq!(gh.count("POST", "/issues"), 0);
    assert!(r.summary.contains("No DNS drift"), "{}", r.summary);

    // someone edits live DNS
    let out = p.path().join("out/example.com.yaml");
    let live = std::fs::read_to_string(&out).unwrap();
    std::fs::write(&out, live.replace("192.0.2.2", "198.51.100.66")).unwrap();
    let r = p.run(Some(&gh), "schedule", &json!({}), &[], drift_env);
    assert_eq!(r.code(), 2, "{}", r.log());
    assert_run_clean(&r);
    let issues: Vec<IssueRec> = gh
        .state
        .lock()
        .unwrap()
        .issues
        .iter()
        .filter(|i| i.login == "github-actions[bot]")
        .cloned()
        .collect();
    assert_eq!(issues.len(), 1);
    let issue = &issues[0];
    assert!(
        gh.count("GET", "/repos/octo/dns/issues") >= 3,
        "issue pages followed: {:?}",
        gh.calls()
    );
    assert_eq!(issue.state, "open");
    assert_eq!(issue.labels, vec!["dnsplan-drift".to_string()]);
    assert!(issue.body.contains("<!-- dnsplan:drift:config.yaml -->"));
    assert!(issue.body.contains("198.51.100.66"), "{}", issue.body);

    assert_balanced(&issue.body);
    assert_eq!(
        r.output_value("comment-url").unwrap(),
        format!("https://github.com/{OWNER_REPO}/issues/{}", issue.number)
    );
    assert_eq!(r.output_value("has-changes").as_deref(), Some("true"));

    // the same drift again: nothing new
    gh.reset_log();
    let r = p.run(Some(&gh), "schedule", &json!({}), &[], drift_env);
    assert_eq!(r.code(), 2);
    assert_eq!(gh.count("POST", "/issues"), 0, "{:?}", gh.calls());
    assert_eq!(gh.count("PATCH", "/issues"), 0, "{:?}", gh.calls());

    // different drift: the body is updated and a comment added
    let live = std::fs::read_to_string(&out).unwrap();
    std::fs::write(&out, live.replace("192.0.2.3", "198.51.100.77")).unwrap();
    gh.reset_log();
    let r = p.run(
        Some(&gh),
        "workflow_dispatch",
        &json!({"inputs": {}}),
        &[],
        drift_env,
    );
    assert_eq!(r.code(), 2, "{}", r.log());
    assert_eq!(
        gh.count("POST", "/issues"),
        1,
        "one comment: {:?}",
        gh.calls()
    ); // the comment
    assert_eq!(
        gh.count("POST", &format!("/issues/{}/comments", issue.number)),
        1
    );
    let ours = |gh: &Gh| -> Vec<IssueRec> {
        gh.state
            .lock()
            .unwrap()
            .issues
            .iter()
            .filter(|i| i.login == "github-actions[bot]")
            .cloned()
            .collect()
    };
    assert_eq!(ours(&gh).len(), 1, "still one issue");
    assert!(ours(&gh)[0].body.contains("198.51.100.77"));

    // fixed: comment and close
    assert_eq!(p.cli(&["apply", "--config", "config.yaml"]), 0);
    gh.reset_log();
    let r = p.run(Some(&gh), "schedule", &json!({}), &[], drift_env);
    assert_eq!(r.code(), 0, "{}", r.log());
    assert_eq!(ours(&gh)[0].state, "closed");
    let closing = gh.comments_on(issue.number);
    assert!(
        closing.last().unwrap().body.contains("No drift"),
        "{closing:?}"
    );

    // drift comes back: the same issue is reopened, with a comment
    let live = std::fs::read_to_string(&out).unwrap();
    std::fs::write(&out, live.replace("192.0.2.1\n", "203.0.113.9\n")).unwrap();
    gh.reset_log();
    let r = p.run(Some(&gh), "schedule", &json!({}), &[], drift_env);
    assert_eq!(r.code(), 2, "{}", r.log());
    let mine = ours(&gh);
    assert_eq!(mine.len(), 1, "reopened, not a new issue");
    assert_eq!(mine[0].state, "open");
    assert!(mine[0].body.contains("203.0.113.9"));
    assert_eq!(gh.comments_on(issue.number).len(), closing.len() + 1);
    let st = gh.state.lock().unwrap();
    let mallory = st.issues.iter().find(|i| i.login == "mallory").unwrap();
    assert_eq!(mallory.body, "<!-- dnsplan:drift:config.yaml -->\nfake");
    assert_eq!(mallory.state, "open");
}

#[test]
fn rate_limits_and_server_errors_are_retried() {
    let gh = Gh::start(None);
    let p = Step::new(&[("example.com.yaml", &zone_a(1))], &["example.com."]);
    // secondary rate limit with retry-after and a 502 on a GET; on the POST that creates
    // the comment a primary limit (remaining 0 + reset), then a 503 (not processed)
    gh.fail_once(
        "GET",
        "/issues/5/comments",
        ResponseTemplate::new(502).set_body_string("bad gateway"),
    );
    gh.fail_once(
        "GET",
        "/issues/5/comments",
        ResponseTemplate::new(403)
            .insert_header("retry-after", "1")
            .set_body_json(json!({"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."})),
    );
    let reset = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 2)
    .to_string();
    gh.fail_once(
        "POST",
        "/issues/5/comments",
        ResponseTemplate::new(403)
            .insert_header("x-ratelimit-remaining", "0")
            .insert_header("x-ratelimit-reset", reset.as_str())
            .set_body_json(json!({"message": "API rate limit exceeded for installation ID 1."})),
    );
    gh.fail_once(
        "POST",
        "/issues/5/comments",
        ResponseTemplate::new(503).set_body_string("unavailable"),
    );
    let t = std::time::Instant::now();
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(5, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    assert!(t.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(
        gh.count("POST", "/issues/5/comments"),
        3,
        "{:?}",
        gh.calls()
    );
    assert_eq!(gh.comments_on(5).len(), 1);
    assert!(r.stderr().contains("rate limited"), "{}", r.stderr());
    assert_eq!(gh.count("GET", "/issues/5/comments"), 3, "{:?}", gh.calls());

    // a 502 to the POST may come after GitHub created the comment: it is not sent again
    let gh = Gh::start(None);
    gh.fail_once(
        "POST",
        "/issues/7/comments",
        ResponseTemplate::new(502).set_body_string("bad gateway"),
    );
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(7, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 1, "{}", r.log());
    assert_eq!(gh.count("POST", "/issues/7/comments"), 1, "not sent twice");
    assert!(
        r.stdout().contains("HTTP 502") && r.stdout().contains("not retried"),
        "{}",
        r.stdout()
    );

    // retries are bounded: a rate limit that never lifts fails the step
    let gh = Gh::start(None);
    for _ in 0..10 {
        gh.fail_once(
            "GET",
            "/issues/6/comments",
            ResponseTemplate::new(429).insert_header("retry-after", "1"),
        );
    }
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(6, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 1, "{}", r.log());
    assert_eq!(gh.count("GET", "/issues/6/comments"), 5, "1 + 4 retries");
    assert!(r.stdout().contains("::error"), "{}", r.stdout());
}

#[test]
fn permission_and_validation_errors_are_not_retried_and_fail_loudly() {
    let gh = Gh::start(None);
    let p = Step::new(&[("example.com.yaml", &zone_a(1))], &["example.com."]);
    gh.fail_once(
        "POST",
        "/issues/8/comments",
        ResponseTemplate::new(403).set_body_json(json!({
            "message": "Resource not accessible by integration",
            "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment"})),
    );
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(8, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 1, "{}", r.log());
    assert_eq!(gh.count("POST", "/issues/8/comments"), 1, "not retried");
    let out = r.stdout();
    assert!(out.contains("::error") && out.contains("HTTP 403"), "{out}");
    assert!(out.contains("pull-requests: write"), "{out}");
    assert_run_clean(&r);
    // the plan is still in the summary
    assert!(r.summary.contains("## DNS plan"));

    gh.fail_once(
        "POST",
        "/issues/8/comments",
        ResponseTemplate::new(422).set_body_json(json!({
            "message": "Validation Failed",
            "errors": [{"resource": "IssueComment", "code": "unprocessable", "field": "data",
                        "message": "Could not resolve to a node"}]})),
    );
    gh.reset_log();
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(8, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 1, "{}", r.log());
    assert_eq!(gh.count("POST", "/issues/8/comments"), 1, "not retried");
    assert!(r.stdout().contains("HTTP 422") && r.stdout().contains("Validation Failed"));
}

/// A zone with hostile values in every field a reviewer reads.
const HOSTILE: &str = "---
'':
  type: TXT
  values:
  - 'a|b | c'
  - 'x `y` ``z`` ```w``` @org/team fixes #123 <script>alert(1)</script>'
  - '</details> ```'
evil:
  type: TXT
  value: '<details><summary>@org/team</summary> #1 `|`'
mail:
  type: MX
  value:
    exchange: mx.example.com.
    preference: 10
";

#[test]
fn hostile_values_render_inert() {
    let gh = Gh::start(None);
    let p = Step::new(&[("example.com.yaml", HOSTILE)], &["example.com."]);
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(11, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    let body = &gh.comments_on(11)[0].body;
    assert!(
        body.contains("@org/team"),
        "the value is shown, in code: {body}"
    );
    assert_balanced(body);
    assert_inert(body);
    assert_balanced(&r.summary);
    assert_inert(&r.summary);
    // an update shows a diff of the hostile values: still inert
    assert_eq!(p.cli(&["apply", "--config", "config.yaml"]), 0);
    p.write_zone(
        "example.com.yaml",
        &HOSTILE.replace("a|b | c", "a|b | c | @d #4"),
    );
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(11, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    let body = &gh.comments_on(11)[0].body;
    assert!(
        body.contains("```diff") || body.contains("````diff"),
        "{body}"
    );
    assert_balanced(body);
    assert_inert(body);
}

#[test]
fn validation_errors_annotate_ten_and_list_all() {
    let gh = Gh::start(None);
    let mut z = String::from("---\n");
    for i in 0..14 {
        z.push_str(&format!("h{i:02}:\n  type: A\n  value: not-an-ip-{i}\n"));
    }
    let p = Step::new(&[("example.com.yaml", &z)], &["example.com."]);
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(13, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 1, "{}", r.log());
    let errors = r
        .stdout()
        .lines()
        .filter(|l| l.starts_with("::error "))
        .count();
    assert_eq!(errors, 10, "{}", r.stdout());
    for i in 0..14 {
        assert!(
            r.summary.contains(&format!("not-an-ip-{i}")),
            "summary lists every problem: {}",
            r.summary
        );
    }
    // the pull request sees it too
    let c = gh.comments_on(13);
    assert_eq!(c.len(), 1);
    assert!(c[0].body.contains("Validation failed"), "{}", c[0].body);
    assert_balanced(&c[0].body);
    assert_inert(&c[0].body);
    assert!(!p.path().join("out").exists());
}

#[test]
fn large_plans_fit_the_comment_limit_and_stay_balanced() {
    let gh = Gh::start(None);
    // 1,100 zones: the summary table alone is over 65,536 characters
    let names: Vec<String> = (0..1100)
        .map(|i| format!("zone{i:04}.a-rather-long-name.example."))
        .collect();
    let text = zone_a(6);
    let files: Vec<(String, String)> = names
        .iter()
        .map(|n| (format!("{n}yaml"), text.clone()))
        .collect();
    let refs = refs(&files);
    let zones = strs(&names);
    let p = Step::new(&refs, &zones);
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(20, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    let body = gh.comments_on(20)[0].body.clone();
    assert!(body.chars().count() <= 65_536, "{}", body.chars().count());
    assert!(body.encode_utf16().count() <= 65_536);
    assert!(body.contains("**Truncated**"), "cut with a note");
    assert!(body.contains("step summary"), "points to the summary");
    let checksum = r.output_value("checksum").unwrap();
    assert!(body.contains(&checksum), "the checksum survives the cut");
    assert!(body.trim_end().ends_with("</sub>"));
    assert_balanced(&body);
    // the step summary holds everything that fits in 1 MiB, balanced
    assert!(r.summary.len() <= 1024 * 1024);
    assert!(
        r.summary.contains("zone1099.a-rather-long-name.example."),
        "summary has every zone"
    );
    assert_balanced(&r.summary);

    // smaller limits: every stage (details dropped, then cut) stays balanced
    let first40: Vec<&str> = names[..40].iter().map(String::as_str).collect();
    let mut saw_dropped = false;
    for limit in [1000, 2500, 6000, 15000, 40000] {
        let r = p.run(
            Some(&gh),
            "pull_request",
            &pr_event(20, OWNER_REPO),
            &first40,
            &[("DNSPLAN_GITHUB_COMMENT_LIMIT", &limit.to_string())],
        );
        assert_eq!(r.code(), 0, "{}", r.log());
        let body = gh.comments_on(20)[0].body.clone();
        assert!(
            body.encode_utf16().count() <= limit,
            "{limit}: {}",
            body.len()
        );
        assert_balanced(&body);
        assert!(body.starts_with(MARKER));
        saw_dropped |= body.contains("are left out");
    }
    assert!(saw_dropped, "some size dropped only the details");
}

#[test]
fn secrets_never_reach_comments_summaries_outputs_or_logs() {
    let gh = Gh::start(None);
    // the secret even sits in a record value and in a zone's error path
    let z = format!(
        "---\nleak:\n  type: TXT\n  value: 'token {SECRET} and {TOKEN}'\nwww:\n  type: A\n  value: 192.0.2.1\n"
    );
    let p = Step::new(&[("example.com.yaml", &z)], &["example.com."]);
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(30, OWNER_REPO),
        &[],
        &[],
    );
    // a record holding a secret is refused: scrubbed, its plan could not be shown truthfully
    // nor verified by its checksum
    assert_eq!(r.code(), 1, "{}", r.log());
    assert_run_clean(&r);
    assert!(r.stdout().contains("secret-in-record"), "{}", r.stdout());
    assert!(
        r.stdout().contains("example.com.yaml,line=2"),
        "annotated at the record: {}",
        r.stdout()
    );
    assert!(r.stdout().contains("api_key") && r.stdout().contains("GitHub token"));
    assert!(!p.path().join("dnsplan-plan.json").exists());
    assert_no_secrets("requests sent to GitHub", &gh.sent_bodies());
    for c in gh.comments_on(30) {
        assert_no_secrets("comment", &c.body);
        assert!(c.body.contains("secret-in-record"), "{}", c.body);
    }
    // without it, the plan, apply and drift never show the secret
    p.write_zone(
        "example.com.yaml",
        "---\nleak:\n  type: TXT\n  value: 'no secret here'\nwww:\n  type: A\n  value: 192.0.2.1\n",
    );
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(30, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    assert_run_clean(&r);
    let plan_file = std::fs::read_to_string(p.path().join("dnsplan-plan.json")).unwrap();
    assert_no_secrets("plan file", &plan_file);
    let sha = "5ec0000000000000000000000000000000000000";
    merged_by(&gh, sha, 30);
    let r = p.run(Some(&gh), "push", &push_event(sha), &[], &[]);
    assert_eq!(r.code(), 0, "{}", r.log());
    assert_run_clean(&r);
    let out = p.path().join("out/example.com.yaml");
    let live = std::fs::read_to_string(&out).unwrap();
    std::fs::write(&out, live.replace("192.0.2.1", "192.0.2.99")).unwrap();
    let r = p.run(Some(&gh), "schedule", &json!({}), &[], &[]);
    assert_eq!(r.code(), 2, "{}", r.log());
    assert_run_clean(&r);
    assert_no_secrets("requests sent to GitHub", &gh.sent_bodies());
    for i in gh.state.lock().unwrap().issues.iter() {
        assert_no_secrets("issue", &i.body);
    }
    // a provider failure whose message carries the secret
    std::fs::write(
        p.path().join("config.yaml"),
        "providers:\n  config: {class: yaml, directory: ./zones}\n  \
             out: {class: yaml, directory: ./out}\n  \
             vault: {class: powerdns, host: 127.0.0.1, api_key: env/DNSPLAN_TEST_SECRET}\n  \
             bad: {class: yaml, directory: env/DNSPLAN_TEST_SECRET}\nzones:\n  example.com.: {sources: [config], targets: [out, bad]}\n",
    )
    .unwrap();
    std::fs::create_dir_all(p.path().join(SECRET)).unwrap();
    std::fs::write(
        p.path().join(SECRET).join("example.com.yaml"),
        "{not: [valid",
    )
    .unwrap();
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(30, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 1, "{}", r.log());
    assert!(
        r.log().contains("***"),
        "the message is shown, scrubbed: {}",
        r.log()
    );
    assert_run_clean(&r);
    assert_no_secrets("requests sent to GitHub", &gh.sent_bodies());
    for c in gh.comments_on(30) {
        assert_no_secrets("comment", &c.body);
    }
}

#[test]
fn shards_merge_into_one_comment_and_one_checksum() {
    let gh = Gh::start(None);
    let names: Vec<String> = (0..30).map(|i| format!("s{i}.example.")).collect();
    let files: Vec<(String, String)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (format!("{n}yaml"), zone_a(i % 4 + 1)))
        .collect();
    let refs = refs(&files);
    let zones = strs(&names);
    let p = Step::new(&refs, &zones);
    // some zones exist already, one with a change, so the plan mixes creates and updates
    assert_eq!(
        p.cli(&[
            "apply",
            "--config",
            "config.yaml",
            "s1.example.",
            "s2.example."
        ]),
        0
    );
    p.write_zone(
        "s1.example.yaml",
        &zone_a(2).replace("192.0.2.2", "192.0.2.200"),
    );
    let mut shard_files = Vec::new();
    for k in 1..=3 {
        let r = p.run(
            Some(&gh),
            "pull_request",
            &pr_event(40, OWNER_REPO),
            &[],
            &[
                ("INPUT_SHARD", &format!("{k}/3")),
                ("INPUT_PLAN-FILE", &format!("shards/plan-{k}.json")),
            ],
        );
        assert_eq!(r.code(), 0, "{}", r.log());
        assert_run_clean(&r);
        shard_files.push(r.output_value("plan-json").unwrap());
    }
    assert!(
        gh.calls().is_empty(),
        "shards do not comment: {:?}",
        gh.calls()
    );
    assert_eq!(shard_files[0], "shards/plan-1.json");
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(40, OWNER_REPO),
        &["--merge-plans", "shards", "--plan-file", "merged.json"],
        &[],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    let merged = r.output_value("checksum").unwrap();
    let comments = gh.comments_on(40);
    assert_eq!(comments.len(), 1, "one sticky comment");
    assert!(comments[0].body.contains(&merged));
    for n in names.iter().filter(|n| *n != "s2.example.") {
        assert!(
            comments[0].body.contains(&format!("`{n}`")),
            "{n} in the comment"
        );
    }
    assert!(comments[0].body.contains("192.0.2.200"), "the update of s1");
    assert_balanced(&comments[0].body);

    // the merged checksum is the full plan's checksum
    let full: J = serde_json::from_str(&p.cli_stdout(&[
        "plan",
        "--config",
        "config.yaml",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(full["checksum"].as_str().unwrap(), merged);
    let doc: J =
        serde_json::from_str(&std::fs::read_to_string(p.path().join("merged.json")).unwrap())
            .unwrap();
    assert_eq!(doc["plans"], full["plans"]);
    // and the full markdown equals the merged one (modulo nothing)
    let full_md = p.cli_stdout(&["plan", "--config", "config.yaml", "--format", "markdown"]);
    let full_body = full_md.strip_prefix("## DNS plan\n\n").unwrap();
    assert!(
        comments[0].body.contains(full_body.trim_end()),
        "merged comment renders the same plan:\n{full_md}\n---\n{}",
        comments[0].body
    );
    // apply with the merged checksum verifies on a full re-plan
    assert_eq!(
        p.cli(&["apply", "--config", "config.yaml", "--checksum", &merged]),
        0
    );
    // overlapping shard files are refused
    std::fs::copy(
        p.path().join("shards/plan-1.json"),
        p.path().join("shards/plan-1-again.json"),
    )
    .unwrap();
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(40, OWNER_REPO),
        &["--merge-plans", "shards"],
        &[],
    );
    assert_eq!(r.code(), 1, "{}", r.log());
    assert!(
        r.stdout().contains("more than one plan file"),
        "{}",
        r.stdout()
    );
}

/// `plan --format json --out` writes the same plan file a shard does (without the Action's
/// notes): it merges. A damaged file in the directory stops the merge, naming it; a truncated
/// one at its line and column.
#[test]
fn merge_plans_reads_plan_out_files_and_refuses_damaged_ones() {
    let gh = Gh::start(None);
    let files = [("a.example.yaml", zone_a(1)), ("b.example.yaml", zone_a(2))];
    let p = Step::new(
        &[(files[0].0, &files[0].1), (files[1].0, &files[1].1)],
        &["a.example.", "b.example."],
    );
    std::fs::create_dir_all(p.path().join("shards")).unwrap();
    for (zone, out) in [
        ("a.example.", "shards/a.json"),
        ("b.example.", "shards/b.json"),
    ] {
        assert_eq!(
            p.cli(&[
                "plan",
                "--config",
                "config.yaml",
                "--format",
                "json",
                "--out",
                out,
                zone
            ]),
            0
        );
    }
    let merge = |p: &Step| {
        p.run(
            Some(&gh),
            "push",
            &json!({}),
            &[
                "--command",
                "plan",
                "--merge-plans",
                "shards",
                "--plan-file",
                "merged.json",
            ],
            &[],
        )
    };
    let r = merge(&p);
    assert_eq!(r.code(), 0, "{}", r.log());
    let full: J = serde_json::from_str(&p.cli_stdout(&[
        "plan",
        "--config",
        "config.yaml",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(
        r.output_value("checksum").unwrap(),
        full["checksum"].as_str().unwrap()
    );
    // a value edited in a shard's file: its checksum no longer matches
    let a = std::fs::read_to_string(p.path().join("shards/a.json")).unwrap();
    let edited = a.replacen("192.0.2.1", "192.0.2.9", 1);
    assert_ne!(edited, a);
    std::fs::write(p.path().join("shards/a.json"), &edited).unwrap();
    let r = merge(&p);
    assert_eq!(r.code(), 1, "{}", r.log());
    assert!(
        r.stdout()
            .contains("shards/a.json: its checksum does not match its plans"),
        "{}",
        r.stdout()
    );
    assert!(
        r.summary.contains("Could not merge the shard plans"),
        "{}",
        r.summary
    );
    // truncated: the file, line and column
    std::fs::write(p.path().join("shards/a.json"), &a[..a.len() / 2]).unwrap();
    let r = merge(&p);
    assert_eq!(r.code(), 1, "{}", r.log());
    let line = a[..a.len() / 2].lines().count();
    assert!(
        r.stdout().contains(&format!("shards/a.json:{line}:")),
        "{}",
        r.stdout()
    );
}

#[test]
fn outputs_use_fresh_random_delimiters() {
    let p = Step::new(&[("example.com.yaml", &zone_a(1))], &["example.com."]);
    let r = p.run(
        None,
        "workflow_dispatch",
        &json!({}),
        &["--no-drift-issue"],
        &[],
    );
    assert_eq!(r.code(), 2, "{}", r.log());
    let delims: Vec<&str> = r
        .output
        .lines()
        .filter_map(|l| l.split_once("<<").map(|(_, d)| d))
        .collect();
    assert!(delims.len() >= 3, "{}", r.output);
    let unique: std::collections::HashSet<&&str> = delims.iter().collect();
    assert_eq!(unique.len(), delims.len(), "a new delimiter per output");
    assert_eq!(r.output_value("has-changes").as_deref(), Some("true"));
    assert!(
        PathBuf::from(p.path())
            .join(r.output_value("plan-json").unwrap())
            .exists()
    );
}

#[test]
fn drift_issues_and_comments_fit_the_limit_too() {
    let gh = Gh::start(None);
    let names: Vec<String> = (0..40).map(|i| format!("d{i:02}.example.")).collect();
    let files: Vec<(String, String)> = names
        .iter()
        .map(|n| (format!("{n}yaml"), zone_a(5)))
        .collect();
    let refs = refs(&files);
    let zones = strs(&names);
    let p = Step::new(&refs, &zones);
    let limit = [("DNSPLAN_GITHUB_COMMENT_LIMIT", "2000")];
    // nothing applied: every zone drifts
    let r = p.run(Some(&gh), "schedule", &json!({}), &[], &limit);
    assert_eq!(r.code(), 2, "{}", r.log());
    // now drift differently (one zone applied): the issue gets a comment
    assert_eq!(
        p.cli(&["apply", "--config", "config.yaml", "d00.example."]),
        0
    );
    let r = p.run(Some(&gh), "schedule", &json!({}), &[], &limit);
    assert_eq!(r.code(), 2, "{}", r.log());
    let st = gh.state.lock().unwrap();
    assert_eq!(st.issues.len(), 1);
    let body = &st.issues[0].body;
    assert!(body.encode_utf16().count() <= 2000, "{}", body.len());
    assert_balanced(body);
    let comments: Vec<&CommentRec> = st.comments.iter().collect();
    assert_eq!(comments.len(), 1);
    assert!(comments[0].body.encode_utf16().count() <= 2000);
    assert!(
        comments[0]
            .body
            .starts_with("Drift detected by [workflow run]")
    );
    assert_balanced(&comments[0].body);
}

#[test]
fn an_invalid_merge_is_not_applied_and_says_so_on_the_pull_request() {
    let gh = Gh::start(None);
    let sha = "bad0000000000000000000000000000000000000";
    gh.state.lock().unwrap().commit_pulls.push((
        sha.into(),
        json!({"number": 50, "state": "closed", "merged_at": "2026-11-24T09:00:00Z",
               "merge_commit_sha": sha, "html_url": "https://github.com/octo/dns/pull/50"}),
    ));
    let p = Step::new(
        &[(
            "example.com.yaml",
            "---\nwww:\n  type: A\n  value: 999.1.1.1\n",
        )],
        &["example.com."],
    );
    let r = p.run(Some(&gh), "push", &push_event(sha), &[], &[]);
    assert_eq!(r.code(), 1, "{}", r.log());
    assert!(!p.path().join("out").exists());
    let c = gh.comments_on(50);
    assert_eq!(c.len(), 1, "{:?}", gh.calls());
    assert!(c[0].body.contains("## DNS apply") && c[0].body.contains("Validation failed"));
    // validate only: offline, no API
    let gh2 = Gh::start(None);
    let r = p.run(
        Some(&gh2),
        "push",
        &push_event(sha),
        &[],
        &[("INPUT_COMMAND", "validate")],
    );
    assert_eq!(r.code(), 1);
    assert!(r.stdout().contains("::error file="), "{}", r.stdout());
    assert!(gh2.calls().is_empty());
}

#[test]
fn merged_plans_rebuild_every_record_type_exactly() {
    let gh = Gh::start(None);
    let dir = fixtures().join("octodns");
    let names = ["unit.tests.", "dynamic.tests.", "subzone.unit.tests."];
    let files: Vec<(String, String)> = names
        .iter()
        .map(|n| {
            let f = format!("{n}yaml");
            let text = std::fs::read_to_string(dir.join(&f)).unwrap();
            (f, text)
        })
        .collect();
    let refs = refs(&files);
    let p = Step::new(&refs, &names);
    let merge = |p: &Step| -> String {
        let _ = std::fs::remove_dir_all(p.path().join("shards"));
        for k in 1..=2 {
            let r = p.run(
                None,
                "push",
                &json!({}),
                &[
                    "--command",
                    "plan",
                    "--shard",
                    &format!("{k}/2"),
                    "--plan-file",
                    &format!("shards/{k}.json"),
                ],
                &[],
            );
            assert_eq!(r.code(), 0, "{}", r.log());
        }
        let r = p.run(
            Some(&gh),
            "push",
            &json!({}),
            &["--command", "plan", "--merge-plans", "shards"],
            &[],
        );
        assert_eq!(r.code(), 0, "{}", r.log());
        r.output_value("checksum").unwrap()
    };
    let full = |p: &Step| -> String {
        let j: J = serde_json::from_str(&p.cli_stdout(&[
            "plan",
            "--config",
            "config.yaml",
            "--format",
            "json",
        ]))
        .unwrap();
        j["checksum"].as_str().unwrap().to_string()
    };
    // every record type created
    assert_eq!(merge(&p), full(&p));
    // updates of values, TTLs and dynamic pools; deletes
    assert_eq!(p.cli(&["apply", "--config", "config.yaml", "--force"]), 0);
    let unit = files[0]
        .1
        .replace("ttl: 600", "ttl: 601")
        .replace("1.2.3.4", "1.2.3.9");
    p.write_zone("unit.tests.yaml", &unit);
    let dynamic = files[1].1.replacen("weight: 1", "weight: 7", 1);
    p.write_zone("dynamic.tests.yaml", &dynamic);
    assert_ne!(unit, files[0].1);
    assert_ne!(dynamic, files[1].1);
    let planned: J = serde_json::from_str(&p.cli_stdout(&[
        "plan",
        "--config",
        "config.yaml",
        "--format",
        "json",
    ]))
    .unwrap();
    let updates: u64 = planned["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["summary"]["updates"].as_u64().unwrap())
        .sum();
    assert!(updates >= 2, "{planned:#}");
    let checksum = merge(&p);
    assert_eq!(checksum, full(&p));
    assert_eq!(
        p.cli(&[
            "apply",
            "--config",
            "config.yaml",
            "--force",
            "--checksum",
            &checksum
        ]),
        0
    );
}

// ---------------------------------------------------------------------------------------------
// Where apply may run, and where its record goes.

/// A payload for `event` (the fields dnsplan reads; the rest as GitHub sends them).
fn event_payload(event: &str) -> J {
    let repo = json!({"full_name": OWNER_REPO, "default_branch": "main"});
    match event {
        "issue_comment" => json!({"action": "created", "issue": {"number": 4,
            "pull_request": {"url": "x"}}, "comment": {"body": "/apply"}, "repository": repo}),
        "merge_group" => json!({"action": "checks_requested", "merge_group": {"head_sha": "ab",
            "head_ref": "refs/heads/gh-readonly-queue/main/pr-4-ab", "base_ref": "refs/heads/main"},
            "repository": repo}),
        "release" => {
            json!({"action": "published", "release": {"tag_name": "v1"}, "repository": repo})
        }
        "repository_dispatch" => {
            json!({"action": "apply", "client_payload": {}, "repository": repo})
        }
        "workflow_run" => json!({"action": "completed", "workflow_run": {"head_branch": "main"},
            "repository": repo}),
        _ => json!({"repository": repo}),
    }
}

/// Every event GitHub lists that a DNS workflow may plausibly be wired to, with what an
/// explicit `command: apply` (plus `force` and `allow-unreviewed`, the strongest inputs) does.
#[test]
fn apply_runs_only_on_the_allowed_events() {
    let gh = Gh::start(None);
    let p = Step::new(&[("example.com.yaml", &zone_a(1))], &["example.com."]);
    let sha = "ace0000000000000000000000000000000000000";
    let mut feature = push_event(sha);
    feature["ref"] = json!("refs/heads/feature");
    let mut tag = push_event(sha);
    tag["ref"] = json!("refs/tags/v1.2.3");
    let mut no_default = push_event(sha);
    no_default["repository"] = json!({"full_name": OWNER_REPO});
    let refused: Vec<(&str, J, &str)> = vec![
        (
            "pull_request",
            pr_event(4, OWNER_REPO),
            "never applies on pull-request events",
        ),
        (
            "pull_request_target",
            pr_event(4, OWNER_REPO),
            "`pull_request_target`",
        ),
        ("push", feature, "`push` to the branch `feature`"),
        ("push", tag, "tag `v1.2.3`"),
        ("push", no_default, "does not name the default branch"),
        (
            "issue_comment",
            event_payload("issue_comment"),
            "`issue_comment`",
        ),
        ("schedule", event_payload("schedule"), "`schedule`"),
        ("merge_group", event_payload("merge_group"), "`merge_group`"),
        ("release", event_payload("release"), "`release`"),
        (
            "repository_dispatch",
            event_payload("repository_dispatch"),
            "`repository_dispatch`",
        ),
        (
            "workflow_run",
            event_payload("workflow_run"),
            "`workflow_run`",
        ),
        (
            "discussion_comment",
            event_payload("x"),
            "`discussion_comment`",
        ),
        ("", json!({}), "GITHUB_EVENT_NAME is not set"),
    ];
    let strongest = [
        ("INPUT_COMMAND", "apply"),
        ("INPUT_FORCE", "true"),
        ("INPUT_ALLOW-UNREVIEWED", "true"),
    ];
    for (event, payload, says) in &refused {
        gh.reset_log();
        let r = p.run(Some(&gh), event, payload, &[], &strongest);
        assert_eq!(r.code(), 1, "{event}: {}", r.log());
        assert!(!p.path().join("out").exists(), "{event}: nothing applied");
        assert!(r.stdout().contains("::error"), "{event}: {}", r.stdout());
        assert!(r.log().contains("apply refused"), "{event}: {}", r.log());
        assert!(
            r.log().contains(says),
            "{event} should say {says:?}: {}",
            r.log()
        );
        assert!(r.summary.contains("Refused"), "{event}: {}", r.summary);
        assert_eq!(
            gh.count("POST", "/comments"),
            0,
            "{event}: {:?}",
            gh.calls()
        );
        // `auto` on the same event never applies either
        let r = p.run(
            Some(&gh),
            event,
            payload,
            &[],
            &[("INPUT_ALLOW-UNREVIEWED", "true")],
        );
        assert!(r.code() == 0 || r.code() == 2, "{event} auto: {}", r.log());
        assert!(
            !p.path().join("out").exists(),
            "{event} auto: nothing applied"
        );
    }
    // workflow_dispatch applies only when asked to explicitly
    let r = p.run(
        Some(&gh),
        "workflow_dispatch",
        &json!({"inputs": {}}),
        &[],
        &[("INPUT_ALLOW-UNREVIEWED", "true")],
    );
    assert_eq!(r.code(), 2, "auto on a dispatch checks drift: {}", r.log());
    assert!(!p.path().join("out").exists());
    let r = p.run(
        Some(&gh),
        "workflow_dispatch",
        &json!({"inputs": {}}),
        &[],
        &strongest,
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    assert!(p.path().join("out/example.com.yaml").exists());
    std::fs::remove_dir_all(p.path().join("out")).unwrap();
    // a push to the default branch applies (with `auto` as with `apply`)
    let r = p.run(
        Some(&gh),
        "push",
        &push_event(sha),
        &[],
        &[("INPUT_ALLOW-UNREVIEWED", "true")],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    assert!(p.path().join("out/example.com.yaml").exists());
}

#[test]
fn apply_branches_replace_the_default_branch() {
    let gh = Gh::start(None);
    let p = Step::new(&[("example.com.yaml", &zone_a(1))], &["example.com."]);
    let sha = "bee0000000000000000000000000000000000000";
    let mut prod = push_event(sha);
    prod["ref"] = json!("refs/heads/production");
    let env = [
        ("INPUT_APPLY-BRANCHES", "production, release/*"),
        ("INPUT_ALLOW-UNREVIEWED", "true"),
    ];
    // main is no longer allowed once a list is given
    let r = p.run(
        Some(&gh),
        "push",
        &push_event(sha),
        &[],
        &[env[0], env[1], ("INPUT_COMMAND", "apply")],
    );
    assert_eq!(r.code(), 1, "{}", r.log());
    assert!(r.log().contains("not in `apply-branches`"), "{}", r.log());
    assert!(!p.path().join("out").exists());
    let r = p.run(Some(&gh), "push", &prod, &[], &env);
    assert_eq!(r.code(), 0, "{}", r.log());
    assert!(
        p.path().join("out/example.com.yaml").exists(),
        "auto applies on a listed branch"
    );
}

#[test]
fn a_manual_apply_reports_on_the_commit_it_applied_and_never_edits_a_pull_request() {
    let gh = Gh::start(None);
    let merged = "1230000000000000000000000000000000000000";
    merged_by(&gh, merged, 40);
    let p = Step::new(&[("example.com.yaml", &zone_a(1))], &["example.com."]);
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(40, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    let r = p.run(Some(&gh), "push", &push_event(merged), &[], &[]);
    assert_eq!(r.code(), 0, "{}", r.log());
    let before = gh.comments_on(40);
    assert_eq!(before.len(), 2, "plan + apply");
    // a rollback: the workflow checks out an earlier commit (GITHUB_SHA stays main's head,
    // which is the merge of #40); dnsplan applies and reports on the commit checked out
    let earlier = "4560000000000000000000000000000000000000";
    std::fs::create_dir_all(p.path().join(".git")).unwrap();
    std::fs::write(p.path().join(".git/HEAD"), format!("{earlier}\n")).unwrap();
    p.write_zone("example.com.yaml", &zone_a(2));
    let plan = p.run(
        Some(&gh),
        "workflow_dispatch",
        &json!({"inputs": {"ref": earlier}}),
        &[],
        &[("INPUT_COMMAND", "plan")],
    );
    assert_eq!(plan.code(), 0, "{}", plan.log());
    let checksum = plan.output_value("checksum").unwrap();
    gh.reset_log();
    let r = p.run(
        Some(&gh),
        "workflow_dispatch",
        &json!({"inputs": {"ref": earlier}}),
        &[],
        &[
            ("INPUT_COMMAND", "apply"),
            ("INPUT_CHECKSUM", checksum.as_str()),
            ("GITHUB_SHA", merged),
            ("GITHUB_WORKSPACE", p.path().to_str().unwrap()),
        ],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    assert_eq!(
        gh.comments_on(40),
        before,
        "the pull request's comments are untouched"
    );
    assert_eq!(gh.count("PATCH", "/comments"), 0, "{:?}", gh.calls());
    assert_eq!(gh.count("POST", "/issues/"), 0, "{:?}", gh.calls());
    assert_eq!(
        gh.count("GET", "/pulls"),
        0,
        "a manual run looks up no pull request"
    );
    let cc = gh.state.lock().unwrap().commit_comments.clone();
    assert_eq!(cc.len(), 1, "{:?}", gh.calls());
    assert_eq!(cc[0].0, earlier, "on the commit that was applied");
    assert!(
        cc[0].1.contains("Applied") && cc[0].1.contains("the `checksum` input"),
        "{}",
        cc[0].1
    );
    assert!(r.summary.contains("## DNS apply"), "{}", r.summary);
    // without a checksum a manual apply is unreviewed: refused unless allowed
    p.write_zone("example.com.yaml", &zone_a(3));
    let r = p.run(
        Some(&gh),
        "workflow_dispatch",
        &json!({"inputs": {}}),
        &[],
        &[
            ("INPUT_COMMAND", "apply"),
            ("GITHUB_WORKSPACE", p.path().to_str().unwrap()),
        ],
    );
    assert_eq!(r.code(), 1, "{}", r.log());
    assert!(
        r.log().contains("manual run has no reviewed plan"),
        "{}",
        r.log()
    );
    let applied = std::fs::read_to_string(p.path().join("out/example.com.yaml")).unwrap();
    assert!(!applied.contains("h002"), "not applied");
}

/// The config of `Step::new` with a rail on the target: A changes need `force`.
const CONFIRM_A: &str = "providers:\n  config: {class: yaml, directory: ./zones}\n  out: {class: yaml, directory: ./out, confirm_types: [A]}\nzones:\n  example.com.: {sources: [config], targets: [out]}\n";

#[test]
fn refused_and_forced_applies_say_so_truthfully() {
    let gh = Gh::start(None);
    let sha = "f0c0000000000000000000000000000000000000";
    merged_by(&gh, sha, 50);
    let p = Step::new(&[("example.com.yaml", &zone_a(2))], &["example.com."]);
    std::fs::write(p.path().join("config.yaml"), CONFIRM_A).unwrap();
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(50, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    let r = p.run(Some(&gh), "push", &push_event(sha), &[], &[]);
    assert_eq!(r.code(), 1, "{}", r.log());
    assert!(!p.path().join("out").exists());
    let refused = gh.comments_on(50)[1].body.clone();
    assert!(refused.contains("Refused by 1 safety rail"), "{refused}");
    assert!(
        refused.contains("need explicit confirmation"),
        "names the rail: {refused}"
    );
    assert!(refused.contains("`force: true`"), "{refused}");
    assert!(!refused.contains("The plan that was applied"), "{refused}");
    assert!(
        !refused.contains("--force"),
        "the Action's input is force: true: {refused}"
    );
    assert_balanced(&refused);
    let r = p.run(
        Some(&gh),
        "push",
        &push_event(sha),
        &[],
        &[("INPUT_FORCE", "true")],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    assert!(p.path().join("out/example.com.yaml").exists());
    let all = gh.comments_on(50);
    assert_eq!(all.len(), 3, "plan, refusal, forced apply");
    assert_eq!(all[1].body, refused, "the refusal stays on record");
    let forced = &all[2].body;
    assert!(forced.contains("Applied with `force: true`"), "{forced}");
    assert!(
        forced.contains("past 1 safety rail") && forced.contains("need explicit confirmation"),
        "{forced}"
    );
    assert!(forced.contains("The plan that was applied"), "{forced}");
    assert!(
        forced.contains("**confirm\\_types**"),
        "names the rail: {forced}"
    );
    // the plan under an apply record reads as what was planned, with no advice to force
    for body in [&refused, forced] {
        assert!(!body.contains("will apply"), "{body}");
        assert!(!body.contains("Apply is refused unless forced"), "{body}");
    }
    assert_balanced(forced);
    let plan_comment = gh.comments_on(50)[0].body.clone();
    insta::assert_snapshot!("pr_comment_refused_by_a_rail", versionless(&plan_comment));
    insta::assert_snapshot!("apply_comment_refused_by_a_rail", versionless(&refused));
    insta::assert_snapshot!("apply_comment_forced", versionless(forced));
    // docs/github-action.md shows this very comment
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/github-action.md"
    ))
    .unwrap();
    let shown = versionless(&plan_comment).replacen("<!-- dnsplan:plan:config.yaml -->\n", "", 1);
    assert!(
        doc.contains(&shown),
        "docs/github-action.md must show the current plan comment:\n{shown}"
    );
}

/// A comment body with the version in its footer made constant, for snapshots.
fn versionless(body: &str) -> String {
    body.replace(
        &format!("dnsplan {}", env!("CARGO_PKG_VERSION")),
        "dnsplan [version]",
    )
}

#[test]
fn drift_on_a_pull_request_plans_only_and_never_touches_the_drift_issue() {
    let gh = Gh::start(None);
    let p = Step::new(&[("example.com.yaml", &zone_a(1))], &["example.com."]);
    for ev in ["pull_request", "pull_request_target"] {
        gh.reset_log();
        let r = p.run(
            Some(&gh),
            ev,
            &pr_event(60, OWNER_REPO),
            &[],
            &[("INPUT_COMMAND", "drift")],
        );
        assert_eq!(r.code(), 0, "{ev}: {}", r.log());
        assert_eq!(
            gh.count("GET", "/issues") - gh.count("GET", "/issues/60/comments"),
            0,
            "{ev}: {:?}",
            gh.calls()
        );
        assert!(
            gh.state.lock().unwrap().issues.is_empty(),
            "{ev}: no drift issue"
        );
        assert!(
            r.stdout().contains("plans the pull request's config only"),
            "{}",
            r.stdout()
        );
        assert!(!p.path().join("out").exists());
    }
}

#[test]
fn failing_to_write_outputs_summary_or_plan_file_is_an_error() {
    let gh = Gh::start(None);
    let p = Step::new(&[("example.com.yaml", &zone_a(1))], &["example.com."]);
    let dir = p.path().join("a-directory");
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.to_str().unwrap();
    for (var, says) in [
        ("GITHUB_OUTPUT", "cannot write $GITHUB_OUTPUT"),
        ("GITHUB_STEP_SUMMARY", "cannot write $GITHUB_STEP_SUMMARY"),
        ("INPUT_PLAN-FILE", "cannot write the plan file"),
    ] {
        let r = p.run(
            Some(&gh),
            "pull_request",
            &pr_event(70, OWNER_REPO),
            &[],
            &[(var, d)],
        );
        assert_eq!(r.code(), 1, "{var}: {}", r.log());
        assert!(
            r.stdout().contains("::error") && r.stdout().contains(says),
            "{var}: {}",
            r.stdout()
        );
    }
}

#[test]
fn labels_follow_the_plan() {
    let gh = Gh::start(None);
    let p = Step::new(&[("example.com.yaml", &zone_a(2))], &["example.com."]);
    let labelled = |labels: &[&str]| {
        let mut e = pr_event(80, OWNER_REPO);
        e["pull_request"]["labels"] = json!(
            labels
                .iter()
                .map(|l| json!({"name": l}))
                .collect::<Vec<_>>()
        );
        e
    };
    // off by default
    let r = p.run(Some(&gh), "pull_request", &labelled(&[]), &[], &[]);
    assert_eq!(r.code(), 0, "{}", r.log());
    assert_eq!(gh.count("POST", "/labels"), 0);
    let on = [("INPUT_LABELS", "true")];
    gh.reset_log();
    let r = p.run(
        Some(&gh),
        "pull_request",
        &labelled(&["bug", "dns:deletes"]),
        &[],
        &on,
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    assert_eq!(gh.labels_of(80), vec!["dns:changes".to_string()]);
    assert_eq!(
        gh.count("DELETE", "/issues/80/labels/dns%3Adeletes"),
        1,
        "{:?}",
        gh.calls()
    );
    // applied: nothing left to change, so our labels go (others' stay)
    std::fs::create_dir_all(p.path().join("out")).unwrap();
    assert_eq!(p.cli(&["apply", "--config", "config.yaml", "--force"]), 0);
    gh.reset_log();
    let r = p.run(
        Some(&gh),
        "pull_request",
        &labelled(&["bug", "dns:changes"]),
        &[],
        &on,
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    assert!(gh.labels_of(80).is_empty(), "{:?}", gh.labels_of(80));
    assert_eq!(gh.count("DELETE", "/labels/bug"), 0);
    // deletes and refusals
    std::fs::write(p.path().join("config.yaml"), CONFIRM_A).unwrap();
    p.write_zone("example.com.yaml", &zone_a(1));
    let r = p.run(Some(&gh), "pull_request", &labelled(&[]), &[], &on);
    assert_eq!(r.code(), 0, "{}", r.log());
    assert_eq!(
        gh.labels_of(80),
        vec![
            "dns:changes".to_string(),
            "dns:deletes".into(),
            "dns:refused".into()
        ]
    );
}

/// The validation table shows a message's `code` as code (no literal backticks) and every
/// output names the zone file without a `./` prefix.
#[test]
fn validation_messages_keep_their_code_and_paths_have_no_dot_slash() {
    let gh = Gh::start(None);
    let z = "---\nwww:\n  value: 192.0.2.1\n  type: A\n";
    let p = Step::new(&[("example.com.yaml", z)], &["example.com."]);
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(14, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 1, "{}", r.log());
    assert!(
        r.stdout()
            .contains("::error file=zones/example.com.yaml,line=4,col=3,title=key-order::"),
        "{}",
        r.stdout()
    );
    assert!(!r.log().contains("./zones"), "{}", r.log());
    assert!(!r.summary.contains("./zones"), "{}", r.summary);
    let arena = comrak::Arena::new();
    let root = comrak::parse_document(&arena, &r.summary, &md_options());
    let mut cells = 0;
    for node in root.descendants() {
        if !matches!(node.data.borrow().value, NodeValue::TableCell) {
            continue;
        }
        let mut codes = Vec::new();
        for n in node.descendants() {
            match &n.data.borrow().value {
                NodeValue::Text(t) => {
                    assert!(!t.contains('`'), "a literal backtick in a cell: {t:?}")
                }
                NodeValue::Code(c) => codes.push(c.literal.clone()),
                _ => {}
            }
        }
        if codes.contains(&"value".to_string()) {
            assert!(codes.contains(&"type".to_string()), "{codes:?}");
            cells += 1;
        }
    }
    assert_eq!(
        cells, 1,
        "the key-order message is one cell:\n{}",
        r.summary
    );
    assert_balanced(&r.summary);
}

/// Text and `«code»` of a node.
fn node_text<'a>(n: &'a comrak::nodes::AstNode<'a>) -> String {
    n.descendants()
        .filter_map(|d| match &d.data.borrow().value {
            NodeValue::Text(t) => Some(t.to_string()),
            NodeValue::Code(c) => Some(format!("«{}»", c.literal)),
            _ => None,
        })
        .collect()
}

/// A plan the rails refuse: the comment's banner is an alert whose last paragraph (not a list
/// item) says how to force it in the Action's words, and the summary table names the rail per
/// zone × target; the CLI's markdown says `--force`.
#[test]
fn refused_plans_say_which_rail_and_how_to_force_in_the_action_s_words() {
    let gh = Gh::start(None);
    let p = Step::new(&[("example.com.yaml", &zone_a(12))], &["example.com."]);
    assert_eq!(p.cli(&["apply", "--config", "config.yaml"]), 0);
    p.write_zone("example.com.yaml", &zone_a(2));
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(15, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    let c = gh.comments_on(15);
    assert_eq!(c.len(), 1);
    let body = &c[0].body;
    assert_balanced(body);
    assert!(!body.contains("--force"), "{body}");
    let arena = comrak::Arena::new();
    let root = comrak::parse_document(&arena, body, &md_options());
    let alert = root
        .children()
        .find(|n| matches!(n.data.borrow().value, NodeValue::Alert(_)))
        .expect("a warning banner");
    let kids: Vec<_> = alert.children().collect();
    assert!(matches!(kids[0].data.borrow().value, NodeValue::List(_)));
    let items: Vec<String> = kids[0].children().map(node_text).collect();
    assert!(
        items
            .iter()
            .any(|i| i.starts_with("refused (delete threshold): [example.com.] Too many deletes")),
        "{items:?}"
    );
    assert!(items.iter().all(|i| !i.contains("Apply is refused")));
    let last = kids.last().unwrap();
    assert!(matches!(last.data.borrow().value, NodeValue::Paragraph));
    assert!(
        node_text(last).starts_with("Apply is refused unless forced with «force: true»"),
        "{}",
        node_text(last)
    );
    let row = root
        .descendants()
        .filter(|n| matches!(n.data.borrow().value, NodeValue::TableRow(false)))
        .map(node_text)
        .next()
        .expect("a summary row");
    assert!(
        row.contains("refused: needs «force: true» (delete threshold)"),
        "{row}"
    );
    let cli = p.cli_stdout(&["plan", "--config", "config.yaml", "--format", "markdown"]);
    assert!(cli.contains("needs `--force` (delete threshold)"), "{cli}");
}

#[test]
fn plan_outputs_with_a_file_are_written_by_the_action_too() {
    let gh = Gh::start(None);
    let p = Step::new(&[("example.com.yaml", &zone_a(2))], &["example.com."]);
    let cfg = std::fs::read_to_string(p.path().join("config.yaml")).unwrap();
    std::fs::write(
        p.path().join("config.yaml"),
        format!(
            "manager:\n  plan_outputs:\n    md:\n      class: octodns.provider.plan.PlanMarkdown\n      \
             output_filename: octodns-plan.md\n{cfg}"
        ),
    )
    .unwrap();
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(9, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    let md = std::fs::read_to_string(p.path().join("octodns-plan.md")).expect("written");
    assert!(md.starts_with("## example.com.\n\n### out\n"), "{md}");
    assert!(
        md.contains("| Create | h001 | A | 3600 | 192.0.2.2 | config |"),
        "{md}"
    );
    assert_no_secrets("octodns-plan.md", &md);

    // an output that cannot be written fails the step
    let cfg = std::fs::read_to_string(p.path().join("config.yaml")).unwrap();
    std::fs::write(
        p.path().join("config.yaml"),
        cfg.replace("octodns-plan.md", "no/such/dir/plan.md"),
    )
    .unwrap();
    let r = p.run(
        Some(&gh),
        "pull_request",
        &pr_event(9, OWNER_REPO),
        &[],
        &[],
    );
    assert_eq!(r.code(), 1, "{}", r.log());
    assert!(
        r.log()
            .contains("plan_output md: cannot write no/such/dir/plan.md"),
        "{}",
        r.log()
    );
}
