//! The client against a local HTTP server (wiremock) and a raw TCP listener that breaks the
//! connection after reading a request; back-off waits on a paused clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;
use tokio::io::AsyncReadExt;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request as Seen, ResponseTemplate};

use super::testing::Answers;
use super::*;

const SECRET: &str = "sekrit-token-0123456789";

fn policy(retries: u32) -> Policy {
    Policy {
        max_retries: retries,
        max_status_retries: retries,
        backoff: Backoff {
            first: Duration::from_millis(100),
            cap: Duration::from_secs(2),
        },
        max_retry_after: Duration::from_secs(30),
    }
}

/// No timers of its own (no timeout, no idle-connection reaper): with a paused clock tokio
/// jumps to the next timer whenever it waits, and must not while a request is on the wire.
fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder().pool_idle_timeout(None)
}

fn client(retries: u32) -> Client {
    Client::new("test", builder(), None, policy(retries))
        .unwrap()
        .scrubbing(Scrubber::new([SECRET]))
}

async fn serve(m: &str, p: &str, answers: Vec<ResponseTemplate>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method(m))
        .and(path(p))
        .respond_with(Answers::new(answers))
        .mount(&server)
        .await;
    server
}

async fn hits(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test(start_paused = true)]
async fn retries_are_counted_and_end_in_the_last_answer() {
    let server = serve(
        "GET",
        "/x",
        vec![
            ResponseTemplate::new(503),
            ResponseTemplate::new(502),
            ResponseTemplate::new(200).set_body_string("done"),
        ],
    )
    .await;
    let c = client(3);
    let r = c
        .send(&Request::get(format!("{}/x", server.uri())))
        .await
        .unwrap();
    assert_eq!((r.status, r.body.as_str(), r.attempts), (200, "done", 3));
    assert!(r.retried());
    assert_eq!(hits(&server).await, 3);

    // a failure that lasts: the first try and 3 retries, then the last answer
    let server = serve(
        "GET",
        "/x",
        vec![ResponseTemplate::new(500).set_body_string("boom")],
    )
    .await;
    let req = Request::get(format!("{}/x", server.uri()));
    let r = c.send(&req).await.unwrap();
    assert_eq!((r.status, r.attempts), (500, 4));
    assert_eq!(hits(&server).await, 4);
    let e = c.send_ok(&req).await.unwrap_err();
    assert_eq!((e.status(), e.body()), (Some(500), Some("boom")));
    assert!(e.is_retryable());
    assert!(e.to_string().starts_with("GET http://"), "{e}");
    assert!(e.to_string().ends_with("/x: HTTP 500: boom"), "{e}");
}

/// A GET answered by `answers` in turn: the final answer and how long it took (the clock is
/// paused, so that is exactly the waits).
async fn timed(answers: Vec<ResponseTemplate>) -> (Response, Duration) {
    let server = serve("GET", "/x", answers).await;
    let start = tokio::time::Instant::now();
    let r = client(3)
        .send(&Request::get(format!("{}/x", server.uri())))
        .await
        .unwrap();
    (r, start.elapsed())
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured_and_capped() {
    let (r, waited) = timed(vec![
        ResponseTemplate::new(429).insert_header("Retry-After", "7"),
        // an hour is more than the 30 s cap
        ResponseTemplate::new(503).insert_header("Retry-After", "3600"),
        ResponseTemplate::new(200),
    ])
    .await;
    assert_eq!((r.status, r.attempts), (200, 3));
    assert_eq!(waited, Duration::from_secs(37), "7 s, then the cap");

    // an HTTP-date: the wait until then (the date has whole seconds)
    let at = std::time::SystemTime::now() + Duration::from_secs(20);
    let (_, waited) = timed(vec![
        ResponseTemplate::new(503).insert_header("Retry-After", httpdate::fmt_http_date(at)),
        ResponseTemplate::new(200),
    ])
    .await;
    assert!(
        (Duration::from_secs(18)..=Duration::from_secs(21)).contains(&waited),
        "{waited:?}"
    );

    // without one, the jittered back-off: 50–100 % of 100 ms, then of 200 ms
    let (_, waited) = timed(vec![
        ResponseTemplate::new(500),
        ResponseTemplate::new(500),
        ResponseTemplate::new(200),
    ])
    .await;
    assert!(
        (Duration::from_millis(150)..=Duration::from_millis(300)).contains(&waited),
        "{waited:?}"
    );
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for status in [400, 401, 403, 404, 409, 422] {
        let server = serve("GET", "/x", vec![ResponseTemplate::new(status)]).await;
        let req = Request::get(format!("{}/x", server.uri()));
        let e = client(3).send_ok(&req).await.unwrap_err();
        assert_eq!(e.status(), Some(status));
        assert!(!e.is_retryable());
        assert_eq!(hits(&server).await, 1, "{status}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_post_is_sent_again_only_when_it_was_not_processed() {
    // 429 and 503 say "not processed": a POST goes again
    let server = serve(
        "POST",
        "/x",
        vec![
            ResponseTemplate::new(429),
            ResponseTemplate::new(503),
            ResponseTemplate::new(201),
        ],
    )
    .await;
    let post = Request::new(Method::POST, format!("{}/x", server.uri())).json(&json!({"a": 1}));
    assert!(!post.idempotent);
    assert_eq!(client(3).send(&post).await.unwrap().status, 201);
    assert_eq!(hits(&server).await, 3);
    // a 500, 502 or 504 may come after the work was done: not sent twice
    for status in [500, 502, 504] {
        let server = serve("POST", "/x", vec![ResponseTemplate::new(status)]).await;
        let post = Request::new(Method::POST, format!("{}/x", server.uri()));
        assert_eq!(client(3).send(&post).await.unwrap().status, status);
        assert_eq!(hits(&server).await, 1, "{status}");
        // unless the caller says it is safe
        let server = serve("POST", "/x", vec![ResponseTemplate::new(status)]).await;
        let post = Request::new(Method::POST, format!("{}/x", server.uri())).idempotent(true);
        assert_eq!(client(3).send(&post).await.unwrap().attempts, 4);
        assert_eq!(hits(&server).await, 4, "{status}");
    }
}

/// A server that reads each request and closes the connection without an answer; counts
/// the connections.
async fn breaks_connections() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/x", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let n = count.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            n.fetch_add(1, Ordering::SeqCst);
            let mut buf = vec![0u8; 4096];
            let _ = sock.read(&mut buf).await;
            drop(sock);
        }
    });
    (url, count)
}

#[tokio::test]
async fn a_non_idempotent_request_is_not_sent_again_after_a_broken_connection() {
    let (url, count) = breaks_connections().await;
    let c = client(3);
    let e = c
        .send(&Request::new(Method::POST, &url).json(&json!({"create": "zone"})))
        .await
        .unwrap_err();
    match &e {
        Error::Transport { attempts, sent, .. } => assert_eq!((*attempts, *sent), (1, true)),
        other => panic!("{other:?}"),
    }
    assert_eq!(count.load(Ordering::SeqCst), 1, "sent once");
    assert!(e.is_retryable(), "the caller may decide to try later");
    // PATCH likewise; a GET (idempotent) is retried
    let (url, count) = breaks_connections().await;
    c.send(&Request::new(Method::PATCH, &url))
        .await
        .unwrap_err();
    assert_eq!(count.load(Ordering::SeqCst), 1);
    let (url, count) = breaks_connections().await;
    let e = c.send(&Request::get(&url)).await.unwrap_err();
    assert_eq!(count.load(Ordering::SeqCst), 4);
    assert!(e.to_string().contains("(after 4 attempts)"), "{e}");
    // no connection at all: nothing was sent, so even a POST is tried again
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let e = c
        .send(&Request::new(Method::POST, format!("http://{closed}/x")))
        .await
        .unwrap_err();
    match &e {
        Error::Transport { attempts, sent, .. } => assert_eq!((*attempts, *sent), (4, false)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_error_keeps_the_body_but_never_a_secret() {
    let long = format!("denied for {SECRET}: {}", "y".repeat(2000));
    let server = serve(
        "GET",
        "/x",
        vec![ResponseTemplate::new(401).set_body_string(long)],
    )
    .await;
    let req = Request::get(format!(
        "{}/x?page=2&api_key={SECRET}&access_token=abc123",
        server.uri()
    ))
    .header("X-API-Key", SECRET)
    .bearer(SECRET);
    let e = client(3).send_ok(&req).await.unwrap_err();
    let (shown, debug) = (e.to_string(), format!("{e:?}"));
    for s in [&shown, &debug, &format!("{req:?}")] {
        assert!(!s.contains(SECRET), "{s}");
        assert!(!s.contains("abc123"), "{s}");
    }
    assert!(
        shown.contains("/x?page=2&api_key=***&access_token=***: HTTP 401: denied for ***: yyy"),
        "{shown}"
    );
    let body = e.body().unwrap();
    assert_eq!(body.chars().count(), MAX_BODY + 1, "cut, with an ellipsis");
    assert!(body.ends_with('…'));
    // the server did get the credentials
    let got = &server.received_requests().await.unwrap()[0];
    assert_eq!(got.headers.get("X-API-Key").unwrap(), SECRET);
    // user-info in a URL is not shown either
    assert_eq!(
        shown_url("https://user:pw@host.example/a?sig=1&x=2"),
        "https://host.example/a?sig=***&x=2"
    );
}

#[tokio::test]
async fn pagination_follows_links_and_stops_at_the_cap() {
    let server = MockServer::start().await;
    let uri = server.uri();
    // every page links to the next: an endless list
    Mock::given(method("GET"))
        .and(path("/list"))
        .respond_with(move |r: &Seen| {
            let page: u32 = r
                .url
                .query_pairs()
                .find(|(k, _)| k == "page")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(1);
            ResponseTemplate::new(200).set_body_json(json!({
                "items": [page], "next": format!("{uri}/list?page={}", page + 1)}))
        })
        .mount(&server)
        .await;
    let c = client(0);
    let mut items = Vec::new();
    let e = c
        .follow(
            Request::get(format!("{}/list", server.uri())),
            &server.uri(),
            5,
            |e| e,
            |_, r| {
                let j = r.json().unwrap();
                items.extend(j["items"].as_array().unwrap().clone());
                Ok::<_, Error>(j["next"].as_str().map(str::to_string))
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::TooManyPages { cap: 5, .. }), "{e:?}");
    assert_eq!(items, [1, 2, 3, 4, 5].map(|n| json!(n)));
    assert_eq!(hits(&server).await, 5);

    // a link elsewhere is refused before anything is sent there
    let e = c
        .follow(
            Request::get(format!("{}/list", server.uri())),
            &server.uri(),
            5,
            |e| e,
            |_, _| Ok::<_, Error>(Some("https://attacker.example/list?page=2".into())),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::ForeignLink { .. }), "{e:?}");
    // and a link back to a page already read
    let first = format!("{}/list", server.uri());
    let e = c
        .follow(
            Request::get(&first),
            &server.uri(),
            5,
            |e| e,
            |_, _| Ok::<_, Error>(Some(first.clone())),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::PageRepeated { .. }), "{e:?}");
}

#[tokio::test(start_paused = true)]
async fn every_try_takes_a_token_from_the_bucket() {
    let server = serve(
        "GET",
        "/x",
        vec![ResponseTemplate::new(503), ResponseTemplate::new(200)],
    )
    .await;
    let mut p = policy(3);
    p.backoff.first = Duration::from_millis(1);
    let c = Client::new("test", builder(), None, p)
        .unwrap()
        .limits(Limits::default().rate(Arc::new(Bucket::new(Rate {
            requests: 1,
            per: Duration::from_secs(10),
            burst: 1,
        }))));
    let start = tokio::time::Instant::now();
    c.send(&Request::get(format!("{}/x", server.uri())))
        .await
        .unwrap();
    c.send(&Request::get(format!("{}/x", server.uri())))
        .await
        .unwrap();
    // three tries (503, 200, 200) at one per 10 s
    assert_eq!(hits(&server).await, 3);
    let waited = start.elapsed();
    assert!(
        (Duration::from_secs(20)..Duration::from_secs(21)).contains(&waited),
        "{waited:?}"
    );
}

fn ns1_style(h: &reqwest::header::HeaderMap) -> Option<crate::http::Reported> {
    let n = |k: &str| h.get(k)?.to_str().ok()?.parse::<u32>().ok();
    Some(crate::http::Reported {
        limit: n("x-ratelimit-limit")?,
        remaining: n("x-ratelimit-remaining")?,
        period: Duration::from_secs(u64::from(n("x-ratelimit-period")?)),
    })
}

#[tokio::test(start_paused = true)]
async fn the_bucket_follows_what_the_server_reports() {
    // the server says 10 tokens per 10 s and `remaining` left; the client's own guess was
    // far more generous, and it leaves `reserve` = 2 tokens for other clients
    let answer = |remaining: u32| {
        ResponseTemplate::new(200)
            .insert_header("X-RateLimit-Limit", "10")
            .insert_header("X-RateLimit-Remaining", remaining.to_string().as_str())
            .insert_header("X-RateLimit-Period", "10")
    };
    let server = serve(
        "GET",
        "/x",
        vec![answer(5), answer(2), answer(2), answer(9)],
    )
    .await;
    let bucket = Arc::new(Bucket::new(Rate {
        requests: 1000,
        per: Duration::from_secs(1),
        burst: 1000,
    }));
    let c = Client::new("test", builder(), None, policy(0))
        .unwrap()
        .limits(
            Limits::default()
                .rate(bucket.clone())
                .reported(ns1_style, 2),
        );
    let start = tokio::time::Instant::now();
    let url = format!("{}/x", server.uri());
    let mut at = Vec::new();
    for _ in 0..4 {
        c.send(&Request::get(url.clone())).await.unwrap();
        at.push(start.elapsed().as_millis());
    }
    // 1st: the guess lets it through; 5 remain − 2 → 3 tokens; 2nd right away, then 2 − 2 →
    // none: the 3rd waits one token (10 s / 10), and so does the 4th
    assert_eq!(at, vec![0, 0, 1000, 2000], "{at:?}");
    assert_eq!(bucket.rate().requests, 10);
    assert_eq!(bucket.rate().per, Duration::from_secs(10));
}
