//! Where llmmon reads the time: seconds since the Unix epoch as `f64`, from the wall clock
//! when serving, or from a fixed instant for golden files, backfills and tests.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// The wall clock now, in seconds since the Unix epoch (0 before it).
pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// A source of the time, passed to what reads "now" so tests can fix it.
pub type Clock = Arc<dyn Fn() -> f64 + Send + Sync>;

/// The wall clock.
pub fn wall_clock() -> Clock {
    Arc::new(now)
}

/// A clock stopped at `t`.
pub fn fixed_clock(t: f64) -> Clock {
    Arc::new(move || t)
}
