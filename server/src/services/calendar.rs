//! The working-day calendar in memory: read by every deadline computation, reloaded from the
//! database when an operator loads a year (here at once, on other nodes within a minute).
//!
//! Never held across an `.await`: readers take an `Arc` of the whole calendar and drop the
//! lock at once.

use std::sync::{Arc, RwLock};

use crate::db::{Db, DbError};
use crate::domain::calendar::Calendar;

/// The current calendar, swapped whole on reload.
#[derive(Default)]
pub struct CalendarCache {
    current: RwLock<Arc<Calendar>>,
}

impl CalendarCache {
    /// The calendar as last loaded.
    pub fn get(&self) -> Arc<Calendar> {
        match self.current.read() {
            Ok(guard) => guard.clone(),
            // A writer panicked mid-swap; the Arc inside is still whole.
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reads every stored year's days and makes them current.
    pub async fn reload(&self, db: &Db) -> Result<(), DbError> {
        let days = db.calendar_days().await?;
        let calendar = Arc::new(Calendar::new(days.into_iter().map(|d| (d.date, d.kind))));
        match self.current.write() {
            Ok(mut guard) => *guard = calendar,
            Err(poisoned) => *poisoned.into_inner() = calendar,
        }
        Ok(())
    }
}
