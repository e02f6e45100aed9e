//! Credential schemes: where an API's requests carry the secret that selects a tenant, read
//! from headers and written back as the headers a client sends.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;

/// Where an API's requests carry their credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CredentialScheme {
    /// The secret: a token in `Authorization`, or a header of its own.
    pub secret: Secret,
    /// Headers that select the tenant together with the secret; not secret themselves.
    pub selectors: &'static [&'static str],
}

/// The header a secret travels in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret {
    /// `Authorization: <scheme> <token>`; the scheme word matches case-insensitively.
    Authorization { scheme: &'static str },
    /// A header holding the secret alone, e.g. `x-api-key`.
    Header(&'static str),
}

/// A request's credentials: the secret and each selector, in the scheme's order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Keys {
    pub secret: String,
    pub selectors: Vec<String>,
}

impl CredentialScheme {
    /// The secret the request carries (a token without its scheme word), if any.
    pub fn secret<'a>(&self, headers: &'a HeaderMap) -> Option<&'a str> {
        match self.secret {
            Secret::Authorization { scheme } => authorization_token(headers, scheme),
            Secret::Header(name) => header_text(headers, name),
        }
    }

    /// The secret and every selector, or `None` when any of them is missing or blank.
    pub fn keys(&self, headers: &HeaderMap) -> Option<Keys> {
        let secret = self.secret(headers)?.to_owned();
        let selectors = self
            .selectors
            .iter()
            .map(|name| header_text(headers, name).map(str::to_owned))
            .collect::<Option<Vec<_>>>()?;
        Some(Keys { secret, selectors })
    }

    /// The header the secret travels in, lower case: what the journal masks.
    pub fn secret_header(&self) -> &'static str {
        match self.secret {
            Secret::Authorization { .. } => "authorization",
            Secret::Header(name) => name,
        }
    }

    /// The headers that authenticate with `keys`, as a client sends them.
    pub fn headers(&self, keys: &Keys) -> Vec<(String, String)> {
        let secret = match self.secret {
            Secret::Authorization { scheme } => (
                "Authorization".to_owned(),
                format!("{scheme} {}", keys.secret),
            ),
            Secret::Header(name) => (name.to_owned(), keys.secret.clone()),
        };
        let selectors = self
            .selectors
            .iter()
            .zip(&keys.selectors)
            .map(|(name, value)| ((*name).to_owned(), value.clone()));
        std::iter::once(secret).chain(selectors).collect()
    }
}

/// A header's value as text, if present, valid visible ASCII and not blank.
pub fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let value = headers.get(name)?.to_str().ok()?.trim();
    (!value.is_empty()).then_some(value)
}

/// The token of `Authorization: <scheme> <token>`; the scheme matches case-insensitively.
fn authorization_token<'a>(headers: &'a HeaderMap, scheme: &str) -> Option<&'a str> {
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

    const BEARER: CredentialScheme = CredentialScheme {
        secret: Secret::Authorization { scheme: "Bearer" },
        selectors: &[],
    };
    const TOKEN_AND_TEAM: CredentialScheme = CredentialScheme {
        secret: Secret::Header("x-api-token"),
        selectors: &["team_id"],
    };

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn reads_the_token_of_the_named_scheme_only() {
        let secret = |value| {
            BEARER
                .secret(&headers(&[("authorization", value)]))
                .map(str::to_owned)
        };
        assert_eq!(secret("Bearer abc").as_deref(), Some("abc"));
        assert_eq!(secret("bearer abc").as_deref(), Some("abc"));
        assert_eq!(secret("Agent abc"), None);
        assert_eq!(secret("Bearer"), None);
        assert_eq!(secret("Bearer a b"), None);
        assert_eq!(BEARER.secret(&HeaderMap::new()), None);
    }

    #[test]
    fn keys_need_the_secret_and_every_selector() {
        let both = headers(&[("x-api-token", "t1"), ("team_id", " team ")]);
        let keys = TOKEN_AND_TEAM.keys(&both).unwrap();
        assert_eq!(
            (keys.secret.as_str(), keys.selectors.as_slice()),
            ("t1", &["team".to_owned()][..])
        );
        assert_eq!(
            TOKEN_AND_TEAM.keys(&headers(&[("x-api-token", "t1")])),
            None
        );
        assert_eq!(
            TOKEN_AND_TEAM.keys(&headers(&[("x-api-token", "t1"), ("team_id", " ")])),
            None
        );
    }

    #[test]
    fn writes_the_headers_a_client_sends() {
        let keys = Keys {
            secret: "t1".into(),
            selectors: vec!["team".into()],
        };
        assert_eq!(
            TOKEN_AND_TEAM.headers(&keys),
            [
                ("x-api-token".to_owned(), "t1".to_owned()),
                ("team_id".to_owned(), "team".to_owned())
            ]
        );
        let keys = Keys {
            secret: "k".into(),
            selectors: Vec::new(),
        };
        assert_eq!(
            BEARER.headers(&keys),
            [("Authorization".to_owned(), "Bearer k".to_owned())]
        );
    }
}
