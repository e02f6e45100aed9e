//! A sliding-window request limiter keyed by any string (an API key, a tenant) within a scope
//! (a namespace), on real monotonic time: a vendor asks it whether one more request fits under
//! its limits and answers a refusal in its own shape. A scope's counts can be forgotten at once.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most `max` requests in any `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub window: Duration,
}

impl Limit {
    pub const fn per(max: u32, window: Duration) -> Self {
        Self { max, window }
    }
}

/// The accepted requests' instants per key. Refused requests are not recorded, so a client
/// that waits for `Retry-After` always gets through.
#[derive(Debug, Default)]
pub struct RateLimiter {
    // A std mutex: held for a few pushes and pops, never across `.await`.
    accepted: Mutex<HashMap<(String, String), VecDeque<Instant>>>,
}

impl RateLimiter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one request for `key` in `scope` if it fits under every limit; otherwise how
    /// long until it would.
    pub fn check(&self, scope: &str, key: &str, limits: &[Limit]) -> Result<(), Duration> {
        self.check_at(scope, key, limits, Instant::now())
    }

    /// [`check`](Self::check) at a given instant (instants must not go backwards per key).
    pub fn check_at(
        &self,
        scope: &str,
        key: &str,
        limits: &[Limit],
        now: Instant,
    ) -> Result<(), Duration> {
        let longest = limits.iter().map(|limit| limit.window).max();
        let Some(longest) = longest else {
            return Ok(());
        };
        let mut accepted = self.lock();
        let log = accepted
            .entry((scope.to_owned(), key.to_owned()))
            .or_default();
        while log
            .front()
            .is_some_and(|at| now.saturating_duration_since(*at) >= longest)
        {
            log.pop_front();
        }
        let mut wait = Duration::ZERO;
        for limit in limits {
            let in_window: Vec<&Instant> = log
                .iter()
                .filter(|at| now.saturating_duration_since(**at) < limit.window)
                .collect();
            let max = limit.max as usize;
            if in_window.len() >= max {
                // The request fits once enough of the oldest ones leave the window.
                let freeing = in_window[in_window.len() - max];
                let until = (*freeing + limit.window).saturating_duration_since(now);
                wait = wait.max(until);
            }
        }
        if wait.is_zero() {
            log.push_back(now);
            Ok(())
        } else {
            Err(wait)
        }
    }

    /// Forgets every count of `scope`, or of every scope.
    pub fn forget(&self, scope: Option<&str>) {
        let mut accepted = self.lock();
        match scope {
            Some(scope) => accepted.retain(|(known, _), _| known != scope),
            None => accepted.clear(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), VecDeque<Instant>>> {
        self.accepted.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A wait as `Retry-After` seconds: rounded up, at least 1.
pub fn retry_after_seconds(wait: Duration) -> u64 {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    seconds.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BURST: Limit = Limit::per(3, Duration::from_secs(10));
    const MINUTE: Limit = Limit::per(5, Duration::from_secs(60));

    #[test]
    fn refuses_past_the_burst_and_says_when_to_retry() {
        let limiter = RateLimiter::new();
        let start = Instant::now();
        for i in 0..3 {
            let at = start + Duration::from_secs(i);
            assert_eq!(limiter.check_at("s", "k", &[BURST, MINUTE], at), Ok(()));
        }
        let refused = limiter.check_at("s", "k", &[BURST, MINUTE], start + Duration::from_secs(3));
        // The first request leaves the 10 s window at start + 10 s.
        assert_eq!(refused, Err(Duration::from_secs(7)));
        assert_eq!(
            limiter.check_at("s", "k", &[BURST, MINUTE], start + Duration::from_secs(10)),
            Ok(())
        );
    }

    #[test]
    fn the_longer_window_holds_after_the_burst_clears() {
        let limiter = RateLimiter::new();
        let start = Instant::now();
        for i in 0..5 {
            let at = start + Duration::from_secs(i * 11);
            assert_eq!(limiter.check_at("s", "k", &[BURST, MINUTE], at), Ok(()));
        }
        let at = start + Duration::from_secs(56);
        assert_eq!(
            limiter.check_at("s", "k", &[BURST, MINUTE], at),
            Err(Duration::from_secs(4))
        );
        assert_eq!(
            limiter.check_at("s", "k", &[BURST, MINUTE], start + Duration::from_secs(60)),
            Ok(())
        );
    }

    #[test]
    fn keys_are_independent() {
        let limiter = RateLimiter::new();
        let now = Instant::now();
        let one = [Limit::per(1, Duration::from_secs(10))];
        assert_eq!(limiter.check_at("s", "a", &one, now), Ok(()));
        assert!(limiter.check_at("s", "a", &one, now).is_err());
        assert_eq!(limiter.check_at("s", "b", &one, now), Ok(()));
    }

    #[test]
    fn scopes_are_independent_and_forgotten_whole() {
        let limiter = RateLimiter::new();
        let now = Instant::now();
        let one = [Limit::per(1, Duration::from_secs(10))];
        assert_eq!(limiter.check_at("ns1", "k", &one, now), Ok(()));
        assert!(limiter.check_at("ns1", "k", &one, now).is_err());
        assert_eq!(limiter.check_at("ns2", "k", &one, now), Ok(()));
        limiter.forget(Some("ns1"));
        assert_eq!(limiter.check_at("ns1", "k", &one, now), Ok(()));
        assert!(limiter.check_at("ns2", "k", &one, now).is_err());
        limiter.forget(None);
        assert_eq!(limiter.check_at("ns2", "k", &one, now), Ok(()));
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_seconds(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(7001)), 8);
        assert_eq!(retry_after_seconds(Duration::from_secs(7)), 7);
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
    }
}
