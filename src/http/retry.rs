//! The one retry policy: how many tries, how long between them (jittered exponential
//! back-off, a server's `Retry-After` honoured up to a cap) and which failures are worth
//! another try. HTTP clients (`http::Client`) and the RFC 2136 provider's transfers use it.

use std::future::Future;
use std::time::{Duration, SystemTime};

/// Exponential back-off with jitter: retry `n` (from 0) waits a random 50–100 % of
/// `first × 2ⁿ`, at most `cap`, so clients throttled together do not come back together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub cap: Duration,
}

impl Backoff {
    /// The longest wait before retry `n`, before jitter.
    pub fn step(&self, n: u32) -> Duration {
        self.first.saturating_mul(1u32 << n.min(16)).min(self.cap)
    }

    /// The wait before retry `n`: a random 50–100 % of `step(n)` (`crate::random`).
    pub fn delay(&self, n: u32) -> Duration {
        self.step(n).mul_f64(0.5 + crate::random::unit() / 2.0)
    }
}

/// How often and how long to retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Retries after the first try, of any kind.
    pub max_retries: u32,
    /// Of those, retries after a retryable answer (408, 429, 5xx, a throttle).
    pub max_status_retries: u32,
    pub backoff: Backoff,
    /// The longest wait a server may ask for (`Retry-After`); a longer one is cut to this.
    pub max_retry_after: Duration,
}

impl Policy {
    /// `retries` retries of any kind, waiting from `first` up to `cap`; a server may ask for
    /// up to `cap` too.
    pub fn new(retries: u32, first: Duration, cap: Duration) -> Policy {
        Policy {
            max_retries: retries,
            max_status_retries: retries,
            backoff: Backoff { first, cap },
            max_retry_after: cap,
        }
    }

    /// Run `op` until `classify` says its outcome is final or the retries are used up; the
    /// last outcome and the number of tries made. Every retry is logged (`what`: the
    /// request) at warn level.
    pub async fn run<T, F, Fut>(
        &self,
        what: &str,
        mut op: F,
        classify: impl Fn(&T) -> Verdict,
    ) -> (T, u32)
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = T>,
    {
        let mut retries = 0;
        let mut status_retries = 0;
        loop {
            let outcome = op().await;
            let Verdict::Retry {
                reason,
                wait,
                answer,
            } = classify(&outcome)
            else {
                return (outcome, retries + 1);
            };
            if retries >= self.max_retries || (answer && status_retries >= self.max_status_retries)
            {
                return (outcome, retries + 1);
            }
            let wait = match wait {
                Some(w) => w.min(self.max_retry_after),
                None if answer => self.backoff.delay(status_retries),
                None => self.backoff.delay(retries),
            };
            if answer {
                status_retries += 1;
            }
            retries += 1;
            let budget = if answer {
                self.max_status_retries
            } else {
                self.max_retries
            };
            tracing::warn!(
                "{what}: {reason}; retrying in {} ms ({}/{budget})",
                wait.as_millis(),
                if answer { status_retries } else { retries },
            );
            tokio::time::sleep(wait).await;
        }
    }
}

/// What to do after one try.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The outcome is final (a success, or a failure another try would not change).
    Done,
    /// Worth another try: why (for the log), how long the server asked to wait, and whether
    /// it was an answer (counted against `max_status_retries`) rather than a lost connection.
    Retry {
        reason: String,
        wait: Option<Duration>,
        answer: bool,
    },
}

/// Statuses another try may cure: 408, 429 and every 5xx. Other 4xx are the request's fault.
pub fn retryable_status(status: u16) -> bool {
    status == 408 || status == 429 || (500..600).contains(&status)
}

/// Statuses that say the request was not processed (408 timed out reading it, 429 refused it
/// for the rate, 503 did not take it): safe to send again even when it is not idempotent. A
/// 500, 502 or 504 may come after the work was done.
pub fn unprocessed_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 503)
}

/// May a request be sent again after this outcome? `status` is the answer's (None: no
/// answer); `sent`: the request may have reached the server (false only when no connection
/// was made); `idempotent`: sending it twice does no more than sending it once.
pub fn may_retry(status: Option<u16>, sent: bool, idempotent: bool) -> bool {
    match status {
        Some(s) => retryable_status(s) && (idempotent || unprocessed_status(s)),
        None => !sent || idempotent,
    }
}

/// A `Retry-After` value (RFC 9110 §10.2.3: delta-seconds or an HTTP-date) as a wait from
/// `now`, at most `cap`. A date in the past is no wait; a value that is neither is `None` (the
/// back-off applies). Fractional and huge numbers are read (and capped), never a panic.
pub fn retry_after(value: &str, now: SystemTime, cap: Duration) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        if !secs.is_finite() || secs < 0.0 {
            return None;
        }
        return Some(Duration::from_secs_f64(secs.min(cap.as_secs_f64())));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or_default().min(cap))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_up_to_its_cap() {
        let b = Backoff {
            first: Duration::from_millis(100),
            cap: Duration::from_secs(1),
        };
        assert_eq!(b.step(0), Duration::from_millis(100));
        assert_eq!(b.step(2), Duration::from_millis(400));
        assert_eq!(b.step(4), Duration::from_secs(1));
        assert_eq!(b.step(40), Duration::from_secs(1), "no overflow");
        let waits: Vec<Duration> = (0..50).map(|_| b.delay(1)).collect();
        assert!(
            waits
                .iter()
                .all(|w| (Duration::from_millis(100)..=Duration::from_millis(200)).contains(w)),
            "{waits:?}"
        );
        assert!(waits.iter().any(|w| *w != waits[0]), "jittered: {waits:?}");
    }

    #[test]
    fn classification_keeps_non_idempotent_requests_from_running_twice() {
        for s in [408, 429, 500, 502, 503, 504, 599] {
            assert!(retryable_status(s), "{s}");
            assert!(may_retry(Some(s), true, true), "{s}");
        }
        for s in [200, 301, 400, 401, 403, 404, 409, 412, 422] {
            assert!(!retryable_status(s), "{s}");
            assert!(!may_retry(Some(s), true, true), "{s}");
        }
        // a POST: 429/503/408 said "not processed"; 500/502/504 may follow the work
        for s in [408, 429, 503] {
            assert!(may_retry(Some(s), true, false), "{s}");
        }
        for s in [500, 502, 504] {
            assert!(!may_retry(Some(s), true, false), "{s}");
        }
        // no connection: nothing was sent, always safe; a broken one only when idempotent
        assert!(may_retry(None, false, false));
        assert!(may_retry(None, true, true));
        assert!(!may_retry(None, true, false));
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_and_is_capped() {
        let cap = Duration::from_secs(60);
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(retry_after("7", now, cap), Some(Duration::from_secs(7)));
        assert_eq!(
            retry_after(" 1.5 ", now, cap),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(retry_after("86400", now, cap), Some(cap));
        assert_eq!(retry_after("1e300", now, cap), Some(cap));
        assert_eq!(retry_after("-1", now, cap), None);
        assert_eq!(retry_after("NaN", now, cap), None);
        assert_eq!(retry_after("soon", now, cap), None);
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now, cap),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after("Mon, 07 Nov 1994 08:49:37 GMT", now, cap),
            Some(cap)
        );
        assert_eq!(
            retry_after("Sat, 05 Nov 1994 08:49:37 GMT", now, cap),
            Some(Duration::ZERO),
            "a date in the past"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn run_counts_retries_per_kind_and_waits_as_asked() {
        let policy = Policy {
            max_retries: 5,
            max_status_retries: 2,
            backoff: Backoff {
                first: Duration::from_secs(1),
                cap: Duration::from_secs(8),
            },
            max_retry_after: Duration::from_secs(10),
        };
        // answers: two retries at most, each waiting what the server asked (capped)
        let start = tokio::time::Instant::now();
        let tries = std::cell::Cell::new(0);
        let (_, n) = policy
            .run(
                "GET x",
                || async {
                    tries.set(tries.get() + 1);
                },
                |_| Verdict::Retry {
                    reason: "HTTP 429".into(),
                    wait: Some(Duration::from_secs(30)),
                    answer: true,
                },
            )
            .await;
        assert_eq!((n, tries.get()), (3, 3));
        assert_eq!(start.elapsed(), Duration::from_secs(20), "2 × the 10 s cap");
        // lost connections: five retries, backing off 50–100 % of 1, 2, 4, 8, 8 s
        let start = tokio::time::Instant::now();
        let (_, n) = policy
            .run(
                "GET x",
                || async {},
                |_| Verdict::Retry {
                    reason: "connection refused".into(),
                    wait: None,
                    answer: false,
                },
            )
            .await;
        assert_eq!(n, 6);
        let waited = start.elapsed();
        assert!(
            (Duration::from_millis(11_500)..=Duration::from_secs(23)).contains(&waited),
            "{waited:?}"
        );
        // a final outcome stops at once
        let (v, n) = policy.run("GET x", || async { 7 }, |_| Verdict::Done).await;
        assert_eq!((v, n), (7, 1));
    }
}
