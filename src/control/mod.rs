//! Test control for every vendor request: the namespace it runs in, the faults that may hit it,
//! and its journal entry. This module holds that state and knows no vendor; the middleware in
//! the application layer applies it to each vendor request, and the admin API reads and
//! changes it.

use axum::http::HeaderMap;

use crate::store::Db;

pub mod faults;
pub mod glob;
pub mod journal;

/// The request header that selects a namespace.
pub const NAMESPACE_HEADER: &str = "x-understudy-namespace";
/// The longest namespace name accepted.
pub const MAX_NAMESPACE_LEN: usize = 128;
/// The namespace a request runs in (absent for the default one) and its database.
#[derive(Clone, Debug)]
pub struct NamespaceDb {
    pub name: String,
    pub db: Db,
}

/// The namespace header is present but names no usable namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a namespace is 1 to {MAX_NAMESPACE_LEN} visible ASCII characters")]
pub struct InvalidNamespace;

/// The namespace named by the request, `None` for the default one.
pub fn namespace_of(headers: &HeaderMap) -> Result<Option<String>, InvalidNamespace> {
    let Some(value) = headers.get(NAMESPACE_HEADER) else {
        return Ok(None);
    };
    namespace_name(value.to_str().map_err(|_| InvalidNamespace)?)
}

/// A namespace name as given (in the header or the admin API): `None` for `default`.
pub fn namespace_name(name: &str) -> Result<Option<String>, InvalidNamespace> {
    let name = name.trim();
    let valid = !name.is_empty()
        && name.len() <= MAX_NAMESPACE_LEN
        && name.bytes().all(|b| b.is_ascii_graphic());
    if !valid {
        return Err(InvalidNamespace);
    }
    Ok((name != "default").then(|| name.to_owned()))
}

/// Keeps a scheme word and the last four characters of a secret: `Bearer ****e7a2`.
pub fn mask(secret: &str) -> String {
    let (scheme, tail) = kept_of(secret);
    let mut masked = String::with_capacity(scheme.len() + MASK.len() + tail.len());
    push_masked(&mut masked, scheme, tail);
    masked
}

/// Appends [`mask`]`(secret)` to `out`: every request masks its credentials straight into its
/// journal entry's buffer.
pub fn mask_into(secret: &str, out: &mut String) {
    let (scheme, tail) = kept_of(secret);
    push_masked(out, scheme, tail);
}

fn push_masked(out: &mut String, scheme: &str, tail: &str) {
    out.push_str(scheme);
    out.push_str(MASK);
    out.push_str(tail);
}

/// What stands for the hidden part of a secret.
const MASK: &str = "****";

/// What a mask keeps of `secret`: its scheme word with the space after it, and its last four
/// characters when it has more than eight.
fn kept_of(secret: &str) -> (&str, &str) {
    let (scheme, token) = match secret.split_once(' ') {
        Some((scheme, token)) => (&secret[..=scheme.len()], token),
        None => ("", secret),
    };
    let tail = if token.chars().nth(8).is_some() {
        token
            .char_indices()
            .rev()
            .nth(3)
            .map_or("", |(at, _)| &token[at..])
    } else {
        ""
    };
    (scheme, tail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn secrets_are_masked_keeping_scheme_and_tail() {
        assert_eq!(mask("Bearer ak_live_northwind_4f9c2e7a"), "Bearer ****2e7a");
        assert_eq!(mask("short"), "****");
        assert_eq!(mask("vk_1234567890"), "****7890");
        assert_eq!(mask("Bearer "), "Bearer ****");
        assert_eq!(mask("Agent tok_1234ññññ"), "Agent ****ññññ");
        assert_eq!(mask("Agent 12345678"), "Agent ****");
    }

    #[test]
    fn namespace_header_rules() {
        let mut headers = HeaderMap::new();
        assert_eq!(namespace_of(&headers), Ok(None));
        headers.insert(NAMESPACE_HEADER, HeaderValue::from_static("test-42"));
        assert_eq!(namespace_of(&headers), Ok(Some("test-42".into())));
        headers.insert(NAMESPACE_HEADER, HeaderValue::from_static("default"));
        assert_eq!(namespace_of(&headers), Ok(None));
        headers.insert(NAMESPACE_HEADER, HeaderValue::from_static("two words"));
        assert_eq!(namespace_of(&headers), Err(InvalidNamespace));
    }
}
