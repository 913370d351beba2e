//! The clock that deadlines, reminders and jobs are measured against.
//!
//! Everything about supervision (a task's due time, when a reminder fires, whether a job is due)
//! reads time from the [`Clock`] in the application state, never from the system directly, so
//! a test can put the whole server at a Monday in September and step it across a holiday.
//! Sessions, tokens and sign-in limits keep reading the real clock: they are about security,
//! not about deadlines, and must never be steerable.
//!
//! A manual clock only moves when told to; it never moves backwards on its own and is never
//! used by `concord serve`.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Unix milliseconds now, from the system or from a test's hand.
#[derive(Clone, Debug)]
pub struct Clock {
    source: Source,
}

#[derive(Clone, Debug)]
enum Source {
    System,
    /// Shared by every clone, so the test and the server see the same instant.
    Manual(Arc<AtomicI64>),
}

impl Clock {
    /// The real clock: what every deployment uses.
    pub fn system() -> Clock {
        Clock {
            source: Source::System,
        }
    }

    /// A clock that stands at `start_ms` until [`Clock::set_ms`] or [`Clock::advance_ms`]
    /// moves it (tests only).
    pub fn manual(start_ms: i64) -> Clock {
        Clock {
            source: Source::Manual(Arc::new(AtomicI64::new(start_ms))),
        }
    }

    /// Unix milliseconds now.
    pub fn now_ms(&self) -> i64 {
        match &self.source {
            Source::System => crate::db::now_unix_ms(),
            Source::Manual(ms) => ms.load(Ordering::SeqCst),
        }
    }

    /// True for a manual clock.
    pub fn is_manual(&self) -> bool {
        matches!(self.source, Source::Manual(_))
    }

    /// Puts a manual clock at `ms`. Returns false, changing nothing, on the system clock.
    pub fn set_ms(&self, ms: i64) -> bool {
        match &self.source {
            Source::System => false,
            Source::Manual(now) => {
                now.store(ms, Ordering::SeqCst);
                true
            }
        }
    }

    /// Moves a manual clock by `delta_ms`. Returns false, changing nothing, on the system
    /// clock.
    pub fn advance_ms(&self, delta_ms: i64) -> bool {
        match &self.source {
            Source::System => false,
            Source::Manual(now) => {
                now.fetch_add(delta_ms, Ordering::SeqCst);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_its_clones_follow() {
        let clock = Clock::manual(1_000);
        let clone = clock.clone();
        assert_eq!(clone.now_ms(), 1_000);
        assert!(clock.advance_ms(500));
        assert_eq!(clone.now_ms(), 1_500);
        assert!(clone.set_ms(10));
        assert_eq!(clock.now_ms(), 10);
    }

    #[test]
    fn the_system_clock_cannot_be_moved() {
        let clock = Clock::system();
        assert!(!clock.set_ms(0));
        assert!(!clock.advance_ms(1));
        assert!(clock.now_ms() > 1_700_000_000_000);
    }
}
