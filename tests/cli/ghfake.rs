//! A stateful fake of GitHub's REST API (wiremock), shared by the `dnsplan github` tests
//! (`tests/cli/github.rs`) and the container test (`tests/container`). It answers in GitHub's
//! published shapes: comments with id, body, user.login and html_url; issues with number,
//! state and body; list pages linked by `Link: <…>; rel="next"`. Requests must carry the
//! test token.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde_json::{Value as J, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub const TOKEN: &str = "ghs_TESTTOKEN0123456789abcdefXYZ";
pub const OWNER_REPO: &str = "octo/dns";

#[derive(Clone, Debug, PartialEq)]
pub struct CommentRec {
    pub id: u64,
    pub issue: u64,
    pub body: String,
    pub login: String,
}

#[derive(Clone, Debug)]
pub struct IssueRec {
    pub number: u64,
    pub title: String,
    pub body: String,
    pub state: String,
    pub labels: Vec<String>,
    pub login: String,
}

#[derive(Default)]
pub struct State {
    /// `GET /user`: Some(login) for a personal token, None for the Actions token (403).
    pub user: Option<String>,
    pub comments: Vec<CommentRec>,
    pub commit_comments: Vec<(String, String)>,
    pub issues: Vec<IssueRec>,
    /// commit sha → pull requests (`GET /repos/o/r/commits/{sha}/pulls`).
    pub commit_pulls: Vec<(String, J)>,
    pub next_id: u64,
    pub page_size: usize,
    /// The server's address, for `Link` headers and `url` fields.
    pub base: String,
    /// (issue number, label) pairs.
    pub labels: Vec<(u64, String)>,
    /// (method, path substring, response): answered once, before the normal routes.
    pub failures: VecDeque<(String, String, ResponseTemplate)>,
}

#[derive(Clone)]
pub struct Fake {
    pub state: Arc<Mutex<State>>,
}

pub fn comment_json(base: &str, c: &CommentRec) -> J {
    json!({
        "id": c.id,
        "node_id": format!("IC_{}", c.id),
        "url": format!("{base}/repos/{OWNER_REPO}/issues/comments/{}", c.id),
        "html_url": format!("https://github.com/{OWNER_REPO}/pull/{}#issuecomment-{}", c.issue, c.id),
        "issue_url": format!("{base}/repos/{OWNER_REPO}/issues/{}", c.issue),
        "body": c.body,
        "user": {"login": c.login, "id": 41898282, "type": if c.login.ends_with("[bot]") { "Bot" } else { "User" }},
        "created_at": "2026-11-24T10:00:00Z",
        "updated_at": "2026-11-24T10:00:00Z",
        "author_association": "NONE",
    })
}

pub fn issue_json(base: &str, i: &IssueRec) -> J {
    json!({
        "id": 1000 + i.number,
        "number": i.number,
        "title": i.title,
        "body": i.body,
        "state": i.state,
        "state_reason": if i.state == "closed" { json!("completed") } else { J::Null },
        "labels": i.labels.iter().map(|l| json!({"name": l})).collect::<Vec<_>>(),
        "user": {"login": i.login, "type": "Bot"},
        "url": format!("{base}/repos/{OWNER_REPO}/issues/{}", i.number),
        "html_url": format!("https://github.com/{OWNER_REPO}/issues/{}", i.number),
        "comments": 0,
    })
}

pub fn query(req: &Request, key: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

impl Fake {
    pub fn page(&self, req: &Request, base: &str, items: Vec<J>) -> ResponseTemplate {
        let size = self.state.lock().unwrap().page_size.max(1);
        let page: usize = query(req, "page").and_then(|p| p.parse().ok()).unwrap_or(1);
        let last = items.len().div_ceil(size).max(1);
        let chunk: Vec<J> = items
            .into_iter()
            .skip((page - 1) * size)
            .take(size)
            .collect();
        let mut t = ResponseTemplate::new(200).set_body_json(chunk);
        let mut links = Vec::new();
        let mut url = req.url.clone();
        let keep: Vec<(String, String)> = req
            .url
            .query_pairs()
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let mut link_to = |p: usize, rel: &str| {
            url.query_pairs_mut().clear().extend_pairs(&keep);
            url.query_pairs_mut().append_pair("page", &p.to_string());
            let u = format!("{base}{}?{}", url.path(), url.query().unwrap_or(""));
            links.push(format!("<{u}>; rel=\"{rel}\""));
        };
        if page < last {
            link_to(page + 1, "next");
            link_to(last, "last");
        }
        if page > 1 {
            link_to(1, "first");
            link_to(page - 1, "prev");
        }
        if !links.is_empty() {
            t = t.insert_header("link", links.join(", ").as_str());
        }
        t
    }

    pub fn me(&self) -> String {
        self.state
            .lock()
            .unwrap()
            .user
            .clone()
            .unwrap_or_else(|| "github-actions[bot]".into())
    }

    pub fn handle(&self, req: &Request) -> ResponseTemplate {
        // wiremock's request URL has no port: links are built from the server's address
        let base = self.state.lock().unwrap().base.clone();
        let auth = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if auth != format!("Bearer {TOKEN}") {
            return ResponseTemplate::new(401).set_body_json(json!({"message": "Bad credentials"}));
        }
        let method = req.method.as_str().to_string();
        let path = req.url.path().to_string();
        {
            let mut st = self.state.lock().unwrap();
            if let Some(i) = st
                .failures
                .iter()
                .position(|(m, p, _)| *m == method && path.contains(p.as_str()))
            {
                let (_, _, t) = st.failures.remove(i).unwrap();
                return t;
            }
        }
        let body: J = req.body_json().unwrap_or(J::Null);
        let repo = format!("/repos/{OWNER_REPO}");
        let Some(rest) = path.strip_prefix(&repo) else {
            if path == "/user" {
                return match self.state.lock().unwrap().user.clone() {
                    Some(l) => ResponseTemplate::new(200).set_body_json(json!({"login": l, "id": 7, "type": "User"})),
                    None => ResponseTemplate::new(403).set_body_json(json!({
                        "message": "Resource not accessible by integration",
                        "documentation_url": "https://docs.github.com/rest/users/users#get-the-authenticated-user"})),
                };
            }
            return ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"}));
        };
        let seg: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
        match (method.as_str(), seg.as_slice()) {
            ("GET", ["issues", n, "comments"]) => {
                let n: u64 = n.parse().unwrap_or(0);
                let items: Vec<J> = {
                    let st = self.state.lock().unwrap();
                    st.comments
                        .iter()
                        .filter(|c| c.issue == n)
                        .map(|c| comment_json(&base, c))
                        .collect()
                };
                self.page(req, &base, items)
            }
            ("POST", ["issues", n, "comments"]) => {
                let Some(text) = body["body"].as_str() else {
                    return ResponseTemplate::new(422).set_body_json(
                        json!({"message": "Invalid request.\n\n\"body\" wasn't supplied."}),
                    );
                };
                if text.chars().count() > 65536 {
                    return ResponseTemplate::new(422).set_body_json(json!({
                        "message": "Validation Failed",
                        "errors": [{"resource": "IssueComment", "code": "custom", "field": "body",
                                    "message": "Body is too long (maximum is 65536 characters)"}]}));
                }
                let me = self.me();
                let mut st = self.state.lock().unwrap();
                st.next_id += 1;
                let c = CommentRec {
                    id: st.next_id,
                    issue: n.parse().unwrap_or(0),
                    body: text.to_string(),
                    login: me,
                };
                st.comments.push(c.clone());
                ResponseTemplate::new(201).set_body_json(comment_json(&base, &c))
            }
            ("PATCH", ["issues", "comments", id]) => {
                let id: u64 = id.parse().unwrap_or(0);
                let text = body["body"].as_str().unwrap_or("").to_string();
                if text.chars().count() > 65536 {
                    return ResponseTemplate::new(422)
                        .set_body_json(json!({"message": "Validation Failed"}));
                }
                let mut st = self.state.lock().unwrap();
                match st.comments.iter_mut().find(|c| c.id == id) {
                    Some(c) => {
                        c.body = text;
                        let c = c.clone();
                        ResponseTemplate::new(200).set_body_json(comment_json(&base, &c))
                    }
                    None => {
                        ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"}))
                    }
                }
            }
            ("POST", ["issues", n, "labels"]) => {
                let n: u64 = n.parse().unwrap_or(0);
                let mut st = self.state.lock().unwrap();
                for l in body["labels"].as_array().into_iter().flatten() {
                    let l = l.as_str().unwrap_or_default().to_string();
                    if !st.labels.contains(&(n, l.clone())) {
                        st.labels.push((n, l));
                    }
                }
                let now: Vec<J> = st
                    .labels
                    .iter()
                    .filter(|(i, _)| *i == n)
                    .map(|(_, l)| json!({"name": l}))
                    .collect();
                ResponseTemplate::new(200).set_body_json(now)
            }
            ("DELETE", ["issues", n, "labels", name]) => {
                let n: u64 = n.parse().unwrap_or(0);
                let name = name.replace("%3A", ":");
                let mut st = self.state.lock().unwrap();
                let before = st.labels.len();
                st.labels.retain(|(i, l)| !(*i == n && *l == name));
                if st.labels.len() == before {
                    return ResponseTemplate::new(404)
                        .set_body_json(json!({"message": "Label does not exist"}));
                }
                ResponseTemplate::new(200).set_body_json(json!([]))
            }
            ("GET", ["commits", sha, "pulls"]) => {
                let items: Vec<J> = {
                    let st = self.state.lock().unwrap();
                    st.commit_pulls
                        .iter()
                        .filter(|(s, _)| s == sha)
                        .map(|(_, p)| p.clone())
                        .collect()
                };
                self.page(req, &base, items)
            }
            ("POST", ["commits", sha, "comments"]) => {
                let text = body["body"].as_str().unwrap_or("").to_string();
                let me = self.me();
                let mut st = self.state.lock().unwrap();
                st.next_id += 1;
                let id = st.next_id;
                st.commit_comments.push((sha.to_string(), text.clone()));
                ResponseTemplate::new(201).set_body_json(json!({
                    "id": id, "body": text, "commit_id": sha,
                    "user": {"login": me},
                    "html_url": format!("https://github.com/{OWNER_REPO}/commit/{sha}#commitcomment-{id}"),
                }))
            }
            ("GET", ["issues"]) => {
                let state = query(req, "state").unwrap_or_else(|| "open".into());
                let labels: Vec<String> = query(req, "labels")
                    .map(|l| l.split(',').map(str::to_string).collect())
                    .unwrap_or_default();
                let items: Vec<J> = {
                    let st = self.state.lock().unwrap();
                    let mut v: Vec<&IssueRec> = st
                        .issues
                        .iter()
                        .filter(|i| state == "all" || i.state == state)
                        .filter(|i| labels.iter().all(|l| i.labels.contains(l)))
                        .collect();
                    v.sort_by_key(|i| std::cmp::Reverse(i.number));
                    v.into_iter().map(|i| issue_json(&base, i)).collect()
                };
                self.page(req, &base, items)
            }
            ("POST", ["issues"]) => {
                let me = self.me();
                let mut st = self.state.lock().unwrap();
                let number = st.issues.len() as u64 + 100;
                let i = IssueRec {
                    number,
                    title: body["title"].as_str().unwrap_or("").into(),
                    body: body["body"].as_str().unwrap_or("").into(),
                    state: "open".into(),
                    labels: body["labels"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|l| l.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default(),
                    login: me,
                };
                st.issues.push(i.clone());
                ResponseTemplate::new(201).set_body_json(issue_json(&base, &i))
            }
            ("PATCH", ["issues", n]) => {
                let n: u64 = n.parse().unwrap_or(0);
                let mut st = self.state.lock().unwrap();
                match st.issues.iter_mut().find(|i| i.number == n) {
                    Some(i) => {
                        if let Some(s) = body["state"].as_str() {
                            i.state = s.into();
                        }
                        if let Some(b) = body["body"].as_str() {
                            i.body = b.into();
                        }
                        let i = i.clone();
                        ResponseTemplate::new(200).set_body_json(issue_json(&base, &i))
                    }
                    None => {
                        ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"}))
                    }
                }
            }
            _ => ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found",
                "documentation_url": "https://docs.github.com/rest"})),
        }
    }
}

/// A running fake: a runtime, the server, and its state.
pub struct Gh {
    pub rt: tokio::runtime::Runtime,
    pub server: MockServer,
    pub state: Arc<Mutex<State>>,
}

impl Gh {
    pub fn start(user: Option<&str>) -> Gh {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let state = Arc::new(Mutex::new(State {
            user: user.map(str::to_string),
            page_size: 2,
            next_id: 5000,
            ..State::default()
        }));
        let fake = Fake {
            state: state.clone(),
        };
        let server = rt.block_on(async {
            let s = MockServer::start().await;
            fake.state.lock().unwrap().base = s.uri();
            Mock::given(any())
                .respond_with(move |r: &Request| fake.handle(r))
                .mount(&s)
                .await;
            s
        });
        Gh { rt, server, state }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    pub fn requests(&self) -> Vec<Request> {
        self.rt
            .block_on(self.server.received_requests())
            .unwrap_or_default()
    }

    /// (method, path) of every request received.
    pub fn calls(&self) -> Vec<(String, String)> {
        self.requests()
            .iter()
            .map(|r| (r.method.as_str().to_string(), r.url.path().to_string()))
            .collect()
    }

    pub fn count(&self, method: &str, path_part: &str) -> usize {
        self.calls()
            .iter()
            .filter(|(m, p)| m == method && p.contains(path_part))
            .count()
    }

    pub fn reset_log(&self) {
        self.rt.block_on(self.server.reset());
        let fake = Fake {
            state: self.state.clone(),
        };
        self.rt.block_on(
            Mock::given(any())
                .respond_with(move |r: &Request| fake.handle(r))
                .mount(&self.server),
        );
    }

    pub fn comments_on(&self, issue: u64) -> Vec<CommentRec> {
        self.state
            .lock()
            .unwrap()
            .comments
            .iter()
            .filter(|c| c.issue == issue)
            .cloned()
            .collect()
    }

    pub fn seed_comment(&self, issue: u64, login: &str, body: &str) {
        let mut st = self.state.lock().unwrap();
        st.next_id += 1;
        let id = st.next_id;
        st.comments.push(CommentRec {
            id,
            issue,
            body: body.into(),
            login: login.into(),
        });
    }

    pub fn labels_of(&self, issue: u64) -> Vec<String> {
        let mut v: Vec<String> = self
            .state
            .lock()
            .unwrap()
            .labels
            .iter()
            .filter(|(i, _)| *i == issue)
            .map(|(_, l)| l.clone())
            .collect();
        v.sort();
        v
    }

    pub fn seed_issue(&self, login: &str, state: &str, body: &str) {
        let mut st = self.state.lock().unwrap();
        let number = st.issues.len() as u64 + 100;
        st.issues.push(IssueRec {
            number,
            title: "DNS drift: config.yaml".into(),
            body: body.into(),
            state: state.into(),
            labels: vec!["dnsplan-drift".into()],
            login: login.into(),
        });
    }

    pub fn fail_once(&self, method: &str, path_part: &str, t: ResponseTemplate) {
        self.state
            .lock()
            .unwrap()
            .failures
            .push_back((method.into(), path_part.into(), t));
    }

    /// Every body the binary sent.
    pub fn sent_bodies(&self) -> String {
        self.requests()
            .iter()
            .map(|r| String::from_utf8_lossy(&r.body).into_owned())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A `pull_request` payload (what dnsplan reads of it, as GitHub sends it).
pub fn pr_event(number: u64, head: &str) -> J {
    json!({
        "action": "synchronize",
        "number": number,
        "pull_request": {
            "number": number,
            "head": {"sha": "feedfacefeedfacefeedfacefeedfacefeedface", "repo": {"full_name": head}},
            "base": {"ref": "main", "repo": {"full_name": OWNER_REPO}},
        },
        "repository": {"full_name": OWNER_REPO, "default_branch": "main"},
    })
}

/// A `push` payload to `main`.
pub fn push_event(sha: &str) -> J {
    json!({
        "ref": "refs/heads/main",
        "before": "1111111111111111111111111111111111111111",
        "after": sha,
        "repository": {"full_name": OWNER_REPO, "default_branch": "main"},
    })
}
