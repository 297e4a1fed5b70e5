//! The GitHub Actions environment of one step: the variables the runner sets, the action's
//! inputs (`INPUT_<NAME>`), and the event payload.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value as J;

/// What the runner tells a step about itself.
#[derive(Clone, Debug, Default)]
pub struct ActionEnv {
    /// `GITHUB_EVENT_NAME`: `pull_request`, `push`, `schedule`, ….
    pub event_name: String,
    /// The parsed `GITHUB_EVENT_PATH` payload (`Null` when absent or unreadable).
    pub event: J,
    /// Why the payload could not be read, if it could not.
    pub event_error: Option<String>,
    /// `GITHUB_REPOSITORY` split into owner and name.
    pub repository: Option<(String, String)>,
    /// `GITHUB_API_URL` without a trailing slash (default `https://api.github.com`).
    pub api_url: String,
    /// `GITHUB_SERVER_URL` (default `https://github.com`).
    pub server_url: String,
    pub run_id: Option<String>,
    pub sha: String,
    /// `GITHUB_REF`, e.g. `refs/heads/main` or `refs/pull/7/merge`.
    pub git_ref: String,
    /// The token: input `github-token`, else `GITHUB_TOKEN`. Never printed.
    pub token: Option<String>,
    pub step_summary: Option<PathBuf>,
    pub output: Option<PathBuf>,
    /// Whether this runs under GitHub Actions at all (`GITHUB_ACTIONS=true`).
    pub in_actions: bool,
    /// `GITHUB_WORKSPACE`: the checkout.
    pub workspace: Option<PathBuf>,
    inputs: HashMap<String, String>,
}

/// The action's inputs (`action.yml`), read from `INPUT_<NAME>`.
pub const INPUTS: [&str; 16] = [
    "command",
    "config",
    "zones",
    "force",
    "checksum",
    "allow-unreviewed",
    "apply-branches",
    "comment",
    "labels",
    "drift-issue",
    "drift-label",
    "shard",
    "merge-plans",
    "plan-file",
    "bot-login",
    "github-token",
];

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// The variable name of an input as the runner spells it: upper case, spaces to `_`, hyphens
/// kept (`github-token` → `INPUT_GITHUB-TOKEN`).
pub fn input_var(name: &str) -> String {
    format!("INPUT_{}", name.trim().replace(' ', "_").to_uppercase())
}

impl ActionEnv {
    /// Read the process environment.
    pub fn from_env() -> Self {
        let vars: HashMap<String, String> = std::env::vars().collect();
        Self::from_lookup(|k| vars.get(k).cloned())
    }

    /// Build from any lookup (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let mut inputs = HashMap::new();
        for name in INPUTS {
            let hyphen = input_var(name);
            let underscore = hyphen.replace('-', "_");
            if let Some(v) = non_empty(get(&hyphen)).or_else(|| non_empty(get(&underscore))) {
                inputs.insert(name.to_string(), v);
            }
        }
        let (event, event_error) = match non_empty(get("GITHUB_EVENT_PATH")) {
            None => (J::Null, None),
            Some(p) => match std::fs::read_to_string(&p) {
                Ok(text) => match serde_json::from_str(&text) {
                    Ok(v) => (v, None),
                    Err(e) => (J::Null, Some(format!("event payload {p} is not JSON: {e}"))),
                },
                Err(e) => (J::Null, Some(format!("cannot read event payload {p}: {e}"))),
            },
        };
        let repository = non_empty(get("GITHUB_REPOSITORY")).and_then(|r| {
            r.split_once('/')
                .filter(|(o, n)| !o.is_empty() && !n.is_empty() && !n.contains('/'))
                .map(|(o, n)| (o.to_string(), n.to_string()))
        });
        let token = inputs
            .get("github-token")
            .cloned()
            .or_else(|| non_empty(get("GITHUB_TOKEN")));
        ActionEnv {
            event_name: non_empty(get("GITHUB_EVENT_NAME")).unwrap_or_default(),
            event,
            event_error,
            repository,
            api_url: non_empty(get("GITHUB_API_URL"))
                .unwrap_or_else(|| "https://api.github.com".into())
                .trim_end_matches('/')
                .to_string(),
            server_url: non_empty(get("GITHUB_SERVER_URL"))
                .unwrap_or_else(|| "https://github.com".into())
                .trim_end_matches('/')
                .to_string(),
            run_id: non_empty(get("GITHUB_RUN_ID")),
            sha: non_empty(get("GITHUB_SHA")).unwrap_or_default(),
            git_ref: non_empty(get("GITHUB_REF")).unwrap_or_default(),
            token,
            step_summary: non_empty(get("GITHUB_STEP_SUMMARY")).map(PathBuf::from),
            output: non_empty(get("GITHUB_OUTPUT")).map(PathBuf::from),
            in_actions: get("GITHUB_ACTIONS").as_deref() == Some("true"),
            workspace: non_empty(get("GITHUB_WORKSPACE")).map(PathBuf::from),
            inputs,
        }
    }

    /// An input (trimmed; None when unset or empty).
    pub fn input(&self, name: &str) -> Option<&str> {
        self.inputs.get(name).map(String::as_str)
    }

    /// A boolean input: `true/false`, `yes/no`, `on/off`, `1/0` (any case).
    pub fn input_bool(&self, name: &str, default: bool) -> Result<bool, String> {
        match self.input(name) {
            None => Ok(default),
            Some(v) => parse_bool(v).ok_or_else(|| {
                format!(
                    "input `{name}` must be true or false, got {:?}",
                    truncate(v, 40)
                )
            }),
        }
    }

    /// `owner/name`.
    pub fn repo_full_name(&self) -> Option<String> {
        self.repository.as_ref().map(|(o, n)| format!("{o}/{n}"))
    }

    /// The commit checked out in the workspace (`$GITHUB_WORKSPACE`, else the working
    /// directory): what a `workflow_dispatch` run of an earlier ref actually applies. Read from
    /// `.git` directly (the action's image has no git); None when it cannot be read.
    pub fn checked_out_sha(&self) -> Option<String> {
        let dir = self
            .workspace
            .clone()
            .or_else(|| std::env::current_dir().ok())?;
        head_sha(&dir)
    }

    /// Link to this workflow run.
    pub fn run_url(&self) -> Option<String> {
        let repo = self.repo_full_name()?;
        let id = self.run_id.as_ref()?;
        Some(format!("{}/{repo}/actions/runs/{id}", self.server_url))
    }
}

fn is_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The commit `HEAD` of the repository in `dir` points at: a detached `HEAD`, or a branch
/// resolved through its loose ref or `packed-refs`. `.git` may be a directory or a
/// `gitdir:` file (worktrees).
pub fn head_sha(dir: &Path) -> Option<String> {
    let dotgit = dir.join(".git");
    let gitdir = if dotgit.is_file() {
        let text = std::fs::read_to_string(&dotgit).ok()?;
        let p = PathBuf::from(text.trim().strip_prefix("gitdir:")?.trim());
        if p.is_absolute() { p } else { dir.join(p) }
    } else {
        dotgit
    };
    let head = std::fs::read_to_string(gitdir.join("HEAD")).ok()?;
    let head = head.trim();
    if is_sha(head) {
        return Some(head.to_ascii_lowercase());
    }
    let r = head.strip_prefix("ref:")?.trim();
    if r.contains("..") || !r.starts_with("refs/") {
        return None;
    }
    // a worktree keeps its refs in the common directory
    let common = std::fs::read_to_string(gitdir.join("commondir"))
        .ok()
        .map(|c| gitdir.join(c.trim()))
        .unwrap_or_else(|| gitdir.clone());
    for base in [&gitdir, &common] {
        if let Ok(v) = std::fs::read_to_string(base.join(r))
            && is_sha(v.trim())
        {
            return Some(v.trim().to_ascii_lowercase());
        }
    }
    let packed = std::fs::read_to_string(common.join("packed-refs")).ok()?;
    packed.lines().find_map(|l| {
        let (sha, name) = l.split_once(' ')?;
        (name.trim() == r && is_sha(sha)).then(|| sha.to_ascii_lowercase())
    })
}

pub fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> ActionEnv {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ActionEnv::from_lookup(|k| m.get(k).cloned())
    }

    #[test]
    fn inputs_keep_hyphens_and_accept_underscores() {
        let e = env(&[
            ("INPUT_GITHUB-TOKEN", "t0ken"),
            ("INPUT_DRIFT_ISSUE", "no"),
            ("INPUT_COMMENT", " "),
            ("GITHUB_REPOSITORY", "octo/dns"),
            ("GITHUB_RUN_ID", "42"),
        ]);
        assert_eq!(e.token.as_deref(), Some("t0ken"));
        assert_eq!(e.input_bool("drift-issue", true), Ok(false));
        assert_eq!(e.input_bool("comment", true), Ok(true));
        assert_eq!(
            e.run_url().as_deref(),
            Some("https://github.com/octo/dns/actions/runs/42")
        );
        assert_eq!(input_var("github-token"), "INPUT_GITHUB-TOKEN");
    }

    #[test]
    fn the_checked_out_commit_is_read_from_git() {
        let d = tempfile::tempdir().unwrap();
        let g = d.path().join(".git");
        std::fs::create_dir_all(g.join("refs/heads")).unwrap();
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        std::fs::write(g.join("HEAD"), format!("{a}\n")).unwrap();
        assert_eq!(head_sha(d.path()), Some(a.clone()));
        std::fs::write(g.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        assert_eq!(head_sha(d.path()), None, "unborn branch");
        std::fs::write(
            g.join("packed-refs"),
            format!("# pack-refs\n{b} refs/heads/main\n"),
        )
        .unwrap();
        assert_eq!(head_sha(d.path()), Some(b.clone()));
        std::fs::write(g.join("refs/heads/main"), format!("{a}\n")).unwrap();
        assert_eq!(
            head_sha(d.path()),
            Some(a),
            "a loose ref wins over packed-refs"
        );
        std::fs::write(g.join("HEAD"), "ref: refs/../../etc/passwd\n").unwrap();
        assert_eq!(head_sha(d.path()), None);
    }

    #[test]
    fn action_yml_declares_exactly_the_inputs_read() {
        let yml = include_str!("../../action.yml");
        let inputs = yml.split("\ninputs:\n").nth(1).unwrap();
        let inputs = inputs.split("\noutputs:\n").next().unwrap();
        let mut declared: Vec<&str> = inputs
            .lines()
            .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && l.ends_with(':'))
            .map(|l| l.trim().trim_end_matches(':'))
            .collect();
        declared.sort();
        let mut read = INPUTS.to_vec();
        read.sort();
        assert_eq!(declared, read);
    }

    #[test]
    fn bad_repository_is_ignored() {
        assert!(env(&[("GITHUB_REPOSITORY", "a/b/c")]).repository.is_none());
        assert!(env(&[("GITHUB_REPOSITORY", "/b")]).repository.is_none());
    }
}
