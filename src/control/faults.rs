//! Fault injection: rules that make a vendor fail on purpose, matched per request.
//!
//! Every vendor request consults the rules, so matching must stay cheap whatever a test posts:
//! at most [`MAX_RULES`] rules, each path glob compiled once (linear-time matching, see
//! [`Glob`]), and the list kept as an immutable snapshot that a request takes with one brief
//! read lock and then matches with no lock held. Counts are atomics; a rule's random draws take
//! that rule's own lock only.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::control::glob::Glob;

/// The longest delay a rule may ask for.
pub const MAX_DELAY_MS: u64 = 60_000;
/// How many rules may exist at once.
pub const MAX_RULES: usize = 1_000;

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
    #[serde(
        default,
        deserialize_with = "whole::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub seed: Option<u64>,
    /// Fire at most this many times, then expire; without it, until removed.
    #[serde(
        default,
        deserialize_with = "whole::optional",
        skip_serializing_if = "Option::is_none"
    )]
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
        #[serde(deserialize_with = "whole::number")]
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<Value>,
    },
    /// Wait `ms`, or a uniform random time in `min_ms..=max_ms`, then answer normally.
    Delay {
        #[serde(
            default,
            deserialize_with = "whole::optional",
            skip_serializing_if = "Option::is_none"
        )]
        ms: Option<u64>,
        #[serde(
            default,
            deserialize_with = "whole::optional",
            skip_serializing_if = "Option::is_none"
        )]
        min_ms: Option<u64>,
        #[serde(
            default,
            deserialize_with = "whole::optional",
            skip_serializing_if = "Option::is_none"
        )]
        max_ms: Option<u64>,
    },
    /// Answer 429 in the vendor's shape with `Retry-After: retry_after`.
    RateLimit {
        #[serde(default = "one_second", deserialize_with = "whole::number")]
        retry_after: u64,
    },
    /// Close the connection without an answer. (A struct variant, so that unknown fields are
    /// refused as they are for the others.)
    Drop {},
}

fn one_second() -> u64 {
    1
}

/// Whole numbers written either way JSON allows, `5` or `5.0`: JSON Schema's `integer` (the
/// admin API's OpenAPI document) takes both, and so do clients that hold numbers as floats.
mod whole {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer};

    /// 2^64: the first whole number past `u64`, exactly a float.
    const PAST_U64: f64 = 18_446_744_073_709_551_616.0;

    pub fn number<'de, D, T>(deserializer: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: TryFrom<u64>,
    {
        let number = serde_json::Number::deserialize(deserializer)?;
        let whole = number.as_u64().or_else(|| {
            number
                .as_f64()
                .filter(|f| f.fract() == 0.0 && (0.0..PAST_U64).contains(f))
                .map(|f| f as u64)
        });
        whole
            .and_then(|whole| T::try_from(whole).ok())
            .ok_or_else(|| D::Error::custom(format!("`{number}` is not a whole number in range")))
    }

    pub fn optional<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: TryFrom<u64>,
    {
        #[derive(Deserialize)]
        struct Whole<T: TryFrom<u64>>(#[serde(deserialize_with = "number")] T);
        Ok(Option::<Whole<T>>::deserialize(deserializer)?.map(|Whole(value)| value))
    }
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

/// A checked rule, its path glob compiled, ready for [`Faults::add`].
#[derive(Debug)]
pub struct ParsedRule {
    spec: RuleSpec,
    path: Option<Glob>,
}

impl RuleSpec {
    /// Parses and checks a posted rule; `vendors` are the slugs it may name.
    pub fn parse(body: &Value, vendors: &[&str]) -> Result<ParsedRule, RuleError> {
        let spec: Self = serde_path_to_error::deserialize(body).map_err(|error| {
            let field = error.path().to_string();
            invalid(
                if field == "." { "body" } else { &field },
                error.into_inner().to_string(),
            )
        })?;
        spec.check(vendors)?;
        let path = spec
            .path
            .as_deref()
            .map(Glob::new)
            .transpose()
            .map_err(|error| invalid("path", error.to_string()))?;
        Ok(ParsedRule { spec, path })
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

/// The rule list is full: the 1,001st rule.
#[derive(Debug, thiserror::Error)]
#[error(
    "at most {MAX_RULES} fault rules may exist at once; remove some first \
     (DELETE /__admin/faults/<id>, or DELETE /__admin/faults for all)"
)]
pub struct TooManyRules;

#[derive(Debug)]
struct Rule {
    id: u64,
    spec: RuleSpec,
    path: Option<Glob>,
    fired: AtomicU64,
    rng: Mutex<StdRng>,
}

impl Rule {
    /// Whether the rule applies to `target` and may still fire.
    fn matches(&self, target: &Target<'_>) -> bool {
        let spec = &self.spec;
        spec.vendor == target.vendor
            && spec
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(target.method))
            && spec
                .tenant
                .as_deref()
                .is_none_or(|t| Some(t) == target.credential)
            && spec
                .namespace
                .as_deref()
                .is_none_or(|n| n == target.namespace.unwrap_or("default"))
            && self.has_firings_left()
            // The glob last: it is the costliest test.
            && self.path.as_ref().is_none_or(|glob| glob.is_match(target.path))
    }

    fn has_firings_left(&self) -> bool {
        let fired = self.fired.load(Ordering::Acquire);
        self.spec.times.is_none_or(|times| fired < times)
    }

    /// Whether this request is among the `probability` share that the rule affects.
    fn draws_a_hit(&self) -> bool {
        let probability = self.spec.probability;
        probability >= 1.0 || self.rng().random_bool(probability)
    }

    /// Counts a firing; `false` when another request took the last one first.
    fn fire(&self) -> bool {
        let times = self.spec.times;
        self.fired
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |fired| {
                times.is_none_or(|times| fired < times).then_some(fired + 1)
            })
            .is_ok()
    }

    fn action(&self) -> Action {
        match &self.spec.effect {
            Effect::Status { status, body } => Action::Respond {
                status: *status,
                body: body.clone(),
            },
            Effect::Delay { ms, min_ms, max_ms } => {
                let ms = match (ms, min_ms, max_ms) {
                    (Some(ms), _, _) => *ms,
                    (None, Some(min), Some(max)) => self.rng().random_range(*min..=*max),
                    _ => 0,
                };
                Action::Delay(Duration::from_millis(ms))
            }
            Effect::RateLimit { retry_after } => Action::RateLimit {
                retry_after: *retry_after,
            },
            Effect::Drop {} => Action::Drop,
        }
    }

    fn rng(&self) -> MutexGuard<'_, StdRng> {
        // A draw cannot leave the generator half-updated; a poisoned lock is still usable.
        self.rng.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn view(&self) -> RuleView {
        RuleView {
            id: self.id,
            spec: self.spec.clone(),
            fired: self.fired.load(Ordering::Acquire),
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

/// The rules, in the order they were added.
#[derive(Debug, Default)]
pub struct Faults {
    /// Replaced whole on every change, never changed in place.
    rules: RwLock<Arc<Vec<Arc<Rule>>>>,
    /// Serialises changes (add, remove, clear), so none is lost between reading the list and
    /// replacing it; requests never take it.
    changing: Mutex<u64>,
}

impl Faults {
    /// Adds a rule at the end of the list; refused when [`MAX_RULES`] exist.
    pub fn add(&self, parsed: ParsedRule) -> Result<RuleView, TooManyRules> {
        let mut next_id = lock(&self.changing);
        let current = self.snapshot();
        if current.len() >= MAX_RULES {
            return Err(TooManyRules);
        }
        *next_id += 1;
        let ParsedRule { spec, path } = parsed;
        let rule = Arc::new(Rule {
            id: *next_id,
            rng: Mutex::new(StdRng::seed_from_u64(spec.seed.unwrap_or(*next_id))),
            spec,
            path,
            fired: AtomicU64::new(0),
        });
        let view = rule.view();
        let mut rules = Vec::with_capacity(current.len() + 1);
        rules.extend(current.iter().cloned());
        rules.push(rule);
        self.replace(rules);
        Ok(view)
    }

    pub fn list(&self) -> Vec<RuleView> {
        self.snapshot().iter().map(|rule| rule.view()).collect()
    }

    pub fn remove(&self, id: u64) -> bool {
        let _changing = lock(&self.changing);
        let current = self.snapshot();
        let rules: Vec<Arc<Rule>> = current
            .iter()
            .filter(|rule| rule.id != id)
            .cloned()
            .collect();
        let removed = rules.len() != current.len();
        if removed {
            self.replace(rules);
        }
        removed
    }

    pub fn clear(&self) {
        let _changing = lock(&self.changing);
        self.replace(Vec::new());
    }

    /// Whether there are no rules: then no request needs [`Faults::decide`].
    pub fn is_empty(&self) -> bool {
        self.rules
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    /// The first matching rule that fires decides; a rule whose draw misses lets the next try.
    pub fn decide(&self, target: &Target<'_>) -> Option<Action> {
        let rules = self.snapshot();
        rules
            .iter()
            .filter(|rule| rule.matches(target))
            .find(|rule| rule.draws_a_hit() && rule.fire())
            .map(|rule| rule.action())
    }

    /// The current list: one brief read lock to clone an `Arc`.
    fn snapshot(&self) -> Arc<Vec<Arc<Rule>>> {
        self.rules.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn replace(&self, rules: Vec<Arc<Rule>>) {
        *self.rules.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(rules);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded values are replaced whole, never left half-changed by a panic.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
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

    fn parse_error(body: Value) -> String {
        RuleSpec::parse(&body, VENDORS).unwrap_err().to_string()
    }

    #[test]
    fn whole_numbers_may_be_written_as_floats_but_fractions_and_overflows_are_refused() {
        let rule = json!({"vendor": "autokonnect", "times": 2.0, "seed": 7.0,
            "effect": {"type": "delay", "min_ms": 10.0, "max_ms": 20}});
        let parsed = RuleSpec::parse(&rule, VENDORS).unwrap();
        assert_eq!(parsed.spec.times, Some(2));
        assert_eq!(parsed.spec.seed, Some(7));
        assert_eq!(
            parse_error(json!({"vendor": "autokonnect", "times": 2.5, "effect": {"type": "drop"}})),
            "times: `2.5` is not a whole number in range"
        );
        assert_eq!(
            parse_error(json!({"vendor": "autokonnect",
                "effect": {"type": "status", "status": 70000}})),
            "effect: `70000` is not a whole number in range"
        );
        assert_eq!(
            parse_error(
                json!({"vendor": "autokonnect", "seed": 18_446_744_073_709_551_616.0_f64,
                "effect": {"type": "drop"}})
            ),
            "seed: `1.8446744073709552e+19` is not a whole number in range"
        );
        let null_is_absent = json!({"vendor": "autokonnect", "times": null,
            "effect": {"type": "delay", "ms": 5, "min_ms": null}});
        assert!(RuleSpec::parse(&null_is_absent, VENDORS).is_ok());
    }

    #[test]
    fn every_effect_refuses_unknown_fields() {
        for effect in [
            json!({"type": "drop", "extra": 1}),
            json!({"type": "rate_limit", "extra": 1}),
            json!({"type": "status", "status": 500, "extra": 1}),
        ] {
            let error = parse_error(json!({"vendor": "autokonnect", "effect": effect}));
            assert!(error.contains("unknown field `extra`"), "{error}");
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
        faults.add(spec).unwrap();
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
            faults
                .add(
                    RuleSpec::parse(
                        &json!({"vendor": "autokonnect", "probability": 0.5, "seed": 9,
                    "effect": {"type": "drop"}}),
                        VENDORS,
                    )
                    .unwrap(),
                )
                .unwrap();
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
        faults
            .add(
                RuleSpec::parse(
                    &json!({"vendor": "autokonnect", "path": "/api/v1/contacts/tags",
                "method": "get", "tenant": "key", "namespace": "default",
                "effect": {"type": "rate_limit", "retry_after": 7}}),
                    VENDORS,
                )
                .unwrap(),
            )
            .unwrap();
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

    fn drop_rule() -> ParsedRule {
        RuleSpec::parse(
            &json!({"vendor": "autokonnect", "effect": {"type": "drop"}}),
            VENDORS,
        )
        .unwrap()
    }

    #[test]
    fn the_rule_after_the_cap_is_refused_and_removing_one_makes_room() {
        let faults = Faults::default();
        for _ in 0..MAX_RULES {
            faults.add(drop_rule()).unwrap();
        }
        let refused = faults.add(drop_rule()).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "at most 1000 fault rules may exist at once; remove some first \
             (DELETE /__admin/faults/<id>, or DELETE /__admin/faults for all)"
        );
        assert!(faults.remove(1));
        assert_eq!(faults.add(drop_rule()).unwrap().id, MAX_RULES as u64 + 1);
        assert_eq!(faults.list().len(), MAX_RULES);
    }

    #[test]
    fn a_long_path_glob_is_refused_naming_the_field() {
        let path = format!("/{}", "a".repeat(600));
        let error = RuleSpec::parse(
            &json!({"vendor": "autokonnect", "path": path,
            "effect": {"type": "drop"}}),
            VENDORS,
        )
        .unwrap_err();
        assert_eq!(error.to_string(), "path: must be at most 512 bytes");
    }

    #[test]
    fn a_rule_fires_exactly_its_times_under_concurrent_requests() {
        let faults = Arc::new(Faults::default());
        faults
            .add(
                RuleSpec::parse(
                    &json!({"vendor": "autokonnect", "times": 50,
                    "effect": {"type": "drop"}}),
                    VENDORS,
                )
                .unwrap(),
            )
            .unwrap();
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let faults = faults.clone();
                std::thread::spawn(move || {
                    (0..100)
                        .filter(|_| faults.decide(&target("/x")).is_some())
                        .count()
                })
            })
            .collect();
        let fired: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(fired, 50);
        assert_eq!(faults.list()[0].fired, 50);
    }

    #[test]
    fn the_path_glob_is_compiled_when_the_rule_is_added() {
        let parsed = RuleSpec::parse(
            &json!({"vendor": "autokonnect", "path": "/api/*/tags",
            "effect": {"type": "drop"}}),
            VENDORS,
        )
        .unwrap();
        assert_eq!(
            parsed.path.as_ref().map(Glob::compiled),
            Some(r"^(?s:/api/.*/tags)$")
        );
    }
}
