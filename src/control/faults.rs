//! Fault injection: rules that make a vendor fail on purpose, matched per request.

use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::control::glob_matches;

/// The longest delay a rule may ask for.
pub const MAX_DELAY_MS: u64 = 60_000;

/// A rule as posted to `POST /__admin/faults`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// The vendor's slug.
    pub vendor: String,
    /// Only this method (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Only paths matching this glob (`*` any run, `?` one character), vendor paths without the
    /// slug prefix, e.g. `/api/v1/contacts*`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Only requests carrying this credential (the token or key, without a scheme).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Only requests in this namespace (`default` for requests without the header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub effect: Effect,
    /// Chance that a matching request is affected.
    #[serde(default = "always")]
    pub probability: f64,
    /// Seeds the rule's own random draws, so a run is reproducible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Fire at most this many times, then expire; without it, until removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
}

fn always() -> f64 {
    1.0
}

/// What a firing rule does.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Effect {
    /// Answer with `status`: the vendor's own error body, or `body` when given.
    Status {
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<Value>,
    },
    /// Wait `ms`, or a uniform random time in `min_ms..=max_ms`, then answer normally.
    Delay {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ms: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_ms: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_ms: Option<u64>,
    },
    /// Answer 429 in the vendor's shape with `Retry-After: retry_after`.
    RateLimit {
        #[serde(default = "one_second")]
        retry_after: u64,
    },
    /// Close the connection without an answer.
    Drop,
}

fn one_second() -> u64 {
    1
}

/// What the request path should do, decided once per request.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Respond { status: u16, body: Option<Value> },
    Delay(Duration),
    RateLimit { retry_after: u64 },
    Drop,
}

/// An invalid rule: the field and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("{field}: {message}")]
pub struct RuleError {
    pub field: String,
    pub message: String,
}

fn invalid(field: &str, message: impl Into<String>) -> RuleError {
    RuleError {
        field: field.into(),
        message: message.into(),
    }
}

impl RuleSpec {
    /// Parses and checks a posted rule; `vendors` are the slugs it may name.
    pub fn parse(body: &Value, vendors: &[&str]) -> Result<Self, RuleError> {
        let spec: Self = serde_path_to_error::deserialize(body).map_err(|error| {
            let field = error.path().to_string();
            invalid(
                if field == "." { "body" } else { &field },
                error.into_inner().to_string(),
            )
        })?;
        spec.check(vendors)?;
        Ok(spec)
    }

    fn check(&self, vendors: &[&str]) -> Result<(), RuleError> {
        if !vendors.contains(&self.vendor.as_str()) {
            return Err(invalid(
                "vendor",
                format!("unknown vendor `{}`", self.vendor),
            ));
        }
        if let Some(method) = &self.method
            && (method.is_empty() || !method.chars().all(|c| c.is_ascii_alphabetic()))
        {
            return Err(invalid("method", "must be an HTTP method such as GET"));
        }
        if self
            .path
            .as_deref()
            .is_some_and(|p| !p.starts_with('/') && !p.starts_with('*'))
        {
            return Err(invalid("path", "must start with `/` or `*`"));
        }
        if !(0.0..=1.0).contains(&self.probability) {
            return Err(invalid("probability", "must be between 0 and 1"));
        }
        if self.times == Some(0) {
            return Err(invalid("times", "must be at least 1"));
        }
        match &self.effect {
            Effect::Status { status, .. } if !(200..=599).contains(status) => {
                Err(invalid("effect.status", "must be between 200 and 599"))
            }
            Effect::Delay { ms, min_ms, max_ms } => match (ms, min_ms, max_ms) {
                (Some(ms), None, None) if *ms <= MAX_DELAY_MS => Ok(()),
                (None, Some(min), Some(max)) if min <= max && *max <= MAX_DELAY_MS => Ok(()),
                _ => Err(invalid(
                    "effect",
                    format!(
                        "a delay needs `ms`, or `min_ms` <= `max_ms`, all at most {MAX_DELAY_MS}"
                    ),
                )),
            },
            Effect::RateLimit { retry_after } if *retry_after > 86_400 => Err(invalid(
                "effect.retry_after",
                "must be at most 86400 seconds",
            )),
            _ => Ok(()),
        }
    }
}

/// A request as the fault rules see it.
pub struct Target<'a> {
    pub vendor: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub credential: Option<&'a str>,
    pub namespace: Option<&'a str>,
}

#[derive(Debug)]
struct Rule {
    id: u64,
    spec: RuleSpec,
    fired: u64,
    rng: StdRng,
}

impl Rule {
    fn matches(&self, target: &Target<'_>) -> bool {
        let spec = &self.spec;
        spec.vendor == target.vendor
            && spec
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(target.method))
            && spec
                .path
                .as_deref()
                .is_none_or(|p| glob_matches(p, target.path))
            && spec
                .tenant
                .as_deref()
                .is_none_or(|t| Some(t) == target.credential)
            && spec
                .namespace
                .as_deref()
                .is_none_or(|n| n == target.namespace.unwrap_or("default"))
            && spec.times.is_none_or(|times| self.fired < times)
    }

    fn action(&mut self) -> Action {
        match &self.spec.effect {
            Effect::Status { status, body } => Action::Respond {
                status: *status,
                body: body.clone(),
            },
            Effect::Delay { ms, min_ms, max_ms } => {
                let ms = match (ms, min_ms, max_ms) {
                    (Some(ms), _, _) => *ms,
                    (None, Some(min), Some(max)) => self.rng.random_range(*min..=*max),
                    _ => 0,
                };
                Action::Delay(Duration::from_millis(ms))
            }
            Effect::RateLimit { retry_after } => Action::RateLimit {
                retry_after: *retry_after,
            },
            Effect::Drop => Action::Drop,
        }
    }
}

/// A rule as `GET /__admin/faults` lists it.
#[derive(Debug, Serialize)]
pub struct RuleView {
    pub id: u64,
    #[serde(flatten)]
    pub spec: RuleSpec,
    pub fired: u64,
}

#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<(u64, Vec<Rule>)>,
}

impl Faults {
    pub fn add(&self, spec: RuleSpec) -> RuleView {
        let mut guard = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        let (next_id, rules) = &mut *guard;
        *next_id += 1;
        let rng = StdRng::seed_from_u64(spec.seed.unwrap_or(*next_id));
        rules.push(Rule {
            id: *next_id,
            spec: spec.clone(),
            fired: 0,
            rng,
        });
        RuleView {
            id: *next_id,
            spec,
            fired: 0,
        }
    }

    pub fn list(&self) -> Vec<RuleView> {
        let guard = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        guard
            .1
            .iter()
            .map(|rule| RuleView {
                id: rule.id,
                spec: rule.spec.clone(),
                fired: rule.fired,
            })
            .collect()
    }

    pub fn remove(&self, id: u64) -> bool {
        let mut guard = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        let before = guard.1.len();
        guard.1.retain(|rule| rule.id != id);
        guard.1.len() != before
    }

    pub fn clear(&self) {
        self.rules
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .clear();
    }

    /// The first matching rule that fires decides; a rule whose draw misses lets the next try.
    pub fn decide(&self, target: &Target<'_>) -> Option<Action> {
        let mut guard = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        for rule in guard.1.iter_mut().filter(|rule| rule.matches(target)) {
            let probability = rule.spec.probability;
            if probability >= 1.0 || rule.rng.random_bool(probability) {
                rule.fired += 1;
                return Some(rule.action());
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const VENDORS: &[&str] = &["autokonnect"];

    fn target(path: &str) -> Target<'_> {
        Target {
            vendor: "autokonnect",
            method: "GET",
            path,
            credential: Some("key"),
            namespace: None,
        }
    }

    #[test]
    fn a_rule_expires_after_its_times() {
        let faults = Faults::default();
        let spec = RuleSpec::parse(
            &json!({"vendor": "autokonnect", "times": 2,
            "effect": {"type": "status", "status": 503}}),
            VENDORS,
        )
        .unwrap();
        faults.add(spec);
        let fired = (0..5)
            .filter(|_| faults.decide(&target("/x")).is_some())
            .count();
        assert_eq!(fired, 2);
        assert_eq!(faults.list()[0].fired, 2);
    }

    #[test]
    fn the_same_seed_fires_on_the_same_requests() {
        let pattern = || {
            let faults = Faults::default();
            faults.add(
                RuleSpec::parse(
                    &json!({"vendor": "autokonnect", "probability": 0.5, "seed": 9,
                    "effect": {"type": "drop"}}),
                    VENDORS,
                )
                .unwrap(),
            );
            (0..64)
                .map(|_| faults.decide(&target("/x")).is_some())
                .collect::<Vec<_>>()
        };
        let first = pattern();
        assert_eq!(first, pattern());
        let hits = first.iter().filter(|hit| **hit).count();
        assert!((16..=48).contains(&hits), "{hits} of 64");
    }

    #[test]
    fn rules_stay_inside_their_match() {
        let faults = Faults::default();
        faults.add(
            RuleSpec::parse(
                &json!({"vendor": "autokonnect", "path": "/api/v1/contacts/tags",
                "method": "get", "tenant": "key", "namespace": "default",
                "effect": {"type": "rate_limit", "retry_after": 7}}),
                VENDORS,
            )
            .unwrap(),
        );
        assert_eq!(faults.decide(&target("/api/v1/contacts")), None);
        assert_eq!(
            faults.decide(&target("/api/v1/contacts/tags")),
            Some(Action::RateLimit { retry_after: 7 })
        );
        let other_tenant = Target {
            credential: Some("other"),
            ..target("/api/v1/contacts/tags")
        };
        assert_eq!(faults.decide(&other_tenant), None);
        let other_namespace = Target {
            namespace: Some("n1"),
            ..target("/api/v1/contacts/tags")
        };
        assert_eq!(faults.decide(&other_namespace), None);
    }

    #[test]
    fn invalid_rules_name_the_field() {
        for (rule, field) in [
            (
                json!({"vendor": "acme", "effect": {"type": "drop"}}),
                "vendor",
            ),
            (
                json!({"vendor": "autokonnect", "effect": {"type": "status", "status": 42}}),
                "effect.status",
            ),
            (
                json!({"vendor": "autokonnect", "probability": 2, "effect": {"type": "drop"}}),
                "probability",
            ),
            (
                json!({"vendor": "autokonnect", "effect": {"type": "delay"}}),
                "effect",
            ),
            (
                json!({"vendor": "autokonnect", "effect": {"type": "explode"}}),
                "effect.type",
            ),
            (json!({"vendor": "autokonnect"}), "body"),
            (
                json!({"vendor": "autokonnect", "times": 0, "effect": {"type": "drop"}}),
                "times",
            ),
        ] {
            let error = RuleSpec::parse(&rule, VENDORS).unwrap_err();
            assert_eq!(error.field, field, "{rule}: {error}");
        }
    }
}
