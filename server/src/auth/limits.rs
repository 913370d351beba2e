//! Rate limits per network address: failed sign-ins, and reads of the public signed log.
//!
//! Per account, repeated wrong passwords lock the account for a while; that count lives in the
//! database (`users.failed_logins`, `locked_until`) so it holds across restarts and nodes. Per
//! address, this in-memory window stops one machine from trying many accounts: it is per node,
//! and forgets on restart, which is acceptable for a throttle (the account lock is the
//! guarantee).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How far back failures are counted.
pub const WINDOW: Duration = Duration::from_secs(10 * 60);

/// Addresses remembered at most; beyond this the oldest entries are dropped, so a flood of
/// spoofed addresses cannot grow memory without bound.
const MAX_ADDRESSES: usize = 100_000;

pub struct LoginLimiter {
    max_failures: u32,
    // A std mutex: held for a few map operations, never across an await.
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    pub fn new(max_failures: u32) -> LoginLimiter {
        LoginLimiter {
            max_failures: max_failures.max(1),
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// True when `address` has used up its failures in the current window.
    pub fn is_blocked(&self, address: &str) -> bool {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match map.get_mut(address) {
            Some(times) => {
                prune(times, now);
                times.len() >= self.max_failures as usize
            }
            None => false,
        }
    }

    /// Counts one failed sign-in from `address`.
    pub fn record_failure(&self, address: &str) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ADDRESSES && !map.contains_key(address) {
            map.retain(|_, times| {
                prune(times, now);
                !times.is_empty()
            });
            if map.len() >= MAX_ADDRESSES {
                map.clear();
            }
        }
        let times = map.entry(address.to_owned()).or_default();
        prune(times, now);
        times.push_back(now);
    }
}

/// A token bucket per address for the log's public endpoints, which answer without an
/// account: they hold hashes only, but each computes a tree head over every leaf, so one
/// address must not make the server do it without end. Per node and forgotten on restart,
/// like [`LoginLimiter`]: a throttle, not a guarantee.
pub struct PublicReadLimiter {
    burst: f64,
    per_second: f64,
    // A std mutex: held for one map operation, never across an await.
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl PublicReadLimiter {
    pub fn new(burst: u32, per_second: u32) -> PublicReadLimiter {
        PublicReadLimiter {
            burst: f64::from(burst.max(1)),
            per_second: f64::from(per_second.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one read from `address`'s bucket: `Ok` when it had one, else `Err` with the
    /// whole seconds until it has one again.
    pub fn take(&self, address: &str) -> Result<(), u64> {
        self.take_at(address, Instant::now())
    }

    fn take_at(&self, address: &str, now: Instant) -> Result<(), u64> {
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ADDRESSES && !map.contains_key(address) {
            // Full buckets are the same as none: forget them first, everyone if need be.
            let (burst, rate) = (self.burst, self.per_second);
            map.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < burst
            });
            if map.len() >= MAX_ADDRESSES {
                map.clear();
            }
        }
        let (tokens, at) = map.entry(address.to_owned()).or_insert((self.burst, now));
        *tokens =
            (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / self.per_second).ceil() as u64)
        }
    }
}

fn prune(times: &mut VecDeque<Instant>, now: Instant) {
    while times
        .front()
        .is_some_and(|t| now.duration_since(*t) > WINDOW)
    {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_blocked_after_its_failures_and_others_are_not() {
        let limiter = LoginLimiter::new(3);
        for _ in 0..3 {
            assert!(!limiter.is_blocked("10.0.0.1"));
            limiter.record_failure("10.0.0.1");
        }
        assert!(limiter.is_blocked("10.0.0.1"));
        assert!(!limiter.is_blocked("10.0.0.2"));
    }

    #[test]
    fn public_reads_are_refused_past_the_burst_and_come_back_at_the_rate() {
        let limiter = PublicReadLimiter::new(3, 2);
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take_at("10.0.0.1", start), Ok(()));
        }
        assert_eq!(limiter.take_at("10.0.0.1", start), Err(1));
        assert_eq!(limiter.take_at("10.0.0.2", start), Ok(()));
        // Half a second later, at 2 a second, one read is back, and only one.
        let later = start + Duration::from_millis(500);
        assert_eq!(limiter.take_at("10.0.0.1", later), Ok(()));
        assert_eq!(limiter.take_at("10.0.0.1", later), Err(1));
    }
}
