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
    /// The labels the pull request had when the event fired.
    pub labels: Vec<String>,
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
        match (&self.default_branch, self.branch()) {
            (Some(b), Some(pushed)) => pushed == b,
            _ => false,
        }
    }

    /// The pushed branch (`refs/heads/<branch>`); None for tags and other refs.
    pub fn branch(&self) -> Option<&str> {
        self.git_ref.strip_prefix("refs/heads/")
    }

    /// May this push apply? With `apply_branches` empty, only the default branch; otherwise
    /// exactly the listed branches (`*` matches any run of characters). Tags never apply.
    pub fn may_apply(&self, apply_branches: &[String]) -> bool {
        match self.branch() {
            None => false,
            Some(b) if apply_branches.is_empty() => self.is_default_branch() && !b.is_empty(),
            Some(b) => apply_branches.iter().any(|pat| glob_match(pat, b)),
        }
    }
}

/// `*` matches any run of characters (including `/`); everything else is literal.
fn glob_match(pat: &str, s: &str) -> bool {
    let parts: Vec<&str> = pat.split('*').collect();
    if parts.len() == 1 {
        return pat == s;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !s.starts_with(first) || s.len() < first.len() + last.len() || !s.ends_with(last) {
        return false;
    }
    let mut rest = &s[first.len()..s.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
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

    /// Whether an apply may run on this event: an allowlist. A push to the default branch (or,
    /// when `apply_branches` is given, to one of those branches), and `workflow_dispatch` with
    /// an explicit `command: apply` (`explicit`). Everything else is refused, the refusal naming
    /// the event and what would allow it.
    pub fn apply_allowed(
        &self,
        explicit: bool,
        apply_branches: &[String],
    ) -> Result<(), ApplyRefused> {
        match self {
            Trigger::Push(p) if p.may_apply(apply_branches) => Ok(()),
            Trigger::Dispatch if explicit => Ok(()),
            Trigger::Dispatch => Err(ApplyRefused::DispatchWithoutCommand),
            Trigger::PullRequest(pr) => Err(ApplyRefused::PullRequest { target: pr.target }),
            Trigger::Push(p) => Err(match p.branch() {
                None => match p.git_ref.strip_prefix("refs/tags/") {
                    Some(t) => ApplyRefused::Tag(t.to_string()),
                    None => ApplyRefused::NotABranch(p.git_ref.clone()),
                },
                Some(b) if apply_branches.is_empty() => ApplyRefused::NotTheDefaultBranch {
                    branch: b.to_string(),
                    default: p.default_branch.clone(),
                },
                Some(b) => ApplyRefused::NotListed {
                    branch: b.to_string(),
                    apply_branches: apply_branches.to_vec(),
                },
            }),
            Trigger::Schedule => Err(ApplyRefused::Schedule),
            Trigger::Other(name) if name.is_empty() => Err(ApplyRefused::NoEvent),
            Trigger::Other(name) => Err(ApplyRefused::Event(name.clone())),
        }
    }
}

/// Why an apply may not run on this event (`Trigger::apply_allowed`). The text names the
/// event and what would allow it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApplyRefused {
    /// `workflow_dispatch` without the input `command: apply`.
    DispatchWithoutCommand,
    /// `pull_request` (`target`: `pull_request_target`): never, whatever the inputs say.
    PullRequest {
        target: bool,
    },
    /// A push of a tag.
    Tag(String),
    /// A push of a ref that is neither a branch nor a tag.
    NotABranch(String),
    /// A push to a branch other than the default one (`default`: None when the payload does
    /// not name it), with no `apply-branches` input.
    NotTheDefaultBranch {
        branch: String,
        default: Option<String>,
    },
    /// A push to a branch the `apply-branches` input does not list.
    NotListed {
        branch: String,
        apply_branches: Vec<String>,
    },
    Schedule,
    /// No `GITHUB_EVENT_NAME`.
    NoEvent,
    /// Any other event.
    Event(String),
}

impl std::fmt::Display for ApplyRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const WHERE: &str = "dnsplan applies only on a `push` to the default branch (or to a branch listed in the `apply-branches` input) and on `workflow_dispatch` with `command: apply`";
        match self {
            ApplyRefused::DispatchWithoutCommand => write!(
                f,
                "apply refused on `workflow_dispatch`: give the input `command: apply` explicitly ({WHERE})"
            ),
            ApplyRefused::PullRequest { target } => write!(
                f,
                "apply refused on `{}`: dnsplan never applies on pull-request events, whatever `command` or `force` say; it applies after the merge, on the `push` to the default branch",
                if *target {
                    "pull_request_target"
                } else {
                    "pull_request"
                }
            ),
            ApplyRefused::Tag(t) => write!(
                f,
                "apply refused on `push` of the tag `{t}`: tags are never applied ({WHERE})"
            ),
            ApplyRefused::NotABranch(r) => write!(
                f,
                "apply refused on `push` of `{r}`: only branches can apply ({WHERE})"
            ),
            ApplyRefused::NotTheDefaultBranch {
                branch: b,
                default: Some(d),
            } => write!(
                f,
                "apply refused on `push` to the branch `{b}`: only the default branch `{d}` applies; to allow `{b}`, list it in the `apply-branches` input"
            ),
            ApplyRefused::NotTheDefaultBranch {
                branch: b,
                default: None,
            } => write!(
                f,
                "apply refused on `push` to the branch `{b}`: the event payload does not name the default branch; list the branches that may apply in the `apply-branches` input"
            ),
            ApplyRefused::NotListed {
                branch: b,
                apply_branches,
            } => write!(
                f,
                "apply refused on `push` to the branch `{b}`: it is not in `apply-branches` ({}); add it there to allow it",
                apply_branches.join(", ")
            ),
            ApplyRefused::Schedule => write!(
                f,
                "apply refused on `schedule`: scheduled runs check for drift and never apply ({WHERE})"
            ),
            ApplyRefused::NoEvent => write!(
                f,
                "apply refused: no GitHub event (GITHUB_EVENT_NAME is not set); outside GitHub Actions use `dnsplan apply`"
            ),
            ApplyRefused::Event(name) => write!(
                f,
                "apply refused on `{name}`: no input allows an apply on this event ({WHERE})"
            ),
        }
    }
}

impl std::error::Error for ApplyRefused {}

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
                labels: pr
                    .get("labels")
                    .and_then(J::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|l| l.get("name").and_then(J::as_str).map(str::to_string))
                    .collect(),
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

    fn push(r: &str, default: Option<&str>) -> Trigger {
        let mut ev = serde_json::json!({"ref": r, "after": "f00"});
        if let Some(d) = default {
            ev["repository"] = serde_json::json!({"default_branch": d});
        }
        classify(&env_with("push", ev))
    }

    #[test]
    fn apply_is_an_allowlist() {
        let none: &[String] = &[];
        assert!(
            push("refs/heads/main", Some("main"))
                .apply_allowed(false, none)
                .is_ok()
        );
        let e = push("refs/heads/feature", Some("main"))
            .apply_allowed(true, none)
            .unwrap_err();
        assert_eq!(
            e,
            ApplyRefused::NotTheDefaultBranch {
                branch: "feature".into(),
                default: Some("main".into())
            }
        );
        let e = e.to_string();
        assert!(
            e.contains("`feature`") && e.contains("apply-branches"),
            "{e}"
        );
        let e = push("refs/tags/v1", Some("main"))
            .apply_allowed(true, none)
            .unwrap_err();
        assert_eq!(e, ApplyRefused::Tag("v1".into()));
        assert!(e.to_string().contains("tag `v1`"), "{e}");
        let e = push("refs/heads/main", None)
            .apply_allowed(true, none)
            .unwrap_err();
        assert!(
            e.to_string().contains("does not name the default branch"),
            "{e}"
        );
        let pr = PullRequest {
            number: 7,
            head_repo: None,
            base_repo: None,
            head_sha: None,
            target: true,
            labels: vec![],
        };
        let e = Trigger::PullRequest(pr)
            .apply_allowed(true, none)
            .unwrap_err();
        assert_eq!(e, ApplyRefused::PullRequest { target: true });
        assert!(e.to_string().contains("`pull_request_target`"), "{e}");
        // a configured list replaces the default branch
        let list = vec!["production".to_string(), "release/*".to_string()];
        assert!(
            push("refs/heads/production", Some("main"))
                .apply_allowed(false, &list)
                .is_ok()
        );
        assert!(
            push("refs/heads/release/2026-12", Some("main"))
                .apply_allowed(false, &list)
                .is_ok()
        );
        assert!(
            push("refs/heads/main", Some("main"))
                .apply_allowed(false, &list)
                .is_err()
        );
        assert!(
            push("refs/tags/release/x", Some("main"))
                .apply_allowed(false, &list)
                .is_err()
        );
        assert!(Trigger::Dispatch.apply_allowed(true, none).is_ok());
        assert!(Trigger::Dispatch.apply_allowed(false, none).is_err());
        for t in [
            Trigger::Schedule,
            Trigger::Other("issue_comment".into()),
            Trigger::Other(String::new()),
        ] {
            assert!(t.apply_allowed(true, none).is_err(), "{t:?}");
        }
    }

    #[test]
    fn globs_match_whole_names() {
        assert!(glob_match("release/*", "release/1"));
        assert!(!glob_match("release/*", "xrelease/1"));
        assert!(glob_match("*-prod", "eu-prod"));
        assert!(!glob_match("*-prod", "eu-prod2"));
        assert!(glob_match("a*b*c", "aXbYc"));
        assert!(!glob_match("a*b*c", "aXc"));
        assert!(glob_match("main", "main") && !glob_match("main", "main2"));
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
