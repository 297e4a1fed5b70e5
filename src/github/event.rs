//! What triggered the run, read from the event name and payload.

use serde_json::Value as J;

use super::env::ActionEnv;

/// A pull request event (`pull_request` or `pull_request_target`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullRequest {
    pub number: u64,
    /// `head.repo.full_name` (None when the fork was deleted).
    pub head_repo: Option<String>,
    /// `base.repo.full_name`.
    pub base_repo: Option<String>,
    pub head_sha: Option<String>,
    /// `pull_request_target` (runs with the base repository's token and secrets).
    pub target: bool,
}

impl PullRequest {
    /// A pull request from another repository (or from a deleted one).
    pub fn is_fork(&self) -> bool {
        match (&self.head_repo, &self.base_repo) {
            (Some(h), Some(b)) => !h.eq_ignore_ascii_case(b),
            _ => true,
        }
    }
}

/// A push event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Push {
    /// `refs/heads/main`.
    pub git_ref: String,
    /// `repository.default_branch` from the payload, when present.
    pub default_branch: Option<String>,
    /// The pushed commit (`after`, else `GITHUB_SHA`).
    pub sha: String,
}

impl Push {
    /// True only when the payload names the default branch and the push is to it.
    pub fn is_default_branch(&self) -> bool {
        match &self.default_branch {
            Some(b) => self.git_ref == format!("refs/heads/{b}"),
            None => false,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trigger {
    PullRequest(PullRequest),
    Push(Push),
    Schedule,
    Dispatch,
    Other(String),
}

impl Trigger {
    /// Is this a pull-request event (where nothing may ever be applied)?
    pub fn is_pull_request(&self) -> bool {
        matches!(self, Trigger::PullRequest(_))
    }
}

fn s(v: &J, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str().map(str::to_string)
}

/// Classify the run. The event name decides; the payload fills in details.
pub fn classify(env: &ActionEnv) -> Trigger {
    let ev = &env.event;
    match env.event_name.as_str() {
        name @ ("pull_request" | "pull_request_target") => {
            let pr = ev.get("pull_request").unwrap_or(&J::Null);
            let number = pr
                .get("number")
                .and_then(J::as_u64)
                .or_else(|| ev.get("number").and_then(J::as_u64))
                .or_else(|| {
                    // refs/pull/<n>/merge
                    env.git_ref
                        .strip_prefix("refs/pull/")
                        .and_then(|r| r.split('/').next())
                        .and_then(|n| n.parse().ok())
                })
                .unwrap_or(0);
            Trigger::PullRequest(PullRequest {
                number,
                head_repo: s(pr, &["head", "repo", "full_name"]),
                base_repo: s(pr, &["base", "repo", "full_name"])
                    .or_else(|| s(ev, &["repository", "full_name"]))
                    .or_else(|| env.repo_full_name()),
                head_sha: s(pr, &["head", "sha"]),
                target: name == "pull_request_target",
            })
        }
        "push" => Trigger::Push(Push {
            git_ref: s(ev, &["ref"]).unwrap_or_else(|| env.git_ref.clone()),
            default_branch: s(ev, &["repository", "default_branch"]),
            sha: s(ev, &["after"])
                .filter(|a| !a.chars().all(|c| c == '0'))
                .unwrap_or_else(|| env.sha.clone()),
        }),
        "schedule" => Trigger::Schedule,
        "workflow_dispatch" => Trigger::Dispatch,
        other => Trigger::Other(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_with(name: &str, event: J) -> ActionEnv {
        let mut e = ActionEnv::from_lookup(|_| None);
        e.event_name = name.into();
        e.event = event;
        e
    }

    #[test]
    fn forks_are_detected() {
        let ev = serde_json::json!({"number": 7, "pull_request": {"number": 7,
            "head": {"repo": {"full_name": "mallory/dns"}, "sha": "abc"},
            "base": {"repo": {"full_name": "octo/dns"}}}});
        let Trigger::PullRequest(pr) = classify(&env_with("pull_request", ev)) else {
            panic!()
        };
        assert_eq!(pr.number, 7);
        assert!(pr.is_fork());
        let ev = serde_json::json!({"pull_request": {"number": 8,
            "head": {"repo": null}, "base": {"repo": {"full_name": "octo/dns"}}}});
        let Trigger::PullRequest(pr) = classify(&env_with("pull_request_target", ev)) else {
            panic!()
        };
        assert!(pr.is_fork() && pr.target);
    }

    #[test]
    fn push_to_default_branch_needs_the_payload() {
        let ev = serde_json::json!({"ref": "refs/heads/main", "after": "f00",
            "repository": {"default_branch": "main"}});
        let Trigger::Push(p) = classify(&env_with("push", ev)) else {
            panic!()
        };
        assert!(p.is_default_branch());
        assert_eq!(p.sha, "f00");
        let ev = serde_json::json!({"ref": "refs/heads/main"});
        let Trigger::Push(p) = classify(&env_with("push", ev)) else {
            panic!()
        };
        assert!(!p.is_default_branch(), "unknown default branch: no apply");
    }
}
