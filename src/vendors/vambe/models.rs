//! Vambe's wire types and the typed parameters of "Get contacts by time filters".

use serde::Serialize;

use super::error;
use crate::contract::FieldError;
use crate::http::query::QueryPairs;
use crate::time::{Precision, TimeFormat};

/// `2024-09-30T10:00:00.000Z`: UTC, always with milliseconds.
pub const TIMESTAMPS: TimeFormat = TimeFormat::new(Precision::Millis, true);
use crate::time::Millis;

pub const DAYS_MAX: i64 = 365;
pub const DEFAULT_LIMIT: u64 = 100;
pub const LIMIT_MAX: u64 = 1000;
pub const DEFAULT_OFFSET: u64 = 0;

/// The channels a contact can come from (the vendor's list, in `openapi/vambe.yaml`).
pub const PLATFORMS: &[&str] = &[
    "whatsapp",
    "web-whatsapp",
    "instagram",
    "messenger",
    "webchat",
    "sms",
    "playground",
];

/// The chat statuses the mock knows (Choice: the three the vendor names).
pub const CHAT_STATUSES: &[&str] = &["UNATTENDED", "ATTENDED", "CLOSED"];

/// Whose custom fields the custom-field filter looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityType {
    Ticket,
    Customer,
}

impl EntityType {
    /// The value stored beside each custom field.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ticket => "ticket",
            Self::Customer => "customer",
        }
    }
}

/// `custom_field_key` = `custom_field_value`, on `entity` or (without it) on either entity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomFieldFilter {
    pub key: String,
    pub value: String,
    pub entity: Option<EntityType>,
}

/// How the page is ordered; decided by which time filters were sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Order {
    /// `updated_at` ascending: whenever `updated_after` is sent (it wins over `created_after`).
    UpdatedAsc,
    /// `created_at` ascending: `created_after` without `updated_after`.
    CreatedAsc,
    /// `last_message_at` descending: `days` only.
    LastMessageDesc,
}

/// The query of `GET /api/public/contacts`, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListParams {
    /// Contacts whose `last_message_at` is at or after this instant (now minus `days` days).
    pub last_message_since: Option<Millis>,
    pub created_after: Option<Millis>,
    pub updated_after: Option<Millis>,
    pub limit: u64,
    pub offset: u64,
    /// Lower-cased, as ids are stored.
    pub stage_id: Option<String>,
    pub pipeline_id: Option<String>,
    pub custom_field: Option<CustomFieldFilter>,
}

impl ListParams {
    /// Parses the query, collecting every failing parameter rather than the first; `now` is
    /// asked only by `days` (so a list without it does not depend on the clock). A parameter
    /// sent with an empty value counts as sent (and fails its check), as in the vendor's
    /// validator.
    pub fn parse(
        query: &QueryPairs,
        now: impl FnOnce() -> Millis,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let days = keep(&mut errors, parse_days(query.get("days")));
        let created_after = keep(
            &mut errors,
            parse_instant(
                query.get("created_after"),
                FieldError::new("created_after", error::CREATED_AFTER_FORMAT),
            ),
        );
        let updated_after = keep(
            &mut errors,
            parse_instant(
                query.get("updated_after"),
                FieldError::new("updated_after", error::UPDATED_AFTER_FORMAT),
            ),
        );
        let any_time_filter = ["days", "created_after", "updated_after"]
            .iter()
            .any(|key| query.get(key).is_some());
        if !any_time_filter {
            errors.push(FieldError::new(
                error::TIME_FILTER_FIELD,
                error::TIME_FILTER_REQUIRED,
            ));
        }
        let limit = keep(&mut errors, parse_limit(query.get("limit")));
        let offset = keep(&mut errors, parse_offset(query.get("offset")));
        let stage_id = keep(
            &mut errors,
            parse_uuid(
                query.get("stage_id"),
                FieldError::new("stage_id", error::STAGE_ID_FORMAT),
            ),
        );
        let pipeline_id = keep(
            &mut errors,
            parse_uuid(
                query.get("pipeline_id"),
                FieldError::new("pipeline_id", error::PIPELINE_ID_FORMAT),
            ),
        );
        let (key, value) = (
            query.get("custom_field_key"),
            query.get("custom_field_value"),
        );
        let custom_key = keep(
            &mut errors,
            parse_pair_half(
                key,
                value,
                FieldError::new("custom_field_key", error::CUSTOM_FIELD_KEY_EMPTY),
                FieldError::new("custom_field_key", error::CUSTOM_FIELD_KEY_REQUIRED),
            ),
        );
        let custom_value = keep(
            &mut errors,
            parse_pair_half(
                value,
                key,
                FieldError::new("custom_field_value", error::CUSTOM_FIELD_VALUE_EMPTY),
                FieldError::new("custom_field_value", error::CUSTOM_FIELD_VALUE_REQUIRED),
            ),
        );
        let entity = keep(&mut errors, parse_entity_type(query.get("entity_type")));
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            last_message_since: days.map(|days| now().minus_days(days)),
            created_after,
            updated_after,
            limit: limit.unwrap_or(DEFAULT_LIMIT),
            offset: offset.unwrap_or(DEFAULT_OFFSET),
            stage_id,
            pipeline_id,
            // Choice: `entity_type` without the pair is validated, then ignored ("only applies
            // when custom_field_key and custom_field_value are provided").
            custom_field: custom_key
                .zip(custom_value)
                .map(|(key, value)| CustomFieldFilter { key, value, entity }),
        })
    }

    pub fn order(&self) -> Order {
        match (self.updated_after, self.created_after) {
            (Some(_), _) => Order::UpdatedAsc,
            (None, Some(_)) => Order::CreatedAsc,
            (None, None) => Order::LastMessageDesc,
        }
    }

    /// Whether each contact's active ticket also names its stage (`current_stage`).
    pub fn shows_current_stage(&self) -> bool {
        self.pipeline_id.is_some()
    }
}

/// The parsed value of an optional parameter, its error (if any) noted in `errors`.
fn keep<T>(errors: &mut Vec<FieldError>, result: Result<Option<T>, FieldError>) -> Option<T> {
    result.unwrap_or_else(|error| {
        errors.push(error);
        None
    })
}

/// A whole number in `min..=max` written as plain decimal digits (a leading `-` allowed, so a
/// negative number fails the range, not the syntax); anything else is `None`.
fn integer_in(text: &str, min: i64, max: i64) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse::<i64>()
        .ok()
        .filter(|value| (min..=max).contains(value))
}

fn parse_days(text: Option<&str>) -> Result<Option<i64>, FieldError> {
    text.map(|text| integer_in(text, 1, DAYS_MAX).ok_or(FieldError::new("days", error::DAYS_RANGE)))
        .transpose()
}

fn parse_limit(text: Option<&str>) -> Result<Option<u64>, FieldError> {
    text.map(|text| {
        integer_in(text, 1, LIMIT_MAX as i64)
            .map(|limit| limit as u64)
            .ok_or(FieldError::new("limit", error::LIMIT_RANGE))
    })
    .transpose()
}

fn parse_offset(text: Option<&str>) -> Result<Option<u64>, FieldError> {
    text.map(|text| {
        integer_in(text, 0, i64::MAX)
            .map(|offset| offset as u64)
            .ok_or(FieldError::new("offset", error::OFFSET_RANGE))
    })
    .transpose()
}

fn parse_instant(text: Option<&str>, failure: FieldError) -> Result<Option<Millis>, FieldError> {
    text.map(|text| Millis::parse(text).ok_or(failure))
        .transpose()
}

fn parse_uuid(text: Option<&str>, failure: FieldError) -> Result<Option<String>, FieldError> {
    text.map(|text| {
        is_vambe_uuid(text)
            .then(|| text.to_ascii_lowercase())
            .ok_or(failure)
    })
    .transpose()
}

/// One half of the custom-field pair: present and non-empty, and its partner sent too.
fn parse_pair_half(
    text: Option<&str>,
    partner: Option<&str>,
    empty: FieldError,
    missing: FieldError,
) -> Result<Option<String>, FieldError> {
    match (text, partner) {
        (Some(""), _) => Err(empty),
        (Some(text), Some(_)) => Ok(Some(text.to_owned())),
        (None, Some(_)) => Err(missing),
        (Some(_), None) | (None, None) => Ok(None),
    }
}

fn parse_entity_type(text: Option<&str>) -> Result<Option<EntityType>, FieldError> {
    text.map(|text| match text {
        "ticket" => Ok(EntityType::Ticket),
        "customer" => Ok(EntityType::Customer),
        _ => Err(FieldError::new("entity_type", error::ENTITY_TYPE_VALUES)),
    })
    .transpose()
}

/// The vendor's UUID pattern, checked by hand:
/// `^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$`
pub fn is_vambe_uuid(text: &str) -> bool {
    if text == "00000000-0000-0000-0000-000000000000"
        || text == "ffffffff-ffff-ffff-ffff-ffffffffffff"
    {
        return true;
    }
    let groups: Vec<&str> = text.split('-').collect();
    let [a, b, c, d, e] = groups.as_slice() else {
        return false;
    };
    let hex = |group: &str, len: usize| {
        group.len() == len && group.bytes().all(|byte| byte.is_ascii_hexdigit())
    };
    hex(a, 8)
        && hex(b, 4)
        && hex(c, 4)
        && hex(d, 4)
        && hex(e, 12)
        && matches!(c.as_bytes()[0], b'1'..=b'8')
        && matches!(d.as_bytes()[0], b'8' | b'9' | b'a' | b'b' | b'A' | b'B')
}

/// A contact as the list returns it (the vendor's example, field for field).
#[derive(Debug, Serialize)]
pub struct Contact {
    pub id: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub platform: String,
    pub last_message_at: String,
    pub chat_status: String,
    pub created_at: String,
    pub updated_at: String,
    pub client_id: String,
    pub ai_customer_id: String,
    pub default_stage_id: String,
    pub blocked: bool,
    pub is_chat_read: bool,
    pub active_ticket_v2: Option<ActiveTicket>,
}

/// The contact's open ticket and the pipeline stage it sits in.
#[derive(Debug, Serialize)]
pub struct ActiveTicket {
    pub id: String,
    pub current_stage_id: String,
    /// Only when the request filters by `pipeline_id`, as public clients observe.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_stage: Option<StageRef>,
}

#[derive(Debug, Serialize)]
pub struct StageRef {
    pub id: String,
    pub name: String,
}

/// A pipeline as `GET /api/public/pipeline` lists it, with its stages in order.
#[derive(Debug, Serialize)]
pub struct Pipeline {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub stages: Vec<Stage>,
}

/// A stage of a pipeline.
#[derive(Debug, Serialize)]
pub struct Stage {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Millis = Millis(1_768_478_400_000); // 2026-01-15T12:00:00Z

    fn parse(query: &str) -> Result<ListParams, Vec<FieldError>> {
        ListParams::parse(&QueryPairs::parse(query), || NOW)
    }

    fn fields(query: &str) -> Vec<&'static str> {
        parse(query)
            .expect_err("invalid")
            .iter()
            .map(|error| error.field)
            .collect()
    }

    #[test]
    fn defaults_apply_when_absent() {
        let params = parse("days=7").expect("valid");
        assert_eq!((params.limit, params.offset), (100, 0));
        assert_eq!(params.last_message_since, Some(NOW.minus_days(7)));
        assert_eq!(params.order(), Order::LastMessageDesc);
    }

    #[test]
    fn ranges_are_inclusive() {
        for ok in [
            "days=1",
            "days=365",
            "days=1&limit=1",
            "days=1&limit=1000&offset=0",
        ] {
            assert!(parse(ok).is_ok(), "{ok}");
        }
        for (bad, field) in [
            ("days=0", "days"),
            ("days=366", "days"),
            ("days=1.5", "days"),
            ("days=", "days"),
            ("days=1&limit=0", "limit"),
            ("days=1&limit=1001", "limit"),
            ("days=1&limit=abc", "limit"),
            ("days=1&offset=-1", "offset"),
            ("days=1&offset=99999999999999999999999", "offset"),
            ("days=+7", "days"),
            ("days=%207", "days"),
            ("days=1&limit=1e2", "limit"),
        ] {
            assert_eq!(fields(bad), [field], "{bad}");
        }
    }

    #[test]
    fn every_failing_field_is_listed_in_parameter_order() {
        assert_eq!(
            fields("limit=0&offset=-1&stage_id=x&pipeline_id=y&custom_field_key=k&entity_type=z"),
            [
                "time_filter",
                "limit",
                "offset",
                "stage_id",
                "pipeline_id",
                "custom_field_value",
                "entity_type"
            ]
        );
    }

    #[test]
    fn updated_after_wins_the_order() {
        let both = "created_after=2025-01-01T00:00:00Z&updated_after=2025-01-01T00:00:00Z";
        assert_eq!(parse(both).unwrap().order(), Order::UpdatedAsc);
        let created = "days=3&created_after=2025-01-01T00:00:00Z";
        assert_eq!(parse(created).unwrap().order(), Order::CreatedAsc);
    }

    #[test]
    fn the_custom_field_pair_goes_together() {
        assert_eq!(fields("days=1&custom_field_value=v"), ["custom_field_key"]);
        assert_eq!(
            fields("days=1&custom_field_key=&custom_field_value="),
            ["custom_field_key", "custom_field_value"]
        );
        let params = parse("days=1&custom_field_key=k&custom_field_value=v&entity_type=ticket")
            .expect("valid");
        assert_eq!(
            params.custom_field,
            Some(CustomFieldFilter {
                key: "k".into(),
                value: "v".into(),
                entity: Some(EntityType::Ticket)
            })
        );
        assert_eq!(
            parse("days=1&entity_type=customer").unwrap().custom_field,
            None
        );
    }

    #[test]
    fn uuids_follow_the_vendors_pattern() {
        for ok in [
            "123e4567-e89b-12d3-a456-426614174000",
            "DF980FC8-B6DB-4820-BF22-2969482D106D",
            "00000000-0000-0000-0000-000000000000",
            "ffffffff-ffff-ffff-ffff-ffffffffffff",
        ] {
            assert!(is_vambe_uuid(ok), "{ok}");
        }
        for bad in [
            "",
            "123e4567-e89b-02d3-a456-426614174000", // version 0
            "123e4567-e89b-92d3-a456-426614174000", // version 9
            "123e4567-e89b-12d3-c456-426614174000", // variant c
            "123e4567e89b12d3a456426614174000",
            "123e4567-e89b-12d3-a456-42661417400",
            "123e4567-e89b-12d3-a456-4266141740000",
            "123e4567-e89b-12d3-a456-42661417400g",
            "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
            "123e4567-e89b-12d3-a456-426614174000\n",
            " 123e4567-e89b-12d3-a456-426614174000",
            "+23e4567-e89b-12d3-a456-426614174000",
        ] {
            assert!(!is_vambe_uuid(bad), "{bad:?}");
        }
    }

    #[test]
    fn ids_are_compared_lower_case() {
        let params = parse("days=1&stage_id=DF980FC8-B6DB-4820-BF22-2969482D106D").unwrap();
        assert_eq!(
            params.stage_id.as_deref(),
            Some("df980fc8-b6db-4820-bf22-2969482d106d")
        );
    }
}
