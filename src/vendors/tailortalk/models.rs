//! TailorTalk's wire types, the bodies of `get_contacts`, `get_leads` and `mark_converted`
//! parsed into typed parameters, and the per-agent envelope of `get_contacts`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Error;
use super::error::{
    BODY_NOT_OBJECT, CONTACT_IDS_INVALID, INVALID_START_AFTER, LEAD_STATUS_INVALID,
    LEADS_LIMIT_OUT_OF_RANGE, LIMIT_NOT_INTEGER, LIMIT_OUT_OF_RANGE,
};
use crate::kit;
use crate::time::{Millis, Precision, TimeFormat};

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;
pub const DEFAULT_LEADS_LIMIT: u32 = 50;
pub const MAX_LEADS_LIMIT: u32 = 100;
/// The status `mark_converted` sets.
pub const CONVERTED: &str = "converted";
/// What `mark_converted` answers, word for word (Doc).
pub const CONVERTED_MESSAGE: &str = "Lead status updated to converted.";

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
        let fields = kit::body::fields(body, BODY_NOT_OBJECT)?;
        Ok(Self {
            start_after: parse_start_after(fields.get("start_after"))?,
            limit: Limit::parse(
                fields.get("limit"),
                DEFAULT_LIMIT,
                MAX_LIMIT,
                LIMIT_OUT_OF_RANGE,
            )?,
        })
    }
}

/// The `get_leads` body, parsed. An empty or absent body means the defaults; keys other than
/// `start_after`, `lead_status` and `limit` are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GetLeadsParams {
    /// Only leads whose last message is strictly before this instant.
    pub start_after: Option<Millis>,
    /// Only leads with exactly this status.
    pub lead_status: Option<String>,
    pub limit: Limit,
}

impl TryFrom<Option<Value>> for GetLeadsParams {
    type Error = Error;

    fn try_from(body: Option<Value>) -> Result<Self, Error> {
        let fields = kit::body::fields(body, BODY_NOT_OBJECT)?;
        let lead_status = match fields.get("lead_status") {
            None | Some(Value::Null) => None,
            Some(Value::String(status)) => Some(status.clone()),
            Some(_) => return Err(Error::invalid(LEAD_STATUS_INVALID)),
        };
        Ok(Self {
            start_after: parse_start_after(fields.get("start_after"))?,
            lead_status,
            limit: Limit::parse(
                fields.get("limit"),
                DEFAULT_LEADS_LIMIT,
                MAX_LEADS_LIMIT,
                LEADS_LIMIT_OUT_OF_RANGE,
            )?,
        })
    }
}

/// The `mark_converted` body: the contacts (WhatsApp numbers, Instagram user names) whose
/// leads become `converted`, each once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkConverted {
    pub contact_ids: Vec<String>,
}

impl TryFrom<Option<Value>> for MarkConverted {
    type Error = Error;

    fn try_from(body: Option<Value>) -> Result<Self, Error> {
        let mut fields = kit::body::fields(body, BODY_NOT_OBJECT)?;
        let Some(Value::Array(items)) = fields.remove("contact_ids") else {
            return Err(Error::invalid(CONTACT_IDS_INVALID));
        };
        let mut contact_ids: Vec<String> = Vec::with_capacity(items.len());
        for item in items {
            let Value::String(id) = item else {
                return Err(Error::invalid(CONTACT_IDS_INVALID));
            };
            if !contact_ids.contains(&id) {
                contact_ids.push(id);
            }
        }
        Ok(Self { contact_ids })
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

/// How many records a page holds: 1..=500 contacts or 1..=100 leads, default 50.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limit(u32);

impl Limit {
    /// A JSON number with a whole value (`10`, `10.0`, `1e2`) in `1..=max`; a string such as
    /// `"10"`, a fraction or a boolean is not an integer. `null` counts as absent (`default`).
    fn parse(
        value: Option<&Value>,
        default: u32,
        max: u32,
        out_of_range: &'static str,
    ) -> Result<Self, Error> {
        let number = match value {
            None | Some(Value::Null) => return Ok(Self(default)),
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
            (0.0..=f64::from(max))
                .contains(&float)
                .then_some(float as u32)
        };
        match whole {
            Some(limit) if (1..=max).contains(&limit) => Ok(Self(limit)),
            _ => Err(Error::invalid(out_of_range)),
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// How an agent's `get_contacts` answer is wrapped (seed setting `envelope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "TailorTalkEnvelope")]
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
            Self::Wrapped => EnvelopedPage::Wrapped(Wrapped::new(page)),
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

/// `{"data":…,"success":true}`: the envelope of the vendor's sibling endpoints, and always the
/// envelope of `get_leads` and `mark_converted`.
#[derive(Debug, Serialize)]
pub struct Wrapped<T> {
    data: T,
    success: bool,
}

impl<T> Wrapped<T> {
    pub fn new(data: T) -> Self {
        Self {
            data,
            success: true,
        }
    }
}

/// One page of leads; `count` is the length of this page, not a total.
#[derive(Debug, Serialize)]
pub struct LeadPage {
    pub leads: Vec<Lead>,
    pub count: usize,
}

impl LeadPage {
    pub fn new(leads: Vec<Lead>) -> Self {
        Self {
            count: leads.len(),
            leads,
        }
    }
}

/// A lead as `get_leads` renders it, keys in the order of the vendor's reference.
#[derive(Debug, Serialize)]
pub struct Lead {
    pub lead_name: Option<String>,
    /// A WhatsApp number with country code or an Instagram user name: what `mark_converted`
    /// matches.
    pub lead_contact: String,
    pub lead_status: String,
    pub last_message_time: String,
    pub joined: String,
    pub total_followups: u64,
    /// The channel the lead came through: `assistant`, `whatsapp`, `instagram`, …
    pub integration: String,
    pub id: String,
}

/// `data` of `mark_converted`.
#[derive(Debug, Serialize)]
pub struct Converted {
    pub message: &'static str,
    pub updated_count: usize,
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

    fn leads(body: Value) -> Result<GetLeadsParams, String> {
        GetLeadsParams::try_from(Some(body)).map_err(|e| e.to_string())
    }

    #[test]
    fn get_leads_takes_a_status_and_a_limit_up_to_100() {
        assert_eq!(
            GetLeadsParams::try_from(None).unwrap(),
            GetLeadsParams {
                start_after: None,
                lead_status: None,
                limit: Limit(50)
            }
        );
        let parsed = leads(json!({"lead_status": "hot", "limit": 100, "start_after": null})).unwrap();
        assert_eq!(parsed.lead_status.as_deref(), Some("hot"));
        assert_eq!(parsed.limit.get(), 100);
        assert_eq!(leads(json!({"lead_status": null})).unwrap().lead_status, None);
        for bad in [json!(101), json!(0)] {
            assert_eq!(
                leads(json!({ "limit": bad })),
                Err("limit must be between 1 and 100".into())
            );
        }
        assert_eq!(
            leads(json!({"limit": "5"})),
            Err("limit must be an integer".into())
        );
        for bad in [json!(1), json!(["hot"]), json!(true)] {
            assert_eq!(
                leads(json!({ "lead_status": bad })),
                Err("lead_status must be a string".into())
            );
        }
    }

    #[test]
    fn mark_converted_takes_a_list_of_strings_each_once() {
        let parsed = |body: Value| {
            MarkConverted::try_from(Some(body))
                .map(|m| m.contact_ids)
                .map_err(|e| e.to_string())
        };
        assert_eq!(
            parsed(json!({"contact_ids": ["919800000001", "shiva_b", "919800000001"]})),
            Ok(vec!["919800000001".to_owned(), "shiva_b".to_owned()])
        );
        assert_eq!(parsed(json!({"contact_ids": []})), Ok(Vec::new()));
        let invalid = Err("contact_ids is required and must be a list of strings".to_owned());
        for body in [
            json!({}),
            json!({"contact_ids": null}),
            json!({"contact_ids": "919800000001"}),
            json!({"contact_ids": [919800000001u64]}),
            json!({"contact_ids": ["a", null]}),
        ] {
            assert_eq!(parsed(body.clone()), invalid, "{body}");
        }
        assert_eq!(
            MarkConverted::try_from(None).map_err(|e| e.to_string()),
            Err("contact_ids is required and must be a list of strings".to_owned())
        );
        assert_eq!(
            parsed(json!(["a"])),
            Err("Request body must be a JSON object".to_owned())
        );
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
