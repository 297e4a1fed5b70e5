//! Client-side limits: a token bucket for an API's request rate (Cloudflare's 1,200 requests
//! per 5 minutes, NS1's bucket per API key, Route 53's 5 requests per second) and a bound on
//! requests in flight. Every try of a request, retries included, takes a token.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::time::Instant;

/// A request rate: `requests` per `per`, with bursts of up to `burst` at once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    pub requests: u32,
    pub per: Duration,
    pub burst: u32,
}

impl Rate {
    /// Route 53: five requests a second per account.
    pub const ROUTE53: Rate = Rate {
        requests: 5,
        per: Duration::from_secs(1),
        burst: 5,
    };
    /// Cloudflare: 1,200 requests per five minutes per user.
    pub const CLOUDFLARE: Rate = Rate {
        requests: 1200,
        per: Duration::from_secs(300),
        burst: 1200,
    };

    /// Tokens added per second.
    fn per_second(&self) -> f64 {
        f64::from(self.requests.max(1)) / self.per.as_secs_f64().max(1e-9)
    }
}

/// A token bucket: it holds up to `burst` tokens, refills at the rate, and `acquire` waits
/// (first come, first served) until a token is there. It runs on tokio's clock, so tests
/// with a paused clock see exact waits.
#[derive(Debug)]
pub struct Bucket {
    /// The rate, replaced by the one the server reports (`observe`).
    rate: Mutex<Rate>,
    state: tokio::sync::Mutex<(f64, Instant)>,
}

/// A bucket's state as the server reports it with an answer (NS1's `X-RateLimit-Limit`,
/// `X-RateLimit-Remaining` and `X-RateLimit-Period`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reported {
    /// Tokens a full bucket holds (and refills per `period`).
    pub limit: u32,
    pub remaining: u32,
    pub period: Duration,
}

/// Reads a server's report of its bucket from an answer's headers.
pub type ReportHook = fn(&reqwest::header::HeaderMap) -> Option<Reported>;

/// Buckets shared by key (`Bucket::shared`).
static SHARED: Mutex<Option<HashMap<[u8; 32], Weak<Bucket>>>> = Mutex::new(None);

impl Bucket {
    /// A full bucket.
    pub fn new(rate: Rate) -> Bucket {
        Bucket {
            rate: Mutex::new(rate),
            state: tokio::sync::Mutex::new((f64::from(rate.burst.max(1)), Instant::now())),
        }
    }

    /// The one bucket for `key` while anyone holds it (an API key, an account): two
    /// providers with the same credentials share one rate. Only a hash of the key is kept.
    pub fn shared(key: &str, rate: Rate) -> Arc<Bucket> {
        let id: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        let mut map = SHARED.lock().unwrap_or_else(|p| p.into_inner());
        let map = map.get_or_insert_with(HashMap::new);
        map.retain(|_, b| b.strong_count() > 0);
        if let Some(b) = map.get(&id).and_then(Weak::upgrade) {
            return b;
        }
        let b = Arc::new(Bucket::new(rate));
        map.insert(id, Arc::downgrade(&b));
        b
    }

    pub fn rate(&self) -> Rate {
        *self.rate.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Follow the server's account of the bucket: its rate from now on is `limit` per
    /// `period`, and no more tokens are taken than it says remain, less `reserve` (left for
    /// other clients of the same key). A report with a zero limit or period is ignored.
    pub async fn observe(&self, r: Reported, reserve: u32) {
        if r.limit == 0 || r.period.is_zero() {
            return;
        }
        let rate = Rate {
            requests: r.limit,
            per: r.period,
            burst: r.limit,
        };
        *self.rate.lock().unwrap_or_else(|p| p.into_inner()) = rate;
        let mut state = self.state.lock().await;
        let now = Instant::now();
        let (tokens, last) = *state;
        let refilled = (tokens
            + now.saturating_duration_since(last).as_secs_f64() * rate.per_second())
        .min(f64::from(rate.burst));
        let left = f64::from(r.remaining.saturating_sub(reserve));
        *state = (refilled.min(left), now.max(last));
    }

    /// Take one token, waiting for it when the bucket is empty.
    pub async fn acquire(&self) {
        // the lock is held while waiting: whoever came first gets the next token
        let mut state = self.state.lock().await;
        let rate = self.rate();
        let burst = f64::from(rate.burst.max(1));
        let per_second = rate.per_second();
        let now = Instant::now();
        let (tokens, last) = *state;
        let mut tokens =
            (tokens + now.saturating_duration_since(last).as_secs_f64() * per_second).min(burst);
        let mut at = now;
        if tokens < 1.0 {
            let wait = Duration::from_secs_f64((1.0 - tokens) / per_second);
            tokio::time::sleep(wait).await;
            at = now + wait;
            tokens = 1.0;
        }
        *state = (tokens - 1.0, at);
    }
}

/// The limits of one API client: a rate, requests in flight, both or neither.
#[derive(Clone, Debug, Default)]
pub struct Limits {
    pub bucket: Option<Arc<Bucket>>,
    pub in_flight: Option<Arc<tokio::sync::Semaphore>>,
    /// How the server reports the bucket on its answers, and the tokens to leave unused.
    pub reported: Option<(ReportHook, u32)>,
}

impl Limits {
    /// At most `n` requests at once (at least one).
    pub fn concurrency(mut self, n: usize) -> Limits {
        self.in_flight = Some(Arc::new(tokio::sync::Semaphore::new(n.max(1))));
        self
    }

    pub fn rate(mut self, bucket: Arc<Bucket>) -> Limits {
        self.bucket = Some(bucket);
        self
    }

    /// Follow the bucket the server reports on each answer (`Bucket::observe`), leaving
    /// `reserve` tokens for other clients.
    pub fn reported(mut self, hook: ReportHook, reserve: u32) -> Limits {
        self.reported = Some((hook, reserve));
        self
    }

    /// Take in what an answer's headers say of the server's bucket.
    pub async fn observe(&self, headers: &reqwest::header::HeaderMap) {
        if let (Some(b), Some((hook, reserve))) = (&self.bucket, self.reported)
            && let Some(r) = hook(headers)
        {
            b.observe(r, reserve).await;
        }
    }

    /// Wait for a place and a token; the place is held until the guard is dropped.
    pub async fn enter(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let permit = match &self.in_flight {
            Some(s) => s.clone().acquire_owned().await.ok(),
            None => None,
        };
        if let Some(b) = &self.bucket {
            b.acquire().await;
        }
        permit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_bucket_lets_a_burst_through_then_keeps_the_rate() {
        let b = Bucket::new(Rate::ROUTE53);
        let start = Instant::now();
        for _ in 0..5 {
            b.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO, "the burst");
        for _ in 0..10 {
            b.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::from_secs(2), "then 5 a second");
        // an idle bucket fills up to its burst, no further
        tokio::time::sleep(Duration::from_secs(60)).await;
        let start = Instant::now();
        for _ in 0..6 {
            b.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::from_millis(200));
    }

    #[tokio::test(start_paused = true)]
    async fn cloudflare_s_window_is_1200_per_five_minutes() {
        let b = Bucket::new(Rate::CLOUDFLARE);
        let start = Instant::now();
        for _ in 0..1200 {
            b.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        b.acquire().await;
        assert_eq!(
            start.elapsed(),
            Duration::from_millis(250),
            "4 a second after"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_the_rate_first_come_first_served() {
        let b = Arc::new(Bucket::new(Rate {
            requests: 2,
            per: Duration::from_secs(1),
            burst: 1,
        }));
        let start = Instant::now();
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let b = b.clone();
                tokio::spawn(async move {
                    b.acquire().await;
                    start.elapsed()
                })
            })
            .collect();
        let mut at = Vec::new();
        for t in tasks {
            at.push(t.await.unwrap());
        }
        at.sort();
        assert_eq!(
            at,
            [0, 500, 1000, 1500].map(Duration::from_millis),
            "one token every 500 ms"
        );
    }

    #[test]
    fn a_shared_bucket_is_one_per_key() {
        let a = Bucket::shared("ns1-key-one", Rate::ROUTE53);
        let b = Bucket::shared("ns1-key-one", Rate::ROUTE53);
        let c = Bucket::shared("ns1-key-two", Rate::ROUTE53);
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
        assert!(!format!("{a:?}").contains("ns1-key-one"));
    }

    #[tokio::test(start_paused = true)]
    async fn concurrency_is_bounded() {
        let limits = Limits::default().concurrency(2);
        let busy = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let (limits, busy, most) = (limits.clone(), busy.clone(), most.clone());
                tokio::spawn(async move {
                    let _p = limits.enter().await;
                    let now = busy.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                    most.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    busy.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                })
            })
            .collect();
        let start = Instant::now();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(most.load(std::sync::atomic::Ordering::SeqCst), 2);
        assert_eq!(start.elapsed(), Duration::from_secs(3));
    }
}
