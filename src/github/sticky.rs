//! One comment per pull request and one issue per key, found again by a hidden marker and by
//! their author, edited in place.
//!
//! A marker is an HTML comment on a line of its own (`<!-- dnsplan:plan:config.yaml -->`).
//! The author check matters: anyone can paste a marker into their own comment, but only
//! comments written by the bot's own login are edited.

use serde_json::json;

use super::api::{ApiError, Client, Comment, Issue};
use super::markdown::comment_safe;

/// The login under which the Actions `GITHUB_TOKEN` writes.
pub const ACTIONS_BOT: &str = "github-actions[bot]";

/// `<!-- dnsplan:{kind}:{key} -->`, safe for any key.
pub fn marker(kind: &str, key: &str) -> String {
    format!(
        "<!-- dnsplan:{}:{} -->",
        comment_safe(kind),
        comment_safe(key)
    )
}

/// Does `body` carry `marker` on a line of its own?
pub fn has_marker(body: &str, marker: &str) -> bool {
    body.lines().any(|l| l.trim() == marker)
}

fn same_body(a: &str, b: &str) -> bool {
    a.replace("\r\n", "\n").trim_end() == b.replace("\r\n", "\n").trim_end()
}

/// Who "we" are: the token's user when it has one (a PAT), else the Actions bot; an explicit
/// login (a GitHub App's `<slug>[bot]`) wins.
pub async fn identity(client: &Client, explicit: Option<&str>) -> Result<Vec<String>, ApiError> {
    if let Some(l) = explicit {
        return Ok(vec![l.to_string()]);
    }
    Ok(match client.user_login().await? {
        Some(l) => vec![l],
        None => vec![ACTIONS_BOT.to_string()],
    })
}

fn ours(login: &str, bots: &[String]) -> bool {
    bots.iter().any(|b| b.eq_ignore_ascii_case(login))
}

/// What happened to the sticky comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Upsert {
    Created(Comment),
    Updated(Comment),
    Unchanged(Comment),
}

impl Upsert {
    pub fn comment(&self) -> &Comment {
        match self {
            Upsert::Created(c) | Upsert::Updated(c) | Upsert::Unchanged(c) => c,
        }
    }

    pub fn verb(&self) -> &'static str {
        match self {
            Upsert::Created(_) => "created",
            Upsert::Updated(_) => "updated",
            Upsert::Unchanged(_) => "unchanged",
        }
    }
}

/// Create or edit the comment on issue/PR `number` that carries `marker` and was written by
/// one of `bots`. `body` must contain the marker. The newest match is edited; an identical
/// body is not sent again.
pub async fn upsert_comment(
    client: &Client,
    number: u64,
    marker: &str,
    body: &str,
    bots: &[String],
) -> Result<Upsert, ApiError> {
    debug_assert!(has_marker(body, marker));
    let existing = client
        .issue_comments(number)
        .await?
        .into_iter()
        .filter(|c| has_marker(&c.body, marker) && ours(&c.user_login, bots))
        .max_by_key(|c| c.id);
    match existing {
        Some(c) if same_body(&c.body, body) => Ok(Upsert::Unchanged(c)),
        Some(c) => Ok(Upsert::Updated(
            client.update_issue_comment(c.id, body).await?,
        )),
        None => Ok(Upsert::Created(
            client.create_issue_comment(number, body).await?,
        )),
    }
}

/// The text that identifies one drift report (so an unchanged drift is not reported again).
pub fn fingerprint_line(fp: &str) -> String {
    marker("fingerprint", fp)
}

/// What happened to the drift issue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IssueOutcome {
    Opened(Issue),
    Reopened(Issue),
    /// Still open, and the drift changed: body updated and a comment added.
    Commented(Issue),
    /// Still open with the same drift: nothing sent.
    Unchanged(Issue),
    Closed(Issue),
    /// No drift and no open issue: nothing to do.
    None,
}

impl IssueOutcome {
    pub fn issue(&self) -> Option<&Issue> {
        match self {
            IssueOutcome::Opened(i)
            | IssueOutcome::Reopened(i)
            | IssueOutcome::Commented(i)
            | IssueOutcome::Unchanged(i)
            | IssueOutcome::Closed(i) => Some(i),
            IssueOutcome::None => None,
        }
    }

    pub fn verb(&self) -> &'static str {
        match self {
            IssueOutcome::Opened(_) => "opened",
            IssueOutcome::Reopened(_) => "reopened",
            IssueOutcome::Commented(_) => "updated",
            IssueOutcome::Unchanged(_) => "unchanged",
            IssueOutcome::Closed(_) => "closed",
            IssueOutcome::None => "none",
        }
    }
}

/// The one issue for `marker`: an open one first, else the newest closed one.
pub async fn find_issue(
    client: &Client,
    label: &str,
    marker: &str,
    bots: &[String],
) -> Result<Option<Issue>, ApiError> {
    let mut found: Vec<Issue> = client
        .issues_with_label(label)
        .await?
        .into_iter()
        .filter(|i| has_marker(&i.body, marker) && ours(&i.user_login, bots))
        .collect();
    found.sort_by_key(|i| (i.is_open(), i.number));
    Ok(found.pop())
}

/// The issue that tracks one key: `marker` + title + label.
pub struct Tracker<'a> {
    pub marker: &'a str,
    pub title: &'a str,
    pub label: &'a str,
    pub bots: &'a [String],
}

/// Report a problem that is present: open the issue, reopen it with a comment, or update the
/// open one (body + comment) when the report's fingerprint changed.
pub async fn report(
    client: &Client,
    t: &Tracker<'_>,
    report: &str,
    fingerprint: &str,
    comment: &str,
) -> Result<IssueOutcome, ApiError> {
    let fp = fingerprint_line(fingerprint);
    let body = format!("{}\n{fp}\n{report}", t.marker);
    match find_issue(client, t.label, t.marker, t.bots).await? {
        None => Ok(IssueOutcome::Opened(
            client.create_issue(t.title, &body, &[t.label]).await?,
        )),
        Some(i) if !i.is_open() => {
            let i = client
                .update_issue(i.number, &json!({"state": "open", "body": body}))
                .await?;
            client.create_issue_comment(i.number, comment).await?;
            Ok(IssueOutcome::Reopened(i))
        }
        Some(i) if has_marker(&i.body, &fp) => Ok(IssueOutcome::Unchanged(i)),
        Some(i) => {
            let i = client
                .update_issue(i.number, &json!({"body": body}))
                .await?;
            client.create_issue_comment(i.number, comment).await?;
            Ok(IssueOutcome::Commented(i))
        }
    }
}

/// The problem is gone: comment on the open issue and close it.
pub async fn resolve(
    client: &Client,
    t: &Tracker<'_>,
    comment: &str,
) -> Result<IssueOutcome, ApiError> {
    match find_issue(client, t.label, t.marker, t.bots).await? {
        Some(i) if i.is_open() => {
            client.create_issue_comment(i.number, comment).await?;
            let i = client
                .update_issue(
                    i.number,
                    &json!({"state": "closed", "state_reason": "completed"}),
                )
                .await?;
            Ok(IssueOutcome::Closed(i))
        }
        _ => Ok(IssueOutcome::None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_cannot_escape_the_comment() {
        assert_eq!(
            marker("plan", "config/production.yaml"),
            "<!-- dnsplan:plan:config/production.yaml -->"
        );
        assert_eq!(
            marker("plan", "x --> <b>hi</b>"),
            "<!-- dnsplan:plan:x -_ _b_hi_/b_ -->"
        );
        let m = marker("plan", "c.yaml");
        assert!(has_marker(&format!("{m}\nbody"), &m));
        assert!(!has_marker(&format!("quoting {m} inline"), &m));
        assert!(same_body("a\r\nb\n", "a\nb"));
    }
}
