//! The dashboard page at `/__admin/ui` and the journal paging it relies on. The page's behaviour
//! in a browser is tested by `.ci/browser.sh`.

mod common;

use common::spawn_app;
use serde_json::Value;

const AUTOKONNECT: (&str, &str) = ("Authorization", "Bearer ak_live_northwind_4f9c2e7a");

#[tokio::test]
async fn the_dashboard_is_one_self_contained_html_page() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/__admin/ui")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("content-type"), "text/html; charset=utf-8");
    let policy = header("content-security-policy");
    assert!(policy.starts_with("default-src 'none';"), "{policy}");
    assert!(policy.contains("connect-src 'self'"), "{policy}");
    let page = response.text().await.unwrap();
    assert!(page.starts_with("<!doctype html>"));
    assert!(page.contains("<title>Understudy</title>"));
}

#[tokio::test]
async fn journal_pages_with_before_an_entry_id() {
    let app = spawn_app().await;
    for page in 1..=5 {
        let path = format!("/autokonnect/api/v1/contacts?page={page}");
        assert_eq!(app.get(&path, &[AUTOKONNECT]).await.0, 200);
    }
    let ids = |body: &Value| -> Vec<u64> {
        body["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_u64().unwrap())
            .collect()
    };
    let (status, first) = app.get("/__admin/requests?limit=2", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(ids(&first), [5, 4]);
    let (_, second) = app.get("/__admin/requests?limit=2&before=4", &[]).await;
    assert_eq!(ids(&second), [3, 2]);
    let (_, count) = app.get("/__admin/requests/count?before=4", &[]).await;
    assert_eq!(count["count"], 3);
    let (status, body) = app.get("/__admin/requests?before=soon", &[]).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "before: must be a journal entry id");
}
