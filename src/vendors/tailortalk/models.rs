//! TailorTalk's wire types, the `get_contacts` body parameters and the per-agent envelope.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::{
    BODY_NOT_OBJECT, Error, INVALID_START_AFTER, LIMIT_NOT_INTEGER, LIMIT_OUT_OF_RANGE,
};
use crate::time::{Millis, Precision, TimeFormat};

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;

/// The keys every contact has; a custom attribute of the same name is never rendered over them.
pub const STANDARD_KEYS: [&str; 4] = ["name", "phone_number", "created_at", "updated_at"];

/// The `get_contacts` body, parsed. An empty or absent body means the defaults; keys other
/// than `start_after` and `limit` are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GetContactsParams {
    /// Only contacts created strictly before this instant.
    pub start_after: Option<Millis>,
    pub limit: Limit,
}

impl TryFrom<Option<Value>> for GetContactsParams {
    type Error = Error;

    fn try_from(body: Option<Value>) -> Result<Self, Error> {
        let fields = match body {
            None => Map::new(),
            Some(Value::Object(fields)) => fields,
            Some(_) => return Err(Error::invalid(BODY_NOT_OBJECT)),
        };
        Ok(Self {
            start_after: parse_start_after(fields.get("start_after"))?,
            limit: Limit::parse(fields.get("limit"))?,
        })
    }
}

/// `start_after`: a string holding an RFC 3339 timestamp with any offset, compared as an
/// instant; `null` counts as absent (what clients send for an unset optional).
fn parse_start_after(value: Option<&Value>) -> Result<Option<Millis>, Error> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Millis::parse(text)
            .map(Some)
            .ok_or(Error::invalid(INVALID_START_AFTER)),
        Some(_) => Err(Error::invalid(INVALID_START_AFTER)),
    }
}

/// How many contacts a page holds: 1..=500, default 50.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limit(u32);

impl Limit {
    /// A JSON number with a whole value (`10`, `10.0`, `1e2`); a string such as `"10"`, a
    /// fraction or a boolean is not an integer. `null` counts as absent.
    fn parse(value: Option<&Value>) -> Result<Self, Error> {
        let number = match value {
            None | Some(Value::Null) => return Ok(Self(DEFAULT_LIMIT)),
            Some(Value::Number(number)) => number,
            Some(_) => return Err(Error::invalid(LIMIT_NOT_INTEGER)),
        };
        let whole = if let Some(unsigned) = number.as_u64() {
            u32::try_from(unsigned).ok()
        } else if number.is_i64() {
            None // negative
        } else {
            let float = number.as_f64().unwrap_or(f64::NAN);
            if float.fract() != 0.0 || !float.is_finite() {
                return Err(Error::invalid(LIMIT_NOT_INTEGER));
            }
            (0.0..=f64::from(MAX_LIMIT))
                .contains(&float)
                .then_some(float as u32)
        };
        match whole {
            Some(limit) if (1..=MAX_LIMIT).contains(&limit) => Ok(Self(limit)),
            _ => Err(Error::invalid(LIMIT_OUT_OF_RANGE)),
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// How an agent's `get_contacts` answer is wrapped (seed setting `envelope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Envelope {
    /// `{"contacts":[…],"count":N}`, as the vendor documents.
    #[default]
    Documented,
    /// `{"data":{"contacts":[…],"count":N},"success":true}`, as the vendor's sibling endpoints.
    Wrapped,
}

impl Envelope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Documented => "documented",
            Self::Wrapped => "wrapped",
        }
    }

    pub fn from_stored(text: &str) -> Self {
        if text == Self::Wrapped.as_str() {
            Self::Wrapped
        } else {
            Self::Documented
        }
    }

    /// The page in this envelope.
    pub fn wrap(self, page: ContactPage) -> EnvelopedPage {
        match self {
            Self::Documented => EnvelopedPage::Documented(page),
            Self::Wrapped => EnvelopedPage::Wrapped(Wrapped {
                data: page,
                success: true,
            }),
        }
    }
}

/// One page of contacts; `count` is the length of this page, not a total.
#[derive(Debug, Serialize)]
pub struct ContactPage {
    pub contacts: Vec<Contact>,
    pub count: usize,
}

impl ContactPage {
    pub fn new(contacts: Vec<Contact>) -> Self {
        Self {
            count: contacts.len(),
            contacts,
        }
    }
}

/// A page as the agent's envelope shapes it.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum EnvelopedPage {
    Documented(ContactPage),
    Wrapped(Wrapped<ContactPage>),
}

#[derive(Debug, Serialize)]
pub struct Wrapped<T> {
    data: T,
    success: bool,
}

/// A contact as the vendor renders it: the standard keys, then every custom attribute as a
/// top-level key.
#[derive(Debug, Serialize)]
pub struct Contact {
    name: Option<String>,
    phone_number: Option<String>,
    created_at: String,
    updated_at: String,
    #[serde(flatten)]
    custom_attributes: Map<String, Value>,
}

impl Contact {
    pub fn new(
        name: Option<String>,
        phone_number: Option<String>,
        created_at: Millis,
        updated_at: Millis,
        mut custom_attributes: Map<String, Value>,
    ) -> Self {
        for key in STANDARD_KEYS {
            custom_attributes.remove(key);
        }
        Self {
            name,
            phone_number,
            created_at: render_time(created_at),
            updated_at: render_time(updated_at),
            custom_attributes,
        }
    }
}

/// `2025-11-08T05:39:17+00:00`, the vendor's only timestamp format.
pub const TIMESTAMPS: TimeFormat = TimeFormat::new(Precision::Seconds, false);

pub fn render_time(at: Millis) -> String {
    TIMESTAMPS.render(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(body: Value) -> Result<GetContactsParams, Error> {
        GetContactsParams::try_from(Some(body))
    }

    fn limit(value: Value) -> Result<u32, String> {
        params(json!({ "limit": value }))
            .map(|p| p.limit.get())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn an_absent_or_empty_body_means_the_defaults() {
        let defaults = GetContactsParams {
            start_after: None,
            limit: Limit(50),
        };
        assert_eq!(GetContactsParams::try_from(None).unwrap(), defaults);
        assert_eq!(params(json!({})).unwrap(), defaults);
        assert_eq!(
            params(json!({"start_after": null, "limit": null, "other": 1})).unwrap(),
            defaults
        );
    }

    #[test]
    fn limit_takes_whole_numbers_from_1_to_500() {
        assert_eq!(limit(json!(1)), Ok(1));
        assert_eq!(limit(json!(500)), Ok(500));
        assert_eq!(limit(json!(10.0)), Ok(10));
        assert_eq!(limit(json!(1e2)), Ok(100));
        for out_of_range in [json!(0), json!(501), json!(-1), json!(0.0), json!(1e30)] {
            assert_eq!(
                limit(out_of_range.clone()),
                Err("limit must be between 1 and 500".into()),
                "{out_of_range}"
            );
        }
        assert_eq!(
            limit(json!(u64::MAX)),
            Err("limit must be between 1 and 500".into())
        );
        for not_integer in [
            json!("10"),
            json!(10.5),
            json!(true),
            json!([10]),
            json!({}),
        ] {
            assert_eq!(
                limit(not_integer.clone()),
                Err("limit must be an integer".into()),
                "{not_integer}"
            );
        }
    }

    #[test]
    fn start_after_is_an_instant_in_any_offset() {
        let utc = params(json!({"start_after": "2025-11-08T05:39:17+00:00"})).unwrap();
        let ist = params(json!({"start_after": "2025-11-08T11:09:17+05:30"})).unwrap();
        assert_eq!(utc.start_after, ist.start_after);
        assert_eq!(
            utc.start_after,
            Some(Millis::parse("2025-11-08T05:39:17Z").unwrap())
        );
        for bad in [
            json!("2025-11-08"),
            json!("2025-11-08T05:39:17"),
            json!("yesterday"),
            json!(""),
            json!(1_762_580_357),
        ] {
            assert_eq!(
                params(json!({ "start_after": bad })).map_err(|e| e.to_string()),
                Err(
                    "start_after must be an ISO 8601 timestamp with a timezone, \
                     e.g. 2025-11-08T05:39:17+00:00"
                        .to_owned()
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_body_that_is_not_an_object_is_refused() {
        for body in [json!([]), json!("x"), json!(3), json!(null)] {
            assert_eq!(
                params(body).map_err(|e| e.to_string()),
                Err("Request body must be a JSON object".to_owned())
            );
        }
    }

    #[test]
    fn custom_attributes_never_replace_standard_keys() {
        let at = Millis::parse("2025-11-08T05:39:17Z").unwrap();
        let mut custom = Map::new();
        custom.insert("name".into(), json!("Impostor"));
        custom.insert("created_at".into(), json!("never"));
        custom.insert("city".into(), json!("Mumbai"));
        let contact = Contact::new(Some("John Doe".into()), None, at, at, custom);
        assert_eq!(
            serde_json::to_value(contact).unwrap(),
            json!({"name": "John Doe", "phone_number": null,
                   "created_at": "2025-11-08T05:39:17+00:00",
                   "updated_at": "2025-11-08T05:39:17+00:00", "city": "Mumbai"})
        );
    }
}
