//! The server's clock: real time unless frozen (`--now`, `PUT /__admin/clock`), so that
//! "last N days" filters and write timestamps are deterministic in tests.

use std::sync::RwLock;

use chrono::{DateTime, Utc};

use crate::time::Millis;

#[derive(Debug, Default)]
pub struct Clock {
    // A std lock: held for a copy only, never across `.await`.
    frozen_at: RwLock<Option<Millis>>,
}

impl Clock {
    pub fn new(frozen_at: Option<DateTime<Utc>>) -> Self {
        Self {
            frozen_at: RwLock::new(frozen_at.map(Millis::from_datetime)),
        }
    }

    /// Now, truncated to milliseconds (the finest unit any vendor renders).
    pub fn now(&self) -> Millis {
        self.frozen()
            .unwrap_or_else(|| Millis::from_datetime(Utc::now()))
    }

    /// The instant time windows ("last N days") count back from: now, to the whole second
    /// while the clock runs, so that every answer within one second agrees (and can be cached).
    pub fn window_end(&self) -> Millis {
        self.frozen()
            .unwrap_or_else(|| Millis::from_datetime(Utc::now()).floor_to_second())
    }

    pub fn frozen(&self) -> Option<Millis> {
        *self.frozen_at.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn freeze(&self, at: Option<Millis>) {
        *self.frozen_at.write().unwrap_or_else(|e| e.into_inner()) = at;
    }
}
