//! Time comes in from outside: every operation takes `now` from a [`Clock`]
//! the door holds, so rules are tested with a fixed instant and nothing in
//! the core reads the system time itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// A source of "now", in Unix microseconds.
pub trait Clock: Send + Sync {
    /// The current instant, Unix microseconds.
    fn now_micros(&self) -> i64;
}

/// `micros` (Unix microseconds) as RFC 3339 in UTC, as Authgear writes
/// times in audit payloads; `null`-worthy values never reach here.
pub fn rfc3339(micros: i64) -> String {
    jiff::Timestamp::from_microsecond(micros)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// The system clock (what servers use).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_micros(&self) -> i64 {
        keyward_store::now_micros()
    }
}

/// A clock that stands still until moved (tests).
#[derive(Debug, Clone, Default)]
pub struct FixedClock(Arc<AtomicI64>);

impl FixedClock {
    /// A clock showing `micros`.
    pub fn at(micros: i64) -> Self {
        FixedClock(Arc::new(AtomicI64::new(micros)))
    }

    /// Move it forward by `micros`.
    pub fn advance(&self, micros: i64) {
        self.0.fetch_add(micros, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now_micros(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A shared clock handle.
pub type SharedClock = Arc<dyn Clock>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let clock = FixedClock::at(10);
        let shared: SharedClock = Arc::new(clock.clone());
        assert_eq!(shared.now_micros(), 10);
        clock.advance(5);
        assert_eq!(shared.now_micros(), 15);
        assert!(SystemClock.now_micros() > 1_600_000_000_000_000);
    }
}
