//! Instants as stored (integer milliseconds since the Unix epoch, UTC), their parsing, and
//! [`TimeFormat`]: the ways an API may render them. Each vendor declares its own format.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Deserializer};

/// A UTC instant with millisecond precision: what the store keeps and filters compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Millis(pub i64);

/// How an API renders an instant: its precision and how it writes UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeFormat {
    /// Fractional seconds: none, always milliseconds, or milliseconds only when there are any.
    pub precision: Precision,
    /// `Z` when true, `+00:00` otherwise.
    pub zulu: bool,
}

/// The fractional seconds a [`TimeFormat`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// `10:00:00`
    Seconds,
    /// `10:00:00.000`
    Millis,
    /// `10:00:00`, or `10:00:00.250` when the instant has milliseconds.
    MillisWhenAny,
}

impl TimeFormat {
    pub const fn new(precision: Precision, zulu: bool) -> Self {
        Self { precision, zulu }
    }

    pub fn render(self, at: Millis) -> String {
        let digits = match self.precision {
            Precision::Seconds => SecondsFormat::Secs,
            Precision::Millis => SecondsFormat::Millis,
            Precision::MillisWhenAny => SecondsFormat::AutoSi,
        };
        at.to_datetime().to_rfc3339_opts(digits, self.zulu)
    }
}

/// How Understudy renders instants in its own admin API: `2026-01-15T12:00:00.000Z`.
pub const ADMIN_TIME: TimeFormat = TimeFormat::new(Precision::Millis, true);

impl Millis {
    pub fn from_datetime<Tz: TimeZone>(at: DateTime<Tz>) -> Self {
        Self(at.timestamp_millis())
    }

    /// Parses any RFC 3339 / ISO 8601 timestamp with an offset (`Z`, `+05:30`, …).
    pub fn parse(text: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(text.trim())
            .ok()
            .map(Self::from_datetime)
    }

    pub fn to_datetime(self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.0)
            .single()
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// The start of the second this instant falls in.
    pub fn floor_to_second(self) -> Self {
        Self(self.0.div_euclid(1000) * 1000)
    }

    pub fn minus_days(self, days: i64) -> Self {
        Self(self.0.saturating_sub(days.saturating_mul(86_400_000)))
    }
}

/// In a seed's JSON Schema: an RFC 3339 timestamp with its offset.
impl schemars::JsonSchema for Millis {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date-time",
            "description": "An ISO 8601 / RFC 3339 timestamp with a time zone, e.g. 2025-11-08T05:39:17+00:00",
        })
    }
}

impl<'de> Deserialize<'de> for Millis {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{text}` is not an ISO 8601 timestamp with a time zone"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_compared_as_instants() {
        let a = Millis::parse("2025-11-08T05:39:17+00:00").unwrap();
        let b = Millis::parse("2025-11-08T11:09:17+05:30").unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn renders_every_precision_with_either_utc_spelling() {
        let at = Millis::parse("2025-08-01T10:00:00Z").unwrap();
        let with_millis = Millis(at.0 + 250);
        let render = |precision, zulu, at| TimeFormat::new(precision, zulu).render(at);
        assert_eq!(
            render(Precision::Millis, true, at),
            "2025-08-01T10:00:00.000Z"
        );
        assert_eq!(
            render(Precision::Seconds, false, at),
            "2025-08-01T10:00:00+00:00"
        );
        assert_eq!(
            render(Precision::MillisWhenAny, true, at),
            "2025-08-01T10:00:00Z"
        );
        assert_eq!(
            render(Precision::MillisWhenAny, true, with_millis),
            "2025-08-01T10:00:00.250Z"
        );
    }

    #[test]
    fn rejects_timestamps_without_zone() {
        assert_eq!(Millis::parse("2025-08-01T10:00:00"), None);
        assert_eq!(Millis::parse("yesterday"), None);
    }
}
