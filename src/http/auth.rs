//! Reading credentials from headers. Each vendor's auth extractor uses these and then looks the
//! credential up in its own tenant table, answering with its own 401.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;

/// A header's value as text, if present, valid visible ASCII and not blank.
pub fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let value = headers.get(name)?.to_str().ok()?.trim();
    (!value.is_empty()).then_some(value)
}

/// The token of `Authorization: <scheme> <token>`; the scheme matches case-insensitively.
pub fn authorization_token<'a>(headers: &'a HeaderMap, scheme: &str) -> Option<&'a str> {
    let value = header_text(headers, AUTHORIZATION.as_str())?;
    let (given_scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (given_scheme.eq_ignore_ascii_case(scheme) && !token.is_empty() && !token.contains(' '))
        .then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_authorization(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn reads_the_token_of_the_named_scheme_only() {
        assert_eq!(
            authorization_token(&with_authorization("Bearer abc"), "Bearer"),
            Some("abc")
        );
        assert_eq!(
            authorization_token(&with_authorization("bearer abc"), "Bearer"),
            Some("abc")
        );
        assert_eq!(
            authorization_token(&with_authorization("Agent abc"), "Bearer"),
            None
        );
        assert_eq!(
            authorization_token(&with_authorization("Bearer"), "Bearer"),
            None
        );
        assert_eq!(
            authorization_token(&with_authorization("Bearer a b"), "Bearer"),
            None
        );
        assert_eq!(authorization_token(&HeaderMap::new(), "Bearer"), None);
    }
}
