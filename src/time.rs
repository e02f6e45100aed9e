//! Instants as stored (integer milliseconds since the Unix epoch, UTC) and their parsing.
//! Each vendor renders them in its own format through one helper of its own.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Deserializer};

/// A UTC instant with millisecond precision: what the store keeps and filters compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Millis(pub i64);

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

    /// `2025-08-01T10:00:00.000Z`
    pub fn to_millis_z(self) -> String {
        self.to_datetime()
            .to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    /// `2025-11-08T05:39:17+00:00`
    pub fn to_seconds_offset(self) -> String {
        self.to_datetime()
            .to_rfc3339_opts(SecondsFormat::Secs, false)
    }

    /// `2025-11-08T05:39:17Z`, or with milliseconds when the instant has any.
    pub fn to_rfc3339_z(self) -> String {
        self.to_datetime()
            .to_rfc3339_opts(SecondsFormat::AutoSi, true)
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
    fn renders_each_vendor_format() {
        let at = Millis::parse("2025-08-01T10:00:00Z").unwrap();
        assert_eq!(at.to_millis_z(), "2025-08-01T10:00:00.000Z");
        assert_eq!(at.to_seconds_offset(), "2025-08-01T10:00:00+00:00");
        assert_eq!(at.to_rfc3339_z(), "2025-08-01T10:00:00Z");
    }

    #[test]
    fn rejects_timestamps_without_zone() {
        assert_eq!(Millis::parse("2025-08-01T10:00:00"), None);
        assert_eq!(Millis::parse("yesterday"), None);
    }
}
