//! AgentClara's wire types, and the typed query parameters and bodies parsed from requests with
//! the vendor's wording on failure (one parser per parameter, its range next to it).

use serde::Serialize;
use serde_json::{Map, Value};

use super::Error;
use super::error::{
    BODY_NOT_OBJECT, CUSTOM_FIELDS_INVALID, EMAIL_INVALID, LIMIT_INVALID, NAME_INVALID,
    NAME_REQUIRED, OFFSET_INVALID, PHONE_INVALID, QUERY_REQUIRED, SORT_INVALID, TAGS_INVALID,
};
use crate::http::pagination::Window;
use crate::http::query::QueryPairs;
use crate::kit;
use crate::time::{Precision, TimeFormat};

/// RFC 3339 in UTC with `Z`, milliseconds only when an instant has any:
/// `2025-11-02T09:15:00Z`.
pub const TIMESTAMPS: TimeFormat = TimeFormat::new(Precision::MillisWhenAny, true);

pub const MAX_LIMIT: u64 = 100;
pub const DEFAULT_LIST_LIMIT: u64 = 25;
pub const DEFAULT_SEARCH_LIMIT: u64 = 10;
pub const DEFAULT_CONVERSATIONS_LIMIT: u64 = 25;

/// `{"success":true,"data":…}`.
#[derive(Debug, Serialize)]
pub struct Envelope<T> {
    pub success: bool,
    pub data: T,
}

impl<T> Envelope<T> {
    pub fn new(data: T) -> Self {
        Self {
            success: true,
            data,
        }
    }
}

/// A contact as list and search return it (no `custom_fields`, no `conversation_count`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactSummary {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub tags: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub last_conversation: Option<String>,
}

/// A contact as get, create and update return it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contact {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub tags: Vec<String>,
    pub custom_fields: Map<String, Value>,
    pub created_at: String,
    pub updated_at: String,
    pub last_conversation: Option<String>,
    pub conversation_count: u64,
}

/// A conversation; the `customer_*` fields are the contact's, as it is now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conversation {
    pub id: String,
    pub customer_id: String,
    pub customer_name: String,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    pub channel: String,
    pub subject: Option<String>,
    pub last_message: Option<String>,
    pub timestamp: String,
    pub status: String,
    pub unread: bool,
}

/// `sort` of the list operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Sort {
    /// Newest `created_at` first (the default).
    #[default]
    Created,
    /// Most recent `updated_at` first.
    Updated,
    /// Name A→Z, ASCII case folded.
    Name,
}

impl Sort {
    fn parse(query: &QueryPairs) -> Result<Self, Error> {
        match query.get("sort") {
            None => Ok(Self::default()),
            Some("created") => Ok(Self::Created),
            Some("updated") => Ok(Self::Updated),
            Some("name") => Ok(Self::Name),
            Some(_) => Err(Error::invalid(SORT_INVALID)),
        }
    }
}

/// `limit`: an integer in 1..=100, `default` when absent.
fn limit(query: &QueryPairs, default: u64) -> Result<u64, Error> {
    match query.get("limit") {
        None => Ok(default),
        Some(text) => text
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|limit| (1..=MAX_LIMIT).contains(limit))
            .ok_or(Error::invalid(LIMIT_INVALID)),
    }
}

/// `offset`: an integer ≥ 0, 0 when absent.
fn offset(query: &QueryPairs) -> Result<u64, Error> {
    match query.get("offset") {
        None => Ok(0),
        Some(text) => text
            .trim()
            .parse::<u64>()
            .map_err(|_| Error::invalid(OFFSET_INVALID)),
    }
}

/// A text filter; blank means no filter.
fn filter(query: &QueryPairs, key: &str) -> Option<String> {
    query
        .get(key)
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
}

/// Query of `GET /contacts`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListParams {
    pub window: Window,
    pub search: Option<String>,
    pub tag: Option<String>,
    pub sort: Sort,
}

impl TryFrom<&QueryPairs> for ListParams {
    type Error = Error;

    fn try_from(query: &QueryPairs) -> Result<Self, Error> {
        let limit = limit(query, DEFAULT_LIST_LIMIT)?;
        let offset = offset(query)?;
        Ok(Self {
            window: Window::offset(offset, limit),
            search: filter(query, "search"),
            tag: filter(query, "tag"),
            sort: Sort::parse(query)?,
        })
    }
}

/// Query of `GET /contacts/search`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchParams {
    pub q: String,
    pub limit: u64,
}

impl TryFrom<&QueryPairs> for SearchParams {
    type Error = Error;

    fn try_from(query: &QueryPairs) -> Result<Self, Error> {
        let q = filter(query, "q").ok_or(Error::invalid(QUERY_REQUIRED))?;
        Ok(Self {
            q,
            limit: limit(query, DEFAULT_SEARCH_LIMIT)?,
        })
    }
}

/// Query of `GET /contacts/{contact_id}/conversations`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConversationsParams {
    pub window: Window,
}

impl TryFrom<&QueryPairs> for ConversationsParams {
    type Error = Error;

    fn try_from(query: &QueryPairs) -> Result<Self, Error> {
        let limit = limit(query, DEFAULT_CONVERSATIONS_LIMIT)?;
        Ok(Self {
            window: Window::offset(offset(query)?, limit),
        })
    }
}

/// `name`: a string that is not blank, kept as given.
fn name(value: &Value) -> Result<String, Error> {
    match value {
        Value::String(name) if !name.trim().is_empty() => Ok(name.clone()),
        _ => Err(Error::invalid(NAME_INVALID)),
    }
}

/// `email`: a string, or `null` for none.
fn email(value: &Value) -> Result<Option<String>, Error> {
    match value {
        Value::Null => Ok(None),
        Value::String(email) => Ok(Some(email.clone())),
        _ => Err(Error::invalid(EMAIL_INVALID)),
    }
}

/// `phone`: E.164 (`+` then 2 to 15 digits, the first not 0), or `null` for none.
fn phone(value: &Value) -> Result<Option<String>, Error> {
    match value {
        Value::Null => Ok(None),
        Value::String(phone) if is_e164(phone) => Ok(Some(phone.clone())),
        _ => Err(Error::invalid(PHONE_INVALID)),
    }
}

/// `^\+[1-9]\d{1,14}$`
pub fn is_e164(phone: &str) -> bool {
    let Some(digits) = phone.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// `tags`: an array of strings; a repeated tag is kept once, at its first position.
fn tags(value: &Value) -> Result<Vec<String>, Error> {
    let Value::Array(items) = value else {
        return Err(Error::invalid(TAGS_INVALID));
    };
    let mut tags: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let Value::String(tag) = item else {
            return Err(Error::invalid(TAGS_INVALID));
        };
        if !tags.contains(tag) {
            tags.push(tag.clone());
        }
    }
    Ok(tags)
}

/// `custom_fields`: any JSON object.
fn custom_fields(value: &Value) -> Result<Map<String, Value>, Error> {
    match value {
        Value::Object(fields) => Ok(fields.clone()),
        _ => Err(Error::invalid(CUSTOM_FIELDS_INVALID)),
    }
}

/// Body of `POST /contacts`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewContact {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub tags: Vec<String>,
    pub custom_fields: Map<String, Value>,
}

impl TryFrom<Option<Value>> for NewContact {
    type Error = Error;

    fn try_from(body: Option<Value>) -> Result<Self, Error> {
        // Keys the API does not know are ignored, so a contact read with get can be sent back whole.
        let fields = kit::body::fields(body, BODY_NOT_OBJECT)?;
        let name = match fields.get("name") {
            None | Some(Value::Null) => return Err(Error::invalid(NAME_REQUIRED)),
            Some(Value::String(blank)) if blank.trim().is_empty() => {
                return Err(Error::invalid(NAME_REQUIRED));
            }
            Some(value) => name(value)?,
        };
        let changes = ContactChanges::from_fields(&fields)?;
        Ok(Self {
            name,
            email: changes.email.flatten(),
            phone: changes.phone.flatten(),
            tags: changes.tags.unwrap_or_default(),
            custom_fields: changes.custom_fields.unwrap_or_default(),
        })
    }
}

/// Body of `PUT`/`PATCH /contacts/{contact_id}`: only the given fields change, each replaced
/// whole; `null` clears `email` or `phone`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContactChanges {
    pub name: Option<String>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub custom_fields: Option<Map<String, Value>>,
}

impl ContactChanges {
    fn from_fields(fields: &Map<String, Value>) -> Result<Self, Error> {
        Ok(Self {
            name: fields.get("name").map(name).transpose()?,
            email: fields.get("email").map(email).transpose()?,
            phone: fields.get("phone").map(phone).transpose()?,
            tags: fields.get("tags").map(tags).transpose()?,
            custom_fields: fields.get("custom_fields").map(custom_fields).transpose()?,
        })
    }
}

impl TryFrom<Option<Value>> for ContactChanges {
    type Error = Error;

    fn try_from(body: Option<Value>) -> Result<Self, Error> {
        Self::from_fields(&kit::body::fields(body, BODY_NOT_OBJECT)?)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn list(query: &str) -> Result<ListParams, Error> {
        ListParams::try_from(&QueryPairs::parse(query))
    }

    fn message(result: Result<impl std::fmt::Debug, Error>) -> String {
        result.expect_err("should fail").to_string()
    }

    #[test]
    fn list_defaults_apply_when_absent() {
        assert_eq!(
            list("").unwrap(),
            ListParams {
                window: Window::offset(0, 25),
                search: None,
                tag: None,
                sort: Sort::Created,
            }
        );
    }

    #[test]
    fn limit_must_be_an_integer_from_1_to_100() {
        for bad in [
            "0",
            "101",
            "-1",
            "1.5",
            "abc",
            "",
            "99999999999999999999999",
        ] {
            assert_eq!(
                message(list(&format!("limit={bad}"))),
                "limit must be an integer between 1 and 100",
                "{bad}"
            );
        }
        assert_eq!(list("limit=100").unwrap().window.limit, 100);
        assert_eq!(list("limit=1").unwrap().window.limit, 1);
    }

    #[test]
    fn offset_must_be_a_non_negative_integer() {
        for bad in ["-1", "1.5", "x", ""] {
            assert_eq!(
                message(list(&format!("offset={bad}"))),
                "offset must be a non-negative integer",
                "{bad}"
            );
        }
        assert_eq!(list("offset=0").unwrap().window.offset, 0);
        assert_eq!(list("offset=7").unwrap().window.offset, 7);
    }

    #[test]
    fn sort_takes_the_three_documented_values_only() {
        assert_eq!(list("sort=updated").unwrap().sort, Sort::Updated);
        assert_eq!(list("sort=name").unwrap().sort, Sort::Name);
        for bad in ["Name", "email", "", "created_at"] {
            assert_eq!(
                message(list(&format!("sort={bad}"))),
                "sort must be one of: created, updated, name",
                "{bad}"
            );
        }
    }

    #[test]
    fn search_needs_a_non_blank_q() {
        for query in ["", "q=", "q=%20%20", "limit=5"] {
            assert_eq!(
                message(SearchParams::try_from(&QueryPairs::parse(query))),
                "q is required"
            );
        }
        let params = SearchParams::try_from(&QueryPairs::parse("q=ana")).unwrap();
        assert_eq!((params.q.as_str(), params.limit), ("ana", 10));
    }

    #[test]
    fn e164_is_a_plus_and_up_to_15_digits() {
        for good in ["+14155550100", "+12", "+999999999999999"] {
            assert!(is_e164(good), "{good}");
        }
        for bad in [
            "14155550100",
            "+0123",
            "+1",
            "+1234567890123456",
            "+1 415 555",
            "+1-415",
            "",
            "+",
        ] {
            assert!(!is_e164(bad), "{bad}");
        }
    }

    #[test]
    fn create_requires_a_name_and_checks_each_field() {
        let create = |body: Value| NewContact::try_from(Some(body));
        assert_eq!(message(create(json!({}))), "name is required");
        assert_eq!(message(create(json!({"name": "  "}))), "name is required");
        assert_eq!(message(create(json!({"name": null}))), "name is required");
        assert_eq!(
            message(create(json!({"name": 5}))),
            "name must be a non-empty string"
        );
        assert_eq!(message(NewContact::try_from(None)), "name is required");
        assert_eq!(
            message(create(json!({"name": "A", "email": 1}))),
            "email must be a string"
        );
        assert_eq!(
            message(create(json!({"name": "A", "phone": "555"}))),
            "phone must be in E.164 format (e.g. +14155550100)"
        );
        assert_eq!(
            message(create(json!({"name": "A", "tags": ["a", 1]}))),
            "tags must be an array of strings"
        );
        assert_eq!(
            message(create(json!({"name": "A", "tags": "vip"}))),
            "tags must be an array of strings"
        );
        assert_eq!(
            message(create(json!({"name": "A", "custom_fields": []}))),
            "custom_fields must be an object"
        );
        assert_eq!(
            message(create(json!(["name"]))),
            "Request body must be a JSON object"
        );
        let created =
            create(json!({"name": "Ana", "tags": ["vip", "vip", "new"], "x": 1})).unwrap();
        assert_eq!(created.tags, ["vip", "new"]);
        assert_eq!(created.email, None);
    }

    #[test]
    fn changes_keep_absent_fields_apart_from_null_ones() {
        let changes = ContactChanges::try_from(Some(json!({"email": null, "tags": []}))).unwrap();
        assert_eq!(
            changes,
            ContactChanges {
                email: Some(None),
                tags: Some(Vec::new()),
                ..ContactChanges::default()
            }
        );
        assert_eq!(
            ContactChanges::try_from(None).unwrap(),
            ContactChanges::default()
        );
        assert_eq!(
            message(ContactChanges::try_from(Some(json!({"name": ""})))),
            "name must be a non-empty string"
        );
    }
}
