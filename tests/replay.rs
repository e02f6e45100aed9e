//! Replayed answers over real HTTP: a client repeating the very same read gets the same answer
//! and the same journal entry as the first time, and sees every change to the data behind it
//! (a new seed, a reset, a clock moved under a time window) on its next read.

mod common;

use common::{TestApp, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

const NORTHWIND: (&str, &str) = ("Authorization", "Bearer ak_live_northwind_4f9c2e7a");
const CONTACTS: &str = "/autokonnect/api/v1/contacts?limit=3";

async fn total(app: &TestApp) -> Value {
    let (status, body) = app.get(CONTACTS, &[NORTHWIND]).await;
    assert_eq!(status, 200, "{body}");
    body["totalRecords"].clone()
}

/// The journal's entries, newest first, without what differs between two requests.
async fn journaled(app: &TestApp) -> Vec<Value> {
    let (_, body) = app.get("/__admin/requests", &[]).await;
    body["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|entry| {
            let mut entry = entry.clone();
            for varying in ["id", "time", "duration_ms"] {
                entry.as_object_mut().expect("entry").remove(varying);
            }
            entry
        })
        .collect()
}

#[tokio::test]
async fn a_repeated_read_is_answered_and_journaled_like_the_first() {
    let app = spawn_app().await;
    let answers: Vec<(u16, Value)> = vec![
        app.get(CONTACTS, &[NORTHWIND]).await,
        app.get(CONTACTS, &[NORTHWIND]).await,
        app.get(CONTACTS, &[NORTHWIND]).await,
    ];
    assert_eq!(answers[0].0, 200);
    assert!(answers.iter().all(|answer| *answer == answers[0]));
    let entries = journaled(&app).await;
    assert_eq!(entries.len(), 3);
    assert!(
        entries.iter().all(|entry| *entry == entries[0]),
        "{entries:?}"
    );
    assert_eq!(entries[0]["tenant"], "****2e7a");
    assert_eq!(entries[0]["headers"]["authorization"], "Bearer ****2e7a");
    assert_eq!(entries[0]["status"], 200);
}

#[tokio::test]
async fn a_new_seed_and_a_reset_are_seen_by_the_next_identical_read() {
    let app = spawn_app().await;
    let seeded = total(&app).await;
    assert_eq!(total(&app).await, seeded);
    let seed = json!({"autokonnect": {"companies": [{"api_key": "ak_live_northwind_4f9c2e7a",
        "contacts": [{"id": "9", "first_name": "Solo"}]}]}});
    let (status, body) = app
        .send(Method::POST, "/__admin/seed", &[], Some(&seed))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(total(&app).await, json!(1));
    assert_eq!(total(&app).await, json!(1));
    let (status, _) = app.send(Method::POST, "/__admin/reset", &[], None).await;
    assert_eq!(status, 200);
    assert_eq!(total(&app).await, json!(1), "reset: the new seed");
}

#[tokio::test]
async fn a_time_window_follows_the_clock_between_identical_reads() {
    let app = spawn_app().await;
    let vambe = [("x-api-key", "vk_live_andes_7c41e9b2d05a")];
    let window = "/vambe/api/public/contacts?days=1";
    let count = |body: &Value| body.as_array().expect("a bare array").len();
    let (status, now) = app.get(window, &vambe).await;
    assert_eq!(status, 200, "{now}");
    assert_eq!(app.get(window, &vambe).await, (200, now.clone()));
    app.freeze_clock("2036-01-15T12:00:00Z").await;
    let (status, later) = app.get(window, &vambe).await;
    assert_eq!(status, 200);
    assert!(count(&now) > 0, "the seed has contacts from the last day");
    assert_eq!(count(&later), 0, "ten years on, none are from the last day");
}
