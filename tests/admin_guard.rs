//! The admin API's guard: the token when one is set; without one, the Host, Origin
//! and Content-Type rules that keep web pages from driving the mock. Vendor routes are not
//! guarded.

mod common;

use common::{TestApp, spawn_app_with};
use reqwest::Method;
use serde_json::{Value, json};
use understudy::StateOptions;

const TOKEN: &str = "s3cret-t0ken";
const MISSING_TOKEN: &str =
    "admin calls need `Authorization: Bearer <token>` with the server's --admin-token";
const NOT_JSON: &str = "admin request bodies must be sent as Content-Type: application/json";
const AUTOKONNECT: (&str, &str) = ("Authorization", "Bearer ak_live_northwind_4f9c2e7a");

fn foreign_host(host: &str) -> Value {
    json!({"error": format!(
        "admin calls without --admin-token must be addressed to localhost, 127.0.0.1, [::1] or \
         the server's own address; the Host was `{host}`"
    )})
}

fn cross_site(what: &str) -> Value {
    json!({"error": format!(
        "admin calls that change state are refused from another site's page ({what}); start \
         the server with --admin-token to allow them with the token"
    )})
}

/// The app, with an admin token or without.
struct App(TestApp);

impl App {
    async fn start(admin_token: Option<&str>) -> Self {
        Self(
            spawn_app_with(StateOptions {
                admin_token: admin_token.map(str::to_owned),
                ..StateOptions::default()
            })
            .await,
        )
    }

    /// Sends a request with exactly these headers (reqwest adds `Host` only when absent) and,
    /// if given, this body as is; returns the status and JSON body.
    async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> (u16, Value) {
        let mut request = self.0.client.request(method, self.0.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.body(body.to_owned());
        }
        let response = request.send().await.expect("send");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn with_a_token_every_admin_call_but_health_needs_it() {
    let app = App::start(Some(TOKEN)).await;
    let missing = (401, json!({"error": MISSING_TOKEN}));
    assert_eq!(
        app.send(Method::GET, "/__admin/faults", &[], None).await,
        missing
    );
    assert_eq!(
        app.send(
            Method::POST,
            "/__admin/reset",
            &[("Authorization", "Bearer wrong-t0ken")],
            None
        )
        .await,
        missing
    );
    assert_eq!(
        app.send(
            Method::GET,
            "/__admin/faults",
            &[("Authorization", "Basic czNjcmV0LXQwa2Vu")],
            None
        )
        .await,
        missing
    );
    assert_eq!(
        app.send(Method::GET, "/__admin/nowhere", &[], None).await,
        missing,
        "unknown admin paths too"
    );
    let bearer = format!("Bearer {TOKEN}");
    assert_eq!(
        app.send(
            Method::GET,
            "/__admin/faults",
            &[("Authorization", &bearer)],
            None
        )
        .await,
        (200, json!({"faults": []}))
    );
    let (status, health) = app.send(Method::GET, "/__admin/health", &[], None).await;
    assert_eq!((status, &health["status"]), (200, &json!("ok")), "{health}");
}

#[tokio::test]
async fn a_401_names_the_bearer_scheme() {
    let app = App::start(Some(TOKEN)).await;
    let response = app
        .0
        .client
        .get(app.0.url("/__admin/requests"))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
}

#[tokio::test]
async fn with_a_token_host_origin_and_content_type_are_not_checked() {
    let app = App::start(Some(TOKEN)).await;
    let bearer = format!("Bearer {TOKEN}");
    let (status, _) = app
        .send(
            Method::POST,
            "/__admin/reset",
            &[
                ("Authorization", &bearer),
                ("Host", "understudy:4010"),
                ("Origin", "http://evil.example"),
            ],
            None,
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn without_a_token_a_foreign_host_is_refused() {
    let app = App::start(None).await;
    for host in ["evil.example", "evil.example:4010", "192.168.1.20"] {
        assert_eq!(
            app.send(Method::GET, "/__admin/requests", &[("Host", host)], None)
                .await,
            (403, foreign_host(host)),
            "{host}"
        );
    }
}

#[tokio::test]
async fn without_a_token_loopback_hosts_and_the_servers_own_address_pass() {
    let app = App::start(None).await;
    let own = app.0.address.to_string();
    for host in [
        "localhost",
        "localhost:4010",
        "127.0.0.1",
        "127.0.0.2:80",
        "[::1]:4010",
        &own,
    ] {
        assert_eq!(
            app.send(Method::GET, "/__admin/faults", &[("Host", host)], None)
                .await,
            (200, json!({"faults": []})),
            "{host}"
        );
    }
}

#[tokio::test]
async fn without_a_token_health_answers_any_host() {
    let app = App::start(None).await;
    let (status, health) = app
        .send(
            Method::GET,
            "/__admin/health",
            &[("Host", "understudy:4010")],
            None,
        )
        .await;
    assert_eq!((status, &health["status"]), (200, &json!("ok")), "{health}");
}

#[tokio::test]
async fn without_a_token_a_mutating_call_from_another_sites_origin_is_refused() {
    let app = App::start(None).await;
    for method in [Method::POST, Method::DELETE] {
        let path = if method == Method::POST {
            "/__admin/reset"
        } else {
            "/__admin/requests"
        };
        assert_eq!(
            app.send(
                method.clone(),
                path,
                &[("Origin", "http://evil.example")],
                None
            )
            .await,
            (403, cross_site("Origin `http://evil.example`")),
            "{method}"
        );
    }
    assert_eq!(
        app.send(
            Method::PUT,
            "/__admin/clock",
            &[("Origin", "null"), ("Content-Type", "application/json")],
            Some(r#"{"now":"2026-01-15T12:00:00Z"}"#)
        )
        .await,
        (403, cross_site("Origin `null`"))
    );
}

#[tokio::test]
async fn without_a_token_a_cross_site_fetch_is_refused() {
    let app = App::start(None).await;
    assert_eq!(
        app.send(
            Method::DELETE,
            "/__admin/faults",
            &[("Sec-Fetch-Site", "cross-site")],
            None
        )
        .await,
        (403, cross_site("Sec-Fetch-Site: cross-site"))
    );
}

#[tokio::test]
async fn without_a_token_loopback_origins_and_reads_from_anywhere_pass() {
    let app = App::start(None).await;
    assert_eq!(
        app.send(
            Method::POST,
            "/__admin/reset",
            &[
                ("Origin", "http://localhost:3000"),
                ("Sec-Fetch-Site", "same-site")
            ],
            None
        )
        .await,
        (200, json!({"status": "ok"}))
    );
    // A page cannot read the answer without CORS, which the admin API never grants.
    assert_eq!(
        app.send(
            Method::GET,
            "/__admin/faults",
            &[("Origin", "http://evil.example")],
            None
        )
        .await,
        (200, json!({"faults": []}))
    );
}

#[tokio::test]
async fn without_a_token_a_body_must_be_declared_json() {
    let app = App::start(None).await;
    let rule = r#"{"vendor": "vambe", "effect": {"type": "drop"}}"#;
    assert_eq!(
        app.send(
            Method::POST,
            "/__admin/faults",
            &[("Content-Type", "text/plain")],
            Some(rule)
        )
        .await,
        (415, json!({"error": NOT_JSON}))
    );
    assert_eq!(
        app.send(Method::POST, "/__admin/faults", &[], Some(rule))
            .await,
        (415, json!({"error": NOT_JSON})),
        "no Content-Type at all"
    );
    assert_eq!(
        app.send(
            Method::POST,
            "/__admin/faults",
            &[("Content-Type", "application/json")],
            Some(rule)
        )
        .await
        .0,
        201
    );
}

#[tokio::test]
async fn a_client_sending_neither_origin_nor_body_works_as_before() {
    let app = App::start(None).await;
    assert_eq!(
        app.send(Method::POST, "/__admin/reset", &[], None).await,
        (200, json!({"status": "ok"}))
    );
    assert_eq!(
        app.send(Method::DELETE, "/__admin/requests", &[], None)
            .await,
        (200, json!({"status": "ok"}))
    );
}

#[tokio::test]
async fn vendor_routes_are_not_guarded() {
    let app = App::start(Some(TOKEN)).await;
    let (status, _) = app
        .send(
            Method::GET,
            "/autokonnect/api/v1/contacts",
            &[AUTOKONNECT],
            None,
        )
        .await;
    assert_eq!(status, 200, "no admin token needed");

    let app = App::start(None).await;
    let (status, _) = app
        .send(
            Method::GET,
            "/autokonnect/api/v1/contacts",
            &[
                AUTOKONNECT,
                ("Host", "evil.example"),
                ("Origin", "http://evil.example"),
            ],
            None,
        )
        .await;
    assert_eq!(status, 200, "no Host or Origin rule");
}

#[tokio::test]
async fn with_a_token_the_dashboard_page_loads_and_asks_for_it_itself() {
    let app = App::start(Some(TOKEN)).await;
    let response = app
        .0
        .client
        .get(app.0.url("/__admin/ui"))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    assert!(
        response.text().await.expect("text").contains("<html"),
        "the page itself"
    );
    let (status, body) = app.send(Method::GET, "/__admin/faults", &[], None).await;
    assert_eq!((status, body), (401, json!({"error": MISSING_TOKEN})));
}
