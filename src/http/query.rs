//! The raw query string as decoded pairs, repeated keys kept. Never rejects: each vendor parses
//! the pairs into typed parameters and words its own errors.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// Decoded `key=value` pairs in request order. Invalid percent-encoded UTF-8 is replaced with
/// U+FFFD rather than refused, so no query string can fail the request on its own.
#[derive(Debug, Clone, Default)]
pub struct QueryPairs(Vec<(String, String)>);

impl QueryPairs {
    pub fn parse(query: &str) -> Self {
        Self(
            form_urlencoded::parse(query.as_bytes())
                .map(|(key, value)| (key.into_owned(), value.into_owned()))
                .collect(),
        )
    }

    /// The last value given for `key` (as most web frameworks read a repeated scalar).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, value)| value.as_str())
    }

    /// Every value given for any of `keys`, in request order.
    pub fn all<'a>(&'a self, keys: &'a [&str]) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| keys.contains(&k.as_str()))
            .map(|(_, value)| value.as_str())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::parse(parts.uri.query().unwrap_or_default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_repeated_keys_in_order() {
        let pairs = QueryPairs::parse("tags=a&tags%5B%5D=b&tags=c%2Cd&limit=5&limit=6");
        let tags: Vec<&str> = pairs.all(&["tags", "tags[]"]).collect();
        assert_eq!(tags, ["a", "b", "c,d"]);
        assert_eq!(pairs.get("limit"), Some("6"));
        assert_eq!(pairs.get("page"), None);
    }

    #[test]
    fn bad_utf8_is_replaced_not_refused() {
        let pairs = QueryPairs::parse("search=%FF%FE&x=%");
        assert_eq!(pairs.get("search"), Some("\u{FFFD}\u{FFFD}"));
        assert_eq!(pairs.get("x"), Some("%"));
    }
}
