//! Pagination that always ends: a guard that counts pages and refuses a page token seen
//! before (an error, never an endless loop or a silent truncation), the `Link: rel="next"`
//! header, and the check that a next link stays on the API's origin (the token must not
//! travel elsewhere).

use std::collections::HashSet;
use std::hash::Hash;

use super::Error;

/// Pages a list may have unless the caller says otherwise.
pub const MAX_PAGES: usize = 1000;

/// The pages of one listing: `next` is called with each continuation token (a next link, a
/// marker, a page number) before the page it names is fetched.
#[derive(Debug)]
pub struct Pages<K> {
    what: String,
    cap: usize,
    fetched: usize,
    seen: HashSet<K>,
}

impl<K: Hash + Eq + std::fmt::Debug> Pages<K> {
    /// `what` names the listing in errors (`GET /zones`, `ListResourceRecordSets`).
    pub fn new(what: impl Into<String>, cap: usize) -> Pages<K> {
        Pages {
            what: what.into(),
            cap: cap.max(1),
            fetched: 1,
            seen: HashSet::new(),
        }
    }

    /// The first page's token, so that a later page naming it again is caught.
    pub fn first(mut self, token: K) -> Pages<K> {
        self.seen.insert(token);
        self
    }

    /// May the page named `token` be fetched? An error when the token repeats an earlier one
    /// or the listing would pass its page cap.
    pub fn next(&mut self, token: K) -> Result<(), Error> {
        if self.fetched >= self.cap {
            return Err(Error::TooManyPages {
                what: self.what.clone(),
                cap: self.cap,
            });
        }
        let shown = format!("{token:?}");
        if !self.seen.insert(token) {
            return Err(Error::PageRepeated {
                what: self.what.clone(),
                token: shown,
            });
        }
        self.fetched += 1;
        Ok(())
    }

    /// Count one more page, for listings whose tokens the caller does not see (the AWS
    /// SDK's paginators): an error past the cap.
    pub fn another(&mut self) -> Result<(), Error> {
        if self.fetched >= self.cap {
            return Err(Error::TooManyPages {
                what: self.what.clone(),
                cap: self.cap,
            });
        }
        self.fetched += 1;
        Ok(())
    }

    /// Pages fetched so far (the first one included).
    pub fn fetched(&self) -> usize {
        self.fetched
    }
}

/// The `rel="next"` URL of a `Link` header (RFC 8288), as GitHub sends it.
pub fn next_link(headers: &reqwest::header::HeaderMap) -> Option<String> {
    let link = headers.get("link")?.to_str().ok()?;
    for part in link.split(',') {
        let mut pieces = part.split(';');
        let url = pieces.next()?.trim();
        let is_next = pieces.any(|p| {
            let p = p.trim().replace(' ', "");
            p == "rel=\"next\"" || p == "rel=next"
        });
        if is_next && url.starts_with('<') && url.ends_with('>') {
            return Some(url[1..url.len() - 1].to_string());
        }
    }
    None
}

/// `scheme://host[:port]`, lowercased, and the path of a URL.
fn split(url: &str) -> Option<(String, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let path = rest[end..].split(['?', '#']).next().unwrap_or_default();
    Some((
        format!(
            "{}://{}",
            scheme.to_ascii_lowercase(),
            rest[..end].to_ascii_lowercase()
        ),
        path,
    ))
}

/// Is `link` on `home`'s origin and below its path? (`https://api.example/v3` holds
/// `https://API.example/v3/x?page=2`, not `https://api.example/other` nor `https://evil/`.)
pub fn within(home: &str, link: &str) -> bool {
    match (split(home), split(link)) {
        (Some((ho, hp)), Some((lo, lp))) => {
            let hp = hp.trim_end_matches('/');
            ho == lo && (lp == hp || lp.starts_with(&format!("{hp}/")))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn pages_stop_at_the_cap_and_at_a_repeated_token() {
        let mut p = Pages::new("GET /x", 3);
        p.next("b").unwrap();
        p.next("c").unwrap();
        let e = p.next("d").unwrap_err();
        assert!(matches!(e, Error::TooManyPages { cap: 3, .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            "GET /x: more than 3 pages: stopping instead of listing forever"
        );
        let mut p = Pages::new("ListHealthChecks", 100);
        p.next("m1").unwrap();
        let e = p.next("m1").unwrap_err().to_string();
        assert!(
            e.contains("repeats an earlier page") && e.contains("m1"),
            "{e}"
        );
        assert_eq!(p.fetched(), 2);
    }

    #[test]
    fn next_links_are_found() {
        let mut h = HeaderMap::new();
        h.insert(
            "link",
            HeaderValue::from_static(
                "<https://api.github.com/x?page=3>; rel=\"next\", <https://api.github.com/x?page=9>; rel=\"last\"",
            ),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://api.github.com/x?page=3")
        );
        h.insert(
            "link",
            HeaderValue::from_static("<https://api.github.com/x?page=1>; rel=\"prev\""),
        );
        assert_eq!(next_link(&h), None);
    }

    #[test]
    fn links_must_stay_home() {
        let home = "https://api.example/v3";
        assert!(within(home, "https://API.example/v3/x?page=2"));
        assert!(within(home, "https://api.example/v3"));
        assert!(!within(home, "https://api.example/v30/x"));
        assert!(!within(home, "https://api.example/other"));
        assert!(!within(home, "https://api.example.evil/v3/x"));
        assert!(!within(home, "http://api.example/v3/x"));
        assert!(!within(home, "/v3/x"));
        assert!(within("http://127.0.0.1:8080", "http://127.0.0.1:8080/a?b"));
        assert!(!within("http://127.0.0.1:8080", "http://127.0.0.1:8081/a"));
    }
}
