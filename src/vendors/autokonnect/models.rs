//! AutoKonnect's wire types and query parameters.

use serde::{Deserialize, Serialize};

use crate::http::query::QueryPairs;
use crate::time::{Precision, TimeFormat};

/// `2025-08-01T10:00:00.000Z`: UTC, always with milliseconds.
pub const TIMESTAMPS: TimeFormat = TimeFormat::new(Precision::Millis, true);

pub const DEFAULT_PAGE: u64 = 1;
pub const DEFAULT_LIMIT: u64 = 10;

/// `page`, `limit`, `search` of both list operations. A `page` or `limit` that is not a
/// positive integer falls back to its default, as the vendor's framework does (a Choice).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListParams {
    pub page: u64,
    pub limit: u64,
    pub search: Option<String>,
}

impl From<&QueryPairs> for ListParams {
    fn from(query: &QueryPairs) -> Self {
        let positive = |key: &str, default: u64| {
            query
                .get(key)
                .and_then(|value| value.trim().parse::<u64>().ok())
                .filter(|value| *value > 0)
                .unwrap_or(default)
        };
        Self {
            page: positive("page", DEFAULT_PAGE),
            limit: positive("limit", DEFAULT_LIMIT),
            search: query
                .get("search")
                .map(str::trim)
                .filter(|search| !search.is_empty())
                .map(str::to_owned),
        }
    }
}

/// The pagination envelope both operations answer with.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub data: Vec<T>,
    pub current_page: u64,
    pub total_pages: u64,
    pub total_records: u64,
}

#[derive(Debug, Serialize)]
pub struct Contact {
    pub id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub phone_number_lid: Option<String>,
    pub profile_picture: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub tags: Vec<ContactTag>,
}

/// A tag as embedded in a contact.
#[derive(Debug, Serialize, Deserialize)]
pub struct ContactTag {
    pub id: String,
    pub name: String,
    pub color: Option<String>,
}

/// A tag as `GET /api/v1/contacts/tags` lists it.
#[derive(Debug, Serialize)]
pub struct Tag {
    pub id: String,
    pub name: String,
    pub color: Option<String>,
    pub created_at: String,
    #[serde(rename = "_count")]
    pub count: TagCount,
}

#[derive(Debug, Serialize)]
pub struct TagCount {
    pub contact_tag: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &str) -> ListParams {
        ListParams::from(&QueryPairs::parse(query))
    }

    #[test]
    fn defaults_apply_when_absent() {
        assert_eq!(
            params(""),
            ListParams {
                page: 1,
                limit: 10,
                search: None
            }
        );
    }

    #[test]
    fn non_positive_or_non_numeric_values_fall_back() {
        for bad in ["0", "-1", "abc", "1.5", "", "99999999999999999999999"] {
            let parsed = params(&format!("page={bad}&limit={bad}"));
            assert_eq!((parsed.page, parsed.limit), (1, 10), "value {bad:?}");
        }
        assert_eq!(params("page=3&limit=25").page, 3);
    }

    #[test]
    fn blank_search_means_no_search() {
        assert_eq!(params("search=%20").search, None);
        assert_eq!(params("search=Jane").search.as_deref(), Some("Jane"));
    }
}
