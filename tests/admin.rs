//! The `/__admin` control API over real HTTP.

mod common;

use common::{FROZEN_NOW, options, spawn_app, spawn_app_with};
use reqwest::Method;
use serde_json::{Value, json};

const NORTHWIND: (&str, &str) = ("Authorization", "Bearer ak_live_northwind_4f9c2e7a");

fn small_seed(key: &str) -> Value {
    json!({"autokonnect": {"companies": [{"api_key": key, "contacts": [{"id": "9", "first_name": "Solo"}]}]}})
}

#[tokio::test]
async fn health_answers_ok_and_says_when_the_search_indexes_are_built() {
    let app = spawn_app().await;
    let (status, first) = app.get("/__admin/health", &[]).await;
    assert_eq!(status, 200);
    assert!(
        [
            json!({"status": "ok", "search": "indexing"}),
            json!({"status": "ok", "search": "ready"})
        ]
        .contains(&first),
        "{first}"
    );
    // The default seed's indexes take milliseconds.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (status, body) = app.get("/__admin/health", &[]).await;
        assert_eq!(status, 200);
        if body == json!({"status": "ok", "search": "ready"}) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "still {body}");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn the_clock_can_be_read_frozen_and_unfrozen() {
    let app = spawn_app().await;
    assert_eq!(
        app.get("/__admin/clock", &[]).await,
        (
            200,
            json!({"now": "2026-01-15T12:00:00.000Z", "frozen": true})
        )
    );
    let moved = json!({"now": "2030-06-01T08:00:00+02:00"});
    assert_eq!(
        app.send(Method::PUT, "/__admin/clock", &[], Some(&moved))
            .await,
        (
            200,
            json!({"now": "2030-06-01T06:00:00.000Z", "frozen": true})
        )
    );
    let (status, body) = app.send(Method::DELETE, "/__admin/clock", &[], None).await;
    assert_eq!((status, &body["frozen"]), (200, &json!(false)));
    assert_ne!(body["now"], "2030-06-01T06:00:00.000Z");
}

#[tokio::test]
async fn a_bad_clock_body_is_a_400() {
    let app = spawn_app().await;
    for body in [
        json!({"now": "soon"}),
        json!({}),
        json!({"now": FROZEN_NOW, "extra": 1}),
        json!([]),
    ] {
        let (status, answer) = app
            .send(Method::PUT, "/__admin/clock", &[], Some(&body))
            .await;
        assert_eq!(status, 400, "{body}");
        assert!(
            answer["error"]
                .as_str()
                .expect("message")
                .contains("expected {\"now\""),
            "{answer}"
        );
    }
}

#[tokio::test]
async fn seed_replaces_all_data_and_reset_returns_to_it() {
    let app = spawn_app().await;
    let (status, body) = app
        .send(
            Method::POST,
            "/__admin/seed",
            &[],
            Some(&small_seed("ak_new")),
        )
        .await;
    assert_eq!((status, body), (200, json!({"status": "ok"})));
    assert_eq!(
        app.get("/autokonnect/api/v1/contacts", &[NORTHWIND])
            .await
            .0,
        401,
        "the old seed is gone"
    );
    let (status, body) = app
        .get(
            "/autokonnect/api/v1/contacts",
            &[("Authorization", "Bearer ak_new")],
        )
        .await;
    assert_eq!((status, body["totalRecords"].clone()), (200, json!(1)));
}

#[tokio::test]
async fn a_bad_seed_is_a_400_naming_the_json_path_and_changes_nothing() {
    let app = spawn_app().await;
    let bad =
        json!({"autokonnect": {"companies": [{"api_key": "k", "contacts": [{"created_at": 5}]}]}});
    let (status, body) = app
        .send(Method::POST, "/__admin/seed", &[], Some(&bad))
        .await;
    assert_eq!(status, 400);
    let message = body["error"].as_str().expect("message");
    assert!(
        message.starts_with("POST /__admin/seed: autokonnect.companies[0].contacts[0].created_at:"),
        "{message}"
    );
    assert_eq!(
        app.get("/autokonnect/api/v1/contacts", &[NORTHWIND])
            .await
            .0,
        200,
        "the old data stays"
    );
    let (status, _) = app.send(Method::POST, "/__admin/seed", &[], None).await;
    assert_eq!(status, 400, "an empty body is no seed");
}

#[tokio::test]
async fn reset_restores_the_seed_after_the_data_changed() {
    let dir = common::temp_dir("admin-reset");
    let db = dir.join("live.db");
    let mut opts = options(vec![common::seed_source(small_seed("ak_reset"))]);
    opts.db = Some(db.clone());
    let app = spawn_app_with(opts).await;
    let key = ("Authorization", "Bearer ak_reset");
    // Another writer changes the live data behind the API's back.
    let outside = rusqlite::Connection::open(&db).expect("open db");
    outside
        .execute(
            "INSERT INTO autokonnect_contacts (company_id, id, created_at, updated_at) VALUES (1, '10', 0, 0)",
            [],
        )
        .expect("insert");
    outside
        .execute("DELETE FROM autokonnect_contacts WHERE id = '9'", [])
        .expect("delete");
    let (_, body) = app.get("/autokonnect/api/v1/contacts", &[key]).await;
    assert_eq!(body["data"][0]["id"], "10");
    let (status, body) = app.send(Method::POST, "/__admin/reset", &[], None).await;
    assert_eq!((status, body), (200, json!({"status": "ok"})));
    let (_, body) = app.get("/autokonnect/api/v1/contacts", &[key]).await;
    assert_eq!(body["totalRecords"], 1);
    assert_eq!(body["data"][0]["id"], "9");
}

#[tokio::test]
async fn every_vendor_openapi_document_is_served_as_yaml() {
    let app = spawn_app().await;
    for vendor in understudy::vendors::ALL {
        let response = app
            .request(
                Method::GET,
                &format!("/__admin/openapi/{}.yaml", vendor.slug),
                &[],
                None,
            )
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/yaml");
        let text = response.text().await.expect("text");
        let file = format!(
            "{}/openapi/{}.yaml",
            env!("CARGO_MANIFEST_DIR"),
            vendor.slug
        );
        assert_eq!(
            text,
            std::fs::read_to_string(&file).expect("the repository's document"),
            "{file}"
        );
        assert!(text.starts_with("openapi: 3.1"), "{}", vendor.slug);
    }
    let (status, body) = app.get("/__admin/openapi/acme.yaml", &[]).await;
    assert_eq!(
        (status, body),
        (404, json!({"error": "no OpenAPI document `acme.yaml`"}))
    );
}

#[tokio::test]
async fn unknown_admin_paths_and_methods_answer_in_the_admin_shape() {
    let app = spawn_app().await;
    assert_eq!(
        app.get("/__admin/nope", &[]).await,
        (404, json!({"error": "not found"}))
    );
    let response = app
        .request(Method::DELETE, "/__admin/health", &[], None)
        .await;
    assert_eq!(response.status(), 405);
    assert!(response.headers().contains_key("allow"));
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        json!({"error": "method not allowed"})
    );
    let (status, body) = app.get("/nowhere", &[]).await;
    assert_eq!(status, 404);
    assert!(
        body["error"]
            .as_str()
            .expect("message")
            .contains("/autokonnect")
    );
}
