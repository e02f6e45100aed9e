//! Test control over real HTTP: the request journal, fault injection, namespaces, a vendor on a
//! port of its own, and routing by the vendor's real host name.

mod common;

use std::time::{Duration, Instant};

use common::{TestApp, options, spawn_app, spawn_vendor_app};
use reqwest::Method;
use serde_json::{Value, json};

const TAILORTALK: (&str, &str) = ("Authorization", "Agent tt_agent_5f2c9a7e41d86b03");
const AGENTCLARA: (&str, &str) = ("Authorization", "Bearer sk_test_bistro_4f8a2c9e71d3");
const THOUGHTLY_TOKEN: (&str, &str) = ("x-api-token", "c8e1f0b2a94d47e6b3d5a1f07c2e9b48");
const THOUGHTLY_TEAM: (&str, &str) = ("team_id", "65f1c0a2e4b0d93a7c1e5f21");
const AUTOKONNECT: (&str, &str) = ("Authorization", "Bearer ak_live_northwind_4f9c2e7a");
const VAMBE: (&str, &str) = ("x-api-key", "vk_live_andes_7c41e9b2d05a");
const AK_CONTACTS: &str = "/autokonnect/api/v1/contacts";
const NAMESPACE: &str = "X-Understudy-Namespace";

/// One authenticated, successful request per vendor.
async fn call_every_vendor(app: &TestApp) {
    type Call<'a> = (Method, &'a str, Vec<(&'a str, &'a str)>);
    let calls: [Call; 5] = [
        (
            Method::POST,
            "/tailortalk/api/v1/get_contacts",
            vec![TAILORTALK],
        ),
        (Method::GET, "/agentclara/contacts", vec![AGENTCLARA]),
        (
            Method::GET,
            "/thoughtly/contact",
            vec![THOUGHTLY_TOKEN, THOUGHTLY_TEAM],
        ),
        (Method::GET, AK_CONTACTS, vec![AUTOKONNECT]),
        (
            Method::GET,
            "/vambe/api/public/contacts?days=30",
            vec![VAMBE],
        ),
    ];
    for (method, path, headers) in calls {
        let (status, body) = app.send(method, path, &headers, None).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
}

async fn add_fault(app: &TestApp, rule: Value) -> Value {
    let (status, body) = app
        .send(Method::POST, "/__admin/faults", &[], Some(&rule))
        .await;
    assert_eq!(status, 201, "{body}");
    body
}

async fn ak_status(app: &TestApp, path: &str) -> u16 {
    app.get(path, &[AUTOKONNECT]).await.0
}

#[tokio::test]
async fn the_journal_records_every_vendor_with_credentials_masked() {
    let app = spawn_app().await;
    call_every_vendor(&app).await;
    let (status, body) = app.get("/__admin/requests", &[]).await;
    assert_eq!(status, 200);
    let requests = body["requests"].as_array().expect("requests");
    let vendors: Vec<&str> = requests
        .iter()
        .map(|r| r["vendor"].as_str().expect("vendor"))
        .collect();
    assert_eq!(
        vendors,
        [
            "vambe",
            "autokonnect",
            "thoughtly",
            "agentclara",
            "tailortalk"
        ],
        "newest first"
    );
    let autokonnect = &requests[1];
    assert_eq!(autokonnect["method"], "GET");
    assert_eq!(autokonnect["path"], "/api/v1/contacts");
    assert_eq!(autokonnect["status"], 200);
    assert_eq!(autokonnect["headers"]["authorization"], "Bearer ****2e7a");
    assert_eq!(autokonnect["tenant"], "****2e7a");
    let duration = autokonnect["duration_ms"].as_f64().expect("duration");
    assert!(
        duration > 0.0 && duration < 300.0,
        "an undelayed request is timed, well below a 300 ms delay: {duration}"
    );
    assert_eq!(requests[0]["query"], "days=30");
    assert_eq!(requests[0]["headers"]["x-api-key"], "****d05a");
    assert_eq!(requests[2]["headers"]["x-api-token"], "****9b48");
    assert_eq!(
        requests[2]["headers"]["team_id"], "65f1c0a2e4b0d93a7c1e5f21",
        "a team id is no secret"
    );
    assert_not_in(
        &body,
        &[
            "tt_agent_5f2c9a7e41d86b03",
            "sk_test_bistro_4f8a2c9e71d3",
            "ak_live_northwind_4f9c2e7a",
            "vk_live_andes_7c41e9b2d05a",
        ],
    );
}

/// Asserts that none of `secrets` appears anywhere in `body`.
fn assert_not_in(body: &Value, secrets: &[&str]) {
    let text = body.to_string();
    for secret in secrets {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
}

#[tokio::test]
async fn a_secret_header_sent_twice_is_masked_in_both_values() {
    let app = spawn_app().await;
    let status = app
        .get(
            "/vambe/api/public/contacts?days=30",
            &[
                ("x-api-key", "vk_live_andes_7c41e9b2d05a"),
                ("x-api-key", "vk_live_second_value_91c3"),
                ("authorization", "Bearer first_token_4411aa"),
                ("authorization", "Bearer second_token_5522bb"),
            ],
        )
        .await
        .0;
    assert_eq!(status, 200);
    let (_, body) = app.get("/__admin/requests?vendor=vambe", &[]).await;
    let headers = &body["requests"][0]["headers"];
    assert_eq!(headers["x-api-key"], "****d05a, ****91c3");
    assert_eq!(headers["authorization"], "Bearer ****11aa, Bearer ****22bb");
    assert_not_in(
        &body,
        &[
            "vk_live_andes_7c41e9b2d05a",
            "vk_live_second_value_91c3",
            "first_token_4411aa",
            "second_token_5522bb",
        ],
    );
}

#[tokio::test]
async fn journal_filters_count_and_clear() {
    let app = spawn_app().await;
    call_every_vendor(&app).await;
    assert_eq!(app.get(AK_CONTACTS, &[]).await.0, 401);
    let count = |query: &'static str| {
        let app = &app;
        async move {
            app.get(&format!("/__admin/requests/count?{query}"), &[])
                .await
                .1["count"]
                .clone()
        }
    };
    assert_eq!(count("").await, 6);
    assert_eq!(count("vendor=autokonnect").await, 2);
    assert_eq!(count("vendor=autokonnect&status=401").await, 1);
    assert_eq!(count("method=post").await, 1);
    assert_eq!(count("path=/api/*").await, 4);
    assert_eq!(count("since=2999-01-01T00:00:00Z").await, 0);
    let (_, body) = app
        .get("/__admin/requests?vendor=autokonnect&limit=1", &[])
        .await;
    assert_eq!(body["requests"].as_array().expect("requests").len(), 1);
    assert_eq!(body["requests"][0]["status"], 401, "newest first");
    let (status, body) = app.get("/__admin/requests?status=abc", &[]).await;
    assert_eq!(
        (status, body),
        (400, json!({"error": "status: must be an HTTP status code"}))
    );
    let (status, _) = app
        .send(Method::DELETE, "/__admin/requests", &[], None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(count("").await, 0);
}

#[tokio::test]
async fn the_journal_keeps_request_bodies_and_is_bounded() {
    let mut opts = options(Vec::new());
    opts.journal_size = Some(3);
    let app = common::spawn_app_with(opts).await;
    let body = json!({"name": "Journaled"});
    app.send(
        Method::POST,
        "/agentclara/contacts",
        &[AGENTCLARA],
        Some(&body),
    )
    .await;
    let (_, listed) = app.get("/__admin/requests", &[]).await;
    assert_eq!(listed["requests"][0]["body"], body.to_string());
    assert_eq!(listed["requests"][0]["status"], 201);
    for _ in 0..5 {
        ak_status(&app, AK_CONTACTS).await;
    }
    let (_, listed) = app.get("/__admin/requests", &[]).await;
    assert_eq!(listed["requests"].as_array().expect("requests").len(), 3);
}

#[tokio::test]
async fn a_status_fault_answers_in_the_vendors_own_shape_or_with_a_given_body() {
    let app = spawn_app().await;
    add_fault(
        &app,
        json!({"vendor": "autokonnect", "effect": {"type": "status", "status": 500}, "times": 1}),
    )
    .await;
    assert_eq!(
        app.get(AK_CONTACTS, &[AUTOKONNECT]).await,
        (500, json!({"error": "Internal server error"}))
    );
    add_fault(&app, json!({"vendor": "vambe", "effect": {"type": "status", "status": 503, "body": {"custom": true}}})).await;
    assert_eq!(
        app.get("/vambe/api/public/contacts?days=1", &[VAMBE]).await,
        (503, json!({"custom": true}))
    );
    add_fault(
        &app,
        json!({"vendor": "agentclara", "effect": {"type": "status", "status": 401}}),
    )
    .await;
    let (status, body) = app.get("/agentclara/contacts", &[AGENTCLARA]).await;
    assert_eq!(status, 401);
    assert_eq!(body["success"], false, "{body}");
}

#[tokio::test]
async fn a_rate_limit_fault_sends_429_with_retry_after_in_the_vendors_shape() {
    let app = spawn_app().await;
    add_fault(
        &app,
        json!({"vendor": "thoughtly", "effect": {"type": "rate_limit", "retry_after": 30}}),
    )
    .await;
    let response = app
        .request(
            Method::GET,
            "/thoughtly/contact",
            &[THOUGHTLY_TOKEN, THOUGHTLY_TEAM],
            None,
        )
        .await;
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "30");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["data"], Value::Null);
    assert!(body["error"]["message"].is_string(), "{body}");
}

#[tokio::test]
async fn delay_faults_hold_the_answer_back() {
    let app = spawn_app().await;
    add_fault(&app, json!({"vendor": "autokonnect", "path": "/api/v1/contacts", "effect": {"type": "delay", "ms": 300}})).await;
    let started = Instant::now();
    assert_eq!(ak_status(&app, AK_CONTACTS).await, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let (_, listed) = app.get("/__admin/requests?limit=1", &[]).await;
    let journaled = &listed["requests"][0];
    assert_eq!(journaled["path"], "/api/v1/contacts");
    let duration = journaled["duration_ms"].as_f64().expect("duration");
    assert!(
        duration >= 300.0,
        "the journal times the delay too: {duration}"
    );
    add_fault(&app, json!({"vendor": "autokonnect", "path": "*/tags", "effect": {"type": "delay", "min_ms": 100, "max_ms": 150}})).await;
    let started = Instant::now();
    assert_eq!(ak_status(&app, &format!("{AK_CONTACTS}/tags")).await, 200);
    assert!(started.elapsed() >= Duration::from_millis(100));
}

#[tokio::test]
async fn a_drop_fault_closes_the_connection_unanswered() {
    let app = spawn_app().await;
    add_fault(
        &app,
        json!({"vendor": "autokonnect", "effect": {"type": "drop"}, "times": 1}),
    )
    .await;
    let outcome = async {
        let response = app
            .client
            .get(app.url(AK_CONTACTS))
            .header(AUTOKONNECT.0, AUTOKONNECT.1)
            .send()
            .await?;
        response.bytes().await
    }
    .await;
    assert!(outcome.is_err(), "{outcome:?}");
    assert_eq!(
        ak_status(&app, AK_CONTACTS).await,
        200,
        "the rule expired after one drop"
    );
}

#[tokio::test]
async fn a_fault_expires_after_its_times_and_reports_how_often_it_fired() {
    let app = spawn_app().await;
    let rule = add_fault(
        &app,
        json!({"vendor": "autokonnect", "times": 2, "effect": {"type": "status", "status": 502}}),
    )
    .await;
    let statuses = [
        ak_status(&app, AK_CONTACTS).await,
        ak_status(&app, AK_CONTACTS).await,
        ak_status(&app, AK_CONTACTS).await,
    ];
    assert_eq!(statuses, [502, 502, 200]);
    let (_, listed) = app.get("/__admin/faults", &[]).await;
    assert_eq!(listed["faults"][0]["id"], rule["id"]);
    assert_eq!(listed["faults"][0]["fired"], 2);
}

#[tokio::test]
async fn a_seeded_probability_fires_on_the_same_requests_every_run() {
    let pattern = || async {
        let app = spawn_app().await;
        add_fault(
            &app,
            json!({"vendor": "autokonnect", "probability": 0.3, "seed": 1234,
                               "effect": {"type": "status", "status": 503}}),
        )
        .await;
        let mut hits = Vec::new();
        for _ in 0..40 {
            hits.push(ak_status(&app, AK_CONTACTS).await == 503);
        }
        hits
    };
    let first = pattern().await;
    assert_eq!(first, pattern().await);
    let fired = first.iter().filter(|hit| **hit).count();
    assert!((4..=20).contains(&fired), "{fired} of 40 at 30%");
}

#[tokio::test]
async fn a_fault_stays_inside_its_match() {
    let app = spawn_app().await;
    add_fault(
        &app,
        json!({"vendor": "autokonnect", "method": "GET", "path": "/api/v1/contacts/tags",
                           "tenant": "ak_live_northwind_4f9c2e7a", "namespace": "default",
                           "effect": {"type": "status", "status": 500}}),
    )
    .await;
    assert_eq!(ak_status(&app, &format!("{AK_CONTACTS}/tags")).await, 500);
    assert_eq!(ak_status(&app, AK_CONTACTS).await, 200, "another path");
    let other_company = ("Authorization", "Bearer ak_live_bluebird_8d1b6f03");
    assert_eq!(
        app.get(&format!("{AK_CONTACTS}/tags"), &[other_company])
            .await
            .0,
        200,
        "another tenant"
    );
    assert_eq!(
        app.get(
            &format!("{AK_CONTACTS}/tags"),
            &[AUTOKONNECT, (NAMESPACE, "n1")]
        )
        .await
        .0,
        200,
        "another namespace"
    );
    call_every_vendor(&app).await; // other vendors untouched
    let (status, _) = app
        .send(Method::DELETE, "/__admin/faults/1", &[], None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        ak_status(&app, &format!("{AK_CONTACTS}/tags")).await,
        200,
        "removed"
    );
    let (status, body) = app
        .send(Method::DELETE, "/__admin/faults/1", &[], None)
        .await;
    assert_eq!((status, body), (404, json!({"error": "no fault rule `1`"})));
}

#[tokio::test]
async fn an_invalid_fault_rule_is_a_400_naming_the_field() {
    let app = spawn_app().await;
    for (rule, message) in [
        (
            json!({"vendor": "acme", "effect": {"type": "drop"}}),
            "vendor: unknown vendor `acme`",
        ),
        (
            json!({"vendor": "vambe", "effect": {"type": "status", "status": 99}}),
            "effect.status: must be between 200 and 599",
        ),
        (
            json!({"vendor": "vambe", "probability": 1.5, "effect": {"type": "drop"}}),
            "probability: must be between 0 and 1",
        ),
    ] {
        assert_eq!(
            app.send(Method::POST, "/__admin/faults", &[], Some(&rule))
                .await,
            (400, json!({"error": message}))
        );
    }
    let (status, body) = app
        .send(
            Method::POST,
            "/__admin/faults",
            &[],
            Some(&json!({"vendor": "vambe"})),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]
            .as_str()
            .expect("message")
            .contains("missing field `effect`"),
        "{body}"
    );
    let (status, _) = app.send(Method::DELETE, "/__admin/faults", &[], None).await;
    assert_eq!(status, 200);
}

async fn create_in(app: &TestApp, namespace: &'static str, name: String) {
    let (status, body) = app
        .send(
            Method::POST,
            "/agentclara/contacts",
            &[AGENTCLARA, (NAMESPACE, namespace)],
            Some(&json!({"name": name})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

async fn names_in(app: &TestApp, namespace: &'static str, search: &str) -> Vec<String> {
    let (status, body) = app
        .get(
            &format!("/agentclara/contacts?limit=100&search={search}"),
            &[AGENTCLARA, (NAMESPACE, namespace)],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let mut names: Vec<String> = body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|c| c["name"].as_str().expect("name").to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn namespaces_with_concurrent_writes_never_see_each_other() {
    let app = std::sync::Arc::new(spawn_app().await);
    let mut writers = Vec::new();
    for i in 0..10 {
        for namespace in ["alpha", "beta"] {
            let app = app.clone();
            writers.push(tokio::spawn(async move {
                create_in(&app, namespace, format!("Zed {namespace} {i}")).await
            }));
        }
    }
    for writer in writers {
        writer.await.expect("writer");
    }
    let alpha = names_in(&app, "alpha", "Zed").await;
    assert_eq!(alpha.len(), 10);
    assert!(
        alpha.iter().all(|name| name.starts_with("Zed alpha")),
        "{alpha:?}"
    );
    let beta = names_in(&app, "beta", "Zed").await;
    assert!(
        beta.iter().all(|name| name.starts_with("Zed beta")) && beta.len() == 10,
        "{beta:?}"
    );
    let (_, default) = app
        .get("/agentclara/contacts?search=Zed%20alpha", &[AGENTCLARA])
        .await;
    assert_eq!(
        default["data"],
        json!([]),
        "the default namespace saw nothing"
    );
    let (_, listed) = app.get("/__admin/namespaces", &[]).await;
    let names: Vec<&str> = listed["namespaces"]
        .as_array()
        .expect("namespaces")
        .iter()
        .map(|namespace| namespace["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["alpha", "beta"]);
}

#[tokio::test]
async fn resetting_one_namespace_leaves_the_others() {
    let app = spawn_app().await;
    create_in(&app, "one", "Only In One".into()).await;
    create_in(&app, "two", "Only In Two".into()).await;
    let (status, _) = app
        .send(Method::POST, "/__admin/reset?namespace=one", &[], None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        names_in(&app, "one", "Only%20In").await,
        Vec::<String>::new()
    );
    assert_eq!(names_in(&app, "two", "Only%20In").await, ["Only In Two"]);
    let (status, body) = app
        .send(Method::POST, "/__admin/reset?namespace=nope", &[], None)
        .await;
    assert_eq!(
        (status, body),
        (404, json!({"error": "no namespace `nope`"}))
    );
    let (status, body) = app
        .send(Method::POST, "/__admin/reset?namespace=", &[], None)
        .await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"error": "namespace: a namespace is 1 to 128 visible ASCII characters"})
        )
    );
    let (status, _) = app
        .send(Method::DELETE, "/__admin/namespaces/two", &[], None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        names_in(&app, "two", "Only%20In").await,
        Vec::<String>::new(),
        "made afresh"
    );
    let (status, _) = app
        .send(Method::DELETE, "/__admin/namespaces/absent", &[], None)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn journal_and_faults_know_the_namespace() {
    let app = spawn_app().await;
    add_fault(&app, json!({"vendor": "autokonnect", "namespace": "chaos", "effect": {"type": "status", "status": 500}})).await;
    assert_eq!(
        app.get(AK_CONTACTS, &[AUTOKONNECT, (NAMESPACE, "chaos")])
            .await
            .0,
        500
    );
    assert_eq!(
        app.get(AK_CONTACTS, &[AUTOKONNECT, (NAMESPACE, "calm")])
            .await
            .0,
        200
    );
    assert_eq!(ak_status(&app, AK_CONTACTS).await, 200);
    let (_, counted) = app
        .get("/__admin/requests/count?namespace=chaos", &[])
        .await;
    assert_eq!(counted["count"], 1);
    let (_, counted) = app
        .get("/__admin/requests/count?namespace=default", &[])
        .await;
    assert_eq!(counted["count"], 1);
}

#[tokio::test]
async fn an_unusable_namespace_header_is_the_vendors_400() {
    let app = spawn_app().await;
    let long = "n".repeat(129);
    for name in ["two words", long.as_str()] {
        assert_eq!(
            app.get(AK_CONTACTS, &[AUTOKONNECT, (NAMESPACE, name)])
                .await,
            (400, json!({"error": "Bad Request"}))
        );
    }
}

#[tokio::test]
async fn a_vendor_is_served_on_its_own_port_at_its_real_paths() {
    let app = spawn_vendor_app("thoughtly").await;
    let (status, body) = app
        .get("/contact?limit=3", &[THOUGHTLY_TOKEN, THOUGHTLY_TEAM])
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["contacts"].as_array().expect("contacts").len(),
        3
    );
    let (status, _) = app.get("/api/v1/contacts", &[]).await;
    assert_eq!(status, 404, "only that vendor lives there");
}

#[tokio::test]
async fn a_request_for_the_vendors_real_host_is_routed_to_it() {
    let app = spawn_app().await;
    let raw = "GET /contact?limit=2 HTTP/1.1\r\nHost: api.thoughtly.com\r\nx-api-token: c8e1f0b2a94d47e6b3d5a1f07c2e9b48\r\nteam_id: 65f1c0a2e4b0d93a7c1e5f21\r\nConnection: close\r\n\r\n";
    let answer = app.send_raw(raw.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"limit\":2"), "{answer}");
    let raw = "GET /api/v1/contacts HTTP/1.1\r\nHost: API.AUTOKONNECT.COM:443\r\nAuthorization: Bearer ak_live_northwind_4f9c2e7a\r\nConnection: close\r\n\r\n";
    assert!(
        app.send_raw(raw.as_bytes())
            .await
            .starts_with("HTTP/1.1 200")
    );
}

#[tokio::test]
async fn a_namespace_freezes_its_own_clock_and_the_default_one_stays_put() {
    let app = spawn_app().await;
    let (status, clock) = app
        .send(
            Method::PUT,
            "/__admin/clock?namespace=later",
            &[],
            Some(&json!({"now": "2030-06-01T08:00:00Z"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        clock,
        json!({"now": "2030-06-01T08:00:00.000Z", "frozen": true})
    );
    let (_, default_clock) = app.get("/__admin/clock", &[]).await;
    assert_eq!(default_clock["now"], "2026-01-15T12:00:00.000Z");

    let create = async |namespace: &'static str| {
        app.send(
            Method::POST,
            "/agentclara/contacts",
            &[AGENTCLARA, (NAMESPACE, namespace)],
            Some(&json!({"name": "Stamped"})),
        )
        .await
    };
    let (_, in_later) = create("later").await;
    let (_, in_default) = create("default").await;
    assert_eq!(in_later["data"]["created_at"], "2030-06-01T08:00:00Z");
    assert_eq!(in_default["data"]["created_at"], "2026-01-15T12:00:00Z");

    // Four years on, nobody wrote in the last year; in the default namespace some did.
    let last_year = async |namespace: &'static str| {
        app.get(
            "/vambe/api/public/contacts?days=365",
            &[VAMBE, (NAMESPACE, namespace)],
        )
        .await
    };
    let (_, later) = last_year("later").await;
    let (_, default) = last_year("default").await;
    assert_eq!(later, json!([]));
    assert!(!default.as_array().expect("array").is_empty());

    let (_, released) = app
        .send(Method::DELETE, "/__admin/clock?namespace=later", &[], None)
        .await;
    assert_eq!(
        released["now"], "2026-01-15T12:00:00.000Z",
        "it follows the default clock again"
    );
    let (status, _) = app.get("/__admin/clock?namespace=two%20words", &[]).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn rate_limits_count_per_namespace_and_a_reset_clears_them() {
    // Thoughtly's limit counts a minute, so a slow machine still sends the 101 requests within
    // one window.
    let seed = json!({"thoughtly": {"teams": [
        {"team_id": "team_limited", "api_token": "token_limited", "rate_limit": true}
    ]}});
    let app = common::spawn_app_with_seed(seed).await;
    let list = async |namespace: &'static str| {
        app.get(
            "/thoughtly/contact",
            &[
                ("x-api-token", "token_limited"),
                ("team_id", "team_limited"),
                (NAMESPACE, namespace),
            ],
        )
        .await
    };
    for _ in 0..100 {
        assert_eq!(list("a").await.0, 200);
    }
    let (status, body) = list("a").await;
    assert_eq!(status, 429);
    assert_eq!(
        body,
        json!({"data": null, "error": {"message": "Rate limit exceeded: 100 requests per minute"}})
    );
    assert_eq!(
        list("b").await.0,
        200,
        "another namespace counts on its own"
    );
    let (status, _) = app
        .send(Method::POST, "/__admin/reset?namespace=a", &[], None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(list("a").await.0, 200, "the reset cleared the count");
}
