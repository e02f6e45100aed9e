//! The server's clocks: real time unless frozen (`--now`, `PUT /__admin/clock`), so that
//! "last N days" filters and write timestamps are deterministic in tests. Each namespace may
//! freeze a clock of its own; one that has not follows the default clock.

use std::collections::HashMap;
use std::sync::RwLock;

use chrono::{DateTime, Utc};

use crate::time::Millis;

#[derive(Debug, Default)]
pub struct Clock {
    // std locks: held for a copy or an insert only, never across `.await`.
    frozen_at: RwLock<Option<Millis>>,
    /// The instants namespaces froze their own clocks at.
    namespaces: RwLock<HashMap<String, Millis>>,
}

impl Clock {
    pub fn new(frozen_at: Option<DateTime<Utc>>) -> Self {
        Self {
            frozen_at: RwLock::new(frozen_at.map(Millis::from_datetime)),
            namespaces: RwLock::default(),
        }
    }

    /// Now in `namespace` (`None`: the default one), truncated to milliseconds (the finest
    /// unit any vendor renders).
    pub fn now(&self, namespace: Option<&str>) -> Millis {
        self.frozen(namespace)
            .unwrap_or_else(|| Millis::from_datetime(Utc::now()))
    }

    /// The instant time windows ("last N days") count back from: now, to the whole second
    /// while the clock runs, so that every answer within one second agrees (and can be cached).
    pub fn window_end(&self, namespace: Option<&str>) -> Millis {
        self.frozen(namespace)
            .unwrap_or_else(|| Millis::from_datetime(Utc::now()).floor_to_second())
    }

    /// Where the clock of `namespace` is frozen: its own instant, else the default clock's.
    pub fn frozen(&self, namespace: Option<&str>) -> Option<Millis> {
        let own = namespace.and_then(|name| {
            self.namespaces
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .get(name)
                .copied()
        });
        own.or_else(|| *self.frozen_at.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// How many namespaces hold a frozen clock of their own.
    pub fn namespace_clocks(&self) -> usize {
        self.namespaces
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    /// Freezes the clock of `namespace` at `at`, or releases it (`None`): the default clock
    /// runs again, a namespace's follows the default clock again.
    pub fn freeze(&self, namespace: Option<&str>, at: Option<Millis>) {
        match namespace {
            None => *self.frozen_at.write().unwrap_or_else(|e| e.into_inner()) = at,
            Some(name) => {
                let mut namespaces = self.namespaces.write().unwrap_or_else(|e| e.into_inner());
                match at {
                    Some(at) => namespaces.insert(name.to_owned(), at),
                    None => namespaces.remove(name),
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_namespace_follows_the_default_clock_until_it_freezes_its_own() {
        let clock = Clock::new(None);
        let default = Millis(1_000_000);
        let own = Millis(2_000_000);
        clock.freeze(None, Some(default));
        assert_eq!(clock.now(Some("a")), default);
        clock.freeze(Some("a"), Some(own));
        assert_eq!(clock.now(Some("a")), own);
        assert_eq!(clock.now(None), default);
        assert_eq!(clock.now(Some("b")), default);
        clock.freeze(Some("a"), None);
        assert_eq!(clock.now(Some("a")), default);
    }
}
