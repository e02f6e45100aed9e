//! Who may drive `/__admin`. The admin API can reset data and inject faults, so it must not be
//! reachable by whoever can reach the port, nor by any web page the user happens to have open.
//!
//! - With `--admin-token`, every call but `GET /__admin/health` and the dashboard's page
//!   (`GET /__admin/ui`, which asks for the token) needs `Authorization: Bearer <token>` (401
//!   otherwise); nothing else is checked.
//! - Without a token, so that no web page can drive the mock:
//!   - the `Host` must be a loopback name or address (`localhost`, `127.x.x.x`, `[::1]`, any
//!     port) or the address the connection came in on (403 otherwise): a DNS-rebinding page
//!     sends its own host name;
//!   - a call that changes state (POST, PUT, PATCH, DELETE) is refused (403) when its `Origin`
//!     is not a loopback origin or its `Sec-Fetch-Site` is `cross-site`: a page's fetch or
//!     form post says where it comes from;
//!   - a request body must be `Content-Type: application/json` (415 otherwise, none
//!     included): the types a page may send without asking first are all something else.
//!
//!   Clients that send neither `Origin` nor a body (curl, test clients) pass as before.
//!
//! `GET /__admin/health` is always open: it changes nothing and tells nothing, and readiness
//! probes must reach it.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{
    AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, ORIGIN, TRANSFER_ENCODING, WWW_AUTHENTICATE,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::server::LocalAddr;

/// Why an admin call was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    /// 401: a token is set and the call did not carry it.
    #[error("admin calls need `Authorization: Bearer <token>` with the server's --admin-token")]
    MissingToken,
    /// 403: without a token, the `Host` names neither this machine nor the server's address.
    #[error(
        "admin calls without --admin-token must be addressed to localhost, 127.0.0.1, [::1] or \
         the server's own address; the Host was `{0}`"
    )]
    ForeignHost(String),
    /// 403: without a token, a state-changing call came from another site's page.
    #[error(
        "admin calls that change state are refused from another site's page ({0}); start the \
         server with --admin-token to allow them with the token"
    )]
    CrossSite(String),
    /// 415: without a token, a body that is not declared JSON.
    #[error("admin request bodies must be sent as Content-Type: application/json")]
    NotJson,
}

impl IntoResponse for GuardError {
    fn into_response(self) -> Response {
        let status = match self {
            Self::MissingToken => StatusCode::UNAUTHORIZED,
            Self::ForeignHost(_) | Self::CrossSite(_) => StatusCode::FORBIDDEN,
            Self::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        };
        let mut response =
            (status, axum::Json(json!({ "error": self.to_string() }))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// The admin API's access rule: the token, if the server has one.
#[derive(Debug, Clone)]
pub struct AdminAccess {
    token: Option<Arc<str>>,
}

impl AdminAccess {
    pub fn new(token: Option<&str>) -> Self {
        Self {
            token: token.map(Arc::from),
        }
    }

    /// Checks one admin call (its path relative to `/__admin`).
    fn check(&self, request: &Request) -> Result<(), GuardError> {
        let is_health = request.uri().path() == "/health"
            && matches!(*request.method(), Method::GET | Method::HEAD);
        if is_health {
            return Ok(());
        }
        let headers = request.headers();
        // The dashboard's page holds nothing secret and asks for the token itself.
        let is_dashboard = request.uri().path() == "/ui"
            && matches!(*request.method(), Method::GET | Method::HEAD);
        if let Some(token) = &self.token {
            if is_dashboard {
                return Ok(());
            }
            return match bearer(headers) {
                Some(sent) if same_secret(sent.as_bytes(), token.as_bytes()) => Ok(()),
                _ => Err(GuardError::MissingToken),
            };
        }
        let local = request.extensions().get::<LocalAddr>().map(|l| l.0.ip());
        check_host(headers, local)?;
        if changes_state(request.method()) {
            check_site(headers)?;
        }
        check_body_type(headers)
    }
}

/// The middleware on the admin router.
pub async fn guard(State(access): State<AdminAccess>, request: Request, next: Next) -> Response {
    match access.check(&request) {
        Ok(()) => next.run(request).await,
        Err(refused) => refused.into_response(),
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Compares in time independent of where the two differ, so the token cannot be guessed a
/// character at a time.
fn same_secret(sent: &[u8], expected: &[u8]) -> bool {
    sent.len() == expected.len()
        && sent
            .iter()
            .zip(expected)
            .fold(0u8, |differs, (a, b)| differs | (a ^ b))
            == 0
}

fn check_host(headers: &HeaderMap, local: Option<IpAddr>) -> Result<(), GuardError> {
    // HTTP/1.0 may leave `Host` out; browsers never do, and they are what this rule stops.
    let Some(value) = headers.get(HOST) else {
        return Ok(());
    };
    let text = String::from_utf8_lossy(value.as_bytes());
    let allowed = split_host(&text).is_some_and(|host| {
        is_loopback_name(host) || local.is_some_and(|local| parse_ip(host) == Some(local))
    });
    if allowed {
        Ok(())
    } else {
        Err(GuardError::ForeignHost(text.into_owned()))
    }
}

fn changes_state(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

fn check_site(headers: &HeaderMap) -> Result<(), GuardError> {
    if let Some(origin) = headers.get(ORIGIN) {
        let origin = String::from_utf8_lossy(origin.as_bytes());
        let loopback = ["http://", "https://"]
            .iter()
            .find_map(|scheme| origin.strip_prefix(scheme))
            .and_then(split_host)
            .is_some_and(is_loopback_name);
        if !loopback {
            return Err(GuardError::CrossSite(format!("Origin `{origin}`")));
        }
    }
    let cross_site = headers
        .get("sec-fetch-site")
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"cross-site"));
    if cross_site {
        return Err(GuardError::CrossSite("Sec-Fetch-Site: cross-site".into()));
    }
    Ok(())
}

fn check_body_type(headers: &HeaderMap) -> Result<(), GuardError> {
    let has_body = headers.contains_key(TRANSFER_ENCODING)
        || headers
            .get(CONTENT_LENGTH)
            .is_some_and(|length| length.as_bytes() != b"0");
    if !has_body {
        return Ok(());
    }
    let is_json = headers.get(CONTENT_TYPE).is_some_and(|value| {
        let essence = value.as_bytes().split(|b| *b == b';').next().unwrap_or(b"");
        essence
            .trim_ascii()
            .eq_ignore_ascii_case(b"application/json")
    });
    if is_json {
        Ok(())
    } else {
        Err(GuardError::NotJson)
    }
}

/// The host of `host[:port]` or `[v6][:port]` (brackets kept off); `None` when malformed.
fn split_host(authority: &str) -> Option<&str> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return (after.is_empty() || is_port(after.strip_prefix(':')?)).then_some(host);
    }
    match authority.split_once(':') {
        Some((host, port)) => is_port(port).then_some(host),
        None => Some(authority),
    }
}

fn is_port(text: &str) -> bool {
    !text.is_empty() && text.len() <= 5 && text.bytes().all(|b| b.is_ascii_digit())
}

fn parse_ip(host: &str) -> Option<IpAddr> {
    host.parse().ok()
}

fn is_loopback_name(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || parse_ip(host).is_some_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    axum::http::HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                )
            })
            .collect()
    }

    #[test]
    fn loopback_hosts_pass_with_or_without_a_port() {
        for host in [
            "localhost",
            "LOCALHOST:4010",
            "127.0.0.1",
            "127.8.9.10:80",
            "[::1]",
            "[::1]:4010",
        ] {
            let map: HeaderMap = [(HOST, HeaderValue::from_static(host))]
                .into_iter()
                .collect();
            assert_eq!(check_host(&map, None), Ok(()), "{host}");
        }
    }

    #[test]
    fn other_hosts_are_refused_unless_they_are_the_servers_own_address() {
        let local: IpAddr = "10.1.2.3".parse().unwrap();
        for host in [
            "evil.example",
            "localhost.evil.example",
            "128.0.0.1",
            "127.0.0.1:x",
            "[::1]x",
            "10.1.2.3:4010",
        ] {
            let map: HeaderMap = [(HOST, HeaderValue::from_static(host))]
                .into_iter()
                .collect();
            assert_eq!(
                check_host(&map, None),
                Err(GuardError::ForeignHost(host.into())),
                "{host}"
            );
        }
        let map = headers(&[("host", "10.1.2.3:4010")]);
        assert_eq!(check_host(&map, Some(local)), Ok(()));
    }

    #[test]
    fn origins_other_than_loopback_and_cross_site_fetches_are_refused() {
        assert_eq!(check_site(&headers(&[])), Ok(()));
        assert_eq!(
            check_site(&headers(&[("origin", "http://localhost:3000")])),
            Ok(())
        );
        assert_eq!(check_site(&headers(&[("origin", "https://[::1]")])), Ok(()));
        assert_eq!(
            check_site(&headers(&[("sec-fetch-site", "same-origin")])),
            Ok(())
        );
        for origin in [
            "http://evil.example",
            "null",
            "file://",
            "http://127.0.0.1.evil",
        ] {
            let map: HeaderMap = [(ORIGIN, HeaderValue::from_static(origin))]
                .into_iter()
                .collect();
            assert_eq!(
                check_site(&map),
                Err(GuardError::CrossSite(format!("Origin `{origin}`"))),
                "{origin}"
            );
        }
        assert_eq!(
            check_site(&headers(&[("sec-fetch-site", "cross-site")])),
            Err(GuardError::CrossSite("Sec-Fetch-Site: cross-site".into()))
        );
    }

    #[test]
    fn a_body_must_be_declared_json() {
        assert_eq!(check_body_type(&headers(&[])), Ok(()));
        assert_eq!(
            check_body_type(&headers(&[("content-length", "0")])),
            Ok(())
        );
        assert_eq!(
            check_body_type(&headers(&[
                ("content-length", "2"),
                ("content-type", "Application/JSON; charset=utf-8")
            ])),
            Ok(())
        );
        for refused in [
            headers(&[("content-length", "2")]),
            headers(&[("transfer-encoding", "chunked")]),
            headers(&[("content-length", "2"), ("content-type", "text/plain")]),
            headers(&[
                ("content-length", "2"),
                ("content-type", "application/x-www-form-urlencoded"),
            ]),
        ] {
            assert_eq!(check_body_type(&refused), Err(GuardError::NotJson));
        }
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"t0ken", b"t0ken"));
        assert!(!same_secret(b"t0ken", b"t0kem"));
        assert!(!same_secret(b"t0ke", b"t0ken"));
    }
}
