//! `GET /__admin/ui`: the dashboard. One page whose HTML, CSS and JavaScript (`ui/`) are
//! embedded in the binary, so it works offline and loads nothing from elsewhere (its content
//! security policy forbids it). The page drives the admin API and reads the vendors' own list
//! endpoints from the browser; it asks for the admin token itself when a call answers 401, so
//! the page has to stay reachable without one.

use std::sync::LazyLock;

use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
};
use axum::response::{IntoResponse, Response};

const INDEX_HTML: &str = include_str!("ui/index.html");
const STYLE_CSS: &str = include_str!("ui/style.css");
const APP_JS: &str = include_str!("ui/app.js");

/// Only the page's own inline style and script, and calls back to this server; no frames, no
/// forms posting elsewhere.
const POLICY: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
                      connect-src 'self'; img-src 'self' data:; base-uri 'none'; \
                      form-action 'none'; frame-ancestors 'none'";

/// The page with its style sheet and script inlined, assembled once.
static PAGE: LazyLock<String> = LazyLock::new(|| {
    INDEX_HTML
        .replacen("/* style.css */", STYLE_CSS, 1)
        .replacen("/* app.js */", APP_JS, 1)
});

/// `GET /__admin/ui`.
pub async fn page() -> Response {
    (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CONTENT_SECURITY_POLICY, POLICY),
            (CACHE_CONTROL, "no-cache"),
            (REFERRER_POLICY, "no-referrer"),
            (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        PAGE.as_str(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn the_page_inlines_its_style_and_script() {
        assert!(PAGE.contains("--accent"), "style sheet inlined");
        assert!(PAGE.contains("const VIEWS"), "script inlined");
        assert!(!PAGE.contains("/* style.css */") && !PAGE.contains("/* app.js */"));
    }

    #[test]
    fn the_page_loads_nothing_from_elsewhere() {
        for needle in ["http:", "https:", "@import", "url(", "src="] {
            assert!(!PAGE.contains(needle), "page contains `{needle}`");
        }
        // The only links: the views (`#journal`) and the empty icon (`data:,`).
        for (at, _) in PAGE.match_indices("href=\"") {
            let target = &PAGE[at + 6..];
            assert!(
                target.starts_with('#') || target.starts_with("data:"),
                "page links to {}",
                &target[..target.len().min(40)]
            );
        }
    }

    #[test]
    fn the_inlined_files_cannot_close_their_element_early() {
        assert!(!STYLE_CSS.contains("</style"));
        assert!(!APP_JS.contains("</script"));
    }

    #[test]
    fn the_policy_is_a_valid_header_value() {
        assert!(HeaderValue::from_str(POLICY).is_ok());
    }
}
