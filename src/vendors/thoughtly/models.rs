//! Thoughtly's wire types, and the list query and the create and call bodies parsed into typed
//! parameters ("parse, don't validate"): each parameter's range and wording live next to its
//! type.

use std::collections::HashSet;

use serde::Serialize;
use serde_json::{Map, Value};

use super::Error;
use super::error::{
    BODY_NOT_OBJECT, CONTACT_ID_REQUIRED, INTERVIEW_ID_REQUIRED, INVALID_ATTRIBUTES,
    INVALID_COUNTRY_CODE, INVALID_EMAIL, INVALID_LIMIT, INVALID_METADATA, INVALID_NAME,
    INVALID_PAGE, INVALID_PHONE_NUMBERS_ONLY, INVALID_SORT, INVALID_SORT_DIRECTION, INVALID_TAGS,
    METADATA_TOO_LARGE, PHONE_NUMBER_REQUIRED,
};
use crate::http::query::QueryPairs;
use crate::kit;
use crate::time::{Precision, TimeFormat};

/// RFC 3339 in UTC with `Z`, milliseconds only when an instant has any.
pub const TIMESTAMPS: TimeFormat = TimeFormat::new(Precision::MillisWhenAny, true);

pub const DEFAULT_LIMIT: u64 = 20;
pub const MAX_LIMIT: u64 = 50;
/// The most bytes a call's `metadata` may take as JSON (Choice: it bounds what a call stores).
pub const MAX_METADATA_BYTES: usize = 16 * 1024;
/// The status of every call the mock starts: queued, and never dialled.
pub const QUEUED: &str = "QUEUED";

/// Every response: `{"data":…,"error":null}` (the unit renders as `null`).
#[derive(Debug, Serialize)]
pub struct Envelope<T> {
    pub data: T,
    pub error: (),
}

impl<T> Envelope<T> {
    pub fn ok(data: T) -> Self {
        Self { data, error: () }
    }
}

/// `data` of `GET /contact`.
#[derive(Debug, Serialize)]
pub struct ContactList {
    pub contacts: Vec<Contact>,
    pub total: u64,
    pub page: u64,
    pub limit: u64,
}

#[derive(Debug, Serialize)]
pub struct Contact {
    pub id: String,
    pub name: Option<String>,
    pub phone_number: Option<String>,
    pub email: Option<String>,
    pub country_code: Option<String>,
    pub tags: Vec<String>,
    pub attributes: Map<String, Value>,
    pub created_at: String,
    pub updated_at: String,
}

/// `data` of `POST /contact/call` (Choice: the vendor documents no payload).
#[derive(Debug, Serialize)]
pub struct Call {
    /// 24 lower-case hex digits.
    pub id: String,
    pub contact_id: String,
    pub interview_id: String,
    pub phone_number: Option<String>,
    pub status: String,
    pub metadata: Map<String, Value>,
    pub created_at: String,
}

/// The fields `sort` accepts; `created` and `updated` are aliases public clients send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortField {
    Name,
    CreatedAt,
    UpdatedAt,
    PhoneNumber,
    Email,
}

impl SortField {
    /// Exact, case-sensitive names, as the vendor's field names are.
    fn parse(value: &str) -> Result<Self, Error> {
        Ok(match value {
            "name" => Self::Name,
            "created_at" | "created" => Self::CreatedAt,
            "updated_at" | "updated" => Self::UpdatedAt,
            "phone_number" => Self::PhoneNumber,
            "email" => Self::Email,
            _ => return Err(Error::invalid(INVALID_SORT)),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortDirection {
    Asc,
    Desc,
}

impl SortDirection {
    /// `asc` or `desc` in any letter case (Choice: clients differ in how they spell enums).
    fn parse(value: &str) -> Result<Self, Error> {
        if value.eq_ignore_ascii_case("asc") {
            Ok(Self::Asc)
        } else if value.eq_ignore_ascii_case("desc") {
            Ok(Self::Desc)
        } else {
            Err(Error::invalid(INVALID_SORT_DIRECTION))
        }
    }
}

/// The query of `GET /contact`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListParams {
    /// Case-insensitive substring of name, phone number, email or any attribute value.
    pub search: Option<String>,
    pub phone_numbers_only: bool,
    /// Keep contacts carrying any of these tags (none given: no tag filter).
    pub tags: Vec<String>,
    /// Drop contacts carrying any of these tags.
    pub excluded_tags: Vec<String>,
    pub sort: SortField,
    pub direction: SortDirection,
    /// 0-based.
    pub page: u64,
    pub limit: u64,
}

impl TryFrom<&QueryPairs> for ListParams {
    type Error = Error;

    fn try_from(query: &QueryPairs) -> Result<Self, Error> {
        Ok(Self {
            search: query
                .get("search")
                .map(str::trim)
                .filter(|search| !search.is_empty())
                .map(str::to_owned),
            phone_numbers_only: query
                .get("phone_numbers_only")
                .map(|value| parse_bool(value).ok_or(Error::invalid(INVALID_PHONE_NUMBERS_ONLY)))
                .transpose()?
                .unwrap_or(false),
            tags: tag_list(query, &["tags", "tags[]"]),
            excluded_tags: tag_list(query, &["excluded_tags", "excluded_tags[]"]),
            sort: query
                .get("sort")
                .map(SortField::parse)
                .transpose()?
                .unwrap_or(SortField::CreatedAt),
            direction: query
                .get("sortDirection")
                .map(SortDirection::parse)
                .transpose()?
                .unwrap_or(SortDirection::Desc),
            page: query.get("page").map(parse_page).transpose()?.unwrap_or(0),
            limit: query
                .get("limit")
                .map(parse_limit)
                .transpose()?
                .unwrap_or(DEFAULT_LIMIT),
        })
    }
}

/// `true`/`false` in any letter case, or `1`/`0` (Python clients send `True`/`False`).
fn parse_bool(value: &str) -> Option<bool> {
    if value.eq_ignore_ascii_case("true") || value == "1" {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") || value == "0" {
        Some(false)
    } else {
        None
    }
}

/// Every value of the repeated keys, each one tag as given (a comma is part of the tag);
/// blank values are skipped, duplicates kept once.
fn tag_list(query: &QueryPairs, keys: &[&str]) -> Vec<String> {
    let mut seen = HashSet::new();
    query
        .all(keys)
        .map(str::trim)
        .filter(|tag| !tag.is_empty() && seen.insert(*tag))
        .map(str::to_owned)
        .collect()
}

/// A page number, 0-based: any integer from 0 up.
fn parse_page(value: &str) -> Result<u64, Error> {
    value
        .parse::<u64>()
        .map_err(|_| Error::invalid(INVALID_PAGE))
}

/// 1..=[`MAX_LIMIT`].
fn parse_limit(value: &str) -> Result<u64, Error> {
    value
        .parse::<u64>()
        .ok()
        .filter(|limit| (1..=MAX_LIMIT).contains(limit))
        .ok_or(Error::invalid(INVALID_LIMIT))
}

/// The body of `POST /contact/create`. A `null` optional field means absent; unknown fields
/// are ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewContact {
    pub phone_number: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub country_code: Option<String>,
    pub tags: Vec<String>,
    pub attributes: Map<String, Value>,
}

impl TryFrom<Option<Value>> for NewContact {
    type Error = Error;

    fn try_from(body: Option<Value>) -> Result<Self, Error> {
        let mut body = kit::body::fields(body, BODY_NOT_OBJECT)?;
        let phone_number = match body.remove("phone_number") {
            Some(Value::String(phone)) if !is_blank(&phone) => phone,
            _ => return Err(Error::invalid(PHONE_NUMBER_REQUIRED)),
        };
        Ok(Self {
            phone_number,
            name: optional_string(&mut body, "name", INVALID_NAME)?,
            email: optional_string(&mut body, "email", INVALID_EMAIL)?,
            country_code: optional_string(&mut body, "country_code", INVALID_COUNTRY_CODE)?,
            tags: match body.remove("tags") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(items)) => tags_of(items)?,
                Some(_) => return Err(Error::invalid(INVALID_TAGS)),
            },
            attributes: match body.remove("attributes") {
                None | Some(Value::Null) => Map::new(),
                Some(Value::Object(attributes)) => attributes,
                Some(_) => return Err(Error::invalid(INVALID_ATTRIBUTES)),
            },
        })
    }
}

/// The body of `POST /contact/call`. A `null` field means absent; unknown fields are ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCall {
    pub contact_id: String,
    /// `interview_id`, else `agent_id` (the developer guide's name for the same value).
    pub interview_id: String,
    pub metadata: Map<String, Value>,
}

impl TryFrom<Option<Value>> for NewCall {
    type Error = Error;

    fn try_from(body: Option<Value>) -> Result<Self, Error> {
        let mut body = kit::body::fields(body, BODY_NOT_OBJECT)?;
        let contact_id = match body.remove("contact_id") {
            Some(Value::String(id)) if !is_blank(&id) => id,
            _ => return Err(Error::invalid(CONTACT_ID_REQUIRED)),
        };
        // Each of the two names, when sent, must hold a usable id; `interview_id` wins when both do.
        let interview_id = optional_id(&mut body, "interview_id")?;
        let agent_id = optional_id(&mut body, "agent_id")?;
        let interview_id = interview_id
            .or(agent_id)
            .ok_or(Error::invalid(INTERVIEW_ID_REQUIRED))?;
        let metadata = match body.remove("metadata") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(metadata)) => metadata,
            Some(_) => return Err(Error::invalid(INVALID_METADATA)),
        };
        if Value::Object(metadata.clone()).to_string().len() > MAX_METADATA_BYTES {
            return Err(Error::invalid(METADATA_TOO_LARGE));
        }
        Ok(Self {
            contact_id,
            interview_id,
            metadata,
        })
    }
}

/// An agent id under `field`: absent or `null` is `None`; a non-blank string is the id;
/// anything else is a 400.
fn optional_id(body: &mut Map<String, Value>, field: &str) -> Result<Option<String>, Error> {
    match body.remove(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(id)) if !is_blank(&id) => Ok(Some(id)),
        Some(_) => Err(Error::invalid(INTERVIEW_ID_REQUIRED)),
    }
}

/// A string field that may be absent or `null`; anything else is `message`'s 400.
fn optional_string(
    body: &mut Map<String, Value>,
    field: &str,
    message: &'static str,
) -> Result<Option<String>, Error> {
    match body.remove(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(Error::invalid(message)),
    }
}

/// Empty or only ASCII whitespace: the OpenAPI pattern `[^ \t\n\r\f\v]` words "non-blank"
/// the same way in every regex dialect, so the mock and its document agree.
pub fn is_blank(text: &str) -> bool {
    text.chars()
        .all(|c| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c'))
}

/// Non-blank strings, each kept once in the order given.
fn tags_of(items: Vec<Value>) -> Result<Vec<String>, Error> {
    let mut tags: Vec<String> = Vec::with_capacity(items.len());
    // A set, so a create naming many tags is not checked against each earlier one.
    let mut seen = HashSet::with_capacity(items.len());
    for item in items {
        match item {
            Value::String(tag) if !is_blank(&tag) => {
                if seen.insert(tag.clone()) {
                    tags.push(tag);
                }
            }
            _ => return Err(Error::invalid(INVALID_TAGS)),
        }
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(query: &str) -> Result<ListParams, &'static str> {
        ListParams::try_from(&QueryPairs::parse(query))
            .map_err(|error| error.text().expect("a 400 with a text"))
    }

    #[test]
    fn defaults_apply_when_absent() {
        assert_eq!(
            params(""),
            Ok(ListParams {
                search: None,
                phone_numbers_only: false,
                tags: Vec::new(),
                excluded_tags: Vec::new(),
                sort: SortField::CreatedAt,
                direction: SortDirection::Desc,
                page: 0,
                limit: 20,
            })
        );
    }

    #[test]
    fn booleans_accept_python_spellings_only() {
        for (value, expected) in [
            ("true", true),
            ("True", true),
            ("TRUE", true),
            ("1", true),
            ("false", false),
            ("False", false),
            ("0", false),
        ] {
            let parsed = params(&format!("phone_numbers_only={value}")).expect(value);
            assert_eq!(parsed.phone_numbers_only, expected, "{value}");
        }
        for bad in ["yes", "", "2", "t", "null"] {
            assert_eq!(
                params(&format!("phone_numbers_only={bad}")),
                Err("phone_numbers_only must be a boolean (true or false)"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn tags_come_from_both_spellings_and_a_comma_stays_in_the_tag() {
        let parsed =
            params("tags=a&tags%5B%5D=b&tags=c%2Cd&tags=&tags=a&excluded_tags[]=x").unwrap();
        assert_eq!(parsed.tags, ["a", "b", "c,d"]);
        assert_eq!(parsed.excluded_tags, ["x"]);
    }

    #[test]
    fn page_and_limit_ranges_live_in_one_place() {
        assert_eq!(params("page=0").map(|p| p.page), Ok(0));
        assert_eq!(params("page=7").map(|p| p.page), Ok(7));
        for bad in ["-1", "1.5", "abc", "", "99999999999999999999"] {
            assert_eq!(
                params(&format!("page={bad}")),
                Err("page must be an integer greater than or equal to 0"),
                "{bad}"
            );
        }
        assert_eq!(params("limit=1").map(|p| p.limit), Ok(1));
        assert_eq!(params("limit=50").map(|p| p.limit), Ok(50));
        for bad in ["0", "51", "-1", "2.5", "x", ""] {
            assert_eq!(
                params(&format!("limit={bad}")),
                Err("limit must be an integer between 1 and 50"),
                "{bad}"
            );
        }
    }

    #[test]
    fn sort_names_and_aliases() {
        for (value, field) in [
            ("name", SortField::Name),
            ("created_at", SortField::CreatedAt),
            ("created", SortField::CreatedAt),
            ("updated_at", SortField::UpdatedAt),
            ("updated", SortField::UpdatedAt),
            ("phone_number", SortField::PhoneNumber),
            ("email", SortField::Email),
        ] {
            assert_eq!(params(&format!("sort={value}")).map(|p| p.sort), Ok(field));
        }
        assert_eq!(
            params("sort=Name"),
            Err("sort must be one of: name, created_at, updated_at, phone_number, email")
        );
        assert_eq!(
            params("sort=tags"),
            Err("sort must be one of: name, created_at, updated_at, phone_number, email")
        );
        assert_eq!(
            params("sortDirection=ASC").map(|p| p.direction),
            Ok(SortDirection::Asc)
        );
        assert_eq!(
            params("sortDirection=up"),
            Err("sortDirection must be one of: asc, desc")
        );
    }

    fn new_contact(body: Value) -> Result<NewContact, &'static str> {
        NewContact::try_from(Some(body)).map_err(|error| error.text().expect("a 400 with a text"))
    }

    #[test]
    fn create_needs_a_non_blank_phone_number() {
        for body in [
            json!({}),
            json!({"phone_number": null}),
            json!({"phone_number": " "}),
            json!({"phone_number": 14155550100_u64}),
        ] {
            assert_eq!(
                new_contact(body),
                Err("phone_number is required and must be a non-empty string")
            );
        }
        assert_eq!(
            NewContact::try_from(None).map_err(|e| e.to_string()),
            Err("phone_number is required and must be a non-empty string".to_owned())
        );
        assert_eq!(
            new_contact(json!([])),
            Err("Request body must be a JSON object")
        );
    }

    #[test]
    fn create_treats_null_as_absent_and_checks_types() {
        let parsed = new_contact(json!({"phone_number": "+1415", "name": null, "email": null,
            "country_code": null, "tags": null, "attributes": null, "extra": 1}))
        .unwrap();
        assert_eq!(
            parsed,
            NewContact {
                phone_number: "+1415".into(),
                name: None,
                email: None,
                country_code: None,
                tags: Vec::new(),
                attributes: Map::new(),
            }
        );
        let p = json!("+1415");
        assert_eq!(
            new_contact(json!({"phone_number": p, "name": 1})),
            Err("name must be a string")
        );
        assert_eq!(
            new_contact(json!({"phone_number": p, "email": []})),
            Err("email must be a string")
        );
        assert_eq!(
            new_contact(json!({"phone_number": p, "country_code": true})),
            Err("country_code must be a string")
        );
        assert_eq!(
            new_contact(json!({"phone_number": p, "tags": "a"})),
            Err("tags must be an array of non-empty strings")
        );
        assert_eq!(
            new_contact(json!({"phone_number": p, "tags": [1]})),
            Err("tags must be an array of non-empty strings")
        );
        assert_eq!(
            new_contact(json!({"phone_number": p, "tags": [""]})),
            Err("tags must be an array of non-empty strings")
        );
        assert_eq!(
            new_contact(json!({"phone_number": p, "attributes": []})),
            Err("attributes must be an object")
        );
        assert_eq!(
            new_contact(json!({"phone_number": p, "tags": ["a", "b", "a"]})).map(|c| c.tags),
            Ok(vec!["a".to_owned(), "b".to_owned()])
        );
    }

    fn new_call(body: Value) -> Result<NewCall, &'static str> {
        NewCall::try_from(Some(body)).map_err(|error| error.text().expect("a 400 with a text"))
    }

    #[test]
    fn a_call_takes_interview_id_or_agent_id() {
        let call = |interview_id: &str| NewCall {
            contact_id: "c1".into(),
            interview_id: interview_id.into(),
            metadata: Map::new(),
        };
        assert_eq!(
            new_call(json!({"contact_id": "c1", "interview_id": "i1"})),
            Ok(call("i1"))
        );
        assert_eq!(
            new_call(json!({"contact_id": "c1", "agent_id": "a1"})),
            Ok(call("a1"))
        );
        assert_eq!(
            new_call(json!({"contact_id": "c1", "interview_id": "i1", "agent_id": "a1"})),
            Ok(call("i1")),
            "interview_id wins"
        );
        assert_eq!(
            new_call(json!({"contact_id": "c1", "interview_id": null, "agent_id": "a1"})),
            Ok(call("a1")),
            "null is absent"
        );
        let required = "interview_id (or agent_id) is required and must be a non-empty string";
        for body in [
            json!({"contact_id": "c1"}),
            json!({"contact_id": "c1", "interview_id": null, "agent_id": null}),
            json!({"contact_id": "c1", "interview_id": " "}),
            json!({"contact_id": "c1", "interview_id": 7}),
            json!({"contact_id": "c1", "interview_id": "i1", "agent_id": 7}),
        ] {
            assert_eq!(new_call(body.clone()), Err(required), "{body}");
        }
    }

    #[test]
    fn a_call_needs_a_contact_id_and_an_object_of_metadata() {
        let contact_required = "contact_id is required and must be a non-empty string";
        assert_eq!(
            NewCall::try_from(None).map_err(|e| e.text()),
            Err(Some(contact_required))
        );
        for body in [
            json!({"interview_id": "i1"}),
            json!({"contact_id": "", "interview_id": "i1"}),
            json!({"contact_id": 5, "interview_id": "i1"}),
        ] {
            assert_eq!(new_call(body.clone()), Err(contact_required), "{body}");
        }
        assert_eq!(
            new_call(json!(["c1"])),
            Err("Request body must be a JSON object")
        );
        assert_eq!(
            new_call(json!({"contact_id": "c1", "interview_id": "i1", "metadata": [1]})),
            Err("metadata must be an object")
        );
        let metadata = json!({"name": "Sam", "nested": {"a": [1, 2]}});
        assert_eq!(
            new_call(json!({"contact_id": "c1", "interview_id": "i1", "metadata": metadata}))
                .map(|call| Value::Object(call.metadata)),
            Ok(metadata)
        );
        let big = "x".repeat(MAX_METADATA_BYTES);
        assert_eq!(
            new_call(json!({"contact_id": "c1", "interview_id": "i1", "metadata": {"k": big}})),
            Err("metadata must be at most 16384 bytes as JSON")
        );
    }
}
