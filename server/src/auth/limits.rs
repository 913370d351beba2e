//! Sign-in rate limits per network address.
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
}
